//! [`evaluate`]: the pure decision, and the [`Decision`] it returns.

use std::collections::BTreeSet;
use std::fmt;

use crate::directory::{Directory, DirectoryError, Group, GroupType, NewUser, User, UserStatus};
use crate::idp_user::IdpUser;
use crate::policy::{
    AccountLinkAction, DeprovisionedAction, GroupsPolicy, MatchType, OnExistingAccount, Policy,
    ProvisioningAction, SuspendedAction,
};
use crate::template::EvalError;

/// What the policy decided for one sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    /// The outcome.
    pub outcome: Outcome,
    /// The transformed username, when the template could be evaluated.
    pub username: Option<String>,
    /// How the user was found, for an existing user.
    pub found_by: Option<FoundBy>,
    /// The writes that carry the decision out (empty when denied).
    pub changes: Changes,
    /// Every step that decided, naming the policy fields and the values, joined by `; `.
    pub reason: String,
}

/// The outcome of a sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A new user is created (JIT provisioning).
    Created,
    /// The sign-in is refused.
    Denied(Denial),
    /// An existing user found by matching is signed in (and linked, for a persistent NameID).
    Linked(UserRef),
    /// Matching found an existing user, and [`OnExistingAccount::RequireProof`] is set: the
    /// application must sign the user in to that account first, then use
    /// [`Decision::proven`].
    NeedsProof(UserRef),
    /// A DEPROVISIONED user is reactivated (`conditions.deprovisioned.action` REACTIVATE).
    Reactivated(UserRef),
    /// A linked user signs in and nothing changes.
    SignedIn(UserRef),
    /// A SUSPENDED user is unsuspended (`conditions.suspended.action` UNSUSPEND).
    Unsuspended(UserRef),
    /// A linked user signs in and the profile or group memberships change.
    Updated(UserRef),
}

impl Outcome {
    /// A stable lower-case name: `created`, `denied`, `linked`, `needs_proof`,
    /// `reactivated`, `signed_in`, `unsuspended`, `updated`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Denied(_) => "denied",
            Self::Linked(_) => "linked",
            Self::NeedsProof(_) => "needs_proof",
            Self::Reactivated(_) => "reactivated",
            Self::SignedIn(_) => "signed_in",
            Self::Unsuspended(_) => "unsuspended",
            Self::Updated(_) => "updated",
        }
    }

    /// The existing user the outcome is about, if any.
    pub fn user(&self) -> Option<&UserRef> {
        match self {
            Self::Created | Self::Denied(_) => None,
            Self::Linked(u)
            | Self::NeedsProof(u)
            | Self::Reactivated(u)
            | Self::SignedIn(u)
            | Self::Unsuspended(u)
            | Self::Updated(u) => Some(u),
        }
    }
}

/// A directory user, as a decision names it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserRef {
    /// The id.
    pub id: String,
    /// The login.
    pub login: String,
}

impl From<&User> for UserRef {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            login: user.login.clone(),
        }
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user `{}` (`{}`)", self.id, self.login)
    }
}

/// How an existing user was found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FoundBy {
    /// Matching on `subject.matchType`.
    Match(MatchType),
    /// The link record of the persistent NameID.
    PersistentLink,
}

