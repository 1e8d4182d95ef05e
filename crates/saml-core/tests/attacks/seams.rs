//! Bypasses found at the seams between components by an outside attacker with a key of their
//! own and the public API only (issue "close the bypasses found at the protocol seams"). Each
//! test was observed to fail with its defence removed:
//!
//! - [`solicitation`]: an unsolicited assertion passing as solicited through an unsigned
//!   `Response/@InResponseTo` (solicitation now reads signed values only).
//! - [`replay_lifetime`]: the replay entry expiring before the bearer confirmation did (it now
//!   lives until the latest NotOnOrAfter plus skew).
//! - [`compared_values`]: Unicode spaces trimmed off compared values, an empty NameID.
//! - [`requests`]: a signed AuthnRequest without Destination.
//! - [`metadata`]: expired metadata still yielding trusted keys.
//! - [`encrypted`]: an unsigned Response carrying an EncryptedAssertion passing the scope check.
//! - [`kinds`]: misleading error kinds (missing Conditions, a huge SignatureValue).
//! - [`advice`]: assertions inside the Assertion's `saml:Advice`, tolerated and never read.

use saml_core::saml::authn::RequestOptions;
use saml_core::saml::idp::SignTarget;
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::Solicitation;

use super::helpers::*;

/// `xml` without the attribute `name` in the start tag at byte offset `at`.
#[track_caller]
fn remove_attribute(xml: &str, at: usize, name: &str) -> String {
    let tag_end = at + xml[at..].find('>').expect("a start tag");
    let needle = format!(" {name}=\"");
    let start = at + xml[at..tag_end].find(&needle).expect("the attribute");
    let value_end = start + needle.len() + xml[start + needle.len()..].find('"').expect("quote");
    splice(xml, start..value_end + 1, "")
}

/// `xml` with ` name="value"` added to the start tag at byte offset `at`.
fn add_attribute(xml: &str, at: usize, name: &str, value: &str) -> String {
    let name_end = at + xml[at..].find(' ').expect("a start tag with attributes");
    insert(xml, name_end, &format!(" {name}=\"{value}\""))
}

mod solicitation {
    use super::*;

    /// An IdP-initiated Response, Assertion signed, with the victim's request ID added to the
    /// unsigned Response element.
    fn unsolicited_with_added_in_response_to(victim: &str) -> String {
        let xml = issue(SignTarget::Assertion);
        add_attribute(&xml, root(&xml).outer.start, "InResponseTo", victim)
    }

    /// The attacker's InResponseTo must not make the assertion answer the victim's request.
    #[test]
    fn unsigned_response_in_response_to_does_not_solicit() {
        let xml = unsolicited_with_added_in_response_to("_victims_request");
        let err = sp()
            .validate(
                xml.as_bytes(),
                at(1),
                Solicitation::expect("_victims_request"),
            )
            .expect_err("not solicited by a signed value");
        assert_kind(&err, "unsolicited");
    }

    /// Against an outstanding-request store, with unsolicited Responses refused: refused, and
    /// the victim's request is not consumed.
    #[test]
    fn unsigned_response_in_response_to_does_not_consume_a_request() {
        let strict = saml_core::ServiceProvider::new(
            idp_settings(),
            saml_core::SpSettings::new(SP_ENTITY, ACS),
        )
        .expect("complete settings");
        let store = InMemoryStore::default();
        let request = strict
            .authn_request(now(), &RequestOptions::default(), &store)
            .expect("request");
        let xml = unsolicited_with_added_in_response_to(&request.id);
        let err = strict
            .validate_and_commit(xml.as_bytes(), at(1), Solicitation::outstanding(), &store)
            .expect_err("unsolicited");
        assert_kind(&err, "unsolicited");
        assert_eq!(
            saml_core::saml::replay::RequestStore::take(&store, &request.id, at(2)),
            Ok(true),
            "the victim's request is still outstanding"
        );
    }

    /// `in_response_to()` never returns the unsigned value.
    #[test]
    fn in_response_to_is_read_from_signed_values_only() {
        let xml = unsolicited_with_added_in_response_to("_victims_request");
        let v = sp()
            .validate_and_commit(
                xml.as_bytes(),
                at(1),
                saml_core::saml::sp::danger::not_tracked(),
                &InMemoryStore::default(),
            )
            .expect("an unsolicited assertion, which this SP accepts");
        assert_eq!(v.in_response_to(), None);
    }

