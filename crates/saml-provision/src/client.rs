//! Org1's side of Org2Org: a provisioning client for the Okta Users API (reqwest over rustls).
//!
//! [`UsersApiClient::push`] carries one assignment change ([`Change`]) to the target org and
//! returns a [`PushOutcome`], which it also records in an [`OutcomeLog`] (the admin's view of
//! what was pushed, what failed and why, with Okta's `errorCode` and `errorSummary`):
//!
//! | change | what is sent |
//! |---|---|
//! | [`Change::Assigned`] | find by login; absent: create with the initial status; present: update the profile (and activate a STAGED or DEPROVISIONED user if the initial status is an active one) |
//! | [`Change::ProfileChanged`] | find; update the attributes that differ (`POST`, partial) |
//! | [`Change::Unassigned`], [`Change::Deactivated`] | find; `lifecycle/deactivate` unless already DEPROVISIONED |
//! | [`Change::Reassigned`] | find; absent: create; STAGED or DEPROVISIONED: `activate`; PROVISIONED: `reactivate`; then the profile |
//! | [`Change::GroupsChanged`] | find; `PUT` / `DELETE /api/v1/groups/{g}/users/{u}` |
//!
//! **Idempotent by login**: every push looks the user up by `filter=profile.login eq "…"`
//! first, and a create answered with "login already exists" (a retried or concurrent push got
//! there first) is taken as "found", then updated: a retried push never makes a duplicate. A
//! lifecycle call refused because the user is already in the wanted status counts as done.
//!
//! **Retries**: a 429 waits until `Retry-After` or `X-Rate-Limit-Reset`, a 5xx or a connection
//! failure waits an exponential backoff; at most [`RetryPolicy::max_attempts`] per request and
//! [`RetryPolicy::max_total_wait`] of waiting per push.
//!
//! **Safety**: the API token goes only to the configured origin: the base URL must be `https`
//! (plain `http` only to a loopback address, for tests), redirects are not followed, a `Link`
//! to another origin is refused, and the token never appears in a message or `Debug` output.
//!
//! # Example
//!
//! Org2's Users API ([`crate::okta_api`]) and Org1's client, over HTTP on loopback:
//!
//! ```
//! use std::sync::Arc;
//!
//! use saml_policy::{InMemoryDirectory, User};
//! use saml_provision::client::{
//!     Change, ClientConfig, InitialStatus, MemoryOutcomeLog, PushUser, UsersApiClient,
//! };
//! use saml_provision::okta_api::{ApiTokens, OktaApiConfig, router};
//! use saml_provision::store::MutexDirectory;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Org2: a directory (`sqlite::SharedSqlite::open("org2.sqlite")?` on disk) with the
//! // administrator whose API token Org1 was given; only the token's SHA-256 is kept.
//! let mut directory = InMemoryDirectory::new();
//! let mut admin = User::new("00uadmin", "admin@org2.example");
//! admin.admin = true;
//! directory.insert_user(admin, &[])?;
//! let mut tokens = ApiTokens::new();
//! tokens.add("00example-token", "00uadmin");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base = format!("http://{}", listener.local_addr()?);
//! let app = router(Arc::new(MutexDirectory::new(directory)), OktaApiConfig::new(&base, tokens));
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! // Org1: "Test API Credentials", then push an assignment and an unassignment.
//! let log = Arc::new(MemoryOutcomeLog::new());
//! let client = UsersApiClient::new(ClientConfig::new(&base, "00example-token"), log.clone())?;
//! assert_eq!(client.test_credentials().await?.login(), "admin@org2.example");
//! let alice = PushUser::new("alice@example.com")
//!     .attribute("email", "alice@example.com")
//!     .attribute("firstName", "Alice")
//!     .attribute("lastName", "Liddell");
//! let outcome = client
//!     .push(&Change::Assigned { user: alice, initial_status: InitialStatus::ActiveWithPass })
//!     .await;
//! assert!(outcome.is_ok(), "{outcome}");
//! client.push(&Change::Unassigned { login: "alice@example.com".into() }).await;
//!
//! // What the admin sees.
//! let lines: Vec<String> = log.outcomes().iter().map(ToString::to_string).collect();
//! assert!(lines[0].starts_with("assigned alice@example.com (00u"));
//! assert!(lines[0].ends_with("): created (ACTIVE) [2 request(s)]"));
//! assert!(lines[1].ends_with("): found (ACTIVE), deactivated [2 request(s)]"));
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LINK};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::error::OktaError;

/// When and how often a request is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per request, the first included. Default: 5.
    pub max_attempts: u32,
    /// The first backoff after a 5xx or a connection failure, doubled each time (also the
    /// wait after a 429 that names no reset time). Default: 1 s.
    pub base_delay: Duration,
    /// The longest single wait (a reset time further away is cut to this). Default: 60 s.
    pub max_delay: Duration,
    /// The most waiting in one push (or one call); past it the push fails. Default: 5 min.
    pub max_total_wait: Duration,
}

