//! `saml-verify metadata`: verify a SAML metadata document (one entity or a federation
//! aggregate) and list what it says about each entity.
//!
//! With `--cert`, the document element's signature must verify with one of those certificates
//! (the metadata's own KeyInfo never chooses the key); without, no signature is checked and the
//! output says so. The document element's `validUntil` is checked at `--now` (or the system
//! clock), and so is that of every entity listed. Exit codes: 0 valid, 1 rejected (signature
//! missing or bad with `--cert`, expired, unknown `--entity`, refused structure or size),
//! 2 unreadable (no such file, not XML, not metadata).

use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};

use saml_core::crypto::{AlgorithmPolicy, TrustAnchor};
use saml_core::dsig::Verifier;
use saml_core::metadata::{EntitySummary, Metadata, MetadataError, MetadataLimits, RoleSummary};
use saml_core::time::{DateTime, parse_xs_datetime};
use serde::Serialize;

use crate::Failure;

/// Arguments of `saml-verify metadata`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The metadata file: an md:EntityDescriptor or md:EntitiesDescriptor (up to 100 MiB).
    file: PathBuf,
    /// The pinned metadata-signing certificate (PEM, DER or bare base64); repeat for rollover.
    /// With it, the document element must carry a signature that verifies with one of them.
    #[arg(long = "cert", value_name = "PEM")]
    certs: Vec<PathBuf>,
    /// The time to check validUntil at (RFC 3339 with a zone), instead of the system clock.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Show only the entity with this entityID (rejected when absent).
    #[arg(long, value_name = "ID")]
    entity: Option<String>,
    /// Print one JSON object on standard output, on rejection as well as on success.
    #[arg(long)]
    json: bool,
}

/// The `--json` schema version. Adding a field keeps it; removing, renaming or reshaping one
/// bumps it.
const VERSION: u32 = 1;

/// The whole `--json` object.
#[derive(Debug, Serialize)]
struct Report {
    version: u32,
    /// Whether the metadata (and every entity listed) was accepted.
    valid: bool,
    /// Why not; `null` when valid.
    error: Option<ErrorReport>,
    /// The verified signature; `null` without `--cert` (or when it did not verify).
    signature: Option<SignatureReport>,
    /// The document; `null` when it could not be loaded.
    document: Option<DocumentReport>,
    /// The entities listed (all, or the `--entity` one), in document order.
    entities: Vec<EntityReport>,
}

#[derive(Debug, Serialize)]
struct ErrorReport {
    /// The stable kind, e.g. `signature_mismatch`.
    kind: &'static str,
    message: String,
}

#[derive(Debug, Serialize)]
struct SignatureReport {
    /// 1-based position of the `--cert` that verified it.
    cert: usize,
    /// Its SHA-256 fingerprint.
    certificate_sha256: Option<String>,
    /// The SignatureMethod URI.
    algorithm: &'static str,
}

#[derive(Debug, Serialize)]
struct DocumentReport {
    /// `EntityDescriptor` or `EntitiesDescriptor`.
    element: &'static str,
    /// The EntitiesDescriptor's Name.
    name: Option<String>,
    entity_count: usize,
    valid_until: Option<String>,
    cache_duration: Option<String>,
    /// When to fetch it again, counted from `--now`.
    reload_after: String,
}

#[derive(Debug, Serialize)]
struct EntityReport {
    entity_id: String,
    /// `IdP`, `SP`.
    roles: Vec<&'static str>,
    /// The earliest validUntil of the entity and its enclosing descriptors.
    valid_until: Option<String>,
    /// The entity's own cacheDuration.
    cache_duration: Option<String>,
    reload_after: String,
    expired: bool,
    endpoints: Vec<EndpointReport>,
    keys: Vec<KeyReport>,
}

#[derive(Debug, Serialize)]
struct EndpointReport {
    role: &'static str,
    /// `SSO`, `ACS`, `SLO`.
    service: &'static str,
    binding: String,
    location: String,
    response_location: Option<String>,
    index: Option<String>,
    is_default: Option<String>,
}

#[derive(Debug, Serialize)]
struct KeyReport {
    role: &'static str,
    /// `signing`, `encryption` or `unspecified` (serves both).
    #[serde(rename = "use")]
    usage: &'static str,
    sha256: Option<String>,
    subject: Option<String>,
    not_after: Option<String>,
    /// Why the certificate could not be read.
    error: Option<String>,
}

