#!/usr/bin/env python3
"""Single Logout between pysaml2 and our SP and IdP, in both bindings.

Usage:
    python3 tests/interop/pysaml2_logout.py originate OUT_DIR
    python3 tests/interop/pysaml2_logout.py answer IN_DIR OUT_DIR
    python3 tests/interop/pysaml2_logout.py check IN_DIR OUT_DIR

Run by crates/saml-core/tests/pysaml2_logout.rs. Four entities take part:

- ``PY_SP`` and ``PY_IDP``: a pysaml2 SP (``saml2.client.Saml2Client``) and a pysaml2 IdP
  (``saml2.server.Server``), signing with the RSA-2048 test key of crates/saml-core/testdata.
- ``OUR_SP`` and ``OUR_IDP``: ours, signing with the RSA-3072 test key. pysaml2 knows them from
  the metadata written below, which holds that certificate and their SingleLogoutService URLs.

``originate`` writes LogoutRequests made by pysaml2 (``create_logout_request`` then
``apply_binding``): the pysaml2 SP's to our IdP and the pysaml2 IdP's to our SP, each by
HTTP-POST (``*_post.b64``, the enveloped-signed XML in base64, as the form carries it) and by
HTTP-Redirect (``*_redirect.url``, query signature), and ``expected.json``.

``answer`` reads the LogoutRequests our SP (to the pysaml2 IdP) and our IdP (to the pysaml2 SP)
made, in both bindings (``our_sp_request_post.b64``, ``our_sp_request_redirect.url``,
``our_idp_request_post.b64``, ``our_idp_request_redirect.url``), has pysaml2 verify each one
with signatures required (``parse_logout_request``), writes what pysaml2 read to
``parsed.json``, and answers each with a signed LogoutResponse in the same binding
(``create_logout_response``): ``py_idp_response_post.b64``, ``py_idp_response_redirect.url``,
``py_sp_response_post.b64``, ``py_sp_response_redirect.url``.

``check`` reads our LogoutResponses to pysaml2's requests (``our_idp_response_post.b64``,
``our_idp_response_redirect.url`` to the pysaml2 SP; ``our_sp_response_post.b64``,
``our_sp_response_redirect.url`` to the pysaml2 IdP), has pysaml2 verify their signatures
(POST: ``parse_logout_request_response`` with a signature required; Redirect: pysaml2's
``verify_redirect_signature`` with our certificate, then the same parse), and writes
``checked.json`` with each one's status and InResponseTo.

Any failure raises, so the script exits non-zero and the Rust test prints the traceback.
"""

import base64
import json
import os
import sys
import tempfile
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import IdPConfig, SPConfig
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import get_xmlsec_binary, verify_redirect_signature
from saml2.time_util import in_a_while
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.path.join(ROOT, "crates", "saml-core", "testdata")

PY_SP = "https://pysaml2-sp.example/metadata"
PY_SP_SLO = "https://pysaml2-sp.example/slo"
PY_IDP = "https://pysaml2-idp.example/metadata"
PY_IDP_SLO = "https://pysaml2-idp.example/slo"
OUR_SP = "https://sp.example/metadata"
OUR_SP_SLO = "https://sp.example/slo"
OUR_IDP = "https://idp.example/metadata"
OUR_IDP_SLO = "https://idp.example/slo"
USER = "alice@example.com"
SESSION = "_session-7c1e"
REASON = "urn:oasis:names:tc:SAML:2.0:logout:user"
RELAY_STATE = "back to /home?x=1&y=2"

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def cert_body(name):
    """The base64 body of a PEM certificate in testdata, on one line."""
    with open(os.path.join(TESTDATA, name)) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith("-----")]
    return "".join(lines)


def slo_services(url):
    return "".join(
        f'<md:SingleLogoutService Binding="{b}" Location="{url}"/>'
        for b in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
    )


def key_descriptor(cert):
    return (
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data>'
        f"<ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</md:KeyDescriptor>"
    )


