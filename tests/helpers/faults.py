"""A fault server for the mutation catalogue: the reference server, broken in one named way per path prefix.

`http://HOST:PORT/fault/<name>` is a base URL whose `/account/organization` answers exactly like the
reference server except for fault <name>. A fault rewrites the reference's answer for one status
(200 with valid credentials, 401 without them, 400/402/502 for `Prefer: code=NNN`); `red` faults
break the reference, and that status row must fail; `green` ones honour it, and the gate must pass.
Field faults are generated from the schemas, so a schema change changes the catalogue.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import dataclasses
import gzip
import hashlib
import html
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import getitem
from typing import Any
from urllib.parse import quote, quote_plus

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from contracts.core.contract import CONTRACT, ERROR_STATUSES_WITH_BODY, OPERATION_PATH, PROVOKED_STATUSES
from contracts.core.credentials import Credentials
from contracts.core.violations import json_path
from contracts.judging.mutations import variants
from contracts.judging.schemas import documented_fields, resolved
from contracts.judging.validation import MAX_CONTAINERS, MAX_NESTING
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp

from .staging import OVERCAP_ENV, OVERCAP_TOKEN, SCENARIOS, StagingApp

RED, GREEN = "red", "green"
JSON = "application/json"
PREFIX = "/fault/"

Rewrite = Callable[[Request, Response], Response]


@dataclass(frozen=True)
class Fault:
    name: str
    status: int  # the reference answer this fault rewrites; for a red fault, the status row that must fail
    rewrite: Rewrite
    verdict: str = RED
    path: str | None = None  # the JSON path a red fault's failure text must name
    gate_args: tuple[str, ...] = ()  # extra gate options this variant needs
    skipped: tuple[int, ...] = ()  # green variants: status rows that must be *not provoked*, never passed
    deployment: str = "reference"  # what the fault breaks: the reference server, or the staging-like one (tests/staging.py)


# -- answers --------------------------------------------------------------------------------------


def answer(body: bytes | str, status: int | str, content_type: str | None = JSON, **headers: str) -> Response:
    """A response with exactly this content type, or none at all."""
    response = Response(body, status=status, headers=headers)
    del response.headers["Content-Type"]
    if content_type is not None:
        response.headers["Content-Type"] = content_type
    return response


def document(reference: Response) -> Any:
    return json.loads(reference.get_data())


def rebody(transform: Callable[[Any], Any]) -> Rewrite:
    """The reference's JSON document, transformed, with the reference's status and a JSON content type."""
    return lambda request, reference: answer(json.dumps(transform(document(reference))), reference.status_code)


def raw_body(body: bytes | str | Callable[[Response], bytes | str], content_type: str | None = JSON) -> Rewrite:
    """A body as bytes on the wire (for what `json.dumps` cannot write), with the reference's status."""

    def rewrite(request: Request, reference: Response) -> Response:
        data = body(reference) if callable(body) else body
        return answer(data, reference.status_code, content_type)

    return rewrite


def content_type(value: str | None) -> Rewrite:
    """The reference's body unchanged, under another content type (or none)."""
    return lambda request, reference: answer(reference.get_data(), reference.status_code, value)


def status_answer(status: int, body: bytes | str = "", media_type: str | None = None) -> Rewrite:
    """This status and body instead of the reference's answer."""
    return lambda request, reference: answer(body, status, media_type)


def restatus(status: int) -> Rewrite:
    """The reference's answer under another status."""
    return lambda request, reference: answer(reference.get_data(), status, reference.content_type)


def organization_answer(request: Request, reference: Response) -> Response:
    return answer(json.dumps(SAMPLE_ORGANIZATION), 200)


def reference_text(transform: Callable[[str], str]) -> Callable[[Response], str]:
    return lambda reference: transform(reference.get_data(as_text=True))


def literal_members(**members: str) -> Callable[[Response], str]:
    """The reference's document as JSON text, with these members written as the given raw text (`NaN`, `1.5E+400`)."""

    def text(reference: Response) -> str:
        placeholders = {name: f"@literal:{name}@" for name in members}
        written = json.dumps({**document(reference), **placeholders})
        for name, raw in members.items():
            written = written.replace(json.dumps(placeholders[name]), raw)
        return written

    return text


