"""The body-level mutation catalogue generated from a schema, and the proof a proposed schema owes: every learned
body accepted, every contract-breaking variant of the current reference still refused."""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator
from werkzeug.wrappers import Response

from contracts.judging import schemas, validation
from contracts.judging.mutations import MISSING, Variant, example, prove, undocumented, variants
from contracts.transport.server import ERRORS, SAMPLE_ORGANIZATION
from tests.helpers.faults import field_faults
from tests.helpers.schema_caches import forget_schemas

ENVELOPE = {"trackingId": "t-1", "error": dict(ERRORS[502])}
BODIES = {"organization": SAMPLE_ORGANIZATION, "error": ENVELOPE}


def reference_validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schemas.resolved(kind), format_checker=schemas.format_checker())


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_every_variant_breaks_the_reference_and_only_where_it_says(kind):
    judge = reference_validator(kind)
    found = variants(schemas.resolved(kind))
    assert len({variant.name for variant in found}) == len(found), "each variant once"
    for variant in found:
        assert variant.applies_to(BODIES[kind]), variant.name
        broken = variant.apply(BODIES[kind])
        assert not judge.is_valid(broken), f"{variant.name} is accepted by the reference"
        if variant.keys:
            assert {error.json_path for error in judge.iter_errors(broken)} <= {variant.path, *_parents(variant.path)}, variant.name


def _parents(path: str) -> set[str]:
    return {path.rsplit(".", depth)[0] for depth in range(1, path.count(".") + 1)}


def test_the_catalogue_covers_each_rule_of_each_documented_member():
    names = {variant.name for variant in variants(schemas.resolved("organization"))}
    assert {"$.organizationId: missing", "$.smsCap: as-string", "$.smsCap: as-boolean", "$.allowOverage: as-number"} <= names
    assert "$.smsCap: missing" not in names, "an optional member may be absent"
    assert {"$.organizationType: outside-enum", "$.organizationType: outside-enum-wrong-case"} <= names
    assert {"$.anniversaryDate: malformed-date-slashes", "$.createdAt: malformed-date-time-no-offset"} <= names
    nested = {variant.name for variant in variants(schemas.resolved("error"))}
    assert {"$.error.code: missing", "$.error.providerCode: as-number", "$.error: as-string"} <= nested


def test_the_gate_catalogue_serves_the_confusable_variants_by_their_documented_names():
    """tests/helpers/faults.py's field faults are generated from here, under the names the catalogue has always had."""
    organization = {fault.name: fault.path for fault in field_faults("organization", 200, every_wrong_type=True)}
    assert {"200-messagesCap-as-string", "200-messagesCap-as-boolean", "200-messagesCap-as-null"} <= set(organization)
    assert organization["200-organizationId-missing"] == "$.organizationId" and "200-smsCap-missing" not in organization
    envelope = {fault.name: fault.path for fault in field_faults("error", 402, every_wrong_type=False)}
    assert envelope["402-error.code-as-number"] == "$.error.code" and "402-error.code-as-null" not in envelope, "first only"
    assert len(organization) == 39 and len(envelope) == 11


@pytest.fixture
def applied_schema(monkeypatch):
    """The organization schema with an integer, a nullable number and arrays, as an applied proposal may add them."""
    documents = copy.deepcopy(schemas._resources())
    organization = documents[schemas.KINDS["organization"]]
    organization["properties"] |= {
        "seatCount": {"type": "integer"},
        "score": {"type": ["null", "number"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "seats": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}},
    }
    organization["required"] += ["seatCount", "tags"]
    monkeypatch.setattr(schemas, "_resources", lambda: documents)
    forget_schemas()  # the fast path judges by the schema it was built from too
    yield
    monkeypatch.undo()
    forget_schemas()


def test_field_faults_of_integer_and_array_members_break_the_body_where_they_say(applied_schema):
    body = {**SAMPLE_ORGANIZATION, "seatCount": 3, "score": None, "tags": ["beta"], "seats": [{"id": 1}]}
    assert validation.validate("organization", body) == []
    faults = {fault.name: fault for fault in field_faults("organization", 200, every_wrong_type=True)}
    assert {"200-seatCount-as-number", "200-seatCount-missing", "200-score-as-string", "200-tags-as-object", "200-tags.0-as-number"} <= set(
        faults
    )
    assert {"200-seats.0.id-missing", "200-seats.0.id-as-number"} <= set(faults) and "200-score-as-null" not in faults
    for fault in faults.values():
        broken = json.loads(fault.rewrite(None, Response(json.dumps(body))).get_data())  # type: ignore[arg-type]
        assert fault.path in {v.path for v in validation.validate("organization", broken)}, fault.name


