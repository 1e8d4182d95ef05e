//! The namespace URIs this crate matches elements and attributes against, defined once.
//!
//! This module owns nothing but constants. Elements are always matched by namespace URI and
//! local name, never by prefix; the older names (`saml::ASSERTION_NS`, `dsig::DSIG_NS`,
//! `metadata::METADATA_NAMESPACE`, `xml::XML_NAMESPACE`, …) are re-exports of these.

/// The `xml:` namespace, bound to the `xml` prefix by definition.
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of namespace declarations (`xmlns`, `xmlns:p`).
pub const XMLNS: &str = "http://www.w3.org/2000/xmlns/";
/// XML Signature.
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive XML Canonicalization (the namespace of `InclusiveNamespaces`).
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// XML Encryption 1.0.
pub const XMLENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML Encryption 1.1 (AES-GCM, the `rsa-oaep` key transport with a chosen mask generation
/// function, and its `MGF` element).
pub const XMLENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// SAML 2.0 assertions.
pub const SAML_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 protocol messages.
pub const SAML_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 metadata.
pub const SAML_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
