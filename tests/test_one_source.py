"""Each fact has one source; where a copy must exist, it is checked against that source, so adding a status or a
field tells you every other place to follow."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from contracts.client import ErrorEnvelope, Organization, attribute_name
from contracts.core.contract import CONTRACT
from contracts.judging.schemas import KINDS, documented_fields
from contracts.judging.validation import validate
from contracts.transport.server import ERRORS, SAMPLE_ORGANIZATION
from tests.helpers.support import REPO

OPENAPI = REPO / "contracts" / "openapi.yaml"


def openapi_responses() -> dict[int, dict]:
    document = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return {int(status): answer for status, answer in document["paths"]["/account/organization"]["get"]["responses"].items()}


def test_openapi_documents_exactly_the_contract_table():
    responses = openapi_responses()
    assert set(responses) == set(CONTRACT), "openapi.yaml and contracts/table.py list different statuses"
    for status, contract in CONTRACT.items():
        answer = responses[status]
        assert answer["description"] == contract.meaning, status
        if contract.body is None:
            assert "content" not in answer, f"{status} documents no body in the table"
        else:
            reference = answer["content"]["application/json"]["schema"]["$ref"]
            assert reference == f"../schemas/{KINDS[contract.body]}", status


@pytest.mark.parametrize("model, kind", [(Organization, "organization"), (ErrorEnvelope, "error")])
def test_models_hold_exactly_the_documented_members(model, kind):
    leaves = {attribute_name(f.keys[-1]): f for f in documented_fields(kind) if "properties" not in f.node}
    attributes = {f.name: f for f in dataclasses.fields(model)}
    assert set(attributes) == set(leaves), f"{model.__name__} and schemas/{KINDS[kind]} disagree"
    for name, field in leaves.items():
        required_attribute = attributes[name].default is dataclasses.MISSING
        assert required_attribute == field.required, f"{model.__name__}.{name}: required in one, optional in the other"


def test_the_reference_server_has_an_answer_for_every_documented_error_status():
    assert set(ERRORS) == {status for status in CONTRACT if status != 200}
    assert validate("organization", SAMPLE_ORGANIZATION) == []


# -- facts defined once in the package ---------------------------------------------------------------------------------

PACKAGE = REPO / "contracts"


def package_sources() -> dict[str, str]:
    return {str(path.relative_to(REPO)): path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}


def code_lines(text: str) -> list[str]:
    """The lines of a module outside docstrings and comments, good enough to find a literal written twice."""
    lines, in_docstring = [], False
    for line in text.splitlines():
        stripped = line.strip()
        quotes = stripped.count('"""')
        if in_docstring or (quotes == 1 and stripped.startswith('"""')):
            in_docstring = in_docstring != (quotes == 1)
            continue
        if stripped.startswith(('"""', "#")):
            continue
        lines.append(line.split("  # ")[0])
    return lines


@pytest.mark.parametrize(
    "pattern, home",
    [
        (r'"/account/organization"', "contracts/core/contract.py"),  # the operation path
        (r"\b10 \* 1024 ?\*", "contracts/core/limits.py"),  # the body cap
        (r"= 10\.0\b", "contracts/core/limits.py"),  # the default timeout
        (r"MIN\w*SECRET\w* = \d+$", "contracts/core/credentials.py"),  # the minimum secret length
        (r'"\*\*\*REDACTED\*\*\*"', "contracts/core/redaction.py"),  # the redaction marker
        (r'"<redacted>"', "contracts/core/exchange.py"),  # a masked header's value
        (r'"organization-contracts"', "contracts/core/contract.py"),  # the tool's name
    ],
)
def test_each_fact_is_written_once_in_the_package(pattern: str, home: str):
    found = [name for name, text in package_sources().items() for line in code_lines(text) if re.search(pattern, line.rstrip())]
    assert found == [home], f"{pattern!r} is written in {found}: define it once, in {home}, and import it"


def test_the_version_comes_from_the_installed_metadata():
    from importlib.metadata import version

    import contracts

    declared = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert declared is not None
    assert contracts.__version__ == version("organization-contracts") == declared.group(1)
    assert not any("__version__ =" in line for text in package_sources().values() for line in code_lines(text))


def test_the_exit_table_gives_each_code_one_meaning_and_every_way_in_its_codes():
    from contracts.core import exits

    codes = [value for name, value in vars(exits).items() if name.isupper() and isinstance(value, int)]
    assert len(codes) == len(set(codes)) == len(exits.MEANINGS) == len(exits.GIVEN_BY)
    assert set(exits.GIVEN_BY) == set(exits.MEANINGS)
    assert all(set(ways) <= set(exits.WAYS_IN) for ways in exits.GIVEN_BY.values())
