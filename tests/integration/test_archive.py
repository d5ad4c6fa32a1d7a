"""The archive across rollovers (newsflow.index.archive), on the real node with the real indexer:
revisions and retractions of articles whose earlier revision sits in an older index stay one
document each (never found twice, never resurrected), new articles go to the write index, get-by-id
and ``newsflow reindex`` work across indices."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from elasticsearch import AsyncElasticsearch

from newsflow.index.archive import AliasLayout, Rollover, alias_layout, get_article, rollover
from newsflow.index.reindex import reindex
from tests.support.indexer import committed_all, enriched, es_client, make_env, produce, running_indexer
from tests.support.polling import wait_until


async def _all_docs(es: AsyncElasticsearch, alias: str) -> list[dict[str, Any]]:
    await es.indices.refresh(index=alias)
    response = await es.search(index=alias, query={"match_all": {}}, size=1000, source=["revision", "title"])
    hits: list[dict[str, Any]] = response["hits"]["hits"]
    return hits


async def test_no_duplicate_and_no_resurrection_across_rollovers(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    alias = env.es.alias
    async with es_client(env) as es:
        async with running_indexer(env):
            await produce(env, [enriched(f"a{n}", 1, title=f"a{n} first") for n in range(40)])
            await wait_until(lambda: committed_all(env), within=60, what="first load committed", interval=0.3)
            first = await rollover(es, env.es)
            assert first is not None
            assert await alias_layout(es, alias) == AliasLayout(first.new, (first.old,))

            # a0-a19 revised, a20-a29 retracted, stale replays of revision 1 of a0-a29 after them,
            # and new articles b0-b19
            await produce(
                env,
                [enriched(f"a{n}", 2, title=f"a{n} second") for n in range(20)]
                + [enriched(f"a{n}", 2, deleted=True) for n in range(20, 30)]
                + [enriched(f"a{n}", 1, title="stale replay") for n in range(30)]
                + [enriched(f"b{n}", 1, title=f"b{n} first") for n in range(20)],
            )
            await wait_until(lambda: committed_all(env), within=60, what="second load", interval=0.3)
            # the second one as an operator would: `newsflow index rollover`
            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "newsflow.cli", "index", "rollover", "--max-docs", "1"],
                env={**os.environ, "NEWSFLOW_ES_URL": es_url, "NEWSFLOW_ES_ALIAS": alias},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            layout = await alias_layout(es, alias)
            second = Rollover(old=layout.older[0], new=layout.write)
            assert second.old == first.new and layout.older == (first.new, first.old)
            assert f"new articles go to {second.new}" in done.stdout

            # two indices back and one back: a0-a4 revised again, b0-b9 revised, b10-b14 retracted,
            # revision 1 of b0-b4 replayed, a retracted article's older revision replayed, new c0-c9
            await produce(
                env,
                [enriched(f"a{n}", 3, title=f"a{n} third") for n in range(5)]
                + [enriched(f"b{n}", 2, title=f"b{n} second") for n in range(10)]
                + [enriched(f"b{n}", 2, deleted=True) for n in range(10, 15)]
                + [enriched(f"b{n}", 1, title="stale replay") for n in range(5)]
                + [enriched("a25", 1, title="stale replay of a retracted article")]
                + [enriched(f"c{n}", 1, title=f"c{n} first") for n in range(10)],
            )
            await wait_until(lambda: committed_all(env), within=60, what="third load", interval=0.3)

        hits = await _all_docs(es, alias)
        ids = Counter(h["_id"] for h in hits)
        twice = [i for i, n in ids.items() if n > 1]
        assert not twice, f"found twice: {twice}"
        where = {h["_id"]: (h["_index"], h["_source"]["revision"]) for h in hits}
        expected: dict[str, tuple[str, int]] = {}
        expected |= {f"a{n}": (first.old, 3) for n in range(5)}
        expected |= {f"a{n}": (first.old, 2) for n in range(5, 20)}
        expected |= {f"a{n}": (first.old, 1) for n in range(30, 40)}
        expected |= {f"b{n}": (first.new, 2) for n in range(10)}
        expected |= {f"b{n}": (first.new, 1) for n in range(15, 20)}
        expected |= {f"c{n}": (second.new, 1) for n in range(10)}
        assert where == expected  # a20-a29 and b10-b14 stay retracted; nothing else is there

        doc = await get_article(es, alias, "a3")
        assert doc is not None and doc["_index"] == first.old and doc["_source"]["revision"] == 3
        assert await get_article(es, alias, "a25") is None

        report = await reindex(es=es, es_settings=env.es, kafka=env.kafka, topic=env.topics.enriched)
        layout = await alias_layout(es, alias)
        assert layout.write == report.new_index and layout.older == ()
        rebuilt = {h["_id"]: h["_source"]["revision"] for h in await _all_docs(es, alias)}
        assert rebuilt == {i: r for i, (_, r) in expected.items()}


async def test_the_indexer_rolls_over_by_itself_when_a_condition_holds(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(
        kafka_bootstrap, es_url, unique_name, rollover_max_docs=20, rollover_check_seconds=0.5
    )
    async with es_client(env) as es, running_indexer(env):
        await produce(env, [enriched(f"d{n}", 1) for n in range(25)])
        await wait_until(lambda: committed_all(env), within=60, what="first load", interval=0.3)

        async def rolled() -> bool:
            return len((await alias_layout(es, env.es.alias)).older) == 1

        await wait_until(rolled, within=30, what="a rollover by the indexer", interval=0.3)
        await produce(env, [enriched(f"d{n}", 2) for n in range(25)] + [enriched("e0", 1)])
        await wait_until(lambda: committed_all(env), within=60, what="second load", interval=0.3)
        layout = await alias_layout(es, env.es.alias)
        hits = await _all_docs(es, env.es.alias)
    assert len(layout.older) == 1  # the new index holds 1 document: no second rollover
    assert sorted(h["_id"] for h in hits) == sorted([f"d{n}" for n in range(25)] + ["e0"])
    assert {h["_id"]: h["_index"] for h in hits if h["_index"] == layout.write} == {"e0": layout.write}
    assert all(h["_source"]["revision"] == (2 if h["_id"] != "e0" else 1) for h in hits)
