//! Loading federation metadata (`saml_core::metadata::Metadata`) from a generated aggregate
//! (`saml_benches::metadata`: deterministic, about 10 KB per entity, realistic entities).
//!
//! Before criterion runs, one line per size from a single load measured by hand:
//! `load N entities (S MB): X ms, peak Y MB = Z× input`, where the peak is the largest heap
//! held at once during the load, counted by a global allocator (`allocation-counter`) in this
//! binary, plus the input buffer itself (the caller's, borrowed by the loaded document); and
//! the same for a signed aggregate's verification.
//!
//! Groups (throughput: input bytes, so a flat MiB/s across sizes means linear cost):
//! - `metadata/parse/N`: `Metadata::parse` (no signature) of 1,000 / 2,500 / 5,000 entities
//!   (about 10 / 25 / 50 MB): parse, index, duplicate check;
//! - `metadata/verify/N`: `Metadata::verify` of the same, signed with RSA-2048 / SHA-256:
//!   the above plus exclusive c14n of the whole document into SHA-256 and one RSA check;
//! - `metadata/select`: `IdpSettings` for the last entity of the 5,000 from a loaded aggregate.
//!
//! Reading the sizes: on glibc, blocks above malloc's dynamic mmap threshold come from fresh
//! pages on every load, so somewhere past 10 MB of input the cost per MB steps up once (page
//! faults on the arena, measured 0.97 → 1.57 ms/MB) and is flat again from there; with
//! `MALLOC_MMAP_THRESHOLD_=2147483647` (pages reused) it is flat at about 1 ms/MB from 2.7 to
//! 88 MB. A reload every few hours pays the fresh-page figure.
//!
//! Run: `cargo bench -p saml-benches --bench metadata -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use saml_benches::metadata::{aggregate, entity_id, sign};
use saml_core::crypto::{AlgorithmPolicy, Certificate, SigningKey, TrustAnchor};
use saml_core::dsig::Verifier;
use saml_core::metadata::{Metadata, MetadataLimits};
use saml_core::time::DateTime;

const SIZES: [usize; 3] = [1_000, 2_500, 5_000];

fn now() -> DateTime {
    DateTime::from_unix_seconds(1_796_515_200) // 2026-12-06T00:00:00Z
}

fn testdata(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../crates/saml-core/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn operator() -> (SigningKey, Certificate) {
    (
        SigningKey::from_pem(&testdata("rsa2048.pk8.pem"), None).expect("key"),
        Certificate::from_pem(&testdata("rsa2048.cert.pem"), None).expect("certificate"),
    )
}

fn mb(bytes: u64) -> f64 {
    #[expect(
        clippy::as_conversions,
        reason = "bytes to f64 for display: no lossless conversion from u64, and rounding past 2^53 bytes would not matter"
    )]
    let b = bytes as f64;
    b / 1_048_576.0
}

/// One load, timed and its heap peak counted; printed as the bench's headline figures.
fn report(label: &str, n: usize, input: &[u8], load: impl Fn() -> usize) {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        black_box(load());
        best = best.min(start.elapsed());
    }
    let info = allocation_counter::measure(|| {
        black_box(load());
    });
    let input_len = u64::try_from(input.len()).unwrap_or(u64::MAX);
    let peak = info.bytes_max + input_len;
    let ms = best.as_secs_f64() * 1e3;
    println!(
        "{label} {n} entities ({:.1} MB): {ms:.0} ms ({:.2} ms/MB), peak {:.1} MB = {:.2}× input (input {:.1} MB + {:.1} MB allocated by the load)",
        mb(input_len),
        ms / mb(input_len),
        mb(peak),
        mb(peak) / mb(input_len),
        mb(input_len),
        mb(info.bytes_max),
    );
}

fn bench(c: &mut Criterion) {
    let (key, certificate) = operator();
    let verifier = Verifier::new(
        vec![TrustAnchor::Certificate(certificate.clone())],
        AlgorithmPolicy::default(),
    );
    let limits = MetadataLimits::default();
    let inputs: Vec<(usize, String, String)> = SIZES
        .iter()
        .map(|&n| {
            let xml = aggregate(n);
            let signed = sign(&xml, &key, &certificate);
            (n, xml, signed)
        })
        .collect();

    for (n, xml, signed) in &inputs {
        report("load", *n, xml.as_bytes(), || {
            Metadata::parse(xml.as_bytes(), now(), &limits)
                .expect("loads")
                .len()
        });
        report("verify", *n, signed.as_bytes(), || {
            Metadata::verify(signed.as_bytes(), &verifier, now(), &limits)
                .expect("verifies")
                .len()
        });
    }

    let mut group = c.benchmark_group("metadata");
    group.sample_size(10);
    for (n, xml, signed) in &inputs {
        group.throughput(Throughput::Bytes(
            u64::try_from(xml.len()).unwrap_or(u64::MAX),
        ));
        group.bench_with_input(BenchmarkId::new("parse", n), xml, |b, xml| {
            b.iter(|| {
                Metadata::parse(xml.as_bytes(), now(), &limits)
                    .expect("loads")
                    .len()
            });
        });
        group.throughput(Throughput::Bytes(
            u64::try_from(signed.len()).unwrap_or(u64::MAX),
        ));
        group.bench_with_input(BenchmarkId::new("verify", n), signed, |b, signed| {
            b.iter(|| {
                Metadata::verify(signed.as_bytes(), &verifier, now(), &limits)
                    .expect("verifies")
                    .len()
            });
        });
    }
    group.finish();

    let (n, xml, _) = inputs.last().expect("sizes");
    let md = Metadata::parse(xml.as_bytes(), now(), &limits).expect("loads");
    let last_idp = (0..*n)
        .rev()
        .find(|&i| saml_benches::metadata::roles(i).0)
        .map(entity_id)
        .expect("an IdP");
    c.bench_function("metadata/select", |b| {
        b.iter(|| md.idp_settings(black_box(&last_idp), now()).expect("IdP"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
