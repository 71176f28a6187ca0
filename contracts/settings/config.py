"""Run configuration: target URL, credentials (environment only), timeout and body cap, each checked once."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from contracts.core.contract import CONTRACT, OPERATION_PATH
from contracts.core.credentials import CLIENT_ID_ENV, CLIENT_SECRET_ENV, TOKEN_ENV, ConfigError, Credentials, credentials_from_env
from contracts.core.limits import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, MAX_MAX_BODY, MAX_TIMEOUT, format_size
from contracts.settings.scenarios import Scenario

_SIZE_UNITS = {"": 1, "B": 1, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "KB": 1000, "MB": 1000**2, "GB": 1000**3}
STRICT_KINDS = ("organization", "error")
DEFAULT_REQUIRED = "200,401"  # any deployment can be made to answer these


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def hide_userinfo(url: str) -> str:
    """The URL with any `user:password@` replaced, fit to show: a URL is never echoed with credentials."""
    return _USERINFO.sub(r"\1***@", url)


def check_base_url(url: str) -> str:
    """An absolute http(s) URL with a host; returned without a trailing slash."""
    text = url.strip()
    hint = "give an absolute http(s) URL such as https://staging.example.com"
    if _USERINFO.match(text):
        raise ConfigError(
            f"base URL {hide_userinfo(text)!r} carries credentials: remove them and set {TOKEN_ENV} "
            f"or {CLIENT_ID_ENV} + {CLIENT_SECRET_ENV} in the environment"
        )
    if not text or any(ch.isspace() for ch in text):
        raise ConfigError(f"base URL {url!r} is not a URL: {hint}")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ConfigError(f"base URL {url!r} is malformed ({exc}): {hint}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"base URL {url!r} has scheme {parts.scheme or 'none'!r}: {hint}")
    if not parts.hostname:
        raise ConfigError(f"base URL {url!r} has no host: {hint}")
    if parts.query or parts.fragment:
        raise ConfigError(f"base URL {url!r} carries a query or fragment: {hint}")
    base = text.rstrip("/")
    if base.endswith(OPERATION_PATH):  # `/account/organization/account/organization` would get a 404, judged as a violation
        raise ConfigError(
            f"base URL {url!r} ends with the operation's path: drop {OPERATION_PATH} (give {base.removesuffix(OPERATION_PATH)}); "
            "the path is added to it"
        )
    return base


# A private certificate authority, named by requests' variables or by OpenSSL's (what many corporate machines set, and
# what requests alone ignores); the first one set is used.
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def ca_bundle(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(variable, path) of the CA bundle (or folder of certificates) to trust beside the default ones, if any is set."""
    env = os.environ if env is None else env
    for name in CA_VARIABLES:
        path = env.get(name, "").strip()
        if path:
            return name, path
    return None


def check_ca_bundle(env: Mapping[str, str] | None = None) -> None:
    found = ca_bundle(env)
    if found is not None and not os.path.exists(found[1]):
        raise ConfigError(f"{found[0]} names {found[1]!r}, which does not exist: give the path of your CA bundle, or unset it")


def check_timeout(value: str | float) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"--request-timeout {value!r} is not a positive number of seconds (e.g. --request-timeout 10)")
    if seconds > MAX_TIMEOUT:
        raise ConfigError(
            f"--request-timeout {value!r} is above the limit of {MAX_TIMEOUT:g} seconds per exchange: give at most {MAX_TIMEOUT:g}"
        )
    return seconds


def check_max_body(value: object, *, option: str = "--max-body") -> int:
    """A byte count such as `10485760`, `10MiB` or `512 KiB` (also kB/MB/GB, powers of 1000), at most 1 GiB."""
    match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", str(value), re.ASCII)
    unit = match.group(2).upper() if match else ""
    if match is None or unit not in _SIZE_UNITS or int(match.group(1)) == 0:
        raise ConfigError(f"{option} {value!r} is not a positive size in bytes: give e.g. {option} 10MiB, 512KiB or 1048576")
    size = int(match.group(1)) * _SIZE_UNITS[unit]
    if size > MAX_MAX_BODY:
        raise ConfigError(f"{option} {value!r} is above the limit of {format_size(MAX_MAX_BODY)}: bodies are held in memory")
    return size


