//! Owns `Connection: close` on answers given before the request body was read to its end (an
//! upload refused from its headers, a key refused before its body, a stalled body cut off).
//! The connection cannot carry another request while unread bytes sit in it, so it is closed
//! after the answer; saying so lets the client open a new one instead of finding a dead
//! keep-alive connection on its next request. Never reads the body itself.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Body as HttpBody, Frame, SizeHint};

/// A request body that records when it has been read to its end.
struct Tracked {
    inner: Body,
    finished: Arc<AtomicBool>,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        // A reader may stop at the last byte it expects (a multipart parser at the closing
        // boundary) without polling past it: the end of the stream counts as soon as the body
        // knows it has nothing left.
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.finished.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Adds `Connection: close` to an answer when the request's body was not read to its end.
pub async fn close_if_unread(req: Request, next: Next) -> Response {
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let finished = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    let body = Body::new(Tracked {
        inner: body,
        finished: finished.clone(),
    });
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if !finished.load(Ordering::Acquire) {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}
