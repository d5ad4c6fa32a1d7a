"""Key phrases: reporting verbs and stop words are never keywords."""

from __future__ import annotations

import spacy

from newsflow.enrich.keywords import REPORTING_VERBS, extract_keywords


def test_reporting_verbs_cut_phrases_and_are_never_keywords() -> None:
    nlp = spacy.blank("en")
    body = (
        "The council said the rent freeze would pass. Tenants said the rent freeze came late. "
        "Officials told reporters the rent freeze starts in March, the mayor said, and landlords "
        "said they would appeal the rent freeze."
    )
    keywords = extract_keywords(nlp("Rent freeze passes"), nlp(body))
    words = {w for k in keywords for w in k.text.split()}
    assert keywords[0].text == "rent freeze"
    assert not words & REPORTING_VERBS
    assert not words & nlp.Defaults.stop_words
