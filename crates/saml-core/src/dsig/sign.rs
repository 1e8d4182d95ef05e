//! Enveloped signing of an element that carries an `ID`.
//!
//! The Signature is spliced into the source text (nothing else in the document is
//! re-serialized), right after the element's `saml:Issuer` child when it has one, as the SAML
//! schema wants, or else as its first child. The digest is taken over the element's exclusive
//! canonical form before insertion, which equals its form with the signature excluded by the
//! enveloped-signature transform. SignedInfo is canonicalized (exclusive c14n) from the
//! Signature template alone, which gives the bytes a verifier sees in the final document:
//! exclusive c14n takes nothing from SignedInfo's context but the `ds` namespace, declared on
//! the Signature itself. The document is parsed once.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::DSIG_NS;
use super::error::DsigError;
use super::verify::{DigestSink, ENVELOPED_SIGNATURE};
use crate::crypto::CryptoError;
use crate::crypto::{Certificate, DigestAlgorithm, SignatureAlgorithm, SigningKey};
use crate::xml::c14n::{self, Algorithm, Insertion, Method};
use crate::xml::{Document, IdLookup, NodeId};

use crate::ns::SAML_ASSERTION as SAML_ASSERTION_NS;

/// Signs elements with one key: enveloped signature, exclusive c14n, RSA-SHA256 and SHA-256 by
/// default, the signing certificate in `KeyInfo/X509Data/X509Certificate`.
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    certificate: Option<Certificate>,
    /// The certificate's DER in base64, as KeyInfo carries it (empty without a certificate):
    /// encoded once, not per signature.
    certificate_b64: String,
    algorithm: SignatureAlgorithm,
    digest: DigestAlgorithm,
}

impl Signer {
    /// A signer with the key's own algorithm ([`SigningKey::default_algorithm`]: RSA-SHA256
    /// for RSA keys, ECDSA-SHA256 for P-256, ECDSA-SHA384 for P-384, Ed25519) and SHA-256
    /// digests.
    pub fn new(key: SigningKey, certificate: Option<Certificate>) -> Self {
        Self {
            algorithm: key.default_algorithm(),
            key,
            certificate_b64: certificate
                .as_ref()
                .map(|c| STANDARD.encode(c.der()))
                .unwrap_or_default(),
            certificate,
            digest: DigestAlgorithm::Sha256,
        }
    }

    /// Chooses another signature algorithm the key can sign with.
    ///
    /// # Errors
    ///
    /// [`CryptoError::KeyAlgorithmMismatch`] for an algorithm of another key family (an
    /// ECDSA algorithm for an RSA key), [`CryptoError::UnsupportedAlgorithm`] for one of the
    /// right family that this key cannot sign.
    pub fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Result<Self, CryptoError> {
        self.key.check_algorithm(algorithm)?;
        self.algorithm = algorithm;
        Ok(self)
    }

