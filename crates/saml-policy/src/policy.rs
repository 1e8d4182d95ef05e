//! The policy: Okta's IdP `policy` object (and `protocol.settings.honorPersistentNameId`) as
//! types, checked once when loaded ([`Policy::from_okta_json`]) or built in code
//! ([`Policy::new`] and the public fields), plus two options from peers that Okta lacks
//! ([`OnExistingAccount`]).
//!
//! | JSON (IdP object) | field | when absent |
//! |---|---|---|
//! | `id` (required) | [`Policy::idp_id`] | — |
//! | `protocol.settings.honorPersistentNameId` | [`Policy::honor_persistent_name_id`] | `true` |
//! | `policy.subject.userNameTemplate.template` | [`SubjectPolicy::user_name_template`] | `idpuser.subjectNameId` |
//! | `policy.subject.filter` | [`SubjectPolicy::filter`] | no filter |
//! | `policy.subject.matchType`, `matchAttribute` | [`SubjectPolicy::match_type`] | `USERNAME` |
//! | `policy.accountLink.action` | [`AccountLinkPolicy::action`] | `AUTO` |
//! | `policy.accountLink.filter.groups.include` | [`LinkFilter::include_groups`] | no restriction |
//! | `policy.accountLink.filter.users.exclude`, `.excludeAdmins` | [`LinkFilter::exclude_users`], [`LinkFilter::exclude_admins`] | none, `false` |
//! | `policy.provisioning.action` | [`ProvisioningPolicy::action`] | `AUTO` |
//! | `policy.provisioning.profileMaster` | [`ProvisioningPolicy::profile_master`] | `false` |
//! | `policy.provisioning.groups` | [`ProvisioningPolicy::groups`] | `NONE` |
//! | `policy.provisioning.conditions.deprovisioned.action` | [`ProvisioningPolicy::deprovisioned`] | `NONE` |
//! | `policy.provisioning.conditions.suspended.action` | [`ProvisioningPolicy::suspended`] | `NONE` |
//!
//! `null` counts as absent (Okta writes `null` for what is not set). The defaults are
//! Okta's API defaults (terraform's for the actions); `profileMaster` defaults to `false` so
//! that an IdP never overwrites profiles unless told to.

use std::fmt;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::template::{Template, TemplateError};

/// The longest `subject.filter`, in characters (Okta's limit).
pub const MAX_FILTER_CHARS: usize = 1024;
/// The most memory a compiled `subject.filter` may take (the `regex` crate's size limit).
pub const MAX_FILTER_COMPILED_BYTES: usize = 1 << 20;

/// The IdP policy: how an IdP user becomes (or is refused as) a directory user.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Policy {
    /// `id`: the IdP's identifier, the first half of every link record's key.
    pub idp_id: String,
    /// `protocol.settings.honorPersistentNameId`: a persistent NameID, once linked, keeps
    /// its user whatever the username becomes. Default: `true`.
    pub honor_persistent_name_id: bool,
    /// `policy.subject`.
    pub subject: SubjectPolicy,
    /// `policy.accountLink`.
    pub account_link: AccountLinkPolicy,
    /// `policy.provisioning`.
    pub provisioning: ProvisioningPolicy,
    /// The IdP attributes copied into the directory profile (at JIT creation, and at each
    /// sign-in when `profileMaster` is set), under the same name: Okta's default IdP-to-Okta
    /// mappings. Default: `firstName`, `lastName`, `email`, `mobilePhone`, `displayName`.
    /// `login` is never copied: it is the transformed username.
    pub profile_attributes: Vec<String>,
    /// What to do when matching finds an existing, not yet linked user (not from Okta; from
    /// Keycloak and authentik). Default: [`OnExistingAccount::Link`], Okta's behaviour.
    pub on_existing_account: OnExistingAccount,
}

/// `policy.subject`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SubjectPolicy {
    /// `userNameTemplate.template`: computes the transformed username.
    pub user_name_template: Template,
    /// `filter`: the transformed username must match it, whole.
    pub filter: Option<SubjectFilter>,
    /// `matchType` (and `matchAttribute`).
    pub match_type: MatchType,
}

/// `policy.subject.matchType`: which directory attribute the transformed username is
/// compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchType {
    /// `CUSTOM_ATTRIBUTE` with `matchAttribute`: this profile attribute, exactly.
    CustomAttribute(String),
    /// `EMAIL`: the email, ignoring case.
    Email,
    /// `USERNAME`: the login, ignoring case.
    Username,
    /// `USERNAME_OR_EMAIL`: either; two different users matching is ambiguous and refused.
    UsernameOrEmail,
}

