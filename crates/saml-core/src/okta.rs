//! IdP settings from Okta's Identity Providers API: the SAML 2.0 IdP object of
//! `GET /api/v1/idps/{id}` and the key credential of
//! `GET /api/v1/idps/credentials/keys/{kid}`, as Org2 of an Okta Org2Org federation holds
//! them (DESIGN.md has the field table).
//!
//! | JSON (IdP object) | becomes |
//! |---|---|
//! | `protocol.type` | must be `SAML2` |
//! | `protocol.credentials.trust.issuer` (required) | [`IdpSettings::issuer`] |
//! | `protocol.credentials.trust.audience` (required) | [`OktaIdp::audience`] (the SP entity ID) |
//! | `protocol.credentials.trust.kid` (required) | must equal the key credential's `kid` |
//! | `protocol.endpoints.sso.url` (required) | [`IdpSettings::sso_url`] |
//! | `protocol.endpoints.sso.binding` (`HTTP-POST` when absent) | [`IdpSettings::sso_binding`] |
//! | `protocol.algorithms.request.signature.algorithm` (`SHA-256` when absent) | [`IdpSettings::request_signature_algorithm`] |
//! | `protocol.algorithms.request.signature.scope` (`REQUEST` when absent) | [`IdpSettings::sign_requests`] (`NONE` → false) |
//! | `protocol.algorithms.response.signature.algorithm` (`SHA-256` when absent) | [`IdpSettings::algorithm_policy`] |
//! | `protocol.algorithms.response.signature.scope` (`ANY` when absent) | [`IdpSettings::response_signature_scope`] |
//! | `policy.maxClockSkew` (milliseconds; 120 s when absent) | [`IdpSettings::max_clock_skew`] |
//!
//! | JSON (key credential) | becomes |
//! |---|---|
//! | `kid` | checked against `trust.kid` |
//! | `x5c[0]` | the only entry of [`IdpSettings::signing_certificates`] (the rest of the chain is not trusted) |
//! | `x5t#S256` (optional) | must equal the base64url SHA-256 of `x5c[0]`'s DER |
//! | `kty`, `use` (optional) | must agree with the certificate's key, and be `sig` |
//!
//! Everything else the SP needs (`acs`, subject, account-link and provisioning policy) is kept
//! in [`OktaIdp`] as Okta spells it, for the application to act on.
//!
//! # SHA-1
//!
//! `SHA-1` as either algorithm is refused by [`from_okta_json`] with
//! [`OktaError::Sha1NotAllowed`]. The opt-in is [`danger::from_okta_json_allowing_sha1`],
//! which signs requests with RSA-SHA1 and, for a SHA-1 response algorithm, applies
//! [`crate::settings::danger::allow_sha1`]; it lives in a
//! `danger` module so a reviewer finds it with the same grep as the other legacy opt-ins.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::crypto::TrustAnchor;
use crate::crypto::{Certificate, CryptoError, DigestAlgorithm, KeyKind};
use crate::settings::{self, Binding, IdpSettings, SignatureScope, SpSettings};

/// Which of the two JSON documents an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OktaDocument {
    /// The IdP object (`GET /api/v1/idps/{id}`).
    Idp,
    /// The key credential (`GET /api/v1/idps/credentials/keys/{kid}`).
    Key,
}

impl std::fmt::Display for OktaDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Idp => "IdP JSON",
            Self::Key => "key credential JSON",
        })
    }
}

