//! `GET /console/login`, `POST /console/login`, `POST /console/logout` and the language switch.
//! Logins go through the API's own check (`admin_auth::check_login`): the same lockout, the same
//! single-use codes, the same audit rows (action `console.login`).

use axum::Form;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::super::AppState;
use super::super::admin_auth::{LoginRequest, Via, check_login};
use super::super::error::ApiError;
use super::page::{ConsoleError, bare};
use super::session::{
    self, ConsoleAdmin, ConsoleClient, LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, append_cookie,
    cookie_value, removal, secure_cookie, tokens_match,
};
use crate::domain::i18n::Lang;
use crate::domain::i18n::t;
use crate::store::{AuditEvent, Outcome};

#[derive(Deserialize)]
pub(super) struct LoginPageQuery {
    expired: Option<String>,
}

pub(super) async fn form(
    Extension(lang): Extension<Lang>,
    headers: HeaderMap,
    Query(query): Query<LoginPageQuery>,
) -> Response {
    let message = query
        .expired
        .is_some()
        .then(|| t(lang, "console-session-ended"));
    login_page(lang, &headers, StatusCode::OK, message.as_deref(), "")
}

/// The form, with a fresh double-submit token unless the browser already holds one.
fn login_page(
    lang: Lang,
    headers: &HeaderMap,
    status: StatusCode,
    message: Option<&str>,
    name: &str,
) -> Response {
    let token = cookie_value(headers, LOGIN_COOKIE).unwrap_or_else(session::random_token);
    let body = html! {
        @if let Some(message) = message { p.error role="alert" { (message) } }
        form method="post" action="/console/login" autocomplete="off" {
            input type="hidden" name="csrf" value=(token);
            label { (t(lang, "console-login-name")) input name="name" id="name" required value=(name) autocomplete="username"; }
            label { (t(lang, "console-login-password")) input name="password" id="password" type="password" required autocomplete="current-password"; }
            label { (t(lang, "console-login-totp")) input name="totp" id="totp" required inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code"; }
            button type="submit" id="login" { (t(lang, "console-login-submit")) }
        }
    };
    let mut response = (status, bare(lang, &t(lang, "console-login-title"), body)).into_response();
    append_cookie(&mut response, &secure_cookie(LOGIN_COOKIE, token));
    response
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(ConsoleClient(ip)): Extension<ConsoleClient>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie_value(&headers, LOGIN_COOKIE);
    if !expected.is_some_and(|expected| tokens_match(&form.csrf, &expected)) {
        let event = AuditEvent::security("console.csrf", Outcome::Denied)
            .by_anonymous(Some(&form.name))
            .ip(ip)
            .detail("login form without its CSRF token");
        super::super::guard::write_refusal(&state, ip, event).await;
        return ConsoleError::status(lang, StatusCode::FORBIDDEN).into_response();
    }
    let request = LoginRequest {
        name: form.name.trim().to_owned(),
        password: form.password,
        totp: form.totp.trim().to_owned(),
    };
    let now = Utc::now();
    let admin = match check_login(&state, ip, &request, Via::Console, now).await {
        Ok(admin) => admin,
        Err(ApiError::Unauthorized | ApiError::Invalid(_)) => {
            let message = t(lang, "console-login-refused");
            return login_page(
                lang,
                &headers,
                StatusCode::UNAUTHORIZED,
                Some(&message),
                &request.name,
            );
        }
        Err(err) => return ConsoleError::Api { lang, err }.into_response(),
    };
    let cookie = match session::open(&state, &admin, now).await {
        Ok(cookie) => cookie,
        Err(err) => return ConsoleError::from_store(lang, err).into_response(),
    };
    let mut response = Redirect::to("/console").into_response();
    append_cookie(&mut response, &cookie);
    append_cookie(&mut response, &removal(LOGIN_COOKIE));
    response
}

pub(super) async fn logout(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    admin: ConsoleAdmin,
) -> Response {
    if let Err(err) = state.store.close_console_session(admin.token_hash()).await {
        return ConsoleError::from_store(lang, err).into_response();
    }
    let event = AuditEvent::security("console.logout", Outcome::Ok).by_admin(admin.id, &admin.name);
    state.store.audit(event).await;
    let mut response = Redirect::to("/console/login").into_response();
    append_cookie(&mut response, &removal(SESSION_COOKIE));
    response
}

#[derive(Deserialize)]
pub(super) struct LangQuery {
    to: String,
    back: Option<String>,
}

/// `GET /console/lang?to=es&back=/console/users`: remembers the language, returns to the page.
pub(super) async fn switch_language(Query(query): Query<LangQuery>) -> Response {
    // Only a console path: never an open redirect to another site.
    let back = query
        .back
        .filter(|back| back.starts_with("/console") && !back.starts_with("//"))
        .unwrap_or_else(|| "/console".to_owned());
    let mut response = Redirect::to(&back).into_response();
    if let Some(lang) = Lang::from_code(&query.to) {
        let mut cookie = secure_cookie(LANG_COOKIE, lang.code().to_owned());
        cookie.set_max_age(cookie::time::Duration::days(365));
        append_cookie(&mut response, &cookie);
    }
    response
}
