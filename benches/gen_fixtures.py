#!/usr/bin/env python3
"""Generates the unsigned benchmark fixtures in tests/vectors/bench/.

The fixtures are Okta-shaped SAML 2.0 Responses (saml2p/saml2/ds prefixes, namespace
declarations repeated on Status and on every AttributeValue, a line-wrapped X509Certificate)
whose Assertion carries a placeholder ds:Signature: the structure and sizes of a real
signature, random base64 for the values. They are for parse and c14n benchmarks only; no
signature in them verifies.

Output is deterministic (every "random" byte comes from SHA-256 in counter mode over a fixed
seed), so re-running this script must leave `git diff --exit-code tests/vectors/bench` empty.

Usage, from the workspace root:

    python3 benches/gen_fixtures.py

It rewrites tests/vectors/bench/unsigned-{small,medium,large}.xml and README.md. Python 3.8+,
standard library only.
"""

import base64
import hashlib
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "bench"

NS_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_DSIG = "http://www.w3.org/2000/09/xmldsig#"
XS_DECLS = (
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string"'
)

ISSUER = "http://www.okta.com/exk1bench0okta0idp7"
DESTINATION = "https://sp.example.com/saml/acs"
AUDIENCE = "https://sp.example.com/saml/metadata"
ISSUE_INSTANT = "2025-06-02T09:41:07.512Z"
NOT_BEFORE = "2025-06-02T09:36:07.512Z"
NOT_ON_OR_AFTER = "2025-06-02T09:46:07.512Z"