impl RetryPolicy {
    /// A policy.
    pub fn new(
        max_attempts: u32,
        base_delay: Duration,
        max_delay: Duration,
        max_total_wait: Duration,
    ) -> Self {
        Self {
            max_attempts,
            base_delay,
            max_delay,
            max_total_wait,
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new(
            5,
            Duration::from_secs(1),
            Duration::from_secs(60),
            Duration::from_secs(300),
        )
    }
}

/// The client's settings.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The target org's base URL, e.g. `https://org2.okta.com` (no path).
    pub base_url: String,
    /// The API token, sent as `Authorization: SSWS <token>`.
    pub token: String,
    /// Retries.
    pub retry: RetryPolicy,
    /// Connecting. Default: 10 s.
    pub connect_timeout: Duration,
    /// A whole request. Default: 30 s.
    pub request_timeout: Duration,
    /// The largest response body read. Default: 4 MiB.
    pub max_response_bytes: usize,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &"<redacted>")
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientConfig {
    /// The defaults, with this base URL and token.
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            token: token.into(),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Why a client could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The base URL is not one the token may be sent to.
    #[error("base URL `{url}`: {reason}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token cannot go in a header (a control character, say).
    #[error("the API token is not a valid header value (it must be printable ASCII)")]
    Token,
    /// reqwest could not build its client (TLS set-up).
    #[error("the HTTP client could not be built: {0}")]
    Http(#[source] reqwest::Error),
}

/// Why a call to the target org failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The server answered with an error status; `okta` is its body when it is Okta's shape.
    #[error("{method} {url} answered {status}: {}", okta.as_ref().map_or_else(|| body.clone(), ToString::to_string))]
    Status {
        /// The method.
        method: String,
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Okta's error body, when the answer was one.
        okta: Option<Box<OktaError>>,
        /// The start of the body otherwise.
        body: String,
    },
    /// No answer: the connection failed or timed out.
    #[error("could not reach {url}: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// An answer that is not what the Users API sends.
    #[error("{url}: {reason}")]
    InvalidResponse {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Retries ran out; `last` is the last failure.
    #[error("gave up after {attempts} attempt(s) and {waited:?} of waiting ({why}); last: {last}")]
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The waiting in this push so far.
        waited: Duration,
        /// Which bound stopped it.
        why: String,
        /// The last failure.
        last: Box<CallError>,
    },
}

impl CallError {
    /// Okta's error body, if the (last) answer had one.
    pub fn okta(&self) -> Option<&OktaError> {
        match self {
            Self::Status { okta, .. } => okta.as_deref(),
            Self::GaveUp { last, .. } => last.okta(),
            _ => None,
        }
    }

    /// The HTTP status of the (last) answer, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            Self::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }
}

/// What "Test API Credentials" found wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// 401: the token is unknown, revoked, or its user is not active.
    #[error("the API token was refused by {url} ({})", okta.as_ref().map_or_else(|| "401".to_owned(), ToString::to_string))]
    TokenRefused {
        /// The URL called.
        url: String,
        /// Okta's error body.
        okta: Option<OktaError>,
    },
    /// Nothing answered at the base URL.
    #[error("could not reach {url}: {reason} (is the base URL right, and the server up?)")]
    Unreachable {
        /// The URL called.
        url: String,
        /// What failed.
        reason: String,
    },
    /// Something answered, but not the Okta Users API.
    #[error("{url} does not look like the Okta Users API: {reason} (is the base URL right?)")]
    NotUsersApi {
        /// The URL called.
        url: String,
        /// What came back.
        reason: String,
    },
    /// Any other failure.
    #[error(transparent)]
    Call(CallError),
}

/// A user as the target org returns it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct RemoteUser {
    /// The target's id.
    pub id: String,
    /// The status, e.g. `ACTIVE`.
    pub status: String,
    /// The profile.
    #[serde(default)]
    pub profile: Map<String, Value>,
}

impl RemoteUser {
    /// `profile.login`.
    pub fn login(&self) -> &str {
        self.profile
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// A group as the target org returns it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct RemoteGroup {
    /// The target's id.
    pub id: String,
    /// The type, e.g. `OKTA_GROUP`.
    #[serde(rename = "type", default)]
    pub group_type: String,
    /// The profile (`name`, `description`).
    #[serde(default)]
    pub profile: Map<String, Value>,
}

impl RemoteGroup {
    /// `profile.name`.
    pub fn name(&self) -> &str {
        self.profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The status an Org2Org app gives the users it creates (its "initial status" setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InitialStatus {
    /// `active_with_pass`: created active with a password (the user's, or a random one):
    /// ACTIVE.
    ActiveWithPass,
    /// `active_without_pass`: created active without a password: PROVISIONED (the user
    /// finishes activation).
    ActiveWithoutPass,
    /// `pending_with_pass`: created not activated, with a password: STAGED.
    PendingWithPass,
    /// `pending_without_pass`: created not activated: STAGED.
    PendingWithoutPass,
}

impl InitialStatus {
    /// Okta's name, e.g. `active_with_pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActiveWithPass => "active_with_pass",
            Self::ActiveWithoutPass => "active_without_pass",
            Self::PendingWithPass => "pending_with_pass",
            Self::PendingWithoutPass => "pending_without_pass",
        }
    }

    /// The status from Okta's name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::ActiveWithPass,
            Self::ActiveWithoutPass,
            Self::PendingWithPass,
            Self::PendingWithoutPass,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// `activate=` on create.
    pub fn activate(self) -> bool {
        matches!(self, Self::ActiveWithPass | Self::ActiveWithoutPass)
    }

    /// Whether the create carries a password.
    pub fn with_password(self) -> bool {
        matches!(self, Self::ActiveWithPass | Self::PendingWithPass)
    }
}

/// A user as Org1 pushes it: the login (the identity at the target) and the mapped profile
/// attributes (`email`, `firstName`, …; `None` clears one at the target).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushUser {
    /// `profile.login` at the target.
    pub login: String,
    /// The other profile attributes.
    pub profile: BTreeMap<String, Option<String>>,
    /// The password for an initial status "with pass"; a random one when `None`.
    pub password: Option<String>,
}

impl fmt::Debug for PushUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushUser")
            .field("login", &self.login)
            .field("profile", &self.profile)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl PushUser {
    /// A user with this login and no other attributes.
    pub fn new(login: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            profile: BTreeMap::new(),
            password: None,
        }
    }

