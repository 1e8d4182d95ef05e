//! The embedded state store of `saml-core`: accepted assertion IDs (the replay cache) and
//! outstanding AuthnRequest IDs in one SQLite file. It survives restarts, and the processes of
//! one host can share it: the database is in WAL mode and every writer waits up to a bounded
//! `busy_timeout` for another's lock.
//!
//! # How each operation is atomic
//!
//! - **Insert-if-absent** is one statement,
//!   `INSERT … SELECT … WHERE <room> ON CONFLICT (ns, key) DO UPDATE SET expires_ns = … WHERE
//!   <the old entry expired>`. SQLite runs a statement under the database's write lock, so of
//!   two connections (or two processes) presenting one key, exactly one changes a row: that one
//!   is [`ReplayOutcome::Fresh`]. Only when no row changed does the store read, to tell a replay
//!   from a full store; the read never decides an acceptance.
//! - **Take** is one statement, `DELETE … RETURNING expires_ns`: the row is gone in the step
//!   that finds it.
//!
//! # Bounds
//!
//! Each kind of state has a capacity (rows across all namespaces), kept in a counter that
//! triggers maintain in the same transaction as each insert and delete, so checking it costs
//! one indexed read. A full replay cache answers [`ReplayOutcome::Full`] (the login is refused;
//! the cache never forgets a live entry to make room), a full request store refuses to record a
//! request. Expired rows are purged in bounded batches ([`SqliteSettings::with_purge`]): every
//! `every` inserts, and before a store reports itself full.
//!
//! # Sync and async
//!
//! [`SqliteStore`] implements the sync traits ([`ReplayCache`], [`RequestStore`]), which is what
//! a local file is for: one login costs one short write transaction. It also implements the
//! async ones ([`AsyncReplayCache`], [`AsyncRequestStore`]) by running the same call on tokio's
//! blocking pool (`spawn_blocking`), because a write may wait up to the busy timeout for
//! another process's lock (and for the disk), which must not stall a tokio worker. Outside a
//! tokio runtime the async calls run inline.
//!
//! # Durability
//!
//! `synchronous = NORMAL` in WAL mode (no fsync per commit; fsyncs at checkpoints, every 8,000
//! WAL pages): a committed entry survives a crash of the process, but a
//! power loss can lose the last commits, which reopens the replay window of those assertions
//! for their remaining lifetime (minutes). Keep assertion lifetimes short.
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs)]

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use saml_core::saml::replay::{
    AsyncReplayCache, AsyncRequestStore, ReplayCache, ReplayOutcome, RequestStore, StoreError,
};
use saml_core::time::DateTime;

/// Connections kept open for reuse; more are opened under load and closed afterwards.
const IDLE_CONNECTIONS: usize = 8;

/// How the store is opened. Build with [`SqliteSettings::new`], adjust with the `with_*`
/// methods.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SqliteSettings {
    path: PathBuf,
    namespace: String,
    replay_capacity: u64,
    request_capacity: u64,
    busy_timeout: Duration,
    purge_every: u64,
    purge_batch: u64,
}

impl SqliteSettings {
    /// The database file (created if missing) and the namespace of this service provider's
    /// rows, normally its entity ID: several SPs can share one file without sharing state.
    pub fn new(path: impl Into<PathBuf>, namespace: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            namespace: namespace.into(),
            replay_capacity: 1_000_000,
            request_capacity: 1_000_000,
            busy_timeout: Duration::from_millis(1_000),
            purge_every: 256,
            purge_batch: 1_024,
        }
    }

    /// The most live rows of each kind (replay entries, outstanding requests), counted over
    /// all namespaces of the file. Default: 1,000,000 each (about 100 MB of disk at most).
    pub fn with_capacity(mut self, replay: u64, requests: u64) -> Self {
        self.replay_capacity = replay;
        self.request_capacity = requests;
        self
    }

    /// How long a write waits for another connection's lock before the store reports
    /// [`StoreError::Timeout`]. Default: 1 s.
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Purge expired rows every `every` inserts, at most `batch` rows at a time. Default: every
    /// 256 inserts, 1,024 rows (the purge outpaces the inserts, and no call does unbounded work).
    pub fn with_purge(mut self, every: u64, batch: u64) -> Self {
        self.purge_every = every;
        self.purge_batch = batch;
        self
    }

    fn check(&self) -> Result<(), SqliteStoreError> {
        let positive = [
            ("replay capacity", self.replay_capacity),
            ("request capacity", self.request_capacity),
            ("purge interval", self.purge_every),
            ("purge batch", self.purge_batch),
        ];
        for (setting, value) in positive {
            if value == 0 || i64::try_from(value).is_err() {
                return Err(SqliteStoreError::Setting {
                    setting,
                    value: value.to_string(),
                    expected: "between 1 and 2^63 - 1",
                });
            }
        }
        if self.busy_timeout.is_zero() || self.busy_timeout > Duration::from_secs(60) {
            return Err(SqliteStoreError::Setting {
                setting: "busy timeout",
                value: format!("{:?}", self.busy_timeout),
                expected: "between 1 ms and 60 s",
            });
        }
        Ok(())
    }
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteStoreError {
    /// A setting is out of range.
    #[error("SQLite store setting `{setting}` is {value}, expected {expected}")]
    Setting {
        /// The setting.
        setting: &'static str,
        /// The value given.
        value: String,
        /// The accepted range.
        expected: &'static str,
    },
    /// The file could not be opened, or the schema not created.
    #[error("cannot open the SQLite store {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        source: rusqlite::Error,
    },
    /// The database could not be put in WAL mode (an in-memory database, or a file system
    /// without shared memory), so processes could not share it safely.
    #[error("the SQLite store {path} is in journal mode `{found}`, expected `wal`")]
    JournalMode {
        /// The database file.
        path: PathBuf,
        /// The mode SQLite reported.
        found: String,
    },
}

