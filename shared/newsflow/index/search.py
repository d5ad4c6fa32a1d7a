"""Search over the article alias: the search box syntax, filters, disjunctive facets, highlights, paging.

:func:`build_query` turns a :class:`SearchQuery` into an Elasticsearch request body (pure; the text is
parsed by :mod:`newsflow.index.query_syntax`); :func:`parse_response` turns the answer into a typed
:class:`SearchResult`. :func:`search` and :func:`search_async` do both around one request, or, for a
page past :data:`MAX_WINDOW` hits, walk there in a point in time with ``search_after``
(:func:`deep_page_requests`). Every sort ends in the unique ``id``, so pages never overlap.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import date, datetime, time
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch, Elasticsearch
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from newsflow.index.analysis import LANGUAGES
from newsflow.index.query_syntax import Clause, Condition, ParsedQuery, parse
from newsflow.models import ENTITY_TYPES, EntityType

Sort = Literal["relevance", "newest", "oldest"]
MAX_WINDOW = 10_000  # index.max_result_window: from + size beyond it needs search_after


class SearchQuery(BaseModel):
    """What a search client asks for. Every filter is optional; filters of one kind are OR-ed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str | None = None
    entities: tuple[str, ...] = ()
    entity_type: EntityType | None = None  # restrict `entities` to this type, or require one of it
    main_entities: bool = False  # `entities` must be main subjects (salience >= 0.5), not mere mentions
    topics: tuple[str, ...] = ()  # labels ("politics") or codes ("medtop:11000000")
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    published_from: datetime | date | None = None
    published_to: datetime | date | None = None
    size: int = Field(default=10, ge=0, le=1000)
    # Hits to skip. Past MAX_WINDOW, search() walks there with a point in time and search_after.
    offset: int = Field(default=0, ge=0)
    # The `sort` values of the last hit of the previous page (SearchResult.next_after): deep paging.
    search_after: tuple[str | int | float | None, ...] | None = None
    sort: Sort = "relevance"
    # > 0: newer articles score higher (distance_feature on published_at, pivot 7 days, this weight).
    recency_boost: float = Field(default=0.0, ge=0, le=100)
    facet_size: int = Field(default=10, ge=0, le=200)
    highlight: bool = True
    # One hit per story (wire copies collapsed onto the best one), with its copies counted.
    collapse_stories: bool = False

    @model_validator(mode="after")
    def _collapse_pages_by_from(self) -> SearchQuery:
        if self.collapse_stories and (self.search_after is not None or self.offset + self.size > MAX_WINDOW):
            raise ValueError(
                f"collapse_stories pages with offset/size only, within the first {MAX_WINDOW} hits"
            )
        return self

    @field_validator("text")
    @classmethod
    def _parsable(cls, value: str | None) -> str | None:
        if value is not None:
            parse(value)  # a QuerySyntaxError (a ValueError) becomes a validation error saying where
        return value


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
    story_id: str | None = None
    copies: list[str] = []  # with collapse_stories: the ids of the story's other matching articles


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
    next_after: list[str | int | float | None] | None = None  # pass as search_after for the next page


PIT_KEEP_ALIVE = "1m"
# Full text: one analyzer group per language (cross_fields blends the fields of one group, so a query's
# words may be spread over title, body and entity names), boosted titles.
TEXT_FIELDS: tuple[str, ...] = (
    "title^3",
    "body",
    "entity_names.text",
    *(f"by_language.{lang}.title^3" for lang in LANGUAGES),
    *(f"by_language.{lang}.body" for lang in LANGUAGES),
)


def _date_bound(value: datetime | date, *, end: bool) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.combine(value, time.max if end else time.min).isoformat() + "Z"


def _terms(field: str, values: Sequence[str]) -> dict[str, Any]:
    """Case-insensitive: each filter field has the lowercase normalizer (or is a ``.lower`` sub-field)."""
    return {"terms": {field: list(values)}}


def _topic_filter(values: Sequence[str]) -> dict[str, Any]:
    return {"bool": {"should": [_terms("topic_labels", values), _terms("topic_codes", values)]}}


def facet_filters(q: SearchQuery) -> dict[str, dict[str, Any]]:
    """The filters a facet selection makes, by facet name (they narrow the hits and the *other* facets)."""
    selected: dict[str, dict[str, Any]] = {}
    if q.entities and q.entity_type:
        field = f"{_entity_root(q)}.{q.entity_type}.lower"
        selected[f"entities.{q.entity_type}"] = _terms(field, q.entities)
    if q.topics:
        selected["topics"] = _topic_filter(q.topics)
    for name, field, values in (
        ("sources", "source", q.sources),
        ("languages", "language", q.languages),
        ("sections", "section", q.sections),
    ):
        if values:
            selected[name] = _terms(field, values)
    return selected


def _entity_root(q: SearchQuery) -> str:
    return "main_entities_by_type" if q.main_entities else "entities_by_type"


