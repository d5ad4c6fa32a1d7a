"""W3C trace context (``traceparent``) carried from the HTTP request to the indexed document."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True)
class TraceContext:
    """A trace id and the id of the current span."""

    trace_id: str
    span_id: str
    flags: str = "01"

    def traceparent(self) -> str:
        """The ``traceparent`` header value for this context."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self) -> TraceContext:
        """A new span in the same trace."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.flags)


def parse_traceparent(value: str | None) -> TraceContext | None:
    """Parse a ``traceparent`` header; None when absent or malformed (all-zero ids are invalid)."""
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip().lower())
    if not match:
        return None
    trace_id, span_id, flags = match.groups()
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return TraceContext(trace_id, span_id, flags)


def new_trace() -> TraceContext:
    """Start a new trace."""
    return TraceContext(secrets.token_hex(16), secrets.token_hex(8))


def continue_or_start(value: str | None) -> TraceContext:
    """A child span of the incoming context, or a new trace when there is none."""
    parent = parse_traceparent(value)
    return parent.child() if parent else new_trace()
