//! The hardened parser: one pass that tokenizes, checks well-formedness, resolves namespaces
//! and builds the arena.
//!
//! What it enforces beyond tokenizing (XML 1.0 fifth edition and Namespaces in XML 1.0):
//! UTF-8 only; no DOCTYPE; line endings normalized (§2.11); attribute values normalized
//! (§3.3.3, every attribute being CDATA without a DTD); only the five predefined entities and
//! character references that name legal characters; legal names; matching tags; one document
//! element; declared prefixes; no duplicate attributes, also after namespace resolution;
//! reserved prefixes and namespace names used correctly; absolute namespace URIs (Canonical
//! XML cannot process relative ones); and the configured [`Limits`].

use std::borrow::Cow;
use std::cell::RefCell;

use super::document::{Attr, Decl, Document, Element, IdEntry, Node, NodeData, NodeId, Str};
use super::error::{LimitKind, XmlError, XmlErrorKind};
use super::scope::Scope;
use super::swar;
use crate::cast::{to_u32, to_usize};

/// The namespace URI bound to the `xml` prefix.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace URI of namespace declarations (`xmlns`).
pub const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Resource limits applied while parsing, and to what is read from the parsed document before
/// authentication (the PrefixList). Exceeding one is an error
/// ([`XmlErrorKind::LimitExceeded`], or [`C14nError::LimitExceeded`] for the PrefixList) raised
/// before the memory is spent.
///
/// [`C14nError::LimitExceeded`]: super::c14n::C14nError::LimitExceeded
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Maximum input size in bytes. Default: 8 MiB. Real SAML Responses are a few KB; those
    /// with thousands of group values reach a few hundred KB.
    pub max_bytes: usize,
    /// Maximum element nesting depth. Default: 128. SAML needs about 15 (SOAP envelope,
    /// Response, Assertion, Signature, SignedInfo, Reference, Transforms, Transform,
    /// InclusiveNamespaces, AttributeStatement, Attribute, AttributeValue, …).
    pub max_depth: usize,
    /// Maximum attributes on one element, namespace declarations included. Default: 128.
    /// SAML elements carry fewer than 15.
    pub max_attributes: usize,
    /// Maximum number of nodes (elements, text, comments, processing instructions).
    /// Default: 1,000,000, which bounds the arena at about 50 MiB.
    pub max_nodes: usize,
    /// Maximum namespace declarations in scope at any element: its own and its ancestors',
    /// shadowed ones included. Default: 256, twice [`max_attributes`](Self::max_attributes)
    /// so that on any one element the attribute limit is met first. Real SAML has fewer than
    /// 20 in scope (the Okta-shaped fixtures have at most 5: `saml2p`, `saml2`, `xs`, `xsi`,
    /// `ds`). Resolving a prefix costs O(1) whatever this is set to; the limit bounds the
    /// state a document can make the parser and canonicalization keep.
    pub max_namespace_declarations: usize,
    /// Maximum tokens in an exclusive-c14n InclusiveNamespaces `PrefixList` (on SignedInfo's
    /// CanonicalizationMethod or a Reference's Transform), duplicates included, enforced where
    /// the verifier reads the list: before SignedInfo is canonicalized or any key is tried.
    /// Default: 64. Real ones list 1 to 5 prefixes (`xs`, `xsi`, `#default`, `saml`, …), and
    /// no element can have more than
    /// [`max_namespace_declarations`](Self::max_namespace_declarations) of them in scope.
    pub max_prefix_list_tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 8 << 20,
            max_depth: 128,
            max_attributes: 128,
            max_nodes: 1_000_000,
            max_namespace_declarations: 256,
            max_prefix_list_tokens: 64,
        }
    }
}

impl Limits {
    /// Sets [`max_bytes`](Self::max_bytes).
    pub fn with_max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max;
        self
    }

    /// Sets [`max_depth`](Self::max_depth).
    pub fn with_max_depth(mut self, max: usize) -> Self {
        self.max_depth = max;
        self
    }

    /// Sets [`max_attributes`](Self::max_attributes).
    pub fn with_max_attributes(mut self, max: usize) -> Self {
        self.max_attributes = max;
        self
    }

    /// Sets [`max_nodes`](Self::max_nodes).
    pub fn with_max_nodes(mut self, max: usize) -> Self {
        self.max_nodes = max;
        self
    }

    /// Sets [`max_namespace_declarations`](Self::max_namespace_declarations).
    pub fn with_max_namespace_declarations(mut self, max: usize) -> Self {
        self.max_namespace_declarations = max;
        self
    }

    /// Sets [`max_prefix_list_tokens`](Self::max_prefix_list_tokens).
    pub fn with_max_prefix_list_tokens(mut self, max: usize) -> Self {
        self.max_prefix_list_tokens = max;
        self
    }
}

/// The largest input the arena's 31-bit offsets can address.
const HARD_MAX_BYTES: usize = (1 << 31) - 1;

impl<'a> Document<'a> {
    /// Parses a document with the default [`Limits`].
    pub fn parse(input: &'a str) -> Result<Self, XmlError> {
        Self::parse_with_limits(input, &Limits::default())
    }

    /// Parses raw bytes: UTF-8 with or without a byte-order mark. UTF-16 and invalid UTF-8
    /// are rejected.
    pub fn parse_bytes(input: &'a [u8], limits: &Limits) -> Result<Self, XmlError> {
        if input.starts_with(&[0xFE, 0xFF]) || input.starts_with(&[0xFF, 0xFE]) {
            return Err(XmlError::at(
                XmlErrorKind::UnsupportedEncoding("UTF-16".into()),
                "",
                0,
            ));
        }
        match std::str::from_utf8(input) {
            Ok(s) => Self::parse_with_limits(s, limits),
            Err(e) => {
                let valid = std::str::from_utf8(&input[..e.valid_up_to()]).unwrap_or_default();
                Err(XmlError::at(XmlErrorKind::InvalidUtf8, valid, valid.len()))
            }
        }
    }

    /// Parses a document with the given limits.
    pub fn parse_with_limits(input: &'a str, limits: &Limits) -> Result<Self, XmlError> {
        let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
        let max = limits.max_bytes.min(HARD_MAX_BYTES);
        if input.len() > max {
            return Err(XmlError::at(
                XmlErrorKind::LimitExceeded {
                    kind: LimitKind::Bytes,
                    max,
                },
                "",
                0,
            ));
        }
        let has_cr = check_characters(input)?;
        let src: Cow<'a, str> = if has_cr {
            Cow::Owned(normalize_line_endings(input))
        } else {
            Cow::Borrowed(input)
        };
        let mut builder = Builder::new(&src, limits);
        builder.reuse_repeats = REUSE_REPEATS.with(std::cell::Cell::get);
        let built = builder.run()?;
        let mut doc = Document {
            src,
            decoded: built.decoded,
            nodes: built.nodes,
            attrs: built.attrs,
            decls: built.decls,
            ids: Vec::new(),
            root: built.root,
            limits: *limits,
        };
        let mut ids = built.ids;
        ids.sort_by(|a, b| doc.str(a.value).cmp(doc.str(b.value)));
        doc.ids = ids;
        Ok(doc)
    }
}

