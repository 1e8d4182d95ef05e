//! The two logout messages as verified values, the text of outgoing ones, and the stateless
//! checks on incoming ones (decode, parse, signature, Issuer, Destination, time, content).
//!
//! It owns no state: replay and InResponseTo matching are the commit step's
//! ([`super::UnreplayedLogoutRequest`], [`super::UnmatchedLogoutResponse`]).

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{
    LOGOUT_LIFETIME_SECONDS, STATUS_PARTIAL_LOGOUT, STATUS_REQUESTER, STATUS_RESPONDER,
    STATUS_UNKNOWN_PRINCIPAL,
};
use crate::binding::{self, DecodeLimits, Encoding, RedirectQuery};
use crate::dsig::redirect::{self, sign_query};
use crate::dsig::{Signer, Verified, Verifier};
use crate::saml::error::SamlError;
use crate::saml::message::{escape, new_id, plus};
use crate::saml::sp::{NameId, check_not_future, check_window};
use crate::saml::{ASSERTION_NS, PROTOCOL_NS, STATUS_SUCCESS};
use crate::settings::Binding;
use crate::time::{DateTime, parse_xs_datetime};
use crate::xml::{Document, Limits, NodeId, trim_xml};
use crate::xmlenc::{DecryptionKey, DecryptionPolicy, XmlencError};

/// A logout message as it arrived at our Single Logout URL, before anything is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incoming<'a> {
    /// HTTP-POST (SAML Bindings §3.5): the `SAMLRequest` or `SAMLResponse` form value (base64
    /// of the XML, form-decoded by the web framework) and the `RelayState` form value.
    Post {
        /// The `SAMLRequest`/`SAMLResponse` form value.
        saml: &'a str,
        /// The `RelayState` form value, if any.
        relay_state: Option<&'a str>,
    },
    /// HTTP-Redirect (SAML Bindings §3.4): the raw query string (or whole URL) exactly as
    /// received, never re-encoded, because its signature covers the octets as sent.
    Redirect {
        /// The query string or URL as received.
        query: &'a str,
    },
}

impl<'a> Incoming<'a> {
    /// An HTTP-POST message.
    pub fn post(saml: &'a str, relay_state: Option<&'a str>) -> Self {
        Self::Post { saml, relay_state }
    }

    /// An HTTP-Redirect message: the raw query string or URL.
    pub fn redirect(query: &'a str) -> Self {
        Self::Redirect { query }
    }
}

/// A `samlp:Status` of a LogoutResponse: the top-level code, the optional second-level code
/// and StatusMessage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogoutStatus {
    /// The top-level StatusCode (Success, Requester, Responder, VersionMismatch).
    pub code: String,
    /// The nested second-level StatusCode, if any (PartialLogout, UnknownPrincipal, …).
    pub second_level: Option<String>,
    /// The StatusMessage, if any.
    pub message: Option<String>,
}

/// What a LogoutResponse says happened, read from its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LogoutOutcome {
    /// Any other status: the peer could not log the user out (the status says why).
    Failed,
    /// The second-level code is PartialLogout: some sessions could not be ended.
    PartialLogout,
    /// Top-level Success (and no PartialLogout).
    Success,
}

impl LogoutStatus {
    /// Success.
    pub fn success() -> Self {
        Self {
            code: STATUS_SUCCESS.to_owned(),
            second_level: None,
            message: None,
        }
    }

    /// Responder with the second-level PartialLogout: some participants were not logged out.
    pub fn partial_logout() -> Self {
        Self {
            code: STATUS_RESPONDER.to_owned(),
            second_level: Some(STATUS_PARTIAL_LOGOUT.to_owned()),
            message: None,
        }
    }

    /// Requester with the second-level UnknownPrincipal: no session of this principal is known.
    pub fn unknown_principal() -> Self {
        Self {
            code: STATUS_REQUESTER.to_owned(),
            second_level: Some(STATUS_UNKNOWN_PRINCIPAL.to_owned()),
            message: None,
        }
    }

    /// Responder: the logout failed on our side.
    pub fn responder(message: impl Into<String>) -> Self {
        Self {
            code: STATUS_RESPONDER.to_owned(),
            second_level: None,
            message: Some(message.into()),
        }
    }

