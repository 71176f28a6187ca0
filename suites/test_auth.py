"""401: the operation refuses requests without valid credentials. The reference documents no 401 body."""

import pytest

pytestmark = [pytest.mark.auth, pytest.mark.status(401)]


def test_missing_credentials_are_refused(target):
    target.verify(target.get(auth="none"), 401)


def test_wrong_credentials_are_refused(target):
    target.verify(target.get(auth="wrong"), 401)
