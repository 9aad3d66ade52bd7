//! What Telegram's answer to a request means, as one enum every sender reads the same way, and the
//! one text of an error that is safe to log or store (reqwest's own text names the URL, which
//! holds the bot token). Pure, so every case is tested.

use std::fmt;
use std::time::Duration;

use teloxide_core::RequestError;
use teloxide_core::errors::ApiError;

use crate::ops::metrics::CallOutcome;

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

impl SendFailure {
    /// Whether Telegram's description (or our note for a network failure) contains `words`.
    /// How the metrics count this failure.
    pub fn call_outcome(&self) -> CallOutcome {
        match self {
            Self::RetryAfter(wait) => CallOutcome::RateLimited(*wait),
            Self::Blocked(_) => CallOutcome::Blocked,
            Self::Permanent(_) => CallOutcome::Rejected,
            Self::Transient(_) | Self::Uncertain(_) => CallOutcome::Failed,
        }
    }

    /// Telegram no longer knows a file_id we kept: send the picture again as an upload.
    pub fn is_unknown_file(&self) -> bool {
        matches!(self, Self::Permanent(text) if text.contains(UNKNOWN_FILE))
    }

    /// A 400 about the picture or its caption rather than the chat: the same message would go
    /// through as text.
    pub fn is_media_rejected(&self) -> bool {
        const ABOUT_MEDIA: [&str; 6] = ["PHOTO", "IMAGE", "file", "caption", "photo", "media"];
        matches!(self, Self::Permanent(text) if ABOUT_MEDIA.iter().any(|word| text.contains(word)))
    }

    pub fn says(&self, words: &str) -> bool {
        match self {
            SendFailure::RetryAfter(_) => false,
            SendFailure::Blocked(text)
            | SendFailure::Permanent(text)
            | SendFailure::Transient(text)
            | SendFailure::Uncertain(text) => text.contains(words),
        }
    }
}

/// Telegram's answer to a send by a file_id it does not know (or no longer accepts).
const UNKNOWN_FILE: &str = "wrong file identifier";

/// The token-safe text of a failure: what logs, rows and `BotError`s carry.
impl fmt::Display for SendFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendFailure::RetryAfter(delay) => {
                write!(f, "Too Many Requests: retry after {}", delay.as_secs())
            }
            SendFailure::Blocked(text)
            | SendFailure::Permanent(text)
            | SendFailure::Transient(text)
            | SendFailure::Uncertain(text) => f.write_str(text),
        }
    }
}

/// Any Bot API error as text without the request URL (which contains the bot token).
pub fn error_text(error: &RequestError) -> String {
    classify(error).to_string()
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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
    fn photo_failures_are_told_apart_from_chat_failures() {
        let api = |text: &str| classify(&RequestError::Api(ApiError::Unknown(text.into())));
        let stale = api("Bad Request: wrong file identifier/HTTP URL specified");
        assert!(stale.is_unknown_file() && stale.is_media_rejected());
        for text in [
            "Bad Request: PHOTO_INVALID_DIMENSIONS",
            "Bad Request: IMAGE_PROCESS_FAILED",
            "Bad Request: message caption is too long",
            "Bad Request: file is too big",
        ] {
            let failure = api(text);
            assert!(
                failure.is_media_rejected() && !failure.is_unknown_file(),
                "{text}"
            );
        }
        for text in [
            "Bad Request: chat not found",
            "Forbidden: bot was blocked by the user",
            "Internal Server Error: restart",
        ] {
            assert!(!api(text).is_media_rejected(), "{text}");
        }
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
    fn the_text_of_a_429_says_how_long_to_wait() {
        let failure = classify(&RequestError::RetryAfter(Seconds::from_seconds(7)));
        assert_eq!(failure.to_string(), "Too Many Requests: retry after 7");
        assert!(!failure.says("Too Many"));
    }

    #[test]
    fn a_conflict_keeps_telegrams_words() {
        let text = error_text(&RequestError::Api(ApiError::CantGetUpdates));
        assert!(text.contains("webhook is active"), "{text}");
    }

    #[tokio::test]
    async fn a_network_error_never_shows_the_token() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let url = reqwest::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let bot = teloxide_core::Bot::new("123:SECRET").set_api_url(url);
        let error = teloxide_core::prelude::Requester::get_me(&bot)
            .await
            .unwrap_err();
        assert_eq!(
            classify(&error),
            SendFailure::Transient("network: connection failed".into())
        );
        assert!(!error_text(&error).contains("SECRET"));
    }

    #[test]
    fn server_errors_are_transient() {
        for text in ["Internal Server Error", "Bad Gateway", "Gateway Timeout"] {
            let failure = classify(&RequestError::Api(ApiError::Unknown(text.into())));
            assert_eq!(failure, SendFailure::Transient(text.into()));
        }
    }
}
