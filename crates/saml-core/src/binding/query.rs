//! The one parser for the parameters of a URL, query string or form body (DESIGN.md
//! invariant 10: one reading of every input).
//!
//! An HTTP-Redirect signature covers `SAMLRequest=…&RelayState=…&SigAlg=…` as the URL-encoded
//! octets were received (SAML Bindings §3.4.4.1). If the signature check and the code that
//! reads the message split the query differently, a captured signed query can sit where the
//! check looks while a forged message sits where the reader looks. So [`RedirectQuery`] splits
//! the text once, keeps each parameter's octets as received for the signature, and decodes the
//! message and RelayState from the same value; `binding::decode` and
//! `dsig::redirect::verify` both take it.
//!
//! It also refuses every input that parsers in common use would split differently from it:
//! a `?` or `#` that could end a URL in more than one place, `;` (a separator for some
//! frameworks), a parameter name written with escapes or in another case (decoded by some,
//! compared raw by others), a repeated parameter (first wins for some, last for others), and
//! malformed escapes (refused by some, passed through by others).

use super::{
    BindingError, DecodeLimits, Decoded, Encoding, base64_decode, check_escapes, finish_xml,
    inflate_redirect, into_utf8, percent_decode, xml_or_inflated,
};

/// The five parameter names of the SAML HTTP bindings (SAML Bindings §3.4.4, §3.5.4).
const NAMES: [&str; 5] = [
    "SAMLRequest",
    "SAMLResponse",
    "RelayState",
    "SigAlg",
    "Signature",
];

/// One parameter value as received: still URL-encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Raw<'q> {
    /// The value, between `=` and the next `&` or the end.
    value: &'q str,
    /// Offset of `value` in the input, for error positions.
    offset: usize,
}

/// A text parameter: its octets as received (for the signature) and its decoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Text<'q> {
    raw: &'q str,
    decoded: String,
}

/// The parameters of an HTTP-Redirect URL or query string (SAML Bindings §3.4.4), or of an
/// HTTP-POST form body (§3.5.4), which has the same `application/x-www-form-urlencoded`
/// syntax: split once, each value kept exactly as received. Nothing in it is verified.
///
/// It is the only reader of these parameters: [`decode`](super::decode) uses it for every
/// URL, query and form body, `dsig::redirect::verify` checks the signature over
/// [`signed_octets`](Self::signed_octets), and [`decode`](Self::decode) returns the message
/// and RelayState from the same value, so a caller never splits the query again.
///
/// [`parse`](Self::parse) accepts:
///
/// - a query string or form body: `name=value` pairs separated by `&` (empty pairs are
///   skipped, unknown names ignored);
/// - a URL or `?query`: only when the text before the first `?` (scheme, host and path) holds
///   no `=` and no `&`, so that it cannot also be read as parameters, and the query after it
///   holds no other `?`.
///
/// It refuses, each with its own [`BindingError`]: a `#` anywhere
/// ([`Fragment`](BindingError::Fragment)); a `?` other than the one ending a URL as above
/// ([`QuestionMark`](BindingError::QuestionMark)); `;` in the query
/// ([`Semicolon`](BindingError::Semicolon)); a `%` not followed by two hexadecimal digits
/// anywhere in the query ([`PercentEscape`](BindingError::PercentEscape)); a name that reads as
/// one of `SAMLRequest`, `SAMLResponse`, `RelayState`, `SigAlg` and `Signature` once
/// percent-decoded, trimmed and compared without case, but is written otherwise
/// ([`EncodedParameterName`](BindingError::EncodedParameterName)); one of these five without
/// `=` ([`ParameterWithoutValue`](BindingError::ParameterWithoutValue)) or twice
/// ([`DuplicateParameter`](BindingError::DuplicateParameter)); both messages
/// ([`BothMessages`](BindingError::BothMessages)) or neither
/// ([`MissingMessage`](BindingError::MissingMessage)); an empty message, `SigAlg` or
/// `Signature` ([`EmptyParameter`](BindingError::EmptyParameter)); and a RelayState, `SigAlg`
/// or `Signature` that is not UTF-8 once decoded ([`NotUtf8`](BindingError::NotUtf8)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectQuery<'q> {
    /// Whether a `?` preceded the parameters (a URL, or a query with its `?`).
    is_url: bool,
    /// The parameters as received: after the `?` of a URL, else the whole text.
    query: &'q str,
    /// `SAMLRequest` or `SAMLResponse`.
    parameter: &'static str,
    /// Its value, never empty.
    message: Raw<'q>,
    relay_state: Option<Text<'q>>,
    sig_alg: Option<Text<'q>>,
    /// Decoded, with spaces read as `+` (see [`RedirectQuery::signature`]).
    signature: Option<Text<'q>>,
}

