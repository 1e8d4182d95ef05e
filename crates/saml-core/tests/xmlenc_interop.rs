//! Interoperability of `saml_core::xmlenc` with other XML Encryption implementations:
//!
//! - `xmlsec1` (libxmlsec1, what pysaml2 and many SPs run) encrypts an assertion from a
//!   template and we decrypt it; we encrypt and `xmlsec1 --decrypt` decrypts. Debian 12's
//!   xmlsec1 1.2.37 knows `rsa-oaep-mgf1p` (SHA-1) but not XML Encryption 1.1's `rsa-oaep`,
//!   so both directions run every AES-GCM and AES-CBC key size with `rsa-oaep-mgf1p`;
//! - a real Shibboleth IdP capture (TestShib, 2014: AES-128-CBC, rsa-oaep-mgf1p, a 4096-bit
//!   PKCS#1 SP key) decrypts, and a real Okta capture shows its detached EncryptedKey (its SP
//!   key, 1024 bits, is too small for aws-lc-rs and refused by name);
//! - the vectors in `tests/vectors/xmlenc` (libxmlsec1 1.3.9, xmlsec1 1.2.37, pysaml2): the
//!   RSA-OAEP ones decrypt (those whose digest and MGF1 hash differ through OpenSSL, with the
//!   default `openssl-oaep` feature; without it they are refused naming the pair), rsa-1_5
//!   needs the danger opt-in, pysaml2's default 3DES is refused;
//! - libxmlsec1 1.3.9 (PyPI `xmlsec`, run by `tests/interop/xmlsec13_oaep.py`), which knows
//!   XML Encryption 1.1: it encrypts with every RSA-OAEP digest/MGF1 pair and we decrypt; we
//!   encrypt with every pair and it decrypts.
//!
//! xmlsec1 runs in a fresh directory under [`std::env::temp_dir`], removed afterwards (set
//! `SAML_INTEROP_KEEP=1` to keep it). Without xmlsec1 on `PATH` its tests print `SKIPPED` and
//! pass, except under `CI`, where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::crypto::{Certificate, CryptoError, DigestAlgorithm};
use saml_core::error::ErrorKind;
use saml_core::xml::{Document, NodeId};
use saml_core::xmlenc::{
    DataEncryption, DecryptionKey, DecryptionPolicy, EncryptionKey, KeyLocation, KeyTransport,
    Refusal, XmlencError, danger, decrypt, encrypt, encrypted_parts,
};

mod common;
use common::{Scratch, python_module_available, xmlsec1};

const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The assertion xmlsec1 and we encrypt: it declares its own namespace, so its plaintext
/// parses on its own.
const ASSERTION: &str = "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
    ID=\"_interop-a1\" Version=\"2.0\" IssueInstant=\"2024-01-01T00:00:00Z\"><saml:Issuer>\
    https://idp.example</saml:Issuer><saml:Subject><saml:NameID>alice@example.com</saml:NameID>\
    </saml:Subject></saml:Assertion>";
const NAME_ID: &str = "<saml:NameID>alice@example.com</saml:NameID>";
/// The Assertion inside the EncryptedAssertion of a Response (what pysaml2 hands xmlsec1).
const ASSERTION_XPATH: &str =
    "/*[local-name()='Response']/*[local-name()='EncryptedAssertion']/*[local-name()='Assertion']";
