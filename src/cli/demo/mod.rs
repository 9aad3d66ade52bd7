//! `herald demo`: the whole service in one process against the bundled Bot API emulator, with
//! three simulated users and a simulated signal engine. No token, no network. The HTTP API is live
//! so a person can post their own signal with the printed `curl`.

use std::collections::HashMap;
use std::time::Duration;

use secrecy::SecretString;
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorEvent, EmulatorHandle};
use tokio_util::sync::CancellationToken;

mod channel;
mod charts;
mod engine;
mod positions;
mod price_alerts;
mod sharing;

use crate::app::App;
use crate::cli::security::NewAdmin;
use crate::config::{Config, LogFormat};

struct DemoUser {
    name: &'static str,
    username: &'static str,
    language: &'static str,
    /// Typed after subscribing, to show preferences at work.
    extra: &'static [&'static str],
}

const USERS: [DemoUser; 3] = [
    DemoUser {
        name: "Alice",
        username: "alice_trades",
        language: "en",
        extra: &[],
    },
    DemoUser {
        name: "Bruno",
        username: "bruno_fx",
        language: "es",
        extra: &[],
    },
    DemoUser {
        name: "Chen",
        username: "chen_quant",
        language: "en",
        extra: &["/help"],
    },
];

pub async fn run(mut config: Config, interval_secs: u64) -> anyhow::Result<()> {
    crate::ops::telemetry::init(LogFormat::Pretty, "warn,herald=warn");
    // The test environment: the Mini App is served over plain http on this machine.
    let emulator = Emulator::start(EmulatorConfig {
        test_environment: true,
        ..EmulatorConfig::default()
    })
    .await?;
    config.telegram_token = Some(SecretString::from(emulator.token()));
    config.telegram_api_url = emulator.base_url();
    let temp_dir = tempfile::tempdir()?;
    if std::env::var("HERALD_DATABASE_URL").is_err() {
        config.database_url = format!(
            "sqlite://{}",
            temp_dir.path().join("herald-demo.db").display()
        );
    }
    let api_key = match config.api_keys.first() {
        Some(key) => crate::config::reveal(key).to_owned(),
        None => {
            let key = format!("demo-{}", uuid::Uuid::new_v4().simple());
            config.api_keys.push(SecretString::from(key.clone()));
            key
        }
    };
    let listen = config.listen;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|err| {
        anyhow::anyhow!("cannot listen on {listen} ({err}); set HERALD_LISTEN to a free address")
    })?;
    let api = format!("http://{}", listener.local_addr()?);
    // Premium for sale, and the Mini App served by the demo itself.
    if config.plans.is_empty() {
        config.plans = demo_plans();
    }
    if config.public_url.is_none() {
        config.public_url = reqwest::Url::parse(&api).ok();
    }

    let app = App::build(config).await?;
    let console_admin = demo_admin(&app.store).await?;
    let channel = channel::register(&emulator, &app.store).await?;
    let shutdown = CancellationToken::new();
    // The demo shows the bot and the API; metrics are for operators.
    let server = tokio::spawn(app.run(listener, None, shutdown.clone()));
    tokio::spawn(crate::ops::shutdown::on_signal(shutdown.clone()));

    println!(
        "Herald demo — Bot API emulator at {}, HTTP API at {api}",
        emulator.base_url()
    );
    println!("Post your own signal:\n");
    println!(
        "  curl -s -X POST {api}/api/signals -H 'X-API-Key: {api_key}' -H 'Content-Type: application/json' \\\n    -d '{{\"type\":\"buy\",\"asset\":\"BTC/USD\",\"entry_price\":45250,\"target_price\":46500,\"stop_loss\":44500,\"timeframe\":\"1H\",\"confidence\":85,\"source_model\":\"lstm-v3\",\"market_context\":\"Trending, high volume\",\"notes\":[\"Strong bullish momentum detected\"]}}'\n"
    );
    print_console(&api, &console_admin);
    println!("{}\n", channel::HOW);
    println!("Press Ctrl-C to stop.\n");

    let names = spawn_printer(&emulator, shutdown.clone());
    if let Ok(mut names) = names.lock() {
        names.insert(channel, channel::NAME);
    }
    let users = onboard_users(&emulator, &names).await;
    buy_premium(&emulator, &users).await;
    open_mini_apps(&emulator, &users);
    sharing::show(&emulator, &api, &api_key, &users, &names).await;
    price_alerts::show(&emulator, &api, &api_key, &users).await;
    positions::show(&emulator, &api, &api_key, &users).await;
    charts::show(&emulator, &api, &api_key, &users).await;
    let engine = tokio::spawn(engine::simulate(
        api,
        api_key,
        interval_secs,
        shutdown.clone(),
    ));

    shutdown.cancelled().await;
    let _ = engine.await;
    let result = server.await;
    drop(users);
    emulator.stop().await;
    println!("\nDemo stopped.");
    result??;
    Ok(())
}

