//! [`SamlSp`]: the routes of one service provider and the state they share.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use saml_core::metadata::sp_metadata;
use saml_core::prelude::*;
use saml_core::saml::authn::RequestOptions;
use saml_core::saml::replay::{AsyncReplayCache, AsyncRequestStore};
use serde::{Deserialize, Serialize};

use crate::cookie::{self, CookieKey, Marking, SameSite};
use crate::page::{RouteError, auto_post_csp, html};
use crate::return_to;
use crate::revocation::{InMemoryRevocations, SessionRevocations};
use crate::session::{MAX_SESSION_COOKIE, Principal, SESSION_COOKIE, SessionReader};

/// The metadata route.
pub const METADATA_PATH: &str = "/saml/metadata";
/// The route that starts an SP-initiated login (`?return_to=/path`).
pub const LOGIN_PATH: &str = "/saml/login";
/// The Assertion Consumer Service: the path the configured ACS URL must have.
pub const ACS_PATH: &str = "/saml/acs";
/// The request cookies' name prefix: `saml_req_<AuthnRequest ID>`.
pub const REQUEST_COOKIE_PREFIX: &str = "saml_req_";
/// The path the request cookies are scoped to (so they reach the ACS and nothing else of the
/// application).
const REQUEST_COOKIE_PATH: &str = "/saml";
/// How many request cookies one ACS POST looks at: 8 (logins started in as many tabs).
const MAX_REQUEST_COOKIES: usize = 8;

/// The store the routes use: replay cache and outstanding requests, async. saml-core's
/// [`InMemoryStore`] is one; the SQLite and Redis stores implement the same traits.
pub trait Store: AsyncReplayCache + AsyncRequestStore + 'static {}

impl<T: AsyncReplayCache + AsyncRequestStore + 'static> Store for T {}

/// Why a [`SamlSp`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The SP's ACS URL does not end in the ACS route's path, so the IdP would post where no
    /// route listens.
    #[error(
        "SpSettings acs_url `{acs_url}` has the path `{found}`, but the ACS route is `{expected}`: \
         set the ACS URL to this site's origin followed by `{expected}`"
    )]
    AcsPath {
        /// The configured ACS URL.
        acs_url: String,
        /// [`ACS_PATH`].
        expected: &'static str,
        /// Its path.
        found: String,
    },
    /// The SP's Single Logout URL does not end in the SLO route's path.
    #[error(
        "SpSettings single_logout_url `{url}` has the path `{found}`, but the Single Logout \
         route is `{expected}`: set it to this site's origin followed by `{expected}`"
    )]
    SloPath {
        /// The configured Single Logout URL.
        url: String,
        /// [`SLO_PATH`](crate::SLO_PATH).
        expected: &'static str,
        /// Its path.
        found: String,
    },
    /// A cookie key of the wrong length.
    #[error("the cookie key has {found} bytes, it must have {expected}")]
    CookieKeyLength {
        /// [`CookieKey::LEN`].
        expected: usize,
        /// What was given.
        found: usize,
    },
    /// The system's random generator failed (no cookie key could be made).
    #[error("the system's random number generator failed")]
    Randomness,
}

/// Refusal of a login by the application's [`OnLogin`] hook.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginRefused {
    /// Shown on the 403 page (HTML-escaped): say why without revealing anything secret.
    pub reason: String,
}

impl LoginRefused {
    /// A refusal with this reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// A boxed future, as [`OnLogin`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The application's decision on a verified, committed assertion: link or create the
/// account, check a group, or refuse. Runs after the replay commit and before the session
/// cookie is set; a refusal is a 403 page and no session.
///
/// Any `Fn(&VerifiedAssertion) -> Result<(), LoginRefused>` closure is one; implement the trait
/// for an async decision (a directory lookup).
pub trait OnLogin: Send + Sync + 'static {
    /// Accepts or refuses the login of `assertion`.
    fn on_login<'a>(
        &'a self,
        assertion: &'a VerifiedAssertion,
    ) -> BoxFuture<'a, Result<(), LoginRefused>>;
}

