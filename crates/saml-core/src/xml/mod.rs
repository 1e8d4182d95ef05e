//! XML: the hardened parser into an arena [`Document`], and canonicalization ([`c14n`]).
//!
//! This module owns well-formedness, namespace resolution and canonical bytes. It knows nothing
//! of signatures or SAML and trusts nothing: a parsed [`Document`] is untrusted data, and its
//! public content accessors say so (`*_unverified`).

pub mod c14n;
mod document;
mod error;
pub(crate) mod escape;
pub(crate) mod parse;
mod scope;
mod swar;

pub use document::{Attribute, Children, Document, IdLookup, Namespace, NodeId, NodeKind};
pub use error::{LimitKind, Position, XmlError, XmlErrorKind};
pub use parse::{Limits, XML_NAMESPACE, XMLNS_NAMESPACE};

/// `value` without the XML whitespace (#x20 #x9 #xD #xA) around it, as schema whitespace
/// collapsing removes it. `str::trim` would also strip Unicode spaces (NBSP, U+3000, U+2028),
/// letting `aud\u{a0}` match `aud`: never use it on a value that is compared.
pub(crate) fn trim_xml(value: &str) -> &str {
    value.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// Whether an attribute (namespace URI, local name) is one that some XML Signature resolver
/// treats as an ID: SAML 2.0's `ID`, the `Id`/`id` of other schemas, SAML 1.1's
/// `AssertionID`/`ResponseID`/`RequestID`, and `xml:id`. The one list behind the duplicate-ID
/// index and the signer's attribute-pollution check ("The Fragile Lock").
#[inline]
pub(crate) fn is_id_attribute(namespace: &str, local_name: &str) -> bool {
    if namespace.is_empty() {
        matches!(
            local_name,
            "ID" | "Id" | "id" | "AssertionID" | "ResponseID" | "RequestID"
        )
    } else {
        namespace == XML_NAMESPACE && local_name == "id"
    }
}
