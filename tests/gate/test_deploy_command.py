"""The deploy command runs the target checks only; `pytest` with no base URL runs everything; `--status` picks statuses."""

from __future__ import annotations

import re

from contracts.core import exits
from contracts.gate.selection import OFFLINE_SUITES
from tests.helpers.support import TOKEN, run_gate

NO_MARK_FILTER = ("-m", "")  # run_gate deselects the property tests with -m; an empty -m is no -m, as a user types it


def collected(output: str) -> tuple[int, int]:
    """(selected, collected) from pytest's `N/M tests collected (K deselected)` or `M tests collected`."""
    found = re.search(r"(?:(\d+)/)?(\d+) tests? collected", output)
    assert found, output
    return int(found.group(1) or found.group(2)), int(found.group(2))


def test_with_a_base_url_only_the_target_checks_run_and_hypothesis_is_not_even_imported(reference_url, gate, tmp_path):
    deploy = gate(reference_url, *NO_MARK_FILTER, env={"CONTRACT_API_TOKEN": TOKEN, "PYTHONPROFILEIMPORTTIME": "1"})
    assert deploy.returncode == exits.HONOURED, deploy.output
    assert re.search(r" 7 passed in ", deploy.output)  # 6 statuses, 2 tests of 401; no property test collected, none passed
    assert "offline property tests (client_validation): not run against a deployment; -m client_validation runs them" in deploy.output
    assert deploy.summary["counts"] == {"passed": 7, "failed": 0, "skipped": 0, "error": 0}
    imported = {line.rsplit("|", 1)[-1].strip() for line in deploy.output.splitlines() if line.startswith("import time:")}
    assert "jsonschema" in imported and not {name for name in imported if name.startswith("hypothesis")}


def test_without_a_base_url_everything_runs(tmp_path):
    everything = run_gate(tmp_path / "embedded", *NO_MARK_FILTER, "--collect-only", "-q", env={})
    selected, total = collected(everything.output)
    assert selected == total > 300, everything.output


def test_the_offline_suites_hold_the_offline_tests_and_only_them(tmp_path):
    offline = run_gate(tmp_path / "offline", "-m", "client_validation", "--collect-only", "-q", env={})
    target = run_gate(tmp_path / "target", "-m", "not client_validation", "--collect-only", "-q", env={})
    module = lambda line: line.split("::")[0].rsplit("/", 1)[-1]  # noqa: E731
    offline_modules = {module(line) for line in offline.output.splitlines() if "::" in line}
    target_modules = {module(line) for line in target.output.splitlines() if "::" in line}
    assert offline_modules == OFFLINE_SUITES and not target_modules & OFFLINE_SUITES and len(target_modules) == 3


def test_an_explicit_m_runs_the_property_tests_against_a_deployment_too(reference_url, gate):
    run = gate(reference_url, "-m", "client_validation", "-k", "valid_error_envelopes")
    assert run.returncode == exits.NOT_VERIFIED, run.output  # it ran; against a deployment 200 and 401 stay required
    assert run.summary["counts"]["passed"] == 1 and "offline property tests" not in run.output


def test_status_runs_the_tests_of_one_status_and_requires_it(reference_url, gate):
    run = gate(reference_url, *NO_MARK_FILTER, "--status", "402")
    assert run.returncode == exits.HONOURED, run.output
    assert run.coverage == {"200": "not selected", "400": "not selected", "401": "not selected", "402": "verified"} | {
        "500": "not selected",
        "502": "not selected",
    }
    assert run.summary["required"] == [402] and run.summary["counts"]["passed"] == 1
    assert run.summary["statuses"]["401"]["reasons"] == ["its tests were deselected by --status '402'"]


def test_status_with_require_keeps_what_require_says(reference_url, gate):
    run = gate(reference_url, "--status=402,500", "--require=200")
    assert run.returncode == exits.NOT_VERIFIED, run.output
    assert run.coverage["402"] == run.coverage["500"] == "verified" and run.coverage["200"] == "not selected"


def test_an_undocumented_status_is_one_line_and_exit_4(reference_url, gate):
    run = gate(reference_url, "--status=404")
    assert run.returncode == exits.BAD_CONFIGURATION
    assert "--status '404' names undocumented status(es) 404: give a comma list of documented statuses" in run.output
    assert "Traceback" not in run.output
