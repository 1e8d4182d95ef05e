#!/bin/sh
# Regenerates the test keys, certificates and openssl-made signatures used by
# the tests in src/crypto/*.rs. Run from this directory. Requires the openssl CLI.
# The outputs are committed; the tests never run openssl themselves. Re-running
# makes new keys, so the fingerprints hard-coded in the tests must be updated.
set -eu
MSG=message.txt
printf 'The quick brown fox signs SAML assertions.\n' > "$MSG"

# --- RSA ---
for bits in 1024 2048 3072 4096; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out rsa$bits.pk8.pem
done
openssl rsa -in rsa2048.pk8.pem -traditional -out rsa2048.pkcs1.pem            # BEGIN RSA PRIVATE KEY
openssl pkcs8 -topk8 -nocrypt -in rsa2048.pk8.pem -outform DER -out rsa2048.pk8.der
openssl rsa -in rsa2048.pk8.pem -pubout -out rsa2048.spki.pem                  # BEGIN PUBLIC KEY
openssl rsa -in rsa2048.pk8.pem -RSAPublicKey_out -out rsa2048.pkcs1pub.pem    # BEGIN RSA PUBLIC KEY
openssl rsa -in rsa1024.pk8.pem -pubout -out rsa1024.spki.pem
for bits in 2048 3072; do
  openssl req -x509 -new -key rsa$bits.pk8.pem -sha256 -days 3650 \
    -subj "/C=NO/O=Scratch Test/CN=rsa$bits.example" -out rsa$bits.cert.pem
done
openssl x509 -in rsa2048.cert.pem -outform DER -out rsa2048.cert.der
# bare base64 as found in metadata, wrapped at 64 columns plus odd indentation
sed -e '/-----/d' -e 's/^/    /' rsa2048.cert.pem > rsa2048.cert.b64
# two certificates in one PEM file, with explanatory text around them
{ echo "Bag Attributes: first"; cat rsa2048.cert.pem; echo; echo "second:"; cat rsa3072.cert.pem; } > chain.pem

# PKCS#1 v1.5 (deterministic) and PSS (salt = digest length, MGF1 with the same digest)
openssl dgst -sha256 -sign rsa2048.pk8.pem -out rsa2048.sha256.sig "$MSG"
openssl dgst -sha512 -sign rsa2048.pk8.pem -out rsa2048.sha512.sig "$MSG"
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 \
  -sign rsa2048.pk8.pem -out rsa2048.pss-sha256.sig "$MSG"
openssl dgst -sha1 -sign rsa1024.pk8.pem -out rsa1024.sha1.sig "$MSG"
openssl dgst -sha256 -sign rsa1024.pk8.pem -out rsa1024.sha256.sig "$MSG"
openssl dgst -sha1 -sign rsa2048.pk8.pem -out rsa2048.sha1.sig "$MSG"

# --- ECDSA ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pk8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pk8.pem
openssl ec -in p256.pk8.pem -out p256.sec1.pem                                 # BEGIN EC PRIVATE KEY
openssl ec -in p384.pk8.pem -out p384.sec1.pem
openssl req -x509 -new -key p256.pk8.pem -sha256 -days 3650 -subj "/CN=p256.example" -out p256.cert.pem
openssl req -x509 -new -key p384.pk8.pem -sha384 -days 3650 -subj "/CN=p384.example" -out p384.cert.pem
# openssl emits DER ECDSA-Sig-Value; XML-DSig wants r||s, converted by der2rs below.
der2rs() { # $1 = DER signature file, $2 = field length in bytes, $3 = output
  openssl asn1parse -inform DER -in "$1" | awk '/INTEGER/ {sub(/.*:/, ""); print}' |
    while read -r h; do printf '%0*s' $(( $2 * 2 )) "$h" | tr ' ' 0; done | xxd -r -p > "$3"
}
for spec in "p256 sha256 32" "p256 sha512 32" "p384 sha384 48" "p384 sha512 48" "p256 sha384 32"; do
  set -- $spec
  openssl dgst -$2 -sign $1.pk8.pem -out $1.$2.der.sig "$MSG"
  der2rs $1.$2.der.sig $3 $1.$2.sig
  rm $1.$2.der.sig
done

# --- Ed25519 (deterministic) ---
openssl genpkey -algorithm ED25519 -out ed25519.pk8.pem
openssl req -x509 -new -key ed25519.pk8.pem -days 3650 -subj "/CN=ed25519.example" -out ed25519.cert.pem
openssl pkeyutl -sign -rawin -inkey ed25519.pk8.pem -in "$MSG" -out ed25519.sig

# --- odd forms ---
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:secret -in rsa2048.pk8.pem -out rsa2048.encrypted.pem
openssl ec -in p256.pk8.pem -no_public -out p256.sec1-nopub.pem                # SEC1 without [1] publicKey
openssl pkcs8 -topk8 -nocrypt -in p256.sec1.pem -outform DER -out p256.pk8.der
openssl ec -in p384.sec1.pem -outform DER -out p384.sec1.der
openssl rsa -in rsa2048.pk8.pem -traditional -outform DER -out rsa2048.pkcs1.der
