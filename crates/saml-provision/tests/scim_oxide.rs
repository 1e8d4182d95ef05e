//! Cases in the style of Oxide's SCIM conformance tester (`scim2-rs` test-client): 404s for
//! every verb, 201/409 with `scimType: uniqueness`, filters, PUT, PATCH `active`, group
//! membership added and removed, pagination, deletion.

mod scim_support;

use axum::http::{Method, StatusCode};
use saml_policy::UserStatus;
use serde_json::json;

use scim_support::*;

per_directory! {

#[tokio::test]
async fn unknown_ids_are_404_for_every_verb() {
    let server = seeded();
    let app = &server.app;
    let user = okta_user("x@example.com", "X", "Y");
    let group =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"});
    let ops = json!([{"op": "replace", "path": "active", "value": false}]);
    get(app, "/scim/v2/Users/nope")
        .await
        .assert_error(404, None);
    put(app, "/scim/v2/Users/nope", user)
        .await
        .assert_error(404, None);
    patch(app, "/scim/v2/Users/nope", ops.clone())
        .await
        .assert_error(404, None);
    delete(app, "/scim/v2/Users/nope")
        .await
        .assert_error(404, None);
    get(app, "/scim/v2/Groups/nope")
        .await
        .assert_error(404, None);
    put(app, "/scim/v2/Groups/nope", group)
        .await
        .assert_error(404, None);
    patch(app, "/scim/v2/Groups/nope", ops)
        .await
        .assert_error(404, None);
    delete(app, "/scim/v2/Groups/nope")
        .await
        .assert_error(404, None);
    get(app, "/scim/v2/Unknown").await.assert_error(404, None);
    send(app, Method::DELETE, "/scim/v2/Users", None, &[])
        .await
        .assert_error(405, None);
}

#[tokio::test]
async fn create_then_duplicate_in_any_case_is_409_uniqueness() {
    let server = server();
    let app = &server.app;
    let created = post(
        app,
        "/scim/v2/Users",
        okta_user("Grace@Example.com", "Grace", "Hopper"),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    for name in [
        "Grace@Example.com",
        "grace@example.com",
        "GRACE@EXAMPLE.COM",
    ] {
        post(app, "/scim/v2/Users", okta_user(name, "G", "H"))
            .await
            .assert_error(409, Some("uniqueness"));
    }
    assert_eq!(get(app, "/scim/v2/Users").await.body["totalResults"], 1);
}

#[tokio::test]
async fn filters_on_username_email_external_id_id_and_active() {
    let server = server();
    let app = &server.app;
    let mut body = okta_user("linus@example.com", "Linus", "Pauling");
    body["externalId"] = json!("ext-42");
    body["emails"] = json!([
        {"value": "linus@example.com", "type": "work", "primary": true},
        {"value": "lp@home.example", "type": "home"}
    ]);
    let id = post(app, "/scim/v2/Users", body).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = create_user(app, "marie@example.com").await;
    patch(
        app,
        &format!("/scim/v2/Users/{other}"),
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    for (filter, expected) in [
        (r#"userName eq "LINUS@example.com""#, vec![id.as_str()]),
        (r#"emails.value eq "LP@home.example""#, vec![id.as_str()]),
        (r#"externalId eq "ext-42""#, vec![id.as_str()]),
        (r#"externalId eq "EXT-42""#, vec![]),
        (&format!(r#"id eq "{id}""#), vec![id.as_str()]),
        (r#"active eq false"#, vec![other.as_str()]),
        (
            r#"active eq true and userName eq "marie@example.com""#,
            vec![],
        ),
        (
            r#"userName eq "linus@example.com" and externalId eq "ext-42""#,
            vec![id.as_str()],
        ),
    ] {
        let uri = format!(
            "/scim/v2/Users?filter={}",
            filter.replace(' ', "%20").replace('"', "%22")
        );
        let reply = get(app, &uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{filter}: {:#}", reply.body);
        let ids: Vec<&str> = reply.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "{filter}");
        assert_eq!(reply.body["totalResults"], expected.len(), "{filter}");
    }
    for filter in [
        r#"userName co "a""#,
        r#"userName eq "a" or userName eq "b""#,
        "title eq \"x\"",
    ] {
        let uri = format!(
            "/scim/v2/Users?filter={}",
            filter.replace(' ', "%20").replace('"', "%22")
        );
        get(app, &uri)
            .await
            .assert_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn pages_are_stable_and_cover_every_user_once() {
    let server = server();
    let app = &server.app;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(create_user(app, &format!("user{i}@example.com")).await);
    }
    created.sort();
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let reply = get(app, &format!("/scim/v2/Users?startIndex={start}&count=3")).await;
        assert_eq!(reply.body["totalResults"], 7);
        assert_eq!(reply.body["startIndex"], start);
        let page = reply.body["Resources"].as_array().unwrap().clone();
        assert_eq!(reply.body["itemsPerPage"], page.len());
        if page.is_empty() {
            break;
        }
        seen.extend(page.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        start += 3;
    }
    assert_eq!(seen, created);
    // count=0 answers the total only; startIndex below 1 is 1; a huge count is capped.
    let reply = get(app, "/scim/v2/Users?count=0").await;
    assert_eq!(
        (
            reply.body["totalResults"].clone(),
            reply.body["itemsPerPage"].clone()
        ),
        (json!(7), json!(0))
    );
    let reply = get(app, "/scim/v2/Users?startIndex=-4&count=1000000000000").await;
    assert_eq!(reply.body["startIndex"], 1);
    assert_eq!(reply.body["itemsPerPage"], 7);
    let reply = get(app, "/scim/v2/Users?startIndex=99999999999999").await;
    assert_eq!(reply.body["itemsPerPage"], 0);
    get(app, "/scim/v2/Users?count=ten")
        .await
        .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn put_replaces_the_whole_user() {
    let server = server();
    let app = &server.app;
    let mut body = okta_user("rosalind@example.com", "Rosalind", "Franklin");
    body["externalId"] = json!("e1");
    let id = post(app, "/scim/v2/Users", body).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uri = format!("/scim/v2/Users/{id}");
    let replaced = put(
        app,
        &uri,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "rosalind@example.com",
            "name": {"givenName": "Rosalind E."},
            "active": true,
        }),
    )
    .await;
    assert_eq!(replaced.status, StatusCode::OK, "{:#}", replaced.body);
    let user = get(app, &uri).await.body;
    assert_eq!(user["name"], json!({"givenName": "Rosalind E."}));
    assert!(user.get("externalId").is_none(), "{user:#}");
    assert!(user.get("emails").is_none(), "{user:#}");
    assert!(user.get("displayName").is_none(), "{user:#}");
    // userName is the directory's login: it cannot change.
    let mut renamed = user.clone();
    renamed["userName"] = json!("rf@example.com");
    put(app, &uri, renamed)
        .await
        .assert_error(400, Some("mutability"));
    let mut other_id = user;
    other_id["id"] = json!("00uother");
    put(app, &uri, other_id)
        .await
        .assert_error(400, Some("mutability"));
}

#[tokio::test]
async fn patch_active_with_and_without_path() {
    let server = server();
    let app = &server.app;
    let id = create_user(app, "alan@example.com").await;
    let uri = format!("/scim/v2/Users/{id}");
    for (ops, active, status) in [
        (
            json!([{"op": "replace", "path": "active", "value": false}]),
            false,
            UserStatus::Deprovisioned,
        ),
        (
            json!([{"op": "replace", "path": "active", "value": true}]),
            true,
            UserStatus::Active,
        ),
        (
            json!([{"op": "Replace", "value": {"active": false}}]),
            false,
            UserStatus::Deprovisioned,
        ),
        (
            json!([{"op": "replace", "value": {"active": false}}]),
            false,
            UserStatus::Deprovisioned,
        ),
        (
            json!([{"op": "add", "path": "active", "value": true}]),
            true,
            UserStatus::Active,
        ),
    ] {
        let reply = patch(app, &uri, ops.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{ops}: {:#}", reply.body);
        assert_eq!(reply.body["active"], active, "{ops}");
        assert_eq!(status_of(&server, &id), status, "{ops}");
    }
}

#[tokio::test]
async fn patch_user_attributes() {
    let server = server();
    let app = &server.app;
    let id = create_user(app, "emmy@example.com").await;
    let uri = format!("/scim/v2/Users/{id}");
    let reply = patch(
        app,
        &uri,
        json!([
            {"op": "replace", "path": "name.givenName", "value": "Emmy"},
            {"op": "replace", "path": "name.familyName", "value": "Noether"},
            {"op": "replace", "path": "displayName", "value": "Emmy Noether"},
            {"op": "add", "path": "externalId", "value": "en-1"},
            {"op": "add", "path": "emails", "value": [{"value": "en@home.example", "type": "home"}]},
        ]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    let user = get(app, &uri).await.body;
    assert_eq!(
        user["name"],
        json!({"givenName": "Emmy", "familyName": "Noether"})
    );
    assert_eq!(user["displayName"], "Emmy Noether");
    assert_eq!(user["externalId"], "en-1");
    assert_eq!(user["emails"][0]["value"], "emmy@example.com");
    assert_eq!(user["emails"][0]["primary"], true);
    assert_eq!(
        user["emails"][1],
        json!({"value": "en@home.example", "type": "home", "primary": false})
    );
    let reply = patch(
        app,
        &uri,
        json!([
            {"op": "remove", "path": "externalId"},
            {"op": "replace", "path": "emails", "value": [{"value": "noether@example.com", "primary": true}]},
        ]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.get("externalId").is_none());
    assert_eq!(
        reply.body["emails"],
        json!([{"value": "noether@example.com", "primary": true}])
    );
}

#[tokio::test]
async fn delete_user_is_204_then_404_and_leaves_its_groups() {
    let server = server();
    let app = &server.app;
    let id = create_user(app, "kurt@example.com").await;
    let stays = create_user(app, "stays@example.com").await;
    let group = create_group(app, "Logicians", &[&id, &stays]).await;
    let reply = delete(app, &format!("/scim/v2/Users/{id}")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    get(app, &format!("/scim/v2/Users/{id}"))
        .await
        .assert_error(404, None);
    assert_eq!(members_of(app, &group).await, vec![stays]);
}

#[tokio::test]
async fn groups_create_get_list_and_filter() {
    let server = seeded();
    let app = &server.app;
    let alice = create_user(app, "alice@example.com").await;
    let reply = post(
        app,
        "/scim/v2/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering",
            "members": [{"value": alice, "display": "ignored"}],
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:#}", reply.body);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(reply.headers["location"], format!("{BASE}/Groups/{id}"));
    assert_eq!(reply.body["members"][0]["value"], json!(alice));
    assert_eq!(reply.body["members"][0]["display"], "Given Family");
    let got = get(app, &format!("/scim/v2/Groups/{id}")).await;
    assert_eq!(got.body["displayName"], "Engineering");

    let filtered = get(
        app,
        "/scim/v2/Groups?filter=displayName%20eq%20%22engineering%22",
    )
    .await;
    assert_eq!(filtered.body["totalResults"], 1);
    assert_eq!(filtered.body["Resources"][0]["id"], json!(id));
    let all = get(app, "/scim/v2/Groups?excludedAttributes=members&count=2").await;
    assert_eq!(all.body["totalResults"], 3);
    assert_eq!(all.body["itemsPerPage"], 2);
    assert!(all.body["Resources"][0].get("members").is_none());
    // A second group of the same name (ignoring case) is refused.
    post(
        app,
        "/scim/v2/Groups",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ENGINEERING"}),
    )
    .await
    .assert_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn group_membership_add_remove_replace_and_rename() {
    let server = server();
    let app = &server.app;
    let a = create_user(app, "a@example.com").await;
    let b = create_user(app, "b@example.com").await;
    let c = create_user(app, "c@example.com").await;
    let group = create_group(app, "Team", &[&a]).await;
    let uri = format!("/scim/v2/Groups/{group}");

    let reply = patch(
        app,
        &uri,
        json!([{"op": "add", "path": "members", "value": [{"value": b}, {"value": c}]}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(
        members_of(app, &group).await,
        sorted(vec![a.clone(), b.clone(), c.clone()])
    );

    let path = format!("members[value eq \"{b}\"]");
    patch(app, &uri, json!([{"op": "remove", "path": path}])).await;
    assert_eq!(members_of(app, &group).await, sorted(vec![a.clone(), c.clone()]));

    patch(
        app,
        &uri,
        json!([{"op": "remove", "path": "members", "value": [{"value": a}]}]),
    )
    .await;
    assert_eq!(members_of(app, &group).await, vec![c.clone()]);

    patch(
        app,
        &uri,
        json!([{"op": "replace", "path": "members", "value": [{"value": a}, {"value": b}]}]),
    )
    .await;
    assert_eq!(members_of(app, &group).await, sorted(vec![a.clone(), b.clone()]));

    // Okta's rename: replace without a path, with the group's own id in the value.
    let reply = patch(
        app,
        &uri,
        json!([{"op": "replace", "value": {"id": group, "displayName": "Team 2"}}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(get(app, &uri).await.body["displayName"], "Team 2");
    assert_eq!(members_of(app, &group).await, sorted(vec![a.clone(), b.clone()]));

    // The user's side agrees: the directory sees the membership.
    {
        use saml_policy::Directory;
        let directory = server.state.directory().lock().unwrap();
        assert_eq!(directory.groups_of(&a).unwrap()[0].name, "Team 2");
        assert!(directory.groups_of(&c).unwrap().is_empty());
    }

    let reply = put(
        app,
        &uri,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": group, "displayName": "Team 3", "members": [{"value": c}]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(members_of(app, &group).await, vec![c.clone()]);

    let reply = delete(app, &uri).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    get(app, &uri).await.assert_error(404, None);
}

#[tokio::test]
async fn okta_owned_groups_are_read_only() {
    let server = seeded();
    let app = &server.app;
    let user = create_user(app, "a@example.com").await;
    for group in ["00geveryone", "00gdomain"] {
        let uri = format!("/scim/v2/Groups/{group}");
        assert_eq!(get(app, &uri).await.status, StatusCode::OK);
        patch(
            app,
            &uri,
            json!([{"op": "add", "path": "members", "value": [{"value": user}]}]),
        )
        .await
        .assert_error(400, Some("mutability"));
        put(app, &uri, json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Mine"}))
            .await
            .assert_error(400, Some("mutability"));
        delete(app, &uri)
            .await
            .assert_error(400, Some("mutability"));
        assert!(members_of(app, group).await.is_empty());
    }
}

#[tokio::test]
async fn service_provider_config_says_what_is_supported() {
    let server = server();
    let reply = get(&server.app, "/scim/v2/ServiceProviderConfig").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["patch"]["supported"], true);
    assert_eq!(reply.body["bulk"]["supported"], false);
    assert_eq!(reply.body["etag"]["supported"], true);
    assert_eq!(reply.body["filter"]["maxResults"], 200);
}

/// The order of Oxide's tester, with its bodies: no `schemas`, lower-case attribute names in
/// filters, a PUT that takes another user's userName, the users' read-only `groups`.
#[tokio::test]
async fn oxide_tester_sequence_without_schemas() {
    let server = server();
    let app = &server.app;
    let dwight_body = json!({"userName": "dschrute", "externalId": "dschrute@dundermifflin.com"});
    let dwight = post(app, "/scim/v2/Users", dwight_body.clone()).await;
    assert_eq!(dwight.status, StatusCode::CREATED, "{:#}", dwight.body);
    assert_eq!(dwight.body["externalId"], "dschrute@dundermifflin.com");
    let dwight = dwight.body["id"].as_str().unwrap().to_owned();
    post(app, "/scim/v2/Users", dwight_body)
        .await
        .assert_error(409, Some("uniqueness"));
    let jim = post(
        app,
        "/scim/v2/Users",
        json!({"userName": "jhalpert", "externalId": "jhalpert@dundermifflin.com"}),
    )
    .await
    .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let jim_uri = format!("/scim/v2/Users/{jim}");

    let list = get(app, "/scim/v2/Users").await;
    assert_eq!(list.body["totalResults"], 2);
    let found = get(app, "/scim/v2/Users?filter=username%20eq%20%22jhalpert%22").await;
    assert_eq!(found.body["Resources"][0]["id"], json!(jim));

    let replaced = put(
        app,
        &jim_uri,
        json!({"userName": "jhalpert", "externalId": "rpark@dundermifflin.com"}),
    )
    .await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(
        get(app, &jim_uri).await.body["externalId"],
        "rpark@dundermifflin.com"
    );
    put(app, &jim_uri, json!({"userName": "dschrute"}))
        .await
        .assert_error(409, Some("uniqueness"));
    let cleared = put(app, &jim_uri, json!({"userName": "jhalpert"})).await;
    assert!(cleared.body.get("externalId").is_none());

    for active in [false, true] {
        let reply = patch(
            app,
            &jim_uri,
            json!([{"op": "replace", "value": {"active": active}}]),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["active"], active);
    }

    let group_body =
        json!({"displayName": "Sales Reps", "externalId": "sales_reps", "members": []});
    let group = post(app, "/scim/v2/Groups", group_body.clone()).await;
    assert_eq!(group.status, StatusCode::CREATED);
    let group = group.body["id"].as_str().unwrap().to_owned();
    let group_uri = format!("/scim/v2/Groups/{group}");
    assert_eq!(
        post(app, "/scim/v2/Groups", group_body).await.status,
        StatusCode::CONFLICT
    );

    let renamed = patch(
        app,
        &group_uri,
        json!([{"op": "replace", "value": {"id": group, "displayName": "Radiants"}}]),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["displayName"], "Radiants");
    patch(
        app,
        &group_uri,
        json!([{"op": "replace", "value": {"id": group, "displayName": "Sales Reps"}}]),
    )
    .await;
    let added = patch(
        app,
        &group_uri,
        json!([{"op": "add", "path": "members", "value": [{"value": jim, "display": "jhalpert"}, {"value": dwight, "display": "dschrute"}]}]),
    )
    .await;
    assert_eq!(added.body["members"].as_array().unwrap().len(), 2);
    let removed = patch(
        app,
        &group_uri,
        json!([{"op": "remove", "path": format!("members[value eq \"{jim}\"]")}]),
    )
    .await;
    assert_eq!(
        removed.body["members"],
        json!([{"value": dwight, "display": "dschrute", "type": "User", "$ref": format!("{BASE}/Users/{dwight}")}])
    );
    let emptied = patch(
        app,
        &group_uri,
        json!([{"op": "remove", "path": "members"}]),
    )
    .await;
    assert_eq!(emptied.body["members"], json!([]));

    let schema = "urn:ietf:params:scim:schemas:core:2.0:Group";
    put(app, &group_uri, json!({"schemas": [schema], "displayName": "Sales Reps", "members": [{"value": "5ee3c5b0-no-such-user"}]}))
        .await
        .assert_error(404, None);
    let reply = put(app, &group_uri, json!({"schemas": [schema], "displayName": "Sales Reps", "members": [{"value": jim}, {"value": dwight, "type": "User"}]})).await;
    assert_eq!(reply.status, StatusCode::OK);
    let aarm = create_group(
        app,
        "Assistant to the Assistant to the Regional Manager",
        &[&dwight],
    )
    .await;
    let groups_of = |body: &serde_json::Value| -> Vec<String> {
        let mut ids: Vec<String> = body["groups"]
            .as_array()
            .map(|g| {
                g.iter()
                    .map(|g| g["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    };
    let mut both = vec![group.clone(), aarm.clone()];
    both.sort();
    assert_eq!(
        groups_of(&get(app, &format!("/scim/v2/Users/{dwight}")).await.body),
        both
    );
    assert_eq!(
        groups_of(&get(app, &jim_uri).await.body),
        vec![group.clone()]
    );
    assert_eq!(
        delete(app, &format!("/scim/v2/Groups/{aarm}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        groups_of(&get(app, &format!("/scim/v2/Users/{dwight}")).await.body),
        vec![group]
    );
    // `groups` is read-only on the user.
    patch(
        app,
        &jim_uri,
        json!([{"op": "add", "path": "groups", "value": [{"value": aarm}]}]),
    )
    .await
    .assert_error(400, Some("mutability"));
}

/// The documented mapping: `active: false` ⇔ DEPROVISIONED; `active: true` reactivates only a
/// deactivated user, so a profile PUT (Okta always sends `active: true`) does not undo a
/// suspension made in the directory.
#[tokio::test]
async fn active_maps_to_deprovisioned_and_leaves_a_suspension_alone() {
    let server = server();
    let app = &server.app;
    let mut body = okta_user("inactive@example.com", "In", "Active");
    body["active"] = json!(false);
    let created = post(app, "/scim/v2/Users", body).await;
    assert_eq!(created.body["active"], false);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(status_of(&server, &id), UserStatus::Deprovisioned);

    let suspended = create_user(app, "suspended@example.com").await;
    {
        use saml_policy::Directory;
        let mut directory = server.state.directory().lock().unwrap();
        directory
            .set_status(&suspended, UserStatus::Active, UserStatus::Suspended)
            .unwrap();
    }
    let uri = format!("/scim/v2/Users/{suspended}");
    let mut user = get(app, &uri).await.body;
    assert_eq!(user["active"], true, "SUSPENDED is not deactivated");
    user["name"]["givenName"] = json!("Still");
    assert_eq!(put(app, &uri, user).await.status, StatusCode::OK);
    assert_eq!(status_of(&server, &suspended), UserStatus::Suspended);
    patch(
        app,
        &uri,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    assert_eq!(status_of(&server, &suspended), UserStatus::Deprovisioned);
}
}
