//! `saml-verify metadata FILE [--cert PEM] [--now T] [--entity ID] [--json]`: exit codes
//! (0 valid, 1 rejected, 2 unreadable), the `rejected [kind]: message` line, the listing and the
//! `--json` schema (version 1).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use saml_core::crypto::{Certificate, SigningKey};
use saml_core::dsig::Signer;
use saml_core::metadata::sign_metadata;

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const NOW: &str = "2026-12-06T00:00:00Z";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_saml-verify"))
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../saml-core/testdata")
        .join(name)
}

fn okta_cert_b64() -> String {
    let pem = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/certs/okta-dev-513394.pem"),
    )
    .unwrap();
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// A scratch directory for this test, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("saml-verify-metadata-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn federation(valid_until: &str, idp_valid_until: &str) -> String {
    let cert = okta_cert_b64();
    format!(
        r#"<md:EntitiesDescriptor xmlns:md="{MD}" ID="fed" Name="urn:example:fed" validUntil="{valid_until}" cacheDuration="PT6H"><md:EntityDescriptor entityID="https://idp.example.org" validUntil="{idp_valid_until}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.org/slo" ResponseLocation="https://idp.example.org/slo/done"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.org/sso"/></md:IDPSSODescriptor></md:EntityDescriptor><md:EntityDescriptor entityID="https://sp.example.org"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.org/acs" index="0" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor></md:EntitiesDescriptor>"#
    )
}

fn signed(xml: &str, key: &str) -> String {
    let signer = Signer::new(
        SigningKey::from_pem(
            &std::fs::read(testdata(&format!("{key}.pk8.pem"))).unwrap(),
            None,
        )
        .unwrap(),
        Some(
            Certificate::from_pem(
                &std::fs::read(testdata(&format!("{key}.cert.pem"))).unwrap(),
                None,
            )
            .unwrap(),
        ),
    );
    sign_metadata(xml, &signer).unwrap()
}

fn run(args: &[&str], file: &Path) -> Output {
    bin()
        .arg("metadata")
        .arg(file)
        .args(args)
        .output()
        .expect("run")
}

fn cert() -> String {
    testdata("rsa2048.cert.pem").display().to_string()
}

#[track_caller]
fn rejected(out: &Output, kind: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("saml-verify: rejected [{kind}]: ")),
        "{stderr}"
    );
    stderr
}

#[test]
fn signed_aggregate_is_listed() {
    let dir = Dir::new("listed");
    let file = dir.write(
        "fed.xml",
        &signed(
            &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            "rsa2048",
        ),
    );
    let out = run(&["--cert", &cert(), "--now", NOW], &file);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "signature: verified with --cert #1 (",
        "metadata: EntitiesDescriptor `urn:example:fed` with 2 entities",
        "  validUntil: 2027-01-01T00:00:00Z  cacheDuration: PT6H  reload after: 2026-12-06T06:00:00Z",
        "entity: https://idp.example.org",
        "  roles: IdP",
        "  IdP SLO HTTP-Redirect https://idp.example.org/slo (response: https://idp.example.org/slo/done)",
        "  IdP SSO HTTP-POST https://idp.example.org/sso",
        "  IdP key signing SHA-256 D4:0D:F0:1C:CE:DE:49:D2:07:CB:6D:8A:BD:15:77:0A:4B:6E:CA:14:A8:54:48:C2:95:9A:98:F8:5D:C3:1E:D4 subject `EMAIL=info@okta.com,CN=dev-513394,OU=SSOProvider,O=Okta,L=San Francisco,ST=California,C=US` expires 2028-09-07T14:33:59Z",
        "entity: https://sp.example.org",
        "  SP ACS HTTP-POST https://sp.example.org/acs index=0 default",
        "  SP key unspecified SHA-256 D4:0D:",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "no line `{line}` in:\n{stdout}"
        );
    }
}

