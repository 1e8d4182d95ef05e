//! Signed cookies: the request-state cookie that binds an SP-initiated login to the browser
//! that started it, and the session cookie.
//!
//! A cookie value is `base64url(payload) "." base64url(HMAC-SHA256(key, name "=" payload))`.
//! The MAC covers the cookie's name too, so a value cannot be moved from one cookie to another
//! (a request cookie presented as a session, or the cookie of request A under request B's
//! name). Verification is constant-time (`aws_lc_rs::hmac::verify`). Payloads carry their own
//! expiry, checked after the MAC, so a cookie kept past its `Max-Age` is still refused.
//!
//! The payload is signed, not encrypted: the browser can read it (its own request ID and
//! return path, its own NameID and attributes) but not change it.

use aws_lc_rs::hmac;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The key that signs the request and session cookies (HMAC-SHA256).
///
/// [`CookieKey::generate`] makes a random one at startup: sessions then end when the process
/// restarts, and instances of a fleet do not accept each other's cookies. Give every instance
/// the same 32 random bytes through [`CookieKey::from_bytes`] to share sessions. The key is
/// never printed (its `Debug` shows nothing of it).
#[derive(Clone)]
pub struct CookieKey(hmac::Key);

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

impl CookieKey {
    /// The number of bytes a key must have: 32 (the output size of SHA-256).
    pub const LEN: usize = 32;

    /// A random key from the system's generator.
    ///
    /// # Errors
    ///
    /// [`crate::ConfigError::Randomness`] when the system's random generator fails.
    pub fn generate() -> Result<Self, crate::ConfigError> {
        let mut bytes = [0u8; Self::LEN];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| crate::ConfigError::Randomness)?;
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, &bytes)))
    }

    /// A key from secret bytes (for instances that must accept each other's cookies).
    ///
    /// # Errors
    ///
    /// [`crate::ConfigError::CookieKeyLength`] unless `bytes` has [`CookieKey::LEN`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, crate::ConfigError> {
        if bytes.len() != Self::LEN {
            return Err(crate::ConfigError::CookieKeyLength {
                expected: Self::LEN,
                found: bytes.len(),
            });
        }
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, bytes)))
    }

    fn tag(&self, name: &str, payload: &[u8]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(name.as_bytes());
        ctx.update(b"=");
        ctx.update(payload);
        ctx.sign()
    }

    /// The signed value of cookie `name` holding `payload`.
    pub(crate) fn seal(&self, name: &str, payload: &[u8]) -> String {
        let tag = self.tag(name, payload);
        let mut out = URL_SAFE_NO_PAD.encode(payload);
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(tag.as_ref()));
        out
    }

    /// The payload of cookie `name` if its value carries a valid MAC; `None` otherwise.
    pub(crate) fn open(&self, name: &str, value: &str) -> Option<Vec<u8>> {
        let (payload, tag) = value.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut message = Vec::with_capacity(name.len() + 1 + payload.len());
        message.extend_from_slice(name.as_bytes());
        message.push(b'=');
        message.extend_from_slice(&payload);
        hmac::verify(&self.0, &message, &tag).ok()?;
        Some(payload)
    }
}

/// Every `name=value` pair of the request's `Cookie` headers, in order. Malformed pairs are
/// skipped (a cookie that does not parse is a cookie the browser did not send us).
pub(crate) fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((name.trim(), value.trim()))
        })
}

/// How the cookies are marked for the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Marking {
    /// `Secure` on every cookie, `SameSite=None` on the request cookie.
    pub secure: bool,
}

/// `SameSite` of one cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SameSite {
    /// Sent on the IdP's cross-site POST to the ACS (needs `Secure`).
    None,
    /// Sent on top-level navigations, including the 303 after the ACS.
    Lax,
}

/// A `Set-Cookie` header value. `max_age` 0 deletes the cookie.
pub(crate) fn set_cookie(
    marking: Marking,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
    same_site: SameSite,
) -> String {
    let mut out = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly");
    // SameSite=None without Secure is refused by current browsers; on plain http the request
    // cookie falls back to Lax (see the crate documentation for what that means).
    match (same_site, marking.secure) {
        (SameSite::None, true) => out.push_str("; Secure; SameSite=None"),
        (_, true) => out.push_str("; Secure; SameSite=Lax"),
        (_, false) => out.push_str("; SameSite=Lax"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_round_trip_and_bind_the_name() {
        let key = CookieKey::from_bytes(&[7; 32]).expect("32 bytes");
        let sealed = key.seal("a", b"payload");
        assert_eq!(key.open("a", &sealed).as_deref(), Some(&b"payload"[..]));
        assert_eq!(key.open("b", &sealed), None, "the name is under the MAC");
        let other = CookieKey::from_bytes(&[8; 32]).expect("32 bytes");
        assert_eq!(other.open("a", &sealed), None, "another key");
        let (p, t) = sealed.split_once('.').expect("dot");
        let forged = format!("{}.{t}", URL_SAFE_NO_PAD.encode(b"payloaX"));
        assert_eq!(key.open("a", &forged), None, "payload changed");
        assert_eq!(key.open("a", p), None, "no tag");
    }

    #[test]
    fn key_length_is_checked() {
        assert!(matches!(
            CookieKey::from_bytes(&[0; 16]),
            Err(crate::ConfigError::CookieKeyLength {
                expected: 32,
                found: 16
            })
        ));
    }
}
