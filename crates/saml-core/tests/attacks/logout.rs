//! Single Logout (SAML Core §3.7, Profiles §4.4): what a hostile sender does with
//! LogoutRequest and LogoutResponse, on the SP's and the IdP's Single Logout URLs.
//!
//! A forged logout is a denial of service (end any user's sessions by NameID) or, on the IdP,
//! a way to mark SPs logged out that are not. Each test writes the message text itself and
//! signs it with the key it names: the IdP's `rsa2048` (pinned by the SP), the SP's `rsa3072`
//! (pinned by the IdP), or a key the receiver does not pin (`attacker_signer`, `rsa3072`, on
//! the SP; the IdP's key, on the IdP). So the one check a test targets is the only thing left
//! to refuse it. Every test asserts the stable kind.
//!
//! Defences and where they live (`src/saml/logout/message.rs` unless named): Issuer equals the
//! peer (`Receiver::read`); Destination equals our SLO URL and is required on signed messages;
//! IssueInstant not in the future, NotOnOrAfter (or IssueInstant + lifetime) not passed;
//! signature by the pinned keys, enveloped (POST) or over the query octets (Redirect), unsigned
//! refused (`Receiver::receive`); one split of the query (`binding::RedirectQuery`); the
//! parameter names the message (`SAMLRequest` for a LogoutRequest); a POST value is base64 of
//! the XML; replay of LogoutRequest IDs (`UnreplayedLogoutRequest::commit`, `mod.rs`);
//! InResponseTo single use in the `logout:` namespace (`UnmatchedLogoutResponse::commit`,
//! `pending_key`); an answer from the SP the request went to (`Propagation::record_response`,
//! `idp.rs`); exactly one non-empty NameID (`read_name_id`), a CBC EncryptedID read only under
//! a signature; fail closed on every store. `scripts/check_defences.py` removes each in turn
//! and checks that its test here fails.

use saml_core::binding;
use saml_core::dsig::Signer;
use saml_core::dsig::redirect::sign_query;
use saml_core::saml::SamlError;
use saml_core::saml::authn::RequestOptions;
use saml_core::saml::idp::{IdentityProvider, SpPeer};
use saml_core::saml::logout::{
    self, InMemorySessionRegistry, Incoming, LogoutRequest, LogoutResponse, LogoutStatus,
    LogoutSubject, Participant, ReceivedLogout, SessionRegistry, UnmatchedLogoutResponse,
    UnreplayedLogoutRequest, VerifySettings,
};
use saml_core::saml::replay::{
    InMemoryStore, ReplayCache, ReplayOutcome, RequestStore, StoreError,
};
use saml_core::saml::sp::{NameId, ServiceProvider, Solicitation};
use saml_core::settings::Binding;
use saml_core::time::DateTime;

use crate::helpers::*;

/// The SP's Single Logout URL.
const SP_SLO: &str = "https://org2.okta.com/sso/saml2/0oa1org2/slo";
/// The IdP's Single Logout URL.
const IDP_SLO: &str = "https://org1.okta.com/app/org1_org2/exk1org1/slo/saml";

/// The SP's signer (`rsa3072`).
fn sp_signer() -> Signer {
    Signer::new(key("rsa3072.pk8.pem"), Some(cert("rsa3072.cert.pem")))
}

/// The SP, configured for Single Logout with the IdP by `binding`.
fn sp_slo(binding: Binding) -> ServiceProvider {
    ServiceProvider::new(
        idp_settings().with_single_logout_service(IDP_SLO, binding),
        sp_settings()
            .with_single_logout_url(SP_SLO)
            .with_signing_key(key("rsa3072.pk8.pem"), cert("rsa3072.cert.pem")),
    )
    .expect("complete settings")
}

/// The SP that also accepts unsigned logout messages (the `danger` opt-out).
fn sp_accepting_unsigned() -> ServiceProvider {
    let mut idp = idp_settings().with_single_logout_service(IDP_SLO, Binding::HttpPost);
    saml_core::settings::danger::accept_unsigned_logout(&mut idp);
    ServiceProvider::new(idp, sp_settings().with_single_logout_url(SP_SLO)).expect("settings")
}

/// The SP as the IdP knows it: its logout messages are signed with `rsa3072`.
fn sp_peer_slo(binding: Binding) -> SpPeer {
    SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")])
        .expect("peer")
        .with_single_logout_service(SP_SLO, binding)
}

/// Our IdP with its Single Logout URL.
fn idp_slo() -> IdentityProvider {
    IdentityProvider::new(IDP_ISSUER, SSO_URL, idp_signer()).with_single_logout_url(IDP_SLO)
}

