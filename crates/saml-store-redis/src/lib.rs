//! The fleet state store of `saml-core`: accepted assertion IDs (the replay cache) and
//! outstanding AuthnRequest IDs in Redis (7.0 or later, or a RESP-compatible server such as
//! Valkey), shared by every instance of a service.
//!
//! # One atomic step per operation
//!
//! - **Insert-if-absent** is one `SET key token NX PX ttl GET`, never a read then a write: of
//!   two instances presenting one assertion at the same moment, exactly one sets the key. The
//!   value is a random token made for this call. When the answer does not arrive in time, the
//!   call is retried with the same token (at most [`RedisSettings::with_insert_attempts`]
//!   times): a retry that finds its own token learns that the first attempt's write landed and
//!   answers [`ReplayOutcome::Fresh`], not a false replay.
//! - **Take** is one `GETDEL`: the key is gone in the step that finds it. The value is the
//!   request's expiry, checked against the caller's clock. A take is not retried: if its answer
//!   is lost, the request may have been consumed, and the login is refused
//!   (`request_store_unavailable`), which is safe.
//! - **Take and insert**, what an SP-initiated login commits
//!   ([`AsyncReplayCache::take_and_insert_if_absent`]), is one `EVAL` of a short Lua script,
//!   atomic on the server: `GETDEL` of the request and, only if it was outstanding (its expiry
//!   after the caller's `now`), the `SET … NX PX ttl GET` above with a per-call token; the
//!   assertion is never recorded for a request that was not outstanding. It is retried like an
//!   insert, with the same token: a retry that finds the request gone and the replay key holding
//!   its own token learns that the first attempt landed and answers
//!   [`ReplayOutcome::Fresh`]. (If the first attempt found a replay and its answer was lost,
//!   the retry answers "not outstanding", `unknown_in_response_to`: still a refusal.) When no
//!   attempt is answered, the login is refused as `request_store_unavailable`: the request may
//!   or may not have been consumed. On a server out of memory the script is refused as a whole
//!   (it is flagged `#!lua`): nothing is consumed.
//! - **TTL** is computed on the caller's clock (`PX` = expiry − now, rounded up, at least 1 ms),
//!   so Redis forgets an entry no earlier than the caller asked, whatever the server's clock.
//!
//! # Per-login cost
//!
//! One round trip per login through
//! [`Unreplayed::commit_async`](saml_core::saml::sp::Unreplayed::commit_async): IdP-initiated,
//! the `SET`; SP-initiated, the `EVAL` (the script text, a few hundred bytes, is sent each
//! time; the server caches its compiled form). The sync
//! [`Unreplayed::commit`](saml_core::saml::sp::Unreplayed::commit) still makes two for an
//! SP-initiated login (`GETDEL`, then `SET`): the sync traits have no combined step.
//!
//! # Failing closed
//!
//! Every connection attempt and every command has a bounded timeout
//! ([`RedisSettings::with_timeouts`], 250 ms each by default). A server that is unreachable,
//! answers with an error (for example `OOM` under `noeviction`) or times out gives a
//! [`StoreError`], which `saml-core` turns into `replay_store_unavailable` or
//! `request_store_unavailable`: the login is refused. After a connection error the next call
//! connects again (bounded by the connect timeout), so logins resume when the server does.
//!
//! # What the server must be
//!
//! - **`maxmemory-policy noeviction`.** Under any other policy Redis may evict a key with a TTL
//!   before it expires, which forgets a replay. [`RedisStore::connect`] reads the policy
//!   (`CONFIG GET`, or `INFO memory` where `CONFIG` is disabled) and refuses anything else with
//!   [`RedisStoreError::EvictionPolicy`]. With `noeviction`, a full server refuses writes and
//!   logins fail closed.
//! - **Failover loses writes.** Redis replicates asynchronously: a primary can acknowledge a
//!   `SET` and fail before a replica receives it. After such a failover, an assertion accepted
//!   just before it can be accepted once more, for the rest of its lifetime (its
//!   `NotOnOrAfter` plus the clock skew). `WAIT` narrows the window but does not close it.
//!   Keep assertion lifetimes short (minutes), and prefer a single primary with persistence
//!   (`appendonly yes`) if that window matters; a restart without persistence forgets every
//!   entry the same way.
//!
//! # Keys
//!
//! `<prefix><entity ID>:<kind>:<ID>`, where the SP entity ID and the ID have `%`, `:`, space
//! and control characters percent-escaped, so that no two (entity ID, kind, ID) triples give
//! the same key: one service provider can never consume or shadow another's entries.
//!
//! # Sync and async
//!
//! The async traits ([`AsyncReplayCache`], [`AsyncRequestStore`]) are the primary API: one
//! multiplexed connection per store, shared by all tasks. The sync traits ([`ReplayCache`],
//! [`RequestStore`]) are provided for programs without tokio, over one blocking connection per
//! store (calls are serialised on it; never call them on a tokio worker thread).
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs)]

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Cmd, FromRedisValue, RedisError};
use saml_core::saml::replay::{
    AsyncReplayCache, AsyncRequestStore, ReplayCache, ReplayOutcome, RequestStore, StoreError,
    Taken,
};
use saml_core::time::DateTime;

