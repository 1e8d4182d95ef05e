//! `saml-verify sign`: sign a SAML Response, its Assertion, or both.

use std::io::Write;
use std::path::{Path, PathBuf};

use saml_core::crypto::{Certificate, SigningKey};
use saml_core::dsig::Signer;
use saml_core::saml::{ASSERTION_NS, PROTOCOL_NS};
use saml_core::xml::Document;

use crate::{Failure, input};

/// Which element(s) to sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Target {
    /// The Response (the document element).
    Response,
    /// The Assertion inside the Response.
    Assertion,
    /// The Assertion first, then the Response.
    Both,
}

/// Arguments of `saml-verify sign`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The SAML Response XML: a path, or `-` or nothing for standard input.
    input: Option<PathBuf>,
    /// The private key (PKCS#8, PKCS#1 RSA or SEC1 EC PEM).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The signing certificate, placed in KeyInfo.
    #[arg(long, value_name = "CERT.pem")]
    cert: PathBuf,
    /// What to sign.
    #[arg(long, value_enum, default_value = "response")]
    target: Target,
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::input(format!("cannot read {what} `{}`: {e}", path.display())))
}

/// Runs the command.
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let key_label = args.key.display().to_string();
    let cert_label = args.cert.display().to_string();
    let key = SigningKey::from_pem(&read_file(&args.key, "key")?, Some(&key_label))
        .map_err(|e| Failure::input(e.to_string()))?;
    let cert = Certificate::from_pem(&read_file(&args.cert, "certificate")?, Some(&cert_label))
        .map_err(|e| Failure::input(e.to_string()))?;
    if cert.public_key() != key.public_key() {
        return Err(Failure::input(format!(
            "the key `{key_label}` does not belong to the certificate `{cert_label}` ({})",
            cert.subject()
        )));
    }
    // The signer takes the key's own algorithm (RSA-SHA256, ECDSA-SHA256 for P-256, …).
    let signer = Signer::new(key, Some(cert));

    let bytes = input::read(args.input.as_deref())?;
    let text =
        String::from_utf8(bytes).map_err(|_| Failure::input("the input is not UTF-8 XML"))?;
    let (response_id, assertion_id) = ids(&text)?;
    let signed = match args.target {
        Target::Response => signer.sign_element(&text, &response_id),
        Target::Assertion => signer.sign_element(&text, &assertion_id()?),
        Target::Both => signer
            .sign_element(&text, &assertion_id()?)
            .and_then(|once| signer.sign_element(&once, &response_id)),
    }
    .map_err(|e| Failure::input(format!("cannot sign: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(signed.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::input(format!("cannot write output: {e}")))
}

/// The Response's ID, and a function giving the ID of its one Assertion child.
fn ids(text: &str) -> Result<(String, impl Fn() -> Result<String, Failure>), Failure> {
    let doc = Document::parse(text).map_err(|e| Failure::input(format!("malformed XML: {e}")))?;
    let root = doc.root_element();
    if !doc.is(root, PROTOCOL_NS, "Response") {
        return Err(Failure::input(format!(
            "the document element is `{}`, not a SAML 2.0 protocol Response",
            doc.qualified_name(root)
        )));
    }
    let response_id = doc
        .attribute_unverified(root, "ID")
        .ok_or_else(|| Failure::input("the Response has no ID attribute"))?
        .to_owned();
    let assertions: Vec<Option<String>> = doc
        .element_children(root)
        .filter(|&c| doc.is(c, ASSERTION_NS, "Assertion"))
        .map(|a| doc.attribute_unverified(a, "ID").map(str::to_owned))
        .collect();
    let assertion = move || match assertions.as_slice() {
        [Some(id)] => Ok(id.clone()),
        [None] => Err(Failure::input("the Assertion has no ID attribute")),
        [] => Err(Failure::input("the Response has no Assertion child")),
        _ => Err(Failure::input("the Response has more than one Assertion")),
    };
    Ok((response_id, assertion))
}
