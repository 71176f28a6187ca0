"""The target client: one request per call, never retried once the server has answered or hung."""

import json
import time

import pytest
from werkzeug.wrappers import Response

from contracts.core.credentials import Credentials
from contracts.core.exchange import REDACTED_HEADER
from contracts.settings.config import Settings
from contracts.transport.http import TargetClient, TargetUnreachable


def counting(app_response, delay=0.0):
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        time.sleep(delay)
        return app_response(environ, start_response)

    return app, calls


def client_for(url, timeout=5.0):
    return TargetClient(Settings(url, Credentials.bearer("tok-abc-123456"), timeout=timeout))


def test_an_error_answer_is_not_retried(serve):
    app, calls = counting(Response("boom", status=502))
    exchange = client_for(serve(app)).get_organization(credentials=None)
    assert exchange.status == 502 and len(calls) == 1


def test_a_read_timeout_is_not_retried_and_says_so(serve):
    app, calls = counting(Response("late"), delay=1.5)
    with pytest.raises(TargetUnreachable, match=r"no answer within --request-timeout 0.3s after 0.\ds"):
        client_for(serve(app), timeout=0.3).get_organization(credentials=None)
    time.sleep(1.5)
    assert len(calls) == 1


def test_authorization_is_masked_in_the_recorded_request(serve):
    app, _ = counting(Response("{}", mimetype="application/json"))
    exchange = client_for(serve(app)).get_organization(credentials=Credentials.bearer("tok-abc-123456"), prefer_status=402)
    assert exchange.request_headers["Authorization"] == REDACTED_HEADER
    assert exchange.request_headers["Prefer"] == "code=402"


def test_gzip_bodies_are_decoded(serve):
    import gzip

    app, _ = counting(Response(gzip.compress(b'{"a": 1}'), mimetype="application/json", headers={"Content-Encoding": "gzip"}))
    assert json.loads(client_for(serve(app)).get_organization(credentials=None).body) == {"a": 1}
