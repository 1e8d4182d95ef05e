//! A22's HTTP-Redirect binding: parser differentials in the query string.
//!
//! The signature of an HTTP-Redirect message covers `SAMLRequest=…&RelayState=…&SigAlg=…`
//! as the URL-encoded octets were received (SAML Bindings §3.4.4.1). If the code that checks
//! the signature and the code that reads the message split the query differently, an attacker
//! puts a captured, validly signed query where the signature check looks and a forged message
//! where the reader looks. Before `binding::RedirectQuery`, the IdP did exactly that:
//! `SAMLRequest=<forged>&x=?<captured>` came back `signed: true` with the forged ID.
//!
//! Every test runs each hostile form on both sides:
//! - [`Side::Idp`]: an AuthnRequest (`SAMLRequest`) through `IdentityProvider::receive_redirect`;
//! - [`Side::Sp`]: a LogoutResponse (`SAMLResponse`) parsed, verified and decoded through
//!   `binding::RedirectQuery` and `dsig::redirect::verify`, the SP's Single Logout path.
//!
//! Defences, all in `RedirectQuery::parse` (`binding/query.rs`) unless named: the prefix rule
//! (the text before the first `?` holds no `=` or `&`: `QuestionMark`), a single `?`
//! (`QuestionMark`), no `#` (`Fragment`), no `;` (`Semicolon`), names written exactly
//! (`EncodedParameterName`), each parameter once (`DuplicateParameter`, `BothMessages`), names
//! with `=` (`ParameterWithoutValue`), a non-empty message (`EmptyParameter`), strict escapes
//! over the whole query (`PercentEscape`), and `RedirectQuery::signed_octets`, which keeps the
//! octets as received. Each test asserts the exact refusal and its position, and was seen to
//! fail with its defence removed.

use saml_core::binding::{self, BindingError, DecodeLimits, RedirectQuery};
use saml_core::crypto::AlgorithmPolicy;
use saml_core::dsig::Signer;
use saml_core::dsig::redirect::{self, sign_query};
use saml_core::saml::SamlError;
use saml_core::saml::idp::{SignTarget, SpPeer};
use saml_core::xml::{Document, Limits};

use crate::helpers::*;

/// Which receiver a query goes to.
#[derive(Clone, Copy, Debug)]
enum Side {
    /// The IdP receiving an AuthnRequest signed by the SP (`rsa3072`).
    Idp,
    /// The SP receiving a LogoutResponse signed by the IdP (`rsa2048`).
    Sp,
}

const SIDES: [Side; 2] = [Side::Idp, Side::Sp];

/// What a receiver made of a query it accepted.
#[derive(Debug)]
struct Reading {
    /// The ID of the message it read.
    id: String,
    /// Whether a signature verified.
    signed: bool,
    relay_state: Option<String>,
}

/// Why a receiver refused a query.
#[derive(Debug, PartialEq)]
enum Refusal {
    /// The binding parser or decoder refused it.
    Binding(BindingError),
    /// Anything else (signature, XML, SAML checks), described.
    Other(String),
}