/// Characters escaped in the components of a key: the separator `:`, the escape `%`, space and
/// controls (non-ASCII is always escaped by `percent-encoding`).
const KEY_ESCAPE: &AsciiSet = &CONTROLS.add(b'%').add(b':').add(b' ');

/// The take-and-insert script. `KEYS`: the request, the replay entry. `ARGV`: the call's token,
/// the TTL (ms), `now` (ns since 1970, decimal). Answers 1 (fresh), 2 (replayed) or 0 (the
/// request was not outstanding: nothing recorded). Expiries are compared as decimal text, not
/// as Lua numbers (doubles, which round nanoseconds). The `#!lua` line makes it a flagged
/// script: refused as a whole, before it consumes anything, when the server is out of memory.
const TAKE_AND_INSERT: &str = "#!lua
local function later(a, b)
  local na, nb = a:sub(1, 1) == '-', b:sub(1, 1) == '-'
  if na ~= nb then return nb end
  if na then a, b = b:sub(2), a:sub(2) end
  if #a ~= #b then return #a > #b end
  return a > b
end
local expires = redis.call('GETDEL', KEYS[1])
if expires and expires:match('^%-?%d+$') and later(expires, ARGV[3]) then
  local found = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2], 'GET')
  if not found or found == ARGV[1] then return 1 end
  return 2
end
if redis.call('GET', KEYS[2]) == ARGV[1] then return 1 end
return 0
";

/// The oldest server that has `SET … NX … GET` (Redis 7.0).
const MINIMUM_VERSION: (u32, u32) = (7, 0);

/// How to reach the server and name the keys. Build with [`RedisSettings::new`], adjust with the
/// `with_*` methods.
#[derive(Clone)]
#[non_exhaustive]
pub struct RedisSettings {
    url: String,
    entity_id: String,
    key_prefix: String,
    connect_timeout: Duration,
    command_timeout: Duration,
    insert_attempts: u32,
}

impl fmt::Debug for RedisSettings {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("entity_id", &self.entity_id)
            .field("key_prefix", &self.key_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("insert_attempts", &self.insert_attempts)
            .finish_non_exhaustive()
    }
}

