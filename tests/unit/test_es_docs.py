"""EnrichedArticle → Elasticsearch document and bulk action."""

from __future__ import annotations

import orjson
import pytest

from newsflow.index.design import mappings
from newsflow.index.documents import bulk_action, to_document
from tests.support.articles import T0, enriched_article


def test_document_has_facet_fields_by_entity_type() -> None:
    doc = to_document(enriched_article(), trace_id="4bf92f3577b34da6a3ce929d0e0e4736", indexed_at=T0)
    assert doc["entities_by_type"] == {"person": ["Angela Merkel", "Emmanuel Macron"], "place": ["Paris"]}
    assert doc["entity_names"] == ["Angela Merkel", "Emmanuel Macron", "Paris"]
    assert doc["topic_labels"] == ["politics"]
    assert doc["topic_codes"] == ["medtop:11000000"]
    assert doc["model_versions"] == ["spacy=en_core_web_sm-3.8.0", "topics=iptc-2024"]
    assert doc["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert doc["revision"] == 3
    assert doc["published_at"] == "2025-03-01T12:00:00+00:00"


def test_document_only_uses_mapped_fields() -> None:
    """The index is dynamic: strict, so every field we send must be in the mapping."""
    doc = to_document(enriched_article())
    props = mappings()["properties"]
    assert set(doc) <= set(props)
    assert set(doc["entities_by_type"]) <= set(props["entities_by_type"]["properties"])
    for entity in doc["entities"]:
        assert set(entity) <= set(props["entities"]["properties"])
    for topic in doc["topics"]:
        assert set(topic) <= set(props["topics"]["properties"])


def test_index_action_uses_article_id_and_external_revision_version() -> None:
    action = bulk_action(enriched_article(revision=7), index="news-articles")
    meta_line, source_line = action.payload.rstrip(b"\n").split(b"\n")
    meta = orjson.loads(meta_line)
    assert meta == {
        "index": {"_index": "news-articles", "_id": "reuters:abc-1", "version": 7, "version_type": "external"}
    }
    assert orjson.loads(source_line)["title"] == "Merkel meets Macron in Paris"
    assert action.op == "index" and action.size == len(action.payload)


def test_retraction_becomes_versioned_delete() -> None:
    action = bulk_action(enriched_article(revision=9, deleted=True), index="news-articles")
    assert action.op == "delete"
    assert orjson.loads(action.payload) == {
        "delete": {
            "_index": "news-articles",
            "_id": "reuters:abc-1",
            "version": 9,
            "version_type": "external_gte",
        }
    }
    with pytest.raises(ValueError):
        to_document(enriched_article(deleted=True))


def test_language_falls_back_to_declared_language() -> None:
    article = enriched_article()
    assert article.enrichment is not None
    enrichment = article.enrichment.model_copy(update={"language": None})
    undetected = article.model_copy(update={"enrichment": enrichment})
    assert to_document(undetected)["language"] == "en"
