//! Service-provider side: validate a Response against [`IdpSettings`] and [`SpSettings`] and
//! produce a [`VerifiedAssertion`].
//!
//! Order of checks: parse → locate the one Assertion by position (a direct child of the
//! document element) → verify every signature present (Response, then Assertion) → the
//! signature scope → Status → Issuers → Destination → Conditions (time, audience) → bearer
//! SubjectConfirmation (Recipient, NotOnOrAfter, InResponseTo) → AuthnStatement → replay.
//! Data is read only from the Assertion that a verified signature covers (a private `Covered`
//! proof built from the signature's [`Verified`] token).

use std::borrow::Cow;

use super::error::SamlError;
use super::replay::{ReplayCache, ReplayOutcome, RequestStore};
use super::{ASSERTION_NS, PROTOCOL_NS, STATUS_SUCCESS};
use crate::dsig::{DsigError, Verified, Verifier};
use crate::settings::{IdpSettings, SignatureScope, SpSettings};
use crate::time::{Instant, parse_xs_datetime};
use crate::xml::{Document, Limits, NodeId};

/// How `InResponseTo` is checked.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Solicitation<'a> {
    /// The Response must answer exactly this AuthnRequest ID.
    Expect(&'a str),
    /// The Response must answer one of these outstanding requests (consumed on success), or,
    /// if [`SpSettings::allow_unsolicited`], answer none.
    Outstanding(&'a dyn RequestStore),
    /// Solicited and unsolicited responses are both accepted; the caller inspects
    /// [`VerifiedAssertion::in_response_to`]. This is what `saml-verify verify` does without
    /// `--in-response-to`.
    NotTracked,
}

impl std::fmt::Debug for Solicitation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Expect(id) => write!(f, "Expect({id:?})"),
            Self::Outstanding(_) => f.write_str("Outstanding(..)"),
            Self::NotTracked => f.write_str("NotTracked"),
        }
    }
}

/// Which element carried a verified signature of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignedElement {
    /// The Response.
    Response,
    /// The Assertion.
    Assertion,
}

impl SignedElement {
    /// `"response"` or `"assertion"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Response => "response",
            Self::Assertion => "assertion",
        }
    }
}

/// The subject's name identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NameId {
    /// The value (the whole text content; comments never truncate it).
    pub value: String,
    /// The Format attribute.
    pub format: Option<String>,
    /// The SPNameQualifier attribute.
    pub sp_name_qualifier: Option<String>,
    /// The NameQualifier attribute.
    pub name_qualifier: Option<String>,
}

/// One SAML attribute with all its values, in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attribute {
    /// The Name.
    pub name: String,
    /// The NameFormat, if any.
    pub name_format: Option<String>,
    /// The FriendlyName, if any.
    pub friendly_name: Option<String>,
    /// The values (text content of each AttributeValue).
    pub values: Vec<String>,
}

/// A validated assertion: plain owned data, read only from signed nodes. It has no public
/// constructor and no `Default`: the only way to get one is [`ServiceProvider::validate`].
#[derive(Clone, Debug)]
pub struct VerifiedAssertion {
    issuer: String,
    assertion_id: String,
    name_id: NameId,
    session_index: Option<String>,
    authn_instant: Option<Instant>,
    authn_context_class_ref: Option<String>,
    not_before: Option<Instant>,
    not_on_or_after: Option<Instant>,
    attributes: Vec<Attribute>,
    signed: Vec<SignedElement>,
    in_response_to: Option<String>,
}

impl VerifiedAssertion {
    /// The Issuer (equal to the configured IdP Issuer URI).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The Assertion's ID.
    pub fn assertion_id(&self) -> &str {
        &self.assertion_id
    }

    /// The subject's NameID.
    pub fn name_id(&self) -> &NameId {
        &self.name_id
    }

    /// The AuthnStatement's SessionIndex.
    pub fn session_index(&self) -> Option<&str> {
        self.session_index.as_deref()
    }

    /// The AuthnStatement's AuthnInstant.
    pub fn authn_instant(&self) -> Option<Instant> {
        self.authn_instant
    }

    /// The AuthnContextClassRef.
    pub fn authn_context_class_ref(&self) -> Option<&str> {
        self.authn_context_class_ref.as_deref()
    }

    /// Conditions/@NotBefore.
    pub fn not_before(&self) -> Option<Instant> {
        self.not_before
    }

