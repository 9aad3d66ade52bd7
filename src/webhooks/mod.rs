//! Outgoing webhooks, as Standard Webhooks describes them: receivers registered through the API
//! get `{"type", "timestamp", "data"}` for the events they chose, signed (`signature`), at least
//! once, retried with backoff for about a day.
//!
//! Events are rows written in the transaction of what they report (`store::webhooks`), so none is
//! lost. The leader's [`Sender`] gives each one its body (the data as the API shows it then) and
//! a delivery per subscribed endpoint, then sends what is due: a 2xx delivers, `410 Gone`
//! disables the endpoint, anything else is tried again after the next delay of [`RETRY_DELAYS`].

pub mod registry;
pub mod signature;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use signature::{VerifyError, WebhookSecret};

use crate::store::{DueDelivery, Store, StoreError, WaitingEvent};

/// The events a receiver can subscribe to.
pub const EVENT_TYPES: [&str; 5] = [
    "signal.created",
    "signal.closed",
    "delivery.failed",
    "payment.succeeded",
    "payment.refunded",
];

/// Delays before each retry (Standard Webhooks' suggested schedule): about 27 hours in all, then
/// the delivery is given up on.
pub const RETRY_DELAYS: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// How often the leader looks for events and due deliveries.
const TICK: Duration = Duration::from_secs(1);
/// Requests in flight at once, across endpoints.
const IN_FLIGHT: usize = 8;
/// A receiver has this long to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Events are kept this long after they were sent or given up on.
const KEEP_EVENTS: chrono::Duration = chrono::Duration::days(7);

/// Why an endpoint URL is refused.
pub fn check_url(text: &str) -> Result<reqwest::Url, &'static str> {
    let url = reqwest::Url::parse(text).map_err(|_| "not a URL")?;
    if url.host_str().is_none() {
        return Err("not a URL with a host");
    }
    let loopback = crate::config::is_loopback(&url);
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err("must be https (plain http only to this machine)"),
    }
}

pub struct Sender {
    store: Store,
    client: reqwest::Client,
}

