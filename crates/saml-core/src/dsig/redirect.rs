//! HTTP-Redirect binding signatures (SAML Bindings §3.4.4.1): the signature covers the query
//! string `SAMLRequest=…&RelayState=…&SigAlg=…` (or `SAMLResponse=…`) exactly as the URL-encoded
//! octets were received, not as a re-encoding of the decoded values would produce them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::error::DsigError;
use super::sign::Signer;
use super::verify::Verifier;
use crate::binding::{url_decode, url_encode};
use crate::crypto::SignatureAlgorithm;

/// The parameters of an HTTP-Redirect query, still URL-encoded as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedirectQuery<'q> {
    /// `SAMLRequest` or `SAMLResponse`.
    pub parameter: &'q str,
    /// The message parameter's value (URL-encoded base64 of DEFLATE).
    pub message: &'q str,
    /// The `RelayState` value, if present.
    pub relay_state: Option<&'q str>,
    /// The `SigAlg` value, if present.
    pub sig_alg: Option<&'q str>,
    /// The `Signature` value, if present.
    pub signature: Option<&'q str>,
}

/// A verified HTTP-Redirect signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedirectVerified {
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Which configured key verified it.
    pub key_index: usize,
}

impl<'q> RedirectQuery<'q> {
    /// Splits a query string (with or without a leading `?` or a full URL before it). Each
    /// parameter may appear at most once; exactly one of `SAMLRequest` and `SAMLResponse`.
    pub fn parse(query: &'q str) -> Result<Self, DsigError> {
        let query = query.split_once('?').map_or(query, |(_, q)| q);
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let mut message: Option<(&'q str, &'q str)> = None;
        let (mut relay_state, mut sig_alg, mut signature) = (None, None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match k {
                "SAMLRequest" | "SAMLResponse" => {
                    if message.is_some() {
                        return Err(DsigError::Structure(
                            "more than one SAMLRequest/SAMLResponse parameter".into(),
                        ));
                    }
                    message = Some((k, v));
                    continue;
                }
                "RelayState" => &mut relay_state,
                "SigAlg" => &mut sig_alg,
                "Signature" => &mut signature,
                _ => continue,
            };
            if slot.replace(v).is_some() {
                return Err(DsigError::Structure(format!(
                    "parameter `{k}` appears twice"
                )));
            }
        }
        let (parameter, message) = message.ok_or_else(|| {
            DsigError::Structure("no SAMLRequest or SAMLResponse parameter".into())
        })?;
        Ok(Self {
            parameter,
            message,
            relay_state,
            sig_alg,
            signature,
        })
    }

    /// The octets the signature covers, in the order the binding fixes.
    pub fn signed_octets(&self) -> Option<String> {
        let sig_alg = self.sig_alg?;
        let mut s = format!("{}={}", self.parameter, self.message);
        if let Some(rs) = self.relay_state {
            s.push_str("&RelayState=");
            s.push_str(rs);
        }
        s.push_str("&SigAlg=");
        s.push_str(sig_alg);
        Some(s)
    }

    /// Verifies the query signature with the verifier's keys and policy.
    pub fn verify(&self, verifier: &Verifier) -> Result<RedirectVerified, DsigError> {
        if verifier.anchors().is_empty() {
            return Err(DsigError::NoTrustedKeys);
        }
        let (Some(sig_alg), Some(signature), Some(octets)) =
            (self.sig_alg, self.signature, self.signed_octets())
        else {
            return Err(DsigError::MissingSignature {
                element: "HTTP-Redirect query (SigAlg and Signature)".into(),
            });
        };
        let sig_alg =
            url_decode(sig_alg).map_err(|e| DsigError::Structure(format!("SigAlg: {e}")))?;
        let algorithm = verifier.policy().check_signature(&sig_alg)?;
        let signature = STANDARD
            .decode(
                url_decode(signature)
                    .map_err(|e| DsigError::Structure(format!("Signature parameter: {e}")))?,
            )
            .map_err(|_| DsigError::Base64 {
                element: "Signature query parameter",
            })?;
        let key_index =
            verifier.verify_with_anchors(|| None, algorithm, octets.as_bytes(), &signature)?;
        Ok(RedirectVerified {
            algorithm,
            key_index,
        })
    }
}

/// Builds a signed HTTP-Redirect query: `message` is the already URL-encoded value of the
/// `parameter` (`SAMLRequest` or `SAMLResponse`); `relay_state` is given decoded.
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
