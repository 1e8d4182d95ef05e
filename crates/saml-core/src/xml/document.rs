//! The arena [`Document`]: every node in document order, each knowing its parent, the end of
//! its subtree and its byte range in the decoded input.
//!
//! Nodes are stored in pre-order, so the descendants of a node are exactly the nodes that
//! follow it up to its `end`. Walking a subtree is a linear scan with no pointer chasing, and
//! "is X inside Y" is two integer comparisons.

use std::borrow::Cow;
use std::ops::Range;

use crate::cast::{range, to_u32, to_usize};

/// The index of a node in its [`Document`]. Only the document that produced a `NodeId` can
/// interpret it: using it with another document is a programming error and may panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The document node, parent of the document element and of top-level comments and
    /// processing instructions.
    pub const DOCUMENT: NodeId = NodeId(0);

    pub(crate) fn index(self) -> usize {
        to_usize(self.0)
    }
}

/// A string stored as a byte range, either in the decoded input or in the document's buffer of
/// values that needed decoding (entity references, attribute-value normalization).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Str {
    /// Start offset; the top bit selects the decoded-values buffer.
    start: u32,
    len: u32,
}

const DECODED: u32 = 1 << 31;

impl Str {
    pub(crate) const EMPTY: Str = Str { start: 0, len: 0 };

    pub(crate) fn source(range: Range<usize>) -> Self {
        // The parser refuses inputs of 2 GiB or more, so offsets fit in 31 bits.
        Str {
            start: to_u32(range.start),
            len: to_u32(range.end - range.start),
        }
    }

    pub(crate) fn decoded(range: Range<usize>) -> Self {
        Str {
            start: to_u32(range.start) | DECODED,
            len: to_u32(range.end - range.start),
        }
    }

    /// (start, length, whether it lives in the decoded-values buffer).
    pub(crate) fn parts(self) -> (usize, usize, bool) {
        (
            to_usize(self.start & !DECODED),
            to_usize(self.len),
            self.start & DECODED != 0,
        )
    }

    pub(crate) fn is_empty(self) -> bool {
        self.len == 0
    }

    /// Whether the string lives in the decoded-values buffer rather than the source.
    pub(crate) fn is_decoded(self) -> bool {
        self.start & DECODED != 0
    }
}

/// String equality for the names, prefixes and namespace URIs XML lookups compare: inline, with no
/// call into the C library's `memcmp` (whose call overhead dominated these comparisons in
/// the profile). Usually decided by the length or the first byte.
#[inline]
pub(crate) fn short_eq(a: &str, b: &str) -> bool {
    fn word(s: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..8 => {
            let pack = |s: &[u8]| s.iter().fold(0u64, |w, &x| (w << 8) | u64::from(x));
            pack(a) == pack(b)
        }
        // Namespace URIs differ at the end ("…:assertion", "…:protocol"): last word first,
        // then the rest a word at a time.
        8..=64 => {
            // Differences are OR-ed rather than tested one by one: an early-exit loop would
            // be turned back into a `bcmp` call.
            word(a, n - 8) == word(b, n - 8)
                && (0..n - 8)
                    .step_by(8)
                    .fold(0, |diff, at| diff | (word(a, at) ^ word(b, at)))
                    == 0
        }
        _ => a == b,
    }
}

