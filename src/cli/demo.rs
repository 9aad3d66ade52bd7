//! `herald demo`: the whole service in one process against the bundled Bot API emulator, with
//! three simulated users and a simulated signal engine. No token, no network. The HTTP API is live
//! so a person can post their own signal with the printed `curl`.

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;
use rand::seq::IndexedRandom;
use secrecy::SecretString;
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorEvent, EmulatorHandle};
use tokio_util::sync::CancellationToken;

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
    println!("Press Ctrl-C to stop.\n");

    let names = spawn_printer(&emulator, shutdown.clone());
    let users = onboard_users(&emulator, &names).await;
    buy_premium(&emulator, &users).await;
    open_mini_apps(&emulator, &users);
    show_sharing(&emulator, &api, &api_key, &users, &names).await;
    show_price_alerts(&emulator, &api, &api_key, &users).await;
    let engine = tokio::spawn(simulate_engine(
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
            let text = message.plain_text.or(message.caption).unwrap_or_default();
            let marker = if edited { "✎" } else { "←" };
            println!("[{name}] {marker}");
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

/// Bruno opens `/premium` and pays its first button with Telegram Stars.
async fn buy_premium(emulator: &EmulatorHandle, users: &[i64]) {
    let Some(&bruno) = users.get(1) else {
        return;
    };
    say(emulator, "Bruno", bruno, "/premium");
    // Earlier replies may still be arriving: wait for the one with the pay buttons.
    let pay_link = || {
        emulator.messages(bruno).iter().find_map(|m| {
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
        println!("[Bruno] → pays 500 ⭐ with Telegram Stars\n");
        if let Err(err) = emulator.pay_invoice(bruno, &link) {
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

/// Sharing in both languages: a buy closes in profit; Alice (English) and Bruno (Spanish) press
/// 📤 Share under its result and send the card to a group with a friend, the friend starts the
/// bot through the card's link, and `/invite` counts them.
async fn show_sharing(
    emulator: &EmulatorHandle,
    api: &str,
    api_key: &str,
    users: &[i64],
    names: &Names,
) {
    let (Some(&alice), Some(&bruno)) = (users.first(), users.get(1)) else {
        return;
    };
    let id = uuid::Uuid::new_v4().to_string();
    let client = reqwest::Client::new();
    for body in [
        serde_json::json!({"id": id, "type": "buy", "asset": "BTC/USD", "entry_price": 45250,
            "target_price": 46500, "stop_loss": 44500, "timeframe": "1H", "confidence": 88,
            "source_model": "lstm-v3"}),
        serde_json::json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 46100}),
    ] {
        let sent = client
            .post(format!("{api}/api/signals"))
            .header("X-API-Key", api_key)
            .json(&body)
            .send()
            .await;
        let status = sent.map(|r| r.status().to_string());
        println!(
            "[engine] POST /api/signals {} BTC/USD → {}\n",
            body["type"].as_str().unwrap_or("?"),
            status.unwrap_or_else(|err| err.to_string())
        );
    }
    let friends = [
        (alice, "Alice", ("Dana", "dana_fx", "en")),
        (bruno, "Bruno", ("Eva", "eva_cripto", "es")),
    ];
    for (sharer, name, friend) in friends {
        share_and_invite(emulator, sharer, name, friend, names).await;
    }
}

async fn share_and_invite(
    emulator: &EmulatorHandle,
    sharer: i64,
    name: &'static str,
    (friend_name, friend_username, friend_lang): (&'static str, &'static str, &'static str),
    names: &Names,
) {
    let share_button = || {
        emulator.messages(sharer).into_iter().rev().find_map(|m| {
            let button =
                m.buttons.iter().flatten().find(|b| {
                    matches!(b.kind, telegram_emulator::ButtonKind::SwitchInlineQuery(_))
                })?;
            Some((m.message_id, button.text.clone()))
        })
    };
    let Some((message_id, label)) = poll(share_button).await else {
        println!("({name} got no result to share)\n");
        return;
    };
    let friend = emulator.create_user(friend_name, Some(friend_username), Some(friend_lang));
    if let Ok(mut names) = names.lock() {
        names.insert(friend.id, friend_name);
    }
    let group = emulator.create_group(&format!("{name} & {friend_name}"), &[sharer, friend.id]);
    println!("[{name}] → presses “{label}” and picks the group “{name} & {friend_name}”\n");
    let Ok(query) = emulator.press_switch_inline(sharer, sharer, message_id, &label, group) else {
        return;
    };
    let answer = || {
        emulator
            .inline_answers()
            .into_iter()
            .find(|a| a.inline_query_id == query)
    };
    let Some(card) = poll(answer)
        .await
        .and_then(|a| a.results.into_iter().next())
    else {
        println!("(no card was offered)\n");
        return;
    };
    let _ = emulator.choose_inline_result(sharer, &query, &card.id);
    println!("[{name}] → sends the card to the group (via the bot):");
    let text = &card.input_message_content.plain_text;
    for line in text.lines() {
        println!("    │ {line}");
    }
    println!();
    // Opening the link, Telegram starts the bot with its payload.
    let payload = text
        .split_whitespace()
        .find_map(|word| word.split_once("?start=").map(|(_, p)| p.to_owned()));
    if let Some(payload) = payload {
        say(
            emulator,
            friend_name,
            friend.id,
            &format!("/start {payload}"),
        );
        let _ = emulator
            .wait_for_messages(friend.id, 2, Duration::from_secs(10))
            .await;
    }
    say(emulator, name, sharer, "/invite");
}

/// Price alerts in both languages: Alice asks to hear when ETH/USD rises 2% and Bruno when
/// BTC/USD crosses 46,000; the engine's next prices get there and each is told once.
async fn show_price_alerts(emulator: &EmulatorHandle, api: &str, api_key: &str, users: &[i64]) {
    let (Some(&alice), Some(&bruno)) = (users.first(), users.get(1)) else {
        return;
    };
    let client = reqwest::Client::new();
    // Written as the engine writes prices: `46120`, not `46120.0`.
    let post_price = |asset: &'static str, price: &'static str| {
        let at = chrono::Utc::now().to_rfc3339();
        let body = format!(r#"{{"asset": "{asset}", "price": {price}, "at": "{at}"}}"#);
        let request = client
            .post(format!("{api}/api/prices"))
            .header("X-API-Key", api_key)
            .header("Content-Type", "application/json")
            .body(body)
            .send();
        async move {
            let status = request.await.map(|r| r.status().to_string());
            println!(
                "[engine] POST /api/prices {asset} {price} → {}\n",
                status.unwrap_or_else(|err| err.to_string())
            );
        }
    };
    post_price("ETH/USD", "3000").await;
    post_price("BTC/USD", "45800").await;
    for (user, name, words) in [
        (alice, "Alice", "/alert ETH/USD +2%"),
        (bruno, "Bruno", "/alert BTC/USD crosses 46000"),
    ] {
        let before = emulator.messages(user).len();
        say(emulator, name, user, words);
        let _ = emulator
            .wait_for_messages(user, before + 1, Duration::from_secs(10))
            .await;
    }
    let waiting = [
        (alice, emulator.messages(alice).len()),
        (bruno, emulator.messages(bruno).len()),
    ];
    post_price("ETH/USD", "3075.5").await;
    post_price("BTC/USD", "46120").await;
    for (user, before) in waiting {
        let _ = emulator
            .wait_for_messages(user, before + 1, Duration::from_secs(10))
            .await;
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

fn say(emulator: &EmulatorHandle, name: &str, user_id: i64, text: &str) {
    println!("[{name}] → {text}\n");
    emulator.send_text(user_id, user_id, text);
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

/// Posts a realistic signal every `interval` seconds, closing some earlier ones.
async fn simulate_engine(api: String, api_key: String, interval: u64, stop: CancellationToken) {
    let client = reqwest::Client::new();
    let mut open: Vec<OpenTrade> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(interval.max(1)));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let body = next_signal(&mut open);
        let response = client
            .post(format!("{api}/api/signals"))
            .header("X-API-Key", &api_key)
            .json(&body)
            .send()
            .await;
        match response {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                println!(
                    "[engine] POST /api/signals {} {} → {status} {text}\n",
                    body["type"].as_str().unwrap_or("?"),
                    body["asset"].as_str().unwrap_or("?")
                );
            }
            Err(err) => println!("[engine] POST failed: {err}\n"),
        }
    }
}

const MARKETS: [(&str, f64, u32); 4] = [
    ("BTC/USD", 45250.0, 0),
    ("ETH/USD", 2450.0, 2),
    ("EUR/USD", 1.08523, 5),
    ("SOL/USDT", 98.4, 2),
];

/// A signal the simulated engine may close later.
struct OpenTrade {
    id: String,
    asset: &'static str,
    long: bool,
    entry: f64,
    decimals: u32,
}

fn next_signal(open: &mut Vec<OpenTrade>) -> serde_json::Value {
    let mut rng = rand::rng();
    if open.len() >= 2 && rng.random_bool(0.3) {
        let trade = open.remove(0);
        let won = rng.random_bool(0.6);
        let exit = trade.entry * if won == trade.long { 1.012 } else { 0.992 };
        return serde_json::json!({"type": "close", "asset": trade.asset, "closes": trade.id,
            "exit_price": price(exit, trade.decimals), "confidence": 90});
    }
    let Some(&(asset, base, decimals)) = MARKETS.choose(&mut rng) else {
        return serde_json::json!({});
    };
    let long = rng.random_bool(0.6);
    let entry = round(base * rng.random_range(0.98..1.02), decimals);
    let (target, stop) = if long {
        (
            round(entry * 1.0276, decimals),
            round(entry * 0.9834, decimals),
        )
    } else {
        (
            round(entry * 0.9724, decimals),
            round(entry * 1.0166, decimals),
        )
    };
    let id = uuid::Uuid::new_v4().to_string();
    open.push(OpenTrade {
        id: id.clone(),
        asset,
        long,
        entry,
        decimals,
    });
    let notes = if long {
        vec![
            "Strong bullish momentum detected",
            "Breaking above key resistance level",
            "Increasing volume supporting the move",
        ]
    } else {
        vec![
            "Bearish divergence on RSI",
            "Rejected at resistance",
            "Volume fading on rallies",
        ]
    };
    let timeframe = ["15m", "1H", "4H"]
        .choose(&mut rng)
        .copied()
        .unwrap_or("1H");
    let model = ["lstm-v3", "xgb-momentum-2"]
        .choose(&mut rng)
        .copied()
        .unwrap_or("lstm-v3");
    serde_json::json!({
        "id": id,
        "type": if long { "buy" } else { "sell" },
        "asset": asset,
        "entry_price": price(entry, decimals),
        "target_price": price(target, decimals),
        "stop_loss": price(stop, decimals),
        "timeframe": timeframe,
        "confidence": rng.random_range(70..96),
        "source_model": model,
        "market_context": "Trending, high volume",
        "notes": notes,
    })
}

/// A price as the engine writes it: exactly `decimals` places (`45250`, not `45250.0`, which
/// Herald would show as written).
fn price(value: f64, decimals: u32) -> serde_json::Value {
    let text = format!("{value:.prec$}", prec = decimals as usize);
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

fn round(value: f64, decimals: u32) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    (value * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::signal::parse_signal;

    #[test]
    fn prices_are_written_with_their_markets_decimals() {
        assert_eq!(price(45610.0, 0).to_string(), "45610");
        assert_eq!(price(1.0852349, 5).to_string(), "1.08523");
        assert_eq!(price(2470.2249, 2).to_string(), "2470.22");
    }

    #[test]
    fn every_simulated_signal_is_accepted() {
        let mut open = Vec::new();
        for _ in 0..200 {
            let body = next_signal(&mut open);
            if body["type"] == "close" {
                continue; // needs the stored original; the demo posts those end to end
            }
            let parsed = parse_signal(
                body.to_string().as_bytes(),
                uuid::Uuid::now_v7(),
                chrono::Utc::now(),
            );
            assert!(parsed.is_ok(), "{body}: {:?}", parsed.err());
        }
    }
}