impl RedisSettings {
    /// The server (`redis://[user:password@]host:port/db`) and the service provider whose
    /// state this is (its entity ID: every key is namespaced by it).
    pub fn new(url: impl Into<String>, entity_id: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            entity_id: entity_id.into(),
            key_prefix: "saml:".to_owned(),
            connect_timeout: Duration::from_millis(250),
            command_timeout: Duration::from_millis(250),
            insert_attempts: 2,
        }
    }

    /// The prefix of every key (to share a database with other applications): empty or ending
    /// with `:`. Default: `saml:`.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The longest wait for a connection (TCP and handshake) and for the answer to one command.
    /// Default: 250 ms each. Range: 1 ms to 60 s.
    pub fn with_timeouts(mut self, connect: Duration, command: Duration) -> Self {
        self.connect_timeout = connect;
        self.command_timeout = command;
        self
    }

    /// How many times an insert is sent when its answer does not arrive (each with the same
    /// token). Default: 2. Range: 1 to 5. The longest an insert can take is this many times
    /// the connect timeout plus the command timeout.
    pub fn with_insert_attempts(mut self, attempts: u32) -> Self {
        self.insert_attempts = attempts;
        self
    }

    fn check(&self) -> Result<(), RedisStoreError> {
        let range = Duration::from_millis(1)..=Duration::from_secs(60);
        for (setting, value) in [
            ("connect timeout", self.connect_timeout),
            ("command timeout", self.command_timeout),
        ] {
            if !range.contains(&value) {
                return Err(RedisStoreError::Setting {
                    setting,
                    value: format!("{value:?}"),
                    expected: "between 1 ms and 60 s",
                });
            }
        }
        if !(1..=5).contains(&self.insert_attempts) {
            return Err(RedisStoreError::Setting {
                setting: "insert attempts",
                value: self.insert_attempts.to_string(),
                expected: "between 1 and 5",
            });
        }
        // With every prefix ending in `:` and the other components escaped, a key splits on
        // `:` into the prefix's parts and exactly three more: two settings with different
        // prefixes or entity IDs can never produce the same key.
        if !(self.key_prefix.is_empty() || self.key_prefix.ends_with(':')) {
            return Err(RedisStoreError::Setting {
                setting: "key prefix",
                value: format!("{:?}", self.key_prefix),
                expected: "empty or ending with `:`",
            });
        }
        if self.entity_id.is_empty() {
            return Err(RedisStoreError::Setting {
                setting: "entity ID",
                value: "empty".to_owned(),
                expected: "the service provider's entity ID",
            });
        }
        Ok(())
    }
}

/// Why a store could not be set up, or a server was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// A setting is out of range.
    #[error("Redis store setting `{setting}` is {value}, expected {expected}")]
    Setting {
        /// The setting.
        setting: &'static str,
        /// The value given.
        value: String,
        /// The accepted range.
        expected: &'static str,
    },
    /// The URL does not parse (the URL itself is not repeated: it may hold a password).
    #[error("the Redis URL is invalid: {detail}")]
    Url {
        /// What the client reported.
        detail: String,
    },
    /// The server did not answer in time or could not be reached.
    #[error("the Redis server cannot be used: {0}")]
    Unavailable(StoreError),
    /// The server may evict keys before they expire, which would forget replays.
    #[error(
        "the Redis server's maxmemory-policy is `{found}`, expected `noeviction` (an evicted \
         replay-cache key is a forgotten replay)"
    )]
    EvictionPolicy {
        /// The policy the server reported.
        found: String,
    },
    /// The server is older than Redis 7.0, which lacks `SET … NX … GET`.
    #[error("the Redis server is version {found}, expected 7.0 or later (for SET NX GET)")]
    Version {
        /// The version the server reported.
        found: String,
    },
}

impl From<RedisStoreError> for StoreError {
    fn from(e: RedisStoreError) -> Self {
        match e {
            RedisStoreError::Unavailable(inner) => inner,
            other => StoreError::Unavailable {
                detail: other.to_string(),
            },
        }
    }
}

/// Replay cache and request store in Redis. Cheap to clone (an [`Arc`]): clones share the
/// connections.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

struct Inner {
    settings: RedisSettings,
    client: Client,
    /// `<prefix><escaped entity ID>:`.
    namespace: String,
    /// The async connection and its generation (so a failed call drops only the connection it
    /// used, not a newer one).
    connection: Mutex<Option<(u64, MultiplexedConnection)>>,
    generation: AtomicU64,
    blocking: Mutex<Option<redis::Connection>>,
}

/// The kinds of state, each its own key space.
#[derive(Clone, Copy)]
enum Kind {
    Replay,
    Request,
}

impl RedisStore {
    /// Connects, checks the server (version 7.0 or later, `maxmemory-policy noeviction`) and
    /// returns the store. Must run inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// A setting out of range, an invalid URL, a server that cannot be reached within the
    /// connect timeout, or a server refused by the checks.
    pub async fn connect(settings: RedisSettings) -> Result<Self, RedisStoreError> {
        let store = Self::new(settings)?;
        let conn = store.inner.open_async().await?;
        let generation = store.inner.generation.fetch_add(1, Ordering::Relaxed);
        *lock(&store.inner.connection) = Some((generation, conn));
        Ok(store)
    }

