"""Named entities of an article: spaCy mentions, normalised, merged per entity, typed and scored.

The title and the body are analysed as separate documents, so a headline is never glued into an
entity of the first paragraph. Title-case headlines confuse NER ("Trump Confirms 'Very Good' Phone"
as one PERSON), so title entities are taken from the body's entities found in the title, plus title
mentions that look like a clean name.

Rules, in order:
1. keep facet-worthy labels only (people, organisations, places, groups, events, products, laws,
   works, facilities); dates, times, numbers and money are dropped;
2. normalise each mention: no leading "the", no possessive "'s", no surrounding quotes/punctuation,
   no line breaks; offsets follow the normalised text;
3. merge mentions of one entity: same text (case-insensitive); a surname or given name ("Trump",
   "Xi") into the only person whose full name has it; a trailing part ("Foreign Ministry") into the
   only longer organisation that ends with it; split compounds ("U.S.-China") into known entities;
4. the type is decided by the votes of the mentions that use the full name (then by all mentions);
5. salience combines frequency, presence in the title and in the lead, and first position
   (nationality/group adjectives weigh less: they mostly modify other nouns).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from spacy.tokens import Doc

from newsflow.models import Entity, EntityType, Span

Field = Literal["title", "body"]

#: spaCy (OntoNotes) labels kept, and the facet type each maps to.
LABEL_TYPES: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
    "NORP": "group",
    "EVENT": "event",
    "PRODUCT": "product",
    "LAW": "law",
    "WORK_OF_ART": "work",
    "FAC": "facility",
}

#: Labels whose single-token mentions may be a short form of a longer person/organisation name.
_SHORTENABLE = {"PERSON", "ORG"}
_LEADING_ARTICLES = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_CHARS = "\"'“”‘’«»„‹›()[]{}<>,;:!?*•|/\\–—-_ \t"
_WORD = re.compile(r"[\w.&'’-]+")

#: How much each signal weighs in the salience score (sum = 1).
W_FREQUENCY, W_TITLE, W_LEAD, W_POSITION = 0.4, 0.3, 0.2, 0.1
#: Nationality/group adjectives ("Chinese goods") are frequent modifiers rather than subjects.
LABEL_SALIENCE_FACTOR: dict[str, float] = {"NORP": 0.75}
#: Title mentions that match no body entity are kept only when they are this short.
MAX_TITLE_ONLY_WORDS = 3


@dataclass(frozen=True)
class Mention:
    """One normalised mention: its text, spaCy label, and where it stands."""

    text: str
    label: str
    field: Field
    start: int
    end: int

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w.casefold() for w in _WORD.findall(self.text))


@dataclass
class _Group:
    """Mentions merged into one entity while the article is analysed."""

    mentions: list[Mention] = field(default_factory=list)

    @property
    def canonical(self) -> str:
        # The longest form (in words, then characters); ties go to the most frequent form.
        counts = Counter(m.text for m in self.mentions)
        return max(counts, key=lambda t: (len(_WORD.findall(t)), counts[t], len(t)))

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w.casefold() for w in _WORD.findall(self.canonical))

    def label(self) -> str:
        canonical = self.canonical.casefold()
        full = Counter(m.label for m in self.mentions if m.text.casefold() == canonical)
        every = Counter(m.label for m in self.mentions)
        return max(every, key=lambda lab: (full[lab], every[lab], lab == "PERSON"))


def normalise_mention(text: str, start: int) -> tuple[str, int] | None:
    """Clean one raw mention; return (text, start) of the cleaned form, or None if nothing is left.

    The returned text is an exact slice of the input, so ``start + len(text)`` is its end offset.
    """
    if "\n" in text:  # an entity never spans a line break: keep the longest line
        pieces = text.split("\n")
        best = max(range(len(pieces)), key=lambda i: len(pieces[i].strip()))
        start += sum(len(p) + 1 for p in pieces[:best])
        text = pieces[best]
    while True:
        before = text
        stripped = text.lstrip(_EDGE_CHARS)
        start += len(text) - len(stripped)
        text = stripped
        match = _LEADING_ARTICLES.match(text)
        if match:
            start += match.end()
            text = text[match.end() :]
        # A trailing "." is kept: spaCy's tokenizer only leaves it on abbreviations ("U.S.", "Inc.").
        text = _POSSESSIVE.sub("", text).rstrip(_EDGE_CHARS)
        if text == before:
            break
    if not text or not any(ch.isalpha() for ch in text):
        return None
    return text, start


def mentions_from_doc(doc: Doc, field_name: Field) -> list[Mention]:
    """The kept, normalised entity mentions of one spaCy document."""
    found: list[Mention] = []
    for ent in doc.ents:
        if ent.label_ not in LABEL_TYPES:
            continue
        cleaned = normalise_mention(ent.text, ent.start_char)
        if cleaned is None:
            continue
        text, start = cleaned
        found.append(Mention(" ".join(text.split()), ent.label_, field_name, start, start + len(text)))
    return found


def _is_short_form(short: tuple[str, ...], long: tuple[str, ...], long_label: str, short_label: str) -> bool:
    if len(short) >= len(long) or short_label not in _SHORTENABLE:
        return False
    if len(short) == 1:
        # "Trump" / "Xi": a surname or given name of a person (never a word of an organisation name:
        # "Chinese" must not become "Chinese Communist Party").
        return long_label == "PERSON" and short[0] in (long[0], long[-1])
    return long_label in _SHORTENABLE and long[-len(short) :] == short


def _merge_short_forms(groups: dict[str, _Group]) -> dict[str, _Group]:
    """Fold each group that is the short form of exactly one longer group into it."""
    # words and label of every group, computed once and refreshed only for a group that grows
    # (recomputing them for every pair made this quadratic loop ~10% of the worker's CPU time)
    info = {key: (group.words, group.label()) for key, group in groups.items()}
    by_length = sorted(groups, key=lambda k: len(info[k][0]))
    for key in by_length:
        group = groups.get(key)
        if group is None:
            continue
        words, label = info[key]
        candidates = [
            other_key
            for other_key in groups
            if other_key != key and _is_short_form(words, info[other_key][0], info[other_key][1], label)
        ]
        if len(candidates) == 1:
            target = groups[candidates[0]]
            target.mentions.extend(group.mentions)
            del groups[key]
            info[candidates[0]] = (target.words, target.label())
    return groups


def _alias_index(groups: dict[str, _Group]) -> dict[str, _Group]:
    """Every surface form (case-folded) of every group, pointing at its group."""
    index: dict[str, _Group] = {}
    for group in groups.values():
        for mention in group.mentions:
            index.setdefault(mention.text.casefold(), group)
    return index


def _split_compounds(groups: dict[str, _Group]) -> dict[str, _Group]:
    """Split hyphenated compounds ("U.S.-China") into the entities they join, when all are known."""
    index = _alias_index(groups)
    for key in [k for k, g in groups.items() if "-" in g.canonical]:
        group = groups[key]
        remaining: list[Mention] = []
        for mention in group.mentions:
            parts = mention.text.split("-")
            if len(parts) < 2 or any(
                p.casefold() not in index or index[p.casefold()] is group for p in parts
            ):
                remaining.append(mention)
                continue
            offset = mention.start
            for part in parts:
                target = index[part.casefold()]
                target_label = target.mentions[0].label
                target.mentions.append(Mention(part, target_label, mention.field, offset, offset + len(part)))
                offset += len(part) + 1
        if remaining:
            group.mentions = remaining
        else:
            del groups[key]
    return groups


def _title_mentions(title: str, title_doc_mentions: Sequence[Mention], groups: dict[str, _Group]) -> None:
    """Attach title mentions: body entities found in the title, plus clean title-only names."""
    covered: list[tuple[int, int]] = []
    # Longest surface forms first, so "Xi Jinping" wins over "Xi" at the same place.
    forms: list[tuple[str, _Group]] = []
    for group in groups.values():
        for text in {m.text for m in group.mentions if m.field == "body"}:
            forms.append((text, group))
    forms.sort(key=lambda item: -len(item[0]))
    for text, group in forms:
        for match in re.finditer(rf"(?<![\w-]){re.escape(text)}(?![\w-])", title):
            span = (match.start(), match.end())
            if any(span[0] < end and start < span[1] for start, end in covered):
                continue
            covered.append(span)
            label = Counter(m.label for m in group.mentions if m.text == text).most_common(1)[0][0]
            group.mentions.append(Mention(text, label, "title", span[0], span[1]))
    index = _alias_index(groups)
    for mention in title_doc_mentions:
        if any(mention.start < end and start < mention.end for start, end in covered):
            continue
        clean = not any(ch in mention.text for ch in '"“”‘’«»')
        if not clean or len(mention.words) > MAX_TITLE_ONLY_WORDS:
            continue  # likely a headline fragment glued into a name
        target = index.get(mention.text.casefold())
        if target is None:
            target = groups.setdefault(mention.text.casefold(), _Group())
        target.mentions.append(mention)
        covered.append((mention.start, mention.end))


def lead_end(body: str, max_chars: int = 600) -> int:
    """Where the lead (first paragraph, at most ``max_chars``) of ``body`` ends."""
    stripped_start = len(body) - len(body.lstrip())
    paragraph_end = body.find("\n\n", stripped_start)
    end = len(body) if paragraph_end < 0 else paragraph_end
    return min(end, stripped_start + max_chars)


_OPENERS = " \t\"'“‘(«"


def _sentence_initial(text: str, start: int) -> bool:
    """The mention opens a sentence (only spaces, quotes or a bracket since the last full stop)."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in ".!?:\n"


