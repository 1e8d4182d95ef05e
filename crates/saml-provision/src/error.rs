//! Okta's error body, as the server sends it and the client reads it.

use serde::{Deserialize, Serialize};

/// Okta's error body: `{errorCode, errorSummary, errorLink, errorId, errorCauses}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OktaError {
    /// Okta's code, e.g. `E0000001`.
    pub error_code: String,
    /// What went wrong, e.g. `Api validation failed: login`.
    pub error_summary: String,
    /// Okta repeats the code here.
    #[serde(default)]
    pub error_link: String,
    /// An identifier of this occurrence, for the server's records.
    #[serde(default)]
    pub error_id: String,
    /// The details, e.g. which field failed and why.
    #[serde(default)]
    pub error_causes: Vec<ErrorCause>,
}

/// One entry of [`OktaError::error_causes`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorCause {
    /// The detail, e.g. `login: An object with this field already exists in the current
    /// organization`.
    pub error_summary: String,
}

impl ErrorCause {
    /// A cause.
    pub fn new(summary: impl Into<String>) -> Self {
        Self {
            error_summary: summary.into(),
        }
    }
}

impl OktaError {
    /// An error body with this code and summary, no id and no causes.
    pub fn new(code: impl Into<String>, summary: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            error_link: code.clone(),
            error_code: code,
            error_summary: summary.into(),
            error_id: String::new(),
            error_causes: Vec::new(),
        }
    }

    /// Whether this is Okta's answer to creating a user whose login is taken: `E0000001` with a
    /// cause `login: An object with this field already exists …`.
    pub fn is_login_taken(&self) -> bool {
        self.error_code == "E0000001"
            && self.error_causes.iter().any(|c| {
                c.error_summary.starts_with("login:") && c.error_summary.contains("already exists")
            })
    }
}

impl std::fmt::Display for OktaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.error_code, self.error_summary)?;
        for (i, cause) in self.error_causes.iter().enumerate() {
            f.write_str(if i == 0 { " (" } else { "; " })?;
            f.write_str(&cause.error_summary)?;
        }
        if !self.error_causes.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}
