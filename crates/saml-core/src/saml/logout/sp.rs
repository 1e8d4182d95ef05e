//! Single Logout on the service provider: SP-initiated (send a LogoutRequest to the IdP,
//! receive its LogoutResponse) and IdP-initiated (receive a LogoutRequest, end the sessions
//! through the application, answer).

use super::message::{
    Incoming, LogoutRequest, LogoutStatus, OutgoingLogout, Peer, Receiver, Sender,
};
use super::{ReceivedLogout, UnrecordedLogout, received, skew_seconds};
use crate::dsig::Verifier;
use crate::saml::error::SamlError;
use crate::saml::replay::StoreError;
use crate::saml::sp::{NameId, ServiceProvider, VerifiedAssertion};
use crate::time::DateTime;
use crate::xml::Limits;

/// Whom a LogoutRequest logs out: the NameID exactly as the assertion had it (value, Format,
/// NameQualifier, SPNameQualifier) and the SessionIndex values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutSubject {
    /// The NameID.
    pub name_id: NameId,
    /// The SessionIndex values (none: every session of the principal at the IdP).
    pub session_indexes: Vec<String>,
}

impl LogoutSubject {
    /// The NameID and SessionIndex of a verified assertion: what the SP logs out.
    pub fn of(assertion: &VerifiedAssertion) -> Self {
        Self {
            name_id: assertion.name_id().clone(),
            session_indexes: assertion
                .session_index()
                .map(str::to_owned)
                .into_iter()
                .collect(),
        }
    }

    /// A subject the application kept itself.
    pub fn new(name_id: NameId, session_indexes: Vec<String>) -> Self {
        Self {
            name_id,
            session_indexes,
        }
    }
}

/// What the application's session store did for a LogoutRequest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ended {
    /// Sessions of the principal that were ended.
    pub ended: usize,
    /// Sessions of the principal that matched but could not be ended.
    pub failed: usize,
}

impl Ended {
    /// `ended` sessions ended, `failed` that matched but could not be.
    pub fn new(ended: usize, failed: usize) -> Self {
        Self { ended, failed }
    }

    /// The LogoutResponse status this result calls for: Success; Requester + UnknownPrincipal
    /// when no session matched; Responder + PartialLogout when some could not be ended.
    pub fn status(self) -> LogoutStatus {
        if self.failed > 0 {
            LogoutStatus::partial_logout()
        } else if self.ended == 0 {
            LogoutStatus::unknown_principal()
        } else {
            LogoutStatus::success()
        }
    }
}

/// Ends the application's sessions for a verified LogoutRequest. Implemented by the
/// application over its session store. Sessions are found by the NameID and SessionIndex the
/// IdP sent, never by a cookie: a front-channel LogoutRequest may arrive without the user's
/// cookies (`SameSite`), and a cookie would let anyone who can send the browser to the SLO URL
/// pick whose session ends.
pub trait SessionTerminator {
    /// Ends every session of `name_id` whose SessionIndex is one of `session_indexes` (every
    /// session of `name_id` when the list is empty) and says how many were and were not
    /// ended. An error means the session store could not be consulted.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the session store cannot answer; the IdP is then answered with
    /// Responder.
    fn end_sessions(
        &self,
        name_id: &NameId,
        session_indexes: &[String],
    ) -> Result<Ended, StoreError>;
}

/// The answer to an IdP's LogoutRequest: the signed LogoutResponse, and what was ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LogoutAnswer {
    /// The LogoutResponse to send to the IdP's Single Logout service.
    pub response: OutgoingLogout,
    /// Its status.
    pub status: LogoutStatus,
    /// What the application's session store did, or why it could not.
    pub ended: Result<Ended, StoreError>,
}

impl ServiceProvider {
    fn idp_slo(&self) -> Result<(&str, crate::settings::Binding), SamlError> {
        self.idp()
            .single_logout_service()
            .ok_or(SamlError::SloNotConfigured {
                setting: "the IdP's Single Logout service (IdpSettings::with_single_logout_service)",
            })
    }

