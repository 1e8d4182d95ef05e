//! A strict parser for the filters this service answers (RFC 7644 §3.4.2.2): one or more
//! `attribute eq value` comparisons joined by `and`. Every other operator, `or`, `not`,
//! parentheses, value paths and unknown attributes are refused with 400 `invalidFilter`
//! rather than guessed at, so that a filter never silently matches more than it says.
//!
//! Attribute names and the `eq` and `and` keywords ignore case (RFC 7644 §3.4.2.2); string
//! values are JSON strings.

use crate::scim::error::{ScimError, ScimType};

/// Longest filter accepted, in bytes.
pub const MAX_FILTER_LENGTH: usize = 1024;
/// Most comparisons in one filter.
pub const MAX_FILTER_TERMS: usize = 8;

/// A filterable attribute of a resource type.
pub(crate) trait Attribute: Sized + Copy {
    /// The attribute for a lower-cased name, if filterable.
    fn from_name(lower: &str) -> Option<Self>;
    /// Whether the attribute is a boolean (else a string).
    fn is_boolean(self) -> bool;
}

/// Filterable User attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserAttribute {
    Active,
    EmailsValue,
    ExternalId,
    Id,
    UserName,
}

impl Attribute for UserAttribute {
    fn from_name(lower: &str) -> Option<Self> {
        let lower = lower
            .strip_prefix("urn:ietf:params:scim:schemas:core:2.0:user:")
            .unwrap_or(lower);
        Some(match lower {
            "active" => Self::Active,
            "emails.value" | "emails" => Self::EmailsValue,
            "externalid" => Self::ExternalId,
            "id" => Self::Id,
            "username" => Self::UserName,
            _ => return None,
        })
    }

    fn is_boolean(self) -> bool {
        self == Self::Active
    }
}

/// Filterable Group attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GroupAttribute {
    DisplayName,
    Id,
    MembersValue,
}

impl Attribute for GroupAttribute {
    fn from_name(lower: &str) -> Option<Self> {
        let lower = lower
            .strip_prefix("urn:ietf:params:scim:schemas:core:2.0:group:")
            .unwrap_or(lower);
        Some(match lower {
            "displayname" => Self::DisplayName,
            "id" => Self::Id,
            "members.value" | "members" => Self::MembersValue,
            _ => return None,
        })
    }

    fn is_boolean(self) -> bool {
        false
    }
}

/// The one attribute of a member value path, `members[value eq "…"]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemberValue;

impl Attribute for MemberValue {
    fn from_name(lower: &str) -> Option<Self> {
        (lower == "value").then_some(Self)
    }

    fn is_boolean(self) -> bool {
        false
    }
}

/// A comparison value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Literal {
    Boolean(bool),
    String(String),
}

/// `attribute eq value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Term<A> {
    pub(crate) attribute: A,
    pub(crate) value: Literal,
}

impl<A> Term<A> {
    pub(crate) fn string(&self) -> Option<&str> {
        match &self.value {
            Literal::String(s) => Some(s),
            Literal::Boolean(_) => None,
        }
    }
}

/// Parses `filter` into its comparisons (all of which must hold).
pub(crate) fn parse<A: Attribute>(filter: &str) -> Result<Vec<Term<A>>, ScimError> {
    let invalid = |why: String| {
        ScimError::bad_request(ScimType::InvalidFilter, format!("filter `{filter}`: {why}"))
    };
    if filter.len() > MAX_FILTER_LENGTH {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "filter has {} bytes; at most {MAX_FILTER_LENGTH} are accepted",
                filter.len()
            ),
        ));
    }
    let mut rest = filter.trim_start_matches(' ');
    let mut terms = Vec::new();
    loop {
        let (name, after) = word(rest);
        if name.is_empty() {
            return Err(invalid(format!(
                "expected an attribute name at `{}`",
                excerpt(rest)
            )));
        }
        let attribute = A::from_name(&name.to_lowercase()).ok_or_else(|| {
            invalid(format!(
                "attribute `{name}` cannot be filtered on (only `eq` on the listed attributes)"
            ))
        })?;
        let (operator, after) = word(spaces(after, name)?);
        if !operator.eq_ignore_ascii_case("eq") {
            return Err(invalid(format!(
                "operator `{operator}` is not supported; only `eq` is"
            )));
        }
        let (value, after) = literal(spaces(after, operator)?).map_err(&invalid)?;
        let value_ok = match value {
            Literal::Boolean(_) => attribute.is_boolean(),
            Literal::String(_) => !attribute.is_boolean(),
        };
        if !value_ok {
            return Err(invalid(format!(
                "attribute `{name}` takes a {} value",
                if attribute.is_boolean() {
                    "boolean"
                } else {
                    "string"
                }
            )));
        }
        terms.push(Term { attribute, value });
        if terms.len() > MAX_FILTER_TERMS {
            return Err(invalid(format!("more than {MAX_FILTER_TERMS} comparisons")));
        }
        let after = after.trim_start_matches(' ');
        if after.is_empty() {
            return Ok(terms);
        }
        let (joiner, after) = word(after);
        if !joiner.eq_ignore_ascii_case("and") {
            return Err(invalid(format!(
                "expected `and` or the end at `{}`; `or`, `not` and groupings are not supported",
                excerpt(after)
            )));
        }
        rest = spaces(after, joiner)?.trim_start_matches(' ');
    }
}

