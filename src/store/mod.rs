//! The only place SQL lives. One `Store` serves SQLite and PostgreSQL through sqlx's `Any` driver:
//! both schemas use the same column types (BIGINT epoch milliseconds, TEXT uuids, BOOLEAN), so the
//! queries are shared and only the few that need a dialect feature branch on `Backend`.
//!
//! This file holds the `Store` handle and its plumbing (connecting, migrations, transactions,
//! NOTIFY, the column helpers); the statements live in one file per table or concern:
//! `signals`, `deliveries/` (the queue the dispatcher walks, and what is read back), `outcomes`,
//! `prices`, `positions`, `reports`, `inbox/` (Telegram updates and the per-chat leases), `kv_state`, `users`,
//! `callers`, `audience`, `user_activity`, `user_admin`, `bot_state`, `admin_figures`, `stats`,
//! `admins`, `api_keys`, `audit`, `encryption_keys` (the start-up key check and rotation),
//! `charts`, `leader`, `retention`.

mod admin_figures;
mod admins;
mod api_keys;
pub mod at_rest;
mod audience;
mod audit;
mod bot_state;
mod callers;
mod channels;
mod charts;
mod console_figures;
mod console_sessions;
mod deliveries;
mod encryption_keys;
mod exports;
mod fanout;
mod inbox;
mod kv_state;
mod leader;
mod login_failures;
mod outcomes;
mod payments;
mod positions;
mod price_alerts;
mod prices;
mod referrals;
mod reports;
mod retention;
mod sharing;
mod signals;
mod stats;
mod user_activity;
mod user_admin;
mod users;
mod webhooks;

pub use admin_figures::{ActivityStats, SignUp, UserCounts};
pub use admins::{AdminRecord, LoginFailure};
pub use api_keys::StoredApiKey;
pub use audience::{AudiencePage, AudienceSlice};
pub use audit::{AuditEvent, AuditQuery, AuditRow, Outcome};
pub use bot_state::{AdminTotp, ChatState, ReminderDue};
pub use callers::{Account, CallerRecord};
pub use channels::Channel;
pub use console_figures::HourCounts;
pub use console_sessions::{ConsoleSession, NewConsoleSession};
pub use deliveries::{
    ChartChoice, DeliveryCounts, DeliveryOutcome, DeliveryRow, DeliveryStatus, NewDelivery,
    QueuedDelivery, Recipient, SignalFlow, due_deliveries_sql,
};
pub use encryption_keys::{KeyCheck, KeyProblem, RotationReport};
pub use exports::{Cell, ExportTable};
pub use fanout::{FanoutCursor, FanoutJob, FanoutPhase};
pub use inbox::{InboxUpdate, NewUpdate, Receipt};
pub use leader::Leadership;
pub use outcomes::{Announcement, NewOutcome, Recorded, StoredOutcome, TallyRow, TradeQuery};
pub use payments::{NewPayment, Payment};
pub use positions::Opened;
pub use price_alerts::{NewPriceAlert, PriceAlert};
pub use referrals::ReferralCounts;
pub use reports::{NewReport, QueuedReport};
pub use retention::Purged;
pub use sharing::ReceivedSignal;
pub use signals::{InsertOutcome, SignalListQuery, StoredSignal};
pub use stats::{DeliveryStats, LatencyStats, UserStats};
pub use user_activity::ActiveUsers;
pub use user_admin::{UserListQuery, UserSummary};
pub use users::{Candidate, NewUser, Subscription, User};
pub use webhooks::{DueDelivery, WaitingEvent, WebhookEndpoint};

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection, Executor, Row};
use tokio::sync::Notify;

/// A PostgreSQL connection used this recently is taken to be alive without asking: it has just
/// answered, and a ping before every statement would double a busy bot's round trips.
const ALIVE_WITHOUT_PING: Duration = Duration::from_millis(500);
/// The NOTIFY channel that wakes the leader's dispatcher.
const DELIVERIES_CHANNEL: &str = "herald_deliveries";

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot decrypt stored data: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

impl StoreError {
    /// The database could not be reached (down, restarting, the network cut, every connection
    /// busy): the same request can succeed later, unlike a bad statement or bad data.
    pub fn is_unavailable(&self) -> bool {
        let Self::Database(err) = self else {
            return false;
        };
        match err {
            // A protocol error is the connection's (a server, or whatever answers in its place,
            // saying something unexpected), never the statement's.
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            // SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutting down, starting).
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
            }),
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
    /// Wakes this process's dispatcher when deliveries are queued here; other replicas are woken
    /// through PostgreSQL's NOTIFY (see `delivery::wake`).
    deliveries_queued: Arc<Notify>,
    /// Told when a signal's fan-out job is committed here or, on PostgreSQL, on another replica.
    fanouts_queued: Arc<Notify>,
    /// Wakes this process's report sender when a fired price alert queued its message.
    reports_queued: Arc<Notify>,
    /// Seals personal data (names, TOTP secrets, stored updates) on the way in, opens it on the
    /// way out; plaintext until `with_cipher` (see `store::at_rest::open_store`).
    cipher: crate::crypto::Cipher,
    audience: audience::AudienceCache,
}

