//! Identity-provider side: verify AuthnRequests arriving by HTTP-POST or HTTP-Redirect, and
//! issue signed Responses (SP-initiated or IdP-initiated with a RelayState), encrypted for the
//! SP when it has an encryption key.
//!
//! It owns the IdP's checks on incoming AuthnRequests (signature by the SP's pinned keys,
//! Issuer, Destination, ACS URL, time) and the text of issued Responses. It does not parse
//! query strings (that is `binding::RedirectQuery`), verify signatures itself (`dsig`), do the
//! XML Encryption itself (`xmlenc`), or keep any state: Single Logout, with the session
//! registry and propagation, is [`super::logout`]'s.
//!
//! # Encrypted assertions
//!
//! An [`SpPeer`] with an encryption key ([`SpPeer::with_encryption`], or the
//! `KeyDescriptor use="encryption"` of its metadata through
//! [`crate::metadata::SpMetadata::into_peer`]) gets its assertions encrypted. The order is
//! fixed: the Assertion is signed ([`SignTarget::Assertion`] or [`SignTarget::Both`]), the
//! signed `saml:Assertion` element, as it stands in the Response, is encrypted and put back as
//! `saml:EncryptedAssertion`, and the Response is signed last ([`SignTarget::Response`] or
//! [`SignTarget::Both`]), so its signature covers the ciphertext. The plaintext uses the
//! `saml:` prefix declared on the Response: the SP decrypts it in place (xmlsec1, OpenSAML,
//! this crate's SP all do).
//!
//! | | data | key transport | decrypted by |
//! |---|---|---|---|
//! | default | AES-256-GCM | `xmlenc11#rsa-oaep`, SHA-256 digest, MGF1-SHA-256 | this crate, xmlsec1 ≥ 1.3, Apache Santuario (OpenSAML) |
//! | for older SPs ([`SpPeer::with_encryption_algorithms`]) | AES-128-CBC | `xmlenc#rsa-oaep-mgf1p` (SHA-1) | also xmlsec1 1.2 (pysaml2, python3-saml, Debian 12's xmlsec1 1.2.37) |
//!
//! xmlsec1 before 1.3 does not know XML Encryption 1.1's `rsa-oaep`, so an SP built on it
//! cannot decrypt the default: give it `rsa-oaep-mgf1p` (with AES-GCM if its xmlsec1 has it,
//! which 1.2.37 does, else AES-CBC). Every xmlenc11 `rsa-oaep` pair of SHA-1, SHA-256, SHA-384
//! and SHA-512 can be chosen: aws-lc-rs runs the same-hash pairs, OpenSSL the others (feature
//! `openssl-oaep`, on by default; without it those are refused). Never produced: RSA PKCS#1
//! v1.5 key transport, 3DES, keys under 2048 bits.

use std::time::Duration;

use super::error::SamlError;
use super::message::{new_id, plus, push_escaped};
use super::sp::{check_not_future, check_window};
use super::{ASSERTION_NS, Attribute, BEARER, PROTOCOL_NS, STATUS_SUCCESS};
use crate::binding;
use crate::crypto::{AlgorithmPolicy, DigestAlgorithm, TrustAnchor};
use crate::dsig::redirect;
use crate::dsig::{Signer, Verifier};
use crate::settings::{Binding, SettingsError};
use crate::time::{DateTime, parse_xs_datetime};
use crate::xml::{Document, IdLookup, Limits, trim_xml};
use crate::xmlenc::{DataEncryption, EncryptionKey, KeyTransport, XmlencError};

/// What the IdP signs in the Responses it issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignTarget {
    /// The Assertion only.
    Assertion,
    /// The Assertion, then the Response.
    Both,
    /// The Response only.
    Response,
}

/// What the IdP encrypts in the Responses it issues to an SP with an encryption key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptTarget {
    /// The whole (signed) Assertion, as `saml:EncryptedAssertion`. The default.
    #[default]
    Assertion,
    /// The NameID only, as `saml:EncryptedID` inside a plain (signed) Assertion: the
    /// attributes stay readable on the way, the subject does not. This crate's SP decrypts
    /// it in its place.
    NameId,
    /// The NameID as `saml:EncryptedID`, then the whole Assertion around it.
    Both,
}

