"""One vocabulary: an option several ways in share is declared once, so it reads, defaults and fails the same in each."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from contracts.settings import options
from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN

LOCUSTFILE = REPO / "contracts" / "locustfile.py"


def run(*command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS} | {"CONTRACT_API_TOKEN": TOKEN, "COLUMNS": "400"}
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_each_shared_option_is_declared_once_with_one_help_text():
    shared = {option.flag: option for option in (*options.GATE, *options.REPLAY, *options.LOAD, *options.VALIDATE)}
    declared = [value for value in vars(options).values() if isinstance(value, options.Option)]
    assert sorted(option.flag for option in declared) == sorted(shared)  # each declared once, and each one used
    assert all(option.help and flag.startswith("--") for flag, option in shared.items())


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    return {
        "gate": flat(run(sys.executable, "-m", "pytest", "--help").stdout),
        "replay": flat(run(sys.executable, "-m", "contracts", "replay", "--help").stdout),
        # Locust answers --help before it reads a locustfile: its parser, with the file's options added, prints it.
        "load": flat(
            run(
                sys.executable,
                "-c",
                "import contracts.locustfile\nfrom locust.argument_parser import get_parser\nget_parser().print_help()",
            ).stdout
        ),
        "validate": flat(run(sys.executable, "-m", "contracts", "validate", "--help").stdout),
    }


@pytest.mark.parametrize(
    "way_in, declared", [("gate", options.GATE), ("replay", options.REPLAY), ("load", options.LOAD), ("validate", options.VALIDATE)]
)
def test_every_way_in_shows_the_one_help_text_of_each_option_it_takes(helps, way_in, declared):
    shown = helps[way_in]
    for option in declared:
        assert option.flag in shown, f"{way_in} does not take {option.flag}"
        assert flat(option.help.replace("%%", "%")) in shown, f"{way_in} words {option.flag} its own way"


def test_a_bad_value_of_a_shared_option_is_the_same_line_and_exit_code_in_every_way_in(tmp_path):
    capture = tmp_path / "capture.jsonl"
    capture.write_text('{"status": 200, "body": "{}"}\n')
    said = "--strict-fields 'plans' names unknown kind(s) plans"
    gate = run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--strict-fields=plans", "--base-url", "http://127.0.0.1:9")
    replay = run(sys.executable, "-m", "contracts", "replay", "--strict-fields=plans", str(capture))
    load = run(
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-t",
        "1s",
        "--host",
        "http://127.0.0.1:9",
        "--strict-fields=plans",
    )
    for name, done in (("gate", gate), ("replay", replay), ("load", load)):
        assert done.returncode == 4, (name, done.stdout + done.stderr)
        assert said in done.stdout + done.stderr, (name, done.stdout + done.stderr)
        assert "Traceback" not in done.stdout + done.stderr, name
