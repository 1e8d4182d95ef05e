//! axum routes, cookies and a session extractor for one SAML 2.0 service provider, on top of
//! [`saml_core`].
//!
//! ```no_run
//! use axum::Router;
//! use axum::routing::get;
//! use saml_axum::{SamlSession, SamlSp};
//!
//! # async fn run(sp: saml_core::ServiceProvider) -> Result<(), Box<dyn std::error::Error>> {
//! let saml = SamlSp::in_memory(sp)?; // or SamlSp::new(sp, Arc::new(any_async_store))
//! let app: Router = Router::new()
//!     .route("/", get(|SamlSession(who): SamlSession| async move { who.name_id }))
//!     .merge(saml.router())
//!     .layer(saml.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Routes
//!
//! - `GET /saml/metadata`: the SP's metadata (`application/samlmetadata+xml`).
//! - `GET /saml/login?return_to=/path`: a signed AuthnRequest (when the IdP settings say to
//!   sign) by HTTP-Redirect (303) or HTTP-POST (an auto-submitting page under a
//!   Content-Security-Policy that allows only its one script, by hash), as the IdP settings
//!   say. Its ID goes to the store and to a request cookie (below).
//! - `POST /saml/acs`: reads the form (`SAMLResponse`, optional `RelayState`, each at most
//!   once; the body limited to [`SamlSp::with_max_body`]), decodes the Response with saml-core's
//!   binding decoder, validates it (CPU only), commits it through
//!   the async store (replay cache and single-use request ID), runs the application's
//!   [`OnLogin`] hook, sets the session cookie and redirects (303) to the request's
//!   `return_to` (SP-initiated) or the `RelayState` (IdP-initiated), each only if it is a
//!   relative path ([`return_to`]; an unsafe one refuses the POST with 400).
//! - `GET|POST /saml/logout?return_to=/path`: SP-initiated Single Logout: the session is
//!   revoked here and its cookie cleared at once, and a signed LogoutRequest (its ID pending
//!   in the store) goes to the IdP's Single Logout service (see [`logout`]).
//! - `GET|POST /saml/slo`: the SP's Single Logout URL, both bindings: the IdP's LogoutResponse
//!   (InResponseTo single use, then a redirect to the RelayState, which must be a relative
//!   path) and the IdP's LogoutRequest (replay-checked; the sessions it names are revoked
//!   server-side and the IdP answered with a signed LogoutResponse). See [`logout`].
//!
//! # Binding a login to the browser that started it
//!
//! `/saml/login` sets `saml_req_<ID>`, a cookie signed with the [`CookieKey`] (HMAC-SHA256)
//! holding the AuthnRequest ID, the return path and an expiry (10 minutes, the request's
//! lifetime). At the ACS, an `InResponseTo` is consumed from the store only if the browser
//! presents that cookie; a Response for a request started in another browser, or with the
//! cookie removed or forged, is refused as `unknown_in_response_to` (403). IdP-initiated
//! Responses (no `InResponseTo`) need no cookie and are accepted only if the SP settings allow
//! unsolicited Responses.
//!
//! # Cookies over https and http
//!
//! The Response arrives as a **cross-site POST** from the IdP, so the request cookie must be
//! `SameSite=None`, which browsers accept only with `Secure`. When the ACS URL is https, every
//! cookie is `Secure`, the request cookie `SameSite=None` and the session cookie
//! `SameSite=Lax` (it is read on the 303 that follows the POST, a top-level GET, and on
//! later navigations). All are `HttpOnly`.
//!
//! On plain http the cookies cannot be `Secure` in general, so they are `SameSite=Lax`, and the
//! browser does **not** send the request cookie with the IdP's cross-site POST: SP-initiated
//! logins then fail closed with `unknown_in_response_to` (IdP-initiated ones still work). On
//! **loopback** (`http://127.0.0.1`, `http://localhost`) Chromium treats the origin as
//! secure for cookies: it stores `Secure` cookies set over http and sends `SameSite=None;
//! Secure` ones on cross-site POSTs, which the real-browser test in `tests/browser.rs`
//! exercises. Turn that on for a loopback development site with
//! [`SamlSp::with_secure_cookies`]`(true)`; the example `axum-sp` does.
//!
//! # Sessions
//!
//! The session is a signed cookie `saml_session` (HMAC-SHA256, constant-time check, expiry
//! inside the signed payload, `HttpOnly`), read by the [`SamlSession`] extractor; a missing,
//! forged, tampered or expired one sends a GET to `/saml/login?return_to=<path>` and answers
//! anything else with 401. It is signed, not encrypted: the user can read their own NameID and
//! attributes in it. It ends by expiry, by `/saml/logout`, or by the IdP's LogoutRequest: since
//! the cookie is stateless and the IdP's request usually arrives without it, Single Logout
//! revokes sessions in a server-side list keyed by (NameID, SessionIndex) that the extractor
//! consults on every request ([`revocation`]; in memory by default, shared across a fleet
//! through [`SamlSp::with_revocations`]).
//!
//! # Errors
//!
//! A refused request is an HTML page naming the error kind (saml-core's stable
//! [`ErrorKind`](saml_core::ErrorKind) names, or this crate's) and the message saying which
//! setting disagreed, every value HTML-escaped: 400 for input that cannot be read, 413 for a
//! body over the limit, 403 for a refused login, 503 when the store could not answer.
//!
//! # Stores
//!
//! The store is a type parameter: anything implementing saml-core's
//! [`AsyncReplayCache`](saml_core::saml::replay::AsyncReplayCache) and
//! [`AsyncRequestStore`](saml_core::saml::replay::AsyncRequestStore) ([`Store`]).
//! `SamlSp::in_memory(sp)` uses saml-core's `InMemoryStore`; a shared store is
//! `SamlSp::new(sp, Arc::new(store))`.
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs)]

mod cookie;
mod form;
pub mod logout;
mod page;
pub mod return_to;
pub mod revocation;
mod session;
mod sp;

pub use cookie::CookieKey;
pub use logout::{LOGOUT_PATH, SLO_PATH};
pub use page::{RouteError, escape};
pub use return_to::UnsafeReturnTo;
pub use revocation::{InMemoryRevocations, SessionRevocations};
pub use session::{
    MAX_SESSION_COOKIE, NoSession, Principal, SESSION_COOKIE, SamlSession, SessionReader,
};
pub use sp::{
    ACS_PATH, BoxFuture, ConfigError, LOGIN_PATH, LoginRefused, METADATA_PATH, OnLogin,
    REQUEST_COOKIE_PREFIX, SamlSp, Store,
};
