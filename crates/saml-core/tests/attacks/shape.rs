//! A11: malformed Signature shapes, each made by splicing an IdP-signed (Assertion-signed)
//! Response. xml-crypto CVE-2025-29774 (two SignedInfo), goxmldsig CVE-2020-15216 (validateShape:
//! one SignedInfo, one SignatureValue, ≤ 1 KeyInfo), xmlseclibs/SimpleSAMLphp CVE-2019-3465
//! (SAMLRaider XSW9: a second SignedInfo), ruby-saml CVE-2024-45409 (DigestValue looked up
//! document-wide), goxmldsig CVE-2026-33487 (several References), samael `object_attack`.
//!
//! Defences: `signature_parts` reads the Signature strictly by position through `Strict`
//! (kind `malformed_signature`, `DsigError::is_malformed_signature`; `comment_in_signature` from its
//! comment/PI scan); `Verifier::signature_of` (kind `multiple_signatures`).

use saml_core::saml::SamlError;
use saml_core::saml::idp::SignTarget;

use crate::helpers::*;

/// Alice's Assertion-signed Response and the spans of its Signature's children.
struct Signed {
    xml: String,
    signature: Span,
    signed_info: Span,
    signature_value: Span,
    key_info: Span,
}

/// Alice's Assertion-signed Response from our IdP, with its Signature's parts located.
fn signed() -> Signed {
    let xml = issue(SignTarget::Assertion);
    let signature = signature_in(&xml, &assertion(&xml));
    let signed_info = child(&xml, &signature, saml_core::dsig::DSIG_NS, "SignedInfo");
    let signature_value = child(&xml, &signature, saml_core::dsig::DSIG_NS, "SignatureValue");
    let key_info = child(&xml, &signature, saml_core::dsig::DSIG_NS, "KeyInfo");
    Signed {
        xml,
        signature,
        signed_info,
        signature_value,
        key_info,
    }
}

impl Signed {
    /// The exact bytes of a part.
    fn text(&self, s: &Span) -> &str {
        &self.xml[s.outer.clone()]
    }
}

/// Asserts `malformed_signature` (`DsigError::is_malformed_signature`) on the Assertion's signature.
#[track_caller]
fn malformed(xml: &str) -> SamlError {
    let err = rejected(&sp(), xml);
    assert_structural(&err, "malformed_signature");
    let (element, source) = dsig_source(&err);
    assert_eq!(element, "Assertion");
    assert!(source.is_malformed_signature(), "{source:?}");
    err
}

/// xml-crypto CVE-2025-29774, SAMLRaider XSW9 (CVE-2019-3465): a second SignedInfo, after the
/// genuine one and before it.
#[test]
fn two_signed_info() {
    let s = signed();
    let second = s
        .text(&s.signed_info)
        .replace(&assertion_id(&s.xml), EVIL_ID);
    malformed(&insert(&s.xml, s.signed_info.outer.end, &second));
    malformed(&insert(&s.xml, s.signed_info.outer.start, &second));
}

/// xml-crypto `saml_wrapped_signed_info_node.xml`: the extra SignedInfo wrapped in a foreign
/// element inside the Signature.
#[test]
fn signed_info_wrapped_in_a_foreign_element() {
    let s = signed();
    let wrapped = format!(
        "<x:Wrap xmlns:x=\"urn:x\">{}</x:Wrap>",
        s.text(&s.signed_info)
    );
    malformed(&insert(&s.xml, s.key_info.outer.end, &wrapped));
}

/// goxmldsig CVE-2020-15216: two SignatureValue, two KeyInfo.
#[test]
fn repeated_signature_value_or_key_info() {
    let s = signed();
    malformed(&insert(
        &s.xml,
        s.signature_value.outer.end,
        s.text(&s.signature_value),
    ));
    malformed(&insert(&s.xml, s.key_info.outer.end, s.text(&s.key_info)));
}

/// Children out of schema order: SignatureValue before SignedInfo.
#[test]
fn children_out_of_order() {
    let s = signed();
    let swapped = format!(
        "{}{}{}",
        s.text(&s.signature_value),
        s.text(&s.signed_info),
        s.text(&s.key_info)
    );
    malformed(&splice(
        &s.xml,
        s.signed_info.outer.start..s.key_info.outer.end,
        &swapped,
    ));
}

/// goxmldsig CVE-2026-33487: a second Reference (to the Response) next to the genuine one.
#[test]
fn two_references() {
    let s = signed();
    let reference = first(&s.xml, saml_core::dsig::DSIG_NS, "Reference");
    let other = s.xml[reference.outer.clone()].replace(
        &format!("#{}", assertion_id(&s.xml)),
        &format!("#{}", response_id(&s.xml)),
    );
    malformed(&insert(&s.xml, reference.outer.end, &other));
}

/// ruby-saml CVE-2024-45409: the Reference's DigestValue moved out of the Signature into
/// `samlp:Extensions`, where a document-wide `//ds:DigestValue` lookup would find it.
#[test]
fn digest_value_outside_the_reference() {
    let s = signed();
    let dv = first(&s.xml, saml_core::dsig::DSIG_NS, "DigestValue");
    let digest = s.xml[dv.outer.clone()].to_owned();
    let without = splice(&s.xml, dv.outer.clone(), "");
    let status = child(&without, &root(&without), P, "Status");
    let moved = insert(
        &without,
        status.outer.start,
        &format!(
            "<samlp:Extensions>{}</samlp:Extensions>",
            digest.replace(
                "<ds:DigestValue>",
                "<ds:DigestValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
            )
        ),
    );
    malformed(&moved);
}

/// samael `object_attack_response.xml`: a `ds:Object` (here with harmless content; with an
/// Assertion inside, the SP's placement rule fires first, see `xsw`).
#[test]
fn object_inside_signature() {
    let s = signed();
    malformed(&insert(
        &s.xml,
        s.signature.inner.end,
        "<ds:Object><x:Data xmlns:x=\"urn:x\">payload</x:Data></ds:Object>",
    ));
}

/// Non-whitespace text between the Signature's children.
#[test]
fn text_inside_signature() {
    let s = signed();
    malformed(&insert(&s.xml, s.signed_info.outer.end, "text"));
}

/// Two Signature children on the Assertion (the attacker's first, the genuine second): which
/// one is "the" signature is ambiguous, so neither is used.
#[test]
fn two_signatures_on_one_element() {
    let s = signed();
    let genuine = s.text(&s.signature).to_owned();
    let xml = insert(&s.xml, s.signature.outer.start, &genuine);
    let err = rejected(&sp(), &xml);
    assert_structural(&err, "multiple_signatures");
}

/// A processing instruction or comment anywhere inside the Signature (SignedInfo here: a
/// canonicalizer that kept it would sign different bytes than a reader sees).
#[test]
fn processing_instruction_or_comment_inside_signed_info() {
    let s = signed();
    for junk in ["<?evil x?>", "<!-- evil -->"] {
        let xml = insert(&s.xml, s.signed_info.inner.start, junk);
        let err = rejected(&sp(), &xml);
        assert_structural(&err, "comment_in_signature");
    }
}
