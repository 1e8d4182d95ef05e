//! The contract through the sync traits ([`ReplayCache`], [`RequestStore`]) and
//! [`Unreplayed::commit`]; [`CONCURRENCY`] threads where a check is about concurrency.

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use saml_core::prelude::*;
use saml_core::saml::replay::ReplayOutcome;

use crate::fixture::{self, Issuer};
use crate::{CONCURRENCY, Clock, assert_kind, unique};

/// [`CONCURRENCY`] threads insert one key at once: exactly one is told
/// [`ReplayOutcome::Fresh`], every other [`ReplayOutcome::Replayed`].
pub fn replay_insert_is_atomic<S: ReplayCache + ?Sized>(store: &S) {
    let key = unique("atomic");
    let now = fixture::now();
    let expires = now.checked_add_seconds(300).expect("in range");
    let (fresh, replayed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let barrier = Barrier::new(CONCURRENCY);
    std::thread::scope(|s| {
        for _ in 0..CONCURRENCY {
            s.spawn(|| {
                barrier.wait();
                match store.insert_if_absent(&key, expires, now) {
                    Ok(ReplayOutcome::Fresh) => fresh.fetch_add(1, Ordering::SeqCst),
                    Ok(ReplayOutcome::Replayed) => replayed.fetch_add(1, Ordering::SeqCst),
                    other => panic!("unexpected answer {other:?}"),
                };
            });
        }
    });
    assert_eq!(fresh.load(Ordering::SeqCst), 1, "exactly one first use");
    assert_eq!(replayed.load(Ordering::SeqCst), CONCURRENCY - 1);
}

/// [`CONCURRENCY`] threads validate and commit one signed Response: exactly one login is
/// accepted, every other refused as `replay`.
pub fn login_is_accepted_exactly_once<S: SpStore + ?Sized>(store: &S) {
    let sp = fixture::sp();
    let xml = Issuer::new().unsolicited();
    let (accepted, replays) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let barrier = Barrier::new(CONCURRENCY);
    std::thread::scope(|s| {
        for _ in 0..CONCURRENCY {
            s.spawn(|| {
                let pending = sp
                    .validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
                    .expect("a valid Response");
                barrier.wait();
                match pending.commit(store) {
                    Ok(_) => accepted.fetch_add(1, Ordering::SeqCst),
                    Err(e) if e.kind() == ErrorKind::Replay => {
                        replays.fetch_add(1, Ordering::SeqCst)
                    }
                    Err(e) => panic!("unexpected refusal: {e}"),
                };
            });
        }
    });
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "exactly one login");
    assert_eq!(replays.load(Ordering::SeqCst), CONCURRENCY - 1);
}

/// An entry is a replay up to its expiry (even 1 ms before it, on the caller's clock), and is
/// forgotten after it; an outstanding request taken after its expiry is not outstanding.
/// Runs on the real clock (a store may expire entries in real time), sleeping about 1.5 s.
pub fn entries_expire_but_never_early<S: SpStore + ?Sized>(store: &S) {
    let clock = Clock::start();
    let ms = Duration::from_millis;
    let key = unique("expiry");
    let insert = |expires, now| store.insert_if_absent(&key, expires, now);
    assert_eq!(
        insert(clock.at(ms(1_500)), clock.at(ms(0))),
        Ok(ReplayOutcome::Fresh)
    );
    assert_eq!(
        insert(clock.at(ms(9_000)), clock.at(ms(1_499))),
        Ok(ReplayOutcome::Replayed),
        "an entry is kept until its expiry"
    );

    let (r1, r2) = (unique("req"), unique("req"));
    RequestStore::insert(store, &r1, clock.at(ms(1_500)), clock.at(ms(0))).expect("recorded");
    RequestStore::insert(store, &r2, clock.at(ms(1_500)), clock.at(ms(0))).expect("recorded");
    assert_eq!(
        store.take(&r1, clock.at(ms(1_499))),
        Ok(true),
        "still outstanding"
    );
    assert_eq!(store.take(&r2, clock.at(ms(1_500))), Ok(false), "expired");

    clock.sleep_until(ms(1_700));
    assert_eq!(
        insert(clock.at(ms(9_000)), clock.at(ms(1_700))),
        Ok(ReplayOutcome::Fresh),
        "an expired entry is forgotten"
    );
}

