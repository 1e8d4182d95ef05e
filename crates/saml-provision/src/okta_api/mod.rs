//! The Okta Users API subset that Org2Org provisioning calls, served by axum over a
//! [`SharedDirectory`]: Org2's side of Org2Org.
//!
//! | call | answer |
//! |---|---|
//! | `POST /api/v1/users?activate=&provider=&nextLogin=` | 200, the user |
//! | `GET /api/v1/users?filter=&limit=&after=` | 200, a page of users, `Link` rel="self" and rel="next" |
//! | `GET /api/v1/users/{id or login}`, `GET /api/v1/users/me` | 200, the user |
//! | `POST /api/v1/users/{id}` (partial), `PUT /api/v1/users/{id}` (replace) | 200, the user |
//! | `POST /api/v1/users/{id}/lifecycle/{activate,deactivate,reactivate,suspend,unsuspend}` | 200, `{}` |
//! | `DELETE /api/v1/users/{id}` | 204 |
//! | `GET /api/v1/users/{id}/groups` | 200, the user's groups |
//! | `GET /api/v1/groups?q=&filter=&limit=&after=`, `GET /api/v1/groups/{id}` | 200 |
//! | `GET /api/v1/groups/{id}/users?limit=&after=` | 200, a page of members |
//! | `PUT` / `DELETE /api/v1/groups/{groupId}/users/{userId}` | 204 |
//!
//! **Initial status of a created user** (Okta's user creation scenarios, and the initial
//! statuses an Org2Org app is configured with):
//!
//! | `activate` | password (`credentials.password`) or `provider=true` | status | Org2Org initial status |
//! |---|---|---|---|
//! | `true` (default) | yes | ACTIVE | `active_with_pass` |
//! | `true` | no | PROVISIONED (activation pending) | `active_without_pass` |
//! | `false` | either | STAGED | `pending_with_pass`, `pending_without_pass` |
//!
//! **Lifecycle**: `activate` takes STAGED or DEPROVISIONED to ACTIVE (an ACTIVE user is
//! E0000016); `deactivate` takes any other status to DEPROVISIONED; `reactivate` restarts a
//! PROVISIONED user's activation (the status stays PROVISIONED); `suspend` takes ACTIVE to
//! SUSPENDED and `unsuspend` back (otherwise E0000001, as Okta); `DELETE` removes a
//! DEPROVISIONED user. Any other status is E0000038 (403).
//!
//! **Errors** are Okta's body (`errorCode`, `errorSummary`, `errorLink`, `errorId`,
//! `errorCauses`): E0000001 validation (400; a login taken is `login: An object with this field
//! already exists in the current organization`), E0000003 malformed body (400; 413 past the
//! size limit, 415 when not `application/json`), E0000006 a token whose user is not an
//! administrator writing (403), E0000007 not found (404), E0000009 internal (500),
//! E0000011 missing or unknown token (401), E0000016 already active (403), E0000022 method
//! (405), E0000031 a filter this server does not take (400), E0000038 not allowed in the
//! user's status (403), E0000047 rate limit (429).
//!
//! **All or nothing**: every call runs in one [`SharedDirectory::write`] (or `read`): a create
//! whose `groupIds` names an unknown group leaves no user, and logins stay unique ignoring
//! case however many creates race.

mod api_error;
mod auth;
mod filter;
mod groups;
mod users;

use std::fmt;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use saml_policy::{Group, User, UserStatus};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use self::api_error::InternalErrorHook;
use self::api_error::{ApiError, InternalCause};
use self::auth::Limiter;
pub use self::auth::{ApiTokens, RateLimit};
use crate::store::{ListDirectory, SharedDirectory};

/// The server's settings.
#[derive(Clone)]
#[non_exhaustive]
pub struct OktaApiConfig {
    /// The server's public base URL (scheme, host and port, no path), e.g.
    /// `https://org2.example.com`: the prefix of `_links` and `Link` headers. The `Host` header
    /// is never used for this.
    pub base_url: String,
    /// The accepted API tokens.
    pub tokens: ApiTokens,
    /// The per-token rate limit; `None` for none (and no `X-Rate-Limit-*` headers).
    /// Default: [`RateLimit::default`], 600 requests per minute.
    pub rate_limit: Option<RateLimit>,
    /// The largest request body accepted; larger is 413. Default: 64 KiB (an Okta user is a
    /// few hundred bytes).
    pub max_body_bytes: usize,
    /// Profile attributes a user must have, non-empty, on create and replace, and that a
    /// partial update may not clear. Default: Okta's base schema, `login`, `email`,
    /// `firstName`, `lastName`.
    pub required_attributes: Vec<String>,
    /// Called with the `errorId` and the cause of each internal error (500).
    pub on_internal_error: Option<InternalErrorHook>,
}

