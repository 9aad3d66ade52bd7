pub mod app;
pub mod browser;
pub mod chat;
pub mod console;
pub mod db;
pub mod ops;
pub mod performance;
pub mod process;
pub mod security;
pub mod world;

/// Declares one test per backend: `both_backends!(name, async_fn)` runs `async_fn(Backend)` on
/// SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(herald::store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body(herald::store::Backend::Postgres).await
            }
        }
    };
}
