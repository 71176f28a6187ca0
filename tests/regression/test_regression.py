"""Regression runs: since-the-baseline comparison, the history folder and its strip, known violations.

One loopback target whose behaviour the test switches between runs (conforming, broken, extra fields), so runs
compare as runs against the same target do after a deploy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from contracts.core.credentials import Credentials
from contracts.regression.history import append_run, runs_of
from contracts.transport.server import ReferenceApp
from tests.helpers.faults import PREFIX, FaultApp
from tests.helpers.gate_in_process import run_gate_in_process
from tests.helpers.support import TOKEN, GateRun

SLASHES = "200-anniversaryDate-slashes"  # $.anniversaryDate: "2026/12/01"
FLATTENED_402 = "402-flattened-envelope"  # $.error missing on 402
EXTRA_FIELDS = "200-extra-fields"  # drift: $.plan, $.region
KNOWN_DATE = {"status": 200, "check": "schema", "path": "$.anniversaryDate"}


class Deployment:
    """The reference server, with the faults of the current deploy applied per status (`Prefer: code=NNN`, else 200)."""

    def __init__(self) -> None:
        self.reference = ReferenceApp(Credentials.bearer(TOKEN))
        self.faults = FaultApp(Credentials.bearer(TOKEN))
        self.broken: dict[int, str] = {}

    def __call__(self, environ, start_response):
        prefer = environ.get("HTTP_PREFER", "").removeprefix("code=")
        fault = self.broken.get(int(prefer) if prefer.isdigit() else 200)
        if fault is None:
            return self.reference(environ, start_response)
        return self.faults(dict(environ, PATH_INFO=f"{PREFIX}{fault}{environ['PATH_INFO']}"), start_response)


@pytest.fixture
def deployment(serve) -> tuple[Deployment, str]:
    app = Deployment()
    return app, serve(app)


@pytest.fixture
def runs(tmp_path: Path, deployment):
    """Gate runs against the deployment, all writing to one reports folder (so they share a history)."""
    app, url = deployment

    def run(*args: str, broken: dict[int, str] | None = None, out: Path | None = None) -> GateRun:
        app.broken = broken or {}
        return run_gate_in_process(out or tmp_path / "reports", *args, base_url=url, env={"CONTRACT_API_TOKEN": TOKEN})

    return run


def report_page(run: GateRun) -> str:
    return (run.out_dir / "report.html").read_text(encoding="utf-8")


def test_since_baseline_names_new_failures_fixed_ones_and_drift(runs, tmp_path):
    conforming = runs()
    assert conforming.returncode == 0, conforming.output
    assert "since_baseline" not in conforming.summary and conforming.summary["format"] == 2

    broken = runs("--baseline=last", broken={200: SLASHES})
    assert broken.returncode == 1
    since = broken.summary["since_baseline"]
    assert since["new_failures"] == [KNOWN_DATE]
    assert since["fixed"] == [] and since["drift_appeared"] == [] and since["drift_vanished"] == []
    assert since["statuses_changed"] == [{"status": 200, "then": "passed", "now": "failed"}]
    assert since["baseline"]["target"] == broken.summary["target"]["base_url"]
    assert set(since["response_ms"]) == {"200", "400", "401", "402", "500", "502"}
    digest = [line for line in broken.output.splitlines() if line.startswith("since the baseline")]
    assert len(digest) == 1 and "1 new failure (200 schema $.anniversaryDate), 0 fixed; statuses: 200 passed -> failed" in digest[0]
    page = report_page(broken)
    assert "Since the baseline" in page and "New failures (1)" in page and "$.anniversaryDate" in page

    extra = runs("--baseline=last", broken={200: EXTRA_FIELDS})
    assert extra.returncode == 0, extra.output  # drift alone does not fail without --fail-on-drift-change
    since = extra.summary["since_baseline"]
    assert since["fixed"] == [KNOWN_DATE] and since["new_failures"] == []
    assert since["drift_appeared"] == [{"status": 200, "path": "$.plan"}, {"status": 200, "path": "$.region"}]
    assert "drift since the baseline: 2 appeared (200 $.plan, 200 $.region), 0 vanished" in extra.output
    assert "Drift appeared (2)" in report_page(extra)

    vanished = runs("--baseline=last", "--fail-on-drift-change")
    assert vanished.returncode == 1, vanished.output
    assert vanished.summary["since_baseline"]["drift_vanished"] == [{"status": 200, "path": "$.plan"}, {"status": 200, "path": "$.region"}]
    assert vanished.summary["counts"]["failed"] == 0  # red for the drift change only


def test_baseline_path_may_be_the_summary_this_run_replaces(runs, tmp_path):
    first = runs(broken={200: SLASHES})
    assert first.returncode == 1
    again = runs(f"--baseline={first.out_dir / 'summary.json'}")
    assert again.returncode == 0, again.output
    assert again.summary["since_baseline"]["fixed"] == [KNOWN_DATE]


def _summary_for(tmp_path: Path, run: GateRun, name: str, change) -> Path:
    document = run.summary
    change(document)
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_unusable_baselines_give_one_warning_and_the_run_goes_on(runs, tmp_path):
    first = runs(out=tmp_path / "first")
    other = _summary_for(tmp_path, first, "other.json", lambda d: d["target"].update(base_url="http://127.0.0.1:1/elsewhere"))
    older = _summary_for(tmp_path, first, "older.json", lambda d: d.pop("format"))
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"statuses": {"200": ', encoding="utf-8")
    cases = {
        other: "is for another target (http://127.0.0.1:1/elsewhere",
        older: "is from an older summary format (unnumbered",
        corrupt: "is not JSON",
        tmp_path / "missing.json": "does not exist",
    }
    for path, reason in cases.items():
        run = runs(f"--baseline={path}", broken={200: SLASHES})
        assert run.returncode == 1  # contract-based: the broken 200 still fails the run
        warnings = [line for line in run.output.splitlines() if line.startswith("warning: baseline")]
        assert len(warnings) == 1 and reason in warnings[0] and "the run goes on without the comparison" in warnings[0], run.output
        assert "Traceback" not in run.output and "since_baseline" not in run.summary
        assert run.summary["baseline_warning"] == warnings[0].removeprefix("warning: ")
        assert "No comparison:" in report_page(run)


def test_baseline_last_without_history_warns(runs, tmp_path):
    run = runs("--baseline=last")
    assert run.returncode == 0
    assert "warning: --baseline last: no earlier run against" in run.output


def test_known_violations_accepted_new_ones_named_fixed_ones_reported(runs, tmp_path):
    known_file = tmp_path / "known.json"
    recorded = runs(f"--record-known={known_file}", broken={200: SLASHES})
    assert recorded.returncode == 1
    entries = json.loads(known_file.read_text(encoding="utf-8"))["known_violations"]
    assert [{k: e[k] for k in ("status", "check", "path")} for e in entries] == [KNOWN_DATE]
    assert "2026/12/01" in entries[0]["example"]  # for people; not part of the identity

    same = runs(f"--known-violations={known_file}", broken={200: SLASHES})
    assert same.returncode == 0, same.output
    known = same.summary["known_violations"]
    assert known["seen"] == [KNOWN_DATE] and known["new"] == [] and known["fixed"] == []
    assert same.summary["statuses"]["200"]["verdict"] == "passed"
    assert "Known violations (1), accepted by the known-violations file" in same.report_extras
    assert "Seen, known (1)" in report_page(same)
    assert f"known violations ({known_file}): 1 seen and accepted" in same.output

    second = runs(f"--known-violations={known_file}", broken={200: SLASHES, 402: FLATTENED_402})
    assert second.returncode == 1
    assert second.summary["known_violations"]["new"] == [{"status": 402, "check": "schema", "path": "$.error"}]
    failures = [line for line in second.output.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1 and "402" in failures[0], second.output
    assert "$.anniversaryDate" not in second.output  # only the new one is named

    conforming = runs(f"--known-violations={known_file}")
    assert conforming.returncode == 0
    assert conforming.summary["known_violations"]["fixed"] == [KNOWN_DATE]
    assert "fixed — remove it from the file: 200 schema $.anniversaryDate" in conforming.output
    assert "Fixed — remove it from the file (1)" in report_page(conforming)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is not JSON"),
        ('{"entries": []}', 'has no "known_violations" list'),
        ('{"known_violations": [{"status": "200", "check": "schema", "path": "$"}]}', "entry 1: expected status (a number)"),
    ],
)
def test_malformed_known_violations_file_is_a_bad_configuration(runs, tmp_path, content, says):
    known_file = tmp_path / "known.json"
    known_file.write_text(content, encoding="utf-8")
    run = runs(f"--known-violations={known_file}")
    assert run.returncode == 4
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR: ")]  # pytest's own usage line
    assert len(errors) == 1 and says in errors[0] and f"known-violations file {known_file}" in errors[0], run.output
    assert "Traceback" not in run.output


def test_history_strip_and_bounded_history(runs, tmp_path):
    runs()
    runs(broken={200: SLASHES})
    last = runs()
    history = last.out_dir / "history"
    assert len(list(history.iterdir())) == 3
    page = report_page(last)
    assert "Last 3 runs against this target" in page and "<svg" in page
    assert "200 at " in page and ": failed</title>" in page and ": passed</title>" in page
    assert "http" not in page.split('class="history-strip"')[1].split("</svg>")[0].replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_history_prunes_oldest_runs_per_target(tmp_path):
    summary = tmp_path / "summary.json"
    summary.write_text("{}", encoding="utf-8")
    folder = tmp_path / "history"
    for second in range(5):
        append_run(folder, summary, "http://a", 1_700_000_000 + second, keep=3)
    append_run(folder, summary, "http://b", 1_700_000_000, keep=3)
    kept = runs_of(folder, "http://a")
    assert len(kept) == 3 and kept[0].name.startswith("20231114T221322")  # the two oldest pruned
    assert len(runs_of(folder, "http://b")) == 1  # another target's runs are its own


def test_history_that_cannot_be_written_is_one_warning(runs, tmp_path):
    out = tmp_path / "blocked"
    out.mkdir()
    (out / "history").write_text("not a folder", encoding="utf-8")
    run = runs(out=out)
    assert run.returncode == 0, run.output
    warnings = [line for line in run.output.splitlines() if line.startswith("warning: cannot keep this run")]
    assert len(warnings) == 1, run.output


def test_baseline_copied_elsewhere_still_compares(runs, tmp_path):
    first = runs()
    saved = tmp_path / "saved.json"
    shutil.copyfile(first.out_dir / "summary.json", saved)
    second = runs(f"--baseline={saved}")
    assert second.summary["since_baseline"]["baseline"]["path"] == str(saved)


def test_replay_compares_with_its_last_run_and_accepts_known_violations(tmp_path, capsys):
    from contracts.__main__ import main
    from tests.replay.test_replay import BASE, har_entry, organization, write_har

    capture, out, known_file = tmp_path / "gateway.har", tmp_path / "out", tmp_path / "known.json"
    url = f"{BASE}/account/organization"

    def replay(body: str, *args: str) -> tuple[int, str]:
        write_har(capture, [har_entry(url, 200, text=body)])
        code = main(["replay", "--jobs", "1", str(capture), "--report", str(out), *args])
        return code, capsys.readouterr().err

    assert replay(organization(anniversaryDate="2026/12/01"))[0] == 1
    code, err = replay(organization(plan="pro"), "--baseline=last", "--fail-on-drift-change")
    assert code == 1, err  # conforming, but drift appeared
    since = json.loads((out / "summary.json").read_text(encoding="utf-8"))["since_baseline"]
    assert since["fixed"] == [KNOWN_DATE] and since["new_failures"] == []
    assert since["drift_appeared"] == [{"status": 200, "path": "$.plan"}]
    assert "since the baseline (" in err and "1 fixed (200 schema $.anniversaryDate)" in err
    assert "Since the baseline" in (out / "report.html").read_text(encoding="utf-8")

    known_file.write_text(json.dumps({"known_violations": [KNOWN_DATE]}), encoding="utf-8")
    code, err = replay(organization(anniversaryDate="2026/12/01"), f"--known-violations={known_file}")
    assert code == 0, err
    assert f"known violations ({known_file}): 1 seen and accepted" in err
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["known_violations"]["seen"] == [KNOWN_DATE]


def test_no_secret_reaches_the_known_file_the_history_or_the_comparison(tmp_path):
    from contracts.transport.server import RunningServer
    from tests.core.test_secrets import BEARER, ENV, secret_forms, slices
    from tests.helpers.faults import CATALOGUE, base_url

    fault = CATALOGUE["200-credentials-in-undocumented-field-names"]  # the secret as member names: drift, or violations when strict
    known_file, out = tmp_path / "known.json", tmp_path / "reports"
    with RunningServer(FaultApp(BEARER)) as server:
        url = base_url(server.url, fault)
        first = run_gate_in_process(out, "--strict-fields", f"--record-known={known_file}", base_url=url, env=ENV["bearer"])
        again = run_gate_in_process(out, "--baseline=last", base_url=url, env=ENV["bearer"])
    assert first.returncode == 1 and again.returncode == 0
    assert again.summary["since_baseline"]["fixed"]  # the strict violations, named by masked member names, are gone
    texts = {"known file": known_file.read_text(encoding="utf-8"), "console": again.output, "report": report_page(again)}
    texts |= {path.name: path.read_text(encoding="utf-8") for path in (out / "history").iterdir()}
    forbidden = set(slices(secret_forms(BEARER), BEARER.token))
    assert sorted({f"{where}: {piece!r}" for where, text in texts.items() for piece in forbidden if piece in text}) == []
    assert "***REDACTED***" in texts["known file"]
