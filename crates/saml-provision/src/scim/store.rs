//! What SCIM needs of a directory beyond [`saml_policy::Directory`]: listing in a stable
//! order, group management, and a version per resource for ETags.

use std::collections::{BTreeMap, BTreeSet};

use saml_policy::{
    Directory, DirectoryError, Group, GroupType, InMemoryDirectory, Link, NewUser, User, UserStatus,
};

/// A [`Directory`] that SCIM can serve: it lists users and groups in a stable order, manages
/// `OKTA_GROUP` groups, and keeps a version number per user and per group that **every**
/// write bumps, whoever makes it (SCIM, or a SAML login through `saml_policy::apply`).
pub trait ScimDirectory: Directory {
    /// Users ordered by id: `limit` of them from `offset` (0-based), and how many there are.
    fn list_users(&self, offset: usize, limit: usize)
    -> Result<(Vec<User>, usize), DirectoryError>;
    /// Groups ordered by id: `limit` of them from `offset` (0-based), and how many there are.
    fn list_groups(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Group>, usize), DirectoryError>;
    /// Groups whose name equals `name`, ignoring case.
    fn find_groups_by_name(&self, name: &str) -> Result<Vec<Group>, DirectoryError>;
    /// The ids of the group's members, ordered.
    fn members(&self, group_id: &str) -> Result<Vec<String>, DirectoryError>;
    /// Creates an `OKTA_GROUP`; a name another group has (ignoring case) is
    /// [`DirectoryError::Conflict`]. Returns its id.
    fn create_group(&mut self, name: &str) -> Result<String, DirectoryError>;
    /// Renames a group; a name another group has is [`DirectoryError::Conflict`].
    fn rename_group(&mut self, id: &str, name: &str) -> Result<(), DirectoryError>;
    /// Deletes a group and its memberships.
    fn delete_group(&mut self, id: &str) -> Result<(), DirectoryError>;
    /// The user's version: 1 when created, then larger after each write to it or to its
    /// groups (its read-only `groups` attribute shows their ids and names). In memory it is
    /// one more per write; over SQLite, one more per read that follows writes.
    fn user_version(&self, id: &str) -> Result<u64, DirectoryError>;
    /// The group's version: 1 when created, then larger after each write to it or its
    /// members (counted as for [`ScimDirectory::user_version`]).
    fn group_version(&self, id: &str) -> Result<u64, DirectoryError>;
}

/// A [`ScimDirectory`] in memory: users in a [`InMemoryDirectory`] (its login uniqueness and
/// Okta's lifecycle), groups and memberships beside it. For tests and small deployments.
#[derive(Clone, Debug, Default)]
pub struct InMemoryScimDirectory {
    users: InMemoryDirectory,
    groups: BTreeMap<String, Group>,
    /// (group id, user id).
    members: BTreeSet<(String, String)>,
    user_versions: BTreeMap<String, u64>,
    group_versions: BTreeMap<String, u64>,
    next_group: u64,
}

impl InMemoryScimDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a user, e.g. to seed the directory; see
    /// [`InMemoryDirectory::insert_user`].
    pub fn insert_user(&mut self, user: User) -> Result<(), DirectoryError> {
        let id = user.id.clone();
        self.users.insert_user(user, &[])?;
        self.bump_user(&id);
        Ok(())
    }

    /// Adds (or replaces) a group of any type, e.g. an `APP_GROUP` or `BUILT_IN` group that
    /// SCIM will show but not change.
    pub fn insert_group(&mut self, group: Group) {
        let id = group.id.clone();
        self.groups.insert(id.clone(), group);
        self.bump_group(&id);
    }

    fn bump_user(&mut self, id: &str) {
        let version = self.user_versions.entry(id.to_owned()).or_insert(0);
        *version = version.saturating_add(1);
    }

    fn bump_group(&mut self, id: &str) {
        let version = self.group_versions.entry(id.to_owned()).or_insert(0);
        *version = version.saturating_add(1);
    }

    fn require_user(&self, id: &str) -> Result<(), DirectoryError> {
        match self.users.user(id)? {
            Some(_) => Ok(()),
            None => Err(DirectoryError::NotFound {
                what: "user",
                id: id.to_owned(),
            }),
        }
    }

    fn require_group(&self, id: &str) -> Result<(), DirectoryError> {
        if self.groups.contains_key(id) {
            Ok(())
        } else {
            Err(DirectoryError::NotFound {
                what: "group",
                id: id.to_owned(),
            })
        }
    }

    fn name_taken(&self, name: &str, except: Option<&str>) -> Result<(), DirectoryError> {
        let lower = name.to_lowercase();
        if self
            .groups
            .values()
            .any(|g| Some(g.id.as_str()) != except && g.name.to_lowercase() == lower)
        {
            return Err(DirectoryError::Conflict {
                what: "group displayName",
                value: name.to_owned(),
            });
        }
        Ok(())
    }
}

impl Directory for InMemoryScimDirectory {
    fn user(&self, id: &str) -> Result<Option<User>, DirectoryError> {
        self.users.user(id)
    }

    fn find_by_login(&self, login: &str) -> Result<Vec<User>, DirectoryError> {
        self.users.find_by_login(login)
    }

    fn find_by_email(&self, email: &str) -> Result<Vec<User>, DirectoryError> {
        self.users.find_by_email(email)
    }

