"""The feed poller against the local feed server (127.0.0.1 only): corrections republished, deadlines,
HTML pages as failures with metrics, bounded decompression, backoff and replica assignment."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Collection
from pathlib import Path

import httpx
import pytest
from aiokafka.errors import KafkaConnectionError

from newsflow.ingest.feed_poller import FeedPoller
from newsflow.ingest.feed_schedule import FeedSchedule, assigned_feeds
from newsflow.ingest.feed_state import MemoryFeedState, Seen
from newsflow.ingest.feeds import DECODE_STEP, BoundedDecoder, FeedError
from newsflow.ingest.metrics import IngestMetrics
from newsflow.ingest.settings import FeedConfig, IngestSettings
from tests.support.feed_server import RSS, Collected, FeedServer, serving
from tests.support.polling import wait_until

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
UNDATED = """<?xml version="1.0"?><rss version="2.0"><channel><title>u</title>
<item><title>Undated</title><link>https://undated.example/1</link><description>First text</description></item>
</channel></rss>"""


def local(server: FeedServer) -> FeedConfig:
    return FeedConfig(url=server.url, source="example", allow_private=True)  # loopback allowed explicitly


async def test_a_correction_that_keeps_the_date_is_republished_at_the_next_revision(
    feed_server: FeedServer,
) -> None:
    published = Collected()
    async with httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([local(feed_server)], published, client=client)
        assert (await poller.poll_once(local(feed_server))).published == 2
        original = {a.id: a for a in published.batches[0]}
        feed_server.body = RSS.replace("<title>Second</title>", "<title>Second (corrected)</title>")
        feed_server.etag = '"v2"'
        corrected = await poller.poll_once(local(feed_server))
        assert (corrected.published, corrected.skipped) == (1, 1)
        (article,) = published.batches[1]
        assert article.title == "Second (corrected)"
        assert article.revision == original[article.id].revision + 1
        assert article.published_at == original[article.id].published_at  # the date did not move
        feed_server.etag = '"v3"'  # same content under a new ETag: nothing to publish
        assert (await poller.poll_once(local(feed_server))).published == 0
    assert len(published.batches) == 2


async def test_an_undated_entry_moves_from_revision_0_to_1_when_edited() -> None:
    published = Collected()
    async with serving(FeedServer(body=UNDATED)) as server, httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([local(server)], published, client=client)
        await poller.poll_once(local(server))
        server.body, server.etag = UNDATED.replace("First text", "Second text"), '"v2"'
        await poller.poll_once(local(server))
    assert [(b[0].revision, b[0].body) for b in published.batches] == [(0, "First text"), (1, "Second text")]


async def test_a_link_change_under_the_same_url_guid_replaces_the_article() -> None:
    """A FeedBurner item (non-permalink guid in URL form): its id comes from the guid, so when the URL
    changes under the same guid the id stays — also for a poller that never saw the first version
    (a restart, another replica): no memory of guids is involved."""
    feed = (FEEDS / "identity.xml").read_text()
    published = Collected()
    async with serving(FeedServer(body=feed)) as server, httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([local(server)], published, client=client)
        await poller.poll_once(local(server))
        first = {a.title: a for a in published.batches[0]}["Via a feed proxy"]
        server.body = feed.replace("2025/01/06/proxy-story/", "2025/01/06/proxy-story-updated/")
        server.etag = '"v2"'
        assert (await poller.poll_once(local(server))).published == 1
        fresh = Collected()
        await FeedPoller([local(server)], fresh, client=client).poll_once(local(server))
    (moved,) = published.batches[1]
    assert moved.url.endswith("/proxy-story-updated/")
    assert (moved.id, moved.revision) == (first.id, first.revision + 1)
    assert {a.title: a.id for a in fresh.batches[0]}["Via a feed proxy"] == first.id


async def test_a_dripping_server_is_cut_at_the_overall_deadline() -> None:
    published = Collected()
    async with serving(FeedServer(drip_s=0.5)) as server, httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([local(server)], published, client=client, deadline_s=1.0)
        started = time.monotonic()
        with pytest.raises(FeedError) as raised:
            await poller.poll_once(local(server))
        elapsed = time.monotonic() - started
    assert raised.value.reason == "deadline"
    assert elapsed < 5.0  # the drip alone takes 10 s; every read was within the per-read timeout
    assert published.batches == []


async def test_a_slow_feed_does_not_hold_the_others() -> None:
    published = Collected()
    stop = asyncio.Event()
    async with (
        serving(FeedServer(drip_s=0.5)) as slow,
        serving(FeedServer()) as quick,
        httpx.AsyncClient(trust_env=False) as client,
    ):
        poller = FeedPoller([local(slow), local(quick)], published, client=client, interval_s=60)
        task = asyncio.create_task(poller.run(stop))
        try:

            async def quick_published() -> bool:
                return bool(published.batches)

            await wait_until(quick_published, within=5, what="the quick feed published while the slow drips")
            assert len(slow.requests) == 1 and not task.done()  # the slow feed is still being read
        finally:
            stop.set()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_an_html_page_is_a_failed_poll_with_a_reason_and_a_metric() -> None:
    page = FeedServer(payload=(FEEDS / "not_a_feed.html").read_bytes(), content_type="text/html")
    metrics = IngestMetrics()
    published = Collected()
    async with serving(page) as server, httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([local(server)], published, client=client, metrics=metrics, interval_s=10)
        with pytest.raises(FeedError) as raised:
            await poller.poll_once(local(server))
        assert raised.value.reason == "not_a_feed" and "text/html" in str(raised.value)
        await poller._poll_guarded(local(server))
    assert poller.states[server.url].etag is None  # a page is not a version of the feed
    assert poller.schedule.failures[server.url] == 1
    assert (
        metrics.registry.get_sample_value(
            "newsflow_ingest_feed_polls_total", {"outcome": "failed", "reason": "not_a_feed"}
        )
        == 1.0
    )
    assert published.batches == []


async def test_polls_and_items_are_counted(feed_server: FeedServer) -> None:
    metrics = IngestMetrics()
    async with httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([local(feed_server)], Collected(), client=client, metrics=metrics)
        await poller._poll_guarded(local(feed_server))
        await poller._poll_guarded(local(feed_server))
    sample = metrics.registry.get_sample_value
    assert sample("newsflow_ingest_feed_polls_total", {"outcome": "ok", "reason": ""}) == 1.0
    assert sample("newsflow_ingest_feed_polls_total", {"outcome": "not_modified", "reason": ""}) == 1.0
    assert sample("newsflow_ingest_feed_items_total", {"outcome": "published"}) == 2.0
    assert sample("newsflow_ingest_feed_items_total", {"outcome": "rejected"}) == 1.0
    assert sample("newsflow_ingest_feed_poll_seconds_count", {}) == 2.0


async def test_a_gzip_feed_is_decoded_and_a_gzip_bomb_refused() -> None:
    published = Collected()
    zipped = FeedServer(payload=gzip.compress(RSS.encode()), content_encoding="gzip")
    bomb = FeedServer(payload=gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024)), content_encoding="gzip")
    async with (
        serving(zipped) as good,
        serving(bomb) as bad,
        httpx.AsyncClient(trust_env=False) as client,
    ):
        poller = FeedPoller([local(good), local(bad)], published, client=client, max_bytes=1024 * 1024)
        assert (await poller.poll_once(local(good))).published == 2
        with pytest.raises(FeedError) as raised:
            await poller.poll_once(local(bad))
    assert raised.value.reason == "too_large"


def test_the_decoder_never_holds_more_than_the_cap_plus_one_step() -> None:
    decoder = BoundedDecoder("gzip", max_bytes=1024 * 1024)
    with pytest.raises(FeedError):
        decoder.feed(gzip.compress(b"\0" * (64 * 1024 * 1024)))  # 64 MiB in 64 KB
    assert decoder.size <= 1024 * 1024 + DECODE_STEP
    with pytest.raises(FeedError) as raised:
        BoundedDecoder("br", max_bytes=1024)
    assert raised.value.reason == "encoding"


async def test_a_charset_declared_only_in_the_http_header_is_honoured() -> None:
    text = "Новости: Москва"
    document = (
        f"<rss version='2.0'><channel><title>c</title><item><title>{text}</title>"
        "<link>https://charset.example/1</link><description>x</description></item></channel></rss>"
    ).encode("windows-1251")
    server = FeedServer(payload=document, content_type="application/rss+xml; charset=windows-1251")
    published = Collected()
    async with serving(server) as feed, httpx.AsyncClient(trust_env=False) as client:
        await FeedPoller([local(feed)], published, client=client).poll_once(local(feed))
    assert published.batches[0][0].title == text


async def test_relative_links_resolve_against_the_feed_url() -> None:
    server = FeedServer(payload=(FEEDS / "relative.atom").read_bytes(), content_type="application/atom+xml")
    published = Collected()
    async with serving(server) as feed, httpx.AsyncClient(trust_env=False) as client:
        await FeedPoller([local(feed)], published, client=client).poll_once(local(feed))
    assert [a.url for a in published.batches[0]] == [
        f"http://127.0.0.1:{feed.port}/blog/2025/01/06/first",
        "https://relative.example/archive/2025/second",
    ]


def test_every_feed_has_exactly_one_poller_across_replicas() -> None:
    feeds = [FeedConfig(url=f"https://feeds{n}.example/rss", source="example") for n in range(60)]
    shares = [assigned_feeds(feeds, index, 3) for index in range(3)]
    assert sorted(f.url for share in shares for f in share) == sorted(f.url for f in feeds)
    assert all(shares)  # each replica gets some of the 60
    assert assigned_feeds(feeds, 1, 3) == shares[1]  # the split depends on the URLs only
    assert assigned_feeds(feeds, 0, 1) == feeds
    with pytest.raises(ValueError, match="feed_replica_index"):
        IngestSettings(feed_replica_index=2, feed_replica_count=2)


def test_a_failing_feed_backs_off_and_recovers() -> None:
    schedule = FeedSchedule(["a", "b"], interval_s=10)
    assert schedule.wait("a", 0) == schedule.wait("b", 0) == 0  # both due at once
    assert [schedule.failed("a", 0) for _ in range(6)] == [10, 20, 40, 80, 160, 160]
    schedule.succeeded("b", 0)
    assert (schedule.wait("a", 100), schedule.wait("b", 100)) == (60, 0)  # a backs off until 160
    schedule.succeeded("a", 160)
    assert schedule.failures["a"] == 0 and schedule.wait("a", 160) == 10


class _UnreadableOnce(MemoryFeedState):
    """A state store that cannot be read the first time (Kafka away at start)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    async def load(self, sources: Collection[str]) -> dict[str, Seen]:
        self.loads += 1
        if self.loads == 1:
            raise KafkaConnectionError("broker away")
        return await super().load(sources)


async def test_a_feed_is_not_polled_while_its_revision_memory_cannot_be_read(feed_server: FeedServer) -> None:
    """Polling without the memory would republish corrections at their date revisions (lost in the
    index): the poll fails with reason ``state`` and the feed backs off until the store answers."""
    published = Collected()
    store = _UnreadableOnce()
    store.entries["example:urn:1"] = Seen(revision=1 << 50, digest="x")  # a later revision, published before
    async with httpx.AsyncClient(trust_env=False) as client:
        poller = FeedPoller([local(feed_server)], published, client=client, store=store)
        with pytest.raises(FeedError) as failed:
            await poller.poll_once(local(feed_server))
        assert failed.value.reason == "state" and published.batches == [] and feed_server.requests == []
        assert (await poller.poll_once(local(feed_server))).published == 2
    first = {a.id: a for a in published.batches[0]}["example:urn:1"]
    assert first.revision == (1 << 50) + 1  # continues the stored revision (the digest differs)
    assert store.entries["example:urn:1"].revision == first.revision  # written back after the publish
