from __future__ import annotations

import itertools

import pytest

from contracts.core.credentials import Credentials
from contracts.transport.server import ReferenceApp, RunningServer
from tests.helpers.support import TOKEN, run_gate


@pytest.fixture
def serve():
    """Start WSGI apps on loopback ports; all are stopped after the test."""
    servers: list[RunningServer] = []

    def start(app) -> str:
        server = RunningServer(app)
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def reference_url(serve) -> str:
    """The reference server, requiring TOKEN."""
    return serve(ReferenceApp(Credentials.bearer(TOKEN)))


@pytest.fixture
def gate(tmp_path):
    """Run the suites against a base URL with TOKEN in the environment; each call gets its own output folder."""
    counter = itertools.count()

    def run(base_url: str | None, *args: str, env: dict[str, str] | None = None, **kwargs):
        environment = {"CONTRACT_API_TOKEN": TOKEN} if env is None else env
        return run_gate(tmp_path / f"run{next(counter)}", *args, base_url=base_url, env=environment, **kwargs)

    return run
