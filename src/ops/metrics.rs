//! Prometheus metrics at `GET /metrics`, through the `metrics` facade and a Prometheus recorder we
//! render ourselves (no exporter HTTP server). The recorder is process-global and installed once;
//! every app in the process (tests spawn many) shares it.
//!
//! Call sites use the small functions below, one line each. Labels come only from closed sets
//! (outcome names, command names, route templates) — never a user, chat or signal id — so the
//! number of series stays bounded however many users there are.
//!
//! Alerts need recent counts of a few events; they are kept beside the counters in [`TALLIES`].

mod gauges;
mod http;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::header;
use axum::response::IntoResponse;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;

use crate::store::{DeliveryOutcome, QueuedDelivery};

pub use gauges::spawn_gauges;
pub use http::{connection_closed, connection_opened, connection_refused, track_http};

/// Seconds; from a fast database round trip up to a long Telegram call.
const LATENCY_BUCKETS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Telegram's `retry_after` is whole seconds, from 1 to minutes (or hours for abuse).
const RETRY_AFTER_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0];
/// Acceptance to Telegram's answer; a big broadcast at 30/s takes minutes.
const DELIVERY_LATENCY_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];
/// The exporter drains histogram samples only in `run_upkeep`, which nothing calls for us;
/// without it they grow without bound.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder (first call in the process) and returns the handle that renders it.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("herald_telegram_retry_after_seconds".into()),
                    RETRY_AFTER_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("herald_delivery_latency_seconds".into()),
                        DELIVERY_LATENCY_BUCKETS,
                    )
                })
                .and_then(|b| b.set_buckets(LATENCY_BUCKETS));
            let recorder = match builder {
                Ok(builder) => builder.build_recorder(),
                // Only an empty bucket list fails, and ours are constants; fall back to summaries.
                Err(_) => PrometheusBuilder::new().build_recorder(),
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics stays empty");
            }
            describe();
            gauge!("herald_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

/// `GET /metrics` in Prometheus text format.
pub async fn render() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        install().render(),
    )
}

/// Runs the recorder's upkeep until `stop` fires.
pub async fn upkeep(stop: CancellationToken) {
    let handle = install();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(UPKEEP_EVERY) => handle.run_upkeep(),
        }
    }
}

/// What went wrong, for `herald_errors_total{kind}` and the error-rate alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A Telegram call failed (5xx, network, unexpected 400).
    Telegram,
    /// A query or transaction failed.
    Database,
    /// A bot handler returned an error.
    Handler,
    /// A delivery could not be rendered.
    Render,
    /// An HTTP request ended in a 5xx.
    Http,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Database => "database",
            Self::Handler => "handler",
            Self::Render => "render",
            Self::Http => "http",
        }
    }
}

/// Process-wide event counts the alert checks read (the Prometheus counters cannot be read back).
pub struct Tallies {
    pub errors: AtomicU64,
    pub telegram_failures: AtomicU64,
    pub telegram_calls: AtomicU64,
    pub auth_failures: AtomicU64,
    pub admin_lockouts: AtomicU64,
    /// Bot API calls answered 429, for the console's dashboard.
    pub rate_limited: AtomicU64,
}

pub static TALLIES: Tallies = Tallies {
    errors: AtomicU64::new(0),
    telegram_failures: AtomicU64::new(0),
    telegram_calls: AtomicU64::new(0),
    auth_failures: AtomicU64::new(0),
    admin_lockouts: AtomicU64::new(0),
    rate_limited: AtomicU64::new(0),
};

pub fn error(kind: ErrorKind) {
    counter!("herald_errors_total", "kind" => kind.as_str()).increment(1);
    TALLIES.errors.fetch_add(1, Ordering::Relaxed);
}

/// How a Bot API call ended, as the metrics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    Ok,
    /// 429, with Telegram's `retry_after`.
    RateLimited(Duration),
    /// 403: the chat blocked the bot.
    Blocked,
    /// A 400 that would fail again.
    Rejected,
    /// 5xx, network, or an answer cut off.
    Failed,
}

/// A price alert fired (its message is queued).
pub fn price_alert_fired() {
    counter!("herald_price_alerts_fired_total").increment(1);
}

