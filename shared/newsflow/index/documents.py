"""From an :class:`EnrichedArticle` to an Elasticsearch document and its bulk action.

The document ``_id`` is the article id and its external ``version`` is the revision, so an older
revision never overwrites a newer one and a replay changes nothing (Elasticsearch answers 409).
A retraction (``enrichment is None``) becomes a delete with the same external version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from newsflow.enrich.outlets import is_own_outlet
from newsflow.index.analysis import LANGUAGES
from newsflow.models import ENTITY_TYPES, EnrichedArticle

Op = Literal["index", "delete"]


@dataclass(frozen=True)
class BulkAction:
    """One bulk operation, already serialized as NDJSON (``payload``) for byte accounting."""

    op: Op
    index: str
    doc_id: str
    version: int
    payload: bytes  # action line + source line (index) or action line only (delete), each ending in \\n
    fingerprint: str | None = None  # the article's SimHash (index actions): its story is found by it

    @property
    def size(self) -> int:
        """Bytes this action adds to a bulk request."""
        return len(self.payload)

    def with_story(self, story_id: str) -> BulkAction:
        """The action with ``story_id`` in its document (the serialised bytes are edited, not rebuilt).

        The document was serialised with its own id as ``story_id``; JSON escapes every quote inside
        strings, so the unescaped key ``"story_id":`` occurs exactly once, as that key.
        """
        if self.op != "index" or story_id == self.doc_id:
            return self
        old = b'"story_id":' + orjson.dumps(self.doc_id)
        if old not in self.payload:
            raise ValueError(f"document {self.doc_id} has no story_id to set")
        payload = self.payload.replace(old, b'"story_id":' + orjson.dumps(story_id), 1)
        return BulkAction(self.op, self.index, self.doc_id, self.version, payload, self.fingerprint)

    def retarget(self, index: str) -> BulkAction:
        """The action aimed at ``index`` (newsflow.index.archive: an article's home index).

        The action line comes first in the payload, and its ``"_index":`` key is unescaped JSON, so
        its first occurrence is that key.
        """
        if index == self.index:
            return self
        old = b'"_index":' + orjson.dumps(self.index)
        if not self.payload.startswith(b'{"' + self.op.encode() + b'":{' + old):
            raise ValueError(f"action of {self.doc_id} does not start with its index")
        payload = self.payload.replace(old, b'"_index":' + orjson.dumps(index), 1)
        return BulkAction(self.op, index, self.doc_id, self.version, payload, self.fingerprint)


# An entity is a main subject of its article from this salience on (title + lead, or frequent):
# about 1.6 per article on the seeds (docs/index-and-search.md).
MAIN_SALIENCE = 0.5
# Topics from this score on are filterable (topic_codes, topic_labels): the smallest threshold at which
# a filter on any topic with 15+ articles in the real evaluation set is right at least 85% of the
# time (worst 0.875; 226 (article, topic) pairs right 0.978; 52 of 270 articles keep no filterable
# topic; bench/eval_topic_calibration.py, docs/topics.md). The `topics` objects keep every score.
CONFIDENT_TOPIC_SCORE = 0.3


def story_bands(fingerprint: str | None) -> list[str]:
    """The four 16-bit band keys of a 64-bit fingerprint, ``"<band>:<4 hex digits>"`` (none without one)."""
    if not fingerprint or len(fingerprint) != 16 or fingerprint == "0" * 16:
        return []
    return [f"{n}:{fingerprint[n * 4 : n * 4 + 4]}" for n in range(4)]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def to_document(
    enriched: EnrichedArticle, *, trace_id: str | None = None, indexed_at: datetime | None = None
) -> dict[str, Any]:
    """The Elasticsearch document of an enriched article (the mapping in :mod:`newsflow.index.design`)."""
    article = enriched.article
    enrichment = enriched.enrichment
    if enrichment is None:
        raise ValueError(f"article {article.id} is a retraction and has no document")
    by_type: dict[str, list[str]] = {}
    for entity in enrichment.entities:
        if entity.type not in ENTITY_TYPES:
            continue  # a newer enrichment's type: in entities and entity_names, no field of its own yet
        if is_own_outlet(entity.name, article.source):
            # every article of an outlet names it: it would top a facet, whatever type the model
            # gives it (en_core_web_md tags "Metro Wire" a place on the seeds)
            continue
        names = by_type.setdefault(entity.type, [])
        if entity.name not in names:
            names.append(entity.name)
    main_by_type: dict[str, list[str]] = {}
    for entity in enrichment.entities:
        if entity.salience >= MAIN_SALIENCE and entity.name in by_type.get(entity.type, ()):
            main_by_type.setdefault(entity.type, []).append(entity.name)
    models = sorted(enrichment.models.items())
    language = enrichment.language or article.language
    # The text once more under its detected language, for that language's stemmer (mapping: by_language).
    by_language = {language: {"title": article.title, "body": article.body}} if language in LANGUAGES else {}
    return {
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "by_language": by_language,
        "authors": list(article.authors),
        "section": article.section,
        "tags": list(article.tags),
        "language": language,
        "declared_language": article.language,
        "language_score": enrichment.language_score,
        "published_at": _iso(article.published_at),
        "updated_at": _iso(article.updated_at),
        "ingested_at": _iso(article.ingested_at),
        "enriched_at": _iso(enrichment.enriched_at),
        "indexed_at": _iso(indexed_at or datetime.now(UTC)),
        "revision": article.revision,
        "fingerprint": enrichment.fingerprint,
        # its own id until the indexer assigns the story (newsflow.index.stories, BulkAction.with_story)
        "story_id": article.id,
        "story_bands": story_bands(enrichment.fingerprint),
        "word_count": enrichment.word_count,
        "reading_time_s": enrichment.reading_time_s,
        "trace_id": trace_id,
        "entities": [
            {
                "name": e.name,
                "type": e.type,
                "label": e.label,
                "mentions": e.mentions,
                "salience": e.salience,
                # plain dicts: model_dump per span/topic/keyword was a visible share of the indexer's CPU
                "spans": [{"field": s.field, "start": s.start, "end": s.end} for s in e.spans],
            }
            for e in enrichment.entities
        ],
        "entity_names": sorted({e.name for e in enrichment.entities}),
        "entities_by_type": by_type,
        "main_entities_by_type": main_by_type,
        # entity-name autocomplete (completion field): type as its context, mentions as its weight
        "entity_suggest": [
            {"input": [e.name], "weight": e.mentions, "contexts": {"type": [e.type]}}
            for e in enrichment.entities
            if e.name in by_type.get(e.type, ())
        ],
        "topics": [{"code": t.code, "label": t.label, "score": t.score} for t in enrichment.topics],
        "topic_codes": [t.code for t in enrichment.topics if t.score >= CONFIDENT_TOPIC_SCORE],
        "topic_labels": [t.label for t in enrichment.topics if t.score >= CONFIDENT_TOPIC_SCORE],
        "keywords": [{"text": k.text, "score": k.score} for k in enrichment.keywords],
        "models": [{"component": c, "version": v} for c, v in models],
        "model_versions": [f"{c}={v}" for c, v in models],
    }


def bulk_action(
    enriched: EnrichedArticle,
    *,
    index: str,
    trace_id: str | None = None,
    indexed_at: datetime | None = None,
    equal_revision_wins: bool = False,
) -> BulkAction:
    """The bulk action for an enriched article: an externally versioned index, or a delete.

    By default an index of an equal revision is a conflict (a replay changes nothing); with
    ``equal_revision_wins`` it replaces the document (``external_gte``, used by a rebuild that reads
    the log in order, where the later record of a revision is the newer one).
    """
    article = enriched.article
    meta: dict[str, Any] = {"_index": index, "_id": article.id, "version": article.revision}
    if enriched.enrichment is None:
        # external_gte: a retraction carrying the same revision as the indexed document still wins.
        meta["version_type"] = "external_gte"
        payload = orjson.dumps({"delete": meta}) + b"\n"
        return BulkAction("delete", index, article.id, article.revision, payload)
    meta["version_type"] = "external_gte" if equal_revision_wins else "external"
    document = to_document(enriched, trace_id=trace_id, indexed_at=indexed_at)
    payload = orjson.dumps({"index": meta}) + b"\n" + orjson.dumps(document) + b"\n"
    return BulkAction("index", index, article.id, article.revision, payload, enriched.enrichment.fingerprint)