def check_strict_fields(value: str | None) -> frozenset[str]:
    """`--strict-fields` alone means every kind; `--strict-fields=organization,error` names them."""
    if value is None:
        return frozenset()
    names = {name.strip() for name in value.split(",")}
    if value == "all":
        return frozenset(STRICT_KINDS)
    unknown = sorted(names - set(STRICT_KINDS))
    if unknown or not names:
        raise ConfigError(
            f"--strict-fields {value!r} names unknown kind(s) {', '.join(unknown) or '(none)'}: "
            f"use --strict-fields alone or --strict-fields={','.join(STRICT_KINDS)} (a bare --strict-fields takes the next word as its value)"
        )
    return frozenset(names)


def check_require(value: str, *, option: str = "--require") -> frozenset[int]:
    """`--require 200,401,402` (or `--status 402`): a comma list of documented statuses."""
    names = [name.strip() for name in value.split(",")]
    documented = ",".join(map(str, CONTRACT))
    wrong = [name for name in names if not (name.isdigit() and int(name) in CONTRACT)]
    if wrong or not value.strip():
        raise ConfigError(
            f"{option} {value!r} names {'no status' if not value.strip() else 'undocumented status(es) ' + ', '.join(wrong)}: "
            f"give a comma list of documented statuses ({documented}), e.g. {option} {DEFAULT_REQUIRED}"
        )
    return frozenset(int(name) for name in names)


@dataclass(frozen=True)
class Settings:
    base_url: str  # the target, embedded or remote, without trailing slash
    credentials: Credentials
    timeout: float = DEFAULT_TIMEOUT  # wall-clock deadline of each whole exchange (connect, headers, body)
    strict_fields: frozenset[str] = frozenset()
    embedded: bool = False
    scenarios: Mapping[int, Scenario] = field(default_factory=dict)  # how to provoke a status; else `Prefer: code=NNN`
    required: frozenset[int] = frozenset((200, 401))  # statuses a run must verify to pass
    max_body: int = DEFAULT_MAX_BODY  # decoded bytes of a body read at most
    only_statuses: frozenset[int] = frozenset()  # `--status`: run only the tests of these statuses (empty: all)

    @property
    def operation_url(self) -> str:
        return self.base_url + OPERATION_PATH

    def every_credentials(self) -> list[Credentials]:
        """The configured credentials and those of every scenario: all of them secrets to mask."""
        return [self.credentials, *(s.credentials for s in self.scenarios.values() if s.credentials is not None)]


def resolve_settings(
    *,
    base_url: str | None,
    ini_base_url: str = "",
    timeout: str | float | None = None,
    strict_fields: str | None = None,
    max_body: str | int | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Every setting checked up front. `base_url` is the option's value (CLI, else PYTEST_BASE_URL):
    None when neither is set, "" when one is set but empty."""
    seconds = check_timeout(DEFAULT_TIMEOUT if timeout is None else timeout)
    strict = check_strict_fields(strict_fields)
    cap = DEFAULT_MAX_BODY if max_body is None else check_max_body(max_body)
    if base_url is not None and not base_url.strip():
        # An empty secret in CI must not silently turn a staging gate into a run against the embedded server.
        raise ConfigError(
            "the base URL is set but empty (--base-url or PYTEST_BASE_URL): give the target's URL, or unset it to use the embedded reference server"
        )
    raw_url = base_url or ini_base_url or None
    credentials = credentials_from_env(env)
    if raw_url is None:
        if credentials is not None:
            raise ConfigError(
                f"credentials are set in the environment but no base URL is: give --base-url (or PYTEST_BASE_URL), "
                f"or unset {TOKEN_ENV}/{CLIENT_ID_ENV}/{CLIENT_SECRET_ENV} to run against the embedded reference server"
            )
        # The embedded reference server gets a token of its own.
        return Settings("", Credentials.generated(), seconds, strict, embedded=True, max_body=cap)
    url = check_base_url(raw_url)
    check_ca_bundle(env)
    if credentials is None:
        raise ConfigError(
            f"no credentials for {url}: set {TOKEN_ENV} (bearer) or {CLIENT_ID_ENV} + {CLIENT_SECRET_ENV} (HTTP Basic) in the environment"
        )
    return Settings(url, credentials, seconds, strict, max_body=cap)