    fn own_slo(&self) -> Result<&str, SamlError> {
        self.sp()
            .single_logout_url()
            .ok_or(SamlError::SloNotConfigured {
                setting: "the SP's Single Logout URL (SpSettings::with_single_logout_url)",
            })
    }

    fn sender(&self) -> Result<Sender<'_>, SamlError> {
        let (destination, binding) = self.idp_slo()?;
        Ok(Sender {
            issuer: self.sp().entity_id(),
            signer: self.sp().signer(),
            destination,
            binding,
        })
    }

    /// Builds a LogoutRequest for `subject` to the IdP's Single Logout service, by its binding,
    /// signed whenever the SP has a signing key (Okta requires signed SP-initiated logout).
    /// [`record`](UnrecordedLogout::record) it in the request store, then send it.
    ///
    /// # Errors
    ///
    /// `slo_not_configured` without the IdP's Single Logout service; `signing_failed`,
    /// `randomness_failed`.
    pub fn logout_request(
        &self,
        subject: &LogoutSubject,
        reason: Option<&str>,
        relay_state: Option<&str>,
        now: DateTime,
    ) -> Result<UnrecordedLogout, SamlError> {
        let outgoing = self.sender()?.request(
            &subject.name_id,
            &subject.session_indexes,
            reason,
            relay_state,
            now,
        )?;
        Ok(UnrecordedLogout { outgoing, now })
    }

    /// Verifies a LogoutRequest or LogoutResponse from the IdP that arrived at the SP's Single
    /// Logout URL. Nothing is recorded yet: commit the result.
    ///
    /// # Errors
    ///
    /// `slo_not_configured` without the SP's Single Logout URL, and a [`SamlError`] naming
    /// the check that failed (see the [module documentation](super)).
    pub fn receive_logout(
        &self,
        incoming: &Incoming<'_>,
        now: DateTime,
    ) -> Result<ReceivedLogout, SamlError> {
        let limits = Limits::default();
        let skew = skew_seconds(self.idp().max_clock_skew());
        let receiver = Receiver {
            our_url: self.own_slo()?,
            skew,
            limits: &limits,
        };
        let idp = self.idp();
        let message = receiver.receive(
            incoming,
            |_| {
                Ok(Peer {
                    issuer: idp.issuer(),
                    verifier: Verifier::new(
                        idp.signing_certificates().to_vec(),
                        idp.algorithm_policy().clone(),
                    ),
                    accept_unsigned: idp.unsigned_logout_accepted(),
                    decryption: Some((self.sp().decryption_keys(), &self.sp().decryption_policy)),
                })
            },
            now,
        )?;
        Ok(received(message, skew, now))
    }

    /// Answers a committed LogoutRequest from the IdP: ends the principal's sessions through
    /// `terminator` and builds the signed LogoutResponse to the IdP's Single Logout service,
    /// with the request's RelayState. The status follows [`Ended::status`]; a terminator error
    /// answers Responder. Never panics, whatever the terminator does short of panicking.
    ///
    /// # Errors
    ///
    /// `slo_not_configured`, `signing_failed`, `randomness_failed`.
    pub fn answer_logout(
        &self,
        request: &LogoutRequest,
        terminator: &dyn SessionTerminator,
        now: DateTime,
    ) -> Result<LogoutAnswer, SamlError> {
        let sender = self.sender()?;
        let ended = terminator.end_sessions(request.name_id(), request.session_indexes());
        let status = match &ended {
            Ok(ended) => ended.status(),
            Err(_) => LogoutStatus::responder("the service provider could not end the sessions"),
        };
        let response = sender.response(request.id(), &status, request.relay_state(), now)?;
        Ok(LogoutAnswer {
            response,
            status,
            ended,
        })
    }
}
