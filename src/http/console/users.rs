//! `GET /console/users` (search), `GET /console/users/{id}`, and the changes an admin makes to an
//! account: tier grant and revoke (the one grant path of `accounts`), deactivation, erasure after
//! a confirmation. Each change is audited by `accounts` with the admin as actor.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::super::AppState;
use super::super::error::ApiError;
use super::page::{
    ConsoleError, Ctx, Nav, filled, notice, page, parse_id, urlencode, when, when_opt,
};
use super::signals::day_start;
use crate::accounts::{self, Grant};
use crate::domain::i18n::t_args;
use crate::domain::preferences::Tier;
use crate::store::UserListQuery;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Search {
    q: Option<String>,
    tier: Option<String>,
    active: Option<String>,
    after: Option<String>,
    done: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(search): Query<Search>,
) -> Result<Markup, ConsoleError> {
    let q = filled(&search.q);
    if q.as_ref().is_some_and(|q| q.chars().count() > 64) {
        return Err(ctx.err(ApiError::invalid("q", "at most 64 characters")));
    }
    let tier = filled(&search.tier)
        .map(|text| {
            Tier::parse(&text).ok_or_else(|| ctx.err(ApiError::invalid("tier", "free or premium")))
        })
        .transpose()?;
    let active = match filled(&search.active).as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ctx.err(ApiError::invalid("active", "true or false"))),
    };
    let after = filled(&search.after)
        .map(|text| {
            Uuid::parse_str(&text)
                .map_err(|_| ctx.err(ApiError::invalid("after", "not a link from a page")))
        })
        .transpose()?;
    let users = state
        .store
        .list_users(&UserListQuery {
            search: q.clone(),
            tier,
            active,
            after,
            limit: PAGE_SIZE,
        })
        .await
        .map_err(|err| ctx.err(err))?;
    let next = (users.len() as i64 == PAGE_SIZE)
        .then(|| users.last())
        .flatten()
        .map(|last| last.user.id);
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let body = html! {
        @if search.done.as_deref() == Some("erased") { (notice(&ctx.t("console-done-erased"))) }
        form.filters method="get" action="/console/users" {
            label { (ctx.t("console-users-search")) input name="q" id="user-search" value=(text(&search.q)) placeholder="@name, 12345"; }
            label { (ctx.t("console-users-tier"))
                select name="tier" {
                    option value="" { (ctx.t("console-any")) }
                    @for tier in ["free", "premium"] {
                        option value=(tier) selected[search.tier.as_deref() == Some(tier)] { (tier) }
                    }
                }
            }
            label { (ctx.t("console-users-state"))
                select name="active" {
                    option value="" { (ctx.t("console-any")) }
                    option value="true" selected[search.active.as_deref() == Some("true")] { (ctx.t("console-users-active")) }
                    option value="false" selected[search.active.as_deref() == Some("false")] { (ctx.t("console-users-inactive")) }
                }
            }
            button type="submit" id="user-search-submit" { (ctx.t("console-filter")) }
        }
        @if users.is_empty() {
            p.muted { (ctx.t("console-none")) }
        } @else {
            table #users {
                tr {
                    th { (ctx.t("console-users-name")) }
                    th { "Telegram" }
                    th { (ctx.t("console-users-tier")) }
                    th { (ctx.t("console-users-state")) }
                    th { (ctx.t("console-users-joined")) }
                }
                @for summary in &users {
                    @let user = &summary.user;
                    tr {
                        td { a href=(format!("/console/users/{}", user.id)) { (display_name(user)) } }
                        td { (user.telegram_id) }
                        td { (summary.subscription.tier.as_str()) }
                        td { @if user.is_active { (ctx.t("console-users-active")) } @else { (ctx.t("console-users-inactive")) } }
                        td { (when(user.created_at)) }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p.pager { a href=(format!("/console/users?q={}&tier={}&active={}&after={next}",
                urlencode(&text(&search.q)), urlencode(&text(&search.tier)), urlencode(&text(&search.active))))
                { (ctx.t("console-more")) } }
        }
    };
    Ok(page(&ctx, Nav::Users, &ctx.t("console-users-title"), body))
}

fn display_name(user: &crate::store::User) -> String {
    let names = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (&user.username, names.is_empty()) {
        (Some(username), true) => format!("@{username}"),
        (Some(username), false) => format!("{names} (@{username})"),
        (None, false) => names,
        (None, true) => user.telegram_id.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Markup, ConsoleError> {
    let id = parse_id(&ctx, &id)?;
    let store = &state.store;
    let summary = store
        .user_summary(id)
        .await
        .map_err(|err| ctx.err(err))?
        .ok_or_else(|| ctx.err(ApiError::NotFound))?;
    let preferences = store.preferences(id).await.map_err(|err| ctx.err(err))?;
    let deliveries = store
        .user_delivery_counts(id)
        .await
        .map_err(|err| ctx.err(err))?;
    let referrals = store
        .referral_counts(id)
        .await
        .map_err(|err| ctx.err(err))?;
    let user = &summary.user;
    let subscription = &summary.subscription;
    let done_key = done.done.as_deref().and_then(|key| match key {
        "granted" | "revoked" | "deactivated" | "activated" => Some(format!("console-done-{key}")),
        _ => None,
    });
    let assets = if preferences.assets.is_empty() {
        ctx.t("console-users-all-assets")
    } else {
        preferences
            .assets
            .iter()
            .map(|asset| asset.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let default_until = (Utc::now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let body = html! {
        @if let Some(key) = done_key { (notice(&ctx.t(&key))) }
        table.facts #user {
            tr { th { "Telegram" } td { (user.telegram_id) } }
            tr { th { (ctx.t("console-users-joined")) } td { (when(user.created_at)) } }
            tr { th { (ctx.t("console-users-state")) } td #user-state { @if user.is_active { (ctx.t("console-users-active")) } @else { (ctx.t("console-users-inactive")) } } }
            tr { th { (ctx.t("console-users-tier")) } td #user-tier { (subscription.tier.as_str()) @if let Some(until) = subscription.expires_at { " · " (ctx.t("console-users-until")) " " (when(until)) } } }
            tr { th { (ctx.t("console-users-subscribed")) } td { @if subscription.subscribed { "✓" } @else { "—" } } }
            tr { th { (ctx.t("console-users-language")) } td { (preferences.language.code()) } }
            tr { th { (ctx.t("console-users-assets")) } td { (assets) } }
            tr { th { (ctx.t("console-users-min-confidence")) } td { (preferences.confidence_threshold) "%" } }
            tr { th { (ctx.t("console-users-disclaimer")) } td { (when_opt(user.disclaimer_accepted_at)) } }
            tr { th { (ctx.t("console-users-referrals")) } td #user-referrals {
                (t_args(ctx.lang, "console-users-referrals-counts", [
                    ("joined", referrals.joined.into()), ("paid", referrals.paid.into()),
                ]))
                @if let Some(code) = &referrals.code { " · " code { "r_" (code) } }
            } }
        }
        h2 { (ctx.t("console-users-deliveries")) }
        @if deliveries.is_empty() { p.muted { (ctx.t("console-none")) } } @else {
            table { tr { @for (status, _) in &deliveries { th.num { (status) } } }
                    tr { @for (status, n) in &deliveries { td.num class=(format!("status-{status}")) { (n) } } } }
        }
        h2 { (ctx.t("console-users-actions")) }
        div.actions {
            form method="post" action=(format!("/console/users/{id}/tier")) id="grant-form" {
                (ctx.csrf())
                label { (ctx.t("console-users-tier"))
                    select name="tier" { option value="premium" { "premium" } option value="free" { "free" } } }
                label { (ctx.t("console-users-until-optional")) input type="date" name="until" value=(default_until); }
                button type="submit" id="grant" { (ctx.t("console-users-grant")) }
            }
            @if subscription.tier != Tier::Free {
                form method="post" action=(format!("/console/users/{id}/tier/revoke")) {
                    (ctx.csrf())
                    button.secondary type="submit" id="revoke" { (ctx.t("console-users-revoke")) }
                }
            }
            form method="post" action=(format!("/console/users/{id}/active")) {
                (ctx.csrf())
                @if user.is_active {
                    input type="hidden" name="active" value="false";
                    button.secondary type="submit" id="deactivate" { (ctx.t("console-users-deactivate")) }
                } @else {
                    input type="hidden" name="active" value="true";
                    button.secondary type="submit" id="activate" { (ctx.t("console-users-activate")) }
                }
            }
            form method="get" action=(format!("/console/users/{id}/erase")) {
                button.danger type="submit" id="erase" { (ctx.t("console-users-erase")) }
            }
        }
    };
    Ok(page(&ctx, Nav::Users, &display_name(user), body))
}

#[derive(Debug, Deserialize)]
pub(super) struct GrantForm {
    tier: String,
    until: Option<String>,
}

pub(super) async fn grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<GrantForm>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&ctx, &id)?;
    let tier = Tier::parse(&form.tier)
        .ok_or_else(|| ctx.err(ApiError::invalid("tier", "free or premium")))?;
    let expires_at = form
        .until
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| day_start(text, "until"))
        .transpose()
        .map_err(|err| ctx.err(err))?;
    let grant = Grant::Set { tier, expires_at };
    accounts::grant(&state.store, id, grant, ctx.admin.actor(), Utc::now())
        .await
        .map_err(|err| ctx.err(err))?;
    Ok(Redirect::to(&format!("/console/users/{id}?done=granted")).into_response())
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&ctx, &id)?;
    accounts::revoke(&state.store, id, ctx.admin.actor())
        .await
        .map_err(|err| ctx.err(err))?;
    Ok(Redirect::to(&format!("/console/users/{id}?done=revoked")).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct ActiveForm {
    active: String,
}

pub(super) async fn set_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&ctx, &id)?;
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(ctx.err(ApiError::invalid("active", "true or false"))),
    };
    accounts::set_active(&state.store, id, active, ctx.admin.actor())
        .await
        .map_err(|err| ctx.err(err))?;
    let done = if active { "activated" } else { "deactivated" };
    Ok(Redirect::to(&format!("/console/users/{id}?done={done}")).into_response())
}

/// The confirmation before an erasure: the admin types the user's Telegram id.
pub(super) async fn confirm_erase(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Markup, ConsoleError> {
    let id = parse_id(&ctx, &id)?;
    let summary = state
        .store
        .user_summary(id)
        .await
        .map_err(|err| ctx.err(err))?
        .ok_or_else(|| ctx.err(ApiError::NotFound))?;
    let body = html! {
        p { (ctx.t("console-erase-explain")) }
        form method="post" action=(format!("/console/users/{id}/erase")) id="erase-form" {
            (ctx.csrf())
            label { (ctx.t("console-erase-type-id")) " " code { (summary.user.telegram_id) }
                input name="confirm" id="erase-confirm" required autocomplete="off"; }
            button.danger type="submit" id="erase-submit" { (ctx.t("console-users-erase")) }
            " " a href=(format!("/console/users/{id}")) { (ctx.t("console-cancel")) }
        }
    };
    Ok(page(&ctx, Nav::Users, &ctx.t("console-erase-title"), body))
}

#[derive(Debug, Deserialize)]
pub(super) struct EraseForm {
    #[serde(default)]
    confirm: String,
}

pub(super) async fn erase(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<EraseForm>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&ctx, &id)?;
    let user = state
        .store
        .user_by_id(id)
        .await
        .map_err(|err| ctx.err(err))?
        .ok_or_else(|| ctx.err(ApiError::NotFound))?;
    if form.confirm.trim() != user.telegram_id.to_string() {
        return Err(ctx.err(ApiError::invalid(
            "confirm",
            ctx.t("console-erase-mismatch"),
        )));
    }
    accounts::erase(&state.store, id, ctx.admin.actor())
        .await
        .map_err(|err| ctx.err(err))?;
    Ok(Redirect::to("/console/users?done=erased").into_response())
}
