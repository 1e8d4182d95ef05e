//! The hardened parser: every rejection asserts its error kind (and, where it matters, the
//! line and column), and the normalizations XML Signature depends on are checked.

use saml_core::xml::{Document, LimitKind, Limits, NodeKind, XmlErrorKind};

#[track_caller]
fn rejects(input: &str) -> saml_core::xml::XmlError {
    match Document::parse(input) {
        Ok(_) => panic!("accepted: {input}"),
        Err(e) => e,
    }
}

macro_rules! rejects {
    ($name:ident: $input:expr => $kind:pat) => {
        #[test]
        fn $name() {
            let err = rejects($input);
            assert!(matches!(err.kind, $kind), "{:?}", err);
        }
    };
    ($name:ident: $input:expr => $kind:pat, at $line:expr, $col:expr) => {
        #[test]
        fn $name() {
            let err = rejects($input);
            assert!(matches!(err.kind, $kind), "{:?}", err);
            assert_eq!(
                (err.position.line, err.position.column),
                ($line, $col),
                "{err}"
            );
        }
    };
}

mod no_dtd {
    use super::*;
    rejects!(doctype_external: "<!DOCTYPE r SYSTEM \"r.dtd\"><r/>" => XmlErrorKind::Doctype, at 1, 1);
    rejects!(doctype_internal_entity: "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x \"y\">]>\n<r>&x;</r>" => XmlErrorKind::Doctype, at 2, 1);
    rejects!(xxe: "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>" => XmlErrorKind::Doctype);
    rejects!(parameter_entity: "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://x/\"> %p;]><r/>" => XmlErrorKind::Doctype);
    rejects!(doctype_after_comment: "<!-- c --><!DOCTYPE r><r/>" => XmlErrorKind::Doctype);
    rejects!(undefined_entity: "<r>&x;</r>" => XmlErrorKind::UndefinedEntity(_), at 1, 4);
    rejects!(undefined_entity_in_attribute: "<r a=\"&x;\"/>" => XmlErrorKind::UndefinedEntity(_));

    #[test]
    fn billion_laughs_rejected_before_expansion() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors/saml/attack/billion-laughs.xml"
        );
        let text = std::fs::read_to_string(path).expect("vector");
        assert_eq!(rejects(&text).kind, XmlErrorKind::Doctype);
    }
}

mod namespaces {
    use super::*;
    rejects!(undeclared_element_prefix: "<p:r/>" => XmlErrorKind::UndeclaredPrefix(_), at 1, 1);
    rejects!(undeclared_attribute_prefix: "<r xmlns:a=\"urn:a\">\n  <s b:x=\"1\"/></r>" => XmlErrorKind::UndeclaredPrefix(_), at 2, 3);
    rejects!(prefix_out_of_scope: "<r><a xmlns:p=\"urn:p\"/><p:b/></r>" => XmlErrorKind::UndeclaredPrefix(_));
    rejects!(undeclare_prefix: "<r xmlns:p=\"\"/>" => XmlErrorKind::InvalidNamespace(_));
    rejects!(relative_uri: "<r xmlns=\"relative/path\"/>" => XmlErrorKind::InvalidNamespace(_));
    rejects!(bind_xmlns: "<r xmlns:xmlns=\"urn:x\"/>" => XmlErrorKind::InvalidNamespace(_));
    rejects!(rebind_xml: "<r xmlns:xml=\"urn:x\"/>" => XmlErrorKind::InvalidNamespace(_));
    rejects!(other_prefix_to_xml_uri: "<r xmlns:x=\"http://www.w3.org/XML/1998/namespace\"/>" => XmlErrorKind::InvalidNamespace(_));
    rejects!(xmlns_element_prefix: "<xmlns:r/>" => XmlErrorKind::InvalidNamespace(_));

