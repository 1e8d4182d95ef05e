//! Single Logout on the identity provider: receive LogoutRequests and LogoutResponses from
//! SPs, record which SPs a session reached, and propagate a logout to every other participant.

use serde::{Deserialize, Serialize};

use super::message::{
    Incoming, LogoutOutcome, LogoutRequest, LogoutResponse, LogoutStatus, OutgoingLogout, Peer,
    Receiver, Sender,
};
use super::session::{Participant, SessionRegistry};
use super::{ReceivedLogout, pending_key, received, skew_seconds};
use crate::dsig::Verifier;
use crate::saml::error::SamlError;
use crate::saml::idp::{IdentityProvider, ReceivedRequest, SpPeer, Subject};
use crate::saml::message::{new_id, plus};
use crate::saml::replay::{AsyncRequestStore, RequestStore, StoreError};
use crate::saml::sp::NameId;
use crate::time::DateTime;
use crate::xml::Limits;

/// The SP whose LogoutRequest started a logout, to be answered when propagation is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Initiator {
    /// Its entity ID.
    pub sp_entity_id: String,
    /// The ID of its LogoutRequest (the answer's InResponseTo).
    pub request_id: String,
    /// The RelayState that came with it, returned with the answer.
    pub relay_state: Option<String>,
}

/// Where one SP stands in a propagation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LegState {
    /// Failed: no Single Logout service, a non-success answer, or marked failed by the
    /// application (timeout, bad signature on its answer).
    Failed {
        /// Why, for the summary.
        reason: String,
    },
    /// Its LogoutResponse said Success.
    LoggedOut,
    /// No LogoutRequest made yet.
    NotSent,
    /// A LogoutRequest is out; its ID is pending.
    Sent {
        /// The LogoutRequest ID.
        request_id: String,
    },
}

/// One participating SP of a propagation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    participant: Participant,
    state: LegState,
}

impl Leg {
    /// The SP's entity ID.
    pub fn sp_entity_id(&self) -> &str {
        &self.participant.sp_entity_id
    }

    /// The NameID and SessionIndex it was issued.
    pub fn participant(&self) -> &Participant {
        &self.participant
    }

    /// Where it stands.
    pub fn state(&self) -> &LegState {
        &self.state
    }
}

/// An IdP logout in progress: the ordered participants other than the initiator, each with
/// its state. A plain value: keep it **server-side** between browser round trips (in the IdP
/// session store, keyed by the IdP session), never in a client cookie, where a user could
/// drop legs or mark them logged out. It is `Serialize` + `Deserialize` for that store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Propagation {
    session: String,
    initiator: Option<Initiator>,
    legs: Vec<Leg>,
}

/// How a propagation ended, for the initiator's answer or the IdP's own page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutSummary {
    /// SPs that answered Success, in order.
    pub logged_out: Vec<String>,
    /// SPs that failed, with why, in order (SPs never answered count here, as "no answer").
    pub failed: Vec<(String, String)>,
    /// Success, or Responder + PartialLogout when any SP failed.
    pub status: LogoutStatus,
}

impl Propagation {
    /// The IdP session being logged out.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// The SP that asked for the logout (`None`: IdP-initiated).
    pub fn initiator(&self) -> Option<&Initiator> {
        self.initiator.as_ref()
    }

    /// The other participants, in the order their requests go out.
    pub fn legs(&self) -> &[Leg] {
        &self.legs
    }

    /// Applies a committed LogoutResponse (its InResponseTo already consumed from the request
    /// store): the leg whose request it answers becomes logged out, or failed with the status.
    ///
    /// # Errors
    ///
    /// `unknown_in_response_to` when it answers no request of this propagation, and
    /// `issuer_mismatch` when it comes from an SP other than the one the request went to.
    pub fn record_response(
        &mut self,
        response: &LogoutResponse,
    ) -> Result<LogoutOutcome, SamlError> {
        let irt = response.in_response_to().unwrap_or_default();
        let leg = self
            .legs
            .iter_mut()
            .find(|l| matches!(&l.state, LegState::Sent { request_id } if request_id == irt))
            .ok_or_else(|| SamlError::UnknownLogoutInResponseTo {
                found: irt.to_owned(),
            })?;
        if leg.participant.sp_entity_id != response.issuer() {
            return Err(SamlError::IssuerMismatch {
                element: "LogoutResponse",
                expected: leg.participant.sp_entity_id.clone(),
                found: Some(response.issuer().to_owned()),
            });
        }
        let outcome = response.outcome();
        leg.state = match outcome {
            LogoutOutcome::Success => LegState::LoggedOut,
            _ => LegState::Failed {
                reason: format!("answered {}", response.status().codes()),
            },
        };
        Ok(outcome)
    }

