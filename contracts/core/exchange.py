"""One request and its answer, as plain data: no HTTP library, no judgement. The transport fills it from the
wire, replay from a capture; judging reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

REDACTED_HEADER = "<redacted>"  # what a request's credential header is shown as


def header(headers: Mapping[str, str], lowered_name: str) -> str:
    """A header's value by its name in lower case, whatever case it was written in; "" when absent."""
    for name, value in headers.items():
        if name.lower() == lowered_name:
            return value
    return ""


@dataclass(frozen=True)
class Exchange:
    """A request and its response; the request's credentials are already masked."""

    method: str
    url: str
    request_headers: dict[str, str]
    status: int
    reason: str
    response_headers: dict[str, str]
    body: bytes = field(repr=False)
    elapsed: float
    truncated_at: int | None = None  # the body cap, when the body was longer and only that much was read
    body_recorded: bool = True  # False: a capture kept no body, so only the status and headers can be judged

    @property
    def content_type(self) -> str:
        return header(self.response_headers, "content-type")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")
