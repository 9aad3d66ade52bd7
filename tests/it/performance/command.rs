//! `/performance` through the emulator: the table, the Refresh button, and charts for premium
//! users uploaded once and re-sent by file_id.

use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::harness::app::{API_KEY, TestApp, callback_data};
use crate::harness::performance::{buy, make_premium, post, post_signal, text};

/// A buy of BTC/USD closed with a profit of 850 on 45,250 (+1.88%).
async fn one_winning_trade(app: &TestApp) -> String {
    let id = post_signal(app, &buy("BTC/USD", "45250", "46500", "44500")).await;
    let close = json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 46100});
    let (status, body) = app.post_signal(&close).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    id
}

async fn the_table_refreshes_in_place(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Fay", "en").await;
    one_winning_trade(&app).await;
    app.wait_for(chat, 5).await;

    app.emulator.send_text(chat, chat, "/performance");
    let table = app.wait_for(chat, 6).await.remove(5);
    assert!(table.photo.is_none(), "the free tier has no charts");
    let words = text(&table);
    for expected in [
        "📊 Performance · last 7 days",
        "Closed: 1 · ✅ 1 · ❌ 0 · ⚪ 0",
        "Win rate 100% · average +1.88% · total +1.88%",
        "Profit factor ∞ · expectancy +1.13R · max drawdown 0.00%",
        "By asset",
        "👤 Your record: 1 closed · win rate 100% · total +1.88%",
    ] {
        assert!(words.contains(expected), "{expected:?} in:\n{words}");
    }
    assert!(
        table.text.as_deref().unwrap().contains("<pre>"),
        "tables are monospaced"
    );
    assert_eq!(
        callback_data(&table),
        [
            "perf:o:7d:",
            "perf:a:7d:",
            "perf:m:7d:",
            "perf:t:7d:",
            "perf:c:7d:",
            "perf:o:today:",
            "perf:o:7d:",
            "perf:o:30d:",
            "perf:o:all:",
            "perf:o:7d:",
        ],
        "pages, periods, Refresh"
    );

    // A losing trade closes; Refresh edits the same message.
    let id = post_signal(&app, &buy("ETH/USD", "3000", "3300", "2900")).await;
    let path = format!("/api/signals/{id}/outcome");
    assert_eq!(
        post(&app, &path, &json!({"exit_price": 2970})).await.0,
        StatusCode::CREATED
    );
    app.wait_for(chat, 8).await;
    app.emulator
        .press_button(chat, chat, table.message_id, "perf:o:7d:")
        .expect("press");
    app.eventually("the table to be edited", || async {
        app.emulator.messages(chat)[5].edits.len() == 1
    })
    .await;
    let refreshed = text(&app.emulator.messages(chat)[5]);
    assert!(
        refreshed.contains("Closed: 2 · ✅ 1 · ❌ 1 · ⚪ 0"),
        "{refreshed}"
    );
    assert!(refreshed.contains("ETH/USD"), "{refreshed}");
    app.eventually("the button to be answered", || async {
        app.emulator
            .callback_answers()
            .iter()
            .any(|a| a.text.as_deref() == Some("Updated"))
    })
    .await;
    assert_eq!(
        app.emulator.messages(chat).len(),
        8,
        "edited, not sent again"
    );

    // Arguments: an asset, a tier limit, and mistakes.
    let replies = [
        (
            "/performance today btc/usd",
            "📊 Performance · BTC/USD · today",
        ),
        ("/performance all", "Your plan covers the last 7 days."),
        ("/performance 7d 30d", "I don't know the period \"30d\""),
        (
            "/performance DOGE/USD",
            "There are no signals for DOGE/USD yet",
        ),
    ];
    for (i, (command, expected)) in replies.into_iter().enumerate() {
        app.emulator.send_text(chat, chat, command);
        let reply = app.wait_for(chat, 9 + i).await.remove(8 + i);
        assert!(
            text(&reply).contains(expected),
            "{command}: {}",
            text(&reply)
        );
    }
    app.stop().await;
}
both_backends!(performance_table, the_table_refreshes_in_place);