    /// Conditions/@NotOnOrAfter.
    pub fn not_on_or_after(&self) -> Option<Instant> {
        self.not_on_or_after
    }

    /// The attributes, in document order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The values of the first attribute with this Name.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
    }

    /// The elements that carried their own verified signature. An Assertion inside a signed
    /// Response is covered by that signature but is listed only if it has its own.
    pub fn signed(&self) -> &[SignedElement] {
        &self.signed
    }

    /// The InResponseTo the Response answered, if any.
    pub fn in_response_to(&self) -> Option<&str> {
        self.in_response_to.as_deref()
    }
}

/// Proof that an Assertion node is covered by a verified signature (its own, or the
/// enclosing Response's). Only this module can make one, after checking
/// [`Verified::covers`].
struct Covered<'d, 'a> {
    doc: &'d Document<'a>,
    assertion: NodeId,
}

impl<'d, 'a> Covered<'d, 'a> {
    fn new(verified: &Verified<'d, 'a>, assertion: NodeId) -> Option<Self> {
        verified.covers(assertion).then_some(Self {
            doc: verified.document(),
            assertion,
        })
    }

    /// A node inside the covered assertion (checked, so a bug elsewhere cannot make us read
    /// outside what was signed).
    fn child(&self, parent: NodeId, local: &str) -> Option<NodeId> {
        debug_assert!(self.doc.is_inside(parent, self.assertion));
        self.doc
            .element_children(parent)
            .find(|&c| self.doc.is(c, ASSERTION_NS, local))
    }

    fn children<'s>(&'s self, parent: NodeId, local: &'s str) -> impl Iterator<Item = NodeId> + 's {
        self.doc
            .element_children(parent)
            .filter(move |&c| self.doc.is(c, ASSERTION_NS, local))
    }

    fn attr(&self, node: NodeId, name: &str) -> Option<&'d str> {
        self.doc.attribute(node, name)
    }

    fn text(&self, node: NodeId) -> Cow<'d, str> {
        self.doc.text(node)
    }
}

/// Validates Responses for one IdP–SP pair. Build it once: keys are parsed when the settings
/// are built. It is `Send + Sync` and takes no lock; the replay cache and request store are
/// passed per call.
#[derive(Debug)]
pub struct ServiceProvider {
    idp: IdpSettings,
    sp: SpSettings,
    verifier: Verifier,
    limits: Limits,
}

fn time_attr(doc: &Document<'_>, node: NodeId, name: &str) -> Result<Option<Instant>, SamlError> {
    match doc.attribute(node, name) {
        None => Ok(None),
        Some(v) => parse_xs_datetime(v).map(Some).map_err(|e| {
            SamlError::Malformed(format!(
                "`{}/@{name}` is not a valid xs:dateTime: {e}",
                doc.local_name(node)
            ))
        }),
    }
}

impl ServiceProvider {
    /// A service provider for these settings.
    pub fn new(idp: IdpSettings, mut sp: SpSettings) -> Self {
        sp.signer = sp
            .signer
            .take()
            .map(|s| s.with_algorithm(idp.request_signature_algorithm));
        let verifier = Verifier::new(
            idp.signing_certificates.clone(),
            idp.algorithm_policy.clone(),
        );
        Self {
            idp,
            sp,
            verifier,
            limits: Limits::default(),
        }
    }

    /// Sets the XML parser limits. Default: [`Limits::default`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The IdP settings.
    pub fn idp(&self) -> &IdpSettings {
        &self.idp
    }

    /// The SP settings.
    pub fn sp(&self) -> &SpSettings {
        &self.sp
    }

    fn skew(&self) -> i64 {
        i64::try_from(self.idp.max_clock_skew.as_secs()).unwrap_or(i64::MAX)
    }

    /// Validates a decoded Response (XML bytes) at `now`.
    pub fn validate(
        &self,
        xml: &[u8],
        now: Instant,
        solicitation: Solicitation<'_>,
        replay: &dyn ReplayCache,
    ) -> Result<VerifiedAssertion, SamlError> {
        let doc = Document::parse_bytes(xml, &self.limits)?;
        let result = self.validate_document(&doc, now, solicitation, replay);
        // The result owns its strings; the arena can serve the next Response on this thread.
        doc.recycle();
        result
    }

