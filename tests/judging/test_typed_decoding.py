"""The typed decoding engine only ever confirms what the strict path would say: never a body the strict path
finds a violation in, never another drift. Each guard is shown needed: without it, its own example disagrees."""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

import pytest

from contracts.core.violations import Violation
from contracts.judging import body_cache, text_guards, typed_decoding, typed_structs
from contracts.judging.generate import corruption_targets, corruptions, timestamps, valid_payloads
from contracts.judging.validation import check_document, strictly_checked, undocumented_fields
from contracts.transport.plain_lines import plain_line
from contracts.transport.server import SAMPLE_ORGANIZATION, envelope
from tests.judging.test_fast_path import EDGE_CASES, KINDS, canonical, examples, nested, replaced, with_member, with_member_of


@pytest.fixture(autouse=True)
def fresh_engine():
    """Every test starts with nothing learned and nothing cached."""
    typed_decoding.forget()
    yield
    typed_decoding.forget()


def as_bytes(raw: bytes | str) -> bytes:
    return raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")


def strict(kind: str, raw: bytes) -> tuple[list[Violation], tuple[str, ...]]:
    """The strict path's violations, and the drift of a valid body (its undocumented members, in document order)."""
    with typed_decoding.switched_off():
        document, violations = check_document(kind, raw)
    return violations, () if violations else tuple(undocumented_fields(kind, document))


def disagreement(kind: str, raw: bytes | str) -> str | None:
    """What the engine says that the strict path does not, or None: a body it declines is the strict path's to judge."""
    raw = as_bytes(raw)
    return differs(kind, raw, typed_decoding.confirm(kind, raw))


def differs(kind: str, raw: bytes, confirmed: typed_decoding.Confirmed | None) -> str | None:
    """What `confirmed`, the engine's verdict on `raw`, says that the strict path does not."""
    if confirmed is None:
        return None
    violations, drift = strict(kind, raw)
    if violations:
        return f"confirmed {raw[:120]!r}, where the strict path finds {violations[0]}"
    if confirmed.drift != drift:
        return f"drift {confirmed.drift} of {raw[:120]!r}, where the strict path finds {drift}"
    return None


def organization_text(**members: Any) -> str:
    """The sample organization as JSON text, with members replaced or added (None drops one)."""
    body = {**SAMPLE_ORGANIZATION, **members}
    return json.dumps({name: value for name, value in body.items() if value is not None})


def escaped(text: str, index: int) -> str:
    """A JSON string literal of `text` with the character at `index` written as a \\u00NN escape."""
    return '"' + text[:index] + f"\\u{ord(text[index]):04x}" + text[index + 1 :] + '"'


