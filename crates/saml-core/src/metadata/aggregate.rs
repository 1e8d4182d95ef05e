//! Metadata documents as a whole: [`Metadata`] (documented there), its limits, and the
//! per-entity summaries it lists.

use crate::crypto::{Certificate, DigestAlgorithm, SignatureAlgorithm};
use crate::dsig::{DsigError, Verified, Verifier};
use crate::saml::idp::SpPeer;
use crate::settings::IdpSettings;
use crate::time::{DateTime, parse_xs_datetime};
use crate::xml::{Document, Limits, NodeId};

use super::duration::XsDuration;
use super::{
    DSIG_NAMESPACE, IdpMetadata, METADATA_NAMESPACE, MetadataError, SpMetadata, children_named,
    parse_idp_entity, parse_sp_entity, required_attribute,
};

/// How long a copy of metadata without `cacheDuration` (and whose `validUntil` is later) may be
/// used before it is fetched again: 4 hours, the default longest refresh delay of Shibboleth's
/// metadata providers (`maxRefreshDelay`).
pub const DEFAULT_CACHE_DURATION: XsDuration = XsDuration {
    hours: 4,
    ..XsDuration::from_seconds(0)
};

/// The limits for loading a metadata document. Metadata is not a message: federation
/// aggregates run to tens of MB, so the parser's message [`Limits`] are raised, but every limit
/// stays finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetadataLimits {
    /// Parser limits. Default: [`Limits::default`] with `max_bytes` 100 MiB (the largest
    /// federation aggregates, eduGAIN and InCommon, are 60–90 MB) and `max_nodes` 4,000,000:
    /// the indented, realistic entities of the `metadata` bench hold 17.4 nodes per KB
    /// (whitespace text nodes included), so 100 MiB of them is 1.8 million nodes, and the
    /// limit leaves twice that while bounding the arena (about 55 bytes per node, twice that
    /// at the peak of its growth). Depth, attributes and namespace limits stay those of
    /// messages.
    pub xml: Limits,
    /// How deep `EntitiesDescriptor`s may nest, the document element counting as 1.
    /// Default: 8. Federations use 1 or 2 (eduGAIN's aggregate is flat; national ones group
    /// by category at most once).
    pub max_entities_depth: usize,
}

impl Default for MetadataLimits {
    fn default() -> Self {
        Self {
            xml: Limits::default()
                .with_max_bytes(100 << 20)
                .with_max_nodes(4_000_000),
            max_entities_depth: 8,
        }
    }
}

impl MetadataLimits {
    /// Sets [`xml`](Self::xml).
    pub fn with_xml(mut self, xml: Limits) -> Self {
        self.xml = xml;
        self
    }

    /// Sets [`max_entities_depth`](Self::max_entities_depth).
    pub fn with_max_entities_depth(mut self, max: usize) -> Self {
        self.max_entities_depth = max;
        self
    }
}

/// Which signature vouched for a [`Metadata`] document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetadataSignature {
    /// Index of the pinned anchor that verified it, in the [`Verifier`]'s list.
    pub key_index: usize,
    /// SHA-256 fingerprint of that anchor's certificate (`None` for a bare public key).
    pub certificate_sha256: Option<String>,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The digest algorithm of the Reference.
    pub digest: DigestAlgorithm,
}

/// One entity found while indexing.
#[derive(Clone, Debug)]
struct Entry {
    node: NodeId,
    entity_id: String,
    /// The earliest validUntil of the entity and its enclosing descriptors.
    valid_until: Option<DateTime>,
    /// The entity's own cacheDuration.
    cache_duration: Option<XsDuration>,
    /// Every cacheDuration from the document element down to the entity.
    cache_durations: Vec<XsDuration>,
}

