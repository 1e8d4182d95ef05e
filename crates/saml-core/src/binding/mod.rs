//! Decoding and encoding of the SAML 2.0 HTTP bindings (SAML Bindings 2.0): HTTP-POST (§3.5)
//! and HTTP-Redirect (§3.4).
//!
//! [`decode`] takes whatever an operator captured — the raw XML, the base64 value of a
//! `SAMLResponse` form field, a whole URL-encoded form body, or a Redirect URL or query string —
//! works out which it is, and returns the XML bytes with a record of how they were encoded.
//! Every step is bounded by [`DecodeLimits`] before memory is spent: the input size, the
//! base64 output size (computed from the input length), and the DEFLATE output, which is
//! inflated incrementally against a hard cap so that a decompression bomb is refused after at
//! most `max_decoded` bytes.
//!
//! The encoders ([`encode_post`], [`encode_redirect`], [`post_form`]) produce what a sender
//! puts on the wire. Redirect query signatures are made and checked in `dsig::redirect`;
//! checking one needs the query string exactly as received, split by [`RedirectQuery`]: the
//! one parser of URLs, query strings and form bodies, which [`decode`] uses too, so that the
//! signature check and the code reading the message see the same octets.
//!
//! It owns decoding and encoding only: it never parses XML beyond finding where it starts, and
//! never decides whether anything is signed.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::crypto::{Base64Error, decode_base64};

mod query;

pub use query::RedirectQuery;

/// Why [`decode`], [`RedirectQuery::parse`] or [`url_decode`] refused its input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// A value is not valid base64.
    #[error("{what} is not valid base64: {detail}")]
    Base64 {
        /// Which value: `the input`, `the SAMLResponse parameter`, ….
        what: String,
        /// What was wrong, with its position in the value once whitespace is removed.
        detail: String,
    },
    /// Both `SAMLRequest` and `SAMLResponse` are present.
    #[error(
        "both SAMLRequest and SAMLResponse parameters are present; a binding message carries \
         exactly one of them"
    )]
    BothMessages,
    /// The decoded message (or the base64 text, before decoding) exceeds
    /// [`DecodeLimits::max_decoded`].
    #[error("{what} is too large once decoded: {len} bytes, more than max_decoded ({limit} bytes)")]
    DecodedTooLarge {
        /// Which value.
        what: String,
        /// The decoded size; for base64, computed from the encoded length before decoding, so
        /// up to two bytes more than the exact size.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// One of the five binding parameters appears more than once (one parser would keep the
    /// first, another the last).
    #[error("parameter {name} appears more than once")]
    DuplicateParameter {
        /// The parameter's name.
        name: String,
    },
    /// The input is empty or only whitespace (and perhaps a byte order mark).
    #[error("the input is empty (nothing but whitespace)")]
    Empty,
    /// The `SAMLRequest`, `SAMLResponse`, `SigAlg` or `Signature` parameter is present but
    /// its value is empty.
    #[error("parameter {name} is present but its value is empty")]
    EmptyParameter {
        /// The parameter's name.
        name: String,
    },
    /// A parameter name that is not one of `SAMLRequest`, `SAMLResponse`, `RelayState`,
    /// `SigAlg` and `Signature` as written, but reads as one once percent-decoded, trimmed or
    /// compared without case (`SAML%52equest`, `%53igAlg`, `samlrequest`): a parser that
    /// decodes names would read a parameter that this one ignores.
    #[error(
        "parameter name `{written}` at byte {offset} reads as {name} once percent-decoded, \
         trimmed or compared without case; binding parameter names must be written exactly \
         (`{name}`)"
    )]
    EncodedParameterName {
        /// The binding parameter it reads as.
        name: String,
        /// The name as written.
        written: String,
        /// Byte offset of the name.
        offset: usize,
    },
    /// A `#` in a URL, query string or form body. A fragment never reaches a server, so the
    /// input is not what a server received, and parsers disagree on whether it ends the
    /// query.
    #[error(
        "`#` at byte {offset}: a URL fragment never reaches a server, so this is not a query \
         as received, and parsers disagree on where it ends; a `#` inside a value must be \
         sent as %23"
    )]
    Fragment {
        /// Byte offset of the `#`.
        offset: usize,
    },
    /// The DEFLATE data is corrupt or truncated.
    #[error("{what} is not valid raw DEFLATE data (RFC 1951): {detail}")]
    Inflate {
        /// Which value.
        what: String,
        /// What the decompressor reported.
        detail: String,
    },
    /// Inflating would produce more than `limit` bytes: a probable decompression bomb.
    #[error(
        "inflating the message would produce more than {limit} bytes, the cap of \
         min(max_decoded, max_inflate_ratio × compressed length); refused as a possible \
         decompression bomb"
    )]
    InflateLimit {
        /// The cap in bytes that was reached.
        limit: usize,
    },
    /// The input is larger than [`DecodeLimits::max_input`].
    #[error("the input is {len} bytes, more than max_input ({limit} bytes)")]
    InputTooLarge {
        /// The input's size in bytes.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A URL, query string or form body without a `SAMLRequest` or `SAMLResponse` parameter.
    #[error(
        "the input looks like a URL, query string or form body but has no SAMLRequest or \
         SAMLResponse parameter"
    )]
    MissingMessage,
    /// An HTTP-Redirect message whose value is plain XML rather than DEFLATE-compressed XML.
    #[error(
        "the HTTP-Redirect {parameter} value is base64 of uncompressed XML; SAML Bindings \
         §3.4.4.1 requires it to be DEFLATE-compressed first"
    )]
    NotDeflated {
        /// `SAMLRequest` or `SAMLResponse`.
        parameter: String,
    },
    /// A percent-decoded value is not UTF-8.
    #[error(
        "{what} is not valid UTF-8 once percent-decoded (first invalid byte at offset {offset})"
    )]
    NotUtf8 {
        /// Which value.
        what: String,
        /// Offset of the first invalid byte in the decoded value.
        offset: usize,
    },
    /// Decoded bytes that are neither XML nor DEFLATE-compressed XML.
    #[error("{what} decodes to bytes that are not XML: {detail}")]
    NotXml {
        /// Which value.
        what: String,
        /// What the bytes start with, and why inflating them failed if that was tried.
        detail: String,
    },
    /// One of the five binding parameters without `=` (a bare name), which parsers read as
    /// absent, as empty, or as an error.
    #[error(
        "parameter {name} at byte {offset} has no `=`: the binding parameters are always \
         written name=value"
    )]
    ParameterWithoutValue {
        /// The parameter's name.
        name: String,
        /// Byte offset of the name.
        offset: usize,
    },
    /// A `%` not followed by two hexadecimal digits.
    #[error(
        "malformed percent-escape {escape:?} at byte {offset}: `%` must be followed by two \
         hexadecimal digits"
    )]
    PercentEscape {
        /// Byte offset of the `%` (in the whole input for [`decode`], in the value for
        /// [`url_decode`]).
        offset: usize,
        /// The escape as found (the `%` and up to two following characters).
        escape: String,
    },
    /// A `?` that makes the split ambiguous: the first `?` follows an `=` or `&` (so the text
    /// before it is parameters for one parser and a URL path for another), or a second `?`.
    #[error(
        "`?` at byte {offset} makes the query ambiguous: a URL is accepted only when the text \
         before its first `?` holds no `=` or `&`, and its query no other `?`; a `?` inside a \
         value must be sent as %3F"
    )]
    QuestionMark {
        /// Byte offset of the `?`.
        offset: usize,
    },
    /// A `;` in a query string or form body, which some frameworks take as a parameter
    /// separator.
    #[error(
        "`;` at byte {offset} in the query: some frameworks split parameters on `;`, so the \
         query would be read two ways; a `;` inside a value must be sent as %3B"
    )]
    Semicolon {
        /// Byte offset of the `;`.
        offset: usize,
    },
    /// The input is binary data (a control byte or bytes that are not UTF-8): not a SAML message
    /// in any form a capture comes in.
    #[error(
        "not a SAML message: the input is binary data (byte {byte:#04x} at offset {offset}), not \
         XML, base64, a form body or a URL; was the right file given?"
    )]
    Binary {
        /// Offset of the first binary byte, in the whole input.
        offset: usize,
        /// That byte.
        byte: u8,
    },
    /// The input is none of the forms [`decode`] recognizes.
    #[error(
        "the input is not recognized: it is not XML (it does not start with `<`), not a URL, \
         query string or form body with a SAMLRequest or SAMLResponse parameter, and not base64 \
         (byte {byte:#04x} at offset {offset} is outside the base64 alphabet)"
    )]
    Unrecognized {
        /// Offset of the first byte that rules out base64, in the whole input.
        offset: usize,
        /// That byte.
        byte: u8,
    },
}

