//! Canonical XML 1.0, Canonical XML 1.1 and Exclusive XML Canonicalization 1.0, each with or
//! without comments, streamed into any [`Sink`].
//!
//! The document subsets supported are the ones XML Signature over SAML needs: the whole
//! document, or one element's subtree, in both cases optionally without one descendant
//! element's subtree (the enveloped-signature transform). Output is written as it is produced,
//! so a digest can consume it with no intermediate string.
//!
//! Rules implemented (references are to the W3C Recommendations):
//! - namespace nodes: inclusive c14n renders, at the apex, every namespace in scope, and below
//!   it every declaration whose value differs from the parent's (superfluous declarations
//!   removed; `xmlns=""` only where the parent had a default namespace); exclusive c14n renders
//!   a namespace only where it is visibly utilized (the element's prefix, or an attribute's) and
//!   not already rendered with the same value by an output ancestor, and treats the prefixes of
//!   the InclusiveNamespaces PrefixList (`#default` for the default namespace) the inclusive way;
//! - order: namespace declarations by prefix (default first), then attributes by namespace URI
//!   (none first) and local name;
//! - escaping: text `&amp; &lt; &gt; &#xD;`; attribute values `&amp; &lt; &quot; &#x9; &#xA;
//!   &#xD;`;
//! - `xml:*` attributes of the apex's ancestors: inherited by Canonical XML 1.0; by 1.1 only
//!   `xml:lang` and `xml:space`, with `xml:base` joined (§2.4) and `xml:id` not inherited;
//!   never by exclusive c14n;
//! - comments and processing instructions outside the document element, each on its own line.

use std::collections::HashSet;

use super::document::{Attr, Attribute, Document, NodeData, NodeId, Str, short_eq};
use super::error::LimitKind;
use super::parse::XML_NAMESPACE;
use super::scope::{Scope, probe};
use super::swar;
use crate::cast::{range, to_usize};

/// A destination for canonical bytes.
pub trait Sink {
    /// Appends bytes.
    fn write(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A canonicalization algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Algorithm {
    /// Exclusive XML Canonicalization 1.0 (`http://www.w3.org/2001/10/xml-exc-c14n#`).
    Exclusive,
    /// Canonical XML 1.0 (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`).
    Inclusive10,
    /// Canonical XML 1.1 (`http://www.w3.org/2006/12/xml-c14n11`).
    Inclusive11,
}

/// A canonicalization method: algorithm, comment handling and, for exclusive c14n, the
/// InclusiveNamespaces PrefixList.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method<'a> {
    algorithm: Algorithm,
    with_comments: bool,
    inclusive_prefixes: PrefixSet<'a>,
}

/// An InclusiveNamespaces PrefixList as a set: its tokens without duplicates, in the order
/// first listed. Real lists have one to five tokens and are scanned; past
/// [`PrefixSet::SCAN_MAX`] the tokens are also hashed (with a keyed hash, so that no list can
/// be made to collide), and adding a token or asking whether one is listed costs O(1)
/// however long the list (sorting would cost O(n log n) string comparisons).
#[derive(Clone, Debug, Default)]
struct PrefixSet<'a> {
    tokens: Vec<&'a str>,
    index: Option<HashSet<&'a str>>,
}

impl PartialEq for PrefixSet<'_> {
    fn eq(&self, other: &Self) -> bool {
        // The index holds the same tokens.
        self.tokens == other.tokens
    }
}

impl Eq for PrefixSet<'_> {}

impl<'a> PrefixSet<'a> {
    /// Lists up to this long are scanned.
    const SCAN_MAX: usize = 8;

    /// Adds `more`, each token hashed once: a long list fills an index sized for it up front
    /// (growing one would hash every token again at each doubling), in place.
    fn extend(&mut self, mut more: Vec<&'a str>) {
        if self.tokens.is_empty() && more.len() > Self::SCAN_MAX {
            let mut index = HashSet::with_capacity(more.len());
            more.retain(|&t| {
                probe();
                index.insert(t)
            });
            *self = Self {
                tokens: more,
                index: Some(index),
            };
            return;
        }
        if let Some(index) = &mut self.index {
            index.reserve(more.len());
        }
        for t in more {
            self.insert(t);
        }
    }

    fn insert(&mut self, token: &'a str) {
        let fresh = match &mut self.index {
            Some(index) => {
                probe();
                index.insert(token)
            }
            None => !self.contains(token),
        };
        if fresh {
            self.tokens.push(token);
            if self.index.is_none() && self.tokens.len() > Self::SCAN_MAX {
                self.index = Some(self.tokens.iter().copied().collect());
            }
        }
    }

    fn contains(&self, token: &str) -> bool {
        match &self.index {
            Some(index) => {
                probe();
                index.contains(token)
            }
            None => self.tokens.iter().any(|t| {
                probe();
                short_eq(t, token)
            }),
        }
    }
}

/// Canonical XML 1.0 URI.
pub const C14N10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Canonical XML 1.0 with comments URI.
pub const C14N10_WITH_COMMENTS: &str =
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// Canonical XML 1.1 URI.
pub const C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
/// Canonical XML 1.1 with comments URI.
pub const C14N11_WITH_COMMENTS: &str = "http://www.w3.org/2006/12/xml-c14n11#WithComments";
/// Exclusive XML Canonicalization 1.0 URI.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive XML Canonicalization 1.0 with comments URI.
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

