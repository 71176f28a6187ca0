"""A typed client for GET /account/organization that refuses any body the reference does not allow.

Everything it raises is a `ClientError`:
- `InvalidPayload`: a documented body broke its schema (every violation, each with its JSON path);
- `ApiError`: any status but 200, with the parsed error envelope where the reference documents one;
- `InvalidErrorBody`: both at once, a documented error status whose envelope is invalid;
- `TransportError`: no usable HTTP answer (refused, DNS, TLS, timeout, cut-off or undecodable body).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from .checks import Expectation, content_type_is_json
from .config import ConfigError, Credentials, Settings, check_base_url
from .http import Exchange, TargetClient, TargetUnreachable
from .redaction import Redactor, cookie_values
from .table import CONTRACT
from .validation import check_document, got
from .violations import Violation, listing

Number = int | float
Auth = Credentials | str | tuple[str, str] | None

# Shape already guaranteed by the schema's `date-time` check; this only splits it into fields.
_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:[Zz]|([+-])(\d\d):(\d\d))", re.ASCII)


class ClientError(Exception):
    """Base of everything the client raises."""


class TransportError(ClientError):
    """No usable HTTP answer: refused, DNS, TLS, timeout, or a body cut off or undecodable in transit."""


class InvalidPayload(ClientError):
    """A body the reference does not allow; `violations` lists every broken rule with its JSON path."""

    def __init__(self, kind: str, where: str, violations: list[Violation] | tuple[Violation, ...]):
        self.kind = kind
        self.where = where
        self.violations = tuple(violations)
        ClientError.__init__(self, listing(where, self.violations))  # not super(): see InvalidErrorBody


@dataclass(frozen=True, slots=True)
class ErrorEnvelope:
    """The documented error body of 400, 402 and 502."""

    tracking_id: str
    code: str
    message: str
    fix: str | None = None
    provider: str | None = None
    provider_code: str | None = None

    @classmethod
    def from_json(cls, raw: bytes | str, *, where: str = "error payload") -> ErrorEnvelope:
        """Parse and validate one envelope; raises `InvalidPayload` listing every violation."""
        return cls.from_document(_valid_document("error", raw, where))

    @classmethod
    def from_document(cls, document: dict) -> ErrorEnvelope:
        """From a document that already validates against the error schema."""
        detail = document["error"]
        return cls(
            tracking_id=document["trackingId"],
            code=detail["code"],
            message=detail["message"],
            fix=detail.get("fix"),
            provider=detail.get("provider"),
            provider_code=detail.get("providerCode"),
        )


class ApiError(ClientError):
    """The target answered with a status other than 200.

    `envelope` is the parsed error body where the reference documents one (400, 402, 502), else None;
    `text` is the body as text, for statuses whose body is undocumented (401, 500, anything else)."""

    def __init__(self, status: int, reason: str, where: str, *, envelope: ErrorEnvelope | None = None, text: str = ""):
        self.status = status
        self.reason = reason
        self.where = where
        self.envelope = envelope
        self.text = text
        ClientError.__init__(self, self._describe())  # not super(): see InvalidErrorBody

    def _describe(self) -> str:
        head = f"{self.where} -> {self.status} {self.reason}".rstrip()
        if self.envelope is not None:
            e = self.envelope
            hints = [f"fix: {e.fix}"] if e.fix else []
            if e.provider or e.provider_code:
                hints.append(f"provider: {e.provider or '?'} {e.provider_code or ''}".rstrip())
            hints.append(f"trackingId {e.tracking_id}")
            return f"{head}: {e.code}: {e.message} ({'; '.join(hints)})"
        documented = "" if self.status in CONTRACT else " (a status the reference does not document)"
        excerpt = " ".join(self.text.split())[:200]
        return f"{head}{documented}" + (f": {excerpt}" if excerpt else "")


class InvalidErrorBody(ApiError, InvalidPayload):
    """A documented error status whose body breaks the error envelope: an `ApiError` without `envelope`
    and an `InvalidPayload` with the violations, so either `except` clause catches it. Its message is
    the violation listing (each base sets its own fields, the last one the message)."""

    def __init__(self, status: int, reason: str, where: str, violations: list[Violation], *, text: str = ""):
        ApiError.__init__(self, status, reason, where, text=text)
        InvalidPayload.__init__(self, "error", f"{where} -> {status} {reason}".rstrip(), violations)


@dataclass(frozen=True, slots=True)
class Organization:
    """The 200 body, typed. Undocumented fields the service adds are not kept."""

    organization_id: str
    organization_type: Literal["free", "paid"]
    creator: str
    name: str
    messages_cap: Number
    cost_cap: Number
    anniversary_date: date
    allow_overage: bool
    created_at: datetime  # aware: carries the offset the service sent
    updated_at: datetime
    sms_cap: Number | None = None
    call_cap: Number | None = None

    @classmethod
    def from_json(cls, raw: bytes | str, *, where: str = "organization payload") -> Organization:
        """Parse and validate one organization body; raises `InvalidPayload` listing every violation."""
        return _typed_organization(_valid_document("organization", raw, where), where)

    @classmethod
    def from_document(cls, document: dict) -> Organization:
        """From a document that already validates against the organization schema."""
        return cls(
            organization_id=document["organizationId"],
            organization_type=document["organizationType"],
            creator=document["creator"],
            name=document["name"],
            messages_cap=document["messagesCap"],
            cost_cap=document["costCap"],
            sms_cap=document.get("smsCap"),
            call_cap=document.get("callCap"),
            anniversary_date=_date(document["anniversaryDate"], "$.anniversaryDate"),
            allow_overage=document["allowOverage"],
            created_at=_timestamp(document["createdAt"], "$.createdAt"),
            updated_at=_timestamp(document["updatedAt"], "$.updatedAt"),
        )

    def to_document(self) -> dict:
        """The JSON body this model stands for (optional caps only when present)."""
        document = {
            "organizationId": self.organization_id,
            "organizationType": self.organization_type,
            "creator": self.creator,
            "name": self.name,
            "messagesCap": self.messages_cap,
            "costCap": self.cost_cap,
            "smsCap": self.sms_cap,
            "callCap": self.call_cap,
            "anniversaryDate": self.anniversary_date.isoformat(),
            "allowOverage": self.allow_overage,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
        }
        return {name: value for name, value in document.items() if value is not None}


class _Unrepresentable(ValueError):
    """A value the schema allows but Python's date types cannot hold."""

    def __init__(self, violation: Violation):
        super().__init__(str(violation))
        self.violation = violation