    /// When the Response is signed, its InResponseTo counts, and must agree with the bearer's.
    #[test]
    fn signed_response_in_response_to_counts() {
        let xml = edited(
            |x| add_attribute(x, root(x).outer.start, "InResponseTo", "_the_request"),
            SignTarget::Both,
        );
        let v = sp()
            .validate_and_commit(
                xml.as_bytes(),
                at(1),
                Solicitation::expect("_the_request"),
                &InMemoryStore::default(),
            )
            .expect("solicited by the signed Response");
        assert_eq!(v.in_response_to(), Some("_the_request"));
    }
}

mod replay_lifetime {
    use super::*;

    /// Conditions without NotOnOrAfter, the bearer confirmation valid for an hour.
    fn long_bearer() -> String {
        edited(
            |x| {
                let x = remove_attribute(x, first(x, A, "Conditions").outer.start, "NotOnOrAfter");
                let data = first(&x, A, "SubjectConfirmationData").outer.start;
                set_attribute(&x, data, "NotOnOrAfter", "2026-11-22T13:00:00Z")
            },
            SignTarget::Assertion,
        )
    }

    /// The old entry lived until now + skew + 300 s when Conditions had no NotOnOrAfter; the
    /// same assertion was accepted again 1,000 s later, still inside the bearer's window.
    #[test]
    fn replay_after_the_old_expiry_is_refused() {
        let xml = long_bearer();
        let sp = sp();
        let store = InMemoryStore::default();
        sp.validate_and_commit(
            xml.as_bytes(),
            at(1),
            saml_core::saml::sp::danger::not_tracked(),
            &store,
        )
        .expect("first use");
        let err = sp
            .validate_and_commit(
                xml.as_bytes(),
                at(1000),
                saml_core::saml::sp::danger::not_tracked(),
                &store,
            )
            .expect_err("replay");
        assert_kind(&err, "replay");
    }

    /// The entry lives until the latest NotOnOrAfter that bounds acceptance, plus the skew.
    #[test]
    fn entry_lives_until_the_last_acceptable_instant() {
        let pending = sp()
            .validate(
                long_bearer().as_bytes(),
                at(1),
                saml_core::saml::sp::danger::not_tracked(),
            )
            .expect("valid");
        assert_eq!(pending.keep_until(), time("2026-11-22T13:02:00Z"));
        drop(pending);
    }

    /// Profiles §4.1.4.2: a bearer SubjectConfirmationData must carry NotOnOrAfter.
    #[test]
    fn bearer_without_not_on_or_after_is_refused() {
        let xml = edited(
            |x| {
                remove_attribute(
                    x,
                    first(x, A, "SubjectConfirmationData").outer.start,
                    "NotOnOrAfter",
                )
            },
            SignTarget::Assertion,
        );
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "no_bearer_confirmation");
    }
}

mod compared_values {
    use super::*;

    fn with_audience(audience: &str) -> String {
        edited(
            |x| splice(x, first(x, A, "Audience").inner, audience),
            SignTarget::Assertion,
        )
    }

    /// `str::trim` strips NBSP, U+3000 and U+2028: `entity\u{a0}` matched `entity`.
    #[test]
    fn unicode_spaces_are_not_trimmed_from_the_audience() {
        for space in ['\u{a0}', '\u{3000}', '\u{2028}', '\u{85}'] {
            let err = rejected(&sp(), &with_audience(&format!("{SP_ENTITY}{space}")));
            assert_kind(&err, "audience_mismatch");
            let err = rejected(&sp(), &with_audience(&format!("{space}{SP_ENTITY}")));
            assert_kind(&err, "audience_mismatch");
        }
    }

    /// XML whitespace around the value is still tolerated (schema whitespace collapse).
    #[test]
    fn xml_whitespace_around_the_audience_is_tolerated() {
        accepted(&sp(), &with_audience(&format!("\n  {SP_ENTITY}\t\r\n")));
    }

    /// An empty NameID names nobody.
    #[test]
    fn empty_name_id_is_refused() {
        for name in ["", " \n\t "] {
            let xml = edited(|x| with_name_id(x, name), SignTarget::Assertion);
            let err = rejected(&sp(), &xml);
            assert_kind(&err, "empty_name_id");
        }
    }
}

