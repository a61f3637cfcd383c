//! Owns this node's short-lived cache of public files: what a `/i/...` name resolves to when
//! anyone may fetch it, and the bytes of small ones, so hot public files are answered without
//! a database query or a disk read.
//!
//! Only files that anyone may fetch are kept (the app decides: public or unlisted, owner not
//! banned, not expired). An entry lasts at most [`FileCache::TTL`] and never past the media's
//! expiry. Every request through this node that may change what a file link shows empties the
//! cache (see [`forget_on_changes`]), and a lookup that raced with such a change is not stored;
//! changes made on other nodes, or by the CLI, reach this one within the TTL.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use vitrine_app::FileToServe;
use vitrine_domain::Timestamp;

/// What an entry costs besides its bytes, counted generously: the resolved file's strings, its
/// header map (about 1 KB for its 8 headers) and the name. Counted too low, many entries of
/// large files (kept without bytes) would take far more memory than `file_cache_mb`.
const ENTRY_OVERHEAD: usize = 2048;

#[derive(Clone)]
pub struct Cached {
    pub file: Arc<FileToServe>,
    /// The headers every answer for it carries.
    pub head: Arc<axum::http::HeaderMap>,
    /// The whole file, when it is small enough to keep.
    pub body: Option<Bytes>,
}

struct Entry {
    cached: Cached,
    until: Instant,
}

fn expired(c: &Cached, now: Timestamp) -> bool {
    c.file.expires_at.is_some_and(|at| at <= now)
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    /// Insertion order, for eviction (oldest first).
    order: VecDeque<String>,
    bytes: usize,
}

pub struct FileCache {
    inner: Mutex<Inner>,
    /// Moves on every change; a lookup stores its answer only if it has not moved meanwhile.
    generation: AtomicU64,
    max_bytes: usize,
    /// Largest file whose bytes are kept.
    max_file_bytes: u64,
    ttl: Duration,
}

impl FileCache {
    /// How long an entry is believed: the delay for changes made on other nodes.
    pub const TTL: Duration = Duration::from_secs(2);

    /// A cache of at most `max_bytes` (0 turns it off).
    pub fn new(max_bytes: usize) -> Self {
        Self::with_ttl(max_bytes, Self::TTL)
    }

    fn with_ttl(max_bytes: usize, ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::new(Inner::default()),
            generation: AtomicU64::new(0),
            max_bytes,
            max_file_bytes: (max_bytes / 64).min(1024 * 1024) as u64,
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map holds no invariant a panic could break halfway that matters more than
        // serving; a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Take before resolving a name; pass to [`FileCache::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The entry for `name`, if still good at `now` (the app's clock: media expiry).
    pub fn get(&self, name: &str, now: Timestamp) -> Option<Cached> {
        if !self.enabled() {
            return None;
        }
        let mut inner = self.lock();
        let entry = inner.map.get(name)?;
        if entry.until > Instant::now() && !expired(&entry.cached, now) {
            return Some(entry.cached.clone());
        }
        if let Some(gone) = inner.map.remove(name) {
            inner.bytes -= weight(&gone.cached);
        }
        None
    }

    /// Whether a file of this size would have its bytes kept.
    pub fn keeps_bytes(&self, size: u64) -> bool {
        self.enabled() && size <= self.max_file_bytes
    }

    /// Keeps a shareable file resolved since `generation`, unless something changed since.
    pub fn put(&self, name: &str, generation: u64, now: Timestamp, cached: Cached) {
        if !self.enabled() || !cached.file.shareable || expired(&cached, now) {
            return;
        }
        let now_i = Instant::now();
        let until = now_i + self.ttl;
        let mut inner = self.lock();
        // Checked under the lock that `forget_all` takes too, so a change cannot slip between.
        if self.generation() != generation {
            return;
        }
        // Entries no one asked for again would otherwise stay until the size bound pushed them
        // out; the oldest are at the front, and every entry lives as long.
        while let Some(front) = inner.order.front() {
            match inner.map.get(front) {
                Some(e) if e.until > now_i => break,
                found => {
                    let stale = found.is_some();
                    let name = inner.order.pop_front().unwrap_or_default();
                    if stale && let Some(gone) = inner.map.remove(&name) {
                        inner.bytes -= weight(&gone.cached);
                    }
                }
            }
        }
        let w = weight(&cached);
        if let Some(old) = inner.map.insert(name.to_owned(), Entry { cached, until }) {
            inner.bytes -= weight(&old.cached);
        } else {
            inner.order.push_back(name.to_owned());
        }
        inner.bytes += w;
        while inner.bytes > self.max_bytes {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(gone) = inner.map.remove(&oldest) {
                inner.bytes -= weight(&gone.cached);
            }
        }
        // Names removed on expiry stay in `order` until their turn; keep it bounded.
        if inner.order.len() > 2 * inner.map.len() + 1024 {
            let Inner { map, order, .. } = &mut *inner;
            order.retain(|n| map.contains_key(n));
        }
    }

    /// Drops everything (something on this node changed).
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        inner.map.clear();
        inner.order.clear();
        inner.bytes = 0;
    }
}

