//! SAML 2.0 metadata (`saml-metadata-2.0-os`): IdP settings from an IdP's `EntityDescriptor`,
//! an SP peer (for an IdP we run) from an SP's, and `EntityDescriptor`s for our own SP and IdP.
//!
//! # What reading metadata trusts
//!
//! [`IdpMetadata::parse`] takes the IdP's signing certificates from the metadata, so the
//! metadata *is* the trust decision: load it only from a source you already trust (a file an
//! administrator placed, an HTTPS download from the IdP's own host). **[`IdpMetadata::parse`]
//! and [`SpMetadata::parse`] do not verify the metadata's own `ds:Signature`**; metadata that
//! comes signed (a federation aggregate, an MDQ answer) is loaded with [`Metadata::verify`],
//! which checks the document element's signature against a pinned key with the crate's
//! [`Verifier`](crate::dsig::Verifier), indexes every entity, enforces `validUntil` and reads
//! `cacheDuration` (see [`Metadata`]). A document that names no signing certificate is an
//! error, never "no verification" (Keycloak CVE-2026-16443 was an IdP with no key silently
//! accepting unsigned responses).
//!
//! The document goes through the hardened parser ([`Document::parse_bytes`]), so a DOCTYPE,
//! entities and oversized input are refused before anything is read.
//!
//! # What is read
//!
//! From the `md:EntityDescriptor` (the document element, or the single IdP entity of an
//! `md:EntitiesDescriptor`):
//!
//! | metadata | becomes |
//! |---|---|
//! | `@entityID` | [`IdpSettings::issuer`] |
//! | the one `md:IDPSSODescriptor` whose `@protocolSupportEnumeration` lists SAML 2.0 | — |
//! | its `md:SingleSignOnService` (HTTP-POST preferred, else HTTP-Redirect) | [`IdpSettings::sso_url`], [`IdpSettings::sso_binding`] |
//! | its `md:KeyDescriptor`s with `use="signing"` or no `use` → `ds:KeyInfo/ds:X509Data/ds:X509Certificate` | [`IdpSettings::signing_certificates`] |
//! | its `@WantAuthnRequestsSigned` (default false) | [`IdpSettings::sign_requests`] |
//! | `@validUntil` of the entity and its enclosing `EntitiesDescriptor`s (the earliest) | [`IdpMetadata::valid_until`]; [`IdpMetadata::into_settings`] refuses metadata past it |
//!
//! Keys with `use="encryption"` are never trusted for signatures; their certificates are kept
//! apart ([`IdpMetadata::encryption_certificates`]). `md:SingleLogoutService`s are read too
//! ([`IdpMetadata::single_logout_services`], [`SpMetadata::single_logout_services`]). Everything
//! else in the settings keeps the defaults of [`IdpSettings::new`].
//!
//! [`SpMetadata::parse`] reads a service provider's metadata, for an IdP we run, as strictly
//! (the metadata is the trust decision for the SP's request-signing keys and the key we
//! encrypt to):
//!
//! | metadata | becomes |
//! |---|---|
//! | `@entityID` | [`SpPeer::entity_id`] |
//! | the one `md:SPSSODescriptor` whose `@protocolSupportEnumeration` lists SAML 2.0 | — |
//! | its `md:AssertionConsumerService`s with the HTTP-POST binding, the default first (`isDefault="true"`, then those without `isDefault`, then the rest, each in document order) | [`SpMetadata::acs_urls`]; the first is [`SpPeer::acs_url`] |
//! | its `md:KeyDescriptor`s with `use="signing"` or no `use` → `ds:X509Certificate` | [`SpMetadata::signing_certificates`], [`SpPeer::certificates`] |
//! | its `md:KeyDescriptor`s with `use="encryption"` → `ds:X509Certificate` (an RSA key of 2048 to 8192 bits, else refused) | [`SpMetadata::encryption_certificates`]; the first is [`SpPeer::encryption_key`] |
//! | their `md:EncryptionMethod/@Algorithm`s | [`SpMetadata::encryption_methods`] (informative: the algorithms stay those of [`SpPeer`]) |
//! | `@AuthnRequestsSigned`, `@WantAssertionsSigned` (default false) | [`SpMetadata::authn_requests_signed`], [`SpMetadata::want_assertions_signed`] |
//! | `@validUntil` of the entity and its enclosing `EntitiesDescriptor`s (the earliest) | [`SpMetadata::valid_until`]; [`SpMetadata::into_peer`] refuses metadata past it |
//!
//! A key without `use` is taken for signing only: the schema lets it serve both, but
//! encryption is turned on only by a key the SP marked `use="encryption"`. An encryption
//! `KeyDescriptor` must hold exactly one certificate of a usable RSA key: one that cannot be
//! used is an error, never a silent fall back to issuing in the clear. [`SpMetadata::into_peer`]
//! requires signed AuthnRequests whatever `AuthnRequestsSigned` says (accepting them unsigned
//! is [`danger::into_peer_accepting_unsigned_requests`]).
//!
//! It owns the reading and writing of metadata documents; it trusts nothing by itself (the
//! caller vouches for where the bytes came from) and fetches nothing: no HTTP client lives in
//! this crate.

mod aggregate;
mod duration;

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub use self::aggregate::{
    DEFAULT_CACHE_DURATION, EndpointSummary, EntityRole, EntitySummary, KeySummary, KeyUse,
    Metadata, MetadataLimits, MetadataSignature, RoleSummary, ServiceKind,
};
pub use self::duration::{DurationError, XsDuration};
use crate::crypto::{Certificate, CryptoError, TrustAnchor};
use crate::dsig::DsigError;
use crate::error::ErrorKind;
use crate::saml::idp::SpPeer;
use crate::settings::{Binding, IdpSettings, SpSettings};
use crate::time::{DateTime, TimeError, parse_xs_datetime};
use crate::xml::{Document, Limits, NodeId, XmlError};
use crate::xmlenc::EncryptionKey;

