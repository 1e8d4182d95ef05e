//! Canonicalization against the specifications' own examples and the Merlin exc-c14n interop
//! vectors, kept in `tests/vectors/c14n/` (provenance in its README).

use saml_core::xml::c14n::{self, Algorithm, Method};
use saml_core::xml::{Document, NodeId, XmlErrorKind};

mod common;
use common::*;

/// Removes the line holding a DOCTYPE that only names an external DTD.
fn without_doctype(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("<!DOCTYPE"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[track_caller]
fn canonical(doc: &Document<'_>, apex: Option<NodeId>, method: &Method<'_>) -> String {
    let bytes = c14n::to_vec(doc, apex, None, method).expect("canonicalizes");
    String::from_utf8(bytes).expect("UTF-8")
}

/// The first element (in document order) whose attribute `name` equals `value`.
fn find_by_attribute(doc: &Document<'_>, name: &str, value: &str) -> NodeId {
    fn walk(doc: &Document<'_>, n: NodeId, name: &str, value: &str) -> Option<NodeId> {
        if doc.attribute_unverified(n, name) == Some(value) {
            return Some(n);
        }
        doc.element_children(n)
            .find_map(|c| walk(doc, c, name, value))
    }
    walk(doc, doc.root_element(), name, value).expect("element present")
}

#[test]
fn w3c_c14n_3_1_pis_comments_outside_document_element() {
    let original = c14n_vector("w3c-c14n-3.1-input.xml");
    let err = Document::parse(&original).expect_err("DOCTYPE must be rejected");
    assert_eq!(err.kind, XmlErrorKind::Doctype);

    let input = without_doctype(&original);
    let doc = Document::parse(&input).expect("parses");
    assert_eq!(
        canonical(&doc, None, &Method::new(Algorithm::Inclusive10, false)),
        c14n_vector("w3c-c14n-3.1-output.xml")
    );
    assert_eq!(
        canonical(&doc, None, &Method::new(Algorithm::Inclusive10, true)),
        c14n_vector("w3c-c14n-3.1-output-withcomments.xml")
    );
    // Canonical XML 1.1 is identical to 1.0 on whole documents.
    assert_eq!(
        canonical(&doc, None, &Method::new(Algorithm::Inclusive11, true)),
        c14n_vector("w3c-c14n-3.1-output-withcomments.xml")
    );
}

#[test]
fn exc_c14n_2_2_same_subtree_in_two_contexts() {
    let expected_exclusive = c14n_vector("exc-c14n-2.2-elem2-exclusive.xml");
    for name in ["exc-c14n-2.2-doc1.xml", "exc-c14n-2.2-doc2.xml"] {
        let text = c14n_vector(name);
        let doc = Document::parse(&text).expect("parses");
        let elem2 = doc
            .element_children(doc.root_element())
            .next()
            .expect("elem2");
        assert_eq!(
            canonical(&doc, Some(elem2), &Method::new(Algorithm::Exclusive, false)),
            expected_exclusive.trim_end(),
            "{name}"
        );
    }
    // Inclusive c14n of the same subtree leaks the ancestors' namespaces.
    let text = c14n_vector("exc-c14n-2.2-doc1.xml");
    let doc = Document::parse(&text).expect("parses");
    let elem2 = doc
        .element_children(doc.root_element())
        .next()
        .expect("elem2");
    assert_eq!(
        canonical(
            &doc,
            Some(elem2),
            &Method::new(Algorithm::Inclusive10, false)
        ),
        c14n_vector("exc-c14n-2.2-doc1-elem2-inclusive.xml").trim_end()
    );
}

#[test]
fn merlin_exc_c14n_one_references() {
    let text = c14n_vector("merlin-exc-c14n-one/exc-signature.xml");
    let doc = Document::parse(&text).expect("parses");
    let object = find_by_attribute(&doc, "Id", "to-be-signed");
    let cases = [
        ("c14n-0.txt", Method::new(Algorithm::Exclusive, false)),
        (
            "c14n-1.txt",
            Method::new(Algorithm::Exclusive, false).with_inclusive_prefixes(["bar", "#default"]),
        ),
        ("c14n-2.txt", Method::new(Algorithm::Exclusive, true)),
        (
            "c14n-3.txt",
            Method::new(Algorithm::Exclusive, true).with_inclusive_prefixes(["bar", "#default"]),
        ),
    ];
    for (file, method) in cases {
        assert_eq!(
            canonical(&doc, Some(object), &method),
            c14n_vector(&format!("merlin-exc-c14n-one/{file}")),
            "{file}"
        );
    }
    let signed_info = doc
        .element_children(
            doc.element_children(doc.root_element())
                .next()
                .expect("Signature"),
        )
        .next()
        .expect("SignedInfo");
    assert_eq!(
        canonical(
            &doc,
            Some(signed_info),
            &Method::new(Algorithm::Exclusive, false)
        ),
        c14n_vector("merlin-exc-c14n-one/c14n-4.txt")
    );
}

/// The element with this local name (the first in document order).
fn by_local_name(doc: &Document<'_>, local: &str) -> NodeId {
    doc.descendants(doc.root_element())
        .find(|&n| doc.is_element(n) && doc.local_name(n) == local)
        .unwrap_or_else(|| panic!("no element `{local}`"))
}

#[test]
fn w3c_c14n_3_2_whitespace_in_content() {
    let input = c14n_vector("w3c-c14n-3.2-input.xml");
    let doc = Document::parse(&input).expect("parses");
    for algorithm in [Algorithm::Inclusive10, Algorithm::Inclusive11] {
        assert_eq!(
            canonical(&doc, None, &Method::new(algorithm, false)),
            c14n_vector("w3c-c14n-3.2-output.xml")
        );
    }
}

#[test]
fn w3c_c14n_examples_that_need_a_dtd_or_another_encoding_are_rejected() {
    for (file, kind) in [
        ("w3c-c14n-3.3-input.xml", XmlErrorKind::Doctype),
        ("w3c-c14n-3.4-input.xml", XmlErrorKind::Doctype),
        ("w3c-c14n-3.5-input.xml", XmlErrorKind::Doctype),
        ("w3c-c14n-3.7-input.xml", XmlErrorKind::Doctype),
        ("c14n11-example-8-input.xml", XmlErrorKind::Doctype),
        (
            "c14n11-xmlbase-c14n11spec-102-input.xml",
            XmlErrorKind::Doctype,
        ),
    ] {
        let err = Document::parse(&c14n_vector(file)).expect_err(file);
        assert_eq!(err.kind, kind, "{file}");
    }
    let err = Document::parse(&c14n_vector("w3c-c14n-3.6-input.xml")).expect_err("ISO-8859-1");
    assert!(
        matches!(err.kind, XmlErrorKind::UnsupportedEncoding(_)),
        "{err}"
    );
}

/// Canonical XML 1.1 examples whose XPath subsets are element subtrees (README class a), and
/// the two-sibling ones (class e) as the concatenation of two subtrees.
#[test]
fn c14n11_xml_attribute_inheritance() {
    let cases: &[(&str, &[&str], Option<&str>, &str)] = &[
        (
            "c14n11-xmlbase-prop-1-input.xml",
            &["c14n11XmlBaseDoc1"],
            Some("e2"),
            "c14n11-xmlbase-prop-1-output.xml",
        ),
        (
            "c14n11-xmlbase-prop-2-input.xml",
            &["e1"],
            None,
            "c14n11-xmlbase-prop-2-output.xml",
        ),
        (
            "c14n11-xmlbase-prop-3-input.xml",
            &["e11"],
            None,
            "c14n11-xmlbase-prop-3-output.xml",
        ),
        (
            "c14n11-xmlbase-prop-4-input.xml",
            &["e111"],
            None,
            "c14n11-xmlbase-prop-4-output.xml",
        ),
        (
            "c14n11-xmlbase-prop-5-input.xml",
            &["e21"],
            None,
            "c14n11-xmlbase-prop-5-output.xml",
        ),
        (
            "c14n11-xmlbase-prop-6-input.xml",
            &["e3"],
            None,
            "c14n11-xmlbase-prop-6-output.xml",
        ),
        (
            "c14n11-xmlid-input.xml",
            &["e1"],
            None,
            "c14n11-xmlid-prop-1-output.xml",
        ),
        (
            "c14n11-xmlid-input.xml",
            &["e11", "e12"],
            None,
            "c14n11-xmlid-prop-2-output.xml",
        ),
        (
            "c14n11-xmllang-input.xml",
            &["e1"],
            None,
            "c14n11-xmllang-prop-1-output.xml",
        ),
        (
            "c14n11-xmllang-input.xml",
            &["e2"],
            None,
            "c14n11-xmllang-prop-2-output.xml",
        ),
        (
            "c14n11-xmllang-input.xml",
            &["e11"],
            None,
            "c14n11-xmllang-prop-3-output.xml",
        ),
        (
            "c14n11-xmllang-input.xml",
            &["e11", "e12"],
            None,
            "c14n11-xmllang-prop-4-output.xml",
        ),
        (
            "c14n11-xmlspace-input.xml",
            &["e1"],
            None,
            "c14n11-xmlspace-prop-1-output.xml",
        ),
        (
            "c14n11-xmlspace-input.xml",
            &["e11"],
            None,
            "c14n11-xmlspace-prop-3-output.xml",
        ),
        (
            "c14n11-xmlspace-input.xml",
            &["e11", "e12"],
            None,
            "c14n11-xmlspace-prop-4-output.xml",
        ),
    ];
    let method = Method::new(Algorithm::Inclusive11, false);
    for &(input, apexes, exclude, output) in cases {
        let text = c14n_vector(input);
        let doc = Document::parse(&text).unwrap_or_else(|e| panic!("{input}: {e}"));
        let exclude = exclude.map(|x| by_local_name(&doc, x));
        let mut ours = Vec::new();
        for apex in apexes {
            let apex = by_local_name(&doc, apex);
            c14n::canonicalize(&doc, Some(apex), exclude, &method, &mut ours)
                .expect("canonicalizes");
        }
        assert_eq!(
            String::from_utf8(ours).expect("UTF-8"),
            c14n_vector(output),
            "{output}"
        );
    }
}

fn c14n_vector(name: &str) -> String {
    vector_text(&format!("c14n/{name}"))
}