# -- document edits -------------------------------------------------------------------------------


def without(*keys: str) -> Callable[[Any], Any]:
    def transform(doc: Any) -> Any:
        doc = copy.deepcopy(doc)
        reduce(getitem, keys[:-1], doc).pop(keys[-1], None)
        return doc

    return transform


def replaced(keys: tuple[str, ...], value: object) -> Callable[[Any], Any]:
    def transform(doc: Any) -> Any:
        doc = copy.deepcopy(doc)
        reduce(getitem, keys[:-1], doc)[keys[-1]] = value
        return doc

    return transform


def merged(**extra: object) -> Callable[[Any], Any]:
    return lambda doc: {**doc, **extra}


# -- fields, read from the schemas ----------------------------------------------------------------


def field_faults(kind: str, status: int, *, every_wrong_type: bool) -> Iterator[Fault]:
    """One `missing` fault per required member and one `as-<type>` fault per wrong value of each member, nested
    members and array items included, as the schema's mutation catalogue lists them (`mutations.variants`): the
    most confusable wrong values (a number spelt as a string, a boolean where a number belongs, null), or only the
    first of each member's."""
    for variant in variants(resolved(kind), wrong_types="confusable" if every_wrong_type else "first"):
        if variant.keys and (variant.label == "missing" or variant.label.startswith("as-")):
            label = ".".join(map(str, variant.keys))
            yield Fault(f"{status}-{label}-{variant.label}", status, rebody(variant.apply), path=variant.path)


def optional_fields_absent(kind: str, status: int) -> Fault:
    optional = [field.keys for field in documented_fields(kind) if not field.required]
    return Fault(
        f"{status}-optional-fields-absent", status, rebody(lambda doc: reduce(lambda d, keys: without(*keys)(d), optional, doc)), GREEN
    )


# -- the catalogue --------------------------------------------------------------------------------

GATEWAY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"


