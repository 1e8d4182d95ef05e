//! `saml-verify c14n`: print the canonical form of a document or of one element.

use std::io::Write;
use std::path::PathBuf;

use saml_core::xml::c14n::{self, Algorithm, Method};
use saml_core::xml::{Document, IdLookup, Limits};

use crate::{Failure, input};

/// Arguments of `saml-verify c14n`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The document: a path, or `-` or nothing for standard input, in any form the other
    /// commands accept (raw XML, base64, a form body, a Redirect URL or query).
    input: Option<PathBuf>,
    /// Exclusive XML Canonicalization 1.0 (the default).
    #[arg(long, conflicts_with = "inclusive")]
    exclusive: bool,
    /// Canonical XML 1.0 (inclusive).
    #[arg(long)]
    inclusive: bool,
    /// Keep comments.
    #[arg(long)]
    with_comments: bool,
    /// The InclusiveNamespaces PrefixList for exclusive c14n, e.g. "xs #default".
    #[arg(long, value_name = "PREFIXES", conflicts_with = "inclusive")]
    inclusive_namespaces: Option<String>,
    /// Canonicalize only the element whose `ID` attribute has this value.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
}

/// Runs the command.
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let raw = input::read(args.input.as_deref())?;
    let bytes = saml_core::binding::decode(&raw, &saml_core::binding::DecodeLimits::default())
        .map_err(|e| Failure::input(format!("cannot decode the input: {e}")))?
        .xml;
    let doc = Document::parse_bytes(&bytes, &Limits::default())
        .map_err(|e| Failure::input(format!("malformed XML: {e}")))?;
    let algorithm = if args.inclusive {
        Algorithm::Inclusive10
    } else {
        Algorithm::Exclusive
    };
    let method = Method::new(algorithm, args.with_comments).with_inclusive_prefixes(
        args.inclusive_namespaces
            .as_deref()
            .unwrap_or("")
            .split_ascii_whitespace(),
    );
    let apex = match &args.id {
        None => None,
        Some(id) => match doc.element_by_id(id) {
            IdLookup::Unique(n) => Some(n),
            IdLookup::Duplicate => {
                return Err(Failure::input(format!(
                    "the ID `{id}` occurs more than once in the document"
                )));
            }
            _ => return Err(Failure::input(format!("no element has ID=\"{id}\""))),
        },
    };
    let out = c14n::to_vec(&doc, apex, None, &method)
        .map_err(|e| Failure::input(format!("cannot canonicalize: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::input(format!("cannot write output: {e}")))
}
