//! Price alerts, the use case: set one from `/alert`'s words (checked against the last known
//! price and the tier's limit), and on every price posted to `/api/prices` fire those it reaches,
//! in the order the prices were taken. A fired alert's message is queued with the firing, in the
//! user's language, and leaves through the report sender at the shared rate.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::i18n::{Arg, t_args};
use crate::domain::price_alert::{self, ParseError, Refusal, describe, fires};
use crate::domain::render::{escape, price_text};
use crate::domain::signal::{Asset, Price};
use crate::store::{NewPriceAlert, PriceAlert, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("unreadable alert: {0:?}")]
    Parse(ParseError),
    /// Readable, but not something to wait for; with the asset it named.
    #[error("refused for {1}: {0:?}")]
    Refused(Refusal, Asset),
    /// The tier's limit of waiting alerts is reached.
    #[error("at most {0} alerts")]
    Full(u32),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn create(
    store: &Store,
    user_id: uuid::Uuid,
    chat_id: i64,
    args: &str,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<PriceAlert, CreateError> {
    let request = price_alert::parse(args).map_err(CreateError::Parse)?;
    let last = store
        .last_price(request.asset.as_str())
        .await?
        .map(|(price, _)| price);
    let armed = price_alert::arm(request.condition, last)
        .map_err(|refusal| CreateError::Refused(refusal, request.asset.clone()))?;
    let spec = describe(&request.asset, request.condition, armed.level);
    let new = NewPriceAlert {
        user_id,
        chat_id,
        asset: request.asset.as_str(),
        kind: request.condition.kind(),
        spec: &spec,
        armed,
        now,
    };
    store
        .create_price_alert(&new, limit)
        .await?
        .ok_or(CreateError::Full(limit))
}

/// Fires what `ticks` (one asset's prices, any order) reach; returns how many fired.
pub async fn on_prices(
    store: &Store,
    asset: &str,
    ticks: &[(Decimal, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    // Prices whose asset or value could not be shown fire nothing: they came through
    // `/api/prices`' own checks, so this is only a guard.
    let Ok(asset_name) = Asset::parse(asset) else {
        return Ok(0);
    };
    let mut ticks = ticks.to_vec();
    ticks.sort_by_key(|(_, at)| *at);
    let mut fired = 0;
    for (price, _) in ticks {
        let Some(shown) = Price::new(price) else {
            continue;
        };
        let shown = price_text(&asset_name, shown);
        // Alerts set before this POST: a price's own time may lag our clock.
        for alert in store.price_alerts_reached(asset, price, now).await? {
            let Some(direction) = alert.direction else {
                continue;
            };
            if !fires(alert.level, direction, alert.strict, price) {
                continue;
            }
            let lang = store.preferences(alert.user_id).await?.language;
            let message = t_args(
                lang,
                "alert-fired",
                [
                    ("alert", Arg::from(escape(&alert.spec))),
                    ("price", Arg::from(shown.as_str())),
                ],
            );
            if store.fire_price_alert(&alert, price, &message, now).await? {
                crate::ops::metrics::price_alert_fired();
                fired += 1;
            }
        }
        // After firing: a side learned from this price waits for the next one.
        store.set_price_alert_sides(asset, price, now).await?;
    }
    Ok(fired)
}
