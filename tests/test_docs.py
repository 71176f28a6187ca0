"""Every command of README.md and docs/, run as written in a scratch checkout against loopback servers, or listed
in NOT_RUN with the reason; the client example; the CI examples and the scenarios example they use.

What a test changes in a command before running it is named in its `rewrite`: the staging URL becomes a
loopback server's, `...` becomes the test's secret, a port becomes a free one, a 60 s load run a 2 s one.
A piece the command no longer holds fails the test, so a page cannot drift away from what is run.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from contracts.core.credentials import ConfigError, Credentials
from contracts.settings.scenarios import load_scenarios
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp, envelope
from tests.helpers.doc_commands import (
    CLAIMED,
    MISSING,
    Command,
    all_commands,
    blocks,
    claim,
    clean_env,
    read,
    rewrite,
    run,
    scratch_checkout,
    script,
)
from tests.helpers.faults import FaultApp
from tests.helpers.staging import OVERCAP_ENV, OVERCAP_TOKEN, StagingApp
from tests.helpers.support import REPO, TOKEN
from tests.propose.drifting import DriftingApp, as_har, as_json_lines, recorded_traffic

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

STAGING = "https://staging.example.com"
SECRETS = {"CONTRACT_API_TOKEN": TOKEN, OVERCAP_ENV: OVERCAP_TOKEN}  # for the `NAME=...` the pages show
FAULT_TOKEN = "fault-token"  # what `python -m tests.helpers.faults` requires by default
LOCUST = pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="Locust is not installed: pip install -e '.[load]'")

# -- the commands no test runs here, and why ------------------------------------------------------------------

BY_CI_RUN = ".ci/run runs it on a clean checkout (test_ci_run_holds_the_setup_commands checks it is there verbatim)"
PROJECT_TESTS = "the project's own tests: run from inside them it would recurse; .ci/run runs `pytest tests` whole"
MEASUREMENT = "minutes of measurement on a quiet machine, by design; test_benchmark_commands_name_real_options checks its options"
BY_TEST_LOAD = "tests/test_load.py runs a master and two workers on loopback"
APPLIES = "it changes the schema files a scratch checkout shares with this one; tests/propose/test_end_to_end.py applies one in a copy"
NOT_RUN: dict[tuple[str, str], str] = {
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/pytest"): BY_CI_RUN,
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest tests"): BY_CI_RUN,
    ("README.md", ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy"): BY_CI_RUN,
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install -q -e ."): BY_CI_RUN,
    ("docs/changing-the-contract.md", ".venv/bin/pytest tests -k"): PROJECT_TESTS,
    ("docs/changing-the-contract.md", ".venv/bin/pytest tests/test_mutation_catalogue.py -q"): PROJECT_TESTS,
    (
        "docs/load.md",
        ".venv/bin/pip install -q -e '.[load]'",
    ): "it would change the environment the tests run in; the test extra has Locust",
    (
        "docs/load.md",
        ".venv/bin/locust -f contracts/locustfile.py --headless -u 500",
    ): f"a master waiting for 4 worker machines; {BY_TEST_LOAD}",
    ("docs/load.md", ".venv/bin/locust -f contracts/locustfile.py --worker"): f"a worker of a master on another machine; {BY_TEST_LOAD}",
    ("docs/changing-the-contract.md", "git apply proposal/proposal.diff"): APPLIES,
    ("docs/changing-the-contract.md", ".venv/bin/python -m contracts propose --out proposal --apply"): APPLIES,
    (
        "docs/changing-the-contract.md",
        "git show HEAD:schemas/",
    ): "needs this repository's history; the test gives diff the file as main has it",
    ("docs/benchmarks.md", ".venv/bin/python benchmarks/validator_throughput.py"): MEASUREMENT,
    ("docs/benchmarks.md", ".venv/bin/python benchmarks/replay_throughput.py"): MEASUREMENT,
    ("docs/benchmarks.md", ".venv/bin/python benchmarks/load_overhead.py"): MEASUREMENT,
    ("docs/benchmarks.md", ".venv/bin/python -m benchmarks.gate_vs_schemathesis"): MEASUREMENT,
    ("docs/benchmarks.md", ".venv/bin/python -m benchmarks.catalogue_vs_schemathesis"): MEASUREMENT,
    ("docs/benchmarks.md", ".venv/bin/python benchmarks/evidence_cost.py"): MEASUREMENT,
}

# -- the commands the tests below run, taken from their pages at import --------------------------------------

SERVE = claim("README.md", ".venv/bin/python -m contracts serve")
GATE_IT = claim("README.md", "CONTRACT_API_TOKEN=<printed-token> .venv/bin/pytest --base-url http://127.0.0.1:8080")
GATE_A_DEPLOYMENT = claim("README.md", ".venv/bin/pytest --base-url https://staging.example.com")
DEPLOY = claim("README.md", ".venv/bin/pytest --request-timeout 15 --scenarios=staging-scenarios.toml")
SELECT_STATUSES = claim(
    "docs/gate.md", ".venv/bin/pytest --base-url https://staging.example.com --scenarios=staging-scenarios.toml --status"
)
SELECT_MARKERS = claim("docs/gate.md", ".venv/bin/pytest --base-url https://staging.example.com -m")
SERVE_WITH_TOKEN = claim("docs/gate.md", ".venv/bin/python -m contracts serve --port")
BASELINE_LAST = claim("docs/regression.md", ".venv/bin/pytest --base-url=https://staging.example.com --baseline=last")
KEEP_SUMMARY = claim("docs/regression.md", "cp reports/summary.json")
BASELINE_PATH = claim("docs/regression.md", ".venv/bin/pytest --base-url=https://staging.example.com --baseline=previous")
RECORD_KNOWN = claim("docs/regression.md", ".venv/bin/pytest --base-url=https://staging.example.com --record-known")
USE_KNOWN = claim("docs/regression.md", ".venv/bin/pytest --base-url=https://staging.example.com --known-violations")
REPLAY = claim("docs/replay.md", ".venv/bin/python -m contracts replay session.har")
REPLAY_STDIN = claim("docs/replay.md", "zcat")
REPLAY_BASELINE = claim("docs/replay.md", ".venv/bin/python -m contracts replay gateway.jsonl")
LOAD = claim("docs/load.md", ".venv/bin/locust -f contracts/locustfile.py --headless -u 50 -r 10 -t 60s --host https://staging.example.com")
LOAD_SCENARIOS = claim(
    "docs/load.md",
    ".venv/bin/locust -f contracts/locustfile.py --headless -u 50 -r 10 -t 60s --host https://staging.example.com --scenarios",
)
VALIDATE_FILES = claim("docs/client-and-validate.md", ".venv/bin/python -m contracts validate organization response.json")
VALIDATE_STDIN = claim("docs/client-and-validate.md", ".venv/bin/python -m contracts validate error")
VALIDATE_JSONL = claim("docs/client-and-validate.md", ".venv/bin/python -m contracts validate organization --jsonl")
SERVE_FAULTS = claim("docs/proof.md", ".venv/bin/python -m tests.helpers.faults")
GATE_A_FAULT = claim("docs/proof.md", "CONTRACT_API_TOKEN=fault-token .venv/bin/pytest")
PROPERTY_TESTS = claim("docs/proof.md", ".venv/bin/pytest -m client_validation")
PROPOSE = claim("docs/changing-the-contract.md", ".venv/bin/python -m contracts propose --out proposal")
PROPOSE_FROM_CAPTURES = claim("docs/changing-the-contract.md", ".venv/bin/python -m contracts propose --from")
DIFF = claim("docs/changing-the-contract.md", ".venv/bin/python -m contracts diff")


def test_every_command_in_the_docs_is_run_by_a_test_or_says_why_not():
    assert MISSING == []
    unaccounted, twice = [], []
    for command in all_commands():
        run_by_test = (command.page, command.text) in CLAIMED
        listed = [start for page, start in NOT_RUN if page == command.page]
        not_run = [s for s in listed if command.text == s] or [s for s in listed if command.text.startswith(s)]
        if run_by_test + len(not_run) == 0:
            unaccounted.append(f"{command.page}: {command.text}")
        elif run_by_test + len(not_run) > 1:
            twice.append(f"{command.page}: {command.text}")
    stale = [key for key in NOT_RUN if not any(c.page == key[0] and c.text.startswith(key[1]) for c in all_commands())]
    assert (unaccounted, twice, stale) == ([], [], [])


def test_every_file_of_this_repository_a_command_names_exists():
    """Also in the commands no test runs here: a module that moves must take its commands along."""
    named = [
        (c.page, path)
        for c in all_commands()
        for path in re.findall(r"(?<![\w./-])((?:contracts|tests|benchmarks|suites)/[\w./-]+)", c.text)
    ]
    assert named and [f"{page}: {path}" for page, path in named if not (REPO / path).exists()] == []


def test_every_command_runs_without_activating_the_venv():
    bare = []
    for command in all_commands():
        for part in re.split(r"&&|\||;", command.text):
            words = re.sub(r"^\s*([A-Z_]+=\S+\s+)*", "", part).split()
            if words and re.fullmatch(r"(python|pytest|pip|locust|organization-contracts|ruff|mypy)", words[0]):
                bare.append(command.text)
    assert bare == []


def test_ci_run_holds_the_setup_commands():
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for (page, start), reason in NOT_RUN.items():
        if reason == BY_CI_RUN:
            assert start in ci_run, f"{page}: {start}"


# -- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture
def checkout(tmp_path) -> Path:
    return scratch_checkout(tmp_path / "checkout")


@pytest.fixture
def staging_url(serve) -> str:
    """A deployment as the gate meets it on staging: it ignores Prefer; 400 and 402 only through their scenarios."""
    return serve(StagingApp(Credentials.bearer(TOKEN)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running(text: str, cwd: Path, until: str, timeout: float = 60) -> Iterator[str]:
    """A long-running command started as written; yields what it printed up to the line holding `until`, then stops it
    as Ctrl-C would."""
    process = subprocess.Popen(["bash", "-c", f"exec {text}"], cwd=cwd, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    printed, ends = b"", time.monotonic() + timeout
    try:
        while until.encode() not in printed or not printed.endswith(b"\n"):
            assert time.monotonic() < ends, f"{text!r} printed no {until!r} within {timeout} s: {printed!r}"
            if select.select([process.stdout], [], [], 0.2)[0]:
                chunk = os.read(process.stdout.fileno(), 65536)
                assert chunk, f"{text!r} ended: {printed!r}"
                printed += chunk
        yield printed.decode()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# -- README ---------------------------------------------------------------------------------------------------


def test_the_quick_start_gates_the_reference_server_with_the_token_it_prints(checkout):
    port = free_port()
    (sample,) = [b.text for b in blocks("README.md") if b.text.startswith("reference server on ")]
    with running(rewrite(SERVE.text, {"contracts serve": f"contracts serve --port {port}"}), checkout, "bearer token") as printed:
        line = printed.strip().splitlines()[-1]
        shown = sample.split("bearer token")[0].replace(":8080", f":{port}")
        assert line.startswith(shown + "bearer token "), (line, sample)
        token = line.split("bearer token ")[1]
        done = run(rewrite(GATE_IT.text, {"<printed-token>": token, ":8080": f":{port}"}), checkout)
    assert done.returncode == 0, done.output
    assert " 7 passed in " in done.stdout and "7 passed" in read("README.md").split("## Gating a deployment")[0]
    assert (checkout / "reports" / "report.html").is_file()


def test_gating_a_deployment_with_the_default_requirement(checkout, staging_url):
    done = run(script(GATE_A_DEPLOYMENT, {STAGING: staging_url}, SECRETS), checkout)
    assert done.returncode == 0, done.output
    assert "200 (required): verified, passed" in done.stdout and "401 (required): verified, passed" in done.stdout
    assert "402: not provoked" in done.stdout  # staging ignores Prefer: without a scenario 402 is not verified


def test_the_deploy_command_gates_a_staging_like_deployment_and_compares_with_the_run_before(checkout, staging_url):
    """The README's deploy command, with the shipped scenarios file, twice: what the CI examples run after each deploy."""
    first = run(script(DEPLOY, {STAGING: staging_url}, SECRETS), checkout)
    assert first.returncode == 0, first.output
    assert "402 (required): verified, passed" in first.stdout and "400 (required): verified, passed" in first.stdout
    assert " 5 passed, 2 skipped in " in first.stdout  # 500 and 502 not provoked; the property tests not collected
    assert "--baseline last: no earlier run against" in first.output
    second = run(script(DEPLOY, {STAGING: staging_url}, SECRETS), checkout)
    assert second.returncode == 0, second.output
    assert "since the baseline (" in second.stdout and "no earlier run" not in second.output
    summary = json.loads((checkout / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert summary["since_baseline"]["new_failures"] == []


def test_the_readme_s_deploy_command_is_the_one_every_ci_example_runs():
    assert DEPLOY.exports == ("export PYTEST_BASE_URL=https://staging.example.com CONTRACT_API_TOKEN=... STAGING_OVERCAP_TOKEN=...",)
    for path in CI_EXAMPLES:
        assert DEPLOY.text in flat(path), path


# -- docs/gate.md ---------------------------------------------------------------------------------------------


def test_selecting_statuses_with_their_scenarios_and_by_marker(checkout, staging_url):
    statuses = run(script(SELECT_STATUSES, {STAGING: staging_url}, SECRETS), checkout)
    assert statuses.returncode == 0, statuses.output
    assert "400 (required): verified, passed" in statuses.stdout and "402 (required): verified, passed" in statuses.stdout
    assert "200: not selected" in statuses.stdout
    markers = run(script(SELECT_MARKERS, {STAGING: staging_url}, SECRETS), checkout)
    assert markers.returncode == 0, markers.output
    assert "200 (required): verified, passed" in markers.stdout and "401: not selected" in markers.stdout


def test_the_reference_server_requires_the_token_it_was_given(checkout):
    port = free_port()
    with running(rewrite(SERVE_WITH_TOKEN.text, {"--port 9090": f"--port {port}"}), checkout, "credentials") as printed:
        assert f"reference server on http://127.0.0.1:{port}/account/organization" in printed
        url = f"http://127.0.0.1:{port}/account/organization"
        assert requests.get(url, headers={"Authorization": "Bearer local-secret-token"}, timeout=10).status_code == 200
        assert requests.get(url, timeout=10).status_code == 401


# -- docs/regression.md ---------------------------------------------------------------------------------------


def test_comparing_with_the_last_run_and_with_a_kept_summary(checkout, staging_url):
    first = run(script(BASELINE_LAST, {STAGING: staging_url}, SECRETS), checkout)
    assert first.returncode == 0 and "--baseline last: no earlier run against" in first.output, first.output
    assert run(script(KEEP_SUMMARY, secrets=SECRETS), checkout).returncode == 0
    again = run(script(BASELINE_LAST, {STAGING: staging_url}, SECRETS), checkout)
    assert again.returncode == 0 and "since the baseline (" in again.stdout, again.output
    kept = run(script(BASELINE_PATH, {STAGING: staging_url}, SECRETS), checkout)
    assert kept.returncode == 0, kept.output
    assert "since the baseline (" in kept.stdout and "previous-summary.json" in kept.stdout


def test_recorded_known_violations_keep_the_gate_green_until_a_new_one(checkout, serve):
    broken = serve(FaultApp(Credentials.bearer(TOKEN))) + "/fault/200-anniversaryDate-slashes"
    recorded = run(script(RECORD_KNOWN, {STAGING: broken}, SECRETS), checkout)
    assert recorded.returncode == 1, recorded.output
    known = json.loads((checkout / "known-violations.json").read_text(encoding="utf-8"))
    assert [(v["status"], v["check"], v["path"]) for v in known["known_violations"]] == [(200, "schema", "$.anniversaryDate")]
    accepted = run(script(USE_KNOWN, {STAGING: broken}, SECRETS), checkout)
    assert accepted.returncode == 0, accepted.output
    (example,) = [b.text for b in blocks("docs/regression.md", ("json",))]
    assert json.loads(example)["known_violations"][0]["path"] == "$.anniversaryDate"


# -- docs/replay.md -------------------------------------------------------------------------------------------

ORGANIZATION_URL = "https://api.example.com/account/organization"


def har_entry(url: str, status: int, reason: str, content_type: str, text: str, **headers: str) -> dict:
    response_headers = [{"name": "Content-Type", "value": content_type}] + [{"name": k, "value": v} for k, v in headers.items()]
    return {
        "request": {"method": "GET", "url": url, "headers": [{"name": "Authorization", "value": f"Bearer {TOKEN}"}]},
        "response": {
            "status": status,
            "statusText": reason,
            "headers": response_headers,
            "content": {"mimeType": content_type, "text": text},
        },
    }


def write_captures(folder: Path) -> None:
    """The captures the replay page names: entry 9 of the HAR is a 301, line 12 of the gateway log a 200 with a string cap."""
    entries = [har_entry(f"https://app.example.com/static/{n}.js", 200, "OK", "text/javascript", "0") for n in range(8)]
    entries.append(har_entry(ORGANIZATION_URL, 301, "Moved Permanently", "text/html", "", Location="https://api.example.com/v2/"))
    har = {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}
    (folder / "session.har").write_text(json.dumps(har), encoding="utf-8")
    json_type = {"Content-Type": "application/json"}
    lines = [{"url": "https://api.example.com/v1/messages", "status": 200, "headers": json_type, "body": "{}"} for _ in range(9)]
    lines.append({"url": ORGANIZATION_URL, "status": 401, "headers": json_type, "body": json.dumps(envelope(401))})
    lines.append({"url": ORGANIZATION_URL, "status": 200, "headers": json_type, "body": json.dumps(SAMPLE_ORGANIZATION)})
    lines.append(
        {"url": ORGANIZATION_URL, "status": 200, "headers": json_type, "body": json.dumps(SAMPLE_ORGANIZATION | {"costCap": "12"})}
    )
    (folder / "gateway.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (folder / "gateway-2026-11-24.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps(line) + "\n" for line in lines[:11]).encode()))


