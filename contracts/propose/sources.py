"""Where a proposal's evidence comes from: the gate's run history, summary files, or captures read directly.

Every summary.json (the gate's, replay's, load-summary.json) carries the evidence of its run, and the history folder
keeps one per run, so the evidence of many runs adds up without keeping a single body. A capture (HAR or JSON
Lines) is judged here as replay judges it, each exchange by its own status, and is read a second time for the
proof: the bodies it learned from, one at a time.

A file named on the command line that cannot be used is a mistake to fix (ConfigError, one line). In the history
folder, a run written before summaries carried evidence is passed over, and so is a run against the embedded
reference server, which sends only documented members and would dilute "seen in N of M"; an unreadable one is
counted, and named in one line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from contracts.core.contract import CONTRACT
from contracts.core.credentials import CLIENT_SECRET_ENV, TOKEN_ENV, ConfigError, credentials_from_env
from contracts.core.redaction import Redactor
from contracts.core.wording import counted
from contracts.judging.checks import judge_answer
from contracts.judging.evidence import Evidence
from contracts.judging.evidence_form import EvidenceError
from contracts.judging.validation import NotJSON, parse_json
from contracts.transport.captures import Recorded, UnreadableCapture, chunks, recorded

MAX_SUMMARY = 64 * 1024 * 1024  # bytes of one summary file read: ours are far smaller, whatever the run
_MAX_SECRETS = 1000  # distinct capture credentials masked in what the proposal writes (as replay keeps them)
_SHOWN_PROBLEMS = 20


@dataclass
class Gathered:
    """Evidence read from every source, with what the summary and the console say about it."""

    evidence: Evidence = field(default_factory=lambda: _empty())
    sources: list[str] = field(default_factory=list)  # where it was read, for the summary
    passed_over: list[str] = field(default_factory=list)  # what was left out, and why
    problems: list[str] = field(default_factory=list)  # one line per input that could not be read (the first few)
    unreadable: int = 0  # history files and capture entries that could not be read
    secrets: set[str] = field(default_factory=set)  # credentials found in captures, masked wherever they are echoed
    captures: list[Path] = field(default_factory=list)  # read again for the proof's learned bodies
    runs_read: set[str] = field(default_factory=set)  # digests of the summaries read: a history copy is not counted twice

    def problem(self, line: str) -> None:
        self.unreadable += 1
        if len(self.problems) < _SHOWN_PROBLEMS:
            self.problems.append(line)


def _empty() -> Evidence:
    evidence = Evidence()
    evidence.runs = 0  # no run read yet: each summary adds its own
    return evidence


def environment_secrets() -> tuple[str, ...]:
    """The gate's own credentials, as the environment gives them, should any source echo them."""
    try:
        credentials = credentials_from_env()
    except ConfigError:
        return tuple(value for value in (os.environ.get(TOKEN_ENV, ""), os.environ.get(CLIENT_SECRET_ENV, "")) if value)
    return tuple(credentials.secret_values()) if credentials else ()


# -- summaries and the history ----------------------------------------------------------------------


def add_summary(gathered: Gathered, path: Path) -> None:
    """One summary file named on the command line: its evidence, or a ConfigError saying why not."""
    reason = _add(gathered, path)
    if reason:
        raise ConfigError(f"{path}: {reason}")


def add_history(gathered: Gathered, folder: Path) -> None:
    """Every run in a history folder (as the gate keeps it, beside reports/summary.json)."""
    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise ConfigError(
            f"--history {folder}: {what}; run the gate first (it keeps its history beside reports/summary.json), or name summary files"
        )
    files = sorted(folder.glob("*.json"))
    older = embedded = 0
    for path in files:
        reason = _add(gathered, path, history=True)
        if reason == _NO_EVIDENCE:
            older += 1
        elif reason == _EMBEDDED:
            embedded += 1
        elif reason:
            gathered.problem(f"{path}: {reason}")
    gathered.sources.append(f"{folder} ({counted(len(files), 'run')})")
    if older:
        gathered.passed_over.append(f"{older} run(s) in {folder} carry no evidence (written by an older version)")
    if embedded:
        gathered.passed_over.append(
            f"{embedded} run(s) in {folder} against the embedded reference server: it sends only documented members"
        )