impl Side {
    /// `SAMLRequest` or `SAMLResponse`.
    fn parameter(self) -> &'static str {
        match self {
            Side::Idp => "SAMLRequest",
            Side::Sp => "SAMLResponse",
        }
    }

    /// The legitimate sender's key.
    fn signer(self) -> Signer {
        match self {
            Side::Idp => Signer::new(key("rsa3072.pk8.pem"), Some(cert("rsa3072.cert.pem"))),
            Side::Sp => idp_signer(),
        }
    }

    /// A message with the given ID; `extra` goes into the start tag.
    fn xml(self, id: &str, extra: &str) -> String {
        match self {
            Side::Idp => format!(
                "<samlp:AuthnRequest xmlns:samlp=\"{P}\" xmlns:saml=\"{A}\" ID=\"{id}\" \
                 Version=\"2.0\" IssueInstant=\"2026-11-22T12:00:00Z\" Destination=\"{SSO_URL}\" \
                 AssertionConsumerServiceURL=\"{ACS}\"{extra}><saml:Issuer>{SP_ENTITY}\
                 </saml:Issuer></samlp:AuthnRequest>"
            ),
            Side::Sp => format!(
                "<samlp:LogoutResponse xmlns:samlp=\"{P}\" xmlns:saml=\"{A}\" ID=\"{id}\" \
                 Version=\"2.0\" IssueInstant=\"2026-11-22T12:00:00Z\" Destination=\"{ACS}\" \
                 InResponseTo=\"_logout1\"{extra}><saml:Issuer>{IDP_ISSUER}</saml:Issuer>\
                 <samlp:Status><samlp:StatusCode \
                 Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>\
                 </samlp:LogoutResponse>"
            ),
        }
    }

    /// The genuine message as the value of its parameter (DEFLATE, base64, URL-encoded).
    fn legit_value(self) -> String {
        binding::encode_redirect(self.xml("_legit", "").as_bytes())
    }

    /// The attacker's message: another ID (and, for the IdP, ForceAuthn and IsPassive).
    fn forged_value(self) -> String {
        binding::encode_redirect(
            self.xml("_forged", " ForceAuthn=\"true\" IsPassive=\"true\"")
                .as_bytes(),
        )
    }

    /// A query the sender signed: captured by the attacker from any earlier redirect.
    fn captured(self, relay_state: Option<&str>) -> String {
        sign_query(
            self.parameter(),
            &self.legit_value(),
            relay_state,
            &self.signer(),
        )
        .expect("signed")
    }

    /// Signs `octets` (the `…&SigAlg=…` part, written by hand) and appends the Signature.
    fn sign_raw(self, octets: &str) -> String {
        let signature = self.signer().sign_bytes(octets.as_bytes()).expect("sign");
        format!(
            "{octets}&Signature={}",
            binding::url_encode(&binding::encode_post(&signature))
        )
    }

    /// The `SigAlg` parameter as the signer writes it.
    fn sig_alg(self) -> String {
        format!(
            "SigAlg={}",
            binding::url_encode(self.signer().algorithm().uri())
        )
    }

    /// What the receiver on this side does with `query`.
    fn receive(self, query: &str) -> Result<Reading, Refusal> {
        match self {
            Side::Idp => {
                let peer = SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")])
                    .expect("peer with keys");
                match idp(SignTarget::Both).receive_redirect(&peer, query, now()) {
                    Ok(r) => Ok(Reading {
                        id: r.id,
                        signed: r.signed,
                        relay_state: r.relay_state,
                    }),
                    Err(SamlError::Binding(e)) => Err(Refusal::Binding(e)),
                    Err(e) => Err(Refusal::Other(format!("{} ({e})", e.kind()))),
                }
            }
            Side::Sp => {
                let limits = DecodeLimits::default();
                let parsed = RedirectQuery::parse(query, &limits).map_err(Refusal::Binding)?;
                let signed = parsed.has_signature();
                if signed {
                    let verifier =
                        verifier(vec![anchor("rsa2048.cert.pem")], AlgorithmPolicy::default());
                    redirect::verify(&parsed, &verifier)
                        .map_err(|e| Refusal::Other(format!("signature: {e}")))?;
                }
                let decoded = parsed.decode(&limits).map_err(Refusal::Binding)?;
                let doc = Document::parse_bytes(&decoded.xml, &Limits::default())
                    .map_err(|e| Refusal::Other(format!("XML: {e}")))?;
                let id = doc
                    .attribute_unverified(doc.root_element(), "ID")
                    .unwrap_or_default();
                Ok(Reading {
                    id: id.to_owned(),
                    signed,
                    relay_state: decoded.relay_state,
                })
            }
        }
    }

    /// The reading of a query that must be accepted.
    #[track_caller]
    fn accepted(self, query: &str) -> Reading {
        self.receive(query)
            .unwrap_or_else(|e| panic!("{self:?} refused {e:?}\n{query}"))
    }

    /// Asserts that `query` is refused by the binding parser with `expected`.
    #[track_caller]
    fn refused(self, query: &str, expected: BindingError) {
        match self.receive(query) {
            Ok(r) => panic!("{self:?} ACCEPTED {r:?}\n{query}"),
            Err(e) => assert_eq!(e, Refusal::Binding(expected), "{self:?}\n{query}"),
        }
    }
}

