//! The store's contract, told as one story per area, on both backends.

use chrono::{TimeZone, Utc};
use herald::domain::i18n::Lang;
use herald::domain::preferences::{Delivery, HourWindow, MessageFormat, Preferences};
use herald::domain::signal::Asset;
use herald::store::{Backend, NewUser, Store};

use crate::both_backends;
use crate::harness::db::TestDb;

fn alice() -> NewUser {
    NewUser {
        telegram_id: 1001,
        username: Some("alice".into()),
        first_name: Some("Alice".into()),
        last_name: None,
        language_code: Some("es".into()),
    }
}

async fn users_and_preferences(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();

    let (user, created) = store.upsert_user(&alice(), Lang::Es, now).await.unwrap();
    assert!(created);
    assert!(user.is_active);
    assert!(!user.is_admin);
    assert_eq!(user.created_at, now);
    let (again, created_again) = store.upsert_user(&alice(), Lang::En, now).await.unwrap();
    assert!(!created_again);
    assert_eq!(again.id, user.id);

    let prefs = store.preferences(user.id).await.unwrap();
    assert_eq!(prefs.language, Lang::Es, "first contact sets the language");

    let mut changed = Preferences {
        confidence_threshold: 80,
        notification_hours: HourWindow { start: 22, end: 6 },
        timezone: chrono_tz::Europe::Berlin,
        format: MessageFormat::Compact,
        assets: vec![Asset::parse("btc/usd").unwrap()],
        ..prefs
    };
    changed.signal_types.alert = Delivery::Silent;
    store
        .save_preferences(user.id, &changed, now)
        .await
        .unwrap();
    assert_eq!(store.preferences(user.id).await.unwrap(), changed);

    // Not a candidate until the disclaimer is accepted and the user subscribes.
    assert!(audience(&store).await.is_empty());
    assert!(store.accept_disclaimer(user.id, now).await.unwrap());
    assert!(!store.accept_disclaimer(user.id, now).await.unwrap());
    assert!(store.set_subscribed(user.id, true, now).await.unwrap());
    assert!(
        !store.set_subscribed(user.id, true, now).await.unwrap(),
        "idempotent"
    );
    let candidates = audience(&store).await;
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].chat_id, 1001);
    assert_eq!(candidates[0].prefs, changed);
    assert!(candidates[0].subscription.subscribed);

    // Blocking the bot takes the user out.
    assert!(store.deactivate_chat(1001, "blocked").await.unwrap());
    assert!(audience(&store).await.is_empty());
    assert!(store.reactivate_chat(1001).await.unwrap());
    assert_eq!(audience(&store).await.len(), 1);
}
both_backends!(users_and_preferences_story, users_and_preferences);

