//! A7/A8: duplicate IDs and ID-attribute confusion; A10: Reference URI forms.
//! Santuario `XMLUtils.protectAgainstWrappingAttack` (a second element with the referenced ID
//! fails), xmlsec's "no ID attribute until declared" FAQ, xml-crypto and .NET resolving `Id`,
//! `ID` and `id` alike, PortSwigger "The Fragile Lock" (Black Hat Europe 2025: attribute
//! pollution; ruby-saml CVE-2025-66567, xmlseclibs CVE-2025-66475), pysaml2 CVE-2021-21238,
//! samael `xpointer_attack_signed.xml`.
//!
//! Defences: the parser's ID index (`parse.rs`: `ID`, `Id`, `AssertionID`, `ResponseID`,
//! `RequestID` and `xml:id` are indexed, only unqualified `ID` is a SAML ID);
//! `Document::duplicate_id`, checked first by `Verifier::verify`; `Document::element_by_id`;
//! `referenced_element` (URI must be `#` + an ID without `(`, `)`, `/`, `#`, resolving to the
//! Signature's parent).

use saml_core::dsig::DsigError;
use saml_core::saml::idp::SignTarget;

use crate::helpers::*;

/// `xml` with `extra` inserted as `samlp:Extensions` content, where the schema puts it (after
/// the Response's Issuer and any Signature, before Status).
fn with_extensions(xml: &str, extra: &str) -> String {
    let status = child(xml, &root(xml), P, "Status");
    insert(
        xml,
        status.outer.start,
        &format!("<samlp:Extensions>{extra}</samlp:Extensions>"),
    )
}

/// Asserts a `duplicate_id` rejection naming `id`.
#[track_caller]
fn assert_duplicate(err: &saml_core::saml::SamlError, id: &str) {
    assert_structural(err, "duplicate_id");
    match dsig_source(err).1 {
        DsigError::DuplicateId(found) => assert_eq!(found, id),
        other => panic!("{other:?}"),
    }
}

/// Santuario `protectAgainstWrappingAttack`: another element with the signed Assertion's `ID`
/// (not an Assertion, so only the ID rule can object).
#[test]
fn duplicate_of_the_signed_assertion_id() {
    let xml = issue(SignTarget::Assertion);
    let id = assertion_id(&xml);
    let attack = with_extensions(&xml, &format!("<x:Note xmlns:x=\"urn:x\" ID=\"{id}\"/>"));
    assert_duplicate(&rejected(&sp(), &attack), &id);
}

/// The same against the Response signature: the signed Response's ID repeated on an element
/// inside it. The IdP signed the Response with the duplicate in place, so the signature itself
/// is valid and only the ID rule can object.
#[test]
fn duplicate_of_the_signed_response_id() {
    let base = unsigned();
    let id = response_id(&base);
    let base = with_extensions(&base, &format!("<x:Note xmlns:x=\"urn:x\" ID=\"{id}\"/>"));
    // Our Signer refuses to sign an ambiguous ID; the forge signs the Response by position.
    let attack = Forge::idp().sign(&base, root(&base).outer.start);
    assert_duplicate(&rejected(&sp(), &attack), &id);
}

/// ATTACKS.md A7 "any ID value occurs twice": two unrelated elements sharing an ID, neither of
/// them signed, still make the document unacceptable.
#[test]
fn any_duplicate_id_in_the_document() {
    let xml = issue(SignTarget::Assertion);
    let attack = with_extensions(
        &xml,
        "<x:A xmlns:x=\"urn:x\" ID=\"_twice\"/><x:B xmlns:x=\"urn:x\" ID=\"_twice\"/>",
    );
    assert_duplicate(&rejected(&sp(), &attack), "_twice");
}

/// A8: the evil element carries the signed Assertion's ID in another ID-like attribute
/// (`Id`, `AssertionID`, `ResponseID`, `RequestID`, `xml:id`); a resolver that accepts any of
/// them could pick it. Every spelling collides.
#[test]
fn id_like_attribute_collisions() {
    let xml = issue(SignTarget::Assertion);
    let id = assertion_id(&xml);
    for attr in ["Id", "AssertionID", "ResponseID", "RequestID", "xml:id"] {
        let attack = with_extensions(
            &xml,
            &format!("<x:Note xmlns:x=\"urn:x\" {attr}=\"{id}\"/>"),
        );
        let err = rejected(&sp(), &attack);
        assert_structural(&err, "duplicate_id");
    }
}

