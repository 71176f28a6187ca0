"""The body-level mutation catalogue of a schema, and the proof a proposed schema owes before it replaces one.

A proposed reference change is learned from what a service sent, so it is only as good as two promises:
it accepts every body it learned from (a schema that refuses what the service sends makes the gate red for
nothing), and it still refuses every way a body can break the current contract (a schema that learned to
accept a broken body would wave through the very faults the gate exists for). `prove` checks both.

`variants(tree)` lists the contract-breaking variants of a body for a resolved schema tree, the way
tests/faults.py's `field_faults` does for the gate: for every documented member, nested ones and array items
too, the member missing when required, each wrong JSON type (the most confusable first: a number spelt as
a string, a boolean where a number belongs, null), a value outside its enum, a malformed value for its format.
Each `Variant` applies itself to a body; its `label` (`missing`, `as-string`, ...) is the part of a fault's
name tests/faults.py uses, so the catalogue can be generated from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from jsonschema import Draft202012Validator

from contracts.core.violations import child_path, json_path
from contracts.judging import schemas
from contracts.judging.validation import json_type

MISSING: Final = object()  # the value a `missing` variant puts in place of a member: none

# Wrong values for each declared JSON type, the most confusable first; those before the bar are the ones
# tests/faults.py has always served (`WRONG_VALUES`), the rest complete every other JSON type.
_WRONG: dict[str, tuple[tuple[object, ...], tuple[object, ...]]] = {
    "string": ((42, None), (True, {}, [])),
    "number": (("100000", True, None), ({}, [])),
    "integer": ((1.5, "42", None), (True, {}, [])),
    "boolean": (("false", 0, None), ({}, [])),
    "object": (("The upstream provider failed.", None), ([], 0, True)),
    "array": (({}, None), ("[]", 0, True)),
    "null": (("null",), (0, False, {}, [])),
}
WRONG_TYPES = ("first", "confusable", "every")  # how many wrong values per member: faults' `every_wrong_type` is "confusable"

# Values each format checker refuses, named as tests/faults.py names them.
_MALFORMED: dict[str, tuple[tuple[str, str], ...]] = {
    "date": (
        ("impossible-day", "2026-02-29"),
        ("slashes", "2026/12/01"),
        ("with-time", "2026-12-01T00:00:00Z"),
        ("trailing-newline", "2026-12-01\n"),
    ),
    "date-time": (
        ("impossible-day", "2024-02-30T09:26:53Z"),
        ("no-offset", "2024-03-14T09:26:53"),
        ("epoch-seconds", "1710408413"),
        ("trailing-newline", "2026-11-20T16:05:12Z\n"),
        ("leap-second-not-at-midnight-utc", "2016-12-31T22:59:60Z"),
    ),
    "uuid": (("no-dashes", "123e4567e89b12d3a456426614174000"), ("one-digit-short", "123e4567-e89b-12d3-a456-42661417400")),
    "email": (("no-at-sign", "billing.example.com"),),
    "uri": (("spaces", "not a uri"),),
}

# A conforming value of each format, to build a body the schema accepts.
_WELL_FORMED = {
    "date": "2026-01-31",
    "date-time": "2026-01-31T09:30:00Z",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "email": "billing@example.com",
    "uri": "https://example.com/",
}
_EXAMPLE_OF_TYPE: dict[str, object] = {"string": "text", "integer": 1, "number": 1.5, "boolean": True, "null": None}

_SHOWN_REFUSALS = 5
_SHOWN_SURVIVORS = 20
_BASES_PER_KIND = 3  # learned bodies each variant is also applied to, besides a body built from the schema


@dataclass(frozen=True)
class Variant:
    """A body broken in one place: the member at `keys` (names, and array indices) missing or given `value`."""

    keys: tuple[str | int, ...]
    label: str  # `missing`, `as-string`, `outside-enum`, `malformed-date-time-no-offset`, ...
    value: object = MISSING

    @property
    def path(self) -> str:
        return json_path(self.keys)

    @property
    def name(self) -> str:
        return f"{self.path}: {self.label}"

    def applies_to(self, document: object) -> bool:
        """Whether the body has the place to break: the member's parent (and, to drop it, the member)."""
        if not self.keys:
            return True
        parent = _at(document, self.keys[:-1])
        key = self.keys[-1]
        if isinstance(key, int):
            return isinstance(parent, list) and key < len(parent)
        return isinstance(parent, dict) and (self.value is not MISSING or key in parent)

    def apply(self, document: object) -> object:
        """A copy of `document` broken so (only the containers on the way are copied)."""
        if not self.keys:
            return self.value
        return _replaced(document, self.keys, self.value)


def _at(document: object, keys: tuple[str | int, ...]) -> object:
    node = document
    for key in keys:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else MISSING
        else:
            node = node.get(key, MISSING) if isinstance(node, dict) else MISSING
    return node


