//! Inputs that made a fuzz target panic, each with the invariant it broke, so the fix stays in
//! place. Each input is also kept in its target's corpus (`fuzz/corpus/<target>/regression-*`),
//! where `tests/fuzz_corpus.rs` runs it through the whole target body.

use std::path::PathBuf;

use saml_core::fuzzing::{self, fixture};
use saml_core::{ErrorKind, SamlError};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

fn corpus_file(target: &str, name: &str) -> Vec<u8> {
    let path = corpus_dir().join(target).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `idp_receive`: "empty AuthnRequest ID accepted". An unsigned AuthnRequest with `ID=""`
/// from a peer that does not sign was accepted, and the IdP would have answered it with
/// `InResponseTo=""`. `ID` is a required `xs:ID`, which cannot be empty.
#[test]
fn idp_receive_empty_request_id() {
    let xml = corpus_file("idp_receive", "regression-empty-request-id.xml");
    assert_eq!(fuzzing::idp_receive(&xml), 0);

    let key = saml_core::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).expect("key");
    let idp = saml_core::saml::idp::IdentityProvider::new(
        fixture::ISSUER,
        fixture::SSO_URL,
        saml_core::dsig::Signer::new(key, None),
    );
    let peer = saml_core::saml::idp::danger::unsigned_requests(fixture::AUDIENCE, fixture::ACS);
    let err = idp
        .receive_post(&peer, &xml, None, fixture::now())
        .expect_err("an AuthnRequest with an empty ID");
    assert!(
        matches!(
            err,
            SamlError::MissingAttribute {
                element: "AuthnRequest",
                attribute: "ID",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::MalformedMessage);
    // The same request with an ID is accepted: the empty ID is what was refused.
    let with_id = String::from_utf8(xml)
        .expect("UTF-8")
        .replace("ID=\"\"", "ID=\"_r1\"");
    let request = idp
        .receive_post(&peer, with_id.as_bytes(), None, fixture::now())
        .expect("the same request with an ID");
    assert_eq!(request.id, "_r1");
}

/// `sp_validate`: "empty Assertion ID". A Response signed by the IdP (only the Response, so
/// no Reference names the Assertion) whose Assertion has `ID=""` was accepted, under the
/// replay-cache key `issuer + ""` that every such assertion shares. `ID` is a required
/// `xs:ID`, which cannot be empty.
#[test]
fn sp_validate_empty_assertion_id() {
    let xml = corpus_file("sp_validate", "regression-empty-assertion-id.xml");
    assert_eq!(fuzzing::sp_validate(&xml), 0);

    let sp = fixture::service_provider().expect("fixture");
    let not_tracked = saml_core::saml::sp::danger::not_tracked();
    let err = sp
        .validate(&xml, fixture::now(), not_tracked)
        .expect_err("an Assertion with an empty ID");
    // Refused for its ID (the signature is good), as a malformed message.
    assert!(
        matches!(
            err,
            SamlError::MissingAttribute {
                element: "Assertion",
                attribute: "ID",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::MalformedMessage);
}

/// Writes the regression inputs above (the Response needs a real signature to matter under
/// `cargo test`, so it is made, not copied from the fuzzer): `FUZZ_REGENERATE_SEEDS=1 cargo
/// test -p saml-core --test fuzz_regressions regenerate`.
#[test]
fn regenerate_regression_inputs() {
    use saml_core::saml::idp::{SignTarget, Subject};
    if std::env::var_os("FUZZ_REGENERATE_SEEDS").is_none() {
        return;
    }
    let request = format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"\" Version=\"2.0\" \
         IssueInstant=\"2026-11-22T12:00:00Z\"><saml:Issuer>{}</saml:Issuer>\
         </samlp:AuthnRequest>",
        fixture::AUDIENCE
    );
    let path = corpus_dir().join("idp_receive/regression-empty-request-id.xml");
    std::fs::write(path, request).expect("write");

    // A Response signed by the fixture IdP, re-signed after its Assertion's ID was emptied.
    let subject = Subject::new("alice@example.com");
    let signed = fuzzing::signed_response(SignTarget::Response, &subject, None).expect("seed");
    let start = signed.find("<ds:Signature").expect("Signature");
    let end = signed.find("</ds:Signature>").expect("Signature end") + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &signed[..start], &signed[end..]);
    let (from, to) = id_value(&unsigned, "<saml:Assertion");
    let emptied = format!("{}{}", &unsigned[..from], &unsigned[to..]);
    let (from, to) = id_value(&emptied, "<samlp:Response");
    let key = saml_core::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).expect("key");
    let cert = saml_core::crypto::Certificate::from_pem(fixture::CERT_PEM, None).expect("cert");
    let resigned = saml_core::dsig::Signer::new(key, Some(cert))
        .sign_element(&emptied, &emptied[from..to])
        .expect("sign");
    let path = corpus_dir().join("sp_validate/regression-empty-assertion-id.xml");
    std::fs::write(path, resigned).expect("write");
}

/// Where the value of the `ID` attribute of the first `tag` element is in `xml`.
fn id_value(xml: &str, tag: &str) -> (usize, usize) {
    let at = xml.find(tag).expect(tag);
    let from = xml[at..].find(" ID=\"").expect("ID") + at + 5;
    let to = xml[from..].find('"').expect("ID end") + from;
    (from, to)
}
