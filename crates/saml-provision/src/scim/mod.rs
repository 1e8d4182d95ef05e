//! A SCIM 2.0 service provider (RFC 7643, RFC 7644) for Users and Groups over a
//! [`ScimDirectory`], meeting what Okta's SCIM client expects (Okta's SCIM 2.0 spec test and
//! CRUD test are the acceptance list; see `tests/scim_okta_spec.rs`).
//!
//! [`router`] returns the routes relative to the SCIM base URL; mount it with
//! `Router::nest("/scim/v2", …)`:
//!
//! | endpoint | methods |
//! |---|---|
//! | `/Users` | `GET` (filter, `startIndex`/`count`), `POST` |
//! | `/Users/{id}` | `GET`, `PUT`, `PATCH`, `DELETE` |
//! | `/Groups` | `GET` (filter, `startIndex`/`count`, `excludedAttributes=members`), `POST` |
//! | `/Groups/{id}` | `GET`, `PUT`, `PATCH`, `DELETE` |
//! | `/ServiceProviderConfig` | `GET` |
//!
//! Rules the service keeps:
//!
//! - **Authentication**: every request, unknown paths included, needs
//!   `Authorization: Bearer <token>`; only the token's SHA-256 is stored ([`BearerToken`]) and
//!   the comparison is constant-time. Anything else is 401 with the SCIM error shape.
//! - **Errors** are always `urn:ietf:params:scim:api:messages:2.0:Error` with `status` as a
//!   string, a `scimType` where RFC 7644 §3.12 has one and a `detail` naming the attribute
//!   and value ([`ScimError`]); responses are `application/scim+json`.
//! - **Uniqueness**: `userName` ignoring case (409 `uniqueness`), checked by the directory
//!   under the same lock as the write; likewise a group's `displayName`.
//! - **`active`**: `false` ⇔ the directory's DEPROVISIONED. Setting `active: false`
//!   deactivates (any status → DEPROVISIONED); `active: true` on a deactivated user activates
//!   it to ACTIVE; `active: true` on a STAGED, PROVISIONED or SUSPENDED user changes nothing
//!   (so a profile PUT never undoes a local suspension). A POST with `active: false` creates a
//!   DEPROVISIONED user.
//! - **Versions**: each resource has `meta.version` = `ETag` = `W/"n"`, bumped by every write.
//!   `If-Match` on PUT, PATCH, DELETE is checked (412 when it differs), `If-None-Match` on
//!   GET answers 304.
//! - **Directories**: [`InMemoryScimDirectory`], or the SQLite file the Users API and SAML
//!   logins use ([`crate::sqlite::SqliteDirectory`]: `ScimState::new(SqliteDirectory::open(path)?,
//!   config)`). Over SQLite, versions and group-name keys persist in side tables created on the
//!   first SCIM call (older files upgrade in place), triggers move a version on every write from
//!   any connection, and group names are unique ignoring case under a UNIQUE constraint. Its
//!   calls block on the file while the handler holds the directory lock (never across an
//!   `.await`): a few indexed statements and at most a few commits per request.
//! - **All or nothing**: a PATCH is applied to a copy, checked, and only then written; a
//!   failed write undoes the writes before it. A body is at most
//!   [`ScimConfig::max_body_bytes`]; malformed JSON is 400 `invalidSyntax`.
//! - **Groups Okta owns** (`APP_GROUP`, `BUILT_IN`) are listed and read, never changed or
//!   deleted (400 `mutability`); groups created through SCIM are `OKTA_GROUP`. A member that
//!   is not a user is 404. A user's `groups` attribute is read-only.
//! - **Bodies** may omit `schemas` (Oxide's tester does); when present it must name the
//!   endpoint's schema. Attributes this service does not keep are ignored in POST and PUT
//!   bodies (Okta sends `locale`, `title`, extensions), refused in PATCH paths.
//!
//! Limits (not implemented): filters other than `eq` joined by `and` (400 `invalidFilter`),
//! sorting, `attributes=` projection, `/Bulk`, `/.search`, `/Me`, `/Schemas`,
//! `/ResourceTypes`, `meta.created`/`meta.lastModified`, passwords, the enterprise extension,
//! value-filtered PATCH paths other than `members[value eq "…"]`, more than two emails, and
//! changing a `userName`.
//!
//! ```
//! use axum::Router;
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode, header};
//! use saml_provision::scim::{self, BearerToken, InMemoryScimDirectory, ScimConfig, ScimState};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = "a-secret-of-at-least-32-bytes-for-okta";
//! let config = ScimConfig::new("https://app.example.com/scim/v2", BearerToken::new(token)?);
//! let state = ScimState::new(InMemoryScimDirectory::new(), config);
//! let app = Router::new().nest("/scim/v2", scim::router(state.clone()));
//!
//! let create = Request::post("/scim/v2/Users")
//!     .header(header::AUTHORIZATION, format!("Bearer {token}"))
//!     .header(header::CONTENT_TYPE, "application/scim+json")
//!     .body(Body::from(
//!         r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!             "userName": "alice@example.com", "active": true,
//!             "name": {"givenName": "Alice", "familyName": "Liddell"}}"#,
//!     ))?;
//! let response = app.clone().oneshot(create).await?;
//! assert_eq!(response.status(), StatusCode::CREATED);
//! assert_eq!(response.headers()[header::ETAG], "W/\"1\"");
//!
//! let anonymous = Request::get("/scim/v2/Users").body(Body::empty())?;
//! assert_eq!(app.oneshot(anonymous).await?.status(), StatusCode::UNAUTHORIZED);
//!
//! use saml_policy::Directory;
//! let directory = state.directory().lock().map_err(|_| "poisoned")?;
//! assert_eq!(directory.find_by_login("ALICE@example.com")?.len(), 1);
//! # Ok(())
//! # }
//! ```

