//! Building SAML messages as text: escaping, fresh IDs and timestamps.
//!
//! It owns only text building; nothing here reads or trusts input.

use std::fmt::Write as _;

use crate::time::Instant;

pub(crate) use crate::xml::escape::escape;

/// A fresh message ID: `_` and 160 random bits in hex (an NCName, as xs:ID requires).
pub(crate) fn new_id() -> Result<String, ring::error::Unspecified> {
    let bytes: [u8; 20] = ring::rand::generate(&ring::rand::SystemRandom::new())?.expose();
    let mut id = String::with_capacity(41);
    id.push('_');
    for b in bytes {
        let _ = write!(id, "{b:02x}");
    }
    Ok(id)
}

/// `instant` plus `seconds`, saturating at `instant`.
pub(crate) fn plus(instant: Instant, seconds: i64) -> Instant {
    instant.checked_add_seconds(seconds).unwrap_or(instant)
}
