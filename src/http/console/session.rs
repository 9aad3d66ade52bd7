//! Console sessions and the checks in front of every console page.
//!
//! The cookie `herald_console` carries 256 random bits; the database keeps their SHA-256, the
//! admin, a CSRF token and when the session was last used. A session ends after [`IDLE_TIMEOUT`]
//! without a request, [`MAX_LIFETIME`] after login, at logout, or when the admin's token
//! generation moves on (logout everywhere, a new password, disabling). The cookie is `HttpOnly;
//! Secure; SameSite=Strict` and scoped to `/console`.
//!
//! Every request that changes something (any method but GET and HEAD) must carry the session's
//! CSRF token in its form field `csrf`; the check happens here, before any handler, so a form
//! cannot forget it. The login form, which has no session yet, is protected the same way by a
//! token in a short-lived cookie of its own (double submit).

use std::net::IpAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use cookie::{Cookie, SameSite};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::super::AppState;
use super::super::client_ip;
use super::super::rate_limit::{ip_bucket, retry_after_secs};
use super::page::{ConsoleError, lang_of};
use crate::domain::i18n::Lang;
use crate::store::{AdminRecord, AuditEvent, NewConsoleSession, Outcome};

pub const SESSION_COOKIE: &str = "herald_console";
pub const LOGIN_COOKIE: &str = "herald_console_login";
pub const LANG_COOKIE: &str = "herald_console_lang";
pub const PATH: &str = "/console";
/// Idle minutes after which a session ends (PRODUCT.md §13).
pub const IDLE_TIMEOUT: Duration = Duration::minutes(15);
/// However busy, a session ends this long after login.
pub const MAX_LIFETIME: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often per session.
const TOUCH_EVERY: Duration = Duration::seconds(20);
/// Forms are small; a bigger body is refused before it is read.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The admin behind the request's console session.
#[derive(Clone)]
pub struct ConsoleAdmin {
    pub id: Uuid,
    pub name: String,
    pub csrf: String,
    token_hash: String,
}

impl ConsoleAdmin {
    pub fn actor(&self) -> crate::accounts::Actor<'_> {
        crate::accounts::Actor::ApiAdmin {
            id: self.id,
            name: &self.name,
        }
    }

    pub fn token_hash(&self) -> &str {
        &self.token_hash
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ConsoleAdmin {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ConsoleAdmin>()
            .cloned()
            .ok_or(StatusCode::UNAUTHORIZED)
    }
}

/// The client's address, as the API's guard resolves it.
#[derive(Clone, Copy)]
pub struct ConsoleClient(pub Option<IpAddr>);

/// First layer of every console route, login included: the API's IP allow-list and per-IP rate
/// limit, the client address and the page language for the handlers, and the headers that keep
/// console pages out of frames, caches and other origins' reach.
pub async fn front(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let (peer, client) = client_ip::of_request(&request, &state.config.security.trusted_proxies);
    let lang = lang_of(request.headers());
    if !client_ip::allowed(client, &state.config.allowed_ips) {
        let event = AuditEvent::security("auth.ip", Outcome::Denied)
            .by_anonymous(None)
            .ip(client)
            .detail(format!("{} {}", request.method(), request.uri().path()));
        // Within the address's budget of audit rows, as the API's guard does.
        super::super::guard::write_refusal(&state, client, event).await;
        return ConsoleError::status(lang, StatusCode::FORBIDDEN).into_response();
    }
    if let Some(bucket) = client.or(peer).map(ip_bucket)
        && let Err(wait) = state.security.limits.per_ip.check(&bucket)
    {
        return ConsoleError::RateLimited {
            lang,
            retry_after_secs: retry_after_secs(wait),
        }
        .into_response();
    }
    request.extensions_mut().insert(ConsoleClient(client));
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    secure_headers(response.headers_mut());
    response
}

