"""A hostile target cannot make the gate leak a credential, or drive the console with control characters.

The fault server's hostile variants echo the caller's credentials in every form (raw, JSON- and
percent-encoded, base64, HTML-escaped, split by a line break, cut to a fragment), as member names of a
valid body (an exit-0 run), as wrong values, in headers, in the reason phrase, and set a cookie; the
secrets themselves carry the characters HTML escaping changes. No form, nor any 12-character slice of
one, may reach the console, report.html (raw or rendered), junit.xml or summary.json."""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest

from contracts.core import exits
from contracts.core.credentials import Credentials
from contracts.core.redaction import MASK
from contracts.transport.server import RunningServer
from tests.helpers.faults import CATALOGUE, CONTROL_TEXT, FaultApp, base_url, session_cookie
from tests.helpers.gate_in_process import run_gate_in_process
from tests.helpers.support import TOKEN, GateRun

BEARER = Credentials.bearer("tok/&\"'<>-Hostile+Secret 7f3a9c21e5")
BASIC = Credentials.basic("client-42", "B&\"'<>/sec+ret 9d8e7f-Basic")
ENV = {
    "bearer": {"CONTRACT_API_TOKEN": BEARER.token},
    "basic": {"CONTRACT_CLIENT_ID": BASIC.client_id, "CONTRACT_CLIENT_SECRET": BASIC.client_secret},
}
HOSTILE = [
    "200-credentials-in-undocumented-field-names",
    "402-credentials-in-undocumented-field-names",
    "401-credentials-and-cookie-echoed",
    "200-credentials-echoed-as-wrong-values",
]


def secret_forms(credentials: Credentials) -> set[str]:
    """What must never be shown (each form whole, and in slices: see `slices`), written here independently of the redactor."""
    secret = credentials.token or credentials.client_secret
    escaped = json.dumps(secret)[1:-1]
    unicode_escaped = "".join(f"\\u{ord(ch):04x}" for ch in secret)
    # Base64 of the secret inside a longer document, as a JWT claim: the characters only the secret decides.
    before = '{"sub":"x","tok":"'
    longer = base64.b64encode(f'{before}{secret}"}}'.encode()).decode()
    first, last = math.ceil(len(before) / 3), (len(before) + len(secret.encode())) // 3
    forms = {
        secret,
        escaped,
        escaped.replace("/", "\\/"),
        unicode_escaped,
        unicode_escaped.replace("\\", "\\\\"),  # as a JSON string itself
        quote(secret, safe=""),
        quote(secret, safe="/"),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
        quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        longer[4 * first : 4 * last],
        html.escape(secret),
        credentials.authorization().split(" ", 1)[1],
        session_cookie(secret),
    }
    return forms | {html.escape(form) for form in forms}


def slices(forms: set[str], secret: str) -> Iterator[str]:
    """Each form whole and every 12-character slice of it; of a form at least twice as long as the secret
    (`\u0074\u006f...`, where 12 characters are 2 of the secret), every slice that spells 12 of its characters."""
    for form in forms:
        ratio = len(form) / len(secret)
        width = 12 if ratio < 2 else math.ceil(12 * ratio)
        yield form
        yield from (form[i : i + width] for i in range(len(form) - width + 1))


def shown_texts(run: GateRun) -> dict[str, str]:
    """Every output, raw and as a reader sees it (HTML rendered, JSON decoded)."""
    files = run.artifacts()
    extras = run.report_extras
    summary_strings = json.dumps(run.summary, ensure_ascii=False)
    return {
        "console": files["console"],
        "report.html": files["report.html"],
        "report.html rendered": html.unescape(files["report.html"]),
        "report extras rendered": html.unescape(re.sub(r"<[^>]+>", "", extras)),
        "junit.xml": files["junit.xml"],
        "junit.xml rendered": html.unescape(files["junit.xml"]),
        "summary.json": files["summary.json"],
        "summary.json decoded": summary_strings,
    }


