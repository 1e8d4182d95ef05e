//! The IdP's record of which SPs a user's IdP session reached: the only state Single Logout
//! propagation starts from.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::saml::replay::StoreError;
use crate::saml::sp::NameId;

/// One SP a user's IdP session reached: the NameID issued to it (with its Format and
/// qualifiers) and the SessionIndex of its AuthnStatement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Participant {
    /// The SP's entity ID.
    pub sp_entity_id: String,
    /// The NameID value issued to it.
    pub name_id: String,
    /// The NameID Format.
    pub name_id_format: Option<String>,
    /// The NameID NameQualifier.
    pub name_qualifier: Option<String>,
    /// The NameID SPNameQualifier.
    pub sp_name_qualifier: Option<String>,
    /// The SessionIndex of the AuthnStatement issued to it.
    pub session_index: String,
}

impl Participant {
    /// A participant with this NameID and SessionIndex.
    pub fn new(
        sp_entity_id: impl Into<String>,
        name_id: &NameId,
        session_index: impl Into<String>,
    ) -> Self {
        Self {
            sp_entity_id: sp_entity_id.into(),
            name_id: name_id.value.clone(),
            name_id_format: name_id.format.clone(),
            name_qualifier: name_id.name_qualifier.clone(),
            sp_name_qualifier: name_id.sp_name_qualifier.clone(),
            session_index: session_index.into(),
        }
    }

    /// The NameID, as issued.
    pub fn name_id(&self) -> NameId {
        NameId {
            value: self.name_id.clone(),
            format: self.name_id_format.clone(),
            sp_name_qualifier: self.sp_name_qualifier.clone(),
            name_qualifier: self.name_qualifier.clone(),
        }
    }
}

/// Which SPs each IdP session reached. Implemented in memory by
/// [`InMemorySessionRegistry`]; a fleet implements it over its shared store. Like the replay
/// cache it is fallible: a registry that cannot answer stops a logout from starting on a
/// half-known set of SPs.
pub trait SessionRegistry: Send + Sync {
    /// Records that IdP session `session` reached `participant` (a second login to the same
    /// SP in the same session adds its SessionIndex).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the registry cannot record it.
    fn record(&self, session: &str, participant: Participant) -> Result<(), StoreError>;

    /// The IdP session an SP's LogoutRequest names: the session whose participant for
    /// `sp_entity_id` has NameID `name_id` and one of `session_indexes` (any, when empty).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the registry cannot answer.
    fn find_session(
        &self,
        sp_entity_id: &str,
        name_id: &str,
        session_indexes: &[String],
    ) -> Result<Option<String>, StoreError>;

    /// Removes session `session` and returns its participants in the order recorded, in one
    /// step (a second logout of the same session finds nothing to propagate).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the registry cannot answer.
    fn take_session(&self, session: &str) -> Result<Vec<Participant>, StoreError>;
}

/// The in-memory [`SessionRegistry`], for one process, bounded.
#[derive(Debug)]
pub struct InMemorySessionRegistry {
    sessions: Mutex<HashMap<String, Vec<Participant>>>,
    capacity: usize,
}

impl InMemorySessionRegistry {
    /// A registry holding at most `capacity` sessions; recording a new session beyond it is
    /// refused (sessions leave it when they are logged out).
    pub fn new(capacity: usize) -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Participant>>> {
        // Each operation is one insert, push or removal: a panic elsewhere cannot leave the
        // map half-written, so a poisoned lock's data is still consistent.
        match self.sessions.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Default for InMemorySessionRegistry {
    /// 100,000 sessions.
    fn default() -> Self {
        Self::new(100_000)
    }
}

/// At most this many participants per session (SPs × logins), so one session cannot grow
/// without bound.
const MAX_PARTICIPANTS: usize = 1024;

impl SessionRegistry for InMemorySessionRegistry {
    fn record(&self, session: &str, participant: Participant) -> Result<(), StoreError> {
        let mut map = self.lock();
        if !map.contains_key(session) && map.len() >= self.capacity {
            return Err(StoreError::Unavailable {
                detail: format!(
                    "the in-memory session registry is full ({} sessions)",
                    self.capacity
                ),
            });
        }
        let participants = map.entry(session.to_owned()).or_default();
        if participants.len() >= MAX_PARTICIPANTS {
            return Err(StoreError::Unavailable {
                detail: format!("session `{session}` already has {MAX_PARTICIPANTS} participants"),
            });
        }
        participants.push(participant);
        Ok(())
    }

    fn find_session(
        &self,
        sp_entity_id: &str,
        name_id: &str,
        session_indexes: &[String],
    ) -> Result<Option<String>, StoreError> {
        let map = self.lock();
        Ok(map
            .iter()
            .find(|(_, participants)| {
                participants.iter().any(|p| {
                    p.sp_entity_id == sp_entity_id
                        && p.name_id == name_id
                        && (session_indexes.is_empty()
                            || session_indexes.contains(&p.session_index))
                })
            })
            .map(|(session, _)| session.clone()))
    }

    fn take_session(&self, session: &str) -> Result<Vec<Participant>, StoreError> {
        Ok(self.lock().remove(session).unwrap_or_default())
    }
}
