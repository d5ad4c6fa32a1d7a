"""Key phrases of an article, RAKE-style, from spaCy tokens' lexical attributes only.

Candidate phrases are runs of up to three content words (not stop words, reporting verbs,
punctuation, numbers or entity tokens) between stop words and punctuation, with verb-like edge
words trimmed. A phrase scores by how often it occurs, how often its words occur (in any phrase),
and whether it is in the title. Phrases made only of entity-name words are left out: entities are
their own facet. No tagger or parser is needed, so this costs almost nothing on top of NER.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from spacy.tokens import Doc

from newsflow.models import Keyword

KEYWORDS_VERSION = "rake-lex-2"
MAX_PHRASE_WORDS = 3
MIN_WORD_CHARS = 3
TITLE_BONUS = 1.5
# Reporting verbs: in nearly every news article ("said" was the top keyword of the seeds), never key.
# They cut phrases like stop words do.
REPORTING_VERBS = frozenset(
    {
        "said", "says", "say", "saying", "told", "tells", "tell", "added", "adds", "announced",
        "announces", "stated", "states", "according", "explained", "noted", "claimed", "claims",
        "insisted", "warned", "warns", "reported", "reports", "confirmed", "confirms", "asked",
        "replied", "wrote", "writes", "declared", "argued",
    }
)  # fmt: skip


def candidate_phrases(doc: Doc) -> list[tuple[str, ...]]:
    """Runs of content words of ``doc`` (as lower-case tuples), cut at stop words and punctuation."""
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


def _verb_like(word: str) -> bool:
    """Past forms and gerunds at the edge of a phrase ("addressing", "covered") are rarely key."""
    return len(word) >= 5 and word.endswith(("ing", "ed"))


def extract_keywords(
    title_doc: Doc,
    body_doc: Doc,
    entity_names: Iterable[str] = (),
    limit: int = 10,
) -> tuple[Keyword, ...]:
    """The ``limit`` best key phrases of an article, best first."""
    if limit <= 0:
        return ()
    entity_words = {w.casefold() for name in entity_names for w in name.split()}
    body_counts: Counter[tuple[str, ...]] = Counter(candidate_phrases(body_doc))
    title_phrases = set(candidate_phrases(title_doc))
    word_counts: Counter[str] = Counter(
        w for phrase, n in body_counts.items() for w in phrase for _ in range(n)
    )
    scores: dict[tuple[str, ...], float] = defaultdict(float)
    for phrase in set(body_counts) | title_phrases:
        if all(word in entity_words for word in phrase):
            continue
        count = body_counts[phrase]
        in_title = phrase in title_phrases or _inside_any(phrase, title_phrases)
        if count == 0 or (len(phrase) == 1 and count < 2 and not in_title):
            continue  # title-only words are headline style; a single word once is noise
        mean_word_freq = sum(word_counts[w] for w in phrase) / len(phrase)
        score = count + mean_word_freq + TITLE_BONUS * in_title
        scores[phrase] = score
    ranked = sorted(scores.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
    return tuple(Keyword(text=" ".join(p), score=round(s, 3)) for p, s in _drop_nested(ranked)[:limit])


def _inside_any(phrase: tuple[str, ...], others: Iterable[tuple[str, ...]]) -> bool:
    n = len(phrase)
    return any(
        other[i : i + n] == phrase for other in others if len(other) > n for i in range(len(other) - n + 1)
    )


def _drop_nested(ranked: Sequence[tuple[tuple[str, ...], float]]) -> list[tuple[tuple[str, ...], float]]:
    """Drop a phrase when a better-ranked phrase contains it ("crisis" after "fentanyl crisis")."""
    kept: list[tuple[tuple[str, ...], float]] = []
    for phrase, score in ranked:
        if not _inside_any(phrase, (p for p, _ in kept)):
            kept.append((phrase, score))
    return kept
