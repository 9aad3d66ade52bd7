//! `parse_signal`: text fields, whole bodies (unknown fields, all errors at once, malformed JSON)
//! and the canonical form.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use super::tests::*;
use super::*;

#[test]
fn alert_needs_a_message_of_1_to_1000_characters() {
    let alert = json!({"type": "alert", "asset": "BTC/USD", "message": " Flash crash\r\nCareful ",
        "confidence": 90, "timeframe": "5m"});
    assert_eq!(
        ok(alert.clone()).signal.message.as_deref(),
        Some("Flash crash\nCareful")
    );
    assert_eq!(
        error(without(alert.clone(), "message")),
        pair("message", "is required for alert signals")
    );
    assert_eq!(
        error(with(alert.clone(), json!({"message": "  "}))),
        pair("message", "must not be empty")
    );
    ok(with(alert.clone(), json!({"message": "é".repeat(1000)})));
    let long = "é".repeat(1001);
    assert_eq!(
        error(with(alert.clone(), json!({"message": long}))),
        pair("message", "must be at most 1000 characters")
    );
    let control = "must not contain control characters other than newlines";
    assert_eq!(
        error(with(alert, json!({"message": "a\tb"}))),
        pair("message", control)
    );
}

#[test]
fn notes_are_limited_in_number_length_and_content() {
    let ten: Vec<String> = (0..10).map(|i| format!("note {i}")).collect();
    assert_eq!(
        ok(with(buy(), json!({"notes": ten}))).signal.notes.len(),
        10
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("note {i}")).collect();
    assert_eq!(
        error(with(buy(), json!({"notes": eleven}))),
        pair("notes", "must have at most 10 notes")
    );
    let notes = json!([
        "ok",
        "",
        "x".repeat(201),
        "a\u{0007}",
        5,
        "line\nbreak",
        "ü".repeat(200)
    ]);
    let errors = errors(with(buy(), json!({"notes": notes})));
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(errors["notes[1]"], "must not be empty");
    assert_eq!(errors["notes[2]"], "must be at most 200 characters");
    assert_eq!(
        errors["notes[3]"],
        "must not contain control characters other than newlines"
    );
    assert_eq!(errors["notes[4]"], "must be a string");
    assert_eq!(
        error(with(buy(), json!({"notes": "one"}))),
        pair("notes", "must be an array of strings")
    );
}

#[test]
fn model_and_context_are_short_single_lines() {
    ok(with(
        buy(),
        json!({"source_model": "m".repeat(64), "market_context": "c".repeat(300)}),
    ));
    let errors = errors(with(
        buy(),
        json!({"source_model": "m".repeat(65), "market_context": "a\nb"}),
    ));
    assert_eq!(errors["source_model"], "must be at most 64 characters");
    assert_eq!(
        errors["market_context"],
        "must not contain control characters"
    );
    let long = "c".repeat(301);
    assert_eq!(
        error(with(buy(), json!({"market_context": long}))),
        pair("market_context", "must be at most 300 characters")
    );
    // Blank optional text is the same as none.
    assert_eq!(
        ok(with(buy(), json!({"source_model": "  "})))
            .signal
            .source_model,
        None
    );
}

#[test]
fn generated_at_is_rfc3339_and_not_too_far_ahead() {
    ok(with(
        buy(),
        json!({"generated_at": "2023-06-15T16:40:00+02:00"}),
    ));
    let message = "must not be more than 5 minutes in the future";
    assert_eq!(
        error(with(buy(), json!({"generated_at": "2023-06-15T14:40:01Z"}))),
        pair("generated_at", message)
    );
    let message = "must be an RFC 3339 timestamp";
    assert_eq!(
        error(with(buy(), json!({"generated_at": "yesterday"}))),
        pair("generated_at", message)
    );
    ok(with(buy(), json!({"generated_at": "2000-01-01T00:00:00Z"})));
    for ancient in [
        "0000-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
    ] {
        assert_eq!(
            error(with(buy(), json!({"generated_at": ancient}))),
            pair("generated_at", "must not be before 2000-01-01"),
            "{ancient}"
        );
    }
}

