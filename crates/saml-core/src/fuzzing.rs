//! Bodies of the cargo-fuzz targets, kept here so the same code also runs as ordinary tests
//! over the seed corpus on stable Rust (`tests/fuzz_corpus.rs`). Not a stable API.
//!
//! Under cargo-fuzz (`--cfg fuzzing`) the crate uses a no-security crypto backend: every
//! signature verifies and every digest matches (`src/crypto/no_security.rs`), so mutated
//! inputs reach the SAML checks behind the signature; parsing, the Signature's structure and
//! Reference rules, canonicalization, the algorithm policy and key selection still run. Under
//! `cargo test` the same bodies run with real cryptography, so only the unmodified seeds get
//! that far.

use crate::xml::c14n::{self, Algorithm, Method};
use crate::xml::{Document, Limits};

/// Parses arbitrary bytes. Must never panic; on success, walks every node. Differential: the
/// document (or error) built with repeated start tags replayed must be exactly the one built
/// reading every tag the long way, under the default limits and under tight ones.
pub fn parse(data: &[u8]) {
    let tight = Limits::default()
        .with_max_nodes(64)
        .with_max_namespace_declarations(8)
        .with_max_depth(12);
    for limits in [&Limits::default(), &tight] {
        let replayed = format!("{:?}", Document::parse_bytes(data, limits));
        let long = crate::xml::parse::with_replay(false, || {
            format!("{:?}", Document::parse_bytes(data, limits))
        });
        assert_eq!(replayed, long, "replayed start tags built another document");
    }
    if let Ok(doc) = Document::parse_bytes(data, &Limits::default()) {
        for i in 0..doc.node_count() {
            let _ = doc.kind(crate::xml::NodeId(crate::cast::to_u32(i)));
        }
        let root = doc.root_element();
        let _ = doc.text(root);
        let _ = doc.in_scope_namespaces(root);
    }
}

/// Canonicalizes arbitrary bytes in every mode, on the whole document and on a subtree with
/// an excluded descendant. Must never panic, and canonical output must itself parse and be
/// a fixed point of the same canonicalization (for whole documents).
pub fn c14n(data: &[u8]) {
    let Ok(doc) = Document::parse_bytes(data, &Limits::default()) else {
        return;
    };
    let root = doc.root_element();
    let child = doc.element_children(root).next();
    let grandchild = child.and_then(|c| doc.element_children(c).next());
    for algorithm in [
        Algorithm::Exclusive,
        Algorithm::Inclusive10,
        Algorithm::Inclusive11,
    ] {
        for with_comments in [false, true] {
            let method = Method::new(algorithm, with_comments);
            let Ok(out) = c14n::to_vec(&doc, None, None, &method) else {
                panic!("whole-document c14n failed");
            };
            if let Ok(text) = std::str::from_utf8(&out) {
                // Canonical form is well-formed XML and canonicalizes to itself (exclusive
                // c14n may drop unused declarations, which still leaves a fixed point).
                match Document::parse(text) {
                    Ok(again) => {
                        let twice = c14n::to_vec(&again, None, None, &method).unwrap_or_default();
                        assert_eq!(out, twice, "c14n is not idempotent");
                    }
                    Err(e) => panic!("canonical form does not parse: {e}"),
                }
            }
            assert_same_by_rules(&doc, None, None, &method, &out);
            if let Some(c) = child {
                if let Ok(out) = c14n::to_vec(&doc, Some(c), grandchild, &method) {
                    assert_same_by_rules(&doc, Some(c), grandchild, &method, &out);
                }
                if let Ok(out) = c14n::to_vec(&doc, None, Some(c), &method) {
                    assert_same_by_rules(&doc, None, Some(c), &method, &out);
                }
            }
        }
    }
    let listed =
        Method::new(Algorithm::Exclusive, false).with_inclusive_prefixes(["#default", "a"]);
    if let Ok(out) = c14n::to_vec(&doc, child, None, &listed) {
        assert_same_by_rules(&doc, child, None, &listed, &out);
    }
}

/// `out` (from [`c14n::canonicalize`], which copies canonically written markup from the
/// source) is byte for byte what the canonicalization rules alone produce.
fn assert_same_by_rules(
    doc: &Document<'_>,
    apex: Option<crate::xml::NodeId>,
    exclude: Option<crate::xml::NodeId>,
    method: &Method<'_>,
    out: &[u8],
) {
    let mut by_rules = Vec::new();
    let result = c14n::canonicalize_by_rules(doc, apex, exclude, method, &mut by_rules);
    assert!(result.is_ok(), "canonicalization by the rules failed");
    assert!(
        out == by_rules.as_slice(),
        "copying from the source changed the canonical form:\n{}\n{}",
        String::from_utf8_lossy(out),
        String::from_utf8_lossy(&by_rules)
    );
}

/// The settings every `verify` fuzz input is checked against: the test IdP of
/// `testdata/rsa2048.cert.pem` and a fixed clock, so seeds made by [`signed_seed`] are valid
/// and the fuzzer starts from inputs that reach every SAML check.
pub mod fixture {
    use crate::crypto::TrustAnchor;
    use crate::saml::sp::ServiceProvider;
    use crate::settings::{IdpSettings, SpSettings};
    use crate::time::DateTime;

    /// The IdP Issuer URI.
    pub const ISSUER: &str = "https://idp.fuzz.example/saml";
    /// The SP entity ID.
    pub const AUDIENCE: &str = "https://sp.fuzz.example/metadata";
    /// The ACS URL.
    pub const ACS: &str = "https://sp.fuzz.example/acs";
    /// The IdP's SSO URL (the Destination of AuthnRequests).
    pub const SSO_URL: &str = "https://idp.fuzz.example/sso";
    /// The AuthnRequest ID that solicited Responses answer; `sp_validate` holds it as the
    /// outstanding request and expects it.
    pub const REQUEST_ID: &str = "_fuzz-request-1";
    /// The SP's Single Logout URL: the Destination of logout messages the IdP sends it.
    pub const SP_SLO_URL: &str = "https://sp.fuzz.example/slo";
    /// The IdP's Single Logout URL: the Destination of logout messages the SP sends it.
    pub const IDP_SLO_URL: &str = "https://idp.fuzz.example/slo";
    /// The LogoutRequest ID that `logout_receive` holds pending (under the request store's
    /// `logout:` namespace) for LogoutResponses to answer, at the SP and at the IdP alike.
    pub const LOGOUT_REQUEST_ID: &str = "_fuzz-logout-request-1";
    /// The clock skew of the fixture settings (the default), in seconds.
    pub const SKEW_SECONDS: i64 = 120;
    /// The trusted certificate (a public test certificate).
    pub const CERT_PEM: &[u8] = include_bytes!("../testdata/rsa2048.cert.pem");
    /// The matching test key, for making seeds.
    pub const KEY_PEM: &[u8] = include_bytes!("../testdata/rsa2048.pk8.pem");

