//! The no-security backend of fuzzing builds: signature mathematics and `DigestValue`
//! comparisons report success without looking at their inputs.
//!
//! # What it does
//!
//! Two things change, and nothing else:
//!
//! - [`signature_math`] stands in for the mathematics of every signature check
//!   ([`PublicKey::verify`](super::PublicKey::verify) on *ring*, on the RustCrypto curves for
//!   ECDSA-SHA512, and on aws-lc-rs): it does not run them and says "verified";
//! - [`digest_matches`] stands in for the comparison of the computed digest with `DigestValue`
//!   in `dsig::verify`: it says "equal".
//!
//! Everything around them still runs and still refuses what it refuses: XML parsing, the
//! position rules of the Signature and its Reference, ID uniqueness, canonicalization and the
//! digest computation itself, base64 decoding, the algorithm policy, the match between key
//! type and algorithm, RSA key-size limits, the order in which trusted keys are tried, and the
//! length check of fixed-size ECDSA signatures.
//!
//! # Why
//!
//! A fuzzer mutates signed Responses and AuthnRequests. With real cryptography nearly every
//! mutation breaks the digest or the signature, so the checks behind them (signature scope,
//! Status, Issuer, Destination, time conditions, audience, bearer confirmation, solicitation,
//! the replay cache, the IdP's request checks) would only ever see the few unmodified seeds.
//! This is the approach of `rustls-fuzzing-provider` (STYLE.md §11).
//!
//! # Why it cannot ship
//!
//! This module and the two switches into it are compiled only under `cfg(fuzzing)`. That cfg
//! is not a Cargo feature: no `--features`, `--all-features`, profile or dependent crate can
//! turn it on, and a plain `cargo build --release` never has it. Only `--cfg fuzzing` in
//! `RUSTFLAGS` sets it; cargo-fuzz passes it for the whole build (cargo-afl and honggfuzz do
//! too), and `cargo fuzz --no-cfg-fuzzing` turns it off again. `debug_assertions` cannot serve
//! as a second key: `cargo fuzz run -O` builds without them (cargo-fuzz 0.13 adds
//! `-Cdebug-assertions` only without `-O`, or with `-a`). `tests/fuzz_corpus.rs` checks that
//! an ordinary build still refuses a tampered signature and a tampered digest.

/// Fuzzing builds: reports every signature as verified without running `_mathematics`.
pub(super) fn signature_math(_mathematics: impl FnOnce() -> bool) -> bool {
    true
}

/// Fuzzing builds: reports every computed digest as equal to `DigestValue`.
pub(crate) fn digest_matches(_computed: &[u8], _expected: &[u8]) -> bool {
    true
}
