//! [`ScimDirectory`] for [`SqliteDirectory`]: SCIM over the same file the Users API and SAML
//! logins use.
//!
//! What SCIM adds to the file lives in its own tables, created with `IF NOT EXISTS` the first
//! time a SCIM method runs on a file, so a file written before this existed upgrades in place
//! (the schema version in `PRAGMA user_version` stays 1: nothing the Users API reads changes).
//!
//! - **Versions** (`scim_versions`): one row per user and per group, `version` and a `dirty`
//!   flag. Triggers on `dir_users`, `dir_profile`, `dir_members` and `dir_groups` set `dirty`
//!   on **every** write, whoever makes it: this connection, another one of the pool, another
//!   process, a SAML login. Reading a version turns a dirty row into the next version, so a
//!   version given out is never given out again for other data, and one call that writes
//!   several rows (a profile of five attributes) moves the version by one, as in memory. A
//!   version counts the reads that saw a change rather than the writes: both directories start
//!   at 1 and change the ETag on every write, but their numbers can differ after several
//!   writes nobody read in between. Rows stay when the resource is deleted, so an old ETag
//!   never matches a later resource of the same id. Upgrading a file gives every existing
//!   user and group version 1.
//! - **Group names** (`scim_group_names`): the name of each group SCIM created or renamed,
//!   lowercased by Rust's `str::to_lowercase` (Unicode; SQLite's `lower()` folds ASCII only)
//!   under a UNIQUE constraint. Groups inserted otherwise (Okta's `APP_GROUP` and `BUILT_IN`
//!   groups, seeded with [`SqliteDirectory::insert_group`]) have no row and are compared in
//!   Rust; a rename outside SCIM drops the group's row (a trigger). The check and the insert
//!   run in one `BEGIN IMMEDIATE` transaction, so they are atomic across connections too, and
//!   the UNIQUE constraint is the backstop.
//!
//! **Blocking.** [`crate::scim::ScimState`] holds the directory behind a `std::sync::Mutex`
//! and the handlers call it on the async runtime's threads. Each handler holds the lock for a
//! handful of indexed statements on one connection and at most a few commits (WAL,
//! `synchronous = FULL`: one fsync each), i.e. well under a millisecond to a few milliseconds
//! on a local disk; the lock is never held across an `.await`. A server whose disk is slow or
//! shared should run SCIM on a multi-threaded runtime, as it would for any blocking store.
//!
//! **Atomicity.** Each directory call is its own transaction; the handlers' multi-call writes
//! undo what they did on failure (best effort), as over the in-memory directory. Writers on
//! other connections are serialised by SQLite, not by the handlers' lock: one that commits
//! between a handler's read of a resource and its read of the version can pair the old body
//! with the new version (once; the version moves again on the next write). A process that
//! writes beside SCIM should write through the same lock (`ScimState::shared`) where that
//! window matters; other processes only risk it.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use saml_policy::{Directory, DirectoryError, Group, User};

use crate::scim::store::ScimDirectory;
use crate::sqlite::SqliteDirectory;

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> DirectoryError {
    DirectoryError::Backend(Box::new(e))
}

/// The trigger created last by [`SCHEMA`]: when it exists, everything does.
const LAST_OBJECT: &str = "scim_groups_renamed";

/// Marks a resource changed: `$kind`, `$id` are SQL expressions.
macro_rules! mark {
    ($kind:literal, $id:literal) => {
        concat!(
            "INSERT INTO scim_versions (kind, id, version, dirty) VALUES ('",
            $kind,
            "', ",
            $id,
            ", 0, 1) ON CONFLICT (kind, id) DO UPDATE SET dirty = 1;"
        )
    };
}

