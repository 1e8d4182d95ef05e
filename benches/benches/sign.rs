//! IdP hot path: issuing a signed Response with our `IdentityProvider` (sign target: the
//! Assertion, then the Response, the default), one criterion group per size and key type
//! (`sign/<size>-<key>`: `small`/`medium`, `rsa2048`/`p256`), each with its floor in the same
//! group (`saml_benches::issue::IssueFloor`): one copy of the output's bytes, and per signature
//! SHA-256 over the signed element's canonical octets plus one private-key operation over
//! canonical SignedInfo, with aws-lc-rs. The figure of merit is `issue ÷ floor`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use saml_benches::NOW;
use saml_benches::issue::{IssueFloor, KeyType, SIZES, identity_provider, subject};
use saml_core::time::parse_xs_datetime;

fn bench(c: &mut Criterion) {
    let now = parse_xs_datetime(NOW).expect("now");
    for key in KeyType::ALL {
        let (idp, peer) = identity_provider(key);
        for size in SIZES {
            let subject = subject(size);
            let floor = IssueFloor::prepare(&idp, &peer, &subject, key);
            let mut group = c.benchmark_group(format!("sign/{size}-{}", key.label()));
            group.throughput(Throughput::Bytes(
                u64::try_from(floor.xml.len()).expect("usize fits in u64"),
            ));
            group.bench_function(BenchmarkId::from_parameter("floor"), |b| {
                b.iter(|| floor.run());
            });
            group.bench_function(BenchmarkId::from_parameter("issue"), |b| {
                b.iter(|| idp.issue(&peer, &subject, None, now).expect("issues"));
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