impl<F> OnLogin for F
where
    F: Fn(&VerifiedAssertion) -> Result<(), LoginRefused> + Send + Sync + 'static,
{
    fn on_login<'a>(
        &'a self,
        assertion: &'a VerifiedAssertion,
    ) -> BoxFuture<'a, Result<(), LoginRefused>> {
        Box::pin(std::future::ready(self(assertion)))
    }
}

type Clock = Arc<dyn Fn() -> DateTime + Send + Sync>;

impl<S> Clone for Inner<S> {
    fn clone(&self) -> Self {
        Self {
            sp: Arc::clone(&self.sp),
            store: Arc::clone(&self.store),
            key: self.key.clone(),
            on_login: Arc::clone(&self.on_login),
            marking: self.marking,
            session_lifetime: self.session_lifetime,
            max_body: self.max_body,
            options: self.options.clone(),
            default_return_to: self.default_return_to.clone(),
            clock: Arc::clone(&self.clock),
            revocations: Arc::clone(&self.revocations),
        }
    }
}

pub(crate) struct Inner<S> {
    pub(crate) sp: Arc<ServiceProvider>,
    pub(crate) store: Arc<S>,
    pub(crate) key: CookieKey,
    on_login: Arc<dyn OnLogin>,
    pub(crate) marking: Marking,
    pub(crate) session_lifetime: Duration,
    pub(crate) max_body: usize,
    options: RequestOptions,
    pub(crate) default_return_to: String,
    clock: Clock,
    pub(crate) revocations: Arc<dyn SessionRevocations>,
}

/// One service provider's routes: metadata, SP-initiated login, the ACS, and the session
/// they set. Cheap to clone (one `Arc`).
///
/// `S` is the state store (replay cache and outstanding requests, through saml-core's async
/// traits): [`InMemoryStore`] by default; a SQLite or Redis store plugs in by giving its
/// `Arc` to [`SamlSp::new`].
pub struct SamlSp<S = InMemoryStore> {
    pub(crate) inner: Arc<Inner<S>>,
}

impl<S> Clone for SamlSp<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S> std::fmt::Debug for SamlSp<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamlSp")
            .field("entity_id", &self.inner.sp.sp().entity_id())
            .field("secure_cookies", &self.inner.marking.secure)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> DateTime {
    DateTime::from_system_time(std::time::SystemTime::now())
}

fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or_default()
}

impl SamlSp<InMemoryStore> {
    /// A service provider with saml-core's [`InMemoryStore`] (one process only).
    ///
    /// # Errors
    ///
    /// As [`SamlSp::new`].
    pub fn in_memory(sp: ServiceProvider) -> Result<Self, ConfigError> {
        Self::new(sp, Arc::new(InMemoryStore::default()))
    }
}

impl<S: Store> SamlSp<S> {
    /// The routes for `sp`, keeping state in `store`, with a random cookie key, every login
    /// accepted, 8-hour sessions, a 512 KiB limit on the ACS body, and `Secure` cookies when
    /// the ACS URL is https.
    ///
    /// # Errors
    ///
    /// [`ConfigError::AcsPath`] when the ACS URL's path is not [`ACS_PATH`];
    /// [`ConfigError::Randomness`] when no cookie key can be made.
    pub fn new(sp: ServiceProvider, store: Arc<S>) -> Result<Self, ConfigError> {
        let acs_url = sp.sp().acs_url();
        let found = url_path(acs_url);
        if found != ACS_PATH {
            return Err(ConfigError::AcsPath {
                acs_url: acs_url.to_owned(),
                expected: ACS_PATH,
                found: found.to_owned(),
            });
        }
        if let Some(url) = sp.sp().single_logout_url() {
            let found = url_path(url);
            if found != crate::logout::SLO_PATH {
                return Err(ConfigError::SloPath {
                    url: url.to_owned(),
                    expected: crate::logout::SLO_PATH,
                    found: found.to_owned(),
                });
            }
        }
        let secure = acs_url.starts_with("https://");
        Ok(Self {
            inner: Arc::new(Inner {
                sp: Arc::new(sp),
                store,
                key: CookieKey::generate()?,
                on_login: Arc::new(|_: &VerifiedAssertion| Ok(())),
                marking: Marking { secure },
                session_lifetime: Duration::from_secs(8 * 3600),
                max_body: 512 * 1024,
                options: RequestOptions::default(),
                default_return_to: "/".to_owned(),
                clock: Arc::new(system_clock),
                revocations: Arc::new(InMemoryRevocations::default()),
            }),
        })
    }

