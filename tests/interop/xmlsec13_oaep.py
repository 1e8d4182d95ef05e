#!/usr/bin/env python3
"""libxmlsec1 1.3 (PyPI ``xmlsec``, which bundles it) and every RSA-OAEP digest/MGF1 pair.

Usage:
    python3 tests/interop/xmlsec13_oaep.py encrypt CERT.pem OUT_DIR
    python3 tests/interop/xmlsec13_oaep.py decrypt KEY.pem FILE...

Run by crates/saml-core/tests/xmlenc_interop.rs.

``encrypt`` writes one Response per key transport to OUT_DIR, its Assertion encrypted by
libxmlsec1 (AES-256-GCM, the CEK wrapped to CERT.pem): ``rsa-oaep`` with every DigestMethod and
MGF1 hash among SHA-1/256/384/512 (``oaep-DIGEST-mgf1MGF.xml``), ``rsa-oaep`` with a DigestMethod
and no MGF (the default, MGF1-SHA-1: ``oaep-sha256-default.xml``), and ``rsa-oaep-mgf1p`` with a
SHA-256 DigestMethod (``mgf1p-sha256.xml``). It prints the libxmlsec1 version first.

``decrypt`` decrypts the first EncryptedData of each FILE with KEY.pem and prints, per file,
``FILE<TAB>ok<TAB>ID`` (the decrypted element's ID) or ``FILE<TAB>failed<TAB>reason``; it exits 0
either way, so the caller can check the controls that must fail.
"""

import os
import sys

import xmlsec
from lxml import etree

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DS = "http://www.w3.org/2000/09/xmldsig#"
DIGESTS = {
    "sha1": DS + "sha1",
    "sha256": XENC + "sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": XENC + "sha512",
}
RESPONSE = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" '
    'IssueInstant="2024-01-01T00:00:00Z"><saml:EncryptedAssertion><saml:Assertion ID="_{id}" '
    'Version="2.0" IssueInstant="2024-01-01T00:00:00Z"><saml:Issuer>https://idp.example'
    "</saml:Issuer></saml:Assertion></saml:EncryptedAssertion></samlp:Response>"
)


def template(key_alg, digest, mgf):
    dm = f'<ds:DigestMethod Algorithm="{DIGESTS[digest]}"/>' if digest else ""
    mg = f'<xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{XENC11}mgf1{mgf}"/>' if mgf else ""
    return (
        f'<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{XENC11}aes256-gcm"/>'
        f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey>'
        f'<xenc:EncryptionMethod Algorithm="{key_alg}">{dm}{mg}</xenc:EncryptionMethod>'
        "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
        "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"
    )


def cases():
    for digest in DIGESTS:
        for mgf in DIGESTS:
            yield f"oaep-{digest}-mgf1{mgf}", XENC11 + "rsa-oaep", digest, mgf
    yield "oaep-sha256-default", XENC11 + "rsa-oaep", "sha256", None
    yield "mgf1p-sha256", XENC + "rsa-oaep-mgf1p", "sha256", None


def encrypt(cert, out_dir):
    print("libxmlsec1", ".".join(map(str, xmlsec.get_libxmlsec_version())))
    for name, key_alg, digest, mgf in cases():
        doc = etree.fromstring(RESPONSE.format(id=name.replace("-", "_")))
        assertion = doc.find(".//{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
        tmpl = etree.fromstring(template(key_alg, digest, mgf))
        assertion.getparent().append(tmpl)
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_file(cert, xmlsec.constants.KeyDataFormatCertPem))
        ctx = xmlsec.EncryptionContext(manager)
        ctx.key = xmlsec.Key.generate(
            xmlsec.constants.KeyDataAes, 256, xmlsec.constants.KeyDataTypeSession
        )
        ctx.encrypt_xml(tmpl, assertion)
        with open(os.path.join(out_dir, name + ".xml"), "wb") as f:
            f.write(etree.tostring(doc))
        print(name)


def decrypt(key, files):
    for path in files:
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_file(key, xmlsec.constants.KeyDataFormatPem))
        root = etree.parse(path).getroot()
        data = root if etree.QName(root).localname == "EncryptedData" else root.find(
            f".//{{{XENC}}}EncryptedData"
        )
        try:
            out = xmlsec.EncryptionContext(manager).decrypt(data)
            print(f"{path}\tok\t{out.get('ID')}")
        except Exception as e:  # the controls expect failures; report them as data
            print(f"{path}\tfailed\t{type(e).__name__}: {e}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "encrypt":
        encrypt(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "decrypt":
        decrypt(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
