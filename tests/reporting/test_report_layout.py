"""report.html as QA meets it: verdict, target, time and per-status table first; the target checks next; the offline
property tests folded; each failure once; skips in words; junit.xml lean."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from html.parser import HTMLParser

import pytest

from contracts.core import exits
from contracts.core.credentials import Credentials
from contracts.reporting.html import banner_html
from contracts.reporting.page import FoldedTests
from contracts.reporting.record import RunRecord
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp
from tests.helpers.staging import StagingApp
from tests.helpers.support import TOKEN, GateRun, run_gate

# Target checks (200 and 401) and 56 offline property tests (the envelope's), against the embedded server.
MIXED_RUN = (
    "-m",
    "status or client_validation",
    "-k",
    "matches_contract or test_auth or valid_error_envelopes or corrupt_envelope_refused",
)


class Landmarks(HTMLParser):
    """Where each element of interest starts, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.in_template = 0  # pytest-html's row templates are not rows

    def handle_endtag(self, tag: str) -> None:
        self.in_template -= tag == "template"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_template += tag == "template"
        if self.in_template:
            return
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        for name in ("verdict", "per-status", "results-table-row"):
            if name in classes:
                self.order.append(name)
        if found.get("id") in ("results-table", "offline-tests", "environment"):
            self.order.append(str(found["id"]))
        if tag == "time":
            self.order.append("time")


def landmarks(page: str) -> Landmarks:
    parser = Landmarks()
    parser.feed(page)
    return parser


def blob(page: str) -> dict:
    found = re.search(r'data-jsonblob="([^"]*)"', page)
    assert found
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> GateRun:
    return run_gate(tmp_path_factory.mktemp("mixed"), *MIXED_RUN, env={})


def test_the_report_opens_with_verdict_target_time_and_status_table(mixed_run):
    assert mixed_run.returncode == exits.HONOURED, mixed_run.output
    page = mixed_run.artifacts()["report.html"]
    order = [name for name in landmarks(page).order if name in ("verdict", "time", "per-status", "results-table")]
    assert order == ["verdict", "time", "per-status", "results-table"], order  # as written; the browser test checks as shown
    assert '<b style="font-size:20px">PASSED</b> &mdash; exit 0: the contract is honoured' in page
    assert re.search(r"<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</time>", page)
    assert page.index("Target: embedded reference server") < page.index('class="per-status"')
    assert "<th>Links</th>" not in page and "col-links" not in json.dumps(blob(page)["tests"])


def test_offline_property_tests_are_one_collapsed_group_after_the_target_checks(mixed_run):
    page = mixed_run.artifacts()["report.html"]
    rows = {test_id.split("::")[-1] for test_id in blob(page)["tests"]}
    assert rows == {"test_organization_matches_contract", "test_missing_credentials_are_refused", "test_wrong_credentials_are_refused"}
    group = re.search(r"<details id=\"offline-tests\"><summary>([^<]*)</summary>", page)
    assert group and group.group(1) == "Offline client-validation property tests: 56 (56 passed)"
    assert page.count("test_corrupt_envelope_refused[") == 55  # listed by name inside the group


def test_junit_carries_no_hypothesis_statistics(mixed_run):
    junit = (mixed_run.out_dir / "junit.xml").read_text(encoding="utf-8")
    assert "hypothesis-statistics" not in junit and junit.count("<testcase") == 59
    assert len(junit.encode()) < 59 * 300  # a few hundred bytes a test case, nothing global


def test_a_failure_is_shown_once_with_its_exchange(gate, serve):
    broken = ReferenceApp(Credentials.bearer(TOKEN), organization=dict(SAMPLE_ORGANIZATION, messagesCap=True))
    run = gate(serve(broken))
    assert run.returncode == exits.VIOLATED
    page = run.artifacts()["report.html"]
    assert '<b style="font-size:20px">FAILED</b> &mdash; exit 1: the contract is violated' in page
    (failed,) = [entry for runs in blob(page)["tests"].values() for entry in runs if entry["result"] == "Failed"]
    assert failed["log"] == ""  # no grey box repeating what the extras show
    shown = "".join(extra["content"] for extra in failed["extras"])
    assert shown.count("$.messagesCap: expected number, got true (boolean)") == 1 and "<b>Request</b>" in shown
    # In the body, the member that broke the contract is marked, and only it.
    assert re.findall(r"<mark>(.*?)</mark>", shown) == ["  &quot;messagesCap&quot;: true,"]


def test_a_first_run_shows_one_line_of_history_and_the_runs_own_count(gate, reference_url):
    page = gate(reference_url).artifacts()["report.html"]
    assert "History: the first run against this target" in page and "<svg" not in page.split('id="results-table"')[0]
    count = re.search(r'<p id="contract-run-count" hidden>(.*?)</p>', page)
    assert count is not None and count.group(1).startswith("7 tests in ")  # not pytest-html's rows-left count


def test_a_skip_says_why_in_words(gate, serve):
    run = gate(serve(StagingApp(Credentials.bearer(TOKEN))))
    assert run.returncode == exits.HONOURED, run.output
    page = run.artifacts()["report.html"]
    skipped = [entry for runs in blob(page)["tests"].values() for entry in runs if entry["result"] == "Skipped"]
    assert len(skipped) == 4
    for entry in skipped:
        shown = "".join(extra["content"] for extra in entry["extras"])
        assert entry["log"] == "" and "('" not in shown, shown
        assert "<p><b>Skipped:</b> target answered 200 to &#x27;Prefer: code=" in shown
        assert "Judged as a 200 answer: meets the contract." in shown and "<p>Meets the contract.</p>" not in shown


