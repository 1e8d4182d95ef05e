//! Both sides of the Org2Org federation end to end: the SP builds AuthnRequests, the IdP
//! verifies them and issues signed Responses, the SP validates them; by HTTP-POST and
//! HTTP-Redirect, SP-initiated and IdP-initiated. xmlsec1 checks our IdP's Responses, and our
//! SP validates a Response that xmlsec1 signed.

use std::process::Command;
use std::time::Duration;

use saml_core::binding::{self, DecodeLimits};
use saml_core::dsig::Signer;
use saml_core::saml::SamlError;
use saml_core::saml::authn::RequestOptions;
use saml_core::saml::idp::{IdentityProvider, SignTarget, SpPeer, Subject};
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::{ServiceProvider, SignedElement, Solicitation, VerifiedAssertion};
use saml_core::settings::{Binding, IdpSettings, SpSettings};
use saml_core::time::{DateTime, parse_xs_datetime};

mod common;
use common::*;

const IDP_ISSUER: &str = "http://www.okta.com/exk1org1";
const SSO_URL: &str = "https://org1.okta.com/app/org1_org2/exk1org1/sso/saml";
const SP_ENTITY: &str = "https://www.okta.com/saml2/service-provider/sporg2";
const ACS: &str = "https://org2.okta.com/sso/saml2/0oa1org2";

fn now() -> DateTime {
    parse_xs_datetime("2026-11-22T12:00:00Z").expect("time")
}

fn at(offset: i64) -> DateTime {
    now().checked_add_seconds(offset).expect("time")
}

/// Org1, the IdP (RSA-2048 key).
fn org1(sign: SignTarget) -> IdentityProvider {
    IdentityProvider::new(
        IDP_ISSUER,
        SSO_URL,
        Signer::new(key("rsa2048.pk8.pem"), Some(cert("rsa2048.cert.pem"))),
    )
    .with_sign_target(sign)
}

/// Org2 as Org1 knows it: its requests are signed with its RSA-3072 key.
fn org2_peer() -> SpPeer {
    SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")]).expect("peer with keys")
}

/// Org2, the SP.
fn org2(binding: Binding, unsolicited: bool) -> ServiceProvider {
    let idp = IdpSettings::new(IDP_ISSUER, SSO_URL, vec![anchor("rsa2048.cert.pem")])
        .with_sso_binding(binding);
    let sp = SpSettings::new(SP_ENTITY, ACS)
        .with_signing_key(key("rsa3072.pk8.pem"), cert("rsa3072.cert.pem"))
        .with_unsolicited(unsolicited);
    ServiceProvider::new(idp, sp).expect("complete settings")
}

fn alice() -> Subject {
    Subject::new("alice@org1.example")
        .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        .with_attribute("firstName", vec!["Alice".into()])
        .with_attribute("groups", vec!["Everyone".into(), "R&D <admins>".into()])
}

#[track_caller]
fn check_alice(v: &VerifiedAssertion) {
    assert_eq!(v.name_id().value, "alice@org1.example");
    assert_eq!(
        v.name_id().format.as_deref(),
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    );
    assert_eq!(
        v.attribute("groups"),
        Some(&["Everyone".to_owned(), "R&D <admins>".to_owned()][..])
    );
    assert_eq!(v.issuer(), IDP_ISSUER);
}

#[test]
fn sp_initiated_post() {
    let sp = org2(Binding::HttpPost, false);
    let requests = InMemoryStore::default();
    let request = sp
        .authn_request(now(), &RequestOptions::default(), &requests)
        .expect("request");
    assert!(
        request.xml.contains("<ds:Signature"),
        "POST requests are signed enveloped"
    );
    let form = sp.post_form(&request, Some("/app?x=1"));
    assert!(form.contains(SSO_URL) && form.contains("SAMLRequest"));

    let idp = org1(SignTarget::Both);
    let received = idp
        .receive_post(
            &org2_peer(),
            request.xml.as_bytes(),
            Some("/app?x=1"),
            at(5),
        )
        .expect("valid request");
    assert!(received.signed);
    assert_eq!(received.id, request.id);

    let response = idp
        .issue(&org2_peer(), &alice(), Some(&received), at(6))
        .expect("issued");
    let v = sp
        .validate_and_commit(
            response.as_bytes(),
            at(7),
            Solicitation::outstanding(),
            &requests,
        )
        .expect("valid response");
    check_alice(&v);
    assert_eq!(
        v.signed(),
        [SignedElement::Response, SignedElement::Assertion]
    );
    assert_eq!(v.in_response_to(), Some(request.id.as_str()));
    // InResponseTo is single-use.
    let e = sp
        .validate_and_commit(
            response.as_bytes(),
            at(8),
            Solicitation::outstanding(),
            &requests,
        )
        .expect_err("second use");
    assert_eq!(e.kind(), "unknown_in_response_to");
}