pub use crate::ns::DSIG as DSIG_NAMESPACE;
pub use crate::ns::SAML_METADATA as METADATA_NAMESPACE;
/// The SAML 2.0 protocol URI that `protocolSupportEnumeration` must list.
pub const PROTOCOL_SUPPORT: &str = crate::ns::SAML_PROTOCOL;
/// The NameID format our SP metadata asks for (see [`sp_metadata`]).
pub const NAME_ID_FORMAT_UNSPECIFIED: &str =
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/// Why metadata was refused. Each variant names the element or attribute involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// An `md:EntitiesDescriptor` holds more than one entity with an `IDPSSODescriptor`.
    #[error(
        "the EntitiesDescriptor holds {} entities with an IDPSSODescriptor ({}); choose one with `IdpMetadata::parse_entity`",
        entity_ids.len(),
        join_quoted(entity_ids)
    )]
    AmbiguousEntity {
        /// The entityIDs of the IdP entities found.
        entity_ids: Vec<String>,
    },
    /// A signing `ds:X509Certificate` is not a usable certificate.
    #[error("`{entity_id}`: signing KeyDescriptor #{key_descriptor}: {source}")]
    Certificate {
        /// The entity's entityID.
        entity_id: String,
        /// 1-based position of the `md:KeyDescriptor` among the IDPSSODescriptor's (or
        /// SPSSODescriptor's).
        key_descriptor: usize,
        /// Why the certificate was refused.
        #[source]
        source: CryptoError,
    },
    /// The entity asked for is not in the document.
    #[error(
        "no EntityDescriptor with entityID `{wanted}` (found {})",
        join_quoted_or_none(found)
    )]
    EntityNotFound {
        /// The entityID asked for.
        wanted: String,
        /// The entityIDs present.
        found: Vec<String>,
    },
    /// An `xs:boolean` attribute holds something other than `true`, `false`, `1` or `0`.
    #[error("`{attribute}` is `{value}`, not an xs:boolean (true, false, 1, 0)")]
    InvalidBoolean {
        /// The attribute's name.
        attribute: &'static str,
        /// Its value.
        value: String,
    },
    /// A `md:KeyDescriptor/@use` other than `signing` or `encryption`.
    #[error(
        "`{entity_id}`: KeyDescriptor #{key_descriptor} has use=`{value}` (allowed: `signing`, `encryption`, or none)"
    )]
    InvalidKeyUse {
        /// The entity's entityID.
        entity_id: String,
        /// 1-based position of the `md:KeyDescriptor`.
        key_descriptor: usize,
        /// The `use` value.
        value: String,
    },
    /// The metadata's `validUntil` has passed: its keys are no longer vouched for.
    #[error(
        "the metadata of `{entity_id}` expired at {valid_until} (validUntil), and it is now {now}; fetch fresh metadata"
    )]
    Expired {
        /// The entity.
        entity_id: String,
        /// The earliest validUntil of the entity and its enclosing descriptors.
        valid_until: DateTime,
        /// The time of the check.
        now: DateTime,
    },
    /// A `validUntil` attribute is not an `xs:dateTime`.
    #[error("`validUntil`: {source}")]
    InvalidValidUntil {
        /// Why it did not parse (the message repeats the value).
        #[source]
        source: TimeError,
    },
    /// A required attribute is missing or empty.
    #[error("`{element}` has no `{attribute}` attribute (or it is empty)")]
    MissingAttribute {
        /// The element's local name.
        element: &'static str,
        /// The attribute's name.
        attribute: &'static str,
    },
    /// One signing `md:KeyDescriptor` holds several certificates, so which one is the signing
    /// key is ambiguous; or an encryption `KeyDescriptor` of SP metadata holds other than one.
    #[error(
        "`{entity_id}`: KeyDescriptor #{key_descriptor} holds {count} X509Certificate elements; expected one"
    )]
    MultipleCertificates {
        /// The entity's entityID.
        entity_id: String,
        /// 1-based position of the `md:KeyDescriptor`.
        key_descriptor: usize,
        /// How many `ds:X509Certificate` elements it holds.
        count: usize,
    },
    /// The entity has several `md:IDPSSODescriptor`s supporting SAML 2.0.
    #[error("`{entity_id}` has {count} IDPSSODescriptors supporting SAML 2.0; expected one")]
    MultipleIdpSsoDescriptors {
        /// The entity's entityID.
        entity_id: String,
        /// How many there are.
        count: usize,
    },
    /// An `md:EntitiesDescriptor` holds no entity with an `IDPSSODescriptor`.
    #[error(
        "the EntitiesDescriptor holds no entity with an IDPSSODescriptor (entities: {})",
        join_quoted_or_none(entity_ids)
    )]
    NoIdpEntity {
        /// The entityIDs that were present.
        entity_ids: Vec<String>,
    },
    /// The entity has no `md:IDPSSODescriptor` that supports SAML 2.0.
    #[error(
        "`{entity_id}` has no IDPSSODescriptor with `{PROTOCOL_SUPPORT}` in its protocolSupportEnumeration (found: {})",
        join_quoted_or_none(protocols)
    )]
    NoIdpSsoDescriptor {
        /// The entity's entityID.
        entity_id: String,
        /// The `protocolSupportEnumeration` of each IDPSSODescriptor present.
        protocols: Vec<String>,
    },
    /// The IdP names no signing certificate. Never treated as "skip verification".
    #[error(
        "`{entity_id}`: the IDPSSODescriptor names no signing certificate ({encryption_keys} encryption-only KeyDescriptor(s) ignored, {without_certificate} signing KeyDescriptor(s) without an X509Certificate)"
    )]
    NoSigningKey {
        /// The IdP's entityID.
        entity_id: String,
        /// How many `use="encryption"` KeyDescriptors were skipped.
        encryption_keys: usize,
        /// How many signing KeyDescriptors had no `ds:X509Certificate`.
        without_certificate: usize,
    },
    /// No `md:SingleSignOnService` uses HTTP-POST or HTTP-Redirect.
    #[error(
        "`{entity_id}`: no SingleSignOnService with the HTTP-POST or HTTP-Redirect binding (found: {})",
        join_quoted_or_none(bindings)
    )]
    NoSupportedSsoService {
        /// The IdP's entityID.
        entity_id: String,
        /// The bindings of the SingleSignOnServices present.
        bindings: Vec<String>,
    },
    /// The document element is neither an `md:EntityDescriptor` nor an `md:EntitiesDescriptor`.
    #[error(
        "the document element is `{{{namespace}}}{local_name}`, not an md:EntityDescriptor or md:EntitiesDescriptor"
    )]
    UnexpectedRoot {
        /// Its namespace URI.
        namespace: String,
        /// Its local name.
        local_name: String,
    },
    /// The document is not acceptable XML (DOCTYPE, malformed, over a limit, …).
    #[error("metadata XML: {0}")]
    Xml(#[from] XmlError),
    /// An `md:EntitiesDescriptor` holds more than one entity with an `SPSSODescriptor`.
    #[error(
        "the EntitiesDescriptor holds {} entities with an SPSSODescriptor ({}); choose one with `SpMetadata::parse_entity`",
        entity_ids.len(),
        join_quoted(entity_ids)
    )]
    AmbiguousSpEntity {
        /// The entityIDs of the SP entities found.
        entity_ids: Vec<String>,
    },
    /// The certificate of an SP's `use="encryption"` `md:KeyDescriptor` is not usable for
    /// encrypting to (not a certificate, not RSA, or an RSA key outside 2048 to 8192 bits), or
    /// that of an IdP's is not a certificate.
    #[error("`{entity_id}`: encryption KeyDescriptor #{key_descriptor}: {source}")]
    EncryptionCertificate {
        /// The SP's entityID.
        entity_id: String,
        /// 1-based position of the `md:KeyDescriptor` among the SPSSODescriptor's.
        key_descriptor: usize,
        /// Why the certificate was refused.
        #[source]
        source: CryptoError,
    },
    /// No `md:AssertionConsumerService` of the SP uses HTTP-POST, the binding Responses are
    /// delivered with.
    #[error(
        "`{entity_id}`: no AssertionConsumerService with the HTTP-POST binding (found: {})",
        join_quoted_or_none(bindings)
    )]
    NoAssertionConsumerService {
        /// The SP's entityID.
        entity_id: String,
        /// The bindings of the AssertionConsumerServices present.
        bindings: Vec<String>,
    },
    /// An `md:EntitiesDescriptor` holds no entity with an `SPSSODescriptor`.
    #[error(
        "the EntitiesDescriptor holds no entity with an SPSSODescriptor (entities: {})",
        join_quoted_or_none(entity_ids)
    )]
    NoSpEntity {
        /// The entityIDs that were present.
        entity_ids: Vec<String>,
    },
    /// The SP names no signing certificate, so its AuthnRequests could not be verified.
    #[error(
        "`{entity_id}`: the SPSSODescriptor names no signing certificate ({without_certificate} signing KeyDescriptor(s) without an X509Certificate), so its AuthnRequests cannot be verified; accepting them unsigned is `metadata::danger::into_peer_accepting_unsigned_requests`"
    )]
    NoSpSigningKey {
        /// The SP's entityID.
        entity_id: String,
        /// How many signing KeyDescriptors had no `ds:X509Certificate`.
        without_certificate: usize,
    },
    /// The entity has no `md:SPSSODescriptor` that supports SAML 2.0.
    #[error(
        "`{entity_id}` has no SPSSODescriptor with `{PROTOCOL_SUPPORT}` in its protocolSupportEnumeration (found: {})",
        join_quoted_or_none(protocols)
    )]
    NoSpSsoDescriptor {
        /// The entity's entityID.
        entity_id: String,
        /// The `protocolSupportEnumeration` of each SPSSODescriptor present.
        protocols: Vec<String>,
    },
    /// The entity has several `md:SPSSODescriptor`s supporting SAML 2.0.
    #[error("`{entity_id}` has {count} SPSSODescriptors supporting SAML 2.0; expected one")]
    MultipleSpSsoDescriptors {
        /// The entity's entityID.
        entity_id: String,
        /// How many there are.
        count: usize,
    },
    /// Two `md:EntityDescriptor`s carry the same entityID: which one is meant would depend on
    /// the reader (a way to smuggle a second, unsigned or older, description of an entity).
    #[error("the entityID `{entity_id}` occurs more than once in the metadata")]
    DuplicateEntityId {
        /// The repeated entityID.
        entity_id: String,
    },
    /// `md:EntitiesDescriptor`s nest deeper than [`MetadataLimits::max_entities_depth`].
    #[error("EntitiesDescriptors nest more than {max} deep (MetadataLimits::max_entities_depth)")]
    EntitiesTooDeep {
        /// The limit.
        max: usize,
    },
    /// A `cacheDuration` attribute is not a non-negative `xs:duration`.
    #[error("`{element}/@cacheDuration`: {source}")]
    InvalidCacheDuration {
        /// The element carrying it.
        element: String,
        /// Why it was refused (the message repeats the value).
        #[source]
        source: DurationError,
    },
    /// The metadata's signature does not verify with a pinned key, or breaks a rule of
    /// XML Signature as the crate verifies it.
    #[error("metadata signature: {0}")]
    Signature(#[source] DsigError),
    /// The document element carries no Signature, and a signature was required.
    #[error(
        "the document element `{element}` carries no Signature{}",
        inner.as_ref().map_or_else(String::new, |i| format!(
            " (the Signature on the inner `{i}` covers only that element, not the document \
             read around it: signature wrapping is refused)"
        ))
    )]
    SignatureMissing {
        /// The document element.
        element: String,
        /// An inner element that carries a Signature, if any.
        inner: Option<String>,
    },
    /// An element where the metadata schema allows none (in an `md:EntitiesDescriptor`:
    /// only `ds:Signature`, `md:Extensions`, `md:EntityDescriptor`, `md:EntitiesDescriptor`).
    #[error("unexpected `{found}` in `{parent}`")]
    UnexpectedElement {
        /// The element it was found in.
        parent: &'static str,
        /// Its qualified name.
        found: String,
    },
    /// No entity with this entityID in a loaded [`Metadata`].
    #[error("no entity with entityID `{wanted}` among the {count} in the metadata")]
    UnknownEntity {
        /// The entityID asked for.
        wanted: String,
        /// How many entities there are.
        count: usize,
    },
}