    fn edit(self, f: impl FnOnce(&mut Inner<S>)) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        f(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Signs cookies with `key` instead of a random one (so that instances share sessions).
    pub fn with_cookie_key(self, key: CookieKey) -> Self {
        self.edit(|i| i.key = key)
    }

    /// Runs `hook` on every verified assertion; it may refuse the login.
    pub fn with_on_login(self, hook: impl OnLogin) -> Self {
        self.edit(|i| i.on_login = Arc::new(hook))
    }

    /// How long a session lasts. Default: 8 hours.
    pub fn with_session_lifetime(self, lifetime: Duration) -> Self {
        self.edit(|i| i.session_lifetime = lifetime)
    }

    /// The largest ACS POST body accepted, in bytes; larger ones get 413. Default: 512 KiB
    /// (a signed Response with a few dozen attributes is 10–30 KiB in base64; an encrypted
    /// one about 1.4 times that).
    pub fn with_max_body(self, bytes: usize) -> Self {
        self.edit(|i| i.max_body = bytes)
    }

    /// What AuthnRequests ask for (NameID format, ForceAuthn, …). Default: nothing.
    pub fn with_request_options(self, options: RequestOptions) -> Self {
        self.edit(|i| i.options = options)
    }

    /// Where to go after an IdP-initiated login without a usable RelayState, and after a login
    /// without `return_to`. Default: `/`.
    ///
    /// # Errors
    ///
    /// [`UnsafeReturnTo`](crate::UnsafeReturnTo) when `path` is not a relative path.
    pub fn with_default_return_to(self, path: &str) -> Result<Self, return_to::UnsafeReturnTo> {
        let path = return_to::check("default return_to", path)?.to_owned();
        Ok(self.edit(|i| i.default_return_to = path))
    }

    /// Overrides the cookies' `Secure` flag (and with it `SameSite=None` on the request
    /// cookie), which otherwise follows the ACS URL's scheme. Turning it on for an
    /// `http://127.0.0.1` or `http://localhost` development site works in Chromium and Firefox,
    /// which treat loopback as a secure context for cookies; see the crate documentation.
    pub fn with_secure_cookies(self, secure: bool) -> Self {
        self.edit(|i| i.marking = Marking { secure })
    }

    /// Keeps session revocations (Single Logout of stateless sessions) in `revocations`
    /// instead of the in-memory default; see [`revocation`](crate::revocation). A fleet
    /// sharing a cookie key needs a shared one.
    pub fn with_revocations(self, revocations: Arc<dyn SessionRevocations>) -> Self {
        self.edit(|i| i.revocations = revocations)
    }

    /// The session revocation list.
    pub fn revocations(&self) -> &Arc<dyn SessionRevocations> {
        &self.inner.revocations
    }

    /// Reads the time from `clock` instead of the system clock (for tests).
    pub fn with_clock(self, clock: impl Fn() -> DateTime + Send + Sync + 'static) -> Self {
        self.edit(|i| i.clock = Arc::new(clock))
    }

    /// The service provider.
    pub fn service_provider(&self) -> &ServiceProvider {
        &self.inner.sp
    }

    /// The store.
    pub fn store(&self) -> &Arc<S> {
        &self.inner.store
    }

    /// The routes: `GET /saml/metadata`, `GET /saml/login`, `POST /saml/acs`,
    /// `GET|POST /saml/logout` and `GET|POST /saml/slo`. Merge it into the application's
    /// router, and add [`layer`](Self::layer) for [`SamlSession`](crate::SamlSession).
    pub fn router<T: Clone + Send + Sync + 'static>(&self) -> Router<T> {
        Router::new()
            .route(METADATA_PATH, get(metadata::<S>))
            .route(LOGIN_PATH, get(login::<S>))
            .route(
                ACS_PATH,
                post(acs::<S>).layer(DefaultBodyLimit::max(self.inner.max_body)),
            )
            .route(
                crate::logout::LOGOUT_PATH,
                get(crate::logout::logout::<S>).post(crate::logout::logout::<S>),
            )
            .route(
                crate::logout::SLO_PATH,
                get(crate::logout::slo_redirect::<S>)
                    .post(crate::logout::slo_post::<S>)
                    .layer(DefaultBodyLimit::max(self.inner.max_body)),
            )
            .with_state(self.clone())
    }

