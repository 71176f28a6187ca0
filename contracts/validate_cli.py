"""`python -m contracts validate {organization|error} [FILE ...]`: check captured payloads against the schemas.

Exit 0 when every payload is valid, 1 when any is not (one line per violation on stdout:
`FILE: $.path: expected ..., got ...`, or `FILE:LINE: ...` with --jsonl), 2 for a usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from .config import ConfigError
from .schemas import KINDS
from .validation import check_document
from .violations import Violation, escape_surrogates

STDIN = "-"
VALID, INVALID = 0, 1


@dataclass(frozen=True)
class Payload:
    label: str  # where it came from: `FILE` or `FILE:LINE`
    raw: bytes


def read_input(name: str) -> bytes:
    """A file's bytes, or stdin's for `-`; an unreadable file is a usage error."""
    if name == STDIN:
        return sys.stdin.buffer.read()
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None


def display_name(name: str) -> str:
    return "<stdin>" if name == STDIN else name


def whole_documents(name: str, data: bytes) -> Iterator[Payload]:
    yield Payload(display_name(name), data)


def json_lines(name: str, data: bytes) -> Iterator[Payload]:
    """One payload per line, numbered from 1. Split on LF only: U+2028 may stand raw inside a JSON string."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line does not start another
    for number, line in enumerate(lines, start=1):
        yield Payload(f"{display_name(name)}:{number}", line.removesuffix(b"\r"))


def violations_of(kind: str, payload: Payload) -> list[Violation]:
    return check_document(kind, payload.raw)[1]


def run(args: argparse.Namespace) -> int:
    split = json_lines if args.jsonl else whole_documents
    inputs = [(name, read_input(name)) for name in args.files or [STDIN]]  # every input readable before any verdict
    checked = invalid = 0
    for name, data in inputs:
        payloads = list(split(name, data))
        if not payloads:  # --jsonl on an empty input: nothing to call valid
            print(f"{display_name(name)}: {Violation('$', 'one JSON document per line', 'an empty input')}")
            invalid += 1
        for payload in payloads:
            checked += 1
            found = violations_of(args.kind, payload)
            invalid += bool(found)
            for violation in found:
                print(escape_surrogates(f"{payload.label}: {violation}"))  # a file name may hold undecodable bytes too
    print(f"{checked} {args.kind} payload{'s' if checked != 1 else ''} checked, {invalid} invalid", file=sys.stderr)
    return INVALID if invalid else VALID


def add_command(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "validate",
        help="check captured payloads against a schema",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("kind", choices=sorted(KINDS), help="which body: the 200 organization or the error envelope")
    command.add_argument("files", nargs="*", metavar="FILE", help="payload files (default: stdin; - for stdin)")
    command.add_argument("--jsonl", action="store_true", help="one payload per line; violations name FILE:LINE")
    command.set_defaults(run=run)
