"""How evidence reads one member's name and one scalar value: kept or masked, credential-like or not, which formats
it matches, and kept among the distinct values and samples; every kept text waits for the redactor (`withholding`).

Names and values repeat from body to body, so what each read as is remembered (up to `MEMO` of each)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from contracts.core.redaction import MASK
from contracts.judging.evidence_form import MAX_NAME, MAX_SAMPLES, MAX_VALUE, PathEvidence, distinct, extreme, first
from contracts.judging.looks_like import LONGEST_FORMATTED, credential_name, credential_value, format_checks
from contracts.judging.withholding import Withholding

MAX_CHECKED = 4096  # characters of a string value looked at (redacted, format-checked); a longer one is neither kept nor checked
MEMO = 4096  # names and values whose reading is remembered...
MEMO_LENGTH = 256  # ...values no longer than this
SURROGATE = re.compile("[\ud800-\udfff]")


class ValueReader:
    """Reads names and scalar values into a path's evidence, remembering what each read as."""

    def __init__(self) -> None:
        self.withholding = Withholding()  # texts kept, asked of the redactor in batches
        self._names: dict[str, tuple[str, bool, bool]] = {}  # raw name -> (name as kept, masked, names a credential)
        self._readings: dict[str, tuple[bool, frozenset[str]]] = {}  # raw value -> (credential-like by its shape, formats matched)
        self._checks: dict[str, Callable[[str], bool]] | None = None

    def name(self, name: str, clean: Callable[[str], str]) -> tuple[str, bool, bool] | None:
        """The name as kept, whether it was masked, and whether it names a credential; None for one that cannot be kept."""
        known = self._names.get(name)
        if known is None:
            if len(name) > MAX_NAME or SURROGATE.search(name):
                return None  # too long to be a member worth proposing, or not writable as UTF-8
            masked = clean(name) != name or credential_value(name)
            known = (MASK, True, True) if masked else (name, False, credential_name(name))
            self._names = {} if len(self._names) >= MEMO else self._names
            self._names[name] = known
        return known

    def scalar(self, entry: PathEvidence, kind: str, value: object) -> frozenset[str]:
        """Take a scalar value into `entry`; the formats it matched."""
        if kind in ("integer", "number") and not entry.credential:
            entry.minimum = extreme(min, entry.minimum, value)  # type: ignore[arg-type]
            entry.maximum = extreme(max, entry.maximum, value)  # type: ignore[arg-type]
        formats: frozenset[str] = frozenset()
        if isinstance(value, str):
            entry.longest = max(entry.longest, len(value))
            if len(value) > MAX_CHECKED or SURROGATE.search(value):
                entry.values = None  # too long, or not writable as UTF-8: neither kept nor read, and no enum candidate
                return formats
            shaped, formats = self._reading(value)
            if formats:
                entry.formats.update(formats)
            text = value
        elif kind == "null":
            return formats
        else:
            shaped, text = False, str(value) if type(value) is int else json.dumps(value)  # a number can be a secret's digits too
        if shaped or self.withholding.changed(text):
            entry.withhold()
        if entry.credential:
            return formats
        self.withholding.keep(entry, text)  # kept for now: withheld should the redactor change it
        if isinstance(value, str) and len(value) > MAX_VALUE:
            entry.values = None
            value = value[: MAX_VALUE - 1] + "…"
        elif entry.values is not None and not among(value, entry.values):
            entry.values = distinct(entry.values, [value])
        if len(entry.samples) < MAX_SAMPLES and not among(value, entry.samples):
            entry.samples = first(entry.samples, [value])
        return formats

    def _reading(self, value: str) -> tuple[bool, frozenset[str]]:
        """Whether a string looks like a credential by its shape, and the formats it matches (remembered)."""
        known = self._readings.get(value)
        if known is None:
            if self._checks is None:
                self._checks = format_checks()
            matched = frozenset(name for name, check in self._checks.items() if len(value) <= LONGEST_FORMATTED and check(value))
            known = (credential_value(value), matched)
            if len(value) <= MEMO_LENGTH:
                self._readings = {} if len(self._readings) >= MEMO else self._readings
                self._readings[value] = known
        return known


def among(value: object, kept: list | None) -> bool:
    """Whether `value` is already among `kept`, `true` apart from `1` (which Python holds equal)."""
    return kept is not None and any(value == other and type(value) is type(other) for other in kept)
