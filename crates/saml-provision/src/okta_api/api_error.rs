//! The server's errors: an HTTP status and Okta's error body.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saml_policy::DirectoryError;

use crate::error::{ErrorCause, OktaError};

/// Called with the `errorId` and the cause of every internal error (500), which the response
/// itself does not detail.
pub type InternalErrorHook = Arc<dyn Fn(&str, &dyn std::error::Error) + Send + Sync>;

/// An error answer: an HTTP status and Okta's error body.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) body: Box<OktaError>,
    /// The cause of an internal error, for the hook; never sent.
    pub(crate) internal: Option<Box<dyn std::error::Error + Send + Sync>>,
}

fn error_id() -> String {
    crate::random::base62("oae", 22).unwrap_or_else(|_| "oae".to_owned())
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, summary: impl Into<String>) -> Self {
        let mut body = OktaError::new(code, summary);
        body.error_id = error_id();
        Self {
            status,
            body: Box::new(body),
            internal: None,
        }
    }

    pub(crate) fn cause(mut self, cause: impl Into<String>) -> Self {
        self.body.error_causes.push(ErrorCause::new(cause));
        self
    }

    /// E0000001, 400: `Api validation failed: {field}`, with one cause per problem.
    pub(crate) fn validation(field: &str, causes: impl IntoIterator<Item = String>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "E0000001",
            format!("Api validation failed: {field}"),
        );
        for cause in causes {
            error = error.cause(cause);
        }
        error
    }

    /// E0000001 for a login another user has (ignoring case), as Okta words it.
    pub(crate) fn login_taken() -> Self {
        Self::validation(
            "login",
            [
                "login: An object with this field already exists in the current organization"
                    .to_owned(),
            ],
        )
    }

    /// E0000003, 400: the body is not JSON or not of the expected shape.
    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
        )
        .cause(detail)
    }

    /// E0000003 with 413: the body is larger than the limit.
    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "E0000003",
            "The request body was not well-formed.",
        )
        .cause(format!(
            "the request body is larger than this server's limit of {limit} bytes"
        ))
    }

    /// E0000003 with 415: the body is not declared as JSON.
    pub(crate) fn not_json(found: Option<&str>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "E0000003",
            "The request body was not well-formed.",
        )
        .cause(match found {
            Some(found) => format!("Content-Type is `{found}`; it must be `application/json`"),
            None => "the Content-Type header is missing; it must be `application/json`".into(),
        })
    }

    /// E0000006, 403.
    pub(crate) fn forbidden(cause: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
        .cause(cause)
    }

    /// E0000007, 404.
    pub(crate) fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {id} ({what})"),
        )
    }

    /// E0000009, 500; the cause goes to the hook only.
    pub(crate) fn internal(cause: Box<dyn std::error::Error + Send + Sync>) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E0000009",
            "Internal Server Error",
        );
        error.internal = Some(cause);
        error
    }

    /// E0000011, 401 (no `WWW-Authenticate`: Okta sends none).
    pub(crate) fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// E0000016, 403.
    pub(crate) fn already_active() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "E0000016",
            "Activation failed because the user is already active",
        )
    }

    /// E0000022, 405.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    /// E0000031, 400: a `filter` (or `search`) this server does not accept.
    /// The summary repeats the cause: a client that shows only `errorSummary` still says
    /// what is wrong.
    pub(crate) fn invalid_search(cause: impl Into<String>) -> Self {
        let cause = cause.into();
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000031",
            format!("Invalid search criteria: {cause}"),
        )
        .cause(cause)
    }

    /// E0000038, 403.
    pub(crate) fn wrong_status(cause: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "E0000038",
            "This operation is not allowed in the user's current status.",
        )
        .cause(cause)
    }

    /// E0000047, 429.
    pub(crate) fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }
}

impl From<DirectoryError> for ApiError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Conflict { what: "login", .. } => Self::login_taken(),
            DirectoryError::Conflict { what, value } => {
                Self::validation(what, [format!("{what}: `{value}` already exists")])
            }
            DirectoryError::NotFound { what, id } => Self::not_found(what, &id),
            DirectoryError::InvalidTransition { user, from, to } => Self::wrong_status(format!(
                "user `{user}` is {from}; Okta's lifecycle has no change to {to}"
            )),
            DirectoryError::StatusChanged {
                user,
                expected,
                found,
            } => Self::wrong_status(format!("user `{user}` is {found}, not {expected}")),
            other => Self::internal(Box::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error_id = self.body.error_id.clone();
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(cause) = self.internal {
            response.extensions_mut().insert(InternalCause {
                error_id,
                cause: Arc::from(cause),
            });
        }
        response
    }
}

/// The cause of a 500, carried in the response's extensions to the layer that calls the hook.
#[derive(Clone)]
pub(crate) struct InternalCause {
    pub(crate) error_id: String,
    pub(crate) cause: Arc<dyn std::error::Error + Send + Sync>,
}
