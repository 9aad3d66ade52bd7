//! The send step of a buy or sell that goes with its chart.
//!
//! Each (signal, language) chart is drawn once, on its first recipient's turn (see the README's
//! architecture section for why then and not at acceptance). That recipient's sendPhoto uploads
//! it; the file_id Telegram answers is saved (`chart_files`) and every later recipient gets
//! sendPhoto by file_id. While the upload is on its way the other sends of that chart wait for it,
//! so a broadcast uploads once; each then leaves in its booked slot or, if that has passed, at the
//! limiter's next departure.
//!
//! Nothing here may lose a delivery: no prices, a chart that cannot be drawn or a picture Telegram
//! refuses send the text instead; a failed upload (429, 5xx, a blocked user) is that row's failure,
//! retried as any other, and the next recipient uploads; a file_id Telegram no longer knows is
//! forgotten and the chart uploaded again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use teloxide_core::payloads::SendPhotoSetters;
use tokio::time::Instant;

use super::charts::{delivery_key, price_chart};
use super::message::OutgoingMessage;
use crate::charts::render_price_png;
use crate::domain::i18n::Lang;
use crate::domain::signal::Signal;
use crate::store::{DeliveryOutcome, QueuedDelivery, Store};
use crate::telegram::{Outbound, Photo, RetryPolicy, SendFailure, photo_file_id};

/// A chart found without prices is looked for again after this long: prices may start coming.
const RECHECK_WITHOUT: Duration = Duration::from_secs(30);
/// Charts remembered per term; signals are few and recent.
const MAX_REMEMBERED: usize = 512;

/// What is known of one (signal, language) chart.
enum Chart {
    /// Not looked at yet.
    Unknown,
    /// Goes without a chart (no prices, or a picture Telegram or the drawing refused) as of then.
    Without(Instant),
    /// Drawn, not yet accepted by Telegram: the next send uploads it.
    Drawn(Arc<Vec<u8>>, String),
    Uploaded(String),
}

/// One chart's state; its lock is held across an upload.
type Slot = Arc<tokio::sync::Mutex<Chart>>;

/// The charts of one dispatcher term, shared by its send tasks.
#[derive(Clone, Default)]
pub(super) struct SignalCharts {
    charts: Arc<Mutex<HashMap<(uuid::Uuid, Lang), Slot>>>,
}

/// What the chart step did.
pub(super) enum ChartSend {
    Done(DeliveryOutcome),
    /// Send the text instead; `slot_used` when a photo attempt already took the booked slot.
    Text {
        slot_used: bool,
    },
}

/// Everything a send task needs besides the row.
pub(super) struct PhotoSender<'a> {
    pub store: &'a Store,
    pub outbound: &'a Outbound,
    pub charts: &'a SignalCharts,
    pub policy: RetryPolicy,
    pub paid_broadcast: bool,
}

impl SignalCharts {
    fn slot(&self, signal_id: uuid::Uuid, lang: Lang) -> Slot {
        let mut charts = self.charts.lock().unwrap_or_else(PoisonError::into_inner);
        if charts.len() >= MAX_REMEMBERED {
            charts.clear();
        }
        charts
            .entry((signal_id, lang))
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(Chart::Unknown)))
            .clone()
    }
}

