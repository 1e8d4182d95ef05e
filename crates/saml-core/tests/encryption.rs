//! Our IdP encrypts the assertions it issues for an SP's encryption key, and our SP decrypts
//! them: every SignTarget with both algorithm choices (the default AES-256-GCM with xmlenc11
//! RSA-OAEP SHA-256/MGF1-SHA-256, and AES-128-CBC with rsa-oaep-mgf1p for older SPs), the SP's
//! key from settings or from its metadata, the wrong key refused, the NameID as EncryptedID.
//! `xmlsec1 --decrypt` decrypts our IdP's EncryptedAssertion (Debian's xmlsec1 1.2.37 knows
//! rsa-oaep-mgf1p, not xmlenc11 rsa-oaep) and the decrypted assertion's signature verifies in
//! xmlsec1 and in our SP. Without xmlsec1 on `PATH` those tests print `SKIPPED` and pass,
//! except under `CI`, where they fail.

use std::process::Command;

use saml_core::crypto::DigestAlgorithm;
use saml_core::dsig::Signer;
use saml_core::metadata::{SpMetadata, sp_peer_from_metadata};
use saml_core::saml::idp::{
    DEFAULT_DATA_ENCRYPTION, DEFAULT_KEY_TRANSPORT, EncryptTarget, IdentityProvider, SignTarget,
    SpPeer, Subject,
};
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::{ServiceProvider, SignedElement, VerifiedAssertion};
use saml_core::settings::{IdpSettings, SignatureScope, SpSettings};
use saml_core::time::{DateTime, parse_xs_datetime};
use saml_core::xml::{Document, NodeId};
use saml_core::xmlenc::{
    DataEncryption, DecryptionKey, DecryptionPolicy, EncryptionKey, KeyTransport, decrypt,
    encrypted_parts,
};

mod common;
use common::*;

const IDP_ISSUER: &str = "http://www.okta.com/exk1org1";
const SSO_URL: &str = "https://org1.okta.com/app/org1_org2/exk1org1/sso/saml";
const SP_ENTITY: &str = "https://www.okta.com/saml2/service-provider/sporg2";
const ACS: &str = "https://org2.okta.com/sso/saml2/0oa1org2";
const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const ALICE: &str = "alice@org1.example";

fn now() -> DateTime {
    parse_xs_datetime("2026-11-22T12:00:00Z").expect("time")
}

/// The two algorithm choices: the default, and the one for SPs on xmlsec1 1.2.
const ALGORITHMS: [(DataEncryption, KeyTransport); 2] = [
    (DEFAULT_DATA_ENCRYPTION, DEFAULT_KEY_TRANSPORT),
    (
        DataEncryption::Aes128Cbc,
        KeyTransport::RsaOaepMgf1p {
            digest: DigestAlgorithm::Sha1,
        },
    ),
];

/// Org1, the IdP: signs with its RSA-2048 key.
fn org1(sign: SignTarget) -> IdentityProvider {
    IdentityProvider::new(
        IDP_ISSUER,
        SSO_URL,
        Signer::new(key("rsa2048.pk8.pem"), Some(cert("rsa2048.cert.pem"))),
    )
    .with_sign_target(sign)
}

/// Org2 as Org1 knows it: requests signed with its RSA-3072 key, assertions encrypted to the
/// same key's certificate.
fn org2_peer(data: DataEncryption, transport: KeyTransport) -> SpPeer {
    SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")])
        .expect("peer with keys")
        .with_encryption(EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("RSA"))
        .with_encryption_algorithms(data, transport)
        .expect("supported algorithms")
}

fn decryption_key(name: &str) -> DecryptionKey {
    DecryptionKey::from_pem(&testdata(name), Some(name)).expect("decryption key")
}

/// Org2, the SP, decrypting with `key` (none: `None`) and requiring `scope`.
fn org2(scope: SignatureScope, key: Option<&str>) -> ServiceProvider {
    let idp = IdpSettings::new(IDP_ISSUER, SSO_URL, vec![anchor("rsa2048.cert.pem")])
        .with_signature_scope(scope)
        .with_sign_requests(false);
    let mut sp = SpSettings::new(SP_ENTITY, ACS).with_unsolicited(true);
    if let Some(key) = key {
        sp = sp.with_decryption_key(decryption_key(key));
    }
    ServiceProvider::new(idp, sp).expect("complete settings")
}

fn alice() -> Subject {
    Subject::new(ALICE)
        .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        .with_attribute("groups", vec!["Everyone".into(), "R&D <admins>".into()])
}

