//! A5: certificate / KeyInfo injection; A22: issuer/key confusion in multi-IdP SPs.
//! xml-crypto CVE-2024-32962 (the KeyInfo certificate preferred over the configured one),
//! pysaml2 CVE-2021-21239 (any key data in KeyInfo accepted), xmlsec PR #724 (KeyValue
//! "enables creating fake signatures"), Shibboleth xmltooling CVE-2023-36661 and Santuario
//! CVE-2021-40690 (KeyInfo dereferencing), Lasso CVE-2021-28091 (mixed issuers).
//!
//! Defence: `Verifier::verify_with_anchors` tries only the configured `TrustAnchor`s; the
//! KeyInfo certificate is used only to try a matching anchor first
//! (`key_info_certificate`), and nothing in KeyInfo is ever dereferenced. Failure is
//! `DsigError::SignatureMismatch`, whose message says whether the KeyInfo certificate is one of
//! the configured ones.

use saml_core::crypto::SignatureAlgorithm;
use saml_core::dsig::{DsigError, Signer};
use saml_core::saml::idp::SignTarget;
use saml_core::saml::sp::ServiceProvider;
use saml_core::settings::{IdpSettings, SpSettings};

use crate::helpers::*;

/// The attacker edits the message and re-signs it with their own key, their certificate in
/// KeyInfo (node-saml `response.root-resigned-by-attacker-…-attackers-cert-at-keyinfo.xml`).
#[test]
fn attacker_resigns_with_own_certificate_in_keyinfo() {
    for target in [
        SignTarget::Assertion,
        SignTarget::Response,
        SignTarget::Both,
    ] {
        let forged = sign_with(&attacker_signer(), &with_name_id(&unsigned(), EVIL), target);
        let err = rejected(&sp(), &forged);
        assert_kind(&err, "signature_mismatch");
        match dsig_source(&err).1 {
            DsigError::SignatureMismatch { key_info, .. } => {
                assert!(key_info.contains("not configured"), "{key_info}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The contents of the DER TLV at the start of `b`, and what follows it.
fn der_tlv(b: &[u8]) -> (&[u8], &[u8]) {
    let (len, header) = match b[1] {
        l if l < 0x80 => (usize::from(l), 2),
        0x81 => (usize::from(b[2]), 3),
        0x82 => (usize::from(b[2]) << 8 | usize::from(b[3]), 4),
        other => panic!("unexpected DER length byte {other:#x}"),
    };
    (&b[header..header + len], &b[header + len..])
}

/// Base64.
fn b64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// The same with the attacker's public key as `RSAKeyValue` (its modulus and exponent, the
/// SecureWorks shape) and as `DEREncodedKeyValue` (its SubjectPublicKeyInfo): key values in the
/// message are never keys.
#[test]
fn attacker_key_value_in_keyinfo() {
    use der::{Decode as _, Encode as _};
    let attacker = cert("rsa3072.cert.pem");
    // PKCS#1 RSAPublicKey: SEQUENCE { INTEGER modulus, INTEGER exponent }.
    let (sequence, _) = der_tlv(attacker.public_key().bytes());
    let (modulus, rest) = der_tlv(sequence);
    let (exponent, _) = der_tlv(rest);
    let spki = x509_cert::Certificate::from_der(attacker.der())
        .expect("certificate")
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("SPKI");
    for key_info in [
        format!(
            "<ds:KeyInfo><ds:KeyValue><ds:RSAKeyValue><ds:Modulus>{}</ds:Modulus>\
             <ds:Exponent>{}</ds:Exponent></ds:RSAKeyValue></ds:KeyValue></ds:KeyInfo>",
            b64(modulus.strip_prefix(&[0]).unwrap_or(modulus)),
            b64(exponent)
        ),
        format!(
            "<ds:KeyInfo><dsig11:DEREncodedKeyValue \
             xmlns:dsig11=\"http://www.w3.org/2009/xmldsig11#\">{}</dsig11:DEREncodedKeyValue>\
             </ds:KeyInfo>",
            b64(&spki)
        ),
    ] {
        let mut forge = Forge::with_key(ForgeKey::Key(
            Box::new(key("rsa3072.pk8.pem")),
            SignatureAlgorithm::RsaSha256,
        ));
        forge.key_info = Some(key_info);
        let base = with_name_id(&unsigned(), EVIL);
        let forged = forge.sign(&base, assertion(&base).outer.start);
        let err = rejected(&sp(), &forged);
        assert_kind(&err, "signature_mismatch");
    }
}

/// Shibboleth CVE-2023-36661, Santuario CVE-2021-40690: KeyInfo that points elsewhere
/// (`RetrievalMethod`, `KeyInfoReference`, `X509Data/X509URL`-style URIs). Signed by the IdP,
/// the message validates, so nothing was fetched or needed; signed by the attacker, it fails.
#[test]
fn keyinfo_uris_are_never_dereferenced() {
    let key_info = "<ds:KeyInfo>\
        <ds:RetrievalMethod URI=\"http://attacker.example/key.xml\" \
         Type=\"http://www.w3.org/2000/09/xmldsig#X509Data\"/>\
        <ds:RetrievalMethod URI=\"file:///etc/passwd\"/>\
        <dsig11:KeyInfoReference xmlns:dsig11=\"http://www.w3.org/2009/xmldsig11#\" \
         URI=\"http://attacker.example/keyinfo\"/></ds:KeyInfo>";
    let mut forge = Forge::idp();
    forge.key_info = Some(key_info.into());
    let v = accepted(&sp(), &forged_assertion(&forge));
    assert_eq!(v.name_id().value, ALICE);

    let mut forge = Forge::with_key(ForgeKey::Key(
        Box::new(key("rsa3072.pk8.pem")),
        SignatureAlgorithm::RsaSha256,
    ));
    forge.key_info = Some(key_info.into());
    let err = rejected(&sp(), &forged_assertion(&forge));
    assert_kind(&err, "signature_mismatch");
}

/// pysaml2 `signed-assertion-random-embedded-cert.xml` made with our keys: signed with the
/// IdP's key, an unrelated certificate in KeyInfo. KeyInfo is ignored, so it is valid.
#[test]
fn right_key_with_unrelated_certificate_in_keyinfo_is_valid() {
    let signer = Signer::new(key("rsa2048.pk8.pem"), Some(cert("rsa3072.cert.pem")));
    let xml = sign_with(&signer, &unsigned(), SignTarget::Both);
    assert_eq!(accepted(&sp(), &xml).name_id().value, ALICE);
    // Without any KeyInfo at all, too.
    let signer = Signer::new(key("rsa2048.pk8.pem"), None);
    accepted(&sp(), &sign_with(&signer, &unsigned(), SignTarget::Both));
}

/// During rollover (two configured certificates), KeyInfo naming the attacker's certificate
/// does not add it to the candidates.
#[test]
fn rollover_does_not_widen_trust() {
    let sp = sp_with(|i| {
        *i = i
            .clone()
            .with_signing_certificates(vec![anchor("p256.cert.pem"), anchor("rsa2048.cert.pem")]);
    });
    let forged = sign_with(
        &attacker_signer(),
        &with_name_id(&unsigned(), EVIL),
        SignTarget::Both,
    );
    let err = rejected(&sp, &forged);
    assert_kind(&err, "signature_mismatch");
    accepted(&sp, &issue(SignTarget::Both));
}

/// A22 issuer/key confusion: another IdP (the attacker's, with a valid key of its own) signs an
/// assertion claiming to come from our IdP. Keys are chosen by the configured IdP, never by the
/// claimed Issuer or by trying every key the SP knows of.
#[test]
fn another_idp_claiming_our_issuer() {
    let other_idp =
        saml_core::saml::idp::IdentityProvider::new(IDP_ISSUER, SSO_URL, attacker_signer())
            .with_sign_target(SignTarget::Assertion);
    let forged = other_idp
        .issue(&sp_peer(), &alice(), None, now())
        .expect("issues");
    let err = rejected(&sp(), &forged);
    assert_kind(&err, "signature_mismatch");
}

/// The stored node-saml vector through the SP: Response re-signed by the attacker, their
/// certificate in KeyInfo (verifies only with that certificate).
#[test]
fn stored_nodesaml_attacker_resigned() {
    let mut idp = IdpSettings::new(
        "https://evil-corp.com",
        "https://idp.invalid/sso",
        vec![vector_anchor("node-saml-idp.pem")],
    );
    idp = idp.with_algorithm_policy(saml_core::crypto::danger::legacy());
    let sp = ServiceProvider::new(
        idp.with_sign_requests(false),
        SpSettings::new("urn:unused", "urn:unused"),
    )
    .expect("complete settings");
    let xml = vector("saml/attack/nodesaml-attacker-resigned-cert-in-keyinfo.xml");
    let err = rejected_at(&sp, &xml, time("2020-09-25T16:30:00Z"));
    assert_kind(&err, "signature_mismatch");
    assert_eq!(dsig_source(&err).0, "Response");
}
