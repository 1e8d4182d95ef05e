//! Throughput of `POST /saml/acs` over HTTP on loopback, beside the library-only figure
//! (saml-core's `validate` + `commit_async` in process) measured in the same run.
//!
//! ```sh
//! cargo bench -p saml-axum --bench acs                # 1000 Responses per measurement
//! SAML_BENCH_REQUESTS=3000 cargo bench -p saml-axum --bench acs
//! ```
//!
//! A fixed set of IdP-initiated Responses (signed Response and Assertion, RSA-2048, two
//! attributes; about 8 KiB of form body each) is issued once. Each measurement gets a fresh
//! store, so the same Responses are fresh again, and then
//! - **library**: `threads` OS threads split the Responses and run `validate` (the decoded
//!   XML) and `commit_async` (on a current-thread runtime each);
//! - **router**: the same through the router in process (`tower::ServiceExt::oneshot`, no
//!   socket): what the ACS handler adds (form, base64, cookies, session);
//! - **http**: the router is served on a tokio runtime with `threads` workers, and a bounded
//!   load generator (one more thread, 8 keep-alive HTTP/1 connections, hyper's client) posts
//!   every Response once and checks that each got its 303.
//!
//! Rounds alternate the three so that load from other tenants of a shared machine falls on all;
//! the best round of each is printed, and their ratio (target: http ≥ 50 % of library with the
//! in-memory store). The load generator runs on the same machine, so with 2 server threads on 2
//! cores it takes CPU from the server.
//!
//! Stores, each measured the same way (a fresh one per measurement):
//! - **memory**: saml-core's `InMemoryStore`;
//! - **sqlite**: `SqliteStore` on a file under the target directory (WAL);
//! - **redis**: `RedisStore` on `SAML_TEST_REDIS_URL`, or on a `redis-server` this bench
//!   starts on a free port (`--save '' --maxmemory-policy noeviction`) and stops; without
//!   either it is skipped with a note. Each measurement uses a key prefix of its own. The
//!   server's `total_commands_processed` is read around the run, and the commands per login
//!   printed (each command of the store is one round trip).
//!
//! `SAML_BENCH_ROUNDS` sets the rounds (default 3), `SAML_BENCH_STORES` a comma-separated
//! subset of `memory,sqlite,redis`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use saml_axum::{SamlSp, Store};
use saml_core::prelude::*;

#[path = "../../../examples/axum-sp/test_idp.rs"]
#[expect(dead_code, reason = "the bench uses the IdP's issuing side only")]
mod test_idp;

const SP_ORIGIN: &str = "http://127.0.0.1:1";
const CONNECTIONS: usize = 8;
/// The Redis server the bench started, killed on drop.
struct OwnRedis(std::process::Child);

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends one inline command to the Redis server at `host:port` and returns the answer.
fn redis_command(addr: &str, command: &str) -> Option<String> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .ok()?;
    stream.write_all(format!("{command}\r\n").as_bytes()).ok()?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 16384];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(buf.get(..n)?);
        if answer.ends_with(b"\r\n\r\n") || answer.starts_with(b"+") {
            break;
        }
    }
    Some(String::from_utf8_lossy(&answer).into_owned())
}