impl MetadataError {
    /// The stable kind of this refusal (see [`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            Self::Xml(e) => match e.kind {
                crate::xml::XmlErrorKind::LimitExceeded { .. } => K::LimitExceeded,
                _ => K::MalformedXml,
            },
            Self::Expired { .. } => K::Expired,
            Self::Signature(e) => e.kind(),
            Self::SignatureMissing { .. } => K::SignatureMissing,
            Self::DuplicateEntityId { .. } => K::DuplicateId,
            Self::EntitiesTooDeep { .. } => K::LimitExceeded,
            Self::EntityNotFound { .. } | Self::UnknownEntity { .. } => K::UnknownEntity,
            _ => K::MalformedMessage,
        }
    }

    /// Whether the input is not metadata at all (not well-formed XML, or another document
    /// element), as opposed to metadata that is refused. Over-limit input is refused, not
    /// unreadable.
    pub fn is_unreadable(&self) -> bool {
        match self {
            Self::Xml(_) => self.kind() == ErrorKind::MalformedXml,
            Self::UnexpectedRoot { .. } => true,
            _ => false,
        }
    }
}

fn join_quoted(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    quoted.join(", ")
}

fn join_quoted_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        join_quoted(items)
    }
}

/// A metadata endpoint: a binding and a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// The endpoint's binding.
    pub binding: Binding,
    /// Its `Location`.
    pub location: String,
    /// Its `ResponseLocation`, where responses go when it differs from `Location` (only
    /// `md:SingleLogoutService` has one; never on SSO services).
    pub response_location: Option<String>,
}

/// What an IdP's metadata says about it, parsed and checked.
///
/// Built only by [`IdpMetadata::parse`] or [`IdpMetadata::parse_entity`], which guarantee at
/// least one supported SSO service and at least one signing certificate.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IdpMetadata {
    entity_id: String,
    sso_services: Vec<Endpoint>,
    single_logout_services: Vec<Endpoint>,
    signing_certificates: Vec<TrustAnchor>,
    encryption_certificates: Vec<Certificate>,
    want_authn_requests_signed: bool,
    valid_until: Option<DateTime>,
}

impl IdpMetadata {
    /// Parses the metadata of one IdP: an `md:EntityDescriptor`, or an `md:EntitiesDescriptor`
    /// holding exactly one entity with an `md:IDPSSODescriptor`. The metadata signature is not
    /// verified (see the [module documentation](self)).
    pub fn parse(xml: &[u8]) -> Result<Self, MetadataError> {
        Self::parse_selecting(xml, None)
    }

    /// Parses the entity with this entityID, from an `md:EntityDescriptor` or from any
    /// `md:EntitiesDescriptor` (an aggregate with many IdPs).
    pub fn parse_entity(xml: &[u8], entity_id: &str) -> Result<Self, MetadataError> {
        Self::parse_selecting(xml, Some(entity_id))
    }

    fn parse_selecting(xml: &[u8], wanted: Option<&str>) -> Result<Self, MetadataError> {
        parse_role(xml, wanted, Role::Idp, parse_idp_entity)
    }

    /// The IdP's `entityID`: the Issuer its Responses carry.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The SSO services with a supported binding, in document order (never empty).
    pub fn sso_services(&self) -> &[Endpoint] {
        &self.sso_services
    }

    /// The `md:SingleLogoutService`s with a supported binding (HTTP-POST, HTTP-Redirect), in
    /// document order, each with its `ResponseLocation`; may be empty. Not part of
    /// [`into_settings`](Self::into_settings): the application chooses which to use.
    pub fn single_logout_services(&self) -> &[Endpoint] {
        &self.single_logout_services
    }

