#!/bin/sh
# Regenerates the xmlsec1 signing templates in tests/vectors/interop/templates/ from
# tests/vectors/interop/response-unsigned.xml. Run from anywhere; needs only sh and awk.
#
# Each template is the unsigned Response with empty Signature templates (rsa-sha256 / sha256,
# enveloped-signature + exc-c14n, empty DigestValue and SignatureValue, an empty X509Data for
# xmlsec1 to fill) inserted right after the saml:Issuer of the Response and/or the Assertion.
# The tests substitute the SignatureMethod/DigestMethod URIs for the other algorithms and derive
# the minified forms themselves, so only the pretty-printed rsa-sha256 forms are stored.
#
#   WHAT  = assertion | response | both   (which elements get a Signature template)
#   FORM  = ds         <ds:Signature xmlns:ds="...">
#           default-ns <Signature xmlns="...">
#           ds-on-root <ds:Signature>, with xmlns:ds declared on the Response start tag
set -eu
dir=$(cd "$(dirname "$0")/../vectors/interop" && pwd)
src="$dir/response-unsigned.xml"
resp_id=$(sed -n 's/.*<samlp:Response .* ID="\([^"]*\)".*/\1/p' "$src")
assert_id=$(sed -n 's/.*<saml:Assertion ID="\([^"]*\)".*/\1/p' "$src")
DSIG=http://www.w3.org/2000/09/xmldsig#
EXC=http://www.w3.org/2001/10/xml-exc-c14n#

# sig INDENT FORM ID: prints one Signature template, every line indented by INDENT spaces.
sig() {
  case $2 in
    ds) p=ds: ; decl=" xmlns:ds=\"$DSIG\"" ;;
    default-ns) p= ; decl=" xmlns=\"$DSIG\"" ;;
    ds-on-root) p=ds: ; decl= ;;
  esac
  pad=$(printf '%*s' "$1" '')
  sed "s/^/$pad/" <<T
<${p}Signature$decl>
  <${p}SignedInfo>
    <${p}CanonicalizationMethod Algorithm="$EXC"/>
    <${p}SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
    <${p}Reference URI="#$3">
      <${p}Transforms>
        <${p}Transform Algorithm="${DSIG}enveloped-signature"/>
        <${p}Transform Algorithm="$EXC"/>
      </${p}Transforms>
      <${p}DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
      <${p}DigestValue></${p}DigestValue>
    </${p}Reference>
  </${p}SignedInfo>
  <${p}SignatureValue></${p}SignatureValue>
  <${p}KeyInfo>
    <${p}X509Data/>
  </${p}KeyInfo>
</${p}Signature>
T
}

for form in ds default-ns ds-on-root; do
  sig 2 "$form" "$resp_id" > "$dir/.resp-sig.tmp"
  sig 4 "$form" "$assert_id" > "$dir/.assert-sig.tmp"
  for what in assertion response both; do
    out="$dir/templates/$what-signed.$form.xml"
    awk -v what="$what" -v form="$form" -v dsig="$DSIG" \
        -v rs="$dir/.resp-sig.tmp" -v as="$dir/.assert-sig.tmp" '
      function emit(f,   l) { while ((getline l < f) > 0) print l; close(f) }
      form == "ds-on-root" && /^<samlp:Response / { sub(/ ID=/, " xmlns:ds=\"" dsig "\" ID=") }
      { print }
      /<saml:Issuer>/ {
        n++
        if (n == 1 && what != "assertion") emit(rs)
        if (n == 2 && what != "response") emit(as)
      }' "$src" > "$out"
  done
done
rm -f "$dir/.resp-sig.tmp" "$dir/.assert-sig.tmp"
