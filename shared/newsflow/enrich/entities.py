"""Named entities of an article: spaCy mentions, normalised, merged per entity, typed and scored.

The title and the body are analysed as separate documents, so a headline is never glued into an
entity of the first paragraph. Title-case headlines confuse NER ("Trump Confirms 'Very Good' Phone"
as one PERSON), so title entities are taken from the body's entities found in the title, plus title
mentions that look like a clean name.

Rules, in order (the linguistic ones live in ``newsflow.enrich.entity_rules``):
1. keep facet-worthy labels only (people, organisations, places, groups, events, products, laws,
   works, facilities); dates, times, numbers and money are dropped; fix the spans the small model
   gets wrong: a coordinated organisation name is one ("Bureau of Climate and Weather", not
   "Bureau of Climate" + the person "Weather"), an organisation glued to its place is two ("Daily
   Ledger in Vancouver"), a wire dateline is a place ("DENVER (Metro Wire) —");
2. normalise each mention: no leading "the", no possessive "'s", no surrounding quotes/punctuation,
   no line breaks, no sentence full stop ("Okafor." but "Corp."); offsets follow the normalised
   text; a mention without a capital letter is no name ("electoral commission");
3. types that rules decide over the model's votes: a name with an organisation head noun
   ("Lumenfield Software") is an organisation; a full name whose surname is used alone as a speaker
   ("Iversen said") is a person; a one-word "person" after "in"/"near" ("in Glasgow") is a place;
4. merge mentions of one entity: same text (case-insensitive); a surname into the only person whose
   full name ends with it, whatever the model's label (not after "in"/"near": "London" next to "Jack
   London"); a given name ("Xi") into the only person whose full name starts with it; the name
   before its head noun ("Lumenfield") or an acronym ("BCW") into the only organisation it
   abbreviates; a trailing part ("Foreign Ministry") into the only longer organisation that ends with
   it; split compounds ("U.S.-China") into known entities;
5. otherwise the type is decided by the votes of the mentions that use the full name (then by all
   mentions);
6. salience combines frequency, presence in the title and in the lead, and first position
   (nationality/group adjectives weigh less: they mostly modify other nouns).
"""

from __future__ import annotations

import calendar
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from spacy.tokens import Doc

from newsflow.enrich.entity_context import (
    cue_label,
    inverted_names,
    is_building_cue,
    is_modifier_only,
    is_work_cue,
    join_split_names,
    reading_list_titles,
    split_slashed,
    without_caption_credit,
    without_cue_noun,
    without_score,
)
from newsflow.enrich.entity_rules import (
    ORG_HEAD_WORDS,
    PLACE_MASTHEAD_HEADS,
    RawSpan,
    after_locative,
    dateline_name,
    is_person_shaped,
    join_coordinated_orgs,
    org_head_index,
    split_org_location,
    surname_is_a_person,
)
from newsflow.enrich.entity_typer import LABEL_CLASSES, EntityTyper, EntityView, VectorLookup, vector_lookup
from newsflow.enrich.gazetteer import country_codes, given_names, known_place, known_places, major_places
from newsflow.enrich.nicknames import same_given_name
from newsflow.enrich.outlets import find_dateline, find_dateline_credit, is_own_outlet, outlet_spans
from newsflow.enrich.word_search import has_whole_word, whole_word_spans
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

#: Labels of other pipelines that mean one of ours: the French (WikiNER) pipelines' PER is a
#: person (their LOC and ORG are ours already; their MISC is not kept).
_LABEL_ALIASES = {"PER": "PERSON"}

#: Labels whose single-token mentions may be a short form of a longer person/organisation name.
_SHORTENABLE = {"PERSON", "ORG"}
#: "the " before a name, or a lower-case "the" glued to it by a missing space ("theTeamsters").
_LEADING_ARTICLES = re.compile(r"^(?:(?:the|The|THE)\s+|the(?=[A-Z][a-z]))")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_CHARS = "\"'“”‘’«»„‹›()[]{}<>,;:!?*•|/\\–—-_ \t"
_WORD = re.compile(r"[\w.&'’-]+")
#: Longest abbreviation with a full stop kept at the end of a name ("Corp.", "Bros.").
_MAX_ABBREVIATION = 5

#: How much each signal weighs in the salience score (sum = 1).
W_FREQUENCY, W_TITLE, W_LEAD, W_POSITION = 0.4, 0.3, 0.2, 0.1
#: Nationality/group adjectives ("Chinese goods") are frequent modifiers rather than subjects.
LABEL_SALIENCE_FACTOR: dict[str, float] = {"NORP": 0.75}
#: Title mentions that match no body entity are kept only when they are this short.
MAX_TITLE_ONLY_WORDS = 3


@dataclass(frozen=True)
class EntityRules:
    """The rules added for real news (issue 12), each switchable so its effect can be measured.

    ``bench/eval_entities_ablation.py`` scores the evaluation set with each rule off in turn.
    """

    #: a name the model tagged as an organisation (or a one-word person) that is a known place
    #: (gazetteer: countries, regions, cities of 100,000 or more) is a place
    gazetteer_type: bool = True
    #: a building or site ("Shea Stadium", "Museum of Flight", spaCy's FAC) is a place, as editors tag it
    facility_places: bool = True
    #: with facility_places: "Center", "Centre" and "Hospital" as a name's last word are facility
    #: nouns too ("Johnson Space Center", "Kenyatta National Hospital"). Off by default since the
    #: adjudicated gold of session 7: on its dev half the rule costs 0.003 overall F (such names are
    #: as often institutions: "Carter Center", "Grady Memorial Hospital"); kept for measuring
    site_heads: bool = False
    #: a job title glued to an organisation is cut off ("NASA Administrator" → "NASA")
    role_suffix: bool = True
    #: a two- or three-word "organisation" shaped like a person's name whose first word is a common
    #: given name is a person ("Dean Kamen", "Britney Spears" tagged ORG)
    given_name_person: bool = True
    #: a name the model cut in two is one ("Luiz Inácio" + "Lula da Silva", "Daniel arap" + "Moi",
    #: "Palacio" + "do" + "Planalto"), and "Newsmax / Zogby" is two names
    split_names: bool = True
    #: a lower-case noun next to a name gives its type: "Frelimo party", "oil company Petrobras",
    #: "the town of Yeoncheon", "Aceh province", "Mr Iversen", an apposition ("Petrobras, government
    #: oil company,"), a work noun ("horror film White Noise"); such a noun the model took into the
    #: name is cut off ("Frelimo party" → "Frelimo")
    context_cues: bool = True
    #: an acronym in brackets right after a name is that name ("Kennedy Space Center (KSC)", "World
    #: Health Organization (WHO)"), whatever the model called either
    acronym_alias: bool = True
    #: storms, flights, spacecraft, ships and the Olympic Games are events and products ("Cyclone
    #: Phailin", "Flight ET409", "Space Shuttle Atlantis" tagged ORG, "Paralympics" tagged GPE, "MY
    #: Arctic Sunrise" tagged GPE, "HMS Illustrious" tagged ORG)
    event_names: bool = True
    #: a name in capitals is no common word: "US" stays although the article writes "us"; but a
    #: common noun written in capitals is no name ("IQ", "DUI": ``COMMON_ACRONYMS``)
    acronym_case: bool = True
    #: a person's full name is no short form of an organisation named after them ("Andy Warhol" is
    #: not merged into the "Andy Warhol Foundation")
    namesakes: bool = True
    #: short forms are merged again once the rules above have typed the names: "Trump" (tagged ORG)
    #: into "Donald Trump" once the given-name rule made it a person
    late_merge: bool = True
    #: a news outlet is an organisation and the article's credit, not its subject (salience 0): the
    #: article's own outlet (its ``source``, "Metro Wire" for ``metro-wire``) and the outlet credited
    #: in a wire dateline ("DENVER (Reuters) —")
    outlets: bool = True
    #: a multi-word name ending in an event noun is an event ("Paralympic Games", "Midwest Magic
    #: Jubilee", "Northern Arena Esports Championship"), not an organisation or person; with an
    #: inner "of" the noun before it counts ("Winter Carnival of Magic"; "Episcopal Conference of
    #: Italy" is a body), in one hyphenated word its last part ("Magi-Fest"). Off until session 12
    #: (no change on the dev half); on since: held-out +0.002, dev 0.000, and on 1,600 training-corpus
    #: articles two changes, both right, once "Week" left the list ("Willamette Week" is a newspaper)
    event_heads: bool = True
    #: a one-word party-member noun ("Democrats", "Republican", "Tories") names people of a party: a
    #: group, not the organisation (the party's name, "Republican Party", stays an organisation)
    party_members: bool = True
    #: a paragraph that opens with names written surname first, as in a reading list or a
    #: bibliography ("Austen, Jane. Pride and Prejudice", "Marx, Karl and Engels, Friedrich. ..."),
    #: names people: "Jane Austen", whatever the model made of the pieces
    inverted_names: bool = True
    #: the names of one country are one place: "United States", "US", "U.S." and "America", or
    #: "Republic of Korea", "South Korea" and "Korea", in one article (``gazetteer.country_codes``),
    #: and "the North" where North Korea is the only country named "North ..."
    country_names: bool = True
    #: the learned entity typer (``newsflow.enrich.entity_typer``) has the last word on a person,
    #: organisation or place: another of these types when it is sure enough, or no entity at all;
    #: applies only where a typer is given (``build_entities(typer=...)``)
    entity_typer: bool = True
    #: a one-word place the model tags and the gazetteer knows is kept where it only opens sentences
    #: ("Tasmania was excluded ...", "recently: Denver's ..."), which the capitalised-common-word
    #: filter would drop
    initial_places: bool = True
    #: variants of one name are one entity: a given name and its short form ("Larry"/"Lawrence
    #: Lessig"), a misspelling of one word ("Untied Nations", "Abbot Labs", "Kristen"/"Kristin
    #: Wilkins", "Mauer" for "K.C. Maurer") and a person's inner name ("Lula" of "Luiz Inácio Lula
    #: da Silva")
    name_variants: bool = True
    #: a short form that fits several longer names is the one of its own type, when only one is:
    #: "Warhol" (tagged PERSON) is "Andy Warhol", not "Warhol Factory" (ORG)
    short_form_type: bool = True
    #: the first number of a score is no part of a team's name: "Sweden 1" in "putting Sweden 1 – 0
    #: up" is Sweden
    scores: bool = True
    #: a one-word name with a possessive right before a person's full name is that person's party,
    #: team or employer ("DAB's Ben Chan", "Demosisto's Nathan Law" tagged GPE), and so is one with
    #: an organisation's role ("Coldplay frontman Chris Martin" tagged PERSON, "Acme CEO Jo Lee"):
    #: an organisation, unless it is a known place ("Korea's Kim Shin-wook"), a given name or a word
    #: of a person's name
    affiliations: bool = True