mod auth;
mod error;
mod filter;
mod patch;
mod routes;
mod sqlite;
mod store;
mod types;

use std::sync::{Arc, Mutex};

use axum::Router;

pub use auth::{BearerToken, TokenError};
pub use error::{ScimError, ScimType};
pub use filter::{MAX_FILTER_LENGTH, MAX_FILTER_TERMS};
pub use patch::MAX_OPERATIONS;
pub use store::{InMemoryScimDirectory, ScimDirectory};
pub use types::{ERROR_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, PATCH_SCHEMA, SCIM_JSON, USER_SCHEMA};

/// The service's settings.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ScimConfig {
    /// The absolute SCIM base URL, without a trailing `/` (e.g.
    /// `https://app.example.com/scim/v2`), for `Location` and `meta.location`.
    pub base_url: String,
    /// The bearer token the client must present.
    pub token: BearerToken,
    /// Largest request body, in bytes (413 beyond it). Default: 64 KiB, room for a group
    /// PATCH of several hundred members.
    pub max_body_bytes: usize,
    /// Largest page of a list, whatever `count` asks for (and the page size when `count` is
    /// absent). Default: 200 (Okta asks for 100).
    pub max_results: usize,
}

impl ScimConfig {
    /// Settings with the defaults; a trailing `/` of `base_url` is dropped.
    pub fn new(base_url: impl Into<String>, token: BearerToken) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        Self {
            base_url,
            token,
            max_body_bytes: 64 * 1024,
            max_results: 200,
        }
    }
}

/// The directory (behind one lock: its writes take `&mut self`, and a check and the write
/// it guards must not interleave with another request's) and the settings. Cheap to clone.
#[derive(Debug)]
pub struct ScimState<D> {
    directory: Arc<Mutex<D>>,
    config: Arc<ScimConfig>,
}

impl<D> Clone for ScimState<D> {
    fn clone(&self) -> Self {
        Self {
            directory: Arc::clone(&self.directory),
            config: Arc::clone(&self.config),
        }
    }
}

impl<D> ScimState<D> {
    /// The state of a service over `directory`.
    pub fn new(directory: D, config: ScimConfig) -> Self {
        Self::shared(Arc::new(Mutex::new(directory)), config)
    }

    /// The state of a service over a directory the application also uses (e.g. for SAML
    /// logins); whoever writes to it must hold the same lock.
    pub fn shared(directory: Arc<Mutex<D>>, config: ScimConfig) -> Self {
        Self {
            directory,
            config: Arc::new(config),
        }
    }

    /// The directory.
    pub fn directory(&self) -> &Arc<Mutex<D>> {
        &self.directory
    }

    /// The settings.
    pub fn config(&self) -> &ScimConfig {
        &self.config
    }
}

/// The SCIM routes, relative to the base URL (mount with `Router::nest("/scim/v2", …)`).
pub fn router<D: ScimDirectory + Send + 'static>(state: ScimState<D>) -> Router {
    routes::router(state)
}