/// Why a sign-in is refused. The Display names the policy field and the values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// Several users match the transformed username.
    #[error(
        "subject.matchType {match_type}: transformed username `{username}` matches {} different users ({}); refusing to choose",
        users.len(), users.join(", ")
    )]
    Ambiguous {
        /// The match type.
        match_type: MatchType,
        /// The transformed username.
        username: String,
        /// The ids of the users it matches.
        users: Vec<String>,
    },
    /// The persistent NameID's link record names a user the directory does not have.
    #[error(
        "the link record of persistent NameID `{external_id}` at IdP `{idp_id}` names user `{user_id}`, which does not exist"
    )]
    DanglingLink {
        /// The IdP id.
        idp_id: String,
        /// The persistent NameID.
        external_id: String,
        /// The missing user.
        user_id: String,
    },
    /// The user is DEPROVISIONED and `conditions.deprovisioned.action` is NONE.
    #[error("{user} is DEPROVISIONED and provisioning.conditions.deprovisioned.action is NONE")]
    Deprovisioned {
        /// The user.
        user: UserRef,
    },
    /// Matching found an existing account and [`OnExistingAccount::Deny`] is set.
    #[error(
        "subject.matchType {match_type} finds {user} for transformed username `{username}`, and the policy denies sign-ins that would link an existing account (on_existing_account Deny)"
    )]
    ExistingAccount {
        /// The match type.
        match_type: MatchType,
        /// The transformed username.
        username: String,
        /// The user.
        user: UserRef,
    },
    /// The matched user is already linked at this IdP under another persistent NameID.
    #[error(
        "{user} matches transformed username `{username}` but is already linked at IdP `{idp_id}` to persistent NameID `{linked}`, not `{presented}`"
    )]
    LinkedElsewhere {
        /// The user.
        user: UserRef,
        /// The transformed username.
        username: String,
        /// The IdP id.
        idp_id: String,
        /// The NameID the existing link record holds.
        linked: String,
        /// The NameID presented.
        presented: String,
    },
    /// The NameID is persistent and empty: it cannot identify a link.
    #[error("the NameID Format is persistent but its value is empty")]
    EmptyPersistentNameId,
    /// The user is STAGED or PROVISIONED: activation is not finished.
    #[error("{user} is {status}: only ACTIVE users sign in through an IdP")]
    NotActive {
        /// The user.
        user: UserRef,
        /// The status.
        status: UserStatus,
    },
    /// No user is linked or matched, and `provisioning.action` is DISABLED.
    #[error(
        "provisioning.action is DISABLED and no user is linked to this IdP user or matches transformed username `{username}` ({why})"
    )]
    ProvisioningDisabled {
        /// The transformed username.
        username: String,
        /// Why no user was found, e.g. "subject.matchType USERNAME matches no user".
        why: String,
    },
    /// `subject.filter` does not match the transformed username.
    #[error("subject.filter `{filter}` does not match transformed username `{username}`")]
    SubjectFilter {
        /// The filter.
        filter: String,
        /// The transformed username.
        username: String,
    },
    /// The user is SUSPENDED and `conditions.suspended.action` is NONE.
    #[error("{user} is SUSPENDED and provisioning.conditions.suspended.action is NONE")]
    Suspended {
        /// The user.
        user: UserRef,
    },
    /// `subject.userNameTemplate` cannot be evaluated for this IdP user.
    #[error("subject.userNameTemplate `{template}`: {error}")]
    Template {
        /// The template.
        template: String,
        /// Why.
        error: EvalError,
    },
    /// A group the policy names is not in the directory.
    #[error("`{field}` names group `{group_id}`, which the directory does not have")]
    UnknownGroup {
        /// The policy field.
        field: &'static str,
        /// The group id.
        group_id: String,
    },
    /// JIT provisioning would create a login another user has.
    #[error(
        "provisioning.action AUTO cannot create `{username}`: the login belongs to {user}, which is not linked ({why})"
    )]
    UsernameTaken {
        /// The transformed username.
        username: String,
        /// The user holding the login.
        user: UserRef,
        /// Why that user was not linked.
        why: String,
    },
}

/// The writes a decision makes, in the order [`apply`](crate::apply) makes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Changes {
    /// The user to create (JIT).
    pub create: Option<NewUser>,
    /// Profile attributes to set, for an existing user.
    pub profile: Vec<ProfileChange>,
    /// Group memberships to add and remove.
    pub groups: Vec<GroupChange>,
    /// The status change (reactivate, unsuspend).
    pub status: Option<StatusChange>,
    /// The link record to create (IdP id and persistent NameID; the user is the decision's).
    pub link: Option<LinkChange>,
}

