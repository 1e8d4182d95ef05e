#!/usr/bin/env python3
"""Cross-implementation benchmark: `saml-verify bench` against xmlsec (C, via python-xmlsec),
signxml (Python) and Apache Santuario (Java, through Santuario.java beside this file, when
`java` and Debian's libxml-security-java are installed), on the signed fixtures in
tests/vectors/bench/, in one run.

Run from anywhere:  python3 benches/compare/compare.py [--json FILE] [--fixtures small,both]

Prints a Markdown report (header with date, machine and versions; one table; notes) on
standard output and progress on standard error. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gc
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "bench"
CERT = VECTORS / "idp.pem"
DEFAULT_BIN = ROOT / "target" / "release" / "saml-verify"

# Same settings as benches/src/lib.rs (ISSUER, AUDIENCE, ACS, NOW).
ISSUER = "http://www.okta.com/exk1bench0okta0idp7"
AUDIENCE = "https://sp.example.com/saml/metadata"
DESTINATION = "https://sp.example.com/saml/acs"
NOW = "2025-06-02T09:41:08Z"

# Profiles as in benches/src/lib.rs `SIGNED`.
FIXTURES = {
    "small": "~5.7 KB, signed Assertion, 5 attributes",
    "medium": "~17 KB, signed Assertion, ~60 attribute and group values",
    "large": "~256 KB, signed Assertion, ~1,350 group values",
    "both": "~8 KB, small with the Response also signed (two signatures)",
}

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
SIG_TAG = "{%s}Signature" % DSIG_NS
IMPLS = ("ours", "xmlsec", "signxml", "santuario")

# Apache Santuario from Debian's libxml-security-java; slf4j-nop keeps slf4j quiet (no binding
# otherwise, which only prints a warning). The serial collector runs GC on the benchmark thread,
# so Java uses one core for its work like the other columns (the JIT compiles in the background).
JAVA_DIR = Path("/usr/share/java")
SANTUARIO_JAR = JAVA_DIR / "xmlsec.jar"
SANTUARIO_CP = [SANTUARIO_JAR, JAVA_DIR / "slf4j-api.jar", JAVA_DIR / "slf4j-nop.jar"]
SANTUARIO_SRC = Path(__file__).resolve().parent / "Santuario.java"
SANTUARIO_MISSING = "not installed (apt-get install libxml-security-java)"
JVM_OPTS = ["-XX:+UseSerialGC"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def die(msg: str) -> None:
    log("error: " + msg)
    sys.exit(2)


# --------------------------------------------------------------------------- competitors


def import_competitors():
    try:
        from lxml import etree  # noqa: F401
        import xmlsec  # noqa: F401
        import signxml  # noqa: F401
    except ImportError as e:
        die(
            f"{e}. Install the competitors first (see benches/compare/README.md):\n"
            "  pip install -r benches/compare/requirements.txt"
        )


class Xmlsec:
    """xmlsec (libxmlsec1 + libxml2 + OpenSSL) in process through python-xmlsec.

    Per op: base64-decode, lxml parse, register `ID` attributes, then one
    `SignatureContext.verify` per ds:Signature in the document with the pinned key.

    key_from="pub" (default) loads the SubjectPublicKeyInfo taken out of the pinned
    certificate once; key_from="cert" loads the certificate PEM itself
    (`KeyFormat.CERT_PEM`), whose X.509 data xmlsec then duplicates into every
    SignatureContext (~50-80 µs more per signature here). The faster one is the default."""

    name = "xmlsec"

    def __init__(self, cert_pem: bytes, sample_xml: bytes, key_from: str = "pub"):
        import xmlsec
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from lxml import etree

        self.xmlsec = xmlsec
        self.etree = etree
        if key_from == "cert":
            self.key = xmlsec.Key.from_memory(cert_pem, xmlsec.KeyFormat.CERT_PEM, None)
        else:
            spki = x509.load_pem_x509_certificate(cert_pem).public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            self.key = xmlsec.Key.from_memory(spki, xmlsec.KeyFormat.PEM, None)
        self.parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def verify(self, b64: bytes) -> int:
        root = self.etree.fromstring(base64.b64decode(b64), self.parser)
        self.xmlsec.tree.add_ids(root, ["ID"])
        signatures = list(root.iter(SIG_TAG))
        if not signatures:
            raise ValueError("no ds:Signature")
        for sig in signatures:
            ctx = self.xmlsec.SignatureContext()
            ctx.key = self.key
            ctx.verify(sig)  # raises xmlsec.VerificationError
        return len(signatures)

    def is_signature_failure(self, exc: BaseException) -> bool:
        return isinstance(exc, self.xmlsec.Error)


class Signxml:
    """signxml (lxml + cryptography). One `XMLVerifier().verify` per ds:Signature.

    signxml verifies one signature per call, found by `expect_config.location`; each
    signature's location is derived once from the fixture (`./` for the Response's,
    `./{saml}Assertion/` for the Assertion's). Per op: base64-decode, then per signature
    signxml's own parse + XSD check of the Signature + c14n + digest + RSA verification
    against the pinned certificate (a parsed `x509.Certificate`, loaded once)."""

    name = "signxml"

    def __init__(self, cert_pem: bytes, sample_xml: bytes):
        from cryptography import x509
        from lxml import etree
        from signxml import SignatureConfiguration, XMLVerifier
        from signxml.exceptions import InvalidCertificate, InvalidSignature

        self.InvalidCertificate = InvalidCertificate
        self.InvalidSignature = InvalidSignature
        self.cert = x509.load_pem_x509_certificate(cert_pem)
        # signxml checks the pinned certificate's validity period (ours does not: it pins
        # the key). Verify at the current time, clamped into the certificate's window, so
        # the same fixtures work whenever the script runs.
        now = dt.datetime.now(dt.timezone.utc)
        when = min(max(now, self.cert.not_valid_before_utc), self.cert.not_valid_after_utc)
        root = etree.fromstring(sample_xml, etree.XMLParser(resolve_entities=False))
        self.locations = [self._location(root, sig) for sig in root.iter(SIG_TAG)]
        if not self.locations:
            raise ValueError("no ds:Signature")
        self.configs = [
            SignatureConfiguration(location=loc, verification_time=when) for loc in self.locations
        ]
        self.verifier = XMLVerifier()

    @staticmethod
    def _location(root, sig) -> str:
        steps = []
        node = sig.getparent()
        while node is not root:
            steps.append(node.tag)  # Clark notation {ns}local, accepted by lxml's find
            node = node.getparent()
        return "./" + "".join(t + "/" for t in reversed(steps))

    def verify(self, b64: bytes) -> int:
        data = base64.b64decode(b64)
        for cfg in self.configs:
            self.verifier.verify(data, x509_cert=self.cert, expect_config=cfg)
        return len(self.configs)

    def is_signature_failure(self, exc: BaseException) -> bool:
        return isinstance(exc, self.InvalidSignature) and not isinstance(
            exc, self.InvalidCertificate
        )


class SantuarioRejected(Exception):
    """Santuario said a signature does not verify (as opposed to failing to process the input)."""


def santuario_available() -> bool:
    return (shutil.which("java") is not None and shutil.which("javac") is not None
            and all(p.exists() for p in SANTUARIO_CP))


class SantuarioServer:
    """One JVM running `Santuario serve` (Santuario.java compiled once into `tmp`), kept for
    the whole run so the JIT's work carries over from one round to the next."""

    def __init__(self, tmp: Path):
        classes = tmp / "santuario-classes"
        classes.mkdir()
        cp = ":".join(str(p) for p in SANTUARIO_CP)
        subprocess.run(["javac", "-nowarn", "-d", str(classes), "-cp", cp, str(SANTUARIO_SRC)],
                       check=True)
        self.proc = subprocess.Popen(
            ["java", *JVM_OPTS, "-cp", f"{classes}:{cp}", "Santuario", "serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )
        hello = self.proc.stdout.readline().split()
        if not hello or hello[0] != "ready":
            raise RuntimeError(f"Santuario harness did not start: {hello!r}")
        self.java = dict(f.split("=", 1) for f in hello[1:])

    def request(self, *fields: str) -> str:
        self.proc.stdin.write("\t".join(fields) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().rstrip("\n")
        if not reply:
            raise RuntimeError(f"Santuario harness exited ({self.proc.poll()})")
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


class Santuario:
    """Apache Santuario (xml-security-java) in a JVM, through Santuario.java.

    Per op (all in Java): base64-decode, parse with a namespace-aware DocumentBuilder that
    refuses DTDs and external entities, register the `ID` attribute of the Response and of
    every Assertion, then one `XMLSignature(element, null, secureValidation=true)
    .checkSignatureValue(key)` per ds:Signature, with the public key of the pinned certificate
    loaded once (KeyInfo is not used)."""

    name = "santuario"
    BENCH_LINE = re.compile(r"^bench us_per_op=([0-9.]+) ops=([0-9]+) seconds=([0-9.]+)$")

    def __init__(self, server: SantuarioServer, cert_path: Path):
        self.server = server
        self.cert = str(cert_path)

    @staticmethod
    def _failure(reply: str) -> Exception:
        if reply.startswith("rejected "):
            return SantuarioRejected(reply[len("rejected "):])
        return RuntimeError(f"Santuario: {reply}")

    def verify(self, b64: bytes) -> int:
        reply = self.server.request("verify", self.cert, b64.decode("ascii"))
        if reply.startswith("verified "):
            return int(reply.split()[1])
        raise self._failure(reply)

    def measure(self, b64: bytes, min_time: float, warmup: float) -> float:
        """µs/op as the JVM measured it: a loop of at least `min_time` seconds after `warmup`
        seconds of the same op (and a System.gc()), every op checked to verify."""
        reply = self.server.request("bench", self.cert, repr(min_time), repr(warmup),
                                    b64.decode("ascii"))
        m = self.BENCH_LINE.match(reply)
        if not m:
            raise self._failure(reply)
        return float(m.group(1))

    def is_signature_failure(self, exc: BaseException) -> bool:
        return isinstance(exc, SantuarioRejected)


# --------------------------------------------------------------------------- ours

OURS_LINE = re.compile(r"([0-9.]+) µs/op, ([0-9.]+) ops/s")


def ours_cmd(binary: Path, b64_path: Path, iterations: int) -> list[str]:
    return [
        str(binary), "bench", str(b64_path),
        "--idp-cert", str(CERT),
        "--issuer", ISSUER,
        "--audience", AUDIENCE,
        "--destination", DESTINATION,
        "--now", NOW,
        "--iterations", str(iterations),
    ]


def run_ours(binary: Path, b64_path: Path, iterations: int) -> float:
    """One `saml-verify bench` process; returns µs/op as it reports (loop time only)."""
    p = subprocess.run(ours_cmd(binary, b64_path, iterations), capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"saml-verify bench failed ({p.returncode}): {p.stderr.strip()}")
    m = OURS_LINE.search(p.stdout)
    if not m:
        raise RuntimeError(f"cannot parse saml-verify bench output: {p.stdout!r}")
    return float(m.group(1))


def measure_ours(binary: Path, b64_path: Path, min_time: float, state: dict) -> float:
    """µs/op over a run of at least `min_time` seconds; the iteration count is calibrated
    on the first call (a short run that also warms the page cache) and kept in `state`."""
    if "iterations" not in state:
        us = run_ours(binary, b64_path, 50)
        state["iterations"] = max(50, math.ceil(min_time * 1.2e6 / us))
    while True:
        n = state["iterations"]
        us = run_ours(binary, b64_path, n)
        if us * n >= min_time * 1e6:
            return us
        state["iterations"] = math.ceil(n * min_time * 1.2e6 / (us * n))


# --------------------------------------------------------------------------- timing


def measure_py(fn, arg, min_time: float, warmup: float) -> float:
    """µs/op of `fn(arg)` in a loop of at least `min_time` seconds, after `warmup` seconds."""
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        fn(arg)
    gc.collect()
    was = gc.isenabled()
    gc.disable()  # as timeit does; lxml trees are freed by reference counting anyway
    try:
        n = 0
        start = time.perf_counter()
        end = start + min_time
        while True:
            fn(arg)
            n += 1
            now = time.perf_counter()
            if now >= end:
                break
    finally:
        if was:
            gc.enable()
    return (now - start) * 1e6 / n


# --------------------------------------------------------------------------- sanity


def tamper_nameid(xml: bytes) -> bytes:
    m = re.search(rb"<saml2:NameID[^>]*>([^<])", xml)
    if not m:
        die("no NameID in fixture")
    i = m.start(1)
    new = b"x" if xml[i:i + 1] != b"x" else b"y"
    return xml[:i] + new + xml[i + 1:]


def tamper_response_issue_instant(xml: bytes) -> bytes:
    """One digit of the Response's IssueInstant: covered only by a Response signature."""
    m = re.search(rb"<saml2p:Response [^>]*IssueInstant=\"[^\"]*?([0-9])Z\"", xml)
    if not m:
        die("no Response IssueInstant in fixture")
    i = m.start(1)
    new = b"1" if xml[i:i + 1] != b"1" else b"2"
    return xml[:i] + new + xml[i + 1:]


def other_cert_pem() -> bytes:
    """A throwaway self-signed RSA-2048 certificate: not the one the fixtures are signed with."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-the-idp.example")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=3650))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def sanity(name: str, b64: bytes, impls: dict, wrong: dict, binary: Path | None, tmp: Path,
           wrong_pem: Path) -> list[str]:
    """Accept the fixture, reject tampered copies, reject the fixture under another pinned
    certificate; returns lines for the log. Exits on failure."""
    xml = base64.b64decode(b64)
    n_sigs = xml.count(b"<ds:Signature ")
    tampers = [("NameID byte", tamper_nameid(xml))]
    if name == "both":
        tampers.append(("Response IssueInstant digit", tamper_response_issue_instant(xml)))
    lines = []
    for impl in impls.values():
        got = impl.verify(b64)
        if got != n_sigs:
            die(f"{impl.name} verified {got} signature(s) in {name}, the fixture has {n_sigs}")
        for what, bad in tampers:
            try:
                impl.verify(base64.b64encode(bad))
            except Exception as e:  # noqa: BLE001
                if not impl.is_signature_failure(e):
                    die(f"{impl.name} rejected tampered {name} ({what}) for another reason: {e!r}")
                lines.append(f"{name}: {impl.name} rejects tampered {what}: {type(e).__name__}: {e}")
            else:
                die(f"{impl.name} ACCEPTED {name} with a tampered {what}")
    for impl in wrong.values():
        try:
            impl.verify(b64)
        except Exception as e:  # noqa: BLE001
            if not impl.is_signature_failure(e):
                die(f"{impl.name} rejected {name} under another certificate for another reason: {e!r}")
            lines.append(f"{name}: {impl.name} rejects it under another pinned certificate: "
                         f"{type(e).__name__}: {e}")
        else:
            die(f"{impl.name} ACCEPTED {name} under a certificate that did not sign it")
    if binary is not None:
        cmd = ours_cmd(binary, VECTORS / f"{name}.xml.b64", 1)
        cmd[cmd.index("--idp-cert") + 1] = str(wrong_pem)
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode == 0:
            die(f"saml-verify ACCEPTED {name} under a certificate that did not sign it")
        lines.append(f"{name}: ours rejects it under another pinned certificate: "
                     f"{p.stderr.strip()[:110]}…")
        for what, bad in tampers:
            path = tmp / f"{name}-tampered.xml.b64"
            path.write_bytes(base64.b64encode(bad))
            p = subprocess.run(ours_cmd(binary, path, 1), capture_output=True, text=True)
            if p.returncode == 0:
                die(f"saml-verify ACCEPTED {name} with a tampered {what}")
            if not re.search(r"digest|signature", p.stderr, re.I):
                die(f"saml-verify rejected tampered {name} ({what}) for another reason: {p.stderr}")
            lines.append(f"{name}: ours rejects tampered {what}: {p.stderr.strip()[:110]}…")
    return lines


# --------------------------------------------------------------------------- environment


def cmd_out(args: list[str], cwd: Path | None = None) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, cwd=cwd).stdout.strip()
    except OSError:
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def santuario_version() -> str:
    """Debian's package version if dpkg knows it, else the version in the jar's file name."""
    v = cmd_out(["dpkg-query", "-W", "-f", "${Version}", "libxml-security-java"])
    if v:
        return f"{v} (Debian libxml-security-java)"
    m = re.match(r"xmlsec-(.+)\.jar$", SANTUARIO_JAR.resolve().name)
    return m.group(1) if m else "?"


def versions(binary: Path | None, java: dict | None = None) -> dict:
    from importlib.metadata import version

    import xmlsec
    from cryptography.hazmat.backends.openssl import backend
    from lxml import etree

    v = {
        "python": platform.python_version(),
        "lxml": version("lxml"),
        "lxml_libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "xmlsec": version("xmlsec"),
        "xmlsec_libxmlsec1": ".".join(map(str, xmlsec.get_libxmlsec_version())),
        "xmlsec_libxml2": ".".join(map(str, xmlsec.get_libxml_version())),
        "signxml": version("signxml"),
        "cryptography": version("cryptography"),
        "cryptography_openssl": backend.openssl_version_text(),
    }
    if binary is not None:
        v["saml_verify"] = cmd_out([str(binary), "--version"])
        commit = cmd_out(["git", "rev-parse", "--short", "HEAD"], ROOT)
        dirty = cmd_out(["git", "status", "--porcelain", "--untracked-files=no"], ROOT)
        v["git"] = commit + ("-dirty" if dirty else "")
        v["rustc"] = cmd_out(["rustc", "--version"], ROOT)
    if java is not None:
        v["santuario"] = santuario_version()
        v["java"] = java.get("java", "?")
        v["java_vm"] = java.get("vm", "?").replace("_", " ")
    return v


def stale(binary: Path) -> bool:
    built = binary.stat().st_mtime
    sources = []
    for crate in ("saml-core", "saml-verify"):
        sources += (ROOT / "crates" / crate / "src").rglob("*.rs")
    return any(p.exists() and p.stat().st_mtime > built for p in sources)


# --------------------------------------------------------------------------- report


def fmt_us(us: float | None) -> str:
    if us is None:
        return "–"
    return f"{us:,.1f}" if us < 1000 else f"{us:,.0f}"


def fmt_ops(us: float | None) -> str:
    return "–" if us is None else f"{1e6 / us:,.0f}"


def fmt_ratio(us: float | None, ours: float | None) -> str:
    if us is None or ours is None:
        return "–"
    return f"{us / ours:.1f}×"


SANTUARIO_NOTE = (
    "- santuario (Java, Apache Santuario through `benches/compare/Santuario.java`, one JVM "
    "for the run, the loop time it measures): per op, base64-decode + parse with a "
    "namespace-aware DocumentBuilder refusing DTDs and external entities + `setIdAttributeNS` "
    "on the `ID` of the Response and of every Assertion + one "
    "`new XMLSignature(sig, null, true).checkSignatureValue(key)` per `ds:Signature` "
    "(secure validation on), the public key taken from `idp.pem` once (KeyInfo not used). "
    "Signatures only, no SAML checks. The JVM is warmed up first (the JIT needs seconds), "
    "and its garbage collection counts in the loop."
)


def markdown(meta: dict, rows: list[dict], impls: list[str]) -> str:
    v = meta["versions"]
    missing = set(meta.get("missing", []))
    out = [
        "### SAML Response verification: saml-verify vs "
        + " vs ".join(i for i in impls if i != "ours"),
        "",
        f"- date: {meta['date']}",
        f"- machine: `{meta['arch']}`, {meta['cpu']}, {meta['cpus']} CPUs; "
        f"load average {meta['load_start']} at start, {meta['load_end']} at end",
    ]
    if "ours" in impls:
        out.append(f"- ours: {v.get('saml_verify', '?')} (git {v.get('git', '?')}), "
                   f"{v.get('rustc', '?')}, release build")
    if "xmlsec" in impls:
        out.append(f"- xmlsec: python-xmlsec {v['xmlsec']}, libxmlsec1 {v['xmlsec_libxmlsec1']} "
                   f"(OpenSSL backend), libxml2 {v['xmlsec_libxml2']}")
    if "signxml" in impls:
        out.append(f"- signxml: {v['signxml']}, cryptography {v['cryptography']} "
                   f"({v['cryptography_openssl']})")
    if "santuario" in impls:
        if "santuario" in missing:
            out.append(f"- santuario: {SANTUARIO_MISSING}")
        else:
            out.append(f"- santuario: Apache Santuario (xml-security-java) {v['santuario']}, "
                       f"Java {v['java']} ({v['java_vm']}, `{' '.join(JVM_OPTS)}`); JIT warm-up "
                       f"{meta['java_warmup']:g} s per fixture before the first round")
    out.append(f"- Python {v['python']}, lxml {v['lxml']} (libxml2 {v['lxml_libxml2']})")
    out.append(f"- best of {meta['rounds']} rounds, each ≥ {meta['min_time']:g} s, "
               "implementations interleaved within a round")
    out.append("")
    head = ["fixture", "sigs"]
    align = ["---", "---:"]
    for impl in impls:
        label = "ours" if impl == "ours" else impl
        head += [f"{label} µs/op", f"{label} ops/s"]
        align += ["---:", "---:"]
        if impl != "ours" and "ours" in impls:
            head.append(f"{label} ÷ ours")
            align.append("---:")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(align) + "|")
    for r in rows:
        cells = [f"`{r['fixture']}` ({r['b64_bytes'] / 1024:,.1f} KiB b64)", str(r["signatures"])]
        ours = r["us_per_op"].get("ours")
        for impl in impls:
            us = r["us_per_op"].get(impl)
            cells += ["not installed" if impl in missing else fmt_us(us), fmt_ops(us)]
            if impl != "ours" and "ours" in impls:
                cells.append(fmt_ratio(us, ours))
        out.append("| " + " | ".join(cells) + " |")
    out += [
        "",
        "Notes:",
        "- µs/op: best (lowest) mean time per verification over the rounds; ops/s = 10⁶ ÷ µs/op, "
        "one thread. \"÷ ours\" = that implementation's µs/op ÷ ours: above 1× means ours is faster.",
        "- ours (`saml-verify bench`, one process per measurement, loop time as it reports it, "
        "excluding start-up): per op, decode the POST value (base64) + parse + verify every "
        "signature against the pinned certificate + every SAML check (Issuer, Destination, "
        "Audience, Recipient, NotBefore/NotOnOrAfter, subject confirmation…).",
        "- xmlsec (C, in process via python-xmlsec): per op, base64-decode + lxml parse + "
        "`xmlsec.tree.add_ids(root, [\"ID\"])` + one `SignatureContext.verify` per `ds:Signature` "
        "with the pinned key, loaded once "
        + ("as the public key taken from `idp.pem` (`KeyFormat.PEM`; loading `idp.pem` as "
           "`KeyFormat.CERT_PEM` makes xmlsec copy the certificate into every context, "
           "~50–80 µs more per signature: `--xmlsec-key cert`)"
           if meta["xmlsec_key"] == "pub" else
           "from `idp.pem` as `KeyFormat.CERT_PEM` (copied into every context)")
        + ". Signatures only, no SAML checks.",
        "- signxml (Python, lxml + cryptography): per op, base64-decode + one "
        "`XMLVerifier().verify(data, x509_cert=cert, expect_config=SignatureConfiguration(location=…))` "
        "per `ds:Signature` (signxml verifies one per call and re-parses the document each time; "
        "it also validates the Signature element against the XML-DSig schema and checks the "
        "certificate's validity period). Signatures only, no SAML checks.",
    ]
    if "santuario" in impls and "santuario" not in missing:
        out.append(SANTUARIO_NOTE)
    out += [
        "- Before timing, each implementation accepted every fixture (and verified as many "
        "signatures as it holds), rejected a copy with one byte of the NameID changed "
        "(for `both`, also one with a digit of the Response's IssueInstant changed, which only "
        "the Response signature covers), and rejected the untouched fixture when pinned to "
        "another (freshly generated) certificate.",
        "- Python loops run with the garbage collector paused (as `timeit` does); Python-side "
        "overhead (the loop, base64, the binding calls) counts for the competitors, as it would "
        "in an application using them.",
    ]
    if meta.get("stale_binary"):
        out.append("- WARNING: the saml-verify binary is older than its sources; rebuild with "
                   "`cargo build --release -p saml-verify` (or pass `--build`).")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default=",".join(FIXTURES),
                    help="comma-separated subset of %(default)s")
    ap.add_argument("--impls", default=",".join(IMPLS), help="comma-separated subset of %(default)s")
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds per measurement (default 1)")
    ap.add_argument("--warmup", type=float, default=0.3,
                    help="warm-up seconds before each Python or Java measurement")
    ap.add_argument("--java-warmup", type=float, default=5.0,
                    help="JIT warm-up seconds per fixture, once, before the first round (default 5)")
    ap.add_argument("--rounds", type=int, default=3, help="measurements per implementation, best kept")
    ap.add_argument("--bin", type=Path, default=DEFAULT_BIN, help="saml-verify binary")
    ap.add_argument("--build", action="store_true",
                    help="run `cargo build --release -p saml-verify` first (done anyway if missing)")
    ap.add_argument("--xmlsec-key", choices=("pub", "cert"), default="pub",
                    help="xmlsec key: the public key taken from idp.pem (default) or idp.pem "
                    "loaded as KeyFormat.CERT_PEM (slower: the certificate is copied per context)")
    ap.add_argument("--sanity-only", action="store_true", help="only the accept/reject checks")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args()

    fixtures = [f for f in args.fixtures.split(",") if f]
    impl_names = [i for i in args.impls.split(",") if i]
    for f in fixtures:
        if f not in FIXTURES:
            die(f"unknown fixture {f!r}")
    for i in impl_names:
        if i not in IMPLS:
            die(f"unknown implementation {i!r}")
    impl_names = [i for i in IMPLS if i in impl_names]
    import_competitors()
    missing = []
    if "santuario" in impl_names and not santuario_available():
        missing.append("santuario")
        log(f"santuario: {SANTUARIO_MISSING}; needs `java`, `javac` and "
            + ", ".join(str(p) for p in SANTUARIO_CP))
    timed = [i for i in impl_names if i not in missing]

    binary = None
    if "ours" in impl_names:
        binary = args.bin.resolve()
        if args.build or not binary.exists():
            log("building saml-verify (cargo build --release -p saml-verify)…")
            subprocess.run(["cargo", "build", "--release", "-p", "saml-verify"], cwd=ROOT, check=True)
        if not binary.exists():
            die(f"{binary} not found")
    is_stale = binary is not None and stale(binary)
    if is_stale:
        log("warning: saml-verify is older than its sources; pass --build to rebuild")

    cert_pem = CERT.read_bytes()
    load_start = loadavg()
    results = []
    java = None
    with tempfile.TemporaryDirectory(prefix="saml-compare-") as tmpdir, ExitStack() as stack:
        tmp = Path(tmpdir)
        server = None
        if "santuario" in timed:
            log("santuario: compiling Santuario.java and starting the JVM…")
            server = SantuarioServer(tmp)
            stack.callback(server.close)
            java = server.java
        data = {}
        other_pem = other_cert_pem()
        wrong_pem = tmp / "not-the-idp.pem"
        wrong_pem.write_bytes(other_pem)
        for name in fixtures:
            b64_path = VECTORS / f"{name}.xml.b64"
            b64 = b64_path.read_bytes()
            xml = base64.b64decode(b64)
            impls = {}
            if "xmlsec" in impl_names:
                impls["xmlsec"] = Xmlsec(cert_pem, xml, args.xmlsec_key)
            if "signxml" in impl_names:
                impls["signxml"] = Signxml(cert_pem, xml)
            if server is not None:
                impls["santuario"] = Santuario(server, CERT)
            wrong = {}
            if "xmlsec" in impl_names:
                wrong["xmlsec"] = Xmlsec(other_pem, xml, args.xmlsec_key)
            if "signxml" in impl_names:
                wrong["signxml"] = Signxml(other_pem, xml)
            if server is not None:
                wrong["santuario"] = Santuario(server, wrong_pem)
            for line in sanity(name, b64, impls, wrong, binary, tmp, wrong_pem):
                log("sanity: " + line)
            data[name] = (b64_path, b64, xml, impls)
        log("sanity: every implementation accepts the fixtures and rejects the tampered "
            "copies and the fixtures under another pinned certificate")
        if args.sanity_only:
            return

        if server is not None:
            for name in fixtures:
                _, b64, _, impls = data[name]
                us = impls["santuario"].measure(b64, 0.1, args.java_warmup)
                log(f"{name} JIT warm-up: santuario {args.java_warmup:g} s, then {us:.1f} µs/op")

        for name in fixtures:
            b64_path, b64, xml, impls = data[name]
            best: dict[str, float] = {}
            ours_state: dict = {}
            for rnd in range(1, args.rounds + 1):
                for impl in timed:
                    if impl == "ours":
                        us = measure_ours(binary, b64_path, args.min_time, ours_state)
                    elif impl == "santuario":
                        us = impls[impl].measure(b64, args.min_time, args.warmup)
                    else:
                        us = measure_py(impls[impl].verify, b64, args.min_time, args.warmup)
                    best[impl] = min(us, best.get(impl, math.inf))
                    log(f"{name} round {rnd}: {impl:8} {us:10.1f} µs/op")
            results.append({
                "fixture": name,
                "profile": FIXTURES[name],
                "b64_bytes": len(b64),
                "xml_bytes": len(xml),
                "signatures": xml.count(b"<ds:Signature "),
                "us_per_op": best,
                "ops_per_s": {k: 1e6 / v for k, v in best.items()},
                "ratio_to_ours": ({k: v / best["ours"] for k, v in best.items() if k != "ours"}
                                  if "ours" in best else {}),
                "ours_iterations": ours_state.get("iterations"),
            })

    meta = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "arch": platform.machine(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "load_start": load_start,
        "load_end": loadavg(),
        "rounds": args.rounds,
        "min_time": args.min_time,
        "versions": versions(binary, java),
        "stale_binary": is_stale,
        "xmlsec_key": args.xmlsec_key,
        "missing": missing,
        "java_warmup": args.java_warmup,
    }
    print(markdown(meta, results, impl_names), end="")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
