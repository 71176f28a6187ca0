"""The files one run writes: an earlier run's are cleared before this run starts, and each is written whole or not
at all (a temporary file in the same folder, then a rename), so no reader ever sees half of one or mistakes an
earlier run's file for this run's. What cannot be cleared or written is said in one line naming the folder and the
reason; the run's exit status then says so too (`exits.with_outputs_lost`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from contracts.reporting.files import write_whole


class Outputs:
    def __init__(self, paths: Iterable[Path] = ()):
        self.paths = list(paths)
        self.written: list[Path] = []
        self.problems: list[str] = []  # one line each: what, where, why

    def clear(self) -> None:
        """Remove what an earlier run left where this run will write, so a run that stops early never leaves it behind."""
        for path in self.paths:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                self._problem(f"cannot remove the earlier run's {path.name}", path, exc)

    def write_text(self, path: Path, text: str) -> bool:
        return self.write_bytes(path, text.encode("utf-8", "surrogateescape"))

    def write_bytes(self, path: Path, data: bytes) -> bool:
        """`data` at `path`, whole, or nothing there (and a problem line) when the folder refuses it or the disk is full."""
        try:
            write_whole(path, data)
        except OSError as exc:
            self._problem(f"cannot write {path.name}", path, exc)
            return False
        self.written.append(path)
        return True

    def publish(self, staged: Path, path: Path) -> bool:
        """Move a file another writer made in a private folder (pytest-html, JUnit) to its place, whole."""
        try:
            data = staged.read_bytes()
        except OSError as exc:
            self._problem(f"cannot read the {path.name} just made", staged, exc)
            return False
        return self.write_bytes(path, data)

    def _problem(self, what: str, path: Path, exc: OSError) -> None:
        reason = exc.strerror or type(exc).__name__
        self.problems.append(f"{what} in {path.parent}: {reason}")

    def lines(self) -> list[str]:
        """The run's last words about its outputs: where they are, and each one that could not be written."""
        lines = [f"reports: {', '.join(str(path) for path in self.written)}"] if self.written else []
        return lines + [f"outputs not written: {problem}" for problem in self.problems]
