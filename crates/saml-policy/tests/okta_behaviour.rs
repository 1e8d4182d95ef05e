//! Okta's documented IdP policy behaviour, one row per documented example
//! (`OKTA-ORG2ORG.md` §1.2–§1.3), plus the peer options (§3). Each row builds a directory from
//! JSON, evaluates an IdP user, checks the outcome and the reason, then applies the decision
//! and checks the directory afterwards.

use saml_policy::{
    AccountLinkAction, DeprovisionedAction, Directory, GroupsPolicy, IdpUser, InMemoryDirectory,
    MatchType, OnExistingAccount, Outcome, Policy, ProvisioningAction, SubjectFilter,
    SuspendedAction, Template, UserStatus, apply, evaluate,
};

const IDP: &str = "0oa1org2idp";

/// §1.3's directory: Domain Users (APP_GROUP), Cloud Users (OKTA_GROUP), Everyone
/// (BUILT_IN), and the OKTA_GROUPs the examples name. Alice is in the first three.
const DIRECTORY: &str = r#"{
  "groups": [
    {"id": "00gdomain", "name": "Domain Users", "type": "APP_GROUP"},
    {"id": "00gcloud", "name": "Cloud Users", "type": "OKTA_GROUP"},
    {"id": "00geveryone", "name": "Everyone", "type": "BUILT_IN"},
    {"id": "00genterprise", "name": "Enterprise IdP Users", "type": "OKTA_GROUP"},
    {"id": "00gwest", "name": "West Coast Users", "type": "OKTA_GROUP"},
    {"id": "00gmfa", "name": "MFA Users", "type": "OKTA_GROUP"}
  ],
  "users": [
    {"id": "00ualice", "login": "alice@example.com", "email": "alice@example.com",
     "profile": {"firstName": "Alice", "employeeNumber": "E1"},
     "groups": ["00gdomain", "00gcloud", "00geveryone"]},
    {"id": "00ubob", "login": "bob@example.com", "email": "bob@example.com",
     "groups": ["00gcloud", "00geveryone"]},
    {"id": "00ucarol", "login": "carol", "email": "carol@example.com", "admin": true,
     "groups": ["00genterprise"]},
    {"id": "00udan", "login": "dan@example.com", "status": "DEPROVISIONED"},
    {"id": "00uerin", "login": "erin@example.com", "status": "SUSPENDED"},
    {"id": "00ufrank", "login": "frank@example.com", "status": "STAGED"},
    {"id": "00ugrace", "login": "grace@example.com", "email": "shared@example.com"},
    {"id": "00uheidi", "login": "shared@example.com"},
    {"id": "00uivan", "login": "ivan@example.com", "profile": {"employeeNumber": "E42"}}
  ],
  "links": [
    {"idpId": "0oa1org2idp", "externalId": "p-alice", "userId": "00ualice"},
    {"idpId": "0oaOTHERidp", "externalId": "p-bob-elsewhere", "userId": "00ubob"}
  ]
}"#;

const ASSERTED_GROUPS: [&str; 3] = ["Enterprise IdP Users", "West Coast Users", "Cloud Users"];

/// Alice's persistent NameID (linked), asserting §1.3's groups.
fn alice_persistent() -> IdpUser {
    IdpUser::new("p-alice")
        .persistent()
        .with_attribute("Groups", ASSERTED_GROUPS)
}

fn by_name(name: &str) -> IdpUser {
    IdpUser::new(name)
}

struct Row {
    name: &'static str,
    policy: fn(&mut Policy),
    user: fn() -> IdpUser,
    /// `Outcome::as_str`.
    outcome: &'static str,
    /// The user the decision is about (existing or, for `created`, the new login).
    who: Option<&'static str>,
    /// A part of the reason.
    reason: &'static str,
    /// The user's group names after applying, sorted (`None`: not checked).
    groups_after: Option<&'static [&'static str]>,
    /// The user's status after applying.
    status_after: Option<UserStatus>,
}

impl Row {
    const fn new(name: &'static str, user: fn() -> IdpUser, outcome: &'static str) -> Self {
        Self {
            name,
            policy: |_| {},
            user,
            outcome,
            who: None,
            reason: "",
            groups_after: None,
            status_after: None,
        }
    }
}

