//! The Mini App (`HERALD_PUBLIC_URL` + `/app`): a page compiled into the binary, and its API at
//! `/app/api/*`, whose caller proves who they are with Telegram's launch data (`Authorization:
//! tma <initData>`, checked by the guard; see `auth::init_data`). The page itself holds nothing
//! personal, so it is served to anyone; everything about the user comes through the API.
//!
//! Preferences change under the same rules as `/filter` and the admin API
//! (`PreferencesPatch::validate`: 422 names the field), audited as the user's own change.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::answers::PreferencesChanged;
use super::error::ApiError;
use super::extract::{Json as JsonBody, JsonRequest};
use crate::auth::Principal;
use crate::domain::filter::PreferencesPatch;
use crate::domain::i18n::Lang;
use crate::domain::preferences::Preferences;
use crate::store::{Account, AuditEvent, Subscription};

const INDEX: &str = include_str!("../../assets/mini_app/index.html");
const SCRIPT: &str = include_str!("../../assets/mini_app/app.js");
const STYLE: &str = include_str!("../../assets/mini_app/app.css");

/// Scripts and styles from this origin only; framed by Telegram's web clients only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors https://web.telegram.org https://*.telegram.org";

/// The page and its two assets: outside the route table, like the webhook, since they carry no
/// data and need no credential. Mounted only when `HERALD_PUBLIC_URL` is set.
pub fn pages() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/app",
            axum::routing::get(|| async { page(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/app/app.js",
            axum::routing::get(|| async { page(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/app/app.css",
            axum::routing::get(|| async { page(STYLE, "text/css; charset=utf-8") }),
        )
}

fn page(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // A new binary may bring a new page; an hour of caching is plenty.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The registered user whose launch data the guard accepted.
pub(super) struct MiniAppCaller(Account);

impl FromRequestParts<AppState> for MiniAppCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.config.public_url.is_none() {
            return Err(ApiError::NotFound);
        }
        let Some(Principal::MiniAppUser { telegram_id }) = parts.extensions.get::<Principal>()
        else {
            return Err(ApiError::Unauthorized);
        };
        let record = state.store.caller_record(*telegram_id).await?;
        match record.account {
            Some(account) if account.user.is_active => Ok(Self(account)),
            // Launch data is genuine, but there is no account (yet, or any more) to show.
            _ => Err(ApiError::Forbidden),
        }
    }
}

/// `GET /app/api/me`.
#[derive(Debug, Serialize)]
pub struct MiniAppMe {
    pub user: MiniAppUser,
    pub language: Lang,
    pub preferences: Preferences,
    pub subscription: Subscription,
    pub plans: Vec<PlanOffer>,
}

#[derive(Debug, Serialize)]
pub struct MiniAppUser {
    pub telegram_id: i64,
    pub first_name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PlanOffer {
    pub id: String,
    pub stars: u32,
    pub days: i64,
    pub renews: bool,
}

pub(super) async fn me(
    State(state): State<AppState>,
    MiniAppCaller(account): MiniAppCaller,
) -> Json<MiniAppMe> {
    let plans = state
        .billing
        .plans()
        .iter()
        .map(|plan| PlanOffer {
            id: plan.id.clone(),
            stars: plan.stars,
            days: plan.period_days(),
            renews: plan.renews,
        })
        .collect();
    Json(MiniAppMe {
        user: MiniAppUser {
            telegram_id: account.user.telegram_id,
            first_name: account.user.first_name.clone(),
        },
        language: account.prefs.language,
        preferences: account.prefs,
        subscription: account.subscription,
        plans,
    })
}

pub(super) async fn preferences(
    State(state): State<AppState>,
    MiniAppCaller(account): MiniAppCaller,
    JsonBody(patch): JsonBody<PreferencesPatch>,
) -> Result<Json<PreferencesChanged>, ApiError> {
    let changes = patch.validate().map_err(ApiError::Invalid)?;
    let before = account.prefs;
    let after = changes.apply(&before);
    if after != before {
        let user_id = account.user.id;
        state
            .store
            .save_preferences(user_id, &after, Utc::now())
            .await?;
        let event = AuditEvent::audit("user.preferences")
            .by_user(user_id)
            .target("user", user_id.to_string())
            .change(json!(before), json!(after))
            .detail("mini app");
        state.store.audit(event).await;
    }
    Ok(Json(PreferencesChanged { preferences: after }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InvoiceRequest {
    plan: String,
}

impl JsonRequest for InvoiceRequest {}

/// `POST /app/api/invoice`: a link for `Telegram.WebApp.openInvoice`.
#[derive(Debug, Serialize)]
pub struct InvoiceLink {
    pub link: String,
}

pub(super) async fn invoice(
    State(state): State<AppState>,
    MiniAppCaller(account): MiniAppCaller,
    JsonBody(request): JsonBody<InvoiceRequest>,
) -> Result<Json<InvoiceLink>, ApiError> {
    let plan = state
        .billing
        .plans()
        .get(&request.plan)
        .ok_or_else(|| ApiError::invalid("plan", "no such plan"))?;
    let link = state
        .billing
        .invoice_link(
            plan,
            account.user.telegram_id,
            account.prefs.language,
            Utc::now(),
        )
        .await
        .map_err(|failure| ApiError::Upstream(failure.to_string()))?;
    Ok(Json(InvoiceLink { link }))
}
