//! X.509 certificates and bare public keys, and signature verification.
//!
//! A [`Certificate`] can be loaded from PEM (one or many blocks), DER, or the
//! bare base64 that SAML metadata (`ds:X509Certificate`) and IdP consoles
//! show. Some identity providers publish only a key, so a [`PublicKey`] can
//! also be loaded from a `PUBLIC KEY` (SubjectPublicKeyInfo) or
//! `RSA PUBLIC KEY` (PKCS#1) block; [`TrustAnchor::from_any`] accepts all of
//! these.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Encode};
use ecdsa::EcdsaCurve;
use p256::NistP256;
use p256::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use p256::elliptic_curve::{AffinePoint, CurveArithmetic, FieldBytesSize};
use p384::NistP384;
use pkcs1::RsaPublicKeyRef;
use x509_cert::spki::SubjectPublicKeyInfoRef;

use crate::crypto::algorithm::{AlgorithmPolicy, DigestAlgorithm, SignatureAlgorithm};
use crate::crypto::backend::{
    self, Curve, RSA_VERIFY_MAX_BITS, RSA_VERIFY_MIN_BITS, RSA_VERIFY_MIN_BITS_STRICT,
};
use crate::crypto::{
    CryptoError, Origin, decode_base64, first_pem_block, looks_like_der, looks_like_pem,
    pem_blocks, trim_start,
};

pub(crate) const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
pub(crate) const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

/// The type (and, for RSA, size) of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
    },
    /// ECDSA on NIST P-256 (secp256r1).
    EcP256,
    /// ECDSA on NIST P-384 (secp384r1).
    EcP384,
    /// Ed25519.
    Ed25519,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "{bits}-bit RSA"),
            Self::EcP256 => f.write_str("ECDSA P-256"),
            Self::EcP384 => f.write_str("ECDSA P-384"),
            Self::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

#[derive(Clone)]
enum Inner {
    /// Canonical DER `RSAPublicKey`.
    Rsa { der: Vec<u8>, bits: u32 },
    /// Uncompressed SEC1 point.
    P256 { point: Vec<u8> },
    /// Uncompressed SEC1 point.
    P384 { point: Vec<u8> },
    /// The 32-byte public key.
    Ed25519 { key: [u8; 32] },
}

/// A parsed public key, ready for verification.
///
/// Two keys are equal when they are the same key, whatever file format they
/// were loaded from.
#[derive(Clone)]
pub struct PublicKey {
    inner: Inner,
    /// The key in the crypto backend's form (on aws-lc-rs, parsed once per algorithm and
    /// shared by every clone).
    key: Arc<backend::VerifyingKey>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind() && self.bytes() == other.bytes()
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kind", &self.kind())
            .field("bytes", &hex(self.bytes(), ""))
            .finish()
    }
}

