//! Building SAML messages as text: escaping, fresh IDs and timestamps.

use std::fmt::Write as _;

use crate::time::Instant;

/// Escapes text for element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            '\n' => out.push_str("&#xA;"),
            '\t' => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
    out
}

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
