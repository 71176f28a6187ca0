"""The quick reading of a JSON Lines capture line (`plain_lines.plain_line`, msgspec) reads a line as the full reader
(`captures.recorded`) does, or leaves it to that reader: a line it reads gets the same status, content type, body,
reason, credentials and operation; a line in no common form, or not JSON at all, is never a crash."""

from __future__ import annotations

import json
import random

import pytest

from contracts.transport.captures import Chunk, _from_json_line, recorded
from contracts.transport.plain_lines import plain_line


def full_reading(line: bytes) -> tuple:
    """What the full reader makes of a line, in `plain_line`'s shape."""
    entry = _from_json_line("capture.jsonl#1", line)
    return entry.status, entry.content_type, entry.body, entry.reason, entry.secrets, entry.operation


LINES = [
    b'{"status": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}',
    b'{"status": 200, "body": ""}',
    b'{"status": 200, "body": "", "headers": null, "request_headers": null}',
    b'{"status": 402, "reason": "Payment Required", "body": "x", "method": "GET", "url": "https://api.example.com/account/organization"}',
    b'{"status": 200, "body": "x", "method": "POST", "url": "/v1/messages"}',
    b'{"status": 200, "body": "x", "reason": null}',
    b'{"status": 200, "body": "x", "request_headers": {"Authorization": "Bearer abcdefghijkl", "Cookie": "s=0123456789"}}',
    b'{"status": 200, "body": "x", "headers": {"Set-Cookie": "sid=abcdefghijkl; Path=/", "content-type": "text/plain"}}',
    b'{"status": 200, "body": "x", "status": 500}',
    b'{"status": 200, "body": "caf\\u00e9 \\ud83d\\ude00"}\r',
    b'  {"status": 999, "body": "x"}  ',
]
NOT_COMMON = [
    b'{"status": NaN, "body": "x"}',
    b'{"status": Infinity, "body": "x"}',
    b'{"status": -Infinity, "body": "x"}',
    b'{"status": 1e400, "body": "x"}',
    b'{"status": 200.0, "body": "x"}',
    b'{"status": true, "body": "x"}',
    b'{"status": "200", "body": "x"}',
    b'{"status": 0, "body": "x"}',
    b'{"status": 1000, "body": "x"}',
    b'{"status": 200}',
    b'{"status": 200, "body": null}',
    b'{"status": 200, "body": 5}',
    b'{"status": 200, "body_base64": "eA=="}',
    b'{"status": 200, "body": "x", "id": 7}',
    b'{"status": 200, "body": "x", "headers": [["a", "b"]]}',
    b'{"status": 200, "body": "x", "headers": {"a": 1}}',
    b'{"status": 200, "body": "x", "method": null}',
    b'{"status": 200, "body": "x", "url": "/account/organization?key=secret123"}',
    b'{"status": 200, "body": "x", "url": "https://user:pw@host/account/organization"}',
    b'{"status": 200, "body": "x", "url": "/account/organization#frag"}',
    b'{"status": 200, "body": "x", "reason": 5}',
    b'{"status": 200, "body": "\\ud800"}',
    b'{"status": 200, "body": "\xff"}',
    b'[{"status": 200, "body": "x"}]',
    b"",
    b"   ",
    b'{"status": 200, "body": "x"',
]


@pytest.mark.parametrize("line", LINES + NOT_COMMON)
def test_a_line_read_quickly_reads_as_the_full_reader_reads_it(line):
    reading = plain_line(line)
    assert (reading is None) == (line in NOT_COMMON)
    if reading is not None:
        assert reading == full_reading(line)


def test_a_status_of_nan_or_infinity_is_never_a_crash_in_the_quick_reading():
    for token in (b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1"):
        assert plain_line(b'{"status": ' + token + b', "body": "x"}') is None


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_status_of_nan_or_infinity_is_an_unreadable_line_for_the_full_reader(token):
    """The json.loads fallback accepts these tokens; the status reading refuses them rather than crash on int()."""
    (entry,) = recorded(Chunk("capture.jsonl", 1, lines=f'{{"status": {token}, "body": "x"}}'.encode()))
    assert entry.unreadable == "malformed JSON line: status: expected an HTTP status code"


def test_fuzzed_lines_read_quickly_read_as_the_full_reader_reads_them():
    rng = random.Random(3)
    members: dict[str, list] = {
        "status": [200, 402, 0, 999, 1000, -1, 200.0, True, "200", None, float("nan"), float("inf")],
        "body": ["{}", "", "caf\u00e9", "\ud800", None, 5, ["x"]],
        "headers": [
            None,
            {},
            {"Content-Type": "application/json"},
            {"content-type": "text/plain", "Content-Type": "application/json"},
            {":status": "200"},
            {"Content-Encoding": "gzip"},
            {"Authorization": "Bearer abcdefghijkl"},
            {"a": 1},
            [["a", "b"]],
        ],
        "method": ["GET", "get", "POST", None, 1],
        "url": ["/account/organization", "https://h/account/organization/", "/v1/x", "/a?b=1", "/a#f", "https://u:p@h/a", None],
        "reason": ["OK", "", None, 5, ["x"]],
        "request_headers": [None, {"Cookie": "sid=0123456789"}, {"X-Api-Key": "k"}, {"a": None}],
        "id": [1, "x"],
    }
    read = 0
    for _ in range(4000):
        likely = {"status": 0.95, "body": 0.95, "id": 0.05}
        entry = {name: rng.choice(values) for name, values in members.items() if rng.random() < likely.get(name, 0.3)}
        line = json.dumps(entry).encode("utf-8", "surrogatepass")
        reading = plain_line(line)
        if reading is not None:
            assert reading == full_reading(line), line
            read += 1
    assert read > 120
