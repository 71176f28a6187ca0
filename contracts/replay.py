"""`python -m contracts replay FILE...`: judge recorded traffic (HAR, JSON Lines) against the contract.

Every recorded `GET …/account/organization` is judged by its own status with the gate's checks (the same
schemas, strictness and drift); an undocumented status is a violation; other exchanges are counted as
ignored. One line per violating exchange on stdout (`FILE#N: STATUS $.path: expected …, got …`), a
per-status table on stderr. Exit 0 when every exchange conforms, 1 when any does not, 2 for a usage
error or an entry that cannot be read, 5 when the captures hold no exchange of this operation.
`-` reads a capture from standard input (`zcat gateway.jsonl.gz | python -m contracts replay -`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TextIO

from . import exits
from .captures import MAX_BODY, Chunk, Recorded, chunks, plain_line, recorded, stream_chunks
from .checks import CACHED_BODY, RECORDED_CHECKS, Expectation, body_matches_schema, judge_answer, only_documented_fields, run_checks
from .config import CLIENT_SECRET_ENV, TOKEN_ENV, ConfigError, check_strict_fields, credentials_from_env
from .redaction import Redactor
from .report import exchange_html
from .table import CONTRACT
from .violations import Violation

CONFORM, VIOLATED, UNREADABLE = 0, 1, 2
SHOWN = 50  # exchanges shown in full in the report; the rest are counted
STDIN = "<stdin>"  # how entries read from standard input ("-") are labelled: <stdin>#N
_SHOWN_BODY = 64 * 1024  # bytes of a body shown in the report
_MAX_SECRETS = 1000  # distinct capture secrets also masked across exchanges (each exchange's own are always masked)
# A body the capture did not keep can only be judged by its status and headers.
_WITHOUT_BODY = tuple(check for check in RECORDED_CHECKS if check not in (body_matches_schema, only_documented_fields))


@dataclass(frozen=True)
class Shown:
    """An exchange to show in full in the report: its label, status, violations and redacted HTML."""

    label: str
    status: int
    violations: tuple[str, ...]
    html: str


@dataclass
class StatusTally:
    exchanges: int = 0
    violating: int = 0
    drift: int = 0  # exchanges whose body has undocumented fields

    def add(self, other: StatusTally) -> None:
        self.exchanges += other.exchanges
        self.violating += other.violating
        self.drift += other.drift


@dataclass
class Verdicts:
    """What judging some exchanges found; chunks judged apart are merged in order with `add`."""

    statuses: dict[int, StatusTally] = field(default_factory=dict)
    drift: Counter = field(default_factory=Counter)  # (status, path) -> exchanges
    lines: list[str] = field(default_factory=list)  # one per violating exchange, in capture order
    unreadable: list[str] = field(default_factory=list)  # one per entry that could not be read
    unreadable_count: int = 0
    ignored: int = 0
    unrecorded: int = 0  # exchanges with a documented body the capture did not keep
    violating: list[Shown] = field(default_factory=list)  # the first SHOWN
    conforming: list[Shown] = field(default_factory=list)  # the first SHOWN
    secrets: set[str] = field(default_factory=set)
    seen: Counter = field(default_factory=Counter)  # (status, check, path) of every violation, known ones too
    known: Counter = field(default_factory=Counter)  # those of them the known-violations file accepts

    @property
    def exchanges(self) -> int:
        return sum(tally.exchanges for tally in self.statuses.values())

    @property
    def violations(self) -> int:
        return sum(tally.violating for tally in self.statuses.values())

    def add(self, other: Verdicts) -> None:
        for status, tally in other.statuses.items():
            self.statuses.setdefault(status, StatusTally()).add(tally)
        self.drift.update(other.drift)
        self.unreadable_count += other.unreadable_count
        self.unreadable.extend(other.unreadable[: max(0, SHOWN - len(self.unreadable))])
        self.ignored += other.ignored
        self.unrecorded += other.unrecorded
        self.violating.extend(other.violating[: max(0, SHOWN - len(self.violating))])
        self.conforming.extend(other.conforming[: max(0, SHOWN - len(self.conforming))])
        self.secrets.update(list(other.secrets)[: max(0, _MAX_SECRETS - len(self.secrets))])
        self.seen.update(other.seen)
        self.known.update(other.known)

    def count(self, status: int, *, violating: bool, undocumented: Sequence[str], secrets: Sequence[str]) -> None:
        """One judged exchange: its status's tally, its drift, and its credentials (to mask their echoes)."""
        tally = self.statuses.get(status) or self.statuses.setdefault(status, StatusTally())
        tally.exchanges += 1
        tally.violating += violating
        if undocumented:
            tally.drift += 1
            for path in undocumented:
                self.drift[status, path] += 1
        if secrets and len(self.secrets) < _MAX_SECRETS:
            self.secrets.update(secrets)

    def exit_code(self) -> int:
        if self.violations:
            return VIOLATED
        if self.unreadable_count:
            return UNREADABLE
        return exits.NO_CHECK_RAN if not self.exchanges else CONFORM