    /// Sets the StatusMessage.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// What the status means: PartialLogout whenever that second-level code is present (some
    /// peers send it under Success), else Success for a top-level Success, else Failed.
    pub fn outcome(&self) -> LogoutOutcome {
        if self.second_level.as_deref() == Some(STATUS_PARTIAL_LOGOUT) {
            LogoutOutcome::PartialLogout
        } else if self.code == STATUS_SUCCESS {
            LogoutOutcome::Success
        } else {
            LogoutOutcome::Failed
        }
    }

    /// The codes, outermost first, joined by ` / ` (for logs).
    pub fn codes(&self) -> String {
        match &self.second_level {
            Some(s) => format!("{} / {s}", self.code),
            None => self.code.clone(),
        }
    }
}

/// What both logout messages carry besides their content: who sent which message, when, to
/// where, and how it came. Read only from what the signature covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Envelope {
    pub(super) id: String,
    pub(super) issuer: String,
    pub(super) issue_instant: DateTime,
    pub(super) destination: Option<String>,
    pub(super) signed: bool,
    pub(super) binding: Binding,
    pub(super) relay_state: Option<String>,
}

/// The accessors of the [`Envelope`] fields, the same on [`LogoutRequest`] and
/// [`LogoutResponse`].
macro_rules! envelope_accessors {
    ($id:literal, $destination:literal, $relay_state:literal) => {
        #[doc = $id]
        pub fn id(&self) -> &str {
            &self.envelope.id
        }

        /// Its Issuer: the peer's entity ID.
        pub fn issuer(&self) -> &str {
            &self.envelope.issuer
        }

        /// Its IssueInstant.
        pub fn issue_instant(&self) -> DateTime {
            self.envelope.issue_instant
        }

        #[doc = $destination]
        pub fn destination(&self) -> Option<&str> {
            self.envelope.destination.as_deref()
        }

        /// Whether a signature verified (false only under a `danger` opt-out).
        pub fn signed(&self) -> bool {
            self.envelope.signed
        }

        /// The binding it arrived by.
        pub fn binding(&self) -> Binding {
            self.envelope.binding
        }

        #[doc = $relay_state]
        pub fn relay_state(&self) -> Option<&str> {
            self.envelope.relay_state.as_deref()
        }
    };
}

/// A verified LogoutRequest: plain owned data read only from what the signature covered (or,
/// only under a `danger` opt-out, from an unsigned message). No public constructor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutRequest {
    pub(super) envelope: Envelope,
    pub(super) not_on_or_after: Option<DateTime>,
    pub(super) name_id: NameId,
    pub(super) name_id_encrypted: bool,
    pub(super) session_indexes: Vec<String>,
    pub(super) reason: Option<String>,
}

impl LogoutRequest {
    envelope_accessors!(
        "Its ID (answered with InResponseTo).",
        "Its Destination (equal to our Single Logout URL when present; always present when \
         signed).",
        "The RelayState that came with it (not covered by an HTTP-POST signature), to be \
         returned with the LogoutResponse."
    );

    /// Its NotOnOrAfter, if any.
    pub fn not_on_or_after(&self) -> Option<DateTime> {
        self.not_on_or_after
    }

    /// The principal to log out (decrypted when it came as EncryptedID).
    pub fn name_id(&self) -> &NameId {
        &self.name_id
    }

    /// Whether the NameID came encrypted (EncryptedID).
    pub fn name_id_encrypted(&self) -> bool {
        self.name_id_encrypted
    }

    /// The SessionIndex values, in document order (none means every session of the
    /// principal, SAML core §3.7.1).
    pub fn session_indexes(&self) -> &[String] {
        &self.session_indexes
    }

    /// The Reason attribute, if any (e.g. `urn:oasis:names:tc:SAML:2.0:logout:user`).
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

/// A verified LogoutResponse: plain owned data read only from what the signature covered.
/// No public constructor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutResponse {
    pub(super) envelope: Envelope,
    pub(super) in_response_to: Option<String>,
    pub(super) status: LogoutStatus,
}

impl LogoutResponse {
    envelope_accessors!(
        "Its ID.",
        "Its Destination.",
        "The RelayState that came with it."
    );

    /// The LogoutRequest ID it answers. After a commit, one of ours, consumed.
    pub fn in_response_to(&self) -> Option<&str> {
        self.in_response_to.as_deref()
    }

