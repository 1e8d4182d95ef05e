//! Throughput of full verification (and of issuing) on one thread and on two: the same
//! `ServiceProvider` (or `IdentityProvider`), shared by reference, does N operations on one
//! thread, then N split between two threads that start together; the two are timed in
//! alternating rounds so that load from other tenants of a shared machine falls on both alike.
//!
//! ```sh
//! cargo run --release -p saml-benches --example threads [-- N ROUNDS [WORKLOAD...]]
//! ```
//!
//! WORKLOAD is a signed fixture (`small`, `medium`, `large`, `both`), `issue-SIZE-KEY`
//! (`issue-small-p256`, …) or `control` (about 20 µs of register arithmetic touching no
//! memory: what two threads get from the machine when nothing is shared); default `control
//! small medium issue-small-p256`. Prints, per workload, the
//! best operations per second on one thread and on two, their ratio (the best of each), and
//! the median of the per-round ratios. The ratio cannot exceed the number of idle cores: run
//! `uptime` beside it and report the load.

use std::time::Instant;

use saml_benches::issue::{KeyType, identity_provider, subject};
use saml_benches::{Floor, NOW, service_provider, verify_full};
use saml_core::time::parse_xs_datetime;

/// Seconds for `n` runs of `op` on one thread.
fn one_thread(n: u32, op: &(dyn Fn() + Sync)) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        op();
    }
    start.elapsed().as_secs_f64()
}

/// Seconds for `n` runs of `op` split between two threads (the first gets the odd one), from
/// before both start until both are done.
fn two_threads(n: u32, op: &(dyn Fn() + Sync)) -> f64 {
    let barrier = std::sync::Barrier::new(3);
    std::thread::scope(|s| {
        for share in [n - n / 2, n / 2] {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                for _ in 0..share {
                    op();
                }
            });
        }
        let start = Instant::now();
        barrier.wait();
        // The scope joins both threads before it returns.
        start
    })
    .elapsed()
    .as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn measure(name: &str, n: u32, rounds: usize, op: &(dyn Fn() + Sync)) {
    op();
    let (mut best1, mut best2) = (f64::INFINITY, f64::INFINITY);
    let mut ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t1 = one_thread(n, op);
        let t2 = two_threads(n, op);
        best1 = best1.min(t1);
        best2 = best2.min(t2);
        ratios.push(t1 / t2);
    }
    let per_second = |t: f64| f64::from(n) / t;
    println!(
        "| {name} | {n} | {:.0} | {:.0} | {:.2} | {:.2} |",
        per_second(best1),
        per_second(best2),
        best1 / best2,
        median(&mut ratios)
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u32 = args
        .next()
        .map(|v| v.parse().expect("N is a number"))
        .unwrap_or(2000);
    let rounds: usize = args
        .next()
        .map(|v| v.parse().expect("ROUNDS is a number"))
        .unwrap_or(10);
    let mut wanted: Vec<String> = args.collect();
    if wanted.is_empty() {
        wanted = ["control", "small", "medium", "issue-small-p256"]
            .map(String::from)
            .to_vec();
    }
    let now = parse_xs_datetime(NOW).expect("now");
    println!(
        "throughput, {n} operations per side, {rounds} alternating rounds, {} CPUs visible",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    println!(
        "| workload | N | ops/s 1 thread (best) | ops/s 2 threads (best) | 2 ÷ 1 (best) | 2 ÷ 1 (median) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for w in &wanted {
        let parts: Vec<&str> = w.split('-').collect();
        match parts.as_slice() {
            ["control"] => measure(w, n, rounds, &|| {
                let mut x = std::hint::black_box(0x2545_f491_4f6c_dd1du64);
                for _ in 0..20_000 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                }
                std::hint::black_box(x);
            }),
            ["issue", size, key] => {
                let key = KeyType::ALL
                    .into_iter()
                    .find(|k| k.label() == *key)
                    .unwrap_or_else(|| panic!("unknown key {key}"));
                let (idp, peer) = identity_provider(key);
                let subject = subject(size);
                measure(w, n, rounds, &|| {
                    std::hint::black_box(idp.issue(&peer, &subject, None, now).expect("issues"));
                });
            }
            [fixture] => {
                let sp = service_provider();
                let b64 = Floor::prepare(fixture).b64;
                measure(w, n, rounds, &|| {
                    std::hint::black_box(verify_full(&sp, &b64, now));
                });
            }
            _ => panic!("unknown workload {w}"),
        }
    }
}
