//! Owns authentication of every request: an API key (`Authorization: Bearer` or `X-API-Key`)
//! or the session cookie becomes the request's `Actor`. A banned account is refused here, on
//! every request, whatever the route.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use vitrine_app::{Actor, AppError, Viewer};

use crate::cookies;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web_error::WebError;

/// The API key presented in the headers, if any.
pub fn presented_api_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim());
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
}

pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
}

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let secure = state.config.is_https();
    let result = if let Some(key) = presented_api_key(req.headers()) {
        let meta = crate::request_meta::request_meta(&state, req.extensions(), req.headers());
        state
            .app
            .authenticate_api_key(key, &meta)
            .await
            .map(Actor::User)
    } else if let Some(token) = cookies::session_token(req.headers()) {
        state
            .app
            .authenticate_session(token)
            .await
            .map(|u| u.map_or(Actor::Anonymous, Actor::User))
    } else {
        Ok(Actor::Anonymous)
    };
    match result {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            next.run(req).await
        }
        Err(err) => {
            let banned = matches!(err, AppError::Banned);
            let mut res = if api {
                ApiError::from(err).into_response()
            } else {
                WebError::from(err).into_response()
            };
            if banned {
                res.headers_mut()
                    .append(header::SET_COOKIE, cookies::clear_session(secure));
            }
            res
        }
    }
}

/// Extractor: the request's actor (anonymous when the middleware did not run).
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(CurrentActor(
            parts
                .extensions
                .get::<Actor>()
                .cloned()
                .unwrap_or(Actor::Anonymous),
        ))
    }
}

/// Extractor: the request's viewer (the actor and the album passwords they entered).
pub struct CurrentViewer(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for CurrentViewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentActor(actor) = CurrentActor::from_request_parts(parts, state).await?;
        let unlock = cookies::unlock_token(&parts.headers).map(str::to_owned);
        Ok(CurrentViewer(Viewer::new(actor, unlock)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_both_key_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer vt_abc"),
        );
        assert_eq!(presented_api_key(&h), Some("vt_abc"));
        let mut h = HeaderMap::new();
        h.insert("x-api-key", HeaderValue::from_static(" vt_def "));
        assert_eq!(presented_api_key(&h), Some("vt_def"));
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic Zm9v"),
        );
        assert_eq!(presented_api_key(&h), None);
    }
}
