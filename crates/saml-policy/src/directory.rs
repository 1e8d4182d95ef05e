//! The user directory a policy reads (and an applier writes): users with Okta's lifecycle
//! statuses, groups with Okta's group types, and the IdP link records. [`Directory`] is the
//! trait (object-safe, fallible, one method per query so it maps onto SQL); [`InMemoryDirectory`]
//! implements it in memory and loads from a JSON file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

/// Okta's user lifecycle statuses that the policy acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum UserStatus {
    /// Signed in, or may sign in.
    Active,
    /// Deactivated (`lifecycle/deactivate`).
    Deprovisioned,
    /// Activation started, not finished.
    Provisioned,
    /// Created, never activated.
    Staged,
    /// Suspended (`lifecycle/suspend`): keeps its groups, may not sign in.
    Suspended,
}

impl UserStatus {
    /// Okta's name, e.g. `DEPROVISIONED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Deprovisioned => "DEPROVISIONED",
            Self::Provisioned => "PROVISIONED",
            Self::Staged => "STAGED",
            Self::Suspended => "SUSPENDED",
        }
    }
}

impl UserStatus {
    /// Whether Okta's lifecycle allows `self` → `to`: activate (STAGED or DEPROVISIONED to
    /// PROVISIONED or ACTIVE), finish activation (PROVISIONED to ACTIVE), suspend (ACTIVE to
    /// SUSPENDED), unsuspend (SUSPENDED to ACTIVE), deactivate (any other to DEPROVISIONED).
    pub fn can_change_to(self, to: Self) -> bool {
        use UserStatus::{Active, Deprovisioned, Provisioned, Staged, Suspended};
        matches!(
            (self, to),
            (Staged | Deprovisioned, Provisioned | Active)
                | (Provisioned, Active)
                | (Active, Suspended)
                | (Suspended, Active)
                | (Staged | Provisioned | Active | Suspended, Deprovisioned)
        )
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Okta's group types. Only [`GroupType::OktaGroup`] memberships are ever changed by a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum GroupType {
    /// Imported from an application (e.g. Active Directory's Domain Users).
    AppGroup,
    /// Okta's own, e.g. Everyone.
    BuiltIn,
    /// Created in Okta.
    OktaGroup,
}

impl GroupType {
    /// Okta's name, e.g. `OKTA_GROUP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppGroup => "APP_GROUP",
            Self::BuiltIn => "BUILT_IN",
            Self::OktaGroup => "OKTA_GROUP",
        }
    }
}

impl fmt::Display for GroupType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user of the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// The directory's identifier (Okta: `00u…`).
    pub id: String,
    /// `profile.login`: unique, compared without case.
    pub login: String,
    /// `profile.email`, if any.
    pub email: Option<String>,
    /// The lifecycle status.
    pub status: UserStatus,
    /// Whether the user holds an administrator role (`accountLink.filter.users.excludeAdmins`).
    pub admin: bool,
    /// The other profile attributes.
    pub profile: BTreeMap<String, String>,
}

impl User {
    /// An active, non-admin user with an empty profile.
    pub fn new(id: impl Into<String>, login: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            login: login.into(),
            email: None,
            status: UserStatus::Active,
            admin: false,
            profile: BTreeMap::new(),
        }
    }

    /// The value of a profile attribute; `login` and `email` included.
    pub fn profile_value(&self, name: &str) -> Option<&str> {
        match name {
            "login" => Some(&self.login),
            "email" => self.email.as_deref(),
            _ => self.profile.get(name).map(String::as_str),
        }
    }
}

/// A group of the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Group {
    /// The directory's identifier (Okta: `00g…`).
    pub id: String,
    /// The display name (what an IdP asserts in its groups attribute).
    pub name: String,
    /// The type.
    pub group_type: GroupType,
}

impl Group {
    /// A group.
    pub fn new(id: impl Into<String>, name: impl Into<String>, group_type: GroupType) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            group_type,
        }
    }
}

/// An IdP link record: this IdP's persistent NameID belongs to this user (Okta's
/// `/api/v1/idps/{idpId}/users/{userId}` with `externalId`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Link {
    /// The IdP's identifier (Okta: `0oa…`).
    pub idp_id: String,
    /// The persistent NameID value.
    pub external_id: String,
    /// The linked user.
    pub user_id: String,
}

