"""`python -m contracts replay` in a CI runner's surroundings, run as a user runs it: a console that cannot show every
character, a reader that goes away, SIGTERM and Ctrl-C with worker processes running, a reports folder it may not
write. No traceback, no orphan process, no earlier run's file taken for this run's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers import conditions
from tests.helpers.support import REPO

JSON = {"Content-Type": "application/json"}
ODD = "12€ ✓"  # € exists in cp1252, ✓ does not
EARLIER = {"exit_status": 0, "target": {"base_url": "captures: an-earlier-capture.jsonl"}, "interrupted": False}


def capture_line(**changes: object) -> str:
    return json.dumps({"status": 200, "headers": JSON, "body": json.dumps(dict(SAMPLE_ORGANIZATION, **changes))})


def write_capture(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def replay(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "contracts", "replay", "--jobs", "1", *args]
    return subprocess.run(command, cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


# -- 3. console encodings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding, shown", [("ascii", '"12\\u20ac \\u2713"'), ("cp1252", '"12€ \\u2713"')])
def test_a_console_that_cannot_show_a_character_gets_it_escaped(tmp_path, encoding, shown):
    capture = write_capture(tmp_path / "odd.jsonl", [capture_line(costCap=ODD)])
    done = replay(str(capture), env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 1, done.stderr  # the violation, not a crash
    out, err = done.stdout.decode(encoding), done.stderr.decode(encoding)  # strict: every byte is in the console's encoding
    assert out == f"{capture}#1: 200 $.costCap: expected number, got {shown} (string)\n"
    assert "Traceback" not in err and "verdict: FAILED (exit 1: the contract is violated)" in err


def test_a_reader_that_goes_away_ends_the_output_not_the_run(tmp_path):
    capture = write_capture(tmp_path / "many.jsonl", [capture_line(costCap=str(n)) for n in range(5_000)])
    shell = f"set -o pipefail; {sys.executable} -m contracts replay --jobs 1 {capture} | head -1"
    done = subprocess.run(["bash", "-c", shell], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.count("\n") == 1 and done.stdout.startswith(f"{capture}#1: 200 $.costCap")
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert "verdict: FAILED (exit 1: the contract is violated)" in done.stderr
    assert done.returncode == 1


# -- 5. signals, with worker processes --------------------------------------------------------------------------


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        found.update(int(child) for child in text.split())
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.parametrize("sent, said", [(signal.SIGTERM, "interrupted by SIGTERM"), (signal.SIGINT, "interrupted by SIGINT (Ctrl-C)")])
def test_a_signal_stops_the_workers_and_leaves_this_runs_reports_marked_interrupted(tmp_path, sent, said):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "summary.json").write_text(json.dumps(EARLIER))
    command = [sys.executable, "-m", "contracts", "replay", "--jobs", "2", "--report", str(reports), "-"]
    # Its own process group, as a shell gives a job: Ctrl-C reaches every process of it, the workers included.
    child = subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        assert child.stdin is not None
        lines = "".join(capture_line() + "\n" for _ in range(20_000)).encode()  # more than one chunk: workers judge them
        child.stdin.write(lines)
        child.stdin.flush()  # and the input stays open: the run waits for more
        workers: set[int] = set()
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = children(child.pid)
            time.sleep(0.1)
        assert len(workers) >= 2, "the worker processes never started"
        time.sleep(0.5)
        if sent == signal.SIGINT:
            os.killpg(child.pid, sent)  # Ctrl-C: the whole foreground job
        else:
            child.send_signal(sent)  # a CI timeout: the main process
        err = child.communicate(timeout=30)[1]
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    text = err.decode()
    assert child.returncode == 2, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "verdict: INTERRUPTED (exit 2: interrupted before the end: what ran so far is shown)" in text
    deadline = time.monotonic() + 10
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(running, workers)), "a worker process outlived the run"
    summary = json.loads((reports / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["stopped_early"] == said and summary["exit_status"] == 2
    assert summary["target"]["base_url"] == "captures: <stdin>"


# -- 1. a reports folder it may not write -------------------------------------------------------------------------


def test_a_read_only_reports_folder_keeps_the_verdict_and_says_why(tmp_path):
    capture = write_capture(tmp_path / "good.jsonl", [capture_line()])
    reports = tmp_path / "reports"
    prefix = conditions.read_only(reports)
    command = [*prefix, sys.executable, "-m", "contracts", "replay", "--jobs", "1", "--report", str(reports), str(capture)]
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    finally:
        conditions.restore(reports)
    assert done.returncode == 73, done.stderr
    assert "Traceback" not in done.stderr
    assert "1 exchange judged, 0 violating" in done.stderr
    lines = done.stderr.splitlines()
    assert lines[-2].startswith("verdict: NOT VERIFIED (exit 73") and "the verdict that stands: PASSED (exit 0" in lines[-2]
    assert lines[-1] == f"outputs not written: junit.xml, report.html, summary.json in {reports}: Permission denied"
