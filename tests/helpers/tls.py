"""A loopback HTTPS server whose certificate a private certificate authority signed, made with the openssl command."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server


def private_ca(folder: Path) -> tuple[Path, Path, Path]:
    """(the CA's certificate, the server's certificate, its key) for 127.0.0.1, in `folder`."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: no private certificate authority can be made")
    ca_key, ca, key, request, cert = (folder / name for name in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    extensions = folder / "san.cnf"
    extensions.write_text("subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n")
    for command in (
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            ca_key,
            "-out",
            ca,
            "-days",
            "2",
            "-subj",
            "/CN=Contract tests private CA",
        ],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=127.0.0.1"],
        [
            "x509",
            "-req",
            "-in",
            request,
            "-CA",
            ca,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            cert,
            "-days",
            "2",
            "-extfile",
            extensions,
        ],
    ):
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True, timeout=60)
    return ca, cert, key


@contextmanager
def https_server(app, cert: Path, key: Path) -> Iterator[str]:
    """`app` served over TLS on a loopback port; yields its base URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
