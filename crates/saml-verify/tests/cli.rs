//! The `saml-verify` command-line contract: output, exit codes (0 success, 1 rejected,
//! 2 usage or malformed input) and messages.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_saml-verify"))
}

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The process may exit (usage error) before reading its input: a broken pipe is fine.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("wait")
}

#[track_caller]
fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

mod c14n {
    use super::*;

    #[test]
    fn exclusive_by_default_from_stdin_without_added_newline() {
        let input = b"<a xmlns:u=\"urn:u\" xmlns=\"urn:d\"><b  c='1'/></a>\n";
        let out = run_with_stdin(&["c14n"], input);
        assert_eq!(stdout(&out), "<a xmlns=\"urn:d\"><b c=\"1\"></b></a>");
        let out = run_with_stdin(&["c14n", "-", "--inclusive"], input);
        assert_eq!(
            stdout(&out),
            "<a xmlns=\"urn:d\" xmlns:u=\"urn:u\"><b c=\"1\"></b></a>"
        );
    }

    #[test]
    fn element_by_id_with_prefix_list_and_comments() {
        let input = b"<r xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"><s ID=\"x\"><!--c-->t</s></r>";
        let out = run_with_stdin(
            &[
                "c14n",
                "--id",
                "x",
                "--inclusive-namespaces",
                "q",
                "--with-comments",
            ],
            input,
        );
        assert_eq!(stdout(&out), "<s xmlns:q=\"urn:q\" ID=\"x\"><!--c-->t</s>");
    }

    #[test]
    fn spec_vector_from_a_path() {
        let path = repo("tests/vectors/c14n/w3c-c14n-3.2-input.xml");
        let out = bin()
            .args(["c14n", "--inclusive"])
            .arg(&path)
            .output()
            .expect("run");
        let expected = std::fs::read_to_string(repo("tests/vectors/c14n/w3c-c14n-3.2-output.xml"))
            .expect("vector");
        assert_eq!(stdout(&out), expected);
    }

    #[test]
    fn malformed_input_is_exit_2_with_the_parser_message() {
        let out = run_with_stdin(&["c14n"], b"<!DOCTYPE a><a/>");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("line 1, column 1") && err.contains("DOCTYPE"),
            "{err}"
        );
    }

    #[test]
    fn usage_errors_are_exit_2() {
        for args in [
            &["c14n", "--exclusive", "--inclusive"][..],
            &["c14n", "--nope"],
            &["frobnicate"],
        ] {
            let out = run_with_stdin(args, b"<a/>");
            assert_eq!(out.status.code(), Some(2), "{args:?}");
        }
        let out = run_with_stdin(&["c14n", "--id", "missing"], b"<a ID=\"x\"/>");
        assert_eq!(out.status.code(), Some(2));
    }
}

mod sign {
    use super::*;
    use saml_core::crypto::{AlgorithmPolicy, TrustAnchor};
    use saml_core::dsig::{DSIG_NS, Verifier};
    use saml_core::xml::Document;

    const RESPONSE: &str = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r\">\n  <saml:Issuer>idp</saml:Issuer>\n  <saml:Assertion ID=\"_a\"><saml:Issuer>idp</saml:Issuer><saml:Subject/></saml:Assertion>\n</samlp:Response>";

    fn key_args() -> Vec<String> {
        vec![
            "--key".into(),
            repo("crates/saml-core/testdata/rsa2048.pk8.pem")
                .display()
                .to_string(),
            "--cert".into(),
            repo("crates/saml-core/testdata/rsa2048.cert.pem")
                .display()
                .to_string(),
        ]
    }

