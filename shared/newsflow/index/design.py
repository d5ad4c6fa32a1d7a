"""The Elasticsearch index design: template, mapping, versioned index names behind one alias.

Clients and the indexer only ever use the alias (``news-articles`` by default). Each physical index is
named ``<alias>-v<MAPPING_VERSION>-<UTC timestamp>``; a rebuild creates a new one and swaps the alias
atomically with one ``_aliases`` request.

Text analysis comes from :mod:`newsflow.index.analysis`: the same analyzers and fields on a full node
(built-in filters) and on the local minimal node (newsflow's analysis plugin); :func:`detect_analysis`
finds which one the node offers, ``IndexerSettings.analyzer`` can force it. Only core field types, no
scripts or pipelines, so the mapping works on the minimal node.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError

from newsflow.index.analysis import (
    ENGLISH,
    EXACT,
    LANGUAGES,
    PROBES,
    SUGGEST,
    Analysis,
    AnalysisChoice,
    analysis_settings,
    analyzer_for,
    language_analyzer,
)
from newsflow.index.client import make_async_es
from newsflow.models import ENTITY_TYPES
from newsflow.settings import ElasticsearchSettings

log = logging.getLogger(__name__)

MAPPING_VERSION = 3


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


def _code() -> dict[str, Any]:
    """A keyword filtered case-insensitively (source ids, codes, sections): stored lower-cased."""
    return {"type": "keyword", "normalizer": "lowercase"}


def _name() -> dict[str, Any]:
    """A keyword shown as written (names in facets), with a lower-cased ``.lower`` sub-field for filters."""
    return {"type": "keyword", "fields": {"lower": _code()}}


def _text(analysis: Analysis, analyzer: str = ENGLISH) -> dict[str, Any]:
    return {"type": "text", "analyzer": analyzer_for(analysis, analyzer)}


def _stemmed_text(analysis: Analysis) -> dict[str, Any]:
    """English-analysed text with the unstemmed ``.exact`` sub-field (lowercase only)."""
    return {**_text(analysis), "fields": {"exact": _text(analysis, EXACT)}}


def _by_language(analysis: Analysis) -> dict[str, Any]:
    """``by_language.<lang>.title|body``: the text again, analysed for its detected language."""
    return {
        "type": "object",
        "properties": {
            lang: {
                "type": "object",
                "properties": {
                    "title": _text(analysis, language_analyzer(lang)),
                    "body": _text(analysis, language_analyzer(lang)),
                },
            }
            for lang in LANGUAGES
        },
    }


def mappings(analysis: Analysis = "basic") -> dict[str, Any]:
    """The document mapping (``dynamic: strict``: unknown fields are rejected)."""
    return {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION, "owner": "newsflow-indexer", "analysis": analysis},
        "properties": {
            "id": _keyword(),
            "source": _code(),
            "url": _keyword(),
            "title": {
                **_stemmed_text(analysis),
                "fields": {
                    "exact": _text(analysis, EXACT),
                    "raw": {"type": "keyword", "ignore_above": 1024},
                },
            },
            "body": _stemmed_text(analysis),
            "by_language": _by_language(analysis),
            "authors": _name(),
            "section": _code(),
            "tags": _code(),
            "language": _code(),
            "declared_language": _code(),
            "language_score": {"type": "float"},
            "published_at": {"type": "date"},
            "updated_at": {"type": "date"},
            "ingested_at": {"type": "date"},
            "enriched_at": {"type": "date"},
            "indexed_at": {"type": "date"},
            "revision": {"type": "long"},
            "fingerprint": _keyword(),
            "story_id": _keyword(),  # wire copies and near-duplicates share it (newsflow.index.stories)
            "story_bands": _keyword(),
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
            "entity_names": {"type": "keyword", "fields": {"text": _text(analysis), "lower": _code()}},
            "entity_suggest": {
                "type": "completion",
                "analyzer": analyzer_for(analysis, SUGGEST, basic="simple"),
                "contexts": [{"name": "type", "type": "category"}],
            },
            "entities_by_type": {
                "type": "object",
                "properties": {name: _name() for name in ENTITY_TYPES},
            },
            # the same, only the entities the article is mainly about (salience >= MAIN_SALIENCE)
            "main_entities_by_type": {
                "type": "object",
                "properties": {name: _name() for name in ENTITY_TYPES},
            },
            "topics": {
                "type": "object",
                "properties": {
                    "code": _keyword(),
                    "label": _keyword(),
                    "score": {"type": "float"},
                },
            },
            "topic_codes": _code(),
            "topic_labels": _code(),
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


def index_settings(settings: ElasticsearchSettings, analysis: Analysis = "basic") -> dict[str, Any]:
    """Index settings: shards, replicas, refresh interval, and the analysis of the flavour."""
    body: dict[str, Any] = {
        "number_of_shards": settings.shards,
        "number_of_replicas": settings.replicas,
        "refresh_interval": settings.refresh_interval,
    }
    analysis_part = analysis_settings(analysis)
    if analysis_part:
        body["analysis"] = analysis_part
    return body


def template_body(settings: ElasticsearchSettings, analysis: Analysis) -> dict[str, Any]:
    """The index template's ``template`` part: settings (with analysis) and mappings (pure)."""
    return {"settings": index_settings(settings, analysis), "mappings": mappings(analysis)}


