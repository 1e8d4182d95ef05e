//! The XML Encryption algorithms this crate knows, by URI, and why it refuses the others.
//!
//! Key transport is RSA-OAEP (`xmlenc#rsa-oaep-mgf1p`, `xmlenc11#rsa-oaep`) and, only behind
//! [`danger::allow_rsa1_5`](super::danger::allow_rsa1_5), RSA PKCS#1 v1.5. Data encryption is
//! AES-GCM (XML Encryption 1.1 §5.2.4) and AES-CBC (§5.2.2). Everything else, 3DES included, is
//! [`XmlencError::AlgorithmNotAllowed`] with a [`Refusal`] that says why.

use std::fmt;

use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384, OAEP_SHA512_MGF1SHA512,
    OaepAlgorithm,
};

use crate::crypto::DigestAlgorithm;
use crate::xmlenc::XmlencError;

/// `xmlenc#rsa-oaep-mgf1p`: RSA-OAEP whose mask generation is always MGF1 with SHA-1.
pub(crate) const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
/// `xmlenc11#rsa-oaep`: RSA-OAEP with the digest and MGF named by child elements.
pub(crate) const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
/// `xmlenc#rsa-1_5`: RSA PKCS#1 v1.5 key transport.
pub(crate) const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
/// `xmlenc#tripledes-cbc`, refused.
pub(crate) const TRIPLEDES_CBC: &str = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc";
/// `xmldsig-more#sha224`, a digest aws-lc-rs offers for no OAEP pair.
const SHA224: &str = "http://www.w3.org/2001/04/xmldsig-more#sha224";
/// The `xenc11:MGF` algorithms are this prefix followed by `sha1`, `sha224`, `sha256`, …
const MGF1_PREFIX: &str = "http://www.w3.org/2009/xmlenc11#mgf1";

/// The key transport algorithms, in the order an error lists them.
const KEY_TRANSPORT_URIS: &[&str] = &[RSA_OAEP_MGF1P, RSA_OAEP, RSA_1_5];
/// The digests of `ds:DigestMethod` inside an RSA-OAEP `EncryptionMethod`.
const OAEP_DIGEST_URIS: &[&str] = &[
    "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];
/// The `xenc11:MGF` algorithms that can be named (only the one matching the digest runs).
const MGF_URIS: &[&str] = &[
    "http://www.w3.org/2009/xmlenc11#mgf1sha1",
    "http://www.w3.org/2009/xmlenc11#mgf1sha256",
    "http://www.w3.org/2009/xmlenc11#mgf1sha384",
    "http://www.w3.org/2009/xmlenc11#mgf1sha512",
];

/// The RSA-OAEP parameters of a [`KeyTransport`], and the library that runs them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Oaep {
    /// Digest and MGF1 hash the same: aws-lc-rs, with the key parsed once.
    AwsLc(&'static OaepAlgorithm),
    /// Digest and MGF1 hash differ: OpenSSL (feature `openssl-oaep`).
    #[cfg(feature = "openssl-oaep")]
    Mixed {
        /// The OAEP digest (of the label).
        digest: DigestAlgorithm,
        /// The hash of MGF1.
        mgf: DigestAlgorithm,
    },
}

/// How the content-encryption key (CEK) travels: encrypted to the recipient's RSA key
/// (`xenc:EncryptedKey/xenc:EncryptionMethod/@Algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyTransport {
    /// `http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p`: RSA-OAEP with MGF1-SHA-1 and the
    /// digest of `ds:DigestMethod` (default SHA-1). The interoperable choice: xmlsec1 1.2,
    /// pysaml2, Shibboleth and Okta all use it with SHA-1.
    RsaOaepMgf1p {
        /// The OAEP digest (of the label); SHA-1 when `ds:DigestMethod` is absent.
        digest: DigestAlgorithm,
    },
    /// `http://www.w3.org/2009/xmlenc11#rsa-oaep`: RSA-OAEP with the digest of
    /// `ds:DigestMethod` (default SHA-1) and MGF1 with the hash of `xenc11:MGF` (default
    /// `mgf1sha1`).
    RsaOaep {
        /// The OAEP digest (of the label).
        digest: DigestAlgorithm,
        /// The hash of the MGF1 mask generation function.
        mgf: DigestAlgorithm,
    },
    /// `http://www.w3.org/2001/04/xmlenc#rsa-1_5`: RSA PKCS#1 v1.5. Refused unless
    /// [`danger::allow_rsa1_5`](super::danger::allow_rsa1_5); never produced.
    Rsa1_5,
}

