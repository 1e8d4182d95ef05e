//! Reading an encrypted SAML element's structure: the one `xenc:EncryptedData`, the one
//! `xenc:EncryptedKey` that applies to it, their algorithms and CipherValues. No cryptography
//! and no base64 decoding happen here; everything read is public, and every error depends only
//! on the XML received.
//!
//! SAML core §2.2.4 (`EncryptedElementType`): the container holds one `EncryptedData` and
//! zero or more `EncryptedKey`. The key that applies is found in one of three places:
//!
//! 1. inside `EncryptedData/ds:KeyInfo` (xmlsec1, pysaml2, Shibboleth);
//! 2. a sibling `EncryptedKey` named by `EncryptedData/ds:KeyInfo/ds:RetrievalMethod`
//!    (`Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey"`, `URI="#id"`);
//! 3. a sibling `EncryptedKey` whose `xenc:ReferenceList/xenc:DataReference` has
//!    `URI="#<the EncryptedData's Id>"` (Okta does 2 and 3 at once, for the same key).
//!
//! Only same-document `#id` references to an `EncryptedKey` child of the container are
//! followed; external, empty and XPointer URIs, and `CipherReference`, are refused. Exactly one
//! key must apply: several (encryption to several recipients) is refused rather than guessed.

use crate::ns;
use crate::xml::{Document, IdLookup, NodeId};
use crate::xmlenc::algorithm::{DataEncryption, KeyTransport};
use crate::xmlenc::{KeyLocation, XmlencError};

/// `Type` of an `EncryptedData` that holds an element (the only kind SAML uses).
const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
/// `Type` of a `RetrievalMethod` that names an `EncryptedKey`.
const TYPE_ENCRYPTED_KEY: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

/// What an encrypted SAML element says, read once.
#[derive(Debug)]
pub(crate) struct Structure {
    /// The `xenc:EncryptedData`.
    pub(crate) data_node: NodeId,
    /// Its algorithm.
    pub(crate) data: DataEncryption,
    /// Its `CipherData/CipherValue`.
    pub(crate) data_cipher_value: NodeId,
    /// The one `xenc:EncryptedKey` that applies.
    pub(crate) key_node: NodeId,
    /// Where it was found.
    pub(crate) key_location: KeyLocation,
    /// Its algorithm.
    pub(crate) key_transport: KeyTransport,
    /// Its `CipherData/CipherValue`.
    pub(crate) key_cipher_value: NodeId,
    /// Its `xenc:OAEPparams` (base64 OAEP label), if any.
    pub(crate) oaep_params: Option<NodeId>,
    /// Its `ds:KeyInfo`, if any (names the recipient's key; never used to decrypt).
    pub(crate) key_info: Option<NodeId>,
}