    /// The status.
    pub fn status(&self) -> &LogoutStatus {
        &self.status
    }

    /// What the status means ([`LogoutStatus::outcome`]). A non-success status is not an
    /// error: the message verified, and the application shows the user what happened.
    pub fn outcome(&self) -> LogoutOutcome {
        self.status.outcome()
    }
}

/// A verified logout message of either kind, before its commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LogoutMessage {
    /// A LogoutRequest.
    Request(LogoutRequest),
    /// A LogoutResponse.
    Response(LogoutResponse),
}

/// The fields of one logout message that [`super::verify`] checked: every stateless check
/// passed, but nothing was checked for replay or matched against a pending request. It is for
/// tools that inspect a capture (`saml-verify`), and deliberately a different type from
/// [`LogoutRequest`] and [`LogoutResponse`], which only a commit to the stores hands out: an
/// inspected request cannot be answered or propagated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InspectedLogout {
    /// `LogoutRequest` or `LogoutResponse`.
    pub message: &'static str,
    /// Its ID.
    pub id: String,
    /// Its Issuer (equal to the expected peer).
    pub issuer: String,
    /// Its IssueInstant.
    pub issue_instant: DateTime,
    /// Its Destination.
    pub destination: Option<String>,
    /// Whether a signature verified (false only under [`super::danger::accept_unsigned`]).
    pub signed: bool,
    /// The binding it arrived by.
    pub binding: Binding,
    /// The RelayState that came with it.
    pub relay_state: Option<String>,
    /// A LogoutRequest's NameID (decrypted when it came as EncryptedID).
    pub name_id: Option<NameId>,
    /// Whether that NameID came encrypted.
    pub name_id_encrypted: bool,
    /// A LogoutRequest's SessionIndex values.
    pub session_indexes: Vec<String>,
    /// A LogoutRequest's Reason.
    pub reason: Option<String>,
    /// A LogoutRequest's NotOnOrAfter.
    pub not_on_or_after: Option<DateTime>,
    /// A LogoutResponse's InResponseTo.
    pub in_response_to: Option<String>,
    /// A LogoutResponse's status.
    pub status: Option<LogoutStatus>,
}

impl InspectedLogout {
    /// The envelope of a `message`, none of its content.
    fn envelope(message: &'static str, envelope: Envelope) -> Self {
        Self {
            message,
            id: envelope.id,
            issuer: envelope.issuer,
            issue_instant: envelope.issue_instant,
            destination: envelope.destination,
            signed: envelope.signed,
            binding: envelope.binding,
            relay_state: envelope.relay_state,
            name_id: None,
            name_id_encrypted: false,
            session_indexes: Vec::new(),
            reason: None,
            not_on_or_after: None,
            in_response_to: None,
            status: None,
        }
    }
}

impl From<LogoutMessage> for InspectedLogout {
    fn from(message: LogoutMessage) -> Self {
        match message {
            LogoutMessage::Request(r) => Self {
                name_id: Some(r.name_id),
                name_id_encrypted: r.name_id_encrypted,
                session_indexes: r.session_indexes,
                reason: r.reason,
                not_on_or_after: r.not_on_or_after,
                ..Self::envelope("LogoutRequest", r.envelope)
            },
            LogoutMessage::Response(r) => Self {
                in_response_to: r.in_response_to,
                status: Some(r.status),
                ..Self::envelope("LogoutResponse", r.envelope)
            },
        }
    }
}

/// How an outgoing logout message reaches the peer through the browser.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// An auto-submitting HTML page (serve it with `200 OK`, `Content-Type: text/html`,
    /// `Cache-Control: no-store`).
    PostForm(String),
    /// A URL to redirect the browser to (`302 Found` or `303 See Other`).
    RedirectUrl(String),
}

/// A signed LogoutRequest or LogoutResponse ready to send.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OutgoingLogout {
    /// Its ID (for a LogoutRequest: pending in the request store under
    /// `logout:` + ID once recorded).
    pub id: String,
    /// The peer's Single Logout URL it goes to (its Destination).
    pub destination: String,
    /// The binding it travels by.
    pub binding: Binding,
    /// The XML: for HTTP-POST with its enveloped signature; for HTTP-Redirect unsigned (the
    /// signature is in the query).
    pub xml: String,
    /// Whether it is signed (always when we have a key).
    pub signed: bool,
    /// The page or URL that carries it.
    pub delivery: Delivery,
}

