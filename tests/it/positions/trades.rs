//! Positions from the tap to the result: the user's own entry and size by reply, P&L at the last
//! price, closes by a target hit, a close signal and the user's Close, the realized figures in
//! `/positions closed` and `/performance`, privacy and erasure.

use herald::domain::i18n::{Lang, t};
use herald::store::Backend;
use serde_json::json;
use telegram_emulator::ChatMessage;

use super::{data, delivered, next, post, price};
use crate::both_backends;
use crate::harness::app::{TestApp, buy_signal};
use crate::harness::chat::{Chat, text};
use crate::harness::security::count;

/// Taps `✅ I took it` (or its Spanish) on a signal message; returns the confirmation.
async fn take(chat: &Chat<'_>, signal: &ChatMessage, label: &str) -> ChatMessage {
    let before = chat.messages().len();
    chat.press_for_answer(signal.message_id, &data(signal, label), false)
        .await;
    next(chat.app, chat.id, before).await
}

/// The text or, for a photo, the caption.
fn shown(message: &ChatMessage) -> String {
    message
        .plain_text
        .clone()
        .or_else(|| message.caption.clone())
        .unwrap_or_default()
}

/// The last callback answer's text.
fn last_answer(app: &TestApp) -> Option<String> {
    app.emulator
        .callback_answers()
        .last()
        .and_then(|a| a.text.clone())
}

async fn a_position_from_the_button_to_its_result(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat_id = app.subscribed_user("Vic", "en").await;
    let chat = Chat {
        app: &app,
        id: chat_id,
    };
    let user = chat.user().await;

    // Taken at the signal's entry, then the user's own entry and size by reply.
    let before = chat.messages().len();
    let btc = post(&app, &buy_signal()).await;
    let buy = delivered(&app, chat_id, before, btc).await;
    let confirmation = take(&chat, &buy, "✅ I took it").await;
    let set = chat.reply(confirmation.message_id, "45100 0.5").await;
    assert_eq!(
        text(&set),
        "✏️ Entry updated\n🟢 BUY BTC/USD · entry $45,100 · size 0.5"
    );
    for (words, answer) in [
        (
            "lots",
            "“lots” is not a price: write digits with a dot for decimals and no thousands \
             separators, such as 45100 or 1.0852. Nothing was changed.",
        ),
        (
            "4510",
            "That is far from this signal's entry, so it looks like a typo: I take entries from \
             $22,625 to $90,500. Nothing was changed.",
        ),
    ] {
        assert_eq!(
            text(&chat.reply(confirmation.message_id, words).await),
            answer
        );
    }
    let open = app.store.open_positions(user.id).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].0.entry.value().to_string(), "45100");

    // Unrealized P&L at the last price.
    price(&app, "BTC/USD", "45900").await;
    let listed = chat.say("/positions").await;
    let listing = text(&listed);
    assert!(
        listing.contains(
            "1. 🟢 BUY BTC/USD · entry $45,100 · size 0.5\n    now $45,900: +1.77% · +$400.00"
        ),
        "{listing}"
    );
    assert_eq!(listed.buttons[0][0].text, "✖️ Close 1");

    // The target is hit: the position closes at the target, from the user's own entry.
    let before = chat.messages().len();
    let answer = price(&app, "BTC/USD", "46600").await;
    assert_eq!(answer["closed"][0]["reason"], "target");
    next(&app, chat_id, before).await; // Herald's close of the signal
    assert_eq!(
        text(&chat.say("/positions").await),
        t(Lang::En, "positions-none")
    );
    let closed = text(&chat.say("/positions closed").await);
    assert!(
        closed.contains(
            "1. 🟢 BUY BTC/USD · $45,100 → $46,500 · +3.10% · +$700.00\n    size 0.5 · target hit"
        ),
        "{closed}"
    );
    assert_eq!(
        text(&chat.reply(confirmation.message_id, "45000").await),
        t(Lang::En, "position-reply-closed")
    );

    // A close signal closes at its exit price.
    let before = chat.messages().len();
    let eth = post(
        &app,
        &json!({"type": "buy", "asset": "ETH/USD", "entry_price": 2000, "target_price": 2200,
            "stop_loss": 1900, "timeframe": "1H", "confidence": 80}),
    )
    .await;
    let eth_buy = delivered(&app, chat_id, before, eth).await;
    take(&chat, &eth_buy, "✅ I took it").await;
    let before = chat.messages().len();
    post(
        &app,
        &json!({"type": "close", "asset": "ETH/USD", "closes": eth, "exit_price": 2100}),
    )
    .await;
    next(&app, chat_id, before).await;
    let closed = text(&chat.say("/positions closed").await);
    assert!(
        closed.contains("1. 🟢 BUY ETH/USD · $2,000 → $2,100 · +5.00%\n    close signal"),
        "{closed}"
    );
    assert!(closed.contains("2. 🟢 BUY BTC/USD"), "{closed}");
    let performance = shown(&chat.say("/performance").await);
    assert!(
        performance.contains(
            "💼 Your trades: 2 closed · win rate 100% · total +8.10% · best +5.00% · worst +3.10%"
        ),
        "{performance}"
    );

    // The user's Close: refused without a price, asked, then done at the last price.
    let before = chat.messages().len();
    let sol_id = post(
        &app,
        &json!({"type": "sell", "asset": "SOL/USD", "entry_price": 100, "target_price": 90,
            "stop_loss": 110, "timeframe": "4H", "confidence": 80}),
    )
    .await;
    let sol = delivered(&app, chat_id, before, sol_id).await;
    take(&chat, &sol, "✅ I took it").await;
    let listed = chat.say("/positions").await;
    assert!(text(&listed).contains("no price yet"), "{}", text(&listed));
    let close_one = data(&listed, "✖️ Close 1");
    let refused = chat
        .press_for_answer(listed.message_id, &close_one, false)
        .await;
    assert_eq!(
        refused.as_deref(),
        Some(
            "I have no price for SOL/USD yet, so I cannot close it at the market. It closes with \
             the signal, or try again after the next price."
        )
    );
    price(&app, "SOL/USD", "95").await;
    let question = chat.press(listed.message_id, &close_one).await;
    assert!(
        text(&question).ends_with("Close it at the last price, $95 (+5.00%)?"),
        "{}",
        text(&question)
    );
    let yes = data(&question, "✅ Close it");
    let after = chat.press(listed.message_id, &yes).await;
    assert_eq!(last_answer(&app).as_deref(), Some("Closed at $95: +5.00%"));
    assert_eq!(text(&after), t(Lang::En, "positions-none"));
    let again = chat.press_for_answer(listed.message_id, &yes, true).await;
    assert_eq!(again, Some(t(Lang::En, "position-gone")));
    let closed = text(&chat.say("/positions closed").await);
    assert!(
        closed.contains("1. 🔴 SELL SOL/USD · $100 → $95 · +5.00%\n    closed by you"),
        "{closed}"
    );
    app.stop().await;
}
both_backends!(position_lifecycle, a_position_from_the_button_to_its_result);

