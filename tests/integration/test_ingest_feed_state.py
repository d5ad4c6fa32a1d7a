"""The feed poller's memory and its assignment on the real broker: revisions continue across a
restart (the compacted state topic), and a consumer group splits the feeds between replicas — each
feed has exactly one poller, and the survivors take over the feeds of a replica that leaves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from newsflow.ingest.feed_assignment import GROUP_PARTITIONS, GroupAssignment
from newsflow.ingest.feed_poller import FeedPoller
from newsflow.ingest.feed_state import KafkaFeedState, MemoryFeedState
from newsflow.ingest.settings import FeedConfig
from newsflow.settings import KafkaSettings
from tests.support.feed_server import RSS, Collected, FeedServer, serving
from tests.support.kafka import record_count
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration


def local(server: FeedServer) -> FeedConfig:
    return FeedConfig(url=server.url, source="example", allow_private=True)  # loopback allowed explicitly


def corrected(n: int) -> str:
    return RSS.replace("<title>Second</title>", f"<title>Second (correction {n})</title>")


async def test_a_correction_after_a_restart_continues_the_revisions(
    kafka_bootstrap: str, unique_name: Callable[..., str]
) -> None:
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topic = unique_name("feed-state")
    published = Collected()
    async with serving(FeedServer()) as server, httpx.AsyncClient(trust_env=False) as client:
        feed = local(server)
        first_store = KafkaFeedState(kafka, topic)
        first = FeedPoller([feed], published, client=client, store=first_store)
        assert (await first.poll_once(feed)).published == 2
        dated = {a.title: a.revision for a in published.batches[0]}["Second"]
        server.body, server.etag = corrected(1), '"v2"'
        (original,) = [a for a in published.batches[0] if a.title == "Second"]
        assert (await first.poll_once(feed)).published == 1
        assert published.batches[1][0].revision == dated + 1
        await first_store.close()
        assert await record_count(kafka, topic) == 3  # two entries, then the correction's

        # A new process (or the replica that takes the feed over) reads the topic first.
        after = Collected()
        second_store = KafkaFeedState(kafka, topic)
        second = FeedPoller([feed], after, client=client, store=second_store)
        server.etag = '"v3"'  # the same content once more: nothing to publish
        assert (await second.poll_once(feed)).published == 0
        server.body, server.etag = corrected(2), '"v4"'
        assert (await second.poll_once(feed)).published == 1
        (again,) = after.batches[0]
        assert (again.id, again.revision) == (original.id, dated + 2)
        await second_store.close()

        # Without the topic (memory only), the same restart republishes at the date revision, which
        # the index ignores because it already holds a higher one: the correction would be lost.
        forgetful = Collected()
        server.body, server.etag = corrected(3), '"v5"'
        await FeedPoller([feed], forgetful, client=client, store=MemoryFeedState()).poll_once(feed)
        assert {a.title: a.revision for a in forgetful.batches[0]}["Second (correction 3)"] == dated


async def test_a_group_gives_every_feed_one_poller_and_survivors_take_over(
    kafka_bootstrap: str, unique_name: Callable[..., str]
) -> None:
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topic, group = unique_name("feed-assign"), unique_name("feed-group")
    urls = [f"https://feeds{n}.example/rss" for n in range(60)]
    replicas = [GroupAssignment(kafka, topic, group, session_timeout_ms=6000) for _ in range(2)]
    stops = [asyncio.Event() for _ in replicas]
    tasks = [asyncio.create_task(r.run(s)) for r, s in zip(replicas, stops, strict=True)]
    try:

        async def split() -> bool:
            shares = [r.partitions for r in replicas]
            return all(shares) and not (shares[0] & shares[1]) and len(shares[0] | shares[1]) == 12

        await wait_until(split, within=60, what="two replicas sharing the 12 assignment partitions")
        owners = [[r.owns(url) for r in replicas] for url in urls]
        assert all(sum(owned) == 1 for owned in owners)  # exactly one poller per feed
        assert all(any(owned[i] for owned in owners) for i in range(2))  # both poll some of the 60

        stops[0].set()
        await tasks[0]  # leaves the group

        async def taken_over() -> bool:
            return len(replicas[1].partitions) == GROUP_PARTITIONS

        await wait_until(taken_over, within=60, what="the survivor owning every partition")
        assert all(replicas[1].owns(url) for url in urls) and not replicas[0].partitions
    finally:
        for stop in stops:
            stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