/// Reads the structure of `container`.
pub(crate) fn read(doc: &Document<'_>, container: NodeId) -> Result<Structure, XmlencError> {
    let container_name = container_name(doc, container)?;
    let mut data_nodes = Vec::with_capacity(1);
    let mut siblings = Vec::new();
    for child in doc.element_children(container) {
        if doc.is(child, ns::XMLENC, "EncryptedData") {
            data_nodes.push(child);
        } else if doc.is(child, ns::XMLENC, "EncryptedKey") {
            siblings.push(child);
        } else {
            return Err(unexpected(doc, container_name, child));
        }
    }
    let [data_node] = data_nodes[..] else {
        return Err(XmlencError::EncryptedDataCount {
            container: container_name,
            found: data_nodes.len(),
        });
    };
    let data = read_encrypted_data(doc, data_node)?;

    // The EncryptedKey that applies, with where it was first found. A second, different one
    // is refused at once (the count stops there).
    let mut key: Option<(NodeId, KeyLocation)> = None;
    let mut add = |node: NodeId, location: KeyLocation| match &key {
        None => {
            key = Some((node, location));
            Ok(())
        }
        Some((first, _)) if *first == node => Ok(()),
        Some(_) => Err(XmlencError::EncryptedKeyCount { found: 2 }),
    };
    if let Some(key_info) = data.key_info {
        // At most one RetrievalMethod: resolving one is a pass over the siblings, so the
        // work stays linear in the input (invariant 12), and a second could only name a
        // second key.
        let mut retrieval = None;
        for child in doc.element_children(key_info) {
            if doc.is(child, ns::XMLENC, "EncryptedKey") {
                add(child, KeyLocation::KeyInfo)?;
            } else if doc.is(child, ns::DSIG, "RetrievalMethod") {
                once(doc, "KeyInfo", &mut retrieval, child)?;
                let (node, id) = retrieval_method(doc, child, &siblings)?;
                add(node, KeyLocation::RetrievalMethod { id })?;
            } else if !doc.is(child, ns::DSIG, "KeyName") {
                return Err(unexpected(doc, "KeyInfo", child));
            }
        }
    }
    if let Some(data_id) = doc.attribute(data_node, "Id") {
        for &sibling in &siblings {
            if references(doc, sibling, data_id) {
                add(
                    sibling,
                    KeyLocation::DataReference {
                        id: doc.attribute(sibling, "Id").map(str::to_owned),
                    },
                )?;
            }
        }
    }
    let (key_node, key_location) = key.ok_or(XmlencError::EncryptedKeyCount { found: 0 })?;
    let key = read_encrypted_key(doc, key_node)?;
    Ok(Structure {
        data_node,
        data: data.algorithm,
        data_cipher_value: data.cipher_value,
        key_node,
        key_location,
        key_transport: key.transport,
        key_cipher_value: key.cipher_value,
        oaep_params: key.oaep_params,
        key_info: key.key_info,
    })
}

