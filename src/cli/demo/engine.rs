//! The simulated signal engine: a realistic signal every few seconds, closing some earlier ones.

use std::time::Duration;

use rand::Rng;
use rand::seq::IndexedRandom;
use tokio_util::sync::CancellationToken;

/// Posts a realistic signal every `interval` seconds, closing some earlier ones.
pub(super) async fn simulate(api: String, api_key: String, interval: u64, stop: CancellationToken) {
    let client = reqwest::Client::new();
    let mut open: Vec<OpenTrade> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(interval.max(1)));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let body = next_signal(&mut open);
        let response = client
            .post(format!("{api}/api/signals"))
            .header("X-API-Key", &api_key)
            .json(&body)
            .send()
            .await;
        match response {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                println!(
                    "[engine] POST /api/signals {} {} → {status} {text}\n",
                    body["type"].as_str().unwrap_or("?"),
                    body["asset"].as_str().unwrap_or("?")
                );
            }
            Err(err) => println!("[engine] POST failed: {err}\n"),
        }
    }
}

const MARKETS: [(&str, f64, u32); 4] = [
    ("BTC/USD", 45250.0, 0),
    ("ETH/USD", 2450.0, 2),
    ("EUR/USD", 1.08523, 5),
    ("SOL/USDT", 98.4, 2),
];

/// A signal the simulated engine may close later.
struct OpenTrade {
    id: String,
    asset: &'static str,
    long: bool,
    entry: f64,
    decimals: u32,
}

fn next_signal(open: &mut Vec<OpenTrade>) -> serde_json::Value {
    let mut rng = rand::rng();
    if open.len() >= 2 && rng.random_bool(0.3) {
        let trade = open.remove(0);
        let won = rng.random_bool(0.6);
        let exit = trade.entry * if won == trade.long { 1.012 } else { 0.992 };
        return serde_json::json!({"type": "close", "asset": trade.asset, "closes": trade.id,
            "exit_price": price(exit, trade.decimals), "confidence": 90});
    }
    let Some(&(asset, base, decimals)) = MARKETS.choose(&mut rng) else {
        return serde_json::json!({});
    };
    let long = rng.random_bool(0.6);
    let entry = round(base * rng.random_range(0.98..1.02), decimals);
    let (target, stop) = if long {
        (
            round(entry * 1.0276, decimals),
            round(entry * 0.9834, decimals),
        )
    } else {
        (
            round(entry * 0.9724, decimals),
            round(entry * 1.0166, decimals),
        )
    };
    let id = uuid::Uuid::new_v4().to_string();
    open.push(OpenTrade {
        id: id.clone(),
        asset,
        long,
        entry,
        decimals,
    });
    let notes = if long {
        vec![
            "Strong bullish momentum detected",
            "Breaking above key resistance level",
            "Increasing volume supporting the move",
        ]
    } else {
        vec![
            "Bearish divergence on RSI",
            "Rejected at resistance",
            "Volume fading on rallies",
        ]
    };
    let timeframe = ["15m", "1H", "4H"]
        .choose(&mut rng)
        .copied()
        .unwrap_or("1H");
    let model = ["lstm-v3", "xgb-momentum-2"]
        .choose(&mut rng)
        .copied()
        .unwrap_or("lstm-v3");
    serde_json::json!({
        "id": id,
        "type": if long { "buy" } else { "sell" },
        "asset": asset,
        "entry_price": price(entry, decimals),
        "target_price": price(target, decimals),
        "stop_loss": price(stop, decimals),
        "timeframe": timeframe,
        "confidence": rng.random_range(70..96),
        "source_model": model,
        "market_context": "Trending, high volume",
        "notes": notes,
    })
}

/// A price as the engine writes it: exactly `decimals` places (`45250`, not `45250.0`, which
/// Herald would show as written).
fn price(value: f64, decimals: u32) -> serde_json::Value {
    let text = format!("{value:.prec$}", prec = decimals as usize);
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

fn round(value: f64, decimals: u32) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    (value * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::signal::parse_signal;

    #[test]
    fn prices_are_written_with_their_markets_decimals() {
        assert_eq!(price(45610.0, 0).to_string(), "45610");
        assert_eq!(price(1.0852349, 5).to_string(), "1.08523");
        assert_eq!(price(2470.2249, 2).to_string(), "2470.22");
    }

    #[test]
    fn every_simulated_signal_is_accepted() {
        let mut open = Vec::new();
        for _ in 0..200 {
            let body = next_signal(&mut open);
            if body["type"] == "close" {
                continue; // needs the stored original; the demo posts those end to end
            }
            let parsed = parse_signal(
                body.to_string().as_bytes(),
                uuid::Uuid::now_v7(),
                chrono::Utc::now(),
            );
            assert!(parsed.is_ok(), "{body}: {:?}", parsed.err());
        }
    }
}
