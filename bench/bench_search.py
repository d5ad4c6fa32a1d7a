"""Search latency of faceted queries on a real Elasticsearch node (a script, not a test).

Indexes N articles of the generated seed corpus (``bench/common.py``: varied text in six languages,
sources and sections) with a cheap stand-in enrichment (no spaCy: entities and topics drawn from fixed
lists by the article number, so the facets have values), then runs the queries below in turn, each
with every facet (13 terms aggregations, multi-select) and highlights, and prints the latency
percentiles measured by the client (wall clock of the request) and by Elasticsearch (``took``).

    .venv/bin/python bench/bench_search.py --es-url http://127.0.0.1:9200 [--docs 20000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from typing import Any

import common

from newsflow.index.bulk import bulk_until_settled
from newsflow.index.client import make_async_es
from newsflow.index.design import detect_analysis, ensure_index
from newsflow.index.documents import bulk_action
from newsflow.index.search import SearchQuery, search_async
from newsflow.models import EnrichedArticle, Enrichment, Entity, Topic
from newsflow.retry import Backoff
from newsflow.settings import ElasticsearchSettings

PEOPLE = ["Marcus Okafor", "Keiko Whitmore", "Aisha Tremayne", "Declan Brennan", "Ingrid Iversen"]
ORGS = ["Harbor Times", "Northern Courier", "Coastal Weather Service", "Nordwerk"]
TOPICS = [
    Topic(code="medtop:11000000", label="politics", score=0.9),
    Topic(code="medtop:04000000", label="economy, business and finance", score=0.7),
    Topic(code="medtop:07000000", label="health", score=0.6),
]
QUERIES = [
    SearchQuery(text="flood warning", size=10),
    SearchQuery(text="council budget", sources=("bench",), languages=("en",), size=10),
    SearchQuery(text='"rent law" OR landlords', size=10),
    SearchQuery(text="election -poll", sort="newest", size=10),
    SearchQuery(text="Zurich", topics=("politics",), size=10),
    SearchQuery(entities=("marcus okafor",), entity_type="person", size=10),
]


def enrich(i: int, article: Any) -> EnrichedArticle:
    """A stand-in enrichment (no models): entities and topics by article number."""
    entities = (
        Entity(name=PEOPLE[i % len(PEOPLE)], type="person", label="PERSON", mentions=2, salience=0.8),
        Entity(name=ORGS[i % len(ORGS)], type="organization", label="ORG", mentions=1, salience=0.4),
    )
    enrichment = Enrichment(
        entities=entities,
        topics=(TOPICS[i % len(TOPICS)],),
        language=article.language,
        language_score=0.99,
        word_count=len(article.body.split()),
        reading_time_s=60,
        fingerprint=f"{i:016x}",
        models={"bench": "stand-in"},
    )
    return EnrichedArticle(article=article, enrichment=enrichment)


async def run(es_url: str, docs: int, rounds: int) -> dict[str, Any]:
    settings = ElasticsearchSettings(url=es_url, alias=f"bench-search-{uuid.uuid4().hex[:8]}")
    es = make_async_es(settings)
    try:
        analysis = await detect_analysis(es)
        await ensure_index(es, settings)
        articles = [enrich(i, a.raw) for i, a in enumerate(common.corpus(docs, "bsearch"))]
        for start in range(0, len(articles), 2000):
            actions = [bulk_action(a, index=settings.alias) for a in articles[start : start + 2000]]
            await bulk_until_settled(es, actions, backoff=Backoff(), require_alias=True)
        await es.indices.refresh(index=settings.alias)
        await es.indices.forcemerge(index=settings.alias, max_num_segments=1)
        for q in QUERIES:  # warm-up, not measured
            await search_async(es, settings.alias, q)
        wall: list[float] = []
        took: list[float] = []
        totals: dict[str, int] = {}
        per_query: dict[str, list[float]] = {}
        for _ in range(rounds):
            for q in QUERIES:
                t0 = time.perf_counter()
                result = await search_async(es, settings.alias, q)
                wall.append((time.perf_counter() - t0) * 1000)
                took.append(float(result.took_ms))
                name = q.text or f"entity {q.entities[0]}"
                totals[name] = result.total
                per_query.setdefault(name, []).append(float(result.took_ms))
    finally:
        await es.options(ignore_status=404).indices.delete(index=f"{settings.alias}-v*")
        await es.options(ignore_status=404).indices.delete_index_template(name=f"{settings.alias}-template")
        await es.close()
    return {
        "docs": docs,
        "analysis": analysis,
        "queries": len(wall),
        "wall_ms": {"p50": common.percentile(wall, 0.5), "p95": common.percentile(wall, 0.95)},
        "took_ms": {"p50": common.percentile(took, 0.5), "p95": common.percentile(took, 0.95)},
        "totals": totals,
        "took_ms_p95_per_query": {k: common.percentile(v, 0.95) for k, v in per_query.items()},
        "machine": common.machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--es-url", required=True)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=20, help="times each query runs (measured)")
    args = parser.parse_args()
    report = asyncio.run(run(args.es_url, args.docs, args.rounds))
    print(json.dumps(report, indent=2))
    command = f"bench/bench_search.py --es-url URL --docs {args.docs} --rounds {args.rounds}"
    print(f"reproduce: .venv/bin/python {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