def test_replay_judges_a_har_and_a_gateway_log_as_the_page_shows(checkout):
    write_captures(checkout)
    done = run(script(REPLAY), checkout)
    assert done.returncode == 1, done.output
    (sample,) = [b.text for b in blocks("docs/replay.md", ("",)) if "gateway.jsonl#12" in b.text]
    violations, table = sample.splitlines()[:2], sample.splitlines()[2:4]
    assert done.stdout.splitlines() == violations  # one line per violating exchange, in capture order
    assert all(row in done.stderr.splitlines() for row in table), done.stderr
    assert {p.name for p in (checkout / "replay-report").iterdir()} >= {"report.html", "junit.xml", "summary.json", "history"}
    piped = run(script(REPLAY_STDIN), checkout)
    assert piped.returncode == 0 and piped.stdout == "", piped.output


def test_replay_compares_with_its_last_run(checkout):
    write_captures(checkout)
    first = run(script(REPLAY_BASELINE), checkout)
    assert first.returncode == 1 and "no earlier run" in first.stderr, first.output
    second = run(script(REPLAY_BASELINE), checkout)
    assert second.returncode == 1 and "since the baseline (" in second.stderr and "0 new failure" in second.stderr, second.output


# -- docs/load.md ---------------------------------------------------------------------------------------------

