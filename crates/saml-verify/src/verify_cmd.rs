//! `saml-verify verify` and `saml-verify bench`: validate a captured Response against the
//! settings an operator gives, exactly as a service provider would.

mod json_output;
mod logout;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use saml_core::binding::{self, DecodeLimits};
use saml_core::crypto::TrustAnchor;
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::{ServiceProvider, Solicitation, VerifiedAssertion};
use saml_core::settings::{IdpSettings, SignatureScope, SpSettings, danger};
use saml_core::time::{DateTime, parse_xs_datetime};

use self::json_output::Report;
use crate::decryption::{self, KeyArgs};
use crate::{Failure, input};

/// The settings shared by `verify` and `bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The captured Response: raw XML, base64, a form body or a Redirect URL; a path, or `-`
    /// or nothing for standard input.
    input: Option<PathBuf>,
    /// An IdP signing certificate (PEM, DER or bare base64); repeat for rollover.
    #[arg(long = "idp-cert", value_name = "PEM")]
    idp_certs: Vec<PathBuf>,
    /// The IdP Issuer URI.
    #[arg(long, value_name = "URI")]
    issuer: Option<String>,
    /// IdP settings from SAML metadata, in place of --idp-cert/--issuer.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["idp_certs", "issuer", "okta_idp"])]
    idp_metadata: Option<PathBuf>,
    /// IdP settings from an Okta Identity Provider object (JSON), with --okta-key.
    #[arg(long, value_name = "FILE", requires = "okta_key", conflicts_with_all = ["idp_certs", "issuer"])]
    okta_idp: Option<PathBuf>,
    /// The Okta IdP signing key credential (a JWK with x5c), with --okta-idp.
    #[arg(long, value_name = "FILE", requires = "okta_idp")]
    okta_key: Option<PathBuf>,
    /// The Audience URI (SP entity ID); required for a Response, unused for logout messages.
    #[arg(long, value_name = "URI")]
    audience: Option<String>,
    /// The ACS URL: Response/@Destination and the bearer Recipient must equal it. For a
    /// LogoutRequest or LogoutResponse: our Single Logout URL, which its Destination must equal.
    #[arg(long, value_name = "URL")]
    destination: String,
    /// The time to validate at (RFC 3339), instead of the system clock.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Max clock skew in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    clock_skew: u64,
    /// Which elements must be signed.
    #[arg(long, value_name = "SCOPE", default_value = "either", value_parser = ["response", "assertion", "either", "both"])]
    signed: String,
    /// The AuthnRequest ID the Response must answer (for a LogoutResponse: the LogoutRequest
    /// ID).
    #[arg(long, value_name = "ID")]
    in_response_to: Option<String>,
    /// Accept SHA-1 signatures and digests (legacy IdPs only).
    #[arg(long)]
    allow_sha1: bool,
    /// Accept RSA keys down to 1024 bits (legacy IdPs only).
    #[arg(long)]
    allow_small_rsa_keys: bool,
    #[command(flatten)]
    keys: KeyArgs,
}

/// Arguments of `saml-verify verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    verify: VerifyArgs,
    /// Print one JSON object on standard output, on rejection as well as on success.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    policy: crate::policy_cmd::PolicyArgs,
}

/// Arguments of `saml-verify bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    verify: VerifyArgs,
    /// How many verifications (per thread).
    #[arg(long, default_value_t = 1000)]
    iterations: u64,
    /// Threads verifying concurrently with one shared verifier.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::input(format!("cannot read {what} `{}`: {e}", path.display())))
}