def _typed_organization(document: dict, where: str) -> Organization:
    try:
        return Organization.from_document(document)
    except _Unrepresentable as exc:
        raise InvalidPayload("organization", where, [exc.violation]) from None


def _valid_document(kind: str, raw: bytes | str, where: str) -> dict:
    document, violations = check_document(kind, raw)
    if violations:
        raise InvalidPayload(kind, where, violations)
    return document


def _date(text: str, path: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Unrepresentable(Violation(path, "ISO date YYYY-MM-DD", got(text))) from None


def _timestamp(text: str, path: str) -> datetime:
    """RFC 3339 to an aware datetime; digits beyond microseconds are dropped, -00:00 reads as UTC, and
    a leap second (23:59:60 UTC, which datetime cannot hold) becomes the last microsecond before it."""
    match = _RFC3339.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day, hour, minute, second, fraction, sign, off_hours, off_minutes = match.groups()
        offset = timezone.utc
        if sign:
            delta = timedelta(hours=int(off_hours), minutes=int(off_minutes))
            offset = timezone(-delta if sign == "-" else delta)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        if second == "60":
            second, micro = "59", 999_999
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=offset)
    except ValueError:
        raise _Unrepresentable(Violation(path, "RFC 3339 timestamp Python can represent", got(text))) from None


