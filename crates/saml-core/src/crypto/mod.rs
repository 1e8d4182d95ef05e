//! Cryptographic primitives for XML Signature: algorithm allow-lists,
//! certificate and public-key loading, signature verification and signing.
//!
//! All mathematics, digests and random bytes come from one crypto backend: aws-lc-rs by
//! default, *ring* with the cargo feature `ring`. Both give the same results and accept the
//! same keys and algorithms. The exception is ECDSA with SHA-512 (`ecdsa-sha512`), which
//! neither signs (and *ring* does not verify): the RustCrypto `p256`/`p384` crates do the
//! curve step there, over the backend's SHA-512 digest.
//!
//! Keys and certificates are parsed once, when they are loaded; on aws-lc-rs the backend's
//! own parsed form of a public key is also made once (per algorithm, on first use), so
//! verifying with an already-loaded [`PublicKey`] is a single call into the library.
//!
//! Loading functions take an optional *source label*, normally the file name
//! the bytes came from, which is repeated in every error message, e.g.
//! ``certificate file `idp.pem`: no PEM block `CERTIFICATE` found``.
//!
//! Fuzzing builds (`--cfg fuzzing`, set by cargo-fuzz and by no Cargo feature) replace the
//! signature mathematics and the `DigestValue` comparison with a no-security backend that
//! accepts, so that mutated inputs reach the SAML checks; everything else still runs. See
//! `src/crypto/no_security.rs`.
//!
//! This module owns keys, certificates, algorithm policy and the mathematics, behind one backend
//! interface. It parses no XML and decides nothing about which element is signed: that is
//! `dsig`'s.

pub mod algorithm;
pub(crate) mod backend;
pub mod cert;
pub mod key;
#[cfg(fuzzing)]
pub(crate) mod no_security;

use std::fmt;

use memchr::memmem;

pub use algorithm::{
    AlgorithmPolicy, DEFAULT_MIN_RSA_BITS, Digest, DigestAlgorithm, DigestContext,
    SignatureAlgorithm,
};

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
        "algorithm `{uri}` uses SHA-1, which the algorithm policy refuses unless SHA-1 is explicitly allowed for this IdP"
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

/// Decodes one PEM block: `block` from `-----BEGIN` to the end of its `-----END …-----`,
/// `body` what lies between the two. RFC 7468's strict form, which openssl and other tools
/// write, is decoded by `pem-rfc7468` (constant-time, as private keys deserve). Its lax form
/// (§3: indentation, trailing spaces, uneven or missing line breaks, no padding), which people
/// produce by hand or by pasting, falls back to [`decode_base64`].
fn decode_pem_block(
    block: &[u8],
    body: &[u8],
    label: &str,
    origin: &Origin,
) -> Result<Vec<u8>, CryptoError> {
    let invalid = |reason: String| CryptoError::InvalidEncoding {
        origin: origin.clone(),
        reason,
    };
    let mut der = Vec::new();
    if let Ok(mut decoder) = pem_rfc7468::Decoder::new_detect_wrap(block)
        && decoder.decode_to_end(&mut der).is_ok()
    {
        return Ok(der);
    }
    // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) contain a colon, which base64 never does.
    if body.contains(&b':') {
        if memmem::find(body, b"ENCRYPTED").is_some() {
            return Err(CryptoError::EncryptedKey {
                origin: origin.clone(),
            });
        }
        return Err(invalid(format!(
            "PEM block `{label}` has RFC 1421 headers, which are not supported"
        )));
    }
    decode_base64(body, usize::MAX)
        .map_err(|e| invalid(format!("invalid base64 in PEM block `{label}`: {e}")))
}