    /// 2026-11-22T12:00:00Z.
    pub fn now() -> DateTime {
        DateTime::from_unix_seconds(1_795_348_800)
    }

    /// The service provider fuzz inputs are validated by.
    pub fn service_provider() -> Option<ServiceProvider> {
        let anchor = TrustAnchor::from_any(CERT_PEM, Some("fuzz")).ok()?;
        ServiceProvider::new(
            IdpSettings::new(ISSUER, SSO_URL, vec![anchor]).with_sign_requests(false),
            SpSettings::new(AUDIENCE, ACS).with_unsolicited(true),
        )
        .ok()
    }
}

/// A Response signed by the fixture IdP at [`fixture::now`], valid for
/// [`fixture::service_provider`] (used to make the `verify` seed corpus).
pub fn signed_seed(target: crate::saml::idp::SignTarget) -> Option<String> {
    let subject = crate::saml::idp::Subject::new("alice@example.com")
        .with_attribute("groups", vec!["a".into(), "b & c".into()]);
    signed_response(target, &subject, None)
}

/// A Response for `subject` signed by the fixture IdP at [`fixture::now`], answering the
/// AuthnRequest `in_response_to` (unsolicited when `None`); used to make the `sp_validate`
/// seed corpus.
pub fn signed_response(
    target: crate::saml::idp::SignTarget,
    subject: &crate::saml::idp::Subject,
    in_response_to: Option<&str>,
) -> Option<String> {
    use crate::saml::idp::{IdentityProvider, ReceivedRequest};
    let key = crate::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).ok()?;
    let cert = crate::crypto::Certificate::from_pem(fixture::CERT_PEM, None).ok()?;
    let idp = IdentityProvider::new(
        fixture::ISSUER,
        fixture::SSO_URL,
        crate::dsig::Signer::new(key, Some(cert)),
    )
    .with_sign_target(target);
    let peer = crate::saml::idp::danger::unsigned_requests(fixture::AUDIENCE, fixture::ACS);
    let request = in_response_to.map(|id| ReceivedRequest {
        id: id.to_owned(),
        issuer: fixture::AUDIENCE.to_owned(),
        signed: false,
        force_authn: false,
        is_passive: false,
        name_id_format: None,
        relay_state: None,
    });
    idp.issue(&peer, subject, request.as_ref(), fixture::now())
        .ok()
}

/// Validates arbitrary bytes as a Response with a fixed trusted key. Must never panic;
/// returns whether the input was accepted.
pub fn verify(data: &[u8]) -> bool {
    use crate::saml::replay::InMemoryStore;
    let Some(sp) = fixture::service_provider() else {
        return false;
    };
    let accepted = sp
        .validate(data, fixture::now(), crate::saml::sp::danger::not_tracked())
        .and_then(|pending| pending.commit(&InMemoryStore::new(4)))
        .is_ok();
    // Whatever the outcome, the signature parts and digests of every Signature must be
    // computable without panicking (this is what `inspect` does).
    if let Ok(doc) = Document::parse_bytes(data, &Limits::default()) {
        let policy = crate::crypto::danger::legacy();
        for n in doc.descendants(doc.root_element()) {
            if doc.is(n, crate::dsig::DSIG_NS, "Signature")
                && let Ok(parts) = crate::dsig::signature_parts(&doc, n)
            {
                let _ = crate::dsig::reference_digest(&doc, &parts, &policy);
            }
        }
    }
    accepted
}

/// Decodes arbitrary bytes as a captured binding message (raw XML, base64, form body,
/// Redirect query). Must never panic, and must respect the size limits.
pub fn decode(data: &[u8]) {
    let limits = crate::binding::DecodeLimits::default();
    if let Ok(decoded) = crate::binding::decode(data, &limits) {
        assert!(
            decoded.xml.len() <= limits.max_decoded,
            "decoded past the limit"
        );
        let _ = Document::parse_bytes(&decoded.xml, &Limits::default());
    }
}

/// Verifies arbitrary bytes as an AuthnRequest arriving by HTTP-POST (as XML) and by
/// HTTP-Redirect (as a query string), IdP side. Must never panic.
pub fn authn_request(data: &[u8]) {
    use crate::crypto::TrustAnchor;
    use crate::saml::idp::{IdentityProvider, SpPeer};
    let (Ok(key), Ok(anchor)) = (
        crate::crypto::SigningKey::from_pem(fixture::KEY_PEM, None),
        TrustAnchor::from_any(fixture::CERT_PEM, None),
    ) else {
        return;
    };
    let idp = IdentityProvider::new(
        fixture::ISSUER,
        "https://idp.fuzz.example/sso",
        crate::dsig::Signer::new(key, None),
    );
    let Ok(peer) = SpPeer::new(fixture::AUDIENCE, fixture::ACS, vec![anchor]) else {
        return;
    };
    let _ = idp.receive_post(&peer, data, None, fixture::now());
    if let Ok(query) = std::str::from_utf8(data) {
        let _ = idp.receive_redirect(&peer, query, fixture::now());
    }
}

/// The service providers [`sp_validate`] checks every input against: built once per process
/// (key parsing would otherwise dominate each run). All trust the fixture IdP.
struct SpMatrix {
    /// Scope `either`, unsolicited Responses allowed: the weakest settings.
    either: crate::ServiceProvider,
    /// Scope `assertion`.
    assertion: crate::ServiceProvider,
    /// Scope `response`.
    response: crate::ServiceProvider,
    /// Scope `both`.
    both: crate::ServiceProvider,
    /// Scope `either`, unsolicited Responses refused.
    solicited_only: crate::ServiceProvider,
}

