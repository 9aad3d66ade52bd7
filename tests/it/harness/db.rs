//! A fresh database per test. PostgreSQL: a copy of a migrated template (`CREATE DATABASE …
//! TEMPLATE`, fast), dropped when the test ends. SQLite: a file in a temporary directory.

use std::sync::atomic::{AtomicU64, Ordering};

use herald::store::{Backend, Store};
use sqlx::{Connection, Executor, PgConnection};

/// The server tests use; CI starts it (`.ci/run`).
pub fn postgres_admin_url() -> String {
    std::env::var("HERALD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap_or((url, ""));
    format!("{base}/{database}")
}

/// Template name tied to the migrations' content, so a schema change gets a new template.
fn template_name() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut files: Vec<_> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
            .expect("migrations/postgres exists")
            .flatten()
            .map(|entry| entry.path())
            .collect();
    files.sort();
    for path in files {
        for byte in std::fs::read(&path).expect("migration readable") {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    format!("herald_tpl_{hash:016x}")
}

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    // Keeps the SQLite file alive for the test's lifetime.
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("herald.db").display());
                TestDb {
                    url,
                    backend,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let template = ensure_template(&admin).await;
                static COUNTER: AtomicU64 = AtomicU64::new(0);
                let name = format!(
                    "herald_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    uuid::Uuid::new_v4().simple()
                );
                let mut conn = PgConnection::connect(&admin)
                    .await
                    .expect("postgres is up (see .ci/run)");
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name} TEMPLATE {template}"
                )))
                .await
                .expect("create test database");
                TestDb {
                    url: with_database(&admin, &name),
                    backend,
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.url).await.expect("open store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let admin = postgres_admin_url();
        // Drop runs outside any runtime guarantee, so use a private one on its own thread.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let _ = conn
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
            });
        })
        .join();
    }
}

async fn ensure_template(admin: &str) -> String {
    let template = template_name();
    let mut conn = PgConnection::connect(admin)
        .await
        .expect("postgres is up (see .ci/run)");
    // Serialize template creation across test processes (nextest runs one per test).
    conn.execute("SELECT pg_advisory_lock(7243811)")
        .await
        .expect("lock");
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&template)
        .fetch_optional(&mut conn)
        .await
        .expect("query pg_database");
    if exists.is_none() {
        // Other templates are left alone: worktrees and branches with other migrations may be
        // running their tests against this server at the same moment.
        let building = format!("{template}_build");
        let _ = conn
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {building} WITH (FORCE)"
            )))
            .await;
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
            .await
            .expect("create template");
        let store = Store::open(&with_database(admin, &building))
            .await
            .expect("migrate template");
        store.close().await;
        conn.execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {building} RENAME TO {template}"
        )))
        .await
        .expect("rename template");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {template} IS_TEMPLATE true"
        )))
        .await
        .expect("mark template");
    }
    conn.execute("SELECT pg_advisory_unlock(7243811)")
        .await
        .expect("unlock");
    template
}

/// Writes a stored signal's rows as its fan-out would, in one chunk.
pub async fn write_rows(
    store: &herald::store::Store,
    signal: uuid::Uuid,
    rows: &[herald::store::NewDelivery],
) {
    let job = store.fanout_job(signal).await.unwrap().unwrap();
    assert!(
        store
            .write_fanout_chunk(&job, rows, herald::store::FanoutCursor::DONE)
            .await
            .unwrap()
    );
}

/// Every accepted signal fanned out and every row sent or given up.
pub async fn settled(store: &herald::store::Store) -> bool {
    store.fanouts_open().await.expect("open fan-outs") == 0
        && store.queue_depth().await.expect("queue depth") == 0
}