impl Changes {
    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.create.is_none()
            && self.profile.is_empty()
            && self.groups.is_empty()
            && self.status.is_none()
            && self.link.is_none()
    }
}

/// One profile attribute's change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileChange {
    /// The attribute.
    pub attribute: String,
    /// Its value now (`None`: unset).
    pub old: Option<String>,
    /// Its new value.
    pub new: String,
}

/// Add or remove a membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GroupAction {
    /// Add the user to the group.
    Add,
    /// Remove the user from the group.
    Remove,
}

/// One membership change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupChange {
    /// Add or remove.
    pub action: GroupAction,
    /// The group id.
    pub group_id: String,
    /// The group name.
    pub group_name: String,
}

impl fmt::Display for GroupChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.action {
            GroupAction::Add => '+',
            GroupAction::Remove => '-',
        };
        write!(f, "{sign}{} ({})", self.group_name, self.group_id)
    }
}

/// A status change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusChange {
    /// The status the decision saw.
    pub from: UserStatus,
    /// The new status.
    pub to: UserStatus,
}

/// A link record to create.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkChange {
    /// The IdP id.
    pub idp_id: String,
    /// The persistent NameID.
    pub external_id: String,
}

impl Decision {
    /// The decision once the user proved the existing account ([`Outcome::NeedsProof`]
    /// becomes what [`OnExistingAccount::Link`] would have decided); any other decision is
    /// returned unchanged.
    pub fn proven(mut self) -> Self {
        if let Outcome::NeedsProof(user) = &self.outcome {
            let user = user.clone();
            self.outcome = existing_outcome(&self.changes, user, true);
            self.reason
                .push_str("; the user proved the existing account");
        }
        self
    }

    /// The denial, if the sign-in is refused.
    pub fn denial(&self) -> Option<&Denial> {
        match &self.outcome {
            Outcome::Denied(d) => Some(d),
            _ => None,
        }
    }
}

fn existing_outcome(changes: &Changes, user: UserRef, matched: bool) -> Outcome {
    match changes.status {
        Some(StatusChange {
            from: UserStatus::Deprovisioned,
            ..
        }) => Outcome::Reactivated(user),
        Some(_) => Outcome::Unsuspended(user),
        None if matched => Outcome::Linked(user),
        None if changes.is_empty() => Outcome::SignedIn(user),
        None => Outcome::Updated(user),
    }
}

/// The steps so far, and the decision's parts.
struct Trail {
    steps: Vec<String>,
    username: Option<String>,
}

impl Trail {
    fn deny(mut self, denial: Denial) -> Decision {
        self.steps.push(format!("denied: {denial}"));
        Decision {
            outcome: Outcome::Denied(denial),
            username: self.username,
            found_by: None,
            changes: Changes::default(),
            reason: self.steps.join("; "),
        }
    }
}

