//! XML Encryption of SAML's encrypted elements (`saml:EncryptedAssertion`, `saml:EncryptedID`,
//! `saml:EncryptedAttribute`, `samlp:NewEncryptedID`; SAML core §2.2.4 and §6).
//!
//! - An SP decrypts with [`decrypt`], given its [`DecryptionKey`]s (several during key
//!   rollover) and a [`DecryptionPolicy`]. The caller parses the plaintext (in the context of
//!   the namespaces in scope at the `EncryptedData`: an IdP's plaintext often relies on the
//!   Response's `xmlns:saml`), and accepts CBC plaintext only under a verified signature.
//! - A tool shows what an encrypted element holds, without keys, with [`encrypted_parts`].
//! - An IdP encrypts a (signed, serialized) element to an SP's [`EncryptionKey`] with
//!   [`encrypt`], and wraps the `xenc:EncryptedData` it returns in `saml:EncryptedAssertion`.
//!
//! aws-lc-rs does all the cryptography (constant-time RSA decryption is the reason for that
//! backend; the RustCrypto `rsa` crate is not used, RUSTSEC-2023-0071).
//!
//! # Algorithms
//!
//! | | accepted | refused, with [`XmlencError::AlgorithmNotAllowed`] |
//! |---|---|---|
//! | key transport | `xmlenc#rsa-oaep-mgf1p` (digest SHA-1 by default), `xmlenc11#rsa-oaep` with any of SHA-1, SHA-256, SHA-384, SHA-512 as digest and as MGF1 hash (default MGF1-SHA-1), optional `OAEPparams` label. Same-hash pairs run in aws-lc-rs; pairs whose hashes differ run in OpenSSL (feature `openssl-oaep`, on by default), both constant-time | SHA-224; differing hashes without the `openssl-oaep` feature; `rsa-1_5` unless [`danger::allow_rsa1_5`]; key wrap, key agreement, anything else |
//! | data | `xmlenc11#aes128-gcm`, `aes192-gcm`, `aes256-gcm`; `xmlenc#aes128-cbc`, `aes192-cbc`, `aes256-cbc` | `tripledes-cbc` and anything else |
//! | RSA keys | 2048 to 8192 bits (what aws-lc-rs accepts) | smaller or larger keys, on load |
//!
//! # No decryption oracle (DESIGN.md invariant 13)
//!
//! Whoever can submit altered ciphertexts and tell failures apart, by the answer or by its
//! timing, can decrypt without the key: Bleichenbacher (1998) against RSA PKCS#1 v1.5, Manger
//! (2001) against RSA-OAEP, padding oracles against CBC, and Jager and Somorovsky's "How to
//! Break XML Encryption" (CCS 2011) against XML Encryption's CBC in particular. [`decrypt`]
//! therefore makes every cryptographic failure look the same:
//!
//! 1. **Public checks first.** Everything that depends only on the XML received is checked
//!    before any key is used: the structure, which `EncryptedKey` applies, the algorithms
//!    against the allow-list and the [`DecryptionPolicy`], the base64 and the lengths of the
//!    CipherValues. These errors are specific (`malformed_encrypted_data`,
//!    `algorithm_not_allowed`), because they tell a sender only what it sent.
//! 2. **A random CEK first.** Before the RSA step, a random content-encryption key of the data
//!    algorithm's length is drawn.
//! 3. **Every key, no early exit.** The `EncryptedKey` is unwrapped with every configured key,
//!    in order, even after one succeeded (which key fits is no secret, but stopping would make
//!    the time depend on where it is in the list). The first unwrap that succeeds *and* yields
//!    a CEK of the algorithm's length replaces the random CEK, by a constant-time selection
//!    (`subtle`). If none does, the random CEK stays: a wrong key, a bad OAEP encoding, a
//!    wrong label and a CEK of the wrong length all continue down the same path.
//! 4. **The symmetric step always runs**, with whichever CEK was selected: AES-GCM and its tag
//!    check, or AES-CBC and the padding check (last octet 1 to 16, compared without a branch;
//!    the other pad octets are arbitrary, per XML Encryption §5.2.1, not PKCS#7).
//! 5. **One decision, at the end.** Success needs both the unwrap and the symmetric step.
//!    Every failure is the one [`XmlencError::DecryptionFailed`], without detail and with the
//!    same [`kind`](XmlencError::kind), and the buffer is wiped.
//!
//! What this does not cover, stated plainly:
//!
//! - **RSA PKCS#1 v1.5.** AWS-LC's padding check has no implicit rejection, and its own
//!   comments say its API cannot "completely avoid Bleichenbacher's attack". The random CEK
//!   removes the answer as an oracle, but some timing difference may remain inside the RSA
//!   step, so `rsa-1_5` is refused unless [`danger::allow_rsa1_5`]. (For OAEP, AWS-LC computes
//!   the padding check in constant time and only then declassifies the one validity bit.)
//! - **CBC has no integrity.** Altered CBC ciphertext can decrypt, with valid padding, to
//!   altered plaintext; the parser of the plaintext then becomes the oracle (Jager and
//!   Somorovsky), and an attacker can switch GCM to CBC under the same key (Jager, Paterson
//!   and Somorovsky, 2013). This module cannot close that: the caller must accept a CBC
//!   plaintext only under a verified signature over the ciphertext, and report a plaintext
//!   that does not parse with this same error kind. [`DataEncryption::is_cbc`] tells it.
//! - Success takes a different time from failure; success is not a secret.
//!
//! This module owns the XML Encryption structure and the cryptography of one encrypted element.
//! It makes no trust decision: whether a signature covers what it decrypts, and what the
//! plaintext means, is the caller's (`saml::sp`).