fn now(arg: Option<&str>) -> Result<DateTime, Failure> {
    let Some(s) = arg else {
        // The library never reads the clock; the CLI does, here.
        return Ok(DateTime::from_system_time(std::time::SystemTime::now()));
    };
    let has_zone = s.ends_with(['Z', 'z'])
        || s.get(s.len().saturating_sub(6)..)
            .is_some_and(|t| t.starts_with(['+', '-']) && t.get(3..4) == Some(":"));
    if !has_zone {
        return Err(Failure::input(format!(
            "--now `{s}` has no time zone: write it in UTC with `Z` (e.g. 2026-11-22T12:00:00Z) or with an offset (+01:00)"
        )));
    }
    parse_xs_datetime(s).map_err(|e| Failure::input(format!("--now: {e}")))
}

/// Reads the file, at most one byte past the limit (so that the library names the limit).
fn read(path: &Path, limit: usize) -> Result<Vec<u8>, Failure> {
    let cannot =
        |e: std::io::Error| Failure::input(format!("cannot read `{}`: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut buf = Vec::new();
    file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    Ok(buf)
}

fn verifier(certs: &[PathBuf]) -> Result<Verifier, Failure> {
    let mut anchors = Vec::new();
    for path in certs {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::input(format!("cannot read --cert `{}`: {e}", path.display())))?;
        let label = path.display().to_string();
        anchors.push(
            TrustAnchor::from_any(&bytes, Some(&label))
                .map_err(|e| Failure::input(format!("--cert: {e}")))?,
        );
    }
    Ok(Verifier::new(anchors, AlgorithmPolicy::default()))
}

/// Runs `metadata`.
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let now = now(args.now.as_deref())?;
    let limits = MetadataLimits::default();
    let verifier = verifier(&args.certs)?;
    let xml = read(&args.file, limits.xml.max_bytes)?;
    let loaded = if args.certs.is_empty() {
        Metadata::parse(&xml, now, &limits)
    } else {
        Metadata::verify(&xml, &verifier, now, &limits)
    };
    let mut report = Report {
        version: VERSION,
        valid: false,
        error: None,
        signature: None,
        document: None,
        entities: Vec::new(),
    };
    // Boxed: the library's error carries the values that disagreed, and is large.
    let outcome = loaded.map_err(Box::new).and_then(|md| {
        report.signature = md.signature().map(|s| SignatureReport {
            cert: s.key_index + 1,
            certificate_sha256: s.certificate_sha256.clone(),
            algorithm: s.algorithm.uri(),
        });
        report.document = Some(DocumentReport {
            element: if md.is_aggregate() {
                "EntitiesDescriptor"
            } else {
                "EntityDescriptor"
            },
            name: md.name().map(str::to_owned),
            entity_count: md.len(),
            valid_until: md.valid_until().map(|t| t.to_string()),
            cache_duration: md.cache_duration().map(|d| d.to_string()),
            reload_after: md.reload_after(now).to_string(),
        });
        let summaries: Vec<EntitySummary> = match &args.entity {
            Some(id) => vec![md.entity(id).map_err(Box::new)?],
            None => md.entities().collect::<Result<_, _>>().map_err(Box::new)?,
        };
        report.entities = summaries.iter().map(|e| entity_report(e, now)).collect();
        // The first expired entity listed rejects the run.
        match summaries.iter().find(|e| e.is_expired(now)) {
            Some(e) => Err(Box::new(MetadataError::Expired {
                entity_id: e.entity_id.clone(),
                valid_until: e.valid_until.unwrap_or(now),
                now,
            })),
            None => Ok(()),
        }
    });
    report.valid = outcome.is_ok();
    if let Err(e) = &outcome {
        report.error = Some(ErrorReport {
            kind: e.kind().as_str(),
            message: e.to_string(),
        });
    }
    let mut out = std::io::stdout().lock();
    let printed = if args.json {
        serde_json::to_writer(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        human(&mut out, &report, args.certs.is_empty())
    };
    printed.map_err(|e| Failure::input(format!("cannot write output: {e}")))?;
    match outcome {
        Ok(()) => Ok(()),
        Err(e) if e.is_unreadable() => Err(Failure::input(format!(
            "`{}` is not readable metadata: {e}",
            args.file.display()
        ))),
        Err(e) => Err(Failure {
            code: 1,
            message: format!("rejected [{}]: {e}", e.kind()),
        }),
    }
}

fn entity_report(e: &EntitySummary, now: DateTime) -> EntityReport {
    let mut endpoints = Vec::new();
    let mut keys = Vec::new();
    for role in &e.roles {
        let name = role.role.short_name();
        endpoints.extend(role.endpoints.iter().map(|p| EndpointReport {
            role: name,
            service: p.service.short_name(),
            binding: p.binding.clone(),
            location: p.location.clone(),
            response_location: p.response_location.clone(),
            index: p.index.clone(),
            is_default: p.is_default.clone(),
        }));
        keys.extend(key_reports(role));
    }
    EntityReport {
        entity_id: e.entity_id.clone(),
        roles: e.roles.iter().map(|r| r.role.short_name()).collect(),
        valid_until: e.valid_until.map(|t| t.to_string()),
        cache_duration: e.cache_duration.map(|d| d.to_string()),
        reload_after: e.reload_after(now).to_string(),
        expired: e.is_expired(now),
        endpoints,
        keys,
    }
}

fn key_reports(role: &RoleSummary) -> impl Iterator<Item = KeyReport> + '_ {
    role.keys.iter().map(|k| {
        let (sha256, subject, not_after, error) = match &k.certificate {
            Ok(c) => (
                Some(c.fingerprint_sha256()),
                Some(c.subject().to_owned()),
                Some(DateTime::from_unix_seconds(c.not_after_unix()).to_string()),
                None,
            ),
            Err(e) => (None, None, None, Some(e.clone())),
        };
        KeyReport {
            role: role.role.short_name(),
            usage: k.usage.as_str(),
            sha256,
            subject,
            not_after,
            error,
        }
    })
}

