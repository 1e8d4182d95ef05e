//! SAML 2.0 Single Logout (SAML Core §3.7, Profiles §4.4) on both sides: build, sign, send,
//! receive and verify LogoutRequest and LogoutResponse over HTTP-Redirect and HTTP-POST.
//!
//! # What is checked on every incoming message
//!
//! An incoming message is given as it arrived ([`Incoming::Post`] with the form value, or
//! [`Incoming::Redirect`] with the raw query) and goes through the same stages as a Response:
//!
//! 1. **Decode once** with `binding`'s limits: a POST value must be base64 of the XML; a
//!    Redirect query is split once by [`RedirectQuery`](crate::binding::RedirectQuery), which
//!    refuses duplicated or disguised parameters, and the message is decoded from that split.
//! 2. **Signature by the peer's pinned keys**: the enveloped signature of the document element
//!    (POST, exclusive c14n) or the query signature over the octets as received (Redirect).
//!    Unsigned messages are refused unless a `danger` opt-out says otherwise
//!    ([`settings::danger::accept_unsigned_logout`](crate::settings::danger::accept_unsigned_logout),
//!    [`idp::danger::accept_unsigned_logout`](crate::saml::idp::danger::accept_unsigned_logout),
//!    [`danger::accept_unsigned`]). Every value is read only from the element the signature
//!    covers.
//! 3. **Issuer** equals the peer's entity ID; **Destination** equals our Single Logout URL, and
//!    is required on a signed message (Bindings §3.4.5.2, §3.5.5.2); **IssueInstant** is not in
//!    the future and **NotOnOrAfter** has not passed, with the configured clock skew. A
//!    LogoutRequest without NotOnOrAfter, and every LogoutResponse, is accepted for
//!    [`LOGOUT_LIFETIME_SECONDS`] after its IssueInstant.
//! 4. **Content**: a LogoutRequest has exactly one non-empty NameID (an EncryptedID is
//!    decrypted with the SP's decryption keys, as in an assertion's Subject, and an AES-CBC
//!    one only under a verified signature), any number of SessionIndex; a LogoutResponse has a
//!    Status with a top-level StatusCode.
//! 5. **State, in a separate commit** (the validate-then-commit shape of
//!    [`Unreplayed`](crate::Unreplayed)): a LogoutRequest's ID is recorded in the
//!    [`ReplayCache`] under `logout` + its Issuer + its ID until it could no longer be accepted
//!    ([`UnreplayedLogoutRequest::commit`]); a LogoutResponse's InResponseTo is consumed,
//!    single use, from the [`RequestStore`] under `logout:` + the ID
//!    ([`UnmatchedLogoutResponse::commit`]). The `logout:` namespace means a LogoutResponse can
//!    never consume an outstanding AuthnRequest ID, nor a Response a pending LogoutRequest's.
//!    A store that cannot answer refuses the message. The stores are the only state, so a
//!    fleet store (SQLite, Redis) works unchanged, in the sync or the async form.
//!
//! # What is sent
//!
//! Every LogoutRequest and LogoutResponse we build carries ID, IssueInstant, Destination (the
//! peer's Single Logout URL) and Issuer, and is signed whenever we have a key (the IdP always
//! does; the SP does when [`SpSettings::with_signing_key`](crate::SpSettings::with_signing_key)
//! gave it one, which Okta requires): by HTTP-POST an enveloped signature with exclusive c14n,
//! as for AuthnRequests; by HTTP-Redirect DEFLATE, base64 and the query signature over the
//! octets sent. Our LogoutRequests say NotOnOrAfter = IssueInstant + [`LOGOUT_LIFETIME_SECONDS`]
//! and carry the NameID exactly as it was issued (Format, NameQualifier, SPNameQualifier) with
//! its SessionIndex values. The [`OutgoingLogout`] holds the auto-submitting form or the
//! redirect URL ([`Delivery`]).
//!
//! # A non-success status is a value, not an error
//!
//! A LogoutResponse that verified is returned whatever its status:
//! [`LogoutResponse::outcome`] is [`LogoutOutcome::Success`], [`LogoutOutcome::PartialLogout`]
//! or [`LogoutOutcome::Failed`] (with the codes and message in
//! [`LogoutResponse::status`]), for the application to show. Errors are for messages that are
//! forged, stale, misdirected, replayed or unanswerable.
//!
//! # Service provider: SP-initiated logout
//!
//! Settings: the IdP's Single Logout endpoint
//! ([`IdpSettings::with_single_logout_service`](crate::IdpSettings::with_single_logout_service))
//! and our own Single Logout URL
//! ([`SpSettings::with_single_logout_url`](crate::SpSettings::with_single_logout_url)).
//!
//! ```
//! use saml_core::prelude::*;
//! use saml_core::saml::logout::{Incoming, LogoutOutcome, LogoutSubject, ReceivedLogout};
//! # use saml_core::saml::idp::{IdentityProvider, SpPeer, Subject};
//! # use saml_core::dsig::Signer;
//! # fn pem(name: &str) -> Vec<u8> {
//! #     std::fs::read(format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let idp_cert = Certificate::from_pem(&pem("rsa2048.cert.pem"), None)?;
//! # let sp_cert = Certificate::from_pem(&pem("rsa3072.cert.pem"), None)?;
//! # let idp_key = SigningKey::from_pem(&pem("rsa2048.pk8.pem"), None)?;
//! # let sp_key = SigningKey::from_pem(&pem("rsa3072.pk8.pem"), None)?;
//! # let now = parse_xs_datetime("2026-11-22T12:00:00Z")?;
//! # let idp = IdentityProvider::new("https://idp.example/", "https://idp.example/sso",
//! #     Signer::new(idp_key, Some(idp_cert.clone())))
//! #     .with_single_logout_url("https://idp.example/slo");
//! # let peer = SpPeer::new("https://sp.example/", "https://sp.example/acs",
//! #     vec![TrustAnchor::from_any(&pem("rsa3072.cert.pem"), None)?])?
//! #     .with_single_logout_service("https://sp.example/slo", Binding::HttpRedirect);
//! # let login = idp.issue(&peer, &Subject::new("alice@example.com"), None, now)?;
//! let sp = ServiceProvider::new(
//!     IdpSettings::new("https://idp.example/", "https://idp.example/sso",
//!         vec![TrustAnchor::from_any(&pem("rsa2048.cert.pem"), None)?])
//!         .with_single_logout_service("https://idp.example/slo", Binding::HttpPost),
//!     SpSettings::new("https://sp.example/", "https://sp.example/acs")
//!         .with_single_logout_url("https://sp.example/slo")
//!         .with_signing_key(sp_key, sp_cert)
//!         .with_unsolicited(true),
//! )?;
//! let store = InMemoryStore::default();
//! let assertion = sp.validate_and_commit(login.as_bytes(), now, Solicitation::outstanding(), &store)?;
//!
//! // 1. The user clicks "log out": a signed LogoutRequest for the assertion's NameID and
//! //    SessionIndex, its ID pending in the store. Serve the page (HTTP-POST here).
//! let outgoing = sp.logout_request(&LogoutSubject::of(&assertion), None, Some("/bye"), now)?
//!     .record(&store)?;
//! let _html = outgoing.post_form().expect("the IdP's SLO binding is HTTP-POST");
//! # let form_value = idp_answer(&idp, &peer, &outgoing.xml, now)?;
//!
//! // 2. The IdP's LogoutResponse arrives at our SLO URL: verify, then match InResponseTo once.
//! match sp.receive_logout(&Incoming::post(&form_value, Some("/bye")), now)? {
//!     ReceivedLogout::Response(pending) => {
//!         let response = pending.commit(&store)?; // single use: a second try is refused
//!         assert_eq!(response.outcome(), LogoutOutcome::Success);
//!     }
//!     ReceivedLogout::Request(_) => unreachable!("an IdP-initiated logout, see answer_logout"),
//!     _ => unreachable!(),
//! }
//! # Ok(())
//! # }
//! # fn idp_answer(idp: &IdentityProvider, peer: &SpPeer, xml: &str, now: DateTime)
//! #     -> Result<String, Box<dyn std::error::Error>> {
//! #     use saml_core::saml::logout::LogoutStatus;
//! #     let b64 = binding::encode_post(xml.as_bytes());
//! #     let store = InMemoryStore::default();
//! #     let peers = [peer.clone()];
//! #     let ReceivedLogout::Request(r) = idp.receive_logout(&peers, &Incoming::post(&b64, None), now)? else { panic!() };
//! #     let request = r.commit(&store)?;
//! #     let p2 = SpPeer::new("https://sp.example/", "https://sp.example/acs", peer.certificates().to_vec())?
//! #         .with_single_logout_service("https://sp.example/slo", Binding::HttpPost);
//! #     let out = idp.logout_response(&p2, request.id(), &LogoutStatus::success(), None, now)?;
//! #     Ok(binding::encode_post(out.xml.as_bytes()))
//! # }
//! ```
//!
//! IdP-initiated logout reaches the SP as a LogoutRequest:
//! [`ServiceProvider::receive_logout`](crate::ServiceProvider::receive_logout), then
//! [`UnreplayedLogoutRequest::commit`] (replay), then
//! [`ServiceProvider::answer_logout`](crate::ServiceProvider::answer_logout), which ends the
//! user's sessions through the application's [`SessionTerminator`] (by NameID and
//! SessionIndex, never by cookie: the request may arrive without the user's cookies under
//! `SameSite`, and a cookie would let whoever sends the browser choose whose session ends) and
//! builds the signed LogoutResponse: Success, Requester + UnknownPrincipal when no session
//! matched, Responder + PartialLogout when some could not be ended, Responder when the
//! application's session store failed.
//!
//! # Identity provider: propagation
//!
//! The IdP records which SPs a user's IdP session reached in a [`SessionRegistry`]
//! ([`IdentityProvider::issue_in_session`](crate::saml::idp::IdentityProvider::issue_in_session)
//! issues and records in one call). A logout, IdP-initiated or started by one SP's
//! LogoutRequest, becomes a [`Propagation`]: the ordered list of every other participating SP,
//! each sent a signed LogoutRequest front-channel (its ID pending in the request store), each
//! LogoutResponse verified against that SP's keys and matched single-use, SPs that fail or
//! never answer marked by the application. The initiating SP is finally answered with Success,
//! or Responder + PartialLogout if any SP failed.
//!
//! ```
//! use saml_core::prelude::*;
//! use saml_core::saml::logout::{
//!     InMemorySessionRegistry, Incoming, LegState, LogoutOutcome, Propagation, ReceivedLogout,
//! };
//! # use saml_core::dsig::Signer;
//! # fn pem(name: &str) -> Vec<u8> {
//! #     std::fs::read(format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let idp_cert = Certificate::from_pem(&pem("rsa2048.cert.pem"), None)?;
//! # let idp_key = SigningKey::from_pem(&pem("rsa2048.pk8.pem"), None)?;
//! # let now = parse_xs_datetime("2026-11-22T12:00:00Z")?;
//! let idp = IdentityProvider::new("https://idp.example/", "https://idp.example/sso",
//!     Signer::new(idp_key, Some(idp_cert)))
//!     .with_single_logout_url("https://idp.example/slo");
//! let sp_cert = TrustAnchor::from_any(&pem("rsa3072.cert.pem"), None)?; // the SPs' key, here shared
//! let mut peers = Vec::new();
//! for name in ["a", "b"] {
//!     peers.push(
//!         SpPeer::new(format!("https://{name}.example/"), format!("https://{name}.example/acs"),
//!             vec![sp_cert.clone()])?
//!         .with_single_logout_service(format!("https://{name}.example/slo"), Binding::HttpRedirect),
//!     );
//! }
//! let registry = InMemorySessionRegistry::default();
//! let store = InMemoryStore::default();
//!
//! // Logins: each Response issued in the IdP session "s1" is recorded with its SessionIndex.
//! for peer in &peers {
//!     let _response = idp.issue_in_session(peer, &Subject::new("alice"), None, "s1", &registry, now)?;
//! }
//!
//! // IdP-initiated logout of "s1": one signed LogoutRequest per SP, in order, IDs pending.
//! let mut propagation: Propagation = idp.start_logout("s1", &registry, None)?;
//! let requests = idp.logout_requests(&mut propagation, &peers, &store, now)?;
//! assert_eq!(requests.len(), 2);
//! // Send requests[0] (redirect the browser to requests[0].redirect_url()), keep
//! // `propagation` server-side (it is Serialize + Deserialize), await the answer at the SLO
//! // URL, then the next. Here SP "b" never answers:
//! # let answer = sp_answer(&requests[0], now)?;
//! if let ReceivedLogout::Response(pending) = idp.receive_logout(&peers, &Incoming::redirect(&answer), now)? {
//!     propagation.record_response(&pending.commit(&store)?)?;
//! }
//! propagation.mark_failed("https://b.example/", "no answer within 30 s");
//! assert!(propagation.is_complete());
//! let summary = propagation.summary();
//! assert_eq!(summary.logged_out, vec!["https://a.example/".to_owned()]);
//! assert_eq!(summary.status.outcome(), LogoutOutcome::PartialLogout);
//! assert!(matches!(propagation.legs()[1].state(), LegState::Failed { .. }));
//! // SP-initiated: idp.finish_logout(&propagation, &peers, now) answers the initiator.
//! # Ok(())
//! # }
//! # fn sp_answer(request: &saml_core::saml::logout::OutgoingLogout, now: DateTime)
//! #     -> Result<String, Box<dyn std::error::Error>> {
//! #     use saml_core::saml::logout::{LogoutStatus, LogoutOutcome};
//! #     let sp_key = SigningKey::from_pem(&pem("rsa3072.pk8.pem"), None)?;
//! #     let sp_cert = Certificate::from_pem(&pem("rsa3072.cert.pem"), None)?;
//! #     let idp_cert = Certificate::from_pem(&pem("rsa2048.cert.pem"), None)?;
//! #     let sp = ServiceProvider::new(
//! #         IdpSettings::new("https://idp.example/", "https://idp.example/sso",
//! #             vec![TrustAnchor::from_any(&pem("rsa2048.cert.pem"), None)?])
//! #             .with_single_logout_service("https://idp.example/slo", Binding::HttpRedirect),
//! #         SpSettings::new("https://a.example/", "https://a.example/acs")
//! #             .with_single_logout_url("https://a.example/slo")
//! #             .with_signing_key(sp_key, sp_cert))?;
//! #     let url = request.redirect_url().unwrap();
//! #     let ReceivedLogout::Request(r) = sp.receive_logout(&Incoming::redirect(url), now)? else { panic!() };
//! #     let r = r.commit(&InMemoryStore::default())?;
//! #     struct Ok1;
//! #     impl saml_core::saml::logout::SessionTerminator for Ok1 {
//! #         fn end_sessions(&self, _: &NameId, _: &[String]) -> Result<saml_core::saml::logout::Ended, StoreError> {
//! #             Ok(saml_core::saml::logout::Ended::new(1, 0))
//! #         }
//! #     }
//! #     let answer = sp.answer_logout(&r, &Ok1, now)?;
//! #     Ok(answer.response.redirect_url().unwrap().to_owned())
//! # }
//! ```
//!
//! # Limitations
//!
//! - Front-channel bindings only (HTTP-Redirect, HTTP-POST): no SOAP back channel, no Artifact.
//! - The IdP sends each SP its NameID in the clear (no EncryptedID) and cannot decrypt an
//!   EncryptedID an SP sends it.
//! - [`SessionRegistry`] has a synchronous form only; the replay cache and request store are
//!   used in both forms.
//! - Incoming messages are parsed with the default [`Limits`] and
//!   [`DecodeLimits`](crate::binding::DecodeLimits), not those given to
//!   [`ServiceProvider::with_limits`](crate::ServiceProvider::with_limits).
//!
//! # For tools: stateless verification
//!
//! [`verify`] checks one message against explicit settings ([`VerifySettings`]: the peer's
//! entity ID and pinned certificates, our Single Logout URL as the Destination, the clock
//! skew) at a given instant and returns its fields, without replay or InResponseTo state. It is
//! what `saml-verify` runs on a captured message.

