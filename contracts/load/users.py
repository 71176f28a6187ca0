"""Contract verdicts from a Locust run: every response judged by the gate's checks for its own status.

    pip install -e '.[load]'
    CONTRACT_API_TOKEN=... locust -f contracts/locustfile.py --headless -u 50 -r 10 -t 60s --host https://staging.example.com

A violating response is a Locust failure named by status and JSON path (`200 $.messagesCap`), so Locust's UI, CSV
and exit code show it. Each worker counts per status and ships its counts to the master in Locust's own reports;
the master (or a standalone run) writes `reports/load-summary.json` and `reports/load-report.html` when the run ends.
Credentials come from the environment only, as for the gate. The gate never imports this module (it brings gevent's
monkey-patching with Locust); judging and counting live in `contracts.load.tally`, which does not import Locust.

Loaded by path, so imports are absolute (`contracts.…`): the package must be installed (`pip install -e '.[load]'`).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, events, task
from locust.env import Environment
from locust.runners import STATE_RUNNING, STATE_SPAWNING, STATE_STOPPED, MasterRunner, WorkerRunner

from contracts.core import exits
from contracts.core.contract import OPERATION_PATH, TOOL, VERSION
from contracts.core.credentials import ConfigError, Credentials, credentials_from_env
from contracts.core.limits import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, REASON_LIMIT
from contracts.core.redaction import Redactor
from contracts.lifecycle.outputs import Outputs
from contracts.lifecycle.signals import SIGNAL_NAMES
from contracts.load.report import REPORT_FILE, SUMMARY_FILE, load_record, write_load_reports
from contracts.load.tally import LoadTally, failure_name, judged
from contracts.reporting.console import stderr
from contracts.reporting.record import RunRecord
from contracts.settings import options as shared_options
from contracts.settings.config import check_base_url, check_max_body, check_strict_fields, check_timeout
from contracts.settings.scenarios import Scenario, load_scenarios

REQUEST_NAME = OPERATION_PATH  # one row in Locust's statistics, whatever the host's path prefix
REPORT_KEY = "contract"  # the key of our counts in Locust's worker-to-master report
REPORTS_DIR = Path("reports")
# Set to 0 to send the same requests without judging them (the benchmark's baseline); never for a real run.
JUDGE_SWITCH = "CONTRACT_LOAD_JUDGE"
EVERY_STATUS = frozenset(range(100, 1000))
REFUSED_FAILURE = "401 the configured credentials refused"  # Locust's failure name for a plain request's 401


class ContractFailure(Exception):
    """A response that breaks the reference; its text is what Locust lists as the failure."""

    def __repr__(self) -> str:  # Locust lists a failure by its repr: `GET /account/organization: 200 $.messagesCap`
        return str(self)


class NoAnswer(ContractFailure):
    """No complete HTTP answer (timeout, cut off, too long): nothing to judge."""


class LoadRun:
    """What one Locust process needs to judge and count: settings, redactor, tally; on the master, the workers' counts."""

    def __init__(self, environment: Environment, credentials: Credentials | None):
        self.environment = environment
        self.credentials = credentials
        self.redact = Redactor(credentials.secret_values() if credentials else ())
        self.judging = os.environ.get(JUDGE_SWITCH, "1") != "0"
        self.timeout = DEFAULT_TIMEOUT
        self.max_body = DEFAULT_MAX_BODY  # bytes of (decoded) body read from one response: memory per user stays bounded
        self.strict_fields: frozenset[str] = frozenset()
        self.scenarios: list[Scenario] = []
        self.scenario_share = 0.0  # of requests, sent through a scenario (chosen evenly among them)
        self.started = time.time()
        self.tally = LoadTally()
        self.worker_snapshots: dict[str, dict] = {}  # master: the latest cumulative counts of each worker
        self.final_reports: set[str] = set()  # master: workers whose last report was sent after they stopped
        self.judged_exit: int | None = None  # the exit status before outputs that could not be written changed it
        self.outputs = Outputs([REPORTS_DIR / REPORT_FILE, REPORTS_DIR / SUMMARY_FILE])
        self.finished = False  # the final outputs are written: a later stop or quit must not write over them

    def configure(self, options: Any) -> None:
        """Read when a test starts: a worker gets the master's options only then."""
        self.timeout = DEFAULT_TIMEOUT if options.request_timeout is None else check_timeout(options.request_timeout)
        self.max_body = DEFAULT_MAX_BODY if options.max_body is None else check_max_body(options.max_body)
        self.strict_fields = check_strict_fields(options.strict_fields)
        sends = not isinstance(self.environment.runner, MasterRunner)  # a master sends no request: no scenario to read
        self.scenarios = list(load_scenarios(options.scenarios).values()) if options.scenarios and sends else []
        self.scenario_share = check_share(options.scenario_share)  # checked on a master too, which reads no scenario
        for scenario in self.scenarios:
            for secret in scenario.credentials.secret_values() if scenario.credentials else ():
                self.redact.add(secret)

    def next_scenario(self) -> Scenario | None:
        """The scenario the next request goes through, or None for the plain request with the configured credentials."""
        if self.scenarios and random.random() < self.scenario_share:
            return random.choice(self.scenarios)
        return None

    def headers(self, scenario: Scenario | None = None) -> dict[str, str]:
        credentials = scenario.credentials if scenario is not None and scenario.credentials is not None else self.credentials
        assert credentials is not None
        return {
            "Authorization": credentials.authorization(),
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": f"{TOOL}/{VERSION} (locust)",
            **(scenario.headers if scenario is not None else {}),
        }

    def verdict(
        self, status: int, content_type: str, body: bytes, truncated_at: int | None = None, reason: str = "", *, plain: bool = False
    ) -> ContractFailure | None:
        """The failure Locust lists for this response, if any: its violations, or the configured credentials refused
        (401 to a `plain` request)."""
        if not self.judging:
            return None
        violations, drift = judged(status, content_type, body, self.strict_fields, truncated_at, reason[:REASON_LIMIT])
        self.tally.observe(status, violations, content_type, body, self.redact, drift=drift, whole=truncated_at is None, plain=plain)
        if violations:
            return ContractFailure(failure_name(status, violations, self.redact))
        return ContractFailure(REFUSED_FAILURE) if plain and status == 401 else None

    def unanswered(self, reason: str) -> NoAnswer:
        self.tally.unanswered(reason, self.redact)
        return NoAnswer(self.redact(reason))

    def merged(self) -> LoadTally:
        """This node's counts plus every worker's latest."""
        total = LoadTally()
        total.merge(self.tally.snapshot())
        for snapshot in self.worker_snapshots.values():
            total.merge(snapshot)
        return total


