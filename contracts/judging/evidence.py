"""What the service sends beyond the reference, kept as evidence a reviewer can turn into a schema change.

The gate, replay and the Locust run each see undocumented members (drift) in body after body; a list of their
paths says nothing about their types, formats or whether every body carries them. `Evidence` keeps, for each
path of an undocumented member and of everything inside it (`$.billing.plan`, `$.tags[*]`): how many judged
bodies (or parent objects, or array items) carried it out of how many, the JSON types seen (integer apart from
number, as JSON Schema counts them), the formats its strings matched, its distinct values while there are few
(an enum candidate), the range of its numbers, its longest string, and a few samples.

Every way in hands each judged answer to `answer`: a body without drift that the schema accepts is only counted
(the denominator of "seen in 412 of 412 bodies"); only a body with drift, or one the schema refuses, is parsed
and walked. A body seen before whole, or a value seen before at the same place (a scalar, or a small object or
array with the same content), is only counted again: it already shows in the values, range and samples. A target
chooses what it sends, so everything kept is bounded (`evidence_form`) and passed through
the redactor first: a member's name or value is target text. A member whose name looks like a credential
(`apiToken`), or any of whose values does (`looks_like`), or that the redactor changed, keeps no values and no
samples at all (`withholding` asks the redactor in batches); a member whose name the redactor changed is kept
under the masked name and never proposed.

`as_dict()`/`from_dict()` are its form in summary.json; `merge()` adds up the evidence of workers, chunks or runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import msgspec

from contracts.core.contract import CONTRACT
from contracts.core.violations import child_path, json_path
from contracts.judging import schemas
from contracts.judging.evidence_form import (
    ITEM,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_PATHS,
    KindEvidence,
    PathEvidence,
    add_kind,
    as_data,
    from_data,
)
from contracts.judging.evidence_values import MEMO, MEMO_LENGTH, ValueReader
from contracts.judging.looks_like import json_type
from contracts.judging.validation import NotJSON, parse_json, undocumented_fields

_SMALL = 32  # members (or items) of an object (or array) remembered by its content
_BODY = 16 * 1024  # bytes of a body remembered whole: under load one account's organization comes back again and again
_BODIES = 256
_BODY_WINDOW = 1024  # bodies looked up between two looks at how often one comes back
_BODY_REST = 64 * _BODY_WINDOW  # bodies walked without looking them up when fewer than one in eight came back
Touched = tuple[PathEvidence, str, str, frozenset[str]]  # an entry counted, its path as kept, the JSON type, the formats matched
# What walking a value touched, members dropped, and the paths it was kept among: shedding paths makes a new dict
# of them (an entry once kept stays the same object otherwise), so the trace holds while that dict is the record's.
Trace = tuple[tuple[Touched, ...], int, dict[str, PathEvidence]]


class Evidence:
    """Bounded, mergeable evidence of undocumented members, per kind of body."""

    def __init__(self) -> None:
        self.runs = 1
        self._kinds: dict[str, KindEvidence] = {}
        self._forget()

    def _forget(self) -> None:
        """The memos: what names and values read as, and what a kind of body documents; never serialized."""
        self._reflected: dict[tuple, Touched] = {}  # (kind, path as sent, type, value) of a scalar seen before
        self._traced: dict[tuple, Trace] = {}  # (kind, path as sent, JSON text) of a member's object or array
        self._trace: list[Touched] | None = None  # what walking the member (or body) at hand touches
        self._bodies: dict[tuple, tuple[Trace, tuple[str, ...]]] = {}  # (kind, body) seen before, and the documented objects it has
        self._objects_seen: list[str] | None = None  # ...those of the body at hand
        self._body_lookups = self._body_hits = self._body_resting = 0  # traffic where no body repeats pays nothing
        self._values = ValueReader()  # names and values read, and the texts kept, asked of the redactor in batches
        self._documented: dict[str, tuple[tuple[tuple[str, ...], str, frozenset[str]], ...]] = {}
        self._carried: dict[str, tuple[str, ...] | None] = {}  # kind -> documented objects every valid body carries

    @property
    def kinds(self) -> dict[str, KindEvidence]:
        """The evidence per kind of body, every kept text asked of the redactor first."""
        self._values.withholding.settle()
        return self._kinds

    def __getstate__(self) -> dict:
        """Only the evidence travels (replay's worker processes): the memos hold lambdas and are rebuilt."""
        return {"runs": self.runs, "kinds": self.kinds}

    def __setstate__(self, state: dict) -> None:
        self.runs, self._kinds = state["runs"], state["kinds"]
        self._forget()

    def __eq__(self, other: object) -> bool:
        """The same evidence, however it was gathered (replay's quick reading and its full one must agree)."""
        return isinstance(other, Evidence) and (self.runs, self.kinds) == (other.runs, other.kinds)

    __hash__ = None  # type: ignore[assignment]  # mutable

    # -- observing --------------------------------------------------------------------------------

    def answer(self, status: int, body: bytes, drift: Sequence[str], *, valid: bool, clean: Callable[[str], str]) -> None:
        """One judged answer whose body was read whole, with its drift (`Verdict.drift`) and whether it broke no
        rule. A body of the kind its status documents is counted; it is parsed only when it drifts or broke a rule
        (then whether it is an object, and which documented objects it carries, is not known without reading it)."""
        contract = CONTRACT.get(status)
        kind = contract.body if contract is not None else None
        if kind is None:
            return
        if valid and not drift:
            carried = self._carried[kind] if kind in self._carried else self._carried_objects(kind)
            if carried is not None:
                record = self._kinds.get(kind) or self._kinds.setdefault(kind, KindEvidence(runs=1))
                record.bodies += 1
                for path in carried:
                    record.objects[path] += 1
                return
        if len(body) > _BODY:
            self.observe(kind, _document(body), drift, clean)
        else:
            self._remembered(kind, body, drift, clean)

    def _remembered(self, kind: str, body: bytes, drift: Sequence[str], clean: Callable[[str], str]) -> None:
        """`observe` a body, unless the same body was seen before, as under load one account's organization is:
        then it is counted as it was walked, everything it touched counted again. Where bodies rarely come back
        (a capture of many accounts), remembering them rests for a while: walking is then all there is to do."""
        if self._body_resting:
            self._body_resting -= 1
            self.observe(kind, _document(body), drift, clean)
            return
        known, seen = self._bodies.get((kind, body)), self._kinds.get(kind)
        self._body_lookups += 1
        if self._body_lookups >= _BODY_WINDOW:
            if self._body_hits < _BODY_WINDOW // 8:
                self._body_resting, self._bodies = _BODY_REST, {}
            self._body_lookups = self._body_hits = 0
        if known is not None and seen is not None and self._count_again(seen, known[0]):
            self._body_hits += 1
            seen.bodies += 1
            for path in known[1]:
                seen.objects[path] += 1
            return
        bodies, dropped = (seen.bodies, seen.dropped) if seen is not None else (0, 0)
        self._trace, self._objects_seen = [], []
        try:
            self.observe(kind, _document(body), drift, clean)
            record = self._kinds.get(kind)
            if record is not None and record.bodies > bodies:  # an object: remembered
                self._bodies = {} if len(self._bodies) >= _BODIES else self._bodies
                trace = (tuple(self._trace), record.dropped - dropped, record.paths)
                self._bodies[kind, body] = (trace, tuple(self._objects_seen))
        finally:
            self._trace = self._objects_seen = None

    def _carried_objects(self, kind: str) -> tuple[str, ...] | None:
        """The documented objects below the root that every body the schema accepts carries (each required, as is
        every object on the way to it), or None when one is optional: then only reading the body can tell."""
        fields = {field.keys: field for field in schemas.documented_fields(kind)}
        objects = [keys for keys in schemas.documented_members(kind) if keys]
        always = all(fields[keys[:end]].required for keys in objects for end in range(1, len(keys) + 1))
        self._carried[kind] = tuple(json_path(keys) for keys in objects) if always else None
        return self._carried[kind]

    def observe(self, kind: str, document: object, drift_paths: Sequence[str], clean: Callable[[str], str]) -> None:
        """Take one judged body of `kind` with its drift paths (as `validation.undocumented_fields` gives them).
        Call it for every judged body, drifting or not: those without a member count in "seen in N of M"."""
        if not isinstance(document, dict):
            return  # not an object: no member could have been there
        self._values.withholding.judged_by(clean)
        record = self._kinds.get(kind) or self._kinds.setdefault(kind, KindEvidence())
        record.bodies += 1
        record.runs = record.runs or 1
        drift = set(drift_paths)
        documented = self._documented.get(kind) or self._documented_objects(kind)
        for keys, base, listed in documented:
            parent = document
            for key in keys:
                parent = parent.get(key) if isinstance(parent, dict) else None  # type: ignore[assignment]
            if not isinstance(parent, dict):
                continue
            if keys:
                record.objects[base] += 1
                if self._objects_seen is not None:
                    self._objects_seen.append(base)
            if not drift or listed.issuperset(parent):
                continue
            kept = 0
            for name, value in parent.items():
                if name in listed:
                    continue
                path = child_path(base, name)
                if path not in drift:
                    continue
                if kept >= MAX_PATHS:
                    record.dropped += 1  # a hostile body's 20,000th member costs a count, not a redaction
                    continue
                kept += 1
                if not isinstance(value, (dict, list)):
                    if not self._reflect(record, kind, path, value):
                        self._value(record, kind, (keys, base, base), name, value, drift=True, depth=0, clean=clean, raw=path)
                    continue
                shape = _shape(value)
                if shape is None or not self._retrace(record, (kind, path, shape)):
                    body_trace, self._trace, dropped = self._trace, [], record.dropped
                    self._value(record, kind, (keys, base, base), name, value, drift=True, depth=0, clean=clean, raw=path)
                    member, self._trace = tuple(self._trace), body_trace
                    if self._trace is not None:
                        self._trace.extend(member)
                    if shape is not None:
                        self._traced = {} if len(self._traced) >= MEMO else self._traced
                        self._traced[kind, path, shape] = (member, record.dropped - dropped, record.paths)

    def _documented_objects(self, kind: str) -> tuple[tuple[tuple[str, ...], str, frozenset[str]], ...]:
        """Each object the schema documents (the root first): the member names leading to it, its path, its members."""
        self._documented[kind] = tuple((keys, json_path(keys), listed) for keys, listed in schemas.documented_members(kind).items())
        return self._documented[kind]

    def learn(self, kind: str, document: object, clean: Callable[[str], str]) -> list[str]:
        """`observe` a parsed body with the drift the installed schema finds in it (for captures read directly)."""
        drift = undocumented_fields(kind, document)
        self.observe(kind, document, drift, clean)
        return drift

    def _value(
        self,
        record: KindEvidence,
        kind: str,
        where: tuple[tuple[str | None, ...], str, str],
        name: str | None,
        value: object,
        *,
        drift: bool,
        depth: int,
        clean: Callable[[str], str],
        raw: str,
        parent: PathEvidence | None = None,
    ) -> None:
        """Record `value`, found under `name` (ITEM: an array's item) in the object or array at `where` (its steps,
        its path as kept and as sent), and what lies inside it. `raw`: the value's own path with every name as sent,
        which `_reflected` remembers it by."""
        steps, base, raw_base = where
        if name is ITEM:
            shown, redacted, named_secret = ITEM, False, False
            path = f"{base}[*]"
        else:
            reading = self._values.name(name, clean)
            if reading is None:
                record.dropped += 1
                return
            shown, redacted, named_secret = reading
            path = raw if base == raw_base and not redacted else child_path(base, shown)
        entry = self._entry(record, steps, shown, path, drift=drift)
        if entry is None:
            record.dropped += 1
            return
        entry.seen += 1
        json_kind = json_type(value)
        entry.types[json_kind] += 1
        if self._trace is not None and isinstance(value, (dict, list)):
            self._trace.append((entry, path, json_kind, frozenset()))
        if redacted or (parent is not None and parent.redacted):
            entry.redacted = True
        if not entry.credential and (named_secret or entry.redacted or (parent is not None and parent.credential)):
            entry.withhold()
        if isinstance(value, dict):
            members = list(itertools.islice(value.items(), MAX_PATHS))
            record.dropped += len(value) - len(members)
            self._inside(record, kind, (entry, path, raw), members, depth, clean)
        elif isinstance(value, list):
            self._inside(record, kind, (entry, path, raw), [(ITEM, item) for item in value[:MAX_ITEMS]], depth, clean)
        else:
            formats = self._values.scalar(entry, json_kind, value)
            if self._trace is not None:
                self._trace.append((entry, path, json_kind, formats))
            if not isinstance(value, str) or len(value) <= MEMO_LENGTH:
                self._reflected = {} if len(self._reflected) >= MEMO else self._reflected
                self._reflected[kind, raw, type(value), value] = (entry, path, json_kind, formats)

    def _reflect(self, record: KindEvidence, kind: str, raw: str, value: object) -> bool:
        """Count a scalar seen before at the same place: its value, range and samples already reflect it, so only
        how often it came, and as what, change. False for one not seen before (or no longer kept)."""
        known = self._reflected.get((kind, raw, type(value), value))
        if known is None:
            return False
        entry, path, json_kind, formats = known
        if record.paths.get(path) is not entry:
            return False
        entry.seen += 1
        entry.types[json_kind] += 1
        if formats:
            entry.formats.update(formats)
        if self._trace is not None:
            self._trace.append(known)
        return True

    def _retrace(self, record: KindEvidence, key: tuple) -> bool:
        """Count a member's object or array seen before with the same content (`key`: kind, path as sent, its JSON
        text): each place inside it is counted as it was then, nothing else changes. False for one not seen before."""
        known = self._traced.get(key)
        if known is None:
            return False
        if not self._count_again(record, known):
            return False
        if self._trace is not None:
            self._trace.extend(known[0])
        return True

    @staticmethod
    def _count_again(record: KindEvidence, trace: Trace) -> bool:
        """Count each place a value seen before touched, as it was counted then; False when paths were shed since."""
        touched, dropped, paths = trace
        if paths is not record.paths:
            return False
        for entry, _, json_kind, formats in touched:
            entry.seen += 1
            entry.types[json_kind] += 1
            if formats:
                entry.formats.update(formats)
        record.dropped += dropped
        return True

    def _inside(
        self, record: KindEvidence, kind: str, at: tuple[PathEvidence, str, str], members: list, depth: int, clean: Callable[[str], str]
    ) -> None:
        """The members (or items) of the object (or array) recorded at `at` (its evidence, path as kept, path as sent)."""
        if depth >= MAX_DEPTH:
            record.dropped += len(members)
            return
        entry, path, raw = at
        items = f"{raw}[*]"
        for name, value in members:
            inner = items if name is ITEM else child_path(raw, name)
            if isinstance(value, (dict, list)) or not self._reflect(record, kind, inner, value):
                self._value(
                    record, kind, (entry.steps, path, raw), name, value, drift=False, depth=depth + 1, clean=clean, raw=inner, parent=entry
                )

    def _entry(
        self, record: KindEvidence, steps: tuple[str | None, ...], shown: str | None, path: str, *, drift: bool
    ) -> PathEvidence | None:
        """The evidence kept at `path`, begun if there is room for one more path."""
        existing = record.paths.get(path)
        if existing is not None:
            return existing
        if len(record.paths) >= MAX_PATHS:
            return None
        entry = record.paths[path] = PathEvidence((*steps, shown), drift=drift)
        return entry

    # -- combining --------------------------------------------------------------------------------

    def merge(self, other: Evidence, *, same_run: bool = False) -> None:
        """Add `other` to this evidence: a worker's or a chunk's of the same run (`same_run`), or another run's."""
        self.runs = max(self.runs, other.runs) if same_run else self.runs + other.runs
        for kind, theirs in other.kinds.items():
            add_kind(self.kinds.setdefault(kind, KindEvidence()), theirs, same_run=same_run)

    # -- summary.json -----------------------------------------------------------------------------

    def as_dict(self, *, clean: Callable[[str], str] | None = None) -> dict:
        """The evidence as JSON-ready data, at most MAX_BYTES once serialized. With `clean` (the run's redactor as
        it stands at the end, cookies learned on the way included) every kept name and value is checked again:
        one it would change now is masked or withheld, whatever it was when first seen."""
        return as_data(self.runs, self.kinds, clean)

    @classmethod
    def from_dict(cls, data: object) -> Evidence:
        """Evidence as `as_dict` wrote it; raises EvidenceError for anything else. Caps hold again after reading,
        and kept values are checked again, so a hand-edited or foreign file cannot bring in more."""
        evidence = cls()
        evidence.runs, evidence._kinds = from_data(data)
        return evidence


# -- walking a body ---------------------------------------------------------------------------------


_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


def _document(body: bytes) -> object:
    """The body as the schema judged it (None when it is not JSON). msgspec reads a valid body as the strict parser
    does; where it refuses one (a lone surrogate, 1e400), the strict parser decides."""
    try:
        return _decode(body)
    except msgspec.DecodeError:
        try:
            return parse_json(body)
        except NotJSON:
            return None


def _shape(value: dict | list) -> bytes | None:
    """The JSON text of a small object or array, by which its evidence is remembered; None for a large one."""
    if len(value) > _SMALL:
        return None
    try:
        text = _encode(value)
    except (msgspec.EncodeError, UnicodeEncodeError):  # a lone surrogate: walked every time
        return None
    return text if len(text) <= MEMO_LENGTH * 4 else None
