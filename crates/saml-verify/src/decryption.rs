//! What `verify`, `inspect` and `decrypt` share about encrypted elements: the `--sp-key` and
//! `--allow-rsa1_5` flags, loading the keys, finding an encrypted element, parsing a plaintext
//! in place, and messages that name the CLI's flags rather than library functions.

use std::path::PathBuf;

use saml_core::saml::{ASSERTION_NS, PROTOCOL_NS};
use saml_core::xml::{Document, Limits, NodeId};
use saml_core::xmlenc::{DecryptionKey, DecryptionPolicy, InPlace, Refusal, XmlencError};

use crate::Failure;

/// The SP's decryption keys and policy, as flags.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct KeyArgs {
    /// An SP decryption key: an RSA private key, PEM PKCS#8 or PKCS#1; repeat for rollover.
    #[arg(long = "sp-key", value_name = "KEY.pem")]
    pub(crate) sp_keys: Vec<PathBuf>,
    /// Accept RSA PKCS#1 v1.5 key transport (rsa-1_5; open to Bleichenbacher's attack: legacy
    /// IdPs only).
    #[arg(long = "allow-rsa1_5")]
    pub(crate) allow_rsa1_5: bool,
}

/// The keys loaded from `--sp-key`, with the file names to report them by.
#[derive(Debug)]
pub(crate) struct Keys {
    /// The keys, in the order given.
    pub(crate) keys: Vec<DecryptionKey>,
    /// Each key's file name, as given.
    pub(crate) labels: Vec<String>,
    /// The policy `--allow-rsa1_5` sets.
    pub(crate) policy: DecryptionPolicy,
}

impl KeyArgs {
    /// Reads and parses every `--sp-key`. A file that cannot be read or is not an RSA private
    /// key of a usable size is a usage error (exit 2).
    pub(crate) fn load(&self) -> Result<Keys, Failure> {
        let mut keys = Vec::with_capacity(self.sp_keys.len());
        let mut labels = Vec::with_capacity(self.sp_keys.len());
        for path in &self.sp_keys {
            let label = path.display().to_string();
            let pem = std::fs::read(path).map_err(|e| {
                Failure::input(format!("cannot read SP decryption key `{label}`: {e}"))
            })?;
            let key = DecryptionKey::from_pem(&pem, Some(&label))
                .map_err(|e| Failure::input(format!("--sp-key: {e}")))?;
            keys.push(key);
            labels.push(label);
        }
        let mut policy = DecryptionPolicy::default();
        if self.allow_rsa1_5 {
            saml_core::xmlenc::danger::allow_rsa1_5(&mut policy);
        }
        Ok(Keys {
            keys,
            labels,
            policy,
        })
    }
}

/// The message of a decryption error, naming the CLI's flags where the library names its own
/// functions.
pub(crate) fn message(e: &XmlencError) -> String {
    match e {
        XmlencError::AlgorithmNotAllowed {
            uri,
            reason: Refusal::Rsa1_5,
        } => format!(
            "XML Encryption algorithm `{uri}` is not allowed: RSA PKCS#1 v1.5 key transport \
             (rsa-1_5) is open to Bleichenbacher's padding oracle; pass --allow-rsa1_5 to accept \
             it from this IdP, or better, have the IdP use rsa-oaep-mgf1p"
        ),
        other => other.to_string(),
    }
}

/// What to do about a decryption error, in terms of flags, where there is something to do.
pub(crate) fn hint(e: &XmlencError) -> Option<&'static str> {
    match e {
        XmlencError::NoDecryptionKeys => {
            Some("pass --sp-key with the SP's private decryption key to decrypt it")
        }
        XmlencError::DecryptionFailed => {
            Some("--sp-key must name the private key of the SP's encryption certificate")
        }
        _ => None,
    }
}

/// The message and hint together, as the CLI prints them after `rejected [kind]: `.
pub(crate) fn explain(e: &XmlencError) -> String {
    match hint(e) {
        Some(hint) => format!("{} ({hint})", message(e)),
        None => message(e),
    }
}

/// Whether `node` is one of SAML's encrypted elements other than `EncryptedAssertion`.
pub(crate) fn is_encrypted_id_or_attribute(doc: &Document<'_>, node: NodeId) -> bool {
    doc.is(node, ASSERTION_NS, "EncryptedID")
        || doc.is(node, ASSERTION_NS, "EncryptedAttribute")
        || doc.is(node, PROTOCOL_NS, "NewEncryptedID")
}

/// The element `decrypt` decrypts: the first `saml:EncryptedAssertion` in document order; if
/// there is none, the first `EncryptedID`, `EncryptedAttribute` or `NewEncryptedID`.
pub(crate) fn find_container(doc: &Document<'_>) -> Option<NodeId> {
    let root = doc.root_element();
    doc.descendants(root)
        .find(|&n| doc.is(n, ASSERTION_NS, "EncryptedAssertion"))
        .or_else(|| {
            doc.descendants(root)
                .find(|&n| is_encrypted_id_or_attribute(doc, n))
        })
}

/// Parses a document with the decrypted element in place ([`InPlace`], from
/// `Decrypted::in_place`) and finds that element: the one spanning exactly the plaintext.
pub(crate) fn parse_spliced(in_place: &InPlace) -> Result<(Document<'_>, NodeId), String> {
    let inner = Document::parse_bytes(in_place.text.as_bytes(), &Limits::default())
        .map_err(|e| format!("the decrypted plaintext does not parse in place: {e}"))?;
    let root = inner.root_element();
    let element = inner
        .descendants(root)
        .find(|&n| inner.is_element(n) && inner.span(n) == in_place.element)
        .ok_or_else(|| "the decrypted plaintext is not one element".to_owned())?;
    Ok((inner, element))
}
