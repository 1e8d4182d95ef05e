//! A9: transforms. Brad Hill, "Attacking XML Security" (iSEC Partners, Black Hat USA 2007:
//! XSLT and XPath for code execution and DoS); samael `xpath_transform.xml` (an XPath filter
//! that drops the malicious assertion from the digest, accepted by xmlsec1); node-saml "Invalid
//! signature, too many transforms"; Santuario `secureValidation` (no XSLT, at most 5
//! transforms); OpenSAML `SAMLSignatureProfileValidator` (at most 2); SAML core §5.4.4.
//!
//! Every forged signature is otherwise correct (digest over the Assertion's exclusive c14n,
//! RSA-SHA256 with the IdP's key), so only the transform rule can reject it.
//! Defence: `signature_parts` — enveloped-signature first, then at most one canonicalization,
//! nothing else (`DsigError::Transform`, kind `transform_not_allowed`); `c14n_method` for
//! SignedInfo's CanonicalizationMethod.

use saml_core::crypto::CryptoError;
use saml_core::dsig::{DsigError, ENVELOPED_SIGNATURE};
use saml_core::saml::idp::SignTarget;
use saml_core::xml::c14n::{C14N10, EXC_C14N};

use crate::helpers::*;

/// XPath 1.0 filtering (XMLDSig §6.6.3).
const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
/// XPath Filter 2.0.
const XPATH_FILTER2: &str = "http://www.w3.org/2002/06/xmldsig-filter2";
/// XSLT (XMLDSig §6.6.5).
const XSLT: &str = "http://www.w3.org/TR/1999/REC-xslt-19991116";
/// The base64 decoding transform (XMLDSig §6.6.2).
const BASE64: &str = "http://www.w3.org/2000/09/xmldsig#base64";

/// A forged Assertion signature whose Transforms are built by `transforms`; the SP must refuse
/// it as `transform_not_allowed` naming `uri`.
#[track_caller]
fn refused(transforms: impl FnOnce(&Forge) -> Option<String>, uri: &str) {
    let mut forge = Forge::idp();
    forge.transforms = transforms(&forge);
    let err = rejected(&sp(), &forged_assertion(&forge));
    assert_structural(&err, "transform_not_allowed");
    match dsig_source(&err).1 {
        DsigError::Transform { uri: found } => assert_eq!(found, uri),
        other => panic!("{other:?}"),
    }
}

/// The enveloped-signature transform.
fn enveloped(f: &Forge) -> String {
    f.transform(ENVELOPED_SIGNATURE, "")
}

/// Exclusive c14n as a transform.
fn exc(f: &Forge) -> String {
    f.transform(EXC_C14N, "")
}

/// samael `xpath_transform.xml`: an XPath filter after enveloped-signature that would exclude
/// an attacker's Assertion from the digest.
#[test]
fn xpath() {
    refused(
        |f| {
            Some(f.transforms_of(&[
                enveloped(f),
                f.transform(
                    XPATH,
                    "<ds:XPath xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">\
                     not(ancestor-or-self::saml:Assertion[@ID='malicious_assertion'])</ds:XPath>",
                ),
            ]))
        },
        XPATH,
    );
}

/// XPath Filter 2.0 subtracting part of the signed element.
#[test]
fn xpath_filter2() {
    refused(
        |f| {
            Some(f.transforms_of(&[
                enveloped(f),
                f.transform(
                    XPATH_FILTER2,
                    "<dsig-xpath:XPath xmlns:dsig-xpath=\"http://www.w3.org/2002/06/xmldsig-filter2\" \
                     Filter=\"subtract\">//*[local-name()='Attribute']</dsig-xpath:XPath>",
                ),
            ]))
        },
        XPATH_FILTER2,
    );
}

/// Brad Hill 2007: an XSLT transform, first (where it would run before anything else) and
/// second.
#[test]
fn xslt() {
    let stylesheet = "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" \
                      version=\"1.0\"><xsl:template match=\"/\"><xsl:copy-of select=\"/\"/>\
                      </xsl:template></xsl:stylesheet>";
    refused(
        |f| Some(f.transforms_of(&[f.transform(XSLT, stylesheet), enveloped(f)])),
        XSLT,
    );
    refused(
        |f| Some(f.transforms_of(&[enveloped(f), f.transform(XSLT, stylesheet)])),
        XSLT,
    );
}

/// The base64 transform.
#[test]
fn base64() {
    refused(
        |f| Some(f.transforms_of(&[enveloped(f), f.transform(BASE64, "")])),
        BASE64,
    );
}

/// An unknown transform URI.
#[test]
fn unknown_transform() {
    refused(
        |f| Some(f.transforms_of(&[enveloped(f), f.transform("urn:example:transform", "")])),
        "urn:example:transform",
    );
}

/// node-saml `response.root-signed-transforms…` shape: three transforms (a repeated c14n), and
/// five (Santuario's cap would allow them; the SAML profile does not).
#[test]
fn three_and_five_transforms() {
    refused(
        |f| Some(f.transforms_of(&[enveloped(f), exc(f), exc(f)])),
        EXC_C14N,
    );
    refused(
        |f| {
            Some(f.transforms_of(&[
                enveloped(f),
                exc(f),
                f.transform(C14N10, ""),
                exc(f),
                exc(f),
            ]))
        },
        C14N10,
    );
}

/// `nodesaml-too-many-transforms.xml`: enveloped-signature twice.
#[test]
fn enveloped_twice() {
    refused(
        |f| Some(f.transforms_of(&[enveloped(f), enveloped(f), exc(f)])),
        ENVELOPED_SIGNATURE,
    );
}

/// The canonicalization before the enveloped-signature transform, and no enveloped-signature
/// transform at all (the Signature would then digest itself, or a verifier skipping the
/// transform would digest something else).
#[test]
fn enveloped_signature_missing_or_misplaced() {
    refused(|f| Some(f.transforms_of(&[exc(f), enveloped(f)])), EXC_C14N);
    refused(|f| Some(f.transforms_of(&[exc(f)])), EXC_C14N);
    refused(
        |f| Some(f.transforms_of(&[])),
        "(enveloped-signature transform missing)",
    );
    refused(
        |_| Some(String::new()),
        "(enveloped-signature transform missing)",
    );
}

/// SignedInfo's CanonicalizationMethod must be a canonicalization, not XSLT or an unknown URI
/// (an IdP-signed message with the URI edited: rejected before the signature is checked).
#[test]
fn signed_info_canonicalization_must_be_c14n() {
    for uri in [XSLT, XPATH, "urn:example:c14n"] {
        let xml = replace_once(
            &issue(SignTarget::Assertion),
            &format!("<ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>"),
            &format!("<ds:CanonicalizationMethod Algorithm=\"{uri}\"/>"),
        );
        let err = rejected(&sp(), &xml);
        assert_kind(&err, "unsupported_algorithm");
        assert!(
            matches!(dsig_source(&err).1, DsigError::Algorithm(CryptoError::UnsupportedAlgorithm { uri: u, .. }) if u == uri),
            "{err}"
        );
    }
}
