//! The fuzz targets' properties (`fuzz/src/lib.rs`), driven on stable Rust: every seed input and
//! a few thousand random and grammar-shaped ones per target. This is CI's short smoke run; the
//! long runs use cargo-fuzz (see `fuzz/README.md`).

#[path = "../../../fuzz/src/lib.rs"]
mod properties;

use proptest::prelude::*;
use proptest::strategy::ValueTree;

static SIGNAL_SEEDS: std::sync::LazyLock<Vec<Vec<u8>>> =
    std::sync::LazyLock::new(|| seeds("signal_parse"));

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .flatten()
        .map(|entry| entry.path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds for {target}");
    files
        .iter()
        .map(|path| std::fs::read(path).unwrap())
        .collect()
}

#[test]
fn seeds_hold_every_property() {
    for seed in SIGNAL_SEEDS.iter() {
        let text = String::from_utf8_lossy(seed);
        assert!(properties::signal_parse(seed), "seed refused: {text}");
    }
    for seed in seeds("filter_grammar") {
        properties::filter_grammar(&seed);
    }
    for seed in seeds("callback_data") {
        properties::callback_data(&seed);
    }
    for seed in seeds("render_message") {
        let _ = properties::render_message(&seed);
    }
    for seed in seeds("init_data") {
        let _ = properties::init_data(&seed);
    }
    // No edits: the genuine launch string, which must be accepted for the property to bite.
    assert!(properties::init_data(&[]), "genuine launch data refused");
    for seed in seeds("webhook_body") {
        let text = String::from_utf8_lossy(&seed);
        assert!(
            properties::webhook_body(&seed),
            "seed not an update: {text}"
        );
    }
}

/// Webhook bodies: an update seed with one field, anywhere in it, replaced by an arbitrary value.
fn mutated_update() -> impl Strategy<Value = Vec<u8>> {
    let value = prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,20}".prop_map(serde_json::Value::from),
        Just(serde_json::json!({})),
    ];
    let path = prop_oneof![
        Just("/update_id"),
        Just("/message/chat/id"),
        Just("/message/chat"),
        Just("/message/from/id"),
        Just("/message/text"),
        Just("/callback_query/message/chat/id"),
        Just("/callback_query/from"),
        Just("/my_chat_member/chat/id"),
    ];
    (0..4usize, path, value).prop_map(|(seed, path, value)| {
        let seeds = seeds("webhook_body");
        let mut body: serde_json::Value =
            serde_json::from_slice(&seeds[seed % seeds.len()]).unwrap();
        if let Some(slot) = body.pointer_mut(path) {
            *slot = value;
        }
        body.to_string().into_bytes()
    })
}

/// The generators reach the interesting part: a fair share of their inputs are accepted
/// signals, whose messages the properties then check.
#[test]
fn generated_inputs_are_often_accepted() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let bytes = prop::collection::vec(any::<u8>(), 64..1024);
    let rendered = (0..300)
        .filter(|_| properties::render_message(&bytes.new_tree(&mut runner).unwrap().current()))
        .count();
    assert!(
        rendered >= 30,
        "only {rendered} of 300 structured inputs were accepted"
    );
    let mutated = mutated_signal();
    let accepted = (0..300)
        .filter(|_| properties::signal_parse(&mutated.new_tree(&mut runner).unwrap().current()))
        .count();
    assert!(
        accepted >= 30,
        "only {accepted} of 300 mutated seeds were accepted"
    );
}

/// `/filter`-shaped text: real keys and separators with values drawn from a hostile alphabet.
fn filter_text() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("confidence"),
        Just("types"),
        Just("silent"),
        Just("assets"),
        Just("hours"),
        Just("tz"),
        Just("timezone"),
        Just("format"),
        Just("reports"),
        Just("lang"),
        Just("reset"),
        Just("TYPES"),
        Just("x"),
    ];
    let value = "[a-zA-Z0-9/,:%+=_. <>&-]{0,16}";
    let part = (
        key,
        prop_oneof![Just(":"), Just("="), Just(": "), Just("")],
        value,
    )
        .prop_map(|(k, sep, v)| format!("{k}{sep}{v}"));
    prop::collection::vec(part, 0..6).prop_map(|parts| parts.join(" "))
}

/// Signal bodies: a seed with one field replaced by an arbitrary JSON value (mostly refused), or
/// with one of its free-text fields replaced by arbitrary text (mostly accepted).
fn mutated_signal() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(serde_json::Value::from)
    });
    let field = prop_oneof![
        Just("type"),
        Just("asset"),
        Just("entry_price"),
        Just("target_price"),
        Just("stop_loss"),
        Just("timeframe"),
        Just("confidence"),
        Just("notes"),
        Just("closes"),
        Just("exit_price"),
        Just("message"),
        Just("generated_at"),
        Just("id"),
        Just("extra"),
    ];
    let any_field = (field, value);
    let text = ".{0,200}";
    let text_field = (
        prop_oneof![
            Just("source_model"),
            Just("market_context"),
            Just("message")
        ],
        text.prop_map(serde_json::Value::from),
    );
    let notes = (
        Just("notes"),
        prop::collection::vec(text, 0..10).prop_map(serde_json::Value::from),
    );
    let change = prop_oneof![any_field, text_field, notes];
    (0..4usize, change).prop_map(|(seed, (field, value))| {
        let seeds = &*SIGNAL_SEEDS;
        let mut body: serde_json::Value =
            serde_json::from_slice(&seeds[seed % seeds.len()]).unwrap();
        // Only the alert seed takes a message.
        if field != "message" || body["type"] == "alert" {
            body[field] = value;
        }
        body.to_string().into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn signal_parse_holds(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = properties::signal_parse(&bytes);
    }

    #[test]
    fn mutated_signals_hold(body in mutated_signal()) {
        let _ = properties::signal_parse(&body);
    }

    #[test]
    fn filter_grammar_holds(text in filter_text()) {
        properties::filter_grammar(text.as_bytes());
    }

    #[test]
    fn filter_grammar_holds_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
        properties::filter_grammar(&bytes);
    }

    #[test]
    fn callback_data_holds(text in "(ack:|took:|mute:|unmute:|pos:ask:|pos:close:|s:mute:\\+:|/|disclaimer:)?.{0,80}") {
        properties::callback_data(text.as_bytes());
    }

    #[test]
    fn render_message_holds(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = properties::render_message(&bytes);
    }

    #[test]
    fn webhook_body_holds(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = properties::webhook_body(&bytes);
    }

    #[test]
    fn init_data_holds_under_edits(edits in prop::collection::vec(1u8.., 2..16)) {
        // Every accepted edit must have changed nothing the launch data says.
        let _ = properties::init_data(&edits);
    }

    #[test]
    fn init_data_holds_on_text(text in "[a-z_]{1,10}=[^&]{0,40}(&[a-z_]{1,10}=[^&]{0,40}){0,5}") {
        let mut raw = vec![0];
        raw.extend_from_slice(text.as_bytes());
        prop_assert!(!properties::init_data(&raw));
    }

    #[test]
    fn mutated_updates_hold(body in mutated_update()) {
        let _ = properties::webhook_body(&body);
    }
}
