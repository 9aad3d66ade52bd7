//! Onboarding end to end, in both languages: /start with a deep link, the disclaimer, language
//! and time zone (by button, skipped, or typed — a bad name changes nothing), then /subscribe.

use herald::domain::i18n::{Arg, Lang, t, t_args};
use herald::store::Backend;

use crate::both_backends;
use crate::harness::app::TestApp;
use crate::harness::chat::{Chat, text};

fn raw(message: &telegram_emulator::ChatMessage) -> String {
    message.text.clone().unwrap_or_default()
}

fn accepted(lang: Lang) -> String {
    format!(
        "{}\n\n{}",
        t(lang, "disclaimer-text"),
        t(lang, "disclaimer-accepted")
    )
}

async fn english_with_buttons_and_skips(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Dana", "en");
    let replies = chat.say_n("/start campaign-42", 2).await;
    let en = Lang::En;
    assert_eq!(
        raw(&replies[0]),
        t_args(en, "start-welcome", [("name", Arg::from("Dana"))])
    );
    assert_eq!(raw(&replies[1]), t(en, "disclaimer-text"));
    let user = chat.user().await;
    assert_eq!(user.referral.as_deref(), Some("campaign-42"));
    assert!(user.disclaimer_accepted_at.is_none());

    let disclaimer = replies[1].message_id;
    let asked = chat.press(disclaimer, "disclaimer:accept").await;
    assert_eq!(
        raw(&asked),
        format!(
            "{}\n\n{}",
            accepted(en),
            t(en, "onboarding-language-question")
        )
    );
    assert!(chat.user().await.disclaimer_accepted_at.is_some());

    let asked = chat.press(disclaimer, "o:lang:skip").await;
    assert_eq!(
        raw(&asked),
        format!(
            "{}\n\n{}",
            accepted(en),
            t_args(
                en,
                "onboarding-timezone-question",
                [("tz", Arg::from("UTC"))]
            )
        )
    );
    let done = chat.press(disclaimer, "o:tz:Europe/London").await;
    assert!(raw(&done).contains(&t_args(
        en,
        "onboarding-done",
        [
            ("language", Arg::from("English")),
            ("tz", Arg::from("Europe/London"))
        ]
    )));
    assert!(text(&done).contains("/settings") && text(&done).contains("/filter"));
    assert!(done.reply_markup.is_none(), "the last step has no buttons");
    let prefs = chat.prefs().await;
    assert_eq!(
        (prefs.language, prefs.timezone.name()),
        (Lang::En, "Europe/London")
    );
    assert_eq!(chat.user().await.onboarding_step, "done");

    // Onboarding added no messages beyond the welcome and the disclaimer.
    let reply = chat.say("/subscribe").await;
    assert_eq!(raw(&reply), t(en, "subscribe-done"));
    assert_eq!(chat.messages().len(), 3);

    // A second deep link is not recorded over the first, and /start again only greets.
    let reply = chat.say("/start other-campaign").await;
    assert_eq!(
        raw(&reply),
        t_args(
            en,
            "start-welcome-back-subscribed",
            [("name", Arg::from("Dana"))]
        )
    );
    assert_eq!(chat.user().await.referral.as_deref(), Some("campaign-42"));
    app.stop().await;
}
both_backends!(onboarding_in_english, english_with_buttons_and_skips);

async fn spanish_with_a_typed_time_zone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Telegram says English; the user picks Spanish in onboarding.
    let chat = Chat::new(&app, "Elena", "en");
    let replies = chat.say_n("/start <bad payload>", 2).await;
    assert_eq!(
        chat.user().await.referral,
        None,
        "a malformed deep link is ignored"
    );
    let disclaimer = replies[1].message_id;
    chat.press(disclaimer, "disclaimer:accept").await;
    let es = Lang::Es;
    let asked = chat.press(disclaimer, "o:lang:es").await;
    assert_eq!(
        raw(&asked),
        format!(
            "{}\n\n{}",
            accepted(es),
            t_args(
                es,
                "onboarding-timezone-question",
                [("tz", Arg::from("UTC"))]
            )
        )
    );
    let prompt = chat.press(disclaimer, "o:tz:type").await;
    assert_eq!(
        raw(&prompt),
        format!("{}\n\n{}", accepted(es), t(es, "timezone-type-prompt"))
    );

    let refused = chat.say("Mars/Olympus").await;
    assert_eq!(
        raw(&refused),
        t_args(
            es,
            "timezone-unknown",
            [("input", Arg::from("Mars/Olympus"))]
        )
    );
    assert_eq!(chat.prefs().await.timezone.name(), "UTC", "nothing changed");

    let done = chat.say("america/mexico_city").await;
    assert!(raw(&done).starts_with(&t_args(
        es,
        "onboarding-done",
        [
            ("language", Arg::from("Español")),
            ("tz", Arg::from("America/Mexico_City"))
        ]
    )));
    assert!(text(&done).contains("Primeros pasos"), "{}", text(&done));
    let prefs = chat.prefs().await;
    assert_eq!(
        (prefs.language, prefs.timezone.name()),
        (Lang::Es, "America/Mexico_City")
    );

    // The question is closed: plain text is plain text again.
    let hint = chat.say("Europe/Madrid").await;
    assert_eq!(raw(&hint), t(es, "plain-text-hint"));
    let reply = chat.say("/subscribe").await;
    assert_eq!(raw(&reply), t(es, "subscribe-done"));
    app.stop().await;
}
both_backends!(onboarding_in_spanish, spanish_with_a_typed_time_zone);

async fn commands_are_registered_in_each_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.eventually("commands registered in Spanish", || async {
        !app.emulator.commands(Some("es")).is_empty()
    })
    .await;
    let spanish = app.emulator.commands(Some("es"));
    let names: Vec<&str> = spanish.iter().map(|c| c.command.as_str()).collect();
    assert_eq!(
        names,
        herald::bot::commands::Command::VISIBLE
            .iter()
            .map(|(name, ..)| *name)
            .collect::<Vec<_>>()
    );
    assert!(!names.contains(&"grant") && !names.contains(&"broadcast"));
    let help = spanish.iter().find(|c| c.command == "help").unwrap();
    assert_eq!(help.description, t(Lang::Es, "cmd-help"));
    let english = app.emulator.commands(Some("en"));
    assert_eq!(
        english
            .iter()
            .find(|c| c.command == "help")
            .unwrap()
            .description,
        "this list"
    );
    app.stop().await;
}
both_backends!(set_my_commands, commands_are_registered_in_each_language);
