//! The `filter` query parameter, strictly: `ATTRIBUTE eq "VALUE"` terms joined by `and`, with
//! the attributes each list names. Everything else (`or`, `sw`, `gt`, parentheses, an unknown
//! attribute, a bad escape) is refused with a message naming the position and what was
//! expected, so that a client never gets an unfiltered list it took for a filtered one.

/// A filter longer than this is refused.
pub(crate) const MAX_FILTER_BYTES: usize = 1024;
/// A filter with more terms than this is refused.
pub(crate) const MAX_TERMS: usize = 8;

/// One `ATTRIBUTE eq "VALUE"` term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Term {
    /// One of the allowed attribute names, as written.
    pub(crate) attribute: &'static str,
    /// The unescaped value.
    pub(crate) value: String,
}

struct Cursor<'a> {
    input: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        self.input.get(self.at..).unwrap_or("")
    }

    fn error(&self, expected: &str) -> String {
        let found = match self.rest().chars().next() {
            None => "the end".to_owned(),
            Some(_) => format!("`{}`", self.rest().chars().take(20).collect::<String>()),
        };
        format!(
            "filter `{}`: expected {expected} at offset {}, found {found}",
            self.input, self.at
        )
    }

    /// Skips spaces; `required` asks for at least one.
    fn spaces(&mut self, required: bool) -> Result<(), String> {
        let skipped = self.rest().len() - self.rest().trim_start_matches(' ').len();
        if required && skipped == 0 {
            return Err(self.error("a space"));
        }
        self.at += skipped;
        Ok(())
    }

    /// A word of ASCII letters, digits, `.` and `_`.
    fn word(&mut self) -> &str {
        let len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(self.rest().len());
        let word = self.input.get(self.at..self.at + len).unwrap_or("");
        self.at += len;
        word
    }

    /// A double-quoted string; `\"` and `\\` are the only escapes.
    fn string(&mut self) -> Result<String, String> {
        if !self.rest().starts_with('"') {
            return Err(self.error("a double-quoted value"));
        }
        self.at += 1;
        let mut value = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.at += i + 1;
                    return Ok(value);
                }
                '\\' => match chars.next() {
                    Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                    _ => {
                        self.at += i;
                        return Err(self.error(r#"`\"` or `\\` (the only escapes)"#));
                    }
                },
                c if c.is_control() => {
                    self.at += i;
                    return Err(self.error("a printable character"));
                }
                c => value.push(c),
            }
        }
        self.at = self.input.len();
        Err(self.error("a closing `\"`"))
    }
}

/// Parses `filter` into its terms; `attributes` are the names allowed.
pub(crate) fn parse(filter: &str, attributes: &[&'static str]) -> Result<Vec<Term>, String> {
    if filter.len() > MAX_FILTER_BYTES {
        return Err(format!(
            "filter is {} bytes long; this server accepts at most {MAX_FILTER_BYTES}",
            filter.len()
        ));
    }
    let mut cursor = Cursor {
        input: filter,
        at: 0,
    };
    let mut terms = Vec::new();
    cursor.spaces(false)?;
    loop {
        let start = cursor.at;
        let word = cursor.word();
        let Some(attribute) = attributes.iter().find(|a| **a == word) else {
            cursor.at = start;
            return Err(cursor.error(&format!(
                "one of the attributes {}",
                attributes
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        cursor.spaces(true)?;
        let start = cursor.at;
        let operator = cursor.word();
        if operator != "eq" {
            cursor.at = start;
            return Err(cursor.error("`eq` (the only operator this server supports)"));
        }
        cursor.spaces(true)?;
        let value = cursor.string()?;
        terms.push(Term { attribute, value });
        if terms.len() > MAX_TERMS {
            return Err(format!(
                "filter `{filter}` has more than {MAX_TERMS} terms; this server accepts at most \
                 {MAX_TERMS}"
            ));
        }
        cursor.spaces(false)?;
        if cursor.rest().is_empty() {
            return Ok(terms);
        }
        let start = cursor.at;
        if cursor.word() != "and" {
            cursor.at = start;
            return Err(cursor.error("`and` (the only connective this server supports) or the end"));
        }
        cursor.spaces(true)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: &[&str] = &["id", "profile.email", "profile.login", "status"];

    fn ok(filter: &str) -> Vec<(&'static str, String)> {
        parse(filter, USERS)
            .unwrap()
            .into_iter()
            .map(|t| (t.attribute, t.value))
            .collect()
    }

    #[test]
    fn accepts_eq_terms_joined_by_and() {
        assert_eq!(
            ok(r#"profile.login eq "a@example.com""#),
            [("profile.login", "a@example.com".to_owned())]
        );
        assert_eq!(
            ok(r#" status  eq "ACTIVE" and profile.email eq "x\"y\\z" "#),
            [
                ("status", "ACTIVE".to_owned()),
                ("profile.email", r#"x"y\z"#.to_owned())
            ]
        );
    }

    #[test]
    fn refuses_everything_else_saying_where() {
        for (filter, message) in [
            (
                r#"profile.firstName eq "a""#,
                "expected one of the attributes",
            ),
            (
                r#"profile.login sw "a""#,
                "expected `eq` (the only operator",
            ),
            (
                r#"profile.login eq "a" or id eq "b""#,
                "expected `and` (the only connective",
            ),
            (r#"(profile.login eq "a")"#, "at offset 0"),
            (r#"profile.login eq a"#, "expected a double-quoted value"),
            (r#"profile.login eq "a"#, "expected a closing"),
            (r#"profile.login eq "a\n""#, "the only escapes"),
            (r#"profile.login eq"a""#, "expected a space"),
            (r#"profile.login eq "a" and"#, "expected a space"),
            ("", "expected one of the attributes"),
        ] {
            let err = parse(filter, USERS).unwrap_err();
            assert!(err.contains(message), "{filter}: {err}");
        }
        let long = format!(r#"id eq "{}""#, "x".repeat(MAX_FILTER_BYTES));
        assert!(parse(&long, USERS).unwrap_err().contains("at most 1024"));
        let many = [r#"id eq "x""#; MAX_TERMS + 1].join(" and ");
        assert!(parse(&many, USERS).unwrap_err().contains("at most 8"));
    }
}
