"""The layer rule of ARCHITECTURE.md holds, and the check that enforces it fails on an upward import or a circle."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers.support import REPO

CONFIG = REPO / "pyproject.toml"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the `contracts` package found under `root`. Without `site` (-S) the editable install's finder,
    which would always find this checkout's package, is never installed; the tools come from site-packages by path."""
    code = (
        "import sys\n"
        f"sys.path[:0] = [{str(root)!r}, {sysconfig.get_paths()['purelib']!r}]\n"
        "from importlinter.cli import lint_imports_command\n"
        "lint_imports_command()\n"
    )
    return subprocess.run(
        [sys.executable, "-S", "-c", code, "--config", str(CONFIG), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "contracts", tmp_path / "contracts", ignore=shutil.ignore_patterns("__pycache__", "schema_files"))
    return tmp_path


def test_the_package_keeps_its_layers_and_has_no_circle(package_copy: Path):
    done = lint_imports(package_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers(package_copy: Path):
    exits = package_copy / "contracts" / "core" / "exits.py"
    exits.write_text(exits.read_text() + "\n\ndef _late() -> None:\n    from contracts.gate import plugin  # noqa: F401\n")
    done = lint_imports(package_copy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "contracts.core.exits -> contracts.gate.plugin" in done.stdout


def test_an_import_circle_under_type_checking_is_found(package_copy: Path):
    validation = package_copy / "contracts" / "judging" / "validation.py"
    text = validation.read_text().replace(
        "from __future__ import annotations\n",
        "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from contracts.judging.checks import Verdict  # noqa: F401\n",
        1,
    )
    validation.write_text(text)
    done = lint_imports(package_copy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "No import circles" in done.stdout and "BROKEN" in done.stdout


def test_offline_ways_in_import_no_http_client_and_no_test_runner():
    """Replay and validate judge bytes they were given: the transport's HTTP stack and pytest stay out of them."""
    code = (
        "import sys, contracts.replay.cli, contracts.validate\n"
        "loaded = {'requests', 'urllib3', 'werkzeug', 'pytest', 'locust'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


MODULE_LINES = 420  # "about 400": a module past it holds more than one concern; split it by concern


def test_no_module_is_much_over_400_lines():
    sizes = {path.relative_to(REPO).as_posix(): len(path.read_text().splitlines()) for path in (REPO / "contracts").rglob("*.py")}
    assert {name: lines for name, lines in sizes.items() if lines > MODULE_LINES} == {}
