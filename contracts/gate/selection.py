"""Which tests a gate run leaves out before collecting them: a run against a deployment checks the target only.

The offline property tests (marker `client_validation`) cannot change with a deploy. With a base URL and no
explicit `-m` (or with `--status`), their modules are not collected and Hypothesis is never imported: the
deploy command starts in a fraction of the time. `-m` decides for itself; with no base URL everything runs."""

from __future__ import annotations

import pytest

OFFLINE_MARKER = "client_validation"
OFFLINE_SUITES = frozenset({"test_client_validation.py"})  # suite modules whose every test carries OFFLINE_MARKER
GATE_SWITCH = "contract_gate"


TARGET_ONLY = pytest.StashKey[bool]()


def checks_target_only(config: pytest.Config) -> bool:
    """Decided once, from the command line and ini alone, before anything is collected or imported (the gate later
    sets the base URL option to the embedded server's)."""
    if TARGET_ONLY not in config.stash:
        config.stash[TARGET_ONLY] = _checks_target_only(config)
    return config.stash[TARGET_ONLY]


def _checks_target_only(config: pytest.Config) -> bool:
    try:
        if not config.getini(GATE_SWITCH):
            return False
    except ValueError:  # the gate is not loaded: the project's own tests
        return False
    if config.getoption("contract_status", None):
        return True  # only tests with a status marker run
    base_url = config.getoption("base_url", None) or config.getini("base_url") or ""
    return bool(str(base_url).strip()) and not config.option.markexpr
