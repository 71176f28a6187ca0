"""`python -m contracts replay`: recorded HAR and JSON Lines traffic judged with the gate's checks."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from contracts.__main__ import main
from contracts.replay.cli import replay
from contracts.replay.judge import Options
from contracts.transport import captures
from contracts.transport.server import SAMPLE_ORGANIZATION, envelope
from tests.helpers.support import REPO

ORGANIZATION = json.dumps(SAMPLE_ORGANIZATION)
JSON = {"Content-Type": "application/json"}
BEARER = "tok-Capture-Bearer-91c2f0aa7d"
CLIENT_ID, CLIENT_SECRET = "client-7781", "basic-Secret-55e1b0c9"
COOKIE = "sess-Cookie-3f9d81c2aa"
SET_COOKIE = "sess-SetCookie-a1b2c3d4e5"
API_KEY = "key-XApiKey-0c0ffee1234"
URL_TOKEN = "url-AccessToken-77aa88bb99"
FRAGMENT_TOKEN = "frag-Token-1029384756ab"
URL_PASSWORD = "userinfo-Pw-5647382910"
SECRETS = (BEARER, CLIENT_SECRET, COOKIE, SET_COOKIE, API_KEY, URL_TOKEN, FRAGMENT_TOKEN, URL_PASSWORD)


def organization(**changes: object) -> str:
    return json.dumps(dict(SAMPLE_ORGANIZATION, **changes))


def write_lines(path: Path, entries: list[object]) -> Path:
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in entries), encoding="utf-8")
    return path


def har_entry(url: str, status: int, *, text: str | None = None, encoding: str | None = None, method: str = "GET", **more) -> dict:
    content: dict = {"size": len(text or ""), "mimeType": "application/json"}
    if text is not None:
        content["text"] = text
    if encoding:
        content["encoding"] = encoding
    return {
        "startedDateTime": "2026-11-25T10:00:00.000Z",
        "time": 42.5,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": more.get("request_headers", [{"name": "Accept", "value": "application/json"}]),
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": more.get("reason", ""),
            "httpVersion": "HTTP/1.1",
            "headers": more.get("response_headers", [{"name": "Content-Type", "value": "application/json"}]),
            "cookies": [],
            "content": content,
            "redirectURL": more.get("location", ""),
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 40, "receive": 2.5},
    }


def write_har(path: Path, entries: list[dict], *, indent: int | None = 2) -> Path:
    document = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [], "entries": entries}}
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")
    return path


def run(*args: str | Path, capsys) -> tuple[int, str, str]:
    code = main(["replay", "--jobs", "1", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# -- HAR ----------------------------------------------------------------------------------------

BASE = "https://api.example.com/v1"


def chromium_har(tmp_path: Path) -> Path:
    """Pretty-printed as Chromium's devtools save it: other endpoints, a redirect, a blocked request, a gzip-declared body."""
    gzip_declared = [{"name": "content-type", "value": "application/json"}, {"name": "content-encoding", "value": "gzip"}]
    return write_har(
        tmp_path / "chromium.har",
        [
            har_entry(
                f"{BASE}/static/app.js", 200, text="console.log(1)", response_headers=[{"name": "Content-Type", "value": "text/javascript"}]
            ),
            har_entry(f"{BASE}/org", 302, text="", location=f"{BASE}/account/organization", reason="Found"),
            har_entry(f"{BASE}/account/organization", 200, text=ORGANIZATION, response_headers=gzip_declared),
            har_entry(f"{BASE}/account/organization", 200, text=organization(costCap="12"), reason="OK"),
            har_entry(f"{BASE}/account/organization", 402, text=json.dumps(envelope(402))),
            har_entry(f"{BASE}/account/organization", 0, text=None),  # blocked by the browser: no answer
            har_entry(f"{BASE}/account/organization", 401, text="<html>login</html>", response_headers=[]),
            har_entry(f"{BASE}/account/organization", 200, method="POST", text="{}"),
            har_entry(f"{BASE}/account/organization", 301, text="", location=f"{BASE}/account/organization/", reason="Moved Permanently"),
        ],
    )


