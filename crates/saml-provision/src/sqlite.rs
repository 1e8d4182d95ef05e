//! The [`Directory`] in an SQLite file: the embedded default.
//!
//! - WAL journal, so readers do not wait for the writer; `synchronous` stays FULL (a write the
//!   API reported done survives a power cut); foreign keys on; a 5 s busy timeout.
//! - Logins are unique ignoring case: a UNIQUE column `login_key` holds the login lowercased by
//!   Rust's `str::to_lowercase` (Unicode), the comparison [`saml_policy::InMemoryDirectory`]
//!   makes. SQLite's own `lower()` folds ASCII only, so a UNIQUE index on `lower(login)` would
//!   let `ÄLICE@example.com` and `älice@example.com` both in.
//! - Each write runs in a transaction (`BEGIN IMMEDIATE`, so two connections never deadlock on
//!   upgrading a read lock); inside a [`SqliteTransaction`], each write runs in a savepoint.
//!   Either way one call is all or nothing.
//! - [`SharedSqlite`] serves a server: a connection per call from a small pool, and one
//!   transaction around the whole of the call's work.
//!
//! The file's `user_version` is the schema version (1); a file of a later version is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use saml_policy::{Directory, DirectoryError, Group, GroupType, Link, NewUser, User, UserStatus};

use crate::store::{ListDirectory, SharedDirectory};

