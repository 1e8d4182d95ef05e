//! Unit tests of XML Encryption: round trips, the no-oracle failures, refused algorithms, the
//! three places of the EncryptedKey, and the structure checks.

use std::sync::OnceLock;

use aws_lc_rs::cipher::{
    AES_128, EncryptingKey, EncryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey,
};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{
    self, KeySize, OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, Pkcs1PublicEncryptingKey,
    PrivateDecryptingKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::crypto::cert::tests::testdata;
use crate::crypto::{CryptoError, PublicKey};
use crate::error::ErrorKind;

const ASSERTION: &str = "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
    ID=\"_a1\" Version=\"2.0\" IssueInstant=\"2024-01-01T00:00:00Z\"><saml:Issuer>\
    https://idp.example</saml:Issuer><saml:Subject><saml:NameID>alice@example.com</saml:NameID>\
    </saml:Subject></saml:Assertion>";
const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// The test RSA-2048 key (testdata/rsa2048.*).
fn key2048() -> &'static DecryptionKey {
    static KEY: OnceLock<DecryptionKey> = OnceLock::new();
    KEY.get_or_init(|| DecryptionKey::from_pem(&testdata("rsa2048.pk8.pem"), None).unwrap())
}

fn cert2048() -> Certificate {
    Certificate::from_pem(&testdata("rsa2048.cert.pem"), None).unwrap()
}

fn key3072() -> &'static DecryptionKey {
    static KEY: OnceLock<DecryptionKey> = OnceLock::new();
    KEY.get_or_init(|| DecryptionKey::from_pem(&testdata("rsa3072.pk8.pem"), None).unwrap())
}

/// Another RSA-2048 key, made for this run: the wrong key of the right size.
fn other2048() -> DecryptionKey {
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    let der = DER.get_or_init(|| {
        let key = PrivateDecryptingKey::generate(KeySize::Rsa2048).unwrap();
        let der: Pkcs8V1Der<'static> = key.as_der().unwrap();
        der.as_ref().to_vec()
    });
    DecryptionKey::from_der(der, Some("generated")).unwrap()
}

fn encryption_key() -> EncryptionKey {
    EncryptionKey::from_certificate(&cert2048()).unwrap()
}

/// The aws-lc-rs public key of testdata/rsa2048, to wrap CEKs by hand.
fn public2048() -> rsa::PublicEncryptingKey {
    PrivateDecryptingKey::from_pkcs8(&testdata("rsa2048.pk8.der"))
        .unwrap()
        .public_key()
}

/// `encrypted` (an EncryptedData and maybe EncryptedKeys) in an EncryptedAssertion that
/// declares the xenc, ds and xenc11 prefixes too (for EncryptedKeys moved out of the
/// EncryptedData).
fn container(encrypted: &str) -> String {
    format!(
        "<saml:EncryptedAssertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
         xmlns:xenc=\"{XENC}\" xmlns:ds=\"{DS}\" xmlns:xenc11=\"{XENC11}\">{encrypted}\
         </saml:EncryptedAssertion>"
    )
}

/// Decrypts the EncryptedAssertion that is the document element of `xml`.
#[track_caller]
fn decrypt_xml(
    xml: &str,
    keys: &[DecryptionKey],
    policy: &DecryptionPolicy,
) -> Result<Decrypted, XmlencError> {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    decrypt(&doc, doc.root_element(), keys, policy)
}

fn parts_xml(xml: &str) -> Result<EncryptedParts, XmlencError> {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    encrypted_parts(&doc, doc.root_element())
}

/// Decrypts with the test key and the default policy.
#[track_caller]
fn decrypt_default(xml: &str) -> Result<Decrypted, XmlencError> {
    decrypt_xml(
        xml,
        std::slice::from_ref(key2048()),
        &DecryptionPolicy::default(),
    )
}

/// An EncryptedData in the shape `encrypt` writes, from its parts: the data algorithm URI,
/// the key transport `EncryptionMethod` (algorithm URI and children), the wrapped key and the
/// data CipherValue.
fn encrypted_data(data_uri: &str, key_method: &str, wrapped: &[u8], cipher_value: &[u8]) -> String {
    format!(
        "<xenc:EncryptedData Type=\"{XENC}Element\"><xenc:EncryptionMethod Algorithm=\"{data_uri}\"/>\
         <ds:KeyInfo><xenc:EncryptedKey>{key_method}<xenc:CipherData><xenc:CipherValue>{}\
         </xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData>\
         <xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>",
        STANDARD.encode(wrapped),
        STANDARD.encode(cipher_value)
    )
}

/// `<xenc:EncryptionMethod>` for rsa-oaep-mgf1p with SHA-1.
fn mgf1p_method() -> String {
    format!(
        "<xenc:EncryptionMethod Algorithm=\"{XENC}rsa-oaep-mgf1p\"><ds:DigestMethod \
         Algorithm=\"{DS}sha1\"/></xenc:EncryptionMethod>"
    )
}

/// `cek` wrapped to testdata/rsa2048 with RSA-OAEP SHA-1/MGF1-SHA-1.
fn wrap_oaep(cek: &[u8], label: Option<&[u8]>) -> Vec<u8> {
    let key = OaepPublicEncryptingKey::new(public2048()).unwrap();
    let mut out = vec![0u8; key.ciphertext_size()];
    key.encrypt(&OAEP_SHA1_MGF1SHA1, cek, &mut out, label)
        .unwrap()
        .to_vec()
}

/// `cek` wrapped to testdata/rsa2048 with RSA PKCS#1 v1.5.
fn wrap_pkcs1(cek: &[u8]) -> Vec<u8> {
    let key = Pkcs1PublicEncryptingKey::new(public2048()).unwrap();
    let mut out = vec![0u8; key.ciphertext_size()];
    key.encrypt(cek, &mut out).unwrap().to_vec()
}

/// Raw AES-128-CBC (no padding added) of `blocks` under `cek` with a fixed IV: IV || ciphertext.
fn raw_cbc(cek: &[u8], blocks: &[u8]) -> Vec<u8> {
    let iv = [7u8; 16];
    let key = EncryptingKey::cbc(UnboundCipherKey::new(&AES_128, cek).unwrap()).unwrap();
    let mut buf = blocks.to_vec();
    key.less_safe_encrypt(&mut buf, EncryptionContext::Iv128(FixedLength::from(iv)))
        .unwrap();
    [iv.as_slice(), &buf].concat()
}