mod requests {
    use saml_core::binding;
    use saml_core::dsig::redirect::sign_query;

    use super::*;

    fn sp_signer() -> saml_core::dsig::Signer {
        saml_core::dsig::Signer::new(key("rsa3072.pk8.pem"), Some(cert("rsa3072.cert.pem")))
    }

    fn peer() -> saml_core::saml::idp::SpPeer {
        saml_core::saml::idp::SpPeer::new(SP_ENTITY, ACS, vec![anchor("rsa3072.cert.pem")])
            .expect("peer with a key")
    }

    /// An AuthnRequest from our SP, unsigned, without Destination.
    fn request_without_destination() -> (String, String) {
        let sp = saml_core::ServiceProvider::new(
            idp_settings(),
            sp_settings().with_signing_key(key("rsa3072.pk8.pem"), cert("rsa3072.cert.pem")),
        )
        .expect("complete settings");
        let request = sp
            .authn_request(now(), &RequestOptions::default(), &InMemoryStore::default())
            .expect("request");
        let xml = strip_signatures(&request.xml);
        let xml = remove_attribute(&xml, root(&xml).outer.start, "Destination");
        (xml, request.id)
    }

    /// Bindings §3.5.5.2: a signed POST request must carry Destination.
    #[test]
    fn signed_post_request_without_destination() {
        let (xml, id) = request_without_destination();
        let signed = sp_signer().sign_element(&xml, &id).expect("signs");
        let err = idp(SignTarget::Both)
            .receive_post(&peer(), signed.as_bytes(), None, now())
            .expect_err("no Destination");
        assert_kind(&err, "destination_missing");
    }

    /// Bindings §3.4.5.2: a signed Redirect request must carry Destination.
    #[test]
    fn signed_redirect_request_without_destination() {
        let (xml, _) = request_without_destination();
        let query = sign_query(
            "SAMLRequest",
            &binding::encode_redirect(xml.as_bytes()),
            None,
            &sp_signer(),
        )
        .expect("signs");
        let err = idp(SignTarget::Both)
            .receive_redirect(&peer(), &query, now())
            .expect_err("no Destination");
        assert_kind(&err, "destination_missing");
    }
}

mod metadata {
    use saml_core::metadata::{self, MetadataError};
    use saml_core::settings::Binding;

    use super::*;

    fn expiring(valid_until: &str) -> String {
        let md = metadata::idp_metadata(
            IDP_ISSUER,
            SSO_URL,
            &[Binding::HttpPost],
            &cert("rsa2048.cert.pem"),
            false,
        );
        replace_once(
            &md,
            &format!("entityID=\"{IDP_ISSUER}\""),
            &format!("entityID=\"{IDP_ISSUER}\" validUntil=\"{valid_until}\""),
        )
    }

    /// Keys from metadata past its validUntil are no longer vouched for.
    #[test]
    fn expired_metadata_yields_no_settings() {
        let xml = expiring("2026-11-22T11:00:00Z");
        let err = metadata::idp_settings_from_metadata(xml.as_bytes(), now()).expect_err("expired");
        assert!(matches!(err, MetadataError::Expired { .. }), "{err}");
        assert!(err.to_string().contains("2026-11-22T11:00:00Z"), "{err}");
        // Before that instant it is fine, and the explicit opt-out reads it anyway.
        metadata::idp_settings_from_metadata(xml.as_bytes(), time("2026-11-22T10:59:59Z"))
            .expect("still valid");
        let parsed = metadata::IdpMetadata::parse(xml.as_bytes()).expect("parses");
        let settings = metadata::danger::into_settings_ignoring_expiry(parsed);
        assert_eq!(settings.issuer(), IDP_ISSUER);
    }
}

mod encrypted {
    use saml_core::settings::SignatureScope;
    use saml_core::xmlenc::{DataEncryption, DecryptionKey, EncryptionKey, KeyTransport};

    use super::*;

    fn sp_key() -> DecryptionKey {
        DecryptionKey::from_pem(&testdata("rsa3072.pk8.pem"), Some("sp")).expect("key")
    }

