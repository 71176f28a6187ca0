"""The reference server: faithful to the reference, strict about credentials, honouring Prefer."""

import json
import os
import subprocess
import sys

import pytest
import requests

from contracts.core.contract import CONTRACT
from contracts.core.credentials import Credentials
from contracts.judging.validation import validate
from contracts.settings.config import Settings
from contracts.transport.http import TargetClient
from tests.helpers.support import REPO, TOKEN


@pytest.fixture
def client(reference_url):
    client = TargetClient(Settings(reference_url, Credentials.bearer(TOKEN), timeout=5))
    yield client
    client.close()


def test_organization_is_valid_and_needs_the_token(client):
    good = client.get_organization(credentials=Credentials.bearer(TOKEN))
    assert good.status == 200 and validate("organization", json.loads(good.body)) == []
    assert client.get_organization(credentials=None).status == 401
    assert client.get_organization(credentials=Credentials.bearer(TOKEN + "x")).status == 401


@pytest.mark.parametrize("status", [status for status in CONTRACT if status not in (200, 401)])
def test_prefer_selects_a_documented_status_with_an_envelope(client, status):
    answer = client.get_organization(credentials=Credentials.bearer(TOKEN), prefer_status=status)
    assert answer.status == status and validate("error", json.loads(answer.body)) == []


def test_prefer_for_an_undocumented_status_is_ignored(client):
    assert client.get_organization(credentials=Credentials.bearer(TOKEN), prefer_status=418).status == 200


def test_basic_credentials(serve):
    from contracts.transport.server import ReferenceApp

    credentials = Credentials.basic("client-1", "s3cret")
    url = serve(ReferenceApp(credentials))
    assert requests.get(url + "/account/organization", auth=("client-1", "s3cret"), timeout=5).status_code == 200
    assert requests.get(url + "/account/organization", auth=("client-1", "nope"), timeout=5).status_code == 401


def test_serve_command_runs_standalone(unused_port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "contracts", "serve", "--port", str(unused_port), "--token", TOKEN],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert f"reference server on http://127.0.0.1:{unused_port}/account/organization" in server.stdout.readline()
        url = f"http://127.0.0.1:{unused_port}/account/organization"
        assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).status_code == 200
        assert requests.get(url, timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_on_a_busy_port_is_one_line(reference_url):
    port = reference_url.rsplit(":", 1)[1]
    done = subprocess.run(
        [sys.executable, "-m", "contracts", "serve", "--port", port], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 4  # bad configuration, as in every command
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "99999"], "argument --port: '99999' is not a port number: give 0 to 65535"),
        (["--port", "-1"], "argument --port: '-1' is not a port number"),
        (["--port", "eighty"], "argument --port: 'eighty' is not a port number"),
        (["--token", ""], "error: --token is 0 characters long: a secret needs at least 8"),
        (["--token", "short"], "error: --token is 5 characters long: a secret needs at least 8"),
    ],
    ids=["port-too-high", "port-negative", "port-word", "token-empty", "token-short"],
)
def test_serve_usage_errors_are_one_line_and_exit_4(capsys, args, message):
    from contracts.__main__ import main

    try:
        code = main(["serve", *args])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 4  # the table's bad configuration, not argparse's own 2
    assert message in err.strip().splitlines()[-1] and "Traceback" not in err


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
