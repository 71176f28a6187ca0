"""Against a real staging: scenarios provoke what `Prefer` cannot, and no status is reported verified that was not."""

from __future__ import annotations

import json
import socket

import pytest
from werkzeug.wrappers import Request, Response

from contracts.core import exits
from contracts.core.credentials import ConfigError, Credentials
from contracts.settings.config import Settings
from contracts.settings.scenarios import load_scenarios
from contracts.transport.http import TargetClient
from contracts.transport.server import envelope, json_response
from tests.helpers.staging import OVERCAP, OVERCAP_ENV, OVERCAP_TOKEN, SCENARIOS, StagingApp
from tests.helpers.support import TOKEN

STAGING_ENV = {"CONTRACT_API_TOKEN": TOKEN, OVERCAP_ENV: OVERCAP_TOKEN}
WITH_SCENARIOS = (f"--scenarios={SCENARIOS}",)


@pytest.fixture
def staging_url(serve) -> str:
    return serve(StagingApp(Credentials.bearer(TOKEN)))


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("ERROR:")]


# -- coverage -----------------------------------------------------------------------------------


def test_scenarios_verify_400_and_402_and_500_502_stay_not_provoked(gate, staging_url):
    run = gate(staging_url, *WITH_SCENARIOS, env=STAGING_ENV)
    assert run.returncode == exits.HONOURED, run.output  # 200 and 401, the default requirement, are verified
    statuses = run.summary["statuses"]
    for status in ("200", "400", "401", "402"):
        assert (statuses[status]["coverage"], statuses[status]["outcome"]) == ("verified", "passed"), statuses[status]
    for status in ("500", "502"):
        assert (statuses[status]["coverage"], statuses[status]["outcome"]) == ("not provoked", None), statuses[status]
        assert statuses[status]["reasons"] == [
            f"target answered 200 to 'Prefer: code={status}' (it does not honour Prefer; --scenarios says how to provoke {status})"
        ]
    assert "400: verified, passed" in run.output and "402: verified, passed" in run.output
    assert "500: not provoked: target answered 200 to 'Prefer: code=500'" in run.output
    # pytest's short summary points at the test that could not run, not at the plugin that skipped it.
    skipped = [line for line in run.output.splitlines() if line.startswith("SKIPPED")]
    assert skipped and all("suites/test_" in line and "contracts/gate.py" not in line for line in skipped), skipped
    table = run.artifacts()["report.html"]
    assert "<td>502</td><td>Bad Gateway - provider error</td><td></td>" in table and "not provoked" in table
    assert "not-verified" not in table  # no banner: every required status was verified
    extras = run.report_extras
    assert "?limit=-1" in extras and "X-Force-Error: validation" in extras  # the 400 scenario's request, as sent
    assert "Prefer: code=400" not in extras and "Prefer: code=402" not in extras


def test_without_scenarios_staging_verifies_200_and_401_only(gate, staging_url):
    run = gate(staging_url, env=STAGING_ENV)
    assert run.returncode == exits.HONOURED, run.output
    assert run.coverage == {
        "200": "verified",
        "400": "not provoked",
        "401": "verified",
        "402": "not provoked",
        "500": "not provoked",
        "502": "not provoked",
    }
    assert run.summary["counts"] == {"passed": 3, "failed": 0, "skipped": 4, "error": 0}  # not provoked is a skip, never a pass


def test_a_required_status_not_verified_does_not_pass(gate, staging_url):
    run = gate(staging_url, *WITH_SCENARIOS, "--require", "200,401,402,502", env=STAGING_ENV)
    assert run.returncode == exits.NOT_VERIFIED == 6, run.output
    why = "502 (not provoked: target answered 200 to 'Prefer: code=502'"
    assert f"not a pass: required status(es) not verified: {why}" in run.output
    assert "402 (" not in run.output.split("not a pass:")[1]  # verified through its scenario
    summary = run.summary
    assert summary["exit_status"] == 6 and summary["required"] == [200, 401, 402, 502]
    assert summary["statuses"]["502"]["required"] is True and summary["statuses"]["500"]["required"] is False
    page = run.artifacts()["report.html"]
    assert 'class="verdict not-verified"' in page and f"Not a pass: required status(es) not verified: {why}" in page.replace("&#x27;", "'")


