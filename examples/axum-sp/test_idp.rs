//! A test identity provider built on saml-core's IdP side, for the `axum-sp` example and the
//! saml-axum tests. **Not for production:** its keys are the repository's test keys, and it
//! signs in anyone who types a name.
//!
//! Routes:
//! - `GET /sso` (HTTP-Redirect AuthnRequest) and `POST /sso` (HTTP-POST AuthnRequest): verify
//!   the request, then show a sign-in form;
//! - `GET /idp-init`: a form for an IdP-initiated login (user, RelayState, and a box that
//!   tampers with the signed Response, to show the SP's error page);
//! - `POST /issue`: issue the signed Response and auto-POST it to the SP's ACS;
//! - `GET /last`: the last auto-POST page again (the same Response: the SP must refuse it as a
//!   replay);
//! - `GET|POST /slo`: the IdP's Single Logout service, on saml-core's IdP logout API: an SP's
//!   LogoutRequest is verified, recorded against replay and answered with a signed Success
//!   LogoutResponse (the IdP keeps no sessions of its own); a LogoutResponse is verified,
//!   matched single use and shown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use saml_core::dsig::Signer;
use saml_core::prelude::*;
use saml_core::saml::idp::ReceivedRequest;
use saml_core::saml::logout::{
    Delivery, InMemorySessionRegistry, Incoming, LogoutResponse, LogoutStatus, OutgoingLogout,
    Participant, ReceivedLogout, SessionRegistry,
};
use serde::Deserialize;

/// The test IdP's entity ID.
pub const IDP_ISSUER: &str = "https://idp.test.invalid/saml2";

/// The IdP's signing key and certificate (RSA-2048, test keys of saml-core).
pub const IDP_KEY: &[u8] = include_bytes!("../../crates/saml-core/testdata/rsa2048.pk8.pem");
/// See [`IDP_KEY`].
pub const IDP_CERT: &[u8] = include_bytes!("../../crates/saml-core/testdata/rsa2048.cert.pem");
/// The SP's AuthnRequest signing key and certificate (RSA-3072, test keys of saml-core).
pub const SP_KEY: &[u8] = include_bytes!("../../crates/saml-core/testdata/rsa3072.pk8.pem");
/// See [`SP_KEY`].
pub const SP_CERT: &[u8] = include_bytes!("../../crates/saml-core/testdata/rsa3072.cert.pem");

/// The NameID Format the test IdP issues.
pub const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

/// A test IdP for one SP.
pub struct TestIdp {
    idp: IdentityProvider,
    peer: SpPeer,
    /// The IdP's logout state: LogoutRequests it sent (pending) and received (replay).
    logout_store: InMemoryStore,
    registry: InMemorySessionRegistry,
    pending: Mutex<HashMap<String, ReceivedRequest>>,
    last_form: Mutex<Option<String>>,
    next: Mutex<u64>,
}

fn now() -> DateTime {
    DateTime::from_system_time(std::time::SystemTime::now())
}

impl TestIdp {
    /// An IdP whose SSO URL is `sso_url`, for the SP `sp_entity_id` with ACS `acs_url`, whose
    /// AuthnRequests must be signed with [`SP_KEY`].
    ///
    /// Single Logout: the IdP's service is `sso_url` with `sso` replaced by `slo`, the SP's
    /// is `acs_url` with `acs` replaced by `slo`, reached by HTTP-Redirect (see
    /// [`with_sp_logout_binding`](Self::with_sp_logout_binding)).
    pub fn new(sso_url: &str, sp_entity_id: &str, acs_url: &str) -> Self {
        Self::signed_by(sso_url, sp_entity_id, acs_url, IDP_KEY, IDP_CERT)
    }

    /// As [`new`](Self::new), signing with another key (an attacker's, in the tests).
    pub fn signed_by(
        sso_url: &str,
        sp_entity_id: &str,
        acs_url: &str,
        key_pem: &[u8],
        cert_pem: &[u8],
    ) -> Self {
        let key = SigningKey::from_pem(key_pem, Some("idp key")).expect("test key");
        let cert = Certificate::from_pem(cert_pem, Some("idp cert")).expect("test cert");
        let idp = IdentityProvider::new(IDP_ISSUER, sso_url, Signer::new(key, Some(cert)))
            .with_sign_target(SignTarget::Both)
            .with_single_logout_url(slo_of(sso_url, "sso"));
        let sp_anchor = TrustAnchor::from_any(SP_CERT, Some("sp cert")).expect("test cert");
        let peer = SpPeer::new(sp_entity_id, acs_url, vec![sp_anchor])
            .expect("one anchor")
            .with_single_logout_service(slo_of(acs_url, "acs"), Binding::HttpRedirect);
        Self {
            idp,
            peer,
            logout_store: InMemoryStore::default(),
            registry: InMemorySessionRegistry::default(),
            pending: Mutex::new(HashMap::new()),
            last_form: Mutex::new(None),
            next: Mutex::new(0),
        }
    }

