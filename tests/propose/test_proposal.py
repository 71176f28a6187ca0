"""Proposing a reference change from evidence: the members, types, formats and required-ness a deployment's
extra members call for, in the house layout, with patch, diff, openapi.yaml version, verdict and proof; once
installed (in a temporary copy), the gate's own judges find no drift and no violation in the learned bodies."""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
from pathlib import Path

import jsonpatch
import pytest

from contracts.client import ErrorEnvelope, InvalidPayload, Organization
from contracts.core.redaction import MASK, Redactor
from contracts.judging import schemas, validation
from contracts.judging.evidence import Evidence
from contracts.judging.mutations import example, variants
from contracts.judging.schema_diff import BREAKS_CLIENTS, BREAKS_PROVIDERS, COMPATIBLE, Change
from contracts.propose.proposal import ProposalError, openapi_change, propose
from contracts.propose.style import house_json
from contracts.transport.server import ERRORS, SAMPLE_ORGANIZATION
from tests.helpers.faults import credential_echoes
from tests.helpers.schema_caches import forget_schemas
from tests.helpers.support import REPO

SECRET = "tok-9f8e7d6c5b4a3f2e1d0c"
CLEAN = Redactor([SECRET])
SCHEMA_FILES = sorted(path for path in (REPO / "schemas").iterdir() if path.name.endswith(".schema.json"))


def deployment_bodies(count: int = 8) -> list[tuple[str, object]]:
    """The reference's answers as a deployment that adds members sends them: strings, dates, numbers, a nested
    object, an array, and one member in every other body; and error envelopes with members of their own."""
    bodies: list[tuple[str, object]] = []
    for n in range(count):
        organization = {
            **SAMPLE_ORGANIZATION,
            "region": ["eu-west-1", "us-east-1"][n % 2],
            "renewsOn": f"2026-0{n % 9 + 1}-15",
            "lastActivityAt": f"2026-11-2{n % 10}T16:05:12Z",
            "seatCount": 10 + n,
            "balance": 12.5 * n,
            "billing": {"plan": "pro", "seats": n, "card": {"brand": "visa"}},
            "tags": ["beta", "eu"][: n % 3],
        }
        if n % 2:
            organization["promotion"] = "spring"
        bodies.append(("organization", organization))
    for status in (400, 402, 502):
        bodies.append(
            (
                "error",
                {
                    "trackingId": f"t-{status}",
                    "requestId": f"r-{status}",
                    "error": {**ERRORS[status], "docs": "https://example.com/errors"},
                },
            )
        )
    return bodies


def evidence_of(bodies: list[tuple[str, object]], clean=CLEAN) -> Evidence:
    evidence = Evidence()
    for kind, body in bodies:
        evidence.learn(kind, body, clean)
    return evidence


