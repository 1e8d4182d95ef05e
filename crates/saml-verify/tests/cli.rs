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
