//! SP-side validation of real IdP Responses at a fixed "now" (tests/vectors/README.md gives
//! each file's anchor and window), and the semantic rejections each setting must produce.

use std::time::Duration;

use saml_core::crypto::{AlgorithmPolicy, TrustAnchor};
use saml_core::saml::SamlError;
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::{ServiceProvider, SignedElement, Solicitation, VerifiedAssertion};
use saml_core::settings::{IdpSettings, SignatureScope, SpSettings};
use saml_core::time::{DateTime, parse_xs_datetime};

mod common;
use common::*;

fn load(rel: &str) -> Vec<u8> {
    vector_bytes(rel)
}

fn at(s: &str) -> DateTime {
    parse_xs_datetime(s).expect("time")
}

/// One vector's settings: anchor, IdP issuer, SP entity ID and ACS URL.
struct Case {
    file: &'static str,
    cert: &'static str,
    issuer: &'static str,
    audience: &'static str,
    acs: &'static str,
    now: &'static str,
    policy: AlgorithmPolicy,
    scope: SignatureScope,
    skew: u64,
}

impl Case {
    fn sp(&self) -> ServiceProvider {
        let cert = std::fs::read(vectors().join("certs").join(self.cert)).expect("cert");
        let anchor = TrustAnchor::from_any(&cert, Some(self.cert)).expect("anchor");
        let idp = IdpSettings::new(self.issuer, "https://idp.invalid/sso", vec![anchor])
            .with_signature_scope(self.scope)
            .with_max_clock_skew(Duration::from_secs(self.skew))
            .with_algorithm_policy(self.policy.clone());
        ServiceProvider::new(
            idp.with_sign_requests(false),
            SpSettings::new(self.audience, self.acs),
        )
        .expect("complete settings")
    }

    fn run_at(
        &self,
        now: &str,
        solicitation: Solicitation<'_>,
    ) -> Result<VerifiedAssertion, SamlError> {
        self.sp().validate_and_commit(
            &load(self.file),
            at(now),
            solicitation,
            &InMemoryStore::default(),
        )
    }

    #[track_caller]
    fn ok(&self) -> VerifiedAssertion {
        self.run_at(self.now, saml_core::saml::sp::danger::not_tracked())
            .unwrap_or_else(|e| panic!("{}: rejected: {e}", self.file))
    }

    #[track_caller]
    fn err(&self) -> SamlError {
        match self.run_at(self.now, saml_core::saml::sp::danger::not_tracked()) {
            Ok(v) => panic!("{}: accepted: {v:?}", self.file),
            Err(e) => e,
        }
    }
}

fn google() -> Case {
    Case {
        file: "saml/valid/google-2016-response-signed.xml.b64",
        cert: "google-C02dfl1r1.pem",
        issuer: "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
        audience: "https://29ee6d2e.ngrok.io/saml/metadata",
        acs: "https://29ee6d2e.ngrok.io/saml/acs",
        now: "2016-01-05T16:55:39Z",
        policy: AlgorithmPolicy::default(),
        scope: SignatureScope::Either,
        skew: 0,
    }
}

fn keycloak() -> Case {
    Case {
        file: "saml/valid/keycloak-2025-response-assertion-signed.xml",
        cert: "keycloak-master-2025.pem",
        issuer: "https://idp.local:8091/auth/realms/master",
        audience: "https://sp.local:8081/auth/realms/master",
        acs: "https://sp.local:8081/auth/realms/master/broker/keycloak_idp_artifact/endpoint",
        now: "2025-02-05T13:55:30Z",
        policy: AlgorithmPolicy::default(),
        scope: SignatureScope::Assertion,
        skew: 0,
    }
}

mod valid {
    use super::*;

    #[test]
    fn google_response_signed() {
        let v = google().ok();
        assert_eq!(v.name_id().value, "ross@octolabs.io");
        assert_eq!(
            v.issuer(),
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1"
        );
        assert_eq!(v.signed(), [SignedElement::Response]);
        assert_eq!(
            v.in_response_to(),
            Some("id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6")
        );
    }

    #[test]
    fn keycloak_assertion_signed_with_attributes() {
        let v = keycloak().ok();
        assert_eq!(v.name_id().value, "G-e5c3849d-0b29-4462-b404-1724c576f5a1");
        assert_eq!(v.signed(), [SignedElement::Assertion]);
        assert!(v.session_index().is_some());
    }

    #[test]
    fn onelogin_sha1_with_opt_in() {
        let case = Case {
            file: "saml/valid/onelogin-2016-response-signed.xml.b64",
            cert: "onelogin-503983.pem",
            issuer: "https://app.onelogin.com/saml/metadata/503983",
            audience: "https://29ee6d2e.ngrok.io/saml/metadata",
            acs: "https://29ee6d2e.ngrok.io/saml/acs",
            now: "2016-01-05T17:53:12Z",
            policy: saml_core::crypto::danger::allow_sha1(&AlgorithmPolicy::default()),
            scope: SignatureScope::Response,
            skew: 0,
        };
        assert_eq!(case.ok().name_id().value, "ross@kndr.org");
        let strict = Case {
            policy: AlgorithmPolicy::default(),
            ..case
        };
        assert_eq!(strict.err().kind(), "sha1_not_allowed");
    }

