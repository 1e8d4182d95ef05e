//! `saml-verify verify` on a LogoutRequest or LogoutResponse: the Single Logout checks of
//! `saml_core::saml::logout::verify`, with the flags used for Responses.
//!
//! The flags mean, for a logout message: `--issuer` and `--idp-cert` (or `--idp-metadata`,
//! `--okta-idp`) the peer that sent it, `--destination` our Single Logout URL (its Destination
//! must equal it, and a signed message must carry one), `--in-response-to` the LogoutRequest
//! a LogoutResponse must answer, `--sp-key` the keys an EncryptedID is decrypted with.
//! `--audience` is not used: logout messages carry no audience.
//!
//! A message that arrived by HTTP-Redirect (a URL or query string with `SigAlg` and
//! `Signature`) is checked over its query octets as given; any other form (XML, base64, a
//! form body) is checked as HTTP-POST, by its enveloped signature.

use std::io::Write;

use saml_core::SamlError;
use saml_core::binding::{self, Decoded, Encoding};
use saml_core::ns::SAML_PROTOCOL;
use saml_core::saml::logout::{self, Incoming, InspectedLogout, VerifySettings};
use saml_core::xml::{Document, Limits};
use serde::Serialize;

use super::json_output::{ErrorReport, VERSION};
use super::{Args, VerifyArgs, conclude, message, print_json, rejection};
use crate::Failure;

/// `LogoutRequest` or `LogoutResponse` when the decoded message is one (by its document
/// element, in the SAML protocol namespace); `None` for anything else, which the Response
/// path then reports.
pub(super) fn kind(xml: &[u8]) -> Option<&'static str> {
    let doc = Document::parse_bytes(xml, &Limits::default()).ok()?;
    let root = doc.root_element();
    ["LogoutRequest", "LogoutResponse"]
        .into_iter()
        .find(|name| doc.is(root, SAML_PROTOCOL, name))
}

/// Verifies the logout message in `decoded` (a `kind` of it) and prints the result.
pub(super) fn run(args: &Args, decoded: &Decoded, kind: &'static str) -> Result<(), Failure> {
    let v = &args.verify;
    if kind == "LogoutRequest" && v.in_response_to.is_some() {
        return Err(Failure::input(
            "--in-response-to names the request a Response or LogoutResponse answers; the input is a LogoutRequest",
        ));
    }
    let settings = settings(v)?;
    let now = v.now()?;
    let post_value;
    let incoming = match (decoded.encoding, decoded.raw_query.as_deref()) {
        (Encoding::RedirectQuery, Some(query)) => Incoming::redirect(query),
        _ => {
            post_value = binding::encode_post(&decoded.xml);
            Incoming::post(&post_value, decoded.relay_state.as_deref())
        }
    };
    let result = logout::verify(&incoming, &settings, now).and_then(|m| answers(m, v));
    if let Ok(m) = &result
        && v.in_response_to.is_none()
        && let Some(irt) = &m.in_response_to
    {
        eprintln!(
            "saml-verify: warning: the LogoutResponse answers LogoutRequest `{irt}`; pass --in-response-to to check it"
        );
    }
    let mut out = std::io::stdout().lock();
    let printed = if args.json {
        print_json(&mut out, &LogoutReport::new(kind, &result))
    } else {
        match &result {
            Ok(m) => human(&mut out, m),
            Err(_) => Ok(()),
        }
    };
    conclude(result, printed, |e| logout_rejection(e, v))
}

/// The peer and our endpoint, from the same flags (and loaders) as for a Response.
fn settings(v: &VerifyArgs) -> Result<VerifySettings, Failure> {
    let idp = v.idp_settings()?;
    let mut settings = VerifySettings::new(
        idp.issuer(),
        &v.destination,
        idp.signing_certificates().to_vec(),
    )
    .with_max_clock_skew(idp.max_clock_skew())
    .with_algorithm_policy(idp.algorithm_policy().clone());
    for key in v.keys.load()?.keys {
        settings = settings.with_decryption_key(key);
    }
    Ok(settings)
}

/// `--in-response-to` for a LogoutResponse: it must answer that LogoutRequest.
fn answers(m: InspectedLogout, v: &VerifyArgs) -> Result<InspectedLogout, SamlError> {
    if let Some(expected) = &v.in_response_to
        && m.in_response_to.as_deref() != Some(expected.as_str())
    {
        return Err(SamlError::InResponseToMismatch {
            element: "LogoutResponse",
            expected: expected.clone(),
            found: m.in_response_to.clone().unwrap_or_default(),
        });
    }
    Ok(m)
}

