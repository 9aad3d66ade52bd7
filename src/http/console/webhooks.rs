//! `GET /console/webhooks`: the receivers of outgoing webhooks; registering one (its secret shown
//! once) and removing one, through `webhooks::registry` like the API.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::AppState;
use super::page::{ConsoleError, Ctx, Nav, notice, page, parse_id, when};
use crate::webhooks::EVENT_TYPES;
use crate::webhooks::registry;

#[derive(Debug, Default, Deserialize)]
pub(super) struct WebhooksQuery {
    done: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<WebhooksQuery>,
) -> Result<Markup, ConsoleError> {
    let text =
        (query.done.as_deref() == Some("deleted")).then(|| ctx.t("console-done-webhook-deleted"));
    webhooks_page(&state, &ctx, None, text).await
}

async fn webhooks_page(
    state: &AppState,
    ctx: &Ctx,
    secret: Option<&str>,
    notice_text: Option<String>,
) -> Result<Markup, ConsoleError> {
    let endpoints = state
        .store
        .webhook_endpoints()
        .await
        .map_err(|err| ctx.err(err))?;
    let body = html! {
        @if let Some(text) = notice_text { (notice(&text)) }
        @if let Some(secret) = secret {
            (notice(&ctx.t("console-webhooks-created")))
            p.secret #new-webhook-secret { (secret) }
        }
        h2 { (ctx.t("console-webhooks-add")) }
        form method="post" action="/console/webhooks" id="webhook-form" {
            (ctx.csrf())
            label { "URL" input name="url" id="webhook-url" type="url" required placeholder="https://example.com/herald"; }
            fieldset {
                legend { (ctx.t("console-webhooks-events")) }
                @for event in EVENT_TYPES {
                    label.check { input type="checkbox" name="event" value=(event); " " (event) }
                }
            }
            label { (ctx.t("console-webhooks-description")) input name="description" maxlength="200"; }
            button type="submit" id="webhook-create" { (ctx.t("console-webhooks-add-button")) }
        }
        h2 { (ctx.t("console-webhooks-existing")) }
        @if endpoints.is_empty() { p.muted { (ctx.t("console-none")) } } @else {
            table #webhooks {
                tr { th { "URL" } th { (ctx.t("console-webhooks-events")) } th { (ctx.t("console-webhooks-description")) }
                     th { (ctx.t("console-keys-created-at")) } th { (ctx.t("console-keys-state")) } th { "" } }
                @for endpoint in &endpoints {
                    tr {
                        td { (endpoint.url) }
                        td { (endpoint.events.join(", ")) }
                        td { (endpoint.description.as_deref().unwrap_or("")) }
                        td { (when(endpoint.created_at)) }
                        td { @if let Some(at) = endpoint.disabled_at {
                                (ctx.t("console-webhooks-disabled")) " " (when(at))
                                @if let Some(reason) = &endpoint.disabled_reason { " (" (reason) ")" }
                            } @else { (ctx.t("console-keys-active")) } }
                        td { form.inline method="post" action=(format!("/console/webhooks/{}/delete", endpoint.id))
                                data-confirm=(ctx.t("console-webhooks-delete-confirm")) {
                                (ctx.csrf())
                                button.secondary type="submit" { (ctx.t("console-webhooks-delete")) }
                        } }
                    }
                }
            }
        }
    };
    Ok(page(
        ctx,
        Nav::Webhooks,
        &ctx.t("console-webhooks-title"),
        body,
    ))
}

pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Markup, ConsoleError> {
    // Checkboxes repeat a field: read the pairs.
    let (mut url, mut description, mut events) = (String::new(), None, Vec::new());
    for (field, value) in form_urlencoded::parse(&body) {
        match field.as_ref() {
            "url" => url = value.into_owned(),
            "description" => description = Some(value.into_owned()),
            "event" => events.push(value.into_owned()),
            _ => {}
        }
    }
    let (_, secret) = registry::register(&state.store, url.trim(), &events, description.as_deref())
        .await
        .map_err(|err| ctx.err(err))?;
    webhooks_page(&state, &ctx, Some(&secret), None).await
}

pub(super) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&ctx, &id)?;
    if !registry::remove(&state.store, id)
        .await
        .map_err(|err| ctx.err(err))?
    {
        return Err(ctx.err(crate::http::error::ApiError::NotFound));
    }
    Ok(Redirect::to("/console/webhooks?done=deleted").into_response())
}
