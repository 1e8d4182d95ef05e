//! Metadata over time (`saml_core::metadata::Metadata`): signed aggregates loaded, indexed and
//! selected from; keys kept for rollover and by use; SLO endpoints exposed; validUntil
//! inherited; cacheDuration turned into a reload time.

mod common;
mod metadata_fixtures;

use common::{vector_anchor, vector_raw};
use metadata_fixtures::*;
use saml_core::crypto::{AlgorithmPolicy, TrustAnchor};
use saml_core::dsig::Verifier;
use saml_core::metadata::{
    DEFAULT_CACHE_DURATION, EntityRole, IdpMetadata, KeyUse, Metadata, MetadataLimits, ServiceKind,
    SpMetadata, XsDuration,
};
use saml_core::settings::Binding;

fn limits() -> MetadataLimits {
    MetadataLimits::default()
}

#[test]
fn signed_aggregate_loads_and_entities_are_selected() {
    let signed = sign(&federation(), &operator());
    let md = Metadata::verify(signed.as_bytes(), &pinned(), now(), &limits()).unwrap();
    let signature = md.signature().expect("verified");
    assert_eq!(signature.key_index, 0);
    assert_eq!(
        signature.certificate_sha256.as_deref(),
        Some(
            common::cert("rsa2048.cert.pem")
                .fingerprint_sha256()
                .as_str()
        )
    );
    assert!(md.is_aggregate());
    assert_eq!(md.name(), Some("urn:example:federation"));
    assert_eq!(md.len(), 2);
    assert!(md.contains("https://sp.example.org"));
    assert!(!md.contains("https://sp.example"));

    let idp = md.idp_settings("https://idp.example.org", now()).unwrap();
    assert_eq!(idp.issuer(), "https://idp.example.org");
    assert_eq!(idp.sso_url(), "https://idp.example.org/sso/post");
    assert_eq!(idp.sso_binding(), Binding::HttpPost);
    assert_eq!(idp.signing_certificates().len(), 1);

    let peer = md.sp_peer("https://sp.example.org", now()).unwrap();
    assert_eq!(peer.entity_id(), "https://sp.example.org");
    assert_kind(
        md.idp_metadata("https://sp.example.org"),
        "malformed_message",
    );
    assert_kind(
        md.sp_peer("https://nobody.example", now()),
        "unknown_entity",
    );

    // The same bytes, loaded without a signature check, say so.
    let unsigned = Metadata::parse(signed.as_bytes(), now(), &limits()).unwrap();
    assert!(unsigned.signature().is_none());
}

/// The real Azure AD federation metadata (signed by Microsoft, RSA-SHA256, URI `#_…`)
/// verifies with its pinned certificate, and not once altered.
#[test]
fn azure_ad_federation_metadata_verifies_with_its_pinned_certificate() {
    let xml = vector_raw("saml/valid/azuread-2014-federation-metadata-signed.xml");
    let verifier = Verifier::new(
        vec![vector_anchor("azuread-accesscontrol-2014.pem")],
        AlgorithmPolicy::default(),
    );
    let md = Metadata::verify(&xml, &verifier, now(), &limits()).unwrap();
    assert!(!md.is_aggregate());
    assert_eq!(md.len(), 1);
    let tampered = String::from_utf8(xml.clone()).unwrap().replacen(
        "https://login.windows.net",
        "https://login.evil.example",
        1,
    );
    assert_kind(
        Metadata::verify(tampered.as_bytes(), &verifier, now(), &limits()),
        "digest_mismatch",
    );
    assert_kind(
        Metadata::verify(&xml, &pinned(), now(), &limits()),
        "signature_mismatch",
    );
}

