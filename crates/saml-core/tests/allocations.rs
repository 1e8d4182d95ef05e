//! Heap allocations on the verify path, counted with a counting global allocator: full
//! verification (decode, parse, every signature, every SAML check) must make a bounded number
//! of allocations independent of node count, apart from the returned attributes (one `String`
//! per value, one per attribute name and the vectors holding them).
//!
//! Counts are for a verification after a first one on the same thread: the parser's arena is
//! then reused (`Document::recycle`), as in a service verifying one Response after another.
//!
//! Run with `--nocapture` to see the counts.

use saml_core::binding::{self, DecodeLimits};
use saml_core::crypto::TrustAnchor;
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::ServiceProvider;
use saml_core::settings::{IdpSettings, SpSettings};
use saml_core::time::parse_xs_datetime;

fn bench_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../tests/vectors/bench/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// (allocations, peak bytes live, attribute strings returned) for one full verification.
fn count(sp: &ServiceProvider, fixture: &str) -> (usize, usize, usize) {
    let input = bench_file(fixture);
    let now = parse_xs_datetime("2025-06-02T09:41:08Z").expect("now");
    let cache = InMemoryStore::new(16);
    // Warm up once (lazy statics, the cache's first insert).
    let _ = sp.validate_and_commit(
        &binding::decode(&input, &DecodeLimits::default())
            .expect("decodes")
            .xml,
        now,
        saml_core::saml::sp::danger::not_tracked(),
        &InMemoryStore::new(16),
    );
    let mut result = None;
    let info = allocation_counter::measure(|| {
        let xml = binding::decode(&input, &DecodeLimits::default())
            .expect("decodes")
            .xml;
        result = Some(
            sp.validate_and_commit(
                &xml,
                now,
                saml_core::saml::sp::danger::not_tracked(),
                &cache,
            )
            .expect("valid"),
        );
    });
    let assertion = result.expect("ran");
    let returned: usize = assertion
        .attributes()
        .iter()
        .map(|a| {
            2 + a.values.len()
                + usize::from(a.name_format.is_some())
                + usize::from(a.friendly_name.is_some())
        })
        .sum();
    (
        usize::try_from(info.count_total).unwrap_or(usize::MAX),
        usize::try_from(info.bytes_max).unwrap_or(usize::MAX),
        returned,
    )
}

#[test]
fn verify_path_allocations_do_not_grow_with_node_count() {
    let cert = bench_file("idp.pem");
    let sp = ServiceProvider::new(
        IdpSettings::new(
            "http://www.okta.com/exk1bench0okta0idp7",
            "https://idp.example.com/sso",
            vec![TrustAnchor::from_any(&cert, Some("idp.pem")).expect("anchor")],
        )
        .with_sign_requests(false),
        SpSettings::new(
            "https://sp.example.com/saml/metadata",
            "https://sp.example.com/saml/acs",
        ),
    )
    .expect("complete settings");
    let mut fixed = Vec::new();
    for fixture in [
        "small.xml.b64",
        "medium.xml.b64",
        "large.xml.b64",
        "both.xml.b64",
    ] {
        let (allocations, bytes, returned) = count(&sp, fixture);
        let others = allocations.saturating_sub(returned);
        eprintln!(
            "{fixture}: {allocations} allocations (peak {bytes} bytes live), of which {returned} for the returned attributes, {others} others"
        );
        fixed.push(others);
    }
    // The path's own allocations do not depend on node count: small, medium and large (~45x
    // more nodes, one attribute with over a thousand values) make exactly as many.
    let (small, medium, large) = (fixed[0], fixed[1], fixed[2]);
    assert!(
        small == medium && small == large,
        "allocations other than the returned attributes grew with size: small {small}, medium {medium}, large {large}"
    );
    assert!(
        small <= 200,
        "small fixture: {small} allocations besides attributes"
    );
}

/// A Response-shaped document of about `target` bytes (many attribute values).
fn document_of_size(target: usize) -> String {
    let head = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r\"><saml:Assertion ID=\"_a\"><saml:AttributeStatement><saml:Attribute Name=\"groups\">";
    let tail = "</saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>";
    let value = "<saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">group-R&amp;D-0000</saml:AttributeValue>";
    let n = target.saturating_sub(head.len() + tail.len()) / value.len();
    let mut s = String::with_capacity(target + value.len());
    s.push_str(head);
    for _ in 0..n {
        s.push_str(value);
    }
    s.push_str(tail);
    s
}

/// Resource bounds (hardening issue, item 3): memory grows linearly with input size, up to the
/// parser's configured maximum. Peak live bytes while parsing and canonicalizing, per input
/// byte, must stay within a constant band from 16 KB to the 8 MiB limit. (Time is shown by
/// the `scaling` criterion benchmark, never by a timed test.)
#[test]
fn memory_grows_linearly_up_to_the_size_limit() {
    use saml_core::xml::c14n::{Algorithm, Method, canonicalize};
    use saml_core::xml::{Document, Limits};
    let max = Limits::default().max_bytes;
    let mut ratios = Vec::new();
    let mut size = 16 << 10;
    while size <= max {
        let text = document_of_size(size.min(max - 1024));
        let info = allocation_counter::measure(|| {
            let doc = Document::parse(&text).expect("parses");
            let mut sink = Vec::new();
            canonicalize(
                &doc,
                None,
                None,
                &Method::new(Algorithm::Exclusive, false),
                &mut sink,
            )
            .expect("c14n");
            // The canonical output is held too: count it, it is part of this test's work.
            assert!(!sink.is_empty());
        });
        #[expect(
            clippy::as_conversions,
            reason = "byte counts of a few MiB, exact in f64 (no lossless From for usize)"
        )]
        let ratio = info.bytes_max as f64 / text.len() as f64;
        eprintln!(
            "{:>8} bytes: peak {:>9} bytes live ({ratio:.2} per input byte)",
            text.len(),
            info.bytes_max
        );
        ratios.push(ratio);
        size *= 4;
    }
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    assert!(
        hi / lo < 2.0,
        "peak memory per input byte varies from {lo:.2} to {hi:.2}"
    );
    assert!(hi < 16.0, "peak memory is {hi:.1}x the input");
    // One byte past the limit is refused before anything is allocated for it.
    let too_big = "x".repeat(max + 1);
    let info = allocation_counter::measure(|| {
        assert!(Document::parse(&too_big).is_err());
    });
    assert!(
        info.bytes_max < 4096,
        "refusing an oversized input allocated {} bytes",
        info.bytes_max
    );
}

/// One verifier serves every thread: the types a service shares are `Send + Sync` (a compile
/// error otherwise), and validation takes `&self` with no lock (the replay cache, the only
/// shared mutable state, is the caller's and is sharded).
#[test]
fn shared_verifier_types_are_send_and_sync() {
    fn shareable<T: Send + Sync>() {}
    shareable::<ServiceProvider>();
    shareable::<saml_core::dsig::Verifier>();
    shareable::<saml_core::saml::idp::IdentityProvider>();
    shareable::<saml_core::saml::replay::InMemoryStore>();
    shareable::<saml_core::saml::replay::InMemoryStore>();
    shareable::<saml_core::settings::IdpSettings>();
}