/// Size limits for [`decode`]. Each is checked before the memory it guards is allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeLimits {
    /// Largest input accepted, in bytes. Default: 16 MiB, twice `max_decoded`: room for the
    /// 4/3 expansion of base64, its line breaks, and percent-escapes around a message of the
    /// largest decoded size.
    pub max_input: usize,
    /// Largest decoded XML (and largest base64-decoded intermediate), in bytes. Default: 8 MiB,
    /// the default input limit of the XML parser (`xml::Limits::max_bytes`), so nothing this
    /// module returns is refused later for its size alone. Real Responses are a few KB; those
    /// with thousands of group values reach a few hundred KB.
    pub max_decoded: usize,
    /// Largest ratio of inflated to compressed size for HTTP-Redirect (DEFLATE) data.
    /// Default: 100. Real SAML XML compresses between 1.4:1 and about 5:1 (the public test
    /// vectors, signed metadata being the most compressible; a test keeps them below 10:1),
    /// while a DEFLATE bomb reaches about 1000:1, the format's maximum. 100 leaves an order of
    /// magnitude on both sides.
    pub max_inflate_ratio: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_input: 16 << 20,
            max_decoded: 8 << 20,
            max_inflate_ratio: 100,
        }
    }
}

impl DecodeLimits {
    /// Sets [`max_input`](Self::max_input).
    #[must_use]
    pub fn with_max_input(mut self, max: usize) -> Self {
        self.max_input = max;
        self
    }

    /// Sets [`max_decoded`](Self::max_decoded).
    #[must_use]
    pub fn with_max_decoded(mut self, max: usize) -> Self {
        self.max_decoded = max;
        self
    }

    /// Sets [`max_inflate_ratio`](Self::max_inflate_ratio).
    #[must_use]
    pub fn with_max_inflate_ratio(mut self, ratio: usize) -> Self {
        self.max_inflate_ratio = ratio;
        self
    }
}

/// The form in which [`decode`] found the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// Bare base64 text of the XML (the value of a `SAMLResponse` form field), with or without
    /// line breaks, and percent-decoded first if it contained `%` escapes.
    Base64,
    /// Bare base64 text of DEFLATE-compressed XML: a `SAMLRequest`/`SAMLResponse` value cut out
    /// of an HTTP-Redirect URL.
    Base64Deflated,
    /// An `application/x-www-form-urlencoded` HTTP-POST body (§3.5.4): base64 of the XML.
    FormBody,
    /// A form body or query string without `?`, `SigAlg` or `Signature` whose value turned out
    /// to be DEFLATE-compressed: an unsigned HTTP-Redirect query, or a non-conforming POST.
    FormBodyDeflated,
    /// The XML itself.
    RawXml,
    /// An HTTP-Redirect URL or query string (§3.4.4): base64 of DEFLATE-compressed XML.
    RedirectQuery,
}

impl Encoding {
    /// Whether the message had been DEFLATE-compressed.
    #[must_use]
    pub fn is_deflated(self) -> bool {
        matches!(
            self,
            Self::Base64Deflated | Self::FormBodyDeflated | Self::RedirectQuery
        )
    }
}

/// A decoded binding message. Nothing in it is verified.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decoded {
    /// The XML, without a leading byte order mark or whitespace (both sit outside the
    /// document, and whitespace before an XML declaration would make it ill-formed).
    pub xml: Vec<u8>,
    /// How the input was encoded.
    pub encoding: Encoding,
    /// `SAMLRequest` or `SAMLResponse`, when the input named its parameter.
    pub parameter: Option<String>,
    /// The `RelayState` parameter, percent-decoded.
    pub relay_state: Option<String>,
    /// The `SigAlg` parameter (HTTP-Redirect), percent-decoded.
    pub sig_alg: Option<String>,
    /// The `Signature` parameter (HTTP-Redirect), percent-decoded: still base64 text.
    pub signature: Option<String>,
    /// The query string exactly as received (without the URL before its `?`), the text an
    /// HTTP-Redirect signature covers parts of (§3.4.4.1); verify it through
    /// [`RedirectQuery`], never by splitting this again. Set only for
    /// [`Encoding::RedirectQuery`].
    pub raw_query: Option<String>,
}