async def detect_analysis(es: AsyncElasticsearch, choice: AnalysisChoice = "auto") -> Analysis:
    """The flavour asked for, else the best the node offers: ``full``, then ``plugin``, else ``basic``."""
    if choice != "auto":
        return choice
    for flavour in ("full", "plugin"):
        try:
            await es.indices.analyze(**PROBES[flavour], text="Floods in Zürich")
        except ApiError:
            continue
        return flavour
    log.warning("no stemming or folding on this node: neither analysis-common nor newsflow's plugin")
    return "basic"


async def put_template(es: AsyncElasticsearch, settings: ElasticsearchSettings, analysis: Analysis) -> None:
    """Create or update the index template (idempotent)."""
    await es.indices.put_index_template(
        name=template_name(settings.alias),
        index_patterns=[index_pattern(settings.alias)],
        priority=100,
        template=template_body(settings, analysis),
        meta={"mapping_version": MAPPING_VERSION},
    )


async def create_index_version(
    es: AsyncElasticsearch,
    settings: ElasticsearchSettings,
    *,
    analysis: Analysis = "basic",
    refresh_interval: str | None = None,
    now: datetime | None = None,
) -> str:
    """Create a new, empty versioned index (not yet behind the alias) and return its name."""
    name = new_index_name(settings.alias, now)
    body_settings = index_settings(settings, analysis)
    if refresh_interval is not None:
        body_settings["refresh_interval"] = refresh_interval
    await es.indices.create(index=name, settings=body_settings, mappings=mappings(analysis))
    log.info("index created index=%s alias=%s analysis=%s", name, settings.alias, analysis)
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
    es: AsyncElasticsearch, settings: ElasticsearchSettings, *, analyzer: AnalysisChoice = "auto"
) -> str:
    """Make sure the template, an index and the alias exist (idempotent); return the write index.

    Safe when several indexer replicas start at once: the index is created together with the alias as
    its write index, and Elasticsearch refuses a second write index, so the loser adopts the winner's.
    """
    chosen = await detect_analysis(es, analyzer)
    await put_template(es, settings, chosen)
    if await alias_indices(es, settings.alias):
        current = await write_index(es, settings.alias)
        await require_current_mapping(es, current)
        return current
    name = new_index_name(settings.alias)
    try:
        await es.indices.create(
            index=name,
            settings=index_settings(settings, chosen),
            mappings=mappings(chosen),
            aliases={settings.alias: {"is_write_index": True}},
        )
    except ApiError:
        if await alias_indices(es, settings.alias):
            await es.options(ignore_status=404).indices.delete(index=name)
            return await write_index(es, settings.alias)
        raise
    log.info("index created index=%s alias=%s analysis=%s", name, settings.alias, chosen)
    return name


class IndexOutdated(RuntimeError):
    """The alias writes to an index of an older mapping version: it must be rebuilt first."""


async def require_current_mapping(es: AsyncElasticsearch, index: str) -> None:
    """Refuse an index built for an older mapping: this indexer's documents would be rejected there.

    Writing anyway would dead-letter every document (Elasticsearch refuses their new fields), so the
    indexer stops with the way out instead: ``newsflow reindex`` builds a current index version from
    Kafka and swaps the alias; indexers of both versions can then write to it.
    """
    found = await es.indices.get_mapping(index=index)
    meta = found.body.get(index, {}).get("mappings", {}).get("_meta", {})
    version = meta.get("mapping_version")
    if isinstance(version, int) and version < MAPPING_VERSION:
        raise IndexOutdated(
            f"index {index} has mapping version {version}; this indexer writes version {MAPPING_VERSION}: "
            "run `newsflow reindex` (it builds a current index version from Kafka and swaps the alias), "
            "then start this indexer"
        )


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