impl EncryptTarget {
    fn assertion(self) -> bool {
        matches!(self, Self::Assertion | Self::Both)
    }

    fn name_id(self) -> bool {
        matches!(self, Self::NameId | Self::Both)
    }
}

/// The default data encryption for an SP: AES-256-GCM.
pub const DEFAULT_DATA_ENCRYPTION: DataEncryption = DataEncryption::Aes256Gcm;
/// The default key transport for an SP: `xmlenc11#rsa-oaep` with SHA-256 as the OAEP digest
/// and MGF1-SHA-256 (xmlsec1 before 1.3 cannot decrypt it; see the [module
/// documentation](self)).
pub const DEFAULT_KEY_TRANSPORT: KeyTransport = KeyTransport::RsaOaep {
    digest: DigestAlgorithm::Sha256,
    mgf: DigestAlgorithm::Sha256,
};

/// How the IdP encrypts for one SP. Private: set through [`SpPeer`]'s builders.
#[derive(Clone, Debug)]
struct Encryption {
    /// The SP's key; `None`: nothing is encrypted.
    key: Option<EncryptionKey>,
    data: DataEncryption,
    transport: KeyTransport,
    target: EncryptTarget,
}

impl Default for Encryption {
    fn default() -> Self {
        Self {
            key: None,
            data: DEFAULT_DATA_ENCRYPTION,
            transport: DEFAULT_KEY_TRANSPORT,
            target: EncryptTarget::Assertion,
        }
    }
}

/// A service provider as the IdP knows it (from its metadata).
#[derive(Clone, Debug)]
pub struct SpPeer {
    entity_id: String,
    acs_url: String,
    authn_requests_signed: bool,
    certificates: Vec<TrustAnchor>,
    algorithm_policy: AlgorithmPolicy,
    encryption: Encryption,
    single_logout_service: Option<(String, Binding)>,
    unsigned_logout_accepted: bool,
}

impl SpPeer {
    /// A peer whose AuthnRequests must be signed with one of `certificates`.
    ///
    /// # Errors
    ///
    /// [`SettingsError::NoTrustAnchors`] when `certificates` is empty (a peer whose requests
    /// are not signed is [`danger::unsigned_requests`]).
    pub fn new(
        entity_id: impl Into<String>,
        acs_url: impl Into<String>,
        certificates: Vec<TrustAnchor>,
    ) -> Result<Self, SettingsError> {
        let entity_id = entity_id.into();
        if certificates.is_empty() {
            return Err(SettingsError::NoTrustAnchors { issuer: entity_id });
        }
        Ok(Self {
            entity_id,
            acs_url: acs_url.into(),
            authn_requests_signed: true,
            certificates,
            algorithm_policy: AlgorithmPolicy::default(),
            encryption: Encryption::default(),
            single_logout_service: None,
            unsigned_logout_accepted: false,
        })
    }

    /// Sets the SP's Single Logout URL and the binding LogoutRequests and LogoutResponses are
    /// sent to it by (metadata `SingleLogoutService`). Default: none; the SP then cannot be
    /// reached by logout propagation and counts as failed (PartialLogout).
    pub fn with_single_logout_service(mut self, url: impl Into<String>, binding: Binding) -> Self {
        self.single_logout_service = Some((url.into(), binding));
        self
    }

    /// The SP's Single Logout URL and binding, if any.
    pub fn single_logout_service(&self) -> Option<(&str, Binding)> {
        self.single_logout_service
            .as_ref()
            .map(|(url, binding)| (url.as_str(), *binding))
    }

    /// Whether unsigned logout messages from this SP are accepted. Default: false; only
    /// [`danger::accept_unsigned_logout`] turns it on.
    pub fn unsigned_logout_accepted(&self) -> bool {
        self.unsigned_logout_accepted
    }

