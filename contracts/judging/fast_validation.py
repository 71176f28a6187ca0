"""A fast path that can only confirm validity: orjson + jsonschema-rs in front of the strict path.

`confirmed(kind, raw)` returns the document when the fast engines show the body is valid, else
`UNCONFIRMED`; `confirms_valid(kind, document)` does the same for a parsed document, and
`unconfirmed_members(kind, document)` names the root members of one it did not confirm, so the strict
path judges only those. `parsed(raw)` is orjson's reading wherever it is the strict parser's, so a
body that is JSON but breaks the schema is parsed once. None of them ever writes a violation: whatever
they do not confirm goes through `validation.parse_json` and `validation.validate`, which alone decide
what is wrong. So every guard below only has to send a body the fast engines might read or judge
differently back to the strict path, never to decide it.

Where the engines differ from the strict path (measured, and kept honest by
tests/test_fast_validation.py): jsonschema-rs accepts year 0000 in `date` and `date-time`;
orjson keeps the last of duplicate member names, turns integers beyond 64 bits into floats, and
has its own nesting limit (1024, where the strict path has one of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Final

import jsonschema_rs
import orjson

from contracts.judging.schemas import KINDS, documented_fields, resolved

UNCONFIRMED: Final = object()  # the fast path could not confirm: ask the strict path
_switched_off = False

# Keywords whose meaning jsonschema-rs and jsonschema share exactly, and the formats whose rules the
# differential test proves identical (year 0000 aside). A schema using anything else gets no fast path:
# `pattern`, for one, is ECMA 262 there and Python's `re` here.
_AGREED_KEYWORDS = frozenset({"type", "enum", "format", "properties", "required", "$schema", "$id", "$defs"})
_AGREED_FORMATS = frozenset({"date", "date-time"})

# At most this many objects and arrays (counted as `{` and `[` anywhere, strings included) in a body
# the fast path parses: far below any nesting or size limit of the strict parser, so it never has to know them.
_MAX_CONTAINERS = 64

# The text read once for three guards: digits as zeros, `[` as `{`, blanks deleted. An integer literal of 19
# digits or more may be beyond 64 bits, which orjson turns into a float (the strict parser keeps an int):
# seen as a run of 19 zeros. Digits inside strings count too (and blanks between them go); that only
# costs a fallback. Containers are counted as `{`; and a member name ends in `":` whatever blanks stood
# before its colon.
_SKETCH = bytes.maketrans(b"0123456789[", b"0000000000{")
_BLANKS = b" \t\r\n"
_LONG_DIGIT_RUN = b"0" * 19


def _agreed(node: object) -> bool:
    """Whether every keyword of this schema tree is one both engines read the same way."""
    if not isinstance(node, dict):
        return False  # a boolean schema: rare enough to leave to the strict path
    if not set(node) <= _AGREED_KEYWORDS:
        return False
    if "format" in node and node["format"] not in _AGREED_FORMATS:
        return False
    subschemas = [*node.get("properties", {}).values(), *node.get("$defs", {}).values()]
    return all(_agreed(member) for member in subschemas)


@contextmanager
def switched_off() -> Iterator[None]:
    """Within this block every body takes the strict path alone (what the differential test compares against)."""
    global _switched_off
    before, _switched_off = _switched_off, True
    try:
        yield
    finally:
        _switched_off = before


@cache
def _engine(kind: str) -> tuple[jsonschema_rs.Validator, tuple[tuple[str, ...], ...]] | None:
    """jsonschema-rs' validator for `kind` and the member paths holding a date or date-time, or None
    when the schema uses something the engines may read differently."""
    if kind not in KINDS:
        return None
    tree = resolved(kind)
    if not _agreed(tree):
        return None
    try:
        compiled = jsonschema_rs.Draft202012Validator(tree, validate_formats=True, ignore_unknown_formats=False)
    except Exception:  # any refusal of the fast engine leaves the strict path in charge
        return None
    dated = tuple(field.keys for field in documented_fields(kind) if field.node.get("format") in _AGREED_FORMATS)
    return compiled, dated


def _year_zero(document: object, dated: tuple[tuple[str, ...], ...]) -> bool:
    """Whether a date or date-time member starts with year 0000, which jsonschema-rs accepts and Python refuses."""
    for keys in dated:
        node = document
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            if isinstance(node, str) and node.startswith("0000"):
                return True
    return False


def _active_engine(kind: str) -> tuple[jsonschema_rs.Validator, tuple[tuple[str, ...], ...]] | None:
    return None if _switched_off else _engine(kind)


def confirms_valid(kind: str, document: object, *, text: bytes | None = None) -> bool:
    """True only when jsonschema-rs accepts the document and the project's extra rules hold; any doubt is False.
    `text`, the bytes the document was parsed from, spares the search for year 0000 when they cannot hold it."""
    engine = _active_engine(kind)
    return engine is not None and _accepted(engine, document, text)


def _accepted(engine: tuple[jsonschema_rs.Validator, tuple[tuple[str, ...], ...]], document: object, text: bytes | None) -> bool:
    compiled, dated = engine
    try:
        if not compiled.is_valid(document):
            return False
    except Exception:  # e.g. a lone surrogate jsonschema-rs cannot encode, a Python type it does not know
        return False
    # Year 0000 needs a quote and four zeros in a row in the text, unless escapes hide them.
    if text is not None and b'"0000' not in text and b"\\" not in text:
        return True
    return not _year_zero(document, dated)


def unconfirmed_members(kind: str, document: object) -> frozenset[str] | None:
    """The root members of a parsed document the fast path cannot confirm valid (a document it did not
    confirm whole), or None when it cannot tell which: the strict path then judges every member."""
    engine = _active_engine(kind)
    if engine is None or type(document) is not dict:
        return None
    compiled, dated = engine
    try:
        named = {error.instance_path[0] for error in compiled.iter_errors(document) if error.instance_path}
    except Exception:  # as in confirms_valid
        return None
    # A root error (a required member missing) stays with the strict path's root keywords; year 0000 is
    # refused there but not by the fast engine, so such a member is never confirmed.
    named |= {keys[0] for keys in dated if _year_zero(document, (keys,))}
    return frozenset(name for name in named if isinstance(name, str))


def parsed(raw: bytes | str) -> object:
    """The document the strict parser would return, parsed by orjson, or UNCONFIRMED when orjson's
    reading might differ from it (duplicates, long integers, deep or many containers), when it fails
    (the strict parser then says why), or when the fast path is switched off."""
    if _switched_off:
        return UNCONFIRMED
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate in the text itself
            return UNCONFIRMED
    sketch = raw.translate(_SKETCH, _BLANKS)
    containers = sketch.count(b"{")
    if containers > _MAX_CONTAINERS or _LONG_DIGIT_RUN in sketch:
        return UNCONFIRMED
    try:
        document = orjson.loads(raw)
    except Exception:  # not JSON to orjson (NaN, 1e400, lone surrogates, ...): the strict path says why
        return UNCONFIRMED
    # Duplicate member names, which orjson drops silently (it keeps the last), show as a shortfall of members.
    if containers == 1 and type(document) is dict:
        # One object and no other container: it is the document. Every member name written ends in `":` in the
        # sketch; any other `":` stands inside a string (after a string value only `,` `}` `]` may follow). So
        # the count is at least the names written, and equal to the members kept only when none was dropped.
        if sketch.count(b'":') == len(document):
            return document
        if b'\\"' not in raw:
            return UNCONFIRMED  # every `"` delimits a string: the count is exact, and a name was dropped
    if b"\\u003" in raw and (b"\\u003a" in raw or b"\\u003A" in raw):
        return UNCONFIRMED  # `:` escaped inside a string would upset the member count below
    # Outside strings a `:` only ever ends a member name, so the text has one per member plus those inside
    # strings. orjson writes one per member it kept plus the same ones inside strings (no escaped colons,
    # checked above), so any member dropped as a duplicate shows as a shortfall.
    if orjson.dumps(document).count(b":") != raw.count(b":"):
        return UNCONFIRMED
    return document


def confirmed(kind: str, raw: bytes | str) -> object:
    """The parsed document when the fast path confirms it is a valid `kind` body, else UNCONFIRMED."""
    engine = _active_engine(kind)
    if engine is None:
        return UNCONFIRMED
    document = parsed(raw)
    if document is UNCONFIRMED or not _accepted(engine, document, raw if isinstance(raw, bytes) else None):
        return UNCONFIRMED
    return document
