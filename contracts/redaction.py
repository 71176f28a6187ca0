"""Redact credentials by value, wherever they turn up (headers, bodies echoed by a server, tracebacks)."""

from __future__ import annotations

import json
from urllib.parse import quote

MASK = "***REDACTED***"


class Redactor:
    def __init__(self, secret_values: list[str] | tuple[str, ...] = ()):
        variants: set[str] = set()
        for value in secret_values:
            if not value:
                continue
            # A server may echo a secret JSON-escaped or percent-encoded.
            variants.update({value, json.dumps(value)[1:-1], quote(value, safe="")})
        # Longest first, so "Bearer T" is masked whole before "T".
        self._variants = sorted(variants, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._variants:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._variants)