fn sp_matrix() -> Option<&'static SpMatrix> {
    use crate::crypto::TrustAnchor;
    use crate::settings::{IdpSettings, SignatureScope, SpSettings};
    static MATRIX: std::sync::OnceLock<Option<SpMatrix>> = std::sync::OnceLock::new();
    MATRIX
        .get_or_init(|| {
            let anchor = TrustAnchor::from_any(fixture::CERT_PEM, Some("fuzz")).ok()?;
            let sp = |scope, unsolicited| {
                crate::ServiceProvider::new(
                    IdpSettings::new(fixture::ISSUER, fixture::SSO_URL, vec![anchor.clone()])
                        .with_sign_requests(false)
                        .with_signature_scope(scope),
                    SpSettings::new(fixture::AUDIENCE, fixture::ACS).with_unsolicited(unsolicited),
                )
                .ok()
            };
            Some(SpMatrix {
                either: sp(SignatureScope::Either, true)?,
                assertion: sp(SignatureScope::Assertion, true)?,
                response: sp(SignatureScope::Response, true)?,
                both: sp(SignatureScope::Both, true)?,
                solicited_only: sp(SignatureScope::Either, false)?,
            })
        })
        .as_ref()
}

/// Everything a [`VerifiedAssertion`](crate::VerifiedAssertion) says, and how long the replay
/// cache keeps it: what must not depend on the settings that accepted it.
#[derive(Debug, PartialEq)]
struct Accepted {
    issuer: String,
    assertion_id: String,
    name_id: crate::saml::sp::NameId,
    session_index: Option<String>,
    authn_instant: Option<crate::time::DateTime>,
    authn_context_class_ref: Option<String>,
    not_before: Option<crate::time::DateTime>,
    not_on_or_after: Option<crate::time::DateTime>,
    attributes: Vec<crate::saml::sp::Attribute>,
    signed: Vec<crate::saml::sp::SignedElement>,
    in_response_to: Option<String>,
    keep_until: crate::time::DateTime,
}

/// How [`validate_and_commit`] checks `InResponseTo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Solicited {
    Expect,
    NotTracked,
    Outstanding,
}

impl Solicited {
    fn solicitation(self) -> crate::Solicitation<'static> {
        match self {
            Self::Expect => crate::Solicitation::expect(fixture::REQUEST_ID),
            Self::NotTracked => crate::saml::sp::danger::not_tracked(),
            Self::Outstanding => crate::Solicitation::outstanding(),
        }
    }
}

/// Validates `data` with `sp` and commits it to a fresh store that holds the outstanding
/// request [`fixture::REQUEST_ID`]. On success, checks what every accepted assertion must
/// satisfy, then that the same input is never accepted again from that store: at once, and
/// at any later instant at which it still validates.
fn validate_and_commit(
    sp: &crate::ServiceProvider,
    data: &[u8],
    solicited: Solicited,
    replay: bool,
) -> Option<Accepted> {
    use crate::ErrorKind;
    use crate::saml::replay::{InMemoryStore, RequestStore};
    use crate::saml::sp::SignedElement;
    use crate::settings::SignatureScope;
    let now = fixture::now();
    let store = InMemoryStore::new(16);
    let request_expires = now.checked_add_seconds(3600)?;
    assert!(
        store
            .insert(fixture::REQUEST_ID, request_expires, now)
            .is_ok(),
        "an empty store refused the outstanding request"
    );
    let pending = sp.validate(data, now, solicited.solicitation()).ok()?;
    let keep_until = pending.keep_until();
    assert!(
        keep_until > now,
        "the replay cache would forget the assertion at once"
    );
    let assertion = match pending.commit(&store) {
        Ok(assertion) => assertion,
        Err(e) => {
            // The store is fresh and roomy: only a request that is not outstanding can fail.
            assert_eq!(
                e.kind(),
                ErrorKind::UnknownInResponseTo,
                "unexpected commit error: {e}"
            );
            return None;
        }
    };

    assert_eq!(assertion.issuer(), fixture::ISSUER);
    assert!(!assertion.assertion_id().is_empty(), "empty Assertion ID");
    assert!(
        !crate::xml::trim_xml(&assertion.name_id().value).is_empty(),
        "empty NameID accepted"
    );
    assert!(!assertion.signed().is_empty(), "no signature accepted");
    match solicited {
        Solicited::Expect => assert_eq!(assertion.in_response_to(), Some(fixture::REQUEST_ID)),
        Solicited::Outstanding if !sp.sp().allow_unsolicited() => {
            assert_eq!(assertion.in_response_to(), Some(fixture::REQUEST_ID));
        }
        Solicited::Outstanding => assert!(matches!(
            assertion.in_response_to(),
            None | Some(fixture::REQUEST_ID)
        )),
        Solicited::NotTracked => {}
    }
    let signed = |e| assertion.signed().contains(&e);
    match sp.idp().response_signature_scope() {
        SignatureScope::Assertion => assert!(signed(SignedElement::Assertion)),
        SignatureScope::Response => assert!(signed(SignedElement::Response)),
        SignatureScope::Both => {
            assert!(signed(SignedElement::Assertion) && signed(SignedElement::Response));
        }
        SignatureScope::Either => {}
    }
    if let Some(not_on_or_after) = assertion.not_on_or_after() {
        assert!(
            not_on_or_after
                .checked_add_seconds(fixture::SKEW_SECONDS)
                .is_none_or(|latest| now < latest),
            "expired Conditions accepted"
        );
        assert!(
            not_on_or_after
                .checked_add_seconds(fixture::SKEW_SECONDS)
                .is_none_or(|latest| keep_until >= latest),
            "the replay cache forgets the assertion before its Conditions expire"
        );
    }
    if let Some(not_before) = assertion.not_before() {
        assert!(
            not_before
                .checked_add_seconds(-fixture::SKEW_SECONDS)
                .is_none_or(|earliest| earliest <= now),
            "Conditions not yet valid accepted"
        );
    }

    // The same input again, on the same store: never accepted twice.
    if let Ok(again) = sp.validate(data, now, solicited.solicitation()) {
        let e = again
            .commit(&store)
            .expect_err("the same assertion was accepted twice");
        assert!(
            matches!(e.kind(), ErrorKind::Replay | ErrorKind::UnknownInResponseTo),
            "second commit refused for the wrong reason: {e}"
        );
    }
    if replay {
        let at = |t: crate::time::DateTime| sp.validate(data, t, solicited.solicitation());
        // Not tracking solicitation consumes no request: only the replay cache refuses it.
        if let Ok(again) = sp.validate(data, now, crate::saml::sp::danger::not_tracked()) {
            let e = again
                .commit(&store)
                .expect_err("the same assertion was accepted twice");
            assert_eq!(e.kind(), ErrorKind::Replay, "{e}");
        }
        // The cache keeps the assertion until the last instant it could still be accepted...
        let just_before = match keep_until.subsec_nanos() {
            0 => keep_until
                .checked_add_seconds(-1)
                .and_then(|t| crate::time::DateTime::from_unix(t.unix_seconds(), 999_999_999)),
            n => crate::time::DateTime::from_unix(keep_until.unix_seconds(), n - 1),
        };
        if let Some(t) = just_before.filter(|&t| t > now)
            && let Ok(again) = at(t)
        {
            let e = again
                .commit(&store)
                .expect_err("a replay was accepted before the cache forgot the assertion");
            assert!(
                matches!(e.kind(), ErrorKind::Replay | ErrorKind::UnknownInResponseTo),
                "{e}"
            );
        }
        // ...and from then on the assertion itself is refused.
        assert!(
            at(keep_until).is_err(),
            "the assertion still validates when the replay cache forgets it"
        );
    }

    Some(Accepted {
        issuer: assertion.issuer().to_owned(),
        assertion_id: assertion.assertion_id().to_owned(),
        name_id: assertion.name_id().clone(),
        session_index: assertion.session_index().map(str::to_owned),
        authn_instant: assertion.authn_instant(),
        authn_context_class_ref: assertion.authn_context_class_ref().map(str::to_owned),
        not_before: assertion.not_before(),
        not_on_or_after: assertion.not_on_or_after(),
        attributes: assertion.attributes().to_vec(),
        signed: assertion.signed().to_vec(),
        in_response_to: assertion.in_response_to().map(str::to_owned),
        keep_until,
    })
}