def test_deselected_auth_tests_leave_401_not_selected(gate, staging_url):
    run = gate(staging_url, *WITH_SCENARIOS, "-m", "not auth and not client_validation", env=STAGING_ENV)
    assert run.returncode == exits.NOT_VERIFIED, run.output
    entry = run.summary["statuses"]["401"]
    assert (entry["coverage"], entry["outcome"], entry["tests"]) == ("not selected", None, [])
    assert entry["reasons"] == ["its tests were deselected by -m 'not auth and not client_validation'"]
    assert "401 (required): not selected: its tests were deselected by -m" in run.output


def test_a_narrowed_run_passes_only_what_it_requires(gate, staging_url):
    narrowed = gate(staging_url, *WITH_SCENARIOS, "-k", "402", env=STAGING_ENV)
    assert narrowed.returncode == exits.NOT_VERIFIED, narrowed.output  # 200 and 401 were left out
    assert narrowed.coverage["200"] == "not selected" and narrowed.coverage["402"] == "verified"
    assert narrowed.summary["statuses"]["200"]["reasons"] == ["its tests were deselected by -m 'not client_validation' and -k '402'"]
    only_402 = gate(staging_url, *WITH_SCENARIOS, "-k", "402", "--require", "402", env=STAGING_ENV)
    assert only_402.returncode == exits.HONOURED, only_402.output
    by_path = gate(staging_url, "suites/test_organization.py", "--require", "200,401", env=STAGING_ENV)
    assert by_path.returncode == exits.NOT_VERIFIED
    assert by_path.summary["statuses"]["401"]["reasons"] == ["its tests are not in the run's paths"]


def test_an_over_cap_402_without_tracking_id_goes_red_through_its_scenario(gate, serve):
    staging = StagingApp(Credentials.bearer(TOKEN))

    def app(environ, start_response):
        response = staging.respond(Request(environ))
        if response.status_code == 402:
            body = envelope(402)
            del body["trackingId"]
            response = json_response(body, 402)
        return response(environ, start_response)

    run = gate(serve(app), *WITH_SCENARIOS, env=STAGING_ENV)
    assert run.returncode == exits.VIOLATED, run.output
    assert "$.trackingId: expected required property, got missing" in run.output or "$.trackingId: expected" in run.output
    entry = run.summary["statuses"]["402"]
    assert (entry["coverage"], entry["outcome"]) == ("verified", "failed")
    assert any("$.trackingId" in reason for reason in entry["reasons"]), entry
    assert {s: e["verdict"] for s, e in run.summary["statuses"].items() if e["outcome"] == "failed"} == {"402": "failed"}


def test_a_provoked_answer_of_another_status_is_judged_for_that_status(gate, serve):
    """Prefer ignored and the 200 body broken: the 402 row is not provoked, and red, naming what came back."""
    staging = StagingApp(Credentials.bearer(TOKEN))

    def app(environ, start_response):
        response = staging.respond(Request(environ))
        if response.status_code == 200:
            response = json_response({**json.loads(response.get_data()), "messagesCap": True})
        return response(environ, start_response)

    run = gate(serve(app), env=STAGING_ENV)
    assert run.returncode == exits.VIOLATED, run.output
    entry = run.summary["statuses"]["402"]
    assert (entry["coverage"], entry["outcome"]) == ("not provoked", "failed"), entry
    assert (
        entry["reasons"][0].startswith("target answered 200 to 'Prefer: code=402'")
        and "$.messagesCap: expected number" in entry["reasons"][0]
    )


