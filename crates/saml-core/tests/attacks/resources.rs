//! A12 resource exhaustion: deep nesting, thousands of attributes and namespace declarations,
//! huge node counts. Brad Hill 2007 (deeply nested XML DoS), ruby-saml CVE-2025-54572.
//!
//! Defence: `xml::Limits` enforced while parsing (`Builder::on_start` for depth and
//! attributes, namespace declarations included; `Builder::push_node` for nodes), each refused
//! with `XmlErrorKind::LimitExceeded { kind, max }` positioned at the element or node that
//! crossed it, so nothing past it is read. Each limit is tested at exactly its value (accepted)
//! and one past (rejected), on synthetic documents with the defaults and on a real signed
//! Response through the SP with limits set to the Response's own measurements.

use saml_core::saml::SamlError;
use saml_core::saml::idp::SignTarget;
use saml_core::xml::{Document, LimitKind, Limits, NodeId, XmlError, XmlErrorKind};

use crate::helpers::*;

/// Asserts a `LimitExceeded` of `kind` with maximum `max` at byte `offset`.
#[track_caller]
fn limit(err: &XmlError, kind: LimitKind, max: usize, offset: usize) {
    assert_eq!(err.kind, XmlErrorKind::LimitExceeded { kind, max }, "{err}");
    assert_eq!(err.position.offset, offset, "{err}");
}

/// The same, inside an SP rejection (kind `malformed_xml`).
#[track_caller]
fn sp_limit(err: &SamlError, kind: LimitKind, max: usize, offset: usize) {
    assert_kind(err, "malformed_xml");
    limit(xml_error(err), kind, max, offset);
}

/// `n` nested `<a>` elements.
fn nested(n: usize) -> String {
    format!("{}{}", "<a>".repeat(n), "</a>".repeat(n))
}

/// An element with `n` attributes, the first `decls` of them namespace declarations.
fn attributes(n: usize, decls: usize) -> String {
    let mut s = String::from("<r");
    for i in 0..n {
        if i < decls {
            s.push_str(&format!(" xmlns:p{i}=\"urn:p{i}\""));
        } else {
            s.push_str(&format!(" a{i}=\"\""));
        }
    }
    s.push_str("/>");
    s
}

/// Default depth limit (128): 128 levels parse, the 129th start tag is refused where it starts.
#[test]
fn depth_at_and_past_the_default_limit() {
    let max = Limits::default().max_depth;
    Document::parse(&nested(max)).expect("at the limit");
    let err = Document::parse(&nested(max + 1)).expect_err("one past");
    limit(&err, LimitKind::Depth, max, 3 * max);
}

/// Default attribute limit (128), namespace declarations counted alike.
#[test]
fn attributes_at_and_past_the_default_limit() {
    let max = Limits::default().max_attributes;
    Document::parse(&attributes(max, 0)).expect("at the limit");
    Document::parse(&attributes(max, max)).expect("declarations at the limit");
    for decls in [0, max / 2, max + 1] {
        let err = Document::parse(&attributes(max + 1, decls)).expect_err("one past");
        limit(&err, LimitKind::Attributes, max, 0);
    }
}

/// The node limit counts every node, the document node included (`Document::node_count`).
#[test]
fn nodes_at_and_past_the_limit() {
    let text = format!("<r>{}</r>", "<a/>x".repeat(500));
    let n = Document::parse(&text).expect("parses").node_count();
    assert_eq!(n, 1002);
    Document::parse_with_limits(&text, &Limits::default().with_max_nodes(n)).expect("at the limit");
    let err = Document::parse_with_limits(&text, &Limits::default().with_max_nodes(n - 1))
        .expect_err("one past");
    // The refused node is the last one: the final text `x`.
    limit(&err, LimitKind::Nodes, n - 1, text.len() - "x</r>".len());
}

/// A real signed Response's measurements: deepest element, most attributes (declarations
/// included) on one element, node count. Also where the first element at the deepest level
/// and the first element with the most attributes start, and where the last node starts.
struct Measured {
    depth: usize,
    depth_at: usize,
    attributes: usize,
    attributes_at: usize,
    nodes: usize,
    last_node_at: usize,
}