@dataclass(frozen=True)
class Options:
    strict_fields: frozenset[str] = frozenset()
    environment_secrets: tuple[str, ...] = ()
    known: frozenset[tuple[int, str, str]] = frozenset()  # (status, check, path) accepted by --known-violations


def _shown(entry: Recorded, violations: Sequence[Violation], redact: Redactor) -> Shown:
    exchange = entry.exchange
    if len(exchange.body) > _SHOWN_BODY:
        exchange = replace(exchange, body=exchange.body[:_SHOWN_BODY] + "\n… (body cut for the report)".encode())
    html = redact(exchange_html(exchange, list(violations)))
    return Shown(entry.label, exchange.status, tuple(redact(str(v)) for v in violations), html)


def judge(entries: Iterable[Recorded], options: Options, found: Verdicts | None = None) -> Verdicts:
    """Judge each recorded exchange of this operation by its own status with the gate's checks (into `found`)."""
    found = found if found is not None else Verdicts()
    for entry in entries:
        if entry.unreadable:
            found.unreadable_count += 1
            if len(found.unreadable) < SHOWN:
                found.unreadable.append(f"{entry.label}: {entry.unreadable}")
            continue
        status = entry.status
        if not entry.operation or status == 0:  # another operation, or no answer recorded (status 0)
            found.ignored += 1
            continue
        undocumented: tuple[str, ...] = ()
        if len(entry.body) > MAX_BODY:
            violations: tuple[Violation, ...] | list[Violation] = (Violation("body", f"at most {MAX_BODY // 2**20} MiB", "a larger body"),)
        elif entry.body_recorded:
            violations, undocumented = judge_answer(status, entry.content_type, entry.body, options.strict_fields, entry.reason)
        else:
            violations = run_checks(entry.exchange, Expectation(status, options.strict_fields), _WITHOUT_BODY)
            found.unrecorded += status in CONTRACT and CONTRACT[status].body is not None
        if violations:
            identities = [(status, v.check, v.path) for v in violations]
            found.seen.update(identities)
            found.known.update(i for i in identities if i in options.known)
            violations = [v for v, i in zip(violations, identities, strict=True) if i not in options.known]
        found.count(status, violating=bool(violations), undocumented=undocumented, secrets=entry.secrets)
        if violations or len(found.conforming) < SHOWN:
            redact = Redactor((*entry.secrets, *options.environment_secrets))
            if violations:
                found.lines.append(redact(f"{entry.label}: {status} " + "; ".join(str(v) for v in violations)))
                if len(found.violating) < SHOWN:
                    found.violating.append(_shown(entry, violations, redact))
            else:
                found.conforming.append(_shown(entry, violations, redact))
    return found


def judge_chunk(chunk: Chunk, options: Options) -> Verdicts:
    """The unit of work a process is given: read one chunk of a capture and judge it."""
    found = Verdicts()
    return judge(recorded(chunk, partial(_conforming_plain_line, found, options)), options, found)


def _conforming_plain_line(found: Verdicts, options: Options, line: bytes) -> bool:
    """Tally a JSON line in the common form (`plain_line`) that conforms, or is of another operation; False
    for any other line, which is read and judged in full. Only once the conforming exchanges the report
    shows are kept, and never for a violation: those are what the full reading is for."""
    if len(found.conforming) < SHOWN:
        return False
    answer = plain_line(line)
    if answer is None:
        return False
    status, content_type, body, reason, secrets, operation = answer
    if not operation:
        found.ignored += 1
        return True
    if len(body) > CACHED_BODY:
        return False  # a violating body's verdict is remembered only up to this size: the full reading would judge it again
    violations, undocumented = judge_answer(status, content_type, body, options.strict_fields, reason)
    if violations:
        return False
    found.count(status, violating=False, undocumented=undocumented, secrets=secrets)
    return True


def _in_order(work: Iterator[Chunk], options: Options, jobs: int) -> Iterator[Verdicts]:
    """Verdicts chunk by chunk, in capture order; with several jobs at most two chunks per process are in flight."""
    if jobs == 1:
        for chunk in work:
            yield judge_chunk(chunk, options)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future[Verdicts]] = deque()
        for chunk in work:
            pending.append(pool.submit(judge_chunk, chunk, options))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _environment_secrets() -> tuple[str, ...]:
    """The gate's own credentials, should a capture contain them."""
    try:
        credentials = credentials_from_env()
    except ConfigError:
        return tuple(value for value in (os.environ.get(TOKEN_ENV, ""), os.environ.get(CLIENT_SECRET_ENV, "")) if value)
    return tuple(credentials.secret_values()) if credentials else ()


