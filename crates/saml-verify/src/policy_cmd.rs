//! `saml-verify verify --okta-idp FILE --policy [--directory FILE.json]`: after the assertion
//! verified, what the Okta IdP's account-link and JIT policy (the `policy` object of the same
//! IdP JSON) would decide for its user, against an empty directory or the one in the file.
//! Nothing is written: the decision is shown, not applied, and it does not change the exit
//! code (a denial is a policy outcome, not a rejected message).

use std::io::Write;
use std::path::{Path, PathBuf};

use saml_core::saml::sp::VerifiedAssertion;
use saml_policy::{
    Decision, FoundBy, GroupAction, IdpUser, InMemoryDirectory, Outcome, Policy, evaluate,
};
use serde::Serialize;

use crate::Failure;

/// The flags of `verify` that add the policy decision.
#[derive(Debug, clap::Args)]
pub(crate) struct PolicyArgs {
    /// After verifying, show what the Okta IdP policy (the `policy` object of --okta-idp)
    /// would decide for the assertion's user: link, create (JIT), update, reactivate,
    /// unsuspend or deny. Nothing is written.
    #[arg(long, requires = "okta_idp")]
    policy: bool,
    /// The user directory the policy decides against (JSON: users, groups, links); an empty
    /// directory without it.
    #[arg(long, value_name = "FILE.json", requires = "policy")]
    directory: Option<PathBuf>,
}

/// A policy and a directory, loaded before verification so that a bad file is a usage error
/// whatever the message.
pub(crate) struct Loaded {
    policy: Policy,
    directory: InMemoryDirectory,
    directory_name: String,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::input(format!("cannot read {what} `{}`: {e}", path.display())))
}

impl PolicyArgs {
    /// The policy of `okta_idp` and the directory, when --policy is given.
    pub(crate) fn load(&self, okta_idp: Option<&Path>) -> Result<Option<Loaded>, Failure> {
        let (true, Some(idp_path)) = (self.policy, okta_idp) else {
            return Ok(None);
        };
        let policy = Policy::from_okta_json(&read(idp_path, "Okta IdP object")?)
            .map_err(|e| Failure::input(format!("`{}`: {e}", idp_path.display())))?;
        let (directory, directory_name) = match &self.directory {
            None => (InMemoryDirectory::new(), "an empty directory".to_owned()),
            Some(path) => (
                InMemoryDirectory::from_json(&read(path, "directory")?)
                    .map_err(|e| Failure::input(format!("`{}`: {e}", path.display())))?,
                format!("directory `{}`", path.display()),
            ),
        };
        Ok(Some(Loaded {
            policy,
            directory,
            directory_name,
        }))
    }
}

impl Loaded {
    /// The decision for a verified assertion.
    pub(crate) fn decide(&self, assertion: &VerifiedAssertion) -> Result<Decided<'_>, Failure> {
        let user = IdpUser::from_assertion(assertion);
        let decision = evaluate(&user, &self.policy, &self.directory)
            .map_err(|e| Failure::input(format!("the directory failed: {e}")))?;
        Ok(Decided {
            decision,
            against: &self.directory_name,
        })
    }
}

/// A decision, with what it was decided against.
pub(crate) struct Decided<'a> {
    decision: Decision,
    against: &'a str,
}

