//! What a hostile or careless client might send, and what the service must do: no access
//! without the token, no second user for one userName however many requests race, no write
//! over a version the client did not see, nothing half-applied, bounded input, and the SCIM
//! error shape for all of it.

mod scim_support;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use saml_policy::Directory;
use saml_provision::scim::{BearerToken, MAX_FILTER_LENGTH, TokenError};
use saml_provision::sqlite::SqliteDirectory;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use scim_support::*;

per_directory! {

// ------------------------------------------------------------------------ authentication

#[tokio::test]
async fn requests_without_the_token_are_401_everywhere_and_change_nothing() {
    let server = seeded();
    let app = &server.app;
    let wrong_same_length = format!("Bearer {}", "x".repeat(TOKEN.len()));
    let prefix = format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]);
    let longer = format!("Bearer {TOKEN}x");
    let ssws = format!("SSWS {TOKEN}");
    let bare = TOKEN.to_owned();
    let attempts: Vec<&str> = vec![
        "",
        "Bearer",
        "Bearer ",
        &wrong_same_length,
        &prefix,
        &longer,
        &ssws,
        &bare,
        "Basic b2t0YTpva3Rh",
    ];
    for authorization in attempts {
        for (method, uri) in [
            (Method::GET, "/scim/v2/Users"),
            (Method::GET, "/scim/v2/Users/00useed"),
            (Method::POST, "/scim/v2/Users"),
            (Method::DELETE, "/scim/v2/Users/00useed"),
            (Method::GET, "/scim/v2/NoSuchEndpoint"),
        ] {
            let body = (method == Method::POST).then(|| okta_user("mallory@evil.test", "M", "E"));
            let reply = send(
                app,
                method.clone(),
                uri,
                body,
                &[("authorization", authorization)],
            )
            .await;
            reply.assert_error(401, None);
            assert!(reply.headers.contains_key("www-authenticate"));
        }
    }
    let directory = server.state.directory().lock().unwrap();
    assert!(
        directory
            .find_by_login("mallory@evil.test")
            .unwrap()
            .is_empty()
    );
    assert!(directory.user("00useed").unwrap().is_some());
}

#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let server = seeded();
    let good = format!("Bearer {TOKEN}");
    let reply = send(
        &server.app,
        Method::GET,
        "/scim/v2/Users",
        None,
        // The valid one first: a service that read only the first would let this in.
        &[
            ("authorization", &good),
            ("authorization", "Bearer wrong-token"),
        ],
    )
    .await;
    reply.assert_error(401, None);
}