def proposed_documents(proposal) -> dict[str, dict]:
    documents = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in SCHEMA_FILES}
    documents.update({Path(change.name).name: json.loads(change.new) for change in proposal.files})
    return documents


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Install schema files in a temporary folder as the gate's schemas, for the gate's own judges; restored after."""

    forget = forget_schemas

    def install(texts: dict[str, str]) -> None:
        folder = tmp_path / "schemas"
        folder.mkdir()
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")
        monkeypatch.setattr(schemas, "SCHEMA_DIR", folder)
        forget()

    yield install
    monkeypatch.undo()
    forget()


def test_the_house_layout_is_reproduced_exactly():
    for path in SCHEMA_FILES:
        text = path.read_text(encoding="utf-8")
        assert house_json(json.loads(text)) == text, path.name


def test_a_deployment_that_adds_members_gets_the_right_members_types_formats_and_required_ness(installed):
    bodies = deployment_bodies()
    proposal = propose(evidence_of(bodies), learned=bodies)
    organization = json.loads(next(change.new for change in proposal.files if change.name == "schemas/organization.schema.json"))
    added = {name: organization["properties"][name] for name in list(organization["properties"])[12:]}
    assert added == {
        "region": {"type": "string"},
        "renewsOn": {"$ref": "defs.schema.json#/$defs/isoDate"},
        "lastActivityAt": {"$ref": "defs.schema.json#/$defs/timestamp"},
        "seatCount": {"type": "integer"},
        "balance": {"type": "number"},
        "billing": {
            "type": "object",
            "required": ["plan", "seats", "card"],
            "properties": {
                "plan": {"type": "string"},
                "seats": {"type": "integer"},
                "card": {"type": "object", "required": ["brand"], "properties": {"brand": {"type": "string"}}},
            },
        },
        "tags": {"type": "array", "items": {"type": "string"}},
        "promotion": {"type": "string"},
    }
    assert organization["required"][10:] == ["region", "renewsOn", "lastActivityAt", "seatCount", "balance", "billing", "tags"]
    error = json.loads(next(change.new for change in proposal.files if change.name == "schemas/error.schema.json"))
    assert error["properties"]["requestId"] == {"type": "string"} and "requestId" in error["required"]
    assert error["$defs"]["errorDetail"]["properties"]["docs"] == {"type": "string"}, "a member of `error` goes where `error` is defined"
    assert "additionalProperties" not in json.dumps([json.loads(change.new) for change in proposal.files])

    assert proposal.proof.holds and proposal.proof.still_drifting == 0
    assert proposal.proof.bodies == len(bodies)
    installed({name: json.dumps(document) for name, document in proposed_documents(proposal).items()})
    schemas.assert_formats_live()  # the gate starts with it: no format it cannot prove checked
    for kind, body in bodies:
        assert validation.undocumented_fields(kind, body) == [], "no drift left"
        assert validation.validate(kind, body) == [], "every learned body is honoured"
    for kind in schemas.KINDS:
        for variant in variants(schemas.resolved(kind)):
            base = example(schemas.resolved(kind))
            if variant.applies_to(base):
                assert validation.validate(kind, variant.apply(base)), f"{variant.name} passes the applied schema"


def test_each_member_states_its_evidence_in_words():
    bodies = deployment_bodies()
    evidence = evidence_of(bodies)
    evidence.merge(evidence_of(bodies))  # a second run
    proposal = propose(evidence, learned=bodies)
    said = {member.path: member.evidence for member in proposal.members}
    assert said["$.lastActivityAt"].startswith("seen in 16 of 16 bodies over 2 runs; string, date-time in every value")
    assert said["$.promotion"].startswith("seen in 8 of 16 bodies over 2 runs; string")
    assert said["$.billing.card.brand"].startswith("seen in 16 of 16 $.billing.card objects over 2 runs")
    assert said["$.error.docs"].startswith("seen in 6 of 6 $.error objects over 2 runs; string, uri in every value")
    assert said["$.seatCount"].startswith("seen in 16 of 16 bodies over 2 runs; integer, 10 to 17")
    assert said["$.tags[*]"].startswith("14 array items over 2 runs; string")
    assert said["$.balance"].startswith("seen in 16 of 16 bodies over 2 runs; number (8 of 16 whole), 0.0 to 87.5")
    summary = proposal.summary()
    assert "| `$.promotion` | string | no | seen in 8 of 16 bodies over 2 runs; string" in summary
    assert "**breaks providers**" in summary, "required members break providers that do not send them"
    assert "**The proof holds**" in summary and "accepts all 11 learned bodies" in summary
    assert "`info.version` 1.0.0 → 1.1.0" in summary


def test_the_patch_and_the_diff_each_turn_the_current_files_into_the_proposed_ones(tmp_path):
    bodies = deployment_bodies()
    proposal = propose(evidence_of(bodies), learned=bodies)
    for change in proposal.files:
        assert jsonpatch.apply_patch(json.loads(change.old), list(change.patch or ())) == json.loads(change.new)
        lines = change.diff.splitlines()[2:]
        added = [line[1:] for line in lines if line.startswith("+")]
        for removed in (line[1:] for line in lines if line.startswith("-")):  # a line that only gains a comma or an item
            assert any(line.startswith(removed.rstrip(",").rstrip("]")) for line in added), removed
    tree = tmp_path / "checkout"
    shutil.copytree(REPO / "schemas", tree / "schemas")
    (tree / "contracts").mkdir()
    shutil.copy(REPO / "contracts" / "openapi.yaml", tree / "contracts" / "openapi.yaml")
    (tree / "proposal.diff").write_text(proposal.diff(), encoding="utf-8")
    subprocess.run(["git", "apply", "proposal.diff"], cwd=tree, check=True, timeout=60)
    for change in (*proposal.files, proposal.openapi):
        assert change is not None
        assert (tree / change.name).read_text(encoding="utf-8") == change.new


def test_required_only_when_every_body_carried_it_and_conflicts_are_flagged():
    bodies = [
        {**SAMPLE_ORGANIZATION, "score": 1, "note": "x", "since": "2024-01-01", "ownerId": "123e4567-e89b-12d3-a456-426614174000"},
        {**SAMPLE_ORGANIZATION, "score": "high", "note": None, "since": "2024/01/02", "ownerId": "123e4567-e89b-12d3-a456-426614174001"},
        {**SAMPLE_ORGANIZATION, "score": 2.5, "alwaysNull": None},
    ]
    pairs = [("organization", body) for body in bodies]
    proposal = propose(evidence_of(pairs), learned=pairs)
    members = {member.path: member for member in proposal.members}
    assert members["$.score"].schema == {"type": ["number", "string"]} and members["$.score"].required
    assert any("conflicting types" in flag for flag in members["$.score"].flags)
    assert members["$.note"].schema == {"type": ["null", "string"]} and not members["$.note"].required
    assert any("nullable" in flag for flag in members["$.note"].flags)
    assert members["$.since"].schema == {"type": "string"}, "one value is no date: no format"
    assert members["$.ownerId"].schema == {"type": "string"}, "the gate proves no uuid checker live"
    assert any("uuid in every value" in flag for flag in members["$.ownerId"].flags)
    assert [skip.path for skip in proposal.skipped] == ["$.alwaysNull"]
    assert proposal.proof.holds
    with_uuid = propose(evidence_of(pairs), formats=("date", "date-time", "uuid"))
    assert {m.path: m.schema for m in with_uuid.members}["$.ownerId"] == {"type": "string", "format": "uuid"}
    with pytest.raises(ProposalError, match="unknown format"):
        propose(evidence_of(pairs), formats=("ipv4",))


def test_an_enum_only_when_asked_and_only_from_a_short_list():
    pairs = [
        ("organization", {**SAMPLE_ORGANIZATION, "tier": tier, "uid": f"u{n}"}) for n, tier in enumerate(["gold", "silver", "gold"] * 4)
    ]
    plain = {member.path: member.schema for member in propose(evidence_of(pairs)).members}
    assert plain["$.tier"] == {"type": "string"}
    asked = {member.path: member for member in propose(evidence_of(pairs), enums=True).members}
    assert asked["$.tier"].schema == {"type": "string", "enum": ["gold", "silver"]}
    assert any("cannot prove the set closed" in flag for flag in asked["$.tier"].flags)
    assert asked["$.uid"].schema == {"type": "string"}, "12 distinct values: no enum candidate"


def test_empty_arrays_leave_items_open_and_nothing_drifting_proposes_nothing():
    pairs = [("organization", {**SAMPLE_ORGANIZATION, "labels": []})]
    member = propose(evidence_of(pairs)).members[0]
    assert member.schema == {"type": "array"} and any("only empty arrays" in flag for flag in member.flags)
    nothing = propose(evidence_of([("organization", SAMPLE_ORGANIZATION)]))
    assert (nothing.files, nothing.openapi, nothing.members) == ((), None, ())
    assert "No undocumented member to propose." in nothing.summary()


def hostile_pairs() -> list[tuple[str, object]]:
    echoes = credential_echoes(SECRET)
    body = {
        **SAMPLE_ORGANIZATION,
        "echo": SECRET,
        "echoBase64": base64.b64encode(SECRET.encode()).decode(),
        "debug": {"authorization": f"Bearer {SECRET}", "seen": {SECRET: 1}},
        SECRET: "a member named by the secret",
        "allEchoes": list(echoes.values()),
    }
    return [("organization", body), ("error", {"trackingId": "t", "error": {**ERRORS[402], SECRET: echoes["base64"]}})]


def test_no_credential_reaches_the_proposal_the_files_or_the_summary(tmp_path):
    pairs = hostile_pairs()
    proposal = propose(evidence_of(pairs), learned=pairs, clean=CLEAN)
    written = proposal.write(tmp_path / "out")
    texts = [path.read_text(encoding="utf-8") for path in written] + [proposal.summary(), repr(proposal)]
    for text in texts:
        for name, form in credential_echoes(SECRET).items():
            assert form not in text, f"the secret's {name} form"
    skipped = {skip.path for skip in proposal.skipped}
    assert {f"$['{MASK}']", f"$.error['{MASK}']", f"$.debug.seen['{MASK}']"} <= skipped
    assert {member.path for member in proposal.members} >= {"$.echo", "$.echoBase64", "$.debug", "$.debug.authorization"}
    assert all("samples" not in member.evidence and SECRET not in member.evidence for member in proposal.members)


def test_a_proposal_that_would_write_a_credential_is_refused():
    pairs = [("organization", {**SAMPLE_ORGANIZATION, "region": "eu"})]
    evidence = evidence_of(pairs)
    with pytest.raises(ProposalError, match="credential"):
        propose(evidence, clean=Redactor(["region-name-secret", '"region"']))


def test_writing_goes_beside_the_schemas_and_applying_replaces_them_only_as_found(tmp_path, installed):
    bodies = deployment_bodies(2)
    proposal = propose(evidence_of(bodies), learned=bodies)
    written = {path.relative_to(tmp_path / "out").as_posix() for path in proposal.write(tmp_path / "out")}
    assert written == {
        "schemas/organization.schema.json",
        "schemas/error.schema.json",
        "patches/organization.schema.json.patch.json",
        "patches/error.schema.json.patch.json",
        "contracts/openapi.yaml",
        "proposal.diff",
        "SUMMARY.md",
    }
    installed({path.name: path.read_text(encoding="utf-8") for path in SCHEMA_FILES})  # at tmp_path/schemas
    for refused in (tmp_path, tmp_path / "schemas"):  # over the installed schemas, or into their folder
        with pytest.raises(ProposalError, match="not over them"):
            proposal.write(refused)
    assert [path.read_text(encoding="utf-8") for path in sorted((tmp_path / "schemas").iterdir())] == [
        path.read_text(encoding="utf-8") for path in SCHEMA_FILES
    ]
    copy_of = tmp_path / "copy"
    shutil.copytree(REPO / "schemas", copy_of)
    openapi = tmp_path / "openapi.yaml"
    shutil.copy(REPO / "contracts" / "openapi.yaml", openapi)
    applied = proposal.apply(copy_of, openapi)
    assert {path.name for path in applied} == {"organization.schema.json", "error.schema.json", "openapi.yaml"}
    assert (copy_of / "organization.schema.json").read_text(encoding="utf-8") == proposal.files[1].new
    with pytest.raises(ProposalError, match="changed since"):
        proposal.apply(copy_of, openapi)


@pytest.mark.parametrize(
    "text, changes, version",
    [
        ("info:\n  title: T\n  version: 1.0.0\n", [Change("$.a", "optional member added", COMPATIBLE)], "1.1.0"),
        ("info:\n  title: T\n  version: 1.4.2\n", [Change("$.a", "required member added", BREAKS_PROVIDERS)], "1.5.0"),
        ('info:\n  version: "2.3.1"\n  title: T\n', [Change("$.a", "member removed", BREAKS_CLIENTS)], '"3.0.0"'),
    ],
)
def test_openapi_yaml_gets_a_new_version_major_when_clients_break(text, changes, version):
    change = openapi_change(text, changes)
    assert change is not None
    assert f"version: {version}\n" in change.new
    assert change.new.replace(version, "") == text.replace(text.split("version: ")[1].split("\n")[0], "")


def test_openapi_yaml_without_a_semantic_version_is_left_alone():
    assert openapi_change("info:\n  title: T\n  version: latest\n", []) is None
    assert openapi_change("paths: {}\nversion: 1.0.0\n", []) is None


def test_evidence_from_an_older_reference_is_not_proposed_twice():
    bodies = deployment_bodies(2)
    evidence = evidence_of(bodies)
    proposal = propose(evidence)
    again = propose(copy.deepcopy(evidence), schema_texts={Path(c.name).name: c.new for c in proposal.files} | _others(proposal))
    assert again.members == () and again.files == ()


def _others(proposal) -> dict[str, str]:
    changed = {Path(change.name).name for change in proposal.files}
    return {path.name: path.read_text(encoding="utf-8") for path in SCHEMA_FILES if path.name not in changed}


def test_the_typed_client_reads_bodies_of_the_applied_schema_and_fills_only_what_it_declares(installed):
    """A model holds the members it declares, from the objects it stands for; a member an applied proposal adds waits
    for the model to declare it (tests/test_one_source.py says which), and one named like a declared one elsewhere in
    the body takes nothing from it."""
    organization = {**SAMPLE_ORGANIZATION, "region": "eu", "billing": {"name": "Gold plan", "seats": 3}, "tags": ["beta"]}
    envelope = {"trackingId": "t-1", "code": "root-code", "error": {**ERRORS[402], "docs": "https://example.com"}}
    learned = [("organization", organization), ("error", envelope)]
    proposal = propose(evidence_of(learned), learned=learned)
    assert proposal.proof.holds
    installed({name: json.dumps(document) for name, document in proposed_documents(proposal).items()})
    assert "name" in schemas.resolved("organization")["properties"]["billing"]["properties"]
    model = Organization.from_json(json.dumps(organization))
    assert model.name == "Acme Notifications" and model == Organization.from_json(json.dumps(organization | {"name": "Acme Notifications"}))
    assert set(model.to_document()) == set(SAMPLE_ORGANIZATION), "the members it declares, no more"
    assert ErrorEnvelope.from_json(json.dumps(envelope)).code == ERRORS[402]["code"], "the envelope's code is the error's"
    with pytest.raises(InvalidPayload) as refused:
        Organization.from_json(json.dumps(SAMPLE_ORGANIZATION))
    assert {violation.path for violation in refused.value.violations} == {"$.region", "$.billing", "$.tags"}, "now required"
