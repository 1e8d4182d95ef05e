//! The only shared state of a service provider: assertion IDs already accepted (kept until the
//! assertion could no longer be accepted) and the IDs of AuthnRequests awaiting an answer.
//!
//! This module owns the store traits and the in-memory default. It never reads the clock
//! (every call is given `now`) and it does no I/O; network or disk stores live in their own
//! crates and implement these traits.
//!
//! # The contract every store keeps
//!
//! - **Fallible.** Every operation returns `Result<_, StoreError>`. A store that cannot answer
//!   (unreachable, timed out, full of unexpired entries) refuses the login: validation never
//!   treats "could not check" as "not seen before".
//! - **Atomic insert-if-absent.** [`ReplayCache::insert_if_absent`] records the key only if no
//!   unexpired entry exists, in one step. A read followed by a write would let two instances
//!   that receive the same assertion at the same moment both accept it.
//! - **Single-use requests.** [`RequestStore::take`] removes the ID in the same step that
//!   finds it.
//! - **Sync and async.** [`ReplayCache`]/[`RequestStore`] are for stores that answer without
//!   blocking a thread for long (memory, a local SQLite file); [`AsyncReplayCache`]/
//!   [`AsyncRequestStore`] are for network stores, so that a tokio worker is never blocked.
//!   [`Unreplayed::commit`](super::sp::Unreplayed::commit) and
//!   [`commit_async`](super::sp::Unreplayed::commit_async) use one or the other.
//! - **One step per async login where a store can.** [`commit_async`] of a solicited login
//!   consumes its request and records its assertion through
//!   [`AsyncReplayCache::take_and_insert_if_absent`], whose provided body is the two calls one
//!   after the other; a network store overrides it to do both in one round trip. Either way the
//!   assertion is recorded only if the request was outstanding.
//!
//! [`commit_async`]: super::sp::Unreplayed::commit_async

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use crate::time::DateTime;

/// Why a state store could not answer. Validation turns it into a refusal
/// ([`ErrorKind::ReplayStoreUnavailable`](super::ErrorKind::ReplayStoreUnavailable) or
/// [`ErrorKind::RequestStoreUnavailable`](super::ErrorKind::RequestStoreUnavailable)): a login is
/// never accepted on a store that did not confirm it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store did not answer within its timeout.
    #[error("the store did not answer within {timeout_ms} ms")]
    Timeout {
        /// The timeout in force, in milliseconds.
        timeout_ms: u64,
    },
    /// The store is unreachable or answered with an error.
    #[error("the store is unavailable: {detail}")]
    Unavailable {
        /// What the store's client reported (never a secret such as a password in a URL).
        detail: String,
    },
}

/// What a replay cache says about an assertion.
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

/// What [`AsyncReplayCache::take_and_insert_if_absent`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Taken {
    /// The request was not outstanding (unknown, already consumed or expired): the assertion
    /// was not recorded.
    NotOutstanding,
    /// The request was consumed; this is the replay cache's answer, as
    /// [`AsyncReplayCache::insert_if_absent`] gives it.
    Consumed(Result<ReplayOutcome, StoreError>),
}

/// Remembers accepted assertions until they could no longer be accepted (SAML Profiles
/// §4.1.4.5).
pub trait ReplayCache: Send + Sync {
    /// Records `key` (already qualified by issuer) until `expires`, atomically and only if no
    /// unexpired entry for it exists. Returns [`ReplayOutcome::Replayed`] if one does.
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError>;
}

/// Outstanding AuthnRequest IDs. Each may be consumed once (InResponseTo is single-use).
pub trait RequestStore: Send + Sync {
    /// Records a request ID until `expires`. An error means the request cannot be answered
    /// later, so the caller should not send it.
    fn insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError>;
    /// Consumes `id` if it is outstanding and unexpired, in one step; returns whether it was.
    fn take(&self, id: &str, now: DateTime) -> Result<bool, StoreError>;
}