/// Why Okta's JSON was refused. Each variant names the JSON path and the value found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OktaError {
    /// `x5c[0]` is not a usable certificate.
    #[error("`{path}` of the {document}: {source}")]
    Certificate {
        /// The document.
        document: OktaDocument,
        /// The JSON path.
        path: &'static str,
        /// Why the certificate was refused.
        #[source]
        source: CryptoError,
    },
    /// The bytes are not JSON (or not a JSON object).
    #[error("the {document} is not a JSON object: {reason}")]
    InvalidJson {
        /// The document.
        document: OktaDocument,
        /// The parser's message.
        reason: String,
    },
    /// The key's `kty` does not match the key in `x5c[0]`.
    #[error("`kty` of the {document} is `{kty}` but `x5c[0]` holds a {certificate} key")]
    KeyTypeMismatch {
        /// The document.
        document: OktaDocument,
        /// The `kty` value.
        kty: String,
        /// The key the certificate holds.
        certificate: KeyKind,
    },
    /// `protocol.credentials.trust.kid` names another key than the key credential given.
    #[error(
        "`protocol.credentials.trust.kid` of the IdP JSON is `{trust_kid}` but the key credential's `kid` is `{key_kid}`"
    )]
    KidMismatch {
        /// `protocol.credentials.trust.kid`.
        trust_kid: String,
        /// The key credential's `kid`.
        key_kid: String,
    },
    /// A required value is absent, `null` or empty.
    #[error("`{path}` is missing from the {document}")]
    Missing {
        /// The document.
        document: OktaDocument,
        /// The JSON path.
        path: &'static str,
    },
    /// SHA-1 was configured and the caller did not opt in.
    #[error(
        "`{path}` of the IdP JSON is `{value}`: SHA-1 is refused by default; to accept it, load with `okta::danger::from_okta_json_allowing_sha1` (which applies `settings::danger::allow_sha1`)"
    )]
    Sha1NotAllowed {
        /// The JSON path.
        path: &'static str,
        /// The value as written.
        value: String,
    },
    /// `x5t#S256` is not the SHA-256 thumbprint of `x5c[0]`.
    #[error(
        "`x5t#S256` of the {document} is `{listed}` but the SHA-256 thumbprint of `x5c[0]` is `{computed}`"
    )]
    ThumbprintMismatch {
        /// The document.
        document: OktaDocument,
        /// The value in the JSON.
        listed: String,
        /// base64url(SHA-256(DER of `x5c[0]`)).
        computed: String,
    },
    /// A value is not one of those this loader understands.
    #[error("`{path}` of the {document} is `{value}` (allowed: {})", allowed.join(", "))]
    UnsupportedValue {
        /// The document.
        document: OktaDocument,
        /// The JSON path.
        path: &'static str,
        /// The value found.
        value: String,
        /// The values accepted.
        allowed: &'static [&'static str],
    },
    /// A value has the wrong JSON type.
    #[error("`{path}` of the {document} is {found}, expected {expected}")]
    WrongType {
        /// The document.
        document: OktaDocument,
        /// The JSON path.
        path: &'static str,
        /// What was expected, e.g. "a string".
        expected: &'static str,
        /// The value found, as JSON.
        found: String,
    },
}

