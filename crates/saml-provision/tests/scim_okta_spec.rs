//! Okta's SCIM 2.0 spec test (`Okta-SCIM-20-SPEC-Test.json`, the Runscope/BlazeMeter import
//! of the okta-developer-docs repository), one test per step, in the suite's order, each
//! asserting what that step asserts (and, where the step's name implies more than its
//! assertions check, that too). Then Okta's CRUD test (`Okta-SCIM-20-CRUD-Test.json`) as one
//! flow: create, PUT first name, deactivate, activate, deactivate.

mod scim_support;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use saml_policy::UserStatus;
use serde_json::{Value, json};

use scim_support::*;

per_directory! {

const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

#[track_caller]
fn assert_list(body: &Value) {
    assert!(
        body["schemas"].as_array().unwrap().contains(&json!(LIST)),
        "{body:#}"
    );
    for field in ["itemsPerPage", "startIndex", "totalResults"] {
        assert!(body[field].is_number(), "{field} is not a number: {body:#}");
    }
}

#[track_caller]
fn assert_not_empty(body: &Value, pointer: &str) {
    let value = body.pointer(pointer).unwrap_or(&Value::Null);
    let empty = match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    assert!(!empty, "{pointer} is empty in {body:#}");
}

/// "Required Test: Test Users endpoint": `GET /Users?count=1&startIndex=1`.
#[tokio::test]
async fn spec_01_test_users_endpoint() {
    let server = seeded();
    create_user(&server.app, "second.user@example.com").await;
    let reply = get(&server.app, "/scim/v2/Users?count=1&startIndex=1").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_not_empty(&reply.body, "/Resources");
    assert_list(&reply.body);
    for pointer in [
        "/Resources/0/id",
        "/Resources/0/name/familyName",
        "/Resources/0/name/givenName",
        "/Resources/0/userName",
        "/Resources/0/active",
        "/Resources/0/emails/0/value",
    ] {
        assert_not_empty(&reply.body, pointer);
    }
    // count=1 is honoured; the total counts every user.
    assert_eq!(reply.body["itemsPerPage"], 1);
    assert_eq!(reply.body["startIndex"], 1);
    assert_eq!(reply.body["totalResults"], 2);
    assert_eq!(reply.body["Resources"].as_array().unwrap().len(), 1);
}

/// "Required Test: Get Users/{{id}}": the id read from the list.
#[tokio::test]
async fn spec_02_get_users_id() {
    let server = seeded();
    let list = get(&server.app, "/scim/v2/Users?count=1&startIndex=1").await;
    let id = list.body["Resources"][0]["id"].as_str().unwrap().to_owned();
    let reply = get(&server.app, &format!("/scim/v2/Users/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    for pointer in [
        "/id",
        "/name/familyName",
        "/name/givenName",
        "/userName",
        "/active",
        "/emails/0/value",
    ] {
        assert_not_empty(&reply.body, pointer);
    }
    assert_eq!(reply.body["id"], json!(id));
}

/// "Required Test: Test invalid User by username": a filter that matches no one.
#[tokio::test]
async fn spec_03_test_invalid_user_by_username() {
    let server = seeded();
    let reply = get(
        &server.app,
        "/scim/v2/Users?filter=userName%20eq%20%22invalid.user.5f3a@example.com%22",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_list(&reply.body);
    assert_eq!(reply.body["totalResults"], 0);
    assert_eq!(reply.body["Resources"], json!([]));
}

/// "Required Test: Test invalid User by ID": 404 with the Error schema and a detail.
#[tokio::test]
async fn spec_04_test_invalid_user_by_id() {
    let server = seeded();
    let reply = get(&server.app, "/scim/v2/Users/010101001010101").await;
    reply.assert_error(404, None);
}

/// "Required Test: Make sure random user doesn't exist": filter on the email the next step
/// creates.
#[tokio::test]
async fn spec_05_make_sure_random_user_doesnt_exist() {
    let server = seeded();
    let reply = get(
        &server.app,
        "/scim/v2/Users?filter=userName%20eq%20%22hannah.arendt.92@example.com%22",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["totalResults"], 0);
    assert_list(&reply.body);
}

/// "Required Test: Create Okta user with realistic values": 201 with the resource. Okta
/// posts this one with `Content-Type: application/json`.
#[tokio::test]
async fn spec_06_create_okta_user_with_realistic_values() {
    let server = seeded();
    let body = okta_user("hannah.arendt.92@example.com", "Hannah", "Arendt").to_string();
    let reply = send_raw(
        &server.app,
        Method::POST,
        "/scim/v2/Users",
        Some(body),
        &[
            ("content-type", "application/json"),
            ("accept", "application/scim+json; charset=utf-8"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:#}", reply.body);
    assert_eq!(reply.body["active"], true);
    assert_not_empty(&reply.body, "/id");
    assert_eq!(reply.body["name"]["familyName"], "Arendt");
    assert_eq!(reply.body["name"]["givenName"], "Hannah");
    assert!(
        reply.body["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!("urn:ietf:params:scim:schemas:core:2.0:User"))
    );
    assert_eq!(reply.body["userName"], "hannah.arendt.92@example.com");
    assert_eq!(
        reply.body["emails"][0]["value"],
        "hannah.arendt.92@example.com"
    );
    // RFC 7644 §3.3: Location and ETag of the new resource.
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(reply.headers["location"], format!("{BASE}/Users/{id}"));
    assert_eq!(reply.etag(), "W/\"1\"");
    assert_eq!(reply.body["meta"]["version"], "W/\"1\"");
}

/// "Required Test: Verify that user was created".
#[tokio::test]
async fn spec_07_verify_that_user_was_created() {
    let server = seeded();
    let id = post(
        &server.app,
        "/scim/v2/Users",
        okta_user("hannah.arendt.92@example.com", "Hannah", "Arendt"),
    )
    .await
    .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = get(&server.app, &format!("/scim/v2/Users/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["userName"], "hannah.arendt.92@example.com");
    assert_eq!(reply.body["name"]["familyName"], "Arendt");
    assert_eq!(reply.body["name"]["givenName"], "Hannah");
}

/// "Required Test: Expect failure when recreating user with same values": 409 (and, per
/// RFC 7644 §3.3, `scimType: uniqueness`).
#[tokio::test]
async fn spec_08_expect_failure_when_recreating_user_with_same_values() {
    let server = seeded();
    let user = okta_user("hannah.arendt.92@example.com", "Hannah", "Arendt");
    assert_eq!(
        post(&server.app, "/scim/v2/Users", user.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    let reply = post(&server.app, "/scim/v2/Users", user).await;
    reply.assert_error(409, Some("uniqueness"));
    let all = get(&server.app, "/scim/v2/Users").await;
    assert_eq!(all.body["totalResults"], 2, "seed + one");
}

/// "Required Test: Username Case Sensitivity Check": the upper-cased userName is found
/// (userName is caseExact false, RFC 7643 §4.1.1).
#[tokio::test]
async fn spec_09_username_case_sensitivity_check() {
    let server = seeded();
    let id = create_user(&server.app, "hannah.arendt.92@example.com").await;
    let reply = get(
        &server.app,
        "/scim/v2/Users?filter=userName%20eq%20%22HANNAH.ARENDT.92@EXAMPLE.COM%22",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(reply.body["Resources"][0]["id"], json!(id));
}

/// "Optional Test: Verify Groups endpoint": 200 within 600 ms; Resources an array when
/// there are groups.
#[tokio::test]
async fn spec_10_verify_groups_endpoint() {
    let server = seeded();
    let started = Instant::now();
    let reply = get(&server.app, "/scim/v2/Groups").await;
    assert!(started.elapsed() < Duration::from_millis(600));
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body["totalResults"].as_u64().unwrap() >= 1);
    assert!(reply.body["Resources"].is_array());
    assert_list(&reply.body);
}

/// "Required Test: Check status 401": `Authorization: non-token`.
#[tokio::test]
async fn spec_11_check_status_401() {
    let server = seeded();
    let reply = send(
        &server.app,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22SEED.USER@EXAMPLE.COM%22",
        None,
        &[("authorization", "non-token")],
    )
    .await;
    reply.assert_error(401, None);
    assert_eq!(reply.body["status"], "401");
    assert!(reply.body.get("Resources").is_none(), "nothing leaks");
}

/// "Required Test: Check status 404": `GET /Users/00919288221112222`.
#[tokio::test]
async fn spec_12_check_status_404() {
    let server = seeded();
    let reply = get(&server.app, "/scim/v2/Users/00919288221112222").await;
    reply.assert_error(404, None);
    assert_eq!(reply.body["status"], "404");
}

/// Okta's CRUD test: create (assign) → PUT first name (profile push) → deactivate
/// (PATCH active=false) → activate (PATCH active=true) → deactivate (unassign).
#[tokio::test]
async fn crud_create_put_first_name_deactivate_activate_deactivate() {
    let server = seeded();
    let app = &server.app;
    // Okta looks the user up first, then creates it.
    let lookup = get(
        app,
        "/scim/v2/Users?filter=userName%20eq%20%22ada@example.com%22&startIndex=1&count=100",
    )
    .await;
    assert_eq!(lookup.body["totalResults"], 0);
    let created = post(
        app,
        "/scim/v2/Users",
        okta_user("ada@example.com", "Ada", "Lovelace"),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let uri = format!("/scim/v2/Users/{id}");
    assert_eq!(status_of(&server, &id), UserStatus::Active);

    // Profile push: GET, then PUT the whole resource with the new first name.
    let mut user = get(app, &uri).await.body;
    user["name"]["givenName"] = json!("Augusta");
    let updated = put(app, &uri, user).await;
    assert_eq!(updated.status, StatusCode::OK, "{:#}", updated.body);
    assert_eq!(updated.body["name"]["givenName"], "Augusta");
    assert_eq!(get(app, &uri).await.body["name"]["givenName"], "Augusta");
    assert_eq!(updated.body["name"]["familyName"], "Lovelace");
    assert_eq!(updated.body["active"], true);

    let deactivate = json!([{"op": "replace", "value": {"active": false}}]);
    let reply = patch(app, &uri, deactivate.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(reply.body["active"], false);
    assert_eq!(status_of(&server, &id), UserStatus::Deprovisioned);
    assert_eq!(get(app, &uri).await.body["active"], false);

    let reply = patch(
        app,
        &uri,
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .await;
    assert_eq!(reply.body["active"], true);
    assert_eq!(status_of(&server, &id), UserStatus::Active);

    let reply = patch(app, &uri, deactivate).await;
    assert_eq!(reply.body["active"], false);
    assert_eq!(status_of(&server, &id), UserStatus::Deprovisioned);
    // The profile survived the lifecycle.
    let last = get(app, &uri).await.body;
    assert_eq!(last["name"]["givenName"], "Augusta");
    assert_eq!(last["emails"][0]["value"], "ada@example.com");
}
}