impl Link {
    /// A link record.
    pub fn new(
        idp_id: impl Into<String>,
        external_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Self {
        Self {
            idp_id: idp_id.into(),
            external_id: external_id.into(),
            user_id: user_id.into(),
        }
    }
}

/// A user to create (JIT provisioning); the directory assigns the id.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewUser {
    /// `profile.login`.
    pub login: String,
    /// `profile.email`.
    pub email: Option<String>,
    /// The initial status.
    pub status: UserStatus,
    /// The other profile attributes.
    pub profile: BTreeMap<String, String>,
}

impl NewUser {
    /// A user to create with this login and initial status, no email and an empty profile
    /// (the struct is `#[non_exhaustive]`, so other crates build it here and set the fields).
    pub fn new(login: impl Into<String>, status: UserStatus) -> Self {
        Self {
            login: login.into(),
            email: None,
            status,
            profile: BTreeMap::new(),
        }
    }
}

/// What a directory could not do. Every variant names the record and the values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The storage failed (I/O, SQL, a timeout).
    #[error("directory storage: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A unique value is taken: a login, a link record.
    #[error("{what} `{value}` already exists")]
    Conflict {
        /// What kind of record, e.g. `login`.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A record does not exist.
    #[error("{what} `{id}` does not exist")]
    NotFound {
        /// What kind of record, e.g. `user`.
        what: &'static str,
        /// Its identifier.
        id: String,
    },
    /// Okta's lifecycle has no such transition ([`UserStatus::can_change_to`]).
    #[error("user `{user}` cannot go from {from} to {to}")]
    InvalidTransition {
        /// The user.
        user: String,
        /// Its status.
        from: UserStatus,
        /// The status asked for.
        to: UserStatus,
    },
    /// A status change found another status than the one it was decided from.
    #[error("user `{user}` is {found}, not {expected}: the decision is stale")]
    StatusChanged {
        /// The user.
        user: String,
        /// The status the decision saw.
        expected: UserStatus,
        /// The status now.
        found: UserStatus,
    },
}

impl DirectoryError {
    /// [`Conflict`](Self::Conflict): a new link's (IdP, externalId) is another link's. Every
    /// [`Directory`] refuses it alike.
    pub fn link_taken(link: &Link) -> Self {
        Self::Conflict {
            what: "link",
            value: format!("{} {}", link.idp_id, link.external_id),
        }
    }

    /// [`Conflict`](Self::Conflict): the user of a new link already has `other` at this IdP
    /// (Okta keeps one link record per user and IdP).
    pub fn user_already_linked(other: &Link) -> Self {
        Self::Conflict {
            what: "link of the user at this IdP",
            value: format!("{} {} {}", other.idp_id, other.external_id, other.user_id),
        }
    }

    /// [`NotFound`](Self::NotFound): no link of `external_id` at `idp_id`.
    pub fn link_not_found(idp_id: &str, external_id: &str) -> Self {
        Self::NotFound {
            what: "link",
            id: format!("{idp_id} {external_id}"),
        }
    }
}

/// A user directory. Reads take `&self`, writes `&mut self`; every call is fallible.
///
/// Lookups of logins and emails ignore case (Okta's logins are case-insensitive); custom
/// attribute lookups compare exactly. Lookups return every match, deprovisioned users
/// included (Okta's `filter=` search includes them), so that a policy can see ambiguity.
pub trait Directory {
    /// The user with this id.
    fn user(&self, id: &str) -> Result<Option<User>, DirectoryError>;
    /// Users whose login equals `login`, ignoring case.
    fn find_by_login(&self, login: &str) -> Result<Vec<User>, DirectoryError>;
    /// Users whose email equals `email`, ignoring case.
    fn find_by_email(&self, email: &str) -> Result<Vec<User>, DirectoryError>;
    /// Users whose profile attribute `name` equals `value` exactly.
    fn find_by_attribute(&self, name: &str, value: &str) -> Result<Vec<User>, DirectoryError>;
    /// The link record of this IdP and external id (persistent NameID).
    fn link(&self, idp_id: &str, external_id: &str) -> Result<Option<Link>, DirectoryError>;
    /// The link record of this user at this IdP, if any (Okta keeps one per user and IdP).
    fn link_of_user(&self, idp_id: &str, user_id: &str) -> Result<Option<Link>, DirectoryError>;
    /// The group with this id.
    fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError>;
    /// The groups the user is a member of.
    fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, DirectoryError>;