impl fmt::Debug for OktaApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaApiConfig")
            .field("base_url", &self.base_url)
            .field("tokens", &self.tokens)
            .field("rate_limit", &self.rate_limit)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("required_attributes", &self.required_attributes)
            .field("on_internal_error", &self.on_internal_error.is_some())
            .finish()
    }
}

impl OktaApiConfig {
    /// The defaults, with this base URL and these tokens.
    pub fn new(base_url: impl Into<String>, tokens: ApiTokens) -> Self {
        Self {
            base_url: base_url.into(),
            tokens,
            rate_limit: Some(RateLimit::default()),
            max_body_bytes: 64 * 1024,
            required_attributes: ["login", "email", "firstName", "lastName"]
                .map(String::from)
                .to_vec(),
            on_internal_error: None,
        }
    }
}

/// What every handler shares.
struct App<S> {
    store: Arc<S>,
    base_url: String,
    tokens: ApiTokens,
    limiter: Option<Limiter>,
    max_body_bytes: usize,
    required: Vec<String>,
    on_internal_error: Option<InternalErrorHook>,
}

type AppState<S> = State<Arc<App<S>>>;

/// The Users API routes over `store`, with `config`. Serve it with `axum::serve`.
pub fn router<S: SharedDirectory>(store: Arc<S>, config: OktaApiConfig) -> Router {
    let app = Arc::new(App {
        store,
        base_url: config.base_url.trim_end_matches('/').to_owned(),
        tokens: config.tokens,
        limiter: config.rate_limit.map(Limiter::new),
        max_body_bytes: config.max_body_bytes,
        required: config.required_attributes,
        on_internal_error: config.on_internal_error,
    });
    Router::new()
        .route(
            "/api/v1/users",
            get(users::list::<S>).post(users::create::<S>),
        )
        .route(
            "/api/v1/users/{id}",
            get(users::get_one::<S>)
                .post(users::update::<S>)
                .put(users::replace::<S>)
                .delete(users::delete::<S>),
        )
        .route(
            "/api/v1/users/{id}/lifecycle/{operation}",
            post(users::lifecycle::<S>),
        )
        .route("/api/v1/users/{id}/groups", get(groups::of_user::<S>))
        .route("/api/v1/groups", get(groups::list::<S>))
        .route("/api/v1/groups/{id}", get(groups::get_one::<S>))
        .route("/api/v1/groups/{id}/users", get(groups::members::<S>))
        .route(
            "/api/v1/groups/{id}/users/{user}",
            put(groups::add_member::<S>).delete(groups::remove_member::<S>),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), guard::<S>))
        .layer(DefaultBodyLimit::max(app.max_body_bytes))
        .with_state(app)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found("resource", uri.path())
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// The authenticated caller: the token's user.
#[derive(Clone, Debug)]
struct Caller {
    user_id: String,
    admin: bool,
}

impl Caller {
    /// Writes need a token of an administrator.
    fn require_admin(&self) -> Result<(), ApiError> {
        if self.admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the API token belongs to `{}`, who is not an administrator: it may read, not write",
                self.user_id
            )))
        }
    }
}

/// The body limit, for the message of a 413.
#[derive(Clone, Copy)]
struct BodyLimit(usize);

