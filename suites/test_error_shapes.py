"""400, 402, 500, 502: asked for through a scenario (--scenarios), else with `Prefer: code=NNN` (the mock-server convention).

400, 402 and 502 must carry the error envelope; 500 is judged on its status alone (no body is documented).
A target that answers another status has that answer judged for its own status, then the test skips:
the status is *not provoked*, never passed."""

import pytest

from contracts.core.contract import PROVOKED_STATUSES


@pytest.mark.parametrize("status", [pytest.param(s, marks=pytest.mark.status(s), id=str(s)) for s in PROVOKED_STATUSES])
def test_error_status_has_documented_shape(target, status):
    target.verify(target.provoke(status), status)
