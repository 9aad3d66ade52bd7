//! The Mini App: opened from the menu button and from `/settings`, its API authenticated by the
//! launch data the emulator signs as Telegram does, and the page itself in a real browser.

use std::time::Duration;

use chrono::Utc;
use fantoccini::Locator;
use herald::domain::i18n::{Lang, t};
use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_emulator::TgMenuButton;

use super::{PLANS, url_button};
use crate::both_backends;
use crate::harness::app::{Options, TestApp, WAIT};
use crate::harness::browser::Browser;
use crate::harness::chat::{Chat, text};

/// An app selling plans, with the Mini App at its own address.
async fn spawn_with_app(backend: Backend) -> TestApp {
    // The emulator hands the URL back as Telegram would; the app's own loopback address serves.
    TestApp::spawn_with(
        backend,
        Options {
            env: vec![
                ("HERALD_PUBLIC_URL", "{api}".to_owned()),
                (
                    "HERALD_JWT_SECRET",
                    crate::harness::security::JWT_SECRET.to_owned(),
                ),
                (
                    "HERALD_ENCRYPTION_KEY",
                    crate::harness::app::ENCRYPTION_KEY.to_owned(),
                ),
            ],
            file: Some(PLANS.to_owned()),
            ..Options::default()
        },
    )
    .await
}

