//! Owns the session endpoints of the REST API: sign up, log in (sets the session cookie) and
//! log out.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use vitrine_app::{LoginInput, NewSession, SignupInput};

use crate::api_types::{ErrorBody, LoginRequest, SignupRequest, UserDto};
use crate::auth::CurrentActor;
use crate::cookies;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/signup", post(signup))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
}

fn with_session(
    state: &AppState,
    status: StatusCode,
    session: &NewSession,
    body: UserDto,
) -> Response {
    let mut res = (status, Json(body)).into_response();
    if let Some(c) = cookies::set_session(session, state.config.is_https()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// Create an account (when sign-ups are open) and sign in.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = UserDto, description = "Created; the session cookie is set"),
              (status = 403, body = ErrorBody, description = "`signups_closed`"),
              (status = 409, body = ErrorBody, description = "`username_taken` or `email_taken`"),
              (status = 422, body = ErrorBody, description = "`validation_failed`")))]
pub async fn signup(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<SignupRequest>,
) -> ApiResult<Response> {
    let input = SignupInput {
        username: req.username,
        email: req.email,
        password: req.password.clone(),
        password_confirm: None,
    };
    state.app.signup(&input, &meta).await?;
    let login = LoginInput {
        login: input.username,
        password: req.password,
        remember: false,
    };
    let (user, session) = state.app.login(&login, &meta).await?;
    Ok(with_session(
        &state,
        StatusCode::CREATED,
        &session,
        (&user).into(),
    ))
}

/// Sign in by username or e-mail; sets the `vitrine_session` cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = UserDto, description = "Signed in; the session cookie is set"),
              (status = 401, body = ErrorBody, description = "`invalid_credentials`"),
              (status = 403, body = ErrorBody, description = "`account_banned`"),
              (status = 429, body = ErrorBody, description = "`too_many_attempts` (see Retry-After)")))]
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let input = LoginInput {
        login: req.login,
        password: req.password,
        remember: req.remember,
    };
    let (user, session) = state.app.login(&input, &meta).await?;
    Ok(with_session(
        &state,
        StatusCode::OK,
        &session,
        (&user).into(),
    ))
}

/// End the current session and clear its cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
) -> ApiResult<Response> {
    state.app.logout(&actor, &meta).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::clear_session(state.config.is_https()),
    );
    Ok(res)
}
