//! Owns the optional Redis connection (`redis_url`): a cache of the site and upload settings
//! that every page reads (replaced on every write, so a change is seen by every node at
//! once), and sliding-window counters behind rate limits, fed by the audit log writer so they
//! count what the audit log counts. Without Redis both come from the database. Redis is never
//! the only copy of anything: when it fails or was emptied, the database answers (and a
//! warning is logged).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// This node could not count an event in Redis; the next count it records moves the
    /// counters' "complete since" time forward.
    missed_events: Arc<AtomicBool>,
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
        // Lazy: a Redis that is down at start must not keep the site (or a command) from
        // starting; the database answers until it is back.
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| AppError::Internal(format!("cannot set up Redis: {e}")))?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            resting_until: Arc::new(AtomicU64::new(0)),
            missed_events: Arc::new(AtomicBool::new(false)),
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

    /// Fills a miss with what the database said, unless a change got there first (`NX`):
    /// a reader holding an older value must not overwrite a newer one.
    pub(crate) async fn keep_setting(&self, key: &str, value: Option<&str>) {
        let Some(mut c) = self.conn() else { return };
        let set = redis::cmd("SET")
            .arg(self.setting_key(key))
            .arg(Self::stored(value))
            .arg("NX")
            .arg("EX")
            .arg(SETTING_TTL_SECS)
            .query_async::<()>(&mut c)
            .await;
        if let Err(e) = set {
            self.failed("cannot cache a setting", &e);
        }
    }

    fn stored(value: Option<&str>) -> String {
        value.map_or_else(|| "-".to_owned(), |v| format!("={v}"))
    }

    /// Replaces the cached `key` after its row changed, even while resting (a stale copy
    /// would outlive the outage), so every node reads the new value at once. A failure here
    /// could leave a stale value for up to the TTL, so it is logged as an error.
    pub(crate) async fn setting_changed(&self, key: &str, value: &str) {
        let mut c = self.conn.clone();
        if let Err(e) = c
            .set_ex::<_, _, ()>(
                self.setting_key(key),
                Self::stored(Some(value)),
                SETTING_TTL_SECS,
            )
            .await
        {
            self.failed("cannot update a cached setting", &e);
            tracing::error!(
                key,
                "a stale copy may be shown for up to a minute after Redis returns"
            );
        }
    }

    /// The key holding the time from which the counters hold every event: set when first
    /// counting (and again after a flush or restart emptied Redis), and moved forward after
    /// this node failed to count. Windows that start earlier are counted by the database.
    fn since_key(&self) -> String {
        format!("{}rate:complete_since", self.prefix)
    }

    /// Records one event of `action` at `at` (Unix seconds) for each `(by, subject)`.
    pub(crate) async fn count_event(
        &self,
        action: &str,
        subjects: &[(&str, &str)],
        at: i64,
        id: &str,
    ) {
        let Some(mut c) = self.conn() else {
            // An event Redis will never see: its counters are incomplete from here on.
            self.missed_events.store(true, Ordering::Relaxed);
            return;
        };
        let mut pipe = redis::pipe();
        let missed = self.missed_events.swap(false, Ordering::Relaxed);
        if missed {
            pipe.set(self.since_key(), at).ignore();
        } else {
            pipe.cmd("SET")
                .arg(self.since_key())
                .arg(at)
                .arg("NX")
                .ignore();
        }
        for (by, subject) in subjects {
            let key = self.counter_key(action, by, subject);
            pipe.zadd(&key, id, at)
                .ignore()
                .zrembyscore(&key, "-inf", at - LONGEST_WINDOW_SECS)
                .ignore()
                .expire(&key, LONGEST_WINDOW_SECS)
                .ignore();
        }
        if let Err(e) = pipe.query_async::<()>(&mut c).await {
            self.missed_events.store(true, Ordering::Relaxed);
            self.failed("cannot count an event", &e);
        }
    }

    /// Events of `action` for `(by, subject)` since `since`, or `None` when Redis cannot
    /// tell (it failed, or its counters do not reach back that far).
    pub(crate) async fn count_since(
        &self,
        action: &str,
        by: &str,
        subject: &str,
        since: i64,
    ) -> Option<u64> {
        if self.missed_events.load(Ordering::Relaxed) {
            return None;
        }
        let mut c = self.conn()?;
        let got = redis::pipe()
            .get(self.since_key())
            .zcount(self.counter_key(action, by, subject), since, "+inf")
            .query_async::<(Option<i64>, u64)>(&mut c)
            .await;
        match got {
            Ok((Some(complete_since), n)) if complete_since <= since => Some(n),
            Ok(_) => None,
            Err(e) => {
                self.failed("cannot read a counter", &e);
                None
            }
        }
    }
}
