//! `subject.userNameTemplate`: the subset of Okta's expression language that Okta's own
//! examples use, parsed once (when the policy is loaded) into an AST and evaluated at each login
//! against the [`IdpUser`].
//!
//! The grammar, whole:
//!
//! ```text
//! expr     := term ('+' term)*
//! term     := string | idpuser | call | '(' expr ')'
//! string   := '"' chars '"' | '\'' chars '\''        (backslash escapes \" \' \\)
//! idpuser  := 'idpuser' '.' name
//! call     := 'String' '.' function '(' [expr (',' expr)*] ')'
//! function := substringBefore | substringAfter | toLowerCase | toUpperCase | join | append
//! ```
//!
//! `idpuser.subjectNameId`, `idpuser.subjectNameFormat`, `idpuser.subjectNameQualifier` and
//! `idpuser.subjectSpNameQualifier` are the NameID and its attributes; any other
//! `idpuser.<name>` is the SAML attribute of that name (see [`IdpUser::attribute`]).
//! Everything else Okta's language has (`user.*`, `appuser.*`, other namespaces, numbers,
//! operators other than `+`, `?:`, method calls on values) is refused by [`Template::parse`]
//! with the position and the construct, so a template that loads is a template that runs.
//!
//! Bounds: a template is at most [`MAX_TEMPLATE_CHARS`] characters (Okta's own limit), nested
//! at most [`MAX_DEPTH`] deep, and every value it computes is at most [`MAX_VALUE_BYTES`]
//! bytes; none of these can be exceeded by any input, and no input panics.

use std::fmt;

use crate::idp_user::IdpUser;

/// The longest template, in characters: Okta's limit for `userNameTemplate.template`.
pub const MAX_TEMPLATE_CHARS: usize = 1024;
/// How deeply parentheses and function calls may nest.
pub const MAX_DEPTH: usize = 32;
/// The longest value an evaluation may produce or pass between functions, in bytes. Okta's
/// logins are at most 100 characters; this leaves room for intermediate values.
pub const MAX_VALUE_BYTES: usize = 4096;

/// A parsed `subject.userNameTemplate.template`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    source: String,
    expr: Expr,
}

/// A string function of Okta's `String` namespace that templates may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Function {
    Append,
    Join,
    SubstringAfter,
    SubstringBefore,
    ToLowerCase,
    ToUpperCase,
}

impl Function {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "append" => Self::Append,
            "join" => Self::Join,
            "substringAfter" => Self::SubstringAfter,
            "substringBefore" => Self::SubstringBefore,
            "toLowerCase" => Self::ToLowerCase,
            "toUpperCase" => Self::ToUpperCase,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Append => "append",
            Self::Join => "join",
            Self::SubstringAfter => "substringAfter",
            Self::SubstringBefore => "substringBefore",
            Self::ToLowerCase => "toLowerCase",
            Self::ToUpperCase => "toUpperCase",
        }
    }

    /// The accepted argument counts, as (minimum, maximum, description).
    fn arity(self) -> (usize, usize, &'static str) {
        match self {
            Self::ToLowerCase | Self::ToUpperCase => (1, 1, "1"),
            Self::Append | Self::SubstringAfter | Self::SubstringBefore => (2, 2, "2"),
            Self::Join => (1, usize::MAX, "at least 1 (the separator, then the values)"),
        }
    }
}

/// What a template refers to in the IdP user.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reference {
    Attribute(String),
    NameFormat,
    NameId,
    NameQualifier,
    SpNameQualifier,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Expr {
    Call(Function, Vec<Expr>),
    Concat(Vec<Expr>),
    Literal(String),
    Reference(Reference),
}

/// Why a template was refused when the policy was loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {kind}")]
#[non_exhaustive]
pub struct TemplateError {
    /// Where (1-based, in characters) the refused construct starts; 0 for the whole template.
    pub position: usize,
    /// What was refused.
    pub kind: TemplateErrorKind,
}