def organization_faults() -> Iterator[Fault]:
    """The 200 body: every field, then values, JSON syntax, content type and body shape."""
    yield from field_faults("organization", 200, every_wrong_type=True)

    def value(name: str, field: str, bad: object) -> Fault:
        return Fault(f"200-{field}-{name}", 200, rebody(replaced((field,), bad)), path=json_path((field,)))

    yield value("out-of-set", "organizationType", "enterprise")
    yield value("wrong-case", "organizationType", "Paid")
    yield value("impossible-day", "anniversaryDate", "2026-02-29")
    yield value("slashes", "anniversaryDate", "2026/12/01")
    yield value("basic-iso-format", "anniversaryDate", "20261201")
    yield value("with-time", "anniversaryDate", "2026-12-01T00:00:00Z")
    yield value("trailing-newline", "anniversaryDate", "2026-12-01\n")
    yield value("impossible-day", "createdAt", "2024-02-30T09:26:53Z")
    yield value("comma-fraction", "createdAt", "2024-03-14T09:26:53,250Z")
    yield value("no-offset", "createdAt", "2024-03-14T09:26:53")
    yield value("epoch-seconds", "createdAt", "1710408413")
    yield value("day-first", "updatedAt", "20/11/2026 16:05:12")
    yield value("trailing-newline", "updatedAt", "2026-11-20T16:05:12Z\n")
    yield value("leap-second-not-at-midnight-utc", "updatedAt", "2016-12-31T22:59:60Z")

    def text(name: str, edit: Callable[[str], str], path: str = "$") -> Fault:
        return Fault(f"200-{name}", 200, raw_body(reference_text(edit)), path=path)

    yield Fault("200-json-nan", 200, raw_body(literal_members(messagesCap="NaN")), path="$")
    yield Fault("200-json-infinity", 200, raw_body(literal_members(costCap="-Infinity")), path="$")
    yield text("json-trailing-comma", lambda body: body[:-1] + ",}")
    yield text("json-single-quotes", lambda body: body.replace('"', "'"))
    yield text("truncated-body", lambda body: body[: len(body) // 2])
    yield Fault(
        "200-body-latin-1",
        200,
        raw_body(lambda ref: json.dumps({**document(ref), "name": "Acmé"}, ensure_ascii=False).encode("latin-1")),
        path="$",
    )
    yield Fault("200-empty-body", 200, raw_body(b""), path="$")
    yield Fault("200-body-null", 200, raw_body("null"), path="$")
    yield Fault("200-body-array", 200, rebody(lambda doc: [doc]), path="$")
    yield Fault("200-body-wrapped", 200, rebody(lambda doc: {"data": doc}), path="$.organizationId")
    yield Fault("200-gateway-page", 200, raw_body(GATEWAY_PAGE, "text/html"), path="$")
    yield Fault("200-content-type-text-plain", 200, content_type("text/plain"), path="header Content-Type")
    yield Fault("200-content-type-html", 200, content_type("text/html; charset=utf-8"), path="header Content-Type")
    yield Fault("200-content-type-missing", 200, content_type(None), path="header Content-Type")
    yield Fault("200-valid-credentials-refused", 200, status_answer(401), path="HTTP status")


def credential_faults() -> Iterator[Fault]:
    """401: the operation must refuse missing and wrong credentials, with 401."""

    def accepted_when(missing: bool) -> Rewrite:
        def rewrite(request: Request, reference: Response) -> Response:
            if ("Authorization" not in request.headers) == missing:
                return organization_answer(request, reference)
            return reference

        return rewrite

    yield Fault("401-missing-credentials-accepted", 401, accepted_when(missing=True), path="HTTP status")
    yield Fault("401-wrong-credentials-accepted", 401, accepted_when(missing=False), path="HTTP status")
    yield Fault("401-bad-credentials-get-403", 401, restatus(403), path="HTTP status")


def envelope_faults(status: int) -> Iterator[Fault]:
    """An error status with a documented body: every envelope defect."""
    # The null variants are proven on the 200 body; one wrong type per field keeps the catalogue small.
    yield from field_faults("error", status, every_wrong_type=False)
    flattened = lambda doc: {"trackingId": doc["trackingId"], **doc["error"]}  # noqa: E731
    yield Fault(f"{status}-flattened-envelope", status, rebody(flattened), path="$.error")
    yield Fault(f"{status}-gateway-page", status, raw_body(GATEWAY_PAGE, "text/html"), path="$")
    yield Fault(f"{status}-content-type-text-plain", status, content_type("text/plain"), path="header Content-Type")


# Statuses the reference does not document, as a real deployment gives them: an overloaded service, a router's page
# for an unknown route, a rate limiter. Each is a violation wherever it is seen, whatever the request asked for.
UNDOCUMENTED_ANSWERS = {
    "503": (503, '{"message": "Service Unavailable"}', JSON),
    "404-html-page": (404, "<html><body><h1>404 Not Found</h1></body></html>", "text/html"),
    "429": (429, '{"error": "too many requests"}', JSON),
}


def undocumented_answers() -> Iterator[Fault]:
    """An undocumented status answered to the request meant to provoke each status: that status's row fails (its
    status stays not provoked), in the gate as in replay and under load."""
    for status in PROVOKED_STATUSES:
        for name, (code, body, media_type) in UNDOCUMENTED_ANSWERS.items():
            yield Fault(f"{status}-answered-{name}", status, status_answer(code, body, media_type), path="HTTP status")


def conforming_variants() -> Iterator[Fault]:
    """Answers that honour the reference: the gate must stay green."""
    yield Fault("200-extra-fields", 200, rebody(merged(plan={"tier": "pro", "seats": 12}, region="eu-west-1")), GREEN)
    yield Fault(
        "402-extra-fields",
        402,
        rebody(lambda doc: {**doc, "requestId": "r-1", "error": {**doc["error"], "docs": "https://example.invalid"}}),
        GREEN,
    )
    yield optional_fields_absent("organization", 200)
    for status in ERROR_STATUSES_WITH_BODY:
        yield optional_fields_absent("error", status)
    yield Fault("401-gateway-page", 401, status_answer(401, GATEWAY_PAGE, "text/html"), GREEN)
    yield Fault("401-empty-body-no-headers", 401, status_answer(401), GREEN)
    yield Fault("401-invalid-json", 401, status_answer(401, "{not json", JSON), GREEN)
    # 500 documents no body: a gateway page there is fine; the 402 shape then goes unverified (skipped).
    yield Fault("500-gateway-page-for-402", 402, status_answer(500, GATEWAY_PAGE, "text/html"), GREEN, skipped=(402,))
    yield Fault("402-prefer-ignored", 402, organization_answer, GREEN, skipped=(402,))
    yield Fault("200-charset", 200, content_type("application/json; charset=utf-8"), GREEN)
    yield Fault("402-charset", 402, content_type("application/json;charset=UTF-8"), GREEN)
    yield Fault("200-media-type-uppercase", 200, content_type("Application/JSON; Charset=UTF-8"), GREEN)
    yield Fault(
        "200-large-numbers",
        200,
        raw_body(literal_members(messagesCap="1e308", smsCap="123456789012345678901234567890")),
        GREEN,
    )
    yield Fault("200-floats", 200, rebody(merged(messagesCap=100000.0, costCap=0.1, smsCap=-0.0)), GREEN)
    yield Fault(
        "200-timestamp-offsets-fractions",
        200,
        rebody(merged(createdAt="2024-03-14T09:26:53.123456789+05:30", updatedAt="2026-11-20T16:05:12-00:00")),
        GREEN,
    )
    yield Fault("200-timestamp-lowercase", 200, rebody(merged(createdAt="2024-03-14t09:26:53z")), GREEN)
    yield Fault("200-timestamp-leap-second", 200, rebody(merged(updatedAt="2016-12-31T23:59:60Z")), GREEN)
    yield Fault("200-timestamp-leap-second-with-offset", 200, rebody(merged(updatedAt="2016-12-31T15:59:60.5-08:00")), GREEN)
    yield Fault("200-leap-day", 200, rebody(merged(anniversaryDate="2028-02-29")), GREEN)
    yield Fault(
        "200-unicode-text",
        200,
        raw_body(lambda ref: json.dumps({**document(ref), "name": "Acme Benachrichtigungen — 通知 🚀"}, ensure_ascii=False).encode()),
        GREEN,
    )
    # Escapes that are valid JSON text even where the string they denote is odd (RFC 8259 section 8.2).
    yield Fault("200-escaped-lone-surrogate-and-nul", 200, raw_body(literal_members(name='"Acme \\ud83d \\u0000"')), GREEN)
    yield Fault("402-empty-strings", 402, rebody(lambda doc: {"trackingId": "", "error": {"code": "", "message": ""}}), GREEN)
    yield Fault("200-pretty-printed", 200, raw_body(lambda ref: json.dumps(document(ref), indent=4) + "\n\n"), GREEN)
    yield Fault("200-gzip", 200, gzipped, GREEN)
    yield Fault("200-chunked", 200, chunked, GREEN)
    yield Fault("200-slow-in-time", 200, slow(0.5), GREEN, gate_args=("--request-timeout", "3"))


def ambiguous_body_faults() -> Iterator[Fault]:
    """Bodies that parse, but not the same way in every client: duplicate names, numbers beyond double range,
    lone surrogates, nesting past the limit; and their conforming neighbours."""

    def nested(levels: int) -> str:
        return "[" * levels + "]" * levels

    def first_of_two(name: str, value: str) -> Callable[[Response], str]:
        # `{"organizationType": "enterprise", ..., "organizationType": "free"}`: last-wins and first-wins clients disagree.
        return lambda reference: "{" + json.dumps(name) + ": " + value + ", " + reference.get_data(as_text=True).lstrip()[1:]

    yield Fault("200-duplicate-member-name", 200, raw_body(first_of_two("organizationType", '"enterprise"')), path="$.organizationType")
    yield Fault(
        "402-duplicate-error-code",
        402,
        raw_body(reference_text(lambda body: body.replace('"error": {', '"error": {"code": "card_declined", ', 1))),
        path="$.error.code",
    )
    yield Fault("200-number-beyond-double-range", 200, raw_body(literal_members(callCap="1.5E+400")), path="$.callCap")
    yield Fault("200-integer-beyond-double-range", 200, raw_body(literal_members(smsCap="9" * 400)), path="$.smsCap")
    yield Fault("200-lone-surrogate-as-number", 200, raw_body(literal_members(messagesCap='"\\ud800"')), path="$.messagesCap")
    yield Fault("200-nesting-too-deep", 200, raw_body(literal_members(extra=nested(MAX_NESTING))), path="$.extra")
    yield Fault("200-too-many-arrays", 200, raw_body(literal_members(extra="[" + ",".join(["[]"] * MAX_CONTAINERS) + "]")), path="$")
    yield Fault("200-number-underflow", 200, raw_body(literal_members(callCap="1e-400")), GREEN)
    yield Fault("200-nesting-at-the-limit", 200, raw_body(literal_members(extra=nested(MAX_NESTING - 1))), GREEN)
    yield Fault("200-brackets-in-strings", 200, rebody(merged(name="[{" * 500, region="]}" * 500)), GREEN)
    yield Fault("200-lone-surrogates-in-undocumented-member", 200, raw_body(literal_members(note='"\\udfff \\ud800"')), GREEN)


def gzipped(request: Request, reference: Response) -> Response:
    return answer(gzip.compress(reference.get_data()), reference.status_code, JSON, **{"Content-Encoding": "gzip"})


def chunked(request: Request, reference: Response) -> Response:
    """Streamed in pieces, without Content-Length (werkzeug sends it chunked)."""
    data = reference.get_data()
    return Response((data[i : i + 16] for i in range(0, len(data), 16)), status=reference.status_code, content_type=JSON)


def slow(seconds: float) -> Rewrite:
    def rewrite(request: Request, reference: Response) -> Response:
        time.sleep(seconds)
        return reference

    return rewrite


STAGING_ARGS = (f"--scenarios={SCENARIOS}",)  # "=": a separate path under tests/ would move pytest's rootdir there


def on_staging(fault: Fault, *, skipped: tuple[int, ...] = ()) -> Fault:
    """The fault on the staging-like deployment, judged through the scenarios that provoke 400 and 402 there."""
    return dataclasses.replace(fault, name=f"staging-{fault.name}", deployment="staging", gate_args=STAGING_ARGS, skipped=skipped)


def staging_faults() -> Iterator[Fault]:
    """A deployment that ignores `Prefer`: 402 to an over-cap account, 400 to a parameter, never 500 or 502."""
    yield from map(on_staging, field_faults("error", 402, every_wrong_type=False))
    yield from map(on_staging, envelope_faults(400))
    unprovoked = (500, 502)  # staging cannot be made to answer them: not provoked, never passed
    yield on_staging(Fault("honoured", 200, lambda request, reference: reference, GREEN), skipped=unprovoked)
    yield on_staging(optional_fields_absent("error", 402), skipped=unprovoked)
    yield on_staging(
        Fault("402-extra-fields", 402, rebody(lambda doc: {**doc, "usage": {"messages": 100412, "cap": 100000}}), GREEN), skipped=unprovoked
    )
    # The over-cap account was reset: its scenario gets 200, so 402 goes unverified rather than passed.
    yield on_staging(Fault("402-account-not-capped", 402, organization_answer, GREEN), skipped=(402, *unprovoked))


def transport_faults() -> Iterator[Fault]:
    """Answers that stall, never end or would exhaust memory, and a cookie offered in place of credentials."""
    yield Fault("200-body-over-cap", 200, rebody(merged(padding="x" * 2048)), path="$", gate_args=("--max-body", "1KiB"))
    yield Fault("200-gzip-bomb", 200, gzip_bomb, path="$")
    yield Fault("200-body-stalls-past-deadline", 200, trickled(0.3, pieces=20), path="HTTP", gate_args=("--request-timeout", "1"))
    yield Fault("200-body-trickled-within-deadline", 200, trickled(0.05, pieces=10), GREEN, gate_args=("--request-timeout", "3"))
    yield Fault("401-session-cookie-instead-of-credentials", 401, cookie_instead_of_credentials, GREEN)


def gzip_bomb(request: Request, reference: Response) -> Response:
    """Endless gzip of zeros: about 1 KiB on the wire per MiB decoded; the stream stops when the client hangs up."""
    from .raw_servers import gzip_bomb as blocks

    return Response(blocks(), status=reference.status_code, content_type=JSON, headers={"Content-Encoding": "gzip"})


def trickled(interval: float, *, pieces: int) -> Rewrite:
    """The reference's body in `pieces`, one every `interval` seconds."""

    def rewrite(request: Request, reference: Response) -> Response:
        data = reference.get_data()
        size = -(-len(data) // pieces)

        def stream() -> Iterator[bytes]:
            for start in range(0, len(data), size):
                time.sleep(interval)
                yield data[start : start + size]

        return Response(stream(), status=reference.status_code, content_type=JSON)

    return rewrite


def cookie_instead_of_credentials(request: Request, reference: Response) -> Response:
    """Every refusal hands out a session cookie that is then taken instead of credentials: a client that
    keeps cookies between tests would see its missing-credentials test authenticated."""
    if request.cookies.get("session") == "s-7c1e":
        return organization_answer(request, reference)
    reference.set_cookie("session", "s-7c1e", httponly=True)
    return reference


# -- a hostile target: credentials echoed in every form, cookies, control characters ---------------

CONTROL_TEXT = "\x1b[2K\r\x1b[32m===== 9 passed in 0.01s =====\x1b[0m\x9b2K\x07"


def echoed_secret(request: Request) -> tuple[str, str]:
    """The secret the caller sent, and `id:secret` for HTTP Basic (else "")."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Basic":
        return value, ""
    pair = base64.b64decode(value).decode("utf-8", errors="replace")
    return pair.partition(":")[2], pair


def session_cookie(secret: str) -> str:
    """The session cookie the hostile 401 variant sets (and echoes) for a caller with this secret."""
    return "c00kie-" + hashlib.sha256(secret.encode()).hexdigest()[:20]


def credential_echoes(secret: str, pair: str = "") -> dict[str, str]:
    """The ways a leaky server gives a secret back, by name. The gate must mask every one."""
    half = len(secret) // 2
    echoes = {
        "raw": secret,
        "json-escaped": json.dumps(secret)[1:-1],
        "json-solidus-escaped": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "json-unicode-escaped": "".join(f"\\u{ord(ch):04x}" for ch in secret),
        "percent-encoded": quote(secret, safe=""),
        "percent-encoded-slash-kept": quote(secret, safe="/"),
        "percent-encoded-lower-hex": re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
        "form-encoded": quote_plus(secret),
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64-url-unpadded": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        "base64-inside-longer": base64.b64encode(f'{{"sub":"x","tok":"{secret}"}}'.encode()).decode(),
        "html-escaped": html.escape(secret),
        "split-by-line-break": f"{secret[:half]}\n        {secret[half:]}",
        "fragment": secret[2:16],
        "prefix-behind-long-text": "x" * 50 + secret,  # a cut at 80 characters would leave half the secret
    }
    if pair:
        echoes["base64-id-secret"] = base64.b64encode(pair.encode()).decode()
    return echoes


def hostile_target_faults() -> Iterator[Fault]:
    """A target that echoes the caller's credentials everywhere, sets cookies and sends control characters."""

    def echoes(request: Request) -> dict[str, str]:
        return credential_echoes(*echoed_secret(request))

    def with_echoed_names(doc: object, request: Request) -> dict:
        assert isinstance(doc, dict)
        return {**doc, **{text: name for name, text in echoes(request).items()}}

    def field_names_200(request: Request, reference: Response) -> Response:
        return answer(json.dumps(with_echoed_names(document(reference), request)), 200)

    def field_names_402(request: Request, reference: Response) -> Response:
        doc = with_echoed_names(document(reference), request)
        doc["error"] = with_echoed_names(doc["error"], request)
        return answer(json.dumps(doc), 402)

    # Each typed member gets one echo as its wrong value, so the failure text shows it; with --strict-fields
    # every echo is also an undocumented member name, each its own violation.
    shown_as_values = {
        "organizationType": "prefix-behind-long-text",
        "messagesCap": "raw",
        "costCap": "base64",
        "smsCap": "fragment",
        "callCap": "split-by-line-break",
        "anniversaryDate": "json-unicode-escaped",
        "allowOverage": "html-escaped",
        "createdAt": "percent-encoded-lower-hex",
        "updatedAt": "base64-inside-longer",
    }

    def values_200(request: Request, reference: Response) -> Response:
        texts = echoes(request)
        doc = with_echoed_names(document(reference), request) | {member: texts[name] for member, name in shown_as_values.items()}
        headers = {f"X-Echo-{name}": text for name, text in texts.items() if "\n" not in text}
        return answer(json.dumps(doc), f"200 OK {echoed_secret(request)[0]}", **headers)

    def everything_401(request: Request, reference: Response) -> Response:
        secret = echoed_secret(request)[0]
        cookie = session_cookie(secret)
        body = "\n".join(f"{name}: {text}" for name, text in {**echoes(request), "cookie": cookie}.items())
        response = answer(body, f"401 Unauthorized {secret}", "text/plain", **{"X-Echo": request.headers.get("Authorization", "")})
        response.headers.add("Set-Cookie", f"session={cookie}; Path=/; HttpOnly")
        return response

    def control_characters(request: Request, reference: Response) -> Response:
        in_header = CONTROL_TEXT.replace("\r", "")  # werkzeug refuses a line break in a header; a status line takes it
        return answer(reference.get_data(), f"203 {CONTROL_TEXT}", f"text/plain{in_header}", **{"X-Note": in_header})

    yield Fault("200-credentials-in-undocumented-field-names", 200, field_names_200, GREEN)
    yield Fault("402-credentials-in-undocumented-field-names", 402, field_names_402, GREEN)
    yield Fault("401-credentials-and-cookie-echoed", 401, everything_401, GREEN)
    yield Fault("200-credentials-echoed-as-wrong-values", 200, values_200, path="$.messagesCap", gate_args=("--strict-fields",))
    yield Fault("200-control-characters-in-reason-and-headers", 200, control_characters, path="HTTP status")


def build_catalogue() -> dict[str, Fault]:
    faults = [*organization_faults(), *credential_faults(), *hostile_target_faults(), *undocumented_answers()]
    for status in ERROR_STATUSES_WITH_BODY:
        faults.extend(envelope_faults(status))
    faults.extend(conforming_variants())
    faults.extend(staging_faults())
    faults.extend(ambiguous_body_faults())
    faults.extend(transport_faults())
    catalogue = {fault.name: fault for fault in faults}
    assert len(catalogue) == len(faults), "fault names must be unique"
    assert all(fault.status in CONTRACT for fault in faults), "a fault rewrites a documented status"
    assert all(fault.path for fault in faults if fault.verdict == RED), "a red fault names the path its failure must show"
    return catalogue


CATALOGUE = build_catalogue()


# -- the server -----------------------------------------------------------------------------------


class FaultApp:
    """WSGI app: `/fault/<name>/account/organization` answers like the reference, broken by fault <name>."""

    def __init__(self, credentials: Credentials, catalogue: dict[str, Fault] = CATALOGUE):
        self.deployments: dict[str, ReferenceApp | StagingApp] = {
            "reference": ReferenceApp(credentials),
            "staging": StagingApp(credentials),
        }
        self.catalogue = catalogue

    def respond(self, request: Request) -> Response:
        name, _, rest = request.path.removeprefix(PREFIX).partition("/")
        fault = self.catalogue.get(name) if request.path.startswith(PREFIX) else None
        if fault is None:
            return answer(json.dumps({"error": f"no fault at {request.path}; try {PREFIX}<name>{OPERATION_PATH}"}), 404)
        environ = dict(request.environ, PATH_INFO="/" + rest)
        reference = self.deployments[fault.deployment].respond(Request(environ))
        if reference.status_code != fault.status:
            return reference
        return fault.rewrite(request, reference)

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)


def base_url(server_url: str, fault: Fault) -> str:
    return f"{server_url}{PREFIX}{fault.name}"


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.helpers.faults [--port N] [--token T]`: serve the catalogue to try a variant by hand."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.helpers.faults", description=main.__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="fault-token", help="bearer token the faulty server requires")
    args = parser.parse_args(argv)
    server = make_server("127.0.0.1", args.port, FaultApp(Credentials.bearer(args.token)), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    for fault in CATALOGUE.values():
        print(f"{fault.verdict:5}  {base_url(url, fault)}")
    print(f"{len(CATALOGUE)} variants; bearer token {args.token!r}; Ctrl-C stops", flush=True)
    print(f"staging-* variants: also {OVERCAP_ENV}={OVERCAP_TOKEN} and {' '.join(STAGING_ARGS)}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
