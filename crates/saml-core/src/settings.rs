//! `IdpSettings` and `SpSettings`, named after the fields of Okta's "SAML 2.0 Identity
//! Provider" configuration (DESIGN.md has the table). They are the only trust source: the
//! signing certificates here are the only keys a Response can verify with.
//!
//! Fields are private: settings are read through getters and changed through `with_*` methods,
//! and whatever weakens verification (SHA-1, RSA keys under 2048 bits) lives in [`danger`] so
//! a reviewer can audit it with one grep. Whether the settings can work at all (a trust anchor,
//! a signing key when requests are signed, a key that fits the algorithm) is checked once,
//! when the [`ServiceProvider`](crate::saml::sp::ServiceProvider) is built, and refused with a
//! [`SettingsError`].
//!
//! It owns configuration only: nothing here parses messages or verifies anything.

use std::time::Duration;

use crate::crypto::{
    AlgorithmPolicy, Certificate, CryptoError, SignatureAlgorithm, SigningKey, TrustAnchor,
};
use crate::dsig::Signer;
use crate::xmlenc::{DecryptionKey, DecryptionPolicy};

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

/// Settings that cannot work, refused when they are built rather than at the first login.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A required value is empty.
    #[error("the setting `{field}` is empty")]
    EmptyField {
        /// Which setting (named as in Okta's IdP page).
        field: &'static str,
    },
    /// No IdP Signature Certificate: nothing could ever verify, and keys in messages are never
    /// trusted.
    #[error("no IdP Signature Certificate is configured for `{issuer}`: nothing could verify")]
    NoTrustAnchors {
        /// The IdP Issuer URI.
        issuer: String,
    },
    /// Request Signature is on, but the SP has no signing key.
    #[error(
        "Request Signature is on (AuthnRequests are signed), but the SP has no signing key; \
         give SpSettings::with_signing_key a key, or turn request signing off"
    )]
    NoRequestSigningKey,
    /// The SP's key cannot sign the configured Request Signature Algorithm.
    #[error("the SP's signing key cannot sign with the Request Signature Algorithm {}: {source}", algorithm.uri())]
    RequestKeyDoesNotFit {
        /// The configured algorithm.
        algorithm: SignatureAlgorithm,
        /// Why the key refused it.
        #[source]
        source: CryptoError,
    },
}

/// The identity provider as the service provider knows it. Build it with [`IdpSettings::new`]
/// and the `with_*` methods; read it through the getters.
#[derive(Clone, Debug)]
pub struct IdpSettings {
    issuer: String,
    sso_url: String,
    sso_binding: Binding,
    signing_certificates: Vec<TrustAnchor>,
    sign_requests: bool,
    request_signature_algorithm: Option<SignatureAlgorithm>,
    response_signature_scope: SignatureScope,
    algorithm_policy: AlgorithmPolicy,
    max_clock_skew: Duration,
    single_logout_service: Option<(String, Binding)>,
    unsigned_logout_accepted: bool,
}