mod idp;
mod message;
mod session;
mod sp;

use std::time::Duration;

pub use idp::{Initiator, Leg, LegState, LogoutSummary, Propagation};
pub use message::{
    Delivery, Incoming, InspectedLogout, LogoutOutcome, LogoutRequest, LogoutResponse,
    LogoutStatus, OutgoingLogout,
};
use message::{LogoutMessage, Peer, Receiver};
pub use session::{InMemorySessionRegistry, Participant, SessionRegistry};
pub use sp::{Ended, LogoutAnswer, LogoutSubject, SessionTerminator};

use super::error::SamlError;
use super::replay::{
    AsyncReplayCache, AsyncRequestStore, ReplayCache, ReplayOutcome, RequestStore, StoreError,
};
use super::sp::NameId;
use crate::crypto::{AlgorithmPolicy, TrustAnchor};
use crate::dsig::Verifier;
use crate::time::DateTime;
use crate::xml::Limits;
use crate::xmlenc::{DecryptionKey, DecryptionPolicy};

/// The top-level status code Requester: the request could not be performed because of an
/// error on the sender's side.
pub const STATUS_REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";
/// The top-level status code Responder: an error on the responder's side.
pub const STATUS_RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";
/// The second-level status code PartialLogout (SAML Core §3.2.2.2): not every session
/// participant could be logged out.
pub const STATUS_PARTIAL_LOGOUT: &str = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";
/// The second-level status code UnknownPrincipal: the principal is not known to the responder.
pub const STATUS_UNKNOWN_PRINCIPAL: &str = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal";
/// The Reason of a logout the user asked for (SAML Core §3.7.3).
pub const REASON_USER: &str = "urn:oasis:names:tc:SAML:2.0:logout:user";
/// The Reason of a logout an administrator asked for.
pub const REASON_ADMIN: &str = "urn:oasis:names:tc:SAML:2.0:logout:admin";