mod algorithm;
mod cipher;
mod error;
mod key;
#[cfg(feature = "openssl-oaep")]
mod mixed;
mod structure;

#[cfg(test)]
mod tests;

use std::fmt;
use std::fmt::Write as _;

use aws_lc_rs::rand;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize as _, Zeroizing};

pub use algorithm::{DataEncryption, KeyTransport, Refusal};
pub use error::XmlencError;
pub use key::{DecryptionKey, EncryptionKey};

use crate::crypto::{Certificate, DigestAlgorithm, decode_base64};
use crate::ns;
use crate::xml::{Document, NodeId};

/// Which key transports [`decrypt`] accepts beyond RSA-OAEP. Default: RSA-OAEP only;
/// `rsa-1_5` only through [`danger::allow_rsa1_5`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecryptionPolicy {
    allow_rsa1_5: bool,
}

impl DecryptionPolicy {
    /// Whether RSA PKCS#1 v1.5 key transport (`rsa-1_5`) is accepted. Default: false.
    pub fn allows_rsa1_5(&self) -> bool {
        self.allow_rsa1_5
    }
}

/// Decryption policies that accept what the default refuses: each is a deliberate, auditable
/// choice.
pub mod danger {
    use super::DecryptionPolicy;

    /// Accepts RSA PKCS#1 v1.5 key transport (`rsa-1_5`). It runs through the same no-oracle
    /// path as OAEP (a random CEK replaces one that does not unwrap), but the crypto library
    /// has no implicit rejection for PKCS#1 v1.5 and its padding check may still leak timing
    /// (Bleichenbacher's attack). Only for an IdP that cannot be moved to RSA-OAEP.
    pub fn allow_rsa1_5(policy: &mut DecryptionPolicy) {
        policy.allow_rsa1_5 = true;
    }
}

/// Where the `xenc:EncryptedKey` that applies was found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyLocation {
    /// A sibling of the `EncryptedData` whose `xenc:ReferenceList/xenc:DataReference` names
    /// the `EncryptedData`.
    DataReference {
        /// The `EncryptedKey`'s `Id`, if it has one.
        id: Option<String>,
    },
    /// Inside `EncryptedData/ds:KeyInfo` (xmlsec1, pysaml2, Shibboleth).
    KeyInfo,
    /// A sibling of the `EncryptedData` named by its `ds:KeyInfo/ds:RetrievalMethod` (Okta).
    RetrievalMethod {
        /// The `EncryptedKey`'s `Id`.
        id: String,
    },
}

impl fmt::Display for KeyLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DataReference { id: Some(id) } => write!(
                f,
                "sibling EncryptedKey `{id}`, whose ReferenceList names the EncryptedData"
            ),
            Self::DataReference { id: None } => {
                f.write_str("sibling EncryptedKey whose ReferenceList names the EncryptedData")
            }
            Self::KeyInfo => f.write_str("inside the EncryptedData's KeyInfo"),
            Self::RetrievalMethod { id } => {
                write!(f, "sibling EncryptedKey `{id}`, named by a RetrievalMethod")
            }
        }
    }
}

