//! Pure-Rust SAML 2.0 for both sides of a federation: a hardened XML parser, XML
//! canonicalization, strict XML Signature verification with pinned keys, and the SAML Web
//! Browser SSO profile.
//!
//! Data flows through staged types: bytes → [`xml::Document`] (parsed, not trusted) → a
//! verified signature's proof token → [`Unreplayed`] (every check done, nothing recorded) →
//! [`VerifiedAssertion`] (plain owned data, handed out only by a commit to the replay cache).
//!
//! ```no_run
//! use saml_core::prelude::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (idp_cert_pem, xml, now) = (Vec::<u8>::new(), Vec::<u8>::new(), DateTime::from_unix_seconds(0));
//! let idp = IdpSettings::new(
//!     "http://www.okta.com/exk1org1",
//!     "https://org1.okta.com/app/org2org/exk1org1/sso/saml",
//!     vec![TrustAnchor::from_any(&idp_cert_pem, Some("org1"))?],
//! )
//! .with_sign_requests(false);
//! let sp = ServiceProvider::new(
//!     idp,
//!     SpSettings::new("https://www.okta.com/saml2/service-provider/sp2", "https://org2.okta.com/sso/saml2/0oa1")
//!         .with_unsolicited(true),
//! )?; // settings are checked here, once
//! let store = InMemoryStore::default();
//! let pending = sp.validate(&xml, now, Solicitation::outstanding())?; // CPU only
//! let assertion = pending.commit(&store)?; // replay cache + request IDs, fallible
//! println!("{}", assertion.name_id().value);
//! # Ok(())
//! # }
//! ```
//!
//! Weakening a check takes a function from a `danger` module ([`settings::danger`],
//! [`crypto::danger`], [`saml::sp::danger`], [`saml::idp::danger`], [`metadata::danger`]), so a
//! reviewer finds every one with a single grep. See `DESIGN.md` and `SECURITY.md` in the
//! repository for the security invariants.
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs)]

pub mod binding;
mod cast;
pub mod crypto;
pub mod dsig;
pub mod error;
pub mod metadata;
pub mod ns;
pub mod okta;
pub mod saml;
pub mod settings;
pub mod time;
pub mod xml;
pub mod xmlenc;

#[cfg(test)]
mod test_support;

#[doc(hidden)]
pub mod fuzzing;

pub use saml::sp::{ServiceProvider, Solicitation, Unreplayed, VerifiedAssertion};
pub use saml::{ErrorKind, SamlError};
pub use settings::{IdpSettings, SettingsError, SpSettings};

/// What a service provider's common path needs, in one import:
/// `use saml_core::prelude::*;`.
pub mod prelude {
    pub use crate::binding::{self, DecodeLimits};
    pub use crate::crypto::{Certificate, SigningKey, TrustAnchor};
    pub use crate::saml::idp::{IdentityProvider, SignTarget, SpPeer, Subject};
    pub use crate::saml::logout::{
        Incoming, LogoutOutcome, LogoutSubject, ReceivedLogout, SessionTerminator,
    };
    pub use crate::saml::replay::{InMemoryStore, ReplayCache, RequestStore, SpStore, StoreError};
    pub use crate::saml::sp::{
        NameId, ServiceProvider, Solicitation, Unreplayed, VerifiedAssertion,
    };
    pub use crate::saml::{ErrorKind, SamlError};
    pub use crate::settings::{Binding, IdpSettings, SettingsError, SignatureScope, SpSettings};
    pub use crate::time::{DateTime, parse_xs_datetime};
}
