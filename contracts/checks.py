"""Named checks over one exchange. Each has the same signature and returns every violation it finds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from . import fast_validation
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
    if is_json_media(exchange.content_type):
        return []
    got = describe(exchange.content_type) if exchange.content_type else "no Content-Type header"
    return [Violation("header Content-Type", "application/json", got, "content_type")]


@lru_cache(maxsize=64)
def is_json_media(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


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


CACHED_BODY = 16 * 1024  # verdicts are remembered for bodies up to this size


def judge_answer(
    status: int, content_type: str, body: bytes, strict_fields: frozenset[str] = frozenset(), reason: str = "", *, with_drift: bool = True
) -> tuple[tuple[Violation, ...], tuple[str, ...]]:
    """The violations and drift of one whole answer that was not asked for a status (recorded, or under load):
    `RECORDED_CHECKS` for the status it came with. `with_drift=False`: drift is not wanted, and of a valid
    body it is not looked for (unless strict, where it is a violation)."""
    contract = CONTRACT.get(status)
    # What the checks would find without their machinery, where that can only be "nothing": a documented status
    # with no body documented, or a JSON body the fast path confirms (drift allowed, unless strict).
    if contract is not None and contract.body is None:
        return (), ()
    if contract is not None and contract.body is not None and is_json_media(content_type):
        document = fast_validation.confirmed(contract.body, body)
        if document is not fast_validation.UNCONFIRMED and not with_drift and contract.body not in strict_fields:
            return (), ()
        if document is not fast_validation.UNCONFIRMED:
            undocumented = tuple(undocumented_fields(contract.body, document))
            if not undocumented or contract.body not in strict_fields:
                return (), undocumented
    if len(body) <= CACHED_BODY:
        return _checked_cached(status, content_type, body, strict_fields, reason)
    return _checked(status, content_type, body, strict_fields, reason)


def _checked(
    status: int, content_type: str, body: bytes, strict_fields: frozenset[str], reason: str
) -> tuple[tuple[Violation, ...], tuple[str, ...]]:
    headers = {"Content-Type": content_type} if content_type else {}
    exchange = Exchange("GET", "", {}, status, reason, headers, body, 0.0)
    return tuple(run_checks(exchange, Expectation(status, strict_fields), RECORDED_CHECKS)), tuple(drift(exchange))


# Recorded traffic and load repeat the same answers (a gateway's error page, one account's organization), and
# only answers the fast path cannot confirm get here: those are judged in full once.
_checked_cached = lru_cache(maxsize=256)(_checked)
