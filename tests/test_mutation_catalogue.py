"""The gate against every catalogue variant: red for each way to break the reference, green for each way to honour it.

One fault server serves the whole catalogue; the gate (the real suites, run in this process as pytester
does, since a new interpreter per variant would cost ~1 s each) runs once for every selected variant up
front, and each test then judges one run. A last test checks that runner against the subprocess one.
"""

from __future__ import annotations

import re
from typing import cast

import pytest

from contracts.core import exits
from contracts.core.credentials import Credentials
from contracts.transport.server import RunningServer
from tests.helpers.faults import CATALOGUE, GREEN, RED, Fault, FaultApp, base_url
from tests.helpers.gate_in_process import run_gate_in_process
from tests.helpers.staging import OVERCAP_ENV, OVERCAP_TOKEN
from tests.helpers.support import TOKEN, GateRun, run_gate

# Variants the gate judges wrongly today; each entry says where the bug is.
KNOWN_WRONG: dict[str, str] = {}

GATE_ENV = {"CONTRACT_API_TOKEN": TOKEN, OVERCAP_ENV: OVERCAP_TOKEN}  # the staging variants' 402 scenario needs the over-cap token


def variant(name: str):
    fault = CATALOGUE[name]
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[name])] if name in KNOWN_WRONG else []
    return pytest.param(fault, id=name, marks=marks)


def selected_faults(session: pytest.Session) -> list[Fault]:
    """The variants this module's selected tests judge (all, unless narrowed with -k), in order, once each."""
    here = [
        item
        for item in session.items
        if isinstance(item, pytest.Function) and item.module.__name__ == __name__ and hasattr(item, "callspec")
    ]
    faults = [cast(Fault, item.callspec.params["fault"]) for item in here]
    return list({fault.name: fault for fault in faults}.values())


@pytest.fixture(scope="module")
def fault_server():
    with RunningServer(FaultApp(Credentials.bearer(TOKEN))) as server:
        yield server.url


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory, fault_server) -> dict[str, GateRun]:
    folder = tmp_path_factory.mktemp("catalogue")
    results = {
        fault.name: run_gate_in_process(folder / fault.name, *fault.gate_args, base_url=base_url(fault_server, fault), env=GATE_ENV)
        for fault in selected_faults(request.session)
    }
    request.config.pluginmanager.register(Score(results), "mutation-catalogue-score")
    return results


class Score:
    """Killed red variants and false alarms on green ones, printed at the end of the run."""

    def __init__(self, results: dict[str, GateRun]):
        red = [name for name in results if CATALOGUE[name].verdict == RED]
        green = [name for name in results if CATALOGUE[name].verdict == GREEN]
        self.killed = [
            name for name in red if results[name].returncode == exits.VIOLATED and failed_rows(results[name]) == {CATALOGUE[name].status}
        ]
        self.survived = sorted(set(red) - set(self.killed))
        self.false_alarms = [name for name in green if results[name].returncode != exits.HONOURED]
        self.red_total, self.green_total = len(red), len(green)

    def line(self) -> str:
        return (
            f"mutation catalogue: killed {len(self.killed)}/{self.red_total} contract-breaking variants, "
            f"false alarms {len(self.false_alarms)}/{self.green_total} conforming variants"
        )

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_sep("-", "mutation catalogue score")
        terminalreporter.write_line(self.line())
        for label, names in (("survived", self.survived), ("false alarms", self.false_alarms)):
            if names:
                terminalreporter.write_line(f"{label}: {', '.join(names)}")


def failed_rows(run: GateRun) -> set[int]:
    return {int(status) for status, verdict in run.verdicts.items() if verdict == "failed"}


def names_path(output: str, path: str) -> bool:
    """A violation line at `path` or below it (`$` is named by `$.costCap: expected ...` too)."""
    return re.search(rf"^\s*{re.escape(path)}([.\[][^:]*)?: expected", output, re.MULTILINE) is not None


@pytest.mark.parametrize("fault", [variant(name) for name in CATALOGUE])
def test_gate_verdict(runs, fault: Fault):
    run = runs[fault.name]
    if fault.verdict == RED:
        assert run.returncode == exits.VIOLATED, f"{fault.name} was not caught (exit {run.returncode}):\n{run.output}"
        assert failed_rows(run) == {fault.status}, f"only the broken status row fails: {run.verdicts}"
        assert fault.path and names_path(run.output, fault.path), f"failure text does not name {fault.path}:\n{run.output}"
    else:
        assert run.returncode == exits.HONOURED, f"{fault.name} is a false alarm (exit {run.returncode}):\n{run.output}"
        for status in fault.skipped:
            assert run.verdicts[str(status)] == "not provoked", run.verdicts
        assert failed_rows(run) == set(), run.verdicts


@pytest.mark.parametrize("fault", [variant("200-messagesCap-as-boolean"), variant("200-extra-fields")])
def test_in_process_runs_agree_with_a_new_interpreter(runs, fault_server, tmp_path, fault: Fault):
    alone = run_gate(tmp_path, *fault.gate_args, base_url=base_url(fault_server, fault), env=GATE_ENV)
    in_process = runs[fault.name]
    assert (alone.returncode, alone.verdicts) == (in_process.returncode, in_process.verdicts)