    /// Sends this IdP's logout messages to the SP by `binding` (default: HTTP-Redirect).
    pub fn with_sp_logout_binding(mut self, binding: Binding) -> Self {
        let slo = slo_of(self.peer.acs_url(), "acs");
        self.peer = self.peer.with_single_logout_service(slo, binding);
        self
    }

    /// The IdP settings an SP needs to trust this IdP (requests signed, AuthnRequests and
    /// LogoutRequests by `binding`).
    pub fn settings(&self, binding: Binding) -> IdpSettings {
        IdpSettings::new(
            IDP_ISSUER,
            self.idp.sso_url(),
            vec![TrustAnchor::from_any(IDP_CERT, Some("idp cert")).expect("test cert")],
        )
        .with_sso_binding(binding)
        .with_sign_requests(true)
        .with_single_logout_service(self.idp.single_logout_url().unwrap_or_default(), binding)
    }

    /// An IdP-initiated LogoutRequest to the SP for `user`'s session `session_index`, signed,
    /// its ID pending at the IdP.
    pub fn logout_request(&self, user: &str, session_index: &str) -> OutgoingLogout {
        let mut next = self.next.lock().expect("lock");
        *next += 1;
        let session = format!("logout{next}");
        drop(next);
        let name_id = NameId::new(user).with_format(EMAIL);
        let participant = Participant::new(self.peer.entity_id(), &name_id, session_index);
        self.registry.record(&session, participant).expect("room");
        let mut propagation = self
            .idp
            .start_logout(&session, &self.registry, None)
            .expect("registry");
        let mut out = self
            .idp
            .logout_requests(
                &mut propagation,
                std::slice::from_ref(&self.peer),
                &self.logout_store,
                now(),
            )
            .expect("test IdP signs");
        out.pop().expect("one LogoutRequest")
    }

    /// A signed LogoutResponse to the SP answering `in_response_to` (whatever it is).
    pub fn logout_response_to(
        &self,
        in_response_to: &str,
        status: &LogoutStatus,
        relay_state: Option<&str>,
    ) -> OutgoingLogout {
        self.idp
            .logout_response(&self.peer, in_response_to, status, relay_state, now())
            .expect("test IdP signs")
    }

    /// Verifies the SP's LogoutResponse to one of this IdP's LogoutRequests and matches it
    /// (single use).
    pub fn finish_logout(&self, incoming: &Incoming<'_>) -> Result<LogoutResponse, SamlError> {
        match self.receive_logout(incoming)? {
            ReceivedLogout::Response(pending) => pending.commit(&self.logout_store),
            _ => Err(SamlError::NotALogoutMessage {
                expected: "LogoutResponse",
                found: "LogoutRequest".to_owned(),
            }),
        }
    }

    /// Verifies a logout message from the SP at the IdP's Single Logout service.
    pub fn receive_logout(&self, incoming: &Incoming<'_>) -> Result<ReceivedLogout, SamlError> {
        self.idp
            .receive_logout(std::slice::from_ref(&self.peer), incoming, now())
    }

    /// Verifies and commits the SP's LogoutRequest and answers it with `status`, signed.
    pub fn answer_logout(
        &self,
        incoming: &Incoming<'_>,
        status: &LogoutStatus,
    ) -> Result<OutgoingLogout, SamlError> {
        let ReceivedLogout::Request(pending) = self.receive_logout(incoming)? else {
            return Err(SamlError::NotALogoutMessage {
                expected: "LogoutRequest",
                found: "LogoutResponse".to_owned(),
            });
        };
        let request = pending.commit(&self.logout_store)?;
        self.idp.logout_response(
            &self.peer,
            request.id(),
            status,
            request.relay_state(),
            now(),
        )
    }

    /// The SP settings matching this IdP's peer (request signing key included), unsolicited
    /// Responses allowed.
    pub fn sp_settings(&self) -> SpSettings {
        SpSettings::new(self.peer.entity_id(), self.peer.acs_url())
            .with_single_logout_url(slo_of(self.peer.acs_url(), "acs"))
            .with_signing_key(
                SigningKey::from_pem(SP_KEY, Some("sp key")).expect("test key"),
                Certificate::from_pem(SP_CERT, Some("sp cert")).expect("test cert"),
            )
            .with_unsolicited(true)
    }

