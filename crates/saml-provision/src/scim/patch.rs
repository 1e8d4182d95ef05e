//! PATCH (RFC 7644 §3.5.2): a PatchOp message applied to a copy of the resource, so that a
//! request either applies all its operations or none.
//!
//! User paths: `active`, `userName` (only to its current value), `displayName`,
//! `externalId`, `name`, `name.givenName`, `name.familyName`, `emails` (optionally with the
//! core schema URN in front). Group paths: `displayName`, `members`,
//! `members[value eq "…"]` (remove only). Without a path, `add` and `replace` take an object
//! of those attributes (`id` may be present if it is the resource's own). Any other path is
//! 400 `invalidPath`; `remove` without a path is 400 `noTarget`.

use serde::Deserialize;
use serde_json::Value;

use crate::scim::error::{ScimError, ScimType};
use crate::scim::filter::{self, MemberValue};
use crate::scim::types::{
    Email, EmailIn, GroupData, MemberIn, NameIn, PATCH_SCHEMA, UserData, emails_from, from_value,
    require_schema,
};

/// Most operations in one PatchOp.
pub const MAX_OPERATIONS: usize = 100;

/// A PATCH operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Remove,
    Replace,
}

/// One parsed operation.
#[derive(Clone, Debug)]
pub(crate) struct Operation {
    op: Op,
    path: Option<String>,
    value: Option<Value>,
}

#[derive(Deserialize)]
struct PatchIn {
    #[serde(default)]
    schemas: Option<Vec<String>>,
    operations: Vec<OperationIn>,
}

#[derive(Deserialize)]
struct OperationIn {
    op: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    value: Option<Value>,
}

/// Reads a PatchOp body (keys already lower-cased).
pub(crate) fn parse(body: Value) -> Result<Vec<Operation>, ScimError> {
    let patch: PatchIn = from_value(body, "PatchOp")?;
    require_schema(patch.schemas.as_deref(), PATCH_SCHEMA)?;
    if patch.operations.is_empty() || patch.operations.len() > MAX_OPERATIONS {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!(
                "Operations has {} operations; 1 to {MAX_OPERATIONS} are accepted",
                patch.operations.len()
            ),
        ));
    }
    patch
        .operations
        .into_iter()
        .map(|o| {
            let op = match o.op.to_lowercase().as_str() {
                "add" => Op::Add,
                "remove" => Op::Remove,
                "replace" => Op::Replace,
                _ => {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidValue,
                        format!("op `{}` is not add, remove or replace", o.op),
                    ));
                }
            };
            if op == Op::Remove && o.path.is_none() {
                return Err(ScimError::bad_request(
                    ScimType::NoTarget,
                    "remove needs a path",
                ));
            }
            if op != Op::Remove && o.value.is_none() {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("{} needs a value", o.op),
                ));
            }
            Ok(Operation {
                op,
                path: o.path,
                value: o.value,
            })
        })
        .collect()
}

fn invalid_path(path: &str, resource: &str) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidPath,
        format!("path `{path}` is not a {resource} attribute this service can change"),
    )
}

fn mutability(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::Mutability, detail)
}

fn wrong_type(path: &str, expected: &str, value: &Value) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidValue,
        format!("`{path}` takes {expected}, not {value}"),
    )
}

fn string_or_null(path: &str, value: &Value) -> Result<Option<String>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(wrong_type(path, "a string", other)),
    }
}

