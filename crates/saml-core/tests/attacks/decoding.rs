//! A12 (and A22's Redirect binding): DEFLATE bombs and oversized inputs on every decoding path.
//! ruby-saml CVE-2025-25293 (deflate DoS) and CVE-2025-54572 (large message DoS), crewjam/saml
//! CVE-2023-28119 (deflate DoS).
//!
//! Defences (`binding.rs`): `decode` checks `DecodeLimits::max_input` first
//! (`InputTooLarge`); `base64_decode` computes the decoded size before decoding
//! (`DecodedTooLarge`); `inflate` stops at `min(max_decoded, max_inflate_ratio × compressed)`
//! (`InflateLimit`), on the Redirect path (`inflate_redirect`) and on a POST value that
//! happens to be deflated (`xml_or_inflated`); `finish_xml` caps the result
//! (`DecodedTooLarge`). The XML parser checks `Limits::max_bytes` before reading
//! (`XmlErrorKind::LimitExceeded { kind: Bytes }`). Every test checks the exact boundary or the
//! exact cap reported.

use std::io::Write as _;

use saml_core::binding::{self, BindingError, DecodeLimits, Encoding, decode};
use saml_core::saml::SamlError;
use saml_core::saml::idp::SignTarget;
use saml_core::xml::{LimitKind, Limits, XmlErrorKind};

use crate::helpers::*;

/// Raw DEFLATE (RFC 1951) of `data`.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).expect("deflate");
    e.finish().expect("deflate")
}

/// A DEFLATE bomb: `<` followed by a MiB of `a`, about 1000:1.
fn bomb() -> Vec<u8> {
    let mut data = vec![b'a'; 1 << 20];
    data[0] = b'<';
    deflate(&data)
}

/// URL-encoded base64 of `bytes`: a query or form value.
fn value(bytes: &[u8]) -> String {
    binding::url_encode(&binding::encode_post(bytes))
}

/// The binding error inside an SP or IdP rejection.
#[track_caller]
fn binding_error(err: &SamlError) -> &BindingError {
    assert_kind(err, "undecodable_message");
    match err {
        SamlError::Binding(b) => b,
        other => panic!("{other:?}"),
    }
}

/// crewjam CVE-2023-28119, ruby-saml CVE-2025-25293: a DEFLATE bomb in an HTTP-Redirect URL.
/// Refused once the output reaches 100 × the compressed size.
#[test]
fn redirect_deflate_bomb() {
    let bomb = bomb();
    let url = format!("{ACS}?SAMLResponse={}&RelayState=x", value(&bomb));
    let err = decode(url.as_bytes(), &DecodeLimits::default()).expect_err("bomb");
    assert_eq!(
        err,
        BindingError::InflateLimit {
            limit: 100 * bomb.len()
        }
    );
    // With the ratio lifted, the absolute cap (max_decoded) still holds.
    let limits = DecodeLimits::default()
        .with_max_inflate_ratio(usize::MAX)
        .with_max_decoded(64 << 10);
    let err = decode(url.as_bytes(), &limits).expect_err("bomb");
    assert_eq!(err, BindingError::InflateLimit { limit: 64 << 10 });
}

/// The same bomb sent to the IdP as an (unsigned) HTTP-Redirect AuthnRequest.
#[test]
fn redirect_deflate_bomb_at_the_idp() {
    let bomb = bomb();
    let url = format!("{SSO_URL}?SAMLRequest={}", value(&bomb));
    let err = idp(SignTarget::Both)
        .receive_redirect(&sp_peer(), &url, now())
        .expect_err("bomb");
    assert_eq!(
        binding_error(&err),
        &BindingError::InflateLimit {
            limit: 100 * bomb.len()
        }
    );
}

/// An HTTP-POST value that happens to be deflated (a form body, and bare base64) is inflated
/// under the same cap.
#[test]
fn deflated_post_value_bomb() {
    let bomb = bomb();
    let body = format!("SAMLResponse={}&RelayState=x", value(&bomb));
    let err = decode(body.as_bytes(), &DecodeLimits::default()).expect_err("bomb");
    assert_eq!(
        err,
        BindingError::InflateLimit {
            limit: 100 * bomb.len()
        }
    );
    let bare = binding::encode_post(&bomb);
    let err = decode(bare.as_bytes(), &DecodeLimits::default()).expect_err("bomb");
    assert_eq!(
        err,
        BindingError::InflateLimit {
            limit: 100 * bomb.len()
        }
    );
    // A genuine deflated POST value decodes and validates: the cap is not in the way.
    let xml = issue(SignTarget::Both);
    let body = format!("SAMLResponse={}", value(&deflate(xml.as_bytes())));
    let decoded = decode(body.as_bytes(), &DecodeLimits::default()).expect("decodes");
    assert_eq!(decoded.encoding, Encoding::FormBodyDeflated);
    accepted(&sp(), std::str::from_utf8(&decoded.xml).expect("UTF-8"));
}

