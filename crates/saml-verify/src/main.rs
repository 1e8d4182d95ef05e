//! `saml-verify`: decode, inspect, canonicalize, verify and benchmark captured SAML messages.
//!
//! Exit codes: 0 success; 1 message rejected; 2 usage error or unreadable/malformed input.
#![forbid(unsafe_code)]

mod c14n_cmd;
mod decrypt_cmd;
mod decryption;
mod input;
mod inspect_cmd;
mod metadata_cmd;
mod policy_cmd;
mod sign_cmd;
mod verify_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Decode, inspect, canonicalize, verify and benchmark captured SAML messages.
#[derive(Debug, Parser)]
#[command(name = "saml-verify", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the canonical form of a document, or of the element with a given ID.
    C14n(c14n_cmd::Args),
    /// Decode and pretty-print a captured message (no trust decision).
    Inspect(inspect_cmd::Args),
    /// Validate a captured Response against IdP and SP settings.
    Verify(verify_cmd::Args),
    /// Verify the input N times in one process and report µs/op and ops/s.
    Bench(verify_cmd::BenchArgs),
    /// Sign a SAML Response, its Assertion, or both (enveloped, exclusive c14n, RSA-SHA256).
    Sign(sign_cmd::Args),
    /// Decrypt an encrypted assertion with the SP's key and print it (no trust decision).
    ///
    /// Decrypts the first EncryptedAssertion of a message (if it has none, its first
    /// EncryptedID, EncryptedAttribute or NewEncryptedID) with the --sp-key keys and prints the
    /// plaintext exactly as decrypted, followed by a newline.
    ///
    /// No trust decision: nothing is verified, neither a signature nor a condition, and an
    /// AES-CBC plaintext may have been altered in transit. `saml-verify verify --sp-key`
    /// decides.
    Decrypt(decrypt_cmd::Args),
    /// Verify SAML metadata (signature with --cert, validUntil) and list its entities.
    ///
    /// Lists each entity's roles, endpoints (SSO, ACS, SLO with binding), keys (use, SHA-256
    /// fingerprint, subject, expiry), validUntil and cacheDuration. Exit 0 valid, 1 rejected,
    /// 2 unreadable.
    Metadata(metadata_cmd::Args),
}

/// A failure that ends the command with an exit code and a message on standard error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    /// Usage errors and unreadable or malformed input: exit code 2.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::C14n(args) => c14n_cmd::run(&args),
        Command::Sign(args) => sign_cmd::run(&args),
        Command::Decrypt(args) => decrypt_cmd::run(&args),
        Command::Inspect(args) => inspect_cmd::run(&args),
        Command::Verify(args) => verify_cmd::run(&args),
        Command::Bench(args) => verify_cmd::bench(&args),
        Command::Metadata(args) => metadata_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("saml-verify: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
