//! Inline mode: a user's inline query, and answerInlineQuery's rules.

use serde_json::{Value, json};
use telegram_emulator::EmulatorEvent;
use teloxide_core::types::{Update, UpdateKind};

use crate::harness::{Tg, next_event};

fn article(id: &str, text: &str) -> Value {
    json!({"type": "article", "id": id, "title": "BTC/USD +4.2%",
           "input_message_content": {"message_text": text, "parse_mode": "HTML"},
           "description": "Closed at target"})
}

#[tokio::test]
async fn an_inline_query_is_answered_once_with_valid_articles() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let id = tg.emu.inline_query(alice, "sig 12").unwrap();
    let updates = tg.ok("getUpdates", json!({})).await;
    let query = &updates[0]["inline_query"];
    assert_eq!(
        (
            &query["id"],
            &query["from"]["id"],
            &query["query"],
            &query["offset"],
            &query["chat_type"]
        ),
        (
            &json!(id),
            &json!(alice),
            &json!("sig 12"),
            &json!(""),
            &json!("sender")
        )
    );
    // As a webhook receiver reads it: teloxide's Update only parses from text.
    let update: Update = serde_json::from_str(&updates[0].to_string()).unwrap();
    assert!(matches!(update.kind, UpdateKind::InlineQuery(_)));

    let refused = |results: Value| {
        let (tg, id) = (&tg, id.clone());
        async move {
            tg.err(
                "answerInlineQuery",
                json!({"inline_query_id": id, "results": results}),
            )
            .await
            .1
        }
    };
    let many: Vec<Value> = (0..51).map(|n| article(&n.to_string(), "x")).collect();
    assert_eq!(
        refused(json!(many)).await,
        "Bad Request: Too many inline query results specified"
    );
    assert_eq!(
        refused(json!([article("a", "x"), article("a", "y")])).await,
        "Bad Request: RESULT_ID_DUPLICATE"
    );
    assert_eq!(
        refused(json!([article("a", "<b>open")])).await,
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    );
    assert_eq!(
        refused(json!([article("a", &"x".repeat(4097))])).await,
        "Bad Request: message is too long"
    );
    assert_eq!(
        refused(json!([{"type": "article", "id": "a", "title": "t"}])).await,
        "Bad Request: Can't parse inline query result: Can't find field \"input_message_content\""
    );
    assert_eq!(
        refused(json!([article(&"i".repeat(65), "x")])).await,
        "Bad Request: RESULT_ID_INVALID"
    );

    let mut events = tg.emu.subscribe();
    tg.ok(
        "answerInlineQuery",
        json!({"inline_query_id": id, "results": [article("sig-12", "<b>BTC</b> closed")],
               "cache_time": 0, "is_personal": true}),
    )
    .await;
    next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::InlineQueryAnswered { .. })
    })
    .await;
    let answers = tg.emu.inline_answers();
    assert_eq!(answers.len(), 1);
    assert!(answers[0].is_personal);
    assert_eq!(answers[0].cache_time, 0);
    assert_eq!(
        answers[0].results[0].input_message_content.plain_text,
        "BTC closed"
    );

    let (_, twice) = tg
        .err(
            "answerInlineQuery",
            json!({"inline_query_id": id, "results": []}),
        )
        .await;
    assert!(twice.contains("query ID is invalid"), "{twice}");
    assert!(tg.emu.inline_query(alice, &"q".repeat(257)).is_err());
}

#[tokio::test]
async fn no_results_is_an_answer_and_unknown_ids_are_refused() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let id = tg.emu.inline_query(alice, "").unwrap();
    tg.ok(
        "answerInlineQuery",
        json!({"inline_query_id": id, "results": []}),
    )
    .await;
    assert_eq!(
        tg.emu.inline_answers()[0].cache_time,
        300,
        "the server's default"
    );
    let (_, unknown) = tg
        .err(
            "answerInlineQuery",
            json!({"inline_query_id": "1", "results": []}),
        )
        .await;
    assert!(unknown.contains("query is too old"), "{unknown}");
}
