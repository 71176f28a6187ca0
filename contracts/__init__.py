"""Contract gate for GET /account/organization."""

from contracts.core.contract import VERSION as __version__

__all__ = ["__version__"]