    /// The URL of the first SSO service with this binding.
    pub fn sso_url(&self, binding: Binding) -> Option<&str> {
        self.sso_services
            .iter()
            .find(|e| e.binding == binding)
            .map(|e| e.location.as_str())
    }

    /// The SSO service AuthnRequests should use: HTTP-POST if offered, else HTTP-Redirect.
    pub fn preferred_sso_service(&self) -> Option<&Endpoint> {
        preferred(&self.sso_services)
    }

    /// The certificates of every signing `md:KeyDescriptor` (never empty), in document order.
    pub fn signing_certificates(&self) -> &[TrustAnchor] {
        &self.signing_certificates
    }

    /// The certificates of every `use="encryption"` `md:KeyDescriptor`, in document order
    /// (may be empty): kept apart from the signing keys and never trusted for signatures. A
    /// key without `use` is among [`signing_certificates`](Self::signing_certificates) only.
    pub fn encryption_certificates(&self) -> &[Certificate] {
        &self.encryption_certificates
    }

    /// `IDPSSODescriptor/@WantAuthnRequestsSigned` (false when absent, as the schema says).
    pub fn want_authn_requests_signed(&self) -> bool {
        self.want_authn_requests_signed
    }

    /// The earliest `validUntil` of the entity and its enclosing `EntitiesDescriptor`s.
    /// [`into_settings`](Self::into_settings) refuses the metadata once it has passed.
    pub fn valid_until(&self) -> Option<DateTime> {
        self.valid_until
    }

    /// Settings for this IdP at `now`: issuer, preferred SSO service, signing certificates and
    /// `sign_requests = WantAuthnRequestsSigned`; every other field keeps the default of
    /// [`IdpSettings::new`]. An SP that signs every request anyway can set
    /// [`IdpSettings::with_sign_requests`] afterwards.
    ///
    /// # Errors
    ///
    /// [`MetadataError::Expired`] when the metadata's `validUntil` has passed: its keys are no
    /// longer vouched for. (Reading expired metadata for inspection is
    /// [`danger::into_settings_ignoring_expiry`].)
    pub fn into_settings(self, now: DateTime) -> Result<IdpSettings, MetadataError> {
        check_expiry(&self.entity_id, self.valid_until, now)?;
        Ok(self.settings())
    }

    fn settings(self) -> IdpSettings {
        let (sso_url, binding) = match self.preferred_sso_service() {
            Some(e) => (e.location.clone(), e.binding),
            // Unreachable: parsing refuses metadata without a supported SSO service.
            None => (String::new(), Binding::HttpPost),
        };
        let slo = preferred(&self.single_logout_services).cloned();
        let settings = IdpSettings::new(self.entity_id, sso_url, self.signing_certificates)
            .with_sso_binding(binding)
            .with_sign_requests(self.want_authn_requests_signed);
        match slo {
            Some(e) => settings.with_single_logout_service(e.location, e.binding),
            None => settings,
        }
    }
}

/// Reads IdP settings from SAML 2.0 metadata at `now`: shorthand for [`IdpMetadata::parse`]
/// followed by [`IdpMetadata::into_settings`].
///
/// The metadata's own signature is **not** verified: the caller vouches for where the bytes
/// came from (see the [module documentation](self)). Metadata without a signing certificate,
/// or whose `validUntil` has passed, is an error.
pub fn idp_settings_from_metadata(xml: &[u8], now: DateTime) -> Result<IdpSettings, MetadataError> {
    IdpMetadata::parse(xml)?.into_settings(now)
}

/// What a service provider's metadata says about it, parsed and checked (for an IdP we run).
///
/// Built only by [`SpMetadata::parse`] or [`SpMetadata::parse_entity`], which guarantee at
/// least one HTTP-POST AssertionConsumerService and a usable RSA key behind every encryption
/// certificate.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SpMetadata {
    entity_id: String,
    acs_urls: Vec<String>,
    single_logout_services: Vec<Endpoint>,
    signing_certificates: Vec<TrustAnchor>,
    encryption_certificates: Vec<Certificate>,
    encryption_keys: Vec<EncryptionKey>,
    encryption_methods: Vec<String>,
    signing_without_certificate: usize,
    authn_requests_signed: bool,
    want_assertions_signed: bool,
    valid_until: Option<DateTime>,
}

impl SpMetadata {
    /// Parses the metadata of one SP: an `md:EntityDescriptor`, or an `md:EntitiesDescriptor`
    /// holding exactly one entity with an `md:SPSSODescriptor`. The metadata signature is not
    /// verified (see the [module documentation](self)).
    pub fn parse(xml: &[u8]) -> Result<Self, MetadataError> {
        Self::parse_selecting(xml, None)
    }

    /// Parses the entity with this entityID, from an `md:EntityDescriptor` or from any
    /// `md:EntitiesDescriptor`.
    pub fn parse_entity(xml: &[u8], entity_id: &str) -> Result<Self, MetadataError> {
        Self::parse_selecting(xml, Some(entity_id))
    }

    fn parse_selecting(xml: &[u8], wanted: Option<&str>) -> Result<Self, MetadataError> {
        parse_role(xml, wanted, Role::Sp, parse_sp_entity)
    }

    /// The SP's `entityID`: the Audience of the assertions issued to it, the Issuer of its
    /// AuthnRequests.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The Locations of its HTTP-POST AssertionConsumerServices, the default first (never
    /// empty).
    pub fn acs_urls(&self) -> &[String] {
        &self.acs_urls
    }

    /// The SP's `md:SingleLogoutService`s with a supported binding (HTTP-POST,
    /// HTTP-Redirect), in document order, each with its `ResponseLocation`; may be empty. Not
    /// part of [`into_peer`](Self::into_peer).
    pub fn single_logout_services(&self) -> &[Endpoint] {
        &self.single_logout_services
    }

    /// The default HTTP-POST AssertionConsumerService's Location.
    pub fn acs_url(&self) -> &str {
        self.acs_urls.first().map_or("", String::as_str)
    }

    /// The certificates of every signing `md:KeyDescriptor` (`use="signing"` or no `use`), in
    /// document order; may be empty.
    pub fn signing_certificates(&self) -> &[TrustAnchor] {
        &self.signing_certificates
    }

    /// The certificates of every `use="encryption"` `md:KeyDescriptor`, in document order;
    /// may be empty.
    pub fn encryption_certificates(&self) -> &[Certificate] {
        &self.encryption_certificates
    }

    /// The key of the first encryption certificate, which [`into_peer`](Self::into_peer)
    /// encrypts to; `None` when the SP publishes no encryption key.
    pub fn encryption_key(&self) -> Option<&EncryptionKey> {
        self.encryption_keys.first()
    }

    /// The `md:EncryptionMethod/@Algorithm`s of the encryption `KeyDescriptor`s, in document
    /// order: what the SP says it can decrypt. Informative only: the algorithms used are
    /// [`SpPeer`]'s (see [`SpPeer::with_encryption_algorithms`]).
    pub fn encryption_methods(&self) -> &[String] {
        &self.encryption_methods
    }

    /// `SPSSODescriptor/@AuthnRequestsSigned` (false when absent).
    pub fn authn_requests_signed(&self) -> bool {
        self.authn_requests_signed
    }

