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

/// Parses arbitrary bytes. Must never panic; on success, walks every node.
pub fn parse(data: &[u8]) {
    if let Ok(doc) = Document::parse_bytes(data, &Limits::default()) {
        for i in 0..doc.node_count() {
            let _ = doc.kind(crate::xml::NodeId(i as u32));
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
    use crate::time::Instant;

    /// The IdP Issuer URI.
    pub const ISSUER: &str = "https://idp.fuzz.example/saml";
    /// The SP entity ID.
    pub const AUDIENCE: &str = "https://sp.fuzz.example/metadata";
    /// The ACS URL.
    pub const ACS: &str = "https://sp.fuzz.example/acs";
    /// The trusted certificate (a public test certificate).
    pub const CERT_PEM: &[u8] = include_bytes!("../testdata/rsa2048.cert.pem");
    /// The matching test key, for making seeds.
    pub const KEY_PEM: &[u8] = include_bytes!("../testdata/rsa2048.pk8.pem");

    /// 2026-11-22T12:00:00Z.
    pub fn now() -> Instant {
        Instant::from_unix_seconds(1_795_348_800)
    }

    /// The service provider fuzz inputs are validated by.
    pub fn service_provider() -> Option<ServiceProvider> {
        let anchor = TrustAnchor::from_any(CERT_PEM, Some("fuzz")).ok()?;
        ServiceProvider::new(
            IdpSettings::new(ISSUER, "https://idp.fuzz.example/sso", vec![anchor])
                .with_sign_requests(false),
            SpSettings::new(AUDIENCE, ACS).with_unsolicited(true),
        )
        .ok()
    }
}

/// A Response signed by the fixture IdP at [`fixture::now`], valid for
/// [`fixture::service_provider`] (used to make the `verify` seed corpus).
pub fn signed_seed(target: crate::saml::idp::SignTarget) -> Option<String> {
    use crate::saml::idp::{IdentityProvider, Subject};
    let key = crate::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).ok()?;
    let cert = crate::crypto::Certificate::from_pem(fixture::CERT_PEM, None).ok()?;
    let idp = IdentityProvider::new(
        fixture::ISSUER,
        "https://idp.fuzz.example/sso",
        crate::dsig::Signer::new(key, Some(cert)),
    )
    .with_sign_target(target);
    let peer = crate::saml::idp::danger::unsigned_requests(fixture::AUDIENCE, fixture::ACS);
    let subject = Subject::new("alice@example.com")
        .with_attribute("groups", vec!["a".into(), "b & c".into()]);
    idp.issue(&peer, &subject, None, fixture::now()).ok()
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