def test_a_chromium_har_is_judged_entry_by_entry(tmp_path, capsys):
    code, out, err = run(chromium_har(tmp_path), capsys=capsys)
    har = tmp_path / "chromium.har"
    assert out.splitlines() == [
        f'{har}#4: 200 $.costCap: expected number, got "12" (string)',
        f"{har}#9: 301 HTTP status: expected a status the reference documents (200, 400, 401, 402, 500, 502), got 301 Moved Permanently",
    ]
    assert code == 1
    rows = {line.split()[0]: line.split()[1:4] for line in err.splitlines() if line.strip()[:3].isdigit()}
    assert (
        rows["200"] == ["2", "1", "0"]
        and rows["402"] == ["1", "0", "0"]
        and rows["401"] == ["1", "0", "0"]
        and rows["301"] == ["1", "1", "0"]
    )
    assert "5 exchanges judged, 2 violating; 4 of other operations ignored; 0 unreadable" in err


def test_a_mitmproxy_har_with_base64_bodies_and_raw_gzip(tmp_path, capsys):
    """mitmproxy writes one line, and binary or compressed content as base64."""
    compressed = base64.b64encode(gzip.compress(organization(extraField=1).encode())).decode()
    plain = base64.b64encode(json.dumps(envelope(502)).encode()).decode()
    gzip_headers = [{"name": "Content-Type", "value": "application/json"}, {"name": "Content-Encoding", "value": "gzip"}]
    har = write_har(
        tmp_path / "flows.har",
        [
            har_entry(f"{BASE}/account/organization", 200, text=compressed, encoding="base64", response_headers=gzip_headers),
            har_entry(f"{BASE}/account/organization", 502, text=plain, encoding="base64"),
            har_entry(f"{BASE}/account/organization", 502, text=base64.b64encode(b'{"trackingId": 5}').decode(), encoding="base64"),
        ],
        indent=None,
    )
    code, out, err = run(har, capsys=capsys)
    assert out.splitlines() == [
        f"{har}#3: 502 $.error: expected required field, got nothing (field missing); $.trackingId: expected string, got 5 (number)"
    ]
    assert code == 1
    assert "   200          1          0      1" in err  # judged after decompression, with its drift


def test_a_truncated_har_is_judged_up_to_the_cut_and_says_where(tmp_path, capsys):
    har = write_har(tmp_path / "cut.har", [har_entry(f"{BASE}/account/organization", 200, text=ORGANIZATION)] * 3)
    har.write_text(har.read_text()[:-400])
    code, out, err = run(har, capsys=capsys)
    assert out == ""
    assert f"{har}#3: the HAR document is not valid JSON from here on" in err
    assert "2 exchanges judged, 0 violating" in err and code == 65  # some input could not be read


# -- JSON Lines ---------------------------------------------------------------------------------