/// Rejects characters XML 1.0 does not allow and reports whether a carriage return occurs.
///
/// Thirty-two bytes at a time: a block with no byte below 0x20 and no 0xEF (the lead byte of
/// U+FFFE and U+FFFF) is skipped with one branch; only flagged blocks are looked at byte by
/// byte.
fn check_characters(input: &str) -> Result<bool, XmlError> {
    let bytes = input.as_bytes();
    let word = |chunk: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&chunk[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let flagged = |x: u64| swar::below(x, 0x20) | swar::eq(x, 0xEF);
    let mut has_cr = false;
    let mut start = 0;
    for chunk in bytes.chunks_exact(32) {
        let hits = flagged(word(chunk, 0))
            | flagged(word(chunk, 8))
            | flagged(word(chunk, 16))
            | flagged(word(chunk, 24));
        if hits != 0 {
            has_cr |= check_bytes(input, start, start + 32)?;
        }
        start += 32;
    }
    has_cr |= check_bytes(input, start, bytes.len())?;
    Ok(has_cr)
}

/// The careful path of [`check_characters`] for `input[from..to]`.
fn check_bytes(input: &str, from: usize, to: usize) -> Result<bool, XmlError> {
    let bytes = input.as_bytes();
    let mut has_cr = false;
    for i in from..to {
        let b = bytes[i];
        if b < 0x20 {
            match b {
                b'\t' | b'\n' => {}
                b'\r' => has_cr = true,
                _ => {
                    return Err(XmlError::at(
                        XmlErrorKind::InvalidCharacter(u32::from(b)),
                        input,
                        i,
                    ));
                }
            }
        } else if b == 0xEF
            && bytes.get(i + 1) == Some(&0xBF)
            && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
        {
            let c = if bytes[i + 2] == 0xBE { 0xFFFE } else { 0xFFFF };
            return Err(XmlError::at(XmlErrorKind::InvalidCharacter(c), input, i));
        }
    }
    Ok(has_cr)
}

/// XML 1.0 §2.11: CR LF and lone CR become LF.
fn normalize_line_endings(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('\n') {
            rest = r;
        }
    }
    out.push_str(rest);
    out
}

/// Whether `c` is a legal XML 1.0 character.
pub(crate) fn is_xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | 'a'..='z' | '_' | ':'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Class of an ASCII byte in a name: [`NAME_START`] may begin an NCName, [`NAME_MORE`] may
/// only continue one, 0 is neither (`:` is handled by the caller).
static ASCII_NAME: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        #[expect(
            clippy::as_conversions,
            reason = "i < 128 fits in u8; u8::try_from cannot be called in a const initializer"
        )]
        let b = i as u8;
        table[i] = if b.is_ascii_alphabetic() || b == b'_' {
            NAME_START
        } else if b.is_ascii_digit() || b == b'-' || b == b'.' {
            NAME_MORE
        } else {
            0
        };
        i += 1;
    }
    table
};
const NAME_START: u8 = 1;
const NAME_MORE: u8 = 2;

/// Whether `s` is an NCName (a Name without colons).
fn is_ncname(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.is_ascii() {
        return bytes
            .first()
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
            && bytes
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    }
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c != ':' && is_name_start_char(c))
        && chars.all(|c| c != ':' && is_name_char(c))
}

/// Whether `s` is a legal XML Name (colons allowed), as PI targets must be.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// Whether a namespace URI is absolute: it starts with a scheme (RFC 3986 §3.1).
fn has_scheme(uri: &str) -> bool {
    let bytes = uri.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let len = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(bytes.len());
    bytes.get(len) == Some(&b':')
}

/// Resolves a predefined entity or a character reference (the text between `&` and `;`).
fn resolve_reference(name: &str) -> Result<char, XmlErrorKind> {
    if let Some(num) = name.strip_prefix('#') {
        let value = match num.strip_prefix('x') {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()
            }
            None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                num.parse::<u32>().ok()
            }
            _ => None,
        };
        return match value {
            Some(v) if is_xml_char(v) => char::from_u32(v).ok_or(XmlErrorKind::InvalidCharacter(v)),
            Some(v) => Err(XmlErrorKind::InvalidCharacter(v)),
            None => Err(XmlErrorKind::Syntax(format!(
                "malformed character reference `&{name};`"
            ))),
        };
    }
    match name {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(XmlErrorKind::UndefinedEntity(name.to_owned())),
    }
}

/// Where `]]>` starts in `text`, if anywhere: `>` is rare in text, so search for it and look
/// back (cheaper per text node than a substring searcher).
fn find_cdata_end(text: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'>', text)
        .find(|&i| i >= 2 && text[i - 2] == b']' && text[i - 1] == b']')
        .map(|i| i - 2)
}

/// The offset of the first byte at or after `from` that `stop` accepts, or the end of `bytes`.
#[inline]
fn scan_until(bytes: &[u8], from: usize, stop: impl Fn(u8) -> bool) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| stop(b)))
        .map_or(bytes.len(), |p| from + p)
}

/// Index of the first byte at or after `from` that ends or complicates an attribute value:
/// the closing `quote`, `&`, `<`, or a byte below 0x20 (tab and line feed are the only ones
/// left after [`check_characters`] and line-ending normalization).
#[inline]
fn find_value_special(bytes: &[u8], from: usize, quote: u8) -> Option<usize> {
    swar::find(
        bytes,
        from,
        |x| swar::eq(x, quote) | swar::eq(x, b'&') | swar::eq(x, b'<') | swar::below(x, 0x20),
        |b| b == quote || b == b'&' || b == b'<' || b < 0x20,
    )
}

/// One attribute as written in a start tag, as byte ranges of the tag's attribute text.
struct RawAttribute {
    name: (usize, usize),
    value: (usize, usize),
    /// The value holds no reference, `<`, tab or line feed: it is its own normalized form.
    clean: bool,
    /// Written as Canonical XML writes it: one space before, `=` right after the name, the
    /// value clean and in double quotes.
    canonical: bool,
}

/// Splits the attribute part of a start tag (everything after the element name) into names
/// and raw values, as XML 1.0 §3.1 writes them: whitespace before each attribute, `=` with
/// optional whitespace around it, a value in single or double quotes.
struct AttributeScanner<'s> {
    /// The whole source; offsets are absolute.
    bytes: &'s [u8],
    pos: usize,
    /// Once the tag is closed: the offset after `>` or `/>`, and whether it was `/>`.
    end: Option<(usize, bool)>,
}

impl AttributeScanner<'_> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n'))
        {
            self.pos += 1;
        }
    }

    fn fail(&mut self, message: &'static str) -> Option<Result<RawAttribute, &'static str>> {
        self.pos = self.bytes.len();
        Some(Err(message))
    }
}

impl Iterator for AttributeScanner<'_> {
    type Item = Result<RawAttribute, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        let before = self.pos;
        self.skip_space();
        match self.bytes.get(self.pos) {
            None => return self.fail("unterminated start tag"),
            Some(b'>') => {
                self.end = Some((self.pos + 1, false));
                return None;
            }
            Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                self.end = Some((self.pos + 2, true));
                return None;
            }
            Some(_) => {}
        }
        let one_space = self.pos == before + 1 && self.bytes[before] == b' ';
        if self.pos == before {
            return self.fail("attributes must be separated by whitespace");
        }
        let name_start = self.pos;
        // Whitespace is the only byte at or below 0x20 left in the input (see
        // `find_value_special`).
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|&b| !matches!(b, b'=' | b'>' | b'/' | b'<') && b > b' ')
        {
            self.pos += 1;
        }
        let name = (name_start, self.pos);
        self.skip_space();
        if name.0 == name.1 || self.bytes.get(self.pos) != Some(&b'=') {
            return self.fail("an attribute needs a name, `=` and a quoted value");
        }
        let tight = self.pos == name.1;
        self.pos += 1;
        self.skip_space();
        let tight = tight && self.pos == name.1 + 1;
        let quote = match self.bytes.get(self.pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return self.fail("an attribute value must be quoted"),
        };
        let value_start = self.pos + 1;
        let Some(first) = find_value_special(self.bytes, value_start, quote) else {
            return self.fail("unterminated attribute value");
        };
        let (end, clean) = if self.bytes[first] == quote {
            (first, true)
        } else {
            match memchr::memchr(quote, &self.bytes[first..]) {
                Some(n) => (first + n, false),
                None => return self.fail("unterminated attribute value"),
            }
        };
        self.pos = end + 1;
        Some(Ok(RawAttribute {
            name,
            value: (value_start, end),
            clean,
            canonical: one_space && tight && clean && quote == b'"',
        }))
    }
}

struct Open {
    node: u32,
    /// Byte range of the qualified name in the source, for matching the end tag.
    name: (usize, usize),
    /// Length of `Builder::scope` before this element's declarations.
    scope_mark: usize,
}