# What msgspec reads differently from the strict path (the issue's list, design.md's traps), and the forms near them.
TRAPS: dict[str, tuple[str, bytes | str]] = {
    "date-time, space separator": ("organization", replaced("createdAt", '"2026-01-31 09:30:00Z"')),
    "date-time, space separator and offset": ("organization", replaced("createdAt", '"2026-01-31 09:30:00.5+01:00"')),
    "date-time, offset without a colon": ("organization", replaced("updatedAt", '"2026-11-20T16:05:12.250+0100"')),
    "date-time, -0000": ("organization", replaced("updatedAt", '"2026-11-20T16:05:12-0000"')),
    "date-time, space and +0200": ("organization", replaced("updatedAt", '"2026-11-20 16:05:12+0200"')),
    "date-time, space escaped": ("organization", replaced("createdAt", '"2026-01-31\\u002009:30:00Z"')),
    "date-time, T escaped": ("organization", replaced("createdAt", '"2026-01-31\\u005409:30:00Z"')),
    "date-time, colon-less offset with escaped digits": ("organization", replaced("updatedAt", '"2026-11-20T16:05:12+\\u0030100"')),
    "date-time, colon-less offset, sign escaped": ("organization", replaced("updatedAt", '"2026-11-20T16:05:12\\u002b0100"')),
    "date-time, every character escaped": (
        "organization",
        replaced("createdAt", '"' + "".join(f"\\u{ord(c):04x}" for c in "2026-01-31T09:30:00Z") + '"'),
    ),
    "date-time, no offset": ("organization", replaced("createdAt", '"2026-01-31T09:30:00"')),
    "date-time, no offset, fraction": ("organization", replaced("createdAt", '"2026-01-31T09:30:00.123456"')),
    "date-time, lower-case t and z": ("organization", replaced("createdAt", '"2026-01-31t09:30:00z"')),
    "date-time, -00:00": ("organization", replaced("createdAt", '"2026-01-31T09:30:00-00:00"')),
    "date-time, 18 fraction digits": ("organization", replaced("createdAt", '"2026-01-31T09:30:00.123456789012345678Z"')),
    "date-time, hour 24": ("organization", replaced("createdAt", '"2026-01-31T24:00:00Z"')),
    "date-time, offset +24:00": ("organization", replaced("createdAt", '"2026-01-31T09:30:00+24:00"')),
    "date-time, seconds missing": ("organization", replaced("createdAt", '"2026-01-31T09:30Z"')),
    "date-time, hour-only offset": ("organization", replaced("createdAt", '"2026-01-31T09:30:00+02"')),
    "date-time, February 29 of a common year": ("organization", replaced("createdAt", '"2026-02-29T09:30:00Z"')),
    "date-time, year 0000 escaped": ("organization", replaced("createdAt", '"\\u0030000-01-01T00:00:00Z"')),
    "date, escaped digit": ("organization", replaced("anniversaryDate", '"2026-12-0\\u0031"')),
    "date, space inside": ("organization", replaced("anniversaryDate", '"2026-12 -01"')),
    "date, a date-time": ("organization", replaced("anniversaryDate", '"2026-12-01T00:00:00Z"')),
    "a number, integer beyond double range (309 digits)": ("organization", replaced("costCap", str(2**1024 - 2**970))),
    "a number, the largest integer within double range": ("organization", replaced("costCap", str(2**1024 - 2**970 - 1))),
    "a number, 308 nines": ("organization", replaced("costCap", "9" * 308)),
    "a number, 1e-400": ("organization", replaced("costCap", "1e-400")),
    "a number, 1.7976931348623158e308": ("organization", replaced("costCap", "1.7976931348623158e308")),
    "a number, -0": ("organization", replaced("costCap", "-0")),
    "a number, 1E+2": ("organization", replaced("costCap", "1E+2")),
    "a number, null": ("organization", replaced("smsCap", "null")),
    "a number, true": ("organization", replaced("smsCap", "true")),
    "a boolean, 0": ("organization", replaced("allowOverage", "0")),
    "an enum member escaped": ("organization", replaced("organizationType", '"p\\u0061id"')),
    "an enum member in capitals": ("organization", replaced("organizationType", '"PAID"')),
    "a name escaped": ("organization", replaced("name", '"x"').replace('"name"', '"n\\u0061me"')),
    "a name twice, once escaped": ("organization", with_member("organization", '"n\\u0061me": "y"')),
    "a name twice, blanks and a newline before the colon": ("organization", with_member("organization", '"name"\n \t:"y"')),
    "a name twice in the nested object, compact": (
        "error",
        json.dumps(envelope(402), separators=(",", ":"))[:-2] + ',"message":"again"}}',
    ),
    "unknown member holding duplicate names": ("organization", with_member("organization", '"extra": {"a": 1, "a": 2}')),
    "unknown member holding 1e400": ("organization", with_member("organization", '"extra": [1e400]')),
    "unknown member holding a 400-digit integer": ("organization", with_member("organization", '"extra": ' + "7" * 400)),
    "unknown member holding deep nesting": ("organization", with_member("organization", f'"extra": {nested(200)}')),
    "unknown member holding bad UTF-8": ("organization", as_bytes(with_member("organization", '"extra": "x"')).replace(b'"x"', b'"\xff"')),
    "unknown member holding NaN": ("organization", with_member("organization", '"extra": NaN')),
    "unknown member holding a lone surrogate": ("organization", with_member("organization", '"extra": "\\udc00"')),
    "unknown member, a number": ("organization", with_member("organization", '"seats": 5')),
    "unknown member holding objects in an array": ("organization", with_member("organization", '"plans": [{"a": 1}, {"a": [true]}]')),
    "unknown member holding a 20-digit integer": ("organization", with_member("organization", '"big": ' + "9" * 20)),
    "unknown member holding the largest integer within double range": (
        "organization",
        with_member("organization", f'"big": {2**1024 - 2**970 - 1}'),
    ),
    "unknown member holding the least integer beyond double range": (
        "organization",
        with_member("organization", f'"big": {2**1024 - 2**970}'),
    ),
    "unknown member holding a name twice, deep inside": ("organization", with_member("organization", '"plan": [{"a": {"b": 1, "b": 2}}]')),
    "unknown member holding 65 arrays": ("organization", with_member("organization", f'"deep": {nested(65)}')),
    "unknown member holding 64 arrays": ("organization", with_member("organization", f'"deep": {nested(64)}')),
    "unknown member, an object": ("organization", with_member("organization", '"plan": {"tier": "gold"}')),
    "unknown member, a string": ("organization", with_member("organization", '"region": "eu-west-1"')),
    "unknown member, true": ("organization", with_member("organization", '"beta": true')),
    "unknown member, null": ("organization", with_member("organization", '"parent": null')),
    "unknown members, two": ("organization", with_member("organization", '"zone": "b", "alpha": "a"')),
    "unknown member first, then documented ones": ("organization", '{"zz": "first", ' + organization_text()[1:]),
    "unknown member twice": ("organization", with_member("organization", '"region": "a", "region": "b"')),
    "unknown member named with a quote": ("organization", with_member("organization", '"a\\"b": "x"')),
    "unknown member named with a backslash": ("organization", with_member("organization", '"a\\\\b": "x"')),
    "unknown member named with a control character": ("organization", with_member("organization", '"a\\u0001b": "x"')),
    "unknown member named with a space and a dot": ("organization", with_member("organization", '"a b.c": "x"')),
    "unknown member named empty": ("organization", with_member("organization", '"": "x"')),
    "unknown member named with a quote, holding objects": ("organization", with_member("organization", '"a\\"b": [{"c": {"d": null}}]')),
    "unknown member named with a quote, holding a name twice": ("organization", with_member("organization", '"a\\"b": {"c": 1, "c": 2}')),
    "unknown member named with a quote, holding a 400-digit integer": (
        "organization",
        with_member("organization", '"a\\"b": ' + "9" * 400),
    ),
    "unknown member named with a quote, holding deep nesting": ("organization", with_member("organization", f'"a\\\\b": {nested(200)}')),
    "unknown member named with a quote, beside a loose date-time": (
        "organization",
        with_member_of(
            {k: v for k, v in SAMPLE_ORGANIZATION.items() if k != "createdAt"}, '"createdAt": "2026-01-31 09:30:00Z", "a\\"b": 1'
        ),
    ),
    "unknown member in the nested object": ("error", json.dumps(envelope(402))[:-2] + ', "hint": "retry"}}'),
    "unknown members at both levels": ("error", json.dumps(envelope(402))[:-2] + ', "hint": "retry"}, "zone": "z"}'),
    "an escaped quote before a colon in a value": ("organization", replaced("name", '"a\\":b"')),
    "a raw tab in a string": ("organization", replaced("name", '"a\tb"')),
    "an escaped control character in a string": ("organization", replaced("name", '"a\\u0001\\u001fb"')),
    "an escaped DEL in a string": ("organization", replaced("name", '"a\\u007fb"')),
    "a raw DEL in a string": ("organization", replaced("name", '"a\x7fb"')),
    "overlong UTF-8": ("organization", as_bytes(replaced("name", '"x"')).replace(b'"x"', b'"\xc0\xaf"')),
    "UTF-8 beyond U+10FFFF": ("organization", as_bytes(replaced("name", '"x"')).replace(b'"x"', b'"\xf4\x90\x80\x80"')),
    "noncharacter U+FFFF": ("organization", as_bytes(replaced("name", '"\uffff"'))),
    "an empty object": ("organization", "{}"),
    "the nested object null": ("error", json.dumps({"trackingId": "t", "error": None})),
    "the nested object an array": ("error", json.dumps({"trackingId": "t", "error": []})),
    "pretty-printed": ("organization", json.dumps(SAMPLE_ORGANIZATION, indent=2)),
    "pretty-printed with tabs and CRLF": ("organization", json.dumps(SAMPLE_ORGANIZATION, indent="\t").replace("\n", "\r\n")),
    "blanks before every colon": ("organization", json.dumps(SAMPLE_ORGANIZATION, separators=(", ", " : "))),
    "a timestamp-like string in an unknown member": ("organization", with_member("organization", '"seen": "2026-01-31 09:30:00Z"')),
}
for control in range(32):
    TRAPS[f"raw control character {control:#04x} in a string"] = ("organization", replaced("name", f'"a{chr(control)}b"'))

