//! The crypto provider: every digest, signature verification, signature and random byte of
//! this crate comes from here, and no other module names the library that computes them.
//!
//! Two libraries can do the work, chosen at compile time:
//! - **aws-lc-rs** (the default), with each public key parsed once and kept: RSA keys as one
//!   `ParsedPublicKey` per algorithm, EC and Ed25519 keys likewise;
//! - ***ring*** 0.17 (cargo feature `ring`), which parses a public key on every verification.
//!
//! Both offer the same algorithms through the same ring-style API (aws-lc-rs is written to be
//! a drop-in for it), so digests, randomness and signing are written once below, against
//! `lib`, the selected library. What differs lives in the two submodules, each with the same
//! items:
//!
//! - `VerifyingKey`: a public key in the backend's form, with `rsa`, `ec` and `ed25519`
//!   constructors and `verify`, the mathematics of one verification;
//! - `ecdsa_key_pair`: loads an ECDSA private key (*ring* wants a random source for it,
//!   aws-lc-rs does not);
//! - `ed25519_sign`: signs with Ed25519 (aws-lc-rs can report a failure, *ring* cannot fail);
//! - `rsa_signature_len`: the length of an RSA key's signatures (the two name it differently).
//!
//! ECDSA with SHA-512 is offered by neither library for signing, and by *ring* not for
//! verification either; the RustCrypto `p256`/`p384` crates do the curve step there, over a
//! SHA-512 digest from here (`crypto::key` signs, the *ring* backend verifies that way).
//!
//! Under the `ring` feature aws-lc-rs stays a dependency (XML Encryption needs RSA-OAEP and
//! AES, which *ring* lacks), but nothing here uses it.

#[cfg(not(feature = "ring"))]
mod aws_lc;
#[cfg(feature = "ring")]
mod ring;

use std::fmt;

#[cfg(feature = "ring")]
use ::ring as lib;
#[cfg(not(feature = "ring"))]
use aws_lc_rs as lib;
use der::Encode as _;
use der::asn1::UintRef;
use lib::rand::SecureRandom as _;
use lib::signature::{self as sig, KeyPair as _};

#[cfg(not(feature = "ring"))]
use self::aws_lc as imp;
#[cfg(feature = "ring")]
use self::ring as imp;
use crate::crypto::algorithm::{DigestAlgorithm, SignatureAlgorithm};

pub(crate) use imp::VerifyingKey;

/// The library that does the work, for messages.
pub(crate) const NAME: &str = imp::NAME;

/// Smallest RSA modulus either library verifies at all: their `1024_8192` variants, which
/// exist for RSA-SHA1, RSA-SHA256 and RSA-SHA512 only.
pub(crate) const RSA_VERIFY_MIN_BITS: u32 = 1024;
/// Smallest RSA modulus for every RSA algorithm (the `2048_8192` variants).
pub(crate) const RSA_VERIFY_MIN_BITS_STRICT: u32 = 2048;
/// Largest RSA modulus either library verifies.
pub(crate) const RSA_VERIFY_MAX_BITS: u32 = 8192;
/// Smallest and largest RSA modulus a signing key may have: *ring* 0.17's range (aws-lc-rs
/// would sign with up to 8192 bits), so that a key loads on either backend or on neither.
pub(crate) const RSA_SIGN_MIN_BITS: u32 = 2048;
/// See [`RSA_SIGN_MIN_BITS`].
pub(crate) const RSA_SIGN_MAX_BITS: u32 = 4096;

/// The NIST curves keys can be on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    /// P-256 (secp256r1).
    P256,
    /// P-384 (secp384r1).
    P384,
}

impl Curve {
    /// Bytes in a coordinate, a scalar, and each half of an `r || s` signature.
    pub(crate) const fn field_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }
}

// ---- digests ----

/// A finished digest: its bytes through [`AsRef`].
#[derive(Clone, Copy)]
pub struct Digest(lib::digest::Digest);

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An incremental digest computation, from [`DigestAlgorithm::context`].
#[derive(Clone)]
pub struct DigestContext(lib::digest::Context);

