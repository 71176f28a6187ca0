"""Configuration: every bad setting is refused with a message that names the fix."""

import re

import pytest

from contracts.core.credentials import ConfigError, Credentials, credentials_from_env
from contracts.settings.config import check_base_url, check_max_body, check_strict_fields, check_timeout, resolve_settings

TOKEN_ENV = {"CONTRACT_API_TOKEN": "tok-123456789"}


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "ftp://example.com",
        "http://",
        "example.com",
        "https://:8080",
        "http://host:99999",
        "https://user:pw@example.com",
        "https://example.com/?q=1",
    ],
)
def test_malformed_base_urls_are_refused(url):
    with pytest.raises(ConfigError, match="base URL"):
        check_base_url(url)


def test_credentials_in_the_url_are_not_echoed():
    with pytest.raises(ConfigError) as refused:
        check_base_url("https://user:hunter2@example.com")
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "url, expected",
    [("https://staging.example.com/", "https://staging.example.com"), ("http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1")],
)
def test_good_base_urls_are_normalised(url, expected):
    assert check_base_url(url) == expected


@pytest.mark.parametrize(
    "url, drop_to",
    [
        ("https://staging.example.com/account/organization", "https://staging.example.com"),
        ("https://staging.example.com/account/organization/", "https://staging.example.com"),
        ("http://127.0.0.1:8080/api/v1/account/organization", "http://127.0.0.1:8080/api/v1"),
    ],
)
def test_a_base_url_ending_with_the_operation_is_refused_naming_the_part_to_drop(url, drop_to):
    with pytest.raises(ConfigError) as refused:
        check_base_url(url)
    assert str(refused.value) == (
        f"base URL {url!r} ends with the operation's path: drop /account/organization (give {drop_to}); the path is added to it"
    )


def test_a_path_that_only_resembles_the_operation_is_a_prefix_like_any_other():
    assert check_base_url("https://example.com/account/organizations") == "https://example.com/account/organizations"


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", ""])
def test_timeouts_must_be_positive_numbers(value):
    with pytest.raises(ConfigError, match="--request-timeout"):
        check_timeout(value)


def test_timeout_accepts_fractions():
    assert check_timeout("2.5") == 2.5


def test_timeout_is_at_most_600_seconds_per_exchange():
    assert check_timeout("600") == 600
    with pytest.raises(ConfigError, match=r"--request-timeout '600.5' is above the limit of 600 seconds per exchange: give at most 600"):
        check_timeout("600.5")


@pytest.mark.parametrize(
    "value, size",
    [("1048576", 1048576), ("10MiB", 10 * 1024**2), ("512 KiB", 512 * 1024), ("2mb", 2_000_000), ("1GiB", 1024**3), (4096, 4096)],
)
def test_max_body_takes_bytes_with_an_optional_unit(value, size):
    assert check_max_body(value) == size


@pytest.mark.parametrize("value", ["0", "-1", "1.5MiB", "ten", "10 MiBs", "", "٣"])
def test_max_body_refuses_what_is_not_a_positive_size(value):
    with pytest.raises(ConfigError, match=r"--max-body .* is not a positive size in bytes: give e.g. --max-body 10MiB"):
        check_max_body(value)


def test_max_body_is_at_most_1_gib():
    with pytest.raises(ConfigError, match="above the limit of 1 GiB"):
        check_max_body("2GiB")


def test_settings_carry_the_body_cap():
    assert resolve_settings(base_url=None, env={}).max_body == 10 * 1024**2
    assert resolve_settings(base_url=None, max_body="1KiB", env={}).max_body == 1024


@pytest.mark.parametrize(
    "value, kinds",
    [
        (None, set()),
        ("all", {"organization", "error"}),
        ("organization", {"organization"}),
        ("organization,error", {"organization", "error"}),
    ],
)
def test_strict_fields_kinds(value, kinds):
    assert check_strict_fields(value) == kinds


@pytest.mark.parametrize("value", ["orgs", "organization,bogus", ""])
def test_unknown_strict_fields_kinds_are_refused(value):
    with pytest.raises(ConfigError, match="--strict-fields"):
        check_strict_fields(value)


def test_bearer_from_environment():
    credentials = credentials_from_env(TOKEN_ENV)
    assert credentials.authorization() == "Bearer tok-123456789"


def test_basic_from_environment():
    credentials = credentials_from_env({"CONTRACT_CLIENT_ID": "id", "CONTRACT_CLIENT_SECRET": "s3cret-pw"})
    assert credentials.authorization() == "Basic aWQ6czNjcmV0LXB3"
    assert credentials.secret_values() == ["s3cret-pw", "aWQ6czNjcmV0LXB3"]  # the secret, and the credential as sent


@pytest.mark.parametrize(
    "env, fix",
    [
        ({"CONTRACT_CLIENT_ID": "id"}, "CONTRACT_CLIENT_SECRET is not set"),
        ({"CONTRACT_CLIENT_SECRET": "s"}, "CONTRACT_CLIENT_ID is not set"),
        ({"CONTRACT_API_TOKEN": "t", "CONTRACT_CLIENT_ID": "id", "CONTRACT_CLIENT_SECRET": "s"}, "not both"),
    ],
)
def test_incomplete_or_ambiguous_credentials_are_refused(env, fix):
    with pytest.raises(ConfigError, match=fix):
        credentials_from_env(env)


def test_secrets_are_not_in_repr():
    assert "hunter2" not in repr(Credentials.bearer("hunter2")) + repr(Credentials.basic("id", "hunter2"))


def test_wrong_credentials_keep_the_scheme_and_differ():
    basic = Credentials.basic("id", "s3cret")
    assert basic.wrong().scheme == "basic" and basic.wrong().client_secret != "s3cret"
    assert Credentials.bearer("t").wrong().token != "t"


def test_no_base_url_means_embedded_server_with_generated_token():
    settings = resolve_settings(base_url=None, env={})
    assert settings.embedded and settings.credentials.token.startswith("ref-")


def test_remote_target_needs_credentials():
    with pytest.raises(ConfigError, match=re.escape("no credentials for https://staging.example.com")):
        resolve_settings(base_url="https://staging.example.com", env={})


def test_an_empty_base_url_is_not_taken_for_none():
    with pytest.raises(ConfigError, match="set but empty"):
        resolve_settings(base_url="", env=TOKEN_ENV)


def test_credentials_without_a_base_url_are_refused():
    with pytest.raises(ConfigError, match="no base URL"):
        resolve_settings(base_url=None, env=TOKEN_ENV)


def test_ini_base_url_is_used_when_no_option():
    settings = resolve_settings(base_url=None, ini_base_url="https://ini.example.com", env=TOKEN_ENV)
    assert settings.operation_url == "https://ini.example.com/account/organization"
