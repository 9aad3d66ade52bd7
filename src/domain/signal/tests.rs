//! `parse_signal`: types, prices and the per-type rules (text fields and whole bodies are in
//! `tests_request.rs`), with the helpers both use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;

pub(super) const FRESH: Uuid = Uuid::from_u128(0x1111);
pub(super) const CLOSED: &str = "7d444840-9dc0-11d1-b245-5ffdce74fad2";

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 6, 15, 14, 35, 0).unwrap()
}

pub(super) fn buy() -> Value {
    json!({"type": "buy", "asset": "BTC/USD", "entry_price": 45250, "target_price": 46500,
           "stop_loss": 44500, "timeframe": "1H", "confidence": 85})
}

pub(super) fn with(mut base: Value, patch: Value) -> Value {
    for (key, value) in patch.as_object().unwrap() {
        base[key] = value.clone();
    }
    base
}

pub(super) fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().unwrap().remove(key);
    base
}

pub(super) fn parse(value: &Value) -> Result<ParsedSignal, SignalError> {
    parse_signal(value.to_string().as_bytes(), FRESH, now())
}

pub(super) fn ok(value: Value) -> ParsedSignal {
    parse(&value).unwrap_or_else(|e| panic!("{value} was rejected: {e:?}"))
}

pub(super) fn errors(value: Value) -> FieldErrors {
    match parse(&value) {
        Err(SignalError::Invalid(errors)) => errors,
        other => panic!("{value} was not a 422: {other:?}"),
    }
}

/// The message for the only broken field.
pub(super) fn error(value: Value) -> (String, String) {
    let errors = errors(value);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

pub(super) fn pair(field: &str, message: &str) -> (String, String) {
    (field.to_owned(), message.to_owned())
}

#[test]
fn the_seed_buy_signal_parses() {
    let body = json!({"id": CLOSED, "type": "BUY", "asset": " btc/usd ", "entry_price": 45250,
        "target_price": 46500, "stop_loss": 44500, "timeframe": "1H", "confidence": 85,
        "source_model": " lstm-v3 ", "market_context": "Trending, high volume",
        "notes": ["Strong bullish momentum detected", "  Breaking above key resistance level "],
        "generated_at": "2023-06-15T14:30:45Z"});
    let parsed = ok(body);
    let s = &parsed.signal;
    assert_eq!(s.id.to_string(), CLOSED);
    assert_eq!(s.kind, SignalKind::Buy);
    assert_eq!(s.asset.as_str(), "BTC/USD");
    assert_eq!(s.entry_price.unwrap().value().to_string(), "45250");
    assert_eq!(s.timeframe, Some(Timeframe::H1));
    assert_eq!(s.confidence.value(), 85);
    assert_eq!(s.source_model.as_deref(), Some("lstm-v3"));
    assert_eq!(s.notes[1], "Breaking above key resistance level");
    assert_eq!(
        s.generated_at,
        Utc.with_ymd_and_hms(2023, 6, 15, 14, 30, 45).unwrap()
    );
    assert_eq!(parsed.confidence, s.confidence.into());
}

#[test]
fn a_missing_id_and_time_take_the_defaults() {
    let parsed = ok(buy());
    assert_eq!(parsed.signal.id, FRESH);
    assert_eq!(parsed.signal.generated_at, now());
}

#[test]
fn prices_keep_their_precision_and_accept_exponents() {
    let parsed = ok(
        json!({"type": "sell", "asset": "EUR/USD", "entry_price": 1.08523,
        "target_price": 1.07, "stop_loss": 1.09000, "timeframe": "4H", "confidence": 70}),
    );
    assert_eq!(
        parsed.signal.entry_price.unwrap().value().to_string(),
        "1.08523"
    );
    // serde_json's Value would print 1.09 here: build this body by hand.
    let raw = r#"{"type":"buy","asset":"BTC/USD","entry_price":45250.50,"target_price":4.65e4,
        "stop_loss":44500.00,"timeframe":"1H","confidence":85}"#;
    let parsed = parse_signal(raw.as_bytes(), FRESH, now()).unwrap();
    let s = parsed.signal;
    assert_eq!(s.entry_price.unwrap().value().to_string(), "45250.50");
    assert_eq!(s.target_price.unwrap().value().to_string(), "46500");
    assert_eq!(s.stop_loss.unwrap().value().to_string(), "44500.00");
}

