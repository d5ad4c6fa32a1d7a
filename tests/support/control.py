"""What a scenario does to a running pipeline: stop a replica with SIGTERM and time it, run a pusher
or a poller in the background of a block."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from newsflow.local import processes as procs
from tests.support.pipelines import Pipeline


def terminate(
    pipeline: Pipeline, service: str, replica: int = 0, grace_s: float = 60.0
) -> tuple[int | None, float]:
    """SIGTERM one replica and wait for it (our child): its exit code (-N: killed by signal N; None if
    someone else reaped it) and the seconds it took. SIGKILL after ``grace_s``, reported as -9."""
    record = procs.running(pipeline.config.run_dir, f"{service}-{replica}")
    assert record is not None, f"{service}-{replica} not running"
    started = time.monotonic()
    os.kill(record.pid, signal.SIGTERM)
    while True:
        try:
            pid, status = os.waitpid(record.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: only its disappearance is known
            while procs.is_ours(record) and time.monotonic() - started < grace_s:
                time.sleep(0.05)
            return None, time.monotonic() - started
        if pid:
            return os.waitstatus_to_exitcode(status), time.monotonic() - started
        if time.monotonic() - started > grace_s:
            os.kill(record.pid, signal.SIGKILL)
            os.waitpid(record.pid, 0)
            return -9, time.monotonic() - started
        time.sleep(0.05)


@contextlib.asynccontextmanager
async def background(coro: Awaitable[Any]) -> AsyncIterator[asyncio.Task[Any]]:
    """Run ``coro`` as a task for the block; cancel it if still running afterwards."""
    task: asyncio.Task[Any] = asyncio.ensure_future(coro)
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
