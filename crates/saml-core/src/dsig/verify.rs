//! Strict verification of enveloped XML Signatures against pinned keys.
//!
//! The rules, each a defence against a published attack (see `SECURITY.md`):
//! - the Signature is parsed by position, in schema order: one `SignedInfo`, one
//!   `SignatureValue`, at most one `KeyInfo`, nothing else (no `Object`); inside SignedInfo one
//!   `CanonicalizationMethod`, one `SignatureMethod` and exactly one `Reference`;
//! - no comments or processing instructions anywhere inside the Signature;
//! - the Reference URI is `#` + the `ID` of the Signature's parent, and that ID resolves to
//!   that very element; no ID value occurs twice in the document;
//! - transforms: enveloped-signature, optionally followed by one canonicalization;
//! - algorithms come from the [`AlgorithmPolicy`] allow-list;
//! - the key comes only from the configured [`TrustAnchor`]s; `KeyInfo` only orders them;
//! - SignedInfo is verified first, then the referenced element's canonical form is streamed
//!   into the digest.
//!
//! Success yields a [`Verified`] token: the only way to name the element a signature covers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::DSIG_NS;
use super::error::DsigError;
use crate::crypto::{
    AlgorithmPolicy, Digest, DigestAlgorithm, DigestContext, SignatureAlgorithm, TrustAnchor,
    decode_base64,
};
use crate::xml::c14n::{self, Algorithm, Method, Sink};
use crate::xml::{Children, Document, IdLookup, NodeId, NodeKind};

/// The enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
use crate::ns::EXC_C14N as EXC_C14N_NS;

/// Verifies signatures with a fixed set of trusted keys and an algorithm policy. Build it once
/// (keys are parsed when it is built) and share it: it is `Send + Sync` and holds no lock.
#[derive(Clone, Debug)]
pub struct Verifier {
    anchors: Vec<TrustAnchor>,
    policy: AlgorithmPolicy,
}

/// Proof that a signature over one element verified. Its constructor is private to this
/// module, so holding one means the checks above passed for [`element`](Self::element).
/// Read signed data only through it ([`covers`](Self::covers) tells whether a node is inside
/// what was digested).
#[derive(Clone, Copy, Debug)]
pub struct Verified<'d, 'a> {
    doc: &'d Document<'a>,
    element: NodeId,
    signature: NodeId,
    algorithm: SignatureAlgorithm,
    digest: DigestAlgorithm,
    key_index: usize,
}

impl<'d, 'a> Verified<'d, 'a> {
    /// The document (crate-private: the whole document is not verified, only what
    /// [`covers`](Self::covers) says).
    pub(crate) fn document(&self) -> &'d Document<'a> {
        self.doc
    }

    /// The signed element (the Signature's parent, which the Reference names).
    pub fn element(&self) -> NodeId {
        self.element
    }

    /// The Signature element.
    pub fn signature(&self) -> NodeId {
        self.signature
    }

    /// Whether `node` is part of what was digested: inside the signed element and not inside
    /// its Signature.
    pub fn covers(&self, node: NodeId) -> bool {
        self.doc.is_inside(node, self.element) && !self.doc.is_inside(node, self.signature)
    }

    /// The signature algorithm used.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The digest algorithm used.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Which configured key verified it (index into the anchors the verifier was built with).
    pub fn key_index(&self) -> usize {
        self.key_index
    }
}

/// The parts of a Signature element, read strictly by position. No trust decision.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignatureParts<'d> {
    /// The Signature element.
    pub signature: NodeId,
    /// Its `SignedInfo`.
    pub signed_info: NodeId,
    /// Its `SignatureValue`.
    pub signature_value: NodeId,
    /// Its `KeyInfo`, if any.
    pub key_info: Option<NodeId>,
    /// SignedInfo's canonicalization method.
    pub c14n: Method<'d>,
    /// The SignatureMethod URI.
    pub signature_method: &'d str,
    /// The one Reference's URI.
    pub reference_uri: &'d str,
    /// The canonicalization applied to the referenced element after the enveloped transform.
    pub reference_c14n: Method<'d>,
    /// The DigestMethod URI.
    pub digest_method: &'d str,
    /// The `DigestValue` element.
    pub digest_value: NodeId,
}

