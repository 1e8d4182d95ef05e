//! Cryptographic primitives for XML Signature: algorithm allow-lists,
//! certificate and public-key loading, signature verification and signing.
//!
//! All mathematics and digests are done by [`ring`]. The only exception is
//! ECDSA with SHA-512 (`ecdsa-sha512`), which *ring* does not offer; it is
//! computed by the RustCrypto `p256`/`p384` crates over a SHA-512 digest that
//! *ring* produces.
//!
//! Keys and certificates are parsed once, when they are loaded; verifying a
//! signature with an already-loaded [`PublicKey`] is a single *ring* call.
//!
//! Loading functions take an optional *source label*, normally the file name
//! the bytes came from, which is repeated in every error message, e.g.
//! ``certificate file `idp.pem`: no PEM block `CERTIFICATE` found``.
//!
//! Fuzzing builds (`--cfg fuzzing`, set by cargo-fuzz and by no Cargo feature) replace the
//! signature mathematics and the `DigestValue` comparison with a no-security backend that
//! accepts, so that mutated inputs reach the SAML checks; everything else still runs. See
//! `src/crypto/no_security.rs`.

pub mod algorithm;
#[cfg(feature = "aws-lc")]
mod aws;
pub mod cert;
pub mod key;
#[cfg(fuzzing)]
pub(crate) mod no_security;

use std::fmt;

pub use algorithm::{AlgorithmPolicy, DEFAULT_MIN_RSA_BITS, DigestAlgorithm, SignatureAlgorithm};

/// Algorithm policies that accept what the default refuses. Each is a deliberate, auditable
/// choice; settings reach them through [`crate::settings::danger`].
pub mod danger {
    use super::AlgorithmPolicy;

    /// `policy` with SHA-1 digests and RSA-SHA1 signatures accepted. SHA-1 collisions are
    /// practical.
    #[must_use]
    pub fn allow_sha1(policy: &AlgorithmPolicy) -> AlgorithmPolicy {
        policy.clone().weakened(true, u32::MAX)
    }

    /// `policy` with RSA keys down to `bits` (at least 1024) accepted.
    #[must_use]
    pub fn allow_small_rsa_keys(policy: &AlgorithmPolicy, bits: u32) -> AlgorithmPolicy {
        policy.clone().weakened(false, bits)
    }

    /// The most permissive policy: SHA-1 and RSA keys down to 1024 bits. For inspecting
    /// legacy captures, never for deciding a login.
    #[must_use]
    pub fn legacy() -> AlgorithmPolicy {
        AlgorithmPolicy::default().weakened(true, 1024)
    }
}
pub use cert::{Certificate, KeyKind, PublicKey, TrustAnchor};
pub use key::SigningKey;

/// Runs `mathematics`, the mathematical check of one signature, and returns its verdict. Every
/// signature verification ends here; fuzzing builds use `no_security::signature_math` instead.
#[cfg(not(fuzzing))]
fn signature_math(mathematics: impl FnOnce() -> bool) -> bool {
    mathematics()
}
#[cfg(fuzzing)]
use no_security::signature_math;

/// Formats a fingerprint (a digest of a certificate's DER) as colon-separated uppercase hex.
pub fn fingerprint(digest: &[u8]) -> String {
    cert::hex(digest, ":")
}

/// Where the bytes being loaded came from: what they were supposed to be and
/// the caller's optional source label (normally a file name).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Origin {
    what: &'static str,
    label: Option<String>,
}

impl Origin {
    /// Creates an origin for an object of kind `what` (e.g. `"certificate"`)
    /// with an optional source label.
    pub fn new(what: &'static str, label: Option<&str>) -> Self {
        Self {
            what,
            label: label.map(str::to_owned),
        }
    }

    /// What was being loaded, e.g. `"certificate"` or `"private key"`.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The caller's source label, if one was given.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.label {
            Some(label) => write!(f, "{} file `{label}`", self.what),
            None => f.write_str(self.what),
        }
    }
}

