"""SIGTERM handled like Ctrl-C, the same way in every way in.

A CI timeout sends SIGTERM, which by default kills the process before any output is written, leaving the
previous run's files to be uploaded as this run's. Raising KeyboardInterrupt instead lets each way in finish
as for Ctrl-C (exit 2, INTERRUPTED): pytest ends its session, replay stops its workers, and every output is
written, marked interrupted."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
SIGNAL_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT (Ctrl-C)"}


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
        for number in SIGNAL_NAMES:
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
        self.received = SIGNAL_NAMES[signal.Signals(number)]
        raise KeyboardInterrupt(f"interrupted by {self.received}")


@contextmanager
def interruptible() -> Iterator[InterruptOnSignals]:
    """SIGTERM and SIGINT raise KeyboardInterrupt within the block (once); the handlers before it come back after."""
    signals = InterruptOnSignals()
    signals.install()
    try:
        yield signals
    finally:
        signals.restore()
