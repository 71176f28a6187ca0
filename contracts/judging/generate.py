"""Hypothesis strategies read off the schema files: valid payloads, and valid payloads with one
targeted corruption whose violation must name a known JSON path. `corruption_targets(kind)` names
every way to break a payload (`$.costCap: number spelt as a string`, ...); `corruptions(kind, name)`
generates one of them.

Our own small strategies rather than hypothesis-jsonschema (which breaks on hypothesis >= 6.170.10),
so hypothesis stays unpinned. They understand `type` (one, or a list of them: `["null", "string"]`),
`enum`, `format` (date, date-time), `properties`, `required`, `items` and `$ref`; any other validation
keyword raises `UnsupportedSchema` when a strategy is built, so a schema change can never silently
generate what the schema no longer says. An array's items are corrupted one by one like members, at
its first item (`$.tags[0]`), wherever a payload has one.
"""

from __future__ import annotations

import calendar
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from hypothesis import reject
from hypothesis import strategies as st

from contracts.core.violations import json_path
from contracts.judging.schemas import resolved

_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "examples"})
_UNDERSTOOD = frozenset({"type", "enum", "format", "properties", "required", "items"})
_DROP = object()  # the mutation that removes a member
_ONLY_FOR = {"format": "string", "properties": "object", "required": "object", "items": "array"}  # keywords that apply to one type


class UnsupportedSchema(ValueError):
    """The schema uses a keyword these strategies cannot honour."""


@dataclass(frozen=True)
class Corruption:
    """A payload broken in one place: `document` (JSON text, possibly with NaN), the `path` its
    violation must name, and what was done (`mutation`), for a readable counter-example."""

    document: str
    path: str
    mutation: str


# -- reading the schema -------------------------------------------------------------------------


def _understood(node: dict) -> dict:
    """The node itself, once sure the strategies honour every keyword in it."""
    unknown = set(node) - _ANNOTATIONS - _UNDERSTOOD
    if unknown:
        raise UnsupportedSchema(f"cannot generate for keyword(s) {', '.join(sorted(unknown))}")
    return node


def _declared(node: dict) -> list[str]:
    """The JSON types a node allows, as written (`"string"` or `["null", "string"]`)."""
    kind = node.get("type")
    return list(kind) if isinstance(kind, list) else [kind] if isinstance(kind, str) else []


def _of_one_type(node: dict, kind: str) -> dict:
    """The node for one of its types: the keywords that apply to another type dropped (a format applies to strings)."""
    return {key: value for key, value in node.items() if _ONLY_FOR.get(key, kind) == kind} | {"type": kind}


@dataclass(frozen=True, eq=False)  # identity: a schema node is a dict, not hashable
class _Member:
    """A documented place in a payload: a member (the names leading to it), or an array's first item (index 0)."""

    keys: tuple[str | int, ...]
    node: dict
    required: bool

    @property
    def path(self) -> str:
        return json_path(self.keys)


def _members(tree: dict) -> Iterator[_Member]:
    """Every documented member, nested ones and array items included, depth first in schema order."""
    required = set(tree.get("required", ()))
    for name, member in tree.get("properties", {}).items():
        yield _Member((name,), member, name in required)
        yield from (_Member((name, *inner.keys), inner.node, inner.required) for inner in _members(member))
    if isinstance(tree.get("items"), dict):
        yield _Member((0,), tree["items"], False)
        yield from (_Member((0, *inner.keys), inner.node, inner.required) for inner in _members(tree["items"]))


# -- valid values -------------------------------------------------------------------------------

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(st.integers(), finite_floats)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
# Years drawn from lists rather than filtered: a filter throws away three draws in four (or one in four).
LEAP_YEARS = tuple(year for year in range(1, 10000) if calendar.isleap(year))
COMMON_YEARS = tuple(year for year in range(1, 10000) if not calendar.isleap(year))
leap_days = st.sampled_from(LEAP_YEARS).map(lambda year: date(year, 2, 29))
calendar_days = st.one_of(st.dates(), leap_days)


def _offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


offsets = st.one_of(st.sampled_from(["Z", "z", "+00:00", "-00:00"]), st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(_offset))
fractions = st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=9).map(lambda digits: "." + digits))


