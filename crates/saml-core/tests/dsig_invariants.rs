//! One test per XML Signature invariant (DESIGN.md 1, 2, 3, 5, 8): a response signed by our
//! signer is mutated by splicing its text, and the verifier must reject the mutation with the
//! specific error kind. Each test was checked to fail with its defence removed (see the issue
//! note for which).

use saml_core::crypto::{
    AlgorithmPolicy, Certificate, CryptoError, DigestAlgorithm, SigningKey, TrustAnchor,
};
use saml_core::dsig::{DSIG_NS, DsigError, Signer, Verifier};
use saml_core::xml::Document;

mod common;
use common::*;

const RESPONSE: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_resp1" Version="2.0" IssueInstant="2026-11-22T10:00:00Z" Destination="https://sp.example.com/acs"><saml:Issuer>http://www.okta.com/exk1</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_assert1" Version="2.0" IssueInstant="2026-11-22T10:00:00Z"><saml:Issuer>http://www.okta.com/exk1</saml:Issuer><saml:Subject><saml:NameID>alice@example.com</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="group"><saml:AttributeValue>admins</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#;

fn signer(key: &str, cert: &str) -> Signer {
    let key = SigningKey::from_pem(&testdata(key), Some(key)).expect("key");
    let cert = Certificate::from_pem(&testdata(cert), Some(cert)).expect("cert");
    Signer::new(key, Some(cert))
}

fn idp_signer() -> Signer {
    signer("rsa2048.pk8.pem", "rsa2048.cert.pem")
}

fn verifier(policy: AlgorithmPolicy) -> Verifier {
    let anchor = TrustAnchor::from_any(&testdata("rsa2048.cert.pem"), Some("idp")).expect("anchor");
    Verifier::new(vec![anchor], policy)
}

fn signed_assertion() -> String {
    idp_signer()
        .sign_element(RESPONSE, "_assert1")
        .expect("signs")
}

/// Verifies the Assertion's signature (the first Signature in the document).
fn check(text: &str, policy: AlgorithmPolicy) -> Result<String, DsigError> {
    let doc = Document::parse(text)?;
    let sig = doc
        .descendants(doc.root_element())
        .find(|&n| doc.is(n, DSIG_NS, "Signature"))
        .expect("a Signature");
    let v = verifier(policy).verify(&doc, sig)?;
    Ok(doc
        .attribute_unverified(v.element(), "ID")
        .unwrap_or_default()
        .to_owned())
}

#[track_caller]
fn rejected(text: &str) -> DsigError {
    match check(text, AlgorithmPolicy::default()) {
        Ok(id) => panic!("accepted (signed element {id}):\n{text}"),
        Err(e) => e,
    }
}

#[track_caller]
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not in document");
    text.replacen(from, to, 1)
}

#[test]
fn the_unmodified_signature_verifies() {
    assert_eq!(
        check(&signed_assertion(), AlgorithmPolicy::default()).expect("valid"),
        "_assert1"
    );
}

/// The signer canonicalizes SignedInfo from its template alone, not in place: the verifier,
/// which canonicalizes it where it stands, must get the same bytes whatever surrounds it (a
/// default namespace, `xml:` attributes, another `ds` binding, a self-closing element).
#[test]
fn signed_info_does_not_depend_on_its_context() {
    let contexts = [
        RESPONSE.replacen(
            "<samlp:Response ",
            r#"<samlp:Response xmlns="urn:x:default" xml:lang="en" xml:space="preserve" xmlns:ds="urn:x:not-dsig" "#,
            1,
        ),
        RESPONSE.replacen(
            r#"<saml:Assertion ID="_assert1""#,
            r#"<saml:Assertion xmlns="urn:x:d" xmlns:ds="urn:x:other" xml:base="https://x/" ID="_assert1""#,
            1,
        ),
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns="urn:x:d" xml:lang="fr" ID="_assert1"/>"#.to_owned(),
    ];
    for doc in contexts {
        let signed = idp_signer().sign_element(&doc, "_assert1").expect("signs");
        assert_eq!(
            check(&signed, AlgorithmPolicy::default()).expect("valid"),
            "_assert1",
            "{signed}"
        );
    }
}

mod what_you_verify_is_what_you_read {
    use super::*;

    #[test]
    fn tampered_signed_content_is_a_digest_mismatch() {
        let t = replace_once(
            &signed_assertion(),
            "alice@example.com",
            "admin@example.com",
        );
        assert!(matches!(rejected(&t), DsigError::DigestMismatch { .. }));
    }

    #[test]
    fn verified_token_covers_only_the_signed_element() {
        let text = signed_assertion();
        let doc = Document::parse(&text).expect("parses");
        let sig = doc
            .descendants(doc.root_element())
            .find(|&n| doc.is(n, DSIG_NS, "Signature"))
            .expect("sig");
        let v = verifier(AlgorithmPolicy::default())
            .verify(&doc, sig)
            .expect("valid");
        let status = doc
            .element_children(doc.root_element())
            .nth(1)
            .expect("Status");
        assert!(
            !v.covers(status),
            "Status lies outside the signed Assertion"
        );
        assert!(!v.covers(sig), "the Signature is excluded from the digest");
        let name_id = doc
            .descendants(v.element())
            .find(|&n| doc.local_name(n) == "NameID")
            .expect("NameID");
        assert!(v.covers(name_id));
    }
}

