//! Signature and digest algorithms, identified by their XML Signature URIs,
//! and the [`AlgorithmPolicy`] allow-list that decides which are accepted.
//!
//! Only the algorithms listed here exist for this library. Anything else,
//! in particular every HMAC URI (`...#hmac-sha1`, `...#hmac-sha256`, ...),
//! DSA and ECDSA-SHA1, is rejected with [`CryptoError::UnsupportedAlgorithm`].

use crate::crypto::CryptoError;
use crate::crypto::backend;
pub use crate::crypto::backend::{Digest, DigestContext};

/// A signature algorithm (`ds:SignatureMethod/@Algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-1 (legacy; needs [`AlgorithmPolicy::allow_sha1`]).
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaSha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 6931).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt (RFC 6931).
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512 and a 64-byte salt (RFC 6931).
    RsaPssSha512,
    /// ECDSA with SHA-256; signature is the fixed-length `r || s`.
    EcdsaSha256,
    /// ECDSA with SHA-384; signature is the fixed-length `r || s`.
    EcdsaSha384,
    /// ECDSA with SHA-512; signature is the fixed-length `r || s`.
    EcdsaSha512,
    /// Ed25519 (RFC 9231).
    Ed25519,
}

impl SignatureAlgorithm {
    /// Every supported signature algorithm, strongest-preferred order within
    /// each key family.
    pub const ALL: &'static [SignatureAlgorithm] = &[
        Self::RsaSha256,
        Self::RsaSha384,
        Self::RsaSha512,
        Self::RsaPssSha256,
        Self::RsaPssSha384,
        Self::RsaPssSha512,
        Self::EcdsaSha256,
        Self::EcdsaSha384,
        Self::EcdsaSha512,
        Self::Ed25519,
        Self::RsaSha1,
    ];

    /// Looks up an algorithm by its exact URI; `None` if it is not supported.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|alg| alg.uri() == uri)
    }

    /// The algorithm's URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Self::RsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            Self::RsaSha512 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            Self::RsaPssSha256 => "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
            Self::RsaPssSha384 => "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1",
            Self::RsaPssSha512 => "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1",
            Self::EcdsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            Self::EcdsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
            Self::EcdsaSha512 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
            Self::Ed25519 => "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519",
        }
    }

    /// The message digest the algorithm applies, or `None` for Ed25519,
    /// whose internal SHA-512 is not a separate step.
    pub fn digest(self) -> Option<DigestAlgorithm> {
        match self {
            Self::RsaSha1 => Some(DigestAlgorithm::Sha1),
            Self::RsaSha256 | Self::RsaPssSha256 | Self::EcdsaSha256 => {
                Some(DigestAlgorithm::Sha256)
            }
            Self::RsaSha384 | Self::RsaPssSha384 | Self::EcdsaSha384 => {
                Some(DigestAlgorithm::Sha384)
            }
            Self::RsaSha512 | Self::RsaPssSha512 | Self::EcdsaSha512 => {
                Some(DigestAlgorithm::Sha512)
            }
            Self::Ed25519 => None,
        }
    }

    /// Whether the algorithm depends on SHA-1.
    pub fn uses_sha1(self) -> bool {
        self.digest() == Some(DigestAlgorithm::Sha1)
    }
}

/// A digest algorithm (`ds:DigestMethod/@Algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (legacy; needs [`AlgorithmPolicy::allow_sha1`]).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Every supported digest algorithm.
    pub const ALL: &'static [DigestAlgorithm] =
        &[Self::Sha256, Self::Sha384, Self::Sha512, Self::Sha1];

    /// Looks up an algorithm by its exact URI; `None` if it is not supported.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|alg| alg.uri() == uri)
    }

    /// The algorithm's URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Self::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            Self::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            Self::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }

    /// A fresh incremental digest context.
    pub fn context(self) -> DigestContext {
        backend::digest_context(self)
    }

    /// Digests `data` in one go.
    pub fn digest(self, data: &[u8]) -> Digest {
        backend::digest(self, data)
    }

    /// Length of the digest output in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// Which algorithms and key sizes are acceptable.
