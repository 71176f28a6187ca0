"""Redact credentials by value, in every form a server or a log may give them back.

A secret is masked raw, JSON-escaped, percent-encoded, base64-encoded and HTML-escaped, whole or as any
12-character fragment of one of those forms (a value cut short, or echoed in part), and also when a line
break (and indentation) splits it. Redact raw text first; cut and escape it afterwards."""

from __future__ import annotations

import base64
import binascii
import bisect
import html
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

from contracts.core.credentials import MIN_SECRET_LENGTH, Credentials
from contracts.core.exchange import REDACTED_HEADER
from contracts.core.violations import quoted_name

MASK = "***REDACTED***"
FRAGMENT = 12  # any run of this many characters of a secret's form is masked...
_EXPANDED = 2  # ...or, in a form at least this many times longer than the secret (`\u0074...`), as many secret characters
_ANCHOR = 7  # anchors taken every FRAGMENT - _ANCHOR + 1 characters: one lies inside any fragment
_STEP = FRAGMENT - _ANCHOR + 1

_RESERVED = ":/?#[]@!$&'()*+,;="  # RFC 3986 reserved characters, which some encoders keep
# Line breaks (raw, or as JSON/repr escapes) with nothing but blanks between them: a secret may be wrapped there. The
# blanks around a run are taken by hand (`_breaks`): a pattern that begins with `[ \t]*` is tried at every position of
# the text, and over a run of blanks at every blank of it.
_BREAK_RUN = re.compile(r"(?:\r\n|\r|\n|\\r\\n|\\n|\\r)(?:[ \t]*(?:\r\n|\r|\n|\\r\\n|\\n|\\r))*")
_HEX_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _breaks(text: str) -> list[tuple[int, int]]:
    """The spans of line breaks in `text`, each with the blanks on either side of it, in order, never overlapping."""
    spans: list[tuple[int, int]] = []
    for match in _BREAK_RUN.finditer(text):
        start, end = match.start(), match.end()
        while start > 0 and text[start - 1] in " \t" and (not spans or start > spans[-1][1]):
            start -= 1
        while end < len(text) and text[end] in " \t":
            end += 1
        if spans and start <= spans[-1][1]:  # only blanks between this run and the last: one span
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _collapse(text: str) -> str:
    kept, position = [], 0
    for start, end in _breaks(text):
        kept.append(text[position:start])
        position = end
    return "".join(kept) + text[position:]


def _json_forms(value: str) -> set[str]:
    escaped = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    escaped |= {form.replace("/", "\\/") for form in escaped}
    every_char = "".join(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else json.dumps(ch)[1:-1] for ch in value)
    return escaped | {every_char, every_char.upper().replace("\\U", "\\u")}


def _percent_forms(value: str) -> set[str]:
    encoded = {quote(value, safe=safe) for safe in ("", "/", _RESERVED)}
    encoded |= {quote_plus(value, safe=safe) for safe in ("", "/")}
    return encoded | {_HEX_ESCAPE.sub(lambda m: m.group().lower(), form) for form in encoded}


def _base64_forms(value: str) -> set[str]:
    """The value base64-encoded on its own, and the part of its encoding that does not depend on what
    surrounds it when it sits at any offset inside a longer encoded string (`Basic` of `id:secret`, a JWT...)."""
    raw = value.encode("utf-8")
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(raw).decode("ascii"))
        for offset in range(3):
            encoded = encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
            stable = encoded[(0, 2, 3)[offset] :]
            if (offset + len(raw)) % 3:
                stable = stable[:-1]  # its last character mixes in the bits of whatever follows
            forms.add(stable)
    return forms


def _html_forms(value: str) -> set[str]:
    quoted = html.escape(value, quote=True)
    return {value, quoted, html.escape(value, quote=False), quoted.replace("&#x27;", "&#39;").replace("&quot;", "&#34;")}


def forms_of(secret: str, *, base64_only: bool = False) -> set[str]:
    """Every spelling of `secret` this redactor masks (fragments of them too, when long enough)."""
    encoded = _base64_forms(secret)
    if not base64_only:
        encoded |= {secret, quoted_name(secret)} | _json_forms(secret) | _percent_forms(secret)
        encoded |= {json.dumps(form)[1:-1] for form in encoded}  # an escaped form inside a JSON string or member name
    spelled = {escaped for form in encoded for escaped in _html_forms(form)}
    return {_collapse(form) for form in spelled if form}