impl OutgoingLogout {
    /// The HTTP-POST page, when the binding is HTTP-POST.
    pub fn post_form(&self) -> Option<&str> {
        match &self.delivery {
            Delivery::PostForm(html) => Some(html),
            Delivery::RedirectUrl(_) => None,
        }
    }

    /// The redirect URL, when the binding is HTTP-Redirect.
    pub fn redirect_url(&self) -> Option<&str> {
        match &self.delivery {
            Delivery::RedirectUrl(url) => Some(url),
            Delivery::PostForm(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Building.

/// Who sends a message and how: our entity ID, our signer, the peer's SLO endpoint.
pub(crate) struct Sender<'s> {
    pub(crate) issuer: &'s str,
    pub(crate) signer: Option<&'s Signer>,
    pub(crate) destination: &'s str,
    pub(crate) binding: Binding,
}

/// The NameID element for `name_id`, with its qualifiers.
fn name_id_xml(out: &mut String, name_id: &NameId) {
    out.push_str("<saml:NameID");
    if let Some(q) = &name_id.name_qualifier {
        let _ = write!(out, " NameQualifier=\"{}\"", escape(q));
    }
    if let Some(q) = &name_id.sp_name_qualifier {
        let _ = write!(out, " SPNameQualifier=\"{}\"", escape(q));
    }
    if let Some(f) = &name_id.format {
        let _ = write!(out, " Format=\"{}\"", escape(f));
    }
    let _ = write!(out, ">{}</saml:NameID>", escape(&name_id.value));
}

impl Sender<'_> {
    /// A LogoutRequest for `name_id` and `session_indexes`, valid for
    /// [`LOGOUT_LIFETIME_SECONDS`], signed and encoded for the peer's binding.
    pub(crate) fn request(
        &self,
        name_id: &NameId,
        session_indexes: &[String],
        reason: Option<&str>,
        relay_state: Option<&str>,
        now: DateTime,
    ) -> Result<OutgoingLogout, SamlError> {
        let (id, mut xml) = self.start("LogoutRequest", now)?;
        let _ = write!(
            xml,
            " NotOnOrAfter=\"{}\"",
            plus(now, LOGOUT_LIFETIME_SECONDS)
        );
        if let Some(reason) = reason {
            let _ = write!(xml, " Reason=\"{}\"", escape(reason));
        }
        let _ = write!(xml, "><saml:Issuer>{}</saml:Issuer>", escape(self.issuer));
        name_id_xml(&mut xml, name_id);
        for index in session_indexes {
            let _ = write!(
                xml,
                "<samlp:SessionIndex>{}</samlp:SessionIndex>",
                escape(index)
            );
        }
        xml.push_str("</samlp:LogoutRequest>");
        self.send(id, xml, "SAMLRequest", relay_state)
    }

    /// A LogoutResponse answering `in_response_to` with `status`.
    pub(crate) fn response(
        &self,
        in_response_to: &str,
        status: &LogoutStatus,
        relay_state: Option<&str>,
        now: DateTime,
    ) -> Result<OutgoingLogout, SamlError> {
        let (id, mut xml) = self.start("LogoutResponse", now)?;
        let _ = write!(
            xml,
            " InResponseTo=\"{irt}\"><saml:Issuer>{issuer}</saml:Issuer>\
             <samlp:Status><samlp:StatusCode Value=\"{code}\"",
            irt = escape(in_response_to),
            issuer = escape(self.issuer),
            code = escape(&status.code),
        );
        match &status.second_level {
            Some(second) => {
                let _ = write!(
                    xml,
                    "><samlp:StatusCode Value=\"{}\"/></samlp:StatusCode>",
                    escape(second)
                );
            }
            None => xml.push_str("/>"),
        }
        if let Some(message) = &status.message {
            let _ = write!(
                xml,
                "<samlp:StatusMessage>{}</samlp:StatusMessage>",
                escape(message)
            );
        }
        xml.push_str("</samlp:Status></samlp:LogoutResponse>");
        self.send(id, xml, "SAMLResponse", relay_state)
    }

    /// A new ID and the open start tag of `element` with it, up to its Destination: what a
    /// LogoutRequest and a LogoutResponse begin with alike.
    fn start(&self, element: &str, now: DateTime) -> Result<(String, String), SamlError> {
        let id = new_id().map_err(|_| SamlError::Randomness)?;
        let mut xml = String::with_capacity(1024);
        let _ = write!(
            xml,
            "<samlp:{element} xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" \
             ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{dest}\"",
            dest = escape(self.destination),
        );
        Ok((id, xml))
    }

    /// Signs (when we have a key) and encodes for the binding: HTTP-POST gets an enveloped
    /// signature (exclusive c14n) and a form; HTTP-Redirect gets DEFLATE, base64 and the
    /// query signature over the octets sent.
    fn send(
        &self,
        id: String,
        mut xml: String,
        parameter: &str,
        relay_state: Option<&str>,
    ) -> Result<OutgoingLogout, SamlError> {
        let delivery = match (self.binding, self.signer) {
            (Binding::HttpRedirect, signer) => {
                let encoded = binding::encode_redirect(xml.as_bytes());
                let query = match signer {
                    Some(signer) => sign_query(parameter, &encoded, relay_state, signer)
                        .map_err(SamlError::Signing)?,
                    None => {
                        let mut q = format!("{parameter}={encoded}");
                        if let Some(rs) = relay_state {
                            q.push_str("&RelayState=");
                            q.push_str(&binding::url_encode(rs));
                        }
                        q
                    }
                };
                let sep = if self.destination.contains('?') {
                    '&'
                } else {
                    '?'
                };
                Delivery::RedirectUrl(format!("{}{sep}{query}", self.destination))
            }
            (_, signer) => {
                if let Some(signer) = signer {
                    xml = signer.sign_element(&xml, &id).map_err(SamlError::Signing)?;
                }
                Delivery::PostForm(binding::post_form(
                    self.destination,
                    parameter,
                    &binding::encode_post(xml.as_bytes()),
                    relay_state,
                ))
            }
        };
        Ok(OutgoingLogout {
            id,
            destination: self.destination.to_owned(),
            binding: self.binding,
            xml,
            signed: self.signer.is_some(),
            delivery,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Receiving.

/// The peer a message is checked against: its entity ID, its pinned keys, and what we accept.
pub(crate) struct Peer<'p> {
    pub(crate) issuer: &'p str,
    pub(crate) verifier: Verifier,
    pub(crate) accept_unsigned: bool,
    pub(crate) decryption: Option<(&'p [DecryptionKey], &'p DecryptionPolicy)>,
}

/// What every incoming message is checked with on our side.
pub(crate) struct Receiver<'r> {
    /// Our Single Logout URL: the Destination expected.
    pub(crate) our_url: &'r str,
    /// Max clock skew, in seconds.
    pub(crate) skew: i64,
    pub(crate) limits: &'r Limits,
}

/// The logout message's element, and whether a signature covers it. Values are read only
/// through it. Only [`Receiver::receive`] makes one: from a [`Verified`] token that covers the
/// document element (HTTP-POST), after the query signature over the whole message verified
/// (HTTP-Redirect), or unsigned when the peer's `danger` opt-out allows it.
struct Signed<'d, 'a> {
    doc: &'d Document<'a>,
    root: NodeId,
    signed: bool,
}

impl<'d, 'a> Signed<'d, 'a> {
    fn enveloped(verified: &Verified<'d, 'a>, root: NodeId) -> Option<Self> {
        verified.covers(root).then_some(Self {
            doc: verified.document(),
            root,
            signed: true,
        })
    }

    fn attr(&self, node: NodeId, name: &str) -> Option<&'d str> {
        debug_assert!(self.doc.is_inside(node, self.root));
        self.doc.attribute(node, name)
    }

    fn text(&self, node: NodeId) -> Cow<'d, str> {
        debug_assert!(self.doc.is_inside(node, self.root));
        self.doc.text(node)
    }

    fn children<'s>(&'s self, ns: &'s str, local: &'s str) -> impl Iterator<Item = NodeId> + 's {
        self.doc
            .element_children(self.root)
            .filter(move |&c| self.doc.is(c, ns, local))
    }

