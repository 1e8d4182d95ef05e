//! SCIM User and Group resources (RFC 7643 §4) as this service stores them, read from and
//! written to JSON.
//!
//! Attribute names are case-insensitive (RFC 7643 §2.1): bodies are read after their object
//! keys are lower-cased, and two keys that differ only in case are refused.
//!
//! How a User maps onto a [`saml_policy::User`]:
//!
//! | SCIM | directory |
//! |---|---|
//! | `id` | `id` (assigned by the directory) |
//! | `userName` | `login` (unique without case; cannot be changed) |
//! | `name.givenName`, `name.familyName` | profile `firstName`, `lastName` |
//! | `displayName`, `externalId` | profile `displayName`, `externalId` |
//! | `emails[0]` (the primary one, else the first) | `email`, profile `emailType` |
//! | `emails[1]` | profile `secondEmail`, `secondEmailType` |
//! | `active` | `status`: `false` ⇔ DEPROVISIONED |

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::scim::error::{ScimError, ScimType};

/// `application/scim+json`, the media type of every response (RFC 7644 §8.1).
pub const SCIM_JSON: &str = "application/scim+json";
/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The ListResponse message.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The Error message.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The PatchOp message.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Longest string value accepted in any attribute, in bytes.
pub(crate) const MAX_VALUE: usize = 1024;
/// Most emails a user keeps: Okta's profile has `email` and `secondEmail`.
pub(crate) const MAX_EMAILS: usize = 2;

/// One of a user's emails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Email {
    pub(crate) value: String,
    pub(crate) kind: Option<String>,
}

/// The SCIM view of a user, before or after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserData {
    pub(crate) user_name: String,
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) external_id: Option<String>,
    /// The primary one first.
    pub(crate) emails: Vec<Email>,
    pub(crate) active: bool,
}

/// The SCIM view of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupData {
    pub(crate) display_name: String,
    pub(crate) members: BTreeSet<String>,
}

impl UserData {
    /// The SCIM view of a directory user.
    pub(crate) fn from_user(user: &saml_policy::User) -> Self {
        let profile = |key: &str| user.profile.get(key).cloned();
        let mut emails = Vec::new();
        if let Some(value) = user.email.clone() {
            emails.push(Email {
                value,
                kind: profile("emailType"),
            });
        }
        if let Some(value) = profile("secondEmail") {
            emails.push(Email {
                value,
                kind: profile("secondEmailType"),
            });
        }
        Self {
            user_name: user.login.clone(),
            given_name: profile("firstName"),
            family_name: profile("lastName"),
            display_name: profile("displayName"),
            external_id: profile("externalId"),
            emails,
            active: user.status != saml_policy::UserStatus::Deprovisioned,
        }
    }