def test_a_run_that_stops_early_attempted_nothing(gate):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = gate(f"http://127.0.0.1:{port}", "--require", "200,401,402")
    assert run.returncode == exits.UNREACHABLE, run.output  # the stop's own code wins over "not verified"
    assert set(run.coverage.values()) == {"not attempted"}
    assert run.summary["statuses"]["402"]["reasons"][0].startswith("target unreachable: GET")


# -- secrets ------------------------------------------------------------------------------------


def test_scenario_credentials_echoed_by_the_server_appear_in_no_artifact(gate, serve):
    staging = StagingApp(Credentials.bearer(TOKEN))

    def app(environ, start_response):
        request = Request(environ)
        sent = request.headers.get("Authorization", "")
        response = staging.respond(request)
        if response.status_code == 402:
            body = envelope(402)
            body["error"]["message"] = f"account over its caps: {sent} / {json.dumps(sent.split(' ')[-1])}"
            body["error"]["fix"] = 42  # a violation, so the failure text carries the exchange too
            response = json_response(body, 402, **{"X-Echo-Authorization": sent})
        return response(environ, start_response)

    run = gate(serve(app), *WITH_SCENARIOS, "-vv", "-rA", env=STAGING_ENV)
    assert run.returncode == exits.VIOLATED, run.output
    artifacts = run.artifacts()
    assert "account over its caps" in artifacts["report.html"]
    for name, text in artifacts.items():
        for secret in OVERCAP.secret_values():
            assert secret not in text, f"{name} leaks the scenario's credential"
    assert "***REDACTED***" in artifacts["report.html"]


# -- bad scenario files and requirements: exit 4, one line ------------------------------------------

BAD_SCENARIOS = {
    "undocumented-status": ('[status.404]\nquery = { a = "1" }\n', "[status.404] is not a status the reference documents"),
    "status-200": ('[status.200]\nquery = { a = "1" }\n', "[status.200] takes no scenario (the configured credentials provoke it)"),
    "unknown-key": ('[status.402]\nheader = { A = "1" }\n', "[status.402]: unknown key 'header': use headers, query, credentials"),
    "unknown-credential-key": (
        '[status.402]\ncredentials = { token = "x" }\n',
        "[status.402]: credentials must name environment variables",
    ),
    "unset-variable": (
        '[status.402]\ncredentials = { token_env = "NO_SUCH_TOKEN_VAR" }\n',
        "[status.402]: credentials.token_env: environment variable NO_SUCH_TOKEN_VAR is unset or empty",
    ),
    "empty-variable": (
        '[status.402]\ncredentials = { client_id_env = "STAGING_CLIENT", client_secret_env = "STAGING_EMPTY" }\n',
        "[status.402]: credentials.client_secret_env: environment variable STAGING_EMPTY is unset or empty",
    ),
    "not-a-string": ("[status.400]\nquery = { limit = -1 }\n", "[status.400]: query.limit must be a string"),
    "authorization-header": ('[status.400]\nheaders = { Authorization = "Bearer x" }\n', "no Authorization header in the file"),
    "toml-syntax": ("[status.402\nquery = 1\n", "not valid TOML: "),
}