    /// Creates a user; a login already taken is [`DirectoryError::Conflict`]. Returns its id.
    fn create_user(&mut self, user: &NewUser) -> Result<String, DirectoryError>;
    /// Deletes a user, its memberships and its links (used to undo a creation).
    fn delete_user(&mut self, id: &str) -> Result<(), DirectoryError>;
    /// Sets (`Some`) or removes (`None`) profile attributes, `email` included.
    fn update_profile(
        &mut self,
        id: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<(), DirectoryError>;
    /// Changes the status from `from` to `to`; another current status is
    /// [`DirectoryError::StatusChanged`], a transition Okta's lifecycle lacks
    /// [`DirectoryError::InvalidTransition`].
    fn set_status(
        &mut self,
        id: &str,
        from: UserStatus,
        to: UserStatus,
    ) -> Result<(), DirectoryError>;
    /// Adds a membership; `false` when it already existed.
    fn add_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError>;
    /// Removes a membership; `false` when it did not exist.
    fn remove_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError>;
    /// Records a link; an existing record for the same IdP and external id, or for the same
    /// IdP and user, is [`DirectoryError::Conflict`].
    fn create_link(&mut self, link: &Link) -> Result<(), DirectoryError>;
    /// Deletes a link record (used to undo its creation).
    fn delete_link(&mut self, idp_id: &str, external_id: &str) -> Result<(), DirectoryError>;
}

/// A directory in memory: for tests, the CLI, and small deployments.
#[derive(Clone, Debug, Default)]
pub struct InMemoryDirectory {
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    members: BTreeSet<(String, String)>,
    links: BTreeMap<(String, String), String>,
    next_id: u64,
}

/// Why a directory JSON file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryJsonError {
    /// Not JSON, or a member of the wrong type; `path` is the JSON path.
    #[error("`{path}` of the directory JSON: {reason}")]
    Invalid {
        /// The JSON path, e.g. `users[2].status`.
        path: String,
        /// serde's explanation.
        reason: String,
    },
    /// Two records share an identifier, or two users a login.
    #[error("`{path}` of the directory JSON: {what} `{value}` appears twice")]
    Duplicate {
        /// The JSON path of the second one.
        path: String,
        /// What kind of value.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A reference to a user or group that the file does not define.
    #[error("`{path}` of the directory JSON: {what} `{id}` is not defined in the file")]
    Unknown {
        /// The JSON path of the reference.
        path: String,
        /// What kind of record.
        what: &'static str,
        /// The identifier.
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object")]
struct DirectoryJson {
    #[serde(default)]
    users: Vec<UserJson>,
    #[serde(default)]
    groups: Vec<GroupJson>,
    #[serde(default)]
    links: Vec<LinkJson>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a user object"
)]
struct UserJson {
    id: String,
    login: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default = "active")]
    status: UserStatus,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    profile: BTreeMap<String, String>,
    #[serde(default)]
    groups: Vec<String>,
}

fn active() -> UserStatus {
    UserStatus::Active
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a group object")]
struct GroupJson {
    id: String,
    name: String,
    #[serde(rename = "type")]
    group_type: GroupType,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a link object"
)]
struct LinkJson {
    idp_id: String,
    external_id: String,
    user_id: String,
}

