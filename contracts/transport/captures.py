"""Recorded traffic read from captures: HAR 1.2 (browsers, Playwright, mitmproxy) and JSON Lines (gateways).

Captures are read in chunks, so a file of any size is judged in bounded memory: `chunks(path)` (or
`stream_chunks(stream)`, for standard input) yields raw blocks of whole JSON lines, or batches of HAR
entries streamed with ijson; `recorded(chunk)` turns
one chunk into `Recorded` exchanges (or the reason an entry cannot be read), each with its secrets
already masked: credentials in headers and URLs are replaced, and their values kept for a `Redactor`
so an echo of them in a body is masked too. The capture itself is only ever read. Most JSON lines are read
faster, by `plain_lines.plain_line`; `recorded(chunk, settled)` leaves those to the caller.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import msgspec

from contracts.core.contract import OPERATION_PATH
from contracts.core.exchange import Exchange, header
from contracts.core.limits import DEFAULT_MAX_BODY
from contracts.core.redaction import masked_headers, masked_url

MAX_LINE = 64 * 1024 * 1024  # a JSON line can hold a capped body base64'd or escaped: beyond this it is not a capture line
_BLOCK = 4 * 1024 * 1024  # JSON Lines read per chunk
_HAR_BATCH = 2000  # HAR entries per chunk


class UnreadableCapture(ValueError):
    """A capture that cannot be read at all (not HAR, not JSON Lines, cut off mid-document)."""


@dataclass(frozen=True)
class Chunk:
    """Part of one capture: `lines` (raw JSON lines, the first numbered `first`) or `entries` (HAR entries from `first`)."""

    file: str
    first: int
    lines: bytes = b""
    entries: list = field(default_factory=list)
    notes: tuple[tuple[int, str], ...] = ()  # entries the reader itself could not take (too long), by number


@dataclass(slots=True)  # not frozen: built once per recorded line, where frozen's __setattr__ detour shows
class Recorded:
    """One entry of a capture: an answer (secrets masked) or why it cannot be judged (`unreadable`).

    What judging needs is kept as it is; the whole `exchange` is built only when it is shown."""

    label: str  # FILE#N
    status: int = 0
    reason: str = ""
    content_type: str = ""
    body: bytes = b""
    secrets: tuple[str, ...] = ()  # credential values found in its headers and URL
    body_recorded: bool = True
    operation: bool = True  # GET …/account/organization
    unreadable: str = ""
    request: tuple[str, str, dict[str, str], dict[str, str], float] = ("GET", "", {}, {}, 0.0)  # method, URL, headers both ways, elapsed

    @property
    def exchange(self) -> Exchange:
        method, url, sent, received, elapsed = self.request
        return Exchange(method, url, sent, self.status, self.reason, received, self.body, elapsed, body_recorded=self.body_recorded)


# -- one exchange -------------------------------------------------------------------------------


class _Malformed(ValueError):
    """An entry missing a field the judgement needs, or holding one of the wrong type."""


def _headers(value: object, where: str) -> dict[str, str]:
    """An object of name: value (or list of values), a list of [name, value] pairs, or HAR's list of {name, value}."""
    if value is None:
        return {}
    pairs: list[tuple[object, object]]
    if type(value) is dict:
        for name, v in value.items():
            if type(v) is not str or name[:1] == ":":
                break
        else:
            return value  # the common form, already as wanted (names are strings: it came from JSON)
    if isinstance(value, dict):
        pairs = [(name, v) for name, values in value.items() for v in (values if isinstance(values, list) else [values])]
    elif isinstance(value, list):
        pairs = []
        for item in value:
            if isinstance(item, dict) and "name" in item and "value" in item:
                pairs.append((item["name"], item["value"]))
            elif isinstance(item, list) and len(item) == 2:
                pairs.append((item[0], item[1]))
            else:
                raise _Malformed(f"{where}: expected [name, value] pairs or {{name, value}} objects")
    else:
        raise _Malformed(f"{where}: expected an object or a list of pairs")
    headers: dict[str, str] = {}
    for name, v in pairs:
        if not isinstance(name, str) or not isinstance(v, str | int | float) or isinstance(v, bool):
            raise _Malformed(f"{where}: header names and values must be strings")
        if name.startswith(":"):
            continue  # HTTP/2 pseudo-headers (:status, :path) as some tools record them
        headers[name] = f"{headers[name]}, {v}" if name in headers else str(v)
    return headers


def _decoded(body: bytes, headers: dict[str, str], cap: int) -> bytes:
    """A body the capture kept still compressed (base64 of gzip bytes under Content-Encoding: gzip) decoded,
    up to one byte beyond `cap` (so a longer body shows as one); a body already decoded (what HAR prescribes) is left as it is."""
    if not body:
        return body
    encoding = header(headers, "content-encoding").strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return body
    if encoding != "deflate" and not body.startswith(b"\x1f\x8b"):
        return body
    decompressor = zlib.decompressobj(wbits=47 if encoding != "deflate" else 15)
    try:
        return decompressor.decompress(body, cap + 1)
    except zlib.error:
        return body  # not compressed after all: judge what was recorded