/// Decodes the PEM blocks of `text` whose label is one of `expected`, in order, at most
/// `limit` of them, ignoring any text around them; reports [`CryptoError::NoPemBlock`] with
/// the labels that were present if there is none. Blocks with other labels are not decoded. A
/// block labelled `ENCRYPTED ` and an expected label (`ENCRYPTED PRIVATE KEY`), or one with
/// RFC 1421 encryption headers, is [`CryptoError::EncryptedKey`].
fn decode_pem_blocks(
    text: &[u8],
    expected: &[&'static str],
    origin: &Origin,
    limit: usize,
) -> Result<Vec<PemBlock>, CryptoError> {
    let invalid = |reason: String| CryptoError::InvalidEncoding {
        origin: origin.clone(),
        reason,
    };
    let mut blocks = Vec::new();
    let mut found = Vec::new();
    let mut rest = text;
    // Each search starts where the last one ended: finding the blocks is linear in the text.
    while blocks.len() < limit
        && let Some(start) = memmem::find(rest, PEM_BEGIN)
    {
        let block = &rest[start..];
        let after_begin = &block[PEM_BEGIN.len()..];
        let label_end = memmem::find(after_begin, PEM_DASHES)
            .ok_or_else(|| invalid("unterminated PEM `-----BEGIN` line".to_owned()))?;
        let label = std::str::from_utf8(&after_begin[..label_end])
            .map_err(|_| invalid("PEM label is not valid UTF-8".to_owned()))?;
        let body_and_rest = &after_begin[label_end + PEM_DASHES.len()..];
        let end_line = format!("-----END {label}-----");
        let body_len = memmem::find(body_and_rest, end_line.as_bytes())
            .ok_or_else(|| invalid(format!("PEM block `{label}` has no `{end_line}` line")))?;
        let (block, after) =
            block.split_at(block.len() - body_and_rest.len() + body_len + end_line.len());
        rest = after;
        if expected.contains(&label) {
            let der = decode_pem_block(block, &body_and_rest[..body_len], label, origin)?;
            blocks.push(PemBlock {
                label: label.to_owned(),
                der,
            });
        } else if label
            .strip_prefix("ENCRYPTED ")
            .is_some_and(|label| expected.contains(&label))
        {
            return Err(CryptoError::EncryptedKey {
                origin: origin.clone(),
            });
        } else {
            found.push(label.to_owned());
        }
    }
    if blocks.is_empty() {
        return Err(CryptoError::NoPemBlock {
            origin: origin.clone(),
            expected: expected.to_vec(),
            found,
        });
    }
    Ok(blocks)
}

/// Every block of `text` whose label is one of `expected`, in order (see
/// [`first_pem_block`]).
pub(crate) fn pem_blocks(
    text: &[u8],
    expected: &[&'static str],
    origin: &Origin,
) -> Result<Vec<PemBlock>, CryptoError> {
    decode_pem_blocks(text, expected, origin, usize::MAX)
}

/// The first block whose label is one of `expected`; blocks with other labels are skipped
/// without being decoded, and named in the [`CryptoError::NoPemBlock`] error if no block
/// fits. Encrypted keys are reported as [`CryptoError::EncryptedKey`].
pub(crate) fn first_pem_block(
    text: &[u8],
    expected: &[&'static str],
    origin: &Origin,
) -> Result<PemBlock, CryptoError> {
    let mut blocks = decode_pem_blocks(text, expected, origin, 1)?;
    // Never empty: `decode_pem_blocks` reports `NoPemBlock` instead.
    Ok(blocks.swap_remove(0))
}

/// Whether `bytes` look like PEM text.
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    memmem::find(bytes, PEM_BEGIN).is_some()
}

/// Whether `bytes` look like DER (an ASN.1 SEQUENCE). Base64 text of a DER
/// SEQUENCE starts with `M`, never with the byte `0x30`.
pub(crate) fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
}

/// Why [`decode_base64`] refused its input.
#[derive(Debug)]
pub(crate) enum Base64Error {
    /// The decoded size, computed from the text without whitespace before decoding, is above
    /// the caller's limit.
    TooLarge {
        /// The size the text would decode to.
        len: usize,
    },
    /// The text is not base64.
    Invalid(base64::DecodeError),
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use base64::DecodeError as E;
        match self {
            Self::TooLarge { len } => write!(f, "it would decode to {len} bytes"),
            Self::Invalid(E::InvalidByte(offset, byte)) => write!(
                f,
                "byte {byte:#04x} at position {offset} (whitespace removed) is not in the base64 \
                 alphabet or is misplaced padding"
            ),
            Self::Invalid(E::InvalidLength(length)) => write!(
                f,
                "{length} base64 characters (whitespace removed) cannot encode whole bytes"
            ),
            Self::Invalid(E::InvalidLastSymbol(offset, byte)) => write!(
                f,
                "the last symbol {:?} at position {offset} has bits set beyond the encoded data",
                char::from(*byte)
            ),
            Self::Invalid(E::InvalidPadding) => f.write_str("the `=` padding is malformed"),
        }
    }
}

