//! Owns the ShareX custom-uploader file (`.sxcu`) of CHEVERETO_API.md, with the user's key
//! filled in, and its download response.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The `.sxcu` document for `key` on the site at `base`.
pub fn sxcu(site_name: &str, base: &str, key: &str) -> Value {
    json!({
        "Version": "14.0.0",
        "Name": site_name,
        "DestinationType": "ImageUploader",
        "RequestMethod": "POST",
        "RequestURL": format!("{base}/api/1/upload"),
        "Headers": {"X-API-Key": key},
        "Body": "MultipartFormData",
        "FileFormName": "source",
        "Arguments": {"format": "json"},
        "URL": "{json:image.url}",
        "ThumbnailURL": "{json:image.thumb.url}",
        "DeletionURL": "{json:image.delete_url}",
        "ErrorMessage": "{json:error.message}",
    })
}

/// A file name from the site name: letters, digits and dashes only.
fn file_name(site_name: &str) -> String {
    let slug: String = site_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() {
        "vitrine".to_owned()
    } else {
        slug
    };
    format!("{slug}.sxcu")
}

/// The `.sxcu` as a download (never cached: it holds a secret).
pub fn download(site_name: &str, base: &str, key: &str) -> Response {
    let body = serde_json::to_string_pretty(&sxcu(site_name, base, key)).unwrap_or_default();
    let disposition = format!("attachment; filename=\"{}\"", file_name(site_name));
    let mut res = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("My \"Site\"/../x"), "My-Site-x.sxcu");
        assert_eq!(file_name("ÿ"), "vitrine.sxcu");
        let v = sxcu("S", "https://img.example", "vt_k");
        assert_eq!(v["RequestURL"], "https://img.example/api/1/upload");
        assert_eq!(v["Headers"]["X-API-Key"], "vt_k");
    }
}