/// Validates arbitrary bytes as a Response under several settings: every signature scope,
/// and solicitation [`expect`](crate::Solicitation::expect)ing [`fixture::REQUEST_ID`],
/// [`outstanding`](crate::Solicitation::outstanding) (a store holding that request; with
/// unsolicited Responses allowed and refused) and
/// [`not_tracked`](crate::saml::sp::danger::not_tracked); commits each acceptance to an
/// [`InMemoryStore`](crate::saml::replay::InMemoryStore), then commits the same input again,
/// which must be refused.
///
/// Must never panic. Besides the invariants of each acceptance (the configured issuer, a
/// non-empty NameID, the expected InResponseTo, the scope's signatures, an unexpired
/// assertion, a replay cache that outlives it), the settings must agree with each other: the
/// weakest (scope `either`, not tracked) accepts whenever any other does, with the same
/// assertion, and each other accepts exactly when what it adds holds (the scope's signatures,
/// the expected InResponseTo). Returns how many of the settings accepted the input.
pub fn sp_validate(data: &[u8]) -> usize {
    use crate::saml::sp::SignedElement;
    let Some(m) = sp_matrix() else {
        return 0;
    };
    // Every setting parses first: one parse turns most fuzz inputs away.
    if Document::parse_bytes(data, &Limits::default()).is_err() {
        return 0;
    }
    let base = validate_and_commit(&m.either, data, Solicited::NotTracked, true);
    let signed = |e| base.as_ref().is_some_and(|b| b.signed.contains(&e));
    let answers = |id: Option<&str>| {
        base.as_ref()
            .is_some_and(|b| b.in_response_to.as_deref() == id)
    };
    let solicited = answers(Some(fixture::REQUEST_ID));
    let checks = [
        (
            "expect",
            validate_and_commit(&m.either, data, Solicited::Expect, false),
            solicited,
        ),
        (
            "outstanding",
            validate_and_commit(&m.either, data, Solicited::Outstanding, false),
            solicited || answers(None),
        ),
        (
            "outstanding, unsolicited refused",
            validate_and_commit(&m.solicited_only, data, Solicited::Outstanding, false),
            solicited,
        ),
        (
            "scope assertion",
            validate_and_commit(&m.assertion, data, Solicited::NotTracked, false),
            signed(SignedElement::Assertion),
        ),
        (
            "scope response",
            validate_and_commit(&m.response, data, Solicited::NotTracked, false),
            signed(SignedElement::Response),
        ),
        (
            "scope both",
            validate_and_commit(&m.both, data, Solicited::NotTracked, false),
            signed(SignedElement::Assertion) && signed(SignedElement::Response),
        ),
    ];
    let mut accepted = usize::from(base.is_some());
    for (name, outcome, expected) in checks {
        assert_eq!(
            outcome.is_some(),
            expected,
            "{name}: accepted = {}, but the weakest settings say {base:?}",
            outcome.is_some()
        );
        if let Some(outcome) = outcome {
            assert_eq!(Some(&outcome), base.as_ref(), "{name}: another assertion");
            accepted += 1;
        }
    }
    accepted
}

/// The identity provider and the two peers [`idp_receive`] uses, built once per process.
struct IdpFixture {
    idp: crate::saml::idp::IdentityProvider,
    /// Requests must be signed with the fixture key.
    signed: crate::saml::idp::SpPeer,
    /// Requests are accepted unsigned; signed ones cannot verify.
    unsigned: crate::saml::idp::SpPeer,
}

fn idp_fixture() -> Option<&'static IdpFixture> {
    use crate::crypto::TrustAnchor;
    use crate::saml::idp::{IdentityProvider, SpPeer, danger};
    static FIXTURE: std::sync::OnceLock<Option<IdpFixture>> = std::sync::OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let key = crate::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).ok()?;
            let anchor = TrustAnchor::from_any(fixture::CERT_PEM, None).ok()?;
            Some(IdpFixture {
                idp: IdentityProvider::new(
                    fixture::ISSUER,
                    fixture::SSO_URL,
                    crate::dsig::Signer::new(key, None),
                ),
                signed: SpPeer::new(fixture::AUDIENCE, fixture::ACS, vec![anchor]).ok()?,
                unsigned: danger::unsigned_requests(fixture::AUDIENCE, fixture::ACS),
            })
        })
        .as_ref()
}