/// Positions are the user's alone: another user's buttons cannot reach them, `/privacy` names
/// them, `/delete` erases them (and only them); the command is in both languages' menus.
async fn positions_are_private_and_erased(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let wes = Chat {
        app: &app,
        id: app.subscribed_user("Wes", "en").await,
    };
    let xia = Chat {
        app: &app,
        id: app.subscribed_user("Xia", "es").await,
    };
    let (wes_before, xia_before) = (wes.messages().len(), xia.messages().len());
    let btc = post(&app, &buy_signal()).await;
    let wes_buy = delivered(&app, wes.id, wes_before, btc).await;
    let xia_buy = delivered(&app, xia.id, xia_before, btc).await;
    take(&wes, &wes_buy, "✅ I took it").await;
    take(&xia, &xia_buy, "✅ La tomé").await;
    let wes_position = app.store.open_positions(wes.user().await.id).await.unwrap()[0]
        .0
        .id;
    let forged = format!("pos:ask:{}", wes_position.simple());
    let answer = xia
        .press_for_answer(xia_buy.message_id, &forged, true)
        .await;
    assert_eq!(answer, Some(t(Lang::Es, "position-gone")));
    let spanish = text(&xia.say("/positions").await);
    assert!(
        spanish.starts_with("💼 Tus posiciones abiertas\n\n1. 🟢 COMPRA BTC/USD · entrada $45,250"),
        "{spanish}"
    );
    assert!(
        text(&wes.say("/privacy").await).contains("Your positions"),
        "privacy lists them"
    );
    for lang in ["en", "es"] {
        let menu = app.emulator.commands(Some(lang));
        assert!(menu.iter().any(|c| c.command == "positions"), "{lang}");
    }
    assert!(text(&wes.say("/help").await).contains("/positions"));

    assert_eq!(count(&app, "SELECT COUNT(*) FROM positions").await, 2);
    let question = wes.say("/delete").await;
    wes.press(question.message_id, "del:yes").await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM positions").await,
        1,
        "Wes's position is gone, Xia's stays"
    );
    assert_eq!(
        app.store
            .open_positions(xia.user().await.id)
            .await
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}
both_backends!(positions_privacy, positions_are_private_and_erased);
