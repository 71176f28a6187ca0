"""A hostile or odd target cannot hang, exhaust or fool the target client: a wall-clock deadline per
exchange, a cap on the decoded body, exactly the credentials intended, no cookies kept, and a target
that broke HTTP told apart from one that never answered. Real loopback servers throughout."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from werkzeug.wrappers import Request, Response

from contracts.core import exits
from contracts.core.credentials import Credentials
from contracts.settings.config import Settings
from contracts.transport.http import TargetBrokeProtocol, TargetClient, TargetUnreachable
from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers.raw_servers import (
    OK_HEAD,
    RawServer,
    big_body_head,
    chunked,
    endless,
    gzip_bomb,
    gzip_bomb_head,
    paced,
    repeated,
    send,
    silent,
    trickle,
)
from tests.helpers.support import TOKEN

BODY = json.dumps(SAMPLE_ORGANIZATION).encode()
WHOLE = OK_HEAD + f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY
CREDENTIALS = Credentials.bearer("tok-transport-5d1f0e")
MiB = 1024**2


def client_for(url: str, *, timeout: float = 5.0, max_body: int = 10 * MiB) -> TargetClient:
    return TargetClient(Settings(url, CREDENTIALS, timeout=timeout, max_body=max_body))


@pytest.fixture
def raw():
    servers: list[RawServer] = []

    def start(respond) -> str:
        servers.append(RawServer(respond))
        return servers[-1].url

    yield start
    for server in servers:
        server.close()


def timed(call):
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except Exception as exc:  # returned so the test can look at it and at the time it took
        return exc, time.monotonic() - started


# -- time --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "respond",
    [
        trickle(WHOLE, 0.1),  # the status line itself, a byte at a time
        trickle(WHOLE[20:], 0.1, head=WHOLE[:20]),  # the headers
        trickle(BODY, 0.1, head=WHOLE[: -len(BODY)]),  # the body, with a Content-Length
        trickle(BODY, 0.1, head=OK_HEAD + b"Connection: close\r\n\r\n"),  # the body, read to the end of the connection
        endless(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n", lambda: paced(chunked(b" ", last_chunk=False), 0.1)),
    ],
    ids=["status-line", "headers", "body", "body-to-close", "chunks-forever"],
)
def test_an_answer_trickled_past_the_deadline_ends_at_the_deadline_as_a_broken_answer(raw, respond):
    # Each byte arrives well within requests' per-read timeout: only a wall-clock deadline ends this.
    failure, elapsed = timed(lambda: client_for(raw(respond), timeout=1).get_organization(credentials=None))
    assert isinstance(failure, TargetBrokeProtocol), failure
    assert 1 <= elapsed < 1.5
    assert str(failure.violation).startswith("HTTP: expected a complete answer within --request-timeout 1s, got ")
    assert "an answer still incomplete at the deadline, " in str(failure.violation)


def test_silence_is_no_answer_at_the_deadline(raw):
    failure, elapsed = timed(lambda: client_for(raw(silent(5)), timeout=0.5).get_organization(credentials=None))
    assert isinstance(failure, TargetUnreachable) and "no answer within --request-timeout 0.5s" in str(failure)
    assert 0.5 <= elapsed < 1


@pytest.fixture
def stuck_resolver(monkeypatch):
    """A resolver that never answers for `stuck.test` (as one whose servers drop queries): the C library's
    getaddrinfo blocks where no socket timeout reaches. Every other name resolves as usual."""
    resolve = socket.getaddrinfo
    release = threading.Event()

    def getaddrinfo(host, *args, **kwargs):
        if host == "stuck.test":
            release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield "http://stuck.test:8080"
    release.set()


@pytest.mark.parametrize("call", ["get_organization", "probe"])
def test_a_resolver_that_never_answers_is_bounded_by_the_deadline(stuck_resolver, call):
    client = client_for(stuck_resolver, timeout=0.5)
    exchange = client.probe if call == "probe" else lambda: client.get_organization(credentials=None)
    failure, elapsed = timed(exchange)
    assert isinstance(failure, TargetUnreachable), failure
    assert "host name stuck.test did not resolve (DNS) within --request-timeout 0.5s" in str(failure)
    assert 0.5 <= elapsed < 0.8


def test_retries_of_a_refused_connection_never_pause_past_the_deadline():
    with socket.socket() as closed:  # a port nobody listens on: each attempt is refused at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    # Three attempts with urllib3's backoff would pause 0.4 s before the last; the deadline is 0.3 s.
    failure, elapsed = timed(lambda: client_for(f"http://127.0.0.1:{port}", timeout=0.3).get_organization(credentials=None))
    assert isinstance(failure, TargetUnreachable) and "connection refused" in str(failure), failure
    assert elapsed < 0.38


def test_the_probe_has_the_same_deadline(raw):
    failure, elapsed = timed(lambda: client_for(raw(trickle(WHOLE, 0.1)), timeout=0.5).probe())
    assert isinstance(failure, TargetBrokeProtocol) and elapsed < 1


def test_an_answer_slow_but_complete_within_the_deadline_is_read_whole(raw):
    exchange = client_for(raw(trickle(BODY[-10:], 0.05, head=WHOLE[:-10])), timeout=3).get_organization(credentials=None)
    assert exchange.status == 200 and exchange.body == BODY and exchange.truncated_at is None


def test_a_kept_alive_connection_gets_the_next_exchanges_deadline_too():
    def answer_then_trickle(connection, head):
        connection.sendall(WHOLE)
        connection.recv(65536)  # the next request, on the same connection
        trickle(WHOLE, 0.1)(connection, head)

    with RawServer(answer_then_trickle) as server:
        client = client_for(server.url, timeout=1)
        assert client.get_organization(credentials=None).body == BODY
        failure, elapsed = timed(lambda: client.get_organization(credentials=None))
        assert len(server.connections) == 1, "the second exchange reused the connection"
    assert isinstance(failure, TargetBrokeProtocol) and elapsed < 1.5


# -- memory ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "respond",
    [
        endless(big_body_head(2 * 1024**3), lambda: repeated(b"x" * MiB, 2048)),  # 2 GiB declared and sent
        endless(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n", lambda: repeated(chunked(b"x" * 65536, last_chunk=False))),  # never ends
        endless(gzip_bomb_head(), gzip_bomb),  # ~1 KiB on the wire per MiB decoded, endless
    ],
    ids=["2-GiB-body", "endless-chunks", "gzip-bomb"],
)
def test_a_body_beyond_the_cap_is_read_up_to_the_cap_and_no_further(raw, respond):
    exchange, elapsed = timed(lambda: client_for(raw(respond), max_body=2 * MiB).get_organization(credentials=None))
    assert exchange.status == 200 and exchange.truncated_at == 2 * MiB and len(exchange.body) == 2 * MiB
    assert elapsed < 2


def test_a_body_of_exactly_the_cap_is_whole(raw):
    exchange = client_for(raw(send(big_body_head(1000) + b"x" * 1000)), max_body=1000).get_organization(credentials=None)
    assert exchange.truncated_at is None and len(exchange.body) == 1000


# -- an answer that broke HTTP, and no answer at all --------------------------------------------------


@pytest.mark.parametrize(
    "answer, what",
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", 'a malformed status line "SSH-2.0-OpenSSH_9.6\\r\\n"'),
        (b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Header-%d: v\r\n" % i for i in range(150)) + b"\r\n", "more than 100 header lines"),
        (b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", "a header line longer than 64 KiB"),
        (OK_HEAD + b"Content-Length: 500\r\n\r\n" + BODY[:40], "a body cut off before its declared end"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + BODY, "a malformed chunked body"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(BODY, last_chunk=False), "an answer cut off"),
        (OK_HEAD + b"Content-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnot gzip", "could not be decoded as its Content-Encoding says"),
    ],
    ids=[
        "garbage-status-line",
        "150-headers",
        "long-header-line",
        "short-content-length",
        "bad-chunk-length",
        "last-chunk-missing",
        "not-gzip",
    ],
)
def test_a_malformed_answer_is_a_broken_protocol_naming_what_not_no_answer(raw, answer, what):
    failure, elapsed = timed(lambda: client_for(raw(send(answer))).get_organization(credentials=None))
    assert isinstance(failure, TargetBrokeProtocol), failure
    assert failure.violation.path == "HTTP" and failure.violation.expected == "a well-formed HTTP/1.1 response"
    assert what in failure.violation.got
    assert elapsed < 1


def test_a_connection_closed_without_a_byte_is_no_answer(raw):
    failure, _ = timed(lambda: client_for(raw(send(b""))).get_organization(credentials=None))
    assert isinstance(failure, TargetUnreachable) and "closed without an answer" in str(failure)


# -- what is sent: exactly the intended credentials, no cookies ----------------------------------------


def recording_app(seen: list[dict[str, str]], *, set_cookie: bool = False):
    def app(environ, start_response):
        request = Request(environ)
        seen.append(dict(request.headers))
        response = Response(BODY, mimetype="application/json")
        if set_cookie:
            response.set_cookie("session", "s-3f9a", httponly=True)
        return response(environ, start_response)

    return app


def test_netrc_never_replaces_or_adds_credentials(serve, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\ndefault login any password any\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))  # and ~/.netrc is that file too
    (tmp_path / ".netrc").write_text(netrc.read_text())
    seen: list[dict[str, str]] = []
    client = client_for(serve(recording_app(seen)))
    client.get_organization(credentials=CREDENTIALS)
    client.get_organization(credentials=None)
    client.probe()
    assert seen[0]["Authorization"] == CREDENTIALS.authorization()
    assert "Authorization" not in seen[1] and "Authorization" not in seen[2]


def test_a_cookie_set_by_one_answer_is_never_sent_again(serve):
    seen: list[dict[str, str]] = []
    client = client_for(serve(recording_app(seen, set_cookie=True)))
    client.get_organization(credentials=CREDENTIALS)
    client.get_organization(credentials=None)
    assert "Cookie" not in seen[1]


def test_proxy_variables_keep_working_with_the_bounded_connections(raw, monkeypatch):
    requests_seen: list[bytes] = []

    def proxy(connection, head):
        requests_seen.append(head)
        connection.sendall(WHOLE)

    monkeypatch.setenv("HTTP_PROXY", raw(proxy))
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    exchange = client_for("http://target.invalid", timeout=2).get_organization(credentials=None)
    assert exchange.status == 200 and requests_seen[0].startswith(b"GET http://target.invalid/account/organization HTTP/1.1")


# -- the gate, end to end ------------------------------------------------------------------------------

REPORT_LIMIT = 5 * MiB
RSS_LIMIT_KIB = 300 * 1024


def test_a_target_trickling_a_byte_a_second_stops_the_run_at_the_probe_with_exit_1(gate):
    with RawServer(trickle(WHOLE, 1.0)) as server:
        run, elapsed = timed(lambda: gate(server.url, "--request-timeout", "3"))
    assert run.returncode == exits.VIOLATED, run.output
    assert elapsed < 30
    stopped = [line for line in run.output.splitlines() if line.startswith("target broke HTTP: ")]
    assert len(stopped) == 1 and "HTTP: expected a complete answer within --request-timeout 3s" in stopped[0], run.output
    assert run.summary["stopped_early"] == stopped[0] and run.summary["exit_status"] == 1
    assert "Traceback" not in run.output and "no answer" not in run.output


def test_garbage_instead_of_http_at_start_is_exit_1_naming_it(gate):
    with RawServer(send(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")) as server:
        run = gate(server.url)
    assert run.returncode == exits.VIOLATED, run.output
    assert (
        f'target broke HTTP: GET {server.url}/account/organization: HTTP: expected a well-formed HTTP/1.1 response, got a malformed status line "SSH-2.0-OpenSSH_9.6\\r\\n"'
        in run.output
    )


def test_a_broken_answer_to_one_test_fails_that_test_as_a_contract_failure(gate):
    unauthorized = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
    garbage = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Header-%d: v\r\n" % i for i in range(150)) + b"\r\n"

    def respond(connection, head):
        authorized = b"authorization: bearer " + TOKEN.encode().lower() in head.lower()
        connection.sendall(garbage if authorized else unauthorized)

    with RawServer(respond) as server:
        run = gate(server.url, "suites/test_organization.py", "suites/test_auth.py")
    assert run.returncode == exits.VIOLATED, run.output
    assert "HTTP: expected a well-formed HTTP/1.1 response, got more than 100 header lines" in run.output
    assert run.verdicts["200"] == "failed" and run.verdicts["401"] == "passed"
    assert "no answer" not in run.output


@pytest.mark.parametrize(
    "respond",
    [endless(gzip_bomb_head(), gzip_bomb), endless(big_body_head(2 * 1024**3), lambda: repeated(b"x" * MiB, 2048))],
    ids=["gzip-bomb-10-GiB-decoded", "2-GiB-body"],
)
def test_an_enormous_body_on_every_answer_keeps_the_gate_small(gate, respond):
    with RawServer(respond) as server:
        run, elapsed = timed(lambda: gate(server.url, measure_rss=True))
    assert run.returncode == exits.VIOLATED, run.output
    assert "$: expected a body of at most 10 MiB (--max-body), got a longer body; reading stopped after 10 MiB" in run.output
    assert run.peak_rss_kib < RSS_LIMIT_KIB, f"peak RSS {run.peak_rss_kib / 1024:.0f} MiB"
    report = run.out_dir / "report.html"
    assert report.stat().st_size < REPORT_LIMIT
    assert "cap: reading stopped there" in run.report_extras
    assert elapsed < 30


def test_a_netrc_login_for_the_target_changes_nothing(gate, reference_url, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    run = gate(reference_url, env={"CONTRACT_API_TOKEN": TOKEN, "NETRC": str(netrc)})
    assert run.returncode == exits.HONOURED, run.output
