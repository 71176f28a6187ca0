"""200: the organization object, as the reference documents it."""

import pytest


@pytest.mark.status(200)
def test_organization_matches_contract(target):
    """Status 200, a JSON content type, and a body that validates: required fields, types, enum, ISO dates."""
    exchange = target.get(auth="configured")
    target.verify(exchange, 200)
