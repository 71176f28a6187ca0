"""The fast path (typed decoding) only ever confirms what the strict path would say: identical verdicts, violations
and documents through `check_document` and `judge_answer`, and where it spares the strict path work (`read`,
`failing_members`), identical violations too."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from contracts.core.exchange import Exchange
from contracts.judging import checks, typed_decoding
from contracts.judging.checks import Expectation, drift, judge_answer, run_checks
from contracts.judging.generate import corruption_targets, corruptions, valid_payloads
from contracts.judging.validation import NotJSON, check_document, parse_json, validate, violations_of
from contracts.transport.server import SAMPLE_ORGANIZATION, envelope

KINDS = ("organization", "error")
SAMPLES = {"organization": SAMPLE_ORGANIZATION, "error": envelope(402)}


def examples(strategy: st.SearchStrategy, count: int) -> list:
    """`count` examples of a strategy, the same on every run."""
    drawn: list = []

    @settings(
        max_examples=count, derandomize=True, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(example: object) -> None:
        drawn.append(example)

    collect()
    return drawn


def with_member(kind: str, text: str) -> str:
    """The sample body of `kind` as JSON text with `text` (one or more raw members) added at its end."""
    body = json.dumps(SAMPLES[kind])
    return body[:-1] + ", " + text + "}"


def replaced(field: str, raw_value: str) -> str:
    """The sample organization with one member's value written as raw JSON text."""
    body = {k: v for k, v in SAMPLE_ORGANIZATION.items() if k != field}
    return with_member_of(body, f'"{field}": {raw_value}')


def with_member_of(body: dict, text: str) -> str:
    return json.dumps(body)[:-1] + ", " + text + "}"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# Bodies where an engine of the fast path reads JSON or a format differently from the strict path.
