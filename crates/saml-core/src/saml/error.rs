//! Why a SAML message was rejected. Every variant names the setting or field that disagreed and
//! the values on both sides; [`SamlError::kind`] is a stable snake_case name for tools.
//!
//! It owns the SAML layer's error variants and their messages; the kinds themselves are defined
//! once in [`crate::error`].

use crate::dsig::DsigError;
pub use crate::error::ErrorKind;
use crate::time::DateTime;
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
    /// An encrypted element could not be decrypted, or its encryption is refused.
    #[error("{0}")]
    Decryption(#[from] crate::xmlenc::XmlencError),
    /// A time window was not yet open.
    #[error("{element} is not valid yet: NotBefore is {not_before}, now is {now} ({} early, beyond the clock skew of {skew_seconds} s)", not_before.since(*now))]
    NotYetValid {
        /// Which element's window.
        element: &'static str,
        /// Its NotBefore.
        not_before: DateTime,
        /// The time of the check.
        now: DateTime,
        /// The skew allowed, in seconds.
        skew_seconds: i64,
    },
    /// A time window has closed.
    #[error("{element} has expired: NotOnOrAfter is {not_on_or_after}, now is {now} ({} ago, beyond the clock skew of {skew_seconds} s)", now.since(*not_on_or_after))]
    Expired {
        /// Which element's window.
        element: &'static str,
        /// Its NotOnOrAfter.
        not_on_or_after: DateTime,
        /// The time of the check.
        now: DateTime,
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
        issue_instant: DateTime,
        /// The time of the check.
        now: DateTime,
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
    /// A required element is missing.
    #[error("the {parent} has no {element}")]
    MissingElement {
        /// The element that should contain it.
        parent: &'static str,
        /// The missing element.
        element: &'static str,
    },
    /// A required attribute is missing.
    #[error("the {element} has no {attribute} attribute")]
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The missing attribute.
        attribute: &'static str,
    },
    /// A time attribute is not an xs:dateTime.
    #[error("`{element}/@{attribute}` is not a valid xs:dateTime: {source}")]
    InvalidTime {
        /// The element.
        element: String,
        /// The attribute.
        attribute: &'static str,
        /// Why it does not parse.
        #[source]
        source: crate::time::TimeError,
    },
    /// The NameID is empty (or only XML whitespace): there is no subject to log in.
    #[error("the Subject's NameID is empty")]
    EmptyNameId,
    /// The Assertion has no Conditions (the Web SSO profile requires an AudienceRestriction,
    /// which lives there).
    #[error(
        "the Assertion has no Conditions, so no AudienceRestriction naming the SP (Audience URI `{expected}`)"
    )]
    MissingConditions {
        /// The configured SP entity ID.
        expected: String,
    },
    /// No AudienceRestriction at all (the Web SSO profile requires one naming the SP).
    #[error("the Assertion has no AudienceRestriction naming the SP (Audience URI `{expected}`)")]
    MissingAudienceRestriction {
        /// The configured SP entity ID.
        expected: String,
    },
    /// Not exactly one Assertion (or EncryptedAssertion) as a direct child of the Response.
    #[error(
        "the Response carries {found} Assertions/EncryptedAssertions as direct children; exactly one is allowed"
    )]
    AssertionCount {
        /// How many there are.
        found: usize,
    },
    /// An Assertion, EncryptedAssertion or Response somewhere other than the one allowed place.
    #[error(
        "unexpected `{element}` inside the Response (only one Assertion, as a direct child, is allowed)"
    )]
    UnexpectedAssertion {
        /// The qualified name of the element found.
        element: String,
    },
    /// The Subject has no bearer SubjectConfirmation.
    #[error(
        "no bearer SubjectConfirmation: the Subject has none with Method `urn:oasis:names:tc:SAML:2.0:cm:bearer`"
    )]
    NoBearerConfirmation,
    /// A bearer SubjectConfirmation without SubjectConfirmationData.
    #[error("the bearer SubjectConfirmation has no SubjectConfirmationData")]
    BearerWithoutData,
    /// A bearer SubjectConfirmationData without NotOnOrAfter (Profiles §4.1.4.2 requires it).
    #[error(
        "the bearer SubjectConfirmationData has no NotOnOrAfter; SAML Profiles §4.1.4.2 requires one"
    )]
    BearerWithoutNotOnOrAfter,
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
    /// The replay cache could not be consulted (unreachable, timed out): the login is refused
    /// rather than risk accepting a replay.
    #[error(
        "the replay cache is unavailable, so assertion `{assertion_id}` cannot be recorded and is refused: {source}"
    )]
    ReplayStoreUnavailable {
        /// The assertion that could not be recorded.
        assertion_id: String,
        /// What the store reported.
        #[source]
        source: super::replay::StoreError,
    },
    /// The outstanding-request store could not be consulted: the Response is refused.
    #[error(
        "the request store is unavailable, so InResponseTo `{in_response_to}` cannot be checked: {source}"
    )]
    RequestStoreUnavailable {
        /// The request ID that could not be consumed or recorded.
        in_response_to: String,
        /// What the store reported.
        #[source]
        source: super::replay::StoreError,
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
        missing: &'static str,
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
    #[error("unsolicited Response (no signed InResponseTo){}", expected.as_deref().map_or(" and unsolicited responses are not allowed".to_owned(), |e| format!(", but the response to AuthnRequest `{e}` was expected")))]
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
    /// Encrypting an issued assertion or NameID for the SP failed (the crypto library or the
    /// random number generator failed; the algorithms were checked when configured).
    #[error("cannot encrypt for the SP: {0}")]
    Encryption(crate::xmlenc::XmlencError),
    /// The system's random number generator failed.
    #[error("the system random number generator failed")]
    Randomness,
    /// A signed AuthnRequest without Destination (Bindings §3.4.5.2 and §3.5.5.2 require it).
    #[error(
        "the AuthnRequest is signed but has no Destination; SAML Bindings §3.4.5.2/§3.5.5.2 require it (this IdP's SSO URL is `{expected}`)"
    )]
    RequestMissingDestination {
        /// The IdP's SSO URL.
        expected: String,
    },
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
    /// The document element is not the logout message expected here.
    #[error("the document element is `{found}`, not a SAML 2.0 {expected}")]
    NotALogoutMessage {
        /// What was expected (`LogoutRequest or LogoutResponse`, `LogoutResponse`, …).
        expected: &'static str,
        /// What it is.
        found: String,
    },
    /// A logout message without a signature from a peer whose logout messages must be signed.
    #[error(
        "the {message} is not signed (neither an enveloped signature nor an HTTP-Redirect query signature), and unsigned logout messages are refused"
    )]
    LogoutNotSigned {
        /// LogoutRequest or LogoutResponse.
        message: &'static str,
    },
    /// A signed logout message without Destination (Bindings §3.4.5.2 and §3.5.5.2).
    #[error(
        "the {message} is signed but has no Destination; SAML Bindings §3.4.5.2/§3.5.5.2 require it (our Single Logout URL is `{expected}`)"
    )]
    LogoutMissingDestination {
        /// LogoutRequest or LogoutResponse.
        message: &'static str,
        /// Our Single Logout URL.
        expected: String,
    },
    /// A logout message's Destination is not our Single Logout URL.
    #[error(
        "Destination mismatch: our Single Logout URL is `{expected}`, the {message}'s Destination is `{found}`"
    )]
    LogoutDestinationMismatch {
        /// LogoutRequest or LogoutResponse.
        message: &'static str,
        /// Our Single Logout URL.
        expected: String,
        /// The Destination found.
        found: String,
    },
    /// A LogoutRequest already accepted once.
    #[error("replay: LogoutRequest `{id}` from `{issuer}` was already accepted")]
    LogoutReplay {
        /// Its ID.
        id: String,
        /// Its Issuer.
        issuer: String,
    },
    /// The replay cache could not record a LogoutRequest: it is refused.
    #[error(
        "the replay cache is unavailable, so LogoutRequest `{id}` cannot be recorded and is refused: {source}"
    )]
    LogoutReplayStoreUnavailable {
        /// The LogoutRequest ID.
        id: String,
        /// What the store reported.
        #[source]
        source: super::replay::StoreError,
    },
    /// A LogoutResponse answers no pending LogoutRequest of ours.
    #[error(
        "InResponseTo `{found}` does not match any pending LogoutRequest (unknown, expired, already answered, or not a LogoutRequest)"
    )]
    UnknownLogoutInResponseTo {
        /// The InResponseTo found (empty when absent).
        found: String,
    },
    /// A logout message arrived in an encoding its binding does not use.
    #[error("the {binding} value is {found}, not what the binding carries ({expected})")]
    LogoutEncoding {
        /// HTTP-POST or HTTP-Redirect.
        binding: &'static str,
        /// What the binding carries.
        expected: &'static str,
        /// What arrived.
        found: String,
    },
    /// A logout message's Issuer names no peer this side knows.
    #[error("the {message}'s Issuer {} is not a known peer{}", found.as_deref().map_or("(none)".to_owned(), |f| format!("`{f}`")), expected.as_deref().map_or(String::new(), |e| format!(" (expected `{e}`)")))]
    LogoutUnknownIssuer {
        /// LogoutRequest or LogoutResponse.
        message: &'static str,
        /// The peer expected, when there is exactly one.
        expected: Option<String>,
        /// The Issuer found.
        found: Option<String>,
    },
    /// Single Logout needs a setting that is not configured.
    #[error("Single Logout is not configured: set {setting}")]
    SloNotConfigured {
        /// The setting to configure (named by its builder).
        setting: &'static str,
    },
    /// The IdP's session registry could not be consulted; logout is not started or answered
    /// on a half-known set of sessions.
    #[error("the session registry is unavailable: {source}")]
    SessionStoreUnavailable {
        /// What the registry reported.
        #[source]
        source: super::replay::StoreError,
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
    /// The stable kind of rejection (its [`ErrorKind::as_str`] is what `saml-verify --json`
    /// prints).
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            Self::AudienceMismatch { .. } => K::AudienceMismatch,
            Self::InResponseToMismatch { .. } => K::InResponseToMismatch,
            Self::NotAResponse { .. } => K::NotAResponse,
            Self::UnknownInResponseTo { .. } => K::UnknownInResponseTo,
            Self::DestinationMismatch { .. } | Self::RequestDestinationMismatch { .. } => {
                K::DestinationMismatch
            }
            Self::MissingDestination { .. } | Self::RequestMissingDestination { .. } => {
                K::DestinationMissing
            }
            Self::Decryption(e) => e.kind(),
            Self::NotYetValid { .. } => K::NotYetValid,
            Self::Expired { .. } => K::Expired,
            Self::IssuedInFuture { .. } => K::IssuedInFuture,
            Self::IssuerMismatch { .. } => K::IssuerMismatch,
            Self::MissingElement { .. }
            | Self::MissingAttribute { .. }
            | Self::InvalidTime { .. } => K::MalformedMessage,
            Self::EmptyNameId => K::EmptyNameId,
            Self::MissingConditions { .. } => K::MissingConditions,
            Self::MissingAudienceRestriction { .. } => K::MissingAudienceRestriction,
            Self::AssertionCount { .. } | Self::UnexpectedAssertion { .. } => K::AssertionCount,
            Self::NoBearerConfirmation
            | Self::BearerWithoutData
            | Self::BearerWithoutNotOnOrAfter => K::NoBearerConfirmation,
            Self::RecipientMismatch { .. } => K::RecipientMismatch,
            Self::Replay { .. } => K::Replay,
            Self::ReplayCacheFull { .. } => K::ReplayCacheFull,
            Self::ReplayStoreUnavailable { .. } => K::ReplayStoreUnavailable,
            Self::RequestStoreUnavailable { .. } => K::RequestStoreUnavailable,
            Self::Signature { source, .. } => dsig_kind(source),
            Self::SignatureScope { .. } | Self::RequestNotSigned => K::SignatureMissing,
            Self::Status { .. } => K::StatusNotSuccess,
            Self::Unsolicited { .. } => K::Unsolicited,
            Self::Xml(_) => K::MalformedXml,
            Self::Binding(_) => K::UndecodableMessage,
            Self::AcsUrlNotRegistered { .. } => K::AcsUrlNotRegistered,
            Self::NotAnAuthnRequest { .. } => K::NotAnAuthnRequest,
            Self::Signing(_) => K::SigningFailed,
            Self::Encryption(e) => e.kind(),
            Self::Randomness => K::RandomnessFailed,
            Self::NotALogoutMessage { .. } => K::NotALogoutMessage,
            Self::LogoutNotSigned { .. } => K::SignatureMissing,
            Self::LogoutMissingDestination { .. } => K::DestinationMissing,
            Self::LogoutDestinationMismatch { .. } => K::DestinationMismatch,
            Self::LogoutReplay { .. } => K::Replay,
            Self::LogoutReplayStoreUnavailable { .. } => K::ReplayStoreUnavailable,
            Self::UnknownLogoutInResponseTo { .. } => K::UnknownInResponseTo,
            Self::LogoutEncoding { .. } => K::UndecodableMessage,
            Self::LogoutUnknownIssuer { .. } => K::IssuerMismatch,
            Self::SloNotConfigured { .. } => K::SloNotConfigured,
            Self::SessionStoreUnavailable { .. } => K::SessionStoreUnavailable,
        }
    }

    /// Whether the input itself is unreadable (malformed XML), as opposed to a well-formed
    /// message that was rejected. The CLI exits 2 for the former, 1 for the latter.
    pub fn is_malformed_input(&self) -> bool {
        matches!(
            self,
            Self::Xml(_) | Self::Binding(_) | Self::LogoutEncoding { .. }
        )
    }
}

/// The stable kind of a signature failure ([`DsigError::kind`]).
pub fn dsig_kind(e: &DsigError) -> ErrorKind {
    e.kind()
}
