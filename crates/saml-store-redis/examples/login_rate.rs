//! Logins through `ServiceProvider::validate` + `Unreplayed::commit_async` against a Redis
//! server, one after the other, to count the commands each login costs (the server's
//! `INFO commandstats`, reset just before the logins: this resets the server's statistics) and
//! time them. The Responses are issued first. The commands a Lua script calls are counted too:
//! an SP-initiated login shows `eval` (the one round trip) and, inside it, `getdel` and `set`.
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
    let store = RedisStore::connect(RedisSettings::new(url.as_str(), fixture::AUDIENCE))
        .await
        .expect("connects");
    let mut stats = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("a connection for the statistics");
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
        let () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query(&mut stats)
            .expect("CONFIG RESETSTAT");
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
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut stats)
            .expect("INFO commandstats");
        for line in info.lines() {
            let Some((command, rest)) = line
                .strip_prefix("cmdstat_")
                .and_then(|l| l.split_once(":calls="))
            else {
                continue;
            };
            let calls: f64 = rest
                .split(',')
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0.0);
            if command != "config|resetstat" {
                println!("  {command:<8} {:.2} per login", calls / f64::from(count));
            }
        }
    }
}