/// How long a logout message is accepted after its IssueInstant when it has no NotOnOrAfter
/// (every LogoutResponse, and LogoutRequests that omit it), how long our own LogoutRequests
/// say they are valid (their NotOnOrAfter), and how long their IDs stay pending. Default:
/// 10 minutes, the time a browser round trip through every SP may take.
pub const LOGOUT_LIFETIME_SECONDS: i64 = 600;

/// The request-store key of a pending LogoutRequest: `logout:` + its ID. AuthnRequest IDs are
/// stored bare, and `:` cannot occur in an xs:ID, so the two never meet.
pub(crate) fn pending_key(id: &str) -> String {
    format!("logout:{id}")
}

impl NameId {
    /// A NameID with no Format and no qualifiers (to log out a principal whose NameID the
    /// application kept; [`LogoutSubject::of`] takes it from a verified assertion).
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            format: None,
            sp_name_qualifier: None,
            name_qualifier: None,
        }
    }

    /// Sets the Format.
    pub fn with_format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// Sets the NameQualifier.
    pub fn with_name_qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.name_qualifier = Some(qualifier.into());
        self
    }

    /// Sets the SPNameQualifier.
    pub fn with_sp_name_qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.sp_name_qualifier = Some(qualifier.into());
        self
    }
}

/// A message received at a Single Logout URL, verified but not yet committed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReceivedLogout {
    /// A LogoutRequest: commit it to the replay cache, then act on it.
    Request(UnreplayedLogoutRequest),
    /// A LogoutResponse: commit it to the request store (consuming the pending request).
    Response(UnmatchedLogoutResponse),
}