    #[test]
    fn declarations_and_scope() {
        let doc = Document::parse(
            "<r xmlns=\"urn:d\" xmlns:a=\"urn:a\"><a:s xmlns:a=\"urn:a2\" xmlns=\"\"><t/></a:s></r>",
        )
        .expect("parses");
        let r = doc.root_element();
        let s = doc.element_children(r).next().expect("s");
        let t = doc.element_children(s).next().expect("t");
        assert_eq!(doc.namespace(r), "urn:d");
        assert_eq!(doc.namespace(s), "urn:a2");
        assert_eq!(doc.namespace(t), "");
        assert_eq!(doc.namespace_declarations(s).count(), 2);
        let scope: Vec<_> = doc
            .in_scope_namespaces(t)
            .iter()
            .map(|n| (n.prefix.to_owned(), n.uri.to_owned()))
            .collect();
        assert_eq!(scope, [("a".to_owned(), "urn:a2".to_owned())]);
        assert!(doc.is(s, "urn:a2", "s"));
        assert!(!doc.is(s, "urn:a", "s"));
    }

    /// Many bindings in scope (past where lookups stop scanning and use an index): the
    /// nearest declaration wins for names and for `in_scope_namespaces`, a binding comes back
    /// when the element shadowing it ends, and an empty default is not listed.
    #[test]
    fn many_declarations_nearest_wins() {
        let outer: String = (0..30)
            .map(|i| format!(" xmlns:p{i}=\"urn:o{i}\""))
            .collect();
        let text = format!(
            "<r xmlns=\"urn:d\"{outer}><p7:s xmlns:p7=\"urn:inner\" xmlns=\"\"><t p3:a=\"1\"/>\
             </p7:s><p7:u/></r>"
        );
        let doc = Document::parse(&text).expect("parses");
        let r = doc.root_element();
        let s = doc.element_children(r).next().expect("s");
        let t = doc.element_children(s).next().expect("t");
        let u = doc.element_children(r).nth(1).expect("u");
        assert_eq!(doc.namespace(s), "urn:inner");
        assert_eq!(doc.namespace(t), "");
        assert_eq!(doc.attribute_ns_unverified(t, "urn:o3", "a"), Some("1"));
        assert_eq!(doc.namespace(u), "urn:o7");
        let scope = doc.in_scope_namespaces(t);
        assert_eq!(scope.len(), 30, "{scope:?}");
        assert!(scope.windows(2).all(|w| w[0].prefix < w[1].prefix));
        let p7 = scope.iter().find(|n| n.prefix == "p7").expect("p7");
        assert_eq!(p7.uri, "urn:inner");
        assert!(scope.iter().all(|n| !n.prefix.is_empty()));
        assert_eq!(doc.in_scope_namespaces(u).len(), 31);
    }

    /// The namespace limit, set low: declarations in scope are counted across elements.
    #[test]
    fn namespace_declaration_limit() {
        let limits = Limits::default().with_max_namespace_declarations(2);
        let text = "<r xmlns:a=\"urn:a\"><s xmlns:b=\"urn:b\"><t xmlns:c=\"urn:c\"/></s></r>";
        let err = Document::parse_with_limits(text, &limits).expect_err("three in scope");
        assert_eq!(
            err.kind,
            XmlErrorKind::LimitExceeded {
                kind: LimitKind::NamespaceDeclarations,
                max: 2
            }
        );
        assert_eq!((err.position.line, err.position.column), (1, 39));
    }
}

