//! Sharing and referrals as users see them: 📤 Share under a closed signal's result opens inline
//! mode, whose card carries the result and the sharer's link; a friend who starts the bot through
//! that link counts in `/invite` (and in `GET /api/users/{id}`), once joined and once paid. Open
//! signals are not shareable, and one's own or an unknown code counts nothing.

use herald::domain::i18n::{Lang, t};
use herald::store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use telegram_emulator::{ButtonKind, ChatMessage, InlineAnswer};

use crate::both_backends;
use crate::harness::app::{TestApp, buy_signal};
use crate::harness::chat::{Chat, text};
use crate::harness::performance::{post, post_signal};
use crate::harness::security::{admin_token, bearer, send};
use crate::payments::spawn_selling;

/// The inline query of the message's `📤 Share` button, if it has one.
fn share_query(message: &ChatMessage) -> Option<String> {
    message
        .buttons
        .iter()
        .flatten()
        .find_map(|b| match &b.kind {
            ButtonKind::SwitchInlineQuery(query) => Some(query.clone()),
            _ => None,
        })
}

/// Waits for the bot's answer to inline query `id`.
async fn answer_to(app: &TestApp, id: &str) -> InlineAnswer {
    app.eventually("the inline query to be answered", || async {
        app.emulator
            .inline_answers()
            .iter()
            .any(|a| a.inline_query_id == id)
    })
    .await;
    app.emulator
        .inline_answers()
        .into_iter()
        .find(|a| a.inline_query_id == id)
        .expect("answered")
}

/// The user types `@bot query` in their chat with the bot; returns the bot's answer.
async fn ask(app: &TestApp, user: i64, query: &str) -> InlineAnswer {
    let id = app.emulator.inline_query(user, query).expect("query");
    answer_to(app, &id).await
}

async fn referral_code(app: &TestApp, chat: &Chat<'_>) -> String {
    app.store
        .referral_code(chat.user().await.id)
        .await
        .expect("a code")
}

async fn referred_by(chat: &Chat<'_>) -> Option<uuid::Uuid> {
    chat.app
        .store
        .referred_by(chat.user().await.id)
        .await
        .expect("store")
}

/// Opens `/premium` and pays its first plan; waits for the bot's thanks.
async fn buy_premium(chat: &Chat<'_>) {
    let offer = chat.say("/premium").await;
    let link = offer
        .buttons
        .iter()
        .flatten()
        .find_map(|b| match &b.kind {
            ButtonKind::Url(url) if url.starts_with("https://t.me/$") => Some(url.clone()),
            _ => None,
        })
        .expect("a pay button");
    let before = chat.messages().len();
    chat.app.emulator.pay_invoice(chat.id, &link).expect("pay");
    let thanks = chat.app.wait_for(chat.id, before + 1).await;
    assert!(
        text(&thanks[before]).starts_with("⭐"),
        "{:?}",
        thanks[before]
    );
}

fn invite_counts(reply: &ChatMessage) -> (String, String) {
    let words = text(reply);
    let line = |prefix: &str| {
        words
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {words}"))
            .to_owned()
    };
    (
        line("Joined through it: "),
        line("Of them bought Premium: "),
    )
}

