"""Hypothesis profiles of the property tests, as a pytest plugin: `dev` (fast; the default) and `ci`
(thorough, derandomized).

Registered in `pytest_configure`, before hypothesis' own plugin reads `--hypothesis-profile`, and chosen by
setting that option's default, so hypothesis loads the profile itself: nothing is loaded at import time and
nothing needs restoring. `ci` replaces hypothesis' built-in profile of that name, so wherever hypothesis
detects CI (the `CI` environment variable and the like) ours is what runs. `--hypothesis-profile NAME`
overrides both. A gate run that checks the target only (`contracts.selection`) runs no property test, and
Hypothesis is not even imported."""

from __future__ import annotations

import pytest

from contracts.gate.selection import checks_target_only

DEV = "dev"
CI = "ci"


def register() -> None:
    from hypothesis import HealthCheck, settings

    settings.register_profile(DEV, max_examples=60, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile(
        CI,
        max_examples=600,
        derandomize=True,  # the same examples on every run: a red CI run is reproducible, never flaky
        database=None,
        deadline=None,  # a loaded CI machine must not turn slowness into failures
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )


def default_profile() -> str:
    """`ci` where hypothesis detected CI (it then starts on its own profile of that name), else `dev`."""
    from hypothesis import settings

    return CI if settings.get_current_profile_name() == CI else DEV


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if checks_target_only(config) and getattr(config.option, "hypothesis_profile", None) is None:
        return
    register()
    if getattr(config.option, "hypothesis_profile", None) is None:
        config.option.hypothesis_profile = default_profile()