/// The leading run of attribute-path characters (`ALPHA *(nameChar / ".")`, URN colons).
fn word(input: &str) -> (&str, &str) {
    let end = input
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-' | '$')))
        .unwrap_or(input.len());
    input.split_at(end)
}

/// Requires at least one space after `previous`.
fn spaces<'a>(input: &'a str, previous: &str) -> Result<&'a str, ScimError> {
    let trimmed = input.trim_start_matches(' ');
    if trimmed.len() == input.len() {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "filter: expected a space after `{previous}` at `{}`",
                excerpt(input)
            ),
        ));
    }
    Ok(trimmed)
}

fn literal(input: &str) -> Result<(Literal, &str), String> {
    if input.starts_with('"') {
        // Find the closing quote, skipping escaped characters; JSON decodes the escapes.
        let mut escaped = false;
        for (i, c) in input.char_indices().skip(1) {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    let (quoted, rest) = input.split_at(i.saturating_add(1));
                    let value: String = serde_json::from_str(quoted)
                        .map_err(|e| format!("string {quoted} is not a JSON string: {e}"))?;
                    return Ok((Literal::String(value), rest));
                }
                _ => {}
            }
        }
        return Err("a string value has no closing quote".to_owned());
    }
    let (token, rest) = word(input);
    match token.to_lowercase().as_str() {
        "true" => Ok((Literal::Boolean(true), rest)),
        "false" => Ok((Literal::Boolean(false), rest)),
        _ => Err(format!(
            "expected a quoted string, true or false at `{}`",
            excerpt(input)
        )),
    }
}

fn excerpt(s: &str) -> &str {
    match s.char_indices().nth(32) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(filter: &str) -> Result<Vec<Term<UserAttribute>>, String> {
        parse(filter).map_err(|e| e.detail)
    }

    #[test]
    fn accepts_eq_and_and() {
        let terms = user(r#"userName eq "a\"b@x" AND active EQ true"#).unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].attribute, UserAttribute::UserName);
        assert_eq!(terms[0].value, Literal::String("a\"b@x".into()));
        assert_eq!(terms[1].value, Literal::Boolean(true));
        let terms = user(r#"emails.value eq "a@x" and externalId eq "7" and id eq "1""#).unwrap();
        assert_eq!(terms.len(), 3);
    }

    #[test]
    fn refuses_everything_else() {
        for (filter, why) in [
            (r#"userName sw "a""#, "operator `sw`"),
            (r#"userName eq "a" or userName eq "b""#, "expected `and`"),
            (r#"(userName eq "a")"#, "expected an attribute name"),
            (r#"not (userName eq "a")"#, "attribute `not`"),
            (r#"password eq "a""#, "attribute `password`"),
            (r#"userName eq "a"#, "no closing quote"),
            ("userName eq true", "takes a string value"),
            (r#"active eq "true""#, "takes a boolean value"),
            (r#"userName eq 12"#, "expected a quoted string"),
            (r#"userName eq"a""#, "expected a space"),
            (r#"userName eq "a" and"#, "expected a space after `and`"),
            (r#"emails[type eq "work"]"#, "expected a space"),
            ("", "expected an attribute name"),
        ] {
            let err = user(filter).unwrap_err();
            assert!(err.contains(why), "{filter}: {err}");
        }
        let long = format!(r#"userName eq "{}""#, "a".repeat(MAX_FILTER_LENGTH));
        assert!(user(&long).unwrap_err().contains("at most 1024"));
        let many = [r#"id eq "1""#; MAX_FILTER_TERMS + 1].join(" and ");
        assert!(user(&many).unwrap_err().contains("more than 8"));
    }

    #[test]
    fn group_attributes() {
        let terms: Vec<Term<GroupAttribute>> = parse(r#"displayName eq "Staff""#).unwrap();
        assert_eq!(terms[0].attribute, GroupAttribute::DisplayName);
        assert!(parse::<GroupAttribute>(r#"userName eq "a""#).is_err());
    }
}
