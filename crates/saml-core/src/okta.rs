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
//!
//! It owns only the translation of Okta's JSON into [`IdpSettings`]; it fetches nothing.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

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
    /// A value has the wrong JSON type, or is out of range (a negative `policy.maxClockSkew`).
    #[error("`{path}` of the {document}: {reason}")]
    WrongType {
        /// The document.
        document: OktaDocument,
        /// The JSON path, e.g. `policy.accountLink.filter.groups.include[0]`.
        path: String,
        /// What was found and what was expected, in serde's words, e.g.
        /// ``invalid type: string "120000", expected u64``.
        reason: String,
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
const IDP: OktaDocument = OktaDocument::Idp;
const KEY: OktaDocument = OktaDocument::Key;

// The two documents' shapes: only the members the loader reads. Unknown members are ignored
// (Okta adds them over time). Every member is optional here, so that a required one that is
// absent, `null` or empty comes out as `OktaError::Missing` naming its path; `null` members
// are dropped before these are filled (see `parse`), so an absent or `null` object is empty.

/// The IdP object.
#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct IdpJson {
    id: Option<String>,
    name: Option<String>,
    protocol: Protocol,
    policy: Policy,
    #[serde(rename = "_links")]
    links: Links,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Protocol {
    #[serde(rename = "type")]
    kind: Option<String>,
    endpoints: Endpoints,
    algorithms: Algorithms,
    settings: ProtocolSettings,
    credentials: Credentials,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Endpoints {
    sso: Sso,
    acs: Acs,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Sso {
    url: Option<String>,
    binding: Option<String>,
    destination: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Acs {
    binding: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Algorithms {
    request: Signed,
    response: Signed,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Signed {
    signature: Signature,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Signature {
    algorithm: Option<String>,
    scope: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct ProtocolSettings {
    name_format: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Credentials {
    trust: Trust,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Trust {
    issuer: Option<String>,
    audience: Option<String>,
    kid: Option<String>,
    revocation: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct Policy {
    /// Milliseconds.
    max_clock_skew: Option<u64>,
    subject: Subject,
    account_link: AccountLink,
    provisioning: Provisioning,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct Subject {
    user_name_template: UserNameTemplate,
    filter: Option<String>,
    match_type: Option<String>,
    match_attribute: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct UserNameTemplate {
    template: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct AccountLink {
    action: Option<String>,
    filter: AccountLinkFilter,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct AccountLinkFilter {
    groups: GroupFilter,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct GroupFilter {
    include: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct Provisioning {
    action: Option<String>,
    profile_master: Option<bool>,
    groups: GroupsAction,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct GroupsAction {
    action: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Links {
    acs: Link,
}

#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Link {
    href: Option<String>,
}

/// The key credential (a JWK).
#[derive(Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct KeyJson {
    kid: Option<String>,
    x5c: Vec<String>,
    #[serde(rename = "x5t#S256")]
    x5t_s256: Option<String>,
    kty: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
}

/// Parses one document. Bytes that are not a JSON object are [`OktaError::InvalidJson`]; a
/// member of the wrong type is [`OktaError::WrongType`] with its path.
fn parse<T: DeserializeOwned>(bytes: &[u8], document: OktaDocument) -> Result<T, OktaError> {
    // Into a map first, so that a document that is not an object is refused as such: serde's
    // derived structs also take an array, by position. (A nested object given as an array is
    // still read that way; Okta never sends one.)
    let root: Map<String, Value> =
        serde_json::from_slice(bytes).map_err(|e| OktaError::InvalidJson {
            document,
            reason: e.to_string(),
        })?;
    let mut root = Value::Object(root);
    drop_nulls(&mut root);
    serde_path_to_error::deserialize(root).map_err(|e| OktaError::WrongType {
        document,
        path: e.path().to_string(),
        reason: e.into_inner().to_string(),
    })
}

/// Removes the `null` members of every object: Okta writes `null` for what is not set.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            members.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// An optional string: an empty string counts as absent.
fn text(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

fn required(
    document: OktaDocument,
    path: &'static str,
    value: Option<String>,
) -> Result<String, OktaError> {
    text(value).ok_or(OktaError::Missing { document, path })
}

fn unsupported(
    document: OktaDocument,
    path: &'static str,
    value: String,
    allowed: &'static [&'static str],
) -> OktaError {
    OktaError::UnsupportedValue {
        document,
        path,
        value,
        allowed,
    }
}

const SSO_BINDING: &str = "protocol.endpoints.sso.binding";
const ACS_BINDING: &str = "protocol.endpoints.acs.binding";
const REQUEST_ALGORITHM: &str = "protocol.algorithms.request.signature.algorithm";
const REQUEST_SCOPE: &str = "protocol.algorithms.request.signature.scope";
const RESPONSE_ALGORITHM: &str = "protocol.algorithms.response.signature.algorithm";
const RESPONSE_SCOPE: &str = "protocol.algorithms.response.signature.scope";
const BINDINGS: &[&str] = &["HTTP-POST", "HTTP-REDIRECT"];
const ALGORITHMS: &[&str] = &["SHA-256", "SHA-1"];

fn binding(path: &'static str, value: Option<String>) -> Result<Option<Binding>, OktaError> {
    match text(value) {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("HTTP-POST") => Ok(Some(Binding::HttpPost)),
        Some(s) if s.eq_ignore_ascii_case("HTTP-REDIRECT") => Ok(Some(Binding::HttpRedirect)),
        Some(s) => Err(unsupported(IDP, path, s, BINDINGS)),
    }
}

/// Whether an algorithm name is SHA-1 (true) or SHA-256 (false), refusing SHA-1 without the
/// opt-in.
fn is_sha1(
    path: &'static str,
    value: Option<String>,
    allow_sha1: bool,
) -> Result<Option<bool>, OktaError> {
    match text(value) {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("SHA-256") => Ok(Some(false)),
        Some(s) if s.eq_ignore_ascii_case("SHA-1") => {
            if allow_sha1 {
                Ok(Some(true))
            } else {
                Err(OktaError::Sha1NotAllowed { path, value: s })
            }
        }
        Some(s) => Err(unsupported(IDP, path, s, ALGORITHMS)),
    }
}

/// base64url (no padding) of the SHA-256 of `der`, as JWK's `x5t#S256`.
fn thumbprint_s256(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(DigestAlgorithm::Sha256.digest(der).as_ref())
}

/// Reads the key credential: its `kid` and the certificate `x5c[0]`, checked against
/// `x5t#S256`, `kty` and `use`.
fn signing_key(key: KeyJson) -> Result<(String, Certificate), OktaError> {
    let document = KEY;
    let kid = required(document, "kid", key.kid)?;
    let path = "x5c[0]";
    let b64 = key
        .x5c
        .into_iter()
        .next()
        .ok_or(OktaError::Missing { document, path })?;
    let cert = Certificate::from_base64(b64.as_bytes(), None).map_err(|source| {
        OktaError::Certificate {
            document,
            path,
            source,
        }
    })?;
    if let Some(listed) = text(key.x5t_s256) {
        let computed = thumbprint_s256(cert.der());
        if listed.trim_end_matches('=') != computed {
            return Err(OktaError::ThumbprintMismatch {
                document,
                listed,
                computed,
            });
        }
    }
    if let Some(kty) = text(key.kty) {
        let kind = cert.public_key().kind();
        let matches = match kty.as_str() {
            "RSA" => matches!(kind, KeyKind::Rsa { .. }),
            "EC" => matches!(kind, KeyKind::EcP256 | KeyKind::EcP384),
            "OKP" => matches!(kind, KeyKind::Ed25519),
            _ => return Err(unsupported(document, "kty", kty, &["RSA", "EC", "OKP"])),
        };
        if !matches {
            return Err(OktaError::KeyTypeMismatch {
                document,
                kty,
                certificate: kind,
            });
        }
    }
    if let Some(usage) = text(key.usage)
        && usage != "sig"
    {
        return Err(unsupported(document, "use", usage, &["sig"]));
    }
    Ok((kid, cert))
}

fn load(idp_json: &[u8], key_json: &[u8], allow_sha1: bool) -> Result<OktaIdp, OktaError> {
    let idp: IdpJson = parse(idp_json, IDP)?;
    let key: KeyJson = parse(key_json, KEY)?;
    let (protocol, policy) = (idp.protocol, idp.policy);
    let (trust, endpoints) = (protocol.credentials.trust, protocol.endpoints);
    let (request, response) = (
        protocol.algorithms.request.signature,
        protocol.algorithms.response.signature,
    );

    let protocol_type = required(IDP, "protocol.type", protocol.kind)?;
    if protocol_type != "SAML2" {
        return Err(unsupported(IDP, "protocol.type", protocol_type, &["SAML2"]));
    }
    let issuer = required(IDP, "protocol.credentials.trust.issuer", trust.issuer)?;
    let audience = required(IDP, "protocol.credentials.trust.audience", trust.audience)?;
    let trust_kid = required(IDP, "protocol.credentials.trust.kid", trust.kid)?;
    let sso_url = required(IDP, "protocol.endpoints.sso.url", endpoints.sso.url)?;

    let (key_kid, cert) = signing_key(key)?;
    if trust_kid != key_kid {
        return Err(OktaError::KidMismatch { trust_kid, key_kid });
    }

    let sso_binding = binding(SSO_BINDING, endpoints.sso.binding)?;
    let mut settings = IdpSettings::new(issuer, sso_url, vec![TrustAnchor::Certificate(cert)])
        .with_sso_binding(sso_binding.unwrap_or(Binding::HttpPost));

    if is_sha1(REQUEST_ALGORITHM, request.algorithm, allow_sha1)? == Some(true) {
        settings::danger::sign_requests_with_sha1(&mut settings);
    }
    match text(request.scope).as_deref() {
        None | Some("REQUEST") => {}
        Some("NONE") => settings = settings.with_sign_requests(false),
        Some(other) => {
            let other = other.to_owned();
            return Err(unsupported(IDP, REQUEST_SCOPE, other, &["REQUEST", "NONE"]));
        }
    }
    if is_sha1(RESPONSE_ALGORITHM, response.algorithm, allow_sha1)? == Some(true) {
        settings::danger::allow_sha1(&mut settings);
    }
    if let Some(scope) = text(response.scope) {
        let Some(parsed) = SignatureScope::parse(&scope) else {
            let allowed = &["RESPONSE", "ASSERTION", "TOKEN", "ANY"];
            return Err(unsupported(IDP, RESPONSE_SCOPE, scope, allowed));
        };
        settings = settings.with_signature_scope(parsed);
    }
    let skew = policy
        .max_clock_skew
        .map_or(DEFAULT_CLOCK_SKEW, Duration::from_millis);
    settings = settings.with_max_clock_skew(skew);

    Ok(OktaIdp {
        idp: settings,
        id: text(idp.id),
        name: text(idp.name),
        audience,
        kid: key_kid,
        revocation: text(trust.revocation),
        sso_destination: text(endpoints.sso.destination),
        acs_url: text(idp.links.acs.href),
        acs_binding: binding(ACS_BINDING, endpoints.acs.binding)?,
        acs_type: text(endpoints.acs.kind),
        name_id_format: text(protocol.settings.name_format),
        subject_template: text(policy.subject.user_name_template.template),
        subject_filter: text(policy.subject.filter),
        match_type: text(policy.subject.match_type),
        match_attribute: text(policy.subject.match_attribute),
        account_link_action: text(policy.account_link.action),
        account_link_groups: policy.account_link.filter.groups.include,
        provisioning_action: text(policy.provisioning.action),
        profile_master: policy.provisioning.profile_master,
        groups_action: text(policy.provisioning.groups.action),
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
    fn null_and_empty_count_as_absent() {
        let json = br#"{"protocol": null, "name": "",
            "policy": {"accountLink": {"filter": null}, "maxClockSkew": null}}"#;
        let idp: IdpJson = parse(json, OktaDocument::Idp).unwrap();
        assert_eq!(idp.protocol.kind, None);
        assert_eq!(text(idp.name), None);
        assert!(idp.policy.account_link.filter.groups.include.is_empty());
        assert_eq!(idp.policy.max_clock_skew, None);
        let err = required(OktaDocument::Idp, "a.b", Some(String::new())).unwrap_err();
        assert_eq!(err.to_string(), "`a.b` is missing from the IdP JSON");
    }

    #[test]
    fn wrong_types_name_the_path() {
        let json = br#"{"protocol": {"credentials": {"trust": {"issuer": 5}}}}"#;
        let err = parse::<IdpJson>(json, OktaDocument::Idp).err().unwrap();
        assert_eq!(
            err.to_string(),
            "`protocol.credentials.trust.issuer` of the IdP JSON: \
             invalid type: integer `5`, expected a string"
        );
        let json = br#"{"x5c": ["MIID", null]}"#;
        let err = parse::<KeyJson>(json, OktaDocument::Key).err().unwrap();
        assert!(
            matches!(&err, OktaError::WrongType { path, .. } if path == "x5c[1]"),
            "{err:?}"
        );
    }

    #[test]
    fn non_object_json_is_refused() {
        for json in [&b"[1]"[..], b"\"x\"", b"null"] {
            let err = parse::<KeyJson>(json, OktaDocument::Key).err().unwrap();
            assert!(matches!(err, OktaError::InvalidJson { .. }), "{err:?}");
        }
        let err = parse::<KeyJson>(b"{", OktaDocument::Key).err().unwrap();
        assert!(
            err.to_string()
                .starts_with("the key credential JSON is not a JSON object"),
            "{err}"
        );
    }
}
