//! Full verification ÷ floor per signed fixture (and `encrypted-small`, the small one with its
//! Assertion encrypted), with the two measured alternately in one process so that load from
//! other tenants of a shared machine falls on both alike.
//!
//! Criterion measures `floor` and `verify_full` one after the other, seconds apart; on a noisy
//! machine a burst of load during one of them moves the ratio. Here each round times a batch of
//! floors and then a batch of full verifications, and the figures are the minimum and the
//! median over the rounds (the minimum is the least disturbed estimate of each).
//!
//! ```sh
//! cargo run --release -p saml-benches --example ratio [-- ROUNDS [FIXTURE...]]
//! cargo run --release -p saml-benches --features ring --example ratio
//! ```
//!
//! Each row gives two ratios: against the floor of the fastest primitives (`Floor::run`:
//! base64-simd, aws-lc-rs SHA-256 and RSA with the key parsed once), and against the floor
//! built with the primitives the library uses (`Floor::run_library`: the `base64` crate, the
//! verifier's backend, aws-lc-rs by default and ring with `--features ring`). FIXTURE is a
//! signed fixture, `encrypted-small`, `issue` (every signing row) or one signing row such as
//! `issue-small-p256`. For the signing rows both floors are the same (aws-lc-rs).

use std::time::{Duration, Instant};

use saml_benches::issue::{IssueFloor, KeyType, SIZES, identity_provider, subject};
use saml_benches::{
    EncryptedFloor, Floor, NOW, SIGNED, decrypting_service_provider, service_provider, verify_full,
};
use saml_core::time::parse_xs_datetime;

/// Time per batch of one side: long enough to swamp timer resolution, short enough for many
/// rounds.
const BATCH: Duration = Duration::from_millis(40);

fn per_op(iterations: u32, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Times `run_floor`, `run_library` (the floor on the library's primitives) and `run_full`
/// in alternating batches and prints one table row.
fn measure(
    name: &str,
    rounds: usize,
    run_floor: &mut dyn FnMut(),
    run_library: &mut dyn FnMut(),
    run_full: &mut dyn FnMut(),
) {
    // Calibrate: iterations per batch from half a warm-up second per side.
    let warm = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < Duration::from_millis(500) {
            f();
            n += 1;
        }
        let each = start.elapsed().as_secs_f64() / f64::from(n);
        #[expect(
            clippy::as_conversions,
            reason = "float to int saturates (and NaN gives 0, raised to 1 below), which is \
                      what a batch size wants; no conversion in std does this without `as`"
        )]
        let batch = (BATCH.as_secs_f64() / each) as u32;
        batch.max(1)
    };
    let floor_n = warm(run_floor);
    let library_n = warm(run_library);
    let full_n = warm(run_full);
    let mut floors = Vec::with_capacity(rounds);
    let mut libraries = Vec::with_capacity(rounds);
    let mut fulls = Vec::with_capacity(rounds);
    let mut ratios = Vec::with_capacity(rounds);
    let mut library_ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let a = per_op(floor_n, run_floor);
        let l = per_op(library_n, run_library);
        let b = per_op(full_n, run_full);
        floors.push(a);
        libraries.push(l);
        fulls.push(b);
        ratios.push(b / a);
        library_ratios.push(b / l);
    }
    let (floor_min, library_min, full_min) = (min(&floors), min(&libraries), min(&fulls));
    println!(
        "| {name} | {floor_min:.1} | {library_min:.1} | {full_min:.1} | {:.2} | {:.2} | {:.2} | {:.2} |",
        full_min / floor_min,
        median(&mut ratios),
        full_min / library_min,
        median(&mut library_ratios),
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .map(|r| r.parse().expect("ROUNDS is a number"))
        .unwrap_or(30);
    let wanted: Vec<String> = args.collect();
    let sp = service_provider();
    let now = parse_xs_datetime(NOW).expect("now");
    let verifier = if cfg!(feature = "ring") {
        "ring"
    } else {
        "aws-lc-rs"
    };
    println!(
        "full ÷ floor, {rounds} alternating rounds; verifier and library floor on {verifier}; \
         fastest floor: base64-simd, aws-lc-rs SHA-256 and RSA (key parsed once)"
    );
    println!(
        "| fixture | fastest floor µs (min) | library floor µs (min) | full µs (min) | \
         ÷ fastest (min) | ÷ fastest (median) | ÷ library (min) | ÷ library (median) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let selected = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    for f in SIGNED.iter().filter(|f| selected(f.name)) {
        let floor = Floor::prepare(f.name);
        measure(
            f.name,
            rounds,
            &mut || {
                std::hint::black_box(floor.run());
            },
            &mut || {
                std::hint::black_box(floor.run_library());
            },
            &mut || {
                std::hint::black_box(verify_full(&sp, &floor.b64, now));
            },
        );
    }
    if selected("encrypted-small") {
        let sp = decrypting_service_provider();
        let floor = EncryptedFloor::prepare("small");
        measure(
            "encrypted-small",
            rounds,
            &mut || {
                std::hint::black_box(floor.run());
            },
            &mut || {
                std::hint::black_box(floor.run_library());
            },
            &mut || {
                std::hint::black_box(verify_full(&sp, &floor.b64, now));
            },
        );
    }
    // The IdP hot path: issuing a signed Response against its floor (aws-lc-rs private-key
    // operations; the library's signing backend is aws-lc-rs too unless `ring`).
    for key in KeyType::ALL {
        let (idp, peer) = identity_provider(key);
        for size in SIZES {
            let name = format!("issue-{size}-{}", key.label());
            if !(selected(&name) || selected("issue")) {
                continue;
            }
            let subject = subject(size);
            let floor = IssueFloor::prepare(&idp, &peer, &subject, key);
            measure(
                &name,
                rounds,
                &mut || {
                    std::hint::black_box(floor.run());
                },
                &mut || {
                    std::hint::black_box(floor.run());
                },
                &mut || {
                    std::hint::black_box(idp.issue(&peer, &subject, None, now).expect("issues"));
                },
            );
        }
    }
}