/// The test key pair of `crates/saml-core/testdata`.
const KEY: &str = "crates/saml-core/testdata/rsa2048.pk8.pem";
const CERT: &str = "crates/saml-core/testdata/rsa2048.cert.pem";
/// Another key, for the controls that must fail.
const OTHER_KEY: &str = "crates/saml-core/testdata/rsa3072.pk8.pem";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads a file under the workspace, panicking with its path on failure.
#[track_caller]
fn read(path: &str) -> Vec<u8> {
    let path = workspace().join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[track_caller]
fn read_text(path: &str) -> String {
    String::from_utf8(read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[track_caller]
fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[track_caller]
fn decryption_key(path: &str) -> DecryptionKey {
    DecryptionKey::from_pem(&read(path), Some(path)).unwrap_or_else(|e| panic!("{e}"))
}

#[track_caller]
fn certificate(path: &str) -> Certificate {
    Certificate::from_pem(&read(path), Some(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// The only `saml:EncryptedAssertion` of the document.
#[track_caller]
fn encrypted_assertion(doc: &Document<'_>) -> NodeId {
    let mut found = doc
        .descendants(doc.root_element())
        .filter(|&n| doc.is(n, ASSERTION_NS, "EncryptedAssertion"));
    let node = found.next().expect("an EncryptedAssertion");
    assert!(found.next().is_none(), "one EncryptedAssertion");
    node
}

/// Decrypts the EncryptedAssertion of `xml` with `keys`.
fn decrypt_response(
    xml: &str,
    keys: &[DecryptionKey],
    policy: &DecryptionPolicy,
) -> Result<Vec<u8>, XmlencError> {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("{e}"));
    decrypt(&doc, encrypted_assertion(&doc), keys, policy).map(|d| d.plaintext)
}

/// A Response holding `inner` in its EncryptedAssertion.
fn response(inner: &str) -> String {
    format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_interop-r1\" Version=\"2.0\" \
         IssueInstant=\"2024-01-01T00:00:00Z\"><saml:EncryptedAssertion>{inner}\
         </saml:EncryptedAssertion></samlp:Response>"
    )
}

/// Every data encryption algorithm with the `--session-key` xmlsec1 needs for it.
const SUITES: [(DataEncryption, &str); 6] = [
    (DataEncryption::Aes128Cbc, "aes-128"),
    (DataEncryption::Aes192Cbc, "aes-192"),
    (DataEncryption::Aes256Cbc, "aes-256"),
    (DataEncryption::Aes128Gcm, "aes-128"),
    (DataEncryption::Aes192Gcm, "aes-192"),
    (DataEncryption::Aes256Gcm, "aes-256"),
];

// ---------------------------------------------------------------------------------------------
// xmlsec1
// ---------------------------------------------------------------------------------------------

/// Runs an xmlsec1 command: whether it exited 0, and both output streams.
#[track_caller]
fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), output)
}

/// An xmlsec1 encryption template: `data` for the assertion, rsa-oaep-mgf1p for the CEK, the
/// EncryptedKey inside the EncryptedData's KeyInfo. `digest` adds the (optional) SHA-1
/// DigestMethod; `x509` asks xmlsec1 to name the recipient certificate.
fn template(data: DataEncryption, digest: bool, x509: bool) -> String {
    let digest = if digest {
        "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>"
    } else {
        ""
    };
    let x509 = if x509 {
        "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>"
    } else {
        ""
    };
    format!(
        "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" \
         Type=\"http://www.w3.org/2001/04/xmlenc#Element\">\n  <xenc:EncryptionMethod Algorithm=\"{}\"/>\n  \
         <ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\n    <xenc:EncryptedKey>\n      \
         <xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\">{digest}</xenc:EncryptionMethod>\n      \
         {x509}<xenc:CipherData><xenc:CipherValue/></xenc:CipherData>\n    </xenc:EncryptedKey>\n  </ds:KeyInfo>\n  \
         <xenc:CipherData><xenc:CipherValue/></xenc:CipherData>\n</xenc:EncryptedData>\n",
        data.uri()
    )
}

// ---------------------------------------------------------------------------------------------
// 1. xmlsec1 encrypts, we decrypt
// ---------------------------------------------------------------------------------------------

#[test]
fn xmlsec1_encrypts_we_decrypt() {
    let Some(xmlsec) = xmlsec1() else { return };
    let scratch = Scratch::new("xmlsec-encrypts");
    let doc = scratch.file("doc.xml");
    write(&doc, &response(ASSERTION));
    let keys = [decryption_key(KEY)];
    let wrong = [decryption_key(OTHER_KEY)];
    let policy = DecryptionPolicy::default();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (data, session) in SUITES {
        for (digest, x509) in [(true, false), (false, true)] {
            cases += 1;
            let case = format!("{data} rsa-oaep-mgf1p (DigestMethod {digest}, X509Data {x509})");
            let tmpl = scratch.file("tmpl.xml");
            let out = scratch.file("enc.xml");
            write(&tmpl, &template(data, digest, x509));
            let (ok, output) = run(Command::new(&xmlsec)
                .args(["--encrypt", "--pubkey-cert-pem"])
                .arg(workspace().join(CERT))
                .args(["--session-key", session, "--xml-data"])
                .arg(&doc)
                .args(["--node-xpath", ASSERTION_XPATH, "--output"])
                .arg(&out)
                .arg(&tmpl));
            if !ok {
                failures.push(format!("{case}: xmlsec1 --encrypt failed:\n{output}"));
                continue;
            }
            let xml = std::fs::read_to_string(&out).unwrap_or_default();
            let parsed = Document::parse(&xml).unwrap_or_else(|e| panic!("{case}: {e}"));
            let parts = encrypted_parts(&parsed, encrypted_assertion(&parsed))
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(
                (parts.data, parts.key_transport, parts.key_location),
                (data, KeyTransport::default(), KeyLocation::KeyInfo),
                "{case}"
            );
            match decrypt_response(&xml, &keys, &policy) {
                Ok(plaintext) => {
                    let text = String::from_utf8_lossy(&plaintext);
                    // libxml2 wrote the plaintext: the same element, serialized by it.
                    if !(text.starts_with("<saml:Assertion") && text.contains(NAME_ID)) {
                        failures.push(format!("{case}: unexpected plaintext {text}"));
                    } else if let Err(e) = Document::parse(&text) {
                        failures.push(format!("{case}: the plaintext does not parse: {e}"));
                    }
                }
                Err(e) => failures.push(format!("{case}: we cannot decrypt: {e}\n{xml}")),
            }
            // Control: the wrong key fails, and with the one error kind.
            match decrypt_response(&xml, &wrong, &policy) {
                Err(e) if e.kind() == ErrorKind::DecryptionFailed => {}
                other => failures.push(format!("{case}: the wrong key gave {other:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("xmlsec1 encrypts, we decrypt: {cases} cases passed");
}

// ---------------------------------------------------------------------------------------------
// 2. We encrypt, xmlsec1 decrypts
// ---------------------------------------------------------------------------------------------

#[test]
fn we_encrypt_xmlsec1_decrypts() {
    let Some(xmlsec) = xmlsec1() else { return };
    let scratch = Scratch::new("we-encrypt");
    let with_cert = EncryptionKey::from_certificate(&certificate(CERT)).unwrap();
    let bare = EncryptionKey::from_public_key(certificate(CERT).public_key()).unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (data, _) in SUITES {
        for (key, named) in [(&with_cert, "with"), (&bare, "without")] {
            cases += 1;
            let case = format!("{data} rsa-oaep-mgf1p, {named} certificate");
            let encrypted =
                encrypt(ASSERTION.as_bytes(), key, data, KeyTransport::default()).unwrap();
            let input = scratch.file("enc.xml");
            let out = scratch.file("dec.xml");
            write(&input, &response(&encrypted));
            let decrypt_with = |key: &str| {
                run(Command::new(&xmlsec)
                    .args(["--decrypt", "--privkey-pem"])
                    .arg(workspace().join(key))
                    .arg("--output")
                    .arg(&out)
                    .arg(&input))
            };
            let (ok, output) = decrypt_with(KEY);
            let decrypted = std::fs::read_to_string(&out).unwrap_or_default();
            let _ = std::fs::remove_file(&out);
            if !ok {
                failures.push(format!("{case}: xmlsec1 --decrypt failed:\n{output}"));
            } else if !(decrypted.contains("ID=\"_interop-a1\"") && decrypted.contains(NAME_ID))
                || decrypted.contains("EncryptedData")
            {
                failures.push(format!("{case}: xmlsec1 decrypted to\n{decrypted}"));
            }
            // Control: xmlsec1 with another key fails.
            let (ok, _) = decrypt_with(OTHER_KEY);
            let _ = std::fs::remove_file(&out);
            if ok {
                failures.push(format!("{case}: xmlsec1 decrypted with the wrong key"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("we encrypt, xmlsec1 decrypts: {cases} cases passed");
}

// ---------------------------------------------------------------------------------------------
// 3. Real IdP captures
// ---------------------------------------------------------------------------------------------

const SHIBBOLETH: &str =
    "tests/vectors/saml/valid/shibboleth-testshib-2014-response-encassertion-signed.xml";
const SHIBBOLETH_KEY: &str = "tests/vectors/keys/testshib-sp-encryption-key.pem";

#[test]
fn shibboleth_testshib_2014_response_encassertion_signed() {
    let xml = read_text(SHIBBOLETH);
    let key = decryption_key(SHIBBOLETH_KEY);
    assert_eq!(key.bits(), 4096); // a PKCS#1 `RSA PRIVATE KEY`
    let doc = Document::parse(&xml).unwrap();
    let container = encrypted_assertion(&doc);
    let parts = encrypted_parts(&doc, container).unwrap();
    assert_eq!(parts.data, DataEncryption::Aes128Cbc);
    assert_eq!(
        parts.key_transport,
        KeyTransport::RsaOaepMgf1p {
            digest: DigestAlgorithm::Sha1
        }
    );
    assert_eq!(parts.key_location, KeyLocation::KeyInfo);
    assert_eq!(
        parts.encrypted_data_id.as_deref(),
        Some("_fbb14743510a6292f8750efde39ba726")
    );
    // The certificate in the EncryptedKey names this key.
    assert_eq!(parts.key_spki_sha256, Some(key.spki_sha256()));
    assert!(parts.key_certificate_sha256.is_some());

    let out = decrypt(
        &doc,
        container,
        std::slice::from_ref(&key),
        &DecryptionPolicy::default(),
    )
    .unwrap();
    assert_eq!((out.data, out.key_index), (DataEncryption::Aes128Cbc, 0));
    let text = String::from_utf8(out.plaintext).unwrap();
    assert!(text.starts_with("<saml2:Assertion "), "{text}");
    assert!(text.ends_with("</saml2:Assertion>"), "{text}");
    assert!(
        text.contains(">_32990a6fe34e615a7657a8fe2056d885</saml2:NameID>"),
        "{text}"
    );
    // It declares its own namespace, so it parses on its own.
    let assertion = Document::parse(&text).unwrap();
    assert!(assertion.is(assertion.root_element(), ASSERTION_NS, "Assertion"));
}

const OKTA: &str = "tests/vectors/saml/valid/okta-2020-response-signed-encassertion-signed.xml.b64";
const OKTA_KEY: &str = "tests/vectors/keys/crewjam-sp-key.pem";

#[test]
fn okta_2020_response_signed_encassertion_signed() {
    let text: Vec<u8> = read(OKTA)
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let xml = String::from_utf8(STANDARD.decode(text).unwrap()).unwrap();
    let doc = Document::parse(&xml).unwrap();
    let parts = encrypted_parts(&doc, encrypted_assertion(&doc)).unwrap();
    // Okta detaches the EncryptedKey: a sibling named by a RetrievalMethod, whose
    // ReferenceList names the EncryptedData too.
    assert_eq!(
        parts.key_location,
        KeyLocation::RetrievalMethod {
            id: "_7d1c58ad423a7b43817bdaf1e9db4d4f".to_owned()
        }
    );
    assert_eq!(parts.data, DataEncryption::Aes256Cbc);
    assert_eq!(parts.key_transport, KeyTransport::default());
    // Its SP key has 1024 bits: aws-lc-rs decrypts with 2048 to 8192 only, and says so.
    let err = DecryptionKey::from_pem(&read(OKTA_KEY), Some("crewjam-sp-key.pem")).unwrap_err();
    assert!(matches!(err, CryptoError::InvalidKey { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("crewjam-sp-key.pem") && message.contains("1024 bits"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// libxmlsec1 1.3 (PyPI xmlsec): every RSA-OAEP digest/MGF1 pair, both ways
// ---------------------------------------------------------------------------------------------

/// Runs `tests/interop/xmlsec13_oaep.py` with `args`; its standard output.
#[track_caller]
fn xmlsec13(args: &[&std::ffi::OsStr]) -> String {
    let mut cmd = Command::new("python3");
    cmd.arg(workspace().join("tests/interop/xmlsec13_oaep.py"))
        .args(args);
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "xmlsec13_oaep.py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

const HASHES: [(DigestAlgorithm, &str); 4] = [
    (DigestAlgorithm::Sha1, "sha1"),
    (DigestAlgorithm::Sha256, "sha256"),
    (DigestAlgorithm::Sha384, "sha384"),
    (DigestAlgorithm::Sha512, "sha512"),
];

/// libxmlsec1 1.3.9 encrypts with `rsa-oaep` and every DigestMethod/MGF pair (and the default
/// MGF, and `rsa-oaep-mgf1p` with SHA-256), and we decrypt each; we encrypt with every pair and
/// it decrypts each. Controls: a ciphertext whose declared MGF was changed, and one for another
/// key, fail in libxmlsec1, so its "ok" is not a default.
#[test]
fn xmlsec13_every_oaep_pair_both_ways() {
    if !python_module_available("xmlsec, lxml", "xmlsec") {
        return;
    }
    let scratch = Scratch::new("xmlsec13-oaep");
    let (cert, key) = (workspace().join(CERT), workspace().join(KEY));

    // libxmlsec1 encrypts, we decrypt.
    let listing = xmlsec13(&[
        "encrypt".as_ref(),
        cert.as_os_str(),
        scratch.path().as_os_str(),
    ]);
    let mut lines = listing.lines();
    assert_eq!(lines.next(), Some("libxmlsec1 1.3.9"), "{listing}");
    let names: Vec<&str> = lines.collect();
    assert_eq!(names.len(), 18, "{listing}");
    for name in &names {
        let path = scratch.file(&format!("{name}.xml"));
        let xml =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mixed = !(name.starts_with("oaep-sha1-mgf1sha1")
            || name.starts_with("oaep-sha256-mgf1sha256")
            || name.starts_with("oaep-sha384-mgf1sha384")
            || name.starts_with("oaep-sha512-mgf1sha512"));
        let result = decrypt_response(&xml, &[decryption_key(KEY)], &DecryptionPolicy::default());
        if mixed && cfg!(not(feature = "openssl-oaep")) {
            let err = result.expect_err(name);
            assert_eq!(err.kind(), ErrorKind::AlgorithmNotAllowed, "{name}: {err}");
            continue;
        }
        let text = String::from_utf8(result.unwrap_or_else(|e| panic!("{name}: {e}"))).unwrap();
        let id = format!("ID=\"_{}\"", name.replace('-', "_"));
        assert!(text.contains(&id), "{name}: {text}");
        // The wrong key is one decryption_failed here too.
        let wrong = decrypt_response(
            &xml,
            &[decryption_key(OTHER_KEY)],
            &DecryptionPolicy::default(),
        )
        .expect_err("wrong key");
        assert_eq!(wrong.kind(), ErrorKind::DecryptionFailed, "{name}");
    }

    // We encrypt, libxmlsec1 decrypts.
    let sp = EncryptionKey::from_certificate(&certificate(CERT)).expect("RSA certificate");
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for (digest, d) in HASHES {
        for (mgf, m) in HASHES {
            let transport = KeyTransport::RsaOaep { digest, mgf };
            if !transport.is_supported() {
                continue;
            }
            let id = format!("_ours_{d}_{m}");
            let assertion = ASSERTION.replace("_interop-a1", &id);
            let encrypted = encrypt(
                assertion.as_bytes(),
                &sp,
                DataEncryption::Aes256Gcm,
                transport,
            )
            .expect("encrypt");
            let path = scratch.file(&format!("ours-{d}-{m}.xml"));
            write(&path, &response(&encrypted));
            files.push(path.clone());
            expected.push((path, Some(id)));
        }
    }
    let want = if cfg!(feature = "openssl-oaep") {
        16
    } else {
        4
    };
    assert_eq!(files.len(), want);
    // Control 1: SHA-256/MGF1-SHA-1 declared as MGF1-SHA-256.
    let transport = KeyTransport::RsaOaep {
        digest: DigestAlgorithm::Sha256,
        mgf: DigestAlgorithm::Sha256,
    };
    let encrypted = encrypt(
        ASSERTION.as_bytes(),
        &sp,
        DataEncryption::Aes256Gcm,
        transport,
    )
    .expect("encrypt");
    let lying = encrypted.replace("xmlenc11#mgf1sha256", "xmlenc11#mgf1sha1");
    assert_ne!(lying, encrypted);
    let path = scratch.file("control-declared-mgf.xml");
    write(&path, &response(&lying));
    files.push(path.clone());
    expected.push((path, None));
    // Control 2: encrypted to another key.
    let other =
        EncryptionKey::from_certificate(&certificate("crates/saml-core/testdata/rsa3072.cert.pem"))
            .expect("RSA certificate");
    let encrypted = encrypt(
        ASSERTION.as_bytes(),
        &other,
        DataEncryption::Aes256Gcm,
        KeyTransport::default(),
    )
    .expect("encrypt");
    let path = scratch.file("control-other-key.xml");
    write(&path, &response(&encrypted));
    files.push(path.clone());
    expected.push((path, None));

    let mut args: Vec<&std::ffi::OsStr> = vec!["decrypt".as_ref(), key.as_os_str()];
    args.extend(files.iter().map(|p| p.as_os_str()));
    let report = xmlsec13(&args);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{report}");
    for (line, (path, id)) in lines.iter().zip(&expected) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.first().copied(), path.to_str(), "{report}");
        match id {
            Some(id) => assert_eq!(fields[1..], ["ok", id.as_str()], "{line}"),
            None => assert_eq!(fields.get(1).copied(), Some("failed"), "{line}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. tests/vectors/xmlenc
// ---------------------------------------------------------------------------------------------

const VECTOR_KEY: &str = "tests/vectors/xmlenc/sp-key.pem";

/// Decrypts `tests/vectors/xmlenc/<name>.xml` with its key and `policy`.
fn vector(name: &str, policy: &DecryptionPolicy) -> Result<Vec<u8>, XmlencError> {
    let xml = read_text(&format!("tests/vectors/xmlenc/{name}.xml"));
    decrypt_response(&xml, &[decryption_key(VECTOR_KEY)], policy)
}

/// The vector decrypts to the assertion `_a1` (or `_a2` for the `rust-*` ones).
#[track_caller]
fn decrypts(name: &str, id: &str) {
    let plaintext = vector(name, &DecryptionPolicy::default()).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8(plaintext).unwrap();
    assert!(text.starts_with("<saml:Assertion "), "{text}");
    assert!(text.contains(&format!("ID=\"{id}\"")), "{text}");
    assert!(text.ends_with("</saml:Assertion>"), "{text}");
}

/// The vector is refused for `uri`, with `reason`, and the message names the pair.
#[track_caller]
fn refused(name: &str, uri: &str, reason: Refusal) {
    match vector(name, &DecryptionPolicy::default()) {
        Err(e @ XmlencError::AlgorithmNotAllowed { .. }) => {
            assert_eq!(e.kind(), ErrorKind::AlgorithmNotAllowed);
            assert_eq!(e.kind().as_str(), "algorithm_not_allowed");
            let message = e.to_string();
            if let Refusal::OaepPair { digest, mgf } = &reason {
                assert!(
                    message.contains(&format!("digest {digest} and mask generation MGF1-{mgf}")),
                    "{message}"
                );
            }
            let XmlencError::AlgorithmNotAllowed { uri: u, reason: r } = e else {
                unreachable!()
            };
            assert_eq!((u.as_str(), r), (uri, reason), "{message}");
        }
        other => panic!("{name}: expected AlgorithmNotAllowed, got {other:?}"),
    }
}

const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";

/// A digest and MGF1 hash that differ: decrypted by OpenSSL with the `openssl-oaep` feature
/// (the default), refused by name without it.
#[test]
fn v1_aes256gcm_oaep11_sha256_mgf1sha1() {
    if cfg!(feature = "openssl-oaep") {
        decrypts("v1-aes256gcm-oaep11-sha256-mgf1sha1", "_a1");
    } else {
        let reason = Refusal::OaepPair {
            digest: "SHA-256",
            mgf: "SHA-1",
        };
        refused("v1-aes256gcm-oaep11-sha256-mgf1sha1", RSA_OAEP, reason);
    }
}

#[test]
fn v2_aes128gcm_oaep11_sha256_mgf1sha256() {
    decrypts("v2-aes128gcm-oaep11-sha256-mgf1sha256", "_a1");
}

#[test]
fn v3_aes192gcm_mgf1p_sha1() {
    decrypts("v3-aes192gcm-mgf1p-sha1", "_a1");
}

#[test]
fn v4_aes192cbc_oaep11_sha512_mgf1sha512_label() {
    decrypts("v4-aes192cbc-oaep11-sha512-mgf1sha512-label", "_a1");
}

/// A digest and MGF1 hash that differ: decrypted by OpenSSL with the `openssl-oaep` feature
/// (the default), refused by name without it.
#[test]
fn v5_aes256cbc_mgf1p_sha256() {
    if cfg!(feature = "openssl-oaep") {
        decrypts("v5-aes256cbc-mgf1p-sha256", "_a1");
    } else {
        let reason = Refusal::OaepPair {
            digest: "SHA-256",
            mgf: "SHA-1",
        };
        refused("v5-aes256cbc-mgf1p-sha256", RSA_OAEP_MGF1P, reason);
    }
}

#[test]
fn v6_aes128cbc_oaep11_nodigest() {
    decrypts("v6-aes128cbc-oaep11-nodigest", "_a1");
}

#[test]
fn v7_aes128cbc_rsa15() {
    let uri = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
    refused("v7-aes128cbc-rsa15", uri, Refusal::Rsa1_5);
    let mut policy = DecryptionPolicy::default();
    danger::allow_rsa1_5(&mut policy);
    let text = String::from_utf8(vector("v7-aes128cbc-rsa15", &policy).unwrap()).unwrap();
    assert!(text.starts_with("<saml:Assertion ID=\"_a1\""), "{text}");
}

/// A digest and MGF1 hash that differ: decrypted by OpenSSL with the `openssl-oaep` feature
/// (the default), refused by name without it.
#[test]
fn v8_aes256gcm_oaep11_sha1_mgf1sha256() {
    if cfg!(feature = "openssl-oaep") {
        decrypts("v8-aes256gcm-oaep11-sha1-mgf1sha256", "_a1");
    } else {
        let reason = Refusal::OaepPair {
            digest: "SHA-1",
            mgf: "SHA-256",
        };
        refused("v8-aes256gcm-oaep11-sha1-mgf1sha256", RSA_OAEP, reason);
    }
}

#[test]
fn v9_aes128cbc_mgf1p_xmlsec1cli() {
    decrypts("v9-aes128cbc-mgf1p-xmlsec1cli", "_a1");
    // The recipient certificate in the EncryptedKey is the vectors' SP certificate.
    let xml = read_text("tests/vectors/xmlenc/v9-aes128cbc-mgf1p-xmlsec1cli.xml");
    let doc = Document::parse(&xml).unwrap();
    let parts = encrypted_parts(&doc, encrypted_assertion(&doc)).unwrap();
    let cert = certificate("tests/vectors/xmlenc/sp-cert.pem");
    assert_eq!(
        parts.key_certificate_sha256,
        Some(cert.fingerprint_sha256())
    );
    assert!(decryption_key(VECTOR_KEY).fits(&cert));
}

#[test]
fn v10_aes256gcm_mgf1p_xmlsec1cli() {
    decrypts("v10-aes256gcm-mgf1p-xmlsec1cli", "_a1");
}

#[test]
fn v11_3des_mgf1p_pysaml2() {
    let uri = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc";
    refused("v11-3des-mgf1p-pysaml2", uri, Refusal::TripleDes);
}

#[test]
fn rust_aes256_gcm() {
    decrypts("rust-aes256-gcm", "_a2");
}

#[test]
fn rust_aes128_cbc() {
    decrypts("rust-aes128-cbc", "_a2");
}
