"""The validators run on bundled schemas (references inlined once, for speed): the verdicts must be
exactly those of the schemas as written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from contracts.judging import schemas
from contracts.judging.generate import corruptions, valid_payloads
from contracts.judging.schemas import bundled, format_checker, registry, schema, validator
from contracts.judging.validation import NotJSON, parse_json


def verdicts(checker: Draft202012Validator, instance: object) -> set[tuple[str, str, str]]:
    return {(e.json_path, e.validator, repr(e.validator_value)) for e in checker.iter_errors(instance)}


def as_written(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema(kind), registry=registry(), format_checker=format_checker())


@pytest.mark.parametrize("kind", ["organization", "error"])
def test_bundled_schemas_have_no_reference_left(kind):
    assert "$ref" not in repr(bundled(kind)) and "description" not in repr(bundled(kind))


@pytest.mark.parametrize("kind", ["organization", "error"])
@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data())
def test_bundled_and_written_schemas_give_the_same_verdicts(kind, data):
    instance = data.draw(valid_payloads(kind) | corruptions(kind).map(lambda c: c.document))
    if isinstance(instance, str):
        try:
            instance = parse_json(instance)
        except NotJSON:
            return  # never reaches a validator
    assert verdicts(validator(kind), instance) == verdicts(as_written(kind), instance)


def written_as(monkeypatch, document: dict) -> None:
    monkeypatch.setattr(schemas, "schema", lambda kind: document)
    schemas.resolved.cache_clear()  # inlined once per kind: forget the last test's "t"


def test_properties_named_like_annotations_are_kept(monkeypatch):
    written_as(
        monkeypatch,
        {
            "$id": "https://organization-contracts.local/schemas/t.json",
            "description": "dropped",
            "properties": {"description": {"type": "string"}, "title": {"$ref": "defs.schema.json#/$defs/isoDate"}},
            "enum": [{"$ref": "a literal, not a reference"}],
        },
    )
    assert bundled("t") == {
        "$id": "https://organization-contracts.local/schemas/t.json",
        "properties": {"description": {"type": "string"}, "title": {"type": "string", "format": "date"}},
        "enum": [{"$ref": "a literal, not a reference"}],
    }


@pytest.mark.parametrize(
    "document",
    [
        {
            "$id": "https://organization-contracts.local/schemas/t.json",
            "$defs": {"node": {"properties": {"next": {"$ref": "#/$defs/node"}}}},
            "properties": {"a": {"$ref": "#/$defs/node"}},
        },
        {"$id": "https://organization-contracts.local/schemas/t.json", "$ref": "defs.schema.json#/$defs/isoDate", "maxLength": 10},
        {"$id": "https://organization-contracts.local/schemas/t.json", "properties": {"a": {"$dynamicRef": "#node"}}},
    ],
)
def test_references_inlining_could_change_are_left_as_written(monkeypatch, document):
    written_as(monkeypatch, document)
    assert bundled("t") is document
