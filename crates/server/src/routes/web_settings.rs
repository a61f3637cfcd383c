//! Owns the account settings page: profile, password change and API keys (the new secret is
//! rendered once, in the response to its creation, and never again).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use vitrine_app::{Actor, AppError, ProfilePatch};

use crate::api_types::MediaDto;
use crate::auth::CurrentActor;
use crate::cookies;
use crate::error::ApiError;
use crate::extract::WebForm;
use crate::page;
use crate::request_meta::Meta;
use crate::routes::web_pages::{NoticeQuery, notice_text};
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(settings_page))
        .route("/settings/profile", post(save_profile))
        .route("/settings/password", post(change_password))
        .route("/settings/api-keys", post(create_api_key))
        .route("/settings/api-keys/{id}/revoke", post(revoke_api_key))
        .route("/settings/api-keys/sharex", post(download_sharex))
}

#[derive(Debug, Deserialize)]
pub struct SharexForm {
    #[serde(default)]
    secret: String,
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    website: String,
    private_profile: Option<String>,
    keep_exif: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

#[derive(Debug, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
}

/// Signed-out visitors go to the login page and come back here afterwards.
fn login_redirect() -> Response {
    Redirect::to("/login?next=/settings").into_response()
}

async fn render_settings(
    state: &AppState,
    actor: &Actor,
    status: StatusCode,
    extra: Value,
) -> Result<Response, WebError> {
    let keys = state.app.list_api_keys(actor).await?;
    let me = state.app.me(actor).await?;
    let (avatar, cover) = state.app.profile_images(&me).await?;
    let links = state.links();
    let thumb = |f: Option<vitrine_db::MediaFiles>| {
        f.map(|f| {
            let dto = MediaDto::new(&links, &f, None);
            dto.files.thumb.map_or(dto.files.original.url, |t| t.url)
        })
    };
    let profile = json!({
        "bio": me.bio,
        "website": me.website,
        "private_profile": me.private_profile,
        "keep_exif": me.keep_exif,
        "avatar_url": thumb(avatar),
        "cover_url": thumb(cover),
    });
    let mut ctx =
        json!({ "keys": keys, "new_key": null, "sxcu_available": true, "profile": profile });
    if let (Value::Object(base), Value::Object(extra)) = (&mut ctx, extra) {
        base.extend(extra);
    }
    let html = page::render(state, actor, "settings.html", ctx).await?;
    Ok((status, html).into_response())
}

/// A failed action re-renders the page with its message; unexpected failures become errors.
async fn render_failure(
    state: &AppState,
    actor: &Actor,
    err: AppError,
) -> Result<Response, WebError> {
    if matches!(err, AppError::Db(_) | AppError::Internal(_)) {
        return Err(err.into());
    }
    let message = page::sentence(&err.to_string());
    let status = ApiError::from(err).status;
    render_settings(state, actor, status, json!({ "error": message })).await
}

pub async fn settings_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<NoticeQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if actor.user().is_none() {
        return Ok(login_redirect());
    }
    // A key created just now: shown on this one response, then the cookie is cleared.
    let flashed = cookies::get(&headers, cookies::NEW_KEY_COOKIE).map(str::to_owned);
    let mut new_key = Value::Null;
    if let Some(secret) = &flashed {
        let keys = state.app.list_api_keys(&actor).await?;
        if let Some(k) = keys.iter().find(|k| secret.starts_with(&k.prefix)) {
            new_key = json!({ "name": k.name, "secret": secret });
        }
    }
    let ctx = json!({ "notice": notice_text(q.notice.as_deref()), "new_key": new_key });
    let mut res = render_settings(&state, &actor, StatusCode::OK, ctx).await?;
    if flashed.is_some() {
        res.headers_mut()
            .append(header::SET_COOKIE, cookies::clear_new_key());
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

pub async fn save_profile(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    WebForm(form): WebForm<ProfileForm>,
) -> Result<Response, WebError> {
    if actor.user().is_none() {
        return Ok(login_redirect());
    }
    let patch = ProfilePatch {
        bio: Some(form.bio),
        website: Some(form.website),
        private_profile: Some(form.private_profile.is_some()),
    };
    let saved = async {
        state
            .app
            .update_display_name(&actor, &form.display_name)
            .await?;
        state.app.update_profile(&actor, patch).await?;
        state
            .app
            .set_keep_exif(&actor, form.keep_exif.is_some())
            .await
    };
    match saved.await {
        Ok(()) => Ok(Redirect::to("/settings?notice=profile_saved#profile").into_response()),
        Err(err) => render_failure(&state, &actor, err).await,
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    WebForm(form): WebForm<PasswordForm>,
) -> Result<Response, WebError> {
    if actor.user().is_none() {
        return Ok(login_redirect());
    }
    let result = state
        .app
        .change_password(
            &actor,
            &form.current_password,
            &form.new_password,
            Some(&form.new_password_confirm),
            &meta,
        )
        .await;
    match result {
        Ok(()) => Ok(Redirect::to("/settings?notice=password_changed").into_response()),
        Err(err) => render_failure(&state, &actor, err).await,
    }
}

pub async fn create_api_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    WebForm(form): WebForm<KeyForm>,
) -> Result<Response, WebError> {
    if actor.user().is_none() {
        return Ok(login_redirect());
    }
    match state
        .app
        .create_api_key(&actor, None, &form.name, &meta)
        .await
    {
        Ok(created) => {
            let mut res = Redirect::to("/settings#new-key").into_response();
            if let Some(c) = cookies::set_new_key(&created.secret, state.config.is_https()) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(res)
        }
        Err(err) => render_failure(&state, &actor, err).await,
    }
}

pub async fn revoke_api_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    if actor.user().is_none() {
        return Ok(login_redirect());
    }
    state.app.revoke_api_key(&actor, id, &meta).await?;
    Ok(Redirect::to("/settings?notice=key_revoked#api-keys").into_response())
}

/// The ShareX uploader file for the key just shown (posted back from the page, since the
/// secret is stored only as a hash).
pub async fn download_sharex(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    WebForm(form): WebForm<SharexForm>,
) -> Result<Response, WebError> {
    if actor.user().is_none() {
        return Ok(login_redirect());
    }
    let secret = form.secret.trim();
    state.app.check_own_api_key(&actor, secret).await?;
    let site = state.app.site_settings().await?;
    Ok(crate::sharex::download(
        &site.name,
        &state.base_url(),
        secret,
    ))
}