/// What was wrong with a template.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateErrorKind {
    /// The template is empty or only spaces.
    #[error("the template is empty")]
    Empty,
    /// Something else was found where a construct was expected.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the grammar allows here.
        expected: &'static str,
        /// What was there (a quoted token, or "the end").
        found: String,
    },
    /// A character that starts no supported token.
    #[error("unexpected character `{0}`")]
    UnexpectedCharacter(char),
    /// An unknown `String.` function.
    #[error(
        "`String.{0}` is not supported (supported: append, join, substringAfter, substringBefore, toLowerCase, toUpperCase)"
    )]
    UnknownFunction(String),
    /// A construct of Okta's language outside the supported subset.
    #[error("`{construct}` is not supported: {hint}")]
    Unsupported {
        /// The construct as written.
        construct: String,
        /// What is supported instead.
        hint: &'static str,
    },
    /// A string literal without its closing quote.
    #[error("the string is not closed")]
    UnterminatedString,
    /// A function called with the wrong number of arguments.
    #[error("`String.{function}` takes {expected} argument(s), found {found}")]
    WrongArity {
        /// The function.
        function: &'static str,
        /// How many it takes.
        expected: &'static str,
        /// How many were given.
        found: usize,
    },
    /// Longer than [`MAX_TEMPLATE_CHARS`].
    #[error("the template is {length} characters long (at most {max})")]
    TooLong {
        /// Its length in characters.
        length: usize,
        /// [`MAX_TEMPLATE_CHARS`].
        max: usize,
    },
    /// Parentheses or calls nested deeper than [`MAX_DEPTH`].
    #[error("expressions nest deeper than {max}")]
    TooDeep {
        /// [`MAX_DEPTH`].
        max: usize,
    },
}

/// Why a template could not be evaluated for one IdP user (at login).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// `idpuser.<name>` is not in the assertion (nor the NameID attribute it names).
    #[error("`idpuser.{0}` is absent from the assertion")]
    Absent(String),
    /// `idpuser.<name>` has several values (a template computes one string).
    #[error("`idpuser.{name}` has {count} values; a template needs exactly one")]
    MultiValued {
        /// The attribute.
        name: String,
        /// How many values it has.
        count: usize,
    },
    /// The template evaluates to an empty (or all-space) username.
    #[error("the transformed username is empty")]
    Empty,
    /// A value grew beyond [`MAX_VALUE_BYTES`].
    #[error("a value computed by the template exceeds {max} bytes")]
    TooLong {
        /// [`MAX_VALUE_BYTES`].
        max: usize,
    },
}