impl PublicKey {
    /// The key type.
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            Inner::Rsa { bits, .. } => KeyKind::Rsa { bits: *bits },
            Inner::P256 { .. } => KeyKind::EcP256,
            Inner::P384 { .. } => KeyKind::EcP384,
            Inner::Ed25519 { .. } => KeyKind::Ed25519,
        }
    }

    /// The key's bytes: the DER `RSAPublicKey` (PKCS#1) for RSA, the uncompressed point
    /// (`04 || X || Y`) for ECDSA, the 32 raw bytes for Ed25519.
    pub fn bytes(&self) -> &[u8] {
        match &self.inner {
            Inner::Rsa { der, .. } => der,
            Inner::P256 { point, .. } | Inner::P384 { point, .. } => point,
            Inner::Ed25519 { key } => key,
        }
    }

    /// Parses a DER `SubjectPublicKeyInfo` (the body of a `PUBLIC KEY` PEM block).
    pub fn from_spki_der(der: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        Self::from_spki_der_at(der, &Origin::new("public key", label))
    }

    /// Parses a DER PKCS#1 `RSAPublicKey` (the body of an `RSA PUBLIC KEY` PEM block).
    pub fn from_pkcs1_der(der: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        Self::rsa_from_pkcs1(der, &Origin::new("public key", label))
    }

    /// Parses the first `PUBLIC KEY`, `RSA PUBLIC KEY` or `CERTIFICATE` PEM
    /// block (for a certificate, its subject public key).
    pub fn from_pem(pem: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("public key", label);
        let block = first_pem_block(pem, &[PUBLIC_KEY, RSA_PUBLIC_KEY, CERTIFICATE], &origin)?;
        TrustAnchor::from_block(&block.label, &block.der, &origin).map(TrustAnchor::into_public_key)
    }

    /// Loads a public key from anything [`TrustAnchor::from_any`] accepts.
    pub fn from_any(bytes: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        TrustAnchor::from_any(bytes, label).map(TrustAnchor::into_public_key)
    }

    pub(crate) fn from_spki_der_at(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| invalid(origin, "not a valid SubjectPublicKeyInfo", e))?;
        Self::from_spki_parts(
            &spki.algorithm.oid,
            spki.algorithm.parameters,
            spki.subject_public_key.as_bytes(),
            origin,
        )
    }

    /// Builds a key from the pieces of a `SubjectPublicKeyInfo`; `key` is
    /// `None` when the BIT STRING has unused bits.
    pub(crate) fn from_spki_parts(
        oid: &ObjectIdentifier,
        params: Option<AnyRef<'_>>,
        key: Option<&[u8]>,
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        let unsupported = |reason: String| CryptoError::UnsupportedKey {
            origin: origin.clone(),
            reason,
        };
        let key = key.ok_or_else(|| CryptoError::InvalidEncoding {
            origin: origin.clone(),
            reason: "public key BIT STRING has unused bits".to_owned(),
        })?;
        if *oid == OID_RSA_ENCRYPTION {
            Self::rsa_from_pkcs1(key, origin)
        } else if *oid == OID_EC_PUBLIC_KEY {
            let curve = params
                .ok_or_else(|| unsupported("EC key without a named curve".to_owned()))?
                .decode_as::<ObjectIdentifier>()
                .map_err(|_| unsupported("EC key with explicit curve parameters".to_owned()))?;
            Self::ec_from_point(&curve, key, origin)
        } else if *oid == OID_ED25519 {
            Self::ed25519_from_bytes(key, origin)
        } else if *oid == OID_RSASSA_PSS {
            Err(unsupported(
                "RSASSA-PSS-restricted RSA keys (id-RSASSA-PSS) are not supported; use an rsaEncryption key"
                    .to_owned(),
            ))
        } else if *oid == OID_DSA {
            Err(unsupported("DSA keys are not supported".to_owned()))
        } else if *oid == OID_ED448 {
            Err(unsupported("Ed448 keys are not supported".to_owned()))
        } else {
            Err(unsupported(format!(
                "key algorithm OID {oid} is not supported"
            )))
        }
    }

    pub(crate) fn rsa_from_pkcs1(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let key = RsaPublicKeyRef::from_der(der)
            .map_err(|e| invalid(origin, "not a valid PKCS#1 RSAPublicKey", e))?;
        let bits = rsa_modulus_bits(key.modulus.as_bytes());
        if bits == 0 {
            return Err(CryptoError::InvalidKey {
                origin: origin.clone(),
                reason: "RSA modulus is zero".to_owned(),
            });
        }
        // Re-encode so that equal keys have equal bytes.
        let der = key
            .to_der()
            .map_err(|e| invalid(origin, "cannot re-encode RSAPublicKey", e))?;
        Ok(Self::from_inner(Inner::Rsa { der, bits }))
    }

    pub(crate) fn ec_from_point(
        curve: &ObjectIdentifier,
        point: &[u8],
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        let inner = if *curve == NistP256::OID {
            check_ec_point::<NistP256>(point, origin)?;
            Inner::P256 {
                point: point.to_vec(),
            }
        } else if *curve == NistP384::OID {
            check_ec_point::<NistP384>(point, origin)?;
            Inner::P384 {
                point: point.to_vec(),
            }
        } else if *curve == OID_P521 {
            return Err(CryptoError::UnsupportedKey {
                origin: origin.clone(),
                reason: "curve P-521 is not supported".to_owned(),
            });
        } else {
            return Err(CryptoError::UnsupportedKey {
                origin: origin.clone(),
                reason: format!("EC curve OID {curve} is not supported"),
            });
        };
        Ok(Self::from_inner(inner))
    }

    fn from_inner(inner: Inner) -> Self {
        let key = match &inner {
            Inner::Rsa { der, bits } => backend::VerifyingKey::rsa(der, *bits),
            Inner::P256 { point } => backend::VerifyingKey::ec(Curve::P256, point),
            Inner::P384 { point } => backend::VerifyingKey::ec(Curve::P384, point),
            Inner::Ed25519 { key } => backend::VerifyingKey::ed25519(key),
        };
        Self {
            inner,
            key: Arc::new(key),
        }
    }

    pub(crate) fn ed25519_from_bytes(key: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let key = <[u8; 32]>::try_from(key).map_err(|_| CryptoError::InvalidKey {
            origin: origin.clone(),
            reason: format!("Ed25519 public key is {} bytes, not 32", key.len()),
        })?;
        Ok(Self::from_inner(Inner::Ed25519 { key }))
    }

    /// Verifies `signature` over `message`.
    ///
    /// The algorithm must suit the key ([`CryptoError::KeyAlgorithmMismatch`])
    /// and the policy ([`CryptoError::Sha1NotAllowed`],
    /// [`CryptoError::RsaKeyTooSmall`]). ECDSA signatures are XML Signature's
    /// fixed-length `r || s`. A wrong signature gives
    /// [`CryptoError::BadSignature`] and nothing more.
    ///
    /// RSA limits are those of both crypto backends (aws-lc-rs and *ring*): keys of
    /// 2048–8192 bits work with every RSA algorithm; 1024–2047-bit keys (only when the
    /// policy's `min_rsa_bits` allows them) work with RSA-SHA1, RSA-SHA256 and RSA-SHA512
    /// through the `RSA_PKCS1_1024_8192_*_FOR_LEGACY_USE_ONLY` parameters, but not with
    /// RSA-SHA384 or RSA-PSS, which have no such variant (reported as
    /// `RsaKeyTooSmall { min: 2048 }`).
    pub fn verify(
        &self,
        alg: SignatureAlgorithm,
        policy: &AlgorithmPolicy,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        use SignatureAlgorithm as A;
        policy.check_signature_algorithm(alg)?;
        match (&self.inner, alg) {
            (
                Inner::Rsa { bits, .. },
                A::RsaSha1
                | A::RsaSha256
                | A::RsaSha384
                | A::RsaSha512
                | A::RsaPssSha256
                | A::RsaPssSha384
                | A::RsaPssSha512,
            ) => check_rsa_size(alg, *bits, policy)?,
            (Inner::P256 { .. }, A::EcdsaSha256 | A::EcdsaSha384 | A::EcdsaSha512) => {
                check_fixed_len(signature, Curve::P256)?;
            }
            (Inner::P384 { .. }, A::EcdsaSha256 | A::EcdsaSha384 | A::EcdsaSha512) => {
                check_fixed_len(signature, Curve::P384)?;
            }
            (Inner::Ed25519 { .. }, A::Ed25519) => {}
            _ => {
                return Err(CryptoError::KeyAlgorithmMismatch {
                    algorithm: alg.uri(),
                    key: self.kind(),
                });
            }
        }
        // The mathematics, the one place a verdict is made (and the one a fuzzing build skips:
        // see `crypto::no_security`).
        if super::signature_math(|| self.key.verify(alg, message, signature)) {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }
}

/// What differs between the NIST curves keys can be on (P-256 and P-384): the code that loads
/// EC keys, public and private, and signs with them is written once over it.
pub(crate) trait NistCurve: EcdsaCurve + CurveArithmetic {
    /// The curve's `namedCurve` OID.
    const OID: ObjectIdentifier;
    /// The curve's name in messages.
    const NAME: &'static str;
    /// Bytes in a coordinate or a scalar.
    const FIELD_LEN: usize;
    /// The curve, as the crypto backend names it.
    const CURVE: Curve;
    /// The algorithms a key on this curve signs with (see [`crate::crypto::SigningKey`]).
    const SIGNING: &'static [SignatureAlgorithm];
}

impl NistCurve for NistP256 {
    const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const NAME: &'static str = "P-256";
    const FIELD_LEN: usize = Curve::P256.field_len();
    const CURVE: Curve = Curve::P256;
    const SIGNING: &'static [SignatureAlgorithm] = &[
        SignatureAlgorithm::EcdsaSha256,
        SignatureAlgorithm::EcdsaSha512,
    ];
}

impl NistCurve for NistP384 {
    const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    const NAME: &'static str = "P-384";
    const FIELD_LEN: usize = Curve::P384.field_len();
    const CURVE: Curve = Curve::P384;
    const SIGNING: &'static [SignatureAlgorithm] = &[
        SignatureAlgorithm::EcdsaSha384,
        SignatureAlgorithm::EcdsaSha512,
    ];
}