_run: LoadRun | None = None


def current_run() -> LoadRun:
    assert _run is not None, "the init event has not run"
    return _run


# -- options and start-up ---------------------------------------------------------------------------


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    group = parser.add_argument_group("contract", "contract verdicts (organization-contracts); credentials only from the environment")
    shared_options.add_to_locust(group, shared_options.LOAD)
    group.add_argument(
        "--scenario-share",
        default="50",
        env_var="LOCUST_SCENARIO_SHARE",
        metavar="PERCENT",
        help="with --scenarios, the percentage of requests sent through a scenario, chosen evenly among them (default 50)",
    )


@events.init.add_listener
def start(environment: Environment, **_: Any) -> None:
    global _run
    _quiet_ctrl_c()
    _note_signals()
    runner = environment.runner
    try:
        credentials = credentials_from_env()
        if credentials is None and not isinstance(runner, MasterRunner):  # the master sends no request
            raise ConfigError(
                "no credentials: set CONTRACT_API_TOKEN (bearer) or CONTRACT_CLIENT_ID + CONTRACT_CLIENT_SECRET (HTTP Basic) in the environment"
            )
        options = environment.parsed_options
        sends_now = options is not None and (options.headless or options.autostart)
        if environment.host:
            check_base_url(environment.host)
        elif sends_now and not isinstance(runner, WorkerRunner):  # a worker gets the master's host; the web UI asks for one
            raise ConfigError("no target: give --host (or LOCUST_HOST), e.g. --host https://staging.example.com")
        _run = LoadRun(environment, credentials)
        _run.configure(environment.parsed_options)
        if not isinstance(runner, WorkerRunner):
            _run.outputs.clear()  # an earlier run's reports are never taken for this run's, however this one ends
    except ConfigError as exc:
        # One line and the table's exit code, before any user starts; not a traceback.
        stderr().line(f"error: {exc}")
        raise SystemExit(exits.BAD_CONFIGURATION) from None


