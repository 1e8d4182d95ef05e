//! The ACS form (`application/x-www-form-urlencoded`): `SAMLResponse` and an optional
//! `RelayState`, each at most once; other fields are ignored.
//!
//! Written here rather than taken from a general form decoder because the `SAMLResponse`
//! value is the largest thing on the request path (tens of KiB of base64 whose `+`, `/` and `=`
//! arrive as `%2B`, `%2F`, `%3D`): decoding copies the runs between escapes in bulk (memchr),
//! several times faster than a byte-at-a-time decoder. A field given twice is refused rather than
//! read one way: the value checked and the value used must be the same.

use crate::page::RouteError;

/// The fields the ACS reads.
pub(crate) struct AcsForm {
    /// `SAMLResponse`, percent-decoded (still base64).
    pub saml_response: Vec<u8>,
    /// `RelayState`, percent-decoded.
    pub relay_state: Option<String>,
}

fn bad(detail: impl Into<String>) -> RouteError {
    RouteError::BadForm {
        detail: detail.into(),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `+` → space, `%XX` → the byte; `None` on a malformed escape.
fn decode_value(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = memchr::memchr2(b'%', b'+', rest) {
        out.extend_from_slice(rest.get(..i)?);
        if rest.get(i) == Some(&b'+') {
            out.push(b' ');
            rest = rest.get(i + 1..)?;
        } else {
            let (&h, &l) = (rest.get(i + 1)?, rest.get(i + 2)?);
            out.push((hex(h)? << 4) | hex(l)?);
            rest = rest.get(i + 3..)?;
        }
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// The values of `names` in a form body, each percent-decoded, each at most once (a field
/// given twice is refused); other fields are ignored.
pub(crate) fn fields<const N: usize>(
    body: &[u8],
    names: [&'static str; N],
) -> Result<[Option<Vec<u8>>; N], RouteError> {
    let mut out: [Option<Vec<u8>>; N] = std::array::from_fn(|_| None);
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match memchr::memchr(b'=', pair) {
            Some(i) => (
                pair.get(..i).unwrap_or_default(),
                pair.get(i + 1..).unwrap_or_default(),
            ),
            None => (pair, &b""[..]),
        };
        let Some(i) = names.iter().position(|n| n.as_bytes() == name) else {
            continue;
        };
        let (Some(slot), Some(field)) = (out.get_mut(i), names.get(i)) else {
            continue;
        };
        if slot.is_some() {
            return Err(bad(format!("the field {field} is given twice")));
        }
        let decoded =
            decode_value(value).ok_or_else(|| bad(format!("a malformed %-escape in {field}")))?;
        *slot = Some(decoded);
    }
    Ok(out)
}

/// A RelayState form value as text.
pub(crate) fn relay_state(value: Option<Vec<u8>>) -> Result<Option<String>, RouteError> {
    value
        .map(|r| String::from_utf8(r).map_err(|_| bad("RelayState is not UTF-8")))
        .transpose()
}

/// Parses the ACS form body.
pub(crate) fn parse(body: &[u8]) -> Result<AcsForm, RouteError> {
    let [saml_response, relay] = fields(body, ["SAMLResponse", "RelayState"])?;
    let saml_response = saml_response.ok_or_else(|| bad("no SAMLResponse field"))?;
    Ok(AcsForm {
        saml_response,
        relay_state: relay_state(relay)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded() {
        let form =
            parse(b"x=1&SAMLResponse=PHg%2B%2f%3D+&RelayState=%2Fapp%3Fq%3D1&y").expect("ok");
        assert_eq!(form.saml_response, b"PHg+/= ");
        assert_eq!(form.relay_state.as_deref(), Some("/app?q=1"));
        let form = parse(b"SAMLResponse=").expect("empty value");
        assert!(form.saml_response.is_empty());
        assert!(form.relay_state.is_none());
    }

    #[test]
    fn malformed_forms_are_refused() {
        for body in [
            &b""[..],
            b"RelayState=/",
            b"SAMLResponse=a&SAMLResponse=b",
            b"SAMLResponse=a&RelayState=/&RelayState=//evil",
            b"SAMLResponse=%",
            b"SAMLResponse=%4",
            b"SAMLResponse=%zz",
            b"SAMLResponse=a&RelayState=%ff",
        ] {
            assert!(
                matches!(parse(body), Err(RouteError::BadForm { .. })),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
