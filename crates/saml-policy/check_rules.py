#!/usr/bin/env python3
"""Removes each security rule of saml-policy in turn and checks that its tests then fail
(naming the okta_behaviour rows, or the tests, that caught it). Restores every file afterwards.

Usage: `python3 crates/saml-policy/check_rules.py [RULE…]` (default: every rule). Exit 1 if a
removed rule goes unnoticed or a pattern no longer matches the source.
"""
import os
import re
import subprocess
import sys

os.chdir(os.path.dirname(os.path.abspath(__file__)))
muts = [
 ("subject_filter", "src/decide.rs", "if !filter.matches(&username) {", "if false && !filter.matches(&username) {"),
 ("filter_anchor", "src/policy.rs", 'format!(r"\\A(?:{pattern})\\z")', 'format!(r"(?:{pattern})")'),
 ("exclude_users", "src/decide.rs", "if filter.exclude_users.contains(&user.id) {", "if false {"),
 ("exclude_admins", "src/decide.rs", "if filter.exclude_admins && user.admin {", "if false {"),
 ("include_groups", "src/decide.rs", "if !member {", "if false {"),
 ("deprovisioned_none", "src/decide.rs", "return Ok(trail.deny(Denial::Deprovisioned { user: who }));", "{}"),
 ("suspended_none", "src/decide.rs", "SuspendedAction::None => return Ok(trail.deny(Denial::Suspended { user: who })),", "SuspendedAction::None => {}"),
 ("ambiguity", "src/decide.rs", "[one] => match", "[one, ..] => match"),
 ("persistent_only", "src/decide.rs", "let persistent = policy.honor_persistent_name_id && user.is_persistent();\n    let idp_id", "let persistent = policy.honor_persistent_name_id;\n    let idp_id"),
 ("idp_scoped_link", "src/directory.rs", ".get(&(idp_id.to_owned(), external_id.to_owned()))\n            .map(|user| Link::new(idp_id, external_id, user)))", ".iter().find(|((_, e), _)| e == external_id).map(|(_, user)| Link::new(idp_id, external_id, user)))"),
 ("linked_elsewhere", "src/decide.rs", "&& other.external_id != external_id", "&& false"),
 ("empty_username", "src/decide.rs", "if u.trim().is_empty() {", "if false {"),
 ("empty_persistent_nameid", "src/decide.rs", "if persistent && external_id.trim().is_empty() {", "if false {"),
 ("apply_undo", "src/apply.rs", "if let Err(undo_error) = last.run(directory) {", "if let Err(undo_error) = Ok::<(), DirectoryError>(()) {"),
]
only = sys.argv[1:]
bad = 0
for name, path, old, new in muts:
    if only and name not in only: continue
    src = open(path).read()
    if src.count(old) != 1:
        print(name, "PATTERN COUNT", src.count(old))
        bad += 1
        continue
    open(path, "w").write(src.replace(old, new))
    try:
        r = subprocess.run(["cargo", "test", "-q", "-p", "saml-policy", "--tests"], capture_output=True, text=True)
        out = r.stdout + r.stderr
        rows = [l.split(":")[0] for l in out.splitlines() if re.match(r"^\w+: ", l) and not l.startswith(("error", "warning", "note", "help"))]
        tests = [m.group(1) for m in re.finditer(r"^---- (\w+) stdout ----", out, re.M)]
        failed = rows or tests
        caught = r.returncode != 0 and "error[" not in out
        bad += 0 if caught else 1
        print(f"{name}: {'caught by ' + ', '.join(failed) if caught else 'NOT CAUGHT'}")
        if "error[" in out:
            print("  (compile error)", out[out.index("error["):][:300])
    finally:
        open(path, "w").write(src)
sys.exit(1 if bad else 0)
