//! /settings buttons and /filter: exact replies, the preferences row after, and bad input
//! (forged or stale buttons, bad filter tokens) leaving everything unchanged.

use herald::domain::i18n::Lang;
use herald::domain::preferences::{
    Delivery, HourWindow, MessageFormat, Preferences, ReportFrequency,
};
use herald::domain::signal::SignalKind;
use herald::store::Backend;

use crate::both_backends;
use crate::harness::app::TestApp;
use crate::harness::chat::{Chat, text};

/// A new user's filters, as the menu and `/filter` show them.
const DEFAULT_FILTERS: &str = "Your filters:\n\
    Signal types: buy, sell, close, alert\n\
    Minimum confidence: 0%\n\
    Assets: all\n\
    Hours: all day\n\
    Time zone: UTC\n\
    Format: detailed\n\
    Charts on signals: on\n\
    Performance reports: weekly\n\
    Language: English\n\n\
    To change them, edit and send: /filter confidence:0 types:all assets:all hours:all tz:UTC \
    format:detailed reports:weekly lang:en";
const EXPIRED: &str = "This button has expired.";

fn raw(message: &telegram_emulator::ChatMessage) -> String {
    message.text.clone().unwrap_or_default()
}

async fn settings_menu(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Fay", "en");
    chat.start_and_accept().await;
    let menu = chat.say("/settings").await;
    assert_eq!(
        raw(&menu),
        format!("\u{2699}\u{fe0f} <b>Settings</b>\n\n{DEFAULT_FILTERS}")
    );
    let id = menu.message_id;

    let page = chat.press(id, "s:page:types").await;
    assert!(raw(&page).contains(
        "How each signal type reaches you: 🔔 with sound, 🔕 silently, ⛔ not at all. \
         🔒 types are not in your plan."
    ));
    // Alerts are not in the free plan: refused on the button, nothing saved.
    assert!(Chat::label(&page, "s:type:alert:on").contains("🔒"));
    let answer = chat
        .press_for_answer(id, "s:type:alert:silent", false)
        .await;
    assert_eq!(
        answer.as_deref(),
        Some("🔒 Your plan does not include this signal type.")
    );
    assert_eq!(chat.prefs().await, Preferences::default());

    let page = chat.press(id, "s:type:buy:silent").await;
    assert!(Chat::label(&page, "s:type:buy:silent").starts_with("✅"));
    assert_eq!(
        chat.prefs().await.signal_types.get(SignalKind::Buy),
        Delivery::Silent
    );

    for (page, choice) in [
        ("s:page:conf", "s:conf:80"),
        ("s:page:hours", "s:hours:8-22"),
        ("s:page:tz", "s:tz:Europe/Berlin"),
        ("s:page:fmt", "s:fmt:compact"),
        ("s:page:rep", "s:rep:daily"),
    ] {
        // Back to the main menu, into the page, and the choice: the message is edited each time.
        chat.press(id, "s:page:main").await;
        chat.press(id, page).await;
        chat.press(id, choice).await;
    }
    chat.press(id, "s:page:main").await;
    chat.press(id, "s:page:assets").await;
    let page = chat.press(id, "s:asset:+:BTC/USD").await;
    assert!(Chat::label(&page, "s:asset:-:BTC/USD").starts_with("✅"));
    let prefs = chat.prefs().await;
    assert_eq!(prefs.confidence_threshold, 80);
    assert_eq!(prefs.notification_hours, HourWindow { start: 8, end: 22 });
    assert_eq!(prefs.timezone.name(), "Europe/Berlin");
    assert_eq!(prefs.format, MessageFormat::Compact);
    assert_eq!(prefs.performance_updates, ReportFrequency::Daily);
    assert_eq!(
        prefs.assets.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        ["BTC/USD"]
    );

    // Forged data (not on the keyboard, or out of range) is answered and changes nothing.
    let edits = |chat: &Chat<'_>| {
        chat.messages()
            .iter()
            .find(|m| m.message_id == id)
            .map_or(0, |m| m.edits.len())
    };
    let edits_before = edits(&chat);
    for forged in [
        "s:conf:150",
        "s:tz:Mars/Olympus",
        "s:type:hold:on",
        "garbage",
        "s:conf:10",
    ] {
        let answer = chat.press_for_answer(id, forged, true).await;
        if forged == "s:conf:10" {
            // Well-formed data that is not on this page is still a valid choice of the menu.
            assert_eq!(answer.as_deref(), Some("✅ Saved"));
        } else {
            assert_eq!(answer.as_deref(), Some(EXPIRED), "{forged}");
        }
    }
    assert_eq!(chat.prefs().await.confidence_threshold, 10);
    // Only the valid one re-rendered the menu.
    app.eventually("the menu to show the choice", || async {
        edits(&chat) == edits_before + 1
    })
    .await;

    chat.press(id, "s:page:main").await;
    chat.press(id, "s:page:lang").await;
    let page = chat.press(id, "s:lang:es").await;
    assert!(raw(&page).contains("El idioma de todos los mensajes."));
    chat.press(id, "s:page:main").await;
    let closed = chat.press(id, "s:close").await;
    assert_eq!(
        raw(&closed),
        "✅ Ajustes guardados.\n\n\
         Tus filtros:\n\
         Tipos de señal: compra (silencio), venta, cierre, alerta\n\
         Confianza mínima: 10 %\n\
         Activos: BTC/USD\n\
         Horario: 08:00–22:00\n\
         Zona horaria: Europe/Berlin\n\
         Formato: compacto\n\
         Gráficos en las señales: sí\n\
         Informes de rendimiento: diario\n\
         Idioma: español\n\n\
         Para cambiarlos, edita y envía: /filter confidence:10 types:sell,close,alert silent:buy \
         assets:BTC/USD hours:8-22 tz:Europe/Berlin format:compact reports:daily lang:es"
    );
    assert!(closed.reply_markup.is_none());
    assert_eq!(chat.prefs().await.language, Lang::Es);
    app.stop().await;
}
both_backends!(settings_buttons, settings_menu);