/// Decides what `policy` does with `user` against `directory`, reading it and never writing.
/// A directory that fails is an error (the caller refuses the sign-in), never a guess. The
/// [`Decision`] says what would change, and why, for [`apply`](crate::apply) to carry out, a
/// log to record, or a CLI to show.
///
/// The procedure (Okta's, as `OKTA-ORG2ORG.md` §1.2 assembles it):
///
/// 1. The transformed username := `subject.userNameTemplate` evaluated on the IdP user.
/// 2. `subject.filter`, when set, must match it whole.
/// 3. A persistent NameID (with `honorPersistentNameId`) already linked at this IdP selects
///    its user, whatever the username now is. Only a NameID whose Format is persistent is
///    looked up, and only under this IdP's id.
/// 4. Otherwise, with `accountLink.action` AUTO, the users whose `subject.matchType`
///    attribute equals the username are found. More than one distinct user is ambiguous and
///    refused (before the link filter: an identifier that names two accounts names none);
///    one user passes `accountLink.filter` or is not linked. A user already linked at this
///    IdP under another persistent NameID is refused rather than taken over.
/// 5. Otherwise, with `provisioning.action` AUTO, a new user is created (JIT) unless the
///    login is taken; DISABLED refuses.
/// 6. An existing user must be ACTIVE, or DEPROVISIONED with `REACTIVATE`, or SUSPENDED with
///    `UNSUSPEND`; STAGED and PROVISIONED users are refused (they have not finished
///    activation, which is not the IdP's to complete).
/// 7. Profile (`profileMaster`) and group (`groups.action`) changes are computed; APP_GROUP
///    and BUILT_IN memberships are never changed.
pub fn evaluate<D: Directory + ?Sized>(
    user: &IdpUser,
    policy: &Policy,
    directory: &D,
) -> Result<Decision, DirectoryError> {
    let mut trail = Trail {
        steps: Vec::new(),
        username: None,
    };
    let template = &policy.subject.user_name_template;
    let evaluated = template.evaluate(user).and_then(|u| {
        if u.trim().is_empty() {
            Err(EvalError::Empty)
        } else {
            Ok(u)
        }
    });
    let username = match evaluated {
        Ok(u) => u,
        Err(error) => {
            return Ok(trail.deny(Denial::Template {
                template: template.source().to_owned(),
                error,
            }));
        }
    };
    trail.username = Some(username.clone());
    trail.steps.push(format!(
        "transformed username `{username}` (subject.userNameTemplate `{template}`)"
    ));
    if let Some(filter) = &policy.subject.filter {
        if !filter.matches(&username) {
            return Ok(trail.deny(Denial::SubjectFilter {
                filter: filter.source().to_owned(),
                username,
            }));
        }
        trail
            .steps
            .push(format!("subject.filter `{}` matches", filter.source()));
    }

    let persistent = policy.honor_persistent_name_id && user.is_persistent();
    let idp_id = policy.idp_id.as_str();
    let external_id = user.subject_name_id.as_str();
    if persistent && external_id.trim().is_empty() {
        return Ok(trail.deny(Denial::EmptyPersistentNameId));
    }

    // 3. The sticky link of a persistent NameID.
    if persistent && let Some(link) = directory.link(idp_id, external_id)? {
        let Some(found) = directory.user(&link.user_id)? else {
            return Ok(trail.deny(Denial::DanglingLink {
                idp_id: idp_id.to_owned(),
                external_id: external_id.to_owned(),
                user_id: link.user_id,
            }));
        };
        trail.steps.push(format!(
            "persistent NameID `{external_id}` is linked at IdP `{idp_id}` to {}",
            UserRef::from(&found)
        ));
        return existing(trail, user, policy, directory, &found, None);
    }
    if !user.is_persistent() {
        trail.steps.push(format!(
            "NameID Format `{}` is not persistent: matched at every sign-in, never linked",
            user.subject_name_format.as_deref().unwrap_or("(none)")
        ));
    } else if !policy.honor_persistent_name_id {
        trail.steps.push(
            "protocol.settings.honorPersistentNameId is false: matched at every sign-in, never linked"
                .to_owned(),
        );
    }

    // 4. Matching.
    let match_type = &policy.subject.match_type;
    let why_not_linked = match policy.account_link.action {
        AccountLinkAction::Disabled => "accountLink.action is DISABLED".to_owned(),
        AccountLinkAction::Auto => {
            let candidates = matches(directory, match_type, &username)?;
            match candidates.as_slice() {
                [] => format!("subject.matchType {match_type} matches no user"),
                [one] => match link_filter(policy, directory, one)? {
                    Some(excluded) => excluded,
                    None => {
                        if persistent
                            && let Some(other) = directory.link_of_user(idp_id, &one.id)?
                            && other.external_id != external_id
                        {
                            return Ok(trail.deny(Denial::LinkedElsewhere {
                                user: UserRef::from(one),
                                username,
                                idp_id: idp_id.to_owned(),
                                linked: other.external_id,
                                presented: external_id.to_owned(),
                            }));
                        }
                        trail.steps.push(format!(
                            "subject.matchType {match_type} matches {}; accountLink.action AUTO",
                            UserRef::from(one)
                        ));
                        return existing(trail, user, policy, directory, one, Some(match_type));
                    }
                },
                many => {
                    return Ok(trail.deny(Denial::Ambiguous {
                        match_type: match_type.clone(),
                        username,
                        users: many.iter().map(|u| u.id.clone()).collect(),
                    }));
                }
            }
        }
    };
    trail.steps.push(format!("not linked: {why_not_linked}"));

    // 5. JIT provisioning.
    if policy.provisioning.action == ProvisioningAction::Disabled {
        return Ok(trail.deny(Denial::ProvisioningDisabled {
            username,
            why: why_not_linked,
        }));
    }
    if let Some(taken) = directory.find_by_login(&username)?.first() {
        return Ok(trail.deny(Denial::UsernameTaken {
            username,
            user: UserRef::from(taken),
            why: why_not_linked,
        }));
    }
    let mut changes = Changes::default();
    let mut new = NewUser {
        login: username.clone(),
        email: None,
        status: UserStatus::Active,
        profile: Default::default(),
    };
    for (attribute, value) in mapped(user, policy) {
        if attribute == "email" {
            new.email = Some(value);
        } else {
            new.profile.insert(attribute, value);
        }
    }
    trail.steps.push(format!(
        "provisioning.action AUTO: create `{username}`, ACTIVE"
    ));
    changes.create = Some(new);
    match group_changes(user, policy, directory, &[])? {
        Ok(groups) => changes.groups = groups,
        Err(denial) => return Ok(trail.deny(denial)),
    }
    describe_groups(&mut trail, policy, &changes);
    if persistent {
        changes.link = Some(LinkChange {
            idp_id: idp_id.to_owned(),
            external_id: external_id.to_owned(),
        });
        trail
            .steps
            .push(format!("link persistent NameID `{external_id}`"));
    }
    Ok(Decision {
        outcome: Outcome::Created,
        username: trail.username,
        found_by: None,
        changes,
        reason: trail.steps.join("; "),
    })
}