    /// Sets an attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.profile.insert(name.into(), Some(value.into()));
        self
    }

    /// Clears an attribute at the target.
    pub fn clear(mut self, name: impl Into<String>) -> Self {
        self.profile.insert(name.into(), None);
        self
    }
}

/// An assignment change in Org1 to carry to the target org.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// The user was assigned the Org2Org app.
    Assigned {
        /// The user.
        user: PushUser,
        /// The app's initial status.
        initial_status: InitialStatus,
    },
    /// The assigned user's profile changed.
    ProfileChanged {
        /// The user, with the new attributes.
        user: PushUser,
    },
    /// The user was unassigned from the app.
    Unassigned {
        /// The login at the target.
        login: String,
    },
    /// The user was deactivated in Org1.
    Deactivated {
        /// The login at the target.
        login: String,
    },
    /// The user was assigned again (or reactivated in Org1).
    Reassigned {
        /// The user.
        user: PushUser,
        /// The app's initial status, if the user has to be created again.
        initial_status: InitialStatus,
    },
    /// The user's pushed group memberships changed (target group ids).
    GroupsChanged {
        /// The login at the target.
        login: String,
        /// Groups to add the user to.
        add: Vec<String>,
        /// Groups to remove the user from.
        remove: Vec<String>,
    },
}

impl Change {
    /// The change's name, e.g. `assigned`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Assigned { .. } => "assigned",
            Self::Deactivated { .. } => "deactivated",
            Self::GroupsChanged { .. } => "groups_changed",
            Self::ProfileChanged { .. } => "profile_changed",
            Self::Reassigned { .. } => "reassigned",
            Self::Unassigned { .. } => "unassigned",
        }
    }

    /// The login it is about.
    pub fn login(&self) -> &str {
        match self {
            Self::Assigned { user, .. }
            | Self::ProfileChanged { user }
            | Self::Reassigned { user, .. } => &user.login,
            Self::Deactivated { login }
            | Self::GroupsChanged { login, .. }
            | Self::Unassigned { login } => login,
        }
    }
}

/// One thing a push did or found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// `lifecycle/activate`.
    Activated,
    /// Added to a group.
    AddedToGroup(String),
    /// Created, with the status the target gave.
    Created {
        /// The status, e.g. `ACTIVE`.
        status: String,
    },
    /// `lifecycle/deactivate`.
    Deactivated,
    /// The user was found at the target, with this status.
    Found {
        /// The status.
        status: String,
    },
    /// Nothing needed doing, and why.
    NothingToDo(String),
    /// The profile already matched.
    ProfileUnchanged,
    /// These attributes were updated.
    ProfileUpdated(Vec<String>),
    /// `lifecycle/reactivate` (activation restarted).
    Reactivated,
    /// Removed from a group.
    RemovedFromGroup(String),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Activated => f.write_str("activated"),
            Self::AddedToGroup(g) => write!(f, "added to group {g}"),
            Self::Created { status } => write!(f, "created ({status})"),
            Self::Deactivated => f.write_str("deactivated"),
            Self::Found { status } => write!(f, "found ({status})"),
            Self::NothingToDo(why) => write!(f, "nothing to do: {why}"),
            Self::ProfileUnchanged => f.write_str("profile unchanged"),
            Self::ProfileUpdated(names) => write!(f, "updated {}", names.join(", ")),
            Self::Reactivated => f.write_str("activation restarted"),
            Self::RemovedFromGroup(g) => write!(f, "removed from group {g}"),
        }
    }
}

/// Why a push failed, for the admin: the message, and Okta's code and summary when the target
/// sent them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushFailure {
    /// The whole explanation.
    pub message: String,
    /// The HTTP status of the last answer, if any.
    pub http_status: Option<u16>,
    /// Okta's `errorCode`, e.g. `E0000001`.
    pub error_code: Option<String>,
    /// Okta's `errorSummary`.
    pub error_summary: Option<String>,
    /// Okta's `errorCauses`.
    pub causes: Vec<String>,
}

