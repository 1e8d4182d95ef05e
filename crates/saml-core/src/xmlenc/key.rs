//! RSA keys for key transport: the SP's private [`DecryptionKey`] and, on the IdP side, the
//! SP's public [`EncryptionKey`]. Both are parsed once, when loaded.
//!
//! aws-lc-rs does the RSA operations, and it accepts moduli of 2048 to 8192 bits only: smaller
//! (and larger) keys are refused on load, with an error that names the size.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{
    self, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, Pkcs1PrivateDecryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey, PublicKeyComponents,
};
use der::Decode as _;
use pkcs1::{RsaPrivateKeyRef, RsaPublicKeyRef};
use pkcs8::PrivateKeyInfoRef;

use crate::crypto::cert::{OID_RSA_ENCRYPTION, hex, invalid, rsa_modulus_bits};
use crate::crypto::{
    Certificate, CryptoError, DigestAlgorithm, KeyKind, Origin, PublicKey, first_pem_block,
};

/// Smallest RSA modulus aws-lc-rs decrypts or encrypts with.
pub(crate) const MIN_BITS: u32 = 2048;
/// Largest RSA modulus aws-lc-rs decrypts or encrypts with.
pub(crate) const MAX_BITS: u32 = 8192;

const PRIVATE_KEY: &str = "PRIVATE KEY";
const RSA_PRIVATE_KEY: &str = "RSA PRIVATE KEY";

/// An RSA private key for XML Encryption key transport (the SP's decryption key), parsed
/// once. Cheap to clone (a reference count) and to share between threads; several can be
/// configured for key rollover.
#[derive(Clone)]
pub struct DecryptionKey {
    private: PrivateDecryptingKey,
    /// The same key in OpenSSL, for RSA-OAEP pairs aws-lc-rs lacks.
    #[cfg(feature = "openssl-oaep")]
    pub(crate) openssl: openssl::pkey::PKey<openssl::pkey::Private>,
    /// The modulus length in bytes: the size of an RSA ciphertext and of the unwrap buffer.
    pub(crate) modulus_len: usize,
    bits: u32,
    spki_sha256: [u8; 32],
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("DecryptionKey")
            .field("bits", &self.bits)
            .field("spki_sha256", &hex(&self.spki_sha256, ""))
            .finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// Parses the first `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) PEM block; other
    /// blocks (a certificate in the same file, say) are skipped. Encrypted keys are refused.
    /// `label` (normally the file name) is repeated in every error.
    pub fn from_pem(pem: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("decryption key", label);
        let block = first_pem_block(pem, &[PRIVATE_KEY, RSA_PRIVATE_KEY], &origin)?;
        if block.label == PRIVATE_KEY {
            Self::pkcs8(&block.der, &origin)
        } else {
            Self::pkcs1(&block.der, &origin)
        }
    }

    /// Parses a DER PKCS#8 `PrivateKeyInfo` or PKCS#1 `RSAPrivateKey` (told apart by their
    /// ASN.1 structure).
    pub fn from_der(der: &[u8], label: Option<&str>) -> Result<Self, CryptoError> {
        let origin = Origin::new("decryption key", label);
        // PKCS#8: SEQUENCE { INTEGER, SEQUENCE, ... }; PKCS#1: SEQUENCE { INTEGER, INTEGER, ... }.
        match (
            PrivateKeyInfoRef::from_der(der),
            RsaPrivateKeyRef::from_der(der),
        ) {
            (Ok(info), _) => Self::from_pkcs8_info(&info, der, &origin),
            (Err(_), Ok(key)) => Self::from_pkcs1_key(&key, der, &origin),
            (Err(as_pkcs8), Err(as_pkcs1)) => Err(CryptoError::InvalidEncoding {
                origin,
                reason: format!(
                    "not a DER PKCS#8 or PKCS#1 RSA private key (as PKCS#8: {as_pkcs8}; as PKCS#1: {as_pkcs1})"
                ),
            }),
        }
    }

    fn pkcs8(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let info = PrivateKeyInfoRef::from_der(der)
            .map_err(|e| invalid(origin, "not a valid PKCS#8 private key", e))?;
        Self::from_pkcs8_info(&info, der, origin)
    }

    fn from_pkcs8_info(
        info: &PrivateKeyInfoRef<'_>,
        der: &[u8],
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        if info.algorithm.oid != OID_RSA_ENCRYPTION {
            return Err(CryptoError::UnsupportedKey {
                origin: origin.clone(),
                reason: format!(
                    "private key algorithm OID {} is not rsaEncryption; XML Encryption key transport needs an RSA key",
                    info.algorithm.oid
                ),
            });
        }
        let key = RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
            .map_err(|e| invalid(origin, "not a valid PKCS#1 RSA private key", e))?;
        check_size(rsa_modulus_bits(key.modulus.as_bytes()), Some(origin))?;
        let private = PrivateDecryptingKey::from_pkcs8(der).map_err(|e| rejected(origin, e))?;
        Self::new(private, der, origin)
    }