/// Checks that `point` is an uncompressed point of curve `C` (with the RustCrypto curve, so
/// that both crypto backends load the same keys).
fn check_ec_point<C>(point: &[u8], origin: &Origin) -> Result<(), CryptoError>
where
    C: NistCurve,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    if point.first() != Some(&0x04) {
        return Err(CryptoError::UnsupportedKey {
            origin: origin.clone(),
            reason: format!("{} point is not in uncompressed form", C::NAME),
        });
    }
    let bad_point = || CryptoError::InvalidKey {
        origin: origin.clone(),
        reason: format!("not a valid {} point", C::NAME),
    };
    if point.len() != 1 + 2 * C::FIELD_LEN {
        return Err(bad_point());
    }
    ecdsa::VerifyingKey::<C>::from_sec1_bytes(point)
        .map(|_| ())
        .map_err(|_| bad_point())
}

/// Enforces the policy's minimum RSA size, and the backends' limits, for `alg` and a
/// `bits`-bit key.
fn check_rsa_size(
    alg: SignatureAlgorithm,
    bits: u32,
    policy: &AlgorithmPolicy,
) -> Result<(), CryptoError> {
    use SignatureAlgorithm as A;
    let min = policy.min_rsa_bits().max(RSA_VERIFY_MIN_BITS);
    if bits < min {
        return Err(CryptoError::RsaKeyTooSmall { bits, min });
    }
    if bits > RSA_VERIFY_MAX_BITS {
        return Err(CryptoError::RsaKeyTooLarge {
            bits,
            max: RSA_VERIFY_MAX_BITS,
        });
    }
    let legacy_capable = matches!(alg, A::RsaSha1 | A::RsaSha256 | A::RsaSha512);
    if bits < RSA_VERIFY_MIN_BITS_STRICT && !legacy_capable {
        return Err(CryptoError::RsaKeyTooSmall {
            bits,
            min: RSA_VERIFY_MIN_BITS_STRICT,
        });
    }
    Ok(())
}

/// An ECDSA signature is the fixed-length `r || s` of the key's curve; anything else cannot
/// verify.
fn check_fixed_len(signature: &[u8], curve: Curve) -> Result<(), CryptoError> {
    if signature.len() == 2 * curve.field_len() {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

pub(crate) const CERTIFICATE: &str = "CERTIFICATE";
pub(crate) const PUBLIC_KEY: &str = "PUBLIC KEY";
pub(crate) const RSA_PUBLIC_KEY: &str = "RSA PUBLIC KEY";

/// An X.509 certificate, parsed once on load.
///
/// Only what SAML needs is kept: the DER, names, serial, validity and the
/// subject public key. Chain building and certificate signature checks are
/// out of scope (SAML trusts keys from metadata).
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    serial: String,
    not_before: SystemTime,
    not_after: SystemTime,
    public_key: PublicKey,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("serial", &self.serial)
            .field("sha256", &self.fingerprint_sha256())
            .field("key", &self.public_key.kind())
            .finish()
    }
}

impl Certificate {
    /// Parses a DER certificate.
    pub fn from_der(der: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        Self::from_der_at(der, &Origin::new("certificate", label))
    }

    /// Parses the first `CERTIFICATE` block of PEM text.
    pub fn from_pem(pem: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("certificate", label);
        let block = first_pem_block(pem, &[CERTIFICATE], &origin)?;
        Self::from_der_at(&block.der, &origin)
    }

    /// Parses every `CERTIFICATE` block of PEM text, in order, ignoring
    /// other blocks; fails if there is none.
    pub fn from_pem_all(pem: &[u8], label: Option<&str>) -> Result<Vec<Self>, CryptoError> {
        let origin = Origin::new("certificate", label);
        pem_blocks(pem, &[CERTIFICATE], &origin)?
            .iter()
            .map(|b| Self::from_der_at(&b.der, &origin))
            .collect()
    }

    /// Parses the bare base64 of a DER certificate, as in
    /// `ds:X509Certificate` or an IdP console, with or without line breaks
    /// and indentation.
    pub fn from_base64(text: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("certificate", label);
        let der = base64_at(text, &origin)?;
        Self::from_der_at(&der, &origin)
    }

    /// Loads a certificate from PEM, DER or bare base64, whichever `bytes` is.
    pub fn from_any(bytes: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("certificate", label);
        let bytes = trim_start(bytes);
        if looks_like_pem(bytes) {
            let block = first_pem_block(bytes, &[CERTIFICATE], &origin)?;
            Self::from_der_at(&block.der, &origin)
        } else if looks_like_der(bytes) {
            Self::from_der_at(bytes, &origin)
        } else {
            Self::from_der_at(&base64_at(bytes, &origin)?, &origin)
        }
    }