/// Authentication, the rate limit and its headers, and the internal-error hook, around every
/// route.
async fn guard<S: SharedDirectory>(
    State(app): AppState<S>,
    mut request: Request,
    next: Next,
) -> Response {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let Some((index, user_id)) = app.tokens.authenticate(header) else {
        return ApiError::invalid_token().into_response();
    };
    let user_id = user_id.to_owned();
    let decision = app.limiter.as_ref().map(|l| l.check(index));
    let mut response = if decision.is_some_and(|d| !d.allowed) {
        ApiError::rate_limited().into_response()
    } else {
        match caller(&app, user_id).await {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
                request
                    .extensions_mut()
                    .insert(BodyLimit(app.max_body_bytes));
                next.run(request).await
            }
            Err(e) => e.into_response(),
        }
    };
    if let Some(d) = decision {
        let headers = response.headers_mut();
        for (name, value) in [
            ("x-rate-limit-limit", u64::from(d.limit)),
            ("x-rate-limit-remaining", u64::from(d.remaining)),
            ("x-rate-limit-reset", d.reset_epoch_seconds),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    if let (Some(hook), Some(internal)) = (
        &app.on_internal_error,
        response.extensions().get::<InternalCause>(),
    ) {
        hook(&internal.error_id, &*internal.cause);
    }
    response
}

/// The token's user, who must exist and be ACTIVE (Okta invalidates the tokens of a
/// deactivated or suspended admin).
async fn caller<S: SharedDirectory>(
    app: &Arc<App<S>>,
    user_id: String,
) -> Result<Caller, ApiError> {
    read(app, move |d| match d.user(&user_id)? {
        Some(user) if user.status == UserStatus::Active => Ok(Caller {
            user_id,
            admin: user.admin,
        }),
        _ => Err(ApiError::invalid_token()),
    })
    .await
}

/// Runs `work` on a blocking thread in one [`SharedDirectory::read`].
async fn read<S: SharedDirectory, T: Send + 'static>(
    app: &Arc<App<S>>,
    work: impl FnOnce(&dyn ListDirectory) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || store.read(work))
        .await
        .map_err(|e| ApiError::internal(Box::new(e)))?
}

/// Runs `work` on a blocking thread in one [`SharedDirectory::write`]: all or nothing.
async fn write<S: SharedDirectory, T: Send + 'static>(
    app: &Arc<App<S>>,
    work: impl FnOnce(&mut dyn ListDirectory) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || store.write(work))
        .await
        .map_err(|e| ApiError::internal(Box::new(e)))?
}

/// Path parameters, with Okta's error when they do not decode.
struct Ids<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|e| ApiError::not_found("resource", &e.body_text()))
    }
}

/// Query parameters, in order, duplicates kept (and refused where they matter).
struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| Self(pairs))
            .map_err(|e| ApiError::validation("query", [e.body_text()]))
    }
}

impl Params {
    /// The value of `name`; twice is an error (which one would count is ambiguous).
    fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::validation(
                name,
                [format!("{name}: given more than once")],
            ));
        }
        Ok(first.map(String::as_str))
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// A `true`/`false` parameter.
    fn flag(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.one(name)? {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(ApiError::validation(
                name,
                [format!("{name}: must be `true` or `false`, not `{other}`")],
            )),
        }
    }
}

/// `limit` and `after`.
struct Page {
    limit: usize,
    after: Option<String>,
}

impl Page {
    fn from_params(params: &Params, max: usize) -> Result<Self, ApiError> {
        let limit = match params.one("limit")? {
            None => max,
            Some(text) => match text.parse::<usize>() {
                Ok(0) | Err(_) => {
                    return Err(ApiError::validation(
                        "limit",
                        [format!(
                            "limit: must be a whole number from 1, not `{text}`"
                        )],
                    ));
                }
                Ok(n) => n.min(max),
            },
        };
        let after = params.one("after")?.map(str::to_owned);
        Ok(Self { limit, after })
    }
}

const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Up to `want` records that `keep` accepts, in id order after `after`, read `batch` at a
/// time with `next_batch(cursor, batch)` until enough are found or the directory is exhausted
/// (a short batch). The walk of the users list and of the groups list.
fn scan<T>(
    after: Option<String>,
    want: usize,
    batch: usize,
    mut next_batch: impl FnMut(Option<&str>, usize) -> Result<Vec<T>, saml_policy::DirectoryError>,
    id: impl Fn(&T) -> &String,
    keep: impl Fn(&T) -> bool,
) -> Result<Vec<T>, ApiError> {
    let mut found = Vec::new();
    let mut cursor = after;
    loop {
        let records = next_batch(cursor.as_deref(), batch)?;
        let Some(last) = records.last() else {
            return Ok(found);
        };
        cursor = Some(id(last).clone());
        let exhausted = records.len() < batch;
        found.extend(records.into_iter().filter(|r| keep(r)));
        if found.len() >= want || exhausted {
            found.truncate(want);
            return Ok(found);
        }
    }
}

