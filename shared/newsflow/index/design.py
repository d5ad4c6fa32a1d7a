"""The Elasticsearch index design: template, mapping, versioned index names behind one alias.

Clients and the indexer only ever use the alias (``news-articles`` by default). Each physical index is
named ``<alias>-v<MAPPING_VERSION>-<UTC timestamp>``; a rebuild creates a new one and swaps the alias
atomically with one ``_aliases`` request.

The mapping works on the minimal (integration-test) node: only the ``standard`` analyzer, core field
types, no scripts or pipelines. When the node has the ``english`` analyzer (full distribution), title and
body use it; ``IndexerSettings.analyzer`` can force either.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal

from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError

from newsflow.index.client import make_async_es
from newsflow.models import ENTITY_TYPES
from newsflow.settings import ElasticsearchSettings

log = logging.getLogger(__name__)

MAPPING_VERSION = 2

Analyzer = Literal["standard", "english"]
AnalyzerChoice = Literal["auto", "standard", "english"]


def template_name(alias: str) -> str:
    """The index template that applies to every version of the alias's indices."""
    return f"{alias}-template"


def index_pattern(alias: str) -> str:
    """The pattern matching every versioned index of the alias."""
    return f"{alias}-v*"


def new_index_name(alias: str, now: datetime | None = None) -> str:
    """A fresh versioned index name: ``<alias>-v<N>-<yyyymmddhhmmssffffff>``."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{alias}-v{MAPPING_VERSION}-{stamp}"


def _keyword() -> dict[str, Any]:
    # No ignore_above: a term Lucene cannot store (> 32766 bytes) is rejected (to the DLQ),
    # never silently left unsearchable.
    return {"type": "keyword"}


def _text(analyzer: Analyzer) -> dict[str, Any]:
    return {"type": "text", "analyzer": analyzer}


def mappings(analyzer: Analyzer = "standard") -> dict[str, Any]:
    """The document mapping (``dynamic: strict``: unknown fields are rejected)."""
    return {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION, "owner": "newsflow-indexer"},
        "properties": {
            "id": _keyword(),
            "source": _keyword(),
            "url": _keyword(),
            "title": {**_text(analyzer), "fields": {"raw": {"type": "keyword", "ignore_above": 1024}}},
            "body": _text(analyzer),
            "authors": _keyword(),
            "section": _keyword(),
            "tags": _keyword(),
            "language": _keyword(),
            "declared_language": _keyword(),
            "language_score": {"type": "float"},
            "published_at": {"type": "date"},
            "updated_at": {"type": "date"},
            "ingested_at": {"type": "date"},
            "enriched_at": {"type": "date"},
            "indexed_at": {"type": "date"},
            "revision": {"type": "long"},
            "fingerprint": _keyword(),
            "word_count": {"type": "integer"},
            "reading_time_s": {"type": "integer"},
            "trace_id": _keyword(),
            # Plain objects, not nested: a nested entity or topic is one more Lucene document each
            # (~25 per article), which cut bulk indexing speed ~4x. Per-type filters and facets use
            # entities_by_type.*, full text over names uses entity_names.text.
            "entities": {
                "type": "object",
                "properties": {
                    "name": _keyword(),
                    "type": _keyword(),
                    "label": _keyword(),
                    "mentions": {"type": "integer"},
                    "salience": {"type": "float"},
                    "spans": {"type": "object", "enabled": False},
                },
            },
            "entity_names": {**_keyword(), "fields": {"text": _text(analyzer)}},
            "entities_by_type": {
                "type": "object",
                "properties": {name: _keyword() for name in ENTITY_TYPES},
            },
            "topics": {
                "type": "object",
                "properties": {
                    "code": _keyword(),
                    "label": _keyword(),
                    "score": {"type": "float"},
                },
            },
            "topic_codes": _keyword(),
            "topic_labels": _keyword(),
            "keywords": {
                "type": "object",
                "properties": {"text": _keyword(), "score": {"type": "float"}},
            },
            "models": {
                "type": "object",
                "properties": {"component": _keyword(), "version": _keyword()},
            },
            "model_versions": _keyword(),
        },
    }


def index_settings(settings: ElasticsearchSettings) -> dict[str, Any]:
    """Index settings: shards, replicas and refresh interval from the Elasticsearch settings."""
    return {
        "number_of_shards": settings.shards,
        "number_of_replicas": settings.replicas,
        "refresh_interval": settings.refresh_interval,
    }


async def detect_analyzer(es: AsyncElasticsearch, choice: AnalyzerChoice = "auto") -> Analyzer:
    """``english`` when asked for or available on the node (analysis-common), else ``standard``."""
    if choice != "auto":
        return choice
    try:
        await es.indices.analyze(analyzer="english", text="running")
    except ApiError:
        return "standard"
    return "english"


async def put_template(es: AsyncElasticsearch, settings: ElasticsearchSettings, analyzer: Analyzer) -> None:
    """Create or update the index template (idempotent)."""
    await es.indices.put_index_template(
        name=template_name(settings.alias),
        index_patterns=[index_pattern(settings.alias)],
        priority=100,
        template={"settings": index_settings(settings), "mappings": mappings(analyzer)},
        meta={"mapping_version": MAPPING_VERSION},
    )


async def create_index_version(
    es: AsyncElasticsearch,
    settings: ElasticsearchSettings,
    *,
    analyzer: Analyzer = "standard",
    refresh_interval: str | None = None,
    now: datetime | None = None,
) -> str:
    """Create a new, empty versioned index (not yet behind the alias) and return its name."""
    name = new_index_name(settings.alias, now)
    body_settings = index_settings(settings)
    if refresh_interval is not None:
        body_settings["refresh_interval"] = refresh_interval
    await es.indices.create(index=name, settings=body_settings, mappings=mappings(analyzer))
    log.info("index created index=%s alias=%s analyzer=%s", name, settings.alias, analyzer)
    return name


async def alias_indices(es: AsyncElasticsearch, alias: str) -> list[str]:
    """The indices the alias points to (empty when the alias does not exist), sorted."""
    try:
        found = await es.indices.get_alias(name=alias)
    except NotFoundError:
        return []
    return sorted(found.body.keys())


async def swap_alias(
    es: AsyncElasticsearch, alias: str, new_index: str, *, delete_old: bool = False
) -> list[str]:
    """Point the alias at ``new_index`` only, atomically; return the indices it left.

    One ``_aliases`` request removes the old indices from the alias (or deletes them, with
    ``delete_old``) and adds the new one, so searches always see exactly one index.
    """
    old = [name for name in await alias_indices(es, alias) if name != new_index]
    actions: list[dict[str, Any]] = [{"add": {"index": new_index, "alias": alias, "is_write_index": True}}]
    for name in old:
        if delete_old:
            actions.append({"remove_index": {"index": name}})
        else:
            actions.append({"remove": {"index": name, "alias": alias}})
    await es.indices.update_aliases(actions=actions)
    log.info("alias swapped alias=%s index=%s old=%s deleted=%s", alias, new_index, old, delete_old)
    return old


async def ensure_index(
    es: AsyncElasticsearch, settings: ElasticsearchSettings, *, analyzer: AnalyzerChoice = "auto"
) -> str:
    """Make sure the template, an index and the alias exist (idempotent); return the write index.

    Safe when several indexer replicas start at once: the index is created together with the alias as
    its write index, and Elasticsearch refuses a second write index, so the loser adopts the winner's.
    """
    chosen = await detect_analyzer(es, analyzer)
    await put_template(es, settings, chosen)
    if await alias_indices(es, settings.alias):
        return await write_index(es, settings.alias)
    name = new_index_name(settings.alias)
    try:
        await es.indices.create(
            index=name,
            settings=index_settings(settings),
            mappings=mappings(chosen),
            aliases={settings.alias: {"is_write_index": True}},
        )
    except ApiError:
        if await alias_indices(es, settings.alias):
            await es.options(ignore_status=404).indices.delete(index=name)
            return await write_index(es, settings.alias)
        raise
    log.info("index created index=%s alias=%s analyzer=%s", name, settings.alias, chosen)
    return name


async def write_index(es: AsyncElasticsearch, alias: str) -> str:
    """The index that writes through the alias go to."""
    found = await es.indices.get_alias(name=alias)
    for name, body in found.body.items():
        if body.get("aliases", {}).get(alias, {}).get("is_write_index"):
            return str(name)
    return str(sorted(found.body.keys())[0])


async def create_index(settings: ElasticsearchSettings) -> str:
    """Create the template, the first index version and the alias unless they exist (own client)."""
    es = make_async_es(settings)
    try:
        return await ensure_index(es, settings)
    finally:
        await es.close()
