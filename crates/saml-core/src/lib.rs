//! Pure-Rust SAML 2.0 for both sides of a federation: a hardened XML parser, XML
//! canonicalization, strict XML Signature verification with pinned keys, and the SAML Web
//! Browser SSO profile.
//!
//! Data flows through staged types: bytes → [`xml::Document`] (parsed, not trusted) → a
//! verified signature's proof token → a verified assertion of plain owned data. See
//! `DESIGN.md` in the repository for the security invariants.
#![forbid(unsafe_code, unused_must_use)]
#![warn(missing_docs)]

pub mod binding;
pub mod crypto;
pub mod dsig;
pub mod metadata;
pub mod okta;
pub mod saml;
pub mod settings;
pub mod time;
pub mod xml;

#[doc(hidden)]
pub mod fuzzing;