mod attributes {
    use super::*;
    rejects!(duplicate_name: "<r a=\"1\" a=\"2\"/>" => XmlErrorKind::DuplicateAttribute(_));
    rejects!(duplicate_after_resolution: "<r xmlns:p=\"urn:x\" xmlns:q=\"urn:x\" p:a=\"1\" q:a=\"2\"/>" => XmlErrorKind::DuplicateAttribute(_));
    rejects!(duplicate_declaration: "<r xmlns:p=\"urn:x\" xmlns:p=\"urn:y\"/>" => XmlErrorKind::DuplicateAttribute(_));
    rejects!(lt_in_value: "<r a=\"<\"/>" => XmlErrorKind::Syntax(_));
    rejects!(no_space_between: "<r a=\"1\"b=\"2\"/>" => XmlErrorKind::Syntax(_));
    rejects!(missing_value: "<r a/>" => XmlErrorKind::Syntax(_));
    rejects!(missing_eq: "<r a \"1\"/>" => XmlErrorKind::Syntax(_));
    rejects!(unterminated_value: "<r a=\"1/>" => XmlErrorKind::Syntax(_));
    rejects!(name_starts_with_digit: "<r 1a=\"1\"/>" => XmlErrorKind::InvalidName(_));
    rejects!(local_starts_with_digit: "<r xmlns:p=\"urn:p\" p:1=\"1\"/>" => XmlErrorKind::InvalidName(_));
    rejects!(empty_prefix: "<r :a=\"1\"/>" => XmlErrorKind::InvalidName(_));

    #[test]
    fn quoting_and_whitespace_around_eq() {
        let doc = Document::parse("<r a = '1\"' \n\tb=\"x'y\" c=''/>").expect("parses");
        let r = doc.root_element();
        assert_eq!(doc.attribute_unverified(r, "a"), Some("1\""));
        assert_eq!(doc.attribute_unverified(r, "b"), Some("x'y"));
        assert_eq!(doc.attribute_unverified(r, "c"), Some(""));
        let names: Vec<_> = doc.attributes_unverified(r).map(|a| a.local_name).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
    rejects!(unquoted: "<r a=1/>" => XmlErrorKind::Syntax(_));

    #[test]
    fn value_normalization() {
        // XML 1.0 §3.3.3: literal whitespace becomes a space; references stay what they name.
        let doc = Document::parse("<r a=\"x\ty\nz\r\nw\" b=\"&#9;&#xA;&#xD;&amp;&lt;\"/>")
            .expect("parses");
        let r = doc.root_element();
        assert_eq!(doc.attribute_unverified(r, "a"), Some("x y z w"));
        assert_eq!(doc.attribute_unverified(r, "b"), Some("\t\n\r&<"));
    }
}

mod structure {
    use super::*;
    rejects!(mismatched: "<a><b></a></b>" => XmlErrorKind::MismatchedTag { .. }, at 1, 7);
    rejects!(unclosed: "<a><b></b>" => XmlErrorKind::UnclosedTag(_));
    rejects!(two_roots: "<a/><b/>" => XmlErrorKind::ContentAfterRoot, at 1, 5);
    rejects!(text_after_root: "<a/>x" => XmlErrorKind::TextOutsideRoot);
    rejects!(text_before_root: "x<a/>" => XmlErrorKind::TextOutsideRoot);
    rejects!(empty: "  " => XmlErrorKind::EmptyDocument);
    rejects!(late_declaration: " <?xml version=\"1.0\"?><a/>" => XmlErrorKind::XmlDeclaration(_));
    rejects!(version_2: "<?xml version=\"2.0\"?><a/>" => XmlErrorKind::XmlDeclaration(_));
    rejects!(latin1: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>" => XmlErrorKind::UnsupportedEncoding(_));
    rejects!(double_hyphen_comment: "<a><!-- a -- b --></a>" => XmlErrorKind::Syntax(_));
    rejects!(invalid_name: "<1a/>" => XmlErrorKind::InvalidName(_) | XmlErrorKind::Syntax(_));
    rejects!(two_colons: "<a:b:c xmlns:a=\"urn:a\"/>" => XmlErrorKind::InvalidName(_));
    rejects!(cdata_end_in_text: "<a>]]></a>" => XmlErrorKind::Syntax(_));
    rejects!(end_without_start: "</a>" => XmlErrorKind::Syntax(_));

    // One byte-order mark is the encoding signature; a second is a character (U+FEFF)
    // outside the document element. (quick-xml, the parser's tokenizer at the time, skipped it
    // silently and its offsets then disagreed with the source by three bytes; found by the
    // c14n fuzz target.)
    #[test]
    fn second_byte_order_mark_rejected() {
        let err = Document::parse_bytes(
            "\u{FEFF}\u{FEFF}<r a=\"1\"/>".as_bytes(),
            &Limits::default(),
        )
        .expect_err("a second BOM is content");
        assert_eq!(err.kind, XmlErrorKind::TextOutsideRoot);
        assert_eq!(err.position.offset, 0);
    }

    #[test]
    fn utf16_rejected() {
        let err =
            Document::parse_bytes(&[0xFF, 0xFE, b'<', 0], &Limits::default()).expect_err("UTF-16");
        assert!(matches!(err.kind, XmlErrorKind::UnsupportedEncoding(_)));
    }

    #[test]
    fn invalid_utf8_rejected_with_position() {
        let err =
            Document::parse_bytes(b"<a>\n  \xFF</a>", &Limits::default()).expect_err("bad UTF-8");
        assert_eq!(err.kind, XmlErrorKind::InvalidUtf8);
        assert_eq!((err.position.line, err.position.column), (2, 3));
    }
}

mod characters {
    use super::*;
    rejects!(control_char: "<a>\u{1}</a>" => XmlErrorKind::InvalidCharacter(1), at 1, 4);
    rejects!(fffe: "<a>\u{FFFE}</a>" => XmlErrorKind::InvalidCharacter(0xFFFE));
    rejects!(char_ref_zero: "<a>&#0;</a>" => XmlErrorKind::InvalidCharacter(0));
    rejects!(char_ref_control: "<a b=\"&#x1;\"/>" => XmlErrorKind::InvalidCharacter(1));
    rejects!(char_ref_surrogate: "<a>&#xD800;</a>" => XmlErrorKind::InvalidCharacter(0xD800));
    rejects!(char_ref_malformed: "<a>&#x;</a>" => XmlErrorKind::Syntax(_));