/// A short name for a binding URI (`HTTP-POST` for `…:bindings:HTTP-POST`).
fn binding_name(uri: &str) -> &str {
    uri.strip_prefix("urn:oasis:names:tc:SAML:2.0:bindings:")
        .unwrap_or(uri)
}

fn human(out: &mut impl Write, r: &Report, unsigned: bool) -> std::io::Result<()> {
    let Some(doc) = &r.document else {
        return Ok(());
    };
    match (&r.signature, unsigned) {
        (Some(s), _) => writeln!(
            out,
            "signature: verified with --cert #{} ({}), {}",
            s.cert,
            s.certificate_sha256.as_deref().unwrap_or("bare public key"),
            s.algorithm
        )?,
        (None, true) => writeln!(out, "signature: not checked (no --cert given)")?,
        (None, false) => {}
    }
    writeln!(
        out,
        "metadata: {}{} with {} entit{}",
        doc.element,
        doc.name
            .as_deref()
            .map_or(String::new(), |n| format!(" `{n}`")),
        doc.entity_count,
        if doc.entity_count == 1 { "y" } else { "ies" }
    )?;
    writeln!(
        out,
        "  validUntil: {}  cacheDuration: {}  reload after: {}",
        doc.valid_until.as_deref().unwrap_or("(none)"),
        doc.cache_duration.as_deref().unwrap_or("(none)"),
        doc.reload_after
    )?;
    for e in &r.entities {
        writeln!(out, "entity: {}", e.entity_id)?;
        writeln!(
            out,
            "  roles: {}{}",
            if e.roles.is_empty() {
                "(none)".to_owned()
            } else {
                e.roles.join(", ")
            },
            if e.expired { "  EXPIRED" } else { "" }
        )?;
        writeln!(
            out,
            "  validUntil: {}  cacheDuration: {}  reload after: {}",
            e.valid_until.as_deref().unwrap_or("(none)"),
            e.cache_duration.as_deref().unwrap_or("(none)"),
            e.reload_after
        )?;
        for p in &e.endpoints {
            write!(
                out,
                "  {} {} {} {}",
                p.role,
                p.service,
                binding_name(&p.binding),
                p.location
            )?;
            if let Some(rl) = &p.response_location {
                write!(out, " (response: {rl})")?;
            }
            if let Some(i) = &p.index {
                write!(out, " index={i}")?;
            }
            if p.is_default
                .as_deref()
                .is_some_and(|d| d == "true" || d == "1")
            {
                write!(out, " default")?;
            }
            writeln!(out)?;
        }
        for k in &e.keys {
            match (&k.sha256, &k.error) {
                (Some(fp), _) => writeln!(
                    out,
                    "  {} key {} SHA-256 {fp} subject `{}` expires {}",
                    k.role,
                    k.usage,
                    k.subject.as_deref().unwrap_or_default(),
                    k.not_after.as_deref().unwrap_or_default()
                )?,
                (None, error) => writeln!(
                    out,
                    "  {} key {} unreadable certificate: {}",
                    k.role,
                    k.usage,
                    error.as_deref().unwrap_or_default()
                )?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_names_are_shortened() {
        assert_eq!(
            binding_name("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"),
            "HTTP-Redirect"
        );
        assert_eq!(binding_name("urn:x"), "urn:x");
        // `KeyUse` strings are the JSON contract.
        assert_eq!(
            saml_core::metadata::KeyUse::Unspecified.as_str(),
            "unspecified"
        );
    }
}
