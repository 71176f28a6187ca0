"""The named checks, one exchange at a time."""

import json

import pytest

from contracts.core.exchange import Exchange
from contracts.judging.checks import (
    Answer,
    Expectation,
    content_type_is_json,
    drift,
    only_documented_fields,
    run_checks,
    status_is_expected,
)
from contracts.transport.server import SAMPLE_ORGANIZATION


def exchange(status=200, body=SAMPLE_ORGANIZATION, content_type="application/json", reason="OK") -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return Exchange("GET", "http://127.0.0.1/account/organization", {}, status, reason, headers, raw, 0.01)


def paths(violations):
    return [v.path for v in violations]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json"]
)
def test_json_content_types_are_accepted(content_type):
    assert content_type_is_json(Answer(exchange(content_type=content_type)), Expectation(200)) == []


@pytest.mark.parametrize(
    "content_type, got", [("text/html", '"text/html"'), ("text/json", '"text/json"'), (None, "no Content-Type header")]
)
def test_other_content_types_are_violations(content_type, got):
    (violation,) = content_type_is_json(Answer(exchange(content_type=content_type)), Expectation(200))
    assert violation.path == "header Content-Type" and violation.got == got


@pytest.mark.parametrize("status", [401, 500, 404])
def test_statuses_without_documented_body_judge_no_body(status):
    html = exchange(status=status, body=b"<html>gateway</html>", content_type="text/html")
    assert run_checks(html, Expectation(status)) == []


def test_wrong_status_is_named_with_reason():
    (violation,) = status_is_expected(Answer(exchange(status=403, reason="Forbidden", body=b"", content_type=None)), Expectation(401))
    assert str(violation) == "HTTP status: expected 401, got 403 Forbidden"


def test_a_response_is_judged_for_its_own_status():
    """A 400 answered where 200 was expected is also held to the envelope shape."""
    found = run_checks(exchange(status=400, body={"message": "bad"}, reason="Bad Request"), Expectation(200))
    assert paths(found) == ["HTTP status", "$.error", "$.trackingId"]


def test_all_violations_are_collected():
    body = dict(SAMPLE_ORGANIZATION, costCap="1", allowOverage=None)
    found = run_checks(exchange(body=body, content_type="text/plain"), Expectation(200))
    assert paths(found) == ["header Content-Type", "$.allowOverage", "$.costCap"]


def test_drift_is_not_a_violation_unless_strict():
    extra = exchange(body=dict(SAMPLE_ORGANIZATION, plan="pro"))
    assert drift(extra) == ["$.plan"]
    assert run_checks(extra, Expectation(200)) == []
    assert paths(only_documented_fields(Answer(extra), Expectation(200, frozenset({"organization"})))) == ["$.plan"]
    assert only_documented_fields(Answer(extra), Expectation(200, frozenset({"error"}))) == []


def test_a_non_standard_token_is_named_by_its_member():
    (violation,) = run_checks(exchange(body=b'{"costCap": NaN}'), Expectation(200))
    assert str(violation) == "$.costCap: expected standard JSON (RFC 8259), got the non-standard token NaN"
