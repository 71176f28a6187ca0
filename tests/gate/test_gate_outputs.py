"""What CI, QA and the developer on call get from a run: exit codes, diagnoses, reports, and no secrets."""

from __future__ import annotations

import json
import socket
import time

import pytest
from werkzeug.wrappers import Request, Response

from contracts.core import exits
from contracts.core.credentials import Credentials
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp
from tests.helpers.support import TOKEN

REPORT_FILES = {"report.html", "junit.xml", "summary.json"}


def echoing_app(credentials: Credentials):
    """Honours the contract, but echoes the caller's Authorization value in bodies and headers."""
    reference = ReferenceApp(credentials)

    def app(environ, start_response):
        request = Request(environ)
        sent = request.headers.get("Authorization", "")
        raw = sent.split(" ", 1)[-1]
        response = reference.respond(request)
        if response.status_code == 200:
            body = dict(SAMPLE_ORGANIZATION, echoedAuthorization=sent, echoedRaw=raw, messagesCap=True)
            response = Response(json.dumps(body), mimetype="application/json")
        elif response.is_json:
            body = response.get_json()
            body["error"]["message"] = f"rejected {sent} / {json.dumps(raw)}"
            response.set_data(json.dumps(body))
        response.headers["X-Echo-Authorization"] = sent
        return response(environ, start_response)

    return app


@pytest.mark.parametrize(
    "credentials, env",
    [
        (Credentials.bearer(TOKEN), {"CONTRACT_API_TOKEN": TOKEN}),
        (
            Credentials.basic("client-42", "Basic-Secret-9d8e7f"),
            {"CONTRACT_CLIENT_ID": "client-42", "CONTRACT_CLIENT_SECRET": "Basic-Secret-9d8e7f"},
        ),
    ],
    ids=["bearer", "basic"],
)
def test_secrets_echoed_by_the_server_appear_in_no_artifact(gate, serve, credentials, env):
    url = serve(echoing_app(credentials))
    run = gate(url, "-vv", "-l", "-rA", "--log-level=DEBUG", "-o", "log_cli=true", "--log-cli-level=DEBUG", env=env)
    assert run.returncode == exits.VIOLATED, run.output  # messagesCap is a boolean: a real failure, with a traceback
    artifacts = run.artifacts()
    assert set(artifacts) >= REPORT_FILES
    assert "echoedAuthorization" in artifacts["report.html"]  # the echoing exchange is in the report ...
    for name, text in artifacts.items():
        for secret in credentials.secret_values():
            assert secret not in text, f"{name} leaks a credential"
    assert "***REDACTED***" in artifacts["report.html"]  # ... masked


def test_refused_connection_stops_the_run_with_one_diagnosis(gate):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    run = gate(f"http://127.0.0.1:{port}")
    assert run.returncode == exits.UNREACHABLE, run.output
    assert f"target unreachable: GET http://127.0.0.1:{port}/account/organization: connection refused" in run.output
    assert "Traceback" not in run.output
    assert run.summary["stopped_early"].startswith("target unreachable") and run.summary["exit_status"] == 75
    assert set(run.artifacts()) >= REPORT_FILES


def test_hanging_target_is_diagnosed_within_the_timeout(gate):
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        run = gate(f"http://127.0.0.1:{silent.getsockname()[1]}", "--request-timeout", "1")
        elapsed = time.monotonic() - started
    assert run.returncode == exits.UNREACHABLE, run.output
    assert "no answer within --request-timeout 1s" in run.output
    assert elapsed < 1 + 8  # one timeout, not one per test (plus interpreter start-up)


def test_tls_failure_is_a_diagnosis(gate, reference_url):
    run = gate(reference_url.replace("http://", "https://"))
    assert run.returncode == exits.UNREACHABLE, run.output
    assert "TLS handshake failed" in run.output


def test_target_that_stops_answering_mid_run_fails_tests_without_hanging(gate, serve):
    reference = ReferenceApp(Credentials.bearer(TOKEN))

    def app(environ, start_response):
        if "HTTP_AUTHORIZATION" in environ:  # the start-up check goes through; the tests hang
            time.sleep(2.5)
        return reference(environ, start_response)

    started = time.monotonic()
    run = gate(serve(app), "--request-timeout", "0.5")
    assert run.returncode == exits.VIOLATED, run.output
    assert "no answer: GET" in run.output and "no answer within --request-timeout 0.5s" in run.output
    assert time.monotonic() - started < 30


