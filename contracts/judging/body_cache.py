"""Verdicts of recent bodies by their exact bytes, in a cache that switches itself off when it rarely hits.

Why: real traffic repeats bodies (one account's organization, a gateway's error page), and a lookup costs less
than judging one; a stream where every body is new would only pay for the lookups, so the cache looks at its hit
rate and rests while it is low. Bounded by the bytes it holds, each entry counted besides its body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

CACHED_BODY = 16 * 1024  # bodies whose verdict is kept: larger ones are rarely repeated and would crowd the rest out
_CACHE_BYTES = 8 * 1024 * 1024  # the cache empties itself beyond this many bytes of bodies and entries
_ENTRY = 128  # bytes an entry costs besides its body (so that a stream of tiny bodies is bounded too)
_WINDOW = 4096  # lookups between two looks at the hit rate
_MIN_HITS = _WINDOW // 8  # fewer hits than this in a window: a lookup costs more than the hits save
_REST = 64 * _WINDOW  # bodies judged without the cache before it tries again

_MISSING: Final = object()


class BodyCache:
    """`verdict(raw, judge)`: the verdict kept for these exact bytes, else `judge(raw)`, kept. It looks at its hit rate
    every `_WINDOW` lookups; below `_MIN_HITS` it empties itself and rests for `_REST` bodies, then tries again."""

    __slots__ = ("entries", "hits", "lookups", "resting", "size")

    def __init__(self) -> None:
        self.entries: dict[bytes, Any] = {}
        self.size = 0
        self.lookups = self.hits = self.resting = 0

    def verdict(self, raw: bytes, judge: Callable[[bytes], Any]) -> Any:
        if self.resting:
            self.resting -= 1
            return judge(raw)
        if len(raw) > CACHED_BODY:
            return judge(raw)
        self.lookups += 1
        verdict = self.entries.get(raw, _MISSING)
        if verdict is not _MISSING:
            self.hits += 1
        else:
            verdict = judge(raw)
            if self.size + len(raw) + _ENTRY > _CACHE_BYTES:
                self.entries.clear()
                self.size = 0
            self.entries[raw] = verdict
            self.size += len(raw) + _ENTRY
        if self.lookups >= _WINDOW:
            if self.hits < _MIN_HITS:
                self.entries.clear()
                self.size = 0
                self.resting = _REST
            self.lookups = self.hits = 0
        return verdict
