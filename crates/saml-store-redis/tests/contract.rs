//! The store contract (saml-store-contract) against Redis: the shared server of
//! `SAML_TEST_REDIS_URL`, each check in a namespace of its own. A server that refuses writes
//! (`maxmemory` reached under `noeviction`) stands in for the capacity checks.

mod common;

use saml_store_contract::{asynchronous, block_on, contract_tests, sync};
use saml_store_redis::{RedisSettings, RedisStore};

use common::*;

contract_tests!(sync: shared_store_blocking, async: shared_store);

/// A server with no memory left refuses writes (`OOM` under `noeviction`): Redis has no
/// capacity of its own, and a refused write refuses the login. Gives the server (kept alive by
/// the caller) and a store on it.
fn full_server() -> Option<(OwnServer, String)> {
    let server = OwnServer::start(&[])?;
    assert!(server.command("CONFIG SET maxmemory 1").contains("+OK"));
    let url = server.url();
    Some((server, url))
}

#[test]
fn sync_full_server_refuses_logins() {
    let Some((_server, url)) = full_server() else {
        return;
    };
    let store = RedisStore::connect_blocking(RedisSettings::new(url, "https://sp.example"))
        .expect("connects");
    sync::failing_store_refuses_replay(&store);
}

#[test]
fn async_full_server_refuses_logins() {
    let Some((_server, url)) = full_server() else {
        return;
    };
    block_on(async {
        let store = RedisStore::connect(RedisSettings::new(url, "https://sp.example"))
            .await
            .expect("connects");
        asynchronous::failing_store_refuses_replay(store).await;
    });
}
