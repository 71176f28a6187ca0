"""Strict parsing and the violation messages QA reads."""

from __future__ import annotations

import inspect
import json
import sys

import pytest

from contracts.judging.validation import MAX_CONTAINERS, MAX_NESTING, NotJSON, parse_json, undocumented_fields, validate
from contracts.transport.server import SAMPLE_ORGANIZATION


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


def test_large_small_and_fractional_numbers_within_double_range_are_json():
    document = parse_json(b'{"a": 1e308, "b": 123456789012345678901234567890, "c": 0.5, "d": 1e-400, "e": -1.7976931348623157e308}')
    assert document == {"a": 1e308, "b": 123456789012345678901234567890, "c": 0.5, "d": 0.0, "e": -1.7976931348623157e308}
    assert parse_json("[" + "9" * 308 + "]") == [int("9" * 308)]  # 309 digits and below may still fit


@pytest.mark.parametrize(
    "number, shown",
    [
        ("1e400", "1e400"),
        ("1e999999", "1e999999"),
        ("-1.5E+400", "-1.5E+400"),
        ("1.7976931348623159e308", "1.7976931348623159e308"),  # rounds to infinity
        ("9" * 309, "999999999999999999999999… (309 characters)"),
        ("-" + "1" * 400, "-11111111111111111111111… (401 characters)"),
        ("7" * 5000, "777777777777777777777777… (5000 characters)"),  # beyond int()'s own 4,300-digit limit too
    ],
)
def test_numbers_beyond_double_range_are_violations_with_the_raw_text(number, shown):
    with pytest.raises(NotJSON) as refused:
        parse_json(f'{{"costCap": 1, "nested": {{"callCap": [0, {number}]}}}}')
    assert [str(v) for v in refused.value.violations] == [
        f"$.nested.callCap[1]: expected a number within IEEE-754 double range, got {shown}"
    ]


def test_duplicate_member_names_are_violations_at_their_path():
    raw = '{"organizationType": "enterprise", "plan": [{"seat": 1, "seat": 2, "seat": 3}], "organizationType": "free", "x y": 1, "x y": 1}'
    with pytest.raises(NotJSON) as refused:
        parse_json(raw)
    assert [str(v) for v in refused.value.violations] == [
        '$.organizationType: expected a member name used once per object, got "organizationType" twice',
        "$['x y']: expected a member name used once per object, got \"x y\" twice",
        '$.plan[0].seat: expected a member name used once per object, got "seat" 3 times',
    ]


def test_every_kind_of_ambiguity_is_listed_not_only_the_first():
    with pytest.raises(NotJSON) as refused:
        parse_json('{"smsCap": NaN, "callCap": 1e400, "a": {"b": 1, "b": 2}}')
    assert [v.path for v in refused.value.violations] == ["$.smsCap", "$.callCap", "$.a.b"]


def test_a_lone_surrogate_is_a_string_judged_like_any_other_and_shown_escaped():
    body = dict(SAMPLE_ORGANIZATION, name="Acme \ud800", messagesCap="\udfff")
    document = parse_json(json.dumps(body))
    assert document["name"] == "Acme \ud800"
    assert messages("organization", document) == ['$.messagesCap: expected number, got "\\udfff" (string)']
    assert messages("organization", document)[0].encode("utf-8")  # never a UnicodeEncodeError downstream


def nested(levels: int, innermost: str = "1") -> str:
    return '{"extra": ' + "[" * (levels - 1) + innermost + "]" * (levels - 1) + "}"


def test_nesting_beyond_the_limit_is_a_violation_naming_where_it_starts():
    assert parse_json(nested(MAX_NESTING))  # the top-level object counts as one level
    with pytest.raises(NotJSON) as refused:
        parse_json(nested(MAX_NESTING + 1))
    (violation,) = refused.value.violations
    assert str(violation) == "$.extra[0][0][0][0][0][0][0]…: expected nesting at most 128 levels deep, got deeper"


def test_brackets_inside_strings_are_not_nesting():
    document = {"name": "[{" * 400 + '\\"[', "region": ["]}" * 400]}
    assert parse_json(json.dumps(document)) == document


def call_from_deep_in_the_stack(depth: int, function, *args):
    return function(*args) if depth == 0 else call_from_deep_in_the_stack(depth - 1, function, *args)


def test_the_nesting_verdict_does_not_depend_on_the_callers_stack():
    deep = sys.getrecursionlimit() - 60 - len(inspect.stack(0))  # a few frames short of the limit
    assert call_from_deep_in_the_stack(deep, parse_json, nested(MAX_NESTING)) == parse_json(nested(MAX_NESTING))
    for where in (0, deep):
        with pytest.raises(NotJSON) as refused:
            call_from_deep_in_the_stack(where, parse_json, nested(MAX_NESTING + 1))
        assert refused.value.violations[0].expected == "nesting at most 128 levels deep"


def test_too_many_objects_and_arrays_are_one_violation():
    assert len(parse_json("[" + ",".join(["[]"] * (MAX_CONTAINERS - 1)) + "]")) == MAX_CONTAINERS - 1
    with pytest.raises(NotJSON) as refused:
        parse_json("[" + ",".join(["{}"] * MAX_CONTAINERS) + "]")
    assert [str(v) for v in refused.value.violations] == ["$: expected at most 100,000 objects and arrays in one body, got 100,001"]


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
