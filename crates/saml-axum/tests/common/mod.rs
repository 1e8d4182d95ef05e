//! Shared by the saml-axum test targets: the example's test IdP, an SP that trusts it, and
//! helpers that drive the router in process (`tower::ServiceExt::oneshot`).
#![allow(
    dead_code,
    reason = "each test target uses a different subset of these helpers"
)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, Request, StatusCode};
use saml_axum::{SamlSession, SamlSp, Store};
use saml_core::prelude::*;
use saml_core::saml::idp::ReceivedRequest;
use tower::ServiceExt as _;

#[path = "../../../../examples/axum-sp/test_idp.rs"]
pub mod test_idp;

pub use test_idp::TestIdp;

/// The SP's origin in the in-process tests (https, so cookies are `Secure`).
pub const SP_ORIGIN: &str = "https://sp.test.invalid";
/// The test IdP's SSO URL in the in-process tests.
pub const SSO_URL: &str = "https://idp.test.invalid/sso";

/// The test IdP for an SP at `sp_origin`.
pub fn idp_for(sp_origin: &str) -> Arc<TestIdp> {
    Arc::new(TestIdp::new(
        SSO_URL,
        &format!("{sp_origin}/saml/metadata"),
        &format!("{sp_origin}/saml/acs"),
    ))
}

/// The service provider trusting `idp`, its AuthnRequests going by `binding`.
pub fn service_provider(idp: &TestIdp, binding: Binding) -> ServiceProvider {
    ServiceProvider::new(idp.settings(binding), idp.sp_settings()).expect("settings")
}

/// The application: a protected page `/app` showing the NameID, and the SAML routes.
pub fn app<S: Store>(saml: &SamlSp<S>) -> Router {
    Router::new()
        .route(
            "/app",
            axum::routing::get(|SamlSession(who): SamlSession| async move {
                format!("hello {}", who.name_id)
            })
            .post(|SamlSession(who): SamlSession| async move { who.name_id }),
        )
        .merge(saml.router())
        .layer(saml.layer())
}

/// The test IdP, an in-memory SP and its application.
pub fn setup() -> (Arc<TestIdp>, SamlSp, Router) {
    let idp = idp_for(SP_ORIGIN);
    let saml = SamlSp::in_memory(service_provider(&idp, Binding::HttpRedirect)).expect("sp");
    let router = app(&saml);
    (idp, saml, router)
}

/// A response's status, headers and body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The `Location` header.
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The cookies a browser would now send (`name=value` of each Set-Cookie that does not
    /// delete), as one Cookie header.
    pub fn cookie_header(&self) -> String {
        self.set_cookies()
            .iter()
            .filter(|c| !c.contains("Max-Age=0"))
            .filter_map(|c| c.split(';').next().map(str::to_owned))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The error kind the error page names.
    pub fn kind(&self) -> &str {
        self.body
            .split("<code id=\"kind\">")
            .nth(1)
            .and_then(|rest| rest.split("</code>").next())
            .unwrap_or_default()
    }
}

/// Sends `request` through `router`.
pub async fn send(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A GET with an optional Cookie header.
pub fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(c) = cookie {
        b = b.header(COOKIE, c);
    }
    b.body(Body::empty()).expect("request")
}

/// The ACS POST of `response_xml` (base64, as the HTTP-POST binding sends it).
pub fn acs_post(
    response_xml: &str,
    relay_state: Option<&str>,
    cookie: Option<&str>,
) -> Request<Body> {
    let mut body = format!(
        "SAMLResponse={}",
        binding::url_encode(&binding::encode_post(response_xml.as_bytes()))
    );
    if let Some(rs) = relay_state {
        body.push_str("&RelayState=");
        body.push_str(&binding::url_encode(rs));
    }
    raw_post("/saml/acs", body, cookie)
}

/// A form POST with this exact body.
pub fn raw_post(uri: &str, body: String, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::post(uri).header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(COOKIE, c);
    }
    b.body(Body::from(body)).expect("request")
}

/// Starts an SP-initiated login (HTTP-Redirect binding): the browser's request cookie and
/// the AuthnRequest as the IdP verified it.
pub async fn start_login(
    router: &Router,
    idp: &TestIdp,
    return_to: &str,
) -> (String, ReceivedRequest) {
    let answer = send(
        router,
        get(
            &format!("/saml/login?return_to={}", binding::url_encode(return_to)),
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let query = answer
        .location()
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .expect("a query");
    let request = idp
        .receive_redirect(&query)
        .expect("the IdP accepts the signed request");
    (answer.cookie_header(), request)
}
