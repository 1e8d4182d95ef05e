//! Single Logout end to end between our IdP and three of our SPs (each with its own key and
//! bindings): SP-initiated and IdP-initiated, by HTTP-POST and HTTP-Redirect, with one SP that
//! fails (an error status, an answer with a bad signature, or no answer at all) so that the
//! initiator is told PartialLogout. Messages travel as a browser carries them: the HTML form's
//! field values, or the redirect URL.

use std::sync::Mutex;

use saml_core::binding;
use saml_core::dsig::Signer;
use saml_core::saml::idp::{IdentityProvider, SpPeer, Subject};
use saml_core::saml::logout::{
    self, Ended, InMemorySessionRegistry, Incoming, LegState, LogoutOutcome, LogoutRequest,
    LogoutResponse, LogoutStatus, LogoutSubject, OutgoingLogout, Propagation, ReceivedLogout,
    SessionRegistry, SessionTerminator,
};
use saml_core::saml::replay::{InMemoryStore, StoreError};
use saml_core::saml::sp::{NameId, ServiceProvider, VerifiedAssertion};
use saml_core::settings::{Binding, IdpSettings, SpSettings};
use saml_core::time::{DateTime, parse_xs_datetime};
use saml_core::xmlenc::{DataEncryption, DecryptionKey, EncryptionKey, KeyTransport};

mod common;
use common::*;

const IDP_ISSUER: &str = "http://www.okta.com/exk1org1";
const IDP_SSO: &str = "https://org1.okta.com/app/org2org/exk1org1/sso/saml";
const IDP_SLO: &str = "https://org1.okta.com/app/org2org/exk1org1/slo/saml";
const ALICE: &str = "alice@org1.example";
const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const IDP_SESSION: &str = "idp-session-7f3a";

fn now() -> DateTime {
    parse_xs_datetime("2026-11-22T12:00:00Z").expect("time")
}

fn at(offset: i64) -> DateTime {
    now().checked_add_seconds(offset).expect("time")
}

/// The application's sessions at one SP: (NameID, SessionIndex) pairs still logged in. Its
/// store can be broken, to make the SP answer with an error status.
#[derive(Default)]
struct AppSessions {
    live: Mutex<Vec<(String, String)>>,
    broken: bool,
}

impl AppSessions {
    fn login(&self, assertion: &VerifiedAssertion) {
        self.live.lock().expect("lock").push((
            assertion.name_id().value.clone(),
            assertion.session_index().unwrap_or_default().to_owned(),
        ));
    }

    fn count(&self) -> usize {
        self.live.lock().expect("lock").len()
    }
}

impl SessionTerminator for AppSessions {
    fn end_sessions(&self, name_id: &NameId, indexes: &[String]) -> Result<Ended, StoreError> {
        if self.broken {
            return Err(StoreError::Unavailable {
                detail: "session database down".into(),
            });
        }
        let mut live = self.live.lock().expect("lock");
        let before = live.len();
        live.retain(|(n, i)| !(n == &name_id.value && (indexes.is_empty() || indexes.contains(i))));
        Ok(Ended::new(before - live.len(), 0))
    }
}

/// One SP of the federation: its own settings, stores and sessions, and the IdP's view of it.
struct Org {
    entity: String,
    sp: ServiceProvider,
    peer: SpPeer,
    store: InMemoryStore,
    sessions: AppSessions,
}

