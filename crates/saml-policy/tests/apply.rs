//! `apply`: all or nothing. A directory that fails its n-th write, for every n, is left
//! exactly as it was; a stale decision fails instead of writing over what changed.

use saml_policy::{
    ApplyError, Directory, DirectoryError, Group, GroupsPolicy, IdpUser, InMemoryDirectory, Link,
    NewUser, Policy, User, UserStatus, apply, evaluate,
};

/// An in-memory directory whose writes fail from the `fail_at`-th one on (0-based), and
/// whose undo writes fail too when `undo_fails`.
struct Flaky {
    inner: InMemoryDirectory,
    writes: usize,
    fail_at: usize,
    undo_fails: bool,
}

impl Flaky {
    fn write(&mut self) -> Result<(), DirectoryError> {
        let n = self.writes;
        self.writes += 1;
        if n == self.fail_at || (self.undo_fails && n > self.fail_at) {
            Err(DirectoryError::Backend(format!("write {n} failed").into()))
        } else {
            Ok(())
        }
    }
}

impl Directory for Flaky {
    fn user(&self, id: &str) -> Result<Option<User>, DirectoryError> {
        self.inner.user(id)
    }
    fn find_by_login(&self, login: &str) -> Result<Vec<User>, DirectoryError> {
        self.inner.find_by_login(login)
    }
    fn find_by_email(&self, email: &str) -> Result<Vec<User>, DirectoryError> {
        self.inner.find_by_email(email)
    }
    fn find_by_attribute(&self, name: &str, value: &str) -> Result<Vec<User>, DirectoryError> {
        self.inner.find_by_attribute(name, value)
    }
    fn link(&self, idp_id: &str, external_id: &str) -> Result<Option<Link>, DirectoryError> {
        self.inner.link(idp_id, external_id)
    }
    fn link_of_user(&self, idp_id: &str, user_id: &str) -> Result<Option<Link>, DirectoryError> {
        self.inner.link_of_user(idp_id, user_id)
    }
    fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        self.inner.group(id)
    }
    fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, DirectoryError> {
        self.inner.groups_of(user_id)
    }
    fn create_user(&mut self, user: &NewUser) -> Result<String, DirectoryError> {
        self.write()?;
        self.inner.create_user(user)
    }
    fn delete_user(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.write()?;
        self.inner.delete_user(id)
    }
    fn update_profile(
        &mut self,
        id: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<(), DirectoryError> {
        self.write()?;
        self.inner.update_profile(id, changes)
    }
    fn set_status(
        &mut self,
        id: &str,
        from: UserStatus,
        to: UserStatus,
    ) -> Result<(), DirectoryError> {
        self.write()?;
        self.inner.set_status(id, from, to)
    }
    fn add_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.write()?;
        self.inner.add_member(user_id, group_id)
    }
    fn remove_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.write()?;
        self.inner.remove_member(user_id, group_id)
    }
    fn create_link(&mut self, link: &Link) -> Result<(), DirectoryError> {
        self.write()?;
        self.inner.create_link(link)
    }
    fn delete_link(&mut self, idp_id: &str, external_id: &str) -> Result<(), DirectoryError> {
        self.write()?;
        self.inner.delete_link(idp_id, external_id)
    }
}

const IDP: &str = "0oa1";

fn directory() -> InMemoryDirectory {
    InMemoryDirectory::from_json(
        br#"{"groups": [{"id": "00gA", "name": "A", "type": "OKTA_GROUP"},
                        {"id": "00gB", "name": "B", "type": "OKTA_GROUP"},
                        {"id": "00gC", "name": "C", "type": "OKTA_GROUP"}],
             "users": [{"id": "00ualice", "login": "alice@example.com", "status": "DEPROVISIONED",
                        "profile": {"firstName": "Al"}, "groups": ["00gA"]}]}"#,
    )
    .expect("directory")
}

fn policy() -> Policy {
    let mut policy = Policy::new(IDP);
    policy.provisioning.profile_master = true;
    policy.provisioning.deprovisioned = saml_policy::DeprovisionedAction::Reactivate;
    policy.provisioning.groups = GroupsPolicy::Sync {
        source_attribute: "groups".into(),
        filter: vec!["00gB".into(), "00gC".into()],
    };
    policy
}

/// A snapshot of everything the directory holds.
fn snapshot(d: &InMemoryDirectory) -> String {
    let users: Vec<_> = d.users().collect();
    let groups: Vec<_> = d
        .users()
        .map(|u| d.groups_of(&u.id).expect("groups"))
        .collect();
    let links: Vec<_> = d.links().collect();
    format!("{users:?}\n{groups:?}\n{links:?}")
}

