"""The schema documents with the members the evidence shows added, each where it belongs, and why.

Each new member goes into the object that carries it (following `$ref`s, so a member of `error` lands in
`$defs/errorDetail`), with the JSON types seen merged by genson (integer within number, a union where they
conflict, flagged), nested objects with their own `properties` and `required`, arrays with `items`; a `format`
only when every string seen matched it and the gate proves a checker for it live (date and date-time today:
`schemas.assert_formats_live` stops a run for any other), written as the house writes it
(`{"$ref": "defs.schema.json#/$defs/timestamp"}`); an `enum` only when asked, since a short sample cannot prove
a set closed; required only when every body (or parent object) carried it. Never `additionalProperties: false`:
the live service adds members, and a gate stricter than the reference is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urldefrag, urljoin

from genson import SchemaBuilder

from contracts.core.violations import json_path
from contracts.judging import schemas
from contracts.judging.evidence_form import ITEM, KindEvidence, PathEvidence
from contracts.judging.looks_like import FORMATS, TYPE_ORDER
from contracts.judging.schema_diff import inlined
from contracts.propose.files import ProposalError
from contracts.propose.words import sentence

GATE_FORMATS = ("date", "date-time")  # formats whose checkers the gate proves live at start-up
_SCALARS = frozenset({"null", "boolean", "integer", "number", "string"})
_MEMBER_KEYS = ("description", "type", "format", "enum", "$ref", "required", "properties", "items")  # the house order
_MASKED_NAME = "its name looks like a credential: kept masked, never proposed"


@dataclass(frozen=True)
class ProposedMember:
    """One member the proposal adds, nested ones included, and the evidence it rests on."""

    kind: str
    path: str
    file: str  # the schema file it is written into
    schema: dict  # as written there
    required: bool
    evidence: str  # "seen in 412 of 412 bodies over 9 runs; string, date-time in every value"
    flags: tuple[str, ...] = ()  # what a reviewer must look at: conflicting types, values withheld, ...
    nested: bool = False  # inside another proposed member


@dataclass(frozen=True)
class Skipped:
    """An undocumented member seen but not proposed, and why."""

    kind: str
    path: str
    reason: str


class Builder:
    """Adds the members evidence shows to the schema documents, kind by kind."""

    def __init__(self, documents: dict[str, dict], *, enums: bool, formats: frozenset[str]):
        self.documents = documents
        self.ids = {doc["$id"]: name for name, doc in documents.items() if isinstance(doc, dict) and isinstance(doc.get("$id"), str)}
        self.enums = enums
        self.formats = formats
        self.shared = _shared_formats(documents)

    def add_kind(self, kind: str, record: KindEvidence) -> tuple[list[ProposedMember], list[Skipped]]:
        root = schemas.KINDS[kind]
        documented = _documented_objects(inlined(self.documents[root], self.documents))
        index = {entry.steps: entry for entry in record.paths.values()}
        members: list[ProposedMember] = []
        skipped: list[Skipped] = []
        for entry in record.paths.values():
            parent = entry.steps[:-1]
            name = entry.steps[-1]
            if name is ITEM or parent not in documented or name in documented[parent]:
                continue  # not a member new to an object the schema documents
            if entry.redacted:
                skipped.append(Skipped(kind, entry.path, _MASKED_NAME))
                continue
            if set(entry.types) <= {"null"}:
                skipped.append(Skipped(kind, entry.path, "only null was seen: its type is unknown"))
                continue
            of = _denominator(record, index, parent)
            file, pointer = self._object_node(root, parent)
            context = _Context(kind, file, record.runs, index)
            schema = self._member(entry, context, of, nested=False)
            members.extend(context.members)
            skipped.extend(context.skipped)
            self._insert(file, pointer, name, schema, required=_required(entry, of))
        return members, skipped

    # -- one member and what is inside it

    def _member(self, entry: PathEvidence, context: _Context, of: int | None, *, nested: bool) -> dict:
        """The schema of the member at `entry` (`of`: how many bodies or parent objects could have carried it);
        it and the members inside it are listed in `context`, it first."""
        flags: list[str] = []
        listed_at = len(context.members)
        children = _children(entry, context.index)
        passed = [child for child in children if child.redacted]
        children = [child for child in children if not child.redacted]
        context.skipped.extend(Skipped(context.kind, child.path, _MASKED_NAME) for child in passed)
        builder = SchemaBuilder(schema_uri=None)
        for json_type in sorted(entry.types, key=TYPE_ORDER.index):
            builder.add_schema(self._seed(json_type, entry, children, context, flags))
        schema = _flattened(builder.to_schema())
        self._constrained(schema, entry, flags)
        schema = _house_order(schema)
        types = _schema_types(schema)
        if len(types - {"null"}) > 1:
            flags.append(
                f"conflicting types ({' and '.join(sorted(types - {'null'}))}): proposed as their union; say which the service means"
            )
        elif "null" in types:
            flags.append("sometimes null: proposed as nullable")
        if entry.credential:
            flags.append("values withheld: its name or values look like credentials; check it carries no secret")
        member = ProposedMember(
            context.kind, entry.path, context.file, schema, _required(entry, of), sentence(entry, of, context.runs), tuple(flags), nested
        )
        context.members.insert(listed_at, member)
        return schema

    def _seed(self, json_type: str, entry: PathEvidence, children: list[PathEvidence], context: _Context, flags: list[str]) -> dict:
        """What genson merges for each JSON type seen at a path; objects and arrays carry their members' schemas."""
        if json_type == "object":
            count = entry.types["object"]
            properties = {child.steps[-1]: self._member(child, context, count, nested=True) for child in children}
            required = [child.steps[-1] for child in children if _required(child, count)]
            return {"type": "object", "properties": properties, "required": required}
        if json_type == "array":
            items = context.index.get((*entry.steps, ITEM))
            if items is None or not items.types:
                flags.append("only empty arrays seen: items left open")
                return {"type": "array"}
            return {"type": "array", "items": self._member(items, context, None, nested=True)}
        return {"type": json_type}

    def _constrained(self, schema: dict, entry: PathEvidence, flags: list[str]) -> None:
        """A format every string matched (as the house writes it), and an enum when asked for and possible."""
        strings = entry.types.get("string", 0)
        every = [name for name in FORMATS if strings and entry.formats.get(name, 0) == strings]
        if every and every[0] in self.formats:
            schema["format"] = every[0]
            if schema.get("type") == "string" and every[0] in self.shared:
                schema.clear()
                schema["$ref"] = self.shared[every[0]]
        elif every:
            flags.append(f"{every[0]} in every value: no format proposed, the gate proves no {every[0]} checker live")
        if not self.enums or "$ref" in schema or not set(entry.types) <= _SCALARS:
            return
        if entry.values:
            schema["enum"] = [*entry.values, *([None] if "null" in entry.types else [])]
            flags.append(f"enum of the {len(entry.values)} value(s) seen: a sample cannot prove the set closed")
        elif not entry.credential:
            flags.append("no enum: too many distinct values, or values too long to keep")

    # -- where it goes

    def _object_node(self, file: str, keys: tuple) -> tuple[str, list[str]]:
        """The file and JSON pointer parts of the schema node of the object at `keys`, `$ref`s followed."""
        pointer: list[str] = []
        node = self.documents[file]
        node, file, pointer = self._followed(node, file, pointer)
        for key in keys:
            pointer = [*pointer, "properties", key]
            node = node["properties"][key]
            node, file, pointer = self._followed(node, file, pointer)
        return file, pointer

    def _followed(self, node: dict, file: str, pointer: list[str]) -> tuple[dict, str, list[str]]:
        seen = set()
        while isinstance(node.get("$ref"), str):
            target = urljoin(self.documents[file].get("$id", ""), node["$ref"])
            if target in seen:
                raise ProposalError(f"{target}: a cycle of references")
            seen.add(target)
            uri, fragment = urldefrag(target)
            if uri not in self.ids:
                raise ProposalError(f"{node['$ref']!r}: no schema file has the $id {uri!r}")
            file = self.ids[uri]
            pointer = [part.replace("~1", "/").replace("~0", "~") for part in unquote(fragment).split("/") if part]
            node = self.documents[file]
            for part in pointer:
                node = node[part]
        return node, file, pointer

    def _insert(self, file: str, pointer: list[str], name: str, schema: dict, *, required: bool) -> None:
        node = self.documents[file]
        for part in pointer:
            node = node[part]
        node.setdefault("properties", {})[name] = schema
        if required and "required" not in node:
            members = list(node.items())
            node.clear()
            for key, value in members:
                if key == "properties":
                    node["required"] = []  # just before `properties`, where the house writes it
                node[key] = value
        if required:
            node["required"].append(name)


