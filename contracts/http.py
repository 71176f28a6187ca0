"""One HTTP exchange with the target, bounded whatever the target does.

- Time: one wall-clock deadline per exchange (connect, TLS, status line, headers, body), the probe
  included. requests' own timeout is per socket operation, so a target trickling a byte at a time
  would never trip it: at the deadline a watchdog shuts the exchange's sockets down instead.
- Memory: the body is read in chunks and decoded incrementally (gzip included), up to a cap.
- What is sent: exactly the credentials asked for (never `~/.netrc`'s), and no cookie is kept.
- Connection errors are retried; a request that reached the server never is.
- Classification: no byte of an answer is `TargetUnreachable` (retry later); an answer that began
  and then broke HTTP (malformed, cut off, stalled) is `TargetBrokeProtocol` (a contract failure).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlencode

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3 import poolmanager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from . import __version__
from .config import Credentials, Settings
from .table import CONTRACT
from .validation import check_document, parse_json
from .violations import Violation, describe

REDACTED_HEADER = "<redacted>"
CHUNK = 64 * 1024
_REASON_LIMIT = 200  # a reason phrase may be 64 KiB long; nobody needs more than this of it


class TargetUnreachable(ConnectionError):
    """No HTTP answer at all: refused, DNS, TLS or not one byte before the deadline. Says what, where and how long."""


class TargetBrokeProtocol(Exception):
    """The target answered, then broke HTTP: a malformed status line or headers, a body cut off or
    undecodable, or an answer that stalled before it was complete. `violation` says what."""

    def __init__(self, where: str, violation: Violation):
        self.where = where
        self.violation = violation
        super().__init__(f"{where}: {violation}")


def header(headers: Mapping[str, str], lowered_name: str) -> str:
    """A header's value by its name in lower case, whatever case it was written in; "" when absent."""
    for name, value in headers.items():
        if name.lower() == lowered_name:
            return value
    return ""


@dataclass(frozen=True)
class Exchange:
    """A request and its response; the request's credentials are already masked."""

    method: str
    url: str
    request_headers: dict[str, str]
    status: int
    reason: str
    response_headers: dict[str, str]
    body: bytes = field(repr=False)
    elapsed: float
    truncated_at: int | None = None  # the body cap, when the body was longer and only that much was read

    @property
    def content_type(self) -> str:
        return header(self.response_headers, "content-type")

    @cached_property
    def json(self) -> object:
        """The body as strict JSON; raises `validation.NotJSON`."""
        return parse_json(self.body)

    @cached_property
    def judged_body(self) -> tuple[object, tuple[Violation, ...]]:
        """The body as a document (None when it is not JSON) and every violation of the schema its status documents,
        judged once: the body check and drift both need them, and judging twice would double replay's cost."""
        contract = CONTRACT.get(self.status)
        if contract is None or contract.body is None:
            return None, ()
        document, violations = check_document(contract.body, self.body)
        return document, tuple(violations)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


# -- the deadline of one exchange ------------------------------------------------------------------

_current = threading.local()


class _Deadline:
    """The wall-clock end of one exchange. When it passes, every socket the exchange touched is shut
    down, so whatever read or handshake is blocked on the target returns at once. Also counts the
    bytes of HTTP received, which tells "no answer" from "an answer that stopped"."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds
        self.received = 0
        self.expired = False
        self.unresolved = ""  # a host name the resolver did not answer for in time
        self._done = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    def finish(self) -> None:
        """From here on `expired` is final: the exchange is over, either way."""
        _current.deadline = None
        self._timer.cancel()
        with self._lock:
            self._done = True
            watched, self._watched = self._watched, []
        for sock in watched:
            sock.close()

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        # A duplicate descriptor of the same socket: shutting it down stops the connection even after
        # TLS has taken the original over, and it never outlives this exchange.
        duplicate = socket.socket(fileno=os.dup(sock.fileno()))
        with self._lock:
            done, expired = self._done, self.expired
            if not done:
                self._watched.append(duplicate)
        if done:
            duplicate.close()
        elif expired:
            _shut(duplicate)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            watched = list(self._watched)
        for sock in watched:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other end
        sock.shutdown(socket.SHUT_RDWR)


def _deadline() -> _Deadline | None:
    return getattr(_current, "deadline", None)


class _WatchedSocket:
    """The connection's socket as http.client reads it: every read joins the current exchange's
    deadline (a kept-alive connection serves several exchanges) and counts the bytes received."""

    def __init__(self, sock: socket.socket, deadline: _Deadline | None):
        self._sock = sock
        self._deadline = deadline

    def _join(self) -> _Deadline | None:
        deadline = _deadline()
        if deadline is not None and deadline is not self._deadline:
            deadline.watch(self._sock)
            self._deadline = deadline
        return deadline

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        deadline = self._join()
        count = self._sock.recv_into(buffer, nbytes, flags)
        if deadline is not None:
            deadline.received += count
        return count

    def sendall(self, data, flags: int = 0) -> None:
        self._join()
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "rb", buffering: int | None = None, **kwargs: object) -> io.BufferedReader:
        # What socket.makefile does, reading through this wrapper (http.client asks for "rb" only).
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        return io.BufferedReader(socket.SocketIO(self, "rb"), buffering or io.DEFAULT_BUFFER_SIZE)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


def _resolves_within(host: str, port: int, seconds: float) -> bool:
    """Whether the host name resolves (or fails to) within `seconds`. getaddrinfo blocks in the C library,
    where no socket timeout and no watchdog reach, so it runs in a thread of its own that is waited for
    only that long; a resolver stuck for minutes is left to finish behind the exchange's back."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True  # an address: nothing to resolve
    except ValueError:
        pass
    answered = threading.Event()

    def look_up() -> None:
        with contextlib.suppress(OSError, UnicodeError):  # a name that does not resolve is urllib3's to report
            socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        answered.set()

    threading.Thread(target=look_up, name=f"resolve {host}", daemon=True).start()
    return answered.wait(seconds)


