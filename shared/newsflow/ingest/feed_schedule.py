"""When each feed is polled, and which replica polls it.

* **Static assignment** (``FEED_ASSIGNMENT=static``; the default is a Kafka consumer group,
  :mod:`newsflow.ingest.feed_assignment`): with ``FEED_REPLICA_COUNT`` = n, replica
  ``FEED_REPLICA_INDEX`` = i polls the feeds whose URL hashes (SHA-256) to i modulo n: every feed has
  exactly one poller across the replicas, without any coordination, and the split only depends on the
  URL.
* **Backoff**: a feed is due every ``interval_s``; after k consecutive failures it is next due after
  ``interval_s × 2^(k-1)`` (at most ``interval_s × MAX_BACKOFF_FACTOR``), so a broken feed is asked
  less often and the others are not held up by it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from newsflow.ingest.settings import FeedConfig

MAX_BACKOFF_FACTOR = 16


def replica_of(url: str, replica_count: int) -> int:
    """The replica (0 … ``replica_count`` - 1) that polls the feed at ``url``."""
    return int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big") % replica_count


def assigned_feeds(feeds: Sequence[FeedConfig], replica_index: int, replica_count: int) -> list[FeedConfig]:
    """The feeds replica ``replica_index`` of ``replica_count`` polls."""
    if not 0 <= replica_index < replica_count:
        raise ValueError(f"replica index {replica_index} is not in 0..{replica_count - 1}")
    return [f for f in feeds if replica_of(f.url, replica_count) == replica_index]


class FeedSchedule:
    """The next due time of each feed (monotonic seconds) and its consecutive failures."""

    def __init__(self, urls: Iterable[str], interval_s: float) -> None:
        self.interval_s = interval_s
        self.next_at: dict[str, float] = {url: 0.0 for url in urls}
        self.failures: dict[str, int] = {url: 0 for url in self.next_at}

    def succeeded(self, url: str, now: float) -> None:
        """A poll of ``url`` worked: next one after the interval."""
        self.failures[url] = 0
        self.next_at[url] = now + self.interval_s

    def failed(self, url: str, now: float) -> float:
        """A poll of ``url`` failed: back off; return the delay until the next try."""
        self.failures[url] = self.failures.get(url, 0) + 1
        factor: int = min(1 << (self.failures[url] - 1), MAX_BACKOFF_FACTOR)
        delay = self.interval_s * factor
        self.next_at[url] = now + delay
        return delay

    def wait(self, url: str, now: float) -> float:
        """Seconds until ``url`` is due (0 when it is due already)."""
        return max(0.0, self.next_at.get(url, now) - now)