impl fmt::Debug for DigestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestContext").finish_non_exhaustive()
    }
}

impl DigestContext {
    /// Feeds `data` into the digest.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The digest of everything fed in.
    pub fn finish(self) -> Digest {
        Digest(self.0.finish())
    }
}

fn digest_algorithm(algorithm: DigestAlgorithm) -> &'static lib::digest::Algorithm {
    match algorithm {
        DigestAlgorithm::Sha1 => &lib::digest::SHA1_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha256 => &lib::digest::SHA256,
        DigestAlgorithm::Sha384 => &lib::digest::SHA384,
        DigestAlgorithm::Sha512 => &lib::digest::SHA512,
    }
}

/// Digests `data` in one go.
pub(crate) fn digest(algorithm: DigestAlgorithm, data: &[u8]) -> Digest {
    Digest(lib::digest::digest(digest_algorithm(algorithm), data))
}

/// A fresh incremental digest.
pub(crate) fn digest_context(algorithm: DigestAlgorithm) -> DigestContext {
    DigestContext(lib::digest::Context::new(digest_algorithm(algorithm)))
}

// ---- randomness ----

/// The system's random source failed.
#[derive(Debug)]
pub(crate) struct RandomFailed;

/// Fills `out` with random bytes from the operating system's generator.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), RandomFailed> {
    lib::rand::SystemRandom::new()
        .fill(out)
        .map_err(|_| RandomFailed)
}

// ---- verification, what both backends share ----

/// The RSA parameters for `alg` with a key of under 2048 bits (`legacy`) or 2048 and up;
/// `None` for a non-RSA algorithm and for RSA-SHA384 and RSA-PSS with a legacy key, which
/// neither library verifies. The callers have already enforced the key size policy.
fn rsa_parameters(alg: SignatureAlgorithm, legacy: bool) -> Option<&'static sig::RsaParameters> {
    use SignatureAlgorithm as A;
    Some(match (alg, legacy) {
        (A::RsaSha1, false) => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (A::RsaSha1, true) => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (A::RsaSha256, false) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (A::RsaSha256, true) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (A::RsaSha512, false) => &sig::RSA_PKCS1_2048_8192_SHA512,
        (A::RsaSha512, true) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        (A::RsaSha384, false) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (A::RsaPssSha256, false) => &sig::RSA_PSS_2048_8192_SHA256,
        (A::RsaPssSha384, false) => &sig::RSA_PSS_2048_8192_SHA384,
        (A::RsaPssSha512, false) => &sig::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// `ECDSA-Sig-Value` (RFC 3279), the form in which both libraries take the curve/hash
/// combinations they have no fixed-length `r || s` variant of.
#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// Converts a fixed-length `r || s` ECDSA signature to `ECDSA-Sig-Value` DER; `None` if it is
/// not two halves of `field_len` bytes or an integer is malformed (then it cannot verify).
fn fixed_to_asn1(signature: &[u8], field_len: usize) -> Option<Vec<u8>> {
    if signature.len() != 2 * field_len {
        return None;
    }
    let (r, s) = signature.split_at(field_len);
    let value = EcdsaSigValue {
        r: UintRef::new(r).ok()?,
        s: UintRef::new(s).ok()?,
    };
    value.to_der().ok()
}

// ---- signing ----

/// The signing library refused a private key; says why in its own words.
#[derive(Debug)]
pub(crate) struct KeyRejected(lib::error::KeyRejected);

impl fmt::Display for KeyRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rejected by {NAME} ({})", self.0)
    }
}

/// Signing failed inside the library.
#[derive(Debug)]
pub(crate) struct SigningFailed;

/// An RSA private key, parsed once.
pub(crate) struct RsaSigningKey(sig::RsaKeyPair);

impl RsaSigningKey {
    /// Parses a DER PKCS#8 `PrivateKeyInfo` holding an RSA key.
    pub(crate) fn from_pkcs8(der: &[u8]) -> Result<Self, KeyRejected> {
        sig::RsaKeyPair::from_pkcs8(der)
            .map(Self)
            .map_err(KeyRejected)
    }

