//! Why a SAML message was rejected. Every variant names the setting or field that disagreed and
//! the values on both sides; [`SamlError::kind`] is a stable snake_case name for tools.

use crate::crypto::CryptoError;
use crate::dsig::DsigError;
use crate::time::Instant;
use crate::xml::XmlError;

/// A rejected SAML message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SamlError {
    /// The AudienceRestriction does not contain the SP entity ID (Audience URI).
    #[error(
        "Audience URI mismatch: the SP entity ID is `{expected}`, the AudienceRestriction allows {}",
        list(found)
    )]
    AudienceMismatch {
        /// The configured SP entity ID.
        expected: String,
        /// The audiences in the failing AudienceRestriction.
        found: Vec<String>,
    },
    /// The Response's or a bearer confirmation's `InResponseTo` is not the request expected.
    #[error("InResponseTo mismatch on {element}: expected `{expected}`, found `{found}`")]
    InResponseToMismatch {
        /// Where it was found.
        element: &'static str,
        /// The AuthnRequest ID expected.
        expected: String,
        /// The value found.
        found: String,
    },
    /// The Response is not a SAML 2.0 protocol Response.
    #[error("the document element is `{found}`, not a SAML 2.0 protocol Response")]
    NotAResponse {
        /// What it is.
        found: String,
    },
    /// The Response answers a request ID this SP has no record of (or already used).
    #[error(
        "InResponseTo `{found}` does not match any outstanding AuthnRequest (unknown, expired or already used)"
    )]
    UnknownInResponseTo {
        /// The ID found.
        found: String,
    },
    /// A signed Response without Destination (SAML bindings §3.5.5.2 requires one).
    #[error(
        "the Response is signed but has no Destination; bindings §3.5.5.2 requires it (the ACS URL is `{expected}`)"
    )]
    MissingDestination {
        /// The configured ACS URL.
        expected: String,
    },
    /// `Response/@Destination` is not the ACS URL.
    #[error(
        "Destination mismatch: the ACS URL is `{expected}`, the Response's Destination is `{found}`"
    )]
    DestinationMismatch {
        /// The configured ACS URL.
        expected: String,
        /// The Destination found.
        found: String,
    },
    /// An `EncryptedAssertion`: decryption is not supported yet.
    #[error(
        "the Response carries an EncryptedAssertion; decrypting assertions is not supported yet (its outer signature, if any, was verified first)"
    )]
    EncryptedAssertionUnsupported,
    /// A time window was not yet open.
    #[error("{element} is not valid yet: NotBefore is {not_before}, now is {now} ({} early, beyond the clock skew of {skew_seconds} s)", not_before.since(*now))]
    NotYetValid {
        /// Which element's window.
        element: &'static str,
        /// Its NotBefore.
        not_before: Instant,
        /// The time of the check.
        now: Instant,
        /// The skew allowed, in seconds.
        skew_seconds: i64,
    },
    /// A time window has closed.
    #[error("{element} has expired: NotOnOrAfter is {not_on_or_after}, now is {now} ({} ago, beyond the clock skew of {skew_seconds} s)", now.since(*not_on_or_after))]
    Expired {
        /// Which element's window.
        element: &'static str,
        /// Its NotOnOrAfter.
        not_on_or_after: Instant,
        /// The time of the check.
        now: Instant,
        /// The skew allowed, in seconds.
        skew_seconds: i64,
    },
    /// An IssueInstant in the future beyond the clock skew.
    #[error(
        "{element} was issued in the future: IssueInstant is {issue_instant}, now is {now} (clock skew {skew_seconds} s)"
    )]
    IssuedInFuture {
        /// Which element.
        element: &'static str,
        /// Its IssueInstant.
        issue_instant: Instant,
        /// The time of the check.
        now: Instant,
        /// The skew allowed, in seconds.
        skew_seconds: i64,
    },
    /// An Issuer differs from the configured IdP Issuer URI.
    #[error("Issuer mismatch on the {element}: the IdP Issuer URI is `{expected}`, found {}", found.as_deref().map_or("no Issuer".to_owned(), |f| format!("`{f}`")))]
    IssuerMismatch {
        /// Response or Assertion.
        element: &'static str,
        /// The configured IdP Issuer URI.
        expected: String,
        /// What the element says (`None` when it has no Issuer).
        found: Option<String>,
    },
    /// A required element or attribute is missing or malformed.
    #[error("{0}")]
    Malformed(String),
    /// No AudienceRestriction at all (the Web SSO profile requires one naming the SP).
    #[error("the Assertion has no AudienceRestriction naming the SP (Audience URI `{expected}`)")]
    MissingAudienceRestriction {
        /// The configured SP entity ID.
        expected: String,
    },
    /// More than one Assertion (or EncryptedAssertion), or one outside its place.
    #[error("{0}")]
    AssertionCount(String),
    /// No bearer SubjectConfirmation satisfies Recipient, NotOnOrAfter and InResponseTo.
    #[error("no bearer SubjectConfirmation is acceptable: {0}")]
    NoBearerConfirmation(String),
    /// The Recipient of the bearer confirmation is not the ACS URL.
    #[error("Recipient mismatch: the ACS URL is `{expected}`, the bearer SubjectConfirmationData's Recipient is {}", found.as_deref().map_or("absent".to_owned(), |f| format!("`{f}`")))]
    RecipientMismatch {
        /// The configured ACS URL.
        expected: String,
        /// The Recipient found.
        found: Option<String>,
    },
    /// The assertion was already accepted once.
    #[error("replay: assertion `{assertion_id}` was already used")]
    Replay {
        /// The assertion ID.
        assertion_id: String,
    },
    /// The replay cache cannot take more entries (it fails closed).
    #[error("the replay cache is full ({capacity} live entries); refusing rather than forgetting")]
    ReplayCacheFull {
        /// Its capacity.
        capacity: usize,
    },
    /// A signature that is present failed to verify, or was malformed.
    #[error("signature of the {element} rejected: {source}")]
    Signature {
        /// Which element's signature.
        element: &'static str,
        /// Why.
        #[source]
        source: DsigError,
    },
    /// The signatures present do not meet Response Signature Verification.
    #[error("Response Signature Verification is `{scope}`, but {missing}")]
    SignatureScope {
        /// The configured scope.
        scope: &'static str,
        /// What is missing.
        missing: String,
    },
    /// The Status is not Success.
    #[error("the IdP answered with status {}{}", codes.join(" / "), message.as_deref().map_or(String::new(), |m| format!(": {m}")))]
    Status {
        /// The status codes, outermost first.
        codes: Vec<String>,
        /// The StatusMessage, if any.
        message: Option<String>,
    },
    /// An unsolicited Response where the settings require one that answers a request.
    #[error("unsolicited Response (no InResponseTo){}", expected.as_deref().map_or(" and unsolicited responses are not allowed".to_owned(), |e| format!(", but the response to AuthnRequest `{e}` was expected")))]
    Unsolicited {
        /// The request ID expected, if one was.
        expected: Option<String>,
    },
    /// The input is not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(#[from] XmlError),
    /// The captured message could not be decoded from its binding.
    #[error("cannot decode the message: {0}")]
    Binding(#[from] crate::binding::BindingError),
    /// An AuthnRequest's AssertionConsumerServiceURL is not the one registered for the SP.
    #[error(
        "AssertionConsumerServiceURL `{found}` is not the SP's registered ACS URL `{expected}`"
    )]
    AcsUrlNotRegistered {
        /// The registered ACS URL.
        expected: String,
        /// The URL the request asked for.
        found: String,
    },
    /// The document element is not an AuthnRequest.
    #[error("the document element is `{found}`, not a SAML 2.0 AuthnRequest")]
    NotAnAuthnRequest {
        /// What it is.
        found: String,
    },
    /// The SP's metadata says AuthnRequestsSigned, but the request carries no signature.
    #[error("the SP signs its AuthnRequests (AuthnRequestsSigned), but this one is not signed")]
    RequestNotSigned,
    /// Signing a message failed (no key configured, or the key refused the algorithm).
    #[error("cannot sign: {0}")]
    Signing(DsigError),
    /// The system's random number generator failed.
    #[error("the system random number generator failed")]
    Randomness,
    /// The request's Destination is not this IdP's SSO URL.
    #[error(
        "Destination mismatch: this IdP's SSO URL is `{expected}`, the AuthnRequest's Destination is `{found}`"
    )]
    RequestDestinationMismatch {
        /// The IdP's SSO URL.
        expected: String,
        /// The Destination found.
        found: String,
    },
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        return "no audience".into();
    }
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SamlError {
    /// A stable snake_case name for the kind of rejection (used by `saml-verify --json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AudienceMismatch { .. } => "audience_mismatch",
            Self::InResponseToMismatch { .. } => "in_response_to_mismatch",
            Self::NotAResponse { .. } => "not_a_response",
            Self::UnknownInResponseTo { .. } => "unknown_in_response_to",
            Self::DestinationMismatch { .. } => "destination_mismatch",
            Self::MissingDestination { .. } => "destination_missing",
            Self::EncryptedAssertionUnsupported => "encrypted_assertion_unsupported",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::Expired { .. } => "expired",
            Self::IssuedInFuture { .. } => "issued_in_future",
            Self::IssuerMismatch { .. } => "issuer_mismatch",
            Self::Malformed(_) => "malformed_message",
            Self::MissingAudienceRestriction { .. } => "missing_audience_restriction",
            Self::AssertionCount(_) => "assertion_count",
            Self::NoBearerConfirmation(_) => "no_bearer_confirmation",
            Self::RecipientMismatch { .. } => "recipient_mismatch",
            Self::Replay { .. } => "replay",
            Self::ReplayCacheFull { .. } => "replay_cache_full",
            Self::Signature { source, .. } => dsig_kind(source),
            Self::SignatureScope { .. } => "signature_missing",
            Self::Status { .. } => "status_not_success",
            Self::Unsolicited { .. } => "unsolicited",
            Self::Xml(_) => "malformed_xml",
            Self::Binding(_) => "undecodable_message",
            Self::AcsUrlNotRegistered { .. } => "acs_url_not_registered",
            Self::NotAnAuthnRequest { .. } => "not_an_authn_request",
            Self::RequestNotSigned => "signature_missing",
            Self::Signing(_) => "signing_failed",
            Self::Randomness => "randomness_failed",
            Self::RequestDestinationMismatch { .. } => "destination_mismatch",
        }
    }

    /// Whether the input itself is unreadable (malformed XML), as opposed to a well-formed
    /// message that was rejected. The CLI exits 2 for the former, 1 for the latter.
    pub fn is_malformed_input(&self) -> bool {
        matches!(self, Self::Xml(_) | Self::Binding(_))
    }
}

