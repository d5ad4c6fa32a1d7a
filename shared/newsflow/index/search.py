"""Search over the article alias: full-text query, filters, facets and highlights.

:func:`build_query` turns a :class:`SearchQuery` into an Elasticsearch request body (pure);
:func:`parse_response` turns the answer into a typed :class:`SearchResult`. :func:`search` and
:func:`search_async` do both around one request.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch, Elasticsearch
from pydantic import BaseModel, ConfigDict, Field

from newsflow.index.design import ENTITY_TYPES
from newsflow.models import EntityType

Sort = Literal["relevance", "newest", "oldest"]


class SearchQuery(BaseModel):
    """What a search client asks for. Every filter is optional; filters of one kind are OR-ed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str | None = None
    entities: tuple[str, ...] = ()
    entity_type: EntityType | None = None  # restrict `entities` to this type, or require one of it
    topics: tuple[str, ...] = ()  # labels ("politics") or codes ("medtop:11000000")
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    published_from: datetime | date | None = None
    published_to: datetime | date | None = None
    size: int = Field(default=10, ge=0, le=1000)
    offset: int = Field(default=0, ge=0, le=10_000)
    sort: Sort = "relevance"
    facet_size: int = Field(default=10, ge=0, le=200)
    highlight: bool = True


class Hit(BaseModel):
    """One matching article."""

    id: str
    score: float | None
    title: str
    source: str
    url: str
    language: str | None = None
    section: str | None = None
    published_at: str | None = None
    revision: int
    topics: list[str] = []
    entities: dict[str, list[str]] = {}
    highlights: dict[str, list[str]] = {}


class Bucket(BaseModel):
    """One facet value with its document count."""

    value: str
    count: int


class SearchResult(BaseModel):
    """Total, hits and facets (facet name → buckets; entity facets are named ``entities.<type>``)."""

    total: int
    total_relation: str = "eq"
    took_ms: int = 0
    hits: list[Hit]
    facets: dict[str, list[Bucket]]


def _date_bound(value: datetime | date, *, end: bool) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.combine(value, time.max if end else time.min).isoformat() + "Z"


def _filters(q: SearchQuery) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if q.entities:
        field = f"entities_by_type.{q.entity_type}" if q.entity_type else "entity_names"
        filters.append({"terms": {field: list(q.entities)}})
    elif q.entity_type:
        filters.append({"exists": {"field": f"entities_by_type.{q.entity_type}"}})
    if q.topics:
        topics = list(q.topics)
        filters.append(
            {"bool": {"should": [{"terms": {"topic_labels": topics}}, {"terms": {"topic_codes": topics}}]}}
        )
    for field, values in (("source", q.sources), ("language", q.languages), ("section", q.sections)):
        if values:
            filters.append({"terms": {field: list(values)}})
    if q.published_from is not None or q.published_to is not None:
        bounds: dict[str, str] = {}
        if q.published_from is not None:
            bounds["gte"] = _date_bound(q.published_from, end=False)
        if q.published_to is not None:
            bounds["lte"] = _date_bound(q.published_to, end=True)
        filters.append({"range": {"published_at": bounds}})
    return filters


def facet_fields() -> dict[str, str]:
    """Facet name → keyword field aggregated."""
    facets = {f"entities.{t}": f"entities_by_type.{t}" for t in ENTITY_TYPES}
    facets.update(
        {"topics": "topic_labels", "sources": "source", "languages": "language", "sections": "section"}
    )
    return facets


def text_query(text: str) -> dict[str, Any]:
    """Full text over title (boosted ×3) and body, or an entity name, all terms required."""
    return {
        "bool": {
            "should": [
                {"multi_match": {"query": text, "fields": ["title^3", "body"], "operator": "and"}},
                {"match": {"entity_names.text": {"query": text, "operator": "and"}}},
            ],
            "minimum_should_match": 1,
        }
    }


def build_query(q: SearchQuery) -> dict[str, Any]:
    """The Elasticsearch ``_search`` body for a query (pure)."""
    must: list[dict[str, Any]] = [text_query(q.text)] if q.text else [{"match_all": {}}]
    body: dict[str, Any] = {
        "query": {"bool": {"must": must, "filter": _filters(q)}},
        "size": q.size,
        "from": q.offset,
        "track_total_hits": True,
        "_source": {"excludes": ["body", "by_language", "entities.spans", "keywords"]},
    }
    if q.sort == "newest":
        body["sort"] = [{"published_at": {"order": "desc", "missing": "_last"}}, "_score"]
    elif q.sort == "oldest":
        body["sort"] = [{"published_at": {"order": "asc", "missing": "_last"}}, "_score"]
    if q.facet_size:
        body["aggs"] = {
            name: {"terms": {"field": field, "size": q.facet_size}} for name, field in facet_fields().items()
        }
    if q.highlight and q.text:
        body["highlight"] = {
            "pre_tags": ["<em>"],
            "post_tags": ["</em>"],
            "encoder": "html",  # fragments are HTML: the text around <em> is escaped (no markup injection)
            "fields": {
                "title": {"number_of_fragments": 0},
                "body": {"fragment_size": 160, "number_of_fragments": 3},
            },
        }
    return body


def parse_response(response: dict[str, Any]) -> SearchResult:
    """A typed result from a ``_search`` answer (pure)."""
    hits_part = response.get("hits", {})
    total = hits_part.get("total", {"value": 0, "relation": "eq"})
    hits: list[Hit] = []
    for raw in hits_part.get("hits", []):
        source = raw.get("_source", {})
        hits.append(
            Hit(
                id=raw["_id"],
                score=raw.get("_score"),
                title=source.get("title", ""),
                source=source.get("source", ""),
                url=source.get("url", ""),
                language=source.get("language"),
                section=source.get("section"),
                published_at=source.get("published_at"),
                revision=int(source.get("revision", 0)),
                topics=list(source.get("topic_labels", [])),
                entities={k: list(v) for k, v in source.get("entities_by_type", {}).items()},
                highlights={k: list(v) for k, v in raw.get("highlight", {}).items()},
            )
        )
    facets: dict[str, list[Bucket]] = {}
    for name, agg in response.get("aggregations", {}).items():
        buckets = agg.get("buckets", [])
        facets[name] = [Bucket(value=str(b["key"]), count=int(b["doc_count"])) for b in buckets]
    return SearchResult(
        total=int(total.get("value", 0)),
        total_relation=str(total.get("relation", "eq")),
        took_ms=int(response.get("took", 0)),
        hits=hits,
        facets=facets,
    )


def search(es: Elasticsearch, alias: str, q: SearchQuery) -> SearchResult:
    """Run a search on the alias with the blocking client."""
    response = es.search(index=alias, body=build_query(q))
    return parse_response(dict(response.body))


async def search_async(es: AsyncElasticsearch, alias: str, q: SearchQuery) -> SearchResult:
    """Run a search on the alias with the asyncio client."""
    response = await es.search(index=alias, body=build_query(q))
    return parse_response(dict(response.body))