def test_any_http_answer_means_reachable_and_is_judged(gate, serve):
    run = gate(serve(lambda environ, start: Response("<h1>Not Found</h1>", status=404, mimetype="text/html")(environ, start)))
    assert run.returncode == exits.VIOLATED, run.output
    assert "HTTP status: expected 200, got 404 NOT FOUND" in run.output


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--base-url", "not a url"], {"CONTRACT_API_TOKEN": TOKEN}, "base URL 'not a url' is not a URL"),
        (["--base-url", "ftp://example.com"], {"CONTRACT_API_TOKEN": TOKEN}, "has scheme 'ftp'"),
        (["--base-url", "staging.example.com"], {"CONTRACT_API_TOKEN": TOKEN}, "has no scheme (http:// or https://)"),
        (["--base-url", "http://"], {"CONTRACT_API_TOKEN": TOKEN}, "has no host"),
        (["--base-url", "https://staging.example.com"], {}, "no credentials for https://staging.example.com"),
        (["--request-timeout", "-3"], {}, "--request-timeout '-3' is not a positive number"),
        (["--request-timeout", "soon"], {}, "--request-timeout 'soon' is not a positive number"),
        (["--request-timeout", "601"], {}, "--request-timeout '601' is above the limit of 600 seconds per exchange"),
        (["--max-body", "0"], {}, "--max-body '0' is not a positive size in bytes"),
        (["--max-body", "2GiB"], {}, "--max-body '2GiB' is above the limit of 1 GiB"),
        (["--strict-fields=organisation"], {}, "--strict-fields 'organisation' names unknown kind(s) organisation"),
        ([], {"PYTEST_BASE_URL": ""}, "the base URL is set but empty"),
        ([], {"CONTRACT_CLIENT_ID": "only-id"}, "CONTRACT_CLIENT_SECRET is not set"),
    ],
    ids=[
        "not-a-url",
        "ftp",
        "no-scheme",
        "no-host",
        "no-credentials",
        "negative-timeout",
        "word-timeout",
        "timeout-above-600",
        "zero-max-body",
        "huge-max-body",
        "strict-kind",
        "empty-base-url",
        "half-basic",
    ],
)
def test_bad_configuration_is_one_line_and_exit_4(gate, args, env, message):
    run = gate(None, *args, env=env)
    assert run.returncode == exits.BAD_CONFIGURATION, run.output
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and message in errors[0], run.output
    assert [line for line in run.output.splitlines() if message in line] == errors  # said once, not twice
    assert "Traceback" not in run.output
    assert run.summary["stopped_early"].startswith("bad configuration") and run.summary["exit_status"] == 4


def test_a_run_that_checks_nothing_does_not_pass(gate, reference_url):
    run = gate(reference_url, "-k", "no_such_test")
    assert run.returncode == exits.NO_CHECK_RAN, run.output


def test_all_skipped_does_not_pass(gate, serve):
    ignores_prefer = ReferenceApp(Credentials.bearer(TOKEN))
    ignores_prefer.respond = lambda request, respond=ignores_prefer.respond: respond(_without_prefer(request))
    run = gate(serve(ignores_prefer), "-k", "error_status")
    assert run.returncode == exits.NO_CHECK_RAN, run.output
    assert run.verdicts["402"] == "not provoked"
    assert "target answered 200 to 'Prefer: code=402'" in json.dumps(run.summary)


def _without_prefer(request: Request) -> Request:
    environ = dict(request.environ)
    environ.pop("HTTP_PREFER", None)
    return Request(environ)


def test_drift_is_listed_and_strict_mode_fails_on_it(gate, serve):
    reference = ReferenceApp(Credentials.bearer(TOKEN), organization=dict(SAMPLE_ORGANIZATION, billingPlan="pro"))
    url = serve(reference)
    lenient = gate(url)
    assert lenient.returncode == exits.HONOURED, lenient.output
    assert {"status": 200, "path": "$.billingPlan", "count": 1} in lenient.summary["drift"]
    assert "200 $.billingPlan" in lenient.output
    strict = gate(url, "--strict-fields")
    assert strict.returncode == exits.VIOLATED
    assert "$.billingPlan: expected only documented fields (--strict-fields), got an undocumented field" in strict.output
    assert gate(url, "--strict-fields=error").returncode == exits.HONOURED


def test_report_shows_target_verdicts_and_the_failing_exchange(gate, serve):
    broken = ReferenceApp(Credentials.bearer(TOKEN), organization=dict(SAMPLE_ORGANIZATION, anniversaryDate="2026/12/01"))
    run = gate(serve(broken))
    page, extras = run.artifacts()["report.html"], run.report_extras
    assert run.returncode == exits.VIOLATED
    assert "Target: http://127.0.0.1:" in page and 'class="per-status"' in page
    assert "Violations (1)" in extras
    assert "$.anniversaryDate: expected ISO date YYYY-MM-DD that exists on the calendar, got &quot;2026/12/01&quot;" in extras
    assert "Authorization: &lt;redacted&gt;" in extras and "&quot;anniversaryDate&quot;: &quot;2026/12/01&quot;" in extras
    assert "data:" not in extras  # inline, never a data: link
    assert run.verdicts["200"] == "failed" and run.verdicts["402"] == "passed"
