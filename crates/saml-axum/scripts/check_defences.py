#!/usr/bin/env python3
"""Removes each defence of saml-axum in turn and checks that its test then fails.

Usage (from the repository root): `python3 crates/saml-axum/scripts/check_defences.py`.
Each entry names the defence, the file, the exact text that implements it, what it becomes
without it, and the tests that must fail. Every file is restored afterwards. Exit 1 if a
defence's removal goes unnoticed or its text is no longer found.
"""
import subprocess
import sys

SP = "crates/saml-axum/src/sp.rs"
RT = "crates/saml-axum/src/return_to.rs"
CK = "crates/saml-axum/src/cookie.rs"
SE = "crates/saml-axum/src/session.rs"
PG = "crates/saml-axum/src/page.rs"
ATTACKS = ["--test", "attacks"]

CHECKS = [
    ("request bound to the browser", SP,
     "        let bound = self.requests.iter().any(|r| r.id == id);",
     "        let bound = true;",
     ATTACKS + ["a_response_for_a_request_started_in_another_browser_is_refused"]),
    ("return_to / RelayState checked", RT,
     "    if value.len() > MAX_LEN {",
     "    if true {\n        return Ok(value);\n    }\n    if value.len() > MAX_LEN {",
     ATTACKS + ["open_redirects_in"]),
    ("percent-decoded layers checked", RT,
     "        if decoded == layer {", "        if true {",
     ATTACKS + ["open_redirects_in"]),
    ("backslashes refused", RT,
     "        if c == '\\\\' {", "        if false {",
     ATTACKS + ["open_redirects_in_return_to"]),
    ("session MAC verified", CK,
     "        hmac::verify(&self.0, &message, &tag).ok()?;",
     "        let _ = hmac::verify(&self.0, &message, &tag);",
     ATTACKS + ["forged_or_tampered_session_cookies_are_refused"]),
    ("cookie name under the MAC", CK,
     "        message.extend_from_slice(name.as_bytes());\n        message.push(b'=');\n", "",
     ["--lib", "cookie"]),
    ("session expiry", SE,
     "            .find(|p| now < p.expires)", "            .find(|_| true)",
     ATTACKS + ["an_expired_session_cookie_is_refused"]),
    ("a form field given twice is refused", "crates/saml-axum/src/form.rs",
     "        if slot.is_some() {", "        if false {",
     ["--lib", "form"]),
    ("ACS body limit", SP,
     "post(acs::<S>).layer(DefaultBodyLimit::max(self.inner.max_body)),", "post(acs::<S>),",
     ATTACKS + ["an_oversized_post_is_refused_before_decoding"]),
    ("HTML escaping", PG,
     "    let mut out = String::with_capacity(s.len() + 16);",
     "    if true {\n        return s.to_owned();\n    }\n    let mut out = String::with_capacity(s.len() + 16);",
     ATTACKS + ["hostile_values_on_the_error_page_are_escaped"]),
    ("store failure is 503", PG,
     "                    StatusCode::SERVICE_UNAVAILABLE\n", "                    StatusCode::FORBIDDEN\n",
     ATTACKS + ["a_store_failure_is_503_and_no_login"]),
    ("replay cache consulted", SP,
     "        AsyncReplayCache::insert_if_absent(self.store, key, expires, now)\n",
     "        let _ = (key, expires, now);\n        std::future::ready(Ok(ReplayOutcome::Fresh))\n",
     ATTACKS + ["a_replayed_post_is_refused"]),
    ("on_login refusal honoured", SP,
     "        .map_err(|refused| RouteError::LoginRefused {\n            reason: refused.reason,\n        })?;",
     "        .ok();",
     ATTACKS + ["the_on_login_hook_may_refuse"]),
]


def main() -> int:
    bad = 0
    for name, path, old, new, args in CHECKS:
        src = open(path, encoding="utf-8").read()
        if src.count(old) != 1:
            print(f"NOT FOUND  {name}: update this script")
            bad += 1
            continue
        open(path, "w", encoding="utf-8").write(src.replace(old, new))
        try:
            r = subprocess.run(["cargo", "test", "-q", "-p", "saml-axum"] + args,
                               capture_output=True, text=True, timeout=1800)
        finally:
            open(path, "w", encoding="utf-8").write(src)
        if r.returncode == 0:
            print(f"UNNOTICED  {name}: its tests pass without it")
            bad += 1
        elif "test result: FAILED" not in r.stdout + r.stderr:
            print(f"BROKEN     {name}: the variant without it does not build")
            bad += 1
        else:
            print(f"ok         {name}: its tests fail without it")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
