"""The same answers give the same evidence whichever way in judged them: the gate's summary.json, replay's, and
the Locust run's load-summary.json with its workers' evidence merged on the master as one run."""

from __future__ import annotations

import json

from contracts.__main__ import main
from contracts.core.credentials import Credentials
from contracts.core.redaction import Redactor
from contracts.load.report import load_record
from contracts.load.tally import LoadTally, judged
from contracts.reporting.record import summary_text
from contracts.transport.server import RunningServer
from tests.helpers.support import TOKEN, run_gate
from tests.load.test_load import run_locust
from tests.propose.drifting import DriftingApp, as_json_lines, recorded_traffic


def test_the_gate_replay_and_load_keep_the_same_evidence_of_the_same_answers(tmp_path, capsys):
    with RunningServer(DriftingApp(Credentials.bearer(TOKEN), vary=False)) as server:
        gate = run_gate(tmp_path / "gate", base_url=server.url, env={"CONTRACT_API_TOKEN": TOKEN})
        exchanges = recorded_traffic(server.url, TOKEN, organizations=1)
    assert gate.returncode == 0, gate.output
    from_gate = gate.summary["evidence"]

    capture = tmp_path / "traffic.jsonl"
    capture.write_text(as_json_lines(exchanges), encoding="utf-8")
    assert main(["replay", "--jobs", "1", str(capture), "--report", str(tmp_path / "replay")]) == 0, capsys.readouterr().err
    from_replay = json.loads((tmp_path / "replay" / "summary.json").read_text(encoding="utf-8"))["evidence"]

    redact = Redactor([TOKEN])
    workers = [LoadTally(), LoadTally()]
    for number, exchange in enumerate(exchanges):  # the first half to one worker, the rest to the other: the order kept
        status, content_type, body = exchange["status"], exchange["headers"]["Content-Type"], exchange["body"].encode()
        violations, drift = judged(status, content_type, body)
        workers[number >= len(exchanges) // 2].observe(status, violations, content_type, body, redact, drift=drift)
    master = LoadTally()
    for worker in workers:
        master.merge(json.loads(json.dumps(worker.snapshot())))  # as Locust's messages carry it
    record = load_record(master, target=server.url, started=0.0, workers=2, missing_reports=[])
    from_load = json.loads(summary_text(record, redact))["evidence"]

    assert from_gate["runs"] == from_replay["runs"] == from_load["runs"] == 1
    assert from_gate["kinds"]["organization"]["bodies"] == 1 and from_gate["kinds"]["error"]["bodies"] == 3
    assert from_gate["kinds"] == from_replay["kinds"] == from_load["kinds"]
    assert {"$.region", "$.billing.card.brand", "$.tags[*]", "$.lastCaller"} <= set(from_gate["kinds"]["organization"]["paths"])
    assert TOKEN not in json.dumps([from_gate, from_replay, from_load])


def test_a_distributed_locust_run_ships_each_workers_evidence_to_the_master_as_one_run(tmp_path):
    with RunningServer(DriftingApp(Credentials.bearer(TOKEN), vary=False)) as server:
        run = run_locust(server.url, folder=tmp_path, workers=2)
    summary = run.summary
    assert run.returncode == 0, run.output
    assert summary["load"]["workers"] == 2 and summary["load"]["missing_final_reports"] == []
    evidence = summary["evidence"]
    organization = evidence["kinds"]["organization"]
    assert evidence["runs"] == organization["runs"] == 1, "two workers, one run"
    assert organization["bodies"] == summary["load"]["responses"] == run.locust_requests() > 0, "every worker's bodies, each once"
    assert organization["paths"]["$.region"]["seen"] == organization["bodies"]
    assert organization["paths"]["$.lastCaller"]["credential"] and TOKEN not in run.everything_written()
