//! Charts on signals, through the emulator: one upload per chart however many receive it, the
//! rest by file_id; the caption within 1,024 characters; the text alone without prices; the
//! tier rule and the user's switch; a stale file_id or a failed upload loses nothing; and the
//! `📈 Chart` button.

use chrono::{Duration, SecondsFormat, Utc};
use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_emulator::{ButtonKind, ChatMessage};
use uuid::Uuid;

use crate::both_backends;
use crate::harness::app::{Options, TestApp, buy_signal, callback_data};
use crate::harness::chat::{Chat, text};
use crate::harness::performance::{make_premium, post, post_signal};

/// Thirty BTC/USD prices a minute apart, ending now, between the buy's stop and target.
async fn post_prices(app: &TestApp) {
    let now = Utc::now();
    let prices: Vec<Value> = (0..30)
        .map(|i| {
            let at = now - Duration::minutes(30 - i);
            json!({"asset": "BTC/USD", "price": 45_100 + (i % 7) * 40 + i * 3,
                   "at": at.to_rfc3339_opts(SecondsFormat::Secs, true)})
        })
        .collect();
    let (status, body) = post(app, "/api/prices", &Value::Array(prices)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["closed"].as_array().unwrap().is_empty(), "{body}");
}

/// A subscribed user (three messages in the chat: greeting, disclaimer, subscription).
async fn subscriber<'a>(app: &'a TestApp, name: &str, lang: &str, premium: bool) -> Chat<'a> {
    let id = app.subscribed_user(name, lang).await;
    if premium {
        make_premium(app, id).await;
    }
    Chat { app, id }
}

fn photo_id(message: &ChatMessage) -> String {
    message
        .photo
        .as_ref()
        .map(|photo| photo.file_id.clone())
        .unwrap_or_else(|| panic!("a photo: {message:#?}"))
}

fn caption(message: &ChatMessage) -> String {
    message.caption.clone().unwrap_or_default()
}

fn chart_button(signal_id: &str) -> String {
    format!("chart:{}", Uuid::parse_str(signal_id).unwrap().simple())
}

/// Waits until every delivery of the signal is recorded sent: a person taps a button once the
/// message is there, and Herald has recorded it by then (a tap is matched to its delivery by
/// the message id).
async fn recorded(app: &TestApp, signal_id: &str) {
    let id = Uuid::parse_str(signal_id).unwrap();
    app.eventually("the deliveries to be recorded", || async {
        let rows = app.store.deliveries_of_signal(id).await.unwrap();
        rows.iter().all(|row| row.telegram_message_id.is_some())
    })
    .await;
}

async fn signal_chart_files(app: &TestApp) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(app.store.url())
        .await
        .unwrap();
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM chart_files WHERE chart_key LIKE 'signal:%'")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

async fn one_upload_for_many_recipients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut english = Vec::new();
    for name in ["Ana", "Ben", "Cy", "Dee", "Eve"] {
        english.push(subscriber(&app, name, "en", true).await);
    }
    let spanish = subscriber(&app, "Flor", "es", true).await;
    let free = subscriber(&app, "Gus", "en", false).await;
    // A premium user who turns charts off in /settings.
    let quiet = subscriber(&app, "Hal", "en", true).await;
    let menu = quiet.say("/settings").await;
    assert_eq!(Chat::label(&menu, "s:charts:off"), "📈 Charts: on");
    let menu = quiet.press(menu.message_id, "s:charts:off").await;
    assert_eq!(Chat::label(&menu, "s:charts:on"), "📈 Charts: off");
    assert!(!quiet.prefs().await.charts);
    // The free user's switch is locked, and says why.
    let menu = free.say("/settings").await;
    assert_eq!(
        free.press_for_answer(menu.message_id, "s:charts:on", false)
            .await
            .as_deref(),
        Some("🔒 Charts on signals come with Premium: see /premium.")
    );

    post_prices(&app).await;
    let id = post_signal(&app, &buy_signal()).await;
    let mut file_ids = Vec::new();
    for chat in &english {
        let signal = app.wait_for(chat.id, 4).await.remove(3);
        let words = caption(&signal);
        assert!(words.contains("TRADING SIGNAL: BUY BTC/USD"), "{words}");
        assert!(
            words.contains("Increasing volume supporting the move"),
            "the detailed text fits, notes and all: {words}"
        );
        assert!(signal.text.is_none(), "the signal is the caption");
        let photo = signal.photo.clone().unwrap();
        assert_eq!((photo.width, photo.height), (800, 400));
        assert!(photo.bytes > 5_000, "a real chart: {} bytes", photo.bytes);
        // The buttons stay on the photo: one action row, then the copy buttons.
        let labels: Vec<Vec<&str>> = signal
            .buttons
            .iter()
            .map(|row| row.iter().map(|b| b.text.as_str()).collect())
            .collect();
        assert_eq!(
            labels[0],
            ["✅ I took it", "📈 Chart", "🔕 Mute BTC/USD"],
            "{labels:?}"
        );
        assert!(matches!(&signal.buttons[1][0].kind, ButtonKind::CopyText(t) if t == "45250"));
        file_ids.push(photo_id(&signal));
    }
    assert!(file_ids.windows(2).all(|w| w[0] == w[1]), "{file_ids:?}");
    let spanish_signal = app.wait_for(spanish.id, 4).await.remove(3);
    let words = caption(&spanish_signal);
    assert!(words.contains("SEÑAL DE TRADING"), "{words}");
    assert_eq!(spanish_signal.buttons[0][1].text, "📈 Gráfico");
    assert_ne!(
        photo_id(&spanish_signal),
        file_ids[0],
        "its own words, its own picture"
    );
    // Five English readers and one Spanish: two uploads, the rest by file_id.
    assert_eq!(app.emulator.counters().photo_uploads, 2);

    // The free tier has no charts; the user who turned them off gets the text.
    for chat in [&free, &quiet] {
        let signal = app.wait_for(chat.id, 5).await.remove(4);
        assert!(signal.photo.is_none(), "{signal:#?}");
        assert!(text(&signal).contains("TRADING SIGNAL: BUY BTC/USD"));
        assert!(callback_data(&signal).contains(&chart_button(&id)));
    }
    app.drain().await;
    assert_eq!(
        signal_chart_files(&app).await,
        2,
        "one file_id per language, kept"
    );
    app.stop().await;
}
both_backends!(charts_uploaded_once, one_upload_for_many_recipients);

