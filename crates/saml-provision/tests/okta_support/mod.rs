//! Shared by the Users API tests: a seeded directory, a server on 127.0.0.1:0, raw requests,
//! and an intercepting proxy (stale lookups, 5xx).
#![allow(dead_code)] // Each test file uses a part.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use saml_policy::{Group, GroupType, InMemoryDirectory, User};
use saml_provision::okta_api::{ApiTokens, OktaApiConfig, router};
use saml_provision::sqlite::{SharedSqlite, SqliteDirectory};
use saml_provision::store::{MutexDirectory, SharedDirectory};
use serde_json::Value;

pub const ADMIN_TOKEN: &str = "00admin-token-0123456789";
pub const READER_TOKEN: &str = "00reader-token-0123456789";
pub const ADMIN_ID: &str = "00uadmin";

fn seed_users() -> Vec<User> {
    let mut admin = User::new(ADMIN_ID, "admin@org2.example");
    admin.admin = true;
    admin.email = Some("admin@org2.example".into());
    let mut reader = User::new("00ureader", "reader@org2.example");
    reader.email = Some("reader@org2.example".into());
    vec![admin, reader]
}

fn seed_groups() -> Vec<Group> {
    vec![
        Group::new("00gapp", "Domain Users", GroupType::AppGroup),
        Group::new("00geveryone", "Everyone", GroupType::BuiltIn),
        Group::new("00gstaff", "Staff", GroupType::OktaGroup),
        Group::new("00gsupport", "Support", GroupType::OktaGroup),
    ]
}

/// The in-memory directory with an admin, a reader (not admin) and four groups.
pub fn memory() -> Arc<MutexDirectory<InMemoryDirectory>> {
    let mut d = InMemoryDirectory::new();
    for group in seed_groups() {
        d.insert_group(group);
    }
    for user in seed_users() {
        d.insert_user(user, &[]).unwrap();
    }
    Arc::new(MutexDirectory::new(d))
}

/// A fresh SQLite file in the temp directory (removed first if left over).
pub fn temp_db(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "saml-provision-{name}-{}.sqlite",
        std::process::id()
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// The same seed in an SQLite file.
pub fn sqlite(path: &PathBuf) -> Arc<SharedSqlite> {
    let mut d = SqliteDirectory::open(path).unwrap();
    for group in seed_groups() {
        d.insert_group(&group).unwrap();
    }
    for user in seed_users() {
        d.insert_user(&user, &[]).unwrap();
    }
    drop(d);
    Arc::new(SharedSqlite::open(path).unwrap())
}

pub fn tokens() -> ApiTokens {
    let mut tokens = ApiTokens::new();
    tokens
        .add(ADMIN_TOKEN, ADMIN_ID)
        .add(READER_TOKEN, "00ureader");
    tokens
}

/// Serves `app` on 127.0.0.1:0; returns its base URL.
pub async fn serve_router(app: impl FnOnce(&str) -> Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = app(&base);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// The Users API over `store` on 127.0.0.1:0, with the test tokens; `configure` may change
/// the settings.
pub async fn serve<S: SharedDirectory>(
    store: Arc<S>,
    configure: impl FnOnce(&mut OktaApiConfig),
) -> String {
    serve_router(|base| {
        let mut config = OktaApiConfig::new(base, tokens());
        configure(&mut config);
        router(store, config)
    })
    .await
}

/// An HTTP client for the raw calls, one per thread (building one per call loads the trust
/// store each time; one shared by every test would outlive the runtimes its connections
/// belong to, one per test).
pub fn http() -> reqwest::Client {
    thread_local! {
        static CLIENT: reqwest::Client = reqwest::Client::new();
    }
    CLIENT.with(Clone::clone)
}

/// A raw call with the admin token.
pub async fn call(method: Method, url: &str, body: Option<Value>) -> reqwest::Response {
    call_as(ADMIN_TOKEN, method, url, body).await
}

pub async fn call_as(
    token: &str,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = http()
        .request(method, url)
        .header("Authorization", format!("SSWS {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Status and JSON body.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, value)
}

/// Asserts an Okta error: status, code, and a summary or cause containing `text`.
#[track_caller]
pub fn assert_okta_error(status: u16, body: &Value, want_status: u16, code: &str, text: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["errorCode"], code, "{body}");
    assert_eq!(body["errorLink"], code, "{body}");
    assert!(
        body["errorId"]
            .as_str()
            .is_some_and(|id| id.starts_with("oae")),
        "{body}"
    );
    let all = format!(
        "{} {}",
        body["errorSummary"],
        body["errorCauses"]
            .as_array()
            .map(|c| c
                .iter()
                .map(|c| c["errorSummary"].to_string())
                .collect::<Vec<_>>()
                .join(" "))
            .unwrap_or_default()
    );
    assert!(all.contains(text), "`{text}` not in {body}");
}

/// What the proxy does with one request: forward it, or answer it itself.
pub type Intercept = Arc<dyn Fn(&Method, &Uri) -> Option<Response> + Send + Sync>;

struct Proxy {
    upstream: String,
    intercept: Intercept,
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(answer) = (proxy.intercept)(&parts.method, &parts.uri) {
        return answer;
    }
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let url = format!(
        "{}{}",
        proxy.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut request = http().request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        if matches!(name.as_str(), "authorization" | "content-type" | "accept") {
            request = request.header(name, value);
        }
    }
    let upstream = request.send().await.unwrap();
    let status = upstream.status();
    let mut headers = axum::http::HeaderMap::new();
    for (name, value) in upstream.headers() {
        if name.as_str() == "content-type" || name.as_str().starts_with("x-rate-limit") {
            headers.append(name, value.clone());
        }
    }
    let bytes = upstream.bytes().await.unwrap();
    (status, headers, bytes).into_response()
}

/// A proxy on 127.0.0.1:0 to `upstream`, which lets `intercept` answer requests first.
pub async fn proxy(upstream: &str, intercept: Intercept) -> String {
    let state = Arc::new(Proxy {
        upstream: upstream.to_owned(),
        intercept,
    });
    serve_router(|_| Router::new().fallback(forward).with_state(state)).await
}

/// A 503 with Okta's body.
pub fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("content-type", "application/json")],
        r#"{"errorCode":"E0000009","errorSummary":"Service unavailable","errorCauses":[]}"#,
    )
        .into_response()
}
