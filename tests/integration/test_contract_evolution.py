"""Contracts that evolve (docs/contracts.md), against the real broker and Elasticsearch: records of
the next release are read by today's consumers, today's records by the next version's readers, and
a rolling upgrade of the local pipeline loses and dead-letters nothing.

"The next release" is today's service code started with ``tests/support/next_release_site`` first on
its ``PYTHONPATH``: its ``sitecustomize`` makes the process's producers write the compatible
additions of tests/support/next_release.py (an optional field, a new entity type in a new span
field, a topic code today's taxonomy lacks) on top of what today's code writes. Production code has
no switch for it: the only difference between the two kinds of worker is what they write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from newsflow.kafka import make_producer
from newsflow.serde import encode
from newsflow.settings import KafkaSettings
from newsflow.versions import ENRICHED, RAW, read
from tests.e2e.metrics import scrape, value
from tests.support.articles import accepted_ids, article, seed_article
from tests.support.indexer import enriched as today_enriched
from tests.support.kafka import read_topic
from tests.support.next_release import (
    ENRICHED_V2,
    NEW_ENTITY_TYPE,
    NEW_TOPIC,
    RAW_V2,
    SUBTITLE,
    next_enriched,
    next_raw,
    next_release_env,
)
from tests.support.pipelines import Pipeline, pipeline_factory
from tests.support.polling import wait_until

SOURCE = "contracts-wire"

Factory = Callable[..., Pipeline]


@pytest.fixture
async def pipelines(
    request: pytest.FixtureRequest, kafka_bootstrap: str, es_url: str
) -> AsyncIterator[Factory]:
    async with pipeline_factory(request, kafka_bootstrap, es_url, source=SOURCE, partitions=4) as factory:
        yield factory


async def produce(bootstrap: str, topic: str, records: list[tuple[str, bytes]]) -> None:
    producer = make_producer(KafkaSettings(bootstrap_servers=bootstrap))
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value, key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def enriched_by(pipeline: Pipeline, replica: int) -> float:
    """Records enrichment replica ``replica`` has produced to the enriched topic so far."""
    samples = await scrape(pipeline.http, pipeline.lp.url("enrichment", replica))
    return value(samples, "newsflow_enrichment_processed_total")


async def count_where(pipeline: Pipeline, query: dict[str, object]) -> int:
    await pipeline.es.indices.refresh(index=pipeline.config.alias)
    return int((await pipeline.es.count(index=pipeline.config.alias, query=query))["count"])


async def test_records_of_the_next_producers_are_processed_by_todays_consumers(
    pipelines: Factory, kafka_bootstrap: str
) -> None:
    pipeline = pipelines("next")
    await pipeline.start("enrichment", "indexer")
    config = pipeline.config
    raw = [
        (f"{SOURCE}:raw-{i}", next_raw(encode(seed_article(f"{SOURCE}:raw-{i}", SOURCE)))) for i in range(4)
    ]
    enriched = [
        (
            f"{SOURCE}:enriched-{i}",
            next_enriched(encode(today_enriched(f"{SOURCE}:enriched-{i}", 2, source=SOURCE))),
        )
        for i in range(4)
    ]
    await produce(kafka_bootstrap, config.raw_topic, raw)
    await produce(kafka_bootstrap, config.enriched_topic, enriched)

    expected = {key: 1 for key, _ in raw} | {key: 2 for key, _ in enriched}
    await pipeline.wait_indexed(expected, timeout_s=90)
    assert await pipeline.dead_letters() == 0
    # today's indexer indexed the next enrichment's new entity type and topic code, and only those
    assert await count_where(pipeline, {"term": {"entities.type": NEW_ENTITY_TYPE}}) == 4
    assert await count_where(pipeline, {"term": {"topic_codes": NEW_TOPIC["code"]}}) == 4
    # today's enrichment carried the next ingest's subtitle on to the enriched topic
    written = [
        r
        for r in await read_topic(kafka_bootstrap, config.enriched_topic)
        if r.key.startswith(b"contracts-wire:raw-")
    ]
    assert len(written) == 4
    assert all(read(r.value, ENRICHED).article.model_extra == {"subtitle": SUBTITLE} for r in written)


async def test_a_rolling_upgrade_loses_and_dead_letters_nothing(
    pipelines: Factory, kafka_bootstrap: str
) -> None:
    """Today's pipeline; a next-release enrichment worker joins the old one's group while articles
    flow, and both enrich (the new one's records reach the index, the old one's produced count still
    grows); the old worker stops; then the indexer is replaced by the next release's (which changes
    nothing in how it indexes: the upgrade order restarts it all the same). Every accepted article
    ends indexed, the DLQ stays empty, and every record written (version 1) is read by the version 2
    readers a later breaking change would bring."""
    pipeline = pipelines("rolling")
    await pipeline.start("indexer", "enrichment", "ingest")
    expected: dict[str, int] = {}
    stop = asyncio.Event()

    async def push_until_stopped() -> None:
        n = 0
        while not stop.is_set():
            response = await pipeline.push([article("roll", n + i) for i in range(10)])
            expected.update({i: 1 for i in accepted_ids(response).values()})
            n += 10
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.3)

    pusher = asyncio.create_task(push_until_stopped())
    try:
        await pipeline.wait_count(20, within=60)
        await pipeline.start("enrichment", replica=1, **next_release_env())  # the same consumer group
        old_at_join = await enriched_by(pipeline, 0)

        async def next_release_indexed() -> bool:
            return await count_where(pipeline, {"term": {"entities.type": NEW_ENTITY_TYPE}}) > 0

        async def old_still_working() -> bool:
            return await enriched_by(pipeline, 0) > old_at_join

        await wait_until(next_release_indexed, within=60, what="documents enriched by the next release")
        await wait_until(old_still_working, within=30, what="the old worker enriching beside the new one")
        pipeline.lp.stop("enrichment", 0)  # the old worker leaves: its partitions move to the new one
        pipeline.lp.stop("indexer", 0)
        await pipeline.start("indexer", replica=1, **next_release_env())
        before = await pipeline.indexed_count()
        await pipeline.wait_count(before + 20, within=60)
    finally:
        stop.set()
        await pusher

    await pipeline.wait_indexed(expected, timeout_s=90)
    assert await pipeline.indexed_count() == len(expected)
    assert await pipeline.dead_letters() == 0
    raw = await read_topic(kafka_bootstrap, pipeline.config.raw_topic)
    enriched = await read_topic(kafka_bootstrap, pipeline.config.enriched_topic)
    assert {read(r.value, RAW_V2).id for r in raw} == set(expected)
    assert {read(r.value, ENRICHED_V2).article.id for r in enriched} == set(expected)
    assert {read(r.value, RAW).schema_version for r in raw} == {1}
