//! The login session: a signed, HttpOnly cookie holding the principal of a verified assertion,
//! and the [`SamlSession`] extractor that reads it.
//!
//! The cookie (`saml_session`) carries the NameID with its qualifiers, the SessionIndex, the
//! Issuer, the attributes and an expiry, signed with the [`CookieKey`](crate::CookieKey)
//! (HMAC-SHA256, constant-time check). It is `HttpOnly`, `SameSite=Lax` (so it is sent on the
//! 303 that follows the IdP's cross-site POST) and `Secure` on https. A cookie whose MAC does
//! not verify, whose expiry has passed, or that does not parse is no session at all.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use saml_core::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cookie::{self, CookieKey};
use crate::revocation::SessionRevocations;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "saml_session";

/// The largest session cookie value written, in bytes: 3800 (browsers keep at least 4096
/// bytes per cookie, name and attributes included).
pub const MAX_SESSION_COOKIE: usize = 3800;

/// Who is logged in: what the verified assertion said, kept in the session cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Principal {
    /// The NameID value.
    pub name_id: String,
    /// NameID/@Format.
    pub name_id_format: Option<String>,
    /// NameID/@NameQualifier (kept for Single Logout, which must send the NameID as received).
    pub name_qualifier: Option<String>,
    /// NameID/@SPNameQualifier.
    pub sp_name_qualifier: Option<String>,
    /// AuthnStatement/@SessionIndex.
    pub session_index: Option<String>,
    /// The IdP (Assertion Issuer).
    pub issuer: String,
    /// The attributes: name and values, in document order.
    pub attributes: Vec<(String, Vec<String>)>,
    /// When the session ends (Unix seconds).
    pub expires: i64,
    /// When the session started (Unix milliseconds): a revocation made at or after it ends
    /// the session (see [`revocation`](crate::revocation)).
    #[serde(default)]
    pub issued_ms: i64,
}

impl Principal {
    pub(crate) fn from_assertion(a: &VerifiedAssertion, now: DateTime, expires: DateTime) -> Self {
        let n = a.name_id();
        Self {
            name_id: n.value.clone(),
            name_id_format: n.format.clone(),
            name_qualifier: n.name_qualifier.clone(),
            sp_name_qualifier: n.sp_name_qualifier.clone(),
            session_index: a.session_index().map(str::to_owned),
            issuer: a.issuer().to_owned(),
            attributes: a
                .attributes()
                .iter()
                .map(|at| (at.name.clone(), at.values.clone()))
                .collect(),
            expires: expires.unix_seconds(),
            issued_ms: crate::revocation::millis(now),
        }
    }

    /// The values of the first attribute with this name.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// What [`SamlSession`] needs to read the session cookie: put in every request by
/// [`SamlSp::layer`](crate::SamlSp::layer).
#[derive(Clone)]
pub struct SessionReader {
    pub(crate) key: CookieKey,
    pub(crate) login_path: &'static str,
    pub(crate) clock: Arc<dyn Fn() -> DateTime + Send + Sync>,
    pub(crate) revocations: Arc<dyn SessionRevocations>,
}

impl std::fmt::Debug for SessionReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionReader")
            .field("login_path", &self.login_path)
            .finish_non_exhaustive()
    }
}

impl SessionReader {
    /// The principal of a valid, unexpired session cookie among the request's cookies.
    pub(crate) fn read(&self, headers: &axum::http::HeaderMap) -> Option<Principal> {
        let now = (self.clock)().unix_seconds();
        cookie::pairs(headers)
            .filter(|(name, _)| *name == SESSION_COOKIE)
            .filter_map(|(_, value)| self.key.open(SESSION_COOKIE, value))
            .filter_map(|payload| serde_json::from_slice::<Principal>(&payload).ok())
            .find(|p| now < p.expires)
    }

    /// As [`read`](Self::read), and not revoked ([`SessionRevocations`]): `Ok(None)` for no
    /// session, an error when the revocation list cannot answer.
    pub(crate) async fn read_live(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<Option<Principal>, StoreError> {
        let Some(principal) = self.read(headers) else {
            return Ok(None);
        };
        let revoked = self
            .revocations
            .is_revoked(
                &principal.name_id,
                principal.session_index.as_deref(),
                principal.issued_ms,
                (self.clock)(),
            )
            .await?;
        Ok((!revoked).then_some(principal))
    }
}

/// The logged-in principal, as an extractor: `async fn page(SamlSession(who): SamlSession)`.
///
/// A session revoked by Single Logout ([`revocation`](crate::revocation)) is no session.
/// Without a valid session the handler is not called: a `GET` or `HEAD` is redirected (303) to
/// `/saml/login?return_to=<this path>`, anything else gets 401. Needs
/// [`SamlSp::layer`](crate::SamlSp::layer) on the router (500 naming it otherwise).
#[derive(Clone, Debug)]
#[expect(
    clippy::exhaustive_structs,
    reason = "a one-field wrapper made to be destructured in handler arguments"
)]
pub struct SamlSession(pub Principal);

/// Why [`SamlSession`] did not extract.
#[derive(Debug)]
#[non_exhaustive]
pub enum NoSession {
    /// Not logged in, on a GET: go log in and come back here.
    Login {
        /// `/saml/login?return_to=…`.
        location: String,
    },
    /// Not logged in, on another method.
    Unauthorized,
    /// The router lacks `SamlSp::layer()`.
    MissingLayer,
    /// The session revocation list could not be consulted: 503, never let through.
    Unavailable,
}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        match self {
            Self::Login { location } => {
                let mut r = StatusCode::SEE_OTHER.into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(LOCATION, v);
                }
                r
            }
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "login required\n").into_response(),
            Self::MissingLayer => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "SamlSession needs the SamlSp layer: add `.layer(sp.layer())` to the router\n",
            )
                .into_response(),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the session could not be checked against the revocation list\n",
            )
                .into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SamlSession {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let reader = parts
            .extensions
            .get::<SessionReader>()
            .ok_or(NoSession::MissingLayer)?;
        match reader.read_live(&parts.headers).await {
            Ok(Some(principal)) => return Ok(Self(principal)),
            Ok(None) => {}
            Err(_) => return Err(NoSession::Unavailable),
        }
        if parts.method == Method::GET || parts.method == Method::HEAD {
            let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let back = crate::return_to::check("return_to", here).unwrap_or("/");
            return Err(NoSession::Login {
                location: format!(
                    "{}?return_to={}",
                    reader.login_path,
                    binding::url_encode(back)
                ),
            });
        }
        Err(NoSession::Unauthorized)
    }
}
