"""Bytes per article in the index, for shard sizing (a script, not a test; docs/index-and-search.md).

Takes the seeds (``seeds/``) and a generated corpus (``newsflow.local.corpus``, full bodies, latest
revision of each id), enriches them with the real enricher (spaCy, topics, keywords...), indexes them
through the indexer's bulk path into a fresh index of the current mapping on a real node, then reads
the primary store size and document count, before and after a force-merge to one segment.

    .venv/bin/python bench/archive_sizing.py --es-url http://127.0.0.1:9200 --articles 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from newsflow.enrich.pipeline import Enricher
from newsflow.enrich.settings import EnrichmentSettings
from newsflow.index.bulk import bulk_until_settled
from newsflow.index.client import make_async_es
from newsflow.index.design import create_index_version, detect_analysis
from newsflow.index.documents import bulk_action
from newsflow.local.corpus import generate
from newsflow.local.run import load_seeds
from newsflow.models import EnrichedArticle, Enrichment, RawArticle
from newsflow.retry import Backoff
from newsflow.settings import ElasticsearchSettings

ROOT = Path(__file__).resolve().parents[1]
GB = 1024**3


def articles(count: int) -> list[RawArticle]:
    """The seeds plus ``count`` corpus lines, latest revision of each id, no retractions."""
    seeds, _ = load_seeds(ROOT / "seeds")
    latest: dict[str, RawArticle] = {}
    for a in seeds:
        latest[a.id] = a
    for line in generate(count, 20261130):
        latest[f"corpus:{line.id}"] = RawArticle(
            id=f"corpus:{line.id}",
            source=line.source,
            url=line.url,
            title=line.title,
            body=line.body,
            published_at=datetime.fromisoformat(line.published_at),
            revision=line.revision,
            authors=list(line.authors),
            section=line.section,
            language=line.language,
            tags=list(line.tags),
        )
    return [a for a in latest.values() if not a.deleted]


async def stats(es_url: str, index: str) -> tuple[int, int]:
    es = make_async_es(ElasticsearchSettings(url=es_url))
    try:
        found = await es.indices.stats(index=index, metric="docs,store")
        primaries = found["indices"][index]["primaries"]
        return int(primaries["docs"]["count"]), int(primaries["store"]["size_in_bytes"])
    finally:
        await es.close()


async def main(args: argparse.Namespace) -> dict[str, object]:
    raw = articles(args.articles)
    enricher = Enricher.load(EnrichmentSettings())
    started = time.monotonic()
    enriched: list[EnrichedArticle] = []
    for i in range(0, len(raw), 64):
        chunk = raw[i : i + 64]
        for article, result in zip(chunk, enricher.enrich_batch(chunk), strict=True):
            if isinstance(result, Enrichment):
                enriched.append(EnrichedArticle(article=article, enrichment=result))
    enrich_s = time.monotonic() - started
    settings = ElasticsearchSettings(url=args.es_url, alias=f"sizing-{uuid.uuid4().hex[:8]}")
    es = make_async_es(settings)
    try:
        index = await create_index_version(es, settings, analysis=await detect_analysis(es))
        now = datetime.now(UTC)
        actions = [bulk_action(e, index=index, indexed_at=now) for e in enriched]
        body_bytes = sum(len(e.article.title) + len(e.article.body) for e in enriched)
        for i in range(0, len(actions), 500):
            await bulk_until_settled(es, actions[i : i + 500], backoff=Backoff(0.2, 5.0))
        await es.indices.refresh(index=index)
        docs, before = await stats(args.es_url, index)
        await es.indices.forcemerge(index=index, max_num_segments=1)
        await es.indices.refresh(index=index)
        _, merged = await stats(args.es_url, index)
        await es.indices.delete(index=index)
    finally:
        await es.close()
    per_doc = merged / docs
    return {
        "command": " ".join(["bench/archive_sizing.py", *sys.argv[1:]]),
        "articles": docs,
        "text_chars_per_article": round(body_bytes / len(enriched)),
        "enrich_seconds": round(enrich_s, 1),
        "store_bytes": before,
        "store_bytes_merged": merged,
        "bytes_per_article": round(before / docs),
        "bytes_per_article_merged": round(per_doc),
        "articles_per_30gb_shard": int(30 * GB / per_doc),
        "articles_per_50gb_shard": int(50 * GB / per_doc),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--es-url", required=True)
    parser.add_argument("--articles", type=int, default=1000, help="corpus lines besides the seeds")
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