    #[test]
    fn adfs_style_assertion_signed_sha256() {
        let case = Case {
            file: "saml/valid/adfs-style-2011-response-assertion-rsa-sha256.xml",
            cert: "ruby-saml-adfs-lawrencepit.pem",
            issuer: "http://login.example.com/issuer",
            audience: "example.com",
            acs: "https://someone.example.com/endpoint",
            now: "2011-06-22T12:50:00Z",
            policy: saml_core::crypto::danger::legacy(),
            scope: SignatureScope::Assertion,
            skew: 0,
        };
        assert_eq!(case.ok().name_id().value, "hello@example.com");
    }

    #[test]
    fn secureworks_both_signed() {
        let case = Case {
            file: "saml/valid/secureworks-2017-response-both-signed-rsakeyvalue.xml",
            cert: "secureworks-2017.pem",
            issuer: "https://idp.secureworks.com/SAML2",
            audience: "https://preview.docrocket-ross.test.octolabs.io/saml/metadata",
            acs: "https://preview.docrocket-ross.test.octolabs.io/saml/acs",
            now: "2017-04-21T13:12:51Z",
            policy: saml_core::crypto::danger::allow_sha1(&AlgorithmPolicy::default()),
            scope: SignatureScope::Both,
            skew: 0,
        };
        let v = case.ok();
        assert_eq!(v.name_id().value, "rkinder@secureworks.com");
        assert_eq!(
            v.signed(),
            [SignedElement::Response, SignedElement::Assertion]
        );
    }

    #[test]
    fn feide_both_signed() {
        let case = Case {
            file: "saml/valid/feide-openidp-2012-response-both-signed.xml",
            cert: "feide-openidp.pem",
            issuer: "https://openidp.feide.no",
            audience: "passport-saml",
            acs: "http://localhost:3000/login/callback",
            now: "2012-07-03T11:33:00Z",
            policy: saml_core::crypto::danger::legacy(),
            scope: SignatureScope::Both,
            skew: 0,
        };
        assert_eq!(case.ok().signed().len(), 2);
    }
}

mod rejected {
    use super::*;

    #[test]
    fn wrong_recipient() {
        let case = Case {
            file: "saml/invalid/signed-wrong-recipient.xml.b64",
            cert: "onelogin-toolkit-settings1-idp.pem",
            issuer: "http://idp.example.com/",
            audience: "http://stuff.com/endpoints/metadata.php",
            acs: "http://stuff.com/endpoints/endpoints/acs.php",
            now: "2011-06-17T14:54:20Z",
            policy: saml_core::crypto::danger::legacy(),
            scope: SignatureScope::Either,
            skew: 0,
        };
        let err = case.err();
        assert_eq!(err.kind(), "recipient_mismatch", "{err}");
        assert!(
            err.to_string()
                .contains("http://invalid.recipent.example.com")
        );
    }

    #[test]
    fn okta_encrypted_assertion_after_outer_signature() {
        let case = Case {
            file: "saml/valid/okta-2020-response-signed-encassertion-signed.xml.b64",
            cert: "okta-dev-513394.pem",
            issuer: "http://www.okta.com/exkppsa1qwuFV4D7z0h7",
            audience: "http://localhost:8000/saml/metadata",
            acs: "http://localhost:8000/saml/acs",
            now: "2020-03-03T19:40:54Z",
            policy: AlgorithmPolicy::default(),
            scope: SignatureScope::Either,
            skew: 0,
        };
        // No SP decryption key is configured (the capture's own key is 1024 bits, below what
        // constant-time RSA decryption accepts): refused after the outer signature verified.
        assert_eq!(case.err().kind(), "no_decryption_keys");
        // The outer signature is checked first: with another IdP's key it is a signature error.
        let wrong_key = Case {
            cert: "google-C02dfl1r1.pem",
            ..case
        };
        assert_eq!(wrong_key.err().kind(), "signature_mismatch");
    }

    #[test]
    fn audience_issuer_destination_settings() {
        let case = Case {
            audience: "https://other/",
            ..google()
        };
        let e = case.err();
        assert_eq!(e.kind(), "audience_mismatch");
        assert!(
            e.to_string().contains("https://other/")
                && e.to_string()
                    .contains("https://29ee6d2e.ngrok.io/saml/metadata"),
            "{e}"
        );
        assert_eq!(
            Case {
                issuer: "https://accounts.google.com/other",
                ..google()
            }
            .err()
            .kind(),
            "issuer_mismatch"
        );
        assert_eq!(
            Case {
                acs: "https://elsewhere/acs",
                ..google()
            }
            .err()
            .kind(),
            "destination_mismatch"
        );
    }

