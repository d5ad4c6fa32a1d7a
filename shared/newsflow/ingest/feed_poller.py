"""The feed poller: fetch each configured feed on its schedule, parse it off the event loop, publish
what is new or edited.

* Each fetch runs under an overall deadline (``deadline_s``: connect, redirects, headers and the whole
  body), so a server that drips its answer cannot hold a poll; each feed has its own loop (at most
  ``concurrency`` fetching at a time), so one slow feed does not delay the others.
* Parsing goes through a :class:`~newsflow.ingest.feed_workers.FeedParser` (a worker process in the
  service).
* An item is published when its id is new, its date-derived revision is higher than the last one
  published, or its content digest changed (a correction that keeps the date): then with revision
  ``max(date revision, last revision + 1)``. The last revision and digest per id are kept in a
  :class:`~newsflow.ingest.feed_state.FeedStateStore` (a compacted Kafka topic in the service), read
  before the first poll and written after Kafka acknowledged the articles, so a restart or another
  replica continues the same revisions. Ids need no memory: each comes from its entry alone
  (:func:`~newsflow.ingest.feed_identity.guid_id`), so a link that changes under the same guid keeps it.
* A 200 answer that is not a feed (an HTML page) is a failure (reason ``not_a_feed``), not a quiet
  feed; validators are not stored for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import httpx
from aiokafka.errors import KafkaError

from newsflow.ingest.feed_assignment import FeedAssignment, StaticAssignment
from newsflow.ingest.feed_mapping import FeedItem
from newsflow.ingest.feed_schedule import FeedSchedule
from newsflow.ingest.feed_state import FeedStateStore, MemoryFeedState, Seen
from newsflow.ingest.feed_workers import FeedParser, parse_inline
from newsflow.ingest.feeds import FeedError, FeedRefused, Resolver, fetch_feed, resolve_host
from newsflow.ingest.metrics import IngestMetrics
from newsflow.ingest.publisher import KafkaUnavailable, RecordTooLarge
from newsflow.ingest.settings import FeedConfig
from newsflow.models import RawArticle
from newsflow.retry import sleep_or_stop

log = logging.getLogger(__name__)

Publish = Callable[[Sequence[RawArticle]], Awaitable[object]]
PUBLISH_CHUNK = 200
#: How often a feed this replica does not own is checked again (it may be assigned meanwhile).
OWNERSHIP_CHECK_S = 2.0


@dataclass
class FeedState:
    """Validators for conditional GET of one feed (in memory: after a restart the feed is fetched
    once in full, and its unchanged entries are recognised by the revision memory)."""

    etag: str | None = None
    last_modified: str | None = None


class SeenRevisions:
    """Per article id, the last revision published and its content digest; the oldest entries beyond
    ``max_entries`` are forgotten (they stay in the store)."""

    def __init__(self, max_entries: int = 1_000_000) -> None:
        self.entries: OrderedDict[str, Seen] = OrderedDict()
        self.max_entries = max_entries

    def update(self, entries: Iterable[tuple[str, Seen]]) -> None:
        for article_id, seen in entries:
            self.entries[article_id] = seen
            self.entries.move_to_end(article_id)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def revision_to_publish(self, item: FeedItem) -> int | None:
        """The revision to publish ``item`` at, or None when it is already published as it is."""
        revision = item.article.revision
        last = self.entries.get(item.article.id)
        if last is None:
            return revision
        if revision > last.revision:
            return revision
        if item.digest != last.digest:
            return last.revision + 1
        return None


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did."""

    feed_url: str
    not_modified: bool
    published: int
    skipped: int
    errors: int


