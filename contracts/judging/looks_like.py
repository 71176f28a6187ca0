"""What a member name or a string value looks like: a credential, a date, a uuid, an address.

Evidence of what a service sends keeps values only where they cannot be secrets, and proposes a `format` only
where every value has one. Both are judgements about target text, read here apart from the bookkeeping
(`evidence.py`): a name read as words (`apiToken` names a credential, `authorId` does not), a value by its
shape and entropy (a JWT, `Bearer …`, a known key prefix, a long random run), and the formats through the gate's
own checkers, made strict where the gate's are lax.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from jsonschema import Draft202012Validator

from contracts.judging import schemas

FORMATS = ("date", "date-time", "uuid", "email", "uri")  # the formats a string is checked for, most specific first
LONGEST_FORMATTED = 2048  # no value of these formats is longer (a URI beyond this is not one a client should get)
TYPE_ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")

_TYPE_CHECKER = Draft202012Validator.TYPE_CHECKER


# -- what looks like a credential -------------------------------------------------------------------

# Words of a member name that say its value is a credential, read as words (`authorId` is not `auth`).
_CREDENTIAL_WORDS = frozenset(
    {
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "credential",
        "credentials",
        "apikey",
        "auth",
        "authorization",
        "cookie",
        "session",
        "sessionid",
        "signature",
        "sig",
        "jwt",
        "bearer",
        "otp",
        "key",
    }
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SCHEME = re.compile(r"^\s*(?:bearer|basic|digest|token)\s+\S", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_KNOWN_PREFIXES = re.compile(r"(?:^|\W)(?:(?:sk|pk|rk)_(?:live|test)_|gh[pousr]_|xox[abprs]-|AKIA[0-9A-Z]{12}|AIza[0-9A-Za-z_-]{12})")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/=_~.-]{20,}")
_MIN_ENTROPY = 3.2  # bits a character: random base64 or hex is above it, words and dotted domain names below


def credential_name(name: str) -> bool:
    """Whether a member name says its value is a credential (`apiToken`, `client_secret`, `X-Session-Id`)."""
    words = [word.lower() for word in _WORD.findall(name)]
    joined = "".join(words)
    return any(word in _CREDENTIAL_WORDS for word in words) or any(
        part in joined for part in ("apikey", "accesskey", "privatekey", "clientsecret")
    )


def credential_value(text: str) -> bool:
    """Whether a string looks like a credential: an authorization scheme and token, a JWT, a known key prefix,
    or a run of 20+ token characters mixing letters and digits with high entropy (random keys, digests)."""
    if _SCHEME.search(text) or _JWT.search(text) or _KNOWN_PREFIXES.search(text):
        return True
    return any(_random(run) for run in _TOKEN_RUN.findall(text))


def _random(run: str) -> bool:
    if not (any(ch.isdigit() for ch in run) and any(ch.isalpha() for ch in run)):
        return False
    counts = Counter(run)
    entropy = -sum(n / len(run) * math.log2(n / len(run)) for n in counts.values())
    return entropy >= _MIN_ENTROPY


# -- formats ----------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s:]+@[^@\s]+\.[^@\s.]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*|(?:urn|mailto|tel):[^\s]+")


def format_checks() -> dict[str, Callable[[str], bool]]:
    """The gate's own checkers (`schemas.format_checker`), so a format proposed from evidence is the one the gate
    enforces. Where the gate is lax or has none, a value must also pass a small strict check: jsonschema's email
    check is only `"@" in value`, and its uri check needs a package the gate does not install."""
    checker = schemas.format_checker()

    def gate(name: str) -> Callable[[str], bool]:
        return (lambda value: checker.conforms(value, name)) if name in checker.checkers else (lambda value: True)

    by_gate = {name: gate(name) for name in FORMATS}
    # Each check first asks what any value of its format has (a length, a character), which most values lack.
    checks = {
        "date": lambda value: len(value) == 10 and by_gate["date"](value),
        "date-time": lambda value: len(value) >= 20 and value[10] in "Tt" and by_gate["date-time"](value),
        "uuid": lambda value: len(value) == 36 and by_gate["uuid"](value),
        "email": lambda value: "@" in value and _EMAIL.fullmatch(value) is not None and by_gate["email"](value),
        "uri": lambda value: ":" in value and _URI.fullmatch(value) is not None and by_gate["uri"](value),
    }
    return {name: check for name, check in checks.items() if name in ("email", "uri") or name in checker.checkers}


# -- JSON types -------------------------------------------------------------------------------------

_EXACT_TYPES: dict[type, str] = {str: "string", bool: "boolean", int: "integer", dict: "object", list: "array", type(None): "null"}


def json_type(value: object) -> str:
    """The JSON Schema type of a parsed value, as jsonschema's type checker says (1.0 is an integer, `true` is no
    number); the types a JSON parser returns are looked up directly, which is most of the cost of observing."""
    exact = _EXACT_TYPES.get(type(value))
    if exact is not None:
        return exact
    if type(value) is float:
        return "integer" if value.is_integer() else "number"  # type: ignore[attr-defined]
    return next(name for name in TYPE_ORDER if _TYPE_CHECKER.is_type(value, name))