/// A LogoutRequest that passed every check that needs no state; not yet recorded in the replay
/// cache. Only [`commit`](Self::commit) or [`commit_async`](Self::commit_async) hands out the
/// [`LogoutRequest`]; dropping it refuses the request.
#[must_use = "the LogoutRequest is only accepted once committed to the replay cache"]
#[derive(Debug)]
pub struct UnreplayedLogoutRequest {
    request: LogoutRequest,
    replay_key: String,
    keep_until: DateTime,
    now: DateTime,
}

impl UnreplayedLogoutRequest {
    fn new(request: LogoutRequest, skew: i64, now: DateTime) -> Self {
        let until = request.not_on_or_after.unwrap_or_else(|| {
            super::message::plus(request.envelope.issue_instant, LOGOUT_LIFETIME_SECONDS)
        });
        let keep_until = until.checked_add_seconds(skew).unwrap_or(until).max(now);
        let replay_key = format!(
            "logout\u{1f}{}\u{1f}{}",
            request.envelope.issuer, request.envelope.id
        );
        Self {
            request,
            replay_key,
            keep_until,
            now,
        }
    }

    /// The request's ID (for logging a refusal).
    pub fn id(&self) -> &str {
        &self.request.envelope.id
    }

    /// How long the replay cache keeps it: its NotOnOrAfter (or IssueInstant +
    /// [`LOGOUT_LIFETIME_SECONDS`]) plus the clock skew, the last instant it could be accepted.
    pub fn keep_until(&self) -> DateTime {
        self.keep_until
    }

