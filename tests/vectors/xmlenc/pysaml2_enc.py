from saml2 import sigver
from saml2.sigver import pre_encryption_part, CryptoBackendXmlSec1, get_pem_wrapped_unwrapped, get_xmlsec_binary
doc = open("doc.xml").read()
cert = open("cert.pem").read()
wrapped, unwrapped = get_pem_wrapped_unwrapped(cert)
be = CryptoBackendXmlSec1(get_xmlsec_binary())
tmpl = pre_encryption_part(key_name=None, encrypt_cert=unwrapped)
print("TEMPLATE:", str(tmpl))
out = be.encrypt_assertion(doc, "cert.pem", tmpl)   # defaults: key_type="des-192", ASSERT_XPATH
open("enc-pysaml2.xml","w").write(out)
print(out)