    /// Marks an SP failed (timed out, its answer refused): every leg of `sp_entity_id` not yet
    /// finished. Returns whether one was.
    pub fn mark_failed(&mut self, sp_entity_id: &str, reason: impl Into<String>) -> bool {
        let reason = reason.into();
        let mut marked = false;
        for leg in &mut self.legs {
            if leg.participant.sp_entity_id == sp_entity_id
                && matches!(leg.state, LegState::NotSent | LegState::Sent { .. })
            {
                leg.state = LegState::Failed {
                    reason: reason.clone(),
                };
                marked = true;
            }
        }
        marked
    }

    fn apply(&mut self, states: Vec<LegState>) {
        for (leg, state) in self.legs.iter_mut().zip(states) {
            leg.state = state;
        }
    }

    /// Whether every leg is logged out or failed.
    pub fn is_complete(&self) -> bool {
        self.legs
            .iter()
            .all(|l| matches!(l.state, LegState::LoggedOut | LegState::Failed { .. }))
    }

    /// The outcome so far; legs still out count as failed ("no answer").
    pub fn summary(&self) -> LogoutSummary {
        let mut logged_out = Vec::new();
        let mut failed = Vec::new();
        for leg in &self.legs {
            let sp = leg.participant.sp_entity_id.clone();
            match &leg.state {
                LegState::LoggedOut => logged_out.push(sp),
                LegState::Failed { reason } => failed.push((sp, reason.clone())),
                LegState::NotSent | LegState::Sent { .. } => failed.push((sp, "no answer".into())),
            }
        }
        let status = if failed.is_empty() {
            LogoutStatus::success()
        } else {
            LogoutStatus::partial_logout().with_message(format!(
                "{} of {} service providers were not logged out",
                failed.len(),
                self.legs.len()
            ))
        };
        LogoutSummary {
            logged_out,
            failed,
            status,
        }
    }
}

/// How long a LogoutRequest's ID stays pending.
fn pending_until(now: DateTime) -> DateTime {
    plus(now, super::LOGOUT_LIFETIME_SECONDS)
}

fn recorded_or_refused(
    request: &OutgoingLogout,
    recorded: Result<(), StoreError>,
) -> Result<(), SamlError> {
    recorded.map_err(|source| SamlError::RequestStoreUnavailable {
        in_response_to: request.id.clone(),
        source,
    })
}

fn peer_slo(peer: &SpPeer) -> Result<(&str, crate::settings::Binding), SamlError> {
    peer.single_logout_service()
        .ok_or(SamlError::SloNotConfigured {
            setting: "the SP's Single Logout service (SpPeer::with_single_logout_service)",
        })
}

impl IdentityProvider {
    fn sender_to<'s>(&'s self, peer: &'s SpPeer) -> Result<Sender<'s>, SamlError> {
        let (destination, binding) = peer_slo(peer)?;
        Ok(Sender {
            issuer: self.entity_id(),
            signer: Some(self.signer()),
            destination,
            binding,
        })
    }

    /// Issues a signed Response as [`issue`](Self::issue) does, with a fresh SessionIndex, and
    /// records the SP as a participant of IdP session `session` in `registry` (NameID and
    /// SessionIndex as issued) before returning it: a Response the registry could not record
    /// is not handed out, since the SP could then never be logged out.
    ///
    /// # Errors
    ///
    /// As [`issue`](Self::issue), and `session_store_unavailable` when the registry fails.
    pub fn issue_in_session(
        &self,
        sp: &SpPeer,
        subject: &Subject,
        request: Option<&ReceivedRequest>,
        session: &str,
        registry: &dyn SessionRegistry,
        now: DateTime,
    ) -> Result<String, SamlError> {
        let session_index = new_id().map_err(|_| SamlError::Randomness)?;
        let xml = self.issue_with_session_index(sp, subject, request, &session_index, now)?;
        let name_id =
            NameId::new(subject.name_id.clone()).with_format(subject.name_id_format.clone());
        registry
            .record(
                session,
                Participant::new(sp.entity_id(), &name_id, session_index),
            )
            .map_err(|source| SamlError::SessionStoreUnavailable { source })?;
        Ok(xml)
    }