/// Replay cache and request store in one SQLite file. Cheap to clone (an [`Arc`]): clones
/// share the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.settings.path)
            .field("namespace", &self.inner.settings.namespace)
            .finish_non_exhaustive()
    }
}

struct Inner {
    settings: SqliteSettings,
    idle: Mutex<Vec<Connection>>,
    inserts: AtomicU64,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS saml_replay (
    ns TEXT NOT NULL, key TEXT NOT NULL, expires_ns INTEGER NOT NULL, PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS saml_replay_expires ON saml_replay (expires_ns);
CREATE TABLE IF NOT EXISTS saml_requests (
    ns TEXT NOT NULL, key TEXT NOT NULL, expires_ns INTEGER NOT NULL, PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS saml_requests_expires ON saml_requests (expires_ns);
CREATE TABLE IF NOT EXISTS saml_counts (name TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL);
INSERT OR IGNORE INTO saml_counts (name, n) VALUES ('replay', 0), ('requests', 0);
CREATE TRIGGER IF NOT EXISTS saml_replay_added AFTER INSERT ON saml_replay
    BEGIN UPDATE saml_counts SET n = n + 1 WHERE name = 'replay'; END;
CREATE TRIGGER IF NOT EXISTS saml_replay_removed AFTER DELETE ON saml_replay
    BEGIN UPDATE saml_counts SET n = n - 1 WHERE name = 'replay'; END;
CREATE TRIGGER IF NOT EXISTS saml_requests_added AFTER INSERT ON saml_requests
    BEGIN UPDATE saml_counts SET n = n + 1 WHERE name = 'requests'; END;
CREATE TRIGGER IF NOT EXISTS saml_requests_removed AFTER DELETE ON saml_requests
    BEGIN UPDATE saml_counts SET n = n - 1 WHERE name = 'requests'; END;
";

/// One table's statements (the two tables have the same shape).
#[derive(Clone, Copy)]
enum Table {
    Replay,
    Requests,
}

impl Table {
    /// Inserts when there is room; on a live conflict changes nothing (replay) or refreshes
    /// the expiry only if the old entry expired. ?1 ns, ?2 key, ?3 expires, ?4 now, ?5 capacity.
    fn insert_sql(self) -> &'static str {
        match self {
            Table::Replay => {
                "INSERT INTO saml_replay (ns, key, expires_ns)
                 SELECT ?1, ?2, ?3 WHERE (SELECT n FROM saml_counts WHERE name = 'replay') < ?5
                 ON CONFLICT (ns, key) DO UPDATE SET expires_ns = excluded.expires_ns
                 WHERE saml_replay.expires_ns <= ?4"
            }
            Table::Requests => {
                "INSERT INTO saml_requests (ns, key, expires_ns)
                 SELECT ?1, ?2, ?3 WHERE (SELECT n FROM saml_counts WHERE name = 'requests') < ?5
                 ON CONFLICT (ns, key) DO UPDATE SET expires_ns = excluded.expires_ns
                 WHERE saml_requests.expires_ns <= ?4"
            }
        }
    }

    fn lookup_sql(self) -> &'static str {
        match self {
            Table::Replay => "SELECT expires_ns FROM saml_replay WHERE ns = ?1 AND key = ?2",
            Table::Requests => "SELECT expires_ns FROM saml_requests WHERE ns = ?1 AND key = ?2",
        }
    }

    fn purge_sql(self) -> &'static str {
        match self {
            Table::Replay => {
                "DELETE FROM saml_replay WHERE (ns, key) IN (SELECT ns, key FROM saml_replay
                 WHERE expires_ns <= ?1 ORDER BY expires_ns LIMIT ?2)"
            }
            Table::Requests => {
                "DELETE FROM saml_requests WHERE (ns, key) IN (SELECT ns, key FROM saml_requests
                 WHERE expires_ns <= ?1 ORDER BY expires_ns LIMIT ?2)"
            }
        }
    }
}

