//! A2: comment and text-node truncation. Duo Labs advisory (27 Feb 2018, CERT VU#475445):
//! CVE-2017-11427 (python-saml), CVE-2017-11428 (ruby-saml), CVE-2017-11429 (saml2-js),
//! CVE-2017-11430 (OmniAuth-SAML), CVE-2018-0489 (Shibboleth), CVE-2018-5387, CVE-2018-7340.
//! The attacker owns `alice@org1.example.evil.example` and splits its NameID with `<!---->`;
//! exclusive c14n without comments drops the comment, so the signature stays valid, and an SP
//! reading the first text node would log in `alice@org1.example`.
//!
//! Defences: `Document::text` concatenates every text and CDATA child (comments never split a
//! value), used by `sp::Covered::text` for NameID and AttributeValue; c14n omits comments but
//! keeps processing instructions; `signature_parts` refuses comments and PIs inside
//! `ds:Signature` (xml-crypto CVE-2025-29775).

use saml_core::dsig::{DSIG_NS, DsigError};
use saml_core::saml::idp::{SignTarget, Subject};
use saml_core::saml::sp::ServiceProvider;
use saml_core::settings::{IdpSettings, SpSettings};
use saml_core::xml::{Document, NodeId};

use crate::helpers::*;

/// The attacker's own account, whose name extends the victim's.
const ATTACKER: &str = "alice@org1.example.evil.example";

/// A Response our IdP signed (as `sign`) for the attacker's account, with role attribute
/// `admin-requests`.
fn attacker_response(sign: SignTarget) -> String {
    let subject = Subject::new(ATTACKER).with_attribute("role", vec!["admin-requests".into()]);
    issue_for(&subject, sign)
}

/// Duo 2018, CVE-2017-11427: `<!---->` inside the signed NameID. The signature still verifies
/// (Assertion-signed and Response-signed alike) and the value read is the whole text.
#[test]
fn comment_inside_signed_name_id_reads_the_whole_value() {
    for sign in [
        SignTarget::Assertion,
        SignTarget::Response,
        SignTarget::Both,
    ] {
        let xml = replace_once(
            &attacker_response(sign),
            "alice@org1.example.evil.example</saml:NameID>",
            "alice@org1.example<!---->.evil.example</saml:NameID>",
        );
        let v = accepted(&sp(), &xml);
        assert_eq!(v.name_id().value, ATTACKER, "{sign:?}");
    }
}

/// The same split in an AttributeValue: `admin<!---->-requests` is read as `admin-requests`,
/// never as `admin`.
#[test]
fn comment_inside_signed_attribute_value_reads_the_whole_value() {
    let xml = replace_once(
        &attacker_response(SignTarget::Assertion),
        ">admin-requests<",
        ">admin<!-- split -->-requests<",
    );
    let v = accepted(&sp(), &xml);
    assert_eq!(
        v.attribute("role"),
        Some(&["admin-requests".to_owned()][..])
    );
}

/// crewjam `TestSPRejectsInjectedComment`: text appended after a comment is new signed content,
/// so the digest fails (the Assertion's signature is checked; kind `digest_mismatch`).
#[test]
fn text_after_a_comment_fails_the_digest() {
    let xml = replace_once(
        &issue(SignTarget::Assertion),
        "alice@org1.example</saml:NameID>",
        "alice@org1.example<!--x-->.evil.example</saml:NameID>",
    );
    let err = rejected(&sp(), &xml);
    assert_kind(&err, "digest_mismatch");
    let (element, source) = dsig_source(&err);
    assert_eq!(element, "Assertion");
    assert!(
        matches!(source, DsigError::DigestMismatch { .. }),
        "{source:?}"
    );
}

/// OneUptime #2988 (processing-instruction variant): c14n keeps processing instructions, so a
/// PI inserted inside a signed value is a digest mismatch, not a silent split.
#[test]
fn processing_instruction_inside_signed_value_fails_the_digest() {
    let xml = replace_once(
        &attacker_response(SignTarget::Assertion),
        "alice@org1.example.evil.example</saml:NameID>",
        "alice@org1.example<?split?>.evil.example</saml:NameID>",
    );
    let err = rejected(&sp(), &xml);
    assert_kind(&err, "digest_mismatch");
}

