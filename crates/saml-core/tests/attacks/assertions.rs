//! A4/A11/A13: where the Assertion may be, and what the document may hold. crewjam/saml
//! CVE-2022-41912 (several Assertions: one verified, another consumed), Lasso CVE-2021-28091
//! (first signed assertion checked, last used), dex #895, Spring Security CVE-2020-5407,
//! OneUptime #2949 (signed Assertion in `samlp:Extensions`), pysaml2 CVE-2021-21238
//! (Response in Response), GitHub Enterprise Server CVE-2024-4985 (EncryptedAssertion path),
//! passport-saml CVE-2022-39299 / node-saml GHSA-5p8w-2mvw-38pv and @xmldom CVE-2022-39353
//! (multiple root elements).
//!
//! Defences: `sp::locate_assertion` (exactly one Assertion or EncryptedAssertion, a direct
//! child of the Response; no Assertion, EncryptedAssertion elsewhere or nested Response
//! anywhere: `assertion_count`); the document element must be a protocol Response
//! (`not_a_response`); the parser's single-root rule (`XmlErrorKind::ContentAfterRoot`,
//! `TextOutsideRoot` in `Builder::on_start` / `on_text`).

use saml_core::saml::idp::{SignTarget, Subject};
use saml_core::xml::XmlErrorKind;

use crate::helpers::*;

/// A second IdP-signed Assertion, for another user.
fn mallory_assertion() -> String {
    let xml = issue_for(&Subject::new(EVIL), SignTarget::Assertion);
    xml[assertion(&xml).outer].to_owned()
}

/// crewjam CVE-2022-41912, Lasso CVE-2021-28091: two genuinely signed Assertions in one
/// (unsigned) Response, in either order.
#[test]
fn two_signed_assertions() {
    let xml = issue(SignTarget::Assertion);
    let a = assertion(&xml);
    let other = mallory_assertion();
    for at in [a.outer.start, a.outer.end] {
        let err = rejected(&sp(), &insert(&xml, at, &other));
        assert_structural(&err, "assertion_count");
    }
}

/// A4(a), dex #895, Spring CVE-2020-5407: the signed Assertion plus an unsigned evil one
/// appended after it.
#[test]
fn signed_plus_unsigned_assertion() {
    let xml = issue(SignTarget::Assertion);
    let evil = with_name_id(&strip_signatures(&xml), EVIL);
    let copy = evil[assertion(&evil).outer].to_owned();
    let err = rejected(&sp(), &insert(&xml, assertion(&xml).outer.end, &copy));
    assert_structural(&err, "assertion_count");
}

/// GHES CVE-2024-4985: an EncryptedAssertion beside the Assertion (in either order), and one
/// hidden in Extensions.
#[test]
fn encrypted_assertion_beside_an_assertion() {
    let xml = issue(SignTarget::Assertion);
    let a = assertion(&xml);
    let encrypted = "<saml:EncryptedAssertion><xenc:EncryptedData \
                     xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedAssertion>";
    for at in [a.outer.start, a.outer.end] {
        let err = rejected(&sp(), &insert(&xml, at, encrypted));
        assert_structural(&err, "assertion_count");
    }
    let status = child(&xml, &root(&xml), P, "Status");
    let hidden = insert(
        &xml,
        status.outer.start,
        &format!("<samlp:Extensions>{encrypted}</samlp:Extensions>"),
    );
    assert_structural(&rejected(&sp(), &hidden), "assertion_count");
}

/// pysaml2 CVE-2021-21238 (Response level), OneUptime #2949: a genuinely signed Response inside
/// the attacker's Response, in `samlp:Extensions`.
#[test]
fn response_inside_response_extensions() {
    let genuine = issue(SignTarget::Both);
    let evil = with_name_id(&strip_signatures(&issue(SignTarget::Assertion)), EVIL);
    let evil = sign_with(&attacker_signer(), &evil, SignTarget::Assertion);
    let status = child(&evil, &root(&evil), P, "Status");
    let attack = insert(
        &evil,
        status.outer.start,
        &format!("<samlp:Extensions>{genuine}</samlp:Extensions>"),
    );
    assert_structural(&rejected(&sp(), &attack), "assertion_count");
}

