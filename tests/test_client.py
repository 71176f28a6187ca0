"""The typed client over real `requests` machinery, with `responses` standing in for the server:
each status, content type and transport failure maps to the right exception and message."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import threading
import time
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta, timezone

import pytest
import requests
import responses

from contracts.client import (
    ApiError,
    ClientError,
    ErrorEnvelope,
    InvalidErrorBody,
    InvalidPayload,
    Organization,
    OrganizationClient,
    TransportError,
)
from contracts.core.credentials import ConfigError, Credentials
from contracts.judging.schemas import schema
from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers.raw_servers import RawServer, trickle

BASE = "https://api.example.test"
URL = BASE + "/account/organization"
TOKEN = "tok-Client-Secret-91c2d7"
ENVELOPE = {
    "trackingId": "trk-1",
    "error": {
        "code": "usage_limit_exceeded",
        "message": "Usage limits exceeded.",
        "fix": "Raise your caps.",
        "provider": "telnyx",
        "providerCode": "90010",
    },
}


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client():
    with OrganizationClient(BASE, auth=TOKEN, timeout=2) as organizations:
        yield organizations


def serve(mock, status=200, body: bytes | str | Exception = b"", content_type: str | None = "application/json", **headers):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    mock.add(responses.GET, URL, status=status, body=body, headers=headers, content_type=content_type)


def raised(client, expected=ClientError) -> ClientError:
    with pytest.raises(expected) as caught:
        client.get_organization()
    return caught.value


# -- 200 -----------------------------------------------------------------------------------------


def test_valid_body_becomes_an_immutable_typed_organization(mocked, client):
    serve(mocked, body=SAMPLE_ORGANIZATION)
    organization = client.get_organization()
    assert organization.organization_type == "paid" and organization.cost_cap == 250.5 and organization.sms_cap == 5000
    assert organization.anniversary_date == date(2026, 12, 1)
    assert organization.created_at == datetime(2024, 3, 14, 9, 26, 53, tzinfo=timezone.utc)
    assert organization.updated_at.utcoffset() == timedelta(hours=1) and organization.updated_at.microsecond == 250_000
    with pytest.raises(FrozenInstanceError):
        organization.name = "changed"


def test_request_carries_credentials_accept_header_and_a_timeout(mocked, client):
    serve(mocked, body=SAMPLE_ORGANIZATION)
    client.get_organization()
    (call,) = mocked.calls
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.request.headers["Accept"] == "application/json"
    assert call.request.req_kwargs["timeout"] == 2


def test_basic_credentials_from_a_pair(mocked):
    serve(mocked, body=SAMPLE_ORGANIZATION)
    OrganizationClient(BASE, auth=("client-1", "s3cret")).get_organization()
    assert mocked.calls[0].request.headers["Authorization"] == "Basic " + base64.b64encode(b"client-1:s3cret").decode()


def test_optional_caps_absent_are_none_and_undocumented_fields_are_ignored(mocked, client):
    body = {k: v for k, v in SAMPLE_ORGANIZATION.items() if k not in ("smsCap", "callCap")} | {"plan": {"tier": 3}}
    serve(mocked, body=body)
    organization = client.get_organization()
    assert organization.sms_cap is None and organization.call_cap is None
    assert organization.to_document() == {k: v for k, v in body.items() if k != "plan"} | {
        "createdAt": "2024-03-14T09:26:53+00:00",
        "updatedAt": "2026-11-20T16:05:12.250000+01:00",
    }


def test_every_violation_is_listed_with_its_path_in_one_exception(mocked, client):
    body = dict(SAMPLE_ORGANIZATION, anniversaryDate="2026/12/01", messagesCap=True, organizationType="Paid")
    del body["creator"]
    serve(mocked, body=body)
    error = raised(client, InvalidPayload)
    assert [v.path for v in error.violations] == ["$.anniversaryDate", "$.creator", "$.messagesCap", "$.organizationType"]
    assert str(error).startswith(f"GET {URL} -> 200: 4 contract violations\n")
    assert '  $.anniversaryDate: expected ISO date YYYY-MM-DD that exists on the calendar, got "2026/12/01" (string)' in str(error)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.api+json"])
def test_json_content_types_are_accepted(mocked, client, content_type):
    serve(mocked, body=SAMPLE_ORGANIZATION, content_type=content_type)
    assert client.get_organization().name == SAMPLE_ORGANIZATION["name"]


@pytest.mark.parametrize("content_type, got", [("text/html", '"text/html"'), (None, "no Content-Type header")])
def test_a_non_json_content_type_is_refused_even_with_a_valid_body(mocked, client, content_type, got):
    serve(mocked, body=SAMPLE_ORGANIZATION, content_type=content_type)
    error = raised(client, InvalidPayload)
    assert [str(v) for v in error.violations] == [f"header Content-Type: expected application/json, got {got}"]


def test_gzip_encoded_body_is_decoded(mocked, client):
    serve(mocked, body=gzip.compress(json.dumps(SAMPLE_ORGANIZATION).encode()), **{"Content-Encoding": "gzip"})
    assert client.get_organization().organization_id == SAMPLE_ORGANIZATION["organizationId"]


@pytest.mark.parametrize(
    "body, got",
    [
        (b"", "an empty body"),
        (b'{"organizationId": "org_7Hq2', "a truncated JSON document"),
        (json.dumps(SAMPLE_ORGANIZATION).encode()[:-1], "a truncated JSON document"),
        (b"<html>502 Bad Gateway</html>", "invalid JSON"),
        (b"\xff\xfe\x00", "undecodable bytes"),
        (b"[" * 100_001, "100,001"),  # objects and arrays beyond the bound, before any parsing
        (b"1" * 5000, "111… (5000 characters)"),  # beyond double range, and int()'s own digit limit
    ],
)
def test_empty_truncated_and_unparseable_bodies_are_invalid_payloads(mocked, client, body, got):
    serve(mocked, body=body)
    (violation,) = raised(client, InvalidPayload).violations
    assert violation.path == "$" and got in violation.got


@pytest.mark.parametrize(
    "body, path, expected",
    [
        (b"null", "$", "object"),
        (b"[]", "$", "object"),
        (b'"organization"', "$", "object"),
        (json.dumps(SAMPLE_ORGANIZATION).replace('"costCap": 250.5', '"costCap": NaN').encode(), "$.costCap", "standard JSON (RFC 8259)"),
    ],
)
def test_wrong_top_level_types_and_non_standard_tokens_name_their_path(mocked, client, body, path, expected):
    serve(mocked, body=body)
    (violation,) = raised(client, InvalidPayload).violations
    assert (violation.path, violation.expected) == (path, expected)


# -- documented and undocumented error statuses --------------------------------------------------


@pytest.mark.parametrize("status", [400, 402, 502])
def test_documented_error_status_raises_api_error_with_the_parsed_envelope(mocked, client, status):
    serve(mocked, status=status, body=ENVELOPE)
    error = raised(client, ApiError)
    assert error.status == status and not isinstance(error, InvalidPayload)
    assert error.envelope == ErrorEnvelope("trk-1", "usage_limit_exceeded", "Usage limits exceeded.", "Raise your caps.", "telnyx", "90010")
    assert "usage_limit_exceeded: Usage limits exceeded." in str(error) and "trackingId trk-1" in str(error)


def test_envelope_optional_fields_absent_are_none(mocked, client):
    serve(mocked, status=400, body={"trackingId": "t", "error": {"code": "bad", "message": "Bad."}})
    envelope = raised(client, ApiError).envelope
    assert (envelope.fix, envelope.provider, envelope.provider_code) == (None, None, None)


def test_documented_error_status_with_a_broken_envelope_is_both_api_error_and_invalid_payload(mocked, client):
    serve(mocked, status=402, body={"trackingId": 7, "error": {"message": "no code"}})
    error = raised(client, InvalidErrorBody)
    assert isinstance(error, ApiError) and isinstance(error, InvalidPayload)
    assert error.status == 402 and error.envelope is None
    assert [v.path for v in error.violations] == ["$.error.code", "$.trackingId"]
    assert str(error).startswith(f"GET {URL} -> 402 Payment Required: 2 contract violations")


@pytest.mark.parametrize("status, body", [(401, json.dumps(ENVELOPE)), (500, "<h1>oops</h1>"), (401, "")])
def test_status_with_undocumented_body_carries_status_and_raw_text(mocked, client, status, body):
    serve(mocked, status=status, body=body, content_type="text/html")
    error = raised(client, ApiError)
    assert (error.status, error.envelope, error.text) == (status, None, body)
    assert str(error).startswith(f"GET {URL} -> {status} ")


@pytest.mark.parametrize("status", [204, 302, 404, 503])
def test_status_the_reference_does_not_document_is_an_api_error_saying_so(mocked, client, status):
    serve(mocked, status=status, body="", Location=BASE + "/elsewhere")
    error = raised(client, ApiError)
    assert error.status == status and "a status the reference does not document" in str(error)
    assert len(mocked.calls) == 1  # a redirect is not followed: credentials stay with the configured host


# -- no usable answer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure, reason",
    [
        (requests.exceptions.ConnectionError("Connection refused"), "connection refused"),
        (requests.exceptions.ConnectTimeout("timed out"), "no answer within"),
        (requests.exceptions.ReadTimeout("read timed out"), "no answer within"),
        (requests.exceptions.SSLError("certificate verify failed"), "TLS handshake failed"),
        (requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"), "cut off or could not be decoded"),
        (requests.exceptions.ContentDecodingError("incorrect header check"), "cut off or could not be decoded"),
    ],
)
def test_transport_failures_are_one_exception_type_with_a_clear_reason(mocked, client, failure, reason):
    serve(mocked, body=failure)
    error = raised(client, TransportError)
    assert str(error).startswith(f"GET {URL}: ") and reason in str(error)
    assert error.__cause__ is None and error.__suppress_context__  # no nested urllib3 reprs in a traceback


def test_a_body_that_is_not_gzip_despite_its_header_is_a_transport_error(mocked, client):
    serve(mocked, body=b"definitely not gzip", **{"Content-Encoding": "gzip"})
    assert "could not be decoded" in str(raised(client, TransportError))


# -- credentials stay out of every message --------------------------------------------------------


def echoing(mock, secret_header: str, secret: str) -> None:
    """A server that echoes the credentials back in every kind of body."""
    mock.add(responses.GET, URL, status=200, json=dict(SAMPLE_ORGANIZATION, messagesCap=secret_header, name=secret, creator=None))
    mock.add(responses.GET, URL, status=402, json={"trackingId": secret, "error": {"code": "x", "message": f"bad {secret_header}"}})
    mock.add(responses.GET, URL, status=401, body=f"you sent {secret_header}")
    mock.add(responses.GET, URL, status=402, json={"trackingId": secret, "error": {"message": secret_header}})


@pytest.mark.parametrize(
    "auth, secrets",
    [
        (TOKEN, [TOKEN]),
        (
            Credentials.basic("client-1", "basic-Secret-44f0"),
            ["basic-Secret-44f0", base64.b64encode(b"client-1:basic-Secret-44f0").decode()],
        ),
    ],
)
def test_credentials_echoed_by_a_server_never_reach_a_message_or_repr(mocked, auth, secrets):
    organizations = OrganizationClient(BASE, auth=auth)
    header = Credentials.bearer(TOKEN).authorization() if isinstance(auth, str) else auth.authorization()
    echoing(mocked, header, secrets[0])
    seen = [repr(organizations)]
    for _ in range(4):
        error = raised(organizations)
        seen += [str(error), repr(error), getattr(error, "text", ""), repr(getattr(error, "envelope", None))]
        seen += [str(v) for v in getattr(error, "violations", ())]
    assert not [text for text in seen for secret in secrets if secret in text]
    assert "***REDACTED***" in "".join(seen)  # the echoes were there, and masked


# -- construction and the typed model ------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"base_url": "ftp://example.test"}, "scheme 'ftp'"),
        ({"base_url": "https://user:pw@example.test"}, "carries credentials"),
        ({"base_url": None}, "base_url must be a string"),
        ({"timeout": 0}, "timeout must be a positive number of seconds"),
        ({"timeout": float("nan")}, "timeout must be a positive number of seconds"),
        ({"timeout": "5"}, "timeout must be a positive number of seconds"),
        ({"timeout": True}, "timeout must be a positive number of seconds"),
        ({"max_body": 0}, "max_body must be a number of bytes"),
        ({"max_body": "10MiB"}, "max_body must be a number of bytes"),
        ({"max_body": 2 * 1024**3}, "max_body must be a number of bytes"),
        ({"auth": ("client-only",)}, "auth must be"),
        ({"auth": ""}, "auth must be"),
        ({"auth": 42}, "auth must be"),
    ],
)
def test_bad_arguments_are_refused_at_construction_with_a_clear_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        OrganizationClient(**{"base_url": BASE, **kwargs})


def test_the_typed_model_covers_every_documented_field():
    full = Organization.from_json(json.dumps(SAMPLE_ORGANIZATION))
    assert set(full.to_document()) == set(schema("organization")["properties"])


def test_model_round_trips_through_its_document():
    organization = Organization.from_json(json.dumps(SAMPLE_ORGANIZATION))
    assert Organization.from_json(json.dumps(organization.to_document())) == organization


@pytest.mark.parametrize(
    "stamp, expected",
    [
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone.utc)),
        ("2017-01-01t00:59:60.5+01:00", datetime(2017, 1, 1, 0, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=1)))),
        ("2026-01-01T00:00:00.123456789-00:00", datetime(2026, 1, 1, 0, 0, 0, 123_456, tzinfo=timezone.utc)),
    ],
)
def test_timestamps_python_cannot_hold_exactly_are_kept_as_close_as_it_can(stamp, expected):
    organization = Organization.from_json(json.dumps(dict(SAMPLE_ORGANIZATION, createdAt=stamp)))
    assert organization.created_at == expected and organization.created_at.utcoffset() == expected.utcoffset()


def test_decoding_error_envelope_offline_lists_violations():
    with pytest.raises(InvalidPayload) as refused:
        ErrorEnvelope.from_json(b'{"trackingId": "t", "error": "boom"}')
    assert str(refused.value) == 'error payload: 1 contract violation\n  $.error: expected object, got "boom" (string)'


# -- the same failures from a real socket on loopback, not a mock -------------------------------


@pytest.fixture
def raw_server():
    """A loopback server that reads one request and answers with the bytes given (or nothing), then hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    answers: list[bytes | None] = []

    def serve_once():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            answer = answers[0]
            if answer is None:
                threading.Event().wait(2)  # say nothing: the client must time out
            else:
                connection.sendall(answer)

    def start(answer: bytes | None) -> str:
        answers.append(answer)
        threading.Thread(target=serve_once, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    listener.close()


def test_a_body_shorter_than_its_content_length_is_a_transport_error(raw_server):
    base = raw_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n" + json.dumps(SAMPLE_ORGANIZATION).encode()[:40]
    )
    error = raised(OrganizationClient(base, auth=TOKEN, timeout=5), TransportError)
    assert "cut off" in str(error)


