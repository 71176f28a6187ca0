"""Recorded exchanges judged chunk by chunk, with the one judging function the gate uses (`judging.checks`).

Every recorded `GET …/account/organization` is judged by its own status (the same schemas, strictness and
drift); an undocumented status is a violation; other exchanges are counted as ignored. Chunks are judged
apart (in worker processes with `--jobs`) and their `Verdicts` merged in capture order.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
from collections import Counter, deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial

from contracts.core import exits
from contracts.core.contract import CONTRACT
from contracts.core.limits import DEFAULT_MAX_BODY
from contracts.core.redaction import Redactor
from contracts.core.violations import Violation
from contracts.judging.checks import CACHED_BODY, judge_answer
from contracts.judging.evidence import Evidence
from contracts.reporting.html import exchange_html
from contracts.reporting.record import as_is
from contracts.transport.captures import Chunk, Recorded, plain_line, recorded

SHOWN = 50  # exchanges shown in full in the report; the rest are counted
STDIN = "<stdin>"  # how entries read from standard input ("-") are labelled: <stdin>#N
_SHOWN_BODY = 64 * 1024  # bytes of a body shown in the report
_MAX_SECRETS = 1000  # distinct capture secrets also masked across exchanges (each exchange's own are always masked)


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
    evidence: Evidence = field(default_factory=Evidence)  # what undocumented members looked like

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
        self.evidence.merge(other.evidence, same_run=True)

    def count(
        self,
        status: int,
        *,
        violating: bool,
        undocumented: Sequence[str],
        secrets: Sequence[str],
        body: bytes | None = None,
        valid: bool = True,
        environment: tuple[str, ...] = (),
    ) -> None:
        """One judged exchange: its status's tally, its drift, its credentials (to mask their echoes), and, for a body
        read whole, the evidence of what the service sends (`valid`: no rule broken, known violations included)."""
        tally = self.statuses.get(status) or self.statuses.setdefault(status, StatusTally())
        tally.exchanges += 1
        tally.violating += violating
        if undocumented:
            tally.drift += 1
            for path in undocumented:
                self.drift[status, path] += 1
        if secrets and len(self.secrets) < _MAX_SECRETS:
            self.secrets.update(secrets)
        if body is not None:  # the redactor is made only for a body that is read: one with drift, or broken
            clean = _redactor((*secrets, *environment)) if undocumented or not valid else as_is
            self.evidence.answer(status, body, undocumented, valid=valid, clean=clean)

    def exit_code(self) -> int:
        if self.violations:
            return exits.VIOLATED
        if self.unreadable_count:
            return exits.UNREADABLE_INPUT
        return exits.NO_CHECK_RAN if not self.exchanges else exits.HONOURED


@dataclass(frozen=True)
class Options:
    strict_fields: frozenset[str] = frozenset()
    max_body: int = DEFAULT_MAX_BODY
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
        body, truncated_at = entry.body, None
        if len(body) > options.max_body:  # judged as the gate judges a body longer than its cap
            body, truncated_at = body[: options.max_body], options.max_body
        found_violations, undocumented = judge_answer(
            status,
            entry.content_type,
            body,
            options.strict_fields,
            entry.reason,
            truncated_at=truncated_at,
            body_recorded=entry.body_recorded,
        )
        violations: Sequence[Violation] = found_violations
        if not entry.body_recorded:
            found.unrecorded += status in CONTRACT and CONTRACT[status].body is not None
        if violations:
            identities = [(status, v.check, v.path) for v in violations]
            found.seen.update(identities)
            found.known.update(i for i in identities if i in options.known)
            violations = [v for v, i in zip(violations, identities, strict=True) if i not in options.known]
        whole = truncated_at is None and entry.body_recorded
        found.count(
            status,
            violating=bool(violations),
            undocumented=undocumented,
            secrets=entry.secrets,
            body=body if whole else None,
            valid=not found_violations,
            environment=options.environment_secrets,
        )
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
    return judge(recorded(chunk, partial(_conforming_plain_line, found, options), max_body=options.max_body), options, found)


def _conforming_plain_line(found: Verdicts, options: Options, line: bytes) -> bool:
    """Tally a JSON line in the common form (`plain_line`) that conforms, or is of another operation; False
    for any other line, which is read and judged in full. Only once the conforming exchanges the report
    shows are kept, and never for a violation: those are what the full reading is for."""
    if len(found.conforming) < SHOWN:
        return False
    answer = plain_line(line, options.max_body)
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
    found.count(status, violating=False, undocumented=undocumented, secrets=secrets, body=body, environment=options.environment_secrets)
    return True


@lru_cache(maxsize=64)
def _redactor(secrets: tuple[str, ...]) -> Redactor:
    """The redactor of one exchange's credentials and the environment's: captures repeat the same few."""
    return Redactor(secrets)


def in_order(work: Iterator[Chunk], options: Options, jobs: int) -> Generator[Verdicts, None, None]:
    """Verdicts chunk by chunk, in capture order; with several jobs at most two chunks per process are in flight.
    However the caller stops (an interruption, the generator closed), no worker process outlives it."""
    if jobs == 1:
        for chunk in work:
            yield judge_chunk(chunk, options)
        return
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_started)
    try:
        pending: deque[Future[Verdicts]] = deque()
        for chunk in work:
            pending.append(pool.submit(judge_chunk, chunk, options))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_started() -> None:
    """A worker leaves Ctrl-C (sent to the whole process group) to the main process, which stops it; and it dies
    with the main process, should that be killed outright, rather than run on re-parented to PID 1."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the workers now: waiting for their chunks would outlast a CI runner's grace period."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the executor's own map of its workers
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
