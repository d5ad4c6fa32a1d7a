"""The indexer's test world: enriched-article builders, isolated settings, producing to the enriched
topic, the indexer service running in the test's event loop, and what its group committed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from elasticsearch import AsyncElasticsearch

from newsflow.index.settings import IndexerSettings
from newsflow.kafka import ensure_topics, make_producer
from newsflow.models import DeadLetter, EnrichedArticle, Enrichment, Entity, RawArticle, Topic
from newsflow.serde import HEADER_TRACEPARENT, encode
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings
from services.indexer.app import IndexerService
from tests.support.elasticsearch import es_client as cleaning_es_client
from tests.support.kafka import committed_to_end, read_dlq
from tests.support.polling import wait_until

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


async def committed_all(env: Env, *, skip_empty: bool = False) -> bool:
    """True when the indexer's group has committed the end offset of every partition (of every
    non-empty one with ``skip_empty``)."""
    return await committed_to_end(env.kafka, env.indexer.group_id, env.topics.enriched, skip_empty=skip_empty)


async def read_dead_letters(env: Env, count: int, *, within: float = 30) -> list[DeadLetter]:
    """The dead letters of the DLQ topic once there are at least ``count`` (fails at the deadline)."""
    letters: list[DeadLetter] = []

    async def arrived() -> bool:
        letters[:] = await read_dlq(env.kafka, env.topics.dlq)
        return len(letters) >= count

    await wait_until(arrived, within=within, what=f"{count} dead letters", interval=0.5)
    return letters


def es_client(env: Env) -> contextlib.AbstractAsyncContextManager[AsyncElasticsearch]:
    """An asyncio Elasticsearch client for assertions; deletes the test's indices at the end."""
    return cleaning_es_client(env.es)
