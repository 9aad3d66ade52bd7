//! Closing buy and sell signals that the engine did not close itself: an outcome it reports
//! (`POST /api/signals/{id}/outcome`), price updates reaching a target or stop
//! (`POST /api/prices`), and expiry at the timeframe's horizon (the scheduler).
//!
//! Each close is announced like an engine's close signal: Herald writes a close signal for it
//! (with the reason in its context) and plans its delivery rows with `ingest`, so recipients of
//! the original get it as a reply through the ordinary dispatcher. The outcome, the close and
//! its deliveries are committed in one transaction (`Store::record_outcome`).

mod similar;

pub use similar::SimilarCache;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::domain::performance::{
    ClosedTrade, Direction, Horizons, OpenPosition, OutcomeReason, Period, PriceTick, RequestError,
    first_exit, parse_outcome, parse_prices, return_pct, window_start,
};
use crate::domain::render::{AcceptedContext, OutcomeNote};
use crate::domain::signal::{Price, Signal, SignalKind};
use crate::http::error::ApiError;
use crate::signals::ingest::Ingest;
use crate::store::{Announcement, NewOutcome, Recorded, Store, StoredOutcome, StoredSignal};

/// A position Herald just closed.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    pub signal_id: Uuid,
    pub reason: OutcomeReason,
    pub exit_price: Option<Price>,
    pub return_pct: Option<f64>,
    pub closed_at: DateTime<Utc>,
}

/// The answer to `POST /api/prices`.
#[derive(Debug, Clone, Serialize)]
pub struct PricesAnswer {
    pub accepted: usize,
    pub closed: Vec<Closed>,
}

#[derive(Clone)]
pub struct Outcomes {
    store: Store,
    ingest: Ingest,
    horizons: Arc<Horizons>,
    /// `/api/stats` figures over every outcome, kept briefly: monitoring polls them, and each
    /// computation reads the whole outcomes table.
    stats_cache: Arc<tokio::sync::Mutex<Option<(tokio::time::Instant, serde_json::Value)>>>,
}

/// How long `/api/stats` performance figures are reused.
const STATS_TTL: std::time::Duration = std::time::Duration::from_secs(30);

impl From<RequestError> for ApiError {
    fn from(err: RequestError) -> Self {
        match err {
            RequestError::Malformed(message) => ApiError::Malformed(message),
            RequestError::Invalid(fields) => ApiError::Invalid(fields),
        }
    }
}

/// The 409 text for a second close.
pub fn already_closed(signal_id: Uuid, existing: &StoredOutcome) -> ApiError {
    ApiError::Conflict(format!(
        "signal {signal_id} is already closed ({} at {}); its outcome stands",
        existing.reason.as_str(),
        existing
            .closed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ))
}