/// What kind of node a [`NodeId`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeKind {
    /// The document node (always [`NodeId::DOCUMENT`]).
    Document,
    /// An element.
    Element,
    /// Character data, entity and character references decoded.
    Text,
    /// A CDATA section.
    CData,
    /// A comment.
    Comment,
    /// A processing instruction.
    ProcessingInstruction,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum NodeData {
    Document,
    Element(Element),
    Text(Str),
    CData(Str),
    Comment(Str),
    Pi { target: Str, data: Str },
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Element {
    pub(crate) prefix: Str,
    pub(crate) local: Str,
    pub(crate) ns: Str,
    /// Range into `Document::attrs`.
    pub(crate) attrs: (u32, u32),
    /// Range into `Document::decls`.
    pub(crate) decls: (u32, u32),
    /// Offset just past the `>` of the start tag (past `/>` for an empty-element tag).
    pub(crate) head_end: u32,
    /// Every namespace declaration and attribute in the start tag is written as Canonical
    /// XML writes one: ` name="value"`, a single space before, `=` right after the name, the
    /// value in double quotes and needing no escaping or normalization. c14n may then copy
    /// each one from the source.
    pub(crate) canonical_units: bool,
    /// The attributes (declarations aside) appear in canonical order: by namespace URI, then
    /// local name.
    pub(crate) attributes_sorted: bool,
    /// The end tag is exactly `</` QName `>`.
    pub(crate) canonical_tail: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub(crate) data: NodeData,
    pub(crate) parent: u32,
    /// One past the index of the last descendant.
    pub(crate) end: u32,
    /// Byte range of the node's markup in the decoded input (for an element, from `<` of the
    /// start tag to `>` of the end tag).
    pub(crate) span: (u32, u32),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Attr {
    pub(crate) prefix: Str,
    pub(crate) local: Str,
    pub(crate) ns: Str,
    pub(crate) value: Str,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Decl {
    /// Empty for the default namespace.
    pub(crate) prefix: Str,
    pub(crate) uri: Str,
}

/// Which attribute an ID-index entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IdEntry {
    pub(crate) value: Str,
    pub(crate) node: NodeId,
    /// True for the unqualified `ID` attribute, the only one SAML 2.0 references resolve to.
    pub(crate) is_saml_id: bool,
}

/// The result of looking up an ID value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdLookup {
    /// No element carries this value in an `ID` attribute.
    Missing,
    /// Exactly one element carries it.
    Unique(NodeId),
    /// More than one element carries this value in an ID-like attribute (`ID`, `Id`, `id`,
    /// `AssertionID`, `ResponseID`, `RequestID` or `xml:id`).
    Duplicate,
}

/// An attribute of an element, as read from the document (not yet trusted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attribute<'d> {
    /// The prefix as written (empty when unprefixed).
    pub prefix: &'d str,
    /// The local name.
    pub local_name: &'d str,
    /// The namespace URI (empty for unprefixed attributes, which are in no namespace).
    pub namespace: &'d str,
    /// The normalized value (XML 1.0 §3.3.3).
    pub value: &'d str,
}

/// A namespace declaration or binding: a prefix (empty for the default namespace) and a URI
/// (empty only for `xmlns=""`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Namespace<'d> {
    /// The prefix; empty for the default namespace.
    pub prefix: &'d str,
    /// The namespace URI; empty for an undeclared default namespace (`xmlns=""`).
    pub uri: &'d str,
}

/// A parsed, well-formed, namespace-resolved XML document. Nothing in it is trusted yet:
/// signature verification (in [`crate::dsig`]) decides which parts are.
///
/// # Unverified data
///
/// The public methods that read the content of a node (text, attribute values) are named
/// `*_unverified` so that a reviewer can grep for every read of data that no signature has
/// vouched for: `inspect`-style tools use them, and a login decision never should. The SAML
/// layer reads signed values through its own views, built from a verified signature's proof
/// token. The structure (names, namespaces, parents, children) is public as it is.
#[derive(Debug)]
pub struct Document<'a> {
    pub(crate) src: Cow<'a, str>,
    pub(crate) decoded: String,
    pub(crate) nodes: Vec<Node>,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) decls: Vec<Decl>,
    /// Sorted by value.
    pub(crate) ids: Vec<IdEntry>,
    pub(crate) root: NodeId,
    /// The limits it was parsed with; what is read from it later (an InclusiveNamespaces
    /// PrefixList) is held to them too.
    pub(crate) limits: super::Limits,
}

impl<'a> Document<'a> {
    /// Drops the document, handing its arena's vectors to the next document parsed on this
    /// thread (see `parse::Arena`). The verify paths call this when they are done.
    pub(crate) fn recycle(self) {
        let Document {
            decoded,
            nodes,
            attrs,
            decls,
            ids,
            ..
        } = self;
        super::parse::Arena {
            decoded,
            nodes,
            attrs,
            decls,
            ids,
        }
        .give_back();
    }

