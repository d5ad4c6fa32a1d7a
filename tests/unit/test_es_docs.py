"""EnrichedArticle → Elasticsearch document and bulk action."""

from __future__ import annotations

import orjson
import pytest

from newsflow.enrich.outlets import is_own_outlet
from newsflow.index.design import mappings
from newsflow.index.documents import bulk_action, to_document
from newsflow.models import Entity, Topic
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


@pytest.mark.parametrize(
    ("name", "source", "own"),
    [
        ("Harbor Times", "harbor-times", True),
        ("Daily Ledger", "the-daily-ledger", True),
        ("The Daily Ledger", "the-daily-ledger", True),
        ("Harbor Times", "northern-courier", False),
        ("Harbor", "harbor-times", False),
    ],
)
def test_own_outlet_is_recognised_by_its_source_id(name: str, source: str, own: bool) -> None:
    assert is_own_outlet(name, source) is own


def test_own_outlet_stays_out_of_the_organisation_facet_and_names_are_suggested_by_type() -> None:
    article = enriched_article()
    assert article.enrichment is not None
    outlet = Entity(name="Reuters", type="organization", label="ORG", mentions=1, salience=0.1)
    other = Entity(name="European Commission", type="organization", label="ORG", mentions=1, salience=0.3)
    enrichment = article.enrichment.model_copy(
        update={"entities": (*article.enrichment.entities, outlet, other)}
    )
    doc = to_document(article.model_copy(update={"enrichment": enrichment}))
    assert doc["entities_by_type"]["organization"] == ["European Commission"]
    assert "Reuters" in doc["entity_names"]  # still searchable and in `entities`
    suggested = {entry["input"][0]: entry for entry in doc["entity_suggest"]}
    assert "Reuters" not in suggested
    # whatever type the model gives the outlet's name, it stays out of the facets
    as_place = Entity(name="Reuters", type="place", label="GPE", mentions=1, salience=0.1)
    placed = article.enrichment.model_copy(update={"entities": (*article.enrichment.entities, as_place)})
    doc_placed = to_document(article.model_copy(update={"enrichment": placed}))
    assert "Reuters" not in doc_placed["entities_by_type"].get("place", [])
    assert suggested["European Commission"] == {
        "input": ["European Commission"],
        "weight": 1,
        "contexts": {"type": ["organization"]},
    }


def test_main_entities_are_the_salient_ones() -> None:
    doc = to_document(enriched_article())
    assert doc["main_entities_by_type"] == {
        "person": ["Angela Merkel", "Emmanuel Macron"],
        "place": ["Paris"],
    }
    low = enriched_article()
    assert low.enrichment is not None
    quiet = tuple(e.model_copy(update={"salience": 0.49}) for e in low.enrichment.entities)
    doc = to_document(
        low.model_copy(update={"enrichment": low.enrichment.model_copy(update={"entities": quiet})})
    )
    assert doc["main_entities_by_type"] == {}


def test_only_confident_topics_are_filterable_and_every_score_is_kept() -> None:
    article = enriched_article()
    assert article.enrichment is not None
    topics = (
        Topic(code="medtop:11000000", label="politics", score=0.71),
        Topic(code="medtop:04000000", label="economy, business and finance", score=0.3),
        Topic(code="medtop:07000000", label="health", score=0.29),
    )
    doc = to_document(
        article.model_copy(update={"enrichment": article.enrichment.model_copy(update={"topics": topics})})
    )
    assert doc["topic_labels"] == ["politics", "economy, business and finance"]
    assert doc["topic_codes"] == ["medtop:11000000", "medtop:04000000"]
    assert [t["score"] for t in doc["topics"]] == [0.71, 0.3, 0.29]
