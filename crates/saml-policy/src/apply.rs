//! [`apply`]: carries a [`Decision`] out on a [`Directory`], all or nothing.

use crate::decide::{Decision, GroupAction, Outcome};
use crate::directory::{Directory, DirectoryError, Link, UserStatus};

/// What [`apply`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// The user signed in (created or existing).
    pub user_id: String,
}

/// Why [`apply`] did nothing (or, for [`ApplyError::UndoFailed`], not everything it undid).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// A write failed; every write before it was undone.
    #[error("{step} failed, nothing was changed: {source}")]
    Failed {
        /// The write, e.g. "add user `00u1` to group `00g2`".
        step: String,
        /// The directory's error.
        #[source]
        source: DirectoryError,
    },
    /// The decision is a denial, or still needs proof ([`Decision::proven`]).
    #[error("a `{outcome}` decision has nothing to apply")]
    NotApplicable {
        /// [`Outcome::as_str`].
        outcome: &'static str,
    },
    /// A write failed, and so did undoing an earlier one: the directory may hold some of
    /// the writes.
    #[error("{0}")]
    UndoFailed(Box<UndoFailure>),
}

/// [`ApplyError::UndoFailed`]: what failed, and what may remain written.
#[derive(Debug, thiserror::Error)]
#[error(
    "{step} failed ({source}); undoing the {undo_step} failed too ({undo_error}); may remain: {}",
    remaining.join(", ")
)]
#[non_exhaustive]
pub struct UndoFailure {
    /// The write that failed.
    pub step: String,
    /// Its error.
    #[source]
    pub source: DirectoryError,
    /// The undo that failed.
    pub undo_step: String,
    /// Its error.
    pub undo_error: DirectoryError,
    /// The writes that may not have been undone.
    pub remaining: Vec<String>,
}

/// An inverse of a write that succeeded.
enum Undo {
    AddMember(String, String),
    DeleteUser(String),
    Profile(String, Vec<(String, Option<String>)>),
    RemoveMember(String, String),
    Status(String, UserStatus, UserStatus),
}

impl Undo {
    fn describe(&self) -> String {
        match self {
            Self::AddMember(u, g) => format!("removal of user `{u}` from group `{g}`"),
            Self::DeleteUser(u) => format!("creation of user `{u}`"),
            Self::Profile(u, _) => format!("profile update of user `{u}`"),
            Self::RemoveMember(u, g) => format!("addition of user `{u}` to group `{g}`"),
            Self::Status(u, from, to) => format!("status change of user `{u}` from {to} to {from}"),
        }
    }

    fn run<D: Directory + ?Sized>(&self, directory: &mut D) -> Result<(), DirectoryError> {
        match self {
            Self::AddMember(u, g) => directory.add_member(u, g).map(drop),
            Self::DeleteUser(u) => directory.delete_user(u),
            Self::Profile(u, old) => directory.update_profile(u, old),
            Self::RemoveMember(u, g) => directory.remove_member(u, g).map(drop),
            Self::Status(u, from, to) => directory.set_status(u, *to, *from),
        }
    }
}

