//! `saml-verify inspect`: decode and pretty-print a captured message. No trust decision: every
//! value shown is as the message states it, and each signature's digests are recomputed so an
//! operator can see which Reference no longer matches.
//!
//! An encrypted element (`EncryptedAssertion`, `EncryptedID`, `EncryptedAttribute`) is shown
//! by its algorithms and the key it was encrypted to; with `--sp-key` it is decrypted, parsed
//! where it stood (in the namespace context of its ancestors, as the SP parses it) and shown
//! as a plain one. Decrypting here decides nothing either: an AES-CBC plaintext has no
//! integrity until a signature over it verifies.

use std::fmt::Write as _;
use std::path::PathBuf;

use base64::Engine as _;
use saml_core::binding::{self, DecodeLimits};
use saml_core::crypto::Certificate;
use saml_core::dsig::{DSIG_NS, reference_digest, signature_parts};
use saml_core::saml::{ASSERTION_NS, PROTOCOL_NS};
use saml_core::xml::{Document, Limits, NodeId};
use saml_core::xmlenc::{EncryptedParts, KeyLocation};

use crate::decryption::{self, KeyArgs, Keys};
use crate::{Failure, input};

/// Arguments of `saml-verify inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The captured message: raw XML, base64, a form body or a Redirect URL; a path, or `-`
    /// or nothing for standard input.
    input: Option<PathBuf>,
    /// With --sp-key, encrypted elements are decrypted and shown; without, only described.
    #[command(flatten)]
    keys: KeyArgs,
}

/// Runs the command.
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let keys = args.keys.load()?;
    let raw = input::read(args.input.as_deref())?;
    let decoded = binding::decode(&raw, &DecodeLimits::default())
        .map_err(|e| Failure::input(format!("cannot decode the input: {e}")))?;
    let doc = Document::parse_bytes(&decoded.xml, &Limits::default())
        .map_err(|e| Failure::input(format!("malformed XML: {e}")))?;
    let mut out = String::new();
    let root = doc.root_element();
    let _ = writeln!(
        out,
        "message:     {} ({}), {:?} encoding, {} bytes of XML",
        doc.local_name(root),
        doc.namespace(root),
        decoded.encoding,
        decoded.xml.len()
    );
    if let Some(rs) = &decoded.relay_state {
        let _ = writeln!(out, "RelayState:  {rs}");
    }
    if let Some(alg) = &decoded.sig_alg {
        let _ = writeln!(
            out,
            "SigAlg:      {alg} (query signature present: {})",
            decoded.signature.is_some()
        );
    }
    let _ = writeln!(
        out,
        "note:        nothing below is verified; use `saml-verify verify` to decide"
    );
    element_summary(&doc, root, "", &mut out);
    if let Some(status) = child(&doc, root, PROTOCOL_NS, "Status") {
        let codes: Vec<&str> = doc
            .descendants(status)
            .filter(|&n| doc.is(n, PROTOCOL_NS, "StatusCode"))
            .filter_map(|n| doc.attribute_unverified(n, "Value"))
            .collect();
        let _ = writeln!(out, "status:      {}", codes.join(" / "));
        if let Some(m) = child(&doc, status, PROTOCOL_NS, "StatusMessage") {
            let _ = writeln!(out, "             {}", doc.text_unverified(m));
        }
    }
    for c in doc.element_children(root) {
        if doc.is(c, ASSERTION_NS, "Assertion") {
            assertion(&doc, c, "assertion:", &keys, &mut out);
        } else if doc.is(c, ASSERTION_NS, "EncryptedAssertion") {
            encrypted_assertion(&doc, c, &keys, &mut out);
        } else if doc.is(c, ASSERTION_NS, "NameID") {
            // A LogoutRequest's subject.
            name_id(&doc, c, "", &mut out);
        } else if doc.is(c, PROTOCOL_NS, "SessionIndex") {
            let _ = writeln!(out, "SessionIndex: {}", doc.text_unverified(c).trim());
        } else if decryption::is_encrypted_id_or_attribute(&doc, c) {
            // A LogoutRequest's EncryptedID, a ManageNameIDRequest's NewEncryptedID.
            encrypted_name_id(&doc, c, "", &keys, &mut out);
        }
    }
    signatures(&doc, &mut out);
    print!("{out}");
    Ok(())
}