#[test]
fn sp_initiated_redirect() {
    let sp = org2(Binding::HttpRedirect, false);
    let requests = InMemoryStore::default();
    let request = sp
        .authn_request(
            now(),
            &RequestOptions::default().with_force_authn(true),
            &requests,
        )
        .expect("request");
    let url = sp.redirect_url(&request, Some("state-1")).expect("url");
    assert!(url.starts_with(SSO_URL) && url.contains("&SigAlg=") && url.contains("&Signature="));

    let idp = org1(SignTarget::Assertion);
    let received = idp
        .receive_redirect(&org2_peer(), &url, at(1))
        .expect("valid redirect request");
    assert!(received.signed && received.force_authn);
    assert_eq!(received.relay_state.as_deref(), Some("state-1"));

    // One changed byte in the query breaks its signature.
    let tampered = url.replacen("RelayState=state-1", "RelayState=state-2", 1);
    let e = idp
        .receive_redirect(&org2_peer(), &tampered, at(1))
        .expect_err("tampered");
    assert_eq!(e.kind(), "signature_mismatch");

    let response = idp
        .issue(&org2_peer(), &alice(), Some(&received), at(2))
        .expect("issued");
    let form = idp.post_form(&org2_peer(), &response, received.relay_state.as_deref());
    assert!(form.contains(ACS));
    let v = sp
        .validate_and_commit(
            response.as_bytes(),
            at(3),
            Solicitation::outstanding(),
            &requests,
        )
        .expect("valid");
    check_alice(&v);
    assert_eq!(v.signed(), [SignedElement::Assertion]);
}

#[test]
fn idp_initiated_with_relay_state_through_the_post_binding() {
    let idp = org1(SignTarget::Response);
    let response = idp
        .issue(&org2_peer(), &alice(), None, now())
        .expect("issued");
    // What the browser posts: the form body, decoded as an operator's capture would be.
    let body = format!(
        "SAMLResponse={}&RelayState={}",
        binding::url_encode(&binding::encode_post(response.as_bytes())),
        binding::url_encode("/dashboard")
    );
    let decoded = binding::decode(body.as_bytes(), &DecodeLimits::default()).expect("decodes");
    assert_eq!(decoded.relay_state.as_deref(), Some("/dashboard"));

    let requests = InMemoryStore::default();
    let v = org2(Binding::HttpPost, true)
        .validate_and_commit(&decoded.xml, at(1), Solicitation::outstanding(), &requests)
        .expect("unsolicited allowed");
    check_alice(&v);
    assert_eq!(v.in_response_to(), None);

    let e = org2(Binding::HttpPost, false)
        .validate_and_commit(&decoded.xml, at(1), Solicitation::outstanding(), &requests)
        .expect_err("unsolicited refused");
    assert_eq!(e.kind(), "unsolicited");
}

#[test]
fn idp_refuses_bad_requests() {
    let sp = org2(Binding::HttpPost, false);
    let idp = org1(SignTarget::Both);
    let requests = InMemoryStore::default();
    let request = sp
        .authn_request(now(), &RequestOptions::default(), &requests)
        .expect("request");

    // Unsigned when the SP's metadata says AuthnRequestsSigned.
    let start = request.xml.find("<ds:Signature").expect("sig");
    let end = request.xml.find("</ds:Signature>").expect("end") + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &request.xml[..start], &request.xml[end..]);
    let e = idp
        .receive_post(&org2_peer(), unsigned.as_bytes(), None, now())
        .expect_err("unsigned");
    assert!(matches!(e, SamlError::RequestNotSigned), "{e}");

    // Signed by a key the IdP does not know for this SP.
    let stranger =
        SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa2048.cert.pem")]).expect("peer with keys");
    let e = idp
        .receive_post(&stranger, request.xml.as_bytes(), None, now())
        .expect_err("unknown key");
    assert_eq!(e.kind(), "signature_mismatch");

    // An ACS URL the SP never registered (open-redirect style).
    let other = SpPeer::new(
        SP_ENTITY,
        "https://evil.example/acs",
        vec![anchor("rsa3072.cert.pem")],
    )
    .expect("peer with keys");
    let e = idp
        .receive_post(&other, request.xml.as_bytes(), None, now())
        .expect_err("acs");
    assert_eq!(e.kind(), "acs_url_not_registered");

    // Too old.
    let e = idp
        .receive_post(&org2_peer(), request.xml.as_bytes(), None, at(3600))
        .expect_err("old");
    assert_eq!(e.kind(), "expired");
}

