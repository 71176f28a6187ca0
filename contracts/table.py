"""The per-status contract, as the reference documents it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusContract:
    status: int
    meaning: str
    body: str | None  # schema kind, or None where the reference documents no body (status only)


CONTRACT = {
    c.status: c
    for c in (
        StatusContract(200, "Successful response", "organization"),
        StatusContract(400, "Bad Request - validation errors, invalid input", "error"),
        StatusContract(401, "Unauthorized", None),
        StatusContract(402, "Payment Required - usage limits exceeded", "error"),
        StatusContract(500, "Internal Server Error", None),
        StatusContract(502, "Bad Gateway - provider error", "error"),
    )
}

# Statuses a target is asked for with `Prefer: code=NNN`; each has a documented body to judge.
ERROR_STATUSES_WITH_BODY = tuple(s for s, c in CONTRACT.items() if s >= 400 and c.body)