#[test]
fn prices_must_be_positive_in_range_numbers() {
    let cases = [
        (json!("45250"), "must be a number"),
        (json!(true), "must be a number"),
        (json!([1]), "must be a number"),
        (json!(0), "must be greater than 0"),
        (json!(-1), "must be greater than 0"),
    ];
    for (price, message) in cases {
        assert_eq!(
            error(with(buy(), json!({"entry_price": price}))),
            pair("entry_price", message)
        );
    }
    let raw = buy().to_string().replace("45250", "1e40");
    let Err(SignalError::Invalid(errors)) = parse_signal(raw.as_bytes(), FRESH, now()) else {
        panic!("1e40 accepted");
    };
    assert_eq!(errors["entry_price"], "out of range");
    let digits = format!("1.{}", "0".repeat(30));
    let raw = buy().to_string().replace("45250", &digits);
    let Err(SignalError::Invalid(errors)) = parse_signal(raw.as_bytes(), FRESH, now()) else {
        panic!("31 digits accepted");
    };
    assert_eq!(errors["entry_price"], "out of range");
}

#[test]
fn buy_needs_stop_below_entry_below_target() {
    let found = errors(with(
        buy(),
        json!({"target_price": 45000, "stop_loss": 45250}),
    ));
    assert_eq!(
        found["target_price"],
        "must be above entry_price for buy signals"
    );
    assert_eq!(
        found["stop_loss"],
        "must be below entry_price for buy signals"
    );
    let equal = errors(with(
        buy(),
        json!({"target_price": 45250, "stop_loss": 45250.0}),
    ));
    assert_eq!(equal.len(), 2, "{equal:?}");
}

#[test]
fn sell_needs_target_below_entry_below_stop() {
    let sell = with(buy(), json!({"type": "sell"}));
    let errors = errors(sell.clone());
    assert_eq!(
        errors["target_price"],
        "must be below entry_price for sell signals"
    );
    assert_eq!(
        errors["stop_loss"],
        "must be above entry_price for sell signals"
    );
    ok(with(
        sell,
        json!({"target_price": 44500, "stop_loss": 46500}),
    ));
}

#[test]
fn trade_signals_need_prices_timeframe_and_confidence() {
    for field in [
        "entry_price",
        "target_price",
        "stop_loss",
        "timeframe",
        "confidence",
    ] {
        assert_eq!(
            error(without(buy(), field)),
            pair(field, "is required for buy signals")
        );
    }
    let sell = with(
        buy(),
        json!({"type": "sell", "target_price": 44500, "stop_loss": 46500}),
    );
    assert_eq!(
        error(without(sell, "timeframe")),
        pair("timeframe", "is required for sell signals")
    );
}

#[test]
fn type_and_asset_are_required_and_checked() {
    assert_eq!(error(without(buy(), "type")), pair("type", "is required"));
    assert_eq!(error(without(buy(), "asset")), pair("asset", "is required"));
    let message = "must be one of buy, sell, close, alert";
    assert_eq!(
        error(with(buy(), json!({"type": "hold"}))),
        pair("type", message)
    );
    assert_eq!(
        error(with(buy(), json!({"type": 1}))),
        pair("type", "must be a string")
    );
    let bad = "may only contain letters, digits and / . _ -";
    assert_eq!(
        error(with(buy(), json!({"asset": "BTC USD"}))),
        pair("asset", bad)
    );
    let long = "A".repeat(33);
    assert_eq!(
        error(with(buy(), json!({"asset": long}))),
        pair("asset", "must be 1 to 32 characters")
    );
    assert_eq!(
        error(with(buy(), json!({"asset": " "}))),
        pair("asset", "must be 1 to 32 characters")
    );
    assert_eq!(
        ok(with(buy(), json!({"asset": "brk.b"})))
            .signal
            .asset
            .as_str(),
        "BRK.B"
    );
}

#[test]
fn timeframe_is_one_of_the_seven() {
    for tf in ["1m", "5m", "15m", "30m", "1H", "4H", "1D"] {
        ok(with(buy(), json!({"timeframe": tf})));
    }
    let message = "must be one of 1m, 5m, 15m, 30m, 1H, 4H, 1D";
    for tf in ["1h", "2H", ""] {
        assert_eq!(
            error(with(buy(), json!({"timeframe": tf}))),
            pair("timeframe", message)
        );
    }
}