SHORT_LOAD = {"-t 60s": "-t 2s", "--headless": "--headless --only-summary --loglevel WARNING"}


@LOCUST
def test_a_standalone_load_run_judges_every_response(checkout, staging_url):
    done = run(script(LOAD, {STAGING: staging_url, **SHORT_LOAD}, SECRETS), checkout, timeout=120)
    assert done.returncode == 0, done.output
    summary = json.loads((checkout / "reports" / "load-summary.json").read_text(encoding="utf-8"))
    assert summary["load"]["verdict"] == "honoured" and summary["load"]["statuses"]["200"]["responses"] > 0


@LOCUST
def test_a_load_run_mixes_in_the_scenarios(checkout, staging_url):
    done = run(script(LOAD_SCENARIOS, {STAGING: staging_url, **SHORT_LOAD}, SECRETS), checkout, timeout=120)
    assert done.returncode == 0, done.output
    summary = json.loads((checkout / "reports" / "load-summary.json").read_text(encoding="utf-8"))
    assert summary["load"]["verdict"] == "honoured" and summary["load"]["statuses"]["402"]["responses"] > 0, summary["load"]["statuses"]


# -- docs/client-and-validate.md ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client_example() -> str:
    (code,) = [b.text for b in blocks("docs/client-and-validate.md", ("python",))]
    return code