/// What [`Inner::insert`] found.
enum Inserted {
    Fresh,
    Live,
    Full,
}

impl SqliteStore {
    /// Opens (or creates) the database, puts it in WAL mode and creates the tables.
    ///
    /// # Errors
    ///
    /// A setting out of range, a file that cannot be opened, or a database that cannot be put
    /// in WAL mode (`:memory:` cannot: use a file).
    pub fn open(settings: SqliteSettings) -> Result<Self, SqliteStoreError> {
        settings.check()?;
        let path = settings.path.clone();
        let open_error = |source| SqliteStoreError::Open {
            path: path.clone(),
            source,
        };
        let conn = connect(&settings.path, settings.busy_timeout).map_err(open_error)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
            .map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(SqliteStoreError::JournalMode { path, found: mode });
        }
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;"))
            .map_err(open_error)?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                idle: Mutex::new(vec![conn]),
                inserts: AtomicU64::new(0),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.settings.path
    }

    /// Deletes up to `batch` expired rows of each kind (of every namespace) and returns how
    /// many went. The store does this by itself (see [`SqliteSettings::with_purge`]); this is
    /// for a maintenance task.
    ///
    /// # Errors
    ///
    /// The database could not be written.
    pub fn purge_expired(&self, now: DateTime, batch: u64) -> Result<u64, StoreError> {
        self.inner.with_connection(|conn| {
            let a = self.inner.purge(conn, Table::Replay, now, batch)?;
            let b = self.inner.purge(conn, Table::Requests, now, batch)?;
            Ok(a.saturating_add(b))
        })
    }
}

/// Opens one connection with the settings every connection needs.
fn connect(path: &Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A checkpoint every 8,000 WAL pages (about 32 MB) instead of 1,000: each costs fsyncs,
    // whose latency grows with the host's other disk writers; fewer of them kept the login
    // rate at 7,000 to 11,000/s where the default gave 4,000 to 7,000/s (examples/login_rate).
    conn.pragma_update(None, "wal_autocheckpoint", 8_000)?;
    Ok(conn)
}

/// Nanoseconds since the epoch: exact, so that an entry expires at its instant and not a
/// rounding step earlier or later (an `i64` holds them until the year 2262; later instants
/// saturate, which only keeps an entry longer).
fn nanos(t: DateTime) -> i64 {
    t.unix_seconds()
        .saturating_mul(1_000_000_000)
        .saturating_add(i64::from(t.subsec_nanos()))
}