    /// Chooses the digest algorithm.
    pub fn with_digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digest = digest;
        self
    }

    /// The certificate placed in KeyInfo, if any.
    pub fn certificate(&self) -> Option<&Certificate> {
        self.certificate.as_ref()
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The digest algorithm of References.
    pub(crate) fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Signs raw bytes (used for HTTP-Redirect query signatures).
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, DsigError> {
        Ok(self.key.sign(self.algorithm, message)?)
    }

    /// Signs the element whose `ID` is `id` and returns the whole document with the Signature
    /// inserted.
    pub fn sign_element(&self, xml: &str, id: &str) -> Result<String, DsigError> {
        let doc = Document::parse(xml)?;
        let element = unsigned_element(&doc, id)?;
        let signature = self.signature(&doc, element, id, None)?.text;
        let mut signed = String::with_capacity(xml.len() + signature.len() + 64);
        splice(&mut signed, &doc, &[(element, signature.as_str())]);
        Ok(signed)
    }

    /// Signs the element whose `ID` is `inner_id`, then the element whose `ID` is `outer_id`
    /// (an ancestor of the first), as [`sign_element`](Self::sign_element) twice would, in
    /// one parse: the outer digest is taken over the document's canonical form with the
    /// inner Signature's canonical text spliced in where the inner Signature goes. That text is
    /// the Signature as written, with its empty-element tags written out: it declares the only
    /// prefix it uses, `ds`, itself, and exclusive c14n renders that declaration wherever
    /// no output ancestor already rendered `ds`, which holds when nothing in scope at the
    /// inner element binds `ds`. When that, or a plain `ID`, does not hold, this falls back to
    /// signing twice.
    ///
    /// # Errors
    ///
    /// As [`sign_element`](Self::sign_element).
    pub(crate) fn sign_nested(
        &self,
        xml: &str,
        inner_id: &str,
        outer_id: &str,
    ) -> Result<String, DsigError> {
        let twice = || self.sign_element(&self.sign_element(xml, inner_id)?, outer_id);
        let doc = Document::parse(xml)?;
        let inner = unsigned_element(&doc, inner_id)?;
        let outer = unsigned_element(&doc, outer_id)?;
        if inner == outer
            || !doc.is_inside(inner, outer)
            || doc
                .in_scope_namespaces(inner)
                .iter()
                .any(|n| n.prefix == "ds")
        {
            return twice();
        }
        let first = self.signature(&doc, inner, inner_id, None)?;
        let Some(canonical) = first.canonical() else {
            return twice();
        };
        let insertion = match insertion_point(&doc, inner) {
            InsertionPoint::After(n) => Insertion::After(n, canonical.as_bytes()),
            InsertionPoint::Start(..) | InsertionPoint::SelfClosing(..) => {
                Insertion::FirstChildOf(inner, canonical.as_bytes())
            }
        };
        let second = self.signature(&doc, outer, outer_id, Some(insertion))?.text;
        let first = first.text;
        let mut signed = String::with_capacity(xml.len() + first.len() + second.len() + 64);
        splice(
            &mut signed,
            &doc,
            &[(outer, second.as_str()), (inner, first.as_str())],
        );
        Ok(signed)
    }

    /// The whole Signature of `element` (whose `ID` is `id`) as it is to be inserted: its
    /// exclusive canonical form, with `insertion` spliced in, digested; SignedInfo
    /// canonicalized and signed.
    fn signature(
        &self,
        doc: &Document<'_>,
        element: NodeId,
        id: &str,
        insertion: Option<Insertion<'_>>,
    ) -> Result<SignatureText, DsigError> {
        let exclusive = Method::new(Algorithm::Exclusive, false);
        let mut sink = DigestSink::new(self.digest);
        match insertion {
            None => c14n::canonicalize(doc, Some(element), None, &exclusive, &mut sink)?,
            Some(insertion) => {
                c14n::canonicalize_with_insertion(doc, element, &exclusive, &mut sink, insertion)?
            }
        }
        self.signature_over(id, sink.finish().as_ref())
    }

    /// The whole Signature, as it is to be inserted, of the element whose `ID` is `id` and
    /// whose exclusive canonical form (the Signature excluded) digests to `digest` under this
    /// signer's [digest algorithm](Self::digest_algorithm): SignedInfo canonicalized and
    /// signed. For a caller that has the canonical octets without a parse (the IdP, which
    /// writes them beside the text it issues).
    pub(crate) fn signature_over(
        &self,
        id: &str,
        digest: &[u8],
    ) -> Result<SignatureText, DsigError> {
        let exclusive = Method::new(Algorithm::Exclusive, false);
        let digest = STANDARD.encode(digest);
        let id = crate::xml::escape::escape(id);

        let mut text = String::with_capacity(1024 + self.certificate_b64.len());
        text.push_str(SIGNATURE_START);
        text.push_str("<ds:SignedInfo>");
        self.signed_info_children(&mut text, &id, &digest, false);
        text.push_str("</ds:SignedInfo>");
        let signed_info_end = text.len();
        text.push_str("<ds:SignatureValue>");
        let (canonical, canonical_children) = if plain(&id) {
            // Canonical SignedInfo without parsing: under exclusive c14n (the only method this
            // signer writes) the canonical form of an apex element holds only the namespaces it
            // and its descendants visibly use, here `ds`, declared on the apex, and no `xml:`
            // attribute is inherited; so the document around it cannot change a byte. Every
            // attribute value here (URIs, `#ID` of plain characters) is its own canonical form,
            // every element has one attribute at most and there is no whitespace: the canonical
            // form is the text with `ds` declared on SignedInfo and empty elements written
            // out. A test holds it to the canonicalizer's output.
            let mut children = String::with_capacity(1024);
            self.signed_info_children(&mut children, &id, &digest, true);
            let mut canonical = String::with_capacity(children.len() + 96);
            canonical.push_str("<ds:SignedInfo xmlns:ds=\"");
            canonical.push_str(DSIG_NS);
            canonical.push_str("\">");
            canonical.push_str(&children);
            canonical.push_str("</ds:SignedInfo>");
            (canonical.into_bytes(), Some(children))
        } else {
            // An `ID` with characters escaped: SignedInfo parsed from the template alone (see
            // above) and canonicalized by the rules.
            let mut standalone = String::with_capacity(text.len() + 40);
            standalone.push_str(&text);
            standalone.push_str("</ds:SignatureValue></ds:Signature>");
            let template = Document::parse(&standalone)?;
            let signed_info = template
                .element_children(template.root_element())
                .next()
                .ok_or(DsigError::SignatureNotPlaced)?;
            let canonical = c14n::to_vec(&template, Some(signed_info), None, &exclusive)?;
            (canonical, None)
        };
        STANDARD.encode_string(self.key.sign(self.algorithm, &canonical)?, &mut text);
        text.push_str("</ds:SignatureValue>");
        if !self.certificate_b64.is_empty() {
            text.push_str("<ds:KeyInfo><ds:X509Data><ds:X509Certificate>");
            text.push_str(&self.certificate_b64);
            text.push_str("</ds:X509Certificate></ds:X509Data></ds:KeyInfo>");
        }
        text.push_str("</ds:Signature>");
        Ok(SignatureText {
            text,
            signed_info_end,
            canonical_children,
        })
    }

    /// The children of SignedInfo, `id` escaped; with `canonical`, empty elements as start
    /// and end tag (their canonical form) rather than `<e/>`.
    fn signed_info_children(&self, out: &mut String, id: &str, digest: &str, canonical: bool) {
        let empty = |out: &mut String, name: &str, algorithm: &str| {
            out.push_str("<ds:");
            out.push_str(name);
            out.push_str(" Algorithm=\"");
            out.push_str(algorithm);
            if canonical {
                out.push_str("\"></ds:");
                out.push_str(name);
                out.push('>');
            } else {
                out.push_str("\"/>");
            }
        };
        empty(out, "CanonicalizationMethod", c14n::EXC_C14N);
        empty(out, "SignatureMethod", self.algorithm.uri());
        out.push_str("<ds:Reference URI=\"#");
        out.push_str(id);
        out.push_str("\"><ds:Transforms>");
        empty(out, "Transform", ENVELOPED_SIGNATURE);
        empty(out, "Transform", c14n::EXC_C14N);
        out.push_str("</ds:Transforms>");
        empty(out, "DigestMethod", self.digest.uri());
        out.push_str("<ds:DigestValue>");
        out.push_str(digest);
        out.push_str("</ds:DigestValue></ds:Reference>");
    }
}