/// Walks the element children of a Signature element, refusing anything but whitespace text
/// between them.
/// The longest SignatureValue text accepted, in bytes: the base64 of the largest signature a
/// supported key makes (RSA-16384, 2,048 bytes → 2,732 characters) with room for line breaks
/// every 64 characters in CRLF form.
const MAX_SIGNATURE_VALUE_TEXT: usize = 4096;

/// The largest SignedInfo accepted, in bytes of the document: 64 KiB. Real ones, with one
/// Reference, two transforms and a PrefixList, are under 2 KB.
const MAX_SIGNED_INFO_BYTES: usize = 64 << 10;

struct Strict<'d, 'a> {
    doc: &'d Document<'a>,
    children: Children<'d, 'a>,
    parent: &'static str,
}

impl<'d, 'a> Strict<'d, 'a> {
    fn new(doc: &'d Document<'a>, node: NodeId, parent: &'static str) -> Self {
        Self {
            doc,
            children: doc.children(node),
            parent,
        }
    }

    fn next(&mut self) -> Result<Option<NodeId>, DsigError> {
        for c in self.children.by_ref() {
            match self.doc.kind(c) {
                NodeKind::Element => return Ok(Some(c)),
                NodeKind::Text
                    if self
                        .doc
                        .value(c)
                        .bytes()
                        .all(|b| matches!(b, b' ' | b'\t' | b'\n')) => {}
                NodeKind::Comment | NodeKind::ProcessingInstruction => {
                    return Err(DsigError::CommentInSignature);
                }
                _ => {
                    return Err(DsigError::UnexpectedText {
                        parent: self.parent,
                    });
                }
            }
        }
        Ok(None)
    }

    /// The next child, which must be `ds:<local>`.
    fn expect(&mut self, local: &'static str) -> Result<NodeId, DsigError> {
        match self.next()? {
            Some(c) if self.doc.is(c, DSIG_NS, local) => Ok(c),
            Some(c) => Err(DsigError::WrongElement {
                parent: self.parent,
                expected: local,
                found: self.doc.qualified_name(c).into_owned(),
            }),
            None => Err(DsigError::MissingElement {
                parent: self.parent,
                expected: local,
            }),
        }
    }

    /// The next child if it is `ds:<local>`, without consuming anything else.
    fn optional(&mut self, local: &'static str) -> Result<Option<NodeId>, DsigError> {
        let save = self.children.clone();
        match self.next()? {
            Some(c) if self.doc.is(c, DSIG_NS, local) => Ok(Some(c)),
            _ => {
                self.children = save;
                Ok(None)
            }
        }
    }

    /// There must be no further element child.
    fn end(&mut self) -> Result<(), DsigError> {
        match self.next()? {
            None => Ok(()),
            Some(c) => Err(DsigError::UnexpectedElement {
                parent: self.parent,
                found: self.doc.qualified_name(c).into_owned(),
            }),
        }
    }
}

fn algorithm_attr<'d>(doc: &'d Document<'_>, node: NodeId) -> Result<&'d str, DsigError> {
    doc.attribute(node, "Algorithm")
        .ok_or_else(|| DsigError::MissingAlgorithm {
            element: doc.qualified_name(node).into_owned(),
        })
}

/// Reads a c14n method element (CanonicalizationMethod or Transform) with its optional
/// InclusiveNamespaces child, whose PrefixList is held to the document's
/// [`Limits::max_prefix_list_tokens`](crate::xml::Limits::max_prefix_list_tokens).
fn c14n_method<'d>(
    doc: &'d Document<'_>,
    node: NodeId,
    uri: &'d str,
) -> Result<Method<'d>, DsigError> {
    let Some(method) = Method::from_uri(uri) else {
        return Err(DsigError::Algorithm(
            crate::crypto::CryptoError::UnsupportedAlgorithm {
                uri: uri.to_owned(),
                allowed: vec![
                    c14n::EXC_C14N,
                    c14n::EXC_C14N_WITH_COMMENTS,
                    c14n::C14N10,
                    c14n::C14N10_WITH_COMMENTS,
                    c14n::C14N11,
                    c14n::C14N11_WITH_COMMENTS,
                ],
            },
        ));
    };
    let mut kids = Strict::new(doc, node, "CanonicalizationMethod");
    let mut prefixes: Option<&'d str> = None;
    if let Some(child) = kids.next()? {
        if method.algorithm() == Algorithm::Exclusive
            && doc.is(child, EXC_C14N_NS, "InclusiveNamespaces")
        {
            prefixes = Some(doc.attribute(child, "PrefixList").unwrap_or(""));
            kids.end()?;
        } else {
            return Err(DsigError::UnexpectedElement {
                parent: "CanonicalizationMethod",
                found: doc.qualified_name(child).into_owned(),
            });
        }
    }
    // Capped before any token is kept: a PrefixList of millions of tokens is refused here,
    // before SignedInfo is canonicalized or any key is tried.
    Ok(method.with_prefix_list(prefixes.unwrap_or(""), doc.limits.max_prefix_list_tokens)?)
}