class Redactor:
    """Masks every form of the secrets it was given, and of those added while a run goes on (cookies).

    Search is one `str.find` pass per distinct anchor (a few characters of a form), then an extension
    around each hit, so a report of several MiB costs milliseconds, not a regex tried at every position."""

    def __init__(self, secret_values: Iterable[str] = ()):
        self._forms: set[str] = set()
        self._whole: set[str] = set()  # forms shorter than a fragment: masked only whole
        self._anchors: dict[str, list[tuple[str, int]]] = {}
        self._fragment: dict[str, int] = {}  # form -> the shortest run of it that is masked
        for value in secret_values:
            self.add(value)

    @classmethod
    def for_credentials(cls, *every: Credentials | None) -> Redactor:
        """Masks each secret, and each `Basic` header's base64 of `id:secret` (not the client id on its own)."""
        redactor = cls()
        for credentials in filter(None, every):
            for value in credentials.secret_values():
                redactor.add(value)
            if credentials.scheme == "basic":
                redactor.add(f"{credentials.client_id}:{credentials.client_secret}", base64_only=True)
        return redactor

    def add(self, secret: str, *, base64_only: bool = False) -> None:
        """Also mask `secret` from now on (values shorter than MIN_SECRET_LENGTH are ignored)."""
        if len(secret) < MIN_SECRET_LENGTH:
            return
        for form in forms_of(secret, base64_only=base64_only) - self._forms:
            self._forms.add(form)
            # Twelve characters of `\u0074\u006f...` are two of the secret, and common in unrelated JSON.
            expansion = len(form) / len(secret)
            self._fragment[form] = FRAGMENT if expansion < _EXPANDED else math.ceil(FRAGMENT * expansion)
            if len(form) <= self._fragment[form]:
                self._whole.add(form)
                continue
            starts = sorted({*range(0, len(form) - _ANCHOR + 1, _STEP), len(form) - _ANCHOR})
            for start in starts:
                self._anchors.setdefault(form[start : start + _ANCHOR], []).append((form, start))

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, text: str) -> str:
        if not self._forms or not text:
            return text
        searched, to_original = _without_breaks(text)
        spans = self._spans(searched)
        if not spans:
            return text
        out, last = [], 0
        for start, end in _merged(to_original(start, end) for start, end in spans):
            out.append(text[last:start])
            out.append(MASK)
            last = end
        out.append(text[last:])
        return "".join(out)

    def _spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for form in self._whole:
            spans.extend(_occurrences(text, form, len(form)))
        for anchor, places in self._anchors.items():
            for hit in _occurrences(text, anchor, 0):
                for form, offset in places:
                    span = _extend(text, hit[0], form, offset)
                    if span[1] - span[0] >= self._fragment[form]:
                        spans.append(span)
        return spans


def _occurrences(text: str, needle: str, length: int) -> Iterable[tuple[int, int]]:
    at = text.find(needle)
    while at != -1:
        yield at, at + length
        at = text.find(needle, at + 1)


def _extend(text: str, hit: int, form: str, offset: int) -> tuple[int, int]:
    """The longest run around `hit` in `text` that matches `form` around `offset` (the anchor matched there)."""
    start, index = hit, offset
    while index > 0 and start > 0 and text[start - 1] == form[index - 1]:
        start, index = start - 1, index - 1
    end, index = hit + _ANCHOR, offset + _ANCHOR
    while index < len(form) and end < len(text) and text[end] == form[index]:
        end, index = end + 1, index + 1
    return start, end


def _without_breaks(text: str) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """`text` with line breaks (and the spaces around them) removed, and a function taking a span of that
    text back to the span of `text` it came from."""
    removed = _breaks(text)
    if not removed:
        return text, lambda start, end: (start, end)
    kept_starts, shifts, parts, position, shift = [0], [0], [], 0, 0
    for start, end in removed:
        parts.append(text[position:start])
        shift += end - start
        position = end
        kept_starts.append(end - shift)  # where the text after this break starts, in the searched copy
        shifts.append(shift)
    parts.append(text[position:])

    def original(index: int) -> int:
        return index + shifts[bisect.bisect_right(kept_starts, index) - 1]

    return "".join(parts), lambda start, end: (original(start), original(end - 1) + 1)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# -- cookies: secrets the target hands out -----------------------------------------------------------

