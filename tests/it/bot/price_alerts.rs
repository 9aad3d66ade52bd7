//! Price alerts as a trader uses them: every form set from the chat, refused with the reason when
//! it cannot be watched, each fired once by the first price from `/api/prices` that reaches it
//! and not before, listed and deleted with buttons, and erased with the account.

use herald::store::Backend;
use reqwest::StatusCode;

use crate::both_backends;
use crate::harness::app::{API_KEY, Options, TestApp};
use crate::harness::chat::{Chat, text};
use crate::harness::security::count;

/// Posts one price, written as the engine writes it (`46000`, `2099.99`).
async fn price(app: &TestApp, asset: &str, price: &str) {
    let at = chrono::Utc::now().to_rfc3339();
    let body = format!(r#"{{"asset": "{asset}", "price": {price}, "at": "{at}"}}"#);
    let (status, answer) = app.post_raw("/api/prices", Some(API_KEY), body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// The next message the chat gets after `before` messages.
async fn next_message(chat: &Chat<'_>, before: usize) -> String {
    text(&chat.app.wait_for(chat.id, before + 1).await[before])
}

async fn alerts_fire_once_at_their_price(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            file: Some("[tiers.free]\nprice_alerts = 10\n".to_owned()),
            ..Options::default()
        },
    )
    .await;
    let chat = Chat::new(&app, "Pia", "en");
    chat.start_and_accept().await;

    // Refused, named, and nothing stored.
    let usage = text(&chat.say("/alert").await);
    assert!(usage.contains("/alert BTC/USD > 50000"), "{usage}");
    let bad = text(&chat.say("/alert BTC/USD > lots").await);
    assert!(bad.contains("“lots” is not a price"), "{bad}");
    let no_price = text(&chat.say("/alert ETH/USD +5%").await);
    assert!(no_price.contains("no price for ETH/USD"), "{no_price}");
    price(&app, "BTC/USD", "45000").await;
    let past = text(&chat.say("/alert BTC/USD > 44000").await);
    assert!(past.contains("already there (last 45000)"), "{past}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM price_alerts").await, 0);

    for (args, shown) in [
        ("btc/usd > 50000", "BTC/USD > 50000"),
        ("BTC/USD < 42000", "BTC/USD < 42000"),
        ("BTC/USD crosses 46000", "BTC/USD crosses 46000"),
        // No price yet: the first one tells which side it starts on.
        ("SOL/USD crosses 100", "SOL/USD crosses 100"),
    ] {
        let set = text(&chat.say(&format!("/alert {args}")).await);
        assert!(set.contains(&format!("Alert set: {shown}")), "{set}");
    }
    price(&app, "ETH/USD", "2000").await;
    let set = text(&chat.say("/alert ETH/USD +5%").await);
    assert!(
        set.contains("ETH/USD +5% (2100)") && set.contains("5 of 10"),
        "{set}"
    );

    // Prices that do not reach a level fire nothing; the first that does fires it, once.
    let before = chat.messages().len();
    price(&app, "BTC/USD", "45900").await;
    price(&app, "BTC/USD", "46000").await;
    assert_eq!(
        next_message(&chat, before).await,
        "🔔 Price alert: BTC/USD crosses 46000 — now $46,000."
    );
    let before = chat.messages().len();
    price(&app, "BTC/USD", "50000").await; // "above" means past it
    price(&app, "ETH/USD", "2099.99").await;
    price(&app, "BTC/USD", "50000.5").await;
    assert_eq!(
        next_message(&chat, before).await,
        "🔔 Price alert: BTC/USD > 50000 — now $50,000.5."
    );
    let before = chat.messages().len();
    price(&app, "ETH/USD", "2100").await;
    assert!(
        next_message(&chat, before)
            .await
            .contains("ETH/USD +5% (2100) — now $2,100")
    );
    // A crossing needs a price on each side: the first SOL price only sets the side.
    let before = chat.messages().len();
    price(&app, "SOL/USD", "90").await;
    price(&app, "BTC/USD", "41999").await;
    assert!(
        next_message(&chat, before)
            .await
            .contains("BTC/USD < 42000")
    );
    let before = chat.messages().len();
    price(&app, "SOL/USD", "100.5").await;
    assert!(
        next_message(&chat, before)
            .await
            .contains("SOL/USD crosses 100 — now $100.5")
    );

    // Everything fired once: more prices past every level send nothing more.
    let settled = chat.messages().len();
    for (asset, value) in [
        ("BTC/USD", "60000"),
        ("BTC/USD", "30000"),
        ("SOL/USD", "80"),
    ] {
        price(&app, asset, value).await;
    }
    let listed = text(&chat.say("/alerts").await);
    assert!(listed.starts_with("You have no price alerts"), "{listed}");
    assert_eq!(chat.messages().len(), settled + 1, "{:#?}", chat.messages());
    app.stop().await;
}
both_backends!(every_alert_form_fires_once, alerts_fire_once_at_their_price);

async fn listed_deleted_limited_and_erased(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Teo", "es");
    chat.start_and_accept().await;
    for level in [50000, 51000, 52000] {
        let set = text(&chat.say(&format!("/alert BTC/USD > {level}")).await);
        assert!(set.contains("Alerta creada"), "{set}");
    }
    // The free tier's three: a fourth is refused with the way out.
    let full = text(&chat.say("/alert BTC/USD > 53000").await);
    assert!(
        full.contains("Tienes 3 alertas activas") && full.contains("/premium"),
        "{full}"
    );
    let list = chat.say("/alerts").await;
    assert!(
        text(&list).contains("2. BTC/USD > 51000"),
        "{}",
        text(&list)
    );
    let rows: Vec<(String,)> = {
        let pool = crate::harness::security::raw_pool(&app).await;
        let rows = sqlx::query_as("SELECT id FROM price_alerts ORDER BY created_at, id")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    };
    let second = format!("pa:del:{}", rows[1].0);
    assert_eq!(Chat::label(&list, &second), "🗑 Borrar 2");
    let edited = chat.press(list.message_id, &second).await;
    let shown = text(&edited);
    assert!(
        !shown.contains("51000") && shown.contains("2. BTC/USD > 52000"),
        "{shown}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM price_alerts").await, 2);
    // /delete takes the alerts with the account.
    let question = chat.say("/delete").await;
    chat.press(question.message_id, "del:yes").await;
    app.eventually("the alerts to be erased", || async {
        count(&app, "SELECT COUNT(*) FROM price_alerts").await == 0
    })
    .await;
    app.stop().await;
}
both_backends!(
    alerts_are_listed_deleted_limited_and_erased,
    listed_deleted_limited_and_erased
);
