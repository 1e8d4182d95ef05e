//! Pre-authentication cost of hostile inputs (invariant 12 of `DESIGN.md`), each beside a flat
//! document of the same size generated in the same run, so µs/KB can be read side by side.
//! Throughput is the input size; target: each hostile shape within 2× of its flat one.
//!
//! Groups:
//! - `hostile/namespaces`: ~2 MB. `hostile` nests 100 elements that each declare 100 prefixes
//!   nothing uses (10,000 in scope), then holds ~210,000 elements named with the outermost
//!   prefix (the binding a scan from the innermost end reaches last). `flat` declares that
//!   prefix once on the document element and holds the same names up to the same size.
//!   - `parse/*`: `Document::parse_with_limits`, the namespace limit raised for `hostile` so
//!     the resolution itself is measured; `parse/hostile-default-limits` is the default
//!     limits refusing it (at the 257th declaration in scope).
//!   - `c14n/*`: exclusive c14n of the whole document into a byte counter (each name renders
//!     its namespace node, so the output is about 4× the input).
//! - `hostile/prefix-list`: a signed-shape Response of ~2 MB whose SignedInfo carries an
//!   InclusiveNamespaces PrefixList of ~250,000 distinct tokens, none bound; `flat` is the same
//!   Response with the PrefixList `xs` and ~2 MB of attribute values instead. Both carry a
//!   SignatureValue no key verifies, so `verify/*` (parse, then `Verifier::verify`) does
//!   exactly the work before and including the RSA check, and fails there.
//!   `verify/hostile` raises the PrefixList limit so that reading and using the list is
//!   measured: one keyed hash per token, then SignedInfo (which holds the 2 MB list) is
//!   canonicalized and, for the RSA check, hashed with SHA-256, which the flat document's
//!   small SignedInfo does not pay. `verify/hostile-default-limits` is the default limit
//!   refusing it while SignedInfo is read.
//!
//! Run: `cargo bench -p saml-benches --bench hostile -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use saml_benches::ByteCounter;
use saml_benches::hostile::{
    namespaces_flat, namespaces_hostile, prefix_list_flat, prefix_list_hostile,
};
use saml_core::crypto::{AlgorithmPolicy, TrustAnchor};
use saml_core::dsig::{DSIG_NS, Verifier};
use saml_core::xml::c14n::{self, Algorithm, Method};
use saml_core::xml::{Document, Limits, NodeId};

/// Criterion byte throughput for a length.
fn bytes(len: usize) -> Throughput {
    // usize is at most 64 bits on every target Rust supports.
    Throughput::Bytes(u64::try_from(len).expect("usize fits in u64"))
}

/// Parses with the namespace and PrefixList limits out of the way.
fn raised() -> Limits {
    Limits::default()
        .with_max_namespace_declarations(usize::MAX)
        .with_max_prefix_list_tokens(usize::MAX)
}

fn namespaces(c: &mut Criterion) {
    const LEN: usize = 2 << 20;
    let hostile = namespaces_hostile(LEN);
    let flat = namespaces_flat(hostile.len());
    assert_eq!(hostile.len(), flat.len());
    assert!(
        Document::parse(&hostile).is_err(),
        "the default limits refuse it"
    );
    let exclusive = Method::new(Algorithm::Exclusive, false);

    let mut group = c.benchmark_group("hostile/namespaces");
    group.sample_size(20);
    group.throughput(bytes(hostile.len()));
    for (name, text) in [("hostile", &hostile), ("flat", &flat)] {
        group.bench_with_input(BenchmarkId::new("parse", name), text, |b, t| {
            b.iter(|| {
                Document::parse_with_limits(black_box(t), &raised())
                    .expect("parses")
                    .node_count()
            });
        });
    }
    group.bench_with_input(
        BenchmarkId::new("parse", "hostile-default-limits"),
        &hostile,
        |b, t| b.iter(|| Document::parse(black_box(t)).expect_err("refused")),
    );
    for (name, text) in [("hostile", &hostile), ("flat", &flat)] {
        let doc = Document::parse_with_limits(text, &raised()).expect("parses");
        group.bench_function(BenchmarkId::new("c14n", name), |b| {
            b.iter(|| {
                let mut out = ByteCounter::new();
                c14n::canonicalize(black_box(&doc), None, None, &exclusive, &mut out)
                    .expect("canonicalizes");
                out.bytes
            });
        });
    }
    group.finish();
}

/// The Signature element of a signed-shape document.
fn signature(doc: &Document<'_>) -> NodeId {
    doc.descendants(NodeId::DOCUMENT)
        .find(|&n| doc.is(n, DSIG_NS, "Signature"))
        .expect("a Signature")
}

fn prefix_list(c: &mut Criterion) {
    const LEN: usize = 2 << 20;
    let hostile = prefix_list_hostile(LEN);
    let flat = prefix_list_flat(hostile.len());
    assert_eq!(hostile.len(), flat.len());
    let testdata = concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/saml-core/testdata");
    let cert = std::fs::read(format!("{testdata}/rsa2048.cert.pem")).expect("testdata");
    let verifier = Verifier::new(
        vec![TrustAnchor::from_any(&cert, None).expect("anchor")],
        AlgorithmPolicy::default(),
    );
    // Both reach the RSA check and fail there, unless the default limits refuse the list.
    for text in [&hostile, &flat] {
        let doc = Document::parse_with_limits(text, &raised()).expect("parses");
        let err = verifier.verify(&doc, signature(&doc)).expect_err("no key");
        assert!(err.to_string().contains("does not verify"), "{err}");
    }
    let doc = Document::parse(&hostile).expect("parses");
    let err = verifier.verify(&doc, signature(&doc)).expect_err("refused");
    assert!(err.to_string().contains("PrefixList"), "{err}");
    drop(doc);

    let mut group = c.benchmark_group("hostile/prefix-list");
    group.sample_size(20);
    group.throughput(bytes(hostile.len()));
    let runs = [
        ("hostile", &hostile, raised()),
        ("flat", &flat, raised()),
        ("hostile-default-limits", &hostile, Limits::default()),
    ];
    for (name, text, limits) in runs {
        group.bench_with_input(BenchmarkId::new("verify", name), text, |b, t| {
            b.iter(|| {
                let doc = Document::parse_with_limits(black_box(t), &limits).expect("parses");
                verifier.verify(&doc, signature(&doc)).is_err()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, namespaces, prefix_list);
criterion_main!(benches);
