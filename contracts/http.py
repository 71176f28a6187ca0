"""One HTTP exchange with the target: a reused session, a timeout on every call, retries of connection errors only."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import __version__
from .config import Credentials, Settings
from .validation import parse_json

REDACTED_HEADER = "<redacted>"


class TargetUnreachable(ConnectionError):
    """No HTTP answer at all: refused, DNS, TLS or timeout. Says what, where and how long."""


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

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.response_headers.items() if k.lower() == "content-type"), "")

    @cached_property
    def json(self) -> object:
        """The body as strict JSON; raises `validation.NotJSON`."""
        return parse_json(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _retrying_adapter() -> HTTPAdapter:
    # Retry only failures to connect: a request that reached the server is never repeated,
    # so a contract failure can't be retried into a pass.
    # read=False re-raises a read timeout as itself (not wrapped as a connection error).
    retry = Retry(total=None, connect=2, read=False, redirect=0, status=0, other=0, backoff_factor=0.2)
    return HTTPAdapter(max_retries=retry)


class TargetClient:
    """Sends `GET /account/organization` with the configured, wrong, or no credentials."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": f"organization-contracts/{__version__}", "Accept": "application/json"})
        self.session.mount("http://", _retrying_adapter())
        self.session.mount("https://", _retrying_adapter())

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
        """One unauthenticated request: any HTTP status at all proves the target is reachable."""
        url = self.settings.operation_url
        started = time.monotonic()
        try:
            # A fresh session without retries: one attempt, so a dead target is diagnosed within the timeout.
            with requests.Session() as once, once.get(url, timeout=self.settings.timeout, allow_redirects=False, stream=True) as response:
                return response.status_code
        except requests.exceptions.RequestException as exc:
            raise _unreachable("GET", url, exc, self.settings.timeout, started) from None

    def send(self, method: str, url: str, headers: dict[str, str]) -> Exchange:
        timeout = self.settings.timeout
        started = time.monotonic()
        try:
            response = self.session.request(method, url, headers=headers, timeout=timeout, allow_redirects=False)
            body = response.content
        except requests.exceptions.RequestException as exc:
            raise _unreachable(method, url, exc, timeout, started) from None
        sent = {k: (REDACTED_HEADER if k.lower() == "authorization" else v) for k, v in response.request.headers.items()}
        return Exchange(
            method=method,
            url=url,
            request_headers=sent,
            status=response.status_code,
            reason=response.reason or "",
            response_headers=dict(response.headers),
            body=body,
            elapsed=time.monotonic() - started,
        )


def _unreachable(method: str, url: str, exc: requests.exceptions.RequestException, timeout: float, started: float) -> TargetUnreachable:
    """What failed, where, and after how long."""
    return TargetUnreachable(f"{method} {url}: {_reason(exc, timeout)} after {time.monotonic() - started:.1f}s")


def _reason(exc: requests.exceptions.RequestException, timeout: float) -> str:
    """A one-line cause, without the nested urllib3 reprs."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (set REQUESTS_CA_BUNDLE to your CA bundle if the certificate is private)"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within --request-timeout {timeout:g}s"
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