impl VerifyArgs {
    fn idp_settings(&self) -> Result<IdpSettings, Failure> {
        let mut idp = if let Some(path) = &self.idp_metadata {
            saml_core::metadata::idp_settings_from_metadata(
                &read(path, "IdP metadata")?,
                self.now()?,
            )
            .map_err(|e| Failure::input(format!("`{}`: {e}", path.display())))?
        } else if let (Some(idp_json), Some(key_json)) = (&self.okta_idp, &self.okta_key) {
            saml_core::okta::from_okta_json(
                &read(idp_json, "Okta IdP object")?,
                &read(key_json, "Okta key credential")?,
            )
            .map_err(|e| Failure::input(e.to_string()))?
            .idp
        } else {
            let issuer = self.issuer.clone().ok_or_else(|| {
                Failure::input("--issuer is required (or --idp-metadata, or --okta-idp/--okta-key)")
            })?;
            if self.idp_certs.is_empty() {
                return Err(Failure::input(
                    "at least one --idp-cert is required (or --idp-metadata, or --okta-idp/--okta-key)",
                ));
            }
            let mut anchors = Vec::new();
            for path in &self.idp_certs {
                let label = path.display().to_string();
                anchors.push(
                    TrustAnchor::from_any(&read(path, "IdP certificate")?, Some(&label))
                        .map_err(|e| Failure::input(e.to_string()))?,
                );
            }
            IdpSettings::new(issuer, "", anchors)
        };
        if let Some(scope) = SignatureScope::parse(&self.signed) {
            idp = idp.with_signature_scope(scope);
        }
        idp = idp.with_max_clock_skew(Duration::from_secs(self.clock_skew));
        if self.allow_sha1 {
            danger::allow_sha1(&mut idp);
        }
        if self.allow_small_rsa_keys {
            danger::allow_small_rsa_keys(&mut idp, 1024);
        }
        Ok(idp)
    }

    fn service_provider(&self) -> Result<ServiceProvider, Failure> {
        // The CLI only verifies: it never sends an AuthnRequest, so it needs no signing key.
        let idp = self.idp_settings()?.with_sign_requests(false);
        let audience = self.audience.as_deref().ok_or_else(|| {
            Failure::input("--audience (the SP entity ID) is required to verify a Response")
        })?;
        let mut sp = SpSettings::new(audience, &self.destination).with_unsolicited(true);
        for key in self.keys.load()?.keys {
            sp = sp.with_decryption_key(key);
        }
        if self.keys.allow_rsa1_5 {
            danger::allow_rsa1_5(&mut sp);
        }
        ServiceProvider::new(idp, sp).map_err(|e| Failure::input(e.to_string()))
    }

    fn now(&self) -> Result<DateTime, Failure> {
        match &self.now {
            // The library never reads the clock; the CLI does, here and only here.
            None => Ok(DateTime::from_system_time(std::time::SystemTime::now())),
            Some(s) => {
                // The library reads a time without a zone as UTC (xs:dateTime allows that);
                // on the command line a missing zone is more likely a local time by mistake.
                let has_zone = s.ends_with('Z')
                    || s.ends_with('z')
                    || s.get(s.len().saturating_sub(6)..)
                        .is_some_and(|t| t.starts_with(['+', '-']) && t.get(3..4) == Some(":"));
                if !has_zone {
                    return Err(Failure::input(format!(
                        "--now `{s}` has no time zone: write it in UTC with `Z` (e.g. 2026-11-22T12:00:00Z) or with an offset (+01:00)"
                    )));
                }
                parse_xs_datetime(s).map_err(|e| Failure::input(format!("--now: {e}")))
            }
        }
    }

    fn solicitation(&self) -> Solicitation<'_> {
        match &self.in_response_to {
            Some(id) => Solicitation::expect(id),
            None => saml_core::saml::sp::danger::not_tracked(),
        }
    }

    fn decoded_input(&self) -> Result<binding::Decoded, Failure> {
        let raw = input::read(self.input.as_deref())?;
        binding::decode(&raw, &DecodeLimits::default())
            .map_err(|e| Failure::input(format!("cannot decode the input: {e}")))
    }
}