def test_nested_objects_and_array_items_have_variants_of_their_own():
    tree = {
        "type": "object",
        "required": ["tags"],
        "properties": {
            "tags": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}
        },
    }
    names = [variant.name for variant in variants(tree)]
    assert "$.tags[0]: as-string" in names
    assert "$.tags[0].id: missing" in names
    assert "$.tags[0].id: as-number" in names  # 1.5: a number where an integer belongs
    assert example(tree) == {"tags": [{"id": 1}]}
    judge = Draft202012Validator(tree)
    for variant in variants(tree):
        assert not judge.is_valid(variant.apply(example(tree))), variant.name


def test_a_variant_copies_rather_than_edits_and_knows_where_it_cannot_apply():
    body = copy.deepcopy(ENVELOPE)
    dropped = Variant(("error", "code"), "missing")
    assert dropped.apply(body) == {"trackingId": "t-1", "error": {k: v for k, v in ERRORS[502].items() if k != "code"}}
    assert body == ENVELOPE
    assert not dropped.applies_to({"trackingId": "t-1"})  # no parent
    assert not Variant(("error", "fix"), "missing").applies_to(body)  # nothing to drop
    assert Variant(("error", "fix"), "as-number", 42).applies_to(body)  # an optional member can be given a wrong value
    assert not Variant(("tags", 0), "as-null", None).applies_to({"tags": []})
    assert Variant((), "as-null", None).apply(body) is None
    assert Variant(("a",), "missing").value is MISSING
    with pytest.raises(ValueError, match="wrong_types"):
        variants(schemas.resolved("error"), wrong_types="all of them")


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_the_built_example_is_a_body_the_schema_accepts(kind):
    assert reference_validator(kind).is_valid(example(schemas.resolved(kind)))


@pytest.mark.parametrize(
    "kind, document",
    [
        ("organization", {**SAMPLE_ORGANIZATION, "region": "eu", "plan": {"tier": "pro"}, "odd name": 1, "it's": 2}),
        ("organization", SAMPLE_ORGANIZATION),
        ("organization", [SAMPLE_ORGANIZATION]),
        ("error", {"trackingId": "t", "requestId": "r", "error": {"code": "c", "message": "m", "docs": "d", "meta": {"a": 1}}}),
        ("error", {"trackingId": "t", "error": "flattened"}),
    ],
)
def test_undocumented_members_are_named_as_the_gate_names_them(kind, document):
    assert undocumented(schemas.resolved(kind), document) == validation.undocumented_fields(kind, document)


def test_the_reference_proves_itself():
    learned = [("organization", SAMPLE_ORGANIZATION), ("error", ENVELOPE), ("organization", {**SAMPLE_ORGANIZATION, "region": "eu"})]
    proof = prove({kind: schemas.resolved(kind) for kind in schemas.KINDS}, learned)
    assert proof.holds
    assert (proof.bodies, proof.accepted, proof.still_drifting) == (3, 3, 1)
    assert proof.variants == proof.killed > 100
    assert "accepts all 3 learned bodies" in proof.sentence()
    assert f"still refuses all {proof.variants} contract-breaking variants" in proof.sentence()


def loosened(kind: str, edit) -> dict:
    tree = copy.deepcopy(schemas.resolved(kind))
    edit(tree)
    return tree


@pytest.mark.parametrize(
    "edit, survivor",
    [
        (lambda tree: tree["properties"]["smsCap"].update(type=["number", "string"]), "organization $.smsCap: as-string"),
        (lambda tree: tree["properties"]["organizationType"].pop("enum"), "organization $.organizationType: outside-enum"),
        (lambda tree: tree["required"].remove("creator"), "organization $.creator: missing"),
        (
            lambda tree: tree["properties"].update(anniversaryDate={"type": "string"}),
            "organization $.anniversaryDate: malformed-date-slashes",
        ),
    ],
)
def test_a_proposal_that_lets_a_contract_breaking_body_pass_fails_the_proof(edit, survivor):
    proof = prove({"organization": loosened("organization", edit)}, [("organization", SAMPLE_ORGANIZATION)])
    assert not proof.holds
    assert survivor in proof.survivors
    assert "contract-breaking variants of the current reference pass" in proof.sentence()


def test_a_proposal_that_refuses_a_learned_body_fails_the_proof_without_quoting_it():
    secret_value = "s3cr3t-value-never-quoted"
    stricter = loosened(
        "organization", lambda tree: (tree["required"].append("region"), tree["properties"].update(region={"type": "integer"}))
    )
    learned = [("organization", {**SAMPLE_ORGANIZATION, "region": secret_value}), ("organization", {"not": "an organization"})]
    proof = prove({"organization": stricter}, learned)
    assert not proof.holds
    assert (proof.bodies, proof.accepted, proof.ignored) == (1, 0, 1), "a body the reference refuses is not the proposal's to accept"
    assert proof.refusals == ("organization body 1: $.region: type 'integer'",)
    assert secret_value not in repr(proof)
    assert "refuses 1 of 1 learned bodies" in proof.sentence()
