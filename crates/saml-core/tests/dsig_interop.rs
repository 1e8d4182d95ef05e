//! Interoperability of our XML Signature code with `xmlsec1` (libxmlsec1, the reference
//! implementation most IdPs and SPs are tested against), in both directions:
//!
//! - xmlsec1 signs the templates in `tests/vectors/interop/templates` and our [`Verifier`],
//!   holding only the matching certificate, must accept every signature, and must reject the
//!   same file with one byte of signed text changed (`DigestMismatch`);
//! - our [`Signer`] signs `tests/vectors/interop/response-unsigned.xml` and
//!   `xmlsec1 --verify`, pinned to the matching certificate, must accept every signature, and
//!   must reject the output with one byte of signed text changed;
//! - a real Keycloak response, stripped of its signature and re-signed by us, verifies in
//!   xmlsec1.
//!
//! The matrix: RSA-2048/3072/4096 with rsa-sha256/384/512 (digest sha256/384/512), ECDSA P-256
//! with ecdsa-sha256, plus ECDSA P-384 with ecdsa-sha384 and P-256 with ecdsa-sha512; Ed25519
//! only when the installed xmlsec1 knows EdDSA (1.2.x does not). Each signing run covers the
//! Assertion, the Response, and both; the templates come with the signature in the `ds:`
//! prefix, in the default namespace, and with `xmlns:ds` declared on the Response; every
//! document is tried pretty-printed and minified.
//!
//! xmlsec1 runs in a fresh directory under [`std::env::temp_dir`], removed afterwards (set
//! `SAML_INTEROP_KEEP=1` to keep it). Without xmlsec1 on `PATH` the tests print `SKIPPED` and
//! pass, except under `CI`, where they fail. Every failing case of a matrix is reported, with
//! xmlsec1's canonical bytes beside ours when they are the cause.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::crypto::{
    AlgorithmPolicy, Certificate, DigestAlgorithm, SignatureAlgorithm, SigningKey, TrustAnchor,
};
use saml_core::dsig::{DSIG_NS, DsigError, Signer, Verifier, reference_digest, signature_parts};
use saml_core::xml::{Document, IdLookup, NodeId, c14n};

mod common;
use common::{Scratch, xmlsec1};

const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The `ID` of the Response in `response-unsigned.xml` and the templates.
const RESPONSE_ID: &str = "_resp-6c1b7f0e2d9a4e83b5a1c0d7e9f24a11";
/// The `ID` of the Assertion in `response-unsigned.xml` and the templates.
const ASSERTION_ID: &str = "_assert-3f9d2c8b7a6e4d51b0c9e8f7a6b5c4d3";
/// The NameID text, inside every element that gets signed: the tamper checks change its first
/// byte.
const NAME_ID: &str = ">alice@example.com</saml:NameID>";
const NAME_ID_TAMPERED: &str = ">blice@example.com</saml:NameID>";
/// The algorithm attributes in the stored templates, replaced for the other suites.
const TEMPLATE_SIGNATURE_METHOD: &str =
    "Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"";
const TEMPLATE_DIGEST_METHOD: &str = "Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"";
/// Tells xmlsec1 which attributes are IDs (it reads no schema).
const ID_ATTRS: [&str; 4] = [
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:protocol:Response",
];
/// Every XML Signature element in document order; `[N]` selects the N-th (from 1).
const ANY_SIGNATURE: &str =
    "(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])";
const KEYCLOAK: &str = "tests/vectors/saml/valid/keycloak-2025-response-assertion-signed.xml";
const KEYCLOAK_ASSERTION_ID: &str = "ID_6c90c9b0-105e-4917-b927-5a4d4e7a9f6d";

