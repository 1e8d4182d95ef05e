//! Logins through `ServiceProvider::validate` + `Unreplayed::commit_async` against a Redis
//! server, one after the other, to count the commands each login sends (read the server's
//! `INFO commandstats` around it) and time them. The Responses are issued first.
//!
//! `cargo run --release -p saml-store-redis --example login_rate -- redis://127.0.0.1:6379/ [LOGINS] [idp|sp]`
//!
//! `sp` makes SP-initiated logins: the requests are recorded first (one `SET` each), then each
//! login consumes its request and records its assertion.

use std::time::Instant;

use saml_core::prelude::*;
use saml_core::saml::replay::AsyncRequestStore;
use saml_store_contract::fixture::{self, Issuer};
use saml_store_redis::{RedisSettings, RedisStore};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("a redis:// URL");
    let logins: usize = args
        .next()
        .map_or(1_000, |n| n.parse().expect("a number of logins"));
    let solicit = args.next().is_some_and(|mode| mode == "sp");
    let store = RedisStore::connect(RedisSettings::new(url, fixture::AUDIENCE))
        .await
        .expect("connects");
    let (sp, issuer) = (fixture::sp(), Issuer::new());
    let now = fixture::now();
    let expires = now.checked_add_seconds(300).expect("in range");
    let mut responses = Vec::with_capacity(logins);
    for i in 0..logins {
        if solicit {
            let request = format!("_req{}-{i}", std::process::id());
            AsyncRequestStore::insert(&store, &request, expires, now)
                .await
                .expect("recorded");
            responses.push(issuer.solicited(&request));
        } else {
            responses.push(issuer.unsolicited());
        }
    }
    let name = if solicit {
        "SP-initiated"
    } else {
        "IdP-initiated"
    };
    {
        let started = Instant::now();
        for xml in &responses {
            sp.validate(xml.as_bytes(), now, Solicitation::outstanding())
                .expect("valid")
                .commit_async(&store)
                .await
                .expect("accepted once");
        }
        let took = started.elapsed();
        let count = u32::try_from(responses.len()).expect("count");
        println!(
            "{name:<14} {count} logins in {took:?}: {:.0} logins/s, {:?} per login",
            f64::from(count) / took.as_secs_f64(),
            took / count
        );
    }
}