impl Method<'static> {
    /// A method with no InclusiveNamespaces prefixes.
    pub fn new(algorithm: Algorithm, with_comments: bool) -> Self {
        Self {
            algorithm,
            with_comments,
            inclusive_prefixes: PrefixSet::default(),
        }
    }

    /// The method named by an algorithm URI, if it is one of the six canonicalization URIs.
    pub fn from_uri(uri: &str) -> Option<Self> {
        let (algorithm, with_comments) = match uri {
            C14N10 => (Algorithm::Inclusive10, false),
            C14N10_WITH_COMMENTS => (Algorithm::Inclusive10, true),
            C14N11 => (Algorithm::Inclusive11, false),
            C14N11_WITH_COMMENTS => (Algorithm::Inclusive11, true),
            EXC_C14N => (Algorithm::Exclusive, false),
            EXC_C14N_WITH_COMMENTS => (Algorithm::Exclusive, true),
            _ => return None,
        };
        Some(Self::new(algorithm, with_comments))
    }
}

impl<'a> Method<'a> {
    /// Adds prefixes to the InclusiveNamespaces PrefixList (`#default` names the default
    /// namespace). Only exclusive c14n uses it. Duplicates are dropped; each prefix costs O(1).
    /// No limit applies here: to read a PrefixList from a message, use
    /// [`with_prefix_list`](Self::with_prefix_list).
    pub fn with_inclusive_prefixes<'b>(
        self,
        prefixes: impl IntoIterator<Item = &'b str>,
    ) -> Method<'b>
    where
        'a: 'b,
    {
        let mut inclusive_prefixes: PrefixSet<'b> = self.inclusive_prefixes;
        inclusive_prefixes.extend(prefixes.into_iter().collect());
        Method {
            algorithm: self.algorithm,
            with_comments: self.with_comments,
            inclusive_prefixes,
        }
    }

    /// Adds the prefixes of a `PrefixList` attribute value (tokens separated by whitespace)
    /// read from a message, refusing more than `max_tokens` tokens (duplicates counted) with
    /// [`C14nError::LimitExceeded`] before any is kept. The verifier passes
    /// [`Limits::max_prefix_list_tokens`](super::Limits::max_prefix_list_tokens).
    pub fn with_prefix_list<'b>(
        self,
        prefix_list: &'b str,
        max_tokens: usize,
    ) -> Result<Method<'b>, C14nError>
    where
        'a: 'b,
    {
        let mut tokens = Vec::new();
        for token in prefix_list.split_ascii_whitespace() {
            if tokens.len() == max_tokens {
                return Err(C14nError::LimitExceeded {
                    kind: LimitKind::PrefixListTokens,
                    max: max_tokens,
                });
            }
            tokens.push(token);
        }
        let mut inclusive_prefixes: PrefixSet<'b> = self.inclusive_prefixes;
        inclusive_prefixes.extend(tokens);
        Ok(Method {
            algorithm: self.algorithm,
            with_comments: self.with_comments,
            inclusive_prefixes,
        })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether comments are kept.
    pub fn with_comments(&self) -> bool {
        self.with_comments
    }

    /// The InclusiveNamespaces PrefixList, without duplicates, in the order first listed.
    pub fn inclusive_prefixes(&self) -> &[&'a str] {
        &self.inclusive_prefixes.tokens
    }

    /// Whether exclusive c14n treats the in-scope `prefix` (empty for the default namespace)
    /// the inclusive way: the PrefixList names it. O(1) (see [`PrefixSet`]).
    fn lists(&self, prefix: &str) -> bool {
        let has = |token: &str| self.inclusive_prefixes.contains(token);
        if prefix.is_empty() {
            // `#default`, or an empty token given through `with_inclusive_prefixes`.
            has("#default") || has("")
        } else {
            has(prefix) && prefix != "xml" && prefix != "xmlns"
        }
    }

    /// The algorithm URI of this method.
    pub fn uri(&self) -> &'static str {
        match (self.algorithm, self.with_comments) {
            (Algorithm::Inclusive10, false) => C14N10,
            (Algorithm::Inclusive10, true) => C14N10_WITH_COMMENTS,
            (Algorithm::Inclusive11, false) => C14N11,
            (Algorithm::Inclusive11, true) => C14N11_WITH_COMMENTS,
            (Algorithm::Exclusive, false) => EXC_C14N,
            (Algorithm::Exclusive, true) => EXC_C14N_WITH_COMMENTS,
        }
    }
}

/// Why a canonicalization could not be produced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum C14nError {
    /// The apex of a subtree must be an element.
    #[error("the node to canonicalize is not an element")]
    NotAnElement,
    /// The excluded node must be an element inside the canonicalized subtree.
    #[error("the excluded node is not an element inside the canonicalized subtree")]
    ExcludedNodeOutside,
    /// A limit of [`Limits`](super::Limits) on what the method reads from the message was
    /// exceeded (an InclusiveNamespaces PrefixList with too many tokens).
    #[error("limit exceeded: {kind} (maximum {max})")]
    LimitExceeded {
        /// Which limit.
        kind: LimitKind,
        /// The configured maximum.
        max: usize,
    },
}

/// Canonicalizes the whole document (`apex` = `None`) or one element's subtree, optionally
/// without the subtree of `exclude`, writing the canonical form into `out`.
pub fn canonicalize<S: Sink + ?Sized>(
    doc: &Document<'_>,
    apex: Option<NodeId>,
    exclude: Option<NodeId>,
    method: &Method<'_>,
    out: &mut S,
) -> Result<(), C14nError> {
    run(doc, apex, exclude, method, out, true)
}

/// [`canonicalize`] without copying canonically written markup from the source: every byte
/// is produced by the rules. The reference the shortcut is tested against.
pub(crate) fn canonicalize_by_rules<S: Sink + ?Sized>(
    doc: &Document<'_>,
    apex: Option<NodeId>,
    exclude: Option<NodeId>,
    method: &Method<'_>,
    out: &mut S,
) -> Result<(), C14nError> {
    run(doc, apex, exclude, method, out, false)
}

