//! editMessageText, editMessageReplyMarkup, deleteMessage, callback queries.

use serde_json::{Value, json};
use telegram_emulator::{EmulatorError, EmulatorEvent};

use crate::harness::{Tg, next_event};

const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
const TOO_OLD: &str =
    "Bad Request: query is too old and response timeout expired or query ID is invalid";

fn keyboard(data: &str) -> Value {
    json!({"inline_keyboard": [[{"text": data, "callback_data": data}]]})
}

async fn signal(tg: &Tg, chat: i64) -> i64 {
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": chat, "text": "<b>BUY</b> BTC", "parse_mode": "HTML",
                   "reply_markup": keyboard("details")}),
        )
        .await;
    msg["message_id"].as_i64().unwrap()
}

#[tokio::test]
async fn edit_text_keeps_history_and_drops_omitted_keyboard() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let id = signal(&tg, alice).await;
    let mut events = tg.emu.subscribe();
    let edited = tg
        .ok(
            "editMessageText",
            json!({"chat_id": alice, "message_id": id, "text": "<b>CLOSED</b> BTC", "parse_mode": "HTML"}),
        )
        .await;
    assert_eq!(edited["text"], "CLOSED BTC");
    assert!(edited["edit_date"].as_i64().is_some());
    assert!(
        edited.get("reply_markup").is_none(),
        "no reply_markup removes the keyboard"
    );
    let event = next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::MessageEdited { .. })
    })
    .await;
    assert_eq!(
        event,
        EmulatorEvent::MessageEdited {
            chat_id: alice,
            message_id: id
        }
    );
    let stored = &tg.emu.messages(alice)[0];
    assert_eq!(stored.text.as_deref(), Some("<b>CLOSED</b> BTC"));
    assert_eq!(stored.edits, ["<b>BUY</b> BTC"]);
    assert_eq!(tg.emu.counters().sends_ok, 2, "edits count as sends");
}

#[tokio::test]
async fn edits_that_change_nothing_are_refused() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let id = signal(&tg, alice).await;
    // Same formatted text (different tag spelling) and same keyboard.
    let (status, d) = tg
        .err(
            "editMessageText",
            json!({"chat_id": alice, "message_id": id, "text": "<strong>BUY</strong> BTC",
                   "parse_mode": "HTML", "reply_markup": keyboard("details")}),
        )
        .await;
    assert_eq!((status, d.as_str()), (400, NOT_MODIFIED));
    let (_, d) = tg
        .err(
            "editMessageReplyMarkup",
            json!({"chat_id": alice, "message_id": id, "reply_markup": keyboard("details")}),
        )
        .await;
    assert_eq!(d, NOT_MODIFIED);
    let changed = tg
        .ok(
            "editMessageReplyMarkup",
            json!({"chat_id": alice, "message_id": id, "reply_markup": keyboard("more")}),
        )
        .await;
    assert_eq!(
        changed["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "more"
    );
    assert_eq!(changed["text"], "BUY BTC");
}

#[tokio::test]
async fn edit_targets_must_be_the_bots_own_messages() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let (_, d) = tg
        .err(
            "editMessageText",
            json!({"chat_id": alice, "message_id": 5, "text": "x"}),
        )
        .await;
    assert_eq!(d, "Bad Request: message to edit not found");
    let theirs = tg.emu.send_text(alice, alice, "hello");
    let (_, d) = tg
        .err(
            "editMessageText",
            json!({"chat_id": alice, "message_id": theirs, "text": "x"}),
        )
        .await;
    assert_eq!(d, "Bad Request: message can't be edited");
    let (_, d) = tg
        .err("editMessageText", json!({"chat_id": alice, "text": "x"}))
        .await;
    assert_eq!(d, "Bad Request: message identifier is not specified");
}

#[tokio::test]
async fn delete_flags_the_message_once() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let id = signal(&tg, alice).await;
    assert_eq!(
        tg.ok("deleteMessage", json!({"chat_id": alice, "message_id": id}))
            .await,
        true
    );
    let stored = tg.emu.messages(alice);
    assert!(stored[0].deleted);
    let (_, d) = tg
        .err("deleteMessage", json!({"chat_id": alice, "message_id": id}))
        .await;
    assert_eq!(d, "Bad Request: message to delete not found");
    let (_, d) = tg
        .err(
            "editMessageText",
            json!({"chat_id": alice, "message_id": id, "text": "x"}),
        )
        .await;
    assert_eq!(d, "Bad Request: message to edit not found");
}

#[tokio::test]
async fn callback_queries_are_answered_once() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let id = signal(&tg, alice).await;
    let query_id = tg.emu.press_button(alice, alice, id, "details").unwrap();

    let updates = tg.ok("getUpdates", json!({})).await;
    let query = &updates[0]["callback_query"];
    assert_eq!(query["id"], query_id.as_str());
    assert_eq!(query["data"], "details");
    assert_eq!(query["from"]["id"], alice);
    assert!(
        query["chat_instance"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(query["message"]["message_id"], id);
    assert_eq!(query["message"]["from"]["is_bot"], true);
    assert_eq!(query["message"]["reply_markup"], keyboard("details"));

    let (_, d) = tg
        .err(
            "answerCallbackQuery",
            json!({"callback_query_id": query_id, "text": "x".repeat(201)}),
        )
        .await;
    assert_eq!(d, "Bad Request: MESSAGE_TOO_LONG");
    let mut events = tg.emu.subscribe();
    let answered = tg
        .ok(
            "answerCallbackQuery",
            json!({"callback_query_id": query_id, "text": "Opening…", "show_alert": true}),
        )
        .await;
    assert_eq!(answered, true);
    next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::CallbackAnswered { .. })
    })
    .await;
    let answers = tg.emu.callback_answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].callback_query_id, query_id);
    assert_eq!(answers[0].text.as_deref(), Some("Opening…"));
    assert!(answers[0].show_alert);

    let (status, d) = tg
        .err(
            "answerCallbackQuery",
            json!({"callback_query_id": query_id}),
        )
        .await;
    assert_eq!((status, d.as_str()), (400, TOO_OLD));
    let (_, d) = tg
        .err("answerCallbackQuery", json!({"callback_query_id": "12345"}))
        .await;
    assert_eq!(d, TOO_OLD);
}

#[tokio::test]
async fn pressing_checks_the_keyboard_unless_forged() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let id = signal(&tg, alice).await;
    assert!(matches!(
        tg.emu.press_button(alice, alice, id, "admin:delete_all"),
        Err(EmulatorError::ButtonNotFound { .. })
    ));
    assert!(matches!(
        tg.emu.press_button(alice, alice, 99, "details"),
        Err(EmulatorError::MessageNotFound { .. })
    ));
    let forged = tg.emu.press_forged(alice, id, "admin:delete_all").unwrap();
    let updates = tg.ok("getUpdates", json!({})).await;
    assert_eq!(updates[0]["callback_query"]["id"], forged.as_str());
    assert_eq!(updates[0]["callback_query"]["data"], "admin:delete_all");
}
