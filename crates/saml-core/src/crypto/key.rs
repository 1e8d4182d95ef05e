//! Private keys and signing.
//!
//! A [`SigningKey`] is loaded from PKCS#8 (`PRIVATE KEY`, PEM or DER),
//! PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`), parsed once by the crypto
//! backend (aws-lc-rs, or *ring* under the `ring` feature), and signs with it (RSA PKCS#1
//! v1.5 and PSS, ECDSA with fixed `r || s` output, Ed25519).
//!
//! Limits, the same on both backends:
//! - RSA signing keys must be 2048–4096 bits (*ring* 0.17's range);
//! - there is no RSA-SHA1 signing (verification only);
//! - ECDSA signing pairs the curve with its own hash only (P-256/SHA-256,
//!   P-384/SHA-384), the only pairs either library signs. ECDSA-SHA512 is signed with the
//!   RustCrypto `p256`/`p384` crates over the backend's SHA-512 digest (RFC 6979
//!   deterministic nonces); P-256/SHA-384 and P-384/SHA-256 cannot be signed.

use std::fmt;

use der::Decode as _;
use der::asn1::ObjectIdentifier;
use p256::NistP256;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use p256::elliptic_curve::{AffinePoint, FieldBytesSize};
use p384::NistP384;
use pkcs1::RsaPrivateKeyRef;
use pkcs8::PrivateKeyInfoRef;
use sec1::EcPrivateKey;

use crate::crypto::algorithm::{DigestAlgorithm, SignatureAlgorithm};
use crate::crypto::backend::{
    self, EcdsaSigningKey, Ed25519SigningKey, RSA_SIGN_MAX_BITS, RSA_SIGN_MIN_BITS, RsaSigningKey,
};
use crate::crypto::cert::{
    KeyKind, NistCurve, OID_EC_PUBLIC_KEY, OID_ED25519, OID_RSA_ENCRYPTION, PublicKey, invalid,
    rsa_modulus_bits,
};
use crate::crypto::{CryptoError, Origin, first_pem_block, looks_like_pem, trim_start};

const PRIVATE_KEY: &str = "PRIVATE KEY";
const RSA_PRIVATE_KEY: &str = "RSA PRIVATE KEY";
const EC_PRIVATE_KEY: &str = "EC PRIVATE KEY";

const RSA_SIGNING: &[SignatureAlgorithm] = &[
    SignatureAlgorithm::RsaSha256,
    SignatureAlgorithm::RsaSha384,
    SignatureAlgorithm::RsaSha512,
    SignatureAlgorithm::RsaPssSha256,
    SignatureAlgorithm::RsaPssSha384,
    SignatureAlgorithm::RsaPssSha512,
];
const ED25519_SIGNING: &[SignatureAlgorithm] = &[SignatureAlgorithm::Ed25519];

enum KeyPair {
    Rsa(RsaSigningKey),
    P256(EcKeyPair<NistP256>),
    P384(EcKeyPair<NistP384>),
    Ed25519(Ed25519SigningKey),
}

/// An ECDSA key on curve `C`, held twice: the backend signs with the curve's own hash, the
/// RustCrypto key only with SHA-512, which neither backend signs with.
struct EcKeyPair<C: NistCurve> {
    backend: EcdsaSigningKey,
    prehash: ecdsa::SigningKey<C>,
}

impl<C> EcKeyPair<C>
where
    C: NistCurve,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
    ecdsa::SigningKey<C>: PrehashSigner<ecdsa::Signature<C>>,
{
    /// Loads the private `scalar` with its public `point` if the key file has one (it is
    /// derived otherwise; the backend checks that the two belong together). Returns the pair and
    /// the uncompressed public point.
    fn load(
        scalar: &[u8],
        point: Option<&[u8]>,
        origin: &Origin,
    ) -> Result<(Self, Vec<u8>), CryptoError> {
        let bad = |reason: &str| CryptoError::InvalidKey {
            origin: origin.clone(),
            reason: reason.to_owned(),
        };
        let scalar = Scrubbed(
            fixed_width(scalar, C::FIELD_LEN)
                .ok_or_else(|| bad("EC private scalar is longer than the curve order"))?,
        );
        let prehash = ecdsa::SigningKey::<C>::from_slice(&scalar.0)
            .map_err(|_| bad("EC private scalar is out of range"))?;
        let point = match point {
            Some(point) => point.to_vec(),
            None => prehash
                .verifying_key()
                .to_sec1_point(false)
                .as_bytes()
                .to_vec(),
        };
        let backend =
            EcdsaSigningKey::new(C::CURVE, &scalar.0, &point).map_err(|e| rejected(origin, &e))?;
        Ok((Self { backend, prehash }, point))
    }

    /// Signs with `alg`, one of [`NistCurve::SIGNING`].
    fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed = || CryptoError::SigningFailed {
            algorithm: alg.uri(),
        };
        if alg == SignatureAlgorithm::EcdsaSha512 {
            let digest = DigestAlgorithm::Sha512.digest(message);
            let sig: ecdsa::Signature<C> = self
                .prehash
                .sign_prehash(digest.as_ref())
                .map_err(|_| failed())?;
            Ok(sig.to_bytes().to_vec())
        } else {
            self.backend.sign(message).map_err(|_| failed())
        }
    }
}

