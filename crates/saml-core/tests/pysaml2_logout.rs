//! Single Logout with pysaml2, both ways and in both bindings (`tests/interop/pysaml2_logout.py`
//! does pysaml2's part):
//!
//! 1. pysaml2's SP sends LogoutRequests to our IdP, and pysaml2's IdP to our SP, by HTTP-POST
//!    (enveloped signature) and HTTP-Redirect (query signature). Ours verify them, commit them
//!    (replay) and answer with signed LogoutResponses, which pysaml2 verifies.
//! 2. Our SP sends LogoutRequests to pysaml2's IdP, and our IdP (propagating an IdP-initiated
//!    logout) to pysaml2's SP, in both bindings. pysaml2 verifies them with signatures required
//!    and answers; ours verify the LogoutResponses and match their InResponseTo, single use.
//!
//! Every POST message of ours also passes `xmlsec1 --verify` with our certificate.
//!
//! pysaml2 runs xmlsec1 for its signatures. Without `python3 -c 'import saml2'`
//! (`pip install pysaml2`) or without xmlsec1 the test prints `SKIPPED` and passes, except
//! under `CI`, where it fails.

mod common;

use std::path::Path;
use std::process::Command;

use saml_core::binding;
use saml_core::dsig::Signer;
use saml_core::saml::idp::{IdentityProvider, SpPeer};
use saml_core::saml::logout::{
    Ended, InMemorySessionRegistry, Incoming, LogoutOutcome, LogoutStatus, LogoutSubject,
    OutgoingLogout, Participant, ReceivedLogout, SessionRegistry, SessionTerminator,
};
use saml_core::saml::replay::{InMemoryStore, StoreError};
use saml_core::saml::sp::{NameId, ServiceProvider};
use saml_core::settings::{Binding, IdpSettings, SpSettings};
use saml_core::time::DateTime;
use serde_json::Value;

use self::common::{Scratch, anchor, cert, key, pysaml2_available, xmlsec1};

const PY_SP: &str = "https://pysaml2-sp.example/metadata";
const PY_SP_SLO: &str = "https://pysaml2-sp.example/slo";
const PY_IDP: &str = "https://pysaml2-idp.example/metadata";
const PY_IDP_SLO: &str = "https://pysaml2-idp.example/slo";
const OUR_SP: &str = "https://sp.example/metadata";
const OUR_SP_SLO: &str = "https://sp.example/slo";
const OUR_IDP: &str = "https://idp.example/metadata";
const OUR_IDP_SLO: &str = "https://idp.example/slo";
const USER: &str = "alice@example.com";
const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const SESSION: &str = "_session-7c1e";
const RELAY_STATE: &str = "back to /home?x=1&y=2";

const BINDINGS: [(Binding, &str); 2] = [
    (Binding::HttpPost, "post.b64"),
    (Binding::HttpRedirect, "redirect.url"),
];

/// Runs the pysaml2 side in `mode` with `dirs`.
fn python(mode: &str, dirs: &[&Path]) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/pysaml2_logout.py");
    let out = Command::new("python3")
        .args(["-W", "ignore"])
        .arg(script)
        .arg(mode)
        .args(dirs)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pysaml2_logout.py {mode} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(dir: &Scratch, name: &str) -> String {
    std::fs::read_to_string(dir.file(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .trim()
        .to_owned()
}

fn json(dir: &Scratch, name: &str) -> Value {
    serde_json::from_str(&read(dir, name)).expect("JSON")
}

/// The message as it arrives at our Single Logout URL.
fn incoming<'a>(binding: Binding, transport: &'a str) -> Incoming<'a> {
    match binding {
        Binding::HttpRedirect => Incoming::redirect(transport),
        _ => Incoming::post(transport, None),
    }
}