# Bodies the engine must confirm (else the differential tests would prove nothing).
CONFIRMED = [
    "sample organization",
    "sample envelope",
    "30-digit integer",
    "2**64",
    "-0.0",
    "1e308",
    "surrogate pair",
    "year 0001",
    "date-time, lower-case t and z",
    "date-time, -00:00",
    "date-time, 18 fraction digits",
    "a number, the largest integer within double range",
    "unknown member, a string",
    "unknown member, true",
    "unknown member, null",
    "unknown member, a number",
    "unknown member, an object",
    "unknown member holding objects in an array",
    "unknown member holding a 20-digit integer",
    "unknown members, two",
    "an escaped control character in a string",
    "unknown member named with a quote",
    "unknown member named with a backslash",
    "unknown member named with a control character",
    "unknown member named with a quote, holding objects",
    "unknown member in the nested object",
    "unknown members at both levels",
    "pretty-printed",
    "pretty-printed with tabs and CRLF",
    "blanks before every colon",
]
ALL_CASES = {**EDGE_CASES, **TRAPS}


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_edge_cases_and_traps_never_get_another_verdict(name):
    kind, raw = ALL_CASES[name]
    assert disagreement(kind, raw) is None
    assert disagreement(kind, raw) is None  # the second time from the cache, or with its members learned


@pytest.mark.parametrize("name", CONFIRMED)
def test_the_engine_confirms_valid_bodies(name):
    kind, raw = ALL_CASES[name]
    assert typed_decoding.confirm(kind, as_bytes(raw)) is not None


def test_every_case_at_once_in_one_stream():
    """Learned members and the cache carry from one body to the next: the verdicts stay the strict path's."""
    for kind, raw in [*ALL_CASES.values(), *ALL_CASES.values()]:
        assert disagreement(kind, raw) is None, raw


def test_drift_in_any_order_holds_the_same_paths():
    raw = as_bytes(with_member("organization", '"zone": "b", "alpha": "a", "mid": true'))
    confirmed = typed_decoding.confirm("organization", raw)
    assert confirmed is not None
    assert sorted(confirmed.drift_in_any_order) == sorted(strict("organization", raw)[1])
    assert confirmed.drift == strict("organization", raw)[1]


