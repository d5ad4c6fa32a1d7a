"""`newsflow reindex --re-enrich`: the raw topic through the enrichment again (real spaCy), into a new
index version behind the alias, republished to the enriched topic, failures dead-lettered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence

import pytest
from aiokafka import ConsumerRecord
from elasticsearch import AsyncElasticsearch

from newsflow import cli
from newsflow.enrich.pipeline import default_enricher
from newsflow.index.design import alias_indices, ensure_index
from newsflow.index.reindex import ReindexReport, reindex
from newsflow.kafka import make_producer
from newsflow.models import DeadLetter, EnrichedArticle, RawArticle
from newsflow.serde import HEADER_SCHEMA, HEADER_TRACEPARENT, decode, encode
from tests.support.elasticsearch import count
from tests.support.indexer import Env, committed_all, enriched, es_client, make_env, produce, running_indexer
from tests.support.kafka import read_topic
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
MERKEL = "Angela Merkel met Emmanuel Macron in Paris on Monday to discuss the European Union budget."
TRUDEAU = "Justin Trudeau spoke to reporters in Ottawa on Wednesday about the European Union budget."
JOHNSON = "Boris Johnson visited a hospital in London on Thursday, officials said."
UNDECODABLE = ("wire:bad", b'{"id": "wire:bad", "title": ')


def raw(article_id: str, revision: int = 1, *, body: str = MERKEL, deleted: bool = False) -> RawArticle:
    return RawArticle(
        id=article_id,
        source="wire",
        url=f"https://wire.example/{article_id}",
        title=f"{article_id} revision {revision}",
        body=body,
        revision=revision,
        deleted=deleted,
    )


def raw_topic_content() -> list[RawArticle | tuple[str, bytes]]:
    """A revision pair, an article, an article and its retraction, an empty body, an undecodable record."""
    return [
        raw("wire:a1", 1, body=MERKEL),
        raw("wire:a2", 1, body=JOHNSON),
        raw("wire:gone", 1, body=MERKEL),
        raw("wire:a1", 2, body=TRUDEAU),
        raw("wire:empty", 1, body="   "),
        UNDECODABLE,
        raw("wire:gone", 2, deleted=True),
    ]


async def produce_raw(env: Env, items: Sequence[RawArticle | tuple[str, bytes]]) -> None:
    """Publish raw articles (or raw (key, value) pairs) to the raw topic with a traceparent header."""
    producer = make_producer(env.kafka)
    await producer.start()
    try:
        for item in items:
            key, value = (item.id, encode(item)) if isinstance(item, RawArticle) else item
            await producer.send(
                env.topics.raw, value, key=key.encode(), headers=[(HEADER_TRACEPARENT, TRACEPARENT.encode())]
            )
        await producer.flush()
    finally:
        await producer.stop()


async def records_of(env: Env, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` up to its current end offsets, ordered by (partition, offset)."""
    return sorted(await read_topic(env.kafka, topic), key=lambda r: (r.partition, r.offset))


def current_model_versions() -> list[str]:
    return [f"{c}={v}" for c, v in sorted(default_enricher().models.items())]


async def source(es: AsyncElasticsearch, alias: str, article_id: str) -> dict[str, object]:
    doc = await es.get(index=alias, id=article_id)
    return dict(doc["_source"])


async def rebuild(
    env: Env,
    es: AsyncElasticsearch,
    topic: str,
    *,
    re_enrich_raw: bool = False,
    republish: bool = True,
    dry_run: bool = False,
    delete_old: bool = False,
) -> ReindexReport:
    """``reindex`` with this test's settings and topics."""
    return await reindex(
        es=es,
        es_settings=env.es,
        kafka=env.kafka,
        topic=topic,
        settings=env.indexer,
        topics=env.topics,
        re_enrich_raw=re_enrich_raw,
        republish=republish,
        dry_run=dry_run,
        delete_old=delete_old,
    )


