//! Shared by the `scim_*` test targets: a router over the in-memory or the SQLite directory
//! ([`per_directory!`] runs a suite over both) and a small client that drives it with
//! `tower::ServiceExt::oneshot`.
#![allow(dead_code, reason = "each test target uses a different part")]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use saml_policy::{Group, GroupType, User, UserStatus};
use saml_provision::scim::{
    self, BearerToken, InMemoryScimDirectory, ScimConfig, ScimDirectory, ScimState, USER_SCHEMA,
};
use saml_provision::sqlite::SqliteDirectory;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The token the tests' client presents.
pub const TOKEN: &str = "okta-scim-spec-test-token-0123456789";
/// Where the tests mount the service.
pub const BASE: &str = "https://app.example.com/scim/v2";

/// A directory the SCIM tests run over: each suite runs once per implementation
/// ([`per_directory!`]).
pub trait TestDirectory: ScimDirectory + Send + Sized + 'static {
    /// An empty directory, and the file that holds it (removed when dropped), if any.
    fn empty() -> (Self, Option<TempFile>);
    /// Adds a user as it is (id included), for seeding.
    fn add_user(&mut self, user: User);
    /// Adds a group of any type, for seeding.
    fn add_group(&mut self, group: Group);
}

impl TestDirectory for InMemoryScimDirectory {
    fn empty() -> (Self, Option<TempFile>) {
        (InMemoryScimDirectory::new(), None)
    }
    fn add_user(&mut self, user: User) {
        self.insert_user(user).expect("seed user");
    }
    fn add_group(&mut self, group: Group) {
        self.insert_group(group);
    }
}

impl TestDirectory for SqliteDirectory {
    fn empty() -> (Self, Option<TempFile>) {
        let file = TempFile::new();
        let directory = SqliteDirectory::open(&file.path).expect("open the directory file");
        (directory, Some(file))
    }
    fn add_user(&mut self, user: User) {
        self.insert_user(&user, &[]).expect("seed user");
    }
    fn add_group(&mut self, group: Group) {
        self.insert_group(&group).expect("seed group");
    }
}

/// A directory file in the temporary directory, removed (with its WAL) when dropped.
#[derive(Debug)]
pub struct TempFile {
    pub path: PathBuf,
}

impl TempFile {
    /// A name no other test of this run uses.
    pub fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "saml-provision-scim-{}-{}.sqlite",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_file(&path);
        Self { path }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

/// Runs the test items given once per directory: in modules `in_memory` and `sqlite` (a
/// temporary file), where `server()` and `seeded()` make a service over that directory.
#[macro_export]
macro_rules! per_directory {
    ($($tests:item)*) => {
        mod in_memory {
            #[allow(unused_imports, reason = "each suite uses a different part")]
            use super::*;
            #[allow(dead_code, reason = "not every suite starts empty")]
            fn server() -> Server<saml_provision::scim::InMemoryScimDirectory> {
                server_of()
            }
            #[allow(dead_code, reason = "not every suite seeds")]
            fn seeded() -> Server<saml_provision::scim::InMemoryScimDirectory> {
                seeded_of()
            }
            $($tests)*
        }
        mod sqlite {
            #[allow(unused_imports, reason = "each suite uses a different part")]
            use super::*;
            #[allow(dead_code, reason = "not every suite starts empty")]
            fn server() -> Server<saml_provision::sqlite::SqliteDirectory> {
                server_of()
            }
            #[allow(dead_code, reason = "not every suite seeds")]
            fn seeded() -> Server<saml_provision::sqlite::SqliteDirectory> {
                seeded_of()
            }
            $($tests)*
        }
    };
}

/// A running service: the application router, its state (to look at the directory), and
/// the directory's file, if any.
pub struct Server<D = InMemoryScimDirectory> {
    pub app: Router,
    pub state: ScimState<D>,
    pub file: Option<TempFile>,
}

/// A service over `directory`, mounted at `/scim/v2`.
pub fn server_over<D: ScimDirectory + Send + 'static>(
    directory: D,
    file: Option<TempFile>,
) -> Server<D> {
    let config = ScimConfig::new(BASE, BearerToken::new(TOKEN).expect("long enough"));
    let state = ScimState::new(directory, config);
    let app = Router::new().nest("/scim/v2", scim::router(state.clone()));
    Server { app, state, file }
}