    /// The directory profile attributes (`email` included) this view stands for.
    pub(crate) fn profile(&self) -> BTreeMap<&'static str, Option<String>> {
        let email = |i: usize| self.emails.get(i).map(|e| e.value.clone());
        let kind = |i: usize| self.emails.get(i).and_then(|e| e.kind.clone());
        BTreeMap::from([
            ("displayName", self.display_name.clone()),
            ("email", email(0)),
            ("emailType", kind(0)),
            ("externalId", self.external_id.clone()),
            ("firstName", self.given_name.clone()),
            ("lastName", self.family_name.clone()),
            ("secondEmail", email(1)),
            ("secondEmailType", kind(1)),
        ])
    }

    /// The profile changes that turn `old` into `self`.
    pub(crate) fn changes_from(&self, old: &Self) -> Vec<(String, Option<String>)> {
        let old = old.profile();
        self.profile()
            .into_iter()
            .filter(|(key, value)| old.get(key) != Some(value))
            .map(|(key, value)| (key.to_owned(), value))
            .collect()
    }

    /// Checks what a JSON body cannot express by type: required, lengths, email count.
    pub(crate) fn validate(&self) -> Result<(), ScimError> {
        if self.user_name.trim().is_empty() {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                "userName is required and must not be empty",
            ));
        }
        let strings = [
            ("userName", Some(&self.user_name)),
            ("name.givenName", self.given_name.as_ref()),
            ("name.familyName", self.family_name.as_ref()),
            ("displayName", self.display_name.as_ref()),
            ("externalId", self.external_id.as_ref()),
        ];
        for (name, value) in strings {
            check_length(name, value.map(String::as_str))?;
        }
        if self.emails.len() > MAX_EMAILS {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!(
                    "emails has {} values; this directory keeps at most {MAX_EMAILS} (email and secondEmail)",
                    self.emails.len()
                ),
            ));
        }
        for email in &self.emails {
            if email.value.trim().is_empty() {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    "emails[].value must not be empty",
                ));
            }
            check_length("emails[].value", Some(&email.value))?;
            check_length("emails[].type", email.kind.as_deref())?;
        }
        Ok(())
    }

    /// The JSON resource.
    pub(crate) fn to_json(&self, id: &str, meta: Value) -> Value {
        let mut out = Map::new();
        out.insert("schemas".into(), json!([USER_SCHEMA]));
        out.insert("id".into(), id.into());
        if let Some(external_id) = &self.external_id {
            out.insert("externalId".into(), external_id.as_str().into());
        }
        out.insert("userName".into(), self.user_name.as_str().into());
        let mut name = Map::new();
        if let Some(given) = &self.given_name {
            name.insert("givenName".into(), given.as_str().into());
        }
        if let Some(family) = &self.family_name {
            name.insert("familyName".into(), family.as_str().into());
        }
        if !name.is_empty() {
            out.insert("name".into(), Value::Object(name));
        }
        if let Some(display) = &self.display_name {
            out.insert("displayName".into(), display.as_str().into());
        }
        if !self.emails.is_empty() {
            let emails = self
                .emails
                .iter()
                .enumerate()
                .map(|(i, email)| {
                    let mut e = Map::new();
                    e.insert("value".into(), email.value.as_str().into());
                    if let Some(kind) = &email.kind {
                        e.insert("type".into(), kind.as_str().into());
                    }
                    e.insert("primary".into(), (i == 0).into());
                    Value::Object(e)
                })
                .collect();
            out.insert("emails".into(), Value::Array(emails));
        }
        out.insert("active".into(), self.active.into());
        out.insert("meta".into(), meta);
        Value::Object(out)
    }
}

pub(crate) fn check_length(name: &str, value: Option<&str>) -> Result<(), ScimError> {
    match value {
        Some(v) if v.len() > MAX_VALUE => Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!(
                "{name} has {} bytes; at most {MAX_VALUE} are accepted",
                v.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// Parses a request body: JSON (else 400 `invalidSyntax`), object keys lower-cased.
pub(crate) fn parse_body(bytes: &[u8]) -> Result<Value, ScimError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("request body is not valid JSON: {e}"),
        )
    })?;
    lower_keys(value, "")
}

/// Lower-cases every object key; two keys equal without case are refused.
pub(crate) fn lower_keys(value: Value, at: &str) -> Result<Value, ScimError> {
    Ok(match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let lower = key.to_lowercase();
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                let value = lower_keys(value, &path)?;
                if out.insert(lower, value).is_some() {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidSyntax,
                        format!("attribute `{path}` appears twice (attribute names ignore case)"),
                    ));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| lower_keys(v, at))
                .collect::<Result<_, _>>()?,
        ),
        other => other,
    })
}

/// Reads a (lower-cased) JSON value into a shape; a type error is 400 `invalidValue` naming
/// the attribute.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, ScimError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("{what} `{path}`: {}", e.into_inner()),
        )
    })
}

/// Checks that `schemas`, when given, names `schema` (a body that says it is another
/// resource is refused; one that says nothing is taken for what its endpoint expects, as
/// Oxide's conformance tester sends them).
pub(crate) fn require_schema(schemas: Option<&[String]>, schema: &str) -> Result<(), ScimError> {
    let Some(schemas) = schemas else {
        return Ok(());
    };
    if schemas.iter().any(|s| s.eq_ignore_ascii_case(schema)) {
        Ok(())
    } else {
        Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("schemas {schemas:?} does not contain `{schema}`"),
        ))
    }
}

