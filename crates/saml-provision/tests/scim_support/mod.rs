//! Shared by the `scim_*` test targets: a router over an in-memory directory and a small
//! client that drives it with `tower::ServiceExt::oneshot`.
#![allow(dead_code, reason = "each test target uses a different part")]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use saml_policy::{Directory, Group, GroupType, User, UserStatus};
use saml_provision::scim::{
    self, BearerToken, InMemoryScimDirectory, ScimConfig, ScimState, USER_SCHEMA,
};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The token the tests' client presents.
pub const TOKEN: &str = "okta-scim-spec-test-token-0123456789";
/// Where the tests mount the service.
pub const BASE: &str = "https://app.example.com/scim/v2";

/// A running service: the application router and its state (to look at the directory).
pub struct Server {
    pub app: Router,
    pub state: ScimState<InMemoryScimDirectory>,
}

/// A service over `directory`, mounted at `/scim/v2`.
pub fn server_with(directory: InMemoryScimDirectory) -> Server {
    let config = ScimConfig::new(BASE, BearerToken::new(TOKEN).expect("long enough"));
    let state = ScimState::new(directory, config);
    let app = Router::new().nest("/scim/v2", scim::router(state.clone()));
    Server { app, state }
}

/// A service over an empty directory.
pub fn server() -> Server {
    server_with(InMemoryScimDirectory::new())
}

/// A service whose directory has one complete user (`00useed`, Okta's spec test needs one)
/// and Okta's own groups: Everyone (BUILT_IN) and Domain Users (APP_GROUP).
pub fn seeded() -> Server {
    let mut directory = InMemoryScimDirectory::new();
    let mut user = User::new("00useed", "seed.user@example.com");
    user.email = Some("seed.user@example.com".into());
    for (key, value) in [
        ("firstName", "Seed"),
        ("lastName", "User"),
        ("emailType", "work"),
    ] {
        user.profile.insert(key.into(), value.into());
    }
    directory.insert_user(user).expect("seed user");
    directory.insert_group(Group::new("00geveryone", "Everyone", GroupType::BuiltIn));
    directory.insert_group(Group::new("00gdomain", "Domain Users", GroupType::AppGroup));
    server_with(directory)
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
pub fn status_of(server: &Server, id: &str) -> UserStatus {
    let directory = server.state.directory().lock().expect("lock");
    directory.user(id).expect("read").expect("user").status
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