#[test]
fn clock_skew_boundaries_on_both_sides() {
    // Issued at T: Conditions NotBefore = T, NotOnOrAfter = T + 300 s; skew 120 s.
    let idp = org1(SignTarget::Assertion);
    let response = idp
        .issue(&org2_peer(), &alice(), None, now())
        .expect("issued");
    let sp = org2(Binding::HttpPost, true);
    let check = |offset: i64| {
        sp.validate_and_commit(
            response.as_bytes(),
            at(offset),
            saml_core::saml::sp::danger::not_tracked(),
            &InMemoryStore::default(),
        )
        .map(|_| ())
        .map_err(|e| e.kind().as_str())
    };
    assert_eq!(
        check(-119),
        Ok(()),
        "one second inside the skew before NotBefore"
    );
    assert_eq!(check(-121), Err("not_yet_valid"), "one second outside");
    assert_eq!(
        check(300 + 119),
        Ok(()),
        "one second inside the skew after NotOnOrAfter"
    );
    assert_eq!(check(300 + 121), Err("expired"), "one second outside");
    let strict = ServiceProvider::new(
        IdpSettings::new(IDP_ISSUER, SSO_URL, vec![anchor("rsa2048.cert.pem")])
            .with_max_clock_skew(Duration::ZERO)
            .with_sign_requests(false),
        SpSettings::new(SP_ENTITY, ACS),
    )
    .expect("complete settings");
    let e = strict
        .validate_and_commit(
            response.as_bytes(),
            at(-1),
            saml_core::saml::sp::danger::not_tracked(),
            &InMemoryStore::default(),
        )
        .expect_err("no skew");
    assert_eq!(e.kind(), "not_yet_valid");
}

/// The xmlsec1 binary, or None (a SKIPPED line) outside CI.
fn xmlsec1() -> Option<&'static str> {
    let found = Command::new("xmlsec1")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI must install xmlsec1");
        eprintln!("SKIPPED: xmlsec1 not installed");
        return None;
    }
    Some("xmlsec1")
}

fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("saml-e2e-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("doc.xml");
    std::fs::write(&path, contents).expect("write");
    path
}

#[test]
fn our_idp_responses_pass_xmlsec1() {
    let Some(xmlsec1) = xmlsec1() else { return };
    let response = org1(SignTarget::Both)
        .issue(&org2_peer(), &alice(), None, now())
        .expect("issued");
    let path = temp_file("ours", &response);
    let cert = format!("{}/testdata/rsa2048.cert.pem", env!("CARGO_MANIFEST_DIR"));
    for n in 1..=2 {
        let out = Command::new(xmlsec1)
            .args(["--verify", "--enabled-key-data", "key-name", "--pubkey-cert-pem", &cert])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response"])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"])
            .arg("--node-xpath")
            .arg(format!("(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])[{n}]"))
            .arg(&path)
            .output()
            .expect("xmlsec1 runs");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains("OK"),
            "signature {n}: {text}"
        );
    }
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[test]
fn responses_signed_by_xmlsec1_validate() {
    let Some(xmlsec1) = xmlsec1() else { return };
    // Take one of our responses, replace its Assertion signature with an xmlsec1 template.
    let ours = org1(SignTarget::Assertion)
        .issue(&org2_peer(), &alice(), None, now())
        .expect("issued");
    let start = ours.find("<ds:Signature").expect("sig");
    let end = ours.find("</ds:Signature>").expect("end") + "</ds:Signature>".len();
    let assertion_id = ours
        .split("<saml:Assertion ID=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("id");
    let template = format!(
        "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>\
         <CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
         <SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
         <Reference URI=\"#{assertion_id}\"><Transforms>\
         <Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
         <Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></Transforms>\
         <DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue/></Reference>\
         </SignedInfo><SignatureValue/></Signature>"
    );
    let unsigned = format!("{}{}{}", &ours[..start], template, &ours[end..]);
    let path = temp_file("theirs", &unsigned);
    let out_path = path.with_file_name("signed.xml");
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(xmlsec1)
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!(
            "{dir}/testdata/rsa2048.pk8.pem,{dir}/testdata/rsa2048.cert.pem"
        ))
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            "--output",
        ])
        .arg(&out_path)
        .arg(&path)
        .output()
        .expect("xmlsec1 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signed = std::fs::read(&out_path).expect("signed");
    let v = org2(Binding::HttpPost, true)
        .validate_and_commit(
            &signed,
            at(1),
            saml_core::saml::sp::danger::not_tracked(),
            &InMemoryStore::default(),
        )
        .expect("xmlsec1's signature validates");
    check_alice(&v);
    assert_eq!(v.signed(), [SignedElement::Assertion]);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}