/// A store that keeps both kinds of service-provider state: what
/// [`Unreplayed::commit`](super::sp::Unreplayed::commit) takes. Implemented for every type
/// that implements both traits, so `&dyn SpStore` works too.
pub trait SpStore: ReplayCache + RequestStore {}

impl<T: ReplayCache + RequestStore + ?Sized> SpStore for T {}

/// [`ReplayCache`] for stores that answer over the network: the future must not block.
pub trait AsyncReplayCache: Send + Sync {
    /// As [`ReplayCache::insert_if_absent`].
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<ReplayOutcome, StoreError>> + Send;

    /// Consumes the outstanding request `request_id` ([`AsyncRequestStore::take`]) and, only
    /// if it was outstanding, records `key` ([`insert_if_absent`](Self::insert_if_absent)):
    /// what a solicited login commits. The provided body awaits those two calls, one after the
    /// other; a store that can do both in one step (one round trip) overrides it, keeping the
    /// same answers.
    ///
    /// (The sync traits have no such method: on [`ReplayCache`] it would need
    /// `where Self: RequestStore`, which makes `dyn SpStore` impossible.)
    ///
    /// # Errors
    ///
    /// The request store's error (whether the request was consumed is then unknown). The
    /// replay cache's error, once the request was consumed, is in [`Taken::Consumed`].
    fn take_and_insert_if_absent(
        &self,
        request_id: &str,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<Taken, StoreError>> + Send
    where
        Self: AsyncRequestStore,
    {
        async move {
            Ok(if AsyncRequestStore::take(self, request_id, now).await? {
                Taken::Consumed(self.insert_if_absent(key, expires, now).await)
            } else {
                Taken::NotOutstanding
            })
        }
    }
}

/// [`RequestStore`] for stores that answer over the network: the futures must not block.
pub trait AsyncRequestStore: Send + Sync {
    /// As [`RequestStore::insert`].
    fn insert(
        &self,
        id: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// As [`RequestStore::take`].
    fn take(
        &self,
        id: &str,
        now: DateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

const SHARDS: usize = 16;

/// A map from ID to expiry, split into shards so that concurrent verifications rarely wait
/// on the same lock, and bounded so an attacker cannot grow it without limit.
#[derive(Debug)]
struct ExpiringSet {
    shards: Vec<Mutex<HashMap<String, DateTime>>>,
    capacity_per_shard: usize,
}

impl ExpiringSet {
    fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            capacity_per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    fn shard(&self, id: &str) -> std::sync::MutexGuard<'_, HashMap<String, DateTime>> {
        // FNV-1a: cheap and good enough to spread IDs over 16 shards.
        let mut h: u32 = 0x811c_9dc5;
        for b in id.bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        let index = usize::try_from(h).unwrap_or_default() % SHARDS;
        // A panic while holding the lock cannot leave the map inconsistent (single inserts
        // and removals), so the data is still usable.
        match self.shards[index].lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Inserts `id` if absent or expired; `None` when the shard is full of live entries.
    fn insert_if_absent(&self, id: &str, expires: DateTime, now: DateTime) -> Option<bool> {
        let mut map = self.shard(id);
        if let Some(&until) = map.get(id)
            && now < until
        {
            return Some(false);
        }
        if map.len() >= self.capacity_per_shard {
            map.retain(|_, &mut until| now < until);
            if map.len() >= self.capacity_per_shard {
                return None;
            }
        }
        map.insert(id.to_owned(), expires);
        Some(true)
    }

    fn take(&self, id: &str, now: DateTime) -> bool {
        matches!(self.shard(id).remove(id), Some(until) if now < until)
    }

    fn capacity(&self) -> usize {
        self.capacity_per_shard * SHARDS
    }
}

/// The default store: in memory, bounded, for one process. It implements the sync and async
/// traits of both kinds of state. Its operations cannot fail except by being full, which it
/// reports (the replay cache refuses rather than forgets; the request store refuses to record
/// a request it could not answer).
///
/// A fleet of service instances needs a shared store instead: a replay accepted on one
/// instance must be refused on the others.
#[derive(Debug)]
pub struct InMemoryStore {
    replay: ExpiringSet,
    requests: ExpiringSet,
}

impl InMemoryStore {
    /// A store holding at most about `capacity` live assertions and `capacity` outstanding
    /// requests.
    pub fn new(capacity: usize) -> Self {
        Self {
            replay: ExpiringSet::new(capacity),
            requests: ExpiringSet::new(capacity),
        }
    }
}

impl Default for InMemoryStore {
    /// 100,000 of each.
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl ReplayCache for InMemoryStore {
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        Ok(match self.replay.insert_if_absent(key, expires, now) {
            Some(true) => ReplayOutcome::Fresh,
            Some(false) => ReplayOutcome::Replayed,
            None => ReplayOutcome::Full {
                capacity: self.replay.capacity(),
            },
        })
    }
}

impl RequestStore for InMemoryStore {
    fn insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError> {
        match self.requests.insert_if_absent(id, expires, now) {
            Some(_) => Ok(()),
            None => Err(StoreError::Unavailable {
                detail: format!(
                    "the in-memory request store is full ({} outstanding requests)",
                    self.requests.capacity()
                ),
            }),
        }
    }

    fn take(&self, id: &str, now: DateTime) -> Result<bool, StoreError> {
        Ok(self.requests.take(id, now))
    }
}

impl AsyncReplayCache for InMemoryStore {
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<ReplayOutcome, StoreError>> + Send {
        std::future::ready(ReplayCache::insert_if_absent(self, key, expires, now))
    }
}

impl AsyncRequestStore for InMemoryStore {
    fn insert(
        &self,
        id: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(RequestStore::insert(self, id, expires, now))
    }

    fn take(
        &self,
        id: &str,
        now: DateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        std::future::ready(RequestStore::take(self, id, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime {
        DateTime::from_unix_seconds(s)
    }

    #[test]
    fn replay_detected_until_expiry() {
        let c = InMemoryStore::new(10);
        let insert = |now| ReplayCache::insert_if_absent(&c, "a", t(100), t(now));
        assert_eq!(insert(0), Ok(ReplayOutcome::Fresh));
        assert_eq!(insert(50), Ok(ReplayOutcome::Replayed));
        assert_eq!(insert(100), Ok(ReplayOutcome::Fresh));
    }

    #[test]
    fn full_cache_fails_closed_and_recovers_after_expiry() {
        let c = InMemoryStore::new(16);
        let full = (0..200).any(|i| {
            matches!(
                ReplayCache::insert_if_absent(&c, &format!("id{i}"), t(100), t(0)),
                Ok(ReplayOutcome::Full { .. })
            )
        });
        assert!(full, "the bound must be enforced");
        assert_eq!(
            ReplayCache::insert_if_absent(&c, "late", t(300), t(150)),
            Ok(ReplayOutcome::Fresh)
        );
    }

    #[test]
    fn requests_are_single_use_and_expire() {
        let s = InMemoryStore::default();
        RequestStore::insert(&s, "r1", t(100), t(0)).expect("room");
        RequestStore::insert(&s, "r2", t(100), t(0)).expect("room");
        assert_eq!(RequestStore::take(&s, "r1", t(10)), Ok(true));
        assert_eq!(RequestStore::take(&s, "r1", t(10)), Ok(false), "single use");
        assert_eq!(RequestStore::take(&s, "r2", t(100)), Ok(false), "expired");
        assert_eq!(RequestStore::take(&s, "unknown", t(10)), Ok(false));
    }

    #[test]
    fn a_full_request_store_refuses_to_record() {
        let s = InMemoryStore::new(16);
        let refused =
            (0..200).any(|i| RequestStore::insert(&s, &format!("r{i}"), t(100), t(0)).is_err());
        assert!(
            refused,
            "a request that could not be recorded must be reported"
        );
    }
}
