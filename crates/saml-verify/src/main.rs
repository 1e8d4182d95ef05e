//! `saml-verify`: decode, inspect, canonicalize, verify and benchmark captured SAML messages.
//!
//! Exit codes: 0 success; 1 message rejected; 2 usage error or unreadable/malformed input.
#![forbid(unsafe_code)]

mod c14n_cmd;
mod input;
mod sign_cmd;

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
    /// Sign a SAML Response, its Assertion, or both (enveloped, exclusive c14n, RSA-SHA256).
    Sign(sign_cmd::Args),
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("saml-verify: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