/// Runs `verify`: on a Response, or on a LogoutRequest or LogoutResponse (see [`logout`]).
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let v = &args.verify;
    let decoded = v.decoded_input()?;
    if let Some(kind) = logout::kind(&decoded.xml) {
        return logout::run(args, &decoded, kind);
    }
    let xml = decoded.xml;
    let sp = v.service_provider()?;
    let policy = args.policy.load(v.okta_idp.as_deref())?;
    let now = v.now()?;
    let result = sp.validate_and_commit(&xml, now, v.solicitation(), &InMemoryStore::new(16));
    let decided = match (&policy, &result) {
        (Some(p), Ok(a)) => Some(p.decide(a)?),
        _ => None,
    };
    if let Ok(ok) = &result
        && v.in_response_to.is_none()
        && let Some(irt) = ok.in_response_to()
    {
        eprintln!(
            "saml-verify: warning: the Response answers AuthnRequest `{irt}`; pass --in-response-to to check it"
        );
    }
    let mut out = std::io::stdout().lock();
    let printed = if args.json {
        let report = Report::new(&result).with_policy(decided.as_ref().map(|d| d.json()));
        print_json(&mut out, &report)
    } else {
        match &result {
            Ok(a) => human(&mut out, a).and_then(|()| match &decided {
                Some(d) => d.human(&mut out),
                None => Ok(()),
            }),
            Err(_) => Ok(()),
        }
    };
    conclude(result, printed, |e| rejection(e, v))
}

/// Writes `report` as one line of JSON.
fn print_json(out: &mut impl Write, report: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, report)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
}

/// The exit status of a verification whose output was `printed`: 0 accepted, 2 malformed input,
/// 1 rejected with the line `rejection` makes.
fn conclude<T>(
    result: Result<T, saml_core::SamlError>,
    printed: std::io::Result<()>,
    rejection: impl FnOnce(&saml_core::SamlError) -> String,
) -> Result<(), Failure> {
    printed.map_err(|e| Failure::input(format!("cannot write output: {e}")))?;
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.is_malformed_input() => Err(Failure {
            code: 2,
            message: format!("malformed input: {e}"),
        }),
        Err(e) => Err(Failure {
            code: 1,
            message: rejection(&e),
        }),
    }
}

/// The message of a rejection, naming the CLI's flags where the library names its own
/// functions (for `--json`'s `error.message`; [`rejection`] adds hints).
fn message(e: &saml_core::SamlError) -> String {
    match e {
        saml_core::SamlError::Decryption(x) => decryption::message(x),
        other => other.to_string(),
    }
}

/// The one-line rejection, with the flag that changes the decision where there is one: the
/// library's messages name settings, an operator needs the CLI's flags.
fn rejection(e: &saml_core::SamlError, v: &VerifyArgs) -> String {
    use saml_core::ErrorKind as K;
    if let saml_core::SamlError::Decryption(x) = e {
        return format!("rejected [{}]: {}", e.kind(), decryption::explain(x));
    }
    let hint = match e.kind() {
        K::Sha1NotAllowed => Some("pass --allow-sha1 to accept SHA-1 from this IdP".to_owned()),
        K::KeyTooSmall => {
            Some("pass --allow-small-rsa-keys to accept RSA keys down to 1024 bits".to_owned())
        }
        K::SignatureMissing => Some(format!(
            "--signed {} is in force; --signed response|assertion|either|both sets which elements must be signed",
            v.signed
        )),
        K::InResponseToMismatch | K::Unsolicited if v.in_response_to.is_some() => {
            Some("--in-response-to names the AuthnRequest the Response must answer".to_owned())
        }
        K::Expired | K::NotYetValid | K::IssuedInFuture => Some(format!(
            "checked at {} with --clock-skew {}; pass --now to check a capture as of its time",
            v.now.as_deref().unwrap_or("the system clock's time"),
            v.clock_skew
        )),
        K::AudienceMismatch | K::MissingAudienceRestriction => {
            Some("--audience is the SP entity ID".to_owned())
        }
        K::DestinationMismatch | K::DestinationMissing | K::RecipientMismatch => {
            Some("--destination is the ACS URL".to_owned())
        }
        K::IssuerMismatch => Some("--issuer is the IdP Issuer URI".to_owned()),
        _ => None,
    };
    match hint {
        Some(hint) => format!("rejected [{}]: {e} ({hint})", e.kind()),
        None => format!("rejected [{}]: {e}", e.kind()),
    }
}