/// Rollover: the verifier pins the old and the new operator key; metadata signed with either
/// verifies, and the IdP's two signing keys are both kept.
#[test]
fn rollover_of_metadata_and_idp_signing_keys() {
    let verifier = Verifier::new(
        vec![
            TrustAnchor::Certificate(common::cert("rsa3072.cert.pem")),
            TrustAnchor::Certificate(common::cert("rsa2048.cert.pem")),
        ],
        AlgorithmPolicy::default(),
    );
    let second_key = format!(
        r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService"#,
        other_cert_b64()
    );
    let xml = federation().replacen("<md:SingleLogoutService", &second_key, 1);
    for (signer, index) in [(attacker(), 0), (operator(), 1)] {
        let signed = sign(&xml, &signer);
        let md = Metadata::verify(signed.as_bytes(), &verifier, now(), &limits()).unwrap();
        assert_eq!(md.signature().unwrap().key_index, index);
        let idp = md.idp_metadata("https://idp.example.org").unwrap();
        assert_eq!(idp.signing_certificates().len(), 2);
    }
}

/// Keys by use: signing and encryption listed separately, a key without `use` in both lists;
/// yet only `use="encryption"` turns encryption on for an SP peer.
#[test]
fn keys_are_listed_by_use() {
    let xml = federation();
    let md = Metadata::parse(xml.as_bytes(), now(), &limits()).unwrap();
    let sp = md.entity("https://sp.example.org").unwrap();
    let role = &sp.roles[0];
    assert_eq!(role.role, EntityRole::ServiceProvider);
    let uses: Vec<KeyUse> = role.keys.iter().map(|k| k.usage).collect();
    assert_eq!(uses, [KeyUse::Unspecified, KeyUse::Encryption]);
    assert_eq!(role.signing_keys().count(), 1);
    assert_eq!(role.encryption_keys().count(), 2);
    let fingerprints: Vec<String> = role.keys.iter().map(|k| k.sha256().unwrap()).collect();
    assert_eq!(
        fingerprints,
        [
            common::vector_cert("okta-dev-513394.pem").fingerprint_sha256(),
            common::vector_cert("samltest-id-signing.pem").fingerprint_sha256()
        ]
    );
    let sp_md = md.sp_metadata("https://sp.example.org").unwrap();
    assert_eq!(sp_md.signing_certificates().len(), 1);
    assert_eq!(sp_md.encryption_certificates().len(), 1);

    // An IdP's encryption key is kept apart from its signing keys.
    let enc = format!(
        r#"<md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService"#,
        other_cert_b64()
    );
    let with_enc = federation().replacen("<md:SingleLogoutService", &enc, 1);
    let md = Metadata::parse(with_enc.as_bytes(), now(), &limits()).unwrap();
    let idp = md.idp_metadata("https://idp.example.org").unwrap();
    assert_eq!(idp.signing_certificates().len(), 1);
    assert_eq!(
        idp.encryption_certificates()[0],
        common::vector_cert("samltest-id-signing.pem")
    );
    let summary = md.entity("https://idp.example.org").unwrap();
    assert_eq!(summary.roles[0].signing_keys().count(), 1);
    assert_eq!(summary.roles[0].encryption_keys().count(), 1);

    // Without the use="encryption" key, the unspecified one is listed as an encryption key
    // but not encrypted to.
    let no_enc = federation().replacen(
        r#"<md:KeyDescriptor use="encryption">"#,
        r#"<md:KeyDescriptor use="signing">"#,
        1,
    );
    let md = Metadata::parse(no_enc.as_bytes(), now(), &limits()).unwrap();
    let sp = md.entity("https://sp.example.org").unwrap();
    assert_eq!(sp.roles[0].encryption_keys().count(), 1);
    let sp_md: SpMetadata = md.sp_metadata("https://sp.example.org").unwrap();
    assert!(sp_md.encryption_key().is_none());
    assert_eq!(sp_md.signing_certificates().len(), 2);
}

