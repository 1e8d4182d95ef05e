//! What a hostile client sends to the SAML routes, and what it gets: each test names the
//! defence it checks. The routes run in process (`tower::ServiceExt::oneshot`), against the
//! example's test IdP.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::http::StatusCode;
use saml_axum::{LoginRefused, SESSION_COOKIE, SamlSp};
use saml_core::prelude::*;
use saml_core::saml::replay::{AsyncReplayCache, AsyncRequestStore, ReplayOutcome};

mod common;
use common::*;

/// Values a browser (or a layer in front of the application) could read as another site.
const OPEN_REDIRECTS: &[&str] = &[
    "https://evil.example/",
    "http:evil.example",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/app\\..\\\\evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:x=y",
    "javascript:alert(1)",
    "evil.example",
];

#[tokio::test]
async fn sp_initiated_login_sets_a_session_and_returns_to_the_path() {
    let (idp, _, router) = setup();
    let (cookie, request) = start_login(&router, &idp, "/app?tab=1").await;
    assert!(cookie.starts_with("saml_req__"), "{cookie}");
    let xml = idp.issue("alice@example.com", Some(&request));
    let answer = send(
        &router,
        acs_post(&xml, request.relay_state.as_deref(), Some(&cookie)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), "/app?tab=1");
    let set = answer.set_cookies();
    let session = set
        .iter()
        .find(|c| c.starts_with("saml_session="))
        .expect("a session cookie");
    for flag in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Max-Age=28800",
        "Path=/",
    ] {
        assert!(session.contains(flag), "{flag} in {session}");
    }
    assert!(
        set.iter()
            .any(|c| c.starts_with("saml_req__") && c.contains("Max-Age=0")),
        "the request cookie is cleared: {set:?}"
    );
    let page = send(&router, get("/app", Some(&answer.cookie_header()))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, "hello alice@example.com");
}

#[tokio::test]
async fn the_request_cookie_rides_on_a_cross_site_post_over_https() {
    let (_, _, router) = setup();
    let answer = send(&router, get("/saml/login", None)).await;
    let set = answer.set_cookies();
    assert_eq!(set.len(), 1, "{set:?}");
    for flag in [
        "HttpOnly",
        "Secure",
        "SameSite=None",
        "Path=/saml",
        "Max-Age=600",
    ] {
        assert!(set[0].contains(flag), "{flag} in {}", set[0]);
    }
}

#[tokio::test]
async fn open_redirects_in_return_to_are_refused() {
    let (_, _, router) = setup();
    for hostile in OPEN_REDIRECTS {
        let uri = format!("/saml/login?return_to={}", binding::url_encode(hostile));
        let answer = send(&router, get(&uri, None)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{hostile:?}: {}",
            answer.body
        );
        assert_eq!(answer.kind(), "unsafe_return_to", "{hostile:?}");
        assert!(
            answer.set_cookies().is_empty(),
            "no request started for {hostile:?}"
        );
        assert_eq!(answer.location(), "");
    }
}

#[tokio::test]
async fn open_redirects_in_relay_state_are_refused() {
    let (idp, _, router) = setup();
    for hostile in OPEN_REDIRECTS {
        let xml = idp.issue("alice@example.com", None);
        let answer = send(&router, acs_post(&xml, Some(hostile), None)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{hostile:?}: {}",
            answer.body
        );
        assert_eq!(answer.kind(), "unsafe_return_to", "{hostile:?}");
        assert!(
            answer.set_cookies().is_empty(),
            "no session for {hostile:?}"
        );
    }
    // A relative RelayState is followed.
    let xml = idp.issue("alice@example.com", None);
    let answer = send(&router, acs_post(&xml, Some("/app/reports?q=1"), None)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), "/app/reports?q=1");
}

