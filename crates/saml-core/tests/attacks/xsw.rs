//! A1: XML Signature Wrapping, the eight permutations of J. Somorovsky, A. Mayer, J. Schwenk,
//! M. Kampmann, M. Jensen, "On Breaking SAML: Be Whoever You Want to Be" (USENIX Security
//! 2012), as SAMLRaider builds them (CompassSecurity/SAMLRaider `XSWHelpers.java`), plus its
//! XSW10 (the CVE-2022-41912 shape, with and without its DOCTYPE entities).
//!
//! Each recipe is applied by splicing exact byte ranges of a validly signed message: the
//! Response-signed case (XSW1/2) to our IdP's Response-signed output and to Google's 2016
//! Response; the Assertion-signed case (XSW3–8, 10) to our IdP's Assertion-signed output and to
//! Keycloak's 2025 Response. Each recipe runs with the copy's ID equal to the signed element's
//! and different from it. Two independent defences are asserted, so each can be mutation-tested
//! alone:
//! - the SP (`sp::locate_assertion`): exactly one Assertion, a direct child of the Response, and
//!   no other Assertion or Response anywhere → `assertion_count`;
//! - the verifier, asked to verify the element a naive SP would consume (the document element,
//!   or the first `//Assertion`): duplicate IDs (`Verifier::verify` → `Document::duplicate_id`),
//!   a Reference not naming the Signature's parent (`referenced_element`), no Signature child
//!   (`Verifier::verify_element`), or a Signature with foreign children (`signature_parts`).
//!
//! Neither may ever be a digest mismatch: every signed byte is still where the signature's
//! digest expects it (for XSW3, 4 and 7 with a new ID the original signature still verifies).

use saml_core::crypto::AlgorithmPolicy;
use saml_core::dsig::{DSIG_NS, DsigError, Verifier};
use saml_core::saml::idp::SignTarget;
use saml_core::saml::sp::ServiceProvider;
use saml_core::settings::{IdpSettings, SpSettings};
use saml_core::time::DateTime;
use saml_core::xml::XmlErrorKind;

use crate::helpers::*;

/// A validly signed message to wrap, the SP that accepts it, and a verifier for its key.
struct Target {
    name: &'static str,
    xml: String,
    sp: ServiceProvider,
    now: DateTime,
    verifier: Verifier,
}

impl Target {
    /// Our IdP's Response, signed as `sign`.
    fn ours(sign: SignTarget) -> Self {
        Self {
            name: if sign == SignTarget::Response {
                "ours, Response signed"
            } else {
                "ours, Assertion signed"
            },
            xml: issue(sign),
            sp: sp(),
            now: at(1),
            verifier: verifier(vec![anchor("rsa2048.cert.pem")], AlgorithmPolicy::default()),
        }
    }

    /// A stored vector with its README settings (clock skew 0).
    fn vector(
        name: &'static str,
        file: &str,
        cert: &str,
        issuer: &str,
        audience: &str,
        acs: &str,
        now: &str,
    ) -> Self {
        let idp = IdpSettings::new(issuer, "https://idp.invalid/sso", vec![vector_anchor(cert)])
            .with_max_clock_skew(std::time::Duration::ZERO);
        Self {
            name,
            xml: vector(file),
            sp: ServiceProvider::new(
                idp.with_sign_requests(false),
                SpSettings::new(audience, acs),
            )
            .expect("complete settings"),
            now: time(now),
            verifier: verifier(vec![vector_anchor(cert)], AlgorithmPolicy::default()),
        }
    }

    /// `saml/valid/google-2016-response-signed.xml.b64` (Response signed).
    fn google() -> Self {
        Self::vector(
            "google 2016",
            "saml/valid/google-2016-response-signed.xml.b64",
            "google-C02dfl1r1.pem",
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
            "https://29ee6d2e.ngrok.io/saml/metadata",
            "https://29ee6d2e.ngrok.io/saml/acs",
            "2016-01-05T16:55:39Z",
        )
    }

    /// `saml/valid/keycloak-2025-response-assertion-signed.xml` (Assertion signed).
    fn keycloak() -> Self {
        Self::vector(
            "keycloak 2025",
            "saml/valid/keycloak-2025-response-assertion-signed.xml",
            "keycloak-master-2025.pem",
            "https://idp.local:8091/auth/realms/master",
            "https://sp.local:8081/auth/realms/master",
            "https://sp.local:8081/auth/realms/master/broker/keycloak_idp_artifact/endpoint",
            "2025-02-05T13:55:30Z",
        )
    }

