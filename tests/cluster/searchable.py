"""When each article became searchable, watched from outside: a poller reads the alias (ids and
revisions) twice a second, as a search client would, and notes the first time each revision shows.
From that and the push log's acceptance times: publish→searchable latencies and the longest time
nothing new became searchable. Plain module."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from dataclasses import dataclass, field

from elasticsearch import AsyncElasticsearch

from tests.support.pushing import PushLog


@dataclass
class Watch:
    """First time (monotonic) each (id, revision) was searchable, and when the set grew."""

    seen_at: dict[tuple[str, int], float] = field(default_factory=dict)
    growth: list[float] = field(default_factory=list)
    errors: int = 0

    def latency(self, log: PushLog, ids: set[str]) -> list[float]:
        """Seconds from acceptance of each id's latest revision to its first searchable reading."""
        out: list[float] = []
        for article_id in ids:
            seen = self.seen_at.get((article_id, log.accepted[article_id]))
            if seen is not None:
                out.append(max(0.0, seen - log.accepted_at[article_id]))
        return out

    def longest_gap(self, start: float, end: float) -> float:
        """The longest interval in [start, end] with no new revision becoming searchable."""
        points = [start, *(t for t in self.growth if start < t <= end), end]
        return max(b - a for a, b in itertools.pairwise(points))


def p99(values: list[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


async def watch(es_urls: list[str], alias: str, into: Watch, interval: float = 0.5) -> None:
    """Poll until cancelled (errors while a node is down are counted and retried)."""
    async with AsyncElasticsearch(es_urls, request_timeout=10, max_retries=2, retry_on_timeout=True) as es:
        while True:
            try:
                page = await es.search(
                    index=alias, size=10000, source_includes=["revision"], query={"match_all": {}}
                )
                now = time.monotonic()
                grew = False
                for hit in page["hits"]["hits"]:
                    key = (hit["_id"], int(hit["_source"]["revision"]))
                    if key not in into.seen_at:
                        into.seen_at[key] = now
                        grew = True
                if grew:
                    into.growth.append(now)
            except Exception:
                into.errors += 1
            await asyncio.sleep(interval)