@st.composite
def timestamps(draw) -> str:
    """RFC 3339 date-times: any real day, `T` or `t`, 0-9 fraction digits, `Z`/`z`/offsets."""
    day, separator = draw(calendar_days), draw(st.sampled_from("Tt"))
    clock = f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}:{draw(st.integers(0, 59)):02d}"
    return f"{day.isoformat()}{separator}{clock}{draw(fractions)}{draw(offsets)}"


@st.composite
def leap_second_timestamps(draw) -> str:
    """23:59:60 UTC (RFC 3339 allows a leap second there), written in any offset."""
    shift = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    local = (23 * 60 + 59 + shift) % (24 * 60)
    day = draw(calendar_days)
    return f"{day.isoformat()}T{local // 60:02d}:{local % 60:02d}:60{draw(fractions)}{_offset(shift)}"


_VALID_FORMATS = {
    "date": calendar_days.map(date.isoformat),
    "date-time": st.one_of(timestamps(), leap_second_timestamps()),
}
_VALID_TYPES = {"string": st.text(), "number": numbers, "integer": st.integers(), "boolean": st.booleans(), "null": st.none()}


def _valid(node: dict) -> st.SearchStrategy:
    node = _understood(node)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if isinstance(kind, list):
        if not kind:
            raise UnsupportedSchema("no strategy for an empty list of types")
        return st.one_of([_valid(_of_one_type(node, one)) for one in kind])
    if kind == "object":
        return _valid_objects(node)
    if kind == "array":
        return st.lists(_valid(node["items"]) if isinstance(node.get("items"), dict) else json_values, max_size=3)
    if "format" in node:
        if node["format"] not in _VALID_FORMATS:
            raise UnsupportedSchema(f"no strategy for format {node['format']!r}")
        return _VALID_FORMATS[node["format"]]
    if kind not in _VALID_TYPES:
        raise UnsupportedSchema(f"no strategy for type {kind!r}")
    return _VALID_TYPES[kind]


def _valid_objects(node: dict) -> st.SearchStrategy:
    """Required members always, each optional member present or not, plus undocumented extras
    (the reference allows them: the live service sends more than it lists)."""
    properties = node.get("properties", {})
    required = node.get("required", [])
    documented = st.fixed_dictionaries(
        {name: _valid(properties[name]) if name in properties else json_values for name in required},
        optional={name: _valid(member) for name, member in properties.items() if name not in required},
    )
    extras = st.dictionaries(st.text().filter(lambda name: name not in properties), json_values, max_size=2)
    return st.builds(lambda extra, known: {**extra, **known}, extras, documented)


def valid_payloads(kind: str) -> st.SearchStrategy[dict]:
    """Payloads the schema for `kind` accepts, built from the schema file."""
    return _valid(resolved(kind))


# -- one targeted corruption --------------------------------------------------------------------

# Values of each JSON type, to put where another type belongs.
_OF_TYPE = {
    "null": st.none(),
    "boolean": st.booleans(),
    "integer": st.integers(),
    "number": finite_floats.filter(lambda x: not x.is_integer()),  # 1.0 is an integer to JSON Schema
    "string": st.text(),
    "array": st.lists(json_values, max_size=3),
    "object": st.dictionaries(st.text(), json_values, max_size=3),
}
_ALSO_FITS = {"number": {"number", "integer"}}  # an integer is a number


def _wrong_types(node: dict) -> list[tuple[str, st.SearchStrategy]]:
    """Each mistaken JSON type on its own (booleans for numbers, null, ...), and numbers spelt as strings."""
    declared = _declared(node)
    allowed = {fits for kind in declared for fits in _ALSO_FITS.get(kind, {kind})}
    ways = [(f"wrong JSON type {name}", values) for name, values in _OF_TYPE.items() if name not in allowed]
    if allowed & {"number", "integer"} and "string" not in allowed:
        ways.append(("number spelt as a string", numbers.map(json.dumps)))
    if "boolean" in allowed and "string" not in allowed:
        ways.append(("boolean spelt as a string", st.sampled_from(["true", "false", "True", "yes"])))
    return ways


