"""The one verdict on an answer, whichever way it arrived (the gate, a capture, under load).

`judge_answer` (and `judge`, for a whole `Exchange`) runs the named checks below: each has the same signature
and returns every violation it finds. An answer to a request that asked for a status is held to that status;
an answer nobody asked a status for (recorded, under load, or what a provoking request got instead) is judged
by its own, which must be one the reference documents. The body is parsed and validated once per answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from contracts.core.contract import CONTRACT
from contracts.core.exchange import Exchange
from contracts.core.limits import format_size
from contracts.core.violations import Violation, describe
from contracts.judging.body_cache import CACHED_BODY
from contracts.judging.typed_decoding import confirm
from contracts.judging.validation import check_document, strictly_checked, undocumented_fields


@dataclass(frozen=True)
class Expectation:
    """What an answer is held to: the status asked for (None: its own, which must be documented), and which
    bodies must carry only documented fields."""

    status: int | None = None
    strict_fields: frozenset[str] = frozenset()


class Verdict(NamedTuple):
    """Every violation of one answer, and the undocumented fields (drift) of its body."""

    violations: tuple[Violation, ...] = ()
    drift: tuple[str, ...] = ()


class Answer:
    """An exchange under judgement: its body parsed and validated at most once, for every check that needs it.
    `declined`: the fast path has already declined to confirm the body, so it is judged strictly straight away."""

    __slots__ = ("_judged", "declined", "exchange")  # not a dataclass: cached_property takes a lock on Python 3.11

    def __init__(self, exchange: Exchange, declined: bool = False):
        self.exchange = exchange
        self.declined = declined
        self._judged: tuple[object, tuple[Violation, ...]] | None = None

    @property
    def kind(self) -> str | None:
        """The schema kind the reference documents for this answer's status, if any."""
        contract = CONTRACT.get(self.exchange.status)
        return contract.body if contract else None

    @property
    def judged_body(self) -> tuple[object, tuple[Violation, ...]]:
        """The body as a document (None when it is not JSON) and every violation of the schema its status documents."""
        if self._judged is None:
            kind = self.kind
            if kind is None:
                self._judged = None, ()
            else:
                document, violations = (strictly_checked if self.declined else check_document)(kind, self.exchange.body)
                self._judged = document, tuple(violations)
        return self._judged

    @property
    def body_judged(self) -> bool:
        """Whether the body is the one to judge: documented for this status, kept whole (not cut at the cap), recorded."""
        return self.kind is not None and self.exchange.truncated_at is None and self.exchange.body_recorded


def documented_body(exchange: Exchange) -> str | None:
    """The schema kind the reference documents for this response's status, if any."""
    contract = CONTRACT.get(exchange.status)
    return contract.body if contract else None


def status_is_expected(answer: Answer, expect: Expectation) -> list[Violation]:
    """The status asked for, when one was."""
    exchange = answer.exchange
    if expect.status is None or exchange.status == expect.status:
        return []
    return [Violation("HTTP status", str(expect.status), f"{exchange.status} {exchange.reason}".strip(), "status")]


def status_is_documented(answer: Answer, expect: Expectation) -> list[Violation]:
    """Where no status was asked for, the answer's own must be one the reference lists."""
    exchange = answer.exchange
    if expect.status is not None or exchange.status in CONTRACT:
        return []
    documented = ", ".join(str(status) for status in CONTRACT)
    return [
        Violation(
            "HTTP status", f"a status the reference documents ({documented})", f"{exchange.status} {exchange.reason}".strip(), "status"
        )
    ]


def content_type_is_json(answer: Answer, expect: Expectation) -> list[Violation]:
    if answer.kind is None:
        return []
    content_type = answer.exchange.content_type
    if is_json_media(content_type):
        return []
    got = describe(content_type) if content_type else "no Content-Type header"
    return [Violation("header Content-Type", "application/json", got, "content_type")]