def test_drift_is_in_document_order():
    for members in ('"zone": "b", "alpha": "a"', '"alpha": "a", "zone": "b"', '"zone": "b", "alpha": "a", "mid": true'):
        raw = as_bytes(with_member("organization", members))
        confirmed = typed_decoding.confirm("organization", raw)
        assert confirmed is not None
        assert confirmed.drift == strict("organization", raw)[1]
    first = as_bytes('{"alpha": "a", ' + organization_text()[1:-1] + ', "zone": "b"}')
    assert typed_decoding.confirm("organization", first) == typed_decoding.Confirmed(("$.alpha", "$.zone"))
    for members in (
        '"zone": "alpha", "alpha": "zone"',  # values equal to the other's name
        '"zone" :"alpha", "alpha"\n\t: "zone"',  # blanks before the colons
        '"zone": "\u00e9", "alpha": "a"',  # an escape: the text cannot tell, the body is read again
        '"z\u00f6ne": "x", "alpha": "a"',
        '"mid": "alpha":", "alpha": "a"',
    ):
        raw = as_bytes(with_member("organization", members))
        assert disagreement("organization", raw) is None, raw
        confirmed = typed_decoding.confirm("organization", raw)
        assert confirmed is None or confirmed.drift == strict("organization", raw)[1]


def tamed(value: object) -> object:
    """A generated value without what the engine always leaves to the strict path (leap seconds, control
    characters, lone surrogates, undocumented arrays and objects), so that enough bodies are confirmed."""
    if isinstance(value, str):
        text = "".join(c for c in value if c >= " " and not "\ud800" <= c <= "\udfff")
        return text.replace(":60", ":59") if len(text) > 18 and text[4:5] == "-" else text
    if isinstance(value, dict):
        return {tamed(name): tamed(member) for name, member in value.items() if not isinstance(member, list | dict) or name in ("error",)}
    return value


@pytest.mark.parametrize("kind", KINDS)
def test_generated_valid_payloads_get_the_strict_verdict(kind):
    payloads = examples(valid_payloads(kind), 200)
    confirmed = 0
    for payload in payloads:
        for body in (payload, tamed(payload)):
            for raw in (
                json.dumps(body),
                json.dumps(body, ensure_ascii=False),
                json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                json.dumps(body, indent=1, ensure_ascii=False),
            ):
                assert disagreement(kind, raw) is None, raw
                confirmed += typed_decoding.confirm(kind, as_bytes(raw)) is not None
    assert confirmed >= 2 * len(payloads), "the engine confirmed too few valid payloads to have been tested"


@pytest.mark.parametrize("kind", KINDS)
def test_every_corruption_target_gets_the_strict_verdict(kind):
    for target in corruption_targets(kind):
        for corruption in examples(corruptions(kind, target), 3):
            assert strict(kind, as_bytes(corruption.document))[0], corruption  # the corpus really is broken
            assert typed_decoding.confirm(kind, as_bytes(corruption.document)) is None, corruption


def mutated_timestamp(rng: random.Random, valid: str) -> str:
    """A valid timestamp with a few characters replaced, inserted or deleted, or one escaped."""
    alphabet = "0123456789:-+.TtZz _\t/,"
    text = list(valid)
    for _ in range(rng.randint(0, 2)):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.4 and at < len(text):
            text[at] = rng.choice(alphabet)
        elif roll < 0.7:
            text.insert(at, rng.choice(alphabet))
        elif at < len(text):
            del text[at]
    return "".join(text)


def test_fuzzed_timestamps_and_dates_get_the_strict_verdict():
    rng = random.Random(22)
    valid = examples(timestamps(), 300)
    confirmed = 0
    for number in range(3000):
        stamp = mutated_timestamp(rng, rng.choice(valid))
        if number % 3 == 0:
            stamp = stamp.replace("T", " ", 1) if rng.random() < 0.5 else stamp[:-6] + stamp[-6:].replace(":", "")
        literal = json.dumps(stamp) if number % 5 else escaped(stamp, rng.randrange(len(stamp))) if stamp else '""'
        for raw in (replaced("createdAt", literal), replaced("anniversaryDate", json.dumps(stamp[:10]))):
            assert disagreement("organization", raw) is None, raw
            confirmed += typed_decoding.confirm("organization", as_bytes(raw)) is not None
    assert confirmed > 500


def test_fuzzed_numbers_get_the_strict_verdict():
    rng = random.Random(7)
    for _ in range(1500):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice([1, 5, 17, 19, 20, 308, 309, 310, 400])))
        number = rng.choice(["", "-"]) + (digits.lstrip("0") or "0")
        if rng.random() < 0.3:
            number += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
        if rng.random() < 0.3:
            number += rng.choice(["e", "E", "e+", "e-"]) + str(rng.choice([0, 1, 9, 290, 307, 308, 309, 324, 330, 400]))
        assert disagreement("organization", replaced("costCap", number)) is None, number
        assert disagreement("organization", with_member("organization", f'"extra": {number}')) is None, number


# -- the mixes replay judges -------------------------------------------------------------------------


def realistic_organization(rng: random.Random) -> dict:
    day = f"{rng.randint(2000, 2030):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    body = {
        "organizationId": f"org_{rng.getrandbits(64):016x}",
        "organizationType": rng.choice(["free", "paid"]),
        "creator": f"user_{rng.getrandbits(32):08x}",
        "name": rng.choice(["Acme", "Globex Corporation", "Zoë & Co", "Ünïcode 株式会社"]),
        "messagesCap": rng.choice([1000, 5000, 2500.5]),
        "costCap": rng.randint(-(10**6), 10**6) / 100,
        "anniversaryDate": day,
        "allowOverage": rng.random() < 0.5,
        "createdAt": f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z",
        "updatedAt": f"{day}T12:00:00.{rng.randint(0, 999999):06d}{rng.choice(['+02:00', '-05:30', 'z'])}",
    }
    if rng.random() < 0.5:
        body["smsCap"] = rng.randint(0, 500)
    if rng.random() < 0.2:
        body[rng.choice(["region", "tier", "legacy"])] = rng.choice(["eu-west-1", True, None])
    return body