    /// Validates an already parsed Response.
    pub fn validate_document(
        &self,
        doc: &Document<'_>,
        now: Instant,
        solicitation: Solicitation<'_>,
        replay: &dyn ReplayCache,
    ) -> Result<VerifiedAssertion, SamlError> {
        let response = doc.root_element();
        if !doc.is(response, PROTOCOL_NS, "Response") {
            return Err(SamlError::NotAResponse {
                found: format!(
                    "{{{}}}{}",
                    doc.namespace(response),
                    doc.local_name(response)
                ),
            });
        }
        let assertion = locate_assertion(doc, response)?;

        // Every signature present must verify, the Response's first.
        let response_sig =
            Verifier::signature_of(doc, response).map_err(|e| sig_err("Response", e))?;
        let response_verified = match response_sig {
            Some(s) => Some(
                self.verifier
                    .verify(doc, s)
                    .map_err(|e| sig_err("Response", e))?,
            ),
            None => None,
        };
        let assertion = match assertion {
            Located::Plain(a) => a,
            Located::Encrypted => {
                self.check_scope(response_verified.is_some(), false, true)?;
                return Err(SamlError::EncryptedAssertionUnsupported);
            }
        };
        let assertion_sig =
            Verifier::signature_of(doc, assertion).map_err(|e| sig_err("Assertion", e))?;
        let assertion_verified = match assertion_sig {
            Some(s) => Some(
                self.verifier
                    .verify(doc, s)
                    .map_err(|e| sig_err("Assertion", e))?,
            ),
            None => None,
        };
        self.check_scope(
            response_verified.is_some(),
            assertion_verified.is_some(),
            false,
        )?;
        let covered = assertion_verified
            .as_ref()
            .or(response_verified.as_ref())
            .and_then(|v| Covered::new(v, assertion))
            .ok_or_else(|| SamlError::SignatureScope {
                scope: self.idp.response_signature_scope.name(),
                missing: "no verified signature covers the Assertion".into(),
            })?;
        let mut signed = Vec::with_capacity(2);
        if response_verified.is_some() {
            signed.push(super::sp::SignedElement::Response);
        }
        if assertion_verified.is_some() {
            signed.push(SignedElement::Assertion);
        }

        self.check_status(doc, response)?;
        let skew = self.skew();

        // Issuers.
        if let Some(issuer) = doc
            .element_children(response)
            .find(|&c| doc.is(c, ASSERTION_NS, "Issuer"))
        {
            let found = doc.text(issuer);
            if found != self.idp.issuer {
                return Err(SamlError::IssuerMismatch {
                    element: "Response",
                    expected: self.idp.issuer.clone(),
                    found: Some(found.into_owned()),
                });
            }
        }
        let issuer = covered
            .child(assertion, "Issuer")
            .map(|i| covered.text(i).into_owned());
        if issuer.as_deref() != Some(self.idp.issuer.as_str()) {
            return Err(SamlError::IssuerMismatch {
                element: "Assertion",
                expected: self.idp.issuer.clone(),
                found: issuer,
            });
        }

        // Destination: when present it must be the ACS URL; a signed Response must carry it.
        match doc.attribute(response, "Destination") {
            Some(dest) if dest != self.sp.acs_url => {
                return Err(SamlError::DestinationMismatch {
                    expected: self.sp.acs_url.clone(),
                    found: dest.to_owned(),
                });
            }
            None if response_verified.is_some() => {
                return Err(SamlError::MissingDestination {
                    expected: self.sp.acs_url.clone(),
                });
            }
            _ => {}
        }

        // Conditions.
        let conditions = covered.child(assertion, "Conditions").ok_or_else(|| {
            SamlError::MissingAudienceRestriction {
                expected: self.sp.entity_id.clone(),
            }
        })?;
        let not_before = time_attr(doc, conditions, "NotBefore")?;
        let not_on_or_after = time_attr(doc, conditions, "NotOnOrAfter")?;
        check_window("Conditions", not_before, not_on_or_after, now, skew)?;
        if let Some(issued) = time_attr(doc, response, "IssueInstant")? {
            check_not_future("Response", issued, now, skew)?;
        }
        if let Some(issued) = time_attr(doc, assertion, "IssueInstant")? {
            check_not_future("Assertion", issued, now, skew)?;
        }
        let mut restrictions = 0;
        for r in covered.children(conditions, "AudienceRestriction") {
            restrictions += 1;
            let audiences: Vec<String> = covered
                .children(r, "Audience")
                .map(|a| covered.text(a).trim().to_owned())
                .collect();
            if !audiences.contains(&self.sp.entity_id) {
                return Err(SamlError::AudienceMismatch {
                    expected: self.sp.entity_id.clone(),
                    found: audiences,
                });
            }
        }
        if restrictions == 0 {
            return Err(SamlError::MissingAudienceRestriction {
                expected: self.sp.entity_id.clone(),
            });
        }

        // Subject and bearer confirmation.
        let subject = covered
            .child(assertion, "Subject")
            .ok_or_else(|| SamlError::Malformed("the Assertion has no Subject".into()))?;
        let name_id = covered
            .child(subject, "NameID")
            .ok_or_else(|| SamlError::Malformed("the Subject has no NameID".into()))?;
        let response_irt = doc.attribute(response, "InResponseTo");
        let bearer_irt = self.check_bearer(&covered, subject, now, skew)?;
        if let (Some(r), Some(b)) = (response_irt, bearer_irt)
            && r != b
        {
            return Err(SamlError::InResponseToMismatch {
                element: "SubjectConfirmationData",
                expected: r.to_owned(),
                found: b.to_owned(),
            });
        }
        let in_response_to = response_irt.or(bearer_irt);
        self.check_solicitation(in_response_to, solicitation, now)?;

        // AuthnStatement.
        let authn = covered
            .child(assertion, "AuthnStatement")
            .ok_or_else(|| SamlError::Malformed("the Assertion has no AuthnStatement".into()))?;
        let authn_context_class_ref = covered
            .child(authn, "AuthnContext")
            .and_then(|c| covered.child(c, "AuthnContextClassRef"))
            .map(|r| covered.text(r).trim().to_owned());

        let mut attributes = Vec::new();
        for statement in covered.children(assertion, "AttributeStatement") {
            for a in covered.children(statement, "Attribute") {
                attributes.push(Attribute {
                    name: covered.attr(a, "Name").unwrap_or_default().to_owned(),
                    name_format: covered.attr(a, "NameFormat").map(str::to_owned),
                    friendly_name: covered.attr(a, "FriendlyName").map(str::to_owned),
                    values: covered
                        .children(a, "AttributeValue")
                        .map(|v| covered.text(v).into_owned())
                        .collect(),
                });
            }
        }

        let assertion_id = covered
            .attr(assertion, "ID")
            .ok_or_else(|| SamlError::Malformed("the Assertion has no ID".into()))?
            .to_owned();
        let result = VerifiedAssertion {
            issuer: self.idp.issuer.clone(),
            name_id: NameId {
                value: covered.text(name_id).into_owned(),
                format: covered.attr(name_id, "Format").map(str::to_owned),
                sp_name_qualifier: covered.attr(name_id, "SPNameQualifier").map(str::to_owned),
                name_qualifier: covered.attr(name_id, "NameQualifier").map(str::to_owned),
            },
            session_index: covered.attr(authn, "SessionIndex").map(str::to_owned),
            authn_instant: time_attr(doc, authn, "AuthnInstant")?,
            authn_context_class_ref,
            not_before,
            not_on_or_after,
            attributes,
            signed,
            in_response_to: in_response_to.map(str::to_owned),
            assertion_id,
        };

        // Replay last, so rejected responses never fill the cache. Kept until the assertion
        // can no longer be accepted anywhere: its latest NotOnOrAfter plus the skew.
        let expires = not_on_or_after
            .unwrap_or(now)
            .checked_add_seconds(skew.saturating_add(300))
            .unwrap_or(now);
        let key = format!("{}\u{1f}{}", self.idp.issuer, result.assertion_id);
        match replay.check_and_insert(&key, expires, now) {
            ReplayOutcome::Fresh => Ok(result),
            ReplayOutcome::Replayed => Err(SamlError::Replay {
                assertion_id: result.assertion_id,
            }),
            ReplayOutcome::Full { capacity } => Err(SamlError::ReplayCacheFull { capacity }),
        }
    }

