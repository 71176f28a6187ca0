"""The gate's options take their value after a space, as pytest's own do, from the repository's root and from elsewhere:
`--scenarios /abs/staging.toml` once made pytest take the file for a test path and leave the project's pytest.ini
unread ("unrecognized arguments: --scenarios"). The plugin is a `pytest11` entry point, and the ini file is settled
again from the arguments that really are paths (`contracts.gate.ini`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN

SCENARIOS = '[status.400]\nquery = { limit = "-1" }\n'


def gate(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS} | {"CONTRACT_API_TOKEN": TOKEN}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(
    "where, paths",
    [("root", ()), ("a subfolder", ()), ("another folder", ("suites",))],
    ids=["from-the-root", "from-suites", "from-elsewhere-naming-the-suites"],
)
def test_path_options_take_their_value_after_a_space(reference_url, tmp_path, where, paths):
    scenarios = tmp_path / "outside" / "staging.toml"
    scenarios.parent.mkdir()
    scenarios.write_text(SCENARIOS, encoding="utf-8")
    out = tmp_path / "reports"
    cwd = {"root": REPO, "a subfolder": REPO / "suites", "another folder": tmp_path}[where]
    done = gate(
        cwd,
        *(str(REPO / path) for path in paths),
        "--base-url",
        reference_url,
        "--scenarios",
        str(scenarios),
        "--summary-json",
        str(out / "summary.json"),
        "--html",
        str(out / "report.html"),
        "--junitxml",
        str(out / "junit.xml"),
        "-m",
        "not client_validation",
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"rootdir: {REPO}" in output and "configfile: pytest.ini" in output
    assert "scenarios for: 400" in output and "unrecognized arguments" not in output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["statuses"]["400"]["coverage"] == "not provoked"  # the reference server ignores the scenario's query
    assert "the 400 scenario (query limit=-1)" in summary["statuses"]["400"]["reasons"][0]
    assert (out / "report.html").is_file()


def test_the_project_tests_ini_leaves_the_gate_switched_off(tmp_path):
    """Installed as an entry point, the plugin is in every pytest run of this environment, and inert without the switch."""
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n", encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = gate(tmp_path, "test_plain.py")
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    assert "contract target" not in done.stdout and "verdict:" not in done.stdout
    assert not (tmp_path / "reports").exists()