    /// The Response-signed targets, each checked to be accepted untouched.
    fn response_signed() -> Vec<Self> {
        Self::checked(vec![Self::ours(SignTarget::Response), Self::google()])
    }

    /// The Assertion-signed targets, each checked to be accepted untouched.
    fn assertion_signed() -> Vec<Self> {
        Self::checked(vec![Self::ours(SignTarget::Assertion), Self::keycloak()])
    }

    /// `targets`, after checking that the SP accepts each untouched.
    #[track_caller]
    fn checked(targets: Vec<Self>) -> Vec<Self> {
        for t in &targets {
            accepted_at(&t.sp, &t.xml, t.now);
        }
        targets
    }
}

/// Whether the evil copy keeps the signed element's ID or gets [`EVIL_ID`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Id {
    Same,
    Different,
}

/// Which element a naive SP consumes.
#[derive(Clone, Copy, Debug)]
enum Consumed {
    /// The document element (XSW1/2: "outer, evil Response").
    Root,
    /// The first `//Assertion` in document order.
    FirstAssertion,
}

/// The dsig-level rejection expected when verifying the consumed element.
#[derive(Clone, Copy, Debug)]
enum Dsig {
    DuplicateId,
    MissingSignature,
    ReferenceNotParent,
    /// A foreign child inside `ds:Signature` (the copy, or an `Object`).
    Structure,
}

impl Dsig {
    /// Whether `e` is this rejection.
    fn matches(self, e: &DsigError) -> bool {
        match self {
            Self::DuplicateId => matches!(e, DsigError::DuplicateId(_)),
            Self::MissingSignature => matches!(e, DsigError::MissingSignature { .. }),
            Self::ReferenceNotParent => matches!(e, DsigError::ReferenceNotParent { .. }),
            Self::Structure => e.is_malformed_signature(),
        }
    }
}

/// Runs one recipe over `targets` with both ID variants: the SP must reject it as
/// `assertion_count` and the verifier, on the consumed element, as `expect` says.
#[track_caller]
fn run(
    targets: &[Target],
    recipe: fn(&str, Id) -> String,
    consumed: Consumed,
    expect: fn(Id) -> Dsig,
) {
    for t in targets {
        for id in [Id::Same, Id::Different] {
            let attack = recipe(&t.xml, id);
            let context = format!("{} ({id:?} ID)", t.name);
            let err = rejected_at(&t.sp, &attack, t.now);
            assert_not_crypto(&err);
            assert_eq!(err.kind(), "assertion_count", "{context}: {err}");

            let element = match consumed {
                Consumed::Root => root(&attack),
                Consumed::FirstAssertion => first(&attack, A, "Assertion"),
            };
            match verify_element(&attack, &element, &t.verifier) {
                Ok(name) => panic!("{context}: the consumed {name} verifies"),
                Err(e) => {
                    assert!(
                        !matches!(
                            e,
                            DsigError::DigestMismatch { .. } | DsigError::SignatureMismatch { .. }
                        ),
                        "{context}: crypto failure means the splice is wrong: {e}"
                    );
                    assert!(expect(id).matches(&e), "{context}: {e:?}");
                }
            }
        }
    }
}

/// The signed Assertion of `xml`, with NameID edited and without its Signature: the evil
/// copy of XSW3, 4 and 7, with its ID set per `id`.
fn evil_assertion_copy(xml: &str, id: Id) -> String {
    let evil = with_name_id(xml, EVIL);
    let a = assertion(&evil);
    let copy = without(&evil, &a, &signature_in(&evil, &a));
    match id {
        Id::Same => copy,
        Id::Different => set_attribute(&copy, 0, "ID", EVIL_ID),
    }
}

/// XSW1: clone the Response without its Signature into the original `ds:Signature`; the
/// outer Response is edited and (Different) renamed `_evil_ID`.
fn xsw1(xml: &str, id: Id) -> String {
    let r = root(xml);
    let clone = without(xml, &r, &signature_in(xml, &r));
    let evil = with_name_id(xml, EVIL);
    let er = root(&evil);
    let out = insert(&evil, signature_in(&evil, &er).inner.end, &clone);
    match id {
        Id::Same => out,
        Id::Different => set_attribute(&out, er.outer.start, "ID", EVIL_ID),
    }
}