/// The local name of a SAML encrypted-element container, or why `node` is none.
fn container_name(doc: &Document<'_>, node: NodeId) -> Result<&'static str, XmlencError> {
    const ASSERTION: [&str; 3] = ["EncryptedAssertion", "EncryptedID", "EncryptedAttribute"];
    if let Some(name) = ASSERTION
        .iter()
        .find(|name| doc.is(node, ns::SAML_ASSERTION, name))
    {
        return Ok(name);
    }
    if doc.is(node, ns::SAML_PROTOCOL, "NewEncryptedID") {
        return Ok("NewEncryptedID");
    }
    Err(XmlencError::NotAContainer {
        found: if doc.is_element(node) {
            doc.qualified_name(node).into_owned()
        } else {
            "a node that is not an element".to_owned()
        },
    })
}

/// The parts of an `EncryptedData`.
struct EncryptedData {
    algorithm: DataEncryption,
    key_info: Option<NodeId>,
    cipher_value: NodeId,
}

fn read_encrypted_data(doc: &Document<'_>, node: NodeId) -> Result<EncryptedData, XmlencError> {
    const NAME: &str = "EncryptedData";
    if let Some(found) = doc.attribute(node, "Type")
        && found != TYPE_ELEMENT
    {
        return Err(XmlencError::UnexpectedType {
            found: found.to_owned(),
        });
    }
    let mut method = None;
    let mut key_info = None;
    let mut cipher_data = None;
    let mut properties = None;
    for child in doc.element_children(node) {
        let slot = if doc.is(child, ns::XMLENC, "EncryptionMethod") {
            &mut method
        } else if doc.is(child, ns::DSIG, "KeyInfo") {
            &mut key_info
        } else if doc.is(child, ns::XMLENC, "CipherData") {
            &mut cipher_data
        } else if doc.is(child, ns::XMLENC, "EncryptionProperties") {
            &mut properties
        } else {
            return Err(unexpected(doc, NAME, child));
        };
        once(doc, NAME, slot, child)?;
    }
    let method = method.ok_or(XmlencError::MissingElement {
        parent: NAME,
        expected: "EncryptionMethod",
    })?;
    let uri = doc
        .attribute(method, "Algorithm")
        .ok_or(XmlencError::MissingAlgorithm { element: NAME })?;
    let algorithm = DataEncryption::parse(uri)?;
    for child in doc.element_children(method) {
        if !doc.is(child, ns::XMLENC, "KeySize") {
            return Err(unexpected(doc, "EncryptionMethod", child));
        }
        let declared = doc.text(child);
        let expected = algorithm.key_len() * 8;
        if crate::xml::trim_xml(&declared) != expected.to_string() {
            return Err(XmlencError::KeySizeMismatch {
                algorithm,
                declared: declared.into_owned(),
                expected,
            });
        }
    }
    let cipher_value = cipher_value(doc, NAME, cipher_data)?;
    Ok(EncryptedData {
        algorithm,
        key_info,
        cipher_value,
    })
}

/// The parts of an `EncryptedKey`.
struct EncryptedKey {
    transport: KeyTransport,
    oaep_params: Option<NodeId>,
    key_info: Option<NodeId>,
    cipher_value: NodeId,
}

fn read_encrypted_key(doc: &Document<'_>, node: NodeId) -> Result<EncryptedKey, XmlencError> {
    const NAME: &str = "EncryptedKey";
    let mut method = None;
    let mut key_info = None;
    let mut cipher_data = None;
    let mut properties = None;
    let mut reference_list = None;
    let mut carried_key_name = None;
    for child in doc.element_children(node) {
        let slot = if doc.is(child, ns::XMLENC, "EncryptionMethod") {
            &mut method
        } else if doc.is(child, ns::DSIG, "KeyInfo") {
            &mut key_info
        } else if doc.is(child, ns::XMLENC, "CipherData") {
            &mut cipher_data
        } else if doc.is(child, ns::XMLENC, "EncryptionProperties") {
            &mut properties
        } else if doc.is(child, ns::XMLENC, "ReferenceList") {
            &mut reference_list
        } else if doc.is(child, ns::XMLENC, "CarriedKeyName") {
            &mut carried_key_name
        } else {
            return Err(unexpected(doc, NAME, child));
        };
        once(doc, NAME, slot, child)?;
    }
    let method = method.ok_or(XmlencError::MissingElement {
        parent: NAME,
        expected: "EncryptionMethod",
    })?;
    let uri = doc
        .attribute(method, "Algorithm")
        .ok_or(XmlencError::MissingAlgorithm { element: NAME })?;
    // The schema puts `OAEPparams` before the `##other` children; xmlsec accepts any order
    // and so do we.
    let mut digest = None;
    let mut mgf = None;
    let mut oaep_params = None;
    for child in doc.element_children(method) {
        let oaep = uri != super::algorithm::RSA_1_5;
        let slot = if oaep && doc.is(child, ns::DSIG, "DigestMethod") {
            &mut digest
        } else if uri == super::algorithm::RSA_OAEP && doc.is(child, ns::XMLENC11, "MGF") {
            &mut mgf
        } else if oaep && doc.is(child, ns::XMLENC, "OAEPparams") {
            &mut oaep_params
        } else {
            return Err(unexpected(doc, "EncryptionMethod", child));
        };
        once(doc, "EncryptionMethod", slot, child)?;
    }
    let algorithm_of = |node: Option<NodeId>, element: &'static str| match node {
        None => Ok(None),
        Some(n) => doc
            .attribute(n, "Algorithm")
            .map(Some)
            .ok_or(XmlencError::MissingAlgorithm { element }),
    };
    let transport = KeyTransport::from_parts(
        uri,
        algorithm_of(digest, "DigestMethod")?,
        algorithm_of(mgf, "MGF")?,
    )?;
    let cipher_value = cipher_value(doc, NAME, cipher_data)?;
    Ok(EncryptedKey {
        transport,
        oaep_params,
        key_info,
        cipher_value,
    })
}