/// What an encrypted element holds, read without decrypting (for `saml-verify inspect`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncryptedParts {
    /// The data encryption algorithm.
    pub data: DataEncryption,
    /// The key transport algorithm. It may be one this library cannot run (an RSA-OAEP digest
    /// and MGF pair aws-lc-rs lacks: see [`KeyTransport::is_supported`]).
    pub key_transport: KeyTransport,
    /// The SHA-256 fingerprint (colon-separated hex, as
    /// [`Certificate::fingerprint_sha256`]) of the certificate in the `EncryptedKey`'s
    /// `ds:KeyInfo/ds:X509Data`, naming the recipient's key; `None` when there is none.
    pub key_certificate_sha256: Option<String>,
    /// SHA-256 of that certificate's `SubjectPublicKeyInfo`, to compare with
    /// [`DecryptionKey::spki_sha256`]; `None` when there is no (RSA) certificate.
    pub key_spki_sha256: Option<[u8; 32]>,
    /// Where the `EncryptedKey` was found.
    pub key_location: KeyLocation,
    /// The `EncryptedData`'s `Id`.
    pub encrypted_data_id: Option<String>,
    /// The `EncryptedKey`'s `Id`.
    pub encrypted_key_id: Option<String>,
    /// The `EncryptedKey`'s `Recipient` (an SP entity ID, by convention).
    pub recipient: Option<String>,
    /// Whether the `EncryptedKey` carries an OAEP label (`xenc:OAEPparams`).
    pub oaep_label: bool,
}

/// Reads the structure of an encrypted element without decrypting it (for
/// `saml-verify inspect`). `container` is the `saml:EncryptedAssertion`, `EncryptedID`,
/// `EncryptedAttribute` or `samlp:NewEncryptedID` element. Fails as [`decrypt`] would on the
/// same structure, except that a known RSA-OAEP pair the crypto library lacks is reported
/// (in [`EncryptedParts::key_transport`]) rather than refused.
pub fn encrypted_parts(
    doc: &Document<'_>,
    container: NodeId,
) -> Result<EncryptedParts, XmlencError> {
    let s = structure::read(doc, container)?;
    let certificate = s.key_info.and_then(|key_info| {
        doc.element_children(key_info)
            .filter(|&c| doc.is(c, ns::DSIG, "X509Data"))
            .flat_map(|data| doc.element_children(data))
            .find(|&c| doc.is(c, ns::DSIG, "X509Certificate"))
    });
    let der = certificate.and_then(|node| decode_base64(doc.text(node).as_bytes(), 1 << 20).ok());
    let key_certificate_sha256 = der
        .as_deref()
        .map(|der| crate::crypto::fingerprint(DigestAlgorithm::Sha256.digest(der).as_ref()));
    let key_spki_sha256 = der
        .as_deref()
        .and_then(|der| Certificate::from_der(der, None).ok())
        .and_then(|cert| key::rsa_spki_sha256(cert.public_key()));
    let owned = |node: NodeId, name: &str| doc.attribute(node, name).map(str::to_owned);
    Ok(EncryptedParts {
        data: s.data,
        key_transport: s.key_transport,
        key_certificate_sha256,
        key_spki_sha256,
        key_location: s.key_location,
        encrypted_data_id: owned(s.data_node, "Id"),
        encrypted_key_id: owned(s.key_node, "Id"),
        recipient: owned(s.key_node, "Recipient"),
        oaep_label: s.oaep_params.is_some(),
    })
}

/// A decrypted element.
#[derive(Debug)]
#[non_exhaustive]
pub struct Decrypted {
    /// The plaintext: the serialized element (a fragment: namespace prefixes declared above the
    /// `EncryptedData` are not declared in it). Not yet parsed, and for CBC not authenticated.
    pub plaintext: Vec<u8>,
    /// The data encryption algorithm it was encrypted with.
    pub data: DataEncryption,
    /// The key transport algorithm the CEK came with.
    pub key_transport: KeyTransport,
    /// The index in `keys` of the key that unwrapped the CEK.
    pub key_index: usize,
}

