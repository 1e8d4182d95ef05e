#!/usr/bin/env python3
"""Differential test cases for the saml-core XML canonicalizer, computed by lxml.

Usage:
    python3 tests/tools/c14n_differential.py --seed SEED --count N

Writes 4*N JSON Lines to stdout: N cases for each of the modes exclusive,
exclusive+comments, inclusive and inclusive+comments.  Each line is

    {"index": i, "doc": "<xml text>", "mode": "exclusive" | "inclusive",
     "with_comments": bool, "prefixes": [...] | null, "apex": [...] | null,
     "exclude": [...] | null, "expected": "<canonical form>"}

`apex` is a path of element-child indices from the document element (null:
the whole document, []: the document element as a subtree).  `exclude` is a
path (also from the document element) to a strict descendant of the apex (or
of the document element) that is left out together with its subtree, the way
the enveloped-signature transform removes the Signature element.  `prefixes`
is the exclusive InclusiveNamespaces PrefixList ("#default" = the default
namespace); it is null for inclusive cases and for most exclusive ones.

The expected output is lxml's (libxml2's) canonical form.  Three lxml quirks
shape how it is computed and what is generated:

* Passing a non-root element to lxml's C14N makes lxml build a fake document
  whose root is a shallow copy of the apex (the ancestors' namespace
  declarations are copied onto it) while the descendants stay shared with the
  original tree.  libxml2's inclusive C14N then emits a spurious xmlns="" on
  descendants whose ancestors use a default namespace declared on or above the
  apex (e.g. `<r xmlns="urn:d"><m><c><e/></c></m></r>` with apex m gives
  `<e xmlns="">`; the same happens for the document element itself when it
  has sibling comments or PIs).  So a subtree is canonicalised as the whole
  of an isolated copy: the apex serialised by lxml (which declares every
  in-scope namespace, including xmlns="", on it) and parsed again.
* Neither that nor lxml's fake document carries the ancestors' xml:*
  attributes, which Canonical XML 1.0 (inclusive) inherits onto the apex.
  Inclusive subtree cases therefore only pick apexes whose ancestors carry no
  xml:* attribute.  (Exclusive C14N does not inherit them, so exclusive cases
  pick any apex.)
* lxml silently drops PrefixList entries that are not strings in the
  document's libxml2 dictionary, which "#default" never is, although libxml2
  itself implements "#default".  We intern "#default" into lxml's per-thread
  parser dictionary (by parsing a throw-away document that uses it as a
  namespace name) and verify with a self-test that libxml2 then honours it.  If
  the self-test fails, "#default" is not generated (with a warning on stderr).

Deterministic for a given seed.  Only JSON goes to stdout; any failure is
reported on stderr with a non-zero exit status.
"""

import argparse
import json
import random
import sys
import traceback

from lxml import etree

XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ATTR_PREFIX = "{%s}" % XML_NS

# Small pools so that collisions (redeclaration, shadowing, two prefixes for
# one URI, superfluous declarations) happen often.  Several pairs sort
# differently by prefix and by URI.
URIS = [
    "urn:x:1",
    "urn:x:10",
    "urn:x:2",
    "http://example.com/ns/a",
    "http://example.com/ns/B",
    "urn:oasis:names:tc:SAML:2.0:assertion",
    "http://www.w3.org/2000/09/xmldsig#",
    "https://example.org/%C3%A9/ns",
]
PREFIXES = ["a", "b", "aa", "p", "saml", "ds", "ns1", "Z", "x_y", "é"]
ELEMENT_NAMES = [
    "r", "a", "b", "item", "Assertion", "Signature", "x-y", "x.y", "_u",
    "Ω", "中", "data",
]
ATTR_NAMES = [
    "a", "aa", "b", "ID", "id", "Version", "x-y", "x.y", "x_y", "z", "é", "中",
    "attr",
]

