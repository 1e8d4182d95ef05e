//! Shared fixtures for the attack suite.
//!
//! - Our own federation: the Org2Org pair of `tests/end_to_end.rs` (IdP Org1 signing with
//!   `rsa2048`, the attacker holding `rsa3072`, SP Org2), a fixed clock and a fresh replay
//!   cache per call.
//! - Byte-range splicing: every attack message is made by cutting and pasting the exact bytes of
//!   a validly signed message ([`Span`], [`splice`], [`without`]); nothing is ever re-serialised,
//!   so a signed element copied elsewhere keeps a valid digest.
//! - [`Forge`]: a test-only signer with every knob an attacker controls (SignatureMethod,
//!   DigestMethod, Transforms, Reference URI, prefix, KeyInfo, key or HMAC secret). Its digest
//!   and signature are computed correctly for whatever it writes, so the only thing left to
//!   reject a forged message is the one check a test targets.
//! - Asserting helpers, all `#[track_caller]`: [`rejected`] and [`accepted`], [`assert_kind`],
//!   [`assert_structural`] (the kind, and explicitly *not* a digest or signature mismatch),
//!   [`dsig_source`] and [`xml_error`] to match the precise inner error.

use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::crypto::{
    AlgorithmPolicy, DigestAlgorithm, SignatureAlgorithm, SigningKey, TrustAnchor,
};
use saml_core::dsig::{DSIG_NS, DsigError, Signer, Verifier};
use saml_core::saml::idp::{IdentityProvider, SignTarget, SpPeer, Subject};
use saml_core::saml::replay::InMemoryStore;
use saml_core::saml::sp::{ServiceProvider, VerifiedAssertion};
use saml_core::saml::{ASSERTION_NS, PROTOCOL_NS, SamlError};
use saml_core::settings::{IdpSettings, SpSettings};
use saml_core::time::{DateTime, parse_xs_datetime};
use saml_core::xml::c14n::{self, Algorithm, Method};
use saml_core::xml::{Document, NodeId, XmlError};

pub use crate::common::{anchor, cert, key, testdata, vector_anchor, vector_text};

/// The IdP's entity ID (Org1).
pub const IDP_ISSUER: &str = "http://www.okta.com/exk1org1";
/// The IdP's SSO URL.
pub const SSO_URL: &str = "https://org1.okta.com/app/org1_org2/exk1org1/sso/saml";
/// The SP's entity ID (Org2), the Audience.
pub const SP_ENTITY: &str = "https://www.okta.com/saml2/service-provider/sporg2";
/// The SP's ACS URL: Destination and Recipient.
pub const ACS: &str = "https://org2.okta.com/sso/saml2/0oa1org2";
/// The user our IdP vouches for.
pub const ALICE: &str = "alice@org1.example";
/// The identity an attacker wants to be.
pub const EVIL: &str = "admin@org1.example";
/// The ID SAMLRaider gives the evil copies (`_evil_assertion_ID`, `_evil_response_ID`).
pub const EVIL_ID: &str = "_evil_ID";

/// The SAML 2.0 protocol namespace.
pub const P: &str = PROTOCOL_NS;
/// The SAML 2.0 assertion namespace.
pub const A: &str = ASSERTION_NS;

/// A file of the repository's `tests/vectors`; `.b64` files (HTTP-POST values) are decoded.
pub fn vector(rel: &str) -> String {
    vector_text(rel)
}

/// Parses an xs:dateTime.
pub fn time(s: &str) -> DateTime {
    parse_xs_datetime(s).expect("time")
}

/// The instant our IdP issues at.
pub fn now() -> DateTime {
    time("2026-11-22T12:00:00Z")
}

/// `now()` plus `seconds`.
pub fn at(seconds: i64) -> DateTime {
    now().checked_add_seconds(seconds).expect("time")
}

/// The IdP's signer: `rsa2048`, RSA-SHA256, its certificate in KeyInfo.
pub fn idp_signer() -> Signer {
    Signer::new(key("rsa2048.pk8.pem"), Some(cert("rsa2048.cert.pem")))
}

/// The attacker's signer: `rsa3072` with its own certificate in KeyInfo.
pub fn attacker_signer() -> Signer {
    Signer::new(key("rsa3072.pk8.pem"), Some(cert("rsa3072.cert.pem")))
}

/// Our IdP (Org1), signing `sign`.
pub fn idp(sign: SignTarget) -> IdentityProvider {
    IdentityProvider::new(IDP_ISSUER, SSO_URL, idp_signer()).with_sign_target(sign)
}