/// An SP named `name` signing with `key`/`cert` (the IdP pins `pinned`), sending to the IdP by
/// `to_idp` and reached by the IdP through `from_idp`.
fn org(
    name: &str,
    key_name: &str,
    cert_name: &str,
    pinned: &str,
    to_idp: Binding,
    from_idp: Binding,
) -> Org {
    let entity = format!("https://{name}.example/saml/sp");
    let acs = format!("https://{name}.example/saml/acs");
    let slo = format!("https://{name}.example/saml/slo");
    let sp = ServiceProvider::new(
        IdpSettings::new(IDP_ISSUER, IDP_SSO, vec![anchor("rsa2048.cert.pem")])
            .with_single_logout_service(IDP_SLO, to_idp)
            .with_sign_requests(false),
        SpSettings::new(&entity, &acs)
            .with_single_logout_url(&slo)
            .with_signing_key(key(key_name), cert(cert_name))
            .with_unsolicited(true),
    )
    .expect("settings");
    let peer = SpPeer::new(&entity, &acs, vec![anchor(pinned)])
        .expect("peer")
        .with_single_logout_service(&slo, from_idp);
    Org {
        entity,
        sp,
        peer,
        store: InMemoryStore::default(),
        sessions: AppSessions::default(),
    }
}

/// The IdP, its stores and its session registry.
struct Idp {
    idp: IdentityProvider,
    store: InMemoryStore,
    registry: InMemorySessionRegistry,
}

fn idp() -> Idp {
    Idp {
        idp: IdentityProvider::new(
            IDP_ISSUER,
            IDP_SSO,
            Signer::new(key("rsa2048.pk8.pem"), Some(cert("rsa2048.cert.pem"))),
        )
        .with_single_logout_url(IDP_SLO),
        store: InMemoryStore::default(),
        registry: InMemorySessionRegistry::default(),
    }
}

/// Three SPs with different keys and bindings.
fn three() -> Vec<Org> {
    vec![
        org(
            "one",
            "rsa3072.pk8.pem",
            "rsa3072.cert.pem",
            "rsa3072.cert.pem",
            Binding::HttpPost,
            Binding::HttpPost,
        ),
        org(
            "two",
            "p256.pk8.pem",
            "p256.cert.pem",
            "p256.cert.pem",
            Binding::HttpRedirect,
            Binding::HttpRedirect,
        ),
        org(
            "three",
            "p384.pk8.pem",
            "p384.cert.pem",
            "p384.cert.pem",
            Binding::HttpRedirect,
            Binding::HttpPost,
        ),
    ]
}

fn peers(orgs: &[Org]) -> Vec<SpPeer> {
    orgs.iter().map(|o| o.peer.clone()).collect()
}

/// Alice logs in to every SP within one IdP session; each SP keeps her session.
fn login_everywhere(idp: &Idp, orgs: &[Org]) -> Vec<VerifiedAssertion> {
    let alice = Subject::new(ALICE).with_format(EMAIL);
    orgs.iter()
        .map(|o| {
            let response = idp
                .idp
                .issue_in_session(&o.peer, &alice, None, IDP_SESSION, &idp.registry, now())
                .expect("issued and recorded");
            let assertion =
                o.sp.validate_and_commit(
                    response.as_bytes(),
                    now(),
                    saml_core::Solicitation::outstanding(),
                    &o.store,
                )
                .expect("login");
            o.sessions.login(&assertion);
            assertion
        })
        .collect()
}

/// What the browser carries to the receiver: the form fields of an HTML page, or the URL.
enum Carried {
    Post {
        value: String,
        relay_state: Option<String>,
    },
    Redirect(String),
}

impl Carried {
    fn incoming(&self) -> Incoming<'_> {
        match self {
            Carried::Post { value, relay_state } => Incoming::post(value, relay_state.as_deref()),
            Carried::Redirect(url) => Incoming::redirect(url),
        }
    }
}

