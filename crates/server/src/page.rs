//! Owns the context every page template receives (site with its logo and accent style,
//! signed-in user, asset version, notice and error banners) and rendering a page with it.

use axum::response::Html;
use serde_json::{Map, Value, json};
use vitrine_app::{Actor, SiteSettings};
use vitrine_db::MediaFiles;
use vitrine_domain::Role;

use crate::media_urls;
use crate::state::AppState;
use crate::web_error::WebError;

/// Renders `template` with the base context merged under `extra` (extra wins).
pub async fn render(
    state: &AppState,
    actor: &Actor,
    template: &str,
    extra: Value,
) -> Result<Html<String>, WebError> {
    let site = state.app.site_settings().await?;
    let logo = state.app.site_logo(&site).await?;
    let me = match actor.user() {
        Some(_) => {
            let u = state.app.me(actor).await?;
            json!({
                "username": u.username.as_str(),
                "display_name": u.display_name,
                "email": u.email.as_ref().map(|e| e.as_str()),
                "role": u.role,
                "is_admin": u.role == Role::Admin,
            })
        }
        None => Value::Null,
    };
    // Drives the header's upload button and the drop-anywhere uploader.
    let upload = state.app.upload_allowance(actor).await?.map(|a| {
        // Types and extensions: browsers know no type for `.heic` files on some systems, and
        // a file picker filtered by type alone would hide them.
        let mimes: Vec<String> = a
            .formats
            .iter()
            .flat_map(|f| [f.mime().to_owned(), format!(".{}", f.extension())])
            .collect();
        json!({
            "max_bytes": a.max_bytes,
            "max_mb": a.max_bytes.div_ceil(1024 * 1024),
            "url_uploads": a.url_uploads,
            "formats": vitrine_app::format_list(&a.formats),
            "accept": mimes.join(","),
        })
    });
    let mut ctx = Map::new();
    ctx.insert("upload".into(), upload.unwrap_or(Value::Null));
    ctx.insert("site".into(), site_context(state, &site, logo.as_ref()));
    ctx.insert("me".into(), me);
    ctx.insert("asset_version".into(), json!(state.asset_version));
    ctx.insert("base_url".into(), json!(state.base_url()));
    ctx.insert("notice".into(), Value::Null);
    ctx.insert("error".into(), Value::Null);
    if let Value::Object(extra) = extra {
        ctx.extend(extra);
    }
    Ok(Html(state.templates.render(template, Value::Object(ctx))?))
}

/// The `site` of every page: the settings, plus `logo_url` (the logo's medium size, or the
/// original when it is small) with `logo_width`/`logo_height`, and `accent_version` (the
/// accent's hex digits: the version of `/site.css`).
pub fn site_context(state: &AppState, site: &SiteSettings, logo: Option<&MediaFiles>) -> Value {
    let mut v = json!(site);
    if let Value::Object(map) = &mut v {
        let links = state.links();
        // (url, width, height): the size lets the header reserve the logo's box before it loads.
        let logo = logo.map(|f| match f.variants.iter().find(|v| v.name == "medium") {
            Some(m) => (media_urls::variant(&links, f, m), m.width, m.height),
            None => (
                media_urls::original(&links, f),
                f.media.width,
                f.media.height,
            ),
        });
        map.insert("logo_url".into(), json!(logo.as_ref().map(|l| &l.0)));
        map.insert("logo_width".into(), json!(logo.as_ref().map(|l| l.1)));
        map.insert("logo_height".into(), json!(logo.as_ref().map(|l| l.2)));
        // The stylesheet's URL changes with the colour, so a new colour is never hidden by a cache.
        map.insert(
            "accent_version".into(),
            json!(
                site.accent
                    .map(|a| a.to_string().trim_start_matches('#').to_owned())
            ),
        );
    }
    v
}

/// `12.3 MB`: a byte count as people read it (binary units, like the upload limits).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A message as a sentence: capital first letter, final full stop.
pub fn sentence(msg: &str) -> String {
    let mut chars = msg.trim().chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A same-site path to return to after login: only `/something`, never `//host` or a URL.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sentences() {
        assert_eq!(super::sentence("wrong password"), "Wrong password.");
        assert_eq!(super::sentence("Done!"), "Done!");
        assert_eq!(super::sentence(""), "");
    }

    #[test]
    fn only_local_paths() {
        assert_eq!(safe_next(Some("/settings")), "/settings");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