/// A stable name for a signature failure.
pub fn dsig_kind(e: &DsigError) -> &'static str {
    match e {
        DsigError::Algorithm(c) => match c {
            CryptoError::Sha1NotAllowed { .. } => "sha1_not_allowed",
            CryptoError::RsaKeyTooSmall { .. } => "key_too_small",
            CryptoError::KeyAlgorithmMismatch { .. } => "key_algorithm_mismatch",
            _ => "unsupported_algorithm",
        },
        DsigError::AmbiguousId { .. } => "ambiguous_id",
        DsigError::Base64 { .. } => "malformed_signature",
        DsigError::C14n(_) => "canonicalization_failed",
        DsigError::CommentInSignature => "comment_in_signature",
        DsigError::DigestMismatch { .. } => "digest_mismatch",
        DsigError::DuplicateId(_) => "duplicate_id",
        DsigError::MissingSignature { .. } => "signature_missing",
        DsigError::MultipleSignatures { .. } => "multiple_signatures",
        DsigError::NoTrustedKeys => "no_trusted_keys",
        DsigError::ReferenceNotParent { .. } => "reference_not_parent",
        DsigError::ReferenceUri { .. } => "reference_uri",
        DsigError::SignatureMismatch { .. } => "signature_mismatch",
        DsigError::Structure(_) => "malformed_signature",
        DsigError::Transform { .. } => "transform_not_allowed",
        DsigError::Xml(_) => "malformed_xml",
    }
}
