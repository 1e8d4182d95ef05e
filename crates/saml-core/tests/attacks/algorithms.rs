//! A6: algorithm confusion and downgrade. pysaml2 CVE-2021-21239 (HMAC keyed with what the
//! attacker knows), CVE-2009-0217 (HMACOutputLength truncation), Santuario `secureValidation`
//! (MD5 refused), ruby-saml `adfs_response_sha1.xml` (look-alike URIs that xmlsec1 refuses),
//! samael `allowed_signature_algorithms`.
//!
//! Every forged signature here is cryptographically correct for what it claims (HMAC over the
//! real canonical SignedInfo, digests over the real element), so only the algorithm policy can
//! reject it. Defences: `AlgorithmPolicy::check_signature` / `check_digest` (exact-URI
//! allow-list, SHA-1 only with `settings::danger::allow_sha1`), `signature_parts` (no children
//! in `SignatureMethod`), `PublicKey::verify` (key type must match the algorithm:
//! `KeyAlgorithmMismatch`; `rsa_verification_params`: `RsaKeyTooSmall` below
//! `min_rsa_bits`, lowered only by `settings::danger::allow_small_rsa_keys`).

use saml_core::crypto::{CryptoError, DigestAlgorithm, SignatureAlgorithm};
use saml_core::dsig::{DsigError, Signer};
use saml_core::saml::idp::SignTarget;
use saml_core::settings::danger;

use crate::helpers::*;

/// A fixed Response (fixed IDs, issued at [`now`]) for signatures made outside the tests:
/// `SigningKey` signs neither with RSA-SHA1 nor with an RSA key under 2048 bits. [`SIG_1024`] and
/// [`SIG_SHA1`] sign [`Forge::place`]'s canonical SignedInfo for its Assertion; regenerate
/// them by writing that SignedInfo to a file and running, in `crates/saml-core/testdata`,
/// `openssl dgst -sha256 -sign rsa1024.pk8.pem FILE | base64 -w0` (default Forge) and
/// `openssl dgst -sha1 -sign rsa2048.pk8.pem FILE | base64 -w0` (rsa-sha1 / sha1 URIs).
const FIXED: &str = concat!(
    "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ",
    "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_fixed_response\" Version=\"2.0\" ",
    "IssueInstant=\"2026-11-22T12:00:00Z\" Destination=\"https://org2.okta.com/sso/saml2/0oa1org2\">",
    "<saml:Issuer>http://www.okta.com/exk1org1</saml:Issuer>",
    "<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>",
    "<saml:Assertion ID=\"_fixed_assertion\" Version=\"2.0\" IssueInstant=\"2026-11-22T12:00:00Z\">",
    "<saml:Issuer>http://www.okta.com/exk1org1</saml:Issuer>",
    "<saml:Subject><saml:NameID>alice@org1.example</saml:NameID>",
    "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">",
    "<saml:SubjectConfirmationData Recipient=\"https://org2.okta.com/sso/saml2/0oa1org2\" ",
    "NotOnOrAfter=\"2026-11-22T12:05:00Z\"/></saml:SubjectConfirmation></saml:Subject>",
    "<saml:Conditions NotBefore=\"2026-11-22T12:00:00Z\" NotOnOrAfter=\"2026-11-22T12:05:00Z\">",
    "<saml:AudienceRestriction><saml:Audience>https://www.okta.com/saml2/service-provider/sporg2",
    "</saml:Audience></saml:AudienceRestriction></saml:Conditions>",
    "<saml:AuthnStatement AuthnInstant=\"2026-11-22T12:00:00Z\"><saml:AuthnContext>",
    "<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement></saml:Assertion></samlp:Response>",
);