fn child(doc: &Document<'_>, parent: NodeId, ns: &str, local: &str) -> Option<NodeId> {
    doc.element_children(parent).find(|&c| doc.is(c, ns, local))
}

fn element_summary(doc: &Document<'_>, node: NodeId, indent: &str, out: &mut String) {
    for name in [
        "ID",
        "IssueInstant",
        "Destination",
        "InResponseTo",
        "AssertionConsumerServiceURL",
        "ProtocolBinding",
        "NotOnOrAfter",
        "Reason",
    ] {
        if let Some(v) = doc.attribute_unverified(node, name) {
            let _ = writeln!(out, "{indent}{:<14}{v}", format!("{name}:"));
        }
    }
    if let Some(i) = child(doc, node, ASSERTION_NS, "Issuer") {
        let _ = writeln!(
            out,
            "{indent}Issuer:      {}",
            doc.text_unverified(i).trim()
        );
    }
}

/// An Assertion (as received, or decrypted and parsed in place), under the heading `title`.
fn assertion(doc: &Document<'_>, a: NodeId, title: &str, keys: &Keys, out: &mut String) {
    let _ = writeln!(out, "{title}");
    element_summary(doc, a, "  ", out);
    if let Some(subject) = child(doc, a, ASSERTION_NS, "Subject") {
        if let Some(n) = child(doc, subject, ASSERTION_NS, "NameID") {
            name_id(doc, n, "  ", out);
        } else if let Some(n) = child(doc, subject, ASSERTION_NS, "EncryptedID") {
            encrypted_name_id(doc, n, "  ", keys, out);
        }
        for sc in doc
            .element_children(subject)
            .filter(|&c| doc.is(c, ASSERTION_NS, "SubjectConfirmation"))
        {
            let _ = write!(
                out,
                "  confirmation: {}",
                doc.attribute_unverified(sc, "Method").unwrap_or("?")
            );
            if let Some(d) = child(doc, sc, ASSERTION_NS, "SubjectConfirmationData") {
                for name in ["Recipient", "NotBefore", "NotOnOrAfter", "InResponseTo"] {
                    if let Some(v) = doc.attribute_unverified(d, name) {
                        let _ = write!(out, " {name}={v}");
                    }
                }
            }
            out.push('\n');
        }
    }
    if let Some(c) = child(doc, a, ASSERTION_NS, "Conditions") {
        let _ = writeln!(
            out,
            "  conditions: NotBefore={} NotOnOrAfter={}",
            doc.attribute_unverified(c, "NotBefore").unwrap_or("-"),
            doc.attribute_unverified(c, "NotOnOrAfter").unwrap_or("-")
        );
        for r in doc
            .element_children(c)
            .filter(|&r| doc.is(r, ASSERTION_NS, "AudienceRestriction"))
        {
            let audiences: Vec<String> = doc
                .element_children(r)
                .map(|x| doc.text_unverified(x).trim().to_owned())
                .collect();
            let _ = writeln!(out, "  audience:   {}", audiences.join(" | "));
        }
    }
    if let Some(s) = child(doc, a, ASSERTION_NS, "AuthnStatement") {
        let class = doc
            .descendants(s)
            .find(|&n| doc.is(n, ASSERTION_NS, "AuthnContextClassRef"))
            .map(|n| doc.text_unverified(n).trim().to_owned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  authn:      AuthnInstant={} SessionIndex={} {class}",
            doc.attribute_unverified(s, "AuthnInstant").unwrap_or("-"),
            doc.attribute_unverified(s, "SessionIndex").unwrap_or("-"),
        );
    }
    let attrs: Vec<NodeId> = doc
        .descendants(a)
        .filter(|&n| {
            doc.is(n, ASSERTION_NS, "Attribute") || doc.is(n, ASSERTION_NS, "EncryptedAttribute")
        })
        .collect();
    if !attrs.is_empty() {
        let _ = writeln!(out, "  attributes:");
        for attr in attrs {
            if doc.local_name(attr) == "Attribute" {
                attribute(doc, attr, out);
            } else {
                encrypted_attribute(doc, attr, keys, out);
            }
        }
    }
}