/// The knobs of a LogoutRequest an attacker writes.
#[derive(Clone)]
struct Req {
    id: &'static str,
    issuer: &'static str,
    destination: Option<&'static str>,
    issue_instant: String,
    not_on_or_after: Option<String>,
    /// The identifier elements, verbatim.
    identifier: String,
}

impl Req {
    /// A valid LogoutRequest from the IdP to the SP for Alice, issued at [`now`].
    fn from_idp() -> Self {
        Self {
            id: "_logout_request_1",
            issuer: IDP_ISSUER,
            destination: Some(SP_SLO),
            issue_instant: now().to_string(),
            not_on_or_after: Some(at(300).to_string()),
            identifier: format!("<saml:NameID>{ALICE}</saml:NameID>"),
        }
    }

    fn xml(&self) -> String {
        let dest = self
            .destination
            .map(|d| format!(" Destination=\"{d}\""))
            .unwrap_or_default();
        let noa = self
            .not_on_or_after
            .as_ref()
            .map(|t| format!(" NotOnOrAfter=\"{t}\""))
            .unwrap_or_default();
        format!(
            "<samlp:LogoutRequest xmlns:samlp=\"{P}\" xmlns:saml=\"{A}\" ID=\"{id}\" \
             Version=\"2.0\" IssueInstant=\"{ii}\"{dest}{noa}><saml:Issuer>{issuer}</saml:Issuer>\
             {identifier}<samlp:SessionIndex>_s1</samlp:SessionIndex></samlp:LogoutRequest>",
            id = self.id,
            ii = self.issue_instant,
            issuer = self.issuer,
            identifier = self.identifier,
        )
    }
}

/// A LogoutResponse from `issuer` to `destination` answering `in_response_to`.
fn response_xml(issuer: &str, destination: &str, in_response_to: &str) -> String {
    format!(
        "<samlp:LogoutResponse xmlns:samlp=\"{P}\" xmlns:saml=\"{A}\" ID=\"_logout_response_1\" \
         Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{destination}\" \
         InResponseTo=\"{in_response_to}\"><saml:Issuer>{issuer}</saml:Issuer><samlp:Status>\
         <samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>\
         </samlp:LogoutResponse>",
        now = now(),
    )
}

/// `xml` with an enveloped signature by `signer`, as the HTTP-POST form value.
fn post_signed(xml: &str, signer: &Signer) -> String {
    let id = xml
        .split("ID=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an ID");
    binding::encode_post(signer.sign_element(xml, id).expect("signs").as_bytes())
}

/// `xml` unsigned, as the HTTP-POST form value.
fn post_unsigned(xml: &str) -> String {
    binding::encode_post(xml.as_bytes())
}

/// `xml` as an HTTP-Redirect query signed by `signer`.
fn redirect_signed(xml: &str, parameter: &str, signer: &Signer) -> String {
    let value = binding::encode_redirect(xml.as_bytes());
    sign_query(parameter, &value, Some("state"), signer).expect("signs")
}

/// A committed logout message.
#[derive(Debug)]
enum Got {
    Request(LogoutRequest),
    Response(LogoutResponse),
}

/// The SP's verdict on an HTTP-POST LogoutRequest value at `when`, committed to `store`.
fn sp_post_at(
    sp: &ServiceProvider,
    value: &str,
    store: &InMemoryStore,
    when: DateTime,
) -> Result<Got, SamlError> {
    commit(
        sp.receive_logout(&Incoming::post(value, None), when)?,
        store,
    )
}

fn commit(received: ReceivedLogout, store: &InMemoryStore) -> Result<Got, SamlError> {
    match received {
        ReceivedLogout::Request(r) => r.commit(store).map(Got::Request),
        ReceivedLogout::Response(r) => r.commit(store).map(Got::Response),
        _ => unreachable!("two kinds"),
    }
}

/// The SP's verdict on a POST value at one second after [`now`], fresh stores.
fn sp_post(value: &str) -> Result<Got, SamlError> {
    sp_post_at(
        &sp_slo(Binding::HttpPost),
        value,
        &InMemoryStore::default(),
        at(1),
    )
}

/// The SP's verdict on a Redirect query at one second after [`now`], fresh stores.
fn sp_redirect(query: &str) -> Result<Got, SamlError> {
    commit(
        sp_slo(Binding::HttpRedirect).receive_logout(&Incoming::redirect(query), at(1))?,
        &InMemoryStore::default(),
    )
}

