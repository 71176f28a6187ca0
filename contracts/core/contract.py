"""The per-status contract, as the reference documents it, and the tool that enforces it."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

TOOL = "organization-contracts"  # the distribution's name: reports, summaries and the User-Agent say it
try:
    VERSION = version(TOOL)  # from the installed package's metadata: pyproject.toml is its one source
except PackageNotFoundError:  # run from a checkout that was never installed
    VERSION = "0+unknown"

OPERATION_PATH = "/account/organization"  # the one operation the reference documents


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

# Error statuses whose body the reference documents: the error envelope.
ERROR_STATUSES_WITH_BODY = tuple(s for s, c in CONTRACT.items() if s >= 400 and c.body)

# Statuses a suite must ask a target for (a scenario, else `Prefer: code=NNN`): any deployment answers 200 to the
# configured credentials and 401 to missing or wrong ones, but gives these only when something provokes them.
PROVOKED_STATUSES = tuple(s for s in CONTRACT if s not in (200, 401))