    /// Verifies a LogoutRequest or LogoutResponse that arrived at the IdP's Single Logout URL
    /// from one of `peers`: the peer is chosen by the message's Issuer, and the message must
    /// be signed by that peer's pinned keys. Nothing is recorded yet: commit the result.
    ///
    /// # Errors
    ///
    /// `slo_not_configured` without the IdP's Single Logout URL; `issuer_mismatch` when the
    /// Issuer names no peer; a [`SamlError`] naming any other check that failed.
    pub fn receive_logout(
        &self,
        peers: &[SpPeer],
        incoming: &Incoming<'_>,
        now: DateTime,
    ) -> Result<ReceivedLogout, SamlError> {
        let limits = Limits::default();
        let skew = skew_seconds(self.max_clock_skew());
        let our_url = self
            .single_logout_url()
            .ok_or(SamlError::SloNotConfigured {
                setting: "the IdP's Single Logout URL (IdentityProvider::with_single_logout_url)",
            })?;
        let receiver = Receiver {
            our_url,
            skew,
            limits: &limits,
        };
        let message = receiver.receive(
            incoming,
            |issuer| {
                let peer = peers
                    .iter()
                    .find(|p| Some(p.entity_id()) == issuer)
                    .ok_or_else(|| SamlError::LogoutUnknownIssuer {
                        message: "logout message",
                        expected: None,
                        found: issuer.map(str::to_owned),
                    })?;
                Ok(Peer {
                    issuer: peer.entity_id(),
                    verifier: Verifier::new(
                        peer.certificates().to_vec(),
                        peer.algorithm_policy().clone(),
                    ),
                    accept_unsigned: peer.unsigned_logout_accepted(),
                    decryption: None,
                })
            },
            now,
        )?;
        Ok(received(message, skew, now))
    }

    /// Starts the logout of IdP session `session`: takes its participants from `registry`
    /// (so a second logout finds none) and returns the propagation to every one of them
    /// except the initiating SP, in the order they were recorded. `initiator` is the committed
    /// LogoutRequest of the SP that asked (SP-initiated), or `None` (IdP-initiated). The
    /// application ends its own IdP session itself.
    ///
    /// For an SP's LogoutRequest, find the session with [`SessionRegistry::find_session`]
    /// (its NameID and SessionIndex), never with the browser's IdP cookie alone: the request
    /// names whom to log out. When no session matches there is nothing to propagate: answer
    /// with [`logout_response`](Self::logout_response) and [`LogoutStatus::success`] (the
    /// principal is logged out) or [`LogoutStatus::unknown_principal`], as the deployment
    /// prefers.
    ///
    /// # Errors
    ///
    /// `session_store_unavailable` when the registry cannot answer.
    pub fn start_logout(
        &self,
        session: &str,
        registry: &dyn SessionRegistry,
        initiator: Option<&LogoutRequest>,
    ) -> Result<Propagation, SamlError> {
        let participants = registry
            .take_session(session)
            .map_err(|source| SamlError::SessionStoreUnavailable { source })?;
        let initiator = initiator.map(|r| Initiator {
            sp_entity_id: r.issuer().to_owned(),
            request_id: r.id().to_owned(),
            relay_state: r.relay_state().map(str::to_owned),
        });
        let legs = participants
            .into_iter()
            .filter(|p| {
                initiator
                    .as_ref()
                    .is_none_or(|i| i.sp_entity_id != p.sp_entity_id)
            })
            .map(|participant| Leg {
                participant,
                state: LegState::NotSent,
            })
            .collect();
        Ok(Propagation {
            session: session.to_owned(),
            initiator,
            legs,
        })
    }

    /// The signed LogoutRequests to send front-channel, in order, one per leg not yet sent,
    /// each ID recorded pending in `store` (under `logout:` + ID). A leg whose SP is not among
    /// `peers` or has no Single Logout service is marked failed. The propagation changes only
    /// when every request was built and recorded.
    ///
    /// # Errors
    ///
    /// `request_store_unavailable`, `signing_failed`, `randomness_failed`.
    pub fn logout_requests<S: RequestStore + ?Sized>(
        &self,
        propagation: &mut Propagation,
        peers: &[SpPeer],
        store: &S,
        now: DateTime,
    ) -> Result<Vec<OutgoingLogout>, SamlError> {
        let (states, out) = self.build_requests(propagation, peers, now)?;
        for request in &out {
            let recorded = store.insert(&pending_key(&request.id), pending_until(now), now);
            recorded_or_refused(request, recorded)?;
        }
        propagation.apply(states);
        Ok(out)
    }