def mix_line(rng: random.Random, pool: list[str] | None) -> dict:
    """One exchange of replay's mix: mostly valid 200s, envelopes, broken bodies, other statuses; with `pool`,
    bodies repeat (a distinct request id per line)."""
    roll = rng.random()
    headers = {"Content-Type": "application/json", "X-Request-Id": f"{rng.getrandbits(64):016x}"}
    if roll < 0.80:
        body = rng.choice(pool) if pool else json.dumps(realistic_organization(rng), ensure_ascii=rng.random() < 0.5)
        return {"status": 200, "headers": headers, "body": body}
    if roll < 0.86:
        broken = realistic_organization(rng)
        field, value = rng.choice(
            [("costCap", "12"), ("anniversaryDate", "2026-02-30"), ("organizationType", "Paid"), ("createdAt", "2026-01-01 10:00:00Z")]
        )
        return {"status": 200, "headers": headers, "body": json.dumps({**broken, field: value})}
    if roll < 0.94:
        return {"status": rng.choice([400, 402, 502]), "headers": headers, "body": json.dumps(envelope(402))}
    if roll < 0.97:
        return {"status": 402, "headers": headers, "body": json.dumps({"trackingId": 7, "error": "cap"})}
    return {"status": 401, "headers": {"Content-Type": "text/html"}, "body": "<h1>Unauthorized</h1>"}


@pytest.mark.parametrize("repeated", [False, True], ids=["every body different", "bodies repeat"])
def test_both_mixes_get_the_strict_verdicts(monkeypatch, repeated):
    monkeypatch.setattr(body_cache, "_WINDOW", 256)  # the cache decides within the test, on or off
    monkeypatch.setattr(body_cache, "_MIN_HITS", 32)
    rng = random.Random(25 if repeated else 15)
    pool = [json.dumps(realistic_organization(rng)) for _ in range(40)] if repeated else None
    kinds = {200: "organization", 400: "error", 402: "error", 502: "error"}
    confirmed = 0
    for _ in range(3000):
        line = json.dumps(mix_line(rng, pool)).encode()
        entry = plain_line(line)
        assert entry is not None
        status, _, body, *_ = entry
        if status in kinds:
            verdict = typed_decoding.confirm(kinds[status], body)  # once: the cache counts lookups
            assert differs(kinds[status], body, verdict) is None, body
            confirmed += verdict is not None
    assert confirmed > 2000
    cache = typed_decoding._state("organization").cache
    assert (cache.resting == 0 and len(cache.entries) >= len(pool)) if pool else cache.resting > 0


# -- each guard is needed ----------------------------------------------------------------------------

LOOSE_SPACE = replaced("createdAt", '"2026-01-31 09:30:00Z"')
LOOSE_OFFSET = replaced("updatedAt", '"2026-11-20T16:05:12.250+0100"')
ESCAPED_SPACE = replaced("createdAt", '"2026-01-31\\u002009:30:00Z"')
LEARNED_THEN_HUGE = (with_member("organization", '"extra": "x"'), with_member("organization", '"extra": ' + "9" * 400))
DEEP_INSIDE = with_member("organization", f'"extra": {nested(200)}')


NO_COUNT = (text_guards, "names_dropped", lambda sketch, kept: False)


@pytest.mark.parametrize(
    ("removed", "bodies"),
    [
        ([NO_COUNT], [EDGE_CASES["duplicate name, both valid"][1]]),
        ([NO_COUNT], [with_member("organization", '"region": "a", "region": "b"')]),
        ([(text_guards, "loose_timestamp", lambda sketch: False)], [LOOSE_SPACE]),
        ([(text_guards, "loose_timestamp", lambda sketch: False)], [LOOSE_OFFSET]),
        ([(text_guards, "escaped_ascii", lambda raw: False)], [ESCAPED_SPACE]),
        ([(text_guards, "DATE_LIKE", b"\x00 never there")], [LOOSE_SPACE]),
        ([(typed_structs, "_FORBID_UNKNOWN", False), NO_COUNT], [TRAPS["unknown member holding 1e400"][1]]),
        ([(typed_structs, "_FORBID_UNKNOWN", False), NO_COUNT], [TRAPS["unknown member holding duplicate names"][1]]),
        ([(text_guards, "INT_LIMIT", 10**5000)], list(LEARNED_THEN_HUGE)),
        ([(text_guards, "INNER_CONTAINERS", 10**6)], [DEEP_INSIDE]),
        ([NO_COUNT], [TRAPS["unknown member named with a quote, holding a name twice"][1]]),
        ([(text_guards, "INT_LIMIT", 10**5000)], [TRAPS["unknown member named with a quote, holding a 400-digit integer"][1]]),
        ([(text_guards, "INNER_CONTAINERS", 10**6)], [TRAPS["unknown member named with a quote, holding deep nesting"][1]]),
        (
            [(text_guards, "loose_timestamp", lambda sketch: False)],
            [TRAPS["unknown member named with a quote, beside a loose date-time"][1]],
        ),
    ],
    ids=[
        "duplicates",
        "duplicate learned member",
        "space separator",
        "offset without a colon",
        "escaped ASCII",
        "timestamp prefilter",
        "unknown members skipped, huge number",
        "unknown members skipped, duplicates inside",
        "learned values, integers beyond double range",
        "learned values, deep nesting",
        "unlearnable members read apart, duplicates",
        "unlearnable members read apart, integers beyond double range",
        "unlearnable members read apart, deep nesting",
        "unlearnable members read apart, loose date-time",
    ],
)
def test_each_guard_is_needed(monkeypatch, removed, bodies):
    for body in bodies:
        assert disagreement("organization", body) is None
    for module, guard, replacement in removed:
        monkeypatch.setattr(module, guard, replacement)
    typed_decoding.forget()  # engines bind their guards when built
    found = [disagreement("organization", body) for body in bodies]
    assert any(found), f"removing {', '.join(guard for _, guard, _ in removed)} changed no verdict"


