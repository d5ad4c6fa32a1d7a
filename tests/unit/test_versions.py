"""Tolerant readers, strict writers (newsflow.versions, docs/contracts.md), without Kafka."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from newsflow.enrich.records import InRecord, process_records
from newsflow.index.documents import to_document
from newsflow.index.records import Origin, to_actions
from newsflow.models import Enrichment, Entity, RawArticle
from newsflow.serde import DecodeError, encode
from newsflow.versions import ENRICHED, RAW, read
from tests.support.articles import T0
from tests.support.articles import enriched_article as make_article
from tests.support.next_release import (
    ENRICHED_V2,
    NEW_ENTITY_TYPE,
    NEW_TOPIC,
    RAW_V2,
    SUBTITLE,
    next_enriched,
    next_raw,
)


def test_writers_stay_strict() -> None:
    with pytest.raises(ValidationError) as raised:
        RawArticle.model_validate({**make_article().article.model_dump(), "subtitle": "x"})
    assert raised.value.errors()[0]["type"] == "extra_forbidden"
    with pytest.raises(ValidationError) as raised:
        Entity(name="Monday", type=NEW_ENTITY_TYPE, label="DATE", mentions=1, salience=0.1)
    assert raised.value.errors()[0]["type"] == "literal_error"


def test_a_next_raw_article_is_read_and_its_new_field_carried_to_the_enriched_record() -> None:
    value = next_raw(encode(make_article().article))
    article = read(value, RAW)
    assert article.model_extra == {"subtitle": SUBTITLE}

    def enrich(articles: Any) -> list[Enrichment]:
        return [Enrichment(word_count=1, reading_time_s=1, fingerprint="0" * 16) for _ in articles]

    [out] = process_records([InRecord("raw", 0, 7, b"reuters:abc-1", value)], enrich)
    assert out.destination == "enriched"
    assert orjson.loads(out.value)["article"]["subtitle"] == SUBTITLE


def test_a_next_enriched_article_is_indexed_without_what_the_mapping_does_not_know() -> None:
    value = next_enriched(encode(make_article()))
    enriched = read(value, ENRICHED)
    assert enriched.enrichment is not None
    assert enriched.enrichment.model_extra == {"sentiment": 0.25}
    document = to_document(enriched, indexed_at=T0)
    assert "subtitle" not in document and "sentiment" not in document
    assert document["entities"][-1]["name"] == "Monday"
    assert document["entities"][-1]["type"] == NEW_ENTITY_TYPE and "Monday" in document["entity_names"]
    assert NEW_ENTITY_TYPE not in document["entities_by_type"]  # no mapped field for it yet
    assert NEW_TOPIC["code"] in document["topic_codes"]
    batch = to_actions([Origin.of("enriched", 0, 1, b"reuters:abc-1", value, None)], index="i", indexed_at=T0)
    assert len(batch.actions) == 1 and batch.undecodable == []


def test_a_version_2_reader_reads_version_1_records() -> None:
    value = encode(make_article().article)
    assert orjson.loads(value)["schema_version"] == 1
    article = read(value, RAW_V2)
    assert article.schema_version == 2
    assert article.bylines == ({"name": "Jane Doe", "role": "author"},)
    assert article.id == "reuters:abc-1" and article.revision == 3
    enriched = read(encode(make_article()), ENRICHED_V2)
    assert enriched.schema_version == 2 and enriched.article.bylines == article.bylines


def test_an_unknown_version_is_refused_with_what_to_do() -> None:
    value = encode(make_article().article).replace(b'"schema_version":1', b'"schema_version":3')
    with pytest.raises(DecodeError) as raised:
        read(value, RAW_V2)
    assert raised.value.error_type == "WrongSchema"
    assert raised.value.reason.startswith("schema_version: 3 is not a version of raw-article this consumer")
    assert "(1, 2)" in raised.value.reason and "upgrade consumers before producers" in raised.value.reason


def test_tolerance_stops_at_the_contract() -> None:
    """Unknown fields and open-enum values are read; a broken known field is still a WrongSchema."""
    data = orjson.loads(encode(make_article().article))
    with pytest.raises(DecodeError) as raised:
        read(orjson.dumps({**data, "revision": "three", "subtitle": "x"}), RAW)
    assert raised.value.error_type == "WrongSchema" and raised.value.reason.startswith("revision:")