class _BoundedConnectionMixin:
    """Connects within the time left to the exchange, and hands http.client a watched socket."""

    timeout: float | None
    sock: object
    _dns_host: str
    port: int

    def _new_conn(self) -> socket.socket:
        deadline = _deadline()
        if deadline is not None:
            left = deadline.remaining()
            if left <= 0:
                raise urllib3.exceptions.ConnectTimeoutError(self, "no time left to connect")
            # Resolved first within the time left; urllib3 then asks the resolver again, which has just answered.
            if not _resolves_within(self._dns_host, self.port, left):
                deadline.unresolved = self._dns_host
                raise urllib3.exceptions.ConnectTimeoutError(self, f"host name {self._dns_host} did not resolve in time")
            left = deadline.remaining()
            self.timeout = min(self.timeout, left) if isinstance(self.timeout, int | float) and self.timeout > 0 else left
        sock = super()._new_conn()  # type: ignore[misc]
        if deadline is not None:
            deadline.watch(sock)
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock = _WatchedSocket(self.sock, _deadline())  # type: ignore[arg-type]


class _HTTPConnection(_BoundedConnectionMixin, HTTPConnection):
    pass


class _HTTPSConnection(_BoundedConnectionMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _BoundedAdapter(HTTPAdapter):
    """requests' adapter with pools of bounded connections, proxies (HTTP_PROXY, HTTPS_PROXY) included."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: object) -> poolmanager.PoolManager:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if manager.pool_classes_by_scheme is poolmanager.pool_classes_by_scheme:  # not SOCKS, which has its own
            manager.pool_classes_by_scheme = _POOLS
        return manager


def _bounded_adapter(*, retry_connect: bool) -> HTTPAdapter:
    # Retry only failures to connect: a request that reached the server is never repeated,
    # so a contract failure can't be retried into a pass.
    # read=False re-raises a read failure as itself (not wrapped as a connection error).
    retry = _BoundedRetry(total=None, connect=2 if retry_connect else 0, read=False, redirect=0, status=0, other=0, backoff_factor=0.2)
    return _BoundedAdapter(max_retries=retry)


class _BoundedRetry(Retry):
    """urllib3's retries, whose pause between attempts never outlasts the exchange's deadline: a pause
    that would reach it is skipped, so the last attempt still says why it failed (refused, say)."""

    def _sleep_backoff(self) -> None:
        pause, deadline = self.get_backoff_time(), _deadline()
        if pause > 0 and (deadline is None or pause < deadline.remaining()):
            time.sleep(pause)


class _ExactAuthorization(requests.auth.AuthBase):
    """Exactly this `Authorization`, or none. Passing an explicit auth stops requests from
    replacing the header with a `~/.netrc` (or `$NETRC`) login for the host."""

    def __init__(self, value: str | None):
        self.value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        if self.value is not None:
            request.headers["Authorization"] = self.value
        return request


def _session(*, retry_connect: bool) -> requests.Session:
    session = requests.Session()
    session.headers.update({"User-Agent": f"organization-contracts/{__version__}", "Accept": "application/json"})
    session.mount("http://", _bounded_adapter(retry_connect=retry_connect))
    session.mount("https://", _bounded_adapter(retry_connect=retry_connect))
    # No cookie is stored: one answer's session cookie must not authenticate a later test's request.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


# -- the client --------------------------------------------------------------------------------------


class TargetClient:
    """Sends `GET /account/organization` with the configured, wrong, or no credentials.

    `timeout_name` is how messages name the deadline (the gate's option; the typed client says its own)."""

    def __init__(self, settings: Settings, *, timeout_name: str = "--request-timeout"):
        self.settings = settings
        self.timeout_name = timeout_name
        self.session = _session(retry_connect=True)

    def close(self) -> None:
        self.session.close()

    def get_organization(
        self,
        *,
        credentials: Credentials | None,
        prefer_status: int | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Exchange:
        """`headers` and `query` are a scenario's extras; the URL carries the query so the report shows it as sent."""
        sent = dict(headers or {})
        if credentials is not None:
            sent["Authorization"] = credentials.authorization()
        if prefer_status is not None:
            sent["Prefer"] = f"code={prefer_status}"
        url = self.settings.operation_url + (f"?{urlencode(query)}" if query else "")
        return self.send("GET", url, sent)

    def probe(self) -> int:
        """One unauthenticated exchange, body and all: any well-formed answer proves the target reachable.
        One attempt in a session of its own, so a dead target is diagnosed within the deadline."""
        with _session(retry_connect=False) as once:
            return self._exchange(once, "GET", self.settings.operation_url, {}).status

    def send(self, method: str, url: str, headers: dict[str, str]) -> Exchange:
        """One exchange carrying exactly `headers` (an `Authorization` among them, or none at all)."""
        return self._exchange(self.session, method, url, headers)

    def _exchange(self, session: requests.Session, method: str, url: str, headers: dict[str, str]) -> Exchange:
        timeout = self.settings.timeout
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        others = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        started = time.monotonic()
        failure: Exception | None = None
        answered = False  # the status line and headers were parsed
        with _Deadline(timeout) as deadline:
            try:
                response = session.request(
                    method,
                    url,
                    headers=others,
                    auth=_ExactAuthorization(authorization),
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                )
                answered = True
                with response:
                    body, truncated_at = _read_body(response, self.settings.max_body)
                    if truncated_at is None and not deadline.expired:
                        response.raw.release_conn()  # read to its end: the connection may serve the next exchange
            except _TRANSPORT_FAILURES as exc:
                failure = exc
            deadline.finish()
        where, elapsed = f"{method} {url}", time.monotonic() - started
        if deadline.unresolved and not deadline.received:
            raise TargetUnreachable(
                f"{where}: host name {deadline.unresolved} did not resolve (DNS) within {self.timeout_name} {timeout:g}s after {elapsed:.1f}s"
            )
        if deadline.expired:
            if deadline.received == 0:
                raise TargetUnreachable(f"{where}: no answer within {self.timeout_name} {timeout:g}s after {elapsed:.1f}s")
            raise TargetBrokeProtocol(
                where,
                Violation(
                    "HTTP",
                    f"a complete answer within {self.timeout_name} {timeout:g}s",
                    f"an answer still incomplete at the deadline, {deadline.received:,} bytes received ({elapsed:.1f}s)",
                ),
            )
        if failure is not None:
            if answered or deadline.received:
                raise TargetBrokeProtocol(where, Violation("HTTP", "a well-formed HTTP/1.1 response", _what_broke(failure)))
            raise TargetUnreachable(f"{where}: {_reason(failure, timeout, self.timeout_name)} after {elapsed:.1f}s")
        sent = {k: (REDACTED_HEADER if k.lower() == "authorization" else v) for k, v in response.request.headers.items()}
        return Exchange(
            method=method,
            url=url,
            request_headers=sent,
            status=response.status_code,
            reason=(response.reason or "")[:_REASON_LIMIT],
            response_headers=dict(response.headers),
            body=body,
            elapsed=elapsed,
            truncated_at=truncated_at,
        )


def _read_body(response: requests.Response, cap: int) -> tuple[bytes, int | None]:
    """At most `cap` decoded bytes; urllib3 decodes gzip/deflate a chunk at a time, so a bomb stops at the cap too."""
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > cap:
            del body[cap:]
            return bytes(body), cap
    return bytes(body), None


# -- what went wrong, in one line ------------------------------------------------------------------

# requests wraps most of urllib3's and http.client's failures, not all of them.
_TRANSPORT_FAILURES = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, and every exception wrapped in it (requests wraps urllib3, which wraps http.client)."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _what_broke(exc: BaseException) -> str:
    """What was malformed in an answer that had begun."""
    for cause in _causes(exc):
        if isinstance(cause, http.client.LineTooLong):
            return f"a {str(cause).rpartition('reading ')[2] or 'line'} longer than 64 KiB"
        if isinstance(cause, http.client.RemoteDisconnected):
            continue
        if isinstance(cause, http.client.BadStatusLine):
            return f"a malformed status line {describe(str(cause.args[0]) if cause.args else '')}"
        if isinstance(cause, http.client.HTTPException) and "more than" in str(cause):
            return "more than 100 header lines"
        if isinstance(cause, urllib3.exceptions.InvalidChunkLength):
            return "a malformed chunked body (bad chunk length)"
        if isinstance(cause, http.client.IncompleteRead | urllib3.exceptions.IncompleteRead):
            return "a body cut off before its declared end (Content-Length or last chunk)"
        if isinstance(cause, urllib3.exceptions.DecodeError | requests.exceptions.ContentDecodingError):
            return "a body that could not be decoded as its Content-Encoding says"
    return "an answer cut off: the connection closed or reset in the middle of it"


def _reason(exc: Exception, timeout: float, timeout_name: str) -> str:
    """A one-line cause of no answer at all, without the nested urllib3 reprs."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (set REQUESTS_CA_BUNDLE to your CA bundle if the certificate is private)"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {timeout_name} {timeout:g}s"
    if (
        "Name or service not known" in text
        or "nodename nor servname" in text
        or "getaddrinfo failed" in text
        or "NameResolutionError" in text
    ):
        return "host name does not resolve (DNS)"
    if "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return "the response was cut off or could not be decoded"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection failed or was closed without an answer"
    return type(exc).__name__
