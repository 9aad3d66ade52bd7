//! The guard in front of every route, enforcing its row of the route table: the IP allow-list,
//! the per-IP rate limit, the credential, the per-caller rate limit, in that order. Every denial
//! is a security event (log line, and an audit row within the address's budget); a rate-limit
//! answer is only logged, since a flood would otherwise turn into a flood of writes.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::authenticate;
use super::client_ip::{self, ClientIp};
use super::error::ApiError;
use super::rate_limit::{ip_bucket, retry_after_secs};
use super::routes::{Access, Route};
use crate::store::{AuditEvent, Outcome};

#[derive(Clone)]
pub(super) struct GuardState {
    pub app: AppState,
    pub route: Route,
}

pub(super) async fn guard(
    State(guard): State<GuardState>,
    mut request: Request,
    next: Next,
) -> Response {
    let GuardState { app, route } = guard;
    if route.access == Access::Probe {
        return next.run(request).await;
    }
    let (peer, client) = client_ip::of_request(&request, &app.config.security.trusted_proxies);
    request.extensions_mut().insert(ClientIp(client));
    let denied = |action: &str, detail: String| {
        AuditEvent::security(action, Outcome::Denied)
            .by_anonymous(None)
            .ip(client)
            .detail(format!("{} {}: {detail}", route.method, route.path))
    };

    if route.ip_restricted() && !client_ip::allowed(client, &app.config.allowed_ips) {
        let detail = "address not in HERALD_ALLOWED_IPS".to_owned();
        write_refusal(&app, client, denied("auth.ip", detail)).await;
        return ApiError::Forbidden.into_response();
    }
    // Unknown clients (no peer, or a garbled proxy header) share one bucket with the peer.
    let bucket = client.or(peer).map(ip_bucket);
    if let Some(bucket) = bucket
        && let Err(wait) = app.security.limits.per_ip.check(&bucket)
    {
        return rate_limited(&route, "ip", wait);
    }

    let principal = match authenticate(&app, request.headers(), route.access).await {
        Ok(principal) => principal,
        Err(denial) => {
            // A database outage is no one's failure, and its audit row could not be written.
            if let Some(failure) = denial.failure() {
                crate::ops::metrics::auth_failure(failure);
                write_refusal(&app, client, denied(denial.action(), denial.detail())).await;
            }
            return denial.into_error().into_response();
        }
    };
    if let Some(principal) = principal {
        let limited = match &principal {
            crate::auth::Principal::MiniAppUser { telegram_id } => {
                app.security.limits.per_user.check(telegram_id)
            }
            other => app.security.limits.per_caller.check(&other.bucket()),
        };
        if let Err(wait) = limited {
            return rate_limited(&route, "caller", wait);
        }
        tracing::debug!(caller = %principal.bucket(), "authenticated");
        request.extensions_mut().insert(principal);
    }
    next.run(request).await
}

/// A refusal's audit row, within the address's budget (`refusals`); past it, a log line only.
pub(super) async fn write_refusal(app: &AppState, client: Option<IpAddr>, event: AuditEvent) {
    match app.security.refusals.admit(client) {
        Some(0) => app.store.audit(event).await,
        Some(unwritten) => {
            let note = format!("{unwritten} more refusals from this address since its last row");
            app.store.audit(event.note(note)).await;
        }
        None => tracing::warn!(
            target: "herald::audit",
            category = "security",
            ip = ?client,
            "request refused (no audit row: the address is over its budget of rows)"
        ),
    }
}

fn rate_limited(route: &Route, limit: &'static str, wait: std::time::Duration) -> Response {
    tracing::warn!(
        target: "herald::audit",
        category = "security",
        action = "rate_limited",
        limit,
        method = %route.method,
        path = route.path,
        "request over the rate limit"
    );
    ApiError::RateLimited {
        retry_after_secs: retry_after_secs(wait),
    }
    .into_response()
}
