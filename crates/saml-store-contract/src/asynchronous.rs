//! The contract through the async traits ([`AsyncReplayCache`], [`AsyncRequestStore`]) and
//! [`Unreplayed::commit_async`]; [`CONCURRENCY`] tokio tasks where a check is about
//! concurrency. Run them on a multi-thread runtime ([`block_on`](crate::block_on)).

use std::sync::Arc;
use std::time::Duration;

use saml_core::prelude::*;
use saml_core::saml::replay::{AsyncReplayCache, AsyncRequestStore, ReplayOutcome};

use crate::fixture::{self, Issuer};
use crate::{CONCURRENCY, Clock, assert_kind, unique};

/// A store for the async checks.
pub trait AsyncStore: AsyncReplayCache + AsyncRequestStore + 'static {}

impl<T: AsyncReplayCache + AsyncRequestStore + 'static> AsyncStore for T {}

/// As [`sync::replay_insert_is_atomic`](crate::sync::replay_insert_is_atomic), with tasks.
pub async fn replay_insert_is_atomic<S: AsyncStore>(store: S) {
    let store = Arc::new(store);
    let key = Arc::new(unique("atomic"));
    let now = fixture::now();
    let expires = now.checked_add_seconds(300).expect("in range");
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move {
                AsyncReplayCache::insert_if_absent(&*store, &key, expires, now).await
            })
        })
        .collect();
    let mut fresh = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(ReplayOutcome::Fresh) => fresh += 1,
            Ok(ReplayOutcome::Replayed) => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one first use");
}

/// As [`sync::login_is_accepted_exactly_once`](crate::sync::login_is_accepted_exactly_once),
/// with tasks and [`Unreplayed::commit_async`].
pub async fn login_is_accepted_exactly_once<S: AsyncStore>(store: S) {
    let store = Arc::new(store);
    let sp = Arc::new(fixture::sp());
    let xml = Arc::new(Issuer::new().unsolicited());
    let pending: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            sp.validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
                .expect("a valid Response")
        })
        .collect();
    let tasks: Vec<_> = pending
        .into_iter()
        .map(|pending| {
            let store = store.clone();
            tokio::spawn(async move { pending.commit_async(&*store).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => accepted += 1,
            Err(e) => assert_eq!(e.kind(), ErrorKind::Replay, "{e}"),
        }
    }
    assert_eq!(accepted, 1, "exactly one login");
}

/// As [`sync::entries_expire_but_never_early`](crate::sync::entries_expire_but_never_early).
pub async fn entries_expire_but_never_early<S: AsyncStore>(store: S) {
    let clock = Clock::start();
    let ms = Duration::from_millis;
    let key = unique("expiry");
    let insert = |expires, now| AsyncReplayCache::insert_if_absent(&store, &key, expires, now);
    assert_eq!(
        insert(clock.at(ms(1_500)), clock.at(ms(0))).await,
        Ok(ReplayOutcome::Fresh)
    );
    assert_eq!(
        insert(clock.at(ms(9_000)), clock.at(ms(1_499))).await,
        Ok(ReplayOutcome::Replayed),
        "an entry is kept until its expiry"
    );

    let (r1, r2) = (unique("req"), unique("req"));
    for r in [&r1, &r2] {
        AsyncRequestStore::insert(&store, r, clock.at(ms(1_500)), clock.at(ms(0)))
            .await
            .expect("recorded");
    }
    assert_eq!(
        AsyncRequestStore::take(&store, &r1, clock.at(ms(1_499))).await,
        Ok(true),
        "still outstanding"
    );
    assert_eq!(
        AsyncRequestStore::take(&store, &r2, clock.at(ms(1_500))).await,
        Ok(false),
        "expired"
    );

    let deadline = clock.at(ms(1_700));
    loop {
        let now = DateTime::from_system_time(std::time::SystemTime::now());
        if now > deadline {
            break;
        }
        tokio::time::sleep(ms(50)).await;
    }
    assert_eq!(
        insert(clock.at(ms(9_000)), clock.at(ms(1_700))).await,
        Ok(ReplayOutcome::Fresh),
        "an expired entry is forgotten"
    );
}

/// As [`sync::kept_until_the_last_acceptance`](crate::sync::kept_until_the_last_acceptance).
pub async fn kept_until_the_last_acceptance<S: AsyncStore>(store: S) {
    let sp = fixture::sp();
    let xml = Issuer::new().unsolicited();
    let pending = sp
        .validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
        .expect("valid");
    let keep_until = pending.keep_until();
    pending.commit_async(&store).await.expect("first login");
    let last = keep_until.checked_add_seconds(-1).expect("in range");
    let again = sp
        .validate(xml.as_bytes(), last, Solicitation::outstanding())
        .expect("still acceptable one second before keep_until");
    assert_kind(
        again.commit_async(&store).await,
        ErrorKind::Replay,
        "one second before keep_until",
    );
}

/// As [`sync::requests_are_single_use`](crate::sync::requests_are_single_use), with tasks.
pub async fn requests_are_single_use<S: AsyncStore>(store: S) {
    let store = Arc::new(store);
    let id = Arc::new(unique("_req"));
    let now = fixture::now();
    let expires = now.checked_add_seconds(300).expect("in range");
    AsyncRequestStore::insert(&*store, &id, expires, now)
        .await
        .expect("recorded");
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (store, id) = (store.clone(), id.clone());
            tokio::spawn(async move { AsyncRequestStore::take(&*store, &id, now).await })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        if task.await.expect("task").expect("answers") {
            taken += 1;
        }
    }
    assert_eq!(taken, 1, "single use");
    assert_eq!(
        AsyncRequestStore::take(&*store, &unique("_unknown"), now).await,
        Ok(false)
    );
}

