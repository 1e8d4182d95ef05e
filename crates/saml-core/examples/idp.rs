//! An identity provider (Org1) answering a signed AuthnRequest from a service provider (Org2),
//! and the service provider validating the Response: both sides of Okta Org2Org.
//!
//! Run with `cargo run -p saml-core --example idp`.

use saml_core::prelude::*;
use saml_core::saml::authn::RequestOptions;

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

    // Org1: signs Responses with its key (the signer picks RSA-SHA256 for an RSA key); knows
    // Org2's request-signing certificate.
    let idp_signer = saml_core::dsig::Signer::new(
        SigningKey::from_pem(&read("rsa2048.pk8.pem")?, Some("idp key"))?,
        Some(Certificate::from_pem(
            &read("rsa2048.cert.pem")?,
            Some("idp cert"),
        )?),
    );
    let org1 = IdentityProvider::new(issuer, sso, idp_signer).with_sign_target(SignTarget::Both);
    let org2_as_seen_by_org1 = SpPeer::new(
        audience,
        acs,
        vec![TrustAnchor::from_any(
            &read("rsa3072.cert.pem")?,
            Some("sp cert"),
        )?],
    )?;

    // Org2: trusts Org1's certificate; signs its AuthnRequests. The settings are checked
    // here, once: no certificate, or request signing without a key, is an error now.
    let org2 = ServiceProvider::new(
        IdpSettings::new(
            issuer,
            sso,
            vec![TrustAnchor::from_any(
                &read("rsa2048.cert.pem")?,
                Some("idp cert"),
            )?],
        ),
        SpSettings::new(audience, acs).with_signing_key(
            SigningKey::from_pem(&read("rsa3072.pk8.pem")?, Some("sp key"))?,
            Certificate::from_pem(&read("rsa3072.cert.pem")?, Some("sp cert"))?,
        ),
    )?;

    // The library never reads the clock: the caller passes the time of each check.
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    // One store for both kinds of SP state: outstanding request IDs and accepted assertions.
    let store = InMemoryStore::default();
    let request = org2.authn_request(now, &RequestOptions::default(), &store)?;
    println!("Org2 sends AuthnRequest {} by HTTP-POST", request.id);

    let received = org1.receive_post(&org2_as_seen_by_org1, request.xml.as_bytes(), None, now)?;
    let subject = Subject::new("alice@org1.example")
        .with_attribute("groups", vec!["Everyone".into(), "Engineering".into()]);
    let response = org1.issue(&org2_as_seen_by_org1, &subject, Some(&received), now)?;
    println!(
        "Org1 answers with a {}-byte signed Response",
        response.len()
    );

    // Validation is CPU work only; the commit consumes the request ID and records the
    // assertion, and is the only way to obtain it.
    let pending = org2.validate(response.as_bytes(), now, Solicitation::outstanding())?;
    let assertion = pending.commit(&store)?;
    println!(
        "Org2 accepts {} with groups {:?} (signed: {:?})",
        assertion.name_id().value,
        assertion.attribute("groups"),
        assertion.signed()
    );
    Ok(())
}
