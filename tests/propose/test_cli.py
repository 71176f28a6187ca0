"""`python -m contracts propose` and `diff` as a user meets them: each exit code of the one table for what it means
here, one line per mistake and never a traceback, the history read as the gate keeps it, and a proof that fails
keeps the schemas as they are."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts.__main__ import main
from contracts.judging.evidence import Evidence
from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers.support import GATE_ENV_VARS, REPO, TOKEN
from tests.propose.test_end_to_end import command, repository_copy

JSON = {"Content-Type": "application/json"}


def run(*args: str | Path, capsys) -> tuple[int, str, str]:
    try:
        code = main([*map(str, args)])
    except SystemExit as exit:  # argparse's usage errors
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def capture(path: Path, *bodies: object, extra: tuple[str, ...] = ()) -> Path:
    """A JSON Lines capture of 200 answers with these bodies (and any raw lines after them)."""
    lines = [json.dumps({"status": 200, "headers": JSON, "body": json.dumps(body)}) for body in bodies]
    path.write_text("".join(line + "\n" for line in [*lines, *extra]), encoding="utf-8")
    return path


def summary_file(path: Path, evidence: dict | None, **more: object) -> Path:
    path.write_text(json.dumps({"format": 2, **({"evidence": evidence} if evidence is not None else {}), **more}), encoding="utf-8")
    return path


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith(("error:", "python -m contracts"))]
    return line


# -- propose: what it reads, and each exit code ----------------------------------------------------


@pytest.mark.parametrize(
    "arguments, says",
    [
        (["--history", "{tmp}/none"], "--history {tmp}/none: no such folder; run the gate first"),
        (["{tmp}/not-json.json"], "{tmp}/not-json.json: not JSON: give a summary.json"),
        (["{tmp}/older.json"], "{tmp}/older.json: no evidence in it"),
        (["{tmp}/foreign.json"], "{tmp}/foreign.json: its evidence cannot be read (evidence format 'other/1'"),
        (["{tmp}/missing.json"], "{tmp}/missing.json: no such file"),
        (["--from", "{tmp}/missing.jsonl"], "--from {tmp}/missing.jsonl: no such file: give a HAR file or a JSON Lines capture"),
        (["--from", "{tmp}/drifting.jsonl", "--out", "schemas"], "schemas: a proposal is written beside the schemas, not over them"),
    ],
)
def test_bad_input_is_one_line_and_exit_4(arguments, says, tmp_path, capsys, monkeypatch):
    (tmp_path / "not-json.json").write_text("{", encoding="utf-8")
    summary_file(tmp_path / "older.json", None)
    summary_file(tmp_path / "foreign.json", {"format": "other/1"})
    capture(tmp_path / "drifting.jsonl", {**SAMPLE_ORGANIZATION, "region": "eu"})
    monkeypatch.chdir(REPO)  # `--out schemas` is the installed schemas' folder
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    out_dir = [] if "--out" in arguments else ["--out", str(tmp_path / "out")]
    code, out, err = run("propose", *arguments, *out_dir, capsys=capsys)
    assert code == 4
    assert one_error_line(err).startswith(f"error: {says.format(tmp=tmp_path)}")
    assert out == "" and not (tmp_path / "out").exists()


def test_without_out_it_is_a_usage_error_exit_4(capsys):
    code, _, err = run("propose", "--history", "x", capsys=capsys)
    assert code == 4 and "the following arguments are required: --out" in err


def test_nothing_to_propose_exits_5_and_writes_nothing(tmp_path, capsys):
    reference_only = capture(tmp_path / "reference.jsonl", SAMPLE_ORGANIZATION, SAMPLE_ORGANIZATION)
    code, out, err = run("propose", "--from", reference_only, "--out", tmp_path / "out", capsys=capsys)
    assert code == 5, err
    assert "nothing to propose" in err and err.splitlines()[-1] == "verdict: NOT VERIFIED (exit 5: no check ran: nothing was verified)"
    assert out == "" and not (tmp_path / "out").exists()


def test_a_proof_that_fails_exits_1_writes_the_proposal_and_applies_nothing(tmp_path):
    """The evidence looks at the first 50 items of an array: a 51st of another type is a body the proposal refuses."""
    tags = [*(f"t{n}" for n in range(50)), 7]
    copy = repository_copy(tmp_path / "checkout")
    learned = capture(tmp_path / "long-array.jsonl", {**SAMPLE_ORGANIZATION, "tags": tags})
    before = (copy / "schemas" / "organization.schema.json").read_text(encoding="utf-8")
    done = command(copy, "-m", "contracts", "propose", "--from", str(learned), "--out", str(tmp_path / "out"), "--apply")
    assert done.returncode == 1, done.output
    assert "proof: FAILS: the proposal refuses 1 of 1 learned bodies" in done.stderr
    assert "not applied: the proof fails" in done.stderr
    assert done.stderr.splitlines()[-2] == "verdict: FAILED (exit 1: the contract is violated)"
    assert (copy / "schemas" / "organization.schema.json").read_text(encoding="utf-8") == before
    summary = (tmp_path / "out" / "SUMMARY.md").read_text(encoding="utf-8")
    assert "**The proof FAILS**" in summary and "refused: `organization body 1: $.tags[50]: type 'string'`" in summary


def test_an_unreadable_capture_entry_is_named_and_exits_65_once_written_and_proven(tmp_path, capsys):
    drifting = capture(tmp_path / "mixed.jsonl", {**SAMPLE_ORGANIZATION, "region": "eu"}, extra=("{not json",))
    code, out, err = run("propose", "--from", drifting, "--out", tmp_path / "out", capsys=capsys)
    assert code == 65
    assert f"{drifting}#2: malformed JSON line" in err
    assert out.startswith("$.region: string, required (seen in 1 of 1 body over 1 run")
    assert err.splitlines()[-2] == "verdict: NOT VERIFIED (exit 65: nothing failed, but some input could not be read)"
    assert (tmp_path / "out" / "SUMMARY.md").is_file()


def test_a_proposal_that_cannot_be_written_names_the_folder_and_exits_73(tmp_path, capsys):
    drifting = capture(tmp_path / "drifting.jsonl", {**SAMPLE_ORGANIZATION, "region": "eu"})
    (tmp_path / "taken").write_text("a file where the folder would be", encoding="utf-8")
    code, _, err = run("propose", "--from", drifting, "--out", tmp_path / "taken" / "out", capsys=capsys)
    assert code == 73
    (written,) = [line for line in err.splitlines() if line.startswith("outputs not written: ") and "SUMMARY.md" in line]
    assert written.endswith(f" in {tmp_path / 'taken' / 'out'}: Not a directory")
    assert "verdict: NOT VERIFIED (exit 73: the verdict stands, but an output could not be written); the verdict that stands: PASSED" in err
    assert "Traceback" not in err


def test_sigterm_while_reading_exits_2_and_writes_nothing(tmp_path):
    body = json.dumps({"status": 200, "headers": JSON, "body": json.dumps({"region": "eu"})})  # drift in every line
    big = tmp_path / "big.jsonl"
    big.write_text((body + "\n") * 300_000, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS}
    child = subprocess.Popen(
        [sys.executable, "-m", "contracts", "propose", "--from", str(big), "--out", str(tmp_path / "out")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(Path(f"/proc/{child.pid}/fd", fd).resolve() == big for fd in _fds(child.pid)):  # reading it, signals handled
            assert child.poll() is None and time.monotonic() < deadline, "it never read the capture"
            time.sleep(0.02)
        child.send_signal(signal.SIGTERM)
        err = child.communicate(timeout=60)[1]
    finally:
        child.kill()
    assert child.returncode == 2, err
    assert (
        "interrupted by SIGTERM: nothing written" in err
        and err.splitlines()[-1] == "verdict: INTERRUPTED (exit 2: interrupted before the end: what ran so far is shown)"
    )
    assert not (tmp_path / "out").exists()


def _fds(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []


def test_the_history_passes_over_older_runs_and_the_embedded_server_and_counts_a_copy_once(tmp_path, capsys):
    history = tmp_path / "history"
    history.mkdir()
    evidence = Evidence()
    evidence.learn("organization", {**SAMPLE_ORGANIZATION, "region": "eu"}, lambda text: text)
    drifting = summary_file(history / "2026-1.json", evidence.as_dict(), target={"base_url": "https://staging", "embedded": False})
    summary_file(history / "2026-2.json", None, target={"base_url": "https://staging", "embedded": False})
    embedded = Evidence()
    embedded.learn("organization", SAMPLE_ORGANIZATION, lambda text: text)
    summary_file(history / "2026-3.json", embedded.as_dict(), target={"base_url": "http://127.0.0.1:1", "embedded": True})
    (history / "2026-4.json").write_text("{", encoding="utf-8")
    code, out, err = run("propose", "--history", history, drifting, "--out", tmp_path / "out", capsys=capsys)
    assert code == 65, err  # the unreadable run
    assert f"{history / '2026-4.json'}: not JSON" in err
    assert f"1 run(s) in {history} carry no evidence (written by an older version)" in err
    assert f"1 run(s) in {history} against the embedded reference server" in err
    assert out.startswith("$.region: string, required (seen in 1 of 1 body over 1 run;"), "the copy named as well is the same run"


def test_the_default_history_is_reports_history_and_its_absence_says_what_to_do(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("propose", "--out", "out", capsys=capsys)
    assert code == 4
    assert one_error_line(err).startswith("error: --history reports/history: no such folder; run the gate first")


def test_enums_only_when_asked(tmp_path, capsys):
    bodies = [{**SAMPLE_ORGANIZATION, "tier": tier} for tier in ("gold", "silver", "gold")]
    drifting = capture(tmp_path / "tiers.jsonl", *bodies)
    run("propose", "--from", drifting, "--out", tmp_path / "plain", capsys=capsys)
    run("propose", "--from", drifting, "--out", tmp_path / "enums", "--enums", capsys=capsys)
    plain = json.loads((tmp_path / "plain" / "schemas" / "organization.schema.json").read_text(encoding="utf-8"))
    enums = json.loads((tmp_path / "enums" / "schemas" / "organization.schema.json").read_text(encoding="utf-8"))
    assert plain["properties"]["tier"] == {"type": "string"}
    assert enums["properties"]["tier"] == {"type": "string", "enum": ["gold", "silver"]}


# -- diff -------------------------------------------------------------------------------------------


def schema_pair(tmp_path: Path, old: dict, new: dict) -> tuple[Path, Path]:
    (tmp_path / "old").mkdir(exist_ok=True)
    (tmp_path / "new").mkdir(exist_ok=True)
    paths = tmp_path / "old" / "organization.schema.json", tmp_path / "new" / "organization.schema.json"
    for path, document in zip(paths, (old, new), strict=True):
        path.write_text(json.dumps(document), encoding="utf-8")
    return paths


def body(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "required": list(required), "properties": properties}


@pytest.mark.parametrize(
    "old, new, line, code",
    [
        (body({}), body({"region": {"type": "string"}}), "$.region: optional member added (compatible)", 0),
        (body({"region": {"type": "string"}}), body({}), "$.region: member removed (breaks clients)", 1),
        (body({"n": {"type": "integer"}}), body({"n": {"type": "number"}}), "$.n: type integer → number (breaks clients)", 1),
        (body({"n": {"type": "number"}}), body({"n": {"type": "integer"}}), "$.n: type number → integer (breaks providers)", 1),
    ],
)
def test_diff_prints_each_change_and_exits_by_whom_it_breaks(old, new, line, code, tmp_path, capsys):
    code_seen, out, err = run("diff", *schema_pair(tmp_path, old, new), capsys=capsys)
    assert (code_seen, out) == (code, line + "\n")
    assert err.splitlines()[-1] == (
        "verdict: PASSED (exit 0: the contract is honoured)" if code == 0 else "verdict: FAILED (exit 1: the contract is violated)"
    )


def test_diff_guards_the_side_asked(tmp_path, capsys):
    pair = schema_pair(tmp_path, body({"a": {"type": "string"}}), body({"a": {"type": "string"}}, ("a",)))
    assert run("diff", *pair, "--breaking-for", "clients", capsys=capsys)[0] == 0
    code, _, err = run("diff", *pair, "--breaking-for", "providers", capsys=capsys)
    assert code == 1 and "1 change, 1 breaking: breaks providers (exit 1 only when providers break)" in err


def test_diff_of_a_schema_file_taken_out_of_the_repository_resolves_its_references_beside_the_other(tmp_path, capsys):
    old = tmp_path / "old.json"  # as `git show main:schemas/organization.schema.json > old.json` leaves it
    document = json.loads((REPO / "schemas" / "organization.schema.json").read_text(encoding="utf-8"))
    old.write_text(json.dumps({**document, "required": [name for name in document["required"] if name != "creator"]}), encoding="utf-8")
    code, out, err = run("diff", old, REPO / "schemas" / "organization.schema.json", capsys=capsys)
    assert (code, out) == (1, "$.creator: optional → required (breaks providers)\n"), err
    same = run("diff", REPO / "schemas" / "organization.schema.json", REPO / "schemas" / "organization.schema.json", capsys=capsys)
    assert same[0] == 0 and "0 changes, 0 breaking: no change" in same[2]


@pytest.mark.parametrize(
    "old_text, says",
    [
        ("{", "not a JSON schema"),
        ('{"properties": {"a": {"$ref": "nowhere.schema.json"}}}', "'nowhere.schema.json': no such schema"),
    ],
)
def test_diff_of_a_file_that_is_no_schema_is_one_line_and_exit_4(old_text, says, tmp_path, capsys):
    old, new = schema_pair(tmp_path, body({}), body({}))
    old.write_text(old_text, encoding="utf-8")
    code, out, err = run("diff", old, new, capsys=capsys)
    assert code == 4 and out == ""
    assert says in one_error_line(err)
    code, _, err = run("diff", tmp_path / "missing.json", new, capsys=capsys)
    assert code == 4 and one_error_line(err) == f"error: {tmp_path / 'missing.json'}: no such file: give two schema files"


def test_the_commands_need_no_credentials_and_print_none(tmp_path):
    drifting = capture(tmp_path / "echo.jsonl", {**SAMPLE_ORGANIZATION, "echo": TOKEN})
    done = command(REPO, "-m", "contracts", "propose", "--from", str(drifting), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.output
    assert TOKEN not in done.output and TOKEN not in (tmp_path / "out" / "SUMMARY.md").read_text(encoding="utf-8")