    /// Records the request in the replay cache (atomic insert-if-absent) and returns it.
    ///
    /// # Errors
    ///
    /// `replay` when it was already accepted, `replay_cache_full`, and
    /// `replay_store_unavailable` when the cache cannot answer.
    pub fn commit<S: ReplayCache + ?Sized>(self, cache: &S) -> Result<LogoutRequest, SamlError> {
        let outcome = cache.insert_if_absent(&self.replay_key, self.keep_until, self.now);
        self.finish(outcome)
    }

    /// As [`commit`](Self::commit), for caches that answer over the network.
    ///
    /// # Errors
    ///
    /// As [`commit`](Self::commit).
    pub async fn commit_async<S: AsyncReplayCache + ?Sized>(
        self,
        cache: &S,
    ) -> Result<LogoutRequest, SamlError> {
        let outcome = cache
            .insert_if_absent(&self.replay_key, self.keep_until, self.now)
            .await;
        self.finish(outcome)
    }

    fn finish(
        self,
        outcome: Result<ReplayOutcome, StoreError>,
    ) -> Result<LogoutRequest, SamlError> {
        match outcome {
            Ok(ReplayOutcome::Fresh) => Ok(self.request),
            Ok(ReplayOutcome::Replayed) => Err(SamlError::LogoutReplay {
                id: self.request.envelope.id,
                issuer: self.request.envelope.issuer,
            }),
            Ok(ReplayOutcome::Full { capacity }) => Err(SamlError::ReplayCacheFull { capacity }),
            Err(source) => Err(SamlError::LogoutReplayStoreUnavailable {
                id: self.request.envelope.id,
                source,
            }),
        }
    }
}

