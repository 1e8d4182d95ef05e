#!/usr/bin/env python3
"""A pysaml2 IdP issues signed Responses with an encrypted assertion for our SP.

Usage:
    python3 tests/interop/pysaml2_idp_encrypts.py OUT_DIR

Run by crates/saml-core/tests/pysaml2_interop.rs, which validates the output with our SP.
Writes to OUT_DIR:

- ``tripledes-cbc.xml``: what a pysaml2 IdP sends by default
  (``Server.create_authn_response(..., encrypt_assertion=True)``): tripledes-cbc with
  rsa-oaep-mgf1p, the assertion signed, then encrypted, then the Response signed.
- ``aes256-cbc.xml`` and ``aes128-gcm.xml``: the same Response made by the same steps as
  pysaml2's own ``Entity._response`` (``pre_signature_part``, ``pre_encrypt_assertion``, the
  self-contained assertion, ``signed_instance_factory``, ``SecurityContext.encrypt_assertion``),
  all public functions of pysaml2, with one difference: the ``pre_encryption_part`` template
  names an AES algorithm and xmlsec1 gets an AES session key. pysaml2's ``_response`` hard-codes
  its 3DES template, so an application that wants AES has to do this much itself.
- ``expected.json``: what our SP should read (entity IDs, ACS, the NameID, attributes).

The IdP's configuration is written here in code: its entity ID and keys (the RSA-2048 test key
of crates/saml-core/testdata), and our SP's metadata with a ``KeyDescriptor use="encryption"``
holding the SP's certificate (crates/saml-core/testdata/rsa3072.cert.pem; our SP decrypts with
rsa3072.pk8.pem). pysaml2 runs xmlsec1 for every signature and encryption.
"""

import json
import os
import sys
import tempfile

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml, samlp
from saml2.config import IdPConfig
from saml2.s_utils import factory
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import (
    RSA_OAEP_MGF1P,
    get_pem_wrapped_unwrapped,
    get_xmlsec_binary,
    pre_encrypt_assertion,
    pre_encryption_part,
    pre_signature_part,
    signed_instance_factory,
)
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.path.join(ROOT, "crates", "saml-core", "testdata")

IDP = "https://pysaml2-idp.example/metadata"
SSO = "https://pysaml2-idp.example/sso"
SP = "https://sp.example/metadata"
ACS = "https://sp.example/acs"
USER = "alice@example.com"
GROUPS = ["Everyone", "R&D <admins>"]

AES = {
    "aes256-cbc": ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes-256"),
    "aes128-gcm": ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "aes-128"),
}


def read(name):
    with open(os.path.join(TESTDATA, name)) as f:
        return f.read()


def sp_metadata(signing_cert, encryption_cert):
    """Our SP's metadata, as the IdP's administrator would load it."""
    key = (
        '<md:KeyDescriptor use="{use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        "{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{sp}">'
        '<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        "{signing}{encryption}"
        "<md:NameIDFormat>{nameid}</md:NameIDFormat>"
        '<md:AssertionConsumerService Binding="{post}" Location="{acs}" index="0" isDefault="true"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    ).format(
        sp=SP,
        signing=key.format(use="signing", cert=signing_cert),
        encryption=key.format(use="encryption", cert=encryption_cert),
        nameid=NAMEID_FORMAT_EMAILADDRESS,
        post=BINDING_HTTP_POST,
        acs=ACS,
    )


def idp_server(encryption_cert):
    config = IdPConfig()
    config.load(
        {
            "entityid": IDP,
            "service": {
                "idp": {
                    "endpoints": {"single_sign_on_service": [(SSO, BINDING_HTTP_REDIRECT)]},
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "policy": {"default": {"lifetime": {"minutes": 5}}},
                    "signing_algorithm": SIG_RSA_SHA256,
                    "digest_algorithm": DIGEST_SHA256,
                }
            },
            "key_file": os.path.join(TESTDATA, "rsa2048.pk8.pem"),
            "cert_file": os.path.join(TESTDATA, "rsa2048.cert.pem"),
            "metadata": {"inline": [sp_metadata(encryption_cert, encryption_cert)]},
            "xmlsec_binary": get_xmlsec_binary(),
        }
    )
    return Server(config=config)


def response_args():
    return dict(
        identity={"groups": GROUPS},
        in_response_to=None,
        destination=ACS,
        sp_entity_id=SP,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=USER),
        authn={"class_ref": saml.AUTHN_PASSWORD_PROTECTED},
    )


def pysaml2_default(idp):
    """pysaml2's own path: 3DES and rsa-oaep-mgf1p, to the metadata's encryption key."""
    return idp.create_authn_response(
        sign_response=True,
        sign_assertion=True,
        encrypt_assertion=True,
        **response_args(),
    )


def with_aes(idp, cert_file, encryption_cert, algorithm, session_key):
    """The steps of pysaml2's Entity._response (part C) with an AES template."""
    response = idp.create_authn_response(
        sign_response=False,
        sign_assertion=False,
        encrypt_assertion=False,
        **response_args(),
    )
    if not isinstance(response, samlp.Response):
        raise SystemExit("expected an unsigned samlp.Response object, got %r" % type(response))
    sign = dict(sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    response.signature = pre_signature_part(response.id, idp.sec.my_cert, 1, **sign)
    assertion = response.assertion
    assertion.signature = pre_signature_part(assertion.id, idp.sec.my_cert, 2, **sign)
    assertion_tag = assertion._to_element_tree().tag
    response = pre_encrypt_assertion(response)
    xml = response.get_xml_string_with_self_contained_assertion_within_encrypted_assertion(assertion_tag)
    xml = signed_instance_factory(xml, idp.sec, [(saml.Assertion.c_namespace + ":Assertion", assertion.id)])
    template = pre_encryption_part(msg_enc=algorithm, key_enc=RSA_OAEP_MGF1P, encrypt_cert=encryption_cert)
    xml = idp.sec.encrypt_assertion(xml, cert_file, template, key_type=session_key)
    return signed_instance_factory(xml, idp.sec, [(samlp.Response.c_namespace + ":Response", response.id)])


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cert_file = os.path.join(TESTDATA, "rsa3072.cert.pem")
    _, encryption_cert = get_pem_wrapped_unwrapped(read("rsa3072.cert.pem"))
    idp = idp_server(encryption_cert)
    outputs = {"tripledes-cbc": str(pysaml2_default(idp))}
    for name, (algorithm, session_key) in AES.items():
        outputs[name] = with_aes(idp, cert_file, encryption_cert, algorithm, session_key)
    for name, xml in outputs.items():
        if "EncryptedAssertion" not in xml or USER in xml:
            raise SystemExit("%s: the assertion is not encrypted:\n%s" % (name, xml))
        with open(os.path.join(out, name + ".xml"), "w") as f:
            f.write(xml)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"idp": IDP, "sp": SP, "acs": ACS, "name_id": USER, "groups": GROUPS}, f)
    print("wrote", ", ".join(sorted(outputs)), "to", out)


if __name__ == "__main__":
    main()