ALL_RULES = EntityRules()


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
    #: A label decided by a rule (organisation head noun, surname used as a speaker), else None.
    forced: str | None = None
    #: canonical and label votes of ``mentions`` as they were when computed (see ``_memo``)
    _memo_of: tuple[Mention, ...] = field(default=(), repr=False, compare=False)
    _memo_values: dict[str | None, str] = field(default_factory=dict, repr=False, compare=False)

    def _memo(self) -> dict[str | None, str]:
        """Results computed from the current mentions: emptied whenever they change (appended,
        extended, replaced), found by comparing with a copy (identity first, so cheap); the rules
        ask for the canonical form and the label of each group hundreds of times per article."""
        current = tuple(self.mentions)
        if current != self._memo_of:
            self._memo_of = current
            self._memo_values = {}
        return self._memo_values

    @property
    def canonical(self) -> str:
        # The longest form (in words, then characters); ties go to the most frequent form, then to
        # a form that is not all capitals ("Manchester" over a dateline's "MANCHESTER").
        memo = self._memo()
        if None in memo:
            return memo[None]
        counts = Counter(m.text for m in self.mentions)
        best = max(counts, key=lambda t: (len(_WORD.findall(t)), counts[t], not t.isupper(), len(t)))
        memo[None] = best
        return best

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w.casefold() for w in _WORD.findall(self.canonical))

    def label(self, canonical_form: str | None = None) -> str:
        if self.forced is not None:
            return self.forced
        canonical = (canonical_form or self.canonical).casefold()
        memo = self._memo()
        if canonical in memo:  # the votes for this form (keys: case-folded forms, None: canonical)
            return memo[canonical]
        full = Counter(m.label for m in self.mentions if m.text.casefold() == canonical)
        every = Counter(m.label for m in self.mentions)
        memo[canonical] = best = max(every, key=lambda lab: (full[lab], every[lab], lab == "PERSON"))
        return best


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
        # A trailing "." is kept: spaCy's tokenizer mostly leaves it on abbreviations ("U.S.", "Inc.").
        text = _POSSESSIVE.sub("", text).rstrip(_EDGE_CHARS)
        if text == before:
            break
    if "(" in text and ")" not in text:  # "World Health Organisation (WHO": the bracket is no part
        text = text[: text.index("(")].rstrip(_EDGE_CHARS)
    last = text.rsplit(" ", 1)[-1]
    if last.endswith(".") and last.count(".") == 1 and len(last) > _MAX_ABBREVIATION:
        text = text[:-1]  # a sentence's full stop glued to a name ("said Okafor.\n"), no abbreviation
    if not text or not any(ch.isalpha() for ch in text):
        return None
    return text, start


def mentions_from_doc(doc: Doc, field_name: Field, rules: EntityRules = ALL_RULES) -> list[Mention]:
    """The kept, normalised entity mentions of one spaCy document.

    Coordinated organisation names are joined first ("Bureau of Climate and Weather"), a person's
    name cut in two is joined ("Daniel arap" + "Moi"), names joined by a slash are split ("Newsmax /
    Zogby"), and an organisation glued to its location is split ("Daily Ledger in Vancouver").
    """
    found: list[Mention] = []
    doc_text = doc.text  # built from the tokens at every access: read once
    spans = join_coordinated_orgs(doc)
    if rules.split_names:
        spans = join_split_names(spans, doc_text)
    for span in spans:
        if span.label in _LABEL_ALIASES:
            span = RawSpan(span.start, span.end, _LABEL_ALIASES[span.label], span.text)
        if span.label not in LABEL_TYPES:
            continue
        pieces = split_slashed(span.text, span.start) if rules.split_names else [(span.text, span.start)]
        for piece, piece_start in pieces:
            cleaned = normalise_mention(piece, piece_start)
            if cleaned is None:
                continue
            text, start = cleaned
            if is_modifier_only(doc_text, start, start + len(text)):
                continue  # "pro-Beijing camp", "NZ $26 million": an adjective, a currency
            text = without_caption_credit(text, doc_text, start + len(text))
            if rules.scores:
                text = without_score(text, doc_text, start + len(text))
            if rules.context_cues:
                text = without_cue_noun(text)
            if not any(ch.isupper() for ch in text):
                continue  # "electoral commission", "km/h": no proper name without a capital letter
            parts = split_org_location(text, start) if span.label == "ORG" else [(text, start, span.label)]
            for part, part_start, label in parts:
                found.append(
                    Mention(" ".join(part.split()), label, field_name, part_start, part_start + len(part))
                )
    return found


@dataclass(frozen=True)
class _Form:
    """What the merge needs to know of a group: its words, label, and how it is used."""

    words: tuple[str, ...]
    label: str
    org_stem: tuple[str, ...]  # the words before an organisation head noun ("Lumenfield Software")
    initials: str  # of a multi-word name's capitalised words, case-folded ("bcw")
    head: tuple[str, ...]  # a multi-word name's head noun: its last word, or the word before "of"
    first: tuple[bool, int]  # where it is first mentioned (the title before the body)
    of_tail: tuple[str, ...]  # the one word after a name's "of" that ends it ("scientology")
    acronym: bool  # the name is one capitalised word of 2-6 capitals ("BCW")
    locative: bool  # some mention follows "in", "near", ... ("in Glasgow")