/// OneUptime #2949 / lightsaml GHSA-w553-pwx6-3mg9: a signed Assertion in `samlp:Extensions`
/// next to the one the SP would read.
#[test]
fn assertion_inside_extensions() {
    let xml = issue(SignTarget::Assertion);
    let status = child(&xml, &root(&xml), P, "Status");
    let attack = insert(
        &xml,
        status.outer.start,
        &format!(
            "<samlp:Extensions>{}</samlp:Extensions>",
            mallory_assertion()
        ),
    );
    assert_structural(&rejected(&sp(), &attack), "assertion_count");
}

/// An Assertion inside the signed Assertion's `saml:Advice` (node-saml's Advice matrix): SAML
/// core §2.6.1 allows it there, so the Response is accepted, but only the outer Assertion is
/// ever read: Mallory's NameID inside the Advice never comes out.
#[test]
fn assertion_inside_advice_is_never_read() {
    let base = unsigned();
    let conditions = first(&base, A, "Conditions");
    let mallory = strip_signatures(&issue_for(&Subject::new(EVIL), SignTarget::Assertion));
    let other = &mallory[assertion(&mallory).outer];
    let xml = insert(
        &base,
        conditions.outer.end,
        &format!("<saml:Advice>{other}</saml:Advice>"),
    );
    let attack = sign(&xml, SignTarget::Both);
    let v = accepted(&sp(), &attack);
    assert_eq!(v.name_id().value, ALICE);
    assert_ne!(v.assertion_id(), assertion_id(&mallory));
}

/// No Assertion at all in a signed Response.
#[test]
fn no_assertion() {
    let base = unsigned();
    let attack = sign(
        &splice(&base, assertion(&base).outer, ""),
        SignTarget::Response,
    );
    assert_structural(&rejected(&sp(), &attack), "assertion_count");
}

/// passport-saml CVE-2022-39299, @xmldom CVE-2022-39353: a second root element, after the
/// genuine signed Response and before it. The parser stops at the second root
/// (`ContentAfterRoot`, positioned there).
#[test]
fn multiple_root_elements() {
    let genuine = issue(SignTarget::Both);
    let evil = with_name_id(&strip_signatures(&genuine), EVIL);
    for (doc, second_root) in [
        (format!("{genuine}{evil}"), genuine.len()),
        (format!("{evil}\n{genuine}"), evil.len() + 1),
    ] {
        let err = rejected(&sp(), &doc);
        assert_kind(&err, "malformed_xml");
        let x = xml_error(&err);
        assert_eq!(x.kind, XmlErrorKind::ContentAfterRoot);
        assert_eq!(x.position.offset, second_root);
    }
    let err = rejected(&sp(), &format!("{genuine}trailing"));
    assert_eq!(xml_error(&err).kind, XmlErrorKind::TextOutsideRoot);
    assert_eq!(xml_error(&err).position.offset, genuine.len());
}

/// The document element must be a SAML 2.0 protocol Response: a bare IdP-signed Assertion (its
/// signature still valid), and a Response in the SAML 1.1 protocol namespace.
#[test]
fn document_element_must_be_a_protocol_response() {
    let xml = issue(SignTarget::Assertion);
    let bare = xml[assertion(&xml).outer].replacen(
        "<saml:Assertion ",
        "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
        1,
    );
    let err = rejected(&sp(), &bare);
    assert_structural(&err, "not_a_response");

    let saml11 = xml.replacen(
        "xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"",
        "xmlns:samlp=\"urn:oasis:names:tc:SAML:1.0:protocol\"",
        1,
    );
    assert_structural(&rejected(&sp(), &saml11), "not_a_response");
}