/// The value of the hidden field `name` in an auto-submitting form.
fn form_field(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let end = start + html[start..].find('"')?;
    Some(
        html[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// What a browser does with an outgoing message.
fn carry(out: &OutgoingLogout) -> Carried {
    match out.binding {
        Binding::HttpRedirect => Carried::Redirect(out.redirect_url().expect("a URL").to_owned()),
        _ => {
            let html = out.post_form().expect("a form");
            let value = form_field(html, "SAMLRequest")
                .or_else(|| form_field(html, "SAMLResponse"))
                .expect("a SAML field");
            Carried::Post {
                value,
                relay_state: form_field(html, "RelayState"),
            }
        }
    }
}

fn request_of(received: ReceivedLogout, store: &InMemoryStore) -> LogoutRequest {
    match received {
        ReceivedLogout::Request(r) => r.commit(store).expect("fresh"),
        other => panic!("expected a LogoutRequest, got {other:?}"),
    }
}

fn response_of(received: ReceivedLogout, store: &InMemoryStore) -> LogoutResponse {
    match received {
        ReceivedLogout::Response(r) => r.commit(store).expect("pending"),
        other => panic!("expected a LogoutResponse, got {other:?}"),
    }
}

/// An SP receives the IdP's LogoutRequest, ends its sessions and answers; returns what its
/// answer carries to the IdP.
fn sp_answers(o: &Org, out: &OutgoingLogout, when: DateTime) -> (Carried, LogoutStatus) {
    let request = request_of(
        o.sp.receive_logout(&carry(out).incoming(), when)
            .expect("verifies"),
        &o.store,
    );
    assert_eq!(request.issuer(), IDP_ISSUER);
    assert_eq!(request.name_id().value, ALICE);
    assert_eq!(request.name_id().format.as_deref(), Some(EMAIL));
    assert!(request.signed());
    let answer =
        o.sp.answer_logout(&request, &o.sessions, when)
            .expect("answered");
    assert!(answer.response.signed);
    (carry(&answer.response), answer.status)
}

/// The propagation as the application keeps it between round trips: serialized server-side.
fn keep(p: &Propagation) -> Propagation {
    serde_json::from_str(&serde_json::to_string(p).expect("serializes")).expect("deserializes")
}

#[test]
fn sp_initiated_logout_propagates_to_the_other_sps_and_reports_partial_logout() {
    let idp = idp();
    let mut orgs = three();
    orgs[2].sessions.broken = true; // SP three answers Responder
    let peers = peers(&orgs);
    let assertions = login_everywhere(&idp, &orgs);

    // SP one: the user logs out; a signed LogoutRequest goes to the IdP by HTTP-POST.
    let one = &orgs[0];
    let out = one
        .sp
        .logout_request(
            &LogoutSubject::of(&assertions[0]),
            Some(logout::REASON_USER),
            Some("/goodbye"),
            now(),
        )
        .expect("built")
        .record(&one.store)
        .expect("pending");
    assert!(out.signed && out.xml.contains("<ds:Signature"));
    assert_eq!(out.binding, Binding::HttpPost);
    one.sessions.live.lock().expect("lock").clear(); // SP one ends its own session

    // The IdP verifies it against SP one's keys and finds the IdP session it names.
    let request = request_of(
        idp.idp
            .receive_logout(&peers, &carry(&out).incoming(), at(1))
            .expect("verifies"),
        &idp.store,
    );
    assert_eq!(request.reason(), Some(logout::REASON_USER));
    assert_eq!(
        request.session_indexes(),
        [assertions[0].session_index().expect("index")]
    );
    let session = idp
        .registry
        .find_session(
            request.issuer(),
            &request.name_id().value,
            request.session_indexes(),
        )
        .expect("registry")
        .expect("the session");
    assert_eq!(session, IDP_SESSION);
    let mut propagation = idp
        .idp
        .start_logout(&session, &idp.registry, Some(&request))
        .expect("started");
    let legs: Vec<&str> = propagation
        .legs()
        .iter()
        .map(|l| l.sp_entity_id())
        .collect();
    assert_eq!(
        legs,
        [orgs[1].entity.as_str(), orgs[2].entity.as_str()],
        "every other SP, in order"
    );

    // One signed LogoutRequest per other SP, by each SP's binding.
    let requests = idp
        .idp
        .logout_requests(&mut propagation, &peers, &idp.store, at(2))
        .expect("built");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].binding, Binding::HttpRedirect);
    assert!(
        requests[0]
            .redirect_url()
            .expect("url")
            .contains("&Signature=")
    );
    assert_eq!(requests[1].binding, Binding::HttpPost);
    let mut propagation = keep(&propagation);

    // SP two ends Alice's session and answers Success by HTTP-Redirect.
    let (carried, status) = sp_answers(&orgs[1], &requests[0], at(3));
    assert_eq!(status.outcome(), LogoutOutcome::Success);
    assert_eq!(orgs[1].sessions.count(), 0);
    let response = response_of(
        idp.idp
            .receive_logout(&peers, &carried.incoming(), at(4))
            .expect("verifies"),
        &idp.store,
    );
    assert_eq!(
        propagation.record_response(&response).expect("its leg"),
        LogoutOutcome::Success
    );
    let mut propagation = keep(&propagation);

    // SP three's session store is down: it answers Responder (by HTTP-Redirect).
    let (carried, status) = sp_answers(&orgs[2], &requests[1], at(5));
    assert_eq!(status.code, logout::STATUS_RESPONDER);
    let response = response_of(
        idp.idp
            .receive_logout(&peers, &carried.incoming(), at(6))
            .expect("verifies"),
        &idp.store,
    );
    assert_eq!(
        propagation.record_response(&response).expect("its leg"),
        LogoutOutcome::Failed
    );
    assert!(propagation.is_complete());

    // The IdP answers SP one: Responder + PartialLogout, with its RelayState, by HTTP-POST.
    let answer = idp
        .idp
        .finish_logout(&propagation, &peers, at(7))
        .expect("built")
        .expect("SP-initiated");
    let carried = carry(&answer);
    let response = response_of(
        one.sp
            .receive_logout(&carried.incoming(), at(8))
            .expect("verifies"),
        &one.store,
    );
    assert_eq!(response.outcome(), LogoutOutcome::PartialLogout);
    assert_eq!(response.status().code, logout::STATUS_RESPONDER);
    assert_eq!(response.in_response_to(), Some(out.id.as_str()));
    assert_eq!(response.relay_state(), Some("/goodbye"));

    // The session is gone from the registry: a second logout propagates nowhere.
    let again = idp
        .idp
        .start_logout(IDP_SESSION, &idp.registry, None)
        .expect("started");
    assert!(again.legs().is_empty());
}

#[test]
fn sp_initiated_logout_over_redirect_with_every_sp_logged_out_is_success() {
    let idp = idp();
    let orgs = three();
    let peers = peers(&orgs);
    let assertions = login_everywhere(&idp, &orgs);
    let two = &orgs[1];
    let out = two
        .sp
        .logout_request(&LogoutSubject::of(&assertions[1]), None, None, now())
        .expect("built")
        .record(&two.store)
        .expect("pending");
    assert_eq!(out.binding, Binding::HttpRedirect);
    let request = request_of(
        idp.idp
            .receive_logout(&peers, &carry(&out).incoming(), at(1))
            .expect("verifies"),
        &idp.store,
    );
    let mut propagation = idp
        .idp
        .start_logout(IDP_SESSION, &idp.registry, Some(&request))
        .expect("started");
    let requests = idp
        .idp
        .logout_requests(&mut propagation, &peers, &idp.store, at(1))
        .expect("built");
    for (o, r) in [&orgs[0], &orgs[2]].into_iter().zip(&requests) {
        let (carried, _) = sp_answers(o, r, at(2));
        let response = response_of(
            idp.idp
                .receive_logout(&peers, &carried.incoming(), at(3))
                .expect("verifies"),
            &idp.store,
        );
        propagation.record_response(&response).expect("its leg");
    }
    let answer = idp
        .idp
        .finish_logout(&propagation, &peers, at(4))
        .expect("built")
        .expect("answer");
    let response = response_of(
        two.sp
            .receive_logout(&carry(&answer).incoming(), at(5))
            .expect("verifies"),
        &two.store,
    );
    assert_eq!(response.outcome(), LogoutOutcome::Success);
    assert_eq!(orgs[0].sessions.count() + orgs[2].sessions.count(), 0);
}

#[test]
fn idp_initiated_logout_with_a_forged_answer_and_a_silent_sp_is_partial() {
    let idp = idp();
    let mut orgs = three();
    // SP two signs with a key other than the one the IdP pins for it (RSA-2048 instead of
    // RSA-3072): its answers do not verify.
    orgs[1] = org(
        "two",
        "rsa2048.pk8.pem",
        "rsa2048.cert.pem",
        "rsa3072.cert.pem",
        Binding::HttpPost,
        Binding::HttpRedirect,
    );
    let peers = peers(&orgs);
    let _ = login_everywhere(&idp, &orgs);

    let mut propagation = idp
        .idp
        .start_logout(IDP_SESSION, &idp.registry, None)
        .expect("started");
    assert!(propagation.initiator().is_none());
    let requests = idp
        .idp
        .logout_requests(&mut propagation, &peers, &idp.store, now())
        .expect("built");
    assert_eq!(requests.len(), 3);

    // SP one: Success by HTTP-POST both ways.
    let (carried, _) = sp_answers(&orgs[0], &requests[0], at(1));
    let response = response_of(
        idp.idp
            .receive_logout(&peers, &carried.incoming(), at(2))
            .expect("verifies"),
        &idp.store,
    );
    propagation.record_response(&response).expect("its leg");

    // SP two: its answer does not verify; the application marks it failed.
    let (carried, _) = sp_answers(&orgs[1], &requests[1], at(3));
    let err = idp
        .idp
        .receive_logout(&peers, &carried.incoming(), at(4))
        .expect_err("bad signature");
    assert_eq!(err.kind(), "signature_mismatch");
    assert!(propagation.mark_failed(&orgs[1].entity, format!("answer refused: {err}")));

    // SP three never answers.
    assert!(!propagation.is_complete());
    assert!(propagation.mark_failed(&orgs[2].entity, "no answer within 30 s"));
    assert!(propagation.is_complete());

    let summary = propagation.summary();
    assert_eq!(summary.logged_out, [orgs[0].entity.clone()]);
    let failed: Vec<&str> = summary.failed.iter().map(|(sp, _)| sp.as_str()).collect();
    assert_eq!(failed, [orgs[1].entity.as_str(), orgs[2].entity.as_str()]);
    assert_eq!(summary.status.outcome(), LogoutOutcome::PartialLogout);
    assert!(
        matches!(propagation.legs()[2].state(), LegState::Failed { reason } if reason.contains("30 s"))
    );
    assert!(
        idp.idp
            .finish_logout(&propagation, &peers, at(5))
            .expect("nothing to answer")
            .is_none()
    );

    // A late answer from SP three's request is still matched once, but its leg stays failed.
    let (carried, _) = sp_answers(&orgs[2], &requests[2], at(6));
    let late = response_of(
        idp.idp
            .receive_logout(&peers, &carried.incoming(), at(7))
            .expect("verifies"),
        &idp.store,
    );
    assert_eq!(
        propagation
            .record_response(&late)
            .expect_err("not pending")
            .kind(),
        "unknown_in_response_to"
    );
}

#[test]
fn idp_initiated_logout_to_every_sp_is_success() {
    let idp = idp();
    let orgs = three();
    let peers = peers(&orgs);
    let _ = login_everywhere(&idp, &orgs);
    let mut propagation = idp
        .idp
        .start_logout(IDP_SESSION, &idp.registry, None)
        .expect("started");
    let requests = idp
        .idp
        .logout_requests(&mut propagation, &peers, &idp.store, now())
        .expect("built");
    for (o, r) in orgs.iter().zip(&requests) {
        let (carried, _) = sp_answers(o, r, at(1));
        let response = response_of(
            idp.idp
                .receive_logout(&peers, &carried.incoming(), at(2))
                .expect("verifies"),
            &idp.store,
        );
        propagation = keep(&propagation);
        propagation.record_response(&response).expect("its leg");
    }
    assert_eq!(propagation.summary().status, LogoutStatus::success());
    assert!(orgs.iter().all(|o| o.sessions.count() == 0));
}

#[test]
fn an_sp_without_slo_service_counts_as_failed() {
    let idp = idp();
    let orgs = three();
    let mut peers = peers(&orgs);
    peers[2] = SpPeer::new(
        &orgs[2].entity,
        "https://three.example/saml/acs",
        vec![anchor("p384.cert.pem")],
    )
    .expect("peer");
    let _ = login_everywhere(&idp, &orgs);
    let mut propagation = idp
        .idp
        .start_logout(IDP_SESSION, &idp.registry, None)
        .expect("started");
    let requests = idp
        .idp
        .logout_requests(&mut propagation, &peers, &idp.store, now())
        .expect("built");
    assert_eq!(requests.len(), 2);
    assert!(matches!(
        propagation.legs()[2].state(),
        LegState::Failed { .. }
    ));
}

#[test]
fn the_sp_answers_with_the_status_its_sessions_call_for() {
    let idp = idp();
    let orgs = three();
    let peers = peers(&orgs);
    let o = &orgs[0];
    let send = |who: &str| {
        let registry = InMemorySessionRegistry::default();
        registry
            .record(
                "s",
                logout::Participant::new(&o.entity, &NameId::new(who).with_format(EMAIL), "_idx"),
            )
            .expect("recorded");
        let mut p = idp.idp.start_logout("s", &registry, None).expect("started");
        idp.idp
            .logout_requests(&mut p, &peers, &idp.store, now())
            .expect("built")
            .remove(0)
    };
    // Nobody by that name is logged in at SP one: UnknownPrincipal.
    let (_, status) = sp_answers_as(o, &send(ALICE), &AppSessions::default());
    assert_eq!(status, LogoutStatus::unknown_principal());
    // A session that could not be ended: PartialLogout.
    struct Stuck;
    impl SessionTerminator for Stuck {
        fn end_sessions(&self, _: &NameId, _: &[String]) -> Result<Ended, StoreError> {
            Ok(Ended::new(1, 1))
        }
    }
    let (_, status) = sp_answers_as(o, &send(ALICE), &Stuck);
    assert_eq!(status.outcome(), LogoutOutcome::PartialLogout);
}

fn sp_answers_as(
    o: &Org,
    out: &OutgoingLogout,
    sessions: &dyn SessionTerminator,
) -> (OutgoingLogout, LogoutStatus) {
    let request = request_of(
        o.sp.receive_logout(&carry(out).incoming(), at(1))
            .expect("verifies"),
        &o.store,
    );
    let answer =
        o.sp.answer_logout(&request, sessions, at(1))
            .expect("answered");
    (answer.response, answer.status)
}

#[test]
fn an_encrypted_name_id_is_decrypted_with_the_sp_keys() {
    let slo = "https://one.example/saml/slo";
    let name_id = format!("<saml:NameID Format=\"{EMAIL}\">{ALICE}</saml:NameID>");
    let encrypted = saml_core::xmlenc::encrypt(
        name_id.as_bytes(),
        &EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("key"),
        DataEncryption::Aes256Gcm,
        KeyTransport::default(),
    )
    .expect("encrypted");
    let xml = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_enc1\" Version=\"2.0\" \
         IssueInstant=\"{now}\" Destination=\"{slo}\"><saml:Issuer>{IDP_ISSUER}</saml:Issuer>\
         <saml:EncryptedID>{encrypted}</saml:EncryptedID>\
         <samlp:SessionIndex>_s9</samlp:SessionIndex></samlp:LogoutRequest>",
        now = now()
    );
    let signed = Signer::new(key("rsa2048.pk8.pem"), Some(cert("rsa2048.cert.pem")))
        .sign_element(&xml, "_enc1")
        .expect("signed");
    let value = binding::encode_post(signed.as_bytes());
    let settings = |keys: bool| {
        let mut sp = SpSettings::new(
            "https://one.example/saml/sp",
            "https://one.example/saml/acs",
        )
        .with_single_logout_url(slo);
        if keys {
            sp = sp.with_decryption_key(
                DecryptionKey::from_pem(&testdata("rsa3072.pk8.pem"), None).expect("key"),
            );
        }
        ServiceProvider::new(
            IdpSettings::new(IDP_ISSUER, IDP_SSO, vec![anchor("rsa2048.cert.pem")])
                .with_single_logout_service(IDP_SLO, Binding::HttpPost)
                .with_sign_requests(false),
            sp,
        )
        .expect("settings")
    };
    let request = request_of(
        settings(true)
            .receive_logout(&Incoming::post(&value, None), at(1))
            .expect("verifies and decrypts"),
        &InMemoryStore::default(),
    );
    assert!(request.name_id_encrypted());
    assert_eq!(request.name_id().value, ALICE);
    assert_eq!(request.name_id().format.as_deref(), Some(EMAIL));
    let err = settings(false)
        .receive_logout(&Incoming::post(&value, None), at(1))
        .expect_err("no key");
    assert_eq!(err.kind(), "no_decryption_keys");
}