/// A private key, parsed once on load, that signs XML Signature `SignedInfo`.
pub struct SigningKey {
    pair: KeyPair,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses the first `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or
    /// `EC PRIVATE KEY` (SEC1) PEM block; other blocks (e.g. `EC PARAMETERS`)
    /// are skipped. Encrypted keys are refused.
    pub fn from_pem(pem: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("private key", label);
        let block = first_pem_block(
            pem,
            &[PRIVATE_KEY, RSA_PRIVATE_KEY, EC_PRIVATE_KEY],
            &origin,
        )?;
        match block.label.as_str() {
            PRIVATE_KEY => Self::pkcs8(&block.der, &origin),
            RSA_PRIVATE_KEY => Self::pkcs1(&block.der, &origin),
            _ => Self::sec1(&block.der, &origin),
        }
    }

    /// Parses a DER PKCS#8 `PrivateKeyInfo` (RSA, EC P-256/P-384 or Ed25519).
    pub fn from_pkcs8_der(der: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        Self::pkcs8(der, &Origin::new("private key", label))
    }

    /// Parses a DER PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        Self::pkcs1(der, &Origin::new("private key", label))
    }

    /// Parses a DER SEC1 `ECPrivateKey` (it must name its curve).
    pub fn from_sec1_der(der: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        Self::sec1(der, &Origin::new("private key", label))
    }

    /// Loads a key from PEM, or from DER in any of the three forms
    /// (told apart by their ASN.1 structure).
    pub fn from_any(bytes: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let trimmed = trim_start(bytes);
        if looks_like_pem(trimmed) {
            return Self::from_pem(trimmed, label);
        }
        let origin = Origin::new("private key", label);
        // PKCS#8: SEQUENCE { INTEGER, SEQUENCE, ... }
        // PKCS#1: SEQUENCE { INTEGER, INTEGER, ... }
        // SEC1:   SEQUENCE { INTEGER, OCTET STRING, ... }
        // so at most one of the three parsers accepts the bytes.
        let as_pkcs8 = match PrivateKeyInfoRef::from_der(bytes) {
            Ok(info) => return Self::from_pkcs8_info(&info, bytes, &origin),
            Err(e) => e,
        };
        let as_pkcs1 = match RsaPrivateKeyRef::from_der(bytes) {
            Ok(key) => return Self::from_pkcs1_key(&key, bytes, &origin),
            Err(e) => e,
        };
        let as_sec1 = match EcPrivateKey::from_der(bytes) {
            Ok(key) => return Self::from_sec1_key(&key, None, &origin),
            Err(e) => e,
        };
        // Bytes that are not a DER SEQUENCE at all fail the three alike.
        let why = if as_pkcs8 == as_pkcs1 && as_pkcs1 == as_sec1 {
            as_pkcs8.to_string()
        } else {
            format!("as PKCS#8: {as_pkcs8}; as PKCS#1: {as_pkcs1}; as SEC1: {as_sec1}")
        };
        Err(CryptoError::InvalidEncoding {
            origin,
            reason: format!("neither PEM nor a DER PKCS#8, PKCS#1 or SEC1 private key ({why})"),
        })
    }

    fn pkcs8(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let info = PrivateKeyInfoRef::from_der(der)
            .map_err(|e| invalid(origin, "not a valid PKCS#8 private key", e))?;
        Self::from_pkcs8_info(&info, der, origin)
    }

    /// Loads the key of a parsed PKCS#8 document `der`.
    fn from_pkcs8_info(
        info: &PrivateKeyInfoRef<'_>,
        der: &[u8],
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        let oid = info.algorithm.oid;
        let private_key = info.private_key.as_bytes();
        if oid == OID_RSA_ENCRYPTION {
            let key = RsaPrivateKeyRef::from_der(private_key)
                .map_err(|e| invalid(origin, "not a valid PKCS#1 RSA private key", e))?;
            check_rsa_signing_size(rsa_modulus_bits(key.modulus.as_bytes()), origin)?;
            let pair = RsaSigningKey::from_pkcs8(der).map_err(|e| rejected(origin, &e))?;
            Self::from_rsa(pair, origin)
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve =
                info.algorithm
                    .parameters_oid()
                    .map_err(|_| CryptoError::UnsupportedKey {
                        origin: origin.clone(),
                        reason: "EC key without a named curve".to_owned(),
                    })?;
            let key = EcPrivateKey::from_der(private_key)
                .map_err(|e| invalid(origin, "not a valid SEC1 EC private key", e))?;
            Self::from_sec1_key(&key, Some(curve), origin)
        } else if oid == OID_ED25519 {
            let pair = Ed25519SigningKey::from_pkcs8(der).map_err(|e| rejected(origin, &e))?;
            let public = PublicKey::ed25519_from_bytes(pair.public_key(), origin)?;
            Ok(Self::new(KeyPair::Ed25519(pair), public))
        } else {
            Err(CryptoError::UnsupportedKey {
                origin: origin.clone(),
                reason: format!("private key algorithm OID {oid} is not supported"),
            })
        }
    }

    fn pkcs1(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let key = RsaPrivateKeyRef::from_der(der)
            .map_err(|e| invalid(origin, "not a valid PKCS#1 RSA private key", e))?;
        Self::from_pkcs1_key(&key, der, origin)
    }

    /// Loads the key of a parsed PKCS#1 document `der`.
    fn from_pkcs1_key(
        key: &RsaPrivateKeyRef<'_>,
        der: &[u8],
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        check_rsa_signing_size(rsa_modulus_bits(key.modulus.as_bytes()), origin)?;
        let pair = RsaSigningKey::from_pkcs1(der).map_err(|e| rejected(origin, &e))?;
        Self::from_rsa(pair, origin)
    }

    fn from_rsa(pair: RsaSigningKey, origin: &Origin) -> Result<Self, CryptoError> {
        let public = PublicKey::rsa_from_pkcs1(pair.public_key_der(), origin)?;
        Ok(Self::new(KeyPair::Rsa(pair), public))
    }

    fn sec1(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let key = EcPrivateKey::from_der(der)
            .map_err(|e| invalid(origin, "not a valid SEC1 EC private key", e))?;
        Self::from_sec1_key(&key, None, origin)
    }

    /// Loads a parsed `ECPrivateKey`; `outer_curve` is the curve named by the
    /// PKCS#8 wrapper, if any.
    fn from_sec1_key(
        key: &EcPrivateKey<'_>,
        outer_curve: Option<ObjectIdentifier>,
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        let bad = |reason: &str| CryptoError::InvalidKey {
            origin: origin.clone(),
            reason: reason.to_owned(),
        };
        let inner_curve = key.parameters.and_then(|p| p.named_curve());
        let curve = match (outer_curve, inner_curve) {
            (Some(outer), Some(inner)) if outer != inner => {
                return Err(bad("the PKCS#8 and SEC1 curve parameters differ"));
            }
            (Some(curve), _) | (None, Some(curve)) => curve,
            (None, None) => {
                return Err(CryptoError::UnsupportedKey {
                    origin: origin.clone(),
                    reason: "EC private key does not name its curve".to_owned(),
                });
            }
        };
        let (pair, point) = if curve == NistP256::OID {
            let (pair, point) =
                EcKeyPair::<NistP256>::load(key.private_key, key.public_key, origin)?;
            (KeyPair::P256(pair), point)
        } else if curve == NistP384::OID {
            let (pair, point) =
                EcKeyPair::<NistP384>::load(key.private_key, key.public_key, origin)?;
            (KeyPair::P384(pair), point)
        } else {
            return Err(CryptoError::UnsupportedKey {
                origin: origin.clone(),
                reason: format!("EC curve OID {curve} is not supported"),
            });
        };
        let public = PublicKey::ec_from_point(&curve, &point, origin)?;
        Ok(Self::new(pair, public))
    }

    fn new(pair: KeyPair, public: PublicKey) -> Self {
        Self { pair, public }
    }

    /// The matching public key; compare it with a certificate's
    /// [`Certificate::public_key`](crate::crypto::Certificate::public_key).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key type.
    pub fn kind(&self) -> KeyKind {
        self.public.kind()
    }

    /// The algorithms this key can sign with.
    pub fn signing_algorithms(&self) -> &'static [SignatureAlgorithm] {
        match &self.pair {
            KeyPair::Rsa(_) => RSA_SIGNING,
            KeyPair::P256(_) => NistP256::SIGNING,
            KeyPair::P384(_) => NistP384::SIGNING,
            KeyPair::Ed25519(_) => ED25519_SIGNING,
        }
    }

    /// The usual algorithm for this key: RSA-SHA256, ECDSA-SHA256 (P-256),
    /// ECDSA-SHA384 (P-384) or Ed25519.
    pub fn default_algorithm(&self) -> SignatureAlgorithm {
        match &self.pair {
            KeyPair::Rsa(_) => SignatureAlgorithm::RsaSha256,
            KeyPair::P256(_) => SignatureAlgorithm::EcdsaSha256,
            KeyPair::P384(_) => SignatureAlgorithm::EcdsaSha384,
            KeyPair::Ed25519(_) => SignatureAlgorithm::Ed25519,
        }
    }

    /// Whether this key can sign with `alg`: [`CryptoError::KeyAlgorithmMismatch`] for an
    /// algorithm of another key family, [`CryptoError::UnsupportedAlgorithm`] for one of the
    /// right family that this key cannot sign.
    pub fn check_algorithm(&self, alg: SignatureAlgorithm) -> Result<(), CryptoError> {
        if self.signing_algorithms().contains(&alg) {
            Ok(())
        } else if same_family(self.kind(), alg) {
            Err(CryptoError::UnsupportedAlgorithm {
                uri: alg.uri().to_owned(),
                allowed: self.signing_algorithms().iter().map(|a| a.uri()).collect(),
            })
        } else {
            Err(CryptoError::KeyAlgorithmMismatch {
                algorithm: alg.uri(),
                key: self.kind(),
            })
        }
    }

    /// Signs `message` (the canonicalized `SignedInfo`) with `alg`.
    ///
    /// ECDSA signatures are the fixed-length `r || s` XML Signature uses.
    /// An algorithm of another key family gives
    /// [`CryptoError::KeyAlgorithmMismatch`]; one of the right family that
    /// cannot be signed (see the module docs) gives
    /// [`CryptoError::UnsupportedAlgorithm`].
    pub fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use SignatureAlgorithm as A;
        let failed = |_| CryptoError::SigningFailed {
            algorithm: alg.uri(),
        };
        match (&self.pair, alg) {
            (KeyPair::Rsa(pair), _) if RSA_SIGNING.contains(&alg) => {
                pair.sign(alg, message).map_err(failed)
            }
            (KeyPair::P256(pair), _) if NistP256::SIGNING.contains(&alg) => pair.sign(alg, message),
            (KeyPair::P384(pair), _) if NistP384::SIGNING.contains(&alg) => pair.sign(alg, message),
            (KeyPair::Ed25519(pair), A::Ed25519) => pair.sign(message).map_err(failed),
            _ if same_family(self.kind(), alg) => Err(CryptoError::UnsupportedAlgorithm {
                uri: alg.uri().to_owned(),
                allowed: self.signing_algorithms().iter().map(|a| a.uri()).collect(),
            }),
            _ => Err(CryptoError::KeyAlgorithmMismatch {
                algorithm: alg.uri(),
                key: self.kind(),
            }),
        }
    }
}

/// Whether `alg` is meant for keys of `kind`'s family.
fn same_family(kind: KeyKind, alg: SignatureAlgorithm) -> bool {
    use SignatureAlgorithm as A;
    match kind {
        KeyKind::Rsa { .. } => matches!(
            alg,
            A::RsaSha1
                | A::RsaSha256
                | A::RsaSha384
                | A::RsaSha512
                | A::RsaPssSha256
                | A::RsaPssSha384
                | A::RsaPssSha512
        ),
        KeyKind::EcP256 | KeyKind::EcP384 => {
            matches!(alg, A::EcdsaSha256 | A::EcdsaSha384 | A::EcdsaSha512)
        }
        KeyKind::Ed25519 => alg == A::Ed25519,
    }
}

fn rejected(origin: &Origin, err: &backend::KeyRejected) -> CryptoError {
    CryptoError::InvalidKey {
        origin: origin.clone(),
        reason: err.to_string(),
    }
}

fn check_rsa_signing_size(bits: u32, origin: &Origin) -> Result<(), CryptoError> {
    if (RSA_SIGN_MIN_BITS..=RSA_SIGN_MAX_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(CryptoError::InvalidKey {
            origin: origin.clone(),
            reason: format!(
                "RSA key of {bits} bits cannot sign; signing keys must have {RSA_SIGN_MIN_BITS} to {RSA_SIGN_MAX_BITS} bits"
            ),
        })
    }
}

/// A copy of secret bytes that is overwritten on drop (best effort: without
/// `unsafe` the compiler could in theory elide the writes).
struct Scrubbed(Vec<u8>);

impl Drop for Scrubbed {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&mut self.0);
    }
}

/// Left-pads a big-endian scalar with zeros to `len` bytes (or strips
/// surplus leading zeros); `None` if it does not fit.
fn fixed_width(scalar: &[u8], len: usize) -> Option<Vec<u8>> {
    let start = scalar.iter().position(|b| *b != 0).unwrap_or(scalar.len());
    let significant = &scalar[start..];
    if significant.len() > len {
        return None;
    }
    let mut out = vec![0; len - significant.len()];
    out.extend_from_slice(significant);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::AlgorithmPolicy;
    use crate::crypto::cert::tests::{MESSAGE, testdata};
    use crate::crypto::{Certificate, PublicKey};

    fn load(file: &str) -> SigningKey {
        SigningKey::from_any(&testdata(file), Some(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
    }

    fn cert_key(file: &str) -> PublicKey {
        Certificate::from_pem(&testdata(file), Some(file))
            .unwrap()
            .public_key()
            .clone()
    }

    #[test]
    fn every_key_form_loads_and_matches_its_certificate() {
        let cases: &[(&str, KeyKind, Option<&str>)] = &[
            (
                "rsa2048.pk8.pem",
                KeyKind::Rsa { bits: 2048 },
                Some("rsa2048.cert.pem"),
            ),
            (
                "rsa2048.pk8.der",
                KeyKind::Rsa { bits: 2048 },
                Some("rsa2048.cert.pem"),
            ),
            (
                "rsa2048.pkcs1.pem",
                KeyKind::Rsa { bits: 2048 },
                Some("rsa2048.cert.pem"),
            ),
            (
                "rsa2048.pkcs1.der",
                KeyKind::Rsa { bits: 2048 },
                Some("rsa2048.cert.pem"),
            ),
            (
                "rsa3072.pk8.pem",
                KeyKind::Rsa { bits: 3072 },
                Some("rsa3072.cert.pem"),
            ),
            ("rsa4096.pk8.pem", KeyKind::Rsa { bits: 4096 }, None),
            ("p256.pk8.pem", KeyKind::EcP256, Some("p256.cert.pem")),
            ("p256.pk8.der", KeyKind::EcP256, Some("p256.cert.pem")),
            ("p256.sec1.pem", KeyKind::EcP256, Some("p256.cert.pem")),
            (
                "p256.sec1-nopub.pem",
                KeyKind::EcP256,
                Some("p256.cert.pem"),
            ),
            ("p384.pk8.pem", KeyKind::EcP384, Some("p384.cert.pem")),
            ("p384.sec1.pem", KeyKind::EcP384, Some("p384.cert.pem")),
            ("p384.sec1.der", KeyKind::EcP384, Some("p384.cert.pem")),
            (
                "ed25519.pk8.pem",
                KeyKind::Ed25519,
                Some("ed25519.cert.pem"),
            ),
        ];
        for (file, kind, cert) in cases {
            let key = load(file);
            assert_eq!(key.kind(), *kind, "{file}");
            if let Some(cert) = cert {
                assert_eq!(key.public_key(), &cert_key(cert), "{file} vs {cert}");
            }
        }
        // The explicit loaders agree with the sniffing one.
        let pk8 = load("rsa2048.pk8.pem");
        let pkcs1 = SigningKey::from_pkcs1_der(&testdata("rsa2048.pkcs1.der"), None).unwrap();
        let pk8_der = SigningKey::from_pkcs8_der(&testdata("rsa2048.pk8.der"), None).unwrap();
        assert_eq!(pk8.public_key(), pkcs1.public_key());
        assert_eq!(pk8.public_key(), pk8_der.public_key());
        let sec1 = SigningKey::from_sec1_der(&testdata("p384.sec1.der"), None).unwrap();
        assert_eq!(sec1.public_key(), &cert_key("p384.cert.pem"));
        // A key is not its neighbour's.
        assert_ne!(
            load("p256.pk8.pem").public_key(),
            &cert_key("p384.cert.pem")
        );
        assert_ne!(pk8.public_key(), &cert_key("rsa3072.cert.pem"));
        // Debug never shows key material.
        assert_eq!(
            format!("{pk8:?}"),
            "SigningKey { kind: Rsa { bits: 2048 }, .. }"
        );
    }

    #[test]
    fn sign_verify_round_trip_for_every_algorithm() {
        let strict = AlgorithmPolicy::default();
        let mut count = 0;
        for file in [
            "rsa2048.pk8.pem",
            "rsa3072.pk8.pem",
            "rsa4096.pk8.pem",
            "p256.pk8.pem",
            "p384.sec1.pem",
            "ed25519.pk8.pem",
        ] {
            let key = load(file);
            let public = key.public_key();
            assert!(key.signing_algorithms().contains(&key.default_algorithm()));
            for alg in key.signing_algorithms() {
                let sig = key
                    .sign(*alg, MESSAGE)
                    .unwrap_or_else(|e| panic!("{file} {alg:?}: {e}"));
                public
                    .verify(*alg, &strict, MESSAGE, &sig)
                    .unwrap_or_else(|e| panic!("{file} {alg:?}: {e}"));
                let mut bad = sig.clone();
                bad[0] ^= 0x80;
                let err = public.verify(*alg, &strict, MESSAGE, &bad).unwrap_err();
                assert!(
                    matches!(err, CryptoError::BadSignature),
                    "{file} {alg:?}: {err:?}"
                );
                let err = public.verify(*alg, &strict, b"other", &sig).unwrap_err();
                assert!(
                    matches!(err, CryptoError::BadSignature),
                    "{file} {alg:?}: {err:?}"
                );
                count += 1;
            }
        }
        // 3 RSA keys x 6, P-256 x 2, P-384 x 2, Ed25519 x 1.
        assert_eq!(count, 23);
    }

    #[test]
    fn ecdsa_signatures_are_fixed_length_r_s() {
        for (file, alg, len) in [
            ("p256.pk8.pem", SignatureAlgorithm::EcdsaSha256, 64),
            ("p256.pk8.pem", SignatureAlgorithm::EcdsaSha512, 64),
            ("p384.pk8.pem", SignatureAlgorithm::EcdsaSha384, 96),
            ("p384.pk8.pem", SignatureAlgorithm::EcdsaSha512, 96),
        ] {
            assert_eq!(
                load(file).sign(alg, MESSAGE).unwrap().len(),
                len,
                "{file} {alg:?}"
            );
        }
    }

    #[test]
    fn deterministic_signatures_equal_openssl_output() {
        // RSA PKCS#1 v1.5 and Ed25519 are deterministic, so the backend must produce
        // exactly what `openssl dgst -sign` / `openssl pkeyutl -sign` produced.
        let rsa = load("rsa2048.pkcs1.pem");
        assert_eq!(
            rsa.sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap(),
            testdata("rsa2048.sha256.sig")
        );
        assert_eq!(
            rsa.sign(SignatureAlgorithm::RsaSha512, MESSAGE).unwrap(),
            testdata("rsa2048.sha512.sig")
        );
        assert_eq!(
            load("ed25519.pk8.pem")
                .sign(SignatureAlgorithm::Ed25519, MESSAGE)
                .unwrap(),
            testdata("ed25519.sig")
        );
    }

    #[test]
    fn signing_with_the_wrong_algorithm_is_refused() {
        use SignatureAlgorithm as A;
        let rsa = load("rsa2048.pk8.pem");
        let p256 = load("p256.pk8.pem");
        let p384 = load("p384.pk8.pem");
        let ed = load("ed25519.pk8.pem");
        for (key, alg) in [
            (&rsa, A::EcdsaSha256),
            (&rsa, A::Ed25519),
            (&p256, A::RsaSha256),
            (&p384, A::Ed25519),
            (&ed, A::EcdsaSha512),
            (&ed, A::RsaPssSha256),
        ] {
            match key.sign(alg, MESSAGE) {
                Err(CryptoError::KeyAlgorithmMismatch {
                    algorithm,
                    key: kind,
                }) => {
                    assert_eq!(algorithm, alg.uri());
                    assert_eq!(kind, key.kind());
                }
                other => panic!("{alg:?}: expected KeyAlgorithmMismatch, got {other:?}"),
            }
        }
        // Right family, but no backend signs it.
        for (key, alg) in [
            (&rsa, A::RsaSha1),
            (&p256, A::EcdsaSha384),
            (&p384, A::EcdsaSha256),
        ] {
            match key.sign(alg, MESSAGE) {
                Err(CryptoError::UnsupportedAlgorithm { uri, allowed }) => {
                    assert_eq!(uri, alg.uri());
                    assert_eq!(allowed.len(), key.signing_algorithms().len());
                }
                other => panic!("{alg:?}: expected UnsupportedAlgorithm, got {other:?}"),
            }
        }
    }

    #[test]
    fn rsa_1024_cannot_sign() {
        let err = SigningKey::from_pem(&testdata("rsa1024.pk8.pem"), Some("rsa1024.pk8.pem"))
            .unwrap_err();
        assert!(matches!(err, CryptoError::InvalidKey { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "private key file `rsa1024.pk8.pem`: invalid key: RSA key of 1024 bits cannot sign; signing keys must have 2048 to 4096 bits"
        );
    }

    #[test]
    fn key_file_errors_name_file_and_problem() {
        let err =
            SigningKey::from_pem(&testdata("rsa2048.encrypted.pem"), Some("sp.key")).unwrap_err();
        assert!(matches!(err, CryptoError::EncryptedKey { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("private key file `sp.key`: the private key is encrypted")
        );

        let err = SigningKey::from_any(&testdata("rsa2048.cert.pem"), Some("sp.crt")).unwrap_err();
        assert!(matches!(err, CryptoError::NoPemBlock { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "private key file `sp.crt`: no PEM block `PRIVATE KEY` or `RSA PRIVATE KEY` or `EC PRIVATE KEY` found (found `CERTIFICATE`)"
        );

        let err = SigningKey::from_any(b"\x04\x02\x00\x00", Some("junk.der")).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );

        // A PKCS#8 document with its last bytes cut off.
        let mut der = testdata("rsa2048.pk8.der");
        der.truncate(der.len() - 3);
        let err = SigningKey::from_pkcs8_der(&der, Some("cut.der")).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("private key file `cut.der`: not a valid PKCS#8 private key"),
            "{err}"
        );
        // Through the sniffing loader, each parser says why the bytes are not its form.
        let err = SigningKey::from_any(&der, Some("cut.der")).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with(
                "private key file `cut.der`: neither PEM nor a DER PKCS#8, PKCS#1 or SEC1 private key (ASN.1 DER message is incomplete"
            ),
            "{err}"
        );
        // A PKCS#1 key whose second INTEGER is cut: each parser fails in its own way.
        let err = SigningKey::from_any(b"\x30\x05\x02\x01\x00\x02\x01", None).unwrap_err();
        assert!(err.to_string().contains("as PKCS#1: "), "{err}");

        // SEC1 key whose public key belongs to another private key: the backend's
        // consistency check catches it.
        let mut sec1 = crate::crypto::first_pem_block(
            &testdata("p256.sec1.pem"),
            &[EC_PRIVATE_KEY],
            &Origin::new("private key", None),
        )
        .unwrap()
        .der;
        sec1[10] ^= 0x01; // inside the private scalar (offset 7..39)
        let err = SigningKey::from_sec1_der(&sec1, Some("p256.key")).unwrap_err();
        assert!(matches!(err, CryptoError::InvalidKey { .. }), "{err:?}");
    }

    #[test]
    fn fixed_width_pads_and_strips() {
        assert_eq!(fixed_width(&[1, 2], 4), Some(vec![0, 0, 1, 2]));
        assert_eq!(fixed_width(&[0, 0, 1, 2, 3, 4], 4), Some(vec![1, 2, 3, 4]));
        assert_eq!(fixed_width(&[9, 1, 2, 3, 4], 4), None);
    }
}
