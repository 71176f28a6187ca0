"""What a run is asked to do: the target, credentials, timeout, body cap, strictness and scenarios, each checked
once, and the options several ways in share, declared once. Imports only `core`."""
