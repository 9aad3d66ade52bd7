//! Logging: pretty on a terminal, JSON lines in production. `RUST_LOG` overrides the level.
//!
//! Every line inside a request carries its `request_id`, inside an update its `update_id`, inside a
//! delivery its `signal_id` (span fields, included in each JSON line). The kind of event is told by
//! the `target` field: `audit` (user and admin actions), `security` (authentication attempts and
//! other security events), `performance` (response times, resource use); any other target (a
//! module path such as `herald::signals::ingest`) is an application event. Log with
//! `tracing::info!(target: AUDIT, …)`.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// User actions and administrative changes.
pub const AUDIT: &str = "audit";
/// Authentication attempts and security incidents.
pub const SECURITY: &str = "security";
/// Response times and resource usage.
pub const PERFORMANCE: &str = "performance";

pub fn init(format: LogFormat, default_level: &str) {
    // A second init (tests, demo) is harmless: keep the first subscriber. `try_init` also bridges
    // libraries that log through `log` (teloxide, sqlx) to the same output.
    let _ = subscriber(format, default_level, std::io::stderr).try_init();
}

/// The subscriber `init` installs, writing to `writer` (tests capture it).
pub fn subscriber<W>(
    format: LogFormat,
    default_level: &str,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(true)
                .finish(),
        ),
        LogFormat::Pretty => Box::new(builder.compact().finish()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Capture {
        type Writer = Capture;
        fn make_writer(&'w self) -> Capture {
            self.clone()
        }
    }

    #[test]
    fn json_lines_carry_ids_and_a_kind() {
        let capture = Capture::default();
        let subscriber = subscriber(LogFormat::Json, "info", capture.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("update", update_id = 42_i64);
            let _entered = span.enter();
            let delivery = tracing::info_span!("delivery", signal_id = "0190-abc");
            let _inner = delivery.enter();
            tracing::info!(target: AUDIT, action = "subscribe", "user subscribed");
            tracing::warn!(target: SECURITY, "bad api key");
            tracing::info!("application event");
        });
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0]["target"], "audit");
        assert_eq!(lines[0]["action"], "subscribe");
        assert_eq!(lines[1]["target"], "security");
        assert!(lines[2]["target"].as_str().unwrap().starts_with("herald::"));
        for line in &lines {
            let spans = line["spans"].as_array().expect("span list");
            assert_eq!(spans[0]["update_id"], 42, "{line}");
            assert_eq!(line["span"]["signal_id"], "0190-abc", "{line}");
        }
    }
}