// ---------------------------------------------------------------------------------------------
// Paths, keys and the matrix
// ---------------------------------------------------------------------------------------------

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/vectors/interop` in the workspace.
fn interop() -> PathBuf {
    workspace().join("tests/vectors/interop")
}

/// Reads a UTF-8 file, panicking with its path on failure.
#[track_caller]
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes a file, panicking with its path on failure.
#[track_caller]
fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// One key with one signature algorithm and one Reference digest algorithm.
#[derive(Clone, Copy, Debug)]
struct Suite {
    /// Path of the key pair relative to the workspace, without `.pk8.pem` / `.cert.pem`.
    key: &'static str,
    algorithm: SignatureAlgorithm,
    digest: DigestAlgorithm,
}

impl Suite {
    /// The PKCS#8 private key.
    fn key_path(&self) -> PathBuf {
        workspace().join(format!("{}.pk8.pem", self.key))
    }

    /// The self-signed certificate of the key.
    fn cert_path(&self) -> PathBuf {
        workspace().join(format!("{}.cert.pem", self.key))
    }

    /// A short name for messages, e.g. `rsa2048/rsa-sha384/sha384`.
    fn name(&self) -> String {
        let fragment = |uri: &'static str| uri.rsplit('#').next().unwrap_or(uri);
        let key = self.key.rsplit('/').next().unwrap_or(self.key);
        format!(
            "{key}/{}/{}",
            fragment(self.algorithm.uri()),
            fragment(self.digest.uri())
        )
    }

    /// A certificate of another key, of the same type where we have one: the controls
    /// verify with it and must fail.
    fn other_cert_path(&self) -> PathBuf {
        let other = match self.key.rsplit('/').next() {
            Some("rsa2048") => "rsa3072",
            Some("p256") => "p384",
            Some("p384") => "p256",
            _ => "rsa2048",
        };
        workspace().join(format!("{TESTDATA}/{other}.cert.pem"))
    }

    /// A verifier that trusts only this suite's certificate.
    #[track_caller]
    fn verifier(&self) -> Verifier {
        verifier_for(&self.cert_path())
    }

    /// A signer with this suite's key, certificate and algorithms.
    #[track_caller]
    fn signer(&self) -> Signer {
        let path = self.key_path();
        let key = SigningKey::from_pem(read(&path).as_bytes(), Some(&path.to_string_lossy()))
            .unwrap_or_else(|e| panic!("{}: {e}", self.name()));
        let path = self.cert_path();
        let cert = Certificate::from_pem(read(&path).as_bytes(), Some(&path.to_string_lossy()))
            .unwrap_or_else(|e| panic!("{}: {e}", self.name()));
        Signer::new(key, Some(cert))
            .with_algorithm(self.algorithm)
            .expect("the key signs this algorithm")
            .with_digest(self.digest)
    }
}

/// A verifier that trusts only the certificate in `cert` under the default (strict) policy.
#[track_caller]
fn verifier_for(cert: &Path) -> Verifier {
    let anchor = TrustAnchor::from_any(read(cert).as_bytes(), Some(&cert.to_string_lossy()))
        .unwrap_or_else(|e| panic!("{}: {e}", cert.display()));
    Verifier::new(vec![anchor], AlgorithmPolicy::default())
}

const TESTDATA: &str = "crates/saml-core/testdata";

/// RSA with PKCS#1 v1.5 and SHA-256/384/512, the Reference digested with the same hash.
const fn rsa(key: &'static str) -> [Suite; 3] {
    use DigestAlgorithm as D;
    use SignatureAlgorithm as S;
    [
        Suite {
            key,
            algorithm: S::RsaSha256,
            digest: D::Sha256,
        },
        Suite {
            key,
            algorithm: S::RsaSha384,
            digest: D::Sha384,
        },
        Suite {
            key,
            algorithm: S::RsaSha512,
            digest: D::Sha512,
        },
    ]
}

const RSA2048: [Suite; 3] = rsa("crates/saml-core/testdata/rsa2048");
const RSA3072: [Suite; 3] = rsa("crates/saml-core/testdata/rsa3072");
/// `testdata` has no RSA-4096 certificate, so this key pair lives in `interop/keys`.
const RSA4096: [Suite; 3] = rsa("tests/vectors/interop/keys/rsa4096");
/// P-256 with ecdsa-sha256 (the brief), plus P-384/ecdsa-sha384 and P-256/ecdsa-sha512 (the
/// latter is signed by RustCrypto rather than the crypto backend, so it is a separate code
/// path).
const ECDSA: [Suite; 3] = [
    Suite {
        key: "crates/saml-core/testdata/p256",
        algorithm: SignatureAlgorithm::EcdsaSha256,
        digest: DigestAlgorithm::Sha256,
    },
    Suite {
        key: "crates/saml-core/testdata/p384",
        algorithm: SignatureAlgorithm::EcdsaSha384,
        digest: DigestAlgorithm::Sha384,
    },
    Suite {
        key: "crates/saml-core/testdata/p256",
        algorithm: SignatureAlgorithm::EcdsaSha512,
        digest: DigestAlgorithm::Sha512,
    },
];
/// Ed25519; xmlsec1 1.2.x has no EdDSA, so this runs only with a newer xmlsec1.
const ED25519: [Suite; 1] = [Suite {
    key: "crates/saml-core/testdata/ed25519",
    algorithm: SignatureAlgorithm::Ed25519,
    digest: DigestAlgorithm::Sha256,
}];

/// Which elements of the Response carry a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signed {
    Assertion,
    Response,
    /// The Assertion, then the Response over it.
    Both,
}

impl Signed {
    const ALL: [Signed; 3] = [Signed::Assertion, Signed::Response, Signed::Both];

    /// The start of the template file name.
    fn stem(self) -> &'static str {
        match self {
            Signed::Assertion => "assertion-signed",
            Signed::Response => "response-signed",
            Signed::Both => "both-signed",
        }
    }

    /// The IDs of the signed elements, in signing order (inner first).
    fn ids(self) -> &'static [&'static str] {
        match self {
            Signed::Assertion => &[ASSERTION_ID],
            Signed::Response => &[RESPONSE_ID],
            Signed::Both => &[ASSERTION_ID, RESPONSE_ID],
        }
    }
}

/// How the Signature template spells the XML Signature namespace.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// `<ds:Signature xmlns:ds="...">`.
    Ds,
    /// `<Signature xmlns="...">`.
    DefaultNs,
    /// `<ds:Signature>` with `xmlns:ds` declared on the Response.
    DsOnRoot,
}

impl Form {
    const ALL: [Form; 3] = [Form::Ds, Form::DefaultNs, Form::DsOnRoot];

    /// The form's part of the template file name.
    fn suffix(self) -> &'static str {
        match self {
            Form::Ds => "ds",
            Form::DefaultNs => "default-ns",
            Form::DsOnRoot => "ds-on-root",
        }
    }
}

/// Whether a document is used as stored (indented) or with the whitespace between tags removed.
#[derive(Clone, Copy, Debug)]
enum Layout {
    Pretty,
    Minified,
}

impl Layout {
    const ALL: [Layout; 2] = [Layout::Pretty, Layout::Minified];

    /// The document in this layout.
    fn apply(self, xml: &str) -> String {
        match self {
            Layout::Pretty => xml.to_owned(),
            Layout::Minified => minify(xml),
        }
    }

    /// A short name for messages and file names.
    fn name(self) -> &'static str {
        match self {
            Layout::Pretty => "pretty",
            Layout::Minified => "minified",
        }
    }
}

/// Removes whitespace-only text between a `>` and the next `<`. Correct for our vectors, which
/// have no `>` in attribute values and no whitespace-only mixed content that matters.
fn minify(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml.trim();
    while let Some(gt) = rest.find('>') {
        out.push_str(&rest[..=gt]);
        rest = &rest[gt + 1..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        if trimmed.starts_with('<') {
            rest = trimmed;
        }
    }
    out.push_str(rest);
    out
}

/// The stored template for `signed`/`form`, with the algorithm URIs of `suite`.
#[track_caller]
fn template(signed: Signed, form: Form, suite: &Suite) -> String {
    let path = interop()
        .join("templates")
        .join(format!("{}.{}.xml", signed.stem(), form.suffix()));
    let text = read(&path);
    let count = signed.ids().len();
    for needle in [TEMPLATE_SIGNATURE_METHOD, TEMPLATE_DIGEST_METHOD] {
        assert_eq!(
            text.matches(needle).count(),
            count,
            "{}: expected {needle} once per Signature",
            path.display()
        );
    }
    text.replace(
        TEMPLATE_SIGNATURE_METHOD,
        &format!("Algorithm=\"{}\"", suite.algorithm.uri()),
    )
    .replace(
        TEMPLATE_DIGEST_METHOD,
        &format!("Algorithm=\"{}\"", suite.digest.uri()),
    )
}

/// Changes the first byte of the NameID text, which every signed element covers.
#[track_caller]
fn tamper(xml: &str) -> String {
    assert_eq!(xml.matches(NAME_ID).count(), 1, "NameID not found once");
    xml.replacen(NAME_ID, NAME_ID_TAMPERED, 1)
}

// ---------------------------------------------------------------------------------------------
// xmlsec1
// ---------------------------------------------------------------------------------------------

/// What one xmlsec1 run did.
struct Run {
    /// Exit status 0.
    success: bool,
    /// Standard output followed by standard error.
    output: String,
}

impl Run {
    /// Whether xmlsec1 verified: exit status 0 and an `OK` line.
    fn verified(&self) -> bool {
        self.success && self.output.lines().any(|l| l.trim() == "OK")
    }

    /// Whether xmlsec1 rejected: a non-zero exit status and no `OK` line.
    fn rejected(&self) -> bool {
        !self.success && !self.output.lines().any(|l| l.trim() == "OK")
    }

    /// Whether xmlsec1 rejected because the Reference digest does not match: a non-zero exit
    /// status, a `FAIL` line and no Reference verified (its analogue of `DigestMismatch`).
    fn digest_rejected(&self) -> bool {
        self.rejected()
            && self.output.lines().any(|l| l.trim() == "FAIL")
            && self
                .output
                .lines()
                .any(|l| l.trim() == "SignedInfo References (ok/all): 0/1")
    }
}

/// Runs an xmlsec1 command and captures both output streams.
#[track_caller]
fn run(cmd: &mut Command) -> Run {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    Run {
        success: out.status.success(),
        output,
    }
}

/// `xmlsec1 --sign`: signs the Signature template that is a child of the element with `ID`
/// `id` in `input`, with the suite's key (its certificate goes into the empty `X509Data`).
fn xmlsec_sign(xmlsec: &Path, suite: &Suite, input: &Path, id: &str, output: &Path) -> Run {
    let mut key = suite.key_path().into_os_string();
    key.push(",");
    key.push(suite.cert_path());
    let xpath =
        format!("//*[@ID='{id}']/*[local-name()='Signature' and namespace-uri()='{DSIG_NS}']");
    run(Command::new(xmlsec)
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(key)
        .args(ID_ATTRS)
        .args(["--node-xpath", &xpath])
        .arg("--output")
        .arg(output)
        .arg(input))
}

/// `xmlsec1 --verify` of the `n`-th Signature (from 1, document order) in `file`, trusting only
/// the certificate `cert` (`--enabled-key-data key-name` makes it ignore keys in `KeyInfo`).
/// With `store`, xmlsec1 also prints the canonical Reference and SignedInfo bytes.
fn xmlsec_verify(xmlsec: &Path, cert: &Path, file: &Path, n: usize, store: bool) -> Run {
    let mut cmd = Command::new(xmlsec);
    cmd.arg("--verify");
    if store {
        cmd.args(["--store-references", "--store-signatures"]);
    }
    run(cmd
        .args(["--enabled-key-data", "key-name", "--pubkey-cert-pem"])
        .arg(cert)
        .args(ID_ATTRS)
        .args(["--node-xpath", &format!("{ANY_SIGNATURE}[{n}]")])
        .arg(file))
}

/// The buffer xmlsec1 `--store-references` / `--store-signatures` printed between
/// `== {what} data - start buffer:` and `== {what} data - end buffer`.
fn stored_buffer<'o>(output: &'o str, what: &str) -> Option<&'o str> {
    let start = format!("== {what} data - start buffer:\n");
    let end = format!("\n== {what} data - end buffer");
    let from = output.find(&start)? + start.len();
    let len = output[from..].find(&end)?;
    Some(&output[from..from + len])
}

/// Describes where two canonical forms first differ, with some context on each side.
fn compare(label: &str, xmlsec: Option<&str>, ours: Result<Vec<u8>, String>) -> String {
    let (Some(theirs), Ok(ours)) = (xmlsec, &ours) else {
        return format!(
            "  {label}: xmlsec1 printed {}; ours: {}\n",
            xmlsec.map_or("nothing".to_owned(), |s| format!("{} bytes", s.len())),
            ours.as_ref()
                .map_or_else(|e| e.clone(), |v| format!("{} bytes", v.len()))
        );
    };
    let theirs = theirs.as_bytes();
    if theirs == ours.as_slice() {
        return format!("  {label}: identical ({} bytes)\n", ours.len());
    }
    let at = theirs
        .iter()
        .zip(ours.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(theirs.len().min(ours.len()));
    let around = |bytes: &[u8]| {
        let from = at.saturating_sub(120);
        let to = (at + 120).min(bytes.len());
        format!(
            "{:?}",
            String::from_utf8_lossy(&bytes[from..to]).into_owned()
        )
    };
    format!(
        "  {label}: DIFFER at byte {at} (xmlsec1 {} bytes, ours {} bytes)\n    xmlsec1: …{}…\n    ours:    …{}…\n",
        theirs.len(),
        ours.len(),
        around(theirs),
        around(ours)
    )
}

/// What our code computes for the `n`-th Signature of a document, for diagnostics.
struct Ours {
    /// The referenced element's canonical form, with the Signature excluded.
    reference: Result<Vec<u8>, String>,
    /// SignedInfo's canonical form.
    signed_info: Result<Vec<u8>, String>,
    /// The document's DigestValue beside the digest of our canonical form.
    digests: String,
}

/// Our canonical forms and digest for the `n`-th Signature (from 1) in `text`, computed as the
/// verifier computes them.
fn ours(text: &str, n: usize) -> Ours {
    let fail = |e: String| Ours {
        reference: Err(e.clone()),
        signed_info: Err(e),
        digests: String::new(),
    };
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => return fail(format!("does not parse: {e}")),
    };
    let Some(sig) = signatures(&doc).into_iter().nth(n - 1) else {
        return fail(format!("no Signature #{n}"));
    };
    let parts = match signature_parts(&doc, sig) {
        Ok(p) => p,
        Err(e) => return fail(format!("signature_parts: {e}")),
    };
    let reference = match doc.parent(sig) {
        Some(parent) => c14n::to_vec(&doc, Some(parent), Some(sig), &parts.reference_c14n)
            .map_err(|e| e.to_string()),
        None => Err("no parent".to_owned()),
    };
    let signed_info =
        c14n::to_vec(&doc, Some(parts.signed_info), None, &parts.c14n).map_err(|e| e.to_string());
    let computed = reference_digest(&doc, &parts, &AlgorithmPolicy::default())
        .map_or_else(|e| e.to_string(), |d| STANDARD.encode(d));
    let digests = format!(
        "  DigestValue in the document: {}; ours over the canonical form: {computed}\n",
        doc.text_unverified(parts.digest_value).trim()
    );
    Ours {
        reference,
        signed_info,
        digests,
    }
}

/// Explains a disagreement about the `n`-th Signature of `file`: xmlsec1's verdict and its
/// canonical Reference and SignedInfo bytes (`--store-references --store-signatures`) compared
/// with ours, and the document's DigestValue beside the digest we compute.
fn diagnose(xmlsec: &Path, cert: &Path, file: &Path, n: usize) -> String {
    let stored = xmlsec_verify(xmlsec, cert, file, n, true);
    let verdict: Vec<&str> = stored
        .output
        .lines()
        .filter(|l| l.starts_with("func=") || matches!(l.trim(), "OK" | "FAIL" | "ERROR"))
        .collect();
    let ours = ours(&read(file), n);
    format!(
        "  xmlsec1 --store-references --store-signatures says: {}\n{}{}{}",
        verdict.join(" | "),
        compare(
            "Reference c14n (PreDigest)",
            stored_buffer(&stored.output, "PreDigest"),
            ours.reference
        ),
        compare(
            "SignedInfo c14n (PreSigned)",
            stored_buffer(&stored.output, "PreSigned"),
            ours.signed_info
        ),
        ours.digests,
    )
}

// ---------------------------------------------------------------------------------------------
// Scratch space and reporting
// ---------------------------------------------------------------------------------------------

/// Collects the outcome of every case of a matrix, so that one run reports all failing cases.
struct Report {
    title: &'static str,
    started: Instant,
    cases: usize,
    failures: Vec<String>,
}

impl Report {
    /// An empty report.
    fn new(title: &'static str) -> Self {
        Report {
            title,
            started: Instant::now(),
            cases: 0,
            failures: Vec::new(),
        }
    }

    /// Records one case.
    fn check(&mut self, case: &str, outcome: Result<(), String>) {
        self.cases += 1;
        if let Err(why) = outcome {
            self.failures.push(format!("- {case}:\n{why}"));
        }
    }

    /// Fails with every failing case, or prints the count and the time taken.
    #[track_caller]
    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} cases failed:\n{}",
            self.title,
            self.failures.len(),
            self.cases,
            self.failures.join("\n")
        );
        eprintln!(
            "{}: {} cases passed in {:.1?}",
            self.title,
            self.cases,
            self.started.elapsed()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Checks with our verifier
// ---------------------------------------------------------------------------------------------

/// Every `ds:Signature` element of the document, in document order.
fn signatures(doc: &Document<'_>) -> Vec<NodeId> {
    doc.descendants(doc.root_element())
        .filter(|&n| doc.is(n, DSIG_NS, "Signature"))
        .collect()
}

/// The element carrying `ID="id"`, which must be the SAML Response or Assertion.
fn element_by_id(doc: &Document<'_>, id: &str) -> Result<NodeId, String> {
    match doc.element_by_id(id) {
        IdLookup::Unique(n)
            if doc.is(n, PROTOCOL_NS, "Response") || doc.is(n, ASSERTION_NS, "Assertion") =>
        {
            Ok(n)
        }
        other => Err(format!("ID {id}: {other:?}")),
    }
}

/// Checks with our verifier that `text` has exactly the signatures `ids` name, each verifying
/// with `verifier` with the suite's algorithms.
fn we_accept(text: &str, ids: &[&str], verifier: &Verifier, suite: &Suite) -> Result<(), String> {
    let doc = Document::parse(text).map_err(|e| format!("we cannot parse it: {e}"))?;
    let count = signatures(&doc).len();
    if count != ids.len() {
        return Err(format!("{count} signatures, expected {}", ids.len()));
    }
    for id in ids {
        let element = element_by_id(&doc, id)?;
        let verified = verifier
            .verify_element(&doc, element)
            .map_err(|e| format!("we reject the signature of {id}: {e}"))?;
        if verified.element() != element
            || verified.algorithm() != suite.algorithm
            || verified.digest_algorithm() != suite.digest
        {
            return Err(format!(
                "verified {:?} with {:?}/{:?}, expected {element:?} with {:?}/{:?}",
                verified.element(),
                verified.algorithm(),
                verified.digest_algorithm(),
                suite.algorithm,
                suite.digest
            ));
        }
    }
    Ok(())
}

/// Checks with our verifier that every signature `ids` names fails with `DigestMismatch` (for
/// a document whose signed text was changed).
fn we_reject_digest(text: &str, ids: &[&str], verifier: &Verifier) -> Result<(), String> {
    let doc = Document::parse(text).map_err(|e| format!("tampered: cannot parse: {e}"))?;
    for id in ids {
        let element = element_by_id(&doc, id)?;
        match verifier.verify_element(&doc, element) {
            Err(DsigError::DigestMismatch { .. }) => {}
            Ok(_) => return Err(format!("tampered: we ACCEPT the signature of {id}")),
            Err(e) => return Err(format!("tampered {id}: not DigestMismatch but {e}")),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. xmlsec1 signs, we verify
// ---------------------------------------------------------------------------------------------

/// Signs every template (3 signed-element sets × 3 namespace forms × 2 layouts) with xmlsec1
/// for each suite, then requires our verifier to accept each signature with only the matching
/// certificate, to reject it with another certificate, and to report `DigestMismatch` once one
/// byte of signed text has changed.
#[track_caller]
fn xmlsec1_signs_we_verify(title: &'static str, suites: &[Suite]) {
    let Some(xmlsec) = xmlsec1() else { return };
    let scratch = Scratch::new("xmlsec-signs");
    let mut report = Report::new(title);
    for (s, suite) in suites.iter().enumerate() {
        let verifier = suite.verifier();
        let wrong = verifier_for(&suite.other_cert_path());
        for signed in Signed::ALL {
            for form in Form::ALL {
                for layout in Layout::ALL {
                    let case = format!(
                        "{} {}.{} {}",
                        suite.name(),
                        signed.stem(),
                        form.suffix(),
                        layout.name()
                    );
                    let stem = format!("{s}-{}-{}-{}", signed.stem(), form.suffix(), layout.name());
                    let outcome = (|| {
                        let mut input = scratch.file(&format!("{stem}.template.xml"));
                        write(&input, &layout.apply(&template(signed, form, suite)));
                        for (i, id) in signed.ids().iter().enumerate() {
                            let output = scratch.file(&format!("{stem}.signed{i}.xml"));
                            let r = xmlsec_sign(&xmlsec, suite, &input, id, &output);
                            if !r.success {
                                return Err(format!("xmlsec1 --sign {id} failed:\n{}", r.output));
                            }
                            input = output;
                        }
                        let text = read(&input);
                        if let Err(e) = we_accept(&text, signed.ids(), &verifier, suite) {
                            let doc = Document::parse(&text).ok();
                            let n = doc.as_ref().map_or(0, |d| signatures(d).len());
                            let details: String = (1..=n)
                                .map(|n| {
                                    format!(
                                        " signature #{n}:\n{}",
                                        diagnose(&xmlsec, &suite.cert_path(), &input, n)
                                    )
                                })
                                .collect();
                            return Err(format!("{e}\n{details}"));
                        }
                        for id in signed.ids() {
                            let doc = Document::parse(&text).map_err(|e| e.to_string())?;
                            let element = element_by_id(&doc, id)?;
                            if wrong.verify_element(&doc, element).is_ok() {
                                return Err(format!(
                                    "control: {id} verifies with {}",
                                    suite.other_cert_path().display()
                                ));
                            }
                        }
                        we_reject_digest(&tamper(&text), signed.ids(), &verifier)
                    })();
                    report.check(&case, outcome);
                }
            }
        }
    }
    report.finish();
}

#[test]
fn xmlsec1_signed_rsa2048_verifies_with_us_and_tampering_is_detected() {
    xmlsec1_signs_we_verify("xmlsec1 signs RSA-2048, we verify", &RSA2048);
}

#[test]
fn xmlsec1_signed_rsa3072_verifies_with_us_and_tampering_is_detected() {
    xmlsec1_signs_we_verify("xmlsec1 signs RSA-3072, we verify", &RSA3072);
}

#[test]
fn xmlsec1_signed_rsa4096_verifies_with_us_and_tampering_is_detected() {
    xmlsec1_signs_we_verify("xmlsec1 signs RSA-4096, we verify", &RSA4096);
}

#[test]
fn xmlsec1_signed_ecdsa_verifies_with_us_and_tampering_is_detected() {
    xmlsec1_signs_we_verify("xmlsec1 signs ECDSA, we verify", &ECDSA);
}

/// Whether xmlsec1 lists an EdDSA transform (`--list-transforms`); 1.2.x does not, so the
/// Ed25519 tests print `SKIPPED` there.
fn xmlsec1_has_eddsa(xmlsec: &Path) -> bool {
    let listed = run(Command::new(xmlsec).arg("--list-transforms"))
        .output
        .to_ascii_lowercase();
    let has = listed.contains("ed25519");
    if !has {
        eprintln!("SKIPPED: this xmlsec1 has no EdDSA/Ed25519 transform (xmlsec1 1.2.x has none)");
    }
    has
}

#[test]
fn xmlsec1_signed_ed25519_verifies_with_us_if_xmlsec1_supports_eddsa() {
    // xmlsec1 1.2.37 (Debian bookworm) has no EdDSA: this is skipped there.
    let Some(xmlsec) = xmlsec1() else { return };
    if xmlsec1_has_eddsa(&xmlsec) {
        xmlsec1_signs_we_verify("xmlsec1 signs Ed25519, we verify", &ED25519);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. We sign, xmlsec1 verifies
// ---------------------------------------------------------------------------------------------

/// Runs xmlsec1 on every signature of `file` and returns an error unless each one verifies
/// with `cert` (with xmlsec1's and our canonical bytes in the error).
fn xmlsec1_accepts(xmlsec: &Path, cert: &Path, file: &Path, count: usize) -> Result<(), String> {
    for n in 1..=count {
        let r = xmlsec_verify(xmlsec, cert, file, n, false);
        if !r.verified() {
            return Err(format!(
                "xmlsec1 rejects signature #{n}:\n{}\n{}",
                r.output.trim_end(),
                diagnose(xmlsec, cert, file, n)
            ));
        }
    }
    Ok(())
}

/// Runs xmlsec1 on every signature of `file` and returns an error unless each one is rejected
/// for a Reference digest mismatch.
fn xmlsec1_rejects_digest(
    xmlsec: &Path,
    cert: &Path,
    file: &Path,
    count: usize,
) -> Result<(), String> {
    for n in 1..=count {
        let r = xmlsec_verify(xmlsec, cert, file, n, false);
        if !r.digest_rejected() {
            return Err(format!(
                "xmlsec1 does not reject the digest of signature #{n} of {}:\n{}",
                file.display(),
                r.output.trim_end()
            ));
        }
    }
    Ok(())
}

/// Signs `response-unsigned.xml` (pretty and minified) with our [`Signer`] for each suite:
/// the Assertion, the Response, and both (Assertion first). Requires xmlsec1, trusting only
/// the suite's certificate, to accept every signature and to reject every one after a one-byte
/// change in the signed text; and, once per suite, to reject with another certificate (which
/// shows it does not take the key from `KeyInfo`).
#[track_caller]
fn we_sign_xmlsec1_verifies(title: &'static str, suites: &[Suite]) {
    let Some(xmlsec) = xmlsec1() else { return };
    let scratch = Scratch::new("we-sign");
    let mut report = Report::new(title);
    let unsigned = read(&interop().join("response-unsigned.xml"));
    for (s, suite) in suites.iter().enumerate() {
        let signer = suite.signer();
        let cert = suite.cert_path();
        let other_cert = suite.other_cert_path();
        for signed in Signed::ALL {
            for layout in Layout::ALL {
                let case = format!("{} {} {}", suite.name(), signed.stem(), layout.name());
                let stem = format!("{s}-{}-{}", signed.stem(), layout.name());
                let outcome = (|| {
                    let mut text = layout.apply(&unsigned);
                    for id in signed.ids() {
                        text = signer
                            .sign_element(&text, id)
                            .map_err(|e| format!("our Signer fails on {id}: {e}"))?;
                    }
                    let count = signed.ids().len();
                    let file = scratch.file(&format!("{stem}.xml"));
                    write(&file, &text);
                    xmlsec1_accepts(&xmlsec, &cert, &file, count)?;
                    // Our own verifier must agree (checked after xmlsec1, which is the point).
                    we_accept(&text, signed.ids(), &suite.verifier(), suite)?;
                    if signed == Signed::Assertion && matches!(layout, Layout::Pretty) {
                        let r = xmlsec_verify(&xmlsec, &other_cert, &file, 1, false);
                        if !r.rejected() {
                            return Err(format!(
                                "control: xmlsec1 does not reject with {}:\n{}",
                                other_cert.display(),
                                r.output
                            ));
                        }
                    }
                    let tampered = scratch.file(&format!("{stem}.tampered.xml"));
                    write(&tampered, &tamper(&text));
                    xmlsec1_rejects_digest(&xmlsec, &cert, &tampered, count)
                })();
                report.check(&case, outcome);
            }
        }
    }
    report.finish();
}

#[test]
fn we_sign_rsa2048_and_xmlsec1_verifies_and_detects_tampering() {
    we_sign_xmlsec1_verifies("we sign RSA-2048, xmlsec1 verifies", &RSA2048);
}

#[test]
fn we_sign_rsa3072_and_xmlsec1_verifies_and_detects_tampering() {
    we_sign_xmlsec1_verifies("we sign RSA-3072, xmlsec1 verifies", &RSA3072);
}

#[test]
fn we_sign_rsa4096_and_xmlsec1_verifies_and_detects_tampering() {
    we_sign_xmlsec1_verifies("we sign RSA-4096, xmlsec1 verifies", &RSA4096);
}

#[test]
fn we_sign_ecdsa_and_xmlsec1_verifies_and_detects_tampering() {
    we_sign_xmlsec1_verifies("we sign ECDSA, xmlsec1 verifies", &ECDSA);
}

#[test]
fn we_sign_ed25519_and_xmlsec1_verifies_if_xmlsec1_supports_eddsa() {
    // xmlsec1 1.2.37 (Debian bookworm) has no EdDSA: this is skipped there.
    let Some(xmlsec) = xmlsec1() else { return };
    if xmlsec1_has_eddsa(&xmlsec) {
        we_sign_xmlsec1_verifies("we sign Ed25519, xmlsec1 verifies", &ED25519);
    }
}

/// Our IdP issues Responses with the Assertion and the Response signed (both signatures made
/// from one parse of the Response, the second digest taken with the first Signature spliced
/// into the canonical form), for every RSA-2048 and ECDSA suite, with a subject whose values
/// need escaping; xmlsec1 must accept both signatures and reject both after a one-byte change
/// in the NameID, which both cover.
#[test]
fn our_idp_issues_both_signed_and_xmlsec1_verifies() {
    use saml_core::saml::idp::{IdentityProvider, SignTarget, Subject, danger};
    let Some(xmlsec) = xmlsec1() else { return };
    let scratch = Scratch::new("idp-issue");
    let mut report = Report::new("our IdP signs both, xmlsec1 verifies");
    let now = saml_core::time::parse_xs_datetime("2026-12-06T10:00:00Z").expect("now");
    let peer = danger::unsigned_requests(
        "https://sp.example.com/saml/metadata",
        "https://sp.example.com/saml/acs",
    );
    for (s, suite) in RSA2048.iter().chain(&ECDSA).enumerate() {
        let idp = IdentityProvider::new(
            "https://idp.example.com/saml",
            "https://idp.example.com/sso",
            suite.signer(),
        )
        .with_sign_target(SignTarget::Both);
        for groups in [1usize, 60] {
            let case = format!("{} {groups} group(s)", suite.name());
            let outcome = (|| {
                let subject = Subject::new("alice@example.com")
                    .with_attribute("department", vec!["R&D <\"lab\">".into()])
                    .with_attribute(
                        "groups",
                        (0..groups).map(|i| format!("group-{i:04}")).collect(),
                    );
                let text = idp
                    .issue(&peer, &subject, None, now)
                    .map_err(|e| format!("our IdP fails: {e}"))?;
                let file = scratch.file(&format!("{s}-{groups}.xml"));
                write(&file, &text);
                xmlsec1_accepts(&xmlsec, &suite.cert_path(), &file, 2)?;
                let tampered = scratch.file(&format!("{s}-{groups}.tampered.xml"));
                write(&tampered, &tamper(&text));
                xmlsec1_rejects_digest(&xmlsec, &suite.cert_path(), &tampered, 2)
            })();
            report.check(&case, outcome);
        }
    }
    report.finish();
}

// ---------------------------------------------------------------------------------------------
// 3. A real IdP response, re-signed by us
// ---------------------------------------------------------------------------------------------

#[test]
fn keycloak_response_resigned_by_us_verifies_in_xmlsec1() {
    let Some(xmlsec) = xmlsec1() else { return };
    let scratch = Scratch::new("keycloak");
    let original = read(&workspace().join(KEYCLOAK));

    // Control: the untouched file verifies in xmlsec1 with Keycloak's certificate, so the
    // invocation below is a working oracle for this document.
    let keycloak_cert = workspace().join("tests/vectors/certs/keycloak-master-2025.pem");
    let file = scratch.file("original.xml");
    write(&file, &original);
    xmlsec1_accepts(&xmlsec, &keycloak_cert, &file, 1).unwrap_or_else(|e| panic!("{e}"));

    // Strip the signature, keeping everything around it byte for byte.
    let start = original.find("<dsig:Signature ").expect("Signature start");
    let end =
        original.find("</dsig:Signature>").expect("Signature end") + "</dsig:Signature>".len();
    assert_eq!(original.matches("<dsig:Signature ").count(), 1);
    let stripped = format!("{}{}", &original[..start], &original[end..]);

    let suite = RSA2048[0];
    let signed = suite
        .signer()
        .sign_element(&stripped, KEYCLOAK_ASSERTION_ID)
        .unwrap_or_else(|e| panic!("our Signer fails: {e}"));
    // The Signature goes where Keycloak had put it (after saml:Issuer); nothing else changes.
    let ours_start = signed.find("<ds:Signature ").expect("our Signature");
    let ours_end =
        signed.find("</ds:Signature>").expect("our Signature end") + "</ds:Signature>".len();
    assert_eq!(ours_start, start, "Signature not where Keycloak put it");
    assert_eq!(
        format!("{}{}", &signed[..ours_start], &signed[ours_end..]),
        stripped,
        "signing changed more than the inserted Signature"
    );

    let file = scratch.file("resigned.xml");
    write(&file, &signed);
    xmlsec1_accepts(&xmlsec, &suite.cert_path(), &file, 1).unwrap_or_else(|e| panic!("{e}"));
    we_accept(&signed, &[KEYCLOAK_ASSERTION_ID], &suite.verifier(), &suite)
        .unwrap_or_else(|e| panic!("{e}"));

    // One byte of signed text changed (the NameID's first character): xmlsec1 rejects.
    let name_id = ">G-e5c3849d-0b29-4462-b404-1724c576f5a1</saml:NameID>";
    assert_eq!(signed.matches(name_id).count(), 1, "Keycloak NameID");
    let tampered = scratch.file("tampered.xml");
    write(
        &tampered,
        &signed.replacen(
            name_id,
            ">H-e5c3849d-0b29-4462-b404-1724c576f5a1</saml:NameID>",
            1,
        ),
    );
    xmlsec1_rejects_digest(&xmlsec, &suite.cert_path(), &tampered, 1)
        .unwrap_or_else(|e| panic!("{e}"));
}

// ---------------------------------------------------------------------------------------------
// The vectors themselves (no xmlsec1 needed)
// ---------------------------------------------------------------------------------------------

/// Removes the Signature templates (whole indented lines) and a root `xmlns:ds` declaration.
fn strip_signature_templates(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut inside = false;
    for line in template.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("<ds:Signature") || t.starts_with("<Signature") {
            inside = true;
        }
        if !inside {
            out.push_str(line);
        }
        if t.starts_with("</ds:Signature>") || t.starts_with("</Signature>") {
            inside = false;
        }
    }
    out.replacen(&format!(" xmlns:ds=\"{DSIG_NS}\""), "", 1)
}

#[test]
fn templates_are_the_unsigned_response_plus_empty_signature_templates() {
    // So that both directions sign the very same document, and the templates are what
    // tests/tools/xmlsec_make_templates.sh produces.
    let unsigned = read(&interop().join("response-unsigned.xml"));
    let suite = RSA2048[0];
    for signed in Signed::ALL {
        for form in Form::ALL {
            let text = template(signed, form, &suite);
            assert_eq!(
                strip_signature_templates(&text),
                unsigned,
                "{}.{}",
                signed.stem(),
                form.suffix()
            );
            let doc = Document::parse(&text).expect("template parses");
            let sigs = signatures(&doc);
            assert_eq!(sigs.len(), signed.ids().len());
            for (sig, id) in sigs.iter().zip(signed.ids().iter().rev()) {
                let parent = doc.parent(*sig).expect("parent");
                assert_eq!(doc.attribute_unverified(parent, "ID"), Some(*id));
                let issuer = doc.element_children(parent).next().expect("Issuer");
                assert!(doc.is(issuer, ASSERTION_NS, "Issuer"));
                assert_eq!(doc.element_children(parent).nth(1), Some(*sig));
            }
        }
    }
    let minified = minify(&unsigned);
    assert!(!minified.contains(">\n") && !minified.contains("> "));
    assert!(minified.contains("line one&#13;\nline two"));
}

/// `Reference URI=""` (the whole document), as several IdP tools emit it: accepted when the
/// Signature is a child of the document element, which is then the signed element, the same
/// node an ID reference would reach; refused anywhere else. xmlsec1 signs both.
#[test]
fn empty_reference_uri_on_the_document_element_only() {
    let Some(xmlsec) = xmlsec1() else { return };
    let scratch = Scratch::new("empty-uri");
    let suite = &RSA2048[0];
    let verifier = suite.verifier();
    for (signed, id) in [
        (Signed::Response, RESPONSE_ID),
        (Signed::Assertion, ASSERTION_ID),
    ] {
        let text = template(signed, Form::Ds, suite);
        let needle = format!("URI=\"#{id}\"");
        assert_eq!(text.matches(&needle).count(), 1, "{needle}");
        let input = scratch.file(&format!("{}.template.xml", signed.stem()));
        write(&input, &text.replace(&needle, "URI=\"\""));
        let output = scratch.file(&format!("{}.signed.xml", signed.stem()));
        let r = xmlsec_sign(&xmlsec, suite, &input, id, &output);
        assert!(r.success, "xmlsec1 --sign failed:\n{}", r.output);
        let signed_text = read(&output);
        let doc = Document::parse(&signed_text).expect("parses");
        let element = element_by_id(&doc, id).expect("element");
        let result = verifier.verify_element(&doc, element);
        match signed {
            Signed::Response => {
                result.expect("URI=\"\" on the document element verifies");
                let tampered = tamper(&signed_text);
                let doc = Document::parse(&tampered).expect("parses");
                let element = element_by_id(&doc, id).expect("element");
                assert!(matches!(
                    verifier.verify_element(&doc, element),
                    Err(DsigError::DigestMismatch { .. })
                ));
            }
            _ => assert!(
                matches!(result, Err(DsigError::ReferenceUri { .. })),
                "{result:?}"
            ),
        }
    }
}
