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
LO = "crates/saml-axum/src/logout.rs"
CORE_LOGOUT = "crates/saml-core/src/saml/logout/message.rs"
ATTACKS = ["--test", "attacks"]
LOGOUT = ["--test", "logout"]

CHECKS = [
    ("logout RelayState before commit", LO,
     """            let location = match pending.relay_state() {
                Some(r) => return_to::check("RelayState", r)?.to_owned(),
                None => inner.default_return_to.clone(),
            };
            let response = pending.commit_async(&*inner.store).await?;""",
     """            let response = pending.commit_async(&*inner.store).await?;
            let location = match response.relay_state() {
                Some(r) => return_to::check("RelayState", r)?.to_owned(),
                None => inner.default_return_to.clone(),
            };""",
     LOGOUT + ["open_redirects_in_the_logout_response_relay_state_are_refused"]),
    ("request bound to the browser", SP,
     "        && !requests.iter().any(|r| r.id == id)",
     "        && false",
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
     "                | ErrorKind::SessionStoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,\n",
     "                | ErrorKind::SessionStoreUnavailable => StatusCode::FORBIDDEN,\n",
     ATTACKS + ["a_store_failure_is_503_and_no_login"]),
    ("replay cache consulted (the shared store)", SP,
     "    let assertion = pending.commit_async(&*inner.store).await?;",
     "    let assertion = pending\n        .commit_async(&saml_core::saml::replay::InMemoryStore::new(16))\n        .await?;",
     ATTACKS + ["a_replayed_post_is_refused"]),
    ("on_login refusal honoured", SP,
     "        .map_err(|refused| RouteError::LoginRefused {\n            reason: refused.reason,\n        })?;",
     "        .ok();",
     ATTACKS + ["the_on_login_hook_may_refuse"]),
    # Single Logout. The signature checks live in saml-core (the routes hand it the message
    # as received); removing them there shows the route tests notice.
    ("logout query signature verified (saml-core)", CORE_LOGOUT,
     "                    redirect::verify(&query, &peer.verifier)\n"
     "                        .map_err(sig_err(\"HTTP-Redirect query\"))?;\n",
     "                    let _ = redirect::verify(&query, &peer.verifier);\n",
     LOGOUT + ["a_forged_logout_request_is_refused_and_revokes_nothing"]),
    ("unsigned logout refused (saml-core)", CORE_LOGOUT,
     "                } else if peer.accept_unsigned {\n                    false\n",
     "                } else if true {\n                    false\n",
     LOGOUT + ["an_unsigned_logout_request_is_refused"]),
    ("raw query, never re-encoded", LO,
     "    let query = uri.query().unwrap_or_default();\n",
     "    let canonical: Vec<String> = uri.query().unwrap_or_default().split('&').map(|p| match p.split_once('=') {\n"
     "        Some((k, v)) => format!(\"{k}={}\", binding::url_encode(&percent_encoding::percent_decode_str(v).decode_utf8_lossy())),\n"
     "        None => p.to_owned(),\n    }).collect();\n    let canonical = canonical.join(\"&\");\n"
     "    let query = canonical.as_str();\n",
     LOGOUT + ["a_re_encoded_query_is_refused"]),
    ("LogoutRequest replay cache", LO,
     "            let request = pending.commit_async(&*inner.store).await?;\n",
     "            let request = pending.commit_async(&InMemoryStore::default()).await?;\n",
     LOGOUT + ["a_replayed_logout_request_is_refused"]),
    ("LogoutResponse InResponseTo single use", LO,
     "            let response = pending.commit_async(&*inner.store).await?;\n",
     "            struct Any;\n"
     "            impl saml_core::saml::replay::AsyncRequestStore for Any {\n"
     "                async fn insert(&self, _: &str, _: DateTime, _: DateTime) -> Result<(), StoreError> { Ok(()) }\n"
     "                async fn take(&self, _: &str, _: DateTime) -> Result<bool, StoreError> { Ok(true) }\n"
     "            }\n"
     "            let response = pending.commit_async(&Any).await?;\n",
     LOGOUT + ["a_logout_response_with_unknown_or_reused_in_response_to_is_refused"]),
    ("logout RelayState checked", LO,
     "                Some(r) => return_to::check(\"RelayState\", r)?.to_owned(),\n",
     "                Some(r) => r.to_owned(),\n",
     LOGOUT + ["open_redirects_in_the_logout_response_relay_state_are_refused"]),
    ("the extractor consults the revocation list", SE,
     "        Ok((!revoked).then_some(principal))",
     "        let _ = revoked;\n        Ok(Some(principal))",
     LOGOUT + ["idp_initiated_logout_revokes_the_session_without_its_cookie"]),
    ("an SP-initiated logout revokes locally", LO,
     "        .revoke(&principal.name_id, &indexes, keep, now)",
     "        .revoke(\"nobody\", &indexes, keep, now)",
     LOGOUT + ["sp_initiated_logout_round_trip"]),
]


def main() -> int:
    """`check_defences.py [WORD]`: only the defences whose name contains WORD."""
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    bad = 0
    for name, path, old, new, args in CHECKS:
        if only not in name:
            continue
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