/// Checks an AuthnRequest the IdP accepted from `peer`: `xml` is the request as the IdP parsed
/// it, `had_signature` whether it came with a signature (enveloped for HTTP-POST, in the
/// query for HTTP-Redirect), `relay_state` the RelayState that came with it.
fn check_received(
    peer: &crate::saml::idp::SpPeer,
    request: &crate::saml::idp::ReceivedRequest,
    xml: &[u8],
    had_signature: bool,
    relay_state: Option<&str>,
) {
    assert!(
        !request.signed || had_signature,
        "reported signed without a signature"
    );
    assert!(
        request.signed || !had_signature,
        "a signature that did not count was accepted"
    );
    assert!(
        request.signed || !peer.authn_requests_signed(),
        "an unsigned request accepted from a peer that signs"
    );
    assert!(
        !request.signed || !peer.certificates().is_empty(),
        "a signature verified without keys"
    );
    assert!(!request.id.is_empty(), "empty AuthnRequest ID accepted");
    assert_eq!(request.issuer, peer.entity_id());
    assert_eq!(request.relay_state.as_deref(), relay_state);
    let Ok(doc) = Document::parse_bytes(xml, &Limits::default()) else {
        panic!("an accepted request does not parse again");
    };
    let root = doc.root_element();
    assert_eq!(doc.attribute(root, "ID"), Some(request.id.as_str()));
    match doc.attribute(root, "Destination") {
        Some(destination) => assert_eq!(destination, fixture::SSO_URL),
        None => assert!(!request.signed, "a signed request without Destination"),
    }
    if let Some(acs) = doc.attribute(root, "AssertionConsumerServiceURL") {
        assert_eq!(acs, peer.acs_url());
    }
}

/// Whether the document element of `xml` has a `ds:Signature` child (an enveloped signature
/// as HTTP-POST carries it).
fn has_enveloped_signature(xml: &[u8]) -> bool {
    Document::parse_bytes(xml, &Limits::default()).is_ok_and(|doc| {
        let root = doc.root_element();
        doc.element_children(root)
            .any(|c| doc.is(c, crate::dsig::DSIG_NS, "Signature"))
    })
}

/// `xml` without the UTF-8 byte order mark and XML whitespace in front of it, which the
/// HTTP-Redirect decoding drops.
fn after_bom_and_whitespace(xml: &[u8]) -> &[u8] {
    let xml = xml.strip_prefix(b"\xef\xbb\xbf").unwrap_or(xml);
    let start = xml
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count();
    xml.get(start..).unwrap_or_default()
}

/// The IdP's HTTP-Redirect path for `query`, from one peer: accepts or refuses, and checks
/// what it accepted. Returns the request.
fn receive_redirect(
    f: &IdpFixture,
    peer: &crate::saml::idp::SpPeer,
    query: &str,
) -> Option<crate::saml::idp::ReceivedRequest> {
    let limits = crate::binding::DecodeLimits::default();
    let request = f.idp.receive_redirect(peer, query, fixture::now()).ok()?;
    let parsed = crate::binding::RedirectQuery::parse(query, &limits);
    let decoded = parsed.as_ref().ok().and_then(|q| q.decode(&limits).ok());
    let (Ok(parsed), Some(decoded)) = (parsed.as_ref(), decoded) else {
        panic!("an accepted query does not decode again");
    };
    check_received(
        peer,
        &request,
        &decoded.xml,
        parsed.has_signature(),
        decoded.relay_state.as_deref(),
    );
    Some(request)
}

/// Receives arbitrary bytes as an AuthnRequest at the IdP, from a peer that signs its requests
/// and from one that does not: as HTTP-POST XML, as an HTTP-Redirect query string, and as the
/// XML of an HTTP-Redirect query built around the bytes (unsigned, and with a placeholder
/// query signature that only the fuzzing backend accepts).
///
/// Must never panic. On every acceptance: `signed` exactly when the request came with a
/// signature, never unsigned from the signing peer nor signed from the other, a non-empty
/// ID, the peer's issuer, a Destination that is the SSO URL (required when signed), the
/// registered ACS URL. The unsigned HTTP-Redirect query built around the bytes must be
/// treated as the same XML posted. Returns how many of these paths accepted the input.
pub fn idp_receive(data: &[u8]) -> usize {
    use crate::binding;
    let Some(f) = idp_fixture() else {
        return 0;
    };
    let now = fixture::now();
    let mut accepted = 0;
    // Deflating is the dearest step: only bytes that can be the XML of a query are wrapped.
    let wrapped = Document::parse_bytes(after_bom_and_whitespace(data), &Limits::default())
        .is_ok()
        .then(|| {
            let unsigned = format!(
                "SAMLRequest={}&RelayState=rs",
                binding::encode_redirect(data)
            );
            let signed = format!(
                "{unsigned}&SigAlg={}&Signature=AAAA",
                binding::url_encode(crate::crypto::SignatureAlgorithm::RsaSha256.uri())
            );
            (unsigned, signed)
        });
    for peer in [&f.signed, &f.unsigned] {
        if let Ok(request) = f.idp.receive_post(peer, data, Some("rs"), now) {
            let enveloped = has_enveloped_signature(data);
            check_received(peer, &request, data, enveloped, Some("rs"));
            accepted += 1;
        }
        if let Ok(query) = std::str::from_utf8(data)
            && receive_redirect(f, peer, query).is_some()
        {
            accepted += 1;
        }
        let Some((unsigned, signed)) = &wrapped else {
            continue;
        };
        if receive_redirect(f, peer, signed).is_some() {
            accepted += 1;
        }
        if let Some(request) = receive_redirect(f, peer, unsigned) {
            accepted += 1;
            // The same XML, posted (after the binding's decoding, which drops a BOM and
            // leading whitespace), is received the same way unless it is signed there.
            let limits = binding::DecodeLimits::default();
            let Ok(decoded) =
                binding::RedirectQuery::parse(unsigned, &limits).and_then(|q| q.decode(&limits))
            else {
                panic!("an accepted query does not decode again");
            };
            if !has_enveloped_signature(&decoded.xml) {
                let posted = f.idp.receive_post(peer, &decoded.xml, Some("rs"), now);
                assert_eq!(posted.ok().as_ref(), Some(&request), "HTTP-POST disagrees");
            }
        }
    }
    accepted
}