def test_every_json_lines_field_form(tmp_path, capsys):
    capture = write_lines(
        tmp_path / "gateway.jsonl",
        [
            {"status": 200, "headers": JSON, "body": ORGANIZATION},  # no method, no url: this operation
            {
                "status": 200,
                "headers": [["Content-Type", "application/json"]],
                "body_base64": base64.b64encode(ORGANIZATION.encode()).decode(),
            },
            {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json; charset=utf-8"}], "body": ORGANIZATION},
            {
                "status": 200,
                "headers": {"Content-Type": ["application/json"]},
                "body": ORGANIZATION,
                "method": "get",
                "url": "/account/organization",
            },
            {
                "status": 402,
                "headers": JSON,
                "body": json.dumps(envelope(402)),
                "reason": "Payment Required",
                "url": f"{BASE}/account/organization?x=1",
            },
            {"status": 500, "body": "upstream timeout"},
            {"status": 401},
            "",
            {"method": "POST", "url": f"{BASE}/account/organization", "status": 200, "headers": JSON, "body": "{}"},
            {"url": f"{BASE}/messages", "status": 200},
            {"status": 200, "headers": JSON},  # the gateway kept no body: status and headers judged only
            {"status": 200, "headers": {"Content-Type": "text/plain"}, "body": ORGANIZATION},
        ],
    )
    capture.write_bytes(capture.read_bytes().replace(b"\n", b"\r\n", 2))  # a gateway on Windows
    code, out, err = run(capture, capsys=capsys)
    assert out.splitlines() == [f'{capture}#12: 200 header Content-Type: expected application/json, got "text/plain"']
    assert "9 exchanges judged, 1 violating; 2 of other operations ignored; 0 unreadable" in err
    assert "1 exchange had no recorded body: judged by status and headers only" in err
    assert code == 1


def test_malformed_lines_are_reported_with_their_position_and_the_rest_judged(tmp_path, capsys):
    capture = write_lines(
        tmp_path / "broken.jsonl",
        [
            "not json",
            [200],
            {"headers": JSON, "body": ORGANIZATION},
            {"status": "ok"},
            {"status": 200, "body": "{}", "body_base64": "e30="},
            {"status": 200, "body_base64": "!!!"},
            {"status": 200, "headers": "Content-Type: application/json"},
            {"status": 200, "headers": JSON, "body": ORGANIZATION},
            '{"status": 200, "headers": {"Content-Type": "application/json"}, "body": "{\\"a\\":',
        ],
    )
    code, out, err = run(capture, capsys=capsys)
    assert out == ""
    for number in (1, 2, 3, 4, 5, 6, 7, 9):
        assert f"{capture}#{number}: malformed JSON line: " in err
    assert f"{capture}#8:" not in err
    assert "1 exchange judged, 0 violating; 0 of other operations ignored; 8 unreadable" in err
    assert code == 65 and "Traceback" not in err


def test_a_line_longer_than_the_limit_is_skipped_and_the_next_still_judged(tmp_path, monkeypatch):
    monkeypatch.setattr(captures, "_BLOCK", 64)
    monkeypatch.setattr(captures, "MAX_LINE", 1000)
    good = {"status": 200, "headers": JSON, "body": ORGANIZATION}
    capture = write_lines(
        tmp_path / "long.jsonl", [good, {"status": 200, "body": "x" * 3000}, good, {"status": 200, "headers": JSON, "body": "[]"}]
    )
    out, err = _Sink(), _Sink()
    verdicts = replay([capture], options=Options(), jobs=1, out=out, err=err)
    assert err.text.splitlines() == [f"{capture}#2: line longer than 1,000 bytes: not judged"]
    assert out.text.splitlines() == [f"{capture}#4: 200 $: expected object, got [] (array)"]
    assert verdicts.exchanges == 3 and verdicts.unreadable_count == 1


class _Sink(io.StringIO):
    @property
    def text(self) -> str:
        return self.getvalue()


def test_several_processes_give_the_same_output_in_capture_order(tmp_path, monkeypatch):
    monkeypatch.setattr(captures, "_BLOCK", 2048)  # many small chunks
    entries: list[object] = []
    for number in range(300):
        body = organization(costCap=str(number)) if number % 7 == 0 else ORGANIZATION
        entries.append("garbage" if number % 50 == 1 else {"status": 200, "headers": JSON, "body": body})
    capture = write_lines(tmp_path / "many.jsonl", entries)
    results = []
    for jobs in (1, 2):
        out, err = _Sink(), _Sink()
        verdicts = replay([capture, capture], options=Options(), jobs=jobs, out=out, err=err)
        results.append((out.text, err.text, verdicts.exchanges, verdicts.violations, verdicts.unreadable_count))
    assert results[0] == results[1]
    assert results[0][2:] == (588, 86, 12)
    assert results[0][0].splitlines()[1] == f'{capture}#8: 200 $.costCap: expected number, got "7" (string)'


def test_strict_fields_make_drift_a_violation(tmp_path, capsys):
    capture = write_lines(tmp_path / "drift.jsonl", [{"status": 200, "headers": JSON, "body": organization(plan="gold")}])
    assert run(capture, capsys=capsys)[0] == 0
    code, out, _ = run(capture, "--strict-fields", capsys=capsys)
    assert (
        code == 1
        and out.strip() == f"{capture}#1: 200 $.plan: expected only documented fields (--strict-fields), got an undocumented field"
    )


def test_an_exchange_of_thousands_of_violations_is_one_line_of_the_first_20(tmp_path, capsys):
    """--strict-fields on a body of 20,000 undocumented members: one line naming 20 and counting the rest, as the gate's
    failure text does; the counts and the one-exchange wording agree."""
    body = json.dumps(dict(SAMPLE_ORGANIZATION, **{f"extra{n:05}": n for n in range(20_000)}))
    capture = write_lines(tmp_path / "wide.jsonl", [{"status": 200, "headers": JSON, "body": body}])
    code, out, err = run(capture, "--strict-fields", "--report", tmp_path / "reports", capsys=capsys)
    assert code == 1 and len(out.splitlines()) == 1 and len(out) < 5_000
    assert out.count("expected only documented fields") == 20 and out.rstrip().endswith("; … and 19,980 more: see the report")
    assert "1 exchange judged, 1 violating" in err
    junit = (tmp_path / "reports" / "junit.xml").read_text()
    assert 'name="status 200: 1 exchange"' in junit and "1 of 1 exchange violates the contract" in junit


def test_a_status_only_answer_may_carry_any_body(tmp_path, capsys):
    capture = write_lines(
        tmp_path / "status-only.jsonl",
        [{"status": 401, "headers": {"Content-Type": "text/html"}, "body": "<h1>no</h1>"}, {"status": 500, "body": "{"}],
    )
    code, out, err = run(capture, capsys=capsys)
    assert (code, out) == (0, "")
    assert "2 exchanges judged, 0 violating" in err


def test_no_exchange_of_this_operation_is_not_a_pass(tmp_path, capsys):
    capture = write_lines(tmp_path / "other.jsonl", [{"url": f"{BASE}/messages", "status": 200}])
    code, _, err = run(capture, capsys=capsys)
    assert code == 5 and "0 exchanges judged" in err


# -- secrets ------------------------------------------------------------------------------------


def secret_capture(tmp_path: Path) -> Path:
    basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    url = f"https://user:{URL_PASSWORD}@api.example.com/account/organization?access_token={URL_TOKEN}&page=1#id_token={FRAGMENT_TOKEN}"
    request_headers = [
        {"name": "Authorization", "value": f"Bearer {BEARER}"},
        {"name": "Cookie", "value": f"theme=dark; sid={COOKIE}"},
        {"name": "X-Api-Key", "value": API_KEY},
    ]
    response_headers = [
        {"name": "Content-Type", "value": "application/json"},
        {"name": "Set-Cookie", "value": f"sid={SET_COOKIE}; HttpOnly"},
    ]
    echoed = organization(name=f"Bearer {BEARER}", creator=quote(COOKIE), costCap=API_KEY, messagesCap=f"{URL_TOKEN} {SET_COOKIE}")
    return write_har(
        tmp_path / "secrets.har",
        [
            har_entry(url, 200, text=echoed, request_headers=request_headers, response_headers=response_headers),
            har_entry(f"{BASE}/account/organization", 200, text=ORGANIZATION, request_headers=[{"name": "Authorization", "value": basic}]),
            # A body echoing another exchange's secrets: masked by value across the capture.
            har_entry(f"{BASE}/account/organization", 402, text=json.dumps({"trackingId": FRAGMENT_TOKEN, "error": CLIENT_SECRET})),
        ],
    )


def test_secrets_in_headers_and_urls_are_absent_from_every_output(tmp_path):
    capture = secret_capture(tmp_path)
    before = hashlib.sha256(capture.read_bytes()).hexdigest()
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "contracts", "replay", str(capture), "--report", str(reports), "--jobs", "2"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stderr
    assert "$.costCap: expected number, got " in done.stdout  # the echoes were reported, masked
    files = {p.relative_to(reports).as_posix(): p.read_text(encoding="utf-8") for p in reports.rglob("*") if p.is_file()}
    outputs = {"stdout": done.stdout, "stderr": done.stderr} | files
    kept = [name for name in outputs if name.startswith("history/")]
    assert set(outputs) - set(kept) == {"stdout", "stderr", "report.html", "junit.xml", "summary.json"} and len(kept) == 1
    for name, text in outputs.items():
        for secret in SECRETS:
            for form in (secret, quote(secret, safe=""), json.dumps(secret)[1:-1], base64.b64encode(secret.encode()).decode()):
                assert form not in text, f"{name} shows {secret} as {form!r}"
    assert "api.example.com/account/organization?access_token=***REDACTED***" in outputs["report.html"]
    assert hashlib.sha256(capture.read_bytes()).hexdigest() == before  # the capture is never modified


def test_reports_in_the_gate_formats(tmp_path, capsys):
    code, _, _ = run(chromium_har(tmp_path), "--report", tmp_path / "out", capsys=capsys)
    assert code == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["exit_status"] == 1 and summary["counts"]["failed"] == 2 and summary["counts"]["passed"] == 3
    assert summary["statuses"]["200"]["verdict"] == "failed" and summary["statuses"]["402"]["verdict"] == "passed"
    for absent in ("400", "500"):  # no exchange of theirs in the capture: nothing verified, and said why
        assert summary["statuses"][absent]["coverage"] == "not seen", summary["statuses"][absent]
        assert summary["statuses"][absent]["reasons"] == ["no exchange with this status in the captures"]
    assert summary["statuses"]["200"]["coverage"] == "verified"
    # The verdict of a status says how many, where, and the first; every exchange shown is further down the page.
    har = tmp_path / "chromium.har"
    assert summary["statuses"]["200"]["reasons"] == [
        f'2 recorded exchanges: 1 of 2 exchanges violate, at $.costCap (1); the first: {har}#4: $.costCap: expected number, got "12" (string)'
    ]
    assert summary["replay"]["per_status"]["301"] == {"exchanges": 1, "violating": 1, "drift": 0}
    page = (tmp_path / "out" / "report.html").read_text()
    assert page.index("chromium.har#4") < page.index("chromium.har#3")  # violating exchanges first
    banner = page.index('class="verdict"')  # the gate's banner opens the page, before the status table
    assert banner < page.index('class="per-status"') and '<b style="font-size:20px">FAILED</b>' in page[banner : banner + 400]
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert 'failures="2"' in junit and "chromium.har#4: $.costCap" in junit


# -- standard input ------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["har", "jsonl"])
def test_a_capture_piped_to_standard_input_is_judged_like_a_file(tmp_path, form):
    """`zcat capture.gz | replay -`: the format is told from the first line, which stdin cannot re-read."""
    if form == "har":
        data = chromium_har(tmp_path).read_bytes()
        expected = ['<stdin>#4: 200 $.costCap: expected number, got "12" (string)']
    else:
        data = secret_capture(tmp_path).read_bytes()
        expected = None
    command = [sys.executable, "-m", "contracts", "replay", "-", "--jobs", "2"]
    done = subprocess.run(command, cwd=REPO, input=data, capture_output=True, timeout=60)
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1, stderr
    lines = stdout.splitlines()
    assert lines and all(line.startswith("<stdin>#") for line in lines)
    if expected:
        assert lines[0] == expected[0]
    else:
        for secret in SECRETS:
            assert secret not in stdout + stderr


def test_a_first_line_longer_than_the_sniff_is_still_told_apart(tmp_path, capsys):
    """A JSON Lines capture whose first line holds a body of megabytes, and a HAR written on one line."""
    padding = "x" * (2 * captures._SNIFF)
    lines = write_lines(tmp_path / "big.jsonl", [{"status": 200, "headers": JSON, "body": organization(note=padding)}, {"status": 503}])
    code, out, _ = run(lines, capsys=capsys)
    assert code == 1 and out.splitlines() == [
        f"{lines}#2: 503 HTTP status: expected a status the reference documents (200, 400, 401, 402, 500, 502), got 503"
    ]
    one_line = tmp_path / "one-line.json"  # no .har suffix: told by its first member, "log"
    one_line.write_text(json.dumps({"log": {"entries": [har_entry(f"{BASE}/account/organization", 503, text=padding)]}}), encoding="utf-8")
    code, out, _ = run(one_line, capsys=capsys)
    assert code == 1 and out.startswith(f"{one_line}#1: 503 HTTP status")


# -- usage errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, says",
    [
        (["missing.jsonl"], "error: cannot read missing.jsonl: no such file"),
        (["."], "error: cannot read .: not a file"),
        (["--strict-fields=plans", "x.jsonl"], "--strict-fields 'plans' names unknown kind(s) plans"),
        (["--jobs", "0", "x.jsonl"], "--jobs '0': expected a whole number of processes, at least 1"),
        (["-", "x.jsonl", "-"], "error: standard input ('-') can be read once: name it once"),
    ],
)
def test_usage_errors_are_one_line_and_exit_4(tmp_path, args, says):
    (tmp_path / "x.jsonl").write_text("{}\n")
    command = [sys.executable, "-m", "contracts", "replay", *args]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 4  # bad configuration
    assert says in done.stderr and "Traceback" not in done.stderr


