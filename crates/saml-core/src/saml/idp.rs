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
use crate::xml::escape::push_canonical;
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
        let ids = Ids {
            response: &response_id,
            assertion: &assertion_id,
            session_index,
        };
        self.issue_with_ids(sp, subject, request, &ids, now, SigningPath::Direct)
    }

    /// As [`issue_with_session_index`](Self::issue_with_session_index), with the IDs given;
    /// `path` chooses how the digests of an unencrypted Response are taken (both give the same
    /// bytes: a test holds them to it).
    fn issue_with_ids(
        &self,
        sp: &SpPeer,
        subject: &Subject,
        request: Option<&ReceivedRequest>,
        ids: &Ids<'_>,
        now: DateTime,
        path: SigningPath,
    ) -> Result<String, SamlError> {
        let (response_id, assertion_id) = (ids.response, ids.assertion);
        let lifetime = i64::try_from(self.assertion_lifetime.as_secs()).unwrap_or(300);
        // Each instant formatted once; every value pushed escaped straight into the text.
        let until = plus(now, lifetime).to_string();
        let now = now.to_string();
        let fields = Fields {
            sp,
            subject,
            request,
            ids,
            now: &now,
            until: &until,
        };
        let (mut x, response_issuer_end, assertion_issuer_end) = self.response_text(&fields)?;
        let encrypt_to = sp.encryption.key.as_ref();
        let target = sp.encryption.target;

        if encrypt_to.is_none() && path == SigningPath::Direct {
            // Nothing encrypted: the digests are taken over the canonical form written here
            // beside the text, without parsing it back.
            let text = IssuedText {
                xml: &x,
                response_issuer_end,
                assertion_issuer_end,
            };
            return self.sign_direct(&text, &self.canonical_response(&fields), ids);
        }
        // The Assertion is signed first, then (encrypted, then) the Response.
        let encrypt_assertion = encrypt_to.is_some() && target.assertion();
        if self.sign == SignTarget::Both && !encrypt_assertion {
            // Both signatures from one parse of the Response.
            return self
                .signer
                .sign_nested(&x, assertion_id, response_id)
                .map_err(SamlError::Signing);
        }
        if matches!(self.sign, SignTarget::Assertion | SignTarget::Both) {
            x = self
                .signer
                .sign_element(&x, assertion_id)
                .map_err(SamlError::Signing)?;
        }
        if let Some(key) = encrypt_to
            && target.assertion()
        {
            x = Self::encrypt_assertion(sp, key, &x, assertion_id)?;
        }
        if matches!(self.sign, SignTarget::Response | SignTarget::Both) {
            x = self
                .signer
                .sign_element(&x, response_id)
                .map_err(SamlError::Signing)?;
        }
        Ok(x)
    }

    /// The unsigned Response for `f` (its NameID encrypted when the SP's [`EncryptTarget`]
    /// says so), with the offsets right after the Response's Issuer and the Assertion's.
    fn response_text(&self, f: &Fields<'_>) -> Result<(String, usize, usize), SamlError> {
        let Fields {
            sp,
            subject,
            request,
            ids,
            now,
            until,
        } = *f;
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
        x.push_str(ids.response);
        x.push_str("\" Version=\"2.0\" IssueInstant=\"");
        x.push_str(now);
        x.push_str("\" Destination=\"");
        push_escaped(&mut x, &sp.acs_url);
        x.push('"');
        irt(&mut x);
        x.push('>');
        issuer(&mut x);
        let response_issuer_end = x.len();
        x.push_str("<samlp:Status><samlp:StatusCode Value=\"");
        x.push_str(STATUS_SUCCESS);
        x.push_str("\"/></samlp:Status><saml:Assertion ID=\"");
        x.push_str(ids.assertion);
        x.push_str("\" Version=\"2.0\" IssueInstant=\"");
        x.push_str(now);
        x.push_str("\">");
        issuer(&mut x);
        let assertion_issuer_end = x.len();
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
        x.push_str(until);
        x.push('"');
        irt(&mut x);
        x.push_str("/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore=\"");
        x.push_str(now);
        x.push_str("\" NotOnOrAfter=\"");
        x.push_str(until);
        x.push_str("\"><saml:AudienceRestriction><saml:Audience>");
        push_escaped(&mut x, &sp.entity_id);
        x.push_str(
            "</saml:Audience></saml:AudienceRestriction></saml:Conditions>\
             <saml:AuthnStatement AuthnInstant=\"",
        );
        x.push_str(now);
        x.push_str("\" SessionIndex=\"");
        push_escaped(&mut x, ids.session_index);
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
        Ok((x, response_issuer_end, assertion_issuer_end))
    }

    /// The exclusive canonical form (no comments, no InclusiveNamespaces) of the unencrypted
    /// Response that [`issue_with_ids`](Self::issue_with_ids) writes for `fields`, before any
    /// Signature is inserted, and of its Assertion, which lies in it byte for byte.
    ///
    /// It follows from the text that function writes (every value through
    /// [`push_escaped`], no whitespace, no comments):
    ///
    /// - Attributes in canonical order (unprefixed ones by local name, then `xsi:type`), values
    ///   escaped by c14n's rules ([`push_canonical`]), empty elements as start and end tag.
    /// - Namespaces: exclusive c14n renders on an element the declarations in scope that the
    ///   element visibly uses (its own prefix, its attributes' prefixes; a prefix inside an
    ///   attribute value, as in `xsi:type="xs:string"`, does not count) and that its nearest
    ///   output ancestor has not rendered with the same value. So `xmlns:samlp` on Response,
    ///   `xmlns:saml` on each element that uses `saml` without a rendered ancestor (the
    ///   Response's Issuer and the Assertion), `xmlns:xsi` on each AttributeValue.
    /// - The Assertion's canonical form inside the Response's equals its own canonical form
    ///   (the one its digest is taken over) when no prefix that the Assertion's output
    ///   ancestors render (here `samlp`, on the Response alone) is visibly used inside the
    ///   Assertion, no ancestor renders a default namespace (no element here is unprefixed),
    ///   and no InclusiveNamespaces prefix list is in play (the signer writes none): the
    ///   Assertion uses `saml`, `xsi` and, in its Signature, `ds`. The Assertion's Signature
    ///   declares `ds` itself and nothing here binds `ds`, so its canonical form
    ///   ([`SignatureText::canonical`](crate::dsig::sign)) is the same in both.
    ///
    /// The tests hold this to the canonicalizer's output on generated Responses (escapes,
    /// control and non-ASCII characters, optional attributes, many values) and to the parsing
    /// path's signed output byte for byte.
    fn canonical_response(&self, f: &Fields<'_>) -> CanonicalResponse {
        let mut c = String::with_capacity(4096);
        let push_attr = |c: &mut String, name: &str, value: &str| {
            c.push(' ');
            c.push_str(name);
            c.push_str("=\"");
            push_canonical(c, value, true);
            c.push('"');
        };
        let irt = |c: &mut String| {
            if let Some(r) = f.request {
                push_attr(c, "InResponseTo", &r.id);
            }
        };
        let issuer = |c: &mut String, ns: bool| {
            c.push_str("<saml:Issuer");
            if ns {
                c.push_str(" xmlns:saml=\"");
                c.push_str(ASSERTION_NS);
                c.push('"');
            }
            c.push('>');
            push_canonical(c, &self.entity_id, false);
            c.push_str("</saml:Issuer>");
        };
        let text = |c: &mut String, element: &str, value: &str| {
            c.push_str("<saml:");
            c.push_str(element);
            c.push('>');
            push_canonical(c, value, false);
            c.push_str("</saml:");
            c.push_str(element);
            c.push('>');
        };
        c.push_str("<samlp:Response xmlns:samlp=\"");
        c.push_str(PROTOCOL_NS);
        c.push('"');
        push_attr(&mut c, "Destination", &f.sp.acs_url);
        push_attr(&mut c, "ID", f.ids.response);
        irt(&mut c);
        push_attr(&mut c, "IssueInstant", f.now);
        c.push_str(" Version=\"2.0\">");
        issuer(&mut c, true);
        c.push_str("<samlp:Status><samlp:StatusCode");
        push_attr(&mut c, "Value", STATUS_SUCCESS);
        c.push_str("></samlp:StatusCode></samlp:Status>");
        let assertion_start = c.len();
        c.push_str("<saml:Assertion xmlns:saml=\"");
        c.push_str(ASSERTION_NS);
        c.push('"');
        push_attr(&mut c, "ID", f.ids.assertion);
        push_attr(&mut c, "IssueInstant", f.now);
        c.push_str(" Version=\"2.0\">");
        issuer(&mut c, false);
        let assertion_issuer_end = c.len();
        c.push_str("<saml:Subject><saml:NameID");
        push_attr(&mut c, "Format", &f.subject.name_id_format);
        c.push('>');
        push_canonical(&mut c, &f.subject.name_id, false);
        c.push_str("</saml:NameID><saml:SubjectConfirmation");
        push_attr(&mut c, "Method", BEARER);
        c.push_str("><saml:SubjectConfirmationData");
        irt(&mut c);
        push_attr(&mut c, "NotOnOrAfter", f.until);
        push_attr(&mut c, "Recipient", &f.sp.acs_url);
        c.push_str(
            "></saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>\
             <saml:Conditions",
        );
        push_attr(&mut c, "NotBefore", f.now);
        push_attr(&mut c, "NotOnOrAfter", f.until);
        c.push_str("><saml:AudienceRestriction>");
        text(&mut c, "Audience", &f.sp.entity_id);
        c.push_str("</saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement");
        push_attr(&mut c, "AuthnInstant", f.now);
        push_attr(&mut c, "SessionIndex", f.ids.session_index);
        c.push_str("><saml:AuthnContext>");
        text(
            &mut c,
            "AuthnContextClassRef",
            &f.subject.authn_context_class_ref,
        );
        c.push_str("</saml:AuthnContext></saml:AuthnStatement>");
        if !f.subject.attributes.is_empty() {
            c.push_str("<saml:AttributeStatement>");
            for attribute in &f.subject.attributes {
                c.push_str("<saml:Attribute");
                if let Some(friendly) = &attribute.friendly_name {
                    push_attr(&mut c, "FriendlyName", friendly);
                }
                push_attr(&mut c, "Name", &attribute.name);
                if let Some(format) = &attribute.name_format {
                    push_attr(&mut c, "NameFormat", format);
                }
                c.push('>');
                for v in &attribute.values {
                    c.push_str(
                        "<saml:AttributeValue \
                         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                         xsi:type=\"xs:string\">",
                    );
                    push_canonical(&mut c, v, false);
                    c.push_str("</saml:AttributeValue>");
                }
                c.push_str("</saml:Attribute>");
            }
            c.push_str("</saml:AttributeStatement>");
        }
        c.push_str("</saml:Assertion>");
        let assertion_end = c.len();
        c.push_str("</samlp:Response>");
        CanonicalResponse {
            text: c,
            assertion: assertion_start..assertion_end,
            assertion_issuer_end,
        }
    }

    /// Signs the unencrypted Response `text` as [`SignTarget`] says, its digests taken over
    /// `canonical` (its exclusive canonical form, see
    /// [`canonical_response`](Self::canonical_response)): the Assertion's over the Assertion's
    /// bytes in it; the Response's over all of it with the Assertion's Signature, in its
    /// canonical form, where it goes. No parse. The Signatures go after each Issuer.
    fn sign_direct(
        &self,
        text: &IssuedText<'_>,
        canonical: &CanonicalResponse,
        ids: &Ids<'_>,
    ) -> Result<String, SamlError> {
        let signer = &self.signer;
        let algorithm = signer.digest_algorithm();
        let c = canonical.text.as_bytes();
        let (response_id, assertion_id) = (ids.response, ids.assertion);
        let first = match self.sign {
            SignTarget::Assertion | SignTarget::Both => {
                let assertion = c.get(canonical.assertion.clone()).unwrap_or_default();
                let digest = algorithm.digest(assertion);
                Some(
                    signer
                        .signature_over(assertion_id, digest.as_ref())
                        .map_err(SamlError::Signing)?,
                )
            }
            SignTarget::Response => None,
        };
        let second = match self.sign {
            SignTarget::Response | SignTarget::Both => {
                let mut context = algorithm.context();
                match &first {
                    Some(first) => {
                        // Fresh IDs are plain, so the canonical form is there.
                        let Some(inserted) = first.canonical_parts() else {
                            return Err(SamlError::Signing(
                                crate::dsig::DsigError::SignatureNotPlaced,
                            ));
                        };
                        let at = canonical.assertion_issuer_end;
                        context.update(c.get(..at).unwrap_or_default());
                        for part in inserted {
                            context.update(part.as_bytes());
                        }
                        context.update(c.get(at..).unwrap_or_default());
                    }
                    None => context.update(c),
                }
                Some(
                    signer
                        .signature_over(response_id, context.finish().as_ref())
                        .map_err(SamlError::Signing)?,
                )
            }
            SignTarget::Assertion => None,
        };
        let first = first.as_ref().map_or("", |s| s.text.as_str());
        let second = second.as_ref().map_or("", |s| s.text.as_str());
        let xml = text.xml;
        let (r, a) = (text.response_issuer_end, text.assertion_issuer_end);
        let mut out = String::with_capacity(xml.len() + first.len() + second.len());
        out.push_str(xml.get(..r).unwrap_or_default());
        out.push_str(second);
        out.push_str(xml.get(r..a).unwrap_or_default());
        out.push_str(first);
        out.push_str(xml.get(a..).unwrap_or_default());
        Ok(out)
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

/// The IDs of an issued Response.
#[derive(Clone, Copy, Debug)]
struct Ids<'a> {
    response: &'a str,
    assertion: &'a str,
    session_index: &'a str,
}

