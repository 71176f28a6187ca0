"""The evidence of a proposed member in words a reviewer reads in a pull request, and the Markdown it goes in:
`seen in 412 of 412 bodies over 9 runs; string, date-time in every value`."""

from __future__ import annotations

import json

from contracts.core.wording import counted
from contracts.judging.evidence_form import ITEM, PathEvidence
from contracts.judging.looks_like import FORMATS, TYPE_ORDER

_SHOWN_VALUES = 5
_SHOWN_VALUE_CHARS = 40


def sentence(entry: PathEvidence, of: int | None, runs: int) -> str:
    """`seen in 412 of 412 bodies over 9 runs; string, date-time in every value; 2 distinct values: "a", "b"`."""
    where = _where(entry, of)
    parts = [f"{where} over {counted(runs, 'run')}", _types_phrase(entry)]
    if entry.values:
        listed = ", ".join(shown(value) for value in entry.values[:_SHOWN_VALUES])
        more = "" if len(entry.values) <= _SHOWN_VALUES else ", …"
        parts.append(f"{counted(len(entry.values), 'distinct value')}: {listed}{more}")
    elif entry.samples:
        parts.append("e.g. " + ", ".join(shown(sample) for sample in entry.samples))
    elif entry.credential:
        parts.append("values withheld")
    return "; ".join(part for part in parts if part)


def _where(entry: PathEvidence, of: int | None) -> str:
    if entry.steps[-1] is ITEM:
        return counted(entry.seen, "array item")
    singular, plural = ("body", "bodies") if len(entry.steps) == 1 else (f"{PathEvidence(entry.steps[:-1]).path} object", None)
    return f"seen in {entry.seen:,} of {counted(of, singular, plural)}" if of else f"seen {counted(entry.seen, 'time')}"


def _types_phrase(entry: PathEvidence) -> str:
    total = sum(entry.types.values())
    if len(entry.types) == 1:
        (kind,) = entry.types
        phrase = kind
        if kind == "string":
            every = [name for name in FORMATS if entry.formats.get(name, 0) == total]
            some = [f"{name} in {entry.formats[name]}" for name in FORMATS if 0 < entry.formats.get(name, 0) < total]
            phrase += "".join(f", {name} in every value" for name in every[:1]) + "".join(f", {text}" for text in some[:2])
            if entry.longest:
                phrase += f", up to {counted(entry.longest, 'character')}"
        elif kind in ("integer", "number") and entry.minimum is not None:
            phrase += f", {shown(entry.minimum)} to {shown(entry.maximum)}"
        return phrase
    if set(entry.types) == {"integer", "number"}:  # one JSON type to a client: a number, some of them whole
        return f"number ({entry.types['integer']} of {total} whole), {shown(entry.minimum)} to {shown(entry.maximum)}"
    return (
        ", ".join(f"{kind} in {entry.types[kind]}" for kind in sorted(entry.types, key=TYPE_ORDER.index)) + f" of {counted(total, 'value')}"
    )


def shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 1] + "…"


def required_word(path: str, required: bool) -> str:
    return "—" if path.endswith("[*]") else "yes" if required else "no"


def schema_words(schema: dict) -> str:
    if "$ref" in schema:
        return f"string, {schema['$ref'].rpartition('/')[2]}"
    types = schema.get("type")
    words = " or ".join(types) if isinstance(types, list) else str(types)
    if "format" in schema:
        words += f", {schema['format']}"
    if isinstance(schema.get("items"), dict):
        words += f" of {schema_words(schema['items'])}"
    if "enum" in schema:
        words += f", one of {len(schema['enum'])}"
    return words


def cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def code(text: str) -> str:
    text = cell(text)
    return f"`` {text} ``" if "`" in text else f"`{text}`"
