"""The feed poller: fetch each configured feed on its schedule, parse it off the event loop, publish
what is new or edited.

* Each fetch runs under an overall deadline (``deadline_s``: connect, redirects, headers and the whole
  body), so a server that drips its answer cannot hold a poll; each feed has its own loop (at most
  ``concurrency`` fetching at a time), so one slow feed does not delay the others.
* Parsing goes through a :class:`~newsflow.ingest.feed_workers.FeedParser` (a worker process in the
  service).
* An item is published when its id is new, its date-derived revision is higher than the last one
  published, or its content digest changed (a correction that keeps the date): then with revision
  ``max(date revision, last revision + 1)``. State advances only after Kafka acknowledged.
* An entry whose guid was published under another id (its link changed under the same guid) keeps
  that id, so the correction replaces the article instead of adding a second one.
* A 200 answer that is not a feed (an HTML page) is a failure (reason ``not_a_feed``), not a quiet
  feed; validators are not stored for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

import httpx

from newsflow.ingest.feed_mapping import FeedItem
from newsflow.ingest.feed_schedule import FeedSchedule
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


@dataclass
class FeedState:
    """What the poller remembers about one feed: validators for conditional GET, and per article id
    the last revision published and the digest of its content."""

    etag: str | None = None
    last_modified: str | None = None
    seen: OrderedDict[str, tuple[int, str]] = field(default_factory=OrderedDict)
    ids_by_guid: OrderedDict[str, str] = field(default_factory=OrderedDict)
    max_seen: int = 100_000

    def known_id(self, item: FeedItem) -> str:
        """The id this entry's guid was published under (its own id for a new guid)."""
        return self.ids_by_guid.get(item.guid, item.article.id) if item.guid else item.article.id

    def revision_to_publish(self, item: FeedItem) -> int | None:
        """The revision to publish ``item`` at, or None when it is already published as it is."""
        revision = item.article.revision
        last = self.seen.get(item.article.id)
        if last is None:
            return revision
        last_revision, last_digest = last
        if revision > last_revision:
            return revision
        if item.digest != last_digest:
            return last_revision + 1
        return None

    def mark(self, article: RawArticle, digest: str, guid: str = "") -> None:
        """Remember a published (id, revision, digest) and the id of its guid; forget the oldest
        beyond ``max_seen``."""
        self.seen[article.id] = (article.revision, digest)
        self.seen.move_to_end(article.id)
        if guid:
            self.ids_by_guid[guid] = article.id
            self.ids_by_guid.move_to_end(guid)
        for memory in (self.seen, self.ids_by_guid):
            while len(memory) > self.max_seen:
                memory.popitem(last=False)


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
        self.schedule = FeedSchedule([f.url for f in self.feeds], interval_s)
        self._slots = asyncio.Semaphore(concurrency)

    async def poll_once(self, feed: FeedConfig) -> PollResult:
        """Fetch one feed and publish its new or edited articles; state advances only after Kafka
        acknowledged. Raises :class:`FeedError` / :class:`FeedRefused` when the feed failed."""
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
                f"{len(result.content)} bytes)",
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
        fresh = self._fresh(state, parsed.items)
        for start in range(0, len(fresh), PUBLISH_CHUNK):
            chunk = fresh[start : start + PUBLISH_CHUNK]
            await self.publish([item.article for item in chunk])
            for item in chunk:
                state.mark(item.article, item.digest, item.guid)
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

    @staticmethod
    def _fresh(state: FeedState, items: Sequence[FeedItem]) -> list[FeedItem]:
        """The items to publish, each once (the first of repeated ids), under the id their guid was
        published with and at their publish revision."""
        fresh: list[FeedItem] = []
        taken: set[str] = set()
        for item in items:
            known = state.known_id(item)
            if known != item.article.id:
                item = replace(item, article=item.article.model_copy(update={"id": known}))
            if known in taken:
                continue
            taken.add(known)
            revision = state.revision_to_publish(item)
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
        """Poll every feed on its own schedule until ``stop`` is set; a slow or failing feed never
        holds up the others (each feed has its own loop; at most ``concurrency`` fetch at once)."""
        async with asyncio.TaskGroup() as group:
            for feed in self.feeds:
                group.create_task(self._run_feed(feed, stop), name=f"feed {feed.url}")

    async def _run_feed(self, feed: FeedConfig, stop: asyncio.Event | None) -> None:
        while stop is None or not stop.is_set():
            await self._poll_guarded(feed)
            if await sleep_or_stop(self.schedule.wait(feed.url, time.monotonic()), stop):
                return
