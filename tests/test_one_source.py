"""Each fact has one source; where a copy must exist, it is checked against that source, so adding a status or a
field tells you every other place to follow."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from contracts.client import ErrorEnvelope, Organization, attribute_name
from contracts.schemas import KINDS, documented_fields
from contracts.server import ERRORS, SAMPLE_ORGANIZATION
from contracts.table import CONTRACT
from contracts.validation import validate

from .support import REPO

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