    pub(crate) fn str(&self, s: Str) -> &str {
        let (buf, start) = if s.start & DECODED != 0 {
            (self.decoded.as_str(), to_usize(s.start & !DECODED))
        } else {
            (&*self.src, to_usize(s.start))
        };
        // Every `Str` is built by the parser from ranges on UTF-8 boundaries of these buffers.
        buf.get(start..start + to_usize(s.len)).unwrap_or_default()
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub(crate) fn element(&self, id: NodeId) -> Option<&Element> {
        match &self.nodes.get(id.index())?.data {
            NodeData::Element(e) => Some(e),
            _ => None,
        }
    }

    /// The decoded input the byte ranges refer to (after BOM removal and line-ending
    /// normalization).
    pub fn source(&self) -> &str {
        &self.src
    }

    /// The document element.
    pub fn root_element(&self) -> NodeId {
        self.root
    }

    /// The number of nodes, the document node included.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// What kind of node `id` is.
    pub fn kind(&self, id: NodeId) -> NodeKind {
        match self.node(id).data {
            NodeData::Document => NodeKind::Document,
            NodeData::Element(_) => NodeKind::Element,
            NodeData::Text(_) => NodeKind::Text,
            NodeData::CData(_) => NodeKind::CData,
            NodeData::Comment(_) => NodeKind::Comment,
            NodeData::Pi { .. } => NodeKind::ProcessingInstruction,
        }
    }

    /// Whether `id` is an element.
    pub fn is_element(&self, id: NodeId) -> bool {
        matches!(self.node(id).data, NodeData::Element(_))
    }

    /// The parent of `id` (`None` only for the document node).
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.node(id).parent;
        (p != u32::MAX).then_some(NodeId(p))
    }

    /// The byte range of `id`'s markup in [`source`](Self::source).
    pub fn span(&self, id: NodeId) -> Range<usize> {
        range(self.node(id).span)
    }

    /// Whether `node` is `ancestor` or inside it.
    pub fn is_inside(&self, node: NodeId, ancestor: NodeId) -> bool {
        node.0 >= ancestor.0 && node.0 < self.node(ancestor).end
    }

    /// All child nodes of `id`, in document order.
    pub fn children(&self, id: NodeId) -> Children<'_, 'a> {
        Children {
            doc: self,
            next: id.0 + 1,
            end: self.node(id).end,
        }
    }

    /// `id` and every node inside it, in document order.
    pub fn descendants(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        (id.0..self.node(id).end).map(NodeId)
    }

