//! Escaping for building XML as text (messages, metadata, signature templates).

/// Appends `s` escaped for both attribute values and text: the five markup characters, and
/// tab, line feed and carriage return as character references (so attribute-value
/// normalization keeps them). Characters XML 1.0 cannot carry at all (C0 controls, U+FFFE,
/// U+FFFF) become U+FFFD.
pub(crate) fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{20}'..='\u{FFFD}' | '\u{10000}'.. => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// `s` escaped as [`push_escaped`] does.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_whitespace_and_illegal_characters() {
        assert_eq!(
            escape("a&<>\"'\t\n\r\u{1}\u{FFFF}é"),
            "a&amp;&lt;&gt;&quot;&apos;&#9;&#10;&#13;\u{FFFD}\u{FFFD}é"
        );
    }
}
