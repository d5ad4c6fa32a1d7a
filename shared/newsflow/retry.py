"""One way to wait and try again, for every loop in newsflow.

Each stage's I/O loop retries something that is not there yet (Kafka, Elasticsearch, a consumer
group): they all use :class:`Backoff` (exponential, full jitter, capped), :func:`sleep_or_stop`
(a pause that a stop request cuts short) and, where the whole attempt is one awaitable,
:func:`retry_until`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


class Stopped(Exception):
    """A stop was requested while waiting to try again: the attempt did not succeed."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter, capped.

    ``jitter=False`` gives the plain doubling sequence (``initial``, ``2·initial``, … ``maximum``),
    for loops whose delay is shown to operators.
    """

    initial: float = 0.2
    maximum: float = 30.0
    factor: float = 2.0
    jitter: bool = True
    attempt: int = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; grows until ``maximum``."""
        ceiling = min(self.maximum, self.initial * self.factor**self.attempt)
        self.attempt += 1
        return random.uniform(ceiling / 2, ceiling) if self.jitter else ceiling

    def reset(self) -> None:
        """Start again from the initial delay (after a success)."""
        self.attempt = 0


async def sleep_or_stop(delay: float, stop: asyncio.Event | None) -> bool:
    """Sleep ``delay`` seconds; return True at once if ``stop`` is (or becomes) set."""
    if stop is None:
        await asyncio.sleep(delay)
        return False
    if stop.is_set():
        return True
    try:
        await asyncio.wait_for(stop.wait(), timeout=delay)
    except TimeoutError:
        return False
    return True


async def retry_until(
    attempt: Callable[[], Awaitable[T]],
    *,
    retry_on: tuple[type[BaseException], ...],
    backoff: Backoff,
    stop: asyncio.Event | None = None,
    what: str = "operation",
    on_error: Callable[[BaseException, int], None] | None = None,
) -> T:
    """Await ``attempt()`` until it succeeds; errors in ``retry_on`` wait ``backoff`` and try again.

    Any other error propagates. ``on_error(exc, attempt_number)`` is called for each retried error
    (metrics, health flags); a warning is logged. A set ``stop`` raises :class:`Stopped` instead of
    waiting again. The backoff is reset on success.
    """
    tries = 0
    while True:
        if stop is not None and stop.is_set():
            raise Stopped()
        tries += 1
        try:
            result = await attempt()
        except retry_on as exc:
            if on_error is not None:
                on_error(exc, tries)
            delay = backoff.next_delay()
            log.warning("%s failed, retrying attempt=%d retry_in_s=%.2f error=%r", what, tries, delay, exc)
            if await sleep_or_stop(delay, stop):
                raise Stopped() from exc
            continue
        backoff.reset()
        return result