/// A loaded metadata document: parsed once, its signature checked (or explicitly not), every
/// entity indexed by entityID. It borrows the caller's bytes (nothing is copied); select
/// entities from it with [`idp_metadata`](Self::idp_metadata) /
/// [`sp_metadata`](Self::sp_metadata), list them with [`entity`](Self::entity).
///
/// Metadata documents as a whole, over time: a single `md:EntityDescriptor` or a federation
/// aggregate (`md:EntitiesDescriptor`, nested, thousands of entities), loaded once with
/// [`MetadataLimits`], its signature verified against a pinned key, indexed by entityID, and
/// asked when it must be fetched again.
///
/// # Signature
///
/// [`Metadata::verify`] verifies with the crate's [`Verifier`], exactly as the service
/// provider verifies Responses: one enveloped Signature, a **child of the document element**,
/// whose one Reference names the document element (`URI=""` or `#` + its `ID`); keys only from
/// the [`Verifier`]'s pinned anchors (a certificate in the metadata's `KeyInfo` only orders
/// them, it never adds one); algorithms from its policy. A Signature anywhere else (on an inner
/// `EntityDescriptor` of an unsigned aggregate, for instance) does not count: what would be read
/// is not what it covers (signature wrapping).
///
/// What is read afterwards is reached from the signed document element by walking its children
/// (`EntitiesDescriptor` → `EntityDescriptor` | `EntitiesDescriptor`), never by searching the
/// document, and the `ds:Signature` itself (whose content the enveloped transform leaves out of
/// the digest) is skipped; every entity indexed is checked to lie inside what was digested.
///
/// # Validity over time
///
/// `validUntil` applies to the element and everything inside it: an entity's is the earliest
/// of its own and its enclosing `EntitiesDescriptor`s'. Loading refuses a document whose
/// document element has expired; selecting an entity refuses one that has
/// ([`IdpMetadata::into_settings`], [`SpMetadata::into_peer`]). `cacheDuration`
/// ([`XsDuration`]) says how long a copy may be used before fetching again:
/// [`Metadata::reload_after`].
///
/// No HTTP client lives here: the application fetches bytes (and says when), this type judges
/// them.
#[derive(Debug)]
pub struct Metadata<'a> {
    doc: Document<'a>,
    /// In document order.
    entries: Vec<Entry>,
    /// Indices into `entries`, sorted by entityID.
    by_id: Vec<usize>,
    valid_until: Option<DateTime>,
    cache_duration: Option<XsDuration>,
    signature: Option<MetadataSignature>,
}

impl<'a> Metadata<'a> {
    /// Loads metadata whose signature was checked by the caller's means, or that comes from a
    /// source trusted as it is (a file an administrator placed): **no signature is verified**,
    /// even if the document carries one. Everything else is as [`verify`](Self::verify):
    /// limits, indexing, duplicate entityIDs, expiry of the document element at `now`.
    ///
    /// # Errors
    ///
    /// See [`verify`](Self::verify), signatures aside.
    pub fn parse(
        xml: &'a [u8],
        now: DateTime,
        limits: &MetadataLimits,
    ) -> Result<Self, MetadataError> {
        let doc = parse_document(xml, limits)?;
        let entries = index(&doc, None, limits)?;
        Self::finish(doc, entries, None, now)
    }

