//! A15–A20 (and A22's issuer check): what a validly signed message must still satisfy.
//! Each message is built by our IdP, or edited and then re-signed with the IdP's key
//! ([`edited`]), so only the semantic check under test can reject it.
//!
//! Defences, all in `ServiceProvider::validate_document` unless named: the replay cache keyed
//! by issuer and Assertion ID (`ReplayCache::check_and_insert`, last); `check_solicitation` and
//! the Response-vs-bearer InResponseTo comparison; Issuer equality on Response and Assertion;
//! Destination; `check_window` for Conditions and the bearer confirmation (NotOnOrAfter
//! exclusive, skew both ways); `check_not_future` for IssueInstant; AudienceRestriction (each
//! restriction must name the SP); `check_status`; `check_bearer` (a bearer confirmation
//! satisfying Recipient and NotOnOrAfter; others ignored); AuthnStatement presence.

use saml_core::saml::SamlError;
use saml_core::saml::authn::RequestOptions;
use saml_core::saml::idp::SignTarget;
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::Solicitation;

use crate::helpers::*;

/// An SP-initiated exchange: the SP's AuthnRequest (recorded in the returned store), verified by
/// the IdP, answered with a Response signed as `sign`. Returns (Response, request ID, store).
fn solicited(sign: SignTarget) -> (String, String, InMemoryStore) {
    let store = InMemoryStore::default();
    let request = sp()
        .authn_request(now(), &RequestOptions::default(), &store)
        .expect("request");
    let received = idp(sign)
        .receive_post(&sp_peer(), request.xml.as_bytes(), None, now())
        .expect("the IdP accepts the request");
    let response = idp(sign)
        .issue(&sp_peer(), &alice(), Some(&received), now())
        .expect("issued");
    (response, request.id, store)
}

/// Validates with a given solicitation at one second after [`now`].
/// Validates against the outstanding requests in `store` (consumed on success).
fn validate_outstanding(xml: &str, store: &InMemoryStore) -> Result<(), SamlError> {
    sp().validate_and_commit(xml.as_bytes(), at(1), Solicitation::outstanding(), store)
        .map(|_| ())
}

fn validate_solicited(xml: &str, solicitation: Solicitation<'_>) -> Result<(), SamlError> {
    sp().validate_and_commit(
        xml.as_bytes(),
        at(1),
        solicitation,
        &InMemoryStore::default(),
    )
    .map(|_| ())
}

/// A15: replay of an accepted assertion.
mod replay {
    use super::*;

    /// SAML profiles §4.1.4.5, ATTACKS.md A15: the same Response posted twice.
    #[test]
    fn same_response_twice() {
        let xml = issue(SignTarget::Both);
        let cache = InMemoryStore::default();
        let sp = sp();
        sp.validate_and_commit(
            xml.as_bytes(),
            at(1),
            saml_core::saml::sp::danger::not_tracked(),
            &cache,
        )
        .expect("first use");
        let err = sp
            .validate_and_commit(
                xml.as_bytes(),
                at(2),
                saml_core::saml::sp::danger::not_tracked(),
                &cache,
            )
            .expect_err("replay");
        assert_kind(&err, "replay");
    }

    /// The same signed Assertion re-wrapped in a new (unsigned) Response with another ID: the
    /// cache is keyed by the Assertion, not the envelope.
    #[test]
    fn same_assertion_in_a_new_envelope() {
        let xml = issue(SignTarget::Assertion);
        let cache = InMemoryStore::default();
        let sp = sp();
        sp.validate_and_commit(
            xml.as_bytes(),
            at(1),
            saml_core::saml::sp::danger::not_tracked(),
            &cache,
        )
        .expect("first use");
        let rewrapped = set_attribute(&xml, root(&xml).outer.start, "ID", "_new_envelope");
        let err = sp
            .validate_and_commit(
                rewrapped.as_bytes(),
                at(2),
                saml_core::saml::sp::danger::not_tracked(),
                &cache,
            )
            .expect_err("replay");
        assert_kind(&err, "replay");
    }
}

/// A16: InResponseTo, unsolicited responses and login CSRF.
mod in_response_to {
    use super::*;

