"""Benchmark of the indexer against a real Kafka broker and Elasticsearch node (a script, not a test).

1. Ceiling: ``elasticsearch.helpers.async_bulk`` of N documents (the same documents, ids and external
   versions the indexer writes) straight into a fresh index.
2. Indexer: the same N enriched articles produced to a fresh topic first (not timed), then consumed by
   the indexer service's loop (decode → bulk → commit) into another fresh index.

Reports documents/s for both and the ratio. Goal: indexer >= 0.8 x ceiling and >= 3,000 docs/s.

    .venv/bin/python bench/bench_indexer.py --bootstrap 127.0.0.1:9092 --es-url http://127.0.0.1:9200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from elasticsearch.helpers import async_bulk

from newsflow.index.client import make_async_es
from newsflow.index.design import ensure_index
from newsflow.index.documents import to_document
from newsflow.index.settings import IndexerSettings
from newsflow.kafka import ensure_topics, make_producer
from newsflow.models import EnrichedArticle, Enrichment, Entity, RawArticle, Topic
from newsflow.serde import encode
from newsflow.settings import ElasticsearchSettings, KafkaSettings, TopicSettings
from services.indexer.app import IndexerService

SENTENCE = (
    "The city council approved the budget on Tuesday after a long debate about transport, "
    "and officials said the plan would add buses and repair roads over the next three years. "
)
PEOPLE = ["Angela Merkel", "Emmanuel Macron", "Olaf Scholz", "Ursula von der Leyen", "Joe Biden"]
PLACES = ["Paris", "Berlin", "Brussels", "Washington", "London", "Madrid"]
TOPICS = [
    Topic(code="medtop:11000000", label="politics", score=0.9),
    Topic(code="medtop:04000000", label="economy, business and finance", score=0.7),
]


def make_articles(n: int, body_sentences: int) -> list[EnrichedArticle]:
    """N enriched articles of realistic size (default body about 2 KB)."""
    now = datetime.now(UTC)
    out: list[EnrichedArticle] = []
    for i in range(n):
        raw = RawArticle(
            id=f"bench-{i:07d}",
            source="bench",
            url=f"https://bench.example/{i}",
            title=f"Council approves budget number {i}",
            body=SENTENCE * body_sentences,
            published_at=now,
            revision=1,
            authors=("Bench Writer",),
            section="local",
            language="en",
            ingested_at=now,
        )
        entities = (
            Entity(name=PEOPLE[i % len(PEOPLE)], type="person", label="PERSON", mentions=2, salience=0.8),
            Entity(name=PLACES[i % len(PLACES)], type="place", label="GPE", mentions=1, salience=0.5),
        )
        out.append(
            EnrichedArticle(
                article=raw,
                enrichment=Enrichment(
                    entities=entities,
                    topics=(TOPICS[i % 2],),
                    language="en",
                    language_score=0.99,
                    word_count=30 * body_sentences,
                    reading_time_s=10,
                    fingerprint="0123456789abcdef",
                    models={"ner": "en_core_web_sm-3.8.0"},
                ),
            )
        )
    return out


async def bench_ceiling(es_url: str, articles: list[EnrichedArticle], chunk: int) -> dict[str, Any]:
    settings = ElasticsearchSettings(url=es_url, alias=f"bench-ceiling-{uuid.uuid4().hex[:8]}")
    es = make_async_es(settings)
    try:
        await ensure_index(es, settings, analyzer="auto")
        actions = [
            {
                "_op_type": "index",
                "_index": settings.alias,
                "_id": a.article.id,
                "version": a.article.revision,
                "version_type": "external",
                "_source": to_document(a),
            }
            for a in articles
        ]
        t0 = time.perf_counter()
        ok, errors = await async_bulk(
            es, actions, chunk_size=chunk, max_chunk_bytes=5 * 1024 * 1024, raise_on_error=False
        )
        seconds = time.perf_counter() - t0
        await es.indices.delete(index=f"{settings.alias}-v*")
        await es.indices.delete_index_template(name=f"{settings.alias}-template")
    finally:
        await es.close()
    return {
        "docs": ok,
        "errors": len(errors) if isinstance(errors, list) else errors,
        "seconds": seconds,
        "docs_per_s": ok / seconds,
    }


async def produce_enriched(
    kafka: KafkaSettings, topics: TopicSettings, articles: list[EnrichedArticle]
) -> None:
    """Create the topics and publish ``articles`` to the enriched one, keyed by id (not timed)."""
    await ensure_topics(kafka, topics)
    producer = make_producer(kafka, linger_ms=20)
    await producer.start()
    try:
        for a in articles:
            await producer.send(topics.enriched, encode(a), key=a.article.id.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def bench_indexer(
    bootstrap: str, es_url: str, articles: list[EnrichedArticle], batch: int
) -> dict[str, Any]:
    base = f"bench-{uuid.uuid4().hex[:8]}"
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    topics = TopicSettings(raw=f"{base}.raw", enriched=f"{base}.enriched", dlq=f"{base}.dlq", partitions=3)
    await produce_enriched(kafka, topics, articles)
    es_settings = ElasticsearchSettings(url=es_url, alias=f"{base}-articles")
    settings = IndexerSettings(
        group_id=f"{base}-indexer",
        http_port=0,
        http_host="127.0.0.1",
        batch_max_docs=batch,
        analyzer="auto",
    )
    service = IndexerService(kafka=kafka, topics=topics, elasticsearch=es_settings, settings=settings)
    stop = asyncio.Event()
    t_start = time.perf_counter()
    task = asyncio.create_task(service.run(stop))
    t_first: float | None = None
    first_records = 0
    n = len(articles)
    while True:
        await asyncio.sleep(0.01)
        if task.done():
            task.result()
            raise RuntimeError("indexer stopped")
        records = service.loop.totals.records if service.loop else 0
        if records and t_first is None:
            t_first, first_records = time.perf_counter(), records
        if records >= n:
            break
    t_end = time.perf_counter()
    totals = service.loop.totals if service.loop else None
    stop.set()
    await task
    es = make_async_es(es_settings)
    try:
        await es.indices.refresh(index=es_settings.alias)
        indexed = int((await es.count(index=es_settings.alias))["count"])
        await es.indices.delete(index=f"{es_settings.alias}-v*")
        await es.indices.delete_index_template(name=f"{es_settings.alias}-template")
    finally:
        await es.close()
    steady = (n - first_records) / (t_end - t_first) if t_first and t_end > t_first else float("nan")
    return {
        "docs": indexed,
        "dlq": totals.dlq if totals else None,
        "wall_seconds": t_end - t_start,
        "wall_docs_per_s": n / (t_end - t_start),
        "steady_docs_per_s": steady,
    }


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--es-url", required=True)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000, help="docs per bulk (indexer and ceiling)")
    parser.add_argument("--body-sentences", type=int, default=12, help="body size: ~175 bytes each")
    args = parser.parse_args()
    articles = make_articles(args.docs, args.body_sentences)
    ceiling = await bench_ceiling(args.es_url, articles, args.batch)
    indexer = await bench_indexer(args.bootstrap, args.es_url, articles, args.batch)
    ratio = indexer["steady_docs_per_s"] / ceiling["docs_per_s"]
    result = {
        "command": " ".join(sys.argv),
        "docs": args.docs,
        "ceiling_async_bulk": ceiling,
        "indexer": indexer,
        "ratio_steady_to_ceiling": ratio,
        "goal_met": ratio >= 0.8 and indexer["steady_docs_per_s"] >= 3000,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
