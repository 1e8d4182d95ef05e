//! `Policy::from_okta_json`: the policy read from the same Okta IdP object as
//! `saml_core::okta` (the fixture `tests/vectors/okta/org2-idp.json`), and its refusals, each
//! naming the JSON path and the value.

use std::path::PathBuf;

use saml_policy::{
    AccountLinkAction, DeprovisionedAction, GroupsPolicy, MatchType, Policy, PolicyError,
    ProvisioningAction, SuspendedAction, TemplateErrorKind,
};
use serde_json::{Value, json};

fn fixture() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/okta/org2-idp.json");
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("JSON")
}

/// The fixture with `edit` applied to its `policy` object.
fn with_policy(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut idp = fixture();
    edit(&mut idp["policy"]);
    serde_json::to_vec(&idp).expect("serializes")
}

#[track_caller]
fn refused(json: &[u8]) -> PolicyError {
    match Policy::from_okta_json(json) {
        Ok(p) => panic!("accepted: {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn the_org2_fixture_loads() {
    let policy =
        Policy::from_okta_json(&serde_json::to_vec(&fixture()).expect("JSON")).expect("loads");
    assert_eq!(policy.idp_id, "0oa1org2idp5Zs9Xh0h8");
    assert!(policy.honor_persistent_name_id);
    assert_eq!(
        policy.subject.user_name_template.source(),
        "idpuser.subjectNameId"
    );
    // `"filter": ""` is no filter.
    assert!(policy.subject.filter.is_none());
    assert_eq!(policy.subject.match_type, MatchType::Username);
    assert_eq!(policy.account_link.action, AccountLinkAction::Auto);
    assert!(policy.account_link.filter.include_groups.is_empty());
    assert_eq!(policy.provisioning.action, ProvisioningAction::Auto);
    assert!(policy.provisioning.profile_master);
    assert_eq!(policy.provisioning.groups, GroupsPolicy::None);
    assert_eq!(policy.provisioning.deprovisioned, DeprovisionedAction::None);
    assert_eq!(policy.provisioning.suspended, SuspendedAction::None);
}

#[test]
fn every_field_is_read() {
    let mut idp = fixture();
    idp["protocol"]["settings"]["honorPersistentNameId"] = json!(false);
    idp["policy"] = json!({
        "subject": {
            "userNameTemplate": {"template": "String.toLowerCase(idpuser.email)"},
            "filter": "^.*@example\\.com$",
            "matchType": "CUSTOM_ATTRIBUTE",
            "matchAttribute": "employeeNumber"
        },
        "accountLink": {
            "action": "DISABLED",
            "filter": {
                "groups": {"include": ["00g1"]},
                "users": {"exclude": ["00u1", "00u2"], "excludeAdmins": true}
            }
        },
        "provisioning": {
            "action": "DISABLED",
            "profileMaster": false,
            "groups": {"action": "SYNC", "sourceAttributeName": "Groups", "filter": ["00g2"]},
            "conditions": {
                "deprovisioned": {"action": "REACTIVATE"},
                "suspended": {"action": "UNSUSPEND"}
            }
        }
    });
    let policy = Policy::from_okta_json(&serde_json::to_vec(&idp).expect("JSON")).expect("loads");
    assert!(!policy.honor_persistent_name_id);
    assert_eq!(
        policy.subject.user_name_template.source(),
        "String.toLowerCase(idpuser.email)"
    );
    let filter = policy.subject.filter.as_ref().expect("filter");
    assert!(filter.matches("a@example.com") && !filter.matches("a@example.com.evil"));
    assert_eq!(
        policy.subject.match_type,
        MatchType::CustomAttribute("employeeNumber".into())
    );
    assert_eq!(policy.account_link.action, AccountLinkAction::Disabled);
    assert_eq!(policy.account_link.filter.include_groups, ["00g1"]);
    assert_eq!(policy.account_link.filter.exclude_users, ["00u1", "00u2"]);
    assert!(policy.account_link.filter.exclude_admins);
    assert_eq!(policy.provisioning.action, ProvisioningAction::Disabled);
    assert!(!policy.provisioning.profile_master);
    assert_eq!(
        policy.provisioning.groups,
        GroupsPolicy::Sync {
            source_attribute: "Groups".into(),
            filter: vec!["00g2".into()]
        }
    );
    assert_eq!(
        policy.provisioning.deprovisioned,
        DeprovisionedAction::Reactivate
    );
    assert_eq!(policy.provisioning.suspended, SuspendedAction::Unsuspend);
}

#[test]
fn nulls_and_absences_take_the_defaults() {
    let json = br#"{"id": "0oa1", "protocol": null, "policy": {"accountLink": {"filter": null, "action": null},
        "subject": null, "provisioning": {"groups": null, "conditions": {"suspended": null}}}}"#;
    let policy = Policy::from_okta_json(json).expect("loads");
    assert!(policy.honor_persistent_name_id);
    assert_eq!(
        policy.subject.user_name_template.source(),
        "idpuser.subjectNameId"
    );
    assert_eq!(policy.account_link.action, AccountLinkAction::Auto);
    assert_eq!(policy.provisioning.groups, GroupsPolicy::None);
    assert!(!policy.provisioning.profile_master);
}

