//! The `saml-verify` contract for Single Logout messages: `verify` detects a LogoutRequest or
//! LogoutResponse in every input form, checks it with the flags used for Responses
//! (`--audience` optional), prints the documented `--json` fields, and rejects with the
//! existing kinds; `inspect` shows NameID, every SessionIndex and the status.
//!
//! The messages are made here by saml-core's SP and IdP at a fixed time, signed with the test
//! keys of crates/saml-core/testdata (the SP with RSA-3072, the IdP with RSA-2048).

use std::path::PathBuf;
use std::process::{Command, Output};

use saml_core::binding;
use saml_core::crypto::{Certificate, SigningKey, TrustAnchor};
use saml_core::dsig::Signer;
use saml_core::saml::idp::{IdentityProvider, SpPeer};
use saml_core::saml::logout::{LogoutStatus, LogoutSubject, OutgoingLogout};
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::{NameId, ServiceProvider};
use saml_core::settings::{Binding, IdpSettings, SpSettings};
use saml_core::time::{DateTime, parse_xs_datetime};
use serde_json::Value;

const IDP: &str = "https://idp.example/metadata";
const IDP_SLO: &str = "https://idp.example/slo";
const SP: &str = "https://sp.example/metadata";
const SP_SLO: &str = "https://sp.example/slo";
const NOW: &str = "2026-11-22T12:00:00Z";
const REASON: &str = "urn:oasis:names:tc:SAML:2.0:logout:user";
const PARTIAL: &str = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";
const RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../saml-core/testdata")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(testdata(name)).expect("testdata")
}

fn now() -> DateTime {
    parse_xs_datetime(NOW).expect("time")
}

/// The SP's LogoutRequest to the IdP (two SessionIndexes, a Reason), by `binding`.
fn sp_request(binding: Binding) -> OutgoingLogout {
    let sp = ServiceProvider::new(
        IdpSettings::new(
            IDP,
            "https://idp.example/sso",
            vec![TrustAnchor::from_any(&read("rsa2048.cert.pem"), None).expect("cert")],
        )
        .with_sign_requests(false)
        .with_single_logout_service(IDP_SLO, binding),
        SpSettings::new(SP, "https://sp.example/acs")
            .with_single_logout_url(SP_SLO)
            .with_signing_key(
                SigningKey::from_pem(&read("rsa3072.pk8.pem"), None).expect("key"),
                Certificate::from_pem(&read("rsa3072.cert.pem"), None).expect("cert"),
            ),
    )
    .expect("settings");
    let subject = LogoutSubject::new(
        NameId::new("alice@example.com")
            .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
        vec!["_s1".to_owned(), "_s2".to_owned()],
    );
    sp.logout_request(&subject, Some(REASON), Some("/bye"), now())
        .expect("built")
        .record(&InMemoryStore::default())
        .expect("recorded")
}

/// The IdP's LogoutResponse to the SP: PartialLogout, answering `_req1`, by `binding`.
fn idp_response(binding: Binding) -> OutgoingLogout {
    let idp = IdentityProvider::new(
        IDP,
        "https://idp.example/sso",
        Signer::new(
            SigningKey::from_pem(&read("rsa2048.pk8.pem"), None).expect("key"),
            Some(Certificate::from_pem(&read("rsa2048.cert.pem"), None).expect("cert")),
        ),
    )
    .with_single_logout_url(IDP_SLO);
    let peer = SpPeer::new(
        SP,
        "https://sp.example/acs",
        vec![TrustAnchor::from_any(&read("rsa3072.cert.pem"), None).expect("cert")],
    )
    .expect("peer")
    .with_single_logout_service(SP_SLO, binding);
    idp.logout_response(&peer, "_req1", &LogoutStatus::partial_logout(), None, now())
        .expect("built")
}

/// The ways a capture reaches the tool.
fn forms(message: &OutgoingLogout, parameter: &str) -> Vec<(&'static str, String)> {
    match message.binding {
        Binding::HttpRedirect => vec![(
            "redirect URL",
            message.redirect_url().expect("URL").to_owned(),
        )],
        _ => {
            let b64 = binding::encode_post(message.xml.as_bytes());
            vec![
                ("XML", message.xml.clone()),
                (
                    "form body",
                    format!("{parameter}={}", binding::url_encode(&b64)),
                ),
                ("base64", b64),
            ]
        }
    }
}

