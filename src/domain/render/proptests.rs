//! Any text in any free-text field yields valid Telegram HTML under the length limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::html::check_telegram_html;
use super::tests::{alert, close, seed_with_metadata, sell};
use super::*;

/// Plain Unicode, and text dense in what breaks HTML or layouts: `< > & "`, entity look-alikes,
/// underscores, emoji (2 UTF-16 units), right-to-left scripts and overrides, newlines.
fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[<>&\"_;#a-z0-9 \n😀🚀\u{202E}\u{200F}\u{05D0}\u{05D1}\u{0627}\u{0644}é]{0,120}",
        "&(amp|lt|gt|quot|nbsp|#[0-9]{1,6}|#x[0-9a-f]{1,5});?[<>]{0,3}",
        // Long enough to force note trimming and, beyond the ingest limits, clipping.
        "[😀a&<]{150,1500}",
    ]
}

fn base_signal() -> impl Strategy<Value = Signal> {
    prop_oneof![
        Just(seed_with_metadata()),
        Just(sell()),
        Just(close()),
        Just(alert()),
    ]
}

fn context() -> impl Strategy<Value = RenderContext> {
    let similar = prop_oneof![
        Just(None),
        (any::<f64>(), any::<u32>(), any::<bool>()).prop_map(|(rate, closed, narrow)| {
            Some(SimilarStats {
                win_rate_pct: rate,
                closed,
                scope: if narrow {
                    SimilarScope::ModelAssetDirection
                } else {
                    SimilarScope::ModelDirection
                },
            })
        }),
    ];
    let original = prop_oneof![
        Just(None),
        Just(Some(seed_with_metadata())),
        Just(Some(sell()))
    ];
    // Reported notes are at most 200 characters (`performance::requests`).
    let outcome = prop_oneof![
        Just(None),
        (
            prop::sample::select(crate::domain::performance::OutcomeReason::ALL.to_vec()),
            prop::option::of("[<>&\"a-z 😀\u{202E}]{0,200}"),
        )
            .prop_map(|(reason, note)| Some(OutcomeNote { reason, note })),
    ];
    (similar, original, any::<bool>(), outcome).prop_map(
        |(similar, original, maybe_repeat, outcome)| RenderContext {
            similar,
            original,
            maybe_repeat,
            outcome,
        },
    )
}

/// `max_notes`: the list never shows notes, so its signals skip generating them (it is slow).
fn signal(max_notes: usize) -> impl Strategy<Value = Signal> {
    (
        base_signal(),
        proptest::option::of(free_text()),
        proptest::option::of(free_text()),
        proptest::option::of(free_text()),
        proptest::collection::vec(free_text(), 0..=max_notes),
    )
        .prop_map(|(mut signal, model, market, message, notes)| {
            signal.source_model = model;
            signal.market_context = market;
            if signal.kind == SignalKind::Alert {
                signal.message = message.or(signal.message);
            }
            signal.notes = notes;
            signal
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_free_text_renders_as_valid_html_within_the_limit(
        signal in signal(14),
        ctx in context(),
    ) {
        for lang in Lang::ALL {
            for format in [MessageFormat::Detailed, MessageFormat::Compact] {
                let text = render_signal(&signal, lang, format, &ctx).text;
                if let Err(problem) = check_telegram_html(&text) {
                    panic!("{problem} in {lang:?} {format:?}:\n{text}");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_list_renders_as_valid_html_within_the_limit(
        signals in proptest::collection::vec(signal(0), 0..60),
    ) {
        for lang in Lang::ALL {
            let text = render_signal_list(&signals, lang, chrono_tz::America::Sao_Paulo);
            if let Err(problem) = check_telegram_html(&text) {
                panic!("{problem} in {lang:?}:\n{text}");
            }
        }
    }
}