    fn check_scope(
        &self,
        response: bool,
        assertion: bool,
        encrypted: bool,
    ) -> Result<(), SamlError> {
        let scope = self.idp.response_signature_scope;
        let missing = match scope {
            SignatureScope::Response if !response => Some("the Response is not signed"),
            SignatureScope::Assertion if !assertion && !encrypted => {
                Some("the Assertion is not signed")
            }
            SignatureScope::Both if !response => Some("the Response is not signed"),
            SignatureScope::Both if !assertion && !encrypted => Some("the Assertion is not signed"),
            SignatureScope::Either if !response && !assertion && !encrypted => {
                Some("neither the Response nor the Assertion is signed")
            }
            _ => None,
        };
        match missing {
            Some(m) => Err(SamlError::SignatureScope {
                scope: scope.name(),
                missing: m.into(),
            }),
            None => Ok(()),
        }
    }

    fn check_status(&self, doc: &Document<'_>, response: NodeId) -> Result<(), SamlError> {
        let status = doc
            .element_children(response)
            .find(|&c| doc.is(c, PROTOCOL_NS, "Status"))
            .ok_or_else(|| SamlError::Malformed("the Response has no Status".into()))?;
        let mut codes = Vec::new();
        let mut cur = doc
            .element_children(status)
            .find(|&c| doc.is(c, PROTOCOL_NS, "StatusCode"));
        while let Some(code) = cur {
            codes.push(doc.attribute(code, "Value").unwrap_or_default().to_owned());
            cur = doc
                .element_children(code)
                .find(|&c| doc.is(c, PROTOCOL_NS, "StatusCode"));
        }
        if codes.first().map(String::as_str) == Some(STATUS_SUCCESS) {
            return Ok(());
        }
        let message = doc
            .element_children(status)
            .find(|&c| doc.is(c, PROTOCOL_NS, "StatusMessage"))
            .map(|m| doc.text(m).into_owned());
        if codes.is_empty() {
            codes.push("(no StatusCode)".into());
        }
        Err(SamlError::Status { codes, message })
    }