    #[test]
    fn invalid_characters_found_at_every_alignment() {
        // The check reads 32-byte blocks: try every offset within two blocks and a bit, so
        // the flagged bytes (and U+FFFE's three bytes) also straddle block boundaries.
        for pad in 0..72 {
            for (bad, code) in [
                ("\u{1}", 1),
                ("\u{1f}", 0x1F),
                ("\u{FFFE}", 0xFFFE),
                ("\u{FFFF}", 0xFFFF),
            ] {
                let text = format!("<a>{}{bad}é\u{FFFD}</a>", "x".repeat(pad));
                let err = Document::parse(&text).expect_err("invalid character");
                assert_eq!(err.kind, XmlErrorKind::InvalidCharacter(code), "pad {pad}");
                assert_eq!(err.position.offset, 3 + pad, "pad {pad}");
            }
            // Legal neighbours of the flagged bytes: tab, LF, CR, U+FFFD, other EF-led chars.
            let ok = format!("<a>{}\t\n\r\u{FFFD}\u{FFEE}\u{F000}</a>", "x".repeat(pad));
            assert!(Document::parse(&ok).is_ok(), "pad {pad}");
        }
    }

    #[test]
    fn line_endings_normalized() {
        let doc = Document::parse("<a>x\r\ny\rz&#xD;</a>").expect("parses");
        assert_eq!(doc.text_unverified(doc.root_element()), "x\ny\nz\r");
    }

    #[test]
    fn references_decoded_and_bom_stripped() {
        let doc = Document::parse(
            "\u{FEFF}<a>&lt;&amp;&gt;&quot;&apos;&#233;&#x4E2D;<![CDATA[<&>]]></a>",
        )
        .expect("parses");
        assert_eq!(doc.text_unverified(doc.root_element()), "<&>\"'é中<&>");
    }
}

mod whole_text {
    use super::*;

    #[test]
    fn comment_does_not_split_a_value() {
        // CVE-2017-11427 family: the value is the concatenation of every text child.
        let doc =
            Document::parse("<NameID>victim@corp.com<!---->.evil.com</NameID>").expect("parses");
        let r = doc.root_element();
        assert_eq!(doc.text_unverified(r), "victim@corp.com.evil.com");
        assert!(doc.has_comment_or_pi_child(r));
    }