_SET_COOKIE_PAIR = re.compile(r"(^|,\s*)([^=;,\s]+=)([^;,]*)")
_COOKIE_PAIR = re.compile(r"(^|;\s*)([^=;\s]+=)([^;]*)")
COOKIE_MASK = REDACTED_HEADER  # a cookie value is shown as a credential header is


def cookie_values(headers: Mapping[str, str]) -> list[str]:
    """The values of the cookies in `Set-Cookie` / `Cookie` headers (a joined `Set-Cookie` too)."""
    values: list[str] = []
    for name, value in headers.items():
        pattern = {"set-cookie": _SET_COOKIE_PAIR, "cookie": _COOKIE_PAIR}.get(name.lower())
        if pattern is not None:
            values.extend(match.group(3).strip().strip('"') for match in pattern.finditer(value))
    return [value for value in values if value]


def masked_header(name: str, value: str) -> str:
    """A header value fit to show: cookie values masked (`session=<redacted>; Path=/`), the rest as is."""
    pattern = {"set-cookie": _SET_COOKIE_PAIR, "cookie": _COOKIE_PAIR}.get(name.lower())
    if pattern is None:
        return value
    return pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{COOKIE_MASK}", value)


# -- credentials in recorded headers and URLs: masked where they stand, their values kept for redaction by value ---

# Header names whose values are credentials. Cookies included: a session cookie is a bearer token by another name.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "apikey"})


_SECRET_NAME_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "api-key",
    "api_key",
    "apikey",
    "session",
    "signature",
    "credential",
    "x-auth",
)


# Query (and fragment) parameters that carry credentials: OAuth tokens, API keys, signed-URL signatures.
_SECRET_PARAMETERS = frozenset({"key", "sig", "auth", "code", "jwt", "access_token", "api_key", "apikey", "client_secret"})


_SECRET_PARAMETER_PARTS = ("token", "secret", "password", "signature", "credential", "session", "apikey", "api_key")


@lru_cache(maxsize=1024)
def secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_HEADERS or any(part in lowered for part in _SECRET_NAME_PARTS)


def _secret_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_PARAMETERS or any(part in lowered for part in _SECRET_PARAMETER_PARTS)


def header_secrets(name: str, value: str) -> list[str]:
    """The credential values inside a secret header: the whole value, a token after its scheme, a Basic
    pair and its secret, each cookie's value."""
    found = [value]
    lowered = name.lower()
    if lowered in ("cookie", "set-cookie"):
        pairs = value.split(";") if lowered == "cookie" else value.split(";", 1)[:1]
        found += [pair.split("=", 1)[1].strip() for pair in pairs if "=" in pair]
    elif " " in value.strip():
        scheme, credential = value.strip().split(" ", 1)
        found.append(credential.strip())
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                pair = ""
            found += [pair, pair.split(":", 1)[-1]] if ":" in pair else []
    return [secret for secret in found if len(secret) >= MIN_SECRET_LENGTH]


def _masked_parameters(text: str, secrets: list[str]) -> str:
    if "=" not in text:
        return text
    parts = []
    for name, value in parse_qsl(text, keep_blank_values=True):
        if _secret_parameter(name) and value:
            secrets.extend(v for v in (value,) if len(v) >= MIN_SECRET_LENGTH)
            value = MASK
        parts.append(f"{name}={value}")
    return "&".join(parts)


def masked_url(url: str, secrets: list[str]) -> str:
    """The URL with credential-like query and fragment parameters and any userinfo password masked; their values go to `secrets`."""
    if "?" not in url and "#" not in url and "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK  # not a URL we can take apart: show none of it
    netloc = parts.netloc
    if parts.password:
        secrets.extend(v for v in (parts.password,) if len(v) >= MIN_SECRET_LENGTH)
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    query, fragment = _masked_parameters(parts.query, secrets), _masked_parameters(parts.fragment, secrets)
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def masked_headers(headers: dict[str, str], secrets: list[str]) -> dict[str, str]:
    if not headers:
        return headers
    masked = {}
    for name, value in headers.items():
        if secret_header(name):
            secrets.extend(header_secrets(name, value))
            value = REDACTED_HEADER
        masked[name] = value
    return masked
