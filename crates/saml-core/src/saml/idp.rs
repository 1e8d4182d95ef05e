//! Identity-provider side: verify AuthnRequests arriving by HTTP-POST or HTTP-Redirect, and
//! issue signed Responses (SP-initiated or IdP-initiated with a RelayState).
//!
//! It owns the IdP's checks on incoming AuthnRequests (signature by the SP's pinned keys,
//! Issuer, Destination, ACS URL, time) and the text of issued Responses. It does not parse
//! query strings (that is `binding::RedirectQuery`), verify signatures itself (`dsig`), or keep
//! any state: sessions and logout are the application's.

use std::fmt::Write as _;
use std::time::Duration;

use super::error::SamlError;
use super::message::{escape, new_id, plus};
use super::sp::{check_not_future, check_window};
use super::{ASSERTION_NS, Attribute, BEARER, PROTOCOL_NS, STATUS_SUCCESS};
use crate::binding;
use crate::crypto::{AlgorithmPolicy, TrustAnchor};
use crate::dsig::redirect;
use crate::dsig::{Signer, Verifier};
use crate::settings::SettingsError;
use crate::time::{Instant, parse_xs_datetime};
use crate::xml::{Document, Limits, trim_xml};

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

/// A service provider as the IdP knows it (from its metadata).
#[derive(Clone, Debug)]
pub struct SpPeer {
    entity_id: String,
    acs_url: String,
    authn_requests_signed: bool,
    certificates: Vec<TrustAnchor>,
    algorithm_policy: AlgorithmPolicy,
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
        })
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
        }
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
        }
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
        now: Instant,
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
        now: Instant,
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
        now: Instant,
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
    /// or unsolicited (IdP-initiated) when `request` is `None`.
    pub fn issue(
        &self,
        sp: &SpPeer,
        subject: &Subject,
        request: Option<&ReceivedRequest>,
        now: Instant,
    ) -> Result<String, SamlError> {
        let response_id = new_id().map_err(|_| SamlError::Randomness)?;
        let assertion_id = new_id().map_err(|_| SamlError::Randomness)?;
        let session_index = new_id().map_err(|_| SamlError::Randomness)?;
        let lifetime = i64::try_from(self.assertion_lifetime.as_secs()).unwrap_or(300);
        let until = plus(now, lifetime);
        let irt = request
            .map(|r| format!(" InResponseTo=\"{}\"", escape(&r.id)))
            .unwrap_or_default();
        let issuer = escape(&self.entity_id);
        let acs = escape(&sp.acs_url);
        let mut x = String::with_capacity(4096);
        let _ = write!(
            x,
            "<samlp:Response xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" \
             ID=\"{response_id}\" Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{acs}\"{irt}>\
             <saml:Issuer>{issuer}</saml:Issuer>\
             <samlp:Status><samlp:StatusCode Value=\"{STATUS_SUCCESS}\"/></samlp:Status>\
             <saml:Assertion ID=\"{assertion_id}\" Version=\"2.0\" IssueInstant=\"{now}\">\
             <saml:Issuer>{issuer}</saml:Issuer>\
             <saml:Subject><saml:NameID Format=\"{format}\">{name_id}</saml:NameID>\
             <saml:SubjectConfirmation Method=\"{BEARER}\">\
             <saml:SubjectConfirmationData Recipient=\"{acs}\" NotOnOrAfter=\"{until}\"{irt}/>\
             </saml:SubjectConfirmation></saml:Subject>\
             <saml:Conditions NotBefore=\"{now}\" NotOnOrAfter=\"{until}\">\
             <saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience>\
             </saml:AudienceRestriction></saml:Conditions>\
             <saml:AuthnStatement AuthnInstant=\"{now}\" SessionIndex=\"{session_index}\">\
             <saml:AuthnContext><saml:AuthnContextClassRef>{class}</saml:AuthnContextClassRef>\
             </saml:AuthnContext></saml:AuthnStatement>",
            format = escape(&subject.name_id_format),
            name_id = escape(&subject.name_id),
            audience = escape(&sp.entity_id),
            class = escape(&subject.authn_context_class_ref),
        );
        if !subject.attributes.is_empty() {
            x.push_str("<saml:AttributeStatement>");
            for attribute in &subject.attributes {
                let _ = write!(x, "<saml:Attribute Name=\"{}\"", escape(&attribute.name));
                if let Some(format) = &attribute.name_format {
                    let _ = write!(x, " NameFormat=\"{}\"", escape(format));
                }
                if let Some(friendly) = &attribute.friendly_name {
                    let _ = write!(x, " FriendlyName=\"{}\"", escape(friendly));
                }
                x.push('>');
                for v in &attribute.values {
                    let _ = write!(
                        x,
                        "<saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" \
                         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                         xsi:type=\"xs:string\">{}</saml:AttributeValue>",
                        escape(v)
                    );
                }
                x.push_str("</saml:Attribute>");
            }
            x.push_str("</saml:AttributeStatement>");
        }
        x.push_str("</saml:Assertion></samlp:Response>");

        let signed = match self.sign {
            SignTarget::Assertion => self.signer.sign_element(&x, &assertion_id),
            SignTarget::Response => self.signer.sign_element(&x, &response_id),
            SignTarget::Both => self
                .signer
                .sign_element(&x, &assertion_id)
                .and_then(|once| self.signer.sign_element(&once, &response_id)),
        };
        signed.map_err(SamlError::Signing)
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

fn sig_err(element: &'static str, source: crate::dsig::DsigError) -> SamlError {
    SamlError::Signature { element, source }
}