/// Byte offset of the `n`th (0-based) occurrence of `byte` in `text`.
#[track_caller]
fn nth(text: &str, byte: u8, n: usize) -> usize {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == byte)
        .nth(n)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {n}th {:?} in {text}", char::from(byte)))
}

/// Baseline: the captured query itself, bare, with its `?` and as a whole URL, is accepted and
/// signed; so every refusal below comes from the hostile form, not from the capture.
#[test]
fn captured_queries_are_accepted() {
    for side in SIDES {
        let genuine = side.captured(Some("state-1"));
        for query in [
            genuine.clone(),
            format!("?{genuine}"),
            format!("{SSO_URL}?{genuine}"),
        ] {
            let r = side.accepted(&query);
            assert!(r.signed, "{side:?}");
            assert_eq!(r.id, "_legit", "{side:?}");
            assert_eq!(r.relay_state.as_deref(), Some("state-1"), "{side:?}");
        }
    }
}

/// The bypass: `SAMLRequest=<forged>&x=?<captured>`. A parser that takes the query after the
/// first `?` verifies the capture; one that splits the whole text on `&` reads the forgery.
/// Guards the prefix rule: a `?` after an `=` or `&` is refused.
#[test]
fn question_mark_in_a_value_smuggles_a_forged_message() {
    for side in SIDES {
        let p = side.parameter();
        for relay_state in [None, Some("state-1")] {
            let query = format!(
                "{p}={}&x=?{}",
                side.forged_value(),
                side.captured(relay_state)
            );
            let offset = nth(&query, b'?', 0);
            side.refused(&query, BindingError::QuestionMark { offset });
        }
    }
}

/// The same trick injects an unsigned RelayState beside the genuine, signed message.
/// Guards the prefix rule.
#[test]
fn question_mark_in_a_value_injects_relay_state() {
    for side in SIDES {
        let query = format!(
            "{}={}&RelayState=https%3A%2F%2Fevil.example%2F&x=?{}",
            side.parameter(),
            side.legit_value(),
            side.captured(None)
        );
        let offset = nth(&query, b'?', 0);
        side.refused(&query, BindingError::QuestionMark { offset });
    }
}

/// A whole URL whose path holds `&` or `=` and a forged parameter: the text before the first
/// `?` is a path for one parser and parameters for another. Guards the prefix rule.
#[test]
fn url_path_with_ampersand_or_equals() {
    for side in SIDES {
        let p = side.parameter();
        for query in [
            format!(
                "https://org1.okta.com/sso&{p}={}&x?{}",
                side.forged_value(),
                side.captured(None)
            ),
            format!(
                "https://org1.okta.com/sso&RelayState=evil&{p}={}&x?{}",
                side.legit_value(),
                side.captured(None)
            ),
            format!(
                "{SSO_URL}/{p}={}?{}",
                side.forged_value(),
                side.captured(None)
            ),
            format!("{SSO_URL}&x?{}", side.captured(None)),
        ] {
            let offset = nth(&query, b'?', 0);
            side.refused(&query, BindingError::QuestionMark { offset });
        }
    }
}

/// A second `?` in the query of a URL (or of a `?query`): where the query starts depends on
/// which `?` a parser takes. Guards the single-`?` rule.
#[test]
fn second_question_mark() {
    for side in SIDES {
        let p = side.parameter();
        for query in [
            format!(
                "{SSO_URL}?{p}={}&x=?{}",
                side.forged_value(),
                side.captured(None)
            ),
            format!("{SSO_URL}?{}&x=?y", side.captured(None)),
            format!("?{}&RelayState=a?b", side.captured(None)),
            format!("{SSO_URL}??{}", side.captured(None)),
        ] {
            let offset = nth(&query, b'?', 1);
            side.refused(&query, BindingError::QuestionMark { offset });
        }
    }
}

