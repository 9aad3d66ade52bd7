//! Feature flags reload on SIGHUP: with `deliveries` off a signal waits in the queue; turning the
//! flag on in `herald.toml` and sending SIGHUP lets it go out, without a restart. A broken file
//! changes nothing.

use std::time::Duration;

use crate::harness::app::{API_KEY, buy_signal};
use crate::harness::ops::{subscribe_user, wait_messages};
use crate::harness::process::HeraldProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_toggles_deliveries() {
    let emulator = telegram_emulator::Emulator::start(Default::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("herald.toml");
    std::fs::write(&config, "features = \"-deliveries\"\n").unwrap();
    let env = vec![
        ("HERALD_TELEGRAM_TOKEN", emulator.token()),
        ("HERALD_TELEGRAM_API_URL", emulator.base_url()),
        (
            "HERALD_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("herald.db").display()),
        ),
        ("HERALD_API_KEYS", API_KEY.to_owned()),
        ("HERALD_CONFIG", config.display().to_string()),
    ];
    let herald = HeraldProcess::start_named("reload", &env).await;
    let chat = subscribe_user(&emulator, "Ana").await;

    let response = reqwest::Client::new()
        .post(format!("{}/api/signals", herald.api))
        .header("X-API-Key", API_KEY)
        .json(&buy_signal())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    // Paused: nothing is sent. (A quiet window is the only way to see something not happen; the
    // dispatcher would otherwise send within milliseconds.)
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        emulator.messages(chat).len(),
        3,
        "a delivery went out while paused"
    );

    // A broken file is refused and changes nothing.
    std::fs::write(&config, "features = \"-no-such-flag\"\n").unwrap();
    herald.hangup();
    herald.wait_for_log("configuration not reloaded").await;
    std::fs::write(&config, "features = \"deliveries\"\n").unwrap();
    herald.hangup();
    herald.wait_for_log("configuration reloaded").await;
    let messages = wait_messages(&emulator, chat, 4).await;
    assert!(
        messages[3]
            .plain_text
            .as_deref()
            .unwrap_or_default()
            .contains("BTC/USD"),
        "{:?}",
        messages[3]
    );
    assert_eq!(herald.terminate().await.code(), Some(0));
}
