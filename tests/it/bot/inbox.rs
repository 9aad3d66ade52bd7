//! The inbox under a database fault: a failed handler whose attempt cannot be counted is
//! reported (the count is what ends its retries), and once the count works the update is given
//! up on with the apology as usual.

use herald::store::Backend;

use crate::both_backends;
use crate::harness::app::{Options, TestApp};
use crate::harness::chat::{Chat, text};
use crate::harness::ops::metric;

async fn database_errors(app: &TestApp) -> f64 {
    let body = app.metrics_text().await;
    metric(&body, "herald_errors_total", &[("kind", "database")])
}

async fn execute(pool: &sqlx::AnyPool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

async fn an_uncounted_attempt_is_reported(backend: Backend) {
    // Each retry is charged to the user's command budget: a slow database must not run it out.
    let options = Options {
        env: vec![("HERALD_COMMAND_RATE", "100000".to_owned())],
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let chat = Chat::new(&app, "Ivo", "en");
    chat.start_and_accept().await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(app.store.url()).await.unwrap();
    // Every handler of this user fails, and no failed attempt can be counted.
    execute(
        &pool,
        "UPDATE user_preferences SET timezone = 'Mars/Olympus'",
    )
    .await;
    match backend {
        Backend::Sqlite => {
            execute(
                &pool,
                "CREATE TRIGGER attempts_frozen BEFORE UPDATE OF attempts ON telegram_updates \
                 BEGIN SELECT RAISE(ABORT, 'attempts frozen'); END",
            )
            .await
        }
        Backend::Postgres => {
            execute(
                &pool,
                "CREATE FUNCTION attempts_frozen() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'attempts frozen'; END $$",
            )
            .await;
            execute(
                &pool,
                "CREATE TRIGGER attempts_frozen BEFORE UPDATE OF attempts ON telegram_updates \
                 FOR EACH ROW EXECUTE FUNCTION attempts_frozen()",
            )
            .await
        }
    }
    // The recorder is shared by every app in this test process: compare before and after.
    let before = database_errors(&app).await;
    let replies_before = chat.messages().len();
    app.emulator.send_text(chat.id, chat.id, "/status");
    app.eventually("the uncounted attempt to be reported", || async {
        database_errors(&app).await > before
    })
    .await;

    let thaw = match backend {
        Backend::Sqlite => "DROP TRIGGER attempts_frozen",
        Backend::Postgres => "DROP TRIGGER attempts_frozen ON telegram_updates",
    };
    execute(&pool, thaw).await;
    pool.close().await;
    let replies = app.wait_for(chat.id, replies_before + 1).await;
    assert_eq!(
        text(&replies[replies_before]),
        "Sorry, something went wrong on our side. Please try again in a moment."
    );
    app.stop().await;
}
both_backends!(
    uncounted_attempts_are_reported,
    an_uncounted_attempt_is_reported
);