def _replaced(node: object, keys: tuple[str | int, ...], value: object) -> object:
    head, rest = keys[0], keys[1:]
    copy: dict | list = dict(node) if isinstance(node, dict) else list(node)  # type: ignore[call-overload]
    if rest:
        copy[head] = _replaced(copy[head], rest, value)  # type: ignore[index]
    elif value is MISSING:
        del copy[head]  # type: ignore[arg-type]
    else:
        copy[head] = value  # type: ignore[index]
    return copy


# -- the catalogue ----------------------------------------------------------------------------------


def variants(tree: dict, *, wrong_types: str = "every") -> list[Variant]:
    """Every contract-breaking variant of a body for the resolved schema `tree`, member by member in schema order
    (the body itself first, then each member and what lies inside it). `wrong_types`: "first" (one wrong value
    per member), "confusable" (those tests/faults.py serves) or "every" (one of each other JSON type)."""
    if wrong_types not in WRONG_TYPES:
        raise ValueError(f"wrong_types must be one of {', '.join(WRONG_TYPES)}, not {wrong_types!r}")
    return list(_node_variants(tree, (), required=False, wrong_types=wrong_types))


def _node_variants(node: object, keys: tuple[str | int, ...], *, required: bool, wrong_types: str) -> Iterator[Variant]:
    if not isinstance(node, dict):
        return
    if required:
        yield Variant(keys, "missing")
    yield from (Variant(keys, f"as-{json_type(value)}", value) for value in _wrong_values(node, wrong_types))
    yield from _enum_variants(node, keys)
    yield from (Variant(keys, f"malformed-{node['format']}-{label}", value) for label, value in _MALFORMED.get(node.get("format", ""), ()))
    required_names = set(node.get("required", ()))
    for name, member in node.get("properties", {}).items():
        yield from _node_variants(member, (*keys, name), required=name in required_names, wrong_types=wrong_types)
    if "items" in node:
        yield from _node_variants(node["items"], (*keys, 0), required=False, wrong_types=wrong_types)


def _declared(node: dict) -> list[str]:
    declared = node.get("type")
    return [declared] if isinstance(declared, str) else list(declared) if isinstance(declared, list) else []


def _wrong_values(node: dict, wrong_types: str) -> list[object]:
    """Values of a JSON type the node does not allow, one per type (`as-<type>` names them once)."""
    declared = _declared(node)
    validator = Draft202012Validator({"type": declared})
    chosen: dict[str, object] = {}
    for name in declared:
        confusable, others = _WRONG.get(name, ((), ()))
        candidates = confusable[:1] if wrong_types == "first" else confusable if wrong_types == "confusable" else (*confusable, *others)
        for value in candidates:
            if not validator.is_valid(value):
                chosen.setdefault(json_type(value), value)
    return list(chosen.values())


def _enum_variants(node: dict, keys: tuple[str | int, ...]) -> Iterator[Variant]:
    members = node.get("enum")
    if not isinstance(members, list) or not members:
        return
    texts = [member for member in members if isinstance(member, str)]
    if texts:
        outside = next(
            candidate
            for candidate in (f"{texts[0]}-unlisted", *(f"unlisted-{n}" for n in range(len(members) + 1)))
            if candidate not in members
        )
        yield Variant(keys, "outside-enum", outside)
        cased = [variant for text in texts for variant in (text.capitalize(), text.upper()) if variant not in members]
        if cased:
            yield Variant(keys, "outside-enum-wrong-case", cased[0])
    numbers = [member for member in members if isinstance(member, (int, float)) and not isinstance(member, bool)]
    if numbers:
        yield Variant(keys, "outside-enum", max(numbers) + 1)


# -- a body the schema accepts ----------------------------------------------------------------------


def example(tree: dict) -> object:
    """A body `tree` accepts with every member it documents present: the place each variant breaks."""
    if "const" in tree:
        return tree["const"]
    if isinstance(tree.get("enum"), list) and tree["enum"]:
        return tree["enum"][0]
    declared = [name for name in _declared(tree) if name != "null"] or _declared(tree) or ["object" if "properties" in tree else "string"]
    kind = declared[0]
    if kind == "object":
        return {name: example(member) if isinstance(member, dict) else None for name, member in tree.get("properties", {}).items()}
    if kind == "array":
        return [example(tree["items"])] if isinstance(tree.get("items"), dict) else []
    if kind == "string":
        return _WELL_FORMED.get(tree.get("format", ""), "text")
    return _EXAMPLE_OF_TYPE.get(kind)


def undocumented(tree: dict, document: object) -> list[str]:
    """JSON paths of members `tree` does not list, by `validation.undocumented_fields`' rule (objects the schema
    documents, as deep as its `properties` go, not into arrays), for a schema that is not installed."""
    found: list[str] = []

    def walk(node: object, path: str, value: object) -> None:
        listed = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(listed, dict) or not isinstance(value, dict):
            return
        for name, member in value.items():
            if name not in listed:
                found.append(child_path(path, name))
            elif isinstance(member, dict):
                walk(listed[name], child_path(path, name), member)

    walk(tree, "$", document)
    return found


