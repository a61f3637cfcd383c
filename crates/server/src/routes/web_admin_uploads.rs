//! Owns the admin page for upload settings (`/admin/uploads`): limits (sizes in MB as people
//! think of them), derivative sizes, accepted formats, EXIF, guests, URL uploads and flood
//! limits. The form is read as pairs (formats are repeated checkboxes), every field's problem
//! is reported at once, and the app's own checks decide the rest.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};
use vitrine_app::{Actor, AppError, FloodLimits, UploadSettings, Windows};
use vitrine_domain::ValidationError;
use vitrine_media::Format;

use crate::auth::CurrentActor;
use crate::extract::WebForm;
use crate::request_meta::Meta;
use crate::routes::web_admin::{AdminQuery, refusal, refuse_non_admin, render_admin};
use crate::state::AppState;
use crate::web_error::WebError;

const MB: f64 = 1024.0 * 1024.0;

/// The flood-limit inputs: (form field, per IP?, window).
const FLOOD_FIELDS: [(&str, bool, &str); 6] = [
    ("ip_per_minute", true, "minute"),
    ("ip_per_hour", true, "hour"),
    ("ip_per_day", true, "day"),
    ("account_per_minute", false, "minute"),
    ("account_per_hour", false, "hour"),
    ("account_per_day", false, "day"),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/uploads", get(uploads_page).post(save_uploads))
}

/// `50`, `1.5`, `0.25`: a byte count in MB without trailing zeros (seven decimals are enough
/// to read back the exact byte count).
fn mb(bytes: u64) -> String {
    let s = format!("{:.7}", bytes as f64 / MB);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn window(w: &Windows, name: &str) -> u64 {
    match name {
        "minute" => w.per_minute,
        "hour" => w.per_hour,
        _ => w.per_day,
    }
}

/// The form's values for `s`, as the inputs show them.
fn values_of(s: &UploadSettings) -> Value {
    let mut v = json!({
        "max_mb": mb(s.max_bytes),
        "guest_max_mb": mb(s.guest_max_bytes),
        "max_megapixels": s.max_megapixels.to_string(),
        "max_side": s.max_side.to_string(),
        "max_frames": s.max_frames.to_string(),
        "thumb_size": s.thumb_size.to_string(),
        "medium_size": s.medium_size.to_string(),
        "keep_exif": s.keep_exif,
        "guest_uploads": s.guest_uploads,
        "guest_api_key": s.guest_api_key,
        "url_uploads_for_users": s.url_uploads_for_users,
        "formats": s.allowed_formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
    });
    if let Value::Object(map) = &mut v {
        for (field, per_ip, win) in FLOOD_FIELDS {
            let w = if per_ip {
                &s.flood.per_ip
            } else {
                &s.flood.per_account
            };
            map.insert(field.into(), json!(window(w, win).to_string()));
        }
    }
    v
}

/// The submitted values as typed, to show them again next to their errors.
fn values_typed(pairs: &[(String, String)]) -> Value {
    let mut map = serde_json::Map::new();
    let mut formats = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "formats" => formats.push(json!(v)),
            "keep_exif" | "guest_uploads" | "url_uploads_for_users" => {
                map.insert(k.clone(), json!(true));
            }
            _ => {
                map.insert(k.clone(), json!(v));
            }
        }
    }
    map.insert("formats".into(), Value::Array(formats));
    Value::Object(map)
}

/// Reads the form into settings; every field's problem at once.
fn parse_form(pairs: &[(String, String)]) -> Result<UploadSettings, Vec<ValidationError>> {
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
    let mut errors = Vec::new();
    let mut number = |name: &'static str| -> u64 {
        match get(name).map(str::parse::<u64>) {
            Some(Ok(n)) => n,
            _ => {
                errors.push(ValidationError::new(name, "enter a whole number"));
                0
            }
        }
    };
    let max_megapixels = number("max_megapixels");
    let max_side = number("max_side");
    let max_frames = number("max_frames");
    let thumb_size = number("thumb_size");
    let medium_size = number("medium_size");
    let mut flood = [0u64; 6];
    for (slot, (field, _, _)) in flood.iter_mut().zip(FLOOD_FIELDS) {
        *slot = number(field);
    }
    let mut megabytes = |name: &'static str| -> u64 {
        match get(name).map(str::parse::<f64>) {
            Some(Ok(v)) if v.is_finite() && v > 0.0 && v <= 1_000_000.0 => (v * MB).round() as u64,
            _ => {
                errors.push(ValidationError::new(
                    name,
                    "enter a size in MB, such as 50 or 0.5",
                ));
                0
            }
        }
    };
    let max_bytes = megabytes("max_mb");
    let guest_max_bytes = megabytes("guest_max_mb");
    let mut allowed_formats = Vec::new();
    for (_, name) in pairs.iter().filter(|(k, _)| k == "formats") {
        match Format::from_name(name) {
            Some(f) => allowed_formats.push(f),
            None => errors.push(ValidationError::new("formats", "unknown format")),
        }
    }
    let sizes = [thumb_size, medium_size].map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    if !errors.is_empty() {
        return Err(errors);
    }
    let windows = |w: &[u64]| Windows {
        per_minute: w[0],
        per_hour: w[1],
        per_day: w[2],
    };
    Ok(UploadSettings {
        max_bytes,
        max_megapixels,
        max_side,
        max_frames,
        thumb_size: sizes[0],
        medium_size: sizes[1],
        keep_exif: get("keep_exif").is_some(),
        guest_uploads: get("guest_uploads").is_some(),
        guest_max_bytes,
        guest_api_key: get("guest_api_key").unwrap_or_default().to_owned(),
        url_uploads_for_users: get("url_uploads_for_users").is_some(),
        flood: FloodLimits {
            per_ip: windows(&flood[..3]),
            per_account: windows(&flood[3..]),
        },
        allowed_formats,
    })
}