def test_silence_is_a_timeout_within_the_bound(raw_server):
    base = raw_server(None)
    started = time.monotonic()
    error = raised(OrganizationClient(base, auth=TOKEN, timeout=0.3), TransportError)
    assert "no answer within" in str(error) and time.monotonic() - started < 1.5


def test_an_answer_trickled_past_the_timeout_is_a_transport_error_that_names_no_cli_option():
    body = json.dumps(SAMPLE_ORGANIZATION).encode()
    with RawServer(trickle(body, 0.1, head=b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))) as server:
        started = time.monotonic()
        error = raised(OrganizationClient(server.url, auth=TOKEN, timeout=0.5), TransportError)
    assert time.monotonic() - started < 1.5
    assert "within the client's timeout of 0.5s" in str(error) and "--" not in str(error)


def test_a_malformed_answer_is_a_transport_error_naming_what(raw_server):
    error = raised(OrganizationClient(raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), auth=TOKEN, timeout=5), TransportError)
    assert "malformed status line" in str(error)


def test_a_body_beyond_max_body_is_an_invalid_payload_saying_so(raw_server):
    body = json.dumps(dict(SAMPLE_ORGANIZATION, padding="x" * 5000)).encode()
    base = raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    error = raised(OrganizationClient(base, auth=TOKEN, timeout=5, max_body=4096), InvalidPayload)
    assert [str(v) for v in error.violations] == [
        "$: expected a body of at most 4 KiB (max_body), got a longer body; reading stopped after 4 KiB"
    ]