    /// Encrypts what is issued to this SP (by default the whole Assertion, with
    /// [`DEFAULT_DATA_ENCRYPTION`] and [`DEFAULT_KEY_TRANSPORT`]) to `key`: the SP's
    /// encryption key, normally [`EncryptionKey::from_certificate`] of the certificate in its
    /// metadata's `KeyDescriptor use="encryption"` (the `EncryptedKey` then names that
    /// certificate, so the SP can tell which of its keys to use).
    pub fn with_encryption(mut self, key: EncryptionKey) -> Self {
        self.encryption.key = Some(key);
        self
    }

    /// Sets the algorithms of encryption for this SP (whenever it has an encryption key).
    /// Default: [`DEFAULT_DATA_ENCRYPTION`] (AES-256-GCM) with [`DEFAULT_KEY_TRANSPORT`]
    /// (`xmlenc11#rsa-oaep`, SHA-256 / MGF1-SHA-256). For an SP whose xmlsec1 predates 1.3
    /// (pysaml2, python3-saml on Debian 12), which knows no xmlenc11 `rsa-oaep`:
    /// `DataEncryption::Aes128Cbc` with `KeyTransport::default()` (`rsa-oaep-mgf1p`, SHA-1),
    /// or `DataEncryption::Aes256Gcm` with `KeyTransport::default()` when its xmlsec1 has
    /// AES-GCM (1.2.37 does).
    ///
    /// # Errors
    ///
    /// [`XmlencError::AlgorithmNotAllowed`] for `rsa-1_5` (never produced) and for an RSA-OAEP
    /// digest and MGF1 hash that differ (aws-lc-rs offers OAEP with one hash for both only).
    pub fn with_encryption_algorithms(
        mut self,
        data: DataEncryption,
        transport: KeyTransport,
    ) -> Result<Self, XmlencError> {
        transport.oaep()?;
        self.encryption.data = data;
        self.encryption.transport = transport;
        Ok(self)
    }

    /// Sets what is encrypted for this SP (whenever it has an encryption key). Default:
    /// [`EncryptTarget::Assertion`].
    pub fn with_encrypt_target(mut self, target: EncryptTarget) -> Self {
        self.encryption.target = target;
        self
    }

    /// The key assertions are encrypted to; `None`: they are issued in the clear.
    pub fn encryption_key(&self) -> Option<&EncryptionKey> {
        self.encryption.key.as_ref()
    }

    /// The data encryption used when there is an encryption key.
    pub fn data_encryption(&self) -> DataEncryption {
        self.encryption.data
    }

    /// The key transport used when there is an encryption key.
    pub fn key_transport(&self) -> KeyTransport {
        self.encryption.transport
    }

    /// What is encrypted when there is an encryption key.
    pub fn encrypt_target(&self) -> EncryptTarget {
        self.encryption.target
    }

    /// The SP entity ID: the Audience of issued assertions and the Issuer of its requests.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The ACS URL registered for the SP: the only place Responses are sent.
    pub fn acs_url(&self) -> &str {
        &self.acs_url
    }

    /// AuthnRequestsSigned: requests without a valid signature are refused.
    pub fn authn_requests_signed(&self) -> bool {
        self.authn_requests_signed
    }

    /// The SP's signing certificates, for its AuthnRequests.
    pub fn certificates(&self) -> &[TrustAnchor] {
        &self.certificates
    }

    /// Algorithms accepted on requests. Default: SHA-256 and up.
    pub fn algorithm_policy(&self) -> &AlgorithmPolicy {
        &self.algorithm_policy
    }
}

/// Opt-outs that weaken the IdP's checks on incoming requests. Each is a deliberate, auditable
/// choice.
pub mod danger {
    use super::SpPeer;
    use crate::crypto::AlgorithmPolicy;

    /// A peer whose AuthnRequests are accepted unsigned (metadata `AuthnRequestsSigned="false"`).
    /// Anyone can then start a login for this SP; Responses still go only to its registered
    /// ACS URL. A request that does carry a signature must still verify, which it cannot
    /// without keys, so signed requests from this peer are refused.
    pub fn unsigned_requests(entity_id: impl Into<String>, acs_url: impl Into<String>) -> SpPeer {
        SpPeer {
            entity_id: entity_id.into(),
            acs_url: acs_url.into(),
            authn_requests_signed: false,
            certificates: Vec::new(),
            algorithm_policy: AlgorithmPolicy::default(),
            encryption: super::Encryption::default(),
            single_logout_service: None,
            unsigned_logout_accepted: false,
        }
    }

