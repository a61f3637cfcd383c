//! Owns the session endpoints of the REST API: sign up (at once, or confirmed by an e-mailed
//! link), log in (sets the session cookie) and log out.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use vitrine_app::{LoginInput, NewSession, SignupInput, SignupOutcome};

use crate::api_types::{
    ErrorBody, LoginRequest, PasswordResetConfirm, PasswordResetRequest, PasswordResetRequested,
    SignupConfirm, SignupConfirmationSent, SignupRequest, UserDto,
};
use crate::auth::CurrentActor;
use crate::cookies;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/signup", post(signup))
        .route("/api/v1/auth/signup/confirm", post(confirm_signup))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/password-reset", post(request_password_reset))
        .route(
            "/api/v1/auth/password-reset/confirm",
            post(confirm_password_reset),
        )
}

fn with_session(
    state: &AppState,
    status: StatusCode,
    session: &NewSession,
    body: UserDto,
) -> Response {
    let mut res = (status, Json(body)).into_response();
    for c in cookies::for_new_session(session, state.config.is_https()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// Sign up (when sign-ups are open). On a site that sends e-mail, every valid request is
/// answered 202 alike, whether or not the address is registered: a new address is sent a
/// confirmation link (`POST /api/v1/auth/signup/confirm` creates the account), a registered one
/// a note to its owner. On a site that sends none, `email` is ignored and the account is
/// created at once, without an address, and signed in (201).
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = UserDto, description = "Site without e-mail: created and signed in (the session cookie is set); `email` is null"),
              (status = 202, body = SignupConfirmationSent, description = "Site with e-mail: a message is on its way to the address (the same answer whether or not it is registered)"),
              (status = 403, body = ErrorBody, description = "`signups_closed`"),
              (status = 409, body = ErrorBody, description = "`username_taken`"),
              (status = 422, body = ErrorBody, description = "`validation_failed`"),
              (status = 429, body = ErrorBody, description = "`too_many_attempts`: too many sign-up attempts from this address this hour (see Retry-After)")))]
pub async fn signup(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<SignupRequest>,
) -> ApiResult<Response> {
    let input = SignupInput {
        username: req.username,
        email: req.email.unwrap_or_default(),
        password: req.password,
        password_confirm: None,
    };
    let base = crate::routes::web_signup::link_base(&state);
    match state.app.signup(&input, base, &meta).await? {
        SignupOutcome::Created(created) => {
            let (user, session) = *created;
            Ok(with_session(
                &state,
                StatusCode::CREATED,
                &session,
                (&user).into(),
            ))
        }
        SignupOutcome::ConfirmationSent { .. } => {
            let body = SignupConfirmationSent {
                status: "confirmation_sent",
                expires_in_hours: state.app.policy.signup_link_ttl_secs / 3600,
            };
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
    }
}

/// Create the account of an e-mailed sign-up link and sign in. The link is used up.
#[utoipa::path(post, path = "/api/v1/auth/signup/confirm", tag = "auth", request_body = SignupConfirm,
    responses((status = 201, body = UserDto, description = "Created; the session cookie is set"),
              (status = 403, body = ErrorBody, description = "`signups_closed`"),
              (status = 409, body = ErrorBody, description = "`username_taken` or `address_registered`: taken since the request (the link stays unused)"),
              (status = 410, body = ErrorBody, description = "`signup_link_invalid`: unknown, expired or used"),
              (status = 429, body = ErrorBody, description = "`too_many_attempts`: too many bad links from this address (see Retry-After)")))]
pub async fn confirm_signup(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<SignupConfirm>,
) -> ApiResult<Response> {
    let (user, session) = state.app.confirm_signup(&req.token, &meta).await?;
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
              (status = 401, body = ErrorBody, description = "`invalid_credentials` (also for a suspended account, whatever the password)"),
              (status = 429, body = ErrorBody, description = "`too_many_attempts` (see Retry-After)")))]
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let input = LoginInput {
        login: req.login,
        password: req.password,
        remember: req.remember,
        known_browser: cookies::known_browser(&headers),
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

/// E-mail a password reset link to the account named by username or e-mail address. The
/// answer is the same whether or not such an account exists.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202, body = PasswordResetRequested, description = "A link is sent if the account exists and has not had 3 this hour"),
              (status = 404, body = ErrorBody, description = "`password_reset_unavailable`: the site sends no e-mail"),
              (status = 422, body = ErrorBody, description = "`validation_failed`"),
              (status = 429, body = ErrorBody, description = "`too_many_attempts`: too many requests from this address (see Retry-After)")))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> ApiResult<Response> {
    let base = crate::routes::web_password_reset::link_base(&state);
    state
        .app
        .request_password_reset(&req.login, base, &meta)
        .await?;
    let body = PasswordResetRequested {
        message: "if an account matches, a reset link was sent to its e-mail address".to_owned(),
        expires_in_minutes: state.app.policy.reset_link_ttl_secs / 60,
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Set a new password with the token of a reset link. The link is used up, and every session
/// of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = PasswordResetConfirm,
    responses((status = 204, description = "Password changed; sign in with it"),
              (status = 410, body = ErrorBody, description = "`reset_link_invalid`: unknown, expired or used"),
              (status = 422, body = ErrorBody, description = "`validation_failed`"),
              (status = 429, body = ErrorBody, description = "`too_many_attempts`")))]
pub async fn confirm_password_reset(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<PasswordResetConfirm>,
) -> ApiResult<StatusCode> {
    state
        .app
        .complete_password_reset(&req.token, &req.password, None, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
