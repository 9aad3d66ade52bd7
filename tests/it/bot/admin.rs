//! Admin commands with two-factor: hidden from everyone else, each action confirmed with a
//! single-use TOTP code, five wrong codes lock; /grant with its reminder, /broadcast through the
//! dispatcher, /users and /stats.

use herald::config::{Config, Sources};
use herald::domain::i18n::{Arg, Lang, t_args};
use herald::store::{AuditQuery, AuditRow, Backend};
use telegram_emulator::{Emulator, EmulatorConfig};

use crate::both_backends;
use crate::harness::app::{Options, TestApp, buy_signal};
use crate::harness::chat::{Chat, text};
use crate::harness::db::TestDb;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn raw(message: &telegram_emulator::ChatMessage) -> String {
    message.text.clone().unwrap_or_default()
}

/// The configuration `herald admin …` runs with against the app's database.
fn cli_config(app: &TestApp) -> Config {
    let env = [
        ("HERALD_DATABASE_URL", app.store.url().to_owned()),
        ("HERALD_ENCRYPTION_KEY", KEY.to_owned()),
    ];
    let lookup = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    Config::load(Sources {
        env: &lookup,
        file: None,
        stdout_is_terminal: false,
    })
    .unwrap()
}

/// The audit events of `action` about the user with this internal id.
async fn audit_events(app: &TestApp, action: &str, user_id: uuid::Uuid) -> Vec<AuditRow> {
    app.store
        .list_audit(&AuditQuery {
            action: Some(action.to_owned()),
            target_id: Some(user_id.to_string()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
}

/// Runs `herald admin totp <id>`'s code and returns the secret from the URI it shows.
async fn setup_totp(app: &TestApp, telegram_id: i64) -> String {
    let config = cli_config(app);
    let uri = herald::cli::admin::setup_totp(&config, telegram_id)
        .await
        .unwrap();
    assert!(uri.starts_with("otpauth://totp/Herald:"), "{uri}");
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    // Stored sealed, never as given.
    let stored = app.store.admin_totp(telegram_id).await.unwrap().unwrap();
    assert!(stored.sealed_secret.starts_with("enc:v1:") && !stored.sealed_secret.contains(&secret));
    secret
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

fn code(secret: &str) -> String {
    herald::auth::totp::current_code(secret, unix_now()).unwrap()
}

fn wrong_code(secret: &str) -> String {
    let now = unix_now();
    let valid: Vec<String> = [now - 30, now, now + 30, now + 60]
        .iter()
        .map(|t| herald::auth::totp::current_code(secret, *t).unwrap())
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !valid.contains(c))
        .unwrap()
}

async fn admin_commands(backend: Backend) {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let admin_id = emulator.create_user("Ada", Some("ada"), Some("en")).id;
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_on(
        emulator,
        db,
        vec![
            ("HERALD_ADMIN_IDS", admin_id.to_string()),
            ("HERALD_ENCRYPTION_KEY", KEY.to_owned()),
        ],
    )
    .await;
    let admin = Chat {
        app: &app,
        id: admin_id,
    };
    admin.start_and_accept().await;
    let member = app.subscribed_user("Bo", "es").await;
    let member_chat = Chat {
        app: &app,
        id: member,
    };
    let en = Lang::En;

    // Everyone else: the command does not exist, and /help does not mention it.
    let hint = member_chat.say("/grant 1 premium 30").await;
    assert_eq!(
        raw(&hint),
        t_args(
            Lang::Es,
            "unknown-command",
            [("command", Arg::from("grant"))]
        )
    );
    assert!(!text(&member_chat.say("/help").await).contains("/grant"));
    assert!(text(&admin.say("/help").await).contains("/grant"));

    let missing = admin.say("/users").await;
    assert_eq!(
        raw(&missing),
        t_args(en, "admin-totp-missing", [("id", Arg::from(admin_id))])
    );
    let secret = setup_totp(&app, admin_id).await;

    // Bad arguments are answered before any code is asked for.
    assert_eq!(
        raw(&admin.say("/grant bo premium").await),
        t_args(en, "grant-usage", [("max", Arg::from(3650u32))])
    );
    assert_eq!(
        raw(&admin.say("/grant 5 gold 3").await),
        t_args(en, "grant-bad-tier", [("max", Arg::from(3650u32))])
    );
    assert_eq!(
        raw(&admin.say("/grant 5 premium 0").await),
        t_args(en, "grant-bad-days", [("max", Arg::from(3650u32))])
    );
    assert!(raw(&admin.say("/grant 5 premium 3").await).contains("No user 5"));

    let prompt = admin.say("/grant @bo premium 5").await;
    assert!(
        text(&prompt).starts_with("🔐 To confirm “Premium for"),
        "{}",
        text(&prompt)
    );
    let wrong = admin.say(&wrong_code(&secret)).await;
    assert_eq!(
        raw(&wrong),
        t_args(en, "admin-code-wrong", [("left", Arg::from(4i64))])
    );
    let bo = app
        .store
        .user_by_telegram_id(member)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store.subscription(bo.id).await.unwrap().tier.as_str(),
        "free",
        "nothing yet"
    );
    let valid = code(&secret);
    let done = admin.say(&valid).await;
    assert!(
        text(&done).starts_with(&format!("⭐ {member} has Premium until ")),
        "{}",
        text(&done)
    );
    let subscription = app.store.subscription(bo.id).await.unwrap();
    assert_eq!(subscription.tier.as_str(), "premium");
    let days = (subscription.expires_at.unwrap() - chrono::Utc::now()).num_hours();
    assert!((119..=120).contains(&days), "{days}");
    // In the audit trail like an API grant: the admin by their account, before and after.
    let ada = app
        .store
        .user_by_telegram_id(admin_id)
        .await
        .unwrap()
        .unwrap();
    let grants = audit_events(&app, "admin.user.tier.grant", bo.id).await;
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0].actor_kind, "bot_admin");
    assert_eq!(
        grants[0].actor_id.as_deref(),
        Some(ada.id.to_string().as_str())
    );
    let tier = |state: &Option<serde_json::Value>| state.as_ref().unwrap()["tier"].clone();
    assert_eq!(tier(&grants[0].before), "free");
    assert_eq!(tier(&grants[0].after), "premium");
    // Bo hears about it, and (5 days < 7) gets the expiry reminder.
    // Bo's chat so far: 3 from onboarding, the hint and /help.
    let news = app.wait_for(member, 7).await;
    let news: Vec<String> = news[5..].iter().map(text).collect();
    assert!(
        news.iter()
            .any(|m| m.starts_with("⭐ Ahora tienes Premium")),
        "{news:?}"
    );
    assert!(
        news.iter()
            .any(|m| m.starts_with("⏳ Tu plan Premium termina")),
        "{news:?}"
    );

    // The same code again: refused as used.
    admin.say("/stats").await;
    let reused = admin.say(&valid).await;
    assert_eq!(
        raw(&reused),
        t_args(en, "admin-code-used", [("left", Arg::from(4i64))])
    );

    // A broadcast, after a fresh authenticator (codes are single-use per step).
    let secret = setup_totp(&app, admin_id).await;
    admin
        .say("/broadcast Markets <b>open</b> late & slow")
        .await;
    let queued = admin.say(&code(&secret)).await;
    assert_eq!(
        raw(&queued),
        t_args(en, "broadcast-queued", [("count", Arg::from(2i64))])
    );
    let got = app.wait_for(member, 8).await;
    assert_eq!(text(&got[7]), "📢 Markets <b>open</b> late & slow");
    app.drain().await;

    let secret = setup_totp(&app, admin_id).await;
    admin.say("/users").await;
    let users = text(&admin.say(&code(&secret)).await);
    assert!(
        users.contains("Total: 2 · active: 2 · subscribed: 1 · premium: 1"),
        "{users}"
    );
    assert!(users.contains("@bo") && users.contains("@ada"), "{users}");

    // Five wrong codes lock admin actions for 15 minutes.
    admin.say("/stats").await;
    for left in (1..=4).rev() {
        let reply = admin.say(&wrong_code(&secret)).await;
        assert_eq!(
            raw(&reply),
            t_args(
                en,
                "admin-code-wrong",
                [("left", Arg::from(i64::from(left)))]
            )
        );
    }
    let locked = admin.say(&wrong_code(&secret)).await;
    assert_eq!(
        raw(&locked),
        t_args(en, "admin-locked", [("minutes", Arg::from(15i64))])
    );
    let still = admin.say("/stats").await;
    assert_eq!(
        raw(&still),
        t_args(en, "admin-locked", [("minutes", Arg::from(15i64))])
    );
    let record = app.store.admin_totp(admin_id).await.unwrap().unwrap();
    assert!(record.locked_until.is_some());
    app.stop().await;
}
both_backends!(admin_two_factor, admin_commands);