/// The one base64 decoder for text that SAML bindings, XML Signature, metadata and key files
/// carry: standard alphabet, padding optional, and whitespace (space, tab, CR, LF: XML's, which
/// line-wrapped base64 uses) ignored wherever it is. The decoded size is checked against
/// `max_decoded` before any memory is spent on it.
///
/// Text without whitespace, the usual case, is decoded where it lies: the output is the only
/// allocation, and the text is read once. Only text with whitespace is copied without it.
pub(crate) fn decode_base64(text: &[u8], max_decoded: usize) -> Result<Vec<u8>, Base64Error> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    const DECODER: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let decoded_len = |symbols: usize| symbols.div_ceil(4).saturating_mul(3);
    if decoded_len(text.len()) <= max_decoded {
        // Decoded where it lies, without a pass to look for whitespace first. Wrapped text
        // fails at its first line break, and only then is the text searched for whitespace.
        match quad_decode(text, &DECODER) {
            Ok(bytes) => return Ok(bytes),
            Err(e) if !text.iter().any(is_space) => return Err(Base64Error::Invalid(e)),
            Err(_) => {}
        }
    } else {
        // Whitespace does not count: measure without copying.
        let len = decoded_len(text.iter().filter(|b| !is_space(b)).count());
        if len > max_decoded {
            return Err(Base64Error::TooLarge { len });
        }
    }
    // One allocation for the compacted text (collecting a filter would grow it stepwise).
    let mut compact = Vec::with_capacity(text.len());
    compact.extend(text.iter().filter(|b| !is_space(b)));
    quad_decode(&compact, &DECODER).map_err(Base64Error::Invalid)
}

/// A byte outside the base64 alphabet in [`QUADS`]: a bit above the 24 a quad decodes to.
const NOT_BASE64: u32 = 1 << 24;

/// Builds the table of one position in a quad: the 6-bit value of each alphabet byte shifted
/// to where that position's bits go in the quad's 24, [`NOT_BASE64`] for every other byte.
#[expect(
    clippy::as_conversions,
    reason = "const fn: `From` is not const; the index is below 64 and the byte a u8"
)]
const fn quad_table(shift: u32) -> [u32; 256] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [NOT_BASE64; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = (i as u32) << shift;
        i += 1;
    }
    table
}

/// One table per position in a quad of base64 symbols (first symbol, second...).
static QUADS: [[u32; 256]; 4] = [quad_table(18), quad_table(12), quad_table(6), quad_table(0)];

