//! Metadata documents for the `metadata_*` test targets, built from the keys of
//! `crates/saml-core/testdata` and the certificates of `tests/vectors/certs`:
//! - the federation operator signs with `rsa2048` (pinned in [`pinned`]);
//! - the attacker signs with `rsa3072` (never pinned);
//! - entities publish `okta-dev-513394.pem` (IdP signing) and `samltest-id-signing.pem`.
#![allow(
    dead_code,
    reason = "each metadata test target uses a different subset of these builders"
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::crypto::AlgorithmPolicy;
use saml_core::dsig::{Signer, Verifier};
use saml_core::metadata::{self, MetadataError};
use saml_core::time::{DateTime, parse_xs_datetime};

use crate::common::{cert, key, vector_cert};

pub const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
pub const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const SOAP: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

/// The time of every check unless a test says otherwise.
pub fn now() -> DateTime {
    at("2026-12-06T00:00:00Z")
}

#[track_caller]
pub fn at(s: &str) -> DateTime {
    parse_xs_datetime(s).expect("test time")
}

/// The federation's metadata signer (RSA-2048, certificate in KeyInfo).
pub fn operator() -> Signer {
    Signer::new(key("rsa2048.pk8.pem"), Some(cert("rsa2048.cert.pem")))
}

/// An attacker's signer (RSA-3072, its own certificate in KeyInfo).
pub fn attacker() -> Signer {
    Signer::new(key("rsa3072.pk8.pem"), Some(cert("rsa3072.cert.pem")))
}

/// A verifier pinned to the operator's certificate only.
pub fn pinned() -> Verifier {
    Verifier::new(
        vec![saml_core::crypto::TrustAnchor::Certificate(cert(
            "rsa2048.cert.pem",
        ))],
        AlgorithmPolicy::default(),
    )
}

pub fn b64(c: &saml_core::crypto::Certificate) -> String {
    STANDARD.encode(c.der())
}

pub fn idp_cert_b64() -> String {
    b64(&vector_cert("okta-dev-513394.pem"))
}

pub fn other_cert_b64() -> String {
    b64(&vector_cert("samltest-id-signing.pem"))
}

fn key_descriptor(usage: Option<&str>, cert_b64: &str) -> String {
    let usage = usage.map_or(String::new(), |u| format!(r#" use="{u}""#));
    format!(
        r#"<md:KeyDescriptor{usage}><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
    )
}

/// An IdP entity: signing key, SSO (POST, Redirect), SLO (Redirect with ResponseLocation, SOAP).
pub fn idp_entity(entity_id: &str, attrs: &str) -> String {
    let host = entity_id.trim_start_matches("https://");
    format!(
        r#"<md:EntityDescriptor entityID="{entity_id}"{attrs}><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{}<md:SingleLogoutService Binding="{REDIRECT}" Location="https://{host}/slo" ResponseLocation="https://{host}/slo/response"/><md:SingleLogoutService Binding="{SOAP}" Location="https://{host}/slo/soap"/><md:SingleSignOnService Binding="{POST}" Location="https://{host}/sso/post"/><md:SingleSignOnService Binding="{REDIRECT}" Location="https://{host}/sso/redirect"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
        key_descriptor(Some("signing"), &idp_cert_b64())
    )
}

/// An SP entity: a key without `use`, an encryption key, SLO (POST), two ACS.
pub fn sp_entity(entity_id: &str, attrs: &str) -> String {
    let host = entity_id.trim_start_matches("https://");
    format!(
        r#"<md:EntityDescriptor entityID="{entity_id}"{attrs}><md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{}{}<md:SingleLogoutService Binding="{POST}" Location="https://{host}/slo"/><md:AssertionConsumerService Binding="{POST}" Location="https://{host}/acs" index="0" isDefault="true"/><md:AssertionConsumerService Binding="{REDIRECT}" Location="https://{host}/acs/redirect" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>"#,
        key_descriptor(None, &idp_cert_b64()),
        key_descriptor(Some("encryption"), &other_cert_b64()),
    )
}

/// An `md:EntitiesDescriptor` document with these attributes around these children.
pub fn aggregate(attrs: &str, children: &[String]) -> String {
    format!(
        r#"<md:EntitiesDescriptor xmlns:md="{MD}"{attrs}>{}</md:EntitiesDescriptor>"#,
        children.concat()
    )
}

/// A nested `md:EntitiesDescriptor` (no namespace declaration: it sits in [`aggregate`]).
pub fn group(attrs: &str, children: &[String]) -> String {
    format!(
        r#"<md:EntitiesDescriptor{attrs}>{}</md:EntitiesDescriptor>"#,
        children.concat()
    )
}

/// A standalone entity document (`md` declared on it).
pub fn standalone(entity: &str) -> String {
    entity.replacen(
        "<md:EntityDescriptor ",
        &format!(r#"<md:EntityDescriptor xmlns:md="{MD}" "#),
        1,
    )
}

/// A federation of one IdP and one SP, with an `ID` to sign.
pub fn federation() -> String {
    aggregate(
        r#" ID="fed-2026" Name="urn:example:federation" validUntil="2027-01-01T00:00:00Z" cacheDuration="PT6H""#,
        &[
            idp_entity("https://idp.example.org", ""),
            sp_entity("https://sp.example.org", ""),
        ],
    )
}

#[track_caller]
pub fn sign(xml: &str, signer: &Signer) -> String {
    metadata::sign_metadata(xml, signer).expect("sign metadata")
}

/// Asserts the error's stable kind and returns it for more checks.
#[track_caller]
pub fn assert_kind<T>(result: Result<T, MetadataError>, kind: &str) -> MetadataError {
    match result {
        Ok(_) => panic!("expected a `{kind}` refusal, got an accepted document"),
        Err(e) => {
            assert_eq!(e.kind().as_str(), kind, "{e}");
            e
        }
    }
}