EDGE_CASES: dict[str, tuple[str, bytes | str]] = {
    "sample organization": ("organization", json.dumps(SAMPLE_ORGANIZATION)),
    "sample envelope": ("error", json.dumps(envelope(402))),
    "sample as text, not bytes": ("organization", json.dumps(SAMPLE_ORGANIZATION, ensure_ascii=False)),
    "duplicate name, both valid": ("organization", with_member("organization", '"name": "other"')),
    "duplicate name, last invalid": ("organization", with_member("organization", '"name": 5')),
    "duplicate name, first invalid": ("organization", replaced("name", '5, "name": "n"')),
    "duplicate name nested": ("error", json.dumps(envelope(402))[:-2] + ', "code": 7}}'),
    "duplicate name beside an escaped colon": ("organization", with_member("organization", '"x": "\\u003a", "name": "b"')),
    "duplicate undocumented name": ("organization", with_member("organization", '"extra": 1, "extra": 2')),
    "1e400": ("organization", replaced("messagesCap", "1e400")),
    "-1e400": ("organization", replaced("messagesCap", "-1e400")),
    "1.5E+400": ("organization", replaced("costCap", "1.5E+400")),
    "400-digit integer": ("organization", replaced("costCap", "1" + "0" * 399)),
    "400-digit integer, undocumented": ("organization", with_member("organization", '"big": ' + "9" * 400)),
    "30-digit integer": ("organization", replaced("costCap", "1" + "0" * 29)),
    "2**64": ("organization", replaced("costCap", str(2**64))),
    "-(2**63) - 1": ("organization", replaced("costCap", str(-(2**63) - 1))),
    "1e308": ("organization", replaced("costCap", "1e308")),
    "-0.0": ("organization", replaced("costCap", "-0.0")),
    "lone surrogate value": ("organization", replaced("name", '"\\ud800"')),
    "lone surrogate name": ("organization", with_member("organization", '"\\udc00": 1')),
    "lone surrogate date": ("organization", replaced("anniversaryDate", '"\\ud800"')),
    "surrogate pair": ("organization", replaced("name", '"\\ud83d\\ude00"')),
    "surrogate bytes in UTF-8": ("organization", replaced("name", '"x"').encode().replace(b'"x"', b'"\xed\xa0\x80"')),
    "nesting 127": ("organization", with_member("organization", f'"deep": {nested(127)}')),
    "nesting 129": ("organization", with_member("organization", f'"deep": {nested(129)}')),
    "nesting 2000": ("organization", with_member("organization", f'"deep": {nested(2000)}')),
    "100,001 arrays": ("organization", with_member("organization", '"many": [' + ",".join(["[]"] * 100_001) + "]")),
    "year 0000 date": ("organization", replaced("anniversaryDate", '"0000-01-01"')),
    "year 0000 date-time": ("organization", replaced("createdAt", '"0000-01-01T00:00:00Z"')),
    "year 0001": ("organization", replaced("anniversaryDate", '"0001-01-01"')),
    "year 0000 escaped": ("organization", replaced("anniversaryDate", '"\\u0030000-01-01"')),
    "year 0000 beside a wrong type": (
        "organization",
        with_member_of(
            {k: v for k, v in SAMPLE_ORGANIZATION.items() if k not in ("anniversaryDate", "costCap")},
            '"anniversaryDate": "0000-01-01", "costCap": "12"',
        ),
    ),
    "a wrong type and a missing member": (
        "organization",
        with_member_of({k: v for k, v in SAMPLE_ORGANIZATION.items() if k != "name"}, '"costCap": "12"'),
    ),
    "duplicate name, blank before its colon": ("organization", with_member("organization", '"name" : 5')),
    "duplicate name, tab before its colon": ("organization", with_member("organization", '"name"\t:"n"')),
    "duplicate name, compact": ("organization", json.dumps(SAMPLE_ORGANIZATION, separators=(",", ":"))[:-1] + ',"name":5}'),
    "duplicate name after an escaped quote": ("organization", with_member("organization", '"x": "a\\"", "name": 5')),
    "duplicate name after an escaped quote and colon": ("organization", with_member("organization", '"x": "a\\":", "name": 5')),
    "escaped quote and colon, no duplicate": ("organization", with_member("organization", '"x": "a\\": b"')),
    "just beyond the largest double": ("organization", replaced("costCap", "1.7976931348623159e308")),
    "a string value starting with a colon": ("organization", with_member("organization", '"x": ":", "name": 5')),
    "leap second UTC": ("organization", replaced("createdAt", '"2016-12-31T23:59:60Z"')),
    "leap second with offset": ("organization", replaced("updatedAt", '"2016-12-31T18:59:60.5-05:00"')),
    "misplaced leap second": ("organization", replaced("createdAt", '"2016-12-31T12:00:60Z"')),
    "date-time ending in a newline": ("organization", replaced("createdAt", '"2026-01-31T09:30:00Z\\n"')),
    "date ending in a newline": ("organization", replaced("anniversaryDate", '"2026-12-01\\n"')),
    "NaN": ("organization", replaced("costCap", "NaN")),
    "Infinity": ("organization", replaced("costCap", "Infinity")),
    "BOM": ("organization", b"\xef\xbb\xbf" + json.dumps(SAMPLE_ORGANIZATION).encode()),
    "empty": ("organization", b""),
    "whitespace only": ("organization", b" \n"),
    "form feed": ("organization", "\f" + json.dumps(SAMPLE_ORGANIZATION)),
    "truncated": ("organization", json.dumps(SAMPLE_ORGANIZATION)[:-1]),
    "trailing comma": ("organization", json.dumps(SAMPLE_ORGANIZATION)[:-1] + ",}"),
    "control character in a string": ("organization", replaced("name", '"a\x01b"')),
    "NUL escaped": ("organization", replaced("name", '"a\\u0000b"')),
    "Latin-1 bytes": ("organization", replaced("name", '"x"').encode().replace(b'"x"', b'"\xe9"')),
    "array": ("organization", "[" + json.dumps(SAMPLE_ORGANIZATION) + "]"),
    "string": ("organization", '"hello"'),
    "null": ("error", "null"),
}


def canonical(document: object) -> str:
    """Tells 1 from 1.0 and -0.0 from 0.0, as a client would see them."""
    return json.dumps(document, ensure_ascii=True)


def both_paths(kind: str, raw: bytes | str) -> tuple[tuple[str, list], tuple[str, list]]:
    with typed_decoding.switched_off():
        strict_document, strict_violations = check_document(kind, raw)
    document, violations = check_document(kind, raw)
    assert violations_of(kind, raw) == violations
    return (canonical(strict_document), strict_violations), (canonical(document), violations)


@pytest.fixture(autouse=True)
def fresh_engine():
    """Every test starts with nothing learned and nothing cached."""
    typed_decoding.forget()
    yield
    typed_decoding.forget()


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_cases_get_the_strict_verdict(name):
    kind, raw = EDGE_CASES[name]
    strict, fast = both_paths(kind, raw)
    assert fast == strict
    assert both_paths(kind, raw) == (strict, strict)  # the second time from the cache, or with its members learned


