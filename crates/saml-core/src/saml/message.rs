//! Building SAML messages as text: escaping, fresh IDs and timestamps.
//!
//! It owns only text building; nothing here reads or trusts input.

use crate::crypto::backend::{self, RandomFailed};
use crate::time::DateTime;

pub(crate) use crate::xml::escape::{escape, push_escaped};

/// A fresh message ID: `_` and 160 random bits in hex (an NCName, as xs:ID requires).
pub(crate) fn new_id() -> Result<String, RandomFailed> {
    let mut bytes = [0u8; 20];
    backend::fill_random(&mut bytes)?;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(41);
    id.push('_');
    for b in bytes {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 0xF)]));
    }
    Ok(id)
}

/// `instant` plus `seconds`, saturating at `instant`.
pub(crate) fn plus(instant: DateTime, seconds: i64) -> DateTime {
    instant.checked_add_seconds(seconds).unwrap_or(instant)
}