/// `total_commands_processed` of the server.
fn redis_commands(addr: &str) -> Option<u64> {
    let info = redis_command(addr, "INFO stats")?;
    info.lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The Redis URL to measure against, and the server this bench started (if it did).
fn redis_server() -> Option<(String, Option<OwnRedis>)> {
    if let Ok(url) = std::env::var("SAML_TEST_REDIS_URL") {
        return Some((url, None));
    }
    let binary = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|p| p.is_file())
    })?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .ok()?;
    let child = std::process::Command::new(binary)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args([
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory-policy",
            "noeviction",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let own = OwnRedis(child);
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..200 {
        if redis_command(&addr, "PING").is_some_and(|a| a.starts_with("+PONG")) {
            return Some((format!("redis://{addr}/"), Some(own)));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    None
}

struct Inputs {
    idp: test_idp::TestIdp,
    /// Decoded XML, for the library-only figure.
    xml: Vec<Vec<u8>>,
    /// The form bodies the HTTP client posts.
    bodies: Vec<Bytes>,
}

fn inputs(n: usize) -> Inputs {
    let idp = test_idp::TestIdp::new(
        "https://idp.test.invalid/sso",
        &format!("{SP_ORIGIN}/saml/metadata"),
        &format!("{SP_ORIGIN}/saml/acs"),
    );
    let mut xml = Vec::with_capacity(n);
    let mut bodies = Vec::with_capacity(n);
    for _ in 0..n {
        let response = idp.issue("alice@example.com", None);
        let encoded = binding::encode_post(response.as_bytes());
        bodies.push(Bytes::from(format!(
            "SAMLResponse={}&RelayState=%2Fapp",
            binding::url_encode(&encoded)
        )));
        xml.push(response.into_bytes());
    }
    Inputs { idp, xml, bodies }
}

fn service_provider(idp: &test_idp::TestIdp) -> ServiceProvider {
    ServiceProvider::new(idp.settings(Binding::HttpRedirect), idp.sp_settings()).expect("settings")
}

/// Responses per second through `validate` + `commit_async`, on `threads` threads.
fn library<S: Store>(inputs: &Inputs, threads: usize, store: Arc<S>) -> f64 {
    let sp = service_provider(&inputs.idp);
    let chunk = inputs.xml.len().div_ceil(threads);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for part in inputs.xml.chunks(chunk) {
            let (sp, store) = (&sp, &store);
            scope.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    for xml in part {
                        let now = DateTime::from_system_time(std::time::SystemTime::now());
                        let pending = sp
                            .validate(xml, now, Solicitation::outstanding())
                            .expect("valid");
                        pending.commit_async(&**store).await.expect("fresh");
                    }
                });
            });
        }
    });
    per_second(inputs.xml.len(), start.elapsed())
}

/// Responses per second through the router in process (no socket, no HTTP parsing): what the
/// ACS handler itself adds to the library figure.
fn router<S: Store>(inputs: &Inputs, threads: usize, store: Arc<S>) -> f64 {
    use tower::ServiceExt as _;
    let saml = SamlSp::new(service_provider(&inputs.idp), store).expect("sp");
    let app: Router = Router::new().merge(saml.router()).layer(saml.layer());
    let chunk = inputs.bodies.len().div_ceil(threads);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for part in inputs.bodies.chunks(chunk) {
            let app = app.clone();
            scope.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    for body in part {
                        let request = Request::post("/saml/acs")
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(axum::body::Body::from(body.clone()))
                            .expect("request");
                        let response = app.clone().oneshot(request).await.expect("infallible");
                        assert_eq!(response.status(), 303, "every Response is accepted once");
                    }
                });
            });
        }
    });
    per_second(inputs.bodies.len(), start.elapsed())
}

/// Responses per second through `POST /saml/acs` over loopback HTTP, the server on `threads`
/// tokio workers.
fn http<S: Store>(inputs: &Inputs, threads: usize, store: Arc<S>) -> f64 {
    let saml = SamlSp::new(service_provider(&inputs.idp), store).expect("sp");
    let app: Router = Router::new().merge(saml.router()).layer(saml.layer());
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_io()
        .enable_time()
        .build()
        .expect("server runtime");
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("port");
    let addr = listener.local_addr().expect("addr");
    server.spawn(async move { axum::serve(listener, app).await });

    let client = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("client runtime");
    let bodies = Arc::new(inputs.bodies.clone());
    let start = Instant::now();
    client.block_on(async {
        let mut tasks = Vec::with_capacity(CONNECTIONS);
        for c in 0..CONNECTIONS {
            let bodies = Arc::clone(&bodies);
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream))
                        .await
                        .expect("handshake");
                tokio::spawn(connection);
                for body in bodies.iter().skip(c).step_by(CONNECTIONS) {
                    let request = Request::post("/saml/acs")
                        .header("host", "127.0.0.1")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Full::new(body.clone()))
                        .expect("request");
                    let response = sender.send_request(request).await.expect("response");
                    let status = response.status();
                    let _ = response.into_body().collect().await;
                    assert_eq!(status, 303, "every Response is accepted once");
                }
            }));
        }
        for t in tasks {
            t.await.expect("client task");
        }
    });
    let elapsed = start.elapsed();
    server.shutdown_timeout(Duration::from_secs(1));
    per_second(inputs.bodies.len(), elapsed)
}

