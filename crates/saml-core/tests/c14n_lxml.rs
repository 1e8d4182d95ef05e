//! Differential test of `saml_core::xml::c14n` against lxml (libxml2).
//!
//! `tests/tools/c14n_differential.py` generates small random documents that
//! are dense in namespace corner cases (default namespaces, shadowed and
//! superfluous declarations, `xmlns=""`, namespaced attributes, `xml:*`
//! attributes), escaping cases, CDATA, comments and processing instructions.
//! For each of exclusive, exclusive with comments, inclusive and inclusive
//! with comments it emits cases that canonicalize the whole document or a
//! subtree, optionally leaving out a descendant (as the enveloped-signature
//! transform does) and, for exclusive, with an InclusiveNamespaces
//! PrefixList. lxml computes the expected bytes; this test canonicalizes the
//! same input with saml-core and compares byte for byte.
//!
//! Environment:
//! - `C14N_SEED` (default 20261122) picks the documents. A failure prints the
//!   seed; replay it with
//!   `C14N_SEED=<seed> cargo test -p saml-core --test c14n_lxml`.
//! - `C14N_CASES` (default 1000) is the number of cases per mode (4 modes).
//! - Without `python3` and `lxml` the test is skipped, unless `CI` is set, in
//!   which case it fails.
//!
//! A single case can be inspected with
//! `python3 tests/tools/c14n_differential.py --seed <seed> --count <cases>`
//! (one JSON object per line; each failure report also prints its line).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::process::Command;
use std::str::FromStr;

use saml_core::xml::c14n::{Algorithm, Method, canonicalize};
use saml_core::xml::{Document, NodeId};
use serde_json::Value;

/// The case generator.
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/tools/c14n_differential.py"
);
/// Seed used when `C14N_SEED` is not set.
const DEFAULT_SEED: u64 = 20_261_122;
/// Cases per mode when `C14N_CASES` is not set.
const DEFAULT_CASES: usize = 1000;
/// The generator emits this many modes, `count` cases each.
const MODES: usize = 4;
/// How many mismatches are shown in full.
const SHOWN: usize = 5;

/// One generated case.
#[derive(Clone)]
struct Case {
    /// The JSON line the case came from, for replay.
    line: String,
    /// The generator's running index.
    index: u64,
    /// The document text.
    doc: String,
    /// Exclusive (true) or inclusive 1.0 (false) canonicalization.
    exclusive: bool,
    /// Whether comments are kept.
    with_comments: bool,
    /// The InclusiveNamespaces PrefixList (exclusive only).
    prefixes: Option<Vec<String>>,
    /// Element-child path from the document element to the apex; `None` is
    /// the whole document.
    apex: Option<Vec<usize>>,
    /// Element-child path from the document element to the left-out element.
    exclude: Option<Vec<usize>>,
    /// lxml's canonical form.
    expected: String,
}

impl Case {
    /// The mode as reported in the per-mode mismatch counts.
    fn mode(&self) -> &'static str {
        match (self.exclusive, self.with_comments) {
            (true, false) => "exclusive",
            (true, true) => "exclusive+comments",
            (false, false) => "inclusive",
            (false, true) => "inclusive+comments",
        }
    }
}

/// Reads a number from the environment, or `default` if the variable is unset.
#[track_caller]
fn env_or<T: FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a valid number")),
        Err(std::env::VarError::NotPresent) => default,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Checks that `python3` can import lxml; `Err` says why not.
fn lxml_available() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import lxml.etree"])
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "python3 cannot import lxml: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run python3: {e}")),
    }
}

/// Runs the generator and returns its JSON Lines output.
#[track_caller]
fn generate(seed: u64, cases: usize) -> String {
    let out = Command::new("python3")
        .arg(SCRIPT)
        .args(["--seed", &seed.to_string(), "--count", &cases.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{SCRIPT} failed ({}):\n{stderr}",
        out.status
    );
    if !stderr.trim().is_empty() {
        eprintln!("{SCRIPT}: {}", stderr.trim());
    }
    String::from_utf8(out.stdout).expect("generator output is not UTF-8")
}

/// A string field of a case.
#[track_caller]
fn str_field(case: &Value, key: &str) -> String {
    case.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("case has no string {key:?}: {case}"))
        .to_owned()
}

/// A boolean field of a case.
#[track_caller]
fn bool_field(case: &Value, key: &str) -> bool {
    case.get(key)
        .and_then(Value::as_bool)
        .unwrap_or_else(|| panic!("case has no boolean {key:?}: {case}"))
}

/// A nullable array field of a case, each item converted by `item`.
#[track_caller]
fn list_field<T>(case: &Value, key: &str, item: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    match case.get(key) {
        Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| item(v).unwrap_or_else(|| panic!("bad item {v} in {key:?}: {case}")))
                .collect(),
        ),
        _ => panic!("case has no array or null {key:?}: {case}"),
    }
}

/// A JSON value as a path index.
fn index_item(v: &Value) -> Option<usize> {
    v.as_u64().and_then(|n| usize::try_from(n).ok())
}