/// RSA-SHA256 with `rsa1024.pk8.pem` over [`FIXED`]'s Assertion SignedInfo (default Forge).
const SIG_1024: &str = "FTNnFd5Tnj6nZOuurhIIEKrTZUqhFQKBgYSJJgz2Dl8FdotacDtx8xaE2sONgpk8xe3yVGZ6xXYSda2B9yFQDUSl4j1dkaPPJPWy8j5gUNksRueMWE0Jdz+B0xxjRSRWbILME6fGtWrMoS1/c7nSD+RtYKvxnwEy5ef2FH9y0lQ=";

/// RSA-SHA1 with `rsa2048.pk8.pem` over [`FIXED`]'s Assertion SignedInfo (rsa-sha1, sha1).
const SIG_SHA1: &str = "pLzgy6dYuJ/4ErfNUWmmYOB7N8AQ+sdNexZedhJzDASpbDk3RNvzxTxewhmsDrXHfvxfxCflk6+0q6g3JOSxUZaGiv4Hv9P9QUVFntD9cSVislq644KNQ/1CIkH/MsW7JHoWeotSSBZiuLHXiFF1OqmdxQeOEDdNdKN0Ysh8uG08yhIuzip8snA9BIj+GD+/9M7rFv11hWqz9/H8KwkubJnoyHMyzFcpa5ay0S1uQLNJwPEQ38iWe6GWwVEdmwkokyapPH9IXD0x3POGERJIhFVn8089H1a7xbvH7iIbN4QeKTLFmFCsHesiquLdRX1qzTJvMwsfVLAasRYVZ+WpMA==";

/// Base64 of a precomputed signature.
fn precomputed(b64: &str) -> ForgeKey {
    use base64::Engine as _;
    ForgeKey::Precomputed(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64"),
    )
}

/// [`FIXED`] with its Assertion signed by `forge`.
fn fixed_signed(forge: &Forge) -> String {
    forge.sign(FIXED, assertion(FIXED).outer.start)
}

/// The crypto error inside a signature rejection.
#[track_caller]
fn crypto(err: &saml_core::saml::SamlError) -> &CryptoError {
    match dsig_source(err).1 {
        DsigError::Algorithm(c) => c,
        other => panic!("not an algorithm error: {other:?}"),
    }
}

/// pysaml2 CVE-2021-21239: an HMAC "signature" keyed with bytes the attacker has (the IdP's
/// public certificate, DER and PEM), on the Assertion and on the Response. HMAC is never on
/// the allow-list: `unsupported_algorithm`, naming the URI.
#[test]
fn hmac_keyed_with_the_public_certificate() {
    let cases = [
        (
            aws_lc_rs::hmac::HMAC_SHA256,
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
            cert("rsa2048.cert.pem").der().to_vec(),
        ),
        (
            aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
            testdata("rsa2048.cert.pem"),
        ),
    ];
    for (alg, uri, secret) in cases {
        let mut forge = Forge::with_key(ForgeKey::Hmac(alg, secret));
        forge.signature_method = uri.into();
        let base = with_name_id(&unsigned(), EVIL);
        for at in [assertion(&base).outer.start, root(&base).outer.start] {
            let forged = forge.sign(&base, at);
            // Even the legacy policy never allows HMAC.
            for sp in [
                sp(),
                sp_with(|i| {
                    *i = i
                        .clone()
                        .with_algorithm_policy(saml_core::crypto::danger::legacy())
                }),
            ] {
                let err = rejected(&sp, &forged);
                assert_kind(&err, "unsupported_algorithm");
                assert!(
                    matches!(crypto(&err), CryptoError::UnsupportedAlgorithm { uri: u, .. } if u == uri),
                    "{err}"
                );
            }
        }
    }
}

/// The HMAC URI alone on an RSA-signed message (no valid HMAC behind it) is refused the same way.
#[test]
fn hmac_uri_alone() {
    let xml = replace_once(
        &issue(SignTarget::Assertion),
        SignatureAlgorithm::RsaSha256.uri(),
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
    );
    assert_kind(&rejected(&sp(), &xml), "unsupported_algorithm");
}

