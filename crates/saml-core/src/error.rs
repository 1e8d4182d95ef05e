//! The stable kinds of rejection shared by every layer ([`ErrorKind`]).
//!
//! This module owns only the names: each layer's error type (`XmlError`, `DsigError`,
//! `SamlError`) keeps its own variants with the values that disagreed, and maps each variant
//! to one kind here. A kind's string never changes; tools, logs and the CLI's `--json` rely on it.

macro_rules! error_kinds {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// The stable kind of a rejection: one name per reason, for tools, logs, metrics and
        /// exit codes. New kinds may be added (the enum is non-exhaustive); a kind's string
        /// never changes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorKind {
            /// Every kind, in the order declared.
            pub const ALL: &'static [ErrorKind] = &[$(Self::$variant,)*];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

error_kinds! {
    /// An AuthnRequest asked for an ACS URL the SP did not register.
    AcsUrlNotRegistered => "acs_url_not_registered",
    /// An XML Encryption algorithm that is unknown or refused (3DES, rsa-1_5 without the
    /// opt-in, an RSA-OAEP digest/MGF pair the crypto library lacks).
    AlgorithmNotAllowed => "algorithm_not_allowed",
    /// The signed element carries a second ID-like attribute.
    AmbiguousId => "ambiguous_id",
    /// Not exactly one Assertion in its one allowed place.
    AssertionCount => "assertion_count",
    /// The AudienceRestriction does not name the SP.
    AudienceMismatch => "audience_mismatch",
    /// Canonicalization failed.
    CanonicalizationFailed => "canonicalization_failed",
    /// A comment or processing instruction inside a Signature.
    CommentInSignature => "comment_in_signature",
    /// No configured key decrypts the encrypted element, or its ciphertext was altered (one
    /// kind for every cryptographic failure: no decryption oracle).
    DecryptionFailed => "decryption_failed",
    /// A Destination that is not the configured URL.
    DestinationMismatch => "destination_mismatch",
    /// A signed message without Destination.
    DestinationMissing => "destination_missing",
    /// A Reference digest does not match.
    DigestMismatch => "digest_mismatch",
    /// Two elements carry the same ID.
    DuplicateId => "duplicate_id",
    /// An empty NameID.
    EmptyNameId => "empty_name_id",
    /// Encrypting an element failed.
    EncryptionFailed => "encryption_failed",
    /// A NotOnOrAfter has passed.
    Expired => "expired",
    /// Response/@InResponseTo and the bearer confirmation's disagree, or the wrong request.
    InResponseToMismatch => "in_response_to_mismatch",
    /// An IssueInstant in the future.
    IssuedInFuture => "issued_in_future",
    /// An Issuer that is not the configured one.
    IssuerMismatch => "issuer_mismatch",
    /// A key of the wrong type for the algorithm.
    KeyAlgorithmMismatch => "key_algorithm_mismatch",
    /// An RSA key below the policy's minimum size.
    KeyTooSmall => "key_too_small",
    /// A limit on what the verifier reads before the signature check was exceeded (for
    /// example an InclusiveNamespaces PrefixList with too many tokens).
    LimitExceeded => "limit_exceeded",
    /// An EncryptedAssertion, EncryptedID or EncryptedAttribute not shaped as XML Encryption
    /// and SAML require.
    MalformedEncryptedData => "malformed_encrypted_data",
    /// A required SAML element or attribute is missing or malformed.
    MalformedMessage => "malformed_message",
    /// The Signature element is not shaped as XML Signature and the profile require.
    MalformedSignature => "malformed_signature",
    /// The XML is not well-formed, or exceeds a parser limit.
    MalformedXml => "malformed_xml",
    /// No AudienceRestriction.
    MissingAudienceRestriction => "missing_audience_restriction",
    /// No Conditions.
    MissingConditions => "missing_conditions",
    /// More than one Signature on one element.
    MultipleSignatures => "multiple_signatures",
    /// No acceptable bearer SubjectConfirmation.
    NoBearerConfirmation => "no_bearer_confirmation",
    /// No decryption keys are configured.
    NoDecryptionKeys => "no_decryption_keys",
    /// No trusted keys are configured.
    NoTrustedKeys => "no_trusted_keys",
    /// The document element is not an AuthnRequest.
    NotAnAuthnRequest => "not_an_authn_request",
    /// The document element is not a Response.
    NotAResponse => "not_a_response",
    /// The document element is neither a LogoutRequest nor a LogoutResponse (or not the one
    /// expected).
    NotALogoutMessage => "not_a_logout_message",
    /// A NotBefore still in the future.
    NotYetValid => "not_yet_valid",
    /// The system random number generator failed.
    RandomnessFailed => "randomness_failed",
    /// The bearer Recipient is not the ACS URL.
    RecipientMismatch => "recipient_mismatch",
    /// The Reference does not name the signature's parent.
    ReferenceNotParent => "reference_not_parent",
    /// A Reference URI form that is not allowed.
    ReferenceUri => "reference_uri",
    /// The assertion was already accepted.
    Replay => "replay",
    /// The replay cache is full of unexpired entries.
    ReplayCacheFull => "replay_cache_full",
    /// The replay cache could not be consulted.
    ReplayStoreUnavailable => "replay_store_unavailable",
    /// The outstanding-request store could not be consulted.
    RequestStoreUnavailable => "request_store_unavailable",
    /// The IdP's session registry (which SPs a user's session reached) could not be consulted.
    SessionStoreUnavailable => "session_store_unavailable",
    /// SHA-1 without the opt-in.
    Sha1NotAllowed => "sha1_not_allowed",
    /// No configured key verifies the signature.
    SignatureMismatch => "signature_mismatch",
    /// A required signature is absent.
    SignatureMissing => "signature_missing",
    /// Signing failed.
    SigningFailed => "signing_failed",
    /// Single Logout was asked for, but a Single Logout URL it needs is not configured.
    SloNotConfigured => "slo_not_configured",
    /// The IdP answered with a non-Success status.
    StatusNotSuccess => "status_not_success",
    /// A transform that is not allowed.
    TransformNotAllowed => "transform_not_allowed",
    /// The binding encoding could not be decoded.
    UndecodableMessage => "undecodable_message",
    /// Metadata holds no entity with the entityID asked for.
    UnknownEntity => "unknown_entity",
    /// InResponseTo names no outstanding request.
    UnknownInResponseTo => "unknown_in_response_to",
    /// An unsolicited Response where one answering a request was required.
    Unsolicited => "unsolicited",
    /// An algorithm not on the allow-list.
    UnsupportedAlgorithm => "unsupported_algorithm",
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
