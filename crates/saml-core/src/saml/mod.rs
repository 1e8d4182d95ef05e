//! The SAML 2.0 Web Browser SSO profile: Response validation ([`sp`]) and AuthnRequests
//! ([`authn`]) on the service-provider side, request verification and Response issuing on the
//! identity-provider side ([`idp`]), Single Logout on both sides ([`logout`]), the replay cache
//! and outstanding-request store ([`replay`]), and errors.
//!
//! Nothing here does I/O or reads the clock: time is an argument, and shared state goes through
//! the traits of [`replay`].

pub mod authn;
mod error;
pub mod idp;
pub mod logout;
mod message;
pub mod replay;
pub mod sp;

pub use error::{ErrorKind, SamlError, dsig_kind};

pub use crate::ns::{SAML_ASSERTION as ASSERTION_NS, SAML_PROTOCOL as PROTOCOL_NS};
/// The top-level status code of a successful Response.
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The bearer subject confirmation method, the only one Web SSO accepts.
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// The `basic` attribute NameFormat, which [`Attribute::new`] uses.
pub const ATTRNAME_FORMAT_BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";

/// One SAML attribute with all its values, in document order: what an IdP issues
/// ([`idp::Subject::with_attribute`]) and what an SP reads
/// ([`sp::VerifiedAssertion::attributes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attribute {
    /// The Name.
    pub name: String,
    /// The NameFormat, if any.
    pub name_format: Option<String>,
    /// The FriendlyName, if any.
    pub friendly_name: Option<String>,
    /// The values (text content of each AttributeValue).
    pub values: Vec<String>,
}

impl Attribute {
    /// An attribute with the `basic` NameFormat and no FriendlyName.
    pub fn new(name: impl Into<String>, values: Vec<String>) -> Self {
        Self {
            name: name.into(),
            name_format: Some(ATTRNAME_FORMAT_BASIC.to_owned()),
            friendly_name: None,
            values,
        }
    }

    /// Sets the FriendlyName.
    pub fn with_friendly_name(mut self, friendly_name: impl Into<String>) -> Self {
        self.friendly_name = Some(friendly_name.into());
        self
    }
}
