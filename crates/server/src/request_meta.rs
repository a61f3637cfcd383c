//! Owns what a request tells about its sender: client IP (the socket peer, or what trusted
//! proxies forwarded; see `client_ip`) and user agent.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use vitrine_app::RequestMeta;

use crate::state::AppState;

/// Extractor wrapper around [`RequestMeta`].
pub struct Meta(pub RequestMeta);

impl FromRequestParts<AppState> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Meta(request_meta(state, &parts.extensions, &parts.headers)))
    }
}

/// The sender of a request, from its connection and headers.
pub fn request_meta(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
) -> RequestMeta {
    let ip = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| state.proxies.client_ip(addr.ip(), headers).to_string());
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    RequestMeta { ip, user_agent }
}
