"""Who a change to a response body's schema breaks: the verdict CI needs before it lets a schema change land,
the way the gate's exit code decides a deploy.

Judged from the client's side of a response. A client relies on what the old schema promised: a member being
there (required), of a type, in a set of values, in a format, within bounds. Any change that takes a promise
away (removing a member, required → optional, widening a type or an enum, dropping or loosening a format or a
bound) **breaks clients** that relied on it. The reverse, a new promise (a new required member, optional →
required, narrowing a type or an enum, adding or tightening a format or a bound), **breaks providers**
already deployed, whose answers were made to the old one. Adding an optional member breaks no one, and neither
does a change of wording (`description`, `title`).

`classify(old, new)` walks two resolved trees (no `$ref`; `inlined` makes one from a schema file and the
files it references) and lists every change with its JSON path (`$.billing.plan`, `$.tags[*]`); `verdict`
and `exit_code` sum them up. Keywords it does not analyse (`anyOf`, `if`, ...) count as breaking both ways
when they change: a verdict that cannot tell must not say "compatible".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin

from contracts.core.violations import child_path

COMPATIBLE = "compatible"
BREAKS_CLIENTS = "breaks clients"
BREAKS_PROVIDERS = "breaks providers"
BREAKS_BOTH = "breaks clients and providers"

# Exit codes of a schema comparison (suggested for `python -m contracts diff`): the gate's own meaning of 0 and 1.
NOT_BREAKING = 0
BREAKING = 1

_ALL_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
_ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "deprecated", "readOnly", "writeOnly", "default"})
_IDENTITY = frozenset({"$schema", "$id", "$defs", "$anchor"})
_LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"})
_UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_WALKED = frozenset({"type", "enum", "const", "format", "properties", "required", "items"})


@dataclass(frozen=True)
class Change:
    """One difference between two schemas: where (`$.billing.plan`), what, and whom it breaks (`breaks`)."""

    path: str
    what: str
    breaks: str

    @property
    def breaking(self) -> bool:
        return self.breaks != COMPATIBLE

    def __str__(self) -> str:
        return f"{self.path}: {self.what} ({self.breaks})"


class UnresolvedSchema(ValueError):
    """A `$ref` where a resolved tree was expected, or one that names no known schema."""


def classify(old: dict, new: dict) -> list[Change]:
    """Every change from `old` to `new` (resolved trees of one response body), in schema order."""
    return list(_node_changes("$", old, new))


def verdict(changes: list[Change]) -> str:
    """COMPATIBLE, BREAKS_CLIENTS, BREAKS_PROVIDERS or BREAKS_BOTH, for all the changes together."""
    clients = any(change.breaks in (BREAKS_CLIENTS, BREAKS_BOTH) for change in changes)
    providers = any(change.breaks in (BREAKS_PROVIDERS, BREAKS_BOTH) for change in changes)
    return _impact(clients, providers)


def exit_code(changes: list[Change], *, breaking_for: str = "any") -> int:
    """BREAKING (1) when a change breaks the side CI guards (`clients`, `providers`, or `any`), else NOT_BREAKING (0)."""
    sides = {"clients": (BREAKS_CLIENTS, BREAKS_BOTH), "providers": (BREAKS_PROVIDERS, BREAKS_BOTH)}
    if breaking_for not in (*sides, "any"):
        raise ValueError(f"breaking_for must be clients, providers or any, not {breaking_for!r}")
    guarded = (BREAKS_CLIENTS, BREAKS_PROVIDERS, BREAKS_BOTH) if breaking_for == "any" else sides[breaking_for]
    return BREAKING if any(change.breaks in guarded for change in changes) else NOT_BREAKING


def _impact(clients: bool, providers: bool) -> str:
    if clients and providers:
        return BREAKS_BOTH
    return BREAKS_CLIENTS if clients else BREAKS_PROVIDERS if providers else COMPATIBLE


# -- walking two trees ------------------------------------------------------------------------------


def _node_changes(path: str, old: object, new: object) -> Iterator[Change]:
    old_node, new_node = _as_node(path, old), _as_node(path, new)
    yield from _type_changes(path, old_node, new_node)
    yield from _enum_changes(path, old_node, new_node)
    yield from _format_changes(path, old_node, new_node)
    yield from _bound_changes(path, old_node, new_node)
    yield from _member_changes(path, old_node, new_node)
    yield from _items_changes(path, old_node, new_node)
    yield from _other_changes(path, old_node, new_node)


def _as_node(path: str, schema: object) -> dict:
    """A schema as a dict: `true` is `{}` (anything), `false` is `{"not": {}}` (nothing)."""
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    if not isinstance(schema, dict):
        raise UnresolvedSchema(f"{path}: not a schema: {schema!r}")
    if "$ref" in schema or "$dynamicRef" in schema:
        raise UnresolvedSchema(f"{path}: {schema.get('$ref') or schema.get('$dynamicRef')!r} unresolved; classify resolved trees (inlined)")
    return schema


def _types(node: dict) -> frozenset[str]:
    declared = node.get("type")
    if declared is None:
        return _ALL_TYPES
    names = frozenset([declared] if isinstance(declared, str) else declared)
    return names | {"integer"} if "number" in names else names  # an integer is a number


def _spelt(types: frozenset[str]) -> str:
    shown = types - {"integer"} if "number" in types else types
    return "any type" if types == _ALL_TYPES else " or ".join(sorted(shown))


def _type_changes(path: str, old: dict, new: dict) -> Iterator[Change]:
    before, after = _types(old), _types(new)
    if before == after:
        return
    what = f"type {_spelt(before)} → {_spelt(after)}"
    yield Change(path, what, _impact(clients=not after <= before, providers=not before <= after))


def _enum_changes(path: str, old: dict, new: dict) -> Iterator[Change]:
    for keyword in ("enum", "const"):
        if keyword not in old and keyword not in new:
            continue
        before = _value_set(old, keyword)
        after = _value_set(new, keyword)
        if before == after:
            continue
        if before is None:
            yield Change(path, f"{keyword} added", BREAKS_PROVIDERS)  # a set of values where any was allowed: narrowed
        elif after is None:
            yield Change(path, f"{keyword} removed", BREAKS_CLIENTS)
        else:
            widened, narrowed = after - before, before - after
            parts = [f"{_listed(widened)} added"] * bool(widened) + [f"{_listed(narrowed)} removed"] * bool(narrowed)
            yield Change(path, f"{keyword}: {', '.join(parts)}", _impact(clients=bool(widened), providers=bool(narrowed)))


def _value_set(node: dict, keyword: str) -> frozenset[str] | None:
    """The allowed values, each by its JSON text (so `true` and `1` stay apart), or None for no such keyword."""
    if keyword not in node:
        return None
    values = node[keyword] if keyword == "enum" else [node[keyword]]
    return frozenset(json.dumps(value, sort_keys=True) for value in values)


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


def _format_changes(path: str, old: dict, new: dict) -> Iterator[Change]:
    before, after = old.get("format"), new.get("format")
    if before == after:
        return
    if before is None:
        yield Change(path, f"format {after} added", BREAKS_PROVIDERS)
    elif after is None:
        yield Change(path, f"format {before} dropped", BREAKS_CLIENTS)
    else:
        yield Change(path, f"format {before} → {after}", BREAKS_BOTH)


def _bound_changes(path: str, old: dict, new: dict) -> Iterator[Change]:
    for keyword in sorted(_LOWER_BOUNDS | _UPPER_BOUNDS):
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        if before is None:
            yield Change(path, f"{keyword} {after} added", BREAKS_PROVIDERS)
        elif after is None:
            yield Change(path, f"{keyword} {before} removed", BREAKS_CLIENTS)
        elif not (_number(before) and _number(after)):
            yield Change(path, f"{keyword} {before!r} → {after!r} (not analysed)", BREAKS_BOTH)
        else:
            looser = after < before if keyword in _LOWER_BOUNDS else after > before
            yield Change(path, f"{keyword} {before} → {after}", BREAKS_CLIENTS if looser else BREAKS_PROVIDERS)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _member_changes(path: str, old: dict, new: dict) -> Iterator[Change]:
    old_members, new_members = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    names = [*old_members, *(name for name in new_members if name not in old_members)]
    names += sorted((old_required | new_required) - set(names))  # required without a schema of its own
    for name in names:
        where = child_path(path, name)
        was = name in old_members or name in old_required
        now = name in new_members or name in new_required
        if was and not now:
            yield Change(where, "member removed", BREAKS_CLIENTS)
        elif now and not was:
            required = name in new_required
            yield Change(where, f"{'required' if required else 'optional'} member added", BREAKS_PROVIDERS if required else COMPATIBLE)
        else:
            if name in old_required and name not in new_required:
                yield Change(where, "required → optional", BREAKS_CLIENTS)
            elif name in new_required and name not in old_required:
                yield Change(where, "optional → required", BREAKS_PROVIDERS)
            yield from _node_changes(where, old_members.get(name, {}), new_members.get(name, {}))


def _items_changes(path: str, old: dict, new: dict) -> Iterator[Change]:
    if "items" not in old and "items" not in new:
        return
    where = f"{path}[*]"
    if "items" not in old:
        yield Change(where, "items schema added", BREAKS_PROVIDERS)
    elif "items" not in new:
        yield Change(where, "items schema removed", BREAKS_CLIENTS)
    else:
        yield from _node_changes(where, old["items"], new["items"])


def _other_changes(path: str, old: dict, new: dict) -> Iterator[Change]:
    handled = _WALKED | _LOWER_BOUNDS | _UPPER_BOUNDS | _IDENTITY
    for keyword in [*old, *(key for key in new if key not in old)]:
        if keyword in handled or old.get(keyword) == new.get(keyword):
            continue
        if keyword in _ANNOTATIONS:
            yield Change(path, f"{keyword} changed", COMPATIBLE)
        elif keyword not in old:
            yield Change(path, f"{keyword} added", BREAKS_PROVIDERS)  # a new constraint (pattern, additionalProperties: false, ...)
        elif keyword not in new:
            yield Change(path, f"{keyword} removed", BREAKS_CLIENTS)
        else:
            yield Change(path, f"{keyword} changed (not analysed)", BREAKS_BOTH)


# -- resolving a schema file ------------------------------------------------------------------------


def tree_of(path: Path | str, *, beside: Iterable[Path | str] = ()) -> dict:
    """The resolved tree of the schema file at `path`, its references looked up among the `*.schema.json` files
    in its folder (as the repository keeps them) and in the folders `beside` (for a copy taken out of it, e.g.
    `git show main:schemas/organization.schema.json > old.json`). Raises UnresolvedSchema, or ValueError for a
    file that is not JSON."""
    path = Path(path)
    documents: dict[str, dict] = {}
    for folder in (*map(Path, beside), path.parent):
        for sibling in sorted(folder.glob("*.schema.json")):
            documents[str(sibling)] = _read(sibling)
    return inlined(_read(path), documents)


def _read(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: not a JSON schema ({exc})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: not a JSON schema (a {type(document).__name__})")
    return document


def inlined(document: dict, documents: Mapping[str, dict]) -> dict:
    """`document` as one tree, every `$ref` replaced by what it names, looked up among `documents` (by `$id`,
    relative references resolved against the referring document's `$id`); `$defs`, identifiers and annotations
    dropped, as in `schemas.resolved`.
    Raises UnresolvedSchema for a reference it cannot follow or a cycle."""
    by_id = {doc["$id"]: doc for doc in documents.values() if isinstance(doc, dict) and isinstance(doc.get("$id"), str)}
    base = document.get("$id", "")
    if base:
        by_id[base] = document
    tree = _inline(document, base, by_id, ())
    assert isinstance(tree, dict)
    return tree


# Where a keyword's value holds subschemas (2020-12): a map of them, a list of them, or one. Any other
# keyword's value is a literal (an `enum` member may well be an object with a "$ref" member).
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_VALUES = frozenset(
    {"items", "contains", "additionalProperties", "propertyNames", "not", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"}
)


def _inline(node: object, base: str, by_id: dict[str, dict], following: tuple[str, ...]) -> object:
    if not isinstance(node, dict):
        return node  # a boolean schema
    if isinstance(node.get("$ref"), str):
        target = urljoin(base, node["$ref"])
        if target in following:
            raise UnresolvedSchema(f"{node['$ref']!r}: a cycle of references")
        rest = {key for key in node if key != "$ref" and key not in _ANNOTATIONS}
        if rest:
            raise UnresolvedSchema(f"{node['$ref']!r} beside other keywords ({', '.join(sorted(rest))}): not inlined")
        found, target_base = _lookup(target, by_id)
        return _inline(found, target_base, by_id, (*following, target))
    tree: dict = {}
    for keyword, value in node.items():
        if keyword in _IDENTITY or keyword in _ANNOTATIONS:
            continue
        if keyword in _SCHEMA_MAPS and isinstance(value, dict):
            value = {name: _inline(sub, base, by_id, following) for name, sub in value.items()}
        elif keyword in _SCHEMA_LISTS and isinstance(value, list):
            value = [_inline(sub, base, by_id, following) for sub in value]
        elif keyword in _SCHEMA_VALUES:
            value = _inline(value, base, by_id, following)
        tree[keyword] = value
    return tree


def _lookup(target: str, by_id: dict[str, dict]) -> tuple[object, str]:
    uri, fragment = urldefrag(target)
    if uri not in by_id:
        raise UnresolvedSchema(f"{target!r}: no such schema among {', '.join(sorted(by_id)) or 'none'}")
    node: object = by_id[uri]
    for part in filter(None, unquote(fragment).split("/")):
        step = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            raise UnresolvedSchema(f"{target!r}: nothing at {fragment!r}")
    return node, uri
