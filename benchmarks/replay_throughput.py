"""Replay throughput: `python -m contracts replay` over generated JSON Lines captures, on one core and on two,
beside a naive loop (`json.loads` + jsonschema `Draft202012Validator.is_valid`) over the same lines, in the same run.

Two captures of the same mix (1,000,000 lines by default, written to a temporary folder): about 80 % valid
200s, the rest 401s, 402/400/502 envelopes, 500s, other operations, and 200s and envelopes that break the
contract. In the first every body is different; in the second bodies repeat, as one account's traffic does:
each is drawn from a pool of 1,000 organizations and one of 100 envelopes (made in the mix's proportions of
valid and broken ones), and every line carries a distinct request id. Replay runs as a user runs it (a new
interpreter, output to /dev/null); the naive loop runs in this process over the first `--naive-lines` lines,
judging the same rules (formats included), since at its speed a whole capture would take minutes a run.
Medians of `--runs` runs, the rows interleaved; rates in lines/s.

    python benchmarks/replay_throughput.py [--lines 1000000] [--runs 3] [--naive-lines 100000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jsonschema import Draft202012Validator

from contracts.judging.schemas import format_checker, registry, schema

JSON = {"Content-Type": "application/json"}


def _organization(rng: random.Random) -> dict:
    day = f"{rng.randint(2000, 2030):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    body = {
        "organizationId": f"org_{rng.getrandbits(64):016x}",
        "organizationType": rng.choice(["free", "paid"]),
        "creator": f"user_{rng.getrandbits(32):08x}",
        "name": rng.choice(["Acme", "Globex Corporation", "Initech", "Umbrella", "Zoë & Co"]),
        "messagesCap": rng.choice([1000, 5000, 2500.5]),
        "costCap": rng.randint(0, 10**6) / 100,
        "anniversaryDate": day,
        "allowOverage": rng.random() < 0.5,
        "createdAt": f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z",
        "updatedAt": f"{day}T12:00:00.{rng.randint(0, 999999):06d}+02:00",
    }
    if rng.random() < 0.5:
        body["smsCap"] = rng.randint(0, 500)
    if rng.random() < 0.2:
        body["region"] = "eu-west-1"  # drift: undocumented, allowed
    return body


def _envelope(rng: random.Random) -> dict:
    return {"trackingId": f"trk_{rng.getrandbits(48):012x}", "error": {"code": "usage_cap_exceeded", "message": "Monthly cap reached"}}


def line(rng: random.Random, pools: Pools | None = None) -> dict:
    """One exchange: about 80 % valid 200s, the rest mixed statuses and violations; with `pools`, bodies from them."""
    roll = rng.random()
    if pools is not None and roll < 0.96 and not 0.84 <= roll < 0.88:  # a body the pools hold (401s keep theirs)
        status, body = pools.draw(rng, roll)
        return {"status": status, "headers": {**JSON, "X-Request-Id": f"{rng.getrandbits(64):016x}"}, "body": body}
    if roll < 0.80:
        return {"status": 200, "headers": JSON, "body": json.dumps(_organization(rng))}
    if roll < 0.84:
        return {"status": 200, "headers": JSON, "body": json.dumps(_broken(rng))}
    if roll < 0.88:
        return {"status": 401, "headers": {"Content-Type": "text/html"}, "body": "<h1>Unauthorized</h1>"}
    if roll < 0.94:
        return {"status": rng.choice([400, 402, 502]), "headers": JSON, "body": json.dumps(_envelope(rng))}
    if roll < 0.96:
        return {"status": 402, "headers": JSON, "body": json.dumps({"trackingId": 7, "error": "cap"})}
    if roll < 0.98:
        return {"status": 500, "body": "upstream failed"}
    return {"method": "GET", "url": "https://api.example.com/v1/messages", "status": 200, "headers": JSON, "body": "[]"}


def _broken(rng: random.Random) -> dict:
    broken = _organization(rng)
    broken[rng.choice(["costCap", "anniversaryDate", "organizationType"])] = rng.choice(["12", "2026-02-30", "Paid"])
    return broken


class Pools:
    """1,000 organizations and 100 envelopes, valid and broken in the mix's proportions: the bodies one account sees."""

    def __init__(self, rng: random.Random):
        self.organizations = [json.dumps(_broken(rng) if rng.random() < 4 / 84 else _organization(rng)) for _ in range(1000)]
        broken = json.dumps({"trackingId": 7, "error": "cap"})
        self.envelopes = [broken if rng.random() < 2 / 8 else json.dumps(_envelope(rng)) for _ in range(100)]

    def draw(self, rng: random.Random, roll: float) -> tuple[int, str]:
        if roll < 0.84:
            return 200, rng.choice(self.organizations)
        return rng.choice([400, 402, 502]), rng.choice(self.envelopes)