/// `DecodeLimits::max_input` on every form `decode` accepts: raw XML, bare base64, a form body,
/// a Redirect URL. At the limit it decodes; one byte more is `InputTooLarge`.
#[test]
fn max_input_on_every_path() {
    let xml = issue(SignTarget::Both);
    let inputs = [
        xml.clone(),
        binding::encode_post(xml.as_bytes()),
        format!("SAMLResponse={}&RelayState=x", value(xml.as_bytes())),
        format!(
            "{ACS}?SAMLResponse={}&RelayState=x",
            binding::encode_redirect(xml.as_bytes())
        ),
    ];
    for input in inputs {
        let n = input.len();
        let ok = decode(input.as_bytes(), &DecodeLimits::default().with_max_input(n))
            .expect("at the limit");
        assert_eq!(ok.xml, xml.as_bytes());
        let err = decode(
            input.as_bytes(),
            &DecodeLimits::default().with_max_input(n - 1),
        )
        .expect_err("one past");
        assert_eq!(
            err,
            BindingError::InputTooLarge {
                len: n,
                limit: n - 1
            }
        );
    }
}

/// `DecodeLimits::max_decoded`: raw XML is capped on its length, base64 on its decoded length
/// computed before decoding, inflated data during inflation. Each at the limit and one past.
#[test]
fn max_decoded_on_every_path() {
    let xml = issue(SignTarget::Both);
    let n = xml.len();
    let limits = |max: usize| DecodeLimits::default().with_max_decoded(max);

    decode(xml.as_bytes(), &limits(n)).expect("raw at the limit");
    assert_eq!(
        decode(xml.as_bytes(), &limits(n - 1)).expect_err("raw"),
        BindingError::DecodedTooLarge {
            what: "the XML".into(),
            len: n,
            limit: n - 1
        }
    );

    let b64 = binding::encode_post(xml.as_bytes());
    let estimate = b64.len().div_ceil(4) * 3;
    decode(b64.as_bytes(), &limits(estimate)).expect("base64 at the limit");
    assert_eq!(
        decode(b64.as_bytes(), &limits(estimate - 1)).expect_err("base64"),
        BindingError::DecodedTooLarge {
            what: "the input".into(),
            len: estimate,
            limit: estimate - 1
        }
    );

    let body = format!("SAMLResponse={}", binding::url_encode(&b64));
    assert_eq!(
        decode(body.as_bytes(), &limits(estimate - 1)).expect_err("form"),
        BindingError::DecodedTooLarge {
            what: "the SAMLResponse parameter".into(),
            len: estimate,
            limit: estimate - 1
        }
    );

    let url = format!(
        "{ACS}?SAMLResponse={}",
        binding::encode_redirect(xml.as_bytes())
    );
    decode(url.as_bytes(), &limits(n)).expect("redirect at the limit");
    assert_eq!(
        decode(url.as_bytes(), &limits(n - 1)).expect_err("redirect"),
        BindingError::InflateLimit { limit: n - 1 }
    );
}

/// ruby-saml CVE-2025-54572: oversized messages at the IdP with the default limits: a Redirect
/// query over 16 MiB (`InputTooLarge`, before any decoding), and a POSTed AuthnRequest over
/// the parser's 8 MiB (`LimitExceeded { Bytes }` at offset 0, before any parsing).
#[test]
fn oversized_messages_at_the_idp() {
    let max_input = DecodeLimits::default().max_input;
    let query = format!("SAMLRequest={}", "A".repeat(max_input));
    let err = idp(SignTarget::Both)
        .receive_redirect(&sp_peer(), &query, now())
        .expect_err("too large");
    assert_eq!(
        binding_error(&err),
        &BindingError::InputTooLarge {
            len: query.len(),
            limit: max_input
        }
    );

    let max_bytes = Limits::default().max_bytes;
    let mut post = vec![b' '; max_bytes + 1];
    post[0] = b'<';
    let err = idp(SignTarget::Both)
        .receive_post(&sp_peer(), &post, None, now())
        .expect_err("too large");
    assert_kind(&err, "malformed_xml");
    let x = xml_error(&err);
    assert_eq!(
        x.kind,
        XmlErrorKind::LimitExceeded {
            kind: LimitKind::Bytes,
            max: max_bytes
        }
    );
    assert_eq!(x.position.offset, 0);
}

/// The SP's parser limit on raw XML (`Limits::max_bytes`): a real Response at exactly its size
/// validates; one byte less is `LimitExceeded { Bytes }`. And the defaults agree: whatever
/// `decode` returns (≤ `max_decoded`) fits the parser.
#[test]
fn max_bytes_at_the_sp() {
    let xml = issue(SignTarget::Both);
    let n = xml.len();
    accepted(&sp().with_limits(Limits::default().with_max_bytes(n)), &xml);
    let err = rejected(
        &sp().with_limits(Limits::default().with_max_bytes(n - 1)),
        &xml,
    );
    let x = xml_error(&err);
    assert_eq!(
        x.kind,
        XmlErrorKind::LimitExceeded {
            kind: LimitKind::Bytes,
            max: n - 1
        }
    );
    assert_eq!(x.position.offset, 0);
    assert_eq!(
        DecodeLimits::default().max_decoded,
        Limits::default().max_bytes
    );
}