    /// Loads signed metadata: the document element must carry an enveloped signature that
    /// `verifier` verifies with one of its pinned keys (see [`Metadata`]).
    ///
    /// # Errors
    ///
    /// - [`MetadataError::Xml`]: not well-formed, a DOCTYPE, or over `limits.xml`;
    /// - [`MetadataError::UnexpectedRoot`]: not metadata;
    /// - [`MetadataError::SignatureMissing`]: the document element carries no Signature (one
    ///   on an inner element is named in the message);
    /// - [`MetadataError::Signature`]: the signature does not verify with a pinned key, or
    ///   breaks a rule of [`Verifier`];
    /// - [`MetadataError::DuplicateEntityId`], [`MetadataError::EntitiesTooDeep`],
    ///   [`MetadataError::UnexpectedElement`], [`MetadataError::MissingAttribute`] (an entity
    ///   without entityID), [`MetadataError::InvalidValidUntil`],
    ///   [`MetadataError::InvalidCacheDuration`]: the structure;
    /// - [`MetadataError::Expired`]: the document element's `validUntil` has passed at `now`.
    pub fn verify(
        xml: &'a [u8],
        verifier: &Verifier,
        now: DateTime,
        limits: &MetadataLimits,
    ) -> Result<Self, MetadataError> {
        let doc = parse_document(xml, limits)?;
        let root = doc.root_element();
        let Some(signature) =
            Verifier::signature_of(&doc, root).map_err(MetadataError::Signature)?
        else {
            return Err(MetadataError::SignatureMissing {
                element: doc.qualified_name(root).into_owned(),
                inner: inner_signature(&doc, root),
            });
        };
        let verified = verifier
            .verify(&doc, signature)
            .map_err(MetadataError::Signature)?;
        // `Verifier` resolves the Reference to the Signature's parent, which is the document
        // element here; anything else would be reading what was not verified.
        if verified.element() != root {
            return Err(MetadataError::Signature(DsigError::ReferenceNotParent {
                uri: "(the signed element is not the document element)".to_owned(),
                parent_id: doc
                    .attribute(root, "ID")
                    .map_or_else(|| "absent".to_owned(), |v| format!("`{v}`")),
            }));
        }
        let signature = MetadataSignature {
            key_index: verified.key_index(),
            certificate_sha256: verifier
                .anchors()
                .get(verified.key_index())
                .and_then(|a| a.certificate())
                .map(Certificate::fingerprint_sha256),
            algorithm: verified.algorithm(),
            digest: verified.digest_algorithm(),
        };
        let entries = index(&doc, Some(&verified), limits)?;
        Self::finish(doc, entries, Some(signature), now)
    }

    fn finish(
        doc: Document<'a>,
        entries: Vec<Entry>,
        signature: Option<MetadataSignature>,
        now: DateTime,
    ) -> Result<Self, MetadataError> {
        let by_id = sorted_by_id(&entries)?;
        let root = doc.root_element();
        let valid_until = valid_until_attribute(&doc, root)?;
        let cache_duration = cache_duration_attribute(&doc, root)?;
        if let Some(valid_until) = valid_until
            && now >= valid_until
        {
            return Err(MetadataError::Expired {
                entity_id: document_label(&doc),
                valid_until,
                now,
            });
        }
        Ok(Self {
            doc,
            entries,
            by_id,
            valid_until,
            cache_duration,
            signature,
        })
    }

    /// The signature that vouched for the document; `None` when it was loaded with
    /// [`parse`](Self::parse).
    pub fn signature(&self) -> Option<&MetadataSignature> {
        self.signature.as_ref()
    }

    /// Whether the document element is an `md:EntitiesDescriptor` (an aggregate).
    pub fn is_aggregate(&self) -> bool {
        self.doc.is(
            self.doc.root_element(),
            METADATA_NAMESPACE,
            "EntitiesDescriptor",
        )
    }

    /// The document element's `Name` (aggregates name themselves so), if any.
    pub fn name(&self) -> Option<&str> {
        self.doc.attribute(self.doc.root_element(), "Name")
    }

    /// The document element's `validUntil`.
    pub fn valid_until(&self) -> Option<DateTime> {
        self.valid_until
    }

    /// The document element's `cacheDuration`.
    pub fn cache_duration(&self) -> Option<XsDuration> {
        self.cache_duration
    }

    /// When a copy fetched at `fetched_at` should be replaced: `fetched_at` plus the document
    /// element's `cacheDuration` ([`DEFAULT_CACHE_DURATION`] when it has none), or its
    /// `validUntil` if that is earlier. An entity may ask for less
    /// ([`EntitySummary::reload_after`]).
    pub fn reload_after(&self, fetched_at: DateTime) -> DateTime {
        reload_after(fetched_at, self.cache_duration.as_slice(), self.valid_until)
    }

