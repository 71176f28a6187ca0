"""Validator throughput: payloads/s through `contracts.validation`, valid and invalid separately,
on the strict path alone (jsonschema) and with the fast path in front of it (orjson + jsonschema-rs).

The validators are built once (as the gate and the client use them) and reused for every payload;
the payloads are generated from the schema files beforehand, so generation is not timed. Each row
is the median of several runs, in one process pinned to one core.

    python benchmarks/validator_throughput.py [--count 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

from hypothesis import HealthCheck, Phase, given, settings

from contracts.judging import fast_validation
from contracts.judging.generate import corruptions, valid_payloads
from contracts.judging.validation import NotJSON, check_document, parse_json, validate


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
    """Parsed documents that break the schema in one place (bodies that are not JSON never reach the validator)."""
    documents = []
    for corruption in generated(corruptions(kind), count * 2):
        try:
            documents.append(parse_json(corruption.document))
        except NotJSON:
            continue
    return documents[:count]


def rate(check: Callable[[object], object], items: list, runs: int) -> float:
    """Median items/s over `runs` timed passes, after one untimed pass."""
    for item in items:
        check(item)
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for item in items:
            check(item)
        rates.append(len(items) / (time.perf_counter() - started))
    return statistics.median(rates)


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="payloads per set (default 2000)")
    parser.add_argument("--runs", type=int, default=7, help="timed passes per row; the median is reported (default 7)")
    args = parser.parse_args()
    if args.count < 10 or args.runs < 1:
        parser.error("--count must be at least 10 and --runs at least 1")

    pinned = pin_to_one_core()
    print(
        f"# Python {platform.python_version()}, {os.cpu_count()} cores ({pinned}), {args.count} payloads per set, median of {args.runs} runs"
    )
    print(
        "| body | payloads | strict validate | strict parse + validate | fast path validate | fast path parse + validate | × on validate |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for kind in ("organization", "error"):
        sets = {"valid": generated(valid_payloads(kind), args.count), "invalid": invalid_documents(kind, args.count)}
        for label, documents in sets.items():
            if label == "valid":
                assert all(not validate(kind, d) for d in documents), "a generated valid payload did not validate"
            else:
                assert all(validate(kind, d) for d in documents), "a generated corruption validated"
            texts = [json.dumps(d).encode() for d in documents]
            with fast_validation.switched_off():
                validated = rate(partial(validate, kind), documents, args.runs)
                parsed = rate(partial(check_document, kind), texts, args.runs)
            fast_validated = rate(partial(validate, kind), documents, args.runs)
            fast_parsed = rate(partial(check_document, kind), texts, args.runs)
            print(
                f"| {kind} | {label} | {validated:,.0f} | {parsed:,.0f} | {fast_validated:,.0f} | {fast_parsed:,.0f} | {fast_validated / validated:.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