#[track_caller]
fn refused(result: Result<Got, SamlError>, kind: &str) -> SamlError {
    match result {
        Ok(m) => panic!("ACCEPTED {m:?}"),
        Err(e) => {
            assert_kind(&e, kind);
            e
        }
    }
}

#[track_caller]
fn accepted(result: Result<Got, SamlError>) -> Got {
    result.unwrap_or_else(|e| panic!("refused ({}): {e}", e.kind()))
}

mod baseline {
    use super::*;

    #[test]
    fn the_genuine_request_is_accepted_by_both_bindings() {
        let xml = Req::from_idp().xml();
        for m in [
            accepted(sp_post(&post_signed(&xml, &idp_signer()))),
            accepted(sp_redirect(&redirect_signed(
                &xml,
                "SAMLRequest",
                &idp_signer(),
            ))),
        ] {
            let Got::Request(r) = m else {
                panic!("a request")
            };
            assert_eq!(r.name_id().value, ALICE);
            assert_eq!(r.session_indexes(), ["_s1"]);
            assert!(r.signed());
        }
    }
}

mod issuer {
    use super::*;

    #[test]
    fn a_request_signed_by_the_idp_but_naming_another_issuer_is_refused() {
        let xml = Req {
            issuer: "http://www.okta.com/exkEVIL",
            ..Req::from_idp()
        }
        .xml();
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "issuer_mismatch",
        );
        refused(
            sp_redirect(&redirect_signed(&xml, "SAMLRequest", &idp_signer())),
            "issuer_mismatch",
        );
    }

    #[test]
    fn a_request_without_issuer_is_refused() {
        let xml = Req::from_idp()
            .xml()
            .replace(&format!("<saml:Issuer>{IDP_ISSUER}</saml:Issuer>"), "");
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "issuer_mismatch",
        );
    }

    #[test]
    fn the_idp_refuses_a_message_from_an_unknown_sp() {
        let xml = Req {
            issuer: "https://stranger.example/",
            destination: Some(IDP_SLO),
            ..Req::from_idp()
        }
        .xml();
        let err = idp_slo()
            .receive_logout(
                &[sp_peer_slo(Binding::HttpPost)],
                &Incoming::post(&post_signed(&xml, &sp_signer()), None),
                at(1),
            )
            .expect_err("unknown issuer");
        assert_kind(&err, "issuer_mismatch");
    }
}

mod destination {
    use super::*;

    #[test]
    fn a_request_for_another_slo_url_is_refused() {
        let xml = Req {
            destination: Some("https://other-sp.example/slo"),
            ..Req::from_idp()
        }
        .xml();
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "destination_mismatch",
        );
        refused(
            sp_redirect(&redirect_signed(&xml, "SAMLRequest", &idp_signer())),
            "destination_mismatch",
        );
    }

    #[test]
    fn a_signed_request_without_destination_is_refused_by_both_bindings() {
        let xml = Req {
            destination: None,
            ..Req::from_idp()
        }
        .xml();
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "destination_missing",
        );
        refused(
            sp_redirect(&redirect_signed(&xml, "SAMLRequest", &idp_signer())),
            "destination_missing",
        );
    }

    #[test]
    fn a_signed_response_without_destination_is_refused() {
        let xml = response_xml(IDP_ISSUER, SP_SLO, "_x")
            .replace(&format!(" Destination=\"{SP_SLO}\""), "");
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "destination_missing",
        );
    }
}

mod time {
    use super::*;

    #[test]
    fn an_expired_request_is_refused() {
        let xml = Req {
            not_on_or_after: Some(at(-121).to_string()),
            ..Req::from_idp()
        }
        .xml();
        refused(sp_post(&post_signed(&xml, &idp_signer())), "expired");
        // Within the skew it is still accepted.
        let xml = Req {
            not_on_or_after: Some(at(-100).to_string()),
            ..Req::from_idp()
        }
        .xml();
        accepted(sp_post(&post_signed(&xml, &idp_signer())));
    }

    #[test]
    fn a_request_without_not_on_or_after_expires_after_the_lifetime() {
        let xml = Req {
            not_on_or_after: None,
            ..Req::from_idp()
        }
        .xml();
        let value = post_signed(&xml, &idp_signer());
        let sp = sp_slo(Binding::HttpPost);
        let late = at(logout::LOGOUT_LIFETIME_SECONDS + 120);
        let err = sp_post_at(&sp, &value, &InMemoryStore::default(), late).expect_err("stale");
        assert_kind(&err, "expired");
        accepted(sp_post_at(
            &sp,
            &value,
            &InMemoryStore::default(),
            at(logout::LOGOUT_LIFETIME_SECONDS),
        ));
    }