/// The form field showing an app setting.
fn form_field(setting: &str) -> &str {
    match setting {
        "max_bytes" => "max_mb",
        "guest_max_bytes" => "guest_max_mb",
        "allowed_formats" => "formats",
        other => other,
    }
}

async fn render_uploads(
    state: &AppState,
    actor: &Actor,
    status: StatusCode,
    mut ctx: Value,
) -> Result<Response, WebError> {
    let formats: Vec<Value> = Format::ALL
        .iter()
        .map(|f| json!({ "name": f.name(), "label": f.label() }))
        .collect();
    if let Value::Object(map) = &mut ctx {
        map.insert("formats".into(), json!(formats));
        if !map.contains_key("values") {
            let settings = state.app.upload_settings().await?;
            map.insert("values".into(), values_of(&settings));
        }
    }
    render_admin(state, actor, "admin_uploads.html", "uploads", status, ctx).await
}

pub async fn uploads_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<AdminQuery>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/uploads") {
        return Ok(res);
    }
    let ctx = json!({ "notice": q.notice_text() });
    render_uploads(&state, &actor, StatusCode::OK, ctx).await
}

pub async fn save_uploads(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if let Some(res) = refuse_non_admin(&actor, "/admin/uploads") {
        return Ok(res);
    }
    let result = match parse_form(&pairs) {
        Ok(settings) => state
            .app
            .update_upload_settings(&actor, settings, &meta)
            .await
            .map(|_| ()),
        Err(fields) => Err(AppError::InvalidFields(fields)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/uploads?notice=uploads_saved").into_response()),
        Err(err) => {
            let r = refusal(err)?;
            let errors: serde_json::Map<String, Value> = r
                .errors
                .into_iter()
                .map(|(k, v)| (form_field(&k).to_owned(), json!(v)))
                .collect();
            let ctx = json!({ "error": r.error, "errors": errors, "values": values_typed(&pairs) });
            render_uploads(&state, &actor, r.status, ctx).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &UploadSettings) -> Vec<(String, String)> {
        let Value::Object(v) = values_of(s) else {
            panic!("an object")
        };
        let mut out = Vec::new();
        for (k, v) in v {
            match v {
                Value::String(s) => out.push((k, s)),
                Value::Bool(true) => out.push((k, "on".to_owned())),
                Value::Array(items) => {
                    for i in items {
                        out.push((k.clone(), i.as_str().unwrap().to_owned()));
                    }
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn the_form_round_trips() {
        let mut s = UploadSettings {
            max_bytes: 3 * 1024 * 1024 / 2,
            keep_exif: true,
            guest_api_key: "forum-button-key-1234".to_owned(),
            allowed_formats: vec![Format::Jpeg, Format::Webp],
            ..UploadSettings::default()
        };
        s.flood.per_ip.per_hour = 7;
        assert_eq!(parse_form(&pairs(&s)), Ok(s));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut p = pairs(&UploadSettings::default());
        for (k, v) in &mut p {
            match k.as_str() {
                "max_mb" => *v = "-1".into(),
                "thumb_size" => *v = "12.5".into(),
                "ip_per_day" => *v = "lots".into(),
                _ => {}
            }
        }
        p.push(("formats".into(), "svg".into()));
        let fields: Vec<&str> = parse_form(&p)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["thumb_size", "ip_per_day", "max_mb", "formats"]);
    }

    #[test]
    fn megabytes_read_like_people_write_them() {
        assert_eq!(mb(50 * 1024 * 1024), "50");
        assert_eq!(mb(1536 * 1024), "1.5");
        assert_eq!(mb(1024), "0.0009766");
        let odd = UploadSettings {
            guest_max_bytes: 1234,
            ..UploadSettings::default()
        };
        assert_eq!(
            parse_form(&pairs(&odd)),
            Ok(odd),
            "exact bytes survive the form"
        );
    }
}