def _body(text: object, encoded: object, where: str) -> bytes | None:
    if type(text) is str and not encoded:
        return text.encode("utf-8", "surrogatepass")  # a lone surrogate stays visible to the strict parser as undecodable bytes
    if text is None:
        return None
    if not isinstance(text, str):
        raise _Malformed(f"{where}: expected text")
    if encoded:
        try:
            return base64.b64decode("".join(text.split()), validate=True)  # MIME-style line breaks allowed
        except (binascii.Error, ValueError):
            raise _Malformed(f"{where}: not valid base64") from None
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate stays visible to the strict parser as undecodable bytes


def _status(value: object, where: str) -> int:
    if type(value) is int and 0 <= value <= 999:
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
        or not 0 <= value <= 999
    ):
        raise _Malformed(f"{where}: expected an HTTP status code")
    return int(value)


def is_operation(method: str, url: str) -> bool:
    if url == OPERATION_PATH and method == "GET":  # how a gateway line without method and url is taken
        return True
    path = url.split("#", 1)[0].split("?", 1)[0]
    return method.upper() == "GET" and path.rstrip("/").endswith(OPERATION_PATH)


def exchange(
    label: str,
    *,
    method: str,
    url: str,
    request_headers: dict[str, str],
    status: int,
    reason: str,
    response_headers: dict[str, str],
    body: bytes | None,
    elapsed: float,
    max_body: int,
) -> Recorded:
    """A recorded exchange with its credentials masked (their values kept for redaction by value)."""
    secrets: list[str] = []
    shown_url = masked_url(url, secrets)
    sent = masked_headers(request_headers, secrets)
    received = masked_headers(response_headers, secrets)
    return Recorded(
        label,
        status,
        reason,
        header(received, "content-type"),
        b"" if body is None else _decoded(body, response_headers, max_body),
        tuple(secrets),
        body_recorded=body is not None,
        operation=is_operation(method, url),
        request=(method, shown_url, sent, received, elapsed),
    )


def _from_json_line(label: str, line: bytes, max_body: int = DEFAULT_MAX_BODY) -> Recorded:
    try:
        entry = msgspec.json.decode(line)
    except (ValueError, RecursionError):
        try:  # msgspec refuses what the standard library takes (a lone surrogate in a logged body)
            entry = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise _Malformed(f"not a JSON object ({exc.__class__.__name__}: {str(exc).split(':')[0]})") from None
    if not isinstance(entry, dict):
        raise _Malformed("not a JSON object")
    method, url = entry.get("method", "GET"), entry.get("url", OPERATION_PATH)
    if not isinstance(method, str) or not isinstance(url, str):
        raise _Malformed("method and url must be strings")
    if "body" in entry and "body_base64" in entry:
        raise _Malformed("both body and body_base64: keep one")
    body = _body(entry["body_base64"], True, "body_base64") if "body_base64" in entry else _body(entry.get("body"), False, "body")
    reason = entry.get("reason", "")
    return exchange(
        label,
        method=method,
        url=url,
        request_headers=_headers(entry.get("request_headers"), "request_headers"),
        status=_status(entry.get("status"), "status"),
        reason=reason if isinstance(reason, str) else "",
        response_headers=_headers(entry.get("headers"), "headers"),
        body=body,
        elapsed=0.0,
        max_body=max_body,
    )


def _from_har_entry(label: str, entry: object, max_body: int = DEFAULT_MAX_BODY) -> Recorded:
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict) or not isinstance(entry.get("response"), dict):
        raise _Malformed("expected an entry with request and response objects")
    request, response = entry["request"], entry["response"]
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not isinstance(url, str):
        raise _Malformed("request.method and request.url must be strings")
    content = response.get("content") or {}
    if not isinstance(content, dict):
        raise _Malformed("response.content must be an object")
    body = _body(content.get("text"), content.get("encoding") == "base64", "response.content.text")
    if body is None and not content.get("size"):
        body = b""  # nothing to record: an empty body, not a missing one
    reason = response.get("statusText", "")
    elapsed = entry.get("time", 0)
    return exchange(
        label,
        method=method,
        url=url,
        request_headers=_headers(request.get("headers"), "request.headers"),
        status=_status(response.get("status"), "response.status"),
        reason=reason if isinstance(reason, str) else "",
        response_headers=_headers(response.get("headers"), "response.headers"),
        body=body,
        elapsed=elapsed / 1000 if isinstance(elapsed, int | float) and elapsed > 0 else 0.0,
        max_body=max_body,
    )


