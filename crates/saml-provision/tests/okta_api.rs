//! The Users API server over HTTP (a real listener on 127.0.0.1:0): statuses, validation,
//! lookups and pagination, updates, lifecycle, groups, authentication, rate limits, errors.

mod okta_support;

use std::time::Duration;

use axum::http::Method;
use okta_support::*;
use saml_policy::Directory;
use saml_provision::okta_api::RateLimit;
use serde_json::{Value, json};

fn person(login: &str) -> Value {
    json!({"profile": {
        "login": login, "email": login, "firstName": "First", "lastName": "Last"
    }})
}

fn with_password(login: &str) -> Value {
    let mut body = person(login);
    body["credentials"] = json!({"password": {"value": "Secret-123"}});
    body
}

async fn create(base: &str, query: &str, body: Value) -> (u16, Value) {
    json(
        call(
            Method::POST,
            &format!("{base}/api/v1/users{query}"),
            Some(body),
        )
        .await,
    )
    .await
}

#[tokio::test]
async fn initial_status_follows_activate_password_and_provider() {
    let base = serve(memory(), |_| {}).await;
    for (query, body, status) in [
        // active_with_pass
        ("?activate=true", with_password("a1@example.com"), "ACTIVE"),
        // active_without_pass
        ("", person("a2@example.com"), "PROVISIONED"),
        // pending_with_pass
        ("?activate=false", with_password("a3@example.com"), "STAGED"),
        // pending_without_pass
        ("?activate=false", person("a4@example.com"), "STAGED"),
        // federated users need no password
        ("?provider=true", person("a5@example.com"), "ACTIVE"),
        (
            "?activate=true&nextLogin=changePassword",
            with_password("a6@example.com"),
            "ACTIVE",
        ),
    ] {
        let login = body["profile"]["login"].as_str().unwrap().to_owned();
        let (code, user) = create(&base, query, body).await;
        assert_eq!(code, 200, "{user}");
        assert_eq!(user["status"], status, "{login}");
        assert_eq!(user["profile"]["login"], login.as_str());
        assert_eq!(user["profile"]["firstName"], "First");
        assert!(user["id"].as_str().unwrap().starts_with("00u"));
        assert!(user.get("credentials").is_none(), "no password comes back");
        let href = user["_links"]["self"]["href"].as_str().unwrap();
        assert_eq!(
            href,
            format!("{base}/api/v1/users/{}", user["id"].as_str().unwrap())
        );
    }
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_creates_nothing() {
    let store = memory();
    let base = serve(store.clone(), |c| c.max_body_bytes = 4096).await;
    let users_before = store.lock().users().count();

    let (s, b) = create(&base, "", json!({"profile": {"email": "x@example.com"}})).await;
    assert_okta_error(
        s,
        &b,
        400,
        "E0000001",
        "login: The field cannot be left blank",
    );
    let (s, b) = create(&base, "", json!({"profile": {"login": "x@example.com"}})).await;
    assert_okta_error(
        s,
        &b,
        400,
        "E0000001",
        "firstName: The field cannot be left blank",
    );
    let mut body = person("x@example.com");
    body["profile"]["age"] = json!(42);
    let (s, b) = create(&base, "", body).await;
    assert_okta_error(
        s,
        &b,
        400,
        "E0000001",
        "age: must be a string or null, not a number",
    );
    let mut body = person("x@example.com");
    body["profile"]["email"] = json!("not-an-email");
    let (s, b) = create(&base, "", body).await;
    assert_okta_error(
        s,
        &b,
        400,
        "E0000001",
        "`not-an-email` is not an email address",
    );
    let (s, b) = create(&base, "?activate=maybe", person("x@example.com")).await;
    assert_okta_error(
        s,
        &b,
        400,
        "E0000001",
        "activate: must be `true` or `false`",
    );
    let (s, b) = create(
        &base,
        "?activate=false&nextLogin=changePassword",
        person("x@e.com"),
    )
    .await;
    assert_okta_error(s, &b, 400, "E0000001", "needs activate=true");
    let (s, b) = create(&base, "?activate=true&activate=false", person("x@e.com")).await;
    assert_okta_error(s, &b, 400, "E0000001", "given more than once");

    // An unknown group, or one whose members an application owns: no user is left behind.
    let mut body = person("x@example.com");
    body["groupIds"] = json!(["00gstaff", "00gnone"]);
    let (s, b) = create(&base, "", body).await;
    assert_okta_error(s, &b, 400, "E0000001", "no group `00gnone`");
    let mut body = person("x@example.com");
    body["groupIds"] = json!(["00gapp"]);
    let (s, b) = create(&base, "", body).await;
    assert_okta_error(s, &b, 400, "E0000001", "only OKTA_GROUP memberships");

    let raw = |body: &'static str, content_type: &'static str| {
        let base = base.clone();
        async move {
            let response = http()
                .post(format!("{base}/api/v1/users"))
                .header("Authorization", format!("SSWS {ADMIN_TOKEN}"))
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            json(response).await
        }
    };
    let (s, b) = raw(r#"{"profile": {"login": "#, "application/json").await;
    assert_okta_error(s, &b, 400, "E0000003", "EOF while parsing");
    let (s, b) = raw(r#"{"profile": ["login"]}"#, "application/json").await;
    assert_okta_error(s, &b, 400, "E0000003", "invalid type: sequence");
    let (s, b) = raw(r#"{"profile": {}}"#, "text/plain").await;
    assert_okta_error(s, &b, 415, "E0000003", "must be `application/json`");
    let big: &'static str = Box::leak(
        format!(r#"{{"profile": {{"login": "{}"}}}}"#, "x".repeat(5000)).into_boxed_str(),
    );
    let (s, b) = raw(big, "application/json").await;
    assert_okta_error(s, &b, 413, "E0000003", "limit of 4096 bytes");

    assert_eq!(store.lock().users().count(), users_before);
    assert!(
        store
            .lock()
            .find_by_login("x@example.com")
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_login_is_taken_ignoring_case() {
    let base = serve(memory(), |_| {}).await;
    let (s, _) = create(&base, "", person("Bob@Example.com")).await;
    assert_eq!(s, 200);
    let (s, b) = create(&base, "", person("bob@EXAMPLE.com")).await;
    assert_okta_error(
        s,
        &b,
        400,
        "E0000001",
        "login: An object with this field already exists in the current organization",
    );
    assert_eq!(b["errorSummary"], "Api validation failed: login");
}

#[tokio::test]
async fn lookups_by_id_login_me_and_filter_with_pages() {
    let base = serve(memory(), |_| {}).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let (_, user) = create(&base, "", with_password(&format!("p{i}@example.com"))).await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let (s, by_id) = json(
        call(
            Method::GET,
            &format!("{base}/api/v1/users/{}", ids[0]),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, by_id["profile"]["login"].as_str()),
        (200, Some("p0@example.com"))
    );
    let (s, by_login) = json(
        call(
            Method::GET,
            &format!("{base}/api/v1/users/P0@example.com"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((s, &by_login["id"]), (200, &by_id["id"]));
    let (s, me) = json(call(Method::GET, &format!("{base}/api/v1/users/me"), None).await).await;
    assert_eq!((s, me["id"].as_str()), (200, Some(ADMIN_ID)));
    let (s, b) = json(call(Method::GET, &format!("{base}/api/v1/users/00unone"), None).await).await;
    assert_okta_error(
        s,
        &b,
        404,
        "E0000007",
        "Not found: Resource not found: 00unone (user)",
    );

    let url = format!("{base}/api/v1/users?filter=profile.login%20eq%20%22P3%40EXAMPLE.com%22");
    let (s, found) = json(call(Method::GET, &url, None).await).await;
    assert_eq!(s, 200);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"].as_str(), Some(ids[3].as_str()));
    let url = format!(
        "{base}/api/v1/users?filter=status%20eq%20%22ACTIVE%22%20and%20profile.email%20eq%20%22p4%40example.com%22"
    );
    let (_, found) = json(call(Method::GET, &url, None).await).await;
    assert_eq!(found.as_array().unwrap().len(), 1);

    // Pages of 2 through the 7 users (5 + admin + reader), by the Link rel="next".
    let mut url = format!("{base}/api/v1/users?limit=2");
    let mut seen = Vec::new();
    loop {
        let response = call(Method::GET, &url, None).await;
        let links: Vec<String> = response
            .headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            links.iter().any(|l| l.ends_with("rel=\"self\"")),
            "{links:?}"
        );
        let (_, page) = json(response).await;
        assert!(page.as_array().unwrap().len() <= 2);
        seen.extend(
            page.as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
        match links.iter().find(|l| l.ends_with("rel=\"next\"")) {
            Some(next) => {
                url = next
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned();
                assert!(url.starts_with(&base) && url.contains("after="), "{url}");
            }
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((seen.len(), sorted), (7, seen.clone()));

    // A plain list leaves DEPROVISIONED users out; a filter finds them.
    let deactivate = format!("{base}/api/v1/users/{}/lifecycle/deactivate", ids[1]);
    assert_eq!(call(Method::POST, &deactivate, None).await.status(), 200);
    let (_, all) = json(call(Method::GET, &format!("{base}/api/v1/users"), None).await).await;
    assert_eq!(all.as_array().unwrap().len(), 6);
    let url = format!("{base}/api/v1/users?filter=id%20eq%20%22{}%22", ids[1]);
    let (_, found) = json(call(Method::GET, &url, None).await).await;
    assert_eq!(found[0]["status"], "DEPROVISIONED");
}

#[tokio::test]
async fn filters_and_parameters_it_does_not_support_are_refused() {
    let base = serve(memory(), |_| {}).await;
    for (query, text) in [
        ("filter=profile.login%20sw%20%22a%22", "expected `eq`"),
        (
            "filter=profile.firstName%20eq%20%22a%22",
            "expected one of the attributes",
        ),
        (
            "filter=id%20eq%20%22a%22%20or%20id%20eq%20%22b%22",
            "expected `and`",
        ),
        (
            "filter=status%20eq%20%22GONE%22",
            "status `GONE` is not one of",
        ),
        (
            "search=profile.login%20eq%20%22a%22",
            "`search` is not supported",
        ),
        ("q=a", "`q` is not supported"),
    ] {
        let (s, b) =
            json(call(Method::GET, &format!("{base}/api/v1/users?{query}"), None).await).await;
        assert_okta_error(s, &b, 400, "E0000031", text);
        let summary = b["errorSummary"].as_str().unwrap();
        assert!(
            summary.starts_with("Invalid search criteria: ") && summary.contains(text),
            "{b}"
        );
    }
    for limit in ["0", "-1", "x"] {
        let url = format!("{base}/api/v1/users?limit={limit}");
        let (s, b) = json(call(Method::GET, &url, None).await).await;
        assert_okta_error(s, &b, 400, "E0000001", "limit: must be a whole number");
    }
}

#[tokio::test]
async fn post_updates_part_and_put_replaces() {
    let base = serve(memory(), |_| {}).await;
    let mut body = with_password("u@example.com");
    body["profile"]["department"] = json!("Sales");
    body["profile"]["title"] = json!("Rep");
    let (_, user) = create(&base, "", body).await;
    let url = format!("{base}/api/v1/users/{}", user["id"].as_str().unwrap());

    let (s, updated) = json(
        call(
            Method::POST,
            &url,
            Some(json!({"profile": {"title": "Lead", "department": null}})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(updated["profile"]["title"], "Lead");
    assert!(updated["profile"].get("department").is_none());
    assert_eq!(updated["profile"]["firstName"], "First");

    // PUT: what is not given becomes null (a required attribute left out is refused).
    let (s, b) = json(
        call(
            Method::PUT,
            &url,
            Some(json!({"profile": {"login": "u@example.com"}})),
        )
        .await,
    )
    .await;
    assert_okta_error(
        s,
        &b,
        400,
        "E0000001",
        "email: The field cannot be left blank",
    );
    let mut full = person("u@example.com");
    full["profile"]["firstName"] = json!("Una");
    let (s, replaced) = json(call(Method::PUT, &url, Some(full)).await).await;
    assert_eq!(s, 200, "{replaced}");
    assert_eq!(replaced["profile"]["firstName"], "Una");
    assert!(replaced["profile"].get("title").is_none(), "{replaced}");

    for (body, text) in [
        (
            json!({"profile": {"login": "other@example.com"}}),
            "does not change logins",
        ),
        (
            json!({"profile": {"lastName": null}}),
            "lastName: The field cannot be left blank",
        ),
        (
            json!({"profile": {"lastName": "  "}}),
            "lastName: The field cannot be left blank",
        ),
        (
            json!({"profile": {"bad-name": "x"}}),
            "not an attribute name",
        ),
    ] {
        let (s, b) = json(call(Method::POST, &url, Some(body)).await).await;
        assert_okta_error(s, &b, 400, "E0000001", text);
    }
    // The same login (and a read-back user with read-only members) is accepted.
    let (_, current) = json(call(Method::GET, &url, None).await).await;
    let (s, _) = json(call(Method::POST, &url, Some(current)).await).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn lifecycle_follows_okta() {
    let base = serve(memory(), |_| {}).await;
    let (_, user) = create(&base, "?activate=false", person("l@example.com")).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let op = |name: &str| format!("{base}/api/v1/users/{id}/lifecycle/{name}");
    let status = || async {
        let (_, u) =
            json(call(Method::GET, &format!("{base}/api/v1/users/{id}"), None).await).await;
        u["status"].as_str().unwrap().to_owned()
    };

    let (s, b) = json(call(Method::POST, &op("suspend"), None).await).await;
    assert_okta_error(s, &b, 400, "E0000001", "only ACTIVE users are suspended");
    let (s, b) = json(call(Method::POST, &op("reactivate"), None).await).await;
    assert_okta_error(s, &b, 403, "E0000038", "only PROVISIONED users");
    let (s, b) = json(call(Method::POST, &op("activate?sendEmail=false"), None).await).await;
    assert_eq!((s, b), (200, json!({})));
    assert_eq!(status().await, "ACTIVE");
    let (s, b) = json(call(Method::POST, &op("activate"), None).await).await;
    assert_okta_error(s, &b, 403, "E0000016", "already active");
    assert_eq!(call(Method::POST, &op("suspend"), None).await.status(), 200);
    assert_eq!(status().await, "SUSPENDED");
    let (s, b) = json(call(Method::POST, &op("activate"), None).await).await;
    assert_okta_error(s, &b, 403, "E0000038", "user's current status");
    assert_eq!(
        call(Method::POST, &op("unsuspend"), None).await.status(),
        200
    );
    assert_eq!(status().await, "ACTIVE");

    let (s, b) = json(call(Method::DELETE, &format!("{base}/api/v1/users/{id}"), None).await).await;
    assert_okta_error(s, &b, 403, "E0000038", "deactivate it first");
    assert_eq!(
        call(Method::POST, &op("deactivate"), None).await.status(),
        200
    );
    let (s, b) = json(call(Method::POST, &op("deactivate"), None).await).await;
    assert_okta_error(s, &b, 403, "E0000038", "already DEPROVISIONED");
    let (s, b) = json(
        call(
            Method::POST,
            &format!("{base}/api/v1/users/{id}"),
            Some(json!({"profile": {"title": "x"}})),
        )
        .await,
    )
    .await;
    assert_okta_error(
        s,
        &b,
        403,
        "E0000038",
        "activate it before changing its profile",
    );
    let (s, b) = json(call(Method::POST, &op("frobnicate"), None).await).await;
    assert_okta_error(s, &b, 404, "E0000007", "lifecycle operation");
    assert_eq!(
        call(Method::DELETE, &format!("{base}/api/v1/users/{id}"), None)
            .await
            .status(),
        204
    );
    let (s, b) = json(call(Method::GET, &format!("{base}/api/v1/users/{id}"), None).await).await;
    assert_okta_error(s, &b, 404, "E0000007", "Not found");

    // A PROVISIONED user's activation is restarted; it stays PROVISIONED.
    let (_, user) = create(&base, "", person("p@example.com")).await;
    let url = format!(
        "{base}/api/v1/users/{}/lifecycle/reactivate",
        user["id"].as_str().unwrap()
    );
    assert_eq!(call(Method::POST, &url, None).await.status(), 200);
    let (_, again) = json(
        call(
            Method::GET,
            &format!("{base}/api/v1/users/p@example.com"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(again["status"], "PROVISIONED");
}

#[tokio::test]
async fn groups_list_members_add_and_remove() {
    let base = serve(memory(), |_| {}).await;
    let mut body = with_password("g@example.com");
    body["groupIds"] = json!(["00gstaff"]);
    let (_, user) = create(&base, "", body).await;
    let id = user["id"].as_str().unwrap().to_owned();

    let (s, groups) = json(call(Method::GET, &format!("{base}/api/v1/groups"), None).await).await;
    assert_eq!(s, 200);
    assert_eq!(groups.as_array().unwrap().len(), 4);
    assert_eq!(groups[0]["profile"]["name"], "Domain Users");
    let (_, found) =
        json(call(Method::GET, &format!("{base}/api/v1/groups?q=sup"), None).await).await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let url = format!("{base}/api/v1/groups?filter=type%20eq%20%22OKTA_GROUP%22&limit=1");
    let response = call(Method::GET, &url, None).await;
    let next = response
        .headers()
        .get_all("link")
        .iter()
        .any(|l| l.to_str().unwrap().ends_with("rel=\"next\""));
    let (_, page) = json(response).await;
    assert_eq!((page.as_array().unwrap().len(), next), (1, true));
    assert_eq!(page[0]["id"], "00gstaff");

    let members = || async {
        let (_, m) = json(
            call(
                Method::GET,
                &format!("{base}/api/v1/groups/00gsupport/users"),
                None,
            )
            .await,
        )
        .await;
        m.as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let membership = format!("{base}/api/v1/groups/00gsupport/users/{id}");
    assert_eq!(call(Method::PUT, &membership, None).await.status(), 204);
    assert_eq!(
        call(Method::PUT, &membership, None).await.status(),
        204,
        "idempotent"
    );
    assert_eq!(members().await, vec![id.clone()]);
    let (_, of_user) = json(
        call(
            Method::GET,
            &format!("{base}/api/v1/users/{id}/groups"),
            None,
        )
        .await,
    )
    .await;
    let names: Vec<&str> = of_user
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["profile"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Staff", "Support"]);
    assert_eq!(call(Method::DELETE, &membership, None).await.status(), 204);
    assert_eq!(
        call(Method::DELETE, &membership, None).await.status(),
        204,
        "idempotent"
    );
    assert!(members().await.is_empty());

    for group in ["00gapp", "00geveryone"] {
        let url = format!("{base}/api/v1/groups/{group}/users/{id}");
        let (s, b) = json(call(Method::PUT, &url, None).await).await;
        assert_okta_error(
            s,
            &b,
            400,
            "E0000001",
            "only OKTA_GROUP memberships can be changed",
        );
    }
    let (s, b) = json(
        call(
            Method::PUT,
            &format!("{base}/api/v1/groups/00gnone/users/{id}"),
            None,
        )
        .await,
    )
    .await;
    assert_okta_error(s, &b, 404, "E0000007", "00gnone (group)");
    let (s, b) = json(
        call(
            Method::PUT,
            &format!("{base}/api/v1/groups/00gstaff/users/00unone"),
            None,
        )
        .await,
    )
    .await;
    assert_okta_error(s, &b, 404, "E0000007", "00unone (user)");
}

#[tokio::test]
async fn tokens_are_checked_and_carry_their_user_rights() {
    let store = memory();
    let base = serve(store.clone(), |_| {}).await;
    let url = format!("{base}/api/v1/users/me");
    for header in [
        None,
        Some("SSWS wrong"),
        Some("Bearer 00admin-token-0123456789"),
        Some("SSWS"),
    ] {
        let mut request = http().get(&url);
        if let Some(header) = header {
            request = request.header("Authorization", header);
        }
        let response = request.send().await.unwrap();
        assert!(response.headers().get("www-authenticate").is_none());
        assert!(response.headers().get("x-rate-limit-limit").is_none());
        let (s, b) = json(response).await;
        assert_okta_error(s, &b, 401, "E0000011", "Invalid token provided");
    }
    // A token of a user who is not an administrator reads but does not write.
    let (s, me) = json(call_as(READER_TOKEN, Method::GET, &url, None).await).await;
    assert_eq!((s, me["id"].as_str()), (200, Some("00ureader")));
    let (s, b) = json(
        call_as(
            READER_TOKEN,
            Method::POST,
            &format!("{base}/api/v1/users"),
            Some(person("r@example.com")),
        )
        .await,
    )
    .await;
    assert_okta_error(s, &b, 403, "E0000006", "not an administrator");
    // The token of a deactivated administrator is refused.
    store
        .lock()
        .set_status(
            ADMIN_ID,
            saml_policy::UserStatus::Active,
            saml_policy::UserStatus::Deprovisioned,
        )
        .unwrap();
    let (s, b) = json(call(Method::GET, &url, None).await).await;
    assert_okta_error(s, &b, 401, "E0000011", "Invalid token provided");
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let base = serve(memory(), |c| {
        c.rate_limit = Some(RateLimit::new(3, Duration::from_secs(30)))
    })
    .await;
    let url = format!("{base}/api/v1/users/me");
    for remaining in ["2", "1", "0"] {
        let response = call(Method::GET, &url, None).await;
        assert_eq!(response.status(), 200);
        let h = response.headers();
        assert_eq!(h["x-rate-limit-limit"], "3");
        assert_eq!(h["x-rate-limit-remaining"], remaining);
        let reset: u64 = h["x-rate-limit-reset"].to_str().unwrap().parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(reset > now && reset <= now + 31, "{reset} vs {now}");
    }
    let response = call(Method::GET, &url, None).await;
    assert_eq!(response.headers()["x-rate-limit-remaining"], "0");
    assert!(response.headers().contains_key("x-rate-limit-reset"));
    let (s, b) = json(response).await;
    assert_okta_error(s, &b, 429, "E0000047", "exceeded rate limit");
    // Another token has its own window.
    let (s, _) = json(call_as(READER_TOKEN, Method::GET, &url, None).await).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let base = serve(memory(), |_| {}).await;
    let (s, b) = json(call(Method::GET, &format!("{base}/api/v1/apps"), None).await).await;
    assert_okta_error(s, &b, 404, "E0000007", "/api/v1/apps");
    let (s, b) = json(call(Method::PATCH, &format!("{base}/api/v1/users/me"), None).await).await;
    assert_okta_error(
        s,
        &b,
        405,
        "E0000022",
        "does not support the provided HTTP method",
    );
}

#[tokio::test]
async fn internal_errors_are_reported_to_the_hook_not_the_client() {
    use std::sync::{Arc, Mutex};
    let path = temp_db("internal");
    let store = sqlite(&path);
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let hook_seen = seen.clone();
    let base = serve(store, move |c| {
        c.on_internal_error = Some(Arc::new(move |id: &str, e: &dyn std::error::Error| {
            hook_seen
                .lock()
                .unwrap()
                .push((id.to_owned(), e.to_string()));
        }))
    })
    .await;
    // Break the file under the server: every query of groups now fails.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("ALTER TABLE dir_groups RENAME TO gone")
        .unwrap();
    let (s, b) = json(call(Method::GET, &format!("{base}/api/v1/groups"), None).await).await;
    assert_okta_error(s, &b, 500, "E0000009", "Internal Server Error");
    assert!(
        !b.to_string().contains("dir_groups"),
        "no detail goes out: {b}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, b["errorId"].as_str().unwrap());
    assert!(seen[0].1.contains("dir_groups"), "{}", seen[0].1);
}
