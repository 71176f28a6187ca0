"""The one fast path: a body decoded by msgspec, in one native pass, into structs generated from the resolved schema.

Why: the strict path (`validation.parse_json` and jsonschema) costs tens of microseconds a body, and most bodies
are valid. A typed decode proves most of validity natively, and a few scans of the text prove the rest. Like
every fast path here it can only *confirm*: `confirm(kind, raw)` returns `Confirmed` (with the body's drift)
or None, "ask the strict path", which alone writes violations. Any doubt is None. The same engine spares the
strict path work whose outcome it knows: `read(raw)` is msgspec's reading of a body wherever it is the strict
parser's, and `failing_members(kind, raw)` names the root members jsonschema has to look at.

The structs (`typed_structs`) follow the resolved schema under one rule: a schema using what the generator does
not cover gets no fast path at all. Where msgspec reads a body differently from the strict path (measured, and
each guard killed by tests/judging/test_typed_decoding.py when removed):

- duplicate member names: msgspec keeps the last one silently -> `guards.names_dropped` counts the names written;
- unknown members are skipped unread -> the confirming structs forbid them, so one can be learned: an undocumented
  member seen once joins its struct (`MAX_LEARNED` at most) and takes any value, whose inside `guards.names_inside`
  checks: integers of any size (the strict parser refuses those beyond double range), names used twice (counted
  with the rest), deep or many objects and arrays. A member that cannot be learned is read apart, by `read`,
  whose reading of the whole body the same checks keep the strict parser's;
- date-times with a space separator or an offset without a colon (`+0200`) -> `guards.loose_timestamp`; the same
  spelt with `\\u00NN` escapes of printable characters, which the text scans cannot see -> `guards.escaped_ascii`;
- timestamps without an offset -> the struct demands a time zone;
- `int | float` takes integers of any size -> documented numbers are typed `float`, which refuses what is beyond
  double range as the strict parser does.

msgspec refuses leap seconds, lone surrogates, invalid UTF-8, NaN/Infinity and year 0000: those simply go the
strict way. Verdicts of recent bodies are kept in a `BodyCache`, which switches itself off when it rarely hits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import Any, Final

import msgspec

from contracts.core.violations import json_path
from contracts.judging import text_guards as guards
from contracts.judging import typed_structs
from contracts.judging.body_cache import BodyCache
from contracts.judging.schemas import KINDS, documented_fields, documented_members

_switched_off = False

MAX_LEARNED = 32  # undocumented members learned per kind: a stream of new names stops growing the structs here
_UNKNOWN_MEMBER = "Object contains unknown field"  # the start of msgspec's message for one
UNREAD: Final = object()  # `read` could not stand in for the strict parser


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


# -- confirming a body ------------------------------------------------------------------------------


class _Kind:
    """What the fast path knows of one kind of body: its engine and `judge` (None: no fast path), its cache."""

    def __init__(self, kind: str):
        self.kind = kind
        self.members = documented_members(kind)
        self.cache = BodyCache()
        self.single: dict[str, Confirmed] = {}  # one Confirmed per lone drift path, shared
        self.engine = typed_structs.build(kind, ())
        self.judge = self.judging(self.engine) if self.engine is not None else None
        self.skipping = typed_structs.build_skipping(kind)
        # The root members holding a date or date-time, which jsonschema judges where msgspec may read one loosely.
        self.dated_roots = frozenset(
            field.keys[0] for field in documented_fields(kind) if field.node.get("format") in ("date", "date-time")
        )

    def judging(self, engine: typed_structs.Engine) -> Callable[[bytes], Confirmed | None]:
        """The function confirming a body with this engine: Confirmed, or None (the strict path decides). What it
        calls is bound here, once, since this runs for every body."""
        decode, tally, dated, flat = engine.decoder.decode, engine.shape.tally, engine.dated, engine.shape.flat
        values, every, learned = flat if flat is not None else (None, 0, ())
        names_dropped, loose_timestamp, escaped_ascii, names_inside = (
            guards.names_dropped,
            guards.loose_timestamp,
            guards.escaped_ascii,
            guards.names_inside,
        )
        sketch_table, blanks, date_like, no_drift, unset = guards.SKETCH, guards.BLANKS, guards.DATE_LIKE, _NO_DRIFT, typed_structs.UNSET
        looked_into, invalid = typed_structs.LOOKED_INTO, msgspec.ValidationError

        def judge(raw: bytes) -> Confirmed | None:
            try:
                decoded = decode(raw)
            except invalid as exc:
                return self.after_learning(raw) if str(exc).startswith(_UNKNOWN_MEMBER) else None
            except (ValueError, RecursionError):  # not JSON to msgspec (the strict parser says why); msgspec 0.22 raises
                return None  # UnicodeDecodeError for bad UTF-8, and recurses into what it skips
            drift: list[str] = []
            inner: list[object] = []
            if flat is None:
                kept = tally(decoded, drift, inner)
            elif values is None:
                kept = every
            else:  # `tally`, in line
                present = values(decoded)
                kept = every - present.count(unset)
                if learned:
                    for index, path in learned:
                        member = present[index]
                        if member is not unset:
                            drift.append(path)
                            if type(member) in looked_into:
                                inner.append(member)
            if inner:
                inside = names_inside(inner)
                if inside < 0:
                    return None
                kept += inside
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
        """The drift of a confirmed body in document order: where the members' names are written (`guards.in_text_order`),
        else as the body read again lists them."""
        engine = self.engine
        if engine is not None and engine.shape.flat is not None:
            ordered = guards.in_text_order(raw, drift, engine.tokens)
            if ordered is not None:
                return ordered
        document = msgspec.json.decode(raw)
        return tuple(json_path((*keys, name)) for keys, name, _ in _undocumented(self.members, document))

    def after_learning(self, raw: bytes) -> Confirmed | None:
        """A body with an undocumented member the structs do not hold yet, judged again once it is learned, or else
        by `beyond_learning`."""
        if self.learn(raw) and self.judge is not None:
            return self.judge(raw)
        return self.beyond_learning(raw)

    def beyond_learning(self, raw: bytes) -> Confirmed | None:
        """A body with undocumented members the structs cannot learn (names msgspec cannot match, or more than
        `MAX_LEARNED`): msgspec's reading of the whole body stands in for the strict parser's (`read`, under its
        guards), and its documented members are decoded as `judge` decodes them, the others skipped."""
        engine, skipping = self.engine, self.skipping
        if engine is None or skipping is None:
            return None
        try:
            skipping.decode(raw)  # first: a body breaking the schema stops here, cheaply
        except (ValueError, RecursionError):
            return None
        document = read(raw)
        if type(document) is not dict:
            return None
        if engine.dated and guards.dates_in_doubt(raw):
            return None
        return Confirmed(tuple(json_path((*keys, name)) for keys, name, _ in _undocumented(self.members, document)))

    def learn(self, raw: bytes) -> bool:
        """Learn the undocumented members of this body (up to `MAX_LEARNED` in all); whether any was learned."""
        engine = self.engine
        if engine is None or len(engine.learned) >= MAX_LEARNED:
            return False
        try:
            document = msgspec.json.decode(raw)
        except (ValueError, RecursionError):  # msgspec's DecodeError is a ValueError, as is UnicodeDecodeError
            return False
        known = set(engine.learned)
        new: list[tuple[tuple[str, ...], str]] = []
        for keys, name, _ in _undocumented(self.members, document):
            if len(known) >= MAX_LEARNED:
                break
            if (keys, name) not in known and typed_structs.nameable(name):
                new.append((keys, name))
                known.add((keys, name))
        learned = typed_structs.build(self.kind, engine.learned + tuple(new)) if new else None
        if learned is None:
            return False
        self.engine, self.judge = learned, self.judging(learned)
        return True


_kinds: dict[str, _Kind] = {}


def _state(kind: str) -> _Kind:
    state = _kinds.get(kind)
    if state is None:
        state = _kinds[kind] = _Kind(kind)
    return state


def confirm(kind: str, raw: bytes) -> Confirmed | None:
    """`Confirmed` (with the body's drift) when the fast path shows `raw`, a body's bytes, is a valid `kind` body;
    else None: not shown here (any doubt, an unknown kind, text rather than bytes), so the strict path
    (`validation.strictly_checked`) decides, and alone writes any violation."""
    if _switched_off:
        return None
    state = _kinds.get(kind)
    if state is None:
        if kind not in KINDS:
            return None
        state = _state(kind)
    judge = state.judge
    if judge is None or type(raw) is not bytes:
        return None  # no fast path; or text (or a buffer), left to the strict path, which reads every form
    cache = state.cache
    if cache.resting:  # what `verdict` does first, in line: bodies that do not repeat skip a call
        cache.resting -= 1
        return judge(raw)
    return cache.verdict(raw, judge)


# -- sparing the strict path what the engine knows -------------------------------------------------


def read(raw: bytes) -> Any:
    """The document the strict parser returns for `raw`, read by msgspec; `UNREAD` where msgspec's reading might
    differ (a name used twice, an integer beyond double range, many objects and arrays) or it refuses the text (the
    strict parser then says why)."""
    if _switched_off or type(raw) is not bytes:
        return UNREAD
    try:
        document = msgspec.json.decode(raw)
    except (ValueError, RecursionError):
        return UNREAD
    names = guards.names_inside([document])
    if names < 0 or guards.names_dropped(raw.translate(guards.SKETCH, guards.BLANKS), names):
        return UNREAD
    return document


def failing_members(kind: str, raw: bytes) -> frozenset[str] | None:
    """The root members of `raw`, a body the strict parser accepts, that may break the schema for `kind`: those msgspec
    does not read as valid. None when it cannot tell which: the strict path then judges every member. Each member
    is read as `confirm` reads it, under the same guards; a body the strict parser accepts holds no duplicate name
    and no number beyond double range."""
    if _switched_off or kind not in KINDS or type(raw) is not bytes:
        return None
    state = _state(kind)
    if state.engine is None:
        return None
    relaxed = frozenset[str]()
    if state.engine.dated and guards.dates_in_doubt(raw):
        relaxed = state.dated_roots  # msgspec may read their dates loosely: jsonschema looks at them
    names = state.members[()]
    for _ in range(len(names) + 1):
        decoder = _lenient(kind, relaxed)
        if decoder is None:
            return None
        try:
            decoder.decode(raw)
            return relaxed
        except msgspec.ValidationError as exc:
            name = _root_member(str(exc), names)
            if name is None or name in relaxed:
                return None  # the root itself (not an object), or a path naming no one member
            relaxed |= {name}
        except (ValueError, RecursionError):  # text msgspec refuses (a lone surrogate): it cannot tell
            return None
    return None


@lru_cache(maxsize=64)
def _lenient(kind: str, relaxed: frozenset[str]) -> msgspec.json.Decoder | None:
    return typed_structs.build_lenient(kind, relaxed)


def _root_member(message: str, names: frozenset[str]) -> str | None:
    """The documented root member a msgspec error is at (`... - at `$.costCap``, `$.error.code`), if exactly one."""
    _, at, path = message.rpartition(" - at `$.")
    if not at or not path.endswith("`"):
        return None
    path = path[:-1]
    if path in names and "." not in path and "[" not in path:
        return path
    found = [name for name in names if path == name or path.startswith((name + ".", name + "["))]
    return found[0] if len(found) == 1 else None


# -- the engine's state ----------------------------------------------------------------------------


def has_fast_path(kind: str) -> bool:
    """Whether bodies of `kind` can be confirmed here at all (its schema uses only what the generator covers)."""
    return kind in KINDS and _state(kind).engine is not None


def learned_members(kind: str) -> tuple[str, ...]:
    """The JSON paths of the undocumented members learned so far for `kind`, in the order learned."""
    engine = _state(kind).engine if kind in KINDS else None
    return tuple(json_path((*keys, name)) for keys, name in engine.learned) if engine else ()


def forget() -> None:
    """Forget every learned member, cached verdict and built decoder (a new run; a schema changed; tests)."""
    _kinds.clear()
    _lenient.cache_clear()


@contextmanager
def switched_off() -> Iterator[None]:
    """Within this block the engine confirms, reads and names nothing: every body takes the strict path alone (what
    differential tests compare with)."""
    global _switched_off
    before, _switched_off = _switched_off, True
    try:
        yield
    finally:
        _switched_off = before
