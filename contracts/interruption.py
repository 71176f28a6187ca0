"""Interrupted runs: no stale outputs from an earlier run, and SIGTERM handled like Ctrl-C.

A CI timeout sends SIGTERM, which by default kills the process before any report is written, leaving
the previous run's files to be uploaded as this run's. Raising KeyboardInterrupt instead lets pytest
finish the session as for Ctrl-C (exit 2, INTERRUPTED), so every output is written, marked interrupted."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import Any

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
_SIGNAL_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT (Ctrl-C)"}


def remove_stale_outputs(paths: Iterable[Path]) -> None:
    """Delete what an earlier run wrote where this run will write, so a killed run never leaves it behind."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            path.unlink()


class InterruptOnSignals:
    """While installed, the first SIGTERM or SIGINT raises KeyboardInterrupt in the main thread. Later ones,
    and any after `hold()`, are ignored, so the reports being written are not cut short (SIGKILL still stops
    the run). A signal ignored when the run started stays ignored."""

    def __init__(self) -> None:
        self.received: str | None = None  # the signal that interrupted the run, e.g. "SIGTERM"
        self._previous: dict[signal.Signals, Handler] = {}
        self._holding = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for number in _SIGNAL_NAMES:
            if signal.getsignal(number) is signal.SIG_IGN:
                continue  # e.g. SIGINT for a background job of a script
            self._previous[number] = signal.signal(number, self._interrupt)

    def restore(self) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)  # None: a handler set outside Python
        self._previous.clear()

    def hold(self) -> None:
        """From now on, signals are ignored: the run is writing its outputs."""
        self._holding = True

    def _interrupt(self, number: int, frame: FrameType | None) -> None:
        if self.received is not None or self._holding:
            return
        self.received = _SIGNAL_NAMES[signal.Signals(number)]
        raise KeyboardInterrupt(f"interrupted by {self.received}")
