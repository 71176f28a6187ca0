"""`python -m contracts validate {organization|error} [FILE ...]`: check captured payloads against the schemas.

One line per violation on stdout (`FILE: $.path: expected ..., got ...`, or `FILE:LINE: ...` with --jsonl), the
count and the verdict line on stderr; the exit status is the one table's (README, "Exit codes"). With --jsonl the
input is streamed, each line held to --max-body, so a capture of any size is checked in bounded memory; without
it, each file is one payload of at most --max-body."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

from contracts.core import exits
from contracts.core.credentials import ConfigError
from contracts.core.limits import DEFAULT_MAX_BODY, format_size
from contracts.core.violations import Violation, escape_surrogates
from contracts.core.wording import counted
from contracts.judging.schemas import KINDS
from contracts.judging.validation import violations_of
from contracts.lifecycle.signals import interruptible
from contracts.reporting.console import Console, stderr, stdout
from contracts.settings import options as shared_options
from contracts.settings.config import check_max_body

STDIN = "-"
_BLOCK = 1024 * 1024  # bytes read at a time from a JSON Lines input


class Payload(NamedTuple):  # a tuple: one is made per line of a capture
    label: str  # where it came from: `FILE` or `FILE:LINE`
    raw: bytes
    refused: str = ""  # why it was not read whole (longer than the cap): not checked
    empty_input: bool = False  # --jsonl on an input with no line at all: nothing to call valid


@dataclass
class Tally:
    checked: int = 0
    invalid: int = 0
    refused: int = 0

    def code(self) -> int:
        if self.invalid:
            return exits.VIOLATED
        if self.refused:
            return exits.UNREADABLE_INPUT
        return exits.HONOURED if self.checked else exits.NO_CHECK_RAN

    def line(self, kind: str) -> str:
        refusals = f", {counted(self.refused, 'input')} not read" if self.refused else ""
        return f"{counted(self.checked, f'{kind} payload')} checked, {self.invalid:,} invalid{refusals}"


def display_name(name: str) -> str:
    return "<stdin>" if name == STDIN else name


def _too_large(label: str, cap: int) -> str:
    return f"{label} is larger than {format_size(cap)}, not checked: raise --max-body to check it"


def open_input(name: str) -> BinaryIO:
    """A file, or stdin for `-`; one that cannot be opened is a configuration to fix before anything is checked."""
    if name == STDIN:
        return sys.stdin.buffer
    try:
        handle = open(name, "rb")  # noqa: SIM115 - closed by the caller
        if os.path.isdir(name):
            handle.close()
            raise IsADirectoryError(21, "Is a directory")
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None
    return handle


def whole_document(name: str, handle: BinaryIO, cap: int) -> Iterator[Payload]:
    """The input as one payload; a file larger than the cap is refused on its size, unread."""
    label = display_name(name)
    try:
        size = os.fstat(handle.fileno()).st_size if name != STDIN else 0
    except (OSError, ValueError):
        size = 0
    if size > cap:
        yield Payload(label, b"", _too_large(label, cap))
        return
    data = handle.read(cap + 1)  # a pipe or device reports no size
    yield Payload(label, b"", _too_large(label, cap)) if len(data) > cap else Payload(label, data)


def json_lines(name: str, handle: BinaryIO, cap: int) -> Iterator[Payload]:
    """One payload per line, numbered from 1, streamed; a line longer than the cap is refused, the next ones still read.
    Split on LF only: U+2028 may stand raw inside a JSON string."""
    label = display_name(name)
    number, carry, skipping, seen = 1, b"", False, False
    read = getattr(handle, "read1", handle.read)  # what a pipe holds now, not a full block: `tail -f` lines are judged as they come
    while block := read(_BLOCK):
        seen = True
        lines = (carry + block).split(b"\n")
        carry = lines.pop()  # the start of a line the next block ends
        for line in lines:
            if skipping:  # the end of a line already refused
                skipping = False
            else:
                yield _line(label, number, line, cap)
            number += 1
        if len(carry) > cap + 1 and not skipping:  # refused before its end is read: memory stays bounded
            yield Payload(f"{label}:{number}", b"", _too_large(f"{label}:{number}", cap))
            skipping = True
        if skipping:
            carry = b""
    if carry and not skipping:
        yield _line(label, number, carry, cap)
    if not seen:
        yield Payload(label, b"", empty_input=True)


def _line(label: str, number: int, line: bytes, cap: int) -> Payload:
    payload = line.removesuffix(b"\r")
    if len(payload) > cap:
        return Payload(f"{label}:{number}", b"", _too_large(f"{label}:{number}", cap))
    return Payload(f"{label}:{number}", payload)


def run(args: argparse.Namespace) -> int:
    cap = DEFAULT_MAX_BODY if args.max_body is None else check_max_body(args.max_body)
    names = args.files or [STDIN]
    handles = [(name, open_input(name)) for name in names]  # every input openable before any verdict
    out, err, tally = stdout(), stderr(), Tally()
    with interruptible() as signals:
        try:
            for name, handle in handles:
                with handle if name != STDIN else _unclosed(handle):
                    payloads = json_lines(name, handle, cap) if args.jsonl else whole_document(name, handle, cap)
                    _check(args.kind, payloads, tally, out, err)
        except KeyboardInterrupt:
            pass  # the handler noted which signal; what was checked so far is said
        signals.hold()
        code = exits.INTERRUPTED if signals.received else tally.code()
        if signals.received:
            err.line(f"interrupted by {signals.received}")
        err.line(tally.line(args.kind))
        err.line(exits.verdict_line(code))
    return code


def _check(kind: str, payloads: Iterator[Payload], tally: Tally, out: Console, err: Console) -> None:
    for payload in payloads:
        if payload.refused:
            err.line(f"error: {payload.refused}")
            tally.refused += 1
            continue
        if payload.empty_input:
            out.line(escape_surrogates(f"{payload.label}: {Violation('$', 'one JSON document per line', 'an empty input')}"))
            tally.invalid += 1
            continue
        tally.checked += 1
        found = violations_of(kind, payload.raw)
        tally.invalid += bool(found)
        for violation in found:
            out.line(escape_surrogates(f"{payload.label}: {violation}"))  # a file name may hold undecodable bytes too


class _unclosed:
    """Standard input as a context manager that leaves it open."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle

    def __enter__(self) -> BinaryIO:
        return self.handle

    def __exit__(self, *exc: object) -> None:
        return None


def add_command(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "validate",
        help="check captured payloads against a schema",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("kind", choices=sorted(KINDS), help="which body: the 200 organization or the error envelope")
    # A default keeps argparse from calling FILE required in its usage error (Python < 3.13).
    command.add_argument("files", nargs="*", default=[], metavar="FILE", help="payload files (default: stdin; - for stdin)")
    command.add_argument("--jsonl", action="store_true", help="one payload per line, streamed; violations name FILE:LINE")
    shared_options.add_to_argparse(command, shared_options.VALIDATE)
    command.set_defaults(run=run, parser=command)
