"""Recorded exchanges judged chunk by chunk, with the one judging function the gate uses (`judging.checks`).

Every recorded `GET …/account/organization` is judged by its own status (the same schemas, strictness and
drift); an undocumented status is a violation; other exchanges are counted as ignored. Chunks are judged
apart (in worker processes with `--jobs`) and their `Verdicts` merged in capture order. A JSON line in the
common form is judged as `plain_lines` reads it, and only counted, or its violations written; the exchanges the
report shows in full are read in full, and rendered by the report, once.
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
from contracts.core.violations import Violation, in_one_line
from contracts.judging.checks import Verdict, judge_answer
from contracts.judging.evidence import Evidence
from contracts.reporting.record import as_is
from contracts.transport.captures import Chunk, Recorded, recorded
from contracts.transport.plain_lines import plain_line

SHOWN = 50  # exchanges shown in full in the report; the rest are counted
STDIN = "<stdin>"  # how entries read from standard input ("-") are labelled: <stdin>#N
SHOWN_BODY = 64 * 1024  # bytes of a body shown in the report
_MAX_SECRETS = 1000  # distinct capture secrets also masked across exchanges (each exchange's own are always masked)


@dataclass(frozen=True)
class Shown:
    """An exchange to show in full in the report: its label, status and violations (redacted), and what its HTML is
    rendered from, by the report, for those it keeps (the entry, its body cut for the report, and the violations)."""

    label: str
    status: int
    violations: tuple[str, ...]
    entry: Recorded
    found: tuple[Violation, ...]


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

    def judged(
        self,
        label: str,
        status: int,
        verdict: Verdict,
        secrets: Sequence[str],
        options: Options,
        entry: Recorded | None,
        body: bytes | None,
    ) -> bool:
        """One exchange judged: counted, its violations (those not known) written and remembered; the first SHOWN
        violating and conforming ones kept to be shown in full. False, and nothing done, for one to be shown in
        full when its `entry` is not at hand (the caller reads it in full, and comes back)."""
        violations: Sequence[Violation] = verdict.violations
        environment = options.environment_secrets
        if not violations and len(self.conforming) >= SHOWN:  # most exchanges: only counted
            self.count(status, violating=False, undocumented=verdict.drift, secrets=secrets, body=body, environment=environment)
            return True
        identities = [(status, v.check, v.path) for v in violations]
        if identities and options.known:
            violations = [v for v, i in zip(violations, identities, strict=True) if i not in options.known]
        shown = len(self.violating if violations else self.conforming) < SHOWN
        if shown and entry is None:
            return False
        if identities:
            self.seen.update(identities)
            self.known.update(i for i in identities if i in options.known)
        valid = not verdict.violations  # known violations included: the evidence is of what the service sends
        self.count(
            status, violating=bool(violations), undocumented=verdict.drift, secrets=secrets, body=body, valid=valid, environment=environment
        )
        if violations or shown:
            redact = _redactor((*secrets, *environment))
            if violations:
                self.lines.append(redact(f"{label}: {status} {in_one_line(violations)}"))
            if shown and entry is not None:
                words = tuple(redact(str(v)) for v in violations)
                (self.violating if violations else self.conforming).append(_shown(entry, tuple(violations), words))
        return True

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


@lru_cache(maxsize=64)
def _redactor(secrets: tuple[str, ...]) -> Redactor:
    """The redactor of these secrets: a capture's lines repeat their credentials, and building one costs."""
    return Redactor(secrets)


def _shown(entry: Recorded, violations: tuple[Violation, ...], words: tuple[str, ...]) -> Shown:
    if len(entry.body) > SHOWN_BODY:
        entry = replace(entry, body=entry.body[:SHOWN_BODY] + "\n… (body cut for the report)".encode())
    return Shown(entry.label, entry.status, words, entry, violations)


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
        verdict = judge_answer(
            status,
            entry.content_type,
            body,
            options.strict_fields,
            entry.reason,
            truncated_at=truncated_at,
            body_recorded=entry.body_recorded,
            drift_in_order=False,
        )
        if not entry.body_recorded:
            found.unrecorded += status in CONTRACT and CONTRACT[status].body is not None
        whole = truncated_at is None and entry.body_recorded
        found.judged(entry.label, status, verdict, entry.secrets, options, entry, body if whole else None)
    return found


def judge_chunk(chunk: Chunk, options: Options) -> Verdicts:
    """The unit of work a process is given: read one chunk of a capture and judge it."""
    found = Verdicts()
    return judge(recorded(chunk, partial(_plain_line, found, options, chunk.file), max_body=options.max_body), options, found)


def _plain_line(found: Verdicts, options: Options, file: str, number: int, line: bytes) -> bool:
    """Judge a JSON line in the common form as `plain_line` reads it, without the full reading (which leaves the
    verdict as it is: tests/replay/test_replay.py compares them). False for any other line, and for one the report
    shows in full, which are read in full and judged there."""
    answer = plain_line(line, options.max_body)
    if answer is None:
        return False
    status, content_type, body, reason, secrets, operation = answer
    if not operation:
        found.ignored += 1
        return True
    verdict = judge_answer(status, content_type, body, options.strict_fields, reason, drift_in_order=False)
    return found.judged(f"{file}#{number}" if verdict.violations else "", status, verdict, secrets, options, None, body)


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
