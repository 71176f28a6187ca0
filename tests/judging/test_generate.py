"""The strategies are read off the schema files: a schema change changes what is generated, and a
keyword they cannot honour stops generation instead of being ignored. Also: which hypothesis profile runs."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import Phase, given, settings

from contracts.judging import schemas, validation
from contracts.judging.generate import UnsupportedSchema, corruption_targets, corruptions, valid_payloads
from contracts.judging.schemas import documented_fields, schema
from tests.helpers.schema_caches import forget_schemas
from tests.helpers.support import GATE_ENV_VARS, REPO


def draws(strategy, count: int) -> list:
    """`count` generated examples, the same on every run (no shrinking: nothing fails)."""
    drawn = []

    @settings(database=None, max_examples=count, derandomize=True, deadline=None, phases=[Phase.generate])
    @given(strategy)
    def collect(example):
        drawn.append(example)

    collect()
    return drawn


def test_fields_are_every_property_of_the_schema_with_its_requiredness():
    organization = schema("organization")
    assert {f.path: f.required for f in documented_fields("organization")} == {
        f"$.{name}": name in organization["required"] for name in organization["properties"]
    }
    assert [f.path for f in documented_fields("error")] == [
        "$.trackingId",
        "$.error",
        "$.error.code",
        "$.error.message",
        "$.error.fix",
        "$.error.provider",
        "$.error.providerCode",
    ]


JSON_TYPES = {"null", "boolean", "integer", "number", "string", "array", "object"}


def expected_targets(kind: str) -> set[str]:
    """Every (member, class of mistake) the issue asks for, read from the schema itself."""
    expected = {"$: top-level JSON type is not an object", "$: document cut short"}
    for field in documented_fields(kind):
        node, path = field.node, field.path
        fitting = {"number", "integer"} if node["type"] == "number" else {node["type"]}
        expected |= {f"{path}: wrong JSON type {name}" for name in JSON_TYPES - fitting} | {f"{path}: non-standard JSON token"}
        expected |= {f"{path}: number spelt as a string"} if node["type"] == "number" else set()
        expected |= {f"{path}: boolean spelt as a string"} if node["type"] == "boolean" else set()
        expected |= {f"{path}: required field dropped"} if field.required else set()
        expected |= {f"{path}: value outside the enum"} if "enum" in node else set()
        expected |= {f"{path}: malformed {node['format']}"} if "format" in node else set()
    return expected


@pytest.mark.parametrize("kind", ["organization", "error"])
def test_every_member_gets_every_class_of_corruption(kind):
    assert set(corruption_targets(kind)) == expected_targets(kind)


@pytest.mark.parametrize("kind", ["organization", "error"])
def test_each_target_breaks_the_payload_where_it_says(kind):
    for name in corruption_targets(kind):
        (corruption,) = draws(corruptions(kind, name), 1)
        assert (corruption.mutation, corruption.path) == (name, name.split(": ")[0])


def values_of(target: str, count: int = 40) -> list:
    """The corrupted member's value in generated examples of one organization target."""
    member = target.split(": ")[0].removeprefix("$.")
    return [json.loads(c.document)[member] for c in draws(corruptions("organization", target), count)]


def test_corruptions_include_the_classic_mistakes():
    assert all(isinstance(v, bool) for v in values_of("$.messagesCap: wrong JSON type boolean"))
    assert all(v is None for v in values_of("$.smsCap: wrong JSON type null"))
    assert all(isinstance(json.loads(v), (int, float)) for v in values_of("$.costCap: number spelt as a string"))
    outside = values_of("$.organizationType: value outside the enum")
    assert all(v not in ("free", "paid") for v in outside)
    assert any(v.lower() in ("free", "paid") for v in outside)  # case changes among them
    dates = values_of("$.anniversaryDate: malformed date")
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in dates)  # impossible days, spelt right
    assert any(not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in dates)  # real days, spelt otherwise
    tokens = [c.document for c in draws(corruptions("organization", "$.costCap: non-standard JSON token"), 20)]
    assert all(re.search(r'"costCap": -?(NaN|Infinity)', d) for d in tokens)
    for cut in draws(corruptions("error", "$: document cut short"), 20):
        with pytest.raises(ValueError):
            json.loads(cut.document)


@pytest.fixture
def edited_schema(monkeypatch):
    """Generate from an edited copy of a schema file, as if the file had changed."""

    def edit(kind: str, change) -> None:
        documents = copy.deepcopy(schemas._resources())
        change(documents[schemas.KINDS[kind]])
        monkeypatch.setattr(schemas, "_resources", lambda: documents)
        forget_schemas()

    yield edit
    monkeypatch.undo()
    forget_schemas()


def test_a_new_enum_value_is_generated(edited_schema):
    edited_schema("organization", lambda s: s["properties"]["organizationType"]["enum"].append("enterprise"))
    assert "enterprise" in {p["organizationType"] for p in draws(valid_payloads("organization"), 100)}