# -- the proof --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    """What checking a proposal found: learned bodies it accepts, and catalogue variants it still refuses."""

    bodies: int = 0  # learned bodies the current reference accepts: each must stay accepted
    accepted: int = 0
    ignored: int = 0  # learned bodies the current reference already refuses: not the proposal's to accept
    still_drifting: int = 0  # accepted bodies with members the proposal still does not document
    variants: int = 0  # contract-breaking variants of the current reference tried
    killed: int = 0
    refusals: tuple[str, ...] = ()  # a few learned bodies refused, each by path and rule
    survivors: tuple[str, ...] = ()  # a few variants the proposal lets pass
    kinds: tuple[str, ...] = ()

    @property
    def holds(self) -> bool:
        return self.accepted == self.bodies and self.killed == self.variants and self.variants > 0

    def sentence(self) -> str:
        """One line for a pull request, e.g. `accepts all 412 learned bodies; still refuses all 61 contract-breaking variants`."""
        if self.bodies:
            learned = (
                f"accepts all {self.bodies} learned bodies"
                if self.accepted == self.bodies
                else f"refuses {self.bodies - self.accepted} of {self.bodies} learned bodies"
            )
        else:
            learned = "had no learned body to replay (evidence keeps none; a capture does)"
        if self.ignored:
            learned += f" ({self.ignored} more already break the current reference)"
        if self.still_drifting:
            learned += f"; {self.still_drifting} still carry undocumented members"
        caught = (
            f"still refuses all {self.variants} contract-breaking variants of the current reference"
            if self.killed == self.variants
            else f"lets {self.variants - self.killed} of {self.variants} contract-breaking variants of the current reference pass"
        )
        return f"{learned}; {caught}"


def _identity(text: str) -> str:
    return text


def prove(
    proposed: Mapping[str, dict],
    learned: Iterable[tuple[str, object]] = (),
    *,
    reference: Mapping[str, dict] | None = None,
    clean: Callable[[str], str] = _identity,
) -> Proof:
    """Check proposed schemas (kind -> resolved tree) against the bodies learned from ((kind, document) pairs,
    streamed: each is judged and let go) and against every variant of the current reference (kind -> resolved
    tree, by default the installed schemas) that the reference refuses: the proposal must refuse it too.
    `clean` masks target text (member names) in what the proof quotes."""
    reference = {kind: schemas.resolved(kind) for kind in proposed} if reference is None else reference
    judges = {kind: (_validator(reference[kind]), _validator(tree)) for kind, tree in proposed.items()}
    bases: dict[str, list[object]] = {kind: [] for kind in proposed}
    tally = {"bodies": 0, "accepted": 0, "ignored": 0, "still_drifting": 0}
    refusals: list[str] = []
    for number, (kind, document) in enumerate(learned, start=1):
        if kind not in judges:
            continue
        current, new = judges[kind]
        if not current.is_valid(document):
            tally["ignored"] += 1
            continue
        tally["bodies"] += 1
        if not new.is_valid(document):
            if len(refusals) < _SHOWN_REFUSALS:
                refusals.append(f"{kind} body {number}: {_first_error(new, document, clean)}")
            continue
        tally["accepted"] += 1
        tally["still_drifting"] += bool(undocumented(proposed[kind], document))
        if len(bases[kind]) < _BASES_PER_KIND:
            bases[kind].append(document)
    tried, killed, survivors = 0, 0, list[str]()
    for kind, (current, new) in judges.items():
        built = example(proposed[kind])
        kind_bases = ([built] if current.is_valid(built) and new.is_valid(built) else []) + bases[kind]
        for variant in variants(reference[kind]):
            broken = [variant.apply(base) for base in kind_bases if variant.applies_to(base)]
            breaking = [body for body in broken if not current.is_valid(body)]
            if not breaking:
                continue  # not a fault on any body at hand
            tried += 1
            if all(not new.is_valid(body) for body in breaking):
                killed += 1
            elif len(survivors) < _SHOWN_SURVIVORS:
                survivors.append(f"{kind} {clean(variant.name)}")
    return Proof(**tally, variants=tried, killed=killed, refusals=tuple(refusals), survivors=tuple(survivors), kinds=tuple(proposed))


def _validator(tree: dict) -> Draft202012Validator:
    return Draft202012Validator(tree, format_checker=schemas.format_checker())


def _first_error(validator: Draft202012Validator, document: object, clean: Callable[[str], str]) -> str:
    """Where and which rule, never the value (a learned body may carry anything)."""
    error = min(validator.iter_errors(document), key=lambda e: len(e.absolute_path))
    rule = repr(error.validator_value)
    return clean(f"{error.json_path}: {error.validator} {rule if len(rule) <= 60 else rule[:59] + '…'}")
