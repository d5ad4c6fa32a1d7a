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

from spacy.attrs import ORTH
from spacy.tokens import Doc
from spacy.vocab import Vocab

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


#: Per vocabulary (a pipeline's; English and French differ), per word form (``ORTH`` id): its
#: lower-case form, or None when it cuts a phrase (stop word, punctuation, number, not all letters,
#: reporting verb). Lexical attributes only, so the same for every occurrence. Bounded: a vocabulary's
#: table is emptied past ``_MAX_FORMS`` forms; at most ``_MAX_VOCABS`` vocabularies are kept.
_MAX_FORMS = 200_000
_MAX_VOCABS = 4
_forms: dict[int, tuple[Vocab, dict[int, str | None]]] = {}


def _form_table(vocab: Vocab) -> dict[int, str | None]:
    entry = _forms.get(id(vocab))
    if entry is not None and entry[0] is vocab:
        if len(entry[1]) > _MAX_FORMS:
            entry[1].clear()
        return entry[1]
    if len(_forms) >= _MAX_VOCABS:
        _forms.clear()
    table: dict[int, str | None] = {}
    _forms[id(vocab)] = (vocab, table)  # the vocabulary is held, so its id is never reused meanwhile
    return table


def _content_word(vocab: Vocab, orth: int) -> str | None:
    lex = vocab[orth]
    if lex.is_stop or lex.is_punct or lex.like_num or not lex.is_alpha or lex.lower_ in REPORTING_VERBS:
        return None
    return lex.lower_


def candidate_phrases(doc: Doc) -> list[tuple[str, ...]]:
    """Runs of content words of ``doc`` (as lower-case tuples), cut at stop words and punctuation.

    Tokens are read as one array of word-form ids (``Doc.to_array``), each form's lexical
    attributes looked up once per process (``_form_table``): the same flags and lower-case forms as
    token by token, without building a Python object per token.
    """
    phrases: list[tuple[str, ...]] = []
    run: list[str] = []

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

    if len(doc):
        vocab = doc.vocab
        table = _form_table(vocab)
        in_entity = [False] * len(doc)
        for ent in doc.ents:
            in_entity[ent.start : ent.end] = [True] * (ent.end - ent.start)
        for entity_token, orth in zip(in_entity, doc.to_array(ORTH).tolist(), strict=True):
            if orth in table:
                word = table[orth]
            else:
                word = table[orth] = _content_word(vocab, orth)
            if entity_token or word is None:
                if run:
                    close()
            else:
                run.append(word)
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
        if count == 0:
            continue  # title-only words are headline style
        in_title = phrase in title_phrases or _inside_any(phrase, title_phrases)
        if len(phrase) == 1 and count < 2 and not in_title:
            continue  # a single word once is noise
        mean_word_freq = sum(word_counts[w] for w in phrase) / len(phrase)
        score = count + mean_word_freq + TITLE_BONUS * in_title
        scores[phrase] = score
    ranked = sorted(scores.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
    return tuple(Keyword(text=" ".join(p), score=round(s, 3)) for p, s in _drop_nested(ranked, limit))


def _inside_any(phrase: tuple[str, ...], others: Iterable[tuple[str, ...]]) -> bool:
    n = len(phrase)
    return any(
        other[i : i + n] == phrase for other in others if len(other) > n for i in range(len(other) - n + 1)
    )


def _drop_nested(
    ranked: Sequence[tuple[tuple[str, ...], float]], limit: int | None = None
) -> list[tuple[tuple[str, ...], float]]:
    """Drop a phrase when a better-ranked phrase contains it ("crisis" after "fentanyl crisis");
    the first ``limit`` kept (a phrase's fate depends only on those ranked before it)."""
    kept: list[tuple[tuple[str, ...], float]] = []
    for phrase, score in ranked:
        if limit is not None and len(kept) >= limit:
            break
        if not _inside_any(phrase, (p for p, _ in kept)):
            kept.append((phrase, score))
    return kept
