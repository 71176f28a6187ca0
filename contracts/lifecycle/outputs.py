"""The files one run writes: an earlier run's are cleared before this run starts, and each is written whole or not
at all (a temporary file in the same folder, then a rename), so no reader ever sees half of one or mistakes an
earlier run's file for this run's. What cannot be cleared or written is said in one line per folder and reason,
naming the files; the run's exit status then says so too (`exits.with_outputs_lost`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contracts.reporting.files import write_whole


@dataclass(frozen=True)
class Problem:
    """One file that could not be written (or, `stale`, an earlier run's that could not be removed)."""

    name: str
    folder: Path
    reason: str
    stale: bool = False


class Outputs:
    def __init__(self, paths: Iterable[Path] = ()):
        self.paths = list(paths)
        self.written: list[Path] = []
        self.problems: list[Problem] = []

    def clear(self) -> None:
        """Remove what an earlier run left where this run will write, so a run that stops early never leaves it behind."""
        for path in self.paths:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.problems.append(Problem(path.name, path.parent, _reason(exc), stale=True))

    def write_text(self, path: Path, text: str) -> bool:
        return self.write_bytes(path, text.encode("utf-8", "surrogateescape"))

    def write_bytes(self, path: Path, data: bytes) -> bool:
        """`data` at `path`, whole, or nothing new there (and a problem) when the folder refuses it or the disk is full."""
        try:
            write_whole(path, data)
        except OSError as exc:
            self.failed(path, exc)
            return False
        self.written.append(path)
        self.problems = [p for p in self.problems if not (p.stale and p.folder == path.parent and p.name == path.name)]
        return True

    def publish(self, staged: Path, path: Path) -> bool:
        """Move a file another writer made in a private folder (JUnit) to its place, whole."""
        try:
            data = staged.read_bytes()
        except OSError as exc:
            self.failed(staged, exc)
            return False
        return self.write_bytes(path, data)

    def failed(self, path: Path, exc: OSError) -> None:
        """`path` could not be written, for the reason `exc` gives (also when another writer failed at it)."""
        self.problems.append(Problem(path.name, path.parent, _reason(exc)))

    def lines(self) -> list[str]:
        """The run's last words about its outputs: where they are, then one line per folder and reason that kept a file
        from being written, and one naming an earlier run's files left in place (they are not this run's)."""
        lines = [f"reports: {', '.join(str(path) for path in self.written)}"] if self.written else []
        for (folder, reason, stale), names in _grouped(self.problems).items():
            if stale:
                lines.append(
                    f"outputs not written: an earlier run's {', '.join(names)} in {folder} could not be removed ({reason}): not this run's"
                )
            else:
                lines.append(f"outputs not written: {', '.join(names)} in {folder}: {reason}")
        return lines


def _grouped(problems: list[Problem]) -> dict[tuple[Path, str, bool], list[str]]:
    grouped: dict[tuple[Path, str, bool], list[str]] = {}
    for problem in problems:
        names = grouped.setdefault((problem.folder, problem.reason, problem.stale), [])
        if problem.name not in names:
            names.append(problem.name)
    return grouped


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
