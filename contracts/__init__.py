"""Contract gate for GET /account/organization."""

__version__ = "0.1.0"