    /// Finds a bearer SubjectConfirmation that satisfies Recipient and NotOnOrAfter; returns
    /// its InResponseTo. Other confirmations are ignored, not merged.
    fn check_bearer<'d>(
        &self,
        covered: &Covered<'d, '_>,
        subject: NodeId,
        now: Instant,
        skew: i64,
    ) -> Result<Option<&'d str>, SamlError> {
        let doc = covered.doc;
        let mut first_error: Option<SamlError> = None;
        let mut bearers = 0;
        for sc in covered.children(subject, "SubjectConfirmation") {
            if covered.attr(sc, "Method") != Some(super::BEARER) {
                continue;
            }
            bearers += 1;
            let outcome = (|| {
                let data = covered
                    .child(sc, "SubjectConfirmationData")
                    .ok_or_else(|| {
                        SamlError::NoBearerConfirmation("it has no SubjectConfirmationData".into())
                    })?;
                let recipient = covered.attr(data, "Recipient");
                if recipient != Some(self.sp.acs_url.as_str()) {
                    return Err(SamlError::RecipientMismatch {
                        expected: self.sp.acs_url.clone(),
                        found: recipient.map(str::to_owned),
                    });
                }
                // Profiles §4.1.4.2 forbids NotBefore here, but real IdPs (SecureWorks) send
                // it; it can only narrow the window, so it is enforced rather than refused.
                let not_before = time_attr(doc, data, "NotBefore")?;
                let not_on_or_after = time_attr(doc, data, "NotOnOrAfter")?.ok_or_else(|| {
                    SamlError::NoBearerConfirmation(
                        "SubjectConfirmationData has no NotOnOrAfter".into(),
                    )
                })?;
                check_window(
                    "SubjectConfirmationData",
                    not_before,
                    Some(not_on_or_after),
                    now,
                    skew,
                )?;
                Ok(covered.attr(data, "InResponseTo"))
            })();
            match outcome {
                Ok(irt) => return Ok(irt),
                Err(e) => {
                    if first_error.is_none() {
                        first_error = Some(e);
                    }
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            SamlError::NoBearerConfirmation(format!(
                "the Subject has {bearers} bearer SubjectConfirmation (Method `{}`)",
                super::BEARER
            ))
        }))
    }

    fn check_solicitation(
        &self,
        in_response_to: Option<&str>,
        solicitation: Solicitation<'_>,
        now: Instant,
    ) -> Result<(), SamlError> {
        match (solicitation, in_response_to) {
            (Solicitation::NotTracked, _) => Ok(()),
            (Solicitation::Expect(expected), Some(found)) if found == expected => Ok(()),
            (Solicitation::Expect(expected), Some(found)) => Err(SamlError::InResponseToMismatch {
                element: "Response",
                expected: expected.to_owned(),
                found: found.to_owned(),
            }),
            (Solicitation::Expect(expected), None) => Err(SamlError::Unsolicited {
                expected: Some(expected.to_owned()),
            }),
            (Solicitation::Outstanding(store), Some(found)) => {
                if store.take(found, now) {
                    Ok(())
                } else {
                    Err(SamlError::UnknownInResponseTo {
                        found: found.to_owned(),
                    })
                }
            }
            (Solicitation::Outstanding(_), None) if self.sp.allow_unsolicited => Ok(()),
            (Solicitation::Outstanding(_), None) => Err(SamlError::Unsolicited { expected: None }),
        }
    }
}