def run_example(code: str, url: str) -> subprocess.CompletedProcess:
    env = clean_env(ORGANIZATION_API_URL=url, CONTRACT_API_TOKEN=TOKEN)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=REPO)


def test_the_client_example_prints_the_organization(client_example, reference_url):
    done = run_example(client_example, reference_url)
    assert (done.returncode, done.stdout, done.stderr) == (0, "2026-12-01 0:00:00\n", "")


def test_the_client_example_handles_an_error_status(client_example, serve):
    done = run_example(client_example, serve(ReferenceApp(Credentials.bearer("another-token-0123"))))
    assert done.returncode == 0 and done.stdout.startswith("401 ") and "NameError" not in done.stderr, done.stderr


def test_the_client_example_handles_no_answer(client_example):
    port = free_port()  # nothing listens there: connections are refused
    done = run_example(client_example, f"http://127.0.0.1:{port}")
    assert done.returncode == 0 and done.stderr == "" and f"127.0.0.1:{port}" in done.stdout, done.stdout + done.stderr


def test_validate_judges_files_standard_input_and_json_lines(checkout):
    (checkout / "response.json").write_text(json.dumps(SAMPLE_ORGANIZATION), encoding="utf-8")
    (checkout / "other.json").write_text(json.dumps(SAMPLE_ORGANIZATION | {"messagesCap": True}), encoding="utf-8")
    (checkout / "body.json").write_text(json.dumps(envelope(402)), encoding="utf-8")
    lines = [json.dumps(SAMPLE_ORGANIZATION), json.dumps({"organizationId": 7})]
    (checkout / "capture.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    files = run(script(VALIDATE_FILES), checkout)
    assert files.returncode == 1 and files.stdout == "other.json: $.messagesCap: expected number, got true (boolean)\n", files.output
    stdin = run(script(VALIDATE_STDIN), checkout)
    assert (stdin.returncode, stdin.stdout) == (0, ""), stdin.output
    jsonl = run(script(VALIDATE_JSONL), checkout)
    assert jsonl.returncode == 1 and jsonl.stdout.startswith("capture.jsonl:2: $") and "capture.jsonl:1:" not in jsonl.stdout, jsonl.output


# -- docs/proof.md --------------------------------------------------------------------------------------------


def test_a_fault_variant_served_by_hand_turns_the_gate_red(checkout):
    port = free_port()
    with running(rewrite(SERVE_FAULTS.text, {"--port 8081": f"--port {port}"}), REPO, "Ctrl-C stops") as printed:
        assert f"http://127.0.0.1:{port}/fault/402-error-as-string" in printed and f"bearer token {FAULT_TOKEN!r}" in printed
        done = run(rewrite(GATE_A_FAULT.text, {":8081": f":{port}"}), checkout)
    assert done.returncode == 1, done.output
    assert "$.error: expected object" in done.stdout and "402: verified, failed" in done.stdout


def test_the_property_tests_run_offline(checkout):
    done = run(script(PROPERTY_TESTS), checkout, timeout=300)
    assert re.search(r" \d{3} passed, \d+ deselected in ", done.stdout), done.output
    # As docs/proof.md says: a run that checks no target requires no status, so all passed is exit 0.
    assert done.returncode == 0 and "require no status" in read("docs/proof.md"), done.output
    assert done.stdout.splitlines()[-2] == "verdict: PASSED (exit 0: the contract is honoured)", done.output


# -- docs/changing-the-contract.md ----------------------------------------------------------------------------


def test_proposing_from_the_gate_history_and_from_captures_then_comparing_as_the_page_shows(checkout, serve):
    url = serve(DriftingApp(Credentials.bearer(TOKEN)))
    for _ in range(2):  # the gate after two deploys: its history keeps the evidence
        gated = run(script(GATE_A_DEPLOYMENT, {STAGING: url}, SECRETS), checkout)
        assert gated.returncode == 0, gated.output
    proposed = run(script(PROPOSE), checkout)
    assert proposed.returncode == 0, proposed.output
    assert "$.region: string, required (seen in 2 of 2 bodies over 2 runs" in proposed.stdout
    assert {path.name for path in (checkout / "proposal").iterdir()} == {"schemas", "patches", "contracts", "proposal.diff", "SUMMARY.md"}
    (checkout / "session.har").write_text(as_har(recorded_traffic(url, TOKEN, organizations=2)), encoding="utf-8")
    (checkout / "gateway.jsonl").write_text(as_json_lines(recorded_traffic(url, TOKEN, organizations=2)), encoding="utf-8")
    from_captures = run(script(PROPOSE_FROM_CAPTURES), checkout)
    assert from_captures.returncode == 0, from_captures.output
    assert "accepts all 10 learned bodies" in (checkout / "proposal" / "SUMMARY.md").read_text(encoding="utf-8")
    # What `git show` and `git apply` leave: the file as main has it beside the file as proposed.
    shutil.copytree(REPO / "schemas", checkout / "schemas")
    shutil.copy(REPO / "schemas" / "organization.schema.json", checkout / "old.schema.json")
    shutil.copy(checkout / "proposal" / "schemas" / "organization.schema.json", checkout / "schemas" / "organization.schema.json")
    compared = run(script(DIFF), checkout)
    assert compared.returncode == 1, compared.output
    assert "$.region: required member added (breaks providers)" in compared.stdout.splitlines()


# -- docs/benchmarks.md ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [c for c in all_commands() if c.page == "docs/benchmarks.md"], ids=lambda c: c.text.split()[2])
def test_benchmark_commands_name_real_options(command: Command):
    """Each benchmark is minutes of measurement, so it is not run here; its script must import, and accept what the page passes."""
    options = re.findall(r"(--[\w-]+)", command.text)
    if not options:
        module = command.text.split(" -m ")[1].split()[0]
        assert importlib.util.find_spec(module) is not None, module
        return
    done = run(re.sub(r" --.*", " --help", command.text), REPO, timeout=120)
    assert done.returncode == 0, done.output
    assert [o for o in options if o not in done.stdout] == []


# -- CI examples and the scenarios example --------------------------------------------------------------------

CI_EXAMPLES = ("docs/ci/github-actions-staging-gate.yml", "docs/ci/gitlab-ci-staging-gate.yml", "docs/ci/Jenkinsfile.staging-gate")
CI_COMMAND = ".venv/bin/pytest --request-timeout 15 --scenarios=staging-scenarios.toml --require 200,401,400,402 --baseline=last"


def flat(path: str) -> str:
    """The file as one line: folded YAML scalars and Groovy strings read as the command they run."""
    text = read(path)
    if path.endswith(".yml"):
        text = yaml.safe_dump(yaml.safe_load(text), width=10_000)
    return " ".join(text.split())


def test_the_scenarios_example_loads_and_names_credentials_by_variable_only():
    path = REPO / "staging-scenarios.toml"
    scenarios = load_scenarios(path, env={OVERCAP_ENV: OVERCAP_TOKEN})
    assert sorted(scenarios) == [400, 402, 500, 502]
    assert scenarios[402].credentials == Credentials.bearer(OVERCAP_TOKEN) and scenarios[402].credential_source == f"${OVERCAP_ENV}"
    with pytest.raises(ConfigError, match=f"environment variable {OVERCAP_ENV} is unset or empty"):
        load_scenarios(path, env={})
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    credentials = [table["credentials"] for table in document["status"].values() if "credentials" in table]
    assert credentials and all(
        key.endswith("_env") and re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for c in credentials for key, name in c.items()
    )
    text = path.read_text(encoding="utf-8")
    assert all(re.search(rf"^# [^\n]*\n\[status\.{status}\]", text, re.M) for status in scenarios), "a comment above each scenario"


@pytest.mark.parametrize("path", CI_EXAMPLES)
def test_each_ci_example_runs_the_deploy_command_with_the_shipped_scenarios(path):
    assert CI_COMMAND in flat(path)
    assert (REPO / "staging-scenarios.toml").is_file() and "--scenarios=staging-scenarios.toml" in flat(path)
    for variable in ("CONTRACT_API_TOKEN", OVERCAP_ENV):  # every variable the scenarios example names is set by the job
        assert re.search(rf"\b{variable}(:| =|=)", read(path)), (path, variable)
    assert path in read("README.md") or Path(path).name in read("docs/ci/README.md")


@pytest.mark.parametrize("path", CI_EXAMPLES)
def test_each_ci_example_publishes_junit_and_keeps_the_report(path):
    text = read(path)
    if "github" in path:
        steps = yaml.safe_load(text)["jobs"]["organization-contract"]["steps"]
        junit = [s for s in steps if "action-junit-report" in s.get("uses", "")]
        kept = [s for s in steps if "upload-artifact" in s.get("uses", "")]
        assert junit[0]["with"]["report_paths"] == "reports/junit.xml" and kept[0]["with"]["path"] == "reports/"
        assert junit[0]["if"] == kept[0]["if"] == "always()"
    elif "gitlab" in path:
        artifacts = yaml.safe_load(text)["organization-contract"]["artifacts"]
        assert artifacts["when"] == "always" and artifacts["reports"]["junit"].endswith("reports/junit.xml")
        assert any(p.endswith("reports/") for p in artifacts["paths"])
    else:
        always = text[text.index("post {") :]
        assert "always {" in always and "junit testResults: 'reports/junit.xml'" in always
        assert "archiveArtifacts artifacts: 'reports/**'" in always


def test_github_actions_restores_the_history_before_the_run_and_saves_it_after_any_run():
    document = yaml.safe_load(read(CI_EXAMPLES[0]))
    steps = document["jobs"]["organization-contract"]["steps"]
    names = [s.get("uses", s.get("name", "")) for s in steps]
    restore = next(i for i, n in enumerate(names) if n.startswith("actions/cache/restore@"))
    gate = next(i for i, s in enumerate(steps) if CI_COMMAND in " ".join(str(s.get("run", "")).split()))
    save = next(i for i, n in enumerate(names) if n.startswith("actions/cache/save@"))
    assert restore < gate < save
    restored, saved = steps[restore]["with"], steps[save]
    assert restored["path"] == saved["with"]["path"] == "reports/history"
    # A key of its own every run (a cache entry is never overwritten); the newest entry restored by its prefix.
    assert restored["key"] == saved["with"]["key"] and "${{ github.run_id }}" in restored["key"]
    assert restored["key"].startswith(restored["restore-keys"]) and "$" not in restored["restore-keys"]
    assert saved["if"] == "always()"  # a red run belongs in the history too
    assert not any(n.startswith("actions/cache@") for n in names)  # the combined action saves on success only
    assert document["concurrency"]["cancel-in-progress"] is False


def test_gitlab_ci_keeps_the_history_in_a_cache_saved_also_when_the_gate_fails():
    job = yaml.safe_load(read(CI_EXAMPLES[1]))["organization-contract"]
    cache = job["cache"]
    assert cache["when"] == "always" and "$CI_COMMIT_REF_SLUG" in cache["key"]
    (cached,) = cache["paths"]
    script_lines = job["script"]
    link = next(i for i, line in enumerate(script_lines) if "ln -s" in line)
    gate = next(i for i, line in enumerate(script_lines) if CI_COMMAND in " ".join(line.split()))
    clone = next(i for i, line in enumerate(script_lines) if line.startswith("git clone"))
    assert clone < link < gate
    assert f'"$CI_PROJECT_DIR/{cached.rstrip("/")}" gate/reports/history' in script_lines[link]
    assert script_lines[clone].endswith(" gate") and "cd gate" in script_lines[link + 1 : gate]
    assert "resource_group" in job


def test_jenkins_copies_the_history_from_the_last_completed_build_first():
    text = read(CI_EXAMPLES[2])
    copy = re.search(r"copyArtifacts\((.*?)\)\n", text, re.S)
    assert copy, "no copyArtifacts step"
    arguments = " ".join(copy.group(1).split())
    for argument in ("projectName: env.JOB_NAME", "selector: lastCompleted()", "filter: 'reports/history/**'", "optional: true"):
        assert argument in arguments
    stages = re.findall(r"stage\('([^']+)'\)", text)
    assert stages[0] == "Restore the run history" and text.index("copyArtifacts(") < text.index(CI_COMMAND)
    assert "disableConcurrentBuilds()" in text


@pytest.mark.parametrize("kept_by", ["a copy", "a link"])
def test_history_carried_into_a_fresh_checkout_gives_the_next_run_its_baseline(tmp_path, staging_url, kept_by):
    """What the three CI jobs do between pipeline runs: copy reports/history/ back (cache, artifacts) or link it
    to a cached folder beside the clone (GitLab)."""
    env_script = script(DEPLOY, {STAGING: staging_url}, SECRETS)
    first = scratch_checkout(tmp_path / "first")
    assert run(env_script, first).returncode == 0
    second = scratch_checkout(tmp_path / "second")
    if kept_by == "a copy":
        shutil.copytree(first / "reports" / "history", second / "reports" / "history")
    else:
        (second / "reports").mkdir()
        (second / "reports" / "history").symlink_to(first / "reports" / "history", target_is_directory=True)
    done = run(env_script, second)
    assert done.returncode == 0 and "since the baseline (" in done.stdout, done.output
    assert len(list((first / "reports" / "history").iterdir())) == (2 if kept_by == "a link" else 1)
