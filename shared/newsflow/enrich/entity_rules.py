"""Linguistic post-processing rules for the small NER model's typing mistakes.

Each rule is general newswire English, not a list of names: the words listed here are function
words, speech verbs and organisation head nouns. Used by ``newsflow.enrich.entities``:

- ``join_coordinated_orgs``: "Bureau of Climate and Weather" is one organisation (the model cuts it
  at "and" and tags "Weather" as a person);
- ``split_org_location``: "Daily Ledger in Vancouver" is an organisation and a place;
- ``org_head_index`` / ``has_org_head``: "Lumenfield Software", "Eastfield Institute of Technology"
  are organisations (and "Lumenfield", "Eastfield" their short forms);
- ``surname_is_a_person`` / ``after_locative``: a full name whose surname is used alone as a speaker
  ("Iversen said", "said Iversen", "Iversen, 74,") is a person; a bare name after "in"/"near" is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

#: Last words that make a multi-word name an organisation (companies, public bodies, newspapers).
#: Kept short and unambiguous: words that also end place names ("City", "Valley") or are common
#: surnames ("Power", "Post") are left out.
ORG_HEAD_WORDS = frozenset(
    {
        # companies
        "Software",
        "Systems",
        "Technologies",
        "Group",
        "Holdings",
        "Industries",
        "Logistics",
        "Therapeutics",
        "Pharmaceuticals",
        "Bank",
        "Inc",
        "Corp",
        "Corporation",
        "Ltd",
        "Plc",
        "PLC",
        "LLC",
        # public bodies and institutions
        "Ministry",
        "Department",
        "Agency",
        "Authority",
        "Commission",
        "Council",
        "Bureau",
        "Service",
        "Committee",
        "Party",
        "Foundation",
        "Association",
        "Institute",
        "University",
        "College",
        # news outlets
        "Times",
        "News",
        "Wire",
        "Newswire",
        "Courier",
        "Herald",
        "Gazette",
        "Tribune",
        "Journal",
        # issue 12, session 8: mastheads ("Ottawa Citizen", "Hollywood Reporter"; "Sun", "Post" and
        # "Star" are surnames too: ``PLACE_MASTHEAD_HEADS``)
        "Chronicle",
        "Telegraph",
        "Observer",
        "Guardian",
        "Reporter",
        "Citizen",
        "Examiner",
        "Inquirer",
        "Dispatch",
        "Bulletin",
        "Mail",
        # issue 12, second round
        "Labs",
        "Laboratories",
        "Pictures",
        "Studios",
        "Airlines",
        "Airways",
        # session 9
        "League",
        "Society",
        "Academy",
        "Club",
        "Company",
        "Organization",
        "Organisation",
        "Alliance",
        "Institution",
        "Corps",
        "Network",
        "Records",
        "Police",
        "Army",
        "Navy",
    }
)

#: Masthead words that are also surnames ("Jennifer Sun", "Emily Post"): a masthead only after a
#: place's name ("Edmonton Sun", "Denver Post", "Toronto Star"), which ``entities`` checks.
PLACE_MASTHEAD_HEADS = frozenset({"Sun", "Post", "Star"})

#: Verbs that report speech; "Iversen said" / "said Iversen" make "Iversen" a speaker.
SPEECH_VERBS = (
    "said",
    "says",
    "told",
    "added",
    "explained",
    "warned",
    "argued",
    "noted",
    "insisted",
    "stated",
    "claimed",
    "claims",
    "commented",
    "replied",
    "responded",
)

#: Prepositions after which a bare name is a place ("in Glasgow", "near Cardiff"), not a person.
LOCATIVE_PREPOSITIONS = frozenset({"in", "near", "across", "throughout", "around", "outside"})

#: Labels a coordinated right-hand part must not carry to be glued into the organisation before it.
_SEPARATE_LABELS = frozenset({"GPE", "LOC", "NORP", "FAC", "DATE", "TIME", "CARDINAL", "MONEY"})
_INNER_PREPOSITIONS = frozenset({"of", "for"})
#: Lower-case words that occur inside organisation names ("Bureau of Climate and Weather").
_NAME_CONNECTORS = frozenset({"of", "for", "and", "the", "&"})
_MAX_COORDINATED_WORDS = 4
_NAME_WORD = re.compile(r"^[A-Z][a-z]+(?:['’-][A-Za-z][a-z]+)*$")


@dataclass(frozen=True)
class RawSpan:
    """An entity span by character offsets, after the span rules."""

    start: int
    end: int
    label: str
    text: str


def org_head_index(name: str) -> int | None:
    """Where the organisation head noun of a multi-word name stands, if it has one.

    The head is the last word ("Lumenfield Software") or a word followed by "of"/"for" ("Eastbrook
    Institute of Technology", "Bureau of Climate and Weather").
    """
    words = name.split()
    if len(words) < 2 or not all(w[:1].isupper() or w in _NAME_CONNECTORS for w in words):
        return None  # "Fairbanks told the Harbor Times" is a fragment of a sentence, not a name
    if words[-1].rstrip(".") in ORG_HEAD_WORDS:
        return len(words) - 1
    for i, word in enumerate(words[:-2]):
        if word in ORG_HEAD_WORDS and words[i + 1] in _INNER_PREPOSITIONS:
            return i
    return None


def has_org_head(name: str) -> bool:
    """A multi-word name with an organisation head noun (see ``org_head_index``)."""
    return org_head_index(name) is not None


def is_person_shaped(name: str) -> bool:
    """Two or three capitalised words ("Priya Iversen"), no function word, no organisation head."""
    words = name.split()
    return 2 <= len(words) <= 3 and all(_NAME_WORD.match(w) for w in words) and not has_org_head(name)


def _is_name_token(token: Token) -> bool:
    return _NAME_WORD.match(token.text) is not None


def _person_parts(ents: Sequence[Span]) -> set[str]:
    """Given names and surnames of the multi-word people among ``ents``."""
    parts: set[str] = set()
    for ent in ents:
        if ent.label_ == "PERSON" and len(ent) >= 2:
            parts.update((ent[0].text, ent[-1].text))
    return parts


def _coordinated_end(doc: Doc, ents: Sequence[Span], ent: Span) -> int | None:
    """Token index where "<ORG> and <Name ...>" ends when it is one organisation, else None."""
    if ent[-1].lower_ == "and":  # the model sometimes keeps the "and" and stops there
        start, trailing_and = ent.end, True
    elif ent.end < len(doc) and doc[ent.end].lower_ == "and":
        start, trailing_and = ent.end + 1, False
    else:
        return None
    end = start
    while end < len(doc) and end - start < _MAX_COORDINATED_WORDS and _is_name_token(doc[end]):
        end += 1
    if end == start or (end < len(doc) and _is_name_token(doc[end])):
        return None
    inner_preposition = any(t.lower_ in _INNER_PREPOSITIONS for t in ent[1:-1])
    if not inner_preposition and doc[end - 1].text not in ORG_HEAD_WORDS:
        return None  # "Apple and Google": two names, not one
    for other in ents:
        if other.end <= start or other.start >= end:
            continue
        if other.start < start or other.end > end or other.label_ in _SEPARATE_LABELS:
            return None
        if len(other) >= 2 and other.label_ in {"PERSON", "ORG"} and not trailing_and:
            return None  # "Bank of England and Federal Reserve": a second name of its own
        if len(other) == 1 and other.text in _person_parts(ents):
            return None  # the surname of a person of the article
    return end


def join_coordinated_orgs(doc: Doc) -> list[RawSpan]:
    """The entity spans of ``doc``, with coordinated organisation names joined.

    "Bureau of Climate and Weather", "Council for Stage and Screen", "Coastal and Inland Weather
    Service": an organisation followed by "and" and capitalised words is one name when the left part
    has an inner "of"/"for" or the right part ends in an organisation head noun, and the right part is
    no place, date or person of its own.
    """
    ents = list(doc.ents)  # doc.ents walks every token: once per document
    spans: list[RawSpan] = []
    skip_until = -1
    for ent in ents:
        if ent.start < skip_until:
            continue
        if ent.label_ == "ORG":
            end = _coordinated_end(doc, ents, ent)
            if end is not None:
                joined = doc[ent.start : end]
                spans.append(RawSpan(joined.start_char, joined.end_char, "ORG", joined.text))
                skip_until = end
                continue
        spans.append(RawSpan(ent.start_char, ent.end_char, ent.label_, ent.text))
    return spans


_ORG_IN_PLACE = re.compile(r"^(?P<org>.+?) in (?P<place>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})$")


def split_org_location(text: str, start: int) -> list[tuple[str, int, str]]:
    """ "Daily Ledger in Vancouver" (one ORG span) → the organisation and the place, with offsets.

    An organisation name followed by "in" and one to three capitalised words is an organisation and
    where it is: organisation names very rarely contain "in".
    """
    match = _ORG_IN_PLACE.match(text)
    if match is None or not match.group("org")[:1].isupper():
        return [(text, start, "ORG")]
    return [
        (match.group("org"), start, "ORG"),
        (match.group("place"), start + match.start("place"), "GPE"),
    ]


def dateline_name(text: str) -> str:
    """ "CAPE TOWN" → "Cape Town" (each all-letter word capitalised, others kept)."""
    return " ".join(w.capitalize() if w.isalpha() else w for w in text.split())


def after_locative(text: str, start: int, end: int) -> bool:
    """The name at ``start:end`` follows a locative preposition ("in Glasgow", "near Cardiff").

    Not when a possessive follows: "confidence in Okafor's plan" is about a person.
    """
    if text[end : end + 2] in ("'s", "’s"):
        return False
    before = text[max(0, start - 12) : start]
    if not before.endswith(" "):
        return False
    words = before.split()
    return bool(words) and words[-1].lower() in LOCATIVE_PREPOSITIONS


_VERBS = "|".join(SPEECH_VERBS)
#: After a speaker's name: "Iversen said", "Iversen, 74,", "Iversen, now 74,".
_SPEAKER_AFTER = re.compile(rf",? (?:{_VERBS})\b|, (?:now |aged )?\d{{1,3}},")
#: Before a speaker's name: "said Iversen" (the name then ends the clause: "said Accra had" is no
#: speaker).
_SPEAKER_BEFORE = re.compile(rf"\b(?:{_VERBS}) $")
_CLAUSE_END = ".,;:!?"
_NAME_BEFORE = re.compile(r"[A-Z][\w'’.-]* $")


def surname_is_a_person(surname: str, texts: Iterable[str]) -> bool:
    """The surname, alone, is used as a speaker ("Iversen said", "said Iversen") or with an age.

    "Alone": not preceded by another capitalised word, so "Tristar Power said" is no evidence that
    "Power" is a surname; nor by a locative preposition ("Officials in Dunmorrow said").
    """
    size = len(surname)
    for text in texts:
        start = text.find(surname)
        while start >= 0:
            end = start + size
            before_ok = start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "-_")
            after_ok = end == len(text) or not (text[end].isalnum() or text[end] in "-_")
            if (
                before_ok
                and after_ok
                and not _NAME_BEFORE.search(text, max(0, start - 40), start)
                and not after_locative(text, start, end)  # "Officials in Dunmorrow said" is no speaker
            ):
                if _SPEAKER_AFTER.match(text, end):
                    return True
                if (end == len(text) or text[end] in _CLAUSE_END) and _SPEAKER_BEFORE.search(
                    text, max(0, start - 12), start
                ):
                    return True
            start = text.find(surname, end)
    return False