/// The scope an SP sets for what the IdP signs.
fn scope_for(sign: SignTarget) -> SignatureScope {
    match sign {
        SignTarget::Assertion => SignatureScope::Assertion,
        SignTarget::Response => SignatureScope::Response,
        _ => SignatureScope::Both,
    }
}

fn signed_for(sign: SignTarget) -> Vec<SignedElement> {
    match sign {
        SignTarget::Assertion => vec![SignedElement::Assertion],
        SignTarget::Response => vec![SignedElement::Response],
        _ => vec![SignedElement::Response, SignedElement::Assertion],
    }
}

fn validate(
    sp: &ServiceProvider,
    xml: &str,
) -> Result<VerifiedAssertion, saml_core::saml::SamlError> {
    sp.validate_and_commit(
        xml.as_bytes(),
        now(),
        saml_core::saml::sp::danger::not_tracked(),
        &InMemoryStore::default(),
    )
}

/// The elements named `local` in the assertion namespace.
fn elements<'d>(doc: &'d Document<'_>, local: &'d str) -> Vec<NodeId> {
    doc.descendants(doc.root_element())
        .filter(|&n| doc.is(n, ASSERTION_NS, local))
        .collect()
}

#[test]
fn our_idp_encrypts_our_sp_decrypts_every_sign_target_and_algorithm() {
    for sign in [
        SignTarget::Assertion,
        SignTarget::Response,
        SignTarget::Both,
    ] {
        for (data, transport) in ALGORITHMS {
            let case = format!("{sign:?}, {data} with {transport}");
            let xml = org1(sign)
                .issue(&org2_peer(data, transport), &alice(), None, now())
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            // Nothing of the assertion is readable on the way.
            assert!(!xml.contains(ALICE) && !xml.contains("R&amp;D"), "{case}");
            let doc = Document::parse(&xml).expect("parses");
            assert!(elements(&doc, "Assertion").is_empty(), "{case}");
            let [container] = elements(&doc, "EncryptedAssertion")[..] else {
                panic!("{case}: one EncryptedAssertion\n{xml}");
            };
            assert_eq!(doc.parent(container), Some(doc.root_element()), "{case}");
            let parts = encrypted_parts(&doc, container).expect("well-formed");
            assert_eq!(
                (parts.data, parts.key_transport),
                (data, transport),
                "{case}"
            );
            assert!(
                parts.key_certificate_sha256.is_some(),
                "{case}: names the cert"
            );
            assert_eq!(
                parts.key_spki_sha256,
                Some(decryption_key("rsa3072.pk8.pem").spki_sha256()),
                "{case}"
            );

            let v = validate(&org2(scope_for(sign), Some("rsa3072.pk8.pem")), &xml)
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(v.name_id().value, ALICE, "{case}");
            assert_eq!(
                v.attribute("groups"),
                Some(&["Everyone".to_owned(), "R&D <admins>".to_owned()][..]),
                "{case}"
            );
            assert_eq!(v.encryption(), Some(data), "{case}");
            assert_eq!(v.signed(), signed_for(sign), "{case}");
        }
    }
}

/// An SP without the key refuses: the wrong key is the one `decryption_failed`, no key is
/// `no_decryption_keys`; nothing falls back to reading the assertion.
#[test]
fn wrong_sp_key_is_refused() {
    for (data, transport) in ALGORITHMS {
        let xml = org1(SignTarget::Both)
            .issue(&org2_peer(data, transport), &alice(), None, now())
            .expect("issued");
        let wrong = validate(&org2(SignatureScope::Both, Some("rsa2048.pk8.pem")), &xml)
            .expect_err("wrong key");
        assert_eq!(wrong.kind(), "decryption_failed", "{data}: {wrong}");
        let none = validate(&org2(SignatureScope::Both, None), &xml).expect_err("no key");
        assert_eq!(none.kind(), "no_decryption_keys", "{data}: {none}");
    }
}

/// The Response signature covers the ciphertext: altering it breaks that signature before
/// anything is decrypted.
#[test]
fn response_signature_covers_the_ciphertext() {
    let xml = org1(SignTarget::Both)
        .issue(
            &org2_peer(DEFAULT_DATA_ENCRYPTION, DEFAULT_KEY_TRANSPORT),
            &alice(),
            None,
            now(),
        )
        .expect("issued");
    let at = xml
        .rfind("</xenc:CipherValue>")
        .expect("the data's CipherValue")
        - 8;
    let flipped = if &xml[at..=at] == "A" { "B" } else { "A" };
    let altered = format!("{}{flipped}{}", &xml[..at], &xml[at + 1..]);
    let err = validate(
        &org2(SignatureScope::Both, Some("rsa3072.pk8.pem")),
        &altered,
    )
    .expect_err("altered");
    assert_eq!(err.kind(), "digest_mismatch", "{err}");
}

