//! User provisioning over a [`saml_policy::Directory`], both APIs Okta's Org2Org and SCIM
//! connectors call, and the client side:
//!
//! - [`okta_api`]: the Okta Users API subset that Org2Org calls (Org2's server), with SSWS
//!   tokens, Okta's error bodies and codes, and rate limits;
//! - [`scim`]: a SCIM 2.0 service provider (RFC 7643, RFC 7644) for Users and Groups, as Okta's
//!   SCIM client drives it;
//! - [`client`]: the provisioning client that pushes assignment changes to the Users API
//!   (Org1's side);
//! - [`sqlite`]: an SQLite directory, the embedded default; [`store`]: what a server needs of
//!   a directory.
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs, clippy::exhaustive_enums, clippy::exhaustive_structs)]

pub mod client;
pub mod error;
pub mod okta_api;
mod random;
pub mod scim;
pub mod sqlite;
pub mod store;
