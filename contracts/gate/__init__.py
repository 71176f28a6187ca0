"""The pytest gate: the plugin behind `suites/` (loaded from pytest.ini), split into the run's state, the `target`
fixture, and the outputs (report extras, pytest-html hooks, terminal summary)."""
