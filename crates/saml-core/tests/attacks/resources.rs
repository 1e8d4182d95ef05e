//! A12 resource exhaustion: deep nesting, thousands of attributes and namespace declarations,
//! huge node counts, and pre-authentication CPU exhaustion (invariant 12): thousands of unused
//! namespace declarations in scope of many prefixed names, and an InclusiveNamespaces
//! PrefixList of many tokens on SignedInfo. Brad Hill 2007 (deeply nested XML DoS), ruby-saml
//! CVE-2025-54572.
//!
//! Defence: `xml::Limits` enforced while parsing (`Builder::on_start` for depth and
//! attributes, namespace declarations included; `Builder::declare` for namespace declarations
//! in scope; `Builder::push_node` for nodes), each refused with
//! `XmlErrorKind::LimitExceeded { kind, max }` positioned at the element or node that crossed
//! it, so nothing past it is read; and `Limits::max_prefix_list_tokens` enforced where the
//! verifier reads a PrefixList (`Method::with_prefix_list`), refused with
//! `C14nError::LimitExceeded` before SignedInfo is canonicalized or any key tried. Each limit is
//! tested at exactly its value (accepted) and one past (rejected), on synthetic documents with
//! the defaults and on a real signed Response through the SP. (That resolution itself is linear
//! whatever the limits is shown by counting tests in `xml::parse` and `xml::c14n`.)

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::crypto::SignatureAlgorithm;
use saml_core::dsig::{DSIG_NS, DsigError};
use saml_core::saml::SamlError;
use saml_core::saml::idp::SignTarget;
use saml_core::xml::c14n::{self, Algorithm, C14nError, Method};
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
/// included) on one element, most namespace declarations in scope (shadowed ones included),
/// node count. Also where the first element at the deepest level, the first element with the
/// most attributes and the first with the most declarations in scope start, and where the last
/// node starts.
struct Measured {
    depth: usize,
    depth_at: usize,
    attributes: usize,
    attributes_at: usize,
    namespaces: usize,
    namespaces_at: usize,
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
        namespaces: 0,
        namespaces_at: 0,
        nodes: doc.node_count(),
        last_node_at: 0,
    };
    for n in doc.descendants(NodeId::DOCUMENT) {
        m.last_node_at = doc.span(n).start;
        if !doc.is_element(n) {
            continue;
        }
        let (mut depth, mut namespaces) = (0, 0);
        let mut cur = Some(n);
        while let Some(c) = cur.filter(|&c| doc.is_element(c)) {
            depth += 1;
            namespaces += doc.namespace_declarations(c).len();
            cur = doc.parent(c);
        }
        if depth > m.depth {
            (m.depth, m.depth_at) = (depth, doc.span(n).start);
        }
        if namespaces > m.namespaces {
            (m.namespaces, m.namespaces_at) = (namespaces, doc.span(n).start);
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
                .with_max_namespace_declarations(m.namespaces)
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
    let err = rejected(
        &with(Limits::default().with_max_namespace_declarations(m.namespaces - 1)),
        &xml,
    );
    sp_limit(
        &err,
        LimitKind::NamespaceDeclarations,
        m.namespaces - 1,
        m.namespaces_at,
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

/// Nested elements `<x:a>`, level `l` declaring `per_level[l]` prefixes that nothing uses
/// (`x` itself on the first), then `names` elements `<x:n/>`; and where each level's start
/// tag begins, relative to the start of the text.
fn unused_declarations(per_level: &[usize], names: usize) -> (String, Vec<usize>) {
    let mut s = String::new();
    let mut starts = Vec::new();
    for (l, &n) in per_level.iter().enumerate() {
        starts.push(s.len());
        s.push_str("<x:a");
        for i in 0..n {
            if l == 0 && i == 0 {
                s.push_str(" xmlns:x=\"urn:x\"");
            } else {
                s.push_str(&format!(" xmlns:p{l}_{i}=\"urn:p{i}\""));
            }
        }
        s.push('>');
    }
    s.push_str(&"<x:n/>".repeat(names));
    s.push_str(&"</x:a>".repeat(per_level.len()));
    (s, starts)
}

/// Default namespace limit (256 in scope, shadowed ones counted): four levels of 64
/// declarations parse; one more declaration on the fourth level is refused at its element.
#[test]
fn namespace_declarations_at_and_past_the_default_limit() {
    let max = Limits::default().max_namespace_declarations;
    assert_eq!(max, 256);
    let (at_limit, _) = unused_declarations(&[64, 64, 64, 64], 10);
    Document::parse(&at_limit).expect("at the limit");
    let (past, starts) = unused_declarations(&[64, 64, 64, 65], 10);
    let err = Document::parse(&past).expect_err("one past");
    limit(&err, LimitKind::NamespaceDeclarations, max, starts[3]);
    // Declarations that went out of scope do not count.
    let siblings = format!(
        "<r>{}</r>",
        (0..10)
            .map(|_| unused_declarations(&[100], 1).0)
            .collect::<String>()
    );
    Document::parse(&siblings).expect("never more than 100 in scope");
}

/// The CPU-exhaustion shape inside a Response (its Assertion signed), through the SP with its
/// default limits: deep nesting with a hundred unused declarations per level, then many
/// prefixed names. Refused where the declarations in scope pass 256, before anything past it
/// is read.
#[test]
fn many_unused_declarations_inside_a_response() {
    let xml = issue(SignTarget::Assertion);
    let doc = Document::parse(&xml).expect("parses");
    let base = doc.namespace_declarations(doc.root_element()).count();
    drop(doc);
    let status = child(&xml, &root(&xml), P, "Status");
    let (hostile, starts) = unused_declarations(&[100; 100], 10_000);
    let extensions = format!("<samlp:Extensions>{hostile}</samlp:Extensions>");
    let attack = insert(&xml, status.outer.start, &extensions);
    // The Response's own declarations, then 100 per level: the level whose declarations take
    // the count past 256 is refused at its start tag.
    let crossing = (256 - base) / 100;
    let at = status.outer.start + "<samlp:Extensions>".len() + starts[crossing];
    sp_limit(
        &rejected(&sp(), &attack),
        LimitKind::NamespaceDeclarations,
        256,
        at,
    );
}

/// Where a PrefixList goes in [`with_prefix_list`].
#[derive(Clone, Copy, Debug)]
enum ListOn {
    /// SignedInfo's CanonicalizationMethod.
    SignedInfo,
    /// The Reference's exclusive-c14n Transform.
    Transform,
}

/// Alice's Response, its Assertion signed by our IdP, with an InclusiveNamespaces `list` on
/// `on`, and SignedInfo canonicalized with it and signed again by `signing_key` (a file of
/// `testdata`): what an IdP writing such a list would send. No prefix listed is in scope, so
/// the Assertion's digest does not change.
fn with_prefix_list(list: &str, on: ListOn, signing_key: &str) -> String {
    let xml = issue(SignTarget::Assertion);
    let signature = signature_in(&xml, &assertion(&xml));
    let signed_info = child(&xml, &signature, DSIG_NS, "SignedInfo");
    let method = match on {
        ListOn::SignedInfo => child(&xml, &signed_info, DSIG_NS, "CanonicalizationMethod"),
        ListOn::Transform => all(&xml, DSIG_NS, "Transform")
            .into_iter()
            .nth(1)
            .expect("the c14n Transform"),
    };
    let tag = &xml[method.outer.clone()];
    let open = tag
        .strip_suffix("/>")
        .expect("our IdP writes it self-closing");
    let name = &open[1..open.find(' ').expect("an attribute")];
    let listed = splice(
        &xml,
        method.outer.clone(),
        &format!(
            "{open}><ec:InclusiveNamespaces xmlns:ec=\"{}\" PrefixList=\"{list}\"/></{name}>",
            c14n::EXC_C14N
        ),
    );

    let doc = Document::parse(&listed).expect("parses");
    let signed_info = doc
        .descendants(NodeId::DOCUMENT)
        .find(|&n| doc.is(n, DSIG_NS, "SignedInfo"))
        .expect("SignedInfo");
    let exclusive =
        Method::new(Algorithm::Exclusive, false).with_inclusive_prefixes(list.split_whitespace());
    let canonical = c14n::to_vec(&doc, Some(signed_info), None, &exclusive).expect("c14n");
    drop(doc);
    let value = key(signing_key)
        .sign(SignatureAlgorithm::RsaSha256, &canonical)
        .expect("signs");
    let signature = signature_in(&listed, &assertion(&listed));
    let value_at = child(&listed, &signature, DSIG_NS, "SignatureValue").inner;
    splice(&listed, value_at, &STANDARD.encode(value))
}

/// `n` distinct prefixes no declaration binds.
fn tokens(n: usize) -> String {
    (0..n)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts the PrefixList rejection: kind `canonicalization_failed`, the Assertion's
/// signature, `C14nError::LimitExceeded` for PrefixList tokens with maximum `max`.
#[track_caller]
fn prefix_list_refused(err: &SamlError, max: usize) {
    assert_kind(err, "limit_exceeded");
    let (element, source) = dsig_source(err);
    assert_eq!(element, "Assertion");
    assert!(
        matches!(
            source,
            DsigError::C14n(C14nError::LimitExceeded {
                kind: LimitKind::PrefixListTokens,
                max: m,
            }) if *m == max
        ),
        "{source:?}"
    );
}

/// Default PrefixList limit (64 tokens, duplicates counted) on SignedInfo's
/// CanonicalizationMethod and on the Reference's Transform of a validly signed Response: 64
/// validate, 65 are refused; so is a list of 200,000 tokens.
#[test]
fn prefix_list_at_and_past_the_default_limit() {
    let max = Limits::default().max_prefix_list_tokens;
    assert_eq!(max, 64);
    for on in [ListOn::SignedInfo, ListOn::Transform] {
        accepted(
            &sp(),
            &with_prefix_list(&tokens(max), on, "rsa2048.pk8.pem"),
        );
        let repeated = format!("{} t0", tokens(max));
        for list in [tokens(max + 1), repeated, tokens(200_000)] {
            let xml = with_prefix_list(&list, on, "rsa2048.pk8.pem");
            prefix_list_refused(&rejected(&sp(), &xml), max);
        }
    }
    // The SP's own limit applies.
    let xml = with_prefix_list(&tokens(10), ListOn::SignedInfo, "rsa2048.pk8.pem");
    let strict = sp().with_limits(Limits::default().with_max_prefix_list_tokens(9));
    prefix_list_refused(&rejected(&strict, &xml), 9);
    accepted(
        &sp().with_limits(Limits::default().with_max_prefix_list_tokens(10)),
        &xml,
    );
}

/// A huge PrefixList on SignedInfo signed with a key the SP does not trust: refused for the
/// PrefixList, not for the signature, so it was refused before any key was tried.
#[test]
fn prefix_list_refused_before_the_signature_check() {
    let xml = with_prefix_list(&tokens(200_000), ListOn::SignedInfo, "rsa3072.pk8.pem");
    prefix_list_refused(&rejected(&sp(), &xml), 64);
    // Within the limit, the same key is refused by the signature check.
    let xml = with_prefix_list(&tokens(3), ListOn::SignedInfo, "rsa3072.pk8.pem");
    assert_kind(&rejected(&sp(), &xml), "signature_mismatch");
}
