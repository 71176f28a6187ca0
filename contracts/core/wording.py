"""Counted words, said the same way everywhere: `1 exchange`, `2 exchanges`, `1 body`, `1,204 bodies`."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` with thousands separated and the word agreeing with it (`plural` when adding an s will not do)."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"
