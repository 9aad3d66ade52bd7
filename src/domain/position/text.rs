//! What the user reads about their positions, as Telegram HTML: the confirmation of `✅ I took
//! it`, `/positions` (open, and `closed`), the Close question and the "your trades" line of
//! `/performance`. Words come from `locales/*/positions.ftl`; numbers are formatted as signals
//! format them.

use chrono_tz::Tz;

use super::{CloseReason, Pnl, Position, ReplyError, TradeFigures};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::performance::Direction;
use crate::domain::render::{escape, local_time, pct_text, price_text, signed_amount};
use crate::domain::signal::{Asset, Price};

/// At most this many positions in one list, so it stays far inside Telegram's 4096 characters
/// (and its 100 buttons).
pub const MAX_LISTED: usize = 20;

/// `🟢 BUY BTC/USD`.
fn label(lang: Lang, asset: &Asset, direction: Direction) -> String {
    let (icon, key) = match direction {
        Direction::Buy => ("🟢", "signal-direction-buy"),
        Direction::Sell => ("🔴", "signal-direction-sell"),
    };
    format!("{icon} <b>{} {}</b>", t(lang, key), escape(asset.as_str()))
}

/// `0.5`: a size as the user typed it, without trailing zeros.
fn size_text(size: rust_decimal::Decimal) -> String {
    size.normalize().to_string()
}

/// `+2.00% · +$450.00` (the amount only with a size).
fn pnl_text(asset: &Asset, pnl: Pnl) -> String {
    match pnl.amount {
        Some(amount) => format!("{} · {}", pct_text(pnl.pct), signed_amount(asset, amount)),
        None => pct_text(pnl.pct),
    }
}

/// `🟢 BUY BTC/USD · entry $45,100 · size 0.5`.
fn headline(lang: Lang, position: &Position) -> String {
    let mut line = format!(
        "{} · {}",
        label(lang, &position.asset, position.direction),
        t_args(
            lang,
            "position-entry",
            [(
                "price",
                Arg::from(price_text(&position.asset, position.entry))
            )]
        )
    );
    if let Some(size) = position.size {
        line.push_str(" · ");
        line.push_str(&t_args(
            lang,
            "position-size",
            [("size", Arg::from(size_text(size)))],
        ));
    }
    line
}

pub fn reason_text(lang: Lang, reason: CloseReason) -> String {
    t(lang, &format!("position-reason-{}", reason.as_str()))
}

/// The answer to `✅ I took it`: what was recorded, and how to make it the user's own trade.
pub fn opened(lang: Lang, position: &Position) -> String {
    format!(
        "{}\n{}\n\n{}",
        t(lang, "position-opened-title"),
        headline(lang, position),
        t(lang, "position-opened-help")
    )
}

/// After a reply set the user's own entry (and size).
pub fn entry_set(lang: Lang, position: &Position) -> String {
    format!(
        "{}\n{}",
        t(lang, "position-entry-set"),
        headline(lang, position)
    )
}

/// Why a reply was not taken, with what to write instead.
pub fn reply_error(lang: Lang, err: &ReplyError, asset: &Asset) -> String {
    match err {
        ReplyError::Usage => t(lang, "position-reply-usage"),
        ReplyError::Price(word) => t_args(
            lang,
            "position-reply-bad-price",
            [("text", Arg::from(escape(word)))],
        ),
        ReplyError::Size(word) => t_args(
            lang,
            "position-reply-bad-size",
            [("text", Arg::from(escape(word)))],
        ),
        ReplyError::FarFromSignal { low, high } => t_args(
            lang,
            "position-reply-far",
            [
                ("low", Arg::from(price_text(asset, *low))),
                ("high", Arg::from(price_text(asset, *high))),
            ],
        ),
    }
}

