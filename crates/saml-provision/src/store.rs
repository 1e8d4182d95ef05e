//! What a provisioning server needs of a directory, beyond [`Directory`]: ordered listing for
//! pagination ([`ListDirectory`]), and exclusive, all-or-nothing access shared between request
//! tasks ([`SharedDirectory`]). Both the Users API server and a SCIM server can run over the
//! same [`SharedDirectory`].
//!
//! [`Directory`]'s writes take `&mut self`; a server holds one directory for every request, so
//! it goes through a [`SharedDirectory`]: [`MutexDirectory`] for a directory in memory (one lock,
//! a snapshot restored when the work fails), [`crate::sqlite::SharedSqlite`] for SQLite (a
//! connection per call and one transaction around the work).

use std::sync::{Mutex, MutexGuard, PoisonError};

use saml_policy::{Directory, DirectoryError, Group, InMemoryDirectory, User};

/// A directory that lists its records in a stable order, for cursor pagination (Okta's
/// `limit` and `after`): users and groups by id (byte order), members of a group by user id.
pub trait ListDirectory: Directory {
    /// Up to `limit` users whose id sorts after `after` (from the first when `None`), by id.
    fn users_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<User>, DirectoryError>;
    /// Up to `limit` groups whose id sorts after `after`, by id.
    fn groups_after(&self, after: Option<&str>, limit: usize)
    -> Result<Vec<Group>, DirectoryError>;
    /// Up to `limit` members of the group whose id sorts after `after`, by id; none for a group
    /// that does not exist.
    fn members_after(
        &self,
        group_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<User>, DirectoryError>;
}

/// A directory shared by the tasks of a server. Each call has the directory to itself for the
/// duration of `work`, and is all or nothing: when `work` returns `Err`, none of its writes
/// remain. Calls block (SQLite does I/O): an async server runs them on blocking threads.
pub trait SharedDirectory: Send + Sync + 'static {
    /// Runs `work`, which only reads.
    fn read<T, E: From<DirectoryError>>(
        &self,
        work: impl FnOnce(&dyn ListDirectory) -> Result<T, E>,
    ) -> Result<T, E>;
    /// Runs `work`, whose writes are kept when it returns `Ok` and undone when it returns `Err`
    /// (or panics).
    fn write<T, E: From<DirectoryError>>(
        &self,
        work: impl FnOnce(&mut dyn ListDirectory) -> Result<T, E>,
    ) -> Result<T, E>;
}

impl ListDirectory for InMemoryDirectory {
    fn users_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<User>, DirectoryError> {
        // `users()` iterates in id order (a BTreeMap).
        Ok(self
            .users()
            .filter(|u| after.is_none_or(|a| u.id.as_str() > a))
            .take(limit)
            .cloned()
            .collect())
    }

    fn groups_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Group>, DirectoryError> {
        Ok(self
            .groups()
            .filter(|g| after.is_none_or(|a| g.id.as_str() > a))
            .take(limit)
            .cloned()
            .collect())
    }

    fn members_after(
        &self,
        group_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<User>, DirectoryError> {
        let mut members = Vec::new();
        for user in self
            .users()
            .filter(|u| after.is_none_or(|a| u.id.as_str() > a))
        {
            if members.len() >= limit {
                break;
            }
            if self.groups_of(&user.id)?.iter().any(|g| g.id == group_id) {
                members.push(user.clone());
            }
        }
        Ok(members)
    }
}

/// A directory behind one lock, for tests and small deployments. A write works on the
/// directory itself and keeps a copy taken before it: when the work fails (or panics) the copy
/// is put back, so each write costs a copy of the directory.
#[derive(Debug, Default)]
pub struct MutexDirectory<D> {
    inner: Mutex<D>,
}

impl<D> MutexDirectory<D> {
    /// Shares `directory`.
    pub fn new(directory: D) -> Self {
        Self {
            inner: Mutex::new(directory),
        }
    }

    /// The directory, for inspection (tests, an admin view); the server waits meanwhile.
    pub fn lock(&self) -> MutexGuard<'_, D> {
        // A panic inside `write` restores the copy before the lock is released (see
        // `Restore`), so the data behind a poisoned lock is consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Puts the copy back unless the work succeeded; runs on panic too.
struct Restore<'a, D> {
    target: &'a mut D,
    copy: Option<D>,
}

impl<D> Drop for Restore<'_, D> {
    fn drop(&mut self) {
        if let Some(copy) = self.copy.take() {
            *self.target = copy;
        }
    }
}

impl<D: ListDirectory + Clone + Send + 'static> SharedDirectory for MutexDirectory<D> {
    fn read<T, E: From<DirectoryError>>(
        &self,
        work: impl FnOnce(&dyn ListDirectory) -> Result<T, E>,
    ) -> Result<T, E> {
        work(&*self.lock())
    }

    fn write<T, E: From<DirectoryError>>(
        &self,
        work: impl FnOnce(&mut dyn ListDirectory) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.lock();
        let copy = guard.clone();
        let mut restore = Restore {
            target: &mut *guard,
            copy: Some(copy),
        };
        let result = work(&mut *restore.target);
        if result.is_ok() {
            restore.copy = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use saml_policy::{GroupType, NewUser, UserStatus};

    use super::*;

    #[test]
    fn a_failed_write_leaves_nothing() {
        let shared = MutexDirectory::new(InMemoryDirectory::new());
        let result: Result<(), DirectoryError> = shared.write(|d| {
            d.create_user(&NewUser::new("a@example.com", UserStatus::Active))?;
            Err(DirectoryError::NotFound {
                what: "group",
                id: "00gnone".into(),
            })
        });
        assert!(result.is_err());
        assert!(
            shared
                .lock()
                .find_by_login("a@example.com")
                .unwrap()
                .is_empty()
        );
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<(), DirectoryError> = shared.write(|d| {
                d.create_user(&NewUser::new("b@example.com", UserStatus::Active))?;
                panic!("work panicked");
            });
        }));
        assert!(result.is_err());
        assert_eq!(shared.lock().users().count(), 0);
    }

    #[test]
    fn in_memory_lists_in_id_order() {
        let mut d = InMemoryDirectory::new();
        d.insert_group(Group::new("00g2", "B", GroupType::OktaGroup));
        d.insert_group(Group::new("00g1", "A", GroupType::OktaGroup));
        for id in ["00u3", "00u1", "00u2"] {
            d.insert_user(User::new(id, id), &["00g1"]).unwrap();
        }
        let ids = |users: Vec<User>| users.into_iter().map(|u| u.id).collect::<Vec<_>>();
        assert_eq!(ids(d.users_after(None, 2).unwrap()), ["00u1", "00u2"]);
        assert_eq!(ids(d.users_after(Some("00u2"), 2).unwrap()), ["00u3"]);
        assert_eq!(
            ids(d.members_after("00g1", Some("00u1"), 1).unwrap()),
            ["00u2"]
        );
        assert!(d.members_after("00g2", None, 10).unwrap().is_empty());
        assert_eq!(d.groups_after(None, 10).unwrap()[0].id, "00g1");
    }
}
