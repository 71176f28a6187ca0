"""The contract's vocabulary, shared by every layer: the per-status contract table, `Violation`, the exchange as plain
data, credentials, redaction, exit codes, coverage words and printable text.

It imports nothing else of the project, and no HTTP, schema or test library: whatever a layer above does, it says
it in these words."""