/// An admin for the operator console, made as `herald admin create` makes one.
async fn demo_admin(store: &crate::store::Store) -> anyhow::Result<NewAdmin> {
    let name = format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    crate::cli::security::create_admin(store, &name).await
}

fn print_console(api: &str, admin: &NewAdmin) {
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
    let code = crate::auth::totp::current_code(&admin.totp_secret, now)
        .unwrap_or_else(|_| "(unavailable)".to_owned());
    println!("Operator console: {api}/console");
    println!("  name      {}", admin.name);
    println!("  password  {}", admin.password);
    println!("  code      {code} (good for about a minute)");
    println!(
        "  later codes: add {} to an authenticator app\n",
        admin.otpauth_uri
    );
}

type Names = std::sync::Arc<std::sync::Mutex<HashMap<i64, &'static str>>>;

/// Prints every message a simulated user receives, as they would read it.
fn spawn_printer(emulator: &EmulatorHandle, stop: CancellationToken) -> Names {
    let names: Names = Default::default();
    let mut events = emulator.subscribe();
    let emulator = emulator.clone();
    let names_for_task = names.clone();
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = stop.cancelled() => return,
                event = events.recv() => event,
            };
            let (chat_id, message_id, edited) = match event {
                Ok(EmulatorEvent::MessageSent {
                    chat_id,
                    message_id,
                }) => (chat_id, message_id, false),
                Ok(EmulatorEvent::MessageEdited {
                    chat_id,
                    message_id,
                }) => (chat_id, message_id, true),
                Ok(_) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            let name = names_for_task
                .lock()
                .map(|names| names.get(&chat_id).copied().unwrap_or("?"))
                .unwrap_or("?");
            let Some(message) = emulator
                .messages(chat_id)
                .into_iter()
                .find(|m| m.message_id == message_id)
            else {
                continue;
            };
            let photo = message
                .photo
                .as_ref()
                .map(|p| format!("    │ [🖼 {}×{} chart]", p.width, p.height));
            // Captions are kept as sent; the reader sees them parsed, as texts are.
            let caption = message
                .caption
                .map(|raw| telegram_emulator::html::parse_html(&raw).unwrap_or(raw));
            let text = message.plain_text.or(caption).unwrap_or_default();
            let marker = if edited { "✎" } else { "←" };
            println!("[{name}] {marker}");
            if let Some(photo) = photo {
                println!("{photo}");
            }
            for line in text.lines() {
                println!("    │ {line}");
            }
            println!();
        }
    });
    names
}

async fn onboard_users(emulator: &EmulatorHandle, names: &Names) -> Vec<i64> {
    let mut ids = Vec::new();
    for user in &USERS {
        let tg = emulator.create_user(user.name, Some(user.username), Some(user.language));
        if let Ok(mut names) = names.lock() {
            names.insert(tg.id, user.name);
        }
        ids.push(tg.id);
        say(emulator, user.name, tg.id, "/start");
        // Accept the disclaimer by pressing its button, as a person would.
        if let Ok(messages) = emulator
            .wait_for_messages(tg.id, 2, Duration::from_secs(10))
            .await
        {
            let button = messages.iter().find_map(|m| {
                accept_button(m.reply_markup.as_ref()).map(|data| (m.message_id, data))
            });
            if let Some((message_id, data)) = button {
                println!("[{}] → presses “I understand and accept”\n", user.name);
                let _ = emulator.press_button(tg.id, tg.id, message_id, &data);
            }
        }
        say(emulator, user.name, tg.id, "/subscribe");
        for text in user.extra {
            say(emulator, user.name, tg.id, text);
        }
    }
    ids
}