/// A CDATA section is text to c14n: splitting the signed value into text and CDATA keeps the
/// digest, and the value read includes the CDATA part.
#[test]
fn cdata_split_reads_the_whole_value() {
    let xml = replace_once(
        &attacker_response(SignTarget::Assertion),
        "alice@org1.example.evil.example</saml:NameID>",
        "alice@org1.example<![CDATA[.evil.example]]></saml:NameID>",
    );
    assert_eq!(accepted(&sp(), &xml).name_id().value, ATTACKER);
}

/// xml-crypto CVE-2025-29775: a comment inside `ds:DigestValue` (there the digest was read from
/// the comment). Any comment inside the Signature is refused.
#[test]
fn comment_inside_digest_value_is_refused() {
    let xml = replace_once(
        &issue(SignTarget::Assertion),
        "<ds:DigestValue>",
        "<ds:DigestValue><!--AAAA-->",
    );
    let err = rejected(&sp(), &xml);
    assert_kind(&err, "comment_in_signature");
    assert!(matches!(dsig_source(&err).1, DsigError::CommentInSignature));
}

/// The Google 2016 Response (`saml/valid/google-2016-response-signed.xml.b64`, ATTACKS.md A2).
mod google {
    use super::*;

    /// An SP configured from the vector's README row (clock skew 0).
    fn sp() -> ServiceProvider {
        let idp = IdpSettings::new(
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
            "https://idp.invalid/sso",
            vec![vector_anchor("google-C02dfl1r1.pem")],
        )
        .with_max_clock_skew(std::time::Duration::ZERO);
        ServiceProvider::new(
            idp.with_sign_requests(false),
            SpSettings::new(
                "https://29ee6d2e.ngrok.io/saml/metadata",
                "https://29ee6d2e.ngrok.io/saml/acs",
            ),
        )
        .expect("complete settings")
    }

    /// Validates at the vector's "now"; the NameID value on success.
    fn validate(xml: &str) -> Result<String, saml_core::saml::SamlError> {
        validate_at(&sp(), xml, time("2016-01-05T16:55:39Z")).map(|v| v.name_id().value.clone())
    }

    /// `<!-- x -->` inside `ross@octolabs.io` still verifies and yields the whole value.
    #[test]
    fn comment_inside_name_id_verifies() {
        let xml = replace_once(
            &vector("saml/valid/google-2016-response-signed.xml.b64"),
            ">ross@octolabs.io<",
            ">ross@<!-- x -->octolabs.io<",
        );
        assert_eq!(validate(&xml).expect("valid"), "ross@octolabs.io");
    }

    /// `ross@octolabs.io<!--x-->.example.com` fails the Response's digest.
    #[test]
    fn appended_text_fails_the_digest() {
        let xml = replace_once(
            &vector("saml/valid/google-2016-response-signed.xml.b64"),
            ">ross@octolabs.io<",
            ">ross@octolabs.io<!--x-->.example.com<",
        );
        let err = validate(&xml).expect_err("tampered");
        assert_kind(&err, "digest_mismatch");
        assert_eq!(dsig_source(&err).0, "Response");
    }
}

/// ruby-saml `response_node_text_attack2.xml.base64` (stored as
/// `saml/valid/comment-in-nameid-signed.xml.b64`, CVE-2017-11428): NameID
/// `test<!-- attack -->@onelogin.com` under a valid Response signature. At the dsig level (its
/// Recipient does not match any usable ACS): the signature verifies with `ruby-saml.pem` under
/// the legacy policy, the NameID lies inside what was verified, and its value is the whole
/// `test@onelogin.com`.
#[test]
fn stored_comment_in_name_id_vector() {
    let text = vector("saml/valid/comment-in-nameid-signed.xml.b64");
    let doc = Document::parse(&text).expect("parses");
    let sig = doc
        .descendants(NodeId::DOCUMENT)
        .find(|&n| doc.is(n, DSIG_NS, "Signature"))
        .expect("signature");
    let v = verifier(
        vec![vector_anchor("ruby-saml.pem")],
        saml_core::crypto::danger::legacy(),
    );
    let verified = v.verify(&doc, sig).expect("valid signature");
    let name_id = doc
        .descendants(verified.element())
        .find(|&n| doc.is(n, A, "NameID"))
        .expect("NameID");
    assert!(verified.covers(name_id));
    assert!(
        doc.has_comment_or_pi_child(name_id),
        "the vector carries the comment"
    );
    assert_eq!(doc.text_unverified(name_id), "test@onelogin.com");
}
