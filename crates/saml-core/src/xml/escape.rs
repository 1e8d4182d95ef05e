//! Escaping for building XML as text (messages, metadata, signature templates).

/// Appends `s` escaped for both attribute values and text: the five markup characters, and
/// tab, line feed and carriage return as character references (so attribute-value
/// normalization keeps them). Characters XML 1.0 cannot carry at all (C0 controls, U+FFFE,
/// U+FFFF) become U+FFFD.
pub(crate) fn push_escaped(out: &mut String, s: &str) {
    // Runs of characters that need nothing are copied whole. Every character that needs
    // something starts with an ASCII byte or, for U+FFFE and U+FFFF (EF BF BE, EF BF BF), with
    // 0xEF: a run ends only at one of those, so it ends on a character boundary.
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    // The next byte that may need something, found eight bytes at a time.
    while let Some(at) = super::swar::find(
        bytes,
        i,
        |x| {
            use super::swar::{below, eq};
            eq(x, b'&')
                | eq(x, b'<')
                | eq(x, b'>')
                | eq(x, b'"')
                | eq(x, b'\'')
                | eq(x, 0xEF)
                | below(x, 0x20)
        },
        |b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0xEF) || b < 0x20,
    ) {
        i = at;
        let replacement = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            b'\t' => "&#9;",
            b'\n' => "&#10;",
            b'\r' => "&#13;",
            0..0x20 => "\u{FFFD}",
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => {
                out.push_str(s.get(run..i).unwrap_or_default());
                out.push('\u{FFFD}');
                i += 3;
                run = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(s.get(run..i).unwrap_or_default());
        out.push_str(replacement);
        i += 1;
        run = i;
    }
    out.push_str(s.get(run..).unwrap_or_default());
}

/// Appends, as exclusive (or inclusive) c14n writes it in text (`attribute` false) or in an
/// attribute value (`attribute` true), the value that the output of [`push_escaped`]`(s)`
/// parses back to. That value is `s` with every character [`push_escaped`] replaces by U+FFFD
/// so replaced (the character references it writes for tab, line feed and carriage return
/// survive parsing and attribute-value normalization as those characters); c14n then escapes
/// `& < >` and carriage return in text, `& < "`, tab, line feed and carriage return in
/// attribute values (C14N 1.0 §2.3 and §5.2 of the exclusive one). For writers that build a
/// message and its canonical form side by side; a test holds the pair to the canonicalizer.
pub(crate) fn push_canonical(out: &mut String, s: &str, attribute: bool) {
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while let Some(at) = super::swar::find(
        bytes,
        i,
        |x| {
            use super::swar::{below, eq};
            eq(x, b'&') | eq(x, b'<') | eq(x, b'>') | eq(x, b'"') | eq(x, 0xEF) | below(x, 0x20)
        },
        |b| matches!(b, b'&' | b'<' | b'>' | b'"' | 0xEF) || b < 0x20,
    ) {
        i = at;
        let replacement = match (bytes[i], attribute) {
            (b'&', _) => "&amp;",
            (b'<', _) => "&lt;",
            (b'>', false) => "&gt;",
            (b'"', true) => "&quot;",
            (b'\r', _) => "&#xD;",
            (b'\t', true) => "&#x9;",
            (b'\n', true) => "&#xA;",
            (b'\t', false) => "\t",
            (b'\n', false) => "\n",
            (0..0x20, _) => "\u{FFFD}",
            (0xEF, _) if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => {
                out.push_str(s.get(run..i).unwrap_or_default());
                out.push('\u{FFFD}');
                i += 3;
                run = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(s.get(run..i).unwrap_or_default());
        out.push_str(replacement);
        i += 1;
        run = i;
    }
    out.push_str(s.get(run..).unwrap_or_default());
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

    /// The character-by-character definition the run-copying [`super::push_escaped`] must
    /// agree with.
    fn reference(s: &str) -> String {
        let mut out = String::new();
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
        out
    }

    #[test]
    fn agrees_with_the_character_by_character_definition() {
        let alphabet =
            "a&<>\"'\t\n\r\u{1}\u{1F}\u{7F}é\u{EFFF}\u{FFFD}\u{FFFE}\u{FFFF}\u{10000}\u{10FFFF}";
        let chars: Vec<char> = alphabet.chars().collect();
        let mut m = crate::test_support::Mutator::new(7);
        for _ in 0..20_000 {
            let len = m.below(12);
            let s: String = (0..len).map(|_| chars[m.below(chars.len())]).collect();
            assert_eq!(escape(&s), reference(&s), "{s:?}");
        }
    }

    #[test]
    fn escapes_markup_whitespace_and_illegal_characters() {
        assert_eq!(
            escape("a&<>\"'\t\n\r\u{1}\u{FFFF}é"),
            "a&amp;&lt;&gt;&quot;&apos;&#9;&#10;&#13;\u{FFFD}\u{FFFD}é"
        );
        assert_eq!(
            escape("\u{FFFE}x\u{EFFF}\u{FFFD}\u{FFFF}\u{7F}\u{10FFFF}<"),
            "\u{FFFD}x\u{EFFF}\u{FFFD}\u{FFFD}\u{7F}\u{10FFFF}&lt;"
        );
        assert_eq!(escape(""), "");
        assert_eq!(escape("plain text"), "plain text");
    }
}