    #[test]
    fn a_request_issued_in_the_future_is_refused() {
        let xml = Req {
            issue_instant: at(122).to_string(),
            not_on_or_after: Some(at(900).to_string()),
            ..Req::from_idp()
        }
        .xml();
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "issued_in_future",
        );
        refused(
            sp_redirect(&redirect_signed(&xml, "SAMLRequest", &idp_signer())),
            "issued_in_future",
        );
    }
}

mod signature {
    use super::*;

    #[test]
    fn a_request_signed_by_an_attacker_key_is_refused() {
        let xml = Req::from_idp().xml();
        refused(
            sp_post(&post_signed(&xml, &attacker_signer())),
            "signature_mismatch",
        );
        refused(
            sp_redirect(&redirect_signed(&xml, "SAMLRequest", &attacker_signer())),
            "signature_mismatch",
        );
    }

    #[test]
    fn an_unsigned_request_is_refused_by_both_bindings() {
        let xml = Req::from_idp().xml();
        refused(sp_post(&post_unsigned(&xml)), "signature_missing");
        let query = format!(
            "SAMLRequest={}&RelayState=state",
            binding::encode_redirect(xml.as_bytes())
        );
        refused(sp_redirect(&query), "signature_missing");
    }

    #[test]
    fn unsigned_is_accepted_only_under_the_danger_opt_out() {
        let xml = Req::from_idp().xml();
        let m = accepted(sp_post_at(
            &sp_accepting_unsigned(),
            &post_unsigned(&xml),
            &InMemoryStore::default(),
            at(1),
        ));
        let Got::Request(r) = m else {
            panic!("a request")
        };
        assert!(!r.signed());
    }

    #[test]
    fn the_idp_refuses_an_unsigned_request_and_one_signed_by_the_wrong_sp_key() {
        let xml = Req {
            issuer: SP_ENTITY,
            destination: Some(IDP_SLO),
            ..Req::from_idp()
        }
        .xml();
        let peers = [sp_peer_slo(Binding::HttpPost)];
        for (value, kind) in [
            (post_unsigned(&xml), "signature_missing"),
            (post_signed(&xml, &idp_signer()), "signature_mismatch"),
        ] {
            let err = idp_slo()
                .receive_logout(&peers, &Incoming::post(&value, None), at(1))
                .expect_err("refused");
            assert_kind(&err, kind);
        }
    }

    #[test]
    fn a_signed_response_from_an_attacker_is_refused() {
        let xml = response_xml(IDP_ISSUER, SP_SLO, "_x");
        refused(
            sp_post(&post_signed(&xml, &attacker_signer())),
            "signature_mismatch",
        );
    }
}

mod redirect_query {
    use super::*;

    #[test]
    fn a_signature_over_different_octets_is_refused() {
        let query = redirect_signed(&Req::from_idp().xml(), "SAMLRequest", &idp_signer());
        let tampered = query.replacen("RelayState=state", "RelayState=stolen", 1);
        assert_ne!(query, tampered);
        refused(sp_redirect(&tampered), "signature_mismatch");
        // The message itself swapped for another the IdP never signed.
        let other = binding::encode_redirect(
            Req {
                id: "_forged",
                ..Req::from_idp()
            }
            .xml()
            .as_bytes(),
        );
        let signed_value = query
            .split('&')
            .next()
            .and_then(|p| p.strip_prefix("SAMLRequest="))
            .expect("value");
        let swapped = query.replacen(signed_value, &other, 1);
        refused(sp_redirect(&swapped), "signature_mismatch");
    }

