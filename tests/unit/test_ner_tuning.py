"""The NER tuning of issue 12: forms projected to spans, the shipped weights' hash check, and the
labels file's articles (training texts only, none of the evaluation set)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from newsflow.enrich import ner_weights
from newsflow.enrich.evaluation import load_articles, text_hash
from newsflow.enrich.ner_labels import (
    CharSpan,
    LabelledEntity,
    form_occurrences,
    merge_with_model,
    parse_entities,
    project_forms,
)
from newsflow.enrich.ner_weights import TunedNerError, apply_tuned_ner, read_checked
from newsflow.enrich.nlp import load_nlp
from newsflow.enrich.settings import EnrichmentSettings

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "training" / "wikinews_entity_labels.jsonl.gz"
CORPUS = REPO / "training" / "wikinews_topics.jsonl.gz"


def spans(text: str, found: list[CharSpan]) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in found]


def test_forms_are_found_on_word_boundaries_only() -> None:
    text = "Gregg's plan; Greggson disagreed. US and us, U.S.-China talks."
    assert form_occurrences(text, "Gregg") == [(0, 5)]
    assert form_occurrences(text, "US") == [(34, 36)]
    assert [text[a:b] for a, b in form_occurrences(text, "U.S.")] == ["U.S."]
    assert form_occurrences(text, "  ") == []


def test_the_longest_form_wins_and_spans_never_overlap() -> None:
    text = "The U.S. Senate met. The Senate and the U.S. disagreed in New York City, New York."
    entities = [
        LabelledEntity("gpe", "United States", ("U.S.",)),
        LabelledEntity("org", "United States Senate", ("U.S. Senate", "Senate")),
        LabelledEntity("gpe", "New York City", ("New York City",)),
        LabelledEntity("gpe", "New York (state)", ("New York",)),
    ]
    found = project_forms(text, entities)
    assert spans(text, found) == [
        ("U.S. Senate", "ORG"),
        ("Senate", "ORG"),
        ("U.S.", "GPE"),
        ("New York City", "GPE"),
        ("New York", "GPE"),
    ]
    assert found[-1].start == text.rindex("New York")
    assert all(not a.overlaps(b) for a in found for b in found if a is not b)


def test_a_string_under_two_entities_keeps_the_first() -> None:
    text = "Victoria won in Victoria."
    found = project_forms(
        text,
        [
            LabelledEntity("person", "Victoria Azarenka", ("Victoria",)),
            LabelledEntity("gpe", "Victoria", ("Victoria",)),
        ],
    )
    assert spans(text, found) == [("Victoria", "PERSON"), ("Victoria", "PERSON")]


def test_the_model_keeps_its_other_labels_where_they_touch_no_annotation() -> None:
    annotated = [CharSpan(0, 5, "PERSON"), CharSpan(20, 26, "GPE")]
    model = [
        CharSpan(0, 10, "ORG"),  # overlaps an annotation: dropped
        CharSpan(11, 15, "DATE"),  # another label, free: kept
        CharSpan(21, 30, "NORP"),  # another label but overlaps: dropped
        CharSpan(31, 36, "ORG"),  # an annotated label nobody annotated here
    ]
    outside = merge_with_model(annotated, model, "outside")
    assert outside.entities == (CharSpan(0, 5, "PERSON"), CharSpan(11, 15, "DATE"), CharSpan(20, 26, "GPE"))
    assert outside.missing == ()
    missing = merge_with_model(annotated, model, "missing")
    assert missing.entities == outside.entities
    assert missing.missing == (CharSpan(31, 36, "ORG"),)


def test_unknown_types_in_a_labels_file_are_refused() -> None:
    assert parse_entities([{"type": "org", "canonical": "NASA", "forms": ["NASA"]}])[0].forms == ("NASA",)
    with pytest.raises(ValueError, match="unknown entity type"):
        parse_entities([{"type": "event", "canonical": "Olympics", "forms": ["Olympics"]}])


def test_a_changed_weights_file_is_refused_clearly(tmp_path: Path) -> None:
    good = tmp_path / "ner.bin"
    good.write_bytes(b"weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    assert read_checked(good, digest) == b"weights"
    good.write_bytes(b"weightz")
    with pytest.raises(TunedNerError, match="refused.*expected " + digest):
        read_checked(good, digest)
    with pytest.raises(TunedNerError, match="not readable"):
        read_checked(tmp_path / "absent.bin", digest)


def test_a_tampered_copy_of_the_shipped_weights_is_refused_before_loading(tmp_path: Path) -> None:
    shipped = ner_weights.shipped_weights()
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == ner_weights.TUNED_NER_SHA256
    data = bytearray(shipped.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered = tmp_path / "tampered.bin"
    tampered.write_bytes(bytes(data))
    nlp = load_nlp("en_core_web_md")
    before = nlp.get_pipe("ner").to_bytes(exclude=["vocab"])
    with pytest.raises(TunedNerError, match="refused"):
        apply_tuned_ner(nlp, tampered, ner_weights.TUNED_NER_SHA256)
    assert nlp.get_pipe("ner").to_bytes(exclude=["vocab"]) == before
    assert nlp.meta["version"] == "3.8.0"


def test_the_tuned_weights_load_into_md_only_and_name_the_model() -> None:
    nlp = ner_weights.english_nlp(EnrichmentSettings(tuned_ner=True))
    assert nlp.meta["version"] == f"3.8.0+ner-{ner_weights.TUNED_NER_SHA256[:12]}"
    assert nlp.pipe_names == ["ner"]
    small = load_nlp("en_core_web_sm")
    with pytest.raises(TunedNerError, match=r"are for en_core_web_md-3\.8\.0"):
        apply_tuned_ner(small, ner_weights.shipped_weights(), ner_weights.TUNED_NER_SHA256)
    plain = ner_weights.english_nlp(EnrichmentSettings(tuned_ner=False))
    assert plain.meta["version"] == "3.8.0"
    fallback = ner_weights.english_nlp(EnrichmentSettings(spacy_model="en_core_web_absent"))
    assert fallback.meta["name"].startswith("core_web_sm") and "+ner" not in fallback.meta["version"]


def _jsonl(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_labelled_articles_are_undamaged_training_texts_and_none_is_evaluated() -> None:
    corpus = {str(a["ref"]): a for a in _jsonl(CORPUS)}
    labels = _jsonl(LABELS)
    assert len(labels) >= 400
    evaluation = load_articles(REPO / "evaluation" / "articles.jsonl")
    eval_titles = {a.title.strip().casefold() for a in evaluation}
    eval_hashes = {text_hash(a.body) for a in evaluation} | {
        text_hash(f"{a.title}\n{a.body}") for a in evaluation
    }
    for record in labels:
        article = corpus[str(record["ref"])]  # in the training corpus
        assert not article.get("damaged"), record["ref"]
        assert article["title"] == record["title"]
        assert str(article["title"]).strip().casefold() not in eval_titles
        assert text_hash(str(article["body"])) not in eval_hashes
        entities = record["entities"]
        assert isinstance(entities, list)
        text = f"{article['title']}\n{article['body']}"
        for entity in parse_entities(entities):
            assert all(form_occurrences(text, f) for f in entity.forms), (record["ref"], entity)
