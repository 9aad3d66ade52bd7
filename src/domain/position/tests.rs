#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::domain::i18n::Lang;
use crate::domain::signal::decimal_from_json;

fn d(text: &str) -> Decimal {
    decimal_from_json(text).unwrap()
}

fn p(text: &str) -> Price {
    Price::new(d(text)).unwrap()
}

fn position(direction: Direction, entry: &str, size: Option<&str>) -> Position {
    Position {
        id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
        signal_id: Uuid::now_v7(),
        asset: Asset::parse("BTC/USD").unwrap(),
        direction,
        entry: p(entry),
        size: size.map(d),
        opened_at: Utc::now(),
        closed_at: None,
        exit_price: None,
        close_reason: None,
        message_id: None,
    }
}

#[test]
fn a_buy_gains_when_the_price_rises_and_a_sell_when_it_falls() {
    let buy = position(Direction::Buy, "45000", Some("0.5"));
    assert_eq!(
        buy.pnl_at(p("45900")),
        Some(Pnl {
            pct: d("2"),
            amount: Some(d("450"))
        })
    );
    let sell = position(Direction::Sell, "2000", None);
    let pnl = sell.pnl_at(p("2100")).unwrap();
    assert_eq!((pnl.pct, pnl.amount), (d("-5"), None));
}

#[test]
fn replies_take_a_price_and_an_optional_size() {
    let signal = p("45250");
    assert_eq!(
        parse_reply("45100", signal),
        Ok(EntryReply {
            entry: p("45100"),
            size: None
        })
    );
    assert_eq!(
        parse_reply("  $45100.5   0.25 ", signal),
        Ok(EntryReply {
            entry: p("45100.5"),
            size: Some(d("0.25"))
        })
    );
    for (text, err) in [
        ("", ReplyError::Usage),
        ("45100 0.5 extra", ReplyError::Usage),
        ("lots", ReplyError::Price("lots".into())),
        ("45,100", ReplyError::Price("45,100".into())),
        ("-45100", ReplyError::Price("-45100".into())),
        ("0", ReplyError::Price("0".into())),
        ("1e5", ReplyError::Price("1e5".into())),
        ("45100 0", ReplyError::Size("0".into())),
        ("45100 half", ReplyError::Size("half".into())),
    ] {
        assert_eq!(parse_reply(text, signal), Err(err), "{text:?}");
    }
    assert_eq!(
        parse_reply("4510", signal),
        Err(ReplyError::FarFromSignal {
            low: p("22625"),
            high: p("90500")
        }),
        "a digit short is a typo, not a trade"
    );
}

#[test]
fn figures_count_only_results() {
    let closed = |entry: &str, exit: &str| Position {
        closed_at: Some(Utc::now()),
        exit_price: Some(p(exit)),
        close_reason: Some(CloseReason::Signal(OutcomeReason::Target)),
        ..position(Direction::Buy, entry, None)
    };
    assert_eq!(trade_figures(&[]), None);
    assert_eq!(trade_figures(&[position(Direction::Buy, "1", None)]), None);
    let figures = trade_figures(&[
        closed("100", "110"),
        closed("100", "95"),
        closed("200", "210"),
    ])
    .unwrap();
    assert_eq!(figures.count, 3);
    assert_eq!(figures.wins, 2);
    assert_eq!(figures.total_pct, d("10"));
    assert_eq!((figures.best_pct, figures.worst_pct), (d("10"), d("-5")));
    assert_eq!(
        trades_line(Lang::En, &figures),
        "💼 Your trades: 3 closed · win rate 67% · total +10.00% · best +10.00% · worst -5.00%"
    );
}

#[test]
fn lists_show_entry_size_and_pnl_in_both_languages() {
    let open = position(Direction::Buy, "45000", Some("0.5"));
    let text = open_list(Lang::En, &[(open.clone(), Some(p("45900")))]);
    assert!(
        text.contains("1. 🟢 <b>BUY BTC/USD</b> · entry $45,000 · size 0.5"),
        "{text}"
    );
    assert!(
        text.contains("now $45,900: <b>+2.00% · +$450.00</b>"),
        "{text}"
    );
    let spanish = open_list(Lang::Es, &[(open, None)]);
    assert!(spanish.contains("COMPRA BTC/USD"), "{spanish}");
    assert!(!spanish.contains("Unknown localization"), "{spanish}");
    let closed = Position {
        closed_at: Some(Utc::now()),
        exit_price: Some(p("46500")),
        close_reason: Some(CloseReason::Signal(OutcomeReason::Target)),
        ..position(Direction::Buy, "45000", None)
    };
    let text = closed_list(Lang::En, &[closed], 0, chrono_tz::Tz::UTC);
    assert!(text.contains("$45,000 → $46,500 · <b>+3.33%</b>"), "{text}");
    assert!(text.contains("target hit"), "{text}");
    for lang in Lang::ALL {
        for reason in CloseReason::all() {
            let text = reason_text(lang, reason);
            assert!(!text.contains("Unknown localization"), "{reason:?}: {text}");
        }
    }
}

#[test]
fn close_reasons_round_trip() {
    for reason in CloseReason::all() {
        assert_eq!(CloseReason::parse(reason.as_str()), Some(reason));
    }
    assert_eq!(CloseReason::all().count(), 6);
    assert_eq!(CloseReason::parse("nope"), None);
}