def our_sp_metadata():
    return (
        f'<md:EntityDescriptor xmlns:md="{MD}" entityID="{OUR_SP}">'
        '<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{key_descriptor(cert_body('rsa3072.cert.pem'))}{slo_services(OUR_SP_SLO)}"
        f'<md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" '
        'Location="https://sp.example/acs" index="0"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    )


def our_idp_metadata():
    return (
        f'<md:EntityDescriptor xmlns:md="{MD}" entityID="{OUR_IDP}">'
        '<md:IDPSSODescriptor WantAuthnRequestsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{key_descriptor(cert_body('rsa3072.cert.pem'))}{slo_services(OUR_IDP_SLO)}"
        f'<md:SingleSignOnService Binding="{BINDING_HTTP_REDIRECT}" '
        'Location="https://idp.example/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def common(entity_id):
    return {
        "entityid": entity_id,
        "key_file": os.path.join(TESTDATA, "rsa2048.pk8.pem"),
        "cert_file": os.path.join(TESTDATA, "rsa2048.cert.pem"),
        "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "accepted_time_diff": 120,
    }


def py_sp():
    config = common(PY_SP)
    config["metadata"] = {"inline": [our_idp_metadata()]}
    config["service"] = {
        "sp": {
            "endpoints": {
                "assertion_consumer_service": [("https://pysaml2-sp.example/acs", BINDING_HTTP_POST)],
                "single_logout_service": [
                    (PY_SP_SLO, BINDING_HTTP_REDIRECT),
                    (PY_SP_SLO, BINDING_HTTP_POST),
                ],
            },
            "logout_requests_signed": True,
            "want_response_signed": True,
            "allow_unsolicited": True,
        }
    }
    conf = SPConfig()
    conf.load(config)
    return Saml2Client(config=conf)


def py_idp():
    config = common(PY_IDP)
    config["metadata"] = {"inline": [our_sp_metadata()]}
    config["service"] = {
        "idp": {
            "endpoints": {
                "single_sign_on_service": [("https://pysaml2-idp.example/sso", BINDING_HTTP_REDIRECT)],
                "single_logout_service": [
                    (PY_IDP_SLO, BINDING_HTTP_REDIRECT),
                    (PY_IDP_SLO, BINDING_HTTP_POST),
                ],
            },
            # Signed LogoutRequests are required, as our SP and IdP require them.
            "want_authn_requests_signed": True,
            "logout_requests_signed": True,
        }
    }
    conf = IdPConfig()
    conf.load(config)
    return Server(config=conf)


def name_id():
    return NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=USER)


def write(out, name, data):
    with open(os.path.join(out, name), "w") as f:
        f.write(data)


def read(directory, name):
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def send(entity, message_xml, destination, binding, response):
    """The transport form of a signed message: base64 for POST, the URL for Redirect."""
    if binding == BINDING_HTTP_POST:
        return base64.b64encode(message_xml.encode("utf-8")).decode("ascii")
    info = entity.apply_binding(
        BINDING_HTTP_REDIRECT,
        message_xml,
        destination,
        relay_state=RELAY_STATE,
        response=response,
        sign=True,
        sigalg=SIG_RSA_SHA256,
    )
    return dict(info["headers"])["Location"]


def originate(out):
    expected = {"relay_state": RELAY_STATE, "name_id": USER, "session_index": SESSION, "reason": REASON}
    for label, entity, issuer, dest in (
        ("py_sp", py_sp(), PY_SP, OUR_IDP_SLO),
        ("py_idp", py_idp(), PY_IDP, OUR_SP_SLO),
    ):
        for binding, suffix in ((BINDING_HTTP_POST, "post.b64"), (BINDING_HTTP_REDIRECT, "redirect.url")):
            # POST: the enveloped signature is in the XML. Redirect: the XML stays unsigned
            # and apply_binding signs the query (Bindings §3.4.4.1).
            req_id, req = entity.create_logout_request(
                dest,
                OUR_IDP if label == "py_sp" else OUR_SP,
                name_id=name_id(),
                reason=REASON,
                expire=in_a_while(minutes=5),
                session_indexes=[SESSION],
                sign=binding == BINDING_HTTP_POST,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
            name = f"{label}_request_{suffix}"
            write(out, name, send(entity, str(req), dest, binding, False))
            expected[name] = {"id": req_id, "issuer": issuer, "destination": dest}
    write(out, "expected.json", json.dumps(expected, indent=2))


def redirect_params(url):
    """The query parameters of a Redirect URL, one value each (pysaml2's verifier wants a dict)."""
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for key, values in query.items():
        if len(values) != 1:
            raise ValueError(f"parameter {key} appears {len(values)} times")
    return {k: v[0] for k, v in query.items()}


def receive_request(entity, transport, binding):
    """pysaml2 verifies one of our LogoutRequests, a signature required in both bindings."""
    if binding == BINDING_HTTP_POST:
        parsed = entity.parse_logout_request(transport, BINDING_HTTP_POST)
    else:
        params = redirect_params(transport)
        if "Signature" not in params:
            raise ValueError("our Redirect LogoutRequest carries no query signature")
        # pysaml2 checks a query signature itself only where it requires signed requests (its
        # IdP here, not its SP): verify it explicitly in both cases.
        if not verify_redirect_signature(params, entity.sec.sec_backend, cert=cert_body("rsa3072.cert.pem")):
            raise ValueError("pysaml2 refused the query signature of our LogoutRequest")
        parsed = entity.parse_logout_request(
            params["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=params.get("RelayState"),
            sigalg=params["SigAlg"],
            signature=params["Signature"],
        )
    if parsed is None:
        raise ValueError("pysaml2 refused our LogoutRequest")
    message = parsed.message
    if binding == BINDING_HTTP_POST and message.signature is None:
        raise ValueError("our POST LogoutRequest is not signed")
    return parsed, {
        "id": message.id,
        "issuer": message.issuer.text.strip(),
        "destination": message.destination,
        "name_id": message.name_id.text.strip() if message.name_id is not None else None,
        "session_indexes": [s.text for s in message.session_index],
        "reason": message.reason,
        "not_on_or_after": message.not_on_or_after,
    }


def answer(inp, out):
    parsed_all = {}
    for label, entity, binding, suffix in (
        ("our_sp", py_idp(), BINDING_HTTP_POST, "post.b64"),
        ("our_sp", py_idp(), BINDING_HTTP_REDIRECT, "redirect.url"),
        ("our_idp", py_sp(), BINDING_HTTP_POST, "post.b64"),
        ("our_idp", py_sp(), BINDING_HTTP_REDIRECT, "redirect.url"),
    ):
        name = f"{label}_request_{suffix}"
        parsed, fields = receive_request(entity, read(inp, name), binding)
        parsed_all[name] = fields
        # The answer: Success, signed (enveloped for POST, query signature for Redirect).
        response = entity.create_logout_response(
            parsed.message,
            [binding],
            sign=binding == BINDING_HTTP_POST,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        destination = OUR_SP_SLO if label == "our_sp" else OUR_IDP_SLO
        responder = "py_idp" if label == "our_sp" else "py_sp"
        write(out, f"{responder}_response_{suffix}", send(entity, str(response), destination, binding, True))
    write(out, "parsed.json", json.dumps(parsed_all, indent=2))


def check(inp, out):
    ours = cert_body("rsa3072.cert.pem")
    checked = {}
    for label, entity, binding, suffix in (
        ("our_idp", py_sp(), BINDING_HTTP_POST, "post.b64"),
        ("our_idp", py_sp(), BINDING_HTTP_REDIRECT, "redirect.url"),
        ("our_sp", py_idp(), BINDING_HTTP_POST, "post.b64"),
        ("our_sp", py_idp(), BINDING_HTTP_REDIRECT, "redirect.url"),
    ):
        name = f"{label}_response_{suffix}"
        transport = read(inp, name)
        if binding == BINDING_HTTP_POST:
            xml = base64.b64decode(transport).decode("utf-8")
            if "Signature" not in xml:
                raise ValueError(f"{name}: our POST LogoutResponse is not signed")
            response = entity.parse_logout_request_response(transport, BINDING_HTTP_POST)
        else:
            params = redirect_params(transport)
            if not verify_redirect_signature(params, entity.sec.sec_backend, cert=ours):
                raise ValueError(f"{name}: pysaml2 refused our query signature")
            response = entity.parse_logout_request_response(params["SAMLResponse"], BINDING_HTTP_REDIRECT)
        if response is None:
            raise ValueError(f"{name}: pysaml2 refused our LogoutResponse")
        message = response.response
        checked[name] = {
            "issuer": message.issuer.text.strip(),
            "in_response_to": message.in_response_to,
            "destination": message.destination,
            "status": message.status.status_code.value,
            "signed": message.signature is not None,
        }
    write(out, "checked.json", json.dumps(checked, indent=2))


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "originate" and len(argv) == 3:
        originate(argv[2])
    elif mode in ("answer", "check") and len(argv) == 4:
        (answer if mode == "answer" else check)(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    # pysaml2 leaves xmlsec1's temporary files in the working directory's temp dir.
    tempfile.tempdir = tempfile.mkdtemp(prefix="pysaml2-logout-")
    main(sys.argv)
