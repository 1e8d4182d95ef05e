//! Errors of XML Encryption.
//!
//! Each variant maps to one stable [`ErrorKind`] through [`XmlencError::kind`]. Every failure
//! of the cryptography itself is the one detail-less [`XmlencError::DecryptionFailed`] (see
//! the module documentation of [`crate::xmlenc`] for why); everything else depends only on
//! the XML as received, and says which element or value disagreed.

use crate::error::ErrorKind;
use crate::xmlenc::algorithm::Refusal;

/// Why an encrypted element could not be decrypted (or an element not be encrypted).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlencError {
    /// An algorithm that is unknown, or that this library refuses (3DES, RSA PKCS#1 v1.5
    /// without the opt-in, an RSA-OAEP digest/MGF pair the crypto library lacks).
    #[error("XML Encryption algorithm `{uri}` is not allowed: {reason}")]
    AlgorithmNotAllowed {
        /// The URI as it appeared (or the key transport's URI, for a refused OAEP pair).
        uri: String,
        /// Why, and what to use instead.
        reason: Refusal,
    },
    /// Content that is not base64.
    #[error("malformed encrypted data: `{element}` does not hold valid base64")]
    Base64 {
        /// The element.
        element: &'static str,
    },
    /// A CipherValue whose decoded length cannot be what its algorithm produces. Public: it
    /// depends only on the length of the text received.
    #[error(
        "malformed encrypted data: the CipherValue of `{element}` is {len} bytes, which cannot be {expected}"
    )]
    CipherValueLength {
        /// `EncryptedData` or `EncryptedKey`.
        element: &'static str,
        /// The decoded length.
        len: usize,
        /// What it should hold, e.g. `a 16-byte IV followed by whole 16-byte blocks`.
        expected: &'static str,
    },
    /// The encrypted data could not be decrypted with any configured key. Deliberately
    /// carries no detail: a wrong key, a bad OAEP encoding, a CEK of the wrong length, bad
    /// CBC padding and a failed GCM tag are indistinguishable, to the caller as to an attacker.
    #[error(
        "decryption failed: no configured decryption key opens this encrypted element (wrong key, or the data was altered)"
    )]
    DecryptionFailed,
    /// An ID referenced by `RetrievalMethod` or `DataReference` occurs more than once in the
    /// document.
    #[error("the ID `{id}` referenced from `{element}` occurs more than once in the document")]
    DuplicateId {
        /// The referencing element.
        element: &'static str,
        /// The ID.
        id: String,
    },
    /// Not exactly one `xenc:EncryptedData` in the container.
    #[error(
        "malformed encrypted data: `{container}` holds {found} EncryptedData elements, expected exactly one"
    )]
    EncryptedDataCount {
        /// The container's local name.
        container: &'static str,
        /// How many there are.
        found: usize,
    },
    /// No `xenc:EncryptedKey` applies to the EncryptedData, or more than one does (encryption
    /// to several recipients is not supported).
    #[error(
        "malformed encrypted data: {} EncryptedKey applies to the EncryptedData; expected exactly one, inside its KeyInfo, or a sibling named by a RetrievalMethod or whose ReferenceList names the EncryptedData",
        if *found == 0 { "no" } else { "more than one" }
    )]
    EncryptedKeyCount {
        /// 0 when none applies; 2 when more than one does (the count stops at the second).
        found: usize,
    },
    /// The crypto library failed to encrypt (should not happen with a valid key).
    #[error("encryption failed")]
    EncryptionFailed,
    /// A reference to data outside the container: `CipherReference`, or a `RetrievalMethod`
    /// URI that is not `#` followed by an ID (external, empty, XPointer).
    #[error(
        "`{element}` with URI `{uri}` is not allowed: only a same-document `#ID` reference inside the encrypted element"
    )]
    ExternalReference {
        /// The element.
        element: &'static str,
        /// Its URI, as written (empty when absent).
        uri: String,
    },
    /// `xenc:KeySize` disagrees with the algorithm.
    #[error(
        "malformed encrypted data: KeySize `{declared}` disagrees with {algorithm}, whose key has {expected} bits"
    )]
    KeySizeMismatch {
        /// The algorithm.
        algorithm: crate::xmlenc::DataEncryption,
        /// The KeySize text.
        declared: String,
        /// The algorithm's key size in bits.
        expected: usize,
    },
    /// An `EncryptionMethod` without `Algorithm`.
    #[error("malformed encrypted data: the EncryptionMethod of `{element}` has no Algorithm")]
    MissingAlgorithm {
        /// `EncryptedData` or `EncryptedKey`.
        element: &'static str,
    },
    /// A required child is missing.
    #[error("malformed encrypted data: `{parent}` has no `{expected}`")]
    MissingElement {
        /// The element that should contain it.
        parent: &'static str,
        /// The missing child.
        expected: &'static str,
    },
    /// No decryption keys were given: decryption never falls back to anything else.
    #[error("no decryption keys are configured for encrypted assertions")]
    NoDecryptionKeys,
    /// The element given as the container is not one of SAML's encrypted elements.
    #[error(
        "`{found}` is not saml:EncryptedAssertion, saml:EncryptedID, saml:EncryptedAttribute or samlp:NewEncryptedID"
    )]
    NotAContainer {
        /// Its qualified name.
        found: String,
    },
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Randomness,
    /// A `ds:RetrievalMethod` whose Type is not `http://www.w3.org/2001/04/xmlenc#EncryptedKey`.
    #[error(
        "RetrievalMethod Type `{found}` is not allowed: only `http://www.w3.org/2001/04/xmlenc#EncryptedKey`"
    )]
    RetrievalMethodType {
        /// The Type, as written (empty when absent).
        found: String,
    },
    /// An element where none of its kind is allowed (or a second one where one is).
    #[error("malformed encrypted data: unexpected `{found}` in `{parent}`")]
    UnexpectedElement {
        /// The element it was found in.
        parent: &'static str,
        /// Its qualified name.
        found: String,
    },
    /// `EncryptedData/@Type` is not `…xmlenc#Element`: SAML encrypts whole elements.
    #[error(
        "malformed encrypted data: EncryptedData Type `{found}` is not `http://www.w3.org/2001/04/xmlenc#Element`"
    )]
    UnexpectedType {
        /// The Type, as written.
        found: String,
    },
    /// A `#ID` reference that names no `xenc:EncryptedKey` child of the container.
    #[error("`{element}` URI `{uri}` does not name an EncryptedKey in the same encrypted element")]
    UnresolvedReference {
        /// The referencing element.
        element: &'static str,
        /// The URI.
        uri: String,
    },
}

