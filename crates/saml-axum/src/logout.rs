//! Single Logout: `GET|POST /saml/logout` (SP-initiated) and `GET|POST /saml/slo` (the SP's
//! Single Logout URL, both bindings), on saml-core's [`logout`](saml_core::saml::logout).
//!
//! # SP-initiated: `/saml/logout?return_to=/path`
//!
//! Reads the session cookie (signature and expiry; a revoked one too, so that logging out
//! twice still reaches the IdP), then, in this order: revokes the session on this server
//! ([`revocation`](crate::revocation): a copy of the cookie is dead from now on), builds a
//! LogoutRequest for its NameID (with Format and qualifiers, as issued) and SessionIndex,
//! signed when the SP has a key, records its ID as pending in the store
//! (`logout:` + ID, single use), clears the session cookie and sends the browser to the IdP's
//! Single Logout service by its binding (303 to the Redirect URL, or the auto-POST page). The
//! `return_to` (checked by [`return_to::check`] first) travels as
//! RelayState. Without a session, or when the IdP has no Single Logout service, the logout is
//! local only: the cookie is cleared and the browser goes to `return_to`.
//!
//! # `/saml/slo`
//!
//! `GET` is the HTTP-Redirect binding: the query is given to saml-core **exactly as
//! received** (the octets of the request line, never decoded and re-encoded), since the
//! signature covers those octets. `POST` is the HTTP-POST binding: a form with `SAMLRequest`
//! or `SAMLResponse` (each at most once) and an optional `RelayState`, the body limited as at
//! the ACS. The message is verified (signature by the IdP's pinned keys, Issuer, Destination,
//! times; unsigned refused) and then committed:
//!
//! - a **LogoutResponse** ends an SP-initiated logout: its InResponseTo is consumed from the
//!   store (single use; unknown, expired or reused is `unknown_in_response_to`, 403). Its
//!   RelayState must be a relative path ([`return_to::check`], 400
//!   otherwise); on Success the browser is sent there (303), on PartialLogout or failure a
//!   page says so (200: the session here has ended either way) with a link there;
//! - a **LogoutRequest** (IdP-initiated, usually in an invisible iframe or a cross-site
//!   navigation, so without this site's cookies) is recorded in the replay cache (a replay is
//!   refused, 403), its sessions are revoked by NameID and SessionIndex (every session of the
//!   NameID when it names no SessionIndex), and the IdP is answered with a signed
//!   LogoutResponse by its binding: Success, Requester + UnknownPrincipal when no live session
//!   matched, Responder when the revocation list could not record it. The answer's page may be
//!   framed by the IdP's origin only.
//!
//! Refusals are the error page ([`RouteError`]), titled for a logout, with
//! the usual statuses; nothing is revoked for a refused message.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use saml_core::prelude::*;
use saml_core::saml::logout::{
    Delivery, Ended, Incoming, LogoutOutcome, LogoutRequest, LogoutSubject, OutgoingLogout,
    REASON_USER, ReceivedLogout, SessionTerminator,
};
use serde::Deserialize;

use crate::cookie::{self, SameSite};
use crate::page::{LogoutRefused, RouteError, auto_post_csp, escape, html};
use crate::return_to;
use crate::session::SESSION_COOKIE;
use crate::sp::{SamlSp, Store, append_cookie};

/// The Single Logout URL's path: the SP's Single Logout URL must end in it.
pub const SLO_PATH: &str = "/saml/slo";
/// The route that starts an SP-initiated logout (`?return_to=/path`).
pub const LOGOUT_PATH: &str = "/saml/logout";

/// The query of `/saml/logout`.
#[derive(Deserialize)]
pub(crate) struct LogoutQuery {
    return_to: Option<String>,
}

fn see_other(location: &str) -> Result<Response, RouteError> {
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(
        LOCATION,
        HeaderValue::from_str(location).map_err(|_| RouteError::BadLogout {
            detail: "the location is not a valid header value".to_owned(),
        })?,
    );
    Ok(r)
}

/// The origin (`scheme://host[:port]`) of a URL, for `frame-ancestors`.
fn origin(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest.get(..end)?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
    };
    (ok(scheme) && ok(host)).then(|| url.get(..scheme.len() + 3 + host.len()))?
}

