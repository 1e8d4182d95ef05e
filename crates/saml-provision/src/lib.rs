//! Okta Org2Org provisioning over a [`saml_policy::Directory`]: the Users API subset that
//! Org2Org calls (server, [`okta_api`]), the provisioning client that calls it ([`client`]), an
//! SQLite directory ([`sqlite`]), and what a server needs of a directory ([`store`]).
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs, clippy::exhaustive_enums, clippy::exhaustive_structs)]

pub mod client;
pub mod error;
pub mod okta_api;
mod random;
pub mod sqlite;
pub mod store;
