"""The fast path, in one native pass: a body decoded by msgspec into structs generated from the resolved schema.

Why: the strict path (`validation.parse_json` and jsonschema) costs tens of microseconds a body, and most bodies
are valid. A typed decode proves most of validity natively, and a few scans of the text prove the rest. Like
every fast path here it can only *confirm*: `confirm(kind, raw)` returns `Confirmed` (with the body's drift)
or None, "ask the strict path", which alone writes violations. Any doubt is None.

The structs follow the resolved schema under one rule: a schema using a keyword, type or format the generator
does not cover (see `_COVERED_KEYWORDS`, `_SCALARS`, `_FORMATS`) gets no fast path at all, so a schema change can
never make this path disagree with the strict one. Where msgspec reads a body differently from the strict path
(measured, and each guard killed by tests/test_typed_decoding.py when removed):

- duplicate member names: msgspec keeps the last one silently -> `_names_dropped` counts the names written;
- unknown members are skipped unread (duplicates, huge numbers, nesting, bad UTF-8 inside them) -> a skipped
  member is missing from the structs, so `_names_dropped` sees it too; the structs forbid unknown members, which is
  what lets one be learned: an undocumented member seen once joins its struct (`MAX_LEARNED` at most), typed
  `_LEARNED_VALUE` (strings, booleans, null: anything else goes the strict way);
- date-times with a space separator or an offset without a colon (`+0200`) -> `_loose_timestamp`; the same
  spelt with `\\u00NN` escapes, which the text scans cannot see -> `_escaped_ascii`;
- timestamps without an offset -> `_TIMESTAMP` demands a time zone;
- `int | float` takes integers of any size -> numbers are typed `float`, which refuses what is beyond double
  range as the strict parser does (no `integer` type is covered).

msgspec refuses leap seconds, lone surrogates, invalid UTF-8, NaN/Infinity and year 0000: those simply go the
strict way. A body cache keyed by the exact bytes (`_BodyCache`) switches itself off when it rarely hits.

`decode_line(line)` reads a JSON Lines capture line in its common form into `CaptureLine`, the fields replay
reads, or None for any other line (the full reader in `captures` takes those, and says what is wrong).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, partial
from typing import Annotated, Any, Final, Literal

import msgspec

from contracts.core.violations import json_path
from contracts.judging.schemas import KINDS, documented_members, resolved

_switched_off = False

# -- what the generator covers ----------------------------------------------------------------------

# Keywords whose meaning the structs reproduce exactly (annotations are gone from `resolved`). `properties` without
# `additionalProperties` lets undocumented members through: the structs forbid them, and learn them (below).
_COVERED_KEYWORDS = frozenset({"type", "enum", "format", "properties", "required", "$schema", "$id", "$defs"})
# JSON type -> struct field type. `float` takes any JSON number within double range, as the strict parser does,
# and refuses booleans and numbers beyond it; `int` would take integers of any size.
_SCALARS: dict[str, Any] = {"string": str, "number": float, "boolean": bool, "null": None}
_TIMESTAMP: Any = Annotated[datetime, msgspec.Meta(tz=True)]  # RFC 3339 demands an offset (or Z)
_FORMATS: dict[str, Any] = {"date": date, "date-time": _TIMESTAMP}
_FORBID_UNKNOWN = True  # an undocumented member stops the decoding, so that it can be learned (see `_Kind.learn`)

# -- learned drift ----------------------------------------------------------------------------------

_LEARNED_VALUE: Any = str | bool | None  # a value the strict parser reads exactly as msgspec does
MAX_LEARNED = 32  # undocumented members learned per kind: a stream of new names stops growing the structs here
_UNKNOWN_MEMBER = "Object contains unknown field"  # the start of msgspec's message for one


class Confirmed:
    """A body the fast path shows valid. `drift`: the JSON paths of its undocumented members in document order;
    `drift_in_any_order`: the same paths at no cost (a body with several is put in order only when `drift` is read:
    counting them, as replay does, needs no order)."""

    __slots__ = ("_drift", "_order")

    def __init__(self, drift: tuple[str, ...] = (), order: Callable[[], tuple[str, ...]] | None = None):
        self._drift = drift
        self._order = order  # puts `drift` in document order when first asked

    @property
    def drift(self) -> tuple[str, ...]:
        if self._order is not None:
            self._drift, self._order = self._order(), None
        return self._drift

    @property
    def drift_in_any_order(self) -> tuple[str, ...]:
        return self._drift

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Confirmed) and self.drift == other.drift

    def __hash__(self) -> int:
        return hash(self.drift)

    def __repr__(self) -> str:
        return f"Confirmed(drift={self.drift!r})"


_NO_DRIFT: Final = Confirmed()


class _NotCovered(Exception):
    """A schema node the struct generator does not reproduce exactly."""


@dataclass(frozen=True)
class _Shape:
    """One generated struct, and `tally(value, drift)`: how many members a decoded one holds (nested ones included),
    the JSON paths of its learned (undocumented) members appended to `drift`. A struct without documented objects
    inside is `flat`: (its optional members' values, how many members it has at most, its learned members), which
    the judging reads in line, since it does so for every body."""

    struct: type
    tally: Callable[[Any, list[str]], int]
    flat: tuple[Callable[[Any], tuple] | None, int, tuple[tuple[int, str], ...]] | None = None


_UNSET: Final = msgspec.UNSET


def _tally(
    required: int, optional: list[str], learned: tuple[tuple[int, str], ...], nested: tuple[tuple[str, _Shape], ...]
) -> Callable[[Any, list[str]], int]:
    """`_Shape.tally` for a struct with `required` members always present, these optional attributes (UNSET when
    absent), learned ones among them (index, JSON path), and documented objects (attribute, shape)."""
    values = _getter(optional)
    every = required + len(optional)
    if values is None and not nested:
        return lambda value, drift: required
    if values is not None and not learned and not nested:  # the usual shape: one call, no loop
        return lambda value, drift: every - values(value).count(_UNSET)

    def tally(value: Any, drift: list[str]) -> int:
        kept = required
        if values is not None:
            present = values(value)
            kept = every - present.count(_UNSET)
            for index, path in learned:
                if present[index] is not _UNSET:
                    drift.append(path)
        for attribute, shape in nested:
            member = getattr(value, attribute)
            if member is not _UNSET:
                kept += shape.tally(member, drift)
        return kept

    return tally


def _getter(attributes: list[str]) -> Callable[[Any], tuple] | None:
    if not attributes:
        return None
    if len(attributes) == 1:
        one = operator.attrgetter(attributes[0])
        return lambda value: (one(value),)
    return operator.attrgetter(*attributes)


def _nameable(name: object) -> bool:
    """Whether msgspec can match a member by this name (it refuses `\\`, `"` and control characters in one)."""
    return isinstance(name, str) and not any(c in '\\"' or c < " " for c in name)


def _field_type(node: object, keys: tuple[str, ...], learned: tuple[tuple[tuple[str, ...], str], ...], shapes: dict) -> Any:
    """The struct field type that accepts exactly what this schema node accepts, or `_NotCovered`."""
    if not isinstance(node, dict) or not set(node) <= _COVERED_KEYWORDS:
        raise _NotCovered(node)
    kind = node.get("type")
    if "properties" in node:
        if kind != "object" or "enum" in node or "format" in node:
            raise _NotCovered(node)
        shape = _object_shape(node, keys, learned, shapes)
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


def _object_shape(node: dict, keys: tuple[str, ...], learned: tuple[tuple[tuple[str, ...], str], ...], shapes: dict) -> _Shape:
    properties, required = node["properties"], node.get("required", [])
    if not isinstance(properties, dict) or not isinstance(required, list) or not set(required) <= set(properties):
        raise _NotCovered(node)
    fields: list[tuple] = []
    names: dict[str, str] = {}
    optional: list[str] = []
    nested: list[tuple[str, _Shape]] = []
    for name, member in properties.items():
        if not _nameable(name):
            raise _NotCovered(node)
        attribute = f"m{len(fields)}"
        field_type = _field_type(member, (*keys, name), learned, shapes)  # a documented object's shape goes to `shapes`
        names[attribute] = name
        if name in required:
            fields.append((attribute, field_type))
        else:
            fields.append((attribute, field_type, msgspec.UNSET))
            optional.append(attribute)
        member_keys = (*keys, name)
        if member_keys in shapes:
            nested.append((attribute, shapes[member_keys]))
    indexes: list[tuple[int, str]] = []
    for where, name in learned:  # in the order learned
        if where == keys and name not in properties:
            attribute = f"m{len(fields)}"
            fields.append((attribute, _LEARNED_VALUE, msgspec.UNSET))
            names[attribute] = name
            indexes.append((len(optional), json_path((*keys, name))))
            optional.append(attribute)
    struct = msgspec.defstruct(
        "Object", fields, rename=names, forbid_unknown_fields=_FORBID_UNKNOWN, kw_only=True, gc=False, module=__name__
    )
    required = len(fields) - len(optional)
    flat = None if nested else (_getter(optional), len(fields), tuple(indexes))
    return _Shape(struct, _tally(required, optional, tuple(indexes), tuple(nested)), flat)


def _undocumented(members: dict[tuple[str, ...], frozenset[str]], document: object) -> Iterator[tuple[tuple[str, ...], str, object]]:
    """(object keys, name, value) of each undocumented member, in document order, as deep as the schema documents
    objects: the members `validation.undocumented_fields` names."""

    def walk(keys: tuple[str, ...], value: object) -> Iterator[tuple[tuple[str, ...], str, object]]:
        listed = members.get(keys)
        if listed is None or type(value) is not dict:
            return
        for name, member in value.items():
            if name not in listed:
                yield keys, name, member
            elif type(member) is dict:
                yield from walk((*keys, name), member)  # as deep as the schema, no deeper

    return walk((), document)


def _build(kind: str, learned: tuple[tuple[tuple[str, ...], str], ...]) -> _Engine | None:
    """The decoder for `kind` with these members learned, or None when the schema is not covered."""
    try:
        tree = resolved(kind)
        shapes: dict[tuple[str, ...], _Shape] = {}
        if tree.get("type") != "object" or "properties" not in tree:
            return None  # a body that is not an object with listed members: the strict path alone
        root = _field_type(tree, (), learned, shapes)
        decoder = msgspec.json.Decoder(root)
    except Exception:  # _NotCovered, an unresolvable schema, a struct msgspec refuses: the strict path stays in charge
        return None
    dated = _dated(tree)
    return _Engine(decoder, shapes[()], dated, learned)


def _dated(node: object) -> bool:
    """Whether any member of this (covered) schema is a date or a date-time."""
    if not isinstance(node, dict):
        return False
    return node.get("format") in _FORMATS or any(_dated(member) for member in node.get("properties", {}).values())


@dataclass(frozen=True)
class _Engine:
    decoder: msgspec.json.Decoder
    shape: _Shape
    dated: bool  # only a body with a date or date-time member needs the timestamp guards
    learned: tuple[tuple[tuple[str, ...], str], ...]  # (object keys, name) of each learned member, in the order learned

    @cached_property
    def tokens(self) -> dict[str, bytes]:
        """Each learned member's JSON path, and its name as a JSON string token written without escapes."""
        return {json_path((*keys, name)): b'"' + name.encode() + b'"' for keys, name in self.learned}


# -- the guards: what msgspec accepts and the strict path does not ---------------------------------

# One pass over the text serves every guard: digits and `u` as `0`, `-` and `\\` as `+`, blanks deleted. In this
# sketch a loose date-time and an escaped ASCII character both show `+0000` (see the guards), which valid bodies
# rarely hold: without it, the two date guards have nothing to look at.
_SKETCH = bytes.maketrans(b"0123456789u-\\", b"00000000000++")
_BLANKS = b" \t\r\n"
_DATE_LIKE = b"+0000"


def _names_dropped(sketch: bytes, kept: int) -> bool:
    """Whether more member names were written than the decoded structs hold: msgspec keeps the last of a duplicate
    name silently. Each name written ends in `":` in the sketch (whatever blanks stood before its colon); any other
    `":` stands inside a string, after an escaped quote. So the count is at least the names written, and equals the
    members kept only when none was dropped."""
    return sketch.count(b'":') != kept


def _loose_timestamp(sketch: bytes) -> bool:
    """Whether a date-time may be spelt with a space separator or an offset without a colon, both of which msgspec
    accepts: `2026-01-31 09:30:00Z` sketches as `0000+00+0000:00:00Z` (the blank deleted), `...:00+0200"` as
    `...:00+0000"`. Either shows as a digit, a sign and four digits, then `:` or `"`, which no RFC 3339 date-time
    spells (any other text that does only goes the strict way)."""
    at = sketch.find(b"0+0000")
    while at >= 0:
        if sketch[at + 6 : at + 7] in (b":", b'"'):
            return True
        at = sketch.find(b"0+0000", at + 1)
    return False


def _escaped_ascii(raw: bytes) -> bool:
    """Whether an ASCII character is written as a `\\u00NN` escape (`NN` below 80), which would hide a loose
    date-time from the scan above (`2026-01-31\\u002009:30:00Z`)."""
    at = raw.find(b"\\u00")
    while at >= 0:
        if raw[at + 4 : at + 5] in _ASCII_HIGH_DIGITS:
            return True
        at = raw.find(b"\\u00", at + 4)
    return False


_ASCII_HIGH_DIGITS = frozenset(bytes([digit]) for digit in b"01234567")


# -- confirming a body ------------------------------------------------------------------------------

_LEARNABLE = (str, bool, type(None))  # the Python types of the values `_LEARNED_VALUE` accepts


class _Kind:
    """What the fast path knows of one kind of body: its engine and `judge` (None: no fast path), its cache."""

    def __init__(self, kind: str):
        self.kind = kind
        self.members = documented_members(kind)
        self.cache = _BodyCache()
        self.single: dict[str, Confirmed] = {}  # one Confirmed per lone drift path, shared
        self.engine = _build(kind, ())
        self.judge = self.judging(self.engine) if self.engine is not None else None

    def judging(self, engine: _Engine) -> Callable[[bytes], Confirmed | None]:
        """The function confirming a body with this engine: Confirmed, or None (the strict path decides). What it
        calls is bound here, once, since this runs for every body."""
        decode, tally, dated, flat = engine.decoder.decode, engine.shape.tally, engine.dated, engine.shape.flat
        values, every, learned = flat if flat is not None else (None, 0, ())
        names_dropped, loose_timestamp, escaped_ascii = _names_dropped, _loose_timestamp, _escaped_ascii
        sketch_table, blanks, date_like, no_drift, unset = _SKETCH, _BLANKS, _DATE_LIKE, _NO_DRIFT, _UNSET
        invalid = msgspec.ValidationError

        def judge(raw: bytes) -> Confirmed | None:
            try:
                decoded = decode(raw)
            except invalid as exc:
                return self.after_learning(raw) if str(exc).startswith(_UNKNOWN_MEMBER) else None
            except (ValueError, RecursionError):  # not JSON to msgspec (the strict parser says why); msgspec 0.22 raises
                return None  # UnicodeDecodeError for bad UTF-8, and recurses into what it skips
            drift: list[str] = []
            if flat is None:
                kept = tally(decoded, drift)
            elif values is None:
                kept = every
            else:  # `tally`, in line
                present = values(decoded)
                kept = every - present.count(unset)
                for index, path in learned:
                    if present[index] is not unset:
                        drift.append(path)
            sketch = raw.translate(sketch_table, blanks)
            if names_dropped(sketch, kept):
                return None
            if dated and sketch.find(date_like) >= 0 and (loose_timestamp(sketch) or escaped_ascii(raw)):
                return None
            return self.drifted(raw, drift) if drift else no_drift

        return judge

    def drifted(self, raw: bytes, drift: list[str]) -> Confirmed:
        """Confirmed with this drift. The structs do not keep the members' order: that of several is worked out
        when first asked for (`in_document_order`)."""
        if len(drift) == 1:
            path = drift[0]
            return self.single.get(path) or self.single.setdefault(path, Confirmed((path,)))
        return Confirmed(tuple(drift), partial(self.in_document_order, raw, tuple(drift)))

    def in_document_order(self, raw: bytes, drift: tuple[str, ...]) -> tuple[str, ...]:
        """The drift of a confirmed body in document order: where the members' names are written (`_in_text_order`),
        else as the body read again lists them."""
        engine = self.engine
        if engine is not None and engine.shape.flat is not None:
            ordered = _in_text_order(raw, drift, engine.tokens)
            if ordered is not None:
                return ordered
        document = msgspec.json.decode(raw)
        return tuple(json_path((*keys, name)) for keys, name, _ in _undocumented(self.members, document))

    def after_learning(self, raw: bytes) -> Confirmed | None:
        """A body with an undocumented member the structs do not hold yet, judged again once it is learned."""
        return self.judge(raw) if self.learn(raw) and self.judge is not None else None

    def learn(self, raw: bytes) -> bool:
        """Learn the undocumented members of this body whose values `_LEARNED_VALUE` takes (up to `MAX_LEARNED` in
        all); whether any was learned."""
        engine = self.engine
        if engine is None or len(engine.learned) >= MAX_LEARNED:
            return False
        try:
            document = msgspec.json.decode(raw)
        except (ValueError, RecursionError):  # msgspec's DecodeError is a ValueError, as is UnicodeDecodeError
            return False
        known = set(engine.learned)
        new: list[tuple[tuple[str, ...], str]] = []
        for keys, name, value in _undocumented(self.members, document):
            if len(known) >= MAX_LEARNED:
                break
            if (keys, name) not in known and type(value) in _LEARNABLE and _nameable(name):
                new.append((keys, name))
                known.add((keys, name))
        learned = _build(self.kind, engine.learned + tuple(new)) if new else None
        if learned is None:
            return False
        self.engine, self.judge = learned, self.judging(learned)
        return True


def _in_text_order(raw: bytes, drift: tuple[str, ...], tokens: dict[str, bytes]) -> tuple[str, ...] | None:
    """The drift paths of a confirmed body without objects inside (all its members at the root) in the order their
    names are written, or None when the text cannot tell. Without a backslash in the text every `"` delimits a
    string, so a name's token (`"name"`, written as is) found before a `:` is that member's name: a value equal to
    it is followed by something else."""
    if raw.find(b"\\") >= 0:
        return None
    found = []
    for path in drift:
        token = tokens[path]
        at = raw.find(token)
        while at >= 0 and raw[at + len(token) : at + len(token) + 1] != b":":  # rarely: blanks, or a value
            after = at + len(token)
            while raw[after : after + 1] in _BLANK:
                after += 1
            if raw[after : after + 1] == b":":
                break
            at = raw.find(token, after)
        if at < 0:
            return None
        found.append((at, path))
    found.sort()
    return tuple([path for _, path in found])


_BLANK = frozenset((b" ", b"\t", b"\r", b"\n"))


# Bodies whose verdict the cache keeps: larger ones are rarely repeated and would crowd the rest out.
_CACHED_BODY = 16 * 1024
_CACHE_BYTES = 8 * 1024 * 1024  # the cache empties itself beyond this many bytes of bodies and entries
_ENTRY = 128  # bytes an entry costs besides its body (so that a stream of tiny bodies is bounded too)
_WINDOW = 4096  # lookups between two looks at the hit rate
_MIN_HITS = _WINDOW // 8  # fewer hits than this in a window: a lookup costs more than the hits save
_REST = 64 * _WINDOW  # bodies judged without the cache before it tries again


class _BodyCache:
    """Verdicts of recent bodies by their exact bytes: one account's traffic repeats its bodies. It looks at its hit
    rate every `_WINDOW` lookups; below `_MIN_HITS` it empties itself and rests for `_REST` bodies, then tries again."""

    __slots__ = ("entries", "hits", "lookups", "resting", "size")

    def __init__(self) -> None:
        self.entries: dict[bytes, Any] = {}  # Confirmed, or None
        self.size = 0
        self.lookups = self.hits = self.resting = 0

    def verdict(self, raw: bytes, judge: Callable[[bytes], Confirmed | None]) -> Confirmed | None:
        self.lookups += 1
        verdict = self.entries.get(raw, _MISSING)
        if verdict is not _MISSING:
            self.hits += 1
        else:
            verdict = judge(raw)
            if self.size + len(raw) + _ENTRY > _CACHE_BYTES:
                self.entries.clear()
                self.size = 0
            self.entries[raw] = verdict
            self.size += len(raw) + _ENTRY
        if self.lookups >= _WINDOW:
            if self.hits < _MIN_HITS:
                self.entries.clear()
                self.size = 0
                self.resting = _REST
            self.lookups = self.hits = 0
        return verdict


_MISSING: Final = object()
_kinds: dict[str, _Kind] = {}


def _state(kind: str) -> _Kind:
    state = _kinds.get(kind)
    if state is None:
        state = _kinds[kind] = _Kind(kind)
    return state


def confirm(kind: str, raw: bytes) -> Confirmed | None:
    """`Confirmed` (with the body's drift) when the fast path shows `raw`, a body's bytes, is a valid `kind` body;
    else None: not shown here (any doubt, an unknown kind, text rather than bytes), so the strict path
    (`validation.check_document`) decides, and alone writes any violation."""
    if _switched_off:
        return None
    state = _kinds.get(kind)
    if state is None:
        if kind not in KINDS:
            return None
        state = _state(kind)
    judge = state.judge
    if judge is None:
        return None
    if type(raw) is not bytes:
        return None  # text (or a buffer) is left to the strict path, which reads every form
    cache = state.cache
    if cache.resting:
        cache.resting -= 1
        return judge(raw)
    if len(raw) > _CACHED_BODY:
        return judge(raw)
    return cache.verdict(raw, judge)


def has_fast_path(kind: str) -> bool:
    """Whether bodies of `kind` can be confirmed here at all (its schema uses only what the generator covers)."""
    return kind in KINDS and _state(kind).engine is not None


def learned_members(kind: str) -> tuple[str, ...]:
    """The JSON paths of the undocumented members learned so far for `kind`, in the order learned."""
    engine = _state(kind).engine if kind in KINDS else None
    return tuple(json_path((*keys, name)) for keys, name in engine.learned) if engine else ()


def forget() -> None:
    """Forget every learned member and cached verdict (a new run; tests)."""
    _kinds.clear()


@contextmanager
def switched_off() -> Iterator[None]:
    """Within this block `confirm` confirms nothing: every body takes the strict path (what differential tests compare with)."""
    global _switched_off
    before, _switched_off = _switched_off, True
    try:
        yield
    finally:
        _switched_off = before


# -- capture lines ----------------------------------------------------------------------------------


class CaptureLine(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A JSON Lines capture line in its common form: only these members, a text body, headers as an object of strings.
    `url` is UNSET when the line has none (the operation's path is meant), `reason` None when null."""

    status: Annotated[int, msgspec.Meta(ge=1, le=999)]
    body: str
    headers: dict[str, str] | None = None
    method: str = "GET"
    url: str | msgspec.UnsetType = msgspec.UNSET
    reason: str | None = ""
    request_headers: dict[str, str] | None = None


_LINE = msgspec.json.Decoder(CaptureLine)


def decode_line(line: bytes) -> CaptureLine | None:
    """The line read in one native pass, or None for any line not in the common form, which the full reader
    (`captures.recorded`) reads instead: another member, a status that is not an integer from 1 to 999 (`NaN`
    included), a body that is not text, headers that are not an object of strings, a URL holding `?`, `#` or `@`
    (it needs masking), anything that is not JSON. Header names are not looked at here: pseudo-headers,
    `Content-Encoding` and credentials are the caller's (`captures._plain_headers`)."""
    try:
        entry = _LINE.decode(line)
    except ValueError:  # msgspec's DecodeError and ValidationError; UnicodeDecodeError from msgspec 0.22
        return None
    url = entry.url
    if url is not msgspec.UNSET and ("?" in url or "#" in url or "@" in url):
        return None
    return entry
