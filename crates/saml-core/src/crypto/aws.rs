//! Optional RSA verification through aws-lc-rs (cargo feature `aws-lc`), whose
//! `ParsedPublicKey` keeps a key parsed between verifications: ring 0.17 re-parses the modulus
//! and recomputes its Montgomery constants on every call, about a third of an RSA-2048
//! verification. Each configured key is parsed once per algorithm, on first use, then shared
//! by every thread. Everything else (and RSA keys below 2048 bits) stays on ring.

use std::sync::OnceLock;

use aws_lc_rs::signature::{self as aws, ParsedPublicKey};

use crate::crypto::algorithm::SignatureAlgorithm;

/// Parsed aws-lc-rs keys for one RSA public key, one slot per algorithm.
#[derive(Debug, Default)]
pub(crate) struct RsaCache {
    slots: [OnceLock<Option<ParsedPublicKey>>; 7],
}

impl RsaCache {
    /// Verifies with aws-lc-rs, or `None` when it does not serve this algorithm (the caller
    /// then uses ring). `der` is the PKCS#1 `RSAPublicKey`.
    pub(crate) fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        use SignatureAlgorithm as A;
        let (slot, params): (usize, &'static aws::RsaParameters) = match algorithm {
            A::RsaSha1 => (0, &aws::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY),
            A::RsaSha256 => (1, &aws::RSA_PKCS1_2048_8192_SHA256),
            A::RsaSha384 => (2, &aws::RSA_PKCS1_2048_8192_SHA384),
            A::RsaSha512 => (3, &aws::RSA_PKCS1_2048_8192_SHA512),
            A::RsaPssSha256 => (4, &aws::RSA_PSS_2048_8192_SHA256),
            A::RsaPssSha384 => (5, &aws::RSA_PSS_2048_8192_SHA384),
            A::RsaPssSha512 => (6, &aws::RSA_PSS_2048_8192_SHA512),
            _ => return None,
        };
        let key = self.slots[slot]
            .get_or_init(|| ParsedPublicKey::new(params, der).ok())
            .as_ref()?;
        Some(super::signature_math(|| {
            key.verify_sig(message, signature).is_ok()
        }))
    }
}
