//! Parse and canonicalization throughput over the unsigned Okta-shaped fixtures
//! (`tests/vectors/bench/`, profiled in its README and in [`saml_benches::UNSIGNED`]).
//!
//! Groups, each with one benchmark per fixture (`small`, `medium`, `large`):
//! - `parse`: `Document::parse` of the whole Response; throughput is the input size.
//! - `c14n`: exclusive c14n (PrefixList `xs`, as the fixtures' Transform says) of the
//!   Assertion without its `ds:Signature`, the enveloped-signature Reference a verifier
//!   digests. `count/*` streams into a sink that only counts bytes; `sha256/*` streams into a
//!   SHA-256 context (one `update` per write) and finishes it; `sha256-buffered/*` does the
//!   same through a 4 KiB buffer. Throughput is the canonical output size.
//! - `floor`: SHA-256 over the canonical bytes already in memory, the digest's share of
//!   `c14n/sha256/*`; throughput is the canonical output size.
//!
//! Run: `cargo bench -p saml-benches --bench xml` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ring::digest;
use saml_benches::{ByteCounter, Fixture, UNSIGNED, assertion_and_signature, fixture};
use saml_core::xml::Document;
use saml_core::xml::c14n::{self, Algorithm, Method, Sink};

/// Feeds canonical bytes to a SHA-256 context.
struct DigestSink(digest::Context);

impl Sink for DigestSink {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Feeds canonical bytes to a SHA-256 context through a buffer, so the digest sees a few
/// large updates instead of one per token.
struct BufferedDigestSink {
    context: digest::Context,
    buffer: Vec<u8>,
}

impl BufferedDigestSink {
    const CAPACITY: usize = 4096;

    fn new() -> Self {
        Self {
            context: digest::Context::new(&digest::SHA256),
            buffer: Vec::with_capacity(Self::CAPACITY),
        }
    }

    fn finish(mut self) -> digest::Digest {
        self.context.update(&self.buffer);
        self.context.finish()
    }
}

impl Sink for BufferedDigestSink {
    fn write(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > Self::CAPACITY {
            self.context.update(&self.buffer);
            self.buffer.clear();
        }
        if bytes.len() >= Self::CAPACITY {
            self.context.update(bytes);
        } else {
            self.buffer.extend_from_slice(bytes);
        }
    }
}

/// Criterion byte throughput for a length.
fn bytes(len: usize) -> Throughput {
    // usize is at most 64 bits on every target Rust supports.
    Throughput::Bytes(u64::try_from(len).expect("usize fits in u64"))
}

/// The c14n method the fixtures' Reference names.
fn method() -> Method<'static> {
    Method::new(Algorithm::Exclusive, false).with_inclusive_prefixes(["xs"])
}

/// Loads and parses a fixture, panicking with its name if it is not usable.
fn load(f: &Fixture) -> String {
    let text = fixture(f.file);
    if let Err(e) = Document::parse(&text) {
        panic!("fixture {} does not parse: {e}", f.file);
    }
    text
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for f in UNSIGNED {
        let text = load(f);
        group.throughput(bytes(text.len()));
        group.bench_with_input(
            BenchmarkId::from_parameter(f.label),
            text.as_str(),
            |b, t| {
                b.iter(|| Document::parse(black_box(t)).expect("fixture parses"));
            },
        );
    }
    group.finish();
}

fn canonicalize(c: &mut Criterion) {
    let method = method();
    let mut group = c.benchmark_group("c14n");
    for f in UNSIGNED {
        let text = load(f);
        let doc = Document::parse(&text).expect("fixture parses");
        let (assertion, signature) = assertion_and_signature(&doc)
            .unwrap_or_else(|| panic!("fixture {} has no Assertion/ds:Signature", f.file));
        let mut counter = ByteCounter::new();
        c14n::canonicalize(
            &doc,
            Some(assertion),
            Some(signature),
            &method,
            &mut counter,
        )
        .expect("assertion canonicalizes");
        group.throughput(bytes(counter.bytes));

        group.bench_function(BenchmarkId::new("count", f.label), |b| {
            b.iter(|| {
                let mut sink = ByteCounter::new();
                c14n::canonicalize(
                    black_box(&doc),
                    Some(assertion),
                    Some(signature),
                    &method,
                    &mut sink,
                )
                .expect("assertion canonicalizes");
                sink.bytes
            });
        });
        group.bench_function(BenchmarkId::new("sha256", f.label), |b| {
            b.iter(|| {
                let mut sink = DigestSink(digest::Context::new(&digest::SHA256));
                c14n::canonicalize(
                    black_box(&doc),
                    Some(assertion),
                    Some(signature),
                    &method,
                    &mut sink,
                )
                .expect("assertion canonicalizes");
                sink.0.finish()
            });
        });
        group.bench_function(BenchmarkId::new("sha256-buffered", f.label), |b| {
            b.iter(|| {
                let mut sink = BufferedDigestSink::new();
                c14n::canonicalize(
                    black_box(&doc),
                    Some(assertion),
                    Some(signature),
                    &method,
                    &mut sink,
                )
                .expect("assertion canonicalizes");
                sink.finish()
            });
        });
    }
    group.finish();
}

fn floor(c: &mut Criterion) {
    let method = method();
    let mut group = c.benchmark_group("floor");
    for f in UNSIGNED {
        let text = load(f);
        let doc = Document::parse(&text).expect("fixture parses");
        let (assertion, signature) = assertion_and_signature(&doc)
            .unwrap_or_else(|| panic!("fixture {} has no Assertion/ds:Signature", f.file));
        let mut canonical = Vec::new();
        c14n::canonicalize(
            &doc,
            Some(assertion),
            Some(signature),
            &method,
            &mut canonical,
        )
        .expect("assertion canonicalizes");
        group.throughput(bytes(canonical.len()));
        group.bench_with_input(
            BenchmarkId::new("sha256", f.label),
            canonical.as_slice(),
            |b, data| b.iter(|| digest::digest(&digest::SHA256, black_box(data))),
        );
    }
    group.finish();
}

criterion_group!(benches, parse, canonicalize, floor);
criterion_main!(benches);