/// Delivers an outgoing logout message: 303 to the Redirect URL, or the auto-POST page. The
/// page may be framed by `frame_ancestor` (the IdP's origin, for an IdP-initiated logout
/// arriving in an iframe), by nothing otherwise.
fn deliver(
    outgoing: &OutgoingLogout,
    frame_ancestor: Option<&str>,
) -> Result<Response, RouteError> {
    match &outgoing.delivery {
        Delivery::RedirectUrl(url) => see_other(url),
        Delivery::PostForm(form) => {
            let mut csp = auto_post_csp();
            if let Some(ancestor) = frame_ancestor {
                csp = csp.replace(
                    "frame-ancestors 'none'",
                    &format!("frame-ancestors {ancestor}"),
                );
            }
            Ok(html(StatusCode::OK, form.clone(), Some(&csp)))
        }
        _ => Err(RouteError::BadLogout {
            detail: "saml-core built a logout message for a delivery this crate does not know"
                .to_owned(),
        }),
    }
}

fn until<S>(sp: &SamlSp<S>, now: DateTime) -> DateTime {
    let lifetime = i64::try_from(sp.inner.session_lifetime.as_secs()).unwrap_or(i64::MAX);
    now.checked_add_seconds(lifetime).unwrap_or(now)
}

/// `GET|POST /saml/logout`.
pub(crate) async fn logout<S: Store>(
    State(sp): State<SamlSp<S>>,
    Query(query): Query<LogoutQuery>,
    headers: HeaderMap,
) -> Result<Response, LogoutRefused> {
    let inner = &sp.inner;
    let return_to = match &query.return_to {
        Some(r) => return_to::check("return_to", r)?.to_owned(),
        None => inner.default_return_to.clone(),
    };
    let clear = cookie::set_cookie(inner.marking, SESSION_COOKIE, "", "/", 0, SameSite::Lax);
    let now = sp.now();
    let reader = sp.layer().0;
    let Some(principal) = reader.read(&headers) else {
        let mut r = see_other(&return_to)?;
        append_cookie(&mut r, &clear);
        return Ok(r);
    };
    let indexes: Vec<String> = principal.session_index.iter().cloned().collect();
    let keep = DateTime::from_unix_seconds(principal.expires);
    inner
        .revocations
        .revoke(&principal.name_id, &indexes, keep, now)
        .await
        .map_err(|source| SamlError::SessionStoreUnavailable { source })?;
    if inner.sp.idp().single_logout_service().is_none() {
        let mut r = see_other(&return_to)?;
        append_cookie(&mut r, &clear);
        return Ok(r);
    }
    let mut name_id = NameId::new(principal.name_id.clone());
    name_id.format.clone_from(&principal.name_id_format);
    name_id.name_qualifier.clone_from(&principal.name_qualifier);
    name_id
        .sp_name_qualifier
        .clone_from(&principal.sp_name_qualifier);
    let subject = LogoutSubject::new(name_id, indexes);
    let outgoing = inner
        .sp
        .logout_request(&subject, Some(REASON_USER), Some(&return_to), now)?
        .record_async(&*inner.store)
        .await?;
    let mut r = deliver(&outgoing, None)?;
    append_cookie(&mut r, &clear);
    Ok(r)
}

/// `GET /saml/slo`: HTTP-Redirect, the query exactly as received.
pub(crate) async fn slo_redirect<S: Store>(
    State(sp): State<SamlSp<S>>,
    uri: Uri,
) -> Result<Response, LogoutRefused> {
    let query = uri.query().unwrap_or_default();
    if query.is_empty() {
        return Err(RouteError::BadLogout {
            detail: "no query: a GET carries SAMLRequest or SAMLResponse in it".to_owned(),
        }
        .into());
    }
    received(&sp, &Incoming::redirect(query)).await
}

