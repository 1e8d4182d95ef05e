//! Reading the INPUT argument: a path, or `-` / nothing for standard input.

use std::io::{IsTerminal as _, Read};
use std::path::Path;

use crate::Failure;

/// The most the tool reads from a file or standard input (32 MiB); larger input is refused
/// before it is read into memory.
const MAX_INPUT: u64 = 32 << 20;

/// Reads INPUT into memory.
pub(crate) fn read(input: Option<&Path>) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    let (name, result) = match input.filter(|p| p.as_os_str() != "-") {
        None => {
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "saml-verify: reading the message from the terminal: paste it, then press \
                     Ctrl-D (or give a file path)"
                );
            }
            (
                "standard input".to_owned(),
                read_limited(std::io::stdin().lock(), &mut buf),
            )
        }
        Some(p) => {
            let name = p.display().to_string();
            match std::fs::File::open(p) {
                Ok(f) => (name, read_limited(f, &mut buf)),
                Err(e) => return Err(Failure::input(format!("cannot read `{name}`: {e}"))),
            }
        }
    };
    match result {
        Ok(()) => Ok(buf),
        Err(e) => Err(Failure::input(format!("cannot read {name}: {e}"))),
    }
}

fn read_limited(r: impl Read, buf: &mut Vec<u8>) -> std::io::Result<()> {
    r.take(MAX_INPUT + 1).read_to_end(buf)?;
    if u64::try_from(buf.len()).unwrap_or(u64::MAX) > MAX_INPUT {
        return Err(std::io::Error::other(format!(
            "input larger than {} MiB",
            MAX_INPUT >> 20
        )));
    }
    Ok(())
}
