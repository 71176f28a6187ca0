"""Mistakes people make configuring the gate, and targets that echo what they were sent, each against a real loopback
server: refused credentials, a base URL with the operation's path in it, an offline run, a proxy that refuses, a private
certificate authority named only the OpenSSL way, an Authorization value echoed in base64. Each is named for what it is."""

from __future__ import annotations

import base64
import json

import pytest
from werkzeug.wrappers import Request, Response

from contracts.core.credentials import Credentials
from contracts.core.redaction import MASK
from contracts.transport.server import SAMPLE_ORGANIZATION, ReferenceApp
from tests.helpers import tls
from tests.helpers.raw_servers import RawServer, send
from tests.helpers.support import TOKEN, run_gate

NO_CA = {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "", "SSL_CERT_FILE": "", "SSL_CERT_DIR": ""}
NO_PROXY = {"HTTP_PROXY": "", "HTTPS_PROXY": "", "http_proxy": "", "https_proxy": "", "ALL_PROXY": "", "all_proxy": ""}


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("ERROR:")]


# -- 6. the credential as sent, echoed in base64 ------------------------------------------------------------------


def base64_echo(credentials: Credentials):
    """Honours the contract, and echoes the base64 of the Authorization value it got, in the body and a header."""
    reference = ReferenceApp(credentials)

    def app(environ, start_response):
        request = Request(environ)
        echoed = base64.b64encode(request.headers.get("Authorization", "").encode()).decode()
        response = reference.respond(request)
        if response.status_code == 200:
            response = Response(json.dumps(dict(SAMPLE_ORGANIZATION, echo=echoed)), mimetype="application/json")
        response.headers["X-Echo"] = echoed
        return response(environ, start_response)

    return app


def test_an_authorization_value_echoed_in_base64_is_masked_everywhere(serve, tmp_path):
    credentials = Credentials.basic("client-42", "Basic-Secret-9d8e7f")
    env = {"CONTRACT_CLIENT_ID": "client-42", "CONTRACT_CLIENT_SECRET": "Basic-Secret-9d8e7f"}
    run = run_gate(tmp_path / "run", "-rA", base_url=serve(base64_echo(credentials)), env=env)
    assert run.returncode == 0, run.output
    header = credentials.authorization()
    wire = header.removeprefix("Basic ")
    echoes = [base64.b64encode(header.encode()).decode(), base64.b64encode(wire.encode()).decode(), wire]
    assert "&quot;echo&quot;" in run.report_extras  # the echoing exchange is in the report ...
    for name, text in run.artifacts().items():
        for echo in echoes:
            assert echo[:12] not in text, f"{name} shows the credential as sent"
    assert MASK in run.report_extras  # ... masked


# -- 8. the run's credentials refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, named",
    [
        ({"CONTRACT_API_TOKEN": "tok-Rotated-Secret-0000"}, "bearer token from CONTRACT_API_TOKEN"),
        (
            {"CONTRACT_CLIENT_ID": "client-42", "CONTRACT_CLIENT_SECRET": "Rotated-Secret-0000"},
            "HTTP Basic for client 'client-42' from CONTRACT_CLIENT_ID + CONTRACT_CLIENT_SECRET",
        ),
    ],
    ids=["bearer", "basic"],
)
def test_refused_credentials_are_named_as_the_cause_not_as_a_target_that_ignores_prefer(reference_url, tmp_path, env, named):
    run = run_gate(tmp_path / "run", base_url=reference_url, env=env)
    assert run.returncode == 1, run.output  # the target did refuse: not a pass
    cause = f"the target refused the configured credentials ({named}) with 401: check that secret"
    assert f"cause: {cause}" in run.output and run.summary["cause"].startswith(cause)
    assert "does not honour Prefer" not in run.output and "not provoked" not in run.output
    assert run.coverage == {
        "200": "verified",
        "400": "not attempted",
        "401": "verified",
        "402": "not attempted",
        "500": "not attempted",
        "502": "not attempted",
    }
    names = named.rsplit(" from ", 1)[1]
    reason = f"the target refused the configured credentials ({names}) with 401, so 402 could not be asked for"
    assert run.summary["statuses"]["402"]["reasons"] == [reason]
    banner = run.artifacts()["report.html"]
    assert f"Cause: {cause}" in banner.replace("&#x27;", "'")


def test_a_401_to_prefer_alone_is_not_refused_credentials(serve, tmp_path):
    """The credentials pass a plain request: the 401 is the answer to `Prefer`, judged as such (not provoked), no cause."""

    class RefusesPrefer(ReferenceApp):
        def respond(self, request: Request) -> Response:
            return Response("", status=401) if "Prefer" in request.headers else super().respond(request)

    run = run_gate(tmp_path / "run", base_url=serve(RefusesPrefer(Credentials.bearer(TOKEN))), env={"CONTRACT_API_TOKEN": TOKEN})
    assert run.returncode == 0, run.output
    assert run.summary["cause"] is None and "cause:" not in run.output
    assert run.coverage["402"] == "not provoked"


