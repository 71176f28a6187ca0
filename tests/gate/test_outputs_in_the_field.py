"""The gate in a CI runner's surroundings: a reports folder it may not write, a full disk, a file-size limit, a console
that cannot show every character, a body that floods the console with drift. The verdict always reaches the console,
no reader ever finds half a file or an earlier run's file taken for this run's, and the exit code says what happened."""

from __future__ import annotations

import json
from pathlib import Path

from contracts.core.credentials import Credentials
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp
from tests.helpers import conditions
from tests.helpers.support import TOKEN, run_gate

OUTPUTS = ("report.html", "junit.xml", "summary.json")
HONOURED_STANDS = (
    "verdict: NOT VERIFIED (exit 73: the verdict stands, but an output could not be written); the verdict that stands: PASSED (exit 0"
)


def earlier_failed_run(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps({"exit_status": 1, "target": {"base_url": "https://earlier.example.com"}}))
    (folder / "report.html").write_text("<html>FAILED: an earlier run</html>")
    (folder / "junit.xml").write_text('<testsuites name="earlier"/>')


def no_partial_files(folder: Path) -> bool:
    return not [path.name for path in folder.iterdir() if path.name.endswith(".partial")]


def assert_verdict_shown(output: str) -> None:
    assert "Traceback" not in output and "INTERNALERROR" not in output, output
    assert "200 (required): verified, passed" in output and "401 (required): verified, passed" in output, output
    assert "7 passed" in output


# -- 1. a reports folder the run may not write ------------------------------------------------------------------


def test_a_read_only_reports_folder_keeps_the_verdict_and_names_the_folder_and_the_reason(reference_url, tmp_path):
    folder = tmp_path / "reports"
    prefix = conditions.read_only(folder)
    try:
        run = run_gate(folder, base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN}, prefix=prefix)
    finally:
        conditions.restore(folder)
    assert run.returncode == 73, run.output
    assert_verdict_shown(run.output)
    assert HONOURED_STANDS in run.output
    assert f"outputs not written: report.html, junit.xml, summary.json in {folder}: Permission denied" in run.output
    assert list(folder.iterdir()) == []


def test_an_earlier_runs_outputs_that_cannot_be_removed_are_named_as_not_this_runs(reference_url, tmp_path):
    folder = tmp_path / "reports"
    earlier_failed_run(folder)
    prefix = conditions.read_only(folder)
    try:
        run = run_gate(folder, base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN}, prefix=prefix)
    finally:
        conditions.restore(folder)
    assert run.returncode == 73, run.output  # not pytest's internal error (3), and nothing left untested
    assert_verdict_shown(run.output)
    stale = f"outputs not written: an earlier run's report.html, junit.xml, summary.json in {folder} could not be removed (Permission denied): not this run's"
    assert stale in run.output and HONOURED_STANDS in run.output
    assert run.output.rstrip().splitlines()[-2:] == [
        stale,
        f"outputs not written: report.html, junit.xml, summary.json in {folder}: Permission denied",
    ]


def test_a_failing_run_in_a_read_only_folder_keeps_exit_1(serve, tmp_path):
    broken = ReferenceApp(Credentials.bearer(TOKEN), organization=dict(SAMPLE_ORGANIZATION, messagesCap=True))
    folder = tmp_path / "reports"
    prefix = conditions.read_only(folder)
    try:
        run = run_gate(folder, base_url=serve(broken), env={"CONTRACT_API_TOKEN": TOKEN}, prefix=prefix)
    finally:
        conditions.restore(folder)
    assert run.returncode == 1, run.output  # a broken contract wins over outputs not written
    assert "verdict: FAILED (exit 1: the contract is violated)" in run.output
    assert f"in {folder}: Permission denied" in run.output


# -- 2. a full disk ---------------------------------------------------------------------------------------------


def test_a_full_disk_leaves_no_cut_off_report_and_a_summary_that_tells_the_exit_code(reference_url, tmp_path):
    folder = tmp_path / "reports"
    run = run_gate(folder, base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN}, prefix=conditions.full_disk(folder, "16k"))
    left = conditions.seen(folder)
    assert run.returncode == 73, run.output
    assert_verdict_shown(run.output)
    assert f"outputs not written: report.html in {folder}: No space left on device" in run.output
    assert sorted(path.name for path in left.iterdir() if path.is_file()) == ["junit.xml", "summary.json"]  # no report.html at all
    summary = json.loads((left / "summary.json").read_text())
    assert summary["exit_status"] == run.returncode == 73


def test_a_file_size_limit_cuts_no_file_short_and_is_no_traceback(reference_url, tmp_path):
    folder = tmp_path / "reports"
    run = run_gate(folder, base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN}, preexec_fn=conditions.file_size_limit(20_000))
    assert run.returncode == 73, run.output
    assert_verdict_shown(run.output)
    assert f"outputs not written: report.html in {folder}: File too large" in run.output
    assert "Generated html report" not in run.output  # pytest-html names no file that is not there
    assert not (folder / "report.html").exists() and no_partial_files(folder)
    assert run.summary["exit_status"] == 73


def test_a_limit_that_stops_junit_too_publishes_nothing_cut_short(reference_url, tmp_path):
    folder = tmp_path / "reports"
    run = run_gate(folder, base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN}, preexec_fn=conditions.file_size_limit(400))
    assert run.returncode == 73, run.output
    assert_verdict_shown(run.output)
    assert "outputs not written: junit.xml in " in run.output and "generated xml file" not in run.output
    assert f"outputs not written: report.html, summary.json in {folder}: File too large" in run.output
    assert [path.name for path in folder.iterdir() if path.is_file()] == []


# -- 3. a console that cannot show every character --------------------------------------------------------------


def test_a_console_in_ascii_shows_non_ascii_text_escaped(serve, tmp_path):
    odd = dict(SAMPLE_ORGANIZATION, anniversaryDate="2026–12–01", **{"zoë✓": 1})  # an en dash, a check mark
    url = serve(ReferenceApp(Credentials.bearer(TOKEN), organization=odd))
    run = run_gate(tmp_path / "run", base_url=url, env={"CONTRACT_API_TOKEN": TOKEN, "PYTHONIOENCODING": "ascii"})
    assert run.returncode == 1, run.output
    assert "UnicodeEncodeError" not in run.output and "Traceback" not in run.output
    assert run.output.isascii() and "verdict: FAILED (exit 1: the contract is violated)" in run.output
    assert "$.anniversaryDate: expected ISO date" in run.output


# -- 4. a console flooded with drift ------------------------------------------------------------------------------


def test_drift_on_the_console_is_capped_while_the_report_keeps_every_path(serve, tmp_path):
    flood = dict(SAMPLE_ORGANIZATION, **{f"undocumented{index:05d}": index for index in range(20_000)})
    run = run_gate(
        tmp_path / "run", base_url=serve(ReferenceApp(Credentials.bearer(TOKEN), organization=flood)), env={"CONTRACT_API_TOKEN": TOKEN}
    )
    assert run.returncode == 0, run.output[-2000:]
    drift_lines = [line for line in run.output.splitlines() if line.startswith("200 $.undocumented")]
    assert drift_lines[0].startswith("200 $.undocumented00000") and len(drift_lines) == 20
    assert "… and 19,980 more undocumented fields: see the report" in run.output
    assert len(run.output.splitlines()) < 80 and len(run.output) < 10_000
    assert len(run.summary["drift"]) == 20_000