TEXT_FRAGMENTS = [
    "hello", "x", "Some text", " ", "  ", "\n", "\n  ", "\t",
    "&amp;", "&lt;", "&gt;", "&quot;", "&apos;",
    "&#9;", "&#xA;", "&#xD;", "&#13;", "&#38;", "&#60;", "&#x3E;", "&#34;",
    "&#39;", "&#x20;", "&#233;", "&#x4E2D;", "&#x1F600;",
    "é", "中", "😀", "Ωmega", ">", "'", '"', "]]", "]", "a=b",
    "\r\n", "\r",
]
WHITESPACE_TEXT = [" ", "\n", "\n  ", "\t", "\n\t\t", "  \n  ", "\r\n  "]
ATTR_FRAGMENTS = [
    "v", "value", "urn:x:1", " ", "  ", "&amp;", "&lt;", "&gt;", ">",
    "&quot;", "&apos;", "&#9;", "&#xA;", "&#xD;", "&#10;", "&#13;", "&#x9;",
    "&#38;", "&#60;", "\t", "\n", "\r\n", "é", "中", "😀", "&#x1F600;",
    "a=b", "#", "]]>",
]
CDATA_FRAGMENTS = [
    "data", "<&>", "]]", "]", ">", " ", "\n", "é", "中", "&amp;",
    "<b>x</b>", "]]]", "\r\n", "'\"", "&#9;",
]
COMMENT_FRAGMENTS = [
    "c", " note ", "<&>", "é", "-", "x-y", "\n", "&amp;", "]]>", "中", " ",
    "\r\n", "\t",
]
PI_TARGETS = ["pi", "app", "t1", "x-y", "my.pi", "xml-stylesheet", "π"]
PI_FRAGMENTS = [
    "d", "data", " ", "<&>", 'a="1"', "é", "?", ">", "\n", "x y", "&amp;",
    "\r\n", "\t", "中",
]
XML_DECLS = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<?xml version='1.0' encoding='utf-8'?>",
    '<?xml version="1.0"?>',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
]

MAX_DEPTH = 6
MAX_ELEMENTS = 40


def join_fragments(rng, pool, lo, hi):
    """A random concatenation of lo..hi fragments from pool."""
    return "".join(rng.choice(pool) for _ in range(rng.randint(lo, hi)))


class Element:
    """A generated element; `content` items are ("text", src), ("cdata",
    body), ("comment", body), ("pi", target, data) or ("el", Element)."""

    __slots__ = ("qname", "items", "content", "self_close")

    def __init__(self, qname):
        self.qname = qname
        self.items = []  # (name, value source) for attributes and xmlns
        self.content = []
        self.self_close = False