/// As [`sync::solicited_login_consumes_its_request`](crate::sync::solicited_login_consumes_its_request).
pub async fn solicited_login_consumes_its_request<S: AsyncStore>(store: S) {
    let sp = fixture::sp();
    let issuer = Issuer::new();
    let id = unique("_req");
    let now = fixture::now();
    AsyncRequestStore::insert(
        &store,
        &id,
        now.checked_add_seconds(300).expect("in range"),
        now,
    )
    .await
    .expect("recorded");
    let xml = issuer.solicited(&id);
    let validate = || {
        sp.validate(xml.as_bytes(), now, Solicitation::outstanding())
            .expect("valid")
    };
    let accepted = validate()
        .commit_async(&store)
        .await
        .expect("the solicited login");
    assert_eq!(accepted.in_response_to(), Some(id.as_str()));
    assert_kind(
        validate().commit_async(&store).await,
        ErrorKind::UnknownInResponseTo,
        "second use",
    );
}

/// As [`sync::refused_request_records_nothing`](crate::sync::refused_request_records_nothing).
pub async fn refused_request_records_nothing<S: AsyncStore>(store: S) {
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
            .commit_async(&store)
    };
    assert_kind(
        login(at(0)).await,
        ErrorKind::UnknownInResponseTo,
        "not recorded",
    );
    AsyncRequestStore::insert(&store, &id, at(1), at(0))
        .await
        .expect("recorded");
    assert_kind(
        login(at(1)).await,
        ErrorKind::UnknownInResponseTo,
        "expired",
    );
    AsyncRequestStore::insert(&store, &id, at(300), at(0))
        .await
        .expect("recorded");
    let accepted = login(at(1)).await.expect("the refusals recorded nothing");
    assert_eq!(accepted.in_response_to(), Some(id.as_str()));
    assert_kind(
        login(at(1)).await,
        ErrorKind::UnknownInResponseTo,
        "second use",
    );
}

/// As [`sync::failing_store_refuses_replay`](crate::sync::failing_store_refuses_replay).
pub async fn failing_store_refuses_replay<S: AsyncStore>(store: S) {
    failing_replay(&store).await;
}

async fn failing_replay<S: AsyncStore>(store: &S) {
    let sp = fixture::sp();
    let now = fixture::now();
    let xml = Issuer::new().unsolicited();
    let pending = sp
        .validate(xml.as_bytes(), now, Solicitation::outstanding())
        .expect("valid");
    assert_kind(
        pending.commit_async(store).await,
        ErrorKind::ReplayStoreUnavailable,
        "unsolicited",
    );
    let expires = now.checked_add_seconds(300).expect("in range");
    assert!(
        AsyncRequestStore::insert(store, &unique("_req"), expires, now)
            .await
            .is_err(),
        "a request that cannot be recorded must be reported"
    );
}

/// As [`sync::failing_store_refuses_logins`](crate::sync::failing_store_refuses_logins).
pub async fn failing_store_refuses_logins<S: AsyncStore>(store: S) {
    failing_replay(&store).await;
    let sp = fixture::sp();
    let xml = Issuer::new().solicited(&unique("_req"));
    let pending = sp
        .validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
        .expect("valid");
    assert_kind(
        pending.commit_async(&store).await,
        ErrorKind::RequestStoreUnavailable,
        "solicited",
    );
}

/// As [`sync::full_store_refuses`](crate::sync::full_store_refuses), through the async API.
pub async fn full_store_refuses<S: AsyncStore>(store: S, capacity: usize) {
    let now = fixture::now();
    let expires = now.checked_add_seconds(100).expect("in range");
    let first = unique("first");
    assert_eq!(
        AsyncReplayCache::insert_if_absent(&store, &first, expires, now).await,
        Ok(ReplayOutcome::Fresh)
    );
    let mut full = false;
    // Without stopping at the first refusal: a sharded store is full once every shard is.
    for i in 0..capacity.saturating_mul(4) {
        match AsyncReplayCache::insert_if_absent(&store, &format!("{first}-{i}"), expires, now)
            .await
        {
            Ok(ReplayOutcome::Full { .. }) => full = true,
            Ok(ReplayOutcome::Fresh) => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert!(full, "the capacity ({capacity}) must be enforced");
    let sp = fixture::sp();
    let xml = Issuer::new().unsolicited();
    let pending = sp
        .validate(xml.as_bytes(), now, Solicitation::outstanding())
        .expect("valid");
    assert_kind(
        pending.commit_async(&store).await,
        ErrorKind::ReplayCacheFull,
        "full store",
    );
}