/// The `CipherValue` of a `CipherData`; a `CipherReference` (data elsewhere) is refused.
fn cipher_value(
    doc: &Document<'_>,
    parent: &'static str,
    cipher_data: Option<NodeId>,
) -> Result<NodeId, XmlencError> {
    let cipher_data = cipher_data.ok_or(XmlencError::MissingElement {
        parent,
        expected: "CipherData",
    })?;
    let mut value = None;
    for child in doc.element_children(cipher_data) {
        if doc.is(child, ns::XMLENC, "CipherReference") {
            return Err(XmlencError::ExternalReference {
                element: "CipherReference",
                uri: doc.attribute(child, "URI").unwrap_or_default().to_owned(),
            });
        }
        if !doc.is(child, ns::XMLENC, "CipherValue") {
            return Err(unexpected(doc, "CipherData", child));
        }
        once(doc, "CipherData", &mut value, child)?;
    }
    let value = value.ok_or(XmlencError::MissingElement {
        parent: "CipherData",
        expected: "CipherValue",
    })?;
    if let Some(child) = doc.element_children(value).next() {
        return Err(unexpected(doc, "CipherValue", child));
    }
    Ok(value)
}

/// The `EncryptedKey` child of the container that a `ds:RetrievalMethod` names, and its ID.
fn retrieval_method(
    doc: &Document<'_>,
    node: NodeId,
    siblings: &[NodeId],
) -> Result<(NodeId, String), XmlencError> {
    const NAME: &str = "RetrievalMethod";
    let kind = doc.attribute(node, "Type").unwrap_or_default();
    if kind != TYPE_ENCRYPTED_KEY {
        return Err(XmlencError::RetrievalMethodType {
            found: kind.to_owned(),
        });
    }
    // ds:Transforms would select something other than the element the URI names.
    if let Some(child) = doc.element_children(node).next() {
        return Err(unexpected(doc, NAME, child));
    }
    let uri = doc.attribute(node, "URI").unwrap_or_default();
    let id = same_document_id(uri).ok_or_else(|| XmlencError::ExternalReference {
        element: NAME,
        uri: uri.to_owned(),
    })?;
    if doc.element_by_id(id) == IdLookup::Duplicate {
        return Err(XmlencError::DuplicateId {
            element: NAME,
            id: id.to_owned(),
        });
    }
    let mut named = siblings
        .iter()
        .copied()
        .filter(|&s| doc.attribute(s, "Id") == Some(id));
    match (named.next(), named.next()) {
        (Some(key), None) => Ok((key, id.to_owned())),
        (Some(_), Some(_)) => Err(XmlencError::DuplicateId {
            element: NAME,
            id: id.to_owned(),
        }),
        (None, _) => Err(XmlencError::UnresolvedReference {
            element: NAME,
            uri: uri.to_owned(),
        }),
    }
}

/// Whether the `ReferenceList` of `key` has a `DataReference` to `#data_id`.
fn references(doc: &Document<'_>, key: NodeId, data_id: &str) -> bool {
    doc.element_children(key)
        .filter(|&c| doc.is(c, ns::XMLENC, "ReferenceList"))
        .flat_map(|list| doc.element_children(list))
        .filter(|&r| doc.is(r, ns::XMLENC, "DataReference"))
        .any(|r| {
            doc.attribute(r, "URI")
                .and_then(same_document_id)
                .is_some_and(|id| id == data_id)
        })
}

/// The ID of a same-document bare-name reference (`#id`); `None` for an empty URI, an
/// external one or an XPointer (`#xpointer(...)`).
fn same_document_id(uri: &str) -> Option<&str> {
    let id = uri.strip_prefix('#')?;
    let plain = !id.is_empty()
        && !id
            .bytes()
            .any(|b| matches!(b, b'(' | b')' | b'#' | b'/' | b' ' | b'\t' | b'\r' | b'\n'));
    plain.then_some(id)
}

/// Fills `slot` with `child`, refusing a second one.
fn once(
    doc: &Document<'_>,
    parent: &'static str,
    slot: &mut Option<NodeId>,
    child: NodeId,
) -> Result<(), XmlencError> {
    if slot.replace(child).is_some() {
        return Err(unexpected(doc, parent, child));
    }
    Ok(())
}

fn unexpected(doc: &Document<'_>, parent: &'static str, child: NodeId) -> XmlencError {
    XmlencError::UnexpectedElement {
        parent,
        found: doc.qualified_name(child).into_owned(),
    }
}
