//! A13: namespace confusion and prefix tricks. ruby-saml CVE-2024-45409 (prefix-based XPath),
//! CVE-2025-25291 / CVE-2025-25292 (GHSL-2024-329/330: two parsers, two trees; namespace
//! handling) and CVE-2025-66567 ("The Fragile Lock": namespace confusion); Go `encoding/xml`
//! CVE-2020-29511 (element prefixes not preserved).
//!
//! Defence: elements are matched by (namespace URI, local name) everywhere —
//! `Document::is`, used by `sp::locate_assertion`, `sp::Covered::child`,
//! `Verifier::signature_of` and `signature_parts`' `Strict::expect`; c14n renders namespace
//! URIs, so rebinding a prefix inside signed content changes the digest.

use saml_core::dsig::DSIG_NS;
use saml_core::saml::idp::SignTarget;

use crate::helpers::*;

/// Our unsigned Response with the SAML prefixes renamed (`samlp` → `p`, `saml` → `a`).
fn renamed_prefixes(xml: &str) -> String {
    xml.replace("<samlp:", "<p:")
        .replace("</samlp:", "</p:")
        .replace("xmlns:samlp=", "xmlns:p=")
        .replace("<saml:", "<a:")
        .replace("</saml:", "</a:")
        .replace("xmlns:saml=", "xmlns:a=")
}

/// The SAML namespaces bound to other prefixes (and the assertion namespace as the default
/// namespace of the Assertion): a valid message, read as usual.
#[test]
fn saml_namespaces_under_other_prefixes_still_verify() {
    let renamed = renamed_prefixes(&unsigned());
    assert!(!renamed.contains("saml:") && renamed.contains("<a:Assertion"));
    let v = accepted(&sp(), &sign(&renamed, SignTarget::Both));
    assert_eq!(v.name_id().value, ALICE);

    // The Assertion in a default namespace, its children unprefixed.
    let base = unsigned();
    let a = assertion(&base);
    let default_ns = base[a.outer.clone()]
        .replace("<saml:", "<")
        .replace("</saml:", "</")
        .replacen(
            "<Assertion ",
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
            1,
        );
    let xml = splice(&base, a.outer, &default_ns);
    assert_eq!(
        accepted(&sp(), &sign(&xml, SignTarget::Assertion))
            .name_id()
            .value,
        ALICE
    );
}

/// The XML Signature namespace under another prefix (`dsig:`, as Keycloak writes it) and as a
/// default namespace (as xmlsec1 writes it).
#[test]
fn dsig_namespace_under_other_prefixes_still_verifies() {
    for prefix in ["dsig", "", "saml2"] {
        let mut forge = Forge::idp();
        forge.prefix = prefix.into();
        let v = accepted(&sp(), &forged_assertion(&forge));
        assert_eq!(v.name_id().value, ALICE, "prefix `{prefix}`");
    }
}

/// A prefix redefined inside the signed element: an evil `saml:NameID` whose `saml` prefix is
/// rebound to another namespace comes first, the genuine NameID (assertion namespace under the
/// prefix `a`) second. The IdP signed it all; the SP must read the genuine one.
#[test]
fn prefix_redefined_inside_the_signed_element() {
    let base = unsigned();
    let name_id = first(&base, A, "NameID");
    let genuine = base[name_id.outer.clone()]
        .replacen(
            "<saml:NameID",
            "<a:NameID xmlns:a=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
            1,
        )
        .replace("</saml:NameID>", "</a:NameID>");
    let evil = format!("<saml:NameID xmlns:saml=\"urn:evil\">{EVIL}</saml:NameID>");
    let xml = splice(&base, name_id.outer, &format!("{evil}{genuine}"));
    let v = accepted(&sp(), &sign(&xml, SignTarget::Both));
    assert_eq!(v.name_id().value, ALICE);
}

/// Rebinding a prefix inside signed content after signing (`saml` on the Subject, moving it and
/// its NameID to another namespace) changes the canonical form: `digest_mismatch`.
#[test]
fn prefix_rebound_after_signing_breaks_the_digest() {
    let xml = replace_once(
        &issue(SignTarget::Assertion),
        "<saml:Subject>",
        "<saml:Subject xmlns:saml=\"urn:evil\">",
    );
    let err = rejected(&sp(), &xml);
    assert_kind(&err, "digest_mismatch");
}

/// An element that looks like the Assertion (same prefix and local name, or a default
/// namespace) in another namespace, placed where the SP reads, before and after the signed
/// Assertion. It is not an Assertion: the signed one is consumed. (With the signed
/// Assertion's ID it would also be a duplicate ID: the ID table spans every namespace.)
#[test]
fn look_alike_assertion_is_not_consumed() {
    let xml = issue(SignTarget::Assertion);
    let evil = with_name_id(&xml, EVIL);
    let ea = assertion(&evil);
    let copy = without(&evil, &ea, &signature_in(&evil, &ea));
    let same_id = copy.replacen(
        "<saml:Assertion ",
        "<saml:Assertion xmlns:saml=\"urn:evil\" ",
        1,
    );
    let err = rejected(&sp(), &insert(&xml, assertion(&xml).outer.start, &same_id));
    assert_structural(&err, "duplicate_id");

    let copy = set_attribute(&copy, 0, "ID", EVIL_ID);
    let prefixed = copy.replacen(
        "<saml:Assertion ",
        "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion-evil\" ",
        1,
    );
    let defaulted = copy
        .replace("<saml:", "<")
        .replace("</saml:", "</")
        .replacen("<Assertion ", "<Assertion xmlns=\"urn:evil\" ", 1);
    let a = assertion(&xml);
    for look_alike in [prefixed, defaulted] {
        for at in [a.outer.start, a.outer.end] {
            let attack = insert(&xml, at, &look_alike);
            let v = accepted(&sp(), &attack);
            assert_eq!(v.name_id().value, ALICE);
        }
    }
}

/// A `Signature` in a look-alike namespace on an edited, unsigned message is no signature:
/// `signature_missing`.
#[test]
fn look_alike_signature_namespace() {
    let xml = issue(SignTarget::Assertion);
    let a = assertion(&xml);
    let sig = signature_in(&xml, &a);
    let fake = xml[sig.outer.clone()].replacen(
        &format!("xmlns:ds=\"{DSIG_NS}\""),
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#evil\"",
        1,
    );
    let attack = with_name_id(&splice(&xml, sig.outer, &fake), EVIL);
    let err = rejected(&sp(), &attack);
    assert_structural(&err, "signature_missing");
}

/// `ds` rebound on an inner element of the genuine Signature (Reference, DigestValue,
/// Transform): the element is no longer an XML Signature element and the shape check refuses
/// it (`malformed_signature`), rather than reading it by its prefix.
#[test]
fn ds_rebound_on_an_inner_element() {
    let xml = issue(SignTarget::Assertion);
    for element in ["<ds:Reference ", "<ds:DigestValue>", "<ds:Transform "] {
        let rebound = element.replacen(
            element.trim_end_matches([' ', '>']),
            &format!(
                "{} xmlns:ds=\"urn:evil\"",
                element.trim_end_matches([' ', '>'])
            ),
            1,
        );
        let attack = replace_once(&xml, element, &rebound);
        let err = rejected(&sp(), &attack);
        assert_structural(&err, "malformed_signature");
        assert!(dsig_source(&err).1.is_malformed_signature());
    }
}