/// A LogoutResponse that passed every check that needs no state; its InResponseTo not yet
/// consumed. Only [`commit`](Self::commit) or [`commit_async`](Self::commit_async) hands out
/// the [`LogoutResponse`].
#[must_use = "the LogoutResponse is only accepted once its InResponseTo is consumed"]
#[derive(Debug)]
pub struct UnmatchedLogoutResponse {
    response: LogoutResponse,
    now: DateTime,
}

impl UnmatchedLogoutResponse {
    /// The LogoutRequest ID it claims to answer (not yet matched).
    pub fn in_response_to(&self) -> Option<&str> {
        self.response.in_response_to.as_deref()
    }

    /// The RelayState that came with it, as received (attacker-chosen: check it before
    /// [`commit`](Self::commit) if it decides where the browser goes, so that a hostile value
    /// does not use up the pending request).
    pub fn relay_state(&self) -> Option<&str> {
        self.response.relay_state()
    }

    /// Consumes the pending LogoutRequest its InResponseTo names (single use, only
    /// LogoutRequest IDs: the key is `logout:` + ID) and returns the response.
    ///
    /// # Errors
    ///
    /// `unknown_in_response_to` when no such LogoutRequest is pending (unknown, expired,
    /// already answered, an AuthnRequest ID, or no InResponseTo), and
    /// `request_store_unavailable` when the store cannot answer.
    pub fn commit<S: RequestStore + ?Sized>(self, store: &S) -> Result<LogoutResponse, SamlError> {
        let Some(id) = self.response.in_response_to.clone() else {
            return Err(SamlError::UnknownLogoutInResponseTo {
                found: String::new(),
            });
        };
        let taken = store.take(&pending_key(&id), self.now);
        self.finish(id, taken)
    }

