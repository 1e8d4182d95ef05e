#!/usr/bin/env bash
# Makes the signed benchmark fixtures from the unsigned Okta-shaped ones: strips the
# placeholder signature and signs with the test IdP key (crates/saml-core/testdata/rsa2048),
# RSA-SHA256, SHA-256, exclusive c14n, certificate in KeyInfo. Run from the workspace root:
#   bash benches/sign_fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p saml-verify
bin=target/release/saml-verify
dir=tests/vectors/bench
key=crates/saml-core/testdata/rsa2048.pk8.pem
cert=crates/saml-core/testdata/rsa2048.cert.pem
cp "$cert" "$dir/idp.pem"
strip() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)
text = re.sub(r"<ds:Signature\b.*?</ds:Signature>", "", text, flags=re.S)
sys.stdout.write(text)
PY
}
for size in small medium large; do
  strip "$dir/unsigned-$size.xml" | "$bin" sign --key "$key" --cert "$cert" --target assertion > "$dir/$size.xml"
done
strip "$dir/unsigned-small.xml" | "$bin" sign --key "$key" --cert "$cert" --target both > "$dir/both.xml"
for f in small medium large both; do
  base64 -w0 "$dir/$f.xml" > "$dir/$f.xml.b64"
done
ls -l "$dir"