impl Outcomes {
    pub fn new(store: Store, ingest: Ingest, horizons: Arc<Horizons>) -> Self {
        Self {
            store,
            ingest,
            horizons,
            stats_cache: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// Figures for today, 7d, 30d and all (UTC days), at most [`STATS_TTL`] old.
    pub async fn stats_performance(&self) -> Result<serde_json::Value, ApiError> {
        let mut cache = self.stats_cache.lock().await;
        if let Some((at, value)) = cache.as_ref()
            && at.elapsed() < STATS_TTL
        {
            return Ok(value.clone());
        }
        let now = Utc::now();
        let trades = self
            .store
            .closed_trades(&crate::store::TradeQuery::default())
            .await?;
        let mut figures = serde_json::Map::new();
        for period in Period::ALL {
            let since = window_start(period, now, chrono_tz::Tz::UTC);
            let in_window: Vec<ClosedTrade> = trades
                .iter()
                .filter(|t| since.is_none_or(|since| t.closed_at >= since))
                .cloned()
                .collect();
            figures.insert(
                period.as_str().to_owned(),
                json!(crate::domain::performance::figures(&in_window)),
            );
        }
        let value = serde_json::Value::Object(figures);
        *cache = Some((tokio::time::Instant::now(), value.clone()));
        Ok(value)
    }

    pub fn horizons(&self) -> &Horizons {
        &self.horizons
    }

    pub fn similar(&self) -> &SimilarCache {
        self.ingest.similar()
    }

    /// `POST /api/signals/{id}/outcome`. `Ok((true, _))` when it closed the signal now; the same
    /// report again answers `Ok((false, _))`; a different outcome for a closed signal is 409.
    pub async fn report(&self, id: Uuid, body: &[u8]) -> Result<(bool, StoredOutcome), ApiError> {
        let now = Utc::now();
        let request = parse_outcome(body, now)?;
        let original = self.store.signal(id).await?.ok_or(ApiError::NotFound)?;
        if Direction::of(original.signal.kind).is_none() {
            return Err(ApiError::invalid(
                "id",
                "only buy and sell signals have an outcome",
            ));
        }
        let closed_at = request.closed_at.unwrap_or(now);
        if closed_at < original.signal.generated_at {
            return Err(ApiError::invalid(
                "closed_at",
                "must not be before the signal was generated",
            ));
        }
        let recorded = self
            .close(
                &original,
                OutcomeReason::Reported,
                request.reason.clone(),
                Some(request.exit_price),
                closed_at,
                now,
            )
            .await?;
        let existing = match recorded {
            Recorded::Closed => {
                let stored = self.store.outcome(id).await?.ok_or(ApiError::NotFound)?;
                return Ok((true, stored));
            }
            Recorded::AlreadyClosed(existing) => existing,
        };
        // A retry of the same report (same price, reason and, if given, time) is answered again.
        let same = existing.reason == OutcomeReason::Reported
            && existing.exit_price == Some(request.exit_price.value().to_string())
            && existing.note == request.reason
            && request
                .closed_at
                .is_none_or(|at| at.timestamp_millis() == existing.closed_at.timestamp_millis());
        if same {
            Ok((false, existing))
        } else {
            Err(already_closed(id, &existing))
        }
    }

    /// `POST /api/prices`: keeps the latest price per asset and closes every open signal whose
    /// target or stop the updates reached (the first reached, in time order).
    pub async fn apply_prices(&self, body: &[u8]) -> Result<PricesAnswer, ApiError> {
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
        self.store.save_prices(&latest).await?;
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
    pub async fn expire_due(&self, now: DateTime<Utc>) -> Result<Vec<Closed>, ApiError> {
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

    /// When an open signal expires. Its horizon runs from when Herald accepted (and sent) it, so
    /// a signal that reaches us late still gets its full time with subscribers.
    pub fn expires_at(&self, original: &StoredSignal) -> DateTime<Utc> {
        let signal = &original.signal;
        let start = original.accepted_at.max(signal.generated_at);
        self.horizons.expires_at(signal.timeframe, start)
    }

    fn closed(
        &self,
        original: &Signal,
        reason: OutcomeReason,
        exit_price: Option<Price>,
        closed_at: DateTime<Utc>,
    ) -> Closed {
        Closed {
            signal_id: original.id,
            reason,
            exit_price,
            return_pct: outcome_return(original, exit_price),
            closed_at,
        }
    }

    /// Records the outcome and writes the close that announces it, in one transaction.
    async fn close(
        &self,
        original: &StoredSignal,
        reason: OutcomeReason,
        note: Option<String>,
        exit_price: Option<Price>,
        closed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, ApiError> {
        let signal = &original.signal;
        let announcement = Signal {
            id: Uuid::now_v7(),
            kind: SignalKind::Close,
            asset: signal.asset.clone(),
            entry_price: None,
            target_price: None,
            stop_loss: None,
            timeframe: None,
            confidence: signal.confidence,
            source_model: signal.source_model.clone(),
            market_context: None,
            notes: Vec::new(),
            generated_at: closed_at,
            closes: Some(signal.id),
            exit_price,
            message: None,
        };
        // What Herald "posted": compared only if someone posts a signal with this id, which
        // nobody can know in advance.
        let request = json!({
            "type": "close", "asset": signal.asset, "closes": signal.id,
            "exit_price": exit_price, "reason": reason, "generated_at": closed_at,
            "posted_by": "herald",
        })
        .to_string();
        let context = AcceptedContext {
            similar: None,
            outcome: Some(OutcomeNote {
                reason,
                note: note.clone(),
            }),
        };
        let context = serde_json::to_value(&context).map_err(anyhow::Error::from)?;
        let deliveries = self.ingest.plan(&announcement, Some(original), now).await?;
        let return_pct = outcome_return(signal, exit_price);
        let outcome = NewOutcome {
            reason,
            note,
            exit_price,
            return_pct,
            closed_at,
        };
        let recorded = self
            .store
            .record_outcome(
                signal,
                &outcome,
                Some(Announcement {
                    signal: &announcement,
                    request: &request,
                    context: &context,
                    deliveries: &deliveries,
                }),
                now,
            )
            .await?;
        if let (Recorded::Closed, Some(ret), Some(direction)) =
            (&recorded, return_pct, Direction::of(signal.kind))
        {
            self.ingest.similar().record(
                signal.source_model.as_deref(),
                signal.asset.as_str(),
                direction,
                ret,
            );
            tracing::info!(signal_id = %signal.id, reason = reason.as_str(), "signal closed");
        }
        Ok(recorded)
    }
}

/// The return of closing `original` at `exit`, when both are known.
pub fn outcome_return(original: &Signal, exit: Option<Price>) -> Option<f64> {
    let direction = Direction::of(original.kind)?;
    return_pct(direction, original.entry_price?.value(), exit?.value())
}
