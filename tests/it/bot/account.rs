//! /signals, /status, /language, /privacy, /delete, the per-user rate limit and the apology a
//! user gets when a handler keeps failing.

use chrono::Utc;
use herald::domain::i18n::{Arg, Lang, t, t_args};
use herald::domain::preferences::Tier;
use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::harness::app::{Options, TestApp, buy_signal};
use crate::harness::chat::{Chat, text};

fn raw(message: &telegram_emulator::ChatMessage) -> String {
    message.text.clone().unwrap_or_default()
}

async fn post_signals(app: &TestApp, count: usize) {
    for i in 0..count {
        let mut signal = buy_signal();
        signal["asset"] = json!(format!("AS{i}/USD"));
        signal["generated_at"] = json!(format!("2023-06-15T14:{:02}:00Z", i % 60));
        let (status, body) = app.post_signal(&signal).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
}

async fn signals_and_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Hal", "en");
    chat.start_and_accept().await;
    post_signals(&app, 7).await;
    let list = text(&chat.say("/signals").await);
    assert_eq!(list.matches("/USD").count(), 5, "{list}");
    assert!(
        list.contains("AS6/USD") && !list.contains("AS1/USD"),
        "newest first: {list}"
    );
    let list = text(&chat.say("/signals 2").await);
    assert_eq!(list.matches("/USD").count(), 2, "{list}");
    let list = chat.say("/signals 100").await;
    assert_eq!(text(&list).matches("/USD").count(), 5);
    assert!(raw(&list).ends_with(&t_args(
        Lang::En,
        "signals-tier-limited",
        [("max", Arg::from(5u32))]
    )));
    let refused = chat.say("/signals many").await;
    assert_eq!(
        raw(&refused),
        t_args(
            Lang::En,
            "signals-bad-count",
            [("input", Arg::from("many")), ("max", Arg::from(5u32))]
        )
    );

    let status = text(&chat.say("/status").await);
    for expected in [
        "Service: database ✅ · Telegram ✅",
        "Last signal: ",
        "Messages waiting to be sent: 0",
        "🔕 You are not subscribed.",
        "Plan: Free",
        "Minimum confidence: 0%",
    ] {
        assert!(status.contains(expected), "{expected:?} not in {status}");
    }

    // Premium: a deeper list; an expired premium counts as free again.
    let user = chat.user().await;
    app.store
        .set_tier(
            user.id,
            Tier::Premium,
            Some(Utc::now() + chrono::Duration::days(3)),
        )
        .await
        .unwrap();
    let list = text(&chat.say("/signals 7").await);
    assert_eq!(list.matches("AS").count(), 7, "{list}");
    let status = text(&chat.say("/status").await);
    assert!(status.contains("Plan: ⭐ Premium until "), "{status}");
    app.store
        .set_tier(
            user.id,
            Tier::Premium,
            Some(Utc::now() - chrono::Duration::days(1)),
        )
        .await
        .unwrap();
    let list = text(&chat.say("/signals 7").await);
    assert_eq!(list.matches("AS").count(), 5, "{list}");
    let status = text(&chat.say("/status").await);
    assert!(status.contains("Plan: Free (Premium ended "), "{status}");
    app.stop().await;
}
both_backends!(signals_status_and_tiers, signals_and_status);