fn per_second(n: usize, elapsed: Duration) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX)) / elapsed.as_secs_f64()
}

/// Measures one store: `make` gives a fresh, empty one per measurement.
fn measure<S: Store>(name: &str, inputs: &Inputs, rounds: usize, make: impl Fn() -> Arc<S>) {
    for threads in [1, 2] {
        let (mut best_lib, mut best_router, mut best_http) = (0f64, 0f64, 0f64);
        for round in 0..rounds {
            let lib = library(inputs, threads, make());
            let routed = router(inputs, threads, make());
            let web = http(inputs, threads, make());
            eprintln!(
                "  round {round}: threads={threads} library {lib:.0}/s router {routed:.0}/s \
                 http {web:.0}/s"
            );
            best_lib = best_lib.max(lib);
            best_router = best_router.max(routed);
            best_http = best_http.max(web);
        }
        println!(
            "acs/{name}/threads={threads}: library {best_lib:7.0}/s   router {best_router:7.0}/s \
             ({:5.1} %)   http {best_http:7.0}/s ({:5.1} %)",
            100.0 * best_router / best_lib,
            100.0 * best_http / best_lib
        );
    }
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: keep that short.
    let requests = std::env::var("SAML_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if std::env::args().any(|a| a == "--bench") {
            1000
        } else {
            40
        });
    let rounds = std::env::var("SAML_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let stores =
        std::env::var("SAML_BENCH_STORES").unwrap_or_else(|_| "memory,sqlite,redis".into());
    eprintln!("issuing {requests} Responses…");
    let inputs = inputs(requests);
    let entity_id = format!("{SP_ORIGIN}/saml/metadata");
    if stores.contains("memory") {
        measure("memory", &inputs, rounds, || {
            Arc::new(InMemoryStore::default())
        });
    }
    if stores.contains("sqlite") {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/bench-acs-sqlite")
            .join(std::process::id().to_string());
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let n = AtomicUsize::new(0);
        measure("sqlite", &inputs, rounds, || {
            let path = dir.join(format!("{}.db", n.fetch_add(1, Ordering::Relaxed)));
            Arc::new(
                saml_store_sqlite::SqliteStore::open(saml_store_sqlite::SqliteSettings::new(
                    path,
                    entity_id.clone(),
                ))
                .expect("sqlite"),
            )
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
    if stores.contains("redis") {
        match redis_server() {
            Some((url, _own)) => {
                // The store's multiplexed connection lives on this runtime, which outlives
                // every measurement's runtimes.
                let io = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("redis runtime");
                let addr = url
                    .trim_start_matches("redis://")
                    .trim_end_matches('/')
                    .rsplit('@')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let before = redis_commands(&addr);
                let n = AtomicUsize::new(0);
                let made = AtomicUsize::new(0);
                measure("redis", &inputs, rounds, || {
                    made.fetch_add(1, Ordering::Relaxed);
                    let settings = saml_store_redis::RedisSettings::new(&url, entity_id.clone())
                        .with_key_prefix(format!(
                            "bench-acs:{}:{}:",
                            std::process::id(),
                            n.fetch_add(1, Ordering::Relaxed)
                        ));
                    Arc::new(
                        io.block_on(saml_store_redis::RedisStore::connect(settings))
                            .expect("redis"),
                    )
                });
                if let (Some(b), Some(a)) = (before, redis_commands(&addr)) {
                    let logins = made.load(Ordering::Relaxed) * inputs.bodies.len();
                    // `connect` runs a few commands per store (version, eviction policy).
                    println!(
                        "acs/redis: {} commands for {logins} logins (IdP-initiated): {:.2} per \
                         login, connection checks included",
                        a - b,
                        f64::from(u32::try_from(a - b).unwrap_or(u32::MAX))
                            / f64::from(u32::try_from(logins).unwrap_or(u32::MAX))
                    );
                }
            }
            None => {
                println!("acs/redis: SKIPPED (no SAML_TEST_REDIS_URL and no redis-server on PATH)")
            }
        }
    }
}
