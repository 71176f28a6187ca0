"""Done, end to end: a deployment adds members to what the reference documents; a few gate runs keep their evidence
in the history; `propose` turns it into schema files, applied in a copy of the repository (never the real
schemas/); the gate re-run there is green with no drift; the applied schema still refuses every contract-breaking
variant of the reference, and the offline suite generates and corrupts it; the same proposal comes from HAR and
JSON Lines captures; and the token the deployment echoes is nowhere in what any of it wrote."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from contracts.core.credentials import Credentials
from contracts.judging import schemas
from contracts.judging.mutations import variants
from contracts.transport.server import ERRORS, SAMPLE_ORGANIZATION, RunningServer
from tests.helpers.doc_commands import Done
from tests.helpers.faults import credential_echoes
from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN, gate_arguments, run_gate
from tests.propose.drifting import ADDED_REQUIRED, DriftingApp, as_har, as_json_lines, organization_members, recorded_traffic

RUNS = 4  # gate runs against the deployment: one organization body each, the optional member in every other one
ADDED = {
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
    "lastCaller": {"type": "string"},
    "promotion": {"type": "string"},
}
SCHEMA_FILES = ("organization.schema.json", "error.schema.json")


def command(cwd: Path, *args: str, token: bool = True, timeout: float = 180) -> Done:
    """`python ARGS` in `cwd` (its `contracts` package, when it holds one), with the deployment's token or none."""
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS} | ({"CONTRACT_API_TOKEN": TOKEN} if token else {})
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    return Done(done.returncode, done.stdout, done.stderr)


