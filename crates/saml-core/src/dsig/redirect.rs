//! HTTP-Redirect binding signatures (SAML Bindings §3.4.4.1): the signature covers the query
//! string `SAMLRequest=…&RelayState=…&SigAlg=…` (or `SAMLResponse=…`) exactly as the URL-encoded
//! octets were received, not as a re-encoding of the decoded values would produce them.
//!
//! The query is split once, by [`RedirectQuery::parse`] in `binding`; [`verify`] takes that
//! parsed value, and the message is decoded from the same value.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::error::DsigError;
use super::sign::Signer;
use super::verify::Verifier;
use crate::binding::{RedirectQuery, url_encode};
use crate::crypto::SignatureAlgorithm;

/// A verified HTTP-Redirect signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedirectVerified {
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Which configured key verified it.
    pub key_index: usize,
}

/// Verifies the signature of an HTTP-Redirect query with the verifier's keys and policy, over
/// [`RedirectQuery::signed_octets`]: the octets of `query` as received. Decode the message and
/// RelayState from the same `query` ([`RedirectQuery::decode`]) so that what is read is what
/// was verified; there is deliberately no function here that takes a string and splits it
/// again.
///
/// # Errors
///
/// [`DsigError::NoTrustedKeys`] when the verifier has no keys,
/// [`DsigError::MissingSignature`] without both `SigAlg` and `Signature`, an algorithm the
/// policy refuses, [`DsigError::Base64`] for a `Signature` that is not base64, and
/// [`DsigError::SignatureMismatch`] when no configured key verifies it.
pub fn verify(
    query: &RedirectQuery<'_>,
    verifier: &Verifier,
) -> Result<RedirectVerified, DsigError> {
    if verifier.anchors().is_empty() {
        return Err(DsigError::NoTrustedKeys);
    }
    let (Some(sig_alg), Some(signature), Some(octets)) =
        (query.sig_alg(), query.signature(), query.signed_octets())
    else {
        return Err(DsigError::MissingSignature {
            element: "HTTP-Redirect query (SigAlg and Signature)".into(),
        });
    };
    let algorithm = verifier.policy().check_signature(sig_alg)?;
    let signature = STANDARD.decode(signature).map_err(|_| DsigError::Base64 {
        element: "Signature query parameter",
    })?;
    let key_index =
        verifier.verify_with_anchors(|| None, algorithm, octets.as_bytes(), &signature)?;
    Ok(RedirectVerified {
        algorithm,
        key_index,
    })
}

/// Builds a signed HTTP-Redirect query: `message` is the already URL-encoded value of the
/// `parameter` (`SAMLRequest` or `SAMLResponse`); `relay_state` is given decoded.
///
/// # Errors
///
/// [`DsigError`] when the signer's key refuses to sign.
pub fn sign_query(
    parameter: &str,
    message: &str,
    relay_state: Option<&str>,
    signer: &Signer,
) -> Result<String, DsigError> {
    let mut q = format!("{parameter}={message}");
    if let Some(rs) = relay_state {
        q.push_str("&RelayState=");
        q.push_str(&url_encode(rs));
    }
    q.push_str("&SigAlg=");
    q.push_str(&url_encode(signer.algorithm().uri()));
    let signature = STANDARD.encode(signer.sign_bytes(q.as_bytes())?);
    q.push_str("&Signature=");
    q.push_str(&url_encode(&signature));
    Ok(q)
}
