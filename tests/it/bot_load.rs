//! 200 users issuing commands at once: each gets their own correct answer and their own row.

use herald::domain::i18n::Lang;
use herald::store::{Backend, NewUser};

use crate::bot_chat::text;
use crate::both_backends;
use crate::harness::app::TestApp;

async fn two_hundred_users_at_once(backend: Backend) {
    // Telegram's real limits (30 messages a second overall): 200 replies take about 7 s.
    let app = TestApp::spawn(backend).await;
    let mut chats = Vec::new();
    for i in 0..200 {
        let lang = if i % 2 == 0 { "en" } else { "es" };
        let id = app
            .emulator
            .create_user(&format!("User{i}"), None, Some(lang))
            .id;
        let new = NewUser {
            telegram_id: id,
            username: None,
            first_name: Some(format!("User{i}")),
            last_name: None,
            language_code: Some(lang.to_owned()),
        };
        let lang = Lang::from_code(lang).unwrap();
        app.store
            .upsert_user(&new, lang, chrono::Utc::now())
            .await
            .unwrap();
        chats.push((id, i % 101, lang));
    }
    for (id, confidence, _) in &chats {
        app.emulator
            .send_text(*id, *id, &format!("/filter confidence:{confidence}"));
    }
    for (id, confidence, lang) in &chats {
        let reply = text(&app.wait_for(*id, 1).await[0]);
        let expected = match lang {
            Lang::En => format!("Minimum confidence: {confidence}%"),
            Lang::Es => format!("Confianza mínima: {confidence} %"),
        };
        assert!(reply.contains(&expected), "{id}: {reply}");
        let user = app.store.user_by_telegram_id(*id).await.unwrap().unwrap();
        let prefs = app.store.preferences(user.id).await.unwrap();
        assert_eq!(i64::from(prefs.confidence_threshold), *confidence as i64);
        assert_eq!(app.emulator.messages(*id).len(), 1);
    }
    app.stop().await;
}
both_backends!(concurrent_users, two_hundred_users_at_once);
