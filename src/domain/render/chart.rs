//! The caption of a chart sent by the `📈 Chart` button: where the price is now against the
//! signal's entry, target and stop.

use chrono::{DateTime, Utc};

use super::{Arg, Lang, escape, format, kind_word, tx_args};
use crate::domain::signal::{Price, Signal};

/// `📈 BTC/USD · BUY · 1H`, the last price against the entry and when it was quoted (UTC, as on
/// the chart's axis), then how far the target and the stop are from it.
pub fn render_chart_caption(
    lang: Lang,
    signal: &Signal,
    last: Price,
    quoted_at: DateTime<Utc>,
) -> String {
    let asset = &signal.asset;
    let mut head = vec![
        escape(asset.as_str()),
        escape(&kind_word(lang, signal.kind)),
    ];
    if let Some(timeframe) = signal.timeframe {
        head.push(timeframe.as_str().to_owned());
    }
    let mut lines = vec![format!("📈 <b>{}</b>", head.join(" · "))];
    let time = quoted_at.format("%Y-%m-%d %H:%M UTC").to_string();
    let last_text = format::price(asset, last);
    lines.push(match signal.entry_price {
        Some(entry) => match format::result_pct(signal.kind, entry, last) {
            Some(pct) => tx_args(
                lang,
                "chart-caption-last-vs-entry",
                [
                    ("price", Arg::from(last_text)),
                    ("change", Arg::from(format::pct(pct))),
                    ("entry", Arg::from(format::price(asset, entry))),
                    ("time", Arg::from(time)),
                ],
            ),
            None => last_line(lang, last_text, time),
        },
        None => last_line(lang, last_text, time),
    });
    for (emoji, key, level) in [
        ("🎯", "chart-caption-target", signal.target_price),
        ("🛑", "chart-caption-stop", signal.stop_loss),
    ] {
        let Some(level) = level else { continue };
        let away = format::change_pct(last, level).map_or_else(String::new, format::pct);
        lines.push(format!(
            "{emoji} {}",
            tx_args(
                lang,
                key,
                [
                    ("price", Arg::from(format::price(asset, level))),
                    ("away", Arg::from(away)),
                ],
            )
        ));
    }
    lines.join("\n")
}

fn last_line(lang: Lang, price: String, time: String) -> String {
    tx_args(
        lang,
        "chart-caption-last",
        [("price", Arg::from(price)), ("time", Arg::from(time))],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::render::{MAX_CAPTION_UTF16, check_telegram_html, visible_len_utf16};
    use crate::domain::signal::{Asset, Confidence, SignalKind, Timeframe};
    use chrono::TimeZone;
    use rust_decimal::Decimal;

    fn price(text: &str) -> Price {
        Price::new(text.parse::<Decimal>().unwrap()).unwrap()
    }

    fn sell() -> Signal {
        Signal {
            id: uuid::Uuid::now_v7(),
            kind: SignalKind::Sell,
            asset: Asset::parse("EUR/USD").unwrap(),
            entry_price: Some(price("1.08500")),
            target_price: Some(price("1.08000")),
            stop_loss: Some(price("1.08800")),
            timeframe: Some(Timeframe::H4),
            confidence: Confidence::new(70).unwrap(),
            source_model: None,
            market_context: None,
            notes: Vec::new(),
            generated_at: Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap(),
            closes: None,
            exit_price: None,
            message: None,
        }
    }

    #[test]
    fn the_caption_measures_the_last_price_against_every_level() {
        let at = Utc.with_ymd_and_hms(2024, 3, 1, 14, 35, 0).unwrap();
        let caption = render_chart_caption(Lang::En, &sell(), price("1.08250"), at);
        check_telegram_html(&caption).unwrap();
        assert!(visible_len_utf16(&caption) <= MAX_CAPTION_UTF16);
        assert!(
            caption.starts_with("📈 <b>EUR/USD · SELL · 4H</b>"),
            "{caption}"
        );
        // A sell gains as the price falls.
        assert!(caption.contains("+0.23%"), "{caption}");
        assert!(caption.contains("2024-03-01 14:35 UTC"), "{caption}");
        assert!(
            caption.contains("🎯") && caption.contains("-0.23%"),
            "{caption}"
        );
        assert!(
            caption.contains("🛑") && caption.contains("+0.51%"),
            "{caption}"
        );
        let spanish = render_chart_caption(Lang::Es, &sell(), price("1.08250"), at);
        assert_ne!(spanish, caption);
        check_telegram_html(&spanish).unwrap();
    }
}
