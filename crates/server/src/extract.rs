//! Owns body extractors whose rejections speak our error shapes: `ApiJson` answers the JSON
//! error (400 malformed, 415 wrong type, 413 too large, 422 wrong fields, 408 a body that
//! stopped arriving) and `WebForm` the HTML error page.

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::web_error::WebError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(json_rejection(rej)),
        }
    }
}

fn json_rejection(rej: JsonRejection) -> ApiError {
    if crate::http_server::is_body_stalled(&rej) {
        return ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body stopped arriving; try again",
        );
    }
    let text = rej.body_text();
    match rej {
        JsonRejection::JsonDataError(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", text)
        }
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", text)
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected a request with `Content-Type: application/json`",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is too large",
        ),
        other => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", other.body_text()),
    }
}

pub struct WebForm<T>(pub T);

impl<S, T> FromRequest<S> for WebForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(WebForm(v)),
            Err(rej) => Err(form_rejection(rej)),
        }
    }
}

fn form_rejection(rej: FormRejection) -> WebError {
    if crate::http_server::is_body_stalled(&rej) {
        return WebError::new(
            StatusCode::REQUEST_TIMEOUT,
            "The form stopped arriving before it was complete. Please send it again.",
        );
    }
    match rej.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected a form submission.",
        ),
        status => WebError::new(
            status,
            format!("The form could not be read: {}", rej.body_text()),
        ),
    }
}