def test_structs_forbid_unknown_members_to_learn_them_the_count_alone_keeps_verdicts(monkeypatch):
    """A member msgspec skipped is missing from the structs, so `_names_dropped` sees it: forbidding unknown members
    is what lets one be learned (and a body with drift be confirmed), not what keeps the verdicts."""
    monkeypatch.setattr(typed_structs, "_FORBID_UNKNOWN", False)
    typed_decoding.forget()
    for kind, raw in ALL_CASES.values():
        assert disagreement(kind, raw) is None, raw
    assert typed_decoding.confirm("organization", as_bytes(TRAPS["unknown member, a string"][1])) is None
    assert typed_decoding.learned_members("organization") == ()


@pytest.mark.parametrize(
    ("table", "key", "loose", "body"),
    [
        ("_FORMATS", "date-time", datetime, TRAPS["date-time, no offset"][1]),
        ("_SCALARS", "number", int | float, EDGE_CASES["400-digit integer"][1]),
    ],
    ids=["timestamps without an offset", "numbers of any size"],
)
def test_each_type_choice_is_needed(monkeypatch, table, key, loose, body):
    assert disagreement("organization", body) is None
    monkeypatch.setitem(getattr(typed_structs, table), key, loose)
    typed_decoding.forget()
    assert disagreement("organization", body) is not None


# -- sparing the strict path: `read` and `failing_members` ---------------------------------------------


def strict_disagreement(kind: str, raw: bytes | str) -> str | None:
    """What the strict path says with the engine's help (msgspec's reading, the members it names) that it does not
    say alone: another document, or other violations."""
    raw = as_bytes(raw)
    with typed_decoding.switched_off():
        alone = strictly_checked(kind, raw)
    helped = strictly_checked(kind, raw)
    if canonical(helped[0]) != canonical(alone[0]):
        return f"read {raw[:120]!r} as {canonical(helped[0])[:120]}, where the strict parser reads {canonical(alone[0])[:120]}"
    if helped[1] != alone[1]:
        return f"{raw[:120]!r}: {[str(v) for v in helped[1]]}, where the strict path alone finds {[str(v) for v in alone[1]]}"
    return None


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_the_strict_path_helped_says_what_it_says_alone(name):
    kind, raw = ALL_CASES[name]
    assert strict_disagreement(kind, raw) is None


@pytest.mark.parametrize("kind", KINDS)
def test_corruptions_and_generated_bodies_get_the_same_violations_from_the_strict_path_helped(kind):
    named = 0
    for target in corruption_targets(kind):
        for corruption in examples(corruptions(kind, target), 3):
            assert strict_disagreement(kind, corruption.document) is None, corruption
            named += typed_decoding.failing_members(kind, as_bytes(corruption.document)) is not None
    for payload in examples(valid_payloads(kind), 100):
        assert strict_disagreement(kind, json.dumps(payload)) is None, payload
    assert named > len(corruption_targets(kind)), "too few bodies had their failing members named to have been tested"


def test_read_stands_in_for_the_strict_parser():
    assert typed_decoding.read(as_bytes(json.dumps(SAMPLE_ORGANIZATION))) == SAMPLE_ORGANIZATION
    for raw in (b'"text"', b"null", b"-0", b'[1, 2.5, {"a": [true]}]', str(2**64).encode(), ("9" * 300).encode()):
        assert typed_decoding.read(raw) == json.loads(raw), raw
    for raw in (b'{"a": 1, "a": 2}', b"1e400", ("9" * 400).encode(), nested(65).encode(), b'"\\ud800"', b"\xff", b"", b"NaN"):
        assert typed_decoding.read(raw) is typed_decoding.UNREAD, raw


LOOSE_AND_BROKEN = replaced("createdAt", '"2026-01-31 09:30:00Z"').replace('"costCap": 250.5', '"costCap": "12"')