/// Replaces exactly one occurrence of `from` in `text`.
#[track_caller]
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` in {text}");
    text.replacen(from, to, 1)
}

/// The base64 text of the `n`-th CipherValue (0: the EncryptedKey's, 1: the data's).
fn cipher_value_text(xml: &str, n: usize) -> &str {
    let start = xml.match_indices("<xenc:CipherValue>").nth(n).unwrap().0 + 18;
    let end = start + xml[start..].find("</xenc:CipherValue>").unwrap();
    &xml[start..end]
}

/// `xml` with one bit of the `n`-th CipherValue flipped at byte `at` (negative: from the end).
fn tamper(xml: &str, n: usize, at: isize) -> String {
    tamper_with(xml, n, at, 0x01)
}

/// `xml` with the byte `at` of the `n`-th CipherValue XOR-ed with `mask`.
fn tamper_with(xml: &str, n: usize, at: isize, mask: u8) -> String {
    let text = cipher_value_text(xml, n);
    let mut bytes = STANDARD.decode(text).unwrap();
    let i = if at < 0 {
        bytes.len() - at.unsigned_abs()
    } else {
        at.unsigned_abs()
    };
    bytes[i] ^= mask;
    replace_once(xml, text, &STANDARD.encode(bytes))
}

#[track_caller]
fn assert_decryption_failed(result: Result<Decrypted, XmlencError>, case: &str) {
    match result {
        Err(e @ XmlencError::DecryptionFailed) => {
            assert_eq!(e.kind(), ErrorKind::DecryptionFailed, "{case}");
            assert_eq!(e.kind(), "decryption_failed", "{case}");
            assert_eq!(
                e.to_string(),
                XmlencError::DecryptionFailed.to_string(),
                "{case}"
            );
        }
        other => panic!("{case}: expected DecryptionFailed, got {other:?}"),
    }
}

#[track_caller]
fn assert_not_allowed(result: Result<Decrypted, XmlencError>, uri: &str, reason: &Refusal) {
    match result {
        Err(e @ XmlencError::AlgorithmNotAllowed { .. }) => {
            assert_eq!(e.kind(), ErrorKind::AlgorithmNotAllowed);
            let XmlencError::AlgorithmNotAllowed { uri: u, reason: r } = &e else {
                unreachable!()
            };
            assert_eq!((u.as_str(), r), (uri, reason), "{e}");
        }
        other => panic!("expected AlgorithmNotAllowed `{uri}`, got {other:?}"),
    }
}

#[track_caller]
fn assert_malformed(result: Result<impl std::fmt::Debug, XmlencError>) -> XmlencError {
    match result {
        Err(e) if e.is_malformed() && e.kind() == ErrorKind::MalformedEncryptedData => e,
        other => panic!("expected malformed_encrypted_data, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

#[test]
fn every_key_form_loads_to_the_same_key_and_fits_its_certificate() {
    let forms = [
        DecryptionKey::from_pem(&testdata("rsa2048.pk8.pem"), None).unwrap(),
        DecryptionKey::from_pem(&testdata("rsa2048.pkcs1.pem"), None).unwrap(),
        DecryptionKey::from_der(&testdata("rsa2048.pk8.der"), None).unwrap(),
        DecryptionKey::from_der(&testdata("rsa2048.pkcs1.der"), None).unwrap(),
    ];
    for key in &forms {
        assert_eq!(key.bits(), 2048);
        assert_eq!(key.spki_sha256(), forms[0].spki_sha256());
        assert!(key.fits(&cert2048()));
        assert!(!key.fits(&Certificate::from_pem(&testdata("rsa3072.cert.pem"), None).unwrap()));
    }
    assert!(!forms[0].fits(&Certificate::from_pem(&testdata("p256.cert.pem"), None).unwrap()));
    assert_eq!(key3072().bits(), 3072);
    // The SPKI digest is the SHA-256 of the DER SubjectPublicKeyInfo, as openssl writes it.
    let spki_pem = testdata("rsa2048.spki.pem");
    let spki_text = String::from_utf8(spki_pem).unwrap();
    let body: String = spki_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let spki = STANDARD.decode(body).unwrap();
    assert_eq!(
        forms[0].spki_sha256().as_slice(),
        DigestAlgorithm::Sha256.digest(&spki).as_ref()
    );
    // Never prints key material.
    assert!(format!("{:?}", forms[0]).starts_with("DecryptionKey { bits: 2048"));
}

#[test]
fn small_keys_are_refused_naming_their_size() {
    let err =
        DecryptionKey::from_pem(&testdata("rsa1024.pk8.pem"), Some("sp-old.pem")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("sp-old.pem") && message.contains("1024 bits"),
        "{message}"
    );
    let public = PublicKey::from_pem(&testdata("rsa1024.spki.pem"), None).unwrap();
    assert!(matches!(
        EncryptionKey::from_public_key(&public),
        Err(CryptoError::RsaKeyTooSmall {
            bits: 1024,
            min: 2048
        })
    ));
    // Not RSA at all.
    assert!(matches!(
        DecryptionKey::from_pem(&testdata("p256.pk8.pem"), None),
        Err(CryptoError::UnsupportedKey { .. })
    ));
    assert!(matches!(
        EncryptionKey::from_certificate(
            &Certificate::from_pem(&testdata("p256.cert.pem"), None).unwrap()
        ),
        Err(CryptoError::UnsupportedKey { .. })
    ));
    assert!(matches!(
        DecryptionKey::from_der(b"\x30\x03\x02\x01\x00", None),
        Err(CryptoError::InvalidEncoding { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

/// Every key transport aws-lc-rs runs (the four same-hash OAEP pairs, in both forms).
fn transports() -> Vec<KeyTransport> {
    use DigestAlgorithm as D;
    let mut all = vec![KeyTransport::default()];
    for d in [D::Sha1, D::Sha256, D::Sha384, D::Sha512] {
        all.push(KeyTransport::RsaOaep { digest: d, mgf: d });
    }
    all
}

#[test]
fn round_trip_every_data_algorithm_and_key_transport() {
    let key = encryption_key();
    for &data in DataEncryption::ALL {
        for transport in transports() {
            let case = format!("{data} / {transport}");
            let xml = container(&encrypt(ASSERTION.as_bytes(), &key, data, transport).unwrap());
            let out = decrypt_default(&xml).unwrap_or_else(|e| panic!("{case}: {e}\n{xml}"));
            assert_eq!(out.plaintext, ASSERTION.as_bytes(), "{case}");
            assert_eq!(
                (out.data, out.key_transport, out.key_index),
                (data, transport, 0)
            );
            let parts = parts_xml(&xml).unwrap();
            assert_eq!(
                (parts.data, parts.key_transport),
                (data, transport),
                "{case}"
            );
        }
    }
}

#[test]
fn round_trip_every_plaintext_length_around_the_block_size() {
    let key = encryption_key();
    for &data in DataEncryption::ALL {
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 100] {
            let plaintext: Vec<u8> = (b'a'..=b'z').cycle().take(len).collect();
            let xml = container(&encrypt(&plaintext, &key, data, KeyTransport::default()).unwrap());
            let out = decrypt_default(&xml).unwrap_or_else(|e| panic!("{data} {len}: {e}"));
            assert_eq!(out.plaintext, plaintext, "{data} {len}");
        }
    }
}

#[test]
fn encrypt_output_stands_alone_and_names_the_certificate() {
    let cert = cert2048();
    let out = encrypt(
        ASSERTION.as_bytes(),
        &encryption_key(),
        DataEncryption::Aes256Gcm,
        KeyTransport::RsaOaep {
            digest: DigestAlgorithm::Sha256,
            mgf: DigestAlgorithm::Sha256,
        },
    )
    .unwrap();
    // It parses on its own: every prefix is declared on the EncryptedData.
    let doc = Document::parse(&out).unwrap();
    assert!(doc.is(doc.root_element(), XENC, "EncryptedData"));
    assert!(out.contains(&format!("<xenc11:MGF Algorithm=\"{XENC11}mgf1sha256\"/>")));
    assert!(out.contains(&format!("<ds:DigestMethod Algorithm=\"{SHA256}\"/>")));
    // In a container without those declarations it decrypts, and inspect names the key.
    let xml = format!(
        "<saml:EncryptedAssertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">{out}</saml:EncryptedAssertion>"
    );
    assert_eq!(
        decrypt_default(&xml).unwrap().plaintext,
        ASSERTION.as_bytes()
    );
    let parts = parts_xml(&xml).unwrap();
    assert_eq!(
        parts.key_certificate_sha256,
        Some(cert.fingerprint_sha256())
    );
    assert_eq!(parts.key_spki_sha256, Some(key2048().spki_sha256()));
    assert_eq!(parts.key_location, KeyLocation::KeyInfo);
    assert!(!parts.oaep_label);
    // Without a certificate, no KeyInfo in the EncryptedKey.
    let bare = EncryptionKey::from_public_key(cert.public_key()).unwrap();
    let out = encrypt(
        b"<a/>",
        &bare,
        DataEncryption::Aes128Gcm,
        KeyTransport::default(),
    )
    .unwrap();
    assert_eq!(out.matches("<ds:KeyInfo>").count(), 1);
    assert_eq!(
        parts_xml(&container(&out)).unwrap().key_certificate_sha256,
        None
    );
}

#[test]
fn key_rollover_tries_every_key() {
    let xml = container(
        &encrypt(
            ASSERTION.as_bytes(),
            &encryption_key(),
            DataEncryption::Aes128Gcm,
            KeyTransport::default(),
        )
        .unwrap(),
    );
    let policy = DecryptionPolicy::default();
    let load = |name: &str| DecryptionKey::from_pem(&testdata(name), None).unwrap();
    let keys = [load("rsa3072.pk8.pem"), load("rsa2048.pk8.pem")];
    let out = decrypt_xml(&xml, &keys, &policy).unwrap();
    assert_eq!(
        (out.plaintext.as_slice(), out.key_index),
        (ASSERTION.as_bytes(), 1)
    );
    let keys = [load("rsa2048.pk8.pem"), load("rsa3072.pk8.pem")];
    assert_eq!(decrypt_xml(&xml, &keys, &policy).unwrap().key_index, 0);
    // A clone is the same key.
    let keys = [key3072().clone(), key2048().clone()];
    assert_eq!(decrypt_xml(&xml, &keys, &policy).unwrap().key_index, 1);
    assert!(matches!(
        decrypt_xml(&xml, &[], &policy),
        Err(XmlencError::NoDecryptionKeys)
    ));
}

// ---------------------------------------------------------------------------------------------
// No decryption oracle: every cryptographic failure is the same DecryptionFailed
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_key_fails_alike_whatever_its_size() {
    let xml = container(
        &encrypt(
            ASSERTION.as_bytes(),
            &encryption_key(),
            DataEncryption::Aes256Gcm,
            KeyTransport::default(),
        )
        .unwrap(),
    );
    let policy = DecryptionPolicy::default();
    let other = other2048();
    assert_decryption_failed(decrypt_xml(&xml, &[other], &policy), "other 2048-bit key");
    let key = DecryptionKey::from_pem(&testdata("rsa3072.pk8.pem"), None).unwrap();
    assert_decryption_failed(decrypt_xml(&xml, &[key], &policy), "3072-bit key");
}

#[test]
fn altered_ciphertexts_fail_alike() {
    let key = encryption_key();
    for &data in DataEncryption::ALL {
        let xml =
            container(&encrypt(ASSERTION.as_bytes(), &key, data, KeyTransport::default()).unwrap());
        // A bad OAEP encoding.
        assert_decryption_failed(decrypt_default(&tamper(&xml, 0, 100)), "bad OAEP");
        assert_decryption_failed(decrypt_default(&tamper(&xml, 0, 0)), "bad OAEP first byte");
        if data.is_cbc() {
            // The last byte of the block before the last (or of the IV) is XOR-ed into the pad
            // octet: flipping its top bit makes the pad length 128 or more, always bad
            // padding. (Flipping the last block instead would garble it into valid padding
            // one time in 16: CBC has no integrity, see the module documentation.)
            let bad_padding = tamper_with(&xml, 1, -17, 0x80);
            assert_decryption_failed(decrypt_default(&bad_padding), "CBC bad padding");
        } else {
            assert_decryption_failed(decrypt_default(&tamper(&xml, 1, -1)), "GCM tag");
            assert_decryption_failed(decrypt_default(&tamper(&xml, 1, 20)), "GCM ciphertext");
            assert_decryption_failed(decrypt_default(&tamper(&xml, 1, 0)), "GCM IV");
        }
    }
}

/// Why the caller accepts CBC plaintext only under a verified signature: CBC has no
/// integrity, so flipping a bit of the IV flips the same bit of the plaintext and decryption
/// succeeds. GCM refuses the same change.
#[test]
fn cbc_is_malleable_and_gcm_is_not() {
    for data in [DataEncryption::Aes128Cbc, DataEncryption::Aes128Gcm] {
        let xml = container(
            &encrypt(
                ASSERTION.as_bytes(),
                &encryption_key(),
                data,
                KeyTransport::default(),
            )
            .unwrap(),
        );
        // Byte 1 of the IV; "<saml:" becomes "<raml:".
        let altered = decrypt_default(&tamper(&xml, 1, 1));
        if data.is_cbc() {
            let plaintext = altered.unwrap().plaintext;
            assert!(plaintext.starts_with(b"<raml:Assertion"));
            assert_eq!(plaintext[2..], ASSERTION.as_bytes()[2..]);
        } else {
            assert_decryption_failed(altered, "GCM IV");
        }
    }
}

#[test]
fn a_cek_of_the_wrong_length_fails_alike() {
    // A 16-byte CEK announced as AES-256: the ciphertext's length is plausible for both.
    for (from, to) in [
        (DataEncryption::Aes128Gcm, DataEncryption::Aes256Gcm),
        (DataEncryption::Aes128Cbc, DataEncryption::Aes256Cbc),
        (DataEncryption::Aes256Gcm, DataEncryption::Aes192Gcm),
    ] {
        let xml = container(
            &encrypt(
                ASSERTION.as_bytes(),
                &encryption_key(),
                from,
                KeyTransport::default(),
            )
            .unwrap(),
        );
        let xml = replace_once(&xml, from.uri(), to.uri());
        assert_decryption_failed(decrypt_default(&xml), &format!("{from} as {to}"));
    }
}

#[test]
fn a_wrong_oaep_label_fails_alike() {
    let cek = [3u8; 16];
    let cv = cipher::seal(DataEncryption::Aes128Gcm, &cek, ASSERTION.as_bytes()).unwrap();
    let with_label = |params: &str| {
        format!(
            "<xenc:EncryptionMethod Algorithm=\"{XENC}rsa-oaep-mgf1p\"><ds:DigestMethod \
             Algorithm=\"{DS}sha1\"/>{params}</xenc:EncryptionMethod>"
        )
    };
    let uri = DataEncryption::Aes128Gcm.uri();
    let labelled = wrap_oaep(&cek, Some(&[0, 1, 2, 3]));
    let good = container(&encrypted_data(
        uri,
        &with_label("<xenc:OAEPparams>AAECAw==</xenc:OAEPparams>"),
        &labelled,
        &cv,
    ));
    assert_eq!(
        decrypt_default(&good).unwrap().plaintext,
        ASSERTION.as_bytes()
    );
    assert!(parts_xml(&good).unwrap().oaep_label);
    let wrong = replace_once(&good, "AAECAw==", "AAECBA==");
    assert_decryption_failed(decrypt_default(&wrong), "wrong label");
    let missing = container(&encrypted_data(uri, &with_label(""), &labelled, &cv));
    assert_decryption_failed(decrypt_default(&missing), "label missing");
}

#[test]
fn cbc_padding_is_the_xmlenc_one_not_pkcs7() {
    let cek = [9u8; 16];
    let uri = DataEncryption::Aes128Cbc.uri();
    let wrapped = wrap_oaep(&cek, None);
    // "hello" then 10 arbitrary filler octets and the pad length 11: valid XML Encryption
    // padding (§5.2.1, as xmlsec1 writes it), invalid PKCS#7.
    let mut block = b"hello".to_vec();
    block.extend_from_slice(&[
        0xA5, 0x00, 0xFF, 0x10, 0x0B, 0x42, 0x99, 0x01, 0x7F, 0xEE, 11,
    ]);
    let cv = raw_cbc(&cek, &block);
    let xml = container(&encrypted_data(uri, &mgf1p_method(), &wrapped, &cv));
    assert_eq!(decrypt_default(&xml).unwrap().plaintext, b"hello");
    // A PKCS#7 check refuses the same bytes.
    let pkcs7 = PaddedBlockDecryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_128, &cek).unwrap())
        .unwrap();
    let mut buf = cv[16..].to_vec();
    let iv = FixedLength::<16>::try_from(&cv[..16]).unwrap();
    assert!(
        pkcs7
            .decrypt(&mut buf, aws_lc_rs::cipher::DecryptionContext::Iv128(iv))
            .is_err()
    );
    // A whole block of padding (pad length 16) is valid too.
    let mut two = b"0123456789abcdef".to_vec();
    two.extend_from_slice(&[0x55; 15]);
    two.push(16);
    let xml = container(&encrypted_data(
        uri,
        &mgf1p_method(),
        &wrapped,
        &raw_cbc(&cek, &two),
    ));
    assert_eq!(
        decrypt_default(&xml).unwrap().plaintext,
        b"0123456789abcdef"
    );
    // Pad lengths 0 and 17..=255 are bad padding: the same DecryptionFailed.
    for pad in [0u8, 17, 32, 255] {
        let mut bad = block.clone();
        *bad.last_mut().unwrap() = pad;
        let xml = container(&encrypted_data(
            uri,
            &mgf1p_method(),
            &wrapped,
            &raw_cbc(&cek, &bad),
        ));
        assert_decryption_failed(decrypt_default(&xml), &format!("pad {pad}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Refused algorithms
// ---------------------------------------------------------------------------------------------

#[test]
fn triple_des_is_refused() {
    let xml = container(
        &encrypt(
            ASSERTION.as_bytes(),
            &encryption_key(),
            DataEncryption::Aes128Cbc,
            KeyTransport::default(),
        )
        .unwrap(),
    );
    let tdes = format!("{XENC}tripledes-cbc");
    let xml = replace_once(&xml, DataEncryption::Aes128Cbc.uri(), &tdes);
    assert_not_allowed(decrypt_default(&xml), &tdes, &Refusal::TripleDes);
    assert!(matches!(
        parts_xml(&xml),
        Err(XmlencError::AlgorithmNotAllowed { .. })
    ));
    assert_eq!(DataEncryption::from_uri(&tdes), None);
}

#[test]
fn rsa1_5_is_refused_by_default_and_runs_the_same_path_when_allowed() {
    let cek = [5u8; 16];
    let cv = cipher::seal(DataEncryption::Aes128Gcm, &cek, ASSERTION.as_bytes()).unwrap();
    let method = format!("<xenc:EncryptionMethod Algorithm=\"{XENC}rsa-1_5\"/>");
    let uri = DataEncryption::Aes128Gcm.uri();
    let xml = container(&encrypted_data(uri, &method, &wrap_pkcs1(&cek), &cv));
    assert_not_allowed(
        decrypt_default(&xml),
        &format!("{XENC}rsa-1_5"),
        &Refusal::Rsa1_5,
    );
    let message = decrypt_default(&xml).unwrap_err().to_string();
    assert!(
        message.contains("xmlenc::danger::allow_rsa1_5"),
        "{message}"
    );

    let mut policy = DecryptionPolicy::default();
    assert!(!policy.allows_rsa1_5());
    danger::allow_rsa1_5(&mut policy);
    assert!(policy.allows_rsa1_5());
    let keys = std::slice::from_ref(key2048());
    let out = decrypt_xml(&xml, keys, &policy).unwrap();
    assert_eq!(
        (out.plaintext.as_slice(), out.key_transport),
        (ASSERTION.as_bytes(), KeyTransport::Rsa1_5)
    );
    // Bad padding, a wrong-length CEK and a wrong key: the same failure.
    assert_decryption_failed(
        decrypt_xml(&tamper(&xml, 0, 50), keys, &policy),
        "rsa-1_5 bad padding",
    );
    let short = container(&encrypted_data(uri, &method, &wrap_pkcs1(&cek[..15]), &cv));
    assert_decryption_failed(decrypt_xml(&short, keys, &policy), "rsa-1_5 15-byte CEK");
    let other = other2048();
    assert_decryption_failed(decrypt_xml(&xml, &[other], &policy), "rsa-1_5 wrong key");
    // Never produced.
    assert!(matches!(
        encrypt(
            b"<a/>",
            &encryption_key(),
            DataEncryption::Aes128Gcm,
            KeyTransport::Rsa1_5
        ),
        Err(XmlencError::AlgorithmNotAllowed {
            reason: Refusal::Rsa1_5,
            ..
        })
    ));
}

/// `<xenc:EncryptionMethod>` of `alg` (a full URI) with `children`.
fn key_method(alg: &str, children: &str) -> String {
    format!("<xenc:EncryptionMethod Algorithm=\"{alg}\">{children}</xenc:EncryptionMethod>")
}

/// `<ds:DigestMethod>` of `hash`.
fn digest_method(hash: DigestAlgorithm) -> String {
    format!("<ds:DigestMethod Algorithm=\"{}\"/>", hash.uri())
}

/// `<xenc11:MGF>` of MGF1 with `name` (`sha1`, `sha224`, …).
fn mgf_method(name: &str) -> String {
    format!("<xenc11:MGF Algorithm=\"{XENC11}mgf1{name}\"/>")
}

/// The four hashes that can be an OAEP digest or MGF1 hash, with their `xenc11:MGF` suffix.
#[cfg(feature = "openssl-oaep")]
const HASHES: [(DigestAlgorithm, &str); 4] = [
    (DigestAlgorithm::Sha1, "sha1"),
    (DigestAlgorithm::Sha256, "sha256"),
    (DigestAlgorithm::Sha384, "sha384"),
    (DigestAlgorithm::Sha512, "sha512"),
];

/// `cek` wrapped to testdata/rsa2048 with RSA-OAEP `digest`/MGF1-`mgf` and `label`, by OpenSSL
/// called directly (not through the crate's code).
#[cfg(feature = "openssl-oaep")]
fn wrap_pair(
    cek: &[u8],
    digest: DigestAlgorithm,
    mgf: DigestAlgorithm,
    label: Option<&[u8]>,
) -> Vec<u8> {
    use openssl::md::Md;
    use openssl::pkey_ctx::PkeyCtx;
    use openssl::rsa::Padding;
    let md = |h: DigestAlgorithm| match h {
        DigestAlgorithm::Sha1 => Md::sha1(),
        DigestAlgorithm::Sha256 => Md::sha256(),
        DigestAlgorithm::Sha384 => Md::sha384(),
        DigestAlgorithm::Sha512 => Md::sha512(),
    };
    let cert = openssl::x509::X509::from_pem(&testdata("rsa2048.cert.pem")).unwrap();
    let key = cert.public_key().unwrap();
    let mut ctx = PkeyCtx::new(&key).unwrap();
    ctx.encrypt_init().unwrap();
    ctx.set_rsa_padding(Padding::PKCS1_OAEP).unwrap();
    ctx.set_rsa_oaep_md(md(digest)).unwrap();
    ctx.set_rsa_mgf1_md(md(mgf)).unwrap();
    if let Some(label) = label {
        ctx.set_rsa_oaep_label(label).unwrap();
    }
    let mut out = Vec::new();
    ctx.encrypt_to_vec(cek, &mut out).unwrap();
    out
}

/// Every RSA-OAEP pair whose digest and MGF1 hash differ decrypts (OpenSSL runs it), in both
/// spellings: `rsa-oaep-mgf1p` with a DigestMethod other than SHA-1, and `rsa-oaep` with any
/// DigestMethod and MGF (the MGF defaulting to `mgf1sha1`), with and without OAEPparams. The
/// parameters are honoured, not guessed: the same ciphertext under any other declared pair, a
/// wrong key or a flipped bit is one `decryption_failed`.
#[cfg(feature = "openssl-oaep")]
#[test]
fn oaep_pairs_with_differing_hashes_decrypt_with_the_declared_parameters() {
    let cek = [9u8; 32];
    let cv = cipher::seal(DataEncryption::Aes256Gcm, &cek, ASSERTION.as_bytes()).unwrap();
    let data = DataEncryption::Aes256Gcm.uri();
    let mgf1p = format!("{XENC}rsa-oaep-mgf1p");
    let oaep11 = format!("{XENC11}rsa-oaep");
    let mut checked = 0;
    for (digest, _) in HASHES {
        for (mgf, mgf_name) in HASHES {
            if digest == mgf {
                continue;
            }
            let label = (checked % 2 == 1).then_some(&b"\x00\x01\x02label"[..]);
            let params = label.map_or(String::new(), |l| {
                format!("<xenc:OAEPparams>{}</xenc:OAEPparams>", STANDARD.encode(l))
            });
            let wrapped = wrap_pair(&cek, digest, mgf, label);
            let mut methods = vec![key_method(
                &oaep11,
                &(digest_method(digest) + &mgf_method(mgf_name) + &params),
            )];
            if mgf == DigestAlgorithm::Sha1 {
                // The same pair in the other two spellings: the default MGF, and mgf1p.
                methods.push(key_method(&oaep11, &(digest_method(digest) + &params)));
                methods.push(key_method(&mgf1p, &(digest_method(digest) + &params)));
            }
            for method in &methods {
                let xml = container(&encrypted_data(data, method, &wrapped, &cv));
                let plain = decrypt_default(&xml).unwrap_or_else(|e| panic!("{method}: {e}"));
                assert_eq!(plain.plaintext, ASSERTION.as_bytes(), "{method}");
                let parts = parts_xml(&xml).unwrap();
                assert!(parts.key_transport.is_supported(), "{method}");
                assert_eq!(parts.key_transport.digest(), Some(digest));
                assert_eq!(parts.key_transport.mgf(), Some(mgf));
                checked += 1;
            }
            // Any other declared pair (one hash changed) fails, as does the wrong key.
            for (other, other_name) in HASHES {
                if other == mgf {
                    continue;
                }
                let method = key_method(
                    &oaep11,
                    &(digest_method(digest) + &mgf_method(other_name) + &params),
                );
                let xml = container(&encrypted_data(data, &method, &wrapped, &cv));
                assert_decryption_failed(decrypt_default(&xml), &method);
            }
            for (other, _) in HASHES {
                if other == digest {
                    continue;
                }
                let method = key_method(
                    &oaep11,
                    &(digest_method(other) + &mgf_method(mgf_name) + &params),
                );
                let xml = container(&encrypted_data(data, &method, &wrapped, &cv));
                assert_decryption_failed(decrypt_default(&xml), &method);
            }
            let xml = container(&encrypted_data(data, &methods[0], &wrapped, &cv));
            let wrong = decrypt_xml(&xml, &[other2048()], &DecryptionPolicy::default());
            assert_decryption_failed(wrong, "wrong key");
            assert_decryption_failed(decrypt_default(&tamper(&xml, 0, 40)), "flipped bit");
            // Rollover: the second configured key is the one that fits.
            let both = [other2048(), key2048().clone()];
            let plain = decrypt_xml(&xml, &both, &DecryptionPolicy::default()).unwrap();
            assert_eq!(plain.plaintext, ASSERTION.as_bytes());
            assert_eq!(plain.key_index, 1);
        }
    }
    // 12 rsa-oaep pairs, plus 3 with MGF1-SHA-1 in two more spellings.
    assert_eq!(checked, 18);
}

/// What `encrypt` writes with a pair of differing hashes names both, and decrypts.
#[cfg(feature = "openssl-oaep")]
#[test]
fn encrypting_with_differing_oaep_hashes_round_trips() {
    for (digest, mgf) in [
        (DigestAlgorithm::Sha256, DigestAlgorithm::Sha1),
        (DigestAlgorithm::Sha1, DigestAlgorithm::Sha512),
    ] {
        let transport = KeyTransport::RsaOaep { digest, mgf };
        let out = encrypt(
            ASSERTION.as_bytes(),
            &encryption_key(),
            DataEncryption::Aes128Gcm,
            transport,
        )
        .unwrap();
        assert!(out.contains(&format!(
            "<ds:DigestMethod Algorithm=\"{}\"/>",
            digest.uri()
        )));
        assert!(out.contains(&format!(
            "<xenc11:MGF Algorithm=\"{}\"/>",
            algorithm::mgf_uri(mgf)
        )));
        let plain = decrypt_default(&container(&out)).unwrap();
        assert_eq!(plain.plaintext, ASSERTION.as_bytes());
        assert_eq!(plain.key_transport, transport);
    }
}

/// Without the `openssl-oaep` feature, pairs whose hashes differ are refused by name, and the
/// message says which feature runs them.
#[cfg(not(feature = "openssl-oaep"))]
#[test]
fn oaep_pairs_with_differing_hashes_are_refused_without_the_feature() {
    let cek = [1u8; 16];
    let cv = cipher::seal(DataEncryption::Aes128Gcm, &cek, ASSERTION.as_bytes()).unwrap();
    let wrapped = wrap_oaep(&cek, None);
    let mgf1p = format!("{XENC}rsa-oaep-mgf1p");
    let oaep11 = format!("{XENC11}rsa-oaep");
    let pair = |digest: &'static str, mgf: &'static str| Refusal::OaepPair { digest, mgf };
    let sha1 = DigestAlgorithm::Sha1;
    let sha256 = DigestAlgorithm::Sha256;
    let cases = [
        // rsa-oaep-mgf1p always uses MGF1-SHA-1.
        (
            key_method(&mgf1p, &digest_method(sha256)),
            &mgf1p,
            pair("SHA-256", "SHA-1"),
        ),
        // rsa-oaep's default MGF is mgf1sha1.
        (
            key_method(&oaep11, &digest_method(sha256)),
            &oaep11,
            pair("SHA-256", "SHA-1"),
        ),
        (
            key_method(&oaep11, &(digest_method(sha1) + &mgf_method("sha256"))),
            &oaep11,
            pair("SHA-1", "SHA-256"),
        ),
        (
            key_method(&oaep11, &mgf_method("sha512")),
            &oaep11,
            pair("SHA-1", "SHA-512"),
        ),
    ];
    for (method, uri, reason) in cases {
        let xml = container(&encrypted_data(
            DataEncryption::Aes128Gcm.uri(),
            &method,
            &wrapped,
            &cv,
        ));
        let result = decrypt_default(&xml);
        let message = result.as_ref().map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("openssl-oaep"), "{message}");
        assert_not_allowed(result, uri, &reason);
        assert!(!parts_xml(&xml).unwrap().key_transport.is_supported());
    }
    assert!(matches!(
        encrypt(
            b"<a/>",
            &encryption_key(),
            DataEncryption::Aes128Gcm,
            KeyTransport::RsaOaep {
                digest: sha256,
                mgf: sha1
            }
        ),
        Err(XmlencError::AlgorithmNotAllowed {
            reason: Refusal::OaepPair {
                digest: "SHA-256",
                mgf: "SHA-1"
            },
            ..
        })
    ));
}

/// SHA-224, as OAEP digest or MGF1 hash, is refused in every build, naming the pair; `inspect`
/// still names a pair it can read.
#[test]
fn oaep_with_sha224_is_refused_naming_the_pair() {
    let cek = [1u8; 16];
    let cv = cipher::seal(DataEncryption::Aes128Gcm, &cek, ASSERTION.as_bytes()).unwrap();
    let wrapped = wrap_oaep(&cek, None);
    let oaep11 = format!("{XENC11}rsa-oaep");
    let sha224 = "http://www.w3.org/2001/04/xmldsig-more#sha224";
    let pair = |digest: &'static str, mgf: &'static str| Refusal::OaepPair { digest, mgf };
    let cases = [
        (
            key_method(
                &oaep11,
                &(format!("<ds:DigestMethod Algorithm=\"{sha224}\"/>") + &mgf_method("sha224")),
            ),
            sha224.to_owned(),
            pair("SHA-224", "SHA-224"),
        ),
        (
            key_method(
                &oaep11,
                &(digest_method(DigestAlgorithm::Sha256) + &mgf_method("sha224")),
            ),
            format!("{XENC11}mgf1sha224"),
            pair("SHA-256", "SHA-224"),
        ),
    ];
    for (method, uri, reason) in cases {
        let xml = container(&encrypted_data(
            DataEncryption::Aes128Gcm.uri(),
            &method,
            &wrapped,
            &cv,
        ));
        let result = decrypt_default(&xml);
        let message = result.as_ref().map(|_| ()).unwrap_err().to_string();
        let Refusal::OaepPair { digest, mgf } = &reason else {
            unreachable!()
        };
        assert!(
            message.contains(&format!("digest {digest} and mask generation MGF1-{mgf}")),
            "{message}"
        );
        assert!(
            message.contains("SHA-224 is offered for neither"),
            "{message}"
        );
        assert_not_allowed(result, &uri, &reason);
    }
    let shown = parts_xml(&container(&encrypted_data(
        DataEncryption::Aes128Gcm.uri(),
        &key_method(
            &format!("{XENC}rsa-oaep-mgf1p"),
            &digest_method(DigestAlgorithm::Sha256),
        ),
        &wrapped,
        &cv,
    )))
    .unwrap();
    assert_eq!(
        shown.key_transport.to_string(),
        "rsa-oaep-mgf1p (SHA-256, MGF1-SHA-1)"
    );
}

#[test]
fn unknown_algorithms_are_refused() {
    let cek = [1u8; 16];
    let cv = cipher::seal(DataEncryption::Aes128Gcm, &cek, ASSERTION.as_bytes()).unwrap();
    let wrapped = wrap_oaep(&cek, None);
    let unknown = "http://example.com/enc#magic";
    let xml = container(&encrypted_data(unknown, &mgf1p_method(), &wrapped, &cv));
    let err = decrypt_default(&xml).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlgorithmNotAllowed);
    assert!(err.to_string().contains("aes128-gcm"), "{err}");
    for key_alg in [format!("{XENC}kw-aes128"), unknown.to_owned()] {
        let method = format!("<xenc:EncryptionMethod Algorithm=\"{key_alg}\"/>");
        let xml = container(&encrypted_data(
            DataEncryption::Aes128Gcm.uri(),
            &method,
            &wrapped,
            &cv,
        ));
        assert_not_allowed(
            decrypt_default(&xml),
            &key_alg,
            &Refusal::Unknown {
                place: "key transport",
                allowed: &[
                    algorithm::RSA_OAEP_MGF1P,
                    algorithm::RSA_OAEP,
                    algorithm::RSA_1_5,
                ],
            },
        );
    }
    let method = format!(
        "<xenc:EncryptionMethod Algorithm=\"{XENC}rsa-oaep-mgf1p\"><ds:DigestMethod Algorithm=\"{DS}md5\"/></xenc:EncryptionMethod>"
    );
    let xml = container(&encrypted_data(
        DataEncryption::Aes128Gcm.uri(),
        &method,
        &wrapped,
        &cv,
    ));
    assert_eq!(
        decrypt_default(&xml).unwrap_err().kind(),
        ErrorKind::AlgorithmNotAllowed
    );
}

// ---------------------------------------------------------------------------------------------
// Where the EncryptedKey is, and references
// ---------------------------------------------------------------------------------------------

/// An `encrypt` output split into the EncryptedData without its KeyInfo and the EncryptedKey.
fn detached() -> (String, String) {
    let out = encrypt(
        ASSERTION.as_bytes(),
        &encryption_key(),
        DataEncryption::Aes128Gcm,
        KeyTransport::default(),
    )
    .unwrap();
    let start = out.find("<ds:KeyInfo><xenc:EncryptedKey>").unwrap();
    let end = out.find("</xenc:EncryptedKey></ds:KeyInfo>").unwrap();
    let key = out[start + 12..end + 20].to_owned();
    let data = format!("{}{}", &out[..start], &out[end + 33..]);
    (data, key)
}

#[test]
fn encrypted_key_is_found_in_each_of_its_three_places() {
    let (data, key) = detached();
    let data = replace_once(&data, " Type=", " Id=\"ed1\" Type=");
    let data_with = |key_info: &str| {
        replace_once(
            &data,
            "/><xenc:CipherData>",
            &format!("/><ds:KeyInfo>{key_info}</ds:KeyInfo><xenc:CipherData>"),
        )
    };
    let key_with = |id: &str, references: &str| {
        let key = replace_once(
            &key,
            "<xenc:EncryptedKey>",
            &format!("<xenc:EncryptedKey{id}>"),
        );
        replace_once(
            &key,
            "</xenc:EncryptedKey>",
            &format!("{references}</xenc:EncryptedKey>"),
        )
    };
    let retrieval = format!("<ds:RetrievalMethod Type=\"{XENC}EncryptedKey\" URI=\"#ek1\"/>");
    let reference_list =
        "<xenc:ReferenceList><xenc:DataReference URI=\"#ed1\"/></xenc:ReferenceList>";
    let cases = [
        ("KeyInfo", data_with(&key), KeyLocation::KeyInfo),
        (
            "RetrievalMethod",
            data_with(&retrieval) + &key_with(" Id=\"ek1\"", ""),
            KeyLocation::RetrievalMethod {
                id: "ek1".to_owned(),
            },
        ),
        (
            "DataReference",
            data.clone() + &key_with(" Id=\"ek1\"", reference_list),
            KeyLocation::DataReference {
                id: Some("ek1".to_owned()),
            },
        ),
        (
            "DataReference without Id",
            key_with("", reference_list) + &data,
            KeyLocation::DataReference { id: None },
        ),
        // Okta: both, for the same key (with a KeyName beside the RetrievalMethod).
        (
            "both",
            data_with(&format!("<ds:KeyName>sp</ds:KeyName>{retrieval}"))
                + &key_with(" Id=\"ek1\"", reference_list),
            KeyLocation::RetrievalMethod {
                id: "ek1".to_owned(),
            },
        ),
    ];
    for (case, inner, location) in cases {
        let xml = container(&inner);
        let out = decrypt_default(&xml).unwrap_or_else(|e| panic!("{case}: {e}\n{xml}"));
        assert_eq!(out.plaintext, ASSERTION.as_bytes(), "{case}");
        assert_eq!(parts_xml(&xml).unwrap().key_location, location, "{case}");
    }

    // None, or two, apply.
    let unreferenced = container(&(data.clone() + &key_with(" Id=\"ek1\"", "")));
    assert!(matches!(
        decrypt_default(&unreferenced),
        Err(XmlencError::EncryptedKeyCount { found: 0 })
    ));
    let elsewhere = key_with(
        " Id=\"ek1\"",
        "<xenc:ReferenceList><xenc:DataReference URI=\"#other\"/></xenc:ReferenceList>",
    );
    assert!(matches!(
        decrypt_default(&container(&(data.clone() + &elsewhere))),
        Err(XmlencError::EncryptedKeyCount { found: 0 })
    ));
    let two = container(&(data_with(&key) + &key_with(" Id=\"ek1\"", reference_list)));
    let err = assert_malformed(decrypt_default(&two));
    assert!(
        matches!(err, XmlencError::EncryptedKeyCount { found: 2 }),
        "{err}"
    );
    let two_inside = container(&data_with(&(key.clone() + &key)));
    assert!(matches!(
        decrypt_default(&two_inside),
        Err(XmlencError::EncryptedKeyCount { found: 2 })
    ));
}

#[test]
fn references_outside_the_container_are_refused() {
    let (data, key) = detached();
    let data = replace_once(&data, " Type=", " Id=\"ed1\" Type=");
    let sibling = replace_once(
        &key,
        "<xenc:EncryptedKey>",
        "<xenc:EncryptedKey Id=\"ek1\">",
    );
    let with_method = |method: &str| {
        container(
            &(replace_once(
                &data,
                "/><xenc:CipherData>",
                &format!("/><ds:KeyInfo>{method}</ds:KeyInfo><xenc:CipherData>"),
            ) + &sibling),
        )
    };
    let retrieval =
        |uri: &str| format!("<ds:RetrievalMethod Type=\"{XENC}EncryptedKey\" URI=\"{uri}\"/>");
    for uri in [
        "http://evil.example/key.xml",
        "",
        "#xpointer(id('ek1'))",
        "#",
        "key.xml#ek1",
    ] {
        let result = decrypt_default(&with_method(&retrieval(uri)));
        assert!(
            matches!(&result, Err(XmlencError::ExternalReference { element: "RetrievalMethod", uri: u }) if u == uri),
            "{uri}: {result:?}"
        );
    }
    let missing_uri = with_method(&format!(
        "<ds:RetrievalMethod Type=\"{XENC}EncryptedKey\"/>"
    ));
    assert!(matches!(
        decrypt_default(&missing_uri),
        Err(XmlencError::ExternalReference { .. })
    ));
    // An ID that is not an EncryptedKey child of this container.
    let result = decrypt_default(&with_method(&retrieval("#ed1")));
    assert!(
        matches!(result, Err(XmlencError::UnresolvedReference { .. })),
        "{result:?}"
    );
    // Two RetrievalMethods, even naming the same key.
    let two = with_method(&(retrieval("#ek1") + &retrieval("#ek1")));
    let result = decrypt_default(&two);
    assert!(
        matches!(
            &result,
            Err(XmlencError::UnexpectedElement {
                parent: "KeyInfo",
                ..
            })
        ),
        "{result:?}"
    );
    // The wrong Type, and Transforms.
    let typed = with_method(&format!(
        "<ds:RetrievalMethod Type=\"{DS}X509Data\" URI=\"#ek1\"/>"
    ));
    assert!(matches!(
        decrypt_default(&typed),
        Err(XmlencError::RetrievalMethodType { .. })
    ));
    let transformed = with_method(&format!(
        "<ds:RetrievalMethod Type=\"{XENC}EncryptedKey\" URI=\"#ek1\"><ds:Transforms/></ds:RetrievalMethod>"
    ));
    assert_malformed(decrypt_default(&transformed));
    // The same ID twice in the document.
    let doubled = container(
        &(replace_once(
            &data,
            "/><xenc:CipherData>",
            &format!(
                "/><ds:KeyInfo>{}</ds:KeyInfo><xenc:CipherData>",
                retrieval("#ek1")
            ),
        ) + &sibling
            + &sibling),
    );
    let result = decrypt_default(&doubled);
    assert!(
        matches!(&result, Err(e @ XmlencError::DuplicateId { .. }) if e.kind() == ErrorKind::DuplicateId),
        "{result:?}"
    );
    // CipherReference: the data is elsewhere.
    let reference = container(
        &replace_once(
            &replace_once(
                &data,
                "<xenc:CipherValue>",
                "<xenc:CipherReference URI=\"http://evil.example/data\"/><!--",
            ),
            "</xenc:CipherValue>",
            "-->",
        )
        .replace(
            "/><xenc:CipherData>",
            &format!("/><ds:KeyInfo>{key}</ds:KeyInfo><xenc:CipherData>"),
        ),
    );
    let result = decrypt_default(&reference);
    assert!(
        matches!(
            &result,
            Err(XmlencError::ExternalReference {
                element: "CipherReference",
                ..
            })
        ),
        "{result:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------------

#[test]
fn structure_errors_are_malformed_encrypted_data() {
    let out = encrypt(
        ASSERTION.as_bytes(),
        &encryption_key(),
        DataEncryption::Aes128Cbc,
        KeyTransport::default(),
    )
    .unwrap();
    let xml = container(&out);
    assert!(decrypt_default(&xml).is_ok());
    let cases: Vec<(&str, String)> = vec![
        ("no EncryptedData", container("")),
        ("two EncryptedData", container(&format!("{out}{out}"))),
        (
            "a stray element",
            container(&format!("{out}<saml:Assertion/>")),
        ),
        (
            "Type Content",
            replace_once(&xml, &format!("{XENC}Element"), &format!("{XENC}Content")),
        ),
        (
            "no EncryptionMethod",
            replace_once(
                &xml,
                &format!(
                    "<xenc:EncryptionMethod Algorithm=\"{}\"/>",
                    DataEncryption::Aes128Cbc.uri()
                ),
                "",
            ),
        ),
        (
            "no Algorithm",
            replace_once(
                &xml,
                &format!(" Algorithm=\"{}\"", DataEncryption::Aes128Cbc.uri()),
                "",
            ),
        ),
        (
            "KeySize wrong",
            replace_once(
                &xml,
                &format!("{}\"/>", DataEncryption::Aes128Cbc.uri()),
                &format!(
                    "{}\"><xenc:KeySize>256</xenc:KeySize></xenc:EncryptionMethod>",
                    DataEncryption::Aes128Cbc.uri()
                ),
            ),
        ),
        (
            "bad base64",
            replace_once(&xml, cipher_value_text(&xml, 1), "!!!!"),
        ),
        (
            "CBC not whole blocks",
            replace_once(
                &xml,
                cipher_value_text(&xml, 1),
                &STANDARD.encode([0u8; 40]),
            ),
        ),
        (
            "CBC IV only",
            replace_once(
                &xml,
                cipher_value_text(&xml, 1),
                &STANDARD.encode([0u8; 16]),
            ),
        ),
        (
            "short EncryptedKey",
            replace_once(
                &xml,
                cipher_value_text(&xml, 0),
                &STANDARD.encode([0u8; 128]),
            ),
        ),
        (
            "long EncryptedKey",
            replace_once(
                &xml,
                cipher_value_text(&xml, 0),
                &STANDARD.encode([0u8; 1025]),
            ),
        ),
        (
            "element in CipherValue",
            replace_once(
                &xml,
                "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>",
                "<x/></xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>",
            ),
        ),
        (
            "MGF on mgf1p",
            replace_once(
                &xml,
                "sha1\"/></xenc:EncryptionMethod>",
                &format!(
                    "sha1\"/><xenc11:MGF Algorithm=\"{XENC11}mgf1sha1\"/></xenc:EncryptionMethod>"
                ),
            ),
        ),
        (
            "two DigestMethods",
            replace_once(
                &xml,
                "sha1\"/></xenc:EncryptionMethod>",
                &format!(
                    "sha1\"/><ds:DigestMethod Algorithm=\"{DS}sha1\"/></xenc:EncryptionMethod>"
                ),
            ),
        ),
        (
            "no CipherData",
            replace_once(
                &xml,
                &format!(
                    "<xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>",
                    cipher_value_text(&xml, 1)
                ),
                "</xenc:EncryptedData>",
            ),
        ),
    ];
    for (case, xml) in cases {
        let err = assert_malformed(decrypt_default(&xml));
        assert!(!err.to_string().is_empty(), "{case}");
        // inspect reads the structure but decodes no CipherValue.
        if !matches!(
            err,
            XmlencError::Base64 { .. } | XmlencError::CipherValueLength { .. }
        ) {
            assert_malformed(parts_xml(&xml));
        }
    }
    // The container must be one of SAML's encrypted elements.
    let doc = Document::parse(&out).unwrap();
    let err = decrypt(
        &doc,
        doc.root_element(),
        std::slice::from_ref(key2048()),
        &DecryptionPolicy::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, XmlencError::NotAContainer { found } if found == "xenc:EncryptedData"),
        "{err}"
    );
    for name in ["EncryptedID", "EncryptedAttribute"] {
        let xml = format!(
            "<saml:{name} xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">{out}</saml:{name}>"
        );
        assert!(decrypt_default(&xml).is_ok(), "{name}");
    }
    let xml = format!(
        "<samlp:NewEncryptedID xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">{out}</samlp:NewEncryptedID>"
    );
    assert!(decrypt_default(&xml).is_ok());
}

#[test]
fn error_kinds_are_stable() {
    assert_eq!(
        XmlencError::DecryptionFailed.kind().as_str(),
        "decryption_failed"
    );
    assert_eq!(
        XmlencError::AlgorithmNotAllowed {
            uri: String::new(),
            reason: Refusal::TripleDes
        }
        .kind()
        .as_str(),
        "algorithm_not_allowed"
    );
    assert_eq!(
        XmlencError::EncryptedKeyCount { found: 0 }.kind().as_str(),
        "malformed_encrypted_data"
    );
    assert_eq!(
        XmlencError::NoDecryptionKeys.kind().as_str(),
        "no_decryption_keys"
    );
    fn send_sync<T: Send + Sync>() {}
    send_sync::<DecryptionKey>();
    send_sync::<EncryptionKey>();
    send_sync::<XmlencError>();
}