/// The entry a login records lasts until the assertion could last be accepted
/// ([`Unreplayed::keep_until`]): presenting the same Response one second before that instant
/// is still a replay.
pub fn kept_until_the_last_acceptance<S: SpStore + ?Sized>(store: &S) {
    let sp = fixture::sp();
    let xml = Issuer::new().unsolicited();
    let pending = sp
        .validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
        .expect("valid");
    let keep_until = pending.keep_until();
    assert!(keep_until > fixture::now());
    pending.commit(store).expect("first login");
    let last = keep_until.checked_add_seconds(-1).expect("in range");
    let again = sp
        .validate(xml.as_bytes(), last, Solicitation::outstanding())
        .expect("still acceptable one second before keep_until");
    assert_kind(
        again.commit(store),
        ErrorKind::Replay,
        "one second before keep_until",
    );
}

/// [`CONCURRENCY`] threads take one outstanding request at once: exactly one gets it. An
/// unknown ID is not outstanding.
pub fn requests_are_single_use<S: RequestStore + ?Sized>(store: &S) {
    let id = unique("_req");
    let now = fixture::now();
    store
        .insert(&id, now.checked_add_seconds(300).expect("in range"), now)
        .expect("recorded");
    let taken = AtomicUsize::new(0);
    let barrier = Barrier::new(CONCURRENCY);
    std::thread::scope(|s| {
        for _ in 0..CONCURRENCY {
            s.spawn(|| {
                barrier.wait();
                if store.take(&id, now).expect("answers") {
                    taken.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(taken.load(Ordering::SeqCst), 1, "single use");
    assert_eq!(store.take(&unique("_unknown"), now), Ok(false));
}

/// A solicited login consumes its request: accepted once; the request is gone afterwards
/// (`unknown_in_response_to`), and a Response answering a request never recorded is refused.
pub fn solicited_login_consumes_its_request<S: SpStore + ?Sized>(store: &S) {
    let sp = fixture::sp();
    let issuer = Issuer::new();
    let id = unique("_req");
    let now = fixture::now();
    RequestStore::insert(
        store,
        &id,
        now.checked_add_seconds(300).expect("in range"),
        now,
    )
    .expect("recorded");
    let xml = issuer.solicited(&id);
    let login = || {
        sp.validate(xml.as_bytes(), now, Solicitation::outstanding())
            .expect("valid")
            .commit(store)
    };
    let accepted = login().expect("the solicited login");
    assert_eq!(accepted.in_response_to(), Some(id.as_str()));
    assert_kind(login(), ErrorKind::UnknownInResponseTo, "second use");
    let stranger = issuer.solicited(&unique("_never_sent"));
    let pending = sp
        .validate(stranger.as_bytes(), now, Solicitation::outstanding())
        .expect("valid");
    assert_kind(
        pending.commit(store),
        ErrorKind::UnknownInResponseTo,
        "never sent",
    );
}

/// A solicited login whose request is not outstanding (never recorded, or expired on the
/// caller's clock: an expiry equal to `now` is past) is refused as `unknown_in_response_to`
/// and records nothing: once the request is recorded, the same Response is accepted (not a
/// replay), once.
pub fn refused_request_records_nothing<S: SpStore + ?Sized>(store: &S) {
    let sp = fixture::sp();
    let id = unique("_req");
    let xml = Issuer::new().solicited(&id);
    let at = |seconds| {
        fixture::now()
            .checked_add_seconds(seconds)
            .expect("in range")
    };
    let login = |now| {
        sp.validate(xml.as_bytes(), now, Solicitation::outstanding())
            .expect("valid")
            .commit(store)
    };
    assert_kind(login(at(0)), ErrorKind::UnknownInResponseTo, "not recorded");
    RequestStore::insert(store, &id, at(1), at(0)).expect("recorded");
    assert_kind(login(at(1)), ErrorKind::UnknownInResponseTo, "expired");
    RequestStore::insert(store, &id, at(300), at(0)).expect("recorded");
    let accepted = login(at(1)).expect("the refusals recorded nothing");
    assert_eq!(accepted.in_response_to(), Some(id.as_str()));
    assert_kind(login(at(1)), ErrorKind::UnknownInResponseTo, "second use");
}

/// For a store whose capacity is about `capacity` entries of each kind: filling it with live
/// entries makes it refuse (a login is refused as `replay_cache_full`, a request is not
/// recorded), it never forgets a live entry to make room, and it has room again once they
/// expire.
pub fn full_store_refuses<S: SpStore + ?Sized>(store: &S, capacity: usize) {
    let now = fixture::now();
    let expires = now.checked_add_seconds(100).expect("in range");
    let first = unique("first");
    assert_eq!(
        store.insert_if_absent(&first, expires, now),
        Ok(ReplayOutcome::Fresh)
    );
    // Four times the capacity, without stopping at the first refusal: a sharded store is full
    // only once every shard is.
    let refusals = (0..capacity.saturating_mul(4))
        .filter(
            |i| match store.insert_if_absent(&format!("{first}-{i}"), expires, now) {
                Ok(ReplayOutcome::Full { .. }) => true,
                Ok(ReplayOutcome::Fresh) => false,
                other => panic!("unexpected answer {other:?}"),
            },
        )
        .count();
    assert!(refusals > 0, "the capacity ({capacity}) must be enforced");
    assert_eq!(
        store.insert_if_absent(&first, expires, now),
        Ok(ReplayOutcome::Replayed),
        "a full store still knows its live entries"
    );
    let sp = fixture::sp();
    let xml = Issuer::new().unsolicited();
    let pending = sp
        .validate(xml.as_bytes(), now, Solicitation::outstanding())
        .expect("valid");
    assert_kind(
        pending.commit(store),
        ErrorKind::ReplayCacheFull,
        "full store",
    );

    let refused = (0..capacity.saturating_mul(4))
        .filter(|i| RequestStore::insert(store, &format!("{first}-r{i}"), expires, now).is_err())
        .count();
    assert!(
        refused > 0,
        "a request that cannot be recorded must be reported"
    );

    let later = expires.checked_add_seconds(1).expect("in range");
    let after = later.checked_add_seconds(100).expect("in range");
    assert_eq!(
        store.insert_if_absent(&unique("later"), after, later),
        Ok(ReplayOutcome::Fresh),
        "room again once the entries expired"
    );
    RequestStore::insert(store, &unique("later-r"), after, later).expect("room again");
}

/// For a store that cannot write: an unsolicited login is refused as
/// `replay_store_unavailable`, and a request is not recorded.
pub fn failing_store_refuses_replay<S: SpStore + ?Sized>(store: &S) {
    let sp = fixture::sp();
    let now = fixture::now();
    let xml = Issuer::new().unsolicited();
    let pending = sp
        .validate(xml.as_bytes(), now, Solicitation::outstanding())
        .expect("valid");
    assert_kind(
        pending.commit(store),
        ErrorKind::ReplayStoreUnavailable,
        "unsolicited",
    );
    let expires = now.checked_add_seconds(300).expect("in range");
    assert!(
        RequestStore::insert(store, &unique("_req"), expires, now).is_err(),
        "a request that cannot be recorded must be reported"
    );
}

/// For a store that cannot answer at all: every login is refused, `replay_store_unavailable`
/// (unsolicited) or `request_store_unavailable` (solicited).
pub fn failing_store_refuses_logins<S: SpStore + ?Sized>(store: &S) {
    failing_store_refuses_replay(store);
    let sp = fixture::sp();
    let xml = Issuer::new().solicited(&unique("_req"));
    let pending = sp
        .validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
        .expect("valid");
    assert_kind(
        pending.commit(store),
        ErrorKind::RequestStoreUnavailable,
        "solicited",
    );
}
