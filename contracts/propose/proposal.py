"""From evidence of drift to a reviewed reference change: the schema files as they would read, and why.

The gate lists undocumented members run after run; turning that list into a schema change by hand means
guessing types and formats from a few examples and not knowing whom the edit breaks. `propose(evidence)`
writes the change from the evidence itself and says what it rests on:

- each new member goes into the object that carries it (following `$ref`s, so a member of `error` lands in
  `$defs/errorDetail`), with the JSON types seen merged by genson (integer within number, a union where
  they conflict, flagged), nested objects with their own `properties` and `required`, arrays with `items`;
  a `format` only when every string seen matched it and the gate proves a checker for it live (date and
  date-time today: `schemas.assert_formats_live` stops a run for any other), written as the house writes it
  (`{"$ref": "defs.schema.json#/$defs/timestamp"}`); an `enum` only when asked, since a short sample
  cannot prove a set closed; required only when every body (or parent object) carried it. Never
  `additionalProperties: false`: the live service adds members, and a gate stricter than the reference is wrong.
- the files keep the house layout (`schema_style`), so the diff shows the members added and nothing else;
  an RFC 6902 patch per file (jsonpatch) and one unified diff go with them.
- `contracts/openapi.yaml` references the schema files, so it needs no change of its own for the bodies to
  change; what it does need is a new `info.version`, since the contract it describes is no longer the one
  clients built against: a minor bump when no change breaks clients, a major one when one does.
- the breaking-change verdict (`schema_diff.classify`) and the proof (`mutations.prove`: every learned body
  still accepted, every contract-breaking variant of the current reference still refused) are part of the
  Markdown summary a reviewer pastes into the pull request.

Nothing is written by `propose`: `Proposal.write(out_dir)` writes the proposal beside the project, and only
`Proposal.apply(schema_dir)` replaces schema files.
"""

from __future__ import annotations

import difflib
import importlib.resources
import json
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin

import jsonpatch
from genson import SchemaBuilder

from contracts.core.violations import json_path
from contracts.judging import schemas
from contracts.judging.evidence import Evidence
from contracts.judging.evidence_form import ITEM, KindEvidence, PathEvidence
from contracts.judging.looks_like import FORMATS
from contracts.judging.mutations import Proof, prove
from contracts.judging.schema_diff import BREAKS_BOTH, BREAKS_CLIENTS, COMPATIBLE, Change, classify, inlined, verdict
from contracts.propose.style import house_json

GATE_FORMATS = ("date", "date-time")  # formats whose checkers the gate proves live at start-up
SCHEMA_FOLDER = "schemas"  # where the schema files live in the repository, for the diff's file names
OPENAPI_FILE = "contracts/openapi.yaml"
_SHOWN_VALUES = 5
_SHOWN_VALUE_CHARS = 40
_TYPE_ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")
_SCALARS = frozenset({"null", "boolean", "integer", "number", "string"})
_MEMBER_KEYS = ("description", "type", "format", "enum", "$ref", "required", "properties", "items")  # the house order


class ProposalError(ValueError):
    """A proposal that cannot be made or written as asked."""


def _identity(text: str) -> str:
    return text


