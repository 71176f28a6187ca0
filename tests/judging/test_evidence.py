"""Evidence of undocumented members: what it records per path, that it holds no credential in any form, that
it stays bounded against a hostile target, and that it survives summary.json and merging."""

from __future__ import annotations

import base64
import json
import time

import pytest
from jsonschema import Draft202012Validator

from contracts.core.redaction import MASK, Redactor
from contracts.judging import evidence_form as ev
from contracts.judging.evidence import Evidence
from contracts.judging.evidence_form import EvidenceError
from contracts.judging.looks_like import credential_name, credential_value, json_type
from contracts.judging.validation import undocumented_fields
from contracts.transport.server import ERRORS, SAMPLE_ORGANIZATION
from tests.helpers.faults import credential_echoes

SECRET = "tok-9f8e7d6c5b4a3f2e1d0c"
CLEAN = Redactor([SECRET])


def learned(*bodies: dict, kind: str = "organization", evidence: Evidence | None = None) -> Evidence:
    evidence = evidence or Evidence()
    for body in bodies:
        evidence.learn(kind, body, CLEAN)
    return evidence


def paths(evidence: Evidence, kind: str = "organization") -> dict:
    return evidence.as_dict()["kinds"][kind]["paths"]


def test_each_path_records_how_often_which_types_formats_values_and_range():
    bodies = [
        {
            **SAMPLE_ORGANIZATION,
            "region": ["eu-west-1", "us-east-1"][n % 2],
            "seats": [12, 40.0, 7][n % 3],  # 40.0 is an integer to JSON Schema
            "ratio": 0.25 * (n + 1),
            "since": f"2024-01-0{n + 1}",
            "lastLoginAt": f"2024-01-0{n + 1}T03:04:05Z",
            "ownerId": f"123e4567-e89b-12d3-a456-42661417400{n}",
            "contact": f"billing{n}@example.com",
            "homepage": f"https://example.com/{n}",
            "beta": n % 2 == 0,
            "mixed": [1, "one", True, None][n],
        }
        for n in range(4)
    ]
    found = paths(learned(*bodies))
    assert found["$.region"] == {
        "steps": ["region"],
        "drift": True,
        "seen": 4,
        "types": {"string": 4},
        "values": ["eu-west-1", "us-east-1"],
        "samples": ["eu-west-1", "us-east-1"],
        "longest": 9,
    }
    assert found["$.seats"]["types"] == {"integer": 4} and (found["$.seats"]["minimum"], found["$.seats"]["maximum"]) == (7, 40.0)
    assert found["$.ratio"]["types"] == {"number": 3, "integer": 1}
    assert found["$.since"]["formats"] == {"date": 4}
    assert found["$.lastLoginAt"]["formats"] == {"date-time": 4}
    assert found["$.ownerId"]["formats"] == {"uuid": 4}
    assert "credential" in found["$.ownerId"], "a uuid is a long random token to the heuristics: its values are withheld"
    assert found["$.contact"]["formats"] == {"email": 4}
    assert found["$.homepage"]["formats"] == {"uri": 4}
    assert found["$.beta"]["types"] == {"boolean": 4} and found["$.beta"]["values"] == [True, False]
    assert found["$.mixed"]["types"] == {"integer": 1, "string": 1, "boolean": 1, "null": 1}, "true is no number, 1 no boolean"
    assert found["$.mixed"]["values"] == [1, "one", True]
    assert len(found["$.ratio"]["samples"]) == ev.MAX_SAMPLES


@pytest.mark.parametrize("value", [0, 1, -7, 10**30, 1.0, -0.0, 1e300, 0.5, True, False, None, "", "1", [], [1], {}, {"a": 1}])
def test_json_types_are_the_ones_jsonschema_checks(value):
    checker = Draft202012Validator.TYPE_CHECKER
    expected = next(name for name in ("null", "boolean", "integer", "number", "string", "array", "object") if checker.is_type(value, name))
    assert json_type(value) == expected


