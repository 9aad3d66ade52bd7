//! Golden messages: every type × format × language, compared in full.
//! The alert cases carry the "possible repeat" notice and an empty performance history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{alert, close, ctx, render, seed, seed_with_metadata, sell, similar};
use super::*;

/// (signal, context, [en detailed, en compact, es detailed, es compact])
fn cases() -> Vec<(&'static str, Signal, RenderContext, [&'static str; 4])> {
    let full = RenderContext {
        similar: similar(64.0, 48, SimilarScope::ModelAssetDirection),
        ..ctx()
    };
    let broad = RenderContext {
        similar: similar(58.3, 120, SimilarScope::ModelDirection),
        ..ctx()
    };
    let with_original = RenderContext {
        original: Some(seed()),
        ..ctx()
    };
    let repeat = RenderContext {
        maybe_repeat: true,
        similar: similar(0.0, 0, SimilarScope::ModelDirection),
        ..ctx()
    };
    vec![
        (
            "buy",
            seed_with_metadata(),
            full,
            [
                EN_DETAILED_BUY,
                EN_COMPACT_BUY,
                ES_DETAILED_BUY,
                ES_COMPACT_BUY,
            ],
        ),
        (
            "sell",
            sell(),
            broad,
            [
                EN_DETAILED_SELL,
                EN_COMPACT_SELL,
                ES_DETAILED_SELL,
                ES_COMPACT_SELL,
            ],
        ),
        (
            "close",
            close(),
            with_original,
            [
                EN_DETAILED_CLOSE,
                EN_COMPACT_CLOSE,
                ES_DETAILED_CLOSE,
                ES_COMPACT_CLOSE,
            ],
        ),
        (
            "close without original",
            close(),
            ctx(),
            [
                EN_DETAILED_CLOSE_NO_ORIGINAL,
                EN_COMPACT_CLOSE_NO_ORIGINAL,
                ES_DETAILED_CLOSE_NO_ORIGINAL,
                ES_COMPACT_CLOSE_NO_ORIGINAL,
            ],
        ),
        (
            "alert",
            alert(),
            repeat,
            [
                EN_DETAILED_ALERT_REPEAT,
                EN_COMPACT_ALERT_REPEAT,
                ES_DETAILED_ALERT_REPEAT,
                ES_COMPACT_ALERT_REPEAT,
            ],
        ),
    ]
}

#[test]
fn every_type_format_and_language_matches_its_golden_message() {
    let combos = [
        (Lang::En, MessageFormat::Detailed),
        (Lang::En, MessageFormat::Compact),
        (Lang::Es, MessageFormat::Detailed),
        (Lang::Es, MessageFormat::Compact),
    ];
    for (name, signal, ctx, expected) in cases() {
        for ((lang, format), expected) in combos.iter().zip(expected) {
            let actual = render(&signal, *lang, *format, &ctx);
            assert_eq!(actual, expected, "{name} {lang:?} {format:?}");
        }
    }
}

#[test]
fn the_signal_list_matches_its_golden_message() {
    let signals = [seed(), sell(), close(), alert()];
    let madrid = chrono_tz::Europe::Madrid;
    assert_eq!(render_signal_list(&signals, Lang::En, madrid), EN_LIST);
    assert_eq!(render_signal_list(&signals, Lang::Es, madrid), ES_LIST);
}

const EN_DETAILED_BUY: &str = r#"🚨 <b>TRADING SIGNAL: BUY BTC/USD</b> 🚨

📊 Signal Details:
- Direction: BUY
- Asset: BTC/USD
- Entry Price: $45,250
- Target Price: $46,500 (+2.76%)
- Stop Loss: $44,500 (-1.66%)
- Timeframe: 1H

📈 Signal Confidence: 85%
🤖 Model: lstm-v3
🌐 Market: Trending, high volume
🏆 Similar signals: 64% win rate (48 closed)
⏱️ Signal Generated: 2023-06-15 14:30:45 UTC

📝 Notes:
- Strong bullish momentum detected
- Breaking above key resistance level
- Increasing volume supporting the move

#BTC #Trading #Signal"#;

const EN_DETAILED_SELL: &str = r#"🚨 <b>TRADING SIGNAL: SELL EUR/USD</b> 🚨

📊 Signal Details:
- Direction: SELL
- Asset: EUR/USD
- Entry Price: $1.08523
- Target Price: $1.07900 (-0.57%)
- Stop Loss: $1.08800 (+0.26%)
- Timeframe: 4H

📈 Signal Confidence: 72%
🤖 Model: gbm-fx
🏆 Similar signals: 58% win rate (120 closed, same model on all assets)
⏱️ Signal Generated: 2023-06-15 09:05:00 UTC

#EUR #Trading #Signal"#;

