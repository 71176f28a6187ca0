"""Client-side validation, offline: payloads generated from the schema files.

Valid ones become typed models that round-trip; each targeted corruption is refused with a
violation naming the corrupted path, whether decoded directly or served over loopback HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from http import HTTPStatus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.client import (
    ApiError,
    ClientError,
    ErrorEnvelope,
    InvalidErrorBody,
    InvalidPayload,
    Organization,
    OrganizationClient,
    attribute_name,
)
from contracts.core.contract import CONTRACT, ERROR_STATUSES_WITH_BODY
from contracts.judging.generate import corruption_targets, corruptions, json_values, valid_payloads
from contracts.judging.schemas import documented_fields
from contracts.transport.server import RunningServer

pytestmark = pytest.mark.client_validation

TOKEN = "tok-client-validation-5b1e"

# Every way to break each body is its own test, so each is tried however hypothesis would weigh them;
# together they get a few times the examples the profile gives one test (at least one each). Over
# HTTP fewer: the decoding is the same, what is tested there is the client's plumbing.
per_target = settings(max_examples=max(1, settings().max_examples // 60))
per_target_over_http = settings(max_examples=max(1, settings().max_examples // 200), deadline=None)
ORGANIZATION_TARGETS = list(corruption_targets("organization"))
ERROR_TARGETS = list(corruption_targets("error"))


@cache
def corrupted(kind: str, target: str):
    """The strategy for one target, built once rather than for every example."""
    return corruptions(kind, target)


# -- expectations, written independently of the client's own parsing ---------------------------


def expected_offset(text: str) -> timedelta:
    if text[-1] in "Zz":
        return timedelta(0)
    sign = -1 if text[-6] == "-" else 1
    return sign * timedelta(hours=int(text[-5:-3]), minutes=int(text[-2:]))


def assert_same_instant_as_written(value, text: str) -> None:
    """Wall clock, fraction and offset exactly as the string spells them (a leap second as :59.999999)."""
    assert value.tzinfo is not None, "timestamps must be aware"
    assert value.utcoffset() == expected_offset(text)
    leap = text[17:19] == "60"
    clock = text[:17].upper() + ("59" if leap else text[17:19])
    assert value.replace(tzinfo=None, microsecond=0).isoformat() == clock
    digits = text[20:].rstrip("Zz").split("+")[0].split("-")[0] if text[19:20] == "." else ""
    assert value.microsecond == (999_999 if leap else int(digits[:6].ljust(6, "0")))


def assert_model_matches(model: Organization, payload: dict) -> None:
    """Each documented member in its attribute: text and booleans as sent, numbers keeping int or float, absent ones
    None; dates and timestamps checked against the text they were written as."""
    for field in documented_fields("organization"):
        member = field.keys[-1]
        value, sent = getattr(model, attribute_name(member)), payload.get(member)
        if field.node.get("format") == "date":
            assert value.isoformat() == payload[member]
        elif field.node.get("format") == "date-time":
            assert_same_instant_as_written(value, payload[member])
        else:
            assert value == sent and type(value) is type(sent), field.path  # int stays int, absent stays None


def paths(violations) -> set[str]:
    return {v.path for v in violations}


# -- decoding a body --------------------------------------------------------------------------


@given(valid_payloads("organization"))
def test_valid_organizations_become_typed_models_that_round_trip(payload):
    model = Organization.from_json(json.dumps(payload, ensure_ascii=False).encode())
    assert_model_matches(model, payload)
    assert Organization.from_json(json.dumps(model.to_document())) == model


@pytest.mark.parametrize("target", ORGANIZATION_TARGETS)
@per_target
@given(data=st.data())
def test_corrupt_organization_refused(target, data):
    """Each corrupted organization is refused, naming exactly the corrupted path."""
    corruption = data.draw(corrupted("organization", target), label="corruption")
    with pytest.raises(InvalidPayload) as refused:
        Organization.from_json(corruption.document.encode())
    assert paths(refused.value.violations) == {corruption.path}, corruption.mutation
    assert corruption.path in str(refused.value)


@given(valid_payloads("error"))
def test_valid_error_envelopes_become_typed_envelopes(payload):
    envelope = ErrorEnvelope.from_json(json.dumps(payload))
    detail = payload["error"]
    assert (envelope.tracking_id, envelope.code, envelope.message) == (payload["trackingId"], detail["code"], detail["message"])
    assert (envelope.fix, envelope.provider, envelope.provider_code) == (
        detail.get("fix"),
        detail.get("provider"),
        detail.get("providerCode"),
    )


@pytest.mark.parametrize("target", ERROR_TARGETS)
@per_target
@given(data=st.data())
def test_corrupt_envelope_refused(target, data):
    """Each corrupted error envelope is refused, naming exactly the corrupted path."""
    corruption = data.draw(corrupted("error", target), label="corruption")
    with pytest.raises(InvalidPayload) as refused:
        ErrorEnvelope.from_json(corruption.document)
    assert paths(refused.value.violations) == {corruption.path}, corruption.mutation


any_body = st.one_of(st.binary(), json_values.map(json.dumps), valid_payloads("organization").map(json.dumps))


@given(body=any_body)
def test_any_body_decodes_to_a_model_or_an_invalid_payload_never_another_exception(body):
    for decode in (Organization.from_json, ErrorEnvelope.from_json):
        try:
            decode(body)
        except InvalidPayload as refused:
            assert refused.violations
            assert all(v.path.startswith("$") for v in refused.violations)


# -- the same through the client, over loopback HTTP ----------------------------------------------


class Scripted:
    """A WSGI app answering every request with the status and body set last."""

    def __init__(self):
        self.status, self.body = 200, b"{}"

    def __call__(self, environ, start_response):
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(self.body)))]
        start_response(f"{self.status} {HTTPStatus(self.status).phrase}", headers)
        return [self.body]


@pytest.fixture(scope="module")
def served():
    app = Scripted()
    with RunningServer(app) as server, OrganizationClient(server.url, auth=TOKEN, timeout=10) as client:
        yield app, client


@settings(deadline=None)  # real HTTP on loopback
@given(payload=valid_payloads("organization"))
def test_client_returns_the_typed_organization_served(served, payload):
    app, client = served
    app.status, app.body = 200, json.dumps(payload).encode()
    assert_model_matches(client.get_organization(), payload)


@pytest.mark.parametrize("target", ORGANIZATION_TARGETS)
@per_target_over_http
@given(data=st.data())
def test_client_refuses_corrupt_organization(served, target, data):
    """A corrupted organization served over HTTP is refused, naming the corrupted path."""
    corruption = data.draw(corrupted("organization", target), label="corruption")
    app, client = served
    app.status, app.body = 200, corruption.document.encode()
    with pytest.raises(InvalidPayload) as refused:
        client.get_organization()
    assert paths(refused.value.violations) == {corruption.path}, corruption.mutation


@settings(deadline=None)
@given(status=st.sampled_from(ERROR_STATUSES_WITH_BODY), payload=valid_payloads("error"))
def test_client_raises_api_error_with_the_envelope_served(served, status, payload):
    app, client = served
    app.status, app.body = status, json.dumps(payload).encode()
    with pytest.raises(ApiError) as raised:
        client.get_organization()
    assert raised.value.status == status and not isinstance(raised.value, InvalidPayload)
    assert raised.value.envelope == ErrorEnvelope.from_document(payload)


@settings(deadline=None)
@given(status=st.sampled_from([200, *CONTRACT, 204, 302, 404, 503]), body=any_body)
def test_client_raises_only_client_errors_whatever_the_answer(served, status, body):
    app, client = served
    app.status, app.body = status, body if isinstance(body, bytes) else body.encode()
    try:
        assert isinstance(client.get_organization(), Organization) and status == 200
    except ClientError as raised:
        assert str(raised)


@pytest.mark.parametrize("target", ERROR_TARGETS)
@per_target_over_http
@given(status=st.sampled_from(ERROR_STATUSES_WITH_BODY), data=st.data())
def test_client_refuses_corrupt_envelope(served, status, target, data):
    """A corrupted envelope served over HTTP is refused, and the error keeps the status."""
    corruption = data.draw(corrupted("error", target), label="corruption")
    app, client = served
    app.status, app.body = status, corruption.document.encode()
    with pytest.raises(InvalidErrorBody) as refused:
        client.get_organization()
    assert refused.value.status == status and refused.value.envelope is None
    assert paths(refused.value.violations) == {corruption.path}, corruption.mutation
