//! Errors of the XML layer: every rejection carries its kind and the line and column where it
//! was found.

use std::fmt;

/// Where in the (line-ending–normalized) input an error was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// Byte offset into the decoded input.
    pub offset: usize,
}

impl Position {
    /// Computes the line and column of `offset` in `text`.
    pub(crate) fn locate(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = text.as_bytes().get(..offset).unwrap_or_default();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        // Count characters, not bytes, so the column matches what an editor shows.
        let column = before
            .get(line_start..)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count()
            + 1;
        Self {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Which limit of [`Limits`](super::Limits) was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// More attributes (namespace declarations included) on one element than allowed.
    Attributes,
    /// The input is larger than allowed.
    Bytes,
    /// Elements nested deeper than allowed.
    Depth,
    /// More namespace declarations in scope at one element than allowed.
    NamespaceDeclarations,
    /// More nodes in the document than allowed.
    Nodes,
    /// More tokens in an InclusiveNamespaces PrefixList than allowed.
    PrefixListTokens,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Attributes => "attributes per element",
            Self::Bytes => "input size in bytes",
            Self::Depth => "element nesting depth",
            Self::NamespaceDeclarations => "namespace declarations in scope",
            Self::Nodes => "number of nodes",
            Self::PrefixListTokens => "InclusiveNamespaces PrefixList tokens",
        })
    }
}

/// What was wrong with the XML.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// Content other than whitespace, comments or processing instructions after the document
    /// element (a second root element included).
    #[error("content after the document element")]
    ContentAfterRoot,
    /// A `<!DOCTYPE …>` declaration. SAML forbids DTDs; rejecting them also rules out XXE and
    /// entity-expansion attacks.
    #[error("DOCTYPE declarations are not allowed (SAML forbids DTDs)")]
    Doctype,
    /// The same attribute twice on one element, by name or by namespace URI and local name.
    #[error("duplicate attribute `{0}`")]
    DuplicateAttribute(String),
    /// The document has no document element.
    #[error("no document element")]
    EmptyDocument,
    /// A character that XML 1.0 does not allow (control characters, U+FFFE, U+FFFF), written
    /// literally or as a character reference.
    #[error("character U+{0:04X} is not allowed in XML")]
    InvalidCharacter(u32),
    /// An element or attribute name that is not a valid XML name or QName.
    #[error("invalid name `{0}`")]
    InvalidName(String),
    /// A misuse of the reserved `xml` or `xmlns` prefixes or namespace URIs, an empty
    /// prefixed declaration (`xmlns:p=""`), or a relative namespace URI.
    #[error("invalid namespace declaration: {0}")]
    InvalidNamespace(String),
    /// Invalid UTF-8 in the input.
    #[error("input is not valid UTF-8")]
    InvalidUtf8,
    /// A configured limit was exceeded.
    #[error("limit exceeded: {kind} (maximum {max})")]
    LimitExceeded {
        /// Which limit.
        kind: LimitKind,
        /// The configured maximum.
        max: usize,
    },
    /// An end tag that does not match the open element.
    #[error("end tag `</{found}>` does not match start tag `<{expected}>`")]
    MismatchedTag {
        /// The name of the element that is open.
        expected: String,
        /// The name in the end tag.
        found: String,
    },
    /// Text (not whitespace) outside the document element.
    #[error("text outside the document element")]
    TextOutsideRoot,
    /// Malformed markup, as reported by the tokenizer.
    #[error("syntax error: {0}")]
    Syntax(String),
    /// An element that was never closed.
    #[error("element `<{0}>` is not closed")]
    UnclosedTag(String),
    /// A prefix used on an element or attribute without a declaration in scope.
    #[error("undeclared namespace prefix `{0}`")]
    UndeclaredPrefix(String),
    /// An entity reference other than the five predefined ones (there is no DTD to define
    /// others).
    #[error("undefined entity `&{0};`")]
    UndefinedEntity(String),
    /// A declared encoding other than UTF-8, or a UTF-16 byte-order mark.
    #[error("unsupported encoding `{0}`: only UTF-8 is accepted")]
    UnsupportedEncoding(String),
    /// An XML declaration that is not at the start, or a version other than 1.0.
    #[error("invalid XML declaration: {0}")]
    XmlDeclaration(String),
}

/// A rejected XML document: what was wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {kind}")]
#[non_exhaustive]
pub struct XmlError {
    /// What was wrong.
    pub kind: XmlErrorKind,
    /// Where it was found.
    pub position: Position,
}

impl XmlError {
    pub(crate) fn at(kind: XmlErrorKind, text: &str, offset: usize) -> Self {
        Self {
            kind,
            position: Position::locate(text, offset),
        }
    }
}