/// A document with one encrypted element replaced by its plaintext (see [`Decrypted::in_place`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct InPlace {
    /// The document's source with the container's markup replaced by the plaintext.
    pub text: String,
    /// Where the decrypted element must stand in `text`: the plaintext without the XML
    /// whitespace around it. A parse of `text` whose element does not span exactly this carried
    /// other markup too.
    pub element: std::ops::Range<usize>,
}

impl Decrypted {
    /// The source of `doc` with `container` (the EncryptedAssertion, EncryptedID, … whose
    /// EncryptedData was decrypted) replaced by the plaintext, so that parsing it reads the
    /// element in its ancestors' namespace context: the plaintext is a fragment that relies on
    /// prefixes declared above it (often the Response's `xmlns:saml`).
    ///
    /// # Errors
    ///
    /// [`XmlencError::DecryptionFailed`] when the plaintext is not UTF-8 (one error kind for
    /// every way a decryption can go wrong).
    pub fn in_place(&self, doc: &Document<'_>, container: NodeId) -> Result<InPlace, XmlencError> {
        let plaintext =
            std::str::from_utf8(&self.plaintext).map_err(|_| XmlencError::DecryptionFailed)?;
        let source = doc.source();
        let span = doc.span(container);
        let mut text = String::with_capacity(source.len() - span.len() + plaintext.len());
        text.push_str(source.get(..span.start).unwrap_or_default());
        text.push_str(plaintext);
        text.push_str(source.get(span.end..).unwrap_or_default());
        let xml_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
        let lead = plaintext.len() - plaintext.trim_start_matches(xml_space).len();
        let element = span.start + lead..span.start + plaintext.trim_end_matches(xml_space).len();
        Ok(InPlace { text, element })
    }
}

/// The largest `EncryptedKey` CipherValue: an RSA ciphertext under the largest key
/// aws-lc-rs accepts (8192 bits).
const MAX_WRAPPED_LEN: usize = crate::cast::to_usize(key::MAX_BITS / 8);
/// The smallest: under a 2048-bit key.
const MIN_WRAPPED_LEN: usize = crate::cast::to_usize(key::MIN_BITS / 8);

/// Decrypts an encrypted element (`container`: `saml:EncryptedAssertion`, `EncryptedID`,
/// `EncryptedAttribute` or `samlp:NewEncryptedID`) with the first of `keys` that unwraps its
/// `EncryptedKey`. Every cryptographic failure is [`XmlencError::DecryptionFailed`], reached
/// by one path (see the [module documentation](self)).
pub fn decrypt(
    doc: &Document<'_>,
    container: NodeId,
    keys: &[DecryptionKey],
    policy: &DecryptionPolicy,
) -> Result<Decrypted, XmlencError> {
    if keys.is_empty() {
        return Err(XmlencError::NoDecryptionKeys);
    }
    // 1. Public checks: structure, algorithms, base64, lengths.
    let s = structure::read(doc, container)?;
    let label = s
        .oaep_params
        .map(|node| base64(doc, node, "OAEPparams"))
        .transpose()?;
    let method = match s.key_transport {
        KeyTransport::Rsa1_5 if !policy.allow_rsa1_5 => {
            return Err(XmlencError::AlgorithmNotAllowed {
                uri: algorithm::RSA_1_5.to_owned(),
                reason: Refusal::Rsa1_5,
            });
        }
        KeyTransport::Rsa1_5 => cipher::Unwrap::Pkcs1,
        oaep => cipher::Unwrap::Oaep(oaep.oaep()?, label.as_deref()),
    };
    const WRAPPED: &str = "an RSA ciphertext of 256 to 1024 bytes (a 2048- to 8192-bit key)";
    let wrapped = base64(doc, s.key_cipher_value, "EncryptedKey")?;
    if !(MIN_WRAPPED_LEN..=MAX_WRAPPED_LEN).contains(&wrapped.len()) {
        return Err(XmlencError::CipherValueLength {
            element: "EncryptedKey",
            len: wrapped.len(),
            expected: WRAPPED,
        });
    }
    let mut data = base64(doc, s.data_cipher_value, "EncryptedData")?;
    cipher::check_length(s.data, data.len())?;

    // 2.-4. One path: a random CEK, every key, the symmetric step whatever the CEK.
    let unwrapped = cipher::unwrap(keys, method, &wrapped, s.data.key_len())?;
    let opened = cipher::open(s.data, &unwrapped.cek, &mut data);

    // 5. One decision.
    if bool::from(unwrapped.ok & opened.ok) {
        data.copy_within(opened.start..opened.start + opened.len, 0);
        data.truncate(opened.len);
        Ok(Decrypted {
            plaintext: data,
            data: s.data,
            key_transport: s.key_transport,
            key_index: unwrapped.index,
        })
    } else {
        data.zeroize();
        Err(XmlencError::DecryptionFailed)
    }
}

