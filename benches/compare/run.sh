#!/usr/bin/env bash
# Installs the competitors if they are missing, builds saml-verify if it is missing, then runs
# compare.py with the given arguments (e.g. `benches/compare/run.sh --json /tmp/compare.json`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${PYTHON:-python3}"
if ! "$py" -c 'import xmlsec, signxml' 2>/dev/null; then
    "$py" -m pip install -r "$here/requirements.txt"
fi
if [ ! -x "$root/target/release/saml-verify" ]; then
    (cd "$root" && cargo build --release -p saml-verify)
fi
exec "$py" "$here/compare.py" "$@"