class FeedPoller:
    """Polls the configured feeds and publishes new (id, revision) pairs through ``publish``."""

    def __init__(
        self,
        feeds: Sequence[FeedConfig],
        publish: Publish,
        *,
        client: httpx.AsyncClient,
        interval_s: float = 300.0,
        max_bytes: int = 10 * 1024 * 1024,
        allow_private: bool = False,
        resolve: Resolver = resolve_host,
        deadline_s: float = 60.0,
        concurrency: int = 4,
        parse: FeedParser = parse_inline,
        metrics: IngestMetrics | None = None,
        store: FeedStateStore | None = None,
        assignment: FeedAssignment | None = None,
    ) -> None:
        self.feeds = list(feeds)
        self.publish = publish
        self.client = client
        self.interval_s = interval_s
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.resolve = resolve
        self.deadline_s = deadline_s
        self.parse = parse
        self.metrics = metrics
        self.states: dict[str, FeedState] = {f.url: FeedState() for f in self.feeds}
        self.store: FeedStateStore = store if store is not None else MemoryFeedState()
        self.seen = SeenRevisions()
        self.assignment: FeedAssignment = assignment if assignment is not None else StaticAssignment()
        self._loaded_generation: int | None = None
        self._load_lock = asyncio.Lock()
        self.schedule = FeedSchedule([f.url for f in self.feeds], interval_s)
        self._slots = asyncio.Semaphore(concurrency)

    async def load_state(self) -> None:
        """Read the revision memory of this poller's sources from the store (once per assignment
        generation, so feeds taken over from another replica continue its revisions; raises when the
        store cannot be read, and the next call tries again)."""
        async with self._load_lock:
            generation = self.assignment.generation
            if self._loaded_generation == generation:
                return
            sources = {f.source for f in self.feeds}
            loaded = await self.store.load(sources)
            self.seen.update(loaded.items())
            self._loaded_generation = generation
            log.info("feed state loaded entries=%d sources=%d", len(loaded), len(sources))

    async def poll_once(self, feed: FeedConfig) -> PollResult:
        """Fetch one feed and publish its new or edited articles; state advances only after Kafka
        acknowledged. Raises :class:`FeedError` / :class:`FeedRefused` when the feed failed."""
        if self._loaded_generation != self.assignment.generation:
            try:
                await self.load_state()
            except (KafkaError, OSError, TimeoutError) as exc:
                raise FeedError(f"feed state unavailable: {exc!r}", reason="state") from exc
        state = self.states.setdefault(feed.url, FeedState())
        try:
            async with asyncio.timeout(self.deadline_s):
                result = await fetch_feed(
                    self.client,
                    feed.url,
                    etag=state.etag,
                    last_modified=state.last_modified,
                    allow_private=self.allow_private or feed.allow_private,
                    max_bytes=self.max_bytes,
                    resolve=self.resolve,
                )
        except TimeoutError as exc:
            raise FeedError(
                f"feed fetch exceeded the {self.deadline_s:g} s deadline", reason="deadline"
            ) from exc
        if result.content is None:
            return PollResult(feed.url, True, 0, 0, 0)
        parsed = await self.parse(
            result.content, source=feed.source, url=result.url, content_type=result.content_type
        )
        if not parsed.is_feed:
            raise FeedError(
                f"answer is not an RSS/Atom feed (Content-Type {result.content_type or 'none'}, "
                f"{sum(map(len, result.content))} bytes)",
                reason="not_a_feed",
            )
        if parsed.errors:
            log.warning(
                "feed entries rejected feed=%s count=%d first=%s",
                feed.url,
                len(parsed.errors),
                "; ".join(parsed.errors[:3]),
            )
        if parsed.warnings:
            log.warning(
                "feed dates refused feed=%s count=%d first=%s",
                feed.url,
                len(parsed.warnings),
                "; ".join(parsed.warnings[:3]),
            )
        fresh = self._fresh(parsed.items)
        for start in range(0, len(fresh), PUBLISH_CHUNK):
            chunk = fresh[start : start + PUBLISH_CHUNK]
            await self.publish([item.article for item in chunk])
            entries = [(item.article.id, Seen(item.article.revision, item.digest)) for item in chunk]
            self.seen.update(entries)
            try:
                await self.store.save(entries)
            except (KafkaError, OSError, TimeoutError) as exc:  # published; only the memory is late
                log.warning("feed state not saved feed=%s entries=%d error=%r", feed.url, len(entries), exc)
        state.etag, state.last_modified = result.etag, result.last_modified
        skipped = len(parsed.items) - len(fresh)
        if self.metrics is not None:
            self.metrics.feed_items_seen(len(fresh), skipped, len(parsed.errors))
        log.info(
            "feed polled feed=%s published=%d skipped=%d errors=%d",
            feed.url,
            len(fresh),
            skipped,
            len(parsed.errors),
        )
        return PollResult(feed.url, False, len(fresh), skipped, len(parsed.errors))

    def _fresh(self, items: Sequence[FeedItem]) -> list[FeedItem]:
        """The items to publish, each once (the first of repeated ids), at their publish revision."""
        fresh: list[FeedItem] = []
        taken: set[str] = set()
        for item in items:
            if item.article.id in taken:
                continue
            taken.add(item.article.id)
            revision = self.seen.revision_to_publish(item)
            if revision is None:
                continue
            if revision != item.article.revision:
                item = replace(item, article=item.article.model_copy(update={"revision": revision}))
            fresh.append(item)
        return fresh

    async def _poll_guarded(self, feed: FeedConfig) -> None:
        """Poll one feed; record the outcome (metrics, schedule, log) and never raise."""
        async with self._slots:
            started = time.monotonic()
            outcome, reason = "ok", ""
            try:
                result = await self.poll_once(feed)
                outcome = "not_modified" if result.not_modified else "ok"
            except FeedRefused as exc:
                outcome, reason = "failed", "refused"
                log.warning("feed skipped feed=%s reason=refused error=%s", feed.url, exc)
            except FeedError as exc:
                outcome, reason = "failed", exc.reason
                log.warning("feed skipped feed=%s reason=%s error=%s", feed.url, exc.reason, exc)
            except (KafkaUnavailable, RecordTooLarge) as exc:
                outcome, reason = "failed", "publish"
                log.warning("feed not published feed=%s error=%s", feed.url, exc)
            except Exception as exc:  # the poller must survive anything one feed does
                outcome, reason = "failed", "error"
                log.warning("feed poll failed feed=%s error=%s", feed.url, type(exc).__name__)
            now = time.monotonic()
            if outcome == "failed":
                delay = self.schedule.failed(feed.url, now)
                log.info("feed backoff feed=%s next_in_s=%.0f", feed.url, delay)
            else:
                self.schedule.succeeded(feed.url, now)
            if self.metrics is not None:
                self.metrics.feed_polled(outcome, reason, now - started)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll every feed this replica owns on its own schedule until ``stop`` is set; a slow or
        failing feed never holds up the others (each feed has its own loop; at most ``concurrency``
        fetch at once). The assignment runs alongside (a group membership, or nothing)."""
        stop = stop or asyncio.Event()
        async with asyncio.TaskGroup() as group:
            group.create_task(self.assignment.run(stop), name="feed assignment")
            for feed in self.feeds:
                group.create_task(self._run_feed(feed, stop), name=f"feed {feed.url}")

    async def _run_feed(self, feed: FeedConfig, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self.assignment.owns(feed.url):
                await self._poll_guarded(feed)
                wait = self.schedule.wait(feed.url, time.monotonic())
            else:
                wait = OWNERSHIP_CHECK_S
            if await sleep_or_stop(wait, stop):
                return