def test_a_format_counts_only_the_values_that_match_it():
    found = paths(learned({**SAMPLE_ORGANIZATION, "since": "2024-01-01"}, {**SAMPLE_ORGANIZATION, "since": "2024/01/02"}))
    assert found["$.since"]["formats"] == {"date": 1} and found["$.since"]["types"] == {"string": 2}
    assert paths(learned({**SAMPLE_ORGANIZATION, "contact": "a@b"}))["$.contact"].get("formats") is None, "an address needs a domain"


def test_nested_objects_and_arrays_are_recorded_inside_the_member():
    body = {
        **SAMPLE_ORGANIZATION,
        "billing": {"plan": "pro", "cycle": {"day": 3}},
        "tags": ["a", "b", "c"],
        "seatsList": [{"id": 1}, {"id": 2, "role": "admin"}],
    }
    found = paths(learned(body, {**SAMPLE_ORGANIZATION, "billing": {"plan": "free"}}))
    assert found["$.billing"]["types"] == {"object": 2} and found["$.billing"]["drift"]
    assert found["$.billing.plan"]["seen"] == 2 and "drift" not in found["$.billing.plan"]
    assert found["$.billing.cycle.day"]["steps"] == ["billing", "cycle", "day"]
    assert found["$.tags[*]"] == {
        "steps": ["tags", None],
        "seen": 3,
        "types": {"string": 3},
        "values": ["a", "b", "c"],
        "samples": ["a", "b", "c"],
        "longest": 1,
    }
    assert found["$.seatsList[*]"]["types"] == {"object": 2}
    assert (found["$.seatsList[*].id"]["seen"], found["$.seatsList[*].role"]["seen"]) == (2, 1)


def test_members_new_to_a_documented_nested_object_count_against_that_object():
    envelope = {"trackingId": "t", "error": {**ERRORS[402], "docs": "https://example.com/limits"}}
    evidence = learned(envelope, {"trackingId": "t", "error": ERRORS[402]}, {"trackingId": "t"}, kind="error")
    record = evidence.as_dict()["kinds"]["error"]
    assert (record["bodies"], record["objects"]) == (3, {"$.error": 2})
    assert record["paths"]["$.error.docs"]["seen"] == 1 and record["paths"]["$.error.docs"]["drift"]


def test_only_the_drift_given_is_recorded_and_every_object_body_is_counted():
    evidence = Evidence()
    body = {**SAMPLE_ORGANIZATION, "region": "eu", "plan": "pro"}
    evidence.observe("organization", body, ["$.region"], CLEAN)
    evidence.observe("organization", SAMPLE_ORGANIZATION, [], CLEAN)
    evidence.observe("organization", None, [], CLEAN)  # not JSON: no member could have been there
    evidence.observe("organization", [body], [], CLEAN)
    record = evidence.as_dict()["kinds"]["organization"]
    assert record["bodies"] == 2
    assert list(record["paths"]) == ["$.region"]


def test_odd_member_names_keep_their_path_and_their_name():
    body = {**SAMPLE_ORGANIZATION, "plan tier": "pro", "it's": 1, "\u00e9t\u00e9": True}
    assert undocumented_fields("organization", body) == ["$['plan tier']", "$['it\\'s']", "$['\u00e9t\u00e9']"]
    found = paths(learned(body))
    assert [entry["steps"] for entry in found.values()] == [["plan tier"], ["it's"], ["\u00e9t\u00e9"]]
    assert list(found) == ["$['plan tier']", "$['it\\'s']", "$['\u00e9t\u00e9']"]


# -- credentials ------------------------------------------------------------------------------------


def hostile_bodies() -> list[dict]:
    echoes = credential_echoes(SECRET)
    return [
        {
            **SAMPLE_ORGANIZATION,
            "echo": SECRET,
            "echoBase64": base64.b64encode(SECRET.encode()).decode(),
            "debug": {"request": {"authorization": f"Bearer {SECRET}", "note": f"sent {SECRET} upstream"}},
            SECRET: "a member named by the secret",
            "meta": {SECRET: {"inner": "x"}, "fine": "ok"},
            "apiToken": "short1",  # not long enough to look random, but the name says what it is
            "sessionPin": 4321,
            "unknownJwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl",
            "apiKeyLike": "k" + "Zx81Qa0Lm2Wn7Rt5Yb3Vc9Ud4Pe6Of" * 2,
            "echoes": list(echoes.values()),
            **{f"echo-{name}": text for name, text in echoes.items()},
        }
    ]