///
/// The default is strict: no SHA-1, RSA keys of at least 2048 bits. It can be made stricter
/// here ([`with_min_rsa_bits`](Self::with_min_rsa_bits)); it is weakened only through
/// [`crate::crypto::danger`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgorithmPolicy {
    allow_sha1: bool,
    min_rsa_bits: u32,
}

/// The smallest RSA modulus the default policy accepts, and the floor of
/// [`AlgorithmPolicy::with_min_rsa_bits`].
pub const DEFAULT_MIN_RSA_BITS: u32 = 2048;

impl Default for AlgorithmPolicy {
    fn default() -> Self {
        Self {
            allow_sha1: false,
            min_rsa_bits: DEFAULT_MIN_RSA_BITS,
        }
    }
}

impl AlgorithmPolicy {
    /// Whether `rsa-sha1` signatures and `sha1` digests are accepted. Default: false.
    pub fn allow_sha1(&self) -> bool {
        self.allow_sha1
    }

    /// Smallest RSA modulus accepted, in bits. Default: 2048. Values below 1024 behave as
    /// 1024, the smallest size the backend can verify; RSA-SHA384 and RSA-PSS always need at
    /// least 2048 bits (see [`PublicKey::verify`]).
    ///
    /// [`PublicKey::verify`]: crate::crypto::PublicKey::verify
    pub fn min_rsa_bits(&self) -> u32 {
        self.min_rsa_bits
    }