@events.test_start.add_listener
def test_started(environment: Environment, **_: Any) -> None:
    run = current_run()
    try:
        run.configure(environment.parsed_options)  # a worker's first sight of the master's options
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        environment.process_exit_code = exits.BAD_CONFIGURATION
        if environment.runner is not None:
            environment.runner.quit()
        return
    run.started = time.time()
    run.tally = LoadTally()
    run.worker_snapshots.clear()
    run.final_reports.clear()


_sigterm = False  # SIGTERM arrived: what stopped the run, if it was interrupted


def _note_signals() -> None:
    """Note a SIGTERM by a second watcher on gevent's loop, Locust's own left in place. Ctrl-C is not wrapped: a
    headless run that quits while users run, without SIGTERM, was stopped by it (`_stopping_signal`)."""

    def noted() -> None:
        global _sigterm
        _sigterm = True

    gevent.signal_handler(signal.SIGTERM, noted)


def _stopping_signal(environment: Environment) -> str | None:
    """The signal that stopped an interrupted run, as the gate and replay name it; None where it cannot be told (the
    web UI can quit a run too)."""
    if _sigterm:
        return SIGNAL_NAMES[signal.SIGTERM]
    options = environment.parsed_options
    return SIGNAL_NAMES[signal.SIGINT] if options is not None and options.headless else None


def _quiet_ctrl_c() -> None:
    """Ctrl-C raises KeyboardInterrupt wherever gevent's hub runs, which prints it as an error before Locust shuts down
    (as for SIGTERM: the final outputs, marked interrupted). Not an error: the hub still passes it on, printing nothing."""
    hub = gevent.get_hub()
    hub.NOT_ERROR = (*hub.NOT_ERROR, KeyboardInterrupt)


def check_share(value: object) -> float:
    try:
        share = float(str(value).strip().removesuffix("%"))
    except ValueError:
        share = -1.0
    if not 0 <= share <= 100:
        raise ConfigError(f"--scenario-share {value!r}: expected a percentage from 0 to 100")
    return share / 100


# -- master and workers -------------------------------------------------------------------------------


@events.report_to_master.add_listener
def report_counts(client_id: str, data: dict, **_: Any) -> None:
    """Worker: the cumulative counts ride along with every stats report (and with the last one, sent after stopping)."""
    run = current_run()
    runner = run.environment.runner
    data[REPORT_KEY] = {"tally": run.tally.snapshot(), "stopped": runner is not None and runner.state == STATE_STOPPED}


@events.worker_report.add_listener
def receive_counts(client_id: str, data: dict, **_: Any) -> None:
    """Master: keep each worker's latest cumulative counts (a lost or repeated report cannot double-count)."""
    counts = data.get(REPORT_KEY)
    if not isinstance(counts, dict):
        return
    run = current_run()
    run.worker_snapshots[client_id] = counts["tally"]
    if counts.get("stopped"):
        run.final_reports.add(client_id)


@events.test_stop.add_listener
def test_stopped(environment: Environment, **_: Any) -> None:
    if _run is not None and not _run.finished:
        write_reports(environment, Outputs())  # a stop in the web UI: the reports so far, the run goes on


@events.quitting.add_listener
def quitting(environment: Environment, **_: Any) -> None:
    """After the workers' last reports: the final outputs, the verdict line and the exit code (else Locust's own,
    1 on any failure). A run that quits while users still run was stopped by SIGINT or SIGTERM: interrupted."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or _run is None or not _run.judging or _run.finished:
        return  # Locust fires it again after SIGTERM's shutdown: the outputs of the first stand
    interrupted = runner is not None and runner.state in (STATE_RUNNING, STATE_SPAWNING)  # a planned end stops them first
    outputs = _run.outputs
    record = write_reports(environment, outputs, interrupted=interrupted)
    if record is None or record.exit_status is None:
        return
    _run.finished = True
    environment.process_exit_code = record.exit_status
    console = stderr()
    if record.cause:  # as the gate says it
        console.line(current_run().redact(f"cause: {record.cause}"))
    console.line(exits.verdict_line(record.exit_status, judged=current_run().judged_exit))
    for line in outputs.lines():
        console.line(current_run().redact(line))


def write_reports(environment: Environment, outputs: Outputs, *, interrupted: bool = False) -> RunRecord | None:
    """The master or a standalone run writes; a worker's counts travel to its master instead."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or _run is None or not _run.judging:
        return None
    run = current_run()
    workers = sorted(run.worker_snapshots)
    record = load_record(
        run.merged(),
        target=environment.host or "",
        started=run.started,
        workers=len(workers),
        missing_reports=[w for w in workers if w not in run.final_reports] if isinstance(runner, MasterRunner) else [],
        interrupted=interrupted,
        stopped_by=_stopping_signal(environment) if interrupted else None,
        credentials=run.credentials,
    )
    run.judged_exit = record.exit_status
    write_load_reports(REPORTS_DIR, record, run.redact, outputs)
    return record