    /// A16: a Response to another AuthnRequest (another user's, or an earlier one of ours).
    #[test]
    fn answer_to_another_request() {
        let (xml, _, store) = solicited(SignTarget::Both);
        let err = validate_solicited(&xml, Solicitation::expect("_another_request"))
            .expect_err("mismatch");
        assert_kind(&err, "in_response_to_mismatch");

        let other = InMemoryStore::default();
        sp().authn_request(now(), &RequestOptions::default(), &other)
            .expect("another request");
        let err = validate_outstanding(&xml, &other).expect_err("unknown");
        assert_kind(&err, "unknown_in_response_to");

        // Accepted once for its own request, then the request is consumed.
        validate_outstanding(&xml, &store).expect("valid");
        let err = validate_outstanding(&xml, &store).expect_err("request consumed");
        assert_kind(&err, "unknown_in_response_to");
    }

    /// Login CSRF with an Assertion-only signature: the attacker rewrites the unsigned
    /// Response's InResponseTo to the victim's request; the signed bearer confirmation still
    /// names the original request, and the unsigned value that disagrees with it is refused.
    #[test]
    fn response_and_bearer_disagree() {
        let (xml, _id, _) = solicited(SignTarget::Assertion);
        let xml = set_attribute(
            &xml,
            root(&xml).outer.start,
            "InResponseTo",
            "_victims_request",
        );
        let err = validate_solicited(&xml, Solicitation::expect("_victims_request"))
            .expect_err("mismatch");
        assert_kind(&err, "in_response_to_mismatch");
        assert!(
            matches!(
                err,
                SamlError::InResponseToMismatch {
                    element: "Response",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    /// An unsolicited Response where one answering a request was expected, and where
    /// unsolicited Responses are not allowed.
    #[test]
    fn unsolicited() {
        let xml = issue(SignTarget::Both);
        let err = validate_solicited(&xml, Solicitation::expect("_expected")).expect_err("x");
        assert_kind(&err, "unsolicited");
        let strict = saml_core::saml::sp::ServiceProvider::new(
            idp_settings().with_sign_requests(false),
            saml_core::settings::SpSettings::new(SP_ENTITY, ACS),
        )
        .expect("complete settings");
        let err = strict
            .validate_and_commit(
                xml.as_bytes(),
                at(1),
                Solicitation::outstanding(),
                &InMemoryStore::default(),
            )
            .expect_err("unsolicited");
        assert_kind(&err, "unsolicited");
    }
}

/// A17/A22: Issuer equality on the Response and the Assertion.
mod issuer {
    use super::*;

    /// A17/A22: the SP expects another IdP (the Response's Issuer is checked first).
    #[test]
    fn configured_issuer_differs() {
        let sp = sp_with(|i| {
            *i = saml_core::IdpSettings::new(
                "http://www.okta.com/other",
                SSO_URL,
                vec![anchor("rsa2048.cert.pem")],
            )
        });
        let err = rejected(&sp, &issue(SignTarget::Both));
        assert!(
            matches!(
                &err,
                SamlError::IssuerMismatch {
                    element: "Response",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    /// The Assertion's Issuer differs from the Response's (signed by the IdP key), or is absent.
    #[test]
    fn assertion_issuer_differs_or_is_absent() {
        let xml = edited(
            |x| {
                let issuer = child(x, &assertion(x), A, "Issuer");
                splice(x, issuer.inner, "http://www.okta.com/other")
            },
            SignTarget::Both,
        );
        match rejected(&sp(), &xml) {
            SamlError::IssuerMismatch {
                element: "Assertion",
                found: Some(found),
                ..
            } => assert_eq!(found, "http://www.okta.com/other"),
            other => panic!("{other:?}"),
        }
        let xml = edited(
            |x| splice(x, child(x, &assertion(x), A, "Issuer").outer, ""),
            SignTarget::Both,
        );
        assert!(matches!(
            rejected(&sp(), &xml),
            SamlError::IssuerMismatch {
                element: "Assertion",
                found: None,
                ..
            }
        ));
    }

    /// The unsigned Response's Issuer rewritten around an Assertion-signed message.
    #[test]
    fn response_issuer_differs() {
        let xml = issue(SignTarget::Assertion);
        let issuer = child(&xml, &root(&xml), A, "Issuer");
        let xml = splice(&xml, issuer.inner, "http://www.okta.com/other");
        assert!(matches!(
            rejected(&sp(), &xml),
            SamlError::IssuerMismatch {
                element: "Response",
                ..
            }
        ));
    }
}

/// A17: AudienceRestriction.
mod audience {
    use super::*;

    /// A17: an assertion issued to another SP (this SP's entity ID is not the Audience).
    #[test]
    fn other_sp_entity_id() {
        let sp = saml_core::saml::sp::ServiceProvider::new(
            idp_settings().with_sign_requests(false),
            saml_core::settings::SpSettings::new("https://other.example/sp", ACS)
                .with_unsolicited(true),
        )
        .expect("complete settings");
        let err = rejected(&sp, &issue(SignTarget::Both));
        assert_kind(&err, "audience_mismatch");
    }

    /// Core §2.5.1.4: AudienceRestrictions are ANDed. A second restriction naming only another
    /// SP fails, although the first names us.
    #[test]
    fn two_restrictions_only_one_names_us() {
        let xml = edited(
            |x| {
                let r = first(x, A, "AudienceRestriction");
                insert(
                    x,
                    r.outer.end,
                    "<saml:AudienceRestriction><saml:Audience>https://other.example/sp\
                     </saml:Audience></saml:AudienceRestriction>",
                )
            },
            SignTarget::Both,
        );
        match rejected(&sp(), &xml) {
            SamlError::AudienceMismatch { found, .. } => {
                assert_eq!(found, ["https://other.example/sp"]);
            }
            other => panic!("{other:?}"),
        }
    }

    /// Audiences inside one restriction are ORed: another SP listed first, us second, is valid.
    #[test]
    fn one_restriction_two_audiences_is_valid() {
        let xml = edited(
            |x| {
                let a = first(x, A, "Audience");
                insert(
                    x,
                    a.outer.start,
                    "<saml:Audience>https://other.example/sp</saml:Audience>",
                )
            },
            SignTarget::Both,
        );
        accepted(&sp(), &xml);
    }

    /// No AudienceRestriction at all.
    #[test]
    fn no_audience_restriction() {
        let xml = edited(
            |x| splice(x, first(x, A, "AudienceRestriction").outer, ""),
            SignTarget::Both,
        );
        assert_kind(&rejected(&sp(), &xml), "missing_audience_restriction");
    }
}

/// A17: Destination and the bearer Recipient.
mod destination_and_recipient {
    use super::*;

    /// A17 token forwarding: the Response was sent to another ACS.
    #[test]
    fn destination_differs() {
        let sp = saml_core::saml::sp::ServiceProvider::new(
            idp_settings().with_sign_requests(false),
            saml_core::settings::SpSettings::new(SP_ENTITY, "https://org2.okta.com/other-acs")
                .with_unsolicited(true),
        )
        .expect("complete settings");
        assert_kind(
            &rejected(&sp, &issue(SignTarget::Both)),
            "destination_mismatch",
        );
        let xml = edited(
            |x| {
                set_attribute(
                    x,
                    root(x).outer.start,
                    "Destination",
                    "https://evil.example/acs",
                )
            },
            SignTarget::Both,
        );
        assert_kind(
            &rejected(&crate::helpers::sp(), &xml),
            "destination_mismatch",
        );
    }

    /// Bindings §3.5.5.2 (ATTACKS.md A17): a signed Response MUST carry a Destination. Here the
    /// IdP signed a Response without one.
    #[test]
    fn signed_response_without_destination() {
        let xml = edited(
            |x| replace_once(x, &format!(" Destination=\"{ACS}\""), ""),
            SignTarget::Response,
        );
        if let Ok(v) = validate(&sp(), &xml) {
            panic!(
                "accepted a signed Response without Destination (NameID `{}`)",
                v.name_id().value
            );
        }
    }

    /// The bearer confirmation's Recipient differs, or is absent.
    #[test]
    fn recipient_differs_or_is_absent() {
        let xml = edited(
            |x| {
                let d = first(x, A, "SubjectConfirmationData");
                set_attribute(x, d.outer.start, "Recipient", "https://evil.example/acs")
            },
            SignTarget::Both,
        );
        assert_kind(&rejected(&sp(), &xml), "recipient_mismatch");
        let xml = edited(
            |x| replace_once(x, &format!("Recipient=\"{ACS}\" "), ""),
            SignTarget::Both,
        );
        assert!(matches!(
            rejected(&sp(), &xml),
            SamlError::RecipientMismatch { found: None, .. }
        ));
    }
}

/// A18: NotBefore, NotOnOrAfter and IssueInstant with the clock skew.
mod time {
    use super::*;

    /// A18: after Conditions/@NotOnOrAfter + skew, and before NotBefore − skew.
    #[test]
    fn outside_the_conditions_window() {
        let xml = issue(SignTarget::Both);
        let err = rejected_at(&sp(), &xml, at(300 + 120));
        assert!(
            matches!(
                err,
                SamlError::Expired {
                    element: "Conditions",
                    ..
                }
            ),
            "{err:?}"
        );
        let err = rejected_at(&sp(), &xml, at(-121));
        assert!(
            matches!(
                err,
                SamlError::NotYetValid {
                    element: "Conditions",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    /// The bearer confirmation expires before the Conditions do.
    #[test]
    fn bearer_not_on_or_after_passed() {
        let xml = edited(
            |x| {
                let d = first(x, A, "SubjectConfirmationData");
                set_attribute(x, d.outer.start, "NotOnOrAfter", "2026-11-22T12:00:10Z")
            },
            SignTarget::Both,
        );
        accepted_at(&sp(), &xml, at(129));
        let err = rejected_at(&sp(), &xml, at(130));
        assert!(
            matches!(
                err,
                SamlError::Expired {
                    element: "SubjectConfirmationData",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    /// IssueInstant in the future beyond the skew, on the Assertion (signed) and on the
    /// Response (unsigned around an Assertion signature).
    #[test]
    fn issued_in_the_future() {
        let xml = edited(
            |x| {
                set_attribute(
                    x,
                    assertion(x).outer.start,
                    "IssueInstant",
                    "2026-11-22T13:00:00Z",
                )
            },
            SignTarget::Both,
        );
        assert!(matches!(
            rejected(&sp(), &xml),
            SamlError::IssuedInFuture {
                element: "Assertion",
                ..
            }
        ));
        let xml = issue(SignTarget::Assertion);
        let xml = set_attribute(
            &xml,
            root(&xml).outer.start,
            "IssueInstant",
            "2026-11-22T13:00:00Z",
        );
        assert!(matches!(
            rejected(&sp(), &xml),
            SamlError::IssuedInFuture {
                element: "Response",
                ..
            }
        ));
    }
}

/// A20: Status other than Success.
mod status {
    use super::*;

    const RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    const REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    const AUTHN_FAILED: &str = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
    const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

    /// `xml` with its Status replaced.
    fn with_status(xml: &str, status: &str) -> String {
        splice(xml, child(xml, &root(xml), P, "Status").outer, status)
    }

    /// A20: Responder with a nested AuthnFailed and a message, an Assertion still attached and
    /// everything signed. The error carries both codes, outermost first, and the message.
    #[test]
    fn responder_with_nested_code_and_message() {
        let status = format!(
            "<samlp:Status><samlp:StatusCode Value=\"{RESPONDER}\">\
             <samlp:StatusCode Value=\"{AUTHN_FAILED}\"/></samlp:StatusCode>\
             <samlp:StatusMessage>Account locked</samlp:StatusMessage></samlp:Status>"
        );
        let xml = edited(|x| with_status(x, &status), SignTarget::Both);
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "status_not_success");
        match &err {
            SamlError::Status { codes, message } => {
                assert_eq!(codes, &[RESPONDER, AUTHN_FAILED]);
                assert_eq!(message.as_deref(), Some("Account locked"));
            }
            other => panic!("{other:?}"),
        }
        let shown = err.to_string();
        assert!(
            shown.contains(RESPONDER)
                && shown.contains(AUTHN_FAILED)
                && shown.contains("Account locked"),
            "{shown}"
        );
    }

    /// Only the top-level code counts: Requester with a nested Success is a failure.
    #[test]
    fn nested_success_does_not_count() {
        let status = format!(
            "<samlp:Status><samlp:StatusCode Value=\"{REQUESTER}\">\
             <samlp:StatusCode Value=\"{SUCCESS}\"/></samlp:StatusCode></samlp:Status>"
        );
        let xml = edited(|x| with_status(x, &status), SignTarget::Both);
        match rejected(&sp(), &xml) {
            SamlError::Status { codes, message } => {
                assert_eq!(codes, [REQUESTER, SUCCESS]);
                assert_eq!(message, None);
            }
            other => panic!("{other:?}"),
        }
    }

    /// A missing Status, and a Status without StatusCode.
    #[test]
    fn missing_status_or_code() {
        let xml = edited(|x| with_status(x, ""), SignTarget::Both);
        assert_kind(&rejected(&sp(), &xml), "malformed_message");
        let xml = edited(|x| with_status(x, "<samlp:Status/>"), SignTarget::Both);
        match rejected(&sp(), &xml) {
            SamlError::Status { codes, .. } => assert_eq!(codes, ["(no StatusCode)"]),
            other => panic!("{other:?}"),
        }
    }
}

/// A19: the bearer SubjectConfirmation and the AuthnStatement.
mod subject_confirmation {
    use super::*;

    const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

    /// The unsigned Response with its SubjectConfirmation replaced by `with`, re-signed.
    fn confirmation(with: impl Fn(&str) -> String) -> String {
        edited(
            |x| {
                let sc = first(x, A, "SubjectConfirmation");
                let original = x[sc.outer.clone()].to_owned();
                splice(x, sc.outer, &with(&original))
            },
            SignTarget::Both,
        )
    }

    /// A19: no SubjectConfirmation at all.
    #[test]
    fn none() {
        let xml = confirmation(|_| String::new());
        assert_kind(&rejected(&sp(), &xml), "no_bearer_confirmation");
    }

    /// A19: holder-of-key and sender-vouches are not Web SSO confirmations.
    #[test]
    fn wrong_method() {
        for method in [
            "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
            "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches",
        ] {
            let xml = confirmation(|sc| sc.replace(BEARER, method));
            assert_kind(&rejected(&sp(), &xml), "no_bearer_confirmation");
        }
    }

    /// A18/A19: a bearer confirmation without SubjectConfirmationData, and one without
    /// NotOnOrAfter.
    #[test]
    fn incomplete_bearer() {
        let xml = confirmation(|_| format!("<saml:SubjectConfirmation Method=\"{BEARER}\"/>"));
        assert_kind(&rejected(&sp(), &xml), "no_bearer_confirmation");
        let xml = confirmation(|sc| replace_once(sc, " NotOnOrAfter=\"2026-11-22T12:05:00Z\"", ""));
        assert_kind(&rejected(&sp(), &xml), "no_bearer_confirmation");
    }

    /// A19: confirmations are alternatives, not merged: a holder-of-key one and a bearer one
    /// with the wrong Recipient are ignored when a valid bearer one follows.
    #[test]
    fn one_valid_bearer_among_others() {
        let xml = confirmation(|sc| {
            let hok = sc.replace(BEARER, "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key");
            let wrong = sc.replace(ACS, "https://evil.example/acs");
            format!("{hok}{wrong}{sc}")
        });
        assert_eq!(accepted(&sp(), &xml).name_id().value, ALICE);
    }

    /// The Web SSO profile requires an AuthnStatement.
    #[test]
    fn no_authn_statement() {
        let xml = edited(
            |x| splice(x, first(x, A, "AuthnStatement").outer, ""),
            SignTarget::Both,
        );
        assert_kind(&rejected(&sp(), &xml), "malformed_message");
    }
}
