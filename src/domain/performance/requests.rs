//! The bodies of `POST /api/signals/{id}/outcome` and `POST /api/prices`, checked field by field
//! like signals are: every problem is reported at once, prices keep their exact decimals.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::value::RawValue;

use crate::domain::signal::{Asset, Price, Signal, decimal_from_json};

pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Not JSON, or not the expected shape at all (400).
    Malformed(String),
    /// Well-formed, but fields break the rules (422).
    Invalid(FieldErrors),
}

/// The most updates one `POST /api/prices` may carry.
pub const MAX_PRICE_BATCH: usize = 1000;
/// The longest reason text a reported outcome may carry.
pub const MAX_REASON_CHARS: usize = 200;

/// An outcome the engine reports for a signal.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedOutcome {
    pub exit_price: Price,
    /// When the position was closed; `None` means now.
    pub closed_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// One market price.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceUpdate {
    pub asset: Asset,
    pub price: Price,
    pub at: DateTime<Utc>,
}

type Fields<'a> = BTreeMap<String, &'a RawValue>;

fn object<'a>(raw: &'a RawValue, what: &str) -> Result<Fields<'a>, String> {
    serde_json::from_str::<Fields<'a>>(raw.get())
        .map_err(|_| format!("{what} must be a JSON object"))
}

fn body_text(body: &[u8]) -> Result<&str, RequestError> {
    std::str::from_utf8(body)
        .map_err(|e| RequestError::Malformed(format!("body is not UTF-8: {e}")))
}

/// Field readers that record problems under `prefix` + field name.
struct Checker<'a> {
    fields: Fields<'a>,
    prefix: String,
    errors: &'a mut FieldErrors,
}

impl<'a> Checker<'a> {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(format!("{}{field}", self.prefix))
            .or_insert_with(|| message.into());
    }

    fn only(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .fields
            .keys()
            .filter(|key| !known.contains(&key.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.fail(&key, "unknown field");
        }
    }

    fn present(&mut self, field: &str, required: bool) -> Option<&'a RawValue> {
        match self.fields.get(field).copied() {
            Some(raw) if raw.get() != "null" => Some(raw),
            _ => {
                if required {
                    self.fail(field, "is required");
                }
                None
            }
        }
    }

    fn price(&mut self, field: &str) -> Option<Price> {
        let raw = self.present(field, true)?;
        let price = decimal_from_json(raw.get()).ok().and_then(Price::new);
        if price.is_none() {
            self.fail(field, "must be a number greater than 0");
        }
        price
    }

    fn string(&mut self, field: &str, required: bool) -> Option<String> {
        let raw = self.present(field, required)?;
        let text = serde_json::from_str::<String>(raw.get()).ok();
        if text.is_none() {
            self.fail(field, "must be a string");
        }
        text
    }

    /// An RFC 3339 time no further ahead of `now` than engine clocks drift.
    fn time(&mut self, field: &str, required: bool, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let text = self.string(field, required)?;
        let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) else {
            self.fail(
                field,
                "must be an RFC 3339 time such as 2024-03-01T14:30:00Z",
            );
            return None;
        };
        let at = at.with_timezone(&Utc);
        if at > now + Duration::seconds(Signal::MAX_FUTURE_SKEW_SECS) {
            self.fail(field, "must not be in the future");
            return None;
        }
        Some(at)
    }
}

/// `{"exit_price": 46100, "closed_at": "…", "reason": "…"}`; `closed_at` and `reason` optional.
pub fn parse_outcome(body: &[u8], now: DateTime<Utc>) -> Result<ReportedOutcome, RequestError> {
    let raw: Box<RawValue> = serde_json::from_str(body_text(body)?)
        .map_err(|e| RequestError::Malformed(e.to_string()))?;
    let fields = object(&raw, "the body").map_err(RequestError::Malformed)?;
    let mut errors = FieldErrors::new();
    let mut check = Checker {
        fields,
        prefix: String::new(),
        errors: &mut errors,
    };
    check.only(&["exit_price", "closed_at", "reason"]);
    let exit_price = check.price("exit_price");
    let closed_at = check.time("closed_at", false, now);
    let reason = check
        .string("reason", false)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        check.fail(
            "reason",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        );
    }
    match exit_price {
        Some(exit_price) if errors.is_empty() => Ok(ReportedOutcome {
            exit_price,
            closed_at,
            reason,
        }),
        _ => Err(RequestError::Invalid(errors)),
    }
}

