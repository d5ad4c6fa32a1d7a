"""``newsflow.retry``: the one backoff, pause and retry loop every stage uses."""

from __future__ import annotations

import asyncio
import time

import pytest

from newsflow.retry import Backoff, Stopped, retry_until, sleep_or_stop


def test_backoff_without_jitter_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(initial=0.5, maximum=5.0, jitter=False)
    assert [backoff.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_backoff_factor_sets_the_growth() -> None:
    backoff = Backoff(initial=1.0, maximum=100.0, factor=3.0, jitter=False)
    assert [backoff.next_delay() for _ in range(4)] == [1.0, 3.0, 9.0, 27.0]


def test_jittered_delays_stay_between_half_the_ceiling_and_the_ceiling() -> None:
    backoff = Backoff(initial=0.2, maximum=3.0)
    ceilings = [0.2, 0.4, 0.8, 1.6, 3.0, 3.0, 3.0]
    delays = []
    for _ in range(200):
        backoff.reset()
        run = [backoff.next_delay() for _ in ceilings]
        for delay, ceiling in zip(run, ceilings, strict=True):
            assert ceiling / 2 <= delay <= ceiling
        delays.extend(run)
    assert len(set(delays)) > len(ceilings)  # jittered: not the plain sequence every time


async def test_sleep_or_stop_sleeps_the_whole_delay_without_a_stop() -> None:
    started = time.monotonic()
    assert await sleep_or_stop(0.05, asyncio.Event()) is False
    assert time.monotonic() - started >= 0.05
    assert await sleep_or_stop(0.01, None) is False


async def test_sleep_or_stop_returns_at_once_when_stop_is_set_during_the_pause() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    started = time.monotonic()
    assert await sleep_or_stop(30.0, stop) is True
    assert time.monotonic() - started < 5.0
    assert await sleep_or_stop(30.0, stop) is True  # already set: no pause at all


class Flaky:
    """Fails with the given errors in turn, then returns ``"done"``."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


async def test_retry_until_retries_listed_errors_until_success_and_resets_the_backoff() -> None:
    attempt = Flaky(ConnectionError("away"), TimeoutError())
    seen: list[tuple[str, int]] = []
    backoff = Backoff(initial=0.001, maximum=0.002, jitter=False)
    result = await retry_until(
        attempt,
        retry_on=(ConnectionError, TimeoutError),
        backoff=backoff,
        on_error=lambda exc, n: seen.append((type(exc).__name__, n)),
    )
    assert result == "done"
    assert attempt.calls == 3
    assert seen == [("ConnectionError", 1), ("TimeoutError", 2)]
    assert backoff.attempt == 0


async def test_retry_until_lets_other_errors_through_at_once() -> None:
    attempt = Flaky(ValueError("a bug, not an outage"))
    with pytest.raises(ValueError):
        await retry_until(attempt, retry_on=(ConnectionError,), backoff=Backoff(initial=0.001))
    assert attempt.calls == 1


async def test_retry_until_raises_stopped_when_stop_is_set_while_waiting() -> None:
    attempt = Flaky(*(ConnectionError() for _ in range(1000)))
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    with pytest.raises(Stopped):
        await retry_until(attempt, retry_on=(ConnectionError,), backoff=Backoff(initial=30.0), stop=stop)
    assert attempt.calls == 1


async def test_retry_until_with_stop_already_set_does_not_try() -> None:
    attempt = Flaky()
    stop = asyncio.Event()
    stop.set()
    with pytest.raises(Stopped):
        await retry_until(attempt, retry_on=(ConnectionError,), backoff=Backoff(), stop=stop)
    assert attempt.calls == 0