def _filters(q: SearchQuery) -> list[dict[str, Any]]:
    """Filters that are not facet selections: entities of any type, an entity type, dates."""
    filters: list[dict[str, Any]] = []
    if q.entities and not q.entity_type and q.main_entities:
        fields = [f"main_entities_by_type.{t}.lower" for t in ENTITY_TYPES]
        filters.append(
            {"bool": {"should": [_terms(f, q.entities) for f in fields], "minimum_should_match": 1}}
        )
    elif q.entities and not q.entity_type:
        filters.append(_terms("entity_names.lower", q.entities))
    elif q.entity_type and not q.entities:
        filters.append({"exists": {"field": f"{_entity_root(q)}.{q.entity_type}"}})
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


def _words_query(words: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": words,
            "type": "cross_fields",
            "fields": list(TEXT_FIELDS),
            "operator": "and",
        }
    }


def _phrase_query(phrase: str) -> dict[str, Any]:
    return {"multi_match": {"query": phrase, "type": "phrase", "fields": list(TEXT_FIELDS)}}


def _field_query(clause: Condition) -> dict[str, Any]:
    if clause.field == "entity":
        return _terms("entity_names.lower", [clause.value])
    if clause.field == "topic":
        return _topic_filter([clause.value])
    return _terms(clause.field, [clause.value])


def _clause_query(clause: Clause) -> dict[str, Any]:
    if isinstance(clause, Condition):
        return _field_query(clause)
    return _phrase_query(clause.text) if clause.phrase else _words_query(clause.text)


def text_query(parsed: ParsedQuery) -> dict[str, Any]:
    """The bool query of a parsed search box (see :mod:`newsflow.index.query_syntax`)."""
    must: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    if parsed.words:
        must.append(_words_query(" ".join(parsed.words)))
    for group in parsed.others:
        if len(group) == 1 and isinstance(group[0], Condition):
            filters.append(_field_query(group[0]))
        elif len(group) == 1:
            must.append(_clause_query(group[0]))
        else:
            must.append({"bool": {"should": [_clause_query(c) for c in group], "minimum_should_match": 1}})
    query: dict[str, Any] = {"must": must or [{"match_all": {}}]}
    if filters:
        query["filter"] = filters
    if parsed.excluded:
        query["must_not"] = [_clause_query(c) for c in parsed.excluded]
    return {"bool": query}


def _sort(q: SearchQuery) -> list[Any]:
    """The sort, always ending in the unique ``id`` so that pages never overlap or skip."""
    if q.sort == "newest":
        first: Any = {"published_at": {"order": "desc", "missing": "_last"}}
    elif q.sort == "oldest":
        first = {"published_at": {"order": "asc", "missing": "_last"}}
    else:
        first = {"_score": {"order": "desc"}}
    return [first, {"id": {"order": "asc"}}]


