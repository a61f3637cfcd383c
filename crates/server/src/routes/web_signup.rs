//! Owns the sign-up pages: the form, the "check your inbox" page (the same for every valid
//! attempt, registered address or not), and the confirmation link's page, whose button (a
//! POST: mail scanners follow GET links) creates the account and signs it in.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};
use vitrine_app::{Actor, SignupInput, SignupLinkBase, SignupOutcome};

use crate::auth::CurrentActor;
use crate::extract::WebForm;
use crate::page;
use crate::request_meta::Meta;
use crate::routes::web_auth::{
    SignupForm, form_error, redirect_with_cookie, set_retry_after, throttled_for,
};
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup_submit))
        .route(
            "/signup/confirm/{token}",
            get(confirm_page).post(confirm_submit),
        )
}

/// Where confirmation links point, from the site's public URL.
pub(crate) fn link_base(state: &AppState) -> SignupLinkBase {
    let site_url = state.base_url();
    SignupLinkBase {
        link_prefix: format!("{site_url}/signup/confirm/"),
        site_url,
    }
}

/// The form's context: whether sign-ups are open and whether the address is asked for.
async fn form_context(state: &AppState, extra: Value) -> Result<Value, WebError> {
    let mut ctx = json!({
        "signups_enabled": state.app.site_settings().await?.signups_enabled,
        "with_email": state.app.signup_confirms_email(),
        "errors": {},
        "values": { "username": "", "email": "" },
    });
    if let (Some(c), Value::Object(extra)) = (ctx.as_object_mut(), extra) {
        c.extend(extra);
    }
    Ok(ctx)
}

async fn signup_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, WebError> {
    if actor.user().is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let ctx = form_context(&state, Value::Null).await?;
    Ok(page::render(&state, &actor, "signup.html", ctx)
        .await?
        .into_response())
}

async fn signup_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    WebForm(form): WebForm<SignupForm>,
) -> Result<Response, WebError> {
    let values = json!({ "username": form.username, "email": form.email });
    let input: SignupInput = form.into();
    match state.app.signup(&input, link_base(&state), &meta).await {
        Ok(SignupOutcome::Created(created)) => Ok(redirect_with_cookie(
            &state,
            "/?notice=welcome",
            Some(&created.1),
        )),
        Ok(SignupOutcome::ConfirmationSent { email }) => {
            let hours = state.app.policy.signup_link_ttl_secs / 3600;
            let ctx = json!({ "email": email.as_str(), "hours": hours });
            let html = page::render(&state, &Actor::Anonymous, "signup_sent.html", ctx).await?;
            Ok(html.into_response())
        }
        Err(err) => {
            let retry_after = throttled_for(&err);
            let (status, general, errors) = form_error(err)?;
            let extra = json!({ "errors": errors, "values": values, "error": general });
            let ctx = form_context(&state, extra).await?;
            let html = page::render(&state, &Actor::Anonymous, "signup.html", ctx).await?;
            let mut res = (status, html).into_response();
            set_retry_after(&mut res, retry_after);
            Ok(res)
        }
    }
}

/// Names the pending account; creates nothing (see the module comment).
async fn confirm_page(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let request = state.app.signup_request_for_link(&token, &meta).await?;
    let ctx = json!({
        "token": token,
        "username": request.username.as_str(),
        "email": request.email.as_str(),
    });
    let html = page::render(&state, &Actor::Anonymous, "signup_confirm.html", ctx).await?;
    Ok((StatusCode::OK, html).into_response())
}

async fn confirm_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (_, session) = state.app.confirm_signup(&token, &meta).await?;
    Ok(redirect_with_cookie(
        &state,
        "/?notice=welcome",
        Some(&session),
    ))
}