def _common_and_odd_lines() -> list[object]:
    """JSON lines in the common form a quick reading settles, beside every form it must leave to the full one."""
    basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    return [
        {"status": 200, "headers": JSON, "body": ORGANIZATION},
        {"status": 200, "headers": JSON, "body": organization(region="eu")},  # drift
        {"status": 200, "headers": {"content-type": "application/json; charset=utf-8"}, "body": ORGANIZATION, "reason": "OK"},
        {"status": 200, "headers": {**JSON, "Authorization": f"Bearer {BEARER}"}, "body": ORGANIZATION},
        {"status": 200, "headers": JSON, "request_headers": {"Cookie": f"sid={COOKIE}", "Authorization": basic}, "body": ORGANIZATION},
        {"status": 200, "headers": JSON, "body": organization(name=f"echo {BEARER} {COOKIE}", costCap="12")},  # echoes, violating
        {"method": "GET", "url": "https://api.example.com/v1/account/organization", "status": 200, "headers": JSON, "body": ORGANIZATION},
        {
            "method": "GET",
            "url": f"https://api.example.com/v1/account/organization?access_token={URL_TOKEN}",
            "status": 200,
            "headers": JSON,
            "body": ORGANIZATION,
        },
        {"method": "POST", "url": "/account/organization", "status": 200, "headers": JSON, "body": "{}"},
        {"method": "GET", "url": "/v1/messages", "status": 200, "headers": JSON, "body": "[]"},
        {"method": "GET", "url": "/v1/messages", "status": "200", "body": "[]"},  # unreadable, though another operation
        {"status": 200, "headers": [["Content-Type", "application/json"]], "body": ORGANIZATION},
        {"status": 200, "headers": {"Content-Type": "application/json", "X-Count": 3}, "body": ORGANIZATION},
        {"status": 200, "headers": {"Content-Type": "application/json", "X-Count": None}, "body": ORGANIZATION},
        {"status": 200, "headers": {":status": "200", "Content-Type": "text/plain"}, "body": ORGANIZATION},
        {"status": 200, "headers": {"Content-Type": "text/plain", "content-type": "application/json"}, "body": ORGANIZATION},
        {"status": 200, "headers": {**JSON, "Content-Encoding": "gzip"}, "body": ORGANIZATION},
        {"status": 200, "headers": JSON, "body": organization(name="\ud800")},
        {"status": 200, "headers": JSON, "body": None},
        {"status": 200, "headers": JSON, "body_base64": base64.b64encode(ORGANIZATION.encode()).decode()},
        {"status": 200.0, "headers": JSON, "body": ORGANIZATION},
        {"status": 0, "body": ""},
        {"status": 999, "headers": JSON, "body": ORGANIZATION},
        {"status": 200, "headers": JSON, "body": ORGANIZATION, "elapsed": 0.1},
        {"status": 200, "headers": JSON, "body": ORGANIZATION[:-1] + ', "name": "twice"}'},
        {"status": 200, "headers": JSON, "body": organization(notes="n" * 20_000)},  # beyond the remembered verdicts
        {"status": 200, "headers": JSON, "body": organization(notes="n" * 20_000, costCap="12")},
        {"status": 401, "headers": {"Content-Type": "text/html"}, "body": "<h1>no</h1>"},
        {"status": 402, "headers": JSON, "body": json.dumps(envelope(402))},
        {"status": 402, "headers": JSON, "body": json.dumps({"trackingId": 7, "error": "cap"})},
        {"status": 500, "body": "failed"},
        [1, 2],
        "",
        "not json",
        '{"status": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}\r',
    ]