/// The SP as the IdP knows it; its AuthnRequests are not signed.
pub fn sp_peer() -> SpPeer {
    saml_core::saml::idp::danger::unsigned_requests(SP_ENTITY, ACS)
}

/// Alice, with one single-valued and one two-valued attribute.
pub fn alice() -> Subject {
    Subject::new(ALICE)
        .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        .with_attribute("firstName", vec!["Alice".into()])
        .with_attribute("groups", vec!["Everyone".into(), "Staff".into()])
}

/// An unsolicited Response for Alice issued by our IdP at [`now`], signing `sign`.
pub fn issue(sign: SignTarget) -> String {
    issue_for(&alice(), sign)
}

/// An unsolicited Response for `subject` issued by our IdP at [`now`].
pub fn issue_for(subject: &Subject, sign: SignTarget) -> String {
    idp(sign)
        .issue(&sp_peer(), subject, None, now())
        .expect("our IdP issues")
}

/// The SP's view of the IdP: the IdP certificate is the only trust anchor; default scope
/// (Either), default algorithm policy, 120 s skew.
pub fn idp_settings() -> IdpSettings {
    IdpSettings::new(IDP_ISSUER, SSO_URL, vec![anchor("rsa2048.cert.pem")])
        .with_sign_requests(false)
}

/// The SP's own settings; unsolicited Responses are accepted (Org2Org sends them).
pub fn sp_settings() -> SpSettings {
    SpSettings::new(SP_ENTITY, ACS).with_unsolicited(true)
}

/// The SP with the default settings above.
pub fn sp() -> ServiceProvider {
    ServiceProvider::new(idp_settings().with_sign_requests(false), sp_settings())
        .expect("complete settings")
}

/// The SP with modified IdP settings.
pub fn sp_with(change: impl FnOnce(&mut IdpSettings)) -> ServiceProvider {
    let mut idp = idp_settings();
    change(&mut idp);
    ServiceProvider::new(idp.with_sign_requests(false), sp_settings()).expect("complete settings")
}

/// Validates at `when`, InResponseTo not tracked, with a fresh replay cache.
pub fn validate_at(
    sp: &ServiceProvider,
    xml: &str,
    when: DateTime,
) -> Result<VerifiedAssertion, SamlError> {
    sp.validate_and_commit(
        xml.as_bytes(),
        when,
        saml_core::saml::sp::danger::not_tracked(),
        &InMemoryStore::default(),
    )
}

/// Validates at one second after [`now`], InResponseTo not tracked, with a fresh replay cache.
pub fn validate(sp: &ServiceProvider, xml: &str) -> Result<VerifiedAssertion, SamlError> {
    validate_at(sp, xml, at(1))
}

/// The verified assertion; panics with the error if the SP rejects `xml` (at one second
/// after [`now`]).
#[track_caller]
pub fn accepted(sp: &ServiceProvider, xml: &str) -> VerifiedAssertion {
    accepted_at(sp, xml, at(1))
}

/// The verified assertion; panics with the error if the SP rejects `xml` at `when`.
#[track_caller]
pub fn accepted_at(sp: &ServiceProvider, xml: &str, when: DateTime) -> VerifiedAssertion {
    validate_at(sp, xml, when).unwrap_or_else(|e| panic!("rejected ({}): {e}\n{xml}", e.kind()))
}

/// The rejection; panics with the consumed identity if the SP accepts `xml` (at one second
/// after [`now`]).
#[track_caller]
pub fn rejected(sp: &ServiceProvider, xml: &str) -> SamlError {
    rejected_at(sp, xml, at(1))
}

/// The rejection; panics with the consumed identity if the SP accepts `xml` at `when`.
#[track_caller]
pub fn rejected_at(sp: &ServiceProvider, xml: &str, when: DateTime) -> SamlError {
    match validate_at(sp, xml, when) {
        Ok(v) => panic!(
            "ACCEPTED as NameID `{}` (signed: {:?}):\n{xml}",
            v.name_id().value,
            v.signed()
        ),
        Err(e) => e,
    }
}

/// Asserts the stable kind of a rejection.
#[track_caller]
pub fn assert_kind(err: &SamlError, kind: &str) {
    assert_eq!(err.kind(), kind, "wrong rejection: {err}");
}

