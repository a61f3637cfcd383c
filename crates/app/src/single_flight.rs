//! Owns single-flight: concurrent requests for the same missing derivative wait for one
//! regeneration instead of each decoding the original.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Mutex as AsyncMutex;

#[derive(Debug, Default, Clone)]
pub(crate) struct SingleFlight {
    locks: Arc<Mutex<HashMap<String, Arc<AsyncMutex<()>>>>>,
}

impl SingleFlight {
    /// The lock for `key`; hold its guard while producing the value.
    pub(crate) fn lock_for(&self, key: &str) -> Arc<AsyncMutex<()>> {
        let mut map = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        // Drop entries nobody holds, so the map stays small.
        map.retain(|_, l| Arc::strong_count(l) > 1);
        map.entry(key.to_owned()).or_default().clone()
    }
}