    fn pkcs1(der: &[u8], origin: &Origin) -> Result<Self, CryptoError> {
        let key = RsaPrivateKeyRef::from_der(der)
            .map_err(|e| invalid(origin, "not a valid PKCS#1 RSA private key", e))?;
        Self::from_pkcs1_key(&key, der, origin)
    }

    /// aws-lc-rs decrypts only with keys loaded from PKCS#8: a PKCS#1 key is loaded as a key
    /// pair, written out as PKCS#8 (a buffer aws-lc-rs wipes on drop) and loaded again.
    fn from_pkcs1_key(
        key: &RsaPrivateKeyRef<'_>,
        der: &[u8],
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        check_size(rsa_modulus_bits(key.modulus.as_bytes()), Some(origin))?;
        let pair = rsa::KeyPair::from_der(der).map_err(|e| rejected(origin, e))?;
        let pkcs8: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| CryptoError::InvalidKey {
            origin: origin.clone(),
            reason: "aws-lc-rs could not re-encode the PKCS#1 key as PKCS#8".to_owned(),
        })?;
        let private =
            PrivateDecryptingKey::from_pkcs8(pkcs8.as_ref()).map_err(|e| rejected(origin, e))?;
        Self::new(private, pkcs8.as_ref(), origin)
    }

    /// `pkcs8` is the DER the key was loaded from (OpenSSL loads it too, with the feature).
    #[cfg_attr(not(feature = "openssl-oaep"), allow(unused_variables))]
    fn new(
        private: PrivateDecryptingKey,
        pkcs8: &[u8],
        origin: &Origin,
    ) -> Result<Self, CryptoError> {
        let spki: PublicKeyX509Der<'static> =
            private
                .public_key()
                .as_der()
                .map_err(|_| CryptoError::InvalidKey {
                    origin: origin.clone(),
                    reason: "aws-lc-rs could not encode the public key".to_owned(),
                })?;
        let spki_sha256 = sha256(spki.as_ref());
        let bits = u32::try_from(private.key_size_bits()).unwrap_or(u32::MAX);
        let modulus_len = private.key_size_bytes();
        #[cfg(feature = "openssl-oaep")]
        let openssl =
            crate::xmlenc::mixed::private_key(pkcs8).ok_or_else(|| CryptoError::InvalidKey {
                origin: origin.clone(),
                reason: "OpenSSL could not load the key that aws-lc-rs accepted".to_owned(),
            })?;
        Ok(Self {
            private,
            #[cfg(feature = "openssl-oaep")]
            openssl,
            modulus_len,
            bits,
            spki_sha256,
        })
    }

    /// RSA-OAEP decryption with this key. The aws-lc-rs wrappers only hold the key (a
    /// reference count), so they are made per use, which keeps this type `Clone`.
    pub(crate) fn oaep(&self) -> Option<OaepPrivateDecryptingKey> {
        OaepPrivateDecryptingKey::new(self.private.clone()).ok()
    }

    /// RSA PKCS#1 v1.5 decryption with this key.
    pub(crate) fn pkcs1_v1_5(&self) -> Option<Pkcs1PrivateDecryptingKey> {
        Pkcs1PrivateDecryptingKey::new(self.private.clone()).ok()
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// SHA-256 of the public key's DER `SubjectPublicKeyInfo`, to match a certificate:
    /// [`EncryptedParts::key_spki_sha256`](super::EncryptedParts::key_spki_sha256) is the same
    /// digest of the certificate an `EncryptedKey` names.
    pub fn spki_sha256(&self) -> [u8; 32] {
        self.spki_sha256
    }

    /// Whether `cert` holds this key's public half (the SP's encryption certificate in its
    /// metadata, say).
    pub fn fits(&self, cert: &Certificate) -> bool {
        rsa_spki_sha256(cert.public_key()) == Some(self.spki_sha256)
    }
}

/// An RSA public key to encrypt a CEK to (an SP's encryption key, on the IdP side), parsed
/// once.
#[derive(Clone)]
pub struct EncryptionKey {
    public: PublicEncryptingKey,
    /// The same key in OpenSSL, for RSA-OAEP pairs aws-lc-rs lacks.
    #[cfg(feature = "openssl-oaep")]
    pub(crate) openssl: openssl::pkey::PKey<openssl::pkey::Public>,
    /// The base64 DER of the certificate, named in the `EncryptedKey`'s `ds:KeyInfo` so the SP
    /// can tell which of its keys to use.
    pub(crate) certificate: Option<String>,
    bits: u32,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("bits", &self.bits)
            .field("certificate", &self.certificate.is_some())
            .finish()
    }
}

