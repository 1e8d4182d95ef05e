//! Where the browser goes after a login: a path on this site, never anywhere else.
//!
//! `return_to` (on `/saml/login`) and `RelayState` (on `/saml/acs`) are attacker-chosen. A
//! browser reads `//evil.example/`, `/\evil.example/` and `/\t/evil.example` as another host, and
//! servers and proxies in front of the application may decode `%2F`, `%5C` or `%09` once or
//! twice more before the browser sees the value. So a value is accepted only if it and every
//! percent-decoding of it (up to [`DECODE_ROUNDS`]) is a rooted path: it starts with one `/`
//! followed by anything but `/` or `\`, and holds no `\` and no control character; the value as
//! received is also ASCII without spaces. Everything else is refused with [`UnsafeReturnTo`], never "fixed".

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// The longest return path accepted, in bytes: 2048 (what every browser keeps in a URL bar
/// without complaint, and enough for a path with a query).
pub const MAX_LEN: usize = 2048;

/// How many rounds of percent-decoding are checked: 3 (one by us, up to two by layers in
/// front of the application).
pub const DECODE_ROUNDS: usize = 3;

/// A return path that is not a safe relative path on this site.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {parameter} `{value}` is not a path on this site ({reason}); only a relative path \
     starting with a single `/` is accepted"
)]
#[non_exhaustive]
pub struct UnsafeReturnTo {
    /// `return_to` or `RelayState`.
    pub parameter: &'static str,
    /// The value received (at most 200 characters of it).
    pub value: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

/// `value` if it is a safe relative path on this site.
///
/// # Errors
///
/// [`UnsafeReturnTo`] naming `parameter` and the reason.
pub fn check<'v>(parameter: &'static str, value: &'v str) -> Result<&'v str, UnsafeReturnTo> {
    let refuse = |reason| UnsafeReturnTo {
        parameter,
        value: value.chars().take(200).collect(),
        reason,
    };
    if value.len() > MAX_LEN {
        return Err(refuse("longer than 2048 bytes"));
    }
    let mut layer: Cow<'_, str> = Cow::Borrowed(value);
    for round in 0..=DECODE_ROUNDS {
        check_layer(&layer, round == 0).map_err(refuse)?;
        let decoded = percent_decode_str(&layer)
            .decode_utf8()
            .map_err(|_| refuse("percent-escapes that are not UTF-8"))?;
        if decoded == layer {
            return Ok(value);
        }
        layer = Cow::Owned(decoded.into_owned());
    }
    Err(refuse("percent-encoded more than three times"))
}

/// One layer of decoding. The value as received must be plain ASCII without spaces (anything
/// else is percent-encoded in a URL); decoded layers may hold spaces and UTF-8 (`%20`, `%C3%A9`),
/// which no browser reads as a host, but never a control character (browsers drop tabs and
/// newlines, so `/\t/host` becomes `//host`).
fn check_layer(s: &str, as_received: bool) -> Result<(), &'static str> {
    let mut bytes = s.bytes();
    if bytes.next() != Some(b'/') {
        return Err("not starting with `/`");
    }
    if matches!(bytes.next(), Some(b'/' | b'\\')) {
        return Err("starting with `//` or `/\\`, which names another host");
    }
    for c in s.chars() {
        if c == '\\' {
            return Err("a backslash");
        }
        if c.is_control() {
            return Err("a control character");
        }
        if as_received && c == ' ' {
            return Err("a space");
        }
        if as_received && !c.is_ascii() {
            return Err("a non-ASCII character");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_pass() {
        for ok in [
            "/",
            "/app",
            "/app/x?y=1&z=%20",
            "/a/b#frag",
            "/%7Euser",
            "/caf%C3%A9",
        ] {
            assert_eq!(check("return_to", ok), Ok(ok), "{ok}");
        }
    }

    #[test]
    fn every_other_host_is_refused() {
        for bad in [
            "",
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/a\\b",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/%2F/evil.example",
            "/%2fevil.example",
            "/%5Cevil.example",
            "/%252F%252Fevil.example",
            "/%25252F/evil.example",
            "/%09/evil.example",
            "/%00",
            "/%C2%85/evil.example",
            "/é",
            "evil.example",
            "%2F%2Fevil.example",
        ] {
            assert!(check("return_to", bad).is_err(), "{bad:?} must be refused");
        }
        assert!(check("return_to", &format!("/{}", "a".repeat(MAX_LEN))).is_err());
    }
}
