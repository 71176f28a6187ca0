"""Loopback servers that misbehave below HTTP: raw sockets, so they can trickle, stall, never end or send garbage."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator

Respond = Callable[[socket.socket, bytes], None]  # the connection and the request head


class RawServer:
    """Answers every connection on a loopback port: reads the request head, then `respond(connection, head)`.

    A context manager; closing it stops accepting and hangs up every open connection."""

    def __init__(self, respond: Respond):
        self._respond = respond
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        self.requests: list[bytes] = []  # each request head, as received
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed
            self.connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):  # the client hung up: stop there
            head = b""
            while b"\r\n\r\n" not in head:
                data = connection.recv(65536)
                if not data:
                    return
                head += data
            self.requests.append(head)
            self._respond(connection, head)

    def close(self) -> None:
        self._listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- answers ----------------------------------------------------------------------------------------

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def send(data: bytes) -> Respond:
    """These bytes, then hang up."""
    return lambda connection, head: connection.sendall(data)


def trickle(data: bytes, interval: float, *, head: bytes = b"") -> Respond:
    """`head` at once, then `data` one byte every `interval` seconds."""

    def respond(connection: socket.socket, request: bytes) -> None:
        connection.sendall(head)
        for index in range(len(data)):
            time.sleep(interval)
            connection.sendall(data[index : index + 1])

    return respond


def silent(seconds: float) -> Respond:
    """Accept, read the request, say nothing."""
    return lambda connection, head: time.sleep(seconds)


def endless(head: bytes, blocks: Callable[[], Iterator[bytes]]) -> Respond:
    """`head`, then every block of a fresh `blocks()` until the client hangs up (or the blocks run out)."""

    def respond(connection: socket.socket, request: bytes) -> None:
        connection.sendall(head)
        for block in blocks():
            connection.sendall(block)

    return respond


def repeated(block: bytes, count: int | None = None) -> Iterator[bytes]:
    """The same block `count` times, or forever."""
    sent = 0
    while count is None or sent < count:
        yield block
        sent += 1


def paced(block: bytes, interval: float) -> Iterator[bytes]:
    """The same block forever, one every `interval` seconds."""
    while True:
        time.sleep(interval)
        yield block


def gzip_bomb(decoded_block: int = 1024**2) -> Iterator[bytes]:
    """A gzip stream of zeros that never ends, about 1 KiB on the wire per MiB decoded. After a full flush
    deflate starts afresh, so one compressed block repeated is a valid (endless) stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(decoded_block)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)  # carries the gzip header
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    yield first
    yield from repeated(block)


def gzip_bomb_head() -> bytes:
    return OK_HEAD + b"Content-Encoding: gzip\r\nConnection: close\r\n\r\n"


def big_body_head(size: int) -> bytes:
    return OK_HEAD + f"Content-Length: {size}\r\n\r\n".encode()


def chunked(body: bytes, *, last_chunk: bool = True) -> bytes:
    """`body` as one chunk, with the closing zero chunk or without it."""
    return f"{len(body):x}\r\n".encode() + body + b"\r\n" + (b"0\r\n\r\n" if last_chunk else b"")
