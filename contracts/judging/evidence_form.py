"""Evidence of undocumented members as data: what is kept per path and per kind of body, its bounds, how two
pieces of it add up, and its form in summary.json.

A target chooses what it sends, so everything kept is bounded: at most MAX_PATHS paths a kind, MAX_DISTINCT
distinct values (beyond that, no enum candidate), MAX_SAMPLES samples, MAX_VALUE characters a kept value, and
MAX_BYTES for the whole serialized evidence, which `fitted` enforces by shedding samples, then values, then the
least seen paths. What is read back (`kind_from`) is held to the same caps and its values checked again, so a
hand-edited or foreign file cannot bring in more than observing would have kept. `evidence.py` observes bodies
into these records.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from contracts.core.redaction import MASK
from contracts.core.violations import child_path
from contracts.judging.looks_like import FORMATS, TYPE_ORDER, credential_value, json_type

FORMAT = "organization-contracts/evidence/1"

MAX_PATHS = 128  # paths kept per kind of body
MAX_DEPTH = 6  # levels looked into below an undocumented member
MAX_ITEMS = 50  # items of one array looked at, per body
MAX_NAME = 100  # characters of a member name: a longer one is not kept
MAX_VALUE = 64  # characters of a kept value or sample
MAX_DISTINCT = 10  # distinct values kept: beyond this a member is no enum candidate
MAX_SAMPLES = 3
MAX_BYTES = 64 * 1024  # the serialized evidence, at most
ITEM = None  # the step of a path that stands for any item of an array: `$.tags[*]`
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class PathEvidence:
    """What was seen at one path: `steps` lead to it from the body (ITEM for any item of an array)."""

    steps: tuple[str | None, ...]
    drift: bool = False  # the member itself is undocumented (its parent is documented); else it lies inside one
    seen: int = 0  # bodies, parent objects or array items that carried it
    types: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)  # strings that matched each format
    values: list | None = field(default_factory=list)  # distinct scalar values; None: too many, or one too long to keep
    samples: list = field(default_factory=list)
    minimum: int | float | None = None
    maximum: int | float | None = None
    longest: int = 0  # characters of its longest string
    credential: bool = False  # its name or one of its values looks like a credential: no values, no samples
    redacted: bool = False  # its name (or a parent's) was masked: shown, never proposed

    @property
    def path(self) -> str:
        path = "$"
        for step in self.steps:
            path = f"{path}[*]" if step is ITEM else child_path(path, step)
        return path

    def withhold(self) -> None:
        """Keep nothing of its values: not one, not a sample, not even the range of its numbers (a PIN's)."""
        self.credential = True
        self.values = []
        self.samples = []
        self.minimum = self.maximum = None

    def merge(self, other: PathEvidence) -> None:
        self.drift = self.drift or other.drift
        self.seen += other.seen
        self.types.update(other.types)
        self.formats.update(other.formats)
        self.values = None if self.values is None or other.values is None else distinct(self.values, other.values)
        self.samples = first(self.samples, other.samples)
        self.minimum = extreme(min, self.minimum, other.minimum)
        self.maximum = extreme(max, self.maximum, other.maximum)
        self.longest = max(self.longest, other.longest)
        self.redacted = self.redacted or other.redacted
        if self.credential or other.credential:
            self.withhold()


@dataclass
class KindEvidence:
    """The evidence of one kind of body (organization, error envelope)."""

    bodies: int = 0  # bodies judged that were JSON objects
    runs: int = 0  # runs that judged at least one
    objects: Counter[str] = field(default_factory=Counter)  # documented objects below the root, by path: how often they were objects
    paths: dict[str, PathEvidence] = field(default_factory=dict)
    dropped: int = 0  # member occurrences not kept: past MAX_PATHS, MAX_DEPTH, MAX_ITEMS, or an unusable name
    truncated: bool = False  # paths were shed to stay within the caps: some counts may be low


class EvidenceError(ValueError):
    """Serialized evidence that cannot be read (unknown format, wrong shapes)."""


# -- adding up --------------------------------------------------------------------------------------


def _union(kept: list, new: list) -> list:
    """`kept` and the values of `new` it lacks, in order (`true` is not `1`, though Python says it is)."""
    seen = {(json_type(value), value) for value in kept}
    merged = list(kept)
    for value in new:
        if (json_type(value), value) not in seen:
            seen.add((json_type(value), value))
            merged.append(value)
    return merged


def distinct(kept: list, new: list) -> list | None:
    """The distinct values of both, or None past MAX_DISTINCT: then no enum candidate."""
    merged = _union(kept, new)
    return merged if len(merged) <= MAX_DISTINCT else None


def first(kept: list, new: list) -> list:
    """The first MAX_SAMPLES distinct samples of both."""
    return kept if len(kept) >= MAX_SAMPLES else _union(kept, new)[:MAX_SAMPLES]


def extreme(pick: Callable, current: int | float | None, value: int | float | None) -> int | float | None:
    if value is None:
        return current
    return value if current is None else pick(current, value)


def rechecked(record: KindEvidence, clean: Callable[[str], str]) -> KindEvidence:
    """A copy of `record` in which a name `clean` changes is masked and a value it changes withheld."""
    copy = KindEvidence(record.bodies, record.runs, Counter(record.objects), {}, record.dropped, record.truncated)
    for entry in record.paths.values():
        steps = tuple(step if step is ITEM or clean(step) == step else MASK for step in entry.steps)
        again = copied(entry)
        if steps != entry.steps:
            again.steps, again.redacted = steps, True
        kept = [*(entry.values or []), *entry.samples, *(n for n in (entry.minimum, entry.maximum) if n is not None)]
        texts = [value if isinstance(value, str) else json.dumps(value) for value in kept]
        if again.redacted or any(clean(text) != text for text in texts):
            again.withhold()
        if again.path in copy.paths:
            copy.paths[again.path].merge(again)
        else:
            copy.paths[again.path] = again
    return copy


def copied(entry: PathEvidence) -> PathEvidence:
    copy = PathEvidence(entry.steps, drift=entry.drift)
    copy.merge(entry)
    return copy


def add_kind(mine: KindEvidence, theirs: KindEvidence, *, same_run: bool) -> None:
    """Add one kind's evidence to another's: a worker's or a chunk's of the same run (`same_run`), or another run's."""
    mine.bodies += theirs.bodies
    mine.runs = max(mine.runs, theirs.runs) if same_run else mine.runs + theirs.runs
    mine.objects.update(theirs.objects)
    mine.dropped += theirs.dropped
    mine.truncated = mine.truncated or theirs.truncated
    for path, entry in theirs.paths.items():
        if path in mine.paths:
            mine.paths[path].merge(entry)
        else:
            mine.paths[path] = copied(entry)
    shed(mine, MAX_PATHS)


def shed(record: KindEvidence, limit: int) -> None:
    """Keep the `limit` most seen paths (parents before their members on a tie); mark the evidence truncated."""
    if len(record.paths) <= limit:
        return
    ranked = sorted(record.paths.values(), key=lambda entry: (-entry.seen, len(entry.steps), entry.path))
    record.paths = {entry.path: entry for entry in ranked[:limit]}
    record.truncated = True


# -- serialized form --------------------------------------------------------------------------------


def as_data(runs: int, kinds: dict[str, KindEvidence], clean: Callable[[str], str] | None) -> dict:
    """Evidence as summary.json holds it, within MAX_BYTES; every kept name and value checked again by `clean`."""
    checked = {kind: rechecked(record, clean) if clean is not None else record for kind, record in kinds.items()}
    return fitted({"format": FORMAT, "runs": runs, "kinds": {kind: kind_dict(record) for kind, record in checked.items()}})


def from_data(data: object) -> tuple[int, dict[str, KindEvidence]]:
    """The runs and the evidence per kind `as_data` wrote; EvidenceError for anything else."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise EvidenceError(f"evidence format {found!r}: expected {FORMAT!r}")
    kinds = data.get("kinds", {})
    if not isinstance(kinds, dict):
        raise EvidenceError("evidence kinds: expected an object")
    return read_count(data.get("runs", 1), "runs"), {str(kind): kind_from(record, f"evidence {kind}") for kind, record in kinds.items()}


def _entry_dict(entry: PathEvidence) -> dict:
    data: dict = {"steps": list(entry.steps)}
    if entry.drift:
        data["drift"] = True
    data |= {"seen": entry.seen, "types": dict(entry.types)}
    if entry.formats:
        data["formats"] = dict(entry.formats)
    if entry.values != []:
        data["values"] = entry.values
    if entry.samples:
        data["samples"] = entry.samples
    for key in ("minimum", "maximum"):
        if getattr(entry, key) is not None:
            data[key] = getattr(entry, key)
    if entry.longest:
        data["longest"] = entry.longest
    if entry.credential:
        data["credential"] = True
    if entry.redacted:
        data["redacted"] = True
    return data


def kind_dict(record: KindEvidence) -> dict:
    data: dict = {"bodies": record.bodies, "runs": record.runs}
    if record.objects:
        data["objects"] = dict(record.objects)
    if record.dropped:
        data["dropped"] = record.dropped
    if record.truncated:
        data["truncated"] = True
    data["paths"] = {path: _entry_dict(entry) for path, entry in record.paths.items()}
    return data


def fitted(data: dict) -> dict:
    """`data` within MAX_BYTES: samples go first, then values, then the least seen paths, each least seen first."""
    size = _size(data) - 2
    if size <= MAX_BYTES:
        return data
    entries = [(record, path, entry) for record in data["kinds"].values() for path, entry in record["paths"].items()]
    entries.sort(key=lambda item: (item[2]["seen"], -len(item[2]["steps"])))
    for shed in ("samples", "values", None):
        for record, path, entry in entries:
            if size <= MAX_BYTES:
                return data
            if shed is None:
                if path in record["paths"]:
                    size -= _size(path) + _size(entry) + 2
                    del record["paths"][path]
                    record["truncated"] = True
            elif entry.get(shed):
                size -= _size(entry.pop(shed))
                if shed == "values":
                    entry["values"] = None
                    size += len("null")
    while _size(data) - 2 > MAX_BYTES and entries:
        record, path, _ = entries.pop(0)  # the sizes above were reckoned: make sure, least seen first
        if record["paths"].pop(path, None) is not None:
            record["truncated"] = True
    return data


def _size(value: object) -> int:
    """Bytes of `value` as UTF-8 JSON, and 2 for what separates it (a lone surrogate counted, never kept, never fatal)."""
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")) + 2


def read_count(value: object, where: str) -> int:
    if type(value) is not int or value < 0:
        raise EvidenceError(f"{where}: expected a count, got {value!r}")
    return value


def _counter(value: object, where: str, allowed: Sequence[str]) -> Counter[str]:
    if not isinstance(value, dict) or not set(value) <= set(allowed):
        raise EvidenceError(f"{where}: expected counts of {', '.join(allowed)}")
    return Counter({name: read_count(n, where) for name, n in value.items()})


def kind_from(data: object, where: str) -> KindEvidence:
    if not isinstance(data, dict) or not isinstance(data.get("paths", {}), dict):
        raise EvidenceError(f"{where}: expected an object with paths")
    record = KindEvidence(
        bodies=read_count(data.get("bodies", 0), f"{where} bodies"),
        runs=read_count(data.get("runs", 0), f"{where} runs"),
        dropped=read_count(data.get("dropped", 0), f"{where} dropped"),
        truncated=data.get("truncated") is True,
    )
    objects = data.get("objects", {})
    if not isinstance(objects, dict):
        raise EvidenceError(f"{where} objects: expected an object")
    record.objects = Counter({str(path): read_count(n, f"{where} objects") for path, n in objects.items()})
    for entry_data in data.get("paths", {}).values():
        entry = _entry_from(entry_data, where)
        record.paths.setdefault(entry.path, entry)
    shed(record, MAX_PATHS)
    return record


def _entry_from(data: object, where: str) -> PathEvidence:
    if not isinstance(data, dict):
        raise EvidenceError(f"{where}: a path's evidence must be an object")
    steps = data.get("steps")
    if (
        not isinstance(steps, list)
        or not steps
        or not all(step is ITEM or (isinstance(step, str) and len(step) <= MAX_NAME and not _unwritable(step)) for step in steps)
    ):
        raise EvidenceError(f"{where}: steps must be member names (or null for array items), got {steps!r}")
    entry = PathEvidence(tuple(steps), drift=data.get("drift") is True, seen=read_count(data.get("seen", 0), f"{where} seen"))
    entry.types = _counter(data.get("types", {}), f"{where} types", TYPE_ORDER)
    entry.formats = _counter(data.get("formats", {}), f"{where} formats", FORMATS)
    values, samples = data.get("values", []), data.get("samples", [])
    writable = isinstance(values, list) and len(values) <= MAX_DISTINCT and not any(map(_unwritable, values))
    entry.values = [_kept(value) for value in values] if writable else None
    entry.samples = [_kept(sample) for sample in samples[:MAX_SAMPLES] if not _unwritable(sample)] if isinstance(samples, list) else []
    for key in ("minimum", "maximum"):
        value = data.get(key)
        setattr(entry, key, value if isinstance(value, (int, float)) and not isinstance(value, bool) else None)
    entry.longest = read_count(data.get("longest", 0), f"{where} longest")
    entry.redacted = data.get("redacted") is True or any(step is not ITEM and MASK in step for step in entry.steps)
    scalars = [*(entry.values or []), *entry.samples]
    if data.get("credential") is True or any(isinstance(value, str) and credential_value(value) for value in scalars):
        entry.withhold()
    return entry


def _unwritable(value: object) -> bool:
    """A string holding a lone surrogate: valid JSON text, but no UTF-8 file can hold it, so it is never kept."""
    return isinstance(value, str) and _SURROGATE.search(value) is not None


def _kept(value: object) -> object:
    """A value read back, held to what `observe` keeps: a scalar, and a string cut to MAX_VALUE."""
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return json.dumps(value)[: MAX_VALUE - 1] + "…"