async fn language_privacy_and_delete(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat_id = app.subscribed_user("Iris", "en").await;
    let chat = Chat {
        app: &app,
        id: chat_id,
    };
    let menu = chat.say("/language").await;
    assert_eq!(
        raw(&menu),
        t_args(
            Lang::En,
            "language-current",
            [("language", Arg::from("English"))]
        )
    );
    let done = chat.press(menu.message_id, "l:es").await;
    assert_eq!(raw(&done), t(Lang::Es, "language-set"));
    assert_eq!(chat.prefs().await.language, Lang::Es);
    let refused = chat.say("/language klingon").await;
    assert!(
        raw(&refused).starts_with("⚠️ No hablo «klingon»"),
        "{}",
        raw(&refused)
    );
    assert_eq!(chat.prefs().await.language, Lang::Es);
    let done = chat.say("/language en").await;
    assert_eq!(raw(&done), t(Lang::En, "language-set"));
    assert_eq!(
        raw(&chat.say("/privacy").await),
        t(Lang::En, "privacy-text")
    );

    // A delivery row to keep, anonymised, after the erasure.
    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.drain().await;
    let signal_id: uuid::Uuid = body["id"].as_str().unwrap().parse().unwrap();
    app.wait_for(chat_id, 8).await;

    let question = chat.say("/delete").await;
    assert_eq!(raw(&question), t(Lang::En, "delete-question"));
    let kept = chat.press(question.message_id, "del:no").await;
    assert_eq!(raw(&kept), t(Lang::En, "delete-cancelled"));
    assert!(
        app.store
            .user_by_telegram_id(chat_id)
            .await
            .unwrap()
            .is_some()
    );

    let question = chat.say("/delete").await;
    let erased = chat.press(question.message_id, "del:yes").await;
    assert_eq!(raw(&erased), t(Lang::En, "delete-done"));
    assert!(
        app.store
            .user_by_telegram_id(chat_id)
            .await
            .unwrap()
            .is_none()
    );
    let rows = app.store.deliveries_of_signal(signal_id).await.unwrap();
    assert_eq!(rows.len(), 1, "the delivery stays for the statistics");
    // The trail records the erasure by the user's internal id alone.
    let erased_by = app
        .store
        .list_audit(&herald::store::AuditQuery {
            action: Some("user.erase".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(erased_by.len(), 1, "{erased_by:?}");
    assert_eq!(erased_by[0].actor_kind, "user");
    assert_eq!(erased_by[0].target_id, erased_by[0].actor_id);
    assert_eq!(rows[0].chat_id, None, "but no longer says whose it was");
    // The old confirmation button now says how to come back; commands need /start again.
    let answer = chat
        .press_for_answer(question.message_id, "del:yes", true)
        .await;
    assert_eq!(answer, Some(t(Lang::En, "callback-no-account")));
    assert_eq!(raw(&chat.say("/status").await), t(Lang::En, "need-start"));
    app.stop().await;
}
both_backends!(language_privacy_delete, language_privacy_and_delete);

async fn rate_limited_politely(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Jon", "en");
    let other = Chat::new(&app, "Kim", "en");
    for _ in 0..25 {
        app.emulator.send_text(chat.id, chat.id, "/help");
    }
    // The other user is not slowed down by the flood.
    assert_eq!(raw(&other.say("/help").await), t(Lang::En, "need-start"));
    // 20 answers, one "slow down", then silence.
    let messages = app
        .emulator
        .wait_for_messages(chat.id, 21, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(raw(&messages[20]), t(Lang::En, "rate-limited"));
    app.eventually("every update handled", || async {
        app.store.unhandled_updates(10).await.unwrap().is_empty()
    })
    .await;
    assert_eq!(app.emulator.messages(chat.id).len(), 21);
    app.stop().await;
}
both_backends!(command_rate_limit, rate_limited_politely);

async fn rate_limit_from_config(backend: Backend) {
    let options = Options {
        env: vec![("HERALD_COMMAND_RATE", "3".to_owned())],
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let chat = Chat::new(&app, "Ola", "en");
    for _ in 0..6 {
        app.emulator.send_text(chat.id, chat.id, "/help");
    }
    let messages = app
        .emulator
        .wait_for_messages(chat.id, 4, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(raw(&messages[2]), t(Lang::En, "need-start"));
    assert_eq!(raw(&messages[3]), t(Lang::En, "rate-limited"));
    app.eventually("every update handled", || async {
        app.store.unhandled_updates(10).await.unwrap().is_empty()
    })
    .await;
    assert_eq!(app.emulator.messages(chat.id).len(), 4);
    app.stop().await;
}
both_backends!(command_rate_from_config, rate_limit_from_config);

async fn failing_handler_apologises(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Lea", "es");
    chat.start_and_accept().await;
    // Damage the user's preferences behind the store's back: every handler now fails.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(app.store.url()).await.unwrap();
    sqlx::query("UPDATE user_preferences SET timezone = 'Mars/Olympus'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let apology = chat.say("/status").await;
    assert_eq!(raw(&apology), t(Lang::Es, "error-apology"));
    // The bot keeps running for everyone else.
    let other = Chat::new(&app, "Max", "en");
    assert_eq!(raw(&other.say("/help").await), t(Lang::En, "need-start"));
    app.stop().await;
}
both_backends!(handler_errors_get_an_apology, failing_handler_apologises);

async fn premium_reminders_once_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat_id = app.subscribed_user("Nia", "en").await;
    let user = app
        .store
        .user_by_telegram_id(chat_id)
        .await
        .unwrap()
        .unwrap();
    let bot = herald::telegram::build_bot(&app.emulator.token().into(), &app.emulator.base_url())
        .unwrap();
    let limiter = herald::telegram::Limiter::new(30, std::time::Duration::ZERO, 20);
    let replies = herald::bot::Replies::new(herald::telegram::Outbound::new(bot, limiter));
    // The app's own reminder loop may run a pass at any moment too: passes are counted together
    // with the messages that arrive, and each reminder must arrive exactly once.
    let passes = |times: usize| {
        let replies = replies.clone();
        let store = app.store.clone();
        async move {
            let mut sent = 0;
            for _ in 0..times {
                sent += herald::bot::reminders::pass(&store, &replies)
                    .await
                    .unwrap();
            }
            sent
        }
    };
    let grant = |until| app.store.set_tier(user.id, Tier::Premium, Some(until));

    // Nothing due for a free user, nor for premium far from its end.
    passes(2).await;
    grant(Utc::now() + chrono::Duration::days(30))
        .await
        .unwrap();
    passes(2).await;
    assert_eq!(app.emulator.messages(chat_id).len(), 3);

    // Six days left: the 7-day reminder, once.
    grant(Utc::now() + chrono::Duration::hours(6 * 24 - 1))
        .await
        .unwrap();
    assert!(passes(2).await <= 1);
    let reminder = text(&app.wait_for(chat_id, 4).await[3]);
    assert!(
        reminder.starts_with("⏳ Your Premium plan ends on ") && reminder.contains("(6 days left)"),
        "{reminder}"
    );

    // Under a day left (a new grant starts reminders over): the 1-day reminder only, once.
    grant(Utc::now() + chrono::Duration::hours(20))
        .await
        .unwrap();
    assert!(passes(2).await <= 1);
    let reminder = text(&app.wait_for(chat_id, 5).await[4]);
    assert!(reminder.contains("(1 day left)"), "{reminder}");

    // Expired: nothing more.
    grant(Utc::now() - chrono::Duration::hours(1))
        .await
        .unwrap();
    passes(2).await;
    assert_eq!(app.emulator.messages(chat_id).len(), 5);
    app.stop().await;
}
both_backends!(premium_reminders, premium_reminders_once_each);