    /// As [`commit`](Self::commit), for stores that answer over the network.
    ///
    /// # Errors
    ///
    /// As [`commit`](Self::commit).
    pub async fn commit_async<S: AsyncRequestStore + ?Sized>(
        self,
        store: &S,
    ) -> Result<LogoutResponse, SamlError> {
        let Some(id) = self.response.in_response_to.clone() else {
            return Err(SamlError::UnknownLogoutInResponseTo {
                found: String::new(),
            });
        };
        let taken = store.take(&pending_key(&id), self.now).await;
        self.finish(id, taken)
    }

    fn finish(
        self,
        id: String,
        taken: Result<bool, StoreError>,
    ) -> Result<LogoutResponse, SamlError> {
        match taken {
            Ok(true) => Ok(self.response),
            Ok(false) => Err(SamlError::UnknownLogoutInResponseTo { found: id }),
            Err(source) => Err(SamlError::RequestStoreUnavailable {
                in_response_to: id,
                source,
            }),
        }
    }
}

/// A LogoutRequest built and signed but not yet recorded as pending: [`record`](Self::record)
/// (or [`record_async`](Self::record_async)) stores its ID under `logout:` + ID and hands out
/// the message. A request whose ID could not be recorded is not sent, since its answer would be
/// refused.
#[must_use = "a LogoutRequest must be recorded as pending before it is sent"]
#[derive(Debug)]
pub struct UnrecordedLogout {
    outgoing: OutgoingLogout,
    now: DateTime,
}

impl UnrecordedLogout {
    /// The request's ID.
    pub fn id(&self) -> &str {
        &self.outgoing.id
    }

    fn expires(&self) -> DateTime {
        super::message::plus(self.now, LOGOUT_LIFETIME_SECONDS)
    }

    /// Records the ID as pending (for [`LOGOUT_LIFETIME_SECONDS`]) and returns the message.
    ///
    /// # Errors
    ///
    /// `request_store_unavailable` when the store cannot record it.
    pub fn record<S: RequestStore + ?Sized>(self, store: &S) -> Result<OutgoingLogout, SamlError> {
        let recorded = store.insert(&pending_key(&self.outgoing.id), self.expires(), self.now);
        self.finish(recorded)
    }

    /// As [`record`](Self::record), for stores that answer over the network.
    ///
    /// # Errors
    ///
    /// As [`record`](Self::record).
    pub async fn record_async<S: AsyncRequestStore + ?Sized>(
        self,
        store: &S,
    ) -> Result<OutgoingLogout, SamlError> {
        let recorded = store
            .insert(&pending_key(&self.outgoing.id), self.expires(), self.now)
            .await;
        self.finish(recorded)
    }

    fn finish(self, recorded: Result<(), StoreError>) -> Result<OutgoingLogout, SamlError> {
        match recorded {
            Ok(()) => Ok(self.outgoing),
            Err(source) => Err(SamlError::RequestStoreUnavailable {
                in_response_to: self.outgoing.id,
                source,
            }),
        }
    }
}