impl Inner {
    fn store_error(&self, e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Timeout {
                timeout_ms: u64::try_from(self.settings.busy_timeout.as_millis())
                    .unwrap_or(u64::MAX),
            },
            _ => StoreError::Unavailable {
                detail: format!("SQLite store {}: {e}", self.settings.path.display()),
            },
        }
    }

    /// Runs `f` on an idle connection (or a new one), and keeps the connection for reuse.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().map(|mut idle| idle.pop());
        // A poisoned pool only means another call panicked: open a fresh connection.
        let conn = match idle.ok().flatten() {
            Some(conn) => conn,
            None => connect(&self.settings.path, self.settings.busy_timeout)
                .map_err(|e| self.store_error(e))?,
        };
        let result = f(&conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_CONNECTIONS
        {
            idle.push(conn);
        }
        result
    }

    fn capacity(&self, table: Table) -> i64 {
        let capacity = match table {
            Table::Replay => self.settings.replay_capacity,
            Table::Requests => self.settings.request_capacity,
        };
        // Checked in SqliteSettings::check.
        i64::try_from(capacity).unwrap_or(i64::MAX)
    }

    fn purge(
        &self,
        conn: &Connection,
        table: Table,
        now: DateTime,
        batch: u64,
    ) -> Result<u64, StoreError> {
        let batch = i64::try_from(batch).unwrap_or(i64::MAX);
        let deleted = conn
            .prepare_cached(table.purge_sql())
            .and_then(|mut s| s.execute(params![nanos(now), batch]))
            .map_err(|e| self.store_error(e))?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }

    /// The atomic insert-if-absent (see the crate docs), with the bounded purges around it.
    fn insert(
        &self,
        table: Table,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<Inserted, StoreError> {
        let ns = self.settings.namespace.as_str();
        let (expires_ns, now_ns) = (nanos(expires), nanos(now));
        let capacity = self.capacity(table);
        self.with_connection(|conn| {
            let count = self.inserts.fetch_add(1, Ordering::Relaxed);
            if count % self.settings.purge_every == self.settings.purge_every - 1 {
                self.purge(conn, table, now, self.settings.purge_batch)?;
            }
            let insert = || {
                conn.prepare_cached(table.insert_sql())
                    .and_then(|mut s| s.execute(params![ns, key, expires_ns, now_ns, capacity]))
                    .map_err(|e| self.store_error(e))
            };
            let live = || {
                conn.prepare_cached(table.lookup_sql())
                    .and_then(|mut s| {
                        s.query_row(params![ns, key], |row| row.get::<_, i64>(0))
                            .optional()
                    })
                    .map(|found| found.is_some_and(|e| e > now_ns))
                    .map_err(|e| self.store_error(e))
            };
            if insert()? == 1 {
                return Ok(Inserted::Fresh);
            }
            // Nothing changed: a live entry, or no room. Reading here only chooses which
            // refusal to report.
            if live()? {
                return Ok(Inserted::Live);
            }
            if self.purge(conn, table, now, self.settings.purge_batch)? > 0 && insert()? == 1 {
                return Ok(Inserted::Fresh);
            }
            Ok(if live()? {
                Inserted::Live
            } else {
                Inserted::Full
            })
        })
    }

    fn replay_insert(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        Ok(match self.insert(Table::Replay, key, expires, now)? {
            Inserted::Fresh => ReplayOutcome::Fresh,
            Inserted::Live => ReplayOutcome::Replayed,
            Inserted::Full => ReplayOutcome::Full {
                capacity: usize::try_from(self.settings.replay_capacity).unwrap_or(usize::MAX),
            },
        })
    }

    fn request_insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError> {
        match self.insert(Table::Requests, id, expires, now)? {
            Inserted::Fresh | Inserted::Live => Ok(()),
            Inserted::Full => Err(StoreError::Unavailable {
                detail: format!(
                    "the SQLite request store {} is full ({} outstanding requests)",
                    self.settings.path.display(),
                    self.settings.request_capacity
                ),
            }),
        }
    }

    fn request_take(&self, id: &str, now: DateTime) -> Result<bool, StoreError> {
        let ns = self.settings.namespace.as_str();
        let now_ns = nanos(now);
        self.with_connection(|conn| {
            let expires = conn
                .prepare_cached(
                    "DELETE FROM saml_requests WHERE ns = ?1 AND key = ?2 RETURNING expires_ns",
                )
                .and_then(|mut s| {
                    s.query_row(params![ns, id], |row| row.get::<_, i64>(0))
                        .optional()
                })
                .map_err(|e| self.store_error(e))?;
            Ok(expires.is_some_and(|e| e > now_ns))
        })
    }
}

impl ReplayCache for SqliteStore {
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        self.inner.replay_insert(key, expires, now)
    }
}

impl RequestStore for SqliteStore {
    fn insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError> {
        self.inner.request_insert(id, expires, now)
    }

    fn take(&self, id: &str, now: DateTime) -> Result<bool, StoreError> {
        self.inner.request_take(id, now)
    }
}

/// Runs `f` on tokio's blocking pool when called inside a tokio runtime, else inline.
async fn off_the_worker<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime
            .spawn_blocking(f)
            .await
            .map_err(|e| StoreError::Unavailable {
                detail: format!("the SQLite store's blocking task failed: {e}"),
            })?,
        Err(_) => f(),
    }
}

impl AsyncReplayCache for SqliteStore {
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<ReplayOutcome, StoreError>> + Send {
        let (inner, key) = (self.inner.clone(), key.to_owned());
        off_the_worker(move || inner.replay_insert(&key, expires, now))
    }
}

impl AsyncRequestStore for SqliteStore {
    fn insert(
        &self,
        id: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let (inner, id) = (self.inner.clone(), id.to_owned());
        off_the_worker(move || inner.request_insert(&id, expires, now))
    }

    fn take(
        &self,
        id: &str,
        now: DateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let (inner, id) = (self.inner.clone(), id.to_owned());
        off_the_worker(move || inner.request_take(&id, now))
    }
}