/// SingleLogoutService endpoints (binding, Location, ResponseLocation) of both roles; the
/// typed lists keep the supported bindings, the summary lists every one.
#[test]
fn single_logout_services_are_exposed() {
    let xml = federation();
    let md = Metadata::parse(xml.as_bytes(), now(), &limits()).unwrap();
    let idp: IdpMetadata = md.idp_metadata("https://idp.example.org").unwrap();
    let slo = idp.single_logout_services();
    assert_eq!(slo.len(), 1, "SOAP is not a supported binding");
    assert_eq!(slo[0].binding, Binding::HttpRedirect);
    assert_eq!(slo[0].location, "https://idp.example.org/slo");
    assert_eq!(
        slo[0].response_location.as_deref(),
        Some("https://idp.example.org/slo/response")
    );
    let sp = md.sp_metadata("https://sp.example.org").unwrap();
    assert_eq!(sp.single_logout_services().len(), 1);
    assert_eq!(sp.single_logout_services()[0].binding, Binding::HttpPost);
    assert_eq!(sp.single_logout_services()[0].response_location, None);

    let summary = md.entity("https://idp.example.org").unwrap();
    let services: Vec<(ServiceKind, &str)> = summary.roles[0]
        .endpoints
        .iter()
        .map(|e| (e.service, e.binding.as_str()))
        .collect();
    assert_eq!(
        services,
        [
            (ServiceKind::SingleLogout, REDIRECT),
            (ServiceKind::SingleLogout, SOAP),
            (ServiceKind::SingleSignOn, POST),
            (ServiceKind::SingleSignOn, REDIRECT),
        ]
    );
    // The single-entity reader exposes them too.
    let idp = IdpMetadata::parse(standalone(&idp_entity("https://idp.example.org", "")).as_bytes())
        .unwrap();
    assert_eq!(idp.single_logout_services().len(), 1);
}

/// The settings made from metadata carry the Single Logout endpoints, so logout works from
/// metadata alone: the IdP's in `IdpSettings`, the SP's in its `SpPeer`.
#[test]
fn settings_from_metadata_carry_the_single_logout_endpoints() {
    let xml = federation();
    let md = Metadata::parse(xml.as_bytes(), now(), &limits()).unwrap();
    let idp = md.idp_settings("https://idp.example.org", now()).unwrap();
    assert_eq!(
        idp.single_logout_service(),
        Some(("https://idp.example.org/slo", Binding::HttpRedirect))
    );
    let sp = md.sp_peer("https://sp.example.org", now()).unwrap();
    assert_eq!(
        sp.single_logout_service().map(|(_, b)| b),
        Some(Binding::HttpPost)
    );
}

