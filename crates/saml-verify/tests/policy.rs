//! `saml-verify verify --okta-idp FILE --policy [--directory FILE]`: the Okta IdP policy's
//! decision for a verified assertion, in text and in `--json`'s `"policy"` object.
//!
//! The IdP JSON is the CLI tests' Okta fixture (`tests/vectors/okta/org2-idp.json`) with its
//! issuer, kid and policy edited per test, and its key credential made for the test IdP's
//! certificate, so that a Response the library issues verifies.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use saml_core::crypto::{Certificate, SigningKey};
use saml_core::dsig::Signer;
use saml_core::saml::idp::{IdentityProvider, Subject, danger};
use saml_core::time::parse_xs_datetime;
use serde_json::{Value, json};

const IDP: &str = "https://idp.example/policy";
const SP: &str = "https://sp.example/policy";
const ACS: &str = "https://sp.example/policy/acs";
const NOW: &str = "2030-01-01T00:00:00Z";
const IDP_KEY: &str = "crates/saml-core/testdata/rsa2048.pk8.pem";
const IDP_CERT: &str = "crates/saml-core/testdata/rsa2048.cert.pem";
const KID: &str = "policy-test-kid";
const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(repo(rel)).expect("test file")
}

/// A scratch file for one test.
fn scratch(test: &str, name: &str, contents: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("policy-cli")
        .join(test);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("scratch file");
    path.display().to_string()
}

/// The Okta fixture as the test IdP, with `edit` applied to its `policy` object; and its key
/// credential. Returns the two paths.
fn okta_files(test: &str, edit: impl FnOnce(&mut Value)) -> (String, String) {
    let mut idp: Value =
        serde_json::from_slice(&read("tests/vectors/okta/org2-idp.json")).expect("fixture");
    idp["protocol"]["credentials"]["trust"]["issuer"] = json!(IDP);
    idp["protocol"]["credentials"]["trust"]["kid"] = json!(KID);
    edit(&mut idp["policy"]);
    let pem = String::from_utf8(read(IDP_CERT)).expect("PEM");
    let x5c: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let key = json!({"kid": KID, "kty": "RSA", "use": "sig", "x5c": [x5c]});
    (
        scratch(test, "idp.json", &serde_json::to_vec(&idp).expect("JSON")),
        scratch(test, "key.json", &serde_json::to_vec(&key).expect("JSON")),
    )
}

/// A Response the test IdP issues for `subject`, signed.
fn response(subject: &Subject) -> String {
    let signer = Signer::new(
        SigningKey::from_pem(&read(IDP_KEY), None).expect("IdP key"),
        Some(Certificate::from_pem(&read(IDP_CERT), None).expect("IdP certificate")),
    );
    IdentityProvider::new(IDP, "https://idp.example/policy/sso", signer)
        .issue(
            &danger::unsigned_requests(SP, ACS),
            subject,
            None,
            parse_xs_datetime(NOW).expect("time"),
        )
        .expect("issues")
}

fn alice() -> Subject {
    Subject::new("alice@example.com")
        .with_format(PERSISTENT)
        .with_attribute("firstName", vec!["Alice".to_owned()])
        .with_attribute("Groups", vec!["Staff".to_owned(), "Cloud Users".to_owned()])
}

fn verify(xml: &str, idp: &str, key: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "verify",
        "-",
        "--okta-idp",
        idp,
        "--okta-key",
        key,
        "--audience",
        SP,
        "--destination",
        ACS,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_saml-verify"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The process may exit (usage error) before reading its input: a broken pipe is fine.
    let _ = child.stdin.take().expect("stdin").write_all(xml.as_bytes());
    child.wait_with_output().expect("wait")
}