/// XSW2: as XSW1, the clone placed as a sibling just before `ds:Signature`.
fn xsw2(xml: &str, id: Id) -> String {
    let r = root(xml);
    let clone = without(xml, &r, &signature_in(xml, &r));
    let evil = with_name_id(xml, EVIL);
    let er = root(&evil);
    let out = insert(&evil, signature_in(&evil, &er).outer.start, &clone);
    match id {
        Id::Same => out,
        Id::Different => set_attribute(&out, er.outer.start, "ID", EVIL_ID),
    }
}

/// XSW3: an evil unsigned copy of the Assertion inserted before the signed one.
fn xsw3(xml: &str, id: Id) -> String {
    insert(
        xml,
        assertion(xml).outer.start,
        &evil_assertion_copy(xml, id),
    )
}

/// XSW4: the evil copy appended to the Response, the signed Assertion moved inside it.
fn xsw4(xml: &str, id: Id) -> String {
    let a = assertion(xml);
    let original = &xml[a.outer.clone()];
    let copy = evil_assertion_copy(xml, id);
    let close = copy.rfind("</").expect("end tag");
    let wrapped = format!("{}{original}{}", &copy[..close], &copy[close..]);
    let base = splice(xml, a.outer.clone(), "");
    insert(&base, root(&base).inner.end, &wrapped)
}

/// XSW5: the signed Assertion edited in place (Signature kept, Different: renamed), and an
/// unsigned clean copy with the original ID appended to the Response.
fn xsw5(xml: &str, id: Id) -> String {
    let a = assertion(xml);
    let clean = without(xml, &a, &signature_in(xml, &a));
    let evil = with_name_id(xml, EVIL);
    let ea = assertion(&evil);
    let evil = match id {
        Id::Same => evil,
        Id::Different => set_attribute(&evil, ea.outer.start, "ID", EVIL_ID),
    };
    insert(&evil, root(&evil).inner.end, &clean)
}

/// XSW6: as XSW5, the clean copy appended inside the original `ds:Signature`.
fn xsw6(xml: &str, id: Id) -> String {
    let a = assertion(xml);
    let clean = without(xml, &a, &signature_in(xml, &a));
    let evil = with_name_id(xml, EVIL);
    let ea = assertion(&evil);
    let out = insert(&evil, signature_in(&evil, &ea).inner.end, &clean);
    match id {
        Id::Same => out,
        Id::Different => set_attribute(&out, ea.outer.start, "ID", EVIL_ID),
    }
}

/// XSW7: an unqualified `<Extensions>` before the Assertion, holding an evil unsigned copy
/// (Same: with the signed element's ID, as SAMLRaider does).
fn xsw7(xml: &str, id: Id) -> String {
    let copy = evil_assertion_copy(xml, id);
    insert(
        xml,
        assertion(xml).outer.start,
        &format!("<Extensions>{copy}</Extensions>"),
    )
}

/// XSW8: the signed Assertion edited in place (same ID, Signature kept), an unqualified
/// `<Object>` appended to its Signature holding an unsigned clean copy (Different: renamed).
fn xsw8(xml: &str, id: Id) -> String {
    let a = assertion(xml);
    let clean = without(xml, &a, &signature_in(xml, &a));
    let clean = match id {
        Id::Same => clean,
        Id::Different => set_attribute(&clean, 0, "ID", EVIL_ID),
    };
    let evil = with_name_id(xml, EVIL);
    let ea = assertion(&evil);
    insert(
        &evil,
        signature_in(&evil, &ea).inner.end,
        &format!("<Object>{clean}</Object>"),
    )
}

/// XSW10 without its entities: the Assertion's Signature copied under the Response's Issuer
/// with a `ds:Object` holding the signed Assertion; the Assertion itself loses its
/// Signature, is edited and renamed `<ID>ffff`.
fn xsw10(xml: &str) -> String {
    let a = assertion(xml);
    let s = signature_in(xml, &a);
    let signature = &xml[s.outer.clone()];
    let close = signature.rfind("</").expect("end tag");
    let moved = format!(
        "{}<Object xmlns=\"{DSIG_NS}\">{}</Object>{}",
        &signature[..close],
        &xml[a.outer.clone()],
        &signature[close..]
    );
    let evil = with_name_id(xml, EVIL);
    let ea = assertion(&evil);
    let stripped = without(&evil, &ea, &signature_in(&evil, &ea));
    let stripped = set_attribute(&stripped, 0, "ID", &format!("{}ffff", assertion_id(xml)));
    let base = splice(xml, a.outer.clone(), &stripped);
    let issuer = child(&base, &root(&base), A, "Issuer");
    insert(&base, issuer.outer.end, &moved)
}

