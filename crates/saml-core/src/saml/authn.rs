//! Service-provider side: build AuthnRequests, record their IDs for InResponseTo, and send them
//! by HTTP-POST (enveloped signature, base64, auto-submitting form) or HTTP-Redirect (DEFLATE,
//! base64, URL encoding, query signature).
//!
//! It owns the text of outgoing AuthnRequests and records their IDs through the
//! [`RequestStore`] trait; a request whose ID cannot be recorded is
//! not sent. Encoding is `binding`'s and signing is `dsig`'s.

use std::fmt::Write as _;

use super::error::SamlError;
use super::message::{escape, new_id, plus};
use super::replay::{AsyncRequestStore, RequestStore, StoreError};
use super::sp::ServiceProvider;
use super::{ASSERTION_NS, PROTOCOL_NS};
use crate::binding;
use crate::dsig::redirect::sign_query;
use crate::settings::Binding;
use crate::time::DateTime;

/// How long an AuthnRequest ID stays outstanding. Default: 10 minutes.
pub const REQUEST_LIFETIME_SECONDS: i64 = 600;

/// Optional parts of an AuthnRequest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// NameIDPolicy/@Format (e.g. `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`).
    pub name_id_format: Option<String>,
    /// NameIDPolicy/@AllowCreate.
    pub allow_create: bool,
    /// ForceAuthn.
    pub force_authn: bool,
    /// IsPassive.
    pub is_passive: bool,
    /// RequestedAuthnContext/AuthnContextClassRef (comparison `exact`).
    pub authn_context_class_ref: Option<String>,
}

impl RequestOptions {
    /// Sets the NameIDPolicy Format (with AllowCreate).
    pub fn with_name_id_format(mut self, format: impl Into<String>) -> Self {
        self.name_id_format = Some(format.into());
        self.allow_create = true;
        self
    }

    /// Sets ForceAuthn.
    pub fn with_force_authn(mut self, force: bool) -> Self {
        self.force_authn = force;
        self
    }

    /// Sets IsPassive.
    pub fn with_is_passive(mut self, passive: bool) -> Self {
        self.is_passive = passive;
        self
    }

    /// Requests an authentication context class.
    pub fn with_authn_context(mut self, class_ref: impl Into<String>) -> Self {
        self.authn_context_class_ref = Some(class_ref.into());
        self
    }
}

/// An AuthnRequest ready to send.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OutgoingRequest {
    /// Its ID (recorded in the request store for InResponseTo).
    pub id: String,
    /// The IdP SSO URL it goes to.
    pub destination: String,
    /// The binding it travels by.
    pub binding: Binding,
    /// For HTTP-POST: the XML (signed when request signing is on). For HTTP-Redirect: the
    /// unsigned XML (the signature goes in the query).
    pub xml: String,
    /// Until when its ID stays outstanding: [`REQUEST_LIFETIME_SECONDS`] after it was made.
    pub expires: DateTime,
    signed_redirect: bool,
}

impl OutgoingRequest {
    /// The request once its store answered: a request whose ID could not be recorded could
    /// never be answered, so it is not handed out.
    fn recorded(self, recorded: Result<(), StoreError>) -> Result<Self, SamlError> {
        match recorded {
            Ok(()) => Ok(self),
            Err(source) => Err(SamlError::RequestStoreUnavailable {
                in_response_to: self.id,
                source,
            }),
        }
    }
}

impl ServiceProvider {
    /// Builds an AuthnRequest for the configured IdP, records its ID in `requests` for
    /// InResponseTo, and signs it if the IdP settings say so.
    pub fn authn_request(
        &self,
        now: DateTime,
        options: &RequestOptions,
        requests: &dyn RequestStore,
    ) -> Result<OutgoingRequest, SamlError> {
        let request = self.build_authn_request(now, options)?;
        let recorded = requests.insert(&request.id, request.expires, now);
        request.recorded(recorded)
    }