/// An Okta SAML 2.0 Identity Provider, as Org2 configures it: verification settings plus the
/// Okta-specific policy kept as Okta spells it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OktaIdp {
    /// The verification settings (issuer, SSO endpoint, signing certificate, algorithms,
    /// signature scope, clock skew).
    pub idp: IdpSettings,
    /// `id`: Okta's identifier of the IdP object (e.g. `0oa62bc8wppPw0UGr0h7`), if present.
    pub id: Option<String>,
    /// `name`: the IdP's display name, if present.
    pub name: Option<String>,
    /// `protocol.credentials.trust.audience`, "Audience URI": the SP entity ID an
    /// AudienceRestriction must contain.
    pub audience: String,
    /// `protocol.credentials.trust.kid`: the key credential the signing certificate came from.
    pub kid: String,
    /// `protocol.credentials.trust.revocation` (`CRL`, `DELTA_CRL`, `OCSP`), if set. Not acted
    /// on: this library does no revocation checking.
    pub revocation: Option<String>,
    /// `protocol.endpoints.sso.destination`: the `Destination` put on AuthnRequests, if it
    /// differs from the SSO URL.
    pub sso_destination: Option<String>,
    /// `_links.acs.href`: Okta's Assertion Consumer Service URL for this IdP, which Responses
    /// must name as `Destination` and `Recipient`.
    pub acs_url: Option<String>,
    /// `protocol.endpoints.acs.binding`: how Responses arrive (Okta only offers HTTP-POST).
    pub acs_binding: Option<Binding>,
    /// `protocol.endpoints.acs.type`: `INSTANCE` (an ACS URL per IdP) or `ORG`.
    pub acs_type: Option<String>,
    /// `protocol.settings.nameFormat`: the NameID format requested, e.g.
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`.
    pub name_id_format: Option<String>,
    /// `policy.subject.userNameTemplate.template`, "IdP username": an Okta expression such as
    /// `idpuser.subjectNameId`.
    pub subject_template: Option<String>,
    /// `policy.subject.filter`: a regular expression the IdP username must match.
    pub subject_filter: Option<String>,
    /// `policy.subject.matchType`, "Match against": `USERNAME`, `EMAIL`, `USERNAME_OR_EMAIL`
    /// or `CUSTOM_ATTRIBUTE`.
    pub match_type: Option<String>,
    /// `policy.subject.matchAttribute`: the profile attribute for `CUSTOM_ATTRIBUTE`.
    pub match_attribute: Option<String>,
    /// `policy.accountLink.action`, "Account link policy": `AUTO` or `DISABLED`.
    pub account_link_action: Option<String>,
    /// `policy.accountLink.filter.groups.include`: the groups an account may be linked into
    /// (empty when there is no filter).
    pub account_link_groups: Vec<String>,
    /// `policy.provisioning.action`, "If no match is found": `AUTO` (create the user, JIT),
    /// `CALLOUT` or `DISABLED`.
    pub provisioning_action: Option<String>,
    /// `policy.provisioning.profileMaster`: whether the IdP's attributes update existing users.
    pub profile_master: Option<bool>,
    /// `policy.provisioning.groups.action`: `NONE`, `SYNC`, `APPEND` or `ASSIGN`.
    pub groups_action: Option<String>,
}

impl OktaIdp {
    /// SP settings for this federation: entity ID [`audience`](Self::audience) and ACS URL
    /// [`acs_url`](Self::acs_url), with no signing key. `None` when the JSON had no
    /// `_links.acs.href`.
    pub fn sp_settings(&self) -> Option<SpSettings> {
        self.acs_url
            .as_ref()
            .map(|acs| SpSettings::new(self.audience.clone(), acs.clone()))
    }
}

/// Loads an Okta SAML 2.0 IdP from the IdP object and its signing key credential. SHA-1 is
/// refused (see the [module documentation](self)).
pub fn from_okta_json(idp_json: &[u8], key_json: &[u8]) -> Result<OktaIdp, OktaError> {
    load(idp_json, key_json, false)
}

/// Legacy opt-ins for Okta IdPs.
pub mod danger {
    use super::{OktaError, OktaIdp, load};

    /// Like [`from_okta_json`](super::from_okta_json), but accepts `SHA-1`: requests are then
    /// signed with RSA-SHA1, and a SHA-1 response algorithm applies
    /// [`settings::danger::allow_sha1`](crate::settings::danger::allow_sha1). SHA-1 collisions
    /// are practical; use only until the IdP can sign with SHA-256.
    pub fn from_okta_json_allowing_sha1(
        idp_json: &[u8],
        key_json: &[u8],
    ) -> Result<OktaIdp, OktaError> {
        load(idp_json, key_json, true)
    }
}

const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(120);

/// A parsed JSON document and which one it is, for error messages.
struct Json {
    document: OktaDocument,
    root: Value,
}

fn json_excerpt(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let short: String = s.chars().take(57).collect();
        format!("{short}...")
    } else {
        s
    }
}

impl Json {
    fn parse(bytes: &[u8], document: OktaDocument) -> Result<Self, OktaError> {
        let root: Value = serde_json::from_slice(bytes).map_err(|e| OktaError::InvalidJson {
            document,
            reason: e.to_string(),
        })?;
        if !root.is_object() {
            return Err(OktaError::InvalidJson {
                document,
                reason: format!("the document is {}", json_excerpt(&root)),
            });
        }
        Ok(Self { document, root })
    }

    /// The value at a dotted path; `null` counts as absent.
    fn value(&self, path: &'static str) -> Option<&Value> {
        path.split('.')
            .try_fold(&self.root, |v, key| v.get(key))
            .filter(|v| !v.is_null())
    }

    fn wrong_type(&self, path: &'static str, expected: &'static str, v: &Value) -> OktaError {
        OktaError::WrongType {
            document: self.document,
            path,
            expected,
            found: json_excerpt(v),
        }
    }

    /// An optional string; an empty string counts as absent.
    fn string(&self, path: &'static str) -> Result<Option<&str>, OktaError> {
        match self.value(path) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong_type(path, "a string", v)),
        }
    }

    fn required_string(&self, path: &'static str) -> Result<&str, OktaError> {
        self.string(path)?.ok_or(OktaError::Missing {
            document: self.document,
            path,
        })
    }

    fn owned(&self, path: &'static str) -> Result<Option<String>, OktaError> {
        Ok(self.string(path)?.map(str::to_owned))
    }

    fn boolean(&self, path: &'static str) -> Result<Option<bool>, OktaError> {
        match self.value(path) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong_type(path, "true or false", v)),
        }
    }

    fn unsupported(
        &self,
        path: &'static str,
        value: &str,
        allowed: &'static [&'static str],
    ) -> OktaError {
        OktaError::UnsupportedValue {
            document: self.document,
            path,
            value: value.to_owned(),
            allowed,
        }
    }
}

const SSO_BINDING: &str = "protocol.endpoints.sso.binding";
const ACS_BINDING: &str = "protocol.endpoints.acs.binding";
const REQUEST_ALGORITHM: &str = "protocol.algorithms.request.signature.algorithm";
const REQUEST_SCOPE: &str = "protocol.algorithms.request.signature.scope";
const RESPONSE_ALGORITHM: &str = "protocol.algorithms.response.signature.algorithm";
const RESPONSE_SCOPE: &str = "protocol.algorithms.response.signature.scope";
const MAX_CLOCK_SKEW: &str = "policy.maxClockSkew";
const BINDINGS: &[&str] = &["HTTP-POST", "HTTP-REDIRECT"];
const ALGORITHMS: &[&str] = &["SHA-256", "SHA-1"];

fn binding(json: &Json, path: &'static str) -> Result<Option<Binding>, OktaError> {
    match json.string(path)? {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("HTTP-POST") => Ok(Some(Binding::HttpPost)),
        Some(s) if s.eq_ignore_ascii_case("HTTP-REDIRECT") => Ok(Some(Binding::HttpRedirect)),
        Some(s) => Err(json.unsupported(path, s, BINDINGS)),
    }
}

/// Whether an algorithm name is SHA-1 (true) or SHA-256 (false), refusing SHA-1 without the
/// opt-in.
fn is_sha1(json: &Json, path: &'static str, allow_sha1: bool) -> Result<Option<bool>, OktaError> {
    match json.string(path)? {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("SHA-256") => Ok(Some(false)),
        Some(s) if s.eq_ignore_ascii_case("SHA-1") => {
            if allow_sha1 {
                Ok(Some(true))
            } else {
                Err(OktaError::Sha1NotAllowed {
                    path,
                    value: s.to_owned(),
                })
            }
        }
        Some(s) => Err(json.unsupported(path, s, ALGORITHMS)),
    }
}

/// base64url (no padding) of the SHA-256 of `der`, as JWK's `x5t#S256`.
fn thumbprint_s256(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(DigestAlgorithm::Sha256.digest(der).as_ref())
}

