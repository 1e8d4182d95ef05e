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
     "        Some(valid_until) if now >= valid_until => Err(MetadataError::Expired {",
     "        Some(valid_until) if false => Err(MetadataError::Expired {",
     ("attacks", "seams::metadata")),
    ("OAEP MGF1 hash as declared", "crates/saml-core/src/xmlenc/mixed.rs",
     "    ctx.set_rsa_mgf1_md(md(mgf))?;",
     "    ctx.set_rsa_mgf1_md(md(digest))?;",
     ("xmlenc_interop", "xmlsec13_every_oaep_pair_both_ways")),
    ("OAEP digest as declared", "crates/saml-core/src/xmlenc/mixed.rs",
     "    ctx.set_rsa_oaep_md(md(digest))?;",
     "    ctx.set_rsa_oaep_md(md(mgf))?;",
     ("xmlenc_interop", "xmlsec13_every_oaep_pair_both_ways")),
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
     "            Err(source) => Err(self.request_refused(Some(source))),\n        }\n    }\n\n"
     "    /// The replay cache's answer once the request was consumed",
     "            Err(_) => Ok(()),\n        }\n    }\n\n"
     "    /// The replay cache's answer once the request was consumed",
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

# Single Logout (crates/saml-core/src/saml/logout): each check of the logout attack suite.
LOGOUT_MESSAGE = "crates/saml-core/src/saml/logout/message.rs"
LOGOUT_MOD = "crates/saml-core/src/saml/logout/mod.rs"
LOGOUT_IDP = "crates/saml-core/src/saml/logout/idp.rs"
MUTATIONS += [
    ('logout: issuer', LOGOUT_MESSAGE,
     'if issuer.as_deref() != Some(peer.issuer) {',
     'if false && issuer.as_deref() != Some(peer.issuer) {',
     ("attacks", 'logout::issuer::')),
    ('logout: destination mismatch', LOGOUT_MESSAGE,
     'Some(dest) if dest != self.our_url => {',
     'Some(dest) if false && dest != self.our_url => {',
     ("attacks", 'logout::destination::a_request_for_another')),
    ('logout: destination missing', LOGOUT_MESSAGE,
     'None if view.signed => {',
     'None if false && view.signed => {',
     ("attacks", 'logout::destination::a_signed')),
    ('logout: issued in future', LOGOUT_MESSAGE,
     'check_not_future(name, issued, now, self.skew)?;',
     'let _ = check_not_future(name, issued, now, self.skew);',
     ("attacks", 'logout::time::a_request_issued_in_the_future')),
    ('logout: expired', LOGOUT_MESSAGE,
     'check_window(name, None, Some(until), now, self.skew)?;',
     'let _ = check_window(name, None, Some(until), now, self.skew);',
     ("attacks", 'logout::time::')),
    ('logout: lifetime default', LOGOUT_MESSAGE,
     'let until = not_on_or_after.unwrap_or_else(|| plus(issued, LOGOUT_LIFETIME_SECONDS));',
     'let until = not_on_or_after.unwrap_or_else(|| plus(issued, 1_000_000));',
     ("attacks", 'logout::time::a_request_without_not_on_or_after')),
    ('logout: post unsigned refused', LOGOUT_MESSAGE,
     'None => return Err(SamlError::LogoutNotSigned { message: name }),',
     'None => Signed { doc: &doc, root, signed: false },',
     ("attacks", 'logout::signature::an_unsigned_request_is_refused')),
    ('logout: post signature verified', LOGOUT_MESSAGE,
     'Some(s) => Some(peer.verifier.verify(&doc, s).map_err(sig_err(name))?),',
     'Some(s) => peer.verifier.verify(&doc, s).ok(),',
     ("attacks", 'logout::signature::a_request_signed_by_an_attacker')),
    ('logout: redirect signature verified', LOGOUT_MESSAGE,
     '                    redirect::verify(&query, &peer.verifier)\n                        .map_err(sig_err("HTTP-Redirect query"))?;',
     '                    let _ = redirect::verify(&query, &peer.verifier);',
     ("attacks", 'logout::redirect_query::a_signature_over_different_octets')),
    ('logout: redirect unsigned refused', LOGOUT_MESSAGE,
     '                } else if peer.accept_unsigned {\n                    false',
     '                } else if true {\n                    false',
     ("attacks", 'logout::signature::an_unsigned_request_is_refused')),
    ('logout: parameter name', LOGOUT_MESSAGE,
     'if query.parameter() != parameter {',
     'if false && query.parameter() != parameter {',
     ("attacks", 'logout::redirect_query::a_request_in_the_response')),
    ('logout: post encoding', LOGOUT_MESSAGE,
     'if decoded.encoding != Encoding::Base64 {',
     'if false && decoded.encoding != Encoding::Base64 {',
     ("attacks", 'logout::decoding::a_post_value')),
    ('logout: empty name id', LOGOUT_MESSAGE,
     'if trim_xml(&value).is_empty() {',
     'if value.is_empty() {',
     ("attacks", 'logout::name_id::a_request_with_an_empty')),
    ('logout: one identifier', LOGOUT_MESSAGE,
     '(Some(n), None) => n,',
     '(Some(n), _) => n,',
     ("attacks", 'logout::name_id::a_request_with_two')),
    ('logout: replay', LOGOUT_MOD,
     'let outcome = cache.insert_if_absent(&self.replay_key, self.keep_until, self.now);',
     'let outcome = cache.insert_if_absent(&format!("{}{}", self.replay_key, self.now), self.keep_until, self.now);',
     ("attacks", 'logout::replay::a_replayed')),
    ('logout: replay store fail closed', LOGOUT_MOD,
     '            Err(source) => Err(SamlError::LogoutReplayStoreUnavailable {\n                id: self.request.envelope.id,\n                source,\n            }),',
     '            Err(_source) => Ok(self.request),',
     ("attacks", 'logout::stores::a_replay_cache_that')),
    ('logout: single use', LOGOUT_MOD,
     '            Ok(false) => Err(SamlError::UnknownLogoutInResponseTo { found: id }),',
     '            Ok(false) => Ok(self.response),',
     ("attacks", 'logout::in_response_to::')),
    ('logout: request store fail closed', LOGOUT_MOD,
     '            Err(source) => Err(SamlError::RequestStoreUnavailable {\n                in_response_to: id,\n                source,\n            }),\n        }\n    }\n}\n\n/// A LogoutRequest built',
     '            Err(_source) => Ok(self.response),\n        }\n    }\n}\n\n/// A LogoutRequest built',
     ("attacks", 'logout::stores::a_request_store_that')),
    ('logout: namespace', LOGOUT_MOD,
     'format!("logout:{id}")',
     'id.to_owned()',
     ("attacks", 'logout::in_response_to::a_')),
    ('logout: leg issuer', LOGOUT_IDP,
     'if leg.participant.sp_entity_id != response.issuer() {',
     'if false && leg.participant.sp_entity_id != response.issuer() {',
     ("attacks", 'logout::in_response_to::the_idp_refuses_an_answer')),
    ('logout: registry fail closed', LOGOUT_IDP,
     '            .take_session(session)\n            .map_err(|source| SamlError::SessionStoreUnavailable { source })?;',
     '            .take_session(session)\n            .unwrap_or_default();',
     ("attacks", 'logout::stores::a_session_registry')),
    ('logout: unsigned CBC EncryptedID', LOGOUT_MESSAGE,
     'if !view.signed && decrypted.data.is_cbc() {',
     'if false {',
     ("attacks", 'logout::encrypted_id::')),
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