/// Detects the form of `input` and decodes the SAML message in it.
///
/// Recognized forms, tried in this order after a UTF-8 byte order mark and surrounding
/// whitespace are removed:
///
/// 1. Raw XML: the input starts with `<`.
/// 2. A URL, query string or form body: text with `&`, `?`, or an `=` that is not base64
///    padding, split by [`RedirectQuery`] (whose refusals are listed there). It is
///    HTTP-Redirect when it has a `?` (a URL) or a `SigAlg` or `Signature` parameter: the value
///    is URL-decoded, base64-decoded and inflated (raw DEFLATE). Otherwise it is an HTTP-POST
///    form body: URL-decoded (`+` is a space), base64-decoded, and inflated only if the bytes
///    do not start with `<` ([`Encoding::FormBodyDeflated`]).
/// 3. Bare base64 text (whitespace and line breaks ignored, `%` escapes decoded first), of
///    XML or of DEFLATE-compressed XML.
///
/// In the base64 value of a parameter a space is read as `+`: base64 never contains a space,
/// and senders that forget to escape `+` in a URL produce one.
///
/// # Errors
///
/// A [`BindingError`] naming what was wrong, including the size limits of `limits`.
pub fn decode(input: &[u8], limits: &DecodeLimits) -> Result<Decoded, BindingError> {
    if input.len() > limits.max_input {
        return Err(BindingError::InputTooLarge {
            len: input.len(),
            limit: limits.max_input,
        });
    }
    let start = skip_bom_and_whitespace(input);
    let end = input
        .iter()
        .rposition(|b| !is_whitespace(*b))
        .map_or(start, |i| i + 1)
        .max(start);
    let text = input.get(start..end).unwrap_or_default();
    if text.is_empty() {
        return Err(BindingError::Empty);
    }
    if text.first() == Some(&b'<') {
        // Everything from `<` on, trailing whitespace included, byte for byte.
        let xml = input.get(start..).unwrap_or_default();
        return finish_xml(xml.to_vec(), Encoding::RawXml, limits);
    }
    // Fast path, the common case of a POST value: base64 (line-wrapped or not) validates its
    // own alphabet in its one pass, and no query string or form body is valid base64 (they
    // carry `&`, `%`, `?` or an `=` before the end). Anything else takes the careful paths
    // below, which name the problem.
    if let Ok(bytes) = decode_base64(text, limits.max_decoded) {
        let (xml, deflated) = xml_or_inflated(bytes, "the input", limits)?;
        let encoding = if deflated {
            Encoding::Base64Deflated
        } else {
            Encoding::Base64
        };
        return finish_xml(xml, encoding, limits);
    }
    if looks_like_parameters(text) {
        let text = match std::str::from_utf8(text) {
            Ok(text) => text,
            Err(e) => {
                // Not UTF-8 is not a query as a server received it: name the first bad byte.
                let offset = e.valid_up_to();
                return Err(BindingError::Binary {
                    offset: start + offset,
                    byte: text.get(offset).copied().unwrap_or_default(),
                });
            }
        };
        return RedirectQuery::parse_at(text, start)?.decode_detected(limits);
    }
    decode_bare_base64(text, start, limits)
}

/// Encodes `xml` for the HTTP-POST binding (§3.5.4): standard base64 without line breaks, the
/// value of the `SAMLRequest` or `SAMLResponse` form field.
#[must_use]
pub fn encode_post(xml: &[u8]) -> String {
    STANDARD.encode(xml)
}

/// Encodes `xml` for the HTTP-Redirect binding (§3.4.4.1): raw DEFLATE (RFC 1951, no zlib
/// header), then base64, then URL-encoding ([`url_encode`]). The result is the value of the
/// `SAMLRequest` or `SAMLResponse` query parameter, ready to be placed after `=`.
#[must_use]
pub fn encode_redirect(xml: &[u8]) -> String {
    let mut encoder = DeflateEncoder::new(
        Vec::with_capacity(xml.len() / 2 + 64),
        Compression::default(),
    );
    // Compressing into a `Vec` cannot fail; should the compressor report an error anyway,
    // stored (uncompressed) DEFLATE blocks are an equally valid encoding.
    let compressed = match encoder.write_all(xml).and_then(|()| encoder.finish()) {
        Ok(compressed) => compressed,
        Err(_) => deflate_stored(xml),
    };
    url_encode(&STANDARD.encode(compressed))
}

/// Renders the auto-submitting HTML page of the HTTP-POST binding (§3.5.4): a form that posts
/// `parameter` (`SAMLRequest` or `SAMLResponse`) with `value_b64` (from [`encode_post`]) and,
/// if given, `RelayState` to `action_url`. Every value is HTML-escaped. A `<noscript>` button
/// lets the user submit when scripts are disabled; a Content-Security-Policy that forbids
/// inline scripts must allow this page's script (for example by hash) for it to submit itself.
#[must_use]
pub fn post_form(
    action_url: &str,
    parameter: &str,
    value_b64: &str,
    relay_state: Option<&str>,
) -> String {
    let mut html = String::with_capacity(value_b64.len() + 640);
    html.push_str(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Continue</title>\n</head>\n<body>\n<noscript>\n<p>Scripts are disabled in \
         this browser. Press Continue to proceed.</p>\n</noscript>\n<form method=\"post\" \
         action=\"",
    );
    html_escape_into(&mut html, action_url);
    html.push_str("\">\n<input type=\"hidden\" name=\"");
    html_escape_into(&mut html, parameter);
    html.push_str("\" value=\"");
    html_escape_into(&mut html, value_b64);
    html.push_str("\">\n");
    if let Some(relay_state) = relay_state {
        html.push_str("<input type=\"hidden\" name=\"RelayState\" value=\"");
        html_escape_into(&mut html, relay_state);
        html.push_str("\">\n");
    }
    html.push_str(
        "<noscript><input type=\"submit\" value=\"Continue\"></noscript>\n</form>\n\
         <script>document.forms[0].submit();</script>\n</body>\n</html>\n",
    );
    html
}

/// Percent-encodes `value` for a URL query, the way an HTML form does
/// (`application/x-www-form-urlencoded`): a space becomes `+`, and every other byte except the
/// unreserved characters `A–Z a–z 0–9 - . _ ~` of RFC 3986 becomes `%XX` with upper-case
/// hexadecimal digits.
///
/// This is the form a query signature (Bindings §3.4.4.1) survives best in. A receiver that
/// follows the spec checks the octets as received, whatever their form (we do: see
/// [`RedirectQuery`]). Many implementations instead decode the parameters and re-encode them
/// before checking (pysaml2 and python3-saml with Python's `quote_plus`, which is exactly
/// this encoding), so a RelayState whose space was sent as `%20` fails there.
#[must_use]
pub fn url_encode(value: &str) -> String {
    let encoded = utf8_percent_encode(value, NOT_UNRESERVED_OR_SPACE).to_string();
    // A `+` in the value was encoded as `%2B` above, so every `+` now stands for a space.
    encoded.replace(' ', "+")
}

/// Decodes an `application/x-www-form-urlencoded` value: `%XX` escapes become bytes and `+`
/// becomes a space. The result must be UTF-8.
///
/// # Errors
///
/// [`BindingError::PercentEscape`] for a `%` not followed by two hexadecimal digits (the
/// offset is within `value`), [`BindingError::NotUtf8`] if the decoded bytes are not UTF-8.
pub fn url_decode(value: &str) -> Result<String, BindingError> {
    let bytes = percent_decode(value.as_bytes(), 0, true)?;
    into_utf8(bytes, "the value")
}

// ---------------------------------------------------------------------------------------------

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whitespace as XML and base64 line wrapping use it.
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Offset of the first byte after an optional UTF-8 byte order mark and whitespace.
fn skip_bom_and_whitespace(bytes: &[u8]) -> usize {
    let after_bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let rest = bytes.get(after_bom..).unwrap_or_default();
    after_bom + rest.iter().take_while(|b| is_whitespace(**b)).count()
}

/// Where `xml` starts if it is XML (after a byte order mark and whitespace), else `None`.
fn xml_start(bytes: &[u8]) -> Option<usize> {
    let start = skip_bom_and_whitespace(bytes);
    (bytes.get(start) == Some(&b'<')).then_some(start)
}

