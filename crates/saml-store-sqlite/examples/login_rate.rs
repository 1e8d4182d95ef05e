//! Measures logins per second through `ServiceProvider::validate` + `Unreplayed::commit` on
//! the small fixture (one RSA-2048-signed Assertion), with the in-memory store and with a
//! SQLite store in a scratch file, on one thread. The Responses are issued first (signing is
//! not measured); each is presented once.
//!
//! `cargo run --release -p saml-store-sqlite --example login_rate [LOGINS]` (default 5000)

use std::time::Instant;

use saml_core::prelude::*;
use saml_store_contract::fixture::{self, Issuer};
use saml_store_sqlite::{SqliteSettings, SqliteStore};

fn run<S: SpStore>(name: &str, sp: &ServiceProvider, responses: &[String], store: &S) {
    let started = Instant::now();
    for xml in responses {
        sp.validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
            .expect("valid")
            .commit(store)
            .expect("accepted once");
    }
    let took = started.elapsed();
    let count = u32::try_from(responses.len()).expect("count");
    println!(
        "{name:<28} {count} logins in {took:?}: {:.0} logins/s, {:?} per login",
        f64::from(count) / took.as_secs_f64(),
        took / count
    );
}

fn main() {
    let logins: usize = std::env::args()
        .nth(1)
        .map_or(5_000, |n| n.parse().expect("a number of logins"));
    let sp = fixture::sp();
    let issuer = Issuer::new();
    let responses: Vec<String> = (0..logins).map(|_| issuer.unsolicited()).collect();

    let started = Instant::now();
    for xml in &responses {
        drop(
            sp.validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
                .expect("valid"),
        );
    }
    let took = started.elapsed();
    println!(
        "{:<28} {logins} in {took:?}: {:.0}/s",
        "validate only (no commit)",
        f64::from(u32::try_from(logins).expect("count")) / took.as_secs_f64()
    );
    run(
        "in-memory store",
        &sp,
        &responses,
        &InMemoryStore::default(),
    );
    let dir = std::env::temp_dir().join(format!("saml-login-rate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let store = SqliteStore::open(SqliteSettings::new(dir.join("state.db"), fixture::AUDIENCE))
        .expect("opens");
    run("SQLite store (WAL, NORMAL)", &sp, &responses, &store);

    // The store alone: one insert-if-absent per assertion ID, as commit does it.
    let now = fixture::now();
    let expires = now.checked_add_seconds(300).expect("in range");
    let started = Instant::now();
    for i in 0..logins {
        store
            .insert_if_absent(&format!("{}\u{1f}_raw{i}", fixture::ISSUER), expires, now)
            .expect("stored");
    }
    let took = started.elapsed();
    println!(
        "{:<28} {logins} in {took:?}: {:.0}/s",
        "SQLite insert_if_absent only",
        f64::from(u32::try_from(logins).expect("count")) / took.as_secs_f64()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
