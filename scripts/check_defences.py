#!/usr/bin/env python3
"""Removes each seam defence in turn and checks that the tests guarding it fail.

Run from the repository root on a clean tree: `python3 scripts/check_defences.py`. Each
mutation is a small source edit; the file is restored with `git checkout` after each run.
Prints one line per defence: `guarded` when at least one test failed without it. Exits 1 if a
defence is not guarded or has moved (update the edit below when you move a defence).
"""
import subprocess
import sys

SP = "crates/saml-core/src/saml/sp.rs"
MD = "crates/saml-core/src/metadata/aggregate.rs"

# (name, file, text of the defence, text without it, (test target, filter))
MUTATIONS = [
    ("unsigned InResponseTo", SP,
     '        if self.signed {\n            self.doc.attribute(self.response, "InResponseTo")',
     '        if true {\n            self.doc.attribute(self.response, "InResponseTo")',
     ("attacks", "seams::solicitation")),
    ("replay entry lifetime", SP,
     "let keep_until = latest.checked_add_seconds(skew).unwrap_or(latest).max(now);",
     "let keep_until = not_on_or_after.unwrap_or(now)"
     ".checked_add_seconds(skew.saturating_add(300)).unwrap_or(now);",
     ("attacks", "seams::replay_lifetime")),
    ("XML-whitespace-only trim", "crates/saml-core/src/xml/mod.rs",
     "    value.trim_matches(|c| matches!(c, ' ' | '\\t' | '\\r' | '\\n'))",
     "    value.trim()",
     ("attacks", "seams::compared_values")),
    ("empty NameID", SP,
     "    if trim_xml(&value).is_empty() {", "    if false {",
     ("attacks", "seams::compared_values")),
    ("signed request Destination", "crates/saml-core/src/saml/idp.rs",
     "            None if signed => {", "            None if false => {",
     ("attacks", "seams::requests")),
    ("metadata validUntil", "crates/saml-core/src/metadata/mod.rs",
     "            && now >= valid_until", "            && false",
     ("attacks", "seams::metadata")),
    ("encrypted scope", SP,
     "        self.check_scope(response_signed, assertion_verified.is_some())\n"
     "            .map_err(oracle_safe)?;",
     "",
     ("attacks", "seams::encrypted")),
    ("CBC oracle guard", SP,
     "        let guarded = !response_signed && decrypted.data.is_cbc();",
     "        let guarded = false;",
     ("attacks", "seams::encrypted")),
    ("decrypted plaintext is one Assertion", SP,
     "            Located::Plain(a) if inner.span(a) == in_place.element => a,",
     "            Located::Plain(a) if inner.span(a).start == in_place.element.start => a,",
     ("attacks", "seams::encrypted")),
    ("missing Conditions kind", SP,
     ".ok_or_else(|| SamlError::MissingConditions {",
     ".ok_or_else(|| SamlError::MissingAudienceRestriction {",
     ("attacks", "seams::kinds")),
    ("SignatureValue length", "crates/saml-core/src/dsig/verify.rs",
     "        if signature_text.len() > MAX_SIGNATURE_VALUE_TEXT {", "        if false {",
     ("attacks", "seams::kinds")),
    ("SignedInfo size", "crates/saml-core/src/dsig/verify.rs",
     "        if signed_info_len > MAX_SIGNED_INFO_BYTES {", "        if false {",
     ("attacks", "seams::kinds")),
    ("replay store fails closed", SP,
     "            Err(source) => Err(SamlError::ReplayStoreUnavailable {\n"
     "                assertion_id: self.assertion.assertion_id,\n"
     "                source,\n"
     "            }),",
     "            Err(_) => Ok(self.assertion),",
     ("stores", "unreachable")),
    ("request store fails closed", SP,
     "            Err(source) => Err(SamlError::RequestStoreUnavailable {\n"
     "                in_response_to: id,\n"
     "                source,\n"
     "            }),",
     "            Err(_) => Ok(()),",
     ("stores", "unreachable")),
    ("redirect: ? inside a value", "crates/saml-core/src/binding/query.rs",
     "            if prefix.iter().any(|&b| b == b'=' || b == b'&') {", "            if false {",
     ("attacks", "redirect::")),
    ("redirect: fragment", "crates/saml-core/src/binding/query.rs",
     "        if let Some(at) = memchr::memchr(b'#', bytes) {",
     "        if let Some(at) = None::<usize> {",
     ("attacks", "redirect::")),
    ("metadata: signed document element", MD,
     "            Verifier::signature_of(&doc, root).map_err(MetadataError::Signature)?\n",
     "            doc.descendants(root).find(|&n| doc.is(n, DSIG_NAMESPACE, \"Signature\"))\n",
     ("metadata_attacks", "signed_entity_wrapped_in_unsigned_aggregate")),
    ("metadata: entities walked, not searched", MD,
     "        for child in doc.element_children(node) {",
     "        for child in doc.descendants(node).skip(1).filter(|&c| doc.is_element(c)"
     " && doc.parent(c).is_some_and(|p| doc.is(p, METADATA_NAMESPACE, \"EntitiesDescriptor\"))) {",
     ("metadata_attacks", "entities_hidden_in_the_signature")),
    ("metadata: duplicate entityID", MD,
     ".find(|w| entries[w[0]].entity_id == entries[w[1]].entity_id)", ".find(|_| false)",
     ("metadata_attacks", "entity_id")),
    ("metadata: document validUntil", MD,
     "            && now >= valid_until", "            && false",
     ("metadata_attacks", "expired_aggregate")),
    ("metadata: inherited validUntil", MD,
     "    let valid_until = earliest(inherited_valid_until, valid_until_attribute(doc, node)?);",
     "    let _ = inherited_valid_until;\n    let valid_until = valid_until_attribute(doc, node)?;",
     ("metadata_attacks", "expired_aggregate")),
    ("metadata: 100 MiB", MD,
     ".with_max_bytes(100 << 20)", ".with_max_bytes(usize::MAX)",
     ("metadata_attacks", "oversized_input")),
    ("metadata: nesting depth", MD,
     "                if depth >= limits.max_entities_depth {", "                if false {",
     ("metadata_attacks", "deeply_nested")),
    ("metadata: cacheDuration syntax", MD,
     "    let d = XsDuration::parse(value).map_err(invalid)?;",
     "    let Ok(d) = XsDuration::parse(value) else {\n        return Ok(None);\n    };",
     ("metadata_attacks", "malformed_cache_duration")),
    ("metadata: foreign wrappers", MD,
     "            } else {\n                return Err(MetadataError::UnexpectedElement {",
     "            } else if false {\n                return Err(MetadataError::UnexpectedElement {",
     ("metadata_attacks", "unknown_wrapper")),
]

bad = False
for name, path, defence, without, (target, filt) in MUTATIONS:
    with open(path) as f:
        source = f.read()
    if defence not in source:
        print(f"{name:30} MISSING (the defence moved: update this script)")
        bad = True
        continue
    with open(path, "w") as f:
        f.write(source.replace(defence, without, 1))
    try:
        r = subprocess.run(
            ["cargo", "test", "-q", "-p", "saml-core", "--test", target, filt],
            capture_output=True,
            text=True,
        )
    finally:
        subprocess.run(["git", "checkout", "-q", path], check=True)
    out = r.stdout + r.stderr
    failed = [l for l in out.splitlines() if l.startswith("test ") and "FAILED" in l]
    guarded = r.returncode != 0 and "error[" not in out
    print(f"{name:30} {'guarded' if guarded else 'NOT GUARDED'}  {failed[:1]}")
    bad |= not guarded
sys.exit(1 if bad else 0)
