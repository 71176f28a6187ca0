"""Contract verdicts under load: Locust runs headless against loopback servers, standalone and master + two workers."""

from __future__ import annotations

import gzip
import importlib.util
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from contracts.core.credentials import Credentials
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp, envelope
from tests.helpers.faults import GATEWAY_PAGE, FaultApp
from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN

LOCUSTFILE = REPO / "contracts" / "locustfile.py"
# Locust is an optional extra; importing it here would monkey-patch this test process with gevent.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="Locust is not installed: pip install -e '.[load]'")


@dataclass
class LoadRun:
    returncode: int
    output: str
    folder: Path

    @property
    def summary(self) -> dict:
        return json.loads((self.folder / "reports" / "load-summary.json").read_text(encoding="utf-8"))

    @property
    def report(self) -> str:
        return (self.folder / "reports" / "load-report.html").read_text(encoding="utf-8")

    def locust_requests(self) -> int:
        """Requests as Locust's own final statistics counted them (`# reqs`, the last column of its last table)."""
        rows = re.findall(r"^ +Aggregated .* (\d+) *$", self.output, re.MULTILINE)
        assert rows, self.output
        return int(rows[-1])

    def locust_failures(self) -> dict[str, int]:
        """Failures as Locust's own error report lists them: error text -> occurrences."""
        found = re.findall(r"^(\d+) +GET /account/organization: (.*?) *$", self.output, re.MULTILINE)
        return {error: int(count) for count, error in found}

    def everything_written(self) -> str:
        files = [path.read_text(encoding="utf-8", errors="replace") for path in self.folder.rglob("*") if path.is_file()]
        return "\n".join([self.output, *files])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS and not k.startswith("LOCUST_")}
    env.update({"CONTRACT_API_TOKEN": TOKEN, **(extra or {})})
    return env


