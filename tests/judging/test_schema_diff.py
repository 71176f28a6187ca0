"""The breaking-change verdict: each rule on a pair of schemas, in both directions (a change one way breaks
clients, the same change back breaks providers), nested members and array items, and resolving schema files."""

from __future__ import annotations

import json

import pytest

from contracts.judging import schemas
from contracts.judging.schema_diff import (
    BREAKING,
    BREAKS_BOTH,
    BREAKS_CLIENTS,
    BREAKS_PROVIDERS,
    COMPATIBLE,
    NOT_BREAKING,
    Change,
    UnresolvedSchema,
    classify,
    exit_code,
    inlined,
    tree_of,
    verdict,
)
from tests.helpers.support import REPO


def body(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "required": list(required), "properties": properties}


STRING = {"type": "string"}

# name: (old, new, the one change expected from old to new: path, what, whom it breaks); the reverse is checked too.
RULES: dict[str, tuple[dict, dict, tuple[str, str, str]]] = {
    "optional member added": (body({}), body({"region": STRING}), ("$.region", "optional member added", COMPATIBLE)),
    "required member added": (body({}), body({"region": STRING}, ("region",)), ("$.region", "required member added", BREAKS_PROVIDERS)),
    "required → optional": (
        body({"region": STRING}, ("region",)),
        body({"region": STRING}),
        ("$.region", "required → optional", BREAKS_CLIENTS),
    ),
    "type widened": (body({"n": {"type": "integer"}}), body({"n": {"type": "number"}}), ("$.n", "type integer → number", BREAKS_CLIENTS)),
    "type made nullable": (
        body({"n": STRING}),
        body({"n": {"type": ["string", "null"]}}),
        ("$.n", "type string → null or string", BREAKS_CLIENTS),
    ),
    "type dropped": (body({"n": STRING}), body({"n": {}}), ("$.n", "type string → any type", BREAKS_CLIENTS)),
    "type changed": (body({"n": STRING}), body({"n": {"type": "boolean"}}), ("$.n", "type string → boolean", BREAKS_BOTH)),
    "enum widened": (
        body({"t": {"type": "string", "enum": ["free", "paid"]}}),
        body({"t": {"type": "string", "enum": ["free", "paid", "trial"]}}),
        ("$.t", 'enum: "trial" added', BREAKS_CLIENTS),
    ),
    "enum dropped": (body({"t": {"type": "string", "enum": ["free"]}}), body({"t": STRING}), ("$.t", "enum removed", BREAKS_CLIENTS)),
    "enum values swapped": (
        body({"t": {"enum": ["free", "paid"]}}),
        body({"t": {"enum": ["free", "trial"]}}),
        ("$.t", 'enum: "trial" added, "paid" removed', BREAKS_BOTH),
    ),
    "const dropped": (body({"v": {"const": 1}}), body({"v": {}}), ("$.v", "const removed", BREAKS_CLIENTS)),
    "format dropped": (
        body({"at": {"type": "string", "format": "date-time"}}),
        body({"at": STRING}),
        ("$.at", "format date-time dropped", BREAKS_CLIENTS),
    ),
    "format changed": (
        body({"at": {"type": "string", "format": "date"}}),
        body({"at": {"type": "string", "format": "date-time"}}),
        ("$.at", "format date → date-time", BREAKS_BOTH),
    ),
    "minimum lowered": (
        body({"n": {"type": "number", "minimum": 1}}),
        body({"n": {"type": "number", "minimum": 0}}),
        ("$.n", "minimum 1 → 0", BREAKS_CLIENTS),
    ),
    "maximum raised": (
        body({"n": {"type": "number", "maximum": 9}}),
        body({"n": {"type": "number", "maximum": 10}}),
        ("$.n", "maximum 9 → 10", BREAKS_CLIENTS),
    ),
    "maxLength removed": (
        body({"s": {"type": "string", "maxLength": 8}}),
        body({"s": STRING}),
        ("$.s", "maxLength 8 removed", BREAKS_CLIENTS),
    ),
    "pattern removed": (body({"s": {"type": "string", "pattern": "^a"}}), body({"s": STRING}), ("$.s", "pattern removed", BREAKS_CLIENTS)),
    "pattern changed": (
        body({"s": {"pattern": "^a"}}),
        body({"s": {"pattern": "^b"}}),
        ("$.s", "pattern changed (not analysed)", BREAKS_BOTH),
    ),
    "closed object opened": (
        {**body({}), "additionalProperties": False},
        body({}),
        ("$", "additionalProperties removed", BREAKS_CLIENTS),
    ),
    "nested required member removed": (
        body({"billing": body({"plan": STRING, "seats": {"type": "integer"}}, ("seats",))}),
        body({"billing": body({"plan": STRING})}),
        ("$.billing.seats", "member removed", BREAKS_CLIENTS),
    ),
    "nested member made optional": (
        body({"billing": body({"plan": STRING}, ("plan",))}),
        body({"billing": body({"plan": STRING})}),
        ("$.billing.plan", "required → optional", BREAKS_CLIENTS),
    ),
    "array item type widened": (
        body({"tags": {"type": "array", "items": STRING}}),
        body({"tags": {"type": "array", "items": {"type": ["string", "integer"]}}}),
        ("$.tags[*]", "type string → integer or string", BREAKS_CLIENTS),
    ),
    "array items schema dropped": (
        body({"tags": {"type": "array", "items": STRING}}),
        body({"tags": {"type": "array"}}),
        ("$.tags[*]", "items schema removed", BREAKS_CLIENTS),
    ),
    "member of an array's objects added as required": (
        body({"seats": {"type": "array", "items": body({})}}),
        body({"seats": {"type": "array", "items": body({"id": STRING}, ("id",))}}),
        ("$.seats[*].id", "required member added", BREAKS_PROVIDERS),
    ),
    "oddly named member made optional": (
        body({"plan tier": STRING}, ("plan tier",)),
        body({"plan tier": STRING}),
        ("$['plan tier']", "required → optional", BREAKS_CLIENTS),
    ),
}