#[tokio::test]
async fn a_replayed_post_is_refused() {
    let (idp, _, router) = setup();
    let xml = idp.issue("alice@example.com", None);
    let first = send(&router, acs_post(&xml, None, None)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = send(&router, acs_post(&xml, None, None)).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
    assert_eq!(again.kind(), "replay");
    assert!(again.set_cookies().is_empty());
}

#[tokio::test]
async fn a_replayed_sp_initiated_post_is_refused() {
    let (idp, _, router) = setup();
    let (cookie, request) = start_login(&router, &idp, "/app").await;
    let xml = idp.issue("alice@example.com", Some(&request));
    let first = send(&router, acs_post(&xml, None, Some(&cookie))).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // The same browser posts it again (back button, resubmit), cookie and all.
    let again = send(&router, acs_post(&xml, None, Some(&cookie))).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
    assert_eq!(
        again.kind(),
        "unknown_in_response_to",
        "the request is single use"
    );
}

#[tokio::test]
async fn a_tampered_response_gets_the_error_page() {
    let (idp, _, router) = setup();
    let xml = test_idp::tamper(&idp.issue("alice@example.com", None));
    assert!(xml.contains("mallory@evil.example"));
    let answer = send(&router, acs_post(&xml, None, None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "digest_mismatch");
    assert!(
        answer.body.contains("<h1>Login refused</h1>"),
        "{}",
        answer.body
    );
    assert!(answer.set_cookies().is_empty());
}

#[tokio::test]
async fn a_response_for_a_request_started_in_another_browser_is_refused() {
    let (idp, _, router) = setup();
    let (victim_cookie, victim_request) = start_login(&router, &idp, "/app").await;
    let (attacker_cookie, _) = start_login(&router, &idp, "/app").await;
    let xml = idp.issue("alice@example.com", Some(&victim_request));
    let victim_value = victim_cookie.split_once('=').expect("pair").1;
    let attacker_value = attacker_cookie.split_once('=').expect("pair").1;
    let victim_name = victim_cookie.split_once('=').expect("pair").0;
    let hostile_cookies = [
        None,
        Some(attacker_cookie.clone()),
        // The attacker's signed value under the victim's cookie name.
        Some(format!("{victim_name}={attacker_value}")),
        // The victim's value with its MAC altered.
        Some(format!(
            "{victim_name}={}A",
            &victim_value[..victim_value.len() - 1]
        )),
        Some(format!("{victim_name}=")),
    ];
    for cookie in &hostile_cookies {
        let answer = send(&router, acs_post(&xml, None, cookie.as_deref())).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{cookie:?}: {}",
            answer.body
        );
        assert_eq!(answer.kind(), "unknown_in_response_to", "{cookie:?}");
        assert!(
            answer.body.contains("not started in this browser"),
            "{}",
            answer.body
        );
        assert!(answer.set_cookies().is_empty(), "{cookie:?}");
    }
    // None of that consumed the victim's request: their own browser still logs in.
    let answer = send(&router, acs_post(&xml, None, Some(&victim_cookie))).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
}

#[tokio::test]
async fn a_request_cookie_from_another_key_is_refused() {
    let (idp, saml, router) = setup();
    let (cookie, request) = start_login(&router, &idp, "/app").await;
    // A second SP instance with its own random key did not start that request.
    let other = app(&SamlSp::new(
        service_provider(&idp, Binding::HttpRedirect),
        Arc::clone(saml.store()),
    )
    .expect("sp"));
    let xml = idp.issue("alice@example.com", Some(&request));
    let answer = send(&other, acs_post(&xml, None, Some(&cookie))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "unknown_in_response_to");
}

/// Logs in and returns the session cookie's `name=value`.
async fn session_cookie(router: &axum::Router, idp: &TestIdp) -> String {
    let xml = idp.issue("alice@example.com", None);
    let answer = send(router, acs_post(&xml, None, None)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    answer.cookie_header()
}

#[tokio::test]
async fn forged_or_tampered_session_cookies_are_refused() {
    let (idp, _, router) = setup();
    let good = session_cookie(&router, &idp).await;
    let ok = send(&router, get("/app", Some(&good))).await;
    assert_eq!(ok.status, StatusCode::OK);

    let value = good.split_once('=').expect("pair").1;
    let (payload, tag) = value.split_once('.').expect("payload.tag");
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let json = String::from_utf8(engine.decode(payload).expect("b64")).expect("json");
    let forged_payload = engine.encode(json.replace("alice@example.com", "admin@example.com"));
    let other_router =
        app(&SamlSp::in_memory(service_provider(&idp, Binding::HttpRedirect)).expect("sp"));
    let other_key = session_cookie(&other_router, &idp).await;
    let forged = [
        format!("{SESSION_COOKIE}={forged_payload}.{tag}"),
        format!("{SESSION_COOKIE}={forged_payload}"),
        format!("{SESSION_COOKIE}={payload}.{}", &tag[1..]),
        format!("{SESSION_COOKIE}={}", engine.encode(json.as_bytes())),
        format!("{SESSION_COOKIE}=."),
        // Another instance's valid cookie (another key).
        other_key,
        // A request cookie's name carries its value's MAC: renamed, it is no session.
        format!("saml_req_x={value}"),
    ];
    for cookie in &forged {
        let page = send(&router, get("/app", Some(cookie))).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{cookie}: {}",
            page.body
        );
        assert_eq!(page.location(), "/saml/login?return_to=%2Fapp");
        let post = send(&router, raw_post("/app", String::new(), Some(cookie))).await;
        assert_eq!(post.status, StatusCode::UNAUTHORIZED, "{cookie}");
    }
}

#[tokio::test]
async fn an_expired_session_cookie_is_refused() {
    let idp = idp_for(SP_ORIGIN);
    let clock = Arc::new(AtomicI64::new(0));
    let read = Arc::clone(&clock);
    let real = DateTime::from_system_time(std::time::SystemTime::now()).unix_seconds();
    let saml = SamlSp::in_memory(service_provider(&idp, Binding::HttpRedirect))
        .expect("sp")
        .with_session_lifetime(std::time::Duration::from_secs(60))
        .with_clock(move || DateTime::from_unix_seconds(real + read.load(Ordering::SeqCst)));
    let router = app(&saml);
    let cookie = session_cookie(&router, &idp).await;
    assert_eq!(
        send(&router, get("/app", Some(&cookie))).await.status,
        StatusCode::OK
    );
    clock.store(61, Ordering::SeqCst);
    let page = send(&router, get("/app", Some(&cookie))).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "expired: the browser kept it past Max-Age"
    );
}

