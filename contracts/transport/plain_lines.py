"""A JSON Lines capture line in its common form, read in one native pass: what judging needs, without a `Recorded`.

Why: most lines of a gateway's capture look alike (a status, headers as an object of strings, a text body, perhaps
a method and a URL), and reading them is most of what replay does besides judging. msgspec reads such a line
into `CaptureLine` at once; any other line is left to the full reading (`captures.recorded`), which reads every
form and says what is wrong with a line. Both readings give the same answer: tests/replay/test_plain_lines.py.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import msgspec

from contracts.core.contract import OPERATION_PATH
from contracts.core.limits import DEFAULT_MAX_BODY
from contracts.core.redaction import header_secrets, secret_header
from contracts.transport.captures import is_operation


class CaptureLine(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A JSON Lines capture line in its common form: only these members, a text body, headers as an object of strings."""

    status: Annotated[int, msgspec.Meta(ge=1, le=999)]
    body: str
    headers: dict[str, str] | None = None
    method: str = "GET"
    url: str = OPERATION_PATH  # a line without one is taken as this operation
    reason: str | None = ""
    request_headers: dict[str, str] | None = None


_LINE = msgspec.json.Decoder(CaptureLine)

# What a header name is to the quick reading (computed once per name: captures repeat them).
_OTHER, _SECRET, _CONTENT_TYPE, _NOT_PLAIN = range(4)


@lru_cache(maxsize=1024)
def _role(name: str) -> int:
    if name[:1] == ":":
        return _NOT_PLAIN  # HTTP/2 pseudo-headers, which the full reader drops
    if secret_header(name):
        return _SECRET
    lowered = name.lower()
    if lowered == "content-encoding":
        return _NOT_PLAIN  # a body that may need decompressing
    return _CONTENT_TYPE if lowered == "content-type" else _OTHER


def _plain_headers(headers: dict[str, str] | None, secrets: list[str]) -> str | None:
    """The Content-Type of an object of string headers, their credential values added to `secrets`; None for a
    pseudo-header or an encoded body (left to the full reader)."""
    if not headers:
        return ""
    content_type = None
    for name, value in headers.items():
        role = _role(name)
        if role == _OTHER:
            continue
        if role == _SECRET:
            secrets.extend(header_secrets(name, value))
        elif role == _CONTENT_TYPE:
            if content_type is None:
                content_type = value
        else:
            return None
    return content_type or ""


def plain_line(line: bytes, max_body: int = DEFAULT_MAX_BODY) -> tuple[int, str, bytes, str, tuple[str, ...], bool] | None:
    """Status, Content-Type, body, reason, secrets and whether it is this operation, as `recorded` reads them,
    for a JSON line in the common form (`CaptureLine`): a text body, headers as an object of strings, a URL that
    needs no masking. None for every other line, which `recorded` reads in full (and says what is wrong with it):
    another member, a status that is not an integer from 1 to 999 (`NaN` included), anything that is not JSON."""
    try:
        entry = _LINE.decode(line)
    except ValueError:  # msgspec's DecodeError and ValidationError; UnicodeDecodeError from msgspec 0.22
        return None
    url = entry.url
    if "?" in url or "#" in url or "@" in url:
        return None  # a URL that may hold credentials to mask
    secrets: list[str] = []  # those of the request first, as the full reader finds them
    if _plain_headers(entry.request_headers, secrets) is None:
        return None
    content_type = _plain_headers(entry.headers, secrets)
    if content_type is None:
        return None
    raw = entry.body.encode()  # msgspec refuses lone surrogates: the text always encodes
    if len(raw) > max_body:
        return None
    return entry.status, content_type, raw, entry.reason or "", tuple(secrets), is_operation(entry.method, url)