/// `POST /saml/slo`: HTTP-POST.
pub(crate) async fn slo_post<S: Store>(
    State(sp): State<SamlSp<S>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, LogoutRefused> {
    let inner = &sp.inner;
    let bad = |detail: String| RouteError::BadLogout { detail };
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(bad("the content type is not application/x-www-form-urlencoded".into()).into());
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            RouteError::BodyTooLarge {
                limit: inner.max_body,
            }
        } else {
            bad(rejection.body_text())
        }
    })?;
    let [request, response, relay] =
        crate::form::fields(&body, ["SAMLRequest", "SAMLResponse", "RelayState"])?;
    let saml = match (request, response) {
        (Some(v), None) | (None, Some(v)) => v,
        (Some(_), Some(_)) => {
            return Err(bad("both SAMLRequest and SAMLResponse are given".into()).into());
        }
        (None, None) => return Err(bad("no SAMLRequest or SAMLResponse field".into()).into()),
    };
    let saml = String::from_utf8(saml).map_err(|_| bad("the message is not ASCII".into()))?;
    let relay = crate::form::relay_state(relay)?;
    received(&sp, &Incoming::post(&saml, relay.as_deref())).await
}

/// What the revocation list did, handed to saml-core's `answer_logout`.
struct Revoked(Result<Ended, StoreError>);

impl SessionTerminator for Revoked {
    fn end_sessions(&self, _: &NameId, _: &[String]) -> Result<Ended, StoreError> {
        self.0.clone()
    }
}

async fn received<S: Store>(
    sp: &SamlSp<S>,
    incoming: &Incoming<'_>,
) -> Result<Response, LogoutRefused> {
    let inner = &sp.inner;
    let now = sp.now();
    match inner.sp.receive_logout(incoming, now)? {
        ReceivedLogout::Response(pending) => {
            // Checked before the commit: a hostile RelayState must not use up the pending
            // LogoutRequest, which the real answer would then find gone.
            let location = match pending.relay_state() {
                Some(r) => return_to::check("RelayState", r)?.to_owned(),
                None => inner.default_return_to.clone(),
            };
            let response = pending.commit_async(&*inner.store).await?;
            let location = location.as_str();
            match response.outcome() {
                LogoutOutcome::Success => Ok(see_other(location)?),
                outcome => Ok(status_page(outcome, &response.status().codes(), location)),
            }
        }
        ReceivedLogout::Request(pending) => {
            let request = pending.commit_async(&*inner.store).await?;
            answer(sp, &request, now).await
        }
        _ => Err(RouteError::BadLogout {
            detail: "saml-core returned a logout message this crate does not know".to_owned(),
        }
        .into()),
    }
}

async fn answer<S: Store>(
    sp: &SamlSp<S>,
    request: &LogoutRequest,
    now: DateTime,
) -> Result<Response, LogoutRefused> {
    let inner = &sp.inner;
    let ended = inner
        .revocations
        .revoke(
            &request.name_id().value,
            request.session_indexes(),
            until(sp, now),
            now,
        )
        .await
        .map(|n| Ended::new(n, 0));
    let answer = inner.sp.answer_logout(request, &Revoked(ended), now)?;
    let ancestor = origin(&answer.response.destination);
    Ok(deliver(&answer.response, ancestor)?)
}

/// The page for a LogoutResponse that is not Success: the session here has ended, the IdP's
/// (or another SP's) may not have.
fn status_page(outcome: LogoutOutcome, codes: &str, location: &str) -> Response {
    let (id, what) = match outcome {
        LogoutOutcome::PartialLogout => (
            "partial",
            "You are logged out of this site, but the identity provider could not log you \
             out of every application. Close the browser to end the other sessions.",
        ),
        _ => (
            "failed",
            "You are logged out of this site, but the identity provider reported that its \
             logout failed: your session there may still be active.",
        ),
    };
    html(
        StatusCode::OK,
        format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Logout incomplete</title>\n\
             </head>\n<body>\n<h1>Logout incomplete</h1>\n<p id=\"outcome\">{id}</p>\n<p>{}</p>\n\
             <p>Status: <code id=\"status\">{}</code></p>\n<p><a href=\"{}\">Continue</a></p>\n\
             </body>\n</html>\n",
            escape(what),
            escape(codes),
            escape(location),
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://idp.example/slo?x"),
            Some("https://idp.example")
        );
        assert_eq!(
            origin("http://127.0.0.2:81/slo"),
            Some("http://127.0.0.2:81")
        );
        assert_eq!(origin("https://idp.example"), Some("https://idp.example"));
        assert_eq!(origin("https://a b/"), None);
        assert_eq!(origin("https://a;script-src */"), None);
        assert_eq!(origin("nope"), None);
    }
}
