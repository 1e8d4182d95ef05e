//! Service-provider side: validate a Response against [`IdpSettings`] and [`SpSettings`] and
//! produce a [`VerifiedAssertion`].
//!
//! This module owns the SAML checks of the Web Browser SSO profile on a parsed Response. It
//! reads signed data only through a private `Covered` view built from a [`Verified`] proof
//! token, and the few values of the Response envelope it needs (Status, Destination, Issuer,
//! IssueInstant) through an `Envelope` view that says whether the Response was signed. It
//! does no I/O: the only shared state, the replay cache and the outstanding requests, is
//! touched in a separate step ([`Unreplayed::commit`]), which is the only way to obtain the
//! [`VerifiedAssertion`].
//!
//! Order of checks: parse → locate the one Assertion by position (a direct child of the
//! document element) → verify every signature present (Response, then Assertion) → the
//! signature scope → Status → Issuers → Destination → Conditions (time, audience) → bearer
//! SubjectConfirmation (Recipient, NotOnOrAfter, InResponseTo) → solicitation (signed values
//! only) → AuthnStatement → attributes. Then, in `commit`: the outstanding request is consumed
//! and the assertion is recorded in the replay cache until the last instant it could still be
//! accepted.

use std::borrow::Cow;

pub use super::Attribute;
use super::error::SamlError;
use super::replay::{
    AsyncReplayCache, AsyncRequestStore, ReplayOutcome, SpStore, StoreError, Taken,
};
use super::{ASSERTION_NS, PROTOCOL_NS, STATUS_SUCCESS};
use crate::dsig::{Verified, Verifier};
use crate::settings::{IdpSettings, SettingsError, SignatureScope, SpSettings};
use crate::time::{DateTime, parse_xs_datetime};
use crate::xml::{Document, Limits, NodeId, trim_xml};

/// How `InResponseTo` is checked. Build one with [`Solicitation::expect`] or
/// [`Solicitation::outstanding`]; not checking at all is [`danger::not_tracked`].
///
/// Solicitation is decided only by values inside verified signatures: the bearer
/// `SubjectConfirmationData/@InResponseTo` of a signed Assertion, and `Response/@InResponseTo`
/// only when the Response's own signature verified. When both are present they must be equal.
#[derive(Clone, Copy, Debug)]
pub struct Solicitation<'a>(Mode<'a>);

#[derive(Clone, Copy, Debug)]
enum Mode<'a> {
    Expect(&'a str),
    Outstanding,
    NotTracked,
}

impl<'a> Solicitation<'a> {
    /// The Response must answer exactly this AuthnRequest ID (for example one kept in the
    /// user's session cookie).
    pub fn expect(request_id: &'a str) -> Self {
        Self(Mode::Expect(request_id))
    }

    /// The Response must answer one of the outstanding requests in the store given to
    /// [`Unreplayed::commit`] (consumed there, single use), or, if
    /// [`SpSettings::allow_unsolicited`] is set, answer none.
    pub fn outstanding() -> Self {
        Self(Mode::Outstanding)
    }
}

/// Opt-outs that weaken the Response checks. Each is a deliberate, auditable choice.
pub mod danger {
    use super::{Mode, Solicitation};

    /// Accepts solicited and unsolicited Responses alike, whatever request they answer; the
    /// caller inspects [`VerifiedAssertion::in_response_to`](super::VerifiedAssertion::in_response_to)
    /// itself. This is what `saml-verify verify` does without `--in-response-to`: right for
    /// inspecting a capture, wrong for a login, where it lets an attacker deliver an assertion
    /// meant for another request.
    pub fn not_tracked() -> Solicitation<'static> {
        Solicitation(Mode::NotTracked)
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

/// A validated assertion: plain owned data, read only from signed nodes. It has no public
/// constructor and no `Default`: the only way to get one is [`ServiceProvider::validate`]
/// followed by [`Unreplayed::commit`] (or [`Unreplayed::commit_async`]).
#[derive(Clone, Debug)]
pub struct VerifiedAssertion {
    issuer: String,
    assertion_id: String,
    name_id: NameId,
    session_index: Option<String>,
    authn_instant: Option<DateTime>,
    authn_context_class_ref: Option<String>,
    not_before: Option<DateTime>,
    not_on_or_after: Option<DateTime>,
    attributes: Vec<Attribute>,
    signed: Vec<SignedElement>,
    in_response_to: Option<String>,
    encrypted: Option<crate::xmlenc::DataEncryption>,
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
    pub fn authn_instant(&self) -> Option<DateTime> {
        self.authn_instant
    }

    /// The AuthnContextClassRef.
    pub fn authn_context_class_ref(&self) -> Option<&str> {
        self.authn_context_class_ref.as_deref()
    }

    /// Conditions/@NotBefore.
    pub fn not_before(&self) -> Option<DateTime> {
        self.not_before
    }