fn weight(c: &Cached) -> usize {
    ENTRY_OVERHEAD + c.body.as_ref().map_or(0, Bytes::len)
}

/// Requests that cannot change what any existing file link shows: signing in, out and up,
/// asking for a password reset, and uploads (a new file has no cached answer yet).
fn changes_no_file(method: &Method, path: &str) -> bool {
    *method == Method::POST
        && matches!(
            path,
            "/login"
                | "/logout"
                | "/signup"
                | "/forgot-password"
                | "/upload"
                | "/api/v1/auth/login"
                | "/api/v1/auth/logout"
                | "/api/v1/auth/signup"
                | "/api/v1/auth/signup/confirm"
                | "/api/v1/auth/password-reset"
                | "/api/v1/media"
                | "/api/1/upload"
                | "/api/1/upload/"
        )
}

/// Empties the cache when dropped, unless disarmed: also when the request is cut short (a
/// client gone, a timeout) after its change was committed.
struct ForgetOnDrop(Option<Arc<FileCache>>);

impl Drop for ForgetOnDrop {
    fn drop(&mut self) {
        if let Some(cache) = self.0.take() {
            cache.forget_all();
        }
    }
}

/// Middleware: a request that may change what a file link shows keeps lookups running
/// alongside it from storing what they read, and empties the cache once it is over, before its
/// answer leaves. A refused request (4xx) changed nothing, so the cache keeps its entries.
pub async fn forget_on_changes(
    State(cache): State<Arc<FileCache>>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method();
    if !cache.enabled()
        || matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || changes_no_file(method, req.uri().path())
    {
        return next.run(req).await;
    }
    // Lookups already running may have read what this request is about to change.
    cache.generation.fetch_add(1, Ordering::AcqRel);
    let mut after = ForgetOnDrop(Some(cache));
    let res = next.run(req).await;
    if res.status().is_client_error() {
        after.0 = None;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_000_000);

    fn file(shareable: bool, expires_at: Option<i64>) -> Cached {
        Cached {
            file: Arc::new(FileToServe {
                storage_key: "k".into(),
                local_path: None,
                mime: "image/jpeg",
                size: 10,
                etag: "\"e\"".into(),
                last_modified: Timestamp(0),
                filename: "f.jpg".into(),
                shareable,
                expires_at: expires_at.map(Timestamp),
            }),
            head: Arc::new(axum::http::HeaderMap::new()),
            body: Some(Bytes::from_static(b"0123456789")),
        }
    }

    #[test]
    fn keeps_only_shareable_unexpired_files_resolved_before_no_change() {
        let c = FileCache::new(1 << 20);
        let g = c.generation();
        c.put("a.jpg", g, NOW, file(true, None));
        c.put("private.jpg", g, NOW, file(false, None));
        c.put("gone.jpg", g, NOW, file(true, Some(NOW.0)));
        c.put("soon.jpg", g, NOW, file(true, Some(NOW.0 + 60)));
        assert!(c.get("a.jpg", NOW).is_some());
        assert!(c.get("private.jpg", NOW).is_none());
        assert!(c.get("gone.jpg", NOW).is_none());
        // Never served past the media's expiry, by the app's clock.
        assert!(c.get("soon.jpg", NOW).is_some());
        assert!(c.get("soon.jpg", Timestamp(NOW.0 + 60)).is_none());
        // A change while a lookup ran: its answer is not kept, and earlier ones are dropped.
        let g = c.generation();
        c.forget_all();
        c.put("b.jpg", g, NOW, file(true, None));
        assert!(c.get("b.jpg", NOW).is_none());
        assert!(c.get("a.jpg", NOW).is_none());
    }

    #[test]
    fn expired_entries_do_not_pile_up() {
        let c = FileCache::with_ttl(1 << 20, Duration::from_millis(20));
        let g = c.generation();
        for n in 0..50 {
            c.put(&format!("{n}.jpg"), g, NOW, file(true, None));
        }
        std::thread::sleep(Duration::from_millis(30));
        c.put("new.jpg", g, NOW, file(true, None));
        let inner = c.lock();
        assert_eq!(inner.map.len(), 1);
        assert_eq!(inner.order.len(), 1);
        assert_eq!(inner.bytes, ENTRY_OVERHEAD + 10);
    }

    #[test]
    fn stays_within_its_size_by_dropping_the_oldest() {
        let c = FileCache::new(3 * (ENTRY_OVERHEAD + 10));
        let g = c.generation();
        for n in 0..5 {
            c.put(&format!("{n}.jpg"), g, NOW, file(true, None));
        }
        assert!(c.get("0.jpg", NOW).is_none());
        assert!(c.get("1.jpg", NOW).is_none());
        assert!(c.get("4.jpg", NOW).is_some());
        assert!(c.lock().bytes <= 3 * (ENTRY_OVERHEAD + 10));
        let off = FileCache::new(0);
        off.put("a.jpg", 0, NOW, file(true, None));
        assert!(off.get("a.jpg", NOW).is_none());
    }
}
