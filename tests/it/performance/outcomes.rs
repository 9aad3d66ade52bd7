//! Outcomes end to end: every way a signal closes is recorded once and announced to the
//! original's recipients as a reply to the message they got.

use chrono::{Duration, Utc};
use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::harness::app::{API_KEY, TestApp, buy_signal};
use crate::harness::performance::{buy, outcomes, post, post_signal, text};

async fn close_signals_record_the_outcome_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Alice", "en").await;
    let id = post_signal(&app, &buy_signal()).await;
    let original = app.wait_for(chat, 4).await.remove(3);
    assert!(
        text(&original).contains("🏆 No closed similar signals yet"),
        "{}",
        text(&original)
    );

    // An engine that sends one schema for every type repeats the original's fields: a
    // contradicting one is refused, naming it, and nothing is sent.
    let contradicting = json!({"type": "close", "asset": "BTC/USD", "closes": id,
        "exit_price": 46100, "timeframe": "4H", "entry_price": 45250, "stop_loss": 44000});
    let (status, error) = app.post_signal(&contradicting).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let fields = error["error"]["fields"].as_object().unwrap();
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        ["stop_loss", "timeframe"],
        "{error}"
    );
    assert_eq!(fields["timeframe"], "does not match the closed signal (1H)");
    let close = json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 46100,
        "timeframe": "1H", "entry_price": 45250.00, "target_price": 46500,
        "source_model": "lstm-v3", "confidence": 85});
    let (status, body) = app.post_signal(&close).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let closed = app.wait_for(chat, 5).await.remove(4);
    assert_eq!(closed.reply_to_message_id, Some(original.message_id));
    assert!(
        text(&closed).contains("- Result: +1.88% (profit)"),
        "{}",
        text(&closed)
    );

    // A second close is refused and nothing is sent.
    let again = json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 40000});
    let (status, error) = app.post_signal(&again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("already closed (close at"), "{message}");

    let (status, perf) = app.get("/api/performance?period=all", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{perf}");
    let overall = &perf["summary"]["overall"];
    assert_eq!(
        (overall["count"].as_u64(), overall["wins"].as_u64()),
        (Some(1), Some(1))
    );
    let total = overall["total_return_pct"].as_f64().unwrap();
    assert!((total - 850.0 / 45250.0 * 100.0).abs() < 1e-9, "{total}");
    assert_eq!(perf["summary"]["by"]["asset"]["BTC/USD"]["count"], 1);
    // One trade: a streak of one win, no spread for a Sharpe ratio, no loss for a Sortino.
    assert_eq!(overall["longest_win_streak"], 1);
    assert_eq!(overall["longest_loss_streak"], 0);
    assert!(
        overall["sharpe"].is_null() && overall["sortino"].is_null(),
        "{overall}"
    );
    assert_eq!(perf["equity_curve"].as_array().unwrap().len(), 1);

    // The next buy of the same model and asset shows how the last one did.
    post_signal(&app, &buy_signal()).await;
    let next = app.wait_for(chat, 6).await.remove(5);
    assert!(
        text(&next).contains("🏆 Similar signals: 100% win rate (1 closed)"),
        "{}",
        text(&next)
    );
    app.drain().await;
    assert_eq!(app.emulator.messages(chat).len(), 6);
    app.stop().await;
}
both_backends!(close_signal_outcomes, close_signals_record_the_outcome_once);