/// The distinct users whose `match_type` attribute equals `username`.
fn matches<D: Directory + ?Sized>(
    directory: &D,
    match_type: &MatchType,
    username: &str,
) -> Result<Vec<User>, DirectoryError> {
    let mut found = match match_type {
        MatchType::Username => directory.find_by_login(username)?,
        MatchType::Email => directory.find_by_email(username)?,
        MatchType::UsernameOrEmail => {
            let mut both = directory.find_by_login(username)?;
            both.extend(directory.find_by_email(username)?);
            both
        }
        MatchType::CustomAttribute(name) => directory.find_by_attribute(name, username)?,
    };
    let mut seen = BTreeSet::new();
    found.retain(|u| seen.insert(u.id.clone()));
    Ok(found)
}

/// Why `accountLink.filter` excludes `user`, or `None` when it may be linked.
fn link_filter<D: Directory + ?Sized>(
    policy: &Policy,
    directory: &D,
    user: &User,
) -> Result<Option<String>, DirectoryError> {
    let filter = &policy.account_link.filter;
    let who = UserRef::from(user);
    if filter.exclude_users.contains(&user.id) {
        return Ok(Some(format!(
            "accountLink.filter.users.exclude lists {who}"
        )));
    }
    if filter.exclude_admins && user.admin {
        return Ok(Some(format!(
            "accountLink.filter.users.excludeAdmins is set and {who} is an administrator"
        )));
    }
    if !filter.include_groups.is_empty() {
        let groups = directory.groups_of(&user.id)?;
        let member = groups
            .iter()
            .any(|g| g.group_type == GroupType::OktaGroup && filter.include_groups.contains(&g.id));
        if !member {
            return Ok(Some(format!(
                "accountLink.filter.groups.include [{}] does not include {who}",
                filter.include_groups.join(", ")
            )));
        }
    }
    Ok(None)
}

