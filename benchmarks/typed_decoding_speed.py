"""Typed decoding speed: bytes in, verdict out, for valid bodies, with the new engine (`contracts.typed_decoding`)
beside today's fast path (orjson + jsonschema-rs) and the strict path, in one process pinned to one core; and the
cost of reading a capture line, `typed_decoding.decode_line` beside `captures.plain_line`.

Two corpora of valid organizations: *realistic* (the bodies `replay_throughput.py` writes: every one different,
one in five with an undocumented string member) and *generated* (hypothesis' valid payloads, as
`validator_throughput.py` uses: random text, undocumented members holding numbers, arrays and objects). Rows:

- `confirm`: `typed_decoding.confirm`, every body different (its cache switches itself off in the warm-up pass);
- `confirm, else strict`: what `validate` does once the engine is the fast path: the strict path for what it declines;
- `confirm` over realistic bodies drawn from a pool of 1,000 (its cache stays on);
- `fast_validation.confirmed`, `check_document` (today's `validate`), and the strict path alone.

Each figure is the median of `--runs` interleaved passes (after one untimed pass); ratios are to today's
`check_document` on the same bodies.

    python benchmarks/typed_decoding_speed.py [--count 20000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from replay_throughput import _organization, line
from validator_throughput import generated, pin_to_one_core

from contracts.judging import fast_validation, typed_decoding
from contracts.judging.generate import valid_payloads
from contracts.judging.validation import check_document
from contracts.transport.captures import plain_line


def timed(check: Callable[[Any], object], items: list) -> float:
    """Items per second over one pass."""
    started = time.perf_counter()
    for item in items:
        check(item)
    return len(items) / (time.perf_counter() - started)


def medians(rows: dict[str, tuple[Callable[[Any], object], list]], runs: int) -> dict[str, float]:
    """Median rate of each row over `runs` passes, the rows interleaved so a noisy neighbour hits them alike."""
    for check, items in rows.values():
        for item in items:
            check(item)  # warm-up: caches settle, learned members are learned
    rates: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(runs):
        for name, (check, items) in rows.items():
            rates[name].append(timed(check, items))
    return {name: statistics.median(values) for name, values in rates.items()}


def strict(kind: str, raw: bytes) -> object:
    with fast_validation.switched_off():
        return check_document(kind, raw)


def engine_else_strict(kind: str, raw: bytes) -> object:
    return typed_decoding.confirm(kind, raw) or strict(kind, raw)


def corpus_rows(kind: str, bodies: list[bytes]) -> dict[str, tuple[Callable[[bytes], object], list[bytes]]]:
    return {
        "`confirm`": (partial(typed_decoding.confirm, kind), bodies),
        "`confirm`, else strict": (partial(engine_else_strict, kind), bodies),
        "`fast_validation.confirmed`": (partial(fast_validation.confirmed, kind), bodies),
        "`check_document` (today)": (partial(check_document, kind), bodies),
        "strict path alone": (partial(strict, kind), bodies),
    }


def breakdown(bodies: list[bytes], runs: int) -> dict[str, float]:
    """Nanoseconds per body of each step of `confirm` on its own (a step's figure includes a Python call)."""
    for raw in bodies:
        typed_decoding.confirm("organization", raw)  # members learned
    state = typed_decoding._state("organization")
    engine, judge = state.engine, state.judge
    assert engine is not None and judge is not None
    decoded = [engine.decoder.decode(raw) for raw in bodies]
    sketches = [raw.translate(typed_decoding._SKETCH, typed_decoding._BLANKS) for raw in bodies]
    steps: dict[str, tuple[Callable[[Any], object], list]] = {
        "`confirm` (cache resting)": (partial(typed_decoding.confirm, "organization"), bodies),
        "its judging alone": (judge, bodies),
        "msgspec decoding into the structs": (engine.decoder.decode, bodies),
        "members counted (`_Shape.tally`)": (lambda value: engine.shape.tally(value, []), decoded),
        "the sketch (`bytes.translate`)": (lambda raw: raw.translate(typed_decoding._SKETCH, typed_decoding._BLANKS), bodies),
        "names counted (`_names_dropped`)": (lambda sketch: typed_decoding._names_dropped(sketch, 12), sketches),
        "date prefilter (`bytes.find`)": (lambda sketch: sketch.find(typed_decoding._DATE_LIKE), sketches),
        "an empty Python call, for scale": (lambda item: None, bodies),
    }
    return {name: 1e9 / rate for name, rate in medians(steps, runs).items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="bodies per corpus (default 20,000)")
    parser.add_argument("--runs", type=int, default=7, help="timed passes per row; the median is reported (default 7)")
    args = parser.parse_args()
    if args.count < 1000 or args.runs < 1:
        parser.error("--count must be at least 1000 and --runs at least 1")
    pinned = pin_to_one_core()
    print(f"# Python {platform.python_version()}, msgspec {typed_decoding.msgspec.__version__}, {os.cpu_count()} cores ({pinned})")
    print(f"# {args.count:,} bodies per corpus, median of {args.runs} interleaved passes; rates in bodies (lines) per second\n")

    rng = random.Random(20261125)
    realistic = [json.dumps(_organization(rng)).encode() for _ in range(args.count)]
    drawn = generated(valid_payloads("organization"), min(args.count, 2000))
    hypothesis = [json.dumps(payload).encode() for payload in drawn] * (args.count // len(drawn))
    pool = realistic[:1000]
    repeated = [rng.choice(pool) for _ in range(args.count)]

    print("| corpus | path | bodies/s | × today's `check_document` | confirmed |")
    print("|---|---|---:|---:|---:|")
    for label, bodies in (("realistic", realistic), ("generated", hypothesis)):
        typed_decoding.forget()
        confirmed = sum(typed_decoding.confirm("organization", raw) is not None for raw in bodies) / len(bodies)
        typed_decoding.forget()
        rates = medians(corpus_rows("organization", bodies), args.runs)
        today = rates["`check_document` (today)"]
        for name, rate in rates.items():
            share = f"{confirmed:.0%}" if name.startswith("`confirm`") else ""
            print(f"| {label} | {name} | {rate:,.0f} | {rate / today:.2f} | {share} |", flush=True)
        if label == "realistic":  # the same bodies drawn from a pool of 1,000: the cache stays on
            typed_decoding.forget()
            rate = medians({"repeated": (partial(typed_decoding.confirm, "organization"), repeated)}, args.runs)["repeated"]
            print(f"| realistic, from a pool of 1,000 | `confirm` | {rate:,.0f} | {rate / today:.2f} | 100% |", flush=True)

    print("\n| where the time of one realistic body goes | ns |")
    print("|---|---:|")
    typed_decoding.forget()
    for name, ns in breakdown(realistic, args.runs).items():
        print(f"| {name} | {ns:,.0f} |")

    lines = [json.dumps(line(rng)).encode() for _ in range(args.count)]
    read = medians({"plain_line": (plain_line, lines), "decode_line": (typed_decoding.decode_line, lines)}, args.runs)
    print("\n| capture line reader | lines/s | µs per line | × `plain_line` |")
    print("|---|---:|---:|---:|")
    for name, rate in read.items():
        print(f"| `{name}` | {rate:,.0f} | {1e6 / rate:.2f} | {rate / read['plain_line']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