/// The two receivers [`logout_receive`] uses on each side, built once per process: the SP and
/// the IdP each strict (signed messages only) and lenient (unsigned ones accepted through the
/// `danger` opt-outs, so the unsigned HTTP-Redirect path and the POST/Redirect agreement are
/// reached). All trust the fixture key.
struct LogoutFixture {
    sp_strict: crate::ServiceProvider,
    sp_lenient: crate::ServiceProvider,
    idp: crate::saml::idp::IdentityProvider,
    /// The fixture SP as the IdP's only peer, signed logout messages only.
    peers_strict: [crate::saml::idp::SpPeer; 1],
    /// The same peer, unsigned logout messages accepted.
    peers_lenient: [crate::saml::idp::SpPeer; 1],
    /// The fixture certificate, for the stateless `verify`.
    anchor: crate::crypto::TrustAnchor,
}

fn logout_fixture() -> Option<&'static LogoutFixture> {
    use crate::crypto::TrustAnchor;
    use crate::saml::idp::{IdentityProvider, SpPeer};
    use crate::settings::{Binding, IdpSettings, SpSettings};
    static FIXTURE: std::sync::OnceLock<Option<LogoutFixture>> = std::sync::OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let key = crate::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).ok()?;
            let anchor = TrustAnchor::from_any(fixture::CERT_PEM, None).ok()?;
            let sp = |lenient: bool| {
                let mut idp =
                    IdpSettings::new(fixture::ISSUER, fixture::SSO_URL, vec![anchor.clone()])
                        .with_single_logout_service(fixture::IDP_SLO_URL, Binding::HttpRedirect)
                        .with_sign_requests(false);
                if lenient {
                    crate::settings::danger::accept_unsigned_logout(&mut idp);
                }
                crate::ServiceProvider::new(
                    idp,
                    SpSettings::new(fixture::AUDIENCE, fixture::ACS)
                        .with_single_logout_url(fixture::SP_SLO_URL),
                )
                .ok()
            };
            let peer = SpPeer::new(fixture::AUDIENCE, fixture::ACS, vec![anchor.clone()])
                .ok()?
                .with_single_logout_service(fixture::SP_SLO_URL, Binding::HttpRedirect);
            let mut lenient = peer.clone();
            crate::saml::idp::danger::accept_unsigned_logout(&mut lenient);
            Some(LogoutFixture {
                sp_strict: sp(false)?,
                sp_lenient: sp(true)?,
                idp: IdentityProvider::new(
                    fixture::ISSUER,
                    fixture::SSO_URL,
                    crate::dsig::Signer::new(key, None),
                )
                .with_single_logout_url(fixture::IDP_SLO_URL),
                peers_strict: [peer],
                peers_lenient: [lenient],
                anchor,
            })
        })
        .as_ref()
}

/// One receiving endpoint of [`logout_receive`]: what it verifies with and what it expects.
#[derive(Clone, Copy)]
struct LogoutEndpoint<'f> {
    side: LogoutSide<'f>,
    /// The peer entity ID every accepted message must be issued by.
    peer: &'static str,
    /// Our Single Logout URL: the Destination expected.
    our_url: &'static str,
    /// Whether unsigned messages may be accepted.
    accept_unsigned: bool,
    skew: i64,
    /// The key the peer signs with.
    anchor: &'f crate::crypto::TrustAnchor,
}

#[derive(Clone, Copy)]
enum LogoutSide<'f> {
    Sp(&'f crate::ServiceProvider),
    Idp(
        &'f crate::saml::idp::IdentityProvider,
        &'f [crate::saml::idp::SpPeer],
    ),
}

impl LogoutEndpoint<'_> {
    fn receive(
        &self,
        incoming: &crate::saml::logout::Incoming<'_>,
        now: crate::time::DateTime,
    ) -> Result<crate::saml::logout::ReceivedLogout, crate::SamlError> {
        match self.side {
            LogoutSide::Sp(sp) => sp.receive_logout(incoming, now),
            LogoutSide::Idp(idp, peers) => idp.receive_logout(peers, incoming, now),
        }
    }

    /// The same checks through the stateless [`crate::saml::logout::verify`].
    fn verify(
        &self,
        incoming: &crate::saml::logout::Incoming<'_>,
    ) -> Result<crate::saml::logout::InspectedLogout, crate::SamlError> {
        use crate::saml::logout::{VerifySettings, danger};
        let mut settings = VerifySettings::new(self.peer, self.our_url, vec![self.anchor.clone()])
            .with_max_clock_skew(std::time::Duration::from_secs(self.skew.unsigned_abs()));
        if self.accept_unsigned {
            danger::accept_unsigned(&mut settings);
        }
        crate::saml::logout::verify(incoming, &settings, fixture::now())
    }
}

/// What one logout path accepted and committed, compared between bindings and with
/// [`crate::saml::logout::verify`]: the message's fields (binding aside), and the commit's
/// outcome (a LogoutResponse for another request is verified but not matched).
#[derive(Debug, PartialEq)]
struct LogoutAccepted {
    fields: crate::saml::logout::InspectedLogout,
    committed: Result<(), crate::ErrorKind>,
}

/// The request store a LogoutResponse is committed to: [`fixture::LOGOUT_REQUEST_ID`] pending
/// as a LogoutRequest, [`fixture::REQUEST_ID`] pending as an AuthnRequest (which no
/// LogoutResponse may consume).
fn logout_store() -> crate::saml::replay::InMemoryStore {
    use crate::saml::replay::{InMemoryStore, RequestStore};
    let now = fixture::now();
    let store = InMemoryStore::new(16);
    let expires = now
        .checked_add_seconds(crate::saml::logout::LOGOUT_LIFETIME_SECONDS)
        .unwrap_or(now);
    let pending = crate::saml::logout::pending_key(fixture::LOGOUT_REQUEST_ID);
    assert!(
        store.insert(&pending, expires, now).is_ok()
            && store.insert(fixture::REQUEST_ID, expires, now).is_ok(),
        "an empty store refused the pending requests"
    );
    store
}

