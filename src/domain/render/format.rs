//! Numbers, money, times and hashtags as users read them. One formatting for every language
//! (`$45,250.50`, `+2.76%`): traders read prices in the market's convention, and a Spanish
//! `45.250` next to an English `45,250` in the same group chat would be misread.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::signal::{Asset, Price, SignalKind};

/// `$45,250.50`, `€1.08523`, `0.0523 BTC`: the quote currency of the asset decides.
pub fn price(asset: &Asset, price: Price) -> String {
    let number = group_thousands(&price.value().to_string());
    match quote(asset) {
        Quote::Symbol(symbol) => format!("{symbol}{number}"),
        Quote::Code(code) => format!("{number} {code}"),
    }
}

enum Quote<'a> {
    Symbol(&'static str),
    Code(&'a str),
}

/// The part after the last `/`; no `/` (a stock such as `AAPL`) is priced in dollars.
fn quote(asset: &Asset) -> Quote<'_> {
    let code = match asset.as_str().rsplit_once('/') {
        Some((_, code)) if !code.is_empty() => code,
        _ => return Quote::Symbol("$"),
    };
    match code {
        "USD" | "USDT" | "USDC" => Quote::Symbol("$"),
        "EUR" => Quote::Symbol("€"),
        "GBP" => Quote::Symbol("£"),
        "JPY" => Quote::Symbol("¥"),
        other => Quote::Code(other),
    }
}