/// Errors from the `crypto` module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The algorithm URI is not on the allow-list (this includes every HMAC
    /// algorithm, which XML Signature must never accept in SAML).
    #[error(
        "unsupported algorithm `{uri}`; allowed: {}",
        join_quoted(allowed, ", ")
    )]
    UnsupportedAlgorithm {
        /// The URI as it appeared in the document or request.
        uri: String,
        /// The URIs that would have been accepted.
        allowed: Vec<&'static str>,
    },

    /// The algorithm uses SHA-1 and the policy does not allow it.
    #[error(
        "algorithm `{uri}` uses SHA-1, which the algorithm policy forbids (accepting it needs `settings::danger::allow_sha1`, or `--allow-sha1` on the CLI)"
    )]
    Sha1NotAllowed {
        /// The SHA-1 based algorithm URI.
        uri: String,
    },

    /// The signature algorithm cannot be used with this type of key.
    #[error("algorithm `{algorithm}` cannot be used with a {key} key")]
    KeyAlgorithmMismatch {
        /// URI of the requested signature algorithm.
        algorithm: &'static str,
        /// The key that was offered.
        key: KeyKind,
    },

    /// The RSA key is smaller than the policy (or the backend) allows.
    #[error("RSA key of {bits} bits is below the minimum of {min} bits")]
    RsaKeyTooSmall {
        /// Modulus size of the key.
        bits: u32,
        /// The smallest size accepted for this operation.
        min: u32,
    },

    /// The RSA key is larger than the backend supports.
    #[error("RSA key of {bits} bits is above the maximum of {max} bits")]
    RsaKeyTooLarge {
        /// Modulus size of the key.
        bits: u32,
        /// The largest size accepted for this operation.
        max: u32,
    },

    /// The signature does not verify. Deliberately carries no detail.
    #[error("signature verification failed")]
    BadSignature,

    /// The PEM text has no block with any of the expected labels.
    #[error(
        "{origin}: no PEM block {} found{}",
        join_quoted(expected, " or "),
        found_suffix(found)
    )]
    NoPemBlock {
        /// What was being loaded, from where.
        origin: Origin,
        /// The PEM labels that would have been accepted.
        expected: Vec<&'static str>,
        /// The labels of the PEM blocks that were present, if any.
        found: Vec<String>,
    },

    /// The private key is encrypted; only unencrypted keys are supported.
    #[error(
        "{origin}: the private key is encrypted; decrypt it first (e.g. `openssl pkcs8 -in KEY -out KEY.pem`)"
    )]
    EncryptedKey {
        /// What was being loaded, from where.
        origin: Origin,
    },

    /// The bytes are not valid PEM, base64 or DER for what was expected.
    #[error("{origin}: {reason}")]
    InvalidEncoding {
        /// What was being loaded, from where.
        origin: Origin,
        /// What was wrong.
        reason: String,
    },

    /// The key is well formed but of a type or curve that is not supported.
    #[error("{origin}: unsupported key: {reason}")]
    UnsupportedKey {
        /// What was being loaded, from where.
        origin: Origin,
        /// What kind of key it was.
        reason: String,
    },

    /// The key is structurally valid but was rejected (inconsistent,
    /// out-of-range size, invalid point, ...).
    #[error("{origin}: invalid key: {reason}")]
    InvalidKey {
        /// What was being loaded, from where.
        origin: Origin,
        /// What was wrong.
        reason: String,
    },

    /// The signing operation itself failed (should not happen with a valid key).
    #[error("signing with `{algorithm}` failed")]
    SigningFailed {
        /// URI of the signature algorithm.
        algorithm: &'static str,
    },
}

fn join_quoted<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    quoted.join(sep)
}

fn found_suffix(found: &[String]) -> String {
    if found.is_empty() {
        String::new()
    } else {
        format!(" (found {})", join_quoted(found, ", "))
    }
}

/// One decoded PEM block.
pub(crate) struct PemBlock {
    /// The label between `-----BEGIN ` and `-----`.
    pub(crate) label: String,
    /// The decoded body.
    pub(crate) der: Vec<u8>,
}

const PEM_BEGIN: &[u8] = b"-----BEGIN ";
const PEM_DASHES: &[u8] = b"-----";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes every PEM block in `text`, ignoring any text around the blocks.
///
/// Encrypted blocks (`ENCRYPTED PRIVATE KEY`, or RFC 1421 `Proc-Type`
/// headers) are reported as [`CryptoError::EncryptedKey`].
pub(crate) fn pem_blocks(text: &[u8], origin: &Origin) -> Result<Vec<PemBlock>, CryptoError> {
    let invalid = |reason: String| CryptoError::InvalidEncoding {
        origin: origin.clone(),
        reason,
    };
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = find(rest, PEM_BEGIN) {
        let after_begin = &rest[start + PEM_BEGIN.len()..];
        let label_end = find(after_begin, PEM_DASHES)
            .ok_or_else(|| invalid("unterminated PEM `-----BEGIN` line".to_owned()))?;
        let label = std::str::from_utf8(&after_begin[..label_end])
            .map_err(|_| invalid("PEM label is not valid UTF-8".to_owned()))?
            .to_owned();
        let body_and_rest = &after_begin[label_end + PEM_DASHES.len()..];
        let end_line = format!("-----END {label}-----");
        let body_end = find(body_and_rest, end_line.as_bytes())
            .ok_or_else(|| invalid(format!("PEM block `{label}` has no `{end_line}` line")))?;
        let body = &body_and_rest[..body_end];
        rest = &body_and_rest[body_end + end_line.len()..];

        // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) contain a colon, which
        // base64 never does.
        let has_headers = body.contains(&b':');
        if label.contains("ENCRYPTED") || (has_headers && find(body, b"ENCRYPTED").is_some()) {
            return Err(CryptoError::EncryptedKey {
                origin: origin.clone(),
            });
        }
        if has_headers {
            return Err(invalid(format!(
                "PEM block `{label}` has RFC 1421 headers, which are not supported"
            )));
        }
        let der = decode_base64(body)
            .map_err(|e| invalid(format!("invalid base64 in PEM block `{label}`: {e}")))?;
        blocks.push(PemBlock { label, der });
    }
    Ok(blocks)
}