async def test_re_enrich_rebuilds_from_raw_republishes_and_dead_letters(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    # What the enrichment service once produced with older models (same revision as the raw one).
    stale = enriched("wire:a1", 2, title="stale", body=TRUDEAU, people=["Nobody Old"])
    async with es_client(env) as es, running_indexer(env):
        await produce(env, [stale])
        await wait_until(
            lambda: committed_all(env, skip_empty=True), within=60, what="stale record indexed", interval=0.3
        )
        [old_index] = await alias_indices(es, env.es.alias)
        await produce_raw(env, raw_topic_content())

        report = await rebuild(env, es, env.topics.raw, re_enrich_raw=True)
        # The live indexer sees the republished records: equal revisions are conflicts, nothing changes.
        await wait_until(
            lambda: committed_all(env, skip_empty=True),
            within=60,
            what="republished records settled",
            interval=0.3,
        )

        assert (report.records, report.undecodable, report.enrichment_failures) == (7, 1, 1)
        assert (report.republished, report.dead_lettered, report.rejected) == (5, 1, 0)
        assert (report.indexed, report.deleted) == (4, 1)
        assert report.new_index is not None and report.new_index != old_index
        assert await alias_indices(es, env.es.alias) == [report.new_index]
        assert report.old_indices == [old_index]

        assert await count(es, env.es.alias) == 2  # a1 (revision 2) and a2; gone retracted, empty failed
        models = current_model_versions()
        a1 = await source(es, env.es.alias, "wire:a1")
        assert (a1["revision"], a1["title"], a1["trace_id"]) == (2, "wire:a1 revision 2", TRACE_ID)
        assert a1["model_versions"] == models
        assert "Justin Trudeau" in a1["entities_by_type"]["person"]  # type: ignore[index]
        assert "Nobody Old" not in a1["entity_names"]  # type: ignore[operator]
        a2 = await source(es, env.es.alias, "wire:a2")
        assert "Boris Johnson" in a2["entities_by_type"]["person"]  # type: ignore[index]
        assert a2["model_versions"] == models
        for absent in ("wire:gone", "wire:empty", "wire:bad"):
            assert not await es.exists(index=env.es.alias, id=absent)

        # The enriched topic: the stale record, then every re-enriched record in the raw topic's order.
        records = await records_of(env, env.topics.enriched)
        stale_records = [r for r in records if r.key == b"wire:a1" and r.offset == 0]
        assert [decode(r.value, EnrichedArticle).article.title for r in stale_records] == ["stale"]
        republished = [r for r in records if r not in stale_records]
        by_key: dict[bytes, list[EnrichedArticle]] = {}
        for record in republished:
            headers = dict(record.headers)
            assert headers[HEADER_TRACEPARENT] == TRACEPARENT.encode()
            assert headers[HEADER_SCHEMA] == b"enriched/1"
            article = decode(record.value, EnrichedArticle)
            assert record.key == article.article.id.encode()
            by_key.setdefault(record.key, []).append(article)
        revisions = {
            k.decode(): [(a.article.revision, a.enrichment is None) for a in v] for k, v in by_key.items()
        }
        assert revisions == {
            "wire:a1": [(1, False), (2, False)],
            "wire:a2": [(1, False)],
            "wire:gone": [(1, False), (2, True)],
        }
        latest = by_key[b"wire:a1"][-1].enrichment
        assert latest is not None and latest.models == default_enricher().models
        assert "Justin Trudeau" in {e.name for e in latest.entities}

        # The enrichment failure is dead-lettered like the worker does; the undecodable record is not
        # dead-lettered again (the worker did that when it first consumed it).
        letters = [decode(r.value, DeadLetter) for r in await records_of(env, env.topics.dlq)]
        assert [(x.stage, x.error_type, x.key, x.topic) for x in letters] == [
            ("enrichment", "EmptyBody", "wire:empty", env.topics.raw)
        ]
        assert letters[0].reason and letters[0].offset is not None

        # A later plain rebuild from the enriched topic gives the same index, although the stale record
        # with the same revision is still on the (not yet compacted) topic.
        plain = await rebuild(env, es, env.topics.enriched, delete_old=True)
        assert plain.republished == 0 and plain.dead_lettered == 0 and plain.rejected == 0
        assert await count(es, env.es.alias) == 2
        again = await source(es, env.es.alias, "wire:a1")
        assert again["model_versions"] == models and again["entity_names"] == a1["entity_names"]
        assert (again["revision"], again["title"]) == (2, "wire:a1 revision 2")
        assert not await es.exists(index=env.es.alias, id="wire:gone")


async def test_re_enrich_without_republish_and_dry_run_produce_nothing_to_the_enriched_topic(
    kafka_bootstrap: str, es_url: str, unique_name: Callable[..., str]
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    async with es_client(env) as es:
        await ensure_index(es, env.es)
        [old_index] = await alias_indices(es, env.es.alias)
        # A tag Lucene cannot store as one term: Elasticsearch rejects the document.
        huge = raw("wire:huge", 1, body=JOHNSON).model_copy(update={"tags": ("x" * 33_000,)})
        await produce_raw(env, [*raw_topic_content(), huge])

        dry = await rebuild(env, es, env.topics.raw, re_enrich_raw=True, dry_run=True)
        assert dry.new_index is None and dry.records == 8
        assert (dry.indexed, dry.deleted, dry.enrichment_failures, dry.undecodable) == (5, 1, 1, 1)
        assert (dry.republished, dry.dead_lettered) == (0, 0)
        assert await alias_indices(es, env.es.alias) == [old_index]
        assert await records_of(env, env.topics.enriched) == []
        assert await records_of(env, env.topics.dlq) == []

        kept = await rebuild(env, es, env.topics.raw, re_enrich_raw=True, republish=False)
        assert kept.republished == 0 and (kept.indexed, kept.deleted, kept.rejected) == (4, 1, 1)
        assert await alias_indices(es, env.es.alias) == [kept.new_index]
        assert await count(es, env.es.alias) == 2
        doc = await source(es, env.es.alias, "wire:a1")
        assert doc["model_versions"] == current_model_versions()
        assert await records_of(env, env.topics.enriched) == []
        # Not republishing drops nothing silently: the failed article and the rejected document are
        # dead-lettered, each with its reason.
        dead = [decode(r.value, DeadLetter) for r in await records_of(env, env.topics.dlq)]
        letters = {x.key: x for x in dead}
        assert len(dead) == kept.dead_lettered == 2 and set(letters) == {"wire:empty", "wire:huge"}
        assert (letters["wire:empty"].stage, letters["wire:empty"].error_type) == ("enrichment", "EmptyBody")
        rejected = letters["wire:huge"]
        assert rejected.stage == "indexer" and "rejected" in rejected.reason
        assert decode(rejected.payload.encode(), EnrichedArticle).article.id == "wire:huge"

        with pytest.raises(ValueError, match="raw topic"):
            await rebuild(env, es, env.topics.enriched, re_enrich_raw=True)


async def test_cli_re_enrich_dry_run_reports_and_produces_nothing(
    kafka_bootstrap: str,
    es_url: str,
    unique_name: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = await make_env(kafka_bootstrap, es_url, unique_name)
    await produce_raw(env, raw_topic_content())
    # Were the dry run to produce anything, it would land in this test's topics.
    monkeypatch.setenv("NEWSFLOW_TOPIC_ENRICHED", env.topics.enriched)
    monkeypatch.setenv("NEWSFLOW_TOPIC_DLQ", env.topics.dlq)
    monkeypatch.setenv("NEWSFLOW_TOPIC_RAW", env.topics.raw)
    argv = [
        "reindex",
        "--re-enrich",
        "--dry-run",
        "--json",
        "--no-progress",
        "--alias",
        env.es.alias,
        "--es-url",
        es_url,
        "--bootstrap",
        kafka_bootstrap,
    ]
    assert await asyncio.to_thread(cli.main, argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["topic"] == env.topics.raw and report["dry_run"] is True
    assert (report["records"], report["indexed"], report["deleted"]) == (7, 4, 1)
    assert (report["enrichment_failures"], report["undecodable"], report["republished"]) == (1, 1, 0)
    assert await records_of(env, env.topics.enriched) == []
    assert await records_of(env, env.topics.dlq) == []
    async with es_client(env) as es:
        assert await alias_indices(es, env.es.alias) == []

    # Without --json: the human summary says what would happen to the failed article.
    assert await asyncio.to_thread(cli.main, [a for a in argv if a != "--json"]) == 0
    out = capsys.readouterr().out
    assert "would write 4 documents and 1 deletions from 7 records" in out
    assert "enrichment failed for 1 articles (would be dead-lettered)" in out
