"""The mutation catalogue judged by `schemathesis run --checks all`, for comparison with the gate's score.

    python -m benchmarks.catalogue_vs_schemathesis

Serves the catalogue (tests/faults.py) and runs Schemathesis once per variant against its base URL:
a red variant counts as killed when Schemathesis exits non-zero, a green one as a false alarm when
it does; a run still going after 120 s is killed and counted apart (no verdict). Prints the score and the variants it got wrong, grouped by status row.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from contracts.core.credentials import Credentials
from contracts.transport.server import RunningServer
from tests.helpers.faults import CATALOGUE, GREEN, RED, Fault, FaultApp, base_url
from tests.helpers.peers import schemathesis_command

TOKEN = "benchmark-token"


HUNG = None  # no verdict: the run did not end within TIMEOUT seconds (a gate that never answers is no gate)
TIMEOUT = 120


def schemathesis_fails(server_url: str, fault: Fault, cwd: str) -> bool | None:
    try:
        done = subprocess.run(
            schemathesis_command(base_url(server_url, fault), TOKEN),
            cwd=cwd,
            capture_output=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return HUNG
    return done.returncode != 0


def main() -> int:
    faults = list(CATALOGUE.values())
    with RunningServer(FaultApp(Credentials.bearer(TOKEN))) as server, tempfile.TemporaryDirectory() as cwd, ThreadPoolExecutor(2) as pool:
        failed = dict(
            zip((f.name for f in faults), pool.map(lambda fault: schemathesis_fails(server.url, fault, cwd), faults), strict=False)
        )
    red = [f for f in faults if f.verdict == RED]
    green = [f for f in faults if f.verdict == GREEN]
    missed, alarms, hung = defaultdict(list), defaultdict(list), defaultdict(list)
    for fault in faults:
        if failed[fault.name] is HUNG:
            hung[fault.status].append(fault.name)
        elif fault.verdict == RED and not failed[fault.name]:
            missed[fault.status].append(fault.name)
        elif fault.verdict == GREEN and failed[fault.name]:
            alarms[fault.status].append(fault.name)
    killed = sum(1 for fault in red if failed[fault.name])
    print(
        f"schemathesis run --checks all: killed {killed}/{len(red)} contract-breaking variants, "
        f"false alarms {sum(map(len, alarms.values()))}/{len(green)} conforming variants, "
        f"no verdict within {TIMEOUT}s on {sum(map(len, hung.values()))}"
    )
    for label, table in (("missed", missed), ("false alarms", alarms), (f"no verdict within {TIMEOUT}s", hung)):
        for status, names in sorted(table.items()):
            print(f"{label} on {status} ({len(names)}): {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