async fn captions_fit_and_no_prices_send_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let detailed = subscriber(&app, "Ivy", "en", true).await;
    let compact = subscriber(&app, "Jo", "en", true).await;
    compact.say("/filter format:compact").await;

    // Without any price of the asset the text goes alone, chart button and all.
    let eth = json!({"type": "buy", "asset": "ETH/USD", "entry_price": 3000, "target_price": 3300,
        "stop_loss": 2900, "timeframe": "4H", "confidence": 80});
    let eth_id = post_signal(&app, &eth).await;
    let signal = app.wait_for(detailed.id, 4).await.remove(3);
    assert!(signal.photo.is_none());
    assert!(
        text(&signal).contains("TRADING SIGNAL: BUY ETH/USD"),
        "{}",
        text(&signal)
    );
    assert_eq!(signal.buttons[0][1].text, "📈 Chart");
    recorded(&app, &eth_id).await;
    let answer = detailed
        .press_for_answer(signal.message_id, &chart_button(&eth_id), false)
        .await;
    assert_eq!(answer.as_deref(), Some("No prices known for ETH/USD yet."));
    // The first tap of a signal's button marks it read.
    let rows = app
        .store
        .deliveries_of_signal(Uuid::parse_str(&eth_id).unwrap())
        .await
        .unwrap();
    let read: Vec<bool> = rows.iter().map(|row| row.read_at.is_some()).collect();
    assert_eq!(read.iter().filter(|r| **r).count(), 1, "{read:?}");

    // Ten long notes: the detailed text is past 1,024 characters, so the caption is compact.
    post_prices(&app).await;
    let mut long = buy_signal();
    long["notes"] = json!(
        (0..10)
            .map(|i| format!("{i}: {}", "n".repeat(190)))
            .collect::<Vec<_>>()
    );
    post_signal(&app, &long).await;
    let photo = app.wait_for(detailed.id, 5).await.remove(4);
    let words = caption(&photo);
    assert!(photo.photo.is_some());
    assert!(words.encode_utf16().count() <= 1024, "{words}");
    assert!(
        !words.contains("TRADING SIGNAL"),
        "compact, not detailed: {words}"
    );
    assert!(
        words.contains("BTC/USD") && words.contains("$45,250"),
        "{words}"
    );
    let compact_photo = app.wait_for(compact.id, 6).await.remove(5);
    assert_eq!(
        caption(&compact_photo),
        words,
        "the caption is the compact text"
    );
    assert_eq!(photo_id(&compact_photo), photo_id(&photo));
    assert_eq!(app.emulator.counters().photo_uploads, 1);
    app.stop().await;
}
both_backends!(
    chart_captions_and_text_alone,
    captions_fit_and_no_prices_send_text
);