@dataclass
class _Context:
    """One top-level member being built: where it goes, and what building it found."""

    kind: str
    file: str
    runs: int
    index: Mapping[tuple, PathEvidence]
    members: list[ProposedMember] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _denominator(record: KindEvidence, index: Mapping[tuple, PathEvidence], parent: tuple) -> int | None:
    """How many bodies (or objects at `parent`) could have carried a member: bodies for the root, the count of a
    documented object, or, for evidence older than its documentation, how often it was seen as an object."""
    if not parent:
        return record.bodies
    counted = record.objects.get(json_path(parent))
    if counted:
        return counted
    entry = index.get(parent)
    return entry.types.get("object") if entry is not None else None


def _required(entry: PathEvidence, of: int | None) -> bool:
    """Required only when every body (or parent object) that could carry it did."""
    return bool(of) and entry.seen >= (of or 0)


def _children(entry: PathEvidence, index: Mapping[tuple, PathEvidence]) -> list[PathEvidence]:
    depth = len(entry.steps) + 1
    return [child for steps, child in index.items() if len(steps) == depth and steps[:-1] == entry.steps and steps[-1] is not ITEM]


def _documented_objects(tree: dict) -> dict[tuple, frozenset[str]]:
    """For each object `tree` documents, by the member names leading to it, the names it lists (`schemas.documented_members`' rule)."""
    found: dict[tuple, frozenset[str]] = {}

    def walk(node: object, keys: tuple) -> None:
        if isinstance(node, dict) and isinstance(node.get("properties"), dict):
            found[keys] = frozenset(node["properties"])
            for name, member in node["properties"].items():
                walk(member, (*keys, name))

    walk(tree, ())
    return found


