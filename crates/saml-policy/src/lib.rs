//! Okta's IdP account-link and just-in-time provisioning policy, as a pure library: what a
//! service provider does with a verified assertion's user, decided without I/O.
//!
//! - [`Policy`]: Okta's IdP `policy` object, loaded from the same IdP JSON as
//!   `saml_core::okta` ([`Policy::from_okta_json`]) or built in code. The username template
//!   ([`Template`]) and the subject filter ([`SubjectFilter`]) are checked when loaded.
//! - [`IdpUser`]: the NameID and attributes of a `VerifiedAssertion`
//!   ([`IdpUser::from_assertion`]), or built directly.
//! - [`Directory`]: users, groups and link records, fallible; [`InMemoryDirectory`] implements it.
//! - [`evaluate`]: the pure decision (reads the directory, never writes): a [`Decision`] with
//!   its [`Outcome`], the [`Changes`] and a reason naming the policy fields and values.
//! - [`apply`]: carries a decision out, all or nothing.
//!
//! ```
//! use saml_policy::{
//!     Directory, GroupType, GroupsPolicy, IdpUser, InMemoryDirectory, Outcome, Policy,
//!     SubjectFilter, apply, evaluate,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut policy = Policy::new("0oa1org2idp");
//! policy.subject.filter = Some(SubjectFilter::new(r".*@example\.com")?);
//! policy.provisioning.groups = GroupsPolicy::Sync {
//!     source_attribute: "groups".into(),
//!     filter: vec!["00gstaff".into()],
//! };
//! let mut directory = InMemoryDirectory::new();
//! directory.insert_group(saml_policy::Group::new("00gstaff", "Staff", GroupType::OktaGroup));
//!
//! let alice = IdpUser::new("alice@example.com")
//!     .persistent()
//!     .with_attribute("groups", ["Staff", "Unknown"]);
//! let decision = evaluate(&alice, &policy, &directory)?; // reads only
//! assert_eq!(decision.outcome, Outcome::Created);
//! let applied = apply(&decision, &mut directory)?;
//! assert_eq!(directory.groups_of(&applied.user_id)?[0].name, "Staff");
//!
//! // Next time the persistent NameID finds the same user.
//! let again = evaluate(&alice, &policy, &directory)?;
//! assert_eq!(again.outcome.user().map(|u| u.id.as_str()), Some(applied.user_id.as_str()));
//!
//! let mallory = IdpUser::new("mallory@evil.test");
//! let denied = evaluate(&mallory, &policy, &directory)?;
//! assert_eq!(
//!     denied.denial().map(ToString::to_string).as_deref(),
//!     Some(r"subject.filter `.*@example\.com` does not match transformed username `mallory@evil.test`")
//! );
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs, clippy::exhaustive_enums, clippy::exhaustive_structs)]

mod apply;
mod decide;
pub mod directory;
mod idp_user;
pub mod policy;
pub mod template;

pub use apply::{Applied, ApplyError, UndoFailure, apply};
pub use decide::{
    Changes, Decision, Denial, FoundBy, GroupAction, GroupChange, LinkChange, Outcome,
    ProfileChange, StatusChange, UserRef, evaluate,
};
pub use directory::{
    Directory, DirectoryError, DirectoryJsonError, Group, GroupType, InMemoryDirectory, Link,
    NewUser, User, UserStatus,
};
pub use idp_user::{IdpUser, PERSISTENT};
pub use policy::{
    AccountLinkAction, AccountLinkPolicy, DeprovisionedAction, FilterError, GroupsPolicy,
    LinkFilter, MatchType, OnExistingAccount, Policy, PolicyError, ProvisioningAction,
    ProvisioningPolicy, SubjectFilter, SubjectPolicy, SuspendedAction,
};
pub use template::{EvalError, Template, TemplateError, TemplateErrorKind};