/// Somorovsky et al. XSW1 (SAMLRaider `applyXSW1`): the naive SP reads the outer Response.
/// Renaming the outer Response is not enough to dodge the ID table: the clone's Assertion and
/// the outer (edited) Assertion share an ID, so the verifier sees a duplicate either way.
#[test]
fn xsw1_response_clone_inside_signature() {
    run(&Target::response_signed(), xsw1, Consumed::Root, |_| {
        Dsig::DuplicateId
    });
}

/// Somorovsky et al. XSW2 (detached shape): the Reference would name the clone, not the
/// parent, but the two Assertions already share an ID (as in XSW1).
#[test]
fn xsw2_response_clone_before_signature() {
    run(&Target::response_signed(), xsw2, Consumed::Root, |_| {
        Dsig::DuplicateId
    });
}

/// Somorovsky et al. XSW3; Spring Security CVE-2020-5407, crewjam CVE-2022-41912, dex #895:
/// an unsigned Assertion next to the signed one.
#[test]
fn xsw3_evil_assertion_before_signed_one() {
    run(
        &Target::assertion_signed(),
        xsw3,
        Consumed::FirstAssertion,
        |_| Dsig::MissingSignature,
    );
}

/// Somorovsky et al. XSW4; pysaml2 CVE-2020-5390 (signature not enveloped in the element
/// used): the signed Assertion nested inside the evil one.
#[test]
fn xsw4_signed_assertion_nested_in_evil_one() {
    run(
        &Target::assertion_signed(),
        xsw4,
        Consumed::FirstAssertion,
        |_| Dsig::MissingSignature,
    );
}

/// Somorovsky et al. XSW5: the signature's parent is edited; its Reference names a clean copy.
#[test]
fn xsw5_edited_signed_assertion_clean_copy_appended() {
    run(
        &Target::assertion_signed(),
        xsw5,
        Consumed::FirstAssertion,
        |id| match id {
            Id::Same => Dsig::DuplicateId,
            Id::Different => Dsig::ReferenceNotParent,
        },
    );
}

/// Somorovsky et al. XSW6: the clean copy hidden inside the Signature.
#[test]
fn xsw6_clean_copy_inside_signature() {
    run(
        &Target::assertion_signed(),
        xsw6,
        Consumed::FirstAssertion,
        |id| match id {
            Id::Same => Dsig::DuplicateId,
            Id::Different => Dsig::Structure,
        },
    );
}

/// Somorovsky et al. XSW7; OneUptime #2949 / lightsaml GHSA-w553-pwx6-3mg9 (assertion hidden in
/// Extensions): the evil copy first in document order.
#[test]
fn xsw7_evil_copy_in_extensions() {
    run(
        &Target::assertion_signed(),
        xsw7,
        Consumed::FirstAssertion,
        |_| Dsig::MissingSignature,
    );
}

/// Somorovsky et al. XSW8 (samael `object_attack_response.xml` shape): a clean copy in an
/// `Object` of the edited Assertion's Signature.
#[test]
fn xsw8_clean_copy_in_signature_object() {
    run(
        &Target::assertion_signed(),
        xsw8,
        Consumed::FirstAssertion,
        |id| match id {
            Id::Same => Dsig::DuplicateId,
            Id::Different => Dsig::Structure,
        },
    );
}

/// The recipes that keep the signed Assertion intact with a new ID beside it (XSW3, 4, 7) are
/// cryptographically valid: the original signature still verifies, so only the SP's
/// placement rule stands between them and a login. Guards against a splice that silently
/// broke the digest (which would make the tests above pass for the wrong reason).
#[test]
fn xsw3_4_7_keep_a_valid_signature() {
    for t in Target::assertion_signed() {
        for recipe in [xsw3, xsw4, xsw7] {
            let attack = recipe(&t.xml, Id::Different);
            let signed = &all(&attack, A, "Assertion")[1];
            assert_eq!(
                verify_element(&attack, signed, &t.verifier).expect("still verifies"),
                "Assertion",
                "{}",
                t.name
            );
        }
    }
}

/// SAMLRaider XSW10 (added for crewjam CVE-2022-41912, SAMLRaider PR #98) without its DOCTYPE:
/// a copy of the Assertion's Signature with the signed Assertion in an `Object`, moved under the
/// Response; the consumed Assertion unsigned and renamed.
#[test]
fn xsw10_signature_with_object_moved_to_response() {
    for t in Target::assertion_signed() {
        let attack = xsw10(&t.xml);
        let err = rejected_at(&t.sp, &attack, t.now);
        assert_structural(&err, "assertion_count");
        let e = verify_element(&attack, &root(&attack), &t.verifier).expect_err("rejected");
        assert!(e.is_malformed_signature(), "{}: {e:?}", t.name);
    }
}