async fn charts_are_uploaded_once_and_refreshed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let gia = app.subscribed_user("Gia", "en").await;
    let hal = app.subscribed_user("Hal", "en").await;
    make_premium(&app, gia).await;
    make_premium(&app, hal).await;
    one_winning_trade(&app).await;
    app.wait_for(gia, 5).await;
    app.wait_for(hal, 5).await;

    app.emulator.send_text(gia, gia, "/performance 30d");
    let first = app.wait_for(gia, 6).await.remove(5);
    let photo = first.photo.clone().expect("premium answers carry a chart");
    assert_eq!((photo.width, photo.height), (800, 400));
    assert!(photo.bytes > 1000, "a real PNG: {} bytes", photo.bytes);
    let caption = first.caption.clone().unwrap_or_default();
    assert!(caption.contains("Performance · last 30 days"), "{caption}");
    assert!(caption.contains("Closed: 1"), "{caption}");
    assert_eq!(callback_data(&first).last().unwrap(), "perf:o:30d:");

    // The same chart for another user: sent by the file_id of the first upload, which is saved
    // just after the upload's answer (and so the message the emulator shows) came back.
    app.eventually("the upload's file_id to be saved", || async {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(app.store.url())
            .await
            .unwrap();
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM chart_files")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            > 0
    })
    .await;
    app.emulator.send_text(hal, hal, "/performance 30d");
    let second = app.wait_for(hal, 6).await.remove(5);
    assert_eq!(second.photo.expect("a chart").file_id, photo.file_id);

    // New data makes a new chart; Refresh puts it in the same message.
    one_winning_trade(&app).await;
    app.wait_for(gia, 8).await;
    app.emulator
        .press_button(gia, gia, first.message_id, "perf:o:30d:")
        .expect("press");
    app.eventually("the chart to be replaced", || async {
        app.emulator.messages(gia)[5].edits.len() == 1
    })
    .await;
    let edited = app.emulator.messages(gia).remove(5);
    assert_ne!(edited.photo.expect("still a photo").file_id, photo.file_id);
    assert!(edited.caption.unwrap_or_default().contains("Closed: 2"));
    assert_eq!(app.emulator.messages(gia).len(), 8);
    app.stop().await;
}
both_backends!(performance_charts, charts_are_uploaded_once_and_refreshed);