impl fmt::Display for MatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CustomAttribute(name) => write!(f, "CUSTOM_ATTRIBUTE `{name}`"),
            Self::Email => f.write_str("EMAIL"),
            Self::Username => f.write_str("USERNAME"),
            Self::UsernameOrEmail => f.write_str("USERNAME_OR_EMAIL"),
        }
    }
}

/// `policy.subject.filter`: a regular expression the whole transformed username must match.
/// Compiled once, with the `regex` crate (matching takes time linear in the username).
#[derive(Clone, Debug)]
pub struct SubjectFilter {
    source: String,
    regex: Regex,
}

/// Why a `subject.filter` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// Not a regular expression the `regex` crate accepts (look-around and back-references
    /// are not), or larger than [`MAX_FILTER_COMPILED_BYTES`] compiled.
    #[error("`{pattern}` is not a usable regular expression: {reason}")]
    Invalid {
        /// The pattern.
        pattern: String,
        /// The compiler's message.
        reason: String,
    },
    /// Longer than [`MAX_FILTER_CHARS`].
    #[error("the pattern is {length} characters long (at most {max})")]
    TooLong {
        /// Its length.
        length: usize,
        /// [`MAX_FILTER_CHARS`].
        max: usize,
    },
}

impl SubjectFilter {
    /// Compiles a filter; it must match the whole username (it is anchored at both ends).
    pub fn new(pattern: &str) -> Result<Self, FilterError> {
        let length = pattern.chars().count();
        if length > MAX_FILTER_CHARS {
            return Err(FilterError::TooLong {
                length,
                max: MAX_FILTER_CHARS,
            });
        }
        let regex = RegexBuilder::new(&format!(r"\A(?:{pattern})\z"))
            .size_limit(MAX_FILTER_COMPILED_BYTES)
            .dfa_size_limit(MAX_FILTER_COMPILED_BYTES)
            .build()
            .map_err(|e| FilterError::Invalid {
                pattern: pattern.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            source: pattern.to_owned(),
            regex,
        })
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the whole `username` matches.
    pub fn matches(&self, username: &str) -> bool {
        self.regex.is_match(username)
    }
}

/// `policy.accountLink`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountLinkPolicy {
    /// `action`.
    pub action: AccountLinkAction,
    /// `filter`: which users may be linked.
    pub filter: LinkFilter,
}

/// `policy.accountLink.action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountLinkAction {
    /// `AUTO`: link an unlinked IdP user to the directory user it matches.
    Auto,
    /// `DISABLED`: never link (JIT may still create a new user).
    Disabled,
}

/// `policy.accountLink.filter`: which directory users are link candidates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkFilter {
    /// `groups.include`: when not empty, only members of one of these groups (ids).
    pub include_groups: Vec<String>,
    /// `users.exclude`: never these users (ids).
    pub exclude_users: Vec<String>,
    /// `users.excludeAdmins`: never users holding an administrator role.
    pub exclude_admins: bool,
}

/// `policy.provisioning`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProvisioningPolicy {
    /// `action`: what to do for an IdP user linked to no one and matching no one.
    pub action: ProvisioningAction,
    /// `profileMaster`: the IdP's attributes update existing users at each sign-in.
    pub profile_master: bool,
    /// `groups`.
    pub groups: GroupsPolicy,
    /// `conditions.deprovisioned.action`.
    pub deprovisioned: DeprovisionedAction,
    /// `conditions.suspended.action`.
    pub suspended: SuspendedAction,
}

/// `policy.provisioning.action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProvisioningAction {
    /// `AUTO`: create the user (just-in-time provisioning).
    Auto,
    /// `DISABLED`: refuse the sign-in.
    Disabled,
}

/// `policy.provisioning.groups`: what happens to OKTA_GROUP memberships at each sign-in.
/// APP_GROUP and BUILT_IN memberships are never changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupsPolicy {
    /// `APPEND`: add the groups named in `sourceAttributeName` that `filter` allows.
    Append {
        /// `sourceAttributeName`: the attribute listing group names.
        source_attribute: String,
        /// `filter`: the group ids that may be added.
        filter: Vec<String>,
    },
    /// `ASSIGN`: add these groups (ids).
    Assign {
        /// `assignments`.
        assignments: Vec<String>,
    },
    /// `NONE`: change nothing.
    None,
    /// `SYNC`: make the OKTA_GROUP memberships exactly the asserted groups that `filter`
    /// allows; every other OKTA_GROUP membership is removed.
    Sync {
        /// `sourceAttributeName`.
        source_attribute: String,
        /// `filter`.
        filter: Vec<String>,
    },
}