/// What SCIM adds to a directory file; every statement may run again.
const SCHEMA: &str = concat!(
    "CREATE TABLE IF NOT EXISTS scim_versions (
        kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 0),
        dirty INTEGER NOT NULL CHECK (dirty IN (0, 1)),
        PRIMARY KEY (kind, id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS scim_group_names (
        group_id TEXT PRIMARY KEY NOT NULL REFERENCES dir_groups (id) ON DELETE CASCADE,
        name_key TEXT NOT NULL UNIQUE
    ) STRICT, WITHOUT ROWID;
    INSERT OR IGNORE INTO scim_versions (kind, id, version, dirty)
        SELECT 'user', id, 1, 0 FROM dir_users;
    INSERT OR IGNORE INTO scim_versions (kind, id, version, dirty)
        SELECT 'group', id, 1, 0 FROM dir_groups;
    CREATE TRIGGER IF NOT EXISTS scim_users_inserted AFTER INSERT ON dir_users BEGIN ",
    mark!("user", "NEW.id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_users_updated AFTER UPDATE ON dir_users BEGIN ",
    mark!("user", "NEW.id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_users_deleted AFTER DELETE ON dir_users BEGIN ",
    mark!("user", "OLD.id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_profile_inserted AFTER INSERT ON dir_profile BEGIN ",
    mark!("user", "NEW.user_id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_profile_updated AFTER UPDATE ON dir_profile BEGIN ",
    mark!("user", "NEW.user_id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_profile_deleted AFTER DELETE ON dir_profile BEGIN ",
    mark!("user", "OLD.user_id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_members_inserted AFTER INSERT ON dir_members BEGIN ",
    mark!("user", "NEW.user_id"),
    mark!("group", "NEW.group_id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_members_deleted AFTER DELETE ON dir_members BEGIN ",
    mark!("user", "OLD.user_id"),
    mark!("group", "OLD.group_id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_groups_inserted AFTER INSERT ON dir_groups BEGIN ",
    mark!("group", "NEW.id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_groups_deleted AFTER DELETE ON dir_groups BEGIN ",
    mark!("group", "OLD.id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_groups_updated AFTER UPDATE ON dir_groups BEGIN ",
    mark!("group", "NEW.id"),
    " END;
    CREATE TRIGGER IF NOT EXISTS scim_groups_renamed AFTER UPDATE OF name ON dir_groups
        WHEN NEW.name IS NOT OLD.name BEGIN
        DELETE FROM scim_group_names WHERE group_id = NEW.id;
        INSERT INTO scim_versions (kind, id, version, dirty)
            SELECT 'user', user_id, 0, 1 FROM dir_members WHERE group_id = NEW.id
            ON CONFLICT (kind, id) DO UPDATE SET dirty = 1;
    END;"
);

/// Creates SCIM's tables and triggers unless the file has them.
fn install(conn: &Connection) -> Result<(), DirectoryError> {
    let installed = |conn: &Connection| {
        conn.prepare_cached("SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND name = ?1")
            .and_then(|mut s| s.exists([LAST_OBJECT]))
            .map_err(backend)
    };
    if installed(conn)? {
        return Ok(());
    }
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(backend)?;
    if !installed(&tx)? {
        tx.execute_batch(SCHEMA).map_err(backend)?;
    }
    tx.commit().map_err(backend)
}

/// Runs `work` in one transaction on `conn` (after [`install`]): `BEGIN IMMEDIATE` for
/// writes, `BEGIN DEFERRED` for a consistent read.
fn in_transaction<T>(
    conn: &Connection,
    behavior: TransactionBehavior,
    work: impl FnOnce(&Connection) -> Result<T, DirectoryError>,
) -> Result<T, DirectoryError> {
    install(conn)?;
    let tx = Transaction::new_unchecked(conn, behavior).map_err(backend)?;
    let value = work(&tx)?;
    tx.commit().map_err(backend)?;
    Ok(value)
}

fn sql_count(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn ids(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<String>, DirectoryError> {
    let mut statement = conn.prepare_cached(sql).map_err(backend)?;
    let rows = statement
        .query_map(params, |row| row.get::<_, String>(0))
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

fn count(conn: &Connection, sql: &str) -> Result<usize, DirectoryError> {
    let n: i64 = conn.query_row(sql, [], |row| row.get(0)).map_err(backend)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

fn not_found(what: &'static str, id: &str) -> DirectoryError {
    DirectoryError::NotFound {
        what,
        id: id.to_owned(),
    }
}

fn require_group(conn: &Connection, id: &str) -> Result<(), DirectoryError> {
    let found = conn
        .prepare_cached("SELECT 1 FROM dir_groups WHERE id = ?1")
        .and_then(|mut s| s.exists([id]))
        .map_err(backend)?;
    if found {
        Ok(())
    } else {
        Err(not_found("group", id))
    }
}

/// Groups named `name` ignoring case (Unicode): those with a name row that matches, and those
/// without one, compared here.
fn groups_named(conn: &Connection, name: &str) -> Result<Vec<Group>, DirectoryError> {
    let key = name.to_lowercase();
    let candidates = ids(
        conn,
        "SELECT g.id FROM dir_groups g LEFT JOIN scim_group_names k ON k.group_id = g.id \
         WHERE k.name_key = ?1 OR k.group_id IS NULL ORDER BY g.id",
        [&key],
    )?;
    let directory = Reader(conn);
    let mut groups = Vec::new();
    for id in candidates {
        if let Some(group) = directory.group(&id)?
            && group.name.to_lowercase() == key
        {
            groups.push(group);
        }
    }
    Ok(groups)
}

/// Refuses `name` when a group other than `except` has it.
fn name_free(conn: &Connection, name: &str, except: Option<&str>) -> Result<(), DirectoryError> {
    if groups_named(conn, name)?
        .iter()
        .any(|g| Some(g.id.as_str()) != except)
    {
        return Err(name_taken(name));
    }
    Ok(())
}

fn name_taken(name: &str) -> DirectoryError {
    DirectoryError::Conflict {
        what: "group displayName",
        value: name.to_owned(),
    }
}

/// Records the group's name key; the UNIQUE constraint refuses a name another group has.
fn set_name_key(conn: &Connection, id: &str, name: &str) -> Result<(), DirectoryError> {
    conn.execute(
        "INSERT INTO scim_group_names (group_id, name_key) VALUES (?1, ?2) \
         ON CONFLICT (group_id) DO UPDATE SET name_key = excluded.name_key",
        [id, &name.to_lowercase()],
    )
    .map_err(|e| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
            name_taken(name)
        } else {
            backend(e)
        }
    })?;
    Ok(())
}

/// The version of a resource: a dirty row becomes the next version (in a write transaction,
/// so two connections never hand out one number for two states).
fn version(conn: &Connection, kind: &str, id: &str) -> Result<u64, DirectoryError> {
    install(conn)?;
    let read = |conn: &Connection| {
        conn.prepare_cached("SELECT version, dirty FROM scim_versions WHERE kind = ?1 AND id = ?2")
            .and_then(|mut s| {
                s.query_row([kind, id], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, bool>(1)?))
                })
                .optional()
            })
            .map_err(backend)
    };
    let as_u64 = |v: i64| u64::try_from(v).unwrap_or(0);
    match read(conn)? {
        // No row: a resource that does not exist (every other one has a row).
        None => Ok(1),
        Some((version, false)) => Ok(as_u64(version)),
        Some((_, true)) => {
            let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
                .map_err(backend)?;
            tx.execute(
                "UPDATE scim_versions SET version = version + 1, dirty = 0 \
                 WHERE kind = ?1 AND id = ?2 AND dirty = 1",
                [kind, id],
            )
            .map_err(backend)?;
            let version = read(&tx)?.map_or(1, |(v, _)| as_u64(v));
            tx.commit().map_err(backend)?;
            Ok(version)
        }
    }
}

/// The directory's reads on a connection (or a transaction on it).
struct Reader<'c>(&'c Connection);

impl Reader<'_> {
    fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        let row = self
            .0
            .prepare_cached("SELECT name, type FROM dir_groups WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([id], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .optional()
            })
            .map_err(backend)?;
        let Some((name, group_type)) = row else {
            return Ok(None);
        };
        let group_type = match group_type.as_str() {
            "APP_GROUP" => saml_policy::GroupType::AppGroup,
            "BUILT_IN" => saml_policy::GroupType::BuiltIn,
            "OKTA_GROUP" => saml_policy::GroupType::OktaGroup,
            _ => return Err(backend(UnknownGroupType(group_type))),
        };
        Ok(Some(Group::new(id, name, group_type)))
    }
}

/// A group type in the file that this code does not know.
#[derive(Debug, thiserror::Error)]
#[error("the directory file holds group type `{0}`, which this version does not know")]
struct UnknownGroupType(String);

impl ScimDirectory for SqliteDirectory {
    fn list_users(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<User>, usize), DirectoryError> {
        in_transaction(self.connection(), TransactionBehavior::Deferred, |conn| {
            let page = ids(
                conn,
                "SELECT id FROM dir_users ORDER BY id LIMIT ?1 OFFSET ?2",
                params![sql_count(limit), sql_count(offset)],
            )?;
            let mut users = Vec::with_capacity(page.len());
            for id in page {
                // Same transaction: the row is there.
                users.extend(self.user(&id)?);
            }
            Ok((users, count(conn, "SELECT count(*) FROM dir_users")?))
        })
    }

    fn list_groups(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Group>, usize), DirectoryError> {
        in_transaction(self.connection(), TransactionBehavior::Deferred, |conn| {
            let page = ids(
                conn,
                "SELECT id FROM dir_groups ORDER BY id LIMIT ?1 OFFSET ?2",
                params![sql_count(limit), sql_count(offset)],
            )?;
            let mut groups = Vec::with_capacity(page.len());
            for id in page {
                groups.extend(Reader(conn).group(&id)?);
            }
            Ok((groups, count(conn, "SELECT count(*) FROM dir_groups")?))
        })
    }

    fn find_groups_by_name(&self, name: &str) -> Result<Vec<Group>, DirectoryError> {
        in_transaction(self.connection(), TransactionBehavior::Deferred, |conn| {
            groups_named(conn, name)
        })
    }

    fn members(&self, group_id: &str) -> Result<Vec<String>, DirectoryError> {
        in_transaction(self.connection(), TransactionBehavior::Deferred, |conn| {
            require_group(conn, group_id)?;
            ids(
                conn,
                "SELECT user_id FROM dir_members WHERE group_id = ?1 ORDER BY user_id",
                [group_id],
            )
        })
    }

    fn create_group(&mut self, name: &str) -> Result<String, DirectoryError> {
        in_transaction(self.connection(), TransactionBehavior::Immediate, |conn| {
            name_free(conn, name, None)?;
            let id = loop {
                let id = crate::random::base62("00g", 17).map_err(backend)?;
                // A deleted group's id keeps its version row: never reuse it.
                let used = conn
                    .prepare_cached(
                        "SELECT 1 FROM dir_groups WHERE id = ?1 UNION ALL \
                         SELECT 1 FROM scim_versions WHERE kind = 'group' AND id = ?1",
                    )
                    .and_then(|mut s| s.exists([&id]))
                    .map_err(backend)?;
                if !used {
                    break id;
                }
            };
            conn.execute(
                "INSERT INTO dir_groups (id, name, type) VALUES (?1, ?2, 'OKTA_GROUP')",
                [&id, name],
            )
            .map_err(backend)?;
            set_name_key(conn, &id, name)?;
            Ok(id)
        })
    }

    fn rename_group(&mut self, id: &str, name: &str) -> Result<(), DirectoryError> {
        in_transaction(self.connection(), TransactionBehavior::Immediate, |conn| {
            require_group(conn, id)?;
            name_free(conn, name, Some(id))?;
            // The triggers mark the group and its members (their `groups` show the name).
            conn.execute("UPDATE dir_groups SET name = ?2 WHERE id = ?1", [id, name])
                .map_err(backend)?;
            set_name_key(conn, id, name)
        })
    }

    fn delete_group(&mut self, id: &str) -> Result<(), DirectoryError> {
        in_transaction(self.connection(), TransactionBehavior::Immediate, |conn| {
            require_group(conn, id)?;
            // Memberships first and explicitly, so their triggers mark each member.
            for sql in [
                "DELETE FROM dir_members WHERE group_id = ?1",
                "DELETE FROM scim_group_names WHERE group_id = ?1",
                "DELETE FROM dir_groups WHERE id = ?1",
            ] {
                conn.execute(sql, [id]).map_err(backend)?;
            }
            Ok(())
        })
    }

    fn user_version(&self, id: &str) -> Result<u64, DirectoryError> {
        version(self.connection(), "user", id)
    }

    fn group_version(&self, id: &str) -> Result<u64, DirectoryError> {
        version(self.connection(), "group", id)
    }
}

#[cfg(test)]
mod tests {
    use saml_policy::{GroupType, NewUser, UserStatus};

    use super::*;

    #[test]
    fn every_write_moves_the_versions_once_per_read() {
        let mut d = SqliteDirectory::open_in_memory().unwrap();
        let mut new = NewUser::new("a@example.com", UserStatus::Active);
        new.profile.insert("firstName".into(), "A".into());
        new.profile.insert("lastName".into(), "B".into());
        // Created before SCIM's tables: upgrading gives it version 1.
        let old = d.create_user(&new).unwrap();
        assert_eq!(d.user_version(&old).unwrap(), 1);
        new.login = "b@example.com".into();
        let id = d.create_user(&new).unwrap();
        assert_eq!(d.user_version(&id).unwrap(), 1);
        assert_eq!(d.user_version(&id).unwrap(), 1, "reading changes nothing");
        d.update_profile(&id, &[("firstName".into(), Some("C".into()))])
            .unwrap();
        assert_eq!(d.user_version(&id).unwrap(), 2);

        let group = d.create_group("Staff").unwrap();
        assert_eq!(d.group_version(&group).unwrap(), 1);
        assert!(d.add_member(&id, &group).unwrap());
        assert_eq!(d.group_version(&group).unwrap(), 2);
        assert_eq!(d.user_version(&id).unwrap(), 3, "its groups changed");
        assert_eq!(d.user_version(&old).unwrap(), 1);
        d.rename_group(&group, "Team").unwrap();
        assert_eq!(d.user_version(&id).unwrap(), 4, "its group's name changed");
        assert_eq!(d.group_version(&group).unwrap(), 3);
        d.delete_group(&group).unwrap();
        assert_eq!(d.user_version(&id).unwrap(), 5);
        assert_eq!(d.group_version(&group).unwrap(), 4);
        d.delete_user(&id).unwrap();
        assert_eq!(d.user_version(&id).unwrap(), 6);
    }

    #[test]
    fn group_names_are_unique_ignoring_unicode_case() {
        let mut d = SqliteDirectory::open_in_memory().unwrap();
        d.insert_group(&Group::new("00geveryone", "Everyone", GroupType::BuiltIn))
            .unwrap();
        fn conflict<T>(r: Result<T, DirectoryError>) -> bool {
            matches!(
                r,
                Err(DirectoryError::Conflict {
                    what: "group displayName",
                    ..
                })
            )
        }
        assert!(conflict(d.create_group("EVERYONE")));
        let a = d.create_group("Ärzte").unwrap();
        assert_eq!(
            d.group(&a).unwrap().unwrap().group_type,
            GroupType::OktaGroup
        );
        assert!(conflict(d.create_group("äRZTE")));
        let b = d.create_group("Other").unwrap();
        assert!(conflict(d.rename_group(&b, "ÄRZTE")));
        d.rename_group(&a, "ärzte").unwrap();
        assert_eq!(d.find_groups_by_name("ÄRZTE").unwrap()[0].id, a);
        assert_eq!(d.find_groups_by_name("everyone").unwrap().len(), 1);
        // The UNIQUE constraint itself, past the check.
        assert!(conflict(set_name_key(d.connection(), &b, "ÄRZTE")));
        let (groups, total) = d.list_groups(1, 1).unwrap();
        assert_eq!(total, 3);
        assert_eq!(groups.len(), 1);
        let (all, _) = d.list_groups(0, 10).unwrap();
        let mut sorted: Vec<_> = all.iter().map(|g| g.id.clone()).collect();
        sorted.sort();
        assert_eq!(all.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), sorted);
        assert!(matches!(
            d.members("00gnone"),
            Err(DirectoryError::NotFound { what: "group", .. })
        ));
    }
}