impl Template {
    /// Parses a template, refusing anything outside the supported subset (see the
    /// [module documentation](self)).
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let length = source.chars().count();
        if length > MAX_TEMPLATE_CHARS {
            return Err(TemplateError {
                position: 0,
                kind: TemplateErrorKind::TooLong {
                    length,
                    max: MAX_TEMPLATE_CHARS,
                },
            });
        }
        let tokens = tokenize(source)?;
        if tokens.is_empty() {
            return Err(TemplateError {
                position: 0,
                kind: TemplateErrorKind::Empty,
            });
        }
        let mut parser = Parser {
            tokens: &tokens,
            next: 0,
            end: length.saturating_add(1),
        };
        let expr = parser.expr(0)?;
        if let Some(token) = parser.peek() {
            return Err(TemplateError {
                position: token.position,
                kind: TemplateErrorKind::Expected {
                    expected: "`+` or the end",
                    found: token.kind.describe(),
                },
            });
        }
        Ok(Self {
            source: source.to_owned(),
            expr,
        })
    }

    /// `idpuser.subjectNameId`: the NameID value as the username (the default).
    pub fn subject_name_id() -> Self {
        Self {
            source: "idpuser.subjectNameId".to_owned(),
            expr: Expr::Reference(Reference::NameId),
        }
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the template against one IdP user.
    pub fn evaluate(&self, user: &IdpUser) -> Result<String, EvalError> {
        eval(&self.expr, user)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum TokenKind {
    Close,
    Comma,
    Dot,
    Identifier(String),
    Number(String),
    Open,
    Plus,
    String(String),
}

impl TokenKind {
    fn describe(&self) -> String {
        match self {
            Self::Close => "`)`".to_owned(),
            Self::Comma => "`,`".to_owned(),
            Self::Dot => "`.`".to_owned(),
            Self::Identifier(s) | Self::Number(s) => format!("`{s}`"),
            Self::Open => "`(`".to_owned(),
            Self::Plus => "`+`".to_owned(),
            Self::String(s) => format!("the string {s:?}"),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    /// 1-based character position.
    position: usize,
    kind: TokenKind,
}

fn tokenize(source: &str) -> Result<Vec<Token>, TemplateError> {
    let mut tokens = Vec::new();
    let mut chars = source.chars().zip(1usize..).peekable();
    while let Some((c, position)) = chars.next() {
        let kind = match c {
            ' ' | '\t' | '\r' | '\n' => continue,
            '(' => TokenKind::Open,
            ')' => TokenKind::Close,
            ',' => TokenKind::Comma,
            '.' => TokenKind::Dot,
            '+' => TokenKind::Plus,
            '"' | '\'' => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(TemplateError {
                                position,
                                kind: TemplateErrorKind::UnterminatedString,
                            });
                        }
                        Some((q, _)) if q == c => break,
                        Some(('\\', escape_at)) => match chars.next() {
                            Some((e @ ('"' | '\'' | '\\'), _)) => value.push(e),
                            Some((other, _)) => {
                                return Err(TemplateError {
                                    position: escape_at,
                                    kind: TemplateErrorKind::Unsupported {
                                        construct: format!("\\{other}"),
                                        hint: "the only escapes are \\\", \\' and \\\\",
                                    },
                                });
                            }
                            None => {
                                return Err(TemplateError {
                                    position,
                                    kind: TemplateErrorKind::UnterminatedString,
                                });
                            }
                        },
                        Some((other, _)) => value.push(other),
                    }
                }
                TokenKind::String(value)
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                let mut name = String::from(c);
                while let Some(&(n, _)) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' || n == '$' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                TokenKind::Identifier(name)
            }
            c if c.is_ascii_digit() => {
                let mut number = String::from(c);
                while let Some(&(n, _)) = chars.peek() {
                    if n.is_ascii_alphanumeric() {
                        number.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                TokenKind::Number(number)
            }
            other => {
                return Err(TemplateError {
                    position,
                    kind: TemplateErrorKind::UnexpectedCharacter(other),
                });
            }
        };
        tokens.push(Token { position, kind });
    }
    Ok(tokens)
}

struct Parser<'t> {
    tokens: &'t [Token],
    next: usize,
    /// The position reported for "the end".
    end: usize,
}

const REFERENCE_HINT: &str = "templates may refer to `idpuser.<attribute>` and call \
                              `String.<function>(…)`, joined with `+`";

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn bump(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.next);
        self.next = self.next.saturating_add(1);
        token
    }

    fn error(&self, expected: &'static str) -> TemplateError {
        match self.peek() {
            Some(token) => TemplateError {
                position: token.position,
                kind: TemplateErrorKind::Expected {
                    expected,
                    found: token.kind.describe(),
                },
            },
            None => TemplateError {
                position: self.end,
                kind: TemplateErrorKind::Expected {
                    expected,
                    found: "the end".to_owned(),
                },
            },
        }
    }

    fn expect(&mut self, kind: &TokenKind, expected: &'static str) -> Result<(), TemplateError> {
        if self.peek().map(|t| &t.kind) == Some(kind) {
            self.bump();
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn identifier(&mut self, expected: &'static str) -> Result<(usize, String), TemplateError> {
        match self.peek() {
            Some(Token {
                position,
                kind: TokenKind::Identifier(name),
            }) => {
                let found = (*position, name.clone());
                self.bump();
                Ok(found)
            }
            _ => Err(self.error(expected)),
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, TemplateError> {
        if depth >= MAX_DEPTH {
            return Err(TemplateError {
                position: self.peek().map_or(self.end, |t| t.position),
                kind: TemplateErrorKind::TooDeep { max: MAX_DEPTH },
            });
        }
        let mut terms = vec![self.term(depth)?];
        while self.peek().map(|t| &t.kind) == Some(&TokenKind::Plus) {
            self.bump();
            terms.push(self.term(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.swap_remove(0)
        } else {
            Expr::Concat(terms)
        })
    }

    fn term(&mut self, depth: usize) -> Result<Expr, TemplateError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.error("a value"));
        };
        let expr = match token.kind {
            TokenKind::String(value) => {
                self.bump();
                Expr::Literal(value)
            }
            TokenKind::Open => {
                self.bump();
                let inner = self.expr(depth.saturating_add(1))?;
                self.expect(&TokenKind::Close, "`)`")?;
                inner
            }
            TokenKind::Identifier(name) if name == "idpuser" => {
                self.bump();
                self.expect(&TokenKind::Dot, "`.` after `idpuser`")?;
                let (_, attribute) = self.identifier("an attribute name after `idpuser.`")?;
                Expr::Reference(match attribute.as_str() {
                    "subjectNameId" => Reference::NameId,
                    "subjectNameFormat" => Reference::NameFormat,
                    "subjectNameQualifier" => Reference::NameQualifier,
                    "subjectSpNameQualifier" => Reference::SpNameQualifier,
                    _ => Reference::Attribute(attribute),
                })
            }
            TokenKind::Identifier(name) if name == "String" => {
                self.bump();
                self.expect(&TokenKind::Dot, "`.` after `String`")?;
                let (at, function) = self.identifier("a function name after `String.`")?;
                let Some(function) = Function::from_name(&function) else {
                    return Err(TemplateError {
                        position: at,
                        kind: TemplateErrorKind::UnknownFunction(function),
                    });
                };
                self.expect(&TokenKind::Open, "`(` after the function name")?;
                let mut args = Vec::new();
                if self.peek().map(|t| &t.kind) == Some(&TokenKind::Close) {
                    self.bump();
                } else {
                    loop {
                        args.push(self.expr(depth.saturating_add(1))?);
                        match self.bump().map(|t| &t.kind) {
                            Some(TokenKind::Comma) => {}
                            Some(TokenKind::Close) => break,
                            _ => {
                                self.next = self.next.saturating_sub(1);
                                return Err(self.error("`,` or `)`"));
                            }
                        }
                    }
                }
                let (min, max, expected) = function.arity();
                if args.len() < min || args.len() > max {
                    return Err(TemplateError {
                        position: at,
                        kind: TemplateErrorKind::WrongArity {
                            function: function.name(),
                            expected,
                            found: args.len(),
                        },
                    });
                }
                Expr::Call(function, args)
            }
            TokenKind::Identifier(name) => {
                // Name the whole dotted construct (`user.login`, `Convert.toInt`).
                let mut construct = name;
                self.bump();
                while self.peek().map(|t| &t.kind) == Some(&TokenKind::Dot) {
                    self.bump();
                    match self.peek().map(|t| t.kind.clone()) {
                        Some(TokenKind::Identifier(part)) => {
                            self.bump();
                            construct.push('.');
                            construct.push_str(&part);
                        }
                        _ => break,
                    }
                }
                return Err(TemplateError {
                    position: token.position,
                    kind: TemplateErrorKind::Unsupported {
                        construct,
                        hint: REFERENCE_HINT,
                    },
                });
            }
            TokenKind::Number(number) => {
                return Err(TemplateError {
                    position: token.position,
                    kind: TemplateErrorKind::Unsupported {
                        construct: number,
                        hint: "numbers are not supported; write text as a \"string\"",
                    },
                });
            }
            TokenKind::Close | TokenKind::Comma | TokenKind::Dot | TokenKind::Plus => {
                return Err(self.error("a value"));
            }
        };
        // `idpuser.email.toLowerCase()` and the like: a method call on a value.
        if self.peek().map(|t| &t.kind) == Some(&TokenKind::Dot) {
            let at = self.peek().map_or(self.end, |t| t.position);
            return Err(TemplateError {
                position: at,
                kind: TemplateErrorKind::Unsupported {
                    construct: "a method call on a value".to_owned(),
                    hint: "call the `String.` function with the value as its first argument",
                },
            });
        }
        Ok(expr)
    }
}

fn bounded(value: String) -> Result<String, EvalError> {
    if value.len() > MAX_VALUE_BYTES {
        Err(EvalError::TooLong {
            max: MAX_VALUE_BYTES,
        })
    } else {
        Ok(value)
    }
}

/// Appends `piece` to `out` within [`MAX_VALUE_BYTES`].
fn push_bounded(out: &mut String, piece: &str) -> Result<(), EvalError> {
    if out.len().saturating_add(piece.len()) > MAX_VALUE_BYTES {
        return Err(EvalError::TooLong {
            max: MAX_VALUE_BYTES,
        });
    }
    out.push_str(piece);
    Ok(())
}

fn eval(expr: &Expr, user: &IdpUser) -> Result<String, EvalError> {
    match expr {
        Expr::Literal(s) => bounded(s.clone()),
        Expr::Reference(reference) => {
            let (name, value) = match reference {
                Reference::NameId => ("subjectNameId", Some(user.subject_name_id.as_str())),
                Reference::NameFormat => ("subjectNameFormat", user.subject_name_format.as_deref()),
                Reference::NameQualifier => (
                    "subjectNameQualifier",
                    user.subject_name_qualifier.as_deref(),
                ),
                Reference::SpNameQualifier => (
                    "subjectSpNameQualifier",
                    user.subject_sp_name_qualifier.as_deref(),
                ),
                Reference::Attribute(name) => {
                    return match user.attribute(name) {
                        None | Some([]) => Err(EvalError::Absent(name.clone())),
                        Some([one]) => bounded(one.clone()),
                        Some(many) => Err(EvalError::MultiValued {
                            name: name.clone(),
                            count: many.len(),
                        }),
                    };
                }
            };
            match value {
                Some(v) => bounded(v.to_owned()),
                None => Err(EvalError::Absent(name.to_owned())),
            }
        }
        Expr::Concat(terms) => {
            let mut out = String::new();
            for term in terms {
                push_bounded(&mut out, &eval(term, user)?)?;
            }
            Ok(out)
        }
        Expr::Call(function, args) => {
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                values.push(eval(arg, user)?);
            }
            call(*function, values)
        }
    }
}

