"""A staging-like deployment: it ignores `Prefer`, and gives 400 and 402 only to the requests that provoke them.

The configured credentials get 200, or 400 with `?limit=-1`; an over-cap account's token gets 402 (a valid
envelope); anything else gets 401. 500 and 502 cannot be provoked. `tests/helpers/scenarios/staging.toml` says how.
"""

from __future__ import annotations

from pathlib import Path

from werkzeug.wrappers import Request, Response

from contracts.core.contract import OPERATION_PATH
from contracts.core.credentials import Credentials
from contracts.transport.server import SAMPLE_ORGANIZATION, envelope, json_response

OVERCAP_ENV = "STAGING_OVERCAP_TOKEN"
OVERCAP_TOKEN = "tok-Overcap-Secret-41c7d9b2"
OVERCAP = Credentials.bearer(OVERCAP_TOKEN)
SCENARIOS = Path(__file__).resolve().parent / "scenarios" / "staging.toml"  # 400 by query, 402 by $STAGING_OVERCAP_TOKEN


class StagingApp:
    """WSGI app: a real deployment as the gate meets it on staging."""

    def __init__(self, credentials: Credentials, overcap: Credentials = OVERCAP):
        self.credentials, self.overcap = credentials, overcap

    def respond(self, request: Request) -> Response:
        if request.path.rstrip("/") != OPERATION_PATH:
            return json_response({"error": {"code": "not_found", "message": "No such route."}}, 404)
        sent = request.headers.get("Authorization")
        if sent == self.overcap.authorization():
            return json_response(envelope(402), 402)
        if sent != self.credentials.authorization():
            return json_response(envelope(401), 401)
        if request.args.get("limit", "").startswith("-"):
            return json_response(envelope(400), 400)
        return json_response(SAMPLE_ORGANIZATION)

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)
