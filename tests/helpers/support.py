"""Shared test machinery: serve a WSGI app on loopback, run the gate's suites against it in a subprocess."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok-Contract-Secret-7f3a9c21e5"  # the bearer token the loopback servers of the tests require
GATE_ENV_VARS = ("CONTRACT_API_TOKEN", "CONTRACT_CLIENT_ID", "CONTRACT_CLIENT_SECRET", "PYTEST_BASE_URL", "PYTEST_ADDOPTS")


@dataclass
class GateRun:
    returncode: int
    output: str  # stdout + stderr
    out_dir: Path
    peak_rss_kib: int | None = None  # the gate process's own peak RSS, when measured

    @property
    def summary(self) -> dict:
        return json.loads((self.out_dir / "summary.json").read_text(encoding="utf-8"))

    @property
    def verdicts(self) -> dict[str, str]:
        return {status: entry["verdict"] for status, entry in self.summary["statuses"].items()}

    @property
    def coverage(self) -> dict[str, str]:
        return {status: entry["coverage"] for status, entry in self.summary["statuses"].items()}

    @property
    def report_extras(self) -> str:
        """The per-test HTML extras, as the browser renders them (pytest-html keeps them in a JSON blob)."""
        page = (self.out_dir / "report.html").read_text(encoding="utf-8")
        found = re.search(r'data-jsonblob="([^"]*)"', page)
        assert found, "report.html carries no pytest-html data blob"
        blob = json.loads(html.unescape(found.group(1)))
        return "\n".join(extra["content"] for runs in blob["tests"].values() for run in runs for extra in run["extras"])

    def artifacts(self) -> dict[str, str]:
        """Console output and every file the run wrote, by name."""
        files = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in self.out_dir.iterdir() if p.is_file()}
        return {"console": self.output, **files}


def gate_arguments(out_dir: Path, *args: str, base_url: str | None = None) -> list[str]:
    """pytest's arguments for one gate run writing its outputs into `out_dir`."""
    arguments = [
        "-p",
        "no:cacheprovider",
        "-m",
        "not client_validation",
        f"--html={out_dir / 'report.html'}",
        f"--junitxml={out_dir / 'junit.xml'}",
        f"--summary-json={out_dir / 'summary.json'}",
    ]
    if base_url is not None:
        arguments.append(f"--base-url={base_url}")
    return [*arguments, *args]


def run_gate(
    out_dir: Path,
    *args: str,
    base_url: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 180,
    measure_rss: bool = False,
    prefix: tuple[str, ...] = (),
    preexec_fn: Callable[[], object] | None = None,
) -> GateRun:
    """Run the real suites (target checks only, no offline property tests) as a user would, in a subprocess.
    `measure_rss` also records the process's own peak RSS (`wait4`, not RUSAGE_CHILDREN, which sums every child so far).
    `prefix` runs it under another command (`tests.helpers.conditions`); `preexec_fn` sets a limit in the child."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [*prefix, sys.executable, "-m", "pytest", *gate_arguments(out_dir, *args, base_url=base_url)]
    clean = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS}
    clean.update(env or {})
    if measure_rss:
        return _run_measured(command, clean, out_dir, timeout)
    done = subprocess.run(
        command, cwd=REPO, env=clean, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, preexec_fn=preexec_fn
    )
    return GateRun(done.returncode, done.stdout + done.stderr, out_dir)


def _run_measured(command: list[str], env: dict[str, str], out_dir: Path, timeout: float) -> GateRun:
    # Output to a file: reaping the child with wait4 leaves no Popen.communicate to drain pipes.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        child = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ends = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > ends:
                child.kill()
                child.wait()
                raise subprocess.TimeoutExpired(command, timeout)
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        return GateRun(child.returncode, output.read(), out_dir, peak_rss_kib=usage.ru_maxrss)  # KiB on Linux
