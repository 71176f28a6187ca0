"""The Locust run in a CI runner's surroundings, run as a user runs it: a missing or wrong `--host`, SIGTERM and Ctrl-C
while users run, a reports folder it may not write. One line for a mistake, no traceback, this run's outputs only."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import conditions
from tests.helpers.support import GATE_ENV_VARS, TOKEN

LOCUSTFILE = Path(__file__).resolve().parents[2] / "contracts" / "locustfile.py"
pytestmark = pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="Locust is not installed: pip install -e '.[load]'")
EARLIER = {"exit_status": 0, "target": {"base_url": "https://earlier.example.com"}, "interrupted": False}


def locust(folder: Path, *args: str, prefix: tuple[str, ...] = ()) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return [*prefix, sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING", "--headless", "--only-summary", *args]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS and not k.startswith("LOCUST_")}
    return {**env, "CONTRACT_API_TOKEN": TOKEN}


def run(folder: Path, *args: str, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = locust(folder, "-u", "2", "-r", "2", *args, prefix=prefix)
    return subprocess.run(
        command, cwd=folder, env={**environment(), **(env or {})}, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


# -- 7 and 9. a target missing or misspelt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, says",
    [
        ((), "error: no target: give --host (or LOCUST_HOST), e.g. --host https://staging.example.com"),
        (
            ("--host", "http://127.0.0.1:9/account/organization"),
            "error: base URL 'http://127.0.0.1:9/account/organization' ends with the operation's path: drop /account/organization "
            "(give http://127.0.0.1:9); the path is added to it",
        ),
    ],
    ids=["no-host", "host-with-the-operation"],
)
def test_a_missing_or_wrong_host_is_one_line_and_exit_4_before_any_user_starts(tmp_path, args, says):
    done = run(tmp_path, "-t", "5s", *args)
    assert done.returncode == 4, done.stderr
    assert says in done.stderr.splitlines()
    assert "Traceback" not in done.stderr and "gevent" not in done.stderr
    assert not (tmp_path / "reports" / "load-summary.json").exists() and "# reqs" not in done.stdout + done.stderr


# -- 5. signals while users run -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_signal_while_users_run_leaves_this_runs_reports_marked_interrupted(reference_url, tmp_path, sent):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "load-summary.json").write_text(json.dumps(EARLIER))
    command = locust(tmp_path, "-u", "2", "-r", "2", "-t", "60s", "--host", reference_url)
    child = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while (reports / "load-summary.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not (reports / "load-summary.json").exists(), "the earlier run's summary is still there while this run goes on"
        time.sleep(2)  # users are running
        if sent == signal.SIGINT:
            os.killpg(child.pid, sent)  # Ctrl-C: the whole foreground job
        else:
            child.send_signal(sent)  # a CI timeout
        err = child.communicate(timeout=30)[1]
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 2, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "verdict: INTERRUPTED (exit 2: interrupted before the end: what ran so far is shown)" in err
    summary = json.loads((reports / "load-summary.json").read_text())
    assert summary["interrupted"] is True and summary["exit_status"] == 2 and summary["target"]["base_url"] == reference_url
    assert summary["load"]["responses"] > 0
    said = "interrupted by SIGTERM" if sent == signal.SIGTERM else "interrupted by SIGINT (Ctrl-C)"  # the gate's and replay's words
    assert summary["stopped_early"] == said
    assert said in (reports / "load-report.html").read_text()


# -- 1. a reports folder it may not write ---------------------------------------------------------------------------


def test_a_read_only_reports_folder_keeps_the_verdict_and_says_why(reference_url, tmp_path):
    reports = tmp_path / "reports"
    prefix = conditions.read_only(reports)
    try:
        done = run(tmp_path, "-t", "2s", "--host", reference_url, prefix=prefix)
    finally:
        conditions.restore(reports)
    assert done.returncode == 73, done.stderr
    assert "Traceback" not in done.stderr
    verdict = next(line for line in done.stderr.splitlines() if line.startswith("verdict:"))
    # PASSED, or NOT VERIFIED (exit 5) on a machine too busy to send a request in the run's seconds: either stands.
    assert verdict.startswith("verdict: NOT VERIFIED (exit 73") and "; the verdict that stands: " in verdict, done.stderr
    assert "FAILED" not in verdict
    assert "outputs not written: load-report.html, load-summary.json in reports: Permission denied" in done.stderr


# -- 8. the run's credentials refused ---------------------------------------------------------------------------------


def test_refused_credentials_fail_the_run_and_are_named_as_its_cause_as_in_the_gate(reference_url, tmp_path):
    """Every answer is a conforming 401 envelope: judged alone, a pass. The plain requests carried the configured
    credentials, so the run fails (exit 1, as the gate's) and says why, in the gate's words."""
    done = run(tmp_path, "-t", "3s", "--host", reference_url, env={"CONTRACT_API_TOKEN": "tok-Rotated-Secret-0000"})
    cause = "the target refused the configured credentials (bearer token from CONTRACT_API_TOKEN) with 401: check that secret"
    summary = json.loads((tmp_path / "reports" / "load-summary.json").read_text())
    if not summary["load"]["responses"]:
        pytest.skip("no request completed in the run's seconds on this busy machine")
    assert done.returncode == 1, done.stderr
    said = done.stderr.splitlines()
    assert any(line.startswith(f"cause: {cause}") for line in said), done.stderr
    assert said[said.index(next(line for line in said if line.startswith("cause: "))) + 1].startswith("verdict: FAILED (exit 1")
    assert summary["exit_status"] == 1 and summary["cause"].startswith(cause)
    assert summary["load"]["refused"] == summary["load"]["responses"] and summary["load"]["verdict"] == "violated"
    assert summary["counts"]["failed"] == summary["load"]["responses"]
    assert "401 the configured credentials refused" in done.stdout + done.stderr  # Locust's own failure table
    page = (tmp_path / "reports" / "load-report.html").read_text()
    assert f"Cause: {cause}" in page
    assert (
        f"0 of {summary['load']['responses']:,} responses violate the reference; {summary['load']['refused']:,} plain requests refused"
        in page
    )
    assert "tok-Rotated-Secret-0000" not in done.stdout + done.stderr + page + json.dumps(summary)


def test_a_401_to_a_scenarios_own_credentials_is_judged_alone_not_the_configured_ones_refused(reference_url, tmp_path):
    """A scenario's request carries its own credentials: a 401 to it says nothing of the configured ones."""
    scenarios = tmp_path / "scenarios.toml"
    scenarios.write_text('[status.402]\ncredentials = { token_env = "OVERCAP_TOKEN" }\n')
    env = {"OVERCAP_TOKEN": "tok-Unknown-Overcap-0000"}
    done = run(tmp_path, "-t", "3s", "--host", reference_url, "--scenarios", str(scenarios), "--scenario-share", "100", env=env)
    summary = json.loads((tmp_path / "reports" / "load-summary.json").read_text())
    if not summary["load"]["responses"]:
        pytest.skip("no request completed in the run's seconds on this busy machine")
    assert done.returncode == 0, done.stderr
    assert summary["load"]["refused"] == 0 and summary["cause"] is None and "cause:" not in done.stderr