def repository_copy(folder: Path) -> Path:
    """What the gate and `python -m contracts` run from, copied: applying a proposal there leaves schemas/ alone."""
    for name in ("contracts", "schemas", "suites"):
        shutil.copytree(REPO / name, folder / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pytest.ini", folder / "pytest.ini")
    return folder


@pytest.fixture(scope="module")
def deployment():
    with RunningServer(DriftingApp(Credentials.bearer(TOKEN))) as server:
        yield server.url


@pytest.fixture(scope="module")
def history(deployment, tmp_path_factory) -> Path:
    """The gate run a few times against the deployment, as CI runs it after each deploy."""
    out = tmp_path_factory.mktemp("gate")
    for _ in range(RUNS):
        run = run_gate(out, base_url=deployment, env={"CONTRACT_API_TOKEN": TOKEN})
        assert run.returncode == 0, run.output  # drift is allowed: every run is green
        assert {entry["path"] for entry in run.summary["drift"]} >= {"$.region", "$.billing", "$.requestId", "$.error.docs"}
    return out / "history"


@dataclass
class Applied:
    copy: Path
    proposal: Path
    done: Done


@pytest.fixture(scope="module")
def applied(history, tmp_path_factory) -> Applied:
    """`propose --apply` from the history, in a copy of the repository."""
    copy = repository_copy(tmp_path_factory.mktemp("checkout"))
    proposal = tmp_path_factory.mktemp("proposal") / "out"
    done = command(copy, "-m", "contracts", "propose", "--history", str(history), "--out", str(proposal), "--apply")
    return Applied(copy, proposal, done)


def schema_of(folder: Path, name: str) -> dict:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def test_the_proposal_from_the_history_has_the_right_members_types_formats_and_required_ness(applied):
    assert applied.done.returncode == 0, applied.done.output
    assert applied.done.stderr.splitlines()[-2] == "verdict: PASSED (exit 0: the contract is honoured)"
    organization = schema_of(applied.copy / "schemas", "organization.schema.json")
    reference = schema_of(REPO / "schemas", "organization.schema.json")
    assert list(organization["properties"])[: len(reference["properties"])] == list(reference["properties"])
    assert {name: organization["properties"][name] for name in list(organization["properties"])[len(reference["properties"]) :]} == ADDED
    assert organization["required"] == [*reference["required"], *ADDED_REQUIRED], "required when every body carried it: not promotion"
    error = schema_of(applied.copy / "schemas", "error.schema.json")
    assert error["properties"]["requestId"] == {"type": "string"} and error["required"] == ["trackingId", "error", "requestId"]
    assert error["$defs"]["errorDetail"]["properties"]["docs"] == {"type": "string"}
    assert "version: 1.1.0" in (applied.copy / "contracts" / "openapi.yaml").read_text(encoding="utf-8")
    for name in SCHEMA_FILES:  # the real schemas untouched; the proposal written beside them as applied
        assert (applied.proposal / "schemas" / name).read_text(encoding="utf-8") == (applied.copy / "schemas" / name).read_text(
            encoding="utf-8"
        )
        assert subprocess.run(["git", "diff", "--quiet", "HEAD", "--", f"schemas/{name}"], cwd=REPO, timeout=30).returncode == 0
    summary = (applied.proposal / "SUMMARY.md").read_text(encoding="utf-8")
    assert f"| `$.promotion` | string | no | seen in {RUNS // 2} of {RUNS} bodies over {RUNS} runs; string" in summary
    assert (
        f"| `$.lastActivityAt` | string, timestamp | yes | seen in {RUNS} of {RUNS} bodies over {RUNS} runs; string, date-time in every value"
        in summary
    )
    assert re.search(r"\*\*The proof holds\*\*: .* still refuses all \d+ contract-breaking variants of the current reference", summary)


def test_the_gate_re_run_on_the_applied_schema_is_green_and_sees_no_drift(applied, deployment, tmp_path):
    assert applied.done.returncode == 0, applied.done.output
    out = tmp_path / "reports"
    run = command(applied.copy, "-m", "pytest", *gate_arguments(out, base_url=deployment))
    assert run.returncode == 0, run.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["drift"] == [] and summary["violations"] == []
    assert {status: entry["verdict"] for status, entry in summary["statuses"].items() if entry["required"]} == {
        "200": "passed",
        "401": "passed",
    }
    assert all(record["paths"] == {} for record in summary["evidence"]["kinds"].values()), "nothing undocumented left"
    assert summary["evidence"]["kinds"]["organization"]["objects"] == {"$.billing": 1, "$.billing.card": 1}


def test_the_applied_schema_still_refuses_every_contract_breaking_variant_of_the_reference(applied, tmp_path):
    """The reference's mutation catalogue, each variant on a body the applied schema accepts, checked by the copy's own
    `validate`: every one must still be refused."""
    assert applied.done.returncode == 0, applied.done.output
    bodies = {
        "organization": {**SAMPLE_ORGANIZATION, **organization_members(1, "caller")},
        "error": {"trackingId": "t-1", "requestId": "r-1", "error": {**ERRORS[502], "docs": "https://example.com/errors"}},
    }
    for kind, body in bodies.items():
        found = [variant for variant in variants(schemas.resolved(kind)) if variant.applies_to(body)]
        assert len(found) > 10
        payloads = tmp_path / f"{kind}.jsonl"
        payloads.write_text(
            "".join(json.dumps(line) + "\n" for line in [body, *(variant.apply(body) for variant in found)]), encoding="utf-8"
        )
        done = command(applied.copy, "-m", "contracts", "validate", kind, "--jsonl", str(payloads))
        assert done.returncode == 1, done.output
        refused = {int(match) for match in re.findall(r"^.*?:(\d+): ", done.stdout, re.M)}
        assert refused == set(range(2, len(found) + 2)), "the first line, the body itself, passes; every variant is refused"


def test_the_offline_suite_generates_and_corrupts_the_applied_schema(applied, tmp_path):
    assert applied.done.returncode == 0, applied.done.output
    outputs = [f"--html={tmp_path / 'report.html'}", f"--junitxml={tmp_path / 'junit.xml'}", f"--summary-json={tmp_path / 'summary.json'}"]
    done = command(
        applied.copy,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-v",
        "-m",
        "client_validation",
        "-k",
        "corrupt_organization_refused and (tags or billing or seatCount)",  # the new members' targets; every one is collected
        *outputs,
        token=False,  # the offline suite runs against no target
    )
    assert done.returncode == 0, done.output
    for target in (
        "$.tags[0]: wrong JSON type number",
        "$.billing.card.brand: required field dropped",
        "$.seatCount: wrong JSON type number",
    ):
        assert f"test_corrupt_organization_refused[{target}] PASSED" in done.stdout, target


# -- captures given directly ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def captures(tmp_path_factory) -> dict[str, Path]:
    """The deployment's traffic (a fresh one: its organizations numbered from 0 again) as JSON Lines and as HAR."""
    with RunningServer(DriftingApp(Credentials.bearer(TOKEN))) as server:
        exchanges = recorded_traffic(server.url, TOKEN, organizations=8)
    folder = tmp_path_factory.mktemp("captures")
    (folder / "gateway.jsonl").write_text(as_json_lines(exchanges), encoding="utf-8")
    (folder / "session.har").write_text(as_har(exchanges), encoding="utf-8")
    return {"jsonl": folder / "gateway.jsonl", "har": folder / "session.har"}


@pytest.mark.parametrize("form", ["jsonl", "har"])
def test_a_capture_given_directly_proposes_the_same_schema_and_proves_it_on_every_body(form, captures, applied, tmp_path):
    out = tmp_path / "proposal"
    done = command(REPO, "-m", "contracts", "propose", "--from", str(captures[form]), "--out", str(out))
    assert done.returncode == 0, done.output
    for name in SCHEMA_FILES:
        assert (out / "schemas" / name).read_text(encoding="utf-8") == (applied.copy / "schemas" / name).read_text(encoding="utf-8")
    summary = (out / "SUMMARY.md").read_text(encoding="utf-8")
    assert "| `$.promotion` | string | no | seen in 4 of 8 bodies over 1 run; string" in summary
    assert "**The proof holds**: the proposal accepts all 11 learned bodies; still refuses all" in summary
    assert f"read from {captures[form]} (12 exchanges)" in summary


# -- no credential anywhere -------------------------------------------------------------------------


def test_the_echoed_token_is_nowhere_in_the_evidence_the_proposal_or_what_was_printed(history, applied, captures, tmp_path):
    assert applied.done.returncode == 0, applied.done.output
    from_capture = command(REPO, "-m", "contracts", "propose", "--from", str(captures["jsonl"]), "--out", str(tmp_path / "p"))
    texts = {"console": applied.done.output, "console from a capture": from_capture.output}
    for folder in (history, applied.proposal, tmp_path / "p", applied.copy / "schemas"):
        texts |= {str(path): path.read_text(encoding="utf-8") for path in folder.rglob("*") if path.is_file()}
    for where, text in texts.items():
        for name, form in credential_echoes(TOKEN).items():
            assert form not in text, f"the token's {name} form is in {where}"
    evidence = json.loads(sorted(history.iterdir())[-1].read_text(encoding="utf-8"))["evidence"]
    echo = evidence["kinds"]["organization"]["paths"]["$.lastCaller"]
    assert echo["credential"] and "values" not in echo and "samples" not in echo
    assert "$.lastCaller: values withheld: its name or values look like credentials" in (applied.proposal / "SUMMARY.md").read_text(
        encoding="utf-8"
    ).replace("`", "")
