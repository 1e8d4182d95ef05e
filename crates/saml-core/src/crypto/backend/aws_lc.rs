//! The aws-lc-rs backend (the default): each public key is parsed once per algorithm, on first
//! use, and kept for every later verification by every thread.

use std::sync::OnceLock;

use aws_lc_rs::error::KeyRejected;
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, ParsedPublicKey, RsaKeyPair,
    VerificationAlgorithm,
};

use super::{Curve, RSA_VERIFY_MIN_BITS_STRICT, SigningFailed, fixed_to_asn1, rsa_parameters};
use crate::crypto::algorithm::SignatureAlgorithm;

pub(super) const NAME: &str = "aws-lc-rs";

/// Algorithms one key serves at most (RSA's seven).
const SLOTS: usize = 7;

/// A public key with its parsed forms.
pub(crate) struct VerifyingKey {
    family: Family,
    /// What the library parses: the PKCS#1 `RSAPublicKey`, the uncompressed EC point, or the
    /// 32 Ed25519 bytes.
    bytes: Vec<u8>,
    /// One parsed key per algorithm (see [`Self::algorithm`] for the slot of each), made on
    /// first use; `None` when the library refused the key, which then verifies nothing.
    parsed: [OnceLock<Option<ParsedPublicKey>>; SLOTS],
}

#[derive(Clone, Copy)]
enum Family {
    /// `legacy`: under 2048 bits, verified with the `1024_8192` parameters.
    Rsa {
        legacy: bool,
    },
    Ec(Curve),
    Ed25519,
}

impl VerifyingKey {
    fn new(family: Family, bytes: &[u8]) -> Self {
        Self {
            family,
            bytes: bytes.to_vec(),
            parsed: Default::default(),
        }
    }

    /// An RSA key: its DER PKCS#1 `RSAPublicKey` and modulus size.
    pub(crate) fn rsa(der: &[u8], bits: u32) -> Self {
        Self::new(
            Family::Rsa {
                legacy: bits < RSA_VERIFY_MIN_BITS_STRICT,
            },
            der,
        )
    }

    /// A key on `curve`: its uncompressed point, already checked to lie on the curve.
    pub(crate) fn ec(curve: Curve, point: &[u8]) -> Self {
        Self::new(Family::Ec(curve), point)
    }

    /// An Ed25519 key.
    pub(crate) fn ed25519(key: &[u8; 32]) -> Self {
        Self::new(Family::Ed25519, key)
    }

    /// The mathematics of one verification: whether `signature` is a valid `alg` signature
    /// of `message` under this key. `false` as well for an algorithm the key does not serve;
    /// the caller has checked key type, key size and policy before.
    pub(crate) fn verify(&self, alg: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        let Some((slot, algorithm, asn1)) = self.algorithm(alg) else {
            return false;
        };
        let Some(key) = self.parsed[slot]
            .get_or_init(|| ParsedPublicKey::new(algorithm, &self.bytes).ok())
            .as_ref()
        else {
            return false;
        };
        match asn1 {
            Some(field_len) => fixed_to_asn1(signature, field_len)
                .is_some_and(|der| key.verify_sig(message, &der).is_ok()),
            None => key.verify_sig(message, signature).is_ok(),
        }
    }

    /// The slot, the library's algorithm and, for ECDSA variants the library has only in
    /// ASN.1 form, the field length to convert `r || s` with.
    fn algorithm(
        &self,
        alg: SignatureAlgorithm,
    ) -> Option<(usize, &'static dyn VerificationAlgorithm, Option<usize>)> {
        use SignatureAlgorithm as A;
        match self.family {
            Family::Rsa { legacy } => {
                let slot = match alg {
                    A::RsaSha1 => 0,
                    A::RsaSha256 => 1,
                    A::RsaSha384 => 2,
                    A::RsaSha512 => 3,
                    A::RsaPssSha256 => 4,
                    A::RsaPssSha384 => 5,
                    A::RsaPssSha512 => 6,
                    _ => return None,
                };
                Some((slot, rsa_parameters(alg, legacy)?, None))
            }
            Family::Ec(curve) => {
                let n = Some(curve.field_len());
                Some(match (curve, alg) {
                    (Curve::P256, A::EcdsaSha256) => (0, &sig::ECDSA_P256_SHA256_FIXED, None),
                    (Curve::P256, A::EcdsaSha384) => (1, &sig::ECDSA_P256_SHA384_ASN1, n),
                    (Curve::P256, A::EcdsaSha512) => (2, &sig::ECDSA_P256_SHA512_ASN1, n),
                    (Curve::P384, A::EcdsaSha256) => (0, &sig::ECDSA_P384_SHA256_ASN1, n),
                    (Curve::P384, A::EcdsaSha384) => (1, &sig::ECDSA_P384_SHA384_FIXED, None),
                    (Curve::P384, A::EcdsaSha512) => (2, &sig::ECDSA_P384_SHA512_ASN1, n),
                    _ => return None,
                })
            }
            Family::Ed25519 => (alg == A::Ed25519).then_some((0, &sig::ED25519, None)),
        }
    }
}

/// Loads an ECDSA key pair; aws-lc-rs checks that `point` belongs to `scalar`.
pub(super) fn ecdsa_key_pair(
    alg: &'static EcdsaSigningAlgorithm,
    scalar: &[u8],
    point: &[u8],
) -> Result<EcdsaKeyPair, KeyRejected> {
    EcdsaKeyPair::from_private_key_and_public_key(alg, scalar, point)
}

/// The length of `pair`'s signatures: its modulus length.
pub(super) fn rsa_signature_len(pair: &RsaKeyPair) -> usize {
    pair.public_modulus_len()
}

/// Signs with Ed25519; aws-lc-rs's `sign` would panic where `try_sign` reports the failure.
pub(super) fn ed25519_sign(
    pair: &Ed25519KeyPair,
    message: &[u8],
) -> Result<Vec<u8>, SigningFailed> {
    pair.try_sign(message)
        .map(|signature| signature.as_ref().to_vec())
        .map_err(|_| SigningFailed)
}