/// A text node being accumulated from consecutive text and reference events.
struct PendingText {
    node: u32,
    start: usize,
    end: usize,
    /// Where this text's decoded copy starts in `decoded`, once a reference forced a copy.
    decoded_from: Option<usize>,
}

struct Built {
    decoded: String,
    nodes: Vec<Node>,
    attrs: Vec<Attr>,
    decls: Vec<Decl>,
    ids: Vec<IdEntry>,
    root: NodeId,
}

struct Builder<'s> {
    src: &'s str,
    limits: Limits,
    decoded: String,
    nodes: Vec<Node>,
    attrs: Vec<Attr>,
    decls: Vec<Decl>,
    ids: Vec<IdEntry>,
    stack: Vec<Open>,
    /// In-scope namespace bindings, innermost last: prefix → URI.
    scope: Scope<'s, Str>,
    text: Option<PendingText>,
    root: Option<NodeId>,
    /// Attributes of the element being read, reused across elements.
    pending: Vec<(Str, Str, Str)>,
    /// The XML namespace URI, stored once in `decoded` when first needed.
    xml_ns: Option<Str>,
    /// Per depth (modulo [`REPEAT_SLOTS`]), the last start tag read the long way whose
    /// reading can be replayed (see [`Repeat`]).
    repeats: [Option<Repeat>; REPEAT_SLOTS],
    /// A serial number for each binding in `scope` (the same length), from `next_serial`:
    /// two moments with the same length and the same serial on top have the same bindings.
    serials: Vec<u32>,
    next_serial: u32,
    /// Whether a start tag identical to [`Builder::repeat`]'s is replayed (always, except in
    /// the tests that compare both ways).
    reuse_repeats: bool,
}

thread_local! {
    /// Tests turn replaying off to compare the documents built both ways.
    static REUSE_REPEATS: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Runs `f` with repeated start tags read the long way (`false`) or replayed (`true`, the
/// default) on this thread, for the differential fuzz target and the tests.
pub(crate) fn with_replay<R>(on: bool, f: impl FnOnce() -> R) -> R {
    let before = REUSE_REPEATS.with(|c| c.replace(on));
    let out = f();
    REUSE_REPEATS.with(|c| c.set(before));
    out
}

#[cfg(test)]
thread_local! {
    /// Start tags replayed on this thread (tests only).
    static REPLAYED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Depths whose last start tag is kept for [`Repeat`].
const REPEAT_SLOTS: usize = 16;

/// A start tag read the long way, kept so that an identical start tag later at the same depth
/// (every `<saml2:AttributeValue xmlns:xs=… xmlns:xsi=… xsi:type="xs:string">` of a
/// Response) is not read, checked and resolved again: the same bytes with the same namespace
/// bindings in scope give the same names, declarations, attributes, resolved namespaces and
/// checks, with every offset inside the tag moved by the distance between the two. The
/// bindings are the same when the scope has the same length and the same binding on top (see
/// `Builder::serials`): a binding below the top changes only after the top is popped, and a
/// new binding gets a new serial. Kept only when no value needed decoding (every value is a
/// range of the tag), and not for the document element.
///
/// Cost stays linear (invariant 12): the comparison stops at the first differing byte, and a
/// start tag holds one `<`, its first byte, so the stretches of input that match a kept tag
/// beyond its first byte belong to different start tags and never overlap; a replay does no
/// more work per declaration and attribute than the long way.
#[derive(Clone, Copy, Debug)]
struct Repeat {
    /// The scope's length and its top binding's serial (`u32::MAX` if empty) at the tag.
    scope: (usize, u32),
    /// The tag's byte range in the source, `<` to `>`.
    start: usize,
    end: usize,
    /// The element's node.
    node: u32,
    /// Whether it was an empty-element tag.
    empty: bool,
}

const XML_NS_STR: &str = XML_NAMESPACE;

/// The vectors of a document's arena. When the verify paths are done with a [`Document`] they
/// keep these for the next document parsed on the same thread (emptied, their capacity kept;
/// see `Document::recycle`), so a service that
/// verifies message after message does not allocate, and fault in, a fresh arena every time.
/// A large arena would otherwise go back to the operating system and come back on each call
/// under some allocator states (measured with glibc: about a fifth of a 256 KB verification
/// spent in page faults).
#[derive(Default)]
pub(crate) struct Arena {
    pub(crate) decoded: String,
    pub(crate) nodes: Vec<Node>,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) decls: Vec<Decl>,
    pub(crate) ids: Vec<IdEntry>,
}

/// Arenas whose capacity exceeds this many bytes are freed rather than kept: one thread keeps
/// at most this much between documents.
const MAX_SPARE_BYTES: usize = 4 << 20;

thread_local! {
    /// The arena of the last document dropped on this thread.
    static SPARE: RefCell<Option<Arena>> = const { RefCell::new(None) };
}

impl Arena {
    fn bytes(&self) -> usize {
        self.decoded.capacity()
            + self.nodes.capacity() * size_of::<Node>()
            + self.attrs.capacity() * size_of::<Attr>()
            + self.decls.capacity() * size_of::<Decl>()
            + self.ids.capacity() * size_of::<IdEntry>()
    }

    /// The spare arena of this thread, emptied, or a new one; with room for `nodes` nodes.
    fn take(nodes: usize) -> Self {
        let spare = SPARE
            .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.take()))
            .ok()
            .flatten();
        let mut arena = spare.unwrap_or_default();
        arena.decoded.clear();
        arena.nodes.clear();
        arena.attrs.clear();
        arena.decls.clear();
        arena.ids.clear();
        arena.nodes.reserve(nodes);
        arena.attrs.reserve(nodes / 2);
        arena.decls.reserve((nodes / 2).max(16));
        arena.ids.reserve(4);
        arena
    }

    /// Keeps `self` for the next document on this thread, unless it is too large.
    pub(crate) fn give_back(self) {
        if self.bytes() <= MAX_SPARE_BYTES {
            let _ = SPARE.try_with(|s| {
                if let Ok(mut s) = s.try_borrow_mut() {
                    *s = Some(self);
                }
            });
        }
    }
}

impl<'s> Builder<'s> {
    fn new(src: &'s str, limits: &Limits) -> Self {
        // A rough first guess: one node per 40 bytes of SAML, capped by the node limit.
        let guess = (src.len() / 40).min(limits.max_nodes).min(1 << 16);
        let arena = Arena::take(guess);
        Self {
            src,
            limits: *limits,
            decoded: arena.decoded,
            nodes: arena.nodes,
            attrs: arena.attrs,
            decls: arena.decls,
            ids: arena.ids,
            stack: Vec::with_capacity(16),
            scope: Scope::with_capacity(16),
            text: None,
            root: None,
            pending: Vec::with_capacity(8),
            xml_ns: None,
            repeats: [None; REPEAT_SLOTS],
            serials: Vec::with_capacity(16),
            next_serial: 0,
            reuse_repeats: true,
        }
    }

    fn err(&self, kind: XmlErrorKind, offset: usize) -> XmlError {
        XmlError::at(kind, self.src, offset)
    }