fn group_sync(p: &mut Policy) {
    p.provisioning.groups = GroupsPolicy::Sync {
        source_attribute: "Groups".into(),
        filter: vec!["00genterprise".into()],
    };
}

fn template(p: &mut Policy, source: &str) {
    p.subject.user_name_template = Template::parse(source).expect("template");
}

fn rows() -> Vec<Row> {
    vec![
        // §1.3: the four group actions on Alice (Domain Users, Cloud Users, Everyone).
        Row {
            policy: |p| {
                p.provisioning.groups = GroupsPolicy::Append {
                    source_attribute: "Groups".into(),
                    filter: vec!["00genterprise".into()],
                }
            },
            who: Some("00ualice"),
            reason: "provisioning.groups.action APPEND: +Enterprise IdP Users (00genterprise)",
            groups_after: Some(&[
                "Cloud Users",
                "Domain Users",
                "Enterprise IdP Users",
                "Everyone",
            ]),
            ..Row::new("groups_append", alice_persistent, "updated")
        },
        Row {
            policy: |p| {
                p.provisioning.groups = GroupsPolicy::Assign {
                    assignments: vec!["00gmfa".into()],
                }
            },
            who: Some("00ualice"),
            reason: "ASSIGN: +MFA Users (00gmfa)",
            groups_after: Some(&["Cloud Users", "Domain Users", "Everyone", "MFA Users"]),
            ..Row::new("groups_assign", alice_persistent, "updated")
        },
        Row {
            who: Some("00ualice"),
            reason: "persistent NameID `p-alice` is linked at IdP `0oa1org2idp` to user `00ualice`",
            groups_after: Some(&["Cloud Users", "Domain Users", "Everyone"]),
            ..Row::new("groups_none", alice_persistent, "signed_in")
        },
        Row {
            policy: group_sync,
            who: Some("00ualice"),
            reason: "SYNC: +Enterprise IdP Users (00genterprise), -Cloud Users (00gcloud)",
            // Cloud Users is removed although asserted: it is not in the filter.
            groups_after: Some(&["Domain Users", "Enterprise IdP Users", "Everyone"]),
            ..Row::new(
                "groups_sync_removes_asserted_but_unfiltered",
                alice_persistent,
                "updated",
            )
        },
        // App and built-in groups are never touched: not removed by SYNC when not asserted,
        // not added when asserted and in the filter.
        Row {
            policy: |p| {
                p.provisioning.groups = GroupsPolicy::Sync {
                    source_attribute: "Groups".into(),
                    filter: vec!["00gdomain".into(), "00geveryone".into()],
                }
            },
            user: || {
                IdpUser::new("bob@example.com")
                    .with_attribute("Groups", ["Domain Users", "Everyone"])
            },
            who: Some("00ubob"),
            groups_after: Some(&["Everyone"]),
            ..Row::new(
                "app_and_built_in_groups_never_touched_by_sync",
                alice_persistent,
                "linked",
            )
        },
        Row {
            policy: |p| {
                p.provisioning.groups = GroupsPolicy::Sync {
                    source_attribute: "Groups".into(),
                    filter: vec!["00gcloud".into()],
                }
            },
            user: || IdpUser::new("p-alice").persistent(),
            who: Some("00ualice"),
            groups_after: Some(&["Domain Users", "Everyone"]),
            ..Row::new(
                "sync_with_nothing_asserted_keeps_app_and_built_in",
                alice_persistent,
                "updated",
            )
        },
        Row {
            policy: |p| {
                p.provisioning.groups = GroupsPolicy::Assign {
                    assignments: vec!["00gdomain".into(), "00gmfa".into()],
                }
            },
            user: || by_name("bob@example.com"),
            who: Some("00ubob"),
            groups_after: Some(&["Cloud Users", "Everyone", "MFA Users"]),
            ..Row::new("assign_skips_app_groups", alice_persistent, "linked")
        },
        // JIT.
        Row {
            policy: group_sync,
            user: || {
                IdpUser::new("new@example.com")
                    .persistent()
                    .with_attribute("Groups", ASSERTED_GROUPS)
                    .with_attribute("firstName", ["Nina"])
            },
            who: Some("new@example.com"),
            reason: "provisioning.action AUTO: create `new@example.com`, ACTIVE",
            groups_after: Some(&["Enterprise IdP Users"]),
            status_after: Some(UserStatus::Active),
            ..Row::new("jit_creates_an_unknown_user", alice_persistent, "created")
        },
        Row {
            policy: |p| p.provisioning.action = ProvisioningAction::Disabled,
            user: || by_name("new@example.com"),
            reason: "provisioning.action is DISABLED and no user is linked to this IdP user or matches transformed username `new@example.com` (subject.matchType USERNAME matches no user)",
            ..Row::new(
                "jit_refused_when_provisioning_disabled",
                alice_persistent,
                "denied",
            )
        },
        // Deprovisioned and suspended users.
        Row {
            user: || by_name("dan@example.com"),
            reason: "user `00udan` (`dan@example.com`) is DEPROVISIONED and provisioning.conditions.deprovisioned.action is NONE",
            ..Row::new(
                "deprovisioned_with_none_is_denied",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| p.provisioning.deprovisioned = DeprovisionedAction::Reactivate,
            user: || by_name("dan@example.com"),
            who: Some("00udan"),
            reason: "deprovisioned.action REACTIVATE",
            status_after: Some(UserStatus::Active),
            ..Row::new(
                "deprovisioned_with_reactivate",
                alice_persistent,
                "reactivated",
            )
        },
        Row {
            user: || by_name("erin@example.com"),
            reason: "user `00uerin` (`erin@example.com`) is SUSPENDED and provisioning.conditions.suspended.action is NONE",
            ..Row::new("suspended_with_none_is_denied", alice_persistent, "denied")
        },
        Row {
            policy: |p| p.provisioning.suspended = SuspendedAction::Unsuspend,
            user: || by_name("erin@example.com"),
            who: Some("00uerin"),
            reason: "suspended.action UNSUSPEND",
            status_after: Some(UserStatus::Active),
            ..Row::new("suspended_with_unsuspend", alice_persistent, "unsuspended")
        },
        Row {
            user: || by_name("frank@example.com"),
            reason: "is STAGED: only ACTIVE users sign in",
            ..Row::new("staged_is_denied", alice_persistent, "denied")
        },
        // Persistent NameIDs.
        Row {
            policy: |p| template(p, "idpuser.email"),
            user: || {
                IdpUser::new("p-alice")
                    .persistent()
                    .with_attribute("email", ["bob@example.com"])
            },
            who: Some("00ualice"),
            reason: "linked at IdP `0oa1org2idp` to user `00ualice`",
            ..Row::new(
                "persistent_link_survives_a_username_change",
                alice_persistent,
                "signed_in",
            )
        },
        Row {
            policy: |p| template(p, "idpuser.email"),
            user: || {
                IdpUser::new("p-alice")
                    .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
                    .with_attribute("email", ["bob@example.com"])
            },
            who: Some("00ubob"),
            reason: "is not persistent: matched at every sign-in, never linked",
            ..Row::new(
                "non_persistent_nameid_is_rematched",
                alice_persistent,
                "linked",
            )
        },
        Row {
            policy: |p| p.provisioning.action = ProvisioningAction::Disabled,
            user: || {
                IdpUser::new("p-alice")
                    .with_format("urn:oasis:names:tc:SAML:2.0:nameid-format:transient")
            },
            reason: "provisioning.action is DISABLED",
            ..Row::new(
                "non_persistent_nameid_with_a_linked_value_is_not_the_link",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| p.provisioning.action = ProvisioningAction::Disabled,
            user: || IdpUser::new("p-bob-elsewhere").persistent(),
            reason: "provisioning.action is DISABLED",
            ..Row::new(
                "another_idps_link_is_not_this_idps",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| p.honor_persistent_name_id = false,
            user: || IdpUser::new("p-alice").persistent(),
            who: Some("p-alice"),
            reason: "honorPersistentNameId is false",
            ..Row::new(
                "honor_persistent_name_id_false_ignores_links",
                alice_persistent,
                "created",
            )
        },
        Row {
            user: || IdpUser::new("alice@example.com").persistent(),
            reason: "user `00ualice` (`alice@example.com`) matches transformed username `alice@example.com` but is already linked at IdP `0oa1org2idp` to persistent NameID `p-alice`, not `alice@example.com`",
            ..Row::new(
                "a_second_persistent_nameid_does_not_take_over_a_linked_user",
                alice_persistent,
                "denied",
            )
        },
        Row {
            user: || IdpUser::new("bob@example.com").persistent(),
            who: Some("00ubob"),
            reason: "link persistent NameID `bob@example.com`",
            ..Row::new(
                "matching_links_a_persistent_nameid",
                alice_persistent,
                "linked",
            )
        },
        // Account link DISABLED.
        Row {
            policy: |p| p.account_link.action = AccountLinkAction::Disabled,
            user: || by_name("new@example.com"),
            who: Some("new@example.com"),
            reason: "not linked: accountLink.action is DISABLED",
            ..Row::new(
                "account_link_disabled_still_provisions",
                alice_persistent,
                "created",
            )
        },
        Row {
            policy: |p| p.account_link.action = AccountLinkAction::Disabled,
            user: || by_name("bob@example.com"),
            reason: "provisioning.action AUTO cannot create `bob@example.com`: the login belongs to user `00ubob` (`bob@example.com`), which is not linked (accountLink.action is DISABLED)",
            ..Row::new(
                "account_link_disabled_never_links",
                alice_persistent,
                "denied",
            )
        },
        // Link filter.
        Row {
            policy: |p| p.account_link.filter.include_groups = vec!["00genterprise".into()],
            user: || by_name("bob@example.com"),
            reason: "accountLink.filter.groups.include [00genterprise] does not include user `00ubob`",
            ..Row::new(
                "link_filter_include_groups_excludes_non_members",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| p.account_link.filter.include_groups = vec!["00gcloud".into()],
            user: || by_name("bob@example.com"),
            who: Some("00ubob"),
            ..Row::new(
                "link_filter_include_groups_admits_members",
                alice_persistent,
                "linked",
            )
        },
        Row {
            policy: |p| p.account_link.filter.exclude_users = vec!["00ubob".into()],
            user: || by_name("bob@example.com"),
            reason: "accountLink.filter.users.exclude lists user `00ubob`",
            ..Row::new("link_filter_exclude_users", alice_persistent, "denied")
        },
        Row {
            policy: |p| p.account_link.filter.exclude_admins = true,
            user: || by_name("carol"),
            reason: "excludeAdmins is set and user `00ucarol` (`carol`) is an administrator",
            ..Row::new("link_filter_exclude_admins", alice_persistent, "denied")
        },
        Row {
            user: || by_name("carol"),
            who: Some("00ucarol"),
            ..Row::new(
                "admins_link_without_exclude_admins",
                alice_persistent,
                "linked",
            )
        },
        // Match types.
        Row {
            policy: |p| p.subject.match_type = MatchType::Email,
            user: || by_name("CAROL@example.com"),
            who: Some("00ucarol"),
            reason: "subject.matchType EMAIL matches user `00ucarol`",
            ..Row::new("match_type_email", alice_persistent, "linked")
        },
        Row {
            policy: |p| p.subject.match_type = MatchType::UsernameOrEmail,
            user: || by_name("shared@example.com"),
            reason: "subject.matchType USERNAME_OR_EMAIL: transformed username `shared@example.com` matches 2 different users (00uheidi, 00ugrace); refusing to choose",
            ..Row::new(
                "match_type_username_or_email_ambiguous",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| p.subject.match_type = MatchType::UsernameOrEmail,
            user: || by_name("bob@example.com"),
            who: Some("00ubob"),
            ..Row::new(
                "match_type_username_or_email_one_user_both_ways",
                alice_persistent,
                "linked",
            )
        },
        Row {
            policy: |p| {
                p.subject.match_type = MatchType::CustomAttribute("employeeNumber".into());
                template(p, "idpuser.employeeNumber");
            },
            user: || IdpUser::new("x").with_attribute("employeeNumber", ["E42"]),
            who: Some("00uivan"),
            reason: "subject.matchType CUSTOM_ATTRIBUTE `employeeNumber` matches user `00uivan`",
            ..Row::new("match_type_custom_attribute", alice_persistent, "linked")
        },
        // Subject filter.
        Row {
            policy: |p| {
                p.subject.filter = Some(SubjectFilter::new(r"^.*@example\.com$").expect("filter"))
            },
            user: || by_name("bob@evil.test"),
            reason: r"subject.filter `^.*@example\.com$` does not match transformed username `bob@evil.test`",
            ..Row::new(
                "subject_filter_mismatch_is_denied",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| {
                p.subject.filter = Some(SubjectFilter::new(r".*@example\.com").expect("filter"))
            },
            user: || by_name("bob@example.com.evil.test"),
            reason: "does not match transformed username `bob@example.com.evil.test`",
            ..Row::new(
                "subject_filter_must_match_whole",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| {
                p.subject.filter = Some(SubjectFilter::new(r".*@example\.com").expect("filter"))
            },
            user: || IdpUser::new("p-alice").persistent(),
            reason: "does not match transformed username `p-alice`",
            ..Row::new(
                "subject_filter_applies_to_linked_users_too",
                alice_persistent,
                "denied",
            )
        },
        // Template.
        Row {
            policy: |p| template(p, "idpuser.email"),
            user: || by_name("bob@example.com"),
            reason: "subject.userNameTemplate `idpuser.email`: `idpuser.email` is absent from the assertion",
            ..Row::new(
                "template_on_an_absent_attribute_is_denied",
                alice_persistent,
                "denied",
            )
        },
        Row {
            policy: |p| {
                template(
                    p,
                    "String.substringBefore(idpuser.email, \"@\") + \"@example.com\"",
                )
            },
            user: || IdpUser::new("x").with_attribute("email", ["Bob@Partner.test"]),
            who: Some("00ubob"),
            reason: "transformed username `Bob@example.com`",
            ..Row::new(
                "template_transforms_before_matching",
                alice_persistent,
                "linked",
            )
        },
        Row {
            policy: |p| template(p, "idpuser.nick"),
            user: || IdpUser::new("x").with_attribute("nick", [" "]),
            reason: "subject.userNameTemplate `idpuser.nick`: the transformed username is empty",
            ..Row::new("an_empty_username_is_denied", alice_persistent, "denied")
        },
        Row {
            policy: |p| template(p, "idpuser.email"),
            user: || {
                IdpUser::new("")
                    .persistent()
                    .with_attribute("email", ["new@example.com"])
            },
            reason: "the NameID Format is persistent but its value is empty",
            ..Row::new(
                "an_empty_persistent_nameid_is_denied",
                alice_persistent,
                "denied",
            )
        },
        // Profile sourcing.
        Row {
            policy: |p| p.provisioning.profile_master = true,
            user: || {
                IdpUser::new("p-alice")
                    .persistent()
                    .with_attribute("firstName", ["Alicia"])
            },
            who: Some("00ualice"),
            reason: "provisioning.profileMaster: update firstName",
            ..Row::new(
                "profile_master_updates_the_profile",
                alice_persistent,
                "updated",
            )
        },
        Row {
            user: || {
                IdpUser::new("p-alice")
                    .persistent()
                    .with_attribute("firstName", ["Alicia"])
            },
            who: Some("00ualice"),
            ..Row::new("no_profile_master_no_update", alice_persistent, "signed_in")
        },
        // Peers' options.
        Row {
            policy: |p| p.on_existing_account = OnExistingAccount::Deny,
            user: || by_name("bob@example.com"),
            reason: "subject.matchType USERNAME finds user `00ubob` (`bob@example.com`) for transformed username `bob@example.com`, and the policy denies sign-ins that would link an existing account",
            ..Row::new("peer_deny_if_account_exists", alice_persistent, "denied")
        },
        Row {
            policy: |p| p.on_existing_account = OnExistingAccount::Deny,
            user: alice_persistent,
            who: Some("00ualice"),
            ..Row::new(
                "peer_deny_if_exists_keeps_linked_users",
                alice_persistent,
                "signed_in",
            )
        },
        Row {
            policy: |p| p.on_existing_account = OnExistingAccount::RequireProof,
            user: || IdpUser::new("bob@example.com").persistent(),
            who: Some("00ubob"),
            reason: "on_existing_account RequireProof",
            ..Row::new("peer_require_proof", alice_persistent, "needs_proof")
        },
    ]
}

fn directory() -> InMemoryDirectory {
    InMemoryDirectory::from_json(DIRECTORY.as_bytes()).expect("directory")
}

#[test]
fn okta_documented_behaviour() {
    let mut failures = Vec::new();
    for row in rows() {
        if let Err(message) = check(&row) {
            failures.push(format!("{}: {message}", row.name));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn check(row: &Row) -> Result<(), String> {
    let mut policy = Policy::new(IDP);
    (row.policy)(&mut policy);
    let user = (row.user)();
    let mut directory = directory();
    let decision = evaluate(&user, &policy, &directory).map_err(|e| e.to_string())?;
    let summary = format!("{} / {}", decision.outcome.as_str(), decision.reason);
    if decision.outcome.as_str() != row.outcome {
        return Err(format!("expected {}, got {summary}", row.outcome));
    }
    if !decision.reason.contains(row.reason) {
        return Err(format!("reason lacks `{}`: {summary}", row.reason));
    }
    match (&decision.outcome, row.who) {
        (Outcome::Created, Some(login)) => {
            let created = decision.changes.create.as_ref().map(|c| c.login.as_str());
            if created != Some(login) {
                return Err(format!("created {created:?}, expected {login}"));
            }
        }
        (outcome, who) => {
            let id = outcome.user().map(|u| u.id.as_str());
            if id != who {
                return Err(format!("about {id:?}, expected {who:?}: {summary}"));
            }
        }
    }
    if matches!(decision.outcome, Outcome::Denied(_)) {
        if !decision.changes.is_empty() {
            return Err(format!("a denial with changes: {:?}", decision.changes));
        }
        return Ok(());
    }
    let decision = decision.proven();
    let applied = apply(&decision, &mut directory).map_err(|e| e.to_string())?;
    if let Some(expected) = row.groups_after {
        let mut names: Vec<String> = directory
            .groups_of(&applied.user_id)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|g| g.name)
            .collect();
        names.sort();
        if names != expected {
            return Err(format!("groups after: {names:?}, expected {expected:?}"));
        }
    }
    let after = directory
        .user(&applied.user_id)
        .map_err(|e| e.to_string())?
        .ok_or("the user is gone")?;
    if let Some(status) = row.status_after
        && after.status != status
    {
        return Err(format!("status after: {}, expected {status}", after.status));
    }
    // Signing in again decides the same user, and changes nothing more.
    let again = evaluate(&user, &policy, &directory).map_err(|e| e.to_string())?;
    if !matches!(again.outcome, Outcome::Denied(_))
        && again.outcome.user().map(|u| &u.id) != Some(&applied.user_id)
    {
        return Err(format!(
            "second sign-in: {} / {}",
            again.outcome.as_str(),
            again.reason
        ));
    }
    if !again.changes.groups.is_empty() || again.changes.status.is_some() {
        return Err(format!("second sign-in changes again: {:?}", again.changes));
    }
    Ok(())
}

/// A denial's decision writes nothing, and the directory stays as it was: evaluation never
/// writes (a sample of the rows above, compared record by record).
#[test]
fn evaluation_never_writes() {
    let before = directory();
    for row in rows() {
        let mut policy = Policy::new(IDP);
        (row.policy)(&mut policy);
        let directory = directory();
        let _ = evaluate(&(row.user)(), &policy, &directory).expect("evaluates");
        assert_eq!(
            directory.users().collect::<Vec<_>>(),
            before.users().collect::<Vec<_>>(),
            "{}",
            row.name
        );
        assert_eq!(
            directory.links().collect::<Vec<_>>(),
            before.links().collect::<Vec<_>>()
        );
    }
}

/// `proven()` turns a NeedsProof into the link Okta would have made; without it, `apply`
/// refuses.
#[test]
fn needs_proof_is_not_applied_before_proof() {
    let mut policy = Policy::new(IDP);
    policy.on_existing_account = OnExistingAccount::RequireProof;
    let mut directory = directory();
    let user = IdpUser::new("bob@example.com").persistent();
    let decision = evaluate(&user, &policy, &directory).expect("evaluates");
    assert!(matches!(decision.outcome, Outcome::NeedsProof(_)));
    let err = apply(&decision, &mut directory).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "a `needs_proof` decision has nothing to apply"
    );
    assert!(
        directory
            .link(IDP, "bob@example.com")
            .expect("reads")
            .is_none()
    );
    let proven = decision.proven();
    assert_eq!(proven.outcome.as_str(), "linked");
    apply(&proven, &mut directory).expect("applies");
    assert_eq!(
        directory
            .link(IDP, "bob@example.com")
            .expect("reads")
            .map(|l| l.user_id),
        Some("00ubob".to_owned())
    );
}