# -- what is proposed -------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Proposal:
    """The proposed reference change: files, members, verdict and proof, in memory until written."""

    members: tuple[ProposedMember, ...]
    skipped: tuple[Skipped, ...]
    files: tuple[FileChange, ...]  # the schema files changed
    openapi: FileChange | None
    changes: Mapping[str, tuple[Change, ...]]  # kind -> every change from the current schema, from the client's side
    proof: Proof
    runs: int
    bodies: Mapping[str, int]  # kind -> bodies the evidence counts
    notes: tuple[str, ...] = ()  # about the evidence as a whole (truncated, members dropped)
    clean: Callable[[str], str] = field(default=_identity, repr=False, compare=False)

    @property
    def verdict(self) -> str:
        return verdict([change for changes in self.changes.values() for change in changes])

    def summary(self) -> str:
        """Markdown for the pull request: each member with its evidence, flags, the verdict and the proof."""
        return self.clean(_summary(self))

    def diff(self) -> str:
        """Every change as one unified diff, to `git apply` from the repository's root."""
        return "".join(change.diff for change in (*self.files, *([self.openapi] if self.openapi else [])))

    def write(self, out_dir: Path | str) -> list[Path]:
        """Write the proposal under `out_dir` (never the schema folder itself): schemas/*.schema.json as proposed,
        patches/*.json (RFC 6902), contracts/openapi.yaml, proposal.diff and SUMMARY.md. Returns the files written."""
        out = Path(out_dir)
        texts = {f"{change.name}": change.new for change in self.files}
        texts |= {
            f"patches/{Path(change.name).name}.patch.json": json.dumps(list(change.patch or ()), indent=2) + "\n" for change in self.files
        }
        if self.openapi is not None:
            texts[self.openapi.name] = self.openapi.new
        texts["proposal.diff"] = self.diff()
        texts["SUMMARY.md"] = self.summary()
        protected = _installed_files()
        for name in texts:
            if _resolved(out / name) in protected or _resolved(out) in {path.parent for path in protected}:
                raise ProposalError(f"{out}: a proposal is written beside the schemas, not over them (apply it to change them)")
        return [_written(out / name, text) for name, text in texts.items()]

    def apply(self, schema_dir: Path | str, openapi_path: Path | str | None = None) -> list[Path]:
        """Replace the schema files in `schema_dir` (and `openapi_path`) by the proposed ones, each only if it
        still reads as the proposal found it: a file edited since is not overwritten (ProposalError)."""
        targets = [(Path(schema_dir) / Path(change.name).name, change) for change in self.files]
        if self.openapi is not None and openapi_path is not None:
            targets.append((Path(openapi_path), self.openapi))
        for path, change in targets:
            if path.read_text(encoding="utf-8") != change.old:
                raise ProposalError(f"{path} changed since the proposal was made: propose again")
        return [_written(path, change.new) for path, change in targets]


def _resolved(path: Path) -> Path:
    return path.resolve()


def _installed_files() -> set[Path]:
    """The schema files and openapi.yaml the gate reads (through links too), which only `apply` may replace."""
    files = {_resolved(Path(str(path))) for path in schemas.SCHEMA_DIR.iterdir() if path.name.endswith(".schema.json")}
    return files | {_resolved(Path(str(importlib.resources.files("contracts") / "openapi.yaml")))}


def _written(path: Path, text: str) -> Path:
    """Write through a temporary file in the same folder and rename it, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# -- making it --------------------------------------------------------------------------------------


def propose(
    evidence: Evidence,
    *,
    enums: bool = False,
    formats: Collection[str] = GATE_FORMATS,
    learned: Iterable[tuple[str, object]] = (),
    schema_texts: Mapping[str, str] | None = None,
    openapi_text: str | None = None,
    clean: Callable[[str], str] = _identity,
) -> Proposal:
    """The reference change the evidence supports. `enums`: propose an enum where few distinct values were seen.
    `formats`: those a member may be given (the gate's live ones by default). `learned`: (kind, document) pairs
    the evidence came from, replayed by the proof (streamed). `schema_texts` (file name -> text) and
    `openapi_text` default to the installed files. `clean`: the redactor, applied to the summary, and a guard:
    a proposed file it would change is refused (ProposalError)."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ProposalError(f"unknown format(s) {', '.join(sorted(unknown))}: expected some of {', '.join(FORMATS)}")
    texts = dict(schema_texts) if schema_texts is not None else _installed_texts()
    old_documents = {name: json.loads(text) for name, text in texts.items()}
    documents = json.loads(json.dumps(old_documents))  # edited in place below
    builder = _Builder(documents, enums=enums, formats=frozenset(formats))
    members: list[ProposedMember] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    for kind, record in evidence.kinds.items():
        if kind not in schemas.KINDS:
            notes.append(f"evidence for {kind!r} bodies ignored: no schema documents them")
            continue
        found, passed = builder.add_kind(kind, record)
        members.extend(found)
        skipped.extend(passed)
        notes.extend(_evidence_notes(kind, record))
    changed = sorted({member.file for member in members})
    files = tuple(_file_change(name, texts[name], old_documents[name], documents[name]) for name in changed)
    kinds = sorted({member.kind for member in members})
    old_trees = {kind: inlined(old_documents[schemas.KINDS[kind]], old_documents) for kind in kinds}
    new_trees = {kind: inlined(documents[schemas.KINDS[kind]], documents) for kind in kinds}
    changes = {kind: tuple(classify(old_trees[kind], new_trees[kind])) for kind in kinds}
    proof = prove(new_trees, learned, reference=old_trees, clean=clean) if kinds else Proof()
    every_change = [change for kind_changes in changes.values() for change in kind_changes]
    openapi = openapi_change(openapi_text if openapi_text is not None else _installed_openapi(), every_change) if files else None
    for change in (*files, *([openapi] if openapi else [])):
        if clean(change.new) != change.new:
            raise ProposalError(f"{change.name}: the proposed text would carry a credential; not proposed")
    bodies = {kind: record.bodies for kind, record in evidence.kinds.items()}
    return Proposal(tuple(members), tuple(skipped), files, openapi, changes, proof, evidence.runs, bodies, tuple(notes), clean)


def _installed_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in schemas.SCHEMA_DIR.iterdir() if path.name.endswith(".schema.json")}