@pytest.mark.parametrize(
    "code, word, meaning",
    [
        (0, "PASSED", "exit 0: the contract is honoured"),
        (1, "FAILED", "exit 1: the contract is violated"),
        (2, "INTERRUPTED", "exit 2: interrupted"),
        (5, "NOT VERIFIED", "exit 5: no check ran"),
        (6, "NOT VERIFIED", "exit 6: nothing failed, but a required status was not verified"),
        (75, "NOT VERIFIED", "exit 75: the target gave no HTTP answer"),
        (None, "NOT VERIFIED", "the run did not finish"),
    ],
)
def test_the_banner_says_the_verdict_and_what_the_exit_code_means(code, word, meaning):
    banner = banner_html(RunRecord(started=0, exit_status=code))
    assert f'<b style="font-size:20px">{word}</b> &mdash; {meaning}' in banner
    assert ("not-verified" in banner) == (word == "NOT VERIFIED")


def test_property_tests_that_did_not_pass_are_counted_in_the_group_and_left_in_the_table():
    folded = FoldedTests()
    folded.add("suites/test_client_validation.py::test_a", "passed")
    group = folded.html(Counter(failed=2))
    assert "Offline client-validation property tests: 3 (2 failed, 1 passed)" in group
    assert "The 2 that did not pass are in the table above, expanded." in group and "<details " in group and " open" not in group


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (.ci/run installs it where apt-get can)")
def test_in_a_browser_the_banner_comes_before_any_test_row_and_nothing_logs_an_error(mixed_run):
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                str(chromium()),
                *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"),
                *("--disable-sync", "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"),
                "--dump-dom",
                (mixed_run.out_dir / "report.html").as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    rendered = landmarks(done.stdout)
    order = [name for name in rendered.order if name != "results-table-row"]
    assert order == ["verdict", "time", "per-status", "results-table", "offline-tests", "environment"], rendered.order
    assert rendered.order.index("verdict") < rendered.order.index("results-table-row")
    assert rendered.order.count("results-table-row") == 3
    assert "Report generated on" not in done.stdout  # one timestamp: the banner's, in UTC
    assert "CONSOLE" not in done.stderr, [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    count = re.search(r'<p class="run-count">(.*?)</p>', done.stdout)
    assert count is not None and re.fullmatch(r"59 tests in [\d.]+ s: 3 against the target, 56 offline property tests", count.group(1))


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (.ci/run installs it where apt-get can)")
def test_on_a_1280_by_800_screen_a_first_run_shows_banner_target_and_status_table_before_anything_of_pytest_html(
    gate, reference_url, tmp_path
):
    """Measured in the browser: where the verdict, the target and the per-status table end, and that pytest-html's
    filter hint and the outcomes no test had are not shown."""
    run = gate(reference_url)
    probe = tmp_path / "probe.html"
    page = (run.out_dir / "report.html").read_text(encoding="utf-8")
    measure = """<script>window.addEventListener("load", function () { setTimeout(function () {
      var bottom = function (selector) { var e = document.querySelector(selector); return e ? Math.round(e.getBoundingClientRect().bottom) : -1; };
      var shown = function (selector) { return Array.from(document.querySelectorAll(selector)).filter(function (e) { return e.offsetParent !== null; }).length; };
      document.title = JSON.stringify({verdict: bottom(".verdict"), table: bottom(".per-status"), hint: shown("p.filter"),
        zero: shown(".filters input[disabled] + span"), count: (document.querySelector(".run-count") || {}).textContent});
    }, 300); });</script>"""
    probe.write_text(page.replace("</body>", measure + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                str(chromium()),
                *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"),
                *("--disable-sync", "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,800"),
                "--virtual-time-budget=3000",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    found = re.search(r"<title[^>]*>(\{.*?\})</title>", done.stdout)
    assert found is not None, done.stdout[:2000]
    layout = json.loads(html.unescape(found.group(1)))
    assert 0 < layout["verdict"] < layout["table"] <= 800, layout  # all of it on the first screen
    assert layout["hint"] == 0 and layout["zero"] == 0, layout  # no pytest-html boilerplate shown
    assert layout["count"].startswith("7 tests in "), layout


def test_the_gate_folds_a_passed_property_test_and_keeps_a_failed_one_in_the_table():
    from types import SimpleNamespace

    from contracts.gate.outputs import GateOutputs

    run = SimpleNamespace(folded=FoldedTests(), offline_in_table=Counter())
    stand_in = SimpleNamespace(run=run)
    rows = {}
    for outcome in ("passed", "failed"):
        report = SimpleNamespace(keywords={"client_validation": 1}, when="call", outcome=outcome, nodeid=f"suites/x.py::test_{outcome}")
        cells = [f'<td class="col-result">{outcome}</td>', '<td class="col-links"></td>']
        GateOutputs.pytest_html_results_table_row(stand_in, report, cells)  # type: ignore[arg-type]
        rows[outcome] = cells
    assert rows == {"passed": [], "failed": ['<td class="col-result">failed</td>']}  # no Links cell either
    assert run.folded.names == {"suites/x.py::test_passed": "passed"} and run.offline_in_table == Counter(failed=1)