    fn signed_ids(target: &str) -> Vec<String> {
        let mut args = vec!["sign".to_owned(), "--target".to_owned(), target.to_owned()];
        args.extend(key_args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = stdout(&run_with_stdin(&args, RESPONSE.as_bytes()));
        let doc = Document::parse(&text).expect("parses");
        let anchor = TrustAnchor::from_any(
            &std::fs::read(repo("crates/saml-core/testdata/rsa2048.cert.pem")).expect("cert"),
            None,
        )
        .expect("anchor");
        let v = Verifier::new(vec![anchor], AlgorithmPolicy::default());
        doc.descendants(doc.root_element())
            .filter(|&n| doc.is(n, DSIG_NS, "Signature"))
            .map(|s| {
                let ok = v.verify(&doc, s).expect("verifies");
                doc.attribute_unverified(ok.element(), "ID")
                    .expect("ID")
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn each_target_signs_what_it_says() {
        assert_eq!(signed_ids("response"), ["_r"]);
        assert_eq!(signed_ids("assertion"), ["_a"]);
        assert_eq!(signed_ids("both"), ["_r", "_a"]);
    }

    #[test]
    fn mismatched_key_and_missing_files_are_exit_2() {
        let mut args: Vec<String> = vec!["sign".into()];
        args.extend(key_args());
        args[2] = repo("crates/saml-core/testdata/rsa3072.pk8.pem")
            .display()
            .to_string();
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_with_stdin(&a, RESPONSE.as_bytes());
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("does not belong"));
        let out = run_with_stdin(
            &[
                "sign",
                "--key",
                "/nonexistent.pem",
                "--cert",
                "/nonexistent.pem",
            ],
            RESPONSE.as_bytes(),
        );
        assert_eq!(out.status.code(), Some(2));
        let out = run_with_stdin(
            &a[..1]
                .iter()
                .copied()
                .chain(key_args().iter().map(String::as_str))
                .collect::<Vec<_>>(),
            b"<notsaml/>",
        );
        assert_eq!(out.status.code(), Some(2));
    }
}

mod verify {
    use super::*;

    const GOOGLE: &str = "tests/vectors/saml/valid/google-2016-response-signed.xml.b64";

    fn google_args(extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "verify".to_owned(),
            repo(GOOGLE).display().to_string(),
            "--idp-cert".into(),
            repo("tests/vectors/certs/google-C02dfl1r1.pem")
                .display()
                .to_string(),
            "--issuer".into(),
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1".into(),
            "--audience".into(),
            "https://29ee6d2e.ngrok.io/saml/metadata".into(),
            "--destination".into(),
            "https://29ee6d2e.ngrok.io/saml/acs".into(),
            "--now".into(),
            "2016-01-05T16:55:39Z".into(),
            "--clock-skew".into(),
            "0".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    fn run(args: &[String]) -> Output {
        bin().args(args).output().expect("run")
    }

    fn json(out: &Output) -> serde_json::Value {
        serde_json::from_slice(&out.stdout).expect("one JSON object")
    }

    #[test]
    fn valid_response_json() {
        let out = run(&google_args(&["--json"]));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        assert_eq!(v["valid"], true);
        assert!(v["error"].is_null());
        assert_eq!(v["subject"]["name_id"], "ross@octolabs.io");
        assert_eq!(v["attributes"]["firstName"][0], "Ross");
        assert_eq!(v["signed"], serde_json::json!(["response"]));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("warning"),
            "answers a request without --in-response-to"
        );
    }

    /// The `--json` schema (README.md, "`--json` output"): version 1 and the same fields, of
    /// the same types, on success and on rejection.
    #[test]
    fn json_schema_version_and_fields() {
        fn keys(v: &serde_json::Value) -> Vec<&str> {
            let mut keys: Vec<&str> = v
                .as_object()
                .expect("an object")
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            keys
        }
        let valid = json(&run(&google_args(&["--json"])));
        let mut args = google_args(&["--json", "--audience", "https://other/"]);
        let first = args
            .iter()
            .position(|a| a == "--audience")
            .expect("--audience");
        args.drain(first..first + 2);
        let rejected = json(&run(&args));
        for v in [&valid, &rejected] {
            assert_eq!(v["version"], 1, "{v}");
            assert_eq!(
                keys(v),
                [
                    "attributes",
                    "encrypted",
                    "error",
                    "issuer",
                    "message",
                    "signed",
                    "subject",
                    "valid",
                    "version"
                ],
                "{v}"
            );
            assert!(v["valid"].is_boolean() && v["issuer"].is_string(), "{v}");
            assert_eq!(v["encrypted"], false, "{v}");
            assert_eq!(keys(&v["subject"]), ["format", "name_id"], "{v}");
            assert!(v["subject"]["name_id"].is_string() && v["subject"]["format"].is_string());
            let attributes = v["attributes"].as_object().expect("attributes");
            assert!(
                attributes.values().all(|values| values
                    .as_array()
                    .is_some_and(|values| values.iter().all(serde_json::Value::is_string))),
                "{v}"
            );
            let signed = v["signed"].as_array().expect("signed");
            assert!(signed.iter().all(serde_json::Value::is_string), "{v}");
        }
        assert_eq!(valid["valid"], true);
        assert!(valid["error"].is_null());
        assert_eq!(
            valid["issuer"],
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1"
        );
        assert_eq!(valid["subject"]["format"], "");
        assert_eq!(rejected["valid"], false);
        assert_eq!(keys(&rejected["error"]), ["kind", "message"]);
        assert_eq!(rejected["error"]["kind"], "audience_mismatch");
        assert!(rejected["error"]["message"].is_string());
        assert_eq!(rejected["issuer"], "");
        assert_eq!(rejected["attributes"], serde_json::json!({}));
        assert_eq!(rejected["signed"], serde_json::json!([]));
    }

    #[test]
    fn rejections_are_exit_1_with_a_stable_kind() {
        for (extra, kind) in [
            (&["--audience", "https://other/"][..], "audience_mismatch"),
            (&["--in-response-to", "id-other"], "in_response_to_mismatch"),
            (&["--signed", "assertion"], "signature_missing"),
            (&["--now", "2016-01-05T17:00:39.348Z"], "expired"),
            (
                &["--destination", "https://elsewhere/acs"],
                "destination_mismatch",
            ),
        ] {
            let mut args = google_args(&["--json"]);
            // Options given once may not be repeated: replace the value of one already given.
            if let Some(i) = args.iter().position(|a| a == extra[0]) {
                args[i + 1] = extra[1].to_owned();
            } else {
                args.extend(extra.iter().map(|s| (*s).to_owned()));
            }
            let out = run(&args);
            assert_eq!(out.status.code(), Some(1), "{kind}");
            assert_eq!(json(&out)["error"]["kind"], kind);
            assert_eq!(json(&out)["valid"], false);
        }
    }

    #[test]
    fn wrong_certificate_names_both_fingerprints() {
        let mut args = google_args(&[]);
        args[3] = repo("tests/vectors/certs/okta-dev-513394.pem")
            .display()
            .to_string();
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("signature_mismatch")
                && err.contains("KeyInfo")
                && err.contains("configured:"),
            "{err}"
        );
    }

    #[test]
    fn unreadable_certificate_or_input_is_exit_2() {
        let mut args = google_args(&[]);
        args[3] = "/nonexistent.pem".into();
        assert_eq!(run(&args).status.code(), Some(2));
        let mut args = google_args(&[]);
        args[1] = "/nonexistent.xml".into();
        assert_eq!(run(&args).status.code(), Some(2));
        let out = run_with_stdin(
            &google_args(&[])[2..]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            b"",
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "no subcommand input is a usage error"
        );
    }

    #[test]
    fn bench_reports_rates() {
        let mut args = google_args(&["--iterations", "20", "--threads", "2"]);
        args[0] = "bench".into();
        let out = run(&args);
        let text = stdout(&out);
        assert!(text.contains("µs/op") && text.contains("ops/s"), "{text}");
    }
}

mod inspect {
    use super::*;

    #[test]
    fn form_body_capture() {
        let b64: String = std::fs::read_to_string(repo(
            "tests/vectors/saml/valid/google-2016-response-signed.xml.b64",
        ))
        .expect("vector")
        .split_ascii_whitespace()
        .collect();
        let body = format!(
            "SAMLResponse={}&RelayState=%2Fhome",
            b64.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        let text = stdout(&run_with_stdin(&["inspect"], body.as_bytes()));
        for needle in [
            "Response",
            "RelayState:  /home",
            "ross@octolabs.io",
            "#1 on Response",
            "(match)",
            "firstName: Ross",
        ] {
            assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
        }
    }

    #[test]
    fn tampered_capture_shows_the_mismatching_reference() {
        let xml = std::process::Command::new("base64")
            .arg("-d")
            .arg(repo(
                "tests/vectors/saml/valid/google-2016-response-signed.xml.b64",
            ))
            .output()
            .expect("base64")
            .stdout;
        let tampered = String::from_utf8(xml)
            .expect("UTF-8")
            .replace("Kinder", "Kindr");
        let text = stdout(&run_with_stdin(&["inspect"], tampered.as_bytes()));
        assert!(text.contains("MISMATCH"), "{text}");
    }
}

mod settings_sources {
    use super::*;

    const OKTA_2020: &str =
        "tests/vectors/saml/valid/okta-2020-response-signed-encassertion-signed.xml.b64";

    fn okta_args(source: &[String]) -> Vec<String> {
        let mut args = vec!["verify".to_owned(), repo(OKTA_2020).display().to_string()];
        args.extend(source.iter().cloned());
        args.extend(
            [
                "--audience",
                "http://localhost:8000/saml/metadata",
                "--destination",
                "http://localhost:8000/saml/acs",
                "--now",
                "2020-03-03T19:40:54Z",
                "--json",
            ]
            .map(str::to_owned),
        );
        args
    }

    #[track_caller]
    fn kind(args: &[String]) -> (Option<i32>, String) {
        let out = bin().args(args).output().expect("run");
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (
            out.status.code(),
            v["error"]["kind"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// The Okta capture's outer signature verifies with the key from metadata (a wrong key
    /// would be `signature_mismatch`); then its EncryptedAssertion is refused with its own kind.
    #[test]
    fn idp_metadata_supplies_the_key() {
        let source = [
            "--idp-metadata".to_owned(),
            repo("tests/vectors/metadata/okta-idp-exk1abcd.xml")
                .display()
                .to_string(),
        ];
        assert_eq!(
            kind(&okta_args(&source)),
            (Some(1), "no_decryption_keys".to_owned())
        );
    }

    #[test]
    fn okta_idp_json_supplies_the_key() {
        let source = [
            "--okta-idp".to_owned(),
            repo("tests/vectors/okta/org2-idp.json")
                .display()
                .to_string(),
            "--okta-key".to_owned(),
            repo("tests/vectors/okta/org2-idp-key.json")
                .display()
                .to_string(),
        ];
        assert_eq!(
            kind(&okta_args(&source)),
            (Some(1), "no_decryption_keys".to_owned())
        );
    }

    #[test]
    fn a_wrong_key_is_a_signature_mismatch_not_a_pass() {
        let source = [
            "--idp-cert".to_owned(),
            repo("tests/vectors/certs/google-C02dfl1r1.pem")
                .display()
                .to_string(),
            "--issuer".to_owned(),
            "http://www.okta.com/exkppsa1qwuFV4D7z0h7".to_owned(),
        ];
        assert_eq!(
            kind(&okta_args(&source)),
            (Some(1), "signature_mismatch".to_owned())
        );
    }

    #[test]
    fn metadata_without_a_signing_key_is_exit_2() {
        let source = [
            "--idp-metadata".to_owned(),
            repo("tests/vectors/metadata/no-signing-key.xml")
                .display()
                .to_string(),
        ];
        let out = bin().args(okta_args(&source)).output().expect("run");
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("signing"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The gaps that stopped real captures, and messages that name the CLI's own flags.
mod operator_gaps {
    use super::*;

    const FEIDE: &str = "tests/vectors/saml/valid/feide-openidp-2012-response-both-signed.xml";

    /// Feide OpenIdP signs with RSA-1024 and SHA-1.
    fn feide(extra: &[&str]) -> Output {
        feide_at("2012-07-03T11:33:00Z", extra)
    }

    fn feide_at(now: &str, extra: &[&str]) -> Output {
        let mut args: Vec<String> = [
            "verify",
            &repo(FEIDE).display().to_string(),
            "--idp-cert",
            &repo("tests/vectors/certs/feide-openidp.pem")
                .display()
                .to_string(),
            "--issuer",
            "https://openidp.feide.no",
            "--audience",
            "passport-saml",
            "--destination",
            "http://localhost:3000/login/callback",
            "--now",
            now,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        bin().args(&args).output().expect("run")
    }

    fn stderr(out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// A refusal names the flag that would accept it: the library's setting names mean nothing
    /// to an operator.
    #[test]
    fn refusals_name_the_flag() {
        let out = feide(&[]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("[sha1_not_allowed]"),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("--allow-sha1"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("danger"), "{}", stderr(&out));

        let out = feide(&["--allow-sha1"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("[key_too_small]"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("--allow-small-rsa-keys"),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn allow_small_rsa_keys() {
        let out = feide(&["--allow-sha1", "--allow-small-rsa-keys"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("valid: signed"));
    }

    /// A `--now` without a zone is refused (a local time typed by mistake), exit 2.
    #[test]
    fn now_without_a_zone() {
        let out = feide_at(
            "2012-07-03T11:33:00",
            &["--allow-sha1", "--allow-small-rsa-keys"],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("no time zone"), "{}", stderr(&out));
        let out = feide_at(
            "2012-07-03T13:33:00+02:00",
            &["--allow-sha1", "--allow-small-rsa-keys"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// Binary garbage is "not a SAML message", not a guess about URLs or base64.
    #[test]
    fn binary_input() {
        for garbage in [
            &b"\x1f\x8b\x08\x00\x00\x00"[..],
            b"\x89PNG\r\n\x1a\n\0\0",
            b"ab\xff\xfe",
        ] {
            for command in ["inspect", "c14n"] {
                let out = run_with_stdin(&[command], garbage);
                assert_eq!(out.status.code(), Some(2), "{command}");
                assert!(
                    stderr(&out).contains("not a SAML message"),
                    "{}",
                    stderr(&out)
                );
            }
        }
    }

    /// `c14n` reads every form the other commands read.
    #[test]
    fn c14n_reads_every_input_form() {
        use base64::Engine as _;
        let xml = b"<a xmlns:u=\"urn:u\"><b  c='1'/></a>";
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
        let expected = "<a><b c=\"1\"></b></a>";
        for input in [
            xml.to_vec(),
            b64.clone().into_bytes(),
            format!(
                "SAMLResponse={}",
                b64.replace('+', "%2B").replace('=', "%3D")
            )
            .into_bytes(),
        ] {
            let out = run_with_stdin(&["c14n"], &input);
            assert_eq!(stdout(&out), expected);
        }
    }
}

/// Encrypted assertions: `verify --sp-key`, `decrypt`, and `inspect` with and without keys.
/// Most fixtures are issued here by the library (IdP key rsa2048, SP encryption key rsa3072);
/// the rest are stored vectors (the TestShib capture, `tests/vectors/xmlenc`).
mod encrypted {
    use super::*;
    use saml_core::crypto::{Certificate, DigestAlgorithm, SigningKey};
    use saml_core::dsig::{DSIG_NS, Signer};
    use saml_core::saml::idp::{IdentityProvider, SignTarget, Subject, danger};
    use saml_core::saml::{ASSERTION_NS, PROTOCOL_NS};
    use saml_core::time::parse_xs_datetime;
    use saml_core::xml::Document;
    use saml_core::xmlenc::{DataEncryption, EncryptionKey, KeyTransport};

    const IDP: &str = "https://idp.example/cli";
    const SP: &str = "https://sp.example/cli";
    const ACS: &str = "https://sp.example/cli/acs";
    const NOW: &str = "2030-01-01T00:00:00Z";
    const IDP_KEY: &str = "crates/saml-core/testdata/rsa2048.pk8.pem";
    const IDP_CERT: &str = "crates/saml-core/testdata/rsa2048.cert.pem";
    /// The SP's encryption key, PKCS#8.
    const SP_KEY: &str = "crates/saml-core/testdata/rsa3072.pk8.pem";
    const SP_CERT: &str = "crates/saml-core/testdata/rsa3072.cert.pem";
    /// Some other RSA key, which opens nothing here.
    const OTHER_KEY: &str = "crates/saml-core/testdata/rsa4096.pk8.pem";

    const TESTSHIB: &str =
        "tests/vectors/saml/valid/shibboleth-testshib-2014-response-encassertion-signed.xml";
    /// TestShib's SP encryption key, PKCS#1.
    const TESTSHIB_KEY: &str = "tests/vectors/keys/testshib-sp-encryption-key.pem";
    const RSA15: &str = "tests/vectors/xmlenc/cli-rsa15-response-signed.xml";
    const V7_RSA15: &str = "tests/vectors/xmlenc/v7-aes128cbc-rsa15.xml";
    const VECTOR_KEY: &str = "tests/vectors/xmlenc/sp-key.pem";

    fn path(rel: &str) -> String {
        repo(rel).display().to_string()
    }

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(repo(rel)).expect("test file")
    }

    fn stderr(out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn json(out: &Output) -> serde_json::Value {
        serde_json::from_slice(&out.stdout).expect("one JSON object")
    }

    /// `args` with each `&str` owned, for `run_with_stdin`.
    fn run(args: &[String], stdin: &[u8]) -> Output {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_with_stdin(&args, stdin)
    }

    /// The encryption of `element` to the SP's key.
    fn encrypt(element: &str, data: DataEncryption, transport: KeyTransport) -> String {
        let cert = Certificate::from_pem(&read(SP_CERT), None).expect("SP certificate");
        let key = EncryptionKey::from_certificate(&cert).expect("encryption key");
        saml_core::xmlenc::encrypt(element.as_bytes(), &key, data, transport).expect("encrypts")
    }

    fn signer() -> Signer {
        Signer::new(
            SigningKey::from_pem(&read(IDP_KEY), None).expect("IdP key"),
            Some(Certificate::from_pem(&read(IDP_CERT), None).expect("IdP certificate")),
        )
    }

    /// A Response issued by the library at [`NOW`], signed as `sign` says.
    fn issue(sign: SignTarget) -> String {
        let idp = IdentityProvider::new(IDP, "https://idp.example/cli/sso", signer())
            .with_sign_target(sign);
        let subject = Subject::new("alice@example.com")
            .with_attribute("mail", vec!["alice@example.com".to_owned()]);
        idp.issue(
            &danger::unsigned_requests(SP, ACS),
            &subject,
            None,
            parse_xs_datetime(NOW).expect("time"),
        )
        .expect("issues")
    }

    /// `xml` with the byte range `span` replaced by `with`.
    fn replace(xml: &str, span: std::ops::Range<usize>, with: &str) -> String {
        format!("{}{with}{}", &xml[..span.start], &xml[span.end..])
    }

    /// A Response whose Assertion (signed, unless `sign` is `Response`) is replaced by an
    /// EncryptedAssertion, and the plaintext that was encrypted: the Assertion's markup as
    /// issued, a fragment that uses the Response's `saml` prefix. With `SignTarget::Response`
    /// the Response's signature is removed (it covered the plain Assertion): both are unsigned.
    fn encrypted_response(
        sign: SignTarget,
        data: DataEncryption,
        transport: KeyTransport,
    ) -> (String, String) {
        let mut xml = issue(sign);
        if sign == SignTarget::Response {
            let doc = Document::parse(&xml).expect("parses");
            let root = doc.root_element();
            let signature = doc
                .element_children(root)
                .find(|&c| doc.is(c, DSIG_NS, "Signature"))
                .expect("Response signature");
            xml = replace(&xml, doc.span(signature), "");
        }
        let doc = Document::parse(&xml).expect("parses");
        let root = doc.root_element();
        let assertion = doc
            .element_children(root)
            .find(|&c| doc.is(c, ASSERTION_NS, "Assertion"))
            .expect("Assertion");
        let span = doc.span(assertion);
        let plaintext = xml[span.clone()].to_owned();
        let container = format!(
            "<saml:EncryptedAssertion>{}</saml:EncryptedAssertion>",
            encrypt(&plaintext, data, transport)
        );
        (replace(&xml, span, &container), plaintext)
    }

    /// The default fixture: a signed Assertion, AES-256-GCM, RSA-OAEP (mgf1p, SHA-1).
    fn gcm_response() -> (String, String) {
        encrypted_response(
            SignTarget::Assertion,
            DataEncryption::Aes256Gcm,
            KeyTransport::default(),
        )
    }

    /// `verify` of standard input with this module's IdP and SP settings, and `extra`.
    fn verify(xml: &str, extra: &[&str]) -> Output {
        let mut args: Vec<String> = [
            "verify",
            "-",
            "--idp-cert",
            &path(IDP_CERT),
            "--issuer",
            IDP,
            "--audience",
            SP,
            "--destination",
            ACS,
            "--now",
            NOW,
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run(&args, xml.as_bytes())
    }

    /// `verify` of the TestShib capture at its time, with `extra`.
    fn verify_testshib(extra: &[&str]) -> Output {
        let mut args: Vec<String> = [
            "verify",
            &path(TESTSHIB),
            "--idp-cert",
            &path("tests/vectors/certs/testshib-idp-2006.pem"),
            "--issuer",
            "https://idp.testshib.org/idp/shibboleth",
            "--audience",
            "http://subspacesw.com",
            "--destination",
            "http://localhost/browserSamlLogin",
            "--now",
            "2014-06-02T17:49:00Z",
            "--in-response-to",
            "_3138d675d6ed416d43d6",
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        bin().args(&args).output().expect("run")
    }

    // ---- verify --sp-key ----

    #[test]
    fn verify_decrypts_with_sp_key_human_output() {
        let (xml, _) = gcm_response();
        let out = verify(&xml, &["--sp-key", &path(SP_KEY)]);
        let text = stdout(&out);
        assert!(text.starts_with("valid: signed assertion\n"), "{text}");
        let line = format!("encrypted: {}\n", DataEncryption::Aes256Gcm);
        assert!(text.contains(&line), "no `{line}` in:\n{text}");
        assert!(
            text.contains("subject:   alice@example.com")
                && text.contains("mail: alice@example.com"),
            "{text}"
        );
    }

    #[test]
    fn verify_decrypts_with_sp_key_json() {
        let (xml, _) = gcm_response();
        let out = verify(&xml, &["--sp-key", &path(SP_KEY), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let v = json(&out);
        assert_eq!(v["version"], 1);
        assert_eq!(v["valid"], true);
        assert_eq!(v["encrypted"], true);
        assert_eq!(v["signed"], serde_json::json!(["assertion"]));
        assert_eq!(v["subject"]["name_id"], "alice@example.com");
        assert_eq!(v["attributes"]["mail"][0], "alice@example.com");
    }

    /// A plain assertion: `"encrypted": false` and no `encrypted:` line.
    #[test]
    fn plain_assertion_is_not_encrypted() {
        let xml = issue(SignTarget::Assertion);
        let v = json(&verify(&xml, &["--json"]));
        assert_eq!(
            (&v["valid"], &v["encrypted"]),
            (&true.into(), &false.into())
        );
        let text = stdout(&verify(&xml, &["--sp-key", &path(SP_KEY)]));
        assert!(!text.contains("encrypted"), "{text}");
    }

    /// `--sp-key` repeats (key rollover): the one that fits may come second.
    #[test]
    fn verify_tries_every_sp_key() {
        let (xml, _) = gcm_response();
        let out = verify(
            &xml,
            &["--sp-key", &path(OTHER_KEY), "--sp-key", &path(SP_KEY)],
        );
        assert!(stdout(&out).starts_with("valid:"));
    }

    #[test]
    fn verify_with_a_wrong_key_is_decryption_failed() {
        let (xml, _) = gcm_response();
        let out = verify(&xml, &["--sp-key", &path(OTHER_KEY), "--json"]);
        assert_eq!(out.status.code(), Some(1));
        let v = json(&out);
        assert_eq!(v["error"]["kind"], "decryption_failed");
        assert_eq!(
            (&v["valid"], &v["encrypted"]),
            (&false.into(), &false.into())
        );
        let out = verify(&xml, &["--sp-key", &path(OTHER_KEY)]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.starts_with("saml-verify: rejected [decryption_failed]: ")
                && err.contains("--sp-key"),
            "{err}"
        );
    }

    #[test]
    fn verify_without_sp_key_names_the_flag() {
        let (xml, _) = gcm_response();
        let out = verify(&xml, &[]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("[no_decryption_keys]") && err.contains("--sp-key"),
            "{err}"
        );
    }

    #[test]
    fn unreadable_sp_key_is_exit_2() {
        let (xml, _) = gcm_response();
        for key in ["/nonexistent.pem", &path(IDP_CERT)] {
            let out = verify(&xml, &["--sp-key", key]);
            assert_eq!(out.status.code(), Some(2), "{key}: {}", stderr(&out));
        }
    }

    /// RSA PKCS#1 v1.5 key transport is refused, naming `--allow-rsa1_5` (not the library's
    /// function); with the flag, the whole Response verifies.
    #[test]
    fn rsa1_5_needs_allow_rsa1_5() {
        let xml = String::from_utf8(read(RSA15)).expect("UTF-8");
        let settings = |extra: &[&str]| {
            let mut args: Vec<String> = [
                "verify",
                "-",
                "--idp-cert",
                &path(IDP_CERT),
                "--issuer",
                "https://idp.example",
                "--audience",
                "https://sp.example",
                "--destination",
                "https://sp.example/acs",
                "--now",
                "2024-01-01T00:01:00Z",
                "--sp-key",
                &path(VECTOR_KEY),
            ]
            .map(str::to_owned)
            .to_vec();
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            run(&args, xml.as_bytes())
        };
        let out = settings(&[]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("rejected [algorithm_not_allowed]") && err.contains("--allow-rsa1_5"),
            "{err}"
        );
        assert!(
            !err.contains("danger") && !err.contains("xmlenc::"),
            "{err}"
        );
        let v = json(&settings(&["--json"]));
        assert_eq!(v["error"]["kind"], "algorithm_not_allowed");
        let message = v["error"]["message"].as_str().expect("message");
        assert!(
            message.contains("--allow-rsa1_5") && !message.contains("danger"),
            "{message}"
        );

        let out = settings(&["--allow-rsa1_5"]);
        let text = stdout(&out);
        assert!(text.starts_with("valid: signed response\n"), "{text}");
        assert!(
            text.contains(&format!("encrypted: {}\n", DataEncryption::Aes128Cbc))
                && text.contains("subject:   legacy@idp.example"),
            "{text}"
        );
        let v = json(&settings(&["--allow-rsa1_5", "--json"]));
        assert_eq!((&v["valid"], &v["encrypted"]), (&true.into(), &true.into()));
    }

    #[test]
    fn unsigned_encrypted_assertion_in_unsigned_response_is_signature_missing() {
        let (xml, _) = encrypted_response(
            SignTarget::Response,
            DataEncryption::Aes128Gcm,
            KeyTransport::default(),
        );
        assert!(!xml.contains("Signature"), "fixture is unsigned");
        let out = verify(&xml, &["--sp-key", &path(SP_KEY), "--json"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(json(&out)["error"]["kind"], "signature_missing");
        let out = verify(&xml, &["--sp-key", &path(SP_KEY)]);
        assert!(
            stderr(&out).contains("rejected [signature_missing]"),
            "{}",
            stderr(&out)
        );
    }

    /// A real Shibboleth IdP capture: AES-128-CBC, RSA-OAEP, the Assertion signed inside; the
    /// SP key is PKCS#1.
    #[test]
    fn shibboleth_capture_verifies_with_its_key() {
        let out = verify_testshib(&["--sp-key", &path(TESTSHIB_KEY), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let v = json(&out);
        assert_eq!((&v["valid"], &v["encrypted"]), (&true.into(), &true.into()));
        assert_eq!(v["signed"], serde_json::json!(["assertion"]));
        assert_eq!(v["subject"]["name_id"], "_32990a6fe34e615a7657a8fe2056d885");
        let text = stdout(&verify_testshib(&["--sp-key", &path(TESTSHIB_KEY)]));
        assert!(text.contains("encrypted: aes128-cbc\n"), "{text}");
        let out = verify_testshib(&["--sp-key", &path(SP_KEY)]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("[decryption_failed]"));
    }

    // ---- decrypt ----

    fn decrypt(input: &[u8], extra: &[&str]) -> Output {
        let mut args = vec!["decrypt".to_owned()];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run(&args, input)
    }

    #[test]
    fn decrypt_prints_the_plaintext_then_a_newline() {
        let (xml, plaintext) = gcm_response();
        let out = decrypt(xml.as_bytes(), &["--sp-key", &path(SP_KEY)]);
        assert_eq!(stdout(&out), format!("{plaintext}\n"));
        // Every input form: here a POST form body, and a path.
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&xml);
        let body = format!(
            "SAMLResponse={}&RelayState=x",
            b64.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        let out = decrypt(body.as_bytes(), &["--sp-key", &path(SP_KEY)]);
        assert_eq!(stdout(&out), format!("{plaintext}\n"));
        let out = decrypt(
            b"",
            &[
                &path(TESTSHIB),
                "--sp-key",
                &path(OTHER_KEY),
                "--sp-key",
                &path(TESTSHIB_KEY),
            ],
        );
        let text = stdout(&out);
        assert!(
            text.starts_with("<saml2:Assertion ") && text.ends_with("</saml2:Assertion>\n"),
            "{text}"
        );
    }

    #[test]
    fn decrypt_with_a_wrong_key_is_exit_1_with_the_kind() {
        let (xml, _) = gcm_response();
        let out = decrypt(xml.as_bytes(), &["--sp-key", &path(OTHER_KEY)]);
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        assert!(
            stderr(&out).starts_with("saml-verify: rejected [decryption_failed]: "),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn decrypt_rsa1_5_needs_allow_rsa1_5() {
        let xml = read(V7_RSA15);
        let out = decrypt(&xml, &["--sp-key", &path(VECTOR_KEY)]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("rejected [algorithm_not_allowed]") && err.contains("--allow-rsa1_5"),
            "{err}"
        );
        assert!(!err.contains("danger"), "{err}");
        let out = decrypt(&xml, &["--sp-key", &path(VECTOR_KEY), "--allow-rsa1_5"]);
        let text = stdout(&out);
        assert!(
            text.starts_with("<saml:Assertion ID=\"_a1\"") && text.ends_with("</saml:Assertion>\n"),
            "{text}"
        );
    }

    /// libxmlsec1 1.3.9's SHA-256 digest with the default MGF1-SHA-1 (what Santuario sends
    /// too): decrypted, through OpenSSL, and `inspect` calls the pair supported.
    #[test]
    fn decrypt_oaep_with_differing_hashes() {
        let xml = read("tests/vectors/xmlenc/v1-aes256gcm-oaep11-sha256-mgf1sha1.xml");
        let out = decrypt(&xml, &["--sp-key", &path(VECTOR_KEY)]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with("<saml:Assertion ID=\"_a1\"") && text.ends_with("</saml:Assertion>\n"),
            "{text}"
        );
        let out = run(&["inspect".to_owned()], &xml);
        let text = stdout(&out);
        assert!(
            text.contains("rsa-oaep (SHA-256, MGF1-SHA-1)") && !text.contains("not supported"),
            "{text}"
        );
    }

    #[test]
    fn decrypt_input_errors_are_exit_2() {
        let key = path(SP_KEY);
        // No encrypted element.
        let plain = issue(SignTarget::Assertion);
        let out = decrypt(plain.as_bytes(), &["--sp-key", &key]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("EncryptedAssertion"),
            "{}",
            stderr(&out)
        );
        // Unreadable input, malformed XML, no key.
        let (xml, _) = gcm_response();
        for (input, args) in [
            (&b""[..], vec!["/nonexistent.xml", "--sp-key", &key]),
            (b"<a><b></a>", vec!["--sp-key", &key]),
            (xml.as_bytes(), vec![]),
            (xml.as_bytes(), vec!["--sp-key", "/nonexistent.pem"]),
        ] {
            let out = decrypt(input, &args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        }
    }

    /// The EncryptedAssertion first, wherever it is; without one, the first EncryptedID or
    /// EncryptedAttribute.
    #[test]
    fn decrypt_chooses_the_encrypted_assertion_then_an_encrypted_id() {
        let name_id = "<saml:NameID>bob</saml:NameID>";
        let assertion = "<saml:Assertion ID=\"_inner\"/>";
        let gcm = DataEncryption::Aes128Gcm;
        let id = format!(
            "<saml:EncryptedID>{}</saml:EncryptedID>",
            encrypt(name_id, gcm, KeyTransport::default())
        );
        let both = format!(
            "<samlp:Response xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\">\
             <saml:Assertion><saml:Subject>{id}</saml:Subject></saml:Assertion>\
             <saml:EncryptedAssertion>{}</saml:EncryptedAssertion></samlp:Response>",
            encrypt(assertion, gcm, KeyTransport::default())
        );
        let out = decrypt(both.as_bytes(), &["--sp-key", &path(SP_KEY)]);
        assert_eq!(stdout(&out), format!("{assertion}\n"));
        let logout = format!(
            "<samlp:LogoutRequest xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" \
             ID=\"_l\">{id}</samlp:LogoutRequest>"
        );
        let out = decrypt(logout.as_bytes(), &["--sp-key", &path(SP_KEY)]);
        assert_eq!(stdout(&out), format!("{name_id}\n"));
        let attribute = "<saml:Attribute Name=\"role\"/>";
        let with_attribute = format!(
            "<saml:AttributeStatement xmlns:saml=\"{ASSERTION_NS}\"><saml:EncryptedAttribute>{}\
             </saml:EncryptedAttribute></saml:AttributeStatement>",
            encrypt(attribute, gcm, KeyTransport::default())
        );
        let out = decrypt(with_attribute.as_bytes(), &["--sp-key", &path(SP_KEY)]);
        assert_eq!(stdout(&out), format!("{attribute}\n"));
    }

    #[test]
    fn decrypt_help_says_it_decides_nothing() {
        let out = bin().args(["decrypt", "--help"]).output().expect("run");
        let text = stdout(&out);
        assert!(
            text.contains("No trust decision") && text.contains("--sp-key"),
            "{text}"
        );
        let out = bin().args(["--help"]).output().expect("run");
        let text = stdout(&out);
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with("decrypt") && l.contains("no trust decision")),
            "{text}"
        );
    }

    // ---- inspect ----

    fn inspect(input: &[u8], extra: &[&str]) -> String {
        let mut args = vec!["inspect".to_owned()];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        stdout(&run(&args, input))
    }

    #[track_caller]
    fn contains_all(text: &str, needles: &[&str]) {
        for needle in needles {
            assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
        }
    }

    /// Without `--sp-key`: the algorithms, where the EncryptedKey is and the certificate it
    /// names; nothing decrypted.
    #[test]
    fn inspect_describes_an_encrypted_assertion_without_decrypting() {
        let text = inspect(&read(TESTSHIB), &[]);
        contains_all(
            &text,
            &[
                "assertion:   encrypted",
                "data:       aes128-cbc, Algorithm=http://www.w3.org/2001/04/xmlenc#aes128-cbc",
                "key:        rsa-oaep-mgf1p (SHA-1, MGF1-SHA-1), Algorithm=http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
                "key found:  EncryptedKey inside the EncryptedData's KeyInfo",
                "key cert:   SHA-256 81:54:4A:F1:",
                "pass --sp-key",
            ],
        );
        assert!(
            !text.contains("_32990a6fe34e615a7657a8fe2056d885"),
            "{text}"
        );
        assert!(!text.contains("--sp-key:"), "{text}");
        // Okta names its sibling EncryptedKey by a RetrievalMethod.
        let text = inspect(
            &read("tests/vectors/saml/valid/okta-2020-response-signed-encassertion-signed.xml.b64"),
            &[],
        );
        contains_all(
            &text,
            &["data:       aes256-cbc", "named by a RetrievalMethod"],
        );
    }

    /// With `--sp-key`: which key fits, then the decrypted assertion shown like a plain one,
    /// parsed in place (the TestShib assertion's signature uses an InclusiveNamespaces prefix
    /// declared outside it), with its signature's digest recomputed.
    #[test]
    fn inspect_with_sp_key_shows_the_decrypted_assertion() {
        let key = path(TESTSHIB_KEY);
        let text = inspect(&read(TESTSHIB), &["--sp-key", &key]);
        contains_all(
            &text,
            &[
                &format!("--sp-key:   `{key}` fits"),
                &format!("decrypted:  with --sp-key `{key}`"),
                "assertion (decrypted):",
                "ID:           _ade26627507dcc2902b20f0c38ee6298",
                "NameID:     _32990a6fe34e615a7657a8fe2056d885",
                "audience:   http://subspacesw.com",
                "urn:oid:1.3.6.1.4.1.5923.1.1.1.6: myself@testshib.org",
                "#1 on Assertion ID=_ade26627507dcc2902b20f0c38ee6298",
                "(match)",
            ],
        );
    }

    /// The fingerprint is the SP certificate's; of two keys, the one whose SPKI matches is
    /// named; RSA-OAEP's digest and MGF are shown.
    #[test]
    fn inspect_names_the_key_that_fits_and_the_oaep_hashes() {
        let (xml, _) = encrypted_response(
            SignTarget::Assertion,
            DataEncryption::Aes192Gcm,
            KeyTransport::RsaOaep {
                digest: DigestAlgorithm::Sha256,
                mgf: DigestAlgorithm::Sha256,
            },
        );
        let fingerprint = Certificate::from_pem(&read(SP_CERT), None)
            .expect("certificate")
            .fingerprint_sha256();
        let (other, right) = (path(OTHER_KEY), path(SP_KEY));
        let text = inspect(xml.as_bytes(), &["--sp-key", &other, "--sp-key", &right]);
        contains_all(
            &text,
            &[
                "data:       aes192-gcm",
                "key:        rsa-oaep (SHA-256, MGF1-SHA-256), Algorithm=http://www.w3.org/2009/xmlenc11#rsa-oaep",
                &format!("key cert:   SHA-256 {fingerprint}"),
                &format!("--sp-key:   `{right}` fits"),
                &format!("decrypted:  with --sp-key `{right}`"),
                "NameID:     alice@example.com",
                "mail: alice@example.com",
                "#1 on Assertion",
                "(match)",
            ],
        );
        assert!(!text.contains(&format!("`{other}` fits")), "{text}");

        let text = inspect(xml.as_bytes(), &["--sp-key", &other]);
        contains_all(
            &text,
            &[
                "none of the 1 given fits the certificate",
                "decrypted:  no: [decryption_failed]",
            ],
        );
        assert!(!text.contains("alice@example.com"), "{text}");
    }

    #[test]
    fn inspect_rsa1_5_needs_allow_rsa1_5() {
        let key = path(VECTOR_KEY);
        let text = inspect(&read(RSA15), &["--sp-key", &key]);
        contains_all(
            &text,
            &[
                "key:        rsa-1_5",
                "decrypted:  no: [algorithm_not_allowed]",
                "--allow-rsa1_5",
            ],
        );
        let text = inspect(&read(RSA15), &["--sp-key", &key, "--allow-rsa1_5"]);
        contains_all(&text, &["assertion (decrypted):", "legacy@idp.example"]);
    }

    /// An EncryptedID in the Subject and an EncryptedAttribute, in a plain assertion.
    #[test]
    fn inspect_encrypted_id_and_attribute() {
        let gcm = DataEncryption::Aes128Gcm;
        let name_id = "<saml:NameID Format=\"urn:f\">carol</saml:NameID>";
        let attribute = "<saml:Attribute Name=\"role\"><saml:AttributeValue>admin\
                         </saml:AttributeValue></saml:Attribute>";
        let xml = format!(
            "<samlp:Response xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" ID=\"_r\">\
             <saml:Assertion ID=\"_a\"><saml:Subject><saml:EncryptedID>{}</saml:EncryptedID>\
             </saml:Subject><saml:AttributeStatement><saml:EncryptedAttribute>{}\
             </saml:EncryptedAttribute></saml:AttributeStatement></saml:Assertion>\
             </samlp:Response>",
            encrypt(name_id, gcm, KeyTransport::default()),
            encrypt(attribute, gcm, KeyTransport::default())
        );
        let text = inspect(xml.as_bytes(), &[]);
        contains_all(
            &text,
            &[
                "NameID:     encrypted (EncryptedID)",
                "encrypted attribute:",
                "data:       aes128-gcm",
            ],
        );
        assert!(!text.contains("carol") && !text.contains("admin"), "{text}");
        let text = inspect(xml.as_bytes(), &["--sp-key", &path(SP_KEY)]);
        contains_all(&text, &["NameID:     carol (urn:f)", "    role: admin"]);
    }
}
