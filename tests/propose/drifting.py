"""A deployment that sends more than the reference documents, as the live service does: the reference server's
answers with members added to the organization (strings, a date, a timestamp, numbers, a nested object, an
array, one member in every other body, one echoing the caller's token) and to the error envelope."""

from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

from contracts.core.credentials import Credentials
from contracts.transport.server import ReferenceApp

ADDED_REQUIRED = ("region", "renewsOn", "lastActivityAt", "seatCount", "balance", "billing", "tags", "lastCaller")


def organization_members(number: int, token: str) -> dict:
    """What the deployment adds to its `number`th organization body (from 0)."""
    members = {
        "region": ["eu-west-1", "us-east-1"][number % 2],
        "renewsOn": f"2026-0{number % 9 + 1}-15",
        "lastActivityAt": f"2026-11-2{number % 10}T16:05:12Z",
        "seatCount": 10 + number,
        "balance": 12.5 * number + 0.25,
        "billing": {"plan": "pro", "seats": number, "card": {"brand": "visa"}},
        "tags": ["beta", "eu"][: number % 3 + 1],
        "lastCaller": token,  # a leaky deployment echoes the caller's credentials
    }
    if number % 2:
        members["promotion"] = "spring"
    return members


class DriftingApp:
    """WSGI app: the reference server, with members added to every body it documents."""

    def __init__(self, credentials: Credentials):
        self.reference = ReferenceApp(credentials)
        self.organizations = 0

    def respond(self, request: Request) -> Response:
        answer = self.reference.respond(request)
        if answer.status_code not in (200, 400, 402, 502) or answer.mimetype != "application/json":
            return answer
        body = json.loads(answer.get_data())
        if answer.status_code == 200:
            token = request.headers.get("Authorization", "").partition(" ")[2]
            body |= organization_members(self.organizations, token)
            self.organizations += 1
        elif isinstance(body.get("error"), dict):
            body = {**body, "requestId": f"r-{answer.status_code}", "error": {**body["error"], "docs": "https://example.com/errors"}}
        answer.set_data(json.dumps(body))
        return answer

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)