/// A fragment never reaches a server, so a query with `#` is not what a server received; one
/// parser cuts it off, another reads past it. Guards the `#` rule.
#[test]
fn fragment() {
    for side in SIDES {
        let p = side.parameter();
        for query in [
            format!("{p}={}#?{}", side.forged_value(), side.captured(None)),
            format!("{p}={}&x=#?{}", side.forged_value(), side.captured(None)),
            format!("{SSO_URL}?{}#top", side.captured(None)),
            format!("{}&RelayState=a#b", side.captured(None)),
        ] {
            let offset = nth(&query, b'#', 0);
            side.refused(&query, BindingError::Fragment { offset });
        }
    }
}

/// Each of the five parameters twice, before and after the capture: one parser keeps the
/// first, another the last. Guards the duplicate rule (and both messages at once).
#[test]
fn duplicated_parameters() {
    for side in SIDES {
        let genuine = side.captured(Some("state-1"));
        let other = match side {
            Side::Idp => "SAMLResponse",
            Side::Sp => "SAMLRequest",
        };
        for (extra, expected) in [
            (
                format!("{}={}", side.parameter(), side.forged_value()),
                BindingError::DuplicateParameter {
                    name: side.parameter().into(),
                },
            ),
            (
                format!("{other}={}", side.forged_value()),
                BindingError::BothMessages,
            ),
            (
                "RelayState=evil".to_owned(),
                BindingError::DuplicateParameter {
                    name: "RelayState".into(),
                },
            ),
            (
                "SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1".to_owned(),
                BindingError::DuplicateParameter {
                    name: "SigAlg".into(),
                },
            ),
            (
                "Signature=AAAA".to_owned(),
                BindingError::DuplicateParameter {
                    name: "Signature".into(),
                },
            ),
        ] {
            side.refused(&format!("{extra}&{genuine}"), expected.clone());
            side.refused(&format!("{genuine}&{extra}"), expected);
        }
    }
}

/// A parameter name written with percent-escapes, `+`, padding or in another case: a parser
/// that decodes (or trims, or folds) names reads the forgery, one that compares raw names
/// verifies the capture. Guards the exact-name rule.
#[test]
fn encoded_parameter_names() {
    for side in SIDES {
        let genuine = side.captured(None);
        let forged = side.forged_value();
        for (written, name) in [
            ("SAML%52equest", "SAMLRequest"),
            ("%53AMLRequest", "SAMLRequest"),
            ("samlrequest", "SAMLRequest"),
            ("SAMLRe%73ponse", "SAMLResponse"),
            ("SAMLRESPONSE", "SAMLResponse"),
            ("Relay%53tate", "RelayState"),
            ("%52elayState", "RelayState"),
            ("relaystate", "RelayState"),
            ("%20RelayState", "RelayState"),
            ("RelayState+", "RelayState"),
            ("%53igAlg", "SigAlg"),
            ("Si%67nature", "Signature"),
        ] {
            let value = if name.starts_with("SAML") {
                forged.as_str()
            } else {
                "evil"
            };
            let after = format!("{genuine}&{written}={value}");
            side.refused(
                &after,
                BindingError::EncodedParameterName {
                    name: name.into(),
                    written: written.into(),
                    offset: genuine.len() + 1,
                },
            );
            let before = format!("{written}={value}&{genuine}");
            side.refused(
                &before,
                BindingError::EncodedParameterName {
                    name: name.into(),
                    written: written.into(),
                    offset: 0,
                },
            );
        }
    }
}

/// `;` is a parameter separator for some frameworks: a RelayState `a;RelayState=evil` that the
/// sender signed raw is read as two parameters there. Guards the `;` rule.
#[test]
fn semicolon_in_the_query() {
    for side in SIDES {
        let query = side.sign_raw(&format!(
            "{}={}&RelayState=a;RelayState=evil&{}",
            side.parameter(),
            side.legit_value(),
            side.sig_alg()
        ));
        let offset = nth(&query, b';', 0);
        side.refused(&query, BindingError::Semicolon { offset });
        // A `;` in a URL's query is refused the same way.
        let url = format!("{SSO_URL}?{}&x=1;y", side.captured(None));
        let offset = nth(&url, b';', 0);
        side.refused(&url, BindingError::Semicolon { offset });
    }
}