impl GroupsPolicy {
    /// Okta's name of the action.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Append { .. } => "APPEND",
            Self::Assign { .. } => "ASSIGN",
            Self::None => "NONE",
            Self::Sync { .. } => "SYNC",
        }
    }
}

/// `policy.provisioning.conditions.deprovisioned.action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeprovisionedAction {
    /// `NONE`: a deprovisioned user's sign-in fails.
    None,
    /// `REACTIVATE`: reactivate the user and proceed.
    Reactivate,
}

/// `policy.provisioning.conditions.suspended.action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SuspendedAction {
    /// `NONE`: a suspended user's sign-in fails.
    None,
    /// `UNSUSPEND`: unsuspend the user and proceed.
    Unsuspend,
}

/// What to do when matching finds an existing directory user that no link names yet. Okta
/// links ([`Link`](Self::Link)); Keycloak and authentik can also refuse, or ask for proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnExistingAccount {
    /// authentik's `*_deny` matching modes: refuse the sign-in ("an account already exists").
    Deny,
    /// Okta's `accountLink.action = AUTO`: link and proceed.
    #[default]
    Link,
    /// Keycloak's "Verify Existing Account By Re-authentication": the decision is
    /// [`Outcome::NeedsProof`](crate::Outcome::NeedsProof); the application signs the user in
    /// to the existing account, then applies [`Decision::proven`](crate::Decision::proven).
    /// Only a persistent NameID is linked afterwards: with any other, every sign-in that
    /// finds the user by matching needs the proof again.
    RequireProof,
}

/// Why a policy was refused. Each variant names the JSON path (or field) and the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// `policy.subject.filter` is not a usable regular expression.
    #[error("`{path}`: {source}")]
    Filter {
        /// The JSON path.
        path: &'static str,
        /// Why.
        #[source]
        source: FilterError,
    },
    /// The bytes are not a JSON object.
    #[error("the IdP JSON is not a JSON object: {reason}")]
    InvalidJson {
        /// The parser's message.
        reason: String,
    },
    /// A required value is absent, `null` or empty.
    #[error("`{path}` is missing from the IdP JSON{because}")]
    Missing {
        /// The JSON path.
        path: &'static str,
        /// Why it is required here (starts with a separator), e.g. " (required by …)".
        because: String,
    },
    /// `policy.subject.userNameTemplate.template` uses something outside the supported subset.
    #[error("`{path}` `{template}`: {source}")]
    Template {
        /// The JSON path.
        path: &'static str,
        /// The template.
        template: String,
        /// Where and what.
        #[source]
        source: TemplateError,
    },
    /// A value is not one this library understands.
    #[error("`{path}` is `{value}` (allowed: {})", allowed.join(", "))]
    UnsupportedValue {
        /// The JSON path.
        path: &'static str,
        /// The value found.
        value: String,
        /// The values accepted.
        allowed: &'static [&'static str],
    },
    /// A member has the wrong JSON type.
    #[error("`{path}` of the IdP JSON: {reason}")]
    WrongType {
        /// The JSON path, e.g. `policy.accountLink.filter.users.excludeAdmins`.
        path: String,
        /// serde's explanation.
        reason: String,
    },
}

impl Policy {
    /// Okta's defaults for an IdP with this id (see the [module documentation](self)).
    pub fn new(idp_id: impl Into<String>) -> Self {
        Self {
            idp_id: idp_id.into(),
            honor_persistent_name_id: true,
            subject: SubjectPolicy {
                user_name_template: Template::subject_name_id(),
                filter: None,
                match_type: MatchType::Username,
            },
            account_link: AccountLinkPolicy {
                action: AccountLinkAction::Auto,
                filter: LinkFilter::default(),
            },
            provisioning: ProvisioningPolicy {
                action: ProvisioningAction::Auto,
                profile_master: false,
                groups: GroupsPolicy::None,
                deprovisioned: DeprovisionedAction::None,
                suspended: SuspendedAction::None,
            },
            profile_attributes: [
                "firstName",
                "lastName",
                "email",
                "mobilePhone",
                "displayName",
            ]
            .map(str::to_owned)
            .to_vec(),
            on_existing_account: OnExistingAccount::Link,
        }
    }

