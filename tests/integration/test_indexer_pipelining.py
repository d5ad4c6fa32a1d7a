"""Overlapping bulks (``max_in_flight_bulks`` > 1) never commit past an unsettled batch.

Real broker and node: a batch is written while an earlier batch is still "in flight" (a task this test
controls). Its documents reach Elasticsearch, but its offsets are committed only once the earlier batch
committed, and never when the earlier batch did not settle.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest
from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry

from newsflow.index.client import make_async_es
from newsflow.index.design import ensure_index
from newsflow.index.loop import IndexerLoop, Record, consumer_overrides
from newsflow.index.metrics import IndexerMetrics
from newsflow.kafka import make_consumer, make_producer
from tests.support.elasticsearch import count
from tests.support.indexer import Env, enriched, es_client, make_env, produce
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def _loop_and_records(env: Env, expected: int) -> AsyncIterator[tuple[IndexerLoop, list[Record]]]:
    es = make_async_es(env.es)
    producer = make_producer(env.kafka)
    consumer = make_consumer(
        env.kafka, env.topics.enriched, group_id=env.indexer.group_id, **consumer_overrides(env.indexer)
    )
    await ensure_index(es, env.es, analyzer="basic")
    await producer.start()
    await consumer.start()
    try:
        loop = IndexerLoop(
            consumer=consumer,
            producer=producer,
            es=es,
            settings=env.indexer,
            alias=env.es.alias,
            dlq_topic=env.topics.dlq,
            metrics=IndexerMetrics(CollectorRegistry()),
        )
        records: list[Record] = []
        for _ in range(100):
            fetched = await consumer.getmany(timeout_ms=500)
            records.extend(r for batch in fetched.values() for r in batch)
            if len(records) >= expected:
                break
        assert len(records) == expected
        yield loop, records
    finally:
        await consumer.stop()
        await producer.stop()
        await es.close()


async def _committed(loop: IndexerLoop, records: list[Record]) -> dict[TopicPartition, int | None]:
    partitions = {TopicPartition(r.topic, r.partition) for r in records}
    return {tp: await loop.consumer.committed(tp) for tp in partitions}


@pytest.mark.parametrize("earlier_settles", [True, False])
async def test_a_batch_commits_only_after_the_earlier_batch_committed(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str], earlier_settles: bool
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name, partitions=1, max_in_flight_bulks=2)
    await produce(env, [enriched(f"p{i}", title=f"Pipelined {i}") for i in range(6)])
    async with es_client(env) as es, _loop_and_records(env, 6) as (loop, records):
        earlier_done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        async def earlier() -> bool:
            return await earlier_done

        earlier_task = asyncio.create_task(earlier())
        later = asyncio.create_task(
            loop._write_and_commit(loop.prepare(records[3:]), asyncio.Event(), earlier_task)
        )
        # The later batch is written while the earlier one is still unsettled ...

        async def three_written() -> bool:
            return await count(es, env.es.alias) == 3

        await wait_until(three_written, within=10, what="the later batch written")
        await asyncio.sleep(0.5)
        # ... but nothing is committed past the unsettled batch.
        assert not later.done()
        assert set((await _committed(loop, records)).values()) == {None}

        if earlier_settles:
            await loop.commit(records[:3])
            earlier_done.set_result(True)
            assert await later is True
            assert set((await _committed(loop, records)).values()) == {records[-1].offset + 1}
        else:
            earlier_done.set_result(False)
            assert await later is False
            assert set((await _committed(loop, records)).values()) == {None}
