//! The HTML the routes answer with: the error page and the auto-submitting POST page.
//!
//! Every value put in HTML goes through [`escape`] (the five characters that matter in text
//! and in quoted attributes). The error page names the stable error kind and the error's
//! message, which says which setting disagreed and with what; it never shows the cookie key,
//! a private key, or the raw message that was posted.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::prelude::*;

use crate::return_to::UnsafeReturnTo;

/// Why a SAML route refused a request, as rendered to the browser.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The message was refused by saml-core (or a store could not answer).
    #[error(transparent)]
    Saml(#[from] SamlError),
    /// A `return_to` or `RelayState` that is not a path on this site.
    #[error(transparent)]
    UnsafeReturnTo(#[from] UnsafeReturnTo),
    /// The application's `on_login` hook refused the login.
    #[error("the application refused the login: {reason}")]
    LoginRefused {
        /// What the hook said.
        reason: String,
    },
    /// The ACS POST lacked the `SAMLResponse` field or was not a form.
    #[error("the POST to the ACS is not a form with a SAMLResponse field: {detail}")]
    BadForm {
        /// What was wrong.
        detail: String,
    },
    /// The ACS POST body is larger than the limit.
    #[error("the POST to the ACS is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit ([`SamlSp::with_max_body`](crate::SamlSp::with_max_body)).
        limit: usize,
    },
    /// A request to the Single Logout URL that carries no logout message, or a malformed one.
    #[error("the request to the Single Logout URL is not a SAML logout message: {detail}")]
    BadLogout {
        /// What was wrong.
        detail: String,
    },
    /// The session could not be written into a cookie.
    #[error(
        "the session for this login is {size} bytes, more than the {limit} a cookie can hold \
         (too many or too large attributes)"
    )]
    SessionTooLarge {
        /// Its size as a cookie value.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl RouteError {
    /// The stable kind shown on the page: saml-core's [`ErrorKind::as_str`] for SAML errors,
    /// `unsafe_return_to`, `login_refused`, `bad_form`, `bad_logout_message`, `body_too_large` or
    /// `session_too_large` otherwise.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Saml(e) => e.kind().as_str(),
            Self::UnsafeReturnTo(_) => "unsafe_return_to",
            Self::LoginRefused { .. } => "login_refused",
            Self::BadForm { .. } => "bad_form",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BadLogout { .. } => "bad_logout_message",
            Self::SessionTooLarge { .. } => "session_too_large",
        }
    }

    /// 400 for input that cannot be read (undecodable or malformed message, bad form, unsafe
    /// return path), 413 for a body over the limit, 503 when a store could not answer, 500 when the session cannot be
    /// written, 403 for every refused login.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Saml(e) => match e.kind() {
                ErrorKind::ReplayStoreUnavailable
                | ErrorKind::RequestStoreUnavailable
                | ErrorKind::SessionStoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                ErrorKind::RandomnessFailed | ErrorKind::SigningFailed => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                _ if e.is_malformed_input() => StatusCode::BAD_REQUEST,
                _ => StatusCode::FORBIDDEN,
            },
            Self::UnsafeReturnTo(_) | Self::BadForm { .. } | Self::BadLogout { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::LoginRefused { .. } => StatusCode::FORBIDDEN,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::SessionTooLarge { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for RouteError {
    fn into_response(self) -> Response {
        self.page("Login", "login")
    }
}

/// A refusal on the logout routes: the same page, titled for a logout.
pub(crate) struct LogoutRefused(pub RouteError);

impl<E: Into<RouteError>> From<E> for LogoutRefused {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for LogoutRefused {
    fn into_response(self) -> Response {
        self.0.page("Logout", "logout")
    }
}

impl RouteError {
    fn page(&self, action: &str, lower: &str) -> Response {
        let title = match self.status() {
            StatusCode::SERVICE_UNAVAILABLE => format!("{action} unavailable"),
            StatusCode::BAD_REQUEST => format!("Bad {lower} request"),
            _ => format!("{action} refused"),
        };
        let hint = match self {
            // A request cookie that did not come back is the usual cause (and the only one
            // the user can act on).
            Self::Saml(SamlError::UnknownLogoutInResponseTo { .. }) => {
                "\n<p id=\"hint\">This answers a logout that was not started here, or that \
                 was already answered. You are logged out of this site.</p>"
            }
            Self::Saml(e) if e.kind() == ErrorKind::UnknownInResponseTo => {
                "\n<p id=\"hint\">This answers a login that was not started in this browser, \
                 or whose cookie did not come back (cookies blocked, or a plain-http site). \
                 Start the login again from this browser.</p>"
            }
            _ => "",
        };
        let body = format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
             </head>\n<body>\n<h1>{title}</h1>\n<p>Error kind: <code id=\"kind\">{kind}</code></p>\n\
             <p id=\"message\">{message}</p>{hint}\n<p><a href=\"/\">Back</a></p>\n</body>\n</html>\n",
            kind = escape(self.kind()),
            message = escape(&self.to_string()),
        );
        html(self.status(), body, None)
    }
}

/// `s` with `& < > " '` replaced by character references.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The one script of saml-core's auto-POST page ([`binding::post_form`]).
const AUTO_SUBMIT: &str = "document.forms[0].submit();";

/// The Content-Security-Policy of the auto-POST page: no script but the one submitting the
/// form (by hash), and the form may only go to `action`'s origin.
pub(crate) fn auto_post_csp() -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, AUTO_SUBMIT.as_bytes());
    format!(
        "default-src 'none'; script-src 'sha256-{}'; base-uri 'none'; frame-ancestors 'none'",
        STANDARD.encode(digest.as_ref())
    )
}

/// An HTML response, never cached, with an optional Content-Security-Policy.
pub(crate) fn html(status: StatusCode, body: String, csp: Option<&str>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let csp = csp.map_or_else(
        || HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        |c| HeaderValue::from_str(c).unwrap_or(HeaderValue::from_static("default-src 'none'")),
    );
    headers.insert(CONTENT_SECURITY_POLICY, csp);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five() {
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
    }

    #[test]
    fn the_script_hash_is_of_saml_cores_form() {
        let form = binding::post_form("https://idp.example/sso", "SAMLRequest", "AA==", None);
        assert!(
            form.contains(&format!("<script>{AUTO_SUBMIT}</script>")),
            "saml-core's auto-POST script changed: update AUTO_SUBMIT"
        );
    }
}