/// SAMLRaider XSW10 as shipped: entities make the Response's ID equal the Assertion's and
/// dodge the uniqueness check. The DOCTYPE is refused before any entity is defined.
#[test]
fn xsw10_with_doctype_entities() {
    for t in Target::assertion_signed() {
        let attack = xsw10(&t.xml);
        let id = assertion_id(&t.xml);
        let r = root(&attack);
        let attack = set_attribute(&attack, r.outer.start, "ID", "&idViaEntity;");
        let doctype = format!(
            "<!DOCTYPE response [\n<!ENTITY idViaEntity \"{id}\">\n\
             <!ENTITY BypassIDUniqueness \"&#x50;\">\n]>"
        );
        let attack = insert(&attack, r.outer.start, &doctype);
        let err = rejected_at(&t.sp, &attack, t.now);
        assert_kind(&err, "malformed_xml");
        let x = xml_error(&err);
        assert_eq!(x.kind, XmlErrorKind::Doctype, "{}", t.name);
        assert_eq!(x.position.offset, r.outer.start, "{}", t.name);
    }
}

/// The crypto-valid wrapping vectors of ATTACKS.md A1 that `tests/saml_vectors.rs` does not
/// already run through the SP, each with its README anchor and "now".
mod stored {
    use super::*;

    /// An SP for a stored vector (clock skew 0, legacy algorithms: these IdPs use SHA-1).
    fn sp_for(cert: &str, issuer: &str, audience: &str, acs: &str) -> ServiceProvider {
        let mut idp =
            IdpSettings::new(issuer, "https://idp.invalid/sso", vec![vector_anchor(cert)])
                .with_max_clock_skew(std::time::Duration::ZERO);
        idp = idp.with_algorithm_policy(saml_core::crypto::danger::legacy());
        ServiceProvider::new(
            idp.with_sign_requests(false),
            SpSettings::new(audience, acs),
        )
        .expect("complete settings")
    }

    /// pysaml2 CVE-2021-21238 regression (`signed-xsw-response-in-response-first-sig.xml`): a
    /// validly signed Response nested first inside the attacker's Response.
    #[test]
    fn pysaml2_response_in_response_first_signature() {
        let sp = sp_for(
            "pysaml2-test.pem",
            "urn:mace:example.com:saml:roland:idp",
            "urn:mace:example.com:saml:roland:sp",
            "https://example.org/acs/post",
        );
        let xml = vector("saml/attack/pysaml2-signed-xsw-response-in-response-first-sig.xml");
        let err = rejected_at(&sp, &xml, time("2020-09-14T22:40:00Z"));
        assert_structural(&err, "assertion_count");
    }

    /// samael `ancestor_attack_signed.xml`: a validly signed Response hidden in the text of the
    /// attacker's Issuer. The inner signature verifies; the SP finds no Assertion where it reads.
    #[test]
    fn samael_ancestor_attack() {
        let xml = vector("saml/attack/samael-ancestor-attack.xml");
        // samael's test IdP key has 1024 bits.
        let v = verifier(
            vec![vector_anchor("samael-idp2.pem")],
            saml_core::crypto::danger::legacy(),
        );
        let signed = first(&xml, A, "Assertion");
        assert_eq!(
            verify_element(&xml, &signed, &v).expect("crypto-valid"),
            "Assertion"
        );
        let sp = sp_for(
            "samael-idp2.pem",
            "https://capriza.github.io/samling/samling.html",
            "urn:unused",
            "ancestor",
        );
        let err = rejected_at(&sp, &xml, time("2026-02-25T13:35:00Z"));
        assert_structural(&err, "assertion_count");
    }

    /// samael `object_attack_response.xml` (XSW8 shape): an attacker Assertion in `ds:Object`.
    #[test]
    fn samael_object_attack() {
        let xml = vector("saml/attack/samael-object-attack.xml");
        let sp = sp_for(
            "samael-idp2.pem",
            "https://capriza.github.io/samling/samling.html",
            "urn:unused",
            "ancestor",
        );
        let err = rejected_at(&sp, &xml, time("2026-02-25T13:35:00Z"));
        assert_structural(&err, "assertion_count");
    }
}