    /// Conditions/@NotOnOrAfter.
    pub fn not_on_or_after(&self) -> Option<DateTime> {
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

    /// The data encryption of the EncryptedAssertion this assertion came in, if it came
    /// encrypted.
    pub fn encryption(&self) -> Option<crate::xmlenc::DataEncryption> {
        self.encrypted
    }

    /// The AuthnRequest ID this assertion answers, if any: read only from signed values (the
    /// bearer confirmation of a signed Assertion, or `Response/@InResponseTo` of a signed
    /// Response), never from an unsigned element.
    pub fn in_response_to(&self) -> Option<&str> {
        self.in_response_to.as_deref()
    }
}

/// A Response that passed every check that needs no shared state. The assertion is not yet
/// recorded in the replay cache, and its request (if any) is not yet consumed: only
/// [`commit`](Self::commit) or [`commit_async`](Self::commit_async) does that, and only they
/// hand out the [`VerifiedAssertion`]. Dropping it refuses the login.
#[must_use = "the assertion is only accepted once committed to the replay cache"]
#[derive(Debug)]
pub struct Unreplayed {
    assertion: VerifiedAssertion,
    replay_key: String,
    keep_until: DateTime,
    now: DateTime,
    consume_request: Option<String>,
}

impl Unreplayed {
    /// The Assertion's ID (for logging a refusal).
    pub fn assertion_id(&self) -> &str {
        &self.assertion.assertion_id
    }

    /// The request ID that [`commit`](Self::commit) will consume: the assertion's
    /// InResponseTo, when it was validated with [`Solicitation::outstanding`] and answers a
    /// request; `None` for an unsolicited one. For callers that bind requests to something
    /// more (a browser's cookie, say) and must refuse before the store is touched.
    pub fn in_response_to(&self) -> Option<&str> {
        self.consume_request.as_deref()
    }

    /// How long the replay cache will keep the assertion: the latest NotOnOrAfter that bounds
    /// its acceptance (Conditions and every bearer SubjectConfirmationData) plus the clock
    /// skew, the last instant at which it could still be accepted.
    pub fn keep_until(&self) -> DateTime {
        self.keep_until
    }

    /// Consumes the outstanding request (when the solicitation was
    /// [`Solicitation::outstanding`] and the assertion answers one) and records the assertion
    /// in the replay cache, atomically per store, then returns the assertion. The request is
    /// consumed first ([`RequestStore::take`](super::replay::RequestStore::take)), and the
    /// assertion is recorded only if it was outstanding.
    ///
    /// # Errors
    ///
    /// `unknown_in_response_to` when the request is not outstanding, `replay` when the
    /// assertion was already accepted, `replay_cache_full`, and `replay_store_unavailable` /
    /// `request_store_unavailable` when the store cannot answer: a login is never accepted on
    /// a store that did not confirm it.
    pub fn commit<S: SpStore + ?Sized>(self, store: &S) -> Result<VerifiedAssertion, SamlError> {
        if let Some(id) = &self.consume_request {
            let taken = store.take(id, self.now);
            self.request_taken(taken)?;
        }
        let outcome = store.insert_if_absent(&self.replay_key, self.keep_until, self.now);
        self.finish(outcome)
    }

    /// As [`commit`](Self::commit), for stores that answer over the network. A solicited login
    /// makes one store call,
    /// [`take_and_insert_if_absent`](AsyncReplayCache::take_and_insert_if_absent) (one round
    /// trip on a store that overrides it); an unsolicited one calls
    /// [`insert_if_absent`](AsyncReplayCache::insert_if_absent).
    ///
    /// # Errors
    ///
    /// As [`commit`](Self::commit).
    pub async fn commit_async<S>(self, store: &S) -> Result<VerifiedAssertion, SamlError>
    where
        S: AsyncReplayCache + AsyncRequestStore + ?Sized,
    {
        let (key, until, now) = (&self.replay_key, self.keep_until, self.now);
        let outcome = match &self.consume_request {
            Some(id) => {
                let taken =
                    AsyncReplayCache::take_and_insert_if_absent(store, id, key, until, now).await;
                self.request_consumed(taken)?
            }
            None => AsyncReplayCache::insert_if_absent(store, key, until, now).await,
        };
        self.finish(outcome)
    }

    fn request_taken(&self, taken: Result<bool, StoreError>) -> Result<(), SamlError> {
        match taken {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.request_refused(None)),
            Err(source) => Err(self.request_refused(Some(source))),
        }
    }

    /// The replay cache's answer once the request was consumed, or the refusal.
    fn request_consumed(
        &self,
        taken: Result<Taken, StoreError>,
    ) -> Result<Result<ReplayOutcome, StoreError>, SamlError> {
        match taken {
            Ok(Taken::Consumed(outcome)) => Ok(outcome),
            Ok(Taken::NotOutstanding) => Err(self.request_refused(None)),
            Err(source) => Err(self.request_refused(Some(source))),
        }
    }

    /// `unknown_in_response_to`, or `request_store_unavailable` when the store failed.
    fn request_refused(&self, failure: Option<StoreError>) -> SamlError {
        let id = self.consume_request.clone().unwrap_or_default();
        match failure {
            None => SamlError::UnknownInResponseTo { found: id },
            Some(source) => SamlError::RequestStoreUnavailable {
                in_response_to: id,
                source,
            },
        }
    }

    fn finish(
        self,
        outcome: Result<ReplayOutcome, StoreError>,
    ) -> Result<VerifiedAssertion, SamlError> {
        match outcome {
            Ok(ReplayOutcome::Fresh) => Ok(self.assertion),
            Ok(ReplayOutcome::Replayed) => Err(SamlError::Replay {
                assertion_id: self.assertion.assertion_id,
            }),
            Ok(ReplayOutcome::Full { capacity }) => Err(SamlError::ReplayCacheFull { capacity }),
            Err(source) => Err(SamlError::ReplayStoreUnavailable {
                assertion_id: self.assertion.assertion_id,
                source,
            }),
        }
    }
}

/// Proof that an Assertion node is covered by a verified signature (its own, or the
/// enclosing Response's). Only this module can make one, after checking
/// [`Verified::covers`]. Every value of the assertion is read through it.
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

