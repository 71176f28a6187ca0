"""Credentials: what they are (bearer token, or HTTP Basic id and secret), where they come from (the environment,
never the command line), and `ConfigError`, the one error for a setting a run cannot start with."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from contracts.core.wording import counted

TOKEN_ENV = "CONTRACT_API_TOKEN"


CLIENT_ID_ENV = "CONTRACT_CLIENT_ID"


CLIENT_SECRET_ENV = "CONTRACT_CLIENT_SECRET"


# Secrets are masked by value in every output; a shorter one would also mask unrelated text ("test" in "tests").
MIN_SECRET_LENGTH = 8


class ConfigError(ValueError):
    """A setting the run cannot start with; the message says what to fix."""


@dataclass(frozen=True)
class Credentials:
    """Bearer token, or HTTP Basic client id + secret. `repr` never shows the secret."""

    scheme: str  # "bearer" | "basic"
    token: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)

    @classmethod
    def bearer(cls, token: str) -> Credentials:
        return cls("bearer", token=token)

    @classmethod
    def basic(cls, client_id: str, client_secret: str) -> Credentials:
        return cls("basic", client_id=client_id, client_secret=client_secret)

    @classmethod
    def generated(cls) -> Credentials:
        return cls.bearer("ref-" + secrets.token_urlsafe(24))

    def authorization(self) -> str:
        """The `Authorization` header value."""
        if self.scheme == "bearer":
            return f"Bearer {self.token}"
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def wrong(self) -> Credentials:
        """Credentials of the same scheme that the target must refuse."""
        bogus = "wrong-" + secrets.token_hex(12)
        return Credentials.bearer(bogus) if self.scheme == "bearer" else Credentials.basic(self.client_id, bogus)

    def secret_values(self) -> list[str]:
        """The secret itself and the credential as sent on the wire (for Basic, the base64 of `id:secret`): each a
        secret in its own right, whose every encoded form `redaction.Redactor` masks (a base64 of that base64 too)."""
        if self.scheme == "bearer":
            return [self.token] if self.token else []
        wire = self.authorization().removeprefix("Basic ")
        return [self.client_secret, wire] if self.client_secret else []

    def describe(self) -> str:
        return "bearer token" if self.scheme == "bearer" else f"HTTP Basic for client {self.client_id!r}"

    def environment_names(self) -> str:
        """Where the run's own credentials of this scheme come from: what to check when they are refused."""
        return TOKEN_ENV if self.scheme == "bearer" else f"{CLIENT_ID_ENV} + {CLIENT_SECRET_ENV}"


def refused_cause(credentials: Credentials | None) -> str:
    """The cause of a run whose target answers 401 to a plain request with the configured credentials: said in every
    way in, or a stale CI secret reads as a broken deploy. None: this process holds no credentials (a Locust master)."""
    which = f"{credentials.describe()} from {credentials.environment_names()}" if credentials else "from the environment"
    return (
        f"the target refused the configured credentials ({which}) with 401: check that secret (rotated or wrong?); "
        "if it is current, the deployment refuses valid credentials"
    )


def check_secret(name: str, value: str) -> str:
    """A secret long enough to be masked by value without masking unrelated text too."""
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{name} is {counted(len(value), 'character')} long: a secret needs at least {MIN_SECRET_LENGTH}, since it is masked by value "
            "wherever it appears and a shorter one would mask unrelated text too"
        )
    return value


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV, "").strip()
    client_id = env.get(CLIENT_ID_ENV, "").strip()
    client_secret = env.get(CLIENT_SECRET_ENV, "").strip()
    if token and (client_id or client_secret):
        raise ConfigError(f"set either {TOKEN_ENV} or {CLIENT_ID_ENV} + {CLIENT_SECRET_ENV}, not both")
    if token:
        return Credentials.bearer(check_secret(TOKEN_ENV, token))
    if client_id and client_secret:
        return Credentials.basic(client_id, check_secret(CLIENT_SECRET_ENV, client_secret))
    if client_id or client_secret:
        missing = CLIENT_SECRET_ENV if client_id else CLIENT_ID_ENV
        raise ConfigError(f"{missing} is not set: HTTP Basic needs both {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}")
    return None