/// The `after` cursor of the next page when more than `limit` items were read (one more than
/// a page is read to know), the extra one dropped.
fn next_cursor<T>(items: &mut Vec<T>, limit: usize, id: impl Fn(&T) -> &String) -> Option<String> {
    if items.len() > limit {
        items.truncate(limit);
        items.last().map(|i| id(i).clone())
    } else {
        None
    }
}

/// A JSON array answer with `Link` headers: rel="self" for this page and rel="next" after
/// `next_after` when there is more. `extra` are the parameters both links repeat (`filter`, …).
fn page_response(
    base: &str,
    path: &str,
    page: &Page,
    extra: &[(&str, &str)],
    next_after: Option<&str>,
    items: Vec<Value>,
) -> Response {
    let link = |after: Option<&str>, rel: &str| {
        let mut query = format!("limit={}", page.limit);
        if let Some(after) = after {
            query.push_str("&after=");
            query.extend(utf8_percent_encode(after, QUERY_VALUE));
        }
        for (name, value) in extra {
            query.push('&');
            query.push_str(name);
            query.push('=');
            query.extend(utf8_percent_encode(value, QUERY_VALUE));
        }
        HeaderValue::try_from(format!("<{base}{path}?{query}>; rel=\"{rel}\""))
    };
    let mut headers = HeaderMap::new();
    for (after, rel) in [(page.after.as_deref(), "self")]
        .into_iter()
        .chain(next_after.map(|a| (Some(a), "next")))
    {
        match link(after, rel) {
            Ok(value) => {
                headers.append(axum::http::header::LINK, value);
            }
            Err(e) => return ApiError::internal(Box::new(e)).into_response(),
        }
    }
    (StatusCode::OK, headers, Json(Value::Array(items))).into_response()
}

/// A JSON request body: `application/json`, within the size limit, of the shape `T`.
struct Body<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let is_json = content_type.as_deref().is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
        if !is_json {
            return Err(ApiError::not_json(content_type.as_deref()));
        }
        let limit = request
            .extensions()
            .get::<BodyLimit>()
            .map_or(0, |BodyLimit(limit)| *limit);
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::too_large(limit)
                } else {
                    ApiError::malformed(e.body_text())
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| ApiError::malformed(e.to_string()))
    }
}

/// A user as Okta shows it: `id`, `status`, `profile` (login, email and the other
/// attributes), `_links.self`.
fn user_json(base: &str, user: &User) -> Value {
    let mut profile = serde_json::Map::new();
    profile.insert("login".into(), Value::String(user.login.clone()));
    if let Some(email) = &user.email {
        profile.insert("email".into(), Value::String(email.clone()));
    }
    for (name, value) in &user.profile {
        profile.insert(name.clone(), Value::String(value.clone()));
    }
    json!({
        "id": user.id,
        "status": user.status.as_str(),
        "profile": profile,
        "_links": {"self": {"href": format!("{base}/api/v1/users/{}", user.id)}},
    })
}

/// A group as Okta shows it.
fn group_json(base: &str, group: &Group) -> Value {
    json!({
        "id": group.id,
        "type": group.group_type.as_str(),
        "profile": {"name": group.name, "description": null},
        "_links": {
            "self": {"href": format!("{base}/api/v1/groups/{}", group.id)},
            "users": {"href": format!("{base}/api/v1/groups/{}/users", group.id)},
        },
    })
}

/// The user an `{id}` path parameter names: `me` (the token's user), an id, or a login.
fn resolve(d: &dyn ListDirectory, id: &str, caller: &Caller) -> Result<User, ApiError> {
    let id = if id == "me" { &caller.user_id } else { id };
    if let Some(user) = d.user(id)? {
        return Ok(user);
    }
    let mut found = d.find_by_login(id)?;
    match (found.pop(), found.is_empty()) {
        (Some(user), true) => Ok(user),
        _ => Err(ApiError::not_found("user", id)),
    }
}