# What the same change breaks when made the other way round.
REVERSED = {COMPATIBLE: BREAKS_CLIENTS, BREAKS_CLIENTS: BREAKS_PROVIDERS, BREAKS_PROVIDERS: BREAKS_CLIENTS, BREAKS_BOTH: BREAKS_BOTH}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_breaks_whom_it_should(rule):
    old, new, (path, what, breaks) = RULES[rule]
    assert classify(old, new) == [Change(path, what, breaks)]


@pytest.mark.parametrize("rule", RULES)
def test_the_reverse_of_each_change_breaks_the_other_side(rule):
    old, new, (path, _, breaks) = RULES[rule]
    (reverse,) = classify(new, old)
    assert reverse.path == path
    assert reverse.breaks == REVERSED[breaks]


def test_removing_an_optional_member_breaks_clients_and_adding_it_back_is_compatible():
    # The reverse of "optional member added" is its own rule: a member a client may rely on when present goes away.
    assert classify(body({"region": STRING}), body({})) == [Change("$.region", "member removed", BREAKS_CLIENTS)]


def test_no_change_and_wording_changes_break_no_one():
    old = body({"region": {"description": "Where.", "type": "string"}})
    assert classify(old, old) == []
    changes = classify(old, body({"region": {"description": "Where it is hosted.", "type": "string"}}))
    assert changes == [Change("$.region", "description changed", COMPATIBLE)]
    assert verdict(changes) == COMPATIBLE and exit_code(changes) == NOT_BREAKING


def test_integer_and_number_together_are_number():
    assert classify(body({"n": {"type": "number"}}), body({"n": {"type": ["integer", "number"]}})) == []


def test_the_verdict_sums_up_every_change_and_the_exit_code_guards_the_side_asked():
    old = body({"a": STRING, "b": STRING}, ("a",))
    new = body({"b": STRING, "c": STRING}, ("b",))
    changes = classify(old, new)
    assert [(c.path, c.breaks) for c in changes] == [("$.a", BREAKS_CLIENTS), ("$.b", BREAKS_PROVIDERS), ("$.c", COMPATIBLE)]
    assert verdict(changes) == BREAKS_BOTH
    assert exit_code(changes) == BREAKING == 1
    only_providers = classify(body({"a": STRING}), body({"a": STRING}, ("a",)))
    assert verdict(only_providers) == BREAKS_PROVIDERS
    assert exit_code(only_providers, breaking_for="clients") == NOT_BREAKING == 0
    assert exit_code(only_providers, breaking_for="providers") == BREAKING
    with pytest.raises(ValueError, match="breaking_for"):
        exit_code(changes, breaking_for="everyone")


def test_an_unresolved_reference_is_refused_rather_than_compared():
    with pytest.raises(UnresolvedSchema, match="unresolved"):
        classify(body({"at": {"$ref": "defs.schema.json#/$defs/timestamp"}}), body({"at": STRING}))


def test_schema_files_resolve_as_the_gate_resolves_them():
    documents = {
        path.name: json.loads(path.read_text(encoding="utf-8")) for path in schemas.SCHEMA_DIR.iterdir() if path.name.endswith(".json")
    }
    for kind, name in schemas.KINDS.items():
        mine = inlined(documents[name], documents)
        theirs = {key: value for key, value in schemas.resolved(kind).items() if key not in ("$schema", "$id", "$defs")}
        assert mine == theirs
        assert classify(schemas.resolved(kind), mine) == []


def test_references_that_cannot_be_followed_are_named():
    documents = {"a.json": {"$id": "https://x.test/a.json", "properties": {"b": {"$ref": "missing.json"}}}}
    with pytest.raises(UnresolvedSchema, match=r"missing\.json"):
        inlined(documents["a.json"], documents)
    looping = {
        "$id": "https://x.test/l.json",
        "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
        "items": {"$ref": "#/$defs/a"},
    }
    with pytest.raises(UnresolvedSchema, match="cycle"):
        inlined(looping, {})


def test_literal_values_are_not_taken_for_references():
    document = {"$id": "https://x.test/e.json", "properties": {"$id": {"enum": [{"$ref": "#/nowhere"}]}}}
    assert inlined(document, {}) == {"properties": {"$id": {"enum": [{"$ref": "#/nowhere"}]}}}


def test_schema_files_on_disk_are_compared_with_their_references_resolved(tmp_path):
    old = REPO / "schemas" / "organization.schema.json"
    assert tree_of(old) == {key: value for key, value in schemas.resolved("organization").items() if key not in ("$schema", "$id", "$defs")}
    document = json.loads(old.read_text(encoding="utf-8"))
    document["properties"]["createdAt"] = {"type": "string"}  # the timestamp's format dropped
    document["required"].remove("name")
    new = tmp_path / "organization.schema.json"
    new.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(UnresolvedSchema, match=r"defs\.schema\.json"):
        tree_of(new)  # taken out of the repository, alone
    changes = classify(tree_of(old), tree_of(new, beside=[REPO / "schemas"]))
    assert changes == [
        Change("$.name", "required → optional", BREAKS_CLIENTS),
        Change("$.createdAt", "format date-time dropped", BREAKS_CLIENTS),
    ]
    (tmp_path / "broken.schema.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not a JSON schema"):
        tree_of(tmp_path / "broken.schema.json")
