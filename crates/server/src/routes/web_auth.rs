//! Owns the sign-in pages: log in, log out and first-run setup, and the form helpers the other
//! account pages share. Plain HTML forms that work without JavaScript; failures re-render the
//! form with the message and the right status.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use vitrine_app::{Actor, AppError, LoginInput, NewSession, SignupInput};

use crate::auth::CurrentActor;
use crate::cookies;
use crate::error::ApiError;
use crate::extract::WebForm;
use crate::page::{self, safe_next, sentence};
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout_submit))
        .route("/setup/{token}", get(setup_page).post(setup_submit))
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    remember: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

impl From<SignupForm> for SignupInput {
    fn from(f: SignupForm) -> Self {
        SignupInput {
            username: f.username,
            email: f.email,
            password: f.password,
            password_confirm: Some(f.password_confirm),
        }
    }
}

/// 303 to `to`, setting (or clearing) the session cookie.
pub(crate) fn redirect_with_cookie(
    state: &AppState,
    to: &str,
    session: Option<&NewSession>,
) -> Response {
    let mut res = Redirect::to(to).into_response();
    let secure = state.config.is_https();
    let set = match session {
        Some(s) => cookies::for_new_session(s, secure),
        None => vec![cookies::clear_session(secure)],
    };
    for c in set {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// How a failed form submission is shown: status, a general message, per-field messages.
pub(crate) type FormFailure = (StatusCode, Option<String>, BTreeMap<String, String>);

/// How long a throttled client must wait, when the error is a throttle.
pub(crate) fn throttled_for(err: &AppError) -> Option<i64> {
    match err {
        AppError::Throttled { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    }
}

/// Tells a throttled form's client when to try again.
pub(crate) fn set_retry_after(res: &mut Response, secs: Option<i64>) {
    if let Some(v) = secs.and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// Splits an app error into a form failure; unexpected errors become an error page.
pub(crate) fn form_error(err: AppError) -> Result<FormFailure, WebError> {
    let mut fields = BTreeMap::new();
    let general = match &err {
        AppError::Validation(v) => {
            fields.insert(v.field.to_owned(), sentence(&v.message));
            None
        }
        AppError::InvalidFields(all) => {
            for v in all {
                fields
                    .entry(v.field.to_owned())
                    .or_insert_with(|| sentence(&v.message));
            }
            None
        }
        AppError::Conflict(field) => {
            fields.insert(
                (*field).to_owned(),
                format!("this {field} is already taken"),
            );
            None
        }
        AppError::Db(_) | AppError::Internal(_) => return Err(err.into()),
        other => Some(sentence(&other.to_string())),
    };
    Ok((ApiError::from(err).status, general, fields))
}

pub async fn login_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let next = safe_next(q.next.as_deref());
    if actor.user().is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let signups = state.app.site_settings().await?.signups_enabled;
    let notice = crate::routes::web_pages::notice_text(q.notice.as_deref());
    let ctx = json!({
        "login": "", "next": next, "signups_enabled": signups, "notice": notice,
        "password_reset": state.app.password_reset_enabled(),
    });
    Ok(page::render(&state, &actor, "login.html", ctx)
        .await?
        .into_response())
}

pub async fn login_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    WebForm(form): WebForm<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref());
    let input = LoginInput {
        login: form.login.clone(),
        password: form.password,
        remember: form.remember.is_some_and(|v| !v.is_empty() && v != "0"),
        known_browser: cookies::known_browser(&headers),
    };
    match state.app.login(&input, &meta).await {
        Ok((_, session)) => Ok(redirect_with_cookie(&state, &next, Some(&session))),
        Err(err) => {
            let retry_after = throttled_for(&err);
            let (status, general, _) = form_error(err)?;
            let signups = state.app.site_settings().await?.signups_enabled;
            let ctx = json!({
                "login": form.login, "next": next, "signups_enabled": signups, "error": general,
                "password_reset": state.app.password_reset_enabled(),
            });
            let html = page::render(&state, &Actor::Anonymous, "login.html", ctx).await?;
            let mut res = (status, html).into_response();
            set_retry_after(&mut res, retry_after);
            Ok(res)
        }
    }
}

pub async fn logout_submit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
) -> Result<Response, WebError> {
    state.app.logout(&actor, &meta).await?;
    Ok(redirect_with_cookie(&state, "/?notice=logged_out", None))
}

pub async fn setup_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    if !state.app.setup_token_valid(&token).await? {
        return Err(AppError::SetupLinkInvalid.into());
    }
    let ctx = json!({ "token": token, "errors": {}, "values": { "username": "", "email": "" } });
    Ok(page::render(&state, &actor, "setup.html", ctx)
        .await?
        .into_response())
}

pub async fn setup_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
    WebForm(form): WebForm<SignupForm>,
) -> Result<Response, WebError> {
    let values = json!({ "username": form.username, "email": form.email });
    match state.app.complete_setup(&token, &form.into(), &meta).await {
        Ok((_, session)) => Ok(redirect_with_cookie(
            &state,
            "/?notice=setup_done",
            Some(&session),
        )),
        Err(AppError::SetupLinkInvalid) => Err(AppError::SetupLinkInvalid.into()),
        Err(err) => {
            let (status, general, errors) = form_error(err)?;
            let ctx =
                json!({ "token": token, "errors": errors, "values": values, "error": general });
            let html = page::render(&state, &Actor::Anonymous, "setup.html", ctx).await?;
            Ok((status, html).into_response())
        }
    }
}