impl Sender {
    pub fn new(store: Store) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // A redirect would send the signed body somewhere nobody registered.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Herald-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { store, client })
    }

    pub async fn run(self, stop: CancellationToken) {
        let mut last_purge = None::<DateTime<Utc>>;
        loop {
            if let Err(err) = self.fan_out(Utc::now()).await {
                tracing::error!(error = %err, "webhook events not fanned out; retrying");
            }
            if let Err(err) = self.send_due(Utc::now()).await {
                tracing::error!(error = %err, "webhook deliveries not sent; retrying");
            }
            let now = Utc::now();
            if last_purge.is_none_or(|at| now - at > chrono::Duration::hours(1)) {
                last_purge = Some(now);
                if let Err(err) = self.store.purge_webhook_events(now - KEEP_EVENTS).await {
                    tracing::warn!(error = %err, "old webhook events not purged");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(TICK) => {}
            }
        }
    }

    /// Gives waiting events their bodies and deliveries.
    pub async fn fan_out(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let waiting = self.store.waiting_webhook_events(200).await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        // Read once per pass: an endpoint registered meanwhile gets the events of later passes.
        let endpoints = self.store.webhook_endpoints().await?;
        let mut queued = 0;
        for event in waiting {
            let subscribed: Vec<&crate::store::WebhookEndpoint> =
                endpoints.iter().filter(|e| e.wants(&event.kind)).collect();
            // Nobody wants it: no body to build, the event is only marked done.
            let body = if subscribed.is_empty() {
                None
            } else {
                self.body(&event).await?
            };
            let text = body.as_ref().map(Value::to_string);
            queued += self
                .store
                .fan_out_webhook_event(&event, text.as_deref(), &subscribed, now)
                .await?;
        }
        Ok(queued)
    }

    /// The event's body, from what it reports as it is now; `None` if that is gone.
    async fn body(&self, event: &WaitingEvent) -> Result<Option<Value>, StoreError> {
        let data = match event.kind.as_str() {
            "signal.created" => {
                let Ok(id) = Uuid::parse_str(&event.subject) else {
                    return Ok(None);
                };
                let Some(stored) = self.store.signal(id).await? else {
                    return Ok(None);
                };
                let counts = self.store.delivery_counts(id).await?;
                json!(crate::http::answers::SignalDetail::new(&stored, &counts))
            }
            "signal.closed" => {
                let Ok(id) = Uuid::parse_str(&event.subject) else {
                    return Ok(None);
                };
                match self.store.outcome(id).await? {
                    Some(outcome) => json!(outcome),
                    None => return Ok(None),
                }
            }
            "delivery.failed" => {
                let Ok(id) = event.subject.parse::<i64>() else {
                    return Ok(None);
                };
                match self.store.failed_delivery(id).await? {
                    Some(failed) => json!(failed),
                    None => return Ok(None),
                }
            }
            "payment.succeeded" | "payment.refunded" => {
                match self.store.payment(&event.subject).await? {
                    Some(payment) => json!(payment),
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(json!({
            "type": event.kind,
            "timestamp": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        })))
    }

    /// Sends every delivery that is due, a few at a time.
    pub async fn send_due(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due = self.store.claim_webhook_deliveries(64, now).await?;
        let count = due.len();
        futures_util::stream::iter(due)
            .for_each_concurrent(IN_FLIGHT, |delivery| async move {
                if let Err(err) = self.send(delivery).await {
                    tracing::error!(error = %err, "a webhook attempt was not recorded; it is sent again");
                }
            })
            .await;
        Ok(count)
    }

    async fn send(&self, delivery: DueDelivery) -> Result<(), StoreError> {
        let message_id = format!("msg_{}", delivery.event_id.simple());
        let Some(secret) = WebhookSecret::parse(&delivery.secret) else {
            tracing::error!(endpoint = %delivery.endpoint_id, "a webhook endpoint has an unreadable secret");
            let error = "the endpoint's secret is unreadable";
            return self
                .store
                .webhook_attempt_failed(delivery.id, None, error, None)
                .await;
        };
        let timestamp = Utc::now().timestamp();
        let signature = secret.sign(&message_id, timestamp, delivery.body.as_bytes());
        let result = self
            .client
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("webhook-id", &message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.body.clone())
            .send()
            .await;
        let now = Utc::now();
        let (status, error) = match result {
            Ok(response) if response.status().is_success() => {
                crate::ops::metrics::webhook_attempt("delivered");
                return self
                    .store
                    .webhook_delivered(delivery.id, response.status().as_u16(), now)
                    .await;
            }
            Ok(response) if response.status() == reqwest::StatusCode::GONE => {
                crate::ops::metrics::webhook_attempt("gone");
                tracing::warn!(endpoint = %delivery.endpoint_id, "a webhook receiver answered 410: endpoint disabled");
                self.store
                    .webhook_attempt_failed(delivery.id, Some(410), "410 Gone", None)
                    .await?;
                return self
                    .store
                    .disable_webhook_endpoint(
                        delivery.endpoint_id,
                        "the receiver answered 410 Gone",
                        now,
                    )
                    .await;
            }
            Ok(response) => (
                Some(response.status().as_u16()),
                format!("answered {}", response.status()),
            ),
            // The error's text names the URL, which is the operator's own; no secrets in it.
            Err(err) => (None, err.without_url().to_string()),
        };
        let retry_at = retry_at(delivery.attempts, now);
        crate::ops::metrics::webhook_attempt(if retry_at.is_some() {
            "retry"
        } else {
            "failed"
        });
        self.store
            .webhook_attempt_failed(delivery.id, status, &error, retry_at)
            .await
    }
}

/// When to try again after attempt number `attempts + 1` failed; `None` once the schedule is
/// spent.
fn retry_at(attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let delay = RETRY_DELAYS.get(usize::try_from(attempts).ok()?)?;
    Some(now + chrono::Duration::from_std(*delay).ok()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn retries_last_about_a_day_then_stop() {
        let now = Utc::now();
        let total: Duration = RETRY_DELAYS.iter().sum();
        assert!(total > Duration::from_secs(24 * 3600) && total < Duration::from_secs(30 * 3600));
        assert_eq!(retry_at(0, now), Some(now + chrono::Duration::seconds(5)));
        assert!(retry_at(6, now).is_some());
        assert_eq!(retry_at(7, now), None);
    }

    #[test]
    fn endpoints_are_https_or_this_machine() {
        assert!(check_url("https://hooks.example.com/herald").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("http://localhost/hook").is_ok());
        for bad in [
            "http://hooks.example.com",
            "ftp://x",
            "nonsense",
            "https://",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