/// Asserts that a rejection is not a digest or signature-value failure. A wrapping attack
/// spliced from exact bytes keeps every digest valid; if it is rejected for a digest mismatch,
/// the splice is wrong or the verifier digested something other than what it resolved.
#[track_caller]
pub fn assert_not_crypto(err: &SamlError) {
    assert_ne!(
        err.kind(),
        "digest_mismatch",
        "rejected for the wrong reason: {err}"
    );
    assert_ne!(
        err.kind(),
        "signature_mismatch",
        "rejected for the wrong reason: {err}"
    );
}

/// Asserts a structural rejection of the given kind ([`assert_kind`] and
/// [`assert_not_crypto`]).
#[track_caller]
pub fn assert_structural(err: &SamlError, kind: &str) {
    assert_not_crypto(err);
    assert_kind(err, kind);
}

/// The signature error inside a rejection, and which element's signature it was.
#[track_caller]
pub fn dsig_source(err: &SamlError) -> (&'static str, &DsigError) {
    match err {
        SamlError::Signature { element, source } => (element, source),
        other => panic!("not a signature error: {other:?}"),
    }
}

/// The XML error inside a rejection.
#[track_caller]
pub fn xml_error(err: &SamlError) -> &XmlError {
    match err {
        SamlError::Xml(e) => e,
        other => panic!("not an XML error: {other:?}"),
    }
}

// ------------------------------------------------------------------------------------------
// Locating elements by byte range.

/// Where an element sits in a document's text (the decoded input, which for our inputs is the
/// input itself: UTF-8, no BOM, no carriage returns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// From `<` of the start tag to `>` of the end tag.
    pub outer: Range<usize>,
    /// The content: from after the start tag to `<` of the end tag (empty at the end of a
    /// self-closing tag).
    pub inner: Range<usize>,
}

/// The span of `node`, with its content range found by scanning the start tag.
fn span_of(doc: &Document<'_>, node: NodeId) -> Span {
    let outer = doc.span(node);
    let src = doc.source().as_bytes();
    let mut quote = None;
    let mut i = outer.start;
    let start_end = loop {
        let b = src[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => break i,
            None => {}
        }
        i += 1;
    };
    let inner = if src[start_end - 1] == b'/' {
        outer.end..outer.end
    } else {
        let close = doc.source()[outer.clone()].rfind("</").expect("an end tag");
        start_end + 1..outer.start + close
    };
    Span { outer, inner }
}

/// Every element `{ns}local` in document order, the whole document searched.
pub fn all(xml: &str, ns: &str, local: &str) -> Vec<Span> {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("does not parse: {e}\n{xml}"));
    doc.descendants(NodeId::DOCUMENT)
        .filter(|&n| doc.is(n, ns, local))
        .map(|n| span_of(&doc, n))
        .collect()
}

/// The first element `{ns}local` in document order (what a `//local` lookup finds).
#[track_caller]
pub fn first(xml: &str, ns: &str, local: &str) -> Span {
    all(xml, ns, local)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {{{ns}}}{local} in\n{xml}"))
}

/// The document element.
pub fn root(xml: &str) -> Span {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("does not parse: {e}\n{xml}"));
    span_of(&doc, doc.root_element())
}

/// The first child `{ns}local` of the element at `parent`.
#[track_caller]
pub fn child(xml: &str, parent: &Span, ns: &str, local: &str) -> Span {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("does not parse: {e}\n{xml}"));
    let p = doc
        .descendants(NodeId::DOCUMENT)
        .find(|&n| doc.is_element(n) && doc.span(n) == parent.outer)
        .expect("the parent element");
    doc.element_children(p)
        .find(|&c| doc.is(c, ns, local))
        .map(|c| span_of(&doc, c))
        .unwrap_or_else(|| panic!("no child {{{ns}}}{local}"))
}

/// The Assertion that is a direct child of the document element.
#[track_caller]
pub fn assertion(xml: &str) -> Span {
    child(xml, &root(xml), A, "Assertion")
}

/// The `ds:Signature` child of the element at `parent`.
#[track_caller]
pub fn signature_in(xml: &str, parent: &Span) -> Span {
    child(xml, parent, DSIG_NS, "Signature")
}

/// The value of the unqualified attribute `name` on the element at `at`.
#[track_caller]
pub fn attribute(xml: &str, at: &Span, name: &str) -> String {
    let doc = Document::parse(xml).expect("parses");
    let n = doc
        .descendants(NodeId::DOCUMENT)
        .find(|&n| doc.is_element(n) && doc.span(n) == at.outer)
        .expect("the element");
    doc.attribute_unverified(n, name)
        .unwrap_or_else(|| panic!("no attribute {name}"))
        .to_owned()
}

