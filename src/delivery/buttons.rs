//! The buttons under a signal message: their callback data (read back by `bot::callbacks`, whose
//! tests hold every value to Telegram's 64 bytes) and which a message of each type carries.
//!
//! - buy, sell: `✅ I took it` (opens a position), `📈 Chart` (its chart with the latest prices)
//!   and `🔕 Mute <asset>` in the first row, the copy buttons for entry, target and stop
//!   (`copy_text`: the client copies, the bot hears nothing) in the second;
//! - close: `✅ Got it`, and `📤 Share` once the buy or sell it closes has a result;
//! - alert: `✅ Got it` and `🔕 Mute <asset>`.
//!
//! Every callback button's first tap marks the delivery read.

use std::sync::Arc;

use uuid::Uuid;

use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::sharing::share_query;
use crate::domain::signal::{Asset, Signal, SignalKind};

/// `ack:<signal id, 32 hex>` (36 bytes): `✅ Got it`.
pub fn ack_data(signal_id: Uuid) -> String {
    format!("ack:{}", signal_id.simple())
}

pub fn parse_ack_data(data: &str) -> Option<Uuid> {
    data.strip_prefix("ack:")
        .and_then(|id| Uuid::try_parse(id).ok())
}

/// `took:<signal id, 32 hex>` (37 bytes): `✅ I took it`.
pub fn took_data(signal_id: Uuid) -> String {
    format!("took:{}", signal_id.simple())
}

/// `chart:<signal id, 32 hex>` (38 bytes): `📈 Chart`.
pub fn chart_data(signal_id: Uuid) -> String {
    format!("chart:{}", signal_id.simple())
}

pub fn parse_chart_data(data: &str) -> Option<Uuid> {
    data.strip_prefix("chart:")
        .and_then(|id| Uuid::try_parse(id).ok())
}

/// `mute:<asset>` (at most 5 + 32 bytes): `🔕 Mute <asset>`.
pub fn mute_data(asset: &Asset) -> String {
    format!("mute:{asset}")
}

/// A button: its label and callback data.
pub type Action = (Arc<str>, Arc<str>);

/// The first row's callback buttons for `signal` in `lang`.
pub fn actions(signal: &Signal, lang: Lang) -> Vec<Action> {
    let mute = || {
        (
            t_args(
                lang,
                "signal-button-mute",
                [("asset", Arg::from(signal.asset.as_str()))],
            )
            .into(),
            mute_data(&signal.asset).into(),
        )
    };
    let ack = || {
        (
            t(lang, "signal-button-ack").into(),
            ack_data(signal.id).into(),
        )
    };
    match signal.kind {
        SignalKind::Buy | SignalKind::Sell => vec![
            (
                t(lang, "signal-button-took").into(),
                took_data(signal.id).into(),
            ),
            (
                t(lang, "signal-button-chart").into(),
                chart_data(signal.id).into(),
            ),
            mute(),
        ],
        SignalKind::Alert => vec![ack(), mute()],
        SignalKind::Close => vec![ack()],
    }
}

/// A close announces a result: once a buy or sell is closed it may be shared (its outcome was
/// recorded with the close, so the inline answer finds it).
pub fn share_button(signal: &Signal, original: Option<&Signal>, lang: Lang) -> Option<Action> {
    let original = original.filter(|o| matches!(o.kind, SignalKind::Buy | SignalKind::Sell))?;
    (signal.kind == SignalKind::Close).then(|| {
        (
            t(lang, "share-button").into(),
            share_query(original.id).into(),
        )
    })
}

/// 📋 Entry / Target / Stop under a buy or sell: the price as the engine wrote it, ready to paste
/// into an exchange's order form.
pub fn copy_buttons(signal: &Signal, lang: Lang) -> Vec<Action> {
    if !matches!(signal.kind, SignalKind::Buy | SignalKind::Sell) {
        return Vec::new();
    }
    [
        ("signal-copy-entry", signal.entry_price),
        ("signal-copy-target", signal.target_price),
        ("signal-copy-stop", signal.stop_loss),
    ]
    .into_iter()
    .filter_map(|(key, price)| {
        let price = price?;
        Some((t(lang, key).into(), price.value().to_string().into()))
    })
    .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ack_data_round_trips_within_telegrams_limit() {
        let id = Uuid::now_v7();
        let data = ack_data(id);
        assert!(data.len() <= 64);
        assert_eq!(parse_ack_data(&data), Some(id));
        assert_eq!(parse_ack_data("ack:nonsense"), None);
        assert_eq!(parse_ack_data("other"), None);
    }

    #[test]
    fn chart_data_round_trips() {
        let id = Uuid::now_v7();
        assert_eq!(parse_chart_data(&chart_data(id)), Some(id));
        assert_eq!(parse_ack_data(&chart_data(id)), None);
        assert_eq!(parse_chart_data(&ack_data(id)), None);
        assert_eq!(parse_chart_data("chart:nonsense"), None);
    }

    #[test]
    fn signal_buttons_fit_telegrams_64_bytes_for_the_longest_asset() {
        let longest = Asset::parse(&"A".repeat(Asset::MAX_LEN)).unwrap();
        for data in [
            ack_data(Uuid::max()),
            took_data(Uuid::max()),
            chart_data(Uuid::max()),
            mute_data(&longest),
        ] {
            assert!(!data.is_empty() && data.len() <= 64, "{data}");
        }
    }
}
