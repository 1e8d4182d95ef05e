//! The only shared state of a service provider: assertion IDs already accepted (kept until the
//! assertion expires) and the IDs of AuthnRequests awaiting an answer. Both are traits, so a
//! fleet can put them on a shared store; the defaults are in memory and bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::time::Instant;

/// Remembers accepted assertions until they expire (SAML profiles §4.1.4.5).
pub trait ReplayCache: Send + Sync {
    /// Records `id` (already qualified by issuer) until `expires`. Returns
    /// [`ReplayOutcome::Replayed`] if it is already present and unexpired.
    fn check_and_insert(&self, id: &str, expires: Instant, now: Instant) -> ReplayOutcome;
}

/// What a replay cache says about an assertion ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayOutcome {
    /// First use: recorded.
    Fresh,
    /// Seen before and not yet expired.
    Replayed,
    /// The cache is full of unexpired entries; the caller must refuse (fail closed).
    Full {
        /// The capacity.
        capacity: usize,
    },
}

/// Outstanding AuthnRequest IDs. Each may be consumed once (InResponseTo is single-use).
pub trait RequestStore: Send + Sync {
    /// Records a request ID until `expires`.
    fn insert(&self, id: &str, expires: Instant, now: Instant);
    /// Consumes `id` if it is outstanding and unexpired; returns whether it was.
    fn take(&self, id: &str, now: Instant) -> bool;
}

const SHARDS: usize = 16;

/// A map from ID to expiry, split into shards so that concurrent verifications rarely wait
/// on the same lock, and bounded so an attacker cannot grow it without limit.
#[derive(Debug)]
struct ExpiringSet {
    shards: Vec<Mutex<HashMap<String, Instant>>>,
    capacity_per_shard: usize,
}

impl ExpiringSet {
    fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            capacity_per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    fn shard(&self, id: &str) -> &Mutex<HashMap<String, Instant>> {
        // FNV-1a: cheap and good enough to spread IDs over 16 shards.
        let mut h: u32 = 0x811c_9dc5;
        for b in id.bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        &self.shards[h as usize % SHARDS]
    }
}

/// The default [`ReplayCache`]: in memory, bounded (default 100,000 live assertions).
#[derive(Debug)]
pub struct InMemoryReplayCache {
    set: ExpiringSet,
}

impl InMemoryReplayCache {
    /// A cache holding at most about `capacity` live entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            set: ExpiringSet::new(capacity),
        }
    }
}

impl Default for InMemoryReplayCache {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl ReplayCache for InMemoryReplayCache {
    fn check_and_insert(&self, id: &str, expires: Instant, now: Instant) -> ReplayOutcome {
        let mut map = match self.set.shard(id).lock() {
            Ok(m) => m,
            // A panic while holding the lock cannot leave the map inconsistent (single
            // inserts and removals), so the data is still usable.
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(&until) = map.get(id)
            && now < until
        {
            return ReplayOutcome::Replayed;
        }
        if map.len() >= self.set.capacity_per_shard {
            map.retain(|_, &mut until| now < until);
            if map.len() >= self.set.capacity_per_shard {
                return ReplayOutcome::Full {
                    capacity: self.set.capacity_per_shard * SHARDS,
                };
            }
        }
        map.insert(id.to_owned(), expires);
        ReplayOutcome::Fresh
    }
}

/// The default [`RequestStore`]: in memory, bounded (default 100,000 outstanding requests).
/// Expired requests are dropped when space is needed; past the bound a new request is not
/// recorded, so its response will be refused (fail closed).
#[derive(Debug)]
pub struct InMemoryRequestStore {
    set: ExpiringSet,
}

impl InMemoryRequestStore {
    /// A store holding at most about `capacity` outstanding requests.
    pub fn new(capacity: usize) -> Self {
        Self {
            set: ExpiringSet::new(capacity),
        }
    }
}

impl Default for InMemoryRequestStore {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl RequestStore for InMemoryRequestStore {
    fn insert(&self, id: &str, expires: Instant, now: Instant) {
        let mut map = match self.set.shard(id).lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= self.set.capacity_per_shard {
            map.retain(|_, &mut until| now < until);
        }
        if map.len() < self.set.capacity_per_shard {
            map.insert(id.to_owned(), expires);
        }
    }

    fn take(&self, id: &str, now: Instant) -> bool {
        let mut map = match self.set.shard(id).lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        matches!(map.remove(id), Some(until) if now < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Instant {
        Instant::from_unix_seconds(s)
    }

    #[test]
    fn replay_detected_until_expiry() {
        let c = InMemoryReplayCache::new(10);
        assert_eq!(c.check_and_insert("a", t(100), t(0)), ReplayOutcome::Fresh);
        assert_eq!(
            c.check_and_insert("a", t(100), t(50)),
            ReplayOutcome::Replayed
        );
        assert_eq!(
            c.check_and_insert("a", t(200), t(100)),
            ReplayOutcome::Fresh
        );
    }

    #[test]
    fn full_cache_fails_closed_and_recovers_after_expiry() {
        let c = InMemoryReplayCache::new(16);
        let mut full = false;
        for i in 0..200 {
            if let ReplayOutcome::Full { .. } = c.check_and_insert(&format!("id{i}"), t(100), t(0))
            {
                full = true;
            }
        }
        assert!(full, "the bound must be enforced");
        assert_eq!(
            c.check_and_insert("late", t(300), t(150)),
            ReplayOutcome::Fresh
        );
    }

    #[test]
    fn requests_are_single_use_and_expire() {
        let s = InMemoryRequestStore::default();
        s.insert("r1", t(100), t(0));
        s.insert("r2", t(100), t(0));
        assert!(s.take("r1", t(10)));
        assert!(!s.take("r1", t(10)), "single use");
        assert!(!s.take("r2", t(100)), "expired");
        assert!(!s.take("unknown", t(10)));
    }
}