/// `45250.50` → `45,250.50`; the fraction is left exactly as it came.
fn group_thousands(number: &str) -> String {
    let (int_part, frac_part) = match number.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (number, None),
    };
    let mut grouped = String::with_capacity(number.len() + int_part.len() / 3);
    for (index, digit) in int_part.chars().enumerate() {
        if index > 0 && (int_part.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(frac_part) = frac_part {
        grouped.push('.');
        grouped.push_str(frac_part);
    }
    grouped
}

/// Percent change from `from` to `to`, e.g. entry → target. `None` when it does not fit a
/// `Decimal` (only for absurd price pairs), in which case the percentage is left out.
pub fn change_pct(from: Price, to: Price) -> Option<Decimal> {
    let diff = to.value().checked_sub(from.value())?;
    diff.checked_div(from.value())?
        .checked_mul(Decimal::ONE_HUNDRED)
}

/// What a position made between entry and exit: a sell gains when the price falls.
pub fn result_pct(direction: SignalKind, entry: Price, exit: Price) -> Option<Decimal> {
    let change = change_pct(entry, exit)?;
    Some(if direction == SignalKind::Sell {
        -change
    } else {
        change
    })
}

/// `+$450.00`, `-£3.10`, `+0.00213 BTC`: a profit or loss in the asset's quote currency, to the
/// cent from one unit up, finer below it (a pair quoted in a coin moves in fractions).
pub fn signed_amount(asset: &Asset, value: Decimal) -> String {
    let abs = value.abs();
    let mut shown = if abs >= Decimal::ONE {
        abs.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    } else {
        abs.round_dp_with_strategy(8, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    };
    if shown.scale() < 2 {
        shown.rescale(2);
    }
    let sign = if shown.is_zero() {
        ""
    } else if value > Decimal::ZERO {
        "+"
    } else {
        "-"
    };
    let number = group_thousands(&shown.to_string());
    match quote(asset) {
        Quote::Symbol(symbol) => format!("{sign}{symbol}{number}"),
        Quote::Code(code) => format!("{sign}{number} {code}"),
    }
}

/// `+2.76%`, `-1.66%`, `0.00%`: two decimals, the sign of the unrounded value.
pub fn pct(value: Decimal) -> String {
    let mut rounded = value
        .abs()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    let sign = if value > Decimal::ZERO {
        "+"
    } else if value < Decimal::ZERO {
        "-"
    } else {
        ""
    };
    format!("{sign}{rounded}%")
}

/// A win rate as a whole percentage, clamped so that bad statistics never print `NaN%`.
pub fn win_rate(value: f64) -> String {
    let clamped = if value.is_finite() {
        value.clamp(0.0, 100.0)
    } else {
        0.0
    };
    format!("{clamped:.0}")
}

/// The seed's `2023-06-15 14:30:45 UTC`.
pub fn utc_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A time in the user's zone, with the zone's abbreviation: `2023-06-15 16:30 CEST`.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// `#BTC` for `BTC/USD`: the base asset only, as the seed shows, kept to the characters a
/// Telegram hashtag holds (letters, digits, `_`). `None` when nothing is left.
pub fn asset_hashtag(asset: &Asset) -> Option<String> {
    let base = asset.as_str().split('/').next().unwrap_or_default();
    let tag: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!tag.is_empty()).then(|| format!("#{tag}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::domain::signal::decimal_from_json;

    fn p(text: &str) -> Price {
        Price::new(decimal_from_json(text).unwrap()).unwrap()
    }

    fn a(text: &str) -> Asset {
        Asset::parse(text).unwrap()
    }

    #[test]
    fn amounts_carry_their_sign_and_quote_currency() {
        let d = |text: &str| decimal_from_json(text).unwrap();
        assert_eq!(signed_amount(&a("BTC/USD"), d("450")), "+$450.00");
        assert_eq!(signed_amount(&a("BTC/USD"), d("-1234.567")), "-$1,234.57");
        assert_eq!(signed_amount(&a("EUR/GBP"), d("-3.1")), "-£3.10");
        assert_eq!(signed_amount(&a("ETH/BTC"), d("0.002130")), "+0.00213 BTC");
        assert_eq!(signed_amount(&a("AAPL"), d("0")), "$0.00");
        assert_eq!(signed_amount(&a("BTC/USD"), d("-0.000000001")), "$0.00");
    }

    #[test]
    fn prices_get_separators_symbols_and_keep_precision() {
        let usd = a("BTC/USD");
        assert_eq!(price(&usd, p("45250")), "$45,250");
        assert_eq!(price(&usd, p("45250.50")), "$45,250.50");
        assert_eq!(price(&usd, p("1234567.125")), "$1,234,567.125");
        assert_eq!(price(&usd, p("999")), "$999");
        assert_eq!(price(&usd, p("0.00001")), "$0.00001");
        assert_eq!(price(&a("EUR/USD"), p("1.08523")), "$1.08523");
        assert_eq!(price(&a("BTC/USDT"), p("100000")), "$100,000");
        assert_eq!(price(&a("ETH/USDC"), p("3000")), "$3,000");
        assert_eq!(price(&a("BTC/EUR"), p("41000")), "€41,000");
        assert_eq!(price(&a("EUR/GBP"), p("0.85")), "£0.85");
        assert_eq!(price(&a("USD/JPY"), p("141.25")), "¥141.25");
        assert_eq!(price(&a("ETH/BTC"), p("0.0523")), "0.0523 BTC");
        assert_eq!(price(&a("AAPL"), p("189.5")), "$189.5");
        assert_eq!(price(&a("BTC/"), p("1")), "$1");
    }

    #[test]
    fn percentages_are_signed_with_two_decimals() {
        let entry = p("45250");
        assert_eq!(pct(change_pct(entry, p("46500")).unwrap()), "+2.76%");
        assert_eq!(pct(change_pct(entry, p("44500")).unwrap()), "-1.66%");
        assert_eq!(pct(change_pct(entry, p("46100")).unwrap()), "+1.88%");
        assert_eq!(pct(change_pct(entry, entry).unwrap()), "0.00%");
        assert_eq!(pct(change_pct(p("100"), p("100.001")).unwrap()), "+0.00%");
        assert_eq!(pct(change_pct(p("1"), p("3")).unwrap()), "+200.00%");
        let sell = result_pct(SignalKind::Sell, entry, p("44000")).unwrap();
        assert_eq!(pct(sell), "+2.76%");
        assert_eq!(
            change_pct(p("0.0000000000000000000000000001"), p("9e27")),
            None
        );
    }

    #[test]
    fn win_rates_hashtags_and_times() {
        assert_eq!(win_rate(64.4), "64");
        assert_eq!(win_rate(f64::NAN), "0");
        assert_eq!(win_rate(120.0), "100");
        assert_eq!(asset_hashtag(&a("BTC/USD")).unwrap(), "#BTC");
        assert_eq!(asset_hashtag(&a("BRK.B")).unwrap(), "#BRKB");
        assert_eq!(asset_hashtag(&a("/USD")), None);
        let at = DateTime::parse_from_rfc3339("2023-06-15T14:30:45Z")
            .unwrap()
            .to_utc();
        assert_eq!(utc_time(at), "2023-06-15 14:30:45 UTC");
        assert_eq!(
            local_time(at, chrono_tz::Europe::Madrid),
            "2023-06-15 16:30 CEST"
        );
    }
}