    /// How many entities the document holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none (an empty `EntitiesDescriptor`).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entityIDs, in document order.
    pub fn entity_ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.entries.iter().map(|e| e.entity_id.as_str())
    }

    /// Whether an entity with this entityID is present.
    pub fn contains(&self, entity_id: &str) -> bool {
        self.find(entity_id).is_some()
    }

    fn find(&self, entity_id: &str) -> Option<&Entry> {
        let i = self
            .by_id
            .binary_search_by(|&i| self.entries[i].entity_id.as_str().cmp(entity_id))
            .ok()?;
        Some(&self.entries[self.by_id[i]])
    }

    fn entry(&self, entity_id: &str) -> Result<&Entry, MetadataError> {
        self.find(entity_id)
            .ok_or_else(|| MetadataError::UnknownEntity {
                wanted: entity_id.to_owned(),
                count: self.entries.len(),
            })
    }

    /// The IdP role of this entity, read as [`IdpMetadata::parse_entity`] reads it. Its
    /// [`IdpMetadata::into_settings`] refuses it once the entity's `validUntil` (or an
    /// enclosing one) has passed.
    ///
    /// # Errors
    ///
    /// [`MetadataError::UnknownEntity`], or what [`IdpMetadata::parse`] refuses in the entity.
    pub fn idp_metadata(&self, entity_id: &str) -> Result<IdpMetadata, MetadataError> {
        parse_idp_entity(&self.doc, self.entry(entity_id)?.node)
    }

    /// The SP role of this entity, read as [`SpMetadata::parse_entity`] reads it.
    ///
    /// # Errors
    ///
    /// [`MetadataError::UnknownEntity`], or what [`SpMetadata::parse`] refuses in the entity.
    pub fn sp_metadata(&self, entity_id: &str) -> Result<SpMetadata, MetadataError> {
        parse_sp_entity(&self.doc, self.entry(entity_id)?.node)
    }

    /// Settings for the IdP `entity_id` at `now` ([`idp_metadata`](Self::idp_metadata), then
    /// [`IdpMetadata::into_settings`]).
    ///
    /// # Errors
    ///
    /// As those two.
    pub fn idp_settings(
        &self,
        entity_id: &str,
        now: DateTime,
    ) -> Result<IdpSettings, MetadataError> {
        self.idp_metadata(entity_id)?.into_settings(now)
    }

    /// The peer for the SP `entity_id` at `now` ([`sp_metadata`](Self::sp_metadata), then
    /// [`SpMetadata::into_peer`]).
    ///
    /// # Errors
    ///
    /// As those two.
    pub fn sp_peer(&self, entity_id: &str, now: DateTime) -> Result<SpPeer, MetadataError> {
        self.sp_metadata(entity_id)?.into_peer(now)
    }

    /// What the metadata says about one entity, for listing: roles, endpoints, keys, validity.
    ///
    /// # Errors
    ///
    /// [`MetadataError::UnknownEntity`]; [`MetadataError::InvalidKeyUse`],
    /// [`MetadataError::MissingAttribute`] (an endpoint without Binding or Location).
    pub fn entity(&self, entity_id: &str) -> Result<EntitySummary, MetadataError> {
        summarize(&self.doc, self.entry(entity_id)?)
    }

    /// [`entity`](Self::entity) for every entity, in document order.
    pub fn entities(&self) -> impl Iterator<Item = Result<EntitySummary, MetadataError>> + '_ {
        self.entries.iter().map(|e| summarize(&self.doc, e))
    }
}

/// Indices of `entries` sorted by entityID; a repeated entityID is refused.
fn sorted_by_id(entries: &[Entry]) -> Result<Vec<usize>, MetadataError> {
    let mut by_id: Vec<usize> = (0..entries.len()).collect();
    by_id.sort_by(|&a, &b| entries[a].entity_id.cmp(&entries[b].entity_id));
    if let Some(pair) = by_id
        .windows(2)
        .find(|w| entries[w[0]].entity_id == entries[w[1]].entity_id)
    {
        return Err(MetadataError::DuplicateEntityId {
            entity_id: entries[pair[0]].entity_id.clone(),
        });
    }
    Ok(by_id)
}

