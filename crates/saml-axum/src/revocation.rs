//! Server-side revocation of the stateless session cookies, so that Single Logout really ends a
//! session.
//!
//! The session is a signed cookie: nothing on the server knows it exists, and a LogoutRequest
//! from the IdP usually arrives **without** it (in an invisible iframe, or a cross-site
//! navigation under `SameSite=Lax`). So ending a session cannot mean deleting the cookie; it
//! means remembering, until the session would have expired anyway, that sessions of this
//! principal started before now are over. That is what a [`SessionRevocations`] keeps:
//!
//! - **started sessions**, keyed by (NameID, SessionIndex), with their expiry: recorded by the
//!   ACS at every login, only so that a LogoutRequest that names no live session can be
//!   answered with `UnknownPrincipal`, as SAML asks;
//! - **revocations**, keyed by (NameID, SessionIndex), or by NameID alone when the
//!   LogoutRequest names no SessionIndex (every session of the principal), each with the
//!   instant of the revocation and an expiry: the session's own expiry when it was known, the
//!   longest a session lasts otherwise. A session cookie is refused by the
//!   [`SamlSession`](crate::SamlSession) extractor when a revocation matches its NameID and
//!   SessionIndex (or its NameID alone) and was made at or after the instant the session was
//!   issued (milliseconds, in the signed cookie): a later login of the same principal is not
//!   affected.
//!
//! A revocation is recorded even for a session that was not found among the started ones (the
//! process restarted, or another instance issued it): it is the revocation, not the record of
//! the start, that ends the session.
//!
//! [`InMemoryRevocations`] is the default: one process, bounded, expired entries purged as it
//! fills. Instances of a fleet that share a [`CookieKey`](crate::CookieKey) must share their
//! revocations too, or a logout received by one instance leaves the session alive on the
//! others: implement this trait over the fleet's store (a Redis hash per NameID with a TTL, a
//! SQLite table) and give it to [`SamlSp::with_revocations`](crate::SamlSp::with_revocations).
//! The extractor then asks the store on every request that carries a session cookie.
//!
//! NameIDs are compared by value: the one IdP this SP trusts issues them, and its signed
//! LogoutRequest names them as it issued them.

use std::collections::HashMap;
use std::sync::Mutex;

use saml_core::prelude::*;

use crate::sp::BoxFuture;

/// Unix milliseconds of an instant (the precision at which revocations and session starts
/// are compared).
pub(crate) fn millis(t: DateTime) -> i64 {
    t.unix_seconds()
        .saturating_mul(1000)
        .saturating_add(i64::from(t.subsec_nanos() / 1_000_000))
}

/// Ends stateless sessions on the server: see the [module documentation](self).
pub trait SessionRevocations: Send + Sync + 'static {
    /// Records that a session of `name_id` with `session_index` started (at the ACS), lasting
    /// until `expires`.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when it cannot be recorded; the login is then refused (503).
    fn started<'a>(
        &'a self,
        name_id: &'a str,
        session_index: Option<&'a str>,
        expires: DateTime,
        now: DateTime,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Revokes the sessions of `name_id` whose SessionIndex is one of `session_indexes`, or
    /// every session of `name_id` when the list is empty, as of `now`; a revocation of a
    /// session that was not recorded as started is kept until `until` (the latest a session
    /// issued before now can expire). Returns how many recorded, unexpired sessions it ended.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the revocation cannot be recorded (the IdP is then answered with
    /// Responder; a local logout with 503).
    fn revoke<'a>(
        &'a self,
        name_id: &'a str,
        session_indexes: &'a [String],
        until: DateTime,
        now: DateTime,
    ) -> BoxFuture<'a, Result<usize, StoreError>>;

    /// Whether the session of `name_id` with `session_index`, issued at `issued_ms` (Unix
    /// milliseconds), has been revoked.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the store cannot answer (the request is then refused with 503,
    /// never let through).
    fn is_revoked<'a>(
        &'a self,
        name_id: &'a str,
        session_index: Option<&'a str>,
        issued_ms: i64,
        now: DateTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