    /// As [`connect`](Self::connect), for programs that use the sync traits (no tokio):
    /// connects with a blocking connection.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub fn connect_blocking(settings: RedisSettings) -> Result<Self, RedisStoreError> {
        let store = Self::new(settings)?;
        let conn = store.inner.open_blocking()?;
        *lock(&store.inner.blocking) = Some(conn);
        Ok(store)
    }

    fn new(settings: RedisSettings) -> Result<Self, RedisStoreError> {
        settings.check()?;
        let client = Client::open(settings.url.as_str()).map_err(|e| RedisStoreError::Url {
            detail: e.category().to_owned(),
        })?;
        let namespace = format!(
            "{}{}:",
            settings.key_prefix,
            utf8_percent_encode(&settings.entity_id, KEY_ESCAPE)
        );
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                client,
                namespace,
                connection: Mutex::new(None),
                generation: AtomicU64::new(0),
                blocking: Mutex::new(None),
            }),
        })
    }

    /// The Redis key of an assertion's replay entry (`key` as `saml-core` gives it).
    pub fn replay_key(&self, key: &str) -> String {
        self.inner.key(Kind::Replay, key)
    }

    /// The Redis key of an outstanding request.
    pub fn request_key(&self, id: &str) -> String {
        self.inner.key(Kind::Request, id)
    }

    /// The insert with a token chosen by the caller: what [`AsyncReplayCache::insert_if_absent`]
    /// sends on every attempt. Public so that a test can replay an attempt whose answer was
    /// lost; a token must be unique to one insert call.
    ///
    /// # Errors
    ///
    /// As [`AsyncReplayCache::insert_if_absent`].
    #[doc(hidden)]
    pub async fn insert_with_token(
        &self,
        key: &str,
        token: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        let cmd = set_nx_get(&self.inner.key(Kind::Replay, key), token, expires, now);
        let found: Option<String> = self.inner.query(&cmd).await?;
        Ok(outcome(found, token))
    }

    /// The take-and-insert with a token chosen by the caller: what
    /// [`AsyncReplayCache::take_and_insert_if_absent`] sends on every attempt. Public so that a
    /// test can replay an attempt whose answer was lost; a token must be unique to one call.
    ///
    /// # Errors
    ///
    /// As [`AsyncReplayCache::take_and_insert_if_absent`].
    #[doc(hidden)]
    pub async fn take_and_insert_with_token(
        &self,
        request_id: &str,
        key: &str,
        token: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<Taken, StoreError> {
        let cmd = self
            .inner
            .take_and_insert(request_id, key, token, expires, now);
        taken(self.inner.query(&cmd).await?)
    }
}

/// A poisoned lock only means a call panicked while holding it; the slot is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Milliseconds from `now` to `expires`, rounded up, at least 1.
fn ttl_millis(expires: DateTime, now: DateTime) -> u64 {
    let nanos =
        |t: DateTime| i128::from(t.unix_seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos());
    let left = nanos(expires) - nanos(now);
    let ms = (left + 999_999).div_euclid(1_000_000);
    u64::try_from(ms.max(1)).unwrap_or(u64::MAX)
}

fn nanos_text(t: DateTime) -> String {
    (i128::from(t.unix_seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos())).to_string()
}

fn set_nx_get(key: &str, token: &str, expires: DateTime, now: DateTime) -> Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key)
        .arg(token)
        .arg("NX")
        .arg("PX")
        .arg(ttl_millis(expires, now))
        .arg("GET");
    cmd
}

/// `SET … NX GET` answered nil (we set it) or the value present: our own token means an
/// earlier attempt of this very call set it.
fn outcome(found: Option<String>, token: &str) -> ReplayOutcome {
    match found {
        None => ReplayOutcome::Fresh,
        Some(value) if value == token => ReplayOutcome::Fresh,
        Some(_) => ReplayOutcome::Replayed,
    }
}

fn set_request(key: &str, expires: DateTime, now: DateTime) -> Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key)
        .arg(nanos_text(expires))
        .arg("PX")
        .arg(ttl_millis(expires, now));
    cmd
}

