//! What a fleet needs from the Redis store beyond the shared contract: instances that share
//! one server, namespaces that cannot collide, answers lost after a write, a slow, stopped,
//! unreachable or misconfigured server, and the number of round trips per login.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use saml_core::prelude::*;
use saml_core::saml::replay::{AsyncReplayCache, AsyncRequestStore, ReplayOutcome, Taken};
use saml_store_contract::fixture::{self, Issuer};
use saml_store_contract::unique;
use saml_store_redis::{RedisSettings, RedisStore, RedisStoreError};

use common::*;

fn in_5_minutes() -> DateTime {
    fixture::now().checked_add_seconds(300).expect("in range")
}

async fn login(store: &RedisStore, sp: &ServiceProvider, xml: &str) -> Result<(), ErrorKind> {
    sp.validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
        .expect("a valid Response")
        .commit_async(store)
        .await
        .map(drop)
        .map_err(|e| e.kind())
}

/// Two service-provider instances (two `ServiceProvider`s, two stores, two connections) on one
/// server: the second refuses the assertion the first accepted, sync or async.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_server() {
    let Some(url) = shared_url() else { return };
    let settings = isolated(&url);
    let first = RedisStore::connect(settings.clone())
        .await
        .expect("connects");
    let second = RedisStore::connect(settings.clone())
        .await
        .expect("connects");
    let (sp1, sp2) = (fixture::sp(), fixture::sp());
    let xml = Issuer::new().unsolicited();
    assert_eq!(login(&first, &sp1, &xml).await, Ok(()));
    assert_eq!(login(&second, &sp2, &xml).await, Err(ErrorKind::Replay));

    let other = Issuer::new().unsolicited();
    let blocking = tokio::task::spawn_blocking(move || {
        let third = RedisStore::connect_blocking(settings).expect("connects");
        fixture::sp()
            .validate_and_commit(
                other.as_bytes(),
                fixture::now(),
                Solicitation::outstanding(),
                &third,
            )
            .map(drop)
            .map_err(|e| e.kind())
    });
    assert_eq!(blocking.await.expect("task"), Ok(()));
}

/// Keys escape `:` and `%`: an SP whose entity ID ends like another SP's key space cannot
/// reach the other's entries (with plain concatenation both keys below would be
/// `saml:e:replay:k1:replay:k2`).
#[tokio::test]
async fn entity_ids_are_escaped_so_namespaces_never_collide() {
    let Some(url) = shared_url() else { return };
    let prefix = format!("{}:", unique("test"));
    let a = RedisStore::connect(RedisSettings::new(&url, "e").with_key_prefix(&prefix))
        .await
        .expect("connects");
    let b = RedisStore::connect(RedisSettings::new(&url, "e:replay:k1").with_key_prefix(&prefix))
        .await
        .expect("connects");
    assert_ne!(a.replay_key("k1:replay:k2"), b.replay_key("k2"));
    let (now, expires) = (fixture::now(), in_5_minutes());
    let insert = |s, k| AsyncReplayCache::insert_if_absent(s, k, expires, now);
    assert_eq!(insert(&a, "k1:replay:k2").await, Ok(ReplayOutcome::Fresh));
    assert_eq!(insert(&b, "k2").await, Ok(ReplayOutcome::Fresh));
    AsyncRequestStore::insert(&a, "k1:request:r", expires, now)
        .await
        .expect("recorded");
    let c = RedisStore::connect(RedisSettings::new(&url, "e:request:k1").with_key_prefix(&prefix))
        .await
        .expect("connects");
    assert_eq!(AsyncRequestStore::take(&c, "r", now).await, Ok(false));
    assert_eq!(
        AsyncRequestStore::take(&a, "k1:request:r", now).await,
        Ok(true)
    );
}

/// The retry rule, deterministically: an attempt that finds its own token (the first
/// attempt's write landed, its answer was lost) is the first use; another token is a replay.
#[tokio::test]
async fn own_token_is_the_first_use_another_is_a_replay() {
    let Some(store) = shared_store().await else {
        return;
    };
    let (now, expires) = (fixture::now(), in_5_minutes());
    let key = unique("token");
    let attempt = |token| store.insert_with_token(&key, token, expires, now);
    assert_eq!(attempt("t1").await, Ok(ReplayOutcome::Fresh));
    assert_eq!(attempt("t1").await, Ok(ReplayOutcome::Fresh), "own write");
    assert_eq!(attempt("t2").await, Ok(ReplayOutcome::Replayed));
}