    /// The element children of `id`, in document order.
    pub fn element_children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.children(id).filter(|&c| self.is_element(c))
    }

    /// The local name of an element (empty for other nodes).
    pub fn local_name(&self, id: NodeId) -> &str {
        self.element(id).map_or("", |e| self.str(e.local))
    }

    /// The prefix of an element as written (empty when unprefixed, and for other nodes).
    pub fn prefix(&self, id: NodeId) -> &str {
        self.element(id).map_or("", |e| self.str(e.prefix))
    }

    /// The namespace URI of an element (empty when it is in no namespace).
    pub fn namespace(&self, id: NodeId) -> &str {
        self.element(id).map_or("", |e| self.str(e.ns))
    }

    /// The qualified name as written (`prefix:local` or `local`).
    pub fn qualified_name(&self, id: NodeId) -> Cow<'_, str> {
        let prefix = self.prefix(id);
        if prefix.is_empty() {
            Cow::Borrowed(self.local_name(id))
        } else {
            Cow::Owned(format!("{prefix}:{}", self.local_name(id)))
        }
    }

    /// Whether `id` is an element with this namespace URI and local name. Elements are always
    /// matched this way, never by prefix.
    pub fn is(&self, id: NodeId, namespace: &str, local_name: &str) -> bool {
        self.element(id).is_some_and(|e| {
            short_eq(self.str(e.local), local_name) && short_eq(self.str(e.ns), namespace)
        })
    }

    /// The attributes of an element in document order (namespace declarations excluded). Not
    /// verified: see [`Document`]'s "Unverified data" section.
    pub fn attributes_unverified(
        &self,
        id: NodeId,
    ) -> impl ExactSizeIterator<Item = Attribute<'_>> + '_ {
        self.attributes(id)
    }

    pub(crate) fn attributes(
        &self,
        id: NodeId,
    ) -> impl ExactSizeIterator<Item = Attribute<'_>> + '_ {
        let attrs = self.element(id).map_or((0, 0), |e| e.attrs);
        self.attrs[range(attrs)].iter().map(|a| Attribute {
            prefix: self.str(a.prefix),
            local_name: self.str(a.local),
            namespace: self.str(a.ns),
            value: self.str(a.value),
        })
    }

    /// The value of the attribute in no namespace with this local name (SAML's own
    /// attributes, such as `ID` or `Destination`, are unqualified). Not verified.
    pub fn attribute_unverified(&self, id: NodeId, local_name: &str) -> Option<&str> {
        self.attribute(id, local_name)
    }

    pub(crate) fn attribute(&self, id: NodeId, local_name: &str) -> Option<&str> {
        self.attribute_ns(id, "", local_name)
    }

    /// The value of the attribute with this namespace URI and local name. Not verified.
    pub fn attribute_ns_unverified(
        &self,
        id: NodeId,
        namespace: &str,
        local_name: &str,
    ) -> Option<&str> {
        self.attribute_ns(id, namespace, local_name)
    }

    pub(crate) fn attribute_ns(
        &self,
        id: NodeId,
        namespace: &str,
        local_name: &str,
    ) -> Option<&str> {
        let attrs = self.element(id).map_or((0, 0), |e| e.attrs);
        // Names first (usually a length mismatch); the namespace only for a matching name.
        self.attrs[range(attrs)]
            .iter()
            .find(|a| {
                short_eq(self.str(a.local), local_name) && short_eq(self.str(a.ns), namespace)
            })
            .map(|a| self.str(a.value))
    }

    /// The namespace declarations an element carries, in document order.
    pub fn namespace_declarations(
        &self,
        id: NodeId,
    ) -> impl ExactSizeIterator<Item = Namespace<'_>> + '_ {
        let decls = self.element(id).map_or((0, 0), |e| e.decls);
        self.decls[range(decls)].iter().map(|d| Namespace {
            prefix: self.str(d.prefix),
            uri: self.str(d.uri),
        })
    }

    /// The namespaces in scope at an element, nearest declaration winning, sorted by prefix.
    /// The implicit `xml` binding and an empty default (`xmlns=""`) are not listed.
    pub fn in_scope_namespaces(&self, id: NodeId) -> Vec<Namespace<'_>> {
        self.in_scope_declarations(id)
            .into_iter()
            .map(|i| {
                let d = &self.decls[to_usize(i)];
                Namespace {
                    prefix: self.str(d.prefix),
                    uri: self.str(d.uri),
                }
            })
            .filter(|n| !n.uri.is_empty())
            .collect()
    }

    /// The declarations in scope at an element, as indices into `decls`, nearest winning,
    /// sorted by prefix; an empty default (`xmlns=""`) included. O(n log n) in the
    /// declarations on the element and its ancestors (checking each against those kept so far
    /// would be quadratic).
    pub(crate) fn in_scope_declarations(&self, id: NodeId) -> Vec<u32> {
        let mut all: Vec<u32> = Vec::new();
        let mut cur = Some(id);
        while let Some(n) = cur {
            if let Some(el) = self.element(n) {
                all.extend(el.decls.0..el.decls.1);
            }
            cur = self.parent(n);
        }
        // Nearest first, and a stable sort keeps that order among equal prefixes.
        all.sort_by(|&a, &b| {
            self.str(self.decls[to_usize(a)].prefix)
                .cmp(self.str(self.decls[to_usize(b)].prefix))
        });
        all.dedup_by(|a, b| {
            short_eq(
                self.str(self.decls[to_usize(*a)].prefix),
                self.str(self.decls[to_usize(*b)].prefix),
            )
        });
        all
    }

    /// The value of a text, CDATA or comment node, or the data of a processing instruction;
    /// empty for elements and the document node. Not verified.
    pub fn value_unverified(&self, id: NodeId) -> &str {
        self.value(id)
    }

    pub(crate) fn value(&self, id: NodeId) -> &str {
        match self.node(id).data {
            NodeData::Text(s) | NodeData::CData(s) | NodeData::Comment(s) => self.str(s),
            NodeData::Pi { data, .. } => self.str(data),
            NodeData::Document | NodeData::Element(_) => "",
        }
    }

    /// The text content of an element: the concatenation of all its text and CDATA children, in
    /// order. Comments and processing instructions never split a value (the comment-truncation
    /// attack, CVE-2017-11427); child elements contribute nothing. Not verified.
    pub fn text_unverified(&self, id: NodeId) -> Cow<'_, str> {
        self.text(id)
    }

    pub(crate) fn text(&self, id: NodeId) -> Cow<'_, str> {
        let mut parts = self.children(id).filter_map(|c| match self.node(c).data {
            NodeData::Text(s) | NodeData::CData(s) => Some(self.str(s)),
            _ => None,
        });
        let Some(first) = parts.next() else {
            return Cow::Borrowed("");
        };
        match parts.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut s = String::with_capacity(first.len() + second.len());
                s.push_str(first);
                s.push_str(second);
                parts.for_each(|p| s.push_str(p));
                Cow::Owned(s)
            }
        }
    }

    /// Whether an element has a comment or processing-instruction child.
    pub fn has_comment_or_pi_child(&self, id: NodeId) -> bool {
        self.children(id).any(|c| {
            matches!(
                self.node(c).data,
                NodeData::Comment(_) | NodeData::Pi { .. }
            )
        })
    }

    /// Looks up the element whose ID-like attribute has this value. Only the unqualified `ID`
    /// attribute (the SAML 2.0 schema's ID) resolves; a value that also appears in any other
    /// ID-like attribute (`Id`, `id`, `AssertionID`, `ResponseID`, `RequestID`, `xml:id`) or twice
    /// is reported as a duplicate.
    pub fn element_by_id(&self, value: &str) -> IdLookup {
        let start = self.ids.partition_point(|e| self.str(e.value) < value);
        let mut matching = self.ids[start..]
            .iter()
            .take_while(|e| self.str(e.value) == value);
        match (matching.next(), matching.next()) {
            (None, _) => IdLookup::Missing,
            (Some(e), None) if e.is_saml_id => IdLookup::Unique(e.node),
            (Some(_), None) => IdLookup::Missing,
            (Some(_), Some(_)) => IdLookup::Duplicate,
        }
    }

    /// The first ID value that occurs more than once among the document's ID-like attributes.
    pub fn duplicate_id(&self) -> Option<&str> {
        self.ids
            .windows(2)
            .find(|w| self.str(w[0].value) == self.str(w[1].value))
            .map(|w| self.str(w[0].value))
    }
}

/// Iterator over the children of a node.
#[derive(Clone, Debug)]
pub struct Children<'d, 'a> {
    doc: &'d Document<'a>,
    next: u32,
    end: u32,
}

impl Iterator for Children<'_, '_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.end {
            return None;
        }
        let id = NodeId(self.next);
        self.next = self.doc.node(id).end;
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::short_eq;

    /// Agrees with `==` for every length up to past the word-loop limit, with a difference
    /// at every position and with lengths that differ.
    #[test]
    fn short_eq_agrees_with_eq() {
        for n in 0..80 {
            let a: String = (b'a'..=b'z').cycle().take(n).map(char::from).collect();
            assert!(short_eq(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'#';
                let b = String::from_utf8(b).expect("ASCII");
                assert!(!short_eq(&a, &b), "{n} differs at {at}");
            }
            assert!(!short_eq(&a, &format!("{a}x")), "{n} vs longer");
        }
    }
}
