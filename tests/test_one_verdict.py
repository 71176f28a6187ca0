"""One answer, one verdict: an undocumented status gets the same violation, in the same words and with the same exit
code, whether the gate met it as the answer to a provoking request, replay read it in a capture, or a Locust run got
it under load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from contracts.core import exits
from contracts.core.contract import CONTRACT
from contracts.core.credentials import Credentials
from contracts.transport.server import ReferenceApp
from tests.helpers.faults import CATALOGUE, UNDOCUMENTED_ANSWERS, FaultApp, base_url
from tests.helpers.support import REPO, TOKEN
from tests.load.test_load import run_locust

DOCUMENTED = ", ".join(map(str, CONTRACT))


def expected_line(code: int, reason: str) -> str:
    return f"HTTP status: expected a status the reference documents ({DOCUMENTED}), got {code} {reason}"


class AnswersAll:
    """Answers every request with one undocumented status, as an overloaded or misrouted deployment does."""

    def __init__(self, code: int, body: str, media_type: str):
        self.code, self.body, self.media_type = code, body, media_type

    def __call__(self, environ, start_response):
        Request(environ)
        return Response(self.body, status=self.code, content_type=self.media_type)(environ, start_response)


@pytest.mark.parametrize("name", list(UNDOCUMENTED_ANSWERS))
def test_an_undocumented_status_is_the_same_violation_in_the_gate_in_replay_and_under_load(name, serve, gate, tmp_path: Path):
    code, body, media_type = UNDOCUMENTED_ANSWERS[name]
    reason = Response(status=code).status.split(" ", 1)[1]
    line = expected_line(code, reason)

    # The gate: the answer to the request meant to provoke 402 is judged for its own status.
    fault = CATALOGUE[f"402-answered-{name}"]
    run = gate(base_url(serve(FaultApp(Credentials.bearer(TOKEN))), fault))
    assert run.returncode == exits.VIOLATED, run.output
    status_402 = run.summary["statuses"]["402"]
    assert status_402["coverage"] == "not provoked" and status_402["outcome"] == "failed", status_402
    assert any(line in reason_text for reason_text in status_402["reasons"]), status_402["reasons"]
    assert run.verdicts["200"] == "passed"

    # Replay: the same answer, recorded.
    capture = tmp_path / "capture.jsonl"
    capture.write_text(json.dumps({"status": code, "reason": reason, "headers": {"Content-Type": media_type}, "body": body}) + "\n")
    replayed = subprocess.run(
        [sys.executable, "-m", "contracts", "replay", "--jobs", "1", str(capture)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert replayed.returncode == exits.VIOLATED, replayed.stderr
    assert replayed.stdout == f"{capture}#1: {code} {line}\n"

    # Under load: every response is this answer.
    loaded = run_locust(serve(AnswersAll(code, body, media_type)), folder=tmp_path / "load")
    assert loaded.returncode == exits.VIOLATED, loaded.output
    counted = loaded.summary["load"]["statuses"][str(code)]
    assert counted["documented"] is False and counted["violating"] == counted["responses"] > 0
    assert counted["examples"][0]["violations"] == [line]


def test_a_documented_status_answered_to_a_provoking_request_still_only_skips(serve, gate):
    """The reference's 401 to a request for 402 is documented: judged for its own status, it passes; 402 is not provoked."""

    class RefusesPrefer(ReferenceApp):
        def respond(self, request: Request) -> Response:
            if "Prefer" in request.headers:
                return Response("", status=401)
            return super().respond(request)

    run = gate(serve(RefusesPrefer(Credentials.bearer(TOKEN))))
    assert run.returncode == exits.HONOURED, run.output
    assert run.coverage["402"] == "not provoked" and run.verdicts["402"] == "not provoked"
