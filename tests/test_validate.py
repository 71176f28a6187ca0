"""`python -m contracts validate`, run as a user runs it: exit codes, one line per violation, no tracebacks."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from contracts.transport.server import SAMPLE_ORGANIZATION
from tests.helpers.support import REPO

VALID_ORGANIZATION = json.dumps(SAMPLE_ORGANIZATION)
VALID_ERROR = json.dumps({"trackingId": "t-1", "error": {"code": "usage_limit_exceeded", "message": "Usage limits exceeded."}})


def validate(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "contracts", "validate", *args], cwd=REPO, input=stdin, capture_output=True, timeout=60)


def lines(output: bytes) -> list[str]:
    return output.decode().splitlines()


@pytest.fixture
def write(tmp_path):
    def write_file(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    return write_file


def test_valid_files_exit_0_and_print_no_violation(write):
    done = validate("organization", write("a.json", VALID_ORGANIZATION), write("b.json", VALID_ORGANIZATION))
    assert done.returncode == 0 and done.stdout == b""
    assert "2 organization payloads checked, 0 invalid" in done.stderr.decode()


def test_every_violation_is_one_line_naming_file_path_expectation_and_value(write):
    broken = dict(SAMPLE_ORGANIZATION, anniversaryDate="2026/12/01", messagesCap=True)
    del broken["creator"]
    good, bad = write("good.json", VALID_ORGANIZATION), write("bad.json", json.dumps(broken))
    done = validate("organization", good, bad)
    assert done.returncode == 1
    assert lines(done.stdout) == [
        f'{bad}: $.anniversaryDate: expected ISO date YYYY-MM-DD that exists on the calendar, got "2026/12/01" (string)',
        f"{bad}: $.creator: expected required field, got nothing (field missing)",
        f"{bad}: $.messagesCap: expected number, got true (boolean)",
    ]


@pytest.mark.parametrize(
    "raw, got",
    [
        (b"", "an empty body"),
        (b"   \n", "an empty body"),
        (b'{"organizationId": "o', "a truncated JSON document"),
        (b"<html>Bad Gateway</html>", "invalid JSON"),
        (b"\xff\xfe{}", "undecodable bytes"),
    ],
)
def test_non_json_input_is_an_invalid_payload_not_a_crash(raw, got):
    done = validate("organization", stdin=raw)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    (line,) = lines(done.stdout)
    assert line.startswith("<stdin>: $: expected ") and got in line


def test_non_standard_tokens_are_named_by_their_member():
    body = VALID_ORGANIZATION.replace('"costCap": 250.5', '"costCap": Infinity').replace('"smsCap": 5000', '"smsCap": NaN')
    done = validate("organization", "-", stdin=body.encode())
    assert done.returncode == 1
    assert lines(done.stdout) == [
        "<stdin>: $.costCap: expected standard JSON (RFC 8259), got the non-standard token Infinity",
        "<stdin>: $.smsCap: expected standard JSON (RFC 8259), got the non-standard token NaN",
    ]


def test_error_kind_validates_the_envelope():
    assert validate("error", stdin=VALID_ERROR.encode()).returncode == 0
    done = validate("error", stdin=b'{"trackingId": "t", "error": {"code": "c"}}')
    assert done.returncode == 1
    assert lines(done.stdout) == ["<stdin>: $.error.message: expected required field, got nothing (field missing)"]


def test_jsonl_reports_line_numbers_and_keeps_raw_line_separators_inside_strings(write):
    with_separator = json.dumps(dict(SAMPLE_ORGANIZATION, name="a\u2028b"), ensure_ascii=False)  # U+2028 is legal raw in JSON
    content = "\r\n".join([VALID_ORGANIZATION, with_separator, "", json.dumps(dict(SAMPLE_ORGANIZATION, organizationType="Paid"))]) + "\n"
    path = write("captured.jsonl", content)
    done = validate("organization", "--jsonl", path)
    assert done.returncode == 1
    assert lines(done.stdout) == [
        f"{path}:3: $: expected a JSON document, got an empty body",
        f'{path}:4: $.organizationType: expected one of "free", "paid", got "Paid" (string)',
    ]
    assert "4 organization payloads checked, 2 invalid" in done.stderr.decode()


def test_jsonl_of_valid_lines_exits_0(write):
    assert validate("error", "--jsonl", write("ok.jsonl", VALID_ERROR + "\n" + VALID_ERROR + "\n")).returncode == 0


def test_jsonl_with_no_line_at_all_is_invalid(write):
    path = write("empty.jsonl", b"")
    done = validate("error", "--jsonl", path)
    assert done.returncode == 1 and lines(done.stdout) == [f"{path}: $: expected one JSON document per line, got an empty input"]


def test_an_unreadable_file_is_a_configuration_to_fix_before_any_verdict(write, tmp_path):
    missing = tmp_path / "missing.json"
    done = validate("organization", write("good.json", VALID_ORGANIZATION), str(missing))
    assert done.returncode == 4  # bad configuration: nothing was checked
    assert done.stdout == b"" and lines(done.stderr) == [f"error: cannot read {missing}: No such file or directory"]


def test_directory_is_a_configuration_error(tmp_path):
    done = validate("organization", str(tmp_path))
    assert done.returncode == 4 and lines(done.stderr)[0] == f"error: cannot read {tmp_path}: Is a directory"


def test_without_arguments_only_the_kind_is_said_to_be_missing():
    done = validate()
    assert (
        done.returncode == 4 and lines(done.stderr)[-1] == "python -m contracts validate: error: the following arguments are required: kind"
    )
    assert "[FILE ...]" in done.stderr.decode()  # optional in the usage line: stdin is the default


def test_unknown_kind_is_a_usage_error_ending_in_one_line():
    done = validate("invoice", stdin=VALID_ORGANIZATION.encode())
    assert done.returncode == 4 and b"Traceback" not in done.stderr
    assert "invalid choice: 'invoice'" in lines(done.stderr)[-1]


def test_unknown_option_is_a_usage_error_not_a_file_name(write):
    done = validate("organization", "--jsnl", write("ok.json", VALID_ORGANIZATION))
    assert done.returncode == 4 and lines(done.stderr)[-1] == "python -m contracts validate: error: unrecognized arguments: --jsnl"


def test_a_file_larger_than_the_cap_is_refused_unread_and_the_others_still_checked(write, tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(2 * 1024**3)  # 2 GiB, sparse: refused on its size, never read
    bad = write("bad.json", json.dumps(dict(SAMPLE_ORGANIZATION, messagesCap=True)))
    done = validate("organization", str(huge), bad, write("good.json", VALID_ORGANIZATION))
    assert done.returncode == 1  # a broken payload is the verdict; the unread input is said too
    assert lines(done.stdout) == [f"{bad}: $.messagesCap: expected number, got true (boolean)"]
    errors = [line for line in lines(done.stderr) if line.startswith("error:")]
    assert errors == [f"error: {huge} is larger than 10 MiB, not checked: raise --max-body to check it"]
    assert "2 organization payloads checked, 1 invalid, 1 input not read" in done.stderr.decode()
    unread = validate("organization", str(huge), write("good.json", VALID_ORGANIZATION))
    assert unread.returncode == 65 and lines(unread.stderr)[-1].startswith("verdict: NOT VERIFIED (exit 65")


def test_stdin_is_read_up_to_the_cap(write):
    done = validate("organization", "--max-body", "1KiB", stdin=b" " * 1025)
    assert done.returncode == 65 and "error: <stdin> is larger than 1 KiB, not checked" in done.stderr.decode()
    assert validate("organization", "--max-body", "1KiB", stdin=VALID_ORGANIZATION.encode()).returncode == 0


def test_a_nonsense_cap_is_a_usage_error():
    done = validate("organization", "--max-body", "lots", stdin=VALID_ORGANIZATION.encode())
    assert done.returncode == 4 and lines(done.stderr) == [
        "error: --max-body 'lots' is not a positive size in bytes: give e.g. --max-body 10MiB, 512KiB or 1048576"
    ]


# -- in a CI runner's surroundings: a console's encoding, a reader that goes away, signals ------------------------


@pytest.mark.parametrize("encoding, shown", [("ascii", '"12\\u20ac \\u2713"'), ("cp1252", '"12€ \\u2713"')])
def test_a_console_that_cannot_show_a_character_gets_it_escaped(write, encoding, shown):
    path = write("odd.json", json.dumps(dict(SAMPLE_ORGANIZATION, costCap="12€ ✓"), ensure_ascii=False))
    done = subprocess.run(
        [sys.executable, "-m", "contracts", "validate", "organization", path],
        cwd=REPO,
        env={**os.environ, "PYTHONIOENCODING": encoding},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr  # payload invalid, not a crash (which would exit 1 too)
    assert done.stdout.decode(encoding) == f"{path}: $.costCap: expected number, got {shown} (string)\n"
    err = done.stderr.decode(encoding)
    assert "Traceback" not in err and err.splitlines()[-1] == "verdict: FAILED (exit 1: the contract is violated)"


def test_a_reader_that_goes_away_ends_the_output_not_the_run(write):
    path = write("many.jsonl", "".join(json.dumps(dict(SAMPLE_ORGANIZATION, costCap=str(n))) + "\n" for n in range(5_000)))
    shell = f"set -o pipefail; {sys.executable} -m contracts validate organization --jsonl {path} | head -1"
    done = subprocess.run(["bash", "-c", shell], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout == f'{path}:1: $.costCap: expected number, got "0" (string)\n'
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1] == "verdict: FAILED (exit 1: the contract is violated)" and done.returncode == 1


@pytest.mark.parametrize("sent, said", [(signal.SIGTERM, "interrupted by SIGTERM"), (signal.SIGINT, "interrupted by SIGINT (Ctrl-C)")])
def test_a_signal_ends_the_run_with_what_was_checked_and_exit_2(sent, said):
    command = [sys.executable, "-m", "contracts", "validate", "organization", "--jsonl", "-"]
    child = subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        assert child.stdin is not None
        child.stdin.write((VALID_ORGANIZATION + "\n").encode() * 3)
        child.stdin.flush()  # the input stays open: it waits for more
        time.sleep(1.5)
        os.killpg(child.pid, sent)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 2 and out == b""
    said_lines = lines(err)
    assert said_lines[0] == said and said_lines[1].endswith("organization payloads checked, 0 invalid") and len(said_lines) == 3
    assert said_lines[2] == "verdict: INTERRUPTED (exit 2: interrupted before the end: what ran so far is shown)"


def test_jsonl_holds_each_line_to_the_cap_and_checks_the_others(write):
    """A line longer than --max-body is refused with its number, wherever it stands; the lines after it are checked."""
    padded = json.dumps(dict(SAMPLE_ORGANIZATION, note="x" * 2000))
    content = "\n".join([VALID_ORGANIZATION, padded, VALID_ORGANIZATION, json.dumps(dict(SAMPLE_ORGANIZATION, costCap="12"))]) + "\n"
    path = write("capped.jsonl", content)
    done = validate("organization", "--jsonl", "--max-body", "1KiB", path)
    assert done.returncode == 1 and lines(done.stdout) == [f'{path}:4: $.costCap: expected number, got "12" (string)']
    errors = [line for line in lines(done.stderr) if line.startswith("error:")]
    assert errors == [f"error: {path}:2 is larger than 1 KiB, not checked: raise --max-body to check it"]
    assert "3 organization payloads checked, 1 invalid, 1 input not read" in done.stderr.decode()


def reference_lines(data: bytes, cap: int) -> list[tuple[str, bytes, bool]]:
    """What `json_lines` must yield, read naively: each LF-ended line (and a last one without), CR dropped, numbered."""
    found = []
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    for number, part in enumerate(parts, start=1):
        line = part.removesuffix(b"\r")
        found.append((f"in:{number}", b"" if len(line) > cap else line, len(line) > cap))
    return found


def test_jsonl_streams_lines_as_a_naive_reading_would_cut_them(monkeypatch):
    """Blocks of any size, lines across blocks, long lines within and across them, CRLF, no final newline."""
    import io
    import random

    from contracts import validate as command

    rng = random.Random(22)
    for _ in range(300):
        cap = rng.choice([1, 5, 16, 64])
        data = b"".join(
            rng.choice([b"x" * rng.randint(0, 2 * cap), b"y" * rng.randint(0, 3 * cap) + b"\r", b""]) + b"\n"
            for _ in range(rng.randint(0, 30))
        )
        data += rng.choice([b"", b"z" * rng.randint(1, 2 * cap)])
        monkeypatch.setattr(command, "_BLOCK", rng.choice([1, 2, 7, 64, 4096]))
        got = [(p.label, p.raw, bool(p.refused)) for p in command.json_lines("in", io.BytesIO(data), cap) if not p.empty_input]
        assert got == reference_lines(data, cap) if data else got == [], (data, cap)


def test_jsonl_from_a_pipe_judges_each_line_as_it_comes_not_when_a_block_fills():
    """`tail -f capture | validate --jsonl -`: a line's verdict is out while the input stays open."""
    command = [sys.executable, "-m", "contracts", "validate", "organization", "--jsonl", "-"]
    child = subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write((json.dumps(dict(SAMPLE_ORGANIZATION, costCap="12")) + "\n").encode())
        child.stdin.flush()  # one short line, and the input stays open
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "no verdict while the input is open: the line waits for a block to fill"
        assert child.stdout.readline().decode() == '<stdin>:1: $.costCap: expected number, got "12" (string)\n'
        child.communicate(timeout=30)  # the input ends
        assert child.returncode == 1
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