impl<'q> RedirectQuery<'q> {
    /// Splits a URL, query string (with or without its leading `?`) or form body, as received.
    /// Error offsets are byte offsets in `input`.
    ///
    /// # Errors
    ///
    /// [`BindingError::InputTooLarge`] beyond `limits.max_input`, and the refusals listed on
    /// [`RedirectQuery`].
    pub fn parse(input: &'q str, limits: &DecodeLimits) -> Result<Self, BindingError> {
        if input.len() > limits.max_input {
            return Err(BindingError::InputTooLarge {
                len: input.len(),
                limit: limits.max_input,
            });
        }
        Self::parse_at(input, 0)
    }

    /// [`parse`](Self::parse) without the size check; `base` is the offset of `text` in the
    /// caller's input, for error positions.
    pub(super) fn parse_at(text: &'q str, base: usize) -> Result<Self, BindingError> {
        let bytes = text.as_bytes();
        if let Some(at) = memchr::memchr(b'#', bytes) {
            return Err(BindingError::Fragment { offset: base + at });
        }
        let question = memchr::memchr(b'?', bytes);
        if let Some(q) = question {
            let prefix = bytes.get(..q).unwrap_or_default();
            if prefix.iter().any(|&b| b == b'=' || b == b'&') {
                return Err(BindingError::QuestionMark { offset: base + q });
            }
            if let Some(rel) = memchr::memchr(b'?', bytes.get(q + 1..).unwrap_or_default()) {
                return Err(BindingError::QuestionMark {
                    offset: base + q + 1 + rel,
                });
            }
        }
        let query_start = question.map_or(0, |q| q + 1);
        let query = text.get(query_start..).unwrap_or_default();
        let query_base = base + query_start;
        if let Some(at) = memchr::memchr(b';', query.as_bytes()) {
            return Err(BindingError::Semicolon {
                offset: query_base + at,
            });
        }
        check_escapes(query.as_bytes(), query_base)?;

        let mut slots: [Option<Raw<'q>>; 5] = [None; 5];
        let mut pair_offset = query_base;
        for pair in query.split('&') {
            let offset = pair_offset;
            pair_offset += pair.len() + 1;
            if pair.is_empty() {
                continue;
            }
            let (name, value) = match pair.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (pair, None),
            };
            let Some(index) = NAMES.iter().position(|&n| n == name) else {
                if let Some(reads_as) = reads_as_a_binding_name(name) {
                    return Err(BindingError::EncodedParameterName {
                        name: reads_as.into(),
                        written: name.into(),
                        offset,
                    });
                }
                continue;
            };
            let name = NAMES.get(index).copied().unwrap_or_default();
            let Some(value) = value else {
                return Err(BindingError::ParameterWithoutValue {
                    name: name.into(),
                    offset,
                });
            };
            let Some(slot) = slots.get_mut(index) else {
                continue;
            };
            if slot.is_some() {
                return Err(BindingError::DuplicateParameter { name: name.into() });
            }
            *slot = Some(Raw {
                value,
                offset: offset + name.len() + 1,
            });
        }
        let [request, response, relay_state, sig_alg, signature] = slots;
        let (parameter, message) = match (request, response) {
            (Some(_), Some(_)) => return Err(BindingError::BothMessages),
            (Some(request), None) => ("SAMLRequest", request),
            (None, Some(response)) => ("SAMLResponse", response),
            (None, None) => return Err(BindingError::MissingMessage),
        };
        if message.value.is_empty() {
            return Err(BindingError::EmptyParameter {
                name: parameter.into(),
            });
        }
        let relay_state = text_parameter(relay_state, "RelayState", true)?;
        let sig_alg = text_parameter(sig_alg, "SigAlg", false)?;
        let mut signature = text_parameter(signature, "Signature", false)?;
        if let Some(signature) = &mut signature {
            // Base64 never holds a space: one here is a `+` that its sender left unescaped.
            signature.decoded = signature.decoded.replace(' ', "+");
        }
        Ok(Self {
            is_url: question.is_some(),
            query,
            parameter,
            message,
            relay_state,
            sig_alg,
            signature,
        })
    }