def run_locust(host: str, *args: str, folder: Path, workers: int = 0, seconds: int = 2, env: dict[str, str] | None = None) -> LoadRun:
    """`locust --headless` in `folder` (where it writes reports/); with `workers`, a master and that many worker processes."""
    folder.mkdir(parents=True, exist_ok=True)
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING"]
    environment = _environment(env)
    main = [*locust, "--headless", "-u", "4", "-r", "4", "-t", f"{seconds}s", "--host", host, "--only-summary", *args]
    processes: list[subprocess.Popen] = []
    try:
        if workers:
            port = _free_port()
            main += ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port), "--expect-workers", str(workers)]
        leader = subprocess.Popen(
            main, cwd=folder, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        processes.append(leader)
        for _ in range(workers):
            worker = [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
            processes.append(
                subprocess.Popen(
                    worker, cwd=folder, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
        output, _ = leader.communicate(timeout=seconds + 40)
        for worker_process in processes[1:]:
            worker_process.wait(timeout=15)
        return LoadRun(leader.returncode, output, folder)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture
def fault_url(serve) -> str:
    return serve(FaultApp(Credentials.bearer(TOKEN)))


# -- against the reference server and a catalogue fault -----------------------------------------------------


def test_standalone_run_against_the_reference_server_has_no_violation(reference_url, tmp_path):
    run = run_locust(reference_url, folder=tmp_path)
    summary = run.summary
    assert run.returncode == 0, run.output
    assert summary["load"]["verdict"] == "honoured" and summary["load"]["violating"] == 0 and summary["load"]["workers"] == 0
    assert summary["load"]["responses"] == run.locust_requests() > 0  # every response Locust counted was judged
    assert set(summary["load"]["statuses"]) == {"200"} and summary["load"]["no_answer"] == []
    assert "PASSED</b>" in run.report and f"0 of {summary['load']['responses']:,} responses violate" in run.report


def test_standalone_run_against_a_fault_counts_it_by_status_and_path_and_fails(fault_url, tmp_path):
    run = run_locust(f"{fault_url}/fault/200-messagesCap-as-boolean", folder=tmp_path)
    summary = run.summary
    assert run.returncode == 1, run.output
    counted = summary["load"]["statuses"]["200"]
    assert summary["load"]["verdict"] == "violated" and counted["violating"] == counted["responses"] == run.locust_requests() > 0
    assert counted["violations"] == [{"path": "$.messagesCap", "count": counted["responses"]}]
    (example,) = counted["examples"]  # one breakage, one example, however often it came back
    assert example["violations"] == ["$.messagesCap: expected number, got true (boolean)"]
    assert '"messagesCap": true' in example["body"]
    assert run.locust_failures() == {"200 $.messagesCap": counted["responses"]}  # Locust's own failure table names it


def test_distributed_run_against_the_reference_server_has_no_violation(reference_url, tmp_path):
    run = run_locust(reference_url, workers=2, folder=tmp_path)
    summary = run.summary
    assert run.returncode == 0, run.output
    assert summary["load"]["workers"] == 2 and summary["load"]["missing_final_reports"] == []
    assert summary["load"]["verdict"] == "honoured" and summary["load"]["responses"] == run.locust_requests() > 0


def test_distributed_run_against_a_fault_aggregates_every_workers_counts(fault_url, tmp_path):
    run = run_locust(f"{fault_url}/fault/200-anniversaryDate-slashes", workers=2, folder=tmp_path)
    summary = run.summary
    assert run.returncode == 1, run.output
    assert summary["load"]["workers"] == 2 and summary["load"]["missing_final_reports"] == []
    counted = summary["load"]["statuses"]["200"]
    assert counted["violating"] == counted["responses"] == run.locust_requests() > 0  # both workers' counts, each once
    assert counted["violations"] == [{"path": "$.anniversaryDate", "count": counted["responses"]}]
    assert run.locust_failures() == {"200 $.anniversaryDate": counted["responses"]}


# -- answers that honour the reference, answers that break it -------------------------------------------------


Answer = tuple[int, bytes, str | None, dict[str, str]]  # status, body, content type, extra headers


class RotatingApp:
    """Answers in turn with each of `answers`: (status, body, content type, extra headers); `{auth}` in a body echoes the credentials."""

    def __init__(self, answers: list[Answer]):
        self._answers = itertools.cycle(answers)
        self.cookies_sent = 0

    def __call__(self, environ, start_response):
        self.cookies_sent += "HTTP_COOKIE" in environ
        status, body, content_type, headers = next(self._answers)
        body = body.replace(b"{auth}", Request(environ).headers.get("Authorization", "").encode())
        response = Response(body, status=status, headers=headers)
        del response.headers["Content-Type"]
        if content_type:
            response.headers["Content-Type"] = content_type
        return response(environ, start_response)


def _json(document: object) -> bytes:
    return json.dumps(document).encode()


CONFORMING: list[Answer] = [
    (200, _json({**SAMPLE_ORGANIZATION, "plan": {"tier": "pro"}, "region": "eu"}), "application/json", {}),  # undocumented fields
    (
        200,
        _json({k: v for k, v in SAMPLE_ORGANIZATION.items() if k not in ("smsCap", "callCap")}),
        "application/json",
        {"Set-Cookie": "s=1"},
    ),
    (200, gzip.compress(_json(SAMPLE_ORGANIZATION)), "application/json; charset=utf-8", {"Content-Encoding": "gzip"}),
    # No 401: every request here carries the configured credentials, and refusing them fails the run as in the gate
    # (tests/load/test_load_in_the_field.py). A 500 has no documented body: any body passes.
    (500, b"{not json", "application/json", {}),
    (500, GATEWAY_PAGE.encode(), "text/html", {}),
    (402, _json(envelope(402)), "application/json", {}),
]


def test_answers_that_honour_the_reference_are_not_violations(serve, tmp_path):
    app = RotatingApp(CONFORMING)
    run = run_locust(serve(app), folder=tmp_path)
    summary = run.summary
    assert run.returncode == 0, run.output
    assert app.cookies_sent == 0  # a cookie the target sets never rides along with the credentials
    assert summary["load"]["violating"] == 0 and set(summary["load"]["statuses"]) == {"200", "402", "500"}
    assert all(entry["responses"] > 0 and entry["documented"] for entry in summary["load"]["statuses"].values())


def _trickle(environ, start_response):
    """Headers at once, then one byte of body every 0.2 s: each read succeeds, the whole never arrives in time."""
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "1000")])

    def body() -> Iterator[bytes]:
        for _ in range(1000):
            time.sleep(0.2)
            yield b" "

    return body()


BREAKING: list[Answer] = [
    (503, b"<html>Service Unavailable for {auth}</html>", "text/html", {}),  # undocumented status, echoing the credentials
    (200, _json({**SAMPLE_ORGANIZATION, "anniversaryDate": "2026/12/01", TOKEN: "{auth}"}), "application/json", {}),
    (402, _json({"error": {"code": "usage_limit_exceeded", "message": "over"}}), "application/json", {}),  # trackingId missing
]


def test_answers_that_break_the_reference_are_counted_by_status_and_path_with_no_credential_in_any_output(serve, tmp_path):
    url = serve(RotatingApp(BREAKING))
    run = run_locust(url, "--strict-fields", "organization", "--request-timeout", "1", folder=tmp_path)
    summary = run.summary
    assert run.returncode == 1, run.output
    statuses = summary["load"]["statuses"]
    assert statuses["503"]["documented"] is False
    assert statuses["503"]["violating"] == statuses["503"]["responses"] > 0
    assert [v["path"] for v in statuses["503"]["violations"]] == ["HTTP status"]
    assert {v["path"] for v in statuses["200"]["violations"]} == {"$.anniversaryDate", "$['***REDACTED***']"}
    assert [v["path"] for v in statuses["402"]["violations"]] == ["$.trackingId"]
    failures = run.locust_failures()
    assert {"503 HTTP status", "402 $.trackingId"} <= set(failures)
    assert TOKEN not in run.everything_written() and TOKEN[:12] not in run.everything_written()
    assert "<html>Service" not in run.report and "&lt;html&gt;Service Unavailable for Bearer ***REDACTED***" in run.report


def _gzip_bomb(environ, start_response):
    """Ten megabytes of JSON whitespace in ten kilobytes of gzip."""
    body = gzip.compress(b" " * 10_000_000)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))])
    return [body]


