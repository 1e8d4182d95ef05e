//! Single Logout through the routes, attacks first: each test names the defence it checks
//! (and `scripts/check_defences.py` removes each defence in turn to see its test fail). The
//! routes run in process (`tower::ServiceExt::oneshot`) against the example's test IdP, which
//! answers with saml-core's IdP logout API.

use axum::http::StatusCode;
use base64::Engine as _;
use saml_axum::{Principal, SESSION_COOKIE};
use saml_core::prelude::*;
use saml_core::saml::logout::{Incoming, LogoutStatus, OutgoingLogout, ReceivedLogout};

mod common;
use common::*;

/// The attacker's key: a valid key pair, just not the IdP's.
const ATTACKER_KEY: &[u8] = test_idp::SP_KEY;
const ATTACKER_CERT: &[u8] = test_idp::SP_CERT;

/// Logs `user` in (IdP-initiated) and returns the browser's session cookie and its principal.
async fn login(router: &axum::Router, idp: &TestIdp, user: &str) -> (String, Principal) {
    let xml = idp.issue(user, None);
    let answer = send(router, acs_post(&xml, None, None)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let cookie = answer.cookie_header();
    let value = cookie
        .strip_prefix(&format!("{SESSION_COOKIE}="))
        .expect("a session cookie");
    let payload = value.split_once('.').expect("payload.tag").0;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("b64");
    (cookie, serde_json::from_slice(&json).expect("principal"))
}

/// Whether the cookie still opens the protected page.
async fn logged_in(router: &axum::Router, cookie: &str) -> bool {
    let page = send(router, get("/app", Some(cookie))).await;
    match page.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(page.location(), "/saml/login?return_to=%2Fapp");
            false
        }
        other => panic!("unexpected {other}: {}", page.body),
    }
}

/// The query of a Redirect-binding message.
fn query_of(outgoing: &OutgoingLogout) -> String {
    let url = outgoing.redirect_url().expect("HTTP-Redirect");
    url.split_once('?').expect("a query").1.to_owned()
}

/// The form value of a POST-binding message.
fn form_value(outgoing: &OutgoingLogout) -> String {
    let html = outgoing.post_form().expect("HTTP-POST");
    let start = html.find("value=\"").expect("a value") + 7;
    let end = start + html[start..].find('"').expect("end");
    html[start..end].to_owned()
}

fn slo_get(query: &str, cookie: Option<&str>) -> axum::http::Request<axum::body::Body> {
    get(&format!("/saml/slo?{query}"), cookie)
}

fn slo_post(
    field: &str,
    value: &str,
    relay_state: Option<&str>,
) -> axum::http::Request<axum::body::Body> {
    let mut body = format!("{field}={}", binding::url_encode(value));
    if let Some(rs) = relay_state {
        body.push_str("&RelayState=");
        body.push_str(&binding::url_encode(rs));
    }
    raw_post("/saml/slo", body, None)
}

/// The test IdP, sending its logout messages to the SP by HTTP-POST, and the SP's app (its
/// messages to the IdP by `sp_binding`).
fn post_logout_setup(sp_binding: Binding) -> (std::sync::Arc<TestIdp>, axum::Router) {
    let idp = std::sync::Arc::new(
        TestIdp::new(
            SSO_URL,
            &format!("{SP_ORIGIN}/saml/metadata"),
            &format!("{SP_ORIGIN}/saml/acs"),
        )
        .with_sp_logout_binding(Binding::HttpPost),
    );
    let saml = saml_axum::SamlSp::in_memory(service_provider(&idp, sp_binding)).expect("sp");
    let router = app(&saml);
    (idp, router)
}

/// The IdP's verdict on the SP's LogoutResponse (verified, matched to the IdP's pending
/// LogoutRequest): its status codes.
fn idp_reads_answer(idp: &TestIdp, answer: &Answer) -> String {
    let location = answer.location();
    assert!(
        location.starts_with("https://idp.test.invalid/slo?"),
        "{location}: {}",
        answer.body
    );
    let query = location.split_once('?').expect("query").1;
    let response = idp
        .finish_logout(&Incoming::redirect(query))
        .expect("signed by the SP, answering the IdP's request");
    response.status().codes()
}