    /// The first child of `parent` named `local` in the assertion namespace. `parent` must be
    /// inside the covered assertion (checked in debug builds, so a bug elsewhere cannot make
    /// us read outside what was signed).
    fn child(&self, parent: NodeId, local: &str) -> Option<NodeId> {
        self.children(parent, local).next()
    }

    fn children<'s>(&'s self, parent: NodeId, local: &'s str) -> impl Iterator<Item = NodeId> + 's {
        debug_assert!(self.doc.is_inside(parent, self.assertion));
        self.doc
            .element_children(parent)
            .filter(move |&c| self.doc.is(c, ASSERTION_NS, local))
    }

    fn attr(&self, node: NodeId, name: &str) -> Option<&'d str> {
        debug_assert!(self.doc.is_inside(node, self.assertion));
        self.doc.attribute(node, name)
    }

    fn text(&self, node: NodeId) -> Cow<'d, str> {
        debug_assert!(self.doc.is_inside(node, self.assertion));
        self.doc.text(node)
    }

    fn time(&self, node: NodeId, name: &'static str) -> Result<Option<DateTime>, SamlError> {
        time_attr(self.doc, node, name)
    }
}

/// The Response element itself, which may or may not carry a verified signature. Values read
/// here are either compared against settings (Status, Destination, Issuer, IssueInstant), or,
/// for InResponseTo, returned only when the Response's signature verified.
struct Envelope<'d, 'a> {
    doc: &'d Document<'a>,
    response: NodeId,
    signed: bool,
}

impl<'d> Envelope<'d, '_> {
    /// `Response/@InResponseTo` when the Response's own signature verified; `None` otherwise,
    /// whatever the attribute says.
    fn signed_in_response_to(&self) -> Option<&'d str> {
        if self.signed {
            self.doc.attribute(self.response, "InResponseTo")
        } else {
            None
        }
    }
}

/// Validates Responses for one IdP–SP pair. Build it once: keys are parsed and the settings
/// checked when it is built. It is `Send + Sync` and takes no lock; the replay cache and
/// request store are given to [`Unreplayed::commit`].
#[derive(Debug)]
pub struct ServiceProvider {
    idp: IdpSettings,
    sp: SpSettings,
    verifier: Verifier,
    limits: Limits,
}

fn time_attr(
    doc: &Document<'_>,
    node: NodeId,
    name: &'static str,
) -> Result<Option<DateTime>, SamlError> {
    match doc.attribute(node, name) {
        None => Ok(None),
        Some(v) => parse_xs_datetime(v)
            .map(Some)
            .map_err(|source| SamlError::InvalidTime {
                element: doc.local_name(node).to_owned(),
                attribute: name,
                source,
            }),
    }
}

/// The bearer confirmation that was accepted, and the latest NotOnOrAfter among all of them.
struct Bearer<'d> {
    in_response_to: Option<&'d str>,
    latest_not_on_or_after: DateTime,
}

impl ServiceProvider {
    /// A service provider for these settings.
    ///
    /// # Errors
    ///
    /// A [`SettingsError`] when the settings cannot work: no IdP signing certificate, request
    /// signing on without an SP key, or a key that cannot sign the configured algorithm.
    pub fn new(idp: IdpSettings, mut sp: SpSettings) -> Result<Self, SettingsError> {
        idp.check()?;
        sp.check()?;
        if idp.sign_requests() && sp.signer.is_none() {
            return Err(SettingsError::NoRequestSigningKey);
        }
        if let Some(algorithm) = idp.request_signature_algorithm()
            && let Some(signer) = sp.signer.take()
        {
            sp.signer = Some(
                signer
                    .with_algorithm(algorithm)
                    .map_err(|source| SettingsError::RequestKeyDoesNotFit { algorithm, source })?,
            );
        }
        let verifier = Verifier::new(
            idp.signing_certificates().to_vec(),
            idp.algorithm_policy().clone(),
        );
        Ok(Self {
            idp,
            sp,
            verifier,
            limits: Limits::default(),
        })
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
        i64::try_from(self.idp.max_clock_skew().as_secs()).unwrap_or(i64::MAX)
    }

    /// Validates a decoded Response (XML bytes) at `now`. Nothing is recorded yet: commit the
    /// result to the replay cache to obtain the assertion.
    ///
    /// # Errors
    ///
    /// A [`SamlError`] naming the check that failed and the values that disagreed.
    pub fn validate(
        &self,
        xml: &[u8],
        now: DateTime,
        solicitation: Solicitation<'_>,
    ) -> Result<Unreplayed, SamlError> {
        let doc = Document::parse_bytes(xml, &self.limits)?;
        let result = self.validate_document(&doc, now, solicitation);
        // The result owns its strings; the arena can serve the next Response on this thread.
        doc.recycle();
        result
    }