class Generator:
    """Generates one random, namespace-well-formed document."""

    def __init__(self, rng):
        self.rng = rng
        self.elements = 0
        self.next_id = 0

    # ---- leaf content ----------------------------------------------------

    def text(self):
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choice(WHITESPACE_TEXT)
        s = join_fragments(rng, TEXT_FRAGMENTS, 1, 5)
        # "]]>" is not allowed literally in character data.
        return s.replace("]]>", "]]&gt;")

    def cdata(self):
        s = join_fragments(self.rng, CDATA_FRAGMENTS, 0, 4)
        while "]]>" in s:
            s = s.replace("]]>", "]] >")
        return s

    def comment(self):
        s = join_fragments(self.rng, COMMENT_FRAGMENTS, 0, 4)
        while "--" in s:
            s = s.replace("--", "- -")
        if s.endswith("-"):
            s += " "
        return s

    def pi(self):
        rng = self.rng
        target = rng.choice(PI_TARGETS)
        data = "" if rng.random() < 0.3 else join_fragments(rng, PI_FRAGMENTS, 1, 4)
        while "?>" in data:
            data = data.replace("?>", "? >")
        return target, data

    def attr_value(self, quote):
        rng = self.rng
        if rng.random() < 0.1:
            return ""
        pool = ATTR_FRAGMENTS + (["'"] if quote == '"' else ['"'])
        return join_fragments(rng, pool, 1, 4)

    # ---- elements --------------------------------------------------------

    def declarations(self, scope):
        """Namespace declarations for a new element: a list of (prefix, uri)
        with "" as the default-namespace prefix and "" as the un-declaring
        URI (only for the default namespace)."""
        rng = self.rng
        n = rng.choices([0, 1, 2, 3, 4], weights=[40, 30, 15, 10, 5])[0]
        decls = {}
        for _ in range(n):
            if rng.random() < 0.3:
                prefix = ""
                current = scope.get("", "")
                r = rng.random()
                if current and r < 0.35:
                    uri = ""  # xmlns="" inside a defaulted parent
                elif r < 0.45:
                    uri = current  # superfluous (also xmlns="" with no default)
                else:
                    uri = rng.choice(URIS)
            else:
                prefix = rng.choice(PREFIXES)
                current = scope.get(prefix)
                if current and rng.random() < 0.3:
                    uri = current  # superfluous re-declaration
                else:
                    uri = rng.choice(URIS)
            decls.setdefault(prefix, uri)
        return list(decls.items())

    def attributes(self, scope):
        """Attributes as (qname, value source without quotes, quote)."""
        rng = self.rng
        n = rng.choices([0, 1, 2, 3, 4, 5], weights=[25, 25, 20, 15, 10, 5])[0]
        prefixes = sorted(p for p in scope if p)
        used_qnames = set()
        used_expanded = set()
        out = []
        for _ in range(n):
            r = rng.random()
            if r < 0.45 or (r < 0.8 and not prefixes):
                local = rng.choice(ATTR_NAMES)
                qname, expanded = local, (None, local)
                value = None
            elif r < 0.8:
                prefix = rng.choice(prefixes)
                local = rng.choice(ATTR_NAMES)
                qname, expanded = "%s:%s" % (prefix, local), (scope[prefix], local)
                value = None
            else:
                local = rng.choice(["lang", "lang", "space", "base", "id"])
                qname, expanded = "xml:" + local, (XML_NS, local)
                if local == "lang":
                    value = rng.choice(["en", "fr-CA", "", "de"])
                elif local == "space":
                    value = rng.choice(["preserve", "default"])
                elif local == "base":
                    value = rng.choice(["http://example.com/base/", "sub/dir/"])
                else:
                    self.next_id += 1
                    value = "id%d" % self.next_id
            if qname in used_qnames or expanded in used_expanded:
                continue
            used_qnames.add(qname)
            used_expanded.add(expanded)
            quote = rng.choice(['"', '"', "'"])
            if value is None:
                value = self.attr_value(quote)
            out.append((qname, value, quote))
        return out

    def element(self, depth, scope):
        rng = self.rng
        self.elements += 1
        decls = self.declarations(scope)
        scope = dict(scope)
        scope.update(decls)
        bound = sorted(p for p in scope if p)
        local = rng.choice(ELEMENT_NAMES)
        if bound and rng.random() < 0.55:
            qname = "%s:%s" % (rng.choice(bound), local)
        else:
            qname = local
        el = Element(qname)
        items = [
            ("xmlns" if not p else "xmlns:" + p, u, rng.choice(['"', '"', "'"]))
            for p, u in decls
        ]
        items += self.attributes(scope)
        rng.shuffle(items)
        el.items = items

        # Content.
        can_nest = depth < MAX_DEPTH
        if depth == 1:
            n = rng.randint(2, 7)
        else:
            n = rng.choices([0, 1, 2, 3, 4, 5], weights=[30, 20, 20, 15, 10, 5])[0]
        made_child = False
        for i in range(n):
            r = rng.random()
            want_el = r < 0.5 or (depth == 1 and not made_child and i == n - 1)
            if want_el and can_nest and self.elements < MAX_ELEMENTS:
                el.content.append(("el", self.element(depth + 1, scope)))
                made_child = True
            elif r < 0.72:
                text = self.text()
                if el.content and el.content[-1][0] == "text":
                    # Adjacent runs: keep "]]>" out of the merged source.
                    text = (el.content.pop()[1] + text).replace("]]>", "]]&gt;")
                el.content.append(("text", text))
            elif r < 0.80:
                el.content.append(("cdata", self.cdata()))
            elif r < 0.90:
                el.content.append(("comment", self.comment()))
            else:
                el.content.append(("pi",) + self.pi())
        el.self_close = not el.content and rng.random() < 0.6
        return el

    # ---- serialisation ---------------------------------------------------

    def tag_space(self):
        return self.rng.choice([" ", " ", " ", "  ", "\n  ", "\t", "\r\n "])

    def write_element(self, el, out):
        rng = self.rng
        out.append("<" + el.qname)
        for name, value, quote in el.items:
            eq = rng.choice(["=", "=", "=", " = ", "=\n"])
            out.append("%s%s%s%s%s%s" % (self.tag_space(), name, eq, quote, value, quote))
        if rng.random() < 0.15:
            out.append(self.tag_space())
        if el.self_close:
            out.append("/>")
            return
        out.append(">")
        for item in el.content:
            kind = item[0]
            if kind == "el":
                self.write_element(item[1], out)
            elif kind == "text":
                out.append(item[1])
            elif kind == "cdata":
                out.append("<![CDATA[%s]]>" % item[1])
            elif kind == "comment":
                out.append("<!--%s-->" % item[1])
            else:
                out.append(self.pi_source(item[1], item[2]))
        out.append("</" + el.qname + (self.tag_space() if rng.random() < 0.1 else "") + ">")

    def pi_source(self, target, data):
        if not data:
            return "<?%s%s?>" % (target, " " if self.rng.random() < 0.2 else "")
        return "<?%s%s%s?>" % (target, self.rng.choice([" ", " ", "  ", "\n"]), data)

    def misc(self):
        """A top-level comment, PI or whitespace run."""
        r = self.rng.random()
        if r < 0.4:
            return "<!--%s-->" % self.comment()
        if r < 0.8:
            return self.pi_source(*self.pi())
        return self.rng.choice(["\n", "  ", "\r\n", "\n\n"])

    def document(self):
        rng = self.rng
        root = self.element(1, {})
        out = []
        if rng.random() < 0.5:
            out.append(rng.choice(XML_DECLS))
            out.append(rng.choice(["\n", "", "\r\n"]))
        for _ in range(rng.choices([0, 1, 2, 3], weights=[50, 25, 15, 10])[0]):
            out.append(self.misc())
            out.append(rng.choice(["\n", ""]))
        self.write_element(root, out)
        for _ in range(rng.choices([0, 1, 2, 3], weights=[50, 25, 15, 10])[0]):
            out.append(rng.choice(["\n", ""]))
            out.append(self.misc())
        if rng.random() < 0.5:
            out.append("\n")
        doc = "".join(out)
        if rng.random() < 0.6:
            # Most documents carry no literal CR, so that a line-ending bug
            # does not mask everything else.
            doc = doc.replace("\r\n", "\n").replace("\r", "\n")
        return doc


