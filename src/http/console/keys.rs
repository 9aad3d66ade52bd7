//! `GET /console/keys`: the stored API keys; creating one (its secret shown once, on the page
//! that answers the form) and revoking one, through `auth::key_registry` like `herald apikey`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::AppState;
use super::super::error::ApiError;
use super::page::{ConsoleError, Ctx, Nav, notice, page, urlencode, when, when_opt};
use crate::auth::Scope;
use crate::auth::key_registry::{self, By, KeyError, NewApiKey};

impl From<KeyError> for ApiError {
    fn from(err: KeyError) -> Self {
        match err {
            KeyError::Name => Self::invalid("name", err.to_string()),
            KeyError::NoScope => Self::invalid("scopes", err.to_string()),
            KeyError::Store(err) => err.into(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct KeysQuery {
    done: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<KeysQuery>,
) -> Result<Markup, ConsoleError> {
    let notice_text =
        (query.done.as_deref() == Some("revoked")).then(|| ctx.t("console-done-key-revoked"));
    keys_page(&state, &ctx, None, notice_text).await
}

async fn keys_page(
    state: &AppState,
    ctx: &Ctx,
    created: Option<&NewApiKey>,
    notice_text: Option<String>,
) -> Result<Markup, ConsoleError> {
    let keys = state
        .store
        .list_api_keys()
        .await
        .map_err(|err| ctx.err(err))?;
    let body = html! {
        @if let Some(text) = notice_text { (notice(&text)) }
        @if let Some(created) = created {
            div #new-key {
                (notice(&ctx.t("console-keys-created")))
                p.secret #new-key-value { (created.key) }
            }
        }
        h2 { (ctx.t("console-keys-create")) }
        form method="post" action="/console/keys" id="key-form" {
            (ctx.csrf())
            label { (ctx.t("console-keys-name")) input name="name" id="key-name" required maxlength="64"; }
            fieldset {
                legend { (ctx.t("console-keys-scopes")) }
                @for scope in Scope::ALL {
                    label.check { input type="checkbox" name="scope" value=(scope.as_str()) id=(format!("scope-{}", scope.as_str())); " " (scope.as_str()) }
                }
            }
            button type="submit" id="key-create" { (ctx.t("console-keys-create-button")) }
        }
        h2 { (ctx.t("console-keys-existing")) }
        @if keys.is_empty() { p.muted { (ctx.t("console-none")) } } @else {
            table #keys {
                tr {
                    th { "id" } th { (ctx.t("console-keys-name")) } th { (ctx.t("console-keys-scopes")) }
                    th { (ctx.t("console-keys-created-at")) } th { (ctx.t("console-keys-last-used")) }
                    th { (ctx.t("console-keys-state")) } th { "" }
                }
                @for key in &keys {
                    tr data-key=(key.id) {
                        td { code { (key.id) } }
                        td { (key.name) }
                        td { (key.scopes.join(", ")) }
                        td { (when(key.created_at)) }
                        td { (when_opt(key.last_used_at)) }
                        td { @if let Some(at) = key.revoked_at { (ctx.t("console-keys-revoked")) " " (when(at)) } @else { (ctx.t("console-keys-active")) } }
                        td { @if key.revoked_at.is_none() {
                            form.inline method="post" action=(format!("/console/keys/{}/revoke", urlencode(&key.id)))
                                data-confirm=(ctx.t("console-keys-revoke-confirm")) {
                                (ctx.csrf())
                                button.secondary type="submit" id=(format!("revoke-{}", key.id)) { (ctx.t("console-keys-revoke")) }
                            }
                        } }
                    }
                }
            }
        }
    };
    Ok(page(ctx, Nav::Keys, &ctx.t("console-keys-title"), body))
}

pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Markup, ConsoleError> {
    // Checkboxes repeat a field, which a struct form cannot hold: read the pairs.
    let mut name = String::new();
    let mut scopes = Vec::new();
    for (field, value) in form_urlencoded::parse(&body) {
        match field.as_ref() {
            "name" => name = value.into_owned(),
            "scope" => {
                let scope = Scope::parse(&value).ok_or_else(|| {
                    ctx.err(ApiError::invalid(
                        "scopes",
                        format!("unknown scope {value:?}"),
                    ))
                })?;
                if !scopes.contains(&scope) {
                    scopes.push(scope);
                }
            }
            _ => {}
        }
    }
    let by = By::Admin {
        id: ctx.admin.id,
        name: &ctx.admin.name,
    };
    let created = key_registry::create(&state.store, &name, &scopes, by)
        .await
        .map_err(|err| ctx.err(err))?;
    keys_page(&state, &ctx, Some(&created), None).await
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let by = By::Admin {
        id: ctx.admin.id,
        name: &ctx.admin.name,
    };
    // By id only: a name could match several keys.
    let known = state
        .store
        .api_key(&id)
        .await
        .map_err(|err| ctx.err(err))?
        .is_some();
    if !known {
        return Err(ctx.err(ApiError::NotFound));
    }
    key_registry::revoke(&state.store, &id, by)
        .await
        .map_err(|err| ctx.err(err))?;
    Ok(Redirect::to("/console/keys?done=revoked").into_response())
}
