"""The one way tests wait: poll a condition with a deadline, never a bare sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, within: float, what: str, interval: float = 0.1
) -> float:
    """Poll ``predicate`` until it is true and return the seconds it took; fail with ``what`` at the
    deadline (an :class:`AssertionError`, so the test reports what it was waiting for)."""
    start = time.monotonic()
    deadline = start + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f}s waiting for: {what}")
        await asyncio.sleep(interval)
    return time.monotonic() - start
