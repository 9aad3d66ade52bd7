//! `GET /api/payments` and `POST /api/payments/{charge_id}/refund` (admin): Stars payments,
//! newest first, and a refund through Telegram (`refundStarPayment`), which ends the tier it
//! bought and tells the user.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::answers::PaymentPage;
use super::auth::AdminCaller;
use super::error::ApiError;
use super::extract::Query;
use super::openapi::Param;
use super::paging::{next_cursor, page_limit};
use crate::accounts::Actor;
use crate::billing::BillingError;
use crate::store::Payment;

/// The query of `GET /api/payments`, documented: [`ListParams`].
pub(super) const LIST_QUERY: &[Param] = &[
    Param::new("user", "string", "only this user's payments (uuid)"),
    Param::new("before", "string", "the `next` value of the previous page"),
    Param::new("limit", "integer", "1 to 500, default 100"),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    user: Option<Uuid>,
    before: Option<DateTime<Utc>>,
    limit: Option<i64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(params): Query<ListParams>,
) -> Result<Json<PaymentPage>, ApiError> {
    let limit = page_limit(params.limit, 100, 500)?;
    let payments = state
        .store
        .list_payments(params.user, params.before, limit)
        .await?;
    let next = next_cursor(&payments, limit, |payment| payment.paid_at);
    Ok(Json(PaymentPage { payments, next }))
}

pub(super) async fn refund(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(charge_id): Path<String>,
) -> Result<Json<Payment>, ApiError> {
    let actor = Actor::ApiAdmin {
        id: admin.id,
        name: &admin.name,
    };
    let payment = state.billing.refund(&charge_id, actor, Utc::now()).await?;
    Ok(Json(payment))
}

impl From<BillingError> for ApiError {
    fn from(err: BillingError) -> Self {
        match err {
            BillingError::UnknownPayment => Self::NotFound,
            BillingError::AlreadyRefunded => {
                Self::Conflict("the payment was already refunded".into())
            }
            BillingError::Telegram(failure) => Self::Upstream(failure.to_string()),
            BillingError::Store(err) => err.into(),
            err => Self::Internal(err.into()),
        }
    }
}
