"""Elasticsearch stopped and restarted under a running indexer: it waits, commits nothing, resumes alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.support.elasticsearch import count
from tests.support.indexer import committed_all, enriched, es_client, make_env, produce, running_indexer
from tests.support.polling import wait_until
from tests.support.stack import StackControl

pytestmark = pytest.mark.integration


async def test_elasticsearch_restart_during_a_run_loses_nothing(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str], stack_control: StackControl
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    first = [enriched(f"r{i:03d}", 1, title=f"first wave {i}") for i in range(100)]
    second = [enriched(f"r{i:03d}", 1, title=f"second wave {i}") for i in range(100, 200)]
    revised = [enriched(f"r{i:03d}", 2, title=f"revised {i}") for i in range(20)]
    async with es_client(env) as es, running_indexer(env) as service:
        await produce(env, first)
        await wait_until(lambda: committed_all(env), within=60, what="first wave committed", interval=0.3)

        await asyncio.to_thread(stack_control.stop_elasticsearch)
        try:
            await produce(env, second + revised)

            async def not_ready() -> bool:
                return not service.ready

            await wait_until(not_ready, within=60, what="indexer reports not-ready")
            await asyncio.sleep(1.0)  # a few more failed attempts while Elasticsearch is down
            assert not await committed_all(env), "offsets were committed while Elasticsearch was down"
        finally:
            await asyncio.to_thread(stack_control.start_elasticsearch)

        await wait_until(
            lambda: committed_all(env), within=180, what="everything committed after restart", interval=0.5
        )

        async def ready() -> bool:
            return service.ready

        await wait_until(ready, within=30, what="indexer ready again")
        assert await count(es, env.es.alias) == 200
        for i in (0, 7, 19):
            doc = await es.get(index=env.es.alias, id=f"r{i:03d}")
            assert (doc["_source"]["revision"], doc["_source"]["title"]) == (2, f"revised {i}")
        doc = await es.get(index=env.es.alias, id="r150")
        assert doc["_source"]["title"] == "second wave 150"
        assert service.loop is not None and service.loop.totals.dlq == 0