/// A service over an in-memory `directory`.
pub fn server_with(directory: InMemoryScimDirectory) -> Server {
    server_over(directory, None)
}

/// A service over an empty directory.
pub fn server_of<D: TestDirectory>() -> Server<D> {
    let (directory, file) = D::empty();
    server_over(directory, file)
}

/// A service whose directory has one complete user (`00useed`, Okta's spec test needs one)
/// and Okta's own groups: Everyone (BUILT_IN) and Domain Users (APP_GROUP).
pub fn seeded_of<D: TestDirectory>() -> Server<D> {
    let (mut directory, file) = D::empty();
    let mut user = User::new("00useed", "seed.user@example.com");
    user.email = Some("seed.user@example.com".into());
    for (key, value) in [
        ("firstName", "Seed"),
        ("lastName", "User"),
        ("emailType", "work"),
    ] {
        user.profile.insert(key.into(), value.into());
    }
    directory.add_user(user);
    directory.add_group(Group::new("00geveryone", "Everyone", GroupType::BuiltIn));
    directory.add_group(Group::new("00gdomain", "Domain Users", GroupType::AppGroup));
    server_over(directory, file)
}

/// A response: status, headers, and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `ETag` header.
    pub fn etag(&self) -> String {
        self.headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// Asserts the SCIM error shape with this status (and `scimType`, if given).
    #[track_caller]
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(
            self.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{:#}",
            self.body
        );
        assert_eq!(
            self.body["status"],
            json!(status.to_string()),
            "{:#}",
            self.body
        );
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{:#}",
            self.body
        );
        match scim_type {
            Some(t) => assert_eq!(self.body["scimType"], json!(t), "{:#}", self.body),
            None => assert!(self.body.get("scimType").is_none(), "{:#}", self.body),
        }
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/scim+json");
    }
}

/// Sends a request (the token is added unless `headers` has an Authorization).
pub async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let raw = body.map(|b| b.to_string());
    send_raw(app, method, uri, raw, headers).await
}

/// Sends a request with a raw body.
pub async fn send_raw(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
    {
        request = request.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    }
    let typed = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !typed {
        request = request.header(header::CONTENT_TYPE, "application/scim+json; charset=utf-8");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("responses are JSON")
    };
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Method::GET, uri, None, &[]).await
}

pub async fn post(app: &Router, uri: &str, body: Value) -> Reply {
    send(app, Method::POST, uri, Some(body), &[]).await
}

pub async fn put(app: &Router, uri: &str, body: Value) -> Reply {
    send(app, Method::PUT, uri, Some(body), &[]).await
}

pub async fn patch(app: &Router, uri: &str, operations: Value) -> Reply {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    });
    send(app, Method::PATCH, uri, Some(body), &[]).await
}

pub async fn delete(app: &Router, uri: &str) -> Reply {
    send(app, Method::DELETE, uri, None, &[]).await
}

/// The body Okta's spec test posts ("Create Okta user with realistic values").
pub fn okta_user(user_name: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "active": true,
    })
}

/// Creates a user and returns its id.
pub async fn create_user(app: &Router, user_name: &str) -> String {
    let reply = post(
        app,
        "/scim/v2/Users",
        okta_user(user_name, "Given", "Family"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:#}", reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

/// Creates a group with these members and returns its id.
pub async fn create_group(app: &Router, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let reply = post(
        app,
        "/scim/v2/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members,
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:#}", reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

/// The directory's status of a user.
pub fn status_of<D: ScimDirectory>(server: &Server<D>, id: &str) -> UserStatus {
    let directory = server.state.directory().lock().expect("lock");
    directory.user(id).expect("read").expect("user").status
}

/// `ids` sorted, to compare with [`members_of`] (SQLite's ids are random, not increasing).
pub fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The group's member ids, sorted, from the response of GET /Groups/{id}.
pub async fn members_of(app: &Router, group: &str) -> Vec<String> {
    let reply = get(app, &format!("/scim/v2/Groups/{group}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    let mut members: Vec<String> = reply.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["value"].as_str().expect("value").to_owned())
        .collect();
    members.sort();
    members
}