fn secure_headers(headers: &mut HeaderMap) {
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// Second layer, on every page but the login form and the assets: a live session, and the CSRF
/// token on anything that changes state.
pub async fn require(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = request
        .extensions()
        .get::<Lang>()
        .copied()
        .unwrap_or_default();
    let client = request
        .extensions()
        .get::<ConsoleClient>()
        .and_then(|client| client.0);
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD);
    let now = Utc::now();
    let admin = match live_session(&state, request.headers(), lang, now).await {
        Ok(Some(admin)) => admin,
        Ok(None) => {
            let had_cookie = cookie_value(request.headers(), SESSION_COOKIE).is_some();
            let what = format!("{} {}", request.method(), request.uri().path());
            return ended(lang, had_cookie, what, changes_state, client, &state).await;
        }
        Err(err) => return err.into_response(),
    };
    let mut request = if changes_state {
        match check_csrf(request, &admin.csrf).await {
            Ok(request) => request,
            Err(problem) => {
                let event = AuditEvent::security("console.csrf", Outcome::Denied)
                    .by_admin(admin.id, &admin.name)
                    .ip(client)
                    .detail(problem);
                state.store.audit(event).await;
                return ConsoleError::status(lang, StatusCode::FORBIDDEN).into_response();
            }
        }
    } else {
        request
    };
    request.extensions_mut().insert(admin);
    next.run(request).await
}

/// No session, or one that ended: pages send the browser to the login form, changes are
/// refused (what the form held is not replayed after a login).
async fn ended(
    lang: Lang,
    had_cookie: bool,
    what: String,
    changes_state: bool,
    client: Option<IpAddr>,
    state: &AppState,
) -> Response {
    if had_cookie {
        let event = AuditEvent::security("console.session", Outcome::Denied)
            .by_anonymous(None)
            .ip(client)
            .detail(format!("{what}: session ended or unknown"));
        super::super::guard::write_refusal(state, client, event).await;
    }
    let clear = removal(SESSION_COOKIE);
    if changes_state {
        let mut response = ConsoleError::SessionEnded(lang).into_response();
        append_cookie(&mut response, &clear);
        return response;
    }
    let target = if had_cookie {
        "/console/login?expired=1"
    } else {
        "/console/login"
    };
    let mut response = Redirect::to(target).into_response();
    append_cookie(&mut response, &clear);
    response
}

/// The session the cookie names, if it is still good; its use is recorded.
async fn live_session(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Option<ConsoleAdmin>, ConsoleError> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let token_hash = digest(&token);
    let store_error = |err: crate::store::StoreError| ConsoleError::from_store(lang, err);
    let Some(session) = state
        .store
        .console_session(&token_hash)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    let in_time = session.expires_at > now && session.last_seen_at + IDLE_TIMEOUT > now;
    let admin = if in_time {
        state
            .store
            .admin_by_id(session.admin_id)
            .await
            .map_err(store_error)?
            .filter(|admin| {
                admin.disabled_at.is_none() && admin.token_generation == session.generation
            })
    } else {
        None
    };
    // Ended by time, or by the admin's sessions ending: forgotten now.
    let Some(admin) = admin else {
        state
            .store
            .close_console_session(&token_hash)
            .await
            .map_err(store_error)?;
        return Ok(None);
    };
    if session.last_seen_at + TOUCH_EVERY <= now {
        state
            .store
            .touch_console_session(&token_hash, now, now - TOUCH_EVERY)
            .await
            .map_err(store_error)?;
    }
    Ok(Some(ConsoleAdmin {
        id: admin.id,
        name: admin.name,
        csrf: session.csrf_token,
        token_hash,
    }))
}

/// Reads the form body, checks its `csrf` field against `expected` in constant time, and puts
/// the body back for the handler.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, &'static str> {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| "form body unreadable or too large")?;
    let presented = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.into_owned())
        .ok_or("no CSRF token in the form")?;
    if !tokens_match(&presented, expected) {
        return Err("wrong CSRF token");
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

pub fn tokens_match(presented: &str, expected: &str) -> bool {
    presented.len() == expected.len() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

/// Opens a session for `admin`; the cookie to set.
pub async fn open(
    state: &AppState,
    admin: &AdminRecord,
    now: DateTime<Utc>,
) -> Result<Cookie<'static>, crate::store::StoreError> {
    // Sessions that ended are forgotten here rather than by a job: logins are rare.
    state
        .store
        .purge_console_sessions(now - IDLE_TIMEOUT, now)
        .await?;
    let token = random_token();
    let csrf = random_token();
    state
        .store
        .open_console_session(&NewConsoleSession {
            token_hash: &digest(&token),
            admin_id: admin.id,
            generation: admin.token_generation,
            csrf_token: &csrf,
            now,
            expires_at: now + MAX_LIFETIME,
        })
        .await?;
    Ok(secure_cookie(SESSION_COOKIE, token))
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A cookie only this site's console pages send back, never readable by scripts.
pub fn secure_cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .build()
}

pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = secure_cookie(name, String::new());
    cookie.make_removal();
    cookie
}

pub fn append_cookie(response: &mut Response, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.encoded().to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The value of cookie `name` in the request, if any.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}
