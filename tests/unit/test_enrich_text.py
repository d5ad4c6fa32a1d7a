"""Language, fingerprint and keywords: the cheap text features of an enrichment."""

from __future__ import annotations

from newsflow.enrich.fingerprint import hamming_distance, is_near_duplicate, simhash
from newsflow.enrich.language import detect_language, effective_language
from tests.support.articles import seed_title_body


def test_language_is_detected() -> None:
    assert detect_language("Bonjour", "Le président a parlé avec le dirigeant chinois hier soir.")[0] == "fr"
    assert (
        detect_language("Hallo", "Der Präsident hat gestern mit dem chinesischen Staatschef telefoniert.")[0]
        == "de"
    )
    assert detect_language("", "1234 5678") == (None, None)


def test_wire_copies_are_near_duplicates_and_other_stories_are_not() -> None:
    _, body = seed_title_body()
    copy = body.replace("on Friday", "late on Friday").replace("very good", "very productive")
    other = (
        "The city council approved a new budget for public transport on Tuesday, adding bus lines, "
        "extending tram hours and freezing ticket prices for students and pensioners until next year."
    ) * 3
    assert is_near_duplicate(simhash(body), simhash(copy), max_distance=6)
    assert hamming_distance(simhash(body), simhash(other)) > 16
    assert simhash(body) == simhash(body)
    assert simhash("") == "0" * 16


def test_effective_language_trusts_only_confident_detections_then_the_declared_language() -> None:
    assert effective_language("de", 0.99, "en") == "de"  # a confident detection wins over the label
    assert effective_language("af", 0.10, "en-GB") == "en"  # a weak guess yields to the declaration
    assert effective_language("af", 0.10, None) is None  # unknown: nothing is switched off
    assert effective_language(None, None, None) is None