impl Store {
    /// Connects (creating a SQLite file if needed) and applies migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = match backend {
            // SQLite allows one writer at a time: WAL lets readers proceed during a write, and a
            // long busy timeout turns lock contention into waiting rather than errors.
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(4)
                    // A connection to a file in this process cannot break; checking it before every
                    // use would cost a hand-off to its worker thread per statement.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(5))
                    // A connection is checked before use only when it has sat idle for a while
                    // (after a database restart, say): a ping before every statement doubled the
                    // round trips of a busy bot for connections that had just answered.
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > ALIVE_WITHOUT_PING {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Self {
            pool,
            backend,
            url,
            deliveries_queued: Arc::new(Notify::new()),
            fanouts_queued: Arc::new(Notify::new()),
            reports_queued: Arc::new(Notify::new()),
            cipher: crate::crypto::Cipher::plaintext(),
            audience: Default::default(),
        })
    }

    /// The same store, sealing and opening personal data with `cipher`.
    pub fn with_cipher(mut self, cipher: crate::crypto::Cipher) -> Self {
        self.cipher = cipher;
        self
    }

    pub fn cipher(&self) -> &crate::crypto::Cipher {
        &self.cipher
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Whether every migration this binary carries has been applied (readiness).
    pub async fn migrations_current(&self) -> StoreResult<bool> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let Some(latest) = migrator.iter().map(|m| m.version).max() else {
            return Ok(true);
        };
        let row = sqlx::query("SELECT MAX(version) AS version FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        let applied: Option<i64> = row.try_get("version")?;
        Ok(applied.is_some_and(|applied| applied >= latest))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn deliveries_queued(&self) -> Arc<Notify> {
        self.deliveries_queued.clone()
    }

    pub fn reports_queued(&self) -> Arc<Notify> {
        self.reports_queued.clone()
    }

    /// Tells the leader, wherever it runs, that rows were queued: on PostgreSQL a NOTIFY, delivered
    /// when the transaction commits (and not at all if it rolls back).
    pub(crate) async fn announce_deliveries(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, '')")
                .bind(DELIVERIES_CHANNEL)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Forwards other replicas' NOTIFYs to this process's dispatcher until `stop`. Without it the
    /// dispatcher still finds the rows on its next poll, only later.
    pub async fn forward_notifications(&self, stop: tokio_util::sync::CancellationToken) {
        if self.backend != Backend::Postgres {
            return;
        }
        let mut delay = Duration::from_millis(200);
        while !stop.is_cancelled() {
            match self.listen(&stop).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "LISTEN connection lost; falling back to polling until it is back");
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    async fn listen(&self, stop: &tokio_util::sync::CancellationToken) -> StoreResult<()> {
        let mut listener = sqlx::postgres::PgListener::connect(&self.url).await?;
        listener.listen(DELIVERIES_CHANNEL).await?;
        // Rows or fan-outs may have been queued while nobody listened.
        self.deliveries_queued.notify_one();
        self.fanouts_queued.notify_one();
        loop {
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                notification = listener.recv() => {
                    notification?;
                    self.deliveries_queued.notify_one();
                    self.fanouts_queued.notify_one();
                }
            }
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Begins a write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`):
    /// a deferred transaction that upgrades to a writer later can fail with BUSY without waiting.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn to_millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(crate) fn from_millis(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Reads a flag: BOOLEAN on PostgreSQL, 0/1 INTEGER on SQLite.
pub(crate) fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

pub(crate) fn parse_uuid(text: &str) -> StoreResult<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|_| StoreError::Corrupt(format!("bad uuid {text:?}")))
}

/// `ids` as one JSON array to bind as `$1`, and the membership test that unpacks it, to follow a
/// column (`WHERE id {in_ids}`): the statement text stays the same whatever the ids, so it is
/// prepared once per connection, not once per batch. On PostgreSQL the ids are an array the key
/// index is probed with one by one; as a subquery they would be joined, and with statistics that
/// describe an empty inbox or queue the planner hashes every unfinished row (dead ones included,
/// until a vacuum) to find a handful.
pub(crate) fn id_set(backend: Backend, ids: &[i64]) -> StoreResult<(String, &'static str)> {
    let json = serde_json::to_string(ids).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let in_ids = match backend {
        Backend::Postgres => "= ANY(ARRAY(SELECT json_array_elements_text($1::json)::bigint))",
        Backend::Sqlite => "IN (SELECT value FROM json_each($1))",
    };
    Ok((json, in_ids))
}

/// As [`id_set`], for uuid keys (kept as text).
pub(crate) fn uuid_set(
    backend: Backend,
    ids: &[uuid::Uuid],
) -> StoreResult<(String, &'static str)> {
    let texts: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
    let json = serde_json::to_string(&texts).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let in_ids = match backend {
        Backend::Postgres => "= ANY(ARRAY(SELECT json_array_elements_text($1::json)))",
        Backend::Sqlite => "IN (SELECT value FROM json_each($1))",
    };
    Ok((json, in_ids))
}