/// Runs `saml-verify` with `input` on standard input.
fn run(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_saml-verify"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes());
    child.wait_with_output().expect("wait")
}

fn cert(name: &str) -> String {
    testdata(name).display().to_string()
}

/// `verify --json` as the IdP receiving the SP's LogoutRequest, with `extra` flags.
fn verify_request(input: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let c = cert("rsa3072.cert.pem");
    let mut args = vec![
        "verify",
        "--json",
        "--issuer",
        SP,
        "--idp-cert",
        &c,
        "--destination",
        IDP_SLO,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    let out = run(&args, input);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON: {e}: {}", String::from_utf8_lossy(&out.stdout)));
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `verify --json` as the SP receiving the IdP's LogoutResponse, with `extra` flags.
fn verify_response(input: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let c = cert("rsa2048.cert.pem");
    let mut args = vec![
        "verify",
        "--json",
        "--issuer",
        IDP,
        "--idp-cert",
        &c,
        "--destination",
        SP_SLO,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    let out = run(&args, input);
    let json = serde_json::from_slice(&out.stdout).expect("JSON");
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_logout_request_verifies_in_every_input_form_with_its_json_fields() {
    for binding in [Binding::HttpPost, Binding::HttpRedirect] {
        let request = sp_request(binding);
        for (form, input) in forms(&request, "SAMLRequest") {
            let (code, json, stderr) = verify_request(&input, &[]);
            assert_eq!(code, Some(0), "{form}: {stderr}");
            assert_eq!(json["valid"], true, "{form}");
            assert_eq!(json["message"], "LogoutRequest", "{form}");
            assert_eq!(json["id"], request.id.as_str(), "{form}");
            assert_eq!(json["issuer"], SP, "{form}");
            assert_eq!(json["name_id"], "alice@example.com", "{form}");
            assert_eq!(json["session_indexes"], serde_json::json!(["_s1", "_s2"]));
            assert_eq!(json["reason"], REASON, "{form}");
            assert_eq!(json["signed"], true, "{form}");
            assert_eq!(json["binding"], binding.uri(), "{form}");
        }
    }
}

#[test]
fn a_logout_response_prints_its_status_and_checks_in_response_to() {
    for binding in [Binding::HttpPost, Binding::HttpRedirect] {
        let response = idp_response(binding);
        for (form, input) in forms(&response, "SAMLResponse") {
            let (code, json, stderr) = verify_response(&input, &["--in-response-to", "_req1"]);
            assert_eq!(code, Some(0), "{form}: {stderr}");
            assert_eq!(json["message"], "LogoutResponse", "{form}");
            assert_eq!(json["status"], RESPONDER, "{form}: the full top-level URI");
            assert_eq!(json["second_level_status"], PARTIAL, "{form}");
            assert_eq!(json["in_response_to"], "_req1", "{form}");

            let (code, json, _) = verify_response(&input, &["--in-response-to", "_other"]);
            assert_eq!(code, Some(1), "{form}");
            assert_eq!(json["error"]["kind"], "in_response_to_mismatch", "{form}");
            assert_eq!(json["message"], "LogoutResponse", "{form}");
        }
    }
}

#[test]
fn the_text_output_names_the_message_subject_and_sessions() {
    let request = sp_request(Binding::HttpRedirect);
    let c = cert("rsa3072.cert.pem");
    let out = run(
        &[
            "verify",
            "--issuer",
            SP,
            "--idp-cert",
            &c,
            "--destination",
            IDP_SLO,
            "--now",
            NOW,
        ],
        request.redirect_url().expect("URL"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("valid: signed LogoutRequest by "),
        "{text}"
    );
    assert!(text.contains("subject:   alice@example.com"), "{text}");
    assert!(text.contains("session:   _s1\nsession:   _s2\n"), "{text}");
    assert!(text.contains("relay:     /bye"), "{text}");
}

#[test]
fn rejections_use_the_existing_kinds() {
    let post = sp_request(Binding::HttpPost);
    let xml = post.xml.as_str();
    let redirect = sp_request(Binding::HttpRedirect);
    let url = redirect.redirect_url().expect("URL");
    let wrong_cert = cert("rsa2048.cert.pem");
    let unsigned_url = url.split("&SigAlg=").next().expect("query").to_owned();
    let signature_start = xml.find("<ds:Signature").expect("signed");
    let signature_end = xml.find("</ds:Signature>").expect("signed") + "</ds:Signature>".len();
    let unsigned_xml = format!("{}{}", &xml[..signature_start], &xml[signature_end..]);
    let cases: [(&str, &str, Vec<&str>, &str); 7] = [
        (
            "wrong issuer",
            xml,
            vec!["--issuer", "https://other/"],
            "issuer_mismatch",
        ),
        (
            "later",
            xml,
            vec!["--now", "2026-11-22T13:00:00Z"],
            "expired",
        ),
        (
            "wrong certificate",
            xml,
            vec!["--idp-cert", &wrong_cert],
            "signature_mismatch",
        ),
        ("unsigned POST", &unsigned_xml, vec![], "signature_missing"),
        (
            "unsigned Redirect",
            &unsigned_url,
            vec![],
            "signature_missing",
        ),
        (
            "wrong destination",
            url,
            vec!["--destination", "https://idp.example/other"],
            "destination_mismatch",
        ),
        (
            "tampered query",
            &url.replace("RelayState=%2Fbye", "RelayState=%2Fbye2"),
            vec![],
            "signature_mismatch",
        ),
    ];
    for (case, input, extra, kind) in cases {
        // The good flags, with `extra`'s flag in place of the good one.
        let c = cert("rsa3072.cert.pem");
        let mut flags = vec![
            ("--issuer", SP),
            ("--idp-cert", c.as_str()),
            ("--destination", IDP_SLO),
            ("--now", NOW),
        ];
        if let [flag, value] = extra[..] {
            for f in &mut flags {
                if f.0 == flag {
                    f.1 = value;
                }
            }
        }
        let mut args = vec!["verify", "--json"];
        for (flag, value) in flags {
            args.extend([flag, value]);
        }
        let out = run(&args, input);
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{case}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(out.status.code(), Some(1), "{case}: {json}");
        assert_eq!(json["valid"], false, "{case}");
        assert_eq!(json["message"], "LogoutRequest", "{case}");
        assert_eq!(json["error"]["kind"], kind, "{case}: {json}");
    }
}

#[test]
fn in_response_to_on_a_logout_request_is_a_usage_error() {
    let request = sp_request(Binding::HttpPost);
    let (code, _, stderr) = {
        let c = cert("rsa3072.cert.pem");
        let out = run(
            &[
                "verify",
                "--issuer",
                SP,
                "--idp-cert",
                &c,
                "--destination",
                IDP_SLO,
                "--now",
                NOW,
                "--in-response-to",
                "_x",
            ],
            &request.xml,
        );
        (
            out.status.code(),
            (),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(2));
    assert!(stderr.contains("the input is a LogoutRequest"), "{stderr}");
}

#[test]
fn a_response_still_needs_audience() {
    let out = run(
        &[
            "verify",
            "--issuer",
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
            "--idp-cert",
            "../../tests/vectors/certs/google-C02dfl1r1.pem",
            "--destination",
            "https://29ee6d2e.ngrok.io/saml/acs",
        ],
        &String::from_utf8(
            std::fs::read(
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../tests/vectors/saml/valid/google-2016-response-signed.xml.b64"),
            )
            .expect("vector"),
        )
        .expect("UTF-8"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--audience"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn inspect_shows_name_id_sessions_and_status() {
    let request = sp_request(Binding::HttpPost);
    let out = run(&["inspect"], &request.xml);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("message:     LogoutRequest"), "{text}");
    assert!(text.contains("NameID:     alice@example.com"), "{text}");
    assert!(
        text.contains("SessionIndex: _s1\nSessionIndex: _s2\n"),
        "{text}"
    );
    assert!(text.contains(&format!("Reason:       {REASON}")), "{text}");

    let response = idp_response(Binding::HttpPost);
    let out = run(&["inspect"], &response.xml);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("message:     LogoutResponse"), "{text}");
    assert!(
        text.contains(&format!("status:      {RESPONDER} / {PARTIAL}")),
        "{text}"
    );
    assert!(text.contains("InResponseTo: _req1"), "{text}");
}
