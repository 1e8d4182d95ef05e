//! Test-data loaders shared by the integration test targets (`mod common;` in each): files of
//! `crates/saml-core/testdata` (our own keys and certificates) and of the repository's
//! `tests/vectors` (public vectors with provenance). Each loader panics with the path on a
//! missing file, which is a broken checkout, not a test outcome.
#![allow(
    dead_code,
    reason = "each test target uses a different subset of these loaders"
)]

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::crypto::{Certificate, SigningKey, TrustAnchor};

/// A file of `crates/saml-core/testdata`.
#[track_caller]
pub fn testdata(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The repository's `tests/vectors` folder.
pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// A file of `tests/vectors`, as stored.
#[track_caller]
pub fn vector_raw(rel: &str) -> Vec<u8> {
    let path = vectors().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A file of `tests/vectors`; `.b64` files (HTTP-POST values) are decoded.
#[track_caller]
pub fn vector_bytes(rel: &str) -> Vec<u8> {
    let raw = vector_raw(rel);
    if rel.ends_with(".b64") {
        let compact: Vec<u8> = raw
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        STANDARD.decode(compact).expect("base64 vector")
    } else {
        raw
    }
}

/// [`vector_bytes`] as UTF-8 text.
#[track_caller]
pub fn vector_text(rel: &str) -> String {
    String::from_utf8(vector_bytes(rel)).expect("UTF-8 vector")
}

/// A private key from `testdata`.
#[track_caller]
pub fn key(name: &str) -> SigningKey {
    SigningKey::from_pem(&testdata(name), Some(name)).expect("key")
}

/// A certificate from `testdata`.
#[track_caller]
pub fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&testdata(name), Some(name)).expect("cert")
}

/// A trust anchor (certificate or bare public key) from `testdata`.
#[track_caller]
pub fn anchor(name: &str) -> TrustAnchor {
    TrustAnchor::from_any(&testdata(name), Some(name)).expect("anchor")
}

/// A certificate from `tests/vectors/certs`.
#[track_caller]
pub fn vector_cert(name: &str) -> Certificate {
    Certificate::from_pem(&vector_raw(&format!("certs/{name}")), Some(name)).expect("certificate")
}

/// A trust anchor from `tests/vectors/certs`.
#[track_caller]
pub fn vector_anchor(name: &str) -> TrustAnchor {
    TrustAnchor::from_any(&vector_raw(&format!("certs/{name}")), Some(name)).expect("anchor")
}