#[test]
fn logout_is_refused_until_configured() {
    let sp = ServiceProvider::new(
        IdpSettings::new(IDP_ISSUER, IDP_SSO, vec![anchor("rsa2048.cert.pem")])
            .with_sign_requests(false),
        SpSettings::new("https://x.example/", "https://x.example/acs"),
    )
    .expect("settings");
    let err = sp
        .logout_request(
            &LogoutSubject::new(NameId::new(ALICE), vec![]),
            None,
            None,
            now(),
        )
        .expect_err("no IdP SLO service");
    assert_eq!(err.kind(), "slo_not_configured");
    let err = sp
        .receive_logout(&Incoming::redirect("SAMLRequest=x"), now())
        .expect_err("no SLO URL");
    assert_eq!(err.kind(), "slo_not_configured");
}

#[tokio::test]
async fn the_async_stores_serve_the_same_flow() {
    let idp = idp();
    let orgs = three();
    let peers = peers(&orgs);
    let assertions = login_everywhere(&idp, &orgs);
    let one = &orgs[0];
    let out = one
        .sp
        .logout_request(&LogoutSubject::of(&assertions[0]), None, None, now())
        .expect("built")
        .record_async(&one.store)
        .await
        .expect("pending");
    let ReceivedLogout::Request(r) = idp
        .idp
        .receive_logout(&peers, &carry(&out).incoming(), at(1))
        .expect("verifies")
    else {
        panic!("a request")
    };
    let request = r.commit_async(&idp.store).await.expect("fresh");
    let answer = idp
        .idp
        .logout_response(
            &one.peer,
            request.id(),
            &LogoutStatus::success(),
            None,
            at(2),
        )
        .expect("built");
    let ReceivedLogout::Response(r) = one
        .sp
        .receive_logout(&carry(&answer).incoming(), at(3))
        .expect("verifies")
    else {
        panic!("a response")
    };
    let response = r.commit_async(&one.store).await.expect("pending");
    assert_eq!(response.outcome(), LogoutOutcome::Success);

    // The IdP propagates to the others with the async store too.
    let mut propagation = idp
        .idp
        .start_logout(IDP_SESSION, &idp.registry, Some(&request))
        .expect("started");
    let requests = idp
        .idp
        .logout_requests_async(&mut propagation, &peers, &idp.store, at(4))
        .await
        .expect("recorded");
    assert_eq!(requests.len(), 2);
    let (carried, _) = sp_answers(&orgs[1], &requests[0], at(5));
    let ReceivedLogout::Response(r) = idp
        .idp
        .receive_logout(&peers, &carried.incoming(), at(6))
        .expect("verifies")
    else {
        panic!("a response")
    };
    let response = r.commit_async(&idp.store).await.expect("pending");
    assert_eq!(
        propagation.record_response(&response).expect("its leg"),
        LogoutOutcome::Success
    );
}