/// Decodes the base64 text of `node` (its size is bounded by the document's).
fn base64(doc: &Document<'_>, node: NodeId, element: &'static str) -> Result<Vec<u8>, XmlencError> {
    decode_base64(doc.text(node).as_bytes(), usize::MAX)
        .map_err(|_| XmlencError::Base64 { element })
}

/// Encrypts `element` (the serialized XML of one element, e.g. a signed `saml:Assertion`) to
/// `key`: a fresh random CEK encrypts the element under `data`, and `transport` encrypts the
/// CEK to the key. Returns the text of one `xenc:EncryptedData` (`Type` Element) with the
/// `xenc:EncryptedKey` inside its `ds:KeyInfo`; it declares the `xenc`, `ds` and `xenc11`
/// prefixes itself, so it can be spliced anywhere. The caller wraps it in
/// `saml:EncryptedAssertion` (or `EncryptedID`, …).
///
/// `rsa-1_5` is refused, and so is an RSA-OAEP pair with differing hashes when saml-core is
/// built without its `openssl-oaep` feature. For SPs on xmlsec1 1.2
/// (pysaml2 on Debian 12, for one) use [`KeyTransport::default`] (`rsa-oaep-mgf1p`, SHA-1).
pub fn encrypt(
    element: &[u8],
    key: &EncryptionKey,
    data: DataEncryption,
    transport: KeyTransport,
) -> Result<String, XmlencError> {
    let oaep = transport.oaep()?;
    let mut cek = Zeroizing::new(vec![0u8; data.key_len()]);
    rand::fill(&mut cek).map_err(|_| XmlencError::Randomness)?;
    let ciphertext = cipher::seal(data, &cek, element)?;
    let wrapped = cipher::wrap(key, oaep, &cek)?;

    let (xenc, ds, xenc11) = (ns::XMLENC, ns::DSIG, ns::XMLENC11);
    let certificate_len = key.certificate.as_ref().map_or(0, String::len);
    let mut out = String::with_capacity(
        1200 + certificate_len + (wrapped.len() + ciphertext.len()).div_ceil(3) * 4,
    );
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "<xenc:EncryptedData xmlns:xenc=\"{xenc}\" xmlns:ds=\"{ds}\" xmlns:xenc11=\"{xenc11}\" \
         Type=\"{xenc}Element\"><xenc:EncryptionMethod Algorithm=\"{}\"/><ds:KeyInfo>\
         <xenc:EncryptedKey><xenc:EncryptionMethod Algorithm=\"{}\">",
        data.uri(),
        transport.uri()
    );
    if let Some(digest) = transport.digest() {
        let _ = write!(out, "<ds:DigestMethod Algorithm=\"{}\"/>", digest.uri());
    }
    if let KeyTransport::RsaOaep { mgf, .. } = transport {
        let _ = write!(
            out,
            "<xenc11:MGF Algorithm=\"{}\"/>",
            algorithm::mgf_uri(mgf)
        );
    }
    out.push_str("</xenc:EncryptionMethod>");
    if let Some(certificate) = &key.certificate {
        let _ = write!(
            out,
            "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate>\
             </ds:X509Data></ds:KeyInfo>"
        );
    }
    out.push_str("<xenc:CipherData><xenc:CipherValue>");
    STANDARD.encode_string(wrapped, &mut out);
    out.push_str(
        "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>\
         <xenc:CipherData><xenc:CipherValue>",
    );
    STANDARD.encode_string(&ciphertext, &mut out);
    out.push_str("</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>");
    Ok(out)
}
