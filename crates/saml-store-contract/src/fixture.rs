//! A service provider and valid signed Responses for it, made with `saml-core`'s own IdP side
//! and the keys of `crates/saml-core/testdata` (the fixture of `saml-core/tests/stores.rs`).

use saml_core::prelude::*;

/// The IdP's entity ID (the Assertion's Issuer).
pub const ISSUER: &str = "http://www.okta.com/exk1stores";
/// The IdP's SSO URL.
pub const SSO: &str = "https://org1.example/sso";
/// The service provider's entity ID (the Audience).
pub const AUDIENCE: &str = "https://org2.example/metadata";
/// The service provider's ACS URL.
pub const ACS: &str = "https://org2.example/acs";

/// A file of `crates/saml-core/testdata`.
///
/// # Panics
///
/// When the file is missing (a broken checkout).
#[track_caller]
pub fn testdata(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../saml-core/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The instant the Responses are issued and validated at.
///
/// # Panics
///
/// Never (a constant that parses).
pub fn now() -> DateTime {
    parse_xs_datetime("2026-11-22T12:00:00Z").expect("time")
}

/// The service provider (unsolicited Responses allowed, so both kinds of login work).
///
/// # Panics
///
/// When the test keys are missing.
pub fn sp() -> ServiceProvider {
    let anchor = TrustAnchor::from_any(&testdata("rsa2048.cert.pem"), Some("idp")).expect("cert");
    ServiceProvider::new(
        IdpSettings::new(ISSUER, SSO, vec![anchor]).with_sign_requests(false),
        SpSettings::new(AUDIENCE, ACS).with_unsolicited(true),
    )
    .expect("complete settings")
}

/// Makes Responses: the signing key is parsed once.
#[derive(Debug)]
pub struct Issuer {
    idp: IdentityProvider,
}

impl Default for Issuer {
    fn default() -> Self {
        Self::new()
    }
}

impl Issuer {
    /// The IdP with the test key, signing the Assertion.
    ///
    /// # Panics
    ///
    /// When the test keys are missing.
    pub fn new() -> Self {
        let signer = saml_core::dsig::Signer::new(
            SigningKey::from_pem(&testdata("rsa2048.pk8.pem"), None).expect("key"),
            Some(Certificate::from_pem(&testdata("rsa2048.cert.pem"), None).expect("cert")),
        );
        Self {
            idp: IdentityProvider::new(ISSUER, SSO, signer).with_sign_target(SignTarget::Assertion),
        }
    }

    /// A fresh Response (new Assertion ID) at [`now`], answering no request.
    ///
    /// # Panics
    ///
    /// When issuing fails.
    pub fn unsolicited(&self) -> String {
        let peer = saml_core::saml::idp::danger::unsigned_requests(AUDIENCE, ACS);
        self.idp
            .issue(&peer, &Subject::new("alice@org1.example"), None, now())
            .expect("issued")
    }

    /// A fresh Response answering the AuthnRequest `request` (the bearer confirmation names
    /// it, re-signed).
    ///
    /// # Panics
    ///
    /// When issuing or signing fails.
    pub fn solicited(&self, request: &str) -> String {
        let xml = self.unsolicited();
        let start = xml.find("<ds:Signature").expect("a signature");
        let end = xml.find("</ds:Signature>").expect("its end") + "</ds:Signature>".len();
        let unsigned = format!("{}{}", &xml[..start], &xml[end..]).replacen(
            "<saml:SubjectConfirmationData ",
            &format!("<saml:SubjectConfirmationData InResponseTo=\"{request}\" "),
            1,
        );
        let doc = saml_core::xml::Document::parse(&unsigned).expect("parses");
        let assertion = doc
            .element_children(doc.root_element())
            .last()
            .expect("assertion");
        let assertion_id = doc
            .attribute_unverified(assertion, "ID")
            .expect("ID")
            .to_owned();
        let signer = saml_core::dsig::Signer::new(
            SigningKey::from_pem(&testdata("rsa2048.pk8.pem"), None).expect("key"),
            None,
        );
        signer
            .sign_element(&unsigned, &assertion_id)
            .expect("signs")
    }
}
