# Generates XML Encryption test vectors with libxmlsec1 1.3.9 (bundled in PyPI xmlsec 1.3.17)
import xmlsec
from lxml import etree
X="http://www.w3.org/2001/04/xmlenc#"; X11="http://www.w3.org/2009/xmlenc11#"; DS="http://www.w3.org/2000/09/xmldsig#"
SHA={"sha1":DS+"sha1","sha256":X+"sha256","sha384":"http://www.w3.org/2001/04/xmldsig-more#sha384","sha512":X+"sha512"}
def tmpl(data_alg, key_alg, digest=None, mgf=None, label=None):
    dm = f'<ds:DigestMethod Algorithm="{SHA[digest]}"/>' if digest else ""
    mg = f'<xenc11:MGF xmlns:xenc11="{X11}" Algorithm="{X11}mgf1{mgf}"/>' if mgf else ""
    lb = f'<xenc:OAEPparams>{label}</xenc:OAEPparams>' if label else ""
    return (f'<xenc:EncryptedData xmlns:xenc="{X}" Type="{X}Element"><xenc:EncryptionMethod Algorithm="{data_alg}"/>'
            f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{key_alg}">{dm}{mg}{lb}</xenc:EncryptionMethod>'
            f'<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>'
            f'<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>')
V = {
 "v1-aes256gcm-oaep11-sha256-mgf1sha1": (X11+"aes256-gcm", 256, X11+"rsa-oaep", "sha256", "sha1", None),
 "v2-aes128gcm-oaep11-sha256-mgf1sha256": (X11+"aes128-gcm", 128, X11+"rsa-oaep", "sha256", "sha256", None),
 "v3-aes192gcm-mgf1p-sha1": (X11+"aes192-gcm", 192, X+"rsa-oaep-mgf1p", "sha1", None, None),
 "v4-aes192cbc-oaep11-sha512-mgf1sha512-label": (X+"aes192-cbc", 192, X11+"rsa-oaep", "sha512", "sha512", "AAECAwQFBgc="),
 "v5-aes256cbc-mgf1p-sha256": (X+"aes256-cbc", 256, X+"rsa-oaep-mgf1p", "sha256", None, None),
 "v6-aes128cbc-oaep11-nodigest": (X+"aes128-cbc", 128, X11+"rsa-oaep", None, None, None),
 "v7-aes128cbc-rsa15": (X+"aes128-cbc", 128, X+"rsa-1_5", None, None, None),
 "v8-aes256gcm-oaep11-sha1-mgf1sha256": (X11+"aes256-gcm", 256, X11+"rsa-oaep", "sha1", "sha256", None),
}
for name,(dalg,bits,kalg,dig,mgf,label) in V.items():
    doc = etree.parse("doc.xml").getroot()
    a = doc.find(".//{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    t = etree.fromstring(tmpl(dalg,kalg,dig,mgf,label)); a.getparent().append(t)
    m = xmlsec.KeysManager(); m.add_key(xmlsec.Key.from_file("cert.pem", xmlsec.constants.KeyDataFormatCertPem))
    c = xmlsec.EncryptionContext(m); c.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, bits, xmlsec.constants.KeyDataTypeSession)
    try:
        c.encrypt_xml(t, a)
    except Exception as e:
        print(name, "ENCRYPT FAILED", e); continue
    open(f"vec/{name}.xml","wb").write(etree.tostring(doc))
    m2 = xmlsec.KeysManager(); m2.add_key(xmlsec.Key.from_file("key.pem", xmlsec.constants.KeyDataFormatPem))
    d = etree.parse(f"vec/{name}.xml").getroot()
    out = xmlsec.EncryptionContext(m2).decrypt(d.find(f".//{{{X}}}EncryptedData"))
    print(name, "ok, xmlsec roundtrip ->", etree.QName(out).localname)
