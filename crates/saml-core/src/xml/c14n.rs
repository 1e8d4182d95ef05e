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

use super::document::{Attr, Attribute, Document, NodeData, NodeId, Str, short_eq};
use super::parse::XML_NAMESPACE;
use super::swar;

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
    inclusive_prefixes: Vec<&'a str>,
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
            inclusive_prefixes: Vec::new(),
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
    /// Sets the InclusiveNamespaces PrefixList (`#default` names the default namespace). Only
    /// exclusive c14n uses it.
    pub fn with_inclusive_prefixes<'b>(
        self,
        prefixes: impl IntoIterator<Item = &'b str>,
    ) -> Method<'b>
    where
        'a: 'b,
    {
        let mut inclusive_prefixes: Vec<&'b str> = self.inclusive_prefixes;
        inclusive_prefixes.extend(prefixes);
        Method {
            algorithm: self.algorithm,
            with_comments: self.with_comments,
            inclusive_prefixes,
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether comments are kept.
    pub fn with_comments(&self) -> bool {
        self.with_comments
    }

    /// The InclusiveNamespaces PrefixList.
    pub fn inclusive_prefixes(&self) -> &[&'a str] {
        &self.inclusive_prefixes
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

fn run<S: Sink + ?Sized>(
    doc: &Document<'_>,
    apex: Option<NodeId>,
    exclude: Option<NodeId>,
    method: &Method<'_>,
    out: &mut S,
    shortcuts: bool,
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
        rendered: Vec::new(),
        scope: Vec::new(),
        ns_buf: Vec::new(),
        attr_buf: Vec::new(),
        shortcuts,
        order_buf: Vec::new(),
        pending: (0, 0),
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

/// A namespace binding: (prefix, URI), both borrowed from the document.
type Binding<'d> = (&'d str, &'d str);

struct Writer<'w, 'd, 'a, S: Sink + ?Sized> {
    doc: &'d Document<'a>,
    method: &'w Method<'w>,
    out: &'w mut S,
    /// Namespace nodes rendered by output ancestors, innermost last.
    rendered: Vec<Binding<'d>>,
    /// Namespace bindings in scope, innermost last (exclusive c14n needs them for the
    /// InclusiveNamespaces prefixes).
    scope: Vec<Binding<'d>>,
    /// Reused per element: namespace nodes to render.
    ns_buf: Vec<Binding<'d>>,
    /// Reused per element: attributes to render.
    attr_buf: Vec<Attribute<'d>>,
    /// Whether markup whose canonical form is its source text may be copied from the source.
    shortcuts: bool,
    /// Reused per element: attributes to copy, in canonical order.
    order_buf: Vec<Attr>,
    /// Source range copied but not yet written: consecutive copies join into one write.
    pending: (usize, usize),
}

fn lookup<'d>(stack: &[Binding<'d>], prefix: &str) -> Option<&'d str> {
    stack
        .iter()
        .rev()
        .find(|(p, _)| short_eq(p, prefix))
        .map(|&(_, u)| u)
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
                    open.push((doc.node(id).end, id, marks.0, marks.1));
                }
                _ => self.leaf(id),
            }
            i += 1;
        }
        while let Some((_, node, r, s)) = open.pop() {
            self.end_tag(node);
            self.rendered.truncate(r);
            self.scope.truncate(s);
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

        // Bring the bindings in scope into `scope`.
        let scope_mark = self.scope.len();
        if is_apex && orphan {
            self.scope.extend(
                doc.in_scope_namespaces(id)
                    .into_iter()
                    .map(|n| (n.prefix, n.uri)),
            );
        } else {
            for d in doc.namespace_declarations(id) {
                self.scope.push((d.prefix, d.uri));
            }
        }

        if exclusive {
            let element_prefix = doc.prefix(id);
            self.consider(&mut ns, element_prefix);
            if let Some(el) = doc.element(id) {
                for a in &doc.attrs[el.attrs.0 as usize..el.attrs.1 as usize] {
                    let prefix = doc.str(a.prefix);
                    if !prefix.is_empty() && prefix != "xml" {
                        self.consider(&mut ns, prefix);
                    }
                }
            }
            // A listed prefix that is not in scope is not rendered (`consider` finds no
            // binding for it); `#default` is the default namespace, bound or not.
            for &p in &self.method.inclusive_prefixes {
                let p = if p == "#default" { "" } else { p };
                if p != "xml" && p != "xmlns" {
                    self.consider(&mut ns, p);
                }
            }
        } else if is_apex && orphan {
            // Every binding in scope.
            ns.extend_from_slice(&self.scope[scope_mark..]);
        } else {
            for d in doc.namespace_declarations(id) {
                let current = lookup(&self.rendered, d.prefix).unwrap_or("");
                if !short_eq(current, d.uri) {
                    ns.push((d.prefix, d.uri));
                }
            }
        }
        ns.sort_unstable_by(|a, b| a.0.cmp(b.0));
        ns.dedup_by(|a, b| a.0 == b.0);

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
            for &(p, u) in &ns {
                let own = doc.decls[el.decls.0 as usize..el.decls.1 as usize]
                    .iter()
                    .find(|d| short_eq(doc.str(d.prefix), p) && short_eq(doc.str(d.uri), u));
                match own {
                    // ` xmlns="` or ` xmlns:p="` before the URI, `"` after it.
                    Some(d) => {
                        let (uri_start, uri_len, _) = d.uri.parts();
                        let before = if p.is_empty() { 8 } else { 9 + p.len() };
                        self.copy(uri_start - before, uri_start + uri_len + 1);
                    }
                    None => self.write_namespace(p, u),
                }
                self.rendered.push((p, u));
            }
            self.ns_buf = ns;
            let own = &doc.attrs[el.attrs.0 as usize..el.attrs.1 as usize];
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
            let head_end = el.head_end as usize;
            if span.end > head_end {
                self.copy(head_end - 1, head_end);
            } else {
                self.sink().write(b">");
            }
            return;
        }

        self.sink().write(b"<");
        self.write_qname(doc.prefix(id), doc.local_name(id));
        for &(p, u) in &ns {
            self.write_namespace(p, u);
            self.rendered.push((p, u));
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
    fn consider(&self, ns: &mut Vec<Binding<'d>>, prefix: &str) {
        // Keep the document's copy of the prefix: the method's list may not live as long.
        let found = self
            .scope
            .iter()
            .rev()
            .find(|(p, _)| short_eq(p, prefix))
            .copied();
        let (prefix, uri): Binding<'d> = match found {
            Some(binding) => binding,
            // An unbound default namespace is the empty one.
            None if prefix.is_empty() => ("", ""),
            // The parser rejects undeclared prefixes, and listed prefixes are checked first.
            None => return,
        };
        let rendered = lookup(&self.rendered, prefix);
        let render = match rendered {
            None => !uri.is_empty(),
            Some(r) => !short_eq(r, uri),
        };
        if render {
            ns.push((prefix, uri));
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
    use super::*;

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
