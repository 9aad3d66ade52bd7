//! 200 users issuing commands at once: each gets their own correct answer and their own row; a
//! chat's commands arriving together are answered in order.

use herald::domain::i18n::{Lang, t};
use herald::store::{Backend, NewUser};

use crate::both_backends;
use crate::harness::app::TestApp;
use crate::harness::chat::text;

/// A user of the emulator, registered in Herald's database as `/start` would; returns the chat.
async fn registered(app: &TestApp, name: &str, language: &str) -> i64 {
    let id = app.emulator.create_user(name, None, Some(language)).id;
    let new = NewUser {
        telegram_id: id,
        username: None,
        first_name: Some(name.to_owned()),
        last_name: None,
        language_code: Some(language.to_owned()),
    };
    let lang = Lang::from_code(language).unwrap();
    app.store
        .upsert_user(&new, lang, chrono::Utc::now())
        .await
        .unwrap();
    id
}

async fn two_hundred_users_at_once(backend: Backend) {
    // Telegram's real limits (30 messages a second overall): 200 replies take about 7 s.
    let app = TestApp::spawn(backend).await;
    let mut chats = Vec::new();
    for i in 0..200 {
        let lang = if i % 2 == 0 { "en" } else { "es" };
        let id = registered(&app, &format!("User{i}"), lang).await;
        chats.push((id, i % 101, Lang::from_code(lang).unwrap()));
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

/// Commands that arrive together (one getUpdates answer) are answered in order, each seeing what
/// the one before it changed: the user's record read with the batch serves only a chat's first.
async fn a_chat_s_commands_in_one_batch_see_each_other(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut chats = Vec::new();
    for (i, confidence) in [35, 60, 90].into_iter().enumerate() {
        let id = registered(&app, &format!("User{i}"), "en").await;
        chats.push((id, confidence));
    }
    // Herald is polling (it answered this); what follows comes in one getUpdates answer.
    let warm = chats[0].0;
    app.emulator.send_text(warm, warm, "/help");
    app.wait_for(warm, 1).await;
    let texts: Vec<(i64, i64, String)> = chats
        .iter()
        .flat_map(|&(id, confidence)| {
            [
                (id, id, format!("/filter confidence:{confidence}")),
                (id, id, "/filter".to_owned()),
            ]
        })
        .collect();
    let together: Vec<(i64, i64, &str)> = texts
        .iter()
        .map(|(user, chat, text)| (*user, *chat, text.as_str()))
        .collect();
    app.emulator.send_texts_together(&together);
    for (id, confidence) in chats {
        let skip = usize::from(id == warm);
        let replies = app.wait_for(id, skip + 2).await;
        let updated = text(&replies[skip]);
        assert!(
            updated.contains(&t(Lang::En, "filter-updated")),
            "{updated}"
        );
        let shown = text(&replies[skip + 1]);
        assert!(
            shown.contains(&format!("Minimum confidence: {confidence}%")),
            "{id}: {shown}"
        );
    }
    app.stop().await;
}
both_backends!(
    one_batch_in_order,
    a_chat_s_commands_in_one_batch_see_each_other
);
