"""How a violation reads: a value from the target is cut to keep a line short; a description in our own words is not."""

from __future__ import annotations

from contracts.core.violations import Violation
from contracts.judging.validation import NotJSON, parse_json


def test_a_description_of_ours_is_never_cut_mid_word():
    try:
        parse_json('{"organizationId" 1}')
    except NotJSON as exc:
        line = exc.violation.render()
    else:
        raise AssertionError("not refused")
    assert line == "$: expected a complete JSON document, got invalid JSON (Expecting ':' delimiter at line 1 column 19)"
    long_message = Violation(
        "$", "a complete JSON document", "invalid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"
    )
    assert long_message.render().endswith("at line 1 column 2)")


def test_a_value_from_the_target_is_cut_keeping_its_type():
    violation = Violation("$.name", "string", '"' + "x" * 200 + '" (string)')
    assert violation.render() == '$.name: expected string, got "' + "x" * 78 + "… (string)"


def test_a_failure_lists_at_most_twenty_violations_and_says_how_many_more():
    from contracts.core.violations import listing

    many = [Violation(f"$.field{n}", "only documented fields (--strict-fields)", "an undocumented field") for n in range(20_000)]
    text = listing("GET /account/organization -> 200", many)
    lines = text.splitlines()
    assert lines[0] == "GET /account/organization -> 200: 20,000 contract violations"
    assert len(lines) == 22 and lines[-1] == "  … and 19,980 more: see the report"
