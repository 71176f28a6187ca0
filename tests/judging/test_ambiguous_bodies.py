"""Bodies that parse, but not as every client would read them: the gate, the typed client and `validate` agree.

Duplicate member names (last-wins and first-wins clients read different values), numbers beyond double
range (read as infinity), nesting beyond the limit (a verdict that would depend on the caller's stack) are
violations naming their path; a lone surrogate is a string like any other, and every output shows it escaped.
"""

from __future__ import annotations

import html
import json
import subprocess
import sys

import pytest
from werkzeug.wrappers import Request, Response

from contracts.client import ApiError, InvalidPayload, Organization, OrganizationClient
from contracts.core import exits
from contracts.core.credentials import Credentials
from contracts.judging.validation import MAX_NESTING
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp
from tests.helpers.support import REPO, TOKEN

SAMPLE = json.dumps(SAMPLE_ORGANIZATION)


def member(name: str, raw: str) -> str:
    """The sample organization with member `name` written as the raw JSON text given."""
    return SAMPLE.replace(f"{json.dumps(name)}: {json.dumps(SAMPLE_ORGANIZATION[name])}", f"{json.dumps(name)}: {raw}")


def extra(raw: str) -> str:
    return SAMPLE[:-1] + f', "extra": {raw}}}'


# name: (body, the violation every entry point must report)
AMBIGUOUS = {
    "duplicate-name": (
        '{"organizationType": "enterprise", ' + SAMPLE[1:],
        '$.organizationType: expected a member name used once per object, got "organizationType" twice',
    ),
    "number-beyond-double-range": (
        member("costCap", "1e999999"),
        "$.costCap: expected a number within IEEE-754 double range, got 1e999999",
    ),
    "integer-beyond-double-range": (
        member("smsCap", "9" * 400),
        "$.smsCap: expected a number within IEEE-754 double range, got 999999999999999999999999… (400 characters)",
    ),
    "lone-surrogate-as-number": (member("messagesCap", '"\\ud800"'), '$.messagesCap: expected number, got "\\ud800" (string)'),
    "nesting-too-deep": (
        extra("[" * MAX_NESTING + "]" * MAX_NESTING),
        "$.extra[0][0][0][0][0][0][0]…: expected nesting at most 128 levels deep, got deeper",
    ),
}
# Valid: a lone surrogate in a string field, and in an undocumented member's name and value.
LONE_SURROGATES_AS_STRINGS = member("name", '"Acme \\ud800"')[:-1] + ', "\\udfffnote": "\\ud83d"}'


def raw_organization_app(body: str):
    """The reference server, answering 200 with exactly these bytes."""
    reference = ReferenceApp(Credentials.bearer(TOKEN))

    def app(environ, start_response):
        response = reference.respond(Request(environ))
        if response.status_code == 200:
            response = Response(body.encode(), mimetype="application/json")
        return response(environ, start_response)

    return app


@pytest.mark.parametrize("body, line", AMBIGUOUS.values(), ids=AMBIGUOUS)
def test_typed_client_refuses_it_offline_and_over_loopback(serve, body, line):
    with pytest.raises(InvalidPayload) as offline:
        Organization.from_json(body)
    with OrganizationClient(serve(raw_organization_app(body)), auth=TOKEN, timeout=5) as client, pytest.raises(InvalidPayload) as online:
        client.get_organization()
    for refused in (offline.value, online.value):
        assert [str(v) for v in refused.violations] == [line]
        assert str(refused).encode("utf-8")  # printable as it is


def test_typed_client_keeps_lone_surrogates_in_strings(serve):
    with OrganizationClient(serve(raw_organization_app(LONE_SURROGATES_AS_STRINGS)), auth=TOKEN, timeout=5) as client:
        assert client.get_organization().name == "Acme \ud800"
    assert Organization.from_json(LONE_SURROGATES_AS_STRINGS).name == "Acme \ud800"


def test_an_error_envelope_with_lone_surrogates_is_an_api_error_with_a_printable_message(serve):
    envelope = '{"trackingId": "t-\\ud800", "error": {"code": "usage_limit_exceeded", "message": "Over \\udfff cap."}}'
    app = lambda environ, start_response: Response(envelope, status=402, mimetype="application/json")(environ, start_response)  # noqa: E731
    with OrganizationClient(serve(app), auth=TOKEN, timeout=5) as client, pytest.raises(ApiError) as refused:
        client.get_organization()
    assert refused.value.envelope.message == "Over \udfff cap."
    assert str(refused.value).endswith("402 PAYMENT REQUIRED: usage_limit_exceeded: Over \\udfff cap. (trackingId t-\\ud800)")


def test_validate_reports_each_by_line_and_checks_every_later_line():
    lines = [body for body, _ in AMBIGUOUS.values()] + [LONE_SURROGATES_AS_STRINGS, SAMPLE]
    done = subprocess.run(
        [sys.executable, "-m", "contracts", "validate", "organization", "--jsonl"],
        cwd=REPO,
        input="\n".join(lines).encode(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.decode().splitlines() == [f"<stdin>:{n}: {line}" for n, (_, line) in enumerate(AMBIGUOUS.values(), start=1)]
    assert "7 organization payloads checked, 5 invalid" in done.stderr.decode()


def test_gate_judges_a_lone_surrogate_and_writes_every_output(gate, serve):
    body = member("messagesCap", '"\\ud800"')[:-1] + ', "\\udfffnote": "\\ud83d"}'
    run = gate(serve(raw_organization_app(body)))
    line = '$.messagesCap: expected number, got "\\ud800" (string)'
    assert run.returncode == exits.VIOLATED, run.output
    assert line in run.output and "Traceback" not in run.output
    assert run.verdicts["200"] == "failed" and line in run.summary["statuses"]["200"]["reasons"][0]
    assert html.escape(line) in run.report_extras and "\\udfffnote" in run.report_extras  # the body too, escaped
    assert html.escape(line) in run.artifacts()["junit.xml"]