    /// Reads the policy from an Okta IdP object (`GET /api/v1/idps/{id}`), the same document
    /// `saml_core::okta::from_okta_json` reads the verification settings from. The template
    /// and the filter are parsed and compiled here: a policy that loads cannot fail on them at
    /// sign-in.
    pub fn from_okta_json(idp_json: &[u8]) -> Result<Self, PolicyError> {
        let json: IdpJson = parse(idp_json)?;
        let mut policy = Self::new(required("id", json.id, "")?);
        let (subject, link, provisioning) = (
            json.policy.subject,
            json.policy.account_link,
            json.policy.provisioning,
        );
        if let Some(honor) = json.protocol.settings.honor_persistent_name_id {
            policy.honor_persistent_name_id = honor;
        }
        if let Some(template) = text(subject.user_name_template.template) {
            policy.subject.user_name_template =
                Template::parse(&template).map_err(|source| PolicyError::Template {
                    path: TEMPLATE,
                    template,
                    source,
                })?;
        }
        if let Some(filter) = text(subject.filter) {
            policy.subject.filter =
                Some(
                    SubjectFilter::new(&filter).map_err(|source| PolicyError::Filter {
                        path: "policy.subject.filter",
                        source,
                    })?,
                );
        }
        policy.subject.match_type = match text(subject.match_type).as_deref() {
            None | Some("USERNAME") => MatchType::Username,
            Some("EMAIL") => MatchType::Email,
            Some("USERNAME_OR_EMAIL") => MatchType::UsernameOrEmail,
            Some("CUSTOM_ATTRIBUTE") => MatchType::CustomAttribute(required(
                "policy.subject.matchAttribute",
                subject.match_attribute,
                " (required by `policy.subject.matchType` CUSTOM_ATTRIBUTE)",
            )?),
            Some(other) => {
                return Err(unsupported(
                    "policy.subject.matchType",
                    other,
                    &["USERNAME", "EMAIL", "USERNAME_OR_EMAIL", "CUSTOM_ATTRIBUTE"],
                ));
            }
        };
        policy.account_link.action = match text(link.action).as_deref() {
            None | Some("AUTO") => AccountLinkAction::Auto,
            Some("DISABLED") => AccountLinkAction::Disabled,
            Some(other) => {
                return Err(unsupported(
                    "policy.accountLink.action",
                    other,
                    &["AUTO", "DISABLED"],
                ));
            }
        };
        let filter = link.filter.unwrap_or_default();
        let users = filter.users.unwrap_or_default();
        policy.account_link.filter = LinkFilter {
            include_groups: filter
                .groups
                .unwrap_or_default()
                .include
                .unwrap_or_default(),
            exclude_users: users.exclude.unwrap_or_default(),
            exclude_admins: users.exclude_admins.unwrap_or(false),
        };
        policy.provisioning.action = match text(provisioning.action).as_deref() {
            None | Some("AUTO") => ProvisioningAction::Auto,
            Some("DISABLED") => ProvisioningAction::Disabled,
            Some(other) => {
                return Err(unsupported(
                    "policy.provisioning.action",
                    other,
                    &["AUTO", "DISABLED"],
                ));
            }
        };
        policy.provisioning.profile_master = provisioning.profile_master.unwrap_or(false);
        policy.provisioning.groups = groups(provisioning.groups.unwrap_or_default())?;
        let conditions = provisioning.conditions.unwrap_or_default();
        let deprovisioned = conditions.deprovisioned.unwrap_or_default().action;
        policy.provisioning.deprovisioned = match text(deprovisioned).as_deref() {
            None | Some("NONE") => DeprovisionedAction::None,
            Some("REACTIVATE") => DeprovisionedAction::Reactivate,
            Some(other) => {
                return Err(unsupported(
                    "policy.provisioning.conditions.deprovisioned.action",
                    other,
                    &["NONE", "REACTIVATE"],
                ));
            }
        };
        let suspended = conditions.suspended.unwrap_or_default().action;
        policy.provisioning.suspended = match text(suspended).as_deref() {
            None | Some("NONE") => SuspendedAction::None,
            Some("UNSUSPEND") => SuspendedAction::Unsuspend,
            Some(other) => {
                return Err(unsupported(
                    "policy.provisioning.conditions.suspended.action",
                    other,
                    &["NONE", "UNSUSPEND"],
                ));
            }
        };
        Ok(policy)
    }
}

const TEMPLATE: &str = "policy.subject.userNameTemplate.template";