/// The ID of the Assertion that is a direct child of the document element.
pub fn assertion_id(xml: &str) -> String {
    attribute(xml, &assertion(xml), "ID")
}

/// The ID of the document element.
pub fn response_id(xml: &str) -> String {
    attribute(xml, &root(xml), "ID")
}

// ------------------------------------------------------------------------------------------
// Splicing.

/// `xml` with `range` replaced by `with`.
pub fn splice(xml: &str, range: Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(xml.len() + with.len());
    out.push_str(&xml[..range.start]);
    out.push_str(with);
    out.push_str(&xml[range.end..]);
    out
}

/// `xml` with `text` inserted at byte offset `at`.
pub fn insert(xml: &str, at: usize, text: &str) -> String {
    splice(xml, at..at, text)
}

/// The exact bytes of the element at `outer`, without the element at `part` inside it (for
/// example an Assertion without its Signature).
pub fn without(xml: &str, outer: &Span, part: &Span) -> String {
    assert!(outer.outer.start <= part.outer.start && part.outer.end <= outer.outer.end);
    format!(
        "{}{}",
        &xml[outer.outer.start..part.outer.start],
        &xml[part.outer.end..outer.outer.end]
    )
}

/// `text` with its first occurrence of `from` replaced; panics if there is none.
#[track_caller]
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not found in\n{text}");
    text.replacen(from, to, 1)
}

/// `xml` with the value of attribute `name` in the start tag at byte offset `at` set to
/// `value`. The attribute must be present and double-quoted, as every input here has it.
#[track_caller]
pub fn set_attribute(xml: &str, at: usize, name: &str, value: &str) -> String {
    let tag_end = at + xml[at..].find('>').expect("a start tag");
    let tag = &xml[at..tag_end];
    let needle = format!("{name}=\"");
    let mut search = 0;
    let start = loop {
        let i = search
            + tag[search..]
                .find(&needle)
                .unwrap_or_else(|| panic!("no {name}= in `{tag}`"));
        if i > 0 && tag.as_bytes()[i - 1].is_ascii_whitespace() {
            break at + i + needle.len();
        }
        search = i + 1;
    };
    let end = start + xml[start..].find('"').expect("closing quote");
    splice(xml, start..end, value)
}

/// `xml` without any `ds:Signature` element (removed last-first, so earlier offsets stay
/// valid).
pub fn strip_signatures(xml: &str) -> String {
    let mut out = xml.to_owned();
    loop {
        let sigs = all(&out, DSIG_NS, "Signature");
        let Some(last) = sigs.last() else {
            return out;
        };
        out = splice(&out, last.outer.clone(), "");
    }
}

/// Alice's Response from our IdP with every signature removed: the base for edits that are
/// then re-signed with [`sign`].
pub fn unsigned() -> String {
    strip_signatures(&issue(SignTarget::Both))
}

/// Signs an unsigned Response with the IdP's key, exactly as our IdP does for `target`
/// (Assertion first, then the Response).
pub fn sign(xml: &str, target: SignTarget) -> String {
    sign_with(&idp_signer(), xml, target)
}

/// Signs an unsigned Response with `signer` (Assertion first, then the Response).
pub fn sign_with(signer: &Signer, xml: &str, target: SignTarget) -> String {
    let mut out = xml.to_owned();
    if matches!(target, SignTarget::Assertion | SignTarget::Both) {
        out = signer
            .sign_element(&out, &assertion_id(&out))
            .expect("signs the Assertion");
    }
    if matches!(target, SignTarget::Response | SignTarget::Both) {
        out = signer
            .sign_element(&out, &response_id(&out))
            .expect("signs the Response");
    }
    out
}

/// Alice's Response edited by `edit` (on the unsigned text), then signed by the IdP as for
/// `target`: the message is validly signed, so only a semantic check can reject it.
pub fn edited(edit: impl FnOnce(&str) -> String, target: SignTarget) -> String {
    sign(&edit(&unsigned()), target)
}

/// `xml` with the text of its first NameID replaced by `name`.
pub fn with_name_id(xml: &str, name: &str) -> String {
    splice(xml, first(xml, A, "NameID").inner, name)
}

// ------------------------------------------------------------------------------------------
// Dsig-level checks.

/// A verifier trusting only `anchors`.
pub fn verifier(anchors: Vec<TrustAnchor>, policy: AlgorithmPolicy) -> Verifier {
    Verifier::new(anchors, policy)
}