fn sig_err(element: &'static str, source: DsigError) -> SamlError {
    SamlError::Signature { element, source }
}

enum Located {
    Plain(NodeId),
    Encrypted,
}

/// The one Assertion or EncryptedAssertion, a direct child of the Response. Any other
/// Assertion anywhere in the document (in Extensions, in a Signature, nested) is refused.
fn locate_assertion(doc: &Document<'_>, response: NodeId) -> Result<Located, SamlError> {
    let mut direct: Option<Located> = None;
    let mut count = 0;
    for c in doc.element_children(response) {
        if doc.is(c, ASSERTION_NS, "Assertion") {
            count += 1;
            direct = Some(Located::Plain(c));
        } else if doc.is(c, ASSERTION_NS, "EncryptedAssertion") {
            count += 1;
            direct = Some(Located::Encrypted);
        }
    }
    if count > 1 {
        return Err(SamlError::AssertionCount(format!(
            "the Response carries {count} Assertions/EncryptedAssertions; exactly one is allowed"
        )));
    }
    let Some(located) = direct else {
        return Err(SamlError::AssertionCount(
            "the Response carries no Assertion as a direct child".into(),
        ));
    };
    let allowed = match located {
        Located::Plain(a) => Some(a),
        Located::Encrypted => None,
    };
    for n in doc.descendants(response) {
        // One look at the local name rules out nearly every node before any namespace test.
        if !matches!(
            doc.local_name(n),
            "Assertion" | "EncryptedAssertion" | "Response"
        ) {
            continue;
        }
        if Some(n) != allowed
            && (doc.is(n, ASSERTION_NS, "Assertion")
                || doc.is(n, ASSERTION_NS, "EncryptedAssertion") && doc.parent(n) != Some(response)
                || (n != response && doc.is(n, PROTOCOL_NS, "Response")))
        {
            return Err(SamlError::AssertionCount(format!(
                "unexpected `{}` inside the Response (only one Assertion, as a direct child, is allowed)",
                doc.qualified_name(n)
            )));
        }
    }
    Ok(located)
}

fn check_not_future(
    element: &'static str,
    issued: Instant,
    now: Instant,
    skew: i64,
) -> Result<(), SamlError> {
    if issued.since(now).seconds() > skew {
        return Err(SamlError::IssuedInFuture {
            element,
            issue_instant: issued,
            now,
            skew_seconds: skew,
        });
    }
    Ok(())
}

/// `NotBefore - skew <= now < NotOnOrAfter + skew` (NotBefore inclusive, NotOnOrAfter
/// exclusive).
fn check_window(
    element: &'static str,
    not_before: Option<Instant>,
    not_on_or_after: Option<Instant>,
    now: Instant,
    skew: i64,
) -> Result<(), SamlError> {
    if let Some(nb) = not_before
        && nb
            .checked_add_seconds(-skew)
            .is_some_and(|earliest| now < earliest)
    {
        return Err(SamlError::NotYetValid {
            element,
            not_before: nb,
            now,
            skew_seconds: skew,
        });
    }
    if let Some(noa) = not_on_or_after
        && noa
            .checked_add_seconds(skew)
            .is_some_and(|latest| now >= latest)
    {
        return Err(SamlError::Expired {
            element,
            not_on_or_after: noa,
            now,
            skew_seconds: skew,
        });
    }
    Ok(())
}