#[track_caller]
fn json_of(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[track_caller]
fn text_of(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

/// The fixture's policy (AUTO everything, username = NameID) against an empty directory:
/// JIT creation, and a link for the persistent NameID.
#[test]
fn empty_directory_jit_creates_the_user() {
    let (idp, key) = okta_files("empty", |_| {});
    let xml = response(&alice());
    let v = json_of(&verify(&xml, &idp, &key, &["--policy", "--json"]));
    assert_eq!(v["valid"], true);
    let p = &v["policy"];
    assert_eq!(p["outcome"], "created", "{p}");
    assert_eq!(p["against"], "an empty directory");
    assert_eq!(p["username"], "alice@example.com");
    assert_eq!(p["denial"], Value::Null);
    assert_eq!(p["changes"]["create"]["login"], "alice@example.com");
    assert_eq!(p["changes"]["create"]["status"], "ACTIVE");
    assert_eq!(p["changes"]["create"]["profile"]["firstName"], "Alice");
    assert_eq!(
        p["changes"]["link"],
        json!({"idp_id": "0oa1org2idp5Zs9Xh0h8", "external_id": "alice@example.com"})
    );

    let text = text_of(&verify(&xml, &idp, &key, &["--policy"]));
    assert!(text.contains("valid: signed"), "{text}");
    assert!(
        text.contains("policy:    created (against an empty directory)"),
        "{text}"
    );
    assert!(
        text.contains("  create:   login `alice@example.com`, ACTIVE"),
        "{text}"
    );
    assert!(
        text.contains(
            "  link:     persistent NameID `alice@example.com` at IdP `0oa1org2idp5Zs9Xh0h8`"
        ),
        "{text}"
    );
}

/// A subject filter that does not match: denied, with the reason; the message itself is
/// valid, so the exit code stays 0.
#[test]
fn subject_filter_denial_is_shown() {
    let (idp, key) = okta_files("filter", |p| {
        p["subject"]["filter"] = json!(r"^.*@example\.com$");
    });
    let xml = response(&Subject::new("bob@evil.test"));
    let v = json_of(&verify(&xml, &idp, &key, &["--policy", "--json"]));
    assert_eq!(v["policy"]["outcome"], "denied");
    assert_eq!(
        v["policy"]["denial"],
        r"subject.filter `^.*@example\.com$` does not match transformed username `bob@evil.test`"
    );
    let text = text_of(&verify(&xml, &idp, &key, &["--policy"]));
    assert!(
        text.contains(r"policy:    denied (against an empty directory): subject.filter `^.*@example\.com$` does not match transformed username `bob@evil.test`"),
        "{text}"
    );
}

/// Against a directory file, with SYNC: the existing user is linked, Staff added, Cloud
/// Users (asserted, not in the filter) removed, the app group kept.
#[test]
fn directory_file_sync() {
    let (idp, key) = okta_files("directory", |p| {
        p["provisioning"]["groups"] =
            json!({"action": "SYNC", "sourceAttributeName": "Groups", "filter": ["00gstaff"]});
    });
    let directory = scratch(
        "directory",
        "directory.json",
        br#"{"groups": [{"id": "00gstaff", "name": "Staff", "type": "OKTA_GROUP"},
                        {"id": "00gcloud", "name": "Cloud Users", "type": "OKTA_GROUP"},
                        {"id": "00gapp", "name": "Domain Users", "type": "APP_GROUP"}],
             "users": [{"id": "00ualice", "login": "alice@example.com",
                        "profile": {"firstName": "Al"}, "groups": ["00gcloud", "00gapp"]}]}"#,
    );
    let xml = response(&alice());
    let v = json_of(&verify(
        &xml,
        &idp,
        &key,
        &["--policy", "--directory", &directory, "--json"],
    ));
    let p = &v["policy"];
    assert_eq!(p["outcome"], "linked", "{p}");
    assert_eq!(
        p["user"],
        json!({"id": "00ualice", "login": "alice@example.com"})
    );
    assert_eq!(p["found_by"], "match");
    assert_eq!(
        p["changes"]["groups"],
        json!([{"action": "add", "id": "00gstaff", "name": "Staff"},
               {"action": "remove", "id": "00gcloud", "name": "Cloud Users"}])
    );
    // profileMaster is true in the fixture.
    assert_eq!(
        p["changes"]["profile"],
        json!([{"attribute": "firstName", "old": "Al", "new": "Alice"}])
    );
    let text = text_of(&verify(
        &xml,
        &idp,
        &key,
        &["--policy", "--directory", &directory],
    ));
    assert!(text.contains("  group:    +Staff (00gstaff)"), "{text}");
    assert!(
        text.contains("  group:    -Cloud Users (00gcloud)"),
        "{text}"
    );
    assert!(
        text.contains("  profile:  firstName: Al -> Alice"),
        "{text}"
    );
}

/// Without --policy, the JSON has no `policy` member (the addition changes nothing else);
/// a rejected message gets none either.
#[test]
fn policy_member_only_with_policy_and_a_valid_message() {
    let (idp, key) = okta_files("absent", |_| {});
    let xml = response(&alice());
    let v = json_of(&verify(&xml, &idp, &key, &["--json"]));
    assert!(v.get("policy").is_none(), "{v}");

    let tampered = xml.replace("alice@example.com", "mallory@example.com");
    let out = verify(&tampered, &idp, &key, &["--policy", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["valid"], false);
    assert!(v.get("policy").is_none(), "{v}");
}

/// Bad policy or directory files are usage errors (exit 2) naming the file and the JSON
/// path; --policy needs --okta-idp.
#[test]
fn bad_files_are_usage_errors() {
    let (idp, key) = okta_files("bad", |p| {
        p["subject"]["userNameTemplate"]["template"] = json!("user.login");
    });
    let out = verify(&response(&alice()), &idp, &key, &["--policy"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`policy.subject.userNameTemplate.template` `user.login`: at character 1: `user.login` is not supported"),
        "{stderr}"
    );

    let (idp, key) = okta_files("bad-directory", |_| {});
    let directory = scratch("bad-directory", "d.json", br#"{"users": [{"id": "u"}]}"#);
    let out = verify(
        &response(&alice()),
        &idp,
        &key,
        &["--policy", "--directory", &directory],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing field `login`"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_saml-verify"))
        .args([
            "verify",
            "-",
            "--idp-cert",
            &repo(IDP_CERT).display().to_string(),
            "--issuer",
            IDP,
            "--audience",
            SP,
            "--destination",
            ACS,
            "--policy",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--okta-idp"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
