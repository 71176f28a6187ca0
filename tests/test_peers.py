"""Peer interoperability: the OpenAPI document validates, Schemathesis finds the reference server clean, and the
suites pass against Stoplight Prism mocking the same document. A peer that cannot be installed skips with why."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from contracts.core import exits
from contracts.core.credentials import Credentials
from tests.helpers.faults import CATALOGUE, FaultApp, base_url
from tests.helpers.peers import OPENAPI, PeerUnavailable, prism_mock, schemathesis_command
from tests.helpers.support import TOKEN


def test_openapi_document_is_valid_openapi_3_1():
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is in the `test` extra")
    document = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    # base_uri lets the validator follow the $refs into schemas/, so the bodies are validated too.
    validator.validate(document, base_uri=OPENAPI.as_uri())
    assert document["openapi"].startswith("3.1")


@pytest.fixture(scope="module")
def schemathesis(tmp_path_factory):
    """Runs `schemathesis run --checks all` against a URL; its cache folder goes to a temporary directory."""
    try:
        schemathesis_command("http://127.0.0.1", TOKEN)
    except PeerUnavailable as exc:
        pytest.skip(str(exc))
    cwd = tmp_path_factory.mktemp("schemathesis")

    def run(url: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            schemathesis_command(url, TOKEN), cwd=cwd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
        )

    return run


def test_schemathesis_finds_no_failure_against_the_reference_server(schemathesis, reference_url):
    done = schemathesis(reference_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No issues found" in done.stdout


def test_schemathesis_does_catch_a_broken_body(schemathesis, serve):
    """So the clean run above means something: Schemathesis follows the $refs into schemas/ and checks bodies."""
    fault = CATALOGUE["200-messagesCap-as-boolean"]
    done = schemathesis(base_url(serve(FaultApp(Credentials.bearer(TOKEN))), fault))
    assert done.returncode != 0, done.stdout
    assert "messagesCap" in done.stdout


@pytest.fixture(scope="module")
def prism_url():
    try:
        with prism_mock() as url:
            yield url
    except PeerUnavailable as exc:
        pytest.skip(str(exc))


def test_suites_pass_against_prism_mocking_the_openapi_document(gate, prism_url):
    # Prism accepts any bearer token, so the credential negatives (marker `auth`) cannot hold there.
    # Without the auth tests 401 is not selected, so the run requires what Prism can show instead of the default 200,401.
    run = gate(prism_url, "-m", "not auth and not client_validation", "--require", "200,400,402,502")
    assert run.returncode == exits.HONOURED, run.output
    assert run.coverage["401"] == "not selected"
    verdicts = run.verdicts
    assert {status: verdicts[status] for status in ("200", "400", "402", "502")} == dict.fromkeys(("200", "400", "402", "502"), "passed")


def test_a_peer_that_cannot_be_installed_gives_the_reason(monkeypatch, tmp_path):
    """What the Prism test skips with on a machine without npm: the cause, not a traceback."""
    from tests.helpers import peers

    monkeypatch.setattr(peers, "PEERS", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PeerUnavailable, match="cannot install Stoplight Prism: npm is not installed"):
        peers.prism_executable()