    /// As [`logout_requests`](Self::logout_requests), for stores that answer over the network.
    ///
    /// # Errors
    ///
    /// As [`logout_requests`](Self::logout_requests).
    pub async fn logout_requests_async<S: AsyncRequestStore + ?Sized>(
        &self,
        propagation: &mut Propagation,
        peers: &[SpPeer],
        store: &S,
        now: DateTime,
    ) -> Result<Vec<OutgoingLogout>, SamlError> {
        let (states, out) = self.build_requests(propagation, peers, now)?;
        for request in &out {
            let recorded = store
                .insert(&pending_key(&request.id), pending_until(now), now)
                .await;
            recorded_or_refused(request, recorded)?;
        }
        propagation.apply(states);
        Ok(out)
    }

    /// The requests for every leg not yet sent, and every leg's next state.
    fn build_requests(
        &self,
        propagation: &Propagation,
        peers: &[SpPeer],
        now: DateTime,
    ) -> Result<(Vec<LegState>, Vec<OutgoingLogout>), SamlError> {
        let mut states = Vec::with_capacity(propagation.legs.len());
        let mut out = Vec::new();
        for leg in &propagation.legs {
            if leg.state != LegState::NotSent {
                states.push(leg.state.clone());
                continue;
            }
            let peer = peers
                .iter()
                .find(|p| p.entity_id() == leg.participant.sp_entity_id);
            let Some(sender) = peer.and_then(|p| self.sender_to(p).ok()) else {
                states.push(LegState::Failed {
                    reason: "no Single Logout service is known for this service provider".into(),
                });
                continue;
            };
            let p = &leg.participant;
            let request = sender.request(
                &p.name_id(),
                std::slice::from_ref(&p.session_index),
                None,
                None,
                now,
            )?;
            states.push(LegState::Sent {
                request_id: request.id.clone(),
            });
            out.push(request);
        }
        Ok((states, out))
    }

    /// A signed LogoutResponse to `peer`'s Single Logout service, answering `in_response_to`
    /// with `status` (for an SP's LogoutRequest the IdP answers without propagating, or with a
    /// refusal).
    ///
    /// # Errors
    ///
    /// `slo_not_configured` when the SP has no Single Logout service; `signing_failed`,
    /// `randomness_failed`.
    pub fn logout_response(
        &self,
        peer: &SpPeer,
        in_response_to: &str,
        status: &LogoutStatus,
        relay_state: Option<&str>,
        now: DateTime,
    ) -> Result<OutgoingLogout, SamlError> {
        self.sender_to(peer)?
            .response(in_response_to, status, relay_state, now)
    }

    /// Finishes a propagation: for an SP-initiated logout, the signed LogoutResponse to the
    /// initiator (Success, or Responder + PartialLogout when any other SP failed or never
    /// answered; call [`Propagation::mark_failed`] for those first), with its RelayState. For
    /// an IdP-initiated logout, `None`: show [`Propagation::summary`].
    ///
    /// # Errors
    ///
    /// `slo_not_configured` when the initiator is not among `peers` or has no Single Logout
    /// service; `signing_failed`, `randomness_failed`.
    pub fn finish_logout(
        &self,
        propagation: &Propagation,
        peers: &[SpPeer],
        now: DateTime,
    ) -> Result<Option<OutgoingLogout>, SamlError> {
        let Some(initiator) = &propagation.initiator else {
            return Ok(None);
        };
        let peer = peers
            .iter()
            .find(|p| p.entity_id() == initiator.sp_entity_id)
            .ok_or(SamlError::SloNotConfigured {
                setting: "the initiating SP as a peer (SpPeer::with_single_logout_service)",
            })?;
        let status = propagation.summary().status;
        self.logout_response(
            peer,
            &initiator.request_id,
            &status,
            initiator.relay_state.as_deref(),
            now,
        )
        .map(Some)
    }
}
