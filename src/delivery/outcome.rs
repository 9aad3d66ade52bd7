//! What Telegram's answer to a send means for the delivery (pure, so every case is tested).

use std::time::Duration;

use teloxide_core::RequestError;
use teloxide_core::errors::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// 429: wait this long for this chat, then try again.
    RetryAfter(Duration),
    /// 403: the user blocked the bot or is gone; stop sending to them.
    Blocked(String),
    /// A 400 that will fail again the same way.
    Permanent(String),
    /// Telegram or the network failed before the message could have been sent; safe to retry.
    Transient(String),
    /// The request may have reached Telegram (timeout, connection cut mid-request): a retry could
    /// repeat the message, so it must say so.
    Uncertain(String),
}

pub fn classify(error: &RequestError) -> SendFailure {
    match error {
        RequestError::RetryAfter(seconds) => SendFailure::RetryAfter(seconds.duration()),
        RequestError::Api(api) => classify_description(&api_description(api)),
        RequestError::MigrateToChatId(_) => SendFailure::Permanent(
            "Bad Request: group chat was upgraded to a supergroup chat".into(),
        ),
        RequestError::Network(err) if err.is_connect() => {
            SendFailure::Transient(format!("network: {}", err.without_url_text()))
        }
        RequestError::Network(err) => {
            SendFailure::Uncertain(format!("network: {}", err.without_url_text()))
        }
        // A non-JSON answer comes from a proxy or a failing front end, not from the Bot API.
        RequestError::InvalidJson { .. } => {
            SendFailure::Transient("invalid response from Telegram".into())
        }
        RequestError::Io(err) => SendFailure::Transient(format!("io: {err}")),
    }
}

/// Telegram's own description text for an API error.
fn api_description(error: &ApiError) -> String {
    match error {
        ApiError::Unknown(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Sorts by Telegram's description prefix: teloxide keeps the description but not the HTTP code.
fn classify_description(description: &str) -> SendFailure {
    if description.starts_with("Forbidden") {
        SendFailure::Blocked(description.to_owned())
    } else if description.starts_with("Bad Request") || description.starts_with("Unauthorized") {
        SendFailure::Permanent(description.to_owned())
    } else {
        SendFailure::Transient(description.to_owned())
    }
}

/// reqwest prints the URL, which contains the bot token; never let it into a log or a row.
trait WithoutUrl {
    fn without_url_text(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_text(&self) -> String {
        let kind = if self.is_timeout() {
            "timed out"
        } else if self.is_connect() {
            "connection failed"
        } else if self.is_body() || self.is_decode() {
            "connection closed mid-response"
        } else {
            "request failed"
        };
        kind.to_owned()
    }
}

/// Delay before retry `attempt` (1-based) of a transient failure: exponential from half a second
/// (Telegram's 5xx are usually momentary), capped at a minute, with ±20 % jitter so a burst of
/// failures does not retry in lockstep. With the default 8 attempts a delivery keeps trying for
/// about a minute: a signal much later than that is worth less than an honest `failed`.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let base = (0.5 * 2f64.powi(attempt.saturating_sub(1).min(16) as i32)).min(60.0);
    let factor = 1.0 + (jitter.clamp(0.0, 1.0) - 0.5) * 0.4;
    Duration::from_secs_f64(base * factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide_core::types::Seconds;

    #[test]
    fn retry_after_keeps_telegrams_delay() {
        let failure = classify(&RequestError::RetryAfter(Seconds::from_seconds(7)));
        assert_eq!(failure, SendFailure::RetryAfter(Duration::from_secs(7)));
    }

    #[test]
    fn blocked_and_deactivated_users_are_blocked() {
        for api in [ApiError::BotBlocked, ApiError::UserDeactivated] {
            assert!(matches!(
                classify(&RequestError::Api(api)),
                SendFailure::Blocked(_)
            ));
        }
        let kicked = ApiError::Unknown("Forbidden: bot was kicked from the group chat".into());
        assert!(matches!(
            classify(&RequestError::Api(kicked)),
            SendFailure::Blocked(_)
        ));
    }

    #[test]
    fn bad_requests_are_permanent_with_telegrams_words() {
        let failure = classify(&RequestError::Api(ApiError::ChatNotFound));
        assert_eq!(
            failure,
            SendFailure::Permanent("Bad Request: chat not found".into())
        );
        let entities = ApiError::Unknown(
            "Bad Request: can't parse entities: Unsupported start tag \"x\"".into(),
        );
        assert!(
            matches!(classify(&RequestError::Api(entities)), SendFailure::Permanent(text) if text.contains("can't parse entities"))
        );
    }

    #[test]
    fn server_errors_are_transient() {
        for text in ["Internal Server Error", "Bad Gateway", "Gateway Timeout"] {
            let failure = classify(&RequestError::Api(ApiError::Unknown(text.into())));
            assert_eq!(failure, SendFailure::Transient(text.into()));
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(3, 0.5), Duration::from_secs(2));
        assert_eq!(backoff(30, 0.5), Duration::from_secs(60));
        assert!(backoff(2, 0.0) < backoff(2, 1.0));
        assert!(backoff(2, 1.0) <= Duration::from_secs_f64(1.2));
    }
}