/// The launch data in a Mini App URL the emulator opened.
fn launch_data(url: &str) -> String {
    let (_, fragment) = url.split_once('#').expect("launch parameters");
    form_urlencoded::parse(fragment.as_bytes())
        .find(|(key, _)| key == "tgWebAppData")
        .map(|(_, value)| value.into_owned())
        .expect("tgWebAppData")
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    init_data: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.api))
        .header("authorization", format!("tma {init_data}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn opened_and_authenticated(backend: Backend) {
    let app = spawn_with_app(backend).await;
    let chat = Chat::new(&app, "Vera", "es");
    chat.start_and_accept().await;
    // The menu button every chat shows opens the Mini App.
    app.eventually("the menu button to be set", || async {
        matches!(app.emulator.menu_button(None), TgMenuButton::WebApp { .. })
    })
    .await;
    let from_menu = app.emulator.open_menu_app(chat.id).unwrap();
    assert!(
        from_menu.starts_with(&format!("{}/app#", app.api)),
        "{from_menu}"
    );
    // So does the button of /settings.
    let settings = chat.say("/settings").await;
    let url = app
        .emulator
        .open_web_app(
            chat.id,
            settings.message_id,
            &t(Lang::Es, "settings-open-app"),
        )
        .unwrap();
    let init_data = launch_data(&url);

    let (status, me) = call(&app, reqwest::Method::GET, "/app/api/me", &init_data, None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["telegram_id"], chat.id);
    assert_eq!(me["language"], "es");
    assert_eq!(me["subscription"]["tier"], "free");
    assert_eq!(me["plans"][0]["id"], "premium_monthly");

    let change = json!({"confidence_threshold": 80, "assets": ["btc/usd", "ETH/USD"],
        "signal_types": {"alert": "off"}});
    let (status, saved) = call(
        &app,
        reqwest::Method::PUT,
        "/app/api/preferences",
        &init_data,
        Some(change),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        saved["preferences"]["assets"],
        json!(["BTC/USD", "ETH/USD"])
    );
    let shown = text(&chat.say("/filter").await);
    assert!(
        shown.contains("80") && shown.contains("BTC/USD, ETH/USD"),
        "{shown}"
    );
    assert_eq!(chat.prefs().await.confidence_threshold, 80);

    // Refused like /filter, naming the field, and nothing changes.
    let bad = json!({"confidence_threshold": 120, "timezone": "Mars/Olympus"});
    let (status, refused) = call(
        &app,
        reqwest::Method::PUT,
        "/app/api/preferences",
        &init_data,
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = refused["error"]["fields"].as_object().unwrap();
    assert!(fields.contains_key("confidence_threshold") && fields.contains_key("timezone"));
    assert_eq!(chat.prefs().await.confidence_threshold, 80);
    let audit = app
        .store
        .list_audit(&herald::store::AuditQuery {
            action: Some("user.preferences".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);

    // A pay link for the Mini App's pay button, paid like the bot's.
    let (status, link) = call(
        &app,
        reqwest::Method::POST,
        "/app/api/invoice",
        &init_data,
        Some(json!({"plan": "premium_monthly"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let before = chat.messages().len();
    app.emulator
        .pay_invoice(chat.id, link["link"].as_str().unwrap())
        .unwrap();
    app.wait_for(chat.id, before + 1).await;
    let (_, me) = call(&app, reqwest::Method::GET, "/app/api/me", &init_data, None).await;
    assert_eq!(me["subscription"]["tier"], "premium");

    // Forged, changed, stale, another bot's, someone who never started the bot.
    let user = app.emulator.create_user("Ivo", None, Some("en"));
    let token = app.emulator.token();
    let now = Utc::now().timestamp();
    let stale = telegram_emulator::sign_init_data(&token, &user, now - 25 * 3600, "q", &[]);
    let foreign = telegram_emulator::sign_init_data("1:another-bot", &user, now, "q", &[]);
    let changed = init_data.replacen("auth_date=", "auth_date=1", 1);
    for refused in [
        stale.as_str(),
        foreign.as_str(),
        changed.as_str(),
        "",
        "hash=00",
    ] {
        let (status, _) = call(&app, reqwest::Method::GET, "/app/api/me", refused, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    }
    let stranger = telegram_emulator::sign_init_data(&token, &user, now, "q", &[]);
    let (status, _) = call(&app, reqwest::Method::GET, "/app/api/me", &stranger, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}
both_backends!(
    the_mini_app_is_opened_and_authenticated,
    opened_and_authenticated
);

async fn off_without_a_public_url(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            file: Some(PLANS.to_owned()),
            ..Options::default()
        },
    )
    .await;
    let chat = Chat::new(&app, "Wim", "en");
    chat.start_and_accept().await;
    let settings = chat.say("/settings").await;
    let labels: Vec<String> = settings
        .reply_markup
        .as_ref()
        .map(|markup| markup.to_string())
        .into_iter()
        .collect();
    assert!(!labels.concat().contains("web_app"), "{labels:?}");
    assert!(matches!(
        app.emulator.menu_button(None),
        TgMenuButton::Default | TgMenuButton::Commands
    ));
    let page = app
        .client
        .get(format!("{}/app", app.api))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    // /premium is still on sale through the bot.
    let offer = chat.say("/premium").await;
    url_button(&offer, "Pay 500 ⭐ · 30 days");
    app.stop().await;
}
both_backends!(
    without_a_public_url_the_mini_app_is_off,
    off_without_a_public_url
);

async fn wait_ready(browser: &Browser) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ready = browser
            .client
            .execute("return document.body.dataset.ready || ''", vec![])
            .await
            .unwrap();
        if ready == json!("true") {
            return;
        }
        assert_ne!(ready, json!("error"), "the page shows an error");
        assert!(
            tokio::time::Instant::now() < deadline,
            "the page never got ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page in Chromium: it loads with the launch data, shows the user's preferences, and a
/// change saved there is what `/filter` then shows. Saves a screenshot for the docs when
/// `HERALD_SCREENSHOTS` names a folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mini_app_in_a_real_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_with_app(Backend::Sqlite).await;
    let chat = Chat::new(&app, "Zoe", "en");
    chat.start_and_accept().await;
    chat.say("/filter confidence:70 assets:BTC/USD").await;
    let settings = chat.say("/settings").await;
    let url = app
        .emulator
        .open_web_app(
            chat.id,
            settings.message_id,
            &t(Lang::En, "settings-open-app"),
        )
        .unwrap();
    let client = &browser.client;
    client.goto(&url).await.unwrap();
    wait_ready(&browser).await;
    let value = |id: &'static str| async move {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    };
    assert_eq!(value("confidence").await, "70");
    assert_eq!(value("assets").await, "BTC/USD");
    let greeting = client
        .find(Locator::Id("greeting"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(greeting.contains("Zoe"), "{greeting}");
    let pay = client.find_all(Locator::Css("button.pay")).await.unwrap();
    assert_eq!(pay.len(), 2);
    if let Ok(folder) = std::env::var("HERALD_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(format!("{folder}/mini-app.png"), png).unwrap();
    }

    let confidence = client.find(Locator::Id("confidence")).await.unwrap();
    confidence.clear().await.unwrap();
    confidence.send_keys("85").await.unwrap();
    let assets = client.find(Locator::Id("assets")).await.unwrap();
    assets.clear().await.unwrap();
    assets.send_keys("eth/usd, SOL/USD").await.unwrap();
    client
        .find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.eventually("the change to be saved", || async {
        chat.prefs().await.confidence_threshold == 85
    })
    .await;
    wait_ready(&browser).await;
    let shown = text(&chat.say("/filter").await);
    assert!(
        shown.contains("85") && shown.contains("ETH/USD, SOL/USD"),
        "{shown}"
    );

    // A refused value is named next to its field, and nothing changes.
    let zone = client.find(Locator::Id("timezone")).await.unwrap();
    zone.clear().await.unwrap();
    zone.send_keys("Mars/Olympus").await.unwrap();
    client
        .find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let shown = client
            .execute(
                "return document.querySelector('.field-error[data-field=\"timezone\"]').textContent",
                vec![],
            )
            .await
            .unwrap();
        if shown.as_str().is_some_and(|text| !text.trim().is_empty()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no error shown for the time zone"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(chat.prefs().await.timezone.name(), "UTC");
    browser.close().await;
    app.stop().await;
}