/// Reads the key credential: its `kid` and the certificate `x5c[0]`, checked against
/// `x5t#S256`, `kty` and `use`.
fn signing_key(key: &Json) -> Result<(String, Certificate), OktaError> {
    let kid = key.required_string("kid")?.to_owned();
    let first = match key.value("x5c") {
        None => None,
        Some(Value::Array(chain)) => chain.first(),
        Some(v) => return Err(key.wrong_type("x5c", "an array of base64 certificates", v)),
    };
    let b64 = match first {
        None => {
            return Err(OktaError::Missing {
                document: key.document,
                path: "x5c[0]",
            });
        }
        Some(Value::String(s)) => s,
        Some(v) => return Err(key.wrong_type("x5c[0]", "a base64 certificate string", v)),
    };
    let cert = Certificate::from_base64(b64.as_bytes(), None).map_err(|source| {
        OktaError::Certificate {
            document: key.document,
            path: "x5c[0]",
            source,
        }
    })?;
    if let Some(listed) = key.string("x5t#S256")? {
        let computed = thumbprint_s256(cert.der());
        if listed.trim_end_matches('=') != computed {
            return Err(OktaError::ThumbprintMismatch {
                document: key.document,
                listed: listed.to_owned(),
                computed,
            });
        }
    }
    if let Some(kty) = key.string("kty")? {
        let kind = cert.public_key().kind();
        let matches = match kty {
            "RSA" => matches!(kind, KeyKind::Rsa { .. }),
            "EC" => matches!(kind, KeyKind::EcP256 | KeyKind::EcP384),
            "OKP" => matches!(kind, KeyKind::Ed25519),
            other => return Err(key.unsupported("kty", other, &["RSA", "EC", "OKP"])),
        };
        if !matches {
            return Err(OktaError::KeyTypeMismatch {
                document: key.document,
                kty: kty.to_owned(),
                certificate: kind,
            });
        }
    }
    if let Some(usage) = key.string("use")?
        && usage != "sig"
    {
        return Err(key.unsupported("use", usage, &["sig"]));
    }
    Ok((kid, cert))
}

