//! The store contract (saml-store-contract) against SQLite, plus what only a file store has:
//! restarts, several processes on one file, namespaces, a locked database, settings.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use saml_core::saml::replay::{ReplayCache, ReplayOutcome, RequestStore, StoreError};
use saml_store_contract::{asynchronous, block_on, contract_tests, fixture, sync, unique};
use saml_store_sqlite::{SqliteSettings, SqliteStore, SqliteStoreError};

/// A fresh database file under cargo's scratch directory for integration tests.
fn db() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.db", unique("saml-sqlite")))
}

fn open(settings: SqliteSettings) -> SqliteStore {
    SqliteStore::open(settings).expect("opens")
}

fn store() -> Option<SqliteStore> {
    Some(open(SqliteSettings::new(db(), fixture::AUDIENCE)))
}

async fn async_store() -> Option<SqliteStore> {
    store()
}

contract_tests!(sync: store, async: async_store);

fn small() -> SqliteStore {
    open(SqliteSettings::new(db(), fixture::AUDIENCE).with_capacity(64, 64))
}

#[test]
fn sync_full_store_refuses() {
    sync::full_store_refuses(&small(), 64);
}

#[test]
fn async_full_store_refuses() {
    block_on(asynchronous::full_store_refuses(small(), 64));
}

/// Another connection holds the write lock longer than the busy timeout: the store answers
/// `Timeout` within the bound, and the login is refused.
fn locked() -> (SqliteStore, rusqlite::Connection) {
    let path = db();
    let store = open(
        SqliteSettings::new(&path, fixture::AUDIENCE).with_busy_timeout(Duration::from_millis(50)),
    );
    let holder = rusqlite::Connection::open(&path).expect("second connection");
    holder.execute_batch("BEGIN EXCLUSIVE").expect("the lock");
    (store, holder)
}

#[test]
fn sync_locked_database_refuses_logins() {
    let (store, _holder) = locked();
    let now = fixture::now();
    assert_eq!(
        store.insert_if_absent("k", now.checked_add_seconds(60).expect("t"), now),
        Err(StoreError::Timeout { timeout_ms: 50 })
    );
    sync::failing_store_refuses_logins(&store);
}

#[test]
fn async_locked_database_refuses_logins() {
    let (store, _holder) = locked();
    block_on(asynchronous::failing_store_refuses_logins(store));
}

#[test]
fn entries_survive_a_restart() {
    let path = db();
    let now = fixture::now();
    let expires = now.checked_add_seconds(60).expect("t");
    let first = open(SqliteSettings::new(&path, fixture::AUDIENCE));
    assert_eq!(
        first.insert_if_absent("k", expires, now),
        Ok(ReplayOutcome::Fresh)
    );
    RequestStore::insert(&first, "r", expires, now).expect("recorded");
    drop(first);
    let again = open(SqliteSettings::new(&path, fixture::AUDIENCE));
    assert_eq!(
        again.insert_if_absent("k", expires, now),
        Ok(ReplayOutcome::Replayed)
    );
    assert_eq!(again.take("r", now), Ok(true));
}

#[test]
fn namespaces_do_not_share_entries() {
    let path = db();
    let now = fixture::now();
    let expires = now.checked_add_seconds(60).expect("t");
    let a = open(SqliteSettings::new(&path, "https://sp-a.example"));
    let b = open(SqliteSettings::new(&path, "https://sp-b.example"));
    assert_eq!(
        a.insert_if_absent("k", expires, now),
        Ok(ReplayOutcome::Fresh)
    );
    assert_eq!(
        b.insert_if_absent("k", expires, now),
        Ok(ReplayOutcome::Fresh)
    );
    RequestStore::insert(&a, "r", expires, now).expect("recorded");
    assert_eq!(b.take("r", now), Ok(false), "B cannot consume A's request");
    assert_eq!(a.take("r", now), Ok(true));
}

#[test]
fn purging_is_bounded() {
    let store = open(SqliteSettings::new(db(), fixture::AUDIENCE));
    let now = fixture::now();
    let soon = now.checked_add_seconds(1).expect("t");
    for i in 0..10 {
        store
            .insert_if_absent(&format!("k{i}"), soon, now)
            .expect("stored");
    }
    let later = now.checked_add_seconds(10).expect("t");
    assert_eq!(store.purge_expired(later, 3), Ok(3), "at most the batch");
    assert_eq!(store.purge_expired(later, 100), Ok(7));
    assert_eq!(store.purge_expired(later, 100), Ok(0));
}

#[test]
fn settings_out_of_range_are_refused() {
    let err = SqliteStore::open(SqliteSettings::new(db(), "sp").with_capacity(0, 10))
        .expect_err("zero capacity");
    assert!(
        matches!(
            err,
            SqliteStoreError::Setting {
                setting: "replay capacity",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "SQLite store setting `replay capacity` is 0, expected between 1 and 2^63 - 1"
    );
    let err = SqliteStore::open(SqliteSettings::new(db(), "sp").with_busy_timeout(Duration::ZERO))
        .expect_err("zero timeout");
    assert!(err.to_string().contains("busy timeout"), "{err}");
}

#[test]
fn an_in_memory_database_is_refused() {
    let err = SqliteStore::open(SqliteSettings::new(":memory:", "sp")).expect_err("not WAL");
    assert!(
        matches!(&err, SqliteStoreError::JournalMode { found, .. } if found == "memory"),
        "{err}"
    );
}

const CHILD_DB: &str = "SAML_SQLITE_CHILD_DB";
const KEYS: usize = 300;

/// Run by [`several_processes_accept_each_assertion_once`] in child processes (does nothing
/// otherwise): inserts the same keys as its siblings and prints how many it was first for.
#[test]
fn child_process_inserts() {
    let Some(path) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let store = open(SqliteSettings::new(PathBuf::from(path), fixture::AUDIENCE));
    let now = fixture::now();
    let expires = now.checked_add_seconds(600).expect("t");
    let fresh = (0..KEYS)
        .filter(|i| {
            store.insert_if_absent(&format!("shared-{i}"), expires, now) == Ok(ReplayOutcome::Fresh)
        })
        .count();
    println!("FRESH={fresh}");
}

/// Four processes insert the same 300 keys into one file at once: every key is accepted by
/// exactly one of them.
#[test]
fn several_processes_accept_each_assertion_once() {
    let path = db();
    drop(open(SqliteSettings::new(&path, fixture::AUDIENCE)));
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_inserts",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DB, &path)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("child")
        })
        .collect();
    let mut total = 0;
    for child in children {
        let out = child.wait_with_output().expect("child output");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let fresh: usize = text
            .split("FRESH=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in the child's output: {text}"));
        total += fresh;
    }
    assert_eq!(
        total, KEYS,
        "each key accepted exactly once across processes"
    );
}