#[tokio::test]
async fn the_scheme_ignores_case_and_the_token_does_not() {
    let server = seeded();
    let lower = format!("bearer {TOKEN}");
    let reply = send(
        &server.app,
        Method::GET,
        "/scim/v2/Users",
        None,
        &[("authorization", &lower)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let upper = format!("Bearer {}", TOKEN.to_uppercase());
    let reply = send(
        &server.app,
        Method::GET,
        "/scim/v2/Users",
        None,
        &[("authorization", &upper)],
    )
    .await;
    reply.assert_error(401, None);
}

#[test]
fn only_the_digest_of_the_token_is_kept() {
    let token = BearerToken::new(TOKEN).unwrap();
    assert!(!format!("{token:?}").contains(TOKEN));
    let from_digest = BearerToken::from_sha256_hex(&sha256_hex(TOKEN)).unwrap();
    assert!(from_digest.matches(TOKEN));
    assert!(!from_digest.matches(&TOKEN.to_uppercase()));
    assert!(matches!(
        BearerToken::new("short"),
        Err(TokenError::TooShort { length: 5, min: 32 })
    ));
    assert!(BearerToken::from_sha256_hex("zz").is_err());
    assert!(BearerToken::from_sha256_hex(&"g".repeat(64)).is_err());
}

fn sha256_hex(text: &str) -> String {
    use aws_lc_rs::digest::{SHA256, digest};
    digest(&SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------- uniqueness

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_creates_of_one_username_make_one_user() {
    let server = server();
    let mut tasks = Vec::new();
    for i in 0..32 {
        let app = server.app.clone();
        // The same userName in varying case: the directory compares without case.
        let name = if i % 2 == 0 {
            "race@example.com"
        } else {
            "RACE@example.COM"
        };
        tasks.push(tokio::spawn(async move {
            post(&app, "/scim/v2/Users", okta_user(name, "R", "C")).await
        }));
    }
    let mut statuses = BTreeMap::new();
    for task in tasks {
        let reply = task.await.unwrap();
        if reply.status == StatusCode::CONFLICT {
            reply.assert_error(409, Some("uniqueness"));
        }
        *statuses.entry(reply.status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(statuses, BTreeMap::from([(201, 1), (409, 31)]));
    let directory = server.state.directory().lock().unwrap();
    assert_eq!(
        directory.find_by_login("race@example.com").unwrap().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_group_name_make_one_group() {
    let server = server();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let app = server.app.clone();
        tasks.push(tokio::spawn(async move {
            post(
                &app,
                "/scim/v2/Groups",
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Admins"}),
            )
            .await
            .status
        }));
    }
    let mut created = 0;
    for task in tasks {
        if task.await.unwrap() == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(created, 1);
    assert_eq!(
        get(&server.app, "/scim/v2/Groups").await.body["totalResults"],
        1
    );
}

// ------------------------------------------------------------------------------ versions

#[tokio::test]
async fn if_match_with_a_stale_version_is_412_and_writes_nothing() {
    let server = server();
    let app = &server.app;
    let id = create_user(app, "ver@example.com").await;
    let uri = format!("/scim/v2/Users/{id}");
    let first = get(app, &uri).await;
    let stale = first.etag();
    assert_eq!(stale, "W/\"1\"");
    // Someone else changes the user.
    let changed = patch(
        app,
        &uri,
        json!([{"op": "replace", "path": "displayName", "value": "B"}]),
    )
    .await;
    let current = changed.etag();
    assert_eq!(current, "W/\"2\"");
    assert_eq!(changed.body["meta"]["version"], json!(current));

    let mut body = first.body.clone();
    body["displayName"] = json!("Lost update");
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                     "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let if_match = [("if-match", stale.as_str())];
    send(app, Method::PUT, &uri, Some(body.clone()), &if_match)
        .await
        .assert_error(412, None);
    send(app, Method::PATCH, &uri, Some(ops.clone()), &if_match)
        .await
        .assert_error(412, None);
    send(app, Method::DELETE, &uri, None, &if_match)
        .await
        .assert_error(412, None);
    let now = get(app, &uri).await;
    assert_eq!(now.body["displayName"], "B");
    assert_eq!(now.body["active"], true);
    assert_eq!(now.etag(), current);

    // The current version (or `*`) is accepted.
    let reply = send(
        app,
        Method::PATCH,
        &uri,
        Some(ops),
        &[("if-match", current.as_str())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send(app, Method::DELETE, &uri, None, &[("if-match", "*")]).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn if_match_guards_groups_too() {
    let server = server();
    let app = &server.app;
    let user = create_user(app, "g@example.com").await;
    let group = create_group(app, "Versioned", &[]).await;
    let uri = format!("/scim/v2/Groups/{group}");
    let stale = get(app, &uri).await.etag();
    patch(
        app,
        &uri,
        json!([{"op": "add", "path": "members", "value": [{"value": user}]}]),
    )
    .await;
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                     "Operations": [{"op": "remove", "path": "members"}]});
    send(
        app,
        Method::PATCH,
        &uri,
        Some(ops),
        &[("if-match", stale.as_str())],
    )
    .await
    .assert_error(412, None);
    send(
        app,
        Method::DELETE,
        &uri,
        None,
        &[("if-match", stale.as_str())],
    )
    .await
    .assert_error(412, None);
    assert_eq!(members_of(app, &group).await, vec![user]);
}

#[tokio::test]
async fn if_none_match_answers_304_until_the_resource_changes() {
    let server = server();
    let app = &server.app;
    let id = create_user(app, "cache@example.com").await;
    let uri = format!("/scim/v2/Users/{id}");
    let etag = get(app, &uri).await.etag();
    let reply = send(
        app,
        Method::GET,
        &uri,
        None,
        &[("if-none-match", etag.as_str())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
    assert_eq!(reply.body, Value::Null);
    patch(
        app,
        &uri,
        json!([{"op": "replace", "path": "displayName", "value": "C"}]),
    )
    .await;
    let reply = send(
        app,
        Method::GET,
        &uri,
        None,
        &[("if-none-match", etag.as_str())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["displayName"], "C");
}

// ---------------------------------------------------------------------- all or nothing

#[tokio::test]
async fn a_patch_with_one_bad_operation_applies_none() {
    let server = server();
    let app = &server.app;
    let id = create_user(app, "atomic@example.com").await;
    let uri = format!("/scim/v2/Users/{id}");
    let before = get(app, &uri).await;
    for (ops, scim_type) in [
        (
            json!([{"op": "replace", "path": "displayName", "value": "Half"},
                {"op": "replace", "path": "active", "value": false},
                {"op": "replace", "path": "nickName", "value": "x"}]),
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "active", "value": false},
                {"op": "replace", "path": "name.givenName", "value": 7}]),
            "invalidValue",
        ),
        (
            json!([{"op": "replace", "path": "active", "value": false},
                {"op": "add", "path": "emails", "value": [{"value": "2@x"}, {"value": "3@x"}]}]),
            "invalidValue",
        ),
        (
            json!([{"op": "replace", "path": "active", "value": false},
                {"op": "remove", "path": "userName"}]),
            "mutability",
        ),
        (
            json!([{"op": "replace", "path": "active", "value": false},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@x"}]),
            "invalidPath",
        ),
    ] {
        patch(app, &uri, ops.clone())
            .await
            .assert_error(400, Some(scim_type));
        let after = get(app, &uri).await;
        assert_eq!(after.body, before.body, "{ops}");
        assert_eq!(after.etag(), before.etag(), "{ops}");
    }
    assert_eq!(status_of(&server, &id), saml_policy::UserStatus::Active);
}

#[tokio::test]
async fn a_group_change_naming_an_unknown_member_changes_nothing() {
    let server = server();
    let app = &server.app;
    let a = create_user(app, "a@example.com").await;
    let b = create_user(app, "b@example.com").await;
    let group = create_group(app, "Team", &[&a]).await;
    let uri = format!("/scim/v2/Groups/{group}");
    patch(
        app,
        &uri,
        json!([{"op": "replace", "path": "displayName", "value": "Renamed"},
               {"op": "add", "path": "members", "value": [{"value": b}, {"value": "00unobody"}]}]),
    )
    .await
    .assert_error(404, None);
    assert_eq!(get(app, &uri).await.body["displayName"], "Team");
    assert_eq!(members_of(app, &group).await, vec![a]);
    // A POST naming an unknown member creates no group.
    let reply = post(
        app,
        "/scim/v2/Groups",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ghosts",
               "members": [{"value": b}, {"value": "00unobody"}]}),
    )
    .await;
    reply.assert_error(404, None);
    assert!(reply.body["detail"].as_str().unwrap().contains("00unobody"));
    assert_eq!(get(app, "/scim/v2/Groups").await.body["totalResults"], 1);
}

// -------------------------------------------------------------------------- bad input

#[tokio::test]
async fn malformed_bodies_get_a_scim_400_naming_the_problem() {
    let server = server();
    let app = &server.app;
    let post_raw = |body: &str| {
        send_raw(
            app,
            Method::POST,
            "/scim/v2/Users",
            Some(body.to_owned()),
            &[],
        )
    };
    post_raw("{\"userName\": ")
        .await
        .assert_error(400, Some("invalidSyntax"));
    post_raw("").await.assert_error(400, Some("invalidSyntax"));
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    post_raw(&deep)
        .await
        .assert_error(400, Some("invalidSyntax"));
    let twice = r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "USERNAME": "b"}"#;
    let reply = post_raw(twice).await;
    reply.assert_error(400, Some("invalidSyntax"));
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("appears twice")
    );

    let mut wrong_type = okta_user("t@example.com", "T", "T");
    wrong_type["active"] = json!("yes");
    let reply = post(app, "/scim/v2/Users", wrong_type).await;
    reply.assert_error(400, Some("invalidValue"));
    assert!(
        reply.body["detail"].as_str().unwrap().contains("active"),
        "{:#}",
        reply.body
    );

    let mut no_schema = okta_user("t@example.com", "T", "T");
    no_schema["schemas"] = json!([]);
    post(app, "/scim/v2/Users", no_schema)
        .await
        .assert_error(400, Some("invalidSyntax"));
    let mut empty_name = okta_user("t@example.com", "T", "T");
    empty_name["userName"] = json!("  ");
    post(app, "/scim/v2/Users", empty_name)
        .await
        .assert_error(400, Some("invalidValue"));
    let mut long_name = okta_user("t@example.com", "T", "T");
    long_name["name"]["givenName"] = json!("g".repeat(5000));
    let reply = post(app, "/scim/v2/Users", long_name).await;
    reply.assert_error(400, Some("invalidValue"));
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("name.givenName")
    );
    let mut two_primaries = okta_user("t@example.com", "T", "T");
    two_primaries["emails"] =
        json!([{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]);
    post(app, "/scim/v2/Users", two_primaries)
        .await
        .assert_error(400, Some("invalidValue"));
    assert_eq!(get(app, "/scim/v2/Users").await.body["totalResults"], 0);

    let reply = send_raw(
        app,
        Method::POST,
        "/scim/v2/Users",
        Some("userName=a".to_owned()),
        &[("content-type", "application/x-www-form-urlencoded")],
    )
    .await;
    reply.assert_error(415, None);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let server = server();
    let mut user = okta_user("big@example.com", "B", "G");
    user["padding"] = json!("p".repeat(70 * 1024));
    let reply = post(&server.app, "/scim/v2/Users", user).await;
    reply.assert_error(413, None);
    assert_eq!(
        get(&server.app, "/scim/v2/Users").await.body["totalResults"],
        0
    );
}

#[tokio::test]
async fn filters_are_bounded_and_strict() {
    let server = seeded();
    let app = &server.app;
    let long = format!(
        "/scim/v2/Users?filter=userName%20eq%20%22{}%22",
        "a".repeat(MAX_FILTER_LENGTH)
    );
    get(app, &long)
        .await
        .assert_error(400, Some("invalidFilter"));
    // A filter that would match everyone if loosely parsed.
    for filter in [
        "userName%20eq%20%22x%22%20or%20true",
        "userName%20pr",
        "userName%20ne%20%22x%22",
        "userName%20eq%20%22x%22)",
        "userName%20eq%20%22x",
    ] {
        get(app, &format!("/scim/v2/Users?filter={filter}"))
            .await
            .assert_error(400, Some("invalidFilter"));
    }
    get(app, "/scim/v2/Users?filter=a&filter=b")
        .await
        .assert_error(400, Some("invalidValue"));
}

// ----------------------------------------------------------------------------- the wire

/// Over a real socket: an unauthenticated request, then a create, each answered in the SCIM
/// shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_real_http_on_127_0_0_1() {
    let server = server();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = server.app.clone();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let anonymous = exchange(
        address,
        "GET /scim/v2/Users HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    assert!(
        anonymous
            .to_lowercase()
            .contains("content-type: application/scim+json")
    );
    assert!(anonymous.contains(r#""status":"401""#));

    let body = okta_user("wire@example.com", "W", "R").to_string();
    let request = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let created = exchange(address, &request).await;
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    assert!(created.contains("etag: W/\"1\""), "{created}");
    serving.abort();
}

async fn exchange(address: std::net::SocketAddr, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8(response).unwrap()
}
}

// ------------------------------------------------------------------------ SQLite restarts

/// The versions live in the file: after a restart a client's ETag still matches and a stale
/// one still does not; a write through another connection (the Users API, a SAML login)
/// moves the ETag too.
#[tokio::test]
async fn sqlite_versions_survive_a_restart_and_see_other_writers() {
    let file = TempFile::new();
    let (id, group, stale, etag, group_etag) = {
        let server = server_over(SqliteDirectory::open(&file.path).unwrap(), None);
        let app = &server.app;
        let id = create_user(app, "restart@example.com").await;
        let uri = format!("/scim/v2/Users/{id}");
        let stale = get(app, &uri).await.etag();
        let reply = patch(
            app,
            &uri,
            json!([{"op": "replace", "path": "displayName", "value": "R"}]),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
        let group = create_group(app, "Restarted", &[&id]).await;
        let etag = get(app, &uri).await.etag();
        let group_etag = get(app, &format!("/scim/v2/Groups/{group}")).await.etag();
        (id, group, stale, etag, group_etag)
    };
    assert_ne!(stale, etag);

    let server = server_over(SqliteDirectory::open(&file.path).unwrap(), None);
    let app = &server.app;
    let uri = format!("/scim/v2/Users/{id}");
    let group_uri = format!("/scim/v2/Groups/{group}");
    assert_eq!(get(app, &uri).await.etag(), etag);
    assert_eq!(get(app, &group_uri).await.etag(), group_etag);
    let reply = send(
        app,
        Method::GET,
        &uri,
        None,
        &[("if-none-match", etag.as_str())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
    send(
        app,
        Method::DELETE,
        &uri,
        None,
        &[("if-match", stale.as_str())],
    )
    .await
    .assert_error(412, None);

    // Another connection to the file writes to the user and to the group's members.
    {
        let mut other = SqliteDirectory::open(&file.path).unwrap();
        other
            .update_profile(&id, &[("title".into(), Some("Engineer".into()))])
            .unwrap();
        let second = other
            .create_user(&saml_policy::NewUser::new(
                "second@example.com",
                saml_policy::UserStatus::Active,
            ))
            .unwrap();
        other.add_member(&second, &group).unwrap();
    }
    let now = get(app, &uri).await.etag();
    assert_ne!(now, etag);
    assert_ne!(get(app, &group_uri).await.etag(), group_etag);
    send(
        app,
        Method::DELETE,
        &uri,
        None,
        &[("if-match", etag.as_str())],
    )
    .await
    .assert_error(412, None);
    let reply = send(
        app,
        Method::DELETE,
        &uri,
        None,
        &[("if-match", now.as_str())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    drop(server);
    drop(file);
}
