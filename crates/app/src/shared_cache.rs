//! Owns the optional Redis connection (`redis_url`): a cache of the site and upload settings
//! that every page reads (invalidated on every write, so a change is seen by every node at
//! once), and sliding-window counters behind rate limits, fed by the audit log writer so they
//! count exactly what the audit log counts. Without Redis both come from the database. Redis
//! is never the only copy of anything: when it fails, the database answers (and a warning is
//! logged).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::AppError;

/// Cached settings live this long even without a write (a safety net, not the mechanism).
const SETTING_TTL_SECS: u64 = 60;
/// The longest window any rate limit looks back (flood limits per day).
pub(crate) const LONGEST_WINDOW_SECS: i64 = 86_400;
/// After a failure, Redis is left alone this long (the database answers meanwhile), so an
/// outage does not slow every request by the connection timeout.
const REST_AFTER_FAILURE: Duration = Duration::from_secs(10);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[derive(Clone)]
pub struct SharedCache {
    conn: ConnectionManager,
    /// Keeps sites sharing one Redis apart.
    prefix: String,
    /// Unix milliseconds until which Redis is not asked (after a failure).
    resting_until: Arc<AtomicU64>,
}

impl std::fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCache")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl SharedCache {
    /// Connects to `url` (`redis://[:password@]host:port[/db]`); keys start with `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, AppError> {
        let client = redis::Client::open(url)
            .map_err(|e| AppError::Internal(format!("bad redis_url: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| AppError::Internal(format!("cannot connect to Redis: {e}")))?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            resting_until: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The connection, unless Redis failed recently.
    fn conn(&self) -> Option<ConnectionManager> {
        (now_ms() >= self.resting_until.load(Ordering::Relaxed)).then(|| self.conn.clone())
    }

    fn failed(&self, what: &str, e: &redis::RedisError) {
        self.resting_until.store(
            now_ms() + REST_AFTER_FAILURE.as_millis() as u64,
            Ordering::Relaxed,
        );
        tracing::warn!(error = %e, "Redis: {what}; using the database for the next 10 s");
    }

    fn setting_key(&self, key: &str) -> String {
        format!("{}setting:{key}", self.prefix)
    }

    fn counter_key(&self, action: &str, by: &str, subject: &str) -> String {
        format!("{}rate:{action}:{by}:{subject}", self.prefix)
    }

    /// The cached value of setting `key`: `Some(Some(v))` cached, `Some(None)` cached as
    /// absent, `None` not cached (or Redis failed).
    pub(crate) async fn setting(&self, key: &str) -> Option<Option<String>> {
        let mut c = self.conn()?;
        match c.get::<_, Option<String>>(self.setting_key(key)).await {
            // An absent setting is cached as the "-" marker, a present one as "=value".
            Ok(Some(v)) => Some(v.strip_prefix('=').map(str::to_owned)),
            Ok(None) => None,
            Err(e) => {
                self.failed("cannot read a cached setting", &e);
                None
            }
        }
    }

    pub(crate) async fn keep_setting(&self, key: &str, value: Option<&str>) {
        let stored = value.map_or_else(|| "-".to_owned(), |v| format!("={v}"));
        let Some(mut c) = self.conn() else { return };
        if let Err(e) = c
            .set_ex::<_, _, ()>(self.setting_key(key), stored, SETTING_TTL_SECS)
            .await
        {
            self.failed("cannot cache a setting", &e);
        }
    }

    /// Forgets the cached `key`, even while resting (a stale copy would outlive the outage).
    /// A failure here could leave a stale value for up to the TTL, so it is logged as an error.
    pub(crate) async fn forget_setting(&self, key: &str) {
        let mut c = self.conn.clone();
        if let Err(e) = c.del::<_, ()>(self.setting_key(key)).await {
            self.failed("cannot drop a cached setting", &e);
            tracing::error!(
                key,
                "a stale copy may be shown for up to a minute after Redis returns"
            );
        }
    }

    /// Records one event of `action` at `at` (Unix seconds) for each `(by, subject)`.
    pub(crate) async fn count_event(
        &self,
        action: &str,
        subjects: &[(&str, &str)],
        at: i64,
        id: &str,
    ) {
        let mut pipe = redis::pipe();
        for (by, subject) in subjects {
            let key = self.counter_key(action, by, subject);
            pipe.zadd(&key, id, at)
                .ignore()
                .zrembyscore(&key, "-inf", at - LONGEST_WINDOW_SECS)
                .ignore()
                .expire(&key, LONGEST_WINDOW_SECS)
                .ignore();
        }
        let Some(mut c) = self.conn() else { return };
        if let Err(e) = pipe.query_async::<()>(&mut c).await {
            self.failed("cannot count an event", &e);
        }
    }

    /// Events of `action` for `(by, subject)` since `since`, or `None` when Redis failed.
    pub(crate) async fn count_since(
        &self,
        action: &str,
        by: &str,
        subject: &str,
        since: i64,
    ) -> Option<u64> {
        let mut c = self.conn()?;
        match c
            .zcount::<_, _, _, u64>(self.counter_key(action, by, subject), since, "+inf")
            .await
        {
            Ok(n) => Some(n),
            Err(e) => {
                self.failed("cannot read a counter", &e);
                None
            }
        }
    }
}