/// The entities of an `md:EntitiesDescriptor` document, in document order, as [`Metadata`]
/// indexes them (for [`IdpMetadata::parse_entity`] and friends).
pub(super) fn entity_nodes(
    doc: &Document<'_>,
    limits: &MetadataLimits,
) -> Result<Vec<NodeId>, MetadataError> {
    let entries = index(doc, None, limits)?;
    sorted_by_id(&entries)?;
    Ok(entries.into_iter().map(|e| e.node).collect())
}

/// The earliest of `fetched_at` + each duration (or the default when there are none) and
/// `valid_until`.
fn reload_after(
    fetched_at: DateTime,
    durations: &[XsDuration],
    valid_until: Option<DateTime>,
) -> DateTime {
    let cached = if durations.is_empty() {
        DEFAULT_CACHE_DURATION.add_to(fetched_at)
    } else {
        // A duration too large to add is no limit at all.
        durations.iter().filter_map(|d| d.add_to(fetched_at)).min()
    };
    match (cached, valid_until) {
        (Some(c), Some(v)) => c.min(v),
        (Some(c), None) => c,
        (None, Some(v)) => v,
        (None, None) => fetched_at,
    }
}

fn parse_document<'a>(
    xml: &'a [u8],
    limits: &MetadataLimits,
) -> Result<Document<'a>, MetadataError> {
    let doc = Document::parse_bytes(xml, &limits.xml)?;
    let root = doc.root_element();
    if !doc.is(root, METADATA_NAMESPACE, "EntityDescriptor")
        && !doc.is(root, METADATA_NAMESPACE, "EntitiesDescriptor")
    {
        return Err(MetadataError::UnexpectedRoot {
            namespace: doc.namespace(root).to_owned(),
            local_name: doc.local_name(root).to_owned(),
        });
    }
    Ok(doc)
}

/// How the document element is named in messages.
fn document_label(doc: &Document<'_>) -> String {
    let root = doc.root_element();
    match (doc.attribute(root, "entityID"), doc.attribute(root, "Name")) {
        (Some(id), _) => id.to_owned(),
        (None, Some(name)) => format!("EntitiesDescriptor {name}"),
        (None, None) => "EntitiesDescriptor".to_owned(),
    }
}

/// For the message of [`MetadataError::SignatureMissing`]: the first Signature on an element
/// inside the document element, which covers only that element.
fn inner_signature(doc: &Document<'_>, root: NodeId) -> Option<String> {
    let signature = doc
        .descendants(root)
        .find(|&n| doc.is(n, DSIG_NAMESPACE, "Signature"))?;
    let parent = doc.parent(signature)?;
    Some(match doc.attribute(parent, "entityID") {
        Some(id) => format!("{} entityID=`{id}`", doc.qualified_name(parent)),
        None => doc.qualified_name(parent).into_owned(),
    })
}

fn valid_until_attribute(
    doc: &Document<'_>,
    node: NodeId,
) -> Result<Option<DateTime>, MetadataError> {
    doc.attribute(node, "validUntil")
        .map(|v| parse_xs_datetime(v).map_err(|source| MetadataError::InvalidValidUntil { source }))
        .transpose()
}

fn cache_duration_attribute(
    doc: &Document<'_>,
    node: NodeId,
) -> Result<Option<XsDuration>, MetadataError> {
    let Some(value) = doc.attribute(node, "cacheDuration") else {
        return Ok(None);
    };
    let invalid = |source| MetadataError::InvalidCacheDuration {
        element: doc.qualified_name(node).into_owned(),
        source,
    };
    let d = XsDuration::parse(value).map_err(invalid)?;
    if d.negative {
        return Err(invalid(super::duration::DurationError {
            input: crate::xml::trim_xml(value).to_owned(),
            offset: 0,
            reason: "a negative cacheDuration",
        }));
    }
    Ok(Some(d))
}