/// Why `text` (at `base` in the input) is none of the recognized forms: binary data when it
/// holds a control byte or is not UTF-8, else the first byte outside base64 at `offset`.
fn unrecognized(text: &[u8], base: usize, offset: usize, byte: u8) -> BindingError {
    let control = text
        .iter()
        .position(|&b| b < 0x20 && !is_whitespace(b) || b == 0x7f);
    let not_utf8 = std::str::from_utf8(text).err().map(|e| e.valid_up_to());
    match control.into_iter().chain(not_utf8).min() {
        Some(at) => BindingError::Binary {
            offset: base + at,
            byte: text.get(at).copied().unwrap_or_default(),
        },
        None => BindingError::Unrecognized {
            offset: base + offset,
            byte,
        },
    }
}

/// Checks the final size and strips what precedes the document.
fn finish_xml(
    mut xml: Vec<u8>,
    encoding: Encoding,
    limits: &DecodeLimits,
) -> Result<Decoded, BindingError> {
    let start = skip_bom_and_whitespace(&xml);
    xml.drain(..start);
    if xml.len() > limits.max_decoded {
        return Err(BindingError::DecodedTooLarge {
            what: "the XML".into(),
            len: xml.len(),
            limit: limits.max_decoded,
        });
    }
    Ok(Decoded {
        xml,
        encoding,
        parameter: None,
        relay_state: None,
        sig_alg: None,
        signature: None,
        raw_query: None,
    })
}

/// Whether `text` has the shape of a URL, query string or form body rather than bare base64:
/// a `&` or `?`, or an `=` followed by anything but more `=` padding or whitespace.
fn looks_like_parameters(text: &[u8]) -> bool {
    text.iter().enumerate().any(|(i, &b)| match b {
        b'&' | b'?' => true,
        b'=' => text
            .get(i + 1)
            .is_some_and(|&next| next != b'=' && !is_whitespace(next)),
        _ => false,
    })
}

/// Inflates the value of an HTTP-Redirect `parameter`, which must be DEFLATE-compressed XML.
fn inflate_redirect(
    bytes: &[u8],
    parameter: &str,
    limits: &DecodeLimits,
) -> Result<Vec<u8>, BindingError> {
    let xml = match inflate(bytes, &format!("the {parameter} parameter"), limits) {
        Ok(xml) => xml,
        Err(BindingError::Inflate { .. }) if xml_start(bytes).is_some() => {
            return Err(BindingError::NotDeflated {
                parameter: parameter.into(),
            });
        }
        Err(e) => return Err(e),
    };
    if xml_start(&xml).is_none() {
        return Err(BindingError::NotXml {
            what: format!("the inflated {parameter} parameter"),
            detail: format!("they start with {}", describe_prefix(&xml)),
        });
    }
    Ok(xml)
}

/// Decodes bare base64 text, percent-decoding it first if it contains `%`.
fn decode_bare_base64(
    text: &[u8],
    base: usize,
    limits: &DecodeLimits,
) -> Result<Decoded, BindingError> {
    // One pass classifies every byte.
    let mut has_percent = false;
    for (offset, &b) in text.iter().enumerate() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => {}
            b'%' => has_percent = true,
            b if is_whitespace(b) => {}
            _ => {
                return Err(unrecognized(text, base, offset, b));
            }
        }
    }
    let what = "the input";
    let bytes = if has_percent {
        let unescaped = percent_decode(text, base, false)?;
        base64_decode(&unescaped, what, limits)?
    } else {
        base64_decode(text, what, limits)?
    };
    let (xml, deflated) = xml_or_inflated(bytes, what, limits)?;
    let encoding = if deflated {
        Encoding::Base64Deflated
    } else {
        Encoding::Base64
    };
    finish_xml(xml, encoding, limits)
}

/// Returns `bytes` if they are XML, else their inflation if that is XML. The flag tells
/// whether they were inflated.
fn xml_or_inflated(
    bytes: Vec<u8>,
    what: &str,
    limits: &DecodeLimits,
) -> Result<(Vec<u8>, bool), BindingError> {
    if xml_start(&bytes).is_some() {
        return Ok((bytes, false));
    }
    match inflate(&bytes, what, limits) {
        Ok(xml) if xml_start(&xml).is_some() => Ok((xml, true)),
        Ok(xml) => Err(BindingError::NotXml {
            what: what.into(),
            detail: format!(
                "they do not start with `<`, and inflate to bytes that start with {}",
                describe_prefix(&xml)
            ),
        }),
        Err(BindingError::Inflate { detail, .. }) => Err(BindingError::NotXml {
            what: what.into(),
            detail: format!(
                "they start with {} rather than `<`, and are not DEFLATE-compressed either \
                 ({detail})",
                describe_prefix(&bytes)
            ),
        }),
        Err(e) => Err(e),
    }
}

/// A short, printable description of the first bytes of `bytes`.
fn describe_prefix(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing (they are empty)".into();
    }
    let head = bytes.get(..bytes.len().min(8)).unwrap_or_default();
    let mut out = String::from("bytes");
    for byte in head {
        let _ = write!(out, " {byte:02x}");
    }
    out
}

/// Every byte except the unreserved characters of RFC 3986 §2.3 (`A–Z a–z 0–9 - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// [`NOT_UNRESERVED`] without the space, which [`url_encode`] writes as `+`.
const NOT_UNRESERVED_OR_SPACE: &AsciiSet = &NOT_UNRESERVED.remove(b' ');

