"""Scenarios: how to make a real deployment answer a documented status it will not give for `Prefer: code=NNN`.

A TOML file (`--scenarios FILE`, ini `contract_scenarios`) with one `[status.NNN]` table per status:

    [status.402]
    credentials = { token_env = "STAGING_OVERCAP_TOKEN" }   # or client_id_env + client_secret_env
    [status.400]
    query = { limit = "-1" }
    headers = { "X-Force-Error" = "validation" }

Only 400, 402, 500 and 502 take a scenario: the configured credentials provoke 200, and missing or wrong
ones provoke 401, on any deployment. Credentials are named by environment variable and read at start-up;
the file never holds a secret. Every mistake is a `ConfigError` naming the file, the status and the key.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from contracts.core.contract import CONTRACT, PROVOKED_STATUSES
from contracts.core.credentials import ConfigError, Credentials, check_secret

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KEYS = ("headers", "query", "credentials")
CREDENTIAL_FORMS = (("token_env",), ("client_id_env", "client_secret_env"))
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token


@dataclass(frozen=True)
class Scenario:
    """The request that provokes one status: extra headers, query parameters, other credentials."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    credentials: Credentials | None = field(default=None, repr=False)
    credential_source: str = ""  # the environment variable(s) the credentials came from, for messages

    def describe(self) -> str:
        """What the scenario sends, without any secret: `the 402 scenario (credentials from $STAGING_OVERCAP_TOKEN)`."""
        parts = []
        if self.headers:
            parts.append("headers " + ", ".join(self.headers))
        if self.query:
            parts.append("query " + urlencode(self.query))
        if self.credentials is not None:
            parts.append(f"credentials from {self.credential_source}")
        return f"the {self.status} scenario ({'; '.join(parts)})"


def load_scenarios(path: str | Path, env: Mapping[str, str] | None = None) -> dict[int, Scenario]:
    """Every scenario in the file, checked; credentials read from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"--scenarios {where}: cannot read the file ({reason}): give the path of a TOML scenarios file") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--scenarios {where}: not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"status"})
    if unknown:
        raise ConfigError(f"--scenarios {where}: unknown top-level key {unknown[0]!r}: only [status.NNN] tables are allowed")
    tables = document.get("status", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"--scenarios {where}: 'status' must be tables such as [status.402]")
    return {scenario.status: scenario for scenario in (_scenario(where, name, table, env) for name, table in tables.items())}


def _scenario(where: str, name: str, table: object, env: Mapping[str, str]) -> Scenario:
    status = _status(where, name)
    at = f"--scenarios {where}: [status.{status}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{at} must be a table of {', '.join(KEYS)}")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{at}: unknown key {unknown[0]!r}: use {', '.join(KEYS)}")
    if not table:
        raise ConfigError(f"{at} is empty: give headers, query and/or credentials, or remove it to keep 'Prefer: code={status}'")
    headers = _strings(at, "headers", table.get("headers", {}))
    for header in headers:
        if not _HEADER_NAME.match(header):
            raise ConfigError(f"{at}: headers: {header!r} is not a valid header name")
        if header.lower() == "authorization":
            raise ConfigError(f'{at}: headers: no Authorization header in the file: use credentials = {{ token_env = "VARIABLE" }}')
    for header, value in headers.items():
        if any(ch in value for ch in "\r\n\0"):
            raise ConfigError(f"{at}: headers.{header}: a header value cannot hold a line break or NUL")
    query = _strings(at, "query", table.get("query", {}))
    credentials, source = _credentials(at, table["credentials"], env) if "credentials" in table else (None, "")
    return Scenario(status, headers, query, credentials, source)


def _status(where: str, name: str) -> int:
    allowed = ", ".join(map(str, PROVOKED_STATUSES))
    if not name.isdigit() or int(name) not in CONTRACT:
        raise ConfigError(f"--scenarios {where}: [status.{name}] is not a status the reference documents: use one of {allowed}")
    status = int(name)
    if status not in PROVOKED_STATUSES:
        how = "the configured credentials provoke it" if status == 200 else "missing and wrong credentials provoke it"
        raise ConfigError(f"--scenarios {where}: [status.{status}] takes no scenario ({how}): use one of {allowed}")
    return status


def _strings(at: str, key: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f'{at}: {key} must be a table of strings, e.g. {key} = {{ name = "value" }}')
    for name, item in value.items():
        if not isinstance(item, str):
            raise ConfigError(f'{at}: {key}.{name} must be a string (write it in quotes, e.g. "{item}")')
    return dict(value)


def _credentials(at: str, value: object, env: Mapping[str, str]) -> tuple[Credentials, str]:
    forms = " or ".join(" + ".join(form) for form in CREDENTIAL_FORMS)
    if not isinstance(value, dict) or tuple(sorted(value)) not in {tuple(sorted(form)) for form in CREDENTIAL_FORMS}:
        given = ", ".join(sorted(value)) if isinstance(value, dict) else type(value).__name__
        raise ConfigError(f"{at}: credentials must name environment variables with {forms}, not {given or 'nothing'}")
    found = {}
    for key, variable in value.items():
        if not isinstance(variable, str) or not variable:
            raise ConfigError(f"{at}: credentials.{key} must be the name of an environment variable")
        secret = env.get(variable, "").strip()
        if not secret:
            raise ConfigError(f"{at}: credentials.{key}: environment variable {variable} is unset or empty: set it, or remove the scenario")
        found[key] = secret
    if "token_env" in found:
        return Credentials.bearer(check_secret(f"{at}: ${value['token_env']}", found["token_env"])), f"${value['token_env']}"
    secret = check_secret(f"{at}: ${value['client_secret_env']}", found["client_secret_env"])
    return Credentials.basic(found["client_id_env"], secret), f"${value['client_id_env']} + ${value['client_secret_env']}"