/// Strips the core schema URN (`urn:…:User:`) in front of a path, ignoring case.
fn strip_urn<'a>(path: &'a str, urn: &str) -> &'a str {
    match path.get(..urn.len()) {
        Some(head) if head.eq_ignore_ascii_case(urn) => path.get(urn.len()..).unwrap_or(""),
        _ => path,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UserPath {
    Active,
    DisplayName,
    Emails,
    ExternalId,
    Groups,
    Id,
    Name,
    NameFamilyName,
    NameGivenName,
    UserName,
}

fn user_path(path: &str) -> Result<UserPath, ScimError> {
    let bare = strip_urn(path, "urn:ietf:params:scim:schemas:core:2.0:User:");
    Ok(match bare.to_lowercase().as_str() {
        "active" => UserPath::Active,
        "displayname" => UserPath::DisplayName,
        "emails" => UserPath::Emails,
        "externalid" => UserPath::ExternalId,
        "groups" => UserPath::Groups,
        "id" => UserPath::Id,
        "name" => UserPath::Name,
        "name.familyname" => UserPath::NameFamilyName,
        "name.givenname" => UserPath::NameGivenName,
        "username" => UserPath::UserName,
        _ => return Err(invalid_path(path, "User")),
    })
}

/// Applies the operations to `user` (a copy; the caller writes the result).
pub(crate) fn apply_user(
    user: &mut UserData,
    id: &str,
    ops: &[Operation],
) -> Result<(), ScimError> {
    for_each_target(ops, |op, path, value| {
        let target = user_path(path)?;
        apply_user_path(user, id, op, target, path, value)
    })?;
    user.validate()
}

/// Calls `apply` with each (op, path, value) the operations name: an operation with a path
/// once, one without a path once per attribute of its object value (`schemas` skipped). The
/// same for Users and Groups, so that both refuse a pathless non-object value alike.
fn for_each_target(
    ops: &[Operation],
    mut apply: impl FnMut(Op, &str, Option<&Value>) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    for operation in ops {
        match (&operation.path, &operation.value) {
            (Some(path), value) => apply(operation.op, path, value.as_ref())?,
            (None, Some(Value::Object(map))) => {
                for (key, value) in map {
                    if key == "schemas" {
                        continue;
                    }
                    apply(operation.op, key, Some(value))?;
                }
            }
            (None, Some(other)) => {
                return Err(wrong_type(
                    "value",
                    "an object when there is no path",
                    other,
                ));
            }
            (None, None) => {
                return Err(ScimError::bad_request(
                    ScimType::NoTarget,
                    "no path and no value",
                ));
            }
        }
    }
    Ok(())
}

fn apply_user_path(
    user: &mut UserData,
    id: &str,
    op: Op,
    target: UserPath,
    path: &str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let value = match (op, value) {
        (Op::Remove, _) => None,
        (_, Some(value)) => Some(value),
        (_, None) => return Err(wrong_type(path, "a value", &Value::Null)),
    };
    match target {
        UserPath::Active => match value {
            Some(Value::Bool(active)) => user.active = *active,
            Some(other) => return Err(wrong_type(path, "true or false", other)),
            None => return Err(mutability("active cannot be removed")),
        },
        UserPath::Groups => {
            return Err(mutability(
                "groups is read-only: change memberships through /Groups",
            ));
        }
        UserPath::Id => match value {
            Some(Value::String(same)) if same == id && op == Op::Replace => {}
            _ => return Err(mutability(format!("id `{id}` is read-only"))),
        },
        UserPath::UserName => match value {
            Some(value) => {
                let name = string_or_null(path, value)?
                    .ok_or_else(|| mutability("userName cannot be removed"))?;
                user.user_name = name;
            }
            None => return Err(mutability("userName cannot be removed")),
        },
        UserPath::DisplayName => {
            user.display_name = optional_string(path, value)?;
        }
        UserPath::ExternalId => {
            user.external_id = optional_string(path, value)?;
        }
        UserPath::NameGivenName => {
            user.given_name = optional_string(path, value)?;
        }
        UserPath::NameFamilyName => {
            user.family_name = optional_string(path, value)?;
        }
        UserPath::Name => match value {
            None | Some(Value::Null) => {
                user.given_name = None;
                user.family_name = None;
            }
            Some(value) => {
                // Sub-attributes not given are left as they are (RFC 7644 §3.5.2.3).
                let name: NameIn = from_value(value.clone(), path)?;
                if let Some(given) = name.given_name {
                    user.given_name = Some(given);
                }
                if let Some(family) = name.family_name {
                    user.family_name = Some(family);
                }
            }
        },
        UserPath::Emails => {
            let given = match value {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(_)) => {
                    let value = value.cloned().unwrap_or(Value::Null);
                    vec![from_value::<EmailIn>(value, path)?]
                }
                Some(value) => from_value::<Vec<EmailIn>>(value.clone(), path)?,
            };
            let given = emails_from(given)?;
            match op {
                Op::Add => add_emails(&mut user.emails, given),
                Op::Remove | Op::Replace => user.emails = given,
            }
        }
    }
    Ok(())
}