    /// Returns the policy with a larger minimum RSA modulus size. A value below the default
    /// (2048) is ignored: weakening goes through [`crate::crypto::danger`].
    #[must_use]
    pub fn with_min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits.max(DEFAULT_MIN_RSA_BITS).max(self.min_rsa_bits);
        self
    }

    pub(crate) fn weakened(mut self, allow_sha1: bool, min_rsa_bits: u32) -> Self {
        self.allow_sha1 |= allow_sha1;
        self.min_rsa_bits = self.min_rsa_bits.min(min_rsa_bits.max(1024));
        self
    }

    /// Checks a signature algorithm URI against the allow-list and the policy.
    pub fn check_signature(&self, uri: &str) -> Result<SignatureAlgorithm, CryptoError> {
        let allowed = || -> Vec<&'static str> {
            SignatureAlgorithm::ALL
                .iter()
                .filter(|alg| self.allow_sha1 || !alg.uses_sha1())
                .map(|alg| alg.uri())
                .collect()
        };
        // HMAC URIs are never on the list; they fall through to the error.
        let alg =
            SignatureAlgorithm::from_uri(uri).ok_or_else(|| CryptoError::UnsupportedAlgorithm {
                uri: uri.to_owned(),
                allowed: allowed(),
            })?;
        self.check_signature_algorithm(alg)?;
        Ok(alg)
    }

    /// Checks an already identified signature algorithm against the policy.
    pub fn check_signature_algorithm(&self, alg: SignatureAlgorithm) -> Result<(), CryptoError> {
        if alg.uses_sha1() && !self.allow_sha1 {
            return Err(CryptoError::Sha1NotAllowed {
                uri: alg.uri().to_owned(),
            });
        }
        Ok(())
    }

    /// Checks a digest algorithm URI against the allow-list and the policy.
    pub fn check_digest(&self, uri: &str) -> Result<DigestAlgorithm, CryptoError> {
        let alg =
            DigestAlgorithm::from_uri(uri).ok_or_else(|| CryptoError::UnsupportedAlgorithm {
                uri: uri.to_owned(),
                allowed: DigestAlgorithm::ALL
                    .iter()
                    .filter(|alg| self.allow_sha1 || **alg != DigestAlgorithm::Sha1)
                    .map(|alg| alg.uri())
                    .collect(),
            })?;
        if alg == DigestAlgorithm::Sha1 && !self.allow_sha1 {
            return Err(CryptoError::Sha1NotAllowed {
                uri: uri.to_owned(),
            });
        }
        Ok(alg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        for alg in SignatureAlgorithm::ALL {
            assert_eq!(SignatureAlgorithm::from_uri(alg.uri()), Some(*alg));
        }
        for alg in DigestAlgorithm::ALL {
            assert_eq!(DigestAlgorithm::from_uri(alg.uri()), Some(*alg));
        }
        assert_eq!(SignatureAlgorithm::ALL.len(), 11);
        assert_eq!(DigestAlgorithm::ALL.len(), 4);
    }

    #[test]
    fn hmac_is_unsupported_and_named() {
        let policy = crate::crypto::danger::legacy();
        for uri in [
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
        ] {
            let err = policy.check_signature(uri).err().unwrap();
            match &err {
                CryptoError::UnsupportedAlgorithm { uri: got, allowed } => {
                    assert_eq!(got, uri);
                    assert!(allowed.contains(&SignatureAlgorithm::RsaSha256.uri()));
                    assert!(allowed.iter().all(|a| !a.contains("hmac")));
                }
                other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
            }
            assert!(err.to_string().contains(uri), "{err}");
        }
    }

    #[test]
    fn unknown_algorithms_are_unsupported() {
        let policy = AlgorithmPolicy::default();
        for uri in [
            "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
            "http://www.w3.org/2001/04/xmldsig-more#RSA-SHA256",
            "",
        ] {
            assert!(matches!(
                policy.check_signature(uri),
                Err(CryptoError::UnsupportedAlgorithm { .. })
            ));
        }
        let err = policy
            .check_digest("http://www.w3.org/2001/04/xmldsig-more#md5")
            .err()
            .unwrap();
        match err {
            CryptoError::UnsupportedAlgorithm { uri, allowed } => {
                assert_eq!(uri, "http://www.w3.org/2001/04/xmldsig-more#md5");
                assert_eq!(allowed.len(), 3, "SHA-1 is not offered by default");
            }
            other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
        }
    }

    #[test]
    fn sha1_needs_opt_in() {
        let strict = AlgorithmPolicy::default();
        let sig = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
        let dig = "http://www.w3.org/2000/09/xmldsig#sha1";
        match strict.check_signature(sig) {
            Err(CryptoError::Sha1NotAllowed { uri }) => assert_eq!(uri, sig),
            other => panic!("expected Sha1NotAllowed, got {other:?}"),
        }
        match strict.check_digest(dig) {
            Err(CryptoError::Sha1NotAllowed { uri }) => assert_eq!(uri, dig),
            other => panic!("expected Sha1NotAllowed, got {other:?}"),
        }
        let relaxed = crate::crypto::danger::allow_sha1(&AlgorithmPolicy::default());
        assert_eq!(
            relaxed.check_signature(sig).unwrap(),
            SignatureAlgorithm::RsaSha1
        );
        assert_eq!(relaxed.check_digest(dig).unwrap(), DigestAlgorithm::Sha1);
    }

    #[test]
    fn strong_algorithms_pass_default_policy() {
        let policy = AlgorithmPolicy::default();
        assert_eq!(policy.min_rsa_bits, 2048);
        assert!(!policy.allow_sha1);
        assert_eq!(
            policy
                .check_signature("http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1")
                .unwrap(),
            SignatureAlgorithm::RsaPssSha256
        );
        assert_eq!(
            policy
                .check_signature("http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519")
                .unwrap(),
            SignatureAlgorithm::Ed25519
        );
        assert_eq!(
            policy
                .check_digest("http://www.w3.org/2001/04/xmldsig-more#sha384")
                .unwrap(),
            DigestAlgorithm::Sha384
        );
    }

    #[test]
    fn digests_match_known_values() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let d = DigestAlgorithm::Sha256.digest(b"abc");
        assert_eq!(
            d.as_ref()[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "SHA-256(abc) prefix"
        );
        let mut ctx = DigestAlgorithm::Sha512.context();
        ctx.update(b"a");
        ctx.update(b"bc");
        assert_eq!(
            ctx.finish().as_ref(),
            DigestAlgorithm::Sha512.digest(b"abc").as_ref()
        );
        for alg in DigestAlgorithm::ALL {
            assert_eq!(alg.digest(b"").as_ref().len(), alg.output_len(), "{alg:?}");
        }
    }
}
