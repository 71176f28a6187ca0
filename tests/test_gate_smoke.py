"""The gate against the reference server: green, with every documented status verified."""

import html

from contracts import exits


def test_reference_server_honours_the_contract(gate, reference_url):
    run = gate(reference_url)
    assert run.returncode == exits.HONOURED, run.output
    assert run.verdicts == {"200": "passed", "400": "passed", "401": "passed", "402": "passed", "500": "passed", "502": "passed"}
    assert set(run.coverage.values()) == {"verified"}  # the reference server honours Prefer: all six are provoked


def test_embedded_default_is_used_without_base_url(gate):
    run = gate(None, env={})
    assert run.returncode == exits.HONOURED, run.output
    assert "contract target: embedded reference server" in run.output
    assert run.summary["target"]["embedded"] is True
    assert f'"Base URL": "{run.summary["target"]["base_url"]}"' in html.unescape(run.artifacts()["report.html"])
