//! The contract every state store of `saml-core` keeps, as one test suite that each store
//! crate runs against its own store (and this crate against `saml-core`'s
//! [`InMemoryStore`]).
//!
//! The checks go through the traits ([`ReplayCache`], [`RequestStore`] and their async forms)
//! and through the real login path: [`ServiceProvider::validate`] of a signed Response made by
//! `saml-core`'s own IdP side, then [`Unreplayed::commit`] or [`Unreplayed::commit_async`].
//!
//! - [`sync`] and [`asynchronous`] hold the same checks for the two APIs;
//! - [`contract_tests!`] turns them into one `#[test]` per check for a store factory;
//! - [`fixture`] makes the service provider and the Responses.
//!
//! Every check panics (the test fails) when the store breaks the contract.
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs)]

use std::future::Future;
use std::time::{Duration, SystemTime};

use saml_core::prelude::*;

pub mod asynchronous;
pub mod fixture;
pub mod sync;

/// How many callers present the same value at once in the concurrency checks.
pub const CONCURRENCY: usize = 64;

/// Runs `future` on a fresh multi-thread tokio runtime (4 workers, timers on), for the async
/// checks.
///
/// # Panics
///
/// If the runtime cannot be built (a test-environment failure).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

/// A clock read once: `at(d)` is that instant plus `d`, for the expiry checks that must hold
/// against stores that expire entries in real time (Redis).
#[derive(Clone, Copy, Debug)]
pub struct Clock(SystemTime);

impl Clock {
    /// Reads the system clock.
    pub fn start() -> Self {
        Self(SystemTime::now())
    }

    /// The start plus `after`.
    pub fn at(self, after: Duration) -> DateTime {
        DateTime::from_system_time(self.0 + after)
    }

    /// Sleeps until the real clock is past the start plus `after`.
    pub fn sleep_until(self, after: Duration) {
        let deadline = self.0 + after;
        while let Ok(left) = deadline.duration_since(SystemTime::now()) {
            std::thread::sleep(left + Duration::from_millis(1));
        }
    }
}

/// A key unique to this process and call, so that checks sharing a store never meet.
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{tag}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// One `#[test]` per contract check, for a store made by `sync: $make` (a `fn() ->
/// Option<S>`, `S: SpStore`) and `async: $make_async` (an `async fn() -> Option<A>`, `A`
/// implementing both async traits, `'static`). A factory returning `None` skips the check (it
/// prints why, e.g. `SKIPPED: no Redis server`). Each call of a factory should give a store
/// with no entries from other checks (a fresh file, or a fresh namespace).
#[macro_export]
macro_rules! contract_tests {
    (sync: $make:expr, async: $make_async:expr $(,)?) => {
        mod contract {
            use super::*;

            #[test]
            fn sync_replay_insert_is_atomic() {
                if let Some(store) = ($make)() {
                    $crate::sync::replay_insert_is_atomic(&store);
                }
            }

            #[test]
            fn sync_login_is_accepted_exactly_once() {
                if let Some(store) = ($make)() {
                    $crate::sync::login_is_accepted_exactly_once(&store);
                }
            }

            #[test]
            fn sync_entries_expire_but_never_early() {
                if let Some(store) = ($make)() {
                    $crate::sync::entries_expire_but_never_early(&store);
                }
            }

            #[test]
            fn sync_kept_until_the_last_acceptance() {
                if let Some(store) = ($make)() {
                    $crate::sync::kept_until_the_last_acceptance(&store);
                }
            }

            #[test]
            fn sync_requests_are_single_use() {
                if let Some(store) = ($make)() {
                    $crate::sync::requests_are_single_use(&store);
                }
            }

            #[test]
            fn sync_solicited_login_consumes_its_request() {
                if let Some(store) = ($make)() {
                    $crate::sync::solicited_login_consumes_its_request(&store);
                }
            }

            #[test]
            fn sync_refused_request_records_nothing() {
                if let Some(store) = ($make)() {
                    $crate::sync::refused_request_records_nothing(&store);
                }
            }

            #[test]
            fn async_replay_insert_is_atomic() {
                $crate::block_on(async {
                    if let Some(store) = ($make_async)().await {
                        $crate::asynchronous::replay_insert_is_atomic(store).await;
                    }
                });
            }

            #[test]
            fn async_login_is_accepted_exactly_once() {
                $crate::block_on(async {
                    if let Some(store) = ($make_async)().await {
                        $crate::asynchronous::login_is_accepted_exactly_once(store).await;
                    }
                });
            }

            #[test]
            fn async_entries_expire_but_never_early() {
                $crate::block_on(async {
                    if let Some(store) = ($make_async)().await {
                        $crate::asynchronous::entries_expire_but_never_early(store).await;
                    }
                });
            }

            #[test]
            fn async_kept_until_the_last_acceptance() {
                $crate::block_on(async {
                    if let Some(store) = ($make_async)().await {
                        $crate::asynchronous::kept_until_the_last_acceptance(store).await;
                    }
                });
            }

            #[test]
            fn async_requests_are_single_use() {
                $crate::block_on(async {
                    if let Some(store) = ($make_async)().await {
                        $crate::asynchronous::requests_are_single_use(store).await;
                    }
                });
            }

            #[test]
            fn async_solicited_login_consumes_its_request() {
                $crate::block_on(async {
                    if let Some(store) = ($make_async)().await {
                        $crate::asynchronous::solicited_login_consumes_its_request(store).await;
                    }
                });
            }

            #[test]
            fn async_refused_request_records_nothing() {
                $crate::block_on(async {
                    if let Some(store) = ($make_async)().await {
                        $crate::asynchronous::refused_request_records_nothing(store).await;
                    }
                });
            }
        }
    };
}

#[track_caller]
fn assert_kind<T: std::fmt::Debug>(result: Result<T, SamlError>, kind: ErrorKind, what: &str) {
    match result {
        Err(e) => assert_eq!(e.kind(), kind, "{what}: {e}"),
        Ok(v) => panic!("{what}: accepted ({v:?}), expected {kind:?}"),
    }
}
