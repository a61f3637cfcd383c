//! Owns the HTTP/1.1 connection loop. `axum::serve` sets no timer, so a client could hold a
//! connection (and a task) forever by sending its request head one byte a minute; here every
//! connection has a header-read deadline, a cap on the head's size, a request body that must
//! keep arriving and a client that must keep taking the answer. Shutdown is graceful: stop
//! accepting, let in-flight requests finish for up to [`SHUTDOWN_GRACE`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tokio_util::task::TaskTracker;
use tower::{Service, ServiceExt as _};

/// Connection limits (from `[http]` in the configuration).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time for a client to send a whole request head (also how long an idle keep-alive
    /// connection stays open).
    pub header_timeout: Duration,
    /// Longest a client may stall: sending more of a request body, or taking more of the
    /// answer.
    pub stall_timeout: Duration,
    /// Largest request head (request line and headers) in bytes; larger gets 431. (More
    /// than 100 headers get 431 too: hyper's default, kept because its parser then stays on
    /// the stack.)
    pub max_head_bytes: usize,
}

/// How long shutdown waits for requests in flight (a download to a slow client may never
/// finish on its own).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `stop` turns true, then waits for open requests.
/// `router` is the site behind its file front door, or the metrics listener's router: both
/// get the same connection limits.
pub async fn serve<S>(
    listener: TcpListener,
    router: S,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let tracker = TaskTracker::new();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // That one connection is gone; the next may be fine.
                Err(e) if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset
                ) => continue,
                Err(e) => {
                    // Out of file descriptors, most likely: not fatal, and pausing keeps the
                    // shortage from spinning the loop.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let _ = stream.set_nodelay(true);
        tracker.spawn(connection(
            stream,
            remote,
            router.clone(),
            limits,
            stop.clone(),
        ));
    }
    drop(listener);
    tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = tracker.len(),
            "connections still open after the shutdown grace period; closing them"
        );
    }
    Ok(())
}

async fn connection<S>(
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    router: S,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let stall = limits.stall_timeout;
    let service = router.map_request(move |req: Request<Incoming>| {
        let mut req = req.map(|b| {
            if b.is_end_stream() {
                Body::new(b)
            } else {
                Body::new(IdleTimeoutBody::new(b, stall))
            }
        });
        req.extensions_mut().insert(ConnectInfo(remote));
        req
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_head_bytes);
    let io = TokioIo::new(StallGuard::new(stream, stall));
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => return log_end(res),
        () = stopped(&mut stop) => {}
    }
    conn.as_mut().graceful_shutdown();
    log_end(conn.await);
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn log_end(res: Result<(), hyper::Error>) {
    if let Err(e) = res {
        // Timeouts, resets and malformed requests from clients: not our error.
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// The error a request body gives when the client stops sending it.
#[derive(Debug, thiserror::Error)]
#[error("the client stopped sending the request body")]
pub struct BodyStalled;

/// A request body that fails with [`BodyStalled`] when the client sends nothing for
/// `idle` while the server is waiting for it. Time the handler spends not reading (waiting
/// for a processing slot, say) does not count against the client, as long as it does not
/// abandon a pending read and come back later (nothing here does).
struct IdleTimeoutBody {
    inner: Incoming,
    idle: Duration,
    sleep: Pin<Box<Sleep>>,
    waiting: bool,
}

impl IdleTimeoutBody {
    fn new(inner: Incoming, idle: Duration) -> Self {
        Self {
            inner,
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
            waiting: false,
        }
    }
}

impl HttpBody for IdleTimeoutBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.waiting = false;
                Poll::Ready(frame.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => {
                if !this.waiting {
                    this.waiting = true;
                    let deadline = Instant::now() + this.idle;
                    this.sleep.as_mut().reset(deadline);
                }
                match this.sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(BodyStalled.into()))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether `err` (or anything it was caused by) is a stalled request body.
pub fn is_body_stalled(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.is::<BodyStalled>() {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The connection's socket, failing writes with `TimedOut` when the client takes nothing of
/// the answer for `stall` (a zero TCP window would otherwise hold the connection, its task
/// and an open file for ever).
struct StallGuard {
    inner: tokio::net::TcpStream,
    stall: Duration,
    sleep: Pin<Box<Sleep>>,
    waiting: bool,
}

impl StallGuard {
    fn new(inner: tokio::net::TcpStream, stall: Duration) -> Self {
        Self {
            inner,
            stall,
            sleep: Box::pin(tokio::time::sleep(stall)),
            waiting: false,
        }
    }

    /// Turns a pending write into an error once the client has stalled for too long.
    fn pending_write<T>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        if !self.waiting {
            self.waiting = true;
            let deadline = Instant::now() + self.stall;
            self.sleep.as_mut().reset(deadline);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading the answer",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl tokio::io::AsyncRead for StallGuard {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for StallGuard {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.waiting = false;
                Poll::Ready(r)
            }
            Poll::Pending => this.pending_write(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => {
                this.waiting = false;
                Poll::Ready(r)
            }
            Poll::Pending => this.pending_write(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