def _aggregations(q: SearchQuery, selected: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Disjunctive facets: each facet counts with every selection applied except its own."""
    aggs: dict[str, Any] = {}
    for name, field in facet_fields().items():
        terms = {"terms": {"field": field, "size": q.facet_size}}
        others = [f for other, f in selected.items() if other != name]
        aggs[name] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": terms}} if others else terms
    return aggs


def build_query(q: SearchQuery) -> dict[str, Any]:
    """The Elasticsearch ``_search`` body for a query (pure; ``from`` is capped by :data:`MAX_WINDOW`)."""
    base = text_query(parse(q.text)) if q.text else {"bool": {"must": [{"match_all": {}}]}}
    base["bool"]["filter"] = base["bool"].get("filter", []) + _filters(q)
    if q.recency_boost > 0:
        base["bool"]["should"] = [
            {
                "distance_feature": {
                    "field": "published_at",
                    "origin": "now",
                    "pivot": "7d",
                    "boost": q.recency_boost,
                }
            }
        ]
    selected = facet_filters(q)
    body: dict[str, Any] = {
        "query": base,
        "size": q.size,
        "sort": _sort(q),
        "track_total_hits": True,
        "_source": {
            "excludes": [
                "body",
                "by_language",
                "entities.spans",
                "entity_suggest",
                "keywords",
                "main_entities_by_type",
                "story_bands",
            ]
        },
    }
    if q.search_after is not None:
        body["search_after"] = list(q.search_after)
    else:
        body["from"] = q.offset
    if selected:
        body["post_filter"] = {"bool": {"filter": list(selected.values())}}
    if q.collapse_stories:
        body["collapse"] = {
            "field": "story_id",
            "inner_hits": {"name": "copies", "size": 20, "_source": False, "sort": [{"id": "asc"}]},
        }
    if q.facet_size:
        body["aggs"] = _aggregations(q, selected)
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


def skip_body(body: dict[str, Any], chunk: int) -> dict[str, Any]:
    """A lean page that only walks past hits (sort values, no source, facets or highlights)."""
    lean = {k: v for k, v in body.items() if k not in ("aggs", "highlight", "from", "_source", "post_filter")}
    if "post_filter" in body:  # the hits are the post-filtered ones
        lean["query"] = {"bool": {"must": [body["query"]], "filter": [body["post_filter"]]}}
    return {**lean, "size": chunk, "_source": False, "track_total_hits": False}


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
                story_id=source.get("story_id"),
                copies=[
                    str(c["_id"])
                    for c in raw.get("inner_hits", {}).get("copies", {}).get("hits", {}).get("hits", [])
                    if c["_id"] != raw["_id"]
                ],
            )
        )
    facets: dict[str, list[Bucket]] = {}
    for name, agg in response.get("aggregations", {}).items():
        buckets = agg.get("values", agg).get("buckets", [])  # a disjunctive facet nests its terms
        facets[name] = [Bucket(value=str(b["key"]), count=int(b["doc_count"])) for b in buckets]
    raw_hits = hits_part.get("hits", [])
    return SearchResult(
        total=int(total.get("value", 0)),
        total_relation=str(total.get("relation", "eq")),
        took_ms=int(response.get("took", 0)),
        hits=hits,
        facets=facets,
        next_after=list(raw_hits[-1]["sort"]) if raw_hits and "sort" in raw_hits[-1] else None,
    )


def suggest_body(prefix: str, entity_type: EntityType | None = None, size: int = 10) -> dict[str, Any]:
    """The ``_search`` body completing an entity name from its first letters (case and accents ignored)."""
    completion: dict[str, Any] = {
        "field": "entity_suggest",
        "size": size,
        "skip_duplicates": True,
        # a context-enabled completion needs its contexts: every type when none is asked for
        "contexts": {"type": [entity_type] if entity_type else list(ENTITY_TYPES)},
    }
    return {
        "size": 0,
        "_source": False,
        "suggest": {"entities": {"prefix": prefix, "completion": completion}},
    }


def parse_suggestions(response: dict[str, Any]) -> list[str]:
    """The completed names of a :func:`suggest_body` answer, best first."""
    entries = response.get("suggest", {}).get("entities", [])
    return [str(option["text"]) for entry in entries for option in entry.get("options", [])]


def suggest_entities(
    es: Elasticsearch, alias: str, prefix: str, entity_type: EntityType | None = None, size: int = 10
) -> list[str]:
    """Entity names starting with ``prefix`` (autocomplete), optionally of one type."""
    return parse_suggestions(dict(es.search(index=alias, body=suggest_body(prefix, entity_type, size)).body))


def is_deep(q: SearchQuery) -> bool:
    """Whether the page lies past :data:`MAX_WINDOW` (so it is reached with a point in time)."""
    return q.search_after is None and q.offset + q.size > MAX_WINDOW


def deep_page_requests(
    body: dict[str, Any], offset: int, pit_id: str
) -> Generator[dict[str, Any], dict[str, Any], None]:
    """The requests that walk past ``offset`` hits with ``search_after`` in a point in time, then the page.

    Send each response back into the generator; the answer to the last request yielded is the page.
    """
    after: list[Any] | None = None
    remaining = offset
    while remaining > 0:
        chunk = min(remaining, MAX_WINDOW)
        request = skip_body(body, chunk) | {"pit": {"id": pit_id, "keep_alive": PIT_KEEP_ALIVE}}
        if after is not None:
            request["search_after"] = after
        response = yield request
        pit_id = str(response.get("pit_id", pit_id))
        hits = response.get("hits", {}).get("hits", [])
        remaining -= len(hits)
        if hits:
            after = hits[-1]["sort"]
        if len(hits) < chunk:
            break  # fewer hits than the offset: the page is empty
    final = {k: v for k, v in body.items() if k != "from"} | {
        "pit": {"id": pit_id, "keep_alive": PIT_KEEP_ALIVE}
    }
    if after is not None:
        final["search_after"] = after
    yield final


def search(es: Elasticsearch, alias: str, q: SearchQuery) -> SearchResult:
    """Run a search on the alias with the blocking client (any offset)."""
    body = build_query(q)
    if not is_deep(q):
        return parse_response(dict(es.search(index=alias, body=body).body))
    pit_id = str(es.open_point_in_time(index=alias, keep_alive=PIT_KEEP_ALIVE)["id"])
    try:
        steps = deep_page_requests(body, q.offset, pit_id)
        request = next(steps)
        while True:
            response = dict(es.search(body=request).body)
            pit_id = str(response.get("pit_id", pit_id))
            try:
                request = steps.send(response)
            except StopIteration:
                return parse_response(response)
    finally:
        es.close_point_in_time(id=pit_id)


async def search_async(es: AsyncElasticsearch, alias: str, q: SearchQuery) -> SearchResult:
    """Run a search on the alias with the asyncio client (any offset)."""
    body = build_query(q)
    if not is_deep(q):
        return parse_response(dict((await es.search(index=alias, body=body)).body))
    pit_id = str((await es.open_point_in_time(index=alias, keep_alive=PIT_KEEP_ALIVE))["id"])
    try:
        steps = deep_page_requests(body, q.offset, pit_id)
        request = next(steps)
        while True:
            response = dict((await es.search(body=request)).body)
            pit_id = str(response.get("pit_id", pit_id))
            try:
                request = steps.send(response)
            except StopIteration:
                return parse_response(response)
    finally:
        await es.close_point_in_time(id=pit_id)
