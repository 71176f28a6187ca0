"""Strict parsing and the violation messages QA reads."""

import pytest

from contracts.server import SAMPLE_ORGANIZATION
from contracts.validation import NotJSON, parse_json, undocumented_fields, validate


@pytest.mark.parametrize(
    "raw, got",
    [
        (b"", "an empty body"),
        (b"  \n", "an empty body"),
        (b"NaN", "the non-standard token NaN"),
        (b'{"costCap": Infinity}', "the non-standard token Infinity"),
        (b'{"costCap": -Infinity}', "the non-standard token -Infinity"),
        (b'{"organizationId": "o', "a truncated JSON document"),
        (b"<html>Bad Gateway</html>", "invalid JSON"),
        (b"\xff\xfe", "undecodable bytes"),
    ],
)
def test_non_json_bodies_are_violations_not_crashes(raw, got):
    with pytest.raises(NotJSON) as refused:
        parse_json(raw)
    assert refused.value.violation.path == "$" and got in refused.value.violation.got


def test_large_and_fractional_numbers_are_json():
    assert parse_json(b'{"a": 1e400, "b": 12345678901234567890123, "c": 0.5}')["b"] == 12345678901234567890123


def test_sample_organization_is_valid():
    assert validate("organization", SAMPLE_ORGANIZATION) == []


def messages(kind, instance):
    return [str(v) for v in validate(kind, instance)]


def test_every_violation_is_listed_with_path_expectation_and_value():
    body = dict(SAMPLE_ORGANIZATION, anniversaryDate="2026/12/01", messagesCap=True, organizationType="Paid")
    del body["creator"]
    assert sorted(messages("organization", body)) == sorted(
        [
            "$.creator: expected required field, got nothing (field missing)",
            '$.anniversaryDate: expected ISO date YYYY-MM-DD that exists on the calendar, got "2026/12/01" (string)',
            "$.messagesCap: expected number, got true (boolean)",
            '$.organizationType: expected one of "free", "paid", got "Paid" (string)',
        ]
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("anniversaryDate", "2026-02-30"),
        ("anniversaryDate", "2025-02-29"),
        ("anniversaryDate", "20261201"),
        ("anniversaryDate", "2026-12-01T00:00:00Z"),
        ("anniversaryDate", "2026-12-01\n"),
        ("createdAt", "2026-01-01"),
        ("createdAt", "2026-01-01T10:00:00"),
        ("updatedAt", "yesterday"),
        ("costCap", "1"),
        ("costCap", None),
        ("smsCap", False),
        ("allowOverage", "false"),
        ("allowOverage", 0),
        ("name", 5),
        ("organizationType", "FREE"),
        ("organizationType", None),
    ],
)
def test_single_corruptions_are_reported_at_their_path(field, value):
    found = validate("organization", dict(SAMPLE_ORGANIZATION, **{field: value}))
    assert [v.path for v in found] == [f"$.{field}"]


@pytest.mark.parametrize(
    "field, value",
    [("anniversaryDate", "2024-02-29"), ("createdAt", "2026-01-31T09:30:00.123456-05:30"), ("messagesCap", 1.5), ("costCap", 10**30)],
)
def test_conforming_values_pass(field, value):
    assert validate("organization", dict(SAMPLE_ORGANIZATION, **{field: value})) == []


def test_optional_fields_may_be_absent():
    body = {k: v for k, v in SAMPLE_ORGANIZATION.items() if k not in ("smsCap", "callCap")}
    assert validate("organization", body) == []


@pytest.mark.parametrize(
    "body, path",
    [
        ({"error": {"code": "x", "message": "m"}}, "$.trackingId"),
        ({"trackingId": "t", "error": "boom"}, "$.error"),
        ({"trackingId": "t", "code": "x", "message": "m"}, "$.error"),
        ({"trackingId": "t", "error": {"message": "m"}}, "$.error.code"),
        ({"trackingId": "t", "error": {"code": 402, "message": "m"}}, "$.error.code"),
        ({"trackingId": "t", "error": {"code": "x", "message": "m", "providerCode": 90010}}, "$.error.providerCode"),
    ],
)
def test_envelope_defects_are_reported_at_their_path(body, path):
    assert path in [v.path for v in validate("error", body)]


def test_undocumented_fields_are_found_at_every_level():
    envelope = {"trackingId": "t", "error": {"code": "x", "message": "m", "details": []}, "requestId": "r"}
    assert undocumented_fields("error", envelope) == ["$.error.details", "$.requestId"]
    assert undocumented_fields("organization", dict(SAMPLE_ORGANIZATION, **{"plan tier": 1})) == ["$['plan tier']"]