@pytest.mark.parametrize("name", BAD_SCENARIOS)
def test_a_bad_scenarios_file_is_one_line_and_exit_4(gate, staging_url, tmp_path, name):
    text, message = BAD_SCENARIOS[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    env = {**STAGING_ENV, "STAGING_CLIENT": "client-7", "STAGING_EMPTY": "  "}
    run = gate(staging_url, f"--scenarios={path}", env=env)  # with "=": a path outside the repository is not taken for a test path
    assert run.returncode == exits.BAD_CONFIGURATION, run.output
    errors = error_lines(run.output)
    assert len(errors) == 1 and f"--scenarios {path}" in errors[0] and message in errors[0], run.output
    assert "Traceback" not in run.output


@pytest.mark.parametrize(
    "args, with_url, message",
    [
        (["--require", "200,404"], True, "--require '200,404' names undocumented status(es) 404"),
        (["--require", ""], True, "--require '' names no status"),
        (["--scenarios", "no-such-file.toml"], True, "--scenarios no-such-file.toml: cannot read the file (No such file or directory)"),
        ([f"--scenarios={SCENARIOS}"], False, "is set but no base URL is"),
    ],
    ids=["undocumented-required", "empty-required", "missing-file", "scenarios-without-base-url"],
)
def test_bad_requirement_or_scenarios_option_is_one_line_and_exit_4(gate, staging_url, args, with_url, message):
    run = gate(staging_url if with_url else None, *args, env=STAGING_ENV if with_url else {})
    assert run.returncode == exits.BAD_CONFIGURATION, run.output
    errors = error_lines(run.output)
    assert len(errors) == 1 and message in errors[0], run.output
    assert "Traceback" not in run.output


# -- the scenarios file itself (no run) -------------------------------------------------------------


def test_scenarios_are_read_with_their_credentials_from_the_environment():
    scenarios = load_scenarios(SCENARIOS, env={OVERCAP_ENV: f" {OVERCAP_TOKEN}\n"})
    assert set(scenarios) == {400, 402}
    assert scenarios[402].credentials == OVERCAP and scenarios[402].headers == {} and scenarios[402].query == {}
    assert scenarios[400].query == {"limit": "-1"} and scenarios[400].headers == {"X-Force-Error": "validation"}
    assert scenarios[400].credentials is None
    assert scenarios[402].describe() == f"the 402 scenario (credentials from ${OVERCAP_ENV})"
    assert scenarios[400].describe() == "the 400 scenario (headers X-Force-Error; query limit=-1)"
    assert OVERCAP_TOKEN not in repr(scenarios)


def test_basic_credentials_and_an_empty_file(tmp_path):
    path = tmp_path / "basic.toml"
    path.write_text('[status.502]\ncredentials = { client_id_env = "ID", client_secret_env = "SECRET" }\n', encoding="utf-8")
    scenario = load_scenarios(path, env={"ID": "client-9", "SECRET": "s3cret-pw"})[502]
    assert scenario.credentials == Credentials.basic("client-9", "s3cret-pw")
    with pytest.raises(ConfigError, match=r"\[status.502\]: \$SECRET is 6 characters long: a secret needs at least 8"):
        load_scenarios(path, env={"ID": "client-9", "SECRET": "s3cret"})  # masked by value: a short one would mangle other text
    assert scenario.describe() == "the 502 scenario (credentials from $ID + $SECRET)"
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing to provoke yet\n", encoding="utf-8")
    assert load_scenarios(empty, env={}) == {}
    with pytest.raises(ConfigError, match=r"\[status.401\] takes no scenario \(missing and wrong credentials provoke it\)"):
        path.write_text('[status.401]\nheaders = { "X-A" = "1" }\n', encoding="utf-8")
        load_scenarios(path, env={})


def test_scenario_request_carries_its_headers_query_and_credentials(serve, tmp_path):
    seen: list[Request] = []

    def recorder(environ, start_response):
        seen.append(Request(environ))
        return Response("{}", status=402, mimetype="application/json")(environ, start_response)

    settings = Settings(serve(recorder), Credentials.bearer(TOKEN))
    client = TargetClient(settings)
    try:
        exchange = client.get_organization(credentials=OVERCAP, headers={"X-Force-Error": "quota"}, query={"limit": "-1", "q": "a b"})
    finally:
        client.close()
    request = seen[0]
    assert request.headers["Authorization"] == f"Bearer {OVERCAP_TOKEN}" and request.headers["X-Force-Error"] == "quota"
    assert "Prefer" not in request.headers
    assert request.args.to_dict() == {"limit": "-1", "q": "a b"}
    assert exchange.url.endswith("/account/organization?limit=-1&q=a+b")
    assert exchange.request_headers["Authorization"] == "<redacted>"
