"""Known violations: what an API team cannot fix today, accepted by the gate until it is gone.

The file (JSON, committed beside the suite) names each violation by status, check and JSON path, never by
its message text, so a changed value in the same place is still the same known violation:

    {"format": 1, "known_violations": [{"status": 200, "check": "schema", "path": "$.anniversaryDate"}]}

Other members of an entry (`example`, `note`) are for people and are kept as written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from contracts.core.credentials import ConfigError
from contracts.core.violations import Violation
from contracts.reporting.files import write_whole

FORMAT = 1
Identity = tuple[int, str, str]  # (status, check, path): what makes two violations the same one


def identity(status: int, violation: Violation, clean: Callable[[str], str]) -> Identity:
    """The path as every output shows it (secrets masked), so a recorded file never holds a secret."""
    return (status, violation.check, clean(violation.path))


def as_entry(known: Identity) -> dict:
    status, check, path = known
    return {"status": status, "check": check, "path": path}


@dataclass(frozen=True)
class KnownViolations:
    path: Path
    entries: frozenset[Identity]

    def fixed(self, seen: Iterable[Identity], checked_statuses: Iterable[int]) -> list[Identity]:
        """Known ones that no longer occur, among the statuses this run checked (an unchecked one may still occur)."""
        seen, checked = set(seen), set(checked_statuses)
        return sorted(k for k in self.entries if k not in seen and k[0] in checked)


def load_known(path: Path) -> KnownViolations:
    """The file, or a ConfigError saying in one line what is wrong with it and how to make it."""
    fix = f"fix it, or write it afresh with --record-known={path}"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"known-violations file {path} does not exist: write it with --record-known={path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read known-violations file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"known-violations file {path} is not JSON ({exc}): {fix}") from None
    entries = document.get("known_violations") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f'known-violations file {path} has no "known_violations" list: {fix}')
    found = set()
    for number, entry in enumerate(entries, 1):
        if not _valid(entry):
            raise ConfigError(f"known-violations file {path}, entry {number}: expected status (a number), check and path (strings): {fix}")
        found.add((entry["status"], entry["check"], entry["path"]))
    return KnownViolations(path, frozenset(found))


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    status = entry.get("status")
    return (
        isinstance(status, int)
        and not isinstance(status, bool)
        and 100 <= status <= 599
        and isinstance(entry.get("check"), str)
        and isinstance(entry.get("path"), str)
    )


def write_known(path: Path, seen: dict[Identity, str]) -> None:
    """Every violation of this run (with one example line each, for people), sorted so a diff reads well."""
    entries = [{**as_entry(k), "example": example} for k, example in sorted(seen.items())]
    text = json.dumps({"format": FORMAT, "known_violations": entries}, indent=2, ensure_ascii=False) + "\n"
    write_whole(path, text.encode("utf-8", "surrogateescape"))  # whole or not at all, as every output
