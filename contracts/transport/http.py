"""One HTTP exchange with the target, bounded whatever the target does.

- Time: one wall-clock deadline per exchange (connect, TLS, status line, headers, body), the probe
  included. requests' own timeout is per socket operation, so a target trickling a byte at a time
  would never trip it: `deadline` shuts the exchange's sockets down at the deadline instead.
- Memory: the body is read in chunks and decoded incrementally (gzip included), up to a cap.
- What is sent: exactly the credentials asked for (never `~/.netrc`'s), and no cookie is kept.
- Connection errors are retried; a request that reached the server never is.
- Classification: no byte of an answer is `TargetUnreachable` (retry later); an answer that began
  and then broke HTTP (malformed, cut off, stalled) is `TargetBrokeProtocol` (a contract failure).
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator, Mapping
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlencode

import requests
import urllib3.exceptions

from contracts.core.contract import TOOL, VERSION
from contracts.core.credentials import Credentials
from contracts.core.exchange import REDACTED_HEADER, Exchange
from contracts.core.limits import REASON_LIMIT
from contracts.core.violations import Violation, describe
from contracts.settings.config import Settings, ca_bundle, hide_userinfo
from contracts.transport.deadline import Deadline, bounded_adapter

CHUNK = 64 * 1024


class TargetUnreachable(ConnectionError):
    """No HTTP answer at all: refused, DNS, TLS or not one byte before the deadline. Says what, where and how long."""


class ProxyRefused(TargetUnreachable):
    """The forward proxy the environment names refused the request (407): a configuration to fix, not the target's answer."""


class TargetBrokeProtocol(Exception):
    """The target answered, then broke HTTP: a malformed status line or headers, a body cut off or
    undecodable, or an answer that stalled before it was complete. `violation` says what."""

    def __init__(self, where: str, violation: Violation):
        self.where = where
        self.violation = violation
        super().__init__(f"{where}: {violation}")


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
    session.headers.update({"User-Agent": f"{TOOL}/{VERSION}", "Accept": "application/json"})
    session.mount("http://", bounded_adapter(retry_connect=retry_connect))
    session.mount("https://", bounded_adapter(retry_connect=retry_connect))
    # No cookie is stored: one answer's session cookie must not authenticate a later test's request.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    trusted = ca_bundle()
    if trusted is not None:
        session.verify = trusted[1]  # requests reads its own variables, never SSL_CERT_FILE or SSL_CERT_DIR
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
        with Deadline(timeout) as deadline:
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
        if _proxy_refused(failure, response if answered else None):
            raise ProxyRefused(_proxy_line(url))
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
            reason=(response.reason or "")[:REASON_LIMIT],
            response_headers=dict(response.headers),
            body=body,
            elapsed=elapsed,
            truncated_at=truncated_at,
        )


def _proxy_refused(failure: Exception | None, response: requests.Response | None) -> bool:
    """A 407 from the proxy: as the answer to a plain HTTP request it forwarded, or to the CONNECT of an HTTPS one."""
    if isinstance(failure, requests.exceptions.ProxyError):
        return " 407 " in str(failure)
    return failure is None and response is not None and response.status_code == 407 and _proxy_for(response.url) is not None


def _proxy_for(url: str) -> str | None:
    return requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))


def _proxy_line(url: str) -> str:
    scheme = url.split(":", 1)[0].upper()
    proxy = hide_userinfo(_proxy_for(url) or "")
    return (
        f"the forward proxy {proxy} ({scheme}_PROXY) refused the request to {url} with 407 Proxy Authentication Required: "
        f"check the proxy's credentials in {scheme}_PROXY (http://user:password@proxy:port), or name the target in NO_PROXY"
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
        return "TLS handshake failed (set REQUESTS_CA_BUNDLE or SSL_CERT_FILE to your CA bundle if the certificate is private)"
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