    /// Accepts unsigned LogoutRequests and LogoutResponses from `peer`. Anyone who can send a
    /// browser to the IdP's Single Logout URL can then end a user's IdP session (and start a
    /// logout of every SP) by NameID. A message that carries a signature must still verify.
    pub fn accept_unsigned_logout(peer: &mut SpPeer) {
        peer.unsigned_logout_accepted = true;
    }

    /// Accepts unsigned AuthnRequests from `peer` (as [`unsigned_requests`]), while a request
    /// that carries a signature must still verify with one of its certificates.
    pub fn accept_unsigned_requests(peer: &mut SpPeer) {
        peer.authn_requests_signed = false;
    }

    /// Accepts from `peer` what `policy` accepts (for example
    /// [`crate::crypto::danger::allow_sha1`] for an SP that signs requests with RSA-SHA1).
    pub fn set_algorithm_policy(peer: &mut SpPeer, policy: AlgorithmPolicy) {
        peer.algorithm_policy = policy;
    }
}

/// A verified AuthnRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// Its ID, to answer with InResponseTo.
    pub id: String,
    /// Its Issuer (the SP entity ID).
    pub issuer: String,
    /// Whether a signature verified (enveloped for POST, query for Redirect).
    pub signed: bool,
    /// ForceAuthn.
    pub force_authn: bool,
    /// IsPassive.
    pub is_passive: bool,
    /// NameIDPolicy/@Format, if any.
    pub name_id_format: Option<String>,
    /// The RelayState that came with it.
    pub relay_state: Option<String>,
}

/// The user the IdP vouches for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Subject {
    /// NameID value.
    pub name_id: String,
    /// NameID Format. Default: unspecified.
    pub name_id_format: String,
    /// The attributes to issue, in order.
    pub attributes: Vec<Attribute>,
    /// AuthnContextClassRef. Default: PasswordProtectedTransport.
    pub authn_context_class_ref: String,
}

impl Subject {
    /// A subject with no attributes.
    pub fn new(name_id: impl Into<String>) -> Self {
        Self {
            name_id: name_id.into(),
            name_id_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified".into(),
            attributes: Vec::new(),
            authn_context_class_ref:
                "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport".into(),
        }
    }

    /// Adds an attribute with the `basic` NameFormat.
    pub fn with_attribute(mut self, name: impl Into<String>, values: Vec<String>) -> Self {
        self.attributes.push(Attribute::new(name, values));
        self
    }

    /// Adds an attribute as given (NameFormat, FriendlyName).
    pub fn with(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Sets the NameID Format.
    pub fn with_format(mut self, format: impl Into<String>) -> Self {
        self.name_id_format = format.into();
        self
    }
}

/// An identity provider issuing signed Responses.
#[derive(Debug)]
pub struct IdentityProvider {
    entity_id: String,
    sso_url: String,
    sign: SignTarget,
    assertion_lifetime: Duration,
    max_clock_skew: Duration,
    signer: Signer,
    single_logout_url: Option<String>,
}

impl IdentityProvider {
    /// An IdP that signs with `signer` (whose algorithm follows its key: RSA-SHA256 for RSA,
    /// ECDSA-SHA256 for P-256).
    pub fn new(entity_id: impl Into<String>, sso_url: impl Into<String>, signer: Signer) -> Self {
        Self {
            entity_id: entity_id.into(),
            sso_url: sso_url.into(),
            sign: SignTarget::Both,
            assertion_lifetime: Duration::from_secs(300),
            max_clock_skew: Duration::from_secs(120),
            signer,
            single_logout_url: None,
        }
    }

    /// Sets the IdP's own Single Logout URL: where SPs send LogoutRequests and
    /// LogoutResponses, and what their Destination must equal. Default: none.
    pub fn with_single_logout_url(mut self, url: impl Into<String>) -> Self {
        self.single_logout_url = Some(url.into());
        self
    }

