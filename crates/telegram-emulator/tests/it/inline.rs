//! Inline mode: a user's inline query (typed, or from a switch_inline_query button),
//! answerInlineQuery's rules, and a chosen result sent into a chat via the bot.

use serde_json::{Value, json};
use telegram_emulator::{EmulatorError, EmulatorEvent};
use teloxide_core::types::{Update, UpdateKind};

use crate::harness::{Tg, control, next_event};

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

/// A bot message in Alice's chat with a Share button (and a current-chat one).
async fn shareable_message(tg: &Tg, alice: i64) -> i64 {
    let sent = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "BTC closed +1.9%", "reply_markup": {"inline_keyboard": [[
                {"text": "📤 Share", "switch_inline_query": "s_42"},
                {"text": "Here", "switch_inline_query_current_chat": "s_43"},
            ]]}}),
        )
        .await;
    sent["message_id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_share_button_opens_inline_mode_in_the_chosen_chat_and_the_result_is_sent_there() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    let group = tg.emu.create_group("Traders", &[alice, bob]);
    let message = shareable_message(&tg, alice).await;

    // Alice presses Share and picks the group: the client types `@bot s_42` there.
    let id = tg
        .emu
        .press_switch_inline(alice, alice, message, "📤 Share", group)
        .unwrap();
    let updates = tg.ok("getUpdates", json!({})).await;
    let query = &updates[0]["inline_query"];
    assert_eq!(query["id"], json!(id));
    assert_eq!(query["query"], "s_42");
    assert_eq!(query["chat_type"], "group");
    assert_eq!(query["from"]["id"], alice);
    let offset = updates[0]["update_id"].as_i64().unwrap() + 1;

    // Nothing to choose before the bot answers.
    assert!(matches!(
        tg.emu.choose_inline_result(alice, &id, "card"),
        Err(EmulatorError::UnknownInlineResult { .. })
    ));
    tg.ok(
        "answerInlineQuery",
        json!({"inline_query_id": id, "results": [article("card", "<b>BTC</b> +1.9%")],
               "is_personal": true, "cache_time": 10}),
    )
    .await;
    // Only Alice's client holds the results, and only the ids the bot gave.
    assert!(tg.emu.choose_inline_result(bob, &id, "card").is_err());
    assert!(tg.emu.choose_inline_result(alice, &id, "other").is_err());

    let sent = tg.emu.choose_inline_result(alice, &id, "card").unwrap();
    assert_eq!(
        (sent.chat_id, sent.sender, sent.via_bot),
        (group, Some(alice), true)
    );
    assert_eq!(sent.plain_text.as_deref(), Some("BTC +1.9%"));
    let in_group = tg.emu.chat_messages(group);
    assert_eq!(in_group.len(), 1);
    assert_eq!(in_group[0], sent);
    assert!(
        tg.emu.messages(group).is_empty(),
        "it is Alice's message, not the bot's"
    );
    // The bot sees it (privacy mode delivers messages sent via the bot), marked via_bot.
    let updates = tg.ok("getUpdates", json!({"offset": offset})).await;
    let got = &updates[0]["message"];
    assert_eq!(got["from"]["id"], alice);
    assert_eq!(got["chat"]["id"], group);
    assert_eq!(got["via_bot"]["id"], tg.emu.bot_user().id);
    assert_eq!(got["text"], "BTC +1.9%");
    let update: Update = serde_json::from_str(&updates[0].to_string()).unwrap();
    let UpdateKind::Message(parsed) = update.kind else {
        panic!("a message");
    };
    assert!(parsed.via_bot.is_some());

    // The current-chat button types in the chat it is in; a label that is not there is refused.
    let here = tg
        .emu
        .press_switch_inline(alice, alice, message, "Here", group)
        .unwrap();
    let updates = tg
        .ok(
            "getUpdates",
            json!({"offset": updates[0]["update_id"].as_i64().unwrap() + 1}),
        )
        .await;
    assert_eq!(updates[0]["inline_query"]["id"], json!(here));
    assert_eq!(updates[0]["inline_query"]["query"], "s_43");
    assert_eq!(updates[0]["inline_query"]["chat_type"], "sender");
    assert!(matches!(
        tg.emu
            .press_switch_inline(alice, alice, message, "Nope", group),
        Err(EmulatorError::SwitchInlineButtonNotFound { .. })
    ));
    // Bob is not in a chat he could pick for Alice's message, and cannot press it.
    assert!(
        tg.emu
            .press_switch_inline(bob, alice, message, "📤 Share", group)
            .is_err()
    );
}

#[tokio::test]
async fn switch_inline_buttons_are_refused_in_channels_and_queries_need_a_chat_the_user_writes_in()
{
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let channel = tg.emu.create_channel("Signals", "@signals_demo", &[alice]);
    let (status, refused) = tg
        .err(
            "sendMessage",
            json!({"chat_id": channel, "text": "x", "reply_markup": {"inline_keyboard": [[
                {"text": "📤 Share", "switch_inline_query": "s_42"}]]}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        refused,
        "Bad Request: Can't use switch_inline_query button in a channel chat, because users will \
         not be able to use the button without knowing bot's username"
    );
    let (_, refused) = tg
        .err(
            "sendMessage",
            json!({"chat_id": channel, "text": "x", "reply_markup": {"inline_keyboard": [[
                {"text": "Here", "switch_inline_query_current_chat": ""}]]}}),
        )
        .await;
    assert!(
        refused.contains("switch_inline_query_current_chat button in a channel"),
        "{refused}"
    );
    // Subscribers cannot type in a channel, so no inline query comes from one.
    assert!(tg.emu.inline_query_in(alice, channel, "s_42").is_err());
    let (status, _) = control(
        &tg,
        reqwest::Method::POST,
        &format!("users/{alice}/choose_inline_result"),
        Some(json!({"inline_query_id": "1", "result_id": "x"})),
    )
    .await;
    assert_eq!(status, 404);
}
