//! Bodies of the cargo-fuzz targets, kept here so the same code also runs as ordinary tests
//! over the seed corpus on stable Rust (`tests/fuzz_corpus.rs`). Not a stable API.

use crate::xml::c14n::{self, Algorithm, Method};
use crate::xml::{Document, Limits};

/// Parses arbitrary bytes. Must never panic; on success, walks every node.
pub fn parse(data: &[u8]) {
    if let Ok(doc) = Document::parse_bytes(data, &Limits::default()) {
        for i in 0..doc.node_count() {
            let _ = doc.kind(crate::xml::NodeId(i as u32));
        }
        let root = doc.root_element();
        let _ = doc.text(root);
        let _ = doc.in_scope_namespaces(root);
    }
}

/// Canonicalizes arbitrary bytes in every mode, on the whole document and on a subtree with
/// an excluded descendant. Must never panic, and canonical output must itself parse and be
/// a fixed point of the same canonicalization (for whole documents).
pub fn c14n(data: &[u8]) {
    let Ok(doc) = Document::parse_bytes(data, &Limits::default()) else {
        return;
    };
    let root = doc.root_element();
    let child = doc.element_children(root).next();
    let grandchild = child.and_then(|c| doc.element_children(c).next());
    for algorithm in [
        Algorithm::Exclusive,
        Algorithm::Inclusive10,
        Algorithm::Inclusive11,
    ] {
        for with_comments in [false, true] {
            let method = Method::new(algorithm, with_comments);
            let Ok(out) = c14n::to_vec(&doc, None, None, &method) else {
                panic!("whole-document c14n failed");
            };
            if let Ok(text) = std::str::from_utf8(&out) {
                // Canonical form is well-formed XML and canonicalizes to itself (exclusive
                // c14n may drop unused declarations, which still leaves a fixed point).
                match Document::parse(text) {
                    Ok(again) => {
                        let twice = c14n::to_vec(&again, None, None, &method).unwrap_or_default();
                        assert_eq!(out, twice, "c14n is not idempotent");
                    }
                    Err(e) => panic!("canonical form does not parse: {e}"),
                }
            }
            if let Some(c) = child {
                let _ = c14n::to_vec(&doc, Some(c), grandchild, &method);
                let _ = c14n::to_vec(&doc, None, Some(c), &method);
            }
        }
    }
    let listed =
        Method::new(Algorithm::Exclusive, false).with_inclusive_prefixes(["#default", "a"]);
    let _ = c14n::to_vec(&doc, child, None, &listed);
}