def test_no_credential_is_kept_in_any_form_whatever_member_echoes_it():
    evidence = learned(*hostile_bodies())
    text = json.dumps(evidence.as_dict(clean=CLEAN), ensure_ascii=False)
    for name, form in credential_echoes(SECRET).items():
        assert form not in text, f"the secret's {name} form is in the evidence"
    assert json.dumps(SECRET)[1:-1] not in text
    for leak in ("short1", "4321", "eyJhbGciOiJIUzI1NiJ9", "Zx81Qa0Lm2Wn7Rt5Yb3Vc9Ud4Pe6Of", "Bearer"):
        assert leak not in text, leak
    found = paths(evidence)
    assert found["$.echo"]["credential"] and "samples" not in found["$.echo"] and "values" not in found["$.echo"]
    assert found[f"$['{MASK}']"]["redacted"], "a name the redactor changes is kept masked"
    assert found[f"$.meta['{MASK}'].inner"]["redacted"], "and so is everything inside it"
    assert found["$.meta.fine"]["values"] == ["ok"], "a harmless neighbour keeps its values"
    assert found["$.sessionPin"]["credential"] and "minimum" not in found["$.sessionPin"], "not even a PIN's range"
    assert found["$.debug.request.authorization"]["credential"]


def test_a_credential_learned_after_a_member_was_seen_is_masked_when_the_evidence_is_written():
    cookie = "plain-session-cookie-value"  # nothing in its shape gives it away: only the redactor knows it
    evidence = Evidence()
    body = {**SAMPLE_ORGANIZATION, "last": f"cookie was {cookie}", cookie: 1}
    evidence.observe("organization", body, undocumented_fields("organization", body), Redactor())
    later = Redactor([cookie])
    text = json.dumps(evidence.as_dict(clean=later))
    assert cookie not in text and cookie[:12] not in text
    assert cookie in json.dumps(evidence.as_dict()), "without the final redactor, only what it knew then was masked"


def test_a_numeric_secret_echoed_as_a_number_is_withheld_too():
    digits = "90210123456"
    evidence = Evidence()
    body = {**SAMPLE_ORGANIZATION, "reference": int(digits), "count": 3}
    evidence.observe("organization", body, undocumented_fields("organization", body), Redactor([digits]))
    text = json.dumps(evidence.as_dict())
    assert digits not in text
    assert paths(evidence)["$.count"]["values"] == [3]


@pytest.mark.parametrize(
    "name, credential",
    [
        ("apiToken", True),
        ("client_secret", True),
        ("X-Session-Id", True),
        ("APIKey", True),
        ("accessKeyId", True),
        ("password", True),
        ("authorId", False),
        ("keyword", False),
        ("monkey", False),
        ("region", False),
        ("tokenizer", False),
    ],
)
def test_credential_names_are_read_as_words(name, credential):
    assert credential_name(name) is credential


@pytest.mark.parametrize(
    "value, credential",
    [
        ("Bearer abc", True),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", True),
        ("sk_live_abc", True),
        ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", True),
        ("Zx81Qa0Lm2Wn7Rt5Yb3Vc9", True),
        ("eu-west-1", False),
        ("2024-03-14T09:26:53Z", False),
        ("billing.notifications.example-company.com", False),
        ("Acme Notifications GmbH", False),
        ("aaaaaaaaaaaaaaaaaaaaaaaa1", False),
    ],
)
def test_credential_values_are_told_by_shape_and_entropy(value, credential):
    assert credential_value(value) is credential


# -- bounds -----------------------------------------------------------------------------------------