    #[test]
    fn node_kinds_and_spans() {
        let src = "<?pi x?><a b=\"1\">t<!--c--><![CDATA[d]]><e/></a>";
        let doc = Document::parse(src).expect("parses");
        let kinds: Vec<_> = doc
            .children(doc.root_element())
            .map(|n| doc.kind(n))
            .collect();
        assert_eq!(
            kinds,
            [
                NodeKind::Text,
                NodeKind::Comment,
                NodeKind::CData,
                NodeKind::Element
            ]
        );
        let a = doc.root_element();
        assert_eq!(
            &src[doc.span(a)],
            "<a b=\"1\">t<!--c--><![CDATA[d]]><e/></a>"
        );
        let pi = doc
            .children(saml_core::xml::NodeId::DOCUMENT)
            .next()
            .expect("pi");
        assert_eq!(doc.kind(pi), NodeKind::ProcessingInstruction);
        assert_eq!(doc.value_unverified(pi), "x");
        assert_eq!(doc.parent(a), Some(saml_core::xml::NodeId::DOCUMENT));
    }
}

mod limits {
    use super::*;

    #[track_caller]
    fn limit(input: &str, limits: Limits) -> LimitKind {
        match Document::parse_with_limits(input, &limits).map_err(|e| e.kind) {
            Err(XmlErrorKind::LimitExceeded { kind, .. }) => kind,
            other => panic!("expected a limit error, got {other:?}"),
        }
    }

    #[test]
    fn each_limit_has_its_own_kind() {
        let deep = format!("{}{}", "<a>".repeat(200), "</a>".repeat(200));
        assert_eq!(limit(&deep, Limits::default()), LimitKind::Depth);
        let attrs: String = (0..200).map(|i| format!(" a{i}=\"x\"")).collect();
        assert_eq!(
            limit(&format!("<r{attrs}/>"), Limits::default()),
            LimitKind::Attributes
        );
        let many = format!("<r>{}</r>", "<e/>".repeat(100));
        assert_eq!(
            limit(&many, Limits::default().with_max_nodes(50)),
            LimitKind::Nodes
        );
        assert_eq!(
            limit(&many, Limits::default().with_max_bytes(100)),
            LimitKind::Bytes
        );
        // Within the limits the same documents parse.
        assert!(Document::parse_with_limits(&many, &Limits::default().with_max_nodes(200)).is_ok());
    }
}

mod ids {
    use super::*;
    use saml_core::xml::IdLookup;

    #[test]
    fn only_unqualified_id_resolves_and_duplicates_are_reported() {
        let doc =
            Document::parse("<r ID=\"a\"><s Id=\"b\"/><t ID=\"c\"/><u AssertionID=\"c\"/></r>")
                .expect("parses");
        assert_eq!(doc.element_by_id("a"), IdLookup::Unique(doc.root_element()));
        assert_eq!(doc.element_by_id("b"), IdLookup::Missing);
        assert_eq!(doc.element_by_id("c"), IdLookup::Duplicate);
        assert_eq!(doc.element_by_id("zz"), IdLookup::Missing);
        assert_eq!(doc.duplicate_id(), Some("c"));
    }
}

/// The tokenizer: every kind of markup, its well-formed variants and where each malformed
/// one is reported.
mod tokens {
    use super::*;

