//! The store's contract, told as one story per area, on both backends.

use chrono::{TimeZone, Utc};
use herald::domain::i18n::Lang;
use herald::domain::preferences::{Delivery, HourWindow, MessageFormat, Preferences};
use herald::domain::signal::Asset;
use herald::store::{Backend, NewUser};

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
    assert!(store.signal_candidates().await.unwrap().is_empty());
    assert!(store.accept_disclaimer(user.id, now).await.unwrap());
    assert!(!store.accept_disclaimer(user.id, now).await.unwrap());
    assert!(store.set_subscribed(user.id, true, now).await.unwrap());
    assert!(
        !store.set_subscribed(user.id, true, now).await.unwrap(),
        "idempotent"
    );
    let candidates = store.signal_candidates().await.unwrap();
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].chat_id, 1001);
    assert_eq!(candidates[0].prefs, changed);
    assert!(candidates[0].subscription.subscribed);

    // Blocking the bot takes the user out.
    assert!(store.deactivate_chat(1001, "blocked").await.unwrap());
    assert!(store.signal_candidates().await.unwrap().is_empty());
    assert!(store.reactivate_chat(1001).await.unwrap());
    assert_eq!(store.signal_candidates().await.unwrap().len(), 1);
}
both_backends!(users_and_preferences_story, users_and_preferences);

async fn inbox_drops_redeliveries(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let now = Utc::now();
    assert!(
        store
            .store_update(7, Some(1), "{}", "test", now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .store_update(7, Some(1), "{}", "test", now)
            .await
            .unwrap()
    );
    assert!(
        store
            .store_update(5, Some(2), "{}", "test", now)
            .await
            .unwrap()
    );
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