impl EncryptionKey {
    /// The RSA key of an SP's encryption certificate; the `EncryptedKey` then names the
    /// certificate in its `ds:KeyInfo/ds:X509Data`.
    pub fn from_certificate(cert: &Certificate) -> Result<Self, CryptoError> {
        let mut key = Self::from_public_key(cert.public_key())?;
        key.certificate = Some(base64_encode(cert.der()));
        Ok(key)
    }

    /// A bare RSA public key (for SPs that publish no certificate); the `EncryptedKey` then
    /// carries no `ds:KeyInfo`.
    pub fn from_public_key(key: &PublicKey) -> Result<Self, CryptoError> {
        let origin = Origin::new("encryption key", None);
        let bits = match key.kind() {
            KeyKind::Rsa { bits } => bits,
            other => {
                return Err(CryptoError::UnsupportedKey {
                    origin,
                    reason: format!(
                        "XML Encryption key transport needs an RSA key, not a {other} key"
                    ),
                });
            }
        };
        check_size(bits, None)?;
        let rejected = |what: &str| CryptoError::InvalidKey {
            origin: origin.clone(),
            reason: format!("aws-lc-rs refused the RSA public key ({what})"),
        };
        let parts = RsaPublicKeyRef::from_der(key.bytes())
            .map_err(|e| invalid(&origin, "not a valid PKCS#1 RSA public key", e))?;
        let public: PublicEncryptingKey = PublicKeyComponents {
            n: parts.modulus.as_bytes(),
            e: parts.public_exponent.as_bytes(),
        }
        .try_into()
        .map_err(|_| rejected("modulus or exponent"))?;
        #[cfg(feature = "openssl-oaep")]
        let openssl = crate::xmlenc::mixed::public_key(
            parts.modulus.as_bytes(),
            parts.public_exponent.as_bytes(),
        )
        .ok_or_else(|| rejected("OpenSSL could not load it"))?;
        Ok(Self {
            public,
            #[cfg(feature = "openssl-oaep")]
            openssl,
            certificate: None,
            bits,
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// RSA-OAEP encryption to this key (made per use, like [`DecryptionKey::oaep`]).
    pub(crate) fn oaep(&self) -> Option<OaepPublicEncryptingKey> {
        OaepPublicEncryptingKey::new(self.public.clone()).ok()
    }
}

/// Refuses RSA moduli aws-lc-rs cannot use. `origin` names the key file, when there is one.
fn check_size(bits: u32, origin: Option<&Origin>) -> Result<(), CryptoError> {
    match origin {
        _ if (MIN_BITS..=MAX_BITS).contains(&bits) => Ok(()),
        Some(origin) => Err(CryptoError::InvalidKey {
            origin: origin.clone(),
            reason: format!(
                "RSA key of {bits} bits cannot be used for XML Encryption: the crypto library \
                 (aws-lc-rs) decrypts with {MIN_BITS}- to {MAX_BITS}-bit keys only"
            ),
        }),
        None if bits < MIN_BITS => Err(CryptoError::RsaKeyTooSmall {
            bits,
            min: MIN_BITS,
        }),
        None => Err(CryptoError::RsaKeyTooLarge {
            bits,
            max: MAX_BITS,
        }),
    }
}

fn rejected(origin: &Origin, err: aws_lc_rs::error::KeyRejected) -> CryptoError {
    CryptoError::InvalidKey {
        origin: origin.clone(),
        reason: format!("rejected by aws-lc-rs ({err})"),
    }
}

/// SHA-256 of the `SubjectPublicKeyInfo` of an RSA public key, encoded by aws-lc-rs as
/// [`DecryptionKey::spki_sha256`] is (so that the two compare whatever encoding a certificate
/// used); `None` for other keys.
pub(crate) fn rsa_spki_sha256(key: &PublicKey) -> Option<[u8; 32]> {
    if !matches!(key.kind(), KeyKind::Rsa { .. }) {
        return None;
    }
    let parts = RsaPublicKeyRef::from_der(key.bytes()).ok()?;
    let spki: PublicKeyX509Der<'static> = PublicKeyComponents {
        n: parts.modulus.as_bytes(),
        e: parts.public_exponent.as_bytes(),
    }
    .as_der()
    .ok()?;
    Some(sha256(spki.as_ref()))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // A SHA-256 digest is 32 bytes: the lengths always agree.
    out.copy_from_slice(DigestAlgorithm::Sha256.digest(bytes).as_ref());
    out
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
