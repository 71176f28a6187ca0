"""The in-process gate runner leaves this process as it found it."""

import os
import sys

from hypothesis import settings

from tests.helpers.gate_in_process import run_gate_in_process
from tests.helpers.support import TOKEN


def process_state() -> tuple:
    return dict(os.environ), os.getcwd(), list(sys.path), settings.get_current_profile_name(), repr(settings.default)


def test_a_run_leaves_environment_cwd_path_and_hypothesis_profile_as_they_were(reference_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CONTRACT_API_TOKEN", "not-for-the-gate")  # the run must see only the token it is given
    before = process_state()
    run = run_gate_in_process(tmp_path, base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN})
    assert run.returncode == 0, run.output
    assert process_state() == before
    assert not any(name.startswith("test_organization") for name in sys.modules), "the suites are collected afresh each run"