    /// `SPSSODescriptor/@WantAssertionsSigned` (false when absent).
    pub fn want_assertions_signed(&self) -> bool {
        self.want_assertions_signed
    }

    /// The earliest `validUntil` of the entity and its enclosing `EntitiesDescriptor`s.
    pub fn valid_until(&self) -> Option<DateTime> {
        self.valid_until
    }

    /// The peer for our IdP at `now`: entity ID, the default HTTP-POST ACS URL, the signing
    /// certificates (AuthnRequests must be signed with one of them, whatever
    /// `AuthnRequestsSigned` says), and, when the SP publishes an encryption certificate,
    /// encryption to the first one with [`SpPeer`]'s default algorithms (change them with
    /// [`SpPeer::with_encryption_algorithms`]).
    ///
    /// # Errors
    ///
    /// [`MetadataError::Expired`] when `validUntil` has passed; [`MetadataError::NoSpSigningKey`]
    /// when the SP names no signing certificate (accepting its requests unsigned is
    /// [`danger::into_peer_accepting_unsigned_requests`]).
    pub fn into_peer(self, now: DateTime) -> Result<SpPeer, MetadataError> {
        self.check_expiry(now)?;
        let Self {
            entity_id,
            acs_urls,
            signing_certificates,
            encryption_keys,
            signing_without_certificate,
            ..
        } = self;
        let slo = preferred(&self.single_logout_services).cloned();
        let acs_url = acs_urls.into_iter().next().unwrap_or_default();
        let mut peer =
            SpPeer::new(entity_id.clone(), acs_url, signing_certificates).map_err(|_| {
                MetadataError::NoSpSigningKey {
                    entity_id,
                    without_certificate: signing_without_certificate,
                }
            })?;
        if let Some(e) = slo {
            peer = peer.with_single_logout_service(e.location, e.binding);
        }
        Ok(with_encryption(peer, encryption_keys))
    }

    fn check_expiry(&self, now: DateTime) -> Result<(), MetadataError> {
        check_expiry(&self.entity_id, self.valid_until, now)
    }
}

/// [`MetadataError::Expired`] once `valid_until` has passed: the entity's keys are no longer
/// vouched for. The same rule for IdP and SP metadata.
fn check_expiry(
    entity_id: &str,
    valid_until: Option<DateTime>,
    now: DateTime,
) -> Result<(), MetadataError> {
    match valid_until {
        Some(valid_until) if now >= valid_until => Err(MetadataError::Expired {
            entity_id: entity_id.to_owned(),
            valid_until,
            now,
        }),
        _ => Ok(()),
    }
}

/// `peer`, encrypting to the first of `keys` if there is one.
fn with_encryption(peer: SpPeer, keys: Vec<EncryptionKey>) -> SpPeer {
    match keys.into_iter().next() {
        Some(key) => peer.with_encryption(key),
        None => peer,
    }
}

/// Reads an SP peer from SAML 2.0 metadata at `now`: shorthand for [`SpMetadata::parse`]
/// followed by [`SpMetadata::into_peer`]. The metadata's own signature is **not** verified.
pub fn sp_peer_from_metadata(xml: &[u8], now: DateTime) -> Result<SpPeer, MetadataError> {
    SpMetadata::parse(xml)?.into_peer(now)
}

/// The Single Logout endpoint settings take from metadata: HTTP-POST preferred, else
/// HTTP-Redirect (as for SSO), its `Location` (a `ResponseLocation` for LogoutResponses is
/// listed by [`IdpMetadata::single_logout_services`] but not used: the settings hold one URL).
fn preferred(endpoints: &[Endpoint]) -> Option<&Endpoint> {
    [Binding::HttpPost, Binding::HttpRedirect]
        .iter()
        .find_map(|&b| endpoints.iter().find(|e| e.binding == b))
}

/// Opt-outs for reading metadata that must not be trusted for a login.
pub mod danger {
    use super::{IdpMetadata, MetadataError, SpMetadata, with_encryption};
    use crate::saml::idp::{self, SpPeer};
    use crate::settings::IdpSettings;
    use crate::time::DateTime;

    /// Settings from metadata whatever its `validUntil` says: for inspecting an old capture
    /// with the keys of its day, never for deciding a login.
    pub fn into_settings_ignoring_expiry(metadata: IdpMetadata) -> IdpSettings {
        metadata.settings()
    }

    /// As [`SpMetadata::into_peer`], but the SP's AuthnRequests are accepted unsigned (as
    /// [`idp::danger::unsigned_requests`]): anyone can then start a login for this SP, whose
    /// Responses still go only to its ACS URL. A request that carries a signature must still
    /// verify with one of the metadata's signing certificates. For SP metadata with
    /// `AuthnRequestsSigned="false"` and no signing key.
    ///
    /// # Errors
    ///
    /// [`MetadataError::Expired`] when `validUntil` has passed.
    pub fn into_peer_accepting_unsigned_requests(
        metadata: SpMetadata,
        now: DateTime,
    ) -> Result<SpPeer, MetadataError> {
        metadata.check_expiry(now)?;
        let acs_url = metadata.acs_url().to_owned();
        let slo = super::preferred(&metadata.single_logout_services).cloned();
        let mut peer = match SpPeer::new(
            metadata.entity_id.clone(),
            acs_url.clone(),
            metadata.signing_certificates,
        ) {
            Ok(mut peer) => {
                idp::danger::accept_unsigned_requests(&mut peer);
                peer
            }
            // No signing certificate: signed requests cannot verify either.
            Err(_) => idp::danger::unsigned_requests(metadata.entity_id, acs_url),
        };
        if let Some(e) = slo {
            peer = peer.with_single_logout_service(e.location, e.binding);
        }
        Ok(with_encryption(peer, metadata.encryption_keys))
    }
}

/// Which role's descriptor an entity is selected for.
#[derive(Clone, Copy)]
enum Role {
    Idp,
    Sp,
}

impl Role {
    fn descriptor(self) -> &'static str {
        match self {
            Self::Idp => "IDPSSODescriptor",
            Self::Sp => "SPSSODescriptor",
        }
    }

    fn none(self, entity_ids: Vec<String>) -> MetadataError {
        match self {
            Self::Idp => MetadataError::NoIdpEntity { entity_ids },
            Self::Sp => MetadataError::NoSpEntity { entity_ids },
        }
    }

    fn ambiguous(self, entity_ids: Vec<String>) -> MetadataError {
        match self {
            Self::Idp => MetadataError::AmbiguousEntity { entity_ids },
            Self::Sp => MetadataError::AmbiguousSpEntity { entity_ids },
        }
    }
}

