//! An encrypted round trip: the identity provider (Org1) encrypts the assertion for the
//! service provider's (Org2's) encryption certificate, and Org2 decrypts it with its key.
//!
//! Run with `cargo run -p saml-core --example encrypted`.

use saml_core::prelude::*;
use saml_core::xmlenc::{DecryptionKey, EncryptionKey};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let testdata = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
    let read = |name: &str| std::fs::read(format!("{testdata}/{name}"));
    let (issuer, sso) = (
        "http://www.okta.com/exk1org1",
        "https://org1.example/sso/saml",
    );
    let (audience, acs) = (
        "https://org2.example/saml/metadata",
        "https://org2.example/sso/saml2",
    );

    // Org1 signs with its key. It knows Org2's request-signing certificate and, from Org2's
    // metadata (`KeyDescriptor use="encryption"`; `metadata::SpMetadata::into_peer` reads it)
    // or by hand as here, Org2's encryption certificate. One key pair serves both here; a
    // separate encryption key is as easy.
    let org1 = IdentityProvider::new(
        issuer,
        sso,
        saml_core::dsig::Signer::new(
            SigningKey::from_pem(&read("rsa2048.pk8.pem")?, Some("idp key"))?,
            Some(Certificate::from_pem(
                &read("rsa2048.cert.pem")?,
                Some("idp cert"),
            )?),
        ),
    );
    let org2_cert = Certificate::from_pem(&read("rsa3072.cert.pem")?, Some("sp cert"))?;
    let org2_as_seen_by_org1 = SpPeer::new(
        audience,
        acs,
        vec![TrustAnchor::Certificate(org2_cert.clone())],
    )?
    // Default: AES-256-GCM, the key sent with xmlenc11 RSA-OAEP (SHA-256, MGF1-SHA-256). For
    // an SP on xmlsec1 1.2 (pysaml2, python3-saml), which knows no xmlenc11 RSA-OAEP, add
    // `.with_encryption_algorithms(DataEncryption::Aes128Cbc, KeyTransport::default())?`
    // (both in `saml_core::xmlenc`): AES-128-CBC with rsa-oaep-mgf1p.
    .with_encryption(EncryptionKey::from_certificate(&org2_cert)?);

    // Org2 trusts Org1's certificate and decrypts with its private key (several may be
    // configured during a key rollover).
    let org2 = ServiceProvider::new(
        IdpSettings::new(
            issuer,
            sso,
            vec![TrustAnchor::from_any(
                &read("rsa2048.cert.pem")?,
                Some("idp cert"),
            )?],
        )
        .with_sign_requests(false),
        SpSettings::new(audience, acs)
            .with_unsolicited(true)
            .with_decryption_key(DecryptionKey::from_pem(
                &read("rsa3072.pk8.pem")?,
                Some("sp key"),
            )?),
    )?;

    let now = DateTime::from_system_time(std::time::SystemTime::now());
    let subject = Subject::new("alice@org1.example")
        .with_attribute("groups", vec!["Everyone".into(), "Engineering".into()]);
    // IdP-initiated (Org2 allows unsolicited Responses): the Assertion is signed, encrypted,
    // and the Response signed around it.
    let response = org1.issue(&org2_as_seen_by_org1, &subject, None, now)?;
    assert!(!response.contains("alice@org1.example"));
    println!(
        "Org1 sends a {}-byte Response; the assertion travels as an EncryptedAssertion",
        response.len()
    );

    let store = InMemoryStore::default();
    let assertion = org2
        .validate(response.as_bytes(), now, Solicitation::outstanding())?
        .commit(&store)?;
    println!(
        "Org2 decrypts it ({}) and accepts {} with groups {:?} (signed: {:?})",
        assertion
            .encryption()
            .map_or_else(|| "not encrypted".to_owned(), |d| d.to_string()),
        assertion.name_id().value,
        assertion.attribute("groups"),
        assertion.signed()
    );
    Ok(())
}