#[derive(Deserialize)]
pub(crate) struct NameIn {
    #[serde(default, rename = "givenname")]
    pub(crate) given_name: Option<String>,
    #[serde(default, rename = "familyname")]
    pub(crate) family_name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct EmailIn {
    pub(crate) value: String,
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) primary: Option<bool>,
}

/// A User body of POST or PUT (keys lower-cased). Attributes this service does not keep are
/// ignored (Okta sends `locale`, `title`, extensions, …); `id` and `meta` are read-only.
#[derive(Deserialize)]
pub(crate) struct UserIn {
    #[serde(default)]
    pub(crate) schemas: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default, rename = "username")]
    pub(crate) user_name: Option<String>,
    #[serde(default)]
    pub(crate) name: Option<NameIn>,
    #[serde(default, rename = "displayname")]
    pub(crate) display_name: Option<String>,
    #[serde(default, rename = "externalid")]
    pub(crate) external_id: Option<String>,
    #[serde(default)]
    pub(crate) emails: Option<Vec<EmailIn>>,
    #[serde(default)]
    pub(crate) active: Option<bool>,
}

/// Orders emails primary first; more than one primary is refused (RFC 7643 §2.4).
pub(crate) fn emails_from(input: Vec<EmailIn>) -> Result<Vec<Email>, ScimError> {
    if input.iter().filter(|e| e.primary == Some(true)).count() > 1 {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            "emails has more than one value with primary true",
        ));
    }
    let (mut primary, others): (Vec<_>, Vec<_>) =
        input.into_iter().partition(|e| e.primary == Some(true));
    primary.extend(others);
    Ok(primary
        .into_iter()
        .map(|e| Email {
            value: e.value,
            kind: e.kind,
        })
        .collect())
}

impl UserIn {
    /// The user this body describes; `active` absent keeps `current_active`.
    pub(crate) fn into_data(self, current_active: bool) -> Result<UserData, ScimError> {
        require_schema(self.schemas.as_deref(), USER_SCHEMA)?;
        let user_name = self.user_name.ok_or_else(|| {
            ScimError::bad_request(ScimType::InvalidValue, "userName is required")
        })?;
        let (given_name, family_name) = match self.name {
            Some(name) => (name.given_name, name.family_name),
            None => (None, None),
        };
        let data = UserData {
            user_name,
            given_name,
            family_name,
            display_name: self.display_name,
            external_id: self.external_id,
            emails: emails_from(self.emails.unwrap_or_default())?,
            active: self.active.unwrap_or(current_active),
        };
        data.validate()?;
        Ok(data)
    }
}

/// A member reference in a Group body.
#[derive(Deserialize)]
pub(crate) struct MemberIn {
    pub(crate) value: String,
}

/// A Group body of POST or PUT (keys lower-cased).
#[derive(Deserialize)]
pub(crate) struct GroupIn {
    #[serde(default)]
    pub(crate) schemas: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default, rename = "displayname")]
    pub(crate) display_name: Option<String>,
    #[serde(default)]
    pub(crate) members: Option<Vec<MemberIn>>,
}

impl GroupIn {
    pub(crate) fn into_data(self) -> Result<GroupData, ScimError> {
        require_schema(self.schemas.as_deref(), GROUP_SCHEMA)?;
        let display_name = self.display_name.ok_or_else(|| {
            ScimError::bad_request(ScimType::InvalidValue, "displayName is required")
        })?;
        let data = GroupData {
            display_name,
            members: self
                .members
                .unwrap_or_default()
                .into_iter()
                .map(|m| m.value)
                .collect(),
        };
        data.validate()?;
        Ok(data)
    }
}

impl GroupData {
    pub(crate) fn validate(&self) -> Result<(), ScimError> {
        if self.display_name.trim().is_empty() {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                "displayName is required and must not be empty",
            ));
        }
        check_length("displayName", Some(&self.display_name))?;
        for member in &self.members {
            check_length("members[].value", Some(member))?;
        }
        Ok(())
    }
}
