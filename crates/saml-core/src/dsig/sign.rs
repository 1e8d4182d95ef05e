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

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::DSIG_NS;
use super::error::DsigError;
use super::verify::{DigestSink, ENVELOPED_SIGNATURE};
use crate::crypto::CryptoError;
use crate::crypto::{Certificate, DigestAlgorithm, SignatureAlgorithm, SigningKey};
use crate::xml::c14n::{self, Algorithm, Method};
use crate::xml::{Document, IdLookup, NodeId};

use crate::ns::SAML_ASSERTION as SAML_ASSERTION_NS;

/// Signs elements with one key: enveloped signature, exclusive c14n, RSA-SHA256 and SHA-256 by
/// default, the signing certificate in `KeyInfo/X509Data/X509Certificate`.
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    certificate: Option<Certificate>,
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

    /// Signs raw bytes (used for HTTP-Redirect query signatures).
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, DsigError> {
        Ok(self.key.sign(self.algorithm, message)?)
    }

    /// Signs the element whose `ID` is `id` and returns the whole document with the Signature
    /// inserted.
    pub fn sign_element(&self, xml: &str, id: &str) -> Result<String, DsigError> {
        let doc = Document::parse(xml)?;
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
        let exclusive = Method::new(Algorithm::Exclusive, false);
        let mut sink = DigestSink::new(self.digest);
        c14n::canonicalize(&doc, Some(element), None, &exclusive, &mut sink)?;
        let digest = STANDARD.encode(sink.finish().as_ref());

        let (head, tail) = self.template(id, &digest);
        // Canonical SignedInfo from the template alone: under exclusive c14n (the only
        // method this signer writes) the canonical form of an apex element holds only the
        // namespaces it and its descendants visibly use, here `ds`, which the Signature
        // declares itself, and no `xml:` attribute is inherited; so the document around it
        // cannot change a byte, and the whole signed document need not be parsed again.
        let canonical = {
            // SignedInfo is all in `head`; KeyInfo, in `tail`, is not needed.
            let mut standalone = String::with_capacity(head.len() + 40);
            standalone.push_str(&head);
            standalone.push_str("</ds:SignatureValue></ds:Signature>");
            let template = Document::parse(&standalone)?;
            let signed_info = template
                .element_children(template.root_element())
                .next()
                .ok_or(DsigError::SignatureNotPlaced)?;
            c14n::to_vec(&template, Some(signed_info), None, &exclusive)?
        };
        let signature_value = STANDARD.encode(self.key.sign(self.algorithm, &canonical)?);

        let src = doc.source();
        let (at, self_closing) = insertion_point(&doc, element);
        let mut signed =
            String::with_capacity(src.len() + head.len() + signature_value.len() + tail.len() + 64);
        let signature = [head.as_str(), &signature_value, &tail];
        if let Some(close) = self_closing {
            // `<e .../>` becomes `<e ...>SIGNATURE</e>`.
            signed.push_str(&src[..close]);
            signed.push('>');
            signature.iter().for_each(|part| signed.push_str(part));
            let _ = write!(signed, "</{}>", doc.qualified_name(element));
            signed.push_str(&src[doc.span(element).end..]);
        } else {
            signed.push_str(&src[..at]);
            signature.iter().for_each(|part| signed.push_str(part));
            signed.push_str(&src[at..]);
        }
        Ok(signed)
    }

    /// The Signature element with an empty SignatureValue, split where the value goes.
    fn template(&self, id: &str, digest: &str) -> (String, String) {
        let mut t = String::with_capacity(1024);
        let _ = write!(
            t,
            "<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:SignedInfo>\
             <ds:CanonicalizationMethod Algorithm=\"{c14n}\"/>\
             <ds:SignatureMethod Algorithm=\"{sig}\"/>\
             <ds:Reference URI=\"#{id}\"><ds:Transforms>\
             <ds:Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"/>\
             <ds:Transform Algorithm=\"{c14n}\"/></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{dig}\"/>\
             <ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>\
             <ds:SignatureValue>",
            c14n = c14n::EXC_C14N,
            sig = self.algorithm.uri(),
            dig = self.digest.uri(),
            id = crate::xml::escape::escape(id),
        );
        let mut tail = String::with_capacity(2048);
        tail.push_str("</ds:SignatureValue>");
        if let Some(cert) = &self.certificate {
            let _ = write!(
                tail,
                "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate>\
                 </ds:X509Data></ds:KeyInfo>",
                STANDARD.encode(cert.der())
            );
        }
        tail.push_str("</ds:Signature>");
        (t, tail)
    }
}

/// Where the Signature goes: after a leading `saml:Issuer` child, else right after the start
/// tag. For a self-closing element, the offset of its `/>` instead.
fn insertion_point(doc: &Document<'_>, element: NodeId) -> (usize, Option<usize>) {
    if let Some(first) = doc.element_children(element).next()
        && doc.is(first, SAML_ASSERTION_NS, "Issuer")
    {
        return (doc.span(first).end, None);
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
                    (i + 1, Some(i - 1))
                } else {
                    (i + 1, None)
                };
            }
            None => {}
        }
        i += 1;
    }
    (span.end, None)
}