/// CVE-2009-0217: `HMACOutputLength` truncating the HMAC to 0 or 8 bits. `SignatureMethod` may
/// not have children: `malformed_signature`, before any algorithm is looked at.
#[test]
fn hmac_output_length_truncation() {
    for bits in ["0", "8"] {
        let mut forge = Forge::with_key(ForgeKey::Hmac(
            aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            cert("rsa2048.cert.pem").der().to_vec(),
        ));
        forge.signature_method = "http://www.w3.org/2000/09/xmldsig#hmac-sha1".into();
        forge.signature_method_content =
            format!("<ds:HMACOutputLength>{bits}</ds:HMACOutputLength>");
        let err = rejected(&sp(), &forged_assertion(&forge));
        assert_kind(&err, "malformed_signature");
        assert!(
            (dsig_source(&err).1.is_malformed_signature()
                && dsig_source(&err).1.to_string().contains("SignatureMethod")),
            "{err}"
        );
    }
}

/// SHA-1 digests are refused by default (`sha1_not_allowed`) and accepted only with the
/// per-IdP opt-in `danger::allow_sha1`.
#[test]
fn sha1_digest_needs_the_opt_in() {
    let signer = idp_signer().with_digest(DigestAlgorithm::Sha1);
    let xml = sign_with(&signer, &unsigned(), SignTarget::Both);
    let err = rejected(&sp(), &xml);
    assert_kind(&err, "sha1_not_allowed");
    assert!(matches!(crypto(&err), CryptoError::Sha1NotAllowed { .. }));
    accepted(&sp_with(danger::allow_sha1), &xml);
}

/// A genuine RSA-SHA1 signature (with a SHA-1 digest): `sha1_not_allowed` by default, valid
/// with `danger::allow_sha1`.
#[test]
fn rsa_sha1_signature_needs_the_opt_in() {
    let mut forge = Forge::with_key(precomputed(SIG_SHA1));
    forge.signature_method = SignatureAlgorithm::RsaSha1.uri().into();
    forge.digest_method = DigestAlgorithm::Sha1.uri().into();
    forge.digest = DigestAlgorithm::Sha1;
    let xml = fixed_signed(&forge);
    let err = rejected(&sp(), &xml);
    assert_kind(&err, "sha1_not_allowed");
    match crypto(&err) {
        CryptoError::Sha1NotAllowed { uri } => assert_eq!(uri, SignatureAlgorithm::RsaSha1.uri()),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        accepted(&sp_with(danger::allow_sha1), &xml).name_id().value,
        ALICE
    );
}

/// Santuario `secureValidation`: MD5 is never accepted, as a signature or a digest, not even
/// under the legacy policy.
#[test]
fn md5_is_never_accepted() {
    let mut sig = Forge::idp();
    sig.signature_method = "http://www.w3.org/2001/04/xmldsig-more#rsa-md5".into();
    let mut dig = Forge::idp();
    dig.digest_method = "http://www.w3.org/2001/04/xmldsig-more#md5".into();
    for forge in [sig, dig] {
        let xml = forged_assertion(&forge);
        for sp in [
            sp(),
            sp_with(|i| {
                *i = i
                    .clone()
                    .with_algorithm_policy(saml_core::crypto::danger::legacy())
            }),
        ] {
            let err = rejected(&sp, &xml);
            assert_kind(&err, "unsupported_algorithm");
        }
    }
}