def _installed_openapi() -> str:
    return (importlib.resources.files("contracts") / "openapi.yaml").read_text(encoding="utf-8")


def _evidence_notes(kind: str, record: KindEvidence) -> list[str]:
    notes = []
    if record.truncated:
        notes.append(f"{kind}: more paths were seen than the evidence keeps; the least seen were shed, and counts may be low")
    if record.dropped:
        notes.append(f"{kind}: {record.dropped} member occurrence(s) not kept (caps on paths, depth, array items, or unusable names)")
    return notes


def _file_change(name: str, old_text: str, old: dict, new: dict) -> FileChange:
    patch = tuple(jsonpatch.make_patch(old, new).patch)
    return FileChange(f"{SCHEMA_FOLDER}/{name}", old_text, house_json(new), patch)


class _Builder:
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
                skipped.append(Skipped(kind, entry.path, "its name looks like a credential: kept masked, never proposed"))
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
        context.skipped.extend(
            Skipped(context.kind, child.path, "its name looks like a credential: kept masked, never proposed") for child in passed
        )
        builder = SchemaBuilder(schema_uri=None)
        for json_type in sorted(entry.types, key=_TYPE_ORDER.index):
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
            context.kind, entry.path, context.file, schema, _required(entry, of), _sentence(entry, of, context.runs), tuple(flags), nested
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
    ordered = sorted(set(types), key=_TYPE_ORDER.index)
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


# -- the evidence in words --------------------------------------------------------------------------


def _sentence(entry: PathEvidence, of: int | None, runs: int) -> str:
    """`seen in 412 of 412 bodies over 9 runs; string, date-time in every value; 2 distinct values: "a", "b"`."""
    where = _where(entry, of)
    parts = [f"{where} over {runs} run{'s' if runs != 1 else ''}", _types_phrase(entry)]
    if entry.values:
        shown = ", ".join(_shown(value) for value in entry.values[:_SHOWN_VALUES])
        more = "" if len(entry.values) <= _SHOWN_VALUES else ", …"
        parts.append(f"{len(entry.values)} distinct value{'s' if len(entry.values) != 1 else ''}: {shown}{more}")
    elif entry.samples:
        parts.append("e.g. " + ", ".join(_shown(sample) for sample in entry.samples))
    elif entry.credential:
        parts.append("values withheld")
    return "; ".join(part for part in parts if part)


def _where(entry: PathEvidence, of: int | None) -> str:
    if entry.steps[-1] is ITEM:
        return f"{entry.seen} array item{'s' if entry.seen != 1 else ''}"
    unit = "bodies" if len(entry.steps) == 1 else f"{PathEvidence(entry.steps[:-1]).path} objects"
    return f"seen in {entry.seen} of {of} {unit}" if of else f"seen {entry.seen} times"


def _types_phrase(entry: PathEvidence) -> str:
    total = sum(entry.types.values())
    if len(entry.types) == 1:
        (kind,) = entry.types
        phrase = kind
        if kind == "string":
            every = [name for name in FORMATS if entry.formats.get(name, 0) == total]
            some = [f"{name} in {entry.formats[name]}" for name in FORMATS if 0 < entry.formats.get(name, 0) < total]
            phrase += "".join(f", {name} in every value" for name in every[:1]) + "".join(f", {text}" for text in some[:2])
            if entry.longest:
                phrase += f", up to {entry.longest} characters"
        elif kind in ("integer", "number") and entry.minimum is not None:
            phrase += f", {_shown(entry.minimum)} to {_shown(entry.maximum)}"
        return phrase
    if set(entry.types) == {"integer", "number"}:  # one JSON type to a client: a number, some of them whole
        return f"number ({entry.types['integer']} of {total} whole), {_shown(entry.minimum)} to {_shown(entry.maximum)}"
    return ", ".join(f"{kind} in {entry.types[kind]}" for kind in sorted(entry.types, key=_TYPE_ORDER.index)) + f" of {total} values"


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 1] + "…"


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


# -- the summary ------------------------------------------------------------------------------------