    fn sp_decrypting(scope: SignatureScope) -> saml_core::ServiceProvider {
        saml_core::ServiceProvider::new(
            idp_settings().with_signature_scope(scope),
            sp_settings().with_decryption_key(sp_key()),
        )
        .expect("complete settings")
    }

    /// Alice's Response with its Assertion (signed as `inner`) encrypted for the SP's key,
    /// then the Response signed as `outer`.
    fn encrypted(inner: bool, outer: bool, data: DataEncryption) -> String {
        let mut xml = unsigned();
        if inner {
            xml = sign(&xml, SignTarget::Assertion);
        }
        let xml = encrypt_assertion_in_place(&xml, data);
        if outer {
            sign(&xml, SignTarget::Response)
        } else {
            xml
        }
    }

    /// `xml` with its Assertion encrypted for the SP's key, as an EncryptedAssertion.
    fn encrypt_assertion_in_place(xml: &str, data: DataEncryption) -> String {
        let span = assertion(xml).outer;
        let key = EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("key");
        let sealed = saml_core::xmlenc::encrypt(
            xml[span.clone()].as_bytes(),
            &key,
            data,
            KeyTransport::RsaOaepMgf1p {
                digest: saml_core::crypto::DigestAlgorithm::Sha1,
            },
        )
        .expect("encrypts");
        splice(
            xml,
            span,
            &format!("<saml:EncryptedAssertion>{sealed}</saml:EncryptedAssertion>"),
        )
    }

    /// An encrypted assertion is decrypted and accepted when a signature covers it.
    #[test]
    fn decrypted_and_accepted_under_a_signature() {
        for data in [DataEncryption::Aes256Gcm, DataEncryption::Aes128Cbc] {
            let v = accepted(
                &sp_decrypting(SignatureScope::Either),
                &encrypted(true, false, data),
            );
            assert_eq!(v.name_id().value, ALICE);
            assert_eq!(v.encryption(), Some(data));
            let v = accepted(
                &sp_decrypting(SignatureScope::Both),
                &encrypted(true, true, data),
            );
            assert_eq!(v.signed().len(), 2);
            let v = accepted(
                &sp_decrypting(SignatureScope::Response),
                &encrypted(false, true, data),
            );
            assert_eq!(v.name_id().value, ALICE);
        }
    }

    /// An unsigned Response carrying one fails the scope check after decryption unless a
    /// signature verified: nothing is accepted on the strength of the encryption.
    #[test]
    fn unsigned_response_with_encrypted_assertion_is_signature_missing() {
        let unsigned_inner = encrypted(false, false, DataEncryption::Aes256Gcm);
        let signed_inner = encrypted(true, false, DataEncryption::Aes256Gcm);
        for scope in [
            SignatureScope::Either,
            SignatureScope::Assertion,
            SignatureScope::Response,
            SignatureScope::Both,
        ] {
            let err = rejected(&sp_decrypting(scope), &unsigned_inner);
            assert_kind(&err, "signature_missing");
            if matches!(scope, SignatureScope::Response | SignatureScope::Both) {
                let err = rejected(&sp_decrypting(scope), &signed_inner);
                assert_kind(&err, "signature_missing");
            }
        }
    }