def test_a_run_whose_credentials_are_accepted_names_no_cause(reference_url, tmp_path):
    run = run_gate(tmp_path / "run", base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN})
    assert run.returncode == 0 and run.summary["cause"] is None and "cause:" not in run.output


# -- 9. a base URL with the operation's path in it ---------------------------------------------------------------------


def under_prefix(app, prefix: str):
    """`app` served under a path prefix, as behind a gateway: anything else is a 404."""

    def prefixed(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(prefix + "/"):
            return Response("not here", status=404)(environ, start_response)
        return app({**environ, "PATH_INFO": path.removeprefix(prefix)}, start_response)

    return prefixed


def test_a_base_url_ending_with_the_operation_is_refused_and_another_prefix_works(serve, tmp_path):
    url = serve(under_prefix(ReferenceApp(Credentials.bearer(TOKEN)), "/api/v1"))
    doubled = run_gate(tmp_path / "doubled", base_url=f"{url}/api/v1/account/organization", env={"CONTRACT_API_TOKEN": TOKEN})
    assert doubled.returncode == 4, doubled.output
    assert error_lines(doubled.output) == [
        f"ERROR: base URL '{url}/api/v1/account/organization' ends with the operation's path: drop /account/organization "
        f"(give {url}/api/v1); the path is added to it"
    ]
    prefixed = run_gate(tmp_path / "prefixed", base_url=f"{url}/api/v1", env={"CONTRACT_API_TOKEN": TOKEN})
    assert prefixed.returncode == 0, prefixed.output


# -- 10. an offline run ------------------------------------------------------------------------------------------------


def test_an_offline_run_of_the_property_tests_requires_no_status(tmp_path):
    out = tmp_path / "run"
    run = run_gate(out, "-m", "client_validation", "-k", "valid_error_envelopes", env={})
    assert run.returncode == 0, run.output  # not 6: an offline run verifies no status and is asked to verify none
    assert run.summary["required"] == [] and run.summary["counts"]["passed"] >= 1


# -- 12. a proxy that refuses, a CA named the OpenSSL way -------------------------------------------------------------------


PROXY_REFUSES = b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_answering_407_is_a_configuration_problem_in_one_line(reference_url, tmp_path, scheme):
    target = reference_url.replace("http://", f"{scheme}://")
    with RawServer(send(PROXY_REFUSES)) as proxy:
        variable = f"{scheme.upper()}_PROXY"
        proxied = proxy.url.replace("http://", "http://corp-user:Proxy-Secret-31337@")
        # An empty lower-case variable would unset the upper-case one: both spellings name the proxy.
        env = {"CONTRACT_API_TOKEN": TOKEN, **NO_PROXY, "NO_PROXY": "", "no_proxy": "", variable: proxied, variable.lower(): proxied}
        run = run_gate(tmp_path / "run", base_url=target, env=env)
    assert run.returncode == 4, run.output  # bad configuration, not a broken contract (1) nor an unreachable target (75)
    line = (
        f"bad configuration: the forward proxy {proxy.url.replace('http://', 'http://***@')} ({variable}) refused the request to "
        f"{target}/account/organization with 407 Proxy Authentication Required"
    )
    said = [text for text in run.output.splitlines() if "Proxy Authentication Required" in text]
    assert len(said) == 1 and said[0].startswith(line), run.output
    assert "Proxy-Secret-31337" not in "".join(run.artifacts().values())
    assert run.summary["stopped_early"].startswith(line) and run.summary["exit_status"] == 4


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_a_private_ca_named_by_ssl_cert_file_or_requests_ca_bundle_is_trusted(tmp_path, variable):
    ca, cert, key = tls.private_ca(tmp_path)
    with tls.https_server(ReferenceApp(Credentials.bearer(TOKEN)), cert, key) as url:
        run = run_gate(tmp_path / "run", base_url=url, env={"CONTRACT_API_TOKEN": TOKEN, **NO_CA, **NO_PROXY, variable: str(ca)})
        untrusted = run_gate(tmp_path / "untrusted", base_url=url, env={"CONTRACT_API_TOKEN": TOKEN, **NO_CA, **NO_PROXY})
    assert run.returncode == 0, run.output
    assert untrusted.returncode == 75, untrusted.output
    assert (
        "TLS handshake failed (set REQUESTS_CA_BUNDLE or SSL_CERT_FILE to your CA bundle if the certificate is private)" in untrusted.output
    )


def test_a_ca_variable_naming_no_file_is_one_line_and_exit_4(reference_url, tmp_path):
    missing = tmp_path / "no-such-ca.pem"
    run = run_gate(tmp_path / "run", base_url=reference_url, env={"CONTRACT_API_TOKEN": TOKEN, **NO_CA, "SSL_CERT_FILE": str(missing)})
    assert run.returncode == 4, run.output
    assert error_lines(run.output) == [
        f"ERROR: SSL_CERT_FILE names '{missing}', which does not exist: give the path of your CA bundle, or unset it"
    ]
