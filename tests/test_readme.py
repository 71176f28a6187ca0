"""The README as a new user meets it: the set-up commands first, short, one exit-code table, links that lead somewhere.
Its commands and those of docs/ are run by tests/test_docs.py."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from contracts.core import exits
from contracts.settings import options as shared_options
from tests.helpers.doc_commands import blocks, pages, read
from tests.helpers.support import REPO

README = read("README.md")
SET_UP = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/pytest",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest tests",
)
WAYS_IN = ("gate", "replay", "load", "validate")


def section(title: str) -> str:
    """The README's text under the `##` heading `title`, to the next `##` heading."""
    parts = re.split(r"^## ", README, flags=re.M)
    (found,) = [part for part in parts if part.startswith(title + "\n")]
    return found


def test_the_two_set_up_commands_come_first_exactly_as_they_were():
    assert [b.text for b in blocks("README.md")[:2]] == [command + "\n" for command in SET_UP]


def test_the_readme_stays_short():
    assert len(README.splitlines()) <= 300


def exit_table(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_one_exit_code_table_with_a_column_per_way_in():
    rows = exit_table(section("Exit codes"))
    assert rows[0] == ["what happened", *WAYS_IN]
    codes = {way: set() for way in WAYS_IN}
    for row in rows[2:]:
        for way, cell in zip(WAYS_IN, row[1:], strict=True):
            codes[way] |= {int(code) for code in re.findall(r"^(\d+)\b", cell)}
    # The documented literals users depend on, not the code's constants (which would move with a bug in them).
    assert codes == {
        "gate": {0, 1, 2, 3, 4, 5, 6, 73, 75},
        "replay": {0, 1, 2, 4, 5, 65, 73},
        "load": {0, 1, 2, 4, 5, 73},
        "validate": {0, 1, 2, 4, 65},
    }
    given = {way: {code for code, ways in exits.GIVEN_BY.items() if way in ways} for way in WAYS_IN}
    assert given == codes  # the code's table says what the README's does
    other_tables = [page for page in pages() if re.search(r"^\| (exit|code) \|", read(page), re.M)]
    assert other_tables == []  # one table, in one place


def test_the_readme_names_no_module_of_the_package():
    """The package is being reorganised: module paths belong in docs/changing-the-contract.md, not here."""
    assert re.findall(r"contracts[/.][a-z_]+", README) == []


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slugs(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings."""
    headings = re.findall(r"^#+ (.*)$", "".join(b + "\n" for b in _prose(page)), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _prose(page: Path) -> list[str]:
    lines, fenced = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def test_every_link_of_the_readme_and_docs_leads_to_a_file_and_heading_that_exist():
    broken = []
    for page in pages():
        for target in LINK.findall(read(page)):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            file = (REPO / page).parent / path if path else REPO / page
            if not file.exists() or (anchor and anchor not in slugs(file)):
                broken.append(f"{page}: {target}")
    assert broken == []


def test_every_topic_page_in_docs_is_linked_from_the_readme():
    linked = {(REPO / target.partition("#")[0]).resolve() for target in LINK.findall(README)}
    pages_in_docs = {(REPO / page).resolve() for page in pages() if page != "README.md"}
    assert pages_in_docs - linked == set()


def test_the_paths_and_names_the_pages_mention_exist():
    """So a page cannot outlive a module it names; after the package moves, this lists what to update."""
    missing = []
    for page in pages():
        text = read(page)
        spans = " ".join(re.findall(r"`([^`\n]+)`", text))
        for path in re.findall(r"(?<![\w./-])((?:contracts|tests|suites|schemas|benchmarks|docs)/[\w./*-]*)", spans):
            if not any(REPO.glob(path.rstrip("/"))):
                missing.append(f"{page}: {path}")
        for dotted in re.findall(r"`(contracts(?:\.\w+)+)(?:\(\))?`", text):
            if not _resolves(dotted):
                missing.append(f"{page}: {dotted}")
        for name in re.findall(r"`(_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z]+(?:_[a-z]+)+)`", text):
            if name not in _DERIVED and not re.search(rf"\b{name}\b", _SOURCES):
                missing.append(f"{page}: {name}")
    assert missing == []


# Names made from a declaration rather than written out: each shared option's Locust environment variable.
_DERIVED = {option.locust_variable for option in shared_options.LOAD}
# Where a name the pages mention must be found: the code, and the files the pages describe (not the pages' own tests).
_SOURCES = "\n".join(
    path.read_text(encoding="utf-8")
    for pattern in ("contracts/**/*.py", "suites/*.py", "tests/**/*.py", "benchmarks/*.py", "docs/ci/*", "staging-scenarios.toml")
    for path in sorted(REPO.glob(pattern))
    if path.name not in ("test_readme.py", "test_docs.py", "doc_commands.py") and path.suffix != ".md"
)


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False
