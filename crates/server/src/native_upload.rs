//! Owns the native upload form (`/api/v1/media`, and the web uploader's no-JavaScript form):
//! who may upload, the streamed multipart body, a file or a URL source, the descriptive
//! fields, and the optional checksum.

use axum::extract::Multipart;
use axum::http::StatusCode;
use vitrine_app::{Actor, RequestMeta, Uploaded};
use vitrine_domain::parse_duration_secs;

use crate::error::ApiError;
use crate::state::AppState;
use crate::upload_body::{self, Form, FormSpec};
use crate::upload_source::{Details, Incoming, split_tags, truthy};

fn invalid(field: &'static str, msg: &str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        format!("{field}: {msg}"),
    );
    e.field = Some(field);
    e
}

/// The descriptive fields of the native upload form.
fn details(form: &Form) -> Result<Details, ApiError> {
    let text = |k| form.field(k).map(str::trim).filter(|s| !s.is_empty());
    let expires_in = text("expires_in")
        .map(|s| parse_duration_secs(s).map_err(|e| invalid("expires_in", &e.message)))
        .transpose()?;
    let resize_width = text("width")
        .map(|s| {
            s.parse::<u32>()
                .ok()
                .filter(|w| *w > 0)
                .ok_or_else(|| invalid("width", "must be a positive number of pixels"))
        })
        .transpose()?;
    Ok(Details {
        title: form.field("title").map(str::to_owned),
        description: form.field("description").map(str::to_owned),
        nsfw: truthy(form.field("nsfw")),
        expires_in,
        tags: split_tags(form.field("tags")),
        resize_width,
        album: text("album").map(str::to_owned),
        ignore_foreign_album: false,
        privacy: text("privacy").map(str::to_owned),
    })
}

/// Receives one upload and stores it.
pub async fn receive(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    multipart: Multipart,
) -> Result<Uploaded, ApiError> {
    let ticket = state.app.begin_upload(actor, meta).await?;
    let dir = state.config.temp_dir();
    let spec = FormSpec {
        file_fields: &["file"],
        large_fields: &[],
        max_bytes: ticket.max_bytes(),
        required_first: None,
    };
    let mut form = upload_body::receive_form(multipart, spec, &dir).await?;
    let details = details(&form)?;
    let incoming: Incoming = match (form.file.take(), form.field("url").map(str::trim)) {
        (Some(file), _) => file.into(),
        (None, Some(url)) if !url.is_empty() => {
            state.app.fetch_source(&ticket, url, &dir).await?.into()
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_file",
                "no file was sent (use the form field `file`, or `url`)",
            ));
        }
    };
    if let Some(sum) = form
        .field("sha256")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        && !sum.eq_ignore_ascii_case(&incoming.sha256)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "checksum_mismatch",
            "the file does not match the given sha256",
        ));
    }
    Ok(state.app.upload(ticket, incoming.input(details)).await?)
}