/// Every entity of the document, reached from the document element through
/// `EntitiesDescriptor` children only, in document order. With a verified signature, each must
/// lie inside what it digested.
fn index(
    doc: &Document<'_>,
    verified: Option<&Verified<'_, '_>>,
    limits: &MetadataLimits,
) -> Result<Vec<Entry>, MetadataError> {
    let covered = |node: NodeId| verified.is_none_or(|v| v.covers(node));
    let root = doc.root_element();
    let root_valid_until = valid_until_attribute(doc, root)?;
    let root_cache = cache_duration_attribute(doc, root)?;
    let mut entries = Vec::new();
    if doc.is(root, METADATA_NAMESPACE, "EntityDescriptor") {
        entries.push(entry(doc, root, None, &[])?);
        return Ok(entries);
    }
    // (descriptor, depth, inherited validUntil, inherited cacheDurations)
    let mut stack = vec![(root, 1usize, root_valid_until, Vec::from_iter(root_cache))];
    while let Some((node, depth, valid_until, durations)) = stack.pop() {
        for child in doc.element_children(node) {
            if doc.is(child, METADATA_NAMESPACE, "EntityDescriptor") {
                if !covered(child) {
                    return Err(not_covered(doc, child));
                }
                entries.push(entry(doc, child, valid_until, &durations)?);
            } else if doc.is(child, METADATA_NAMESPACE, "EntitiesDescriptor") {
                if !covered(child) {
                    return Err(not_covered(doc, child));
                }
                if depth >= limits.max_entities_depth {
                    return Err(MetadataError::EntitiesTooDeep {
                        max: limits.max_entities_depth,
                    });
                }
                let inner_valid_until = earliest(valid_until, valid_until_attribute(doc, child)?);
                let mut inner = durations.clone();
                inner.extend(cache_duration_attribute(doc, child)?);
                stack.push((child, depth + 1, inner_valid_until, inner));
            } else if doc.is(child, DSIG_NAMESPACE, "Signature")
                || doc.is(child, METADATA_NAMESPACE, "Extensions")
            {
                // The Signature is checked (or not) by the caller, and the enveloped transform
                // leaves its content out of the digest: nothing inside it is ever read.
            } else {
                return Err(MetadataError::UnexpectedElement {
                    parent: "EntitiesDescriptor",
                    found: doc.qualified_name(child).into_owned(),
                });
            }
        }
    }
    entries.sort_by_key(|e| e.node);
    Ok(entries)
}

fn not_covered(doc: &Document<'_>, node: NodeId) -> MetadataError {
    MetadataError::SignatureMissing {
        element: doc.qualified_name(node).into_owned(),
        inner: None,
    }
}

fn earliest(a: Option<DateTime>, b: Option<DateTime>) -> Option<DateTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn entry(
    doc: &Document<'_>,
    node: NodeId,
    inherited_valid_until: Option<DateTime>,
    inherited_durations: &[XsDuration],
) -> Result<Entry, MetadataError> {
    let entity_id = required_attribute(doc, node, "EntityDescriptor", "entityID")?.to_owned();
    let valid_until = earliest(inherited_valid_until, valid_until_attribute(doc, node)?);
    let cache_duration = cache_duration_attribute(doc, node)?;
    let mut cache_durations = inherited_durations.to_vec();
    cache_durations.extend(cache_duration);
    Ok(Entry {
        node,
        entity_id,
        valid_until,
        cache_duration,
        cache_durations,
    })
}

/// The role of a descriptor in an [`EntitySummary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntityRole {
    /// An `md:IDPSSODescriptor`.
    IdentityProvider,
    /// An `md:SPSSODescriptor`.
    ServiceProvider,
}