/// Carries out `decision` on `directory`, all or nothing.
///
/// The writes are made in this order: create the user, set the profile, change the group
/// memberships, change the status, record the link. The link comes last, so that no failure
/// leaves an IdP identity attached to a user whose state is not final; the status change comes
/// just before it, so a reactivated or unsuspended user is never left active with stale groups.
///
/// Every write that succeeded is recorded with its inverse. When a write fails, the inverses
/// are run in reverse order (a created user is deleted, an attribute gets its old value back,
/// a membership added is removed and one removed is added back, a status is set back) and
/// [`ApplyError::Failed`] reports the failed write: the directory is as it was. Only a write
/// that actually changed something is undone (adding a membership that already existed
/// undoes nothing). If an undo fails too, [`ApplyError::UndoFailed`] says which writes may
/// remain, so an operator can repair them. A directory with transactions (SQLite) can run
/// [`apply`] inside one and roll back on any error instead.
///
/// Writes re-check what the decision saw: a status change names the status it expects
/// ([`DirectoryError::StatusChanged`] if it moved), a login or link already taken is a
/// [`DirectoryError::Conflict`]; a stale decision fails and is undone rather than applied to a
/// directory it was not made for.
pub fn apply<D: Directory + ?Sized>(
    decision: &Decision,
    directory: &mut D,
) -> Result<Applied, ApplyError> {
    let existing = match &decision.outcome {
        Outcome::Created => None,
        Outcome::Denied(_) | Outcome::NeedsProof(_) => {
            return Err(ApplyError::NotApplicable {
                outcome: decision.outcome.as_str(),
            });
        }
        other => other.user().map(|u| u.id.clone()),
    };
    let changes = &decision.changes;
    let mut undo: Vec<Undo> = Vec::new();
    let fail = |undo: Vec<Undo>, directory: &mut D, step: String, source: DirectoryError| {
        rollback(undo, directory, step, source)
    };

    let user_id = match (existing, &changes.create) {
        (Some(id), _) => id,
        (None, Some(new)) => match directory.create_user(new) {
            Ok(id) => {
                undo.push(Undo::DeleteUser(id.clone()));
                id
            }
            Err(e) => {
                return Err(fail(
                    undo,
                    directory,
                    format!("create user `{}`", new.login),
                    e,
                ));
            }
        },
        (None, None) => {
            return Err(ApplyError::NotApplicable {
                outcome: decision.outcome.as_str(),
            });
        }
    };

    if !changes.profile.is_empty() {
        let set: Vec<(String, Option<String>)> = changes
            .profile
            .iter()
            .map(|c| (c.attribute.clone(), Some(c.new.clone())))
            .collect();
        let old = changes
            .profile
            .iter()
            .map(|c| (c.attribute.clone(), c.old.clone()))
            .collect();
        if let Err(e) = directory.update_profile(&user_id, &set) {
            let step = format!("update the profile of user `{user_id}`");
            return Err(fail(undo, directory, step, e));
        }
        undo.push(Undo::Profile(user_id.clone(), old));
    }

    for change in &changes.groups {
        let g = &change.group_id;
        let result = match change.action {
            GroupAction::Add => directory
                .add_member(&user_id, g)
                .map(|added| added.then(|| Undo::RemoveMember(user_id.clone(), g.clone()))),
            GroupAction::Remove => directory
                .remove_member(&user_id, g)
                .map(|removed| removed.then(|| Undo::AddMember(user_id.clone(), g.clone()))),
        };
        match result {
            Ok(inverse) => undo.extend(inverse),
            Err(e) => {
                let step = format!("{change} for user `{user_id}`");
                return Err(fail(undo, directory, step, e));
            }
        }
    }

    if let Some(status) = changes.status {
        if let Err(e) = directory.set_status(&user_id, status.from, status.to) {
            let step = format!(
                "change the status of user `{user_id}` from {} to {}",
                status.from, status.to
            );
            return Err(fail(undo, directory, step, e));
        }
        undo.push(Undo::Status(user_id.clone(), status.from, status.to));
    }

    if let Some(link) = &changes.link {
        let record = Link::new(&link.idp_id, &link.external_id, &user_id);
        if let Err(e) = directory.create_link(&record) {
            let step = format!(
                "link persistent NameID `{}` at IdP `{}` to user `{user_id}`",
                link.external_id, link.idp_id
            );
            return Err(fail(undo, directory, step, e));
        }
    }
    Ok(Applied { user_id })
}

fn rollback<D: Directory + ?Sized>(
    mut undo: Vec<Undo>,
    directory: &mut D,
    step: String,
    source: DirectoryError,
) -> ApplyError {
    while let Some(last) = undo.pop() {
        if let Err(undo_error) = last.run(directory) {
            let mut remaining: Vec<String> = undo.iter().map(Undo::describe).collect();
            remaining.push(last.describe());
            return ApplyError::UndoFailed(Box::new(UndoFailure {
                step,
                source,
                undo_step: last.describe(),
                undo_error,
                remaining,
            }));
        }
    }
    ApplyError::Failed { step, source }
}