/// validUntil: the earliest of the entity and its enclosing descriptors wins.
#[test]
fn valid_until_is_inherited_and_the_earliest_wins() {
    let xml = aggregate(
        r#" validUntil="2027-06-01T00:00:00Z""#,
        &[
            group(
                r#" validUntil="2027-03-01T00:00:00Z""#,
                &[
                    idp_entity("https://a.example", r#" validUntil="2027-05-01T00:00:00Z""#),
                    idp_entity("https://b.example", r#" validUntil="2027-02-01T00:00:00Z""#),
                ],
            ),
            idp_entity("https://c.example", ""),
        ],
    );
    let md = Metadata::parse(xml.as_bytes(), now(), &limits()).unwrap();
    let until = |id: &str| md.idp_metadata(id).unwrap().valid_until();
    assert_eq!(until("https://a.example"), Some(at("2027-03-01T00:00:00Z")));
    assert_eq!(until("https://b.example"), Some(at("2027-02-01T00:00:00Z")));
    assert_eq!(until("https://c.example"), Some(at("2027-06-01T00:00:00Z")));
    assert_eq!(
        md.entity("https://a.example").unwrap().valid_until,
        Some(at("2027-03-01T00:00:00Z"))
    );
    assert_eq!(md.valid_until(), Some(at("2027-06-01T00:00:00Z")));
    // Entities in document order.
    assert_eq!(
        md.entity_ids().collect::<Vec<_>>(),
        [
            "https://a.example",
            "https://b.example",
            "https://c.example"
        ]
    );
}

/// reload_after = the earliest of fetched_at + cacheDuration (4 h when absent) and validUntil.
#[test]
fn reload_after_follows_cache_duration_and_valid_until() {
    let fetched = at("2026-12-06T10:00:00Z");
    let load = |attrs: &str, entity_attrs: &str| {
        aggregate(
            attrs,
            &[idp_entity("https://idp.example.org", entity_attrs)],
        )
    };
    let cases = [
        // cacheDuration alone.
        (
            load(r#" cacheDuration="PT1H30M""#, ""),
            "2026-12-06T11:30:00Z",
            "2026-12-06T11:30:00Z",
        ),
        // validUntil earlier than the cache duration.
        (
            load(
                r#" cacheDuration="P1D" validUntil="2026-12-06T12:00:00Z""#,
                "",
            ),
            "2026-12-06T12:00:00Z",
            "2026-12-06T12:00:00Z",
        ),
        // Neither: the documented default.
        (load("", ""), "2026-12-06T14:00:00Z", "2026-12-06T14:00:00Z"),
        // Only a far validUntil: the default applies.
        (
            load(r#" validUntil="2027-01-01T00:00:00Z""#, ""),
            "2026-12-06T14:00:00Z",
            "2026-12-06T14:00:00Z",
        ),
        // An entity asking for less than the document.
        (
            load(r#" cacheDuration="PT6H""#, r#" cacheDuration="PT0.5S""#),
            "2026-12-06T16:00:00Z",
            "2026-12-06T10:00:00.5Z",
        ),
        // Calendar months.
        (
            load(r#" cacheDuration="P1M""#, ""),
            "2027-01-06T10:00:00Z",
            "2027-01-06T10:00:00Z",
        ),
    ];
    for (xml, document, entity) in cases {
        let md = Metadata::parse(xml.as_bytes(), at("2026-12-06T00:00:00Z"), &limits()).unwrap();
        assert_eq!(md.reload_after(fetched), at(document), "{xml}");
        let summary = md.entity("https://idp.example.org").unwrap();
        assert_eq!(summary.reload_after(fetched), at(entity), "{xml}");
    }
    assert_eq!(DEFAULT_CACHE_DURATION, XsDuration::parse("PT4H").unwrap());
    let xml = load(r#" cacheDuration="PT6H""#, "");
    let md = Metadata::parse(xml.as_bytes(), now(), &limits()).unwrap();
    assert_eq!(md.cache_duration().unwrap().to_string(), "PT6H");
}

/// A single EntityDescriptor is a document too.
#[test]
fn single_entity_document() {
    let xml = standalone(&idp_entity(
        "https://idp.example.org",
        r#" ID="e1" validUntil="2027-01-01T00:00:00Z" cacheDuration="PT2H""#,
    ));
    let signed = sign(&xml, &operator());
    let md = Metadata::verify(signed.as_bytes(), &pinned(), now(), &limits()).unwrap();
    assert!(!md.is_aggregate());
    assert_eq!(
        md.entity_ids().collect::<Vec<_>>(),
        ["https://idp.example.org"]
    );
    assert_eq!(
        md.reload_after(at("2026-12-06T00:00:00Z")),
        at("2026-12-06T02:00:00Z")
    );
    let err = assert_kind(
        Metadata::verify(
            signed.as_bytes(),
            &pinned(),
            at("2027-01-01T00:00:00Z"),
            &limits(),
        ),
        "expired",
    );
    assert!(
        err.to_string()
            .starts_with("the metadata of `https://idp.example.org` expired"),
        "{err}"
    );
    assert_kind(
        Metadata::parse(b"<x xmlns='urn:x'/>", now(), &limits()),
        "malformed_message",
    );
    let err = Metadata::parse(b"not xml", now(), &limits()).err().unwrap();
    assert!(err.is_unreadable());
}
