//! Settings loaders: IdP settings from SAML 2.0 metadata (`saml_core::metadata`) and from
//! Okta's Identity Providers API JSON (`saml_core::okta`), and the metadata we generate.
//! Vectors: tests/vectors/metadata/README.md and tests/vectors/okta/README.md.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::crypto::{Certificate, SignatureAlgorithm, SigningKey, TrustAnchor};
use saml_core::metadata::{
    self, IdpMetadata, MetadataError, SpMetadata, idp_metadata, idp_settings_from_metadata,
    sp_metadata,
};
use saml_core::okta::{self, OktaDocument, OktaError, from_okta_json};
use saml_core::settings::{Binding, SignatureScope, SpSettings};
use saml_core::time::parse_xs_datetime;
use saml_core::xml::{Document, XmlErrorKind};
use serde_json::{Value, json};

mod common;
use common::*;

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const OKTA_SSO: &str = "https://org1.okta.com/app/org1_org2_1/exk1abcd/sso/saml";

fn okta_cert() -> Certificate {
    vector_cert("okta-dev-513394.pem")
}

fn okta_cert_b64() -> String {
    STANDARD.encode(okta_cert().der())
}

#[track_caller]
fn only_certificate(anchors: &[TrustAnchor]) -> &Certificate {
    match anchors {
        [TrustAnchor::Certificate(c)] => c,
        other => panic!("expected one certificate, got {other:?}"),
    }
}