mod strict_references {
    use super::*;

    #[test]
    fn reference_to_another_element() {
        let t = replace_once(&signed_assertion(), "URI=\"#_assert1\"", "URI=\"#_resp1\"");
        assert!(matches!(rejected(&t), DsigError::ReferenceNotParent { .. }));
    }

    #[test]
    fn signature_not_a_child_of_the_referenced_element() {
        // Move the Signature out of the Assertion into the Response (detached shape).
        let text = signed_assertion();
        let start = text.find("<ds:Signature").expect("sig");
        let end = text.find("</ds:Signature>").expect("sig end") + "</ds:Signature>".len();
        let sig = &text[start..end];
        let without = format!("{}{}", &text[..start], &text[end..]);
        let moved = replace_once(
            &without,
            "</samlp:Status>",
            &format!("</samlp:Status>{sig}"),
        );
        assert!(matches!(
            rejected(&moved),
            DsigError::ReferenceNotParent { .. }
        ));
    }

    #[test]
    fn two_references() {
        let text = signed_assertion();
        let start = text.find("<ds:Reference").expect("ref");
        let end = text.find("</ds:Reference>").expect("ref end") + "</ds:Reference>".len();
        let doubled = format!("{}{}{}", &text[..end], &text[start..end], &text[end..]);
        assert!(rejected(&doubled).is_malformed_signature());
    }

    #[test]
    fn extra_xpath_transform() {
        let t = replace_once(
            &signed_assertion(),
            "</ds:Transforms>",
            "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::x)</ds:XPath></ds:Transform></ds:Transforms>",
        );
        assert!(matches!(rejected(&t), DsigError::Transform { uri } if uri.contains("xpath")));
    }

    #[test]
    fn xpointer_and_empty_and_external_uris() {
        for uri in [
            "#xpointer(/)",
            "",
            "http://evil.example/x.xml",
            "#xpointer(id('_assert1'))",
        ] {
            let t = replace_once(
                &signed_assertion(),
                "URI=\"#_assert1\"",
                &format!("URI=\"{uri}\""),
            );
            assert!(
                matches!(rejected(&t), DsigError::ReferenceUri { .. }),
                "{uri}"
            );
        }
    }

    #[test]
    fn object_inside_signature() {
        let t = replace_once(
            &signed_assertion(),
            "</ds:Signature>",
            "<ds:Object><saml:Assertion ID=\"_x\"/></ds:Object></ds:Signature>",
        );
        assert!(
            (rejected(&t).is_malformed_signature() && rejected(&t).to_string().contains("Object"))
        );
    }

    #[test]
    fn comment_inside_signature() {
        let t = replace_once(
            &signed_assertion(),
            "<ds:DigestValue>",
            "<ds:DigestValue><!--x-->",
        );
        assert!(matches!(rejected(&t), DsigError::CommentInSignature));
    }
}

mod unique_ids {
    use super::*;

    #[test]
    fn duplicate_id_elsewhere_in_the_document() {
        let t = replace_once(
            &signed_assertion(),
            "</samlp:Status>",
            "</samlp:Status><samlp:Extensions><saml:Assertion ID=\"_assert1\"/></samlp:Extensions>",
        );
        assert!(matches!(rejected(&t), DsigError::DuplicateId(id) if id == "_assert1"));
    }

    #[test]
    fn id_like_attribute_collision() {
        // `Id`/`AssertionID` never resolve, but a collision with them is still refused.
        let t = replace_once(
            &signed_assertion(),
            "<samlp:Status>",
            "<samlp:Status Id=\"_assert1\">",
        );
        assert!(matches!(rejected(&t), DsigError::DuplicateId(_)));
    }
}

mod pinned_keys {
    use super::*;

    #[test]
    fn attacker_certificate_in_keyinfo_is_not_trusted() {
        // Re-signed with the attacker's key; the attacker's certificate rides in KeyInfo.
        let forged = replace_once(RESPONSE, "alice@example.com", "admin@example.com");
        let t = signer("rsa3072.pk8.pem", "rsa3072.cert.pem")
            .sign_element(&forged, "_assert1")
            .expect("signs");
        assert!(
            matches!(rejected(&t), DsigError::SignatureMismatch { key_info, .. } if key_info.contains("not configured"))
        );
    }

    #[test]
    fn tampered_signature_value() {
        let text = signed_assertion();
        let at = text.find("<ds:SignatureValue>").expect("sv") + "<ds:SignatureValue>".len();
        let flipped = if &text[at..=at] == "A" { "B" } else { "A" };
        let t = format!("{}{}{}", &text[..at], flipped, &text[at + 1..]);
        assert!(matches!(rejected(&t), DsigError::SignatureMismatch { .. }));
    }