/// The IdP attributes `profile_attributes` maps, single-valued only.
fn mapped(user: &IdpUser, policy: &Policy) -> Vec<(String, String)> {
    policy
        .profile_attributes
        .iter()
        // The login is the transformed username's, never an attribute's.
        .filter(|name| name.as_str() != "login")
        .filter_map(|name| match user.attribute(name) {
            Some([one]) => Some((name.clone(), one.clone())),
            _ => None,
        })
        .collect()
}

/// The decision for an existing user (step 6 and 7). `matched` is the match type when the
/// user was found by matching, `None` when by the persistent link.
fn existing<D: Directory + ?Sized>(
    mut trail: Trail,
    user: &IdpUser,
    policy: &Policy,
    directory: &D,
    found: &User,
    matched: Option<&MatchType>,
) -> Result<Decision, DirectoryError> {
    let who = UserRef::from(found);
    let mut changes = Changes::default();
    let conditions = &policy.provisioning;
    match found.status {
        UserStatus::Active => {}
        UserStatus::Deprovisioned => match conditions.deprovisioned {
            DeprovisionedAction::None => {
                return Ok(trail.deny(Denial::Deprovisioned { user: who }));
            }
            DeprovisionedAction::Reactivate => {
                trail.steps.push(format!(
                    "{who} is DEPROVISIONED; provisioning.conditions.deprovisioned.action REACTIVATE"
                ));
                changes.status = Some(StatusChange {
                    from: UserStatus::Deprovisioned,
                    to: UserStatus::Active,
                });
            }
        },
        UserStatus::Suspended => match conditions.suspended {
            SuspendedAction::None => return Ok(trail.deny(Denial::Suspended { user: who })),
            SuspendedAction::Unsuspend => {
                trail.steps.push(format!(
                    "{who} is SUSPENDED; provisioning.conditions.suspended.action UNSUSPEND"
                ));
                changes.status = Some(StatusChange {
                    from: UserStatus::Suspended,
                    to: UserStatus::Active,
                });
            }
        },
        status @ (UserStatus::Provisioned | UserStatus::Staged) => {
            return Ok(trail.deny(Denial::NotActive { user: who, status }));
        }
    }
    if let Some(match_type) = matched
        && policy.on_existing_account == OnExistingAccount::Deny
    {
        let username = trail.username.clone().unwrap_or_default();
        return Ok(trail.deny(Denial::ExistingAccount {
            match_type: match_type.clone(),
            username,
            user: who,
        }));
    }
    if conditions.profile_master {
        for (attribute, new) in mapped(user, policy) {
            let old = found.profile_value(&attribute).map(str::to_owned);
            if old.as_deref() != Some(new.as_str()) {
                changes.profile.push(ProfileChange {
                    attribute,
                    old,
                    new,
                });
            }
        }
        if !changes.profile.is_empty() {
            let names: Vec<&str> = changes
                .profile
                .iter()
                .map(|c| c.attribute.as_str())
                .collect();
            trail.steps.push(format!(
                "provisioning.profileMaster: update {}",
                names.join(", ")
            ));
        }
    }
    let current = directory.groups_of(&found.id)?;
    match group_changes(user, policy, directory, &current)? {
        Ok(groups) => changes.groups = groups,
        Err(denial) => return Ok(trail.deny(denial)),
    }
    describe_groups(&mut trail, policy, &changes);
    let persistent = policy.honor_persistent_name_id && user.is_persistent();
    if matched.is_some() && persistent {
        changes.link = Some(LinkChange {
            idp_id: policy.idp_id.clone(),
            external_id: user.subject_name_id.clone(),
        });
        trail
            .steps
            .push(format!("link persistent NameID `{}`", user.subject_name_id));
    }
    let outcome =
        if matched.is_some() && policy.on_existing_account == OnExistingAccount::RequireProof {
            trail.steps.push(
            "on_existing_account RequireProof: the user must sign in to the existing account first"
                .to_owned(),
        );
            Outcome::NeedsProof(who)
        } else {
            existing_outcome(&changes, who, matched.is_some())
        };
    Ok(Decision {
        outcome,
        username: trail.username,
        found_by: Some(match matched {
            Some(m) => FoundBy::Match(m.clone()),
            None => FoundBy::PersistentLink,
        }),
        changes,
        reason: trail.steps.join("; "),
    })
}