/// Metadata for one IdP with the Okta certificate, `extra` spliced into the IDPSSODescriptor.
fn idp_md(entity_id: &str, descriptor_attrs: &str, extra: &str) -> String {
    format!(
        r#"<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" {descriptor_attrs}>
    {extra}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

fn signing_key_descriptor(use_attr: &str, b64: &str) -> String {
    format!(
        r#"<md:KeyDescriptor {use_attr}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
    )
}

fn post_sso(url: &str) -> String {
    format!(
        r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{url}"/>"#
    )
}

/// A complete, valid IdP entity with the Okta certificate.
fn good_idp(entity_id: &str) -> String {
    idp_md(
        entity_id,
        "",
        &format!(
            "{}{}",
            signing_key_descriptor(r#"use="signing""#, &okta_cert_b64()),
            post_sso("https://idp.example.org/sso")
        ),
    )
}

/// Asserts that parsing `xml` fails with an error matching `pattern`.
macro_rules! rejects {
    ($name:ident: $xml:expr => $pattern:pat) => {
        #[test]
        fn $name() {
            let xml: String = $xml;
            match IdpMetadata::parse(xml.as_bytes()) {
                Err(e @ $pattern) => {
                    // Every message names what disagreed; none is empty.
                    assert!(!e.to_string().is_empty());
                }
                other => panic!("expected {}, got {other:?}", stringify!($pattern)),
            }
        }
    };
}

mod metadata_vectors {
    use super::*;

    #[test]
    fn okta_idp_exk1abcd() {
        let xml = vector_raw("metadata/okta-idp-exk1abcd.xml");
        let md = IdpMetadata::parse(&xml).unwrap();
        assert_eq!(md.entity_id(), "http://www.okta.com/exk1abcd");
        assert_eq!(md.sso_url(Binding::HttpPost), Some(OKTA_SSO));
        assert_eq!(md.sso_url(Binding::HttpRedirect), Some(OKTA_SSO));
        assert!(md.want_authn_requests_signed());
        assert_eq!(md.valid_until(), None);

        let idp = idp_settings_from_metadata(&xml, metadata_now()).unwrap();
        assert_eq!(idp.issuer(), "http://www.okta.com/exk1abcd");
        assert_eq!(idp.sso_url(), OKTA_SSO);
        assert_eq!(idp.sso_binding(), Binding::HttpPost);
        assert!(idp.sign_requests());
        assert_eq!(only_certificate(idp.signing_certificates()), &okta_cert());
        // Everything metadata does not say keeps the strict defaults.
        assert_eq!(idp.request_signature_algorithm(), None);
        assert_eq!(idp.response_signature_scope(), SignatureScope::Either);
        assert!(!idp.algorithm_policy().allow_sha1());
        assert_eq!(idp.max_clock_skew(), Duration::from_secs(120));
    }

    #[test]
    fn signing_and_encryption_keys() {
        let xml = vector_raw("metadata/signing-and-encryption-keys.xml");
        let md = IdpMetadata::parse(&xml).unwrap();
        // The encryption key (samltest.id) is listed first and must not be trusted.
        assert_eq!(only_certificate(md.signing_certificates()), &okta_cert());
        let encryption = vector_cert("samltest-id-signing.pem");
        assert!(
            !md.signing_certificates()
                .iter()
                .any(|a| a.certificate() == Some(&encryption))
        );
        // SOAP is skipped; HTTP-Redirect is the only supported service, so it is chosen.
        assert_eq!(md.sso_services().len(), 1);
        let idp = md.into_settings(metadata_now()).expect("unexpired");
        assert_eq!(idp.sso_binding(), Binding::HttpRedirect);
        assert_eq!(idp.sso_url(), "https://idp.example.org/sso/redirect");
        assert!(
            !idp.sign_requests(),
            "WantAuthnRequestsSigned defaults to false"
        );
    }

    #[test]
    fn no_signing_key() {
        let err =
            idp_settings_from_metadata(&vector_raw("metadata/no-signing-key.xml"), metadata_now())
                .unwrap_err();
        match &err {
            MetadataError::NoSigningKey {
                entity_id,
                encryption_keys: 1,
                without_certificate: 0,
            } => assert_eq!(entity_id, "https://idp.example.org/no-signing-key"),
            other => panic!("expected NoSigningKey, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "`https://idp.example.org/no-signing-key`: the IDPSSODescriptor names no signing \
             certificate (1 encryption-only KeyDescriptor(s) ignored, 0 signing \
             KeyDescriptor(s) without an X509Certificate)"
        );
    }

    #[test]
    fn doctype() {
        match idp_settings_from_metadata(&vector_raw("metadata/doctype.xml"), metadata_now()) {
            Err(MetadataError::Xml(e)) => {
                assert_eq!(e.kind, XmlErrorKind::Doctype);
                assert_eq!(e.position.line, 2);
            }
            other => panic!("expected a DOCTYPE rejection, got {other:?}"),
        }
    }

    /// Azure AD federation metadata: two WS-Federation RoleDescriptors (ignored) and an
    /// IDPSSODescriptor with two signing certificates. Starts with a UTF-8 BOM.
    #[test]
    fn azuread_2014_federation_metadata_signed() {
        let xml = vector_raw("saml/valid/azuread-2014-federation-metadata-signed.xml");
        assert!(xml.starts_with(b"\xEF\xBB\xBF"));
        let md = IdpMetadata::parse(&xml).unwrap();
        let tenant = "https://sts.windows.net/8bd6e98d-e212-4022-b13f-a244fab4c253/";
        let sso = "https://login.windows.net/8bd6e98d-e212-4022-b13f-a244fab4c253/saml2";
        assert_eq!(md.entity_id(), tenant);
        assert_eq!(md.sso_url(Binding::HttpRedirect), Some(sso));
        assert_eq!(md.sso_url(Binding::HttpPost), Some(sso));
        assert!(!md.want_authn_requests_signed());
        let certs: Vec<&Certificate> = md
            .signing_certificates()
            .iter()
            .map(|a| a.certificate().expect("certificate"))
            .collect();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[1], &vector_cert("azuread-accesscontrol-2014.pem"));
        assert_ne!(certs[0], certs[1]);

        let idp = md.into_settings(metadata_now()).expect("unexpired");
        assert_eq!(idp.issuer(), tenant);
        // Listed Redirect first, but POST is preferred.
        assert_eq!(idp.sso_binding(), Binding::HttpPost);
        assert!(!idp.sign_requests());
        assert_eq!(idp.signing_certificates().len(), 2);
    }
}

mod metadata_rejections {
    use super::*;

    rejects!(missing_entity_id:
        good_idp("x").replace(r#" entityID="x""#, "") =>
        MetadataError::MissingAttribute { element: "EntityDescriptor", attribute: "entityID" });

    rejects!(no_saml2_protocol:
        good_idp("x").replace("urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.1:protocol") =>
        MetadataError::NoIdpSsoDescriptor { .. });

    rejects!(sp_only_entity:
        good_idp("x").replace("IDPSSODescriptor", "SPSSODescriptor") =>
        MetadataError::NoIdpSsoDescriptor { .. });

    rejects!(two_saml2_idp_descriptors:
        good_idp("x").replace("</md:IDPSSODescriptor>",
            r#"</md:IDPSSODescriptor><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>"#) =>
        MetadataError::MultipleIdpSsoDescriptors { count: 2, .. });

    rejects!(soap_only_sso:
        good_idp("x").replace("bindings:HTTP-POST", "bindings:SOAP") =>
        MetadataError::NoSupportedSsoService { .. });

    rejects!(sso_without_location:
        good_idp("x").replace(r#" Location="https://idp.example.org/sso""#, "") =>
        MetadataError::MissingAttribute { element: "SingleSignOnService", attribute: "Location" });

    rejects!(unknown_key_use:
        good_idp("x").replace(r#"use="signing""#, r#"use="sign""#) =>
        MetadataError::InvalidKeyUse { key_descriptor: 1, .. });

    rejects!(two_certificates_in_one_key_descriptor:
        good_idp("x").replace("</ds:X509Data>",
            &format!("</ds:X509Data><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data>", okta_cert_b64())) =>
        MetadataError::MultipleCertificates { count: 2, .. });

    rejects!(certificate_not_base64:
        good_idp("x").replace(&okta_cert_b64(), "not*base64") =>
        MetadataError::Certificate { key_descriptor: 1, .. });

    rejects!(certificate_not_x509:
        good_idp("x").replace(&okta_cert_b64(), "AAECAwQF") =>
        MetadataError::Certificate { key_descriptor: 1, .. });

    rejects!(signing_key_without_certificate:
        idp_md("x", "", &format!(
            r#"<md:KeyDescriptor><ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>{}"#,
            post_sso("https://idp.example.org/sso"))) =>
        MetadataError::NoSigningKey { encryption_keys: 0, without_certificate: 1, .. });

    rejects!(want_authn_requests_signed_not_boolean:
        good_idp("x").replace("<md:IDPSSODescriptor ", r#"<md:IDPSSODescriptor WantAuthnRequestsSigned="yes" "#) =>
        MetadataError::InvalidBoolean { attribute: "WantAuthnRequestsSigned", .. });

    rejects!(bad_valid_until:
        good_idp("x").replace(r#"entityID="x""#, r#"entityID="x" validUntil="tomorrow""#) =>
        MetadataError::InvalidValidUntil { .. });

    rejects!(wrong_root:
        good_idp("x").replace(MD, "urn:oasis:names:tc:SAML:2.0:assertion") =>
        MetadataError::UnexpectedRoot { .. });

    rejects!(entities_without_idp:
        format!(r#"<md:EntitiesDescriptor xmlns:md="{MD}">{}</md:EntitiesDescriptor>"#,
            good_idp("sp").replace("IDPSSODescriptor", "SPSSODescriptor")) =>
        MetadataError::NoIdpEntity { .. });

    /// A KeyDescriptor without `use` is a signing key (and an encryption key).
    #[test]
    fn key_descriptor_without_use_is_signing() {
        let xml = good_idp("x").replace(r#" use="signing""#, "");
        let md = IdpMetadata::parse(xml.as_bytes()).unwrap();
        assert_eq!(only_certificate(md.signing_certificates()), &okta_cert());
    }
}

mod metadata_aggregates {
    use super::*;

    fn aggregate(entities: &[String]) -> String {
        format!(
            r#"<md:EntitiesDescriptor xmlns:md="{MD}" validUntil="2030-01-01T00:00:00Z" Name="fed">{}</md:EntitiesDescriptor>"#,
            entities.concat()
        )
    }

    #[test]
    fn single_idp_among_sps_is_chosen() {
        let sp = good_idp("https://sp.example.org").replace("IDPSSODescriptor", "SPSSODescriptor");
        let xml = aggregate(&[sp, good_idp("https://idp.example.org")]);
        let md = IdpMetadata::parse(xml.as_bytes()).unwrap();
        assert_eq!(md.entity_id(), "https://idp.example.org");
        assert_eq!(
            md.valid_until(),
            Some(parse_xs_datetime("2030-01-01T00:00:00Z").unwrap())
        );
    }

    #[test]
    fn earliest_valid_until_wins() {
        let idp = good_idp("https://idp.example.org").replace(
            r#"entityID="https://idp.example.org""#,
            r#"entityID="https://idp.example.org" validUntil="2029-06-01T00:00:00Z""#,
        );
        let md = IdpMetadata::parse(aggregate(&[idp]).as_bytes()).unwrap();
        assert_eq!(
            md.valid_until(),
            Some(parse_xs_datetime("2029-06-01T00:00:00Z").unwrap())
        );
    }

    #[test]
    fn two_idps_are_ambiguous_and_listed() {
        let xml = aggregate(&[good_idp("https://a.example"), good_idp("https://b.example")]);
        let err = IdpMetadata::parse(xml.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, MetadataError::AmbiguousEntity { entity_ids } if entity_ids == &["https://a.example", "https://b.example"]),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "the EntitiesDescriptor holds 2 entities with an IDPSSODescriptor \
             (`https://a.example`, `https://b.example`); choose one with \
             `IdpMetadata::parse_entity`"
        );
        let md = IdpMetadata::parse_entity(xml.as_bytes(), "https://b.example").unwrap();
        assert_eq!(md.entity_id(), "https://b.example");
        let err = IdpMetadata::parse_entity(xml.as_bytes(), "https://c.example").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no EntityDescriptor with entityID `https://c.example` (found `https://a.example`, `https://b.example`)"
        );
    }

    #[test]
    fn nested_entities_descriptors() {
        let inner = format!(
            r#"<md:EntitiesDescriptor>{}</md:EntitiesDescriptor>"#,
            good_idp("https://nested.example")
        );
        let md = IdpMetadata::parse(aggregate(&[inner]).as_bytes()).unwrap();
        assert_eq!(md.entity_id(), "https://nested.example");
    }

    #[test]
    fn parse_entity_on_a_single_entity_checks_the_id() {
        let xml = good_idp("https://idp.example.org");
        assert!(IdpMetadata::parse_entity(xml.as_bytes(), "https://idp.example.org").is_ok());
        assert!(matches!(
            IdpMetadata::parse_entity(xml.as_bytes(), "https://other.example"),
            Err(MetadataError::EntityNotFound { .. })
        ));
    }
}

mod metadata_generation {
    use super::*;

    #[test]
    fn idp_metadata_round_trip() {
        let cert = okta_cert();
        let xml = idp_metadata(
            "http://www.okta.com/exk1abcd",
            OKTA_SSO,
            &[
                Binding::HttpRedirect,
                Binding::HttpPost,
                Binding::HttpRedirect,
            ],
            &cert,
            true,
        );
        let md = IdpMetadata::parse(xml.as_bytes()).unwrap();
        assert_eq!(md.entity_id(), "http://www.okta.com/exk1abcd");
        let bindings: Vec<Binding> = md.sso_services().iter().map(|e| e.binding).collect();
        assert_eq!(bindings, [Binding::HttpRedirect, Binding::HttpPost]);
        assert_eq!(md.sso_url(Binding::HttpPost), Some(OKTA_SSO));
        assert_eq!(only_certificate(md.signing_certificates()), &cert);
        assert!(md.want_authn_requests_signed());

        // The same settings as the hand-written Okta metadata.
        let generated = md.into_settings(metadata_now()).expect("unexpired");
        let written = idp_settings_from_metadata(
            &vector_raw("metadata/okta-idp-exk1abcd.xml"),
            metadata_now(),
        )
        .unwrap();
        assert_eq!(generated.issuer(), written.issuer());
        assert_eq!(generated.sso_url(), written.sso_url());
        assert_eq!(generated.sso_binding(), written.sso_binding());
        assert_eq!(generated.sign_requests(), written.sign_requests());
        assert_eq!(
            generated.signing_certificates(),
            written.signing_certificates()
        );
    }

    #[test]
    fn idp_metadata_escapes_and_defaults_to_post() {
        let entity = r#"https://idp.example/?a=1&b="2"<'3'>"#;
        let sso = "https://idp.example/sso?x=1&y=2";
        let xml = idp_metadata(entity, sso, &[], &okta_cert(), false);
        assert!(
            xml.contains("a=1&amp;b=&quot;2&quot;&lt;&apos;3&apos;&gt;"),
            "{xml}"
        );
        let md = IdpMetadata::parse(xml.as_bytes()).unwrap();
        assert_eq!(md.entity_id(), entity);
        assert_eq!(md.sso_services().len(), 1);
        assert_eq!(md.sso_url(Binding::HttpPost), Some(sso));
        assert!(!md.want_authn_requests_signed());
    }

    fn attr<'d>(doc: &'d Document<'_>, node: saml_core::xml::NodeId, name: &str) -> &'d str {
        doc.attribute_unverified(node, name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn sp_metadata_with_signing_key() {
        let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let key = SigningKey::from_pem(
            &std::fs::read(testdata.join("rsa2048.pk8.pem")).unwrap(),
            None,
        )
        .unwrap();
        let cert = Certificate::from_pem(
            &std::fs::read(testdata.join("rsa2048.cert.pem")).unwrap(),
            None,
        )
        .unwrap();
        let sp = SpSettings::new(
            "https://www.okta.com/saml2/service-provider/spabcdefghijklmnopqr",
            "https://org2.okta.com/sso/saml2/0oa1?a=1&b=2",
        )
        .with_signing_key(key, cert.clone());
        let xml = sp_metadata(&sp, Binding::HttpPost);
        let doc = Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert!(doc.is(root, MD, "EntityDescriptor"));
        assert_eq!(attr(&doc, root, "entityID"), sp.entity_id());
        let children: Vec<_> = doc.element_children(root).collect();
        let [spsso] = children.as_slice() else {
            panic!("one child expected: {xml}")
        };
        assert!(doc.is(*spsso, MD, "SPSSODescriptor"));
        assert_eq!(attr(&doc, *spsso, "AuthnRequestsSigned"), "true");
        assert_eq!(attr(&doc, *spsso, "WantAssertionsSigned"), "true");
        assert_eq!(
            attr(&doc, *spsso, "protocolSupportEnumeration"),
            metadata::PROTOCOL_SUPPORT
        );
        let names: Vec<_> = doc
            .element_children(*spsso)
            .map(|n| doc.local_name(n).to_owned())
            .collect();
        assert_eq!(
            names,
            ["KeyDescriptor", "NameIDFormat", "AssertionConsumerService"]
        );
        let kd = doc.element_children(*spsso).next().unwrap();
        assert_eq!(attr(&doc, kd, "use"), "signing");
        let x509 = doc
            .descendants(kd)
            .find(|&n| doc.is(n, metadata::DSIG_NAMESPACE, "X509Certificate"))
            .unwrap();
        assert_eq!(
            Certificate::from_base64(doc.text_unverified(x509).as_bytes(), None).unwrap(),
            cert
        );
        let nameid = doc.element_children(*spsso).nth(1).unwrap();
        assert_eq!(
            doc.text_unverified(nameid),
            metadata::NAME_ID_FORMAT_UNSPECIFIED
        );
        let acs = doc.element_children(*spsso).nth(2).unwrap();
        assert_eq!(attr(&doc, acs, "Binding"), Binding::HttpPost.uri());
        assert_eq!(attr(&doc, acs, "Location"), sp.acs_url());
        assert_eq!(attr(&doc, acs, "index"), "0");
        assert_eq!(attr(&doc, acs, "isDefault"), "true");
    }

    #[test]
    fn sp_metadata_without_signing_key() {
        let mut sp = SpSettings::new("urn:sp", "https://sp.example/acs");
        sp = sp.with_want_assertions_signed(false);
        let xml = sp_metadata(&sp, Binding::HttpRedirect);
        assert!(xml.contains(r#"AuthnRequestsSigned="false""#), "{xml}");
        assert!(xml.contains(r#"WantAssertionsSigned="false""#), "{xml}");
        assert!(!xml.contains("KeyDescriptor"), "{xml}");
        assert!(xml.contains(Binding::HttpRedirect.uri()));
        // Not IdP metadata.
        assert!(matches!(
            IdpMetadata::parse(xml.as_bytes()),
            Err(MetadataError::NoIdpSsoDescriptor { .. })
        ));
    }
}

/// SP metadata, read by an IdP we run (`SpMetadata`): the same strictness as for IdP metadata,
/// and an encryption key that cannot be used is an error, never a fall back to the clear.
mod sp_metadata_reader {
    use super::*;

    const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    const SP: &str = "https://sp.example.org/metadata";

    fn now() -> saml_core::time::DateTime {
        parse_xs_datetime("2026-01-01T00:00:00Z").unwrap()
    }

    /// Metadata for one SP, `extra` spliced into the SPSSODescriptor.
    fn sp_md(entity_id: &str, descriptor_attrs: &str, extra: &str) -> String {
        idp_md(entity_id, descriptor_attrs, extra).replace("IDPSSODescriptor", "SPSSODescriptor")
    }

    fn acs(location: &str, attrs: &str) -> String {
        format!(r#"<md:AssertionConsumerService Binding="{POST}" Location="{location}" {attrs}/>"#)
    }

    fn key_descriptor(use_attr: &str, cert: &Certificate) -> String {
        signing_key_descriptor(use_attr, &STANDARD.encode(cert.der()))
    }

    /// A signing key (Okta's certificate), an encryption key (our RSA-2048 test certificate),
    /// one POST ACS.
    fn good_sp(entity_id: &str) -> String {
        sp_md(
            entity_id,
            r#"AuthnRequestsSigned="true""#,
            &format!(
                "{}{}{}",
                key_descriptor(r#"use="signing""#, &okta_cert()),
                key_descriptor(r#"use="encryption""#, &cert("rsa2048.cert.pem")),
                acs("https://sp.example.org/acs", "")
            ),
        )
    }

    #[track_caller]
    fn rejected(xml: &str) -> MetadataError {
        let err = SpMetadata::parse(xml.as_bytes()).expect_err("refused");
        assert!(!err.to_string().is_empty());
        err
    }

    #[test]
    fn reads_keys_acs_and_flags() {
        let md = SpMetadata::parse(good_sp(SP).as_bytes()).unwrap();
        assert_eq!(md.entity_id(), SP);
        assert_eq!(md.acs_url(), "https://sp.example.org/acs");
        assert_eq!(only_certificate(md.signing_certificates()), &okta_cert());
        assert_eq!(md.encryption_certificates(), [cert("rsa2048.cert.pem")]);
        assert_eq!(md.encryption_key().map(|k| k.bits()), Some(2048));
        assert!(md.encryption_methods().is_empty());
        assert!(md.authn_requests_signed());
        assert!(!md.want_assertions_signed());
        assert_eq!(md.valid_until(), None);
        let peer = md.into_peer(now()).unwrap();
        assert_eq!(peer.entity_id(), SP);
        assert_eq!(peer.acs_url(), "https://sp.example.org/acs");
        assert!(peer.authn_requests_signed());
        assert_eq!(peer.certificates().len(), 1);
        assert!(peer.encryption_key().is_some());
    }

    /// A key without `use` signs only: encryption needs a key marked for it.
    #[test]
    fn key_without_use_is_for_signing_only() {
        let xml = sp_md(
            SP,
            "",
            &format!(
                "{}{}",
                key_descriptor("", &cert("rsa2048.cert.pem")),
                acs("https://sp.example.org/acs", "")
            ),
        );
        let md = SpMetadata::parse(xml.as_bytes()).unwrap();
        assert_eq!(md.signing_certificates().len(), 1);
        assert!(md.encryption_certificates().is_empty());
        assert!(md.into_peer(now()).unwrap().encryption_key().is_none());
    }

    /// The default ACS first: isDefault="true", then none, then isDefault="false"; only
    /// HTTP-POST counts.
    #[test]
    fn acs_order_and_binding() {
        let xml = sp_md(
            SP,
            "",
            &format!(
                "{}{}{}{}{}",
                key_descriptor(r#"use="signing""#, &okta_cert()),
                acs("https://sp.example.org/not-default", r#"isDefault="false""#),
                acs("https://sp.example.org/plain", ""),
                r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example.org/artifact" isDefault="true"/>"#,
                acs("https://sp.example.org/default", r#"isDefault=" 1 ""#),
            ),
        );
        let md = SpMetadata::parse(xml.as_bytes()).unwrap();
        assert_eq!(
            md.acs_urls(),
            [
                "https://sp.example.org/default",
                "https://sp.example.org/plain",
                "https://sp.example.org/not-default"
            ]
        );
        let only_artifact = sp_md(
            SP,
            "",
            r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example.org/artifact"/>"#,
        );
        assert!(matches!(
            rejected(&only_artifact),
            MetadataError::NoAssertionConsumerService { bindings, .. } if bindings.len() == 1
        ));
        let bad_default = sp_md(
            SP,
            "",
            &acs("https://sp.example.org/acs", r#"isDefault="yes""#),
        );
        assert!(matches!(
            rejected(&bad_default),
            MetadataError::InvalidBoolean {
                attribute: "isDefault",
                ..
            }
        ));
    }

    /// Encryption keys that cannot be used are refused by name, with their KeyDescriptor.
    #[test]
    fn unusable_encryption_keys_are_refused() {
        let with_encryption = |kd: String| {
            sp_md(
                SP,
                "",
                &format!("{kd}{}", acs("https://sp.example.org/acs", "")),
            )
        };
        for (cert, says) in [
            (cert("p256.cert.pem"), "RSA"),
            (vector_cert("pysaml2-test.pem"), "1024"),
        ] {
            let err = rejected(&with_encryption(key_descriptor(
                r#"use="encryption""#,
                &cert,
            )));
            assert!(
                matches!(
                    &err,
                    MetadataError::EncryptionCertificate {
                        key_descriptor: 1,
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains(says), "{err}");
        }
        let none = r#"<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>"#;
        assert!(matches!(
            rejected(&with_encryption(none.to_owned())),
            MetadataError::MultipleCertificates { count: 0, .. }
        ));
        let b64 = STANDARD.encode(cert("rsa2048.cert.pem").der());
        let two = format!(
            r#"<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
        );
        assert!(matches!(
            rejected(&with_encryption(two)),
            MetadataError::MultipleCertificates { count: 2, .. }
        ));
        let bad_use = key_descriptor(r#"use="both""#, &cert("rsa2048.cert.pem"));
        assert!(matches!(
            rejected(&with_encryption(bad_use)),
            MetadataError::InvalidKeyUse {
                key_descriptor: 1,
                ..
            }
        ));
    }

    /// Requests must be signed unless a danger function says otherwise, whatever
    /// AuthnRequestsSigned says; no signing key is an error, never "no verification".
    #[test]
    fn signing_keys_and_unsigned_requests() {
        let xml = sp_md(
            SP,
            r#"AuthnRequestsSigned="false""#,
            &format!(
                "{}{}",
                key_descriptor(r#"use="encryption""#, &cert("rsa2048.cert.pem")),
                acs("https://sp.example.org/acs", "")
            ),
        );
        let md = SpMetadata::parse(xml.as_bytes()).unwrap();
        assert!(!md.authn_requests_signed());
        let err = md.clone().into_peer(now()).expect_err("no signing key");
        assert!(
            matches!(
                &err,
                MetadataError::NoSpSigningKey {
                    without_certificate: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("into_peer_accepting_unsigned_requests")
        );
        let peer = metadata::danger::into_peer_accepting_unsigned_requests(md, now()).unwrap();
        assert!(!peer.authn_requests_signed());
        assert!(peer.encryption_key().is_some(), "encryption still applies");

        // With a signing key, the danger function keeps it for requests that are signed.
        let md = SpMetadata::parse(good_sp(SP).as_bytes()).unwrap();
        let peer = metadata::danger::into_peer_accepting_unsigned_requests(md, now()).unwrap();
        assert!(!peer.authn_requests_signed());
        assert_eq!(peer.certificates().len(), 1);
    }

    #[test]
    fn expired_metadata_yields_no_peer() {
        let xml = good_sp(SP).replace(
            "<md:EntityDescriptor ",
            r#"<md:EntityDescriptor validUntil="2025-12-31T23:59:59Z" "#,
        );
        let md = SpMetadata::parse(xml.as_bytes()).unwrap();
        assert!(matches!(
            md.clone().into_peer(now()),
            Err(MetadataError::Expired { .. })
        ));
        assert!(matches!(
            metadata::danger::into_peer_accepting_unsigned_requests(md, now()),
            Err(MetadataError::Expired { .. })
        ));
    }

    #[test]
    fn entity_selection() {
        assert!(matches!(
            rejected(&good_idp("https://idp.example.org")),
            MetadataError::NoSpSsoDescriptor { .. }
        ));
        let aggregate = |entities: &[String]| {
            format!(
                r#"<md:EntitiesDescriptor xmlns:md="{MD}">{}</md:EntitiesDescriptor>"#,
                entities.concat()
            )
        };
        let one = aggregate(&[good_idp("https://idp.example.org"), good_sp(SP)]);
        assert_eq!(SpMetadata::parse(one.as_bytes()).unwrap().entity_id(), SP);
        let two = aggregate(&[good_sp(SP), good_sp("https://sp2.example.org")]);
        assert!(matches!(
            rejected(&two),
            MetadataError::AmbiguousSpEntity { entity_ids } if entity_ids.len() == 2
        ));
        let md = SpMetadata::parse_entity(two.as_bytes(), "https://sp2.example.org").unwrap();
        assert_eq!(md.entity_id(), "https://sp2.example.org");
        assert!(matches!(
            rejected(&aggregate(&[good_idp("https://idp.example.org")])),
            MetadataError::NoSpEntity { .. }
        ));
        let twice = sp_md(SP, "", &acs("https://sp.example.org/acs", "")).replace(
            "</md:EntityDescriptor>",
            r#"<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#,
        );
        assert!(matches!(
            rejected(&twice),
            MetadataError::MultipleSpSsoDescriptors { count: 2, .. }
        ));
    }

    /// Our own SP metadata reads back.
    #[test]
    fn our_sp_metadata_reads_back() {
        let sp = SpSettings::new(SP, "https://sp.example.org/acs?a=1&b=2")
            .with_signing_key(key("rsa2048.pk8.pem"), cert("rsa2048.cert.pem"));
        let md = SpMetadata::parse(sp_metadata(&sp, Binding::HttpPost).as_bytes()).unwrap();
        assert_eq!(md.entity_id(), SP);
        assert_eq!(md.acs_url(), sp.acs_url());
        assert_eq!(
            only_certificate(md.signing_certificates()),
            &cert("rsa2048.cert.pem")
        );
        assert!(md.encryption_certificates().is_empty());
        assert!(md.authn_requests_signed() && md.want_assertions_signed());
    }
}

mod okta_json {
    use super::*;

    fn idp_json() -> Value {
        serde_json::from_slice(&vector_raw("okta/org2-idp.json")).unwrap()
    }

    fn key_json() -> Value {
        serde_json::from_slice(&vector_raw("okta/org2-idp-key.json")).unwrap()
    }

    fn bytes(v: &Value) -> Vec<u8> {
        serde_json::to_vec(v).unwrap()
    }

    /// Sets (or, with `Value::Null`, removes) the value at a dotted path.
    fn set(v: &mut Value, path: &str, new: Value) {
        let (parents, last) = path.rsplit_once('.').unwrap_or(("", path));
        let mut cur = v;
        for key in parents.split('.').filter(|k| !k.is_empty()) {
            cur = cur
                .get_mut(key)
                .unwrap_or_else(|| panic!("no {key} in {path}"));
        }
        let obj = cur.as_object_mut().unwrap();
        if new.is_null() {
            obj.remove(last);
        } else {
            obj.insert(last.to_owned(), new);
        }
    }

    #[track_caller]
    fn load_idp_edited(path: &str, new: Value) -> Result<okta::OktaIdp, OktaError> {
        let mut idp = idp_json();
        set(&mut idp, path, new);
        from_okta_json(&bytes(&idp), &bytes(&key_json()))
    }

    #[test]
    fn org2_idp() {
        let okta = from_okta_json(
            &vector_raw("okta/org2-idp.json"),
            &vector_raw("okta/org2-idp-key.json"),
        )
        .unwrap();
        let idp = &okta.idp;
        assert_eq!(idp.issuer(), "http://www.okta.com/exk1abcd");
        assert_eq!(idp.sso_url(), OKTA_SSO);
        assert_eq!(idp.sso_binding(), Binding::HttpPost);
        assert!(idp.sign_requests());
        assert_eq!(idp.request_signature_algorithm(), None);
        assert_eq!(idp.response_signature_scope(), SignatureScope::Either);
        assert!(!idp.algorithm_policy().allow_sha1());
        assert_eq!(idp.max_clock_skew(), Duration::from_secs(120));
        assert_eq!(only_certificate(idp.signing_certificates()), &okta_cert());

        assert_eq!(
            okta.audience,
            "https://www.okta.com/saml2/service-provider/spabcdefghijklmnopqr"
        );
        assert_eq!(okta.kid, "9b1c3f4e-2d7a-4c55-8e21-6f0a9d3b7c12");
        assert_eq!(okta.id.as_deref(), Some("0oa1org2idp5Zs9Xh0h8"));
        assert_eq!(okta.name.as_deref(), Some("Org1 (Org2Org)"));
        assert_eq!(okta.revocation, None);
        assert_eq!(okta.sso_destination.as_deref(), Some(OKTA_SSO));
        assert_eq!(okta.acs_binding, Some(Binding::HttpPost));
        assert_eq!(okta.acs_type.as_deref(), Some("INSTANCE"));
        assert_eq!(
            okta.acs_url.as_deref(),
            Some("https://org2.okta.com/sso/saml2/0oa1org2idp5Zs9Xh0h8")
        );
        assert_eq!(
            okta.name_id_format.as_deref(),
            Some("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
        );
        assert_eq!(
            okta.subject_template.as_deref(),
            Some("idpuser.subjectNameId")
        );
        assert_eq!(okta.subject_filter, None, "an empty filter is no filter");
        assert_eq!(okta.match_type.as_deref(), Some("USERNAME"));
        assert_eq!(okta.match_attribute, None);
        assert_eq!(okta.account_link_action.as_deref(), Some("AUTO"));
        assert!(okta.account_link_groups.is_empty());
        assert_eq!(okta.provisioning_action.as_deref(), Some("AUTO"));
        assert_eq!(okta.profile_master, Some(true));
        assert_eq!(okta.groups_action.as_deref(), Some("NONE"));

        let sp = okta.sp_settings().unwrap();
        assert_eq!(sp.entity_id(), okta.audience);
        assert_eq!(
            sp.acs_url(),
            "https://org2.okta.com/sso/saml2/0oa1org2idp5Zs9Xh0h8"
        );
    }

    #[test]
    fn kid_mismatch_names_both() {
        let mut key = key_json();
        set(&mut key, "kid", json!("other-kid"));
        let err = from_okta_json(&vector_raw("okta/org2-idp.json"), &bytes(&key)).unwrap_err();
        assert!(matches!(err, OktaError::KidMismatch { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "`protocol.credentials.trust.kid` of the IdP JSON is \
             `9b1c3f4e-2d7a-4c55-8e21-6f0a9d3b7c12` but the key credential's `kid` is `other-kid`"
        );
    }

    #[test]
    fn wrong_x5t_s256() {
        let mut key = key_json();
        set(
            &mut key,
            "x5t#S256",
            json!("wzPVobIrveR1x-PCbjsFGNV-6zn7Rm9KuOWOG4Rk6jE"),
        );
        let err = from_okta_json(&vector_raw("okta/org2-idp.json"), &bytes(&key)).unwrap_err();
        match &err {
            OktaError::ThumbprintMismatch {
                listed, computed, ..
            } => {
                assert_eq!(listed, "wzPVobIrveR1x-PCbjsFGNV-6zn7Rm9KuOWOG4Rk6jE");
                assert_eq!(computed, "1A3wHM7eSdIHy22KvRV3CktuyhSoVEjClZqY-F3DHtQ");
            }
            other => panic!("expected ThumbprintMismatch, got {other:?}"),
        }
        // Without a thumbprint the certificate is taken as is.
        set(&mut key, "x5t#S256", Value::Null);
        assert!(from_okta_json(&vector_raw("okta/org2-idp.json"), &bytes(&key)).is_ok());
    }

    #[test]
    fn sha1_needs_opt_in() {
        for path in [
            "protocol.algorithms.response.signature.algorithm",
            "protocol.algorithms.request.signature.algorithm",
        ] {
            let err = load_idp_edited(path, json!("SHA-1")).unwrap_err();
            match &err {
                OktaError::Sha1NotAllowed { path: p, value } => {
                    assert_eq!(*p, path);
                    assert_eq!(value, "SHA-1");
                }
                e => panic!("expected Sha1NotAllowed, got {e:?}"),
            }
            assert!(
                err.to_string().contains("settings::danger::allow_sha1"),
                "{err}"
            );
        }

        let mut idp = idp_json();
        set(
            &mut idp,
            "protocol.algorithms.response.signature.algorithm",
            json!("SHA-1"),
        );
        let okta =
            okta::danger::from_okta_json_allowing_sha1(&bytes(&idp), &bytes(&key_json())).unwrap();
        assert!(okta.idp.algorithm_policy().allow_sha1());
        assert_eq!(okta.idp.request_signature_algorithm(), None);

        let mut idp = idp_json();
        set(
            &mut idp,
            "protocol.algorithms.request.signature.algorithm",
            json!("SHA-1"),
        );
        let okta =
            okta::danger::from_okta_json_allowing_sha1(&bytes(&idp), &bytes(&key_json())).unwrap();
        assert_eq!(
            okta.idp.request_signature_algorithm(),
            Some(SignatureAlgorithm::RsaSha1)
        );
        assert!(
            !okta.idp.algorithm_policy().allow_sha1(),
            "SHA-1 requests do not weaken response verification"
        );
    }

    #[test]
    fn missing_issuer() {
        // Absent (`set` removes it) or empty.
        for new in [Value::Null, json!("")] {
            let err = load_idp_edited("protocol.credentials.trust.issuer", new).unwrap_err();
            assert!(
                matches!(
                    err,
                    OktaError::Missing {
                        document: OktaDocument::Idp,
                        path: "protocol.credentials.trust.issuer"
                    }
                ),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "`protocol.credentials.trust.issuer` is missing from the IdP JSON"
            );
        }
        // An explicit `null` is missing too.
        let mut idp = idp_json();
        idp["protocol"]["credentials"]["trust"]["issuer"] = Value::Null;
        assert!(matches!(
            from_okta_json(&bytes(&idp), &bytes(&key_json())),
            Err(OktaError::Missing { .. })
        ));
    }

    #[test]
    fn other_required_fields() {
        for path in [
            "protocol.type",
            "protocol.credentials.trust.audience",
            "protocol.credentials.trust.kid",
            "protocol.endpoints.sso.url",
        ] {
            match load_idp_edited(path, Value::Null) {
                Err(OktaError::Missing { path: p, .. }) => assert_eq!(p, path),
                other => panic!("{path}: expected Missing, got {other:?}"),
            }
        }
    }

    #[test]
    fn scope_token_is_assertion() {
        let okta = load_idp_edited(
            "protocol.algorithms.response.signature.scope",
            json!("TOKEN"),
        )
        .unwrap();
        assert_eq!(
            okta.idp.response_signature_scope(),
            SignatureScope::Assertion
        );
        for (scope, expected) in [
            ("RESPONSE", SignatureScope::Response),
            ("ASSERTION", SignatureScope::Assertion),
            ("ANY", SignatureScope::Either),
        ] {
            let okta =
                load_idp_edited("protocol.algorithms.response.signature.scope", json!(scope))
                    .unwrap();
            assert_eq!(okta.idp.response_signature_scope(), expected, "{scope}");
        }
        let err = load_idp_edited(
            "protocol.algorithms.response.signature.scope",
            json!("NONE"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`protocol.algorithms.response.signature.scope` of the IdP JSON is `NONE` \
             (allowed: RESPONSE, ASSERTION, TOKEN, ANY)"
        );
    }

    #[test]
    fn max_clock_skew_is_milliseconds() {
        let okta = load_idp_edited("policy.maxClockSkew", json!(300_000)).unwrap();
        assert_eq!(okta.idp.max_clock_skew(), Duration::from_secs(300));
        let okta = load_idp_edited("policy.maxClockSkew", Value::Null).unwrap();
        assert_eq!(okta.idp.max_clock_skew(), Duration::from_secs(120));
        let okta = load_idp_edited("policy.maxClockSkew", json!(0)).unwrap();
        assert_eq!(okta.idp.max_clock_skew(), Duration::ZERO);
        for bad in [json!(-1), json!("120000"), json!(1.5)] {
            let err = load_idp_edited("policy.maxClockSkew", bad.clone()).unwrap_err();
            assert!(
                matches!(
                    &err,
                    OktaError::WrongType { path, .. } if path == "policy.maxClockSkew"
                ),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn wrong_types_name_the_json_path() {
        for (path, bad, message) in [
            (
                "protocol.credentials.trust.issuer",
                json!(5),
                "`protocol.credentials.trust.issuer` of the IdP JSON: \
                 invalid type: integer `5`, expected a string",
            ),
            (
                "policy.accountLink.filter",
                json!({"groups": {"include": ["00g1", true]}}),
                "`policy.accountLink.filter.groups.include[1]` of the IdP JSON: \
                 invalid type: boolean `true`, expected a string",
            ),
            (
                "protocol.endpoints.sso",
                json!("https://sso"),
                "`protocol.endpoints.sso` of the IdP JSON: \
                 invalid type: string \"https://sso\", expected an object",
            ),
        ] {
            let err = load_idp_edited(path, bad).unwrap_err();
            assert!(matches!(err, OktaError::WrongType { .. }), "{err:?}");
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn unknown_members_are_ignored() {
        let mut idp = idp_json();
        set(
            &mut idp,
            "protocol.credentials.trust.future",
            json!({"a": [1]}),
        );
        set(&mut idp, "policy.future", json!(true));
        set(&mut idp, "future", json!("x"));
        let mut key = key_json();
        set(&mut key, "x5t", json!("not checked"));
        assert!(from_okta_json(&bytes(&idp), &bytes(&key)).is_ok());
    }

    #[test]
    fn request_scope_and_bindings() {
        let okta =
            load_idp_edited("protocol.algorithms.request.signature.scope", json!("NONE")).unwrap();
        assert!(!okta.idp.sign_requests());
        let okta =
            load_idp_edited("protocol.endpoints.sso.binding", json!("HTTP-REDIRECT")).unwrap();
        assert_eq!(okta.idp.sso_binding(), Binding::HttpRedirect);
        let okta = load_idp_edited("protocol.endpoints.sso.binding", Value::Null).unwrap();
        assert_eq!(okta.idp.sso_binding(), Binding::HttpPost);
        let err =
            load_idp_edited("protocol.endpoints.sso.binding", json!("HTTP-ARTIFACT")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`protocol.endpoints.sso.binding` of the IdP JSON is `HTTP-ARTIFACT` \
             (allowed: HTTP-POST, HTTP-REDIRECT)"
        );
        let err = load_idp_edited(
            "protocol.algorithms.response.signature.algorithm",
            json!("SHA-512"),
        )
        .unwrap_err();
        assert!(matches!(err, OktaError::UnsupportedValue { .. }), "{err:?}");
        let err = load_idp_edited("protocol.type", json!("OIDC")).unwrap_err();
        assert!(matches!(err, OktaError::UnsupportedValue { .. }), "{err:?}");
    }

    #[test]
    fn account_link_group_filter() {
        let okta = load_idp_edited(
            "policy.accountLink.filter",
            json!({"groups": {"include": ["00g1", "00g2"]}}),
        )
        .unwrap();
        assert_eq!(okta.account_link_groups, ["00g1", "00g2"]);
        let err = load_idp_edited(
            "policy.accountLink.filter",
            json!({"groups": {"include": [1]}}),
        )
        .unwrap_err();
        assert!(matches!(err, OktaError::WrongType { .. }), "{err:?}");
    }

    #[test]
    fn key_credential_checks() {
        let idp = vector_raw("okta/org2-idp.json");
        let with_key = |edit: &dyn Fn(&mut Value)| {
            let mut key = key_json();
            edit(&mut key);
            from_okta_json(&idp, &bytes(&key))
        };
        let err = with_key(&|k| set(k, "kty", json!("EC"))).unwrap_err();
        assert!(matches!(err, OktaError::KeyTypeMismatch { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "`kty` of the key credential JSON is `EC` but `x5c[0]` holds a 2048-bit RSA key"
        );
        let err = with_key(&|k| set(k, "use", json!("enc"))).unwrap_err();
        assert!(matches!(err, OktaError::UnsupportedValue { .. }), "{err:?}");
        let err = with_key(&|k| set(k, "x5c", json!([]))).unwrap_err();
        assert!(
            matches!(
                err,
                OktaError::Missing {
                    document: OktaDocument::Key,
                    path: "x5c[0]"
                }
            ),
            "{err:?}"
        );
        let err = with_key(&|k| set(k, "x5c", json!(["AAECAwQF"]))).unwrap_err();
        assert!(
            matches!(err, OktaError::Certificate { path: "x5c[0]", .. }),
            "{err:?}"
        );
        let err = with_key(&|k| set(k, "x5c", json!("MIID"))).unwrap_err();
        assert!(matches!(err, OktaError::WrongType { .. }), "{err:?}");
        // The rest of the chain is ignored; only x5c[0] is trusted.
        let okta = with_key(&|k| {
            let first = k["x5c"][0].clone();
            set(k, "x5c", json!([first, "not even base64"]));
        })
        .unwrap();
        assert_eq!(
            only_certificate(okta.idp.signing_certificates()),
            &okta_cert()
        );
        // Line breaks inside x5c[0], as the Okta docs print it, are accepted.
        let okta = with_key(&|k| {
            let b64 = okta_cert_b64();
            let wrapped: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            set(k, "x5c", json!([wrapped.join("\n     ")]));
        })
        .unwrap();
        assert_eq!(
            only_certificate(okta.idp.signing_certificates()),
            &okta_cert()
        );
    }

    #[test]
    fn not_json() {
        let err = from_okta_json(b"<xml/>", &vector_raw("okta/org2-idp-key.json")).unwrap_err();
        assert!(
            matches!(
                err,
                OktaError::InvalidJson {
                    document: OktaDocument::Idp,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

/// A time at which every metadata vector here is still valid (2023-11-14T22:13:20Z).
fn metadata_now() -> saml_core::time::DateTime {
    saml_core::time::DateTime::from_unix_seconds(1_700_000_000)
}
