//! The *ring* 0.17 backend (cargo feature `ring`). *ring* has no parsed public key: each
//! verification parses the key again (for RSA about a third of the work). ECDSA with SHA-512,
//! which *ring* lacks, is verified by the RustCrypto `p256`/`p384` crates over *ring*'s
//! SHA-512 digest.

use p256::NistP256;
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use p256::elliptic_curve::{AffinePoint, FieldBytesSize};
use p384::NistP384;
use ring::error::KeyRejected;
use ring::rand::SystemRandom;
use ring::signature::{
    self as sig, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, RsaKeyPair,
    UnparsedPublicKey, VerificationAlgorithm,
};

use super::{Curve, RSA_VERIFY_MIN_BITS_STRICT, SigningFailed, fixed_to_asn1, rsa_parameters};
use crate::crypto::algorithm::{DigestAlgorithm, SignatureAlgorithm};
use crate::crypto::cert::NistCurve;

pub(super) const NAME: &str = "ring";

/// A public key as *ring* takes it, unparsed.
pub(crate) struct VerifyingKey {
    family: Family,
    /// The PKCS#1 `RSAPublicKey`, the uncompressed EC point, or the 32 Ed25519 bytes.
    bytes: Vec<u8>,
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
    /// An RSA key: its DER PKCS#1 `RSAPublicKey` and modulus size.
    pub(crate) fn rsa(der: &[u8], bits: u32) -> Self {
        Self {
            family: Family::Rsa {
                legacy: bits < RSA_VERIFY_MIN_BITS_STRICT,
            },
            bytes: der.to_vec(),
        }
    }

    /// A key on `curve`: its uncompressed point, already checked to lie on the curve.
    pub(crate) fn ec(curve: Curve, point: &[u8]) -> Self {
        Self {
            family: Family::Ec(curve),
            bytes: point.to_vec(),
        }
    }

    /// An Ed25519 key.
    pub(crate) fn ed25519(key: &[u8; 32]) -> Self {
        Self {
            family: Family::Ed25519,
            bytes: key.to_vec(),
        }
    }

    /// The mathematics of one verification: whether `signature` is a valid `alg` signature
    /// of `message` under this key. `false` as well for an algorithm the key does not serve;
    /// the caller has checked key type, key size and policy before.
    pub(crate) fn verify(&self, alg: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        use SignatureAlgorithm as A;
        let ring_verify = |algorithm: &'static dyn VerificationAlgorithm, signature: &[u8]| {
            UnparsedPublicKey::new(algorithm, &self.bytes)
                .verify(message, signature)
                .is_ok()
        };
        let asn1 = |algorithm: &'static dyn VerificationAlgorithm, curve: Curve| {
            fixed_to_asn1(signature, curve.field_len())
                .is_some_and(|der| ring_verify(algorithm, &der))
        };
        match (self.family, alg) {
            (Family::Rsa { legacy }, _) => {
                rsa_parameters(alg, legacy).is_some_and(|params| ring_verify(params, signature))
            }
            (Family::Ec(Curve::P256), A::EcdsaSha256) => {
                ring_verify(&sig::ECDSA_P256_SHA256_FIXED, signature)
            }
            (Family::Ec(curve @ Curve::P256), A::EcdsaSha384) => {
                asn1(&sig::ECDSA_P256_SHA384_ASN1, curve)
            }
            (Family::Ec(curve @ Curve::P384), A::EcdsaSha256) => {
                asn1(&sig::ECDSA_P384_SHA256_ASN1, curve)
            }
            (Family::Ec(Curve::P384), A::EcdsaSha384) => {
                ring_verify(&sig::ECDSA_P384_SHA384_FIXED, signature)
            }
            (Family::Ec(curve), A::EcdsaSha512) => {
                let digest = super::digest(DigestAlgorithm::Sha512, message);
                match curve {
                    Curve::P256 => prehash_verify::<NistP256>(&self.bytes, &digest, signature),
                    Curve::P384 => prehash_verify::<NistP384>(&self.bytes, &digest, signature),
                }
            }
            (Family::Ed25519, A::Ed25519) => ring_verify(&sig::ED25519, signature),
            _ => false,
        }
    }
}

/// ECDSA verification of a `digest` made outside, with the RustCrypto key of `point` (parsed
/// here, like every key on this backend) and the fixed-length `r || s` `signature`.
fn prehash_verify<C>(point: &[u8], digest: &super::Digest, signature: &[u8]) -> bool
where
    C: NistCurve,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let Ok(key) = ecdsa::VerifyingKey::<C>::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(signature) = ecdsa::Signature::<C>::from_slice(signature) else {
        return false;
    };
    key.verify_prehash(digest.as_ref(), &signature).is_ok()
}

/// Loads an ECDSA key pair; *ring* checks that `point` belongs to `scalar` (and wants a random
/// source for it, which aws-lc-rs does not).
pub(super) fn ecdsa_key_pair(
    alg: &'static EcdsaSigningAlgorithm,
    scalar: &[u8],
    point: &[u8],
) -> Result<EcdsaKeyPair, KeyRejected> {
    EcdsaKeyPair::from_private_key_and_public_key(alg, scalar, point, &SystemRandom::new())
}

/// The length of `pair`'s signatures: its modulus length.
pub(super) fn rsa_signature_len(pair: &RsaKeyPair) -> usize {
    pair.public().modulus_len()
}

/// Signs with Ed25519, which cannot fail in *ring*.
pub(super) fn ed25519_sign(
    pair: &Ed25519KeyPair,
    message: &[u8],
) -> Result<Vec<u8>, SigningFailed> {
    Ok(pair.sign(message).as_ref().to_vec())
}