#[test]
fn an_unsupported_template_is_refused_at_load_with_its_position() {
    let json = with_policy(|p| {
        p["subject"]["userNameTemplate"]["template"] = json!("idpuser.email + user.login")
    });
    let err = refused(&json);
    assert_eq!(
        err.to_string(),
        "`policy.subject.userNameTemplate.template` `idpuser.email + user.login`: at character 17: \
         `user.login` is not supported: templates may refer to `idpuser.<attribute>` and call \
         `String.<function>(…)`, joined with `+`"
    );
    match err {
        PolicyError::Template { source, .. } => {
            assert_eq!(source.position, 17);
            assert!(matches!(source.kind, TemplateErrorKind::Unsupported { .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn refusals_name_the_path_and_value() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            with_policy(|p| p["subject"]["matchType"] = json!("PHONE")),
            "`policy.subject.matchType` is `PHONE` (allowed: USERNAME, EMAIL, USERNAME_OR_EMAIL, CUSTOM_ATTRIBUTE)",
        ),
        (
            with_policy(|p| p["subject"]["matchType"] = json!("CUSTOM_ATTRIBUTE")),
            "`policy.subject.matchAttribute` is missing from the IdP JSON (required by `policy.subject.matchType` CUSTOM_ATTRIBUTE)",
        ),
        (
            with_policy(|p| p["accountLink"]["action"] = json!("CALLOUT")),
            "`policy.accountLink.action` is `CALLOUT` (allowed: AUTO, DISABLED)",
        ),
        (
            with_policy(|p| p["provisioning"]["action"] = json!("CALLOUT")),
            "`policy.provisioning.action` is `CALLOUT` (allowed: AUTO, DISABLED)",
        ),
        (
            with_policy(|p| {
                p["provisioning"]["conditions"]["suspended"]["action"] = json!("REACTIVATE")
            }),
            "`policy.provisioning.conditions.suspended.action` is `REACTIVATE` (allowed: NONE, UNSUSPEND)",
        ),
        (
            with_policy(|p| {
                p["provisioning"]["conditions"]["deprovisioned"]["action"] = json!("UNSUSPEND")
            }),
            "`policy.provisioning.conditions.deprovisioned.action` is `UNSUSPEND` (allowed: NONE, REACTIVATE)",
        ),
        (
            with_policy(|p| {
                p["provisioning"]["groups"] = json!({"action": "SYNC", "filter": ["00g1"]})
            }),
            "`policy.provisioning.groups.sourceAttributeName` is missing from the IdP JSON (required by `policy.provisioning.groups.action` SYNC)",
        ),
        (
            with_policy(|p| {
                p["provisioning"]["groups"] =
                    json!({"action": "APPEND", "sourceAttributeName": "Groups", "filter": []})
            }),
            "`policy.provisioning.groups.filter` is missing from the IdP JSON (required by `policy.provisioning.groups.action` APPEND)",
        ),
        (
            with_policy(|p| p["provisioning"]["groups"] = json!({"action": "ASSIGN"})),
            "`policy.provisioning.groups.assignments` is missing from the IdP JSON (required by `policy.provisioning.groups.action` ASSIGN)",
        ),
        (
            with_policy(|p| {
                p["accountLink"]["filter"] = json!({"users": {"excludeAdmins": "yes"}})
            }),
            "`policy.accountLink.filter.users.excludeAdmins` of the IdP JSON: invalid type: string \"yes\", expected a boolean",
        ),
        (
            with_policy(|p| p["subject"]["filter"] = json!("(unclosed")),
            "`policy.subject.filter`: `(unclosed` is not a usable regular expression",
        ),
        (
            with_policy(|p| p["subject"]["filter"] = json!("(?=lookahead)")),
            "`policy.subject.filter`: `(?=lookahead)` is not a usable regular expression",
        ),
        (
            with_policy(|p| p["subject"]["filter"] = json!("a".repeat(1025))),
            "`policy.subject.filter`: the pattern is 1025 characters long (at most 1024)",
        ),
        (
            with_policy(|p| p["subject"]["filter"] = json!("\\w{1000}\\w{1000}")),
            "is not a usable regular expression",
        ),
        (
            br#"{"policy": {}}"#.to_vec(),
            "`id` is missing from the IdP JSON",
        ),
        (b"[1]".to_vec(), "the IdP JSON is not a JSON object"),
    ];
    for (json, expected) in cases {
        let err = refused(&json);
        assert!(
            err.to_string().contains(expected),
            "expected `{expected}` in `{err}`"
        );
    }
}

/// A loaded policy is shared by a fleet's threads.
#[test]
fn a_policy_is_send_and_sync() {
    fn shared<T: Send + Sync + Clone>() {}
    shared::<Policy>();
    shared::<saml_policy::InMemoryDirectory>();
}
