"""The schema files, loaded once, resolved offline through `referencing`."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from typing import TYPE_CHECKING

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from contracts.core.violations import json_path

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

# The top-level schemas/ folder, reached through the package (a link in a checkout, copies in a wheel),
# so an installed gate finds its schemas wherever it runs from.
SCHEMA_DIR = importlib.resources.files("contracts") / "schema_files"

# Kind of body -> schema file. These are the bodies the reference documents.
KINDS = {"organization": "organization.schema.json", "error": "error.schema.json"}

# A value each format checker must refuse; a checker that accepts it is not live.
_FORMAT_PROBES = {"date": "2026-02-30", "date-time": "not a timestamp"}


# A timestamp whose seconds are 60: hour, minute, offset sign, offset hour, offset minute.
_LEAP_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2}):60(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))", re.ASCII | re.IGNORECASE)


class SchemaSetupError(RuntimeError):
    """The schemas cannot be enforced as written (missing file, dead format checker)."""


def _schema_files() -> list[Traversable]:
    return sorted((path for path in SCHEMA_DIR.iterdir() if path.name.endswith(".schema.json")), key=lambda path: path.name)


@cache
def _resources() -> dict[str, dict]:
    documents = {}
    for path in _schema_files():
        documents[path.name] = json.loads(path.read_text(encoding="utf-8"))
    if not documents:
        raise SchemaSetupError(f"no schema files in {SCHEMA_DIR}")
    return documents


@cache
def registry() -> Registry:
    """Every schema file under its `$id`; unknown references fail instead of reaching the network."""
    return Registry().with_resources((doc["$id"], Resource.from_contents(doc)) for doc in _resources().values())


def schema(kind: str) -> dict:
    if kind not in KINDS:
        raise ValueError(f"unknown body kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _resources()[KINDS[kind]]


@lru_cache(maxsize=256)
def validator(kind: str, members: frozenset[str] | None = None) -> Draft202012Validator:
    """A validator built once per kind and reused; formats are asserted, not just annotated.
    It validates the bundled schema: the same rules, without a reference lookup per payload.

    With `members`, the root's `properties` keep only those: `properties` judges each member apart, so a
    member known to be valid costs nothing and the errors of the others are exactly those of the full schema."""
    tree = bundled(kind)
    if members is not None and isinstance(tree.get("properties"), dict):
        tree = {**tree, "properties": {name: node for name, node in tree["properties"].items() if name in members}}
    return Draft202012Validator(tree, registry=registry(), format_checker=format_checker())


# Where a keyword's value holds subschemas (2020-12): a map of them, a list of them, or one.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_VALUES = frozenset(
    {
        "items",
        "contains",
        "additionalProperties",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "deprecated", "readOnly", "writeOnly"})


class _NotBundleable(Exception):
    """A reference that inlining could change the meaning of (a cycle, a dynamic reference)."""


def bundled(kind: str) -> dict:
    """The schema for `kind` with every `$ref` replaced by the subschema it names and annotations
    dropped: jsonschema resolves a `$ref` on every validation, which costs about 40% of the time.
    Falls back to the schema as written where inlining could change its meaning."""
    try:
        return resolved(kind)
    except SchemaSetupError:
        return schema(kind)  # an unresolvable reference is jsonschema's to report, at validation


@cache
def resolved(kind: str) -> dict:
    """The schema for `kind` as one plain tree, every `$ref` inlined: what every reader of the schema walks."""
    root = schema(kind)
    with_root = registry().with_resource(root["$id"], DRAFT202012.create_resource(root))
    try:
        tree = _inlined(root, with_root.resolver(base_uri=root["$id"]), frozenset())
    except (_NotBundleable, Unresolvable) as exc:
        raise SchemaSetupError(f"schema {root.get('$id', kind)}: cannot inline its references ({exc!r})") from None
    assert isinstance(tree, dict)  # a root is an object schema
    return tree


@dataclass(frozen=True, eq=False)  # identity: a schema node is a dict, not hashable
class SchemaField:
    """One documented member anywhere in a body: the member names leading to it, its subschema, whether required."""

    keys: tuple[str, ...]
    node: dict
    required: bool

    @property
    def path(self) -> str:
        return json_path(self.keys)


@cache
def documented_fields(kind: str) -> tuple[SchemaField, ...]:
    """Every property of the schema for `kind`, nested ones included, depth first in schema order."""

    def walk(node: dict, keys: tuple[str, ...]) -> Iterator[SchemaField]:
        required = set(node.get("required", ()))
        for name, member in node.get("properties", {}).items():
            yield SchemaField((*keys, name), member, name in required)
            yield from walk(member, (*keys, name))

    return tuple(walk(resolved(kind), ()))


@cache
def documented_members(kind: str) -> dict[tuple[str, ...], frozenset[str]]:
    """For each object the schema documents (by the member names leading to it), the member names it lists."""
    objects = {(): resolved(kind)} | {field.keys: field.node for field in documented_fields(kind)}
    return {keys: frozenset(node["properties"]) for keys, node in objects.items() if "properties" in node}


def _inlined(node: object, resolver, following: frozenset[int]) -> object:
    if not isinstance(node, dict):
        return node  # a boolean schema
    if "$dynamicRef" in node or "$recursiveRef" in node:
        raise _NotBundleable(node)
    if "$id" in node:
        resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
    if isinstance(node.get("$ref"), str) and set(node) - _ANNOTATIONS == {"$ref"}:
        target = resolver.lookup(node["$ref"])
        if id(target.contents) in following:
            raise _NotBundleable(node)
        return _inlined(target.contents, target.resolver, following | {id(target.contents)})
    if "$ref" in node:
        raise _NotBundleable(node)  # $ref beside other rules: left to jsonschema
    copy = {}
    for keyword, value in node.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword in _SCHEMA_MAPS:
            value = {name: _inlined(sub, resolver, following) for name, sub in value.items()}
        elif keyword in _SCHEMA_LISTS:
            value = [_inlined(sub, resolver, following) for sub in value]
        elif keyword in _SCHEMA_VALUES:
            value = _inlined(value, resolver, following)
        copy[keyword] = value  # anything else (enum, const, required, type, format) is a literal
    return copy


def _rfc3339_timestamp(rfc3339_validator_check, instance: object) -> bool:
    """RFC 3339 section 5.6, where rfc3339-validator alone is wrong both ways: its pattern lets a final
    newline through (`$` under re.match), and it refuses the leap second 23:59:60 UTC, which RFC 3339 allows."""
    if not isinstance(instance, str):
        return True
    if "\n" in instance:
        return False
    leap = _LEAP_SECOND.fullmatch(instance)
    if leap is None:
        return rfc3339_validator_check(instance)
    hour, minute, sign, offset_hour, offset_minute = leap.groups()
    offset = (int(offset_hour) * 60 + int(offset_minute)) * (-1 if sign == "-" else 1) if sign else 0
    at_utc = (int(hour) * 60 + int(minute) - offset) % (24 * 60)
    before_leap = instance[: leap.end(2)] + ":59" + instance[leap.end(2) + 3 :]
    return at_utc == 23 * 60 + 59 and rfc3339_validator_check(before_leap)


def format_checker() -> FormatChecker:
    """jsonschema's format checkers, with `date-time` held to RFC 3339; without rfc3339-validator
    there is no `date-time` checker at all, and `assert_formats_live` stops the run."""
    checker = FormatChecker()
    if "date-time" in checker.checkers:
        check, raises = checker.checkers["date-time"]
        checker.checks("date-time", raises=raises)(partial(_rfc3339_timestamp, check))
    return checker


def formats_used() -> set[str]:
    nodes = [resolved(kind) for kind in KINDS] + [field.node for kind in KINDS for field in documented_fields(kind)]
    return {node["format"] for node in nodes if isinstance(node.get("format"), str)}


def assert_formats_live() -> None:
    """Fail closed: jsonschema passes any format it has no checker for (date-time without rfc3339-validator)."""
    checker = format_checker()
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
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12] for path in _schema_files()}
