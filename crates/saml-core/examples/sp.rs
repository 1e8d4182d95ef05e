//! A service provider validating a captured Response (a real Google Workspace response from
//! `tests/vectors`), at the instant it was issued.
//!
//! Run with `cargo run -p saml-core --example sp`.

use saml_core::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");
    // The IdP's signing certificate: the only key trusted.
    let cert = std::fs::read(format!("{vectors}/certs/google-C02dfl1r1.pem"))?;
    let idp = IdpSettings::new(
        "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
        "https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1",
        vec![TrustAnchor::from_any(&cert, Some("google-C02dfl1r1.pem"))?],
    )
    // This SP only receives Responses; it sends no AuthnRequests to sign.
    .with_sign_requests(false);
    let sp = SpSettings::new(
        "https://29ee6d2e.ngrok.io/saml/metadata",
        "https://29ee6d2e.ngrok.io/saml/acs",
    );
    // Build once, share across threads: keys are parsed and the settings checked here.
    let service_provider = ServiceProvider::new(idp, sp)?;

    // What the browser posted (the SAMLResponse value), decoded.
    let captured = std::fs::read(format!(
        "{vectors}/saml/valid/google-2016-response-signed.xml.b64"
    ))?;
    let xml = binding::decode(&captured, &DecodeLimits::default())?.xml;

    let now = parse_xs_datetime("2016-01-05T16:55:39Z")?;
    let store = InMemoryStore::default();
    // Every check that needs no shared state…
    let pending = service_provider.validate(
        &xml,
        now,
        Solicitation::expect("id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6"),
    )?;
    // …then the replay cache. Only the commit hands out the assertion.
    let assertion = pending.commit(&store)?;
    println!("user:       {}", assertion.name_id().value);
    println!("issuer:     {}", assertion.issuer());
    println!("first name: {:?}", assertion.attribute("firstName"));

    // The same assertion a second time is a replay.
    let again = service_provider
        .validate(
            &xml,
            now,
            Solicitation::expect("id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6"),
        )
        .and_then(|pending| pending.commit(&store));
    println!(
        "replayed:   {}",
        again.map_or_else(|e| e.to_string(), |_| "accepted?!".into())
    );
    Ok(())
}