@pytest.mark.parametrize(
    ("removed", "body"),
    [
        ([NO_COUNT], EDGE_CASES["duplicate name, last invalid"][1]),
        ([(text_guards, "INT_LIMIT", 10**5000)], EDGE_CASES["400-digit integer"][1]),
        ([(text_guards, "INNER_CONTAINERS", 10**6)], EDGE_CASES["nesting 129"][1]),
        ([(text_guards, "loose_timestamp", lambda sketch: False)], LOOSE_AND_BROKEN),
        ([(text_guards, "loose_timestamp", lambda sketch: False)], LOOSE_SPACE),
        ([(text_guards, "escaped_ascii", lambda raw: False)], ESCAPED_SPACE),
    ],
    ids=[
        "read: duplicates",
        "read: integers beyond double range",
        "read: deep nesting",
        "failing members: loose date-time beside another failure",
        "failing members: loose date-time",
        "failing members: escaped ASCII",
    ],
)
def test_each_guard_of_the_strict_path_helped_is_needed(monkeypatch, removed, body):
    assert strict_disagreement("organization", body) is None
    for module, guard, replacement in removed:
        monkeypatch.setattr(module, guard, replacement)
    typed_decoding.forget()
    assert strict_disagreement("organization", body) is not None


def test_failing_members_names_each_member_msgspec_refuses_and_no_other():
    broken = organization_text(costCap="12", organizationType="Paid", anniversaryDate="2026-02-30", region=5)
    assert typed_decoding.failing_members("organization", as_bytes(broken)) == {"costCap", "organizationType", "anniversaryDate"}
    assert typed_decoding.failing_members("organization", as_bytes(organization_text(name=None))) == frozenset()  # `required`: jsonschema's
    leap = organization_text(createdAt="2016-12-31T23:59:60Z")
    assert typed_decoding.failing_members("organization", as_bytes(leap)) == {"createdAt"}  # valid, which msgspec cannot tell
    assert typed_decoding.failing_members("organization", b"[]") is None  # the root itself
    assert typed_decoding.failing_members("organization", as_bytes(EDGE_CASES["lone surrogate value"][1])) is None
    envelope_broken = json.dumps({**envelope(402), "error": {"code": 7}})
    assert typed_decoding.failing_members("error", as_bytes(envelope_broken)) == {"error"}


def test_a_message_naming_no_one_documented_member_names_none():
    names = frozenset({"a", "a.b", "c"})
    assert typed_decoding._root_member("Expected `str`, got `int` - at `$.c`", names) == "c"
    assert typed_decoding._root_member("Expected `str`, got `int` - at `$.c.d[0]`", names) == "c"
    assert typed_decoding._root_member("Expected `str`, got `int` - at `$.a.b`", names) is None  # `a`, or `a.b`?
    assert typed_decoding._root_member("Expected `object`, got `array`", names) is None
    assert typed_decoding._root_member("Expected `str`, got `int` - at `$.zz`", names) is None


# -- what the generator covers -----------------------------------------------------------------------


def organization_schema_with(**changes: Any) -> dict:
    from contracts.judging.schemas import resolved

    tree = json.loads(json.dumps(resolved("organization")))
    for member, node in changes.items():
        if member == "$root":
            tree.update(node)
        else:
            tree["properties"][member] = node
    return tree


@pytest.mark.parametrize(
    "changes",
    [
        {"name": {"type": "string", "pattern": "^A"}},
        {"name": {"type": "string", "minLength": 1}},
        {"costCap": {"type": "number", "minimum": 0}},
        {"costCap": {"type": "integer"}},
        {"costCap": {"type": ["number", "null"]}},
        {"costCap": {"enum": [1, 2]}},
        {"costCap": {"type": "number", "format": "date"}},
        {"name": {"type": "string", "format": "email"}},
        {"name": {"type": "array", "items": {"type": "string"}}},
        {"name": {"type": "object"}},
        {"name": {"type": "object", "required": ["a"]}},
        {"name": {"properties": {"a": {"type": "string"}}}},
        {"name": {"type": "string", "const": "x"}},
        {"name": {"anyOf": [{"type": "string"}]}},
        {"name": True},
        {"name": {}},
        {"$root": {"additionalProperties": False}},
        {"$root": {"required": ["missing"]}},
        {'a"b': {"type": "string"}},
    ],
)
def test_a_schema_using_what_the_generator_does_not_cover_gets_no_fast_path(monkeypatch, changes):
    tree = organization_schema_with(**changes)
    monkeypatch.setattr(typed_structs, "resolved", lambda kind: tree)
    assert typed_structs.build("organization", ()) is None
    assert typed_structs.build_lenient("organization", frozenset()) is None
    assert typed_decoding.has_fast_path("organization") is False
    assert typed_decoding.confirm("organization", as_bytes(json.dumps(SAMPLE_ORGANIZATION))) is None
    assert typed_decoding.failing_members("organization", as_bytes(organization_text(costCap="12"))) is None


def test_the_bundled_schemas_are_covered():
    assert all(typed_decoding.has_fast_path(kind) for kind in KINDS)
    assert typed_decoding.confirm("no such kind", b"{}") is None


# -- learned members ---------------------------------------------------------------------------------


def test_an_undocumented_member_seen_once_is_learned():
    raw = as_bytes(with_member("organization", '"region": "eu"'))
    assert typed_decoding.confirm("organization", raw) == typed_decoding.Confirmed(("$.region",))
    assert typed_decoding.learned_members("organization") == ("$.region",)
    state = typed_decoding._state("organization")
    assert state.engine is not None and len(state.engine.learned) == 1