@pytest.mark.parametrize(
    "name",
    [
        "duplicate name, both valid",
        "duplicate undocumented name",
        "duplicate name beside an escaped colon",
        "1e400",
        "400-digit integer",
        "400-digit integer, undocumented",
        "lone surrogate value",
        "nesting 129",
        "100,001 arrays",
        "year 0000 date",
        "year 0000 date-time",
        "year 0000 escaped",
        "1.5E+400",
        "duplicate name, blank before its colon",
        "duplicate name, tab before its colon",
        "duplicate name, compact",
        "duplicate name after an escaped quote",
    ],
)
def test_the_fast_path_leaves_what_msgspec_reads_differently_to_the_strict_path(name):
    kind, raw = EDGE_CASES[name]
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    assert typed_decoding.confirm(kind, data) is None
    if not name.startswith("year 0000"):  # read alike, and invalid: the rest is read differently
        assert typed_decoding.read(data) is typed_decoding.UNREAD


@pytest.mark.parametrize("name", ["sample organization", "sample envelope", "30-digit integer", "2**64", "-0.0", "1e308", "surrogate pair"])
def test_the_fast_path_confirms_valid_bodies(name):
    kind, raw = EDGE_CASES[name]
    assert typed_decoding.confirm(kind, raw.encode() if isinstance(raw, str) else raw) is not None


@pytest.mark.parametrize("kind", KINDS)
def test_generated_valid_payloads_get_identical_verdicts_and_documents(kind):
    payloads = examples(valid_payloads(kind), 150)
    confirmed = 0
    for payload in payloads:
        for raw in (json.dumps(payload), json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")):
            strict, fast = both_paths(kind, raw)
            assert fast == strict, raw
            confirmed += typed_decoding.confirm(kind, raw if isinstance(raw, bytes) else raw.encode()) is not None
        assert validate(kind, payload) == []
    # Leap seconds (most generated timestamps), lone surrogates and unlearnable names go the strict way.
    assert confirmed >= len(payloads) // 3, "the fast path confirmed too few valid payloads to have been tested"


@pytest.mark.parametrize("kind", KINDS)
def test_every_corruption_target_gets_identical_violations(kind):
    for target in corruption_targets(kind):
        for corruption in examples(corruptions(kind, target), 3):
            strict, fast = both_paths(kind, corruption.document)
            assert fast == strict, corruption
            assert strict[1], corruption  # the corpus really is broken
            try:
                document = parse_json(corruption.document)
            except NotJSON:
                continue
            text = corruption.document.encode("utf-8", "surrogatepass")
            assert validate(kind, document, text=text) == validate(kind, document), corruption  # members named: the same


def test_switched_off_really_bypasses_the_fast_path():
    raw = json.dumps(SAMPLE_ORGANIZATION).encode()
    broken = json.dumps({**SAMPLE_ORGANIZATION, "costCap": "12"}).encode()
    with typed_decoding.switched_off():
        assert typed_decoding.confirm("organization", raw) is None
        assert typed_decoding.read(raw) is typed_decoding.UNREAD
        assert typed_decoding.failing_members("organization", broken) is None
    assert typed_decoding.confirm("organization", raw) is not None
    assert typed_decoding.read(raw) == SAMPLE_ORGANIZATION
    assert typed_decoding.failing_members("organization", broken) == {"costCap"}


def full_checks(status: int, content_type: str, body: bytes, strict_fields: frozenset[str]) -> tuple[tuple, tuple]:
    """What the gate's checks say about a whole answer, every body judged by the strict path alone."""
    exchange = Exchange("GET", "", {}, status, "", {"Content-Type": content_type} if content_type else {}, body, 0.0)
    with typed_decoding.switched_off():
        return tuple(run_checks(exchange, Expectation(None, strict_fields))), tuple(drift(exchange))


def test_judging_a_whole_answer_says_what_the_full_checks_say():
    """`judge_answer` (replay, load) skips the checks' machinery where it can: never with another verdict."""
    bodies = [raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass") for _, raw in EDGE_CASES.values()]
    for kind in KINDS:
        bodies += [json.dumps(payload).encode() for payload in examples(valid_payloads(kind), 40)]
        bodies += [json.dumps({**payload, "extra": {"deep": 1}}).encode() for payload in examples(valid_payloads(kind), 10)]
        bodies += [c.document.encode() for target in corruption_targets(kind) for c in examples(corruptions(kind, target), 1)]
    judged = 0
    for body in bodies:
        for status in (200, 402, 401, 503):
            for content_type in ("application/json", "application/problem+json; charset=utf-8", "text/html", ""):
                for strict in (frozenset(), frozenset({"organization", "error"})):
                    checks._checked_cached.cache_clear()
                    full = full_checks(status, content_type, body, strict)
                    assert judge_answer(status, content_type, body, strict) == full, body
                    violations, unordered = judge_answer(status, content_type, body, strict, drift_in_order=False)
                    assert violations == full[0] and sorted(unordered) == sorted(full[1]), body
                    assert judge_answer(status, content_type, body, strict, with_drift=False).violations == full[0], body
                    judged += 1
    assert judged > 1000
