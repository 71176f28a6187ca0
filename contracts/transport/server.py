"""The embedded reference server: a faithful implementation of GET /account/organization on werkzeug."""

from __future__ import annotations

import json
import threading
import uuid

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from contracts.core.contract import CONTRACT, OPERATION_PATH
from contracts.core.credentials import Credentials

SAMPLE_ORGANIZATION = {
    "organizationId": "org_7Hq2mX9kLp",
    "organizationType": "paid",
    "creator": "usr_3fJ8aQ1zNc",
    "name": "Acme Notifications",
    "messagesCap": 100000,
    "costCap": 250.5,
    "smsCap": 5000,
    "callCap": 1200,
    "anniversaryDate": "2026-12-01",
    "allowOverage": False,
    "createdAt": "2024-03-14T09:26:53Z",
    "updatedAt": "2026-11-20T16:05:12.250+01:00",
}

ERRORS = {
    400: {"code": "validation_error", "message": "The request is invalid.", "fix": "Check the request parameters."},
    401: {"code": "unauthorized", "message": "Missing or invalid credentials."},
    402: {"code": "usage_limit_exceeded", "message": "Usage limits exceeded.", "fix": "Raise your caps or allow overage."},
    500: {"code": "internal_error", "message": "Something went wrong on our side."},
    502: {"code": "provider_error", "message": "The upstream provider failed.", "provider": "telnyx", "providerCode": "90010"},
}


def envelope(status: int) -> dict:
    return {"trackingId": str(uuid.uuid4()), "error": dict(ERRORS[status])}


def preferred_status(request: Request) -> int | None:
    """`Prefer: code=NNN` (Prism's convention) for a documented status; anything else is ignored."""
    for part in request.headers.get("Prefer", "").replace(";", ",").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "code" and value.strip().isdigit() and int(value) in CONTRACT:
            return int(value)
    return None


def json_response(body: object, status: int = 200, **headers: str) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


class ReferenceApp:
    """WSGI app: requires the credentials it was started with, honours `Prefer: code=NNN`."""

    def __init__(self, credentials: Credentials, organization: dict | None = None):
        self.credentials = credentials
        self.organization = dict(organization or SAMPLE_ORGANIZATION)

    def respond(self, request: Request) -> Response:
        if request.path.rstrip("/") != OPERATION_PATH:
            return json_response({"trackingId": str(uuid.uuid4()), "error": {"code": "not_found", "message": "No such route."}}, 404)
        if request.method not in ("GET", "HEAD"):
            return json_response(
                {"trackingId": str(uuid.uuid4()), "error": {"code": "method_not_allowed", "message": "Use GET."}}, 405, Allow="GET, HEAD"
            )
        if request.headers.get("Authorization") != self.credentials.authorization():
            return json_response(envelope(401), 401, **{"WWW-Authenticate": 'Bearer realm="api", Basic realm="api"'})
        status = preferred_status(request)
        if status is not None and status != 200:
            return json_response(envelope(status), status)
        return json_response(self.organization)

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        pass  # an embedded server must not write request lines into the run's console


class RunningServer:
    """A werkzeug server on a loopback port, in a daemon thread; a context manager."""

    def __init__(self, app, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server = make_server(host, port, app, threaded=True, request_handler=handler)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="reference-server", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Until the server stops (or Ctrl-C)."""
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)  # in slices: a signal handler runs between them

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_reference_server(credentials: Credentials, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> RunningServer:
    return RunningServer(ReferenceApp(credentials), host=host, port=port, quiet=quiet)