/// Checks that every `%` in `value` starts an escape of two hexadecimal digits. `base` is the
/// offset of `value` in the input, for the error position. `percent_encoding` passes a
/// malformed escape through as literal text, where another decoder might refuse it or read
/// it differently; nothing reaches it without this check.
fn check_escapes(value: &[u8], base: usize) -> Result<(), BindingError> {
    for at in memchr::memchr_iter(b'%', value) {
        let digits = value.get(at + 1..at + 3).unwrap_or_default();
        if digits.len() != 2 || !digits.iter().all(u8::is_ascii_hexdigit) {
            let escape = value.get(at..value.len().min(at + 3)).unwrap_or_default();
            return Err(BindingError::PercentEscape {
                offset: base + at,
                escape: String::from_utf8_lossy(escape).into_owned(),
            });
        }
    }
    Ok(())
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`), refusing a malformed
/// escape ([`check_escapes`]). `base` is the offset of `value` in the input, for error
/// positions. The output is never longer than the input.
fn percent_decode(value: &[u8], base: usize, plus_is_space: bool) -> Result<Vec<u8>, BindingError> {
    check_escapes(value, base)?;
    if plus_is_space && value.contains(&b'+') {
        let spaced: Vec<u8> = value
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        return Ok(percent_encoding::percent_decode(&spaced).collect());
    }
    Ok(Cow::from(percent_encoding::percent_decode(value)).into_owned())
}

/// Converts decoded bytes to a `String`, naming `what` on failure.
fn into_utf8(bytes: Vec<u8>, what: &str) -> Result<String, BindingError> {
    String::from_utf8(bytes).map_err(|e| BindingError::NotUtf8 {
        what: what.into(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Decodes base64 text, ignoring whitespace, after checking that the output fits
/// `max_decoded`.
fn base64_decode(text: &[u8], what: &str, limits: &DecodeLimits) -> Result<Vec<u8>, BindingError> {
    let bytes = decode_base64(text, limits.max_decoded).map_err(|e| match e {
        Base64Error::TooLarge { len } => BindingError::DecodedTooLarge {
            what: what.into(),
            len,
            limit: limits.max_decoded,
        },
        Base64Error::Invalid(_) => BindingError::Base64 {
            what: what.into(),
            detail: e.to_string(),
        },
    })?;
    if bytes.is_empty() {
        return Err(BindingError::Base64 {
            what: what.into(),
            detail: "it is empty".into(),
        });
    }
    Ok(bytes)
}

/// Inflates raw DEFLATE data, refusing to produce more than
/// `min(max_decoded, max_inflate_ratio × compressed.len())` bytes. The output grows
/// incrementally and never beyond one byte past that cap.
fn inflate(compressed: &[u8], what: &str, limits: &DecodeLimits) -> Result<Vec<u8>, BindingError> {
    let limit = limits
        .max_decoded
        .min(limits.max_inflate_ratio.saturating_mul(compressed.len()));
    // One byte more than the cap, to tell "exactly at the cap" from "beyond it".
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::with_capacity(limit.min(compressed.len().saturating_mul(4)));
    let mut reader = DeflateDecoder::new(compressed).take(cap);
    let read = reader.read_to_end(&mut out);
    if out.len() > limit {
        return Err(BindingError::InflateLimit { limit });
    }
    if let Err(e) = read {
        let hint = if compressed.first() == Some(&0x78) {
            "; the data starts with 0x78, a zlib (RFC 1950) header: the sender must use raw \
             DEFLATE without it"
        } else {
            ""
        };
        return Err(BindingError::Inflate {
            what: what.into(),
            detail: format!("{e}{hint}"),
        });
    }
    let decoder = reader.into_inner();
    let consumed = usize::try_from(decoder.total_in()).unwrap_or(usize::MAX);
    if consumed < compressed.len() {
        return Err(BindingError::Inflate {
            what: what.into(),
            detail: format!(
                "{} bytes follow the end of the compressed stream",
                compressed.len() - consumed
            ),
        });
    }
    Ok(out)
}

/// Encodes `data` as raw DEFLATE using stored (uncompressed) blocks only (RFC 1951 §3.2.4).
fn deflate_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 0xFFFF;
    let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / MAX_BLOCK + 1));
    let mut chunks = data.chunks(MAX_BLOCK).peekable();
    if chunks.peek().is_none() {
        // An empty final stored block.
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
    }
    while let Some(chunk) = chunks.next() {
        let is_final = chunks.peek().is_none();
        out.push(u8::from(is_final));
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Appends `text` to `out` with `& < > " '` replaced by character references.
fn html_escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use flate2::write::ZlibEncoder;

    use super::*;

    const XML: &[u8] = b"<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
        ID=\"_a1\" Version=\"2.0\" IssueInstant=\"2016-01-05T16:55:39Z\"/>";

    /// The project's copy of the public vectors (`tests/vectors`).
    fn vectors_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
    }

    /// Every `*.xml.b64` vector (POST values), with its name.
    fn b64_vectors() -> Vec<(String, Vec<u8>)> {
        let mut found = Vec::new();
        for group in ["valid", "invalid", "attack"] {
            let dir = vectors_dir().join("saml").join(group);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.ends_with(".xml.b64") {
                    found.push((format!("{group}/{name}"), std::fs::read(&path).unwrap()));
                }
            }
        }
        found.sort();
        found
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[track_caller]
    fn decode_ok(input: &[u8]) -> Decoded {
        decode(input, &DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[track_caller]
    fn decode_err(input: &[u8]) -> BindingError {
        decode_err_with(input, &DecodeLimits::default())
    }

    #[track_caller]
    fn decode_err_with(input: &[u8], limits: &DecodeLimits) -> BindingError {
        match decode(input, limits) {
            Ok(decoded) => panic!("accepted as {:?}", decoded.encoding),
            Err(e) => {
                // Every message is a complete sentence about the input, never empty.
                assert!(e.to_string().len() > 20, "{e}");
                e
            }
        }
    }

    // --- Round trips --------------------------------------------------------------------------

    #[test]
    fn raw_xml_with_bom_and_whitespace() {
        let mut input = BOM.to_vec();
        input.extend_from_slice(b"\r\n  ");
        input.extend_from_slice(XML);
        input.extend_from_slice(b"\n");
        let decoded = decode_ok(&input);
        assert_eq!(decoded.encoding, Encoding::RawXml);
        assert_eq!(decoded.xml, [XML, b"\n"].concat());
        assert_eq!(decoded.parameter, None);
        assert_eq!(decoded.raw_query, None);
    }

    #[test]
    fn post_value_round_trip() {
        let decoded = decode_ok(encode_post(XML).as_bytes());
        assert_eq!(decoded.encoding, Encoding::Base64);
        assert_eq!(decoded.xml, XML);
        assert!(!decoded.encoding.is_deflated());
    }

    #[test]
    fn redirect_value_round_trip() {
        let value = encode_redirect(XML);
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
        );
        let decoded = decode_ok(value.as_bytes());
        assert_eq!(decoded.encoding, Encoding::Base64Deflated);
        assert!(decoded.encoding.is_deflated());
        assert_eq!(decoded.xml, XML);
    }

    #[test]
    fn redirect_url_round_trip() {
        let query = format!(
            "SAMLRequest={}&RelayState={}&SigAlg={}&Signature={}",
            encode_redirect(XML),
            url_encode("https://sp.example.com/app?a=1&b=two words"),
            url_encode("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
            url_encode("c2lnbmF0dXJl+/w=="),
        );
        let url = format!("https://idp.example.com/sso?{query}");
        let decoded = decode_ok(url.as_bytes());
        assert_eq!(decoded.encoding, Encoding::RedirectQuery);
        assert_eq!(decoded.xml, XML);
        assert_eq!(decoded.parameter.as_deref(), Some("SAMLRequest"));
        assert_eq!(
            decoded.relay_state.as_deref(),
            Some("https://sp.example.com/app?a=1&b=two words")
        );
        assert_eq!(
            decoded.sig_alg.as_deref(),
            Some("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
        );
        assert_eq!(decoded.signature.as_deref(), Some("c2lnbmF0dXJl+/w=="));
        assert_eq!(decoded.raw_query.as_deref(), Some(query.as_str()));
    }

    #[test]
    fn redirect_query_without_url_is_recognized_by_sig_alg() {
        let query = format!(
            "SAMLResponse={}&SigAlg=x&Signature=c2ln",
            encode_redirect(XML)
        );
        let decoded = decode_ok(query.as_bytes());
        assert_eq!(decoded.encoding, Encoding::RedirectQuery);
        assert_eq!(decoded.parameter.as_deref(), Some("SAMLResponse"));
        assert_eq!(decoded.raw_query.as_deref(), Some(query.as_str()));
        assert_eq!(decoded.xml, XML);
    }

    #[test]
    fn redirect_with_unescaped_plus_in_base64() {
        // Find a message whose DEFLATE+base64 contains `+`, and send it unescaped, as careless
        // senders do; form decoding turns it into a space, which is read back as `+`.
        let mut xml = XML.to_vec();
        let value = loop {
            let b64 = STANDARD.encode(deflate(&xml));
            if b64.contains('+') {
                break b64;
            }
            xml.extend_from_slice(b"<!-- padding -->");
        };
        let url = format!("https://idp.example.com/sso?SAMLRequest={value}");
        let decoded = decode_ok(url.as_bytes());
        assert_eq!(decoded.encoding, Encoding::RedirectQuery);
        assert_eq!(decoded.xml, xml);
    }

    #[test]
    fn form_body_round_trip() {
        let body = format!(
            "SAMLResponse={}&RelayState=a+b%26c%3D%E2%9C%93&other=ignored",
            url_encode(&encode_post(XML))
        );
        let decoded = decode_ok(body.as_bytes());
        assert_eq!(decoded.encoding, Encoding::FormBody);
        assert_eq!(decoded.xml, XML);
        assert_eq!(decoded.parameter.as_deref(), Some("SAMLResponse"));
        assert_eq!(decoded.relay_state.as_deref(), Some("a b&c=\u{2713}"));
        assert_eq!(decoded.sig_alg, None);
        assert_eq!(decoded.raw_query, None);
    }

    #[test]
    fn form_body_with_relay_state_first_and_line_broken_value() {
        let b64 = encode_post(XML);
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(20)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let body = format!(
            "RelayState=where%3F&SAMLResponse={}\r\n",
            url_encode(&wrapped.join("\r\n"))
        );
        let decoded = decode_ok(body.as_bytes());
        assert_eq!(decoded.encoding, Encoding::FormBody);
        assert_eq!(decoded.relay_state.as_deref(), Some("where?"));
        assert_eq!(decoded.xml, XML);
    }

    #[test]
    fn form_body_with_deflated_value_is_accepted_and_reported() {
        let body = format!("SAMLRequest={}&RelayState=x", encode_redirect(XML));
        let decoded = decode_ok(body.as_bytes());
        assert_eq!(decoded.encoding, Encoding::FormBodyDeflated);
        assert_eq!(decoded.xml, XML);
        assert_eq!(decoded.raw_query, None);
    }

    #[test]
    fn stored_deflate_blocks_inflate() {
        for len in [0, 1, 0xFFFF, 0x1_0000, 200_000] {
            let data: Vec<u8> = (0..len).map(|i| u8::try_from(i % 251).unwrap()).collect();
            let limits = DecodeLimits::default();
            let inflated = inflate(&deflate_stored(&data), "test data", &limits).unwrap();
            assert_eq!(inflated, data, "length {len}");
        }
    }

    // --- Real data ----------------------------------------------------------------------------

    #[test]
    fn real_post_values_decode_to_xml() {
        let vectors = b64_vectors();
        assert!(vectors.len() >= 5, "only {} vectors", vectors.len());
        for (name, b64) in vectors {
            let decoded = decode_ok(&b64);
            assert_eq!(decoded.encoding, Encoding::Base64, "{name}");
            assert_eq!(decoded.xml.first(), Some(&b'<'), "{name}");

            // The same value wrapped at 76 characters with CRLF, as some IdPs send it.
            let text = std::str::from_utf8(&b64).unwrap().trim();
            let lines: Vec<&str> = text
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            let wrapped = lines.join("\r\n");
            assert_eq!(decode_ok(wrapped.as_bytes()).xml, decoded.xml, "{name}");

            // And as the form body that carried it.
            let body = format!("SAMLResponse={}&RelayState=abc", url_encode(&wrapped));
            let from_body = decode_ok(body.as_bytes());
            assert_eq!(from_body.encoding, Encoding::FormBody, "{name}");
            assert_eq!(from_body.xml, decoded.xml, "{name}");

            // And through the Redirect binding.
            let url = format!(
                "https://sp.example.com/acs?SAMLResponse={}",
                encode_redirect(&decoded.xml)
            );
            let from_url = decode_ok(url.as_bytes());
            assert_eq!(from_url.encoding, Encoding::RedirectQuery, "{name}");
            assert_eq!(from_url.xml, decoded.xml, "{name}");
        }
    }

    /// Backs the documented default of `max_inflate_ratio`: real messages compress far less
    /// than 100:1.
    #[test]
    fn real_messages_compress_well_below_the_ratio_limit() {
        let mut messages: Vec<(String, Vec<u8>)> = b64_vectors()
            .into_iter()
            .map(|(name, b64)| (name, decode_ok(&b64).xml))
            .collect();
        let dir = vectors_dir().join("saml/valid");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let name = path.display().to_string();
                messages.push((name, std::fs::read(&path).unwrap()));
            }
        }
        assert!(messages.len() >= 20, "{}", messages.len());
        let mut worst = 0.0_f64;
        for (name, xml) in messages {
            assert_eq!(decode_ok(&xml).xml.first(), Some(&b'<'), "{name}");
            let compressed = deflate(&xml);
            let ratio = f64::from(u32::try_from(xml.len()).unwrap())
                / f64::from(u32::try_from(compressed.len()).unwrap());
            assert!(ratio < 10.0, "{name}: {ratio}");
            worst = worst.max(ratio);
        }
        assert!(worst < 10.0, "{worst}");
    }

    // --- Limits -------------------------------------------------------------------------------

    /// The peak resident memory of this process in KiB, where Linux reports it.
    fn peak_memory_kib() -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// 50 MB of zeros, compressed in chunks so the test never holds them (about 50 KB).
    fn zero_bomb() -> Vec<u8> {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        let chunk = vec![0_u8; 1 << 16];
        for _ in 0..(50_000_000 / chunk.len()) {
            encoder.write_all(&chunk).unwrap();
        }
        encoder.finish().unwrap()
    }

    #[test]
    fn deflate_bomb_is_refused_quickly_and_without_inflating_it() {
        let bomb = zero_bomb();
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        let value = url_encode(&STANDARD.encode(&bomb));
        let url = format!("https://idp.example.com/sso?SAMLRequest={value}");
        // The cap: 100 × the compressed size, below max_decoded (8 MiB).
        let expected_limit = 100 * bomb.len();
        assert!(expected_limit < 8 << 20);

        let peak_before = peak_memory_kib();
        let started = Instant::now();
        let error = decode_err(url.as_bytes());
        let elapsed = started.elapsed();
        assert_eq!(
            error,
            BindingError::InflateLimit {
                limit: expected_limit
            }
        );
        // Inflating 50 MB takes far longer in a debug build than the capped 5 MB.
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        if let (Some(before), Some(after)) = (peak_before, peak_memory_kib()) {
            // The whole output would be 50 MB; the cap allows about 5 MB (plus vector growth).
            assert!(
                after.saturating_sub(before) < 30 * 1024,
                "{before} → {after} KiB"
            );
        }

        // The same bomb as a bare value and as a form body is refused the same way.
        assert_eq!(
            decode_err(STANDARD.encode(&bomb).as_bytes()),
            BindingError::InflateLimit {
                limit: expected_limit
            }
        );
        assert_eq!(
            decode_err(format!("SAMLResponse={value}").as_bytes()),
            BindingError::InflateLimit {
                limit: expected_limit
            }
        );
    }

    #[test]
    fn inflate_is_capped_by_max_decoded() {
        let compressed = deflate(&[b' '; 10_000]);
        let limits = DecodeLimits::default()
            .with_max_decoded(1_000)
            .with_max_inflate_ratio(usize::MAX);
        assert_eq!(
            inflate(&compressed, "test data", &limits),
            Err(BindingError::InflateLimit { limit: 1_000 })
        );
        // Exactly at the cap is allowed.
        let limits = limits.with_max_decoded(10_000);
        assert_eq!(
            inflate(&compressed, "test data", &limits).map(|v| v.len()),
            Ok(10_000)
        );
    }

    #[test]
    fn oversized_input_is_refused() {
        let limits = DecodeLimits::default().with_max_input(1_000);
        let input = vec![b'A'; 1_001];
        assert_eq!(
            decode_err_with(&input, &limits),
            BindingError::InputTooLarge {
                len: 1_001,
                limit: 1_000
            }
        );
        // At the limit it is read (and here fails later, as 1,000 `A`s are not XML).
        assert!(matches!(
            decode(&input[..1_000], &limits),
            Err(BindingError::NotXml { .. })
        ));
    }

    #[test]
    fn oversized_base64_is_refused_before_decoding() {
        let limits = DecodeLimits::default().with_max_decoded(30);
        let b64 = encode_post(XML);
        let expected_len = b64.len() / 4 * 3;
        assert_eq!(
            decode_err_with(b64.as_bytes(), &limits),
            BindingError::DecodedTooLarge {
                what: "the input".into(),
                len: expected_len,
                limit: 30
            }
        );
    }

    #[test]
    fn oversized_raw_xml_is_refused() {
        let limits = DecodeLimits::default().with_max_decoded(10);
        assert_eq!(
            decode_err_with(XML, &limits),
            BindingError::DecodedTooLarge {
                what: "the XML".into(),
                len: XML.len(),
                limit: 10
            }
        );
    }

    // --- Malformed input ----------------------------------------------------------------------

    #[test]
    fn malformed_percent_escape_is_refused() {
        let input = b"SAMLResponse=PD94%zzbWw&RelayState=x";
        assert_eq!(
            decode_err(input),
            BindingError::PercentEscape {
                offset: 17,
                escape: "%zz".into()
            }
        );
        assert_eq!(
            decode_err(b"https://sp/acs?SAMLRequest=abc&RelayState=x%4"),
            BindingError::PercentEscape {
                offset: 43,
                escape: "%4".into()
            }
        );
        assert_eq!(
            decode_err(b"PD94bWw%"),
            BindingError::PercentEscape {
                offset: 7,
                escape: "%".into()
            }
        );
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(
            decode_err(b"hello, world!"),
            BindingError::Unrecognized {
                offset: 5,
                byte: b','
            }
        );
        assert_eq!(
            decode_err(&[0x00, 0xFF, 0x10]),
            BindingError::Binary {
                offset: 0,
                byte: 0x00
            }
        );
        // A gzip file, a PNG: binary, said so, whatever byte breaks base64 first.
        assert_eq!(
            decode_err(b"\x1f\x8b\x08\x00"),
            BindingError::Binary {
                offset: 0,
                byte: 0x1f
            }
        );
        assert!(matches!(
            decode_err(b"ab\xc3("),
            BindingError::Binary { offset: 2, .. }
        ));
        assert!(
            decode_err(b"\x89PNG\r\n\x1a\n")
                .to_string()
                .starts_with("not a SAML message")
        );
        assert_eq!(
            decode_err(b"  {\"SAMLResponse\": 1}"),
            BindingError::Unrecognized {
                offset: 2,
                byte: b'{'
            }
        );
    }

    #[test]
    fn empty_input_is_refused() {
        assert_eq!(decode_err(b""), BindingError::Empty);
        assert_eq!(decode_err(b"\xEF\xBB\xBF \r\n\t"), BindingError::Empty);
    }

    #[test]
    fn invalid_base64_is_refused() {
        let error = decode_err(b"PD94b");
        assert!(
            matches!(&error, BindingError::Base64 { what, .. } if what == "the input"),
            "{error:?}"
        );
        let error = decode_err(b"SAMLResponse=PD9=4bWw");
        assert!(
            matches!(&error, BindingError::Base64 { what, .. } if what == "the SAMLResponse parameter"),
            "{error:?}"
        );
    }

    #[test]
    fn base64_of_something_else_is_refused() {
        let error = decode_err(encode_post(b"not XML, not DEFLATE").as_bytes());
        assert!(
            matches!(&error, BindingError::NotXml { what, .. } if what == "the input"),
            "{error:?}"
        );
        // DEFLATE of something that is not XML.
        let error = decode_err(STANDARD.encode(deflate(b"{\"json\": true}")).as_bytes());
        assert!(
            matches!(&error, BindingError::NotXml { detail, .. } if detail.contains("inflate to")),
            "{error:?}"
        );
        let url = format!(
            "https://idp/sso?SAMLRequest={}",
            url_encode(&STANDARD.encode(deflate(b"plain text")))
        );
        assert!(matches!(
            decode_err(url.as_bytes()),
            BindingError::NotXml { .. }
        ));
    }

    #[test]
    fn redirect_without_deflate_is_refused() {
        let url = format!(
            "https://idp/sso?SAMLRequest={}",
            url_encode(&encode_post(XML))
        );
        assert_eq!(
            decode_err(url.as_bytes()),
            BindingError::NotDeflated {
                parameter: "SAMLRequest".into()
            }
        );
    }

    #[test]
    fn zlib_instead_of_raw_deflate_is_refused_with_a_hint() {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(XML).unwrap();
        let zlib = encoder.finish().unwrap();
        let url = format!(
            "https://idp/sso?SAMLRequest={}",
            url_encode(&STANDARD.encode(zlib))
        );
        let error = decode_err(url.as_bytes());
        assert!(
            matches!(&error, BindingError::Inflate { detail, .. } if detail.contains("zlib")),
            "{error:?}"
        );
    }

    #[test]
    fn truncated_or_padded_deflate_is_refused() {
        let compressed = deflate(XML);
        let truncated = &compressed[..compressed.len() / 2];
        let url = format!(
            "https://idp/sso?SAMLRequest={}",
            url_encode(&STANDARD.encode(truncated))
        );
        let error = decode_err(url.as_bytes());
        assert!(matches!(error, BindingError::Inflate { .. }), "{error:?}");

        let padded = [compressed.as_slice(), b"trailing"].concat();
        let url = format!(
            "https://idp/sso?SAMLRequest={}",
            url_encode(&STANDARD.encode(padded))
        );
        let error = decode_err(url.as_bytes());
        assert!(
            matches!(&error, BindingError::Inflate { detail, .. } if detail.contains("8 bytes follow")),
            "{error:?}"
        );
    }

    #[test]
    fn parameter_structure_is_checked() {
        let value = encode_redirect(XML);
        assert_eq!(
            decode_err(format!("SAMLRequest={value}&SAMLRequest={value}").as_bytes()),
            BindingError::DuplicateParameter {
                name: "SAMLRequest".into()
            }
        );
        assert_eq!(
            decode_err(format!("SAMLRequest={value}&RelayState=a&RelayState=b").as_bytes()),
            BindingError::DuplicateParameter {
                name: "RelayState".into()
            }
        );
        assert_eq!(
            decode_err(format!("SAMLRequest={value}&SAMLResponse={value}").as_bytes()),
            BindingError::BothMessages
        );
        assert_eq!(
            decode_err(b"https://sp.example.com/acs?SAMLart=AAQAA&RelayState=x"),
            BindingError::MissingMessage
        );
        assert_eq!(
            decode_err(b"SAMLResponse=&RelayState=x"),
            BindingError::EmptyParameter {
                name: "SAMLResponse".into()
            }
        );
        assert_eq!(
            decode_err(format!("SAMLResponse={value}&RelayState=%FF").as_bytes()),
            BindingError::NotUtf8 {
                what: "the RelayState parameter".into(),
                offset: 0
            }
        );
    }

    /// Every text shaped like parameters goes through `RedirectQuery`, so its refusals hold
    /// for every form `decode` reads, with offsets in the whole input.
    #[test]
    fn parameter_shaped_input_takes_the_one_parser() {
        let value = encode_redirect(XML);
        // An encoded name alone is not mistaken for bare base64.
        assert_eq!(
            decode_err(format!("SAML%52equest={value}").as_bytes()),
            BindingError::EncodedParameterName {
                name: "SAMLRequest".into(),
                written: "SAML%52equest".into(),
                offset: 0
            }
        );
        assert_eq!(decode_err(b"a=b"), BindingError::MissingMessage);
        assert_eq!(
            decode_err(format!("  https://idp/sso?SAMLRequest={value}#top").as_bytes()),
            BindingError::Fragment {
                offset: 30 + value.len()
            }
        );
        assert_eq!(
            decode_err(format!("\u{feff}SAMLRequest={value}&x=?").as_bytes()),
            BindingError::QuestionMark {
                offset: 3 + 15 + value.len()
            }
        );
        assert_eq!(
            decode_err(b"SAMLRequest=abc&RelayState=\xFF"),
            BindingError::Binary {
                offset: 27,
                byte: 0xFF
            }
        );
        // Bare base64 with its padding is still bare base64.
        assert_eq!(
            decode_ok(format!("{}\n", encode_post(XML)).as_bytes()).xml,
            XML
        );
    }

    #[test]
    fn question_mark_inside_a_value_is_refused_unless_escaped() {
        // A raw `?` after an `=` could be where a URL ends for another parser; sent as %3F,
        // as every form encoder does, it is an ordinary value.
        let value = url_encode(&encode_post(XML));
        assert_eq!(
            decode_err(format!("RelayState=a?b&SAMLResponse={value}").as_bytes()),
            BindingError::QuestionMark { offset: 12 }
        );
        let decoded = decode_ok(format!("RelayState=a%3Fb&SAMLResponse={value}").as_bytes());
        assert_eq!(decoded.encoding, Encoding::FormBody);
        assert_eq!(decoded.relay_state.as_deref(), Some("a?b"));
    }

    // --- Encoders -----------------------------------------------------------------------------

    #[test]
    fn url_encode_keeps_only_unreserved() {
        assert_eq!(
            url_encode("AZaz09-._~ +/=?&%#\u{e9}"),
            "AZaz09-._~+%2B%2F%3D%3F%26%25%23%C3%A9"
        );
        assert_eq!(url_decode("a+b%20c%2B%c3%a9"), Ok("a b c+\u{e9}".into()));
        assert_eq!(
            url_decode("100%"),
            Err(BindingError::PercentEscape {
                offset: 3,
                escape: "%".into()
            })
        );
        assert_eq!(
            url_decode("%zz"),
            Err(BindingError::PercentEscape {
                offset: 0,
                escape: "%zz".into()
            })
        );
        assert_eq!(
            url_decode("ok%C3"),
            Err(BindingError::NotUtf8 {
                what: "the value".into(),
                offset: 2
            })
        );
        let all: String = (1..=0x7F_u8).map(char::from).collect();
        assert_eq!(url_decode(&url_encode(&all)), Ok(all));
    }

    #[test]
    fn post_form_escapes_every_value() {
        let html = post_form(
            "https://sp.example.com/acs?a=1&b=\"><script>alert(1)</script>",
            "SAMLResponse",
            &encode_post(XML),
            Some("it's <b>&\"quoted\""),
        );
        assert!(html.contains(
            "action=\"https://sp.example.com/acs?a=1&amp;b=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""
        ));
        assert!(html.contains("name=\"SAMLResponse\""));
        assert!(html.contains(&format!("value=\"{}\"", encode_post(XML))));
        assert!(
            html.contains(
                "name=\"RelayState\" value=\"it&#39;s &lt;b&gt;&amp;&quot;quoted&quot;\""
            )
        );
        assert_eq!(html.matches("<script>").count(), 1);
        assert!(html.contains("method=\"post\""));

        let without = post_form("https://sp/acs", "SAMLRequest", "PD94", None);
        assert!(!without.contains("RelayState"));
    }

    /// Random bytes and mutations of every encoding: `decode` returns, never panics, and
    /// whatever it accepts is XML within the limits.
    #[test]
    fn mutations_never_panic() {
        let mut m = crate::test_support::Mutator::new(0x9e37_79b9_7f4a_7c15);
        let limits = DecodeLimits::default().with_max_decoded(4_096);
        let seeds = [
            XML.to_vec(),
            encode_post(XML).into_bytes(),
            encode_redirect(XML).into_bytes(),
            format!(
                "SAMLResponse={}&RelayState=x",
                url_encode(&encode_post(XML))
            )
            .into_bytes(),
            format!(
                "https://idp/sso?SAMLRequest={}&SigAlg=a&Signature=b",
                encode_redirect(XML)
            )
            .into_bytes(),
        ];
        let alphabet = b"%+/=?&#<ASbz09 \r\n\xEF\x00\xFF";
        for seed in &seeds {
            for _ in 0..400 {
                let bytes = m.mutate(seed, 4, alphabet);
                if let Ok(decoded) = decode(&bytes, &limits) {
                    assert_eq!(decoded.xml.first(), Some(&b'<'));
                    assert!(decoded.xml.len() <= limits.max_decoded);
                }
            }
        }
        for _ in 0..2_000 {
            let len = m.below(64);
            let bytes: Vec<u8> = (0..len).map(|_| m.next().to_le_bytes()[0]).collect();
            let _ = decode(&bytes, &limits);
        }
    }
}
