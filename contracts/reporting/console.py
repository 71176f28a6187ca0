"""The console every way in writes through: a line the console's encoding cannot show is escaped (`\\u2014`), never
a UnicodeEncodeError, and a reader that went away (a closed pipe) ends the writing, not the run."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO

from contracts.core.printable import printable


class Console:
    def __init__(self, stream: TextIO | None = None):
        self._stream = stream
        self.closed = False  # the reader went away: nothing more is written

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def line(self, text: str = "") -> None:
        """One line of text from anywhere (the target's included): control characters shown, not obeyed."""
        self.raw(printable(text))

    def raw(self, text: str) -> None:
        """One line as it is (already made printable)."""
        if self.closed:
            return
        stream = self.stream
        encoding = getattr(stream, "encoding", None) or "utf-8"
        shown = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
        try:
            stream.write(shown + "\n")
            stream.flush()
        except BrokenPipeError:
            self._reader_gone(stream)
        except ValueError:  # the stream was closed under us
            self.closed = True

    def _reader_gone(self, stream: TextIO) -> None:
        """`… | head -1`: stop writing, and point the descriptor at /dev/null so the interpreter's last flush is quiet."""
        self.closed = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def stdout() -> Console:
    return Console(sys.stdout)


def stderr() -> Console:
    return Console(sys.stderr)