async fn promoted_admins(backend: Backend) {
    let options = Options {
        env: vec![("HERALD_ENCRYPTION_KEY", KEY.to_owned())],
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let chat = Chat::new(&app, "Cyd", "en");
    chat.start_and_accept().await;
    let cyd = chat.user().await;
    let refused = t_args(
        Lang::En,
        "unknown-command",
        [("command", Arg::from("stats"))],
    );
    assert_eq!(raw(&chat.say("/stats").await), refused);

    // `herald admin promote`: an admin command now asks for the code and then answers.
    let config = cli_config(&app);
    let was = herald::cli::admin::set_bot_admin(&config, chat.id, true)
        .await
        .unwrap();
    assert!(!was);
    assert!(text(&chat.say("/help").await).contains("/stats"));
    let secret = setup_totp(&app, chat.id).await;
    let prompt = chat.say("/stats").await;
    assert!(
        text(&prompt).starts_with("🔐 To confirm"),
        "{}",
        text(&prompt)
    );
    let stats = text(&chat.say(&code(&secret)).await);
    assert!(stats.starts_with("📈 Last 24 hours"), "{stats}");
    assert!(stats.contains("Signals: 0 (all time 0)"), "{stats}");

    // One signal delivered to one subscriber shows in the day's figures.
    let dee = app.subscribed_user("Dee", "en").await;
    let (status, _) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    app.wait_for(dee, 4).await;
    app.drain().await;
    // Codes are single-use per step: a fresh authenticator for the second question.
    let secret = setup_totp(&app, chat.id).await;
    chat.say("/stats").await;
    let stats = text(&chat.say(&code(&secret)).await);
    assert!(stats.contains("Signals: 1 (all time 1)"), "{stats}");
    assert!(
        stats.contains("Deliveries: 1 sent · 0 failed · 0 blocked"),
        "{stats}"
    );
    assert!(!stats.contains("latency: – ms"), "{stats}");
    let promoted = audit_events(&app, "admin.user.promote", cyd.id).await;
    assert_eq!(promoted.len(), 1, "{promoted:?}");
    assert_eq!(promoted[0].actor_kind, "operator");
    assert_eq!(promoted[0].after.as_ref().unwrap()["is_admin"], true);

    // `herald admin demote`: the commands are gone again.
    herald::cli::admin::set_bot_admin(&config, chat.id, false)
        .await
        .unwrap();
    assert_eq!(raw(&chat.say("/stats").await), refused);
    assert_eq!(
        audit_events(&app, "admin.user.demote", cyd.id).await.len(),
        1
    );

    // Only a user who started the bot can be promoted.
    assert!(
        herald::cli::admin::set_bot_admin(&config, 999_999, true)
            .await
            .is_err()
    );
    app.stop().await;
}
both_backends!(promoted_users_are_admins_until_demoted, promoted_admins);
