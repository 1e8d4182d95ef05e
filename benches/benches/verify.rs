//! Verification benchmarks, one criterion group per signed fixture, each with its own floor so
//! the ratio full ÷ floor is read off one run (see BENCHMARKING.md).
//!
//! - `floor`: the unavoidable work with the fastest primitive for each step on this machine
//!   (`saml_benches::Floor::run`): base64 decode of the POST value with `base64-simd`, one
//!   quick-xml event pass over the XML, and per signature SHA-256 (aws-lc-rs) over the
//!   referenced element's canonical bytes plus one RSA-2048 PKCS#1 v1.5 verification of
//!   SignedInfo with aws-lc-rs and the key parsed once.
//! - `floor_library`: the same steps with the primitives the library uses
//!   (`Floor::run_library`): the `base64` crate, the verifier's crypto backend.
//! - `floor_min`: the XML Signature issue's simpler floor, fastest primitives: base64 decode,
//!   SHA-256 over the whole input, one RSA verification.
//! - `base64_crate`, `base64_simd`: the POST value's decoding alone with each decoder.
//! - `parse`: our parser on the decoded XML.
//! - `c14n`: exclusive c14n of each signed element into SHA-256 (as verification streams it).
//! - `verify_signature`: parse + every XML Signature verified (no SAML checks).
//! - `verify_full`: what `saml-verify verify` does: decode, parse, every signature, every
//!   SAML check, producing the `VerifiedAssertion`.
//!
//! `verify/encrypted-small`: the small fixture with its signed Assertion encrypted for the
//! SP's RSA-2048 key (AES-256-GCM, xmlenc11 RSA-OAEP SHA-256), made at start-up: `floor` is
//! the small floor plus one RSA-OAEP decryption and AES-256-GCM over the ciphertext
//! (`saml_benches::EncryptedFloor`), `verify_full` decrypts and validates it.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use saml_benches::{
    EncryptedFloor, Floor, NOW, NoReplay, SIGNED, base64_crate_decode, base64_simd_decode,
    decrypting_service_provider, service_provider, verify_full,
};
use saml_core::binding::{self, DecodeLimits};
use saml_core::crypto::TrustAnchor;
use saml_core::dsig::{DSIG_NS, Verifier};
use saml_core::time::parse_xs_datetime;
use saml_core::xml::c14n::{self, Algorithm, Method};
use saml_core::xml::{Document, NodeId};

fn signatures(doc: &Document<'_>) -> Vec<NodeId> {
    doc.descendants(doc.root_element())
        .filter(|&n| doc.is(n, DSIG_NS, "Signature"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let sp = service_provider();
    let verifier = Verifier::new(
        sp.idp().signing_certificates().to_vec(),
        sp.idp().algorithm_policy().clone(),
    );
    let now = parse_xs_datetime(NOW).expect("now");
    for f in SIGNED {
        let p = Floor::prepare(f.name);
        let mut group = c.benchmark_group(format!("verify/{}", f.name));
        group.throughput(Throughput::Bytes(
            u64::try_from(p.b64.len()).expect("usize fits in u64"),
        ));

        group.bench_function(BenchmarkId::from_parameter("floor"), |b| {
            b.iter(|| p.run());
        });
        group.bench_function(BenchmarkId::from_parameter("floor_library"), |b| {
            b.iter(|| p.run_library());
        });
        group.bench_function(BenchmarkId::from_parameter("floor_min"), |b| {
            b.iter(|| {
                let xml = base64_simd_decode(p.b64.trim().as_bytes());
                let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &xml);
                let (si, sv) = p.first_signature();
                assert!(p.rsa_verify(si, sv));
                digest
            });
        });
        group.bench_function(BenchmarkId::from_parameter("base64_crate"), |b| {
            b.iter(|| base64_crate_decode(p.b64.trim().as_bytes()));
        });
        group.bench_function(BenchmarkId::from_parameter("base64_simd"), |b| {
            b.iter(|| base64_simd_decode(p.b64.trim().as_bytes()));
        });
        group.bench_function(BenchmarkId::from_parameter("parse"), |b| {
            b.iter(|| Document::parse(&p.xml).expect("parses").node_count());
        });
        let doc = Document::parse(&p.xml).expect("parses");
        let sigs = signatures(&doc);
        let exclusive = Method::new(Algorithm::Exclusive, false);
        group.bench_function(BenchmarkId::from_parameter("c14n"), |b| {
            b.iter(|| {
                for &s in &sigs {
                    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
                    let mut sink = DigestSink(&mut ctx);
                    let element = doc.parent(s).expect("parent");
                    c14n::canonicalize(&doc, Some(element), Some(s), &exclusive, &mut sink)
                        .expect("c14n");
                    std::hint::black_box(ctx.finish());
                }
            });
        });
        group.bench_function(BenchmarkId::from_parameter("verify_signature"), |b| {
            b.iter(|| {
                let doc = Document::parse(&p.xml).expect("parses");
                for s in signatures(&doc) {
                    verifier.verify(&doc, s).expect("verifies");
                }
            });
        });
        group.bench_function(BenchmarkId::from_parameter("verify_full"), |b| {
            b.iter(|| verify_full(&sp, &p.b64, now));
        });
        group.finish();
    }
}

/// The encrypted small fixture: full verification (decryption included) against its floor.
fn encrypted(c: &mut Criterion) {
    let sp = decrypting_service_provider();
    let now = parse_xs_datetime(NOW).expect("now");
    let p = EncryptedFloor::prepare("small");
    let v = verify_full(&sp, &p.b64, now);
    assert_eq!(v.encryption(), Some(saml_benches::ENCRYPTED_DATA));
    let mut group = c.benchmark_group("verify/encrypted-small");
    group.throughput(Throughput::Bytes(
        u64::try_from(p.b64.len()).expect("usize fits in u64"),
    ));
    group.bench_function(BenchmarkId::from_parameter("floor"), |b| {
        b.iter(|| p.run());
    });
    group.bench_function(BenchmarkId::from_parameter("floor_library"), |b| {
        b.iter(|| p.run_library());
    });
    group.bench_function(BenchmarkId::from_parameter("verify_full"), |b| {
        b.iter(|| verify_full(&sp, &p.b64, now));
    });
    group.finish();
}

/// Feeds canonical bytes to a digest (unbuffered: the `c14n` group measures c14n itself).
struct DigestSink<'a>(&'a mut ring::digest::Context);