/// A NameID, at `indent`.
fn name_id(doc: &Document<'_>, n: NodeId, indent: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "{indent}NameID:     {}{}",
        doc.text_unverified(n),
        doc.attribute_unverified(n, "Format")
            .map_or(String::new(), |f| format!(" ({f})"))
    );
    if doc.has_comment_or_pi_child(n) {
        let _ = writeln!(
            out,
            "{indent}            (contains a comment: the value is the whole text above)"
        );
    }
}

/// One attribute and its values, on one line.
fn attribute(doc: &Document<'_>, attr: NodeId, out: &mut String) {
    let values: Vec<String> = doc
        .element_children(attr)
        .filter(|&v| doc.is(v, ASSERTION_NS, "AttributeValue"))
        .map(|v| doc.text_unverified(v).into_owned())
        .collect();
    let _ = writeln!(
        out,
        "    {}: {}",
        doc.attribute_unverified(attr, "Name").unwrap_or("?"),
        values.join(", ")
    );
}

/// An EncryptedAssertion: how it is encrypted and, with `--sp-key`, the decrypted Assertion
/// with the signatures inside it.
fn encrypted_assertion(doc: &Document<'_>, container: NodeId, keys: &Keys, out: &mut String) {
    let _ = writeln!(out, "assertion:   encrypted");
    let Some(spliced) = describe_and_decrypt(doc, container, "  ", keys, out) else {
        return;
    };
    match decryption::parse_spliced(&spliced) {
        Ok((inner, a)) if inner.is(a, ASSERTION_NS, "Assertion") => {
            assertion(&inner, a, "assertion (decrypted):", keys, out);
            let sigs: Vec<NodeId> = inner
                .descendants(a)
                .filter(|&n| inner.is(n, DSIG_NS, "Signature"))
                .collect();
            if !sigs.is_empty() {
                let _ = writeln!(out, "  signatures in the decrypted assertion:");
                for (i, &s) in sigs.iter().enumerate() {
                    signature(&inner, s, i + 1, "  ", out);
                }
            }
        }
        Ok((inner, other)) => {
            let _ = writeln!(
                out,
                "  decrypted:  `{}`, not a saml:Assertion",
                inner.qualified_name(other)
            );
        }
        Err(e) => {
            let _ = writeln!(out, "  decrypted:  {e}");
        }
    }
}

/// An EncryptedID (in a Subject, a LogoutRequest) or NewEncryptedID, at `indent`.
fn encrypted_name_id(
    doc: &Document<'_>,
    container: NodeId,
    indent: &str,
    keys: &Keys,
    out: &mut String,
) {
    let _ = writeln!(
        out,
        "{indent}NameID:     encrypted ({})",
        doc.local_name(container)
    );
    let deeper = format!("{indent}  ");
    let Some(spliced) = describe_and_decrypt(doc, container, &deeper, keys, out) else {
        return;
    };
    match decryption::parse_spliced(&spliced) {
        Ok((inner, n))
            if inner.is(n, ASSERTION_NS, "NameID") || inner.is(n, PROTOCOL_NS, "NewID") =>
        {
            name_id(&inner, n, indent, out);
        }
        Ok((inner, other)) => {
            let _ = writeln!(
                out,
                "{deeper}decrypted:  `{}`, not a NameID",
                inner.qualified_name(other)
            );
        }
        Err(e) => {
            let _ = writeln!(out, "{deeper}decrypted:  {e}");
        }
    }
}

