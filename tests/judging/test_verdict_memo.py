"""Remembered verdicts (`judging.verdict_memo`) are the verdicts jsonschema gives, body after body, and nothing is
remembered where the schema's root could look at the values of members that do not fail."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.judging import schemas, typed_decoding, validation, verdict_memo
from contracts.judging.generate import corruption_targets, corruptions
from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers.schema_caches import forget_schemas


def fresh(kind: str, text: bytes) -> list:
    """The violations as jsonschema writes them for this body, nothing remembered."""
    document = validation.parse_json(text)
    return validation._validated(kind, document, typed_decoding.failing_members(kind, text))


@pytest.fixture(autouse=True)
def nothing_remembered():
    verdict_memo.forget()
    yield
    verdict_memo.forget()


@pytest.mark.parametrize("kind", ["organization", "error"])
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_remembered_verdict_is_the_one_jsonschema_gives(kind, data):
    target = data.draw(st.sampled_from(sorted(corruption_targets(kind))))
    text = data.draw(corruptions(kind, target)).document.encode()
    first = validation.strictly_checked(kind, text)[1]
    again = validation.strictly_checked(kind, text)[1]  # from the memo, where it remembers
    assert first == again
    with contextlib.suppress(validation.NotJSON):  # not JSON: the parser's violations, nothing validated
        assert first == fresh(kind, text)


def test_bodies_differing_in_valid_members_share_a_verdict_and_others_do_not():
    broken = [dict(SAMPLE_ORGANIZATION, costCap="12", name=name) for name in ("Acme", "Globex", "Initech")]
    verdicts = [validation.strictly_checked("organization", json.dumps(body).encode())[1] for body in broken]
    assert verdicts[0] == verdicts[1] == verdicts[2] and len(verdict_memo._memo) == 1
    other = json.dumps(dict(SAMPLE_ORGANIZATION, costCap=-0.0, name="Acme")).encode()  # -0.0 == 0.0, but said otherwise
    assert validation.strictly_checked("organization", other)[1] == fresh("organization", other)
    missing = dict(broken[0])
    del missing["organizationId"]
    text = json.dumps(missing).encode()
    assert validation.strictly_checked("organization", text)[1] == fresh("organization", text)
    assert any(v.path == "$.organizationId" for v in fresh("organization", text))


@pytest.fixture
def value_dependent_root(monkeypatch):
    """The organization schema with a root rule that reads a member's value: paid organizations must give callCap."""
    documents = copy.deepcopy(schemas._resources())
    organization = documents[schemas.KINDS["organization"]]
    organization["if"] = {"properties": {"organizationType": {"const": "paid"}}}
    organization["then"] = {"required": ["callCap"]}
    monkeypatch.setattr(schemas, "_resources", lambda: documents)
    forget_schemas()
    yield
    monkeypatch.undo()
    forget_schemas()


def test_nothing_is_remembered_where_the_root_reads_values(value_dependent_root):
    """Both bodies break costCap alike and carry the same names; only the valid organizationType differs, and with
    it the verdict. Remembering by names and failing values would give the second the first's verdict. (The fast path
    has no structs for this schema, so the failing members are given here as it would name them.)"""
    without_call_cap = {name: value for name, value in SAMPLE_ORGANIZATION.items() if name != "callCap"}
    failing = frozenset({"costCap"})
    found = []
    for kind_of_organization in ("free", "paid"):
        body = dict(without_call_cap, organizationType=kind_of_organization, costCap="12")
        found.append(
            verdict_memo.remembered(
                "organization", body, failing, 1_000, lambda body=body: validation._validated("organization", body, failing)
            )
        )
    assert [v.path for v in found[0]] == ["$.costCap"]
    assert sorted(v.path for v in found[1]) == ["$.callCap", "$.costCap"]
    assert not verdict_memo._memo


def test_bodies_with_long_member_names_never_hold_more_than_the_bound():
    """A hostile target names a member anew in each broken body, each name 100 KiB long: what the memo holds stays
    under its byte bound, and each verdict is still jsonschema's."""
    for n in range(200):
        body = json.dumps(dict(SAMPLE_ORGANIZATION, costCap="12", **{f"{n:03}" + "x" * 100_000: 1})).encode()
        assert [v.path for v in validation.strictly_checked("organization", body)[1]] == ["$.costCap"]
        assert verdict_memo._held <= verdict_memo._BYTES
        held = sum(len(name) for key in verdict_memo._memo for name in key[1])
        assert held <= verdict_memo._BYTES
    assert 0 < len(verdict_memo._memo) < 200, "remembered, and emptied at the byte bound"