/// The rejection line: as for a Response, except that `--destination` is the Single Logout
/// URL here.
fn logout_rejection(e: &SamlError, v: &VerifyArgs) -> String {
    use saml_core::ErrorKind as K;
    match e.kind() {
        K::DestinationMismatch | K::DestinationMissing => format!(
            "rejected [{}]: {e} (--destination is our Single Logout URL for a logout message)",
            e.kind()
        ),
        K::SignatureMissing => format!(
            "rejected [{}]: {e} (a logout message must be signed: by its enveloped signature, or by the query signature of an HTTP-Redirect URL given whole)",
            e.kind()
        ),
        K::SignatureMismatch | K::NoTrustedKeys => format!(
            "rejected [{}]: {e} (--idp-cert is the certificate of the peer that sent the logout message)",
            e.kind()
        ),
        K::InResponseToMismatch => format!(
            "rejected [{}]: {e} (--in-response-to names the LogoutRequest the LogoutResponse must answer)",
            e.kind()
        ),
        _ => rejection(e, v),
    }
}

fn human(out: &mut impl Write, m: &InspectedLogout) -> std::io::Result<()> {
    writeln!(
        out,
        "valid: {} {} by {}",
        if m.signed { "signed" } else { "unsigned" },
        m.message,
        m.binding.uri()
    )?;
    writeln!(out, "issuer:    {}", m.issuer)?;
    writeln!(out, "id:        {}", m.id)?;
    if let Some(name_id) = &m.name_id {
        writeln!(
            out,
            "subject:   {}{}{}",
            name_id.value,
            name_id
                .format
                .as_deref()
                .map_or(String::new(), |f| format!(" ({f})")),
            if m.name_id_encrypted {
                " [decrypted from EncryptedID]"
            } else {
                ""
            }
        )?;
    }
    for s in &m.session_indexes {
        writeln!(out, "session:   {s}")?;
    }
    if let Some(reason) = &m.reason {
        writeln!(out, "reason:    {reason}")?;
    }
    if let Some(noa) = m.not_on_or_after {
        writeln!(out, "until:     {noa}")?;
    }
    if let Some(status) = &m.status {
        writeln!(out, "status:    {}", status.codes())?;
        if let Some(message) = &status.message {
            writeln!(out, "message:   {message}")?;
        }
    }
    if let Some(irt) = &m.in_response_to {
        writeln!(out, "answers:   {irt}")?;
    }
    if let Some(rs) = &m.relay_state {
        writeln!(out, "relay:     {rs}")?;
    }
    Ok(())
}

/// The `--json` object for a logout message; README.md ("`--json` output") has the table.
#[derive(Debug, Serialize)]
struct LogoutReport<'a> {
    version: u32,
    valid: bool,
    error: Option<ErrorReport>,
    /// `LogoutRequest` or `LogoutResponse`.
    message: &'static str,
    /// The fields of the verified message; absent when rejected.
    #[serde(flatten)]
    details: Option<Details<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Details<'a> {
    Request {
        id: &'a str,
        issuer: &'a str,
        signed: bool,
        binding: &'static str,
        name_id: &'a str,
        name_id_format: Option<&'a str>,
        session_indexes: Vec<&'a str>,
        reason: Option<&'a str>,
        not_on_or_after: Option<String>,
    },
    Response {
        id: &'a str,
        issuer: &'a str,
        signed: bool,
        binding: &'static str,
        /// The top-level StatusCode URI.
        status: &'a str,
        /// The second-level StatusCode URI, if any (PartialLogout, UnknownPrincipal, …).
        second_level_status: Option<&'a str>,
        status_message: Option<&'a str>,
        in_response_to: Option<&'a str>,
    },
}

impl<'a> LogoutReport<'a> {
    fn new(kind: &'static str, result: &'a Result<InspectedLogout, SamlError>) -> Self {
        match result {
            Ok(m) => Self {
                version: VERSION,
                valid: true,
                error: None,
                message: m.message,
                details: Some(match &m.status {
                    None => Details::Request {
                        id: &m.id,
                        issuer: &m.issuer,
                        signed: m.signed,
                        binding: m.binding.uri(),
                        name_id: m.name_id.as_ref().map_or("", |n| n.value.as_str()),
                        name_id_format: m.name_id.as_ref().and_then(|n| n.format.as_deref()),
                        session_indexes: m.session_indexes.iter().map(String::as_str).collect(),
                        reason: m.reason.as_deref(),
                        not_on_or_after: m.not_on_or_after.map(|t| t.to_string()),
                    },
                    Some(status) => Details::Response {
                        id: &m.id,
                        issuer: &m.issuer,
                        signed: m.signed,
                        binding: m.binding.uri(),
                        status: &status.code,
                        second_level_status: status.second_level.as_deref(),
                        status_message: status.message.as_deref(),
                        in_response_to: m.in_response_to.as_deref(),
                    },
                }),
            },
            Err(e) => Self {
                version: VERSION,
                valid: false,
                error: Some(ErrorReport::new(e.kind().as_str(), message(e))),
                message: kind,
                details: None,
            },
        }
    }
}