    #[test]
    fn tampered_digest_value_breaks_the_signed_info() {
        let text = signed_assertion();
        let at = text.find("<ds:DigestValue>").expect("dv") + "<ds:DigestValue>".len();
        let flipped = if &text[at..=at] == "A" { "B" } else { "A" };
        let t = format!("{}{}{}", &text[..at], flipped, &text[at + 1..]);
        assert!(matches!(rejected(&t), DsigError::SignatureMismatch { .. }));
    }

    #[test]
    fn no_configured_keys_never_falls_back_to_keyinfo() {
        let text = signed_assertion();
        let doc = Document::parse(&text).expect("parses");
        let sig = doc
            .descendants(doc.root_element())
            .find(|&n| doc.is(n, DSIG_NS, "Signature"))
            .expect("sig");
        let err = Verifier::new(Vec::new(), AlgorithmPolicy::default())
            .verify(&doc, sig)
            .expect_err("no keys");
        assert!(matches!(err, DsigError::NoTrustedKeys));
    }

    #[test]
    fn rollover_any_configured_key_verifies() {
        let text = signed_assertion();
        let doc = Document::parse(&text).expect("parses");
        let sig = doc
            .descendants(doc.root_element())
            .find(|&n| doc.is(n, DSIG_NS, "Signature"))
            .expect("sig");
        let old = TrustAnchor::from_any(&testdata("rsa3072.cert.pem"), Some("old")).expect("old");
        let new = TrustAnchor::from_any(&testdata("rsa2048.cert.pem"), Some("new")).expect("new");
        let v = Verifier::new(vec![old, new], AlgorithmPolicy::default())
            .verify(&doc, sig)
            .expect("valid");
        assert_eq!(v.key_index(), 1);
    }
}

mod algorithms_by_allow_list {
    use super::*;

    #[test]
    fn sha1_digest_only_with_opt_in() {
        let t = idp_signer()
            .with_digest(DigestAlgorithm::Sha1)
            .sign_element(RESPONSE, "_assert1")
            .expect("signs");
        assert!(matches!(
            rejected(&t),
            DsigError::Algorithm(CryptoError::Sha1NotAllowed { .. })
        ));
        assert!(
            check(
                &t,
                saml_core::crypto::danger::allow_sha1(&AlgorithmPolicy::default())
            )
            .is_ok()
        );
    }

    #[test]
    fn hmac_signature_method() {
        let t = replace_once(
            &signed_assertion(),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
        );
        assert!(
            matches!(rejected(&t), DsigError::Algorithm(CryptoError::UnsupportedAlgorithm { uri, .. }) if uri.ends_with("hmac-sha256"))
        );
    }

    #[test]
    fn unknown_and_look_alike_uris() {
        for uri in [
            "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 ",
            "urn:unknown",
        ] {
            let t = replace_once(
                &signed_assertion(),
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                uri,
            );
            assert!(
                matches!(
                    rejected(&t),
                    DsigError::Algorithm(CryptoError::UnsupportedAlgorithm { .. })
                ),
                "{uri}"
            );
        }
    }

    #[test]
    fn rsa_key_below_minimum() {
        let small =
            TrustAnchor::from_any(&testdata("rsa1024.spki.pem"), Some("small")).expect("anchor");
        let text = signed_assertion();
        let doc = Document::parse(&text).expect("parses");
        let sig = doc
            .descendants(doc.root_element())
            .find(|&n| doc.is(n, DSIG_NS, "Signature"))
            .expect("sig");
        let err = Verifier::new(vec![small], AlgorithmPolicy::default())
            .verify(&doc, sig)
            .expect_err("small key");
        assert!(
            matches!(
                err,
                DsigError::Algorithm(CryptoError::RsaKeyTooSmall { bits: 1024, .. })
            ),
            "{err}"
        );
    }
}

mod signing {
    use super::*;

    #[test]
    fn signature_goes_right_after_the_issuer() {
        let text = signed_assertion();
        let issuer_end = text.find("</saml:Issuer><saml:Subject").map(|_| ());
        assert!(
            issuer_end.is_none(),
            "the Signature must sit between Issuer and Subject"
        );
        assert!(text.contains("http://www.okta.com/exk1</saml:Issuer><ds:Signature"));
    }

    #[test]
    fn both_assertion_then_response() {
        let once = signed_assertion();
        let both = idp_signer().sign_element(&once, "_resp1").expect("signs");
        let doc = Document::parse(&both).expect("parses");
        let v = verifier(AlgorithmPolicy::default());
        let sigs: Vec<_> = doc
            .descendants(doc.root_element())
            .filter(|&n| doc.is(n, DSIG_NS, "Signature"))
            .collect();
        assert_eq!(sigs.len(), 2);
        for s in sigs {
            v.verify(&doc, s).expect("each signature verifies");
        }
    }

    #[test]
    fn self_closing_element_is_expanded() {
        let t = idp_signer()
            .sign_element("<r xmlns=\"urn:x\" ID=\"_a\"/>", "_a")
            .expect("signs");
        assert_eq!(check(&t, AlgorithmPolicy::default()).expect("valid"), "_a");
    }
}