/// A Lua script that keeps the server busy for `ms` milliseconds: commands sent meanwhile are
/// executed after it, so a client timeout shorter than that loses the answer of a write that
/// then lands.
fn busy_script(ms: u32) -> String {
    format!(
        "EVAL \"local a = redis.call('TIME') local s = a[1] * 1000000 + a[2] \
         while true do local b = redis.call('TIME') \
         if b[1] * 1000000 + b[2] - s > {ms}000 then break end end return 1\" 0"
    )
}

/// The first attempt's answer is lost (the server is busy past the command timeout, then
/// executes the write); the retry finds the first attempt's token: the login is accepted, not
/// refused as a false replay. A later presentation is a replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_not_a_false_replay() {
    let Some(server) = OwnServer::start(&[]) else {
        return;
    };
    let settings = RedisSettings::new(server.url(), fixture::AUDIENCE)
        .with_timeouts(Duration::from_millis(250), Duration::from_millis(300))
        .with_insert_attempts(2);
    let store = RedisStore::connect(settings).await.expect("connects");
    let (sp, xml) = (fixture::sp(), Issuer::new().unsolicited());
    let pending = sp
        .validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
        .expect("valid");
    // Busy from about now until 600 ms: the first attempt (sent at about 100 ms) times out at
    // about 400 ms, the retry is answered when the script ends, before its own timeout.
    server.send_and_forget(&busy_script(600), Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let result = pending.commit_async(&store).await.map(drop);
    let took = started.elapsed();
    assert!(
        took > Duration::from_millis(300),
        "the first attempt must have timed out (took {took:?})"
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(login(&store, &sp, &xml).await, Err(ErrorKind::Replay));
}

/// The retry rule of the take-and-insert, deterministically: an attempt that finds the request
/// gone and the replay key holding its own token (the first attempt landed, its answer was
/// lost) is the first use; with another token it is "not outstanding" and records nothing.
#[tokio::test]
async fn take_and_insert_own_token_is_the_first_use() {
    let Some(store) = shared_store().await else {
        return;
    };
    let (now, expires) = (fixture::now(), in_5_minutes());
    let (key, request, other) = (unique("token"), unique("_req"), unique("_req"));
    for r in [&request, &other] {
        AsyncRequestStore::insert(&store, r, expires, now)
            .await
            .expect("recorded");
    }
    let attempt =
        |request, token| store.take_and_insert_with_token(request, &key, token, expires, now);
    let fresh = Ok(Taken::Consumed(Ok(ReplayOutcome::Fresh)));
    assert_eq!(attempt(&request, "t1").await, fresh);
    assert_eq!(attempt(&request, "t1").await, fresh, "own write");
    assert_eq!(attempt(&request, "t2").await, Ok(Taken::NotOutstanding));
    assert_eq!(
        attempt(&other, "t3").await,
        Ok(Taken::Consumed(Ok(ReplayOutcome::Replayed))),
        "the key still holds t1"
    );
    assert_eq!(attempt(&other, "t3").await, Ok(Taken::NotOutstanding));
}

/// As [`a_lost_answer_is_not_a_false_replay`], for an SP-initiated login (one EVAL consuming
/// the request and recording the assertion): the retry finds the request gone and its own
/// token, and the login is accepted, not refused as `unknown_in_response_to`. The request is
/// consumed and the assertion recorded: presented again it is refused, and a replay even once
/// its request ID is outstanding again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_an_sp_initiated_login_is_not_a_false_refusal() {
    let Some(server) = OwnServer::start(&[]) else {
        return;
    };
    let settings = RedisSettings::new(server.url(), fixture::AUDIENCE)
        .with_timeouts(Duration::from_millis(250), Duration::from_millis(300))
        .with_insert_attempts(2);
    let store = RedisStore::connect(settings).await.expect("connects");
    let (sp, request) = (fixture::sp(), unique("_req"));
    let xml = Issuer::new().solicited(&request);
    let record = || AsyncRequestStore::insert(&store, &request, in_5_minutes(), fixture::now());
    record().await.expect("recorded");
    let pending = sp
        .validate(xml.as_bytes(), fixture::now(), Solicitation::outstanding())
        .expect("valid");
    // As in `a_lost_answer_is_not_a_false_replay`: the first attempt times out at about
    // 400 ms, the retry is answered when the script ends at about 600 ms.
    server.send_and_forget(&busy_script(600), Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let result = pending.commit_async(&store).await.map(drop);
    let took = started.elapsed();
    assert!(
        took > Duration::from_millis(300),
        "the first attempt must have timed out (took {took:?})"
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        login(&store, &sp, &xml).await,
        Err(ErrorKind::UnknownInResponseTo)
    );
    record().await.expect("recorded");
    assert_eq!(login(&store, &sp, &xml).await, Err(ErrorKind::Replay));
}

/// A server out of memory refuses the take-and-insert script as a whole (`#!lua` makes it a
/// flagged script, checked before it runs): the SP-initiated login is refused as
/// `request_store_unavailable` and its request is not consumed, so the login succeeds once
/// the server has memory again.
#[tokio::test]
async fn a_full_server_consumes_no_request() {
    let Some(server) = OwnServer::start(&[]) else {
        return;
    };
    let store = RedisStore::connect(RedisSettings::new(server.url(), fixture::AUDIENCE))
        .await
        .expect("connects");
    let (sp, request) = (fixture::sp(), unique("_req"));
    AsyncRequestStore::insert(&store, &request, in_5_minutes(), fixture::now())
        .await
        .expect("recorded");
    let xml = Issuer::new().solicited(&request);
    assert!(server.command("CONFIG SET maxmemory 1").contains("+OK"));
    assert_eq!(
        login(&store, &sp, &xml).await,
        Err(ErrorKind::RequestStoreUnavailable)
    );
    assert!(server.command("CONFIG SET maxmemory 0").contains("+OK"));
    assert_eq!(login(&store, &sp, &xml).await, Ok(()));
}

/// A server that does not answer in time: the call fails within its bound, as a timeout, and
/// the login is refused; the next call after the server recovers works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_times_out_and_refuses() {
    let Some(server) = OwnServer::start(&[]) else {
        return;
    };
    let settings = RedisSettings::new(server.url(), fixture::AUDIENCE)
        .with_timeouts(Duration::from_millis(100), Duration::from_millis(100))
        .with_insert_attempts(1);
    let store = RedisStore::connect(settings).await.expect("connects");
    server.send_and_forget(&busy_script(600), Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let started = Instant::now();
    let answer =
        AsyncReplayCache::insert_if_absent(&store, "k", in_5_minutes(), fixture::now()).await;
    assert_eq!(answer, Err(StoreError::Timeout { timeout_ms: 100 }));
    assert!(started.elapsed() < Duration::from_millis(400), "bounded");
    let (sp, xml) = (fixture::sp(), Issuer::new().unsolicited());
    assert_eq!(
        login(&store, &sp, &xml).await,
        Err(ErrorKind::ReplayStoreUnavailable)
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let other = Issuer::new().unsolicited();
    assert_eq!(login(&store, &sp, &other).await, Ok(()));
}

/// The server is stopped in the middle of a run: logins are refused as
/// `replay_store_unavailable` (sync and async), the assertion accepted before is not accepted
/// again, and once the server is back (with its append-only file) logins work again and the
/// old assertion is still a replay.
#[test]
fn a_stopped_server_refuses_logins_until_it_is_back() {
    let Some(mut server) = OwnServer::start(&["--appendonly", "yes", "--appendfsync", "always"])
    else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let settings = RedisSettings::new(server.url(), fixture::AUDIENCE);
    let store = runtime
        .block_on(RedisStore::connect(settings.clone()))
        .expect("connects");
    let blocking = RedisStore::connect_blocking(settings).expect("connects");
    let (sp, issuer) = (fixture::sp(), Issuer::new());
    let (a, b, c) = (
        issuer.unsolicited(),
        issuer.unsolicited(),
        issuer.unsolicited(),
    );
    let sync_login = |xml: &str| {
        sp.validate_and_commit(
            xml.as_bytes(),
            fixture::now(),
            Solicitation::outstanding(),
            &blocking,
        )
        .map(drop)
        .map_err(|e| e.kind())
    };
    assert_eq!(runtime.block_on(login(&store, &sp, &a)), Ok(()));

    server.stop();
    let down = Err(ErrorKind::ReplayStoreUnavailable);
    assert_eq!(runtime.block_on(login(&store, &sp, &b)), down);
    assert_eq!(
        runtime.block_on(login(&store, &sp, &a)),
        down,
        "never twice"
    );
    assert_eq!(sync_login(&b), down);
    assert_eq!(sync_login(&a), down);

    server.restart();
    assert_eq!(
        runtime.block_on(login(&store, &sp, &a)),
        Err(ErrorKind::Replay)
    );
    assert_eq!(runtime.block_on(login(&store, &sp, &b)), Ok(()));
    assert_eq!(sync_login(&b), Err(ErrorKind::Replay));
    assert_eq!(sync_login(&c), Ok(()));
}

/// A server that may evict keys is refused when the store connects, naming the policy; also
/// when `CONFIG` is disabled (the policy is read from `INFO memory`).
#[tokio::test]
async fn servers_that_may_evict_are_refused() {
    let Some(lru) = OwnServer::start(&["--maxmemory-policy", "allkeys-lru"]) else {
        return;
    };
    let err = RedisStore::connect(RedisSettings::new(lru.url(), "sp"))
        .await
        .expect_err("evicts");
    assert!(
        matches!(&err, RedisStoreError::EvictionPolicy { found } if found == "allkeys-lru"),
        "{err}"
    );
    let Some(hidden) = OwnServer::start(&[
        "--maxmemory-policy",
        "volatile-ttl",
        "--rename-command",
        "CONFIG",
        "",
    ]) else {
        return;
    };
    let settings = RedisSettings::new(hidden.url(), "sp");
    let err = RedisStore::connect(settings.clone())
        .await
        .expect_err("evicts");
    assert!(
        matches!(&err, RedisStoreError::EvictionPolicy { found } if found == "volatile-ttl"),
        "{err}"
    );
    let err = tokio::task::spawn_blocking(move || RedisStore::connect_blocking(settings))
        .await
        .expect("task")
        .expect_err("evicts");
    assert!(
        err.to_string()
            .contains("maxmemory-policy is `volatile-ttl`, expected `noeviction`"),
        "{err}"
    );
}

/// Nobody listening: a typed error at once. A listener that never answers: a timeout within
/// the bound. Neither needs Redis.
#[tokio::test]
async fn unreachable_and_silent_servers_are_bounded_errors() {
    let port = free_port();
    let err = RedisStore::connect(RedisSettings::new(
        format!("redis://127.0.0.1:{port}/"),
        "sp",
    ))
    .await
    .expect_err("nobody listens");
    assert!(matches!(err, RedisStoreError::Unavailable(_)), "{err}");

    let silent = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!(
        "redis://127.0.0.1:{}/",
        silent.local_addr().expect("addr").port()
    );
    let started = Instant::now();
    let err = RedisStore::connect(RedisSettings::new(&url, "sp"))
        .await
        .expect_err("never answers");
    assert!(
        matches!(
            err,
            RedisStoreError::Unavailable(StoreError::Timeout { timeout_ms: 250 })
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "bounded");

    let started = Instant::now();
    let err = RedisStore::connect_blocking(RedisSettings::new(url, "sp")).expect_err("silent");
    assert!(matches!(err, RedisStoreError::Unavailable(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1), "bounded");
}

#[test]
fn settings_are_checked_and_passwords_stay_out_of_messages() {
    let err = RedisStore::connect_blocking(
        RedisSettings::new("redis://127.0.0.1:1/", "sp")
            .with_timeouts(Duration::ZERO, Duration::from_millis(5)),
    )
    .expect_err("zero");
    assert_eq!(
        err.to_string(),
        "Redis store setting `connect timeout` is 0ns, expected between 1 ms and 60 s"
    );
    let err = RedisStore::connect_blocking(
        RedisSettings::new("redis://127.0.0.1:1/", "sp").with_insert_attempts(0),
    )
    .expect_err("zero");
    assert!(err.to_string().contains("`insert attempts` is 0"), "{err}");
    let err = RedisStore::connect_blocking(
        RedisSettings::new("redis://127.0.0.1:1/", "sp").with_key_prefix("saml"),
    )
    .expect_err("no separator");
    assert_eq!(
        err.to_string(),
        "Redis store setting `key prefix` is \"saml\", expected empty or ending with `:`"
    );
    let secret = RedisSettings::new("redis://user:hunter2@127.0.0.1:1/", "sp");
    assert!(!format!("{secret:?}").contains("hunter2"));
    let err = RedisStore::connect_blocking(secret).expect_err("nobody listens");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

/// Counts the commands the server executed (INFO commandstats), except INFO, CONFIG and
/// MONITOR: the commands a Lua script calls count too.
fn commands(server: &OwnServer) -> u64 {
    server
        .command("INFO commandstats")
        .lines()
        .filter(|l| l.starts_with("cmdstat_"))
        .filter(|l| {
            !["cmdstat_info:", "cmdstat_config", "cmdstat_monitor:"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

/// One round trip per login: IdP-initiated, the SET; SP-initiated, one EVAL (inside it, the
/// GETDEL of the request and the SET of the assertion). Counted twice: the commands clients
/// sent (MONITOR, script calls left out) and the server's INFO commandstats.
#[tokio::test]
async fn round_trips_per_login() {
    let Some(server) = OwnServer::start(&[]) else {
        return;
    };
    let store = RedisStore::connect(RedisSettings::new(server.url(), fixture::AUDIENCE))
        .await
        .expect("connects");
    let (sp, issuer) = (fixture::sp(), Issuer::new());
    let unsolicited: Vec<_> = (0..10).map(|_| issuer.unsolicited()).collect();
    let requests: Vec<_> = (0..10).map(|_| unique("_req")).collect();
    let solicited: Vec<_> = requests.iter().map(|r| issuer.solicited(r)).collect();
    for r in &requests {
        AsyncRequestStore::insert(&store, r, in_5_minutes(), fixture::now())
            .await
            .expect("recorded");
    }
    assert!(server.command("CONFIG RESETSTAT").contains("+OK"));
    let monitor = server.monitor();
    for xml in &unsolicited {
        assert_eq!(login(&store, &sp, xml).await, Ok(()));
    }
    assert_eq!(monitor.client_commands(), vec!["SET"; 10], "IdP-initiated");
    assert_eq!(commands(&server), 10, "one command per IdP-initiated login");
    assert!(server.command("CONFIG RESETSTAT").contains("+OK"));
    let monitor = server.monitor();
    for xml in &solicited {
        assert_eq!(login(&store, &sp, xml).await, Ok(()));
    }
    assert_eq!(
        monitor.client_commands(),
        vec!["EVAL"; 10],
        "one round trip per SP-initiated login"
    );
    let stats = server.command("INFO commandstats");
    for (command, calls) in [("eval", 10), ("getdel", 10), ("set", 10)] {
        assert!(
            stats.contains(&format!("cmdstat_{command}:calls={calls},")),
            "{command}: {stats}"
        );
    }
    assert_eq!(
        commands(&server),
        30,
        "the EVAL and, inside it, GETDEL and SET"
    );
}

/// The key's TTL is the time to the expiry on the caller's clock, rounded up: Redis keeps an
/// entry no shorter than asked (whatever its own clock says).
#[test]
fn the_ttl_reaches_the_expiry() {
    let Some(store) = shared_store_blocking() else {
        return;
    };
    let url = shared_url().expect("set");
    let now = fixture::now();
    let expires = DateTime::from_unix(now.unix_seconds() + 300, 1).expect("valid");
    assert_eq!(
        ReplayCache::insert_if_absent(&store, "ttl", expires, now),
        Ok(ReplayOutcome::Fresh)
    );
    let mut conn = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("connects");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(store.replay_key("ttl"))
        .query(&mut conn)
        .expect("PTTL");
    assert!((299_000..=300_001).contains(&ttl), "PTTL {ttl}");
}
