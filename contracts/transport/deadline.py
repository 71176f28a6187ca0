"""The wall-clock deadline of one exchange, and the HTTP machinery that honours it.

requests' own timeout is per socket operation, so a target trickling a byte at a time would never trip it: at
the deadline a watchdog shuts down every socket the exchange touched, so whatever read or handshake is blocked on
the target returns at once. The host name is resolved within the time left, connection retries never outlast it,
and the bytes received are counted, which tells "no answer" from "an answer that stopped"."""

from __future__ import annotations

import contextlib
import io
import ipaddress
import os
import socket
import threading
import time

import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3 import poolmanager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

_current = threading.local()


class Deadline:
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

    def __enter__(self) -> Deadline:
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


def _deadline() -> Deadline | None:
    return getattr(_current, "deadline", None)


class _WatchedSocket:
    """The connection's socket as http.client reads it: every read joins the current exchange's
    deadline (a kept-alive connection serves several exchanges) and counts the bytes received."""

    def __init__(self, sock: socket.socket, deadline: Deadline | None):
        self._sock = sock
        self._deadline = deadline

    def _join(self) -> Deadline | None:
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


def bounded_adapter(*, retry_connect: bool) -> HTTPAdapter:
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
