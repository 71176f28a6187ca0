"""Judging and counting under load, without Locust: verdicts per status, bounds, merging, redaction, the HTML summary."""

from __future__ import annotations

import json

from contracts.core import exits
from contracts.core.redaction import MASK, Redactor
from contracts.core.violations import Violation
from contracts.load.report import load_record, load_report_html
from contracts.load.tally import BODY_EXCERPT, EXAMPLES_PER_STATUS, OTHER_PATHS, PATHS_PER_STATUS, LoadTally, failure_name, judged
from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers.support import TOKEN

JSON = "application/json"
REDACT = Redactor([TOKEN])


def body(**changes: object) -> bytes:
    return json.dumps({**SAMPLE_ORGANIZATION, **changes}).encode()


def test_each_response_is_judged_for_its_own_status():
    assert judged(200, JSON, body()).violations == ()
    assert judged(401, "text/html", b"<html>nope</html>").violations == ()  # no body documented: any body
    assert [v.path for v in judged(200, JSON, body(messagesCap=True)).violations] == ["$.messagesCap"]
    assert [v.path for v in judged(402, "text/plain", b"over").violations] == ["header Content-Type", "$"]


def test_an_undocumented_status_is_a_violation_whatever_its_body():
    (violation,) = judged(503, JSON, b"{}").violations
    assert str(violation) == "HTTP status: expected a status the reference documents (200, 400, 401, 402, 500, 502), got 503"


def test_undocumented_fields_are_violations_only_in_strict_mode():
    extra = body(region="eu")
    assert judged(200, JSON, extra).violations == ()
    assert [v.path for v in judged(200, JSON, extra, frozenset({"organization"})).violations] == ["$.region"]


def test_failure_names_give_status_and_paths_bounded_and_redacted():
    violations = tuple(Violation(f"$.f{i}", "x", "y") for i in range(5))
    assert failure_name(200, violations[:1], REDACT) == "200 $.f0"
    assert failure_name(200, violations, REDACT) == "200 $.f0, $.f1, $.f2 and 2 more"
    assert failure_name(200, (Violation(f"$['{TOKEN}']", "x", "y"),), REDACT) == f"200 $['{MASK}']"


def test_distinct_paths_per_status_are_bounded():
    tally = LoadTally()
    for i in range(PATHS_PER_STATUS + 10):
        tally.observe(200, (Violation(f"$.f{i}", "x", "y"),), JSON, b"{}", REDACT)
    paths = tally.statuses[200].paths
    assert len(paths) == PATHS_PER_STATUS + 1 and paths[OTHER_PATHS] == 10


def test_examples_are_the_first_distinct_breakages_redacted_before_they_are_cut():
    tally = LoadTally()
    echoed = b"x" * (BODY_EXCERPT - 5) + TOKEN.encode()  # the secret straddles the cut
    for i in range(10):
        tally.observe(200, (Violation("$.name", "string", str(i % 5)),), JSON, echoed, REDACT)
    examples = tally.statuses[200].examples
    assert len(examples) == EXAMPLES_PER_STATUS and [e["violations"] for e in examples] == [
        ["$.name: expected string, got 0"],
        ["$.name: expected string, got 1"],
        ["$.name: expected string, got 2"],
    ]
    assert TOKEN[:5] not in examples[0]["body"]


def test_merging_worker_snapshots_adds_counts_and_keeps_examples_bounded():
    worker = LoadTally()
    worker.observe(200, (), JSON, body(), REDACT)
    worker.observe(200, (Violation("$.messagesCap", "number", "true"),), JSON, body(messagesCap=True), REDACT)
    worker.observe(503, (Violation("HTTP status", "documented", "503"),), "text/html", b"down", REDACT)
    worker.unanswered("no complete answer within 1s", REDACT)
    total = LoadTally()
    for _ in range(3):
        total.merge(json.loads(json.dumps(worker.snapshot())))  # as Locust's messages carry it
    assert (total.responses, total.violating) == (9, 6)
    assert total.statuses[200].paths == {"$.messagesCap": 3} and len(total.statuses[200].examples) == 1
    assert total.no_answer == {"no complete answer within 1s": 3}


def test_summary_and_html_report_escape_what_the_target_sent():
    tally = LoadTally()
    tally.observe(503, (Violation("HTTP status", "documented", "503"),), "text/html", b"<script>alert(1)</script>", REDACT)
    record = load_record(tally, target="http://127.0.0.1:1", started=0.0, workers=2, missing_reports=[])
    assert record.load["verdict"] == "violated" and record.load["statuses"]["503"]["documented"] is False
    assert record.exit_status == exits.VIOLATED
    page = load_report_html(record)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "distributed, 2 workers" in page
    assert 'class="verdict"' in page and "FAILED" in page  # the gate's banner, first


def test_nothing_judged_is_not_honoured():
    record = load_record(LoadTally(), target="", started=0.0, workers=0, missing_reports=[])
    assert record.load["verdict"] == "nothing judged" and record.exit_status == exits.NO_CHECK_RAN
    assert record.coverage()[200].coverage == "not seen"