@pytest.mark.parametrize(
    ("strict_fields", "known"),
    [
        (frozenset(), frozenset()),
        (frozenset({"organization", "error"}), frozenset()),
        (frozenset(), frozenset({(200, "schema", "$.costCap")})),
    ],
    ids=["default", "strict fields", "known violations"],
)
def test_lines_settled_quickly_get_the_verdicts_of_the_full_reading(monkeypatch, strict_fields, known) -> None:
    from contracts.replay.judge import SHOWN, judge, judge_chunk

    shown = [{"status": 200, "headers": JSON, "body": ORGANIZATION}] * SHOWN  # shown in full, so read in full
    violating = [{"status": 402, "headers": JSON, "body": json.dumps({"trackingId": n})} for n in range(SHOWN)]  # the same
    lines = shown + violating + _common_and_odd_lines() * 3
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode("utf-8", "surrogatepass")
    chunk = captures.Chunk("capture.jsonl", 1, lines=text)
    options = Options(strict_fields=strict_fields, known=known)
    read_in_full: list[str] = []
    full_reading = captures._from_json_line

    def reading_in_full(label: str, line: bytes, **options: int) -> captures.Recorded:
        read_in_full.append(label)
        return full_reading(label, line, **options)

    monkeypatch.setattr(captures, "_from_json_line", reading_in_full)

    quick = judge_chunk(chunk, options)
    quick_reads = list(read_in_full)  # the full judging below reads every line
    settled = len(lines) - len(quick_reads) - text.count(b"\n\n")  # a blank line is neither
    assert settled >= 3 * 10, "the quick reading settled too few lines to prove anything"
    assert quick == judge(captures.recorded(chunk), options)
    assert quick.secrets >= {BEARER, COOKIE, CLIENT_SECRET, URL_TOKEN}
    assert quick.lines and not any(secret in line for line in quick.lines for secret in SECRETS)
    # Past the exchanges the report shows, a violating line in the common form is judged as read, not read again.
    echo = 2 * SHOWN + 1 + next(n for n, line in enumerate(_common_and_odd_lines()) if isinstance(line, dict) and "echo" in line["body"])
    assert any(line.startswith(f"capture.jsonl#{echo}: 200 ") for line in quick.lines) == (not known)
    assert f"capture.jsonl#{echo}" not in quick_reads