def _shared_formats(documents: Mapping[str, dict]) -> dict[str, str]:
    """Formats the house defines once in `$defs` (`timestamp`, `isoDate`), and the `$ref` its files use for them."""
    shared: dict[str, str] = {}
    for name, document in sorted(documents.items()):
        for definition, node in document.get("$defs", {}).items():
            rules = {key: value for key, value in node.items() if key not in ("description", "title", "$comment")}
            if set(rules) == {"type", "format"} and rules["type"] == "string":
                shared.setdefault(rules["format"], f"{name}#/$defs/{definition}")
    return shared


def _flattened(schema: dict) -> dict:
    """genson's `anyOf` of branches of different JSON types as one schema: each keyword applies to one type only
    (`properties` to objects, `items` to arrays), so `{"type": ["null", "object"], "properties": ...}` says the same."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or set(schema) != {"anyOf"}:
        return schema
    types: list[str] = []
    merged: dict = {}
    for branch in branches:
        declared = branch.get("type")
        types.extend([declared] if isinstance(declared, str) else declared)
        for key, value in branch.items():
            if key != "type" and merged.setdefault(key, value) != value:
                return schema  # two branches constrain the same keyword differently: keep genson's anyOf
    ordered = sorted(set(types), key=TYPE_ORDER.index)
    return {"type": ordered if len(ordered) > 1 else ordered[0], **merged}


def _schema_types(schema: dict) -> set[str]:
    declared = schema.get("type", "string" if "$ref" in schema else [])
    return {declared} if isinstance(declared, str) else set(declared)


def _house_order(schema: dict) -> dict:
    """Keywords in the order the house writes them, all the way down (genson writes `required` last)."""
    ordered = {key: schema[key] for key in _MEMBER_KEYS if key in schema}
    ordered |= {key: value for key, value in schema.items() if key not in ordered}
    if isinstance(ordered.get("properties"), dict):
        ordered["properties"] = {name: _house_order(member) for name, member in ordered["properties"].items()}
    if isinstance(ordered.get("items"), dict):
        ordered["items"] = _house_order(ordered["items"])
    if isinstance(ordered.get("required"), list):
        ordered["required"] = [name for name in ordered.get("properties", {}) if name in ordered["required"]]
        if not ordered["required"]:
            del ordered["required"]  # genson writes an empty one
    return ordered
