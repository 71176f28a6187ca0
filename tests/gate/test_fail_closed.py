"""Format checks fail closed: a format without a live checker stops the run instead of passing anything."""

import pytest
from jsonschema import FormatChecker

from contracts.core import exits
from contracts.judging.schemas import SchemaSetupError, assert_formats_live, formats_used


def test_schemas_use_date_and_date_time():
    assert formats_used() == {"date", "date-time"}


def test_all_used_formats_are_live():
    assert_formats_live()


def test_a_missing_checker_is_refused(monkeypatch):
    monkeypatch.delitem(FormatChecker.checkers, "date-time")
    with pytest.raises(SchemaSetupError, match="no working checker for format date-time"):
        assert_formats_live()


def test_gate_stops_when_rfc3339_validator_is_unavailable(gate, tmp_path):
    """Without rfc3339-validator jsonschema silently passes any date-time; the gate must refuse to run."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "rfc3339_validator.py").write_text("raise ImportError('not installed')\n")
    run = gate(None, env={"PYTHONPATH": str(shadow)})
    assert run.returncode == exits.BAD_CONFIGURATION, run.output
    assert "ERROR: no working checker for format date-time" in run.output