#[test]
fn text_that_hides_or_reorders_itself_is_refused() {
    let message = "must not contain bidirectional overrides or zero-width characters (U+200B, \
                   U+200C, U+200E, U+200F, U+202A-U+202E, U+2060-U+2069, U+FEFF)";
    for sneaky in [
        "buy \u{202E}lles",
        "a\u{2066}b\u{2069}",
        "B\u{200B}TC",
        "\u{FEFF}note",
    ] {
        let errors = errors(with(
            buy(),
            json!({"notes": [sneaky], "market_context": sneaky}),
        ));
        assert_eq!(errors["notes[0]"], message, "{sneaky:?}");
        assert_eq!(errors["market_context"], message, "{sneaky:?}");
    }
    // Emoji sequences join with U+200D, which reorders and hides nothing.
    let family = "👨\u{200D}👩\u{200D}👧";
    assert_eq!(
        ok(with(buy(), json!({"notes": [family]}))).signal.notes,
        [family]
    );
}

#[test]
fn unknown_fields_and_bad_ids_are_field_errors() {
    let errors = errors(with(buy(), json!({"entry": 1, "Stop_loss": 2, "id": "x"})));
    assert_eq!(errors["entry"], "unknown field");
    assert_eq!(errors["Stop_loss"], "unknown field");
    assert_eq!(errors["id"], "must be a UUID");
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    let body = json!({"type": "buy", "asset": "bad asset!", "entry_price": "45250",
        "target_price": 0, "timeframe": "2H", "confidence": 150, "source_model": "m".repeat(65),
        "notes": ["", "ok"], "generated_at": "soon", "message": "hi", "extra": true});
    let errors = errors(body);
    let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        [
            "asset",
            "confidence",
            "entry_price",
            "extra",
            "generated_at",
            "message",
            "notes[0]",
            "source_model",
            "stop_loss",
            "target_price",
            "timeframe"
        ]
    );
}

#[test]
fn nulls_are_absent() {
    let parsed = ok(with(
        buy(),
        json!({"id": null, "notes": null, "closes": null, "message": null}),
    ));
    assert_eq!(parsed.signal.id, FRESH);
}

#[test]
fn malformed_bodies_are_400() {
    for body in [
        &b"not json"[..],
        b"[1,2]",
        b"\"buy\"",
        b"{\"type\":\"buy\",}",
        b"\xff\xfe",
        b"{} {}",
    ] {
        assert!(
            matches!(
                parse_signal(body, FRESH, now()),
                Err(SignalError::Malformed(_))
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let twice = br#"{"type":"buy","type":"sell"}"#;
    let Err(SignalError::Malformed(message)) = parse_signal(twice, FRESH, now()) else {
        panic!("a duplicate key was accepted");
    };
    assert!(message.contains("duplicate field `type`"), "{message}");
}

#[test]
fn canonical_form_ignores_order_whitespace_and_defaults() {
    let a = br#"{"type":"buy","asset":"BTC/USD","entry_price":45250,"target_price":46500,
        "stop_loss":44500,"timeframe":"1H","confidence":85,"notes":["x"]}"#;
    let b = br#"{ "notes" : [ "x " ], "confidence":85, "timeframe":"1H","stop_loss":44500,
        "target_price":46500,"entry_price":45250, "asset":"btc/usd", "type":"buy", "closes": null }"#;
    let first = parse_signal(a, FRESH, now()).unwrap();
    let later = now() + chrono::TimeDelta::seconds(30);
    let retry = parse_signal(b, FRESH, later).unwrap();
    assert_eq!(first.canonical, retry.canonical);
    assert_eq!(
        first.canonical,
        format!(
            "{{\"asset\":\"BTC/USD\",\"confidence\":85,\"entry_price\":45250,\"id\":\"{FRESH}\",\
             \"notes\":[\"x\"],\"stop_loss\":44500,\"target_price\":46500,\"timeframe\":\"1H\",\
             \"type\":\"buy\"}}"
        )
    );
    let serde_check: Value = serde_json::from_str(&first.canonical).unwrap();
    assert_eq!(serde_check["id"], FRESH.to_string());
    // A different precision is a different body: it would be shown differently.
    let c = String::from_utf8_lossy(a).replace("45250", "45250.0");
    let other = parse_signal(c.as_bytes(), FRESH, now()).unwrap();
    assert_ne!(first.canonical, other.canonical);
}
