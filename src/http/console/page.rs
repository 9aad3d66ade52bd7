//! What every console page shares: the language, the frame with its navigation, the CSRF field
//! of forms, how times and numbers read, and error pages.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::session::{ConsoleAdmin, LANG_COOKIE, cookie_value};
use crate::domain::i18n::{Lang, t};
use crate::http::error::ApiError;
use crate::store::StoreError;

/// The page language: the console's own cookie, else the browser's first choice, else English.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookie_value(headers, LANG_COOKIE).and_then(|code| Lang::from_code(&code)) {
        return lang;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .and_then(|first| Lang::from_code(first.split(';').next().unwrap_or("").trim()))
        .unwrap_or_default()
}

/// What a page handler knows of its request: who, in which language, at which address.
pub struct Ctx {
    pub admin: ConsoleAdmin,
    pub lang: Lang,
    /// Path and query, for the language switch to come back to.
    pub here: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let admin = ConsoleAdmin::from_request_parts(parts, state).await?;
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/console".to_owned(), |pq| pq.as_str().to_owned());
        Ok(Ctx { admin, lang, here })
    }
}

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    /// The hidden field every form carries.
    pub fn csrf(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.admin.csrf); }
    }

    pub fn err(&self, err: impl Into<ApiError>) -> ConsoleError {
        ConsoleError::Api {
            lang: self.lang,
            err: err.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Signals,
    Users,
    Performance,
    Payments,
    Keys,
    Webhooks,
    Audit,
}

impl Nav {
    const ALL: [(Nav, &'static str, &'static str); 8] = [
        (Nav::Dashboard, "/console", "console-nav-dashboard"),
        (Nav::Signals, "/console/signals", "console-nav-signals"),
        (Nav::Users, "/console/users", "console-nav-users"),
        (
            Nav::Performance,
            "/console/performance",
            "console-nav-performance",
        ),
        (Nav::Payments, "/console/payments", "console-nav-payments"),
        (Nav::Keys, "/console/keys", "console-nav-keys"),
        (Nav::Webhooks, "/console/webhooks", "console-nav-webhooks"),
        (Nav::Audit, "/console/audit", "console-nav-audit"),
    ];
}

/// A whole page: head, navigation, the admin and the logout button, then `body`.
pub fn page(ctx: &Ctx, nav: Nav, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(title, true))
            body {
                header.top {
                    a.brand href="/console" { "Herald" }
                    nav {
                        @for (item, href, key) in Nav::ALL {
                            a href=(href) class=[(item == nav).then_some("active")] { (t(lang, key)) }
                        }
                    }
                    div.who {
                        (language_switch(lang, &ctx.here))
                        span.admin { (ctx.admin.name) }
                        form method="post" action="/console/logout" {
                            (ctx.csrf())
                            button.link type="submit" id="logout" { (t(lang, "console-logout")) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page outside the session: the login form and error pages.
pub fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(title, false))
            body.bare {
                main.narrow {
                    div.brand-line { span.brand { "Herald" } (language_switch(lang, "/console/login")) }
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn head(title: &str, with_script: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Herald" }
            link rel="stylesheet" href="/console/assets/console.css";
            @if with_script { script src="/console/assets/console.js" defer {} }
        }
    }
}

fn language_switch(lang: Lang, here: &str) -> Markup {
    html! {
        span.langs {
            @for other in Lang::ALL {
                @if other == lang {
                    b { (other.code().to_uppercase()) }
                } @else {
                    a href=(format!("/console/lang?to={}&back={}", other.code(), urlencode(here))) {
                        (other.code().to_uppercase())
                    }
                }
                " "
            }
        }
    }
}

pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `2026-12-04 09:30:12 UTC`: the console shows every time in UTC, like the API.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub fn when_opt(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "—".to_owned(), when)
}

/// A percentage with its sign, or a dash.
pub fn pct(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:+.2}%"))
}

/// A query or form field with something in it, trimmed; an empty field is no filter.
pub fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// A path's id, or the not-found page.
pub fn parse_id(ctx: &Ctx, text: &str) -> Result<uuid::Uuid, ConsoleError> {
    uuid::Uuid::parse_str(text).map_err(|_| ctx.err(ApiError::NotFound))
}

/// A message after a change, shown at the top of the page it leads to.
pub fn notice(text: &str) -> Markup {
    html! { p.notice role="status" { (text) } }
}

/// Why a console request failed, as a page.
#[derive(Debug)]
pub enum ConsoleError {
    Status {
        lang: Lang,
        status: StatusCode,
    },
    RateLimited {
        lang: Lang,
        retry_after_secs: u64,
    },
    /// A change was posted with no live session.
    SessionEnded(Lang),
    Api {
        lang: Lang,
        err: ApiError,
    },
}

impl ConsoleError {
    pub fn status(lang: Lang, status: StatusCode) -> Self {
        Self::Status { lang, status }
    }

    pub fn from_store(lang: Lang, err: StoreError) -> Self {
        Self::Api {
            lang,
            err: err.into(),
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (lang, status, detail, retry) = match self {
            Self::Status { lang, status } => (lang, status, None, None),
            Self::RateLimited {
                lang,
                retry_after_secs,
            } => (
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                None,
                Some(retry_after_secs),
            ),
            Self::SessionEnded(lang) => (
                lang,
                StatusCode::UNAUTHORIZED,
                Some(t(lang, "console-session-ended")),
                None,
            ),
            Self::Api { lang, err } => {
                let status = err.status();
                let detail = match &err {
                    ApiError::Invalid(fields) => Some(
                        fields
                            .iter()
                            .map(|(field, problem)| format!("{field}: {problem}"))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                    ApiError::Malformed(message)
                    | ApiError::Conflict(message)
                    | ApiError::Upstream(message) => Some(message.clone()),
                    ApiError::Internal(inner) => {
                        tracing::error!(error = %inner, "console page failed");
                        None
                    }
                    ApiError::DatabaseUnavailable(inner) => {
                        tracing::warn!(error = %inner, "console page: database unavailable");
                        None
                    }
                    _ => None,
                };
                (lang, status, detail, None)
            }
        };
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        let body = bare(
            lang,
            &title,
            html! {
                @if let Some(detail) = detail { p.error { (detail) } }
                p { a href="/console" { (t(lang, "console-back")) } }
            },
        );
        let mut response = (status, body).into_response();
        if let Some(secs) = retry
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
