"""A run against what came before: the baseline comparison, the history folder and known violations. Imports
`core`, `settings` and `reporting`."""