fn human(out: &mut impl Write, a: &VerifiedAssertion) -> std::io::Result<()> {
    let signed: Vec<&str> = a.signed().iter().map(|s| s.name()).collect();
    writeln!(out, "valid: signed {}", signed.join(" and "))?;
    if let Some(data) = a.encryption() {
        writeln!(out, "encrypted: {data}")?;
    }
    writeln!(out, "issuer:    {}", a.issuer())?;
    writeln!(
        out,
        "subject:   {}{}",
        a.name_id().value,
        a.name_id()
            .format
            .as_deref()
            .map_or(String::new(), |f| format!(" ({f})"))
    )?;
    if let Some(irt) = a.in_response_to() {
        writeln!(out, "answers:   {irt}")?;
    }
    if let (Some(nb), Some(noa)) = (a.not_before(), a.not_on_or_after()) {
        writeln!(out, "window:    {nb} .. {noa}")?;
    }
    if let Some(s) = a.session_index() {
        writeln!(out, "session:   {s}")?;
    }
    if !a.attributes().is_empty() {
        writeln!(out, "attributes:")?;
        for attr in a.attributes() {
            writeln!(out, "  {}: {}", attr.name, attr.values.join(", "))?;
        }
    }
    Ok(())
}

/// Runs `bench`.
pub(crate) fn bench(args: &BenchArgs) -> Result<(), Failure> {
    let v = &args.verify;
    let sp = v.service_provider()?;
    let now = v.now()?;
    let raw = input::read(v.input.as_deref())?;
    // Check once, so a benchmark never measures a rejection.
    let xml = binding::decode(&raw, &DecodeLimits::default())
        .map_err(|e| Failure::input(format!("cannot decode the input: {e}")))?
        .xml;
    // `validate` does all the work but the replay-cache commit (one map insert), so the same
    // assertion can be measured repeatedly.
    let checked = sp
        .validate(&xml, now, v.solicitation())
        .map_err(|e| Failure {
            code: 1,
            message: rejection(&e, v),
        })?;
    drop(checked);
    let iterations = args.iterations.max(1);
    let threads = args.threads.max(1);
    let one = |sp: &ServiceProvider| -> Result<(), Failure> {
        for _ in 0..iterations {
            let decoded = binding::decode(&raw, &DecodeLimits::default())
                .map_err(|e| Failure::input(e.to_string()))?;
            let pending = sp
                .validate(&decoded.xml, now, v.solicitation())
                .map_err(|e| Failure {
                    code: 1,
                    message: e.to_string(),
                })?;
            std::hint::black_box(pending.assertion_id());
        }
        Ok(())
    };
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| one(&sp))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::input("a bench thread panicked")))
            })
            .collect::<Result<Vec<()>, Failure>>()
    })?;
    let elapsed = start.elapsed().as_secs_f64();
    #[expect(
        clippy::as_conversions,
        reason = "counts to f64 for a rate: no lossless conversion from u64 or usize, and \
                  rounding past 2^53 iterations would not matter"
    )]
    let (iterations_f, threads_f) = (iterations as f64, threads as f64);
    let total = iterations_f * threads_f;
    println!(
        "verify: {iterations} iterations x {threads} thread(s), {} bytes: {:.1} µs/op, {:.0} ops/s",
        raw.len(),
        elapsed * 1e6 * threads_f / total,
        total / elapsed
    );
    Ok(())
}