impl PushFailure {
    fn from_call(error: &CallError) -> Self {
        let okta = error.okta();
        Self {
            message: error.to_string(),
            http_status: error.status(),
            error_code: okta.map(|o| o.error_code.clone()),
            error_summary: okta.map(|o| o.error_summary.clone()),
            causes: okta
                .map(|o| {
                    o.error_causes
                        .iter()
                        .map(|c| c.error_summary.clone())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn message(message: String) -> Self {
        Self {
            message,
            http_status: None,
            error_code: None,
            error_summary: None,
            causes: Vec::new(),
        }
    }
}

/// What one push did: recorded in the [`OutcomeLog`] and returned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushOutcome {
    /// When the push ended.
    pub at: SystemTime,
    /// [`Change::kind`].
    pub change: &'static str,
    /// The login.
    pub login: String,
    /// The target's user id, once known.
    pub remote_id: Option<String>,
    /// What was done, in order (also before a failure).
    pub actions: Vec<Action>,
    /// `Ok`, or why it failed.
    pub result: Result<(), PushFailure>,
    /// HTTP requests sent, retries included.
    pub requests: u32,
    /// Time spent waiting to retry.
    pub waited: Duration,
}

impl PushOutcome {
    /// Whether it succeeded.
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }
}

impl fmt::Display for PushOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.change, self.login)?;
        if let Some(id) = &self.remote_id {
            write!(f, " ({id})")?;
        }
        let actions = self
            .actions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        match &self.result {
            Ok(()) => write!(f, ": {actions}")?,
            Err(failure) if actions.is_empty() => write!(f, ": FAILED: {}", failure.message)?,
            Err(failure) => write!(f, ": {actions}; FAILED: {}", failure.message)?,
        }
        write!(f, " [{} request(s)", self.requests)?;
        if !self.waited.is_zero() {
            write!(f, ", waited {:?}", self.waited)?;
        }
        f.write_str("]")
    }
}

/// Where push outcomes go. The demo persists them; [`MemoryOutcomeLog`] keeps them in memory.
pub trait OutcomeLog: Send + Sync {
    /// Records one outcome.
    fn record(&self, outcome: &PushOutcome);
}

/// The last outcomes, in memory.
#[derive(Debug)]
pub struct MemoryOutcomeLog {
    outcomes: Mutex<VecDeque<PushOutcome>>,
    capacity: usize,
}

impl Default for MemoryOutcomeLog {
    fn default() -> Self {
        Self::with_capacity(10_000)
    }
}

impl MemoryOutcomeLog {
    /// An empty log keeping the last 10 000 outcomes.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty log keeping the last `capacity` outcomes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            outcomes: Mutex::new(VecDeque::new()),
            capacity,
        }
    }

    /// The outcomes, oldest first.
    pub fn outcomes(&self) -> Vec<PushOutcome> {
        self.outcomes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// The failed outcomes, oldest first.
    pub fn failures(&self) -> Vec<PushOutcome> {
        self.outcomes()
            .into_iter()
            .filter(|o| o.result.is_err())
            .collect()
    }
}

impl OutcomeLog for MemoryOutcomeLog {
    fn record(&self, outcome: &PushOutcome) {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(PoisonError::into_inner);
        if outcomes.len() >= self.capacity {
            outcomes.pop_front();
        }
        if self.capacity > 0 {
            outcomes.push_back(outcome.clone());
        }
    }
}

/// Characters escaped in a path segment or query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn segment(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// A value inside a filter's double quotes.
fn filter_string(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A reqwest error's causes, without the URL (the caller names it).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

/// Waiting and requests of one push.
#[derive(Default)]
struct Budget {
    requests: u32,
    waited: Duration,
}

/// An answer that was not retried.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    method: Method,
    url: Url,
}

impl Reply {
    /// Any non-2xx status as [`CallError::Status`].
    fn success(self) -> Result<Self, CallError> {
        if self.status.is_success() {
            return Ok(self);
        }
        Err(self.into_error())
    }

    fn into_error(self) -> CallError {
        CallError::Status {
            method: self.method.to_string(),
            url: self.url.to_string(),
            status: self.status.as_u16(),
            okta: serde_json::from_slice::<OktaError>(&self.body)
                .ok()
                .map(Box::new),
            body: String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect(),
        }
    }

    fn json<T: DeserializeOwned>(&self) -> Result<T, CallError> {
        serde_json::from_slice(&self.body).map_err(|e| CallError::InvalidResponse {
            url: self.url.to_string(),
            reason: format!("the answer is not the expected JSON: {e}"),
        })
    }

    /// The `Link` rel="next" URL, if any.
    fn next_link(&self) -> Option<String> {
        self.headers.get_all(LINK).iter().find_map(|value| {
            let value = value.to_str().ok()?;
            value.split(',').find_map(|part| {
                let (url, params) = part.trim().split_once(';')?;
                let is_next = params
                    .split(';')
                    .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
                is_next.then(|| {
                    url.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_owned()
                })
            })
        })
    }
}

/// The provisioning client: see the [module documentation](self).
pub struct UsersApiClient {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    retry: RetryPolicy,
    max_response_bytes: usize,
    log: Arc<dyn OutcomeLog>,
}