# ---- lxml side -------------------------------------------------------------


def parse(doc):
    """Parses doc strictly with lxml; raises on any error or warning."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(doc.encode("utf-8"), parser)
    if len(parser.error_log):
        raise ValueError("lxml reported problems: %s" % parser.error_log)
    return root


def child_elements(el):
    """Element children only (no comments / PIs)."""
    return [c for c in el if isinstance(c.tag, str)]


def element_paths(root):
    """[(path, element)] for every element in document order."""
    out = []

    def walk(el, path):
        out.append((path, el))
        for i, c in enumerate(child_elements(el)):
            walk(c, path + [i])

    walk(root, [])
    return out


def resolve(root, path):
    """The element at a path of element-child indices from root."""
    el = root
    for i in path:
        el = child_elements(el)[i]
    return el


def remove_keeping_tail(el):
    """Removes el and its subtree; the text after it (its lxml tail) stays."""
    parent = el.getparent()
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    el.tail = None
    parent.remove(el)


def isolate(el):
    """A new document whose only node is a copy of the subtree el, with every
    namespace in scope at el declared on its root (lxml's serialiser writes
    the ancestors' declarations, including xmlns="", onto a non-root element).
    """
    data = etree.tostring(el, encoding="UTF-8", xml_declaration=False, with_tail=False)
    return parse(data.decode("utf-8")).getroottree()


def canonicalize(doc, exclusive, with_comments, prefixes, apex, exclude):
    """lxml's canonical form of doc for one case, as a str.

    A subtree is canonicalised as the whole of an isolated copy (see
    `isolate`) instead of by passing the element to lxml: for a non-root
    element lxml builds a fake document that shares the subtree's nodes, and
    libxml2's inclusive C14N then emits spurious xmlns="" on descendants whose
    ancestors use the default namespace declared on or above the apex.
    """
    root = parse(doc)
    if exclude is not None:
        remove_keeping_tail(resolve(root, exclude))
    node = root.getroottree() if apex is None else isolate(resolve(root, apex))
    kwargs = {"method": "c14n", "exclusive": exclusive, "with_comments": with_comments}
    if prefixes:
        kwargs["inclusive_ns_prefixes"] = prefixes
    return etree.tostring(node, **kwargs).decode("utf-8")


def enable_default_prefix():
    """Makes lxml pass "#default" through to libxml2 (see module docs).
    Returns whether the self-test shows it is honoured."""
    etree.fromstring(b'<x xmlns:q="#default"/>', etree.XMLParser(recover=True))
    doc = '<a:r xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b"><a:c/></a:r>'
    got = canonicalize(doc, True, False, ["#default"], [0], None)
    whole = canonicalize(doc, True, False, ["#default"], None, None)
    return (
        got == '<a:c xmlns="urn:d" xmlns:a="urn:a"></a:c>'
        and whole == '<a:r xmlns="urn:d" xmlns:a="urn:a"><a:c></a:c></a:r>'
    )


def has_xml_attr(el):
    """Whether el carries an xml:* attribute."""
    return any(k.startswith(XML_ATTR_PREFIX) for k in el.attrib)


def pick_case(rng, root, exclusive, kind, default_ok):
    """(prefixes, apex, exclude) for one case of the given kind, or None if
    this document cannot host it."""
    paths = element_paths(root)
    by_path = {tuple(p): e for p, e in paths}

    def apex_ok(path):
        # lxml's expectation lacks the ancestors' xml:* attributes that
        # Canonical XML 1.0 inherits onto an inclusive apex; avoid such apexes.
        if exclusive:
            return True
        return not any(has_xml_attr(by_path[tuple(path[:i])]) for i in range(len(path)))

    def descendants(path):
        n = len(path)
        return [p for p, _ in paths if len(p) > n and p[:n] == path]

    def choose_apex(need_descendant):
        cands = [p for p, _ in paths if apex_ok(p) and (not need_descendant or descendants(p))]
        non_root = [p for p in cands if p]
        if non_root and rng.random() < 0.85:
            return rng.choice(non_root)
        return rng.choice(cands) if cands else None

    prefixes = None
    if kind == "prefixes":
        in_doc = sorted({p for _, e in paths for p in e.nsmap if p})
        pool = in_doc + ["#default"] * (2 if default_ok else 0) + ["nope"]
        prefixes = sorted(set(rng.sample(pool, min(len(pool), rng.randint(1, 3)))))
        kind = rng.choice(["whole", "subtree", "subtree-exclude", "whole-exclude"])

    if kind == "whole":
        return prefixes, None, None
    if kind == "subtree":
        apex = choose_apex(False)
        return None if apex is None else (prefixes, apex, None)
    if kind == "whole-exclude":
        cands = descendants([])
        return (prefixes, None, rng.choice(cands)) if cands else None
    apex = choose_apex(True)
    if apex is None:
        return None
    return prefixes, apex, rng.choice(descendants(apex))


MODES = [("exclusive", False), ("exclusive", True), ("inclusive", False), ("inclusive", True)]
KINDS = ["whole", "subtree", "subtree-exclude", "whole-exclude"]


def generate(seed, count, out):
    default_ok = enable_default_prefix()
    if not default_ok:
        sys.stderr.write("warning: lxml ignores '#default' in inclusive_ns_prefixes; not generated\n")
    rng = random.Random(seed)
    index = 0
    for mode, with_comments in MODES:
        exclusive = mode == "exclusive"
        kinds = KINDS + (["prefixes"] if exclusive else [])
        for i in range(count):
            kind = kinds[i % len(kinds)]
            for _attempt in range(100):
                doc = Generator(rng).document()
                root = parse(doc)  # every document must be well-formed
                case = pick_case(rng, root, exclusive, kind, default_ok)
                if case is not None:
                    break
            else:
                raise RuntimeError("could not build a %s case" % kind)
            prefixes, apex, exclude = case
            expected = canonicalize(doc, exclusive, with_comments, prefixes, apex, exclude)
            line = {
                "index": index,
                "doc": doc,
                "mode": mode,
                "with_comments": with_comments,
                "prefixes": prefixes,
                "apex": apex,
                "exclude": exclude,
                "expected": expected,
            }
            out.write(json.dumps(line) + "\n")
            index += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True, help="cases per mode (4 modes)")
    args = ap.parse_args()
    if args.count < 0:
        ap.error("--count must be >= 0")
    try:
        generate(args.seed, args.count, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        return 1
    except Exception:  # noqa: BLE001 - report anything on stderr, exit non-zero
        traceback.print_exc(file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
