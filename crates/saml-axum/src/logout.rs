//! Single Logout: not implemented yet. This module is the seam it will fill.
//!
//! [`SLO_PATH`] (`/saml/slo`) is reserved: [`SamlSp::router`](crate::SamlSp::router) routes it
//! to an honest `501 Not Implemented` page, so no application route can take the path and
//! nothing pretends that a logout happened. When saml-core has Single Logout (SP-initiated
//! `LogoutRequest` out, `LogoutResponse` in; IdP-initiated `LogoutRequest` in, signed
//! `LogoutResponse` out), this module will:
//!
//! - `GET /saml/logout` (local route): build and sign a `LogoutRequest` from the session's
//!   [`Principal`](crate::Principal) (NameID with its qualifiers and the SessionIndex, both
//!   kept in the session cookie for this), record its ID in the same request store, clear the
//!   session cookie and send the browser to the IdP (Redirect or POST, as the settings say);
//! - `GET|POST /saml/slo`: verify a `LogoutResponse` (signature, Issuer, Destination,
//!   InResponseTo single use through the store, Status) or an IdP-initiated `LogoutRequest`.
//!   The latter arrives in an invisible iframe without the session cookie (Okta sends it so),
//!   so ending the sessions it names needs a server-side index from (NameID, SessionIndex) to
//!   sessions: a store trait beside `AsyncReplayCache`/`AsyncRequestStore`, and sessions that
//!   a cookie alone cannot revoke. Until then the stateless session cookie ends only by expiry
//!   or by the application clearing it.

use axum::http::StatusCode;
use axum::response::Response;

use crate::page::{escape, html};

/// The Single Logout endpoint's path, reserved for it.
pub const SLO_PATH: &str = "/saml/slo";

/// What `/saml/slo` answers until Single Logout exists.
pub(crate) async fn not_implemented() -> Response {
    html(
        StatusCode::NOT_IMPLEMENTED,
        format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Not implemented</title>\n\
             </head>\n<body>\n<h1>Single Logout is not implemented</h1>\n<p>{}</p>\n</body>\n</html>\n",
            escape(
                "This service provider cannot process LogoutRequest or LogoutResponse messages \
                 yet; your session here was not ended."
            )
        ),
        None,
    )
}