#[test]
fn json_schema_version_1() {
    let dir = Dir::new("json");
    let file = dir.write(
        "fed.xml",
        &signed(
            &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            "rsa2048",
        ),
    );
    let out = run(
        &[
            "--cert",
            &cert(),
            "--now",
            NOW,
            "--json",
            "--entity",
            "https://idp.example.org",
        ],
        &file,
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["valid"], true);
    assert_eq!(v["error"], serde_json::Value::Null);
    assert_eq!(v["signature"]["cert"], 1);
    assert_eq!(
        v["signature"]["algorithm"],
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );
    assert_eq!(v["document"]["element"], "EntitiesDescriptor");
    assert_eq!(v["document"]["entity_count"], 2);
    assert_eq!(v["document"]["cache_duration"], "PT6H");
    let entities = v["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 1);
    let e = &entities[0];
    assert_eq!(e["entity_id"], "https://idp.example.org");
    assert_eq!(e["roles"], serde_json::json!(["IdP"]));
    assert_eq!(e["valid_until"], "2027-01-01T00:00:00Z");
    assert_eq!(e["expired"], false);
    assert_eq!(e["endpoints"][0]["service"], "SLO");
    assert_eq!(
        e["endpoints"][0]["response_location"],
        "https://idp.example.org/slo/done"
    );
    assert_eq!(e["endpoints"][1]["service"], "SSO");
    assert_eq!(e["keys"][0]["use"], "signing");
    assert_eq!(e["keys"][0]["not_after"], "2028-09-07T14:33:59Z");
}

#[test]
fn unsigned_metadata_lists_without_cert_and_is_refused_with_one() {
    let dir = Dir::new("unsigned");
    let file = dir.write(
        "fed.xml",
        &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    );
    let out = run(&["--now", NOW], &file);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("signature: not checked (no --cert given)\n")
    );
    let out = run(&["--now", NOW, "--cert", &cert()], &file);
    rejected(&out, "signature_missing");
}

#[test]
fn bad_signatures_are_rejected() {
    let dir = Dir::new("bad");
    let good = signed(
        &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        "rsa2048",
    );
    let tampered = dir.write(
        "tampered.xml",
        &good.replace("https://idp.example.org/sso", "https://evil.example/sso"),
    );
    rejected(
        &run(&["--now", NOW, "--cert", &cert()], &tampered),
        "digest_mismatch",
    );
    // Signed with another key, whose certificate is in KeyInfo.
    let forged = dir.write(
        "forged.xml",
        &signed(
            &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            "rsa3072",
        ),
    );
    let out = run(&["--now", NOW, "--cert", &cert(), "--json"], &forged);
    rejected(&out, "signature_mismatch");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["kind"], "signature_mismatch");
}

#[test]
fn expiry_is_rejected() {
    let dir = Dir::new("expired");
    let file = dir.write(
        "fed.xml",
        &signed(
            &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            "rsa2048",
        ),
    );
    let stderr = rejected(
        &run(&["--now", "2027-01-01T00:00:00Z", "--cert", &cert()], &file),
        "expired",
    );
    assert!(
        stderr.contains("expired at 2027-01-01T00:00:00Z (validUntil)"),
        "{stderr}"
    );
    // An expired entity in a valid aggregate: listed as EXPIRED, and the run is rejected.
    let file = dir.write(
        "stale.xml",
        &federation("2027-01-01T00:00:00Z", "2026-12-01T00:00:00Z"),
    );
    let out = run(&["--now", NOW], &file);
    let stderr = rejected(&out, "expired");
    assert!(
        stderr.contains("`https://idp.example.org` expired"),
        "{stderr}"
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("  roles: IdP  EXPIRED\n")
    );
    // The other entity alone is fine.
    let out = run(&["--now", NOW, "--entity", "https://sp.example.org"], &file);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unknown_entity_is_rejected() {
    let dir = Dir::new("unknown");
    let file = dir.write(
        "fed.xml",
        &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    );
    let stderr = rejected(
        &run(&["--now", NOW, "--entity", "https://nobody.example"], &file),
        "unknown_entity",
    );
    assert_eq!(
        stderr.trim_end(),
        "saml-verify: rejected [unknown_entity]: no entity with entityID `https://nobody.example` among the 2 in the metadata"
    );
}

#[test]
fn unreadable_input_exits_2() {
    let dir = Dir::new("unreadable");
    for (file, message) in [
        (dir.0.join("missing.xml"), "cannot read"),
        (dir.0.clone(), "cannot read"),
        (dir.write("text.xml", "not xml"), "is not readable metadata"),
        (
            dir.write(
                "response.xml",
                "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>",
            ),
            "is not readable metadata",
        ),
    ] {
        let out = run(&["--now", NOW], &file);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", file.display());
        assert!(stderr.contains(message), "{stderr}");
    }
    // A refused structure is a rejection, not unreadable.
    let dup = federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
        .replace("https://sp.example.org\"", "https://idp.example.org\"");
    rejected(
        &run(&["--now", NOW], &dir.write("dup.xml", &dup)),
        "duplicate_id",
    );
    // --now without a zone is a usage error.
    let out = run(
        &["--now", "2026-12-06T00:00:00"],
        &dir.write(
            "ok.xml",
            &federation("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ),
    );
    assert_eq!(out.status.code(), Some(2));
}