    #[test]
    fn scope_requires_the_assertion_signature() {
        let e = Case {
            scope: SignatureScope::Assertion,
            ..google()
        }
        .err();
        assert_eq!(e.kind(), "signature_missing");
        assert_eq!(
            Case {
                scope: SignatureScope::Response,
                ..keycloak()
            }
            .err()
            .kind(),
            "signature_missing"
        );
        assert_eq!(
            Case {
                scope: SignatureScope::Both,
                ..keycloak()
            }
            .err()
            .kind(),
            "signature_missing"
        );
    }

    #[test]
    fn not_on_or_after_is_exclusive() {
        // Google's window ends at 17:00:39.348Z: that instant is rejected, 1 ms earlier accepted.
        let g = google();
        assert!(
            g.run_at(
                "2016-01-05T17:00:39.347Z",
                saml_core::saml::sp::danger::not_tracked()
            )
            .is_ok()
        );
        let e = g
            .run_at(
                "2016-01-05T17:00:39.348Z",
                saml_core::saml::sp::danger::not_tracked(),
            )
            .expect_err("expired");
        assert_eq!(e.kind(), "expired");
        // The NotBefore side is tested end to end with our own IdP (tests/end_to_end.rs): this
        // vector's IssueInstant lies five minutes after its NotBefore.
    }

    #[test]
    fn clock_skew_boundaries_120_seconds() {
        let g = Case {
            skew: 120,
            ..google()
        };
        // NotOnOrAfter 17:00:39.348Z + 120 s = 17:02:39.348Z (exclusive).
        assert!(
            g.run_at(
                "2016-01-05T17:02:38.348Z",
                saml_core::saml::sp::danger::not_tracked()
            )
            .is_ok()
        );
        assert_eq!(
            g.run_at(
                "2016-01-05T17:02:40.348Z",
                saml_core::saml::sp::danger::not_tracked()
            )
            .expect_err("late")
            .kind(),
            "expired"
        );
        // Before NotBefore - skew the response is also issued in the future; the NotBefore
        // side is tested with our own IdP's responses (tests/end_to_end.rs).
        assert_eq!(
            g.run_at(
                "2016-01-05T16:48:38.348Z",
                saml_core::saml::sp::danger::not_tracked()
            )
            .expect_err("early")
            .kind(),
            "not_yet_valid"
        );
    }

    #[test]
    fn in_response_to() {
        let g = google();
        assert!(
            g.run_at(
                g.now,
                Solicitation::expect("id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6")
            )
            .is_ok()
        );
        let e = g
            .run_at(g.now, Solicitation::expect("id-other"))
            .expect_err("mismatch");
        assert_eq!(e.kind(), "in_response_to_mismatch");
        let e = g
            .run_at(g.now, Solicitation::outstanding())
            .expect_err("unknown");
        assert_eq!(e.kind(), "unknown_in_response_to");
    }

    #[test]
    fn replay_of_the_same_assertion() {
        let k = keycloak();
        let sp = k.sp();
        let cache = InMemoryStore::default();
        let xml = load(k.file);
        sp.validate_and_commit(
            &xml,
            at(k.now),
            saml_core::saml::sp::danger::not_tracked(),
            &cache,
        )
        .expect("first use");
        let e = sp
            .validate_and_commit(
                &xml,
                at(k.now),
                saml_core::saml::sp::danger::not_tracked(),
                &cache,
            )
            .expect_err("replay");
        assert_eq!(e.kind(), "replay");
    }
}

mod attacks {
    use super::*;

    fn pysaml2(file: &'static str, now: &'static str) -> Case {
        Case {
            file,
            cert: "pysaml2-test.pem",
            issuer: "urn:mace:example.com:saml:roland:idp",
            audience: "urn:mace:example.com:saml:roland:sp",
            acs: "https://example.org/acs/post",
            now,
            policy: saml_core::crypto::danger::legacy(),
            scope: SignatureScope::Either,
            skew: 0,
        }
    }

    #[test]
    fn pysaml2_wrapper_cve_2020_5390() {
        let e = pysaml2(
            "saml/attack/pysaml2-signed-xsw-assertion-wrapper.xml",
            "2020-12-04T07:50:00Z",
        )
        .err();
        assert_eq!(e.kind(), "assertion_count", "{e}");
    }

    #[test]
    fn pysaml2_extensions_xsw7_shape() {
        let e = pysaml2(
            "saml/attack/pysaml2-signed-xsw-assertion-extensions.xml",
            "2020-12-04T07:50:00Z",
        )
        .err();
        assert!(
            matches!(e.kind().as_str(), "assertion_count" | "duplicate_id"),
            "{e}"
        );
    }

    #[test]
    fn pysaml2_first_signature_in_nested_assertion_cve_2021_21238() {
        let e = pysaml2(
            "saml/attack/pysaml2-signed-xsw-assertion-in-assertion-first-sig.xml",
            "2020-09-14T22:40:00Z",
        )
        .err();
        assert!(
            matches!(
                e.kind().as_str(),
                "assertion_count" | "duplicate_id" | "malformed_signature"
            ),
            "{e}"
        );
    }
}
