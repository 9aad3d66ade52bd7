//! setMyCommands / getMyCommands / deleteMyCommands.

use serde_json::json;
use telegram_emulator::TgBotCommand;

use crate::harness::Tg;

#[tokio::test]
async fn commands_per_language_and_scope() {
    let tg = Tg::start().await;
    let en = json!([{"command": "start", "description": "Subscribe"}, {"command": "filter", "description": "Choose signals"}]);
    let ru = json!([{"command": "start", "description": "Подписаться"}]);
    assert_eq!(tg.ok("setMyCommands", json!({"commands": en})).await, true);
    tg.ok(
        "setMyCommands",
        json!({"commands": ru, "language_code": "ru"}),
    )
    .await;
    tg.ok(
        "setMyCommands",
        json!({"commands": [{"command": "stats", "description": "Admin stats"}],
               "scope": {"type": "chat", "chat_id": 42}}),
    )
    .await;

    assert_eq!(tg.ok("getMyCommands", json!({})).await, en);
    assert_eq!(
        tg.ok("getMyCommands", json!({"language_code": "ru"})).await,
        ru
    );
    assert_eq!(
        tg.ok("getMyCommands", json!({"language_code": "de"})).await,
        json!([])
    );
    assert_eq!(
        tg.ok(
            "getMyCommands",
            json!({"scope": {"type": "chat", "chat_id": 42}})
        )
        .await[0]["command"],
        "stats"
    );
    assert_eq!(
        tg.emu.commands(Some("ru")),
        [TgBotCommand {
            command: "start".into(),
            description: "Подписаться".into()
        }]
    );
    assert_eq!(tg.emu.commands(None).len(), 2);

    tg.ok("deleteMyCommands", json!({"language_code": "ru"}))
        .await;
    assert!(tg.emu.commands(Some("ru")).is_empty());
}

#[tokio::test]
async fn commands_are_validated() {
    let tg = Tg::start().await;
    let one = |command: &str, description: &str| json!({"commands": [{"command": command, "description": description}]});
    for bad in ["", "Start", "with space", "/start", &"a".repeat(33)] {
        let (status, d) = tg.err("setMyCommands", one(bad, "ok")).await;
        assert_eq!(
            (status, d.as_str()),
            (400, "Bad Request: BOT_COMMAND_INVALID"),
            "{bad:?}"
        );
    }
    tg.ok("setMyCommands", one(&"a".repeat(32), "ok")).await;
    for bad in ["", &"d".repeat(257)] {
        let (_, d) = tg.err("setMyCommands", one("ok", bad)).await;
        assert_eq!(d, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID");
    }
    let (_, d) = tg
        .err("setMyCommands", json!({"commands": [{"command": "x"}]}))
        .await;
    assert_eq!(
        d,
        "Bad Request: can't parse BotCommand: Can't find field \"description\""
    );
    let many: Vec<_> = (0..101)
        .map(|i| json!({"command": format!("c{i}"), "description": "d"}))
        .collect();
    let (_, d) = tg.err("setMyCommands", json!({"commands": many})).await;
    assert_eq!(d, "Bad Request: BOT_COMMANDS_TOO_MUCH");
    let (_, d) = tg
        .err(
            "setMyCommands",
            json!({"commands": [], "scope": {"type": "everyone"}}),
        )
        .await;
    assert_eq!(
        d,
        "Bad Request: can't parse BotCommandScope: Unsupported type specified"
    );
}