fn check_all_or_nothing(user: &IdpUser, writes: usize) {
    let policy = policy();
    let decision = evaluate(user, &policy, &directory()).expect("evaluates");
    assert!(decision.denial().is_none(), "{}", decision.reason);
    let before = snapshot(&directory());
    // With no failure, `writes` writes are made.
    let mut ok = Flaky {
        inner: directory(),
        writes: 0,
        fail_at: usize::MAX,
        undo_fails: false,
    };
    apply(&decision, &mut ok).expect("applies");
    assert_eq!(ok.writes, writes, "{:?}", decision.changes);
    assert_ne!(snapshot(&ok.inner), before);
    for fail_at in 0..writes {
        let mut d = Flaky {
            inner: directory(),
            writes: 0,
            fail_at,
            undo_fails: false,
        };
        let err = apply(&decision, &mut d).expect_err("fails");
        assert!(matches!(err, ApplyError::Failed { .. }), "{err}");
        assert!(err.to_string().contains("nothing was changed"), "{err}");
        assert_eq!(
            snapshot(&d.inner),
            before,
            "failing write {fail_at} left changes"
        );
    }
}

/// Existing user: profile, 3 group changes (+B, +C, -A), reactivation, link = 6 writes.
#[test]
fn an_update_is_all_or_nothing() {
    let user = IdpUser::new("alice@example.com")
        .persistent()
        .with_attribute("firstName", ["Alice"])
        .with_attribute("groups", ["B", "C"]);
    check_all_or_nothing(&user, 6);
}

/// JIT: create, 2 group additions, link = 4 writes.
#[test]
fn a_creation_is_all_or_nothing() {
    let user = IdpUser::new("new@example.com")
        .persistent()
        .with_attribute("groups", ["B", "C"]);
    check_all_or_nothing(&user, 4);
}

#[test]
fn a_failed_undo_says_what_may_remain() {
    let user = IdpUser::new("new@example.com")
        .persistent()
        .with_attribute("groups", ["B", "C"]);
    let decision = evaluate(&user, &policy(), &directory()).expect("evaluates");
    let mut d = Flaky {
        inner: directory(),
        writes: 0,
        fail_at: 2,
        undo_fails: true,
    };
    let err = apply(&decision, &mut d).expect_err("fails");
    let ApplyError::UndoFailed(failure) = &err else {
        panic!("{err}")
    };
    assert!(failure.step.contains("+C (00gC)"), "{err}");
    assert_eq!(failure.remaining.len(), 2, "{err}");
    assert!(
        failure.remaining[0].starts_with("creation of user"),
        "{err}"
    );
}

/// The decision saw alice DEPROVISIONED; someone reactivated her since: the reactivation
/// is refused and the earlier writes undone.
#[test]
fn a_stale_decision_fails_and_is_undone() {
    let user = IdpUser::new("alice@example.com")
        .with_attribute("firstName", ["Alice"])
        .with_attribute("groups", ["B"]);
    let mut d = directory();
    let decision = evaluate(&user, &policy(), &d).expect("evaluates");
    d.set_status("00ualice", UserStatus::Deprovisioned, UserStatus::Active)
        .expect("reactivates");
    let before = snapshot(&d);
    let err = apply(&decision, &mut d).expect_err("stale");
    assert_eq!(
        err.to_string(),
        "change the status of user `00ualice` from DEPROVISIONED to ACTIVE failed, nothing was \
         changed: user `00ualice` is ACTIVE, not DEPROVISIONED: the decision is stale"
    );
    assert_eq!(snapshot(&d), before);

    // A JIT decision whose login was taken since.
    let new = IdpUser::new("new@example.com");
    let mut d = directory();
    let decision = evaluate(&new, &policy(), &d).expect("evaluates");
    d.insert_user(User::new("00uother", "NEW@example.com"), &[])
        .expect("inserts");
    let err = apply(&decision, &mut d).expect_err("taken");
    assert!(
        err.to_string()
            .contains("login `new@example.com` already exists"),
        "{err}"
    );
}

#[test]
fn a_denial_is_not_applied() {
    let mut policy = policy();
    policy.provisioning.action = saml_policy::ProvisioningAction::Disabled;
    let mut d = directory();
    let decision = evaluate(&IdpUser::new("nobody"), &policy, &d).expect("evaluates");
    let err = apply(&decision, &mut d).expect_err("denied");
    assert_eq!(err.to_string(), "a `denied` decision has nothing to apply");
}

/// The trait is object-safe: a boxed directory evaluates and applies like a concrete one.
#[test]
fn the_directory_trait_is_object_safe() {
    let mut boxed: Box<dyn Directory> = Box::new(directory());
    let decision =
        evaluate(&IdpUser::new("new@example.com"), &policy(), boxed.as_ref()).expect("evaluates");
    let applied = apply(&decision, boxed.as_mut()).expect("applies");
    assert_eq!(
        boxed
            .user(&applied.user_id)
            .expect("reads")
            .map(|u| u.login),
        Some("new@example.com".to_owned())
    );
}