/// The schema version this code reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE dir_users (
    id TEXT PRIMARY KEY NOT NULL,
    login TEXT NOT NULL,
    login_key TEXT NOT NULL UNIQUE,
    email TEXT,
    email_key TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('ACTIVE', 'DEPROVISIONED', 'PROVISIONED', 'STAGED', 'SUSPENDED')),
    admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1))
) STRICT;
CREATE INDEX dir_users_email ON dir_users (email_key);
CREATE TABLE dir_profile (
    user_id TEXT NOT NULL REFERENCES dir_users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
) STRICT, WITHOUT ROWID;
CREATE INDEX dir_profile_value ON dir_profile (name, value);
CREATE TABLE dir_groups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('APP_GROUP', 'BUILT_IN', 'OKTA_GROUP'))
) STRICT;
CREATE TABLE dir_members (
    group_id TEXT NOT NULL REFERENCES dir_groups (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES dir_users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX dir_members_user ON dir_members (user_id);
CREATE TABLE dir_links (
    idp_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES dir_users (id) ON DELETE CASCADE,
    PRIMARY KEY (idp_id, external_id),
    UNIQUE (idp_id, user_id)
) STRICT, WITHOUT ROWID;
";

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> DirectoryError {
    DirectoryError::Backend(Box::new(e))
}

/// A value in the file that this code does not know (written by something else).
#[derive(Debug, thiserror::Error)]
#[error("the directory file holds {what} `{value}`, which this version does not know")]
struct UnknownValue {
    what: &'static str,
    value: String,
}

fn parse_status(value: String) -> Result<UserStatus, DirectoryError> {
    Ok(match value.as_str() {
        "ACTIVE" => UserStatus::Active,
        "DEPROVISIONED" => UserStatus::Deprovisioned,
        "PROVISIONED" => UserStatus::Provisioned,
        "STAGED" => UserStatus::Staged,
        "SUSPENDED" => UserStatus::Suspended,
        _ => {
            return Err(backend(UnknownValue {
                what: "user status",
                value,
            }));
        }
    })
}

fn parse_group_type(value: String) -> Result<GroupType, DirectoryError> {
    Ok(match value.as_str() {
        "APP_GROUP" => GroupType::AppGroup,
        "BUILT_IN" => GroupType::BuiltIn,
        "OKTA_GROUP" => GroupType::OktaGroup,
        _ => {
            return Err(backend(UnknownValue {
                what: "group type",
                value,
            }));
        }
    })
}

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The queries, on a connection or a transaction (which dereferences to one).
struct Sql<'c>(&'c Connection);

const USER_COLUMNS: &str = "id, login, email, status, admin";

impl Sql<'_> {
    fn load_users(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<User>, DirectoryError> {
        let mut statement = self.0.prepare_cached(sql).map_err(backend)?;
        let rows = statement
            .query_map(params, |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, bool>(4)?,
                ))
            })
            .map_err(backend)?;
        let mut users = Vec::new();
        for row in rows {
            let (id, login, email, status, admin) = row.map_err(backend)?;
            let mut user = User::new(id, login);
            user.email = email;
            user.status = parse_status(status)?;
            user.admin = admin;
            users.push(user);
        }
        let mut profile = self
            .0
            .prepare_cached("SELECT name, value FROM dir_profile WHERE user_id = ?1")
            .map_err(backend)?;
        for user in &mut users {
            let rows = profile
                .query_map([&user.id], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(backend)?;
            user.profile = rows
                .collect::<Result<BTreeMap<String, String>, _>>()
                .map_err(backend)?;
        }
        Ok(users)
    }

    fn user(&self, id: &str) -> Result<Option<User>, DirectoryError> {
        Ok(self
            .load_users(
                &format!("SELECT {USER_COLUMNS} FROM dir_users WHERE id = ?1"),
                [id],
            )?
            .pop())
    }

    fn require_user(&self, id: &str) -> Result<(), DirectoryError> {
        let found = self
            .0
            .prepare_cached("SELECT 1 FROM dir_users WHERE id = ?1")
            .and_then(|mut s| s.exists([id]))
            .map_err(backend)?;
        if found {
            Ok(())
        } else {
            Err(DirectoryError::NotFound {
                what: "user",
                id: id.to_owned(),
            })
        }
    }

    fn find_by_login(&self, login: &str) -> Result<Vec<User>, DirectoryError> {
        self.load_users(
            &format!("SELECT {USER_COLUMNS} FROM dir_users WHERE login_key = ?1 ORDER BY id"),
            [login.to_lowercase()],
        )
    }

    fn find_by_email(&self, email: &str) -> Result<Vec<User>, DirectoryError> {
        self.load_users(
            &format!("SELECT {USER_COLUMNS} FROM dir_users WHERE email_key = ?1 ORDER BY id"),
            [email.to_lowercase()],
        )
    }

    fn find_by_attribute(&self, name: &str, value: &str) -> Result<Vec<User>, DirectoryError> {
        // As `User::profile_value`: `login` and `email` are columns, compared exactly here.
        match name {
            "login" => self.load_users(
                &format!("SELECT {USER_COLUMNS} FROM dir_users WHERE login = ?1 ORDER BY id"),
                [value],
            ),
            "email" => self.load_users(
                &format!("SELECT {USER_COLUMNS} FROM dir_users WHERE email = ?1 ORDER BY id"),
                [value],
            ),
            _ => self.load_users(
                &format!(
                    "SELECT {USER_COLUMNS} FROM dir_users WHERE id IN \
                     (SELECT user_id FROM dir_profile WHERE name = ?1 AND value = ?2) ORDER BY id"
                ),
                [name, value],
            ),
        }
    }

    fn link(&self, idp_id: &str, external_id: &str) -> Result<Option<Link>, DirectoryError> {
        self.0
            .prepare_cached("SELECT user_id FROM dir_links WHERE idp_id = ?1 AND external_id = ?2")
            .and_then(|mut s| {
                s.query_row([idp_id, external_id], |row| row.get::<_, String>(0))
                    .optional()
            })
            .map(|user| user.map(|user| Link::new(idp_id, external_id, user)))
            .map_err(backend)
    }

    fn link_of_user(&self, idp_id: &str, user_id: &str) -> Result<Option<Link>, DirectoryError> {
        self.0
            .prepare_cached("SELECT external_id FROM dir_links WHERE idp_id = ?1 AND user_id = ?2")
            .and_then(|mut s| {
                s.query_row([idp_id, user_id], |row| row.get::<_, String>(0))
                    .optional()
            })
            .map(|external| external.map(|external| Link::new(idp_id, external, user_id)))
            .map_err(backend)
    }

    fn load_groups(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Group>, DirectoryError> {
        let mut statement = self.0.prepare_cached(sql).map_err(backend)?;
        let rows = statement
            .query_map(params, |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(backend)?;
        let mut groups = Vec::new();
        for row in rows {
            let (id, name, group_type) = row.map_err(backend)?;
            groups.push(Group::new(id, name, parse_group_type(group_type)?));
        }
        Ok(groups)
    }

    fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        Ok(self
            .load_groups("SELECT id, name, type FROM dir_groups WHERE id = ?1", [id])?
            .pop())
    }

    fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, DirectoryError> {
        self.load_groups(
            "SELECT g.id, g.name, g.type FROM dir_groups g JOIN dir_members m ON m.group_id = g.id \
             WHERE m.user_id = ?1 ORDER BY g.id",
            [user_id],
        )
    }

    fn users_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<User>, DirectoryError> {
        self.load_users(
            &format!(
                "SELECT {USER_COLUMNS} FROM dir_users WHERE ?1 IS NULL OR id > ?1 \
                 ORDER BY id LIMIT ?2"
            ),
            params![after, sql_limit(limit)],
        )
    }

    fn groups_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Group>, DirectoryError> {
        self.load_groups(
            "SELECT id, name, type FROM dir_groups WHERE ?1 IS NULL OR id > ?1 \
             ORDER BY id LIMIT ?2",
            params![after, sql_limit(limit)],
        )
    }

    fn members_after(
        &self,
        group_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<User>, DirectoryError> {
        self.load_users(
            &format!(
                "SELECT {USER_COLUMNS} FROM dir_users WHERE id IN \
                 (SELECT user_id FROM dir_members WHERE group_id = ?1) \
                 AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3"
            ),
            params![group_id, after, sql_limit(limit)],
        )
    }

    fn insert_user_row(&self, user: &User) -> Result<(), DirectoryError> {
        let taken = self
            .0
            .prepare_cached("SELECT id FROM dir_users WHERE login_key = ?1 AND id <> ?2")
            .and_then(|mut s| s.exists([user.login.to_lowercase(), user.id.clone()]))
            .map_err(backend)?;
        if taken {
            return Err(DirectoryError::Conflict {
                what: "login",
                value: user.login.clone(),
            });
        }
        self.0
            .prepare_cached(
                "INSERT INTO dir_users (id, login, login_key, email, email_key, status, admin) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    user.id,
                    user.login,
                    user.login.to_lowercase(),
                    user.email,
                    user.email.as_deref().map(str::to_lowercase),
                    user.status.as_str(),
                    user.admin,
                ])
            })
            .map_err(|e| {
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
                    // The UNIQUE column caught what the check above could not see.
                    DirectoryError::Conflict {
                        what: "login",
                        value: user.login.clone(),
                    }
                } else {
                    backend(e)
                }
            })?;
        let mut insert = self
            .0
            .prepare_cached("INSERT INTO dir_profile (user_id, name, value) VALUES (?1, ?2, ?3)")
            .map_err(backend)?;
        for (name, value) in &user.profile {
            insert.execute([&user.id, name, value]).map_err(backend)?;
        }
        Ok(())
    }

    fn create_user(&self, new: &NewUser) -> Result<String, DirectoryError> {
        let id = loop {
            let id = crate::random::base62("00u", 17).map_err(backend)?;
            if self.user(&id)?.is_none() {
                break id;
            }
        };
        let mut user = User::new(id.clone(), new.login.clone());
        user.email.clone_from(&new.email);
        user.status = new.status;
        user.profile.clone_from(&new.profile);
        self.insert_user_row(&user)?;
        Ok(id)
    }

    fn delete_user(&self, id: &str) -> Result<(), DirectoryError> {
        self.require_user(id)?;
        for sql in [
            "DELETE FROM dir_members WHERE user_id = ?1",
            "DELETE FROM dir_links WHERE user_id = ?1",
            "DELETE FROM dir_profile WHERE user_id = ?1",
            "DELETE FROM dir_users WHERE id = ?1",
        ] {
            self.0.execute(sql, [id]).map_err(backend)?;
        }
        Ok(())
    }

    fn update_profile(
        &self,
        id: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<(), DirectoryError> {
        self.require_user(id)?;
        for (name, value) in changes {
            match (name.as_str(), value) {
                ("email", value) => self
                    .0
                    .execute(
                        "UPDATE dir_users SET email = ?2, email_key = ?3 WHERE id = ?1",
                        params![id, value, value.as_deref().map(str::to_lowercase)],
                    )
                    .map(drop),
                ("login", _) => {
                    return Err(DirectoryError::Conflict {
                        what: "profile attribute (read-only)",
                        value: "login".to_owned(),
                    });
                }
                (_, Some(value)) => self
                    .0
                    .execute(
                        "INSERT INTO dir_profile (user_id, name, value) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
                        [id, name, value],
                    )
                    .map(drop),
                (_, None) => self
                    .0
                    .execute(
                        "DELETE FROM dir_profile WHERE user_id = ?1 AND name = ?2",
                        [id, name],
                    )
                    .map(drop),
            }
            .map_err(backend)?;
        }
        Ok(())
    }

    fn set_status(&self, id: &str, from: UserStatus, to: UserStatus) -> Result<(), DirectoryError> {
        let found = self
            .0
            .query_row("SELECT status FROM dir_users WHERE id = ?1", [id], |row| {
                row.get::<_, String>(0)
            })
            .optional()
            .map_err(backend)?
            .ok_or_else(|| DirectoryError::NotFound {
                what: "user",
                id: id.to_owned(),
            })?;
        let found = parse_status(found)?;
        if found != from {
            return Err(DirectoryError::StatusChanged {
                user: id.to_owned(),
                expected: from,
                found,
            });
        }
        if !from.can_change_to(to) {
            return Err(DirectoryError::InvalidTransition {
                user: id.to_owned(),
                from,
                to,
            });
        }
        self.0
            .execute(
                "UPDATE dir_users SET status = ?2 WHERE id = ?1",
                [id, to.as_str()],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn require_group(&self, id: &str) -> Result<(), DirectoryError> {
        if self.group(id)?.is_some() {
            Ok(())
        } else {
            Err(DirectoryError::NotFound {
                what: "group",
                id: id.to_owned(),
            })
        }
    }

    fn add_member(&self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.require_user(user_id)?;
        self.require_group(group_id)?;
        let added = self
            .0
            .execute(
                "INSERT OR IGNORE INTO dir_members (group_id, user_id) VALUES (?1, ?2)",
                [group_id, user_id],
            )
            .map_err(backend)?;
        Ok(added == 1)
    }

    fn remove_member(&self, user_id: &str, group_id: &str) -> Result<bool, DirectoryError> {
        self.require_user(user_id)?;
        let removed = self
            .0
            .execute(
                "DELETE FROM dir_members WHERE group_id = ?1 AND user_id = ?2",
                [group_id, user_id],
            )
            .map_err(backend)?;
        Ok(removed == 1)
    }

    fn create_link(&self, link: &Link) -> Result<(), DirectoryError> {
        self.require_user(&link.user_id)?;
        if self.link(&link.idp_id, &link.external_id)?.is_some() {
            return Err(DirectoryError::link_taken(link));
        }
        if let Some(other) = self.link_of_user(&link.idp_id, &link.user_id)? {
            return Err(DirectoryError::user_already_linked(&other));
        }
        self.0
            .execute(
                "INSERT INTO dir_links (idp_id, external_id, user_id) VALUES (?1, ?2, ?3)",
                [&link.idp_id, &link.external_id, &link.user_id],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn delete_link(&self, idp_id: &str, external_id: &str) -> Result<(), DirectoryError> {
        let deleted = self
            .0
            .execute(
                "DELETE FROM dir_links WHERE idp_id = ?1 AND external_id = ?2",
                [idp_id, external_id],
            )
            .map_err(backend)?;
        if deleted == 0 {
            return Err(DirectoryError::link_not_found(idp_id, external_id));
        }
        Ok(())
    }

    fn insert_group(&self, group: &Group) -> Result<(), DirectoryError> {
        self.0
            .execute(
                "INSERT INTO dir_groups (id, name, type) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type",
                [&group.id, &group.name, group.group_type.as_str()],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn insert_user(&self, user: &User, groups: &[&str]) -> Result<(), DirectoryError> {
        for group in groups {
            self.require_group(group)?;
        }
        if self.user(&user.id)?.is_some() {
            self.delete_user(&user.id)?;
        }
        self.insert_user_row(user)?;
        for group in groups {
            self.add_member(&user.id, group)?;
        }
        Ok(())
    }
}

/// Why [`SqliteDirectory::open`] refused a file.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{path}` holds directory schema version {found}; this version reads {SCHEMA_VERSION} \
     (written by a newer version?)"
)]
struct SchemaTooNew {
    path: String,
    found: i64,
}

/// A directory in an SQLite file, on one connection. Every write is its own transaction; for
/// several writes that stand or fall together, use [`SqliteDirectory::transaction`].
#[derive(Debug)]
pub struct SqliteDirectory {
    conn: Connection,
}

impl SqliteDirectory {
    /// Opens (creating when absent) the directory file at `path`: WAL journal, foreign keys,
    /// a 5 s busy timeout; creates the schema in a new file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DirectoryError> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(backend)?;
        let journal: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(backend)?;
        if !journal.eq_ignore_ascii_case("wal") {
            return Err(backend(UnknownValue {
                what: "journal mode (WAL was asked for)",
                value: journal,
            }));
        }
        Self::prepare(conn, &path.display().to_string())
    }

    /// A directory in memory (no file, gone when dropped): for tests.
    pub fn open_in_memory() -> Result<Self, DirectoryError> {
        Self::prepare(Connection::open_in_memory().map_err(backend)?, ":memory:")
    }

    fn prepare(mut conn: Connection, path: &str) -> Result<Self, DirectoryError> {
        conn.busy_timeout(Duration::from_secs(5)).map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(backend)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(backend)?;
        match version {
            0 => {
                tx.execute_batch(SCHEMA).map_err(backend)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                    .map_err(backend)?;
            }
            SCHEMA_VERSION => {}
            found => {
                return Err(backend(SchemaTooNew {
                    path: path.to_owned(),
                    found,
                }));
            }
        }
        tx.commit().map_err(backend)?;
        Ok(Self { conn })
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE`): its writes are kept by
    /// [`SqliteTransaction::commit`] and undone when it is dropped without.
    pub fn transaction(&mut self) -> Result<SqliteTransaction<'_>, DirectoryError> {
        self.begin(TransactionBehavior::Immediate)
    }

    /// Starts a read transaction (`BEGIN DEFERRED`): a consistent view for several reads.
    pub fn read_transaction(&mut self) -> Result<SqliteTransaction<'_>, DirectoryError> {
        self.begin(TransactionBehavior::Deferred)
    }

    fn begin(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<SqliteTransaction<'_>, DirectoryError> {
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .map_err(backend)?;
        Ok(SqliteTransaction { tx })
    }

    /// The connection, for the SCIM side of this directory (`crate::scim::sqlite`).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    fn in_transaction<T>(
        &mut self,
        work: impl FnOnce(&Sql<'_>) -> Result<T, DirectoryError>,
    ) -> Result<T, DirectoryError> {
        let tx = self.begin(TransactionBehavior::Immediate)?;
        let value = work(&tx.sql())?;
        tx.commit()?;
        Ok(value)
    }
}

/// A transaction of a [`SqliteDirectory`], itself a [`Directory`]: reads see its own writes,
/// each write is all or nothing (a savepoint), and the whole is kept only by
/// [`SqliteTransaction::commit`].
#[derive(Debug)]
pub struct SqliteTransaction<'c> {
    tx: Transaction<'c>,
}

impl SqliteTransaction<'_> {
    /// Keeps the writes.
    pub fn commit(self) -> Result<(), DirectoryError> {
        self.tx.commit().map_err(backend)
    }

    /// Undoes the writes (dropping the transaction does the same).
    pub fn rollback(self) -> Result<(), DirectoryError> {
        self.tx.rollback().map_err(backend)
    }

    fn in_savepoint<T>(
        &mut self,
        work: impl FnOnce(&Sql<'_>) -> Result<T, DirectoryError>,
    ) -> Result<T, DirectoryError> {
        let savepoint = self.tx.savepoint().map_err(backend)?;
        let value = work(&Sql(&savepoint))?;
        savepoint.commit().map_err(backend)?;
        Ok(value)
    }
}

/// The seeding methods and the [`Directory`] and [`ListDirectory`] methods of both types:
/// reads on `$conn`, writes through `$write` (a transaction, or a savepoint inside one).
macro_rules! directory_impl {
    ($type:ty, $conn:ident, $write:ident) => {
        impl $type {
            /// Adds or replaces a group (the Users API has no call that creates one).
            pub fn insert_group(&mut self, group: &Group) -> Result<(), DirectoryError> {
                self.$write(|sql| sql.insert_group(group))
            }

            /// Adds or replaces a user with its id, `admin` flag and profile, a member of
            /// `groups` (for seeding, e.g. the administrator whose API token the server
            /// accepts). A login another user has is [`DirectoryError::Conflict`], a group that
            /// does not exist [`DirectoryError::NotFound`].
            pub fn insert_user(
                &mut self,
                user: &User,
                groups: &[&str],
            ) -> Result<(), DirectoryError> {
                self.$write(|sql| sql.insert_user(user, groups))
            }

            fn sql(&self) -> Sql<'_> {
                Sql(&self.$conn)
            }
        }

        impl Directory for $type {
            fn user(&self, id: &str) -> Result<Option<User>, DirectoryError> {
                self.sql().user(id)
            }
            fn find_by_login(&self, login: &str) -> Result<Vec<User>, DirectoryError> {
                self.sql().find_by_login(login)
            }
            fn find_by_email(&self, email: &str) -> Result<Vec<User>, DirectoryError> {
                self.sql().find_by_email(email)
            }
            fn find_by_attribute(
                &self,
                name: &str,
                value: &str,
            ) -> Result<Vec<User>, DirectoryError> {
                self.sql().find_by_attribute(name, value)
            }
            fn link(
                &self,
                idp_id: &str,
                external_id: &str,
            ) -> Result<Option<Link>, DirectoryError> {
                self.sql().link(idp_id, external_id)
            }
            fn link_of_user(
                &self,
                idp_id: &str,
                user_id: &str,
            ) -> Result<Option<Link>, DirectoryError> {
                self.sql().link_of_user(idp_id, user_id)
            }
            fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
                self.sql().group(id)
            }
            fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, DirectoryError> {
                self.sql().groups_of(user_id)
            }
            fn create_user(&mut self, user: &NewUser) -> Result<String, DirectoryError> {
                self.$write(|sql| sql.create_user(user))
            }
            fn delete_user(&mut self, id: &str) -> Result<(), DirectoryError> {
                self.$write(|sql| sql.delete_user(id))
            }
            fn update_profile(
                &mut self,
                id: &str,
                changes: &[(String, Option<String>)],
            ) -> Result<(), DirectoryError> {
                self.$write(|sql| sql.update_profile(id, changes))
            }
            fn set_status(
                &mut self,
                id: &str,
                from: UserStatus,
                to: UserStatus,
            ) -> Result<(), DirectoryError> {
                self.$write(|sql| sql.set_status(id, from, to))
            }
            fn add_member(
                &mut self,
                user_id: &str,
                group_id: &str,
            ) -> Result<bool, DirectoryError> {
                self.$write(|sql| sql.add_member(user_id, group_id))
            }
            fn remove_member(
                &mut self,
                user_id: &str,
                group_id: &str,
            ) -> Result<bool, DirectoryError> {
                self.$write(|sql| sql.remove_member(user_id, group_id))
            }
            fn create_link(&mut self, link: &Link) -> Result<(), DirectoryError> {
                self.$write(|sql| sql.create_link(link))
            }
            fn delete_link(
                &mut self,
                idp_id: &str,
                external_id: &str,
            ) -> Result<(), DirectoryError> {
                self.$write(|sql| sql.delete_link(idp_id, external_id))
            }
        }

        impl ListDirectory for $type {
            fn users_after(
                &self,
                after: Option<&str>,
                limit: usize,
            ) -> Result<Vec<User>, DirectoryError> {
                self.sql().users_after(after, limit)
            }
            fn groups_after(
                &self,
                after: Option<&str>,
                limit: usize,
            ) -> Result<Vec<Group>, DirectoryError> {
                self.sql().groups_after(after, limit)
            }
            fn members_after(
                &self,
                group_id: &str,
                after: Option<&str>,
                limit: usize,
            ) -> Result<Vec<User>, DirectoryError> {
                self.sql().members_after(group_id, after, limit)
            }
        }
    };
}

directory_impl!(SqliteDirectory, conn, in_transaction);
directory_impl!(SqliteTransaction<'_>, tx, in_savepoint);

/// An SQLite directory file shared by a server's tasks: each call takes a connection from a
/// small pool (opening one when none is idle) and runs its work in one transaction, committed
/// when the work returns `Ok`, rolled back otherwise. Writers queue on SQLite's lock (busy
/// timeout 5 s); readers do not wait for them (WAL).
#[derive(Debug)]
pub struct SharedSqlite {
    path: PathBuf,
    idle: Mutex<Vec<SqliteDirectory>>,
}

/// Connections kept open between calls.
const MAX_IDLE: usize = 8;

impl SharedSqlite {
    /// Opens (creating when absent) the directory file at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, DirectoryError> {
        let path = path.into();
        let first = SqliteDirectory::open(&path)?;
        Ok(Self {
            path,
            idle: Mutex::new(vec![first]),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn take(&self) -> Result<SqliteDirectory, DirectoryError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(directory) => Ok(directory),
            None => SqliteDirectory::open(&self.path),
        }
    }

    fn put_back(&self, directory: SqliteDirectory) {
        // A connection left inside a transaction (a failed commit or rollback) is not reused.
        if !directory.conn.is_autocommit() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(directory);
        }
    }
}

impl SharedDirectory for SharedSqlite {
    fn read<T, E: From<DirectoryError>>(
        &self,
        work: impl FnOnce(&dyn ListDirectory) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut directory = self.take()?;
        let result = {
            let tx = directory.read_transaction()?;
            let result = work(&tx);
            tx.rollback()?;
            result
        };
        self.put_back(directory);
        result
    }

    fn write<T, E: From<DirectoryError>>(
        &self,
        work: impl FnOnce(&mut dyn ListDirectory) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut directory = self.take()?;
        let result = {
            let mut tx = directory.transaction()?;
            match work(&mut tx) {
                Ok(value) => tx.commit().map(|()| value).map_err(E::from),
                Err(e) => {
                    // The work's error is the one to report; a failed rollback leaves the
                    // connection in a transaction, and `put_back` then drops it.
                    let _ = tx.rollback();
                    Err(e)
                }
            }
        };
        self.put_back(directory);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_unique_ignoring_unicode_case() {
        let mut d = SqliteDirectory::open_in_memory().unwrap();
        d.create_user(&NewUser::new("Älice@example.com", UserStatus::Active))
            .unwrap();
        let err = d
            .create_user(&NewUser::new("älice@EXAMPLE.com", UserStatus::Staged))
            .unwrap_err();
        assert!(
            matches!(err, DirectoryError::Conflict { what: "login", .. }),
            "{err}"
        );
        assert_eq!(d.find_by_login("ÄLICE@example.COM").unwrap().len(), 1);
    }

    #[test]
    fn behaves_like_the_in_memory_directory() {
        let mut d = SqliteDirectory::open_in_memory().unwrap();
        d.insert_group(&Group::new("00g1", "Staff", GroupType::OktaGroup))
            .unwrap();
        let mut new = NewUser::new("a@example.com", UserStatus::Staged);
        new.email = Some("A@Example.com".into());
        new.profile.insert("firstName".into(), "A".into());
        let id = d.create_user(&new).unwrap();
        assert_eq!(id.len(), 20);
        let user = d.user(&id).unwrap().unwrap();
        assert_eq!(user.profile_value("firstName"), Some("A"));
        assert_eq!(d.find_by_email("a@example.com").unwrap()[0].id, id);
        assert_eq!(d.find_by_attribute("firstName", "A").unwrap().len(), 1);
        assert_eq!(
            d.find_by_attribute("email", "a@example.com").unwrap().len(),
            0
        );

        assert!(d.add_member(&id, "00g1").unwrap());
        assert!(!d.add_member(&id, "00g1").unwrap());
        assert!(matches!(
            d.add_member(&id, "00gnone"),
            Err(DirectoryError::NotFound { what: "group", .. })
        ));
        assert_eq!(d.groups_of(&id).unwrap()[0].name, "Staff");
        assert_eq!(d.members_after("00g1", None, 5).unwrap()[0].id, id);

        d.update_profile(
            &id,
            &[
                ("firstName".into(), None),
                ("lastName".into(), Some("B".into())),
            ],
        )
        .unwrap();
        // A login change is refused, and the changes before it in the same call are undone.
        assert!(
            d.update_profile(
                &id,
                &[
                    ("lastName".into(), Some("C".into())),
                    ("login".into(), Some("x".into()))
                ]
            )
            .is_err()
        );
        let user = d.user(&id).unwrap().unwrap();
        assert_eq!(user.profile.get("lastName").map(String::as_str), Some("B"));
        assert!(!user.profile.contains_key("firstName"));

        assert!(matches!(
            d.set_status(&id, UserStatus::Staged, UserStatus::Suspended),
            Err(DirectoryError::InvalidTransition { .. })
        ));
        assert!(matches!(
            d.set_status(&id, UserStatus::Active, UserStatus::Suspended),
            Err(DirectoryError::StatusChanged { .. })
        ));
        d.set_status(&id, UserStatus::Staged, UserStatus::Active)
            .unwrap();

        d.create_link(&Link::new("0oa1", "ext", &id)).unwrap();
        assert!(matches!(
            d.create_link(&Link::new("0oa1", "ext2", &id)),
            Err(DirectoryError::Conflict { .. })
        ));
        assert_eq!(
            d.link_of_user("0oa1", &id).unwrap().unwrap().external_id,
            "ext"
        );
        d.delete_user(&id).unwrap();
        assert!(d.link("0oa1", "ext").unwrap().is_none());
        assert!(d.members_after("00g1", None, 5).unwrap().is_empty());
    }

    #[test]
    fn a_transaction_dropped_without_commit_leaves_nothing() {
        let mut d = SqliteDirectory::open_in_memory().unwrap();
        {
            let mut tx = d.transaction().unwrap();
            tx.create_user(&NewUser::new("a@example.com", UserStatus::Active))
                .unwrap();
            assert_eq!(tx.find_by_login("a@example.com").unwrap().len(), 1);
        }
        assert!(d.find_by_login("a@example.com").unwrap().is_empty());
    }
}