def test_the_exchanges_shown_in_full_are_rendered_once_for_the_report(tmp_path, monkeypatch, capsys):
    """Each chunk keeps its first violating and conforming exchanges; only those the report keeps are rendered."""
    from contracts.replay import judge, report

    monkeypatch.setattr(captures, "_BLOCK", 4096)  # many chunks
    entries = [{"status": 200, "headers": JSON, "body": organization(costCap=str(n)) if n % 3 else ORGANIZATION} for n in range(600)]
    capture = write_lines(tmp_path / "many.jsonl", entries)
    rendered: list[int] = []
    real = report.exchange_html

    def counting(exchange, violations=None, *args, **kwargs):
        rendered.append(exchange.status)
        return real(exchange, violations, *args, **kwargs)

    monkeypatch.setattr(report, "exchange_html", counting)
    monkeypatch.setattr(judge, "exchange_html", counting, raising=False)  # wherever an exchange is rendered
    code, _, _ = run(capture, "--report", tmp_path / "out", capsys=capsys)
    assert code == 1
    assert len(rendered) == judge.SHOWN  # 50 violating ones fill the report: no conforming one is shown
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count(f"<h3>{capture}#") == judge.SHOWN
    assert f"{capture}#2: 200" in page and "more violating exchanges are counted above but not shown" in page