impl EntityRole {
    /// `IdP` or `SP`.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::IdentityProvider => "IdP",
            Self::ServiceProvider => "SP",
        }
    }
}

/// Which service an [`EndpointSummary`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServiceKind {
    /// `md:AssertionConsumerService` (SP).
    AssertionConsumer,
    /// `md:SingleLogoutService` (IdP and SP).
    SingleLogout,
    /// `md:SingleSignOnService` (IdP).
    SingleSignOn,
}

impl ServiceKind {
    /// `ACS`, `SLO` or `SSO`.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::AssertionConsumer => "ACS",
            Self::SingleLogout => "SLO",
            Self::SingleSignOn => "SSO",
        }
    }
}

/// An endpoint as the metadata writes it, whatever its binding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointSummary {
    /// Which service.
    pub service: ServiceKind,
    /// The `Binding` URI as written.
    pub binding: String,
    /// `Location`.
    pub location: String,
    /// `ResponseLocation`, if any.
    pub response_location: Option<String>,
    /// `index` (indexed endpoints: ACS), as written.
    pub index: Option<String>,
    /// `isDefault`, as written.
    pub is_default: Option<String>,
}

/// `md:KeyDescriptor/@use`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUse {
    /// `use="encryption"`.
    Encryption,
    /// `use="signing"`.
    Signing,
    /// No `use`: the key serves both (saml-metadata-2.0-os §2.4.1.1). Listed as both; reading
    /// SP metadata still turns encryption on only for `use="encryption"`.
    Unspecified,
}

impl KeyUse {
    /// Whether the key may verify signatures (`signing` or no `use`).
    pub fn signs(self) -> bool {
        matches!(self, Self::Signing | Self::Unspecified)
    }

    /// Whether the key may be encrypted to, per the schema (`encryption` or no `use`).
    pub fn encrypts(self) -> bool {
        matches!(self, Self::Encryption | Self::Unspecified)
    }

    /// `signing`, `encryption` or `unspecified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Encryption => "encryption",
            Self::Signing => "signing",
            Self::Unspecified => "unspecified",
        }
    }
}

/// One `ds:X509Certificate` of a `md:KeyDescriptor`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct KeySummary {
    /// The KeyDescriptor's `use`.
    pub usage: KeyUse,
    /// The certificate, or why it could not be read.
    pub certificate: Result<Certificate, String>,
}

impl KeySummary {
    /// The SHA-256 fingerprint of the certificate, `None` when it did not parse.
    pub fn sha256(&self) -> Option<String> {
        self.certificate
            .as_ref()
            .ok()
            .map(Certificate::fingerprint_sha256)
    }
}

/// One `md:IDPSSODescriptor` or `md:SPSSODescriptor`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RoleSummary {
    /// Which role.
    pub role: EntityRole,
    /// `protocolSupportEnumeration` as written.
    pub protocols: String,
    /// SSO, ACS and SLO endpoints in document order.
    pub endpoints: Vec<EndpointSummary>,
    /// Every certificate of every KeyDescriptor, in document order.
    pub keys: Vec<KeySummary>,
}

impl RoleSummary {
    /// The keys that may verify signatures (`use="signing"` or no `use`).
    pub fn signing_keys(&self) -> impl Iterator<Item = &KeySummary> + '_ {
        self.keys.iter().filter(|k| k.usage.signs())
    }

    /// The keys the schema lets one encrypt to (`use="encryption"` or no `use`).
    pub fn encryption_keys(&self) -> impl Iterator<Item = &KeySummary> + '_ {
        self.keys.iter().filter(|k| k.usage.encrypts())
    }
}

/// What metadata says about one entity, for listing. No trust decision beyond the document's.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EntitySummary {
    /// `entityID`.
    pub entity_id: String,
    /// The earliest `validUntil` of the entity and its enclosing descriptors.
    pub valid_until: Option<DateTime>,
    /// The entity's own `cacheDuration`.
    pub cache_duration: Option<XsDuration>,
    cache_durations: Vec<XsDuration>,
    /// Its IdP and SP descriptors, in document order.
    pub roles: Vec<RoleSummary>,
}

