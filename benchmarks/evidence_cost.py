"""Evidence of drift: what keeping it costs per judged body, on its own and inside replay.

Every way in hands each judged answer to `Evidence.answer`: a body without drift is only counted; a body with
drift is parsed and its undocumented members walked. The first table times `answer` alone, per body, on
organizations with one kind of drift each: none, one member whose value repeats (as a region does), one member
with a new value in every body (an id), a nested object, an array, and the four together. The second times
replay's judging of a generated JSON Lines capture (`replay.judge.judge_chunk`, one process) with evidence and
with `answer` made a no-op, on the benchmark mix of benchmarks/replay_throughput.py (a fifth of its 200s drift)
and on the same capture with those four members in every 200. CPU time of this process; the best of `--runs`.

    python benchmarks/evidence_cost.py [--count 20000] [--lines 50000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from contracts.core.redaction import Redactor
from contracts.judging import evidence
from contracts.judging.validation import undocumented_fields
from contracts.replay.judge import Options, judge_chunk
from contracts.transport.captures import chunks
from contracts.transport.server import SAMPLE_ORGANIZATION

sys.path.insert(0, str(Path(__file__).resolve().parent))
import replay_throughput  # the replay benchmark's capture, so the mixes are the same

TOKEN = "tok-Benchmark-Secret-5d2c9e11"

Drift = Callable[[random.Random], dict]
SHAPES: dict[str, Drift] = {
    "no drift (counted only)": lambda rng: {},
    "one member, its value repeating": lambda rng: {"region": rng.choice(["eu-west-1", "us-east-1"])},
    "one member, a new value each body": lambda rng: {"ref": f"ref-{rng.getrandbits(48):012x}"},
    "a nested object of two members": lambda rng: {"plan": {"tier": "pro", "since": "2024-01-01"}},
    "an array of two strings": lambda rng: {"tags": ["beta", "eu"]},
    "the four together, a number among them": lambda rng: {
        "region": rng.choice(["eu-west-1", "us-east-1"]),
        "seats": rng.randint(1, 500),
        "plan": {"tier": "pro", "since": "2024-01-01"},
        "tags": ["beta", "eu"],
    },
}


def bodies(drift: Drift, count: int) -> list[bytes]:
    rng = random.Random(20261205)
    return [
        json.dumps({**SAMPLE_ORGANIZATION, "organizationId": f"org_{rng.getrandbits(64):016x}", **drift(rng)}).encode()
        for _ in range(count)
    ]


def per_body(payloads: list[bytes], runs: int) -> float:
    """Microseconds of CPU per body for `Evidence.answer`, the best of `runs` passes, each with a new Evidence."""
    clean = Redactor([TOKEN])
    drift = [tuple(undocumented_fields("organization", json.loads(body))) for body in payloads]
    best = float("inf")
    for _ in range(runs):
        kept = evidence.Evidence()
        started = time.process_time()
        for body, paths in zip(payloads, drift, strict=True):
            kept.answer(200, body, paths, valid=True, clean=clean)
        kept.as_dict(clean=clean)  # what waits for the redactor is asked too
        best = min(best, time.process_time() - started)
    return best / len(payloads) * 1e6


def drifting_line(rng: random.Random) -> dict:
    line = replay_throughput.line(rng)
    if line["status"] == 200 and "url" not in line:
        line["body"] = json.dumps({**json.loads(line["body"]), **SHAPES["the four together, a number among them"](rng)})
    return line


def replay_seconds(capture: Path, runs: int, *, with_evidence: bool) -> float:
    judged = list(chunks(capture, str(capture)))
    real = evidence.Evidence.answer
    if not with_evidence:
        evidence.Evidence.answer = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
    try:
        best = float("inf")
        for _ in range(runs):
            started = time.process_time()
            for chunk in judged:
                judge_chunk(chunk, Options())
            best = min(best, time.process_time() - started)
        return best
    finally:
        evidence.Evidence.answer = real  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="bodies per shape (default 20,000)")
    parser.add_argument("--lines", type=int, default=50_000, help="lines of each capture replayed (default 50,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed passes per row; the best is reported (default 5)")
    args = parser.parse_args()
    if args.count < 100 or args.lines < 1000 or args.runs < 1:
        parser.error("--count must be at least 100, --lines at least 1000, --runs at least 1")
    print(f"# Python {platform.python_version()}; CPU time of one process, best of {args.runs} runs")
    print("| organization body | µs per body |\n|---|---:|")
    for name, drift in SHAPES.items():
        print(f"| {name} | {per_body(bodies(drift, args.count), args.runs):.1f} |")
    same = bodies(SHAPES["the four together, a number among them"], 1) * args.count
    print(f"| the four together, the same body every time | {per_body(same, args.runs):.1f} |")
    print("\n| capture | replay without evidence (µs/line) | with evidence (µs/line) | evidence's share |\n|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in (("the replay benchmark's mix", replay_throughput.line), ("four members in every 200", drifting_line)):
            capture = Path(folder) / "capture.jsonl"
            rng = random.Random(20261125)
            capture.write_text("".join(json.dumps(make(rng)) + "\n" for _ in range(args.lines)), encoding="utf-8")
            without = replay_seconds(capture, args.runs, with_evidence=False) / args.lines * 1e6
            with_it = replay_seconds(capture, args.runs, with_evidence=True) / args.lines * 1e6
            print(f"| {name} | {without:.1f} | {with_it:.1f} | {(with_it - without) / with_it:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