def replay(paths: list[Path], *, options: Options, jobs: int, out: TextIO | None = None, err: TextIO | None = None) -> Verdicts:
    """Judge every capture, printing each violating exchange as soon as its chunk is judged."""
    out, err = out or sys.stdout, err or sys.stderr
    total = Verdicts()
    redact = Redactor(options.environment_secrets)
    known = 0

    def work() -> Iterator[Chunk]:
        for path in paths:
            yield from stream_chunks(sys.stdin.buffer, STDIN) if str(path) == "-" else chunks(path, str(path))

    for found in _in_order(work(), options, jobs):
        total.add(found)
        if len(total.secrets) != known:  # an echo of one exchange's secret in another's body is masked too
            known = len(total.secrets)
            redact = Redactor((*total.secrets, *options.environment_secrets))
        for line in found.lines:
            print(redact(line), file=out)
        for line in found.unreadable:
            print(line, file=err)
    return total


def table(verdicts: Verdicts) -> list[str]:
    """The per-status table: exchanges, violating, with drift; documented statuses first."""
    rows = ["status  exchanges  violating  drift  meaning"]
    for status in sorted(set(CONTRACT) | set(verdicts.statuses)):
        tally = verdicts.statuses.get(status, StatusTally())
        meaning = CONTRACT[status].meaning if status in CONTRACT else "undocumented status"
        rows.append(f"{status:>6}  {tally.exchanges:>9,}  {tally.violating:>9,}  {tally.drift:>5,}  {meaning}")
    rows.append(
        f"{verdicts.exchanges:,} exchanges judged, {verdicts.violations:,} violating; "
        f"{verdicts.ignored:,} of other operations ignored; {verdicts.unreadable_count:,} unreadable"
    )
    if verdicts.unrecorded:
        rows.append(f"{verdicts.unrecorded:,} exchanges had no recorded body: judged by status and headers only")
    return rows


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs {value!r}: expected a whole number of processes, at least 1")
    return jobs


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(args: argparse.Namespace) -> int:
    from .regression import Regression
    from .replay_report import record_of, write_reports

    started = time.time()
    regression = Regression(
        Path(args.report or ".") / "summary.json",
        baseline=args.baseline or "",
        known_violations=args.known_violations or "",
        fail_on_drift_change=args.fail_on_drift_change,
        keep_history=bool(args.report),
    )
    known = regression.known.entries if regression.known else frozenset()
    options = Options(check_strict_fields(args.strict_fields), _environment_secrets(), known)
    paths = [Path(name) for name in args.files]
    if args.files.count("-") > 1:
        raise ConfigError("standard input ('-') can be read once: name it once")
    for path in paths:  # every capture readable before any verdict
        if str(path) == "-":
            continue
        if not path.is_file():
            raise ConfigError(f"cannot read {path}: {'no such file' if not path.exists() else 'not a file'}")
        try:
            path.open("rb").close()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    verdicts = replay(paths, options=options, jobs=args.jobs)
    for row in table(verdicts):
        print(row, file=sys.stderr)
    code = verdicts.exit_code()
    record = record_of(verdicts, [STDIN if str(p) == "-" else str(p) for p in paths], started=started, exit_status=code, options=options)
    redact = Redactor((*verdicts.secrets, *options.environment_secrets))
    regression.seen = {identity: f"{identity[0]} {identity[2]} ({identity[1]})" for identity in verdicts.seen}
    regression.known_seen = set(verdicts.known)
    code = record.exit_status = regression.finish(record, code, redact)
    for line, _ in regression.console_lines(redact):
        print(line, file=sys.stderr)
    if args.report:
        written = write_reports(Path(args.report), verdicts, record, options=options, regression=regression)
        print(f"reports: {', '.join(str(p) for p in written)}", file=sys.stderr)
    return code


def add_command(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "replay",
        help="judge recorded traffic (HAR, JSON Lines) against the contract",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="HAR 1.2 files (.har) or JSON Lines captures, one exchange per line; - reads standard input",
    )
    command.add_argument("--report", metavar="DIR", help="write report.html, junit.xml and summary.json there")
    command.add_argument(
        "--jobs", type=_jobs, default=default_jobs(), metavar="N", help="processes judging in parallel (default: the CPU count)"
    )
    command.add_argument(
        "--strict-fields",
        nargs="?",
        const="all",
        default=None,
        metavar="KINDS",
        help="fail on undocumented fields instead of counting them as drift; alone for every body, or organization,error",
    )
    command.add_argument(
        "--baseline", metavar="PATH|last", help="summary.json of an earlier run to compare with, or 'last' (in DIR/history)"
    )
    command.add_argument(
        "--fail-on-drift-change", action="store_true", help="exit 1 when undocumented fields appeared or vanished since the baseline"
    )
    command.add_argument(
        "--known-violations", metavar="FILE", help="JSON file of violations accepted for now (status, check, path): only new ones fail"
    )
    command.set_defaults(run=run)