/// What a handler knows about who is talking comes from one read: account and pending question.
async fn caller_record_reads_everything_at_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();

    let stranger = store.caller_record(4242).await.unwrap();
    assert!(stranger.account.is_none() && stranger.pending.is_none());
    // A question can be open for a chat that has no user yet (an admin's code).
    store
        .set_chat_state(4242, "totp", "payload", now)
        .await
        .unwrap();
    let asked = store.caller_record(4242).await.unwrap();
    assert!(asked.account.is_none());
    let pending = asked.pending.unwrap();
    assert_eq!(
        (pending.awaiting.as_str(), pending.payload.as_str()),
        ("totp", "payload")
    );
    assert_eq!(pending.created_at, now);

    let (user, _) = store.upsert_user(&alice(), Lang::Es, now).await.unwrap();
    let prefs = Preferences {
        confidence_threshold: 85,
        ..store.preferences(user.id).await.unwrap()
    };
    store.save_preferences(user.id, &prefs, now).await.unwrap();
    store.set_subscribed(user.id, true, now).await.unwrap();
    let record = store.caller_record(1001).await.unwrap();
    let account = record.account.unwrap();
    assert_eq!(account.user.id, user.id);
    assert_eq!(
        account.user.first_name.as_deref(),
        Some("Alice"),
        "names are opened"
    );
    assert_eq!(account.prefs, prefs);
    assert!(account.subscription.subscribed);
    assert_eq!(account.subscription.expires_at, None);
    assert!(
        record.pending.is_none(),
        "another chat's question is not hers"
    );

    // Storing a batch reads the same record for each chat it claims, once per chat.
    let update = |update_id: i64, chat_id: i64| herald::store::NewUpdate {
        update_id,
        chat_id: Some(chat_id),
        payload: "{}".to_owned(),
    };
    let batch = [
        update(1, 1001),
        update(2, 4242),
        update(3, 77),
        update(4, 1001),
    ];
    let until = now + chrono::Duration::seconds(30);
    let receipt = store
        .store_updates(&batch, "a", now, until, None)
        .await
        .unwrap();
    assert_eq!(receipt.callers.len(), 3);
    for chat in [1001, 4242, 77] {
        assert_eq!(
            receipt.callers[&chat],
            store.caller_record(chat).await.unwrap(),
            "chat {chat}"
        );
    }
    assert!(receipt.callers[&1001].account.is_some());
    assert!(receipt.callers[&4242].pending.is_some());
    // A chat another replica holds is not claimed, and its record not read for nothing.
    let receipt = store
        .store_updates(&[update(5, 1001)], "b", now, until, None)
        .await
        .unwrap();
    assert!(receipt.claimed.is_empty() && receipt.callers.is_empty());

    // One user's damaged rows do not keep a batch from being stored: their record is left out,
    // for the handler to read and fail on alone.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(store.url()).await.unwrap();
    sqlx::query("UPDATE user_preferences SET timezone = 'Mars/Olympus'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let receipt = store
        .store_updates(&[update(6, 1001), update(7, 77)], "a", now, until, None)
        .await
        .unwrap();
    assert_eq!(receipt.stored, vec![6, 7]);
    assert_eq!(receipt.claimed, vec![6, 7]);
    assert_eq!(receipt.callers.keys().collect::<Vec<_>>(), vec![&77]);
    assert!(store.caller_record(1001).await.is_err());
}
both_backends!(caller_record_story, caller_record_reads_everything_at_once);

/// Stores one update as the webhook does; true when it was new.
async fn store_one(
    store: &herald::store::Store,
    update_id: i64,
    chat_id: Option<i64>,
    by: &str,
) -> bool {
    let now = Utc::now();
    let update = herald::store::NewUpdate {
        update_id,
        chat_id,
        payload: "{}".to_owned(),
    };
    let receipt = store
        .store_updates(&[update], by, now, now, None)
        .await
        .unwrap();
    receipt.stored == vec![update_id]
}

async fn inbox_drops_redeliveries(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let now = Utc::now();
    assert!(store_one(&store, 7, Some(1), "test").await);
    assert!(!store_one(&store, 7, Some(1), "test").await);
    assert!(store_one(&store, 5, Some(2), "test").await);
    let pending: Vec<i64> = store
        .unhandled_updates(10)
        .await
        .unwrap()
        .iter()
        .map(|u| u.update_id)
        .collect();
    assert_eq!(pending, vec![5, 7]);
    store.mark_update_handled(5, now).await.unwrap();
    assert_eq!(store.unhandled_updates(10).await.unwrap().len(), 1);
    store.set_state("offset", "8").await.unwrap();
    store.set_state("offset", "9").await.unwrap();
    assert_eq!(store.state("offset").await.unwrap().as_deref(), Some("9"));
}
both_backends!(inbox_story, inbox_drops_redeliveries);