impl IdpSettings {
    /// Settings with the defaults the getters state.
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
            request_signature_algorithm: None,
            response_signature_scope: SignatureScope::Either,
            algorithm_policy: AlgorithmPolicy::default(),
            max_clock_skew: Duration::from_secs(120),
            single_logout_service: None,
            unsigned_logout_accepted: false,
        }
    }

    /// IdP Single Logout URL and the binding LogoutRequests and LogoutResponses are sent to it
    /// by (metadata `SingleLogoutService`). Default: none, and Single Logout is refused with
    /// `slo_not_configured`.
    pub fn with_single_logout_service(mut self, url: impl Into<String>, binding: Binding) -> Self {
        self.single_logout_service = Some((url.into(), binding));
        self
    }

    /// The IdP's Single Logout URL and binding, if configured.
    pub fn single_logout_service(&self) -> Option<(&str, Binding)> {
        self.single_logout_service
            .as_ref()
            .map(|(url, binding)| (url.as_str(), *binding))
    }

    /// Whether unsigned LogoutRequests and LogoutResponses from this IdP are accepted.
    /// Default: false; turned on only by [`danger::accept_unsigned_logout`].
    pub fn unsigned_logout_accepted(&self) -> bool {
        self.unsigned_logout_accepted
    }

    /// IdP Issuer URI (e.g. `http://www.okta.com/exk…`): every Issuer in a Response must equal
    /// it exactly.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// IdP Single Sign-On URL: where AuthnRequests are sent.
    pub fn sso_url(&self) -> &str {
        &self.sso_url
    }

    /// Request Binding: how AuthnRequests travel. Default: HTTP-POST.
    pub fn sso_binding(&self) -> Binding {
        self.sso_binding
    }

    /// IdP Signature Certificates: the only keys trusted (several for rollover).
    pub fn signing_certificates(&self) -> &[TrustAnchor] {
        &self.signing_certificates
    }

    /// Request Signature: whether AuthnRequests are signed. Default: true.
    pub fn sign_requests(&self) -> bool {
        self.sign_requests
    }

    /// Request Signature Algorithm. Default: `None`, the SP key's own SHA-256 algorithm
    /// (RSA-SHA256 for RSA keys, ECDSA-SHA256 for P-256 keys).
    pub fn request_signature_algorithm(&self) -> Option<SignatureAlgorithm> {
        self.request_signature_algorithm
    }

    /// Response Signature Verification. Default: [`SignatureScope::Either`].
    pub fn response_signature_scope(&self) -> SignatureScope {
        self.response_signature_scope
    }

    /// Response Signature Algorithm: the algorithms accepted. Default: SHA-256 and up, RSA
    /// keys of at least 2048 bits; weakened only through [`danger`].
    pub fn algorithm_policy(&self) -> &AlgorithmPolicy {
        &self.algorithm_policy
    }

    /// Max Clock Skew applied to every time check. Default: 120 s (Okta's default).
    pub fn max_clock_skew(&self) -> Duration {
        self.max_clock_skew
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

    /// Sets the Request Signature Algorithm. The SP's key must be able to sign it, which is
    /// checked when the service provider is built. (RSA-SHA1 needs
    /// [`danger::sign_requests_with_sha1`].)
    pub fn with_request_signature_algorithm(mut self, algorithm: SignatureAlgorithm) -> Self {
        if !algorithm.uses_sha1() {
            self.request_signature_algorithm = Some(algorithm);
        }
        self
    }

    /// Sets the Response Signature Algorithm policy. A policy weaker than the default can only
    /// be made in [`crate::crypto::danger`], so weakening stays visible where it happens.
    pub fn with_algorithm_policy(mut self, policy: AlgorithmPolicy) -> Self {
        self.algorithm_policy = policy;
        self
    }

    /// Replaces the IdP Signature Certificates.
    pub fn with_signing_certificates(mut self, anchors: Vec<TrustAnchor>) -> Self {
        self.signing_certificates = anchors;
        self
    }

    /// Adds an IdP Signature Certificate (rollover).
    pub fn with_signing_certificate(mut self, anchor: TrustAnchor) -> Self {
        self.signing_certificates.push(anchor);
        self
    }

    /// Whether these settings can work: a non-empty Issuer and at least one trust anchor.
    pub(crate) fn check(&self) -> Result<(), SettingsError> {
        if self.issuer.is_empty() {
            return Err(SettingsError::EmptyField {
                field: "IdP Issuer URI",
            });
        }
        if self.signing_certificates.is_empty() {
            return Err(SettingsError::NoTrustAnchors {
                issuer: self.issuer.clone(),
            });
        }
        Ok(())
    }
}

