//! Owns the front door for hot public files: a `GET`/`HEAD /i/<name>` whose answer is in this
//! node's file cache with its bytes is answered before the middleware stack, with the headers
//! and body the file route gives (security headers, request id and metrics included; no trace
//! span). Everything else goes to the router. The cache holds only files anyone may fetch, so
//! a session cookie is not looked at (a banned account's cookie is not cleared here, as pages
//! do). Requests with an API key go the whole way, so unknown keys are counted and refused.

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use futures::future::{Either, Ready, ready};
use tower::Service;

use crate::routes::{REQUEST_ID, random_request_id};
use crate::state::AppState;

/// The route label the file route's metrics use.
const FILE_ROUTE: &str = "/i/{name}";

#[derive(Clone)]
pub struct FileFront {
    state: AppState,
    router: Router,
}

impl FileFront {
    pub fn new(state: AppState, router: Router) -> Self {
        Self { state, router }
    }
}

impl Service<Request<Body>> for FileFront {
    type Response = Response;
    type Error = Infallible;
    type Future =
        Either<Ready<Result<Response, Infallible>>, <Router as Service<Request<Body>>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        <Router as Service<Request<Body>>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        match from_cache(&self.state, &req) {
            Some(res) => Either::Left(ready(Ok(res))),
            None => Either::Right(self.router.call(req)),
        }
    }
}

fn from_cache(state: &AppState, req: &Request<Body>) -> Option<Response> {
    let method = req.method();
    // Signed links (any query) are checked by the route every time.
    if !matches!(*method, Method::GET | Method::HEAD)
        || req.uri().query().is_some()
        || req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key("x-api-key")
    {
        return None;
    }
    let name = req.uri().path().strip_prefix("/i/")?;
    let started = Instant::now();
    let cached = state.file_cache.get(name, state.app.clock.now())?;
    let mut res = crate::routes::files::from_memory(&cached, method, req.headers())?;
    // Anything but a plain answer (a 416, say) goes the whole way, to be told the usual way.
    if !matches!(
        res.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        return None;
    }
    let personal = crate::security_headers::is_personal(req.headers(), req.uri().path());
    let h = res.headers_mut();
    crate::security_headers::apply(h, state.page_csp.clone(), personal);
    if let Some(id) = req
        .headers()
        .get(REQUEST_ID)
        .cloned()
        .or_else(random_request_id)
    {
        h.insert(REQUEST_ID, id);
    }
    state.metrics.record(
        FILE_ROUTE,
        method.as_str(),
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    Some(res)
}
