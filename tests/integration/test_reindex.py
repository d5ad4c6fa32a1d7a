"""`newsflow reindex`: replay the compacted topic into a new index version and swap the alias, while
searches keep working and the live indexer keeps writing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from elasticsearch import AsyncElasticsearch

from newsflow.index.design import alias_indices
from newsflow.index.reindex import reindex
from tests.support.elasticsearch import count
from tests.support.indexer import (
    POLITICS,
    committed_all,
    enriched,
    es_client,
    make_env,
    produce,
    running_indexer,
)
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration


async def _search_loop(
    es: AsyncElasticsearch, alias: str, stop: asyncio.Event, floor: int
) -> tuple[int, list[str]]:
    """Search the alias until stopped; return (searches, failures)."""
    searches, failures = 0, []
    while not stop.is_set():
        try:
            result = await es.search(index=alias, query={"match": {"title": "article"}}, size=0)
            total = int(result["hits"]["total"]["value"])
            if total < floor:
                failures.append(f"search saw {total} < {floor} documents")
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        searches += 1
        await asyncio.sleep(0.02)
    return searches, failures


async def test_reindex_swaps_the_alias_with_no_failed_search_and_nothing_lost(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name, refresh="false")
    base = [enriched(f"k{i:04d}", 1, title=f"article {i}", topics=[POLITICS]) for i in range(600)]
    updates = [enriched(f"k{i:04d}", 2, title=f"article {i} updated") for i in range(50)]
    retractions = [enriched(f"k{i:04d}", 3, deleted=True) for i in range(590, 600)]
    extra = [enriched(f"late{i:03d}", 1, title=f"article late {i}") for i in range(40)]
    expected_before = 600 - 10
    async with es_client(env) as es, running_indexer(env):
        await produce(env, base + updates + retractions)
        await wait_until(lambda: committed_all(env), within=60, what="initial load committed", interval=0.3)
        assert await count(es, env.es.alias) == expected_before
        [old_index] = await alias_indices(es, env.es.alias)

        dry = await reindex(
            es=es, es_settings=env.es, kafka=env.kafka, topic=env.topics.enriched, dry_run=True
        )
        assert dry.new_index is None and dry.records == 660
        assert dry.indexed == 650 and dry.deleted == 10
        assert await alias_indices(es, env.es.alias) == [old_index]

        stop = asyncio.Event()
        searcher = asyncio.create_task(_search_loop(es, env.es.alias, stop, floor=expected_before))
        progress: list[tuple[int, int]] = []
        rebuild = asyncio.create_task(
            reindex(
                es=es,
                es_settings=env.es,
                kafka=env.kafka,
                topic=env.topics.enriched,
                progress=lambda done, total: progress.append((done, total)),
            )
        )
        await produce(env, extra)  # the live indexer keeps writing during the rebuild
        report = await rebuild
        await wait_until(lambda: committed_all(env), within=60, what="late articles committed", interval=0.3)
        await asyncio.sleep(0.3)
        stop.set()
        searches, failures = await searcher

        assert failures == []
        assert searches >= 5
        assert report.new_index is not None and report.new_index != old_index
        assert await alias_indices(es, env.es.alias) == [report.new_index]
        assert report.old_indices == [old_index] and not report.old_deleted
        assert await es.indices.exists(index=old_index)  # kept, detached, for a rollback
        assert report.rejected == 0 and report.undecodable == 0
        assert progress and progress[-1][0] == progress[-1][1]
        assert await count(es, env.es.alias) == expected_before + len(extra)
        doc = await es.get(index=env.es.alias, id="k0007")
        assert (doc["_source"]["revision"], doc["_source"]["title"]) == (2, "article 7 updated")
        assert not await es.exists(index=env.es.alias, id="k0595")

        second = await reindex(
            es=es, es_settings=env.es, kafka=env.kafka, topic=env.topics.enriched, delete_old=True
        )
        assert second.old_indices == [report.new_index] and second.old_deleted
        assert not await es.indices.exists(index=report.new_index)
        assert await count(es, env.es.alias) == expected_before + len(extra)
