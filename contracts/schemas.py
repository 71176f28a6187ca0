"""The schema files, loaded once, resolved offline through `referencing`."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

# Kind of body -> schema file. These are the bodies the reference documents.
KINDS = {"organization": "organization.schema.json", "error": "error.schema.json"}

# A value each format checker must refuse; a checker that accepts it is not live.
_FORMAT_PROBES = {"date": "2026-02-30", "date-time": "not a timestamp"}


class SchemaSetupError(RuntimeError):
    """The schemas cannot be enforced as written (missing file, dead format checker)."""


@cache
def _resources() -> dict[str, dict]:
    documents = {}
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        documents[path.name] = json.loads(path.read_text(encoding="utf-8"))
    if not documents:
        raise SchemaSetupError(f"no schema files in {SCHEMA_DIR}")
    return documents


@cache
def registry() -> Registry:
    """Every schema file under its `$id`; unknown references fail instead of reaching the network."""
    return Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in _resources().values()
    )


def schema(kind: str) -> dict:
    if kind not in KINDS:
        raise ValueError(f"unknown body kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _resources()[KINDS[kind]]


@cache
def validator(kind: str) -> Draft202012Validator:
    """A validator built once per kind and reused; formats are asserted, not just annotated."""
    return Draft202012Validator(schema(kind), registry=registry(), format_checker=FormatChecker())


def formats_used() -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("format"), str):
                found.add(node["format"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(_resources().values()))
    return found


def assert_formats_live() -> None:
    """Fail closed: jsonschema passes any format it has no checker for (date-time without rfc3339-validator)."""
    checker = FormatChecker()
    dead = []
    for fmt in sorted(formats_used()):
        probe = _FORMAT_PROBES.get(fmt)
        if fmt not in checker.checkers or probe is None or checker.conforms(probe, fmt):
            dead.append(fmt)
    if dead:
        raise SchemaSetupError(
            f"no working checker for format {', '.join(dead)}: "
            "install the project's dependencies (pip install -e .; date-time needs rfc3339-validator) so these formats are enforced"
        )


def schema_hashes() -> dict[str, str]:
    """Short content hash per schema file, so a report says which contract it enforced."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in sorted(SCHEMA_DIR.glob("*.schema.json"))
    }
