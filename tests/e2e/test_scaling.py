"""Scaling enrichment from one replica to two and back, under load, loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import time

from tests.e2e.metrics import scrape, value
from tests.support.articles import accepted_ids, article
from tests.support.pipelines import StartedPipelines
from tests.support.polling import wait_until

MIN_ARTICLES = 400


async def test_adding_and_removing_an_enrichment_replica_under_load(
    pipeline_factory: StartedPipelines,
) -> None:
    pipeline = await pipeline_factory(partitions=12)
    http = pipeline.http
    expected: dict[str, int] = {}  # article id (as ingest returned it) -> latest revision pushed
    stop_pushing = asyncio.Event()

    async def push_continuously() -> None:
        n = 0
        while not (stop_pushing.is_set() and len(expected) >= MIN_ARTICLES):
            batch = [article("scale", n + i) for i in range(10)]
            if n >= 50:  # a new revision of an earlier article in every batch
                batch.append(article("scale", n - 50, revision=2))
            ids = accepted_ids(await pipeline.push(batch))
            for index, item in enumerate(batch):
                expected[ids[index]] = max(expected.get(ids[index], 0), item["revision"])
            n += 10
            await asyncio.sleep(0.25)

    pusher = asyncio.create_task(push_continuously())
    try:
        await wait_until(
            lambda: _ready(len(expected) >= 100),
            within=60,
            what="the first 100 articles pushed",
            interval=0.5,
        )

        first = pipeline.lp.url("enrichment", 0)
        await pipeline.start("enrichment", replica=1)
        second = pipeline.lp.url("enrichment", 1)

        async def both_consumed() -> bool:
            a, b = await scrape(http, first), await scrape(http, second)
            name = "newsflow_enrichment_consumed_total"
            return value(a, name) > 0 and value(b, name) > 0

        await wait_until(
            both_consumed,
            within=120,
            what="both enrichment replicas consuming (partitions shared)",
            interval=0.5,
        )
        before_stop = value(await scrape(http, first), "newsflow_enrichment_consumed_total")
        second_before = value(await scrape(http, second), "newsflow_enrichment_consumed_total")

        assert pipeline.lp.stop("enrichment", 0), "enrichment-0 was not running"
        stopped_at = time.monotonic()
        await wait_until(
            lambda: _ready(time.monotonic() - stopped_at > 3),
            within=10,
            what="load after the scale-in",
            interval=0.5,
        )
        stop_pushing.set()
        await asyncio.wait_for(pusher, timeout=120)
    finally:
        stop_pushing.set()
        if not pusher.done():
            pusher.cancel()

    assert len(expected) >= MIN_ARTICLES
    await pipeline.wait_indexed(expected, timeout_s=300)
    await pipeline.es.indices.refresh(index=pipeline.config.alias)
    assert (await pipeline.es.count(index=pipeline.config.alias))["count"] == len(expected)
    assert await pipeline.dead_letters() == 0

    second_after = value(await scrape(http, second), "newsflow_enrichment_consumed_total")
    assert before_stop > 0
    assert second_after > second_before, "the remaining replica did not take over the partitions"


async def _ready(condition: bool) -> bool:
    return condition