/// Closes a signal through the outcome API at `exit`.
async fn close_at(app: &TestApp, signal: &serde_json::Value, exit: &str) {
    let id = post_signal(app, signal).await;
    let exit: serde_json::Value = serde_json::from_str(exit).unwrap();
    let path = format!("/api/signals/{id}/outcome");
    let (status, body) = post(app, &path, &json!({"exit_price": exit})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn pages_show_every_breakdown(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Ida", "en").await;
    let premium = app.subscribed_user("Jan", "en").await;
    make_premium(&app, premium).await;
    // BTC/USD buy, lstm-v3, 1H, 80: +1.88%.
    one_winning_trade(&app).await;
    // ETH/USD buy, gbm-2, 4H, 65: 3000 → 2970, -1.00% (risk 100/3000: -0.30R).
    let mut eth = buy("ETH/USD", "3000", "3300", "2900");
    eth["source_model"] = json!("gbm-2");
    eth["timeframe"] = json!("4H");
    eth["confidence"] = json!(65);
    close_at(&app, &eth, "2970").await;
    // BTC/USD sell, lstm-v3, 15m, 92: 45,000 → 44,100, +2.00% (risk 500/45000: +1.80R).
    let mut sell = buy("BTC/USD", "45000", "44000", "45500");
    sell["type"] = json!("sell");
    sell["timeframe"] = json!("15m");
    sell["confidence"] = json!(92);
    close_at(&app, &sell, "44100").await;
    // Three signals and the close each of them got (the first by a close signal).
    app.wait_for(chat, 9).await;
    app.wait_for(premium, 9).await;

    app.emulator.send_text(chat, chat, "/performance");
    let table = app.wait_for(chat, 10).await.remove(9);
    let overview = text(&table);
    for expected in [
        "Closed: 3 · ✅ 2 · ❌ 1 · ⚪ 0",
        "Average win +1.94% · average loss -1.00% · payoff 1.94",
        "longest streaks: 1 win, 1 loss",
    ] {
        assert!(overview.contains(expected), "{expected:?} in:\n{overview}");
    }

    let page = |data: &'static str, edits: usize| {
        let app = &app;
        async move {
            app.emulator
                .press_button(chat, chat, table.message_id, data)
                .expect("press");
            app.eventually("the page to be shown", || async {
                app.emulator.messages(chat)[9].edits.len() == edits
            })
            .await;
            let message = app.emulator.messages(chat).remove(9);
            assert!(message.photo.is_none(), "a text edited as text");
            text(&message)
        }
    };
    let assets = page("perf:a:7d:", 1).await;
    assert!(assets.contains("By asset"), "{assets}");
    assert!(
        assets.contains("BTC/USD · 2 closed · win rate 100% · total +3.88%"),
        "{assets}"
    );
    assert!(
        assets.contains("ETH/USD · 1 closed · win rate 0% · total -1.00%"),
        "{assets}"
    );
    assert!(
        assets.find("BTC/USD").unwrap() < assets.find("ETH/USD").unwrap(),
        "busiest first"
    );
    assert!(
        assets.contains("average +1.94% · expectancy +1.47R · PF ∞ · holding "),
        "{assets}"
    );

    let models = page("perf:m:7d:", 2).await;
    assert!(
        models.contains("lstm-v3 · 2 closed · win rate 100% · total +3.88%"),
        "{models}"
    );
    assert!(
        models.contains("gbm-2 · 1 closed · win rate 0% · total -1.00%"),
        "{models}"
    );
    assert!(models.contains("expectancy -0.30R"), "{models}");

    let timeframes = page("perf:t:7d:", 3).await;
    let order: Vec<usize> = ["15m ·", "1H ·", "4H ·"]
        .iter()
        .map(|tf| {
            timeframes
                .find(tf)
                .unwrap_or_else(|| panic!("{tf} in {timeframes}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "in timeframe order: {timeframes}"
    );

    let bands = page("perf:c:7d:", 4).await;
    for expected in [
        "60-69 · 1 closed · win rate 0% · total -1.00%",
        "80-89 · 1 closed · win rate 100% · total +1.88%",
        "90-100 · 1 closed · win rate 100% · total +2.00%",
        "expectancy +1.80R",
    ] {
        assert!(bands.contains(expected), "{expected:?} in:\n{bands}");
    }
    // Another period of the same page, then back to the overview.
    let all_time = page("perf:c:all:", 5).await;
    assert!(
        all_time.contains("Performance · all time")
            && all_time.contains("Your plan covers the last 7 days."),
        "{all_time}"
    );
    let back = page("perf:o:all:", 6).await;
    assert!(back.contains("Closed: 3"), "{back}");
    assert_eq!(
        app.emulator.messages(chat).len(),
        10,
        "edited, never sent again"
    );

    // A chart message stays a chart: its caption becomes the page, the picture by file_id.
    app.emulator.send_text(premium, premium, "/performance");
    let photo = app.wait_for(premium, 10).await.remove(9);
    let before = photo.photo.clone().expect("premium answers carry a chart");
    app.emulator
        .press_button(premium, premium, photo.message_id, "perf:m:7d:")
        .expect("press");
    app.eventually("the page to be shown", || async {
        app.emulator.messages(premium)[9].edits.len() == 1
    })
    .await;
    let edited = app.emulator.messages(premium).remove(9);
    assert_eq!(edited.photo.unwrap().file_id, before.file_id);
    let caption = edited.caption.unwrap_or_default();
    assert!(
        caption.contains("By model") && caption.contains("lstm-v3"),
        "{caption}"
    );

    // The API has the same figures and breakdowns.
    let (status, perf) = app.get("/api/performance", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{perf}");
    let near = |value: &serde_json::Value, expected: f64| {
        let got = value.as_f64().unwrap_or(f64::NAN);
        assert!((got - expected).abs() < 1e-6, "{got} ≠ {expected}");
    };
    let overall = &perf["summary"]["overall"];
    let avg_win = (850.0 / 45250.0 * 100.0 + 2.0) / 2.0;
    near(&overall["avg_win_pct"], avg_win);
    near(&overall["avg_loss_pct"], 1.0);
    near(&overall["payoff_ratio"], avg_win);
    near(&overall["expectancy_r"], (850.0 / 750.0 + 1.8 - 0.3) / 3.0);
    assert!(
        overall["avg_holding_secs"].as_f64().unwrap() > 0.0,
        "{overall}"
    );
    let by = &perf["summary"]["by"];
    near(&by["confidence"]["90-100"]["expectancy_r"], 1.8);
    near(&by["model"]["gbm-2"]["avg_loss_pct"], 1.0);
    assert_eq!(by["timeframe"]["4H"]["count"], 1);
    assert_eq!(by["asset"]["BTC/USD"]["count"], 2);
    assert_eq!(by["type"]["sell"]["wins"], 1);
    app.stop().await;
}
both_backends!(performance_pages, pages_show_every_breakdown);