# -- the user ---------------------------------------------------------------------------------------------


class ContractUser(FastHttpUser):
    """Sends `GET /account/organization` with the configured credentials and judges every answer."""

    max_redirects = 0  # a redirect is an answer to judge, as in the gate, not one to follow
    insecure = False  # TLS verified, as in the gate

    def __init__(self, environment: Environment):
        self.network_timeout = self.connection_timeout = current_run().timeout  # read by FastHttpUser's constructor
        super().__init__(environment)
        # Every status is an answer to judge; Locust would otherwise discard the body of a 4xx/5xx as an error.
        self.client.client.valid_response_codes = EVERY_STATUS  # type: ignore[misc]  # per-user agent, by design
        # No cookie jar: a cookie the target sets must not authenticate the next request in place of the credentials.
        self.client.client.cookiejar = None

    @task
    def get_organization(self) -> None:
        """The plain request with the configured credentials, or, with --scenarios, sometimes one of the scenarios."""
        run = current_run()
        scenario = run.next_scenario()
        name = REQUEST_NAME if scenario is None else f"{REQUEST_NAME} ({scenario.status} scenario)"
        started = time.perf_counter()
        try:
            # requests' and geventhttpclient's timeouts bound each socket operation; this bounds the whole exchange.
            with gevent.Timeout(run.timeout, NoAnswer(f"no complete answer within {run.timeout:g}s")):
                self._exchange(run, scenario, name, started)
        except NoAnswer as exc:
            self.environment.events.request.fire(
                request_type="GET",
                name=name,
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                response=None,
                context={},
                exception=run.unanswered(str(exc)),
            )

    def _exchange(self, run: LoadRun, scenario: Scenario | None, name: str, started: float) -> None:
        query = dict(scenario.query) if scenario is not None and scenario.query else None
        with self.client.get(
            OPERATION_PATH, name=name, headers=run.headers(scenario), params=query, stream=True, catch_response=True
        ) as response:
            if not response.status_code:  # no HTTP answer at all: Locust reports its own error
                run.tally.unanswered(type(response.error).__name__ if response.error else "no answer", run.redact)
                return
            try:
                body, truncated_at = read_body(response, run.max_body)
            except NoAnswer as exc:
                response.failure(run.unanswered(str(exc)))
                return
            response.request_meta["response_time"] = (time.perf_counter() - started) * 1000
            response.request_meta["response_length"] = len(body)
            content_type = response.headers.get("Content-Type", "") or ""
            failure = run.verdict(response.status_code, content_type, body, truncated_at, _reason(response), plain=scenario is None)
            if failure is None:
                response.success()
            else:
                response.failure(failure)


def _reason(response: Any) -> str:
    """The reason phrase of the status line (geventhttpclient keeps it as `status_message`), as the gate reads it."""
    raw = getattr(getattr(response, "_response", None), "status_message", None)
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(raw or "")


_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS, "": 0, "identity": 0}  # zlib window bits, 0: as sent


def read_body(response: Any, cap: int) -> tuple[bytes, int | None]:
    """The body, decoded (gzip, deflate), in chunks, never more than `cap` bytes of it; with the cap when the body was
    longer (judged as the gate judges one: a violation of --max-body)."""
    encoding = (response.headers.get("Content-Encoding", "") or "").strip().lower()
    if encoding not in _DECODERS:
        raise NoAnswer(f"a body in content coding {encoding[:40]!r}, which the client did not accept")
    decoder = zlib.decompressobj(_DECODERS[encoding]) if _DECODERS[encoding] else None
    parts: list[bytes] = []
    size = 0
    try:
        while chunk := response.read(64 * 1024):
            if decoder is not None:
                chunk = decoder.decompress(chunk, cap + 1 - size)
            parts.append(chunk)
            size += len(chunk)
            if size > cap:
                return b"".join(parts)[:cap], cap
    except (OSError, ValueError, zlib.error) as exc:
        raise NoAnswer(f"the body was cut off or could not be decoded ({type(exc).__name__})") from None
    return b"".join(parts), None