    /// Parses a DER PKCS#1 `RSAPrivateKey`.
    pub(crate) fn from_pkcs1(der: &[u8]) -> Result<Self, KeyRejected> {
        sig::RsaKeyPair::from_der(der)
            .map(Self)
            .map_err(KeyRejected)
    }

    /// The public key as a DER PKCS#1 `RSAPublicKey`.
    pub(crate) fn public_key_der(&self) -> &[u8] {
        self.0.public_key().as_ref()
    }

    /// Signs `message` with `alg`, an RSA algorithm other than RSA-SHA1 (which fails).
    pub(crate) fn sign(
        &self,
        alg: SignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, SigningFailed> {
        use SignatureAlgorithm as A;
        let padding: &'static dyn sig::RsaEncoding = match alg {
            A::RsaSha256 => &sig::RSA_PKCS1_SHA256,
            A::RsaSha384 => &sig::RSA_PKCS1_SHA384,
            A::RsaSha512 => &sig::RSA_PKCS1_SHA512,
            A::RsaPssSha256 => &sig::RSA_PSS_SHA256,
            A::RsaPssSha384 => &sig::RSA_PSS_SHA384,
            A::RsaPssSha512 => &sig::RSA_PSS_SHA512,
            _ => return Err(SigningFailed),
        };
        let mut signature = vec![0; imp::rsa_signature_len(&self.0)];
        self.0
            .sign(
                padding,
                &lib::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| SigningFailed)?;
        Ok(signature)
    }
}

/// An ECDSA private key, parsed once, that signs with its curve's own hash (P-256 with
/// SHA-256, P-384 with SHA-384) in the fixed-length `r || s` form.
pub(crate) struct EcdsaSigningKey(sig::EcdsaKeyPair);

impl EcdsaSigningKey {
    /// Loads the big-endian private `scalar` of a key on `curve` with its uncompressed public
    /// `point`; the library checks that the two belong together.
    pub(crate) fn new(curve: Curve, scalar: &[u8], point: &[u8]) -> Result<Self, KeyRejected> {
        let alg = match curve {
            Curve::P256 => &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            Curve::P384 => &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
        };
        imp::ecdsa_key_pair(alg, scalar, point)
            .map(Self)
            .map_err(KeyRejected)
    }

    /// Signs `message` with the curve's own hash.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SigningFailed> {
        self.0
            .sign(&lib::rand::SystemRandom::new(), message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| SigningFailed)
    }
}

/// An Ed25519 private key, parsed once.
pub(crate) struct Ed25519SigningKey(sig::Ed25519KeyPair);

impl Ed25519SigningKey {
    /// Parses a DER PKCS#8 (v1 or v2) Ed25519 key; a v2 document's public key must match.
    pub(crate) fn from_pkcs8(der: &[u8]) -> Result<Self, KeyRejected> {
        sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map(Self)
            .map_err(KeyRejected)
    }

    /// The 32-byte public key.
    pub(crate) fn public_key(&self) -> &[u8] {
        self.0.public_key().as_ref()
    }

    /// Signs `message` (Ed25519 is deterministic).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SigningFailed> {
        imp::ed25519_sign(&self.0, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_to_asn1_needs_two_halves() {
        assert_eq!(fixed_to_asn1(&[1; 63], 32), None);
        assert_eq!(fixed_to_asn1(&[1; 65], 32), None);
        // r = 1, s = 0x80..: DER INTEGERs, the second with a leading zero byte.
        let mut fixed = [0u8; 64];
        fixed[31] = 1;
        fixed[32] = 0x80;
        let der = fixed_to_asn1(&fixed, 32).unwrap();
        assert_eq!(&der[..5], &[0x30, 0x26, 0x02, 0x01, 0x01]);
        assert_eq!(&der[5..8], &[0x02, 0x21, 0x00]);
    }

    #[test]
    fn random_bytes_differ() {
        let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
        fill_random(&mut a).unwrap();
        fill_random(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
