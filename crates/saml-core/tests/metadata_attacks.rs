//! Attacks on metadata (ATTACKS.md A22 "metadata trust", A7/A8 wrapping, A12 limits), each
//! refused by `saml_core::metadata::Metadata`. What a hostile party sends: a signed entity
//! re-wrapped in an aggregate it wrote, a second description of a trusted entity, metadata it
//! signed itself with its certificate in KeyInfo, stale metadata with a fresh-looking child,
//! input built to exhaust memory or the stack, and values built to confuse the refresh logic.

mod common;
mod metadata_fixtures;

use metadata_fixtures::*;
use saml_core::metadata::{IdpMetadata, Metadata, MetadataError, MetadataLimits};

fn limits() -> MetadataLimits {
    MetadataLimits::default()
}

/// Signature wrapping 1: the IdP's own signed EntityDescriptor, moved inside an unsigned
/// EntitiesDescriptor the attacker wrote next to an entity of its own. The only signature
/// covers the inner element, not the document read around it.
#[test]
fn signed_entity_wrapped_in_unsigned_aggregate_is_refused() {
    let signed = sign(
        &standalone(&idp_entity("https://idp.example.org", r#" ID="e1""#)),
        &operator(),
    );
    // The standalone entity verifies by itself.
    Metadata::verify(signed.as_bytes(), &pinned(), now(), &limits()).expect("entity verifies");
    let inner = signed.replacen(&format!(r#" xmlns:md="{MD}""#), "", 1);
    let wrapped = aggregate("", &[inner, idp_entity("https://evil.example", "")]);
    let err = assert_kind(
        Metadata::verify(wrapped.as_bytes(), &pinned(), now(), &limits()),
        "signature_missing",
    );
    assert_eq!(
        err.to_string(),
        "the document element `md:EntitiesDescriptor` carries no Signature (the Signature on \
         the inner `md:EntityDescriptor entityID=`https://idp.example.org`` covers only that \
         element, not the document read around it: signature wrapping is refused)"
    );
}

/// Signature wrapping 2: the signed entity and an unsigned twin with the same entityID (and
/// the attacker's SSO URL). Refused for the signature, and, even when no signature is asked
/// for, for the repeated entityID.
#[test]
fn unsigned_twin_with_the_same_entity_id_is_refused() {
    let signed = sign(
        &standalone(&idp_entity("https://idp.example.org", r#" ID="e1""#)),
        &operator(),
    )
    .replacen(&format!(r#" xmlns:md="{MD}""#), "", 1);
    let twin = idp_entity("https://idp.example.org", "")
        .replace("idp.example.org/sso", "evil.example/sso");
    for children in [[twin.clone(), signed.clone()], [signed, twin]] {
        let xml = aggregate("", &children);
        assert_kind(
            Metadata::verify(xml.as_bytes(), &pinned(), now(), &limits()),
            "signature_missing",
        );
        let err = assert_kind(
            Metadata::parse(xml.as_bytes(), now(), &limits()),
            "duplicate_id",
        );
        assert!(
            matches!(&err, MetadataError::DuplicateEntityId { entity_id } if entity_id == "https://idp.example.org"),
            "{err:?}"
        );
        // The single-entity readers refuse it too.
        assert_kind(
            IdpMetadata::parse_entity(xml.as_bytes(), "https://idp.example.org"),
            "duplicate_id",
        );
    }
}

/// A signed aggregate that itself lists an entityID twice (an operator's mistake, or a
/// compromised feed): which one is meant would depend on the reader.
#[test]
fn signed_aggregate_with_a_repeated_entity_id_is_refused() {
    let xml = aggregate(
        r#" ID="fed""#,
        &[
            idp_entity("https://idp.example.org", ""),
            group("", &[idp_entity("https://idp.example.org", "")]),
        ],
    );
    let signed = sign(&xml, &operator());
    assert_kind(
        Metadata::verify(signed.as_bytes(), &pinned(), now(), &limits()),
        "duplicate_id",
    );
}

/// The enveloped transform leaves the Signature out of the digest, so anything put inside its
/// KeyInfo keeps the signature valid. Entities hidden there are never read: the index walks
/// EntitiesDescriptor children only, and skips the Signature.
#[test]
fn entities_hidden_in_the_signature_are_never_read() {
    let signed = sign(&federation(), &operator());
    let hidden = group(
        "",
        &[
            idp_entity("https://evil.example", ""),
            idp_entity("https://idp.example.org", "")
                .replace("idp.example.org/sso", "evil.example/sso"),
        ],
    );
    let tampered = signed.replacen("<ds:X509Data>", &format!("{hidden}<ds:X509Data>"), 1);
    assert_ne!(tampered, signed);
    let md = Metadata::verify(tampered.as_bytes(), &pinned(), now(), &limits())
        .expect("the signature still verifies: KeyInfo is not digested");
    assert_eq!(
        md.entity_ids().collect::<Vec<_>>(),
        ["https://idp.example.org", "https://sp.example.org"]
    );
    assert_kind(md.entity("https://evil.example"), "unknown_entity");
    let idp = md.idp_metadata("https://idp.example.org").unwrap();
    assert_eq!(
        idp.sso_services()[0].location,
        "https://idp.example.org/sso/post"
    );
    // The single-entity reader walks the same way.
    assert_kind(
        IdpMetadata::parse_entity(tampered.as_bytes(), "https://evil.example"),
        "unknown_entity",
    );
}

/// Signature wrapping 3: the inner entity's Signature moved up to be a child of the attacker's
/// EntitiesDescriptor, still referencing the entity: the Reference must name the Signature's
/// parent, which is the document element.
#[test]
fn signature_covering_another_element_than_the_document_element_is_refused() {
    let signed = sign(
        &standalone(&idp_entity("https://idp.example.org", r#" ID="e1""#)),
        &operator(),
    )
    .replacen(&format!(r#" xmlns:md="{MD}""#), "", 1);
    let start = signed.find("<ds:Signature").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &signed[start..end];
    let entity = format!("{}{}", &signed[..start], &signed[end..]);
    let xml = aggregate("", &[signature.to_owned(), entity]);
    assert_kind(
        Metadata::verify(xml.as_bytes(), &pinned(), now(), &limits()),
        "reference_not_parent",
    );
}

/// Metadata the attacker signed with its own key, its certificate in KeyInfo: KeyInfo never
/// chooses the key.
#[test]
fn key_from_embedded_key_info_is_not_trusted() {
    let forged = sign(
        &federation().replace("idp.example.org/sso", "evil.example/sso"),
        &attacker(),
    );
    assert!(
        forged.contains("<ds:X509Certificate>"),
        "the attacker's certificate is embedded"
    );
    let err = assert_kind(
        Metadata::verify(forged.as_bytes(), &pinned(), now(), &limits()),
        "signature_mismatch",
    );
    assert!(err.to_string().contains("which is not configured"), "{err}");
}

/// Content changed after signing.
#[test]
fn tampered_signed_aggregate_is_refused() {
    let signed = sign(&federation(), &operator());
    let tampered = signed.replacen("idp.example.org/sso/post", "evil.example/sso/post", 1);
    assert_kind(
        Metadata::verify(tampered.as_bytes(), &pinned(), now(), &limits()),
        "digest_mismatch",
    );
}

/// Unsigned metadata where a signature is required.
#[test]
fn unsigned_metadata_is_refused_when_a_signature_is_required() {
    let err = assert_kind(
        Metadata::verify(federation().as_bytes(), &pinned(), now(), &limits()),
        "signature_missing",
    );
    assert_eq!(
        err.to_string(),
        "the document element `md:EntitiesDescriptor` carries no Signature"
    );
}

/// An expired aggregate with a child whose own validUntil is later: validUntil applies to
/// everything inside, so the child is expired too.
#[test]
fn expired_aggregate_with_an_unexpired_child_is_refused() {
    let xml = aggregate(
        r#" ID="fed" validUntil="2026-12-01T00:00:00Z""#,
        &[idp_entity(
            "https://idp.example.org",
            r#" validUntil="2030-01-01T00:00:00Z""#,
        )],
    );
    let signed = sign(&xml, &operator());
    let err = assert_kind(
        Metadata::verify(signed.as_bytes(), &pinned(), now(), &limits()),
        "expired",
    );
    assert_eq!(
        err.to_string(),
        "the metadata of `EntitiesDescriptor` expired at 2026-12-01T00:00:00Z (validUntil), \
         and it is now 2026-12-06T00:00:00Z; fetch fresh metadata"
    );
    // Read before expiry, the child carries the aggregate's date, not its own.
    let md = Metadata::verify(
        signed.as_bytes(),
        &pinned(),
        at("2026-11-30T00:00:00Z"),
        &limits(),
    )
    .unwrap();
    let idp = md.idp_metadata("https://idp.example.org").unwrap();
    assert_eq!(idp.valid_until(), Some(at("2026-12-01T00:00:00Z")));
    assert_kind(idp.into_settings(now()), "expired");
    // A nested EntitiesDescriptor's date binds its children the same way.
    let nested = aggregate(
        "",
        &[group(
            r#" validUntil="2026-12-01T00:00:00Z""#,
            &[idp_entity(
                "https://idp.example.org",
                r#" validUntil="2030-01-01T00:00:00Z""#,
            )],
        )],
    );
    let md = Metadata::parse(nested.as_bytes(), now(), &limits()).unwrap();
    assert!(
        md.entity("https://idp.example.org")
            .unwrap()
            .is_expired(now())
    );
    assert_kind(md.idp_settings("https://idp.example.org", now()), "expired");
}

/// Input larger than the metadata limit is refused before it is parsed (the default, 100 MiB,
/// and a lower one set by the application).
#[test]
fn oversized_input_is_refused() {
    let mut huge = federation().into_bytes();
    huge.resize((100 << 20) + 1, b' ');
    let err = assert_kind(Metadata::parse(&huge, now(), &limits()), "limit_exceeded");
    assert!(err.to_string().contains("104857600"), "{err}");
    drop(huge);
    let small =
        MetadataLimits::default().with_xml(saml_core::xml::Limits::default().with_max_bytes(1024));
    assert_kind(
        Metadata::parse(federation().as_bytes(), now(), &small),
        "limit_exceeded",
    );
}

/// EntitiesDescriptors nested deeper than `max_entities_depth` (8) are refused; 10,000 levels
/// are refused by the parser's depth limit, with no recursion anywhere.
#[test]
fn deeply_nested_entities_descriptors_are_refused() {
    let nest = |levels: usize| {
        let mut inner = idp_entity("https://idp.example.org", "");
        for _ in 1..levels {
            inner = group("", &[inner]);
        }
        aggregate("", &[inner])
    };
    let eight = nest(8);
    let md = Metadata::parse(eight.as_bytes(), now(), &limits()).expect("8 levels");
    assert_eq!(md.len(), 1);
    let err = assert_kind(
        Metadata::parse(nest(9).as_bytes(), now(), &limits()),
        "limit_exceeded",
    );
    assert!(
        matches!(err, MetadataError::EntitiesTooDeep { max: 8 }),
        "{err:?}"
    );
    assert_kind(IdpMetadata::parse(nest(9).as_bytes()), "limit_exceeded");
    assert_kind(
        Metadata::parse(nest(10_000).as_bytes(), now(), &limits()),
        "limit_exceeded",
    );
}

/// A cacheDuration that is not a non-negative xs:duration is refused wherever it appears,
/// never read as "no limit" or as zero.
#[test]
fn malformed_cache_duration_is_refused() {
    for value in [
        "P1H",
        "PT",
        "P",
        "-PT1H",
        "1 day",
        "PT1.5M",
        "P1DT",
        "PT6h",
        "P99999999999999D",
    ] {
        for (where_, xml) in [
            (
                "aggregate",
                aggregate(
                    &format!(r#" cacheDuration="{value}""#),
                    &[idp_entity("https://idp.example.org", "")],
                ),
            ),
            (
                "group",
                aggregate(
                    "",
                    &[group(
                        &format!(r#" cacheDuration="{value}""#),
                        &[idp_entity("https://idp.example.org", "")],
                    )],
                ),
            ),
            (
                "entity",
                aggregate(
                    "",
                    &[idp_entity(
                        "https://idp.example.org",
                        &format!(r#" cacheDuration="{value}""#),
                    )],
                ),
            ),
        ] {
            let err = Metadata::parse(xml.as_bytes(), now(), &limits())
                .err()
                .unwrap_or_else(|| panic!("{value} on the {where_} was accepted"));
            assert!(
                matches!(err, MetadataError::InvalidCacheDuration { .. }),
                "{value} on the {where_}: {err:?}"
            );
            assert_eq!(err.kind().as_str(), "malformed_message");
        }
    }
}

/// Anything but Signature, Extensions, EntityDescriptor and EntitiesDescriptor in an
/// EntitiesDescriptor is refused, so no entity can sit in a wrapper some readers skip and
/// others search.
#[test]
fn unknown_wrapper_in_an_aggregate_is_refused() {
    let xml = aggregate(
        "",
        &[format!(
            r#"<x:Wrapper xmlns:x="urn:x">{}</x:Wrapper>"#,
            idp_entity("https://idp.example.org", "")
        )],
    );
    let err = assert_kind(
        Metadata::parse(xml.as_bytes(), now(), &limits()),
        "malformed_message",
    );
    assert_eq!(
        err.to_string(),
        "unexpected `x:Wrapper` in `EntitiesDescriptor`"
    );
}
