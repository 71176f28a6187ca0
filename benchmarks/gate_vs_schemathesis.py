"""Wall time and peak memory of one whole gate run against the reference server, beside `schemathesis run --checks all`.

    python -m benchmarks.gate_vs_schemathesis [--runs 5]

Every command hits the same reference server, started here; the commands alternate, after one warm-up
run each, so background noise falls on all alike. Peak memory is the child's own maximum RSS (wait4).
Two gate commands: the deploy command as the README gives it (a base URL: the target checks only, the offline
property tests deselected), and every suite with the client-side property tests at Hypothesis' `ci` profile
(as CI=true selects). Prints a Markdown table with medians and the ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from contracts.core.credentials import Credentials
from contracts.transport.server import start_reference_server
from tests.helpers.peers import schemathesis_command
from tests.helpers.support import GATE_ENV_VARS, REPO

SCHEMATHESIS = "`schemathesis run --checks all`"


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mib: float
    exit_code: int


def measure(command: list[str], *, env: dict[str, str], cwd: Path) -> Measurement:
    """Run once; wall time from start to reaped exit, peak RSS of that process alone."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(seconds, usage.ru_maxrss / 1024, process.returncode)  # ru_maxrss is in KiB on Linux


def gate_command(url: str, out_dir: Path, *selection: str) -> list[str]:
    """The README's deploy command (`pytest --base-url URL`: the target checks only), reports written to `out_dir`."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--base-url={url}",
        f"--html={out_dir / 'report.html'}",
        f"--junitxml={out_dir / 'junit.xml'}",
        f"--summary-json={out_dir / 'summary.json'}",
        *selection,
    ]


def base_env(token: str) -> dict[str, str]:
    # Bytecode caching on, as on a developer's machine: Schemathesis' modules were compiled when pip
    # installed them, while pytest rewrites the asserts of every plugin distribution it imports
    # (Hypothesis included) and, under PYTHONDONTWRITEBYTECODE, redoes that in every run (+0.7 s here).
    env = {k: v for k, v in os.environ.items() if k not in (*GATE_ENV_VARS, "PYTHONDONTWRITEBYTECODE")}
    env.update(CONTRACT_API_TOKEN=token, CI="true")
    return env


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}, Python {platform.python_version()}"


def table(rows: dict[str, list[Measurement]], baseline: str) -> str:
    """Medians per tool, and each as a multiple of the baseline's."""
    medians = {
        name: (statistics.median(m.seconds for m in runs), statistics.median(m.peak_rss_mib for m in runs)) for name, runs in rows.items()
    }
    base_wall, base_rss = medians[baseline]
    lines = [
        "| command | runs | median wall time (s) | × Schemathesis | median peak RSS (MiB) | × Schemathesis |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (wall, rss) in medians.items():
        lines.append(f"| {name} | {len(rows[name])} | {wall:.2f} | {wall / base_wall:.2f} | {rss:.0f} | {rss / base_rss:.2f} |")
    return "\n".join([*lines, "", f"Machine: {machine()}."])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each tool (default 5)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    credentials = Credentials.generated()
    env = base_env(credentials.token)
    with start_reference_server(credentials) as server, tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        commands: dict[str, tuple[list[str], Path]] = {
            "gate: every suite, property tests at the `ci` profile": (
                gate_command(server.url, scratch / "gate", "-m", "client_validation or not client_validation", "--hypothesis-profile=ci"),
                REPO,
            ),
            "gate: the deploy command (`pytest --base-url URL`, target checks only)": (gate_command(server.url, scratch / "deploy"), REPO),
            SCHEMATHESIS: (schemathesis_command(server.url, credentials.token), scratch),
        }
        results: dict[str, list[Measurement]] = {name: [] for name in commands}
        for round_number in range(args.runs + 1):  # round 0 warms caches (bytecode, disk) and is not counted
            for name, (command, cwd) in commands.items():
                result = measure(command, env=env, cwd=cwd)
                if result.exit_code != 0:
                    print(f"{name} exited {result.exit_code}: `{' '.join(command)}`", file=sys.stderr)
                    return 1
                if round_number:
                    results[name].append(result)
    print(table(results, baseline=SCHEMATHESIS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
