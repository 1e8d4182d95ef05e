//! The SAML 2.0 Web Browser SSO profile: Response validation ([`sp`]) and AuthnRequests
//! ([`authn`]) on the service-provider side, request verification and Response issuing on the
//! identity-provider side ([`idp`]), the replay cache and outstanding-request store
//! ([`replay`]), and errors.

pub mod authn;
mod error;
pub mod idp;
mod message;
pub mod replay;
pub mod sp;

pub use error::{ErrorKind, SamlError, dsig_kind};

pub use crate::ns::{SAML_ASSERTION as ASSERTION_NS, SAML_PROTOCOL as PROTOCOL_NS};
/// The top-level status code of a successful Response.
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The bearer subject confirmation method, the only one Web SSO accepts.
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