fn load(idp_json: &[u8], key_json: &[u8], allow_sha1: bool) -> Result<OktaIdp, OktaError> {
    let idp = Json::parse(idp_json, OktaDocument::Idp)?;
    let key = Json::parse(key_json, OktaDocument::Key)?;

    let protocol = idp.required_string("protocol.type")?;
    if protocol != "SAML2" {
        return Err(idp.unsupported("protocol.type", protocol, &["SAML2"]));
    }
    let issuer = idp.required_string("protocol.credentials.trust.issuer")?;
    let audience = idp
        .required_string("protocol.credentials.trust.audience")?
        .to_owned();
    let trust_kid = idp.required_string("protocol.credentials.trust.kid")?;
    let sso_url = idp.required_string("protocol.endpoints.sso.url")?;

    let (key_kid, cert) = signing_key(&key)?;
    if trust_kid != key_kid {
        return Err(OktaError::KidMismatch {
            trust_kid: trust_kid.to_owned(),
            key_kid,
        });
    }

    let mut settings = IdpSettings::new(issuer, sso_url, vec![TrustAnchor::Certificate(cert)])
        .with_sso_binding(binding(&idp, SSO_BINDING)?.unwrap_or(Binding::HttpPost));

    if is_sha1(&idp, REQUEST_ALGORITHM, allow_sha1)? == Some(true) {
        settings::danger::sign_requests_with_sha1(&mut settings);
    }
    match idp.string(REQUEST_SCOPE)? {
        None | Some("REQUEST") => {}
        Some("NONE") => settings = settings.with_sign_requests(false),
        Some(other) => return Err(idp.unsupported(REQUEST_SCOPE, other, &["REQUEST", "NONE"])),
    }
    if is_sha1(&idp, RESPONSE_ALGORITHM, allow_sha1)? == Some(true) {
        settings::danger::allow_sha1(&mut settings);
    }
    if let Some(scope) = idp.string(RESPONSE_SCOPE)? {
        let scope = SignatureScope::parse(scope).ok_or_else(|| {
            idp.unsupported(
                RESPONSE_SCOPE,
                scope,
                &["RESPONSE", "ASSERTION", "TOKEN", "ANY"],
            )
        })?;
        settings = settings.with_signature_scope(scope);
    }
    let skew = match idp.value(MAX_CLOCK_SKEW) {
        None => DEFAULT_CLOCK_SKEW,
        Some(v) => v.as_u64().map(Duration::from_millis).ok_or_else(|| {
            idp.wrong_type(MAX_CLOCK_SKEW, "a non-negative integer (milliseconds)", v)
        })?,
    };
    settings = settings.with_max_clock_skew(skew);

    let account_link_groups = match idp.value("policy.accountLink.filter.groups.include") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|g| g.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                idp.wrong_type(
                    "policy.accountLink.filter.groups.include",
                    "an array of group IDs",
                    &Value::Array(items.clone()),
                )
            })?,
        Some(v) => {
            return Err(idp.wrong_type(
                "policy.accountLink.filter.groups.include",
                "an array of group IDs",
                v,
            ));
        }
    };

    Ok(OktaIdp {
        idp: settings,
        id: idp.owned("id")?,
        name: idp.owned("name")?,
        audience,
        kid: key_kid,
        revocation: idp.owned("protocol.credentials.trust.revocation")?,
        sso_destination: idp.owned("protocol.endpoints.sso.destination")?,
        acs_url: idp.owned("_links.acs.href")?,
        acs_binding: binding(&idp, ACS_BINDING)?,
        acs_type: idp.owned("protocol.endpoints.acs.type")?,
        name_id_format: idp.owned("protocol.settings.nameFormat")?,
        subject_template: idp.owned("policy.subject.userNameTemplate.template")?,
        subject_filter: idp.owned("policy.subject.filter")?,
        match_type: idp.owned("policy.subject.matchType")?,
        match_attribute: idp.owned("policy.subject.matchAttribute")?,
        account_link_action: idp.owned("policy.accountLink.action")?,
        account_link_groups,
        provisioning_action: idp.owned("policy.provisioning.action")?,
        profile_master: idp.boolean("policy.provisioning.profileMaster")?,
        groups_action: idp.owned("policy.provisioning.groups.action")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_is_base64url_without_padding() {
        // SHA-256 of the empty string.
        assert_eq!(
            thumbprint_s256(b""),
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }

    #[test]
    fn null_counts_as_absent_and_types_are_checked() {
        let json =
            Json::parse(br#"{"a": {"b": null, "c": 5, "d": ""}}"#, OktaDocument::Idp).unwrap();
        assert_eq!(json.string("a.b").unwrap(), None);
        assert_eq!(json.string("a.d").unwrap(), None);
        assert_eq!(json.string("a.x.y").unwrap(), None);
        let err = json.string("a.c").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`a.c` of the IdP JSON is 5, expected a string"
        );
        let err = json.required_string("a.b").unwrap_err();
        assert_eq!(err.to_string(), "`a.b` is missing from the IdP JSON");
    }

    #[test]
    fn non_object_json_is_refused() {
        let err = Json::parse(b"[1]", OktaDocument::Key).err().unwrap();
        assert!(matches!(err, OktaError::InvalidJson { .. }), "{err:?}");
        let err = Json::parse(b"{", OktaDocument::Key).err().unwrap();
        assert!(
            err.to_string()
                .starts_with("the key credential JSON is not a JSON object"),
            "{err}"
        );
    }
}
