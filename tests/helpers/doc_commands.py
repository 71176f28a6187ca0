"""The shell commands of README.md and docs/, read as a reader reads them, and a scratch checkout to run them in.

A test that runs a command takes it from its page with `claim`, so the command it runs is the one the page
shows; a command no test can run here is listed in `NOT_RUN` with the reason. `tests/test_docs.py` checks
that every command of every page is one or the other.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.support import GATE_ENV_VARS, REPO

SHELLS = ("sh", "bash", "shell")
_FENCE = re.compile(r"^(?P<indent> *)```(?P<language>[\w-]*)\s*$")
_TRAILING_COMMENT = re.compile(r"\s+#\s.*$")


def pages() -> list[str]:
    """README.md and every Markdown page under docs/, as paths relative to the repository."""
    return ["README.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").rglob("*.md"))]


def read(page: str) -> str:
    return (REPO / page).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Block:
    page: str
    language: str
    text: str  # dedented to the fence's indentation


def blocks(page: str, languages: tuple[str, ...] | None = None) -> list[Block]:
    """The fenced blocks of a page, also those indented inside a list item."""
    found: list[Block] = []
    current: list[str] | None = None
    indent = language = ""
    for line in read(page).splitlines(keepends=True):
        fence = _FENCE.match(line.rstrip("\n"))
        if current is None:
            if fence:
                current, indent, language = [], fence["indent"], fence["language"]
            continue
        if fence and fence["indent"] == indent and not fence["language"]:
            found.append(Block(page, language, "".join(current)))
            current = None
            continue
        current.append(line.removeprefix(indent))
    assert current is None, f"{page}: a code block is never closed"
    return [b for b in found if languages is None or b.language in languages]


@dataclass(frozen=True)
class Command:
    page: str
    text: str  # one command as written, continuation lines joined by " ", a trailing `# comment` dropped
    exports: tuple[str, ...] = ()  # the `export` lines above it in its block: the environment it is shown with


def commands(page: str) -> list[Command]:
    found: list[Command] = []
    for block in blocks(page, SHELLS):
        exports: list[str] = []
        logical = ""
        for line in block.text.splitlines():
            logical += line.strip()
            if logical.endswith("\\"):
                logical = logical[:-1].rstrip() + " "
                continue
            text, logical = _TRAILING_COMMENT.sub("", logical).strip(), ""
            if not text or text.startswith("#"):
                continue
            if text.startswith("export "):
                exports.append(text)
            else:
                found.append(Command(page, text, tuple(exports)))
    return found


def all_commands() -> list[Command]:
    return [command for page in pages() for command in commands(page)]


CLAIMED: dict[tuple[str, str], str] = {}  # (page, command) -> the test module's claim, made at import
MISSING: list[str] = []  # claims that matched no command: the page changed, the test did not


def claim(page: str, start: str) -> Command:
    """The one command of `page` that is `start`, or else starts with it, marked as run by a test."""
    matches = [c for c in commands(page) if c.text == start] or [c for c in commands(page) if c.text.startswith(start)]
    if len(matches) != 1:
        MISSING.append(f"{page}: {len(matches)} commands start with {start!r}")
        return Command(page, f"false  # {page} has no single command starting with {start!r}")
    CLAIMED[page, matches[0].text] = start
    return matches[0]


def rewrite(text: str, replacements: dict[str, str]) -> str:
    """The command with each named piece replaced; a piece the command no longer holds is an error, not a no-op."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is not in {text!r}"
        text = text.replace(old, new)
    return text


def script(command: Command, replacements: dict[str, str] | None = None, secrets: dict[str, str] | None = None) -> str:
    """The command and the exports shown with it, as one bash script, with the named pieces replaced, and each
    `NAME=...` placeholder the page shows for a secret given the test's value for NAME."""
    text = rewrite("\n".join([*command.exports, command.text]), replacements or {})
    for name, value in (secrets or {}).items():
        text = text.replace(f"{name}=...", f"{name}={value}")
    assert "=..." not in text, f"a secret the test does not give: {text}"
    return text


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS and not k.startswith("LOCUST_")}
    return env | extra


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(text: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180) -> Done:
    """`text` run by bash in `cwd`, as a reader pastes it into a terminal (pipefail, so a pipe's first command counts)."""
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", text],
        cwd=cwd,
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def scratch_checkout(folder: Path) -> Path:
    """What a fresh checkout of this repository offers the commands: pytest.ini, suites/, the scenarios example,
    the package and the installed environment; reports/ is written there, not in this repository."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pytest.ini", folder / "pytest.ini")
    shutil.copy(REPO / "staging-scenarios.toml", folder / "staging-scenarios.toml")
    shutil.copytree(REPO / "suites", folder / "suites", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "contracts").symlink_to(REPO / "contracts", target_is_directory=True)
    (folder / ".venv").symlink_to(sys.prefix, target_is_directory=True)  # the environment these tests run in
    return folder