/// Okta's `String` functions follow Apache Commons `StringUtils`: `substringBefore` of a
/// value without the separator is the whole value, `substringAfter` is empty.
fn call(function: Function, values: Vec<String>) -> Result<String, EvalError> {
    let first = values.first().map(String::as_str).unwrap_or_default();
    let second = values.get(1).map(String::as_str).unwrap_or_default();
    match function {
        Function::ToLowerCase => bounded(first.to_lowercase()),
        Function::ToUpperCase => bounded(first.to_uppercase()),
        Function::SubstringBefore => Ok(if second.is_empty() {
            String::new()
        } else {
            first
                .split_once(second)
                .map_or(first, |(b, _)| b)
                .to_owned()
        }),
        Function::SubstringAfter => Ok(if second.is_empty() {
            first.to_owned()
        } else {
            first.split_once(second).map_or("", |(_, a)| a).to_owned()
        }),
        Function::Append => {
            let mut out = first.to_owned();
            push_bounded(&mut out, second)?;
            Ok(out)
        }
        Function::Join => {
            let separator = values.first().cloned().unwrap_or_default();
            let mut out = String::new();
            for (i, value) in values.iter().skip(1).enumerate() {
                if i > 0 {
                    push_bounded(&mut out, &separator)?;
                }
                push_bounded(&mut out, value)?;
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> IdpUser {
        IdpUser::new("Alice.Smith@Example.com")
            .with_attribute("email", ["alice@example.com"])
            .with_attribute("firstName", ["Alice"])
            .with_attribute("groups", ["a", "b"])
    }

    #[track_caller]
    fn eval_ok(template: &str) -> String {
        Template::parse(template)
            .unwrap_or_else(|e| panic!("{template}: {e}"))
            .evaluate(&user())
            .unwrap_or_else(|e| panic!("{template}: {e}"))
    }

    #[track_caller]
    fn refused(template: &str) -> TemplateError {
        match Template::parse(template) {
            Ok(t) => panic!("accepted {template}: {t:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn okta_examples_evaluate() {
        assert_eq!(eval_ok("idpuser.subjectNameId"), "Alice.Smith@Example.com");
        assert_eq!(eval_ok("idpuser.email"), "alice@example.com");
        assert_eq!(
            eval_ok("String.substringBefore(idpuser.subjectNameId, \"@\")"),
            "Alice.Smith"
        );
        assert_eq!(
            eval_ok("String.substringAfter(idpuser.subjectNameId, \"@\")"),
            "Example.com"
        );
        assert_eq!(
            eval_ok("String.toLowerCase(idpuser.subjectNameId)"),
            "alice.smith@example.com"
        );
        assert_eq!(eval_ok("String.toUpperCase(idpuser.firstName)"), "ALICE");
        assert_eq!(
            eval_ok("String.substringBefore(idpuser.email, \"@\") + \"@corp.example\""),
            "alice@corp.example"
        );
        assert_eq!(
            eval_ok("String.join(\".\", idpuser.firstName, 'x', (\"y\"))"),
            "Alice.x.y"
        );
        assert_eq!(eval_ok("String.append(idpuser.firstName, \"!\")"), "Alice!");
        assert_eq!(eval_ok("String.substringBefore(\"abc\", \"z\")"), "abc");
        assert_eq!(eval_ok("String.substringAfter(\"abc\", \"z\")"), "");
        assert_eq!(eval_ok(r#""a\"b\\c""#), "a\"b\\c");
    }

    #[test]
    fn evaluation_errors_name_the_attribute() {
        let t = Template::parse("idpuser.mobilePhone").unwrap();
        assert_eq!(
            t.evaluate(&user()).unwrap_err().to_string(),
            "`idpuser.mobilePhone` is absent from the assertion"
        );
        let t = Template::parse("idpuser.groups").unwrap();
        assert_eq!(
            t.evaluate(&user()).unwrap_err(),
            EvalError::MultiValued {
                name: "groups".into(),
                count: 2
            }
        );
        let t = Template::parse("idpuser.subjectNameQualifier").unwrap();
        assert!(matches!(t.evaluate(&user()), Err(EvalError::Absent(_))));
    }

    #[test]
    fn unsupported_constructs_are_refused_with_their_position() {
        let e = refused("user.login");
        assert_eq!(e.position, 1);
        assert_eq!(
            e.kind,
            TemplateErrorKind::Unsupported {
                construct: "user.login".into(),
                hint: REFERENCE_HINT
            }
        );
        let e = refused("idpuser.email + String.replace(idpuser.email, \"a\", \"b\")");
        assert_eq!(
            (e.position, e.kind),
            (24, TemplateErrorKind::UnknownFunction("replace".into()))
        );
        let e = refused("idpuser.email.toLowerCase()");
        assert_eq!(e.position, 14);
        assert!(matches!(e.kind, TemplateErrorKind::Unsupported { .. }));
        let e = refused("idpuser.email == \"x\"");
        assert_eq!(
            (e.position, e.kind),
            (15, TemplateErrorKind::UnexpectedCharacter('='))
        );
        let e = refused("String.toLowerCase(idpuser.email, \"x\")");
        assert!(matches!(
            e.kind,
            TemplateErrorKind::WrongArity { found: 2, .. }
        ));
        let e = refused("\"abc");
        assert_eq!(
            (e.position, e.kind),
            (1, TemplateErrorKind::UnterminatedString)
        );
        let e = refused("idpuser.email +");
        assert_eq!(e.position, 16);
        assert!(matches!(e.kind, TemplateErrorKind::Expected { .. }));
        let e = refused("1 + idpuser.email");
        assert!(matches!(e.kind, TemplateErrorKind::Unsupported { .. }));
        assert_eq!(refused("  ").kind, TemplateErrorKind::Empty);
        let e = refused("idpuser.email idpuser.email");
        assert_eq!(e.position, 15);
        assert_eq!(
            e.to_string(),
            "at character 15: expected `+` or the end, found `idpuser`"
        );
    }

    #[test]
    fn bounds() {
        let long = format!("\"{}\"", "a".repeat(MAX_TEMPLATE_CHARS));
        assert!(matches!(
            refused(&long).kind,
            TemplateErrorKind::TooLong { .. }
        ));
        let deep = format!("{}\"a\"{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(
            refused(&deep).kind,
            TemplateErrorKind::TooDeep { max: MAX_DEPTH }
        );
        let nested = format!(
            "{}idpuser.email{}",
            "String.toLowerCase(".repeat(40),
            ")".repeat(40)
        );
        assert!(matches!(
            refused(&nested).kind,
            TemplateErrorKind::TooDeep { .. }
        ));
        // 200 references to a 1000-byte attribute would make 200 kB: refused at 4 kB.
        let big = IdpUser::new("x").with_attribute("big", ["b".repeat(1000)]);
        let many = vec!["idpuser.big"; 60].join("+");
        let t = Template::parse(&many).unwrap();
        assert_eq!(
            t.evaluate(&big).unwrap_err(),
            EvalError::TooLong {
                max: MAX_VALUE_BYTES
            }
        );
    }

    /// A cheap fuzz: random strings over the template alphabet never panic, and what parses
    /// evaluates without panicking.
    #[test]
    fn random_strings_never_panic() {
        const PIECES: &[&str] = &[
            "idpuser",
            "String",
            ".",
            "(",
            ")",
            ",",
            "+",
            "\"",
            "'",
            "\\",
            "email",
            "subjectNameId",
            "toLowerCase",
            "substringBefore",
            "join",
            "append",
            "@",
            " ",
            "é",
            "1",
            "user",
            "=",
            "?",
            ":",
            "groups",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut parsed = 0;
        for _ in 0..20_000 {
            let len = next() % 24;
            let mut s = String::new();
            for _ in 0..len {
                let i = usize::try_from(next() % 25).unwrap_or(0);
                s.push_str(PIECES[i]);
            }
            if let Ok(t) = Template::parse(&s) {
                parsed += 1;
                let _ = t.evaluate(&user());
            }
        }
        assert!(parsed > 0);
    }
}