/// One of the five names without `=`: read as absent, empty or an error by different parsers.
/// Guards the name=value rule.
#[test]
fn bare_parameter_names() {
    for side in SIDES {
        let genuine = side.captured(None);
        for name in ["RelayState", "SigAlg", "Signature", side.parameter()] {
            let query = format!("{genuine}&{name}");
            side.refused(
                &query,
                BindingError::ParameterWithoutValue {
                    name: name.into(),
                    offset: genuine.len() + 1,
                },
            );
        }
    }
}

/// An empty message beside a signed query (`SAMLRequest=&…`), and an empty `SigAlg` or
/// `Signature`. Guards the empty-value rule.
#[test]
fn empty_values() {
    for side in SIDES {
        let p = side.parameter();
        let genuine = side.captured(None);
        let rest = genuine
            .split_once('&')
            .map(|(_, rest)| rest)
            .expect("SigAlg follows");
        side.refused(
            &format!("{p}=&{rest}"),
            BindingError::EmptyParameter { name: p.into() },
        );
        side.refused(
            &format!("{p}={}&SigAlg=&Signature=AAAA", side.legit_value()),
            BindingError::EmptyParameter {
                name: "SigAlg".into(),
            },
        );
        side.refused(
            &format!("{p}={}&{}&Signature=", side.legit_value(), side.sig_alg()),
            BindingError::EmptyParameter {
                name: "Signature".into(),
            },
        );
    }
}

/// A malformed escape anywhere in the query, even in a parameter the receiver ignores:
/// `percent_encoding` and many frameworks pass it through, others refuse it or read it
/// differently (`Relay%zzState`). Guards the whole-query escape check.
#[test]
fn malformed_escapes_anywhere() {
    for side in SIDES {
        let genuine = side.captured(None);
        for (extra, escape) in [
            ("x=%zz", "%zz"),
            ("x=%4", "%4"),
            ("Relay%zzState=evil", "%zz"),
            ("%=1", "%=1"),
            ("x%E=1", "%E="),
        ] {
            let query = format!("{genuine}&{extra}");
            let offset = genuine.len() + 1 + extra.find('%').expect("an escape");
            side.refused(
                &query,
                BindingError::PercentEscape {
                    offset,
                    escape: escape.into(),
                },
            );
        }
    }
}

/// ATTACKS.md A22 (ADFS and Azure AD escape in lower case; ruby-saml #627): the signature
/// covers the octets as received: a sender that escapes with lower-case hex (`%2f`) signs
/// those octets, and they verify; the same query re-encoded in upper case (what
/// a receiver that re-encoded the decoded values would check) does not. Guards
/// `RedirectQuery::signed_octets`, which must never re-encode.
#[test]
fn signature_covers_the_octets_as_received() {
    for side in SIDES {
        let uri = side.signer().algorithm().uri();
        assert_eq!(uri, uri.to_ascii_lowercase());
        let sig_alg = format!("SigAlg={}", binding::url_encode(uri).to_ascii_lowercase());
        assert!(sig_alg.contains("%2f"));
        let query = side.sign_raw(&format!(
            "{}={}&RelayState=https%3a%2f%2fsp.example%2fa%3fb%3d1&{sig_alg}",
            side.parameter(),
            side.legit_value(),
        ));
        let r = side.accepted(&query);
        assert!(r.signed);
        assert_eq!(r.id, "_legit");
        assert_eq!(r.relay_state.as_deref(), Some("https://sp.example/a?b=1"));

        let reencoded = query.replace(
            "%3a%2f%2fsp.example%2fa%3fb%3d1",
            "%3A%2F%2Fsp.example%2Fa%3Fb%3D1",
        );
        assert_ne!(reencoded, query);
        match side.receive(&reencoded) {
            Err(Refusal::Other(e)) => assert!(e.contains("signature"), "{side:?}: {e}"),
            other => panic!("{side:?}: {other:?}"),
        }
    }
}
