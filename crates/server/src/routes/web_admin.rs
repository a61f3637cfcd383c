//! Owns the admin area's overview (`/admin`) and users page (`/admin/users`: search, pages,
//! role changes, bans), and what every admin page shares: who may see it, its notices, and how
//! a refused action is shown. Forms post and redirect; nothing needs JavaScript.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use vitrine_app::{Actor, AppError};
use vitrine_domain::{Role, UserStatus};

use crate::api_types::UserDto;
use crate::auth::CurrentActor;
use crate::extract::WebForm;
use crate::page;
use crate::routes::web_auth::form_error;
use crate::state::AppState;
use crate::web_error::WebError;

/// Users per page of `/admin/users`.
const PAGE_SIZE: u64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview_page))
        .route("/admin/users", get(users_page))
        .route("/admin/users/{username}/role", post(change_role))
        .route("/admin/users/{username}/status", post(change_status))
}

/// `None` for admins. Visitors who are not signed in are sent to log in (and come back);
/// signed-in non-admins get the 403 the admin API gives them.
pub(crate) fn refuse_non_admin(actor: &Actor, back_to: &str) -> Option<Response> {
    match actor.require_admin() {
        Ok(_) => None,
        Err(AppError::Unauthenticated) => {
            Some(Redirect::to(&format!("/login?next={back_to}")).into_response())
        }
        Err(e) => Some(WebError::from(e).into_response()),
    }
}

/// The text of a notice key (only these fixed texts: nothing from the query is echoed).
fn notice_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "role_changed" => "The role was changed.",
        "user_banned" => {
            "The account was banned: its sessions ended and its API keys stopped working."
        }
        "user_unbanned" => "The account was reinstated. They can sign in again.",
        "site_saved" => "The site settings were saved.",
        "logo_saved" => "The new logo is in place.",
        "logo_removed" => "The logo was removed; the built-in mark is back.",
        "uploads_saved" => "The upload settings were saved.",
        _ => return None,
    })
}

#[derive(Debug, Deserialize)]
pub struct AdminQuery {
    notice: Option<String>,
    /// Search text (username or e-mail prefix).
    #[serde(default)]
    q: String,
    /// The last username of the previous page.
    cursor: Option<String>,
}

impl AdminQuery {
    pub(crate) fn notice_text(&self) -> Option<&'static str> {
        notice_text(self.notice.as_deref())
    }
}

/// Renders an admin page with `section` marked in the sub-navigation.
pub(crate) async fn render_admin(
    state: &AppState,
    actor: &Actor,
    template: &str,
    section: &str,
    status: StatusCode,
    mut ctx: Value,
) -> Result<Response, WebError> {
    if let Value::Object(map) = &mut ctx {
        map.insert("section".into(), json!(section));
    }
    let html = page::render(state, actor, template, ctx).await?;
    Ok((status, html).into_response())
}

/// What a refused form shows: the status, a banner, and messages by field.
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub error: String,
    pub errors: BTreeMap<String, String>,
}

/// Splits a refused action into what the page shows; unexpected failures become an error page.
pub(crate) fn refusal(err: AppError) -> Result<Refusal, WebError> {
    let (status, general, errors) = form_error(err)?;
    let error = general.unwrap_or_else(|| {
        if errors.len() == 1 {
            errors.values().next().cloned().unwrap_or_default()
        } else {
            "Some values need attention; see the messages below.".to_owned()
        }
    });
    Ok(Refusal {
        status,
        error,
        errors,
    })
}

pub async fn overview_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<AdminQuery>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin") {
        return Ok(res);
    }
    let stats = state.app.site_stats(&actor).await?;
    let ctx = json!({
        "notice": q.notice_text(),
        "stats": {
            "users": stats.users,
            "media": stats.media,
            "storage": page::human_bytes(stats.stored_bytes),
        },
    });
    render_admin(
        &state,
        &actor,
        "admin.html",
        "overview",
        StatusCode::OK,
        ctx,
    )
    .await
}