/// One Bot API call finished: latency, outcome, 429s with their `retry_after`.
pub fn telegram_call(method: &'static str, started: Instant, outcome: CallOutcome) {
    histogram!("herald_telegram_request_duration_seconds", "method" => method)
        .record(started.elapsed().as_secs_f64());
    TALLIES.telegram_calls.fetch_add(1, Ordering::Relaxed);
    let outcome = match outcome {
        CallOutcome::Ok => "ok",
        CallOutcome::RateLimited(wait) => {
            counter!("herald_telegram_rate_limited_total", "method" => method).increment(1);
            TALLIES.rate_limited.fetch_add(1, Ordering::Relaxed);
            histogram!("herald_telegram_retry_after_seconds").record(wait.as_secs_f64());
            "rate_limited"
        }
        CallOutcome::Blocked => "blocked",
        CallOutcome::Rejected => "rejected",
        CallOutcome::Failed => {
            TALLIES.telegram_failures.fetch_add(1, Ordering::Relaxed);
            error(ErrorKind::Telegram);
            "failed"
        }
    };
    counter!("herald_telegram_requests_total", "method" => method, "outcome" => outcome)
        .increment(1);
}

/// One delivery attempt recorded: outcome counts and, when sent, latency from acceptance.
pub fn delivery(row: &QueuedDelivery, outcome: &DeliveryOutcome) {
    let name = match outcome {
        DeliveryOutcome::Sent { at, .. } => {
            let latency = (*at - row.accepted_at).to_std().unwrap_or_default();
            histogram!("herald_delivery_latency_seconds").record(latency.as_secs_f64());
            "sent"
        }
        DeliveryOutcome::Retry {
            uncertain: true, ..
        } => "uncertain",
        DeliveryOutcome::Retry { .. } => "retry",
        DeliveryOutcome::Failed { .. } => "failed",
        DeliveryOutcome::Blocked { .. } => "blocked",
    };
    counter!("herald_deliveries_total", "outcome" => name).increment(1);
}

/// A signal accepted (`created`, `duplicate`) or refused (`rejected`), with ingest latency.
pub fn ingest(result: &'static str, started: Instant) {
    counter!("herald_signals_total", "result" => result).increment(1);
    histogram!("herald_ingest_duration_seconds", "result" => result)
        .record(started.elapsed().as_secs_f64());
}

/// Deliveries planned at acceptance that will not be sent (filters, hours): `skipped`.
pub fn deliveries_skipped(count: usize) {
    counter!("herald_deliveries_total", "outcome" => "skipped").increment(count as u64);
}

/// One update handled: per command (a closed set, see `bot::inbox::command_label`).
pub fn command(command: &'static str, started: Instant, ok: bool) {
    counter!("herald_commands_total", "command" => command, "outcome" => if ok { "ok" } else { "error" })
        .increment(1);
    histogram!("herald_command_duration_seconds", "command" => command)
        .record(started.elapsed().as_secs_f64());
}

/// An update arrived: `source` webhook or polling; `result` stored, duplicate or rejected.
pub fn update_received(source: &'static str, result: &'static str) {
    updates_received(source, result, 1);
}

/// `count` updates arrived alike (a polled batch).
pub fn updates_received(source: &'static str, result: &'static str, count: u64) {
    if count > 0 {
        counter!("herald_updates_received_total", "source" => source, "result" => result)
            .increment(count);
    }
}

/// A refused credential, for `herald_auth_failures_total{kind}` and the failed-logins alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// `POST /api/auth/login` refused: unknown name, locked account, wrong password or code.
    Login,
    /// An unknown, wrong or revoked API key.
    ApiKey,
    /// An admin token that is forged, expired or otherwise refused.
    Token,
    /// A webhook request without Telegram's secret header, or with another secret.
    WebhookSecret,
    /// A request with no credential at all.
    Missing,
    /// A good credential without the scope or role the route needs.
    Forbidden,
    /// Mini App launch data that is forged, changed, stale or another bot's.
    InitData,
}

impl AuthFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::ApiKey => "api_key",
            Self::Token => "token",
            Self::WebhookSecret => "webhook_secret",
            Self::Missing => "missing",
            Self::Forbidden => "forbidden",
            Self::InitData => "init_data",
        }
    }

    /// Guessed credentials feed the alert; a missing credential or role is a client's mistake
    /// (or a scanner), not someone trying secrets.
    fn is_guess(self) -> bool {
        !matches!(self, Self::Missing | Self::Forbidden)
    }
}

