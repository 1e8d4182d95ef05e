//! `saml-verify inspect`: decode and pretty-print a captured message. No trust decision: every
//! value shown is as the message states it, and each signature's digests are recomputed so an
//! operator can see which Reference no longer matches.

use std::fmt::Write as _;
use std::path::PathBuf;

use base64::Engine as _;
use saml_core::binding::{self, DecodeLimits};
use saml_core::crypto::Certificate;
use saml_core::dsig::{DSIG_NS, reference_digest, signature_parts};
use saml_core::saml::{ASSERTION_NS, PROTOCOL_NS};
use saml_core::xml::{Document, Limits, NodeId};

use crate::{Failure, input};

/// Arguments of `saml-verify inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The captured message: raw XML, base64, a form body or a Redirect URL; a path, or `-`
    /// or nothing for standard input.
    input: Option<PathBuf>,
}

/// Runs the command.
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
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
    for a in doc.element_children(root).filter(|&c| {
        doc.is(c, ASSERTION_NS, "Assertion") || doc.is(c, ASSERTION_NS, "EncryptedAssertion")
    }) {
        assertion(&doc, a, &mut out);
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

fn assertion(doc: &Document<'_>, a: NodeId, out: &mut String) {
    if doc.local_name(a) == "EncryptedAssertion" {
        let _ = writeln!(
            out,
            "assertion:   encrypted (decryption is not supported yet)"
        );
        return;
    }
    let _ = writeln!(out, "assertion:");
    element_summary(doc, a, "  ", out);
    if let Some(subject) = child(doc, a, ASSERTION_NS, "Subject") {
        if let Some(n) = child(doc, subject, ASSERTION_NS, "NameID") {
            let _ = writeln!(
                out,
                "  NameID:     {}{}",
                doc.text_unverified(n),
                doc.attribute_unverified(n, "Format")
                    .map_or(String::new(), |f| format!(" ({f})"))
            );
            if doc.has_comment_or_pi_child(n) {
                let _ = writeln!(
                    out,
                    "              (contains a comment: the value is the whole text above)"
                );
            }
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
        .filter(|&n| doc.is(n, ASSERTION_NS, "Attribute"))
        .collect();
    if !attrs.is_empty() {
        let _ = writeln!(out, "  attributes:");
        for attr in attrs {
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
    }
}

fn signatures(doc: &Document<'_>, out: &mut String) {
    let sigs: Vec<NodeId> = doc
        .descendants(doc.root_element())
        .filter(|&n| doc.is(n, DSIG_NS, "Signature"))
        .collect();
    if sigs.is_empty() {
        let _ = writeln!(out, "signatures:  none");
        return;
    }
    let _ = writeln!(out, "signatures:");
    // Recompute digests whatever the algorithm, to show them; trust is `verify`'s business.
    let policy = saml_core::crypto::danger::legacy();
    for (i, &s) in sigs.iter().enumerate() {
        let parent = doc.parent(s).unwrap_or(NodeId::DOCUMENT);
        let _ = writeln!(
            out,
            "  #{} on {} {}",
            i + 1,
            doc.local_name(parent),
            doc.attribute_unverified(parent, "ID")
                .map_or(String::new(), |id| format!("ID={id}"))
        );
        let parts = match signature_parts(doc, s) {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(out, "     malformed: {e}");
                continue;
            }
        };
        let _ = writeln!(out, "     c14n:      {}", parts.c14n.uri());
        let _ = writeln!(out, "     signature: {}", parts.signature_method);
        let _ = writeln!(out, "     digest:    {}", parts.digest_method);
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
                            "     KeyInfo:   {} (SHA-256 {})",
                            cert.subject(),
                            cert.fingerprint_sha256()
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "     KeyInfo:   an X509Certificate that does not parse"
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
                    "     reference {}: computed {ours}, document says {expected} ({verdict})",
                    parts.reference_uri
                );
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    "     reference {}: cannot compute: {e}",
                    parts.reference_uri
                );
            }
        }
    }
}
