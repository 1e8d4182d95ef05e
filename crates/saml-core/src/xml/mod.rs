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