/// Verifies the enveloped signature of the element at `element`, as a verifier that is told
/// which element to check (goxmldsig's `Validate(el)`) would. Returns the signed element's
/// local name.
pub fn verify_element(xml: &str, element: &Span, v: &Verifier) -> Result<String, DsigError> {
    let doc = Document::parse(xml)?;
    let node = doc
        .descendants(NodeId::DOCUMENT)
        .find(|&n| doc.is_element(n) && doc.span(n) == element.outer)
        .expect("the element");
    let verified = v.verify_element(&doc, node)?;
    Ok(doc.local_name(verified.element()).to_owned())
}

// ------------------------------------------------------------------------------------------
// Forged signatures.

/// The `URI` attribute of a [`Forge`]'s Reference.
#[derive(Clone, Debug)]
pub enum Reference {
    /// `#` + the signed element's `ID` (empty if it has none), as the SAML profile wants.
    OwnId,
    /// Any URI, written as given.
    Uri(String),
    /// No `URI` attribute at all.
    Absent,
}

/// What computes the SignatureValue of a [`Forge`].
pub enum ForgeKey {
    /// A private key and the algorithm it really signs with (whatever URI is written).
    Key(Box<SigningKey>, SignatureAlgorithm),
    /// An HMAC with a secret the attacker knows (for example the IdP's public certificate).
    Hmac(aws_lc_rs::hmac::Algorithm, Vec<u8>),
    /// A signature made outside the test (by `openssl dgst`) over [`Forge::place`]'s canonical
    /// SignedInfo, for keys and algorithms our signer refuses.
    Precomputed(Vec<u8>),
}

/// A test-only enveloped signer that writes whatever an attacker chooses and computes the
/// digest and signature correctly for it: exclusive c14n of the element (which must not carry
/// a Signature yet) hashed with [`digest`](Self::digest), then exclusive c14n of the
/// SignedInfo in its final place, signed with [`key`](Self::key).
pub struct Forge {
    /// The prefix bound to the XML Signature namespace (`""` for a default namespace).
    pub prefix: String,
    /// The namespace URI written for that prefix (the real one unless testing look-alikes).
    pub namespace: String,
    /// The SignatureMethod URI written.
    pub signature_method: String,
    /// The DigestMethod URI written.
    pub digest_method: String,
    /// The digest really computed.
    pub digest: DigestAlgorithm,
    /// The whole `Transforms` element, or `None` for enveloped-signature then exc-c14n.
    pub transforms: Option<String>,
    /// The Reference's URI attribute.
    pub reference: Reference,
    /// Extra markup inside `SignatureMethod` (for `HMACOutputLength`).
    pub signature_method_content: String,
    /// The whole `KeyInfo` element, if any.
    pub key_info: Option<String>,
    /// What signs.
    pub key: ForgeKey,
}

impl Forge {
    /// RSA-SHA256 and SHA-256 with the IdP's key, like our IdP, no KeyInfo.
    pub fn idp() -> Self {
        Self::with_key(ForgeKey::Key(
            Box::new(key("rsa2048.pk8.pem")),
            SignatureAlgorithm::RsaSha256,
        ))
    }

    /// RSA-SHA256 URIs and SHA-256, signed by `key`.
    pub fn with_key(key: ForgeKey) -> Self {
        Self {
            prefix: "ds".into(),
            namespace: DSIG_NS.into(),
            signature_method: SignatureAlgorithm::RsaSha256.uri().into(),
            digest_method: DigestAlgorithm::Sha256.uri().into(),
            digest: DigestAlgorithm::Sha256,
            transforms: None,
            reference: Reference::OwnId,
            signature_method_content: String::new(),
            key_info: None,
            key,
        }
    }

    /// The qualified name of a dsig element with this prefix.
    pub fn q(&self, local: &str) -> String {
        if self.prefix.is_empty() {
            local.to_owned()
        } else {
            format!("{}:{local}", self.prefix)
        }
    }

    /// A `Transform` element for `uri` with optional content.
    pub fn transform(&self, uri: &str, content: &str) -> String {
        let t = self.q("Transform");
        format!("<{t} Algorithm=\"{uri}\">{content}</{t}>")
    }

    /// A `Transforms` element holding `transforms`.
    pub fn transforms_of(&self, transforms: &[String]) -> String {
        let t = self.q("Transforms");
        format!("<{t}>{}</{t}>", transforms.concat())
    }

