"""A typed client for GET /account/organization that refuses any body the reference does not allow.

Everything it raises is a `ClientError`:
- `InvalidPayload`: a documented body broke its schema (every violation, each with its JSON path);
- `ApiError`: any status but 200, with the parsed error envelope where the reference documents one;
- `InvalidErrorBody`: both at once, a documented error status whose envelope is invalid;
- `TransportError`: no usable HTTP answer (refused, DNS, TLS, timeout, malformed HTTP, cut-off or undecodable body).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from contracts.core.contract import CONTRACT
from contracts.core.credentials import ConfigError, Credentials
from contracts.core.exchange import Exchange
from contracts.core.limits import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, MAX_MAX_BODY, format_size
from contracts.core.redaction import Redactor, cookie_values
from contracts.core.violations import Violation, escape_surrogates, listing
from contracts.judging.checks import Answer, Expectation, content_type_is_json, oversized_body
from contracts.judging.schemas import SchemaField, documented_fields
from contracts.judging.validation import check_document, got
from contracts.settings.config import Settings, check_base_url
from contracts.transport.http import TargetBrokeProtocol, TargetClient, TargetUnreachable

Number = int | float
Auth = Credentials | str | tuple[str, str] | None

# Shape already guaranteed by the schema's `date-time` check; this only splits it into fields.
_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:[Zz]|([+-])(\d\d):(\d\d))", re.ASCII)


class ClientError(Exception):
    """Base of everything the client raises."""


class TransportError(ClientError):
    """No usable HTTP answer: refused, DNS, TLS, timeout, malformed HTTP, or a body cut off or undecodable in transit."""


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
        return cls(**_attributes("error", document, cls))


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
            # The envelope's strings are valid JSON strings, lone surrogates included: shown escaped, so printing never fails.
            return escape_surrogates(f"{head}: {e.code}: {e.message} ({'; '.join(hints)})")
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
        return cls(**_attributes("organization", document, cls))

    def to_document(self) -> dict:
        """The JSON body this model stands for (optional caps only when present)."""
        return _document("organization", self)


# -- the models' attributes are the schema's members, in snake_case ------------------------------


def attribute_name(member: str) -> str:
    """`organizationId` -> `organization_id`: the model attribute that holds a body member."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", member).lower()


# The documented objects whose members a model holds as its attributes; where two hold a member of one name, the
# first listed wins (the envelope's `error.code` is `code`, whatever the envelope itself gains).
_FLATTENED = {"organization": ((),), "error": (("error",), ())}


def _leaves(kind: str, model: type) -> list[SchemaField]:
    """The members a model holds: each documented member of the objects it flattens that is not an object of members
    itself, and that the model declares. A member the schema gained since (a proposal applied) is left out until the
    model declares it: `tests/test_one_source.py` says which, and the client keeps working meanwhile."""
    declared = {field.name for field in fields(model)}
    found: dict[str, SchemaField] = {}
    for parent in _FLATTENED[kind]:
        for field in documented_fields(kind):
            if field.keys[:-1] == parent and "properties" not in field.node and attribute_name(field.keys[-1]) in declared:
                found.setdefault(attribute_name(field.keys[-1]), field)
    return list(found.values())


def _attributes(kind: str, document: dict, model: type) -> dict[str, Any]:
    """Model attributes from a valid document: absent optional members are None; dates and timestamps typed."""
    values: dict[str, Any] = {}
    for field in _leaves(kind, model):
        value: Any = document
        for key in field.keys:
            value = value.get(key) if isinstance(value, dict) else None
        decode = _DECODERS.get(field.node.get("format", ""))
        values[attribute_name(field.keys[-1])] = decode(value, field.path) if decode and value is not None else value
    return values


def _document(kind: str, model: object) -> dict:
    """The body a model stands for: members set where the attribute is not None, dates and timestamps in ISO form."""
    document: dict = {}
    for field in _leaves(kind, type(model)):
        value = getattr(model, attribute_name(field.keys[-1]))
        if value is None:
            continue
        parent = document
        for key in field.keys[:-1]:
            parent = parent.setdefault(key, {})
        parent[field.keys[-1]] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return document


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
    assert isinstance(document, dict)  # both schemas want an object
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


_DECODERS = {"date": _date, "date-time": _timestamp}


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


def _max_body(max_body: object) -> int:
    if isinstance(max_body, bool) or not isinstance(max_body, int) or not 0 < max_body <= MAX_MAX_BODY:
        raise ConfigError(f"max_body must be a number of bytes from 1 to {format_size(MAX_MAX_BODY)}, got {max_body!r}")
    return max_body


class OrganizationClient:
    """`OrganizationClient("https://api.example.com", auth=token).get_organization()` -> `Organization`.

    One reused session; every request a whole exchange within `timeout` seconds of wall-clock time; a body
    read up to `max_body` decoded bytes (a longer one is an `InvalidPayload`); connection failures retried,
    a request that reached the server never repeated. Credentials never appear in a message or repr."""

    def __init__(self, base_url: str, *, auth: Auth = None, timeout: float = DEFAULT_TIMEOUT, max_body: int = DEFAULT_MAX_BODY):
        self._credentials = _credentials(auth)
        # Settings wants credentials; TargetClient takes them per request, so a placeholder is never sent.
        self._settings = Settings(
            _base_url(base_url), self._credentials or Credentials.bearer(""), _seconds(timeout), max_body=_max_body(max_body)
        )
        self._redact = Redactor.for_credentials(self._credentials)
        self._http = TargetClient(self._settings, timeout_name="the client's timeout of")

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
        except (TargetUnreachable, TargetBrokeProtocol) as exc:
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

    def _checked(self, exchange: Exchange, kind: str) -> tuple[Any, list[Violation]]:
        """The body and every violation of content type and body together (secrets masked), so one
        exception lists everything wrong."""
        if exchange.truncated_at is not None:
            document, body_violations = None, [oversized_body(exchange, "max_body")]  # only its start was read
        else:
            document, body_violations = check_document(kind, exchange.body)
        found = content_type_is_json(Answer(exchange), Expectation(exchange.status)) + body_violations
        return document, [replace(v, path=self._redact(v.path), got=self._redact(v.got)) for v in found]

    def _redacted(self, envelope: ErrorEnvelope) -> ErrorEnvelope:
        # A server that echoes the credentials in its error message must not put them in ours.
        return replace(envelope, **{f.name: self._redact(getattr(envelope, f.name)) for f in fields(envelope) if getattr(envelope, f.name)})
