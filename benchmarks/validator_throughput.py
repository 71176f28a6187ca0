"""Validator throughput: payloads/s through `contracts.judging.validation.violations_of`, bytes in and verdict out
(what `validate` does, and replay through `judge_answer`), valid and invalid apart, on the strict path alone and with the fast path (typed
decoding) in front of it; then the `validate --jsonl` command beside a naive loop, start-up included.

The payloads are made beforehand, so making them is not timed: hypothesis' payloads generated from the schema files
(unicode text, unbounded integers, undocumented members of any kind, leap seconds), and realistic organizations
(the bodies `replay_throughput.py` writes). Every row runs in one process pinned to one core; each figure is the
median of several interleaved passes over the same payloads. Bodies repeat from one pass to the next, which the
fast path's body cache would answer: the "every body parsed" column keeps the cache resting, the "bodies repeat"
column lets it work.

The command: `python -m contracts validate organization --jsonl FILE` over `--validate-lines` realistic
organizations, every one different, as a user runs it (a new interpreter on the same core, output to /dev/null),
beside a naive loop in this process (`json.loads` + jsonschema's `Draft202012Validator.is_valid`, formats checked)
over the first `--naive-lines` of them.

    python benchmarks/validator_throughput.py [--count 2000] [--runs 7] [--validate-lines 200000] [--naive-lines 20000]
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
from collections.abc import Callable
from functools import partial
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from replay_throughput import _organization

from contracts.judging import typed_decoding
from contracts.judging.generate import corruptions, valid_payloads
from contracts.judging.schemas import format_checker, registry, schema
from contracts.judging.validation import NotJSON, parse_json, violations_of


def generated(strategy, count: int) -> list:
    """`count` examples of a strategy, the same on every run."""
    drawn: list = []

    @settings(
        max_examples=count, derandomize=True, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(example):
        drawn.append(example)

    collect()
    return drawn


def invalid_documents(kind: str, count: int) -> list:
    """Parsed documents that break the schema in one place (bodies that are not JSON are left out)."""
    documents = []
    for corruption in generated(corruptions(kind), count * 2):
        try:
            documents.append(parse_json(corruption.document))
        except NotJSON:
            continue
    return documents[:count]


def timed(check: Callable[[bytes], object], items: list[bytes]) -> float:
    started = time.perf_counter()
    for item in items:
        check(item)
    return len(items) / (time.perf_counter() - started)


def cache(kind: str, *, resting: bool) -> None:
    """The fast path's body cache for `kind` resting (every body judged) or working (a repeated body looked up)."""
    state = typed_decoding._state(kind)
    state.cache.resting = 10**12 if resting else 0


def strict(kind: str, raw: bytes) -> list:
    with typed_decoding.switched_off():
        return violations_of(kind, raw)


def rates(kind: str, bodies: list[bytes], runs: int) -> dict[str, float]:
    """Median payloads/s of each column over `runs` interleaved passes, after one untimed pass of each."""
    columns: dict[str, tuple[Callable[[bytes], object], bool]] = {
        "strict": (partial(strict, kind), True),
        "parsed": (partial(violations_of, kind), True),
        "repeat": (partial(violations_of, kind), False),
    }
    found: dict[str, list[float]] = {name: [] for name in columns}
    for run in range(runs + 1):
        for name, (check, resting) in columns.items():
            cache(kind, resting=resting)
            rate = timed(check, bodies)
            if run:
                found[name].append(rate)
    return {name: statistics.median(values) for name, values in found.items()}


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def payload_table(count: int, runs: int) -> None:
    print("| body | payloads | strict path | fast path, every body parsed | × strict | fast path, bodies repeat | confirmed |")
    print("|---|---|---:|---:|---:|---:|---:|")
    rng = random.Random(20261125)
    sets: list[tuple[str, str, list]] = [
        ("organization", "valid, generated", generated(valid_payloads("organization"), count)),
        ("organization", "valid, realistic", [_organization(rng) for _ in range(count)]),
        ("organization", "invalid, generated", invalid_documents("organization", count)),
        ("error", "valid, generated", generated(valid_payloads("error"), count)),
        ("error", "invalid, generated", invalid_documents("error", count)),
    ]
    for kind, label, documents in sets:
        bodies = [json.dumps(document).encode() for document in documents]
        invalid = [bool(strict(kind, raw)) for raw in bodies]
        assert all(invalid) if label.startswith("invalid") else not any(invalid), f"{kind} {label}: a payload is not what its set says"
        typed_decoding.forget()
        confirmed = sum(typed_decoding.confirm(kind, raw) is not None for raw in bodies) / len(bodies)
        found = rates(kind, bodies, runs)
        print(
            f"| {kind} | {label} | {found['strict']:,.0f} | {found['parsed']:,.0f} | {found['parsed'] / found['strict']:.1f} "
            f"| {found['repeat']:,.0f} | {confirmed:.0%} |",
            flush=True,
        )


def naive_rate(path: Path, count: int) -> float:
    """`json.loads` + `Draft202012Validator.is_valid` per line, over the first `count` lines."""
    validator = Draft202012Validator(schema("organization"), registry=registry(), format_checker=format_checker())
    started = time.perf_counter()
    with path.open("rb") as handle:
        for number, line in enumerate(handle):
            if number == count:
                break
            if not validator.is_valid(json.loads(line)):
                raise SystemExit(f"line {number + 1} is not a valid organization")
    return count / (time.perf_counter() - started)


def command_rate(path: Path, lines: int) -> float:
    """`validate organization --jsonl` over the file, as a user runs it, start-up included."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "contracts", "validate", "organization", "--jsonl", str(path)]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"validate failed ({done.returncode}): {done.stderr.strip()}")
    return lines / elapsed


def command_table(lines: int, naive_lines: int, runs: int) -> None:
    rng = random.Random(20261204)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "organizations.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for _ in range(lines):
                handle.write(json.dumps(_organization(rng)) + "\n")
        found: dict[str, list[float]] = {"naive": [], "command": []}
        for _ in range(runs):
            found["naive"].append(naive_rate(path, min(naive_lines, lines)))
            found["command"].append(command_rate(path, lines))
        size = path.stat().st_size / 2**20
    naive, command = (statistics.median(found[name]) for name in ("naive", "command"))
    print(f"\n# {lines:,} realistic organizations, every one different ({size:,.0f} MiB); naive loop over the first {naive_lines:,}")
    print("| run | lines/s | × naive loop |")
    print("|---|---:|---:|")
    print(f"| naive `json.loads` + `Draft202012Validator.is_valid` | {naive:,.0f} | 1.0 |")
    print(f"| `validate organization --jsonl`, start-up included | {command:,.0f} | {command / naive:.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="payloads per set (default 2000)")
    parser.add_argument("--runs", type=int, default=7, help="timed passes per figure; the median is reported (default 7)")
    parser.add_argument("--validate-lines", type=int, default=200_000, help="lines the validate command reads (default 200,000)")
    parser.add_argument("--naive-lines", type=int, default=20_000, help="lines of them the naive loop reads (default 20,000)")
    args = parser.parse_args()
    if args.count < 10 or args.runs < 1 or args.validate_lines < 1000 or args.naive_lines < 100:
        parser.error("--count must be at least 10, --runs 1, --validate-lines 1000 and --naive-lines 100")

    pinned = pin_to_one_core()
    print(
        f"# Python {platform.python_version()}, {os.cpu_count()} cores ({pinned}), {args.count} payloads per set, median of {args.runs} runs"
    )
    payload_table(args.count, args.runs)
    command_table(args.validate_lines, args.naive_lines, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
