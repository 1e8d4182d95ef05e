//! Test-data loaders shared by the integration test targets (`mod common;` in each): files of
//! `crates/saml-core/testdata` (our own keys and certificates) and of the repository's
//! `tests/vectors` (public vectors with provenance). Each loader panics with the path on a
//! missing file, which is a broken checkout, not a test outcome.
#![allow(
    dead_code,
    reason = "each test target uses a different subset of these loaders"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// The `xmlsec1` binary on `PATH`. When there is none: panics if `CI` is set (CI installs it),
/// otherwise prints a `SKIPPED` line and returns `None`.
#[track_caller]
pub fn xmlsec1() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("xmlsec1"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "xmlsec1 is not on PATH, and CI is set: install it (Debian: apt-get install xmlsec1)"
        );
        eprintln!("SKIPPED: xmlsec1 is not on PATH (Debian: apt-get install xmlsec1)");
    }
    found
}

/// Whether `python3 -c "import MODULES"` succeeds (`modules` comma-separated). When not:
/// panics if `CI` is set (CI installs them), otherwise prints a `SKIPPED` line naming
/// `python3 -m pip install PACKAGE` and returns `false`.
#[track_caller]
pub fn python_module_available(modules: &str, package: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "Python's {package} is not installed, and CI is set: python3 -m pip install {package}"
        );
        eprintln!(
            "SKIPPED: Python's {package} is not installed (python3 -m pip install {package})"
        );
    }
    ok
}

/// Whether Python's pysaml2 and `xmlsec1` (which pysaml2 runs for its signatures and
/// encryption) are installed. When not: panics if `CI` is set (CI installs both), otherwise
/// prints a `SKIPPED` line and returns `false`.
#[track_caller]
pub fn pysaml2_available() -> bool {
    python_module_available("saml2", "pysaml2") && xmlsec1().is_some()
}

/// A fresh directory under [`std::env::temp_dir`], named after the process, the test and a
/// counter; removed with its contents on drop unless `SAML_INTEROP_KEEP` is set.
pub struct Scratch(PathBuf);

impl Scratch {
    /// Creates the directory.
    #[track_caller]
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "saml-core-interop-{}-{tag}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Scratch(dir)
    }

    /// The directory.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("SAML_INTEROP_KEEP").is_some() {
            eprintln!("kept {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