#[test]
fn confidence_is_an_integer_from_0_to_100() {
    ok(with(buy(), json!({"confidence": 0})));
    ok(with(buy(), json!({"confidence": 100})));
    let message = "must be an integer from 0 to 100";
    for value in [
        json!(101),
        json!(-1),
        json!(85.5),
        json!(85.0),
        json!("85"),
        json!(1e30),
    ] {
        assert_eq!(
            error(with(buy(), json!({"confidence": value}))),
            pair("confidence", message)
        );
    }
}

#[test]
fn close_needs_closes_and_exit_price_and_may_inherit_confidence() {
    let close = json!({"type": "close", "asset": "BTC/USD", "closes": CLOSED, "exit_price": 46100});
    let mut parsed = ok(close.clone());
    assert_eq!(parsed.confidence, None);
    assert_eq!(parsed.signal.closes.unwrap().to_string(), CLOSED);
    let original = ok(buy()).signal;
    parsed.inherit_confidence(&original);
    assert_eq!(parsed.signal.confidence.value(), 85);
    let mut given = ok(with(close.clone(), json!({"confidence": 60})));
    given.inherit_confidence(&original);
    assert_eq!(given.signal.confidence.value(), 60);

    assert_eq!(
        error(without(close.clone(), "closes")),
        pair("closes", "is required for close signals")
    );
    assert_eq!(
        error(without(close.clone(), "exit_price")),
        pair("exit_price", "is required for close signals")
    );
    assert_eq!(
        error(with(close, json!({"closes": "nope"}))),
        pair("closes", "must be a UUID")
    );
}

#[test]
fn fields_that_do_not_apply_are_rejected() {
    // A close may repeat its original's levels (checked against it at ingest), not a message;
    // what it repeats must still be well-formed.
    let close = json!({"type": "close", "asset": "BTC/USD", "closes": CLOSED, "exit_price": 46100,
        "entry_price": 1, "target_price": "x", "stop_loss": 1, "timeframe": "1H", "message": "m"});
    let close_errors = errors(close);
    assert_eq!(close_errors.len(), 2, "{close_errors:?}");
    assert_eq!(close_errors["message"], "not allowed for close signals");
    assert!(close_errors.contains_key("target_price"));
    let alert = json!({"type": "alert", "asset": "BTC/USD", "message": "Flash crash", "confidence": 90,
        "entry_price": 1, "exit_price": 2, "closes": CLOSED});
    let alert_errors = errors(alert);
    assert_eq!(alert_errors.len(), 3);
    assert_eq!(alert_errors["entry_price"], "not allowed for alert signals");
    let buy_errors = errors(with(
        buy(),
        json!({"exit_price": 1, "message": "x", "closes": CLOSED}),
    ));
    assert_eq!(buy_errors["message"], "not allowed for buy signals");
    assert_eq!(buy_errors.len(), 3);
}

#[test]
fn a_close_may_repeat_its_original_but_not_contradict_it() {
    let original = ok(with(buy(), json!({"source_model": "lstm-v3"}))).signal;
    let repeat = |extra: serde_json::Value| {
        let close =
            json!({"type": "close", "asset": "BTC/USD", "closes": CLOSED, "exit_price": 46100});
        ok(with(close, extra))
    };
    let same = repeat(
        json!({"entry_price": 45250.0, "target_price": 46500, "stop_loss": 44500,
        "timeframe": "1H", "source_model": "lstm-v3"}),
    );
    assert!(same.contradictions(&original).is_empty());
    // What it repeated stays out of the close itself.
    assert_eq!(same.signal.entry_price, None);
    assert_eq!(same.signal.timeframe, None);
    assert!(
        same.canonical.contains("\"timeframe\":\"1H\""),
        "{}",
        same.canonical
    );
    let other =
        repeat(json!({"entry_price": 45000, "timeframe": "4H", "source_model": "other-v1"}));
    let contradictions = other.contradictions(&original);
    assert_eq!(
        contradictions
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["entry_price", "source_model", "timeframe"]
    );
    assert_eq!(
        contradictions["entry_price"],
        "does not match the closed signal (45250)"
    );
}