def test_an_answer_that_never_completes_in_time_is_bounded_and_not_judged(serve, tmp_path):
    reason = "no complete answer within 0.5s"
    started = time.monotonic()
    run = run_locust(serve(_trickle), "--request-timeout", "0.5", folder=tmp_path)
    assert time.monotonic() - started < 15
    summary = run.summary
    assert summary["load"]["responses"] == 0 and summary["load"]["verdict"] == "nothing judged"
    assert [entry["reason"] for entry in summary["load"]["no_answer"]] == [reason]
    assert run.returncode == 5, run.output  # nothing judged is never a pass
    assert reason in run.locust_failures()


def test_a_body_beyond_the_cap_is_read_no_further_and_judged_as_the_gate_judges_it(serve, tmp_path):
    """A gzip bomb decodes only as far as --max-body: the rest is never held, and the answer violates the cap."""
    started = time.monotonic()
    run = run_locust(serve(_gzip_bomb), "--max-body", "1MiB", folder=tmp_path)
    assert time.monotonic() - started < 15
    assert run.returncode == 1, run.output
    counted = run.summary["load"]["statuses"]["200"]
    assert counted["violating"] == counted["responses"] > 0 and [v["path"] for v in counted["violations"]] == ["$"]
    example = counted["examples"][0]["violations"]
    assert example == ["$: expected a body of at most 1 MiB (--max-body), got a longer body; reading stopped after 1 MiB"]