class Rng:
    """Deterministic byte stream: SHA-256(seed || counter)."""

    def __init__(self, seed: str):
        self.seed = seed.encode()
        self.counter = 0
        self.pool = b""

    def bytes(self, n: int) -> bytes:
        while len(self.pool) < n:
            block = hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.pool += block
            self.counter += 1
        out, self.pool = self.pool[:n], self.pool[n:]
        return out

    def below(self, n: int) -> int:
        return int.from_bytes(self.bytes(4), "big") % n

    def digits(self, n: int) -> str:
        return "".join(str(self.below(10)) for _ in range(n))

    def hex(self, n: int) -> str:
        return self.bytes((n + 1) // 2).hex()[:n]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def wrap76(text: str) -> str:
    """Line-wraps base64 at 76 columns with LF, as Okta does for X509Certificate."""
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def signature_block(rng: Rng, reference_id: str) -> str:
    """A ds:Signature with the shape of Okta's: exc-c14n, rsa-sha256, one enveloped Reference."""
    # A DER SEQUENCE header for 764 content bytes, then random content: 768 bytes, about a
    # 2048-bit RSA certificate with a short subject, so 1,024 base64 characters ("MIIC/D...").
    cert = bytes([0x30, 0x82, 0x02, 0xFC]) + rng.bytes(764)
    return (
        f'<ds:Signature xmlns:ds="{NS_DSIG}">'
        "<ds:SignedInfo>"
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        f'<ds:Reference URI="#{reference_id}">'
        "<ds:Transforms>"
        '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">'
        '<ec:InclusiveNamespaces PrefixList="xs" '
        'xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        "</ds:Transform>"
        "</ds:Transforms>"
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<ds:DigestValue>{b64(rng.bytes(32))}</ds:DigestValue>"
        "</ds:Reference>"
        "</ds:SignedInfo>"
        f"<ds:SignatureValue>{b64(rng.bytes(256))}</ds:SignatureValue>"
        "<ds:KeyInfo><ds:X509Data>"
        f"<ds:X509Certificate>{wrap76(b64(cert))}</ds:X509Certificate>"
        "</ds:X509Data></ds:KeyInfo>"
        "</ds:Signature>"
    )


def attribute(name: str, values, name_format: str = "unspecified") -> str:
    vals = "".join(
        f"<saml2:AttributeValue {XS_DECLS}>{v}</saml2:AttributeValue>" for v in values
    )
    return (
        f'<saml2:Attribute Name="{name}" '
        f'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:{name_format}">'
        f"{vals}</saml2:Attribute>"
    )


# Profile attributes in the order an Okta app's attribute statements list them. The first five
# are the "small" set. Values are already XML-escaped; "R&amp;D" exercises text escaping.
PROFILE = [
    ("firstName", "Jane"),
    ("lastName", "Doe"),
    ("email", "jane.doe@example.com"),
    ("login", "jane.doe@example.com"),
    ("department", "R&amp;D"),
    ("displayName", "Jane Doe"),
    ("title", "Staff Software Engineer"),
    ("employeeNumber", "004217"),
    ("costCenter", "CC-7310"),
    ("division", "Platform"),
    ("organization", "Example Corp"),
    ("manager", "John Roe"),
    ("managerId", "00u1roe0john0example7"),
    ("mobilePhone", "+1 555 0100 4217"),
    ("city", "San Francisco"),
    ("state", "CA"),
    ("countryCode", "US"),
    ("locale", "en_US"),
    ("timezone", "America/Los_Angeles"),
    ("userType", "Employee"),
]

GROUP_AREAS = ["Engineering", "Finance", "Sales", "Support", "R&amp;D", "Marketing", "IT", "HR"]
GROUP_KINDS = ["Admins", "Users", "ReadOnly", "Approvers", "OnCall", "Contractors"]
GROUP_APPS = ["jira", "github", "aws-prod", "aws-dev", "salesforce", "slack", "vpn", "wiki"]


def group_name(i: int) -> str:
    if i % 3 == 2:
        return f"app-{GROUP_APPS[i % len(GROUP_APPS)]}-{GROUP_KINDS[i % len(GROUP_KINDS)].lower()}-{i:04d}"
    return f"{GROUP_AREAS[i % len(GROUP_AREAS)]}-{GROUP_KINDS[(i // 3) % len(GROUP_KINDS)]}-{i:04d}"


def response(seed: str, description: str, profile_count: int, group_count: int) -> str:
    rng = Rng(seed)
    response_id = "id" + rng.digits(26)
    assertion_id = "id" + rng.digits(26)
    request_id = "id-" + rng.hex(40)
    session_index = "id" + rng.digits(19) + "." + rng.digits(9)
    statements = "".join(attribute(n, [v], "basic") for n, v in PROFILE[:profile_count])
    if group_count:
        statements += attribute("groups", [group_name(i) for i in range(group_count)])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!-- {description} -->\n"
        f'<saml2p:Response Destination="{DESTINATION}" ID="{response_id}" '
        f'InResponseTo="{request_id}" IssueInstant="{ISSUE_INSTANT}" Version="2.0" '
        f'xmlns:saml2p="{NS_PROTOCOL}">'
        '<saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity" '
        f'xmlns:saml2="{NS_ASSERTION}">{ISSUER}</saml2:Issuer>'
        f'<saml2p:Status xmlns:saml2p="{NS_PROTOCOL}">'
        '<saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        "</saml2p:Status>"
        f'<saml2:Assertion ID="{assertion_id}" IssueInstant="{ISSUE_INSTANT}" Version="2.0" '
        f'xmlns:saml2="{NS_ASSERTION}" xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">'
        f"{ISSUER}</saml2:Issuer>"
        f"{signature_block(rng, assertion_id)}"
        "<saml2:Subject>"
        '<saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">'
        "jane.doe@example.com</saml2:NameID>"
        '<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml2:SubjectConfirmationData InResponseTo="{request_id}" '
        f'NotOnOrAfter="{NOT_ON_OR_AFTER}" Recipient="{DESTINATION}"/>'
        "</saml2:SubjectConfirmation>"
        "</saml2:Subject>"
        f'<saml2:Conditions NotBefore="{NOT_BEFORE}" NotOnOrAfter="{NOT_ON_OR_AFTER}">'
        f"<saml2:AudienceRestriction><saml2:Audience>{AUDIENCE}</saml2:Audience>"
        "</saml2:AudienceRestriction>"
        "</saml2:Conditions>"
        f'<saml2:AuthnStatement AuthnInstant="{ISSUE_INSTANT}" SessionIndex="{session_index}">'
        "<saml2:AuthnContext><saml2:AuthnContextClassRef>"
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml2:AuthnContextClassRef></saml2:AuthnContext>"
        "</saml2:AuthnStatement>"
        f"<saml2:AttributeStatement>{statements}</saml2:AttributeStatement>"
        "</saml2:Assertion>"
        "</saml2p:Response>"
    )


