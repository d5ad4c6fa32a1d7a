"""Scenarios 6 and 5 on one pipeline: revisions delivered out of order, then a full replay of both
topics from the earliest offset (new consumer groups) that must leave the index unchanged."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.faults.results import record_result
from tests.support.elasticsearch import es_docs
from tests.support.exactness import assert_exact, converge
from tests.support.kafka import lag, read_dlq
from tests.support.pipelines import Pipeline, PipelineFactory
from tests.support.polling import wait_until
from tests.support.pushing import SOURCE, latest, make_articles, push, stored_id


@pytest.fixture(scope="module")
async def pipeline(module_pipelines: PipelineFactory) -> Pipeline:
    p = module_pipelines("s56")
    await p.start()
    return p


def _revision(article: dict[str, Any], revision: int) -> dict[str, Any]:
    return {**article, "revision": revision, "title": f"rev {revision}: {article['title']}"}


async def test_out_of_order_revisions_newest_wins(pipeline: Pipeline) -> None:
    p = pipeline
    base = list({a["id"]: a for a in make_articles("s6", seed=601)}.values())[:520]
    newest, oldest, middle = ([_revision(a, r) for a in base] for r in (3, 1, 2))
    # The newest revision first, then the oldest, then the middle one (separate requests) ...
    log = await push(p.ingest_url, p.key, newest[:400])
    await push(p.ingest_url, p.key, oldest[:400], log)
    await push(p.ingest_url, p.key, middle[:400], log)
    # ... and for the rest, all three in one request, in the order 2, 3, 1 (one bulk request downstream).
    mixed = [rev for trio in zip(middle[400:], newest[400:], oldest[400:], strict=True) for rev in trio]
    await push(p.ingest_url, p.key, mixed, log, chunk_size=60)
    expected = {stored_id(a): 3 for a in base}
    assert log.accepted == expected
    started = time.monotonic()
    result = await converge(p, expected)
    record_result(
        "6 out-of-order revisions (3, 1, 2 and 2, 3, 1)",
        log.accepted_items,
        result,
        time.monotonic() - started,
        "recovery = time until converged",
    )
    assert_exact(result)
    titles = {i: d.title for i, d in result.docs.items()}
    assert all(titles[stored_id(a)] == f"rev 3: {a['title']}" for a in base), (
        "an older revision's content won"
    )


async def test_full_replay_from_earliest_changes_nothing(pipeline: Pipeline) -> None:
    p = pipeline
    cfg = p.config
    articles = make_articles("s5", seed=501)
    log = await push(p.ingest_url, p.key, articles)
    expected = {
        **{i: 3 for i in (await es_docs(cfg.es_url, cfg.alias)) if i.startswith(f"{SOURCE}:s6-")},
        **latest(articles),
    }
    before = await converge(p, expected)
    assert_exact(before)
    dlq_before = await read_dlq(cfg.kafka_bootstrap, cfg.dlq_topic)

    # Reset to the earliest offset: both consuming services restarted under new consumer groups.
    p.lp.stop("enrichment")
    p.lp.stop("indexer")
    groups = {"enrichment": f"{cfg.enrichment_group}-replay", "indexer": f"{cfg.indexer_group}-replay"}
    started = time.monotonic()
    p.lp.start("enrichment", NEWSFLOW_ENRICH_GROUP_ID=groups["enrichment"])
    p.lp.start("indexer", NEWSFLOW_INDEXER_GROUP_ID=groups["indexer"])
    await wait_until(
        lambda: _caught_up(p, groups["enrichment"], cfg.raw_topic),
        within=300,
        what="raw topic re-enriched",
        interval=0.5,
    )
    await wait_until(
        lambda: _caught_up(p, groups["indexer"], cfg.enriched_topic),
        within=300,
        what="enriched topic replayed",
        interval=0.5,
    )
    replay_s = time.monotonic() - started

    after = await converge(p, expected)
    dlq_after = await read_dlq(cfg.kafka_bootstrap, cfg.dlq_topic)
    record_result(
        "5 full replay from earliest (new groups)",
        log.accepted_items,
        after,
        replay_s,
        f"{len(before.docs)} documents compared by id, revision, _version and SHA-256 of _source; "
        "recovery = replay time",
    )
    assert after.docs == before.docs, "the replay changed the index"
    assert len(dlq_after) == len(dlq_before) == 0
    assert_exact(after)


async def _caught_up(p: Pipeline, group: str, topic: str) -> bool:
    try:
        return await lag(p.config.kafka_bootstrap, group, topic) == 0
    except Exception:  # the group has not committed yet
        return False