    /// No decryption oracle: an attacker who alters a victim's CBC ciphertext (in an unsigned
    /// Response) sees `decryption_failed` whatever the alteration did: bad padding, garbage
    /// that does not parse, or XML whose signature no longer verifies.
    #[test]
    fn altered_cbc_ciphertext_fails_alike() {
        use base64::Engine as _;
        let xml = encrypted(true, false, DataEncryption::Aes128Cbc);
        let value = all(&xml, saml_core::ns::XMLENC, "CipherValue")
            .into_iter()
            .last()
            .expect("the data's CipherValue");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(
                xml[value.inner.clone()]
                    .split_whitespace()
                    .collect::<String>(),
            )
            .expect("base64");
        let mut kinds = std::collections::BTreeSet::new();
        for at in [17, 40, bytes.len() / 2, bytes.len() - 17, bytes.len() - 1] {
            for bit in [0x01, 0x80] {
                let mut altered = bytes.clone();
                altered[at] ^= bit;
                let altered = splice(
                    &xml,
                    value.inner.clone(),
                    &base64::engine::general_purpose::STANDARD.encode(&altered),
                );
                kinds.insert(
                    rejected(&sp_decrypting(SignatureScope::Either), &altered)
                        .kind()
                        .as_str(),
                );
            }
        }
        assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["decryption_failed"]);
    }

    /// Without a Response signature, anything that goes wrong after a CBC decryption and
    /// before the decrypted assertion's own signature verifies is `decryption_failed`: here an
    /// assertion signed with the attacker's key. (Under GCM, which authenticates the
    /// ciphertext, the same assertion reports the signature failure itself.)
    #[test]
    fn cbc_failures_before_the_inner_signature_are_decryption_failed() {
        let forged = |data| {
            let xml = sign_with(&attacker_signer(), &unsigned(), SignTarget::Assertion);
            encrypt_assertion_in_place(&xml, data)
        };
        let sp = sp_decrypting(SignatureScope::Either);
        assert_kind(
            &rejected(&sp, &forged(DataEncryption::Aes128Cbc)),
            "decryption_failed",
        );
        assert_kind(
            &rejected(&sp, &forged(DataEncryption::Aes128Gcm)),
            "signature_mismatch",
        );
    }

    /// EncryptedID in the Subject and EncryptedAttribute in an AttributeStatement, inside a
    /// signed Assertion, are decrypted in their place.
    #[test]
    fn encrypted_id_and_attribute() {
        let key = EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("key");
        let seal = |element: &str| {
            saml_core::xmlenc::encrypt(
                element.as_bytes(),
                &key,
                DataEncryption::Aes128Gcm,
                KeyTransport::RsaOaepMgf1p {
                    digest: saml_core::crypto::DigestAlgorithm::Sha1,
                },
            )
            .expect("encrypts")
        };
        let xml = edited(
            |x| {
                let attribute = first(x, A, "Attribute").outer;
                let sealed = seal(&x[attribute.clone()]);
                let x = splice(
                    x,
                    attribute,
                    &format!("<saml:EncryptedAttribute>{sealed}</saml:EncryptedAttribute>"),
                );
                let name_id = first(&x, A, "NameID").outer;
                let sealed = seal(&x[name_id.clone()]);
                splice(
                    &x,
                    name_id,
                    &format!("<saml:EncryptedID>{sealed}</saml:EncryptedID>"),
                )
            },
            SignTarget::Assertion,
        );
        let v = accepted(&sp_decrypting(SignatureScope::Either), &xml);
        assert_eq!(v.name_id().value, ALICE);
        assert_eq!(v.attribute("firstName"), Some(&["Alice".to_owned()][..]));
        assert_eq!(v.attributes()[0].name, "firstName", "in document order");
        // Without the key, the assertion is refused rather than read without them.
        assert_kind(&rejected(&sp(), &xml), "no_decryption_keys");
    }

    /// The plaintext is exactly one Assertion in the EncryptedAssertion's place: markup after
    /// it (a sibling the Response would then carry) is refused; XML whitespace around it is
    /// not markup.
    #[test]
    fn plaintext_is_exactly_one_assertion() {
        let signed = sign(&unsigned(), SignTarget::Assertion);
        let span = assertion(&signed).outer;
        let key = EncryptionKey::from_certificate(&cert("rsa3072.cert.pem")).expect("key");
        let with_plaintext = |plaintext: &str| {
            let sealed = saml_core::xmlenc::encrypt(
                plaintext.as_bytes(),
                &key,
                DataEncryption::Aes256Gcm,
                KeyTransport::RsaOaepMgf1p {
                    digest: saml_core::crypto::DigestAlgorithm::Sha1,
                },
            )
            .expect("encrypts");
            splice(
                &signed,
                span.clone(),
                &format!("<saml:EncryptedAssertion>{sealed}</saml:EncryptedAssertion>"),
            )
        };
        let own = &signed[span.clone()];
        let sp = sp_decrypting(SignatureScope::Either);
        accepted(&sp, &with_plaintext(&format!("\n  {own}\n")));
        let err = rejected(
            &sp,
            &with_plaintext(&format!("{own}<samlp:Extensions><x/></samlp:Extensions>")),
        );
        assert_kind(&err, "assertion_count");
    }

    #[test]
    fn wrong_key_and_no_key() {
        let xml = encrypted(true, false, DataEncryption::Aes256Gcm);
        let wrong = saml_core::ServiceProvider::new(
            idp_settings(),
            sp_settings().with_decryption_key(
                DecryptionKey::from_pem(&testdata("rsa2048.pk8.pem"), None).expect("key"),
            ),
        )
        .expect("complete settings");
        assert_kind(&rejected(&wrong, &xml), "decryption_failed");
        assert_kind(&rejected(&sp(), &xml), "no_decryption_keys");
    }
}

