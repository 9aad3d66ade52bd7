//! The card a user shares through inline mode: asset, direction, entry → exit, the result and
//! the sharer's referral link. Nothing personal about the sharer besides their link.

use chrono::{DateTime, Utc};

use super::{
    Arg, Lang, OutcomeNote, escape, format, kind_word, outcome_text, t, t_args, tx_args,
    visible_len_utf16,
};
use crate::domain::performance::OutcomeReason;
use crate::domain::signal::{Price, Signal};

/// How the shared signal ended; `None` fields for one still open.
#[derive(Debug, Clone, Default)]
pub struct Ending {
    pub exit_price: Option<Price>,
    pub reason: Option<OutcomeReason>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// An inline result: `title` and `description` are plain text (the list the user picks from),
/// `html` the message that is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareCard {
    pub title: String,
    pub description: String,
    pub html: String,
}

/// The card for `signal` (a buy or sell) with `ending`, inviting through `link`.
pub fn render_share_card(lang: Lang, signal: &Signal, ending: &Ending, link: &str) -> ShareCard {
    let direction = kind_word(lang, signal.kind);
    let asset = signal.asset.as_str();
    let result = match (signal.entry_price, ending.exit_price) {
        (Some(entry), Some(exit)) => format::result_pct(signal.kind, entry, exit),
        _ => None,
    };
    let status = match (ending.closed_at, result) {
        (None, _) => t(lang, "share-card-open"),
        (Some(_), Some(pct)) => format::pct(pct),
        (Some(_), None) => t(lang, "share-card-closed-unpriced"),
    };
    let emoji = match result {
        Some(pct) if pct > rust_decimal::Decimal::ZERO => "✅",
        Some(pct) if pct < rust_decimal::Decimal::ZERO => "❌",
        _ => "📊",
    };
    let title = format!("{emoji} {asset} {direction}: {status}");
    let mut lines = vec![format!(
        "{emoji} <b>{} {}</b>: <b>{}</b>",
        escape(asset),
        escape(&direction),
        escape(&status)
    )];
    let entry = signal.entry_price.map(|p| format::price(&signal.asset, p));
    let exit = ending.exit_price.map(|p| format::price(&signal.asset, p));
    // Plain text for the result list; escaped once for the message.
    let prices = match (&entry, &exit) {
        (Some(entry), Some(exit)) => Some(t_args(
            lang,
            "share-card-entry-exit",
            [
                ("entry", Arg::from(entry.as_str())),
                ("exit", Arg::from(exit.as_str())),
            ],
        )),
        (Some(entry), None) => Some(t_args(
            lang,
            "share-card-entry",
            [("entry", Arg::from(entry.as_str()))],
        )),
        _ => None,
    };
    lines.extend(prices.as_deref().map(escape));
    if let (Some(reason), Some(closed_at)) = (ending.reason, ending.closed_at) {
        let note = OutcomeNote { reason, note: None };
        lines.push(outcome_text(lang, &note, ending.exit_price.is_some()));
        lines.push(tx_args(
            lang,
            "share-card-closed-at",
            [("at", Arg::from(format::utc_time(closed_at)))],
        ));
    }
    let invite = tx_args(lang, "share-card-invite", [("link", Arg::from(link))]);
    let html = format!("{}\n\n{invite}", lines.join("\n"));
    debug_assert!(visible_len_utf16(&html) < super::MAX_TEXT_UTF16);
    ShareCard {
        title,
        description: prices.unwrap_or_default(),
        html,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::html::check_telegram_html;
    use super::super::tests::{seed, sell};
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::Decimal;

    fn price(text: &str) -> Option<Price> {
        Price::new(text.parse::<Decimal>().unwrap())
    }

    fn closed(exit: &str, reason: OutcomeReason) -> Ending {
        Ending {
            exit_price: price(exit),
            reason: Some(reason),
            closed_at: Some(Utc.with_ymd_and_hms(2023, 6, 15, 18, 2, 10).unwrap()),
        }
    }

    const LINK: &str = "https://t.me/herald_bot?start=r_Zq8mN2pX";

    #[test]
    fn a_closed_buy_shows_entry_exit_result_and_the_link() {
        let card = render_share_card(
            Lang::En,
            &seed(),
            &closed("46100", OutcomeReason::Close),
            LINK,
        );
        assert_eq!(card.title, "✅ BTC/USD BUY: +1.88%");
        assert_eq!(
            card.html,
            "✅ <b>BTC/USD BUY</b>: <b>+1.88%</b>\nEntry $45,250 → exit $46,100\n\
             🔔 Closed by the signal engine\nClosed 2023-06-15 18:02:10 UTC\n\n\
             Get signals like this from Herald: https://t.me/herald_bot?start=r_Zq8mN2pX"
        );
        assert_eq!(card.description, "Entry $45,250 → exit $46,100");
        check_telegram_html(&card.html).unwrap();
    }

    #[test]
    fn spanish_cards_and_losses_and_open_signals() {
        let card = render_share_card(
            Lang::Es,
            &sell(),
            &closed("1.09", OutcomeReason::Stop),
            LINK,
        );
        assert!(
            card.title.starts_with("❌ EUR/USD VENTA: -0.44%"),
            "{}",
            card.title
        );
        assert!(card.html.contains(LINK), "{}", card.html);
        assert!(
            card.html.contains("Entrada $1.08523 → salida $1.09"),
            "{}",
            card.html
        );
        check_telegram_html(&card.html).unwrap();

        let open = render_share_card(Lang::En, &seed(), &Ending::default(), LINK);
        assert_eq!(open.title, "📊 BTC/USD BUY: still open");
        assert!(open.html.contains("Entry $45,250"), "{}", open.html);
        assert!(!open.html.contains("exit"), "{}", open.html);
    }
}
