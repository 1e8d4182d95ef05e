//! Signed metadata across implementations: `xmlsec1 --sign` signs an aggregate and we verify
//! it (and refuse it tampered), and `xmlsec1 --verify`, pinned to the operator's certificate,
//! accepts the aggregates `metadata::sign_metadata` signs. Without xmlsec1 on `PATH` the tests
//! print `SKIPPED` (they fail when `CI` is set).

mod common;
mod metadata_fixtures;

use std::path::Path;
use std::process::Command;

use common::{Scratch, xmlsec1};
use metadata_fixtures::*;
use saml_core::metadata::{Metadata, MetadataLimits};

/// xmlsec1 reads no schema: the metadata ID attributes are declared.
const ID_ATTRS: [&str; 4] = [
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:metadata:EntitiesDescriptor",
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
];

fn testdata(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The federation aggregate with an empty enveloped Signature template (RSA-SHA256, SHA-256,
/// exclusive c14n, Reference `#fed-2026`) as its first child.
fn template() -> String {
    let signature = format!(
        r##"<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#fed-2026"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate></ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"##
    );
    let fed = federation();
    let at = fed.find('>').expect("start tag") + 1;
    format!("{}{signature}{}", &fed[..at], &fed[at..])
}

#[test]
fn xmlsec1_signs_an_aggregate_we_verify_and_refuse_tampered() {
    let Some(xmlsec) = xmlsec1() else { return };
    let dir = Scratch::new("metadata-sign");
    std::fs::write(dir.file("template.xml"), template()).unwrap();
    let mut key = testdata("rsa2048.pk8.pem").into_os_string();
    key.push(",");
    key.push(testdata("rsa2048.cert.pem"));
    let (ok, out) = run(Command::new(&xmlsec)
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(key)
        .args(ID_ATTRS)
        .arg("--output")
        .arg(dir.file("signed.xml"))
        .arg(dir.file("template.xml")));
    assert!(ok, "xmlsec1 --sign failed:\n{out}");
    let signed = std::fs::read(dir.file("signed.xml")).unwrap();

    let md = Metadata::verify(&signed, &pinned(), now(), &MetadataLimits::default())
        .expect("xmlsec1's signature verifies with us");
    assert_eq!(md.len(), 2);
    assert_eq!(md.signature().unwrap().key_index, 0);

    let tampered = String::from_utf8(signed.clone()).unwrap().replacen(
        "https://sp.example.org/acs",
        "https://evil.example/acs",
        1,
    );
    assert_kind(
        Metadata::verify(
            tampered.as_bytes(),
            &pinned(),
            now(),
            &MetadataLimits::default(),
        ),
        "digest_mismatch",
    );
    // Signed by the operator, but the verifier pins another key.
    let other = saml_core::dsig::Verifier::new(
        vec![saml_core::crypto::TrustAnchor::Certificate(common::cert(
            "rsa3072.cert.pem",
        ))],
        saml_core::crypto::AlgorithmPolicy::default(),
    );
    assert_kind(
        Metadata::verify(&signed, &other, now(), &MetadataLimits::default()),
        "signature_mismatch",
    );
}

#[test]
fn we_sign_an_aggregate_xmlsec1_verifies_it() {
    let Some(xmlsec) = xmlsec1() else { return };
    let dir = Scratch::new("metadata-verify");
    let signed = sign(&federation(), &operator());
    std::fs::write(dir.file("signed.xml"), &signed).unwrap();
    let verify = |file: &Path, cert: &str| {
        run(Command::new(&xmlsec)
            .arg("--verify")
            .args(["--enabled-key-data", "key-name", "--pubkey-cert-pem"])
            .arg(testdata(cert))
            .args(ID_ATTRS)
            .arg(file))
    };
    let (ok, out) = verify(&dir.file("signed.xml"), "rsa2048.cert.pem");
    assert!(
        ok && out.contains("OK"),
        "xmlsec1 refused our metadata signature:\n{out}"
    );
    let (ok, out) = verify(&dir.file("signed.xml"), "rsa3072.cert.pem");
    assert!(!ok, "xmlsec1 accepted it with another key:\n{out}");
    std::fs::write(
        dir.file("tampered.xml"),
        signed.replacen(
            "https://idp.example.org/sso/post",
            "https://evil.example/sso",
            1,
        ),
    )
    .unwrap();
    let (ok, out) = verify(&dir.file("tampered.xml"), "rsa2048.cert.pem");
    assert!(!ok, "xmlsec1 accepted tampered metadata:\n{out}");
}