impl fmt::Debug for UsersApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsersApiClient")
            .field("base", &self.base.as_str())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl UsersApiClient {
    /// A client for `config`, recording outcomes in `log`.
    pub fn new(config: ClientConfig, log: Arc<dyn OutcomeLog>) -> Result<Self, ClientError> {
        let bad = |reason: &str| ClientError::BaseUrl {
            url: config.base_url.clone(),
            reason: reason.to_owned(),
        };
        let base = Url::parse(config.base_url.trim_end_matches('/'))
            .map_err(|e| bad(&format!("not a URL ({e})")))?;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(bad(
                    "plain http would send the API token in clear; use https (http is allowed \
                     only to a loopback address)",
                ));
            }
            other => return Err(bad(&format!("the scheme is `{other}`; use https"))),
        }
        if base.host_str().is_none()
            || !matches!(base.path(), "" | "/")
            || base.query().is_some()
            || base.fragment().is_some()
            || !base.username().is_empty()
            || base.password().is_some()
        {
            return Err(bad(
                "must be scheme, host and port only, e.g. `https://org2.okta.com`",
            ));
        }
        let mut authorization = HeaderValue::try_from(format!("SSWS {}", config.token))
            .map_err(|_| ClientError::Token)?;
        if config.token.is_empty() || !config.token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ClientError::Token);
        }
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("saml-provision/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Http)?;
        Ok(Self {
            http,
            base,
            authorization,
            retry: config.retry,
            max_response_bytes: config.max_response_bytes,
            log,
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url
    }

    fn wait_after(&self, status: StatusCode, headers: &HeaderMap, attempt: u32) -> Duration {
        let backoff = self
            .retry
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let wait = if status == StatusCode::TOO_MANY_REQUESTS {
            if let Some(seconds) = header("retry-after") {
                Duration::from_secs(seconds)
            } else if let Some(reset) = header("x-rate-limit-reset") {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                // The reset is in whole seconds: wait until it has certainly passed.
                Duration::from_secs(reset)
                    .saturating_sub(now)
                    .max(self.retry.base_delay.min(Duration::from_secs(1)))
            } else {
                backoff
            }
        } else {
            backoff
        };
        wait.min(self.retry.max_delay)
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len().saturating_add(chunk.len()) > self.max_response_bytes {
                return Err(format!(
                    "the answer is larger than {} bytes",
                    self.max_response_bytes
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Sends a request, retrying 429s, 5xx and connection failures within the budget (when
    /// `retry`); any other answer is returned as it is.
    async fn send(
        &self,
        budget: &mut Budget,
        method: Method,
        url: Url,
        body: Option<&Value>,
        retry: bool,
    ) -> Result<Reply, CallError> {
        let mut attempt: u32 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            budget.requests = budget.requests.saturating_add(1);
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, self.authorization.clone())
                .header(ACCEPT, "application/json");
            if let Some(body) = body {
                request = request.json(body);
            }
            let (error, wait) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = self.read_body(response).await.map_err(|reason| {
                        CallError::InvalidResponse {
                            url: url.to_string(),
                            reason,
                        }
                    })?;
                    let reply = Reply {
                        status,
                        headers,
                        body,
                        method: method.clone(),
                        url: url.clone(),
                    };
                    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                        return Ok(reply);
                    }
                    let wait = self.wait_after(status, &reply.headers, attempt);
                    (reply.into_error(), wait)
                }
                Err(e) => {
                    let transient = e.is_connect() || e.is_timeout();
                    let error = CallError::Unreachable {
                        url: url.to_string(),
                        reason: describe(e),
                    };
                    if !transient {
                        return Err(error);
                    }
                    (
                        error,
                        self.wait_after(StatusCode::OK, &HeaderMap::new(), attempt),
                    )
                }
            };
            if !retry {
                return Err(error);
            }
            let why = if attempt >= self.retry.max_attempts {
                Some(format!("{} attempts allowed", self.retry.max_attempts))
            } else if budget.waited.saturating_add(wait) > self.retry.max_total_wait {
                Some(format!(
                    "waiting {wait:?} more would pass the total wait allowed, {:?}",
                    self.retry.max_total_wait
                ))
            } else {
                None
            };
            if let Some(why) = why {
                return Err(CallError::GaveUp {
                    attempts: attempt,
                    waited: budget.waited,
                    why,
                    last: Box::new(error),
                });
            }
            tokio::time::sleep(wait).await;
            budget.waited = budget.waited.saturating_add(wait);
        }
    }

    /// "Test API Credentials": `GET /api/v1/users/me`, once, no retries. Returns the token's
    /// user.
    pub async fn test_credentials(&self) -> Result<RemoteUser, CredentialsError> {
        let url = self.url("/api/v1/users/me");
        let reply = match self
            .send(
                &mut Budget::default(),
                Method::GET,
                url.clone(),
                None,
                false,
            )
            .await
        {
            Ok(reply) => reply,
            Err(CallError::Unreachable { url, reason }) => {
                return Err(CredentialsError::Unreachable { url, reason });
            }
            Err(CallError::Status {
                status: 401, okta, ..
            }) => {
                return Err(CredentialsError::TokenRefused {
                    url: url.to_string(),
                    okta: okta.map(|o| *o),
                });
            }
            Err(CallError::Status {
                status, okta: None, ..
            }) => {
                return Err(CredentialsError::NotUsersApi {
                    url: url.to_string(),
                    reason: format!("it answered {status} without an Okta error body"),
                });
            }
            Err(other) => return Err(CredentialsError::Call(other)),
        };
        match reply.status.as_u16() {
            200 => {}
            401 => {
                return Err(CredentialsError::TokenRefused {
                    url: url.to_string(),
                    okta: serde_json::from_slice(&reply.body).ok(),
                });
            }
            status => {
                let okta: Option<OktaError> = serde_json::from_slice(&reply.body).ok();
                return Err(match okta {
                    None => CredentialsError::NotUsersApi {
                        url: url.to_string(),
                        reason: format!("it answered {status} without an Okta error body"),
                    },
                    Some(_) => CredentialsError::Call(reply.into_error()),
                });
            }
        }
        reply.json().map_err(|_| CredentialsError::NotUsersApi {
            url: url.to_string(),
            reason: "it answered 200 with something other than a user".to_owned(),
        })
    }

    /// The target user whose login is `login` (ignoring case), if any.
    pub async fn find_user(&self, login: &str) -> Result<Option<RemoteUser>, CallError> {
        self.find(&mut Budget::default(), login).await
    }

    async fn find(
        &self,
        budget: &mut Budget,
        login: &str,
    ) -> Result<Option<RemoteUser>, CallError> {
        let mut url = self.url("/api/v1/users");
        url.query_pairs_mut()
            .append_pair(
                "filter",
                &format!("profile.login eq \"{}\"", filter_string(login)),
            )
            .append_pair("limit", "2");
        let reply = self
            .send(budget, Method::GET, url, None, true)
            .await?
            .success()?;
        let users: Vec<RemoteUser> = reply.json()?;
        // A server that ignored the filter must not make us act on someone else.
        let mut matching = users
            .into_iter()
            .filter(|u| u.login().to_lowercase() == login.to_lowercase());
        match (matching.next(), matching.next()) {
            (None, _) => Ok(None),
            (Some(user), None) => Ok(Some(user)),
            (Some(_), Some(_)) => Err(CallError::InvalidResponse {
                url: reply.url.to_string(),
                reason: format!("two users have the login `{login}`"),
            }),
        }
    }

    /// The target user with this id (or login).
    pub async fn user(&self, id: &str) -> Result<RemoteUser, CallError> {
        let url = self.url(&format!("/api/v1/users/{}", segment(id)));
        self.send(&mut Budget::default(), Method::GET, url, None, true)
            .await?
            .success()?
            .json()
    }

    /// Every page of a list, following `Link` rel="next" on the base URL's origin only.
    async fn pages<T: DeserializeOwned>(&self, mut url: Url) -> Result<Vec<T>, CallError> {
        let mut budget = Budget::default();
        let mut items = Vec::new();
        loop {
            let reply = self
                .send(&mut budget, Method::GET, url, None, true)
                .await?
                .success()?;
            items.extend(reply.json::<Vec<T>>()?);
            let Some(next) = reply.next_link() else {
                return Ok(items);
            };
            let next_url = Url::parse(&next).map_err(|e| CallError::InvalidResponse {
                url: reply.url.to_string(),
                reason: format!("the next link `{next}` is not a URL ({e})"),
            })?;
            if next_url.origin() != self.base.origin() {
                return Err(CallError::InvalidResponse {
                    url: reply.url.to_string(),
                    reason: format!(
                        "the next link `{next}` leaves {}: not followed (the token would go there)",
                        self.base
                    ),
                });
            }
            url = next_url;
        }
    }

    /// Every group of the target org.
    pub async fn groups(&self) -> Result<Vec<RemoteGroup>, CallError> {
        self.pages(self.url("/api/v1/groups")).await
    }

    /// Every member of a target group.
    pub async fn group_members(&self, group_id: &str) -> Result<Vec<RemoteUser>, CallError> {
        self.pages(self.url(&format!("/api/v1/groups/{}/users", segment(group_id))))
            .await
    }

    /// The groups of a target user (by id or login).
    pub async fn groups_of(&self, user_id: &str) -> Result<Vec<RemoteGroup>, CallError> {
        let url = self.url(&format!("/api/v1/users/{}/groups", segment(user_id)));
        self.send(&mut Budget::default(), Method::GET, url, None, true)
            .await?
            .success()?
            .json()
    }

    /// Carries `change` to the target org; the outcome is recorded in the log and returned.
    pub async fn push(&self, change: &Change) -> PushOutcome {
        let mut push = Push {
            client: self,
            budget: Budget::default(),
            actions: Vec::new(),
            remote_id: None,
        };
        let result = push.run(change).await;
        let outcome = PushOutcome {
            at: SystemTime::now(),
            change: change.kind(),
            login: change.login().to_owned(),
            remote_id: push.remote_id,
            actions: push.actions,
            result,
            requests: push.budget.requests,
            waited: push.budget.waited,
        };
        self.log.record(&outcome);
        outcome
    }
}

/// One push in progress.
struct Push<'c> {
    client: &'c UsersApiClient,
    budget: Budget,
    actions: Vec<Action>,
    remote_id: Option<String>,
}