def test_twenty_thousand_members_cost_a_count_not_memory():
    body = {**SAMPLE_ORGANIZATION, **{f"member{n}": {"nested": n, "more": [n] * 100} for n in range(20_000)}}
    started = time.perf_counter()
    evidence = learned(body, body)
    elapsed = time.perf_counter() - started
    record = evidence.kinds["organization"]
    assert len(record.paths) == ev.MAX_PATHS
    assert record.dropped >= 2 * (20_000 - ev.MAX_PATHS)
    assert len(json.dumps(evidence.as_dict()).encode()) <= ev.MAX_BYTES
    assert elapsed < 10, f"{elapsed:.1f} s for two bodies"


def test_huge_values_deep_nesting_and_long_names_stay_within_the_caps():
    deep: object = "bottom"
    for _ in range(200):
        deep = {"level": deep}
    body = {
        **SAMPLE_ORGANIZATION,
        "blob": "x" * 10_000_000,
        "text": "y" * 1000,
        "deep": deep,
        "list": list(range(100_000)),
        "n" * 10_000: 1,
    }
    evidence = learned(body)
    record = evidence.kinds["organization"]
    found = paths(evidence)
    assert found["$.blob"]["longest"] == 10_000_000 and found["$.blob"]["values"] is None and "samples" not in found["$.blob"]
    assert found["$.text"]["values"] is None and len(found["$.text"]["samples"][0]) == ev.MAX_VALUE
    assert max(len(entry["steps"]) for entry in found.values()) == ev.MAX_DEPTH + 1
    assert found["$.list[*]"]["seen"] == ev.MAX_ITEMS
    assert not any("nnnnnnnnnn" in path for path in found)
    assert record.dropped >= 2
    assert len(json.dumps(evidence.as_dict()).encode()) <= ev.MAX_BYTES


def test_the_serialized_evidence_sheds_samples_then_values_then_paths_to_fit():
    bodies = [
        {**SAMPLE_ORGANIZATION, **{f"m{i:03d}": f"{n}-{i:03d}" + "v" * 55 for i in range(ev.MAX_PATHS)}} for n in range(ev.MAX_DISTINCT)
    ]
    evidence = learned(*bodies)
    assert len(json.dumps(ev.kind_dict(evidence.kinds["organization"])).encode()) > 1.5 * ev.MAX_BYTES
    data = evidence.as_dict()
    assert len(json.dumps(data, ensure_ascii=False).encode()) <= ev.MAX_BYTES
    entries = list(data["kinds"]["organization"]["paths"].values())
    assert len(entries) == ev.MAX_PATHS and "truncated" not in data["kinds"]["organization"], "no path shed while values could go"
    assert not any("samples" in entry for entry in entries)
    assert any(entry["values"] is None for entry in entries) and any(entry["values"] for entry in entries)
    # Both kinds full of paths with names as long as kept: once samples and values are gone, paths must go.
    named = [{f"m{i:03d}" + "w" * (ev.MAX_NAME - 4): n for i in range(ev.MAX_PATHS)} for n in range(2)]
    huge = learned(*({**SAMPLE_ORGANIZATION, **members} for members in named))
    learned(*({"trackingId": "t", "error": {**ERRORS[400], **members}} for members in named), kind="error", evidence=huge)
    shed = huge.as_dict()
    assert len(json.dumps(shed, ensure_ascii=False).encode()) <= ev.MAX_BYTES
    assert shed["kinds"]["error"].get("truncated") or shed["kinds"]["organization"].get("truncated")


# -- summary.json and merging -----------------------------------------------------------------------


def test_it_reads_back_as_it_was_written():
    evidence = learned(*hostile_bodies(), {**SAMPLE_ORGANIZATION, "billing": {"plan": "pro"}, "tags": ["a"]})
    learned({"trackingId": "t", "error": {**ERRORS[400], "docs": "d"}}, kind="error", evidence=evidence)
    data = evidence.as_dict()
    assert data["format"] == ev.FORMAT
    again = Evidence.from_dict(json.loads(json.dumps(data)))
    assert again.as_dict() == data