fn demo_plans() -> crate::billing::Plans {
    let premium = |id: &str, stars, days| crate::billing::Plan {
        id: id.to_owned(),
        stars,
        period: chrono::Duration::days(days),
        renews: days == 30,
        tier: crate::domain::preferences::Tier::Premium,
    };
    crate::billing::Plans::new(vec![
        premium("premium_monthly", 500, 30),
        premium("premium_year", 4500, 365),
    ])
}

/// Bruno and Alice open `/premium` and pay its first button with Telegram Stars.
async fn buy_premium(emulator: &EmulatorHandle, users: &[i64]) {
    for (index, name) in [(1, "Bruno"), (0, "Alice")] {
        if let Some(&user) = users.get(index) {
            buy_premium_as(emulator, user, name).await;
        }
    }
}

async fn buy_premium_as(emulator: &EmulatorHandle, user: i64, name: &str) {
    say(emulator, name, user, "/premium");
    // Earlier replies may still be arriving: wait for the one with the pay buttons.
    let pay_link = || {
        emulator.messages(user).iter().find_map(|m| {
            m.reply_markup
                .as_ref()?
                .get("inline_keyboard")?
                .as_array()?
                .iter()
                .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                .find_map(|button| button.get("url")?.as_str().map(str::to_owned))
        })
    };
    let mut link = None;
    for _ in 0..100 {
        link = pay_link();
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Some(link) = link {
        println!("[{name}] → pays 500 ⭐ with Telegram Stars\n");
        if let Err(err) = emulator.pay_invoice(user, &link) {
            println!("(the payment did not start: {err})\n");
        }
    }
}

/// Each user's Mini App, opened from the menu button: the address carries launch data signed
/// for that user, so a person can open it in a browser for the next 24 hours.
fn open_mini_apps(emulator: &EmulatorHandle, users: &[i64]) {
    for (user, id) in USERS.iter().zip(users) {
        if let Ok(url) = emulator.open_menu_app(*id) {
            println!(
                "[{}] opens the Mini App (open it in a browser):\n    {url}\n",
                user.name
            );
        }
    }
}

/// Waits up to ten seconds for `found` to find something.
async fn poll<T>(found: impl Fn() -> Option<T>) -> Option<T> {
    for _ in 0..100 {
        if let Some(value) = found() {
            return Some(value);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// Posts one price to `/api/prices` as the engine writes prices (`46120`, not `46120.0`), and
/// prints the exchange.
async fn post_price(client: &reqwest::Client, api: &str, api_key: &str, asset: &str, price: &str) {
    let at = chrono::Utc::now().to_rfc3339();
    let body = format!(r#"{{"asset": "{asset}", "price": {price}, "at": "{at}"}}"#);
    let status = client
        .post(format!("{api}/api/prices"))
        .header("X-API-Key", api_key)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .map(|r| r.status().to_string());
    println!(
        "[engine] POST /api/prices {asset} {price} → {}\n",
        status.unwrap_or_else(|err| err.to_string())
    );
}

fn say(emulator: &EmulatorHandle, name: &str, user_id: i64, text: &str) {
    println!("[{name}] → {text}\n");
    emulator.send_text(user_id, user_id, text);
}

/// Whether `message` carries a callback button with exactly `data`.
fn has_button(message: &telegram_emulator::ChatMessage, data: &str) -> bool {
    message
        .buttons
        .iter()
        .flatten()
        .any(|b| matches!(&b.kind, telegram_emulator::ButtonKind::Callback(d) if d == data))
}

fn accept_button(markup: Option<&serde_json::Value>) -> Option<String> {
    markup?
        .get("inline_keyboard")?
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .filter_map(|button| button.get("callback_data")?.as_str())
        .find(|data| data.starts_with("disclaimer:"))
        .map(str::to_owned)
}