/// Picks the first block whose label is one of `expected`, or reports which
/// labels were present.
pub(crate) fn first_pem_block(
    text: &[u8],
    expected: &[&'static str],
    origin: &Origin,
) -> Result<PemBlock, CryptoError> {
    let blocks = pem_blocks(text, origin)?;
    let mut found = Vec::new();
    for block in blocks {
        if expected.contains(&block.label.as_str()) {
            return Ok(block);
        }
        found.push(block.label);
    }
    Err(CryptoError::NoPemBlock {
        origin: origin.clone(),
        expected: expected.to_vec(),
        found,
    })
}

/// Whether `bytes` look like PEM text.
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    find(bytes, PEM_BEGIN).is_some()
}

/// Whether `bytes` look like DER (an ASN.1 SEQUENCE). Base64 text of a DER
/// SEQUENCE starts with `M`, never with the byte `0x30`.
pub(crate) fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
}

/// Decodes standard base64, ignoring ASCII whitespace (line breaks,
/// indentation) and accepting missing padding.
pub(crate) fn decode_base64(text: &[u8]) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    LENIENT.decode(compact)
}

/// Strips a UTF-8 byte-order mark and leading ASCII whitespace.
pub(crate) fn trim_start(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::new("certificate", Some("idp.pem"))
    }

    #[test]
    fn pem_blocks_with_surrounding_text_and_crlf() {
        let text = b"junk before\r\n-----BEGIN FOO-----\r\nAAEC\r\nAw==\r\n-----END FOO-----\r\nafter\n-----BEGIN BAR-----\nBAU=\n-----END BAR-----\n";
        let blocks = pem_blocks(text, &origin()).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "FOO");
        assert_eq!(blocks[0].der, vec![0, 1, 2, 3]);
        assert_eq!(blocks[1].label, "BAR");
        assert_eq!(blocks[1].der, vec![4, 5]);
    }

    #[test]
    fn missing_pem_block_names_file_and_label() {
        let err = first_pem_block(
            b"-----BEGIN BAR-----\nBAU=\n-----END BAR-----\n",
            &["CERTIFICATE"],
            &origin(),
        )
        .err()
        .unwrap();
        assert!(matches!(err, CryptoError::NoPemBlock { ref found, .. } if found == &["BAR"]));
        assert_eq!(
            err.to_string(),
            "certificate file `idp.pem`: no PEM block `CERTIFICATE` found (found `BAR`)"
        );
        let err = first_pem_block(
            b"nothing here",
            &["CERTIFICATE"],
            &Origin::new("certificate", Some("idp.pem")),
        )
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "certificate file `idp.pem`: no PEM block `CERTIFICATE` found"
        );
    }

    #[test]
    fn unterminated_pem_block_is_invalid_encoding() {
        let err = pem_blocks(b"-----BEGIN CERTIFICATE-----\nAAEC\n", &origin())
            .err()
            .unwrap();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("-----END CERTIFICATE-----"));
    }

    #[test]
    fn bad_base64_in_pem_is_invalid_encoding() {
        let err = pem_blocks(b"-----BEGIN X-----\n!!!!\n-----END X-----", &origin())
            .err()
            .unwrap();
        assert!(
            matches!(err, CryptoError::InvalidEncoding { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn encrypted_pem_is_reported() {
        let text =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAEC\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = pem_blocks(text, &Origin::new("private key", None))
            .err()
            .unwrap();
        assert!(matches!(err, CryptoError::EncryptedKey { .. }), "{err:?}");
        let text = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\n-----END RSA PRIVATE KEY-----\n";
        let err = pem_blocks(text, &Origin::new("private key", None))
            .err()
            .unwrap();
        assert!(matches!(err, CryptoError::EncryptedKey { .. }), "{err:?}");
    }

    #[test]
    fn base64_ignores_whitespace_and_padding() {
        assert_eq!(decode_base64(b" AA\n EC\tAw== ").unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(decode_base64(b"AAECAw").unwrap(), vec![0, 1, 2, 3]);
        assert!(decode_base64(b"AA*C").is_err());
    }

    #[test]
    fn loaded_keys_can_be_shared_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Certificate>();
        send_sync::<PublicKey>();
        send_sync::<SigningKey>();
        send_sync::<TrustAnchor>();
        send_sync::<CryptoError>();
    }

    #[test]
    fn origin_without_label() {
        assert_eq!(Origin::new("public key", None).to_string(), "public key");
    }
}