fn groups(json: GroupsJson) -> Result<GroupsPolicy, PolicyError> {
    let action = text(json.action);
    let source = |action: &str| {
        required(
            "policy.provisioning.groups.sourceAttributeName",
            json.source_attribute_name.clone(),
            &format!(" (required by `policy.provisioning.groups.action` {action})"),
        )
    };
    let ids = |path: &'static str, ids: Option<Vec<String>>, action: &str| match ids {
        Some(ids) if !ids.is_empty() => Ok(ids),
        _ => Err(PolicyError::Missing {
            path,
            because: format!(" (required by `policy.provisioning.groups.action` {action})"),
        }),
    };
    const FILTER: &str = "policy.provisioning.groups.filter";
    Ok(match action.as_deref() {
        None | Some("NONE") => GroupsPolicy::None,
        Some("APPEND") => GroupsPolicy::Append {
            source_attribute: source("APPEND")?,
            filter: ids(FILTER, json.filter.clone(), "APPEND")?,
        },
        Some("SYNC") => GroupsPolicy::Sync {
            source_attribute: source("SYNC")?,
            filter: ids(FILTER, json.filter.clone(), "SYNC")?,
        },
        Some("ASSIGN") => GroupsPolicy::Assign {
            assignments: ids(
                "policy.provisioning.groups.assignments",
                json.assignments.clone(),
                "ASSIGN",
            )?,
        },
        Some(other) => {
            return Err(unsupported(
                "policy.provisioning.groups.action",
                other,
                &["NONE", "APPEND", "ASSIGN", "SYNC"],
            ));
        }
    })
}

fn text(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

fn required(
    path: &'static str,
    value: Option<String>,
    because: &str,
) -> Result<String, PolicyError> {
    text(value).ok_or_else(|| PolicyError::Missing {
        path,
        because: because.to_owned(),
    })
}

fn unsupported(path: &'static str, value: &str, allowed: &'static [&'static str]) -> PolicyError {
    PolicyError::UnsupportedValue {
        path,
        value: value.to_owned(),
        allowed,
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PolicyError> {
    // Into a map first, so a document that is not an object is refused as such (derived
    // structs would also take an array, by position).
    let root: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|e| PolicyError::InvalidJson {
            reason: e.to_string(),
        })?;
    serde_path_to_error::deserialize(serde_json::Value::Object(root)).map_err(|e| {
        PolicyError::WrongType {
            path: e.path().to_string(),
            reason: e.into_inner().to_string(),
        }
    })
}

// The shapes read from the IdP object: only what the policy uses; unknown members are
// ignored (Okta adds members over time, and the rest is saml_core::okta's). Every member is an
// `Option`, so that `null` reads as absent.

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct IdpJson {
    id: Option<String>,
    #[serde(deserialize_with = "or_default")]
    protocol: ProtocolJson,
    #[serde(deserialize_with = "or_default")]
    policy: PolicyJson,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct ProtocolJson {
    #[serde(deserialize_with = "or_default")]
    settings: ProtocolSettingsJson,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct ProtocolSettingsJson {
    honor_persistent_name_id: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct PolicyJson {
    #[serde(deserialize_with = "or_default")]
    subject: SubjectJson,
    #[serde(deserialize_with = "or_default")]
    account_link: AccountLinkJson,
    #[serde(deserialize_with = "or_default")]
    provisioning: ProvisioningJson,
}

/// A nested object that may be `null`.
fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct SubjectJson {
    #[serde(deserialize_with = "or_default")]
    user_name_template: TemplateJson,
    filter: Option<String>,
    match_type: Option<String>,
    match_attribute: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct TemplateJson {
    template: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct AccountLinkJson {
    action: Option<String>,
    filter: Option<LinkFilterJson>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct LinkFilterJson {
    groups: Option<IncludeJson>,
    users: Option<ExcludeJson>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct IncludeJson {
    include: Option<Vec<String>>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct ExcludeJson {
    exclude: Option<Vec<String>>,
    exclude_admins: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct ProvisioningJson {
    action: Option<String>,
    profile_master: Option<bool>,
    groups: Option<GroupsJson>,
    conditions: Option<ConditionsJson>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct GroupsJson {
    action: Option<String>,
    source_attribute_name: Option<String>,
    filter: Option<Vec<String>>,
    assignments: Option<Vec<String>>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct ConditionsJson {
    deprovisioned: Option<ActionJson>,
    suspended: Option<ActionJson>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct ActionJson {
    action: Option<String>,
}