    fn find_by_attribute(&self, name: &str, value: &str) -> Result<Vec<User>, DirectoryError> {
        self.users.find_by_attribute(name, value)
    }

    fn link(&self, idp_id: &str, external_id: &str) -> Result<Option<Link>, DirectoryError> {
        self.users.link(idp_id, external_id)
    }

    fn link_of_user(&self, idp_id: &str, user_id: &str) -> Result<Option<Link>, DirectoryError> {
        self.users.link_of_user(idp_id, user_id)
    }

    fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        Ok(self.groups.get(id).cloned())
    }

    fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, DirectoryError> {
        Ok(self
            .members
            .iter()
            .filter(|(_, u)| u == user_id)
            .filter_map(|(g, _)| self.groups.get(g).cloned())
            .collect())
    }

    fn create_user(&mut self, user: &NewUser) -> Result<String, DirectoryError> {
        let id = self.users.create_user(user)?;
        self.bump_user(&id);
        Ok(id)
    }

    fn delete_user(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.users.delete_user(id)?;
        let groups: Vec<String> = self
            .members
            .iter()
            .filter(|(_, u)| u == id)
            .map(|(g, _)| g.clone())
            .collect();
        for group in groups {
            self.members.remove(&(group.clone(), id.to_owned()));
            self.bump_group(&group);
        }
        // The version stays (ids are not reused), so an old ETag never matches again.
        self.bump_user(id);
        Ok(())
    }

    fn update_profile(
        &mut self,
        id: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<(), DirectoryError> {
        self.users.update_profile(id, changes)?;
        self.bump_user(id);
        Ok(())
    }

    fn set_status(
        &mut self,
        id: &str,
        from: UserStatus,
        to: UserStatus,
    ) -> Result<(), DirectoryError> {
        self.users.set_status(id, from, to)?;
        self.bump_user(id);
        Ok(())
    }

    fn add_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.require_user(user_id)?;
        self.require_group(group_id)?;
        let added = self
            .members
            .insert((group_id.to_owned(), user_id.to_owned()));
        if added {
            self.bump_group(group_id);
            // The user's read-only `groups` attribute changed too.
            self.bump_user(user_id);
        }
        Ok(added)
    }

    fn remove_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.require_group(group_id)?;
        let removed = self
            .members
            .remove(&(group_id.to_owned(), user_id.to_owned()));
        if removed {
            self.bump_group(group_id);
            self.bump_user(user_id);
        }
        Ok(removed)
    }

    fn create_link(&mut self, link: &Link) -> Result<(), DirectoryError> {
        self.users.create_link(link)
    }

    fn delete_link(&mut self, idp_id: &str, external_id: &str) -> Result<(), DirectoryError> {
        self.users.delete_link(idp_id, external_id)
    }
}

impl ScimDirectory for InMemoryScimDirectory {
    fn list_users(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<User>, usize), DirectoryError> {
        let page = self.users.users().skip(offset).take(limit).cloned();
        Ok((page.collect(), self.users.users().count()))
    }

    fn list_groups(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Group>, usize), DirectoryError> {
        let page = self.groups.values().skip(offset).take(limit).cloned();
        Ok((page.collect(), self.groups.len()))
    }

    fn find_groups_by_name(&self, name: &str) -> Result<Vec<Group>, DirectoryError> {
        let lower = name.to_lowercase();
        Ok(self
            .groups
            .values()
            .filter(|g| g.name.to_lowercase() == lower)
            .cloned()
            .collect())
    }

    fn members(&self, group_id: &str) -> Result<Vec<String>, DirectoryError> {
        self.require_group(group_id)?;
        Ok(self
            .members
            .iter()
            .filter(|(g, _)| g == group_id)
            .map(|(_, u)| u.clone())
            .collect())
    }

    fn create_group(&mut self, name: &str) -> Result<String, DirectoryError> {
        self.name_taken(name, None)?;
        let id = loop {
            self.next_group = self.next_group.saturating_add(1);
            let id = format!("00gmem{:014}", self.next_group);
            if !self.groups.contains_key(&id) && !self.group_versions.contains_key(&id) {
                break id;
            }
        };
        self.groups
            .insert(id.clone(), Group::new(&id, name, GroupType::OktaGroup));
        self.bump_group(&id);
        Ok(id)
    }

    fn rename_group(&mut self, id: &str, name: &str) -> Result<(), DirectoryError> {
        self.require_group(id)?;
        self.name_taken(name, Some(id))?;
        if let Some(group) = self.groups.get_mut(id) {
            group.name = name.to_owned();
        }
        self.bump_group(id);
        for member in self.members(id)? {
            self.bump_user(&member);
        }
        Ok(())
    }

    fn delete_group(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.require_group(id)?;
        self.groups.remove(id);
        let members: Vec<String> = self
            .members
            .iter()
            .filter(|(g, _)| g == id)
            .map(|(_, u)| u.clone())
            .collect();
        self.members.retain(|(g, _)| g != id);
        for member in members {
            self.bump_user(&member);
        }
        self.bump_group(id);
        Ok(())
    }

    fn user_version(&self, id: &str) -> Result<u64, DirectoryError> {
        Ok(self.user_versions.get(id).copied().unwrap_or(1))
    }

    fn group_version(&self, id: &str) -> Result<u64, DirectoryError> {
        Ok(self.group_versions.get(id).copied().unwrap_or(1))
    }
}