impl Default for KeyTransport {
    /// `rsa-oaep-mgf1p` with SHA-1: what every SAML SP decrypts (xmlsec1 1.2 knows no other
    /// OAEP form). SHA-1 inside OAEP needs no collision resistance.
    fn default() -> Self {
        Self::RsaOaepMgf1p {
            digest: DigestAlgorithm::Sha1,
        }
    }
}

impl KeyTransport {
    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaOaepMgf1p { .. } => RSA_OAEP_MGF1P,
            Self::RsaOaep { .. } => RSA_OAEP,
            Self::Rsa1_5 => RSA_1_5,
        }
    }

    /// The OAEP digest; `None` for RSA PKCS#1 v1.5.
    pub fn digest(self) -> Option<DigestAlgorithm> {
        match self {
            Self::RsaOaepMgf1p { digest } | Self::RsaOaep { digest, .. } => Some(digest),
            Self::Rsa1_5 => None,
        }
    }

    /// The hash of MGF1; `None` for RSA PKCS#1 v1.5.
    pub fn mgf(self) -> Option<DigestAlgorithm> {
        match self {
            Self::RsaOaepMgf1p { .. } => Some(DigestAlgorithm::Sha1),
            Self::RsaOaep { mgf, .. } => Some(mgf),
            Self::Rsa1_5 => None,
        }
    }

    /// Whether this build can run this key transport: every RSA-OAEP form with SHA-1, SHA-256,
    /// SHA-384 or SHA-512 as digest and MGF1 hash (pairs whose hashes differ only with the
    /// `openssl-oaep` feature, on by default), and RSA PKCS#1 v1.5 (which
    /// [`DecryptionPolicy`](super::DecryptionPolicy) still refuses by default).
    pub fn is_supported(self) -> bool {
        match self {
            Self::Rsa1_5 => true,
            _ => self.oaep().is_ok(),
        }
    }

    /// The RSA-OAEP parameters, or why there are none. aws-lc-rs runs the pairs whose digest
    /// and MGF1 hash are the same (its `OaepAlgorithm` cannot be built otherwise); the other
    /// pairs run in OpenSSL with the `openssl-oaep` feature and are refused without it. Both
    /// libraries decrypt in constant time.
    pub(crate) fn oaep(self) -> Result<Oaep, XmlencError> {
        use DigestAlgorithm as D;
        let (digest, mgf) = match self {
            Self::RsaOaepMgf1p { digest } => (digest, D::Sha1),
            Self::RsaOaep { digest, mgf } => (digest, mgf),
            Self::Rsa1_5 => {
                return Err(XmlencError::AlgorithmNotAllowed {
                    uri: RSA_1_5.to_owned(),
                    reason: Refusal::Rsa1_5,
                });
            }
        };
        match (digest, mgf) {
            (D::Sha1, D::Sha1) => Ok(Oaep::AwsLc(&OAEP_SHA1_MGF1SHA1)),
            (D::Sha256, D::Sha256) => Ok(Oaep::AwsLc(&OAEP_SHA256_MGF1SHA256)),
            (D::Sha384, D::Sha384) => Ok(Oaep::AwsLc(&OAEP_SHA384_MGF1SHA384)),
            (D::Sha512, D::Sha512) => Ok(Oaep::AwsLc(&OAEP_SHA512_MGF1SHA512)),
            #[cfg(feature = "openssl-oaep")]
            _ => Ok(Oaep::Mixed { digest, mgf }),
            #[cfg(not(feature = "openssl-oaep"))]
            _ => Err(XmlencError::AlgorithmNotAllowed {
                uri: self.uri().to_owned(),
                reason: Refusal::OaepPair {
                    digest: hash_name(digest),
                    mgf: hash_name(mgf),
                },
            }),
        }
    }

    /// Reads the key transport of an `EncryptionMethod`: its `Algorithm`, and the `Algorithm`
    /// of its `ds:DigestMethod` and `xenc11:MGF` children, if present. `mgf` on any algorithm
    /// but `rsa-oaep`, or a digest on `rsa-1_5`, is reported by the caller as an unexpected
    /// element; here they are only interpreted.
    pub(crate) fn from_parts(
        algorithm: &str,
        digest: Option<&str>,
        mgf: Option<&str>,
    ) -> Result<Self, XmlencError> {
        match algorithm {
            RSA_OAEP_MGF1P => Ok(Self::RsaOaepMgf1p {
                digest: oaep_digest(algorithm, digest, mgf)?,
            }),
            RSA_OAEP => {
                let digest = oaep_digest(algorithm, digest, mgf)?;
                let mgf = match mgf {
                    None => DigestAlgorithm::Sha1,
                    Some(uri) => mgf_hash(digest, uri)?,
                };
                Ok(Self::RsaOaep { digest, mgf })
            }
            RSA_1_5 => Ok(Self::Rsa1_5),
            other => Err(XmlencError::AlgorithmNotAllowed {
                uri: other.to_owned(),
                reason: Refusal::Unknown {
                    place: "key transport",
                    allowed: KEY_TRANSPORT_URIS,
                },
            }),
        }
    }
}

