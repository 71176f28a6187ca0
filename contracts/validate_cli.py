"""`python -m contracts validate {organization|error} [FILE ...]`: check captured payloads against the schemas.

Exit 0 when every payload is valid, 1 when any is not (one line per violation on stdout:
`FILE: $.path: expected ..., got ...`, or `FILE:LINE: ...` with --jsonl), 2 for a usage error
(an unreadable file, or one larger than --max-body, is reported on stderr and the others are still judged)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from .config import DEFAULT_MAX_BODY, ConfigError, check_max_body, format_size
from .schemas import KINDS
from .validation import check_document
from .violations import Violation, escape_surrogates

STDIN = "-"
VALID, INVALID, USAGE = 0, 1, 2


class TooLarge(Exception):
    """An input larger than the cap: refused without being read whole."""


@dataclass(frozen=True)
class Payload:
    label: str  # where it came from: `FILE` or `FILE:LINE`
    raw: bytes


def read_input(name: str, cap: int = DEFAULT_MAX_BODY) -> bytes:
    """A file's bytes, or stdin's for `-`, at most `cap` of them: an unreadable file is a usage error,
    a larger one `TooLarge` (a file's size is checked before reading; stdin is read up to the cap)."""
    try:
        if name == STDIN:
            return _bounded(sys.stdin.buffer, name, cap)
        with open(name, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > cap:
                raise TooLarge(_too_large(name, cap))
            return _bounded(handle, name, cap)  # a pipe or device reports no size
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None


def _bounded(handle, name: str, cap: int) -> bytes:
    data = handle.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(_too_large(name, cap))
    return data


def _too_large(name: str, cap: int) -> str:
    return f"{display_name(name)} is larger than {format_size(cap)}, not checked: raise --max-body to check it"


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
    cap = check_max_body(args.max_body)
    names = args.files or [STDIN]
    checked = invalid = refused = 0
    for name in names:
        try:
            data = read_input(name, cap)
        except (TooLarge, ConfigError) as exc:  # reported; the other inputs are still judged, and the exit is 2
            print(f"error: {exc}", file=sys.stderr)
            refused += 1
            continue
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
    refusals = f", {refused} input{'s' if refused != 1 else ''} not read" if refused else ""
    print(f"{checked} {args.kind} payload{'s' if checked != 1 else ''} checked, {invalid} invalid{refusals}", file=sys.stderr)
    return USAGE if refused else INVALID if invalid else VALID


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
    command.add_argument("--jsonl", action="store_true", help="one payload per line; violations name FILE:LINE")
    command.add_argument(
        "--max-body",
        default=str(DEFAULT_MAX_BODY),
        metavar="BYTES",
        help=f"refuse an input larger than this, e.g. 10MiB (default {format_size(DEFAULT_MAX_BODY)})",
    )
    command.set_defaults(run=run, parser=command)