    pub(crate) fn from_der_at(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| invalid(origin, "not a valid X.509 certificate", e))?;
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info();
        let public_key = PublicKey::from_spki_parts(
            &spki.algorithm.oid,
            spki.algorithm
                .parameters
                .as_ref()
                .map(der::asn1::Any::to_ref),
            spki.subject_public_key.as_bytes(),
            origin,
        )?;
        let validity = tbs.validity();
        Ok(Self {
            der: der.to_vec(),
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial: serial_hex(tbs.serial_number().as_bytes()),
            not_before: SystemTime::UNIX_EPOCH + validity.not_before.to_unix_duration(),
            not_after: SystemTime::UNIX_EPOCH + validity.not_after.to_unix_duration(),
            public_key,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject name in RFC 4514 form, e.g. `CN=idp.example.org,O=Example`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer name in RFC 4514 form.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The serial number as uppercase hex without separators, as
    /// `openssl x509 -serial` prints it (negative serials get a `-` sign).
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// End of the validity period.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// Whether `now` lies within `not_before..=not_after`.
    pub fn is_valid_at(&self, now: SystemTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// `not_before` as seconds since the Unix epoch.
    pub fn not_before_unix(&self) -> i64 {
        unix_seconds(self.not_before)
    }

    /// `not_after` as seconds since the Unix epoch.
    pub fn not_after_unix(&self) -> i64 {
        unix_seconds(self.not_after)
    }

    /// SHA-256 of the DER as colon-separated uppercase hex (`AB:CD:...`).
    pub fn fingerprint_sha256(&self) -> String {
        hex(DigestAlgorithm::Sha256.digest(&self.der).as_ref(), ":")
    }

    /// SHA-1 of the DER as colon-separated uppercase hex. An identifier
    /// only: SHA-1 here is not used for security.
    pub fn fingerprint_sha1(&self) -> String {
        hex(DigestAlgorithm::Sha1.digest(&self.der).as_ref(), ":")
    }

    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
}

/// A verification key as configured for an IdP: a certificate, or a bare
/// public key for IdPs that publish only the key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustAnchor {
    /// A certificate (its subject public key is used).
    Certificate(Certificate),
    /// A bare public key.
    PublicKey(PublicKey),
}

impl TrustAnchor {
    /// Loads a certificate or public key from PEM (`CERTIFICATE`,
    /// `PUBLIC KEY`, `RSA PUBLIC KEY`; the first such block), DER (a
    /// certificate, `SubjectPublicKeyInfo` or PKCS#1 `RSAPublicKey`) or bare
    /// base64 of any of those DER forms.
    pub fn from_any(bytes: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("certificate or public key", label);
        let bytes = trim_start(bytes);
        if looks_like_pem(bytes) {
            let block =
                first_pem_block(bytes, &[CERTIFICATE, PUBLIC_KEY, RSA_PUBLIC_KEY], &origin)?;
            Self::from_block(&block.label, &block.der, &origin)
        } else if looks_like_der(bytes) {
            Self::from_der_at(bytes, &origin)
        } else {
            Self::from_der_at(&base64_at(bytes, &origin)?, &origin)
        }
    }

    fn from_block(label: &str, der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        match label {
            CERTIFICATE => Certificate::from_der_at(der, origin).map(Self::Certificate),
            PUBLIC_KEY => PublicKey::from_spki_der_at(der, origin).map(Self::PublicKey),
            _ => PublicKey::rsa_from_pkcs1(der, origin).map(Self::PublicKey),
        }
    }

    /// Sniffs DER: certificate, then SubjectPublicKeyInfo, then
    /// RSAPublicKey; if none fits, the certificate parser's error is returned.
    fn from_der_at(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let cert_err = match Certificate::from_der_at(der, origin) {
            Ok(cert) => return Ok(Self::Certificate(cert)),
            Err(e) => e,
        };
        if let Ok(spki) = SubjectPublicKeyInfoRef::from_der(der) {
            return PublicKey::from_spki_parts(
                &spki.algorithm.oid,
                spki.algorithm.parameters,
                spki.subject_public_key.as_bytes(),
                origin,
            )
            .map(Self::PublicKey);
        }
        if RsaPublicKeyRef::from_der(der).is_ok() {
            return PublicKey::rsa_from_pkcs1(der, origin).map(Self::PublicKey);
        }
        Err(cert_err)
    }

    /// The key to verify with.
    pub fn public_key(&self) -> &PublicKey {
        match self {
            Self::Certificate(cert) => cert.public_key(),
            Self::PublicKey(key) => key,
        }
    }

    /// The certificate, if this anchor is one.
    pub fn certificate(&self) -> Option<&Certificate> {
        match self {
            Self::Certificate(cert) => Some(cert),
            Self::PublicKey(_) => None,
        }
    }

    /// Takes the key out.
    pub fn into_public_key(self) -> PublicKey {
        match self {
            Self::Certificate(cert) => cert.public_key,
            Self::PublicKey(key) => key,
        }
    }
}

/// The size in bits of an RSA modulus, given as the content of its DER INTEGER.
pub(crate) fn rsa_modulus_bits(modulus: &[u8]) -> u32 {
    let first = modulus.first().copied().unwrap_or(0);
    let bits = modulus
        .len()
        .saturating_mul(8)
        .saturating_sub(crate::cast::to_usize(first.leading_zeros()));
    u32::try_from(bits).unwrap_or(u32::MAX)
}

pub(crate) fn invalid(origin: &Origin, what: &str, err: der::Error) -> CryptoError {
    CryptoError::InvalidEncoding {
        origin: origin.clone(),
        reason: format!("{what}: {err}"),
    }
}

fn base64_at(text: &[u8], origin: &Origin) -> Result<Vec<u8>, CryptoError> {
    let der = decode_base64(text, usize::MAX).map_err(|e| CryptoError::InvalidEncoding {
        origin: origin.clone(),
        reason: format!("neither PEM, DER nor valid base64: {e}"),
    })?;
    if der.is_empty() {
        return Err(CryptoError::InvalidEncoding {
            origin: origin.clone(),
            reason: "empty input".to_owned(),
        });
    }
    Ok(der)
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Uppercase hex with `sep` between bytes.
pub(crate) fn hex(bytes: &[u8], sep: &str) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    parts.join(sep)
}

/// Hex of a DER INTEGER's two's-complement content bytes, as a signed number.
fn serial_hex(bytes: &[u8]) -> String {
    match bytes {
        [] => "00".to_owned(),
        [first, ..] if first & 0x80 != 0 => {
            // Negative: print the magnitude, as openssl does.
            let mut magnitude: Vec<u8> = bytes.iter().map(|b| !b).collect();
            for byte in magnitude.iter_mut().rev() {
                let (sum, carry) = byte.overflowing_add(1);
                *byte = sum;
                if !carry {
                    break;
                }
            }
            let trimmed = strip_leading_zeros(&magnitude);
            format!("-{}", hex(trimmed, ""))
        }
        _ => hex(strip_leading_zeros(bytes), ""),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[start..]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    /// This crate's own test keys, certificates and openssl signatures
    /// (made by `testdata/gen.sh`).
    pub(crate) fn testdata(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The project's copy of the public vectors (`tests/vectors`, provenance in its README).
    fn vectors_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
    }

    fn vector_cert(name: &str) -> Vec<u8> {
        let path = vectors_dir().join("certs").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub(crate) const MESSAGE: &[u8] = b"The quick brown fox signs SAML assertions.\n";

    /// Expected values from
    /// `openssl x509 -in FILE -noout -fingerprint -sha256 -serial` (OpenSSL 3)
    /// and the key size from `openssl x509 -noout -text`.
    const VECTOR_CERTS: &[(&str, &str, &str, KeyKind)] = &[
        (
            "azuread-accesscontrol-2014.pem",
            "2B:01:82:D8:76:2D:F9:03:9F:79:38:E3:12:36:23:C8:E7:3B:D7:BA:A6:4C:64:59:04:2F:87:FC:BC:84:37:20",
            "40D5EB9B384B3785469545C3602453DF",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "feide-openidp.pem",
            "FC:C6:E3:EE:DB:AF:27:2A:76:A8:EB:22:8D:0F:AC:79:4C:7E:1B:40:8F:B8:7D:29:E6:C1:B4:40:89:47:11:53",
            "98F2D29A31CD0132",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "google-C02dfl1r1.pem",
            "DF:6F:6D:4E:EC:F6:C2:D6:51:5A:64:BC:80:43:0A:87:9C:25:CF:B0:3B:66:6A:EB:1E:61:CE:4F:E0:2D:7D:A2",
            "015212948958",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "keycloak-master-2025.pem",
            "A9:F2:FB:CE:2C:D2:6D:0D:B6:B9:39:08:26:43:0A:18:90:A3:22:44:E3:B9:64:B7:DB:8F:BB:67:86:02:BF:BD",
            "0194D64BEE0B",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "node-saml-idp.pem",
            "9C:BE:76:42:81:31:9A:BE:67:AC:D7:08:6A:3E:44:40:8B:0B:5C:77:C5:CA:B6:D7:1D:FA:19:75:C7:80:79:19",
            "A83855E55C203CF5",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "okta-dev-513394.pem",
            "D4:0D:F0:1C:CE:DE:49:D2:07:CB:6D:8A:BD:15:77:0A:4B:6E:CA:14:A8:54:48:C2:95:9A:98:F8:5D:C3:1E:D4",
            "0165B4743510",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "onelogin-2014-php-saml-idp.pem",
            "19:A4:FF:F2:E8:FC:C7:F3:EA:50:46:34:8D:BF:1D:81:32:06:54:D1:F7:12:02:8C:C9:79:33:CB:12:47:FC:99",
            "00",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "onelogin-503983.pem",
            "E4:71:3D:80:5C:35:99:1D:E0:B6:AD:AC:86:44:AD:9C:32:F2:4A:5E:7B:F8:A0:9D:AA:56:54:89:8E:7B:2C:3E",
            "5EE9F4F02B252D15922EA3670C4D4DB4625E7E5D",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "onelogin-toolkit-settings1-idp.pem",
            "C5:1C:FA:06:C7:A4:97:67:F6:EA:B1:82:38:EA:E1:C5:67:08:E2:92:64:DA:3D:11:F5:38:A1:2C:D2:C3:57:BA",
            "9B3A5AD60DD5FB15",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "pysaml2-test.pem",
            "97:74:94:2C:A8:9A:4F:75:FB:F0:22:F4:16:0C:AA:A0:64:D8:E9:54:70:EF:F9:B6:D3:43:1A:C8:E1:B1:BF:84",
            "9AF3A924B098363D",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "ruby-saml-adfs-lawrencepit.pem",
            "3D:C5:BC:58:60:5D:19:64:94:E3:BA:C8:3D:49:01:D5:56:34:44:65:C2:85:0A:A8:65:A5:AC:76:7E:65:1F:F7",
            "01",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "ruby-saml-adfs-sha512-embedded.pem",
            "C4:C6:BD:41:EC:AD:57:97:CE:7B:7D:80:06:C3:E4:30:53:29:02:0B:DD:2D:47:02:9E:BD:85:AD:93:02:45:21",
            "01",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "ruby-saml.pem",
            "63:85:10:9D:D1:46:A4:5D:43:82:79:94:91:CB:27:07:BD:1E:BD:A3:73:8F:27:A0:E4:A4:A8:15:9C:0F:E6:CD",
            "8D35C417A26DF654",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "samael-authnrequest-embedded.pem",
            "24:3E:4E:C5:C8:EC:58:A6:10:23:E2:9B:3E:3C:04:99:80:80:EA:FF:4D:83:AA:78:08:DA:0E:20:62:A3:E1:7A",
            "E2B00ED77E68FEE6",
            KeyKind::Rsa { bits: 3072 },
        ),
        (
            "samael-idp-ecdsa.pem",
            "77:71:65:89:25:1D:37:F1:02:4F:41:0A:89:FD:D2:A5:AF:06:7D:3A:BA:5F:3A:9A:4F:D6:E3:64:94:7A:2B:63",
            "6137911E37853C49CF7860F9BB1E7C38998D34A2",
            KeyKind::EcP256,
        ),
        (
            "samael-idp2.pem",
            "FD:18:7D:5F:B0:9F:85:8D:B1:A8:AF:D0:03:69:94:86:4D:4A:05:01:20:AE:A5:78:C3:4C:7B:68:21:B7:50:90",
            "EE157D036F98A58C",
            KeyKind::Rsa { bits: 1024 },
        ),
        (
            "samltest-id-signing.pem",
            "CA:F2:55:F8:F4:6D:E4:24:97:BE:3C:42:AC:CC:BA:41:51:D9:8F:EB:A3:1E:73:77:AB:5C:24:33:A3:5A:20:65",
            "C102435B6382169F9B93B158387D87065FC6D856",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "secureworks-2017.pem",
            "FE:44:8E:4A:CB:C0:EC:6F:4C:22:B9:34:F0:1E:5B:06:4D:6B:0C:17:61:24:3F:28:3D:5A:BA:18:DE:10:CC:51",
            "0A5C",
            KeyKind::Rsa { bits: 2048 },
        ),
        (
            "testshib-idp-2006.pem",
            "83:F3:FE:E4:51:35:8C:5F:60:76:96:03:C2:7F:9F:64:D3:B6:52:B3:C9:7A:E7:DC:57:86:DE:E5:6C:72:B3:2D",
            "00",
            KeyKind::Rsa { bits: 2048 },
        ),
    ];

    #[test]
    fn every_vector_certificate_loads_with_openssl_fingerprint() {
        let dir = vectors_dir().join("certs");
        let mut seen = 0;
        for (name, sha256, serial, kind) in VECTOR_CERTS {
            let bytes = vector_cert(name);
            let cert =
                Certificate::from_pem(&bytes, Some(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(cert.fingerprint_sha256(), *sha256, "{name}");
            assert_eq!(cert.serial(), *serial, "{name}");
            assert_eq!(cert.public_key().kind(), *kind, "{name}");
            // The same certificate through every other loader.
            assert_eq!(Certificate::from_der(cert.der(), Some(name)).unwrap(), cert);
            assert_eq!(Certificate::from_any(&bytes, Some(name)).unwrap(), cert);
            assert_eq!(Certificate::from_any(cert.der(), Some(name)).unwrap(), cert);
            assert_eq!(
                TrustAnchor::from_any(&bytes, Some(name))
                    .unwrap()
                    .certificate(),
                Some(&cert)
            );
            seen += 1;
        }
        // One file in the directory is a bare RSA key; all others are listed.
        let files = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(
            seen + 1,
            files,
            "a certificate in {} is not in the table",
            dir.display()
        );
    }

    #[test]
    fn vector_rsa_public_key_loads_without_certificate() {
        let name = "xmlcrypto-saml-external-ns-rsa-pubkey.pem";
        let bytes = vector_cert(name);
        let anchor = TrustAnchor::from_any(&bytes, Some(name)).unwrap();
        assert!(anchor.certificate().is_none());
        let key = anchor.public_key();
        assert_eq!(key.kind(), KeyKind::Rsa { bits: 2048 });
        // `openssl rsa -RSAPublicKey_in -in FILE -RSAPublicKey_out -outform DER | openssl dgst -sha256`
        assert_eq!(
            hex(DigestAlgorithm::Sha256.digest(key.bytes()).as_ref(), ""),
            "C16DD7B9270C5D9114084B28019C776063086AA9A03EFE835D74D7A9D26F461E"
        );
        assert_eq!(&PublicKey::from_pem(&bytes, Some(name)).unwrap(), key);
        // It is not a certificate, and the error says what was found instead.
        let err = Certificate::from_pem(&bytes, Some(name)).unwrap_err();
        assert!(matches!(err, CryptoError::NoPemBlock { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "certificate file `{name}`: no PEM block `CERTIFICATE` found (found `RSA PUBLIC KEY`)"
            )
        );
    }

    #[test]
    fn certificate_fields_match_openssl() {
        // `openssl x509 -noout -subject -issuer -serial -dates -fingerprint -sha1 -nameopt RFC2253`
        let cert = Certificate::from_pem(&vector_cert("okta-dev-513394.pem"), None).unwrap();
        // openssl prints the e-mail attribute as `emailAddress=`, x509-cert as `EMAIL=`.
        assert_eq!(
            cert.subject(),
            "EMAIL=info@okta.com,CN=dev-513394,OU=SSOProvider,O=Okta,L=San Francisco,ST=California,C=US"
        );
        assert_eq!(cert.subject(), cert.issuer());
        assert_eq!(
            cert.fingerprint_sha1(),
            "89:5F:56:4E:04:D3:9E:8A:A2:80:1D:93:82:12:F2:A5:7E:3F:44:CF"
        );
        // notBefore=Sep  7 14:32:59 2018 GMT, notAfter=Sep  7 14:33:59 2028 GMT
        assert_eq!(cert.not_before_unix(), 1_536_330_779);
        assert_eq!(cert.not_after_unix(), 1_851_950_039);
        assert_eq!(
            cert.not_before(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_536_330_779)
        );
        assert!(cert.is_valid_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
        assert!(!cert.is_valid_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000)));

        let cert = Certificate::from_pem(&testdata("rsa2048.cert.pem"), None).unwrap();
        assert_eq!(cert.subject(), "CN=rsa2048.example,O=Scratch Test,C=NO");
        assert_eq!(cert.issuer(), "CN=rsa2048.example,O=Scratch Test,C=NO");
        assert_eq!(cert.serial(), "72C4CF9395262A1AA81BA336965117E381FEFAAB");
        assert_eq!(
            cert.fingerprint_sha256(),
            "8D:E2:F2:A8:73:73:24:95:E0:25:D1:40:72:6F:A0:A0:50:1A:63:5A:2E:0D:EA:CF:9E:7D:A2:10:F7:2B:0A:BB"
        );
        // A year past 2049 is a GeneralizedTime: notAfter=3023-10-25 17:45:49Z.
        let ec = Certificate::from_pem(&vector_cert("samael-idp-ecdsa.pem"), None).unwrap();
        assert_eq!(
            ec.subject(),
            "O=Internet Widgits Pty Ltd,ST=Some-State,C=CA"
        );
        // `date -u -d "3023-10-25 17:45:49" +%s`
        assert_eq!(ec.not_after_unix(), 33_255_164_749);
    }

    #[test]
    fn testdata_certificates_of_every_key_type() {
        // `openssl x509 -in FILE -noout -fingerprint -sha256`
        for (file, fp, kind) in [
            (
                "p256.cert.pem",
                "FA:7F:95:39:80:9C:D7:E7:E7:16:69:EF:9A:B0:1E:F0:59:3D:81:74:F4:02:B1:F0:95:91:17:B7:23:1D:58:AC",
                KeyKind::EcP256,
            ),
            (
                "p384.cert.pem",
                "68:75:6D:62:9F:48:9F:C8:8F:B5:E5:AC:2D:92:54:26:49:F0:59:9F:BC:35:E7:55:61:E6:12:12:6E:46:2E:41",
                KeyKind::EcP384,
            ),
            (
                "ed25519.cert.pem",
                "E0:89:ED:B8:4E:BA:BA:21:19:4E:10:95:BB:76:A5:20:58:6A:B6:07:BF:34:47:2E:F5:D6:9A:0D:4F:E1:14:FC",
                KeyKind::Ed25519,
            ),
            (
                "rsa3072.cert.pem",
                "5B:60:6F:D1:4E:F0:4F:73:97:87:3B:51:86:4F:49:83:38:64:F5:05:E5:33:B7:89:AC:25:73:61:9F:CA:B9:18",
                KeyKind::Rsa { bits: 3072 },
            ),
        ] {
            let cert = Certificate::from_pem(&testdata(file), Some(file)).unwrap();
            assert_eq!(cert.fingerprint_sha256(), fp, "{file}");
            assert_eq!(cert.public_key().kind(), kind, "{file}");
        }
    }

    #[test]
    fn der_base64_and_multi_pem_forms() {
        let pem = Certificate::from_pem(&testdata("rsa2048.cert.pem"), None).unwrap();
        let der = Certificate::from_der(&testdata("rsa2048.cert.der"), None).unwrap();
        let b64 = Certificate::from_base64(&testdata("rsa2048.cert.b64"), None).unwrap();
        assert_eq!(pem, der);
        assert_eq!(pem, b64);
        assert_eq!(
            Certificate::from_any(&testdata("rsa2048.cert.b64"), None).unwrap(),
            pem
        );
        assert_eq!(
            Certificate::from_any(&testdata("rsa2048.cert.der"), None).unwrap(),
            pem
        );
        // Metadata style: one line, no padding issues, surrounded by whitespace.
        let one_line: Vec<u8> = testdata("rsa2048.cert.b64")
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let mut padded = b"\n\t  ".to_vec();
        padded.extend_from_slice(&one_line);
        padded.extend_from_slice(b"  \r\n");
        assert_eq!(Certificate::from_any(&padded, None).unwrap(), pem);

        // `openssl s_client -showcerts` style text, which starts with `0`.
        let mut showcerts = b" 0 s:CN=rsa2048.example\n".to_vec();
        showcerts.extend_from_slice(&testdata("rsa2048.cert.pem"));
        assert_eq!(Certificate::from_any(&showcerts, None).unwrap(), pem);
        assert_eq!(
            TrustAnchor::from_any(&showcerts, None)
                .unwrap()
                .certificate(),
            Some(&pem)
        );

        let all = Certificate::from_pem_all(&testdata("chain.pem"), Some("chain.pem")).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], pem);
        assert_eq!(all[1].public_key().kind(), KeyKind::Rsa { bits: 3072 });
        assert_eq!(
            Certificate::from_pem(&testdata("chain.pem"), None).unwrap(),
            pem
        );
    }

    #[test]
    fn bare_public_keys_in_every_form() {
        let cert_key = Certificate::from_pem(&testdata("rsa2048.cert.pem"), None)
            .unwrap()
            .public_key()
            .clone();
        let spki = PublicKey::from_pem(&testdata("rsa2048.spki.pem"), None).unwrap();
        let pkcs1 = PublicKey::from_pem(&testdata("rsa2048.pkcs1pub.pem"), None).unwrap();
        assert_eq!(spki, cert_key);
        assert_eq!(pkcs1, cert_key);
        assert_eq!(
            PublicKey::from_pem(&testdata("rsa2048.cert.pem"), None).unwrap(),
            cert_key
        );
        // DER SPKI and bare base64 of it, through the sniffing loader.
        let spki_der = crate::crypto::decode_base64(
            &testdata("rsa2048.spki.pem")
                .split(|b| *b == b'\n')
                .filter(|l| !l.starts_with(b"-----"))
                .flatten()
                .copied()
                .collect::<Vec<u8>>(),
            usize::MAX,
        )
        .unwrap();
        assert_eq!(PublicKey::from_spki_der(&spki_der, None).unwrap(), cert_key);
        assert_eq!(PublicKey::from_any(&spki_der, None).unwrap(), cert_key);
        assert_eq!(
            PublicKey::from_pkcs1_der(cert_key.bytes(), None).unwrap(),
            cert_key
        );
        assert_eq!(
            PublicKey::from_any(cert_key.bytes(), None).unwrap(),
            cert_key
        );
    }

    #[test]
    fn load_errors_name_the_file_and_problem() {
        let err = Certificate::from_pem(b"hello", Some("idp.pem")).unwrap_err();
        assert!(matches!(err, CryptoError::NoPemBlock { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "certificate file `idp.pem`: no PEM block `CERTIFICATE` found"
        );
        let err =
            Certificate::from_pem_all(&testdata("rsa2048.spki.pem"), Some("k.pem")).unwrap_err();
        assert!(
            matches!(err, CryptoError::NoPemBlock { ref found, .. } if found == &["PUBLIC KEY"]),
            "{err:?}"
        );

        let err = Certificate::from_der(b"\x30\x03\x02\x01\x00", Some("idp.der")).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("certificate file `idp.der`: not a valid X.509 certificate"),
            "{err}"
        );

        let err = Certificate::from_base64(b"MIIB*not base64*", Some("metadata.xml")).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("metadata.xml"), "{err}");

        // A truncated certificate.
        let mut der = testdata("rsa2048.cert.der");
        der.truncate(der.len() - 10);
        let err = Certificate::from_any(&der, Some("cut.der")).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn unsupported_key_types_are_named() {
        // SPKI for a P-521 key (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 | openssl pkey -pubout`),
        // shortened to the header: the curve is checked before the point.
        let mut spki = vec![0x30, 0x1b, 0x30, 0x10];
        spki.extend_from_slice(&[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
        spki.extend_from_slice(&[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]);
        spki.extend_from_slice(&[0x03, 0x07, 0x00, 0x04, 1, 2, 3, 4, 5]);
        let err = PublicKey::from_spki_der(&spki, Some("p521.pem")).unwrap_err();
        assert!(matches!(err, CryptoError::UnsupportedKey { .. }), "{err:?}");
        assert!(err.to_string().contains("P-521"), "{err}");

        // A compressed P-256 point.
        let mut spki = vec![0x30, 0x39, 0x30, 0x13];
        spki.extend_from_slice(&[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
        spki.extend_from_slice(&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
        spki.extend_from_slice(&[0x03, 0x22, 0x00, 0x02]);
        spki.extend_from_slice(&[0x11; 32]);
        let err = PublicKey::from_spki_der(&spki, None).unwrap_err();
        assert!(matches!(err, CryptoError::UnsupportedKey { .. }), "{err:?}");

        // An uncompressed point that is not on the curve.
        let mut spki = vec![0x30, 0x59, 0x30, 0x13];
        spki.extend_from_slice(&[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
        spki.extend_from_slice(&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
        spki.extend_from_slice(&[0x03, 0x42, 0x00, 0x04]);
        spki.extend_from_slice(&[0x11; 64]);
        let err = PublicKey::from_spki_der(&spki, None).unwrap_err();
        assert!(matches!(err, CryptoError::InvalidKey { .. }), "{err:?}");
    }

    #[test]
    fn serial_numbers_print_like_openssl() {
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0x01]), "01");
        assert_eq!(serial_hex(&[0x00, 0x98, 0xF2]), "98F2");
        assert_eq!(serial_hex(&[0x0A, 0x5C]), "0A5C");
        assert_eq!(serial_hex(&[0xFF]), "-01");
        assert_eq!(serial_hex(&[0xFF, 0x00]), "-0100");
        assert_eq!(serial_hex(&[0x80]), "-80");
    }

    // ---- verification against signatures made by openssl (see testdata/gen.sh) ----

    fn key(file: &str) -> PublicKey {
        PublicKey::from_any(&testdata(file), Some(file)).unwrap()
    }

    fn tampered(sig: &[u8]) -> Vec<u8> {
        let mut sig = sig.to_vec();
        sig[10] ^= 0x01;
        sig
    }

    #[test]
    fn openssl_signatures_verify_and_tampering_fails() {
        use SignatureAlgorithm as A;
        let strict = AlgorithmPolicy::default();
        let cases: &[(&str, A, &str)] = &[
            ("rsa2048.cert.pem", A::RsaSha256, "rsa2048.sha256.sig"),
            ("rsa2048.spki.pem", A::RsaSha512, "rsa2048.sha512.sig"),
            (
                "rsa2048.pkcs1pub.pem",
                A::RsaPssSha256,
                "rsa2048.pss-sha256.sig",
            ),
            ("p256.cert.pem", A::EcdsaSha256, "p256.sha256.sig"),
            ("p256.cert.pem", A::EcdsaSha384, "p256.sha384.sig"),
            ("p256.cert.pem", A::EcdsaSha512, "p256.sha512.sig"),
            ("p384.cert.pem", A::EcdsaSha384, "p384.sha384.sig"),
            ("p384.cert.pem", A::EcdsaSha512, "p384.sha512.sig"),
            ("ed25519.cert.pem", A::Ed25519, "ed25519.sig"),
        ];
        for (keyfile, alg, sigfile) in cases {
            let key = key(keyfile);
            let sig = testdata(sigfile);
            key.verify(*alg, &strict, MESSAGE, &sig)
                .unwrap_or_else(|e| panic!("{sigfile}: {e}"));
            let err = key
                .verify(*alg, &strict, MESSAGE, &tampered(&sig))
                .unwrap_err();
            assert!(
                matches!(err, CryptoError::BadSignature),
                "{sigfile}: {err:?}"
            );
            let err = key
                .verify(*alg, &strict, b"another message", &sig)
                .unwrap_err();
            assert!(
                matches!(err, CryptoError::BadSignature),
                "{sigfile}: {err:?}"
            );
            let err = key
                .verify(*alg, &strict, MESSAGE, &sig[..sig.len() - 1])
                .unwrap_err();
            assert!(
                matches!(err, CryptoError::BadSignature),
                "{sigfile}: {err:?}"
            );
            assert_eq!(err.to_string(), "signature verification failed");
        }
    }

    #[test]
    fn one_key_verifies_every_algorithm_in_any_order_across_clones_and_threads() {
        // The backend keeps per-algorithm state (aws-lc-rs parses a key once per algorithm and
        // shares it between clones): a failure with one algorithm must not stick to another,
        // and the order of first use must not matter.
        use SignatureAlgorithm as A;
        let legacy = crate::crypto::danger::legacy();
        let rsa = key("rsa2048.cert.pem");
        let p256 = key("p256.cert.pem");
        let cases: Vec<(&PublicKey, A, Vec<u8>)> = vec![
            (&rsa, A::RsaSha512, testdata("rsa2048.sha512.sig")),
            (&rsa, A::RsaSha256, testdata("rsa2048.sha256.sig")),
            (&rsa, A::RsaPssSha256, testdata("rsa2048.pss-sha256.sig")),
            (&rsa, A::RsaSha1, testdata("rsa2048.sha1.sig")),
            (&p256, A::EcdsaSha512, testdata("p256.sha512.sig")),
            (&p256, A::EcdsaSha256, testdata("p256.sha256.sig")),
            (&p256, A::EcdsaSha384, testdata("p256.sha384.sig")),
        ];
        let check = |cases: &[(&PublicKey, A, Vec<u8>)]| {
            for (i, (key, alg, sig)) in cases.iter().enumerate() {
                // First the same key's signature with another algorithm: refused, and that
                // refusal refuses nothing else.
                let (_, _, other) = cases
                    .iter()
                    .enumerate()
                    .find(|(j, (k, ..))| *j != i && k.kind() == key.kind())
                    .map(|(_, case)| case)
                    .unwrap();
                let err = key.verify(*alg, &legacy, MESSAGE, other).unwrap_err();
                assert!(matches!(err, CryptoError::BadSignature), "{alg:?}: {err:?}");
                key.verify(*alg, &legacy, MESSAGE, sig)
                    .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            }
        };
        check(&cases);
        let (rsa2, p256_2) = (rsa.clone(), p256.clone());
        let reversed: Vec<(&PublicKey, A, Vec<u8>)> = cases
            .iter()
            .rev()
            .map(|(k, alg, sig)| {
                let k = if k.kind() == rsa.kind() {
                    &rsa2
                } else {
                    &p256_2
                };
                (k, *alg, sig.clone())
            })
            .collect();
        std::thread::scope(|scope| {
            scope.spawn(|| check(&reversed));
            scope.spawn(|| check(&cases));
        });
    }

    #[test]
    fn sha1_signature_needs_opt_in() {
        let key = key("rsa2048.cert.pem");
        let sig = testdata("rsa2048.sha1.sig");
        let err = key
            .verify(
                SignatureAlgorithm::RsaSha1,
                &AlgorithmPolicy::default(),
                MESSAGE,
                &sig,
            )
            .unwrap_err();
        match err {
            CryptoError::Sha1NotAllowed { uri } => {
                assert_eq!(uri, "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
            }
            other => panic!("expected Sha1NotAllowed, got {other:?}"),
        }
        let policy = crate::crypto::danger::allow_sha1(&AlgorithmPolicy::default());
        key.verify(SignatureAlgorithm::RsaSha1, &policy, MESSAGE, &sig)
            .unwrap();
        let err = key
            .verify(
                SignatureAlgorithm::RsaSha1,
                &policy,
                MESSAGE,
                &tampered(&sig),
            )
            .unwrap_err();
        assert!(matches!(err, CryptoError::BadSignature), "{err:?}");
    }

    #[test]
    fn rsa_1024_rejected_by_default_and_accepted_with_legacy_policy() {
        let key = key("rsa1024.spki.pem");
        assert_eq!(key.kind(), KeyKind::Rsa { bits: 1024 });
        let sha256 = testdata("rsa1024.sha256.sig");
        let sha1 = testdata("rsa1024.sha1.sig");
        let err = key
            .verify(
                SignatureAlgorithm::RsaSha256,
                &AlgorithmPolicy::default(),
                MESSAGE,
                &sha256,
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                CryptoError::RsaKeyTooSmall {
                    bits: 1024,
                    min: 2048
                }
            ),
            "{err:?}"
        );
        let legacy = crate::crypto::danger::legacy();
        key.verify(SignatureAlgorithm::RsaSha256, &legacy, MESSAGE, &sha256)
            .unwrap();
        key.verify(SignatureAlgorithm::RsaSha1, &legacy, MESSAGE, &sha1)
            .unwrap();
        let err = key
            .verify(
                SignatureAlgorithm::RsaSha1,
                &legacy,
                MESSAGE,
                &tampered(&sha1),
            )
            .unwrap_err();
        assert!(matches!(err, CryptoError::BadSignature), "{err:?}");
        // Neither backend has a 1024-bit variant for PSS or RSA-SHA384.
        let err = key
            .verify(SignatureAlgorithm::RsaPssSha256, &legacy, MESSAGE, &sha256)
            .unwrap_err();
        assert!(
            matches!(
                err,
                CryptoError::RsaKeyTooSmall {
                    bits: 1024,
                    min: 2048
                }
            ),
            "{err:?}"
        );
        // A policy floor below what the backends can do is raised to 1024.
        let err = key
            .verify(
                SignatureAlgorithm::RsaSha256,
                &AlgorithmPolicy::default().with_min_rsa_bits(4096),
                MESSAGE,
                &sha256,
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                CryptoError::RsaKeyTooSmall {
                    bits: 1024,
                    min: 4096
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn key_and_algorithm_must_match() {
        use SignatureAlgorithm as A;
        let policy = AlgorithmPolicy::default();
        let rsa = key("rsa2048.cert.pem");
        let p256 = key("p256.cert.pem");
        let ed = key("ed25519.cert.pem");
        let rsa_sig = testdata("rsa2048.sha256.sig");
        let ec_sig = testdata("p256.sha256.sig");
        for (key, alg, sig) in [
            (&rsa, A::EcdsaSha256, &ec_sig),
            (&rsa, A::Ed25519, &rsa_sig),
            (&p256, A::RsaSha256, &rsa_sig),
            (&p256, A::Ed25519, &ec_sig),
            (&ed, A::EcdsaSha256, &ec_sig),
            (&ed, A::RsaSha256, &rsa_sig),
        ] {
            let err = key.verify(alg, &policy, MESSAGE, sig).unwrap_err();
            match err {
                CryptoError::KeyAlgorithmMismatch {
                    algorithm,
                    key: kind,
                } => {
                    assert_eq!(algorithm, alg.uri());
                    assert_eq!(kind, key.kind());
                }
                other => panic!("expected KeyAlgorithmMismatch, got {other:?}"),
            }
        }
    }
}
