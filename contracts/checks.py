"""Named checks over one exchange. Each has the same signature and returns every violation it finds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .config import format_size
from .http import Exchange
from .table import CONTRACT
from .validation import undocumented_fields
from .violations import Violation, describe


@dataclass(frozen=True)
class Expectation:
    """What one request should get: its status, and which bodies must carry only documented fields."""

    status: int
    strict_fields: frozenset[str] = frozenset()


def documented_body(exchange: Exchange) -> str | None:
    """The schema kind the reference documents for this response's status, if any."""
    contract = CONTRACT.get(exchange.status)
    return contract.body if contract else None


def body_within_cap(exchange: Exchange, expect: Expectation) -> list[Violation]:
    if exchange.truncated_at is None:
        return []
    return [oversized_body(exchange, "--max-body")]


def oversized_body(exchange: Exchange, option: str) -> Violation:
    """A body longer than the cap, named after the setting that raises it."""
    cap = format_size(exchange.truncated_at or 0)
    return Violation("$", f"a body of at most {cap} ({option})", f"a longer body; reading stopped after {cap}")


def status_is_documented(exchange: Exchange, expect: Expectation) -> list[Violation]:
    """For recorded traffic, where no status was asked for: any status the reference does not list is a violation."""
    if exchange.status in CONTRACT:
        return []
    documented = ", ".join(str(status) for status in CONTRACT)
    return [
        Violation(
            "HTTP status",
            f"a status the reference documents ({documented})",
            f"{exchange.status} {exchange.reason}".strip(),
            check="status",
        )
    ]


def status_is_expected(exchange: Exchange, expect: Expectation) -> list[Violation]:
    if exchange.status == expect.status:
        return []
    return [Violation("HTTP status", str(expect.status), f"{exchange.status} {exchange.reason}".strip(), "status")]


def content_type_is_json(exchange: Exchange, expect: Expectation) -> list[Violation]:
    if documented_body(exchange) is None:
        return []
    mime = exchange.content_type.split(";")[0].strip().lower()
    if mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json")):
        return []
    got = describe(exchange.content_type) if exchange.content_type else "no Content-Type header"
    return [Violation("header Content-Type", "application/json", got, "content_type")]


def body_matches_schema(exchange: Exchange, expect: Expectation) -> list[Violation]:
    kind = documented_body(exchange)
    if kind is None or exchange.truncated_at is not None:
        return []  # no body documented here, so any is acceptable; or only its start was read (body_within_cap says so)
    return [replace(violation, check="schema") for violation in exchange.judged_body[1]]


def only_documented_fields(exchange: Exchange, expect: Expectation) -> list[Violation]:
    kind = documented_body(exchange)
    if kind not in expect.strict_fields:
        return []
    return [
        Violation(path, "only documented fields (--strict-fields)", "an undocumented field", "documented_fields")
        for path in drift(exchange)
    ]


Check = Callable[[Exchange, Expectation], list[Violation]]
CHECKS: tuple[Check, ...] = (status_is_expected, content_type_is_json, body_within_cap, body_matches_schema, only_documented_fields)
# A recorded answer was not asked for a status: it is judged by its own, which must be one the reference documents.
RECORDED_CHECKS: tuple[Check, ...] = (
    status_is_documented,
    content_type_is_json,
    body_within_cap,
    body_matches_schema,
    only_documented_fields,
)


def run_checks(exchange: Exchange, expect: Expectation, checks: tuple[Check, ...] = CHECKS) -> list[Violation]:
    return [violation for check in checks for violation in check(exchange, expect)]


def drift(exchange: Exchange) -> list[str]:
    """Undocumented fields in a documented body: allowed, but worth listing."""
    kind = documented_body(exchange)
    if kind is None or exchange.truncated_at is not None:
        return []
    return undocumented_fields(kind, exchange.judged_body[0])  # None, not JSON: no fields
