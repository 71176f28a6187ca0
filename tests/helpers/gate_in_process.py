"""Run the real suites inside this process, as pytester does: ~0.2 s a run instead of ~1.3 s of interpreter start-up.

The run sees the environment, working directory and command line a user's run would see; what it changes in
this process (environment, cwd, sys.path, the suites' modules) is put back afterwards. The subprocess runner
in `support.py` stays the reference: a test checks the two agree.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import GATE_ENV_VARS, REPO, GateRun, gate_arguments


@contextlib.contextmanager
def user_like_process(env: dict[str, str]) -> Iterator[io.StringIO]:
    """The gate's view of the process: cwd at the repository, only `env`'s gate variables; output captured."""
    saved_environ, saved_cwd, saved_path = dict(os.environ), os.getcwd(), list(sys.path)
    saved_modules = set(sys.modules)
    for name in GATE_ENV_VARS:
        os.environ.pop(name, None)
    os.environ.update(env)
    os.chdir(REPO)
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            yield output
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        suites = str(REPO / "suites")
        for name in set(sys.modules) - saved_modules:
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(suites):
                del sys.modules[name]  # the suites are collected afresh by the next run


def run_gate_in_process(out_dir: Path, *args: str, base_url: str, env: dict[str, str]) -> GateRun:
    """The same run as `support.run_gate`, without a new interpreter."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with user_like_process(env) as output:
        returncode = pytest.main(gate_arguments(out_dir, *args, base_url=base_url))
    return GateRun(int(returncode), output.getvalue(), out_dir)