/// The users page for `q`, with `extra` (notice or error) merged in.
async fn render_users(
    state: &AppState,
    actor: &Actor,
    q: &AdminQuery,
    status: StatusCode,
    extra: Value,
) -> Result<Response, WebError> {
    let search = q.q.trim();
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    let users = state
        .app
        .list_users(actor, Some(search), cursor, PAGE_SIZE)
        .await?;
    let next_cursor = (users.len() as u64 == PAGE_SIZE)
        .then(|| users.last().map(|u| u.username.to_string()))
        .flatten();
    let me = actor.user().map(|u| u.id);
    let rows: Vec<Value> = users
        .iter()
        .map(|u| json!({ "user": UserDto::from(u), "is_me": Some(u.id) == me }))
        .collect();
    let mut ctx = json!({
        "q": search,
        "cursor": cursor,
        "users": rows,
        "next_cursor": next_cursor,
        "roles": [Role::User.to_string(), Role::Manager.to_string(), Role::Admin.to_string()],
    });
    if let (Value::Object(base), Value::Object(extra)) = (&mut ctx, extra) {
        base.extend(extra);
    }
    render_admin(state, actor, "admin_users.html", "users", status, ctx).await
}

pub async fn users_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<AdminQuery>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/users") {
        return Ok(res);
    }
    let notice = json!({ "notice": q.notice_text() });
    render_users(&state, &actor, &q, StatusCode::OK, notice).await
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    /// The list the form was on, to return to it.
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

/// Back to the list the action came from, with a notice and the row in view.
fn back_to_users(q: &str, cursor: Option<&str>, notice: &str, username: &str) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !q.trim().is_empty() {
        query.append_pair("q", q.trim());
    }
    if let Some(c) = cursor.filter(|c| !c.is_empty()) {
        query.append_pair("cursor", c);
    }
    query.append_pair("notice", notice);
    // Usernames are a-z, 0-9, `_` and `-`; anything else cannot be a row's anchor.
    let anchor: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    Redirect::to(&format!("/admin/users?{}#user-{anchor}", query.finish())).into_response()
}

/// A refused user action: the same list again, with the reason.
async fn users_refusal(
    state: &AppState,
    actor: &Actor,
    q: String,
    cursor: Option<String>,
    err: AppError,
) -> Result<Response, WebError> {
    let r = refusal(err)?;
    let q = AdminQuery {
        notice: None,
        q,
        cursor,
    };
    render_users(state, actor, &q, r.status, json!({ "error": r.error })).await
}

pub async fn change_role(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(username): Path<String>,
    WebForm(form): WebForm<RoleForm>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/users") {
        return Ok(res);
    }
    let result = match form.role.parse::<Role>() {
        Ok(role) => state.app.set_role(&actor, &username, role).await,
        Err(e) => Err(AppError::from(e)),
    };
    match result {
        Ok(_) => Ok(back_to_users(
            &form.q,
            form.cursor.as_deref(),
            "role_changed",
            &username,
        )),
        Err(err) => users_refusal(&state, &actor, form.q, form.cursor, err).await,
    }
}

pub async fn change_status(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(username): Path<String>,
    WebForm(form): WebForm<StatusForm>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/users") {
        return Ok(res);
    }
    let result = match form.status.parse::<UserStatus>() {
        Ok(status) => state
            .app
            .set_status(&actor, &username, status)
            .await
            .map(|u| u.status),
        Err(e) => Err(AppError::from(e)),
    };
    match result {
        Ok(status) => {
            let notice = if status == UserStatus::Banned {
                "user_banned"
            } else {
                "user_unbanned"
            };
            Ok(back_to_users(
                &form.q,
                form.cursor.as_deref(),
                notice,
                &username,
            ))
        }
        Err(err) => users_refusal(&state, &actor, form.q, form.cursor, err).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(crate::page::human_bytes(0), "0 bytes");
        assert_eq!(crate::page::human_bytes(1023), "1023 bytes");
        assert_eq!(crate::page::human_bytes(1536), "1.5 KB");
        assert_eq!(crate::page::human_bytes(50 * 1024 * 1024), "50 MB");
        assert_eq!(
            crate::page::human_bytes(3 * 1024 * 1024 * 1024 / 2),
            "1.5 GB"
        );
    }

    #[test]
    fn only_known_notices() {
        assert!(notice_text(Some("user_banned")).is_some());
        assert_eq!(notice_text(Some("<script>")), None);
        assert_eq!(notice_text(None), None);
    }
}
