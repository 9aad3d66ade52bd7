//! Every button of every signal type: what it shows, what a tap does and answers, that the
//! first tap marks the delivery read, Mute and its Undo, and taps that cannot act (forged,
//! unknown or closed signal, deleted account) answered in words.

use herald::domain::i18n::{Lang, t};
use herald::store::Backend;
use serde_json::json;
use telegram_emulator::ButtonKind;

use super::{data, delivered, delivery, next, post};
use crate::both_backends;
use crate::harness::app::{TestApp, buy_signal};
use crate::harness::chat::{Chat, text};
use crate::harness::performance::make_premium;

async fn every_signal_button_works_and_marks_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat_id = app.subscribed_user("Tess", "en").await;
    make_premium(&app, chat_id).await;
    let chat = Chat {
        app: &app,
        id: chat_id,
    };

    // A buy: I took it, Chart and Mute, then the copy buttons.
    let before = chat.messages().len();
    let btc = post(&app, &buy_signal()).await;
    let buy = delivered(&app, chat_id, before, btc).await;
    let labels: Vec<Vec<&str>> = buy
        .buttons
        .iter()
        .map(|row| row.iter().map(|b| b.text.as_str()).collect())
        .collect();
    assert_eq!(
        labels,
        [
            vec!["✅ I took it", "📈 Chart", "🔕 Mute BTC/USD"],
            vec!["📋 Entry", "📋 Target", "📋 Stop"]
        ]
    );
    for button in buy.buttons.iter().flatten() {
        if let ButtonKind::Callback(data) = &button.kind {
            assert!(data.len() <= 64, "{data}");
        }
    }
    assert_eq!(delivery(&app, btc, chat_id).await.read_at, None);
    let took = data(&buy, "✅ I took it");
    let answer = chat.press_for_answer(buy.message_id, &took, false).await;
    assert_eq!(answer, Some(t(Lang::En, "took-answer")));
    let confirmation = next(&app, chat_id, before + 1).await;
    assert_eq!(confirmation.reply_to_message_id, Some(buy.message_id));
    let confirmed = text(&confirmation);
    assert!(
        confirmed.starts_with("✅ Position opened\n🟢 BUY BTC/USD · entry $45,250"),
        "{confirmed}"
    );
    assert!(confirmed.contains("Reply to this message"), "{confirmed}");
    let read = delivery(&app, btc, chat_id).await.read_at;
    assert!(read.is_some(), "the first tap marks the delivery read");
    let again = chat.press_for_answer(buy.message_id, &took, false).await;
    assert_eq!(again, Some(t(Lang::En, "took-already-open")));
    assert_eq!(
        delivery(&app, btc, chat_id).await.read_at,
        read,
        "only the first tap counts"
    );

    // Mute on a second buy: answered, confirmed with Undo, and the asset stops arriving.
    let eth_buy = json!({"type": "sell", "asset": "ETH/USD", "entry_price": 2000,
        "target_price": 1900, "stop_loss": 2100, "timeframe": "1H", "confidence": 80});
    let before = chat.messages().len();
    let eth = post(&app, &eth_buy).await;
    let sell = delivered(&app, chat_id, before, eth).await;
    let prefs_before = chat.prefs().await;
    let mute = data(&sell, "🔕 Mute ETH/USD");
    let answer = chat.press_for_answer(sell.message_id, &mute, false).await;
    assert_eq!(answer.as_deref(), Some("🔕 ETH/USD muted"));
    let muted = next(&app, chat_id, before + 1).await;
    assert_eq!(muted.reply_to_message_id, Some(sell.message_id));
    assert!(
        text(&muted).starts_with("🔕 ETH/USD muted."),
        "{}",
        text(&muted)
    );
    assert!(delivery(&app, eth, chat_id).await.read_at.is_some());
    let prefs = chat.prefs().await;
    assert_eq!(prefs.muted_assets.len(), 1);
    assert_eq!(prefs.muted_assets[0].as_str(), "ETH/USD");
    assert_eq!(prefs.assets, prefs_before.assets, "the filter is untouched");
    let again = chat.press_for_answer(sell.message_id, &mute, false).await;
    assert_eq!(
        again.as_deref(),
        Some("ETH/USD is muted already. /filter muted:none un-mutes everything.")
    );
    let filters = text(&chat.say("/filter").await);
    assert!(filters.contains("Muted: ETH/USD"), "{filters}");
    assert!(filters.contains("muted:ETH/USD"), "{filters}");
    let skipped = post(&app, &eth_buy).await;
    let row = delivery(&app, skipped, chat_id).await;
    assert_eq!(row.skip_reason.as_deref(), Some("asset_muted"));

    // Undo restores exactly what there was, and says so in place of the button.
    let undo = data(&muted, "↩️ Undo");
    let undone = chat.press(muted.message_id, &undo).await;
    assert_eq!(
        text(&undone),
        "🔔 ETH/USD un-muted. Its signals reach you again."
    );
    assert!(undone.buttons.is_empty());
    assert_eq!(chat.prefs().await, prefs_before);
    let stale = chat.press_for_answer(muted.message_id, &undo, true).await;
    assert_eq!(stale.as_deref(), Some("ETH/USD is not muted any more."));
    assert_eq!(chat.prefs().await, prefs_before);

    // A close: Got it and Share, no trade to take.
    let before = chat.messages().len();
    let close_id = post(
        &app,
        &json!({"type": "close", "asset": "BTC/USD", "closes": btc, "exit_price": 46100}),
    )
    .await;
    let close = delivered(&app, chat_id, before, close_id).await;
    let kinds: Vec<(&str, bool)> = close
        .buttons
        .iter()
        .flatten()
        .map(|b| (b.text.as_str(), matches!(b.kind, ButtonKind::Callback(_))))
        .collect();
    assert_eq!(kinds, [("✅ Got it", true), ("📤 Share", false)]);
    let got_it = data(&close, "✅ Got it");
    let answer = chat
        .press_for_answer(close.message_id, &got_it, false)
        .await;
    assert_eq!(answer, Some(t(Lang::En, "signal-ack-answer")));
    assert!(delivery(&app, close_id, chat_id).await.read_at.is_some());
    // The buy is closed now: its button says so instead of opening anything.
    let late = chat.press_for_answer(buy.message_id, &took, false).await;
    assert_eq!(late, Some(t(Lang::En, "took-already-closed")));

    // An alert: Got it and Mute.
    let before = chat.messages().len();
    let alert = post(
        &app,
        &json!({"type": "alert", "asset": "SOL/USD", "confidence": 90,
            "message": "Unusual volume"}),
    )
    .await;
    let alert_message = delivered(&app, chat_id, before, alert).await;
    let labels: Vec<&str> = alert_message
        .buttons
        .iter()
        .flatten()
        .map(|b| b.text.as_str())
        .collect();
    assert_eq!(labels, ["✅ Got it", "🔕 Mute SOL/USD"]);
    let got_it = data(&alert_message, "✅ Got it");
    chat.press_for_answer(alert_message.message_id, &got_it, false)
        .await;
    assert!(delivery(&app, alert, chat_id).await.read_at.is_some());

    // Forged or stale data: a clear answer, nothing opened.
    let forged = [
        ("took:nonsense", t(Lang::En, "callback-expired")),
        (
            &*format!("took:{}", uuid::Uuid::now_v7().simple()),
            t(Lang::En, "signal-gone"),
        ),
        // The buy's id on another message: not what that message delivered.
        (
            &*format!("took:{}", btc.simple()),
            t(Lang::En, "signal-gone"),
        ),
    ];
    for (data, expected) in forged {
        let answer = chat
            .press_for_answer(alert_message.message_id, data, true)
            .await;
        assert_eq!(answer.as_ref(), Some(&expected), "{data}");
    }
    assert_eq!(
        app.store
            .open_positions(chat.user().await.id)
            .await
            .unwrap()
            .len(),
        0,
        "the BTC/USD position closed with its signal, and no other opened"
    );
    app.stop().await;
}
both_backends!(signal_buttons, every_signal_button_works_and_marks_read);