/// A peer without an encryption key gets its assertions in the clear, as before.
#[test]
fn no_encryption_key_no_encryption() {
    let peer = SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")]).expect("peer");
    assert!(peer.encryption_key().is_none());
    assert_eq!(
        (
            peer.data_encryption(),
            peer.key_transport(),
            peer.encrypt_target()
        ),
        (
            DataEncryption::Aes256Gcm,
            KeyTransport::RsaOaep {
                digest: DigestAlgorithm::Sha256,
                mgf: DigestAlgorithm::Sha256
            },
            EncryptTarget::Assertion
        ),
        "the documented defaults"
    );
    let xml = org1(SignTarget::Both)
        .issue(&peer, &alice(), None, now())
        .expect("issued");
    assert!(!xml.contains("Encrypted") && xml.contains(ALICE));
    let v = validate(&org2(SignatureScope::Both, Some("rsa3072.pk8.pem")), &xml).expect("valid");
    assert_eq!(v.encryption(), None);
}

/// What the IdP would produce but no SP should decrypt is refused when the peer is configured:
/// rsa-1_5 always, and RSA-OAEP pairs with differing hashes in a build without the
/// `openssl-oaep` feature. Every pair this build runs issues and validates end to end.
#[test]
fn refused_algorithms_are_refused_when_configured() {
    let peer = || SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")]).expect("peer");
    let mixed = [
        KeyTransport::RsaOaep {
            digest: DigestAlgorithm::Sha256,
            mgf: DigestAlgorithm::Sha1,
        },
        KeyTransport::RsaOaepMgf1p {
            digest: DigestAlgorithm::Sha256,
        },
    ];
    let mut refused = vec![KeyTransport::Rsa1_5];
    if cfg!(not(feature = "openssl-oaep")) {
        refused.extend(mixed);
    }
    for transport in refused {
        let err = peer()
            .with_encryption_algorithms(DataEncryption::Aes256Gcm, transport)
            .expect_err("refused");
        assert_eq!(
            err.kind().as_str(),
            "algorithm_not_allowed",
            "{transport}: {err}"
        );
    }
    if cfg!(feature = "openssl-oaep") {
        for transport in mixed {
            let peer = peer()
                .with_encryption(
                    EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("RSA"),
                )
                .with_encryption_algorithms(DataEncryption::Aes256Gcm, transport)
                .expect("differing-hash OAEP with openssl-oaep");
            let xml = org1(SignTarget::Assertion)
                .issue(&peer, &alice(), None, now())
                .expect("issued");
            let v = validate(
                &org2(SignatureScope::Assertion, Some("rsa3072.pk8.pem")),
                &xml,
            )
            .unwrap_or_else(|e| panic!("{transport}: {e}"));
            assert_eq!(v.encryption(), Some(DataEncryption::Aes256Gcm));
        }
    }
    for (digest, data) in [
        (DigestAlgorithm::Sha1, DataEncryption::Aes128Gcm),
        (DigestAlgorithm::Sha384, DataEncryption::Aes192Cbc),
        (DigestAlgorithm::Sha512, DataEncryption::Aes256Cbc),
    ] {
        let transport = KeyTransport::RsaOaep {
            digest,
            mgf: digest,
        };
        let peer = peer()
            .with_encryption(
                EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("RSA"),
            )
            .with_encryption_algorithms(data, transport)
            .expect("same-hash OAEP");
        let xml = org1(SignTarget::Assertion)
            .issue(&peer, &alice(), None, now())
            .expect("issued");
        let v = validate(
            &org2(SignatureScope::Assertion, Some("rsa3072.pk8.pem")),
            &xml,
        )
        .unwrap_or_else(|e| panic!("{transport}: {e}"));
        assert_eq!(v.encryption(), Some(data));
    }
}

/// Keys the crypto library cannot encrypt to are refused when loaded: an EC certificate, an
/// RSA key under 2048 bits.
#[test]
fn unusable_sp_keys_are_refused() {
    let ec = EncryptionKey::from_certificate(&cert("p256.cert.pem")).expect_err("EC");
    assert!(ec.to_string().contains("RSA"), "{ec}");
    let small =
        EncryptionKey::from_certificate(&vector_cert("pysaml2-test.pem")).expect_err("1024 bits");
    assert!(small.to_string().contains("1024"), "{small}");
}

