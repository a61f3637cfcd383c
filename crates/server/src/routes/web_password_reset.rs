//! Owns the password reset pages: ask for a link by username or e-mail, then choose a new
//! password through the link. Plain HTML forms; failures re-render the form.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use vitrine_app::{Actor, AppError, ResetLinkBase};

use crate::extract::WebForm;
use crate::page;
use crate::request_meta::Meta;
use crate::routes::web_auth::{form_error, set_retry_after, throttled_for};
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forgot-password", get(forgot_page).post(forgot_submit))
        .route("/reset/{token}", get(reset_page).post(reset_submit))
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    login: String,
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Where reset links point, from the site's public URL.
pub(crate) fn link_base(state: &AppState) -> ResetLinkBase {
    let site_url = state.base_url();
    ResetLinkBase {
        link_prefix: format!("{site_url}/reset/"),
        site_url,
    }
}

async fn forgot_page(State(state): State<AppState>) -> Result<Response, WebError> {
    let enabled = state.app.password_reset_enabled();
    let ctx = json!({ "enabled": enabled, "login": "", "errors": {} });
    let html = page::render(&state, &Actor::Anonymous, "forgot_password.html", ctx).await?;
    let status = if enabled {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok((status, html).into_response())
}

async fn forgot_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    WebForm(form): WebForm<ForgotForm>,
) -> Result<Response, WebError> {
    let result = state
        .app
        .request_password_reset(&form.login, link_base(&state), &meta)
        .await;
    let minutes = state.app.policy.reset_link_ttl_secs / 60;
    let (status, ctx, retry_after) = match result {
        Ok(()) => (
            StatusCode::OK,
            json!({ "enabled": true, "sent": true, "minutes": minutes }),
            None,
        ),
        Err(err) => {
            let retry_after = throttled_for(&err);
            let enabled = !matches!(err, AppError::PasswordResetUnavailable);
            let (status, general, errors) = form_error(err)?;
            let ctx = json!({ "enabled": enabled, "login": form.login, "errors": errors, "error": general });
            (status, ctx, retry_after)
        }
    };
    let html = page::render(&state, &Actor::Anonymous, "forgot_password.html", ctx).await?;
    let mut res = (status, html).into_response();
    set_retry_after(&mut res, retry_after);
    Ok(res)
}

async fn reset_page(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let user = state.app.password_reset_account(&token, &meta).await?;
    render_reset(
        &state,
        &token,
        user.username.as_str(),
        StatusCode::OK,
        None,
        BTreeMap::new(),
    )
    .await
}

async fn reset_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
    WebForm(form): WebForm<ResetForm>,
) -> Result<Response, WebError> {
    let done = state
        .app
        .complete_password_reset(&token, &form.password, Some(&form.password_confirm), &meta)
        .await;
    match done {
        Ok(_) => Ok(Redirect::to("/login?notice=password_reset").into_response()),
        Err(err @ (AppError::Validation(_) | AppError::InvalidFields(_))) => {
            let user = state.app.password_reset_account(&token, &meta).await?;
            let (status, general, errors) = form_error(err)?;
            render_reset(
                &state,
                &token,
                user.username.as_str(),
                status,
                general,
                errors,
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
}

async fn render_reset(
    state: &AppState,
    token: &str,
    username: &str,
    status: StatusCode,
    error: Option<String>,
    errors: BTreeMap<String, String>,
) -> Result<Response, WebError> {
    let ctx = json!({ "token": token, "username": username, "errors": errors, "error": error });
    let html = page::render(state, &Actor::Anonymous, "reset_password.html", ctx).await?;
    Ok((status, html).into_response())
}