    fn text_of(&self, s: Str) -> &'s str {
        // Only called for `Str::source` values built from `self.src`.
        let (start, len, _) = s.parts();
        let src: &'s str = self.src;
        src.get(start..start + len).unwrap_or_default()
    }

    fn push_node(&mut self, data: NodeData, start: usize, offset: usize) -> Result<u32, XmlError> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(self.err(
                XmlErrorKind::LimitExceeded {
                    kind: LimitKind::Nodes,
                    max: self.limits.max_nodes,
                },
                offset,
            ));
        }
        let id = to_u32(self.nodes.len());
        let parent = self.stack.last().map_or(0, |o| o.node);
        self.nodes.push(Node {
            data,
            parent,
            end: id + 1,
            span: (to_u32(start), to_u32(start)),
        });
        Ok(id)
    }

    fn run(mut self) -> Result<Built, XmlError> {
        self.nodes.push(Node {
            data: NodeData::Document,
            parent: u32::MAX,
            end: 1,
            span: (0, to_u32(self.src.len())),
        });
        let src = self.src;
        let bytes = src.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            // Character data runs to the next markup or reference.
            let Some(found) = memchr::memchr2(b'<', b'&', &bytes[pos..]) else {
                self.on_text(&src[pos..], pos)?;
                break;
            };
            let at = pos + found;
            if at > pos {
                self.on_text(&src[pos..at], pos)?;
            }
            if bytes[at] == b'&' {
                pos = self.on_reference(at)?;
                continue;
            }
            self.finish_text();
            pos = match bytes.get(at + 1) {
                Some(b'/') => self.on_end(at)?,
                Some(b'!') => self.on_markup_declaration(at)?,
                Some(b'?') => self.on_pi(at)?,
                _ => self.on_start(at)?,
            };
        }
        self.finish_text();
        if let Some(open) = self.stack.last() {
            let name = self.src[open.name.0..open.name.1].to_owned();
            let at = to_usize(self.nodes[to_usize(open.node)].span.0);
            return Err(self.err(XmlErrorKind::UnclosedTag(name), at));
        }
        let root = self
            .root
            .ok_or_else(|| self.err(XmlErrorKind::EmptyDocument, self.src.len()))?;
        self.nodes[0].end = to_u32(self.nodes.len());
        Ok(Built {
            decoded: self.decoded,
            nodes: self.nodes,
            attrs: self.attrs,
            decls: self.decls,
            ids: self.ids,
            root,
        })
    }

    fn require_in_root(&self, offset: usize) -> Result<(), XmlError> {
        if self.stack.is_empty() {
            let kind = if self.root.is_some() {
                XmlErrorKind::ContentAfterRoot
            } else {
                XmlErrorKind::TextOutsideRoot
            };
            return Err(self.err(kind, offset));
        }
        Ok(())
    }

    fn on_text(&mut self, raw: &str, start: usize) -> Result<(), XmlError> {
        if self.stack.is_empty() {
            if raw.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n')) {
                return Ok(());
            }
            return Err(self.err(XmlErrorKind::TextOutsideRoot, start));
        }
        if let Some(i) = find_cdata_end(raw.as_bytes()) {
            return Err(self.err(
                XmlErrorKind::Syntax("`]]>` is not allowed in text".into()),
                start + i,
            ));
        }
        let off = start;
        match &mut self.text {
            Some(t) => {
                t.end = off + raw.len();
                if t.decoded_from.is_some() {
                    self.decoded.push_str(raw);
                }
            }
            None => {
                let node = self.push_node(NodeData::Text(Str::EMPTY), off, off)?;
                self.text = Some(PendingText {
                    node,
                    start: off,
                    end: off + raw.len(),
                    decoded_from: None,
                });
            }
        }
        Ok(())
    }

    /// A reference in character data at `start` (its `&`); returns the offset after its `;`.
    fn on_reference(&mut self, start: usize) -> Result<usize, XmlError> {
        let bytes = self.src.as_bytes();
        let name_start = start + 1;
        let i = scan_until(bytes, name_start, |b| {
            matches!(b, b';' | b'<' | b'&' | b' ' | b'\t' | b'\n')
        });
        if bytes.get(i) != Some(&b';') {
            return Err(self.err(
                XmlErrorKind::Syntax("`&` must start a reference ending in `;`".into()),
                start,
            ));
        }
        let c = resolve_reference(&self.src[name_start..i]).map_err(|k| self.err(k, start))?;
        let end = i + 1;
        if self.stack.is_empty() {
            return Err(self.err(XmlErrorKind::TextOutsideRoot, start));
        }
        if self.text.is_none() {
            let node = self.push_node(NodeData::Text(Str::EMPTY), start, start)?;
            self.text = Some(PendingText {
                node,
                start,
                end: start,
                decoded_from: None,
            });
        }
        if let Some(t) = &mut self.text {
            if t.decoded_from.is_none() {
                t.decoded_from = Some(self.decoded.len());
                self.decoded.push_str(&self.src[t.start..t.end]);
            }
            t.end = end;
            self.decoded.push(c);
        }
        Ok(end)
    }

    fn finish_text(&mut self) {
        if let Some(t) = self.text.take() {
            let value = match t.decoded_from {
                Some(from) => Str::decoded(from..self.decoded.len()),
                None => Str::source(t.start..t.end),
            };
            let node = &mut self.nodes[to_usize(t.node)];
            node.data = NodeData::Text(value);
            node.span = (to_u32(t.start), to_u32(t.end));
        }
    }

    /// A processing instruction or the XML declaration at `start` (its `<?`); returns the
    /// offset after its `?>`.
    fn on_pi(&mut self, start: usize) -> Result<usize, XmlError> {
        let off = start + 2;
        let Some(len) = memchr::memmem::find(&self.src.as_bytes()[off..], b"?>") else {
            return Err(self.err(
                XmlErrorKind::Syntax("unterminated processing instruction".into()),
                start,
            ));
        };
        let end = off + len + 2;
        let raw = &self.src[off..off + len];
        let target_len = raw.find([' ', '\t', '\n']).unwrap_or(raw.len());
        let target = &raw[..target_len];
        if target == "xml" && start == 0 {
            self.xml_declaration(&raw[target_len..], start)?;
            return Ok(end);
        }
        if target.eq_ignore_ascii_case("xml") {
            return Err(self.err(
                XmlErrorKind::XmlDeclaration("the XML declaration must come first".into()),
                start,
            ));
        }
        if !is_name(target) {
            return Err(self.err(XmlErrorKind::InvalidName(target.to_owned()), start));
        }
        let rest = &raw[target_len..];
        let data_start =
            target_len + (rest.len() - rest.trim_start_matches([' ', '\t', '\n']).len());
        let target = Str::source(off..off + target_len);
        let data = Str::source(off + data_start..off + raw.len());
        let id = self.push_node(NodeData::Pi { target, data }, start, start)?;
        self.nodes[to_usize(id)].span.1 = to_u32(end);
        Ok(end)
    }

    /// The pseudo-attributes of the XML declaration (XML 1.0 §2.8): `version`, then
    /// optionally `encoding` and `standalone`, in that order. Only version 1.0 and UTF-8.
    fn xml_declaration(&self, text: &str, at: usize) -> Result<(), XmlError> {
        let bad = |message: String| self.err(XmlErrorKind::XmlDeclaration(message), at);
        let mut rest = text;
        let mut expected: &[&str] = &["version", "encoding", "standalone"];
        let mut seen_version = false;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t', '\n']);
            if trimmed.is_empty() {
                break;
            }
            if trimmed.len() == rest.len() {
                return Err(bad(
                    "pseudo-attributes must be separated by whitespace".into()
                ));
            }
            let eq = trimmed.find('=').unwrap_or(trimmed.len());
            let name = trimmed[..eq].trim_end_matches([' ', '\t', '\n']);
            let Some(position) = expected.iter().position(|&n| n == name) else {
                return Err(bad(format!("unexpected `{name}`")));
            };
            if !seen_version && name != "version" {
                return Err(bad("the version must come first".into()));
            }
            expected = &expected[position + 1..];
            let after = trimmed
                .get(eq + 1..)
                .unwrap_or_default()
                .trim_start_matches([' ', '\t', '\n']);
            let quote = match after.as_bytes().first() {
                Some(&q @ (b'"' | b'\'')) => char::from(q),
                _ => return Err(bad(format!("the value of `{name}` must be quoted"))),
            };
            let Some(close) = after[1..].find(quote) else {
                return Err(bad(format!("unterminated value of `{name}`")));
            };
            let value = &after[1..1 + close];
            rest = &after[close + 2..];
            match name {
                "version" => {
                    seen_version = true;
                    if value != "1.0" {
                        return Err(bad(format!("unsupported version `{value}`")));
                    }
                }
                "encoding" => {
                    if !value.eq_ignore_ascii_case("utf-8") {
                        return Err(
                            self.err(XmlErrorKind::UnsupportedEncoding(value.to_owned()), at)
                        );
                    }
                }
                _ => {
                    if value != "yes" && value != "no" {
                        return Err(bad(format!(
                            "standalone must be `yes` or `no`, not `{value}`"
                        )));
                    }
                }
            }
        }
        if !seen_version {
            return Err(bad("the version is missing".into()));
        }
        Ok(())
    }

    /// `<!` at `start`: a comment, a CDATA section, or a document type declaration (refused);
    /// returns the offset after it.
    fn on_markup_declaration(&mut self, start: usize) -> Result<usize, XmlError> {
        let bytes = self.src.as_bytes();
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            // `--` may only appear as the start of `-->` (XML 1.0 §2.5).
            let body = start + 4;
            let Some(len) = memchr::memmem::find(&bytes[body..], b"--") else {
                return Err(self.err(XmlErrorKind::Syntax("unterminated comment".into()), start));
            };
            let dashes = body + len;
            if bytes.get(dashes + 2) != Some(&b'>') {
                return Err(self.err(
                    XmlErrorKind::Syntax("`--` is not allowed inside a comment".into()),
                    dashes,
                ));
            }
            let end = dashes + 3;
            let id = self.push_node(NodeData::Comment(Str::source(body..dashes)), start, start)?;
            self.nodes[to_usize(id)].span.1 = to_u32(end);
            return Ok(end);
        }
        if rest.starts_with(b"<![CDATA[") {
            self.require_in_root(start)?;
            let body = start + 9;
            let Some(len) = memchr::memmem::find(&bytes[body..], b"]]>") else {
                return Err(self.err(
                    XmlErrorKind::Syntax("unterminated CDATA section".into()),
                    start,
                ));
            };
            let end = body + len + 3;
            let id =
                self.push_node(NodeData::CData(Str::source(body..body + len)), start, start)?;
            self.nodes[to_usize(id)].span.1 = to_u32(end);
            return Ok(end);
        }
        if rest.starts_with(b"<!DOCTYPE") {
            return Err(self.err(XmlErrorKind::Doctype, start));
        }
        Err(self.err(
            XmlErrorKind::Syntax("`<!` must start a comment or a CDATA section".into()),
            start,
        ))
    }

    /// Splits and checks a QName found at source offset `off`; returns (prefix, local) as
    /// source strings. `at` is where an error is reported.
    fn qname(&self, name: &str, off: usize, at: usize) -> Result<(Str, Str), XmlError> {
        let invalid = || self.err(XmlErrorKind::InvalidName(name.to_owned()), at);
        let split = |colon: Option<usize>| match colon {
            None => (Str::EMPTY, Str::source(off..off + name.len())),
            Some(c) => (
                Str::source(off..off + c),
                Str::source(off + c + 1..off + name.len()),
            ),
        };
        // One table-driven pass for the common all-ASCII name: find the colon, check every
        // byte, and require a start character first and after the colon.
        let bytes = name.as_bytes();
        let mut colon = None;
        let mut expect_start = true;
        let mut ascii = true;
        for (i, &b) in bytes.iter().enumerate() {
            let Some(&class) = ASCII_NAME.get(usize::from(b)) else {
                ascii = false;
                break;
            };
            match class {
                NAME_START => expect_start = false,
                NAME_MORE if !expect_start => {}
                _ if b == b':' && colon.is_none() && !expect_start => {
                    colon = Some(i);
                    expect_start = true;
                }
                _ => return Err(invalid()),
            }
        }
        if ascii {
            return if expect_start {
                Err(invalid())
            } else {
                Ok(split(colon))
            };
        }
        match name.split_once(':') {
            None if is_ncname(name) => Ok(split(None)),
            Some((p, l)) if is_ncname(p) && is_ncname(l) => Ok(split(Some(p.len()))),
            _ => Err(invalid()),
        }
    }

    /// The URI `prefix` is bound to here: O(1) however many bindings are in scope (see
    /// [`Scope`]).
    fn lookup(&self, prefix: &str) -> Option<Str> {
        self.scope.get(prefix).map(|(_, uri)| uri)
    }

    /// A start tag or empty-element tag at `start` (its `<`); returns the offset after it.
    fn on_start(&mut self, start: usize) -> Result<usize, XmlError> {
        if self.stack.is_empty() && self.root.is_some() {
            return Err(self.err(XmlErrorKind::ContentAfterRoot, start));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.err(
                XmlErrorKind::LimitExceeded {
                    kind: LimitKind::Depth,
                    max: self.limits.max_depth,
                },
                start,
            ));
        }
        if let Some(end) = self.replay(start)? {
            return Ok(end);
        }
        let src = self.src;
        let bytes = src.as_bytes();
        let name_at = start + 1;
        let i = scan_until(bytes, name_at, |b| {
            matches!(b, b' ' | b'\t' | b'\n' | b'>' | b'/' | b'<')
        });
        if i == name_at {
            return Err(self.err(
                XmlErrorKind::Syntax("`<` must be followed by a name".into()),
                start,
            ));
        }
        let name = &src[name_at..i];
        let (prefix, local) = self.qname(name, name_at, start)?;
        let name_range = (name_at, i);
        let scope_mark = self.scope.len();
        let decls_start = self.decls.len();
        let attrs_start = self.attrs.len();

        // Pass 1: namespace declarations and raw attributes.
        let mut count = 0usize;
        let mut pending = std::mem::take(&mut self.pending);
        pending.clear();
        let mut scanner = AttributeScanner {
            bytes,
            pos: i,
            end: None,
        };
        // Whether every declaration and attribute so far is written canonically (see
        // `Element::canonical_units`).
        let mut canonical = true;
        // Whether every value is a range of the tag (none needed decoding).
        let mut all_clean = true;
        for attr in scanner.by_ref() {
            let attr =
                attr.map_err(|message| self.err(XmlErrorKind::Syntax(message.into()), start))?;
            count += 1;
            if count > self.limits.max_attributes {
                return Err(self.err(
                    XmlErrorKind::LimitExceeded {
                        kind: LimitKind::Attributes,
                        max: self.limits.max_attributes,
                    },
                    start,
                ));
            }
            let (vs, ve) = attr.value;
            all_clean &= attr.clean;
            let value = if attr.clean {
                Str::source(vs..ve)
            } else {
                self.attribute_value(&src[vs..ve], vs)?
            };
            let key = &src[attr.name.0..attr.name.1];
            let key_at = attr.name.0;
            canonical &= attr.canonical;
            if key == "xmlns" {
                self.declare(Str::EMPTY, value, start, scope_mark)?;
            } else if let Some(p) = key.strip_prefix("xmlns:") {
                if !is_ncname(p) {
                    return Err(self.err(XmlErrorKind::InvalidName(key.to_owned()), start));
                }
                let ps = Str::source(key_at + 6..key_at + key.len());
                self.declare(ps, value, start, scope_mark)?;
            } else {
                let (p, l) = self.qname(key, key_at, start)?;
                pending.push((p, l, value));
            }
        }
        let Some((end, empty)) = scanner.end else {
            return Err(self.err(XmlErrorKind::Syntax("unterminated start tag".into()), start));
        };

        // Resolve the element's namespace.
        let prefix_text = self.text_of(prefix);
        let ns = if prefix_text.is_empty() {
            self.lookup("").unwrap_or(Str::EMPTY)
        } else if prefix_text == "xml" {
            self.xml_ns_str()
        } else if prefix_text == "xmlns" {
            return Err(self.err(
                XmlErrorKind::InvalidNamespace("elements cannot use the `xmlns` prefix".into()),
                start,
            ));
        } else {
            self.lookup(prefix_text).ok_or_else(|| {
                self.err(
                    XmlErrorKind::UndeclaredPrefix(prefix_text.to_owned()),
                    start,
                )
            })?
        };

        let node = self.push_node(
            NodeData::Element(Element {
                prefix,
                local,
                ns,
                attrs: (to_u32(attrs_start), to_u32(attrs_start)),
                decls: (to_u32(decls_start), to_u32(self.decls.len())),
                head_end: to_u32(end),
                canonical_units: false,
                attributes_sorted: false,
                canonical_tail: false,
            }),
            start,
            start,
        )?;
        if self.stack.is_empty() {
            self.root = Some(NodeId(node));
        }

        // Pass 2: resolve attribute namespaces, check duplicates, index IDs.
        let mut sorted = true;
        for &(p, l, value) in &pending {
            let ans = if p.is_empty() {
                Str::EMPTY
            } else if self.text_of(p) == "xml" {
                self.xml_ns_str()
            } else {
                let pt = self.text_of(p);
                self.lookup(pt)
                    .ok_or_else(|| self.err(XmlErrorKind::UndeclaredPrefix(pt.to_owned()), start))?
            };
            let pt = self.text_of(p);
            let local_text = self.text_of(l);
            let ans_text = self.ns_text(ans);
            let dup = self.attrs[attrs_start..]
                .iter()
                .any(|a| self.text_of(a.local) == local_text && self.ns_text(a.ns) == ans_text);
            if dup {
                let shown = if pt.is_empty() {
                    local_text.to_owned()
                } else {
                    format!("{pt}:{local_text}")
                };
                return Err(self.err(XmlErrorKind::DuplicateAttribute(shown), start));
            }
            // Canonical order: by namespace URI, then local name (no duplicates remain).
            if sorted && let Some(last) = self.attrs[attrs_start..].last() {
                sorted = (self.ns_text(last.ns), self.text_of(last.local)) < (ans_text, local_text);
            }
            let is_id = super::is_id_attribute(ans_text, local_text);
            if is_id {
                self.ids.push(IdEntry {
                    value,
                    node: NodeId(node),
                    is_saml_id: ans.is_empty() && local_text == "ID",
                });
            }
            self.attrs.push(Attr {
                prefix: p,
                local: l,
                ns: ans,
                value,
            });
        }
        self.pending = pending;
        if let NodeData::Element(el) = &mut self.nodes[to_usize(node)].data {
            el.attrs.1 = to_u32(self.attrs.len());
            el.canonical_units = canonical;
            el.attributes_sorted = sorted;
        }

        if !self.stack.is_empty() && all_clean {
            let depth = self.stack.len() % REPEAT_SLOTS;
            self.repeats[depth] = Some(Repeat {
                scope: (scope_mark, self.serial_at(scope_mark)),
                start,
                end,
                node,
                empty,
            });
        }
        if empty {
            self.unbind(scope_mark);
            self.nodes[to_usize(node)].span.1 = to_u32(end);
        } else {
            self.stack.push(Open {
                node,
                name: name_range,
                scope_mark,
            });
        }
        Ok(end)
    }

    /// Binds `prefix` to `uri` in the scope, with a fresh serial.
    fn bind(&mut self, prefix: &'s str, uri: Str) {
        self.scope.push(prefix, uri);
        self.serials.push(self.next_serial);
        self.next_serial = self.next_serial.wrapping_add(1);
    }

    /// Drops the bindings from `mark` on.
    fn unbind(&mut self, mark: usize) {
        self.scope.truncate(mark);
        self.serials.truncate(mark);
    }

    /// The serial of the binding on top of the first `len` (`u32::MAX` for none).
    fn serial_at(&self, len: usize) -> u32 {
        len.checked_sub(1)
            .and_then(|i| self.serials.get(i))
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// When the start tag at `start` repeats [`Builder::repeat`]'s byte for byte under the
    /// same parent, builds its element from that one's (see [`Repeat`]) and returns the offset
    /// after it. The limits are checked as the long way checks them.
    fn replay(&mut self, start: usize) -> Result<Option<usize>, XmlError> {
        let Some(r) = self.repeats[self.stack.len() % REPEAT_SLOTS] else {
            return Ok(None);
        };
        let len = r.end - r.start;
        let bytes = self.src.as_bytes();
        let scope_mark = self.scope.len();
        if !self.reuse_repeats
            || self.stack.is_empty()
            || r.scope != (scope_mark, self.serial_at(scope_mark))
            || bytes.get(start..start + len) != bytes.get(r.start..r.end)
        {
            return Ok(None);
        }
        let NodeData::Element(el) = self.nodes[to_usize(r.node)].data else {
            return Ok(None);
        };
        // Every `Str` inside the first tag moves with the tag; the others (bindings of
        // ancestors, the XML namespace) stay.
        let delta = start - r.start;
        let moved = |s: Str| {
            let (at, n, decoded) = s.parts();
            if !decoded && (r.start..r.end).contains(&at) {
                Str::source(at + delta..at + delta + n)
            } else {
                s
            }
        };
        let decls_start = self.decls.len();
        for d in to_usize(el.decls.0)..to_usize(el.decls.1) {
            if self.scope.len() >= self.limits.max_namespace_declarations {
                return Err(self.err(
                    XmlErrorKind::LimitExceeded {
                        kind: LimitKind::NamespaceDeclarations,
                        max: self.limits.max_namespace_declarations,
                    },
                    start,
                ));
            }
            let decl = self.decls[d];
            let (prefix, uri) = (moved(decl.prefix), moved(decl.uri));
            self.decls.push(Decl { prefix, uri });
            let p = self.text_of(prefix);
            self.bind(p, uri);
        }
        let attrs_start = self.attrs.len();
        let node = self.push_node(
            NodeData::Element(Element {
                prefix: moved(el.prefix),
                local: moved(el.local),
                ns: moved(el.ns),
                attrs: (to_u32(attrs_start), to_u32(attrs_start)),
                decls: (to_u32(decls_start), to_u32(self.decls.len())),
                head_end: to_u32(to_usize(el.head_end) + delta),
                canonical_units: el.canonical_units,
                attributes_sorted: el.attributes_sorted,
                canonical_tail: false,
            }),
            start,
            start,
        )?;
        for a in to_usize(el.attrs.0)..to_usize(el.attrs.1) {
            let a = self.attrs[a];
            let attr = Attr {
                prefix: moved(a.prefix),
                local: moved(a.local),
                ns: moved(a.ns),
                value: moved(a.value),
            };
            let local = self.text_of(attr.local);
            let ns = self.ns_text(attr.ns);
            if super::is_id_attribute(ns, local) {
                self.ids.push(IdEntry {
                    value: attr.value,
                    node: NodeId(node),
                    is_saml_id: attr.ns.is_empty() && local == "ID",
                });
            }
            self.attrs.push(attr);
        }
        if let NodeData::Element(el) = &mut self.nodes[to_usize(node)].data {
            el.attrs.1 = to_u32(self.attrs.len());
        }
        #[cfg(test)]
        REPLAYED.with(|c| c.set(c.get() + 1));
        let end = start + len;
        if r.empty {
            self.unbind(scope_mark);
            self.nodes[to_usize(node)].span.1 = to_u32(end);
        } else {
            let (name_start, name_len, _) = moved(el.prefix).parts();
            let name_start = if name_len == 0 {
                moved(el.local).parts().0
            } else {
                name_start
            };
            let name_end = {
                let (l, n, _) = moved(el.local).parts();
                l + n
            };
            self.stack.push(Open {
                node,
                name: (name_start, name_end),
                scope_mark,
            });
        }
        Ok(Some(end))
    }

    /// A `Str` for the XML namespace URI: stored once in the decoded buffer.
    fn xml_ns_str(&mut self) -> Str {
        if let Some(s) = self.xml_ns {
            return s;
        }
        let from = self.decoded.len();
        self.decoded.push_str(XML_NS_STR);
        let s = Str::decoded(from..self.decoded.len());
        self.xml_ns = Some(s);
        s
    }

    /// The text of a namespace `Str`, which may live in either buffer.
    fn ns_text(&self, s: Str) -> &str {
        if s.is_decoded() {
            let (start, len, _) = s.parts();
            self.decoded.get(start..start + len).unwrap_or_default()
        } else {
            self.text_of(s)
        }
    }

    /// Declares `prefix` as `uri` on the element whose start tag is at `at` and whose
    /// bindings start at `scope_mark` in the scope.
    fn declare(
        &mut self,
        prefix: Str,
        uri: Str,
        at: usize,
        scope_mark: usize,
    ) -> Result<(), XmlError> {
        if self.scope.len() >= self.limits.max_namespace_declarations {
            return Err(self.err(
                XmlErrorKind::LimitExceeded {
                    kind: LimitKind::NamespaceDeclarations,
                    max: self.limits.max_namespace_declarations,
                },
                at,
            ));
        }
        let p = self.text_of(prefix);
        if let Some(kind) = self.declaration_error(p, uri, scope_mark) {
            return Err(self.err(kind, at));
        }
        self.decls.push(Decl { prefix, uri });
        self.bind(p, uri);
        Ok(())
    }

    /// What is wrong with declaring `p` as `uri` here, if anything (no allocation unless
    /// something is).
    fn declaration_error(&self, p: &str, uri: Str, scope_mark: usize) -> Option<XmlErrorKind> {
        let u = self.ns_text(uri);
        let bad = |msg: String| Some(XmlErrorKind::InvalidNamespace(msg));
        if p == "xmlns" {
            return bad("the `xmlns` prefix cannot be declared".into());
        }
        if p == "xml" && u != XML_NAMESPACE {
            return bad(format!("the `xml` prefix cannot be bound to `{u}`"));
        }
        if p != "xml" && u == XML_NAMESPACE {
            return bad(format!("only the `xml` prefix may be bound to `{u}`"));
        }
        if u == XMLNS_NAMESPACE {
            return bad(format!("no prefix may be bound to `{u}`"));
        }
        if u.is_empty() && !p.is_empty() {
            return bad(format!(
                "`xmlns:{p}=\"\"` (undeclaring a prefix is not allowed in XML 1.0)"
            ));
        }
        if !u.is_empty() && !has_scheme(u) {
            return bad(format!(
                "relative namespace URI `{u}` (Canonical XML cannot process it)"
            ));
        }
        // Declared twice on this element: its innermost binding is one of this element's.
        if self.scope.position_since(p, scope_mark).is_some() {
            let shown = if p.is_empty() {
                "xmlns".to_owned()
            } else {
                format!("xmlns:{p}")
            };
            return Some(XmlErrorKind::DuplicateAttribute(shown));
        }
        None
    }

    /// XML 1.0 §3.3.3 for CDATA attributes: references decoded, literal whitespace characters
    /// become spaces. Values that need no change stay borrowed from the source.
    fn attribute_value(&mut self, raw: &str, at: usize) -> Result<Str, XmlError> {
        let needs = |b: u8| matches!(b, b'&' | b'\t' | b'\n' | b'<');
        let Some(first) = raw.bytes().position(needs) else {
            return Ok(Str::source(at..at + raw.len()));
        };
        let from = self.decoded.len();
        self.decoded.push_str(&raw[..first]);
        let mut rest = &raw[first..];
        while let Some(i) = rest.bytes().position(needs) {
            self.decoded.push_str(&rest[..i]);
            let here = at + (raw.len() - rest.len()) + i;
            match rest.as_bytes()[i] {
                b'<' => {
                    return Err(self.err(
                        XmlErrorKind::Syntax("`<` is not allowed in an attribute value".into()),
                        here,
                    ));
                }
                b'&' => {
                    let after = &rest[i + 1..];
                    let Some(semi) = after.find(';') else {
                        return Err(self.err(
                            XmlErrorKind::Syntax(
                                "unterminated reference in attribute value".into(),
                            ),
                            here,
                        ));
                    };
                    let c = resolve_reference(&after[..semi]).map_err(|k| self.err(k, here))?;
                    self.decoded.push(c);
                    rest = &after[semi + 1..];
                }
                _ => {
                    self.decoded.push(' ');
                    rest = &rest[i + 1..];
                }
            }
        }
        self.decoded.push_str(rest);
        Ok(Str::decoded(from..self.decoded.len()))
    }

    /// An end tag at `start` (its `</`): `</` Name S? `>`. Returns the offset after it.
    fn on_end(&mut self, start: usize) -> Result<usize, XmlError> {
        let bytes = self.src.as_bytes();
        let name_start = start + 2;
        let name_end = scan_until(bytes, name_start, |b| {
            matches!(b, b' ' | b'\t' | b'\n' | b'>' | b'<')
        });
        let i = scan_until(bytes, name_end, |b| !matches!(b, b' ' | b'\t' | b'\n'));
        if bytes.get(i) != Some(&b'>') {
            return Err(self.err(
                XmlErrorKind::Syntax("an end tag must be `</` name `>`".into()),
                start,
            ));
        }
        let end = i + 1;
        let name = &self.src[name_start..name_end];
        let Some(open) = self.stack.pop() else {
            let kind = if self.root.is_some() {
                XmlErrorKind::ContentAfterRoot
            } else {
                XmlErrorKind::Syntax(format!("end tag `</{name}>` without a start tag"))
            };
            return Err(self.err(kind, start));
        };
        let expected = &self.src[open.name.0..open.name.1];
        if expected != name {
            return Err(self.err(
                XmlErrorKind::MismatchedTag {
                    expected: expected.to_owned(),
                    found: name.to_owned(),
                },
                start,
            ));
        }
        self.unbind(open.scope_mark);
        let total = to_u32(self.nodes.len());
        let node = &mut self.nodes[to_usize(open.node)];
        node.end = total;
        node.span.1 = to_u32(end);
        if let NodeData::Element(el) = &mut node.data {
            el.canonical_tail = end - start == name.len() + 3;
        }
        Ok(end)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::super::scope::{SCAN_MAX, take_probes};
    use super::*;

    /// `text` parsed with repeated start tags replayed and read the long way, as `Debug`
    /// (every node, attribute, declaration, ID entry and offset, or the error), and how many
    /// tags were replayed.
    fn both_ways(text: &str, limits: &Limits) -> (String, String, usize) {
        let parse = |reuse: bool| {
            REPLAYED.with(|c| c.set(0));
            let shown = with_replay(reuse, || {
                format!("{:?}", Document::parse_with_limits(text, limits))
            });
            (shown, REPLAYED.with(std::cell::Cell::get))
        };
        let (long, none) = parse(false);
        assert_eq!(none, 0);
        let (replayed, count) = parse(true);
        (replayed, long, count)
    }

    /// Replaying a repeated start tag builds exactly the document the long way builds, for
    /// every XML file under `tests/vectors` and for shapes made to find the seams: siblings
    /// declaring prefixes their children use, prefixes bound by the parent, `xml:` attributes,
    /// IDs (duplicates must still be found), values with references (never replayed), empty
    /// and non-empty tags, a repeat under another parent, and limits that the repeat reaches.
    #[test]
    fn replayed_start_tags_build_the_same_document() {
        let mut files = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors"
        ))];
        let mut replayed = 0;
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "xml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let (a, b, n) = both_ways(&text, &Limits::default());
                assert_eq!(a, b, "{}", path.display());
                replayed += n;
                checked += 1;
            }
        }
        assert!(
            checked > 50 && replayed > 100,
            "{checked} files, {replayed} replays"
        );

        let v = "<v xmlns:xs=\"urn:xs\" xmlns:xsi=\"urn:xsi\" xsi:type=\"xs:string\">";
        let shapes = [
            format!("<r xmlns=\"urn:d\"><a>{v}x</v>{v}y</v>{v}<xs:c/></v><b>{v}z</v></b></a></r>"),
            "<r xmlns:p=\"urn:p\"><p:e p:a=\"1\" b='2'/><p:e p:a=\"1\" b='2'/><p:e  p:a=\"1\" b='2'/></r>".into(),
            "<r><e xml:lang=\"en\" ID=\"_1\"/><e xml:lang=\"en\" ID=\"_1\"/></r>".into(),
            "<r><e a=\"&amp;\"/><e a=\"&amp;\"/><e a=\"x&#10;\"/><e a=\"x&#10;\"/></r>".into(),
            "<r><q:e xmlns:q=\"urn:q\"><q:f/></q:e><q:e xmlns:q=\"urn:q\"><q:f/></q:e></r>".into(),
            "<r><e x=\"1\"><e x=\"1\"><e x=\"1\"/></e></e><e x=\"1\">t</e></r>".into(),
            "<r><e xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"/><e xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"/></r>".into(),
        ];
        for (i, shape) in shapes.iter().enumerate() {
            for limits in [
                Limits::default(),
                Limits::default().with_max_nodes(6),
                Limits::default().with_max_namespace_declarations(3),
            ] {
                let (a, b, n) = both_ways(shape, &limits);
                assert_eq!(a, b, "shape {i}: {shape}");
                if limits == Limits::default() {
                    assert!(n > 0 || i == 3, "shape {i} replays nothing");
                }
            }
        }
        // The duplicate ID in the repeated tag is still found.
        let doc = Document::parse(&shapes[2]).unwrap();
        assert_eq!(doc.duplicate_id(), Some("_1"));
    }

    /// The attack shape of invariant 12: `depth` nested elements, each declaring `per_level`
    /// prefixes that nothing uses, then `names` elements named with the outermost prefix
    /// (the binding a scan from the innermost end reaches last).
    fn unused_declarations_then_names(depth: usize, per_level: usize, names: usize) -> String {
        let mut s = String::new();
        for d in 0..depth {
            s.push_str("<a");
            for i in 0..per_level {
                write!(s, " xmlns:p{d}_{i}=\"urn:x\"").expect("writes to a String");
            }
            s.push('>');
        }
        s.push_str(&"<p0_0:e/>".repeat(names));
        s.push_str(&"</a>".repeat(depth));
        s
    }

    /// Prefix comparisons and index probes made while parsing `text`, with the namespace and
    /// attribute limits out of the way. Repeated start tags are read the long way, each with
    /// its lookups (the shapes here repeat one tag, which a replay would resolve once);
    /// replaying, which only ever saves lookups, is checked to cost no more.
    fn parse_probes(text: &str) -> u64 {
        let limits = Limits::default()
            .with_max_attributes(10_000)
            .with_max_namespace_declarations(usize::MAX);
        let probes = |reuse: bool| {
            let (doc, probes) = with_replay(reuse, || {
                take_probes();
                let doc = Document::parse_with_limits(text, &limits);
                (doc, take_probes())
            });
            assert!(doc.expect("parses").node_count() > 1);
            probes
        };
        let (long, replayed) = (probes(false), probes(true));
        assert!(
            replayed <= long,
            "{replayed} probes replaying, {long} the long way"
        );
        long
    }

    /// Resolving one prefixed name costs a bounded number of probes, however many
    /// declarations are in scope: the per-name cost with 4,000 declarations in scope is that
    /// with 1,000, and at most what a scan of the small stack costs. A scan of the whole
    /// scope costs about 1,000 and 4,000.
    #[test]
    fn prefix_lookup_cost_does_not_grow_with_declarations_in_scope() {
        let names = 2_000;
        let names_u64 = u64::try_from(names).expect("small");
        let per_name = |per_level: usize| {
            let one = parse_probes(&unused_declarations_then_names(10, per_level, names));
            let two = parse_probes(&unused_declarations_then_names(10, per_level, 2 * names));
            // Every name costs at least one probe: a lookup that is not counted fails here.
            assert!(two >= one + names_u64, "{one} → {two}");
            (two - one) / names_u64
        };
        let (few, many) = (per_name(100), per_name(400));
        assert!(
            few <= u64::try_from(SCAN_MAX).expect("small") && many <= few,
            "probes per prefixed name: {few} with 1,000 declarations in scope, {many} with 4,000"
        );
    }

    /// Doubling the hostile document (twice the declarations in scope, twice the names)
    /// about doubles the probes; a scan per name would quadruple them.
    #[test]
    fn hostile_namespace_shape_costs_linear_probes() {
        let small = unused_declarations_then_names(10, 200, 5_000);
        let large = unused_declarations_then_names(20, 200, 10_000);
        let (one, two) = (parse_probes(&small), parse_probes(&large));
        assert!(one >= 5_000, "{one}");
        assert!(
            two * 10 <= one * 22,
            "{} bytes: {one} probes; {} bytes: {two} probes",
            small.len(),
            large.len()
        );
    }

    /// The namespace limit counts the bindings in scope, shadowed ones included, and not
    /// those gone out of scope.
    #[test]
    fn namespace_limit_counts_bindings_in_scope() {
        let limits = Limits::default().with_max_namespace_declarations(3);
        let ok = "<a xmlns:p=\"urn:p\"><b xmlns:p=\"urn:q\" xmlns=\"urn:d\"/>\
                  <c xmlns:x=\"urn:x\" xmlns:y=\"urn:y\"/></a>";
        Document::parse_with_limits(ok, &limits).expect("three in scope at most");
        let over = "<a xmlns:p=\"urn:p\"><b xmlns:p=\"urn:q\" xmlns=\"urn:d\">\
                    <c xmlns:x=\"urn:x\"/></b></a>";
        let err = Document::parse_with_limits(over, &limits).expect_err("four in scope");
        assert_eq!(
            err.kind,
            XmlErrorKind::LimitExceeded {
                kind: LimitKind::NamespaceDeclarations,
                max: 3
            }
        );
        assert_eq!(err.position.offset, over.find("<c").expect("c"));
    }

    /// Past the scanned size, the index resolves shadowed, restored and duplicate
    /// declarations as the scan did.
    #[test]
    fn indexed_scope_resolves_like_the_scan() {
        let many: String = (0..40)
            .map(|i| format!(" xmlns:p{i}=\"urn:outer{i}\""))
            .collect();
        let text =
            format!("<r{many}><p3:a xmlns:p3=\"urn:inner\"><p3:b/></p3:a><p3:c p5:x=\"1\"/></r>");
        let doc = Document::parse(&text).expect("parses");
        let names: Vec<_> = doc
            .descendants(doc.root_element())
            .filter(|&n| doc.is_element(n))
            .map(|n| doc.namespace(n))
            .collect();
        assert_eq!(names, ["", "urn:inner", "urn:inner", "urn:outer3"]);
        let c = doc.element_children(doc.root_element()).nth(1).expect("c");
        assert_eq!(doc.attribute_ns(c, "urn:outer5", "x"), Some("1"));

        let twice = format!("<r{many} xmlns:p7=\"urn:again\"/>");
        let err = Document::parse(&twice).expect_err("p7 declared twice");
        assert_eq!(
            err.kind,
            XmlErrorKind::DuplicateAttribute("xmlns:p7".into())
        );
        let gone = format!("<r{many}><a xmlns:q=\"urn:q\"/><q:b/></r>");
        let err = Document::parse(&gone).expect_err("q out of scope");
        assert_eq!(err.kind, XmlErrorKind::UndeclaredPrefix("q".into()));
    }

    /// A recycled arena serves the next parse on the thread; one too large is freed.
    #[test]
    fn spare_arena_is_reused_and_bounded() {
        let text = format!("<a>{}</a>", "<b x=\"1\"/>".repeat(100));
        let doc = Document::parse(&text).expect("parses");
        let nodes = doc.nodes.capacity();
        assert!(nodes >= 101);
        doc.recycle();
        let again = Arena::take(0);
        assert!(
            again.nodes.capacity() >= nodes,
            "the spare arena was not reused"
        );
        assert!(again.nodes.is_empty() && again.attrs.is_empty());

        let mut big = Arena::default();
        big.nodes.reserve(MAX_SPARE_BYTES / size_of::<Node>() + 1);
        big.give_back();
        assert!(
            SPARE.with(|s| s.borrow().is_none()),
            "an arena over the limit was kept"
        );
    }
}