/// Receives `incoming` at `at`, commits what was accepted to a fresh store, checks it, and
/// checks that receiving and committing it again is refused. `had_signature`: whether it came
/// with a signature (enveloped, or in the query).
fn receive_logout_and_commit(
    at: &LogoutEndpoint<'_>,
    incoming: &crate::saml::logout::Incoming<'_>,
    had_signature: bool,
) -> Option<LogoutAccepted> {
    use crate::ErrorKind;
    use crate::saml::logout::{InspectedLogout, ReceivedLogout};
    let now = fixture::now();
    let received = at.receive(incoming, now).ok()?;
    let store = logout_store();
    let (fields, committed) = match received {
        ReceivedLogout::Request(pending) => {
            let keep_until = pending.keep_until();
            let request = match pending.commit(&store) {
                Ok(request) => request,
                Err(e) => panic!("a fresh replay cache refused a LogoutRequest: {e}"),
            };
            assert!(
                !crate::xml::trim_xml(&request.name_id().value).is_empty(),
                "a LogoutRequest without a NameID value accepted"
            );
            if let Some(not_on_or_after) = request.not_on_or_after() {
                assert!(
                    not_on_or_after
                        .checked_add_seconds(at.skew)
                        .is_none_or(|latest| now < latest),
                    "an expired LogoutRequest accepted"
                );
                assert!(
                    not_on_or_after
                        .checked_add_seconds(at.skew)
                        .is_none_or(|latest| keep_until >= latest),
                    "the replay cache forgets a LogoutRequest before it expires"
                );
            }
            // Received again, the same request is a replay.
            match at.receive(incoming, now) {
                Ok(ReceivedLogout::Request(again)) => {
                    let e = again
                        .commit(&store)
                        .expect_err("the same LogoutRequest was committed twice");
                    assert_eq!(e.kind(), ErrorKind::Replay, "{e}");
                }
                _ => panic!("an accepted LogoutRequest is refused a second time"),
            }
            // When the replay cache forgets it, it is refused on its own.
            assert!(
                keep_until <= now || at.receive(incoming, keep_until).is_err(),
                "a LogoutRequest still verifies when the replay cache forgets it"
            );
            (
                InspectedLogout {
                    message: "LogoutRequest",
                    id: request.id().to_owned(),
                    issuer: request.issuer().to_owned(),
                    issue_instant: request.issue_instant(),
                    destination: request.destination().map(str::to_owned),
                    signed: request.signed(),
                    binding: request.binding(),
                    relay_state: request.relay_state().map(str::to_owned),
                    name_id: Some(request.name_id().clone()),
                    name_id_encrypted: request.name_id_encrypted(),
                    session_indexes: request.session_indexes().to_vec(),
                    reason: request.reason().map(str::to_owned),
                    not_on_or_after: request.not_on_or_after(),
                    in_response_to: None,
                    status: None,
                },
                Ok(()),
            )
        }
        ReceivedLogout::Response(pending) => {
            let in_response_to = pending.in_response_to().map(str::to_owned);
            let answers_ours = in_response_to.as_deref() == Some(fixture::LOGOUT_REQUEST_ID);
            let response = match pending.commit(&store) {
                Ok(response) => response,
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::UnknownInResponseTo, "{e}");
                    assert!(
                        !answers_ours,
                        "the pending LogoutRequest was not matched: {e}"
                    );
                    let fields = at.verify(incoming).unwrap_or_else(|e| {
                        panic!("verify refuses what receive_logout accepted: {e}")
                    });
                    check_logout_fields(at, &fields, had_signature);
                    return Some(LogoutAccepted {
                        fields,
                        committed: Err(e.kind()),
                    });
                }
            };
            assert!(
                answers_ours,
                "a LogoutResponse consumed {in_response_to:?}, which was not pending"
            );
            assert_eq!(response.in_response_to(), in_response_to.as_deref());
            // The pending request is used up: the same response again is not matched.
            match at.receive(incoming, now) {
                Ok(ReceivedLogout::Response(again)) => {
                    let e = again
                        .commit(&store)
                        .expect_err("a pending LogoutRequest was answered twice");
                    assert_eq!(e.kind(), ErrorKind::UnknownInResponseTo, "{e}");
                }
                _ => panic!("an accepted LogoutResponse is refused a second time"),
            }
            (
                InspectedLogout {
                    message: "LogoutResponse",
                    id: response.id().to_owned(),
                    issuer: response.issuer().to_owned(),
                    issue_instant: response.issue_instant(),
                    destination: response.destination().map(str::to_owned),
                    signed: response.signed(),
                    binding: response.binding(),
                    relay_state: response.relay_state().map(str::to_owned),
                    name_id: None,
                    name_id_encrypted: false,
                    session_indexes: Vec::new(),
                    reason: None,
                    not_on_or_after: None,
                    in_response_to: response.in_response_to().map(str::to_owned),
                    status: Some(response.status().clone()),
                },
                Ok(()),
            )
        }
    };
    check_logout_fields(at, &fields, had_signature);
    // The stateless verification sees the same message.
    match at.verify(incoming) {
        Ok(inspected) => assert_eq!(inspected, fields, "verify disagrees with receive_logout"),
        Err(e) => panic!("verify refuses what receive_logout accepted: {e}"),
    }
    Some(LogoutAccepted { fields, committed })
}

/// What every accepted logout message must satisfy, whatever its kind.
fn check_logout_fields(
    at: &LogoutEndpoint<'_>,
    m: &crate::saml::logout::InspectedLogout,
    had_signature: bool,
) {
    let now = fixture::now();
    assert_eq!(m.issuer, at.peer, "a logout message from another issuer");
    assert!(!crate::xml::trim_xml(&m.id).is_empty(), "empty ID accepted");
    assert_eq!(
        m.signed, had_signature,
        "signed does not say whether it came signed"
    );
    assert!(
        m.signed || at.accept_unsigned,
        "an unsigned logout message accepted from a peer that signs"
    );
    match &m.destination {
        Some(destination) => assert_eq!(destination, at.our_url, "misdirected"),
        None => assert!(!m.signed, "a signed logout message without Destination"),
    }
    assert!(
        m.issue_instant
            .checked_add_seconds(-at.skew)
            .is_none_or(|earliest| earliest <= now),
        "a logout message issued in the future accepted"
    );
    assert_eq!(m.message == "LogoutRequest", m.name_id.is_some());
    if let Some(name_id) = &m.name_id {
        assert!(
            !crate::xml::trim_xml(&name_id.value).is_empty(),
            "empty NameID"
        );
    }
    if m.message == "LogoutResponse" {
        assert!(m.status.is_some(), "a LogoutResponse without a status");
    }
}