@pytest.mark.parametrize(
    "data, message",
    [
        ({"format": "something/else"}, "format"),
        ([], "format"),
        ({"format": ev.FORMAT, "kinds": []}, "kinds"),
        ({"format": ev.FORMAT, "runs": -1}, "runs"),
        ({"format": ev.FORMAT, "kinds": {"organization": {"paths": {"$.a": {"steps": "a"}}}}}, "steps"),
        ({"format": ev.FORMAT, "kinds": {"organization": {"paths": {"$.a": {"steps": ["a"], "types": {"text": 1}}}}}}, "types"),
        ({"format": ev.FORMAT, "kinds": {"organization": {"bodies": True}}}, "bodies"),
    ],
)
def test_unreadable_evidence_is_refused_with_a_reason(data, message):
    with pytest.raises(EvidenceError, match=message):
        Evidence.from_dict(data)


def test_read_evidence_is_held_to_the_caps_and_checked_again():
    entry = {
        "steps": ["a"],
        "seen": 1,
        "types": {"string": 1},
        "samples": ["one", "two", "three", "four", "z" * 500],
        "values": [str(n) for n in range(50)],
    }
    leaky = {"steps": ["b"], "seen": 1, "types": {"string": 1}, "samples": ["Bearer abc.def"], "values": ["Bearer abc.def"]}
    many = {f"$.p{n}": {"steps": [f"p{n}"], "seen": n, "types": {"string": n}} for n in range(ev.MAX_PATHS + 10)}
    data = {"format": ev.FORMAT, "kinds": {"organization": {"bodies": 1, "paths": {"$.a": entry, "$.b": leaky, **many}}}}
    record = Evidence.from_dict(data).kinds["organization"]
    assert len(record.paths) == ev.MAX_PATHS and record.truncated
    read = Evidence.from_dict({**data, "kinds": {"organization": {"bodies": 1, "paths": {"$.a": entry, "$.b": leaky}}}}).kinds[
        "organization"
    ]
    assert read.paths["$.a"].samples == ["one", "two", "three"] and read.paths["$.a"].values is None
    assert read.paths["$.b"].credential and read.paths["$.b"].samples == [] and read.paths["$.b"].values == []
    masked = {"steps": ["meta", f"x{MASK}"], "seen": 1, "types": {"integer": 1}}
    assert Evidence.from_dict({**data, "kinds": {"error": {"paths": {"m": masked}}}}).kinds["error"].paths[f"$.meta['x{MASK}']"].redacted


def test_merging_adds_up_runs_workers_and_what_each_saw():
    first = learned({**SAMPLE_ORGANIZATION, "region": "eu"}, {**SAMPLE_ORGANIZATION})
    worker = learned({**SAMPLE_ORGANIZATION, "region": "us", "echo": SECRET})
    first.merge(worker, same_run=True)
    assert first.runs == 1 and first.kinds["organization"].runs == 1
    later_run = learned(*({**SAMPLE_ORGANIZATION, "region": f"r{n}", "echo": "plain"} for n in range(ev.MAX_DISTINCT)))
    first.merge(later_run)
    record = first.kinds["organization"]
    assert (first.runs, record.runs, record.bodies) == (2, 2, 3 + ev.MAX_DISTINCT)
    assert record.paths["$.region"].seen == 2 + ev.MAX_DISTINCT
    assert record.paths["$.region"].values is None, "more distinct values than an enum candidate holds"
    assert record.paths["$.echo"].credential and record.paths["$.echo"].samples == [], "withheld once, withheld for good"


def test_merging_keeps_at_most_max_paths_the_most_seen_first():
    often = learned(*({**SAMPLE_ORGANIZATION, "common": 1} for _ in range(3)))
    rare = learned({**SAMPLE_ORGANIZATION, **{f"rare{n}": n for n in range(ev.MAX_PATHS)}})
    often.merge(rare)
    record = often.kinds["organization"]
    assert len(record.paths) == ev.MAX_PATHS and record.truncated
    assert "$.common" in record.paths


