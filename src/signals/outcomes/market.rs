//! Closes the market decides: price updates reaching a target or stop (`POST /api/prices`), and
//! expiry at the horizon (the scheduler), at the asset's last known price.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Closed, OutcomeError, Outcomes};
use crate::domain::performance::{
    OpenPosition, OutcomeReason, PriceTick, first_exit, parse_prices,
};
use crate::domain::signal::Price;
use crate::signals::closing::CloseError;
use crate::store::Recorded;

/// The answer to `POST /api/prices`.
#[derive(Debug, Clone, Serialize)]
pub struct PricesAnswer {
    pub accepted: usize,
    pub closed: Vec<Closed>,
}

impl Outcomes {
    /// `POST /api/prices`: keeps the latest price per asset and closes every open signal whose
    /// target or stop the updates reached (the first reached, in time order).
    pub async fn apply_prices(&self, body: &[u8]) -> Result<PricesAnswer, OutcomeError> {
        let now = Utc::now();
        let updates = parse_prices(body, now)?;
        let mut by_asset: BTreeMap<String, Vec<PriceTick>> = BTreeMap::new();
        for update in &updates {
            by_asset
                .entry(update.asset.as_str().to_owned())
                .or_default()
                .push(PriceTick {
                    price: update.price.value(),
                    at: update.at,
                });
        }
        let latest: Vec<_> = by_asset
            .iter()
            .filter_map(|(asset, ticks)| {
                let last = ticks.iter().max_by_key(|tick| tick.at)?;
                Some((asset.clone(), last.price, last.at))
            })
            .collect();
        let history: Vec<_> = updates
            .iter()
            .map(|update| {
                (
                    update.asset.as_str().to_owned(),
                    update.price.value(),
                    update.at,
                )
            })
            .collect();
        self.store.save_prices(&latest, &history).await?;
        for (asset, ticks) in &by_asset {
            let ticks: Vec<_> = ticks.iter().map(|tick| (tick.price, tick.at)).collect();
            crate::price_alerts::on_prices(&self.store, asset, &ticks, now).await?;
        }
        let mut closed = Vec::new();
        for (asset, ticks) in &by_asset {
            for original in self.store.open_signals(Some(asset)).await? {
                let expires_at = self.expires_at(&original);
                let Some(position) = OpenPosition::of(&original.signal, expires_at) else {
                    continue;
                };
                let Some(exit) = first_exit(&position, ticks) else {
                    continue;
                };
                let price = Price::new(exit.price);
                let recorded = self
                    .close(&original, exit.reason, None, price, exit.at, now)
                    .await?;
                if let Recorded::Closed = recorded {
                    closed.push(self.closed(&original.signal, exit.reason, price, exit.at));
                }
            }
        }
        Ok(PricesAnswer {
            accepted: updates.len(),
            closed,
        })
    }

    /// Closes every open signal whose horizon has passed, at the asset's last known price (seen
    /// after the signal opened), or without a price when there is none.
    pub async fn expire_due(&self, now: DateTime<Utc>) -> Result<Vec<Closed>, CloseError> {
        let mut prices: HashMap<String, Option<(rust_decimal::Decimal, DateTime<Utc>)>> =
            HashMap::new();
        let mut closed = Vec::new();
        for original in self.store.open_signals(None).await? {
            let signal = &original.signal;
            let expires_at = self.expires_at(&original);
            if expires_at > now {
                continue;
            }
            let asset = signal.asset.as_str();
            let last = match prices.get(asset) {
                Some(last) => *last,
                None => {
                    let last = self.store.last_price(asset).await?;
                    prices.insert(asset.to_owned(), last);
                    last
                }
            };
            let price = last
                .filter(|(_, at)| *at >= signal.generated_at)
                .and_then(|(price, _)| Price::new(price));
            let recorded = self
                .close(
                    &original,
                    OutcomeReason::Expired,
                    None,
                    price,
                    expires_at,
                    now,
                )
                .await?;
            if let Recorded::Closed = recorded {
                closed.push(self.closed(signal, OutcomeReason::Expired, price, expires_at));
            }
        }
        Ok(closed)
    }
}
