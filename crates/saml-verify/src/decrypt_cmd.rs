//! `saml-verify decrypt`: print the plaintext of an encrypted element. No trust decision: the
//! plaintext is printed whether or not anything signed it (a CBC plaintext may even have been
//! altered in transit); `verify` is the command that decides.

use std::io::Write;
use std::path::PathBuf;

use saml_core::binding::{self, DecodeLimits};
use saml_core::xml::{Document, Limits};

use crate::decryption::{self, KeyArgs};
use crate::{Failure, input};

/// Arguments of `saml-verify decrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The message: raw XML, base64, a form body or a Redirect URL; a path, or `-` or nothing
    /// for standard input.
    input: Option<PathBuf>,
    #[command(flatten)]
    keys: KeyArgs,
}

/// Runs the command.
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    if args.keys.sp_keys.is_empty() {
        return Err(Failure::input(
            "at least one --sp-key (the SP's private decryption key) is required",
        ));
    }
    let keys = args.keys.load()?;
    let raw = input::read(args.input.as_deref())?;
    let decoded = binding::decode(&raw, &DecodeLimits::default())
        .map_err(|e| Failure::input(format!("cannot decode the input: {e}")))?;
    let doc = Document::parse_bytes(&decoded.xml, &Limits::default())
        .map_err(|e| Failure::input(format!("malformed XML: {e}")))?;
    let container = decryption::find_container(&doc).ok_or_else(|| {
        Failure::input(
            "the document has no EncryptedAssertion, EncryptedID, EncryptedAttribute or \
             NewEncryptedID to decrypt",
        )
    })?;
    let decrypted =
        saml_core::xmlenc::decrypt(&doc, container, &keys.keys, &keys.policy).map_err(|e| {
            Failure {
                code: 1,
                message: format!("rejected [{}]: {}", e.kind(), decryption::explain(&e)),
            }
        })?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&decrypted.plaintext)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::input(format!("cannot write output: {e}")))
}
