//! SAML 2.0 metadata (`saml-metadata-2.0-os`): IdP settings from an IdP's `EntityDescriptor`,
//! and `EntityDescriptor`s for our own SP and IdP.
//!
//! # What reading metadata trusts
//!
//! [`IdpMetadata::parse`] takes the IdP's signing certificates from the metadata, so the
//! metadata *is* the trust decision: load it only from a source you already trust (a file an
//! administrator placed, an HTTPS download from the IdP's own host). **The metadata's own
//! `ds:Signature`, if any, is not verified**; that is out of scope here. A document that names
//! no signing certificate is an error, never "no verification" (Keycloak CVE-2026-16443 was an
//! IdP with no key silently accepting unsigned responses).
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
//! Keys with `use="encryption"` are never trusted for signatures. Everything else in the
//! settings keeps the defaults of [`IdpSettings::new`].
//!
//! It owns the reading and writing of metadata documents; it trusts nothing by itself (the
//! caller vouches for where the bytes came from) and fetches nothing: no HTTP client lives in
//! this crate.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::{Certificate, CryptoError, TrustAnchor};
use crate::settings::{Binding, IdpSettings, SpSettings};
use crate::time::{Instant, TimeError, parse_xs_datetime};
use crate::xml::{Document, Limits, NodeId, XmlError};

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
        /// The IdP's entityID.
        entity_id: String,
        /// 1-based position of the `md:KeyDescriptor` among the IDPSSODescriptor's.
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
        /// The IdP's entityID.
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
        valid_until: Instant,
        /// The time of the check.
        now: Instant,
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
    /// key is ambiguous.
    #[error(
        "`{entity_id}`: signing KeyDescriptor #{key_descriptor} holds {count} X509Certificate elements; expected one"
    )]
    MultipleCertificates {
        /// The IdP's entityID.
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
    signing_certificates: Vec<TrustAnchor>,
    want_authn_requests_signed: bool,
    valid_until: Option<Instant>,
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
        let doc = Document::parse_bytes(xml, &Limits::default())?;
        let entity = select_entity(&doc, wanted)?;
        parse_idp_entity(&doc, entity)
    }

    /// The IdP's `entityID`: the Issuer its Responses carry.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The SSO services with a supported binding, in document order (never empty).
    pub fn sso_services(&self) -> &[Endpoint] {
        &self.sso_services
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
        [Binding::HttpPost, Binding::HttpRedirect]
            .iter()
            .find_map(|&b| self.sso_services.iter().find(|e| e.binding == b))
    }

    /// The certificates of every signing `md:KeyDescriptor` (never empty), in document order.
    pub fn signing_certificates(&self) -> &[TrustAnchor] {
        &self.signing_certificates
    }

    /// `IDPSSODescriptor/@WantAuthnRequestsSigned` (false when absent, as the schema says).
    pub fn want_authn_requests_signed(&self) -> bool {
        self.want_authn_requests_signed
    }

    /// The earliest `validUntil` of the entity and its enclosing `EntitiesDescriptor`s.
    /// [`into_settings`](Self::into_settings) refuses the metadata once it has passed.
    pub fn valid_until(&self) -> Option<Instant> {
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
    pub fn into_settings(self, now: Instant) -> Result<IdpSettings, MetadataError> {
        if let Some(valid_until) = self.valid_until
            && now >= valid_until
        {
            return Err(MetadataError::Expired {
                entity_id: self.entity_id,
                valid_until,
                now,
            });
        }
        Ok(self.settings())
    }

    fn settings(self) -> IdpSettings {
        let (sso_url, binding) = match self.preferred_sso_service() {
            Some(e) => (e.location.clone(), e.binding),
            // Unreachable: parsing refuses metadata without a supported SSO service.
            None => (String::new(), Binding::HttpPost),
        };
        IdpSettings::new(self.entity_id, sso_url, self.signing_certificates)
            .with_sso_binding(binding)
            .with_sign_requests(self.want_authn_requests_signed)
    }
}