/// An EncryptedAttribute, in the attribute list.
fn encrypted_attribute(doc: &Document<'_>, container: NodeId, keys: &Keys, out: &mut String) {
    let _ = writeln!(out, "    encrypted attribute:");
    let Some(spliced) = describe_and_decrypt(doc, container, "      ", keys, out) else {
        return;
    };
    match decryption::parse_spliced(&spliced) {
        Ok((inner, attr)) if inner.is(attr, ASSERTION_NS, "Attribute") => {
            attribute(&inner, attr, out);
        }
        Ok((inner, other)) => {
            let _ = writeln!(
                out,
                "      decrypted:  `{}`, not a saml:Attribute",
                inner.qualified_name(other)
            );
        }
        Err(e) => {
            let _ = writeln!(out, "      decrypted:  {e}");
        }
    }
}

/// Describes an encrypted element at `indent`: its algorithms, where its EncryptedKey is, the
/// certificate that names the recipient's key and which `--sp-key` fits it. With `--sp-key`,
/// decrypts it and returns the document's source with the plaintext in place of the element.
fn describe_and_decrypt(
    doc: &Document<'_>,
    container: NodeId,
    indent: &str,
    keys: &Keys,
    out: &mut String,
) -> Option<saml_core::xmlenc::InPlace> {
    let parts = match saml_core::xmlenc::encrypted_parts(doc, container) {
        Ok(parts) => parts,
        Err(e) => {
            let _ = writeln!(
                out,
                "{indent}unreadable: [{}] {}",
                e.kind(),
                decryption::message(&e)
            );
            return None;
        }
    };
    describe(&parts, indent, keys, out);
    if keys.keys.is_empty() {
        let _ = writeln!(out, "{indent}decrypted:  no (pass --sp-key to decrypt)");
        return None;
    }
    match saml_core::xmlenc::decrypt(doc, container, &keys.keys, &keys.policy) {
        Ok(decrypted) => {
            let label = keys
                .labels
                .get(decrypted.key_index)
                .map_or("?", String::as_str);
            let _ = writeln!(out, "{indent}decrypted:  with --sp-key `{label}`");
            let spliced = decrypted.in_place(doc, container).ok();
            if spliced.is_none() {
                let _ = writeln!(out, "{indent}            the plaintext is not UTF-8");
            }
            spliced
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "{indent}decrypted:  no: [{}] {}",
                e.kind(),
                decryption::explain(&e)
            );
            None
        }
    }
}