/// How [`IdentityProvider::issue_with_ids`] takes the digests of an unencrypted Response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigningPath {
    /// Over the canonical form written beside the text ([`IdentityProvider::sign_direct`]).
    Direct,
    /// By parsing the text and canonicalizing it ([`Signer::sign_nested`] and friends); the
    /// tests' reference for `Direct`.
    #[cfg_attr(not(test), allow(dead_code))]
    Parsed,
}

/// What the Response's text is made of, for [`IdentityProvider::canonical_response`].
struct Fields<'a> {
    sp: &'a SpPeer,
    subject: &'a Subject,
    request: Option<&'a ReceivedRequest>,
    ids: &'a Ids<'a>,
    now: &'a str,
    until: &'a str,
}

/// The unsigned Response's text and where the Signatures go in it.
struct IssuedText<'a> {
    xml: &'a str,
    /// Right after the Response's Issuer.
    response_issuer_end: usize,
    /// Right after the Assertion's Issuer.
    assertion_issuer_end: usize,
}

/// The exclusive canonical form of an unsigned, unencrypted Response.
struct CanonicalResponse {
    text: String,
    /// The Assertion's canonical form (its own, and as it lies in the Response's).
    assertion: std::ops::Range<usize>,
    /// Right after the Assertion's Issuer: where its Signature goes.
    assertion_issuer_end: usize,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Certificate, SigningKey};
    use crate::test_support::Mutator;
    use crate::xml::NodeId;
    use crate::xml::c14n::{self, Algorithm, Method};

    fn testdata(name: &str) -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/");
        std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn signer(key: &str) -> Signer {
        let (k, c) = (format!("{key}.pk8.pem"), format!("{key}.cert.pem"));
        Signer::new(
            SigningKey::from_pem(&testdata(&k), Some(&k)).unwrap(),
            Some(Certificate::from_pem(&testdata(&c), Some(&c)).unwrap()),
        )
    }

    /// A random string over an alphabet of what escaping and c14n treat specially: markup,
    /// quotes, whitespace, C0 controls, U+FFFE/U+FFFF, non-ASCII, references' own characters.
    fn value(m: &mut Mutator) -> String {
        const ALPHABET: &str = "a Z0&<>\"'\t\n\r\u{1}\u{1F}\u{7F}\u{85}é€\u{EFFF}\u{FFFD}\u{FFFE}\
                                \u{FFFF}\u{10000}\u{10FFFF};#x:/=]]>";
        let chars: Vec<char> = ALPHABET.chars().collect();
        let len = m.below(14);
        (0..len).map(|_| chars[m.below(chars.len())]).collect()
    }

    /// One generated case: IdP (by entity ID), SP, subject, request, session index.
    struct Case {
        idp: IdentityProvider,
        sp: SpPeer,
        subject: Subject,
        request: Option<ReceivedRequest>,
        session_index: String,
    }

    fn case(m: &mut Mutator, signer: Signer, sign: SignTarget) -> Case {
        let idp = IdentityProvider::new(value(m), "https://idp.example.com/sso", signer)
            .with_sign_target(sign);
        let sp = danger::unsigned_requests(value(m), value(m));
        let mut subject = Subject::new(value(m)).with_format(value(m));
        subject.authn_context_class_ref = value(m);
        for _ in 0..m.below(5) {
            let mut a = Attribute::new(value(m), (0..m.below(4)).map(|_| value(m)).collect());
            if m.below(2) == 0 {
                a.name_format = None;
            }
            if m.below(2) == 0 {
                a.friendly_name = Some(value(m));
            }
            subject = subject.with(a);
        }
        let request = (m.below(2) == 0).then(|| ReceivedRequest {
            id: value(m),
            issuer: String::new(),
            signed: false,
            force_authn: false,
            is_passive: false,
            name_id_format: None,
            relay_state: None,
        });
        Case {
            idp,
            sp,
            subject,
            request,
            session_index: value(m),
        }
    }

    fn now() -> DateTime {
        parse_xs_datetime("2026-12-06T06:00:00Z").unwrap()
    }

    fn exclusive(doc: &Document<'_>, node: NodeId, method: &Method<'_>) -> String {
        String::from_utf8(c14n::to_vec(doc, Some(node), None, method).unwrap()).unwrap()
    }

    /// The condition under which the exclusive canonical form of `inner` inside that of
    /// `outer` (an ancestor) equals `inner`'s own, with `listed` as the InclusiveNamespaces
    /// prefix list of the outer canonicalization (none for the inner one): no prefix that an
    /// output ancestor of `inner` may render (one visibly used on the path from `outer` to
    /// `inner`'s parent, `""` for an unprefixed element, or one listed and in scope at `outer`)
    /// is visibly used in `inner`'s subtree (`""` for unprefixed elements).
    fn embedded_equals_own(
        doc: &Document<'_>,
        outer: NodeId,
        inner: NodeId,
        listed: &[&str],
    ) -> bool {
        let used = |n: NodeId| {
            std::iter::once(doc.prefix(n).to_owned()).chain(
                doc.attributes(n)
                    .filter(|a| !a.prefix.is_empty() && a.prefix != "xml")
                    .map(|a| a.prefix.to_owned()),
            )
        };
        let mut rendered: Vec<String> = listed.iter().map(|p| (*p).to_owned()).collect();
        let mut n = doc.parent(inner);
        while let Some(a) = n {
            rendered.extend(used(a));
            if a == outer {
                break;
            }
            n = doc.parent(a);
        }
        doc.descendants(inner)
            .filter(|&d| doc.is_element(d))
            .chain(std::iter::once(inner))
            .flat_map(used)
            .all(|p| !rendered.contains(&p))
    }

    /// The canonical form written beside the text is, byte for byte, what the canonicalizer
    /// makes of the parsed text, for the Response and for the Assertion, which lies in it
    /// whole; and the namespace condition that makes the latter hold is met.
    #[test]
    fn canonical_form_written_beside_the_text_is_the_canonicalizers() {
        let method = Method::new(Algorithm::Exclusive, false);
        let mut m = Mutator::new(17);
        for i in 0..400 {
            let c = case(&mut m, signer("ed25519"), SignTarget::Both);
            let ids = Ids {
                response: "_r1",
                assertion: "_a1",
                session_index: &c.session_index,
            };
            let (now, until) = (now().to_string(), plus(now(), 300).to_string());
            let fields = Fields {
                sp: &c.sp,
                subject: &c.subject,
                request: c.request.as_ref(),
                ids: &ids,
                now: &now,
                until: &until,
            };
            let (xml, response_issuer_end, assertion_issuer_end) =
                c.idp.response_text(&fields).unwrap();
            let canonical = c.idp.canonical_response(&fields);
            let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{i}: {e}\n{xml}"));
            let response = doc.root_element();
            let IdLookup::Unique(assertion) = doc.element_by_id("_a1") else {
                panic!("{i}");
            };
            assert_eq!(canonical.text, exclusive(&doc, response, &method), "{i}");
            assert_eq!(
                &canonical.text[canonical.assertion.clone()],
                exclusive(&doc, assertion, &method),
                "{i}"
            );
            assert!(embedded_equals_own(&doc, response, assertion, &[]), "{i}");
            // The Signatures' places: right after each Issuer, in the text and in the
            // canonical form.
            let issuers: Vec<_> = doc
                .descendants(response)
                .filter(|&n| doc.is(n, ASSERTION_NS, "Issuer"))
                .collect();
            assert_eq!(doc.span(issuers[0]).end, response_issuer_end, "{i}");
            assert_eq!(doc.span(issuers[1]).end, assertion_issuer_end, "{i}");
            assert!(
                canonical.text[..canonical.assertion_issuer_end].ends_with("</saml:Issuer>")
                    && canonical.text[canonical.assertion.start..canonical.assertion_issuer_end]
                        .matches("</saml:Issuer>")
                        .count()
                        == 1,
                "{i}"
            );
        }
    }

    /// Where the condition does not hold, the Assertion's form inside the Response's differs
    /// from its own, as the canonicalizer shows: a prefix the Response renders used in the
    /// Assertion, a default namespace, an InclusiveNamespaces prefix list. Where it holds, the
    /// two agree.
    #[test]
    fn embedded_form_condition_holds_exactly_where_tested() {
        let p = PROTOCOL_NS;
        let a = ASSERTION_NS;
        let cases: [(&str, &str, &[&str], bool); 5] = [
            (
                "holds",
                &format!(
                    "<samlp:Response xmlns:samlp=\"{p}\" xmlns:saml=\"{a}\" ID=\"_r\">\
                     <saml:Issuer>i</saml:Issuer><saml:Assertion ID=\"_a\">\
                     <saml:Issuer>i</saml:Issuer></saml:Assertion></samlp:Response>"
                ),
                &[],
                true,
            ),
            (
                "prefix rendered on the Response, used in the Assertion",
                &format!(
                    "<samlp:Response xmlns:samlp=\"{p}\" xmlns:saml=\"{a}\" ID=\"_r\">\
                     <saml:Assertion ID=\"_a\"><samlp:Extensions/></saml:Assertion>\
                     </samlp:Response>"
                ),
                &[],
                false,
            ),
            (
                "attribute prefix rendered on the Response, used in the Assertion",
                &format!(
                    "<samlp:Response xmlns:samlp=\"{p}\" xmlns:saml=\"{a}\" xmlns:x=\"urn:x\" \
                     x:y=\"1\" ID=\"_r\"><saml:Assertion ID=\"_a\" x:z=\"2\"/></samlp:Response>"
                ),
                &[],
                false,
            ),
            (
                "default namespace",
                &format!(
                    "<Response xmlns=\"{p}\" xmlns:saml=\"{a}\" ID=\"_r\">\
                     <saml:Assertion ID=\"_a\"><Extensions/></saml:Assertion></Response>"
                ),
                &[],
                false,
            ),
            (
                "InclusiveNamespaces",
                &format!(
                    "<samlp:Response xmlns:samlp=\"{p}\" xmlns:saml=\"{a}\" ID=\"_r\">\
                     <saml:Assertion ID=\"_a\"><saml:Issuer>i</saml:Issuer></saml:Assertion>\
                     </samlp:Response>"
                ),
                &["saml"],
                false,
            ),
        ];
        for (name, xml, listed, holds) in cases {
            let doc = Document::parse(xml).unwrap();
            let response = doc.root_element();
            let IdLookup::Unique(assertion) = doc.element_by_id("_a") else {
                panic!("{name}");
            };
            assert_eq!(
                embedded_equals_own(&doc, response, assertion, listed),
                holds,
                "{name}"
            );
            let outer_method = Method::new(Algorithm::Exclusive, false)
                .with_inclusive_prefixes(listed.iter().copied());
            let whole = exclusive(&doc, response, &outer_method);
            let own = exclusive(&doc, assertion, &Method::new(Algorithm::Exclusive, false));
            assert_eq!(whole.contains(&own), holds, "{name}: {whole}\n{own}");
        }
    }

    /// Signing over the canonical form written beside the text gives, byte for byte, what
    /// parsing the text and canonicalizing it gives (RSA PKCS#1 v1.5 and Ed25519 signatures are
    /// deterministic), for every sign target, on generated Responses.
    #[test]
    fn direct_signing_equals_the_parsing_path() {
        let mut m = Mutator::new(23);
        for key in ["rsa2048", "ed25519"] {
            for sign in [
                SignTarget::Both,
                SignTarget::Assertion,
                SignTarget::Response,
            ] {
                for i in 0..25 {
                    let c = case(&mut m, signer(key), sign);
                    let ids = Ids {
                        response: "_r1",
                        assertion: "_a1",
                        session_index: &c.session_index,
                    };
                    let issue = |path| {
                        c.idp
                            .issue_with_ids(
                                &c.sp,
                                &c.subject,
                                c.request.as_ref(),
                                &ids,
                                now(),
                                path,
                            )
                            .unwrap()
                    };
                    assert_eq!(
                        issue(SigningPath::Direct),
                        issue(SigningPath::Parsed),
                        "{key} {sign:?} {i}"
                    );
                }
            }
        }
    }

    /// With ECDSA (randomized), both signatures of a directly signed Response verify.
    #[test]
    fn direct_ecdsa_signatures_verify() {
        use crate::crypto::TrustAnchor;
        let anchor = TrustAnchor::from_any(&testdata("p256.cert.pem"), None).unwrap();
        let verifier = Verifier::new(vec![anchor], AlgorithmPolicy::default());
        let mut m = Mutator::new(29);
        for i in 0..20 {
            let c = case(&mut m, signer("p256"), SignTarget::Both);
            let signed = c
                .idp
                .issue_with_session_index(&c.sp, &c.subject, c.request.as_ref(), "s", now())
                .unwrap();
            let doc = Document::parse(&signed).unwrap();
            let response = doc.root_element();
            let assertion = doc
                .element_children(response)
                .find(|&n| doc.is(n, ASSERTION_NS, "Assertion"))
                .unwrap();
            for n in [response, assertion] {
                verifier
                    .verify_element(&doc, n)
                    .unwrap_or_else(|e| panic!("{i}: {e}"));
            }
        }
    }
}