def _drop_common_words(groups: dict[str, _Group], title: str, body: str) -> dict[str, _Group]:
    """Drop one-word "entities" that are capitalised common words ("Turnout", "Observers").

    The small model tags capitalised sentence-initial words as names. A one-word entity is dropped
    when the article also writes it in lower case, or when it only ever stands at the start of a
    sentence and is no part of a longer name in the article (an ambiguous surname stays).
    """
    in_longer_names = {w for g in groups.values() if len(g.words) > 1 for w in g.words}
    kept: dict[str, _Group] = {}
    for key, group in groups.items():
        name = group.canonical
        if " " not in name and name[:1].isupper() and name.casefold() not in in_longer_names:
            lower = re.compile(rf"(?<!\w){re.escape(name.lower())}(?!\w)")
            texts = {"title": title, "body": body}
            if lower.search(body) or lower.search(title):
                continue
            if all(_sentence_initial(texts[m.field], m.start) for m in group.mentions):
                continue
        kept[key] = group
    return kept


def build_entities(
    title: str,
    body: str,
    title_mentions: Iterable[Mention],
    body_mentions: Iterable[Mention],
) -> tuple[Entity, ...]:
    """Merge the mentions of one article into entities, most salient first."""
    groups: dict[str, _Group] = {}
    for mention in body_mentions:
        groups.setdefault(mention.text.casefold(), _Group()).mentions.append(mention)
    groups = _split_compounds(_merge_short_forms(groups))
    _title_mentions(title, list(title_mentions), groups)
    groups = _drop_common_words(_merge_short_forms(groups), title, body)
    if not groups:
        return ()
    lead = lead_end(body)
    top_count = max(len(g.mentions) for g in groups.values())
    body_len = max(len(body), 1)
    entities: list[Entity] = []
    for group in groups.values():
        label = group.label()
        spans = sorted(
            {Span(field=m.field, start=m.start, end=m.end) for m in group.mentions},
            key=lambda s: (s.field != "title", s.start),
        )
        in_title = any(s.field == "title" for s in spans)
        body_starts = [s.start for s in spans if s.field == "body"]
        in_lead = any(start < lead for start in body_starts)
        first = min(body_starts) / body_len if body_starts else 1.0
        salience = LABEL_SALIENCE_FACTOR.get(label, 1.0) * (
            W_FREQUENCY * len(spans) / top_count
            + W_TITLE * in_title
            + W_LEAD * in_lead
            + W_POSITION * (1.0 - first)
        )
        entities.append(
            Entity(
                name=group.canonical,
                type=LABEL_TYPES[label],
                label=label,
                mentions=len(spans),
                salience=round(min(max(salience, 0.0), 1.0), 4),
                spans=tuple(spans),
            )
        )
    entities.sort(key=lambda e: (-e.salience, -e.mentions, e.name))
    return tuple(entities)


def extract_entities(title: str, body: str, title_doc: Doc, body_doc: Doc) -> tuple[Entity, ...]:
    """Entities of an article from its title and body documents (analysed separately)."""
    return build_entities(
        title, body, mentions_from_doc(title_doc, "title"), mentions_from_doc(body_doc, "body")
    )
