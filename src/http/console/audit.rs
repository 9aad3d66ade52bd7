//! `GET /console/audit`: the audit and security log, newest first, filtered like `GET /api/audit`.

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::AppState;
use super::super::error::ApiError;
use super::page::{ConsoleError, Ctx, Nav, filled, page, urlencode, when};
use crate::store::AuditQuery;

const PAGE_SIZE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub(super) struct AuditFilters {
    category: Option<String>,
    action: Option<String>,
    before: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filters): Query<AuditFilters>,
) -> Result<Markup, ConsoleError> {
    let category = filled(&filters.category);
    if category
        .as_deref()
        .is_some_and(|c| !matches!(c, "audit" | "security"))
    {
        return Err(ctx.err(ApiError::invalid("category", "audit or security")));
    }
    let action = filled(&filters.action);
    if action.as_ref().is_some_and(|a| a.chars().count() > 64) {
        return Err(ctx.err(ApiError::invalid("action", "at most 64 characters")));
    }
    let before_id = filled(&filters.before)
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| ctx.err(ApiError::invalid("before", "not a link from a page")))
        })
        .transpose()?;
    let rows = state
        .store
        .list_audit(&AuditQuery {
            category: category.clone(),
            action: action.clone(),
            before_id,
            limit: PAGE_SIZE,
            ..AuditQuery::default()
        })
        .await
        .map_err(|err| ctx.err(err))?;
    let next = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last())
        .flatten()
        .map(|last| last.id);
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let body = html! {
        form.filters method="get" action="/console/audit" {
            label { (ctx.t("console-audit-category"))
                select name="category" {
                    option value="" { (ctx.t("console-any")) }
                    @for c in ["audit", "security"] { option value=(c) selected[category.as_deref() == Some(c)] { (c) } }
                }
            }
            label { (ctx.t("console-audit-action")) input name="action" value=(text(&action)) placeholder="admin.user.tier.grant"; }
            button type="submit" { (ctx.t("console-filter")) }
        }
        @if rows.is_empty() { p.muted { (ctx.t("console-none")) } } @else {
            table #audit {
                tr { th { (ctx.t("console-audit-at")) } th { (ctx.t("console-audit-action")) } th { (ctx.t("console-audit-outcome")) }
                     th { (ctx.t("console-audit-actor")) } th { (ctx.t("console-audit-target")) } th { "IP" } th { (ctx.t("console-audit-detail")) } }
                @for row in &rows {
                    tr {
                        td { (when(row.at)) }
                        td { code { (row.action) } }
                        td { (row.outcome) }
                        td { (row.actor_kind) @if let Some(name) = &row.actor_name { " " (name) } }
                        td { @if let (Some(kind), Some(id)) = (&row.target_kind, &row.target_id) {
                            @if kind == "user" { a href=(format!("/console/users/{id}")) { (kind) " " (id) } } @else { (kind) " " (id) }
                        } }
                        td { (row.ip.as_deref().unwrap_or("")) }
                        td { (row.detail.as_deref().unwrap_or(""))
                            @if let (Some(before), Some(after)) = (&row.before, &row.after) {
                                br; span.muted { (before) " → " (after) }
                            } }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p.pager { a href=(format!("/console/audit?category={}&action={}&before={next}",
                urlencode(&text(&category)), urlencode(&text(&action)))) { (ctx.t("console-older")) } }
        }
    };
    Ok(page(&ctx, Nav::Audit, &ctx.t("console-audit-title"), body))
}