OTHER_TOKEN = "another-account-token-5f0e9c1d"  # a valid-looking token the reference server does not accept: 401


def write_scenarios(folder: Path) -> None:
    """The gate's scenarios file, as a load run reads it: statuses the reference server gives on request, and other credentials."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenarios.toml").write_text(
        '[status.402]\nheaders = { Prefer = "code=402" }\n'
        '[status.502]\nquery = { upstream = "fail" }\n'
        '[status.400]\ncredentials = { token_env = "LOAD_OTHER_TOKEN" }\n',
        encoding="utf-8",
    )


def staging_like(reference: ReferenceApp):
    """The reference server, except that `?upstream=fail` (not `Prefer`) makes it answer 502, as a staging build might."""

    def app(environ, start_response):
        if Request(environ).args.get("upstream") == "fail":
            environ = {**environ, "HTTP_PREFER": "code=502"}
        return reference(environ, start_response)

    return app


@pytest.mark.parametrize("workers", [0, 2])
def test_scenarios_join_the_mix_and_every_answer_is_judged_for_its_own_status(serve, tmp_path, workers):
    write_scenarios(tmp_path)
    run = run_locust(
        serve(staging_like(ReferenceApp(Credentials.bearer(TOKEN)))),
        "--scenarios",
        "scenarios.toml",
        "--scenario-share",
        "60",
        folder=tmp_path,
        workers=workers,
        env={"LOAD_OTHER_TOKEN": OTHER_TOKEN},
    )
    summary = run.summary
    assert run.returncode == 0, run.output
    # 402 by header, 502 by query; the other account's token is refused (401); the rest are the plain request's 200s.
    assert set(summary["load"]["statuses"]) == {"200", "401", "402", "502"}, summary["load"]["statuses"]
    assert summary["load"]["violating"] == 0 and summary["load"]["responses"] == run.locust_requests()
    for status in ("402", "502"):
        assert summary["load"]["statuses"][status]["responses"] > 0
    assert "(402 scenario)" in run.output and "(502 scenario)" in run.output  # one row of Locust's statistics each
    assert OTHER_TOKEN not in run.everything_written() and TOKEN not in run.everything_written()


# -- configuration and isolation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, env, line",
    [
        ((), {"CONTRACT_API_TOKEN": ""}, "error: no credentials: set CONTRACT_API_TOKEN"),
        (("--strict-fields", "bodies"), None, "error: --strict-fields 'bodies' names unknown kind(s) bodies"),
        (("--request-timeout", "-1"), None, "error: --request-timeout '-1' is not a positive number of seconds"),
        (("--scenarios", "absent.toml"), None, "error: --scenarios absent.toml: cannot read the file"),
        (
            ("--scenarios", "scenarios.toml", "--scenario-share", "150"),
            {"LOAD_OTHER_TOKEN": OTHER_TOKEN},
            "error: --scenario-share '150': expected a percentage",
        ),
        (("--scenarios", "scenarios.toml"), {"LOAD_OTHER_TOKEN": ""}, "environment variable LOAD_OTHER_TOKEN is unset or empty"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_4(reference_url, tmp_path, args, env, line):
    write_scenarios(tmp_path)
    run = run_locust(reference_url, *args, env=env, folder=tmp_path)
    assert run.returncode == 4, run.output
    assert line in run.output and "Traceback" not in run.output


def test_credentials_in_the_host_are_refused(tmp_path):
    run = run_locust(f"http://user:{TOKEN}@127.0.0.1:9", folder=tmp_path)
    assert run.returncode == 4 and "carries credentials" in run.output
    assert TOKEN not in run.output


def test_the_gate_never_imports_locust():
    code = (
        "import sys, contracts.gate.plugin, contracts.load.tally, contracts.load.report; assert not {'locust', 'gevent'} & set(sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
