#!/usr/bin/env python3
"""Signing comparison: our `Signer::sign_element` (the `sign` example of saml-benches) against
xmlsec (C, via python-xmlsec), signxml (Python) and Apache Santuario (Java, through
Santuario.java, when `java` and Debian's libxml-security-java are installed), signing the same
templates in one run.

The templates are the unsigned Okta-shaped Responses `tests/vectors/bench/unsigned-{small,medium}.xml`
with their placeholder signature removed (as `benches/sign_fixtures.sh` does). One op signs the
Assertion: enveloped signature, exclusive c14n, SHA-256, RSA-SHA256 (RSA-2048) or ECDSA-SHA256
(P-256), certificate in KeyInfo, the signed document serialized. Every implementation parses the
template on each op (ours from the text, Santuario with the JDK's DocumentBuilder, the others with
lxml), the key is loaded once.

Before timing, the output of each implementation must verify with xmlsec against the
certificate, and fail against another key's certificate; otherwise the script stops.

Run from anywhere:  python3 benches/compare/compare_sign.py [--rounds 3] [--min-time 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import (  # noqa: E402
    JVM_OPTS,
    SANTUARIO_MISSING,
    SantuarioServer,
    cmd_out,
    cpu_model,
    fmt_ratio,
    fmt_us,
    loadavg,
    log,
    santuario_available,
    santuario_version,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "bench"
TESTDATA = ROOT / "crates" / "saml-core" / "testdata"
SIGN_BIN = ROOT / "target" / "release" / "examples" / "sign"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
KEYS = {
    "rsa2048": (TESTDATA / "rsa2048.pk8.pem", TESTDATA / "rsa2048.cert.pem"),
    "p256": (TESTDATA / "p256.pk8.pem", TESTDATA / "p256.cert.pem"),
}


def template(size: str) -> bytes:
    text = (VECTORS / f"unsigned-{size}.xml").read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)
    text = re.sub(r"<ds:Signature\b.*?</ds:Signature>", "", text, flags=re.S)
    return text.encode()


class XmlsecSigner:
    """python-xmlsec: lxml parse, a Signature template after the Assertion's Issuer, sign with
    the key (and its certificate) loaded once, serialize."""

    def __init__(self, key: str):
        import xmlsec

        self.xmlsec = xmlsec
        k, c = KEYS[key]
        self.key = xmlsec.Key.from_file(str(k), xmlsec.KeyFormat.PEM)
        self.key.load_cert_from_file(str(c), xmlsec.KeyFormat.PEM)
        self.method = (
            xmlsec.Transform.RSA_SHA256 if key == "rsa2048" else xmlsec.Transform.ECDSA_SHA256
        )

    def sign(self, xml: bytes) -> bytes:
        from lxml import etree

        xmlsec = self.xmlsec
        root = etree.fromstring(xml)
        assertion = root.find(f"{{{SAML}}}Assertion")
        sig = xmlsec.template.create(assertion, xmlsec.Transform.EXCL_C14N, self.method, ns="ds")
        assertion.insert(1, sig)
        ref = xmlsec.template.add_reference(
            sig, xmlsec.Transform.SHA256, uri="#" + assertion.get("ID")
        )
        xmlsec.template.add_transform(ref, xmlsec.Transform.ENVELOPED)
        xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
        xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(sig))
        xmlsec.tree.add_ids(assertion, ["ID"])
        ctx = xmlsec.SignatureContext()
        ctx.key = self.key
        ctx.sign(sig)
        return etree.tostring(root)


class SignxmlSigner:
    """signxml: lxml parse, `XMLSigner.sign` of the Assertion (enveloped) with the key loaded
    once (a `cryptography` key object: given as PEM, signxml would load it on every call, with
    RSA's slow key checks) and the certificate's PEM, serialize."""

    def __init__(self, key: str):
        from signxml import XMLSigner, methods
        from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        k, c = KEYS[key]
        self.key = load_pem_private_key(k.read_bytes(), password=None)
        self.cert = c.read_bytes().decode()
        self.signer = XMLSigner(
            method=methods.enveloped,
            signature_algorithm=(
                SignatureMethod.RSA_SHA256 if key == "rsa2048" else SignatureMethod.ECDSA_SHA256
            ),
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )

    def sign(self, xml: bytes) -> bytes:
        from lxml import etree

        root = etree.fromstring(xml)
        assertion = root.find(f"{{{SAML}}}Assertion")
        signed = self.signer.sign(
            assertion, key=self.key, cert=self.cert, reference_uri=assertion.get("ID")
        )
        root.replace(assertion, signed)
        return etree.tostring(root)


class SantuarioSigner:
    """Apache Santuario in the run's JVM (Santuario.java): DocumentBuilder parse of the template,
    `XMLSignature` (exclusive c14n, RSA-SHA256 or ECDSA-SHA256) after the Assertion's Issuer,
    one Reference to the Assertion's ID (enveloped + exclusive c14n, SHA-256), the certificate
    in KeyInfo, `sign`, serialized with the JDK's identity Transformer. The key and certificate
    are loaded once; the template is handed over as a file and read once per request."""

    BENCH_LINE = re.compile(r"^bench us_per_op=([0-9.]+) ops=([0-9]+) seconds=([0-9.]+)$")

    def __init__(self, server: SantuarioServer, key: str, template_file: Path, out: Path):
        self.server = server
        k, c = KEYS[key]
        self.key, self.cert = str(k), str(c)
        self.template = str(template_file)
        self.out = out

    def sign_once(self) -> bytes:
        reply = self.server.request("sign", self.key, self.cert, self.template, str(self.out))
        if not reply.startswith("signed "):
            raise RuntimeError(f"Santuario: {reply}")
        return self.out.read_bytes()

    def measure(self, min_time: float, warmup: float) -> float:
        reply = self.server.request("signbench", self.key, self.cert, self.template,
                                    repr(min_time), repr(warmup))
        m = self.BENCH_LINE.match(reply)
        if not m:
            raise RuntimeError(f"Santuario: {reply}")
        return float(m.group(1))


def xmlsec_verifies(xml: bytes, cert: Path) -> bool:
    import xmlsec
    from lxml import etree

    root = etree.fromstring(xml)
    xmlsec.tree.add_ids(root, ["ID"])
    sig = root.find(f".//{{{SAML}}}Assertion/{{http://www.w3.org/2000/09/xmldsig#}}Signature")
    if sig is None:
        return False
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(str(cert), xmlsec.KeyFormat.CERT_PEM)
    try:
        ctx.verify(sig)
        return True
    except xmlsec.Error:
        return False


def ours(size_file: Path, key: str, seconds: float, out: Path | None = None) -> float:
    k, c = KEYS[key]
    args = [str(SIGN_BIN), str(size_file), str(k), str(c), str(seconds)]
    if out is not None:
        args.append(str(out))
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"([0-9.]+) µs/op", text).group(1))


def measure_py(fn, arg, min_time: float) -> float:
    fn(arg)
    gc.disable()
    try:
        n, start = 0, time.perf_counter()
        while True:
            fn(arg)
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                return elapsed * 1e6 / n
    finally:
        gc.enable()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--sizes", default="small,medium")
    ap.add_argument("--keys", default="rsa2048,p256")
    ap.add_argument("--warmup", type=float, default=0.3,
                    help="Santuario: warm-up seconds before each measurement")
    ap.add_argument("--java-warmup", type=float, default=5.0,
                    help="Santuario: JIT warm-up seconds per template and key, once, before the rounds")
    args = ap.parse_args()
    java = santuario_available()
    if not java:
        log(f"santuario: {SANTUARIO_MISSING}")
    if not SIGN_BIN.exists():
        subprocess.run(
            ["cargo", "build", "--release", "-p", "saml-benches", "--example", "sign"],
            cwd=ROOT,
            check=True,
        )
    load_start = loadavg()
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if java:
            log("santuario: compiling Santuario.java and starting the JVM…")
            server = SantuarioServer(tmp)
        try:
            rows = run(args, tmp, server)
        finally:
            if server is not None:
                server.close()
    load_end = loadavg()
    from importlib.metadata import version

    print("### Signing the Assertion of a Response: ours vs xmlsec vs signxml vs santuario")
    print()
    print(f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(
        f"- machine: `{platform.machine()}`, {cpu_model()}, {os.cpu_count()} CPUs; "
        f"load average {load_start} at start, {load_end} at end"
    )
    print(
        f"- ours: `Signer::sign_element` (git {cmd_out(['git', 'rev-parse', '--short', 'HEAD'], ROOT)}), "
        f"{cmd_out(['rustc', '--version'], ROOT)}; xmlsec {version('xmlsec')}; "
        f"signxml {version('signxml')}; lxml {version('lxml')}"
    )
    if server is not None:
        print(
            f"- santuario: Apache Santuario {santuario_version()}, Java {server.java.get('java', '?')} "
            f"(`{' '.join(JVM_OPTS)}`), JIT warm-up {args.java_warmup:g} s per template and key "
            "before the rounds"
        )
    else:
        print(f"- santuario: {SANTUARIO_MISSING}")
    print(f"- best of {args.rounds} rounds, each ≥ {args.min_time} s, interleaved")
    print()
    print("| template | key | ours µs/op | xmlsec µs/op | xmlsec ÷ ours | signxml µs/op | signxml ÷ ours "
          "| santuario µs/op | santuario ÷ ours |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for size, key, n, b in rows:
        if "santuario" in b:
            java_cells = f"{fmt_us(b['santuario'])} | {fmt_ratio(b['santuario'], b['ours'])}"
        else:
            java_cells = "not installed | –"
        print(
            f"| `{size}` ({n / 1024:.1f} KiB) | {key} | {fmt_us(b['ours'])} | {fmt_us(b['xmlsec'])} | "
            f"{fmt_ratio(b['xmlsec'], b['ours'])} | {fmt_us(b['signxml'])} | "
            f"{fmt_ratio(b['signxml'], b['ours'])} | {java_cells} |"
        )


def run(args, tmp: Path, server: SantuarioServer | None) -> list:
    """Sanity checks, then the rounds; returns (size, key, template bytes, best µs/op) rows."""
    rows = []
    for size in args.sizes.split(","):
        xml = template(size)
        tfile = tmp / f"{size}.xml"
        tfile.write_bytes(xml)
        for key in args.keys.split(","):
            impls = {"xmlsec": XmlsecSigner(key), "signxml": SignxmlSigner(key)}
            other = KEYS["p256" if key == "rsa2048" else "rsa2048"][1]
            outs = {name: s.sign(xml) for name, s in impls.items()}
            ours(tfile, key, 0.01, tmp / "ours.xml")
            outs["ours"] = (tmp / "ours.xml").read_bytes()
            java = None
            if server is not None:
                java = SantuarioSigner(server, key, tfile, tmp / "santuario.xml")
                outs["santuario"] = java.sign_once()
            for name, out in outs.items():
                if not xmlsec_verifies(out, KEYS[key][1]) or xmlsec_verifies(out, other):
                    log(f"error: {name} {size} {key}: output does not verify as it should")
                    sys.exit(2)
            best = {name: float("inf") for name in outs}
            if java is not None:
                us = java.measure(0.1, args.java_warmup)
                log(f"{size} {key} JIT warm-up: santuario {args.java_warmup:g} s, then {us:.1f} µs/op")
            for r in range(args.rounds):
                log(f"{size} {key} round {r + 1}/{args.rounds}")
                best["ours"] = min(best["ours"], ours(tfile, key, args.min_time))
                for name, s in impls.items():
                    best[name] = min(best[name], measure_py(s.sign, xml, args.min_time))
                if java is not None:
                    best["santuario"] = min(best["santuario"], java.measure(args.min_time, args.warmup))
            rows.append((size, key, len(xml), best))
    return rows


if __name__ == "__main__":
    main()