#[derive(Clone, Copy, Debug)]
struct Revoked {
    /// When (Unix ms).
    at_ms: i64,
    /// Kept until (Unix s).
    until: i64,
}

type Key = (String, Option<String>);

#[derive(Default, Debug)]
struct Maps {
    /// Started sessions → expiry (Unix s).
    live: HashMap<Key, i64>,
    /// Revoked (NameID, SessionIndex).
    revoked: HashMap<Key, Revoked>,
    /// Revoked NameIDs (every session).
    all: HashMap<String, Revoked>,
}

impl Maps {
    fn len(&self) -> usize {
        self.live.len() + self.revoked.len() + self.all.len()
    }

    fn purge(&mut self, now: i64) {
        self.live.retain(|_, expires| *expires > now);
        self.revoked.retain(|_, r| r.until > now);
        self.all.retain(|_, r| r.until > now);
    }
}

/// The in-memory [`SessionRevocations`]: one process, at most `capacity` entries (started
/// sessions and revocations together), expired ones purged when it is full; beyond that it
/// refuses (a login is then 503, an IdP's LogoutRequest is answered Responder).
#[derive(Debug)]
pub struct InMemoryRevocations {
    maps: Mutex<Maps>,
    capacity: usize,
}

impl Default for InMemoryRevocations {
    /// 100,000 entries.
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl InMemoryRevocations {
    /// A list holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            maps: Mutex::new(Maps::default()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Maps> {
        // Every operation is a few inserts and removals that leave the maps consistent at
        // each step, so a poisoned lock's data is still usable.
        match self.maps.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn room(&self, maps: &mut Maps, needed: usize, now: i64) -> Result<(), StoreError> {
        if maps.len() + needed > self.capacity {
            maps.purge(now);
        }
        if maps.len() + needed > self.capacity {
            return Err(StoreError::Unavailable {
                detail: format!(
                    "the in-memory session revocation list is full ({} entries)",
                    self.capacity
                ),
            });
        }
        Ok(())
    }

    fn started_sync(
        &self,
        name_id: &str,
        session_index: Option<&str>,
        expires: DateTime,
        now: DateTime,
    ) -> Result<(), StoreError> {
        let mut maps = self.lock();
        self.room(&mut maps, 1, now.unix_seconds())?;
        maps.live.insert(
            (name_id.to_owned(), session_index.map(str::to_owned)),
            expires.unix_seconds(),
        );
        Ok(())
    }

    fn revoke_sync(
        &self,
        name_id: &str,
        session_indexes: &[String],
        until: DateTime,
        now: DateTime,
    ) -> Result<usize, StoreError> {
        let now_s = now.unix_seconds();
        let at_ms = millis(now);
        let mut maps = self.lock();
        self.room(&mut maps, session_indexes.len().max(1), now_s)?;
        let mut ended = 0;
        if session_indexes.is_empty() {
            let mine: Vec<Key> = maps
                .live
                .keys()
                .filter(|(n, _)| n == name_id)
                .cloned()
                .collect();
            for key in mine {
                if maps
                    .live
                    .remove(&key)
                    .is_some_and(|expires| expires > now_s)
                {
                    ended += 1;
                }
            }
            let keep = until.unix_seconds();
            let entry = maps
                .all
                .entry(name_id.to_owned())
                .or_insert(Revoked { at_ms, until: keep });
            entry.at_ms = entry.at_ms.max(at_ms);
            entry.until = entry.until.max(keep);
            return Ok(ended);
        }
        for index in session_indexes {
            let key = (name_id.to_owned(), Some(index.clone()));
            let keep = match maps.live.remove(&key) {
                Some(expires) if expires > now_s => {
                    ended += 1;
                    expires
                }
                _ => until.unix_seconds(),
            };
            let entry = maps
                .revoked
                .entry(key)
                .or_insert(Revoked { at_ms, until: keep });
            entry.at_ms = entry.at_ms.max(at_ms);
            entry.until = entry.until.max(keep);
        }
        Ok(ended)
    }

    fn is_revoked_sync(
        &self,
        name_id: &str,
        session_index: Option<&str>,
        issued_ms: i64,
        now: DateTime,
    ) -> bool {
        let now_s = now.unix_seconds();
        let maps = self.lock();
        let hit = |r: Option<&Revoked>| r.is_some_and(|r| r.until > now_s && r.at_ms >= issued_ms);
        if hit(maps.all.get(name_id)) {
            return true;
        }
        session_index.is_some_and(|index| {
            hit(maps
                .revoked
                .get(&(name_id.to_owned(), Some(index.to_owned()))))
        })
    }
}

impl SessionRevocations for InMemoryRevocations {
    fn started<'a>(
        &'a self,
        name_id: &'a str,
        session_index: Option<&'a str>,
        expires: DateTime,
        now: DateTime,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.started_sync(
            name_id,
            session_index,
            expires,
            now,
        )))
    }

    fn revoke<'a>(
        &'a self,
        name_id: &'a str,
        session_indexes: &'a [String],
        until: DateTime,
        now: DateTime,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        Box::pin(std::future::ready(self.revoke_sync(
            name_id,
            session_indexes,
            until,
            now,
        )))
    }

    fn is_revoked<'a>(
        &'a self,
        name_id: &'a str,
        session_index: Option<&'a str>,
        issued_ms: i64,
        now: DateTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(self.is_revoked_sync(
            name_id,
            session_index,
            issued_ms,
            now,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime {
        DateTime::from_unix_seconds(s)
    }

    #[test]
    fn a_revocation_ends_earlier_sessions_only() {
        let r = InMemoryRevocations::default();
        r.started_sync("alice", Some("s1"), at(1000), at(100))
            .expect("room");
        assert!(!r.is_revoked_sync("alice", Some("s1"), 100_000, at(150)));
        let ended = r
            .revoke_sync(
                "alice",
                &["s1".to_owned(), "s9".to_owned()],
                at(1000),
                at(200),
            )
            .expect("room");
        assert_eq!(ended, 1, "s1 was live, s9 unknown");
        assert!(r.is_revoked_sync("alice", Some("s1"), 100_000, at(201)));
        assert!(r.is_revoked_sync("alice", Some("s9"), 100_000, at(201)));
        assert!(!r.is_revoked_sync("alice", Some("s2"), 100_000, at(201)));
        assert!(!r.is_revoked_sync("bob", Some("s1"), 100_000, at(201)));
        assert!(
            !r.is_revoked_sync("alice", Some("s1"), 200_001, at(201)),
            "issued later"
        );
        assert!(
            !r.is_revoked_sync("alice", Some("s1"), 100_000, at(1000)),
            "expired"
        );
    }

    #[test]
    fn no_session_index_revokes_every_session_of_the_name_id() {
        let r = InMemoryRevocations::default();
        r.started_sync("alice", Some("s1"), at(1000), at(100))
            .expect("room");
        r.started_sync("alice", None, at(1000), at(100))
            .expect("room");
        r.started_sync("bob", Some("s1"), at(1000), at(100))
            .expect("room");
        assert_eq!(
            r.revoke_sync("alice", &[], at(1000), at(200))
                .expect("room"),
            2
        );
        assert!(r.is_revoked_sync("alice", None, 100_000, at(201)));
        assert!(r.is_revoked_sync("alice", Some("s7"), 100_000, at(201)));
        assert!(!r.is_revoked_sync("bob", Some("s1"), 100_000, at(201)));
        assert_eq!(
            r.revoke_sync("nobody", &[], at(1000), at(200))
                .expect("room"),
            0
        );
    }

    #[test]
    fn a_full_list_refuses_after_purging() {
        let r = InMemoryRevocations::new(1);
        r.started_sync("a", Some("1"), at(150), at(100))
            .expect("room");
        assert!(r.started_sync("b", Some("1"), at(300), at(120)).is_err());
        r.started_sync("b", Some("1"), at(300), at(200))
            .expect("a's entry expired");
    }
}