    /// `SAMLRequest` or `SAMLResponse`: which message the query carries.
    #[must_use]
    pub fn parameter(&self) -> &'static str {
        self.parameter
    }

    /// Whether a `?` preceded the parameters: the input was a URL or a query with its `?`,
    /// which only the HTTP-Redirect binding produces.
    #[must_use]
    pub fn is_url(&self) -> bool {
        self.is_url
    }

    /// Whether a `SigAlg` or a `Signature` parameter is present: the query claims to be
    /// signed, and its signature must then verify.
    #[must_use]
    pub fn has_signature(&self) -> bool {
        self.sig_alg.is_some() || self.signature.is_some()
    }

    /// The parameters exactly as received: the text after a URL's `?`, or the whole input.
    #[must_use]
    pub fn query(&self) -> &'q str {
        self.query
    }

    /// The RelayState, percent-decoded (`+` is a space). Not verified.
    #[must_use]
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_ref().map(|t| t.decoded.as_str())
    }

    /// The `SigAlg` parameter, percent-decoded: the signature algorithm's URI. Not verified.
    #[must_use]
    pub fn sig_alg(&self) -> Option<&str> {
        self.sig_alg.as_ref().map(|t| t.decoded.as_str())
    }

    /// The `Signature` parameter, percent-decoded: still base64 text. A space in it is read
    /// as `+` (base64 has no space; a sender that leaves `+` unescaped produces one).
    #[must_use]
    pub fn signature(&self) -> Option<&str> {
        self.signature.as_ref().map(|t| t.decoded.as_str())
    }

    /// The octets an HTTP-Redirect signature covers (SAML Bindings §3.4.4.1):
    /// `SAMLRequest=value&RelayState=value&SigAlg=value` (or `SAMLResponse=…`), each value
    /// exactly as received, RelayState only when present; `None` without `SigAlg`. Since
    /// [`parse`](Self::parse) refuses a name written in any other way, the names here are the
    /// octets received too.
    #[must_use]
    pub fn signed_octets(&self) -> Option<String> {
        let sig_alg = self.sig_alg.as_ref()?.raw;
        let relay_state = self.relay_state.as_ref().map(|t| t.raw);
        let mut octets = String::with_capacity(
            self.message.value.len() + relay_state.map_or(0, |r| r.len() + 12) + sig_alg.len() + 21,
        );
        octets.push_str(self.parameter);
        octets.push('=');
        octets.push_str(self.message.value);
        if let Some(relay_state) = relay_state {
            octets.push_str("&RelayState=");
            octets.push_str(relay_state);
        }
        octets.push_str("&SigAlg=");
        octets.push_str(sig_alg);
        Some(octets)
    }

    /// Decodes the message as the HTTP-Redirect binding carries it (§3.4.4.1): percent-decoded,
    /// base64-decoded and inflated (raw DEFLATE), each step within `limits`; with the
    /// RelayState, `SigAlg`, `Signature` and the raw query of this same value.
    ///
    /// # Errors
    ///
    /// A [`BindingError`]: base64 ([`Base64`](BindingError::Base64)), DEFLATE
    /// ([`Inflate`](BindingError::Inflate), [`NotDeflated`](BindingError::NotDeflated)), not XML,
    /// or beyond `limits`.
    pub fn decode(&self, limits: &DecodeLimits) -> Result<Decoded, BindingError> {
        let bytes = self.message_base64(limits)?;
        let xml = inflate_redirect(&bytes, self.parameter, limits)?;
        let mut decoded = finish_xml(xml, Encoding::RedirectQuery, limits)?;
        decoded.raw_query = Some(self.query.to_owned());
        Ok(self.fill(decoded))
    }

    /// Decodes the message by its form, for [`decode`](super::decode): as HTTP-Redirect
    /// ([`decode`](Self::decode)) for a URL or a signed query, else as an HTTP-POST form body
    /// (base64 of XML, inflated only if it is not XML).
    pub(super) fn decode_detected(&self, limits: &DecodeLimits) -> Result<Decoded, BindingError> {
        if self.is_url || self.has_signature() {
            return self.decode(limits);
        }
        let bytes = self.message_base64(limits)?;
        let (xml, deflated) = xml_or_inflated(bytes, &self.what(), limits)?;
        let encoding = if deflated {
            Encoding::FormBodyDeflated
        } else {
            Encoding::FormBody
        };
        let decoded = finish_xml(xml, encoding, limits)?;
        Ok(self.fill(decoded))
    }

    /// Copies the parameters into `decoded`.
    fn fill(&self, mut decoded: Decoded) -> Decoded {
        decoded.parameter = Some(self.parameter.into());
        decoded.relay_state = self.relay_state().map(str::to_owned);
        decoded.sig_alg = self.sig_alg().map(str::to_owned);
        decoded.signature = self.signature().map(str::to_owned);
        decoded
    }

    /// `the SAMLRequest parameter` or `the SAMLResponse parameter`, for errors.
    fn what(&self) -> String {
        format!("the {} parameter", self.parameter)
    }

    /// The message value percent-decoded and base64-decoded, within `limits`. A space in the
    /// base64 text is read as `+` (see [`signature`](Self::signature)).
    fn message_base64(&self, limits: &DecodeLimits) -> Result<Vec<u8>, BindingError> {
        let mut text = percent_decode(self.message.value.as_bytes(), self.message.offset, true)?;
        for byte in &mut text {
            if *byte == b' ' {
                *byte = b'+';
            }
        }
        base64_decode(&text, &self.what(), limits)
    }
}

