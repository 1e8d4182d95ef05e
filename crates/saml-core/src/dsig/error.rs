//! Errors of XML Signature verification and signing.
//!
//! Each variant maps to one stable [`ErrorKind`](crate::error::ErrorKind) through
//! [`DsigError::kind`].

use crate::crypto::CryptoError;
use crate::error::ErrorKind;
use crate::xml::XmlError;
use crate::xml::c14n::C14nError;

/// Why a signature was rejected or could not be made. Each variant says which element or
/// value disagreed; the signature-math failure itself carries no detail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DsigError {
    /// An algorithm that the policy does not allow (unknown URI, HMAC, SHA-1 without opt-in,
    /// a key too small, a key of the wrong type).
    #[error(transparent)]
    Algorithm(#[from] CryptoError),
    /// The signed element carries another ID-like attribute beside `ID` with a different value
    /// (attribute pollution: a resolver and an application could pick different ones).
    #[error(
        "the signed `{element}` carries `{attribute}=\"{value}\"` beside its ID; an element may have one ID"
    )]
    AmbiguousId {
        /// The element.
        element: String,
        /// The other ID-like attribute.
        attribute: String,
        /// Its value.
        value: String,
    },
    /// Base64 content that does not decode.
    #[error("`{element}` does not hold valid base64")]
    Base64 {
        /// The element whose content was wrong.
        element: &'static str,
    },
    /// Canonicalization failed (never treated as empty output).
    #[error("canonicalization failed: {0}")]
    C14n(#[from] C14nError),
    /// A comment or processing instruction inside the Signature element (CVE-2025-29775).
    #[error("comments and processing instructions are not allowed inside `Signature`")]
    CommentInSignature,
    /// The Signature is the document element: it has no parent to sign.
    #[error("the Signature has no parent element (detached signatures are not supported)")]
    DetachedSignature,
    /// The digest of the referenced element does not match its `DigestValue`.
    #[error(
        "digest mismatch for Reference `{reference}`: computed {computed}, the document says \
         {expected}. The signed element changed after signing: usual causes are re-indenting \
         or re-encoding the XML, a namespace declaration moved, or a proxy that rewrote it"
    )]
    DigestMismatch {
        /// The Reference URI.
        reference: String,
        /// The digest we computed, base64.
        computed: String,
        /// The `DigestValue` in the document, base64.
        expected: String,
    },
    /// Two elements carry the same ID (the basis of signature-wrapping attacks).
    #[error("the ID `{0}` occurs more than once in the document")]
    DuplicateId(String),
    /// A required child of a Signature part is missing.
    #[error("malformed Signature: `{parent}` has no `{expected}`")]
    MissingElement {
        /// The element that should contain it.
        parent: &'static str,
        /// The missing child.
        expected: &'static str,
    },
    /// A method element (CanonicalizationMethod, SignatureMethod, Transform, DigestMethod)
    /// without its Algorithm attribute.
    #[error("malformed Signature: `{element}` has no Algorithm")]
    MissingAlgorithm {
        /// The element.
        element: String,
    },
    /// The element that must be signed carries no `Signature` child.
    #[error("`{element}` carries no Signature")]
    MissingSignature {
        /// The element.
        element: String,
    },
    /// More than one `Signature` child on one element.
    #[error("`{element}` carries more than one Signature")]
    MultipleSignatures {
        /// The element.
        element: String,
    },
    /// The element given as a Signature is not `ds:Signature`.
    #[error("`{found}` is not a ds:Signature element")]
    NotASignature {
        /// What it is.
        found: String,
    },
    /// No keys are configured: verification never falls back to keys found in the message.
    #[error("no trusted signing certificates are configured")]
    NoTrustedKeys,
    /// The Reference does not point to the Signature's parent element.
    #[error(
        "the Reference URI `{uri}` does not name the signature's parent element (whose ID is {parent_id})"
    )]
    ReferenceNotParent {
        /// The Reference URI.
        uri: String,
        /// The parent's `ID`, quoted, or "absent".
        parent_id: String,
    },
    /// A Reference URI that is not `#` followed by an ID (empty, XPointer, external).
    #[error(
        "Reference URI `{uri}` is not allowed: only `#` followed by the parent's ID, or `\"\"` when the Signature is a child of the document element"
    )]
    ReferenceUri {
        /// The Reference URI.
        uri: String,
    },
    /// SignedInfo holds more than one Reference, or something after it (SAML signs exactly one
    /// element per signature).
    #[error("malformed Signature: SignedInfo must hold exactly one Reference and nothing after it")]
    ReferenceCount,
    /// No configured key verifies the SignatureValue.
    #[error(
        "the signature does not verify with any configured certificate{key_info}; configured: {configured}"
    )]
    SignatureMismatch {
        /// A description of the certificate in `KeyInfo`, if any (with its fingerprint).
        key_info: String,
        /// The SHA-256 fingerprints of the configured certificates.
        configured: String,
    },
    /// The signer could not find the Signature it had just inserted (an internal error).
    #[error("the Signature template could not be placed in the document")]
    SignatureNotPlaced,
    /// A SignatureValue longer than any supported key could produce (the largest, RSA-16384,
    /// gives 2,048 bytes): malformed, refused before any key is tried.
    #[error(
        "malformed Signature: SignatureValue is {len} bytes of base64 text, more than the {max} any supported key produces"
    )]
    SignatureValueTooLong {
        /// Its length in bytes of base64 text.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A SignedInfo larger than any real one (a few hundred bytes to a few KB): refused before
    /// it is canonicalized and hashed, so its size cannot buy work before the signature check.
    #[error("malformed Signature: SignedInfo is {len} bytes, more than the {max} allowed")]
    SignedInfoTooLarge {
        /// Its size in the document, in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A transform other than enveloped-signature and one canonicalization, or these in a
    /// wrong number or order.
    #[error("transform `{uri}` is not allowed: only enveloped-signature then one canonicalization")]
    Transform {
        /// The transform's Algorithm URI.
        uri: String,
    },
    /// An element inside a Signature part where none is allowed.
    #[error("malformed Signature: unexpected `{found}` in `{parent}`")]
    UnexpectedElement {
        /// The element it was found in.
        parent: &'static str,
        /// Its qualified name.
        found: String,
    },
    /// Text inside a Signature part where only whitespace is allowed.
    #[error("malformed Signature: unexpected text inside `{parent}`")]
    UnexpectedText {
        /// The element it was found in.
        parent: &'static str,
    },
    /// A different element where a Signature part requires a specific one.
    #[error("malformed Signature: expected `{expected}` in `{parent}`, found `{found}`")]
    WrongElement {
        /// The element it was found in.
        parent: &'static str,
        /// The element required there.
        expected: &'static str,
        /// What is there instead.
        found: String,
    },
    /// The document to sign or verify does not parse.
    #[error("{0}")]
    Xml(#[from] XmlError),
}

impl DsigError {
    /// The stable kind of this failure.
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            Self::Algorithm(c) => match c {
                CryptoError::Sha1NotAllowed { .. } => K::Sha1NotAllowed,
                CryptoError::RsaKeyTooSmall { .. } => K::KeyTooSmall,
                CryptoError::KeyAlgorithmMismatch { .. } => K::KeyAlgorithmMismatch,
                _ => K::UnsupportedAlgorithm,
            },
            Self::AmbiguousId { .. } => K::AmbiguousId,
            Self::C14n(crate::xml::c14n::C14nError::LimitExceeded { .. }) => K::LimitExceeded,
            Self::C14n(_) => K::CanonicalizationFailed,
            Self::Base64 { .. }
            | Self::DetachedSignature
            | Self::MissingAlgorithm { .. }
            | Self::MissingElement { .. }
            | Self::NotASignature { .. }
            | Self::ReferenceCount
            | Self::SignatureValueTooLong { .. }
            | Self::SignedInfoTooLarge { .. }
            | Self::UnexpectedElement { .. }
            | Self::UnexpectedText { .. }
            | Self::WrongElement { .. } => K::MalformedSignature,
            Self::CommentInSignature => K::CommentInSignature,
            Self::DigestMismatch { .. } => K::DigestMismatch,
            Self::DuplicateId(_) => K::DuplicateId,
            Self::MissingSignature { .. } => K::SignatureMissing,
            Self::MultipleSignatures { .. } => K::MultipleSignatures,
            Self::NoTrustedKeys => K::NoTrustedKeys,
            Self::ReferenceNotParent { .. } => K::ReferenceNotParent,
            Self::ReferenceUri { .. } => K::ReferenceUri,
            Self::SignatureMismatch { .. } => K::SignatureMismatch,
            Self::SignatureNotPlaced => K::SigningFailed,
            Self::Transform { .. } => K::TransformNotAllowed,
            Self::Xml(_) => K::MalformedXml,
        }
    }

    /// Whether the Signature element is not shaped as XML Signature and the SAML profile
    /// require (the `malformed_signature` kind), as opposed to a signature that is well formed
    /// but does not verify or uses something the policy refuses.
    pub fn is_malformed_signature(&self) -> bool {
        self.kind() == ErrorKind::MalformedSignature
    }
}
