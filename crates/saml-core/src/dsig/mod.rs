//! XML Signature: strict verification of enveloped signatures against pinned keys, enveloped
//! signing, and HTTP-Redirect query signatures.
//!
//! It owns the XML Signature rules. It reads nothing of SAML: which element must be signed, and
//! what the signed data means, is the caller's (`saml`). Keys come from the caller's trust
//! anchors only, never from the message.

mod error;
pub mod redirect;
mod sign;
mod verify;

pub use error::DsigError;
pub use sign::Signer;
pub use verify::{
    ENVELOPED_SIGNATURE, SignatureParts, Verified, Verifier, reference_digest, signature_parts,
};

pub use crate::ns::DSIG as DSIG_NS;