    /// The Signature element as written, SignatureValue empty. `uri` is the whole ` URI="…"`
    /// attribute (or nothing).
    fn template(&self, uri: &str, digest: &str) -> String {
        let q = |l: &str| self.q(l);
        let decl = if self.prefix.is_empty() {
            format!("xmlns=\"{}\"", self.namespace)
        } else {
            format!("xmlns:{}=\"{}\"", self.prefix, self.namespace)
        };
        let transforms = self.transforms.clone().unwrap_or_else(|| {
            self.transforms_of(&[
                self.transform(saml_core::dsig::ENVELOPED_SIGNATURE, ""),
                self.transform(c14n::EXC_C14N, ""),
            ])
        });
        format!(
            "<{sig} {decl}><{si}><{cm} Algorithm=\"{exc}\"/><{sm} Algorithm=\"{smu}\">{smc}</{sm}>\
             <{r}{uri}>{transforms}<{dm} Algorithm=\"{dmu}\"/><{dv}>{digest}</{dv}></{r}>\
             </{si}><{sv}></{sv}>{ki}</{sig}>",
            sig = q("Signature"),
            si = q("SignedInfo"),
            cm = q("CanonicalizationMethod"),
            exc = c14n::EXC_C14N,
            sm = q("SignatureMethod"),
            smu = self.signature_method,
            smc = self.signature_method_content,
            r = q("Reference"),
            dm = q("DigestMethod"),
            dmu = self.digest_method,
            dv = q("DigestValue"),
            sv = q("SignatureValue"),
            ki = self.key_info.clone().unwrap_or_default(),
        )
    }

    /// Signs the element whose start tag begins at byte `element_start` of `xml`. The
    /// Signature goes after a leading `saml:Issuer` child, else first.
    pub fn sign(&self, xml: &str, element_start: usize) -> String {
        let (placed, canonical, value_at) = self.place(xml, element_start);
        let signature = match &self.key {
            ForgeKey::Key(k, alg) => k.sign(*alg, &canonical).expect("signs"),
            ForgeKey::Hmac(alg, secret) => {
                let k = aws_lc_rs::hmac::Key::new(*alg, secret);
                aws_lc_rs::hmac::sign(&k, &canonical).as_ref().to_vec()
            }
            ForgeKey::Precomputed(signature) => signature.clone(),
        };
        insert(&placed, value_at, &STANDARD.encode(signature))
    }

    /// The document with the Signature template in place (SignatureValue empty), the
    /// canonical SignedInfo that the SignatureValue must sign, and where its text goes.
    pub fn place(&self, xml: &str, element_start: usize) -> (String, Vec<u8>, usize) {
        let exclusive = Method::new(Algorithm::Exclusive, false);
        let doc = Document::parse(xml).expect("parses");
        let node = doc
            .descendants(NodeId::DOCUMENT)
            .find(|&n| doc.is_element(n) && doc.span(n).start == element_start)
            .expect("an element starts there");
        let canonical = c14n::to_vec(&doc, Some(node), None, &exclusive).expect("c14n");
        let digest = STANDARD.encode(self.digest.digest(&canonical).as_ref());
        let uri = match &self.reference {
            Reference::OwnId => format!(
                " URI=\"#{}\"",
                doc.attribute_unverified(node, "ID").unwrap_or_default()
            ),
            Reference::Uri(uri) => format!(" URI=\"{uri}\""),
            Reference::Absent => String::new(),
        };
        let span = span_of(&doc, node);
        assert_ne!(
            span.inner.start, span.outer.end,
            "cannot sign a self-closing element"
        );
        let at = match doc.element_children(node).next() {
            Some(c) if doc.is(c, A, "Issuer") => doc.span(c).end,
            _ => span.inner.start,
        };
        let placed = insert(xml, at, &self.template(&uri, &digest));
        drop(doc);

        let (canonical, value_at) = {
            let doc = Document::parse(&placed).expect("parses once signed");
            let sig = doc
                .descendants(NodeId::DOCUMENT)
                .find(|&n| doc.is_element(n) && doc.span(n).start == at)
                .expect("the inserted Signature");
            let kids: Vec<NodeId> = doc.element_children(sig).collect();
            let (signed_info, value) = (kids[0], kids[1]);
            let canonical = c14n::to_vec(&doc, Some(signed_info), None, &exclusive).expect("c14n");
            (canonical, span_of(&doc, value).inner.start)
        };
        (placed, canonical, value_at)
    }
}

/// Alice's unsigned Response with its Assertion forged-signed by `forge` (Response unsigned).
pub fn forged_assertion(forge: &Forge) -> String {
    let base = unsigned();
    forge.sign(&base, assertion(&base).outer.start)
}
