"""A run killed by a CI timeout (SIGTERM) or Ctrl-C: exit 2, this run's reports marked interrupted, nothing stale."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.core import exits
from contracts.core.credentials import Credentials
from contracts.lifecycle.signals import InterruptOnSignals
from contracts.transport.server import ReferenceApp
from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN, gate_arguments

STALE_TARGET = "https://earlier-run.example.com"
SLOW = 1.5  # seconds every answer takes


class SlowApp:
    """The reference server answering each request after SLOW seconds; notes when the probe and the first test request arrive."""

    def __init__(self) -> None:
        self.reference = ReferenceApp(Credentials.bearer(TOKEN))
        self.probed = threading.Event()  # the start-up probe (no credentials) is being answered
        self.requested = threading.Event()  # a test's request (credentials) is being answered

    def __call__(self, environ, start_response):
        (self.requested if "HTTP_AUTHORIZATION" in environ else self.probed).set()
        time.sleep(SLOW)
        return self.reference(environ, start_response)


def write_stale_outputs(folder: Path) -> None:
    """What an earlier run against another target left behind."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps({"target": {"base_url": STALE_TARGET}, "exit_status": 0}))
    (folder / "report.html").write_text(f"<html>{STALE_TARGET}: passed</html>")
    (folder / "junit.xml").write_text(f'<testsuites name="{STALE_TARGET}"/>')


@contextlib.contextmanager
def started_gate(folder: Path, base_url: str) -> Iterator[subprocess.Popen]:
    command = [sys.executable, "-m", "pytest", *gate_arguments(folder, base_url=base_url)]
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS} | {"CONTRACT_API_TOKEN": TOKEN}
    # A child inherits an ignored SIGINT (and the gate leaves an ignored signal ignored); one Python handles is reset on exec.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        child = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        yield child
    finally:
        child.kill()
        child.communicate()


@pytest.mark.parametrize(
    "signal_number, stopped, phase",
    [(signal.SIGTERM, "interrupted by SIGTERM", "probed"), (signal.SIGINT, "interrupted by SIGINT (Ctrl-C)", "requested")],
    ids=["sigterm-during-start-up-probe", "ctrl-c-during-a-request"],
)
def test_interrupted_run_writes_its_own_reports_marked_interrupted(serve, tmp_path, signal_number, stopped, phase):
    app = SlowApp()
    url = serve(app)
    write_stale_outputs(tmp_path)
    with started_gate(tmp_path, url) as gate:
        assert getattr(app, phase).wait(30), "the gate never reached the target"
        time.sleep(0.2)  # inside the request now
        interrupted = time.monotonic()
        gate.send_signal(signal_number)
        output = gate.communicate(timeout=15)[0].decode()
        took = time.monotonic() - interrupted
    assert gate.returncode == exits.INTERRUPTED, output
    assert took < SLOW + 3, f"took {took:.1f}s to stop"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["target"]["base_url"] == url and summary["interrupted"] is True, summary
    assert summary["stopped_early"] == stopped and summary["exit_status"] == exits.INTERRUPTED
    report, junit = (tmp_path / "report.html").read_text(), (tmp_path / "junit.xml").read_text()
    assert STALE_TARGET not in report and url in report and stopped in report
    assert STALE_TARGET not in junit and "<testsuite " in junit
    assert stopped in output and "Traceback" not in output


def test_sigterm_after_two_seconds_leaves_this_runs_summary(serve, tmp_path):
    app = SlowApp()
    url = serve(app)
    write_stale_outputs(tmp_path)
    started = time.monotonic()
    with started_gate(tmp_path, url) as gate:
        assert app.probed.wait(30), "the gate never reached the target"  # on a loaded machine start-up may take longer
        time.sleep(max(0.0, started + 2 - time.monotonic()))
        gate.send_signal(signal.SIGTERM)
        output = gate.communicate(timeout=15)[0].decode()
    assert gate.returncode == exits.INTERRUPTED, output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["target"]["base_url"] == url and summary["interrupted"] is True


def test_a_completed_run_replaces_every_stale_output(gate, reference_url, tmp_path):
    write_stale_outputs(tmp_path / "run0")
    run = gate(reference_url)
    assert run.returncode == exits.HONOURED, run.output
    assert run.summary["interrupted"] is False
    for text in run.artifacts().values():
        assert STALE_TARGET not in text


def test_signals_interrupt_once_then_are_ignored_and_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    signals = InterruptOnSignals()
    signals.install()
    try:
        with pytest.raises(KeyboardInterrupt, match="interrupted by SIGTERM"):
            signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGINT)  # a second signal while the reports are written: ignored
        assert signals.received == "SIGTERM"
    finally:
        signals.restore()
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_signal_ignored_at_start_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        signals = InterruptOnSignals()
        signals.install()
        signal.raise_signal(signal.SIGINT)
        signals.restore()
        assert signals.received is None and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