const EN_DETAILED_CLOSE: &str = r#"✅ <b>CLOSE SIGNAL: BTC/USD</b> ✅

📊 Close Details:
- Position: BUY
- Asset: BTC/USD
- Entry Price: $45,250
- Exit Price: $46,100
- Result: +1.88% (profit)

📈 Signal Confidence: 85%
🤖 Model: lstm-v3
⏱️ Signal Generated: 2023-06-15 18:02:10 UTC

📝 Notes:
- Momentum fading

#BTC #Trading #Signal"#;

const EN_DETAILED_CLOSE_NO_ORIGINAL: &str = r#"⚪ <b>CLOSE SIGNAL: BTC/USD</b> ⚪

📊 Close Details:
- Asset: BTC/USD
- Exit Price: $46,100

📈 Signal Confidence: 85%
🤖 Model: lstm-v3
⏱️ Signal Generated: 2023-06-15 18:02:10 UTC

📝 Notes:
- Momentum fading

#BTC #Trading #Signal"#;

const EN_DETAILED_ALERT_REPEAT: &str = r#"⚠️ <i>Possible repeat: this signal may already have reached you; it is the same signal, not a new one.</i>

⚠️ <b>MARKET ALERT: BTC/USD</b> ⚠️

Flash crash on major exchanges.
Spreads &lt;wide&gt; &amp; liquidity thin

🕐 Timeframe: 5m
📈 Signal Confidence: 90%
🌐 Market: High volatility
🏆 No closed similar signals yet
⏱️ Signal Generated: 2023-06-15 19:45:00 UTC

#BTC #Trading #Signal"#;

const EN_COMPACT_BUY: &str = r#"🟢 <b>BUY BTC/USD</b> @ $45,250 → $46,500 (+2.76%) · SL $44,500 (-1.66%) · 1H · 85%
🤖 lstm-v3 · 🌐 Trending, high volume · 🏆 64% win rate (48 closed)"#;

const EN_COMPACT_SELL: &str = r#"🔴 <b>SELL EUR/USD</b> @ $1.08523 → $1.07900 (-0.57%) · SL $1.08800 (+0.26%) · 4H · 72%
🤖 gbm-fx · 🏆 58% win rate (120 closed, same model on all assets)"#;

const EN_COMPACT_CLOSE: &str = r#"✅ <b>CLOSE BTC/USD</b> — exit $46,100 (+1.88% vs entry $45,250) · 85%
🤖 lstm-v3"#;

const EN_COMPACT_CLOSE_NO_ORIGINAL: &str = r#"⚪ <b>CLOSE BTC/USD</b> — exit $46,100 · 85%
🤖 lstm-v3"#;

const EN_COMPACT_ALERT_REPEAT: &str = r#"⚠️ <i>Possible repeat: this signal may already have reached you; it is the same signal, not a new one.</i>
⚠️ <b>ALERT BTC/USD</b> · 5m · 90%
Flash crash on major exchanges.
Spreads &lt;wide&gt; &amp; liquidity thin
🌐 High volatility · 🏆 No closed similar signals yet"#;

const EN_LIST: &str = r#"📋 <b>Latest signals</b>

⚠️ <b>ALERT BTC/USD</b> · 5m · 90% — Flash crash on major exchanges. Spreads &lt;wide&gt; &amp; liquidity… · 🕒 2023-06-15 21:45 CEST
⚪ <b>CLOSE BTC/USD</b> — exit $46,100 · 85% · 🕒 2023-06-15 20:02 CEST
🟢 <b>BUY BTC/USD</b> @ $45,250 → $46,500 (+2.76%) · SL $44,500 (-1.66%) · 1H · 85% · 🕒 2023-06-15 16:30 CEST
🔴 <b>SELL EUR/USD</b> @ $1.08523 → $1.07900 (-0.57%) · SL $1.08800 (+0.26%) · 4H · 72% · 🕒 2023-06-15 11:05 CEST"#;

const ES_DETAILED_BUY: &str = r#"🚨 <b>SEÑAL DE TRADING: COMPRA BTC/USD</b> 🚨

📊 Detalles de la señal:
- Dirección: COMPRA
- Activo: BTC/USD
- Precio de entrada: $45,250
- Precio objetivo: $46,500 (+2.76%)
- Stop loss: $44,500 (-1.66%)
- Temporalidad: 1H

📈 Confianza de la señal: 85%
🤖 Modelo: lstm-v3
🌐 Mercado: Trending, high volume
🏆 Señales similares: 64% de aciertos (48 cerradas)
⏱️ Señal generada: 2023-06-15 14:30:45 UTC

📝 Notas:
- Strong bullish momentum detected
- Breaking above key resistance level
- Increasing volume supporting the move

#BTC #Trading #Señal"#;