    #[test]
    fn xml_declaration_variants() {
        for decl in [
            "<?xml version=\"1.0\"?>",
            "<?xml version='1.0' encoding='utf-8'?>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
            "<?xml version = \"1.0\"\n standalone='no' ?>",
        ] {
            let text = format!("{decl}\n<a/>");
            Document::parse(&text).unwrap_or_else(|e| panic!("{decl}: {e}"));
        }
    }
    rejects!(declaration_without_version: "<?xml encoding=\"UTF-8\"?><a/>" => XmlErrorKind::XmlDeclaration(_), at 1, 1);
    rejects!(declaration_out_of_order: "<?xml version=\"1.0\" standalone=\"yes\" encoding=\"UTF-8\"?><a/>" => XmlErrorKind::XmlDeclaration(_));
    rejects!(declaration_unknown: "<?xml version=\"1.0\" foo=\"bar\"?><a/>" => XmlErrorKind::XmlDeclaration(_));
    rejects!(declaration_unquoted: "<?xml version=1.0?><a/>" => XmlErrorKind::XmlDeclaration(_));
    rejects!(declaration_standalone_value: "<?xml version=\"1.0\" standalone=\"maybe\"?><a/>" => XmlErrorKind::XmlDeclaration(_));
    rejects!(declaration_unterminated: "<?xml version=\"1.0\"" => XmlErrorKind::Syntax(_), at 1, 1);
    rejects!(declaration_inside: "<a><?xml version=\"1.0\"?></a>" => XmlErrorKind::XmlDeclaration(_), at 1, 4);
    rejects!(reserved_pi_target: "<a><?XmL x?></a>" => XmlErrorKind::XmlDeclaration(_));
    rejects!(pi_without_target: "<a><? x?></a>" => XmlErrorKind::InvalidName(_), at 1, 4);
    rejects!(pi_unterminated: "<a><?pi data</a>" => XmlErrorKind::Syntax(_), at 1, 4);

    #[test]
    fn processing_instruction_and_comment_content() {
        let doc = Document::parse("<a><?pi  some ?data?><!-- - x - --><![CDATA[<&]]]></a>")
            .expect("parses");
        let kinds: Vec<_> = doc
            .children(doc.root_element())
            .map(|c| doc.kind(c))
            .collect();
        assert_eq!(
            kinds,
            [
                NodeKind::ProcessingInstruction,
                NodeKind::Comment,
                NodeKind::CData
            ]
        );
        assert_eq!(doc.text_unverified(doc.root_element()), "<&]");
    }
    rejects!(comment_unterminated: "<a><!-- x </a>" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(comment_triple_dash: "<a><!-- x ---></a>" => XmlErrorKind::Syntax(_), at 1, 11);
    rejects!(cdata_unterminated: "<a><![CDATA[x</a>" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(cdata_outside_root: "<![CDATA[x]]><a/>" => XmlErrorKind::TextOutsideRoot, at 1, 1);
    rejects!(unknown_declaration: "<a><!ELEMENT a ANY></a>" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(lowercase_doctype: "<!doctype a><a/>" => XmlErrorKind::Syntax(_), at 1, 1);
    rejects!(ampersand_alone: "<a>fish & chips</a>" => XmlErrorKind::Syntax(_), at 1, 9);
    rejects!(reference_unterminated: "<a>&amp</a>" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(reference_outside_root: "&amp;<a/>" => XmlErrorKind::TextOutsideRoot, at 1, 1);
    rejects!(lt_then_space: "<a>< b/></a>" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(lt_at_end: "<a></a><" => XmlErrorKind::Syntax(_) | XmlErrorKind::ContentAfterRoot);
    rejects!(start_tag_unterminated: "<a><b x=\"1\"" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(start_tag_slash: "<a/ >" => XmlErrorKind::Syntax(_), at 1, 1);
    rejects!(end_tag_unterminated: "<a></a" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(end_tag_with_attribute: "<a></a x=\"1\">" => XmlErrorKind::Syntax(_), at 1, 4);
    rejects!(end_tag_empty: "<a></>" => XmlErrorKind::MismatchedTag { .. }, at 1, 4);

    #[test]
    fn end_tag_whitespace_and_spans() {
        let text = "<a x=\"1\"><b/>t&amp;u</a \n>";
        let doc = Document::parse(text).expect("parses");
        let a = doc.root_element();
        assert_eq!(doc.span(a), 0..text.len());
        let b = doc.element_children(a).next().expect("b");
        assert_eq!(&text[doc.span(b)], "<b/>");
        assert_eq!(doc.text_unverified(a), "t&u");
    }
}
