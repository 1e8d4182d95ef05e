//! User provisioning for the `saml-policy` directory.
//!
//! - [`scim`]: a SCIM 2.0 service provider (RFC 7643, RFC 7644) for Users and Groups over a
//!   [`saml_policy::Directory`], as Okta's SCIM client drives it.
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs, clippy::exhaustive_enums, clippy::exhaustive_structs)]

pub mod scim;