    /// The IdP's Single Logout URL, if configured.
    pub fn single_logout_url(&self) -> Option<&str> {
        self.single_logout_url.as_deref()
    }

    /// The clock skew tolerated on incoming requests.
    pub fn max_clock_skew(&self) -> Duration {
        self.max_clock_skew
    }

    /// The signer of issued messages.
    pub(crate) fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Sets what to sign. Default: both.
    pub fn with_sign_target(mut self, sign: SignTarget) -> Self {
        self.sign = sign;
        self
    }

    /// Sets how long an issued assertion may be delivered. Default: 5 minutes.
    pub fn with_assertion_lifetime(mut self, lifetime: Duration) -> Self {
        self.assertion_lifetime = lifetime;
        self
    }

    /// Sets the clock skew tolerated on incoming requests. Default: 120 s.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// The IdP entity ID (Issuer).
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The SSO URL AuthnRequests arrive at (their Destination must equal it).
    pub fn sso_url(&self) -> &str {
        &self.sso_url
    }

    /// What it signs.
    pub fn sign_target(&self) -> SignTarget {
        self.sign
    }

    /// Verifies an AuthnRequest that arrived by HTTP-POST (the decoded XML).
    pub fn receive_post(
        &self,
        sp: &SpPeer,
        xml: &[u8],
        relay_state: Option<&str>,
        now: DateTime,
    ) -> Result<ReceivedRequest, SamlError> {
        let doc = Document::parse_bytes(xml, &Limits::default())?;
        let root = doc.root_element();
        let signature =
            Verifier::signature_of(&doc, root).map_err(|e| sig_err("AuthnRequest", e))?;
        let signed = match signature {
            Some(s) => {
                let verifier = Verifier::new(sp.certificates.clone(), sp.algorithm_policy.clone());
                verifier
                    .verify(&doc, s)
                    .map_err(|e| sig_err("AuthnRequest", e))?;
                true
            }
            None => false,
        };
        self.check_request(sp, &doc, signed, relay_state, now)
    }

    /// Verifies an AuthnRequest that arrived by HTTP-Redirect: `query` is the query string
    /// (or whole URL) exactly as received, whose signature covers the URL-encoded octets.
    pub fn receive_redirect(
        &self,
        sp: &SpPeer,
        query: &str,
        now: DateTime,
    ) -> Result<ReceivedRequest, SamlError> {
        let limits = binding::DecodeLimits::default();
        // One split of the query: the signature is checked over its octets, and the message
        // and RelayState are decoded from the same value (DESIGN.md invariant 10).
        let query = binding::RedirectQuery::parse(query, &limits)?;
        let signed = if query.has_signature() {
            let verifier = Verifier::new(sp.certificates.clone(), sp.algorithm_policy.clone());
            redirect::verify(&query, &verifier).map_err(|e| sig_err("AuthnRequest", e))?;
            true
        } else {
            false
        };
        let decoded = query.decode(&limits)?;
        let doc = Document::parse_bytes(&decoded.xml, &Limits::default())?;
        self.check_request(sp, &doc, signed, decoded.relay_state.as_deref(), now)
    }

