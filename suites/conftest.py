# The gate plugin: options, target, exchanges, reports. Loaded here so the project's own
# tests (tests/) run without it.
pytest_plugins = ["contracts.gate"]
