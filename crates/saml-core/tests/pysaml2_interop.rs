//! A pysaml2 IdP encrypts assertions for our SP (`tests/interop/pysaml2_idp_encrypts.py`):
//! the Responses it makes with AES (pysaml2's own steps with an AES template, through its
//! public functions) are decrypted, their signatures verified and accepted by our SP; the one
//! it makes by default, with 3DES, is refused as `algorithm_not_allowed` naming tripledes-cbc
//! (Sweet32: 3DES is never decrypted).
//!
//! pysaml2 runs xmlsec1 for its signatures and encryption. Without `python3 -c 'import saml2'`
//! (`pip install pysaml2`) or without xmlsec1 the test prints `SKIPPED` and passes, except
//! under `CI`, where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use saml_core::crypto::TrustAnchor;
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::{ServiceProvider, SignedElement};
use saml_core::settings::{IdpSettings, SignatureScope, SpSettings};
use saml_core::time::DateTime;
use saml_core::xmlenc::{DataEncryption, DecryptionKey};
use serde_json::Value;

use self::common::{Scratch, pysaml2_available, testdata};

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn pysaml2_idp_encrypts_for_our_sp() {
    if !pysaml2_available() {
        return;
    }
    let scratch = Scratch::new("pysaml2-encrypts");
    let out = Command::new("python3")
        .arg(workspace().join("tests/interop/pysaml2_idp_encrypts.py"))
        .arg(scratch.path())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pysaml2_idp_encrypts.py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let read =
        |name: &str| std::fs::read(scratch.file(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let expected: Value = serde_json::from_slice(&read("expected.json")).expect("JSON");
    let text = |key: &str| expected[key].as_str().expect("a string").to_owned();

    // Our SP: trusts the pysaml2 IdP's certificate, decrypts with the key whose certificate
    // the script put in its metadata, requires both signatures (pysaml2 signs both).
    let sp = ServiceProvider::new(
        IdpSettings::new(
            text("idp"),
            "https://pysaml2-idp.example/sso",
            vec![TrustAnchor::from_any(&testdata("rsa2048.cert.pem"), None).expect("cert")],
        )
        .with_sign_requests(false)
        .with_signature_scope(SignatureScope::Both),
        SpSettings::new(text("sp"), text("acs"))
            .with_unsolicited(true)
            .with_decryption_key(
                DecryptionKey::from_pem(&testdata("rsa3072.pk8.pem"), None).expect("key"),
            ),
    )
    .expect("complete settings");
    // pysaml2 stamps the current time.
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    let validate = |xml: &[u8]| {
        sp.validate_and_commit(
            xml,
            now,
            saml_core::saml::sp::danger::not_tracked(),
            &InMemoryStore::default(),
        )
    };

    for (file, data) in [
        ("aes256-cbc.xml", DataEncryption::Aes256Cbc),
        ("aes128-gcm.xml", DataEncryption::Aes128Gcm),
    ] {
        let v = validate(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(v.encryption(), Some(data), "{file}");
        assert_eq!(v.name_id().value, text("name_id"), "{file}");
        assert_eq!(
            v.signed(),
            [SignedElement::Response, SignedElement::Assertion],
            "{file}"
        );
        let groups: Vec<String> = expected["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g.as_str().expect("a string").to_owned())
            .collect();
        assert_eq!(v.attribute("groups"), Some(&groups[..]), "{file}");
        eprintln!("pysaml2 IdP, {data} with rsa-oaep-mgf1p: decrypted, verified, accepted");
    }

    let err = validate(&read("tripledes-cbc.xml")).expect_err("3DES is refused");
    assert_eq!(err.kind().as_str(), "algorithm_not_allowed", "{err}");
    assert!(
        err.to_string()
            .contains("http://www.w3.org/2001/04/xmlenc#tripledes-cbc"),
        "{err}"
    );
    // Control: the refusal is the algorithm's, not a broken message: xmlsec1 decrypts it.
    let decrypted = Command::new("xmlsec1")
        .args(["--decrypt", "--privkey-pem"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rsa3072.pk8.pem"))
        .arg(scratch.file("tripledes-cbc.xml"))
        .output()
        .expect("xmlsec1 runs");
    assert!(
        decrypted.status.success()
            && String::from_utf8_lossy(&decrypted.stdout).contains(&text("name_id")),
        "xmlsec1 cannot decrypt pysaml2's 3DES Response: {}",
        String::from_utf8_lossy(&decrypted.stderr)
    );
    eprintln!("pysaml2 IdP, its default tripledes-cbc: refused ({err})");
}
