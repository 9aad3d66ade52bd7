//! Many emulators in one process, and clean shutdown.

use serde_json::json;
use telegram_emulator::{Emulator, EmulatorConfig};

use crate::harness::Tg;

#[tokio::test]
async fn emulators_are_independent() {
    let mut all = Vec::new();
    for n in 0..5 {
        let tg = Tg::start_with(EmulatorConfig {
            token: format!("{}:TOKEN-{n}", 1000 + n),
            bot_username: format!("bot{n}_bot"),
            ..EmulatorConfig::default()
        })
        .await;
        all.push(tg);
    }
    let mut urls: Vec<String> = all.iter().map(|tg| tg.emu.base_url()).collect();
    urls.dedup();
    assert_eq!(urls.len(), 5);
    for (n, tg) in all.iter().enumerate() {
        let user = tg.user("Same");
        tg.ok(
            "sendMessage",
            json!({"chat_id": user, "text": format!("from {n}")}),
        )
        .await;
        assert_eq!(tg.ok("getMe", json!({})).await["id"], 1000 + n);
    }
    for (n, tg) in all.iter().enumerate() {
        let msgs = tg.emu.messages(700_000_001);
        assert_eq!(msgs.len(), 1, "each emulator holds only its own messages");
        assert_eq!(msgs[0].text.as_deref(), Some(format!("from {n}").as_str()));
        assert_eq!(tg.emu.counters().sends_ok, 1);
    }
    // A token of one emulator is unknown to another.
    let url = format!("{}/bot{}/getMe", all[0].emu.base_url(), all[1].emu.token());
    assert_eq!(all[0].http.get(url).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn stop_frees_the_port() {
    let tg = Tg::start().await;
    let addr = tg.emu.addr();
    tg.emu.clone().stop().await;
    assert!(
        tg.http
            .get(format!("{}/control/counters", tg.emu.base_url()))
            .send()
            .await
            .is_err()
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("port is free again");
    let again = Emulator::start_on(EmulatorConfig::default(), listener)
        .await
        .unwrap();
    assert_eq!(again.addr(), addr);
    again.stop().await;
}

#[tokio::test]
async fn stop_ends_a_waiting_long_poll() {
    let tg = Tg::start().await;
    let mut events = tg.emu.subscribe();
    let poll = tg.spawn_call("getUpdates", json!({"timeout": 50}));
    crate::harness::next_event(&mut events, |e| {
        *e == telegram_emulator::EmulatorEvent::PollWaiting
    })
    .await;
    tokio::time::timeout(crate::harness::PATIENCE, tg.emu.clone().stop())
        .await
        .expect("stop does not wait for the poll timeout");
    let (status, body) = poll.await.unwrap();
    assert_eq!((status, body["result"].clone()), (200, json!([])));
}