/// Reads IdP settings from SAML 2.0 metadata at `now`: shorthand for [`IdpMetadata::parse`]
/// followed by [`IdpMetadata::into_settings`].
///
/// The metadata's own signature is **not** verified: the caller vouches for where the bytes
/// came from (see the [module documentation](self)). Metadata without a signing certificate,
/// or whose `validUntil` has passed, is an error.
pub fn idp_settings_from_metadata(xml: &[u8], now: Instant) -> Result<IdpSettings, MetadataError> {
    IdpMetadata::parse(xml)?.into_settings(now)
}

/// Opt-outs for reading metadata that must not be trusted for a login.
pub mod danger {
    use super::IdpMetadata;
    use crate::settings::IdpSettings;

    /// Settings from metadata whatever its `validUntil` says: for inspecting an old capture
    /// with the keys of its day, never for deciding a login.
    pub fn into_settings_ignoring_expiry(metadata: IdpMetadata) -> IdpSettings {
        metadata.settings()
    }
}

fn select_entity(doc: &Document<'_>, wanted: Option<&str>) -> Result<NodeId, MetadataError> {
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
    // EntitiesDescriptors nest; every EntityDescriptor sits directly in one of them.
    let entities: Vec<NodeId> = doc
        .descendants(root)
        .filter(|&n| {
            doc.is(n, METADATA_NAMESPACE, "EntityDescriptor")
                && doc
                    .parent(n)
                    .is_some_and(|p| doc.is(p, METADATA_NAMESPACE, "EntitiesDescriptor"))
        })
        .collect();
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
    let idps: Vec<NodeId> = entities
        .iter()
        .copied()
        .filter(|&n| idp_descriptors(doc, n).next().is_some())
        .collect();
    match idps.as_slice() {
        [one] => Ok(*one),
        [] => Err(MetadataError::NoIdpEntity {
            entity_ids: entities.iter().map(|&n| id_of(n)).collect(),
        }),
        many => Err(MetadataError::AmbiguousEntity {
            entity_ids: many.iter().map(|&n| id_of(n)).collect(),
        }),
    }
}

fn idp_descriptors<'d>(doc: &'d Document<'_>, entity: NodeId) -> impl Iterator<Item = NodeId> + 'd {
    doc.element_children(entity)
        .filter(move |&n| doc.is(n, METADATA_NAMESPACE, "IDPSSODescriptor"))
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

fn parse_idp_entity(doc: &Document<'_>, entity: NodeId) -> Result<IdpMetadata, MetadataError> {
    let entity_id = required_attribute(doc, entity, "EntityDescriptor", "entityID")?.to_owned();

    let mut valid_until: Option<Instant> = None;
    let mut cur = Some(entity);
    while let Some(n) = cur.filter(|&n| doc.is_element(n)) {
        if let Some(v) = doc.attribute(n, "validUntil") {
            let t = parse_xs_datetime(v)
                .map_err(|source| MetadataError::InvalidValidUntil { source })?;
            valid_until = Some(valid_until.map_or(t, |u| u.min(t)));
        }
        cur = doc.parent(n);
    }

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
    let mut without_certificate = 0;
    for (i, kd) in children_named(doc, idp, METADATA_NAMESPACE, "KeyDescriptor").enumerate() {
        let key_descriptor = i + 1;
        match doc.attribute(kd, "use").map(crate::xml::trim_xml) {
            None | Some("signing") => {}
            Some("encryption") => {
                encryption_keys += 1;
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
        let certs: Vec<NodeId> = children_named(doc, kd, DSIG_NAMESPACE, "KeyInfo")
            .flat_map(|ki| children_named(doc, ki, DSIG_NAMESPACE, "X509Data"))
            .flat_map(|xd| children_named(doc, xd, DSIG_NAMESPACE, "X509Certificate"))
            .collect();
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
        entity_id,
        sso_services,
        signing_certificates,
        want_authn_requests_signed,
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
