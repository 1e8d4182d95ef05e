//! A generated federation aggregate for the `metadata` bench: deterministic (the same bytes
//! for the same count, every run), shaped like a national research-and-education federation's
//! feed, about 10 KB per entity.
//!
//! Each entity has `md:Extensions` (mdrpi:RegistrationInfo, mdattr:EntityAttributes,
//! mdui:UIInfo in two languages, shibmd:Scope), one or two roles (IdP, SP or both, in turn),
//! two or three `md:KeyDescriptor`s with real certificates from `tests/vectors/certs` (base64
//! wrapped at 64 columns, indented), SSO/ACS/SLO/ArtifactResolution endpoints, NameIDFormats,
//! an AttributeConsumingService, an `md:Organization` and two `md:ContactPerson`s.

use std::fmt::Write as _;

use saml_core::crypto::{Certificate, DigestAlgorithm, SignatureAlgorithm, SigningKey};
use saml_core::xml::Document;
use saml_core::xml::c14n::{self, Algorithm, Method, Sink};

/// Namespaces declared on the document element.
const ROOT_NAMESPACES: &str = concat!(
    r#"xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" "#,
    r#"xmlns:ds="http://www.w3.org/2000/09/xmldsig#" "#,
    r#"xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" "#,
    r#"xmlns:mdattr="urn:oasis:names:tc:SAML:metadata:attribute" "#,
    r#"xmlns:mdrpi="urn:oasis:names:tc:SAML:metadata:rpi" "#,
    r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" "#,
    r#"xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" "#,
    r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#
);

const BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:";

/// The certificates the entities publish, base64 wrapped at 64 columns.
fn certificates() -> Vec<String> {
    [
        "okta-dev-513394.pem",
        "samltest-id-signing.pem",
        "testshib-idp-2006.pem",
        "onelogin-503983.pem",
        "keycloak-master-2025.pem",
        "google-C02dfl1r1.pem",
    ]
    .iter()
    .map(|name| {
        let path = crate::fixture_dir().join("../certs").join(name);
        let pem = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        lines.join("\n            ")
    })
    .collect()
}

/// The entityID of entity `i`.
pub fn entity_id(i: usize) -> String {
    if i % 3 == 1 {
        format!("https://sp{i}.campus{}.example.edu/shibboleth", i % 97)
    } else {
        format!("https://idp{i}.campus{}.example.edu/idp/shibboleth", i % 97)
    }
}

/// Whether entity `i` has an IdP role (0 and 2 mod 3) and an SP role (1 and 2 mod 3).
pub fn roles(i: usize) -> (bool, bool) {
    (i % 3 != 1, !i.is_multiple_of(3))
}