/// ruby-saml `adfs_response_sha1.xml` (refused by xmlsec1): look-alike URIs, a trailing or
/// leading space, a case change. Each is otherwise a correct signature whose digest is
/// computed with the algorithm the URI resembles, and SHA-1 is allowed, so only the
/// exact-match allow-list refuses them.
#[test]
fn look_alike_algorithm_uris() {
    let sha256 = DigestAlgorithm::Sha256;
    let sha1 = DigestAlgorithm::Sha1;
    let signature_uris = [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 ",
        " http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#RSA-SHA256",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha256",
    ];
    let digest_uris = [
        ("http://www.w3.org/2001/04/xmlenc#sha1", sha1),
        ("http://www.w3.org/2001/04/xmlenc#sha256 ", sha256),
        ("http://www.w3.org/2000/09/xmldsig#sha256", sha256),
        ("http://www.w3.org/2001/04/xmlenc#SHA256", sha256),
    ];
    let mut forges = Vec::new();
    for uri in signature_uris {
        let mut f = Forge::idp();
        f.signature_method = uri.into();
        forges.push((uri, f));
    }
    for (uri, digest) in digest_uris {
        let mut f = Forge::idp();
        f.digest_method = uri.into();
        f.digest = digest;
        forges.push((uri, f));
    }
    let legacy = sp_with(|i| {
        *i = i
            .clone()
            .with_algorithm_policy(saml_core::crypto::danger::legacy())
    });
    for (uri, forge) in forges {
        let err = rejected(&legacy, &forged_assertion(&forge));
        assert_kind(&err, "unsupported_algorithm");
        match crypto(&err) {
            CryptoError::UnsupportedAlgorithm { uri: found, .. } => assert_eq!(found, uri),
            other => panic!("{uri:?}: {other:?}"),
        }
    }
}

/// Key/algorithm confusion: an ECDSA URI over an RSA signature with the RSA anchor, and an RSA
/// URI over an ECDSA signature with a P-256 anchor: `key_algorithm_mismatch`. The correctly
/// labelled ECDSA signature is the positive control.
#[test]
fn algorithm_must_match_the_key_type() {
    let mut ecdsa_uri_rsa_key = Forge::idp();
    ecdsa_uri_rsa_key.signature_method = SignatureAlgorithm::EcdsaSha256.uri().into();
    let err = rejected(&sp(), &forged_assertion(&ecdsa_uri_rsa_key));
    assert_kind(&err, "key_algorithm_mismatch");

    let p256_sp = sp_with(|i| {
        *i = i
            .clone()
            .with_signing_certificates(vec![anchor("p256.cert.pem")])
    });
    let mut rsa_uri_ec_key = Forge::with_key(ForgeKey::Key(
        Box::new(key("p256.pk8.pem")),
        SignatureAlgorithm::EcdsaSha256,
    ));
    let err = rejected(&p256_sp, &forged_assertion(&rsa_uri_ec_key));
    assert_kind(&err, "key_algorithm_mismatch");
    assert!(matches!(
        crypto(&err),
        CryptoError::KeyAlgorithmMismatch { .. }
    ));

    rsa_uri_ec_key.signature_method = SignatureAlgorithm::EcdsaSha256.uri().into();
    accepted(&p256_sp, &forged_assertion(&rsa_uri_ec_key));
    let ec_signer = Signer::new(key("p256.pk8.pem"), Some(cert("p256.cert.pem")))
        .with_algorithm(SignatureAlgorithm::EcdsaSha256)
        .expect("P-256 signs ECDSA-SHA256");
    accepted(
        &p256_sp,
        &sign_with(&ec_signer, &unsigned(), SignTarget::Both),
    );
}

/// RSA keys under 2048 bits: a genuine 1024-bit signature is `key_too_small` by default and
/// valid only with `danger::allow_small_rsa_keys`.
#[test]
fn rsa_key_below_2048_bits() {
    let xml = fixed_signed(&Forge::with_key(precomputed(SIG_1024)));
    let small = |i: &mut saml_core::settings::IdpSettings| {
        *i = i
            .clone()
            .with_signing_certificates(vec![anchor("rsa1024.spki.pem")]);
    };
    let err = rejected(&sp_with(small), &xml);
    assert_kind(&err, "key_too_small");
    assert!(
        matches!(
            crypto(&err),
            CryptoError::RsaKeyTooSmall {
                bits: 1024,
                min: 2048
            }
        ),
        "{err}"
    );
    let opted_in = sp_with(|i| {
        small(i);
        danger::allow_small_rsa_keys(i, 1024);
    });
    assert_eq!(accepted(&opted_in, &xml).name_id().value, ALICE);
}