impl fmt::Display for KeyTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, self.digest(), self.mgf()) {
            (Self::RsaOaepMgf1p { .. }, Some(d), Some(m)) => write!(
                f,
                "rsa-oaep-mgf1p ({}, MGF1-{})",
                hash_name(d),
                hash_name(m)
            ),
            (Self::RsaOaep { .. }, Some(d), Some(m)) => {
                write!(f, "rsa-oaep ({}, MGF1-{})", hash_name(d), hash_name(m))
            }
            _ => f.write_str("rsa-1_5"),
        }
    }
}

/// The OAEP digest named by `ds:DigestMethod`, SHA-1 when absent.
fn oaep_digest(
    algorithm: &str,
    digest: Option<&str>,
    mgf: Option<&str>,
) -> Result<DigestAlgorithm, XmlencError> {
    let Some(uri) = digest else {
        return Ok(DigestAlgorithm::Sha1);
    };
    if let Some(d) = DigestAlgorithm::from_uri(uri) {
        return Ok(d);
    }
    let reason = if uri == SHA224 {
        // Name the whole pair: the MGF is known even though the digest is refused.
        let mgf = match (algorithm, mgf) {
            (RSA_OAEP, Some(m)) => mgf_name(m),
            _ => "SHA-1",
        };
        Refusal::OaepPair {
            digest: "SHA-224",
            mgf,
        }
    } else {
        Refusal::Unknown {
            place: "RSA-OAEP digest",
            allowed: OAEP_DIGEST_URIS,
        }
    };
    Err(XmlencError::AlgorithmNotAllowed {
        uri: uri.to_owned(),
        reason,
    })
}