def test_a_new_required_field_is_generated_and_dropped(edited_schema):
    def add_region(s):
        s["properties"]["region"] = {"type": "string"}
        s["required"].append("region")

    edited_schema("organization", add_region)
    assert all("region" in p for p in draws(valid_payloads("organization"), 20))
    dropped = draws(corruptions("organization", "$.region: required field dropped"), 10)
    assert all("region" not in json.loads(c.document) for c in dropped)


@pytest.mark.parametrize("keyword", [{"minimum": 0}, {"multipleOf": 5}])
def test_a_keyword_the_strategies_cannot_honour_stops_generation(edited_schema, keyword):
    edited_schema("organization", lambda s: s["properties"]["messagesCap"].update(keyword))
    with pytest.raises(UnsupportedSchema, match=next(iter(keyword))):
        valid_payloads("organization")


def test_an_unknown_target_name_is_refused_with_a_pointer():
    with pytest.raises(ValueError, match="corruption_targets"):
        corruptions("organization", "$.nothing: everything")


def profile_header(env: dict[str, str], out_dir) -> str:
    """The hypothesis profile line pytest prints for the property suite under this environment."""
    outputs = [f"--html={out_dir / 'report.html'}", f"--junitxml={out_dir / 'junit.xml'}", f"--summary-json={out_dir / 'summary.json'}"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-v", "-m", "client_validation", *outputs],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return next(line for line in done.stdout.splitlines() if line.startswith("hypothesis profile"))


def without_ci(env) -> dict[str, str]:
    """The environment without anything that marks a CI run, or points the gate at a target."""
    markers = (
        *GATE_ENV_VARS,
        "CI",
        "TF_BUILD",
        "BUILDKITE",
        "CIRCLECI",
        "CIRRUS_CI",
        "CODEBUILD_BUILD_ID",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "HEROKU_TEST_RUN_ID",
        "TEAMCITY_VERSION",
        "bamboo.buildKey",
    )
    return {k: v for k, v in env.items() if k not in markers}


def test_ci_runs_our_thorough_derandomized_profile_not_hypothesis_default_ci(tmp_path):
    header = profile_header(without_ci(os.environ) | {"CI": "true"}, tmp_path)
    assert header.startswith("hypothesis profile 'ci'")
    assert "derandomize=True" in header and "max_examples=600" in header and "print_blob=True" in header


def test_outside_ci_the_fast_dev_profile_runs(tmp_path):
    assert profile_header(without_ci(os.environ), tmp_path).startswith("hypothesis profile 'dev' -> max_examples=60")


def add_members_an_applied_proposal_may_hold(document: dict) -> None:
    document["properties"] |= {
        "seatCount": {"type": "integer"},
        "score": {"type": ["null", "number"]},
        "renewsOn": {"type": ["null", "string"], "format": "date"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "seats": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}},
    }
    document["required"] += ["seatCount", "tags", "seats"]


def test_integers_type_unions_and_arrays_are_generated_as_the_schema_says(edited_schema):
    edited_schema("organization", add_members_an_applied_proposal_may_hold)
    payloads = draws(valid_payloads("organization"), 200)
    judge = schemas.validator("organization")
    assert all(judge.is_valid(payload) for payload in payloads)
    assert all(type(p["seatCount"]) is int for p in payloads)
    assert {type(p["score"]) for p in payloads if "score" in p} >= {type(None), float}
    assert any(p.get("renewsOn") is None for p in payloads) and any(isinstance(p.get("renewsOn"), str) for p in payloads)
    assert any(p["tags"] for p in payloads) and all(isinstance(tag, str) for p in payloads for tag in p["tags"])
    assert any(p["seats"] for p in payloads) and all(type(seat["id"]) is int for p in payloads for seat in p["seats"])


def test_integers_type_unions_and_array_items_get_their_own_corruptions(edited_schema):
    edited_schema("organization", add_members_an_applied_proposal_may_hold)
    names = set(corruption_targets("organization"))
    assert {"$.seatCount: wrong JSON type number", "$.seatCount: number spelt as a string"} <= names
    assert "$.score: wrong JSON type string" in names and "$.score: wrong JSON type null" not in names
    assert "$.renewsOn: malformed date" in names and "$.renewsOn: wrong JSON type null" not in names
    assert {"$.tags: wrong JSON type object", "$.tags[0]: wrong JSON type number", "$.tags[0]: non-standard JSON token"} <= names
    assert {"$.seats[0].id: required field dropped", "$.seats[0]: wrong JSON type string", "$.seats[0].id: wrong JSON type number"} <= names
    for name in sorted(names):
        for corruption in draws(corruptions("organization", name), 1):
            found = validation.check_document("organization", corruption.document)[1]
            assert {violation.path for violation in found} == {corruption.path}, (name, corruption.document)
