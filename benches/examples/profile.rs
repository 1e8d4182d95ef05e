//! Runs one operation of the benchmarks COUNT times, for `valgrind --tool=callgrind`
//! (instruction counts are stable on a loaded machine, wall-clock time is not). Setup
//! (fixtures, keys, settings) and one warm-up run happen before `work`; collect only inside it:
//!
//! ```sh
//! cargo build --release -p saml-benches --example profile
//! valgrind --tool=callgrind --toggle-collect='profile::work' \
//!     target/release/examples/profile OPERATION [COUNT]
//! ```
//!
//! OPERATION is `verify-FIXTURE` (full verification of a signed fixture: `small`, `medium`,
//! `large`, `both`), `floor-FIXTURE` (its floor of the fastest primitives), `issue-SIZE-KEY`
//! (issuing a signed Response: SIZE `small` or `medium`, KEY `rsa2048` or `p256`) or
//! `issue-floor-SIZE-KEY` (its floor). COUNT defaults to 10; divide the total by it.

use saml_benches::issue::{IssueFloor, KeyType, identity_provider, subject};
use saml_benches::{Floor, NOW, service_provider, verify_full};
use saml_core::time::parse_xs_datetime;

/// One warm-up run of `op` (one-time initialization, such as the crypto library's entropy
/// pool, falls there), then [`work`].
fn run(count: u32, op: &mut dyn FnMut()) {
    op();
    work(count, op);
}

/// The collected region: `count` runs of `op`.
#[inline(never)]
fn work(count: u32, op: &mut dyn FnMut()) {
    for _ in 0..count {
        op();
    }
}

fn key(label: &str) -> KeyType {
    KeyType::ALL
        .into_iter()
        .find(|k| k.label() == label)
        .unwrap_or_else(|| panic!("unknown key {label}"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().expect("usage: profile OPERATION [COUNT]");
    let count: u32 = args
        .next()
        .map(|c| c.parse().expect("COUNT is a number"))
        .unwrap_or(10);
    let now = parse_xs_datetime(NOW).expect("now");
    let parts: Vec<&str> = op.split('-').collect();
    match parts.as_slice() {
        ["verify", fixture] => {
            let sp = service_provider();
            let floor = Floor::prepare(fixture);
            run(count, &mut || {
                std::hint::black_box(verify_full(&sp, &floor.b64, now));
            });
        }
        ["floor", fixture] => {
            let floor = Floor::prepare(fixture);
            run(count, &mut || {
                std::hint::black_box(floor.run());
            });
        }
        ["issue", size, k] => {
            let (idp, peer) = identity_provider(key(k));
            let subject = subject(size);
            run(count, &mut || {
                std::hint::black_box(idp.issue(&peer, &subject, None, now).expect("issues"));
            });
        }
        ["issue", "floor", size, k] => {
            let k = key(k);
            let (idp, peer) = identity_provider(k);
            let floor = IssueFloor::prepare(&idp, &peer, &subject(size), k);
            run(count, &mut || {
                std::hint::black_box(floor.run());
            });
        }
        _ => panic!("unknown operation {op}"),
    }
}