/// The binding parameter name that `written` (not one of them) stands for in a parser that
/// percent-decodes names (`+` as a space), trims whitespace or ignores case, if any.
fn reads_as_a_binding_name(written: &str) -> Option<&'static str> {
    let decoded = percent_decode(written.as_bytes(), 0, true).ok()?;
    let trimmed = decoded.trim_ascii();
    NAMES
        .iter()
        .copied()
        .find(|name| name.as_bytes().eq_ignore_ascii_case(trimmed))
}

/// Decodes a text parameter (`+` is a space). `may_be_empty` is false for `SigAlg` and
/// `Signature`, which mean nothing empty.
fn text_parameter<'q>(
    raw: Option<Raw<'q>>,
    name: &str,
    may_be_empty: bool,
) -> Result<Option<Text<'q>>, BindingError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.value.is_empty() && !may_be_empty {
        return Err(BindingError::EmptyParameter { name: name.into() });
    }
    let bytes = percent_decode(raw.value.as_bytes(), raw.offset, true)?;
    let decoded = into_utf8(bytes, &format!("the {name} parameter"))?;
    Ok(Some(Text {
        raw: raw.value,
        decoded,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::{encode_post, encode_redirect, url_encode};
    use super::*;

    const XML: &[u8] =
        b"<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
        ID=\"_l1\" Version=\"2.0\" IssueInstant=\"2016-01-05T16:55:39Z\"/>";

    #[track_caller]
    fn parse(input: &str) -> RedirectQuery<'_> {
        RedirectQuery::parse(input, &DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[track_caller]
    fn refused(input: &str) -> BindingError {
        match RedirectQuery::parse(input, &DecodeLimits::default()) {
            Ok(q) => panic!("accepted: {q:?}"),
            Err(e) => {
                assert!(e.to_string().len() > 20, "{e}");
                e
            }
        }
    }

    #[test]
    fn splits_each_form_and_keeps_the_octets_as_received() {
        let query = "SAMLRequest=a%2Bb&RelayState=x%3Fy+z&SigAlg=alg%23&Signature=s+g%3D";
        for (input, is_url) in [
            (query.to_owned(), false),
            (format!("?{query}"), true),
            (format!("https://idp.example.com/sso?{query}"), true),
            (format!("/sso?{query}"), true),
        ] {
            let q = parse(&input);
            assert_eq!(q.is_url(), is_url, "{input}");
            assert_eq!(q.query(), query);
            assert_eq!(q.parameter(), "SAMLRequest");
            assert!(q.has_signature());
            assert_eq!(q.relay_state(), Some("x?y z"));
            assert_eq!(q.sig_alg(), Some("alg#"));
            // A space in base64 is an unescaped `+`.
            assert_eq!(q.signature(), Some("s+g="));
            assert_eq!(
                q.signed_octets().as_deref(),
                Some("SAMLRequest=a%2Bb&RelayState=x%3Fy+z&SigAlg=alg%23")
            );
        }
    }

    #[test]
    fn signed_octets_follow_the_binding_order_not_the_received_one() {
        let q = parse("Signature=c2ln&SigAlg=a%3Ab&x=1&RelayState=r&SAMLResponse=m");
        assert_eq!(q.parameter(), "SAMLResponse");
        assert_eq!(
            q.signed_octets().as_deref(),
            Some("SAMLResponse=m&RelayState=r&SigAlg=a%3Ab")
        );
        // RelayState only when present; an empty one is present.
        let q = parse("SAMLResponse=m&SigAlg=a");
        assert_eq!(
            q.signed_octets().as_deref(),
            Some("SAMLResponse=m&SigAlg=a")
        );
        let q = parse("SAMLResponse=m&RelayState=&SigAlg=a");
        assert_eq!(q.relay_state(), Some(""));
        assert_eq!(
            q.signed_octets().as_deref(),
            Some("SAMLResponse=m&RelayState=&SigAlg=a")
        );
        // Without SigAlg there is nothing to verify.
        let q = parse("SAMLResponse=m&RelayState=r");
        assert!(!q.has_signature());
        assert_eq!(q.signed_octets(), None);
        assert!(parse("SAMLResponse=m&Signature=c2ln").has_signature());
    }

    #[test]
    fn skips_empty_pairs_and_unknown_names() {
        let q = parse("&&SAMLRequest=m&&x=1&y&%41=2&SAML=3&RelayStateX=4&&");
        assert_eq!(q.parameter(), "SAMLRequest");
        assert_eq!(q.relay_state(), None);
        assert_eq!(q.signed_octets(), None);
    }

    #[test]
    fn escaped_delimiters_in_values_are_ordinary_characters() {
        let q = parse("SAMLRequest=m&RelayState=%3F%23%3B%26%3D");
        assert_eq!(q.relay_state(), Some("?#;&="));
    }

    #[test]
    fn refuses_fragments_anywhere() {
        assert_eq!(
            refused("https://idp/sso?SAMLRequest=m#frag"),
            BindingError::Fragment { offset: 29 }
        );
        assert_eq!(
            refused("https://idp/#/sso?SAMLRequest=m"),
            BindingError::Fragment { offset: 12 }
        );
        assert_eq!(
            refused("SAMLRequest=m&x=#"),
            BindingError::Fragment { offset: 16 }
        );
    }

    #[test]
    fn refuses_an_ambiguous_question_mark() {
        // After `=` or `&`, the first `?` is inside a value for one parser, a URL's end for
        // another.
        assert_eq!(
            refused("SAMLRequest=m&x=?SAMLRequest=n"),
            BindingError::QuestionMark { offset: 16 }
        );
        assert_eq!(
            refused("https://idp/sso&SAMLRequest=m?SigAlg=a"),
            BindingError::QuestionMark { offset: 29 }
        );
        assert_eq!(
            refused("https://idp/a=b?SAMLRequest=m"),
            BindingError::QuestionMark { offset: 15 }
        );
        // A second `?`, wherever it is.
        assert_eq!(
            refused("https://idp/sso?SAMLRequest=m&RelayState=a?b"),
            BindingError::QuestionMark { offset: 42 }
        );
        assert_eq!(
            refused("??SAMLRequest=m"),
            BindingError::QuestionMark { offset: 1 }
        );
    }

    #[test]
    fn refuses_semicolons_in_the_query() {
        assert_eq!(
            refused("SAMLRequest=m;RelayState=r"),
            BindingError::Semicolon { offset: 13 }
        );
        assert_eq!(
            refused("https://idp/sso?SAMLRequest=m&x=;"),
            BindingError::Semicolon { offset: 32 }
        );
        // In a URL's path (before the `?`) it is not a parameter separator.
        assert_eq!(
            parse("https://idp/sso;v1?SAMLRequest=m").parameter(),
            "SAMLRequest"
        );
    }

    #[test]
    fn refuses_names_that_read_as_binding_names() {
        for (written, name) in [
            ("SAML%52equest", "SAMLRequest"),
            ("SAMLRESPONSE", "SAMLResponse"),
            ("%20relaystate%20", "RelayState"),
            ("+SigAlg", "SigAlg"),
            ("%53%69%67%6E%61%74%75%72%65", "Signature"),
            ("Signature%09", "Signature"),
        ] {
            assert_eq!(
                refused(&format!("SAMLRequest=m&{written}=v")),
                BindingError::EncodedParameterName {
                    name: name.into(),
                    written: written.into(),
                    offset: 14
                },
                "{written}"
            );
        }
    }

    #[test]
    fn refuses_repeated_missing_bare_and_empty_parameters() {
        for name in NAMES {
            let other = if name == "SAMLRequest" {
                "SAMLResponse"
            } else {
                "SAMLRequest"
            };
            assert_eq!(
                refused(&format!("{other}=m&{name}=a&{name}=b")),
                BindingError::DuplicateParameter { name: name.into() },
                "{name}"
            );
            assert_eq!(
                refused(&format!("{other}=m&{name}")),
                BindingError::ParameterWithoutValue {
                    name: name.into(),
                    offset: other.len() + 3
                },
                "{name}"
            );
        }
        assert_eq!(
            refused("SAMLResponse=m&SAMLRequest=n"),
            BindingError::BothMessages
        );
        assert_eq!(
            refused("https://sp/acs?SAMLart=AAQ&RelayState=r"),
            BindingError::MissingMessage
        );
        for name in ["SAMLRequest", "SigAlg", "Signature"] {
            let message = if name == "SAMLRequest" { "" } else { "m" };
            let mut query = format!("SAMLRequest={message}&SigAlg=a&Signature=s");
            query = query.replace(&format!("{name}=a"), &format!("{name}="));
            query = query.replace(&format!("{name}=s"), &format!("{name}="));
            assert_eq!(
                refused(&query),
                BindingError::EmptyParameter { name: name.into() },
                "{query}"
            );
        }
    }

    #[test]
    fn refuses_malformed_escapes_anywhere_in_the_query() {
        assert_eq!(
            refused("SAMLRequest=m&other=%zz"),
            BindingError::PercentEscape {
                offset: 20,
                escape: "%zz".into()
            }
        );
        assert_eq!(
            refused("https://idp/sso?x%4=1&SAMLRequest=m"),
            BindingError::PercentEscape {
                offset: 17,
                escape: "%4=".into()
            }
        );
    }

    #[test]
    fn refuses_text_values_that_are_not_utf8() {
        assert_eq!(
            refused("SAMLRequest=m&RelayState=ok%FF"),
            BindingError::NotUtf8 {
                what: "the RelayState parameter".into(),
                offset: 2
            }
        );
    }

    #[test]
    fn refuses_oversized_input_before_reading_it() {
        let limits = DecodeLimits::default().with_max_input(10);
        assert_eq!(
            RedirectQuery::parse("SAMLRequest=m", &limits),
            Err(BindingError::InputTooLarge { len: 13, limit: 10 })
        );
    }

    #[test]
    fn decodes_message_and_relay_state_from_the_same_value() {
        let query = format!(
            "SAMLRequest={}&RelayState={}&SigAlg=a&Signature=c2ln",
            encode_redirect(XML),
            url_encode("https://sp/app?a=1&b=2")
        );
        let q = parse(&query);
        let decoded = q.decode(&DecodeLimits::default()).unwrap();
        assert_eq!(decoded.xml, XML);
        assert_eq!(decoded.encoding, Encoding::RedirectQuery);
        assert_eq!(decoded.parameter.as_deref(), Some("SAMLRequest"));
        assert_eq!(
            decoded.relay_state.as_deref(),
            Some("https://sp/app?a=1&b=2")
        );
        assert_eq!(decoded.sig_alg.as_deref(), Some("a"));
        assert_eq!(decoded.signature.as_deref(), Some("c2ln"));
        assert_eq!(decoded.raw_query.as_deref(), Some(query.as_str()));

        // HTTP-Redirect requires DEFLATE, whatever the form.
        let plain = format!("SAMLRequest={}", url_encode(&encode_post(XML)));
        assert_eq!(
            parse(&plain).decode(&DecodeLimits::default()),
            Err(BindingError::NotDeflated {
                parameter: "SAMLRequest".into()
            })
        );
    }
}
