"""How exchanges arrive, as plain data: the bounded HTTP exchange with a target, the embedded reference server,
and recorded traffic read from captures (HAR, JSON Lines). Nothing here judges an answer. Imports `core` and
`settings`."""