/// Starts an SP-initiated logout of `cookie` to `return_to`; returns the answer (the
/// redirect to the IdP).
async fn start_logout(router: &axum::Router, cookie: &str, return_to: &str) -> Answer {
    let answer = send(
        router,
        get(
            &format!("/saml/logout?return_to={}", binding::url_encode(return_to)),
            Some(cookie),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    answer
}

#[tokio::test]
async fn sp_initiated_logout_round_trip() {
    let (idp, _, router) = setup();
    let (cookie, principal) = login(&router, &idp, "alice@example.com").await;
    assert!(logged_in(&router, &cookie).await);
    let answer = start_logout(&router, &cookie, "/bye?x=1").await;
    // The session cookie is cleared at once...
    let set = answer.set_cookies();
    assert!(
        set.iter()
            .any(|c| c.starts_with("saml_session=;") && c.contains("Max-Age=0")),
        "{set:?}"
    );
    // ...and a copy of it is dead: the session is revoked here before the IdP answers.
    assert!(!logged_in(&router, &cookie).await, "revoked locally");
    // The IdP gets a signed LogoutRequest for the session's NameID and SessionIndex.
    let location = answer.location();
    assert!(
        location.starts_with("https://idp.test.invalid/slo?SAMLRequest="),
        "{location}"
    );
    let query = location.split_once('?').expect("query").1;
    let ReceivedLogout::Request(pending) = idp
        .receive_logout(&Incoming::redirect(query))
        .expect("the IdP verifies the SP's signature")
    else {
        panic!("a LogoutRequest");
    };
    let request = pending.commit(&InMemoryStore::default()).expect("fresh");
    assert_eq!(request.name_id().value, "alice@example.com");
    assert_eq!(request.name_id().format.as_deref(), Some(test_idp::EMAIL));
    assert_eq!(
        request.session_indexes(),
        principal.session_index.iter().cloned().collect::<Vec<_>>()
    );
    assert_eq!(request.relay_state(), Some("/bye?x=1"));
    // The IdP answers (Redirect), and the browser comes back to return_to.
    let response = idp
        .answer_logout(&Incoming::redirect(query), &LogoutStatus::success())
        .expect("the IdP answers");
    let back = send(&router, slo_get(&query_of(&response), None)).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(back.location(), "/bye?x=1");
}

#[tokio::test]
async fn a_logout_response_with_unknown_or_reused_in_response_to_is_refused() {
    let (idp, _, router) = setup();
    // Unknown: no LogoutRequest of ours has this ID.
    let forged = idp.logout_response_to("_never_sent", &LogoutStatus::success(), Some("/"));
    let answer = send(&router, slo_get(&query_of(&forged), None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "unknown_in_response_to");
    assert!(
        answer.body.contains("<h1>Logout refused</h1>"),
        "{}",
        answer.body
    );
    assert_eq!(answer.location(), "");

    // An AuthnRequest ID is not a LogoutRequest ID.
    let (_, authn) = start_login(&router, &idp, "/app").await;
    let crossed = idp.logout_response_to(&authn.id, &LogoutStatus::success(), None);
    let answer = send(&router, slo_get(&query_of(&crossed), None)).await;
    assert_eq!(answer.kind(), "unknown_in_response_to", "{}", answer.body);

    // Reused: the answer to a real logout, accepted once, then again.
    let (cookie, _) = login(&router, &idp, "alice@example.com").await;
    let out = start_logout(&router, &cookie, "/bye").await;
    let response = idp
        .answer_logout(
            &Incoming::redirect(out.location().split_once('?').expect("q").1),
            &LogoutStatus::success(),
        )
        .expect("answer");
    let first = send(&router, slo_get(&query_of(&response), None)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = send(&router, slo_get(&query_of(&response), None)).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
    assert_eq!(again.kind(), "unknown_in_response_to", "single use");
}

const OPEN_REDIRECTS: &[&str] = &[
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
];

#[tokio::test]
async fn open_redirects_in_the_logout_response_relay_state_are_refused() {
    let (idp, router) = post_logout_setup(Binding::HttpRedirect);
    for hostile in OPEN_REDIRECTS {
        let (cookie, _) = login(&router, &idp, "alice@example.com").await;
        let out = start_logout(&router, &cookie, "/bye").await;
        let response = idp
            .answer_logout(
                &Incoming::redirect(out.location().split_once('?').expect("q").1),
                &LogoutStatus::success(),
            )
            .expect("answer");
        // By HTTP-POST the RelayState is outside the signature: the attacker rewrites it.
        let answer = send(
            &router,
            slo_post("SAMLResponse", &form_value(&response), Some(hostile)),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{hostile:?}: {}",
            answer.body
        );
        assert_eq!(answer.kind(), "unsafe_return_to", "{hostile:?}");
        assert_eq!(answer.location(), "", "{hostile:?}");
        // The refusal came before the pending LogoutRequest was consumed: the IdP's answer,
        // with the RelayState it really sent, still completes the logout.
        let genuine = send(
            &router,
            slo_post("SAMLResponse", &form_value(&response), Some("/bye")),
        )
        .await;
        assert_eq!(genuine.status, StatusCode::SEE_OTHER, "{}", genuine.body);
        assert_eq!(genuine.location(), "/bye");
    }
    // Also by /saml/logout's own return_to.
    let (cookie, _) = login(&router, &idp, "alice@example.com").await;
    for hostile in OPEN_REDIRECTS {
        let uri = format!("/saml/logout?return_to={}", binding::url_encode(hostile));
        let answer = send(&router, get(&uri, Some(&cookie))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{hostile:?}");
        assert_eq!(answer.kind(), "unsafe_return_to");
    }
    assert!(
        logged_in(&router, &cookie).await,
        "a refused logout ends nothing"
    );
}

#[tokio::test]
async fn idp_initiated_logout_revokes_the_session_without_its_cookie() {
    let (idp, _, router) = setup();
    let (alice, principal) = login(&router, &idp, "alice@example.com").await;
    let (bob, _) = login(&router, &idp, "bob@example.com").await;
    let index = principal.session_index.clone().expect("a SessionIndex");
    let request = idp.logout_request("alice@example.com", &index);
    // Arrives in the IdP's iframe: no cookie of ours.
    let answer = send(&router, slo_get(&query_of(&request), None)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let status = idp_reads_answer(&idp, &answer);
    assert!(status.contains("status:Success"), "{status}");
    assert!(!status.contains("UnknownPrincipal"), "{status}");
    assert!(
        !logged_in(&router, &alice).await,
        "alice's cookie is refused"
    );
    assert!(logged_in(&router, &bob).await, "bob's session is another");
    // Alice logs in again: the new session is not touched by the old revocation.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (again, _) = login(&router, &idp, "alice@example.com").await;
    assert!(logged_in(&router, &again).await);
}

#[tokio::test]
async fn a_logout_request_for_no_live_session_is_answered_unknown_principal() {
    let (idp, _, router) = setup();
    let request = idp.logout_request("nobody@example.com", "_s0");
    let answer = send(&router, slo_get(&query_of(&request), None)).await;
    let status = idp_reads_answer(&idp, &answer);
    assert!(status.contains("UnknownPrincipal"), "{status}");
}

#[tokio::test]
async fn a_forged_logout_request_is_refused_and_revokes_nothing() {
    let (idp, _, router) = setup();
    let (cookie, principal) = login(&router, &idp, "alice@example.com").await;
    let index = principal.session_index.expect("a SessionIndex");
    let attacker = TestIdp::signed_by(
        SSO_URL,
        &format!("{SP_ORIGIN}/saml/metadata"),
        &format!("{SP_ORIGIN}/saml/acs"),
        ATTACKER_KEY,
        ATTACKER_CERT,
    );
    let forged = attacker.logout_request("alice@example.com", &index);
    let answer = send(&router, slo_get(&query_of(&forged), None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "signature_mismatch", "{}", answer.body);
    assert_eq!(answer.location(), "", "no answer to the IdP");
    // By HTTP-POST too.
    let attacker = attacker.with_sp_logout_binding(Binding::HttpPost);
    let forged = attacker.logout_request("alice@example.com", &index);
    let answer = send(&router, slo_post("SAMLRequest", &form_value(&forged), None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert!(
        logged_in(&router, &cookie).await,
        "the session is NOT revoked"
    );
}

#[tokio::test]
async fn an_unsigned_logout_request_is_refused() {
    let (idp, _, router) = setup();
    let (cookie, principal) = login(&router, &idp, "alice@example.com").await;
    let index = principal.session_index.expect("a SessionIndex");
    // HTTP-Redirect without SigAlg and Signature.
    let query = query_of(&idp.logout_request("alice@example.com", &index));
    let unsigned: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("SigAlg=") && !p.starts_with("Signature="))
        .collect();
    let answer = send(&router, slo_get(&unsigned.join("&"), None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "signature_missing", "{}", answer.body);
    assert!(logged_in(&router, &cookie).await, "not revoked");
}

#[tokio::test]
async fn an_unsigned_post_logout_request_is_refused() {
    // The SP answers the IdP by HTTP-POST too.
    let (idp, router) = post_logout_setup(Binding::HttpPost);
    let (cookie, principal) = login(&router, &idp, "alice@example.com").await;
    let index = principal.session_index.expect("a SessionIndex");
    let signed = idp.logout_request("alice@example.com", &index);
    let xml = &signed.xml;
    let start = xml.find("<ds:Signature").expect("an enveloped signature");
    let end = xml.find("</ds:Signature>").expect("its end") + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &xml[..start], &xml[end..]);
    let answer = send(
        &router,
        slo_post(
            "SAMLRequest",
            &binding::encode_post(unsigned.as_bytes()),
            None,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "signature_missing", "{}", answer.body);
    assert!(logged_in(&router, &cookie).await, "not revoked");
    // The signed one is accepted, and answered by HTTP-POST in a page the IdP may frame.
    let answer = send(&router, slo_post("SAMLRequest", &form_value(&signed), None)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains("name=\"SAMLResponse\""),
        "{}",
        answer.body
    );
    let csp = answer
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors https://idp.test.invalid"),
        "{csp}"
    );
    assert!(!logged_in(&router, &cookie).await, "revoked");
}

#[tokio::test]
async fn a_replayed_logout_request_is_refused() {
    let (idp, _, router) = setup();
    let (_, principal) = login(&router, &idp, "alice@example.com").await;
    let index = principal.session_index.expect("a SessionIndex");
    let query = query_of(&idp.logout_request("alice@example.com", &index));
    let first = send(&router, slo_get(&query, None)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // Alice logs in again; the attacker replays the captured LogoutRequest.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (again, _) = login(&router, &idp, "alice@example.com").await;
    let replay = send(&router, slo_get(&query, None)).await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN, "{}", replay.body);
    assert_eq!(replay.kind(), "replay");
    assert!(logged_in(&router, &again).await);
}

/// `query` with the percent-escapes of its SAMLRequest in lower case: the same message to a
/// decoder, other octets to the signature.
fn reencoded(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.next().map(|c| c.to_ascii_lowercase()));
            out.extend(chars.next().map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

#[tokio::test]
async fn a_re_encoded_query_is_refused() {
    let (idp, _, router) = setup();
    let (cookie, principal) = login(&router, &idp, "alice@example.com").await;
    let index = principal.session_index.expect("a SessionIndex");
    let query = query_of(&idp.logout_request("alice@example.com", &index));
    let other = reencoded(&query);
    assert_ne!(other, query, "the query has escapes to re-encode");
    let answer = send(&router, slo_get(&other, None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.kind(), "signature_mismatch", "{}", answer.body);
    assert!(logged_in(&router, &cookie).await, "not revoked");
    // The octets as sent are accepted.
    let answer = send(&router, slo_get(&query, None)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(!logged_in(&router, &cookie).await);
}

#[tokio::test]
async fn a_partial_logout_is_shown_on_a_page() {
    let (idp, _, router) = setup();
    let (cookie, _) = login(&router, &idp, "alice@example.com").await;
    let out = start_logout(&router, &cookie, "/bye").await;
    let response = idp
        .answer_logout(
            &Incoming::redirect(out.location().split_once('?').expect("q").1),
            &LogoutStatus::partial_logout(),
        )
        .expect("answer");
    let answer = send(&router, slo_get(&query_of(&response), None)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains("<p id=\"outcome\">partial</p>"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("PartialLogout"), "{}", answer.body);
    assert!(answer.body.contains("href=\"/bye\""), "{}", answer.body);
    assert!(!logged_in(&router, &cookie).await);
}

#[tokio::test]
async fn logout_without_a_session_is_local_and_malformed_slo_input_is_400() {
    let (_, _, router) = setup();
    let answer = send(&router, get("/saml/logout?return_to=/bye", None)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/bye");
    for uri in [
        "/saml/slo",
        "/saml/slo?SAMLRequest=%%%",
        "/saml/slo?nothing=1",
    ] {
        let answer = send(&router, get(uri, None)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.body
        );
    }
    for body in [
        "nothing=1",
        "SAMLRequest=a&SAMLResponse=b",
        "SAMLRequest=a&SAMLRequest=a",
    ] {
        let answer = send(&router, raw_post("/saml/slo", body.to_owned(), None)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.body
        );
    }
}