def _summary(proposal: Proposal) -> str:
    lines = ["# Reference change proposed from observed drift", ""]
    bodies = ", ".join(f"{count} {kind} bod{'ies' if count != 1 else 'y'}" for kind, count in proposal.bodies.items()) or "no bodies"
    lines += [f"Evidence: {proposal.runs} run{'s' if proposal.runs != 1 else ''}; {bodies}.", ""]
    lines += [f"- {note}" for note in proposal.notes] + ([""] if proposal.notes else [])
    if not proposal.members:
        lines += ["No undocumented member to propose.", ""]
    for change in proposal.files:
        file = Path(change.name).name
        rows = [member for member in proposal.members if member.file == file]
        lines += [f"## {_code(change.name)}", "", "| member | schema | required | evidence |", "|---|---|---|---|"]
        lines += [f"| {_code(m.path)} | {_cell(_schema_words(m.schema))} | {_required_word(m)} | {_cell(m.evidence)} |" for m in rows]
        flagged = [member for member in rows if member.flags]
        if flagged:
            lines += ["", "Flagged for review:", ""]
            lines += [f"- {_code(member.path)}: {flag}" for member in flagged for flag in member.flags]
        lines.append("")
    if proposal.skipped:
        lines += ["## Seen but not proposed", ""]
        lines += [f"- {_code(skip.path)} ({skip.kind}): {skip.reason}" for skip in proposal.skipped]
        lines.append("")
    lines += _verdict_lines(proposal)
    lines += ["## Proof", ""]
    if proposal.members:
        outcome = "holds" if proposal.proof.holds else "FAILS"
        lines += [f"**The proof {outcome}**: the proposal {proposal.proof.sentence()} (its mutation catalogue).", ""]
        lines += [f"- refused: {_code(refusal)}" for refusal in proposal.proof.refusals]
        lines += [f"- lets pass: {_code(survivor)}" for survivor in proposal.proof.survivors]
        lines += [""] if proposal.proof.refusals or proposal.proof.survivors else []
    else:
        lines += ["Nothing proposed, nothing to prove.", ""]
    lines += _file_lines(proposal)
    return "\n".join(lines).rstrip("\n") + "\n"


def _verdict_lines(proposal: Proposal) -> list[str]:
    lines = ["## Breaking-change verdict", ""]
    every = [(kind, change) for kind, changes in proposal.changes.items() for change in changes]
    if not every:
        return [*lines, "No change to any schema.", ""]
    lines += [
        f"**{proposal.verdict}**, from the client's side of the response: a change that takes a promise away breaks clients; "
        "one that adds a promise (a required member) breaks providers already deployed that do not keep it. "
        "A member required here was carried by every body seen.",
        "",
        "| body | path | change | breaks |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {kind} | {_code(change.path)} | {_cell(change.what)} | {change.breaks if change.breaks != COMPATIBLE else 'no one'} |"
        for kind, change in every
    ]
    return [*lines, ""]


def _file_lines(proposal: Proposal) -> list[str]:
    if not proposal.files:
        return []
    lines = ["## Files", ""]
    for change in proposal.files:
        name = Path(change.name).name
        lines.append(f"- {_code(change.name)}: {len(change.patch or ())} JSON Patch operation(s) in {_code(f'patches/{name}.patch.json')}")
    if proposal.openapi is not None:
        before, after = openapi_version(proposal.openapi.old), openapi_version(proposal.openapi.new)
        lines.append(f"- {_code(proposal.openapi.name)}: `info.version` {before} → {after} (the bodies' schemas are referenced from it)")
    else:
        lines.append(f"- {_code(OPENAPI_FILE)}: unchanged (no semantic `info.version` found to bump)")
    lines += [f"- {_code('proposal.diff')}: every change as one unified diff (`git apply proposal.diff`)", ""]
    return lines


def _required_word(member: ProposedMember) -> str:
    return "—" if member.path.endswith("[*]") else "yes" if member.required else "no"


def _schema_words(schema: dict) -> str:
    if "$ref" in schema:
        return f"string, {schema['$ref'].rpartition('/')[2]}"
    types = schema.get("type")
    words = " or ".join(types) if isinstance(types, list) else str(types)
    if "format" in schema:
        words += f", {schema['format']}"
    if isinstance(schema.get("items"), dict):
        words += f" of {_schema_words(schema['items'])}"
    if "enum" in schema:
        words += f", one of {len(schema['enum'])}"
    return words


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _code(text: str) -> str:
    text = _cell(text)
    return f"`` {text} ``" if "`" in text else f"`{text}`"