    /// The layer that lets [`SamlSession`](crate::SamlSession) read the session cookie:
    /// `app.layer(sp.layer())`.
    pub fn layer(&self) -> axum::Extension<SessionReader> {
        axum::Extension(SessionReader {
            key: self.inner.key.clone(),
            login_path: LOGIN_PATH,
            clock: Arc::clone(&self.inner.clock),
            revocations: Arc::clone(&self.inner.revocations),
        })
    }

    pub(crate) fn now(&self) -> DateTime {
        (self.inner.clock)()
    }
}

async fn metadata<S: Store>(State(sp): State<SamlSp<S>>) -> Response {
    let xml = sp_metadata(sp.inner.sp.sp(), Binding::HttpPost);
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("application/samlmetadata+xml"),
        )],
        xml,
    )
        .into_response()
}

/// The request cookie's payload.
#[derive(Serialize, Deserialize)]
struct RequestState {
    id: String,
    return_to: String,
    expires: i64,
}

/// The query of `/saml/login`.
#[derive(Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

async fn login<S: Store>(
    State(sp): State<SamlSp<S>>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, RouteError> {
    let inner = &sp.inner;
    let return_to = match &query.return_to {
        Some(r) => return_to::check("return_to", r)?.to_owned(),
        None => inner.default_return_to.clone(),
    };
    let now = sp.now();
    let request = inner
        .sp
        .authn_request_async(now, &inner.options, &*inner.store)
        .await?;
    let (id, expires) = (request.id.clone(), request.expires);
    let state = RequestState {
        id: id.clone(),
        return_to: return_to.clone(),
        expires: expires.unix_seconds(),
    };
    let name = format!("{REQUEST_COOKIE_PREFIX}{id}");
    let payload = serde_json::to_vec(&state).unwrap_or_default();
    let set = cookie::set_cookie(
        inner.marking,
        &name,
        &inner.key.seal(&name, &payload),
        REQUEST_COOKIE_PATH,
        expires.since(now).seconds(),
        SameSite::None,
    );
    let mut response = match request.binding {
        Binding::HttpPost => {
            let form = inner.sp.post_form(&request, Some(&return_to));
            html(StatusCode::OK, form, Some(&auto_post_csp()))
        }
        _ => {
            let url = inner.sp.redirect_url(&request, Some(&return_to))?;
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(
                LOCATION,
                HeaderValue::from_str(&url).map_err(|_| RouteError::BadForm {
                    detail: "the IdP SSO URL is not a valid header value".to_owned(),
                })?,
            );
            r
        }
    };
    append_cookie(&mut response, &set);
    Ok(response)
}

pub(crate) fn append_cookie(response: &mut Response, set: &str) {
    if let Ok(v) = HeaderValue::from_str(set) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}

/// The requests this browser started (valid, unexpired request cookies), by ID.
fn bound_requests(key: &CookieKey, headers: &HeaderMap, now: DateTime) -> Vec<RequestState> {
    cookie::pairs(headers)
        .filter(|(name, _)| name.starts_with(REQUEST_COOKIE_PREFIX))
        .take(MAX_REQUEST_COOKIES)
        .filter_map(|(name, value)| {
            let payload = key.open(name, value)?;
            let state: RequestState = serde_json::from_slice(&payload).ok()?;
            let id_matches = name.strip_prefix(REQUEST_COOKIE_PREFIX) == Some(state.id.as_str());
            // Redundant with the MAC, which covers the cookie's name: kept so that a value
            // moved to another request's name is refused even if that ever changes.
            (id_matches && now.unix_seconds() < state.expires).then_some(state)
        })
        .collect()
}

async fn acs<S: Store>(
    State(sp): State<SamlSp<S>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, RouteError> {
    let inner = &sp.inner;
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(RouteError::BadForm {
            detail: "the content type is not application/x-www-form-urlencoded".to_owned(),
        });
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            RouteError::BodyTooLarge {
                limit: inner.max_body,
            }
        } else {
            RouteError::BadForm {
                detail: rejection.body_text(),
            }
        }
    })?;
    let form = crate::form::parse(&body)?;
    // Checked before anything else: an unsafe RelayState refuses the whole POST.
    let relay_state = match &form.relay_state {
        Some(r) => Some(return_to::check("RelayState", r)?),
        None => None,
    };
    let decoded =
        binding::decode(&form.saml_response, &DecodeLimits::default()).map_err(SamlError::from)?;
    let now = sp.now();
    let requests = bound_requests(&inner.key, &headers, now);
    let pending = inner
        .sp
        .validate(&decoded.xml, now, Solicitation::outstanding())?;
    // A Response answers a request only if this browser started it (holds its request
    // cookie); any other InResponseTo reads as not outstanding, refused before the store is
    // touched, so a Response for a request started elsewhere consumes nothing. The commit
    // then goes to the store itself: one round trip where the store offers it.
    if let Some(id) = pending.in_response_to()
        && !requests.iter().any(|r| r.id == id)
    {
        return Err(SamlError::UnknownInResponseTo {
            found: id.to_owned(),
        }
        .into());
    }
    let assertion = pending.commit_async(&*inner.store).await?;
    inner
        .on_login
        .on_login(&assertion)
        .await
        .map_err(|refused| RouteError::LoginRefused {
            reason: refused.reason,
        })?;

    let (location, used_request) = match assertion.in_response_to() {
        Some(id) => {
            // Checked above: this browser holds its cookie.
            let state = requests.iter().find(|r| r.id == id);
            (
                state.map_or(inner.default_return_to.as_str(), |s| s.return_to.as_str()),
                state.map(|s| s.id.as_str()),
            )
        }
        None => (
            relay_state.unwrap_or(inner.default_return_to.as_str()),
            None,
        ),
    };
    // The return path in a request cookie was checked before it was signed; checked again
    // so that a leaked key alone does not make an open redirect.
    let location = return_to::check("return_to", location)?;

    let expires = now
        .checked_add_seconds(i64::try_from(inner.session_lifetime.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(now);
    let principal = Principal::from_assertion(&assertion, now, expires);
    let payload = serde_json::to_vec(&principal).unwrap_or_default();
    let value = inner.key.seal(SESSION_COOKIE, &payload);
    if value.len() > MAX_SESSION_COOKIE {
        return Err(RouteError::SessionTooLarge {
            size: value.len(),
            limit: MAX_SESSION_COOKIE,
        });
    }
    // Recorded so that an IdP's LogoutRequest naming this session can be answered Success
    // (and one naming no live session UnknownPrincipal); see crate::revocation.
    inner
        .revocations
        .started(
            &principal.name_id,
            principal.session_index.as_deref(),
            expires,
            now,
        )
        .await
        .map_err(|source| SamlError::SessionStoreUnavailable { source })?;
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(
        LOCATION,
        HeaderValue::from_str(location).map_err(|_| RouteError::BadForm {
            detail: "the return path is not a valid header value".to_owned(),
        })?,
    );
    let session = cookie::set_cookie(
        inner.marking,
        SESSION_COOKIE,
        &value,
        "/",
        expires.since(now).seconds(),
        SameSite::Lax,
    );
    append_cookie(&mut response, &session);
    if let Some(id) = used_request {
        let clear = cookie::set_cookie(
            inner.marking,
            &format!("{REQUEST_COOKIE_PREFIX}{id}"),
            "",
            REQUEST_COOKIE_PATH,
            0,
            SameSite::None,
        );
        append_cookie(&mut response, &clear);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::url_path;

    #[test]
    fn acs_path_is_read_from_the_url() {
        assert_eq!(url_path("https://sp.example/saml/acs"), "/saml/acs");
        assert_eq!(url_path("http://127.0.0.1:8080/saml/acs?x=1"), "/saml/acs");
        assert_eq!(url_path("https://sp.example"), "");
    }
}
