"""What the service sends beyond the reference, kept as evidence a reviewer can turn into a schema change.

The gate, replay and the Locust run each see undocumented members (drift) in body after body; a list of their
paths says nothing about their types, formats or whether every body carries them. `Evidence` keeps, for each
path of an undocumented member and of everything inside it (`$.billing.plan`, `$.tags[*]`): how many judged
bodies (or parent objects, or array items) carried it out of how many, the JSON types seen (integer apart from
number, as JSON Schema counts them), the formats its strings matched, its distinct values while there are few
(an enum candidate), the range of its numbers, its longest string, and a few samples.

A target chooses what it sends, so everything kept is bounded and passed through the redactor first: a
member's name or value is target text. A member whose name looks like a credential (`apiToken`), or any of
whose values does (a JWT, `Bearer …`, a long high-entropy token, anything the redactor changed), keeps no
values and no samples at all; a member whose name the redactor changed is kept under the masked name and
never proposed. At most MAX_PATHS paths a kind (further members are counted in `dropped`), MAX_DEPTH levels
inside a member, MAX_ITEMS items of an array, MAX_VALUE characters a kept value, and MAX_BYTES for the whole
serialized evidence, which `as_dict` enforces by shedding samples, then values, then the least seen paths.

`as_dict()`/`from_dict()` are its form in summary.json (`format` is versioned); `merge()` adds up the evidence
of workers, chunks or runs.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from jsonschema import Draft202012Validator

from contracts.core.redaction import MASK
from contracts.core.violations import child_path, json_path
from contracts.judging import schemas
from contracts.judging.validation import undocumented_fields

FORMAT = "organization-contracts/evidence/1"

MAX_PATHS = 128  # paths kept per kind of body
MAX_DEPTH = 6  # levels looked into below an undocumented member
MAX_ITEMS = 50  # items of one array looked at, per body
MAX_NAME = 100  # characters of a member name: a longer one is not kept
MAX_VALUE = 64  # characters of a kept value or sample
MAX_DISTINCT = 10  # distinct values kept: beyond this a member is no enum candidate
MAX_SAMPLES = 3
MAX_CHECKED = 4096  # characters of a string value looked at (redacted, format-checked); a longer one is neither kept nor checked
MAX_BYTES = 64 * 1024  # the serialized evidence, at most
_MEMO = 4096  # names and values whose reading is remembered...
_MEMO_LENGTH = 256  # ...values no longer than this

FORMATS = ("date", "date-time", "uuid", "email", "uri")  # the formats a string is checked for, most specific first
ITEM = None  # the step of a path that stands for any item of an array: `$.tags[*]`

_TYPE_ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")
_TYPE_CHECKER = Draft202012Validator.TYPE_CHECKER
_SURROGATE = re.compile("[\ud800-\udfff]")


# -- what looks like a credential -------------------------------------------------------------------

# Words of a member name that say its value is a credential, read as words (`authorId` is not `auth`).
_CREDENTIAL_WORDS = frozenset(
    {
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "credential",
        "credentials",
        "apikey",
        "auth",
        "authorization",
        "cookie",
        "session",
        "sessionid",
        "signature",
        "sig",
        "jwt",
        "bearer",
        "otp",
        "key",
    }
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SCHEME = re.compile(r"^\s*(?:bearer|basic|digest|token)\s+\S", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_KNOWN_PREFIXES = re.compile(r"(?:^|\W)(?:(?:sk|pk|rk)_(?:live|test)_|gh[pousr]_|xox[abprs]-|AKIA[0-9A-Z]{12}|AIza[0-9A-Za-z_-]{12})")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/=_~.-]{20,}")
_MIN_ENTROPY = 3.2  # bits a character: random base64 or hex is above it, words and dotted domain names below


def credential_name(name: str) -> bool:
    """Whether a member name says its value is a credential (`apiToken`, `client_secret`, `X-Session-Id`)."""
    words = [word.lower() for word in _WORD.findall(name)]
    joined = "".join(words)
    return any(word in _CREDENTIAL_WORDS for word in words) or any(
        part in joined for part in ("apikey", "accesskey", "privatekey", "clientsecret")
    )


def credential_value(text: str) -> bool:
    """Whether a string looks like a credential: an authorization scheme and token, a JWT, a known key prefix,
    or a run of 20+ token characters mixing letters and digits with high entropy (random keys, digests)."""
    if _SCHEME.search(text) or _JWT.search(text) or _KNOWN_PREFIXES.search(text):
        return True
    return any(_random(run) for run in _TOKEN_RUN.findall(text))


def _random(run: str) -> bool:
    if not (any(ch.isdigit() for ch in run) and any(ch.isalpha() for ch in run)):
        return False
    counts = Counter(run)
    entropy = -sum(n / len(run) * math.log2(n / len(run)) for n in counts.values())
    return entropy >= _MIN_ENTROPY


# -- formats ----------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s:]+@[^@\s]+\.[^@\s.]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*|(?:urn|mailto|tel):[^\s]+")
_LONGEST_FORMATTED = 2048  # no value of these formats is longer (a URI beyond this is not one a client should get)


def _format_checks() -> dict[str, Callable[[str], bool]]:
    """The gate's own checkers (`schemas.format_checker`), so a format proposed from evidence is the one the gate
    enforces. Where the gate is lax or has none, a value must also pass a small strict check: jsonschema's email
    check is only `"@" in value`, and its uri check needs a package the gate does not install."""
    checker = schemas.format_checker()

    def gate(name: str) -> Callable[[str], bool]:
        return (lambda value: checker.conforms(value, name)) if name in checker.checkers else (lambda value: True)

    by_gate = {name: gate(name) for name in FORMATS}
    # Each check first asks what any value of its format has (a length, a character), which most values lack.
    checks = {
        "date": lambda value: len(value) == 10 and by_gate["date"](value),
        "date-time": lambda value: len(value) >= 20 and value[10] in "Tt" and by_gate["date-time"](value),
        "uuid": lambda value: len(value) == 36 and by_gate["uuid"](value),
        "email": lambda value: "@" in value and _EMAIL.fullmatch(value) is not None and by_gate["email"](value),
        "uri": lambda value: ":" in value and _URI.fullmatch(value) is not None and by_gate["uri"](value),
    }
    return {name: check for name, check in checks.items() if name in ("email", "uri") or name in checker.checkers}


_EXACT_TYPES: dict[type, str] = {str: "string", bool: "boolean", int: "integer", dict: "object", list: "array", type(None): "null"}


def json_type(value: object) -> str:
    """The JSON Schema type of a parsed value, as jsonschema's type checker says (1.0 is an integer, `true` is no
    number); the types a JSON parser returns are looked up directly, which is most of the cost of observing."""
    exact = _EXACT_TYPES.get(type(value))
    if exact is not None:
        return exact
    if type(value) is float:
        return "integer" if value.is_integer() else "number"  # type: ignore[attr-defined]
    return next(name for name in _TYPE_ORDER if _TYPE_CHECKER.is_type(value, name))


# -- the evidence -----------------------------------------------------------------------------------


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
        self.values = None if self.values is None or other.values is None else _distinct(self.values, other.values)
        self.samples = _first(self.samples, other.samples)
        self.minimum = _extreme(min, self.minimum, other.minimum)
        self.maximum = _extreme(max, self.maximum, other.maximum)
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


class Evidence:
    """Bounded, mergeable evidence of undocumented members, per kind of body."""

    def __init__(self) -> None:
        self.runs = 1
        self.kinds: dict[str, KindEvidence] = {}
        self._names: dict[str, tuple[str, bool, bool]] = {}  # raw name -> (name as kept, masked, names a credential); never serialized
        self._readings: dict[str, tuple[bool, frozenset[str]]] = {}  # raw value -> (credential-like by its shape, formats matched)
        self._redacted: dict[str, bool] = {}  # raw text -> whether the redactor changed it
        self._pending: list[tuple[PathEvidence, str]] = []  # texts kept from this body, for one redactor pass at its end
        self._checks: dict[str, Callable[[str], bool]] | None = None

    # -- observing --------------------------------------------------------------------------------

    def observe(self, kind: str, document: object, drift_paths: Sequence[str], clean: Callable[[str], str]) -> None:
        """Take one judged body of `kind` with its drift paths (as `validation.undocumented_fields` gives them).
        Call it for every judged body, drifting or not: those without a member count in "seen in N of M"."""
        if not isinstance(document, dict):
            return  # not an object: no member could have been there
        record = self.kinds.setdefault(kind, KindEvidence())
        record.bodies += 1
        record.runs = max(record.runs, 1)
        drift = set(drift_paths)
        for keys, listed, parent in _documented_objects(kind, document):
            if keys:
                record.objects[json_path(keys)] += 1
            if not drift or listed.issuperset(parent):
                continue
            base = json_path(keys)
            kept = 0
            for name, value in parent.items():
                if name in listed or child_path(base, name) not in drift:
                    continue
                if kept >= MAX_PATHS:
                    record.dropped += 1  # a hostile body's 20,000th member costs a count, not a redaction
                    continue
                kept += 1
                self._value(record, (keys, base), name, value, drift=True, depth=0, clean=clean)
        self._settle(clean)

    def learn(self, kind: str, document: object, clean: Callable[[str], str]) -> list[str]:
        """`observe` a parsed body with the drift the installed schema finds in it (for captures read directly)."""
        drift = undocumented_fields(kind, document)
        self.observe(kind, document, drift, clean)
        return drift

    def _value(
        self,
        record: KindEvidence,
        where: tuple[tuple[str | None, ...], str],
        name: str | None,
        value: object,
        *,
        drift: bool,
        depth: int,
        clean: Callable[[str], str],
        parent: PathEvidence | None = None,
    ) -> None:
        """Record `value`, found under `name` (ITEM: an array's item) in the object or array at `where` (its steps
        and path), and what lies inside it."""
        steps, path = where
        if name is ITEM:
            shown, redacted, named_secret = ITEM, False, False
            path = f"{path}[*]"
        else:
            reading = self._name(name, clean)
            if reading is None:
                record.dropped += 1
                return
            shown, redacted, named_secret = reading
            path = child_path(path, shown)
        entry = self._entry(record, (*steps, shown), path, drift=drift)
        if entry is None:
            record.dropped += 1
            return
        entry.seen += 1
        kind = json_type(value)
        entry.types[kind] += 1
        if redacted or (parent is not None and parent.redacted):
            entry.redacted = True
        if not entry.credential and (named_secret or entry.redacted or (parent is not None and parent.credential)):
            entry.withhold()
        if isinstance(value, dict):
            members = list(itertools.islice(value.items(), MAX_PATHS))
            record.dropped += len(value) - len(members)
            self._inside(record, entry, members, depth, clean)
        elif isinstance(value, list):
            self._inside(record, entry, [(ITEM, item) for item in value[:MAX_ITEMS]], depth, clean)
        else:
            self._scalar(entry, kind, value, clean)

    def _inside(self, record: KindEvidence, entry: PathEvidence, members: list, depth: int, clean: Callable[[str], str]) -> None:
        if depth >= MAX_DEPTH:
            record.dropped += len(members)
            return
        for name, value in members:
            self._value(record, (entry.steps, entry.path), name, value, drift=False, depth=depth + 1, clean=clean, parent=entry)

    def _name(self, name: str, clean: Callable[[str], str]) -> tuple[str, bool, bool] | None:
        """The name as kept, whether it was masked, and whether it names a credential; None for one that cannot be kept."""
        if len(name) > MAX_NAME or _SURROGATE.search(name):
            return None  # too long to be a member worth proposing, or not writable as UTF-8
        known = self._names.get(name)
        if known is None:
            masked = clean(name) != name or credential_value(name)
            known = (MASK, True, True) if masked else (name, False, credential_name(name))
            self._names = {} if len(self._names) >= _MEMO else self._names
            self._names[name] = known
        return known

    def _entry(self, record: KindEvidence, steps: tuple[str | None, ...], path: str, *, drift: bool) -> PathEvidence | None:
        """The evidence kept at `path`, begun if there is room for one more path."""
        existing = record.paths.get(path)
        if existing is not None:
            return existing
        if len(record.paths) >= MAX_PATHS:
            return None
        entry = record.paths[path] = PathEvidence(steps, drift=drift)
        return entry

    def _scalar(self, entry: PathEvidence, kind: str, value: object, clean: Callable[[str], str]) -> None:
        if kind in ("integer", "number") and not entry.credential:
            entry.minimum = _extreme(min, entry.minimum, value)  # type: ignore[arg-type]
            entry.maximum = _extreme(max, entry.maximum, value)  # type: ignore[arg-type]
        if isinstance(value, str):
            entry.longest = max(entry.longest, len(value))
            if len(value) > MAX_CHECKED:
                entry.values = None  # neither kept nor read: no enum candidate
                return
            shaped, formats = self._reading(value)
            entry.formats.update(formats)
            text = value
        elif kind == "null":
            return
        else:
            shaped, text = False, json.dumps(value)  # a number can be a secret's digits too
        if shaped or self._redacted.get(text):
            entry.withhold()
        if entry.credential:
            return
        if text not in self._redacted:
            self._pending.append((entry, text))  # kept for now; `_settle` withholds it if the redactor changes it
        if isinstance(value, str) and len(value) > MAX_VALUE:
            entry.values = None
            value = value[: MAX_VALUE - 1] + "…"
        elif entry.values is not None:
            entry.values = _distinct(entry.values, [value])
        entry.samples = _first(entry.samples, [value])

    def _reading(self, value: str) -> tuple[bool, frozenset[str]]:
        """Whether a string looks like a credential by its shape, and the formats it matches (remembered)."""
        known = self._readings.get(value)
        if known is None:
            if self._checks is None:
                self._checks = _format_checks()
            matched = frozenset(name for name, check in self._checks.items() if len(value) <= _LONGEST_FORMATTED and check(value))
            known = (credential_value(value), matched)
            if len(value) <= _MEMO_LENGTH:
                self._readings = {} if len(self._readings) >= _MEMO else self._readings
                self._readings[value] = known
        return known

    def _settle(self, clean: Callable[[str], str]) -> None:
        """Ask the redactor about every text kept from one body at once (a NUL between them, which no secret's
        form holds): one pass over a body instead of one a value. Only when it masks something are the texts
        asked one by one, and the members whose text it changed keep no value at all."""
        if not self._pending:
            return
        texts = list(dict.fromkeys(text for _, text in self._pending))
        joined = "\x00".join(texts)
        changed = set() if clean(joined) == joined else {text for text in texts if clean(text) != text}
        for text in texts:
            if len(text) <= _MEMO_LENGTH:
                self._redacted = {} if len(self._redacted) >= _MEMO else self._redacted
                self._redacted[text] = text in changed
        for entry, text in self._pending:
            if text in changed:
                entry.withhold()
        self._pending = []

    # -- combining --------------------------------------------------------------------------------

    def merge(self, other: Evidence, *, same_run: bool = False) -> None:
        """Add `other` to this evidence: a worker's or a chunk's of the same run (`same_run`), or another run's."""
        self.runs = max(self.runs, other.runs) if same_run else self.runs + other.runs
        for kind, theirs in other.kinds.items():
            mine = self.kinds.setdefault(kind, KindEvidence())
            mine.bodies += theirs.bodies
            mine.runs = max(mine.runs, theirs.runs) if same_run else mine.runs + theirs.runs
            mine.objects.update(theirs.objects)
            mine.dropped += theirs.dropped
            mine.truncated = mine.truncated or theirs.truncated
            for path, entry in theirs.paths.items():
                if path in mine.paths:
                    mine.paths[path].merge(entry)
                else:
                    mine.paths[path] = _copied(entry)
            _shed(mine, MAX_PATHS)

    # -- summary.json -----------------------------------------------------------------------------

    def as_dict(self, *, clean: Callable[[str], str] | None = None) -> dict:
        """The evidence as JSON-ready data, at most MAX_BYTES once serialized. With `clean` (the run's redactor as
        it stands at the end, cookies learned on the way included) every kept name and value is checked again:
        one it would change now is masked or withheld, whatever it was when first seen."""
        kinds = {kind: _rechecked(record, clean) if clean is not None else record for kind, record in self.kinds.items()}
        data = {"format": FORMAT, "runs": self.runs, "kinds": {kind: _kind_dict(record) for kind, record in kinds.items()}}
        return _fitted(data)

    @classmethod
    def from_dict(cls, data: object) -> Evidence:
        """Evidence as `as_dict` wrote it; raises EvidenceError for anything else. Caps hold again after reading,
        and kept values are checked again, so a hand-edited or foreign file cannot bring in more."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise EvidenceError(f"evidence format {found!r}: expected {FORMAT!r}")
        evidence = cls()
        evidence.runs = _count(data.get("runs", 1), "runs")
        kinds = data.get("kinds", {})
        if not isinstance(kinds, dict):
            raise EvidenceError("evidence kinds: expected an object")
        for kind, record in kinds.items():
            evidence.kinds[str(kind)] = _kind_from(record, f"evidence {kind}")
        return evidence


# -- walking a body ---------------------------------------------------------------------------------


def _documented_objects(kind: str, document: dict) -> Iterator[tuple[tuple[str, ...], frozenset[str], dict]]:
    """Each object of the body the schema documents (the root first): the member names leading to it, the names
    the schema lists there, and the object."""
    for keys, listed in schemas.documented_members(kind).items():
        node: object = document
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            yield keys, listed, node


def _union(kept: list, new: list) -> list:
    """`kept` and the values of `new` it lacks, in order (`true` is not `1`, though Python says it is)."""
    seen = {(json_type(value), value) for value in kept}
    merged = list(kept)
    for value in new:
        if (json_type(value), value) not in seen:
            seen.add((json_type(value), value))
            merged.append(value)
    return merged


def _distinct(kept: list, new: list) -> list | None:
    """The distinct values of both, or None past MAX_DISTINCT: then no enum candidate."""
    merged = _union(kept, new)
    return merged if len(merged) <= MAX_DISTINCT else None


def _first(kept: list, new: list) -> list:
    """The first MAX_SAMPLES distinct samples of both."""
    return kept if len(kept) >= MAX_SAMPLES else _union(kept, new)[:MAX_SAMPLES]


def _extreme(pick: Callable, current: int | float | None, value: int | float | None) -> int | float | None:
    if value is None:
        return current
    return value if current is None else pick(current, value)


def _rechecked(record: KindEvidence, clean: Callable[[str], str]) -> KindEvidence:
    """A copy of `record` in which a name `clean` changes is masked and a value it changes withheld."""
    copy = KindEvidence(record.bodies, record.runs, Counter(record.objects), {}, record.dropped, record.truncated)
    for entry in record.paths.values():
        steps = tuple(step if step is ITEM or clean(step) == step else MASK for step in entry.steps)
        again = _copied(entry)
        if steps != entry.steps:
            again.steps, again.redacted = steps, True
        texts = [value if isinstance(value, str) else json.dumps(value) for value in [*(entry.values or []), *entry.samples]]
        if again.redacted or any(clean(text) != text for text in texts):
            again.withhold()
        if again.path in copy.paths:
            copy.paths[again.path].merge(again)
        else:
            copy.paths[again.path] = again
    return copy


def _copied(entry: PathEvidence) -> PathEvidence:
    copy = PathEvidence(entry.steps, drift=entry.drift)
    copy.merge(entry)
    return copy


def _shed(record: KindEvidence, limit: int) -> None:
    """Keep the `limit` most seen paths (parents before their members on a tie); mark the evidence truncated."""
    if len(record.paths) <= limit:
        return
    ranked = sorted(record.paths.values(), key=lambda entry: (-entry.seen, len(entry.steps), entry.path))
    record.paths = {entry.path: entry for entry in ranked[:limit]}
    record.truncated = True


# -- serialized form --------------------------------------------------------------------------------


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


def _kind_dict(record: KindEvidence) -> dict:
    data: dict = {"bodies": record.bodies, "runs": record.runs}
    if record.objects:
        data["objects"] = dict(record.objects)
    if record.dropped:
        data["dropped"] = record.dropped
    if record.truncated:
        data["truncated"] = True
    data["paths"] = {path: _entry_dict(entry) for path, entry in record.paths.items()}
    return data


def _fitted(data: dict) -> dict:
    """`data` within MAX_BYTES: samples go first, then values, then the least seen paths, each least seen first."""
    size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
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
    while len(json.dumps(data, ensure_ascii=False).encode("utf-8")) > MAX_BYTES and entries:
        record, path, _ = entries.pop(0)  # the sizes above were reckoned: make sure, least seen first
        if record["paths"].pop(path, None) is not None:
            record["truncated"] = True
    return data


def _size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8")) + 2


def _count(value: object, where: str) -> int:
    if type(value) is not int or value < 0:
        raise EvidenceError(f"{where}: expected a count, got {value!r}")
    return value


def _counter(value: object, where: str, allowed: Sequence[str]) -> Counter[str]:
    if not isinstance(value, dict) or not set(value) <= set(allowed):
        raise EvidenceError(f"{where}: expected counts of {', '.join(allowed)}")
    return Counter({name: _count(n, where) for name, n in value.items()})


def _kind_from(data: object, where: str) -> KindEvidence:
    if not isinstance(data, dict) or not isinstance(data.get("paths", {}), dict):
        raise EvidenceError(f"{where}: expected an object with paths")
    record = KindEvidence(
        bodies=_count(data.get("bodies", 0), f"{where} bodies"),
        runs=_count(data.get("runs", 0), f"{where} runs"),
        dropped=_count(data.get("dropped", 0), f"{where} dropped"),
        truncated=data.get("truncated") is True,
    )
    objects = data.get("objects", {})
    if not isinstance(objects, dict):
        raise EvidenceError(f"{where} objects: expected an object")
    record.objects = Counter({str(path): _count(n, f"{where} objects") for path, n in objects.items()})
    for entry_data in data.get("paths", {}).values():
        entry = _entry_from(entry_data, where)
        record.paths.setdefault(entry.path, entry)
    _shed(record, MAX_PATHS)
    return record


def _entry_from(data: object, where: str) -> PathEvidence:
    if not isinstance(data, dict):
        raise EvidenceError(f"{where}: a path's evidence must be an object")
    steps = data.get("steps")
    if (
        not isinstance(steps, list)
        or not steps
        or not all(step is ITEM or (isinstance(step, str) and len(step) <= MAX_NAME) for step in steps)
    ):
        raise EvidenceError(f"{where}: steps must be member names (or null for array items), got {steps!r}")
    entry = PathEvidence(tuple(steps), drift=data.get("drift") is True, seen=_count(data.get("seen", 0), f"{where} seen"))
    entry.types = _counter(data.get("types", {}), f"{where} types", _TYPE_ORDER)
    entry.formats = _counter(data.get("formats", {}), f"{where} formats", FORMATS)
    values, samples = data.get("values", []), data.get("samples", [])
    entry.values = None if not isinstance(values, list) or len(values) > MAX_DISTINCT else [_kept(value) for value in values]
    entry.samples = [_kept(sample) for sample in samples[:MAX_SAMPLES]] if isinstance(samples, list) else []
    for key in ("minimum", "maximum"):
        value = data.get(key)
        setattr(entry, key, value if isinstance(value, (int, float)) and not isinstance(value, bool) else None)
    entry.longest = _count(data.get("longest", 0), f"{where} longest")
    entry.redacted = data.get("redacted") is True or any(step is not ITEM and MASK in step for step in entry.steps)
    scalars = [*(entry.values or []), *entry.samples]
    if data.get("credential") is True or any(isinstance(value, str) and credential_value(value) for value in scalars):
        entry.withhold()
    return entry


def _kept(value: object) -> object:
    """A value read back, held to what `observe` keeps: a scalar, and a string cut to MAX_VALUE."""
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return json.dumps(value)[: MAX_VALUE - 1] + "…"
