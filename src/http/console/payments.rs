//! `GET /console/payments` (newest first) and refunds through Telegram, which end the tier the
//! payment bought (`Billing::refund`, the same path as `POST /api/payments/{charge_id}/refund`).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::AppState;
use super::super::error::ApiError;
use super::page::{ConsoleError, Ctx, Nav, notice, page, urlencode, when, when_opt};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub(super) struct PaymentsQuery {
    before: Option<String>,
    done: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PaymentsQuery>,
) -> Result<Markup, ConsoleError> {
    let before = query
        .before
        .as_deref()
        .filter(|text| !text.is_empty())
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| ctx.err(ApiError::invalid("before", "not a link from a page")))
        })
        .transpose()?;
    let payments = state
        .store
        .list_payments(None, before, PAGE_SIZE)
        .await
        .map_err(|err| ctx.err(err))?;
    let next = (payments.len() as i64 == PAGE_SIZE)
        .then(|| payments.last())
        .flatten()
        .map(|last| last.paid_at.to_rfc3339());
    let body = html! {
        @if query.done.as_deref() == Some("refunded") { (notice(&ctx.t("console-done-refunded"))) }
        @if payments.is_empty() { p.muted { (ctx.t("console-none")) } } @else {
            table #payments {
                tr {
                    th { (ctx.t("console-payments-paid")) }
                    th { (ctx.t("console-payments-user")) }
                    th { (ctx.t("console-payments-plan")) }
                    th.num { "⭐" }
                    th { (ctx.t("console-payments-until")) }
                    th { (ctx.t("console-payments-state")) }
                    th { "" }
                }
                @for payment in &payments {
                    tr {
                        td { (when(payment.paid_at)) }
                        td { @if let Some(user) = payment.user_id {
                            a href=(format!("/console/users/{user}")) { (payment.telegram_id) }
                        } @else { span.muted { (ctx.t("console-payments-erased")) } } }
                        td { (payment.plan) " (" (payment.tier) ")" @if payment.recurring { " ↻" } }
                        td.num { (payment.stars) }
                        td { (when(payment.paid_until)) }
                        td { @if payment.refunded_at.is_some() {
                                (ctx.t("console-payments-refunded")) " " (when_opt(payment.refunded_at))
                            } @else if payment.granted_at.is_some() { (ctx.t("console-payments-granted")) }
                            @else { (ctx.t("console-payments-pending")) } }
                        td { @if payment.refunded_at.is_none() {
                            form.inline method="post" action=(format!("/console/payments/{}/refund", urlencode(&payment.charge_id)))
                                data-confirm=(ctx.t("console-payments-refund-confirm")) {
                                (ctx.csrf())
                                button.secondary type="submit" { (ctx.t("console-payments-refund")) }
                            }
                        } }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p.pager { a href=(format!("/console/payments?before={}", urlencode(&next))) { (ctx.t("console-older")) } }
        }
    };
    Ok(page(
        &ctx,
        Nav::Payments,
        &ctx.t("console-payments-title"),
        body,
    ))
}

pub(super) async fn refund(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(charge_id): Path<String>,
) -> Result<Response, ConsoleError> {
    state
        .billing
        .refund(&charge_id, ctx.admin.actor(), Utc::now())
        .await
        .map_err(|err| ctx.err(err))?;
    Ok(Redirect::to("/console/payments?done=refunded").into_response())
}