def test_a_value_holding_a_lone_surrogate_is_counted_but_never_kept():
    """Valid JSON text (`"\\udfff"`), but no UTF-8 file can hold it: summary.json must still be written."""
    evidence = learned({**SAMPLE_ORGANIZATION, "note": "\udfff \ud800"}, {**SAMPLE_ORGANIZATION, "note": "plain"})
    data = evidence.as_dict()
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # no UnicodeEncodeError
    note = data["kinds"]["organization"]["paths"]["$.note"]
    assert note["seen"] == 2 and note["types"] == {"string": 2}
    assert note["values"] is None and note["samples"] == ["plain"]
    read = Evidence.from_dict(
        {**data, "kinds": {"organization": {"paths": {"$.x": {"steps": ["x"], "samples": ["\ud800", "ok"], "values": ["\ud800", "ok"]}}}}}
    )
    assert read.kinds["organization"].paths["$.x"].samples == ["ok"] and read.kinds["organization"].paths["$.x"].values is None
    with pytest.raises(EvidenceError, match="steps"):
        Evidence.from_dict({**data, "kinds": {"organization": {"paths": {"$.x": {"steps": ["\ud800"]}}}}})


def test_values_wait_for_the_redactor_of_their_own_body_even_when_the_next_body_has_another():
    """Replay masks each exchange's credentials with a redactor of its own: a value kept from one body is asked of
    that body's redactor, not of whichever comes next."""
    first_secret, second_secret = "quiet-harbor-lantern", "velvet-orchard-meadow"  # nothing in their shape gives them away
    evidence = Evidence()
    evidence.learn("organization", {**SAMPLE_ORGANIZATION, "last": first_secret}, Redactor([first_secret]))
    evidence.learn("organization", {**SAMPLE_ORGANIZATION, "last": "an ordinary value"}, Redactor([second_secret]))
    text = json.dumps(evidence.as_dict())  # no final redactor: only what each body's own one said
    assert first_secret not in text and "an ordinary value" not in text, "the member holds a secret: none of its values is kept"
    assert paths(evidence)["$.last"]["credential"]


def test_remembering_bodies_and_values_seen_before_changes_no_count():
    """A body seen before, a value seen before at the same place, an object or array with the same content: each is
    counted again without being walked, and the evidence is what walking every body anew would give."""
    varied = [
        {**SAMPLE_ORGANIZATION, "region": "eu", "seats": 3, "plan": {"tier": "pro", "since": "2024-01-01"}, "tags": ["a", "b"]},
        {**SAMPLE_ORGANIZATION, "region": "us", "seats": 3, "plan": {"tier": "pro", "since": "2024-01-01"}, "tags": []},
        {**SAMPLE_ORGANIZATION, "region": "eu", "plan": {"tier": "free"}, "tags": ["a", 7, None], "echo": SECRET},
        {**SAMPLE_ORGANIZATION, "region": 5, "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}},
    ]
    bodies = [body for _ in range(3) for body in varied]
    remembered = Evidence()
    for body in bodies:
        remembered.answer(200, json.dumps(body).encode(), undocumented_fields("organization", body), valid=True, clean=CLEAN)
    walked = Evidence()
    for body in bodies:
        alone = Evidence()
        alone.observe("organization", body, undocumented_fields("organization", body), CLEAN)
        walked.merge(alone, same_run=True)
    assert remembered.as_dict() == walked.as_dict()
    assert remembered.kinds["organization"].paths["$.region"].seen == 12 and remembered.kinds["organization"].dropped == 3


def test_where_bodies_rarely_come_back_remembering_them_rests_and_the_counts_stay_the_same():
    """Many accounts' bodies, each seen once, then one account's body again and again: remembering whole bodies rests
    after the first window (nothing came back), and the evidence is what walking every body anew gives."""
    distinct = [{**SAMPLE_ORGANIZATION, "name": f"account {n}", "region": "eu"} for n in range(2_500)]
    again = [{**SAMPLE_ORGANIZATION, "region": "us", "seats": n % 3} for n in range(600)]
    remembered, walked = Evidence(), Evidence()
    for body in distinct + again:
        drift = undocumented_fields("organization", body)
        remembered.answer(200, json.dumps(body).encode(), drift, valid=True, clean=CLEAN)
        walked.observe("organization", body, drift, CLEAN)
    assert remembered._body_resting > 0, "2,500 bodies, none seen twice: remembering them rests"
    assert remembered.as_dict() == walked.as_dict()
    assert remembered.kinds["organization"].paths["$.region"].seen == 3_100