/// A received batch is stored with one statement, together with the poll offset, and its chats
/// are leased to the receiver where nobody else holds them; handled marks, last-seen times and
/// lease releases go in sets. Payloads round-trip whatever they contain.
async fn inbox_batches(backend: Backend) {
    use herald::crypto::Cipher;
    use herald::store::{CallerRecord, NewUpdate, Receipt};
    use sqlx::Connection;

    let db = TestDb::new(backend).await;
    let store = db.store().await.with_cipher(Cipher::new(&[7; 32]));
    let now = Utc::now();
    let until = now + chrono::Duration::seconds(30);
    let update = |update_id: i64, chat_id: Option<i64>, payload: &str| NewUpdate {
        update_id,
        chat_id,
        payload: payload.to_owned(),
    };
    let sorted = |mut receipt: Receipt| {
        receipt.won.sort_unstable();
        receipt
    };
    let tricky = r#"{"text": "quote \" backslash \\ ünïcödé 🚀 \n"}"#;
    let batch = [
        update(10, Some(1), tricky),
        update(11, None, "{}"),
        update(12, Some(2), "{}"),
    ];
    let receipt = store
        .store_updates(&batch, "a", now, until, Some(("offset", "13")))
        .await
        .unwrap();
    assert_eq!(
        sorted(receipt),
        Receipt {
            stored: vec![10, 11, 12],
            // An update without a chat is left to the inbox loop's lease.
            claimed: vec![10, 12],
            won: vec![1, 2],
            earlier: vec![],
            // Nobody has talked to the bot from these chats yet.
            callers: [(1, CallerRecord::default()), (2, CallerRecord::default())].into(),
        }
    );
    assert_eq!(store.state("offset").await.unwrap().as_deref(), Some("13"));
    // A redelivered batch stores only what is new, still moves the offset, and claims a chat the
    // receiver holds already, naming the update of it that is still waiting.
    let again = [update(12, Some(2), "{}"), update(13, Some(2), "{}")];
    let receipt = store
        .store_updates(&again, "a", now, until, Some(("offset", "14")))
        .await
        .unwrap();
    assert_eq!(
        receipt,
        Receipt {
            stored: vec![13],
            claimed: vec![13],
            won: vec![],
            earlier: vec![(2, 12)],
            callers: [(2, CallerRecord::default())].into(),
        }
    );
    assert_eq!(store.state("offset").await.unwrap().as_deref(), Some("14"));
    // Another replica's webhook: it wins a free chat, and stores but cannot claim a held one.
    let receipt = store
        .store_updates(&[update(14, Some(3), "{}")], "b", now, until, None)
        .await
        .unwrap();
    assert_eq!((receipt.claimed, receipt.won), (vec![14], vec![3]));
    let receipt = store
        .store_updates(&[update(15, Some(1), "{}")], "b", now, until, None)
        .await
        .unwrap();
    assert_eq!(
        receipt,
        Receipt {
            stored: vec![15],
            ..Receipt::default()
        }
    );
    assert!(!store_one(&store, 14, Some(3), "b").await);
    let receipt = store
        .store_updates(&[], "a", now, until, Some(("offset", "16")))
        .await
        .unwrap();
    assert_eq!(receipt, Receipt::default());
    assert_eq!(store.state("offset").await.unwrap().as_deref(), Some("16"));
    let pending = store.unhandled_updates(10).await.unwrap();
    let ids: Vec<i64> = pending.iter().map(|u| u.update_id).collect();
    assert_eq!(ids, vec![10, 11, 12, 13, 14, 15]);
    assert_eq!(pending[0].payload, tricky);
    assert_eq!(pending[0].chat_id, Some(1));
    assert_eq!(pending[1].chat_id, None);

    // Leasing: the chat nobody holds yet is won once; held chats are not written again.
    assert_eq!(
        store
            .lease_inbox_chats("a", now, until, until, 10)
            .await
            .unwrap(),
        vec![0]
    );
    assert!(
        store
            .lease_inbox_chats("a", now, until, until, 10)
            .await
            .unwrap()
            .is_empty(),
        "held chats are not leased again"
    );
    assert!(
        store
            .lease_inbox_chats("b", now, until, until, 10)
            .await
            .unwrap()
            .is_empty(),
        "nor taken by another replica while live"
    );
    assert_eq!(store.leased_updates("a", now, 10).await.unwrap().len(), 5);

    // Handled marks for a set, each once.
    assert_eq!(
        store.finish_updates(&[10, 11, 99], "a", now).await.unwrap(),
        2
    );
    assert_eq!(store.finish_updates(&[10, 12], "b", now).await.unwrap(), 1);
    assert_eq!(
        store.update_handled_by(10).await.unwrap().as_deref(),
        Some("a")
    );
    assert_eq!(
        store.update_handled_by(12).await.unwrap().as_deref(),
        Some("b")
    );
    assert_eq!(store.finish_updates(&[], "a", now).await.unwrap(), 0);
    let leased_to = |owner: &'static str| {
        let store = store.clone();
        async move {
            store
                .leased_updates(owner, now, 10)
                .await
                .unwrap()
                .iter()
                .map(|u| u.update_id)
                .collect::<Vec<i64>>()
        }
    };
    assert_eq!(leased_to("a").await, vec![13, 15]);

    // Releasing a set of chats: only this owner's, only those named.
    store.release_inbox_chats("b", &[1, 2]).await.unwrap();
    assert_eq!(leased_to("a").await, vec![13, 15], "not b's to give back");
    store.release_inbox_chats("a", &[0, 1]).await.unwrap();
    store.release_inbox_chats("a", &[]).await.unwrap();
    assert_eq!(leased_to("a").await, vec![13], "chat 2 is still held");
    assert_eq!(
        store
            .lease_inbox_chats("b", now, until, until, 10)
            .await
            .unwrap(),
        vec![1]
    );
    // An expired lease is taken over, its own holder's included.
    let later = until + chrono::Duration::seconds(1);
    let far = later + chrono::Duration::seconds(30);
    assert_eq!(
        store
            .lease_inbox_chats("a", later, far, later, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    let receipt = store
        .store_updates(&[update(16, Some(3), "{}")], "a", later, far, None)
        .await
        .unwrap();
    assert_eq!(receipt.claimed, vec![16], "chat 3 was taken over");
    assert_eq!(receipt.earlier, vec![(3, 14)]);

    // Last-seen times for a set of users, each at most once a minute.
    for telegram_id in [501, 502] {
        let new = NewUser {
            telegram_id,
            ..alice()
        };
        store.upsert_user(&new, Lang::En, now).await.unwrap();
    }
    let seen = |telegram_id: i64| {
        let url = db.url.clone();
        async move {
            let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, i64>("SELECT last_seen_at FROM users WHERE telegram_id = $1")
                .bind(telegram_id)
                .fetch_one(&mut conn)
                .await
                .unwrap()
        }
    };
    store.touch_users(&[501, 502], now).await.unwrap();
    assert_eq!(seen(502).await, now.timestamp_millis());
    let soon = now + chrono::Duration::seconds(30);
    store.touch_users(&[501, 502, 503], soon).await.unwrap();
    assert_eq!(seen(501).await, now.timestamp_millis(), "within the minute");
    let next = now + chrono::Duration::seconds(61);
    store.touch_users(&[501, 503], next).await.unwrap();
    assert_eq!(seen(501).await, next.timestamp_millis());
    assert_eq!(seen(502).await, now.timestamp_millis());
    store.touch_users(&[], next).await.unwrap();
}
both_backends!(inbox_batch_story, inbox_batches);

/// The audience's size is cached between signals; a change another replica commits must show at
/// once, in the pages a fan-out reads and in the count.
async fn audience_follows_other_replicas(backend: Backend) {
    let db = TestDb::new(backend).await;
    let here = db.store().await;
    let there = db.store().await;
    let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let (user, _) = there.upsert_user(&alice(), Lang::En, now).await.unwrap();
    there.accept_disclaimer(user.id, now).await.unwrap();
    assert!(audience(&here).await.is_empty(), "not subscribed yet");

    there.set_subscribed(user.id, true, now).await.unwrap();
    let subscribed = audience(&here).await;
    assert_eq!(subscribed.len(), 1);
    assert_eq!(subscribed[0].prefs.confidence_threshold, 0);

    let mut prefs = there.preferences(user.id).await.unwrap();
    prefs.confidence_threshold = 90;
    there.save_preferences(user.id, &prefs, now).await.unwrap();
    assert_eq!(audience(&here).await[0].prefs.confidence_threshold, 90);

    // A profile refresh (names, last seen) leaves the audience as it was.
    let renamed = NewUser {
        first_name: Some("Alicia".into()),
        ..alice()
    };
    there.upsert_user(&renamed, Lang::En, now).await.unwrap();
    assert_eq!(audience(&here).await.len(), 1);

    there.deactivate_chat(1001, "blocked").await.unwrap();
    assert!(audience(&here).await.is_empty());
    there.reactivate_chat(1001).await.unwrap();
    assert_eq!(audience(&here).await.len(), 1);
    assert_eq!(here.audience_size().await.unwrap(), 1);
    there.set_subscribed(user.id, false, now).await.unwrap();
    assert!(audience(&here).await.is_empty());
    // The count is recounted in the background once the audience moved.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while here.audience_size().await.unwrap() != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the count never followed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
both_backends!(audience_story, audience_follows_other_replicas);

/// A user erased or deactivated after a signal's rows were written — even by a transaction that
/// raced the signal's, so nothing marked those rows — is never sent to: the queue shows the user
/// as gone, and the rows are skipped (an erased user's rows also forget the chat).
async fn unreachable_recipients_are_skipped(backend: Backend) {
    use herald::domain::signal::parse_signal;
    use herald::store::{DeliveryStatus, NewDelivery, Recipient};
    use sqlx::{Connection, Executor};

    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let now = Utc::now();
    let mut users = Vec::new();
    for telegram_id in [2001, 2002, 2003] {
        let new = NewUser {
            telegram_id,
            ..alice()
        };
        users.push(store.upsert_user(&new, Lang::En, now).await.unwrap().0);
    }
    let body = serde_json::json!({
        "type": "buy", "asset": "BTC/USD", "entry_price": 100, "target_price": 110,
        "stop_loss": 95, "timeframe": "1H", "confidence": 80,
    });
    let signal = parse_signal(body.to_string().as_bytes(), uuid::Uuid::now_v7(), now)
        .unwrap()
        .signal;
    let deliveries: Vec<NewDelivery> = users
        .iter()
        .map(|user| NewDelivery {
            user_id: Some(user.id),
            chat_id: user.telegram_id,
            status: DeliveryStatus::Pending,
            skip_reason: None,
            lang: Lang::En,
            format: MessageFormat::Detailed,
            silent: false,
            protect_content: false,
            reply_to_message_id: None,
            next_attempt_at: now.timestamp_millis(),
        })
        .collect();
    let flow = store.signal_flow().await.unwrap();
    assert_eq!((flow.last_signal_at, flow.queue_depth), (None, 0));
    store
        .insert_signal(&signal, &body.to_string(), &serde_json::json!({}), 3, now)
        .await
        .unwrap();
    crate::harness::db::write_rows(&store, signal.id, &deliveries).await;
    let flow = store.signal_flow().await.unwrap();
    assert_eq!(
        flow.last_signal_at.map(|at| at.timestamp_millis()),
        Some(now.timestamp_millis())
    );
    assert_eq!(flow.queue_depth, 3);
    // Behind the store's back, as a racing transaction would leave it.
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    conn.execute(sqlx::AssertSqlSafe(format!(
        "DELETE FROM users WHERE id = '{}'",
        users[1].id
    )))
    .await
    .unwrap();
    conn.execute(sqlx::AssertSqlSafe(format!(
        "UPDATE users SET is_active = FALSE WHERE id = '{}'",
        users[2].id
    )))
    .await
    .unwrap();

    let queued = store.due_deliveries(now, 0, 10).await.unwrap();
    let recipients: Vec<_> = queued.iter().map(|row| row.recipient).collect();
    assert_eq!(
        recipients,
        [Recipient::Active, Recipient::Erased, Recipient::Deactivated]
    );
    store.skip_unreachable(&queued).await.unwrap();
    let rows = store.deliveries_of_signal(signal.id).await.unwrap();
    assert_eq!(rows[0].status, DeliveryStatus::Pending);
    assert_eq!(rows[1].status, DeliveryStatus::Skipped);
    assert_eq!(rows[1].skip_reason.as_deref(), Some("user erased"));
    assert_eq!(rows[1].chat_id, None, "an erased user's chat is forgotten");
    assert_eq!(rows[2].status, DeliveryStatus::Skipped);
    assert_eq!(rows[2].skip_reason.as_deref(), Some("user deactivated"));
    assert_eq!(rows[2].chat_id, Some(2003));
    let left: Vec<i64> = store
        .due_deliveries(now, 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|row| row.chat_id)
        .collect();
    assert_eq!(left, [2001]);
    assert_eq!(store.signal_flow().await.unwrap().queue_depth, 1);
}
both_backends!(
    unreachable_recipients_story,
    unreachable_recipients_are_skipped
);

/// The dispatcher's queue read walks the partial queue index, not every row ever delivered
/// (SQLite uses a partial index only when the query repeats its predicate), and asks each chat's
/// queue through the per-chat index.
#[tokio::test]
async fn queue_read_walks_the_queue_index_on_sqlite() {
    use sqlx::{Connection, Row};
    let db = TestDb::new(Backend::Sqlite).await;
    drop(db.store().await);
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let sql = format!("EXPLAIN QUERY PLAN {}", herald::store::due_deliveries_sql());
    let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>("detail"))
        .collect();
    assert!(
        plan.iter()
            .any(|step| step.starts_with("SEARCH d USING INDEX deliveries_queue")),
        "{plan:#?}"
    );
    // The per-chat probe goes straight to the chat's queue.
    assert!(
        plan.iter().any(|step| step.starts_with("SEARCH e USING")
            && step.contains("INDEX deliveries_chat_queue (chat_id=?)")),
        "{plan:#?}"
    );
}

/// The same read on PostgreSQL, with statistics taken while the queue was empty (as they usually
/// are when a broadcast starts): each chat's earlier rows are looked up through the chat's index,
/// never by walking the whole queue for every candidate row.
#[tokio::test]
async fn queue_read_probes_each_chat_through_its_index_on_postgres() {
    use sqlx::{Connection, Row};
    let db = TestDb::new(Backend::Postgres).await;
    drop(db.store().await);
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    for sql in [
        "INSERT INTO users (id, telegram_id, created_at) \
         SELECT gen_random_uuid()::text, 1000 + i, 0 FROM generate_series(1, 5000) i",
        "INSERT INTO signals (id, kind, asset, confidence, source_model, generated_at, accepted_at, \
         body, request, recipients) SELECT 's' || k, 'buy', 'BTC/USD', 80, 'm', 0, 0, '{}', '{}', 0 \
         FROM generate_series(0, 10) k",
        "INSERT INTO signal_deliveries (signal_id, user_id, chat_id, status, lang, format, \
         next_attempt_at, accepted_at) SELECT 's' || k, u.id, u.telegram_id, 'sent', 'en', \
         'detailed', 0, 0 FROM generate_series(0, 9) k, users u",
        "ANALYZE",
        "INSERT INTO signal_deliveries (signal_id, user_id, chat_id, status, lang, format, \
         next_attempt_at, accepted_at) SELECT 's10', u.id, u.telegram_id, 'pending', 'en', \
         'detailed', 0, 0 FROM users u",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let sql = herald::store::due_deliveries_sql()
        .replace("$1", "0")
        .replace("$2", "9000000000000")
        .replace("$3", "64");
    let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect();
    // The scan of `e` and the line right under it: its index condition.
    let probe = plan
        .iter()
        .position(|line| line.contains("on signal_deliveries e"))
        .map(|at| plan[at..plan.len().min(at + 2)].join("\n"))
        .unwrap_or_default();
    assert!(
        probe.contains("using deliveries_chat_queue on signal_deliveries e")
            && probe.contains("Index Cond: (chat_id = d.chat_id)"),
        "{}",
        plan.join("\n")
    );
}

/// A connection PostgreSQL dropped while it sat in the pool (a restart, an idle cut) is replaced
/// at its next use, not handed to a caller broken.
#[tokio::test]
async fn postgres_connections_cut_while_idle_are_replaced() {
    use sqlx::{Connection, Executor};
    let db = TestDb::new(Backend::Postgres).await;
    let store = db.store().await;
    let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let (user, _) = store.upsert_user(&alice(), Lang::Es, now).await.unwrap();

    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    admin.close().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;

    let prefs = store.preferences(user.id).await.unwrap();
    assert_eq!(prefs.language, Lang::Es);
}

/// Everyone who could receive a signal now, in chat order.
async fn audience(store: &Store) -> Vec<herald::store::Candidate> {
    store
        .audience_page(herald::store::AudiencePage {
            slice: herald::store::AudienceSlice::All,
            after_chat: i64::MIN,
            at: Utc::now(),
            limit: 1_000,
        })
        .await
        .unwrap()
}