/// The hash of an `xenc11:MGF` algorithm.
fn mgf_hash(digest: DigestAlgorithm, uri: &str) -> Result<DigestAlgorithm, XmlencError> {
    let hash = match uri.strip_prefix(MGF1_PREFIX) {
        Some("sha1") => Some(DigestAlgorithm::Sha1),
        Some("sha256") => Some(DigestAlgorithm::Sha256),
        Some("sha384") => Some(DigestAlgorithm::Sha384),
        Some("sha512") => Some(DigestAlgorithm::Sha512),
        _ => None,
    };
    hash.ok_or_else(|| XmlencError::AlgorithmNotAllowed {
        uri: uri.to_owned(),
        reason: if uri == format!("{MGF1_PREFIX}sha224") {
            Refusal::OaepPair {
                digest: hash_name(digest),
                mgf: "SHA-224",
            }
        } else {
            Refusal::Unknown {
                place: "mask generation function",
                allowed: MGF_URIS,
            }
        },
    })
}

/// The `xenc11:MGF` URI of MGF1 with `hash`.
pub(crate) fn mgf_uri(hash: DigestAlgorithm) -> &'static str {
    match hash {
        DigestAlgorithm::Sha256 => MGF_URIS[1],
        DigestAlgorithm::Sha384 => MGF_URIS[2],
        DigestAlgorithm::Sha512 => MGF_URIS[3],
        DigestAlgorithm::Sha1 => MGF_URIS[0],
    }
}

/// `SHA-224` etc. for an `xenc11:MGF` URI, `?` for one that is not MGF1.
fn mgf_name(uri: &str) -> &'static str {
    match uri.strip_prefix(MGF1_PREFIX) {
        Some("sha1") => "SHA-1",
        Some("sha224") => "SHA-224",
        Some("sha256") => "SHA-256",
        Some("sha384") => "SHA-384",
        Some("sha512") => "SHA-512",
        _ => "an unknown hash",
    }
}

/// `SHA-256` etc.
pub(crate) fn hash_name(digest: DigestAlgorithm) -> &'static str {
    match digest {
        DigestAlgorithm::Sha1 => "SHA-1",
        DigestAlgorithm::Sha256 => "SHA-256",
        DigestAlgorithm::Sha384 => "SHA-384",
        DigestAlgorithm::Sha512 => "SHA-512",
    }
}

/// How the data itself is encrypted (`xenc:EncryptedData/xenc:EncryptionMethod/@Algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataEncryption {
    /// `http://www.w3.org/2001/04/xmlenc#aes128-cbc`.
    Aes128Cbc,
    /// `http://www.w3.org/2001/04/xmlenc#aes192-cbc`.
    Aes192Cbc,
    /// `http://www.w3.org/2001/04/xmlenc#aes256-cbc`.
    Aes256Cbc,
    /// `http://www.w3.org/2009/xmlenc11#aes128-gcm`.
    Aes128Gcm,
    /// `http://www.w3.org/2009/xmlenc11#aes192-gcm`.
    Aes192Gcm,
    /// `http://www.w3.org/2009/xmlenc11#aes256-gcm`.
    Aes256Gcm,
}

impl DataEncryption {
    /// Every supported data encryption algorithm, GCM first.
    pub const ALL: &'static [DataEncryption] = &[
        Self::Aes128Gcm,
        Self::Aes192Gcm,
        Self::Aes256Gcm,
        Self::Aes128Cbc,
        Self::Aes192Cbc,
        Self::Aes256Cbc,
    ];

    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Aes128Cbc => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            Self::Aes192Cbc => "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
            Self::Aes256Cbc => "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
            Self::Aes128Gcm => "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            Self::Aes192Gcm => "http://www.w3.org/2009/xmlenc11#aes192-gcm",
            Self::Aes256Gcm => "http://www.w3.org/2009/xmlenc11#aes256-gcm",
        }
    }

    /// Looks up an algorithm by its exact URI; `None` if it is not supported (3DES included).
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|alg| alg.uri() == uri)
    }

    /// Whether this is AES-CBC, which has no integrity of its own: a CBC ciphertext can be
    /// altered without the key, so its plaintext may be trusted only under a verified
    /// signature that covers the ciphertext or the decrypted element.
    pub fn is_cbc(self) -> bool {
        matches!(self, Self::Aes128Cbc | Self::Aes192Cbc | Self::Aes256Cbc)
    }

    /// The key length in bytes (16, 24 or 32): the length the decrypted CEK must have.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Cbc | Self::Aes128Gcm => 16,
            Self::Aes192Cbc | Self::Aes192Gcm => 24,
            Self::Aes256Cbc | Self::Aes256Gcm => 32,
        }
    }

    /// The algorithm of a `URI`, or why it is refused.
    pub(crate) fn parse(uri: &str) -> Result<Self, XmlencError> {
        Self::from_uri(uri).ok_or_else(|| XmlencError::AlgorithmNotAllowed {
            uri: uri.to_owned(),
            reason: if uri == TRIPLEDES_CBC {
                Refusal::TripleDes
            } else {
                Refusal::Unknown {
                    place: "data encryption",
                    allowed: DATA_URIS,
                }
            },
        })
    }
}