    fn check_request(
        &self,
        sp: &SpPeer,
        doc: &Document<'_>,
        signed: bool,
        relay_state: Option<&str>,
        now: DateTime,
    ) -> Result<ReceivedRequest, SamlError> {
        let root = doc.root_element();
        if !doc.is(root, PROTOCOL_NS, "AuthnRequest") {
            return Err(SamlError::NotAnAuthnRequest {
                found: doc.qualified_name(root).into_owned(),
            });
        }
        if sp.authn_requests_signed && !signed {
            return Err(SamlError::RequestNotSigned);
        }
        let issuer = doc
            .element_children(root)
            .find(|&c| doc.is(c, ASSERTION_NS, "Issuer"))
            .map(|i| trim_xml(&doc.text(i)).to_owned());
        if issuer.as_deref() != Some(sp.entity_id.as_str()) {
            return Err(SamlError::IssuerMismatch {
                element: "AuthnRequest",
                expected: sp.entity_id.clone(),
                found: issuer,
            });
        }
        // Destination: when present it must be the SSO URL; a signed request must carry it
        // (Bindings §3.4.5.2, §3.5.5.2), else a request signed for another IdP could be
        // replayed here.
        match doc.attribute(root, "Destination") {
            Some(dest) if dest != self.sso_url => {
                return Err(SamlError::RequestDestinationMismatch {
                    expected: self.sso_url.clone(),
                    found: dest.to_owned(),
                });
            }
            None if signed => {
                return Err(SamlError::RequestMissingDestination {
                    expected: self.sso_url.clone(),
                });
            }
            _ => {}
        }
        if let Some(acs) = doc.attribute(root, "AssertionConsumerServiceURL")
            && acs != sp.acs_url
        {
            return Err(SamlError::AcsUrlNotRegistered {
                expected: sp.acs_url.clone(),
                found: acs.to_owned(),
            });
        }
        let skew = i64::try_from(self.max_clock_skew.as_secs()).unwrap_or(i64::MAX);
        let issued = doc
            .attribute(root, "IssueInstant")
            .ok_or(SamlError::MissingAttribute {
                element: "AuthnRequest",
                attribute: "IssueInstant",
            })
            .and_then(|v| {
                parse_xs_datetime(v).map_err(|source| SamlError::InvalidTime {
                    element: "AuthnRequest".into(),
                    attribute: "IssueInstant",
                    source,
                })
            })?;
        check_not_future("AuthnRequest", issued, now, skew)?;
        // A request is answered within the assertion lifetime of its IssueInstant.
        let lifetime = i64::try_from(self.assertion_lifetime.as_secs()).unwrap_or(300);
        check_window(
            "AuthnRequest",
            None,
            Some(plus(issued, lifetime)),
            now,
            skew,
        )?;
        // ID is a required xs:ID, never empty: an empty one would be answered with
        // InResponseTo="".
        let id = doc
            .attribute(root, "ID")
            .filter(|id| !trim_xml(id).is_empty())
            .ok_or(SamlError::MissingAttribute {
                element: "AuthnRequest",
                attribute: "ID",
            })?
            .to_owned();
        let flag = |name: &str| {
            doc.attribute(root, name)
                .is_some_and(|v| v == "true" || v == "1")
        };
        let name_id_format = doc
            .element_children(root)
            .find(|&c| doc.is(c, PROTOCOL_NS, "NameIDPolicy"))
            .and_then(|p| doc.attribute(p, "Format"))
            .map(str::to_owned);
        Ok(ReceivedRequest {
            id,
            issuer: sp.entity_id.clone(),
            signed,
            force_authn: flag("ForceAuthn"),
            is_passive: flag("IsPassive"),
            name_id_format,
            relay_state: relay_state.map(str::to_owned),
        })
    }

    /// Issues a signed Response for `subject` to `sp`: in answer to `request` (SP-initiated),
    /// or unsolicited (IdP-initiated) when `request` is `None`. When `sp` has an encryption
    /// key, the Assertion (or NameID, as its [`EncryptTarget`] says) is encrypted to it: the
    /// Assertion signed first, the Response after (see the [module documentation](self)).
    ///
    /// # Errors
    ///
    /// [`SamlError::Signing`] and [`SamlError::Encryption`] when the crypto library fails,
    /// [`SamlError::Randomness`] when the system's random number generator does.
    pub fn issue(
        &self,
        sp: &SpPeer,
        subject: &Subject,
        request: Option<&ReceivedRequest>,
        now: DateTime,
    ) -> Result<String, SamlError> {
        let session_index = new_id().map_err(|_| SamlError::Randomness)?;
        self.issue_with_session_index(sp, subject, request, &session_index, now)
    }