#[tokio::test]
async fn an_oversized_post_is_refused_before_decoding() {
    let idp = idp_for(SP_ORIGIN);
    let saml = SamlSp::in_memory(service_provider(&idp, Binding::HttpRedirect))
        .expect("sp")
        .with_max_body(64 * 1024);
    let router = app(&saml);
    let body = format!("SAMLResponse={}", "A".repeat(64 * 1024));
    let answer = send(&router, raw_post("/saml/acs", body, None)).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.body
    );
    assert_eq!(answer.kind(), "body_too_large");
    // Just under the limit, the body is read (and refused for what it is).
    let body = format!("SAMLResponse={}", "A".repeat(60 * 1024));
    let answer = send(&router, raw_post("/saml/acs", body, None)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
}

#[tokio::test]
async fn hostile_values_on_the_error_page_are_escaped() {
    let (idp, _, router) = setup();
    let xss = "/<script>alert(1)</script>";
    let xml = idp.issue("alice@example.com", None);
    let answer = send(&router, acs_post(&xml, Some(&format!("/\\{xss}")), None)).await;
    assert_eq!(answer.kind(), "unsafe_return_to");
    assert!(!answer.body.contains("<script>"), "{}", answer.body);
    assert!(
        answer
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        answer.body
    );

    // A hostile Issuer inside a validly signed Response, named by the issuer_mismatch message.
    let hostile_issuer = "<img src=x onerror=alert(1)>\"'&";
    // Signed with the trusted key by an IdP whose entity ID is hostile: the signature
    // verifies, the Issuer does not match, and the message quotes it.
    let hostile_idp = saml_core::saml::idp::IdentityProvider::new(
        hostile_issuer,
        SSO_URL,
        saml_core::dsig::Signer::new(
            SigningKey::from_pem(test_idp::IDP_KEY, None).expect("key"),
            Some(Certificate::from_pem(test_idp::IDP_CERT, None).expect("cert")),
        ),
    );
    let peer = SpPeer::new(
        format!("{SP_ORIGIN}/saml/metadata"),
        format!("{SP_ORIGIN}/saml/acs"),
        vec![TrustAnchor::from_any(test_idp::SP_CERT, None).expect("cert")],
    )
    .expect("peer");
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    let xml = hostile_idp
        .issue(&peer, &Subject::new("alice@example.com"), None, now)
        .expect("issue");
    let answer = send(&router, acs_post(&xml, None, None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "issuer_mismatch");
    assert!(!answer.body.contains("<img"), "{}", answer.body);
    assert!(
        answer
            .body
            .contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"),
        "{}",
        answer.body
    );
}

/// A store that cannot answer.
struct DownStore;

fn down() -> StoreError {
    StoreError::Unavailable {
        detail: "connection refused".to_owned(),
    }
}

impl AsyncReplayCache for DownStore {
    async fn insert_if_absent(
        &self,
        _key: &str,
        _expires: DateTime,
        _now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        Err(down())
    }
}

impl AsyncRequestStore for DownStore {
    async fn insert(
        &self,
        _id: &str,
        _expires: DateTime,
        _now: DateTime,
    ) -> Result<(), StoreError> {
        Err(down())
    }

    async fn take(&self, _id: &str, _now: DateTime) -> Result<bool, StoreError> {
        Err(down())
    }
}

#[tokio::test]
async fn a_store_failure_is_503_and_no_login() {
    let idp = idp_for(SP_ORIGIN);
    let saml = SamlSp::new(
        service_provider(&idp, Binding::HttpRedirect),
        Arc::new(DownStore),
    )
    .expect("sp");
    let router = app(&saml);

    let xml = idp.issue("alice@example.com", None);
    let answer = send(&router, acs_post(&xml, None, None)).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert_eq!(answer.kind(), "replay_store_unavailable");
    assert!(answer.set_cookies().is_empty());

    let answer = send(&router, get("/saml/login?return_to=/app", None)).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert_eq!(answer.kind(), "request_store_unavailable");
    assert!(
        answer.set_cookies().is_empty(),
        "no request cookie for an unrecorded request"
    );
    assert_eq!(answer.location(), "", "the request is not sent");
}

#[tokio::test]
async fn the_on_login_hook_may_refuse() {
    let idp = idp_for(SP_ORIGIN);
    let saml = SamlSp::in_memory(service_provider(&idp, Binding::HttpRedirect))
        .expect("sp")
        .with_on_login(|a: &VerifiedAssertion| {
            if a.attribute("groups")
                .is_some_and(|g| g.iter().any(|v| v == "Admins"))
            {
                Ok(())
            } else {
                Err(LoginRefused::new(format!(
                    "{} is not in <Admins>",
                    a.name_id().value
                )))
            }
        });
    let router = app(&saml);
    let xml = idp.issue("alice@example.com", None);
    let answer = send(&router, acs_post(&xml, None, None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "login_refused");
    assert!(
        answer
            .body
            .contains("alice@example.com is not in &lt;Admins&gt;")
    );
    assert!(answer.set_cookies().is_empty(), "no session");
}

#[tokio::test]
async fn malformed_input_is_400() {
    let (idp, _, router) = setup();
    for body in [
        "SAMLResponse=%%%",
        "SAMLResponse=PHg%2B",
        "nothing=1",
        "SAMLResponse=",
        "SAMLResponse=PHg%2B&SAMLResponse=PHg%2B",
    ] {
        let answer = send(&router, raw_post("/saml/acs", body.to_owned(), None)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.body
        );
    }
    // The same valid Response twice in one form: refused, not read one way or the other.
    let xml = binding::url_encode(&binding::encode_post(
        idp.issue("alice@example.com", None).as_bytes(),
    ));
    let body = format!("SAMLResponse={xml}&SAMLResponse={xml}");
    let answer = send(&router, raw_post("/saml/acs", body, None)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.kind(), "bad_form");
    // Not a form at all.
    let json = axum::http::Request::post("/saml/acs")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(format!(
            "{{\"SAMLResponse\":\"{xml}\"}}"
        )))
        .expect("request");
    let answer = send(&router, json).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.kind(), "bad_form");
    // The same Response alone is accepted: the refusals above were for the form's shape.
    let body = format!("SAMLResponse={xml}");
    let answer = send(&router, raw_post("/saml/acs", body, None)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
}

#[tokio::test]
async fn metadata_post_login_and_the_logout_path() {
    let idp = idp_for(SP_ORIGIN);
    let saml = SamlSp::in_memory(service_provider(&idp, Binding::HttpPost)).expect("sp");
    let router = app(&saml);
    let metadata = send(&router, get("/saml/metadata", None)).await;
    assert_eq!(metadata.status, StatusCode::OK);
    assert_eq!(
        metadata
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/samlmetadata+xml")
    );
    assert!(metadata.body.contains("/saml/acs"));

    let login = send(&router, get("/saml/login?return_to=/app", None)).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login.body.contains("name=\"SAMLRequest\""),
        "{}",
        login.body
    );
    let csp = login
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");

    // The Single Logout URL answers a GET without a message as a bad logout request.
    let slo = send(&router, get("/saml/slo", None)).await;
    assert_eq!(slo.status, StatusCode::BAD_REQUEST);
    assert_eq!(slo.kind(), "bad_logout_message");
}

#[test]
fn an_acs_url_off_the_route_is_a_config_error() {
    let idp = TestIdp::new(SSO_URL, "https://sp.example/md", "https://sp.example/acs");
    let err = SamlSp::in_memory(service_provider(&idp, Binding::HttpRedirect)).expect_err("path");
    assert!(err.to_string().contains("`/acs`"), "{err}");
    assert!(err.to_string().contains("/saml/acs"), "{err}");
}
