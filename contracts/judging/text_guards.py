"""The text scans that keep typed decoding honest: what msgspec accepts and the strict path does not, seen in the
body's bytes (`typed_decoding` runs them on every body it confirms; each is killed by
tests/judging/test_typed_decoding.py when removed).

One pass over the text serves every scan: `SKETCH` maps digits and `u` to `0`, `-` and `\\` to `+`, and blanks are
deleted. `names_dropped` counts the member names written, `loose_timestamp` and `escaped_ascii` find date-times
msgspec reads loosely, `names_inside` checks the values of learned members, `in_text_order` puts drift in the
order the text writes it.
"""

from __future__ import annotations

# In the sketch a loose date-time and an escaped ASCII character both show `+0000`, which valid bodies rarely hold:
# without it, the two date guards have nothing to look at.
SKETCH = bytes.maketrans(b"0123456789u-\\", b"00000000000++")
BLANKS = b" \t\r\n"
DATE_LIKE = b"+0000"


def names_dropped(sketch: bytes, kept: int) -> bool:
    """Whether more member names were written than the decoded structs hold: msgspec keeps the last of a duplicate
    name silently. Each name written ends in `":` in the sketch (whatever blanks stood before its colon); any other
    `":` stands inside a string, after an escaped quote. So the count is at least the names written, and equals the
    members kept only when none was dropped."""
    return sketch.count(b'":') != kept


def loose_timestamp(sketch: bytes) -> bool:
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


def escaped_ascii(raw: bytes) -> bool:
    """Whether a printable ASCII character is written as a `\\u00NN` escape (`NN` from 20 to 7F), which would hide a
    loose date-time from the scan above (`2026-01-31\\u002009:30:00Z`). An escaped control character cannot: msgspec
    refuses a date or date-time holding one."""
    at = raw.find(b"\\u00")
    while at >= 0:
        if raw[at + 4 : at + 5] in _PRINTABLE_HIGH_DIGITS:
            return True
        at = raw.find(b"\\u00", at + 4)
    return False


_PRINTABLE_HIGH_DIGITS = frozenset(bytes([digit]) for digit in b"234567")

INT_LIMIT = 2**1024 - 2**970  # the least integer a double cannot hold (it rounds to 2**1024): the strict parser refuses it
INNER_CONTAINERS = 64  # objects and arrays inside learned values: far below the strict parser's nesting and size limits


def names_inside(values: list[object]) -> int:
    """How many member names these values hold, objects inside objects included; -1 when the strict parser might read
    one differently from msgspec: an integer beyond double range, or more than `INNER_CONTAINERS` objects and arrays."""
    names = containers = 0
    pending = list(values)
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is int:
            if not -INT_LIMIT < value < INT_LIMIT:  # type: ignore[operator]
                return -1
        elif kind is dict:
            containers += 1
            names += len(value)  # type: ignore[arg-type]
            pending.extend(value.values())  # type: ignore[attr-defined]
        elif kind is list:
            containers += 1
            pending.extend(value)  # type: ignore[arg-type]
        if containers > INNER_CONTAINERS:
            return -1
    return names


def in_text_order(raw: bytes, drift: tuple[str, ...], tokens: dict[str, bytes]) -> tuple[str, ...] | None:
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


def dates_in_doubt(raw: bytes) -> bool:
    """Whether a date or date-time in `raw` may be spelt loosely, so that msgspec's reading of it cannot stand."""
    sketch = raw.translate(SKETCH, BLANKS)
    return sketch.find(DATE_LIKE) >= 0 and (loose_timestamp(sketch) or escaped_ascii(raw))