/// Receives arbitrary bytes as a logout message at the fixture SP's Single Logout URL (from
/// the fixture IdP) and at the fixture IdP's (from the fixture SP), each strict and lenient:
/// as HTTP-POST (the base64 of the bytes, with a RelayState), as an HTTP-Redirect query string
/// (the bytes, when UTF-8), and, when the bytes parse as XML, as an HTTP-Redirect query built
/// around them (unsigned, and with a placeholder query signature that only the fuzzing
/// backend accepts; `SAMLResponse` for a LogoutResponse, else `SAMLRequest`). Every accepted
/// message is committed to a fresh [`InMemoryStore`](crate::saml::replay::InMemoryStore).
///
/// The pending LogoutRequest a LogoutResponse may answer is the fixed
/// [`fixture::LOGOUT_REQUEST_ID`], inserted under the request store's logout namespace by the
/// very function [`UnrecordedLogout::record`](crate::saml::logout::UnrecordedLogout::record)
/// and the commit use. A request recorded through `logout_request(...).record(...)` would do
/// the same, but its ID is random and made in the fuzzing process, so no seed (made earlier,
/// in another process, and signed) could answer it; a fixed ID can be signed into the seeds,
/// as `sp_validate` does with [`fixture::REQUEST_ID`], which the same store also holds
/// pending, bare, as an AuthnRequest that no LogoutResponse may consume.
///
/// Must never panic. On every acceptance: the configured peer as Issuer; `signed` exactly
/// when it came with a signature, and unsigned only where the `danger` opt-out allows it; a
/// Destination that is our Single Logout URL (required when signed); IssueInstant not after
/// now + skew; NotOnOrAfter, if any, after now − skew and no later than the replay cache
/// remembers the request; a LogoutRequest has a non-empty NameID, commits once, and is a
/// `replay` the second time; a LogoutResponse commits only when it answers the pending
/// LogoutRequest, and only once; [`crate::saml::logout::verify`] agrees field by field. An
/// unsigned query built around XML without an enveloped signature is received exactly as the
/// same XML posted. Returns how many paths accepted the input.
pub fn logout_receive(data: &[u8]) -> usize {
    use crate::binding;
    use crate::saml::logout::Incoming;
    let Some(f) = logout_fixture() else {
        return 0;
    };
    let skew = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let sp_skew = skew(f.sp_strict.idp().max_clock_skew());
    let idp_skew = skew(f.idp.max_clock_skew());
    let endpoints = [(&f.sp_strict, false), (&f.sp_lenient, true)]
        .map(|(sp, accept_unsigned)| LogoutEndpoint {
            side: LogoutSide::Sp(sp),
            peer: fixture::ISSUER,
            our_url: fixture::SP_SLO_URL,
            accept_unsigned,
            skew: sp_skew,
            anchor: &f.anchor,
        })
        .into_iter()
        .chain([(&f.peers_strict, false), (&f.peers_lenient, true)].map(
            |(peers, accept_unsigned)| LogoutEndpoint {
                side: LogoutSide::Idp(&f.idp, peers),
                peer: fixture::AUDIENCE,
                our_url: fixture::IDP_SLO_URL,
                accept_unsigned,
                skew: idp_skew,
                anchor: &f.anchor,
            },
        ));

    let limits = binding::DecodeLimits::default();
    let posted = binding::encode_post(data);
    let enveloped = has_enveloped_signature(data);
    let raw_query = std::str::from_utf8(data).ok().map(|q| {
        let signed = binding::RedirectQuery::parse(q, &limits).is_ok_and(|p| p.has_signature());
        (q, signed)
    });
    // Deflating is the dearest step: only bytes that can be the XML of a query are wrapped.
    let wrapped = Document::parse_bytes(after_bom_and_whitespace(data), &Limits::default())
        .ok()
        .map(|doc| {
            let parameter = if doc.local_name(doc.root_element()) == "LogoutResponse" {
                "SAMLResponse"
            } else {
                "SAMLRequest"
            };
            let unsigned = format!(
                "{parameter}={}&RelayState=rs",
                binding::encode_redirect(data)
            );
            let signed = format!(
                "{unsigned}&SigAlg={}&Signature=AAAA",
                binding::url_encode(crate::crypto::SignatureAlgorithm::RsaSha256.uri())
            );
            (unsigned, signed)
        });

    let mut accepted = 0;
    for at in endpoints {
        let post = Incoming::post(&posted, Some("rs"));
        accepted += usize::from(receive_logout_and_commit(&at, &post, enveloped).is_some());
        if let Some((query, signed)) = raw_query {
            let incoming = Incoming::redirect(query);
            accepted += usize::from(receive_logout_and_commit(&at, &incoming, signed).is_some());
        }
        let Some((unsigned, signed)) = &wrapped else {
            continue;
        };
        let incoming = Incoming::redirect(signed);
        accepted += usize::from(receive_logout_and_commit(&at, &incoming, true).is_some());
        let Some(by_redirect) =
            receive_logout_and_commit(&at, &Incoming::redirect(unsigned), false)
        else {
            continue;
        };
        accepted += 1;
        // The same XML, posted (after the binding's decoding, which drops a BOM and leading
        // whitespace), is received the same way unless it is signed there.
        let Ok(decoded) =
            binding::RedirectQuery::parse(unsigned, &limits).and_then(|q| q.decode(&limits))
        else {
            panic!("an accepted query does not decode again");
        };
        if !has_enveloped_signature(&decoded.xml) {
            let b64 = binding::encode_post(&decoded.xml);
            let by_post = receive_logout_and_commit(&at, &Incoming::post(&b64, Some("rs")), false);
            let Some(mut by_post) = by_post else {
                panic!("HTTP-POST refuses what the unsigned HTTP-Redirect query accepted");
            };
            by_post.fields.binding = by_redirect.fields.binding;
            assert_eq!(by_post, by_redirect, "HTTP-POST and HTTP-Redirect disagree");
        }
    }
    accepted
}