/// Splits a verified message into its commit step.
fn received(message: LogoutMessage, skew: i64, now: DateTime) -> ReceivedLogout {
    match message {
        LogoutMessage::Request(request) => {
            ReceivedLogout::Request(UnreplayedLogoutRequest::new(request, skew, now))
        }
        LogoutMessage::Response(response) => {
            ReceivedLogout::Response(UnmatchedLogoutResponse { response, now })
        }
    }
}

fn skew_seconds(skew: Duration) -> i64 {
    i64::try_from(skew.as_secs()).unwrap_or(i64::MAX)
}

/// What [`verify`] checks one logout message against: the peer, its pinned certificates, our
/// Single Logout URL and the clock skew. Nothing else is trusted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifySettings {
    peer_issuer: String,
    destination: String,
    certificates: Vec<TrustAnchor>,
    algorithm_policy: AlgorithmPolicy,
    max_clock_skew: Duration,
    decryption_keys: Vec<DecryptionKey>,
    decryption_policy: DecryptionPolicy,
    accept_unsigned: bool,
}

impl VerifySettings {
    /// A message from `peer_issuer` (its entity ID, which the Issuer must equal), sent to
    /// `destination` (our Single Logout URL, which the Destination must equal), signed with
    /// one of `certificates`. Defaults: SHA-256 and up, 120 s clock skew, no decryption key,
    /// unsigned messages refused.
    pub fn new(
        peer_issuer: impl Into<String>,
        destination: impl Into<String>,
        certificates: Vec<TrustAnchor>,
    ) -> Self {
        Self {
            peer_issuer: peer_issuer.into(),
            destination: destination.into(),
            certificates,
            algorithm_policy: AlgorithmPolicy::default(),
            max_clock_skew: Duration::from_secs(120),
            decryption_keys: Vec::new(),
            decryption_policy: DecryptionPolicy::default(),
            accept_unsigned: false,
        }
    }

    /// Sets the clock skew. Default: 120 s.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// Sets the algorithm policy (weaker ones are made in [`crate::crypto::danger`]).
    pub fn with_algorithm_policy(mut self, policy: AlgorithmPolicy) -> Self {
        self.algorithm_policy = policy;
        self
    }

    /// Adds a key an EncryptedID is decrypted with.
    pub fn with_decryption_key(mut self, key: DecryptionKey) -> Self {
        self.decryption_keys.push(key);
        self
    }
}

/// Opt-outs that weaken the logout checks. Each is a deliberate, auditable choice.
pub mod danger {
    use super::VerifySettings;

    /// Accepts messages without a signature (a signature that is present must still verify).
    /// For inspecting captures from a peer that does not sign; never for acting on them.
    pub fn accept_unsigned(settings: &mut VerifySettings) {
        settings.accept_unsigned = true;
    }
}

/// Verifies one incoming logout message against `settings` at `now`, without state: every
/// check of the [module documentation](self) except replay and InResponseTo matching, which
/// need the stores, and returns its fields. For tools (`saml-verify`) and tests: the result is
/// an [`InspectedLogout`], which nothing here acts on. Services use
/// [`ServiceProvider::receive_logout`](crate::ServiceProvider::receive_logout) or
/// [`IdentityProvider::receive_logout`](crate::saml::idp::IdentityProvider::receive_logout)
/// and commit.
///
/// # Errors
///
/// A [`SamlError`] naming the check that failed and the values that disagreed.
pub fn verify(
    incoming: &Incoming<'_>,
    settings: &VerifySettings,
    now: DateTime,
) -> Result<InspectedLogout, SamlError> {
    let limits = Limits::default();
    let receiver = Receiver {
        our_url: &settings.destination,
        skew: skew_seconds(settings.max_clock_skew),
        limits: &limits,
    };
    receiver
        .receive(
            incoming,
            |_| {
                Ok(Peer {
                    issuer: &settings.peer_issuer,
                    verifier: Verifier::new(
                        settings.certificates.clone(),
                        settings.algorithm_policy.clone(),
                    ),
                    accept_unsigned: settings.accept_unsigned,
                    decryption: Some((&settings.decryption_keys, &settings.decryption_policy)),
                })
            },
            now,
        )
        .map(InspectedLogout::from)
}
