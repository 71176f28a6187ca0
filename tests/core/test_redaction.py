"""The redactor masks every form of a secret, and nothing else; control characters are shown, not obeyed."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import pytest

from contracts.core.credentials import Credentials
from contracts.core.exchange import Exchange
from contracts.core.printable import printable
from contracts.core.redaction import MASK, Redactor, cookie_values, masked_header
from contracts.core.violations import Violation
from contracts.judging.checks import Expectation, run_checks
from tests.helpers.faults import credential_echoes

SECRET = "tok/&\"'<>-Hostile+Secret 7f3a9c21e5"


@pytest.mark.parametrize("name, echo", sorted(credential_echoes(SECRET, "client-42:" + SECRET).items()))
def test_every_echoed_form_is_masked(name, echo):
    redact = Redactor.for_credentials(Credentials.basic("client-42", SECRET))
    shown = redact(f"before [{echo}] after")
    assert MASK in shown and shown.startswith("before [") and shown.endswith("] after"), shown
    assert "Hostile" not in shown and "SG9zdGlsZ" not in shown


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_the_credential_as_sent_is_masked_in_every_form_even_base64_again(scheme):
    """A server may base64 the `Authorization` value it got: for Basic, a base64 of the base64 of `id:secret`."""
    credentials = Credentials.basic("client-42", "Basic-Secret-9d8e7f") if scheme == "basic" else Credentials.bearer(SECRET)
    redact = Redactor.for_credentials(credentials)
    header = credentials.authorization()
    wire = header.split(" ", 1)[1]
    for echo in (base64.b64encode(header.encode()), base64.b64encode(wire.encode()), base64.urlsafe_b64encode(wire.encode())):
        text = echo.decode()
        shown = redact(f'{{"echo": "{text}", "pretty": "{text[:20]}\n{text[20:]}"}}')
        assert text not in shown and text[:20] not in shown and shown.count(MASK) == 2, shown


def test_a_secret_split_by_a_line_break_is_masked_with_the_break_and_nothing_around_it():
    redact = Redactor([SECRET])
    text = f'keep this\n  "value": "{SECRET[:15]}\n        {SECRET[15:]}" and this'
    assert redact(text) == f'keep this\n  "value": "{MASK}" and this'


def test_overlapping_and_adjacent_forms_are_masked_once():
    redact = Redactor([SECRET])
    encoded = base64.b64encode(SECRET.encode()).decode()
    assert redact(SECRET + SECRET + " " + encoded) == f"{MASK} {MASK}"


def test_a_fragment_of_twelve_characters_is_masked_a_shorter_one_is_not():
    redact = Redactor(["Contract-Secret-7f3a9c21e5"])
    assert redact("got Secret-7f3a9c and more") == f"got {MASK} and more"
    assert redact("got Secret-7f3a and more") == "got Secret-7f3a and more"


def test_unrelated_text_is_left_alone():
    redact = Redactor(["testtest", "tests-and-more-tests"])
    text = json.dumps({"tests": ["test_organization_matches_contract"], "counts": {"passed": 7}, "id": "\\u002d\\u0074\\u0065"})
    assert redact(text) == text


def test_the_basic_client_id_alone_is_not_a_secret():
    redact = Redactor.for_credentials(Credentials.basic("client-identifier-0001", "Basic-Secret-9d8e7f"))
    assert redact("HTTP Basic for client 'client-identifier-0001'") == "HTTP Basic for client 'client-identifier-0001'"
    assert redact(Credentials.basic("client-identifier-0001", "Basic-Secret-9d8e7f").authorization()) == f"Basic {MASK}"


def test_values_shorter_than_eight_characters_are_not_masked():
    redact = Redactor(["short"])
    assert not redact and redact("short text") == "short text"


def test_a_value_added_during_a_run_is_masked_from_then_on():
    redact = Redactor([SECRET])
    assert redact("cookie c00kie-1234567890") == "cookie c00kie-1234567890"
    redact.add("c00kie-1234567890")
    assert redact("cookie c00kie-1234567890") == f"cookie {MASK}"


def test_five_mebibytes_with_many_near_misses_take_well_under_a_few_seconds():
    redact = Redactor.for_credentials(Credentials.basic("client-42", SECRET))
    text = (f"lorem ipsum {SECRET[:10]} dolor \\u0074 sit\n  amet " * 120_000)[: 5 * 2**20] + SECRET
    started = time.perf_counter()
    shown = redact(text)
    assert time.perf_counter() - started < 5  # linear: about half a second on a shared 2-core machine
    assert shown.endswith(MASK) and shown[:1000] == text[:1000]


def test_cookie_values_are_masked_in_headers_and_collected():
    set_cookie = "session=c00kie-abcdef123; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT, theme=dark; HttpOnly"
    assert masked_header("Set-Cookie", set_cookie) == (
        "session=<redacted>; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT, theme=<redacted>; HttpOnly"
    )
    assert masked_header("cookie", "a=1; session=xyz") == "a=<redacted>; session=<redacted>"
    assert masked_header("X-Other", "a=1") == "a=1"
    assert cookie_values({"Set-Cookie": set_cookie, "Cookie": 'b="quoted-value"'}) == ["c00kie-abcdef123", "dark", "quoted-value"]


def test_control_characters_are_shown_as_escapes():
    assert printable("a\x1b[31mred\x9b0m\rb\x7f\x00") == r"a\x1b[31mred\x9b0m\x0db\x7f\x00"
    assert printable("lines\n\tand tabs, é 通知 🚀") == "lines\n\tand tabs, é 通知 🚀"


def test_a_violation_is_masked_before_it_is_cut():
    redact = Redactor([SECRET])
    violation = Violation("$.name", "string", json.dumps("x" * 50 + SECRET) + " (string)", "schema")
    assert violation.render(redact) == f'$.name: expected string, got "{"x" * 50}{MASK}" (string)'
    assert json.dumps(SECRET)[1:] in violation.got and str(violation).endswith("… (string)")  # kept whole, cut when shown


def test_a_normal_violation_reads_as_before():
    assert str(Violation("$.anniversaryDate", "ISO date", '"2026/12/01" (string)', "schema")) == (
        '$.anniversaryDate: expected ISO date, got "2026/12/01" (string)'
    )


def test_each_violation_names_the_check_that_found_it():
    body = json.dumps({"organizationId": 1, "extra": True}).encode()
    exchange = Exchange(
        "GET", "http://127.0.0.1/account/organization", {}, 402, "Payment Required", {"Content-Type": "text/plain"}, body, 0.01
    )
    checks = {(v.check, v.path) for v in run_checks(exchange, Expectation(200, frozenset({"error"})))}
    assert {("status", "HTTP status"), ("content_type", "header Content-Type"), ("documented_fields", "$.organizationId")} <= checks
    assert ("schema", "$.trackingId") in checks


def test_long_runs_of_blanks_are_redacted_in_linear_time():
    """A body of megabytes of spaces and tabs (a gzip bomb decodes to one) once took the line-break search quadratic
    time; in a child process with a deadline, so a regression fails rather than hangs the run."""
    code = (
        "from contracts.core.redaction import Redactor; r = Redactor(['tok-Contract-Secret-7f3a9c21e5'])\n"
        "for text in (' ' * 4_000_000, ' \\t' * 2_000_000, ' ' * 10**6 + 'tok-Contract-Secret-7f3a9c21e5'):\n"
        "    assert 'tok-Contract' not in r(text)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_line_breaks_are_found_as_the_plain_pattern_finds_them():
    """`_breaks` takes the blanks around a run of breaks by hand; the plain pattern, tried at every position, is the oracle."""
    import random
    import re

    from contracts.core.redaction import _breaks

    plain = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n|\\r\\n|\\n|\\r)[ \t]*)+")
    rng = random.Random(20261205)
    for _ in range(5000):
        text = "".join(rng.choice(" \t\n\r\\nrab") for _ in range(rng.randint(0, 30)))
        assert _breaks(text) == [(m.start(), m.end()) for m in plain.finditer(text)], repr(text)