def write_capture(path: Path, count: int, *, repeated: bool = False) -> None:
    rng = random.Random(20261125)
    pools = Pools(rng) if repeated else None
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(count):
            handle.write(json.dumps(line(rng, pools)) + "\n")


def replay_seconds(path: Path, jobs: int) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "contracts", "replay", str(path), "--jobs", str(jobs)]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"replay failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def naive_seconds(path: Path, count: int) -> tuple[float, int]:
    """json.loads each line and its body, Draft202012Validator.is_valid against the schema for its status."""
    validators = {
        kind: Draft202012Validator(schema(kind), registry=registry(), format_checker=format_checker()) for kind in ("organization", "error")
    }
    kinds = {200: "organization", 400: "error", 402: "error", 502: "error"}
    started = time.perf_counter()
    invalid = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle):
            if number == count:
                break
            entry = json.loads(raw)
            kind = kinds.get(entry["status"])
            if kind is None or "url" in entry:
                continue
            try:
                document = json.loads(entry["body"])
            except ValueError:
                invalid += 1
                continue
            invalid += not validators[kind].is_valid(document)
    return time.perf_counter() - started, invalid


MIXES = {"every body different": False, "bodies repeat": True}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-lines", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2, help="processes of the second replay row (default 2)")
    args = parser.parse_args()
    if args.lines < 1000 or args.runs < 1 or args.naive_lines < 1000 or args.jobs < 1:
        parser.error("--lines and --naive-lines must be at least 1000, --runs and --jobs at least 1")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    naive_lines = min(args.naive_lines, args.lines)
    print(
        f"# Python {platform.python_version()}, {cores} cores, {args.lines:,} lines a capture, naive loop over the first "
        f"{naive_lines:,}; medians of {args.runs} runs"
    )
    print("| capture | run | processes | lines/s | × naive loop | × replay on one core |")
    print("|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for mix, repeated in MIXES.items():
            capture = Path(folder) / "capture.jsonl"
            write_capture(capture, args.lines, repeated=repeated)
            rows: dict[str, list[float]] = {"one": [], "jobs": [], "naive": []}
            for _ in range(args.runs):  # interleaved, so a noisy neighbour hits every row alike
                rows["one"].append(args.lines / replay_seconds(capture, 1))
                rows["jobs"].append(args.lines / replay_seconds(capture, args.jobs))
                rows["naive"].append(naive_lines / naive_seconds(capture, naive_lines)[0])
            one, jobs, naive = (statistics.median(rows[k]) for k in ("one", "jobs", "naive"))
            size = capture.stat().st_size / 2**20
            print(f"| {mix} ({size:,.0f} MiB) | naive `json.loads` + `is_valid` | 1 | {naive:,.0f} | 1.0 | {naive / one:.2f} |")
            print(f"| {mix} | `replay --jobs 1` | 1 | {one:,.0f} | {one / naive:.1f} | 1.00 |")
            print(
                f"| {mix} | `replay --jobs {args.jobs}` | {args.jobs} | {jobs:,.0f} | {jobs / naive:.1f} | {jobs / one:.2f} |", flush=True
            )
            capture.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
