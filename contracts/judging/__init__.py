"""Verdicts as pure functions of an exchange: the schemas, strict and fast validation, the named checks and drift.

Nothing here sends a request or writes a file; a body that arrived over HTTP, from a capture or under load is
judged by the same functions. Imports only `core`."""
