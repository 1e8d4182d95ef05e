#!/usr/bin/env bash
# Installs the Python competitors if they are missing (and says how to install Santuario, a
# system package), builds saml-verify if it is missing, then runs compare.py with the given
# arguments (e.g. `benches/compare/run.sh --json /tmp/compare.json`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${PYTHON:-python3}"
if ! "$py" -c 'import xmlsec, signxml' 2>/dev/null; then
    "$py" -m pip install -r "$here/requirements.txt"
fi
# Santuario (Java) is a system package: say how to get it rather than run apt-get from here;
# compare.py prints its column as "not installed" meanwhile.
if ! command -v java >/dev/null || ! command -v javac >/dev/null || [ ! -f /usr/share/java/xmlsec.jar ]; then
    echo "note: no Santuario column without java, javac and /usr/share/java/xmlsec.jar:" >&2
    echo "      apt-get install -y libxml-security-java openjdk-17-jdk-headless" >&2
fi
if [ ! -x "$root/target/release/saml-verify" ]; then
    (cd "$root" && cargo build --release -p saml-verify)
fi
exec "$py" "$here/compare.py" "$@"
