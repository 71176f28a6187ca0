"""msgspec structs generated from a resolved schema: what `typed_decoding` decodes a body into in one native pass.

Why apart: the rule of what the generator covers lives in one place, for both kinds of decoder built from it. A
schema using a keyword, type or format the generator does not cover (see `_COVERED_KEYWORDS`, `_SCALARS`,
`_FORMATS`) gets no struct at all, so a schema change can never make the fast path disagree with the strict one.

- `build(kind, learned)`: the confirming decoder. Unknown members are forbidden, so that one can be learned: an
  undocumented member seen once joins its struct (typed `LEARNED_VALUE`, any JSON value, whose content
  `typed_decoding` still checks). `build_skipping(kind)`: the same, skipping unknown members, for a body whose
  undocumented members cannot be learned (`typed_decoding` reads their content apart).
- `build_lenient(kind, relaxed)`: the decoder that names the members of a body to judge strictly. Every root
  member is optional (`required` stays jsonschema's), unknown members are skipped (they are allowed), and the
  `relaxed` root members take any value, so decoding goes on past them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Annotated, Any, Final, Literal

import msgspec

from contracts.core.violations import json_path
from contracts.judging.schemas import resolved

# Keywords whose meaning the structs reproduce exactly (annotations are gone from `resolved`). `properties` without
# `additionalProperties` lets undocumented members through: the confirming structs forbid them, and learn them.
_COVERED_KEYWORDS = frozenset({"type", "enum", "format", "properties", "required", "$schema", "$id", "$defs"})
# JSON type -> struct field type. `float` takes any JSON number within double range, as the strict parser does,
# and refuses booleans and numbers beyond it; `int` would take integers of any size.
_SCALARS: dict[str, Any] = {"string": str, "number": float, "boolean": bool, "null": None}
_TIMESTAMP: Any = Annotated[datetime, msgspec.Meta(tz=True)]  # RFC 3339 demands an offset (or Z)
_FORMATS: dict[str, Any] = {"date": date, "date-time": _TIMESTAMP}
_FORBID_UNKNOWN = True  # an undocumented member stops the decoding, so that it can be learned
LEARNED_VALUE: Any = Any  # any JSON value; `typed_decoding` checks what msgspec reads differently inside one

UNSET: Final = msgspec.UNSET
Learned = tuple[tuple[tuple[str, ...], str], ...]  # (object keys, name) of each learned member, in the order learned


class _NotCovered(Exception):
    """A schema node the struct generator does not reproduce exactly."""


@dataclass(frozen=True)
class Shape:
    """One generated struct, and `tally(value, drift, inner)`: how many members a decoded one holds (nested ones
    included), the JSON paths of its learned members appended to `drift`, and those of their values that are not
    strings, booleans, null or floats appended to `inner` (`typed_decoding` looks inside them). A struct without
    documented objects inside is `flat`: (its optional members' values, how many members it has at most, its learned
    members as (index, path)), which the judging reads in line, since it does so for every body."""

    struct: type
    tally: Callable[[Any, list[str], list[object]], int]
    flat: tuple[Callable[[Any], tuple] | None, int, tuple[tuple[int, str], ...]] | None = None


def _tally(
    required: int, optional: list[str], learned: tuple[tuple[int, str], ...], nested: tuple[tuple[str, Shape], ...]
) -> Callable[[Any, list[str], list[object]], int]:
    """`Shape.tally` for a struct with `required` members always present, these optional attributes (UNSET when
    absent), learned ones among them (index, JSON path), and documented objects (attribute, shape)."""
    values = _getter(optional)
    every = required + len(optional)
    if values is None and not nested:
        return lambda value, drift, inner: required
    if values is not None and not learned and not nested:  # the usual shape: one call, no loop
        return lambda value, drift, inner: every - values(value).count(UNSET)

    def tally(value: Any, drift: list[str], inner: list[object]) -> int:
        kept = required
        if values is not None:
            present = values(value)
            kept = every - present.count(UNSET)
            for index, path in learned:
                member = present[index]
                if member is not UNSET:
                    drift.append(path)
                    if type(member) in LOOKED_INTO:
                        inner.append(member)
        for attribute, shape in nested:
            member = getattr(value, attribute)
            if member is not UNSET:
                kept += shape.tally(member, drift, inner)
        return kept

    return tally


LOOKED_INTO = frozenset({dict, list, int})  # learned values whose reading by msgspec may differ from the strict parser's


def _getter(attributes: list[str]) -> Callable[[Any], tuple] | None:
    if not attributes:
        return None
    if len(attributes) == 1:
        one = operator.attrgetter(attributes[0])
        return lambda value: (one(value),)
    return operator.attrgetter(*attributes)


def nameable(name: object) -> bool:
    """Whether msgspec can match a member by this name (it refuses `\\`, `"` and control characters in one)."""
    return isinstance(name, str) and not any(c in '\\"' or c < " " for c in name)


@dataclass(frozen=True)
class _Generator:
    """How one decoder's structs are made: the members learned, whether unknown ones are forbidden, and for a
    lenient decoder the root members that take any value."""

    learned: Learned = ()
    forbid_unknown: bool = True
    lenient: bool = False
    relaxed: frozenset[str] = frozenset()

    def field_type(self, node: object, keys: tuple[str, ...], shapes: dict) -> Any:
        """The struct field type that accepts exactly what this schema node accepts, or `_NotCovered`."""
        if not isinstance(node, dict) or not set(node) <= _COVERED_KEYWORDS:
            raise _NotCovered(node)
        kind = node.get("type")
        if "properties" in node:
            if kind != "object" or "enum" in node or "format" in node:
                raise _NotCovered(node)
            shape = self.object_shape(node, keys, shapes)
            shapes[keys] = shape
            return shape.struct
        if "required" in node:
            raise _NotCovered(node)  # required members of an object whose members are not listed
        if "enum" in node:
            values = node["enum"]
            if kind not in (None, "string") or "format" in node or not isinstance(values, list) or not values:
                raise _NotCovered(node)
            if not all(type(value) is str for value in values):
                raise _NotCovered(node)  # JSON Schema's equality (1 == 1.0, not True) is not Literal's
            return Literal[tuple(values)]
        if "format" in node:
            if kind != "string" or node["format"] not in _FORMATS:
                raise _NotCovered(node)
            return _FORMATS[node["format"]]
        if not isinstance(kind, str) or kind not in _SCALARS:
            raise _NotCovered(node)  # no type, a list of types, `integer`, `array`, an object without properties
        return _SCALARS[kind]

    def object_shape(self, node: dict, keys: tuple[str, ...], shapes: dict) -> Shape:
        properties, required = node["properties"], node.get("required", [])
        if not isinstance(properties, dict) or not isinstance(required, list) or not set(required) <= set(properties):
            raise _NotCovered(node)
        fields: list[tuple] = []
        names: dict[str, str] = {}
        optional: list[str] = []
        nested: list[tuple[str, Shape]] = []
        for name, member in properties.items():
            if not nameable(name):
                raise _NotCovered(node)
            attribute = f"m{len(fields)}"
            field_type = self.field_type(member, (*keys, name), shapes)  # a documented object's shape goes to `shapes`
            if not keys and name in self.relaxed:
                field_type = Any
            names[attribute] = name
            if name in required and not (self.lenient and not keys):
                fields.append((attribute, field_type))
            else:
                fields.append((attribute, field_type, UNSET))
                optional.append(attribute)
            member_keys = (*keys, name)
            if member_keys in shapes:
                nested.append((attribute, shapes[member_keys]))
        indexes: list[tuple[int, str]] = []
        for where, name in self.learned:  # in the order learned
            if where == keys and name not in properties:
                attribute = f"m{len(fields)}"
                fields.append((attribute, LEARNED_VALUE, UNSET))
                names[attribute] = name
                indexes.append((len(optional), json_path((*keys, name))))
                optional.append(attribute)
        struct = msgspec.defstruct(
            "Object", fields, rename=names, forbid_unknown_fields=self.forbid_unknown, kw_only=True, gc=False, module=__name__
        )
        required_count = len(fields) - len(optional)
        flat = None if nested else (_getter(optional), len(fields), tuple(indexes))
        return Shape(struct, _tally(required_count, optional, tuple(indexes), tuple(nested)), flat)

    def decoder(self, kind: str) -> tuple[msgspec.json.Decoder, Shape, dict] | None:
        """The decoder for `kind`, its root shape and the resolved schema; None when the schema is not covered."""
        try:
            tree = resolved(kind)
            shapes: dict[tuple[str, ...], Shape] = {}
            if tree.get("type") != "object" or "properties" not in tree:
                return None  # a body that is not an object with listed members: the strict path alone
            root = self.field_type(tree, (), shapes)
            return msgspec.json.Decoder(root), shapes[()], tree
        except Exception:  # _NotCovered, an unresolvable schema, a struct msgspec refuses: the strict path stays in charge
            return None


@dataclass(frozen=True)
class Engine:
    decoder: msgspec.json.Decoder
    shape: Shape
    dated: bool  # only a body with a date or date-time member needs the timestamp guards
    learned: Learned

    @cached_property
    def tokens(self) -> dict[str, bytes]:
        """Each learned member's JSON path, and its name as a JSON string token written without escapes."""
        return {json_path((*keys, name)): b'"' + name.encode() + b'"' for keys, name in self.learned}


def build(kind: str, learned: Learned) -> Engine | None:
    """The confirming decoder for `kind` with these members learned, or None when the schema is not covered."""
    made = _Generator(learned, _FORBID_UNKNOWN).decoder(kind)
    if made is None:
        return None
    decoder, shape, tree = made
    return Engine(decoder, shape, _dated(tree), learned)


def build_skipping(kind: str) -> msgspec.json.Decoder | None:
    """The decoder reading the documented members of a `kind` body as the confirming one does, skipping the others."""
    made = _Generator(forbid_unknown=False).decoder(kind)
    return made[0] if made is not None else None


def build_lenient(kind: str, relaxed: frozenset[str]) -> msgspec.json.Decoder | None:
    """The decoder that reads every documented member of a `kind` body as the confirming one does, root members
    optional, unknown members skipped, the `relaxed` root members taking any value; None when not covered."""
    made = _Generator(forbid_unknown=False, lenient=True, relaxed=relaxed).decoder(kind)
    return made[0] if made is not None else None


def _dated(node: object) -> bool:
    """Whether any member of this (covered) schema is a date or a date-time."""
    if not isinstance(node, dict):
        return False
    return node.get("format") in _FORMATS or any(_dated(member) for member in node.get("properties", {}).values())