def test_a_learned_member_takes_any_value_the_strict_parser_reads_alike():
    assert typed_decoding.confirm("organization", as_bytes(with_member("organization", '"plan": "x"'))) is not None
    alike = ("5", "1.5", "-0", "1e308", "[]", '{"a": 1}', '[{"a": [null, {"b": "c"}]}]', '"y"', "true", "null", "9" * 300)
    different = ("9" * 400, '{"a": 1, "a": 2}', '[{"a": {"b": 1}, "c": {"b": 2, "b": 3}}]', nested(65), "1e400", "NaN")
    for value in alike + different:
        raw = with_member("organization", f'"plan": {value}')
        assert disagreement("organization", raw) is None
        assert (typed_decoding.confirm("organization", as_bytes(raw)) is not None) == (value in alike), value
    assert typed_decoding.learned_members("organization") == ("$.plan",)


def test_names_msgspec_cannot_match_are_never_learned_yet_confirmed():
    for name in ('a\\"b', "a\\\\b", "a\\u0001b"):
        raw = with_member("organization", f'"{name}": "x"')
        assert disagreement("organization", raw) is None
        assert typed_decoding.confirm("organization", as_bytes(raw)) == typed_decoding.Confirmed(strict("organization", as_bytes(raw))[1])
    assert typed_decoding.learned_members("organization") == ()


def test_learned_members_are_bounded_and_what_comes_after_is_read_apart():
    for number in range(3 * typed_decoding.MAX_LEARNED):
        raw = with_member("organization", f'"extra{number}": "x"')
        assert disagreement("organization", raw) is None
        assert typed_decoding.confirm("organization", as_bytes(raw)) == typed_decoding.Confirmed((f"$.extra{number}",))
    assert len(typed_decoding.learned_members("organization")) == typed_decoding.MAX_LEARNED
    struct = typed_decoding._state("organization").engine.shape.struct  # type: ignore[union-attr]
    assert len(struct.__struct_fields__) == len(SAMPLE_ORGANIZATION) + typed_decoding.MAX_LEARNED
    for value in ("9" * 400, '{"a": 1, "a": 2}', nested(65)):  # read apart, under the same guards
        raw = with_member("organization", f'"late": {value}')
        assert disagreement("organization", raw) is None
        assert typed_decoding.confirm("organization", as_bytes(raw)) is None, value


def test_members_learned_in_the_nested_object_are_reported_there():
    raw = as_bytes(json.dumps({"zone": "z", **envelope(402), "error": {**envelope(402)["error"], "hint": "retry"}}))
    confirmed = typed_decoding.confirm("error", raw)
    assert confirmed is not None and confirmed.drift == strict("error", raw)[1] == ("$.zone", "$.error.hint")


# -- the body cache ----------------------------------------------------------------------------------


@pytest.fixture
def small_windows(monkeypatch):
    monkeypatch.setattr(body_cache, "_WINDOW", 64)
    monkeypatch.setattr(body_cache, "_MIN_HITS", 8)
    monkeypatch.setattr(body_cache, "_REST", 100)


def distinct_bodies(count: int) -> list[bytes]:
    return [as_bytes(organization_text(name=f"Org {number}")) for number in range(count)]


def test_the_cache_switches_itself_off_when_bodies_do_not_repeat(small_windows):
    cache = typed_decoding._state("organization").cache
    for body in distinct_bodies(64):
        assert typed_decoding.confirm("organization", body) is not None
    assert cache.resting == 100 and not cache.entries
    for body in distinct_bodies(100):  # resting: judged without it
        typed_decoding.confirm("organization", body)
    assert cache.resting == 0 and not cache.entries
    typed_decoding.confirm("organization", distinct_bodies(1)[0])
    assert len(cache.entries) == 1  # and on again


def test_the_cache_stays_on_when_bodies_repeat(small_windows):
    cache = typed_decoding._state("organization").cache
    pool = distinct_bodies(4)
    first = [typed_decoding.confirm("organization", body) for body in pool]
    for number in range(640):
        assert typed_decoding.confirm("organization", bytes(pool[number % 4])) is first[number % 4]
    assert cache.resting == 0 and len(cache.entries) == 4


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(body_cache, "_CACHE_BYTES", 4096)
    cache = typed_decoding._state("organization").cache
    for body in distinct_bodies(200):
        typed_decoding.confirm("organization", body)
        assert cache.size <= 4096 and cache.size == sum(len(body) + body_cache._ENTRY for body in cache.entries)
    large = as_bytes(organization_text(name="x" * (body_cache.CACHED_BODY + 1)))
    assert typed_decoding.confirm("organization", large) is not None
    assert large not in cache.entries


def test_switched_off_confirms_nothing():
    raw = as_bytes(json.dumps(SAMPLE_ORGANIZATION))
    with typed_decoding.switched_off():
        assert typed_decoding.confirm("organization", raw) is None
    assert typed_decoding.confirm("organization", raw) is not None


def test_text_is_left_to_the_strict_path():
    assert typed_decoding.confirm("organization", json.dumps(SAMPLE_ORGANIZATION)) is None  # type: ignore[arg-type]
