//! XML Signature: strict verification of enveloped signatures against pinned keys, enveloped
//! signing, and HTTP-Redirect query signatures.

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
