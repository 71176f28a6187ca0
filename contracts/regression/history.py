"""The history folder: one summary per finished run, the last KEEP per target, and the strip the report draws from it.

Files are named `<UTC start, microseconds>-<target key>.json`, so names sort by time and a target's runs are found
without opening every file."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from html import escape
from pathlib import Path

from contracts.core.contract import CONTRACT
from contracts.core.wording import counted
from contracts.reporting.files import write_whole

KEEP = 50  # runs kept per target
SHOWN = 30  # runs drawn in the strip
_COLOURS = {"passed": "#2a2", "failed": "#c22", "not verified": "#bbb"}


def history_dir(summary_path: Path) -> Path:
    return summary_path.parent / "history"


def _key(target: str) -> str:
    return hashlib.sha256(target.encode("utf-8", errors="surrogatepass")).hexdigest()[:12]


def runs_of(folder: Path, target: str) -> list[Path]:
    """The target's runs, oldest first."""
    try:
        return sorted(folder.glob(f"*-{_key(target)}.json"))
    except OSError:
        return []


def append_run(folder: Path, summary: Path, target: str, started: float, *, keep: int = KEEP) -> Path:
    """Copy this run's summary into the folder and prune the target's oldest runs beyond `keep` (OSError on disk trouble)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(started)) + f"{int(started % 1 * 1_000_000):06d}Z"
    destination = folder / f"{stamp}-{_key(target)}.json"
    write_whole(destination, summary.read_bytes())
    for old in runs_of(folder, target)[:-keep]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
    return destination


def recent_runs(folder: Path, target: str, count: int = SHOWN) -> list[dict]:
    """The target's last `count` readable summaries, oldest first."""
    runs = []
    for path in runs_of(folder, target)[-count:]:
        with contextlib.suppress(OSError, ValueError):
            document = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(document, dict) and isinstance(document.get("statuses"), dict):
                runs.append(document)
    return runs


def state(entry: dict) -> str:
    """passed / failed / not verified: what the strip draws for one status of one run."""
    if entry.get("outcome") == "failed":
        return "failed"
    return "passed" if entry.get("coverage") == "verified" and entry.get("outcome") == "passed" else "not verified"


def history_strip_html(runs: list[dict]) -> str:
    """One row of squares per documented status, oldest run left, this run right; inline SVG, no external assets.
    With no earlier run, one compact line instead: a strip of one column says nothing and pushes the table down."""
    if not runs:
        return ""
    if len(runs) == 1:
        return '<p class="history-strip" style="margin:4px 0">History: the first run against this target; the strip of runs starts with the next.</p>'
    size, gap, label = 14, 3, 40
    width = label + len(runs) * (size + gap)
    rows = []
    for row, status in enumerate(CONTRACT):
        y = row * (size + gap)
        rows.append(f'<text x="0" y="{y + size - 3}" font-size="12" font-family="sans-serif">{status}</text>')
        for column, run in enumerate(runs):
            seen = state(run["statuses"].get(str(status), {}))
            when = escape(str(run.get("started", "")))
            rows.append(
                f'<rect x="{label + column * (size + gap)}" y="{y}" width="{size}" height="{size}" rx="2" fill="{_COLOURS[seen]}">'
                f"<title>{status} at {when}: {seen}</title></rect>"
            )
    height = len(CONTRACT) * (size + gap)
    legend = " ".join(f'<span style="color:{colour}">&#9632;</span> {name}' for name, colour in _COLOURS.items())
    return (
        f'<div class="history-strip"><h3 style="margin:0 0 4px">Last {counted(len(runs), "run")} '
        f'against this target</h3><p style="margin:0 0 4px">oldest left, this run right</p>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="per-status history of the last runs">{"".join(rows)}</svg><p>{legend}</p></div>'
    )
