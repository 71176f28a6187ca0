"""Tests that install or edit schema files in place make the judging layer forget what it built from the old ones."""

from __future__ import annotations

from contracts.judging import schemas, typed_decoding, verdict_memo


def forget_schemas() -> None:
    """Every cache built from the schema files, the fast path's engines and the remembered verdicts among them: an edited schema is judged as
    written. `schemas._resources` is left alone where a test has put a plain function in its place."""
    for cached in (
        schemas._resources,
        schemas.registry,
        schemas.resolved,
        schemas.documented_fields,
        schemas.documented_members,
        schemas.validator,
    ):
        clear = getattr(cached, "cache_clear", None)
        if clear is not None:
            clear()
    typed_decoding.forget()
    verdict_memo.forget()