/// A single-valued string attribute: removed, null or a string.
fn optional_string(path: &str, value: Option<&Value>) -> Result<Option<String>, ScimError> {
    Ok(value
        .map(|v| string_or_null(path, v))
        .transpose()?
        .flatten())
}

/// `add` to a multi-valued attribute: new values appended, a value already there updated.
fn add_emails(emails: &mut Vec<Email>, given: Vec<Email>) {
    for email in given {
        match emails
            .iter_mut()
            .find(|e| e.value.eq_ignore_ascii_case(&email.value))
        {
            Some(existing) => *existing = email,
            None => emails.push(email),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum GroupPath {
    DisplayName,
    Id,
    Member(String),
    Members,
}

fn group_path(path: &str) -> Result<GroupPath, ScimError> {
    let bare = strip_urn(path, "urn:ietf:params:scim:schemas:core:2.0:Group:");
    let lower = bare.to_lowercase();
    if lower.starts_with("members[") && lower.ends_with(']') {
        let inner = bare
            .get("members[".len()..bare.len().saturating_sub(1))
            .unwrap_or("");
        let terms = filter::parse::<MemberValue>(inner)?;
        return match terms.as_slice() {
            [term] => Ok(GroupPath::Member(term.string().unwrap_or("").to_owned())),
            _ => Err(invalid_path(path, "Group")),
        };
    }
    Ok(match lower.as_str() {
        "displayname" => GroupPath::DisplayName,
        "id" => GroupPath::Id,
        "members" => GroupPath::Members,
        _ => return Err(invalid_path(path, "Group")),
    })
}

/// Applies the operations to `group` (a copy; the caller writes the result).
pub(crate) fn apply_group(
    group: &mut GroupData,
    id: &str,
    ops: &[Operation],
) -> Result<(), ScimError> {
    for_each_target(ops, |op, path, value| {
        let target = group_path(path)?;
        apply_group_path(group, id, op, target, path, value)
    })?;
    group.validate()
}

fn member_values(path: &str, value: &Value) -> Result<Vec<String>, ScimError> {
    let members: Vec<MemberIn> = match value {
        Value::Object(_) => vec![from_value(value.clone(), path)?],
        _ => from_value(value.clone(), path)?,
    };
    Ok(members.into_iter().map(|m| m.value).collect())
}

fn apply_group_path(
    group: &mut GroupData,
    id: &str,
    op: Op,
    target: GroupPath,
    path: &str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    match (target, op, value) {
        (GroupPath::Id, Op::Replace, Some(Value::String(same))) if same == id => {}
        (GroupPath::Id, _, _) => return Err(mutability(format!("id `{id}` is read-only"))),
        (GroupPath::DisplayName, Op::Remove, _) => {
            return Err(mutability("displayName cannot be removed"));
        }
        (GroupPath::DisplayName, _, Some(value)) => {
            group.display_name = string_or_null(path, value)?
                .ok_or_else(|| mutability("displayName cannot be removed"))?;
        }
        (GroupPath::Members, Op::Add, Some(value)) => {
            group.members.extend(member_values(path, value)?);
        }
        (GroupPath::Members, Op::Replace, Some(value)) => {
            group.members = member_values(path, value)?.into_iter().collect();
        }
        (GroupPath::Members, Op::Remove, None | Some(Value::Null)) => group.members.clear(),
        (GroupPath::Members, Op::Remove, Some(value)) => {
            for member in member_values(path, value)? {
                group.members.remove(&member);
            }
        }
        (GroupPath::Member(member), Op::Remove, _) => {
            group.members.remove(&member);
        }
        (GroupPath::Member(_), _, _) => {
            return Err(ScimError::bad_request(
                ScimType::InvalidPath,
                format!("path `{path}`: a member value path only takes remove"),
            ));
        }
        (_, _, None) => return Err(wrong_type(path, "a value", &Value::Null)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::types::lower_keys;

    fn ops(operations: Value) -> Result<Vec<Operation>, ScimError> {
        parse(lower_keys(
            json!({"schemas": [PATCH_SCHEMA], "Operations": operations}),
            "",
        )?)
    }

    fn alice() -> UserData {
        UserData {
            user_name: "alice@example.com".into(),
            given_name: Some("Alice".into()),
            family_name: Some("Liddell".into()),
            display_name: None,
            external_id: None,
            emails: vec![],
            active: true,
        }
    }

    #[test]
    fn user_paths() {
        let mut user = alice();
        let operations = ops(json!([
            {"op": "Replace", "value": {"active": false, "name": {"givenName": "Al"}}},
            {"op": "add", "path": "emails", "value": [{"value": "a@x", "type": "work"}]},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:displayName", "value": "Al L"},
            {"op": "remove", "path": "name.familyName"},
        ]))
        .unwrap();
        apply_user(&mut user, "u1", &operations).unwrap();
        assert!(!user.active);
        assert_eq!(user.given_name.as_deref(), Some("Al"));
        assert_eq!(user.family_name, None);
        assert_eq!(user.display_name.as_deref(), Some("Al L"));
        assert_eq!(user.emails[0].value, "a@x");
    }

    #[test]
    fn user_refusals() {
        for (operations, scim_type) in [
            (
                json!([{"op": "replace", "path": "password", "value": "x"}]),
                ScimType::InvalidPath,
            ),
            (
                json!([{"op": "replace", "value": {"nickName": "x"}}]),
                ScimType::InvalidPath,
            ),
            (
                json!([{"op": "remove", "path": "active"}]),
                ScimType::Mutability,
            ),
            (
                json!([{"op": "replace", "path": "id", "value": "u2"}]),
                ScimType::Mutability,
            ),
            (
                json!([{"op": "replace", "path": "active", "value": "false"}]),
                ScimType::InvalidValue,
            ),
            (
                json!([{"op": "replace", "value": false}]),
                ScimType::InvalidValue,
            ),
        ] {
            let err = ops(operations.clone())
                .and_then(|o| apply_user(&mut alice(), "u1", &o))
                .unwrap_err();
            assert_eq!(err.scim_type, Some(scim_type), "{operations}: {err}");
        }
        assert_eq!(
            ops(json!([{"op": "remove"}])).unwrap_err().scim_type,
            Some(ScimType::NoTarget)
        );
        assert_eq!(
            ops(json!([{"op": "move", "path": "active"}]))
                .unwrap_err()
                .scim_type,
            Some(ScimType::InvalidValue)
        );
    }

    #[test]
    fn group_paths() {
        let mut group = GroupData {
            display_name: "Staff".into(),
            members: ["u1".to_owned(), "u2".to_owned()].into(),
        };
        let operations = ops(json!([
            {"op": "replace", "value": {"id": "g1", "displayName": "Team"}},
            {"op": "add", "path": "members", "value": [{"value": "u3", "display": "c"}]},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
        ]))
        .unwrap();
        apply_group(&mut group, "g1", &operations).unwrap();
        assert_eq!(group.display_name, "Team");
        assert_eq!(group.members, ["u2".to_owned(), "u3".to_owned()].into());
        let bad = ops(json!([{"op": "remove", "path": "members[display eq \"x\"]"}])).unwrap();
        let err = apply_group(&mut group, "g1", &bad).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
    }
}