/// Standard base64 decoding with exactly the results of `decoder` (the crate's, which checks
/// padding and the last symbol's unused bits) at about half its cost: every quad but the last
/// is four table look-ups ORed into 24 bits, with no branch but the loop's; the last quad,
/// where padding and trailing bits live, is left to `decoder`. If the quads held any byte
/// outside the alphabet, or the last one fails, `decoder` decodes the whole text again, so
/// errors, and their offsets, are the crate's.
fn quad_decode(
    text: &[u8],
    decoder: &base64::engine::GeneralPurpose,
) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    // At least one symbol, at most four, for the tail.
    let bulk = text.len().saturating_sub(1) / 4 * 4;
    let (quads, tail) = text.split_at(bulk);
    // Sixteen symbols at a time: four quads, looked up into two 48-bit groups, give twelve
    // bytes, written with one copy each.
    let mut out = vec![0u8; bulk / 4 * 3];
    let [t0, t1, t2, t3] = &QUADS;
    let quad = |q: &[u8]| {
        t0[usize::from(q[0])]
            | t1[usize::from(q[1])]
            | t2[usize::from(q[2])]
            | t3[usize::from(q[3])]
    };
    let mut seen = 0u32;
    let mut sixteens = quads.chunks_exact(16);
    let mut twelves = out.chunks_exact_mut(12);
    for (c, o) in (&mut sixteens).zip(&mut twelves) {
        let (a, b, x, y) = (
            quad(&c[..4]),
            quad(&c[4..8]),
            quad(&c[8..12]),
            quad(&c[12..]),
        );
        seen |= a | b | x | y;
        let first = (u64::from(a) << 24 | u64::from(b)).to_be_bytes();
        let second = (u64::from(x) << 24 | u64::from(y)).to_be_bytes();
        o[..6].copy_from_slice(&first[2..]);
        o[6..].copy_from_slice(&second[2..]);
    }
    for (q, o) in sixteens
        .remainder()
        .chunks_exact(4)
        .zip(twelves.into_remainder().chunks_exact_mut(3))
    {
        let bits = quad(q);
        seen |= bits;
        o.copy_from_slice(&bits.to_be_bytes()[1..]);
    }
    if seen & NOT_BASE64 != 0 {
        return decoder.decode(text);
    }
    match decoder.decode(tail) {
        Ok(last) => {
            out.extend_from_slice(&last);
            Ok(out)
        }
        Err(_) => decoder.decode(text),
    }
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

    /// The quad decoder gives the crate's result, bytes or error, on every length, with bad
    /// bytes and padding in every position.
    #[test]
    fn quad_decode_is_the_crates_decode() {
        use base64::Engine as _;
        use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
        const DECODER: GeneralPurpose = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in 0..64usize {
            let bytes: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            let good = DECODER.encode(&bytes);
            let unpadded = good.trim_end_matches('=').to_owned();
            for text in [good.clone(), unpadded.clone()] {
                assert_eq!(quad_decode(text.as_bytes(), &DECODER).unwrap(), bytes);
                for at in 0..text.len() {
                    for bad in [b'=', b'-', b' ', 0xff, b'A', b'/'] {
                        let mut t = text.clone().into_bytes();
                        t[at] = bad;
                        assert_eq!(quad_decode(&t, &DECODER), DECODER.decode(&t), "{t:?}");
                    }
                }
                for extra in ["=", "==", "A", "AB", "A=", "===="] {
                    let t = format!("{text}{extra}");
                    assert_eq!(
                        quad_decode(t.as_bytes(), &DECODER),
                        DECODER.decode(&t),
                        "{t}"
                    );
                }
            }
        }
    }

    #[test]
    fn pem_blocks_with_surrounding_text_and_crlf() {
        let text = b"junk before\r\n-----BEGIN FOO-----\r\nAAEC\r\nAw==\r\n-----END FOO-----\r\nafter\n-----BEGIN BAR-----\nBAU=\n-----END BAR-----\n";
        let blocks = pem_blocks(text, &["FOO", "BAR"], &origin()).unwrap();
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
        let err = pem_blocks(
            b"-----BEGIN CERTIFICATE-----\nAAEC\n",
            &["CERTIFICATE"],
            &origin(),
        )
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
        let err = pem_blocks(
            b"-----BEGIN X-----\n!!!!\n-----END X-----",
            &["X"],
            &origin(),
        )
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
        let err = pem_blocks(text, &["PRIVATE KEY"], &Origin::new("private key", None))
            .err()
            .unwrap();
        assert!(matches!(err, CryptoError::EncryptedKey { .. }), "{err:?}");
        let text = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\n-----END RSA PRIVATE KEY-----\n";
        let err = pem_blocks(
            text,
            &["RSA PRIVATE KEY"],
            &Origin::new("private key", None),
        )
        .err()
        .unwrap();
        assert!(matches!(err, CryptoError::EncryptedKey { .. }), "{err:?}");
        // Looking for a certificate, an encrypted key beside it is just another block.
        let mut text = text.to_vec();
        text.extend_from_slice(b"-----BEGIN CERTIFICATE-----\nBAU=\n-----END CERTIFICATE-----\n");
        let blocks = pem_blocks(&text, &["CERTIFICATE"], &origin()).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].der, vec![4, 5]);
        let text = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,X\n\nAAEC\n-----END RSA PRIVATE KEY-----\n";
        let err = pem_blocks(text, &["RSA PRIVATE KEY"], &origin())
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "certificate file `idp.pem`: PEM block `RSA PRIVATE KEY` has RFC 1421 headers, which are not supported"
        );
    }

    #[test]
    fn lax_pem_text_is_still_read() {
        // RFC 7468 §3's lax form: indented, trailing spaces, uneven lines, no padding, or a
        // block flattened onto one line (as in an environment variable).
        for text in [
            &b"  -----BEGIN FOO-----\n  AAEC\n  AwQF\n  -----END FOO-----\n"[..],
            b"-----BEGIN FOO-----\nAAEC \nAwQF\t\n-----END FOO-----",
            b"-----BEGIN FOO-----\nAAECAw\nQF\n-----END FOO-----",
            b"-----BEGIN FOO-----\n\nAAECAwQF\n\n-----END FOO-----",
            b"-----BEGIN FOO----- AAECAwQF -----END FOO-----",
        ] {
            let blocks = pem_blocks(text, &["FOO"], &origin())
                .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(text)));
            assert_eq!(blocks[0].der, vec![0, 1, 2, 3, 4, 5]);
        }
    }

    #[test]
    fn only_wanted_blocks_are_decoded_and_in_order() {
        let text = b"-----BEGIN FOO-----\nAAEC\n-----END FOO-----\n\
            -----BEGIN BAR-----\n!!!!\n-----END BAR-----\n\
            -----BEGIN FOO-----\nBAU=\n-----END FOO-----\n";
        let blocks = pem_blocks(text, &["FOO"], &origin()).unwrap();
        let ders: Vec<_> = blocks.iter().map(|b| b.der.clone()).collect();
        assert_eq!(ders, vec![vec![0, 1, 2], vec![4, 5]]);
        assert_eq!(
            first_pem_block(text, &["FOO"], &origin()).unwrap().der,
            vec![0, 1, 2]
        );
        // The broken block is reported once it is wanted.
        assert!(pem_blocks(text, &["BAR"], &origin()).is_err());
    }

    #[test]
    fn base64_ignores_whitespace_and_padding() {
        let decode = |text: &[u8]| decode_base64(text, usize::MAX);
        assert_eq!(decode(b" AA\r\n EC\tAw== ").unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(decode(b"AAECAw").unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(decode(b"").unwrap(), Vec::<u8>::new());
        assert!(matches!(
            decode(b"AA*C"),
            Err(Base64Error::Invalid(base64::DecodeError::InvalidByte(
                2, b'*'
            )))
        ));
        // In wrapped text, positions are counted without the whitespace.
        assert!(matches!(
            decode(b"AAEC\r\nA*=="),
            Err(Base64Error::Invalid(base64::DecodeError::InvalidByte(
                5, b'*'
            )))
        ));
        assert_eq!(decode(b"AAEC\nAw==\n").unwrap(), vec![0, 1, 2, 3]);
        // Bits beyond the data in the last symbol are refused, as RFC 4648 allows.
        assert!(matches!(decode(b"AAECAx=="), Err(Base64Error::Invalid(_))));
    }

    #[test]
    fn base64_size_is_checked_before_decoding() {
        // 8 symbols (whitespace not counted) decode to at most 6 bytes.
        assert_eq!(
            decode_base64(b"AAEC\nAwQF", 6).unwrap(),
            vec![0, 1, 2, 3, 4, 5]
        );
        assert!(matches!(
            decode_base64(b"AAEC\nAwQF", 5),
            Err(Base64Error::TooLarge { len: 6 })
        ));
        // The limit applies even to text that is not base64.
        assert!(matches!(
            decode_base64(b"********", 5),
            Err(Base64Error::TooLarge { len: 6 })
        ));
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