async fn reported_outcomes_close_and_announce(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Bea", "es").await;
    let id = post_signal(&app, &buy("ETH/USD", "3000", "3300", "2900")).await;
    let original = app.wait_for(chat, 4).await.remove(3);
    let path = format!("/api/signals/{id}/outcome");

    let report = json!({"exit_price": 2940.0, "reason": "manual exit"});
    let (status, body) = post(&app, &path, &report).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["outcome"]["reason"], "reported");
    assert_eq!(body["outcome"]["exit_price"], "2940.0");
    assert!((body["outcome"]["return_pct"].as_f64().unwrap() + 2.0).abs() < 1e-9);
    let closed = app.wait_for(chat, 5).await.remove(4);
    assert_eq!(closed.reply_to_message_id, Some(original.message_id));
    let words = text(&closed);
    assert!(
        words.contains("📝 Resultado comunicado por el motor de señales: manual exit"),
        "{words}"
    );
    assert!(words.contains("-2.00%"), "{words}");

    // The same report again is answered again; a different one conflicts.
    let (status, again) = post(&app, &path, &report).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["outcome"], body["outcome"]);
    let (status, _) = post(&app, &path, &json!({"exit_price": 3100})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Bad requests change nothing.
    let missing = format!("/api/signals/{}/outcome", uuid::Uuid::now_v7());
    assert_eq!(post(&app, &missing, &report).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        post(&app, "/api/signals/nope/outcome", &report).await.0,
        StatusCode::NOT_FOUND
    );
    let other = post_signal(&app, &buy("ETH/USD", "3000", "3300", "2900")).await;
    app.wait_for(chat, 6).await;
    let other_path = format!("/api/signals/{other}/outcome");
    let (status, error) = post(
        &app,
        &other_path,
        &json!({"exit_price": 0, "closed_at": "soon"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"]["fields"]["exit_price"].is_string(),
        "{error}"
    );
    assert!(error["error"]["fields"]["closed_at"].is_string(), "{error}");
    let early = json!({"exit_price": 3000, "closed_at": "2020-01-01T00:00:00Z"});
    assert_eq!(
        post(&app, &other_path, &early).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, _) = app.post_raw(&other_path, None, report.to_string()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.post_raw(&other_path, Some(API_KEY), "{".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        app.store
            .outcome(other.parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    app.drain().await;
    assert_eq!(app.emulator.messages(chat).len(), 6);
    app.stop().await;
}
both_backends!(reported_outcomes, reported_outcomes_close_and_announce);

async fn prices_close_at_the_first_level_reached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Cruz", "en").await;
    let wide = post_signal(&app, &buy("BTC/USD", "45250", "46500", "44500")).await;
    let narrow = post_signal(&app, &buy("BTC/USD", "45000", "45100", "44900")).await;
    let messages = app.wait_for(chat, 5).await;
    let (wide_message, narrow_message) = (messages[3].message_id, messages[4].message_id);

    // One batch: at the same instant a price beyond the narrow target and one beyond its stop.
    let at = (Utc::now() - Duration::seconds(30)).to_rfc3339();
    let batch = json!([
        {"asset": "BTC/USD", "price": 45200, "at": at},
        {"asset": "btc/usd", "price": 44800, "at": at},
        {"asset": "ETH/USD", "price": 3000, "at": at},
    ]);
    let (status, body) = post(&app, "/api/prices", &batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], 3);
    let closed = body["closed"].as_array().unwrap();
    assert_eq!(closed.len(), 1, "{body}");
    assert_eq!(
        (
            closed[0]["signal_id"].as_str(),
            closed[0]["reason"].as_str()
        ),
        (Some(narrow.as_str()), Some("stop"))
    );
    let stop = app.wait_for(chat, 6).await.remove(5);
    assert_eq!(stop.reply_to_message_id, Some(narrow_message));
    for expected in [
        "🛑 Stop loss hit",
        "- Exit Price: $44,900",
        "- Result: -0.22% (loss)",
    ] {
        assert!(
            text(&stop).contains(expected),
            "{expected} in {}",
            text(&stop)
        );
    }

    // Later, the wide one's target.
    let later = json!({"asset": "BTC/USD", "price": 46600, "at": (Utc::now() - Duration::seconds(10)).to_rfc3339()});
    let (status, body) = post(&app, "/api/prices", &later).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["closed"][0]["signal_id"].as_str(), Some(wide.as_str()));
    let target = app.wait_for(chat, 7).await.remove(6);
    assert_eq!(target.reply_to_message_id, Some(wide_message));
    assert!(
        text(&target).contains("🎯 Target reached"),
        "{}",
        text(&target)
    );
    assert!(
        text(&target).contains("- Result: +2.76% (profit)"),
        "{}",
        text(&target)
    );

    // Nothing left to close; a price from the future is refused.
    let (_, body) = post(&app, "/api/prices", &later).await;
    assert_eq!(body["closed"].as_array().unwrap().len(), 0);
    let future = json!({"asset": "BTC/USD", "price": 1, "at": (Utc::now() + Duration::hours(1)).to_rfc3339()});
    let (status, error) = post(&app, "/api/prices", &future).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error["error"]["fields"]["at"].is_string(), "{error}");

    // The chat has the message a moment before its delivery row says `sent`.
    app.drain().await;
    let (status, stats) = app.get("/api/stats", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["performance"]["all"]["count"], 2);
    assert_eq!(stats["performance"]["all"]["wins"], 1);
    assert_eq!(stats["signals"]["open"], 0);
    assert_eq!(stats["deliveries"]["all"]["by_status"]["sent"], 4);
    assert_eq!(stats["users"]["subscribed"], 1);
    assert_eq!(
        app.get("/api/stats", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}
both_backends!(price_updates, prices_close_at_the_first_level_reached);

async fn expired_signals_close_at_the_last_price_or_without_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Dara", "en").await;
    post_signal(&app, &buy("ETH/USD", "3000", "3300", "2900")).await;
    post_signal(&app, &buy("SOL/USD", "150", "160", "140")).await;
    app.wait_for(chat, 5).await;
    let price = json!({"asset": "ETH/USD", "price": 3100, "at": Utc::now().to_rfc3339()});
    assert_eq!(post(&app, "/api/prices", &price).await.0, StatusCode::OK);

    // By default 1H signals are intraday: they end at the next session close (00:00 UTC).
    let default = outcomes(&app.store, &[]);
    assert!(default.expire_due(Utc::now()).await.unwrap().is_empty());
    // With a one-second horizon both expire as soon as their second is up.
    let closer = outcomes(&app.store, &[("1H", "1s")]);
    let closed = std::sync::atomic::AtomicUsize::new(0);
    app.eventually("both signals to expire", || async {
        let now = closer.expire_due(Utc::now()).await.unwrap().len();
        closed.fetch_add(now, std::sync::atomic::Ordering::SeqCst) + now == 2
    })
    .await;
    let messages = app.wait_for(chat, 7).await;
    let expired: Vec<String> = messages[5..].iter().map(text).collect();
    let eth = expired.iter().find(|t| t.contains("ETH/USD")).unwrap();
    assert!(
        eth.contains("⌛ Expired at the end of its timeframe\n"),
        "{eth}"
    );
    assert!(
        eth.contains("- Exit Price: $3,100") && eth.contains("+3.33% (profit)"),
        "{eth}"
    );
    let sol = expired.iter().find(|t| t.contains("SOL/USD")).unwrap();
    assert!(sol.contains("no price was known"), "{sol}");
    assert!(!sol.contains("Result"), "{sol}");
    assert!(
        messages[5..]
            .iter()
            .all(|m| m.reply_to_message_id.is_some())
    );

    assert!(
        closer
            .expire_due(Utc::now() + Duration::days(3))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        default
            .expire_due(Utc::now() + Duration::days(3))
            .await
            .unwrap()
            .is_empty()
    );
    let (_, perf) = app.get("/api/performance?period=all", Some(API_KEY)).await;
    assert_eq!(perf["summary"]["overall"]["count"], 1);
    assert_eq!(perf["summary"]["overall"]["unpriced"], 1);
    app.stop().await;
}
both_backends!(
    expiry,
    expired_signals_close_at_the_last_price_or_without_one
);

async fn racing_closes_leave_one_outcome(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Eli", "en").await;
    let id = post_signal(&app, &buy("BTC/USD", "45250", "46500", "44500")).await;
    app.wait_for(chat, 4).await;
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..6 {
        let (client, api, id) = (app.client.clone(), app.api.clone(), id.clone());
        racers.spawn(async move {
            // Half report an outcome, half post a close: one must win, whichever way.
            let (path, body) = if i % 2 == 0 {
                (format!("/api/signals/{id}/outcome"), json!({"exit_price": 45300 + i}))
            } else {
                let close = json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 45300 + i});
                ("/api/signals".to_owned(), close)
            };
            let response = client
                .post(format!("{api}{path}"))
                .header("X-API-Key", API_KEY)
                .json(&body)
                .send()
                .await
                .expect("request");
            response.status()
        });
    }
    let statuses: Vec<StatusCode> = racers.join_all().await;
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED || **s == StatusCode::ACCEPTED)
        .count();
    assert_eq!(won, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| s.is_success() || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    app.drain().await;
    assert_eq!(app.emulator.messages(chat).len(), 5, "one announcement");
    app.stop().await;
}
both_backends!(racing_closes, racing_closes_leave_one_outcome);