def _head_noun(words: tuple[str, ...]) -> tuple[str, ...]:
    """ "supreme court" → ("court",), "church of scientology" → ("church",); nothing for one word."""
    if len(words) < 2 or any(w in ("the", "a", "an") for w in words):
        return ()  # "Rathbun the Scientology": no name
    if "of" in words[1:]:
        return words[words.index("of") - 1 : words.index("of")] if words.index("of") > 0 else ()
    return words[-1:]


def _locative(group: _Group, texts: dict[str, str]) -> bool:
    return any(after_locative(texts[m.field], m.start, m.end) for m in group.mentions)


def _form(group: _Group, texts: dict[str, str]) -> _Form:
    canonical = group.canonical
    words = tuple(w.casefold() for w in _WORD.findall(canonical))
    head = org_head_index(canonical)
    parts = canonical.split()
    return _Form(
        words=words,
        label=group.label(canonical),
        org_stem=words[:head] if head and len(words) == len(parts) else (),
        initials="".join(p[0] for p in parts if p[:1].isupper()).casefold() if len(parts) > 1 else "",
        head=_head_noun(words),
        first=min((m.field == "body", m.start) for m in group.mentions),
        of_tail=words[-1:] if len(words) >= 3 and words[-2] == "of" and _head_noun(words) else (),
        acronym=len(parts) == 1 and _is_acronym(canonical.replace(".", "")),
        locative=_locative(group, texts),
    )


def _is_acronym(word: str) -> bool:
    """ "BCW", "UN" (from "U.N."): one word of 2-6 capitals."""
    return 2 <= len(word) <= 6 and word.isalpha() and word.isupper()


def _is_short_form(short: _Form, long: _Form, namesakes: bool = False) -> bool:
    if len(short.words) >= len(long.words):
        return False
    if len(short.words) == 1 and long.label == "PERSON":
        word = short.words[0]
        if word == long.words[-1] and short.label != "NORP" and not short.locative:
            # a surname is the person whatever the model called the bare mention ("Iversen said"
            # as a place), unless it stands where places do ("in London" next to "Jack London")
            return True
        # a given name ("Xi") only when the model took it for a person, or for an organisation when
        # it is a common given name: "Mets" (the team, tagged ORG) is no given name of "Mets Poet"
        return word == long.words[0] and (
            short.label == "PERSON" or (short.label == "ORG" and word.capitalize() in given_names())
        )
    if long.label == "ORG" and short.words == long.org_stem:
        if namesakes and short.label == "PERSON" and len(short.words) > 1:
            return False  # "Andy Warhol" is the man the "Andy Warhol Foundation" is named after
        # the name before its head noun: "Lumenfield" for "Lumenfield Software", "Eastbrook" for
        # "Eastbrook Institute of Technology"
        # (not a place, building or nationality: "Hong Kong" is no short form of "Hong Kong
        # University", nor "the Capitol" of "Capitol Police")
        return short.label not in ("GPE", "LOC", "NORP", "FAC")
    if short.acronym and long.label == "ORG" and short.words[0].replace(".", "") == long.initials:
        # "BCW" for "Bureau of Climate and Weather" (not a place: "US" is no "Universal Studios")
        return short.label not in ("GPE", "LOC", "NORP")
    if len(short.words) == 1 and short.label == "ORG" and long.label == "ORG" and short.words == long.head:
        # the head noun alone, capitalised, names the body named before it: "the Court" after
        # "Supreme Court", "the Church" after "Church of Scientology"
        return long.first < short.first
    if len(short.words) == 1 and short.label == "ORG" and long.label == "ORG" and short.words == long.of_tail:
        # what the body is "of", when the model tags it an organisation too: "Scientology" after
        # "Church of Scientology" (a place there is no short form: "Texas", "University of Texas")
        return long.first < short.first
    if (
        len(short.words) > 1
        and short.label == "ORG"
        and long.label == "ORG"
        and long.words[: len(short.words) + 1] == (*short.words, "of")
    ):
        return True  # the name before "of": "Comic Corps" for "Comic Corps of Canada"
    if len(short.words) == 1 or short.label not in _SHORTENABLE or long.label not in _SHORTENABLE:
        return False  # never a word of an organisation name: "Chinese" is no "Chinese Communist Party"
    return long.words[-len(short.words) :] == short.words  # "Foreign Ministry"


def _merge_short_forms(
    groups: dict[str, _Group], texts: dict[str, str], namesakes: bool = False, label_tiebreak: bool = False
) -> dict[str, _Group]:
    """Fold each group that is the short form of exactly one longer group into it."""
    # what the merge needs of every group, computed once and refreshed only for a group that grows
    # (recomputing it for every pair made this quadratic loop ~10% of the worker's CPU time)
    info = {key: _form(group, texts) for key, group in groups.items()}
    by_length = sorted(groups, key=lambda k: len(info[k].words))
    for key in by_length:
        group = groups.get(key)
        if group is None:
            continue
        form = info[key]
        candidates = [
            other_key
            for other_key in groups
            if other_key != key and _is_short_form(form, info[other_key], namesakes)
        ]
        if len(candidates) > 1 and label_tiebreak:
            # several longer names fit: the one of the short form's own type, if it is alone
            # ("Warhol", tagged PERSON, is "Andy Warhol" and not "Warhol Factory")
            candidates = [c for c in candidates if info[c].label == form.label]
            if len(candidates) > 1 and len(form.words) == 1:
                # and a bare name is a surname before it is a given name: "Warhol" is "Andy
                # Warhol", not "Warhol Polaroids" (tagged PERSON)
                candidates = [c for c in candidates if info[c].words[-1] == form.words[0]]
        if len(candidates) == 1:
            target = groups[candidates[0]]
            target.mentions.extend(group.mentions)
            del groups[key]
            info[candidates[0]] = _form(target, texts)
    return groups


#: Organisation head nouns that also end place names ("West Bank", "Dogger Bank"): with them the
#: model's place label stands; with any other ("Saudi Gazette" tagged GPE) the name is an organisation.
PLACE_ORG_HEADS = frozenset({"Bank", "Group"})


def _decide_types(groups: dict[str, _Group], texts: dict[str, str]) -> None:
    """Types that rules decide over the model's votes (before short forms are merged).

    - a multi-word name with an organisation head noun is an organisation ("Lumenfield Software",
      "Eastbrook Institute of Technology" tagged PERSON, "Saudi Gazette" tagged GPE), unless the
      model calls it a place and its head also ends place names ("West Bank": ``PLACE_ORG_HEADS``);
    - a two- or three-word name ("Priya Iversen", tagged GPE) is a person when its surname is used
      alone as a speaker or with an age ("Iversen said", "said Iversen", "Iversen, 74,") and never
      after a locative preposition ("in Ireland" next to "Northern Ireland");
    - a one-word "person" that stands after a locative preposition ("in Glasgow", "near Accra"), is
      never a speaker and is no short form of a person's or organisation's name in the article
      ("Shares in Lumenfield" next to "Lumenfield Software") is a place.
    """
    name_parts: set[str] = set()  # words that are part of a person's or organisation's name
    for group in groups.values():
        name = group.canonical
        label = group.label(name)
        head = org_head_index(name)
        words = name.split()
        masthead = len(words) >= 2 and words[-1] in PLACE_MASTHEAD_HEADS
        if head is None and masthead and " ".join(words[:-1]) in known_places():
            head = len(words) - 1  # "Edmonton Sun" (tagged PERSON), not "Jennifer Sun"
        if head is not None:
            if label not in ("GPE", "LOC") or name.split()[head] not in PLACE_ORG_HEADS:
                group.forced = "ORG"
                name_parts.add(" ".join(name.split()[:head]))
            continue
        if not is_person_shaped(name):
            continue
        words = name.split()
        if label == "PERSON":
            name_parts.update((words[0], words[-1]))
            continue
        bare = groups.get(words[-1].casefold())
        if bare is not None and _locative(bare, texts):
            continue
        if surname_is_a_person(words[-1], (texts["body"], texts["title"])):
            group.forced = "PERSON"
            name_parts.update((words[0], words[-1]))
    for group in groups.values():
        name = group.canonical
        if (
            group.forced is None
            and " " not in name
            and name not in name_parts
            and group.label(name) == "PERSON"
            and _locative(group, texts)
            and not surname_is_a_person(name, (texts["body"], texts["title"]))
        ):
            group.forced = "GPE"


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
        for span in whole_word_spans(title, text, "-"):
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


