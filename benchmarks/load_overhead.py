"""Contract checks under load: requests/s one Locust worker core sustains with and without judging every response.

One headless Locust process (`contracts/locustfile.py`, FastHttpUser) pinned to core 0 sends
`GET /account/organization` to a loopback target pinned to core 1; `CONTRACT_LOAD_JUDGE=0` turns judging
off and leaves everything else the same (request, body read, Locust's statistics). Runs alternate on/off;
each row is the median of the runs, and the ratio is checks on / checks off.

Three targets. The reference server (werkzeug, as the gate runs it; it saturates before the worker
does, so this row shows whether judging costs any load against it). Then a small asyncio server
answering every request with a valid organization (keep-alive), so that the worker, not the target,
is what saturates, with two bodies: the same body every time (as one account's organization is:
verdicts are remembered), and a different body every time (each one validated).

    python benchmarks/load_overhead.py [--runs 5] [--seconds 5] [--users 32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from contracts.core.credentials import Credentials
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp, RunningServer

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdef"
DISTINCT_BODIES = 4096  # more than the verdict cache holds, so every judged body is validated


def responses(varying: bool) -> list[bytes]:
    count = DISTINCT_BODIES if varying else 1
    out = []
    for i in range(count):
        body = json.dumps({**SAMPLE_ORGANIZATION, "name": f"Acme Notifications {i}", "messagesCap": 100000 + i}).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        out.append(head + body)
    return out


class _Answer(asyncio.Protocol):
    """Answers each request head (no request bodies here) with the next prepared response."""

    def __init__(self, answers: itertools.cycle):
        self.answers = answers
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            self.buffer = self.buffer[end + 4 :]
            self.transport.write(next(self.answers))  # type: ignore[attr-defined]


def start_target(varying: bool) -> tuple[str, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    answers = itertools.cycle(responses(varying))
    server = loop.run_until_complete(loop.create_server(lambda: _Answer(answers), "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", loop


def _pin(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and core < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {core})


def locust_rate(url: str, *, judging: bool, seconds: int, users: int) -> tuple[float, int]:
    """Requests/s over the run as Locust's own statistics measured it, and the failures it counted."""
    command = [sys.executable, "-m", "locust", "-f", str(REPO / "contracts" / "locustfile.py"), "--headless"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "CONTRACT_"))}
    env.update({"CONTRACT_API_TOKEN": TOKEN, "CONTRACT_LOAD_JUDGE": "1" if judging else "0"})
    with tempfile.TemporaryDirectory() as folder:
        command += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", url, "--only-summary", "--loglevel", "ERROR"]
        command += ["--json-file", str(Path(folder) / "stats")]
        subprocess.run(command, cwd=folder, env=env, capture_output=True, timeout=seconds + 60, preexec_fn=lambda: _pin(0), check=False)
        entries = json.loads((Path(folder) / "stats.json").read_text(encoding="utf-8"))
    requests = sum(e["num_requests"] for e in entries)
    failures = sum(e["num_failures"] for e in entries)
    elapsed = max(e["last_request_timestamp"] for e in entries) - min(e["start_time"] for e in entries)
    return requests / elapsed, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--users", type=int, default=32)
    args = parser.parse_args()
    _pin(1)  # the target's core; the Locust process pins itself to core 0
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, {args.runs} runs of {args.seconds}s, {args.users} users")
    print("| body | checks off (req/s) | checks on (req/s) | on / off |\n|---|---:|---:|---:|")
    targets = [
        ("the reference server (werkzeug), its one body", None),
        ("the same body every response", False),
        ("a new body every response", True),
    ]
    for label, varying in targets:
        stop: Callable[[], object]
        if varying is None:
            server = RunningServer(ReferenceApp(Credentials.bearer(TOKEN)))
            url, stop = server.url, server.close
        else:
            url, loop = start_target(varying)
            stop = partial(loop.call_soon_threadsafe, loop.stop)
        rates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.runs):
            for judging in (False, True):
                rate, failures = locust_rate(url, judging=judging, seconds=args.seconds, users=args.users)
                if failures:
                    print(f"warning: {failures} failures in a run (judging={judging})", file=sys.stderr)
                rates[judging].append(rate)
        stop()
        off, on = statistics.median(rates[False]), statistics.median(rates[True])
        print(f"| {label} | {off:,.0f} | {on:,.0f} | {on / off:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