    /// Verifies an AuthnRequest by HTTP-Redirect (`query` as received).
    pub fn receive_redirect(&self, query: &str) -> Result<ReceivedRequest, SamlError> {
        self.idp.receive_redirect(&self.peer, query, now())
    }

    /// Issues a signed Response for `user` (to `request`, or unsolicited).
    pub fn issue(&self, user: &str, request: Option<&ReceivedRequest>) -> String {
        let subject = Subject::new(user)
            .with_format(EMAIL)
            .with_attribute("groups", vec!["Everyone".into(), "Engineering".into()]);
        self.idp
            .issue(&self.peer, &subject, request, now())
            .expect("test IdP issues")
    }

    /// The auto-POST page that delivers `xml` to the SP.
    pub fn post_form(&self, xml: &str, relay_state: Option<&str>) -> String {
        self.idp.post_form(&self.peer, xml, relay_state)
    }

    fn hold(&self, request: ReceivedRequest) -> String {
        let mut next = self.next.lock().expect("lock");
        *next += 1;
        let token = format!("r{next}");
        self.pending
            .lock()
            .expect("lock")
            .insert(token.clone(), request);
        token
    }
}

/// `url` with its trailing `suffix` replaced by `slo`.
fn slo_of(url: &str, suffix: &str) -> String {
    format!("{}slo", url.strip_suffix(suffix).unwrap_or(url))
}

/// Changes the NameID of a signed Response (after signing): the SP must refuse it.
pub fn tamper(xml: &str) -> String {
    let Some(start) = xml.find("<saml:NameID") else {
        return xml.to_owned();
    };
    let Some(open_end) = xml[start..].find('>').map(|i| start + i + 1) else {
        return xml.to_owned();
    };
    let Some(close) = xml[open_end..].find("</saml:NameID>").map(|i| open_end + i) else {
        return xml.to_owned();
    };
    format!("{}mallory@evil.example{}", &xml[..open_end], &xml[close..])
}

/// The IdP's routes.
pub fn router(idp: Arc<TestIdp>) -> Router {
    Router::new()
        .route("/sso", get(sso_redirect).post(sso_post))
        .route("/idp-init", get(idp_init))
        .route("/issue", post(issue))
        .route("/last", get(last))
        .route("/slo", get(slo_redirect).post(slo_post))
        .with_state(idp)
}