/// Reads a Signature element strictly. Makes no trust decision: [`Verifier::verify`] and the
/// `inspect` command both start here.
pub fn signature_parts<'d>(
    doc: &'d Document<'_>,
    signature: NodeId,
) -> Result<SignatureParts<'d>, DsigError> {
    if !doc.is(signature, DSIG_NS, "Signature") {
        return Err(DsigError::NotASignature {
            found: doc.qualified_name(signature).into_owned(),
        });
    }
    // No comments or processing instructions anywhere inside the Signature.
    let range = signature.index() + 1..crate::cast::to_usize(doc.node(signature).end);
    if range.clone().any(|i| {
        matches!(
            doc.kind(NodeId(crate::cast::to_u32(i))),
            NodeKind::Comment | NodeKind::ProcessingInstruction
        )
    }) {
        return Err(DsigError::CommentInSignature);
    }

    let mut sig = Strict::new(doc, signature, "Signature");
    let signed_info = sig.expect("SignedInfo")?;
    let signature_value = sig.expect("SignatureValue")?;
    let key_info = sig.optional("KeyInfo")?;
    sig.end()?;

    let mut si = Strict::new(doc, signed_info, "SignedInfo");
    let c14n_node = si.expect("CanonicalizationMethod")?;
    let c14n = c14n_method(doc, c14n_node, algorithm_attr(doc, c14n_node)?)?;
    let sm = si.expect("SignatureMethod")?;
    let signature_method = algorithm_attr(doc, sm)?;
    if let Some(child) = Strict::new(doc, sm, "SignatureMethod").next()? {
        return Err(DsigError::UnexpectedElement {
            parent: "SignatureMethod",
            found: doc.qualified_name(child).into_owned(),
        });
    }
    let reference = si.expect("Reference")?;
    if si.next()?.is_some() {
        return Err(DsigError::ReferenceCount);
    }

    // An absent URI means "the application knows what is signed": never accepted. `URI=""`
    // (the whole document) is, when the Signature's parent is the document element.
    let reference_uri = doc
        .attribute(reference, "URI")
        .ok_or_else(|| DsigError::ReferenceUri {
            uri: "(no URI attribute)".into(),
        })?;
    let mut r = Strict::new(doc, reference, "Reference");
    let mut reference_c14n = Method::new(Algorithm::Inclusive10, false);
    let mut enveloped = false;
    if let Some(transforms) = r.optional("Transforms")? {
        let mut t = Strict::new(doc, transforms, "Transforms");
        let mut count = 0;
        let mut c14n_seen = false;
        while let Some(tr) = t.next()? {
            if !doc.is(tr, DSIG_NS, "Transform") {
                return Err(DsigError::UnexpectedElement {
                    parent: "Transforms",
                    found: doc.qualified_name(tr).into_owned(),
                });
            }
            count += 1;
            let uri = algorithm_attr(doc, tr)?;
            if uri == ENVELOPED_SIGNATURE && count == 1 {
                if let Some(child) = Strict::new(doc, tr, "Transform").next()? {
                    return Err(DsigError::UnexpectedElement {
                        parent: "Transform",
                        found: doc.qualified_name(child).into_owned(),
                    });
                }
                enveloped = true;
            } else if count == 2 && !c14n_seen && Method::from_uri(uri).is_some() {
                reference_c14n = c14n_method(doc, tr, uri)?;
                c14n_seen = true;
            } else {
                return Err(DsigError::Transform {
                    uri: uri.to_owned(),
                });
            }
        }
    }
    if !enveloped {
        return Err(DsigError::Transform {
            uri: "(enveloped-signature transform missing)".into(),
        });
    }
    let dm = r.expect("DigestMethod")?;
    let digest_method = algorithm_attr(doc, dm)?;
    let digest_value = r.expect("DigestValue")?;
    r.end()?;

    Ok(SignatureParts {
        signature,
        signed_info,
        signature_value,
        key_info,
        c14n,
        signature_method,
        reference_uri,
        reference_c14n,
        digest_method,
        digest_value,
    })
}