impl c14n::Sink for DigestSink<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Full verification of our IdP's responses from ~5 KB to ~1 MB: throughput (bytes/s) must
/// stay flat, i.e. cost grows linearly with size (no per-node search, no quadratic work).
fn scaling(c: &mut Criterion) {
    use saml_core::crypto::{Certificate, SigningKey};
    use saml_core::dsig::Signer;
    use saml_core::saml::idp::{IdentityProvider, SignTarget, Subject};
    use saml_core::saml::sp::ServiceProvider;
    use saml_core::settings::{IdpSettings, SpSettings};

    let testdata = concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/saml-core/testdata");
    let read = |n: &str| std::fs::read(format!("{testdata}/{n}")).expect("testdata");
    let idp = IdentityProvider::new(
        "https://idp.example/scaling",
        "https://idp.example/sso",
        Signer::new(
            SigningKey::from_pem(&read("rsa2048.pk8.pem"), None).expect("key"),
            Some(Certificate::from_pem(&read("rsa2048.cert.pem"), None).expect("cert")),
        ),
    )
    .with_sign_target(SignTarget::Assertion);
    let peer = saml_core::saml::idp::danger::unsigned_requests(
        "https://sp.example/md",
        "https://sp.example/acs",
    );
    let sp = ServiceProvider::new(
        IdpSettings::new(
            "https://idp.example/scaling",
            "https://idp.example/sso",
            vec![TrustAnchor::from_any(&read("rsa2048.cert.pem"), None).expect("anchor")],
        )
        .with_sign_requests(false),
        SpSettings::new("https://sp.example/md", "https://sp.example/acs").with_unsolicited(true),
    )
    .expect("complete settings");
    let now = parse_xs_datetime(NOW).expect("now");
    let mut group = c.benchmark_group("scaling");
    for kb in [5usize, 16, 64, 256, 1024] {
        // About 110 bytes per group value once rendered.
        let values: Vec<String> = (0..(kb * 1024).saturating_sub(3000) / 110)
            .map(|i| format!("group-{i:06}-engineering"))
            .collect();
        let subject = Subject::new("alice@example.com").with_attribute("groups", values);
        let xml = idp.issue(&peer, &subject, None, now).expect("issued");
        let b64 = binding::encode_post(xml.as_bytes());
        group.throughput(Throughput::Bytes(
            u64::try_from(xml.len()).expect("usize fits in u64"),
        ));
        group.bench_function(BenchmarkId::new("verify_full", format!("{kb}KB")), |b| {
            b.iter(|| {
                let xml = binding::decode(b64.as_bytes(), &DecodeLimits::default())
                    .expect("decodes")
                    .xml;
                sp.validate_and_commit(
                    &xml,
                    now,
                    saml_core::saml::sp::danger::not_tracked(),
                    &NoReplay,
                )
                .expect("valid")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench, encrypted, scaling);
criterion_main!(benches);
