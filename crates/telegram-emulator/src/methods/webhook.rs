//! setWebhook, deleteWebhook, getWebhookInfo.

use std::sync::Arc;

use super::Reply;
use crate::core::Core;
use crate::error::ApiError;
use crate::params::Params;
use crate::types::TgWebhookInfo;
use crate::updates::Webhook;

/// setWebhook `max_connections`: "1-100. Defaults to 40" (T23).
pub(crate) const DEFAULT_MAX_CONNECTIONS: i64 = 40;
pub(crate) const MAX_MAX_CONNECTIONS: i64 = 100;
/// setWebhook `secret_token`: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are
/// allowed" (T21).
pub(crate) const MAX_SECRET_TOKEN_LEN: usize = 256;

/// Unlike Telegram, plain `http://` and any port are accepted: receivers in tests listen on
/// 127.0.0.1 without TLS.
fn check_url(url: &str) -> Result<(), ApiError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            ApiError::bad_request(
                "Bad Request: bad webhook: HTTPS url must be provided for webhook",
            )
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || url.contains(char::is_whitespace) {
        return Err(ApiError::bad_request("Bad Request: can't parse URL"));
    }
    Ok(())
}

fn check_secret(secret: &str) -> Result<(), ApiError> {
    if secret.len() > MAX_SECRET_TOKEN_LEN {
        return Err(ApiError::bad_request(
            "Bad Request: secret token is too long",
        ));
    }
    if !secret
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    {
        return Err(ApiError::bad_request(
            "Bad Request: secret token contains unallowed characters",
        ));
    }
    Ok(())
}

pub(crate) fn set_webhook(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let Some(url) = params.non_empty("url") else {
        return delete_webhook(core, params);
    };
    check_url(&url)?;
    let secret_token = params.non_empty("secret_token").map(|s| s.into_owned());
    if let Some(secret) = &secret_token {
        check_secret(secret)?;
    }
    let max_connections = params
        .int("max_connections")
        .ok()
        .flatten()
        .unwrap_or(DEFAULT_MAX_CONNECTIONS)
        .clamp(1, MAX_MAX_CONNECTIONS) as u32;
    let allowed = params.json::<Vec<String>>("allowed_updates").ok().flatten();
    let stop = core.cancel.child_token();
    {
        let mut q = core.updates.lock();
        q.abort_long_poll("Conflict: terminated by setWebhook request");
        if let Some(old) = q.webhook.take() {
            old.stop.cancel();
        }
        if params.flag("drop_pending_updates") {
            q.pending.clear();
        }
        if let Some(allowed) = allowed {
            q.allowed = Some(allowed);
        }
        q.webhook = Some(Webhook {
            url: url.into_owned(),
            secret_token,
            max_connections,
            stop: stop.clone(),
            delivered: 0,
            last_error_date: None,
            last_error_message: None,
        });
    }
    crate::webhook::spawn(core.clone(), stop);
    Reply::json(&true)
}

pub(crate) fn delete_webhook(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let mut q = core.updates.lock();
    if let Some(old) = q.webhook.take() {
        old.stop.cancel();
    }
    if params.flag("drop_pending_updates") {
        q.pending.clear();
    }
    Reply::json(&true)
}

pub(crate) fn get_webhook_info(core: &Arc<Core>) -> Result<Reply, ApiError> {
    let q = core.updates.lock();
    let pending_update_count = u32::try_from(q.pending.len()).unwrap_or(u32::MAX);
    let info = match &q.webhook {
        None => TgWebhookInfo {
            url: String::new(),
            has_custom_certificate: false,
            pending_update_count,
            last_error_date: None,
            last_error_message: None,
            max_connections: None,
            allowed_updates: None,
        },
        Some(w) => TgWebhookInfo {
            url: w.url.clone(),
            has_custom_certificate: false,
            pending_update_count,
            last_error_date: w.last_error_date,
            last_error_message: w.last_error_message.clone(),
            max_connections: Some(w.max_connections),
            allowed_updates: q.allowed.clone(),
        },
    };
    Reply::json(&info)
}