def leaks(run: GateRun, forbidden: set[str]) -> list[str]:
    return sorted({f"{where}: {piece!r}" for where, text in shown_texts(run).items() for piece in forbidden if piece in text})


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory) -> dict[tuple[str, str], GateRun]:
    """Each hostile variant judged once per scheme, the gate run in this process."""
    runs = {}
    for scheme, credentials in (("bearer", BEARER), ("basic", BASIC)):
        with RunningServer(FaultApp(credentials)) as server:
            for name in HOSTILE:
                fault = CATALOGUE[name]
                out = tmp_path_factory.mktemp(f"{scheme}-{name}")
                runs[scheme, name] = run_gate_in_process(out, *fault.gate_args, base_url=base_url(server.url, fault), env=ENV[scheme])
    return runs


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("scheme", ["bearer", "basic"])
def test_no_form_of_a_secret_reaches_any_output(hostile_runs, scheme, name):
    run = hostile_runs[scheme, name]
    credentials = BEARER if scheme == "bearer" else BASIC
    expected = exits.VIOLATED if CATALOGUE[name].verdict == "red" else exits.HONOURED
    assert run.returncode == expected, run.output
    secret = credentials.token or credentials.client_secret
    assert leaks(run, set(slices(secret_forms(credentials), secret))) == []
    assert MASK in run.report_extras  # the echoes did reach the report, masked


def test_credentials_in_member_names_are_masked_in_the_drift_lines_of_a_passing_run(hostile_runs):
    run = hostile_runs["bearer", "200-credentials-in-undocumented-field-names"]
    assert run.returncode == exits.HONOURED
    drift = run.output.split("contract drift")[1].split("per-status verdicts")[0]
    assert drift.count(MASK) >= 10, drift  # one drift line per echo, each showing the mask instead


def test_failure_text_is_masked_before_it_is_cut(hostile_runs):
    run = hostile_runs["bearer", "200-credentials-echoed-as-wrong-values"]
    assert f'$.organizationType: expected one of "free", "paid", got "{"x" * 50}{MASK}"' in run.output
    assert "$.messagesCap: expected number, got " in run.output


def test_a_cookie_the_target_sets_is_masked_where_shown_and_where_echoed(hostile_runs):
    run = hostile_runs["bearer", "401-credentials-and-cookie-echoed"]
    assert "Set-Cookie: session=&lt;redacted&gt;; Path=/; HttpOnly" in run.report_extras
    assert "cookie: " + MASK in html.unescape(run.report_extras)


@pytest.fixture
def fault_server():
    with RunningServer(FaultApp(Credentials.bearer(TOKEN))) as server:
        yield server.url


def test_control_characters_from_the_target_are_shown_escaped(fault_server, tmp_path):
    fault = CATALOGUE["200-control-characters-in-reason-and-headers"]
    run = run_gate_in_process(tmp_path, base_url=base_url(fault_server, fault), env={"CONTRACT_API_TOKEN": TOKEN})
    assert run.returncode == exits.VIOLATED, run.output
    raw_controls = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    for where, text in shown_texts(run).items():
        assert not raw_controls.search(text), f"{where} holds a raw control character"
    assert r"HTTP status: expected 200, got 203 \x1b[2K\x0d\x1b[32m===== 9 passed in 0.01s =====\x1b[0m\x9b2K\x07" in run.output
    assert r"X-Note: \x1b[2K\x1b[32m" in html.unescape(run.report_extras)
    assert CONTROL_TEXT not in run.artifacts()["report.html"]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_base_url_with_credentials_is_refused_without_echoing_them(gate, how):
    url = "http://gate-user:Pw-In-The-Url-8e1f@127.0.0.1:9/api"
    run = (
        gate(url, env={"CONTRACT_API_TOKEN": TOKEN})
        if how == "option"
        else gate(None, env={"CONTRACT_API_TOKEN": TOKEN, "PYTEST_BASE_URL": url})
    )
    assert run.returncode == exits.BAD_CONFIGURATION, run.output
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "carries credentials: remove them" in errors[0], run.output
    assert "Traceback" not in run.output
    for where, text in shown_texts(run).items():
        assert "Pw-In-The-Url" not in text and "gate-user" not in text, f"{where} echoes the URL's credentials"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CONTRACT_API_TOKEN": "test"}, "CONTRACT_API_TOKEN is 4 characters long: a secret needs at least 8"),
        ({"CONTRACT_CLIENT_ID": "client-42", "CONTRACT_CLIENT_SECRET": "x"}, "CONTRACT_CLIENT_SECRET is 1 character long"),
    ],
    ids=["bearer", "basic"],
)
def test_a_secret_too_short_to_mask_is_refused(gate, env, message):
    run = gate("http://127.0.0.1:9", env=env)
    assert run.returncode == exits.BAD_CONFIGURATION, run.output
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and message in errors[0], run.output
    assert "counts" in run.summary and "passed" in run.summary["counts"]  # keys intact, nothing mangled