    fn child(&self, ns: &str, local: &str) -> Option<NodeId> {
        self.children(ns, local).next()
    }

    fn time(&self, name: &'static str) -> Result<Option<DateTime>, SamlError> {
        match self.attr(self.root, name) {
            None => Ok(None),
            Some(v) => parse_xs_datetime(v)
                .map(Some)
                .map_err(|source| SamlError::InvalidTime {
                    element: self.doc.local_name(self.root).to_owned(),
                    attribute: name,
                    source,
                }),
        }
    }
}

/// `LogoutRequest` or `LogoutResponse`, or the refusal of any other document element.
fn message_name(doc: &Document<'_>, root: NodeId) -> Result<&'static str, SamlError> {
    if doc.is(root, PROTOCOL_NS, "LogoutRequest") {
        Ok("LogoutRequest")
    } else if doc.is(root, PROTOCOL_NS, "LogoutResponse") {
        Ok("LogoutResponse")
    } else {
        Err(SamlError::NotALogoutMessage {
            expected: "LogoutRequest or LogoutResponse",
            found: doc.qualified_name(root).into_owned(),
        })
    }
}

/// The Issuer as the message states it, before anything is verified: used only to choose
/// which peer's pinned keys verify the message (as KeyInfo may choose among pinned keys),
/// never as a value. The verified Issuer is compared with the chosen peer afterwards.
fn issuer_unverified(doc: &Document<'_>) -> Option<String> {
    let root = doc.root_element();
    doc.element_children(root)
        .find(|&c| doc.is(c, ASSERTION_NS, "Issuer"))
        .map(|i| trim_xml(&doc.text_unverified(i)).to_owned())
}

fn sig_err(element: &'static str) -> impl Fn(crate::dsig::DsigError) -> SamlError {
    move |source| SamlError::Signature { element, source }
}

impl Receiver<'_> {
    /// Decodes, parses and verifies `incoming`, choosing the peer with `select` (given the
    /// unverified Issuer), then runs every stateless check. Returns the message and the
    /// peer's entity ID.
    pub(crate) fn receive<'p>(
        &self,
        incoming: &Incoming<'_>,
        select: impl FnOnce(Option<&str>) -> Result<Peer<'p>, SamlError>,
        now: DateTime,
    ) -> Result<LogoutMessage, SamlError> {
        let decode_limits = DecodeLimits::default();
        match *incoming {
            Incoming::Post { saml, relay_state } => {
                let decoded = binding::decode(saml.as_bytes(), &decode_limits)?;
                if decoded.encoding != Encoding::Base64 {
                    return Err(SamlError::LogoutEncoding {
                        binding: "HTTP-POST",
                        expected: "base64 of the XML",
                        found: format!("{:?}", decoded.encoding),
                    });
                }
                let doc = Document::parse_bytes(&decoded.xml, self.limits)?;
                let root = doc.root_element();
                let name = message_name(&doc, root)?;
                let peer = select(issuer_unverified(&doc).as_deref())?;
                let verified = match Verifier::signature_of(&doc, root).map_err(sig_err(name))? {
                    Some(s) => Some(peer.verifier.verify(&doc, s).map_err(sig_err(name))?),
                    None => None,
                };
                let view = match &verified {
                    Some(v) => Signed::enveloped(v, root)
                        .ok_or(SamlError::LogoutNotSigned { message: name })?,
                    None if peer.accept_unsigned => Signed {
                        doc: &doc,
                        root,
                        signed: false,
                    },
                    None => return Err(SamlError::LogoutNotSigned { message: name }),
                };
                self.read(
                    &view,
                    name,
                    &peer,
                    Binding::HttpPost,
                    relay_state.map(str::to_owned),
                    now,
                )
            }
            Incoming::Redirect { query } => {
                // One split of the query: the signature is checked over its octets, and the
                // message and RelayState are decoded from the same value (invariant 10).
                let query = RedirectQuery::parse(query, &decode_limits)?;
                let decoded = query.decode(&decode_limits)?;
                let doc = Document::parse_bytes(&decoded.xml, self.limits)?;
                let root = doc.root_element();
                let name = message_name(&doc, root)?;
                let parameter = if name == "LogoutRequest" {
                    "SAMLRequest"
                } else {
                    "SAMLResponse"
                };
                if query.parameter() != parameter {
                    return Err(SamlError::NotALogoutMessage {
                        expected: if parameter == "SAMLRequest" {
                            "LogoutResponse (the SAMLResponse parameter)"
                        } else {
                            "LogoutRequest (the SAMLRequest parameter)"
                        },
                        found: name.to_owned(),
                    });
                }
                let peer = select(issuer_unverified(&doc).as_deref())?;
                let signed = if query.has_signature() {
                    redirect::verify(&query, &peer.verifier)
                        .map_err(sig_err("HTTP-Redirect query"))?;
                    true
                } else if peer.accept_unsigned {
                    false
                } else {
                    return Err(SamlError::LogoutNotSigned { message: name });
                };
                // The query signature covers the whole message.
                let view = Signed {
                    doc: &doc,
                    root,
                    signed,
                };
                self.read(
                    &view,
                    name,
                    &peer,
                    Binding::HttpRedirect,
                    decoded.relay_state,
                    now,
                )
            }
        }
    }

    /// Every check that needs no state, reading only through `view`.
    fn read(
        &self,
        view: &Signed<'_, '_>,
        name: &'static str,
        peer: &Peer<'_>,
        binding: Binding,
        relay_state: Option<String>,
        now: DateTime,
    ) -> Result<LogoutMessage, SamlError> {
        let root = view.root;
        // ID is a required xs:ID, never empty: an empty one would give every such request the
        // same replay key and answer InResponseTo="".
        let id = view
            .attr(root, "ID")
            .filter(|id| !trim_xml(id).is_empty())
            .ok_or(SamlError::MissingAttribute {
                element: name,
                attribute: "ID",
            })?
            .to_owned();
        let issuer = view
            .child(ASSERTION_NS, "Issuer")
            .map(|i| trim_xml(&view.text(i)).to_owned());
        if issuer.as_deref() != Some(peer.issuer) {
            return Err(SamlError::IssuerMismatch {
                element: name,
                expected: peer.issuer.to_owned(),
                found: issuer,
            });
        }
        // Destination: when present it must be our SLO URL; a signed message must carry it
        // (Bindings §3.4.5.2, §3.5.5.2), else one signed for another SP could be replayed here.
        let destination = view.attr(root, "Destination");
        match destination {
            Some(dest) if dest != self.our_url => {
                return Err(SamlError::LogoutDestinationMismatch {
                    message: name,
                    expected: self.our_url.to_owned(),
                    found: dest.to_owned(),
                });
            }
            None if view.signed => {
                return Err(SamlError::LogoutMissingDestination {
                    message: name,
                    expected: self.our_url.to_owned(),
                });
            }
            _ => {}
        }
        let issued = view
            .time("IssueInstant")?
            .ok_or(SamlError::MissingAttribute {
                element: name,
                attribute: "IssueInstant",
            })?;
        check_not_future(name, issued, now, self.skew)?;
        let envelope = Envelope {
            id,
            issuer: peer.issuer.to_owned(),
            issue_instant: issued,
            destination: destination.map(str::to_owned),
            signed: view.signed,
            binding,
            relay_state,
        };
        if name == "LogoutRequest" {
            let not_on_or_after = view.time("NotOnOrAfter")?;
            // Without NotOnOrAfter a request is accepted for LOGOUT_LIFETIME_SECONDS after
            // its IssueInstant: the replay cache must be able to outlive its acceptance.
            let until = not_on_or_after.unwrap_or_else(|| plus(issued, LOGOUT_LIFETIME_SECONDS));
            check_window(name, None, Some(until), now, self.skew)?;
            let (name_id, name_id_encrypted) = self.read_name_id(view, peer)?;
            let session_indexes = view
                .children(PROTOCOL_NS, "SessionIndex")
                .map(|s| trim_xml(&view.text(s)).to_owned())
                .collect();
            Ok(LogoutMessage::Request(LogoutRequest {
                envelope,
                not_on_or_after,
                name_id,
                name_id_encrypted,
                session_indexes,
                reason: view.attr(root, "Reason").map(str::to_owned),
            }))
        } else {
            check_window(
                name,
                None,
                Some(plus(issued, LOGOUT_LIFETIME_SECONDS)),
                now,
                self.skew,
            )?;
            Ok(LogoutMessage::Response(LogoutResponse {
                envelope,
                in_response_to: view.attr(root, "InResponseTo").map(str::to_owned),
                status: read_status(view)?,
            }))
        }
    }

    /// The one NameID or EncryptedID (decrypted in its place with our keys). BaseID, two
    /// identifiers or none are refused.
    fn read_name_id(
        &self,
        view: &Signed<'_, '_>,
        peer: &Peer<'_>,
    ) -> Result<(NameId, bool), SamlError> {
        let doc = view.doc;
        let mut identifiers = doc.element_children(view.root).filter(|&c| {
            doc.is(c, ASSERTION_NS, "NameID")
                || doc.is(c, ASSERTION_NS, "EncryptedID")
                || doc.is(c, ASSERTION_NS, "BaseID")
        });
        let missing = SamlError::MissingElement {
            parent: "LogoutRequest",
            element: "NameID (exactly one NameID or EncryptedID)",
        };
        let node = match (identifiers.next(), identifiers.next()) {
            (Some(n), None) => n,
            _ => return Err(missing),
        };
        if doc.is(node, ASSERTION_NS, "NameID") {
            return Ok((name_id_from(doc, node)?, false));
        }
        if !doc.is(node, ASSERTION_NS, "EncryptedID") {
            return Err(missing);
        }
        let default_policy = DecryptionPolicy::default();
        let (keys, policy) = peer.decryption.unwrap_or((&[], &default_policy));
        let decrypted = crate::xmlenc::decrypt(doc, node, keys, policy)?;
        let failed = || SamlError::Decryption(XmlencError::DecryptionFailed);
        // CBC is malleable: its plaintext is read only under a verified signature (invariant
        // 13). An unsigned message (a `danger` opt-out) with a CBC EncryptedID fails exactly
        // as a bad ciphertext does, so altering a victim's ciphertext teaches nothing.
        if !view.signed && decrypted.data.is_cbc() {
            return Err(failed());
        }
        let in_place = decrypted.in_place(doc, node)?;
        let inner =
            Document::parse_bytes(in_place.text.as_bytes(), self.limits).map_err(|_| failed())?;
        let plain = inner
            .descendants(inner.root_element())
            .find(|&n| inner.is_element(n) && inner.span(n) == in_place.element)
            .filter(|&n| inner.is(n, ASSERTION_NS, "NameID"))
            .ok_or(SamlError::MissingElement {
                parent: "EncryptedID",
                element: "NameID",
            })?;
        Ok((name_id_from(&inner, plain)?, true))
    }
}