/// `/positions`: each open position with its P&L at the asset's last known price.
pub fn open_list(lang: Lang, positions: &[(Position, Option<Price>)]) -> String {
    if positions.is_empty() {
        return t(lang, "positions-none");
    }
    let mut lines = vec![t(lang, "positions-title"), String::new()];
    for (n, (position, last)) in positions.iter().take(MAX_LISTED).enumerate() {
        lines.push(format!("{}. {}", n + 1, headline(lang, position)));
        let now = match last.and_then(|price| Some((price, position.pnl_at(price)?))) {
            Some((price, pnl)) => t_args(
                lang,
                "positions-now",
                [
                    ("price", Arg::from(price_text(&position.asset, price))),
                    ("pnl", Arg::from(pnl_text(&position.asset, pnl))),
                ],
            ),
            None => t(lang, "positions-no-price"),
        };
        lines.push(format!("    {now}"));
    }
    if positions.len() > MAX_LISTED {
        lines.push(t_args(
            lang,
            "positions-more",
            [("count", Arg::from(positions.len() - MAX_LISTED))],
        ));
    }
    lines.push(String::new());
    lines.push(t(lang, "positions-closed-hint"));
    lines.join("\n")
}

/// `/positions closed`: the newest closed positions with their realized P&L; `older` more exist.
pub fn closed_list(lang: Lang, positions: &[Position], older: usize, tz: Tz) -> String {
    if positions.is_empty() {
        return t(lang, "positions-closed-none");
    }
    let mut lines = vec![t(lang, "positions-closed-title"), String::new()];
    for (n, position) in positions.iter().enumerate() {
        let asset = &position.asset;
        let mut line = format!(
            "{}. {} · {}",
            n + 1,
            label(lang, asset, position.direction),
            price_text(asset, position.entry)
        );
        if let Some(exit) = position.exit_price {
            line.push_str(&format!(" → {}", price_text(asset, exit)));
        }
        if let Some(pnl) = position.realized() {
            line.push_str(&format!(" · <b>{}</b>", pnl_text(asset, pnl)));
        }
        lines.push(line);
        let mut detail = Vec::new();
        if let Some(size) = position.size {
            detail.push(t_args(
                lang,
                "position-size",
                [("size", Arg::from(size_text(size)))],
            ));
        }
        if let Some(reason) = position.close_reason {
            detail.push(reason_text(lang, reason));
        }
        if let Some(at) = position.closed_at {
            detail.push(local_time(at, tz));
        }
        lines.push(format!("    {}", detail.join(" · ")));
    }
    if older > 0 {
        lines.push(t_args(
            lang,
            "positions-more",
            [("count", Arg::from(older))],
        ));
    }
    lines.join("\n")
}

/// The Close button's question: the price it would close at, and what that makes.
pub fn close_question(lang: Lang, position: &Position, price: Price) -> String {
    let pnl = position
        .pnl_at(price)
        .map(|pnl| pnl_text(&position.asset, pnl))
        .unwrap_or_default();
    format!(
        "{}\n\n{}",
        headline(lang, position),
        t_args(
            lang,
            "position-close-question",
            [
                ("price", Arg::from(price_text(&position.asset, price))),
                ("pnl", Arg::from(pnl)),
            ],
        )
    )
}

/// The answer to a Close: the exit and the result.
pub fn closed_answer(lang: Lang, position: &Position) -> String {
    let (Some(exit), Some(pnl)) = (position.exit_price, position.realized()) else {
        return t(lang, "position-gone");
    };
    t_args(
        lang,
        "position-closed-answer",
        [
            ("price", Arg::from(price_text(&position.asset, exit))),
            ("pnl", Arg::from(pnl_text(&position.asset, pnl))),
        ],
    )
}

/// `💼 Your trades: 3 closed · win rate 67% · total +4.20% · best +3.10% · worst -1.10%`.
pub fn trades_line(lang: Lang, figures: &TradeFigures) -> String {
    let rate = format!("{:.0}%", figures.win_rate_pct().clamp(0.0, 100.0));
    t_args(
        lang,
        "perf-your-trades",
        [
            ("count", Arg::from(figures.count)),
            ("rate", Arg::from(rate)),
            ("total", Arg::from(pct_text(figures.total_pct))),
            ("best", Arg::from(pct_text(figures.best_pct))),
            ("worst", Arg::from(pct_text(figures.worst_pct))),
        ],
    )
}
