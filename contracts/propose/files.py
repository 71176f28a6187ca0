"""The files a proposal changes, each as it is and as proposed, with an RFC 6902 patch (jsonpatch) and a unified
diff beside it; the new `info.version` of contracts/openapi.yaml; and which files only applying may replace.

`contracts/openapi.yaml` references the schema files, so it needs no change of its own for the bodies to change;
what it does need is a new `info.version`, since the contract it describes is no longer the one clients built
against: a minor bump when no change breaks clients, a major one when one does.
"""

from __future__ import annotations

import difflib
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path

import jsonpatch

from contracts.judging import schemas
from contracts.judging.schema_diff import BREAKS_BOTH, BREAKS_CLIENTS, Change
from contracts.propose.style import house_json

SCHEMA_FOLDER = "schemas"  # where the schema files live in the repository, for the diff's file names
OPENAPI_FILE = "contracts/openapi.yaml"


class ProposalError(ValueError):
    """A proposal that cannot be made or written as asked."""


@dataclass(frozen=True)
class FileChange:
    """One file of the repository as it is and as proposed; `patch` is RFC 6902 (JSON files only)."""

    name: str  # relative to the repository: schemas/organization.schema.json, contracts/openapi.yaml
    old: str
    new: str
    patch: tuple[dict, ...] | None = None

    @property
    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True), self.new.splitlines(keepends=True), f"a/{self.name}", f"b/{self.name}"
        )
        return "".join(lines)


def file_change(name: str, old_text: str, old: dict, new: dict) -> FileChange:
    """The schema file `name` as it is (`old_text`, read as `old`) and as proposed (`new`, in the house layout)."""
    patch = tuple(jsonpatch.make_patch(old, new).patch)
    return FileChange(f"{SCHEMA_FOLDER}/{name}", old_text, house_json(new), patch)


def installed_texts() -> dict[str, str]:
    """The schema files the gate reads, by file name."""
    return {path.name: path.read_text(encoding="utf-8") for path in schemas.SCHEMA_DIR.iterdir() if path.name.endswith(".schema.json")}


def installed_openapi() -> str:
    return (importlib.resources.files("contracts") / "openapi.yaml").read_text(encoding="utf-8")


def installed_files() -> set[Path]:
    """The schema files and openapi.yaml the gate reads (through links too), which only applying may replace."""
    files = {Path(str(path)).resolve() for path in schemas.SCHEMA_DIR.iterdir() if path.name.endswith(".schema.json")}
    return files | {Path(str(importlib.resources.files("contracts") / "openapi.yaml")).resolve()}


def check_out_dir(out: Path, names: list[str] | tuple[str, ...] = ()) -> None:
    """A proposal goes beside the installed schemas, never over them or into their folder (ProposalError)."""
    protected = installed_files()
    if out.resolve() in {path.parent for path in protected} or any((out / name).resolve() in protected for name in names):
        raise ProposalError(f"{out}: a proposal is written beside the schemas, not over them (apply it to change them)")


def installed_openapi_path() -> Path:
    return Path(str(importlib.resources.files("contracts") / "openapi.yaml"))


# -- openapi.yaml -----------------------------------------------------------------------------------

_INFO_VERSION = re.compile(r"^(info:[ \t]*\n(?:(?:[ \t]+.*)?\n)*?[ \t]+version:[ \t]*)([\"']?)(\d+)\.(\d+)\.(\d+)\2[ \t]*$", re.MULTILINE)


def openapi_change(text: str, changes: list[Change]) -> FileChange | None:
    """`info.version` bumped: major when a change breaks clients, minor otherwise. The bodies' schemas are
    `$ref`ed from the document, so nothing else in it changes. None when no semantic version is found there."""
    match = _INFO_VERSION.search(text)
    if match is None:
        return None
    major, minor = int(match.group(3)), int(match.group(4))
    breaks_clients = any(change.breaks in (BREAKS_CLIENTS, BREAKS_BOTH) for change in changes)
    version = f"{major + 1}.0.0" if breaks_clients else f"{major}.{minor + 1}.0"
    quote = match.group(2)
    new = text[: match.start(2)] + f"{quote}{version}{quote}" + text[match.end(5) + len(quote) :]
    return FileChange(OPENAPI_FILE, text, new)


def openapi_version(text: str) -> str | None:
    match = _INFO_VERSION.search(text)
    return ".".join(match.group(3, 4, 5)) if match else None
