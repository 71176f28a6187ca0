"""Installed from its wheel into a clean environment, the package works from any directory: the schema files
travel inside the wheel, and nothing reaches back into the checkout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN

INSTALL_TIMEOUT = 300


def run(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in (*GATE_ENV_VARS, "PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Iterator[tuple[Path, Path]]:
    """(python of a fresh venv holding only the built wheel and its dependencies, a folder outside the checkout)."""
    root = tmp_path_factory.mktemp("installed")
    built = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root / "dist"), str(REPO)], cwd=root)
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("organization_contracts-*.whl")
    made = run([sys.executable, "-m", "venv", str(root / "venv")], cwd=root)
    assert made.returncode == 0, made.stderr
    python = root / "venv" / "bin" / "python"
    pip = run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=root)
    if pip.returncode != 0:
        pytest.fail(f"installing the wheel failed:\n{pip.stderr}")
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    yield python, elsewhere


def test_the_package_imports_from_the_environment_not_the_checkout(installed):
    python, elsewhere = installed
    found = run(
        [str(python), "-c", "import contracts, contracts.judging.schemas as s; print(contracts.__file__); print(s.SCHEMA_DIR)"],
        cwd=elsewhere,
    )
    assert found.returncode == 0, found.stderr
    module, schema_dir = found.stdout.splitlines()
    assert str(REPO) not in module and str(REPO) not in schema_dir, found.stdout
    assert "site-packages" in module


def test_validate_runs_from_another_directory(installed):
    python, elsewhere = installed
    (elsewhere / "good.json").write_text(json.dumps(SAMPLE_ORGANIZATION), encoding="utf-8")
    (elsewhere / "bad.json").write_text(json.dumps({**SAMPLE_ORGANIZATION, "messagesCap": True}), encoding="utf-8")
    good = run([str(python), "-m", "contracts", "validate", "organization", "good.json"], cwd=elsewhere)
    assert good.returncode == 0, good.stderr
    bad = run([str(python), "-m", "contracts", "validate", "organization", "bad.json"], cwd=elsewhere)
    assert bad.returncode == 1 and "bad.json: $.messagesCap: expected number, got true (boolean)" in bad.stdout, bad.stdout + bad.stderr
    assert "Traceback" not in good.stderr + bad.stderr


def test_serve_and_the_typed_client_work_from_another_directory(installed):
    python, elsewhere = installed
    script = elsewhere.parent / "venv" / "bin" / "organization-contracts"
    server = subprocess.Popen(
        [str(script), "serve", "--port", "0", "--token", TOKEN], cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+)/account/organization", first)
        assert match, first
        client = (
            "from contracts.client import OrganizationClient\n"
            f"with OrganizationClient({match.group(1)!r}, auth={TOKEN!r}, timeout=10) as client:\n"
            "    print(client.get_organization().name)\n"
        )
        used = run([str(python), "-c", client], cwd=elsewhere)
        assert used.returncode == 0 and used.stdout.strip() == SAMPLE_ORGANIZATION["name"], used.stdout + used.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_replay_runs_from_another_directory(installed):
    python, elsewhere = installed
    good = {"status": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(SAMPLE_ORGANIZATION)}
    bad = {**good, "body": json.dumps({**SAMPLE_ORGANIZATION, "costCap": "12"})}
    (elsewhere / "good.jsonl").write_text(json.dumps(good) + "\n", encoding="utf-8")
    (elsewhere / "bad.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    honoured = run([str(python), "-m", "contracts", "replay", "good.jsonl"], cwd=elsewhere)
    assert honoured.returncode == 0, honoured.stdout + honoured.stderr
    violated = run([str(python), "-m", "contracts", "replay", "bad.jsonl", "--report", "out"], cwd=elsewhere)
    assert violated.returncode == 1 and "bad.jsonl#2: 200 $.costCap: expected number" in violated.stdout, violated.stdout + violated.stderr
    assert {"report.html", "junit.xml", "summary.json"} <= {p.name for p in (elsewhere / "out").iterdir()}  # and history/