/// One update `{"asset", "price", "at"}` or a JSON array of up to [`MAX_PRICE_BATCH`] of them.
/// Fields of the n-th update are reported as `prices[n].field`.
pub fn parse_prices(body: &[u8], now: DateTime<Utc>) -> Result<Vec<PriceUpdate>, RequestError> {
    let text = body_text(body)?;
    let raw: Box<RawValue> =
        serde_json::from_str(text).map_err(|e| RequestError::Malformed(e.to_string()))?;
    let (items, batch): (Vec<&RawValue>, bool) = if raw.get().trim_start().starts_with('[') {
        let items: Vec<&RawValue> =
            serde_json::from_str(raw.get()).map_err(|e| RequestError::Malformed(e.to_string()))?;
        (items, true)
    } else {
        (vec![&*raw], false)
    };
    let mut errors = FieldErrors::new();
    if items.is_empty() {
        errors.insert("prices".into(), "must hold at least one update".into());
    }
    if items.len() > MAX_PRICE_BATCH {
        errors.insert(
            "prices".into(),
            format!("at most {MAX_PRICE_BATCH} updates per request"),
        );
        return Err(RequestError::Invalid(errors));
    }
    let mut updates = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let prefix = if batch {
            format!("prices[{index}].")
        } else {
            String::new()
        };
        let fields = match object(item, "each update") {
            Ok(fields) => fields,
            Err(message) if !batch => return Err(RequestError::Malformed(message)),
            Err(message) => {
                errors.insert(format!("prices[{index}]"), message);
                continue;
            }
        };
        let mut check = Checker {
            fields,
            prefix,
            errors: &mut errors,
        };
        check.only(&["asset", "price", "at"]);
        let asset = check.string("asset", true).and_then(|text| {
            Asset::parse(&text)
                .map_err(|message| check.fail("asset", message))
                .ok()
        });
        let price = check.price("price");
        let at = check.time("at", true, now);
        if let (Some(asset), Some(price), Some(at)) = (asset, price, at) {
            updates.push(PriceUpdate { asset, price, at });
        }
    }
    if errors.is_empty() {
        Ok(updates)
    } else {
        Err(RequestError::Invalid(errors))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
    }

    fn invalid(result: Result<impl std::fmt::Debug, RequestError>) -> FieldErrors {
        match result {
            Err(RequestError::Invalid(fields)) => fields,
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn outcomes_keep_exact_prices_and_check_every_field() {
        let ok = parse_outcome(
            br#"{"exit_price": 46100.50, "closed_at": "2024-03-01T11:00:00Z", "reason": " manual "}"#,
            now(),
        )
        .unwrap();
        assert_eq!(ok.exit_price.value().to_string(), "46100.50");
        assert_eq!(
            ok.closed_at,
            Some(Utc.with_ymd_and_hms(2024, 3, 1, 11, 0, 0).unwrap())
        );
        assert_eq!(ok.reason.as_deref(), Some("manual"));
        let minimal = parse_outcome(br#"{"exit_price": 1}"#, now()).unwrap();
        assert_eq!((minimal.closed_at, minimal.reason), (None, None));
        let errors = invalid(parse_outcome(
            br#"{"exit_price": -1, "closed_at": "2030-01-01T00:00:00Z", "reason": 3, "x": 1}"#,
            now(),
        ));
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["closed_at", "exit_price", "reason", "x"]
        );
        let long = format!(r#"{{"exit_price": 1, "reason": "{}"}}"#, "a".repeat(201));
        assert!(invalid(parse_outcome(long.as_bytes(), now())).contains_key("reason"));
        assert!(invalid(parse_outcome(b"{}", now())).contains_key("exit_price"));
        assert!(matches!(
            parse_outcome(b"[1]", now()),
            Err(RequestError::Malformed(_))
        ));
        assert!(matches!(
            parse_outcome(b"{", now()),
            Err(RequestError::Malformed(_))
        ));
    }

    #[test]
    fn prices_come_one_at_a_time_or_in_batches() {
        let one = parse_prices(
            br#"{"asset": "btc/usd", "price": 46500, "at": "2024-03-01T11:59:00Z"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].asset.as_str(), "BTC/USD");
        let batch = parse_prices(
            br#"[{"asset": "ETH/USD", "price": 3000.25, "at": "2024-03-01T11:00:00+01:00"},
                 {"asset": "BTC/USD", "price": 1e4, "at": "2024-03-01T11:59:00Z"}]"#,
            now(),
        )
        .unwrap();
        assert_eq!(
            batch[0].at,
            Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap()
        );
        assert_eq!(batch[1].price.value().to_string(), "10000");
        let errors = invalid(parse_prices(
            br#"[{"asset": "BTC/USD", "price": 0, "at": "yesterday"}, 7, {"asset": "B T C"}]"#,
            now(),
        ));
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [
                "prices[0].at",
                "prices[0].price",
                "prices[1]",
                "prices[2].asset",
                "prices[2].at",
                "prices[2].price"
            ]
        );
        assert!(invalid(parse_prices(b"[]", now())).contains_key("prices"));
        let many = format!(
            "[{}]",
            vec![r#"{"asset":"A","price":1,"at":"2024-03-01T11:00:00Z"}"#; MAX_PRICE_BATCH + 1]
                .join(",")
        );
        assert!(invalid(parse_prices(many.as_bytes(), now())).contains_key("prices"));
        assert!(matches!(
            parse_prices(b"\"x\"", now()),
            Err(RequestError::Malformed(_))
        ));
    }
}