/// A8: the signed element names itself only through a non-SAML attribute (`Id`,
/// `AssertionID`, `xml:id`, lowercase `id`, a namespaced `foo:ID`) and the Reference points at
/// that value. Only the unqualified `ID` resolves: `reference_not_parent`.
#[test]
fn reference_resolves_only_through_the_saml_id_attribute() {
    for attr in ["Id", "AssertionID", "xml:id", "id", "foo:ID"] {
        let base = unsigned();
        let id = assertion_id(&base);
        let a = assertion(&base);
        let decl = if attr == "foo:ID" {
            " xmlns:foo=\"urn:foo\""
        } else {
            ""
        };
        let base = replace_once(
            &base,
            &format!("<saml:Assertion ID=\"{id}\""),
            &format!("<saml:Assertion{decl} {attr}=\"{id}\""),
        );
        assert_eq!(assertion(&base).outer.start, a.outer.start);
        let mut forge = Forge::idp();
        forge.reference = Reference::Uri(format!("#{id}"));
        let attack = forge.sign(&base, a.outer.start);
        let err = rejected(&sp(), &attack);
        assert_structural(&err, "reference_not_parent");
    }
}

/// "The Fragile Lock" attribute pollution: the signed Assertion carries both `ID` and `Id`
/// with different values; a resolver and an application picking different attributes disagree.
/// ATTACKS.md A8: "An element carrying both `ID` and `Id`/`id` with different values is
/// rejected." The message is otherwise validly signed by the IdP.
#[test]
fn both_id_and_id_like_attribute_on_the_signed_element() {
    for attr in ["Id", "id"] {
        let base = unsigned();
        let id = assertion_id(&base);
        let base = replace_once(
            &base,
            &format!("<saml:Assertion ID=\"{id}\""),
            &format!("<saml:Assertion ID=\"{id}\" {attr}=\"_polluted\""),
        );
        let attack = sign(&base, SignTarget::Assertion);
        match validate(&sp(), &attack) {
            Ok(v) => panic!(
                "{attr}: accepted (assertion ID `{}`) although the signed Assertion carries \
                 ID=\"{id}\" and {attr}=\"_polluted\"",
                v.assertion_id()
            ),
            Err(e) => assert_not_crypto(&e),
        }
    }
}

/// A10: Reference URIs other than `#` + the parent's ID. Each forged signature is otherwise
/// correct (digest over the Assertion, RSA-SHA256 by the IdP's key).
#[test]
fn reference_uri_forms() {
    let base = unsigned();
    let response = response_id(&base);
    let cases: &[(&str, Reference, &str)] = &[
        ("empty", Reference::Uri(String::new()), "reference_uri"),
        ("absent", Reference::Absent, "reference_uri"),
        ("bare #", Reference::Uri("#".into()), "reference_uri"),
        (
            "xpointer(/)",
            Reference::Uri("#xpointer(/)".into()),
            "reference_uri",
        ),
        (
            "xpointer(id())",
            Reference::Uri(format!("#xpointer(id('{}'))", assertion_id(&base))),
            "reference_uri",
        ),
        (
            "element(/1/2)",
            Reference::Uri("#element(/1/2)".into()),
            "reference_uri",
        ),
        (
            "element(/1/3)",
            Reference::Uri("#element(/1/3)".into()),
            "reference_uri",
        ),
        (
            "http",
            Reference::Uri("http://attacker.example/assertion.xml".into()),
            "reference_uri",
        ),
        (
            "file",
            Reference::Uri("file:///etc/passwd".into()),
            "reference_uri",
        ),
        ("no #", Reference::Uri(assertion_id(&base)), "reference_uri"),
        (
            "another element",
            Reference::Uri(format!("#{response}")),
            "reference_not_parent",
        ),
        (
            "unknown ID",
            Reference::Uri("#_nowhere".into()),
            "reference_not_parent",
        ),
    ];
    for (name, reference, kind) in cases {
        let mut forge = Forge::idp();
        forge.reference = reference.clone();
        let attack = forge.sign(&base, assertion(&base).outer.start);
        let err = rejected(&sp(), &attack);
        assert_not_crypto(&err);
        assert_eq!(err.kind(), *kind, "{name}: {err}");
    }
}

/// A10: the Response's signature referencing the Assertion (a signature over an element other
/// than its parent), correct digest and all.
#[test]
fn response_signature_referencing_the_assertion() {
    let base = unsigned();
    let mut forge = Forge::idp();
    forge.reference = Reference::Uri(format!("#{}", assertion_id(&base)));
    let attack = forge.sign(&base, root(&base).outer.start);
    let err = rejected(&sp(), &attack);
    assert_structural(&err, "reference_not_parent");
    assert_eq!(dsig_source(&err).0, "Response");
}