/// The start tag of every Signature written here, `ds` declared on it.
const SIGNATURE_START: &str = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">";

/// Whether `s` needs no escaping in XML text or attribute values (so it is its own canonical
/// form in both).
fn plain(s: &str) -> bool {
    !s.bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | b'\t' | b'\n' | b'\r') || b < 0x20)
}

/// A Signature written by [`Signer::signature`].
pub(crate) struct SignatureText {
    /// As it is inserted.
    pub(crate) text: String,
    /// The offset in `text` right after `</ds:SignedInfo>`.
    signed_info_end: usize,
    /// The children of SignedInfo in their canonical form, when the `ID` is plain.
    canonical_children: Option<String>,
}

impl SignatureText {
    /// The canonical form of the Signature (exclusive c14n, in any place where `ds` is not
    /// already rendered by an output ancestor): the text with SignedInfo's empty children
    /// written out; the rest (Signature's start tag, SignatureValue and KeyInfo, with no
    /// attributes, empty elements or whitespace) is canonical as written. `None` when the
    /// `ID` is not plain.
    pub(crate) fn canonical(&self) -> Option<String> {
        Some(self.canonical_parts()?.concat())
    }

    /// [`canonical`](Self::canonical) in the pieces it is made of, for a caller that feeds
    /// them to a digest without joining them.
    pub(crate) fn canonical_parts(&self) -> Option<[&str; 5]> {
        let children = self.canonical_children.as_deref()?;
        let tail = self.text.get(self.signed_info_end..)?;
        Some([
            SIGNATURE_START,
            "<ds:SignedInfo>",
            children,
            "</ds:SignedInfo>",
            tail,
        ])
    }
}

/// The element whose `ID` is `id`, if it is unique and has no Signature child yet.
fn unsigned_element(doc: &Document<'_>, id: &str) -> Result<NodeId, DsigError> {
    let element = match doc.element_by_id(id) {
        IdLookup::Unique(n) => n,
        IdLookup::Duplicate => return Err(DsigError::DuplicateId(id.to_owned())),
        _ => {
            return Err(DsigError::ReferenceUri {
                uri: format!("#{id}"),
            });
        }
    };
    if doc
        .element_children(element)
        .any(|c| doc.is(c, DSIG_NS, "Signature"))
    {
        return Err(DsigError::MultipleSignatures {
            element: doc.qualified_name(element).into_owned(),
        });
    }
    Ok(element)
}