def _credentials(auth: Auth) -> Credentials | None:
    if auth is None or isinstance(auth, Credentials):
        return auth
    if isinstance(auth, str) and auth:
        return Credentials.bearer(auth)
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(part, str) and part for part in auth):
        return Credentials.basic(*auth)
    raise ConfigError("auth must be Credentials, a bearer token string, or a (client_id, client_secret) pair")


def _base_url(base_url: object) -> str:
    if not isinstance(base_url, str):
        raise ConfigError(f"base_url must be a string such as https://api.example.com, got {type(base_url).__name__}")
    return check_base_url(base_url)


def _seconds(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


class OrganizationClient:
    """`OrganizationClient("https://api.example.com", auth=token).get_organization()` -> `Organization`.

    One reused session; every request bounded by `timeout`; connection failures retried, a request
    that reached the server never repeated. Credentials never appear in a message or repr."""

    def __init__(self, base_url: str, *, auth: Auth = None, timeout: float = 10.0):
        self._credentials = _credentials(auth)
        # Settings wants credentials; TargetClient takes them per request, so a placeholder is never sent.
        self._settings = Settings(_base_url(base_url), self._credentials or Credentials.bearer(""), _seconds(timeout))
        self._redact = Redactor.for_credentials(self._credentials)
        self._http = TargetClient(self._settings)

    def __repr__(self) -> str:
        auth = self._credentials.describe() if self._credentials else "no credentials"
        return f"OrganizationClient({self._settings.base_url!r}, auth=<{auth}>, timeout={self._settings.timeout:g})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OrganizationClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_organization(self) -> Organization:
        """The organization of the authenticated account; raises a `ClientError` for anything else."""
        exchange = self._exchange()
        where = f"{exchange.method} {exchange.url}"
        if exchange.status == 200:
            return self._organization(exchange, where)
        raise self._api_error(exchange, where)

    def _exchange(self) -> Exchange:
        try:
            exchange = self._http.get_organization(credentials=self._credentials)
        except TargetUnreachable as exc:
            raise TransportError(self._redact(str(exc))) from None
        for value in cookie_values(exchange.response_headers):
            self._redact.add(value)  # a session cookie is a credential too
        return exchange

    def _organization(self, exchange: Exchange, where: str) -> Organization:
        document, violations = self._checked(exchange, "organization")
        if violations:
            raise InvalidPayload("organization", f"{where} -> 200", violations)
        return _typed_organization(document, f"{where} -> 200")

    def _api_error(self, exchange: Exchange, where: str) -> ApiError:
        status, reason, text = exchange.status, exchange.reason, self._redact(exchange.text)
        contract = CONTRACT.get(status)
        if contract is None or contract.body is None:
            return ApiError(status, reason, where, text=text)
        document, violations = self._checked(exchange, contract.body)
        if violations:
            return InvalidErrorBody(status, reason, where, violations, text=text)
        envelope = ErrorEnvelope.from_document(document)
        return ApiError(status, reason, where, envelope=self._redacted(envelope), text=text)

    def _checked(self, exchange: Exchange, kind: str) -> tuple[object, list[Violation]]:
        """The body and every violation of content type and body together (secrets masked), so one
        exception lists everything wrong."""
        document, body_violations = check_document(kind, exchange.body)
        found = content_type_is_json(exchange, Expectation(exchange.status)) + body_violations
        return document, [replace(v, path=self._redact(v.path), got=self._redact(v.got)) for v in found]

    def _redacted(self, envelope: ErrorEnvelope) -> ErrorEnvelope:
        # A server that echoes the credentials in its error message must not put them in ours.
        return replace(envelope, **{f.name: self._redact(getattr(envelope, f.name)) for f in fields(envelope) if getattr(envelope, f.name)})
