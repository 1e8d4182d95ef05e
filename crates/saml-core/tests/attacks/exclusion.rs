//! A3/A4: signature exclusion and stripping. Somorovsky et al. 2012 (signature exclusion in
//! several of the 14 frameworks studied); SolarWinds Web Help Desk CVE-2026-28323 ("Signature
//! Optional": verification ran only when a certificate was configured); Keycloak
//! CVE-2026-16443; GitHub Enterprise Server CVE-2024-4985 / CVE-2024-9487; Lasso CVE-2021-28091.
//!
//! Defences: `ServiceProvider::check_scope` (kind `signature_missing`, from
//! `SamlError::SignatureScope`); the `Covered` token, built only when a verified signature
//! covers the consumed Assertion; `Verifier::verify` refusing to run without trusted keys
//! (`DsigError::NoTrustedKeys`); every signature present must verify (the Response's first).

use saml_core::dsig::DsigError;
use saml_core::saml::SamlError;
use saml_core::saml::idp::SignTarget;
use saml_core::settings::SignatureScope;

use crate::helpers::*;

/// Somorovsky et al. 2012: every `ds:Signature` removed and the NameID edited.
#[test]
fn all_signatures_removed() {
    for scope in [
        SignatureScope::Either,
        SignatureScope::Assertion,
        SignatureScope::Response,
        SignatureScope::Both,
    ] {
        let xml = with_name_id(&strip_signatures(&issue(SignTarget::Both)), EVIL);
        let err = rejected(
            &sp_with(|i| *i = i.clone().with_signature_scope(scope)),
            &xml,
        );
        assert_structural(&err, "signature_missing");
        assert!(matches!(err, SamlError::SignatureScope { .. }), "{err:?}");
    }
}

/// A4(b) under "Both": the Response's signature stripped; the Assertion's own signature is
/// intact and valid, but the Response is no longer signed.
#[test]
fn scope_both_response_signature_stripped() {
    let xml = issue(SignTarget::Both);
    let sig = signature_in(&xml, &root(&xml));
    let xml = splice(&xml, sig.outer, "");
    let both = sp_with(|i| *i = i.clone().with_signature_scope(SignatureScope::Both));
    let err = rejected(&both, &xml);
    assert_structural(&err, "signature_missing");
    assert!(
        err.to_string().contains("the Response is not signed"),
        "{err}"
    );
    // The same message passes "Either": the remaining Assertion signature is genuine.
    accepted(&sp(), &xml);
}

/// A4(b) under "Both": the Assertion's signature stripped and the Response re-signed by the
/// IdP, so nothing but the scope rule can object.
#[test]
fn scope_both_assertion_signature_stripped_and_response_resigned() {
    let xml = sign(&unsigned(), SignTarget::Response);
    let both = sp_with(|i| *i = i.clone().with_signature_scope(SignatureScope::Both));
    let err = rejected(&both, &xml);
    assert_structural(&err, "signature_missing");
    assert!(
        err.to_string().contains("the Assertion is not signed"),
        "{err}"
    );
}

/// "Assertion" scope refuses a Response-only signature, "Response" scope an Assertion-only one.
#[test]
fn scope_names_the_element_that_must_be_signed() {
    let e = rejected(
        &sp_with(|i| *i = i.clone().with_signature_scope(SignatureScope::Assertion)),
        &issue(SignTarget::Response),
    );
    assert_structural(&e, "signature_missing");
    let e = rejected(
        &sp_with(|i| *i = i.clone().with_signature_scope(SignatureScope::Response)),
        &issue(SignTarget::Assertion),
    );
    assert_structural(&e, "signature_missing");
}

/// Stripping the Assertion's signature without re-signing changes what the Response signature
/// covers: the Response's digest fails first (`digest_mismatch` on the Response).
#[test]
fn stripping_the_inner_signature_breaks_the_outer_digest() {
    let xml = issue(SignTarget::Both);
    let a = assertion(&xml);
    let xml = splice(&xml, signature_in(&xml, &a).outer, "");
    let err = rejected(&sp(), &xml);
    assert_kind(&err, "digest_mismatch");
    assert_eq!(dsig_source(&err).0, "Response");
}

/// A4: the Response signature kept while its Assertion is replaced by an edited copy (here the
/// Assertion keeps its own, now stale, signature; and, second, an Assertion the attacker
/// re-signed). The Response is verified first and its digest no longer matches: our verifier
/// says `digest_mismatch` for the Response, a rejection either way.
#[test]
fn response_signature_kept_assertion_replaced() {
    let xml = issue(SignTarget::Both);
    let edited = with_name_id(&xml, EVIL);
    let err = rejected(&sp(), &edited);
    assert_kind(&err, "digest_mismatch");
    let (element, source) = dsig_source(&err);
    assert_eq!(element, "Response");
    assert!(
        matches!(source, DsigError::DigestMismatch { .. }),
        "{source:?}"
    );

    // The attacker's own signed Assertion spliced into the IdP-signed Response.
    let theirs = sign_with(
        &attacker_signer(),
        &with_name_id(&unsigned(), EVIL),
        SignTarget::Assertion,
    );
    let their_assertion = &theirs[assertion(&theirs).outer];
    let mixed = splice(&xml, assertion(&xml).outer, their_assertion);
    let err = rejected(&sp(), &mixed);
    assert_kind(&err, "digest_mismatch");
    assert_eq!(dsig_source(&err).0, "Response");
}

/// SolarWinds CVE-2026-28323 (fail-open without a certificate), Keycloak CVE-2026-16443: with no
/// signing certificate configured, verification refuses to run instead of being skipped.
#[test]
fn no_trusted_certificate_configured() {
    // The service provider cannot even be built without a trust anchor.
    let err = saml_core::ServiceProvider::new(
        idp_settings().with_signing_certificates(Vec::new()),
        sp_settings(),
    )
    .expect_err("no trust anchors");
    assert!(
        matches!(
            err,
            saml_core::settings::SettingsError::NoTrustAnchors { .. }
        ),
        "{err}"
    );
    // And the verifier beneath it refuses to run with none.
    let verifier = saml_core::dsig::Verifier::new(Vec::new(), Default::default());
    for sign in [
        SignTarget::Assertion,
        SignTarget::Response,
        SignTarget::Both,
    ] {
        let xml = issue(sign);
        let doc = saml_core::xml::Document::parse(&xml).expect("parses");
        let root = doc.root_element();
        let signature = saml_core::dsig::Verifier::signature_of(&doc, root)
            .expect("one signature")
            .or_else(|| {
                let assertion = doc.element_children(root).last()?;
                saml_core::dsig::Verifier::signature_of(&doc, assertion).ok()?
            })
            .expect("a signature");
        let err = verifier.verify(&doc, signature).expect_err("no keys");
        assert!(matches!(err, DsigError::NoTrustedKeys), "{err}");
    }
}

/// A3 "sign only an element the SP never looks at": an IdP-signed element in
/// `samlp:Extensions` while the Response and Assertion are unsigned.
#[test]
fn signature_on_an_element_the_sp_does_not_read() {
    let base = with_name_id(&unsigned(), EVIL);
    let status = child(&base, &root(&base), P, "Status");
    let with_ext = insert(
        &base,
        status.outer.start,
        "<samlp:Extensions><x:Note xmlns:x=\"urn:example:note\" ID=\"_note\">hello</x:Note>\
         </samlp:Extensions>",
    );
    let signed = idp_signer()
        .sign_element(&with_ext, "_note")
        .expect("signs the note");
    let err = rejected(&sp(), &signed);
    assert_structural(&err, "signature_missing");
}