async fn filter_command(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Gus", "en");
    chat.start_and_accept().await;
    let shown = chat.say("/filter").await;
    assert_eq!(raw(&shown), DEFAULT_FILTERS);

    let before = chat.prefs().await;
    let refused = chat.say("/filter confidence:150 types:buy").await;
    assert!(
        text(&refused)
            .starts_with("⚠️ `confidence:150` — confidence must be a whole number from 0 to 100"),
        "{}",
        text(&refused)
    );
    let refused = chat.say("/filter types:buy,hold").await;
    assert!(
        text(&refused).starts_with("⚠️ `hold` — signal types are"),
        "{}",
        text(&refused)
    );
    let refused = chat.say("/filter tz:Mars/Olympus").await;
    assert!(text(&refused).contains("`tz:Mars/Olympus` — unknown time zone"));
    assert_eq!(chat.prefs().await, before, "refused filters change nothing");

    let updated = chat
        .say("/filter confidence:80 types:buy,sell assets:BTC/USD hours:8-22 tz:Europe/Berlin format:compact")
        .await;
    let prefs = chat.prefs().await;
    assert_eq!(
        raw(&updated),
        "✅ Filters updated.\n\n\
         Your filters:\n\
         Signal types: buy, sell, close (off), alert (off)\n\
         Minimum confidence: 80%\n\
         Assets: BTC/USD\n\
         Hours: 08:00–22:00\n\
         Time zone: Europe/Berlin\n\
         Format: compact\n\
         Charts on signals: on\n\
         Performance reports: weekly\n\
         Language: English\n\n\
         To change them, edit and send: /filter confidence:80 types:buy,sell assets:BTC/USD \
         hours:8-22 tz:Europe/Berlin format:compact reports:weekly lang:en"
    );
    assert_eq!(prefs.confidence_threshold, 80);
    assert_eq!(prefs.signal_types.get(SignalKind::Buy), Delivery::On);
    assert_eq!(prefs.signal_types.get(SignalKind::Alert), Delivery::Off);
    assert_eq!(prefs.timezone.name(), "Europe/Berlin");
    assert_eq!(prefs.notification_hours, HourWindow { start: 8, end: 22 });

    // Turning on a type the plan excludes is kept but said plainly.
    let updated = chat.say("/filter types:all").await;
    assert!(
        text(&updated).contains("Your plan does not include alert"),
        "{}",
        text(&updated)
    );

    let reset = chat.say("/filter reset").await;
    assert!(raw(&reset).starts_with(&format!(
        "✅ Filters reset to the defaults.\n\n{DEFAULT_FILTERS}"
    )));
    assert_eq!(chat.prefs().await, Preferences::default());
    app.stop().await;
}
both_backends!(filter_grammar, filter_command);
