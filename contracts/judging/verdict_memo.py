"""The violations of a body that breaks its schema, remembered by what decides them: its root member names and the
values of the root members that fail.

Why: a body the fast path declines is judged by jsonschema, which costs tens of microseconds, and writing its
violations as many again; yet broken traffic repeats its breakage (the same wrong value in a member of otherwise
different bodies). `validation.validate` already has jsonschema look only at the failing members, since
`properties` judges each member apart. When the schema's other root keywords look at member names alone (`type`,
`required`), the violations are then a function of the names present and the failing members' values: this is the
key. Any other root keyword, a non-scalar or long value, or a body of many members is not remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from contracts.core.violations import Violation
from contracts.judging.schemas import bundled

# Root keywords beside `properties` whose verdict depends on the member names at most.
_BY_NAMES: Final = frozenset({"$id", "$schema", "$defs", "$comment", "title", "description", "type", "required", "properties"})
_ENTRIES = 4096  # remembered verdicts; the memo empties itself beyond this...
_BYTES = 8 * 1024 * 1024  # ...or beyond this many bytes of the bodies remembered (a key holds no more than its body)
_ENTRY = 128  # bytes an entry costs besides its body
_MEMBERS = 64  # bodies with more root members than this are not remembered (the key holds their names)
_VALUE_LENGTH = 256  # a longer string value is not remembered
_SCALARS: Final = (str, int, bool, type(None))

_memo: dict[tuple, tuple[Violation, ...]] = {}
_held = 0  # bytes of the bodies whose verdicts `_memo` holds, each entry counted besides
_remembers: dict[str, bool] = {}


def forget() -> None:
    """Forget every remembered verdict (a schema changed; tests)."""
    global _held
    _memo.clear()
    _remembers.clear()
    _held = 0


def remembered(
    kind: str, instance: object, members: frozenset[str] | None, size: int, judge: Callable[[], list[Violation]]
) -> list[Violation]:
    """`judge()`'s violations of `instance`, a `kind` body of `size` bytes whose failing root members are `members`
    (None: not known, then never remembered), from the memo when the same key was judged before."""
    global _held
    key = _key(kind, instance, members)
    if key is None:
        return judge()
    found = _memo.get(key)
    if found is None:
        found = tuple(judge())
        if len(_memo) >= _ENTRIES or _held + size + _ENTRY > _BYTES:
            _memo.clear()
            _held = 0
        _memo[key] = found
        _held += size + _ENTRY
    return list(found)


def _key(kind: str, instance: object, members: frozenset[str] | None) -> tuple | None:
    if members is None or type(instance) is not dict or len(instance) > _MEMBERS:
        return None
    remembers = _remembers.get(kind)
    if remembers is None:
        remembers = _remembers[kind] = _BY_NAMES.issuperset(bundled(kind))
    if not remembers:
        return None
    values = []
    for name in sorted(members):
        value = instance.get(name)  # a failing member is present: msgspec named it
        kind_of = type(value)
        if kind_of is float:
            value = repr(value)  # -0.0 equals 0.0, but a violation quotes the value as written
        elif kind_of not in _SCALARS or (kind_of is str and len(value) > _VALUE_LENGTH):  # type: ignore[arg-type]
            return None
        values.append((name, kind_of, value))
    return kind, frozenset(instance), tuple(values)
