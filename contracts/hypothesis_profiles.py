"""Hypothesis profiles of the property tests: `dev` (fast; the default) and `ci` (thorough, derandomized).

`ci` replaces hypothesis' built-in profile of that name, so wherever hypothesis detects CI (the `CI`
environment variable and the like) ours is what runs. `--hypothesis-profile NAME` overrides both."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

DEV = "dev"
CI = "ci"


def register() -> None:
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


def load() -> str:
    """Register both profiles and activate `ci` under CI, `dev` elsewhere; returns the name loaded."""
    in_ci = settings.get_current_profile_name() == CI  # hypothesis loads its own `ci` when it detects CI
    register()
    name = CI if in_ci else DEV
    settings.load_profile(name)
    return name