fn page(body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Test IdP</title>\n\
         </head>\n<body>\n<h1>Test IdP (not for production)</h1>\n{body}\n</body>\n</html>\n"
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn sign_in_form(token: &str, issuer: &str) -> Html<String> {
    page(&format!(
        "<p>Sign in to <code>{}</code></p>\n<form method=\"post\" action=\"/issue\">\n\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\n\
         <label>User <input id=\"user\" name=\"user\" value=\"alice@example.com\"></label>\n\
         <button id=\"sign-in\" type=\"submit\">Sign in</button>\n</form>",
        escape(issuer),
        escape(token)
    ))
}

fn refused(e: &SamlError) -> Response {
    (
        StatusCode::BAD_REQUEST,
        page(&format!(
            "<p>AuthnRequest refused: <code>{}</code>: {}</p>",
            e.kind().as_str(),
            escape(&e.to_string())
        )),
    )
        .into_response()
}

async fn sso_redirect(State(idp): State<Arc<TestIdp>>, RawQuery(query): RawQuery) -> Response {
    match idp.receive_redirect(query.as_deref().unwrap_or_default()) {
        Ok(request) => {
            let issuer = request.issuer.clone();
            sign_in_form(&idp.hold(request), &issuer).into_response()
        }
        Err(e) => refused(&e),
    }
}

#[derive(Deserialize)]
struct SsoPost {
    #[serde(rename = "SAMLRequest")]
    saml_request: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

async fn sso_post(State(idp): State<Arc<TestIdp>>, Form(form): Form<SsoPost>) -> Response {
    let received = binding::decode(form.saml_request.as_bytes(), &DecodeLimits::default())
        .map_err(SamlError::from)
        .and_then(|d| {
            idp.idp
                .receive_post(&idp.peer, &d.xml, form.relay_state.as_deref(), now())
        });
    match received {
        Ok(request) => {
            let issuer = request.issuer.clone();
            sign_in_form(&idp.hold(request), &issuer).into_response()
        }
        Err(e) => refused(&e),
    }
}

async fn idp_init() -> Html<String> {
    page(
        "<p>IdP-initiated login</p>\n<form method=\"post\" action=\"/issue\">\n\
         <label>User <input id=\"user\" name=\"user\" value=\"alice@example.com\"></label>\n\
         <label>RelayState <input id=\"relay-state\" name=\"relay_state\" value=\"/\"></label>\n\
         <label><input id=\"tamper\" type=\"checkbox\" name=\"tamper\" value=\"1\"> tamper with \
         the signed Response (shows the SP's error page)</label>\n\
         <button id=\"sign-in\" type=\"submit\">Sign in</button>\n</form>",
    )
}

#[derive(Deserialize)]
struct Issue {
    token: Option<String>,
    user: String,
    relay_state: Option<String>,
    tamper: Option<String>,
}

async fn issue(State(idp): State<Arc<TestIdp>>, Form(form): Form<Issue>) -> Response {
    let request = match &form.token {
        Some(token) => match idp.pending.lock().expect("lock").remove(token) {
            Some(r) => Some(r),
            None => {
                return (StatusCode::BAD_REQUEST, page("<p>Unknown request</p>")).into_response();
            }
        },
        None => None,
    };
    let mut xml = idp.issue(&form.user, request.as_ref());
    if form.tamper.is_some() {
        xml = tamper(&xml);
    }
    let relay_state = match &request {
        Some(r) => r.relay_state.clone(),
        None => form.relay_state.filter(|r| !r.is_empty()),
    };
    let html = idp.post_form(&xml, relay_state.as_deref());
    *idp.last_form.lock().expect("lock") = Some(html.clone());
    Html(html).into_response()
}

async fn last(State(idp): State<Arc<TestIdp>>) -> Response {
    match idp.last_form.lock().expect("lock").clone() {
        Some(html) => Html(html).into_response(),
        None => (StatusCode::NOT_FOUND, page("<p>Nothing issued yet</p>")).into_response(),
    }
}

/// The page or redirect that delivers a logout message.
fn deliver(outgoing: &OutgoingLogout) -> Response {
    match &outgoing.delivery {
        Delivery::RedirectUrl(url) => {
            (StatusCode::SEE_OTHER, [("location", url.clone())]).into_response()
        }
        Delivery::PostForm(html) => Html(html.clone()).into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            page("<p>unknown delivery</p>"),
        )
            .into_response(),
    }
}

fn received_logout(idp: &TestIdp, incoming: &Incoming<'_>) -> Response {
    let refused = |e: SamlError| {
        (
            StatusCode::BAD_REQUEST,
            page(&format!(
                "<p>Logout refused: <code id=\"kind\">{}</code>: {}</p>",
                e.kind().as_str(),
                escape(&e.to_string())
            )),
        )
            .into_response()
    };
    match idp.receive_logout(incoming) {
        Ok(ReceivedLogout::Request(pending)) => {
            let answered = pending.commit(&idp.logout_store).and_then(|request| {
                idp.idp.logout_response(
                    &idp.peer,
                    request.id(),
                    &LogoutStatus::success(),
                    request.relay_state(),
                    now(),
                )
            });
            match answered {
                Ok(outgoing) => deliver(&outgoing),
                Err(e) => refused(e),
            }
        }
        Ok(ReceivedLogout::Response(pending)) => match pending.commit(&idp.logout_store) {
            Ok(response) => page(&format!(
                "<p>The SP answered: <code id=\"status\">{}</code></p>",
                escape(&response.status().codes())
            ))
            .into_response(),
            Err(e) => refused(e),
        },
        Ok(_) => refused(SamlError::NotALogoutMessage {
            expected: "LogoutRequest or LogoutResponse",
            found: "something else".to_owned(),
        }),
        Err(e) => refused(e),
    }
}

async fn slo_redirect(State(idp): State<Arc<TestIdp>>, RawQuery(query): RawQuery) -> Response {
    received_logout(
        &idp,
        &Incoming::redirect(query.as_deref().unwrap_or_default()),
    )
}

#[derive(Deserialize)]
struct SloPost {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

async fn slo_post(State(idp): State<Arc<TestIdp>>, Form(form): Form<SloPost>) -> Response {
    let saml = form.saml_request.or(form.saml_response).unwrap_or_default();
    received_logout(&idp, &Incoming::post(&saml, form.relay_state.as_deref()))
}