/// The lines of [`describe_and_decrypt`] that need no key.
fn describe(parts: &EncryptedParts, indent: &str, keys: &Keys, out: &mut String) {
    let id = |id: &Option<String>| {
        id.as_deref()
            .map_or(String::new(), |id| format!(", Id={id}"))
    };
    let _ = writeln!(
        out,
        "{indent}data:       {}, Algorithm={}{}",
        parts.data,
        parts.data.uri(),
        id(&parts.encrypted_data_id)
    );
    let transport = parts.key_transport;
    let _ = writeln!(
        out,
        "{indent}key:        {transport}, Algorithm={}{}{}",
        transport.uri(),
        id(&parts.encrypted_key_id),
        if transport.is_supported() {
            ""
        } else {
            "; not supported by this library"
        }
    );
    if parts.oaep_label {
        let _ = writeln!(out, "{indent}            with an OAEP label (OAEPparams)");
    }
    let location = match &parts.key_location {
        KeyLocation::KeyInfo => "EncryptedKey inside the EncryptedData's KeyInfo".to_owned(),
        other => other.to_string(),
    };
    let _ = writeln!(out, "{indent}key found:  {location}");
    if let Some(recipient) = &parts.recipient {
        let _ = writeln!(out, "{indent}recipient:  {recipient}");
    }
    match &parts.key_certificate_sha256 {
        Some(fingerprint) => {
            let _ = writeln!(
                out,
                "{indent}key cert:   SHA-256 {fingerprint} (in the EncryptedKey's KeyInfo)"
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{indent}key cert:   none (the EncryptedKey does not name the recipient's key)"
            );
        }
    }
    if keys.keys.is_empty() {
        return;
    }
    let fitting: Vec<&str> = keys
        .keys
        .iter()
        .zip(&keys.labels)
        .filter(|(key, _)| parts.key_spki_sha256 == Some(key.spki_sha256()))
        .map(|(_, label)| label.as_str())
        .collect();
    let fits = match (parts.key_spki_sha256, fitting.as_slice()) {
        (None, _) => "no certificate to match a key against: decryption tries every key".to_owned(),
        (Some(_), []) => format!(
            "none of the {} given fits the certificate: decryption tries every key anyway",
            keys.keys.len()
        ),
        (Some(_), labels) => format!(
            "`{}` fits (its public key is the certificate's)",
            labels.join("`, `")
        ),
    };
    let _ = writeln!(out, "{indent}--sp-key:   {fits}");
}

fn signatures(doc: &Document<'_>, out: &mut String) {
    let sigs: Vec<NodeId> = doc
        .descendants(doc.root_element())
        .filter(|&n| doc.is(n, DSIG_NS, "Signature"))
        .collect();
    if sigs.is_empty() {
        let encrypted = doc
            .descendants(doc.root_element())
            .any(|n| doc.is(n, saml_core::ns::XMLENC, "EncryptedData"));
        let _ = writeln!(
            out,
            "signatures:  none{}",
            if encrypted {
                " (outside encrypted elements)"
            } else {
                ""
            }
        );
        return;
    }
    let _ = writeln!(out, "signatures:");
    for (i, &s) in sigs.iter().enumerate() {
        signature(doc, s, i + 1, "", out);
    }
}

/// Signature number `number`, at `indent`: its element, algorithms, KeyInfo certificate, and
/// the digest of its Reference recomputed beside the DigestValue.
fn signature(doc: &Document<'_>, s: NodeId, number: usize, indent: &str, out: &mut String) {
    // Recompute digests whatever the algorithm, to show them; trust is `verify`'s business.
    let policy = saml_core::crypto::danger::legacy();
    let parent = doc.parent(s).unwrap_or(NodeId::DOCUMENT);
    let _ = writeln!(
        out,
        "{indent}  #{number} on {} {}",
        doc.local_name(parent),
        doc.attribute_unverified(parent, "ID")
            .map_or(String::new(), |id| format!("ID={id}"))
    );
    let parts = match signature_parts(doc, s) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(out, "{indent}     malformed: {e}");
            return;
        }
    };
    let _ = writeln!(out, "{indent}     c14n:      {}", parts.c14n.uri());
    let _ = writeln!(out, "{indent}     signature: {}", parts.signature_method);
    let _ = writeln!(out, "{indent}     digest:    {}", parts.digest_method);
    if let Some(ki) = parts.key_info {
        for c in doc
            .descendants(ki)
            .filter(|&n| doc.is(n, DSIG_NS, "X509Certificate"))
        {
            let text: String = doc.text_unverified(c).split_ascii_whitespace().collect();
            match base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .ok()
                .and_then(|der| Certificate::from_der(&der, Some("KeyInfo")).ok())
            {
                Some(cert) => {
                    let _ = writeln!(
                        out,
                        "{indent}     KeyInfo:   {} (SHA-256 {})",
                        cert.subject(),
                        cert.fingerprint_sha256()
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "{indent}     KeyInfo:   an X509Certificate that does not parse"
                    );
                }
            }
        }
    }
    let expected: String = doc
        .text_unverified(parts.digest_value)
        .split_ascii_whitespace()
        .collect();
    match reference_digest(doc, &parts, &policy) {
        Ok(ours) => {
            let ours = base64::engine::general_purpose::STANDARD.encode(ours);
            let verdict = if ours == expected {
                "match"
            } else {
                "MISMATCH"
            };
            let _ = writeln!(
                out,
                "{indent}     reference {}: computed {ours}, document says {expected} ({verdict})",
                parts.reference_uri
            );
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "{indent}     reference {}: cannot compute: {e}",
                parts.reference_uri
            );
        }
    }
}
