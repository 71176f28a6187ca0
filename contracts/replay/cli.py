"""`python -m contracts replay FILE...`: judge recorded traffic (HAR, JSON Lines) against the contract.

Every recorded `GET …/account/organization` is judged by its own status with the gate's checks; an undocumented
status is a violation; other exchanges are counted as ignored. One line per violating exchange on stdout
(`FILE#N: STATUS $.path: expected …, got …`), the per-status table, the verdict line and the outputs on stderr;
the exit status is the one table's (README, "Exit codes"). `-` reads a capture from standard input
(`zcat gateway.jsonl.gz | python -m contracts replay -`)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from contracts.core import exits
from contracts.core.credentials import CLIENT_SECRET_ENV, TOKEN_ENV, ConfigError, credentials_from_env
from contracts.core.limits import DEFAULT_MAX_BODY
from contracts.core.redaction import Redactor
from contracts.lifecycle.outputs import Outputs
from contracts.lifecycle.signals import interruptible
from contracts.regression.regression import Regression
from contracts.replay.judge import STDIN, Options, Verdicts, in_order
from contracts.replay.report import OUTPUT_NAMES, record_of, table, write_reports
from contracts.reporting.console import Console, stderr, stdout
from contracts.settings import options as shared_options
from contracts.settings.config import check_max_body, check_strict_fields
from contracts.transport.captures import Chunk, chunks, stream_chunks


def _environment_secrets() -> tuple[str, ...]:
    """The gate's own credentials, should a capture contain them."""
    try:
        credentials = credentials_from_env()
    except ConfigError:
        return tuple(value for value in (os.environ.get(TOKEN_ENV, ""), os.environ.get(CLIENT_SECRET_ENV, "")) if value)
    return tuple(credentials.secret_values()) if credentials else ()


def replay(
    paths: list[Path],
    *,
    options: Options,
    jobs: int,
    out: Console | TextIO | None = None,
    err: Console | TextIO | None = None,
    total: Verdicts | None = None,
) -> Verdicts:
    """Judge every capture into `total`, printing each violating exchange as soon as its chunk is judged; `total`
    holds what was judged so far should the run be interrupted."""
    total = Verdicts() if total is None else total
    out, err = _console(out, sys.stdout), _console(err, sys.stderr)
    redact = Redactor(options.environment_secrets)
    known = 0

    def work() -> Iterator[Chunk]:
        for path in paths:
            if str(path) == "-":
                yield from stream_chunks(sys.stdin.buffer, STDIN)
            else:
                yield from chunks(path, str(path))

    with contextlib.closing(in_order(work(), options, jobs)) as judged:
        for found in judged:
            total.add(found)
            if len(total.secrets) != known:  # an echo of one exchange's secret in another's body is masked too
                known = len(total.secrets)
                redact = Redactor((*total.secrets, *options.environment_secrets))
            for line in found.lines:
                out.line(redact(line))
            for line in found.unreadable:
                err.line(line)
    return total


def _console(stream: Console | TextIO | None, default: TextIO) -> Console:
    return stream if isinstance(stream, Console) else Console(stream or default)


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
    """The replay's life, as every way in's: clear this run's earlier outputs, judge, record, write, end with the
    verdict line; SIGINT and SIGTERM stop the workers and leave outputs marked interrupted."""
    started = time.time()
    report = Path(args.report) if args.report else None
    regression = Regression(
        (report or Path(".")) / "summary.json",
        baseline=args.baseline or "",
        known_violations=args.known_violations or "",
        record_known=args.record_known or "",
        fail_on_drift_change=args.fail_on_drift_change,
        keep_history=report is not None,
    )
    known = regression.known.entries if regression.known else frozenset()
    max_body = DEFAULT_MAX_BODY if args.max_body is None else check_max_body(args.max_body)
    options = Options(check_strict_fields(args.strict_fields), max_body, _environment_secrets(), known)
    paths = _readable(args.files)
    outputs = Outputs([report / name for name in OUTPUT_NAMES] if report else [])
    console, total = stderr(), Verdicts()
    with interruptible() as signals:
        outputs.clear()
        with contextlib.suppress(KeyboardInterrupt):  # the handler noted which signal; what was judged so far is reported
            replay(paths, options=options, jobs=args.jobs, total=total, out=stdout(), err=console)
        signals.hold()
        for row in table(total):
            console.line(row)
        files = [STDIN if str(path) == "-" else str(path) for path in paths]
        record = record_of(total, files, started=started, exit_status=total.exit_code(), options=options)
        if signals.received:
            record.interrupted, record.stopped, record.exit_status = True, f"interrupted by {signals.received}", exits.INTERRUPTED
        redact = Redactor((*total.secrets, *options.environment_secrets))
        regression.seen = {identity: f"{identity[0]} {identity[2]} ({identity[1]})" for identity in total.seen}
        regression.known_seen = set(total.known)
        record.exit_status = regression.finish(record, record.exit_status or 0, redact)
        judged = record.exit_status
        if report is not None:
            write_reports(report, total, record, options=options, regression=regression, outputs=outputs)
        for line, _ in regression.console_lines(redact):
            console.line(line)
        code = record.exit_status if record.exit_status is not None else exits.INTERNAL_ERROR
        console.line(exits.verdict_line(code, judged=judged))
        for line in outputs.lines():
            console.line(redact(line))
    return code


def _readable(files: list[str]) -> list[Path]:
    """Every capture readable before any verdict: a missing file is a configuration to fix, not a verdict."""
    if files.count("-") > 1:
        raise ConfigError("standard input ('-') can be read once: name it once")
    paths = [Path(name) for name in files]
    for path in paths:
        if str(path) == "-":
            continue
        if not path.is_file():
            raise ConfigError(f"cannot read {path}: {'no such file' if not path.exists() else 'not a file'}")
        try:
            path.open("rb").close()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    return paths


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
    shared_options.add_to_argparse(command, shared_options.REPLAY)
    command.set_defaults(run=run)
