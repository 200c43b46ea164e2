"""A local RFC 3161 time-stamping authority for tests: ``openssl ts -reply`` behind a
tiny HTTP server on 127.0.0.1, with a CA and a TSA certificate (extendedKeyUsage
critical timeStamping) made by openssl in a temporary folder, and a second CA that did
not sign it (for "wrong CA file" cases)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

OPENSSL = shutil.which("openssl")

REQ_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[tsa_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

# No "certs" line: the reply then carries only the signer's certificate (openssl does
# not sort a SET OF several, which strict DER parsers refuse).
TS_CNF = """\
[tsa]
default_tsa = tsa_config
[tsa_config]
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl(*args: str, cwd: Path) -> None:
    """Run openssl in ``cwd``, failing the test on an error."""
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca(d: Path, name: str) -> None:
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "30",
            "-subj", f"/CN=wildtrace test {name}", "-config", "req.cnf",
            "-extensions", "ca_ext", cwd=d)


class TSAServer(HTTPServer):
    """The test TSA's server; ``mode`` says what it answers: "ok" (a token), "error"
    (HTTP 500) or "garbage" (a 200 that is no token)."""

    mode = "ok"


@dataclass
class LocalTSA:
    """The running TSA: its URL, its CA file, another CA's file, and what it answers."""

    url: str
    ca_file: str
    other_ca_file: str
    server: TSAServer


@contextmanager
def local_tsa(d: Path) -> Iterator[LocalTSA]:
    """Make the certificates in the folder ``d`` and serve the TSA until the block ends."""
    (d / "req.cnf").write_text(REQ_CNF, encoding="utf-8")
    (d / "ts.cnf").write_text(TS_CNF.format(dir=d), encoding="utf-8")
    (d / "serial").write_text("01\n", encoding="ascii")
    _make_ca(d, "ca")
    _make_ca(d, "other")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=wildtrace test TSA",
            "-config", "req.cnf", cwd=d)
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "tsa.pem", "-days", "30", "-extfile", "req.cnf",
            "-extensions", "tsa_ext", cwd=d)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            mode = getattr(self.server, "mode", "ok")
            if mode == "error" or self.headers.get("Content-Type") != \
                    "application/timestamp-query":
                self.send_error(500 if mode == "error" else 415)
                return
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if mode == "garbage":
                reply = b"<html>not a timestamp</html>"
            else:
                with lock, tempfile.TemporaryDirectory(dir=d) as work:
                    (Path(work) / "q.tsq").write_bytes(query)
                    openssl("ts", "-reply", "-config", str(d / "ts.cnf"), "-queryfile",
                            "q.tsq", "-out", "r.tsr", cwd=Path(work))
                    reply = (Path(work) / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = TSAServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTSA(f"http://127.0.0.1:{server.server_address[1]}/tsr",
                       str(d / "ca.pem"), str(d / "other.pem"), server)
    finally:
        server.shutdown()
        server.server_close()