def _outside_enum(members: list) -> st.SearchStrategy:
    """Case changes and padding of each member, and any other text."""
    near = sorted(
        {variant for m in members if isinstance(m, str) for variant in (m.upper(), m.capitalize(), m.swapcase(), f" {m}", f"{m} ")}
        - {m for m in members if isinstance(m, str)}
    )
    others = st.text().filter(lambda text: text not in members)
    return st.one_of(st.sampled_from(near), others) if near else others


# Decimal digits other than ASCII that `\d` would take without re.ASCII (fullwidth, Arabic-Indic).
_FOREIGN_DIGITS = (str.maketrans("0123456789", "０１２３４５６７８９"), str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@st.composite
def impossible_dates(draw) -> str:
    """YYYY-MM-DD spelt right, but no such day: Feb 29 of a common year, day past the month's end,
    month 00 or 13+, day 00."""
    year = draw(st.integers(1, 9999))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    common_year = draw(st.sampled_from(COMMON_YEARS))
    return draw(
        st.sampled_from(
            [
                f"{common_year:04d}-02-29",
                f"{year:04d}-{month:02d}-{draw(st.integers(last + 1, 99)):02d}",
                f"{year:04d}-{draw(st.sampled_from([0, *range(13, 100)])):02d}-01",
                f"{year:04d}-{month:02d}-00",
            ]
        )
    )


def _spellings(day: date) -> list[str]:
    """A real day, written any way but YYYY-MM-DD."""
    iso = day.isoformat()
    week_year, week, weekday = day.isocalendar()
    spelt = {
        f"{day.year:04d}/{day.month:02d}/{day.day:02d}",
        f"{day.day:02d}-{day.month:02d}-{day.year:04d}",
        f"{day.month:02d}/{day.day:02d}/{day.year:04d}",
        f"{day.day:02d}.{day.month:02d}.{day.year:04d}",
        f"{day.year:04d}{day.month:02d}{day.day:02d}",
        f"{day.year}-{day.month}-{day.day}",
        f"{week_year:04d}-W{week:02d}-{weekday}",
        f"{day.year:04d}-{day.timetuple().tm_yday:03d}",
        f"{day.day} {calendar.month_abbr[day.month]} {day.year:04d}",
        f"{iso}T00:00:00Z",
        f" {iso}",
        f"{iso}\n",
        *(iso.translate(table) for table in _FOREIGN_DIGITS),
    }
    return sorted(spelt - {iso})


non_iso_dates = st.dates().flatmap(lambda day: st.sampled_from(_spellings(day)))


@st.composite
def malformed_timestamps(draw) -> str:
    """Not RFC 3339: no offset, a space or nothing for `T`, hour 24, minute 60, offset without colon
    or beyond 23:59, a date alone, an impossible day, a final newline."""
    good = draw(timestamps())
    day, clock = good[:10], "12:30:45"
    return draw(
        st.sampled_from(
            [
                f"{day}T{clock}",
                f"{day} {clock}Z",
                f"{day}{clock}Z",
                f"{day}T24:00:00Z",
                f"{day}T12:60:00Z",
                f"{day}T{clock}+0100",
                f"{day}T{clock}+24:00",
                day,
                f"{draw(impossible_dates())}T{clock}Z",
                f"{draw(non_iso_dates)}T{clock}Z",
                good + "\n",
                f" {good}",
            ]
        )
    )


_MALFORMED_FORMATS = {"date": st.one_of(impossible_dates(), non_iso_dates), "date-time": malformed_timestamps()}
_NON_STANDARD_TOKENS = st.sampled_from([math.nan, math.inf, -math.inf])  # json.dumps writes NaN, Infinity, -Infinity


def _mutations(field: _Member) -> list[tuple[str, st.SearchStrategy]]:
    """Every way to break this one member: a label, and the values that break it so."""
    node = _understood(field.node)
    ways: list[tuple[str, st.SearchStrategy]] = [("non-standard JSON token", _NON_STANDARD_TOKENS)]
    if "type" in node:
        ways.extend(_wrong_types(node))
    if field.required:
        ways.append(("required field dropped", st.just(_DROP)))
    if "enum" in node:
        ways.append(("value outside the enum", _outside_enum(node["enum"])))
    if node.get("format") in _MALFORMED_FORMATS:
        ways.append((f"malformed {node['format']}", _MALFORMED_FORMATS[node["format"]]))
    return ways


def _with(payload: dict | list, keys: tuple[str | int, ...], value: object) -> dict | list:
    """A copy of `payload` with the member (or item) at `keys` replaced (or dropped); parents are copied, not shared."""
    head, *rest = keys
    copy: dict | list = dict(payload) if isinstance(payload, dict) else list(payload)
    if rest:
        copy[head] = _with(payload[head], tuple(rest), value)  # type: ignore[index, call-overload]
    elif value is _DROP:
        del copy[head]  # type: ignore[arg-type]
    else:
        copy[head] = value  # type: ignore[index]
    return copy


def _present(payload: dict, keys: tuple[str | int, ...]) -> bool:
    """Whether the member's parent object (or the item, in its array) is in the payload: something to corrupt."""
    node: object = payload
    for key in keys[:-1]:
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                return False
        elif not isinstance(node, dict) or key not in node:
            return False
        node = node[key]  # type: ignore[index]
    return isinstance(node, list) and keys[-1] < len(node) if isinstance(keys[-1], int) else isinstance(node, dict)


def _render(document: object) -> str:
    return json.dumps(document, ensure_ascii=False)  # allow_nan: writes the non-standard tokens


@dataclass(frozen=True, eq=False)
class CorruptionTarget:
    """One way to break a valid payload, named like `$.costCap: number spelt as a string`."""

    name: str
    keys: tuple[str | int, ...]  # the member (or array item) broken; () for the whole document
    corrupt: Callable[[dict], st.SearchStrategy[Corruption]]

    def applies_to(self, payload: dict) -> bool:
        return not self.keys or _present(payload, self.keys)


def _member_target(field: _Member, mutation: str, values: st.SearchStrategy) -> CorruptionTarget:
    name = f"{field.path}: {mutation}"

    def corrupt(payload: dict) -> st.SearchStrategy[Corruption]:
        return values.map(lambda value: Corruption(_render(_with(payload, field.keys, value)), field.path, name))

    return CorruptionTarget(name, field.keys, corrupt)


def _wrong_top_level_type(payload: dict) -> st.SearchStrategy[Corruption]:
    return st.one_of(
        st.just([payload]),
        st.just(_render(payload)),  # an array around it; JSON inside a JSON string
        _OF_TYPE["array"],
        _OF_TYPE["string"],
        numbers,
        st.booleans(),
        st.none(),
    ).map(lambda value: Corruption(_render(value), "$", "$: top-level JSON type is not an object"))


def _cut_short(payload: dict) -> st.SearchStrategy[Corruption]:
    text = _render(payload)
    return st.integers(1, len(text) - 1).map(lambda cut: Corruption(text[:cut], "$", "$: document cut short"))


def corruption_targets(kind: str) -> dict[str, CorruptionTarget]:
    """Every way to break a payload of `kind`, by name: for each member (and array item), each class of
    mistake (dropped if required, each wrong JSON type, NaN/Infinity, outside its enum, malformed format);
    and the whole document of the wrong type or cut short."""
    targets = [_member_target(field, mutation, values) for field in _members(resolved(kind)) for mutation, values in _mutations(field)]
    targets += [
        CorruptionTarget("$: top-level JSON type is not an object", (), _wrong_top_level_type),
        CorruptionTarget("$: document cut short", (), _cut_short),
    ]
    return {target.name: target for target in targets}


@st.composite
def _one_corruption(draw, payloads: st.SearchStrategy, targets: list[CorruptionTarget]) -> Corruption:
    payload = draw(payloads)
    possible = [target for target in targets if target.applies_to(payload)]
    if not possible:
        reject()  # the member's parent is optional and absent from this payload
    return draw(draw(st.sampled_from(possible)).corrupt(payload))


def corruptions(kind: str, target: str | None = None) -> st.SearchStrategy[Corruption]:
    """Valid payloads broken in exactly one place: any of `corruption_targets(kind)`, or the one named.
    (Hypothesis prefers early choices, so to try every target, parametrize over the names.)"""
    targets = corruption_targets(kind)
    if target is not None and target not in targets:
        raise ValueError(f"no corruption target {target!r} for {kind}; see corruption_targets({kind!r})")
    chosen = [targets[target]] if target is not None else list(targets.values())
    return _one_corruption(valid_payloads(kind), chosen)