fn getdel(key: &str) -> Cmd {
    let mut cmd = redis::cmd("GETDEL");
    cmd.arg(key);
    cmd
}

/// The take-and-insert script's answer.
fn taken(code: i64) -> Result<Taken, StoreError> {
    match code {
        0 => Ok(Taken::NotOutstanding),
        1 => Ok(Taken::Consumed(Ok(ReplayOutcome::Fresh))),
        2 => Ok(Taken::Consumed(Ok(ReplayOutcome::Replayed))),
        other => Err(StoreError::Unavailable {
            detail: format!("Redis: unexpected answer {other} from the take-and-insert script"),
        }),
    }
}

/// A taken request is outstanding if its recorded expiry is after `now`.
fn still_outstanding(found: Option<String>, now: DateTime) -> bool {
    found
        .and_then(|v| v.parse::<i128>().ok())
        .is_some_and(|expires| expires > nanos_text(now).parse().unwrap_or(i128::MAX))
}

/// 128 random bits, hex: unique to one insert call across the fleet.
fn token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| StoreError::Unavailable {
        detail: "no randomness for the insert token".to_owned(),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The server's version and eviction policy, from `INFO` text (`field:value` lines).
fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|line| {
        line.strip_prefix(field)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
    })
}

fn check_version(info_server: &str) -> Result<(), RedisStoreError> {
    let found = info_field(info_server, "redis_version").unwrap_or("unknown");
    let mut parts = found.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if version < MINIMUM_VERSION {
        return Err(RedisStoreError::Version {
            found: found.to_owned(),
        });
    }
    Ok(())
}

fn check_policy(policy: &str) -> Result<(), RedisStoreError> {
    if policy == "noeviction" {
        Ok(())
    } else {
        Err(RedisStoreError::EvictionPolicy {
            found: policy.to_owned(),
        })
    }
}

/// The policy from `CONFIG GET maxmemory-policy` (`[name, value]`).
fn policy_from_config(reply: &[String]) -> Option<&str> {
    reply.get(1).map(String::as_str)
}

impl Inner {
    fn key(&self, kind: Kind, id: &str) -> String {
        let kind = match kind {
            Kind::Replay => "replay",
            Kind::Request => "request",
        };
        format!(
            "{}{kind}:{}",
            self.namespace,
            utf8_percent_encode(id, KEY_ESCAPE)
        )
    }

    /// The `EVAL` of [`TAKE_AND_INSERT`] for one call.
    fn take_and_insert(
        &self,
        request_id: &str,
        key: &str,
        token: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(TAKE_AND_INSERT)
            .arg(2)
            .arg(self.key(Kind::Request, request_id))
            .arg(self.key(Kind::Replay, key))
            .arg(token)
            .arg(ttl_millis(expires, now))
            .arg(nanos_text(now));
        cmd
    }

    fn timeout(&self) -> StoreError {
        StoreError::Timeout {
            timeout_ms: millis(self.settings.command_timeout),
        }
    }

    fn error(&self, e: &RedisError) -> StoreError {
        if e.is_timeout() {
            return self.timeout();
        }
        StoreError::Unavailable {
            detail: format!("Redis: {e}"),
        }
    }

    /// Runs one command on `conn` within the command timeout.
    async fn run<T: FromRedisValue>(
        &self,
        conn: &mut MultiplexedConnection,
        cmd: &Cmd,
    ) -> Result<T, RedisError> {
        match tokio::time::timeout(self.settings.command_timeout, cmd.query_async(conn)).await {
            Ok(result) => result,
            Err(_) => Err(RedisError::from(std::io::Error::from(
                std::io::ErrorKind::TimedOut,
            ))),
        }
    }

