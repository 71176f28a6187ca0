"""400, 402, 502: the error envelope, asked for with `Prefer: code=NNN` (the mock-server convention)."""

import pytest

from contracts.table import ERROR_STATUSES_WITH_BODY


@pytest.mark.parametrize("status", [pytest.param(s, marks=pytest.mark.status(s), id=str(s)) for s in ERROR_STATUSES_WITH_BODY])
def test_error_status_has_documented_shape(target, status):
    exchange = target.get(prefer_status=status)
    if exchange.status != status:
        # Whatever came back is still judged for its own status, then this shape counts as unverified.
        target.verify(exchange, exchange.status)
        pytest.skip(f"target answered {exchange.status} to 'Prefer: code={status}' (it does not honour Prefer)")
    target.verify(exchange, status)
