"""Reading the truth from Elasticsearch: counts and every document behind an alias."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch

from newsflow.index.client import make_async_es
from newsflow.settings import ElasticsearchSettings


@contextlib.asynccontextmanager
async def es_client(settings: ElasticsearchSettings) -> AsyncIterator[AsyncElasticsearch]:
    """An asyncio client for assertions; deletes the alias's indices and template at the end."""
    es = make_async_es(settings)
    try:
        yield es
    finally:
        with contextlib.suppress(Exception):
            await es.indices.delete(index=f"{settings.alias}-v*", ignore_unavailable=True)
        with contextlib.suppress(Exception):
            await es.indices.delete_index_template(name=f"{settings.alias}-template")
        await es.close()


async def count(es: AsyncElasticsearch, alias: str) -> int:
    """Documents behind the alias, after a refresh."""
    await es.indices.refresh(index=alias)
    return int((await es.count(index=alias))["count"])


@dataclass(frozen=True)
class Doc:
    revision: int
    version: int
    title: str
    digest: str  # SHA-256 of the whole _source (indexed_at included: an unchanged document keeps it)


async def es_docs(es_url: str, alias: str, attempts: int = 20) -> dict[str, Doc]:
    """Every document behind the alias (search_after over the ``id`` keyword).

    The listing must agree with the index's count before and after it (no document listed twice or
    missed by the paging). While an indexer is still writing, a refresh can land between the listing
    and a count: such a reading is taken again (up to ``attempts`` times) instead of failing.
    """
    async with AsyncElasticsearch(es_url.split(","), request_timeout=60) as es:
        for attempt in range(attempts):
            await es.indices.refresh(index=alias)
            before = (await es.count(index=alias))["count"]
            docs = await _list_docs(es, alias)
            after = (await es.count(index=alias))["count"]
            if before == after == len(docs):
                return docs
            if attempt < attempts - 1:
                await asyncio.sleep(0.5)
    raise AssertionError(f"count {before}/{after} != documents listed {len(docs)} after {attempts} readings")


async def _list_docs(es: AsyncElasticsearch, alias: str) -> dict[str, Doc]:
    docs: dict[str, Doc] = {}
    after: list[Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"search_after": after} if after else {}
        page = await es.search(
            index=alias, size=1000, sort=[{"id": "asc"}], version=True, track_total_hits=True, **kwargs
        )
        hits = page["hits"]["hits"]
        for hit in hits:
            assert hit["_id"] not in docs, f"document {hit['_id']} returned twice"
            source = hit["_source"]
            digest = hashlib.sha256(orjson.dumps(source, option=orjson.OPT_SORT_KEYS)).hexdigest()
            docs[hit["_id"]] = Doc(int(source["revision"]), int(hit["_version"]), source["title"], digest)
        if len(hits) < 1000:
            return docs
        after = hits[-1]["sort"]
