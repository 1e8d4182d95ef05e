//! The static bearer token of the SCIM client (Okta's "HTTP Header" authentication): only
//! its SHA-256 digest is kept, and a presented token is compared by digest in constant time.

use std::fmt;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use axum::http::{HeaderMap, StatusCode, header};

use crate::scim::error::ScimError;

/// The SHA-256 digest of the one bearer token the SCIM client presents.
///
/// The token itself is not kept, so a memory dump or a `Debug` print does not reveal it.
/// Presented tokens are hashed and the digests compared with
/// `aws_lc_rs::constant_time::verify_slices_are_equal`: the time taken does not depend on
/// how many leading bytes agree (nor, through the digest, on the length of the token).
#[derive(Clone)]
pub struct BearerToken {
    sha256: [u8; 32],
}

/// Why a token or a digest was refused at configuration time.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// A token shorter than [`BearerToken::MIN_LENGTH`] bytes.
    #[error("the SCIM bearer token has {length} bytes; at least {min} are required")]
    TooShort {
        /// Its length.
        length: usize,
        /// The minimum.
        min: usize,
    },
    /// A digest that is not 64 hexadecimal digits.
    #[error("the SCIM bearer token digest `{0}` is not 64 hexadecimal digits (SHA-256)")]
    BadDigest(String),
}

impl BearerToken {
    /// Shortest token accepted: 32 bytes, e.g. 24 random bytes in base64, as generated
    /// secrets are; a short token could be guessed over the network.
    pub const MIN_LENGTH: usize = 32;

    /// Keeps the digest of `token`.
    pub fn new(token: &str) -> Result<Self, TokenError> {
        if token.len() < Self::MIN_LENGTH {
            return Err(TokenError::TooShort {
                length: token.len(),
                min: Self::MIN_LENGTH,
            });
        }
        Ok(Self {
            sha256: sha256(token.as_bytes()),
        })
    }

    /// From the hexadecimal SHA-256 digest of the token (for a configuration file that
    /// should not hold the token itself).
    pub fn from_sha256_hex(hex: &str) -> Result<Self, TokenError> {
        let bad = || TokenError::BadDigest(hex.to_owned());
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut sha256 = [0u8; 32];
        for (byte, pair) in sha256.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Self { sha256 })
    }

    /// Whether `presented` is the token, in time independent of where they differ.
    pub fn matches(&self, presented: &str) -> bool {
        verify_slices_are_equal(&sha256(presented.as_bytes()), &self.sha256).is_ok()
    }

    /// Checks the `Authorization: Bearer …` header (scheme without case, RFC 7235 §2.1).
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), ScimError> {
        let unauthorized = |detail: &str| ScimError::new(StatusCode::UNAUTHORIZED, detail);
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(unauthorized(
                "exactly one Authorization header with a bearer token is required",
            ));
        };
        let value = value
            .to_str()
            .map_err(|_| unauthorized("the Authorization header is not visible ASCII"))?;
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(unauthorized("the Authorization scheme must be Bearer")),
        };
        if self.matches(token) {
            Ok(())
        } else {
            Err(unauthorized("the bearer token is not valid"))
        }
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, bytes).as_ref());
    out
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(sha256: …)")
    }
}