impl PhotoSender<'_> {
    /// Sends `row` as its chart with the signal as caption, in slot `at`.
    pub async fn send(
        &self,
        row: &QueuedDelivery,
        message: &OutgoingMessage,
        mut at: Instant,
    ) -> ChartSend {
        let Some((signal, _)) = &message.chartable else {
            return ChartSend::Text { slot_used: false };
        };
        let slot = self.charts.slot(signal.id, row.lang);
        let mut slot_used = false;
        // At most: a stale file_id, then an upload.
        for _ in 0..3 {
            if slot_used {
                at = self.outbound.book(row.chat_id);
            }
            let mut chart = slot.lock().await;
            if let Chart::Unknown = &*chart {
                *chart = self.prepare(signal, row.lang).await;
            }
            match &*chart {
                Chart::Without(since) if since.elapsed() < RECHECK_WITHOUT => {
                    return ChartSend::Text { slot_used };
                }
                Chart::Unknown | Chart::Without(_) => {
                    *chart = Chart::Unknown;
                    continue;
                }
                Chart::Uploaded(file_id) => {
                    let file_id = file_id.clone();
                    // Sends by file_id need not wait for one another.
                    drop(chart);
                    slot_used = true;
                    match self
                        .attempt(row, message, Photo::FileId(file_id.clone()), at)
                        .await
                    {
                        Err(failure) if failure.is_unknown_file() => {
                            self.forget(&slot, signal, row.lang, &file_id).await;
                        }
                        result => return self.outcome(row, &slot, result).await,
                    }
                }
                Chart::Drawn(png, key) => {
                    let (png, key) = (png.clone(), key.clone());
                    // The lock is held across the upload: the recipients after this one wait for
                    // its file_id instead of uploading the same picture again.
                    let result = self
                        .attempt(row, message, Photo::Upload(png.to_vec()), at)
                        .await;
                    if let Ok(sent) = &result
                        && let Some(file_id) = photo_file_id(sent)
                    {
                        self.remember(signal, row.lang, &key, &file_id).await;
                        *chart = Chart::Uploaded(file_id);
                    }
                    drop(chart);
                    return self.outcome(row, &slot, result).await;
                }
            }
        }
        ChartSend::Text { slot_used }
    }

    /// A file_id saved by an earlier term, or a fresh drawing; without prices, none.
    async fn prepare(&self, signal: &Signal, lang: Lang) -> Chart {
        let key = delivery_key(signal.id, lang);
        match self.store.chart_file(&key).await {
            Ok(Some(file_id)) => return Chart::Uploaded(file_id),
            Ok(None) => {}
            Err(err) => {
                tracing::error!(error = %err, "cannot read a chart's file_id; sending the text");
                return Chart::Without(Instant::now());
            }
        }
        let spec = match price_chart(self.store, signal, lang, Utc::now()).await {
            Ok(Some(spec)) => spec,
            Ok(None) => return Chart::Without(Instant::now()),
            Err(err) => {
                tracing::error!(error = %err, "cannot read prices for a chart; sending the text");
                return Chart::Without(Instant::now());
            }
        };
        let content = spec.key();
        // Drawing takes tens of milliseconds of CPU: off the async workers.
        match tokio::task::spawn_blocking(move || render_price_png(&spec)).await {
            Ok(Ok(png)) => Chart::Drawn(Arc::new(png), content),
            Ok(Err(err)) => {
                tracing::error!(error = %err, "cannot draw a signal's chart; sending the text");
                Chart::Without(Instant::now())
            }
            Err(err) => {
                tracing::error!(error = %err, "drawing a chart panicked; sending the text");
                Chart::Without(Instant::now())
            }
        }
    }

    async fn attempt(
        &self,
        row: &QueuedDelivery,
        message: &OutgoingMessage,
        photo: Photo,
        at: Instant,
    ) -> Result<teloxide_core::types::Message, SendFailure> {
        let Some(request) = message.photo_request(self.outbound, row, photo) else {
            return Err(SendFailure::Permanent("no caption".into()));
        };
        let request = if self.paid_broadcast {
            request.allow_paid_broadcast(true)
        } else {
            request
        };
        self.outbound
            .send_photo_booked(at, row.chat_id, request)
            .await
    }

    /// The row's result; a picture Telegram refuses makes this chart go without its picture for
    /// a while, and this row as text.
    async fn outcome(
        &self,
        row: &QueuedDelivery,
        slot: &tokio::sync::Mutex<Chart>,
        result: Result<teloxide_core::types::Message, SendFailure>,
    ) -> ChartSend {
        match result {
            Ok(sent) => ChartSend::Done(DeliveryOutcome::Sent {
                message_id: i64::from(sent.id.0),
                at: Utc::now(),
            }),
            Err(failure) if failure.is_media_rejected() => {
                tracing::warn!(error = %failure, "Telegram refused a chart; sending the text");
                *slot.lock().await = Chart::Without(Instant::now());
                ChartSend::Text { slot_used: true }
            }
            Err(failure) => {
                ChartSend::Done(self.policy.outcome(&failure, row.attempts, Utc::now()))
            }
        }
    }

    /// Saves the upload under the signal's name and under its content (the `📈 Chart` button
    /// finds it there while no newer price has come). A failed save only costs a later upload.
    async fn remember(&self, signal: &Signal, lang: Lang, content: &str, file_id: &str) {
        let now = Utc::now();
        for key in [delivery_key(signal.id, lang), content.to_owned()] {
            if let Err(err) = self.store.save_chart_file(&key, file_id, now).await {
                tracing::warn!(error = %err, "cannot save a chart's file_id");
            }
        }
    }

    /// Telegram no longer knows `file_id`: drawn and uploaded again on the next try.
    async fn forget(
        &self,
        slot: &tokio::sync::Mutex<Chart>,
        signal: &Signal,
        lang: Lang,
        file_id: &str,
    ) {
        let mut chart = slot.lock().await;
        // Another send may have found out first and uploaded a new one.
        if matches!(&*chart, Chart::Uploaded(known) if known == file_id) {
            *chart = Chart::Unknown;
            if let Err(err) = self
                .store
                .forget_chart_file(&delivery_key(signal.id, lang))
                .await
            {
                tracing::warn!(error = %err, "cannot forget a stale chart file_id");
            }
        }
    }
}
