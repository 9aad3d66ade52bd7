//! The skeleton's commands through the emulator: the exact replies a user sees.

use herald::store::Backend;

use crate::both_backends;
use crate::harness::app::TestApp;

fn text(message: &telegram_emulator::ChatMessage) -> String {
    message.plain_text.clone().unwrap_or_default()
}

async fn start_twice_is_harmless(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Ana", "es").await;
    let messages = app.wait_for(chat, 3).await;
    assert!(
        text(&messages[0]).contains("Bienvenido a Herald, Ana"),
        "{}",
        text(&messages[0])
    );
    assert!(text(&messages[1]).contains("no son asesoramiento financiero"));

    app.emulator.send_text(chat, chat, "/start");
    let messages = app.wait_for(chat, 4).await;
    assert!(
        text(&messages[3]).contains("Estás suscrito"),
        "{}",
        text(&messages[3])
    );
    let user = app.store.user_by_telegram_id(chat).await.unwrap().unwrap();
    assert!(app.store.subscription(user.id).await.unwrap().subscribed);
    app.stop().await;
}
both_backends!(start_again, start_twice_is_harmless);

async fn help_unknown_and_plain_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.emulator.create_user("Ben", None, Some("en")).id;
    app.emulator.send_text(chat, chat, "/help");
    assert_eq!(
        text(&app.wait_for(chat, 1).await[0]),
        "Please send /start first."
    );
    app.emulator.send_text(chat, chat, "/start");
    app.wait_for(chat, 3).await;
    app.emulator.send_text(chat, chat, "/help");
    let help = text(&app.wait_for(chat, 4).await[3]);
    for command in ["/start", "/help", "/subscribe", "/unsubscribe"] {
        assert!(help.contains(command), "{help}");
    }
    app.emulator.send_text(chat, chat, "/frobnicate");
    assert_eq!(
        text(&app.wait_for(chat, 5).await[4]),
        "I don't know /frobnicate. Send /help to see the commands."
    );
    app.emulator.send_text(chat, chat, "hello?");
    assert_eq!(
        text(&app.wait_for(chat, 6).await[5]),
        "I only understand commands. Send /help to see them."
    );
    app.stop().await;
}
both_backends!(help_and_hints, help_unknown_and_plain_text);

async fn unsubscribe_is_idempotent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Cleo", "en").await;
    app.emulator.send_text(chat, chat, "/subscribe");
    assert!(text(&app.wait_for(chat, 4).await[3]).contains("already subscribed"));
    app.emulator.send_text(chat, chat, "/unsubscribe");
    assert!(text(&app.wait_for(chat, 5).await[4]).contains("You are unsubscribed"));
    app.emulator.send_text(chat, chat, "/unsubscribe");
    assert!(text(&app.wait_for(chat, 6).await[5]).contains("You are not subscribed"));
    let user = app.store.user_by_telegram_id(chat).await.unwrap().unwrap();
    assert!(!app.store.subscription(user.id).await.unwrap().subscribed);
    app.stop().await;
}
both_backends!(subscribe_and_unsubscribe, unsubscribe_is_idempotent);