/// Parses `xml` and the one entity of `role` in it (the one with entityID `wanted` when
/// given) with `parse`: the same steps for [`IdpMetadata`] and [`SpMetadata`].
fn parse_role<T>(
    xml: &[u8],
    wanted: Option<&str>,
    role: Role,
    parse: fn(&Document<'_>, NodeId) -> Result<T, MetadataError>,
) -> Result<T, MetadataError> {
    let doc = Document::parse_bytes(xml, &Limits::default())?;
    let entity = select_entity(&doc, wanted, role)?;
    parse(&doc, entity)
}

fn select_entity(
    doc: &Document<'_>,
    wanted: Option<&str>,
    role: Role,
) -> Result<NodeId, MetadataError> {
    let root = doc.root_element();
    if doc.is(root, METADATA_NAMESPACE, "EntityDescriptor") {
        if let Some(wanted) = wanted {
            let id = doc.attribute(root, "entityID").unwrap_or_default();
            if id != wanted {
                return Err(MetadataError::EntityNotFound {
                    wanted: wanted.to_owned(),
                    found: vec![id.to_owned()],
                });
            }
        }
        return Ok(root);
    }
    if !doc.is(root, METADATA_NAMESPACE, "EntitiesDescriptor") {
        return Err(MetadataError::UnexpectedRoot {
            namespace: doc.namespace(root).to_owned(),
            local_name: doc.local_name(root).to_owned(),
        });
    }
    // EntitiesDescriptors nest; every EntityDescriptor sits directly in one of them. They are
    // reached by walking those children only (never by searching the document, which would find
    // entities hidden inside a ds:Signature), and an entityID may occur once.
    let entities: Vec<NodeId> = aggregate::entity_nodes(doc, &MetadataLimits::default())?;
    let id_of = |n: NodeId| doc.attribute(n, "entityID").unwrap_or_default().to_owned();
    if let Some(wanted) = wanted {
        return entities
            .iter()
            .copied()
            .find(|&n| doc.attribute(n, "entityID") == Some(wanted))
            .ok_or_else(|| MetadataError::EntityNotFound {
                wanted: wanted.to_owned(),
                found: entities.iter().map(|&n| id_of(n)).collect(),
            });
    }
    let matching: Vec<NodeId> = entities
        .iter()
        .copied()
        .filter(|&n| descriptors(doc, n, role).next().is_some())
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => Err(role.none(entities.iter().map(|&n| id_of(n)).collect())),
        many => Err(role.ambiguous(many.iter().map(|&n| id_of(n)).collect())),
    }
}

fn descriptors<'d>(
    doc: &'d Document<'_>,
    entity: NodeId,
    role: Role,
) -> impl Iterator<Item = NodeId> + 'd {
    doc.element_children(entity)
        .filter(move |&n| doc.is(n, METADATA_NAMESPACE, role.descriptor()))
}

fn idp_descriptors<'d>(doc: &'d Document<'_>, entity: NodeId) -> impl Iterator<Item = NodeId> + 'd {
    descriptors(doc, entity, Role::Idp)
}

fn children_named<'d>(
    doc: &'d Document<'_>,
    parent: NodeId,
    namespace: &'static str,
    local_name: &'static str,
) -> impl Iterator<Item = NodeId> + 'd {
    doc.element_children(parent)
        .filter(move |&n| doc.is(n, namespace, local_name))
}

fn required_attribute<'d>(
    doc: &'d Document<'_>,
    node: NodeId,
    element: &'static str,
    attribute: &'static str,
) -> Result<&'d str, MetadataError> {
    match doc.attribute(node, attribute).map(crate::xml::trim_xml) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(MetadataError::MissingAttribute { element, attribute }),
    }
}

/// `xs:boolean`, whitespace-collapsed.
fn parse_boolean(attribute: &'static str, value: &str) -> Result<bool, MetadataError> {
    match crate::xml::trim_xml(value) {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(MetadataError::InvalidBoolean {
            attribute,
            value: value.to_owned(),
        }),
    }
}

/// The earliest `validUntil` of `entity` and its enclosing `EntitiesDescriptor`s.
fn valid_until(doc: &Document<'_>, entity: NodeId) -> Result<Option<DateTime>, MetadataError> {
    let mut valid_until: Option<DateTime> = None;
    let mut cur = Some(entity);
    while let Some(n) = cur.filter(|&n| doc.is_element(n)) {
        if let Some(v) = doc.attribute(n, "validUntil") {
            let t = parse_xs_datetime(v)
                .map_err(|source| MetadataError::InvalidValidUntil { source })?;
            valid_until = Some(valid_until.map_or(t, |u| u.min(t)));
        }
        cur = doc.parent(n);
    }
    Ok(valid_until)
}

/// The `md:SingleLogoutService` children of a role descriptor whose binding is supported.
fn single_logout_services(
    doc: &Document<'_>,
    descriptor: NodeId,
) -> Result<Vec<Endpoint>, MetadataError> {
    let mut out = Vec::new();
    for slo in children_named(doc, descriptor, METADATA_NAMESPACE, "SingleLogoutService") {
        let binding = required_attribute(doc, slo, "SingleLogoutService", "Binding")?;
        let location = required_attribute(doc, slo, "SingleLogoutService", "Location")?;
        if let Some(binding) = Binding::from_uri(binding) {
            out.push(Endpoint {
                binding,
                location: location.to_owned(),
                response_location: doc
                    .attribute(slo, "ResponseLocation")
                    .map(crate::xml::trim_xml)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
            });
        }
    }
    Ok(out)
}

/// The `ds:X509Certificate`s of a `md:KeyDescriptor`.
fn key_descriptor_certificates(doc: &Document<'_>, kd: NodeId) -> Vec<NodeId> {
    children_named(doc, kd, DSIG_NAMESPACE, "KeyInfo")
        .flat_map(|ki| children_named(doc, ki, DSIG_NAMESPACE, "X509Data"))
        .flat_map(|xd| children_named(doc, xd, DSIG_NAMESPACE, "X509Certificate"))
        .collect()
}

