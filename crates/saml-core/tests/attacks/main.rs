//! Published attacks on SAML and XML Signature, one module per family, each test naming the
//! paper, CVE or advisory it reproduces (`shared/ATTACKS.md` has the catalogue). Every attack
//! message is made from a validly signed Response of our own IdP, or from a stored public
//! vector, by splicing exact byte ranges, so a rejection can only come from the defence the
//! test targets; every test asserts the stable error kind, and where it matters the inner
//! error and its position.
//!
//! Modules and the ATTACKS.md sections they cover:
//! - [`xsw`]: A1 signature wrapping XSW1–XSW8 (and SAMLRaider's XSW10), byte-exact.
//! - [`comments`]: A2 comment truncation (CVE-2017-11427 family).
//! - [`exclusion`]: A3/A4 signature exclusion and stripping.
//! - [`keyinfo`]: A5 certificate injection; A22 issuer/key confusion.
//! - [`algorithms`]: A6 algorithm confusion and downgrade.
//! - [`ids`]: A7/A8 duplicate IDs and ID-attribute confusion; A10 Reference URIs.
//! - [`transforms`]: A9 transforms.
//! - [`shape`]: A11 malformed Signature shapes.
//! - [`dtd`]: A12 DOCTYPE, XXE and entity expansion.
//! - [`namespaces`]: A13 namespace confusion and prefix tricks.
//! - [`assertions`]: A4/A11/A13 assertion placement and document structure.
//! - [`seams`]: bypasses found at the seams between components (signed InResponseTo, replay
//!   lifetime, compared values, signed requests without Destination, expired metadata,
//!   encrypted assertions and the scope check, misleading kinds).
//! - [`semantics`]: A15–A20 replay, InResponseTo, Issuer, Audience, Destination, Recipient,
//!   time, Status and SubjectConfirmation.
//! - [`decoding`]: A12 DEFLATE bombs and oversized inputs on every decoding path.
//! - [`resources`]: A12 parser limits (depth, attributes, nodes, bytes) at and past the limit.
//! - [`logout`]: Single Logout: forged, misdirected, stale, unsigned, tampered and replayed
//!   LogoutRequests and LogoutResponses, InResponseTo across the AuthnRequest/logout namespaces,
//!   and stores that cannot answer.
//! - [`redirect`]: A22 HTTP-Redirect query differentials (`?`, `#`, `;`, encoded and repeated
//!   parameter names), on the IdP's AuthnRequest path and a SAMLResponse query.

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod algorithms;
mod assertions;
mod comments;
mod decoding;
mod dtd;
mod exclusion;
mod ids;
mod keyinfo;
mod logout;
mod namespaces;
mod redirect;
mod resources;
mod seams;
mod semantics;
mod shape;
mod transforms;
mod xsw;