/// A NameID element's value and qualifiers; an empty value is refused.
fn name_id_from(doc: &Document<'_>, node: NodeId) -> Result<NameId, SamlError> {
    let value = doc.text(node).into_owned();
    if trim_xml(&value).is_empty() {
        return Err(SamlError::EmptyNameId);
    }
    Ok(NameId {
        value,
        format: doc.attribute(node, "Format").map(str::to_owned),
        sp_name_qualifier: doc.attribute(node, "SPNameQualifier").map(str::to_owned),
        name_qualifier: doc.attribute(node, "NameQualifier").map(str::to_owned),
    })
}

/// The Status: a top-level StatusCode with a Value is required.
fn read_status(view: &Signed<'_, '_>) -> Result<LogoutStatus, SamlError> {
    let doc = view.doc;
    let missing = SamlError::MissingElement {
        parent: "LogoutResponse",
        element: "Status/StatusCode",
    };
    let status = view
        .child(PROTOCOL_NS, "Status")
        .ok_or(SamlError::MissingElement {
            parent: "LogoutResponse",
            element: "Status/StatusCode",
        })?;
    let code = doc
        .element_children(status)
        .find(|&c| doc.is(c, PROTOCOL_NS, "StatusCode"))
        .ok_or(missing)?;
    let value = view
        .attr(code, "Value")
        .ok_or(SamlError::MissingAttribute {
            element: "StatusCode",
            attribute: "Value",
        })?;
    let second_level = doc
        .element_children(code)
        .find(|&c| doc.is(c, PROTOCOL_NS, "StatusCode"))
        .and_then(|c| view.attr(c, "Value"))
        .map(str::to_owned);
    let message = doc
        .element_children(status)
        .find(|&c| doc.is(c, PROTOCOL_NS, "StatusMessage"))
        .map(|m| view.text(m).into_owned());
    Ok(LogoutStatus {
        code: value.to_owned(),
        second_level,
        message,
    })
}