/// Measures `xml` (see [`Measured`]).
fn measure(xml: &str) -> Measured {
    let doc = Document::parse(xml).expect("parses");
    let mut m = Measured {
        depth: 0,
        depth_at: 0,
        attributes: 0,
        attributes_at: 0,
        nodes: doc.node_count(),
        last_node_at: 0,
    };
    for n in doc.descendants(NodeId::DOCUMENT) {
        m.last_node_at = doc.span(n).start;
        if !doc.is_element(n) {
            continue;
        }
        let mut depth = 0;
        let mut cur = Some(n);
        while let Some(c) = cur.filter(|&c| doc.is_element(c)) {
            depth += 1;
            cur = doc.parent(c);
        }
        if depth > m.depth {
            (m.depth, m.depth_at) = (depth, doc.span(n).start);
        }
        let count = doc.attributes_unverified(n).len() + doc.namespace_declarations(n).len();
        if count > m.attributes {
            (m.attributes, m.attributes_at) = (count, doc.span(n).start);
        }
    }
    m
}

/// The SP applies its limits to a real Response: each set to the Response's own measurement
/// validates; one less is refused at the element or node that crosses it.
#[test]
fn limits_at_the_sp_on_a_real_response() {
    let xml = issue(SignTarget::Both);
    let m = measure(&xml);
    let with = |l: Limits| sp().with_limits(l);
    accepted(
        &with(
            Limits::default()
                .with_max_depth(m.depth)
                .with_max_attributes(m.attributes)
                .with_max_nodes(m.nodes),
        ),
        &xml,
    );
    let err = rejected(&with(Limits::default().with_max_depth(m.depth - 1)), &xml);
    sp_limit(&err, LimitKind::Depth, m.depth - 1, m.depth_at);
    let err = rejected(
        &with(Limits::default().with_max_attributes(m.attributes - 1)),
        &xml,
    );
    sp_limit(
        &err,
        LimitKind::Attributes,
        m.attributes - 1,
        m.attributes_at,
    );
    let err = rejected(&with(Limits::default().with_max_nodes(m.nodes - 1)), &xml);
    sp_limit(&err, LimitKind::Nodes, m.nodes - 1, m.last_node_at);
}

/// Ten thousand nested elements inside a signed Response's Extensions, through the SP with its
/// default limits: refused at the 129th level.
#[test]
fn deep_nesting_inside_a_response() {
    let xml = issue(SignTarget::Assertion);
    let status = child(&xml, &root(&xml), P, "Status");
    let deep = format!(
        "<samlp:Extensions>{}</samlp:Extensions>",
        nested(10_000).replace('a', "x:a xmlns:x=\"urn:x\"")
    );
    let attack = insert(&xml, status.outer.start, &deep);
    // Response (1), Extensions (2), then x:a elements from level 3: the 127th x:a is level 129.
    let tag = "<x:a xmlns:x=\"urn:x\">".len();
    let at = status.outer.start + "<samlp:Extensions>".len() + 126 * tag;
    sp_limit(&rejected(&sp(), &attack), LimitKind::Depth, 128, at);
}

/// Ten thousand attributes, and ten thousand namespace declarations, on one element of a
/// signed Response, and on an AuthnRequest at the IdP: refused at that element.
#[test]
fn huge_attribute_counts_inside_messages() {
    let xml = issue(SignTarget::Assertion);
    let status = child(&xml, &root(&xml), P, "Status");
    for decls in [0, 10_000] {
        let wide = attributes(10_000, decls).replacen("<r", "<x:r xmlns:x=\"urn:x\"", 1);
        let attack = insert(&xml, status.outer.start, &wide);
        sp_limit(
            &rejected(&sp(), &attack),
            LimitKind::Attributes,
            128,
            status.outer.start,
        );
    }
    let request = format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" {}/>",
        (0..10_000)
            .map(|i| format!("a{i}=\"\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let err = idp(SignTarget::Both)
        .receive_post(&sp_peer(), request.as_bytes(), None, now())
        .expect_err("too many attributes");
    sp_limit(&err, LimitKind::Attributes, 128, 0);
}
