//! `IdpSettings` and `SpSettings`, named after the fields of Okta's "SAML 2.0 Identity
//! Provider" configuration (DESIGN.md has the table). They are the only trust source: the
//! signing certificates here are the only keys a Response can verify with.
//!
//! Legacy opt-ins (SHA-1, RSA keys under 2048 bits) live in [`danger`] so a reviewer can audit
//! them with one grep.

use std::time::Duration;

use crate::crypto::{AlgorithmPolicy, Certificate, SignatureAlgorithm, SigningKey, TrustAnchor};
use crate::dsig::Signer;

/// A SAML binding for sending a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Binding {
    /// HTTP-POST (`urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST`).
    HttpPost,
    /// HTTP-Redirect (`urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect`).
    HttpRedirect,
}

impl Binding {
    /// The binding's URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::HttpPost => "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            Self::HttpRedirect => "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
        }
    }

    /// The binding a URI names, if it is one of the two supported.
    pub fn from_uri(uri: &str) -> Option<Self> {
        match uri {
            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" => Some(Self::HttpPost),
            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" => Some(Self::HttpRedirect),
            _ => None,
        }
    }
}

/// Which elements of a Response must carry a valid signature ("Response Signature
/// Verification" in Okta). Whatever the scope, every signature present must verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScope {
    /// The Assertion must carry its own signature (Okta `ASSERTION`, also spelled `TOKEN`).
    Assertion,
    /// Both the Response and the Assertion must be signed.
    Both,
    /// The Response or the Assertion (Okta `ANY`): the default.
    Either,
    /// The Response must be signed (Okta `RESPONSE`).
    Response,
}

impl SignatureScope {
    /// Parses Okta's names (`RESPONSE`, `ASSERTION`, `TOKEN`, `ANY`) and the CLI's
    /// (`response`, `assertion`, `either`, `both`), case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "response" => Some(Self::Response),
            "assertion" | "token" => Some(Self::Assertion),
            "any" | "either" => Some(Self::Either),
            "both" => Some(Self::Both),
            _ => None,
        }
    }

    /// The CLI's name for the scope.
    pub fn name(self) -> &'static str {
        match self {
            Self::Assertion => "assertion",
            Self::Both => "both",
            Self::Either => "either",
            Self::Response => "response",
        }
    }
}

/// The identity provider as the service provider knows it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IdpSettings {
    /// IdP Issuer URI (e.g. `http://www.okta.com/exk…`): every Issuer in a Response must equal
    /// it exactly.
    pub issuer: String,
    /// IdP Single Sign-On URL: where AuthnRequests are sent.
    pub sso_url: String,
    /// Request Binding: how AuthnRequests travel. Default: HTTP-POST.
    pub sso_binding: Binding,
    /// IdP Signature Certificates: the only keys trusted (several for rollover).
    pub signing_certificates: Vec<TrustAnchor>,
    /// Request Signature: whether AuthnRequests are signed. Default: true.
    pub sign_requests: bool,
    /// Request Signature Algorithm. Default: RSA-SHA256.
    pub request_signature_algorithm: SignatureAlgorithm,
    /// Response Signature Verification. Default: [`SignatureScope::Either`].
    pub response_signature_scope: SignatureScope,
    /// Response Signature Algorithm: the algorithms accepted. Default: SHA-256 and up, RSA
    /// keys of at least 2048 bits.
    pub algorithm_policy: AlgorithmPolicy,
    /// Max Clock Skew applied to every time check. Default: 120 s.
    pub max_clock_skew: Duration,
}

impl IdpSettings {
    /// Settings with the defaults above.
    pub fn new(
        issuer: impl Into<String>,
        sso_url: impl Into<String>,
        signing_certificates: Vec<TrustAnchor>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            sso_url: sso_url.into(),
            sso_binding: Binding::HttpPost,
            signing_certificates,
            sign_requests: true,
            request_signature_algorithm: SignatureAlgorithm::RsaSha256,
            response_signature_scope: SignatureScope::Either,
            algorithm_policy: AlgorithmPolicy::default(),
            max_clock_skew: Duration::from_secs(120),
        }
    }

    /// Sets the Request Binding.
    pub fn with_sso_binding(mut self, binding: Binding) -> Self {
        self.sso_binding = binding;
        self
    }

    /// Sets Response Signature Verification.
    pub fn with_signature_scope(mut self, scope: SignatureScope) -> Self {
        self.response_signature_scope = scope;
        self
    }

    /// Sets Max Clock Skew.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// Sets whether AuthnRequests are signed.
    pub fn with_sign_requests(mut self, sign: bool) -> Self {
        self.sign_requests = sign;
        self
    }
}

/// The service provider itself.
#[derive(Debug)]
#[non_exhaustive]
pub struct SpSettings {
    /// Audience URI (the SP entity ID): an AudienceRestriction must contain it.
    pub entity_id: String,
    /// Assertion Consumer Service URL: `Response/@Destination` and the bearer
    /// `SubjectConfirmationData/@Recipient` must equal it.
    pub acs_url: String,
    /// The key and certificate AuthnRequests are signed with, if they are (the certificate
    /// is published in metadata and KeyInfo). Its algorithm is set from
    /// [`IdpSettings::request_signature_algorithm`] when the service provider is built.
    pub signer: Option<Signer>,
    /// Whether unsolicited (IdP-initiated) Responses, which answer no AuthnRequest, are
    /// accepted. Okta Org2Org sends them. Default: false.
    pub allow_unsolicited: bool,
    /// Whether the SP asks for signed assertions in its metadata. Default: true.
    pub want_assertions_signed: bool,
}

impl SpSettings {
    /// Settings with no signing key and unsolicited responses refused.
    pub fn new(entity_id: impl Into<String>, acs_url: impl Into<String>) -> Self {
        Self {
            entity_id: entity_id.into(),
            acs_url: acs_url.into(),
            signer: None,
            allow_unsolicited: false,
            want_assertions_signed: true,
        }
    }

    /// Sets the AuthnRequest signing key and its certificate.
    pub fn with_signing_key(mut self, key: SigningKey, certificate: Certificate) -> Self {
        self.signer = Some(Signer::new(key, Some(certificate)));
        self
    }

    /// The certificate AuthnRequests are signed with, if any.
    pub fn certificate(&self) -> Option<&Certificate> {
        self.signer.as_ref().and_then(Signer::certificate)
    }

    /// Accepts unsolicited (IdP-initiated) Responses.
    pub fn with_unsolicited(mut self, allow: bool) -> Self {
        self.allow_unsolicited = allow;
        self
    }
}

/// Legacy opt-ins that weaken verification. Each is a deliberate, auditable choice.
pub mod danger {
    use super::IdpSettings;

    /// Accepts SHA-1 digests and RSA-SHA1 signatures from this IdP. Only for IdPs that cannot
    /// sign with SHA-256 yet; SHA-1 collisions are practical.
    pub fn allow_sha1(settings: &mut IdpSettings) {
        settings.algorithm_policy = settings.algorithm_policy.clone().with_sha1(true);
    }

    /// Accepts RSA keys down to `bits` (at least 1024) from this IdP.
    pub fn allow_small_rsa_keys(settings: &mut IdpSettings, bits: u32) {
        settings.algorithm_policy = settings
            .algorithm_policy
            .clone()
            .with_min_rsa_bits(bits.max(1024));
    }
}