fn key_descriptor(out: &mut String, usage: Option<&str>, name: &str, cert: &str) {
    let usage = usage.map_or(String::new(), |u| format!(r#" use="{u}""#));
    let _ = write!(
        out,
        r#"
    <md:KeyDescriptor{usage}>
      <ds:KeyInfo>
        <ds:KeyName>{name}</ds:KeyName>
        <ds:X509Data>
          <ds:X509Certificate>
            {cert}
          </ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>"#
    );
    if usage.contains("encryption") {
        out.push_str(
            r#"
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"/>"#,
        );
    }
    out.push_str("\n    </md:KeyDescriptor>");
}

fn entity(out: &mut String, i: usize, certs: &[String]) {
    let id = entity_id(i);
    let host = id
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let campus = i % 97;
    let cert = |k: usize| &certs[(i + k) % certs.len()];
    let _ = write!(
        out,
        r#"
  <md:EntityDescriptor entityID="{id}">
    <md:Extensions>
      <mdrpi:RegistrationInfo registrationAuthority="https://federation.example.org" registrationInstant="2019-0{m}-1{d}T09:00:00Z">
        <mdrpi:RegistrationPolicy xml:lang="en">https://federation.example.org/policy/v{v}</mdrpi:RegistrationPolicy>
      </mdrpi:RegistrationInfo>
      <mdattr:EntityAttributes>
        <saml:Attribute Name="http://macedir.org/entity-category" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
          <saml:AttributeValue>http://refeds.org/category/research-and-scholarship</saml:AttributeValue>
          <saml:AttributeValue>https://refeds.org/category/code-of-conduct/v2</saml:AttributeValue>
        </saml:Attribute>
        <saml:Attribute Name="urn:oasis:names:tc:SAML:attribute:assurance-certification" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
          <saml:AttributeValue>https://refeds.org/sirtfi</saml:AttributeValue>
        </saml:Attribute>
      </mdattr:EntityAttributes>
    </md:Extensions>"#,
        m = 1 + i % 9,
        d = i % 10,
        v = 1 + i % 4,
    );
    let (idp, sp) = roles(i);
    let ui = |out: &mut String, kind: &str| {
        let _ = write!(
            out,
            r#"
      <mdui:UIInfo>
        <mdui:DisplayName xml:lang="en">Campus {campus} {kind} number {i}</mdui:DisplayName>
        <mdui:DisplayName xml:lang="de">Hochschule {campus} {kind} Nummer {i}</mdui:DisplayName>
        <mdui:Description xml:lang="en">The {kind} of campus {campus}, serving students, staff and researchers of its faculties of science, medicine, law, arts and engineering, and the library services shared with neighbouring institutions.</mdui:Description>
        <mdui:InformationURL xml:lang="en">https://{host}/about</mdui:InformationURL>
        <mdui:PrivacyStatementURL xml:lang="en">https://{host}/privacy</mdui:PrivacyStatementURL>
        <mdui:Logo height="80" width="80">https://{host}/logo-80x80.png</mdui:Logo>
      </mdui:UIInfo>"#
        );
    };
    if idp {
        let _ = write!(
            out,
            r#"
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:Extensions>
      <shibmd:Scope regexp="false">campus{campus}.example.edu</shibmd:Scope>"#
        );
        ui(out, "identity provider");
        out.push_str("\n    </md:Extensions>");
        key_descriptor(out, Some("signing"), "signing-2025", cert(0));
        key_descriptor(out, Some("signing"), "signing-2026", cert(1));
        key_descriptor(out, Some("encryption"), "encryption", cert(2));
        let _ = write!(
            out,
            r#"
    <md:ArtifactResolutionService Binding="{BINDING}SOAP" Location="https://{host}:8443/idp/profile/SAML2/SOAP/ArtifactResolution" index="1"/>
    <md:SingleLogoutService Binding="{BINDING}HTTP-Redirect" Location="https://{host}/idp/profile/SAML2/Redirect/SLO"/>
    <md:SingleLogoutService Binding="{BINDING}HTTP-POST" Location="https://{host}/idp/profile/SAML2/POST/SLO"/>
    <md:SingleLogoutService Binding="{BINDING}SOAP" Location="https://{host}:8443/idp/profile/SAML2/SOAP/SLO"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="{BINDING}HTTP-POST" Location="https://{host}/idp/profile/SAML2/POST/SSO"/>
    <md:SingleSignOnService Binding="{BINDING}HTTP-POST-SimpleSign" Location="https://{host}/idp/profile/SAML2/POST-SimpleSign/SSO"/>
    <md:SingleSignOnService Binding="{BINDING}HTTP-Redirect" Location="https://{host}/idp/profile/SAML2/Redirect/SSO"/>
  </md:IDPSSODescriptor>"#
        );
    }
    if sp {
        let _ = write!(
            out,
            r#"
  <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:Extensions>"#
        );
        ui(out, "service");
        out.push_str("\n    </md:Extensions>");
        key_descriptor(out, None, "sp-2026", cert(3));
        key_descriptor(out, Some("encryption"), "sp-encryption", cert(4));
        let _ = write!(
            out,
            r#"
    <md:SingleLogoutService Binding="{BINDING}HTTP-Redirect" Location="https://{host}/Shibboleth.sso/SLO/Redirect"/>
    <md:SingleLogoutService Binding="{BINDING}HTTP-POST" Location="https://{host}/Shibboleth.sso/SLO/POST" ResponseLocation="https://{host}/Shibboleth.sso/SLO/Return"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{BINDING}HTTP-POST" Location="https://{host}/Shibboleth.sso/SAML2/POST" index="1" isDefault="true"/>
    <md:AssertionConsumerService Binding="{BINDING}HTTP-POST-SimpleSign" Location="https://{host}/Shibboleth.sso/SAML2/POST-SimpleSign" index="2"/>
    <md:AssertionConsumerService Binding="{BINDING}HTTP-Artifact" Location="https://{host}/Shibboleth.sso/SAML2/Artifact" index="3"/>
    <md:AttributeConsumingService index="1">
      <md:ServiceName xml:lang="en">Campus {campus} service {i}</md:ServiceName>
      <md:RequestedAttribute FriendlyName="eduPersonPrincipalName" Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.6" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" isRequired="true"/>
      <md:RequestedAttribute FriendlyName="mail" Name="urn:oid:0.9.2342.19200300.100.1.3" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"/>
      <md:RequestedAttribute FriendlyName="displayName" Name="urn:oid:2.16.840.1.113730.3.1.241" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"/>
    </md:AttributeConsumingService>
  </md:SPSSODescriptor>"#
        );
    }
    let _ = write!(
        out,
        r#"
    <md:Organization>
      <md:OrganizationName xml:lang="en">Campus {campus} University</md:OrganizationName>
      <md:OrganizationName xml:lang="de">Universität Campus {campus}</md:OrganizationName>
      <md:OrganizationDisplayName xml:lang="en">Campus {campus} University</md:OrganizationDisplayName>
      <md:OrganizationURL xml:lang="en">https://www.campus{campus}.example.edu/</md:OrganizationURL>
    </md:Organization>
    <md:ContactPerson contactType="technical">
      <md:GivenName>Technical</md:GivenName>
      <md:SurName>Team {i}</md:SurName>
      <md:EmailAddress>mailto:it-identity@campus{campus}.example.edu</md:EmailAddress>
      <md:TelephoneNumber>+49 30 {i:07}</md:TelephoneNumber>
    </md:ContactPerson>
    <md:ContactPerson contactType="other" xmlns:remd="http://refeds.org/metadata" remd:contactType="http://refeds.org/metadata/contactType/security">
      <md:GivenName>Security</md:GivenName>
      <md:SurName>CERT</md:SurName>
      <md:EmailAddress>mailto:cert@campus{campus}.example.edu</md:EmailAddress>
    </md:ContactPerson>
  </md:EntityDescriptor>"#
    );
}

/// An aggregate of `n` entities with `ID="fed"`, unsigned.
pub fn aggregate(n: usize) -> String {
    let certs = certificates();
    let mut out = String::with_capacity(n * 11_000 + 1024);
    let _ = write!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntitiesDescriptor {ROOT_NAMESPACES} ID="fed" Name="https://federation.example.org/metadata" validUntil="2100-01-01T00:00:00Z" cacheDuration="PT6H">"#
    );
    for i in 0..n {
        entity(&mut out, i, &certs);
    }
    out.push_str("\n</md:EntitiesDescriptor>\n");
    out
}

/// A SHA-256 digest fed by the canonicalizer.
struct DigestSink(ring::digest::Context);

impl Sink for DigestSink {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// `xml` (an aggregate from [`aggregate`]) signed as a federation operator signs it: an
/// enveloped RSA-SHA256 signature, exclusive c14n, Reference `#fed`, first child of the
/// document element. Built from the library's canonicalizer and key (its `sign_metadata`
/// parses with the message limits, 8 MiB), so it verifies only if both agree with
/// `Metadata::verify`.
///
/// # Panics
///
/// If the input does not parse or the key cannot sign: the bench cannot run without it.
pub fn sign(xml: &str, key: &SigningKey, certificate: &Certificate) -> String {
    let limits = saml_core::metadata::MetadataLimits::default();
    let doc = Document::parse_with_limits(xml, &limits.xml).expect("aggregate parses");
    let root = doc.root_element();
    let exclusive = Method::new(Algorithm::Exclusive, false);
    let mut sink = DigestSink(ring::digest::Context::new(&ring::digest::SHA256));
    c14n::canonicalize(&doc, Some(root), None, &exclusive, &mut sink).expect("c14n");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let digest = b64.encode(sink.0.finish().as_ref());
    let signed_info = format!(
        r##"<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:CanonicalizationMethod Algorithm="{exc}"/><ds:SignatureMethod Algorithm="{sig}"/><ds:Reference URI="#fed"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="{exc}"/></ds:Transforms><ds:DigestMethod Algorithm="{dig}"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"##,
        exc = c14n::EXC_C14N,
        sig = SignatureAlgorithm::RsaSha256.uri(),
        dig = DigestAlgorithm::Sha256.uri(),
    );
    // Exclusive c14n renders only the namespaces SignedInfo uses (`ds`, declared on the
    // Signature), so its canonical form alone equals its canonical form in place.
    let si_doc = Document::parse(&signed_info).expect("SignedInfo parses");
    let canonical =
        c14n::to_vec(&si_doc, Some(si_doc.root_element()), None, &exclusive).expect("c14n");
    let value = b64.encode(
        key.sign(SignatureAlgorithm::RsaSha256, &canonical)
            .expect("sign"),
    );
    let in_place = signed_info.replacen(r#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#, "", 1);
    let signature = format!(
        r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">{in_place}<ds:SignatureValue>{value}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"#,
        b64.encode(certificate.der())
    );
    let start = doc.span(root).start;
    let at = start + xml[start..].find('>').expect("start tag") + 1;
    drop(doc);
    format!("{}{signature}{}", &xml[..at], &xml[at..])
}

#[cfg(test)]
mod tests {
    use saml_core::crypto::{AlgorithmPolicy, TrustAnchor};
    use saml_core::dsig::Verifier;
    use saml_core::metadata::{Metadata, MetadataLimits};
    use saml_core::time::DateTime;

    use super::*;

    fn testdata(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../crates/saml-core/testdata/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The generated aggregate is deterministic, about 10 KB per entity, and what the library
    /// loads; its signature verifies with the pinned key and every IdP is selectable.
    #[test]
    fn generated_aggregate_loads_and_verifies() {
        let xml = aggregate(30);
        assert_eq!(xml, aggregate(30));
        let per_entity = xml.len() / 30;
        assert!(
            (9_000..12_000).contains(&per_entity),
            "{per_entity} bytes per entity"
        );
        let key = SigningKey::from_pem(&testdata("rsa2048.pk8.pem"), None).unwrap();
        let cert = Certificate::from_pem(&testdata("rsa2048.cert.pem"), None).unwrap();
        let signed = sign(&xml, &key, &cert);
        let verifier = Verifier::new(
            vec![TrustAnchor::Certificate(cert)],
            AlgorithmPolicy::default(),
        );
        let now = DateTime::from_unix_seconds(1_796_515_200);
        let md = Metadata::verify(
            signed.as_bytes(),
            &verifier,
            now,
            &MetadataLimits::default(),
        )
        .unwrap();
        assert_eq!(md.len(), 30);
        for i in 0..30 {
            let (idp, sp) = roles(i);
            if idp {
                let settings = md.idp_settings(&entity_id(i), now).unwrap();
                assert_eq!(settings.signing_certificates().len(), 2);
            }
            if sp {
                md.sp_peer(&entity_id(i), now).unwrap();
            }
        }
    }
}
