"""How long the event loop is held while the service's feed parser handles a 10 MB feed.

    .venv/bin/python bench/bench_feed_handoff.py [--rounds 10]

A 480-item (~10 MB) RSS document, in the 64 KiB pieces the fetch reads it in, goes through
:class:`~newsflow.ingest.feed_workers.ProcessFeedParser` (a spawned worker; the executor's result
thread unpickles the parsed feed, holding the GIL the loop needs) while a 1 ms ticker in the event
loop records its longest gap, less the time the kernel kept the loop's thread waiting for a CPU
(``/proc/thread-self/schedstat``; the figure the /healthz test asserts on). Prints each round's
worst gap, then the median and maximum. On a shared machine the figures vary with its load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsflow.ingest.feed_mapping import ParsedFeed
from newsflow.ingest.feed_workers import ProcessFeedParser
from tests.integration.test_ingest_feed_loop import big_feed

TICK_S = 0.001
PIECE = 64 * 1024


def run_queue_wait_s() -> float:
    """Seconds this thread has waited for a CPU while ready to run (0 where Linux does not say)."""
    try:
        return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


async def worst_gap(task: asyncio.Task[ParsedFeed]) -> float:
    """The longest tick overrun (less run-queue wait) until ``task`` is done."""
    worst = 0.0
    while not task.done():
        started, queued = time.perf_counter(), run_queue_wait_s()
        await asyncio.sleep(TICK_S)
        worst = max(worst, time.perf_counter() - started - TICK_S - (run_queue_wait_s() - queued))
    return worst


async def main(rounds: int) -> None:
    document = big_feed()
    pieces = tuple(document[start : start + PIECE] for start in range(0, len(document), PIECE))
    parser = ProcessFeedParser()
    await parser.start()  # as the service does: the worker exists before the first feed
    gaps: list[float] = []
    try:
        for round_ in range(rounds):
            parse = parser(pieces, source="acme", url="http://127.0.0.1/feed.xml", content_type=None)
            task = asyncio.create_task(parse)
            gap = await worst_gap(task)
            parsed = await task
            gaps.append(gap)
            items = len(parsed.items)
            print(f"round {round_ + 1}: worst loop gap {gap * 1000:.1f} ms ({items} items)")
    finally:
        parser.close()
    median, worst = statistics.median(gaps) * 1000, max(gaps) * 1000
    print(f"worst loop gap per round: median {median:.1f} ms, max {worst:.1f} ms over {rounds} rounds")


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rounds", type=int, default=10)
    asyncio.run(main(arguments.parse_args().rounds))
