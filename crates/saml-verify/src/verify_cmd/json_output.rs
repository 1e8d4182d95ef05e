//! The object `saml-verify verify --json` prints: one per run, on rejection as well as on
//! success. Scripts and monitoring read it, so its field names and shapes are a contract;
//! README.md ("`--json` output") has the table. Adding a field keeps the version; a change
//! that could break a reader (a field removed, renamed or reshaped) bumps [`VERSION`].

use std::collections::BTreeMap;

use saml_core::saml::SamlError;
use saml_core::saml::sp::VerifiedAssertion;
use serde::Serialize;

/// The schema version in the `version` field.
pub(super) const VERSION: u32 = 1;

/// The whole object. On rejection `error` is set and the assertion fields are empty.
#[derive(Debug, Serialize)]
pub(super) struct Report<'a> {
    /// [`VERSION`].
    version: u32,
    /// Whether the Response was accepted.
    valid: bool,
    /// `Response` (logout messages have their own report, with `LogoutRequest` or
    /// `LogoutResponse` here).
    message: &'static str,
    /// Why it was rejected; `null` when valid.
    error: Option<ErrorReport>,
    /// The assertion's Issuer.
    issuer: &'a str,
    /// The assertion's NameID.
    subject: Subject<'a>,
    /// Attribute name → every value, in document order; attributes sharing a name are merged.
    attributes: BTreeMap<&'a str, Vec<&'a str>>,
    /// The elements whose signature was verified: `response`, `assertion`.
    signed: Vec<&'static str>,
    /// Whether the assertion came encrypted (and was decrypted with `--sp-key`); `false` when
    /// rejected.
    encrypted: bool,
    /// With `--policy`, when valid: what the Okta IdP policy would decide (`policy_cmd`);
    /// absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<serde_json::Value>,
}

/// `error`: a rejection.
#[derive(Debug, Serialize)]
pub(super) struct ErrorReport {
    /// The stable machine-readable kind, e.g. `audience_mismatch`.
    kind: &'static str,
    /// The human-readable explanation.
    message: String,
}

/// `subject`: the NameID.
#[derive(Debug, Default, Serialize)]
struct Subject<'a> {
    /// Its value.
    name_id: &'a str,
    /// Its Format attribute; empty when absent.
    format: &'a str,
}

impl ErrorReport {
    /// A rejection of `kind`, explained by `message`.
    pub(super) fn new(kind: &'static str, message: String) -> Self {
        Self { kind, message }
    }
}

impl<'a> Report<'a> {
    /// The report for one verification.
    pub(super) fn new(result: &'a Result<VerifiedAssertion, SamlError>) -> Self {
        match result {
            Ok(a) => {
                let mut attributes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                for attr in a.attributes() {
                    let values = attributes.entry(attr.name.as_str()).or_default();
                    values.extend(attr.values.iter().map(String::as_str));
                }
                Self {
                    version: VERSION,
                    valid: true,
                    message: "Response",
                    error: None,
                    issuer: a.issuer(),
                    subject: Subject {
                        name_id: &a.name_id().value,
                        format: a.name_id().format.as_deref().unwrap_or_default(),
                    },
                    attributes,
                    signed: a.signed().iter().map(|s| s.name()).collect(),
                    encrypted: a.encryption().is_some(),
                    policy: None,
                }
            }
            Err(e) => Self {
                version: VERSION,
                valid: false,
                message: "Response",
                error: Some(ErrorReport {
                    kind: e.kind().as_str(),
                    message: super::message(e),
                }),
                issuer: "",
                subject: Subject::default(),
                attributes: BTreeMap::new(),
                signed: Vec::new(),
                encrypted: false,
                policy: None,
            },
        }
    }

    /// The report with the policy decision (`--policy`).
    pub(super) fn with_policy(self, policy: Option<serde_json::Value>) -> Self {
        Self { policy, ..self }
    }
}