async fn the_chart_button(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let premium = subscriber(&app, "Kit", "en", true).await;
    let free = subscriber(&app, "Lou", "es", false).await;
    post_prices(&app).await;
    let id = post_signal(&app, &buy_signal()).await;
    let delivered = app.wait_for(premium.id, 4).await.remove(3);
    let free_signal = app.wait_for(free.id, 4).await.remove(3);
    recorded(&app, &id).await;

    // Free: no charts in the plan, said in the user's language.
    let answer = free
        .press_for_answer(free_signal.message_id, &chart_button(&id), false)
        .await;
    assert_eq!(
        answer.as_deref(),
        Some("📈 Los gráficos vienen con Premium: mira /premium.")
    );

    // Premium: the chart with the latest prices, as a reply to the signal. No price has come
    // since the signal's chart was drawn, so it is the same picture, by file_id.
    premium
        .press_for_answer(delivered.message_id, &chart_button(&id), false)
        .await;
    let chart = app.wait_for(premium.id, 5).await.remove(4);
    assert_eq!(chart.reply_to_message_id, Some(delivered.message_id));
    assert_eq!(photo_id(&chart), photo_id(&delivered));
    let words = caption(&chart);
    assert!(words.starts_with("📈 <b>BTC/USD · BUY · 1H</b>"), "{words}");
    // The last price posted is 45,100 + 29 % 7 × 40 + 29 × 3 = 45,227.
    assert!(
        words.contains("Last price $45,227 (-0.05% vs entry $45,250)"),
        "{words}"
    );
    assert!(words.contains("🎯 Target $46,500: +2.81% away"), "{words}");
    assert!(words.contains("🛑 Stop $44,500: -1.61% away"), "{words}");
    assert_eq!(app.emulator.counters().photo_uploads, 1);

    // A newer price makes a new picture; tapping again uploads it.
    let (status, _) = post(
        &app,
        "/api/prices",
        &json!({"asset": "BTC/USD", "price": 45900,
                "at": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    premium
        .press_for_answer(delivered.message_id, &chart_button(&id), false)
        .await;
    let fresh = app.wait_for(premium.id, 6).await.remove(5);
    assert_ne!(photo_id(&fresh), photo_id(&delivered));
    assert!(caption(&fresh).contains("Last price $45,900 (+1.44% vs entry $45,250)"));
    assert_eq!(app.emulator.counters().photo_uploads, 2);

    // Both taps marked each one's delivery read, once.
    let rows = app
        .store
        .deliveries_of_signal(Uuid::parse_str(&id).unwrap())
        .await
        .unwrap();
    assert!(rows.iter().all(|row| row.read_at.is_some()), "{rows:#?}");
    // A forged tap on a signal that does not exist changes nothing and is answered.
    let forged = chart_button(&Uuid::now_v7().to_string());
    assert_eq!(
        premium
            .press_for_answer(delivered.message_id, &forged, true)
            .await
            .as_deref(),
        Some("This signal is no longer available.")
    );
    app.stop().await;
}
both_backends!(chart_button, the_chart_button);

/// Free signals five seconds late and with charts (both configurable): the premium reader's upload
/// comes first, then Telegram forgets its file_ids, and the late reader's send by file_id falls
/// back to a fresh upload. A first upload refused with a 429 is retried, not lost.
async fn stale_file_ids_and_failed_uploads(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            file: Some("[tiers.free]\ncharts = true\ndelivery_delay_secs = 5\n".to_owned()),
            ..Options::default()
        },
    )
    .await;
    let first = subscriber(&app, "Max", "en", true).await;
    let second = subscriber(&app, "Ned", "en", true).await;
    let late = subscriber(&app, "Oli", "en", false).await;
    post_prices(&app).await;
    // The first recipient's upload meets a 429; its row waits and the next recipient uploads.
    app.emulator.fail_next_sends(first.id, 1, 1);
    post_signal(&app, &buy_signal()).await;
    let by_second = app.wait_for(second.id, 4).await.remove(3);
    let by_first = app.wait_for(first.id, 4).await.remove(3);
    assert_eq!(photo_id(&by_first), photo_id(&by_second));
    assert_eq!(app.emulator.counters().photo_uploads, 1);
    assert!(app.emulator.counters().rate_limited >= 1);

    app.emulator.revoke_file_ids();
    let by_late = app.wait_for(late.id, 4).await.remove(3);
    assert!(by_late.photo.is_some(), "a fresh upload, not the text");
    assert_ne!(photo_id(&by_late), photo_id(&by_first));
    assert_eq!(app.emulator.counters().photo_uploads, 2);
    assert!(
        app.emulator.counters().bad_requests >= 1,
        "the stale file_id was refused"
    );
    app.drain().await;
    app.stop().await;
}
both_backends!(chart_retries, stale_file_ids_and_failed_uploads);