def recorded(chunk: Chunk, settled: Callable[[int, bytes], bool] | None = None, *, max_body: int = DEFAULT_MAX_BODY) -> Iterator[Recorded]:
    """Each entry of a chunk, in order; an entry that cannot be read says why, and the rest still are.
    `settled(number, line)`, when given, may deal with a JSON line itself (True): that line is not read here."""
    for number, note in chunk.notes:
        yield Recorded(f"{chunk.file}#{number}", unreadable=note)
    for number, entry in enumerate(chunk.entries, start=chunk.first):
        yield _guarded(f"{chunk.file}#{number}", "HAR entry", partial(_from_har_entry, max_body=max_body), entry)
    if chunk.lines:
        for number, line in enumerate(chunk.lines.split(b"\n"), start=chunk.first):
            if settled is not None and settled(number, line):
                continue
            line = line.removesuffix(b"\r")
            if line.strip():  # a blank line holds no exchange
                yield _guarded(f"{chunk.file}#{number}", "JSON line", partial(_from_json_line, max_body=max_body), line)


def _guarded(label: str, kind: str, build: Callable[[str, Any], Recorded], item: object) -> Recorded:
    try:
        return build(label, item)
    except _Malformed as exc:
        return Recorded(label, unreadable=f"malformed {kind}: {exc}")


# -- reading files in chunks --------------------------------------------------------------------


_SNIFF = 1024 * 1024  # bytes of the first line read to tell HAR from JSON Lines
_FIRST_KEY = re.compile(rb'\A\s*\{\s*"([^"\\]{0,64})"')


def _is_har(first: bytes, suffix: str = "") -> bool:
    """A `.har` file, or a JSON document whose first line is not one whole JSON Lines entry."""
    if suffix.lower() == ".har":
        return True
    if len(first) >= _SNIFF and not first.endswith(b"\n"):  # a first line longer than the sniff: judge by its first member
        key = _FIRST_KEY.match(first)
        return key is not None and key.group(1) == b"log"
    try:
        entry = msgspec.json.decode(first)
    except (ValueError, RecursionError):
        return first.lstrip().startswith(b"{")  # a pretty-printed document: HAR; else lines, each judged
    return isinstance(entry, dict) and "log" in entry and "status" not in entry


class _Prefixed:
    """A binary stream whose first bytes were read to tell its format, put back in front (stdin cannot seek)."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(size)
        if size < 0:
            data, self.head = self.head + self.rest.read(), b""
        else:
            data, self.head = self.head[:size], self.head[size:]
        return data


def chunks(path: Path, label: str) -> Iterator[Chunk]:
    with path.open("rb") as handle:
        yield from stream_chunks(handle, label, suffix=path.suffix)


def stream_chunks(stream: BinaryIO, label: str, *, suffix: str = "") -> Iterator[Chunk]:
    """The chunks of one capture read from a stream (a file, or standard input), HAR or JSON Lines."""
    first = stream.readline(_SNIFF)
    handle = _Prefixed(first, stream)
    return _har_chunks(handle, label) if _is_har(first, suffix) else _line_chunks(handle, label)


def _line_chunks(handle: _Prefixed, label: str) -> Iterator[Chunk]:
    """Blocks of whole lines, numbered; a line longer than MAX_LINE is skipped with a note."""
    number = 1  # the number of the first line in `carry`
    carry = b""
    skipping = False
    while block := handle.read(_BLOCK):
        if skipping:
            end = block.find(b"\n")
            if end < 0:
                continue
            block, skipping = block[end + 1 :], False
            number += 1
        carry += block
        end = carry.rfind(b"\n")
        if end < 0:
            if len(carry) > MAX_LINE:
                yield Chunk(label, number, notes=((number, f"line longer than {MAX_LINE:,} bytes: not judged"),))
                carry, skipping = b"", True
            continue
        whole, carry = carry[:end], carry[end + 1 :]
        yield Chunk(label, number, lines=whole)
        number += whole.count(b"\n") + 1
    if carry and not skipping:
        yield Chunk(label, number, lines=carry)


def _har_chunks(handle: _Prefixed, label: str) -> Iterator[Chunk]:
    batch: list = []
    first = 1
    try:
        for number, entry in enumerate(ijson.items(handle, "log.entries.item", use_float=True), start=1):
            batch.append(entry)
            if len(batch) == _HAR_BATCH:
                yield Chunk(label, first, entries=batch)
                batch, first = [], number + 1
    except ijson.JSONError as exc:
        if batch:
            yield Chunk(label, first, entries=batch)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        position = first + len(batch)
        yield Chunk(
            label, position, notes=((position, f"the HAR document is not valid JSON from here on ({reason}): the rest is not judged"),)
        )
        return
    if batch:
        yield Chunk(label, first, entries=batch)