    /// As [`authn_request`](Self::authn_request), recording the ID in a store that answers over
    /// the network (Redis), so that a tokio worker is never blocked.
    ///
    /// # Errors
    ///
    /// As [`authn_request`](Self::authn_request).
    pub async fn authn_request_async<S: AsyncRequestStore + ?Sized>(
        &self,
        now: DateTime,
        options: &RequestOptions,
        requests: &S,
    ) -> Result<OutgoingRequest, SamlError> {
        let request = self.build_authn_request(now, options)?;
        let recorded = requests.insert(&request.id, request.expires, now).await;
        request.recorded(recorded)
    }

    /// The request, signed as the settings say, not yet recorded.
    fn build_authn_request(
        &self,
        now: DateTime,
        options: &RequestOptions,
    ) -> Result<OutgoingRequest, SamlError> {
        let idp = self.idp();
        let sp = self.sp();
        let id = new_id().map_err(|_| SamlError::Randomness)?;
        let mut xml = String::with_capacity(1024);
        let _ = write!(
            xml,
            "<samlp:AuthnRequest xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" \
             ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{dest}\" \
             AssertionConsumerServiceURL=\"{acs}\" ProtocolBinding=\"{post}\"{force}{passive}>\
             <saml:Issuer>{issuer}</saml:Issuer>",
            dest = escape(idp.sso_url()),
            acs = escape(sp.acs_url()),
            post = Binding::HttpPost.uri(),
            force = if options.force_authn {
                " ForceAuthn=\"true\""
            } else {
                ""
            },
            passive = if options.is_passive {
                " IsPassive=\"true\""
            } else {
                ""
            },
            issuer = escape(sp.entity_id()),
        );
        if let Some(format) = &options.name_id_format {
            let _ = write!(
                xml,
                "<samlp:NameIDPolicy Format=\"{}\" AllowCreate=\"{}\"/>",
                escape(format),
                options.allow_create
            );
        }
        if let Some(class) = &options.authn_context_class_ref {
            let _ = write!(
                xml,
                "<samlp:RequestedAuthnContext Comparison=\"exact\">\
                 <saml:AuthnContextClassRef>{}</saml:AuthnContextClassRef>\
                 </samlp:RequestedAuthnContext>",
                escape(class)
            );
        }
        xml.push_str("</samlp:AuthnRequest>");

        let sign = idp.sign_requests();
        // `ServiceProvider::new` refused request signing without a key.
        let signer = if sign { sp.signer() } else { None };
        if idp.sso_binding() == Binding::HttpPost
            && let Some(signer) = signer
        {
            xml = signer.sign_element(&xml, &id).map_err(SamlError::Signing)?;
        }
        Ok(OutgoingRequest {
            id,
            destination: idp.sso_url().to_owned(),
            binding: idp.sso_binding(),
            xml,
            expires: plus(now, REQUEST_LIFETIME_SECONDS),
            signed_redirect: sign && idp.sso_binding() == Binding::HttpRedirect,
        })
    }

    /// The HTTP-POST form that carries `request` to the IdP.
    pub fn post_form(&self, request: &OutgoingRequest, relay_state: Option<&str>) -> String {
        binding::post_form(
            &request.destination,
            "SAMLRequest",
            &binding::encode_post(request.xml.as_bytes()),
            relay_state,
        )
    }

    /// The HTTP-Redirect URL that carries `request` to the IdP, with the query signature when
    /// request signing is on.
    pub fn redirect_url(
        &self,
        request: &OutgoingRequest,
        relay_state: Option<&str>,
    ) -> Result<String, SamlError> {
        let encoded = binding::encode_redirect(request.xml.as_bytes());
        let query = match (request.signed_redirect, self.sp().signer()) {
            (true, Some(signer)) => sign_query("SAMLRequest", &encoded, relay_state, signer)
                .map_err(SamlError::Signing)?,
            _ => {
                let mut q = format!("SAMLRequest={encoded}");
                if let Some(rs) = relay_state {
                    q.push_str("&RelayState=");
                    q.push_str(&binding::url_encode(rs));
                }
                q
            }
        };
        let sep = if request.destination.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{query}", request.destination))
    }
}