_HEAD_WORDS = frozenset(w.casefold() for w in ORG_HEAD_WORDS)
_OPENERS = " \t\"'“‘(«"


def _sentence_initial(text: str, start: int) -> bool:
    """The mention opens a sentence (only spaces, quotes or a bracket since the last full stop)."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in ".!?:\n"


#: What no capitalised common word has: a capital inside ("eBay" is lower-case first, "McAfee",
#: "YouTube"), a web address's ending ("Amazon.com"), a digit ("4chan", "Cloud9").
_NAME_SHAPE = re.compile(r"(?<=[a-z])[A-Z]|\.(?:com|org|net|co|us|uk|info|gov|edu)\b|\d")


def _drop_common_words(
    groups: dict[str, _Group],
    title: str,
    body: str,
    dateline: tuple[int, int] | None = None,
    keep_acronyms: bool = False,
    names: frozenset[str] = frozenset(),
    keep_known_places: bool = False,
) -> dict[str, _Group]:
    """Drop one-word "entities" that are capitalised common words ("Turnout", "Observers").

    The small model tags capitalised sentence-initial words as names. A one-word entity is dropped
    when the article also writes it in lower case, or when it only ever stands at the start of a
    sentence and is no part of a longer name in the article (an ambiguous surname stays). The place
    of a dateline opens the body but is a name. With ``keep_acronyms``, a name in capitals is never
    a common word: "US" is no "us", "WHO" no "who". A news outlet or a person's affiliation
    (``names``, case-folded) is a name wherever it stands ("Wikinews interviews ...", "Demosisto's
    Nathan Law won"). With ``keep_known_places``, a place the
    gazetteer knows, tagged as one, is a name where it only opens sentences ("Tasmania was excluded").
    """
    # an organisation head noun alone ("Software company Lumenfield Software ...") is a common noun
    in_longer_names = {w for g in groups.values() if len(g.words) > 1 for w in g.words} - _HEAD_WORDS
    kept: dict[str, _Group] = {}
    for key, group in groups.items():
        name = group.canonical
        acronym = keep_acronyms and _ACRONYM.match(name) is not None
        if any(m.text.casefold() in names for m in group.mentions):
            kept[key] = group
            continue
        if keep_acronyms and name in COMMON_ACRONYMS:
            continue  # "an IQ test", "a DUI charge": a common noun in capitals, no name
        if (
            " " not in name
            and name[:1].isupper()
            and name.casefold() not in in_longer_names
            and not acronym
            and not _NAME_SHAPE.search(name)
        ):
            texts = {"title": title, "body": body}
            if has_whole_word(body, name.lower()) or has_whole_word(title, name.lower()):
                continue
            in_dateline = dateline is not None and any(
                m.field == "body" and m.start == dateline[0] for m in group.mentions
            )
            if (
                not in_dateline
                and all(_sentence_initial(texts[m.field], m.start) for m in group.mentions)
                and not (keep_known_places and group.label() in ("GPE", "LOC") and known_place(name))
            ):
                continue
        kept[key] = group
    return kept


#: Last words of the names of buildings and sites ("Shea Stadium", "Dulles International Airport").
FACILITY_HEAD_WORDS = frozenset(
    {
        "Airport",
        "Stadium",
        "Station",
        "Hall",
        "Temple",
        "Mosque",
        "Cathedral",
        "Palace",
        "Square",
        "Plaza",
        "Bridge",
        "Tower",
        "Towers",
        "Hotel",
        "Arena",
        "Base",
    }
)
#: Job titles the model glues to the organisation before them ("NASA Administrator").
ROLE_WORDS = frozenset(
    {
        "Administrator",
        "Spokesperson",
        "Spokesman",
        "Spokeswoman",
        "Sheriff",
        "Director",
        "Chairman",
        "Chairwoman",
        "Chief",
        "CEO",
        "President",
        "Secretary",
        "Minister",
        "Commissioner",
        "Governor",
        "official",
        "officials",
    }
)


#: Facility nouns that count only as a name's last word ("Johnson Space Center", "Kenyatta National
#: Hospital"; not "Centre for Social Evolution", an organisation).
LAST_WORD_FACILITY_HEADS = frozenset({"Center", "Centre", "Hospital"})


#: Last words of the names of towns and natural features that no common surname shares ("Charles
#: Town", "Ross Ice Shelf" tagged PERSON); "Hill", "Park", "Lake", "Bay", "River" and "Forest" are
#: left out ("Christopher Hill", "Ricki Lake", "Michael Bay").
GEOGRAPHIC_HEAD_WORDS = frozenset(
    {
        "Town",
        "City",
        "Island",
        "Islands",
        "Shelf",
        "Glacier",
        "Peninsula",
        "Desert",
        "Canyon",
        "Valley",
        "Mountains",
        "Strait",
        "Gulf",
        "Ocean",
        "Coast",
        "Falls",
    }
)


def _facility_types(groups: dict[str, _Group], last_word_heads: frozenset[str] = frozenset()) -> None:
    """Buildings and sites are places: spaCy's FAC, and names whose head is a facility noun
    ("Shea Stadium", "Museum of Flight"; with ``last_word_heads``, "Johnson Space Center")."""
    for group in groups.values():
        name = group.canonical
        words = name.split()
        label = group.label(name)
        if label not in ("FAC", "ORG") or group.forced not in (None, "ORG") or len(words) < 2:
            continue
        head = (
            words[-1] in FACILITY_HEAD_WORDS
            or words[-1] in last_word_heads
            or any(w in FACILITY_HEAD_WORDS and nxt == "of" for w, nxt in itertools.pairwise(words))
        )
        if label == "FAC" or head:
            group.forced = "GPE"
    for group in groups.values():
        words = group.canonical.split()
        geographic = len(words) > 1 and words[-1] in GEOGRAPHIC_HEAD_WORDS
        if group.forced is None and geographic and group.label() == "PERSON":
            group.forced = "GPE"  # "Charles Town", "Ross Ice Shelf": a place, not a person


def _strip_role(mentions: list[Mention]) -> list[Mention]:
    """ "NASA Administrator" (ORG) → "NASA": a job title after an organisation is no part of it."""
    kept = []
    for m in mentions:
        words = m.text.split()
        if m.label == "ORG" and len(words) >= 2 and words[-1] in ROLE_WORDS:
            text = m.text[: m.text.rindex(" ")].rstrip()
            kept.append(Mention(text, m.label, m.field, m.start, m.start + len(text)))
        else:
            kept.append(m)
    return kept


def _given_name_types(groups: dict[str, _Group]) -> None:
    """A person-shaped "organisation" whose first word is a common given name is a person."""
    names = given_names()
    for group in groups.values():
        name = group.canonical
        if (
            group.forced is None
            and group.label(name) == "ORG"
            and is_person_shaped(name)
            and name.split()[0] in names
        ):
            group.forced = "PERSON"


def _gazetteer_types(groups: dict[str, _Group], texts: dict[str, str]) -> None:
    """A name the model took for an organisation that is a known place is a place ("Herat",
    "Mozambique" tagged ORG); a one-word "person" only when it is a major place and its name is never
    used as a speaker ("Austria" tagged PERSON, but not "Paris said")."""
    known, major = known_places(), major_places()
    for group in groups.values():
        if group.forced is not None:
            continue
        name = group.canonical
        label = group.label(name)
        as_org = label == "ORG" and name in known
        as_person = (
            label == "PERSON"
            and " " not in name
            and name in major
            and not surname_is_a_person(name, (texts["body"], texts["title"]))
        )
        if as_org or as_person:
            group.forced = "GPE"


_ACRONYM = re.compile(r"^[A-Z][A-Z&.]{1,7}$")
#: Common nouns written as acronyms, which the model tags as organisations ("IQ", "DUI", "GDP"):
#: general English, like a list of stop words; no organisation's name is among them.
COMMON_ACRONYMS = frozenset(
    {
        "IQ",
        "DUI",
        "DWI",
        "POV",
        "ROV",
        "GDP",
        "GNP",
        "CPI",
        "CEO",
        "CFO",
        "COO",
        "CTO",
        "DNA",
        "RNA",
        "MRI",
        "ICU",
        "GPS",
        "SMS",
        "URL",
        "FAQ",
        "PDF",
        "USB",
        "DVD",
        "LED",
        "LCD",
        "PIN",
        "VAT",
        "IPO",
        "UFO",
        "VIP",
        "MVP",
        "AWOL",
        "ASAP",
        "DIY",
        "LGBT",
        "LGBTQ",
        "PhD",
        "MBA",
        "CV",
        "HQ",
    }
)


def _initials_fit(acronym: str, name: str) -> bool:
    """The acronym's letters are the first letters of the name's capitalised words, in order, the
    first one included ("DAB" for "Democratic Alliance for the Betterment and Progress of Hong Kong")."""
    letters = [ch for ch in acronym if ch.isalpha()]
    capitals = [w[0] for w in name.replace("-", " ").split() if w[:1].isupper()]
    if not letters or not capitals or letters[0] != capitals[0]:
        return False
    found = iter(capitals)
    return all(letter in found for letter in letters)


def _merge_bracketed_acronyms(groups: dict[str, _Group], texts: dict[str, str]) -> dict[str, _Group]:
    """ "Kennedy Space Center (KSC)": the acronym in brackets right after a name is that name."""
    ends = {(m.field, m.end): group for group in groups.values() for m in group.mentions}
    for key, group in list(groups.items()):
        if not _ACRONYM.match(group.canonical):
            continue
        for m in group.mentions:
            text = texts[m.field]
            if text[m.start - 1 : m.start] != "(" or text[m.end : m.end + 1] != ")":
                continue
            target = ends.get((m.field, m.start - 2)) if text[m.start - 2 : m.start - 1] == " " else None
            if (
                target is not None
                and target is not group
                and any(target is g for g in groups.values())  # not itself merged away already
                and _initials_fit(group.canonical, target.canonical)
            ):
                target.mentions.extend(group.mentions)
                del groups[key]
                break
    return groups


#: First words of the names of storms, flights and spacecraft: such a name is an event or a product,
#: whatever the model called it ("Cyclone Phailin", "Flight ET409", "Space Shuttle Atlantis").
#: "Operation" is left out: "Operation Save America" is an organisation.
EVENT_FIRST_WORDS = frozenset({"Hurricane", "Cyclone", "Typhoon", "Storm", "Flight"})
#: Last words of event names (``EntityRules.event_heads``).
EVENT_LAST_WORDS = frozenset(
    {
        "Games",
        "Olympics",
        "Paralympics",
        "Championship",
        "Championships",
        "Tournament",
        "Cup",
        "Festival",
        "Fest",
        "Jubilee",
        "Carnival",
        "Cavalcade",
        "Parade",
        "Expo",
        "Convention",
        "Summit",
        "Awards",
        "Marathon",
        "Month",
    }
)
#: One-word nouns for members of a party (``EntityRules.party_members``).
PARTY_MEMBER_WORDS = frozenset(
    {
        "Democrat",
        "Democrats",
        "Republican",
        "Republicans",
        "Conservative",
        "Conservatives",
        "Liberal",
        "Liberals",
        "Tory",
        "Tories",
        "Socialist",
        "Socialists",
        "Communist",
        "Communists",
    }
)
PRODUCT_FIRST_WORDS = frozenset({"Space Shuttle", "Spacecraft", "Shuttle"})
#: Ship prefixes: a name that begins with one, or follows one, is a vessel, a product in spaCy's
#: scheme ("USS Cole", "HMS Illustrious", "MV Sirius Star"; "MY Esperanza" tagged PERSON). All
#: capitals; "MS" and "SS" are left out ("MS Dhoni" the cricketer, "SS Lazio" the club).
SHIP_PREFIXES = frozenset(
    {
        "USS",
        "USNS",
        "USCGC",
        "HMS",
        "HMAS",
        "HMCS",
        "HMNZS",
        "CCGS",
        "RMS",
        "MV",
        "MY",
        "RV",
        "FV",
    }
)
_AFTER_SHIP_PREFIX = re.compile(r"\b(?:" + "|".join(sorted(SHIP_PREFIXES)) + r") $")
#: The Games, and their adjective, which the model tags as places or organisations ("Paralympics"
#: GPE, "Paralympic" in "Paralympic medalist" GPE): an event, whatever the model said.
_OLYMPIC_GAMES = re.compile(
    r"(?:(?:19|20)\d\d )?(?:Summer |Winter )?(?:Olympic|Paralympic|Special Olympic)(?:s| Games)?"
)


def _after_the(m: Mention, texts: dict[str, str]) -> bool:
    return texts[m.field][max(0, m.start - 4) : m.start].casefold() == "the "


def _is_vessel(group: _Group, texts: dict[str, str]) -> bool:
    """A mention begins with a ship prefix ("USS Cole") or follows one ("MY" + "Esperanza"), and every
    other mention follows "the" ("the Arctic Sunrise"): a name also used bare is someone's or
    something else's too ("Alan Kurdi", the boy a ship "MV Alan Kurdi" is named after)."""
    prefixed = False
    for m in group.mentions:
        first = m.text.split(" ", 1)[0]
        if (first in SHIP_PREFIXES and " " in m.text) or _AFTER_SHIP_PREFIX.search(
            texts[m.field], max(0, m.start - 8), m.start
        ):
            prefixed = True
        elif not _after_the(m, texts):
            return False
    return prefixed


def _vessel_types(groups: dict[str, _Group], texts: dict[str, str]) -> None:
    """Ships are products: "MY Arctic Sunrise", "HMS Illustrious", and the same ship named without
    its prefix after "the" ("from the bridge of the Arctic Sunrise"), not places, people or bodies."""
    vessels: dict[str, _Group] = {}
    for group in groups.values():
        if group.label(group.canonical) in ("ORG", "PERSON", "GPE", "FAC", "LOC", "PRODUCT") and _is_vessel(
            group, texts
        ):
            group.forced = "PRODUCT"
            words = group.canonical.split(" ")
            vessels.setdefault(" ".join(words[1:]) if words[0] in SHIP_PREFIXES else group.canonical, group)
    for key, group in list(groups.items()):
        vessel = vessels.get(group.canonical)
        if vessel is not None and vessel is not group and all(_after_the(m, texts) for m in group.mentions):
            vessel.mentions.extend(group.mentions)
            del groups[key]


def _event_types(groups: dict[str, _Group], texts: dict[str, str]) -> None:
    """ "Cyclone Phailin", "Flight ET409" and the "Paralympics" are events, "Space Shuttle Atlantis"
    and ships products: not the organisations, people or places the model took them for."""
    _vessel_types(groups, texts)
    for group in groups.values():
        words = group.canonical.split()
        if group.label(group.canonical) not in ("ORG", "PERSON", "GPE", "FAC", "LOC"):
            continue
        if _OLYMPIC_GAMES.fullmatch(group.canonical):
            group.forced = "EVENT"
        elif len(words) < 2 or group.label(group.canonical) == "LOC":
            continue
        elif words[0] in EVENT_FIRST_WORDS or " ".join(words[:2]) == "Tropical Storm":
            group.forced = "EVENT"
        elif words[0] in PRODUCT_FIRST_WORDS or " ".join(words[:2]) in PRODUCT_FIRST_WORDS:
            group.forced = "PRODUCT"
    _merge_craft_names(groups)


def _merge_craft_names(groups: dict[str, _Group]) -> None:
    """A spacecraft named in full is the same craft where its name stands alone: "Space Shuttle
    Columbia lifted off ... Columbia was lost in 2003" (the bare "Columbia" tagged GPE)."""
    crafts: dict[str, _Group] = {}
    for group in groups.values():
        words = group.canonical.split()
        if group.label(group.canonical) == "PRODUCT":
            for n in (1, 2):
                if len(words) > n and " ".join(words[:n]) in PRODUCT_FIRST_WORDS:
                    crafts.setdefault(" ".join(words[n:]), group)
    for key, group in list(groups.items()):
        craft = crafts.get(group.canonical)
        if craft is not None and craft is not group and group.label(group.canonical) in _NAME_LABELS:
            craft.mentions.extend(group.mentions)
            del groups[key]


_NAME_LABELS = frozenset({"ORG", "PERSON", "GPE", "FAC", "LOC"})


def _event_head_types(groups: dict[str, _Group]) -> None:
    """ "Paralympic Games", "Winter Carnival of Magic", "Magi-Fest": see ``EntityRules``. The head
    noun is the last word, or the word before an inner "of" ("Carnival"; "Episcopal Conference of
    Italy" is a body), or the last part of one hyphenated word ("Fest")."""
    for group in groups.values():
        words = group.canonical.split()
        if group.label(group.canonical) not in ("ORG", "PERSON", "GPE"):
            continue
        if len(words) == 1:
            head = words[0].rpartition("-")[2] if "-" in words[0] else ""
        elif "of" in words[1:]:
            # "Baptist State Convention of North Carolina" is a body: "Convention" and "Summit" only
            # end an event's name
            head = words[words.index("of", 1) - 1]
            if head in ("Convention", "Summit"):
                continue
        else:
            head = words[-1]
        if head in EVENT_LAST_WORDS:
            group.forced = "EVENT"


def _party_member_types(groups: dict[str, _Group]) -> None:
    """ "Democrats" (tagged ORG) → NORP: see ``EntityRules.party_members``."""
    for group in groups.values():
        if group.canonical in PARTY_MEMBER_WORDS and group.label(group.canonical) in ("ORG", "PERSON"):
            group.forced = "NORP"


def _cue_types(groups: dict[str, _Group], texts: dict[str, str]) -> None:
    """A name whose mentions stand next to type nouns of one kind only takes that type ("the ruling
    Frelimo party" tagged PERSON is an organisation; "the town of Yeoncheon" tagged ORG a place)."""
    for group in groups.values():
        if group.forced is not None or group.label(group.canonical) == "NORP":
            continue
        cues = {cue_label(texts[m.field], m.start, m.end, m.label) for m in group.mentions} - {None}
        if len(cues) == 1:
            group.forced = cues.pop()
        elif not cues and _titled_as_work(group.canonical, texts):
            group.forced = "WORK_OF_ART"
        elif not cues and _named_as_building(group, texts):
            group.forced = "GPE"


def _named_as_building(group: _Group, texts: dict[str, str]) -> bool:
    """Whether at least half of a name's mentions name it as a building or venue: "the roof of the
    Houses of Parliament" once is the building, "the gates of the UN" among ten UN mentions is not."""
    named = sum(is_building_cue(texts[m.field], m.start) for m in group.mentions)
    return named > 0 and 2 * named >= len(group.mentions)


def _spelling(name: str) -> str:
    """ "Wal-Mart" and "Walmart", "New People's Party" and "New People Party": one spelling."""
    folded = _POSSESSIVE_INSIDE.sub("", unicodedata.normalize("NFKD", name).casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


_POSSESSIVE_INSIDE = re.compile(r"['’]s\b")


def _fold_into_most_mentioned(groups: dict[str, _Group], keys: list[str]) -> None:
    """Fold the groups at ``keys`` into the one of them with the most mentions."""
    keys = sorted(keys, key=lambda k: -len(groups[k].mentions))
    target = groups[keys[0]]
    for key in keys[1:]:
        target.mentions.extend(groups.pop(key).mentions)


def _merge_spellings(groups: dict[str, _Group]) -> dict[str, _Group]:
    """Fold names that differ only in case, accents, hyphens, spaces, full stops or a possessive
    into the one mentioned most ("Wal-Mart" and "Walmart", "ALMERIA" and "Almería"), as mentions
    of one spelling are one name whatever the model called each."""
    by_spelling: dict[str, list[str]] = {}
    for key, group in groups.items():
        by_spelling.setdefault(_spelling(group.canonical), []).append(key)
    for spelling, keys in by_spelling.items():
        if len(keys) >= 2 and len(spelling) >= 3:
            _fold_into_most_mentioned(groups, keys)
    return groups


def _merge_countries(groups: dict[str, _Group], texts: dict[str, str]) -> dict[str, _Group]:
    """Fold the places that name one country ("US", "U.S.", "America" and "United States") into the
    one mentioned most; a name typed otherwise ("US" as an organisation) is left alone, and a name of
    two countries ("Korea") joins the one of them the article names, if it names only one."""
    by_country: dict[str, list[str]] = {}
    shared: list[tuple[str, frozenset[str]]] = []
    for key, group in groups.items():
        if group.label() in ("GPE", "LOC"):
            codes = country_codes(group.canonical)
            if len(codes) == 1:
                by_country.setdefault(next(iter(codes)), []).append(key)
            elif codes:
                shared.append((key, codes))
    for key, codes in shared:
        # "Korea" is South Korea where the article names South Korea and not North Korea
        named = codes & by_country.keys()
        if len(named) == 1:
            by_country[next(iter(named))].append(key)
    for key, group in groups.items():
        if (
            group.canonical in _HALF_NAMES
            and group.label() in ("GPE", "LOC")
            and any(_stands_for_a_country(texts[m.field], m.start, m.end) for m in group.mentions)
        ):
            # "the North" is North Korea where the article names North Korea and no other country
            # whose name begins so (not South Sudan and South Africa together)
            prefix = group.canonical + " "
            halves = [
                code
                for code, keys in by_country.items()
                if any(groups[k].canonical.startswith(prefix) for k in keys)
            ]
            if len(halves) == 1:
                by_country[halves[0]].append(key)
    for keys in by_country.values():
        if len(keys) >= 2:
            _fold_into_most_mentioned(groups, keys)
    return groups


#: The first word of two-word country names that stands alone for the country ("the North").
_HALF_NAMES = frozenset({"North", "South"})
_THE_BEFORE = re.compile(r"\b[Tt]he $")
_AND_AFTER = re.compile(r" and (?:the )?(?:North|South)\b")


def _stands_for_a_country(text: str, start: int, end: int) -> bool:
    """ "the North", "South and North Korea": a half name used for a country (not "came down to
    South", a region)."""
    return bool(_THE_BEFORE.search(text[max(0, start - 4) : start]) or _AND_AFTER.match(text, end))


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter changed, added, removed, or two neighbours swapped ("untied"/"united")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


#: The shortest word whose one-letter variant is taken for a misspelling ("Iran"/"Iraq" are two).
_MIN_VARIANT_LETTERS = 5


def _misspelt(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """The same words but one, which is one edit from the other's: both of 5 letters or more, only
    letters, the same first letter ("Mangalore" is no "Bangalore", "PML-N" no "PML-Q")."""
    if len(short) != len(long):
        return False
    diff = [(a, b) for a, b in zip(short, long, strict=True) if a != b]
    if len(diff) != 1:
        return False
    a, b = diff[0]
    return (
        min(len(a), len(b)) >= _MIN_VARIANT_LETTERS
        and a.isalpha()
        and b.isalpha()
        and a[0] == b[0]
        and _one_edit_apart(a, b)
    )


def _variant_of(small: _Group, big: _Group) -> bool:
    """``small`` is a variant of ``big``'s name (see ``EntityRules.name_variants``)."""
    kind = LABEL_CLASSES.get(small.label())
    if kind is None or kind != LABEL_CLASSES.get(big.label()):
        return False
    a = tuple(w.casefold() for w in _WORD.findall(small.canonical))
    b = tuple(w.casefold() for w in _WORD.findall(big.canonical))
    if not a or not b:
        return False
    if _misspelt(a, b):
        return True
    if kind == "person" and len(a) == len(b) >= 2 and a[1:] == b[1:] and same_given_name(a[0], b[0]):
        return True  # "Larry Lessig" for "Lawrence Lessig"
    if kind == "person" and len(a) == 1 and len(b) >= 2:
        if len(b) >= 3 and a[0] in b[1:-1]:
            return True  # "Lula" of "Luiz Inácio Lula da Silva"
        return _misspelt(a, b[-1:])  # "Mauer" for "K.C. Maurer"
    return False


def _merge_variants(groups: dict[str, _Group]) -> dict[str, _Group]:
    """Fold each name that is a variant of exactly one other name, or has exactly one variant, into
    it (``EntityRules.name_variants``). The merged entity's canonical form is chosen from all its
    mentions as ever (the most words, then the form used most), so the direction does not matter."""
    for key in sorted(groups, key=lambda k: (len(groups[k].mentions), k)):
        small = groups.get(key)
        if small is None:
            continue
        targets = [
            other
            for other, big in groups.items()
            if other != key and (_variant_of(small, big) or _variant_of(big, small))
        ]
        if len(targets) == 1:
            groups[targets[0]].mentions.extend(small.mentions)
            del groups[key]
    return groups


def _titled_as_work(name: str, texts: dict[str, str]) -> bool:
    """Whether a title of several words stands after a work noun anywhere in the article, a place
    the model may not have tagged ("by horror film White Noise": only its other mentions were)."""
    if " " not in name:
        return False
    return any(
        is_work_cue(text, start) for text in texts.values() for start, _ in whole_word_spans(text, name)
    )


def _with_inverted_names(body: str, mentions: list[Mention]) -> list[Mention]:
    """``mentions`` with each name written surname first at a paragraph's start ("Austen, Jane.")
    as one person, "Jane Austen", in place of the model's mentions that overlap it; the names
    inside the titles that follow ("London, Jack. White Fang", "Twain, Mark. A Connecticut Yankee in
    King Arthur's Court") are words of a title, no entities."""
    found = inverted_names(body, given_names())
    if not found:
        return mentions
    titles = reading_list_titles(body, given_names())
    added = [
        Mention(f"{given} {surname}", "PERSON", "body", start, end) for start, end, surname, given in found
    ]
    kept = [
        m
        for m in mentions
        if not any(a.start < m.end and m.start < a.end for a in added)
        and not any(start <= m.start < end for start, end in titles)
    ]
    return sorted([*kept, *added], key=lambda m: m.start)


#: A one-word name or acronym with a possessive, right before something ("DAB's ", "Demosisto's ").
_POSSESSOR = re.compile(r"\b([A-Z][A-Za-z]+|[A-Z]{2,6})['’]s $")
#: Days and months: "Friday's" names no organisation (English names: Python does not set the
#: process's locale, so ``calendar`` speaks English).
_CALENDAR_WORDS = frozenset([*calendar.day_name, *calendar.month_name[1:], "Today", "Yesterday", "Tomorrow"])
#: Roles held in an organisation, not for a person: "Coldplay frontman Chris Martin", "Acme CEO Jo
#: Lee" (a person has a "spokesman", "lawyer" or "adviser" too: those are left out).
ORG_ROLES = (
    "frontman",
    "frontwoman",
    "lead singer",
    "guitarist",
    "drummer",
    "bassist",
    "keyboardist",
    "vocalist",
    "CEO",
    "chief executive",
    "chairman",
    "chairwoman",
    "co-founder",
    "founder",
)
#: A one-word name or acronym, then one of those roles, right before something.
_ROLE_HOLDER = re.compile(r"\b([A-Z][A-Za-z]+|[A-Z]{2,6}) (?:" + "|".join(ORG_ROLES) + r") $")


def _with_affiliations(body: str, mentions: list[Mention]) -> tuple[list[Mention], frozenset[str]]:
    """``mentions`` with the organisation of "DAB's Ben Chan" (see ``EntityRules.affiliations``):
    added where the model found nothing, an organisation where it said place; and those names,
    case-folded (a name so used is one also where it opens a sentence: "Demosisto's Nathan Law")."""
    people = [m for m in mentions if m.label == "PERSON"]
    person_words = {w for m in people for w in m.text.split()}
    full_name_words = {w for m in people if " " in m.text for w in m.text.split()}
    changed: dict[int, Mention] = {}
    added: list[Mention] = []
    for person in people:
        if " " not in person.text:
            continue
        match = _POSSESSOR.search(body, max(0, person.start - 30), person.start)
        # "Coldplay frontman Chris Martin": the model may call the band a person (one word of no
        # person's full name); "Obama's Joe Biden" is no such case (a possessive needs no role)
        role = match is None and (match := _ROLE_HOLDER.search(body, max(0, person.start - 40), person.start))
        if match is None:
            continue
        word, start, end = match.group(1), match.start(1), match.end(1)
        if (
            (word in full_name_words if role else word in person_words)
            or word in given_names()
            or word in _CALENDAR_WORDS  # "Friday's Jo Lee show"
            or known_place(word)
            # "Former CEO Jo Lee said": a capitalised word opening a sentence before a role
            or (role and not word.isupper() and _sentence_initial(body, start))
        ):
            continue
        covering = [i for i, m in enumerate(mentions) if m.start <= start and end <= m.end]
        relabel = ("GPE", "LOC", "FAC", "PERSON") if role else ("GPE", "LOC", "FAC")
        if not covering:
            added.append(Mention(word, "ORG", "body", start, end))
        elif (m := mentions[covering[0]]).start == start and m.end == end and m.label in relabel:
            changed[covering[0]] = Mention(word, "ORG", "body", start, end)
        # else: the last word of a longer name ("New People Party's Michael Tien"), or already an
        # organisation
    if not (changed or added):
        return mentions, frozenset()
    kept = [changed.get(i, m) for i, m in enumerate(mentions)]
    names = frozenset(m.text.casefold() for m in [*changed.values(), *added])
    return sorted([*kept, *added], key=lambda m: m.start), names


def _with_outlet(text: str, mentions: list[Mention], source: str, field_name: Field) -> list[Mention]:
    """``mentions`` plus a mention of the outlet ``source`` wherever ``text`` names it and no mention is."""
    added = [
        Mention(text[start:end], "ORG", field_name, start, end)
        for start, end in outlet_spans(text, source)
        if not any(m.start < end and start < m.end for m in mentions)
    ]
    return sorted([*mentions, *added], key=lambda m: m.start) if added else mentions


def _is_outlet(form: str, credited: frozenset[str], source: str | None) -> bool:
    """Whether a name's form is an outlet: the one the dateline credits (``credited``, case-folded)
    or the article's own source."""
    return form.casefold() in credited or (source is not None and is_own_outlet(form, source))


def _outlet_names(groups: dict[str, _Group], credited: frozenset[str], source: str | None) -> frozenset[str]:
    """The case-folded forms among ``groups`` that name an outlet (see ``_is_outlet``)."""
    return frozenset(
        m.text.casefold() for g in groups.values() for m in g.mentions if _is_outlet(m.text, credited, source)
    )


def _outlet_types(groups: dict[str, _Group], credited: frozenset[str], source: str | None) -> frozenset[str]:
    """Force the outlets among ``groups`` (see ``_is_outlet``) to organisations; return their forms,
    case-folded."""
    found: set[str] = set()
    for group in groups.values():
        forms = {m.text for m in group.mentions}
        if any(_is_outlet(f, credited, source) for f in forms):
            group.forced = "ORG"
            found.update(f.casefold() for f in forms)
    return frozenset(found)


def build_entities(
    title: str,
    body: str,
    title_mentions: Iterable[Mention],
    body_mentions: Iterable[Mention],
    rules: EntityRules = ALL_RULES,
    outlet: str | None = None,
    typer: EntityTyper | None = None,
    vectors: VectorLookup | None = None,
) -> tuple[Entity, ...]:
    """Merge the mentions of one article into entities, most salient first.

    ``outlet`` is the article's source id (``metro-wire``): a name that is that outlet is an
    organisation and no subject of the article (``EntityRules.outlets``). ``typer`` (with the
    model's static ``vectors``) checks the type of each person, organisation and place last
    (``EntityRules.entity_typer``).
    """
    groups, texts, outlets = _final_groups(title, body, title_mentions, body_mentions, rules, outlet)
    lead = lead_end(body)
    if typer is not None and rules.entity_typer:
        groups = _learned_types(groups, texts, lead, typer, vectors)
    return _to_entities(groups, body, lead, outlets)


def _final_groups(
    title: str,
    body: str,
    title_mentions: Iterable[Mention],
    body_mentions: Iterable[Mention],
    rules: EntityRules,
    outlet: str | None,
) -> tuple[dict[str, _Group], dict[str, str], frozenset[str]]:
    """The article's entities as the rules leave them, its texts, and the outlet names found."""
    texts: dict[str, str] = {"title": title, "body": body}
    body_list = list(body_mentions)
    dateline = find_dateline(body)
    if dateline is not None:
        # "DENVER (Metro Wire) — ...": a place, whatever the model made of it
        start, end = dateline
        body_list = [m for m in body_list if m.end <= start or m.start >= end]
        body_list.insert(0, Mention(dateline_name(body[start:end]), "GPE", "body", start, end))
    title_list = list(title_mentions)
    if rules.outlets and outlet:
        # the article's own outlet, wherever the text names it: an organisation (salience 0 below)
        title_list = _with_outlet(title, title_list, outlet, "title")
        body_list = _with_outlet(body, body_list, outlet, "body")
    credit = find_dateline_credit(body) if rules.outlets else None
    credited = frozenset({body[credit[0] : credit[1]].casefold()} if credit is not None else ())
    if credit is not None:
        # "(Metro Wire)": the outlet the dateline credits, an organisation whatever the model said
        start, end = credit
        body_list = [m for m in body_list if m.end <= start or m.start >= end]
        body_list.insert(1, Mention(body[start:end], "ORG", "body", start, end))
    if rules.inverted_names:
        body_list = _with_inverted_names(body, body_list)
    affiliations = frozenset[str]()
    if rules.affiliations:
        body_list, affiliations = _with_affiliations(body, body_list)
    if rules.role_suffix:
        body_list = _strip_role(body_list)
    groups: dict[str, _Group] = {}
    for mention in body_list:
        groups.setdefault(mention.text.casefold(), _Group()).mentions.append(mention)
    groups = _merge_spellings(groups)
    _decide_types(groups, texts)
    groups = _split_compounds(_merge_short_forms(groups, texts, rules.namesakes, rules.short_form_type))
    _title_mentions(title, title_list, groups)
    groups = _drop_common_words(
        _merge_short_forms(groups, texts, rules.namesakes, rules.short_form_type),
        title,
        body,
        dateline,
        rules.acronym_case,
        (_outlet_names(groups, credited, outlet) if rules.outlets else frozenset()) | affiliations,
        rules.initial_places,
    )
    if rules.acronym_alias:
        groups = _merge_bracketed_acronyms(groups, texts)
    if rules.context_cues:
        _cue_types(groups, texts)
    if rules.event_names:
        _event_types(groups, texts)
    if rules.event_heads:
        _event_head_types(groups)
    if rules.party_members:
        _party_member_types(groups)
    if rules.gazetteer_type:
        _gazetteer_types(groups, texts)
    if rules.facility_places:
        _facility_types(groups, LAST_WORD_FACILITY_HEADS if rules.site_heads else frozenset())
    if rules.given_name_person:
        _given_name_types(groups)
    outlets = frozenset[str]()
    if rules.outlets:
        outlets = _outlet_types(groups, credited, outlet)
    if rules.late_merge:
        groups = _merge_short_forms(groups, texts, rules.namesakes, rules.short_form_type)
    groups = _merge_spellings(groups)  # again: the title's mentions and the merges above
    if rules.country_names:
        groups = _merge_countries(groups, texts)
    if rules.name_variants:
        groups = _merge_variants(groups)
        if rules.late_merge:
            # a surname two spellings made ambiguous ("Wilkins" of "Kristen" and "Kristin Wilkins")
            groups = _merge_short_forms(groups, texts, rules.namesakes, rules.short_form_type)
    return groups, texts, outlets


def _to_entities(
    groups: dict[str, _Group], body: str, lead: int, outlets: frozenset[str]
) -> tuple[Entity, ...]:
    if not groups:
        return ()
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
        if outlets and any(m.text.casefold() in outlets for m in group.mentions):
            salience = 0.0  # the article's credit, not its subject
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


def extract_entities(
    title: str,
    body: str,
    title_doc: Doc,
    body_doc: Doc,
    rules: EntityRules = ALL_RULES,
    outlet: str | None = None,
    typer: EntityTyper | None = None,
) -> tuple[Entity, ...]:
    """Entities of an article from its title and body documents (analysed separately);
    ``outlet`` is its source id, ``typer`` the learned type check (see ``build_entities``), which
    reads the static vectors of the documents' vocabulary."""
    return build_entities(
        title,
        body,
        *_doc_mentions(title_doc, body_doc, rules),
        rules,
        outlet,
        typer,
        vector_lookup(body_doc.vocab) if typer is not None and rules.entity_typer else None,
    )


def _doc_mentions(title_doc: Doc, body_doc: Doc, rules: EntityRules) -> tuple[list[Mention], list[Mention]]:
    """The title's and the body's mentions (each text analysed as its own document)."""
    return mentions_from_doc(title_doc, "title", rules), mentions_from_doc(body_doc, "body", rules)


def typer_inputs(
    title: str,
    body: str,
    title_doc: Doc,
    body_doc: Doc,
    rules: EntityRules = ALL_RULES,
    outlet: str | None = None,
) -> list[tuple[EntityView, tuple[str, ...]]]:
    """Each person, organisation and place the rules leave, as the entity typer reads it, with every
    name the article uses for it (for training the typer: ``training/tools/train_entity_typer.py``)."""
    groups, texts, _ = _final_groups(title, body, *_doc_mentions(title_doc, body_doc, rules), rules, outlet)
    lead = lead_end(body)
    return [
        (entity_view(g, texts, lead), tuple(dict.fromkeys([g.canonical, *(m.text for m in g.mentions)])))
        for g in groups.values()
        if g.label() in LABEL_CLASSES
    ]


_LAST_WORD = re.compile(r"([\w'’.&-]+)\W*$")
_FIRST_WORD = re.compile(r"^\W*([\w'’.&-]+)")


def entity_view(group: _Group, texts: dict[str, str], lead: int) -> EntityView:
    """What the entity typer reads of a group (``newsflow.enrich.entity_typer``)."""
    before, after, initial = [], [], []
    for m in group.mentions:
        text = texts[m.field]
        last = _LAST_WORD.search(text, max(0, m.start - 40), m.start)
        first = _FIRST_WORD.match(text[m.end : m.end + 40])
        before.append(last.group(1).casefold() if last else "")
        after.append(first.group(1).casefold() if first else "")
        initial.append(_sentence_initial(text, m.start))
    canonical = group.canonical
    lower = canonical.lower()
    return EntityView(
        canonical=canonical,
        label=group.label(),
        forced=group.forced is not None,
        mention_labels=tuple(m.label for m in group.mentions),
        mention_texts=tuple(m.text for m in group.mentions),
        before=tuple(before),
        after=tuple(after),
        in_title=any(m.field == "title" for m in group.mentions),
        in_lead=any(m.field == "body" and m.start < lead for m in group.mentions),
        sentence_initial=sum(initial) / len(initial) if initial else 0.0,
        lower_case_in_text=lower != canonical
        and (has_whole_word(texts["body"], lower) or has_whole_word(texts["title"], lower)),
    )


#: The label a group gets when the typer gives it another class.
_CLASS_LABELS = {"person": "PERSON", "organization": "ORG", "place": "GPE"}


def _learned_types(
    groups: dict[str, _Group],
    texts: dict[str, str],
    lead: int,
    typer: EntityTyper,
    vectors: VectorLookup | None,
) -> dict[str, _Group]:
    """The typer's word on each person, organisation and place: another type, or no entity."""
    kept: dict[str, _Group] = {}
    for key, group in groups.items():
        if group.label() in LABEL_CLASSES:
            decision = typer.decide(entity_view(group, texts, lead), vectors)
            if decision == "none":
                continue
            if decision is not None:
                group.forced = _CLASS_LABELS[decision]
        kept[key] = group
    return kept