async fn share_join_pay(backend: Backend) {
    let app = spawn_selling(backend).await;
    let alice_id = app.subscribed_user("Alice", "en").await;
    let alice = Chat {
        app: &app,
        id: alice_id,
    };
    let signal = post_signal(&app, &buy_signal()).await;
    let original = app.wait_for(alice.id, 4).await.remove(3);
    assert_eq!(
        share_query(&original),
        None,
        "an open signal has no Share button"
    );

    let close = json!({"type": "close", "asset": "BTC/USD", "closes": signal, "exit_price": 46100});
    assert_eq!(app.post_signal(&close).await.0, StatusCode::ACCEPTED);
    let result = app.wait_for(alice.id, 5).await.remove(4);
    let query = share_query(&result).expect("the result has a Share button");
    assert_eq!(query, format!("s_{}", signal.replace('-', "")));
    let label = &result.buttons[0][1].text;
    assert_eq!(label, &t(Lang::En, "share-button"));

    // Alice presses Share and picks a group with Bob: the card has the result and her link.
    let bob_user = app.emulator.create_user("Bob", Some("bob"), Some("en"));
    let group = app
        .emulator
        .create_group("Friends", &[alice.id, bob_user.id]);
    let query_id = app
        .emulator
        .press_switch_inline(alice.id, alice.id, result.message_id, label, group)
        .expect("press Share");
    let answer = answer_to(&app, &query_id).await;
    assert!(answer.is_personal);
    assert_eq!(answer.cache_time, 10);
    assert_eq!(answer.results.len(), 1);
    let code = referral_code(&app, &alice).await;
    assert_eq!(code.len(), 8);
    assert!(!code.contains(&alice.id.to_string()));
    let link = format!("https://t.me/herald_test_bot?start=r_{code}");
    let card = &answer.results[0];
    assert_eq!(card.title, "✅ BTC/USD BUY: +1.88%");
    assert_eq!(
        card.input_message_content.plain_text,
        format!(
            "✅ BTC/USD BUY: +1.88%\nEntry $45,250 → exit $46,100\n🔔 Closed by the signal engine\n\
             Closed {}\n\nGet signals like this from Herald: {link}",
            closed_at(&app, &signal).await
        )
    );
    // Sent into the group, it is Alice's message via the bot; Herald says nothing there.
    let shared = app
        .emulator
        .choose_inline_result(alice.id, &query_id, &card.id)
        .expect("send the card");
    assert!(shared.via_bot && shared.sender == Some(alice.id));
    assert!(text(&shared).contains(&link));
    // In her own chat with the bot the card is hers too, and the bot does not answer it: the
    // next reply is the one to /invite below.
    let here = app
        .emulator
        .press_switch_inline(alice.id, alice.id, result.message_id, label, alice.id)
        .expect("press Share");
    let card_id = answer_to(&app, &here).await.results[0].id.clone();
    let mine = app.emulator.choose_inline_result(alice.id, &here, &card_id);
    assert!(mine.expect("sent").via_bot);

    // Bob follows the link: a new user, referred by Alice.
    let bob = Chat {
        app: &app,
        id: bob_user.id,
    };
    let replies = bob.say_n(&format!("/start r_{code}"), 2).await;
    assert_eq!(
        replies[1].text.as_deref(),
        Some(t(Lang::En, "disclaimer-text").as_str())
    );
    assert_eq!(referred_by(&bob).await, Some(alice.user().await.id));
    assert_eq!(
        bob.user().await.referral,
        None,
        "a referral is not a campaign"
    );
    let invite = alice.say("/invite").await;
    assert!(
        text(&invite).contains(&format!("Your link: {link}")),
        "{}",
        text(&invite)
    );
    assert_eq!(invite_counts(&invite), ("1".to_owned(), "0".to_owned()));

    // Bob buys Premium: Alice's invite counts one paid.
    bob.press(replies[1].message_id, "disclaimer:accept").await;
    buy_premium(&bob).await;
    let invite = alice.say("/invite").await;
    assert_eq!(invite_counts(&invite), ("1".to_owned(), "1".to_owned()));

    // The admin API shows the same.
    let token = admin_token(&app, "root").await;
    let auth = bearer(&token);
    let headers = [("authorization", auth.as_str())];
    let alice_uuid = alice.user().await.id;
    let path = format!("/api/users/{alice_uuid}");
    let (status, _, detail) = send(&app, Method::GET, &path, &headers, None).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(
        detail["referrals"],
        json!({"code": code, "joined": 1, "paid": 1})
    );
    let bob_path = format!("/api/users/{}", bob.user().await.id);
    let (_, _, bob_detail) = send(&app, Method::GET, &bob_path, &headers, None).await;
    assert_eq!(
        bob_detail["referrals"],
        json!({"code": Value::Null, "joined": 0, "paid": 0})
    );
    // So does the console's page of the user.
    let console = crate::harness::console::logged_in(&app, "console-admin").await;
    let page = console.get(&format!("/console/users/{alice_uuid}")).await;
    assert!(
        page.body
            .contains("1 joined through their link, 1 of them paid")
            && page.body.contains(&format!("r_{code}")),
        "{}",
        page.body
    );

    // Alice erases her data: Bob stays, pointing at nobody, and her link leads nowhere.
    let (status, _, _) = send(&app, Method::DELETE, &path, &headers, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(referred_by(&bob).await, None);
    let carol = Chat::new(&app, "Carol", "en");
    carol.say_n(&format!("/start r_{code}"), 2).await;
    assert_eq!(referred_by(&carol).await, None);
    app.stop().await;
}
both_backends!(
    a_shared_card_brings_a_friend_who_joins_and_pays,
    share_join_pay
);

/// When the signal's outcome was recorded, as the card prints it.
async fn closed_at(app: &TestApp, signal: &str) -> String {
    let id = uuid::Uuid::parse_str(signal).unwrap();
    let outcome = app.store.outcome(id).await.unwrap().expect("closed");
    outcome
        .closed_at
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

async fn open_signals_and_own_or_unknown_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice_id = app.subscribed_user("Alicia", "es").await;
    let alice = Chat {
        app: &app,
        id: alice_id,
    };
    let signal = post_signal(&app, &buy_signal()).await;
    app.wait_for(alice.id, 4).await;

    // Open: not even typed by hand, nor offered among the latest.
    let by_hand = format!("s_{}", signal.replace('-', ""));
    assert!(ask(&app, alice.id, &by_hand).await.results.is_empty());
    assert!(ask(&app, alice.id, "").await.results.is_empty());
    // Someone who never started the bot gets nothing either.
    let stranger = app.emulator.create_user("Zoe", None, Some("en")).id;
    assert!(ask(&app, stranger, &by_hand).await.results.is_empty());

    // One's own code, an unknown one and a malformed one count nothing.
    let code = referral_code(&app, &alice).await;
    alice.say(&format!("/start r_{code}")).await;
    assert_eq!(referred_by(&alice).await, None);
    let dan = Chat::new(&app, "Dan", "en");
    dan.say_n("/start r_ZZZZZZZZ", 2).await;
    assert_eq!(referred_by(&dan).await, None);
    assert_eq!(dan.user().await.referral, None);
    // An existing user cannot be attributed afterwards.
    dan.say(&format!("/start r_{code}")).await;
    assert_eq!(referred_by(&dan).await, None);
    let eve = Chat::new(&app, "Eve", "en");
    eve.say_n("/start r_bad", 2).await;
    assert_eq!(
        (referred_by(&eve).await, eve.user().await.referral),
        (None, None)
    );
    let invite = alice.say("/invite").await;
    let words = text(&invite);
    assert!(words.contains("Se unieron con él: 0"), "{words}");
    assert!(words.contains("De ellos compraron Premium: 0"), "{words}");

    // Once closed (an outcome the engine reports), the card is there, in Alicia's Spanish.
    let path = format!("/api/signals/{signal}/outcome");
    let (status, body) = post(&app, &path, &json!({"exit_price": 44000})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.wait_for(alice.id, 7).await;
    let answer = ask(&app, alice.id, &by_hand).await;
    assert_eq!(answer.results.len(), 1);
    let card = &answer.results[0].input_message_content.plain_text;
    assert!(card.starts_with("❌ BTC/USD COMPRA: -2.76%"), "{card}");
    assert!(card.contains("Entrada $45,250 → salida $44,000"), "{card}");
    assert!(
        card.ends_with(&format!("https://t.me/herald_test_bot?start=r_{code}")),
        "{card}"
    );
    assert_eq!(ask(&app, alice.id, "").await.results.len(), 1);
    assert!(ask(&app, alice.id, "BTC").await.results.is_empty());
    // A user who was not sent the signal cannot share it.
    let late = Chat::new(&app, "Late", "en");
    late.say_n("/start", 2).await;
    assert!(ask(&app, late.id, &by_hand).await.results.is_empty());
    app.stop().await;
}
both_backends!(
    open_signals_and_own_or_unknown_codes_share_and_count_nothing,
    open_signals_and_own_or_unknown_codes
);