impl EntitySummary {
    /// When a copy fetched at `fetched_at` stops being good for this entity: the earliest of
    /// `fetched_at` plus each `cacheDuration` on the entity and its enclosing descriptors
    /// ([`DEFAULT_CACHE_DURATION`] when none has one) and [`valid_until`](Self::valid_until).
    pub fn reload_after(&self, fetched_at: DateTime) -> DateTime {
        reload_after(fetched_at, &self.cache_durations, self.valid_until)
    }

    /// Whether its `validUntil` has passed at `now`.
    pub fn is_expired(&self, now: DateTime) -> bool {
        self.valid_until.is_some_and(|v| now >= v)
    }
}

fn summarize(doc: &Document<'_>, entry: &Entry) -> Result<EntitySummary, MetadataError> {
    let mut roles = Vec::new();
    for descriptor in doc.element_children(entry.node) {
        let role = if doc.is(descriptor, METADATA_NAMESPACE, "IDPSSODescriptor") {
            EntityRole::IdentityProvider
        } else if doc.is(descriptor, METADATA_NAMESPACE, "SPSSODescriptor") {
            EntityRole::ServiceProvider
        } else {
            continue;
        };
        let mut endpoints = Vec::new();
        for child in doc.element_children(descriptor) {
            let (service, name) = match (role, doc.local_name(child)) {
                _ if doc.namespace(child) != METADATA_NAMESPACE => continue,
                (EntityRole::IdentityProvider, "SingleSignOnService") => {
                    (ServiceKind::SingleSignOn, "SingleSignOnService")
                }
                (EntityRole::ServiceProvider, "AssertionConsumerService") => {
                    (ServiceKind::AssertionConsumer, "AssertionConsumerService")
                }
                (_, "SingleLogoutService") => (ServiceKind::SingleLogout, "SingleLogoutService"),
                _ => continue,
            };
            endpoints.push(EndpointSummary {
                service,
                binding: required_attribute(doc, child, name, "Binding")?.to_owned(),
                location: required_attribute(doc, child, name, "Location")?.to_owned(),
                response_location: doc.attribute(child, "ResponseLocation").map(str::to_owned),
                index: doc.attribute(child, "index").map(str::to_owned),
                is_default: doc.attribute(child, "isDefault").map(str::to_owned),
            });
        }
        let mut keys = Vec::new();
        for (i, kd) in
            children_named(doc, descriptor, METADATA_NAMESPACE, "KeyDescriptor").enumerate()
        {
            let usage = match doc.attribute(kd, "use").map(crate::xml::trim_xml) {
                None => KeyUse::Unspecified,
                Some("signing") => KeyUse::Signing,
                Some("encryption") => KeyUse::Encryption,
                Some(other) => {
                    return Err(MetadataError::InvalidKeyUse {
                        entity_id: entry.entity_id.clone(),
                        key_descriptor: i + 1,
                        value: other.to_owned(),
                    });
                }
            };
            for cert in super::key_descriptor_certificates(doc, kd) {
                keys.push(KeySummary {
                    usage,
                    certificate: Certificate::from_base64(doc.text(cert).as_bytes(), None)
                        .map_err(|e| e.to_string()),
                });
            }
        }
        roles.push(RoleSummary {
            role,
            protocols: doc
                .attribute(descriptor, "protocolSupportEnumeration")
                .unwrap_or_default()
                .to_owned(),
            endpoints,
            keys,
        });
    }
    Ok(EntitySummary {
        entity_id: entry.entity_id.clone(),
        valid_until: entry.valid_until,
        cache_duration: entry.cache_duration,
        cache_durations: entry.cache_durations.clone(),
        roles,
    })
}
