//! Owns the `/metrics` endpoint: who may read it (`metrics.token`) and where (the site's
//! address, or with `metrics.bind` a listener of its own that serves nothing else). The token
//! is the operator's, not a user's: it is checked here and never reaches the API-key or login
//! checks, so a wrong one is not counted as a failed key or log-in.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// `/metrics` on the site's own address (merged only when `metrics.bind` is unset).
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(get_metrics))
}

/// The whole of the separate metrics listener: `/metrics`, and 404 for anything else. No
/// pages, no cookies, no request metrics of its own (Prometheus times its scrapes itself).
pub fn listener_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(get_metrics))
        .fallback(|| async { ApiError::not_found() })
        .with_state(state)
}

async fn get_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.config.metrics.token
        && let Err(why) = check_token(&headers, expected)
    {
        return refuse(why);
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Accepts `Authorization: Bearer <expected>`; otherwise says what was wrong.
fn check_token(headers: &HeaderMap, expected: &str) -> Result<(), &'static str> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        });
    match presented {
        Some(token) if same_secret(token, expected) => Ok(()),
        Some(_) => Err("wrong metrics token"),
        None => Err("this endpoint needs the metrics token: Authorization: Bearer <metrics.token>"),
    }
}

/// The 401 that asks for the token, in the API's error shape.
fn refuse(message: &str) -> Response {
    let mut res =
        ApiError::new(StatusCode::UNAUTHORIZED, "metrics_token_required", message).into_response();
    res.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    res
}

/// Compares digests in constant time: comparing the strings themselves would stop at the
/// first differing byte, and at a differing length, and so tell a prober how close it got.
fn same_secret(presented: &str, expected: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.ct_eq(&b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_bearer_token_passes() {
        let expected = "0123456789abcdef-token";
        for (header, ok) in [
            (None, false),
            (Some("Bearer 0123456789abcdef-token"), true),
            (Some("bearer 0123456789abcdef-token"), true),
            (Some("Bearer  0123456789abcdef-token "), true),
            (Some("Bearer 0123456789abcdef-toke"), false),
            (Some("Bearer 0123456789abcdef-token2"), false),
            (Some("Bearer "), false),
            (Some("Basic 0123456789abcdef-token"), false),
            (Some("0123456789abcdef-token"), false),
        ] {
            let mut h = HeaderMap::new();
            if let Some(v) = header {
                h.insert(header::AUTHORIZATION, HeaderValue::from_static(v));
            }
            assert_eq!(check_token(&h, expected).is_ok(), ok, "{header:?}");
        }
    }

    #[test]
    fn the_refusal_asks_for_a_bearer_token() {
        let res = refuse("wrong metrics token");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}