/// Writes the source of `doc` into `out` with each `(element, signature)` inserted at the
/// element's [`insertion_point`]; the elements in any order, none inside another's start tag.
fn splice(out: &mut String, doc: &Document<'_>, signatures: &[(NodeId, &str)]) {
    let src = doc.source();
    // (offset in the source, text before the signature, signature, text after, resume at).
    let mut edits: Vec<(usize, usize, String, &str, String, usize)> = signatures
        .iter()
        .map(
            |&(element, signature)| match insertion_point(doc, element) {
                InsertionPoint::After(n) => {
                    let at = doc.span(n).end;
                    (at, at, String::new(), signature, String::new(), at)
                }
                InsertionPoint::Start(at) => (at, at, String::new(), signature, String::new(), at),
                InsertionPoint::SelfClosing(slash) => {
                    // `<e .../>` becomes `<e ...>SIGNATURE</e>`.
                    (
                        slash,
                        slash,
                        ">".to_owned(),
                        signature,
                        format!("</{}>", doc.qualified_name(element)),
                        doc.span(element).end,
                    )
                }
            },
        )
        .collect();
    edits.sort_by_key(|e| e.0);
    let mut from = 0;
    for (_, at, before, signature, after, resume) in &edits {
        out.push_str(&src[from..*at]);
        out.push_str(before);
        out.push_str(signature);
        out.push_str(after);
        from = *resume;
    }
    out.push_str(&src[from..]);
}

/// Where a Signature goes in an element.
#[derive(Clone, Copy, Debug)]
enum InsertionPoint {
    /// After the element's leading `saml:Issuer` child.
    After(NodeId),
    /// At this offset, right after the start tag.
    Start(usize),
    /// The element is empty, written `<e .../>`; the offset of its `/>`.
    SelfClosing(usize),
}