_NO_EVIDENCE = 'no evidence in it: a summary.json written by this version carries it under "evidence"'
_EMBEDDED = "a run against the embedded reference server"


def _add(gathered: Gathered, path: Path, *, history: bool = False) -> str:
    """Merge one summary's evidence in; the reason it cannot be, or "" once done."""
    try:
        if not path.is_file():
            return "no such file" if not path.exists() else "not a file"
        if path.stat().st_size > MAX_SUMMARY:
            return f"larger than {MAX_SUMMARY // (1024 * 1024)} MiB: not a summary.json"
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    digest = hashlib.sha256(data).hexdigest()
    if digest in gathered.runs_read:
        return ""  # the same run, named twice (reports/summary.json and its copy in the history)
    try:
        summary = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return "not JSON: give a summary.json the gate, replay or the Locust run wrote"
    if not isinstance(summary, dict) or "evidence" not in summary:
        return _NO_EVIDENCE
    if history and isinstance(summary.get("target"), dict) and summary["target"].get("embedded") is True:
        return _EMBEDDED
    try:
        evidence = Evidence.from_dict(summary["evidence"])
    except EvidenceError as exc:
        return f"its evidence cannot be read ({exc})"
    gathered.runs_read.add(digest)
    gathered.evidence.merge(evidence)
    if not history:
        gathered.sources.append(str(path))
    return ""


# -- captures ---------------------------------------------------------------------------------------


def add_capture(gathered: Gathered, path: Path, *, max_body: int, environment: tuple[str, ...]) -> None:
    """Judge a capture's exchanges as replay does and take the evidence of their bodies, as one run."""
    _readable(path)
    evidence, exchanges = Evidence(), 0
    for entry in _entries(path, max_body):
        if entry.unreadable:
            gathered.problem(f"{entry.label}: {entry.unreadable}")
            continue
        if not entry.operation or entry.status == 0:
            continue  # another operation, or no answer recorded
        exchanges += 1
        if len(gathered.secrets) < _MAX_SECRETS:
            gathered.secrets.update(entry.secrets)
        body, whole = _body(entry, max_body)
        if not whole:
            continue
        verdict = judge_answer(entry.status, entry.content_type, body, reason=entry.reason)
        evidence.answer(entry.status, body, verdict.drift, valid=not verdict.violations, clean=_redactor((*entry.secrets, *environment)))
    gathered.evidence.merge(evidence)
    gathered.captures.append(path)
    gathered.sources.append(f"{path} ({counted(exchanges, 'exchange')})")


def learned_bodies(paths: list[Path], *, max_body: int) -> Iterator[tuple[str, object]]:
    """The captures' documented bodies, read whole and parsed, one at a time: what the proof replays."""
    for path in paths:
        for entry in _entries(path, max_body):
            contract = CONTRACT.get(entry.status) if not entry.unreadable and entry.operation else None
            if contract is None or contract.body is None:
                continue
            body, whole = _body(entry, max_body)
            if not whole:
                continue
            try:
                yield contract.body, parse_json(body)
            except NotJSON:
                continue  # not a body the current reference accepts: not the proposal's to accept either


def _readable(path: Path) -> None:
    if not path.is_file():
        raise ConfigError(
            f"--from {path}: {'no such file' if not path.exists() else 'not a file'}: give a HAR file or a JSON Lines capture"
        )
    try:
        path.open("rb").close()
    except OSError as exc:
        raise ConfigError(f"--from {path}: cannot be read ({exc.strerror or exc})") from None


def _entries(path: Path, max_body: int) -> Iterator[Recorded]:
    try:
        for chunk in chunks(path, str(path)):
            yield from recorded(chunk, max_body=max_body)
    except (UnreadableCapture, OSError) as exc:
        raise ConfigError(f"--from {path}: {exc}") from None


def _body(entry: Recorded, max_body: int) -> tuple[bytes, bool]:
    """The recorded body, and whether it is whole: recorded, and within the cap (as the gate reads one)."""
    return entry.body, entry.body_recorded and len(entry.body) <= max_body


@lru_cache(maxsize=64)
def _redactor(secrets: tuple[str, ...]) -> Redactor:
    return Redactor(secrets)