def fill_groups(seed: str, description: str, profile_count: int, target: int) -> int:
    """The largest group count whose document stays within `target` bytes."""
    low, high = 0, 1
    while len(response(seed, description, profile_count, high).encode()) <= target:
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if len(response(seed, description, profile_count, mid).encode()) <= target:
            low = mid
        else:
            high = mid
    return low


# name, profile attributes, target size in bytes (None: no groups), purpose
FIXTURES = [
    ("small", 5, None, "typical login: 5 profile attributes, no groups"),
    ("medium", 20, 17 * 1024, "20 profile attributes and a groups attribute, ~17 KiB"),
    ("large", 20, 256 * 1024, "20 profile attributes and over a thousand group values, ~256 KiB"),
]


def profile(text: str):
    """(bytes, elements, namespace declarations, distinct namespace URIs)"""
    root = ET.fromstring(text.encode())
    elements = sum(1 for _ in root.iter())
    decls = len(re.findall(r'\sxmlns(?::[\w.-]+)?="', text))
    uris = set(re.findall(r'\sxmlns(?::[\w.-]+)?="([^"]*)"', text))
    return len(text.encode()), elements, decls, len(uris)


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, profile_count, target, purpose in FIXTURES:
        file = f"unsigned-{name}.xml"
        description = (
            f"{file}: UNSIGNED placeholder (random signature values), see README.md; "
            "generated by benches/gen_fixtures.py"
        )
        groups = fill_groups(name, description, profile_count, target) if target else 0
        text = response(name, description, profile_count, groups)
        (OUT_DIR / file).write_bytes(text.encode())
        size, elements, decls, uris = profile(text)
        values = profile_count + groups
        lines.append(
            f"| `{file}` | {size:,} B | {elements:,} | {values:,} ({profile_count} attributes"
            f"{f', {groups:,} group values' if groups else ''}) | {decls:,} declarations"
            f" ({decls / elements:.2f} per element), {uris} distinct URIs | {purpose} |"
        )
        print(f"{file}: {size} bytes, {elements} elements, {groups} groups", file=sys.stderr)

    readme = (
        "# Benchmark fixtures\n\n"
        "Okta-shaped SAML 2.0 Responses for the parse and c14n benchmarks in `benches/`\n"
        "(crate `saml-benches`). They are **unsigned**: the Assertion's `ds:Signature` has the\n"
        "shape of a real one (exc-c14n with `InclusiveNamespaces PrefixList=\"xs\"`, rsa-sha256,\n"
        "one enveloped Reference, a 344-character SignatureValue, a 1,024-character\n"
        "line-wrapped X509Certificate) but its values are random, so nothing verifies. The\n"
        "names `small.xml`, `medium.xml` and `large.xml` are left for the signed versions.\n\n"
        "Shape: `saml2p:Response` (Destination, ID, InResponseTo, IssueInstant) > `saml2:Issuer`,\n"
        "`saml2p:Status` (redeclaring `saml2p`, as Okta does), `saml2:Assertion` > Issuer,\n"
        "`ds:Signature`, Subject (emailAddress NameID, bearer SubjectConfirmation), Conditions\n"
        "(AudienceRestriction), AuthnStatement, AttributeStatement. Every `AttributeValue`\n"
        "redeclares `xmlns:xs` and `xmlns:xsi` with `xsi:type=\"xs:string\"`, as Okta does, which\n"
        "is most of the namespace density. Some values contain `&amp;` to exercise escaping.\n\n"
        "Generated by `python3 benches/gen_fixtures.py` (run from the workspace root;\n"
        "standard library only). The output is deterministic (SHA-256 in counter mode over a\n"
        "fixed seed per file), so a re-run must leave `git diff --exit-code tests/vectors/bench`\n"
        "empty; this README is rewritten by the same script.\n\n"
        "| file | size | elements | attribute values | namespace density | profile |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )
    (OUT_DIR / "README.md").write_text(readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