fn describe_groups(trail: &mut Trail, policy: &Policy, changes: &Changes) {
    if !changes.groups.is_empty() {
        let list: Vec<String> = changes.groups.iter().map(ToString::to_string).collect();
        trail.steps.push(format!(
            "provisioning.groups.action {}: {}",
            policy.provisioning.groups.action(),
            list.join(", ")
        ));
    }
}

/// The group changes of `groups.action` for a user whose memberships are `current`; an
/// unknown group in the policy is a denial (the outer error is the directory's).
fn group_changes<D: Directory + ?Sized>(
    user: &IdpUser,
    policy: &Policy,
    directory: &D,
    current: &[Group],
) -> Result<Result<Vec<GroupChange>, Denial>, DirectoryError> {
    let member = |id: &str| current.iter().any(|g| g.id == id);
    let lookup = |field: &'static str,
                  ids: &[String]|
     -> Result<Result<Vec<Group>, Denial>, DirectoryError> {
        let mut groups = Vec::with_capacity(ids.len());
        let mut seen = BTreeSet::new();
        for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
            match directory.group(id)? {
                Some(g) => groups.push(g),
                None => {
                    return Ok(Err(Denial::UnknownGroup {
                        field,
                        group_id: id.clone(),
                    }));
                }
            }
        }
        Ok(Ok(groups))
    };
    let add = |g: &Group| GroupChange {
        action: GroupAction::Add,
        group_id: g.id.clone(),
        group_name: g.name.clone(),
    };
    let asserted = |source: &str| -> BTreeSet<String> {
        user.attribute(source)
            .map(|values| values.iter().cloned().collect())
            .unwrap_or_default()
    };
    const FILTER: &str = "provisioning.groups.filter";
    Ok(Ok(match &policy.provisioning.groups {
        GroupsPolicy::None => Vec::new(),
        GroupsPolicy::Assign { assignments } => {
            let groups = match lookup("provisioning.groups.assignments", assignments)? {
                Ok(g) => g,
                Err(d) => return Ok(Err(d)),
            };
            groups
                .iter()
                .filter(|g| g.group_type == GroupType::OktaGroup && !member(&g.id))
                .map(add)
                .collect()
        }
        GroupsPolicy::Append {
            source_attribute,
            filter,
        } => {
            let names = asserted(source_attribute);
            let groups = match lookup(FILTER, filter)? {
                Ok(g) => g,
                Err(d) => return Ok(Err(d)),
            };
            groups
                .iter()
                .filter(|g| {
                    g.group_type == GroupType::OktaGroup
                        && names.contains(&g.name)
                        && !member(&g.id)
                })
                .map(add)
                .collect()
        }
        GroupsPolicy::Sync {
            source_attribute,
            filter,
        } => {
            let names = asserted(source_attribute);
            let groups = match lookup(FILTER, filter)? {
                Ok(g) => g,
                Err(d) => return Ok(Err(d)),
            };
            let target: Vec<&Group> = groups
                .iter()
                .filter(|g| g.group_type == GroupType::OktaGroup && names.contains(&g.name))
                .collect();
            let mut changes: Vec<GroupChange> = target
                .iter()
                .filter(|g| !member(&g.id))
                .map(|g| add(g))
                .collect();
            changes.extend(
                current
                    .iter()
                    .filter(|g| {
                        g.group_type == GroupType::OktaGroup && !target.iter().any(|t| t.id == g.id)
                    })
                    .map(|g| GroupChange {
                        action: GroupAction::Remove,
                        group_id: g.id.clone(),
                        group_name: g.name.clone(),
                    }),
            );
            changes
        }
    }))
}
