"""Helpers shared by the indexer, search and reindex integration tests (no tests here)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch

from newsflow.index.client import make_async_es
from newsflow.index.reindex import topic_partitions
from newsflow.index.settings import IndexerSettings
from newsflow.kafka import connection_kwargs, ensure_topics, make_consumer, make_producer
from newsflow.models import DeadLetter, EnrichedArticle, Enrichment, Entity, RawArticle, Topic
from newsflow.serde import HEADER_TRACEPARENT, decode, encode
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings
from services.indexer.app import IndexerService

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
POLITICS = Topic(code="medtop:11000000", label="politics", score=0.9)
ECONOMY = Topic(code="medtop:04000000", label="economy, business and finance", score=0.8)
SPORT = Topic(code="medtop:15000000", label="sport", score=0.95)


def enriched(
    article_id: str,
    revision: int = 1,
    *,
    title: str = "A headline",
    body: str = "Some body text.",
    source: str = "wire",
    language: str = "en",
    section: str | None = "world",
    people: Sequence[str] = (),
    places: Sequence[str] = (),
    orgs: Sequence[str] = (),
    topics: Sequence[Topic] = (),
    published_at: datetime | None = None,
    deleted: bool = False,
    ingested_at: datetime | None = None,
) -> EnrichedArticle:
    """An enriched article for tests (a retraction when ``deleted``)."""
    raw = RawArticle(
        id=article_id,
        source=source,
        url=f"https://{source}.example/{article_id}",
        title=title,
        body=body,
        published_at=published_at or T0,
        revision=revision,
        section=section,
        language=language,
        deleted=deleted,
        ingested_at=ingested_at or datetime.now(UTC) - timedelta(seconds=1),
    )
    if deleted:
        return EnrichedArticle(article=raw, enrichment=None)
    entities = [
        *(Entity(name=n, type="person", label="PERSON", mentions=1, salience=0.5) for n in people),
        *(Entity(name=n, type="place", label="GPE", mentions=1, salience=0.5) for n in places),
        *(Entity(name=n, type="organization", label="ORG", mentions=1, salience=0.5) for n in orgs),
    ]
    return EnrichedArticle(
        article=raw,
        enrichment=Enrichment(
            entities=tuple(entities),
            topics=tuple(topics),
            language=language,
            language_score=0.99,
            word_count=len(body.split()),
            reading_time_s=1,
            fingerprint="00ff00ff00ff00ff",
            models={"ner": "en_core_web_sm-3.8.0", "topics": "test-1"},
        ),
    )


@dataclass(frozen=True)
class Env:
    """Settings of one test's isolated world: unique topics, alias and group."""

    kafka: KafkaSettings
    topics: TopicSettings
    es: ElasticsearchSettings
    indexer: IndexerSettings


async def make_env(
    kafka_bootstrap: str,
    es_url: str,
    unique_name: Callable[..., str],
    *,
    partitions: int = 3,
    **indexer: object,
) -> Env:
    """Create unique topics and return settings pointing at them and at a unique alias."""
    base = unique_name("idx")
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topics = TopicSettings(
        raw=f"{base}.raw", enriched=f"{base}.enriched", dlq=f"{base}.dlq", partitions=partitions
    )
    await ensure_topics(kafka, topics)
    options: dict[str, object] = {
        "group_id": f"{base}-indexer",
        "refresh": "wait_for",
        "batch_max_seconds": 0.2,
        "http_port": 0,
        "http_host": "127.0.0.1",
        "backoff_max_seconds": 2.0,
    }
    options.update(indexer)
    return Env(
        kafka=kafka,
        topics=topics,
        es=ElasticsearchSettings(url=es_url, alias=f"{base}-articles"),
        indexer=IndexerSettings.model_validate(options),
    )


async def produce(
    env: Env, items: Sequence[EnrichedArticle | tuple[str, bytes]], *, traceparent: str | None = None
) -> None:
    """Publish enriched articles (or raw (key, value) pairs) to the enriched topic, keyed by article id."""
    producer = make_producer(env.kafka)
    await producer.start()
    try:
        headers = [(HEADER_TRACEPARENT, traceparent.encode())] if traceparent else []
        for item in items:
            if isinstance(item, EnrichedArticle):
                key, value = item.article.id, encode(item)
            else:
                key, value = item
            await producer.send(env.topics.enriched, value, key=key.encode(), headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def running_indexer(env: Env) -> AsyncIterator[IndexerService]:
    """The indexer service running in this event loop until the block ends."""
    service = IndexerService(kafka=env.kafka, topics=env.topics, elasticsearch=env.es, settings=env.indexer)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        await wait_until(lambda: _started(service, task), within=60, what="indexer started")
        yield service
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)


async def _started(service: IndexerService, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # surface the exception
        raise AssertionError("indexer stopped early")
    return service.ready


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, within: float, what: str, interval: float = 0.1
) -> None:
    """Poll ``predicate`` until it is true; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + within
    while True:
        if await predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for: {what}")
        await asyncio.sleep(interval)


async def committed_all(env: Env, *, skip_empty: bool = False) -> bool:
    """True when the indexer's group has committed the end offset of every partition (of every
    non-empty one with ``skip_empty``: a group commits nothing for a partition it never read)."""
    partitions = await topic_partitions(env.kafka, env.topics.enriched)
    consumer = make_consumer(env.kafka, group_id=None)
    admin = AIOKafkaAdminClient(**connection_kwargs(env.kafka))
    await consumer.start()
    await admin.start()
    try:
        end = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(env.indexer.group_id)
    finally:
        await consumer.stop()
        await admin.close()
    return all(
        tp in committed and committed[tp].offset >= end[tp]
        for tp in partitions
        if end[tp] > 0 or not skip_empty
    )


async def read_dead_letters(env: Env, count: int, *, within: float = 30) -> list[DeadLetter]:
    """Read ``count`` dead letters from the DLQ topic (fails at the deadline)."""
    consumer = make_consumer(env.kafka, env.topics.dlq, group_id=None)
    await consumer.start()
    letters: list[DeadLetter] = []
    try:
        deadline = time.monotonic() + within
        while len(letters) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                letters.extend(decode(r.value, DeadLetter) for r in records)
    finally:
        await consumer.stop()
    assert len(letters) >= count, f"expected {count} dead letters, got {len(letters)}"
    return letters


@contextlib.asynccontextmanager
async def es_client(env: Env) -> AsyncIterator[AsyncElasticsearch]:
    """An asyncio Elasticsearch client for assertions; deletes the test's indices at the end."""
    es = make_async_es(env.es)
    try:
        yield es
    finally:
        with contextlib.suppress(Exception):
            await es.indices.delete(index=f"{env.es.alias}-v*", ignore_unavailable=True)
        with contextlib.suppress(Exception):
            await es.indices.delete_index_template(name=f"{env.es.alias}-template")
        await es.close()


async def count(es: AsyncElasticsearch, alias: str) -> int:
    """Documents behind the alias, after a refresh."""
    await es.indices.refresh(index=alias)
    return int((await es.count(index=alias))["count"])