mod kinds {
    use super::*;

    /// A missing Conditions is reported as such, not as a missing AudienceRestriction.
    #[test]
    fn missing_conditions() {
        let xml = edited(
            |x| splice(x, first(x, A, "Conditions").outer, ""),
            SignTarget::Assertion,
        );
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "missing_conditions");
    }

    /// A SignedInfo of megabytes (whitespace, or unchecked children) is refused before it is
    /// canonicalized and hashed, not after the work.
    #[test]
    fn huge_signed_info_is_refused_before_hashing() {
        let xml = issue(SignTarget::Assertion);
        let signed_info = first(&xml, saml_core::dsig::DSIG_NS, "SignedInfo");
        let xml = insert(&xml, signed_info.inner.end, &" ".repeat(1 << 20));
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "malformed_signature");
        assert!(
            matches!(
                dsig_source(&err).1,
                saml_core::dsig::DsigError::SignedInfoTooLarge { .. }
            ),
            "{err}"
        );
    }

    /// A 6 MB SignatureValue is malformed, refused before any key is tried, not a
    /// `signature_mismatch`.
    #[test]
    fn huge_signature_value_is_malformed() {
        let xml = issue(SignTarget::Assertion);
        let value = first(&xml, saml_core::dsig::DSIG_NS, "SignatureValue");
        let xml = splice(&xml, value.inner, &"A".repeat(6 << 20));
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "malformed_signature");
        assert!(
            matches!(
                dsig_source(&err).1,
                saml_core::dsig::DsigError::SignatureValueTooLong { .. }
            ),
            "{err}"
        );
    }
}

/// SAML core §2.6.1: `saml:Advice` in the Assertion may carry other assertions. They are
/// accepted there, and never read.
mod advice {
    use super::*;

    fn nested(id: &str) -> String {
        format!(
            "<saml:Advice><saml:Assertion ID=\"{id}\" Version=\"2.0\" \
             IssueInstant=\"2026-11-22T12:00:00Z\"><saml:Issuer>{IDP_ISSUER}</saml:Issuer>\
             <saml:Subject><saml:NameID>{EVIL}</saml:NameID></saml:Subject>\
             <saml:AttributeStatement><saml:Attribute Name=\"groups\"><saml:AttributeValue>\
             admins</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>\
             </saml:Assertion></saml:Advice>"
        )
    }

    /// After Conditions, where the schema puts it.
    fn with_advice(x: &str, id: &str) -> String {
        insert(x, first(x, A, "Conditions").outer.end, &nested(id))
    }

    #[test]
    fn advice_assertions_are_accepted_and_never_read() {
        for target in [
            SignTarget::Assertion,
            SignTarget::Response,
            SignTarget::Both,
        ] {
            let xml = edited(|x| with_advice(x, "_advice1"), target);
            let v = accepted(&sp(), &xml);
            assert_eq!(v.name_id().value, ALICE);
            assert_eq!(
                v.attribute("groups"),
                Some(&["Everyone".to_owned(), "Staff".to_owned()][..])
            );
        }
    }

    /// A nested assertion may not share the outer one's ID (signature wrapping).
    #[test]
    fn advice_assertion_with_the_outer_id_is_refused() {
        // Our signer refuses duplicate IDs, so the copy is added after signing (as an
        // attacker would); the duplicate is refused before any digest is computed.
        let signed = issue(SignTarget::Assertion);
        let xml = with_advice(&signed, &assertion_id(&signed));
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "duplicate_id");
    }

    /// Advice anywhere but as a child of the one Assertion is not a place for assertions.
    #[test]
    fn advice_elsewhere_is_still_refused() {
        let xml = edited(
            |x| insert(x, first(x, A, "NameID").outer.end, &nested("_advice2")),
            SignTarget::Assertion,
        );
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "assertion_count");
    }
}