    /// Connects and checks the server.
    async fn open_async(&self) -> Result<MultiplexedConnection, RedisStoreError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.settings.connect_timeout))
            .set_response_timeout(None);
        let connecting = self
            .client
            .get_multiplexed_async_connection_with_config(&config);
        let mut conn = match tokio::time::timeout(self.settings.connect_timeout, connecting).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(RedisStoreError::Unavailable(self.connect_error(&e))),
            Err(_) => return Err(RedisStoreError::Unavailable(self.connect_timeout())),
        };
        let unavailable = |e: RedisError| RedisStoreError::Unavailable(self.error(&e));
        let info: String = self
            .run(&mut conn, redis::cmd("INFO").arg("server"))
            .await
            .map_err(unavailable)?;
        check_version(&info)?;
        let config: Result<Vec<String>, _> = self
            .run(
                &mut conn,
                redis::cmd("CONFIG").arg("GET").arg("maxmemory-policy"),
            )
            .await;
        match config.as_deref().ok().and_then(policy_from_config) {
            Some(policy) => check_policy(policy)?,
            None => {
                // CONFIG is renamed away or not permitted: INFO memory has the policy too.
                let info: String = self
                    .run(&mut conn, redis::cmd("INFO").arg("memory"))
                    .await
                    .map_err(unavailable)?;
                check_policy(info_field(&info, "maxmemory_policy").unwrap_or("unknown"))?;
            }
        }
        Ok(conn)
    }

    fn connect_timeout(&self) -> StoreError {
        StoreError::Timeout {
            timeout_ms: millis(self.settings.connect_timeout),
        }
    }

    fn connect_error(&self, e: &RedisError) -> StoreError {
        if e.is_timeout() {
            self.connect_timeout()
        } else {
            StoreError::Unavailable {
                detail: format!("Redis: cannot connect: {e}"),
            }
        }
    }

    /// The shared async connection, connecting if there is none.
    async fn connection(&self) -> Result<(u64, MultiplexedConnection), StoreError> {
        if let Some(current) = lock(&self.connection).clone() {
            return Ok(current);
        }
        let conn = self.open_async().await?;
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        *lock(&self.connection) = Some((generation, conn.clone()));
        Ok((generation, conn))
    }

    /// One command on the shared connection. A connection that failed (anything but an error
    /// reply from the server or a timeout) is dropped, so the next call connects again.
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        let (generation, mut conn) = self.connection().await?;
        match self.run(&mut conn, cmd).await {
            Ok(value) => Ok(value),
            Err(e) => {
                if e.code().is_none() && !e.is_timeout() {
                    let mut slot = lock(&self.connection);
                    if slot.as_ref().is_some_and(|(g, _)| *g == generation) {
                        *slot = None;
                    }
                }
                Err(self.error(&e))
            }
        }
    }

    /// Connects a blocking connection with both timeouts set, and checks the server.
    fn open_blocking(&self) -> Result<redis::Connection, RedisStoreError> {
        let unavailable = |e: RedisError| RedisStoreError::Unavailable(self.error(&e));
        let mut conn = self
            .client
            .get_connection_with_timeout(self.settings.connect_timeout)
            .map_err(|e| RedisStoreError::Unavailable(self.connect_error(&e)))?;
        conn.set_read_timeout(Some(self.settings.command_timeout))
            .map_err(unavailable)?;
        conn.set_write_timeout(Some(self.settings.command_timeout))
            .map_err(unavailable)?;
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query(&mut conn)
            .map_err(unavailable)?;
        check_version(&info)?;
        let config: Result<Vec<String>, _> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("maxmemory-policy")
            .query(&mut conn);
        match config.as_deref().ok().and_then(policy_from_config) {
            Some(policy) => check_policy(policy)?,
            None => {
                let info: String = redis::cmd("INFO")
                    .arg("memory")
                    .query(&mut conn)
                    .map_err(unavailable)?;
                check_policy(info_field(&info, "maxmemory_policy").unwrap_or("unknown"))?;
            }
        }
        Ok(conn)
    }

    /// One command on the blocking connection. After any failure but an error reply the
    /// connection is dropped: a late answer on it would be read as the answer to the next
    /// command.
    fn query_blocking<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        let mut slot = lock(&self.blocking);
        let conn = match slot.as_mut() {
            Some(conn) => conn,
            None => slot.insert(self.open_blocking()?),
        };
        match cmd.query(conn) {
            Ok(value) => Ok(value),
            Err(e) => {
                if e.code().is_none() {
                    *slot = None;
                }
                Err(self.error(&e))
            }
        }
    }

    /// `cmd` (an insert or a take-and-insert, carrying its call's token) until one attempt is
    /// answered, at most [`RedisSettings::with_insert_attempts`] times.
    async fn attempts<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        let mut last = self.timeout();
        for _ in 0..self.settings.insert_attempts {
            match self.query::<T>(cmd).await {
                Ok(answer) => return Ok(answer),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// As [`attempts`](Self::attempts), on the blocking connection.
    fn attempts_blocking<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        let mut last = self.timeout();
        for _ in 0..self.settings.insert_attempts {
            match self.query_blocking::<T>(cmd) {
                Ok(answer) => return Ok(answer),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn insert_async(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        let token = token()?;
        let cmd = set_nx_get(&self.key(Kind::Replay, key), &token, expires, now);
        Ok(outcome(self.attempts(&cmd).await?, &token))
    }

    fn insert_blocking(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        let token = token()?;
        let cmd = set_nx_get(&self.key(Kind::Replay, key), &token, expires, now);
        Ok(outcome(self.attempts_blocking(&cmd)?, &token))
    }

    async fn take_and_insert_async(
        &self,
        request_id: &str,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<Taken, StoreError> {
        let cmd = self.take_and_insert(request_id, key, &token()?, expires, now);
        taken(self.attempts(&cmd).await?)
    }
}

impl AsyncReplayCache for RedisStore {
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<ReplayOutcome, StoreError>> + Send {
        self.inner.insert_async(key, expires, now)
    }

    /// One round trip: the `EVAL` of the take-and-insert script (see the crate documentation).
    fn take_and_insert_if_absent(
        &self,
        request_id: &str,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> impl Future<Output = Result<Taken, StoreError>> + Send {
        self.inner
            .take_and_insert_async(request_id, key, expires, now)
    }
}

impl AsyncRequestStore for RedisStore {
    async fn insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError> {
        let cmd = set_request(&self.inner.key(Kind::Request, id), expires, now);
        self.inner.query::<()>(&cmd).await
    }

    async fn take(&self, id: &str, now: DateTime) -> Result<bool, StoreError> {
        let cmd = getdel(&self.inner.key(Kind::Request, id));
        let found: Option<String> = self.inner.query(&cmd).await?;
        Ok(still_outstanding(found, now))
    }
}

impl ReplayCache for RedisStore {
    fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        self.inner.insert_blocking(key, expires, now)
    }
}

impl RequestStore for RedisStore {
    fn insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError> {
        let cmd = set_request(&self.inner.key(Kind::Request, id), expires, now);
        self.inner.query_blocking::<()>(&cmd)
    }

    fn take(&self, id: &str, now: DateTime) -> Result<bool, StoreError> {
        let cmd = getdel(&self.inner.key(Kind::Request, id));
        let found: Option<String> = self.inner.query_blocking(&cmd)?;
        Ok(still_outstanding(found, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rounds_up_and_is_at_least_one_millisecond() {
        let t = |s, n| DateTime::from_unix(s, n).expect("valid");
        assert_eq!(ttl_millis(t(10, 1), t(10, 0)), 1);
        assert_eq!(ttl_millis(t(10, 0), t(10, 0)), 1);
        assert_eq!(ttl_millis(t(9, 0), t(10, 0)), 1);
        assert_eq!(ttl_millis(t(12, 500_000_001), t(10, 0)), 2_501);
    }

    #[test]
    fn info_fields_and_checks() {
        let info = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";
        assert_eq!(info_field(info, "redis_version"), Some("7.0.15"));
        assert!(check_version(info).is_ok());
        assert!(matches!(
            check_version("redis_version:6.2.14\r\n"),
            Err(RedisStoreError::Version { found }) if found == "6.2.14"
        ));
        assert!(check_policy("noeviction").is_ok());
        let err = check_policy("volatile-lru").expect_err("evicts");
        assert!(err.to_string().contains("`volatile-lru`"), "{err}");
    }

    #[test]
    fn own_token_is_fresh_other_token_is_a_replay() {
        assert_eq!(outcome(None, "a"), ReplayOutcome::Fresh);
        assert_eq!(outcome(Some("a".into()), "a"), ReplayOutcome::Fresh);
        assert_eq!(outcome(Some("b".into()), "a"), ReplayOutcome::Replayed);
    }
}