impl InMemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads a directory from JSON:
    ///
    /// ```json
    /// {"users": [{"id": "00u1", "login": "alice@example.com", "email": "alice@example.com",
    ///             "status": "ACTIVE", "admin": false, "profile": {"firstName": "Alice"},
    ///             "groups": ["00g1"]}],
    ///  "groups": [{"id": "00g1", "name": "Cloud Users", "type": "OKTA_GROUP"}],
    ///  "links": [{"idpId": "0oa1", "externalId": "a7f3…", "userId": "00u1"}]}
    /// ```
    ///
    /// `status` defaults to `ACTIVE`; unknown members are refused (a typo would otherwise
    /// silently change a decision). Ids, logins (ignoring case) and link keys must be unique,
    /// and every reference must name a user or group of the file.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DirectoryJsonError> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let parsed: DirectoryJson =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                DirectoryJsonError::Invalid {
                    path: e.path().to_string(),
                    reason: e.into_inner().to_string(),
                }
            })?;
        deserializer
            .end()
            .map_err(|e| DirectoryJsonError::Invalid {
                path: ".".to_owned(),
                reason: e.to_string(),
            })?;
        let mut directory = Self::new();
        for (i, group) in parsed.groups.into_iter().enumerate() {
            if directory.groups.contains_key(&group.id) {
                return Err(DirectoryJsonError::Duplicate {
                    path: format!("groups[{i}].id"),
                    what: "group id",
                    value: group.id,
                });
            }
            let group = Group::new(group.id, group.name, group.group_type);
            directory.groups.insert(group.id.clone(), group);
        }
        let mut logins = BTreeSet::new();
        for (i, user) in parsed.users.into_iter().enumerate() {
            if directory.users.contains_key(&user.id) {
                return Err(DirectoryJsonError::Duplicate {
                    path: format!("users[{i}].id"),
                    what: "user id",
                    value: user.id,
                });
            }
            if !logins.insert(user.login.to_lowercase()) {
                return Err(DirectoryJsonError::Duplicate {
                    path: format!("users[{i}].login"),
                    what: "login",
                    value: user.login,
                });
            }
            for (j, group) in user.groups.iter().enumerate() {
                if !directory.groups.contains_key(group) {
                    return Err(DirectoryJsonError::Unknown {
                        path: format!("users[{i}].groups[{j}]"),
                        what: "group",
                        id: group.clone(),
                    });
                }
                directory.members.insert((user.id.clone(), group.clone()));
            }
            let record = User {
                id: user.id,
                login: user.login,
                email: user.email,
                status: user.status,
                admin: user.admin,
                profile: user.profile,
            };
            directory.users.insert(record.id.clone(), record);
        }
        for (i, link) in parsed.links.into_iter().enumerate() {
            if !directory.users.contains_key(&link.user_id) {
                return Err(DirectoryJsonError::Unknown {
                    path: format!("links[{i}].userId"),
                    what: "user",
                    id: link.user_id,
                });
            }
            let key = (link.idp_id, link.external_id);
            if directory.links.contains_key(&key) {
                return Err(DirectoryJsonError::Duplicate {
                    path: format!("links[{i}]"),
                    what: "link (idpId, externalId)",
                    value: format!("{}, {}", key.0, key.1),
                });
            }
            directory.links.insert(key, link.user_id);
        }
        Ok(directory)
    }

    /// Adds (or replaces) a group.
    pub fn insert_group(&mut self, group: Group) {
        self.groups.insert(group.id.clone(), group);
    }

    /// Adds (or replaces) a user, a member of `groups`. A login another user has is
    /// [`DirectoryError::Conflict`]; a group not inserted before is
    /// [`DirectoryError::NotFound`].
    pub fn insert_user(&mut self, user: User, groups: &[&str]) -> Result<(), DirectoryError> {
        if self.login_taken(&user.login, Some(&user.id)) {
            return Err(DirectoryError::Conflict {
                what: "login",
                value: user.login,
            });
        }
        for group in groups {
            self.require_group(group)?;
        }
        for group in groups {
            self.members.insert((user.id.clone(), (*group).to_owned()));
        }
        self.users.insert(user.id.clone(), user);
        Ok(())
    }

    /// Adds a link record; its user must exist.
    pub fn insert_link(&mut self, link: Link) -> Result<(), DirectoryError> {
        self.require_user(&link.user_id)?;
        self.links
            .insert((link.idp_id, link.external_id), link.user_id);
        Ok(())
    }

    /// Every user, by id.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// Every group, by id.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    /// Every link record.
    pub fn links(&self) -> impl Iterator<Item = Link> + '_ {
        self.links
            .iter()
            .map(|((idp, external), user)| Link::new(idp, external, user))
    }

    fn login_taken(&self, login: &str, except: Option<&str>) -> bool {
        self.users.values().any(|u| {
            Some(u.id.as_str()) != except && u.login.to_lowercase() == login.to_lowercase()
        })
    }

    fn require_user(&self, id: &str) -> Result<(), DirectoryError> {
        if self.users.contains_key(id) {
            Ok(())
        } else {
            Err(DirectoryError::NotFound {
                what: "user",
                id: id.to_owned(),
            })
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

    fn user_mut(&mut self, id: &str) -> Result<&mut User, DirectoryError> {
        self.users
            .get_mut(id)
            .ok_or_else(|| DirectoryError::NotFound {
                what: "user",
                id: id.to_owned(),
            })
    }

    fn matching(&self, keep: impl Fn(&User) -> bool) -> Vec<User> {
        self.users.values().filter(|u| keep(u)).cloned().collect()
    }
}

impl Directory for InMemoryDirectory {
    fn user(&self, id: &str) -> Result<Option<User>, DirectoryError> {
        Ok(self.users.get(id).cloned())
    }

    fn find_by_login(&self, login: &str) -> Result<Vec<User>, DirectoryError> {
        let login = login.to_lowercase();
        Ok(self.matching(|u| u.login.to_lowercase() == login))
    }

    fn find_by_email(&self, email: &str) -> Result<Vec<User>, DirectoryError> {
        let email = email.to_lowercase();
        Ok(self.matching(|u| u.email.as_ref().is_some_and(|e| e.to_lowercase() == email)))
    }

    fn find_by_attribute(&self, name: &str, value: &str) -> Result<Vec<User>, DirectoryError> {
        Ok(self.matching(|u| u.profile_value(name) == Some(value)))
    }

    fn link(&self, idp_id: &str, external_id: &str) -> Result<Option<Link>, DirectoryError> {
        Ok(self
            .links
            .get(&(idp_id.to_owned(), external_id.to_owned()))
            .map(|user| Link::new(idp_id, external_id, user)))
    }

    fn link_of_user(&self, idp_id: &str, user_id: &str) -> Result<Option<Link>, DirectoryError> {
        Ok(self
            .links
            .iter()
            .find(|((idp, _), user)| idp == idp_id && *user == user_id)
            .map(|((idp, external), user)| Link::new(idp, external, user)))
    }

    fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        Ok(self.groups.get(id).cloned())
    }

    fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, DirectoryError> {
        Ok(self
            .members
            .iter()
            .filter(|(u, _)| u == user_id)
            .filter_map(|(_, g)| self.groups.get(g).cloned())
            .collect())
    }

    fn create_user(&mut self, user: &NewUser) -> Result<String, DirectoryError> {
        if self.login_taken(&user.login, None) {
            return Err(DirectoryError::Conflict {
                what: "login",
                value: user.login.clone(),
            });
        }
        let id = loop {
            self.next_id = self.next_id.saturating_add(1);
            let id = format!("00umem{:014}", self.next_id);
            if !self.users.contains_key(&id) {
                break id;
            }
        };
        let record = User {
            id: id.clone(),
            login: user.login.clone(),
            email: user.email.clone(),
            status: user.status,
            admin: false,
            profile: user.profile.clone(),
        };
        self.users.insert(id.clone(), record);
        Ok(id)
    }

    fn delete_user(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.require_user(id)?;
        self.users.remove(id);
        self.members.retain(|(u, _)| u != id);
        self.links.retain(|_, u| u != id);
        Ok(())
    }

    fn update_profile(
        &mut self,
        id: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<(), DirectoryError> {
        let user = self.user_mut(id)?;
        for (name, value) in changes {
            match (name.as_str(), value) {
                ("email", value) => user.email.clone_from(value),
                ("login", _) => {
                    return Err(DirectoryError::Conflict {
                        what: "profile attribute (read-only)",
                        value: "login".to_owned(),
                    });
                }
                (_, Some(value)) => {
                    user.profile.insert(name.clone(), value.clone());
                }
                (_, None) => {
                    user.profile.remove(name);
                }
            }
        }
        Ok(())
    }

    fn set_status(
        &mut self,
        id: &str,
        from: UserStatus,
        to: UserStatus,
    ) -> Result<(), DirectoryError> {
        let user = self.user_mut(id)?;
        if user.status != from {
            return Err(DirectoryError::StatusChanged {
                user: id.to_owned(),
                expected: from,
                found: user.status,
            });
        }
        if !from.can_change_to(to) {
            return Err(DirectoryError::InvalidTransition {
                user: id.to_owned(),
                from,
                to,
            });
        }
        user.status = to;
        Ok(())
    }

    fn add_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.require_user(user_id)?;
        self.require_group(group_id)?;
        Ok(self
            .members
            .insert((user_id.to_owned(), group_id.to_owned())))
    }

    fn remove_member(&mut self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.require_user(user_id)?;
        Ok(self
            .members
            .remove(&(user_id.to_owned(), group_id.to_owned())))
    }

    fn create_link(&mut self, link: &Link) -> Result<(), DirectoryError> {
        self.require_user(&link.user_id)?;
        let key = (link.idp_id.clone(), link.external_id.clone());
        if self.links.contains_key(&key) {
            return Err(DirectoryError::link_taken(link));
        }
        // Okta keeps one link record per user and IdP.
        if let Some(other) = self.link_of_user(&link.idp_id, &link.user_id)? {
            return Err(DirectoryError::user_already_linked(&other));
        }
        self.links.insert(key, link.user_id.clone());
        Ok(())
    }

    fn delete_link(&mut self, idp_id: &str, external_id: &str) -> Result<(), DirectoryError> {
        match self
            .links
            .remove(&(idp_id.to_owned(), external_id.to_owned()))
        {
            Some(_) => Ok(()),
            None => Err(DirectoryError::link_not_found(idp_id, external_id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_the_path() {
        let err = InMemoryDirectory::from_json(
            br#"{"users": [{"id": "u", "login": "a", "status": "GONE"}]}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`users[0].status` of the directory JSON: unknown variant `GONE`"),
            "{err}"
        );
        let err = InMemoryDirectory::from_json(
            br#"{"users": [{"id": "u", "login": "a", "groups": ["g"]}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`users[0].groups[0]` of the directory JSON: group `g` is not defined in the file"
        );
        let err = InMemoryDirectory::from_json(
            br#"{"users": [{"id": "u", "login": "A"}, {"id": "v", "login": "a"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`users[1].login` of the directory JSON: login `a` appears twice"
        );
        let err = InMemoryDirectory::from_json(br#"{"users": [], "grups": []}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `grups`"), "{err}");
        assert!(InMemoryDirectory::from_json(b"{} x").is_err());
    }

    #[test]
    fn status_changes_follow_okta_lifecycle() {
        use UserStatus::*;
        let mut d = InMemoryDirectory::new();
        d.insert_user(User::new("u", "u"), &[]).unwrap();
        assert!(matches!(
            d.set_status("u", Active, Staged),
            Err(DirectoryError::InvalidTransition { .. })
        ));
        assert!(matches!(
            d.set_status("u", Suspended, Active),
            Err(DirectoryError::StatusChanged { found: Active, .. })
        ));
        for (from, to) in [
            (Active, Suspended),
            (Suspended, Deprovisioned),
            (Deprovisioned, Active),
        ] {
            d.set_status("u", from, to).unwrap();
        }
        assert!(!Deprovisioned.can_change_to(Suspended));
        assert!(!Active.can_change_to(Active));
        assert!(Staged.can_change_to(Active));
    }

    #[test]
    fn lookups_ignore_case_for_login_and_email_only() {
        let mut d = InMemoryDirectory::new();
        let mut u = User::new("u1", "Alice@Example.com");
        u.email = Some("ALICE@example.com".into());
        u.profile.insert("employeeNumber".into(), "E1".into());
        d.insert_user(u, &[]).unwrap();
        assert_eq!(d.find_by_login("alice@example.COM").unwrap().len(), 1);
        assert_eq!(d.find_by_email("alice@example.com").unwrap().len(), 1);
        assert_eq!(
            d.find_by_attribute("employeeNumber", "e1").unwrap().len(),
            0
        );
        assert_eq!(
            d.find_by_attribute("employeeNumber", "E1").unwrap().len(),
            1
        );
        let new = NewUser {
            login: "ALICE@example.com".into(),
            email: None,
            status: UserStatus::Active,
            profile: BTreeMap::new(),
        };
        assert!(matches!(
            d.create_user(&new),
            Err(DirectoryError::Conflict { what: "login", .. })
        ));
    }
}