/// A [`Sink`] that feeds a digest through a small buffer, so canonical output is hashed as it
/// is produced.
pub(crate) struct DigestSink {
    ctx: DigestContext,
    buf: [u8; 2048],
    len: usize,
}

impl DigestSink {
    pub(crate) fn new(algorithm: DigestAlgorithm) -> Self {
        Self {
            ctx: algorithm.context(),
            buf: [0; 2048],
            len: 0,
        }
    }

    pub(crate) fn finish(mut self) -> Digest {
        self.ctx.update(&self.buf[..self.len]);
        self.ctx.finish()
    }
}

impl Sink for DigestSink {
    fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.buf.len() {
            self.ctx.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > self.buf.len() / 2 {
                self.ctx.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

/// Computes the digest of the element a signature's Reference names, with the signature
/// excluded, exactly as verification does. Used by `inspect` to show our digest beside the
/// document's; makes no trust decision.
pub fn reference_digest(
    doc: &Document<'_>,
    parts: &SignatureParts<'_>,
    policy: &AlgorithmPolicy,
) -> Result<Vec<u8>, DsigError> {
    let element = referenced_element(doc, parts)?;
    let digest = policy.check_digest(parts.digest_method)?;
    let mut sink = DigestSink::new(digest);
    c14n::canonicalize(
        doc,
        digest_apex(parts, element),
        Some(parts.signature),
        &parts.reference_c14n,
        &mut sink,
    )?;
    Ok(sink.finish().as_ref().to_vec())
}

/// What the digest is taken over: the referenced element's subtree, or for `URI=""` the whole
/// document (whose element is then the Signature's parent: see [`referenced_element`]).
fn digest_apex(parts: &SignatureParts<'_>, element: NodeId) -> Option<NodeId> {
    (!parts.reference_uri.is_empty()).then_some(element)
}

/// Resolves the Reference to the Signature's parent, enforcing the SAML profile's rules: `#`
/// and the parent's ID, or `""` (the whole document) when the parent is the document element,
/// which is then the same node an ID reference would reach.
fn referenced_element(doc: &Document<'_>, parts: &SignatureParts<'_>) -> Result<NodeId, DsigError> {
    let parent = doc
        .parent(parts.signature)
        .filter(|&p| doc.is_element(p))
        .ok_or(DsigError::DetachedSignature)?;
    if parts.reference_uri.is_empty() {
        return if parent == doc.root_element() {
            Ok(parent)
        } else {
            Err(DsigError::ReferenceUri { uri: String::new() })
        };
    }
    // `Verifier::verify` has already refused any duplicate ID in the document; the lookup
    // below still refuses a duplicate of this ID for callers that come here directly.
    let uri = parts.reference_uri;
    let id = uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.contains(['(', ')', '/', '#']))
        .ok_or_else(|| DsigError::ReferenceUri {
            uri: uri.to_owned(),
        })?;
    let not_parent = || DsigError::ReferenceNotParent {
        uri: uri.to_owned(),
        parent_id: doc
            .attribute(parent, "ID")
            .map_or_else(|| "absent".to_owned(), |v| format!("`{v}`")),
    };
    // One ID per element: any other ID-like attribute with another value is refused
    // ("The Fragile Lock" attribute pollution).
    for a in doc.attributes(parent) {
        // The parent's own `ID` is the one the Reference named; any other with another value
        // is a second identity.
        let id_like = crate::xml::is_id_attribute(a.namespace, a.local_name)
            && !(a.namespace.is_empty() && a.local_name == "ID");
        if id_like && a.value != id {
            return Err(DsigError::AmbiguousId {
                element: doc.qualified_name(parent).into_owned(),
                attribute: format!(
                    "{}{}{}",
                    a.prefix,
                    if a.prefix.is_empty() { "" } else { ":" },
                    a.local_name
                ),
                value: a.value.to_owned(),
            });
        }
    }
    match doc.element_by_id(id) {
        IdLookup::Unique(n) if n == parent => Ok(parent),
        IdLookup::Duplicate => Err(DsigError::DuplicateId(id.to_owned())),
        _ => Err(not_parent()),
    }
}

impl Verifier {
    /// A verifier that trusts exactly these keys (several for rollover) under this policy.
    pub fn new(anchors: Vec<TrustAnchor>, policy: AlgorithmPolicy) -> Self {
        Self { anchors, policy }
    }

    /// The trusted keys.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// The algorithm policy.
    pub fn policy(&self) -> &AlgorithmPolicy {
        &self.policy
    }

    /// The Signature child of `element`, if it has exactly one (an error if several).
    pub fn signature_of(doc: &Document<'_>, element: NodeId) -> Result<Option<NodeId>, DsigError> {
        let mut sigs = doc
            .element_children(element)
            .filter(|&c| doc.is(c, DSIG_NS, "Signature"));
        match (sigs.next(), sigs.next()) {
            (None, _) => Ok(None),
            (Some(s), None) => Ok(Some(s)),
            (Some(_), Some(_)) => Err(DsigError::MultipleSignatures {
                element: doc.qualified_name(element).into_owned(),
            }),
        }
    }

    /// Verifies the enveloped signature of `element`, which must carry exactly one Signature
    /// child referencing it.
    pub fn verify_element<'d, 'a>(
        &self,
        doc: &'d Document<'a>,
        element: NodeId,
    ) -> Result<Verified<'d, 'a>, DsigError> {
        let sig = Self::signature_of(doc, element)?.ok_or_else(|| DsigError::MissingSignature {
            element: doc.qualified_name(element).into_owned(),
        })?;
        self.verify(doc, sig)
    }

    /// Verifies one Signature element.
    pub fn verify<'d, 'a>(
        &self,
        doc: &'d Document<'a>,
        signature: NodeId,
    ) -> Result<Verified<'d, 'a>, DsigError> {
        if self.anchors.is_empty() {
            return Err(DsigError::NoTrustedKeys);
        }
        // Invariant 3 is about the whole document, so it is checked before anything else.
        if let Some(dup) = doc.duplicate_id() {
            return Err(DsigError::DuplicateId(dup.to_owned()));
        }
        let parts = signature_parts(doc, signature)?;
        let element = referenced_element(doc, &parts)?;
        // The largest supported key (RSA-16384) signs 2,048 bytes: 2,732 base64 characters,
        // plus line breaks. Anything longer is malformed, and is refused before any work.
        let signed_info_len = doc.span(parts.signed_info).len();
        if signed_info_len > MAX_SIGNED_INFO_BYTES {
            return Err(DsigError::SignedInfoTooLarge {
                len: signed_info_len,
                max: MAX_SIGNED_INFO_BYTES,
            });
        }
        let signature_text = doc.text(parts.signature_value);
        if signature_text.len() > MAX_SIGNATURE_VALUE_TEXT {
            return Err(DsigError::SignatureValueTooLong {
                len: signature_text.len(),
                max: MAX_SIGNATURE_VALUE_TEXT,
            });
        }
        let algorithm = self.policy.check_signature(parts.signature_method)?;
        let digest = self.policy.check_digest(parts.digest_method)?;

        // 1. SignedInfo: canonicalize the very node whose Reference we check, then verify.
        let mut signed_info = Vec::with_capacity(1024);
        c14n::canonicalize(
            doc,
            Some(parts.signed_info),
            None,
            &parts.c14n,
            &mut signed_info,
        )?;
        let signature_value =
            decode_base64(signature_text.as_bytes(), usize::MAX).map_err(|_| {
                DsigError::Base64 {
                    element: "SignatureValue",
                }
            })?;
        let key_index = self.verify_with_anchors(
            || key_info_certificate(doc, &parts),
            algorithm,
            &signed_info,
            &signature_value,
        )?;

        // 2. The digest of the referenced element, streamed.
        let mut sink = DigestSink::new(digest);
        c14n::canonicalize(
            doc,
            digest_apex(&parts, element),
            Some(signature),
            &parts.reference_c14n,
            &mut sink,
        )?;
        let computed = sink.finish();
        let expected =
            decode_base64(doc.text(parts.digest_value).as_bytes(), usize::MAX).map_err(|_| {
                DsigError::Base64 {
                    element: "DigestValue",
                }
            })?;
        // Fuzzing builds take any DigestValue (see `crypto::no_security`); the digest above is
        // still computed.
        #[cfg(not(fuzzing))]
        let digest_matches = computed.as_ref() == expected.as_slice();
        #[cfg(fuzzing)]
        let digest_matches =
            crate::crypto::no_security::digest_matches(computed.as_ref(), &expected);
        if !digest_matches {
            return Err(DsigError::DigestMismatch {
                reference: parts.reference_uri.to_owned(),
                computed: STANDARD.encode(computed.as_ref()),
                expected: STANDARD.encode(&expected),
            });
        }
        Ok(Verified {
            doc,
            element,
            signature,
            algorithm,
            digest,
            key_index,
        })
    }

    /// Tries the configured keys, the one `KeyInfo` names first. Returns the index of the key
    /// that verified, or the most specific failure.
    pub(crate) fn verify_with_anchors(
        &self,
        key_info: impl Fn() -> Option<Vec<u8>>,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<usize, DsigError> {
        let key_info_cert = if self.anchors.len() > 1 {
            key_info()
        } else {
            None
        };
        let first = key_info_cert.as_deref().and_then(|der| {
            self.anchors
                .iter()
                .position(|a| a.certificate().is_some_and(|c| c.der() == der))
        });
        let order = first
            .into_iter()
            .chain((0..self.anchors.len()).filter(|&i| Some(i) != first));
        let mut most_specific: Option<crate::crypto::CryptoError> = None;
        let mut mismatches = 0usize;
        for i in order {
            match self.anchors[i]
                .public_key()
                .verify(algorithm, &self.policy, message, signature)
            {
                Ok(()) => return Ok(i),
                Err(crate::crypto::CryptoError::BadSignature) => mismatches += 1,
                Err(e) => {
                    if most_specific.is_none() {
                        most_specific = Some(e);
                    }
                }
            }
        }
        // When no key could even be tried (policy or key-type failures on all of them), that
        // failure says more than "does not verify".
        if let (0, Some(e)) = (mismatches, most_specific) {
            return Err(DsigError::Algorithm(e));
        }
        let key_info = match key_info_cert.or_else(key_info) {
            Some(der) => {
                let fp = crate::crypto::fingerprint(DigestAlgorithm::Sha256.digest(&der).as_ref());
                let known = self
                    .anchors
                    .iter()
                    .any(|a| a.certificate().is_some_and(|c| c.der() == der.as_slice()));
                if known {
                    format!(
                        " (KeyInfo names the configured certificate {fp}: the signed content or \
                         SignatureValue was changed after signing)"
                    )
                } else {
                    format!(
                        " (KeyInfo holds a certificate with SHA-256 fingerprint {fp}, which is \
                         not configured)"
                    )
                }
            }
            None => String::new(),
        };
        let configured = self
            .anchors
            .iter()
            .map(|a| match a.certificate() {
                Some(c) => c.fingerprint_sha256(),
                None => "(bare public key)".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        Err(DsigError::SignatureMismatch {
            key_info,
            configured,
        })
    }
}

/// The DER of the first `KeyInfo/X509Data/X509Certificate`, if any decodes.
fn key_info_certificate(doc: &Document<'_>, parts: &SignatureParts<'_>) -> Option<Vec<u8>> {
    let key_info = parts.key_info?;
    let x509_data = doc
        .element_children(key_info)
        .find(|&c| doc.is(c, DSIG_NS, "X509Data"))?;
    let cert = doc
        .element_children(x509_data)
        .find(|&c| doc.is(c, DSIG_NS, "X509Certificate"))?;
    decode_base64(doc.text(cert).as_bytes(), usize::MAX).ok()
}