impl Decided<'_> {
    /// The `"policy"` object of `--json`.
    pub(crate) fn json(&self) -> serde_json::Value {
        let d = &self.decision;
        let changes = &d.changes;
        let report = PolicyReport {
            outcome: d.outcome.as_str(),
            against: self.against,
            username: d.username.as_deref(),
            user: d.outcome.user().map(|u| UserJson {
                id: &u.id,
                login: &u.login,
            }),
            found_by: d.found_by.as_ref().map(|f| match f {
                FoundBy::PersistentLink => "persistent_link",
                _ => "match",
            }),
            denial: d.denial().map(ToString::to_string),
            reason: &d.reason,
            changes: ChangesJson {
                create: changes.create.as_ref().map(|c| CreateJson {
                    login: &c.login,
                    email: c.email.as_deref(),
                    status: c.status.as_str(),
                    profile: c
                        .profile
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                }),
                profile: changes
                    .profile
                    .iter()
                    .map(|p| ProfileJson {
                        attribute: &p.attribute,
                        old: p.old.as_deref(),
                        new: &p.new,
                    })
                    .collect(),
                groups: changes
                    .groups
                    .iter()
                    .map(|g| GroupJson {
                        action: match g.action {
                            GroupAction::Add => "add",
                            _ => "remove",
                        },
                        id: &g.group_id,
                        name: &g.group_name,
                    })
                    .collect(),
                status: changes.status.map(|s| StatusJson {
                    from: s.from.as_str(),
                    to: s.to.as_str(),
                }),
                link: changes.link.as_ref().map(|l| LinkJson {
                    idp_id: &l.idp_id,
                    external_id: &l.external_id,
                }),
            },
        };
        // Serializing plain strings, options and vectors cannot fail; `Null` would be the
        // visible sign if it ever did.
        serde_json::to_value(report).unwrap_or_default()
    }

    /// The text output, after the assertion's.
    pub(crate) fn human(&self, out: &mut impl Write) -> std::io::Result<()> {
        let d = &self.decision;
        match &d.outcome {
            Outcome::Denied(denial) => writeln!(
                out,
                "policy:    denied (against {}): {denial}",
                self.against
            )?,
            other => {
                let who = other.user().map_or(String::new(), |u| format!(" {u}"));
                writeln!(
                    out,
                    "policy:    {}{who} (against {})",
                    other.as_str(),
                    self.against
                )?;
            }
        }
        if let Some(username) = &d.username {
            writeln!(out, "  username: {username}")?;
        }
        let changes = &d.changes;
        if let Some(c) = &changes.create {
            writeln!(out, "  create:   login `{}`, {}", c.login, c.status)?;
        }
        for p in &changes.profile {
            writeln!(
                out,
                "  profile:  {}: {} -> {}",
                p.attribute,
                p.old.as_deref().unwrap_or("(unset)"),
                p.new
            )?;
        }
        for g in &changes.groups {
            writeln!(out, "  group:    {g}")?;
        }
        if let Some(s) = changes.status {
            writeln!(out, "  status:   {} -> {}", s.from, s.to)?;
        }
        if let Some(l) = &changes.link {
            writeln!(
                out,
                "  link:     persistent NameID `{}` at IdP `{}`",
                l.external_id, l.idp_id
            )?;
        }
        writeln!(out, "  reason:   {}", d.reason)
    }
}

/// `policy`: what the policy would decide. Adding a field keeps the schema version.
#[derive(Serialize)]
struct PolicyReport<'a> {
    /// `created`, `denied`, `linked`, `needs_proof`, `reactivated`, `signed_in`,
    /// `unsuspended` or `updated`.
    outcome: &'static str,
    /// "an empty directory" or "directory `FILE`".
    against: &'a str,
    /// The transformed username; `null` when the template could not be evaluated.
    username: Option<&'a str>,
    /// The existing user decided on; `null` when created or denied.
    user: Option<UserJson<'a>>,
    /// `persistent_link` or `match` for an existing user; else `null`.
    found_by: Option<&'static str>,
    /// Why the sign-in is denied; `null` otherwise.
    denial: Option<String>,
    /// Every step that decided.
    reason: &'a str,
    /// The writes the decision would make.
    changes: ChangesJson<'a>,
}

#[derive(Serialize)]
struct UserJson<'a> {
    id: &'a str,
    login: &'a str,
}

#[derive(Serialize)]
struct ChangesJson<'a> {
    create: Option<CreateJson<'a>>,
    profile: Vec<ProfileJson<'a>>,
    groups: Vec<GroupJson<'a>>,
    status: Option<StatusJson>,
    link: Option<LinkJson<'a>>,
}

#[derive(Serialize)]
struct CreateJson<'a> {
    login: &'a str,
    email: Option<&'a str>,
    status: &'static str,
    profile: std::collections::BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct ProfileJson<'a> {
    attribute: &'a str,
    old: Option<&'a str>,
    new: &'a str,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    action: &'static str,
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct StatusJson {
    from: &'static str,
    to: &'static str,
}

#[derive(Serialize)]
struct LinkJson<'a> {
    idp_id: &'a str,
    external_id: &'a str,
}