    #[test]
    fn a_duplicated_parameter_is_refused() {
        let query = redirect_signed(&Req::from_idp().xml(), "SAMLRequest", &idp_signer());
        let forged = binding::encode_redirect(
            Req {
                id: "_forged",
                ..Req::from_idp()
            }
            .xml()
            .as_bytes(),
        );
        for hostile in [
            format!("{query}&SAMLRequest={forged}"),
            format!("SAMLRequest={forged}&{query}"),
            format!("{query}&RelayState=other"),
        ] {
            let err = refused(sp_redirect(&hostile), "undecodable_message");
            assert!(
                matches!(
                    err,
                    SamlError::Binding(binding::BindingError::DuplicateParameter { .. })
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn a_request_in_the_response_parameter_is_refused() {
        let query = redirect_signed(&Req::from_idp().xml(), "SAMLResponse", &idp_signer());
        refused(sp_redirect(&query), "not_a_logout_message");
    }
}

mod decoding {
    use super::*;

    #[test]
    fn a_post_value_that_is_not_base64_of_the_xml_is_refused() {
        let xml = Req::from_idp().xml();
        refused(sp_post(&xml), "undecodable_message");
        let deflated = binding::encode_redirect(xml.as_bytes());
        refused(sp_post(&deflated), "undecodable_message");
    }

    #[test]
    fn a_response_to_an_authn_request_is_not_a_logout_message() {
        let response = issue(saml_core::saml::idp::SignTarget::Both);
        refused(
            sp_post(&binding::encode_post(response.as_bytes())),
            "not_a_logout_message",
        );
    }
}

mod replay {
    use super::*;

    #[test]
    fn a_replayed_request_is_refused_by_either_binding() {
        let sp = sp_slo(Binding::HttpPost);
        let store = InMemoryStore::default();
        let xml = Req::from_idp().xml();
        let value = post_signed(&xml, &idp_signer());
        accepted(sp_post_at(&sp, &value, &store, at(1)));
        refused(sp_post_at(&sp, &value, &store, at(2)), "replay");
        // The same request by the other binding is the same request.
        let query = redirect_signed(&xml, "SAMLRequest", &idp_signer());
        let received = sp
            .receive_logout(&Incoming::redirect(&query), at(3))
            .expect("verifies");
        refused(commit(received, &store), "replay");
    }

    #[test]
    fn the_replay_entry_lives_until_the_request_could_no_longer_be_accepted() {
        let sp = sp_slo(Binding::HttpPost);
        let received = sp
            .receive_logout(
                &Incoming::post(&post_signed(&Req::from_idp().xml(), &idp_signer()), None),
                at(1),
            )
            .expect("verifies");
        let ReceivedLogout::Request(r) = received else {
            panic!("a request")
        };
        assert_eq!(r.keep_until(), at(300 + 120));
    }
}

mod in_response_to {
    use super::*;

    fn pending(sp: &ServiceProvider, store: &InMemoryStore) -> String {
        sp.logout_request(
            &LogoutSubject::new(NameId::new(ALICE), vec!["_s1".into()]),
            None,
            None,
            now(),
        )
        .expect("built")
        .record(store)
        .expect("recorded")
        .id
    }

    fn answer(sp: &ServiceProvider, store: &InMemoryStore, irt: &str) -> Result<Got, SamlError> {
        let value = post_signed(&response_xml(IDP_ISSUER, SP_SLO, irt), &idp_signer());
        sp_post_at(sp, &value, store, at(1))
    }

    #[test]
    fn an_unknown_in_response_to_is_refused() {
        let sp = sp_slo(Binding::HttpPost);
        let store = InMemoryStore::default();
        let _ = pending(&sp, &store);
        refused(answer(&sp, &store, "_never_sent"), "unknown_in_response_to");
    }

    #[test]
    fn an_answer_is_accepted_once() {
        let sp = sp_slo(Binding::HttpPost);
        let store = InMemoryStore::default();
        let id = pending(&sp, &store);
        let Got::Response(r) = accepted(answer(&sp, &store, &id)) else {
            panic!("a response")
        };
        assert_eq!(r.in_response_to(), Some(id.as_str()));
        refused(answer(&sp, &store, &id), "unknown_in_response_to");
    }

    #[test]
    fn a_logout_response_cannot_consume_an_authn_request_id() {
        let sp = sp_slo(Binding::HttpPost);
        let store = InMemoryStore::default();
        let authn = sp
            .authn_request(now(), &RequestOptions::default(), &store)
            .expect("built");
        refused(answer(&sp, &store, &authn.id), "unknown_in_response_to");
        // And the AuthnRequest is still outstanding for its Response.
        assert_eq!(RequestStore::take(&store, &authn.id, at(1)), Ok(true));
    }

    #[test]
    fn a_response_cannot_consume_a_pending_logout_request_id() {
        let sp = sp_slo(Binding::HttpPost);
        let store = InMemoryStore::default();
        let logout_id = pending(&sp, &store);
        // The IdP answers an AuthnRequest whose ID is the pending LogoutRequest's.
        let authn = format!(
            "<samlp:AuthnRequest xmlns:samlp=\"{P}\" xmlns:saml=\"{A}\" ID=\"{logout_id}\" \
             Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{SSO_URL}\" \
             AssertionConsumerServiceURL=\"{ACS}\"><saml:Issuer>{SP_ENTITY}</saml:Issuer>\
             </samlp:AuthnRequest>",
            now = now()
        );
        let signed = sp_signer().sign_element(&authn, &logout_id).expect("signs");
        let peer = SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")]).expect("peer");
        let idp = idp_slo();
        let received = idp
            .receive_post(&peer, signed.as_bytes(), None, now())
            .expect("the IdP accepts it");
        let response = idp
            .issue(&peer, &alice(), Some(&received), now())
            .expect("issued");
        let err = sp
            .validate_and_commit(
                response.as_bytes(),
                at(1),
                Solicitation::outstanding(),
                &store,
            )
            .expect_err("not an AuthnRequest of ours");
        assert_kind(&err, "unknown_in_response_to");
        // The LogoutRequest is still pending for its LogoutResponse.
        accepted(answer(&sp, &store, &logout_id));
    }

    #[test]
    fn the_idp_refuses_an_answer_from_an_sp_other_than_the_one_asked() {
        // SP b answers the request that went to SP a: each answer is verified against its own
        // issuer's keys, and the leg's SP must be the answer's issuer.
        let idp = idp_slo();
        let registry = InMemorySessionRegistry::default();
        let store = InMemoryStore::default();
        let a = SpPeer::new("https://a.example/", ACS, vec![anchor("rsa3072.cert.pem")])
            .expect("peer")
            .with_single_logout_service("https://a.example/slo", Binding::HttpPost);
        let b = SpPeer::new("https://b.example/", ACS, vec![anchor("rsa3072.cert.pem")])
            .expect("peer")
            .with_single_logout_service("https://b.example/slo", Binding::HttpPost);
        for peer in [&a, &b] {
            registry
                .record(
                    "s",
                    Participant::new(peer.entity_id(), &NameId::new(ALICE), "_s"),
                )
                .expect("recorded");
        }
        let peers = [a, b];
        let mut propagation = idp.start_logout("s", &registry, None).expect("started");
        let requests = idp
            .logout_requests(&mut propagation, &peers, &store, now())
            .expect("built");
        let to_a = &requests[0].id;
        let from_b = post_signed(
            &response_xml("https://b.example/", IDP_SLO, to_a),
            &sp_signer(),
        );
        let ReceivedLogout::Response(r) = idp
            .receive_logout(&peers, &Incoming::post(&from_b, None), at(1))
            .expect("verifies as b's")
        else {
            panic!("a response")
        };
        let response = r.commit(&store).expect("pending");
        let err = propagation
            .record_response(&response)
            .expect_err("wrong SP");
        assert_kind(&err, "issuer_mismatch");
    }
}

mod name_id {
    use super::*;

    #[test]
    fn a_request_without_name_id_is_refused() {
        let xml = Req {
            identifier: String::new(),
            ..Req::from_idp()
        }
        .xml();
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "malformed_message",
        );
    }

    #[test]
    fn a_request_with_an_empty_name_id_is_refused() {
        for identifier in [
            "<saml:NameID></saml:NameID>",
            "<saml:NameID> \n\t</saml:NameID>",
            "<saml:NameID><!-- nothing --></saml:NameID>",
        ] {
            let xml = Req {
                identifier: identifier.into(),
                ..Req::from_idp()
            }
            .xml();
            refused(sp_post(&post_signed(&xml, &idp_signer())), "empty_name_id");
        }
    }

    #[test]
    fn a_request_with_two_identifiers_is_refused() {
        let xml = Req {
            identifier: format!(
                "<saml:NameID>{ALICE}</saml:NameID><saml:NameID>{EVIL}</saml:NameID>"
            ),
            ..Req::from_idp()
        }
        .xml();
        refused(
            sp_post(&post_signed(&xml, &idp_signer())),
            "malformed_message",
        );
    }

    #[test]
    fn a_comment_does_not_truncate_the_name_id() {
        let xml = Req {
            identifier: "<saml:NameID>admin@org1.example<!---->.evil.example</saml:NameID>".into(),
            ..Req::from_idp()
        }
        .xml();
        let Got::Request(r) = accepted(sp_post(&post_signed(&xml, &idp_signer()))) else {
            panic!("a request")
        };
        assert_eq!(r.name_id().value, "admin@org1.example.evil.example");
    }
}

mod stores {
    use super::*;

    /// A store and registry that cannot answer.
    struct Down;

    fn down() -> StoreError {
        StoreError::Timeout { timeout_ms: 250 }
    }

    impl ReplayCache for Down {
        fn insert_if_absent(
            &self,
            _: &str,
            _: DateTime,
            _: DateTime,
        ) -> Result<ReplayOutcome, StoreError> {
            Err(down())
        }
    }

    impl RequestStore for Down {
        fn insert(&self, _: &str, _: DateTime, _: DateTime) -> Result<(), StoreError> {
            Err(down())
        }

        fn take(&self, _: &str, _: DateTime) -> Result<bool, StoreError> {
            Err(down())
        }
    }

    impl SessionRegistry for Down {
        fn record(&self, _: &str, _: Participant) -> Result<(), StoreError> {
            Err(down())
        }

        fn find_session(
            &self,
            _: &str,
            _: &str,
            _: &[String],
        ) -> Result<Option<String>, StoreError> {
            Err(down())
        }

        fn take_session(&self, _: &str) -> Result<Vec<Participant>, StoreError> {
            Err(down())
        }
    }

    fn received_request() -> UnreplayedLogoutRequest {
        let value = post_signed(&Req::from_idp().xml(), &idp_signer());
        match sp_slo(Binding::HttpPost)
            .receive_logout(&Incoming::post(&value, None), at(1))
            .expect("verifies")
        {
            ReceivedLogout::Request(r) => r,
            _ => panic!("a request"),
        }
    }

    fn received_response() -> UnmatchedLogoutResponse {
        let value = post_signed(&response_xml(IDP_ISSUER, SP_SLO, "_x"), &idp_signer());
        match sp_slo(Binding::HttpPost)
            .receive_logout(&Incoming::post(&value, None), at(1))
            .expect("verifies")
        {
            ReceivedLogout::Response(r) => r,
            _ => panic!("a response"),
        }
    }

    #[test]
    fn a_replay_cache_that_cannot_answer_refuses_the_request() {
        let err = received_request().commit(&Down).expect_err("fail closed");
        assert_kind(&err, "replay_store_unavailable");
    }

    #[tokio::test]
    async fn the_async_commit_refuses_a_replay_too() {
        let store = InMemoryStore::default();
        received_request()
            .commit_async(&store)
            .await
            .expect("fresh");
        let err = received_request()
            .commit_async(&store)
            .await
            .expect_err("replayed");
        assert_kind(&err, "replay");
    }

    #[test]
    fn a_request_store_that_cannot_answer_refuses_the_response() {
        let err = received_response().commit(&Down).expect_err("fail closed");
        assert_kind(&err, "request_store_unavailable");
    }

    #[test]
    fn a_request_that_cannot_be_recorded_is_not_sent() {
        let err = sp_slo(Binding::HttpRedirect)
            .logout_request(
                &LogoutSubject::new(NameId::new(ALICE), vec![]),
                None,
                None,
                now(),
            )
            .expect("built")
            .record(&Down)
            .expect_err("fail closed");
        assert_kind(&err, "request_store_unavailable");
    }

    #[test]
    fn a_full_replay_cache_refuses() {
        let store = InMemoryStore::new(16);
        let mut full = false;
        for i in 0..200 {
            let id = format!("_filler{i}");
            if let Ok(ReplayOutcome::Full { .. }) =
                ReplayCache::insert_if_absent(&store, &id, at(10_000), now())
            {
                full = true;
            }
        }
        assert!(full);
        let err = received_request().commit(&store).expect_err("fail closed");
        assert_kind(&err, "replay_cache_full");
    }

    #[test]
    fn a_session_registry_that_cannot_answer_stops_the_idp() {
        let idp = idp_slo();
        let peer = sp_peer_slo(Binding::HttpPost);
        let err = idp
            .issue_in_session(&peer, &alice(), None, "s", &Down, now())
            .expect_err("not issued unrecorded");
        assert_kind(&err, "session_store_unavailable");
        let err = idp.start_logout("s", &Down, None).expect_err("fail closed");
        assert_kind(&err, "session_store_unavailable");
    }

    #[test]
    fn the_idp_sends_nothing_when_the_request_store_is_down() {
        let idp = idp_slo();
        let registry = InMemorySessionRegistry::default();
        let peer = sp_peer_slo(Binding::HttpPost);
        idp.issue_in_session(&peer, &alice(), None, "s", &registry, now())
            .expect("issued");
        let mut propagation = idp.start_logout("s", &registry, None).expect("started");
        let before = propagation.clone();
        let err = idp
            .logout_requests(&mut propagation, &[peer], &Down, now())
            .expect_err("fail closed");
        assert_kind(&err, "request_store_unavailable");
        assert_eq!(propagation, before, "state is never half-written");
    }
}

mod stateless {
    use super::*;

    #[test]
    fn verify_applies_the_same_checks() {
        let settings = VerifySettings::new(IDP_ISSUER, SP_SLO, vec![anchor("rsa2048.cert.pem")]);
        let xml = Req::from_idp().xml();
        let m = logout::verify(
            &Incoming::post(&post_signed(&xml, &idp_signer()), None),
            &settings,
            at(1),
        )
        .expect("verifies");
        assert_eq!(m.message, "LogoutRequest");
        assert_eq!(m.id, "_logout_request_1");
        assert_eq!(m.name_id.map(|n| n.value).as_deref(), Some(ALICE));
        assert_eq!(m.session_indexes, ["_s1"]);
        let err = logout::verify(
            &Incoming::post(&post_signed(&xml, &attacker_signer()), None),
            &settings,
            at(1),
        )
        .expect_err("attacker");
        assert_kind(&err, "signature_mismatch");
        let err = logout::verify(
            &Incoming::post(&post_unsigned(&xml), None),
            &settings,
            at(1),
        )
        .expect_err("unsigned");
        assert_kind(&err, "signature_missing");
        let other = VerifySettings::new(
            IDP_ISSUER,
            "https://elsewhere/",
            vec![anchor("rsa2048.cert.pem")],
        );
        let err = logout::verify(
            &Incoming::post(&post_signed(&xml, &idp_signer()), None),
            &other,
            at(1),
        )
        .expect_err("destination");
        assert_kind(&err, "destination_mismatch");
    }

    #[test]
    fn a_status_answer_is_a_value() {
        let xml = response_xml(IDP_ISSUER, SP_SLO, "_x").replace(
            "<samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>",
            "<samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Responder\">\
             <samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:PartialLogout\"/>\
             </samlp:StatusCode>",
        );
        let settings = VerifySettings::new(IDP_ISSUER, SP_SLO, vec![anchor("rsa2048.cert.pem")]);
        let r = logout::verify(
            &Incoming::post(&post_signed(&xml, &idp_signer()), None),
            &settings,
            at(1),
        )
        .expect("verifies");
        assert_eq!(r.message, "LogoutResponse");
        assert_eq!(
            r.status,
            Some({
                let mut s = LogoutStatus::partial_logout();
                s.message = None;
                s
            })
        );
        assert_eq!(r.in_response_to.as_deref(), Some("_x"));
    }
}

mod encrypted_id {
    use saml_core::xmlenc::{DataEncryption, DecryptionKey, EncryptionKey, KeyTransport};

    use super::*;

    /// The SP with its decryption key (`rsa3072`); unsigned logout messages accepted when
    /// `unsigned`.
    fn sp_decrypting(unsigned: bool) -> ServiceProvider {
        let mut idp = idp_settings().with_single_logout_service(IDP_SLO, Binding::HttpPost);
        if unsigned {
            saml_core::settings::danger::accept_unsigned_logout(&mut idp);
        }
        let sp = sp_settings()
            .with_single_logout_url(SP_SLO)
            .with_decryption_key(
                DecryptionKey::from_pem(&testdata("rsa3072.pk8.pem"), None).expect("key"),
            );
        ServiceProvider::new(idp, sp).expect("settings")
    }

    /// A LogoutRequest whose NameID is encrypted to the SP with `data`.
    fn with_encrypted_id(data: DataEncryption) -> String {
        let encrypted = saml_core::xmlenc::encrypt(
            format!("<saml:NameID>{ALICE}</saml:NameID>").as_bytes(),
            &EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("key"),
            data,
            KeyTransport::default(),
        )
        .expect("encrypts");
        Req {
            identifier: format!("<saml:EncryptedID>{encrypted}</saml:EncryptedID>"),
            ..Req::from_idp()
        }
        .xml()
    }

    fn receive(sp: &ServiceProvider, value: &str) -> Result<Got, SamlError> {
        sp_post_at(sp, value, &InMemoryStore::default(), at(1))
    }

    #[test]
    fn cbc_plaintext_is_read_only_under_a_signature() {
        let xml = with_encrypted_id(DataEncryption::Aes128Cbc);
        let Got::Request(r) = accepted(receive(
            &sp_decrypting(false),
            &post_signed(&xml, &idp_signer()),
        )) else {
            panic!("a request")
        };
        assert!(r.name_id_encrypted());
        assert_eq!(r.name_id().value, ALICE);
        // Unsigned (under the danger opt-out), the same ciphertext fails as an altered one.
        refused(
            receive(&sp_decrypting(true), &post_unsigned(&xml)),
            "decryption_failed",
        );
        // GCM authenticates its plaintext, so the opt-out reads it.
        let gcm = with_encrypted_id(DataEncryption::Aes256Gcm);
        accepted(receive(&sp_decrypting(true), &post_unsigned(&gcm)));
    }
}