@lru_cache(maxsize=64)
def is_json_media(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def body_within_cap(answer: Answer, expect: Expectation) -> list[Violation]:
    if answer.exchange.truncated_at is None:
        return []
    return [oversized_body(answer.exchange, "--max-body")]


def oversized_body(exchange: Exchange, option: str) -> Violation:
    """A body longer than the cap, named after the setting that raises it."""
    cap = format_size(exchange.truncated_at or 0)
    return Violation("$", f"a body of at most {cap} ({option})", f"a longer body; reading stopped after {cap}")


def body_matches_schema(answer: Answer, expect: Expectation) -> list[Violation]:
    if not answer.body_judged:
        return []  # no body documented here, so any is acceptable; or only its start was read (body_within_cap says so)
    return [Violation(v.path, v.expected, v.got, "schema") for v in answer.judged_body[1]]  # not replace(): 5× dearer


def only_documented_fields(answer: Answer, expect: Expectation) -> list[Violation]:
    if answer.kind not in expect.strict_fields:
        return []
    return list(_undocumented_fields(_drift(answer)))


def _undocumented_fields(paths: Iterable[str]) -> tuple[Violation, ...]:
    return tuple(
        Violation(path, "only documented fields (--strict-fields)", "an undocumented field", "documented_fields") for path in paths
    )


Check = Callable[[Answer, Expectation], list[Violation]]
CHECKS: tuple[Check, ...] = (
    status_is_expected,
    status_is_documented,
    content_type_is_json,
    body_within_cap,
    body_matches_schema,
    only_documented_fields,
)


def run_checks(exchange: Exchange, expect: Expectation, checks: tuple[Check, ...] = CHECKS) -> list[Violation]:
    answer = Answer(exchange)
    return [violation for check in checks for violation in check(answer, expect)]


def drift(exchange: Exchange) -> list[str]:
    """Undocumented fields in a documented body: allowed, but worth listing."""
    return _drift(Answer(exchange))


def _drift(answer: Answer) -> list[str]:
    if not answer.body_judged:
        return []
    assert answer.kind is not None
    return undocumented_fields(answer.kind, answer.judged_body[0])  # None, not JSON: no fields


NOTHING = Verdict()


def judge(exchange: Exchange, expect: Expectation, *, with_drift: bool = True) -> Verdict:
    """The verdict on one whole exchange: `judge_answer` of its status, reason, content type and body."""
    return judge_answer(
        exchange.status,
        exchange.content_type,
        exchange.body,
        expect.strict_fields,
        exchange.reason,
        asked=expect.status,
        truncated_at=exchange.truncated_at,
        body_recorded=exchange.body_recorded,
        with_drift=with_drift,
    )


def judge_answer(
    status: int,
    content_type: str,
    body: bytes,
    strict_fields: frozenset[str] = frozenset(),
    reason: str = "",
    *,
    asked: int | None = None,
    truncated_at: int | None = None,
    body_recorded: bool = True,
    with_drift: bool = True,
    drift_in_order: bool = True,
) -> Verdict:
    """The violations and drift of one answer: `CHECKS` against the status asked for (`asked`), or, where none was,
    against its own. `with_drift=False`: drift is not wanted, and of a valid body it is not looked for (unless
    strict, where it is a violation); `drift_in_order=False`: wanted for counting, in any order.

    The checks' machinery is skipped only where their verdict can be nothing else. A JSON body of a documented
    status, whole, is all there is to judge: one the fast path confirms is valid, with the drift it names; one it
    declines goes straight to the strict path (`BODY_CHECKS`), the other checks being known to pass."""
    contract = CONTRACT.get(status)
    checks = CHECKS
    if contract is not None and asked in (None, status) and truncated_at is None and body_recorded:
        kind = contract.body
        if kind is None:
            return NOTHING  # a documented status with no documented body: any body is acceptable
        if is_json_media(content_type):
            confirmed = confirm(kind, body)
            if confirmed is not None:
                if kind in strict_fields:
                    return Verdict(_undocumented_fields(confirmed.drift), confirmed.drift)
                if not with_drift:
                    return NOTHING
                drift = confirmed.drift if drift_in_order else confirmed.drift_in_any_order
                return Verdict((), drift) if drift else NOTHING
            checks = BODY_CHECKS
    expect = Expectation(asked, strict_fields)
    if len(body) <= CACHED_BODY:
        return _checked_cached(status, content_type, body, reason, expect, truncated_at, body_recorded, checks)
    return _checked(status, content_type, body, reason, expect, truncated_at, body_recorded, checks)


BODY_CHECKS: tuple[Check, ...] = (body_matches_schema, only_documented_fields)  # where the others are known to pass


def _checked(
    status: int,
    content_type: str,
    body: bytes,
    reason: str,
    expect: Expectation,
    truncated_at: int | None,
    body_recorded: bool,
    checks: tuple[Check, ...],
) -> Verdict:
    headers = {"Content-Type": content_type} if content_type else {}
    exchange = Exchange("GET", "", {}, status, reason, headers, body, 0.0, truncated_at, body_recorded)
    answer = Answer(exchange, declined=checks is BODY_CHECKS)
    return Verdict(tuple(violation for check in checks for violation in check(answer, expect)), tuple(_drift(answer)))


# Recorded traffic and load repeat the same answers (a gateway's error page, one account's broken organization), and
# only answers the fast path cannot confirm get here: those are judged once.
_checked_cached = lru_cache(maxsize=256)(_checked)
