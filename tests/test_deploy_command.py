"""The deploy command runs the target checks only; `pytest` with no base URL runs everything; `--status` picks statuses."""

from __future__ import annotations

import re

from contracts import exits

from .support import run_gate

NO_MARK_FILTER = ("-m", "")  # run_gate deselects the property tests with -m; an empty -m is no -m, as a user types it


def collected(output: str) -> tuple[int, int]:
    """(selected, collected) from pytest's `N/M tests collected (K deselected)` or `M tests collected`."""
    found = re.search(r"(?:(\d+)/)?(\d+) tests? collected", output)
    assert found, output
    return int(found.group(1) or found.group(2)), int(found.group(2))


def test_with_a_base_url_only_the_target_checks_run_and_the_property_tests_are_deselected(reference_url, gate, tmp_path):
    deploy = gate(reference_url, *NO_MARK_FILTER)
    everything = run_gate(tmp_path / "embedded", *NO_MARK_FILTER, "--collect-only", "-q", env={})
    selected, total = collected(everything.output)
    assert selected == total > 300, everything.output  # no base URL: every test
    assert deploy.returncode == exits.HONOURED, deploy.output
    assert f"7 passed, {total - 7} deselected" in deploy.output  # 6 statuses, 2 tests of 401; deselected, not passed
    assert "offline property tests (client_validation): not run against a deployment; -m client_validation runs them" in deploy.output
    assert deploy.summary["counts"] == {"passed": 7, "failed": 0, "skipped": 0, "error": 0}


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