    /// As [`issue`](Self::issue), with `session_index` as the AuthnStatement's SessionIndex
    /// (what the SP names in a LogoutRequest; [`issue`](Self::issue) makes a fresh random one).
    /// To record it for Single Logout in the same step, use
    /// [`issue_in_session`](Self::issue_in_session).
    ///
    /// # Errors
    ///
    /// As [`issue`](Self::issue).
    pub fn issue_with_session_index(
        &self,
        sp: &SpPeer,
        subject: &Subject,
        request: Option<&ReceivedRequest>,
        session_index: &str,
        now: DateTime,
    ) -> Result<String, SamlError> {
        let response_id = new_id().map_err(|_| SamlError::Randomness)?;
        let assertion_id = new_id().map_err(|_| SamlError::Randomness)?;
        let lifetime = i64::try_from(self.assertion_lifetime.as_secs()).unwrap_or(300);
        // Each instant formatted once; every value pushed escaped straight into the text.
        let until = plus(now, lifetime).to_string();
        let now = now.to_string();
        let encrypt_to = sp.encryption.key.as_ref();
        let target = sp.encryption.target;
        let mut x = String::with_capacity(4096);
        let irt = |x: &mut String| {
            if let Some(r) = request {
                x.push_str(" InResponseTo=\"");
                push_escaped(x, &r.id);
                x.push('"');
            }
        };
        let issuer = |x: &mut String| {
            x.push_str("<saml:Issuer>");
            push_escaped(x, &self.entity_id);
            x.push_str("</saml:Issuer>");
        };
        x.push_str("<samlp:Response xmlns:samlp=\"");
        x.push_str(PROTOCOL_NS);
        x.push_str("\" xmlns:saml=\"");
        x.push_str(ASSERTION_NS);
        x.push_str("\" ID=\"");
        x.push_str(&response_id);
        x.push_str("\" Version=\"2.0\" IssueInstant=\"");
        x.push_str(&now);
        x.push_str("\" Destination=\"");
        push_escaped(&mut x, &sp.acs_url);
        x.push('"');
        irt(&mut x);
        x.push('>');
        issuer(&mut x);
        x.push_str("<samlp:Status><samlp:StatusCode Value=\"");
        x.push_str(STATUS_SUCCESS);
        x.push_str("\"/></samlp:Status><saml:Assertion ID=\"");
        x.push_str(&assertion_id);
        x.push_str("\" Version=\"2.0\" IssueInstant=\"");
        x.push_str(&now);
        x.push_str("\">");
        issuer(&mut x);
        x.push_str("<saml:Subject>");
        let name_id = |x: &mut String| {
            x.push_str("<saml:NameID Format=\"");
            push_escaped(x, &subject.name_id_format);
            x.push_str("\">");
            push_escaped(x, &subject.name_id);
            x.push_str("</saml:NameID>");
        };
        match encrypt_to {
            Some(key) if target.name_id() => {
                let mut plain = String::with_capacity(256);
                name_id(&mut plain);
                x.push_str("<saml:EncryptedID>");
                x.push_str(&encrypt(sp, key, &plain)?);
                x.push_str("</saml:EncryptedID>");
            }
            _ => name_id(&mut x),
        }
        x.push_str("<saml:SubjectConfirmation Method=\"");
        x.push_str(BEARER);
        x.push_str("\"><saml:SubjectConfirmationData Recipient=\"");
        push_escaped(&mut x, &sp.acs_url);
        x.push_str("\" NotOnOrAfter=\"");
        x.push_str(&until);
        x.push('"');
        irt(&mut x);
        x.push_str("/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore=\"");
        x.push_str(&now);
        x.push_str("\" NotOnOrAfter=\"");
        x.push_str(&until);
        x.push_str("\"><saml:AudienceRestriction><saml:Audience>");
        push_escaped(&mut x, &sp.entity_id);
        x.push_str(
            "</saml:Audience></saml:AudienceRestriction></saml:Conditions>\
             <saml:AuthnStatement AuthnInstant=\"",
        );
        x.push_str(&now);
        x.push_str("\" SessionIndex=\"");
        push_escaped(&mut x, session_index);
        x.push_str("\"><saml:AuthnContext><saml:AuthnContextClassRef>");
        push_escaped(&mut x, &subject.authn_context_class_ref);
        x.push_str("</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>");
        if !subject.attributes.is_empty() {
            x.push_str("<saml:AttributeStatement>");
            for attribute in &subject.attributes {
                x.push_str("<saml:Attribute Name=\"");
                push_escaped(&mut x, &attribute.name);
                x.push('"');
                if let Some(format) = &attribute.name_format {
                    x.push_str(" NameFormat=\"");
                    push_escaped(&mut x, format);
                    x.push('"');
                }
                if let Some(friendly) = &attribute.friendly_name {
                    x.push_str(" FriendlyName=\"");
                    push_escaped(&mut x, friendly);
                    x.push('"');
                }
                x.push('>');
                for v in &attribute.values {
                    x.push_str(
                        "<saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" \
                         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                         xsi:type=\"xs:string\">",
                    );
                    push_escaped(&mut x, v);
                    x.push_str("</saml:AttributeValue>");
                }
                x.push_str("</saml:Attribute>");
            }
            x.push_str("</saml:AttributeStatement>");
        }
        x.push_str("</saml:Assertion></samlp:Response>");

        // The Assertion is signed first, then (encrypted, then) the Response.
        let encrypt_assertion = encrypt_to.is_some() && target.assertion();
        if self.sign == SignTarget::Both && !encrypt_assertion {
            // Both signatures from one parse of the Response.
            return self
                .signer
                .sign_nested(&x, &assertion_id, &response_id)
                .map_err(SamlError::Signing);
        }
        if matches!(self.sign, SignTarget::Assertion | SignTarget::Both) {
            x = self
                .signer
                .sign_element(&x, &assertion_id)
                .map_err(SamlError::Signing)?;
        }
        if let Some(key) = encrypt_to
            && target.assertion()
        {
            x = Self::encrypt_assertion(sp, key, &x, &assertion_id)?;
        }
        if matches!(self.sign, SignTarget::Response | SignTarget::Both) {
            x = self
                .signer
                .sign_element(&x, &response_id)
                .map_err(SamlError::Signing)?;
        }
        Ok(x)
    }