    /// [`validate`](Self::validate) then [`Unreplayed::commit`] to `store`, for services whose
    /// store answers without blocking (in memory, a local SQLite file). Network stores use
    /// `validate` and [`Unreplayed::commit_async`].
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate) and [`Unreplayed::commit`].
    pub fn validate_and_commit<S: SpStore + ?Sized>(
        &self,
        xml: &[u8],
        now: DateTime,
        solicitation: Solicitation<'_>,
        store: &S,
    ) -> Result<VerifiedAssertion, SamlError> {
        self.validate(xml, now, solicitation)?.commit(store)
    }

    /// Validates an already parsed Response. As [`validate`](Self::validate).
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate).
    pub fn validate_document(
        &self,
        doc: &Document<'_>,
        now: DateTime,
        solicitation: Solicitation<'_>,
    ) -> Result<Unreplayed, SamlError> {
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
        let located = locate_assertion(doc, response)?;

        // Every signature present must verify, the Response's first.
        let response_verified = self.verify_signature_of(doc, response, "Response")?;
        match located {
            Located::Plain(assertion) => {
                let assertion_verified = self.verify_signature_of(doc, assertion, "Assertion")?;
                self.check_scope(response_verified.is_some(), assertion_verified.is_some())?;
                let covered = assertion_verified
                    .as_ref()
                    .or(response_verified.as_ref())
                    .and_then(|v| Covered::new(v, assertion));
                self.check_assertion(
                    doc,
                    assertion,
                    covered,
                    response_verified.is_some(),
                    assertion_verified.is_some(),
                    None,
                    now,
                    solicitation,
                )
            }
            Located::Encrypted(container) => self.validate_encrypted(
                doc,
                container,
                response_verified.is_some(),
                now,
                solicitation,
            ),
        }
    }

    /// An EncryptedAssertion: decrypted after the Response signature (if any) verified, the
    /// plaintext parsed in place of the EncryptedAssertion (so in its ancestors' namespace
    /// context) by the same hardened parser and limits, its own signature verified, then every
    /// check as for a plain assertion.
    ///
    /// No decryption oracle: every failure of the decryption itself is one
    /// `decryption_failed` (see [`crate::xmlenc`]). When the ciphertext is CBC (malleable) and
    /// no Response signature vouches for it, every failure until the decrypted assertion's own
    /// signature verifies is reported as `decryption_failed` too: an attacker who alters a
    /// victim's CBC ciphertext learns nothing from whether the result parsed (Jager and
    /// Somorovsky, "How to Break XML Encryption", CCS 2011). A CBC assertion is thus accepted
    /// only under a signature: the Response's, or its own after decryption.
    fn validate_encrypted(
        &self,
        doc: &Document<'_>,
        container: NodeId,
        response_signed: bool,
        now: DateTime,
        solicitation: Solicitation<'_>,
    ) -> Result<Unreplayed, SamlError> {
        let decrypted = crate::xmlenc::decrypt(
            doc,
            container,
            self.sp.decryption_keys(),
            &self.sp.decryption_policy,
        )?;
        let guarded = !response_signed && decrypted.data.is_cbc();
        let oracle_safe = |e: SamlError| {
            if guarded {
                SamlError::Decryption(crate::xmlenc::XmlencError::DecryptionFailed)
            } else {
                e
            }
        };
        let in_place = decrypted.in_place(doc, container)?;
        let inner =
            Document::parse_bytes(in_place.text.as_bytes(), &self.limits).map_err(|_| {
                // A plaintext that does not parse is a decryption failure, whatever the mode.
                SamlError::Decryption(crate::xmlenc::XmlencError::DecryptionFailed)
            })?;
        // The plaintext must be exactly one Assertion (XML whitespace around it aside), standing
        // where the EncryptedAssertion stood: nothing it carries may add siblings to the
        // Response or reshape the rest of the document, which was read before decryption.
        let response = inner.root_element();
        let assertion = match locate_assertion(&inner, response).map_err(oracle_safe)? {
            Located::Plain(a) if inner.span(a) == in_place.element => a,
            _ => {
                return Err(oracle_safe(SamlError::UnexpectedAssertion {
                    element: "the decrypted EncryptedAssertion".into(),
                }));
            }
        };
        let assertion_verified = self
            .verify_signature_of(&inner, assertion, "Assertion")
            .map_err(oracle_safe)?;
        self.check_scope(response_signed, assertion_verified.is_some())
            .map_err(oracle_safe)?;
        // The plaintext stood inside the EncryptedAssertion, which the verified Response
        // signature covered: a Response signature vouches for the decrypted assertion.
        let covered = match &assertion_verified {
            Some(v) => Covered::new(v, assertion),
            None if response_signed => Some(Covered {
                doc: &inner,
                assertion,
            }),
            None => None,
        };
        self.check_assertion(
            &inner,
            assertion,
            covered,
            response_signed,
            assertion_verified.is_some(),
            Some(decrypted.data),
            now,
            solicitation,
        )
    }

    /// Every SAML check on an Assertion that a verified signature covers.
    #[expect(
        clippy::too_many_arguments,
        reason = "one private step with the facts each caller established"
    )]
    fn check_assertion(
        &self,
        doc: &Document<'_>,
        assertion: NodeId,
        covered: Option<Covered<'_, '_>>,
        response_signed: bool,
        assertion_signed: bool,
        encrypted: Option<crate::xmlenc::DataEncryption>,
        now: DateTime,
        solicitation: Solicitation<'_>,
    ) -> Result<Unreplayed, SamlError> {
        let response = doc.root_element();
        let covered = covered.ok_or(SamlError::SignatureScope {
            scope: self.idp.response_signature_scope().name(),
            missing: "no verified signature covers the Assertion",
        })?;
        let envelope = Envelope {
            doc,
            response,
            signed: response_signed,
        };
        let mut signed = Vec::with_capacity(2);
        if envelope.signed {
            signed.push(SignedElement::Response);
        }
        if assertion_signed {
            signed.push(SignedElement::Assertion);
        }

        let skew = self.skew();
        check_status(&envelope)?;
        self.check_issuers(&envelope, &covered)?;
        self.check_destination(&envelope)?;
        let (not_before, not_on_or_after) = self.check_conditions(&covered, now, skew)?;
        self.check_issue_instants(&envelope, &covered, now, skew)?;
        let subject = covered
            .child(assertion, "Subject")
            .ok_or(SamlError::MissingElement {
                parent: "Assertion",
                element: "Subject",
            })?;
        let name_id = self.read_name_id(&covered, subject)?;
        let bearer = self.check_bearer(&covered, subject, now, skew)?;
        let in_response_to = signed_in_response_to(&envelope, &bearer)?;
        let consume_request = self.check_solicitation(in_response_to, solicitation)?;
        let authn = read_authn_statement(&covered)?;
        let attributes = self.read_attributes(&covered)?;
        // ID is a required xs:ID, never empty: an empty one would give every such assertion
        // the same replay-cache key.
        let assertion_id = covered
            .attr(assertion, "ID")
            .filter(|id| !trim_xml(id).is_empty())
            .ok_or(SamlError::MissingAttribute {
                element: "Assertion",
                attribute: "ID",
            })?
            .to_owned();

        // Kept until the assertion could no longer be accepted anywhere: the latest
        // NotOnOrAfter that bounds acceptance, plus the skew.
        let latest = not_on_or_after.map_or(bearer.latest_not_on_or_after, |c| {
            c.max(bearer.latest_not_on_or_after)
        });
        let keep_until = latest.checked_add_seconds(skew).unwrap_or(latest).max(now);
        let replay_key = format!("{}\u{1f}{}", self.idp.issuer(), assertion_id);
        Ok(Unreplayed {
            assertion: VerifiedAssertion {
                issuer: self.idp.issuer().to_owned(),
                name_id,
                session_index: authn.session_index,
                authn_instant: authn.instant,
                authn_context_class_ref: authn.class_ref,
                not_before,
                not_on_or_after,
                attributes,
                signed,
                in_response_to: in_response_to.map(str::to_owned),
                assertion_id,
                encrypted,
            },
            replay_key,
            keep_until,
            now,
            consume_request,
        })
    }

    /// Verifies the Signature child of `element`, if it has one.
    fn verify_signature_of<'d, 'a>(
        &self,
        doc: &'d Document<'a>,
        element: NodeId,
        name: &'static str,
    ) -> Result<Option<Verified<'d, 'a>>, SamlError> {
        let sig_err = |source| SamlError::Signature {
            element: name,
            source,
        };
        match Verifier::signature_of(doc, element).map_err(sig_err)? {
            Some(s) => self.verifier.verify(doc, s).map(Some).map_err(sig_err),
            None => Ok(None),
        }
    }

    /// Response Signature Verification: the signatures that verified must cover what the
    /// configured scope asks for.
    fn check_scope(&self, response: bool, assertion: bool) -> Result<(), SamlError> {
        let scope = self.idp.response_signature_scope();
        let missing = match scope {
            SignatureScope::Response | SignatureScope::Both if !response => {
                Some("the Response is not signed")
            }
            SignatureScope::Assertion | SignatureScope::Both if !assertion => {
                Some("the Assertion is not signed (or is encrypted, which cannot be verified yet)")
            }
            SignatureScope::Either if !response && !assertion => {
                Some("neither the Response nor the Assertion is signed")
            }
            _ => None,
        };
        match missing {
            Some(missing) => Err(SamlError::SignatureScope {
                scope: scope.name(),
                missing,
            }),
            None => Ok(()),
        }
    }

    /// The Response's Issuer, when present, and the Assertion's (required) equal the IdP
    /// Issuer URI exactly.
    fn check_issuers(
        &self,
        envelope: &Envelope<'_, '_>,
        covered: &Covered<'_, '_>,
    ) -> Result<(), SamlError> {
        let doc = envelope.doc;
        let expected = self.idp.issuer();
        if let Some(issuer) = doc
            .element_children(envelope.response)
            .find(|&c| doc.is(c, ASSERTION_NS, "Issuer"))
        {
            let found = doc.text(issuer);
            if found != expected {
                return Err(SamlError::IssuerMismatch {
                    element: "Response",
                    expected: expected.to_owned(),
                    found: Some(found.into_owned()),
                });
            }
        }
        let found = covered
            .child(covered.assertion, "Issuer")
            .map(|i| covered.text(i).into_owned());
        if found.as_deref() != Some(expected) {
            return Err(SamlError::IssuerMismatch {
                element: "Assertion",
                expected: expected.to_owned(),
                found,
            });
        }
        Ok(())
    }

    /// Destination: when present it must be the ACS URL; a signed Response must carry it.
    fn check_destination(&self, envelope: &Envelope<'_, '_>) -> Result<(), SamlError> {
        let acs_url = self.sp.acs_url();
        match envelope.doc.attribute(envelope.response, "Destination") {
            Some(dest) if dest != acs_url => Err(SamlError::DestinationMismatch {
                expected: acs_url.to_owned(),
                found: dest.to_owned(),
            }),
            None if envelope.signed => Err(SamlError::MissingDestination {
                expected: acs_url.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    fn check_issue_instants(
        &self,
        envelope: &Envelope<'_, '_>,
        covered: &Covered<'_, '_>,
        now: DateTime,
        skew: i64,
    ) -> Result<(), SamlError> {
        if let Some(issued) = time_attr(envelope.doc, envelope.response, "IssueInstant")? {
            check_not_future("Response", issued, now, skew)?;
        }
        if let Some(issued) = covered.time(covered.assertion, "IssueInstant")? {
            check_not_future("Assertion", issued, now, skew)?;
        }
        Ok(())
    }

    /// Conditions: the time window, and every AudienceRestriction names the SP. Returns
    /// NotBefore and NotOnOrAfter.
    fn check_conditions(
        &self,
        covered: &Covered<'_, '_>,
        now: DateTime,
        skew: i64,
    ) -> Result<(Option<DateTime>, Option<DateTime>), SamlError> {
        let entity_id = self.sp.entity_id();
        let conditions = covered
            .child(covered.assertion, "Conditions")
            .ok_or_else(|| SamlError::MissingConditions {
                expected: entity_id.to_owned(),
            })?;
        let not_before = covered.time(conditions, "NotBefore")?;
        let not_on_or_after = covered.time(conditions, "NotOnOrAfter")?;
        check_window("Conditions", not_before, not_on_or_after, now, skew)?;
        let mut restrictions = 0;
        for r in covered.children(conditions, "AudienceRestriction") {
            restrictions += 1;
            let audiences: Vec<String> = covered
                .children(r, "Audience")
                .map(|a| trim_xml(&covered.text(a)).to_owned())
                .collect();
            if !audiences.iter().any(|a| a == entity_id) {
                return Err(SamlError::AudienceMismatch {
                    expected: entity_id.to_owned(),
                    found: audiences,
                });
            }
        }
        if restrictions == 0 {
            return Err(SamlError::MissingAudienceRestriction {
                expected: entity_id.to_owned(),
            });
        }
        Ok((not_before, not_on_or_after))
    }

    /// Finds a bearer SubjectConfirmation that satisfies Recipient and NotOnOrAfter; returns
    /// its InResponseTo and the latest NotOnOrAfter of every bearer confirmation (which
    /// bounds how long the assertion could be accepted). Other confirmations are ignored, not
    /// merged.
    fn check_bearer<'d>(
        &self,
        covered: &Covered<'d, '_>,
        subject: NodeId,
        now: DateTime,
        skew: i64,
    ) -> Result<Bearer<'d>, SamlError> {
        let mut first_error: Option<SamlError> = None;
        let mut accepted: Option<Option<&'d str>> = None;
        let mut latest: Option<DateTime> = None;
        for sc in covered.children(subject, "SubjectConfirmation") {
            if covered.attr(sc, "Method") != Some(super::BEARER) {
                continue;
            }
            let outcome = (|| {
                let data = covered
                    .child(sc, "SubjectConfirmationData")
                    .ok_or(SamlError::BearerWithoutData)?;
                let not_on_or_after = covered
                    .time(data, "NotOnOrAfter")?
                    .ok_or(SamlError::BearerWithoutNotOnOrAfter)?;
                latest = Some(latest.map_or(not_on_or_after, |l| l.max(not_on_or_after)));
                let recipient = covered.attr(data, "Recipient");
                if recipient != Some(self.sp.acs_url()) {
                    return Err(SamlError::RecipientMismatch {
                        expected: self.sp.acs_url().to_owned(),
                        found: recipient.map(str::to_owned),
                    });
                }
                // Profiles §4.1.4.2 forbids NotBefore here, but real IdPs (SecureWorks) send
                // it; it can only narrow the window, so it is enforced rather than refused.
                let not_before = covered.time(data, "NotBefore")?;
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
                Ok(irt) if accepted.is_none() => accepted = Some(irt),
                Ok(_) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (accepted, latest) {
            (Some(in_response_to), Some(latest_not_on_or_after)) => Ok(Bearer {
                in_response_to,
                latest_not_on_or_after,
            }),
            _ => Err(first_error.unwrap_or(SamlError::NoBearerConfirmation)),
        }
    }

    /// The Subject's NameID, or its EncryptedID decrypted (SAML core §2.2.4).
    fn read_name_id(
        &self,
        covered: &Covered<'_, '_>,
        subject: NodeId,
    ) -> Result<NameId, SamlError> {
        if let Some(name_id) = covered.child(subject, "NameID") {
            return name_id_from(covered.doc, name_id);
        }
        let encrypted = covered
            .child(subject, "EncryptedID")
            .ok_or(SamlError::MissingElement {
                parent: "Subject",
                element: "NameID",
            })?;
        self.with_decrypted(covered, encrypted, "NameID", name_id_from)
    }

    /// The attributes of every AttributeStatement, in document order, EncryptedAttributes
    /// decrypted in their place. One that cannot be decrypted refuses the assertion: an
    /// attribute silently missing could change what the application grants.
    fn read_attributes(&self, covered: &Covered<'_, '_>) -> Result<Vec<Attribute>, SamlError> {
        let doc = covered.doc;
        // Sized first, so the allocations do not grow with the number of attributes.
        let count = covered
            .children(covered.assertion, "AttributeStatement")
            .flat_map(|statement| doc.element_children(statement))
            .filter(|&a| {
                doc.is(a, ASSERTION_NS, "Attribute")
                    || doc.is(a, ASSERTION_NS, "EncryptedAttribute")
            })
            .count();
        let mut attributes = Vec::with_capacity(count);
        for statement in covered.children(covered.assertion, "AttributeStatement") {
            for a in doc.element_children(statement) {
                if doc.is(a, ASSERTION_NS, "Attribute") {
                    attributes.push(attribute_from(doc, a));
                } else if doc.is(a, ASSERTION_NS, "EncryptedAttribute") {
                    attributes.push(self.with_decrypted(covered, a, "Attribute", |d, n| {
                        Ok(attribute_from(d, n))
                    })?);
                }
            }
        }
        Ok(attributes)
    }

    /// Decrypts an EncryptedID or EncryptedAttribute inside the covered assertion (the
    /// signature over the assertion covers its ciphertext, so there is no oracle to guard),
    /// parses the plaintext in the container's namespace context with the same parser and
    /// limits, and reads the one `saml:<local>` element it must hold.
    fn with_decrypted<T>(
        &self,
        covered: &Covered<'_, '_>,
        container: NodeId,
        local: &'static str,
        read: impl FnOnce(&Document<'_>, NodeId) -> Result<T, SamlError>,
    ) -> Result<T, SamlError> {
        let doc = covered.doc;
        debug_assert!(doc.is_inside(container, covered.assertion));
        let decrypted = crate::xmlenc::decrypt(
            doc,
            container,
            self.sp.decryption_keys(),
            &self.sp.decryption_policy,
        )?;
        let failed = || SamlError::Decryption(crate::xmlenc::XmlencError::DecryptionFailed);
        let plaintext = std::str::from_utf8(&decrypted.plaintext).map_err(|_| failed())?;
        let mut wrapped = String::with_capacity(plaintext.len() + 256);
        wrapped.push_str("<w");
        for ns in doc.in_scope_namespaces(container) {
            wrapped.push_str(" xmlns");
            if !ns.prefix.is_empty() {
                wrapped.push(':');
                wrapped.push_str(ns.prefix);
            }
            wrapped.push_str("=\"");
            wrapped.push_str(&crate::xml::escape::escape(ns.uri));
            wrapped.push('"');
        }
        wrapped.push('>');
        wrapped.push_str(plaintext);
        wrapped.push_str("</w>");
        let inner =
            Document::parse_bytes(wrapped.as_bytes(), &self.limits).map_err(|_| failed())?;
        let mut elements = inner.element_children(inner.root_element());
        match (elements.next(), elements.next()) {
            (Some(n), None) if inner.is(n, ASSERTION_NS, local) => read(&inner, n),
            _ => Err(SamlError::MissingElement {
                parent: if local == "NameID" {
                    "EncryptedID"
                } else {
                    "EncryptedAttribute"
                },
                element: local,
            }),
        }
    }

    /// Decides solicitation from the signed InResponseTo; returns the request ID to consume at
    /// commit, if any.
    fn check_solicitation(
        &self,
        in_response_to: Option<&str>,
        solicitation: Solicitation<'_>,
    ) -> Result<Option<String>, SamlError> {
        match (solicitation.0, in_response_to) {
            (Mode::NotTracked, _) => Ok(None),
            (Mode::Expect(expected), Some(found)) if found == expected => Ok(None),
            (Mode::Expect(expected), Some(found)) => Err(SamlError::InResponseToMismatch {
                element: "Response",
                expected: expected.to_owned(),
                found: found.to_owned(),
            }),
            (Mode::Expect(expected), None) => Err(SamlError::Unsolicited {
                expected: Some(expected.to_owned()),
            }),
            (Mode::Outstanding, Some(found)) => Ok(Some(found.to_owned())),
            (Mode::Outstanding, None) if self.sp.allow_unsolicited() => Ok(None),
            (Mode::Outstanding, None) => Err(SamlError::Unsolicited { expected: None }),
        }
    }
}

/// The InResponseTo that signed values say: the accepted bearer confirmation's (inside a
/// covered Assertion) and the Response's only when the Response's signature verified. An
/// unsigned `Response/@InResponseTo` is never used; when it is present and disagrees with the
/// signed value, the Response is refused rather than silently read one way.
fn signed_in_response_to<'d>(
    envelope: &Envelope<'d, '_>,
    bearer: &Bearer<'d>,
) -> Result<Option<&'d str>, SamlError> {
    let from_response = envelope.signed_in_response_to();
    let unsigned = envelope.doc.attribute(envelope.response, "InResponseTo");
    let signed = from_response.or(bearer.in_response_to);
    if let (Some(r), Some(b)) = (from_response, bearer.in_response_to)
        && r != b
    {
        return Err(SamlError::InResponseToMismatch {
            element: "SubjectConfirmationData",
            expected: r.to_owned(),
            found: b.to_owned(),
        });
    }
    if let (Some(u), Some(s)) = (unsigned, signed)
        && u != s
    {
        return Err(SamlError::InResponseToMismatch {
            element: "Response",
            expected: s.to_owned(),
            found: u.to_owned(),
        });
    }
    Ok(signed)
}

/// A NameID element's value and qualifiers.
fn name_id_from(doc: &Document<'_>, name_id: NodeId) -> Result<NameId, SamlError> {
    let value = doc.text(name_id).into_owned();
    if trim_xml(&value).is_empty() {
        return Err(SamlError::EmptyNameId);
    }
    Ok(NameId {
        value,
        format: doc.attribute(name_id, "Format").map(str::to_owned),
        sp_name_qualifier: doc.attribute(name_id, "SPNameQualifier").map(str::to_owned),
        name_qualifier: doc.attribute(name_id, "NameQualifier").map(str::to_owned),
    })
}

/// An Attribute element's name, format and values.
fn attribute_from(doc: &Document<'_>, a: NodeId) -> Attribute {
    // One pass over the element's attributes for the three it may carry (the first of each
    // unqualified name, as `Document::attribute` would find it).
    let (mut name, mut name_format, mut friendly_name) = (None, None, None);
    for at in doc.attributes(a) {
        if !at.namespace.is_empty() {
            continue;
        }
        let slot = match at.local_name {
            "Name" => &mut name,
            "NameFormat" => &mut name_format,
            "FriendlyName" => &mut friendly_name,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(at.value);
        }
    }
    Attribute {
        name: name.unwrap_or_default().to_owned(),
        name_format: name_format.map(str::to_owned),
        friendly_name: friendly_name.map(str::to_owned),
        values: {
            // Sized first: one allocation for the vector, however many values.
            let is_value = |v: &NodeId| doc.is(*v, ASSERTION_NS, "AttributeValue");
            let mut values = Vec::with_capacity(doc.element_children(a).filter(is_value).count());
            values.extend(
                doc.element_children(a)
                    .filter(is_value)
                    .map(|v| doc.text(v).into_owned()),
            );
            values
        },
    }
}

struct Authn {
    session_index: Option<String>,
    instant: Option<DateTime>,
    class_ref: Option<String>,
}

fn read_authn_statement(covered: &Covered<'_, '_>) -> Result<Authn, SamlError> {
    let authn =
        covered
            .child(covered.assertion, "AuthnStatement")
            .ok_or(SamlError::MissingElement {
                parent: "Assertion",
                element: "AuthnStatement",
            })?;
    let class_ref = covered
        .child(authn, "AuthnContext")
        .and_then(|c| covered.child(c, "AuthnContextClassRef"))
        .map(|r| trim_xml(&covered.text(r)).to_owned());
    Ok(Authn {
        session_index: covered.attr(authn, "SessionIndex").map(str::to_owned),
        instant: covered.time(authn, "AuthnInstant")?,
        class_ref,
    })
}

fn check_status(envelope: &Envelope<'_, '_>) -> Result<(), SamlError> {
    let doc = envelope.doc;
    let status = doc
        .element_children(envelope.response)
        .find(|&c| doc.is(c, PROTOCOL_NS, "Status"))
        .ok_or(SamlError::MissingElement {
            parent: "Response",
            element: "Status",
        })?;
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

enum Located {
    Plain(NodeId),
    Encrypted(NodeId),
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
            direct = Some(Located::Encrypted(c));
        }
    }
    let located = match direct {
        Some(located) if count == 1 => located,
        _ => return Err(SamlError::AssertionCount { found: count }),
    };
    let allowed = match located {
        Located::Plain(a) => Some(a),
        Located::Encrypted(_) => None,
    };
    // SAML core §2.6.1: an Assertion may carry `saml:Advice` with assertions of its own (a
    // chain of evidence). They are never read, returned or verified; only the one Assertion's
    // direct children are, so they are tolerated there and nowhere else.
    let advice = allowed.and_then(|a| {
        doc.element_children(a)
            .find(|&c| doc.is(c, ASSERTION_NS, "Advice"))
    });
    for n in doc.descendants(response) {
        if advice.is_some_and(|adv| doc.is_inside(n, adv)) {
            continue;
        }
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
            return Err(SamlError::UnexpectedAssertion {
                element: doc.qualified_name(n).into_owned(),
            });
        }
    }
    Ok(located)
}

pub(crate) fn check_not_future(
    element: &'static str,
    issued: DateTime,
    now: DateTime,
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
pub(crate) fn check_window(
    element: &'static str,
    not_before: Option<DateTime>,
    not_on_or_after: Option<DateTime>,
    now: DateTime,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An Attribute's Name, NameFormat and FriendlyName are its unqualified attributes of those
    /// names, whatever their order; a namespaced attribute of the same local name is not one of
    /// them; values are the AttributeValue children's text, in order.
    #[test]
    fn attribute_from_reads_unqualified_names_and_values() {
        let xml = format!(
            "<saml:Attribute xmlns:saml=\"{ASSERTION_NS}\" xmlns:x=\"urn:x\" x:Name=\"no\" \
             FriendlyName=\"mail\" x:FriendlyName=\"no\" NameFormat=\"urn:f\" Name=\"a&amp;b\">\
             <saml:AttributeValue>1</saml:AttributeValue><x:AttributeValue>no</x:AttributeValue>\
             <saml:AttributeValue>2 &lt; 3</saml:AttributeValue></saml:Attribute>"
        );
        let doc = Document::parse(&xml).unwrap();
        let a = attribute_from(&doc, doc.root_element());
        assert_eq!(a.name, "a&b");
        assert_eq!(a.name_format.as_deref(), Some("urn:f"));
        assert_eq!(a.friendly_name.as_deref(), Some("mail"));
        assert_eq!(a.values, ["1", "2 < 3"]);
        let bare = format!("<saml:Attribute xmlns:saml=\"{ASSERTION_NS}\" x=\"1\"/>");
        let doc = Document::parse(&bare).unwrap();
        let a = attribute_from(&doc, doc.root_element());
        assert_eq!(
            (
                a.name.as_str(),
                a.name_format,
                a.friendly_name,
                a.values.len()
            ),
            ("", None, None, 0)
        );
    }
}