/// Where the Signature goes: after a leading `saml:Issuer` child, else right after the start
/// tag (or in the place of the `/>` of an empty-element tag).
fn insertion_point(doc: &Document<'_>, element: NodeId) -> InsertionPoint {
    if let Some(first) = doc.element_children(element).next()
        && doc.is(first, SAML_ASSERTION_NS, "Issuer")
    {
        return InsertionPoint::After(first);
    }
    let span = doc.span(element);
    let src = doc.source().as_bytes();
    // Find the `>` that ends the start tag, skipping quoted attribute values.
    let mut quote = None;
    let mut i = span.start;
    while i < span.end {
        let b = src[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                return if i > 0 && src[i - 1] == b'/' {
                    InsertionPoint::SelfClosing(i - 1)
                } else {
                    InsertionPoint::Start(i + 1)
                };
            }
            None => {}
        }
        i += 1;
    }
    InsertionPoint::Start(span.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;

    fn testdata(name: &str) -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/");
        std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// A signer with the test key `key` (`rsa2048`, `p256`, …) and its certificate.
    fn signer(key: &str) -> Signer {
        let k = format!("{key}.pk8.pem");
        let c = format!("{key}.cert.pem");
        Signer::new(
            SigningKey::from_pem(&testdata(&k), Some(&k)).unwrap(),
            Some(Certificate::from_pem(&testdata(&c), Some(&c)).unwrap()),
        )
    }

    const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

    /// A Response `_r` holding an Assertion `assertion_id`; `issuer`: whether each has a
    /// leading Issuer; `body`: the Assertion's content after it (empty: `<saml:Assertion/>`).
    fn response(assertion_id: &str, issuer: bool, body: &str, extra_ns: &str) -> String {
        let i = if issuer {
            "<saml:Issuer>https://idp.example.com/</saml:Issuer>"
        } else {
            ""
        };
        let assertion = if body.is_empty() && !issuer {
            format!("<saml:Assertion ID=\"{assertion_id}\" Version=\"2.0\"/>")
        } else {
            format!(
                "<saml:Assertion ID=\"{assertion_id}\" Version=\"2.0\">{i}{body}</saml:Assertion>"
            )
        };
        format!(
            "<samlp:Response xmlns:samlp=\"{SAMLP}\" xmlns:saml=\"{SAML_ASSERTION_NS}\"{extra_ns} \
             ID=\"_r\" Version=\"2.0\">{i}<samlp:Status/>{assertion}</samlp:Response>"
        )
    }

    fn shapes() -> Vec<(&'static str, String)> {
        let body = "<saml:Subject><saml:NameID>a&amp;b &gt; c</saml:NameID></saml:Subject>\
                    <saml:AttributeStatement><saml:Attribute Name=\"g\"><saml:AttributeValue \
                    xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" \
                    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                    xsi:type=\"xs:string\">R&amp;D</saml:AttributeValue></saml:Attribute>\
                    </saml:AttributeStatement>";
        vec![
            ("issuers", response("_a", true, body, "")),
            ("no issuers", response("_a", false, body, "")),
            ("empty assertion", response("_a", false, "", "")),
            ("assertion with issuer only", response("_a", true, "", "")),
            (
                "ds in scope (falls back)",
                response("_a", true, body, &format!(" xmlns:ds=\"{DSIG_NS}\"")),
            ),
            (
                "ID escaped (falls back)",
                response("_a&amp;&lt;b", true, body, ""),
            ),
        ]
    }

    /// The canonical SignedInfo and Signature built without parsing are what the canonicalizer
    /// makes of them in the signed document, for every key type.
    #[test]
    fn canonical_text_equals_the_canonicalizers() {
        assert_eq!(
            SIGNATURE_START,
            format!("<ds:Signature xmlns:ds=\"{DSIG_NS}\">")
        );
        let exclusive = Method::new(Algorithm::Exclusive, false);
        for key in ["rsa2048", "p256", "p384", "ed25519"] {
            let signer = signer(key);
            for (name, xml) in shapes().into_iter().take(4) {
                let doc = Document::parse(&xml).unwrap();
                let element = unsigned_element(&doc, "_a").unwrap();
                let signature = signer.signature(&doc, element, "_a", None).unwrap();
                let mut signed = String::new();
                splice(&mut signed, &doc, &[(element, signature.text.as_str())]);
                let signed = Document::parse(&signed).unwrap();
                let sig = signed
                    .descendants(signed.root_element())
                    .find(|&n| signed.is(n, DSIG_NS, "Signature"))
                    .unwrap();
                let signed_info = signed.element_children(sig).next().unwrap();
                let by_rules = |n| {
                    let mut out = Vec::new();
                    c14n::canonicalize_by_rules(&signed, Some(n), None, &exclusive, &mut out)
                        .unwrap();
                    String::from_utf8(out).unwrap()
                };
                let children = signature.canonical_children.as_deref().unwrap();
                assert_eq!(
                    format!("<ds:SignedInfo xmlns:ds=\"{DSIG_NS}\">{children}</ds:SignedInfo>"),
                    by_rules(signed_info),
                    "{key} {name}"
                );
                assert_eq!(
                    signature.canonical().unwrap(),
                    by_rules(sig),
                    "{key} {name}"
                );
            }
        }
    }

    /// Signing both elements from one parse gives, byte for byte, what signing twice gives
    /// (RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic), in every shape: Issuer or
    /// not, empty-element tags, and the shapes that fall back.
    #[test]
    fn nested_signing_equals_signing_twice() {
        for key in ["rsa2048", "ed25519"] {
            let signer = signer(key);
            for (name, xml) in shapes() {
                let id = if name.starts_with("ID escaped") {
                    "_a&<b"
                } else {
                    "_a"
                };
                let twice = signer
                    .sign_element(&signer.sign_element(&xml, id).unwrap(), "_r")
                    .unwrap();
                let nested = signer.sign_nested(&xml, id, "_r").unwrap();
                assert_eq!(nested, twice, "{key} {name}");
            }
        }
    }

    /// With ECDSA (randomized), both signatures of the one-parse path verify.
    #[test]
    fn nested_ecdsa_signatures_verify() {
        use crate::crypto::{AlgorithmPolicy, TrustAnchor};
        use crate::dsig::Verifier;
        for key in ["p256", "p384"] {
            let anchor =
                TrustAnchor::from_any(&testdata(&format!("{key}.cert.pem")), None).unwrap();
            let verifier = Verifier::new(vec![anchor], AlgorithmPolicy::default());
            let signer = signer(key);
            for (name, xml) in shapes().into_iter().take(5) {
                let signed = signer.sign_nested(&xml, "_a", "_r").unwrap();
                let doc = Document::parse(&signed).unwrap();
                for id in ["_a", "_r"] {
                    let IdLookup::Unique(n) = doc.element_by_id(id) else {
                        panic!("{key} {name}: {id}");
                    };
                    verifier
                        .verify_element(&doc, n)
                        .unwrap_or_else(|e| panic!("{key} {name} {id}: {e}"));
                }
            }
        }
    }
}
