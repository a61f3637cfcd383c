//! Owns the admin page for site settings (`/admin/settings`): name, description, sign-ups,
//! default palette and accent colour in one form, and the logo (uploaded as a multipart form,
//! removed with a button). Refused values come back in the form with their messages.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use vitrine_app::{Actor, DefaultTheme, SiteSettings, SiteSettingsPatch};

use crate::auth::CurrentActor;
use crate::error::ApiError;
use crate::extract::WebForm;
use crate::page;
use crate::request_meta::Meta;
use crate::routes::api_admin::receive_logo;
use crate::routes::web_admin::{AdminQuery, refusal, refuse_non_admin, render_admin};
use crate::state::AppState;
use crate::web_error::WebError;

/// What the colour picker starts from when no accent is set: app.css's own `--accent`.
const BUILT_IN_ACCENT: &str = "#4f46e5";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/settings", get(site_page).post(save_site))
        .route(
            "/admin/settings/logo",
            post(upload_logo).layer(DefaultBodyLimit::disable()),
        )
        .route("/admin/settings/logo/remove", post(remove_logo))
}

/// The form as typed (checkboxes are absent when unticked).
#[derive(Debug, Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    signups_enabled: Option<String>,
    #[serde(default)]
    default_theme: String,
    custom_accent: Option<String>,
    #[serde(default)]
    accent: String,
}

fn values_of(s: &SiteSettings) -> Value {
    json!({
        "name": s.name,
        "description": s.description,
        "signups_enabled": s.signups_enabled,
        "default_theme": s.default_theme.as_str(),
        "custom_accent": s.accent.is_some(),
        "accent": s.accent.map_or_else(|| BUILT_IN_ACCENT.to_owned(), String::from),
    })
}

async fn render_site(
    state: &AppState,
    actor: &Actor,
    status: StatusCode,
    mut ctx: Value,
) -> Result<Response, WebError> {
    let themes: Vec<&str> = DefaultTheme::ALL.iter().map(|t| t.as_str()).collect();
    if let Value::Object(map) = &mut ctx {
        map.insert("themes".into(), json!(themes));
        if !map.contains_key("values") {
            let site = state.app.site_settings().await?;
            map.insert("values".into(), values_of(&site));
        }
    }
    render_admin(state, actor, "admin_settings.html", "settings", status, ctx).await
}

pub async fn site_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<AdminQuery>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/settings") {
        return Ok(res);
    }
    let ctx = json!({ "notice": q.notice_text() });
    render_site(&state, &actor, StatusCode::OK, ctx).await
}

pub async fn save_site(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    WebForm(form): WebForm<SiteForm>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/settings") {
        return Ok(res);
    }
    let custom_accent = form.custom_accent.is_some();
    let patch = SiteSettingsPatch {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        signups_enabled: Some(form.signups_enabled.is_some()),
        default_theme: Some(form.default_theme.clone()),
        // Unticked, the picker's value is ignored: the built-in colour comes back.
        accent: Some(if custom_accent {
            form.accent.clone()
        } else {
            String::new()
        }),
    };
    match state.app.update_site_settings(&actor, patch, &meta).await {
        Ok(_) => Ok(Redirect::to("/admin/settings?notice=site_saved").into_response()),
        Err(err) => {
            let r = refusal(err)?;
            let values = json!({
                "name": form.name,
                "description": form.description,
                "signups_enabled": form.signups_enabled.is_some(),
                "default_theme": form.default_theme,
                "custom_accent": custom_accent,
                "accent": form.accent,
            });
            let ctx = json!({ "error": r.error, "errors": r.errors, "values": values });
            render_site(&state, &actor, r.status, ctx).await
        }
    }
}

/// A refused logo upload, shown on the page (server faults stay error pages).
async fn logo_refusal(
    state: &AppState,
    actor: &Actor,
    err: ApiError,
) -> Result<Response, WebError> {
    if err.status.is_server_error() && err.status != StatusCode::INSUFFICIENT_STORAGE {
        return Err(WebError::new(err.status, page::sentence(&err.message)));
    }
    let message = match err.code {
        "missing_file" => "Choose an image file for the logo.".to_owned(),
        _ => page::sentence(&err.message),
    };
    let ctx = json!({ "error": message, "errors": { "logo": message } });
    render_site(state, actor, err.status, ctx).await
}

pub async fn upload_logo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    multipart: Multipart,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/settings") {
        return Ok(res);
    }
    match receive_logo(&state, &actor, &meta, multipart).await {
        Ok(_) => Ok(Redirect::to("/admin/settings?notice=logo_saved#logo").into_response()),
        Err(err) => logo_refusal(&state, &actor, err).await,
    }
}

pub async fn remove_logo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/settings") {
        return Ok(res);
    }
    state.app.clear_site_logo(&actor, &meta).await?;
    Ok(Redirect::to("/admin/settings?notice=logo_removed#logo").into_response())
}