/// A JSON value as a prefix.
fn prefix_item(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// Parses one JSON line of the generator.
#[track_caller]
fn parse_case(line: &str) -> Case {
    let v: Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line ({e}): {line}"));
    let exclusive = match str_field(&v, "mode").as_str() {
        "exclusive" => true,
        "inclusive" => false,
        other => panic!("unknown mode {other:?}: {line}"),
    };
    Case {
        line: line.to_owned(),
        index: v
            .get("index")
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("case has no index: {line}")),
        doc: str_field(&v, "doc"),
        exclusive,
        with_comments: bool_field(&v, "with_comments"),
        prefixes: list_field(&v, "prefixes", prefix_item),
        apex: list_field(&v, "apex", index_item),
        exclude: list_field(&v, "exclude", index_item),
        expected: str_field(&v, "expected"),
    }
}

/// Follows a path of element-child indices from the document element.
fn resolve(doc: &Document<'_>, path: &[usize]) -> Result<NodeId, String> {
    let mut node = doc.root_element();
    for (depth, &index) in path.iter().enumerate() {
        node = doc
            .element_children(node)
            .nth(index)
            .ok_or_else(|| format!("path {path:?}: no element child {index} at depth {depth}"))?;
    }
    Ok(node)
}

/// Canonicalizes a case with saml-core; `Err` describes why there is no output.
fn ours(case: &Case) -> Result<Vec<u8>, String> {
    let doc = Document::parse(&case.doc).map_err(|e| format!("parse error: {e}"))?;
    let apex = case
        .apex
        .as_deref()
        .map(|path| resolve(&doc, path))
        .transpose()?;
    let exclude = case
        .exclude
        .as_deref()
        .map(|path| resolve(&doc, path))
        .transpose()?;
    let algorithm = if case.exclusive {
        Algorithm::Exclusive
    } else {
        Algorithm::Inclusive10
    };
    let mut out = Vec::new();
    let result = match &case.prefixes {
        Some(prefixes) => {
            let method = Method::new(algorithm, case.with_comments)
                .with_inclusive_prefixes(prefixes.iter().map(String::as_str));
            canonicalize(&doc, apex, exclude, &method, &mut out)
        }
        None => {
            let method = Method::new(algorithm, case.with_comments);
            canonicalize(&doc, apex, exclude, &method, &mut out)
        }
    };
    result.map_err(|e| format!("c14n error: {e}"))?;
    Ok(out)
}

/// Like [`ours`], but a panic in saml-core is reported as an error too.
fn ours_catching_panics(case: &Case) -> Result<Vec<u8>, String> {
    panic::catch_unwind(AssertUnwindSafe(|| ours(case))).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        Err(format!("panicked: {message}"))
    })
}

/// A full, replayable description of one mismatch.
fn describe(case: &Case, ours: &Result<Vec<u8>, String>) -> String {
    let ours = match ours {
        Ok(bytes) => format!("{:?}", String::from_utf8_lossy(bytes)),
        Err(e) => format!("ERROR {e}"),
    };
    format!(
        "case {} ({})\n  prefixes: {:?}\n  apex:     {:?}\n  exclude:  {:?}\n  doc:      {:?}\n  \
         expected: {:?}\n  ours:     {ours}\n  json:     {}\n",
        case.index,
        case.mode(),
        case.prefixes,
        case.apex,
        case.exclude,
        case.doc,
        case.expected,
        case.line,
    )
}

#[test]
fn lxml_differential() {
    let seed: u64 = env_or("C14N_SEED", DEFAULT_SEED);
    let cases: usize = env_or("C14N_CASES", DEFAULT_CASES);
    eprintln!(
        "c14n differential: seed={seed} cases={cases} \
         (replay with C14N_SEED={seed} cargo test -p saml-core --test c14n_lxml)"
    );
    assert!(cases > 0, "C14N_CASES must be positive");
    if let Err(why) = lxml_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide python3 with lxml for the c14n differential test: {why}"
        );
        eprintln!("c14n differential: SKIPPED: {why}");
        return;
    }

    let output = generate(seed, cases);
    let mut compared = 0_usize;
    let mut mismatched = 0_usize;
    let mut per_mode: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut shown = Vec::new();
    for line in output.lines().filter(|l| !l.trim().is_empty()) {
        let case = parse_case(line);
        // Canonical form canonicalizes to itself. Fed back as a whole document, every tag is
        // written canonically, so this checks the path that copies markup from the source
        // against lxml's bytes as well.
        let again = Case {
            doc: case.expected.clone(),
            apex: None,
            exclude: None,
            ..case.clone()
        };
        for case in [case, again] {
            let ours = ours_catching_panics(&case);
            compared += 1;
            if ours.as_deref().ok() != Some(case.expected.as_bytes()) {
                mismatched += 1;
                *per_mode.entry(case.mode()).or_default() += 1;
                if shown.len() < SHOWN {
                    shown.push(describe(&case, &ours));
                }
            }
        }
    }

    assert_eq!(
        compared,
        2 * MODES * cases,
        "the generator produced {} cases, expected {MODES} x {cases}",
        compared / 2
    );
    if mismatched > 0 {
        let mut report = format!(
            "{mismatched} of {compared} cases differ from lxml \
             (seed={seed} cases={cases}; replay with C14N_SEED={seed} C14N_CASES={cases} \
             cargo test -p saml-core --test c14n_lxml)\nper mode:"
        );
        for (mode, n) in &per_mode {
            let _ = write!(report, " {mode}={n}");
        }
        let _ = writeln!(report, "\nfirst {} mismatches:", shown.len());
        for text in &shown {
            let _ = writeln!(report, "{text}");
        }
        panic!("{report}");
    }
}