/// What we send, in the form the script reads: base64 for POST (checked with `xmlsec1
/// --verify` first), the URL for Redirect.
fn transport(message: &OutgoingLogout, scratch: &Scratch) -> String {
    match message.binding {
        Binding::HttpRedirect => {
            let url = message.redirect_url().expect("a Redirect URL").to_owned();
            assert!(url.contains("&Signature="), "our query is signed: {url}");
            url
        }
        _ => {
            assert!(message.post_form().is_some(), "a POST form");
            xmlsec1_verifies(&message.xml, scratch);
            binding::encode_post(message.xml.as_bytes())
        }
    }
}

/// `xmlsec1 --verify` accepts our enveloped signature with our certificate, the ID attribute
/// named for it.
fn xmlsec1_verifies(xml: &str, scratch: &Scratch) {
    let xmlsec1 = xmlsec1().expect("checked by pysaml2_available");
    let file = scratch.file("xmlsec1-input.xml");
    std::fs::write(&file, xml).expect("write");
    let root = if xml.contains("LogoutRequest") {
        "LogoutRequest"
    } else {
        "LogoutResponse"
    };
    let out = Command::new(xmlsec1)
        .arg("--verify")
        .arg("--pubkey-cert-pem")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rsa3072.cert.pem"))
        .arg("--id-attr:ID")
        .arg(format!("urn:oasis:names:tc:SAML:2.0:protocol:{root}"))
        .arg(&file)
        .output()
        .expect("xmlsec1 runs");
    assert!(
        out.status.success(),
        "xmlsec1 --verify refused our {root}:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Our SP, talking to the pysaml2 IdP's Single Logout service by `binding`.
fn our_sp(binding: Binding) -> ServiceProvider {
    ServiceProvider::new(
        IdpSettings::new(
            PY_IDP,
            "https://pysaml2-idp.example/sso",
            vec![anchor("rsa2048.cert.pem")],
        )
        .with_sign_requests(false)
        .with_single_logout_service(PY_IDP_SLO, binding),
        SpSettings::new(OUR_SP, "https://sp.example/acs")
            .with_single_logout_url(OUR_SP_SLO)
            .with_signing_key(key("rsa3072.pk8.pem"), cert("rsa3072.cert.pem")),
    )
    .expect("complete settings")
}

/// Our IdP.
fn our_idp() -> IdentityProvider {
    IdentityProvider::new(
        OUR_IDP,
        "https://idp.example/sso",
        Signer::new(key("rsa3072.pk8.pem"), Some(cert("rsa3072.cert.pem"))),
    )
    .with_single_logout_url(OUR_IDP_SLO)
}

/// The pysaml2 SP as our IdP knows it, reached by `binding`.
fn py_sp_peer(binding: Binding) -> SpPeer {
    SpPeer::new(
        PY_SP,
        "https://pysaml2-sp.example/acs",
        vec![anchor("rsa2048.cert.pem")],
    )
    .expect("peer")
    .with_single_logout_service(PY_SP_SLO, binding)
}

/// The application's sessions at our SP: one, for the user pysaml2 logs out.
struct Sessions;

impl SessionTerminator for Sessions {
    fn end_sessions(
        &self,
        name_id: &NameId,
        session_indexes: &[String],
    ) -> Result<Ended, StoreError> {
        let ours = name_id.value == USER && session_indexes.iter().any(|s| s == SESSION);
        Ok(Ended::new(usize::from(ours), 0))
    }
}

fn now() -> DateTime {
    // pysaml2 stamps the current time.
    DateTime::from_system_time(std::time::SystemTime::now())
}

#[test]
fn pysaml2_logout_requests_are_verified_and_answered_by_ours() {
    if !pysaml2_available() {
        return;
    }
    let from_py = Scratch::new("pysaml2-logout-originate");
    let to_py = Scratch::new("pysaml2-logout-answers");
    let checked = Scratch::new("pysaml2-logout-checked");
    python("originate", &[from_py.path()]);
    let expected = json(&from_py, "expected.json");
    let idp = our_idp();
    let store = InMemoryStore::default();

    for (binding, suffix) in BINDINGS {
        // The pysaml2 SP logs the user out at our IdP.
        let name = format!("py_sp_request_{suffix}");
        let message = read(&from_py, &name);
        let peers = [py_sp_peer(binding)];
        let ReceivedLogout::Request(unreplayed) = idp
            .receive_logout(&peers, &incoming(binding, &message), now())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
        else {
            panic!("{name} is a LogoutRequest");
        };
        let request = unreplayed.commit(&store).expect("first use");
        assert_eq!(request.id(), expected[&name]["id"], "{name}");
        assert_eq!(request.issuer(), PY_SP);
        assert!(request.signed(), "{name} verified as signed");
        assert_eq!(request.binding(), binding);
        assert_eq!(request.name_id().value, USER);
        assert_eq!(request.name_id().format.as_deref(), Some(EMAIL));
        assert_eq!(request.session_indexes(), [SESSION]);
        assert_eq!(request.reason(), expected["reason"].as_str());
        if binding == Binding::HttpRedirect {
            assert_eq!(request.relay_state(), Some(RELAY_STATE));
        }
        // The same message again is a replay.
        let again = idp
            .receive_logout(&peers, &incoming(binding, &message), now())
            .expect("verifies");
        let ReceivedLogout::Request(again) = again else {
            panic!("a LogoutRequest")
        };
        assert_eq!(
            again.commit(&store).expect_err("replay").kind().as_str(),
            "replay"
        );
        let response = idp
            .logout_response(
                &peers[0],
                request.id(),
                &LogoutStatus::success(),
                request.relay_state(),
                now(),
            )
            .expect("signed");
        std::fs::write(
            to_py.file(&format!("our_idp_response_{suffix}")),
            transport(&response, &to_py),
        )
        .expect("write");

        // The pysaml2 IdP logs the user out at our SP.
        let name = format!("py_idp_request_{suffix}");
        let message = read(&from_py, &name);
        let sp = our_sp(binding);
        let ReceivedLogout::Request(unreplayed) = sp
            .receive_logout(&incoming(binding, &message), now())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
        else {
            panic!("{name} is a LogoutRequest");
        };
        let request = unreplayed.commit(&store).expect("first use");
        assert_eq!(request.id(), expected[&name]["id"], "{name}");
        assert_eq!(request.issuer(), PY_IDP);
        assert_eq!(request.name_id().value, USER);
        assert_eq!(request.session_indexes(), [SESSION]);
        let answer = sp
            .answer_logout(&request, &Sessions, now())
            .expect("answer");
        assert_eq!(answer.status.outcome(), LogoutOutcome::Success);
        assert_eq!(answer.response.binding, binding);
        std::fs::write(
            to_py.file(&format!("our_sp_response_{suffix}")),
            transport(&answer.response, &to_py),
        )
        .expect("write");
    }

    // pysaml2 verifies our four LogoutResponses.
    python("check", &[to_py.path(), checked.path()]);
    let checked = json(&checked, "checked.json");
    for (ours, request, issuer) in [("our_idp", "py_sp", OUR_IDP), ("our_sp", "py_idp", OUR_SP)] {
        for (binding, suffix) in BINDINGS {
            let c = &checked[format!("{ours}_response_{suffix}")];
            assert_eq!(c["issuer"], issuer);
            assert_eq!(
                c["in_response_to"],
                expected[format!("{request}_request_{suffix}")]["id"]
            );
            assert_eq!(c["status"], "urn:oasis:names:tc:SAML:2.0:status:Success");
            assert_eq!(c["signed"], binding == Binding::HttpPost);
        }
    }
}

#[test]
fn our_logout_requests_are_verified_and_answered_by_pysaml2() {
    if !pysaml2_available() {
        return;
    }
    let ours = Scratch::new("pysaml2-logout-ours");
    let answers = Scratch::new("pysaml2-logout-py-answers");
    let idp = our_idp();
    let store = InMemoryStore::default();
    let registry = InMemorySessionRegistry::new(16);
    let name_id = NameId::new(USER).with_format(EMAIL);
    let mut sent = Vec::new();
    let mut propagations = Vec::new();
    for (binding, suffix) in BINDINGS {
        // SP-initiated: our SP logs the user out at the pysaml2 IdP.
        let sp = our_sp(binding);
        let request = sp
            .logout_request(
                &LogoutSubject::new(name_id.clone(), vec![SESSION.to_owned()]),
                None,
                Some(RELAY_STATE),
                now(),
            )
            .expect("built")
            .record(&store)
            .expect("recorded");
        std::fs::write(
            ours.file(&format!("our_sp_request_{suffix}")),
            transport(&request, &ours),
        )
        .expect("write");
        sent.push((format!("our_sp_request_{suffix}"), request.id.clone()));

        // IdP-initiated: our IdP propagates a logout to the pysaml2 SP, the one participant.
        let session = format!("idp-session-{suffix}");
        registry
            .record(&session, Participant::new(PY_SP, &name_id, SESSION))
            .expect("recorded");
        let peers = [py_sp_peer(binding)];
        let mut propagation = idp
            .start_logout(&session, &registry, None)
            .expect("started");
        let requests = idp
            .logout_requests(&mut propagation, &peers, &store, now())
            .expect("built");
        assert_eq!(requests.len(), 1, "one participant");
        std::fs::write(
            ours.file(&format!("our_idp_request_{suffix}")),
            transport(&requests[0], &ours),
        )
        .expect("write");
        sent.push((format!("our_idp_request_{suffix}"), requests[0].id.clone()));
        propagations.push((binding, suffix, propagation));
    }

    // pysaml2 verifies our four LogoutRequests (signatures required) and answers each.
    python("answer", &[ours.path(), answers.path()]);
    let parsed = json(&answers, "parsed.json");
    for (name, id) in &sent {
        let p = &parsed[name.as_str()];
        assert_eq!(p["id"], id.as_str(), "{name}");
        assert_eq!(p["name_id"], USER, "{name}");
        assert_eq!(p["session_indexes"][0], SESSION, "{name}");
        let (issuer, destination) = if name.starts_with("our_sp") {
            (OUR_SP, PY_IDP_SLO)
        } else {
            (OUR_IDP, PY_SP_SLO)
        };
        assert_eq!(p["issuer"], issuer, "{name}");
        assert_eq!(p["destination"], destination, "{name}");
    }

    // Their LogoutResponses: verified, matched single use.
    for (binding, suffix, mut propagation) in propagations {
        let sp = our_sp(binding);
        let message = read(&answers, &format!("py_idp_response_{suffix}"));
        let ReceivedLogout::Response(unmatched) = sp
            .receive_logout(&incoming(binding, &message), now())
            .unwrap_or_else(|e| panic!("py_idp_response_{suffix}: {e}"))
        else {
            panic!("a LogoutResponse");
        };
        let response = unmatched
            .commit(&store)
            .expect("answers our pending request");
        assert_eq!(response.outcome(), LogoutOutcome::Success);
        assert_eq!(response.issuer(), PY_IDP);
        let again = sp
            .receive_logout(&incoming(binding, &message), now())
            .expect("verifies");
        let ReceivedLogout::Response(again) = again else {
            panic!("a LogoutResponse")
        };
        assert_eq!(
            again
                .commit(&store)
                .expect_err("single use")
                .kind()
                .as_str(),
            "unknown_in_response_to"
        );

        let peers = [py_sp_peer(binding)];
        let message = read(&answers, &format!("py_sp_response_{suffix}"));
        let ReceivedLogout::Response(unmatched) = idp
            .receive_logout(&peers, &incoming(binding, &message), now())
            .unwrap_or_else(|e| panic!("py_sp_response_{suffix}: {e}"))
        else {
            panic!("a LogoutResponse");
        };
        let response = unmatched
            .commit(&store)
            .expect("answers our pending request");
        assert_eq!(
            propagation.record_response(&response).expect("a leg"),
            LogoutOutcome::Success
        );
        assert!(propagation.is_complete());
    }
}