impl XmlencError {
    /// The stable kind of this failure.
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            Self::AlgorithmNotAllowed { .. } => K::AlgorithmNotAllowed,
            Self::DecryptionFailed => K::DecryptionFailed,
            Self::DuplicateId { .. } => K::DuplicateId,
            Self::EncryptionFailed => K::EncryptionFailed,
            Self::NoDecryptionKeys => K::NoDecryptionKeys,
            Self::Randomness => K::RandomnessFailed,
            Self::Base64 { .. }
            | Self::CipherValueLength { .. }
            | Self::EncryptedDataCount { .. }
            | Self::EncryptedKeyCount { .. }
            | Self::ExternalReference { .. }
            | Self::KeySizeMismatch { .. }
            | Self::MissingAlgorithm { .. }
            | Self::MissingElement { .. }
            | Self::NotAContainer { .. }
            | Self::RetrievalMethodType { .. }
            | Self::UnexpectedElement { .. }
            | Self::UnexpectedType { .. }
            | Self::UnresolvedReference { .. } => K::MalformedEncryptedData,
        }
    }

    /// Whether the encrypted element is not shaped as XML Encryption and SAML require (the
    /// `malformed_encrypted_data` kind), as opposed to a refused algorithm, a missing key or a
    /// failed decryption.
    pub fn is_malformed(&self) -> bool {
        self.kind() == ErrorKind::MalformedEncryptedData
    }
}