fn parse_idp_entity(doc: &Document<'_>, entity: NodeId) -> Result<IdpMetadata, MetadataError> {
    let entity_id = required_attribute(doc, entity, "EntityDescriptor", "entityID")?.to_owned();
    let valid_until = valid_until(doc, entity)?;

    let saml2: Vec<NodeId> = idp_descriptors(doc, entity)
        .filter(|&n| {
            doc.attribute(n, "protocolSupportEnumeration")
                .is_some_and(|p| p.split_ascii_whitespace().any(|u| u == PROTOCOL_SUPPORT))
        })
        .collect();
    let idp = match saml2.as_slice() {
        [one] => *one,
        [] => {
            return Err(MetadataError::NoIdpSsoDescriptor {
                entity_id,
                protocols: idp_descriptors(doc, entity)
                    .map(|n| {
                        doc.attribute(n, "protocolSupportEnumeration")
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect(),
            });
        }
        many => {
            return Err(MetadataError::MultipleIdpSsoDescriptors {
                entity_id,
                count: many.len(),
            });
        }
    };

    let want_authn_requests_signed = match doc.attribute(idp, "WantAuthnRequestsSigned") {
        Some(v) => parse_boolean("WantAuthnRequestsSigned", v)?,
        None => false,
    };

    let mut sso_services = Vec::new();
    let mut bindings_found = Vec::new();
    for sso in children_named(doc, idp, METADATA_NAMESPACE, "SingleSignOnService") {
        let binding = required_attribute(doc, sso, "SingleSignOnService", "Binding")?;
        let location = required_attribute(doc, sso, "SingleSignOnService", "Location")?;
        bindings_found.push(binding.to_owned());
        if let Some(binding) = Binding::from_uri(binding) {
            sso_services.push(Endpoint {
                binding,
                location: location.to_owned(),
                response_location: None,
            });
        }
    }
    if sso_services.is_empty() {
        return Err(MetadataError::NoSupportedSsoService {
            entity_id,
            bindings: bindings_found,
        });
    }

    let mut signing_certificates = Vec::new();
    let mut encryption_keys = 0;
    let mut encryption_certificates = Vec::new();
    let mut without_certificate = 0;
    for (i, kd) in children_named(doc, idp, METADATA_NAMESPACE, "KeyDescriptor").enumerate() {
        let key_descriptor = i + 1;
        match doc.attribute(kd, "use").map(crate::xml::trim_xml) {
            None | Some("signing") => {}
            Some("encryption") => {
                encryption_keys += 1;
                // Kept apart, never trusted for signatures.
                for cert in key_descriptor_certificates(doc, kd) {
                    let text = doc.text(cert);
                    encryption_certificates.push(
                        Certificate::from_base64(text.as_bytes(), None).map_err(|source| {
                            MetadataError::EncryptionCertificate {
                                entity_id: entity_id.clone(),
                                key_descriptor,
                                source,
                            }
                        })?,
                    );
                }
                continue;
            }
            Some(other) => {
                return Err(MetadataError::InvalidKeyUse {
                    entity_id,
                    key_descriptor,
                    value: other.to_owned(),
                });
            }
        }
        let certs = key_descriptor_certificates(doc, kd);
        match certs.as_slice() {
            [] => without_certificate += 1,
            [cert] => {
                let text = doc.text(*cert);
                let cert = Certificate::from_base64(text.as_bytes(), None).map_err(|source| {
                    MetadataError::Certificate {
                        entity_id: entity_id.clone(),
                        key_descriptor,
                        source,
                    }
                })?;
                signing_certificates.push(TrustAnchor::Certificate(cert));
            }
            many => {
                return Err(MetadataError::MultipleCertificates {
                    entity_id,
                    key_descriptor,
                    count: many.len(),
                });
            }
        }
    }
    if signing_certificates.is_empty() {
        return Err(MetadataError::NoSigningKey {
            entity_id,
            encryption_keys,
            without_certificate,
        });
    }

    Ok(IdpMetadata {
        encryption_certificates,
        single_logout_services: single_logout_services(doc, idp)?,
        entity_id,
        sso_services,
        signing_certificates,
        want_authn_requests_signed,
        valid_until,
    })
}

fn parse_sp_entity(doc: &Document<'_>, entity: NodeId) -> Result<SpMetadata, MetadataError> {
    let entity_id = required_attribute(doc, entity, "EntityDescriptor", "entityID")?.to_owned();
    let valid_until = valid_until(doc, entity)?;

    let saml2: Vec<NodeId> = descriptors(doc, entity, Role::Sp)
        .filter(|&n| {
            doc.attribute(n, "protocolSupportEnumeration")
                .is_some_and(|p| p.split_ascii_whitespace().any(|u| u == PROTOCOL_SUPPORT))
        })
        .collect();
    let sp = match saml2.as_slice() {
        [one] => *one,
        [] => {
            return Err(MetadataError::NoSpSsoDescriptor {
                entity_id,
                protocols: descriptors(doc, entity, Role::Sp)
                    .map(|n| {
                        doc.attribute(n, "protocolSupportEnumeration")
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect(),
            });
        }
        many => {
            return Err(MetadataError::MultipleSpSsoDescriptors {
                entity_id,
                count: many.len(),
            });
        }
    };
    let flag = |name: &'static str| match doc.attribute(sp, name) {
        Some(v) => parse_boolean(name, v),
        None => Ok(false),
    };
    let authn_requests_signed = flag("AuthnRequestsSigned")?;
    let want_assertions_signed = flag("WantAssertionsSigned")?;

    // HTTP-POST ACS endpoints: isDefault="true" first, then those without isDefault, then
    // isDefault="false" (saml-metadata-2.0-os §2.2.3), document order within each.
    let mut ranked: Vec<(u8, String)> = Vec::new();
    let mut bindings_found = Vec::new();
    for acs in children_named(doc, sp, METADATA_NAMESPACE, "AssertionConsumerService") {
        let binding = required_attribute(doc, acs, "AssertionConsumerService", "Binding")?;
        let location = required_attribute(doc, acs, "AssertionConsumerService", "Location")?;
        let rank = match doc.attribute(acs, "isDefault") {
            Some(v) if parse_boolean("isDefault", v)? => 0,
            Some(_) => 2,
            None => 1,
        };
        bindings_found.push(binding.to_owned());
        if Binding::from_uri(binding) == Some(Binding::HttpPost) {
            ranked.push((rank, location.to_owned()));
        }
    }
    if ranked.is_empty() {
        return Err(MetadataError::NoAssertionConsumerService {
            entity_id,
            bindings: bindings_found,
        });
    }
    // A stable sort keeps document order within a rank.
    ranked.sort_by_key(|(rank, _)| *rank);
    let acs_urls = ranked.into_iter().map(|(_, url)| url).collect();

    let mut signing_certificates = Vec::new();
    let mut signing_without_certificate = 0;
    let mut encryption_certificates = Vec::new();
    let mut encryption_keys = Vec::new();
    let mut encryption_methods = Vec::new();
    for (i, kd) in children_named(doc, sp, METADATA_NAMESPACE, "KeyDescriptor").enumerate() {
        let key_descriptor = i + 1;
        let encryption = match doc.attribute(kd, "use").map(crate::xml::trim_xml) {
            None | Some("signing") => false,
            Some("encryption") => true,
            Some(other) => {
                return Err(MetadataError::InvalidKeyUse {
                    entity_id,
                    key_descriptor,
                    value: other.to_owned(),
                });
            }
        };
        let certs = key_descriptor_certificates(doc, kd);
        let cert = match certs.as_slice() {
            [cert] => *cert,
            [] if !encryption => {
                signing_without_certificate += 1;
                continue;
            }
            other => {
                return Err(MetadataError::MultipleCertificates {
                    entity_id,
                    key_descriptor,
                    count: other.len(),
                });
            }
        };
        let text = doc.text(cert);
        if encryption {
            let refused = |source| MetadataError::EncryptionCertificate {
                entity_id: entity_id.clone(),
                key_descriptor,
                source,
            };
            let cert = Certificate::from_base64(text.as_bytes(), None).map_err(refused)?;
            encryption_keys.push(EncryptionKey::from_certificate(&cert).map_err(refused)?);
            encryption_certificates.push(cert);
            for method in children_named(doc, kd, METADATA_NAMESPACE, "EncryptionMethod") {
                let uri = required_attribute(doc, method, "EncryptionMethod", "Algorithm")?;
                encryption_methods.push(uri.to_owned());
            }
        } else {
            let cert = Certificate::from_base64(text.as_bytes(), None).map_err(|source| {
                MetadataError::Certificate {
                    entity_id: entity_id.clone(),
                    key_descriptor,
                    source,
                }
            })?;
            signing_certificates.push(TrustAnchor::Certificate(cert));
        }
    }

    Ok(SpMetadata {
        single_logout_services: single_logout_services(doc, sp)?,
        entity_id,
        acs_urls,
        signing_certificates,
        encryption_certificates,
        encryption_keys,
        encryption_methods,
        signing_without_certificate,
        authn_requests_signed,
        want_assertions_signed,
        valid_until,
    })
}

// ---- generation ----

fn escaped(s: &str) -> String {
    crate::xml::escape::escape(s)
}

fn push_signing_key(out: &mut String, certificate: &Certificate) {
    out.push_str("    <md:KeyDescriptor use=\"signing\">\n");
    out.push_str("      <ds:KeyInfo xmlns:ds=\"");
    out.push_str(DSIG_NAMESPACE);
    out.push_str("\">\n        <ds:X509Data>\n          <ds:X509Certificate>");
    out.push_str(&STANDARD.encode(certificate.der()));
    out.push_str("</ds:X509Certificate>\n        </ds:X509Data>\n      </ds:KeyInfo>\n");
    out.push_str("    </md:KeyDescriptor>\n");
}

fn push_entity_start(out: &mut String, entity_id: &str) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<md:EntityDescriptor xmlns:md=\"{METADATA_NAMESPACE}\" entityID=\"{}\">",
        escaped(entity_id)
    );
}

/// Metadata for our service provider: an `md:EntityDescriptor` with one `md:SPSSODescriptor`.
///
/// - `AuthnRequestsSigned` is true when `sp` has a [`SpSettings::signer`]; its certificate,
///   when it has one, is published in a `KeyDescriptor use="signing"`.
/// - `WantAssertionsSigned` is [`SpSettings::want_assertions_signed`].
/// - `md:NameIDFormat` is `…:1.1:nameid-format:unspecified`: it is Okta's default for a SAML
///   IdP (`protocol.settings.nameFormat`) and lets the IdP choose, whereas `emailAddress`
///   would make strict IdPs refuse users whose username is not an e-mail address.
/// - One `md:AssertionConsumerService` at [`SpSettings::acs_url`] with `binding`,
///   `index="0" isDefault="true"`. Web Browser SSO delivers Responses by HTTP-POST; the
///   profile forbids HTTP-Redirect for them (`saml-profiles-2.0-os` §4.1.2), so pass
///   [`Binding::HttpPost`] unless the IdP needs otherwise.
///
/// No `KeyDescriptor use="encryption"` is written, even when `sp` has decryption keys: a
/// [`crate::xmlenc::DecryptionKey`] holds no certificate to publish, so an IdP is given the
/// SP's encryption certificate out of band.
///
/// Every value is XML-escaped. The output is unsigned.
pub fn sp_metadata(sp: &SpSettings, binding: Binding) -> String {
    let signs = sp.signer.is_some();
    let mut out = String::with_capacity(2048);
    push_entity_start(&mut out, sp.entity_id());
    let _ = writeln!(
        out,
        "  <md:SPSSODescriptor AuthnRequestsSigned=\"{signs}\" WantAssertionsSigned=\"{}\" \
         protocolSupportEnumeration=\"{PROTOCOL_SUPPORT}\">",
        sp.want_assertions_signed()
    );
    if let Some(cert) = sp.certificate() {
        push_signing_key(&mut out, cert);
    }
    let _ = writeln!(
        out,
        "    <md:NameIDFormat>{NAME_ID_FORMAT_UNSPECIFIED}</md:NameIDFormat>"
    );
    let _ = writeln!(
        out,
        "    <md:AssertionConsumerService Binding=\"{}\" Location=\"{}\" index=\"0\" isDefault=\"true\"/>",
        binding.uri(),
        escaped(sp.acs_url())
    );
    out.push_str("  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n");
    out
}

/// Metadata for an identity provider we run: an `md:EntityDescriptor` with one
/// `md:IDPSSODescriptor` holding `certificate` as its signing key, `md:NameIDFormat`
/// unspecified, and one `md:SingleSignOnService` at `sso_url` per binding in `bindings`
/// (duplicates dropped; an empty slice means HTTP-POST, since the schema requires at least
/// one). [`IdpMetadata::parse`] reads the output back.
///
/// Every value is XML-escaped. The output is unsigned.
pub fn idp_metadata(
    entity_id: &str,
    sso_url: &str,
    bindings: &[Binding],
    certificate: &Certificate,
    want_authn_requests_signed: bool,
) -> String {
    let mut out = String::with_capacity(2048);
    push_entity_start(&mut out, entity_id);
    let _ = writeln!(
        out,
        "  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"{want_authn_requests_signed}\" \
         protocolSupportEnumeration=\"{PROTOCOL_SUPPORT}\">"
    );
    push_signing_key(&mut out, certificate);
    let _ = writeln!(
        out,
        "    <md:NameIDFormat>{NAME_ID_FORMAT_UNSPECIFIED}</md:NameIDFormat>"
    );
    let mut written: Vec<Binding> = Vec::new();
    let default = [Binding::HttpPost];
    let bindings = if bindings.is_empty() {
        &default[..]
    } else {
        bindings
    };
    let location = escaped(sso_url);
    for &binding in bindings {
        if written.contains(&binding) {
            continue;
        }
        written.push(binding);
        let _ = writeln!(
            out,
            "    <md:SingleSignOnService Binding=\"{}\" Location=\"{location}\"/>",
            binding.uri()
        );
    }
    out.push_str("  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n");
    out
}

/// Signs a metadata document for [`Metadata::verify`]: an enveloped signature (exclusive c14n,
/// the signer's algorithm, its certificate in `KeyInfo`) as the first child of the document
/// element, whose `ID` the Reference names. The document element must be an
/// `md:EntityDescriptor` or `md:EntitiesDescriptor` with an `ID` and no Signature yet.
///
/// The document is parsed with the message [`Limits`] (8 MiB); aggregates larger than that
/// are signed by the federation's own tooling.
///
/// # Errors
///
/// [`MetadataError::Xml`], [`MetadataError::UnexpectedRoot`],
/// [`MetadataError::MissingAttribute`] (no `ID`), [`MetadataError::Signature`] (signing failed).
pub fn sign_metadata(xml: &str, signer: &crate::dsig::Signer) -> Result<String, MetadataError> {
    let doc = Document::parse(xml)?;
    let root = doc.root_element();
    let element = if doc.is(root, METADATA_NAMESPACE, "EntityDescriptor") {
        "EntityDescriptor"
    } else if doc.is(root, METADATA_NAMESPACE, "EntitiesDescriptor") {
        "EntitiesDescriptor"
    } else {
        return Err(MetadataError::UnexpectedRoot {
            namespace: doc.namespace(root).to_owned(),
            local_name: doc.local_name(root).to_owned(),
        });
    };
    let id = required_attribute(&doc, root, element, "ID")?.to_owned();
    drop(doc);
    signer
        .sign_element(xml, &id)
        .map_err(MetadataError::Signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_whitespace_and_illegal_characters() {
        assert_eq!(
            escaped("a&b<c>d\"e'f\tg\nh\ri\u{1}j\u{FFFF}k\u{1F600}"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i\u{FFFD}j\u{FFFD}k\u{1F600}"
        );
    }

    #[test]
    fn xs_boolean() {
        for (v, b) in [
            ("true", true),
            (" 1 ", true),
            ("false", false),
            ("0", false),
        ] {
            assert_eq!(parse_boolean("X", v).unwrap(), b, "{v}");
        }
        let err = parse_boolean("WantAuthnRequestsSigned", "yes").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`WantAuthnRequestsSigned` is `yes`, not an xs:boolean (true, false, 1, 0)"
        );
    }

    #[test]
    fn unexpected_root_names_it() {
        let err = IdpMetadata::parse(b"<foo xmlns='urn:x'/>").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the document element is `{urn:x}foo`, not an md:EntityDescriptor or md:EntitiesDescriptor"
        );
    }
}
