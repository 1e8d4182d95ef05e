#!/usr/bin/env python3
"""Removes each security rule of the SCIM service in turn and checks that its tests then fail
(naming the tests that caught it). Restores every file afterwards.

Usage: `python3 crates/saml-provision/check_scim_rules.py [RULE…]` (default: every rule).
Exit 1 if a removed rule goes unnoticed or a pattern no longer matches the source.

Not checkable this way: that the token comparison is constant-time (replacing
`verify_slices_are_equal` with `==` on the digests changes no answer, only timing); review
`src/scim/auth.rs` for that.
"""
import os
import re
import subprocess
import sys

os.chdir(os.path.dirname(os.path.abspath(__file__)))
muts = [
 ("auth_required", "src/scim/routes.rs", "state.config.token.check(request.headers())?;", "let _ = state.config.token.check(request.headers());"),
 ("auth_token_compared", "src/scim/auth.rs", "verify_slices_are_equal(&sha256(presented.as_bytes()), &self.sha256).is_ok()", "!presented.is_empty()"),
 ("auth_bearer_scheme", "src/scim/auth.rs", 'if scheme.eq_ignore_ascii_case("bearer")', "if !scheme.is_empty()"),
 ("auth_one_header", "src/scim/auth.rs", "let (Some(value), None) = (values.next(), values.next())", "let (Some(value), _) = (values.next(), values.next())"),
 ("uniqueness_409", "src/scim/error.rs", "            status: StatusCode::CONFLICT,\n            scim_type: Some(ScimType::Uniqueness),", "            status: StatusCode::BAD_REQUEST,\n            scim_type: Some(ScimType::Uniqueness),"),
 ("group_name_unique", "src/scim/store.rs", "        self.name_taken(name, None)?;\n", ""),
 ("if_match", "src/scim/routes.rs", "Some(tags) if !matches(&tags, version) => Err(", "Some(tags) if false && !matches(&tags, version) => Err("),
 ("version_bumped", "src/scim/store.rs", "        let version = self.user_versions.entry(id.to_owned()).or_insert(0);\n        *version = version.saturating_add(1);", "        let version = self.user_versions.entry(id.to_owned()).or_insert(1);\n        *version = (*version).max(1);"),
 ("user_undo", "src/scim/routes.rs", "let _ = directory.update_profile(&user.id, &old.changes_from(new));", "let _ = ();"),
 ("group_members_undo", "src/scim/routes.rs", "for (add, member) in done.into_iter().rev() {", "for (add, member) in done.into_iter().rev().take(0) {"),
 ("group_rename_undo", "src/scim/routes.rs", "let _ = directory.rename_group(&group.id, &old.display_name);", "let _ = ();"),
 ("group_create_undo", "src/scim/routes.rs", "let _ = directory.delete_group(&id);", "let _ = ();"),
 ("body_limit", "src/scim/routes.rs", "to_bytes(body, config.max_body_bytes)", "to_bytes(body, usize::MAX)"),
 ("json_media_type", "src/scim/routes.rs", 'if media != SCIM_JSON && media != "application/json" {', "if false {"),
 ("filter_only_and", "src/scim/filter.rs", 'if !joiner.eq_ignore_ascii_case("and") {', 'if !joiner.eq_ignore_ascii_case("and") && !joiner.eq_ignore_ascii_case("or") {'),
 ("okta_groups_read_only", "src/scim/routes.rs", "if group.group_type == GroupType::OktaGroup {", "if true {"),
 ("patch_on_a_copy", "src/scim/routes.rs", "    K::patch(&mut new, &id, &operations)?;\n    write_and_show::<D, K>(directory, &state.config, &id, &record, &old, &new)\n", "    let patched = K::patch(&mut new, &id, &operations);\n    let shown = write_and_show::<D, K>(directory, &state.config, &id, &record, &old, &new);\n    patched?;\n    shown\n"),
]
only = sys.argv[1:]
bad = 0
for name, path, old, new in muts:
    if only and name not in only:
        continue
    src = open(path).read()
    if src.count(old) != 1:
        print(name, "PATTERN COUNT", src.count(old))
        bad += 1
        continue
    open(path, "w").write(src.replace(old, new))
    try:
        r = subprocess.run(["cargo", "test", "-q", "--no-fail-fast", "-p", "saml-provision", "--tests"], capture_output=True, text=True)
        out = r.stdout + r.stderr
        tests = sorted(set(m.group(1) for m in re.finditer(r"^---- (\S+) stdout ----", out, re.M)))
        caught = r.returncode != 0 and "error[" not in out
        bad += 0 if caught else 1
        print(f"{name}: {'caught by ' + ', '.join(tests) if caught else 'NOT CAUGHT'}", flush=True)
        if "error[" in out:
            print("  (compile error)", out[out.index("error["):][:300])
    finally:
        open(path, "w").write(src)
sys.exit(1 if bad else 0)