    /// Replaces the Assertion `assertion_id` of `response` (signed, if it is to be) with a
    /// `saml:EncryptedAssertion` holding it encrypted to `key`. The plaintext is the
    /// element's text as it stands in the Response, whose `xmlns:saml` it relies on.
    fn encrypt_assertion(
        sp: &SpPeer,
        key: &EncryptionKey,
        response: &str,
        assertion_id: &str,
    ) -> Result<String, SamlError> {
        let doc = Document::parse(response)?;
        let IdLookup::Unique(assertion) = doc.element_by_id(assertion_id) else {
            // The Response was built here with one element of this fresh ID.
            return Err(SamlError::AssertionCount { found: 0 });
        };
        let span = doc.span(assertion);
        let plaintext = response.get(span.clone()).unwrap_or_default();
        let encrypted = encrypt(sp, key, plaintext)?;
        let mut out = String::with_capacity(response.len() - span.len() + encrypted.len() + 64);
        out.push_str(response.get(..span.start).unwrap_or_default());
        out.push_str("<saml:EncryptedAssertion>");
        out.push_str(&encrypted);
        out.push_str("</saml:EncryptedAssertion>");
        out.push_str(response.get(span.end..).unwrap_or_default());
        Ok(out)
    }

    /// The auto-submitting HTTP-POST form that delivers `response_xml` to the SP's ACS URL.
    pub fn post_form(&self, sp: &SpPeer, response_xml: &str, relay_state: Option<&str>) -> String {
        binding::post_form(
            &sp.acs_url,
            "SAMLResponse",
            &binding::encode_post(response_xml.as_bytes()),
            relay_state,
        )
    }
}

/// One `xenc:EncryptedData` holding `element` encrypted to `key` with `sp`'s algorithms.
fn encrypt(sp: &SpPeer, key: &EncryptionKey, element: &str) -> Result<String, SamlError> {
    crate::xmlenc::encrypt(
        element.as_bytes(),
        key,
        sp.encryption.data,
        sp.encryption.transport,
    )
    .map_err(SamlError::Encryption)
}

fn sig_err(element: &'static str, source: crate::dsig::DsigError) -> SamlError {
    SamlError::Signature { element, source }
}
