"""The bounds every way in shares: the wall-clock deadline of one exchange and the cap on one decoded body,
each defined here once, and how a size is spelled in messages."""

from __future__ import annotations

DEFAULT_TIMEOUT = 10.0


MAX_TIMEOUT = 600.0  # a gate that may wait longer than this per exchange is stuck, not patient


DEFAULT_MAX_BODY = 10 * 1024**2


MAX_MAX_BODY = 1024**3  # the cap is held in memory: beyond this a run could exhaust a CI runner


def format_size(size: int) -> str:
    """`10 MiB`, `512 KiB`, or `1234 bytes` when no binary unit divides it."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


REASON_LIMIT = 200  # characters of a reason phrase kept: it may be 64 KiB long, and nobody needs more than this of it
