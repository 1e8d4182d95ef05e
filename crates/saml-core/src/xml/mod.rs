//! XML: the hardened parser into an arena [`Document`], and canonicalization ([`c14n`]).

pub mod c14n;
mod document;
mod error;
pub(crate) mod escape;
mod parse;
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
