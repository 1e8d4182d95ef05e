//! Nothing half-applied when the directory itself fails mid-request: a directory whose
//! chosen write fails (as a database might), and the state after the failed request.

mod scim_support;

use axum::Router;
use axum::http::StatusCode;
use saml_policy::{Directory, DirectoryError, Group, Link, NewUser, User, UserStatus};
use saml_provision::scim::{
    self, BearerToken, InMemoryScimDirectory, ScimConfig, ScimDirectory, ScimState,
};
use serde_json::json;

use scim_support::*;

/// An in-memory directory whose `set_status`, or `add_member` of one user, fails.
#[derive(Default)]
struct Flaky {
    inner: InMemoryScimDirectory,
    fail_set_status: bool,
    fail_add_member_of: Option<String>,
}

fn broken() -> DirectoryError {
    DirectoryError::Backend("disk full".into())
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
        self.inner.create_user(user)
    }
    fn delete_user(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.inner.delete_user(id)
    }
    fn update_profile(
        &mut self,
        id: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<(), DirectoryError> {
        self.inner.update_profile(id, changes)
    }
    fn set_status(
        &mut self,
        id: &str,
        from: UserStatus,
        to: UserStatus,
    ) -> Result<(), DirectoryError> {
        if self.fail_set_status {
            return Err(broken());
        }
        self.inner.set_status(id, from, to)
    }
    fn add_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        if self.fail_add_member_of.as_deref() == Some(user_id) {
            return Err(broken());
        }
        self.inner.add_member(user_id, group_id)
    }
    fn remove_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.inner.remove_member(user_id, group_id)
    }
    fn create_link(&mut self, link: &Link) -> Result<(), DirectoryError> {
        self.inner.create_link(link)
    }
    fn delete_link(&mut self, idp_id: &str, external_id: &str) -> Result<(), DirectoryError> {
        self.inner.delete_link(idp_id, external_id)
    }
}

impl ScimDirectory for Flaky {
    fn list_users(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<User>, usize), DirectoryError> {
        self.inner.list_users(offset, limit)
    }
    fn list_groups(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Group>, usize), DirectoryError> {
        self.inner.list_groups(offset, limit)
    }
    fn find_groups_by_name(&self, name: &str) -> Result<Vec<Group>, DirectoryError> {
        self.inner.find_groups_by_name(name)
    }
    fn members(&self, group_id: &str) -> Result<Vec<String>, DirectoryError> {
        self.inner.members(group_id)
    }
    fn create_group(&mut self, name: &str) -> Result<String, DirectoryError> {
        self.inner.create_group(name)
    }
    fn rename_group(&mut self, id: &str, name: &str) -> Result<(), DirectoryError> {
        self.inner.rename_group(id, name)
    }
    fn delete_group(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.inner.delete_group(id)
    }
    fn user_version(&self, id: &str) -> Result<u64, DirectoryError> {
        self.inner.user_version(id)
    }
    fn group_version(&self, id: &str) -> Result<u64, DirectoryError> {
        self.inner.group_version(id)
    }
}

fn flaky() -> (Router, ScimState<Flaky>) {
    let config = ScimConfig::new(BASE, BearerToken::new(TOKEN).unwrap());
    let state = ScimState::new(Flaky::default(), config);
    let app = Router::new().nest("/scim/v2", scim::router(state.clone()));
    (app, state)
}

#[tokio::test]
async fn a_failed_status_change_puts_the_profile_back() {
    let (app, state) = flaky();
    let id = create_user(&app, "undo@example.com").await;
    let uri = format!("/scim/v2/Users/{id}");
    let before = get(&app, &uri).await.body;
    state.directory().lock().unwrap().fail_set_status = true;
    let mut body = before.clone();
    body["name"]["givenName"] = json!("Changed");
    body["active"] = json!(false);
    let reply = put(&app, &uri, body).await;
    reply.assert_error(500, None);
    assert!(
        !reply.body["detail"].as_str().unwrap().contains("disk"),
        "no internals leak"
    );
    let after = get(&app, &uri).await.body;
    assert_eq!(after["name"], before["name"]);
    assert_eq!(after["active"], true);
}

#[tokio::test]
async fn a_failed_membership_write_undoes_the_group_change() {
    let (app, state) = flaky();
    let a = create_user(&app, "a@example.com").await;
    let b = create_user(&app, "b@example.com").await;
    let c = create_user(&app, "c@example.com").await;
    let group = create_group(&app, "Team", &[&c]).await;
    let uri = format!("/scim/v2/Groups/{group}");
    state.directory().lock().unwrap().fail_add_member_of = Some(b.clone());
    // Rename, add a (written), add b (fails), remove c (never reached).
    let reply = patch(
        &app,
        &uri,
        json!([{"op": "replace", "path": "displayName", "value": "Renamed"},
               {"op": "replace", "path": "members", "value": [{"value": a}, {"value": b}]}]),
    )
    .await;
    reply.assert_error(500, None);
    let after = get(&app, &uri).await;
    assert_eq!(after.body["displayName"], "Team");
    assert_eq!(members_of(&app, &group).await, vec![c.clone()]);

    // A POST whose member cannot be added leaves no group behind.
    let reply = post(
        &app,
        "/scim/v2/Groups",
        json!({"displayName": "Half", "members": [{"value": a}, {"value": b}]}),
    )
    .await;
    reply.assert_error(500, None);
    assert_eq!(get(&app, "/scim/v2/Groups").await.body["totalResults"], 1);
    assert_eq!(
        StatusCode::OK,
        get(&app, &format!("/scim/v2/Users/{a}")).await.status
    );
    assert!(
        state
            .directory()
            .lock()
            .unwrap()
            .groups_of(&a)
            .unwrap()
            .is_empty()
    );
}