/// The service provider itself.
#[derive(Debug)]
pub struct SpSettings {
    entity_id: String,
    acs_url: String,
    pub(crate) signer: Option<Signer>,
    allow_unsolicited: bool,
    want_assertions_signed: bool,
    decryption_keys: Vec<DecryptionKey>,
    pub(crate) decryption_policy: DecryptionPolicy,
    single_logout_url: Option<String>,
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
            decryption_keys: Vec::new(),
            decryption_policy: DecryptionPolicy::default(),
            single_logout_url: None,
        }
    }

    /// Sets the SP's own Single Logout URL: where the IdP sends LogoutRequests and
    /// LogoutResponses, and what their Destination must equal.
    pub fn with_single_logout_url(mut self, url: impl Into<String>) -> Self {
        self.single_logout_url = Some(url.into());
        self
    }

    /// The SP's own Single Logout URL, if configured. Default: none.
    pub fn single_logout_url(&self) -> Option<&str> {
        self.single_logout_url.as_deref()
    }

    /// Adds a private key that EncryptedAssertion, EncryptedID and EncryptedAttribute are
    /// decrypted with. Several can be configured for rollover; every one is tried (XML
    /// Encryption names no key reliably).
    pub fn with_decryption_key(mut self, key: DecryptionKey) -> Self {
        self.decryption_keys.push(key);
        self
    }

    /// The decryption keys, in the order configured.
    pub fn decryption_keys(&self) -> &[DecryptionKey] {
        &self.decryption_keys
    }

    /// Audience URI (the SP entity ID): an AudienceRestriction must contain it.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// Assertion Consumer Service URL: `Response/@Destination` and the bearer
    /// `SubjectConfirmationData/@Recipient` must equal it.
    pub fn acs_url(&self) -> &str {
        &self.acs_url
    }

    /// The signer AuthnRequests are signed with, if they are (its certificate is published in
    /// metadata and KeyInfo).
    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    /// Whether unsolicited (IdP-initiated) Responses, which answer no AuthnRequest, are
    /// accepted. Okta Org2Org sends them. Default: false.
    pub fn allow_unsolicited(&self) -> bool {
        self.allow_unsolicited
    }

    /// Whether the SP asks for signed assertions in its metadata. Default: true.
    pub fn want_assertions_signed(&self) -> bool {
        self.want_assertions_signed
    }

    /// Sets the AuthnRequest signing key and its certificate. The signature algorithm is the
    /// key's own SHA-256 one unless the IdP settings name another.
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

    /// Sets whether the SP asks for signed assertions in its metadata.
    pub fn with_want_assertions_signed(mut self, want: bool) -> Self {
        self.want_assertions_signed = want;
        self
    }

    pub(crate) fn check(&self) -> Result<(), SettingsError> {
        if self.entity_id.is_empty() {
            return Err(SettingsError::EmptyField {
                field: "Audience URI (SP entity ID)",
            });
        }
        if self.acs_url.is_empty() {
            return Err(SettingsError::EmptyField {
                field: "Assertion Consumer Service URL",
            });
        }
        Ok(())
    }
}

/// Legacy opt-ins that weaken verification. Each is a deliberate, auditable choice.
pub mod danger {
    use super::{IdpSettings, SpSettings};
    use crate::crypto::SignatureAlgorithm;

    /// Accepts SHA-1 digests and RSA-SHA1 signatures from this IdP. Only for IdPs that cannot
    /// sign with SHA-256 yet; SHA-1 collisions are practical.
    pub fn allow_sha1(settings: &mut IdpSettings) {
        settings.algorithm_policy = crate::crypto::danger::allow_sha1(&settings.algorithm_policy);
    }

    /// Accepts RSA keys down to `bits` (at least 1024) from this IdP.
    pub fn allow_small_rsa_keys(settings: &mut IdpSettings, bits: u32) {
        settings.algorithm_policy =
            crate::crypto::danger::allow_small_rsa_keys(&settings.algorithm_policy, bits);
    }

    /// Accepts RSA PKCS#1 v1.5 key transport (`xmlenc#rsa-1_5`) in encrypted assertions. It
    /// is open to Bleichenbacher's attack; decryption then substitutes a random key on bad
    /// padding, but only an IdP that offers nothing else justifies it.
    pub fn allow_rsa1_5(settings: &mut SpSettings) {
        crate::xmlenc::danger::allow_rsa1_5(&mut settings.decryption_policy);
    }

    /// Accepts LogoutRequests and LogoutResponses from this IdP without a signature. Anyone
    /// who can send the user's browser to the SP's Single Logout URL can then end the user's
    /// sessions by NameID (a denial of service) and answer the SP's own LogoutRequests. A
    /// message that does carry a signature must still verify, and an EncryptedID encrypted
    /// with AES-CBC (malleable) is still refused in an unsigned message.
    pub fn accept_unsigned_logout(settings: &mut IdpSettings) {
        settings.unsigned_logout_accepted = true;
    }

    /// Signs AuthnRequests with RSA-SHA1, for IdPs that verify nothing else.
    pub fn sign_requests_with_sha1(settings: &mut IdpSettings) {
        settings.request_signature_algorithm = Some(SignatureAlgorithm::RsaSha1);
    }
}
