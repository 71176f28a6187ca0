"""The gate against the reference server: green, with every documented status verified."""

import html
import json
import os
import subprocess
import sys

from contracts.core import exits
from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN, gate_arguments


def test_reference_server_honours_the_contract(gate, reference_url):
    run = gate(reference_url)
    assert run.returncode == exits.HONOURED, run.output
    assert run.verdicts == {"200": "passed", "400": "passed", "401": "passed", "402": "passed", "500": "passed", "502": "passed"}
    assert set(run.coverage.values()) == {"verified"}  # the reference server honours Prefer: all six are provoked


def test_embedded_default_is_used_without_base_url(gate):
    run = gate(None, env={})
    assert run.returncode == exits.HONOURED, run.output
    assert "contract target: embedded reference server" in run.output
    assert run.summary["target"]["embedded"] is True
    assert f'"Base URL": "{run.summary["target"]["base_url"]}"' in html.unescape(run.artifacts()["report.html"])


def test_the_gate_acts_however_the_suites_are_named(reference_url, tmp_path):
    """Switched on by pytest.ini, not guessed from the arguments: one file, -k, or from another directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name, cwd, args in [
        ("one-file", REPO, ["suites/test_auth.py"]),
        ("keyword", REPO, ["-k", "credentials"]),
        ("another-directory", elsewhere, [str(REPO / "suites" / "test_auth.py")]),
    ]:
        out = tmp_path / name
        command = [sys.executable, "-m", "pytest", *gate_arguments(out, *args, base_url=reference_url)]
        env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS} | {"CONTRACT_API_TOKEN": TOKEN}
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["statuses"]["401"]["verdict"] == "passed", (name, done.stdout)
        assert (out / "report.html").is_file() and (out / "junit.xml").is_file(), name


def test_the_projects_own_tests_are_not_a_gate_run(tmp_path):
    reports = tmp_path / "reports"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/judging/test_checks.py",
            f"--summary-json={reports / 'summary.json'}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # The plugin is installed as an entry point, so its options exist there; tests/pytest.ini does not switch it on.
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict:" not in done.stdout and "contract target" not in done.stdout
    assert not reports.exists()