/// The URIs of [`DataEncryption::ALL`], for error messages.
const DATA_URIS: &[&str] = &[
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2009/xmlenc11#aes192-gcm",
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
];

impl fmt::Display for DataEncryption {
    /// The URI's fragment, e.g. `aes128-gcm`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uri = self.uri();
        f.write_str(uri.rsplit('#').next().unwrap_or(uri))
    }
}

/// Why an algorithm is refused ([`XmlencError::AlgorithmNotAllowed`]). Each message says what
/// the IdP (or the SP's settings) should use instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// RSA-OAEP with a digest and an MGF1 hash that this build does not offer together: SHA-224
    /// in either place, or differing hashes without the `openssl-oaep` feature.
    OaepPair {
        /// The OAEP digest, e.g. `SHA-256`.
        digest: &'static str,
        /// The MGF1 hash, e.g. `SHA-1`.
        mgf: &'static str,
    },
    /// RSA PKCS#1 v1.5 key transport without the opt-in (and always when encrypting).
    Rsa1_5,
    /// `tripledes-cbc`.
    TripleDes,
    /// A URI this library does not implement in this place.
    Unknown {
        /// Where it appeared, e.g. `data encryption`.
        place: &'static str,
        /// The URIs that would have been accepted there.
        allowed: &'static [&'static str],
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OaepPair { digest, mgf } if *digest == "SHA-224" || *mgf == "SHA-224" => {
                write!(
                    f,
                    "RSA-OAEP with digest {digest} and mask generation MGF1-{mgf} is not \
                     supported: SHA-224 is offered for neither; have the IdP use SHA-1, SHA-256, \
                     SHA-384 or SHA-512 for both"
                )
            }
            Self::OaepPair { digest, mgf } => write!(
                f,
                "RSA-OAEP with digest {digest} and mask generation MGF1-{mgf} is not supported \
                 by this build: aws-lc-rs offers OAEP only with the same hash for both, and \
                 saml-core was built without its `openssl-oaep` feature (on by default), which \
                 runs the other pairs in OpenSSL; rebuild with it, or have the IdP use \
                 rsa-oaep-mgf1p with SHA-1, or rsa-oaep with matching DigestMethod and MGF"
            ),
            Self::Rsa1_5 => f.write_str(
                "RSA PKCS#1 v1.5 key transport (rsa-1_5) is open to Bleichenbacher's padding \
                 oracle and is never produced; decrypting it needs \
                 `xmlenc::danger::allow_rsa1_5`. Have the IdP use rsa-oaep-mgf1p",
            ),
            Self::TripleDes => f.write_str(
                "3DES (tripledes-cbc) is refused: a 64-bit block cipher (Sweet32) that the \
                 crypto library offers only as a deprecated legacy option; have the IdP use \
                 aes128-gcm or aes256-gcm (or AES-CBC)",
            ),
            Self::Unknown { place, allowed } => {
                write!(f, "not a supported {place} algorithm; allowed: ")?;
                for (i, uri) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{uri}`")?;
                }
                Ok(())
            }
        }
    }
}