const ES_DETAILED_SELL: &str = r#"🚨 <b>SEÑAL DE TRADING: VENTA EUR/USD</b> 🚨

📊 Detalles de la señal:
- Dirección: VENTA
- Activo: EUR/USD
- Precio de entrada: $1.08523
- Precio objetivo: $1.07900 (-0.57%)
- Stop loss: $1.08800 (+0.26%)
- Temporalidad: 4H

📈 Confianza de la señal: 72%
🤖 Modelo: gbm-fx
🏆 Señales similares: 58% de aciertos (120 cerradas, mismo modelo en todos los activos)
⏱️ Señal generada: 2023-06-15 09:05:00 UTC

#EUR #Trading #Señal"#;

const ES_DETAILED_CLOSE: &str = r#"✅ <b>CIERRE DE SEÑAL: BTC/USD</b> ✅

📊 Detalles del cierre:
- Posición: COMPRA
- Activo: BTC/USD
- Precio de entrada: $45,250
- Precio de salida: $46,100
- Resultado: +1.88% (ganancia)

📈 Confianza de la señal: 85%
🤖 Modelo: lstm-v3
⏱️ Señal generada: 2023-06-15 18:02:10 UTC

📝 Notas:
- Momentum fading

#BTC #Trading #Señal"#;

const ES_DETAILED_CLOSE_NO_ORIGINAL: &str = r#"⚪ <b>CIERRE DE SEÑAL: BTC/USD</b> ⚪

📊 Detalles del cierre:
- Activo: BTC/USD
- Precio de salida: $46,100

📈 Confianza de la señal: 85%
🤖 Modelo: lstm-v3
⏱️ Señal generada: 2023-06-15 18:02:10 UTC

📝 Notas:
- Momentum fading

#BTC #Trading #Señal"#;

const ES_DETAILED_ALERT_REPEAT: &str = r#"⚠️ <i>Posible repetición: puede que esta señal ya te haya llegado; es la misma señal, no una nueva.</i>

⚠️ <b>ALERTA DE MERCADO: BTC/USD</b> ⚠️

Flash crash on major exchanges.
Spreads &lt;wide&gt; &amp; liquidity thin

🕐 Temporalidad: 5m
📈 Confianza de la señal: 90%
🌐 Mercado: High volatility
🏆 Aún no hay señales similares cerradas
⏱️ Señal generada: 2023-06-15 19:45:00 UTC

#BTC #Trading #Señal"#;

const ES_COMPACT_BUY: &str = r#"🟢 <b>COMPRA BTC/USD</b> @ $45,250 → $46,500 (+2.76%) · SL $44,500 (-1.66%) · 1H · 85%
🤖 lstm-v3 · 🌐 Trending, high volume · 🏆 64% de aciertos (48 cerradas)"#;

const ES_COMPACT_SELL: &str = r#"🔴 <b>VENTA EUR/USD</b> @ $1.08523 → $1.07900 (-0.57%) · SL $1.08800 (+0.26%) · 4H · 72%
🤖 gbm-fx · 🏆 58% de aciertos (120 cerradas, mismo modelo en todos los activos)"#;

const ES_COMPACT_CLOSE: &str = r#"✅ <b>CIERRE BTC/USD</b> — salida $46,100 (+1.88% frente a la entrada $45,250) · 85%
🤖 lstm-v3"#;

const ES_COMPACT_CLOSE_NO_ORIGINAL: &str = r#"⚪ <b>CIERRE BTC/USD</b> — salida $46,100 · 85%
🤖 lstm-v3"#;

const ES_COMPACT_ALERT_REPEAT: &str = r#"⚠️ <i>Posible repetición: puede que esta señal ya te haya llegado; es la misma señal, no una nueva.</i>
⚠️ <b>ALERTA BTC/USD</b> · 5m · 90%
Flash crash on major exchanges.
Spreads &lt;wide&gt; &amp; liquidity thin
🌐 High volatility · 🏆 Aún no hay señales similares cerradas"#;

const ES_LIST: &str = r#"📋 <b>Últimas señales</b>

⚠️ <b>ALERTA BTC/USD</b> · 5m · 90% — Flash crash on major exchanges. Spreads &lt;wide&gt; &amp; liquidity… · 🕒 2023-06-15 21:45 CEST
⚪ <b>CIERRE BTC/USD</b> — salida $46,100 · 85% · 🕒 2023-06-15 20:02 CEST
🟢 <b>COMPRA BTC/USD</b> @ $45,250 → $46,500 (+2.76%) · SL $44,500 (-1.66%) · 1H · 85% · 🕒 2023-06-15 16:30 CEST
🔴 <b>VENTA EUR/USD</b> @ $1.08523 → $1.07900 (-0.57%) · SL $1.08800 (+0.26%) · 4H · 72% · 🕒 2023-06-15 11:05 CEST"#;
