"""Peer tools, installed on demand into `.peers/` (ignored by git), each in its own environment.

Schemathesis gets a venv of its own rather than a place in the `test` extra: installed beside the gate,
its pytest plugin would load into every gate run (~0.8 s more per run, and into the benchmark it is
compared with). A peer that cannot be installed raises `PeerUnavailable` with the reason.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from .support import REPO

PEERS = REPO / ".peers"
OPENAPI = REPO / "contracts" / "openapi.yaml"
SCHEMATHESIS_REQUIREMENT = "schemathesis>=4,<5"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
INSTALL_TIMEOUT = 300


class PeerUnavailable(RuntimeError):
    """The peer cannot be installed or started here; the message says why."""


def _install(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"cannot install {what}: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise PeerUnavailable(f"cannot install {what}: `{' '.join(command)}` exited {done.returncode}: {last[0]}")


def schemathesis_executable() -> Path:
    """The `schemathesis` command of `.peers/schemathesis`, installed from PyPI the first time."""
    venv = PEERS / "schemathesis"
    executable = venv / "bin" / "schemathesis"
    if not executable.exists():
        _install([sys.executable, "-m", "venv", "--clear", str(venv)], "a venv for Schemathesis")
        _install([str(venv / "bin" / "pip"), "install", "-q", SCHEMATHESIS_REQUIREMENT], SCHEMATHESIS_REQUIREMENT)
    return executable


def schemathesis_command(url: str, token: str) -> list[str]:
    """`schemathesis run` with every check, against `url`, sending the bearer token."""
    return [
        str(schemathesis_executable()),
        "run",
        str(OPENAPI),
        "--url",
        url,
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
    ]


def prism_executable() -> Path:
    """The `prism` command of `.peers/prism`, installed from npm the first time."""
    folder = PEERS / "prism"
    executable = folder / "node_modules" / ".bin" / "prism"
    if not executable.exists():
        if shutil.which("npm") is None:
            raise PeerUnavailable("cannot install Stoplight Prism: npm is not installed")
        _install(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder), PRISM_PACKAGE], PRISM_PACKAGE)
    return executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def prism_mock(*, ready_within: float = 60) -> Iterator[str]:
    """`prism mock -d contracts/openapi.yaml` on a free loopback port; yields its base URL, stops it after."""
    port = free_port()
    command = [str(prism_executable()), "mock", "-d", "-h", "127.0.0.1", "-p", str(port), str(OPENAPI)]
    url = f"http://127.0.0.1:{port}"
    # Its request log goes to a file: a pipe nobody reads would stall it once full.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
        try:
            _wait_until_answering(process, url + "/account/organization", ready_within, log)
            yield url
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_answering(process: subprocess.Popen, url: str, seconds: float, log) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise PeerUnavailable(f"Prism exited {process.returncode} at start: {log.read()[-500:]}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.exceptions.RequestException:
            time.sleep(0.2)
    raise PeerUnavailable(f"Prism did not answer on {url} within {seconds:g}s")