/// Bytes spliced into the canonical form of a subtree at one place: the signer's digest of
/// an element that is to receive, inside it, a Signature it has already made (whose canonical
/// text it knows), without parsing the document again. The bytes must be the canonical form,
/// in that place, of what is to be inserted there; nothing checks it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Insertion<'b> {
    /// Right after the end tag of this element.
    After(NodeId, &'b [u8]),
    /// Right after the start tag of this element, before its first child.
    FirstChildOf(NodeId, &'b [u8]),
}

/// [`canonicalize`] of the subtree of `apex` (nothing excluded) with `insertion` spliced in.
///
/// # Errors
///
/// As [`canonicalize`]; [`C14nError::ExcludedNodeOutside`] when the element of `insertion`
/// is not an element inside the subtree (or, for [`Insertion::After`], is the apex itself).
pub(crate) fn canonicalize_with_insertion<S: Sink + ?Sized>(
    doc: &Document<'_>,
    apex: NodeId,
    method: &Method<'_>,
    out: &mut S,
    insertion: Insertion<'_>,
) -> Result<(), C14nError> {
    let (at, after) = match insertion {
        Insertion::After(n, _) => (n, true),
        Insertion::FirstChildOf(n, _) => (n, false),
    };
    if !doc.is_element(at) || !doc.is_inside(at, apex) || (after && at == apex) {
        return Err(C14nError::ExcludedNodeOutside);
    }
    run_with(doc, Some(apex), None, method, out, true, Some(insertion))
}

fn run<S: Sink + ?Sized>(
    doc: &Document<'_>,
    apex: Option<NodeId>,
    exclude: Option<NodeId>,
    method: &Method<'_>,
    out: &mut S,
    shortcuts: bool,
) -> Result<(), C14nError> {
    run_with(doc, apex, exclude, method, out, shortcuts, None)
}

fn run_with<S: Sink + ?Sized>(
    doc: &Document<'_>,
    apex: Option<NodeId>,
    exclude: Option<NodeId>,
    method: &Method<'_>,
    out: &mut S,
    shortcuts: bool,
    insertion: Option<Insertion<'_>>,
) -> Result<(), C14nError> {
    let top = apex.unwrap_or(NodeId::DOCUMENT);
    if let Some(a) = apex
        && !doc.is_element(a)
    {
        return Err(C14nError::NotAnElement);
    }
    if let Some(x) = exclude
        && (!doc.is_element(x) || x == top || !doc.is_inside(x, top))
    {
        return Err(C14nError::ExcludedNodeOutside);
    }
    let mut writer = Writer {
        doc,
        method,
        out,
        rendered: Scope::with_capacity(8),
        scope: Scope::with_capacity(8),
        ns_buf: Vec::new(),
        attr_buf: Vec::new(),
        shortcuts,
        order_buf: Vec::new(),
        pending: (0, 0),
        insertion,
    };
    match apex {
        Some(a) => writer.subtree(a, exclude, true),
        None => {
            let root = doc.root_element();
            let mut after_root = false;
            for child in doc.children(NodeId::DOCUMENT) {
                if Some(child) == exclude {
                    continue;
                }
                match doc.node(child).data {
                    NodeData::Element(_) => {
                        writer.subtree(root, exclude, false);
                        after_root = true;
                    }
                    NodeData::Comment(_) if !method.with_comments => {}
                    NodeData::Comment(_) | NodeData::Pi { .. } => {
                        if after_root {
                            writer.sink().write(b"\n");
                        }
                        writer.leaf(child);
                        if !after_root {
                            writer.sink().write(b"\n");
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    writer.flush();
    Ok(())
}

/// The length of a qualified name as written: `prefix:local` or `local`.
fn qname_len(prefix: Str, local: Str) -> usize {
    let local = local.parts().1;
    match prefix.parts().1 {
        0 => local,
        p => p + 1 + local,
    }
}

/// No declaration: a [`NamespaceNode`] for an unbound default namespace.
const NO_DECLARATION: u32 = u32::MAX;

/// A namespace node to render: prefix and URI borrowed from the document, and the index in
/// `Document::decls` of the declaration in scope that binds it ([`NO_DECLARATION`] for the
/// empty default namespace when nothing binds it).
#[derive(Clone, Copy, Debug)]
struct NamespaceNode<'d> {
    prefix: &'d str,
    uri: &'d str,
    declaration: u32,
}

struct Writer<'w, 'd, 'a, S: Sink + ?Sized> {
    doc: &'d Document<'a>,
    method: &'w Method<'w>,
    out: &'w mut S,
    /// Namespace nodes rendered by output ancestors: prefix → URI.
    rendered: Scope<'d, &'d str>,
    /// Namespace bindings in scope: prefix → (URI, index of the declaration in
    /// `Document::decls`).
    scope: Scope<'d, (&'d str, u32)>,
    /// Reused per element: namespace nodes to render.
    ns_buf: Vec<NamespaceNode<'d>>,
    /// Reused per element: attributes to render.
    attr_buf: Vec<Attribute<'d>>,
    /// Whether markup whose canonical form is its source text may be copied from the source.
    shortcuts: bool,
    /// Reused per element: attributes to copy, in canonical order.
    order_buf: Vec<Attr>,
    /// Source range copied but not yet written: consecutive copies join into one write.
    pending: (usize, usize),
    /// Bytes to splice in at one place (see [`canonicalize_with_insertion`]).
    insertion: Option<Insertion<'w>>,
}

impl<'d, S: Sink + ?Sized> Writer<'_, 'd, '_, S> {
    /// Writes the pending source range, if any.
    fn flush(&mut self) {
        let (start, end) = std::mem::take(&mut self.pending);
        if start < end {
            self.out.write(
                self.doc
                    .source()
                    .as_bytes()
                    .get(start..end)
                    .unwrap_or_default(),
            );
        }
    }

    /// The output, with what was copied before written first.
    fn sink(&mut self) -> &mut S {
        self.flush();
        self.out
    }

    /// Emits source bytes `start..end`, which are their own canonical form.
    fn copy(&mut self, start: usize, end: usize) {
        if self.pending.1 != start {
            self.flush();
            self.pending.0 = start;
        }
        self.pending.1 = end;
    }

    /// Writes the subtree of element `apex`. `orphan` is true when the apex's parent is not in
    /// the node set (a subtree rather than the whole document), which matters for namespace
    /// and `xml:*` inheritance.
    fn subtree(&mut self, apex: NodeId, exclude: Option<NodeId>, orphan: bool) {
        let doc = self.doc;
        // (end index, node, rendered mark, scope mark) of each open element.
        let mut open: Vec<(u32, NodeId, usize, usize)> = Vec::new();
        let stop = doc.node(apex).end;
        let mut i = apex.0;
        while i < stop {
            while let Some(&(end, node, r, s)) = open.last() {
                if end > i {
                    break;
                }
                self.end_tag(node);
                self.insert_after(node);
                self.rendered.truncate(r);
                self.scope.truncate(s);
                open.pop();
            }
            let id = NodeId(i);
            if Some(id) == exclude {
                i = doc.node(id).end;
                continue;
            }
            match doc.node(id).data {
                NodeData::Element(_) => {
                    let marks = (self.rendered.len(), self.scope.len());
                    self.start_tag(id, id == apex, orphan);
                    if let Some(Insertion::FirstChildOf(n, bytes)) = self.insertion
                        && n == id
                    {
                        self.sink().write(bytes);
                    }
                    open.push((doc.node(id).end, id, marks.0, marks.1));
                }
                _ => self.leaf(id),
            }
            i += 1;
        }
        while let Some((_, node, r, s)) = open.pop() {
            self.end_tag(node);
            self.insert_after(node);
            self.rendered.truncate(r);
            self.scope.truncate(s);
        }
    }

    /// Writes the bytes of an [`Insertion::After`] `node`, if that is the insertion.
    fn insert_after(&mut self, node: NodeId) {
        if let Some(Insertion::After(n, bytes)) = self.insertion
            && n == node
        {
            self.sink().write(bytes);
        }
    }

    fn leaf(&mut self, id: NodeId) {
        let doc = self.doc;
        match doc.node(id).data {
            // Text read from the source as is (no references) can hold no `&`, `<` or
            // carriage return; without `>` it is its own canonical form.
            NodeData::Text(s)
                if self.shortcuts
                    && !s.is_decoded()
                    && memchr::memchr(b'>', doc.str(s).as_bytes()).is_none() =>
            {
                let span = doc.span(id);
                self.copy(span.start, span.end);
            }
            NodeData::Text(s) | NodeData::CData(s) => escape_text(self.sink(), doc.str(s)),
            NodeData::Comment(_) if self.shortcuts && self.method.with_comments => {
                let span = doc.span(id);
                self.copy(span.start, span.end);
            }
            NodeData::Comment(s) => {
                if self.method.with_comments {
                    self.sink().write(b"<!--");
                    self.sink().write(doc.str(s).as_bytes());
                    self.sink().write(b"-->");
                }
            }
            NodeData::Pi { target, data } => {
                self.sink().write(b"<?");
                self.sink().write(doc.str(target).as_bytes());
                let data = doc.str(data);
                if !data.is_empty() {
                    self.sink().write(b" ");
                    self.sink().write(data.as_bytes());
                }
                self.sink().write(b"?>");
            }
            NodeData::Document | NodeData::Element(_) => {}
        }
    }

    fn write_qname(&mut self, prefix: &str, local: &str) {
        if !prefix.is_empty() {
            self.sink().write(prefix.as_bytes());
            self.sink().write(b":");
        }
        self.sink().write(local.as_bytes());
    }

    /// Copies one canonically written attribute, ` QName="value"`, from the source.
    fn copy_attribute(&mut self, a: &Attr) {
        let (value_start, value_len, _) = a.value.parts();
        let start = value_start - 3 - qname_len(a.prefix, a.local);
        self.copy(start, value_start + value_len + 1);
    }

    /// Writes one namespace node: ` xmlns="uri"` or ` xmlns:prefix="uri"`.
    fn write_namespace(&mut self, prefix: &str, uri: &str) {
        if prefix.is_empty() {
            self.sink().write(b" xmlns=\"");
        } else {
            self.sink().write(b" xmlns:");
            self.sink().write(prefix.as_bytes());
            self.sink().write(b"=\"");
        }
        escape_attribute(self.sink(), uri);
        self.sink().write(b"\"");
    }

    fn end_tag(&mut self, id: NodeId) {
        let doc = self.doc;
        if self.shortcuts
            && let Some(el) = doc.element(id)
            && el.canonical_tail
        {
            // The end tag is `</` QName `>` and ends the element's span.
            let end = doc.span(id).end;
            self.copy(end - qname_len(el.prefix, el.local) - 3, end);
            return;
        }
        self.sink().write(b"</");
        self.write_qname(doc.prefix(id), doc.local_name(id));
        self.sink().write(b">");
    }

    fn start_tag(&mut self, id: NodeId, is_apex: bool, orphan: bool) {
        let doc = self.doc;
        let mut ns = std::mem::take(&mut self.ns_buf);
        ns.clear();
        let exclusive = self.method.algorithm == Algorithm::Exclusive;

        // Bring the bindings in scope into `scope`: at an orphan apex every one in scope
        // there (an empty default left out), elsewhere the element's own.
        let scope_mark = self.scope.len();
        let own = doc.element(id).map_or((0, 0), |el| el.decls);
        if is_apex && orphan {
            for i in doc.in_scope_declarations(id) {
                let d = &doc.decls[to_usize(i)];
                let uri = doc.str(d.uri);
                if !uri.is_empty() {
                    self.scope.push(doc.str(d.prefix), (uri, i));
                }
            }
        } else {
            for i in own.0..own.1 {
                let d = &doc.decls[to_usize(i)];
                self.scope.push(doc.str(d.prefix), (doc.str(d.uri), i));
            }
        }

        if exclusive {
            let element_prefix = doc.prefix(id);
            self.consider(&mut ns, element_prefix);
            if let Some(el) = doc.element(id) {
                for a in &doc.attrs[range(el.attrs)] {
                    let prefix = doc.str(a.prefix);
                    if !prefix.is_empty() && prefix != "xml" {
                        self.consider(&mut ns, prefix);
                    }
                }
            }
            // The PrefixList, the inclusive way: each listed prefix bound here is considered
            // (`#default` is the default namespace; a listed prefix bound nowhere is not
            // rendered, nor is an unbound default namespace at the apex, where nothing has
            // been rendered yet). At the apex these are all the bindings in scope, each looked
            // up in the list, so the list's length does not matter. Below it only the
            // element's own declarations can bind a listed prefix differently from the
            // parent, which (always output: only whole subtrees are excluded) rendered it or
            // found it already rendered. Considering every listed prefix at every element
            // would cost elements × list length.
            if !self.method.inclusive_prefixes().is_empty() {
                // The bindings this element brought into `scope` (see above).
                for i in scope_mark..self.scope.len() {
                    let p = self.scope.entries()[i].0;
                    if self.method.lists(p) {
                        self.consider(&mut ns, p);
                    }
                }
            }
        } else if is_apex && orphan {
            // Every binding in scope.
            ns.extend(self.scope.entries()[scope_mark..].iter().map(
                |&(prefix, (uri, declaration))| NamespaceNode {
                    prefix,
                    uri,
                    declaration,
                },
            ));
        } else {
            for i in own.0..own.1 {
                let d = &doc.decls[to_usize(i)];
                let (prefix, uri) = (doc.str(d.prefix), doc.str(d.uri));
                let current = self.rendered.get(prefix).map_or("", |(_, r)| r);
                if !short_eq(current, uri) {
                    ns.push(NamespaceNode {
                        prefix,
                        uri,
                        declaration: i,
                    });
                }
            }
        }
        ns.sort_unstable_by(|a, b| a.prefix.cmp(b.prefix));
        ns.dedup_by(|a, b| a.prefix == b.prefix);

        // When every declaration and attribute is written canonically (see
        // `Element::canonical_units`), the start tag is copied from the source piece by piece:
        // `<` QName; each namespace node the element declares itself with the same value;
        // the attributes in canonical order; `>`. Only namespace nodes it does not declare
        // (inherited, or rendered where an ancestor was left out) are written by the rules.
        // Adjacent pieces join into one write. Not for the `xml:*` attributes an orphan apex
        // inherits under inclusive c14n.
        if self.shortcuts
            && !(is_apex && orphan && !exclusive)
            && let Some(el) = doc.element(id)
            && el.canonical_units
        {
            let span = doc.span(id);
            self.copy(span.start, span.start + 1 + qname_len(el.prefix, el.local));
            for &NamespaceNode {
                prefix,
                uri,
                declaration,
            } in &ns
            {
                // The binding in scope is the element's own declaration, or an ancestor's.
                if (own.0..own.1).contains(&declaration) {
                    // ` xmlns="` or ` xmlns:p="` before the URI, `"` after it.
                    let (uri_start, uri_len, _) = doc.decls[to_usize(declaration)].uri.parts();
                    let before = if prefix.is_empty() {
                        8
                    } else {
                        9 + prefix.len()
                    };
                    self.copy(uri_start - before, uri_start + uri_len + 1);
                } else {
                    self.write_namespace(prefix, uri);
                }
                self.rendered.push(prefix, uri);
            }
            self.ns_buf = ns;
            let own = &doc.attrs[range(el.attrs)];
            if el.attributes_sorted {
                for a in own {
                    self.copy_attribute(a);
                }
            } else {
                let mut order = std::mem::take(&mut self.order_buf);
                order.clear();
                order.extend(own.iter().copied());
                order.sort_unstable_by(|a, b| {
                    (doc.str(a.ns), doc.str(a.local)).cmp(&(doc.str(b.ns), doc.str(b.local)))
                });
                for a in &order {
                    self.copy_attribute(a);
                }
                self.order_buf = order;
            }
            // An element with content ends its start tag with `>`; an empty-element tag's
            // `/>` is written as `>` (its end tag follows by the rules).
            let head_end = to_usize(el.head_end);
            if span.end > head_end {
                self.copy(head_end - 1, head_end);
            } else {
                self.sink().write(b">");
            }
            return;
        }

        self.sink().write(b"<");
        self.write_qname(doc.prefix(id), doc.local_name(id));
        for n in &ns {
            self.write_namespace(n.prefix, n.uri);
            self.rendered.push(n.prefix, n.uri);
        }
        self.ns_buf = ns;

        let mut attrs = std::mem::take(&mut self.attr_buf);
        attrs.clear();
        attrs.extend(doc.attributes(id));
        let joined_base = if is_apex && orphan && !exclusive {
            self.inherit_xml_attributes(id, &mut attrs)
        } else {
            None
        };
        attrs
            .sort_unstable_by(|a, b| (a.namespace, a.local_name).cmp(&(b.namespace, b.local_name)));
        for a in &attrs {
            self.sink().write(b" ");
            self.write_qname(a.prefix, a.local_name);
            self.sink().write(b"=\"");
            let value = match &joined_base {
                Some(j) if a.namespace == XML_NAMESPACE && a.local_name == "base" => j.as_str(),
                _ => a.value,
            };
            escape_attribute(self.sink(), value);
            self.sink().write(b"\"");
        }
        self.attr_buf = attrs;
        self.sink().write(b">");
    }

    /// Exclusive c14n: adds `prefix` to the namespace nodes to render when its in-scope value
    /// differs from what the nearest output ancestor rendered.
    fn consider(&self, ns: &mut Vec<NamespaceNode<'d>>, prefix: &str) {
        // Keep the document's copy of the prefix: the method's list may not live as long.
        let node = match self.scope.get(prefix) {
            Some((prefix, (uri, declaration))) => NamespaceNode {
                prefix,
                uri,
                declaration,
            },
            // An unbound default namespace is the empty one.
            None if prefix.is_empty() => NamespaceNode {
                prefix: "",
                uri: "",
                declaration: NO_DECLARATION,
            },
            // The parser rejects undeclared prefixes, and listed prefixes are checked first.
            None => return,
        };
        let render = match self.rendered.get(node.prefix) {
            None => !node.uri.is_empty(),
            Some((_, r)) => !short_eq(r, node.uri),
        };
        if render {
            ns.push(node);
        }
    }

    /// Canonical XML 1.0 and 1.1: `xml:*` attributes of the ancestors of an orphan apex.
    /// Returns the joined `xml:base` of C14N 1.1, which replaces the value of the `xml:base`
    /// attribute this adds.
    fn inherit_xml_attributes(
        &self,
        apex: NodeId,
        attrs: &mut Vec<Attribute<'d>>,
    ) -> Option<String> {
        let doc = self.doc;
        let v11 = self.method.algorithm == Algorithm::Inclusive11;
        let mut bases: Vec<&'d str> = Vec::new();
        let mut cur = doc.parent(apex);
        while let Some(n) = cur {
            for a in doc.attributes(n) {
                if a.namespace != XML_NAMESPACE {
                    continue;
                }
                if v11 && a.local_name == "id" {
                    continue;
                }
                if v11 && a.local_name == "base" {
                    bases.push(a.value);
                    continue;
                }
                if !attrs
                    .iter()
                    .any(|b| b.namespace == XML_NAMESPACE && b.local_name == a.local_name)
                {
                    attrs.push(a);
                }
            }
            cur = doc.parent(n);
        }
        if v11 && !bases.is_empty() {
            // Join outermost first, then the apex's own value, per C14N 1.1 §2.4.
            let own = attrs
                .iter()
                .position(|b| b.namespace == XML_NAMESPACE && b.local_name == "base");
            let mut joined = String::new();
            for b in bases.iter().rev() {
                joined = resolve_reference(&joined, b);
            }
            if let Some(i) = own {
                joined = resolve_reference(&joined, attrs[i].value);
                attrs.remove(i);
            }
            // The joined value is written in place of this attribute's (empty) value.
            attrs.push(Attribute {
                prefix: "xml",
                local_name: "base",
                namespace: XML_NAMESPACE,
                value: "",
            });
            return Some(joined);
        }
        None
    }
}

/// RFC 3986 §5.2 reference resolution with the "remove dot segments" variant of C14N 1.1
/// §2.4 (a trailing `..` keeps its slash; leading `..` segments of a relative base are kept).
fn resolve_reference(base: &str, reference: &str) -> String {
    if base.is_empty() {
        return reference.to_owned();
    }
    if reference.is_empty() {
        return base.to_owned();
    }
    let scheme_of = |s: &str| -> Option<usize> {
        let i = s.find(':')?;
        let ok = s[..i]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && s[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        (ok && !s[..i].contains('/')).then_some(i)
    };
    if scheme_of(reference).is_some() {
        return remove_dot_segments_in(reference);
    }
    // Split the base into prefix (scheme + authority) and path.
    let (prefix, path) = split_authority(base, scheme_of(base));
    if reference.starts_with("//") {
        let scheme = scheme_of(base).map_or("", |i| &base[..=i]);
        return format!("{scheme}{reference}");
    }
    let (ref_path, ref_tail) = split_query(reference);
    let (base_path, base_tail) = split_query(path);
    if ref_path.is_empty() {
        let tail = if ref_tail.is_empty() {
            base_tail
        } else {
            ref_tail
        };
        return format!("{prefix}{base_path}{tail}");
    }
    let merged = if ref_path.starts_with('/') {
        ref_path.to_owned()
    } else {
        match base_path.rfind('/') {
            Some(i) => format!("{}{}", &base_path[..=i], ref_path),
            None if !prefix.is_empty() => format!("/{ref_path}"),
            None => ref_path.to_owned(),
        }
    };
    format!("{prefix}{}{ref_tail}", remove_dot_segments(&merged))
}

fn split_authority(uri: &str, scheme_end: Option<usize>) -> (&str, &str) {
    let after_scheme = scheme_end.map_or(0, |i| i + 1);
    let rest = &uri[after_scheme..];
    if let Some(auth) = rest.strip_prefix("//") {
        let end = auth
            .find(['/', '?', '#'])
            .map_or(uri.len(), |i| after_scheme + 2 + i);
        (&uri[..end], &uri[end..])
    } else {
        (&uri[..after_scheme], rest)
    }
}

fn split_query(s: &str) -> (&str, &str) {
    match s.find(['?', '#']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

fn remove_dot_segments_in(uri: &str) -> String {
    let scheme_end = uri.find(':').unwrap_or(0);
    let (prefix, path) = split_authority(uri, Some(scheme_end));
    let (p, tail) = split_query(path);
    format!("{prefix}{}{tail}", remove_dot_segments(p))
}

/// RFC 3986 §5.2.4, modified as C14N 1.1 §2.4 requires for relative paths: `..` segments that
/// cannot be removed are kept.
fn remove_dot_segments(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => trailing_slash = i == last,
            ".." => {
                if out.last().is_some_and(|s| *s != ".." && !s.is_empty()) {
                    out.pop();
                } else if !absolute {
                    out.push("..");
                }
                trailing_slash = i == last;
            }
            s => {
                out.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut joined = out.join("/");
    if absolute && !joined.starts_with('/') {
        joined.insert(0, '/');
    }
    if trailing_slash && !joined.ends_with('/') {
        joined.push('/');
    }
    joined
}

/// Escapes character data: `&`, `<`, `>` and carriage return.
fn escape_text<S: Sink + ?Sized>(out: &mut S, s: &str) {
    escape_with(
        out,
        s,
        |x| swar::eq(x, b'&') | swar::eq(x, b'<') | swar::eq(x, b'>') | swar::eq(x, b'\r'),
        |b| match b {
            b'&' => Some(b"&amp;"),
            b'<' => Some(b"&lt;"),
            b'>' => Some(b"&gt;"),
            b'\r' => Some(b"&#xD;"),
            _ => None,
        },
    );
}

/// Escapes an attribute value: `&`, `<`, `"`, tab, line feed and carriage return.
fn escape_attribute<S: Sink + ?Sized>(out: &mut S, s: &str) {
    // Tab, line feed and carriage return are the only characters below 0x20 XML allows.
    escape_with(
        out,
        s,
        |x| swar::eq(x, b'&') | swar::eq(x, b'<') | swar::eq(x, b'"') | swar::below(x, 0x20),
        |b| match b {
            b'&' => Some(b"&amp;"),
            b'<' => Some(b"&lt;"),
            b'"' => Some(b"&quot;"),
            b'\t' => Some(b"&#x9;"),
            b'\n' => Some(b"&#xA;"),
            b'\r' => Some(b"&#xD;"),
            _ => None,
        },
    );
}

/// Writes `s`, replacing each byte `replacement` names; runs between them go out whole.
/// `special` flags, eight bytes at a time, the bytes `replacement` names (see [`swar`]).
#[inline(always)]
fn escape_with<S: Sink + ?Sized>(
    out: &mut S,
    s: &str,
    special: impl Fn(u64) -> u64,
    replacement: impl Fn(u8) -> Option<&'static [u8]>,
) {
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(i) = swar::find(bytes, start, &special, |b| replacement(b).is_some()) {
        out.write(&bytes[start..i]);
        // `find` only stops on bytes `replacement` names.
        out.write(replacement(bytes[i]).unwrap_or_default());
        start = i + 1;
    }
    out.write(&bytes[start..]);
}

/// Canonicalizes into a new byte vector (a convenience for tests and the CLI; the verifier
/// streams into its digest instead).
pub fn to_vec(
    doc: &Document<'_>,
    apex: Option<NodeId>,
    exclude: Option<NodeId>,
    method: &Method<'_>,
) -> Result<Vec<u8>, C14nError> {
    let mut out = Vec::new();
    canonicalize(doc, apex, exclude, method, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::super::Limits;
    use super::super::scope::{SCAN_MAX, take_probes};
    use super::*;

    /// Parses with the namespace and attribute limits out of the way.
    fn parse(text: &str) -> Document<'_> {
        let limits = Limits::default()
            .with_max_attributes(100_000)
            .with_max_namespace_declarations(usize::MAX);
        Document::parse_with_limits(text, &limits).expect("parses")
    }

    /// Prefix comparisons, index probes and PrefixList comparisons made while canonicalizing
    /// the whole of `doc` (not while parsing it), and the output.
    fn c14n_probes(doc: &Document<'_>, method: &Method<'_>) -> (u64, Vec<u8>) {
        take_probes();
        let out = to_vec(doc, None, None, method).expect("canonicalizes");
        (take_probes(), out)
    }

    /// A root declaring `p0`…`p{listed-1}` (a PrefixList names them all), over `elements`
    /// children `<q:e/>`.
    fn listed_prefixes_then_elements(listed: usize, elements: usize) -> (String, Vec<String>) {
        let mut s = String::from("<r xmlns:q=\"urn:q\"");
        for i in 0..listed {
            write!(s, " xmlns:p{i}=\"urn:p{i}\"").expect("writes to a String");
        }
        s.push('>');
        s.push_str(&"<q:e/>".repeat(elements));
        s.push_str("</r>");
        (s, (0..listed).map(|i| format!("p{i}")).collect())
    }

    /// The PrefixList is considered once, at the apex: the probes per element do not depend
    /// on its length (going through it at every element costs about twice its length per
    /// element), and doubling both the list and the elements about doubles the total.
    #[test]
    fn prefix_list_costs_once_not_per_element() {
        let run = |listed: usize, elements: usize| {
            let (text, prefixes) = listed_prefixes_then_elements(listed, elements);
            let doc = parse(&text);
            let method = Method::new(Algorithm::Exclusive, false)
                .with_inclusive_prefixes(prefixes.iter().map(String::as_str));
            let (probes, out) = c14n_probes(&doc, &method);
            let out = String::from_utf8(out).expect("UTF-8");
            assert!(out.starts_with("<r xmlns:p0=\"urn:p0\""), "{}", &out[..40]);
            probes
        };
        let per_element = |listed: usize| {
            let (one, two) = (run(listed, 1_000), run(listed, 2_000));
            assert!(two >= one + 1_000, "{one} → {two}");
            (two - one) / 1_000
        };
        let (short, long) = (per_element(50), per_element(1_000));
        assert!(
            short <= 2 * u64::try_from(SCAN_MAX).expect("small") + 2 && long <= short,
            "probes per element: {short} with 50 listed prefixes, {long} with 1,000"
        );
        let (one, two) = (run(1_000, 1_000), run(2_000, 2_000));
        assert!(two * 10 <= one * 22, "{one} → {two}");
    }

    /// `depth` nested elements, each declaring `per_level` prefixes that nothing uses, then
    /// `names` elements named with the outermost prefix.
    fn unused_declarations_then_names(depth: usize, per_level: usize, names: usize) -> String {
        let mut s = String::new();
        for d in 0..depth {
            s.push_str("<a");
            for i in 0..per_level {
                write!(s, " xmlns:p{d}_{i}=\"urn:x{i}\"").expect("writes to a String");
            }
            s.push('>');
        }
        s.push_str(&"<p0_0:e/>".repeat(names));
        s.push_str(&"</a>".repeat(depth));
        s
    }

    /// Exclusive c14n of deep nesting with many unused declarations, then many prefixed
    /// names: the probes per name do not grow with the declarations in scope (a scan of the
    /// scope costs about 1,000 and 4,000).
    #[test]
    fn exclusive_probes_per_name_do_not_grow_with_declarations_in_scope() {
        let exclusive = Method::new(Algorithm::Exclusive, false).with_inclusive_prefixes(["q"]);
        let per_name = |per_level: usize| {
            let probes = |names| {
                let text = unused_declarations_then_names(10, per_level, names);
                c14n_probes(&parse(&text), &exclusive).0
            };
            let (one, two) = (probes(2_000), probes(4_000));
            assert!(two >= one + 2_000, "{one} → {two}");
            (two - one) / 2_000
        };
        let (few, many) = (per_name(100), per_name(400));
        assert!(
            few <= 2 * u64::try_from(SCAN_MAX).expect("small") + 2 && many <= few,
            "probes per name: {few} with 1,000 declarations in scope, {many} with 4,000"
        );
    }

    /// Inclusive c14n renders every declaration of the same shape, each checked against those
    /// already rendered: doubling the document about doubles the probes (a scan of the
    /// rendered ones would quadruple them).
    #[test]
    fn inclusive_probes_grow_linearly_with_declarations() {
        let inclusive = Method::new(Algorithm::Inclusive10, false);
        let probes = |depth, names| {
            let text = unused_declarations_then_names(depth, 200, names);
            c14n_probes(&parse(&text), &inclusive).0
        };
        let (one, two) = (probes(10, 5_000), probes(20, 10_000));
        assert!(one >= 2_000 && two * 10 <= one * 22, "{one} → {two}");
    }

    /// A PrefixList read from a message is refused past its cap, duplicates counted, and
    /// kept as a set in the order first listed, scanned or hashed.
    #[test]
    fn prefix_list_is_capped_and_deduplicated() {
        let method = Method::new(Algorithm::Exclusive, false);
        let kept = method
            .clone()
            .with_prefix_list(" xs  #default\txs saml ", 4)
            .expect("four tokens");
        assert_eq!(kept.inclusive_prefixes(), ["xs", "#default", "saml"]);
        let long = Method::new(Algorithm::Exclusive, false)
            .with_inclusive_prefixes((0..20).chain(0..20).map(|i| ["a", "b", "c"][i % 3]))
            .with_inclusive_prefixes(["d", "a", "e", "f", "g", "h", "i", "j", "k", "d"]);
        assert_eq!(
            long.inclusive_prefixes(),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
        );
        assert!(long.lists("k") && long.lists("a") && !long.lists("l"));
        assert_eq!(
            method.with_prefix_list("a b c d e", 4),
            Err(C14nError::LimitExceeded {
                kind: LimitKind::PrefixListTokens,
                max: 4
            })
        );
    }

    /// Below the apex, a listed prefix an element declares is rendered where its value
    /// changes, `#default` included, exactly as when every listed prefix was considered at
    /// every element.
    #[test]
    fn listed_prefixes_declared_below_the_apex() {
        let doc = Document::parse(
            "<r xmlns:a=\"urn:a\" xmlns=\"urn:d\"><x:s xmlns:x=\"urn:x\" xmlns:a=\"urn:a\">\
             <x:t xmlns:a=\"urn:a2\" xmlns=\"\"><x:u xmlns=\"urn:d2\"/></x:t></x:s></r>",
        )
        .expect("parses");
        let s = doc.element_children(doc.root_element()).next().expect("s");
        let method =
            Method::new(Algorithm::Exclusive, false).with_inclusive_prefixes(["a", "#default"]);
        let out =
            String::from_utf8(to_vec(&doc, Some(s), None, &method).expect("c14n")).expect("UTF-8");
        assert_eq!(
            out,
            "<x:s xmlns=\"urn:d\" xmlns:a=\"urn:a\" xmlns:x=\"urn:x\">\
             <x:t xmlns=\"\" xmlns:a=\"urn:a2\"><x:u xmlns=\"urn:d2\"></x:u></x:t></x:s>"
        );
    }

    #[test]
    fn dot_segments() {
        assert_eq!(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
        assert_eq!(remove_dot_segments("mid/content=5/../6"), "mid/6");
        assert_eq!(remove_dot_segments("../a/b/../c"), "../a/c");
    }

    #[test]
    fn resolve() {
        assert_eq!(
            resolve_reference("http://www.example.com/something/else.xml", "../"),
            "http://www.example.com/"
        );
        assert_eq!(resolve_reference("http://a/b/c/d", "g"), "http://a/b/c/g");
        assert_eq!(resolve_reference("http://a/b/c/d", "/g"), "http://a/g");
        assert_eq!(resolve_reference("http://a/b/c/d", "//g"), "http://g");
    }
}