/// A signal that ended before the tap opens nothing; a deleted user's taps say how to come back.
async fn closed_signals_and_deleted_users_get_clear_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat_id = app.subscribed_user("Uma", "es").await;
    let chat = Chat {
        app: &app,
        id: chat_id,
    };
    let before = chat.messages().len();
    let id = post(&app, &buy_signal()).await;
    let buy = delivered(&app, chat_id, before, id).await;
    let took = data(&buy, "✅ La tomé");
    post(
        &app,
        &json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 46100}),
    )
    .await;
    next(&app, chat_id, before + 1).await;
    let answer = chat.press_for_answer(buy.message_id, &took, false).await;
    assert_eq!(
        answer.as_deref(),
        Some("Esta señal ya está cerrada (señal de cierre): no queda operación que tomar.")
    );
    assert_eq!(
        app.store
            .open_positions(chat.user().await.id)
            .await
            .unwrap()
            .len(),
        0
    );

    let question = chat.say("/delete").await;
    chat.press(question.message_id, "del:yes").await;
    for label in ["✅ La tomé", "🔕 Silenciar BTC/USD"] {
        let answer = chat
            .press_for_answer(buy.message_id, &data(&buy, label), false)
            .await;
        assert_eq!(answer, Some(t(Lang::Es, "callback-no-account")), "{label}");
    }
    app.stop().await;
}
both_backends!(
    stale_taps,
    closed_signals_and_deleted_users_get_clear_answers
);