pub fn auth_failure(failure: AuthFailure) {
    counter!("herald_auth_failures_total", "kind" => failure.as_str()).increment(1);
    if failure.is_guess() {
        TALLIES.auth_failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// An admin account locked for every address: failed logins spread over many of them.
pub fn admin_locked() {
    counter!("herald_admin_lockouts_total").increment(1);
    TALLIES.admin_lockouts.fetch_add(1, Ordering::Relaxed);
}

/// What happened to a Stars payment: `declined` at pre-checkout (by reason), `paid` (a first
/// payment or a one-off), `renewed`, `refunded`. Stars paid are counted by plan.
pub fn payment(event: &'static str, reason: &'static str) {
    counter!("herald_payments_total", "event" => event, "reason" => reason).increment(1);
}

pub fn stars_received(plan: &str, stars: u32) {
    // A closed set: plan ids come from herald.toml, "unknown" for a plan no longer configured.
    counter!("herald_payment_stars_total", "plan" => plan.to_owned()).increment(u64::from(stars));
}

/// One outgoing webhook attempt: delivered, retry, failed (given up), gone (410: disabled).
pub fn webhook_attempt(outcome: &'static str) {
    counter!("herald_webhook_attempts_total", "outcome" => outcome).increment(1);
}

pub fn leader(is_leader: bool) {
    gauge!("herald_leader").set(if is_leader { 1.0 } else { 0.0 });
}

pub fn alert(name: &'static str, state: &'static str) {
    counter!("herald_alerts_total", "alert" => name, "state" => state).increment(1);
}

fn describe() {
    describe_counter!(
        "herald_price_alerts_fired_total",
        "Price alerts fired by a price from /api/prices (their message queued)"
    );
    describe_counter!(
        "herald_webhook_attempts_total",
        "Outgoing webhook attempts by outcome (delivered, retry, failed, gone)"
    );
    describe_counter!(
        "herald_payments_total",
        "Stars payments by event (declined, paid, renewed, refunded) and decline reason"
    );
    describe_counter!(
        "herald_payment_stars_total",
        "Telegram Stars received, by plan (refunds not subtracted)"
    );
    describe_counter!(
        "herald_admin_lockouts_total",
        "Admin accounts locked for every address after failed logins from many"
    );
    describe_gauge!(
        "herald_http_connections",
        "Connections open on the API listener"
    );
    describe_counter!(
        "herald_http_connections_refused_total",
        "Connections closed on accept: the listener or the address held its cap"
    );
    describe_counter!(
        "herald_deliveries_total",
        "Delivery attempts by outcome (sent, retry, uncertain, failed, blocked, skipped)"
    );
    describe_histogram!(
        "herald_delivery_latency_seconds",
        "From signal acceptance to Telegram accepting the message"
    );
    describe_counter!(
        "herald_telegram_requests_total",
        "Bot API calls by method and outcome"
    );
    describe_histogram!(
        "herald_telegram_request_duration_seconds",
        "Bot API call latency by method"
    );
    describe_counter!(
        "herald_telegram_rate_limited_total",
        "429 answers from the Bot API"
    );
    describe_histogram!(
        "herald_telegram_retry_after_seconds",
        "retry_after of 429 answers"
    );
    describe_counter!(
        "herald_commands_total",
        "Updates handled, by command (text, callback, … for non-commands)"
    );
    describe_histogram!(
        "herald_command_duration_seconds",
        "Time to handle an update, reply included"
    );
    describe_counter!(
        "herald_updates_received_total",
        "Updates received by source and result"
    );
    describe_counter!("herald_errors_total", "Errors by kind");
    describe_counter!("herald_signals_total", "Signals posted, by result");
    describe_histogram!(
        "herald_ingest_duration_seconds",
        "POST /api/signals handling time"
    );
    describe_counter!(
        "herald_auth_failures_total",
        "Failed authentication attempts by kind"
    );
    describe_counter!(
        "herald_alerts_total",
        "Admin alerts sent, by alert and state"
    );
    describe_counter!(
        "herald_http_requests_total",
        "HTTP requests by route template, method and status"
    );
    describe_histogram!(
        "herald_http_request_duration_seconds",
        "HTTP request latency by route template"
    );
    describe_gauge!(
        "herald_leader",
        "1 on the replica that dispatches deliveries"
    );
    describe_gauge!(
        "herald_queue_depth",
        "Deliveries pending, sending or uncertain"
    );
    describe_gauge!(
        "herald_inbox_backlog",
        "Telegram updates stored, not yet handled"
    );
    describe_gauge!(
        "herald_active_users",
        "Users who talked to the bot within the window (1d, 7d, 30d)"
    );
    describe_gauge!(
        "herald_database_up",
        "1 when the database answered the last check"
    );
    describe_gauge!("herald_telegram_up", "1 when getMe answered the last check");
    describe_gauge!(
        "herald_process_resident_memory_bytes",
        "Resident memory of this process"
    );
    describe_gauge!("herald_build_info", "Always 1; the version is a label");
}
