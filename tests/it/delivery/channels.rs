//! Channels as delivery targets: `herald channel add | list | remove` as an operator runs it, one
//! post per matching channel in its language and format, the close as a reply to the post, and
//! Telegram's 20 messages a minute per channel kept.

use std::process::Output;

use herald::store::{Backend, DeliveryStatus};
use reqwest::StatusCode;
use serde_json::json;
use telegram_emulator::ButtonKind;

use crate::both_backends;
use crate::harness::app::{TestApp, buy_signal};

fn herald(app: &TestApp, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(args)
        .env_clear()
        .env("HERALD_DATABASE_URL", &app.db.url)
        .env("HERALD_TELEGRAM_TOKEN", app.emulator.token())
        .env("HERALD_TELEGRAM_API_URL", app.emulator.base_url())
        .env("HERALD_CONFIG", "/nonexistent/herald.toml")
        .env("HERALD_ENCRYPTION_KEY", crate::harness::app::ENCRYPTION_KEY)
        .output()
        .expect("herald runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn operators_manage_channels(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let channel = app
        .emulator
        .create_channel("Herald Free", "herald_free", &[]);

    for (args, complaint) in [
        (&["--types", "buy,close"][..], "--types"),
        (&["--lang", "fr"][..], "--lang"),
        (&["--assets", "BTC USD"][..], "--assets"),
    ] {
        let mut command = vec!["channel", "add", "@herald_free"];
        command.extend_from_slice(args);
        let output = herald(&app, &command);
        assert!(!output.status.success(), "{args:?} accepted");
        assert!(stderr(&output).contains(complaint), "{}", stderr(&output));
    }
    let unknown = herald(&app, &["channel", "add", "@nobody_here"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("chat not found"),
        "{}",
        stderr(&unknown)
    );
    let user = app.emulator.create_user("Ona", None, Some("en"));
    let private = herald(&app, &["channel", "add", &user.id.to_string()]);
    assert!(!private.status.success(), "a user's chat is no channel");
    assert!(
        app.store.channels().await.unwrap().is_empty(),
        "nothing stored"
    );

    let added = herald(
        &app,
        &[
            "channel",
            "add",
            "@herald_free",
            "--types",
            "buy,sell",
            "--lang",
            "es",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stdout(&added).starts_with("added @herald_free"),
        "{}",
        stdout(&added)
    );
    let stored = app.store.channels().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].chat_id, channel);
    assert_eq!(stored[0].title, "Herald Free");
    let listed = herald(&app, &["channel", "list"]);
    assert!(
        stdout(&listed).contains("\"Herald Free\", free tier, buy,sell, all assets, es detailed"),
        "{}",
        stdout(&listed)
    );

    let removed = herald(&app, &["channel", "remove", "@herald_free"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(app.store.channels().await.unwrap().is_empty());
    let again = herald(&app, &["channel", "remove", "@herald_free"]);
    assert!(!again.status.success());
    app.stop().await;
}
both_backends!(channel_commands, operators_manage_channels);

async fn channels_get_one_post_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let subscriber = app.subscribed_user("Pau", "en").await;
    let everything = app.emulator.create_channel("Herald", "herald_all", &[]);
    let eth_only = app.emulator.create_channel("Herald ETH", "herald_eth", &[]);
    for args in [
        &[
            "channel",
            "add",
            "@herald_all",
            "--lang",
            "es",
            "--format",
            "compact",
        ][..],
        &["channel", "add", "@herald_eth", "--assets", "ETH/USD"][..],
    ] {
        let output = herald(&app, args);
        assert!(output.status.success(), "{}", stderr(&output));
    }

    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = body["id"].as_str().unwrap().to_owned();
    app.wait_for(subscriber, 4).await;
    let post = &app.wait_for(everything, 1).await[0];
    let text = post.plain_text.as_deref().unwrap_or_default();
    assert!(
        text.contains("BTC/USD") && text.contains("COMPRA"),
        "Spanish, compact: {text}"
    );
    assert!(
        post.buttons
            .iter()
            .flatten()
            .all(|b| !matches!(b.kind, ButtonKind::Callback(_))),
        "no button a channel's reader could press for the recipient: {:?}",
        post.buttons
    );

    let close = json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 46000});
    let (status, _) = app.post_signal(&close).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let posts = app.wait_for(everything, 2).await;
    assert_eq!(
        posts[1].reply_to_message_id,
        Some(post.message_id),
        "the close answers the post"
    );
    app.drain().await;
    assert!(
        app.emulator.messages(eth_only).is_empty(),
        "a BTC signal is not posted where only ETH/USD goes"
    );
    let rows = app
        .store
        .deliveries_of_signal(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the subscriber and one channel: {rows:?}");
    assert!(rows.iter().all(|r| r.status == DeliveryStatus::Sent));
    app.stop().await;
}
both_backends!(channel_posts, channels_get_one_post_each);

async fn channels_are_paced_and_removal_stops_posts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let channel = app.emulator.create_channel("Herald", "herald_paced", &[]);
    let output = herald(&app, &["channel", "add", "@herald_paced"]);
    assert!(output.status.success(), "{}", stderr(&output));
    for asset in ["BTC/USD", "ETH/USD", "SOL/USD"] {
        let mut signal = buy_signal();
        signal["asset"] = json!(asset);
        app.post_signal(&signal).await;
    }
    let posts = app.wait_for(channel, 3).await;
    // 20 a minute: three seconds apart (the emulator's clock has whole seconds).
    for pair in posts.windows(2) {
        assert!(
            pair[1].date - pair[0].date >= 2,
            "{} then {}",
            pair[0].date,
            pair[1].date
        );
    }
    assert_eq!(app.emulator.counters().rate_limited, 0);

    let output = herald(&app, &["channel", "remove", &channel.to_string()]);
    assert!(output.status.success(), "{}", stderr(&output));
    app.post_signal(&buy_signal()).await;
    app.drain().await;
    assert_eq!(
        app.emulator.messages(channel).len(),
        3,
        "nothing after removal"
    );
    app.stop().await;
}
both_backends!(channel_pacing, channels_are_paced_and_removal_stops_posts);
