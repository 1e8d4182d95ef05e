//! The contract suite against `saml-core`'s in-memory store, the reference the other stores
//! are held to.

use saml_core::saml::replay::InMemoryStore;
use saml_store_contract::{asynchronous, block_on, contract_tests, sync};

fn store() -> Option<InMemoryStore> {
    Some(InMemoryStore::default())
}

async fn async_store() -> Option<InMemoryStore> {
    store()
}

contract_tests!(sync: store, async: async_store);

#[test]
fn sync_full_store_refuses() {
    sync::full_store_refuses(&InMemoryStore::new(64), 64);
}

#[test]
fn async_full_store_refuses() {
    block_on(asynchronous::full_store_refuses(InMemoryStore::new(64), 64));
}