impl Push<'_> {
    async fn run(&mut self, change: &Change) -> Result<(), PushFailure> {
        let result = match change {
            Change::Assigned {
                user,
                initial_status,
            } => self.assign(user, *initial_status, false).await,
            Change::Reassigned {
                user,
                initial_status,
            } => self.assign(user, *initial_status, true).await,
            Change::ProfileChanged { user } => self.profile_changed(user).await,
            Change::Unassigned { login } | Change::Deactivated { login } => {
                self.deactivate(login).await
            }
            Change::GroupsChanged { login, add, remove } => {
                self.groups_changed(login, add, remove).await
            }
        };
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(PushFailure::message(message)),
            Err(e) => Err(PushFailure::from_call(&e)),
        }
    }

    async fn find(&mut self, login: &str) -> Result<Option<RemoteUser>, CallError> {
        let found = self.client.find(&mut self.budget, login).await?;
        if let Some(user) = &found {
            self.remote_id = Some(user.id.clone());
            self.actions.push(Action::Found {
                status: user.status.clone(),
            });
        }
        Ok(found)
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Reply, CallError> {
        let mut url = self.client.url(path);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        self.client
            .send(&mut self.budget, method, url, body, true)
            .await
    }

    /// Assigned (`reassign`: false) or Reassigned (true). The inner `Err` is a failure with no
    /// HTTP error behind it.
    async fn assign(
        &mut self,
        user: &PushUser,
        initial: InitialStatus,
        reassign: bool,
    ) -> Result<Result<(), String>, CallError> {
        let remote = match self.find(&user.login).await? {
            Some(remote) => remote,
            None => match self.create(user, initial).await {
                Ok(created) => {
                    self.remote_id = Some(created.id.clone());
                    self.actions.push(Action::Created {
                        status: created.status,
                    });
                    return Ok(Ok(()));
                }
                Err(e) if e.okta().is_some_and(OktaError::is_login_taken) => {
                    // Another push (or this one, retried) created it: update it instead.
                    match self.find(&user.login).await? {
                        Some(remote) => remote,
                        None => {
                            return Ok(Err(format!(
                                "the target says login `{}` exists, but no user with it is found",
                                user.login
                            )));
                        }
                    }
                }
                Err(e) => return Err(e),
            },
        };
        let activate = reassign || initial.activate();
        match remote.status.as_str() {
            "STAGED" | "DEPROVISIONED" if activate => {
                self.lifecycle(&remote.id, "activate", "ACTIVE").await?;
                self.actions.push(Action::Activated);
            }
            "DEPROVISIONED" => {
                self.actions.push(Action::NothingToDo(format!(
                    "left DEPROVISIONED: the initial status {} does not activate",
                    initial.as_str()
                )));
                return Ok(Ok(()));
            }
            "PROVISIONED" if reassign => {
                self.lifecycle(&remote.id, "reactivate", "PROVISIONED")
                    .await?;
                self.actions.push(Action::Reactivated);
            }
            "SUSPENDED" if reassign => {
                self.actions.push(Action::NothingToDo(
                    "SUSPENDED at the target, by its admin: left suspended".to_owned(),
                ));
            }
            _ => {}
        }
        self.update_profile(&remote, user).await?;
        Ok(Ok(()))
    }

    async fn create(
        &mut self,
        user: &PushUser,
        initial: InitialStatus,
    ) -> Result<RemoteUser, CallError> {
        let mut profile = Map::new();
        profile.insert("login".into(), Value::String(user.login.clone()));
        for (name, value) in &user.profile {
            if let (false, Some(value)) = (name == "login", value) {
                profile.insert(name.clone(), Value::String(value.clone()));
            }
        }
        let mut body = json!({ "profile": profile });
        if initial.with_password() {
            let password = match &user.password {
                Some(password) => password.clone(),
                // Org2Org's `seed: RANDOM`: a random password the user never learns.
                None => crate::random::base62("", 24)
                    .map(|random| format!("{random}-Aa1"))
                    .map_err(|_| CallError::InvalidResponse {
                        url: self.client.base.to_string(),
                        reason: "no random password could be generated".to_owned(),
                    })?,
            };
            body["credentials"] = json!({ "password": { "value": password } });
        }
        let activate = if initial.activate() { "true" } else { "false" };
        self.send(
            Method::POST,
            "/api/v1/users",
            &[("activate", activate)],
            Some(&body),
        )
        .await?
        .success()?
        .json()
    }

    async fn update_profile(
        &mut self,
        remote: &RemoteUser,
        user: &PushUser,
    ) -> Result<(), CallError> {
        let mut changes = Map::new();
        for (name, wanted) in &user.profile {
            if name == "login" {
                continue;
            }
            let same = match (wanted, remote.profile.get(name)) {
                (Some(wanted), Some(Value::String(have))) => wanted == have,
                (None, None | Some(Value::Null)) => true,
                _ => false,
            };
            if !same {
                changes.insert(
                    name.clone(),
                    wanted.clone().map_or(Value::Null, Value::String),
                );
            }
        }
        if changes.is_empty() {
            self.actions.push(Action::ProfileUnchanged);
            return Ok(());
        }
        let names = changes.keys().cloned().collect();
        self.send(
            Method::POST,
            &format!("/api/v1/users/{}", segment(&remote.id)),
            &[],
            Some(&json!({ "profile": changes })),
        )
        .await?
        .success()?;
        self.actions.push(Action::ProfileUpdated(names));
        Ok(())
    }

    /// A lifecycle operation; refused because the user is already `target` (a retry of a call
    /// that did arrive, or another push) counts as done.
    async fn lifecycle(
        &mut self,
        id: &str,
        operation: &str,
        target: &str,
    ) -> Result<(), CallError> {
        let path = format!("/api/v1/users/{}/lifecycle/{operation}", segment(id));
        let reply = self
            .send(Method::POST, &path, &[("sendEmail", "false")], None)
            .await?;
        if reply.status.is_success() {
            return Ok(());
        }
        let error = reply.into_error();
        if error.status() == Some(403) {
            let url = self.client.url(&format!("/api/v1/users/{}", segment(id)));
            let now: RemoteUser = self
                .client
                .send(&mut self.budget, Method::GET, url, None, true)
                .await?
                .success()?
                .json()?;
            if now.status == target {
                return Ok(());
            }
        }
        Err(error)
    }

    async fn profile_changed(&mut self, user: &PushUser) -> Result<Result<(), String>, CallError> {
        let Some(remote) = self.find(&user.login).await? else {
            return Ok(Err(format!(
                "no user with login `{}` at {}: assign the user first",
                user.login, self.client.base
            )));
        };
        if remote.status == "DEPROVISIONED" {
            self.actions.push(Action::NothingToDo(
                "DEPROVISIONED at the target: the profile is pushed when reassigned".to_owned(),
            ));
            return Ok(Ok(()));
        }
        self.update_profile(&remote, user).await?;
        Ok(Ok(()))
    }

    async fn deactivate(&mut self, login: &str) -> Result<Result<(), String>, CallError> {
        let Some(remote) = self.find(login).await? else {
            self.actions.push(Action::NothingToDo(format!(
                "no user with login `{login}` at the target"
            )));
            return Ok(Ok(()));
        };
        if remote.status == "DEPROVISIONED" {
            self.actions
                .push(Action::NothingToDo("already DEPROVISIONED".to_owned()));
            return Ok(Ok(()));
        }
        self.lifecycle(&remote.id, "deactivate", "DEPROVISIONED")
            .await?;
        self.actions.push(Action::Deactivated);
        Ok(Ok(()))
    }

    async fn groups_changed(
        &mut self,
        login: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<Result<(), String>, CallError> {
        let Some(remote) = self.find(login).await? else {
            return Ok(Err(format!(
                "no user with login `{login}` at {}: assign the user first",
                self.client.base
            )));
        };
        for (groups, method) in [(add, Method::PUT), (remove, Method::DELETE)] {
            for group in groups {
                let path = format!(
                    "/api/v1/groups/{}/users/{}",
                    segment(group),
                    segment(&remote.id)
                );
                self.send(method.clone(), &path, &[], None)
                    .await?
                    .success()?;
                self.actions.push(if method == Method::PUT {
                    Action::AddedToGroup(group.clone())
                } else {
                    Action::RemovedFromGroup(group.clone())
                });
            }
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Result<UsersApiClient, ClientError> {
        UsersApiClient::new(
            ClientConfig::new(base, "00token"),
            Arc::new(MemoryOutcomeLog::new()),
        )
    }

    #[test]
    fn the_token_only_goes_over_https_or_to_loopback() {
        assert!(client("https://org2.example.com").is_ok());
        assert!(client("http://127.0.0.1:8080").is_ok());
        assert!(client("http://[::1]:8080/").is_ok());
        assert!(client("http://localhost:8080").is_ok());
        for (bad, reason) in [
            ("http://org2.example.com", "plain http"),
            ("ftp://org2.example.com", "scheme is `ftp`"),
            ("https://org2.example.com/api", "scheme, host and port only"),
            (
                "https://user:pw@org2.example.com",
                "scheme, host and port only",
            ),
            ("org2.example.com", "not a URL"),
        ] {
            let err = client(bad).unwrap_err().to_string();
            assert!(err.contains(reason), "{bad}: {err}");
        }
        let err = UsersApiClient::new(
            ClientConfig::new("https://org2.example.com", "a b"),
            Arc::new(MemoryOutcomeLog::new()),
        )
        .unwrap_err();
        assert!(matches!(err, ClientError::Token));
        let config = ClientConfig::new("https://org2.example.com", "00secret");
        assert!(!format!("{config:?}").contains("00secret"));
        assert!(
            !format!(
                "{:?}",
                PushUser {
                    password: Some("pw-secret".into()),
                    ..PushUser::new("a")
                }
            )
            .contains("pw-secret")
        );
    }

    #[test]
    fn filter_values_are_escaped() {
        assert_eq!(filter_string(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(segment("a b/c@d"), "a%20b%2Fc%40d");
    }

    #[test]
    fn initial_statuses_by_name() {
        for name in [
            "active_with_pass",
            "active_without_pass",
            "pending_with_pass",
            "pending_without_pass",
        ] {
            assert_eq!(InitialStatus::from_name(name).unwrap().as_str(), name);
        }
        assert!(InitialStatus::from_name("ACTIVE").is_none());
    }
}
