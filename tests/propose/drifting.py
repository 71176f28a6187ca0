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
    """WSGI app: the reference server, with members added to every body it documents (`vary`: an organization body
    differs from the one before; else it is the first every time)."""

    def __init__(self, credentials: Credentials, *, vary: bool = True):
        self.reference = ReferenceApp(credentials)
        self.organizations = 0
        self.vary = vary

    def respond(self, request: Request) -> Response:
        answer = self.reference.respond(request)
        if answer.status_code not in (200, 400, 402, 502) or answer.mimetype != "application/json":
            return answer
        body = json.loads(answer.get_data())
        if answer.status_code == 200:
            token = request.headers.get("Authorization", "").partition(" ")[2]
            body |= organization_members(self.organizations, token)
            self.organizations += self.vary
        elif isinstance(body.get("error"), dict):
            body = {**body, "requestId": f"r-{answer.status_code}", "error": {**body["error"], "docs": "https://example.com/errors"}}
        answer.set_data(json.dumps(body))
        return answer

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)


# -- captures of its traffic ------------------------------------------------------------------------

# What a client of the deployment sends: its organization, each documented error on request, and no credentials.
REQUESTS: tuple[tuple[str, dict[str, str] | None], ...] = (
    ("200", {}),
    ("400", {"Prefer": "code=400"}),
    ("402", {"Prefer": "code=402"}),
    ("502", {"Prefer": "code=502"}),
    ("401", None),
)


def recorded_traffic(url: str, token: str, *, organizations: int) -> list[dict]:
    """Exchanges with the deployment at `url`, as plain data: `organizations` 200s, then one of each other request."""
    import requests

    plan = [REQUESTS[0]] * organizations + list(REQUESTS[1:])
    exchanges = []
    with requests.Session() as session:
        session.trust_env = False  # no ~/.netrc credentials, no proxy: the request as written, to loopback
        for _, extra in plan:
            headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}", **extra} if extra is not None else {})
            answer = session.get(f"{url}/account/organization", headers=headers, timeout=10)
            exchanges.append(
                {
                    "url": f"{url}/account/organization",
                    "request_headers": headers,
                    "status": answer.status_code,
                    "headers": {"Content-Type": answer.headers.get("Content-Type", "")},
                    "body": answer.text,
                }
            )
    return exchanges


def as_json_lines(exchanges: list[dict]) -> str:
    """A gateway's JSON Lines log of the exchanges."""
    return "".join(json.dumps({"method": "GET", **exchange}) + "\n" for exchange in exchanges)


def as_har(exchanges: list[dict]) -> str:
    """A browser's HAR 1.2 recording of the exchanges."""
    entries = [
        {
            "startedDateTime": "2026-11-25T10:00:00.000Z",
            "time": 12.5,
            "request": {
                "method": "GET",
                "url": exchange["url"],
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": name, "value": value} for name, value in exchange["request_headers"].items()],
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            },
            "response": {
                "status": exchange["status"],
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Content-Type", "value": exchange["headers"]["Content-Type"]}],
                "cookies": [],
                "content": {"size": len(exchange["body"]), "mimeType": exchange["headers"]["Content-Type"], "text": exchange["body"]},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 10, "receive": 2.5},
        }
        for exchange in exchanges
    ]
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "entries": entries}}, indent=2)
