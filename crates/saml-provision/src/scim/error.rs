//! The SCIM error response (RFC 7644 §3.12): every failure of the service, authentication
//! included, is answered with this shape and `Content-Type: application/scim+json`.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use saml_policy::DirectoryError;

use crate::scim::types::{ERROR_SCHEMA, SCIM_JSON};

/// The `scimType` of a 400 or 409 error (RFC 7644 §3.12, table 9), alphabetical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScimType {
    /// The filter is not one this service understands.
    InvalidFilter,
    /// The PATCH `path` names no attribute this service has.
    InvalidPath,
    /// The body is not JSON, or not the shape of the request.
    InvalidSyntax,
    /// A value is missing or of the wrong type.
    InvalidValue,
    /// The attribute cannot be changed (read-only, or a group Okta owns).
    Mutability,
    /// A PATCH `remove` without a `path`.
    NoTarget,
    /// A `userName` (or a group's `displayName`) that another resource has.
    Uniqueness,
}

impl ScimType {
    /// The name on the wire, e.g. `uniqueness`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::InvalidPath => "invalidPath",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidValue => "invalidValue",
            Self::Mutability => "mutability",
            Self::NoTarget => "noTarget",
            Self::Uniqueness => "uniqueness",
        }
    }
}

/// A failed SCIM request: the HTTP status, the `scimType` where RFC 7644 defines one, and a
/// `detail` naming the attribute and the value that were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScimError {
    /// The HTTP status (also sent as the string `status` of the body).
    pub status: StatusCode,
    /// The `scimType`, if any.
    pub scim_type: Option<ScimType>,
    /// The human-readable `detail`.
    pub detail: String,
}

impl ScimError {
    /// An error with a status and a detail, without `scimType`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// A 400 with a `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// A 404 for a resource id.
    pub(crate) fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} `{id}` not found"))
    }

    /// A 409 `uniqueness`.
    pub(crate) fn uniqueness(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            scim_type: Some(ScimType::Uniqueness),
            detail: detail.into(),
        }
    }

    /// A 500 whose detail says nothing of the storage behind it (the cause is not for clients).
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the directory could not complete the request",
        )
    }

    /// The JSON body.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_str(),
            "detail": self.detail,
        });
        if let (Some(scim_type), Some(map)) = (self.scim_type, body.as_object_mut()) {
            map.insert("scimType".to_owned(), scim_type.as_str().into());
        }
        body
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scim_type {
            Some(t) => write!(
                f,
                "{} {}: {}",
                self.status.as_str(),
                t.as_str(),
                self.detail
            ),
            None => write!(f, "{}: {}", self.status.as_str(), self.detail),
        }
    }
}

impl std::error::Error for ScimError {}

impl From<DirectoryError> for ScimError {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::Conflict { what, value } => {
                Self::uniqueness(format!("{what} `{value}` already exists"))
            }
            DirectoryError::NotFound { what, id } => Self::not_found(what, &id),
            DirectoryError::InvalidTransition { .. } | DirectoryError::StatusChanged { .. } => {
                Self::new(StatusCode::CONFLICT, error.to_string())
            }
            _ => Self::internal(),
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.to_json().to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"scim\""),
            );
        }
        response
    }
}