/// Decrypts the `container` of `xml` with the SP's key and splices the plaintext in its
/// place (as an SP does).
fn decrypt_in_place(xml: &str, local: &str) -> String {
    let doc = Document::parse(xml).expect("parses");
    let [container] = elements(&doc, local)[..] else {
        panic!("one {local}");
    };
    let decrypted = decrypt(
        &doc,
        container,
        &[decryption_key("rsa3072.pk8.pem")],
        &DecryptionPolicy::default(),
    )
    .expect("decrypts");
    decrypted.in_place(&doc, container).expect("UTF-8").text
}

/// EncryptTarget::NameId and Both: the NameID travels as an EncryptedID, decryptable in place
/// to the NameID issued, and our SP reads it there.
#[test]
fn name_id_as_encrypted_id() {
    let name_id = "<saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">\
                   alice@org1.example</saml:NameID>";
    for target in [EncryptTarget::NameId, EncryptTarget::Both] {
        let peer =
            org2_peer(DEFAULT_DATA_ENCRYPTION, DEFAULT_KEY_TRANSPORT).with_encrypt_target(target);
        let xml = org1(SignTarget::Both)
            .issue(&peer, &alice(), None, now())
            .expect("issued");
        assert!(!xml.contains(ALICE), "{target:?}");
        let plain = if target == EncryptTarget::Both {
            let doc = Document::parse(&xml).expect("parses");
            assert!(
                elements(&doc, "EncryptedID").is_empty(),
                "inside the ciphertext"
            );
            decrypt_in_place(&xml, "EncryptedAssertion")
        } else {
            // The attributes stay readable.
            assert!(xml.contains("R&amp;D &lt;admins&gt;"));
            xml.clone()
        };
        let doc = Document::parse(&plain).expect("parses");
        assert!(elements(&doc, "NameID").is_empty(), "{target:?}");
        let [encrypted_id] = elements(&doc, "EncryptedID")[..] else {
            panic!("{target:?}: one EncryptedID");
        };
        assert!(doc.is(
            doc.parent(encrypted_id).expect("parent"),
            ASSERTION_NS,
            "Subject"
        ));
        let decrypted = decrypt_in_place(&plain, "EncryptedID");
        assert!(decrypted.contains(name_id), "{target:?}: {decrypted}");

        // Our SP decrypts the EncryptedID in its place.
        let v = validate(&org2(SignatureScope::Both, Some("rsa3072.pk8.pem")), &xml)
            .unwrap_or_else(|e| panic!("{target:?}: {e}"));
        assert_eq!(v.name_id().value, ALICE, "{target:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The SP's encryption key from its metadata
// ---------------------------------------------------------------------------------------------

fn cert_b64(name: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(cert(name).der())
}

/// Org2's metadata: signing and encryption KeyDescriptors, two POST ACS endpoints of which
/// the second is the default, and a Redirect one.
fn org2_metadata(encryption: &str) -> String {
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{SP_ENTITY}">
  <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{signing}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    {encryption}
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://org2.okta.com/other" index="0"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://org2.okta.com/redirect" index="1" isDefault="true"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{ACS}" index="2" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"#,
        signing = cert_b64("rsa3072.cert.pem"),
    )
}

fn encryption_key_descriptor(cert: &str) -> String {
    format!(
        r#"<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/></md:KeyDescriptor>"#,
        cert_b64(cert)
    )
}

#[test]
fn sp_metadata_encryption_key_is_used() {
    let xml = org2_metadata(&encryption_key_descriptor("rsa3072.cert.pem"));
    let md = SpMetadata::parse(xml.as_bytes()).expect("SP metadata");
    assert_eq!(md.entity_id(), SP_ENTITY);
    assert_eq!(md.acs_urls(), [ACS, "https://org2.okta.com/other"]);
    assert_eq!(md.encryption_certificates(), [cert("rsa3072.cert.pem")]);
    assert_eq!(md.signing_certificates().len(), 1);
    assert_eq!(
        md.encryption_methods(),
        [
            "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
        ]
    );
    assert!(md.authn_requests_signed() && md.want_assertions_signed());
    let peer = md.into_peer(now()).expect("peer");
    assert_eq!(peer.acs_url(), ACS);
    assert!(peer.authn_requests_signed());
    assert_eq!(peer.encryption_key().map(EncryptionKey::bits), Some(3072));

    for sign in [SignTarget::Assertion, SignTarget::Both] {
        let response = org1(sign)
            .issue(&peer, &alice(), None, now())
            .expect("issued");
        assert!(!response.contains(ALICE));
        let v = validate(&org2(scope_for(sign), Some("rsa3072.pk8.pem")), &response)
            .expect("decrypted and valid");
        assert_eq!(v.encryption(), Some(DEFAULT_DATA_ENCRYPTION));
        assert_eq!(v.name_id().value, ALICE);
    }

    // Without an encryption KeyDescriptor the peer issues in the clear.
    let peer = sp_peer_from_metadata(org2_metadata("").as_bytes(), now()).expect("peer");
    assert!(peer.encryption_key().is_none());
    let response = org1(SignTarget::Both)
        .issue(&peer, &alice(), None, now())
        .expect("issued");
    assert!(response.contains(ALICE));
}

// ---------------------------------------------------------------------------------------------
// xmlsec1 decrypts what our IdP encrypted
// ---------------------------------------------------------------------------------------------

fn testdata_path(name: &str) -> String {
    format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// For each algorithm pair xmlsec1 1.2 knows: our IdP encrypts a Response whose Assertion it
/// signed; `xmlsec1 --decrypt` with the SP's key decrypts it; xmlsec1 verifies the decrypted
/// assertion's signature, and our SP accepts the decrypted Response. The other key fails.
#[test]
fn xmlsec1_decrypts_our_idp() {
    let Some(xmlsec1) = xmlsec1() else { return };
    let scratch = Scratch::new("xmlsec1");
    let mgf1p = KeyTransport::RsaOaepMgf1p {
        digest: DigestAlgorithm::Sha1,
    };
    for data in [DataEncryption::Aes128Cbc, DataEncryption::Aes256Gcm] {
        let case = format!("{data} with {mgf1p}");
        let xml = org1(SignTarget::Assertion)
            .issue(&org2_peer(data, mgf1p), &alice(), None, now())
            .expect("issued");
        let input = scratch.file("enc.xml");
        let output = scratch.file("dec.xml");
        std::fs::write(&input, &xml).expect("write");
        let decrypt_with = |key: &str| {
            let _ = std::fs::remove_file(&output);
            Command::new(&xmlsec1)
                .args(["--decrypt", "--privkey-pem"])
                .arg(testdata_path(key))
                .arg("--output")
                .arg(&output)
                .arg(&input)
                .output()
                .expect("xmlsec1 runs")
        };
        let other = decrypt_with("rsa2048.pk8.pem");
        assert!(!other.status.success(), "{case}: the other key decrypted");
        let out = decrypt_with("rsa3072.pk8.pem");
        assert!(
            out.status.success(),
            "{case}: xmlsec1 --decrypt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let decrypted = std::fs::read_to_string(&output).expect("decrypted");
        assert!(!decrypted.contains("EncryptedData"), "{case}: {decrypted}");
        assert!(decrypted.contains(ALICE), "{case}: {decrypted}");

        let verify = Command::new(&xmlsec1)
            .args([
                "--verify",
                "--enabled-key-data",
                "key-name",
                "--pubkey-cert-pem",
            ])
            .arg(testdata_path("rsa2048.cert.pem"))
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            ])
            .arg(&output)
            .output()
            .expect("xmlsec1 runs");
        assert!(
            verify.status.success(),
            "{case}: xmlsec1 --verify of the decrypted assertion: {}",
            String::from_utf8_lossy(&verify.stderr)
        );

        // xmlsec1 replaced the EncryptedData: without its EncryptedAssertion wrapper, the
        // decrypted Response is a plain signed one, which our SP accepts without a key.
        let unwrapped = decrypted
            .replacen("<saml:EncryptedAssertion>", "", 1)
            .replacen("</saml:EncryptedAssertion>", "", 1);
        let v = validate(&org2(SignatureScope::Assertion, None), &unwrapped)
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(v.name_id().value, ALICE);
        assert_eq!(v.encryption(), None);
        eprintln!("xmlsec1 decrypts our IdP's {case}: OK");
    }
    // The default (xmlenc11 rsa-oaep) needs xmlsec1 1.3: report, do not require.
    let xml = org1(SignTarget::Assertion)
        .issue(
            &org2_peer(DEFAULT_DATA_ENCRYPTION, DEFAULT_KEY_TRANSPORT),
            &alice(),
            None,
            now(),
        )
        .expect("issued");
    let input = scratch.file("default.xml");
    std::fs::write(&input, &xml).expect("write");
    let out = Command::new(&xmlsec1)
        .args(["--decrypt", "--privkey-pem"])
        .arg(testdata_path("rsa3072.pk8.pem"))
        .arg(&input)
        .output()
        .expect("xmlsec1 runs");
    eprintln!(
        "xmlsec1 on the default (aes256-gcm, xmlenc11 rsa-oaep SHA-256/MGF1-SHA-256): {}",
        if out.status.success() {
            "decrypts"
        } else {
            "cannot decrypt (xmlsec1 before 1.3 knows no xmlenc11 rsa-oaep)"
        }
    );
}
