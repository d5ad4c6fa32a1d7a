"""Rules that read the words around a name (issue 12): what the text itself says a name is.

General English, no list of names: the words listed here are common nouns that name a kind of
organisation or place, and courtesy titles. Used by ``newsflow.enrich.entities``:

- ``cue_label``: a lower-case noun next to a name says its type — "the ruling Frelimo party", "oil
  company Petrobras", "news agency Yonhap", "Petrobras, government oil company," (organisations),
  "the town of Yeoncheon", "provincial capital Banda Aceh", "Aceh province", "Gander, a town near
  ..." (places), "Mr Iversen" (a person), "horror film White Noise" (a work), "the Joe Boxer
  brands", "brands, including Kenmore" (products);
- ``without_cue_noun``: "Frelimo party" → "Frelimo";
- ``join_split_names``: a name the model cut in two is one ("Luiz Inácio" + "Lula da Silva",
  "Daniel arap" + "Moi", "Palacio" + "do" + "Planalto", "University of North Carolina" + "at" +
  "Chapel Hill");
- ``split_slashed``: "Newsmax / Zogby" is two names;
- ``inverted_names``: "Austen, Jane." opening a paragraph of a reading list is "Jane Austen";
  ``reading_list_titles``: the rest of such a paragraph is a title ("White Fang", "History of England").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from newsflow.enrich.entity_rules import RawSpan

#: Lower-case nouns that name a kind of organisation: "<noun> Name" or "Name <noun>".
ORG_CUE_NOUNS = frozenset(
    {
        "agency",
        "airline",
        "alliance",
        "band",
        "bank",
        "broadcaster",
        "carrier",
        "charity",
        "club",
        "coalition",
        "company",
        "conglomerate",
        "corporation",
        "daily",
        "firm",
        "group",
        "insurer",
        "magazine",
        "manufacturer",
        "militia",
        "movement",
        "network",
        "newspaper",
        "organisation",
        "organization",
        "party",
        "publisher",
        "retailer",
        "school",
        "tabloid",
        "website",
    }
)
#: Lower-case nouns that name a kind of place: "town of Name", "capital Name", "Name province".
PLACE_OF_NOUNS = frozenset(
    {"city", "town", "village", "province", "state", "county", "district", "region", "island", "municipality"}
)
PLACE_BEFORE_NOUNS = frozenset({"capital", "city", "town", "village", "port", "suburb"})
PLACE_AFTER_NOUNS = frozenset({"province", "county", "district", "region", "prefecture"})
#: Lower-case nouns that name a kind of work, before its title: "horror film White Noise", "the
#: novel White Fang" (a title the model tags as an organisation or a person is neither).
WORK_BEFORE_NOUNS = frozenset(
    {
        "film",
        "movie",
        "novel",
        "book",
        "album",
        "song",
        "musical",
        "opera",
        "documentary",
        "sitcom",
        "video game",
    }
)
#: Parts of a building: a name after "the roof of", "the steps of" is the building, a place ("scaled
#: the roof of the Houses of Parliament" — the institution would be an organisation).
BUILDING_PART_NOUNS = frozenset(
    {"roof", "rooftop", "steps", "gates", "lobby", "forecourt", "courtyard", "grounds", "facade"}
)
#: Venues that are given names: "the team's new ballpark, now called Citi Field" names a place.
VENUE_NOUNS = frozenset({"stadium", "ballpark", "arena", "venue", "racecourse", "concert hall"})
#: Businesses that are premises as well: "the Pacific Standard bar" is the business, an
#: organisation, even where the model reads the name as a region; so is a name before "owner" (not
#: one the model read as a person: "his son Hans Mobius, owners of the properties").
BUSINESS_AFTER_NOUNS = frozenset(
    {"bar", "pub", "restaurant", "cafe", "café", "nightclub", "brewery", "owner", "owners"}
)
#: Courtesy titles written before a person's name ("Mr Iversen", "Dr. Okafor").
PERSON_TITLES = frozenset({"Mr", "Mrs", "Ms", "Dr"})


def _alternatives(words: Collection[str]) -> str:
    return "|".join(sorted(words))


_ORG_BEFORE = re.compile(rf"(?<![\w'’])(?:{_alternatives(ORG_CUE_NOUNS)}) $")


#: Organisation nouns that also name what a person does ("publishers Jann Wenner and ...",
#: "broadcasters David Attenborough and ..."): no list cue.
_PERSON_TOO = frozenset({"publisher", "broadcaster"})


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


#: A plural organisation noun before a list of names: "the religious schools Santo Spirito and
#: Immacolata", "groups such as Hamas and Hezbollah", "banks, including HSBC" (a comma only before
#: "including", "such as", "like": "For each of these parties, Richardson is ..." names no party).
_ORG_PLURALS = _alternatives([_plural(n) for n in ORG_CUE_NOUNS - _PERSON_TOO])
_ORG_LIST_BEFORE = re.compile(
    rf"(?<![\w'’])(?:{_ORG_PLURALS})(?:,? (?:including|such as|like))? "
    r"(?:[A-Z][\w'’.&-]*(?: [A-Z][\w'’.&-]*){0,3},? (?:and )?)*$"
)
_ORG_LIST_LOOK_BEHIND = 120
_ORG_AFTER = re.compile(rf" (?:{_alternatives(ORG_CUE_NOUNS)})(?![\w'’-])")
_PLACE_BEFORE = re.compile(
    rf"(?<![\w'’])(?:(?:{_alternatives(PLACE_OF_NOUNS)}) of|{_alternatives(PLACE_BEFORE_NOUNS)}) $"
)
_PLACE_AFTER = re.compile(rf" (?:{_alternatives(PLACE_AFTER_NOUNS)})(?![\w'’-])")
#: An apposition after a name that says what it is: "Petrobras, government oil company, ...", "The
#: Carter Center — an organization providing election monitors", "Gander, a town in ...": the type
#: noun closes the apposition (punctuation, or a word that opens what follows it), so "Okafor, a
#: former bank executive" and "James Baker, secretary of state," say nothing (the noun must head it).
_APPOSITION = (
    r"(?:,| —| –) (?:(?:a|an|the|[A-Z][\w.-]*['’]s) )?(?:(?!(?:{function_words}) )[a-z][\w'’-]* ){{0,3}}?"
    r"(?:{nouns})(?=[,.;:)—–]|- | (?:{after})\b)"
)
_APPOSITION_AFTER = "that|which|who|whose|providing|based|in|of|on|with|founded|owned|for|from|near"
#: words that cannot stand between the apposition's article and its noun: the noun would not head it
#: (", secretary of state,", ", about the current state of magic")
_NOT_MODIFIERS = (
    "of|for|to|in|at|on|by|with|and|or|about|as|from|into|over|under|after|before|than|the|a|an|"
    "his|her|its|their|our|this|that|these|those|who|which|where|when|is|was|are|were"
)
_ORG_APPOSITION = re.compile(
    _APPOSITION.format(
        nouns=_alternatives(ORG_CUE_NOUNS), after=_APPOSITION_AFTER, function_words=_NOT_MODIFIERS
    )
)
_PLACE_APPOSITION = re.compile(
    _APPOSITION.format(
        nouns=_alternatives(PLACE_OF_NOUNS | PLACE_BEFORE_NOUNS),
        after=_APPOSITION_AFTER,
        function_words=_NOT_MODIFIERS,
    )
)
_BUILDING_PART = re.compile(rf"(?<![\w'’])(?:{_alternatives(BUILDING_PART_NOUNS)}) of (?:the )?$")
_VENUE_NAMED = re.compile(
    rf"(?<![\w'’])(?:{_alternatives(VENUE_NOUNS)}),? (?:(?:now|later|since|to be) )?"
    r"(?:called|named|renamed|known as) (?:the )?$"
)
_BUSINESS_AFTER = re.compile(rf" (?:{_alternatives(BUSINESS_AFTER_NOUNS)})(?![\w'’-])")
_AFTER_PLACE_COMMA = re.compile(r"[A-Z][\w.'’-]*, $")
_WORK_BEFORE = re.compile(rf"(?<![\w'’])(?:{_alternatives(WORK_BEFORE_NOUNS)}) $")
_PERSON_BEFORE = re.compile(rf"(?<![\w'’])(?:{_alternatives(PERSON_TITLES)})\.? $")
#: How far before a name a cue may start (the longest cue plus its space).
_LOOK_BEHIND = 32
#: Brands are products: "the Martha Stewart and Joe Boxer brands", "brands, including Craftsman
#: Tools, Kenmore, and Lands' End" (plural "brands" only: "the Nike brand" is often the company).
_NAME_WORDS = r"[A-Z][\w'’.&-]*(?: [A-Z][\w'’.&-]*){0,3}"
_BRANDS_AFTER = re.compile(rf"(?:,? and {_NAME_WORDS})? brands\b")
_BRANDS_BEFORE = re.compile(rf"\bbrands,? (?:including|such as|like) (?:{_NAME_WORDS},? (?:and )?)*$")
_BRAND_LIST_LOOK_BEHIND = 160
_SITE_NAME = re.compile(r"\.(?:com|org|net|co|io|gov|edu|uk|de|fr)\b", re.IGNORECASE)


def cue_label(text: str, start: int, end: int, label: str) -> str | None:
    """The type a lower-case noun next to the name at ``start:end`` gives it, if any.

    A noun after the name does not make a place an organisation: "a Texas company" is a Texan
    company, not an organisation called Texas.
    """
    since = max(0, start - _LOOK_BEHIND)
    if _PERSON_BEFORE.search(text, since, start):
        return "PERSON"
    if _WORK_BEFORE.search(text, since, start):
        return "WORK_OF_ART"
    if (
        _BRANDS_AFTER.match(text, end)
        or _BRANDS_BEFORE.search(text, max(0, start - _BRAND_LIST_LOOK_BEHIND), start)
    ) and not _SITE_NAME.search(text, start, end):
        return "PRODUCT"  # a website among the brands ("Excite.com") stays a site, an organisation
    possessive = text[end : end + 2] in ("'s", "’s")  # "the province of Sumaidaie's village"
    if (_PLACE_BEFORE.search(text, since, start) and not possessive) or _PLACE_AFTER.match(text, end):
        return "GPE"
    # "Shopper Events LLC of Rogers, Arkansas, a marketing firm": after "City, " the apposition
    # describes what stands before the city, not the state
    in_address = _AFTER_PLACE_COMMA.search(text, since, start) is not None
    if not in_address and _ORG_APPOSITION.match(text, end):
        return "ORG"
    if not in_address and _PLACE_APPOSITION.match(text, end):
        return "GPE"
    if _ORG_BEFORE.search(text, since, start) or _ORG_LIST_BEFORE.search(
        text, max(0, start - _ORG_LIST_LOOK_BEHIND), start
    ):
        return "ORG"
    if _ORG_AFTER.match(text, end) and label not in ("GPE", "LOC", "NORP"):
        return "ORG"
    if _BUSINESS_AFTER.match(text, end) and label not in ("GPE", "NORP", "PERSON"):
        return "ORG"
    return None


def without_cue_noun(name: str) -> str:
    """ "Frelimo party" → "Frelimo", "Aceh province" → "Aceh": a lower-case type noun the model took
    into the name is no part of it (it stays in the text, where ``cue_label`` reads it)."""
    head, _, last = name.rpartition(" ")
    if head and last in ORG_CUE_NOUNS | PLACE_AFTER_NOUNS:
        return head.rstrip()
    return name


#: Words that open a photo credit in a caption: "... student Ahmed Mohamed Image: Twitter".
CAPTION_CREDIT_WORDS = frozenset({"Image", "Photo", "Picture"})


def without_caption_credit(name: str, text: str, end: int) -> str:
    """ "Ahmed Mohamed Image" → "Ahmed Mohamed" where a colon follows (``end`` is where the name ends
    in ``text``): a caption's credit label, written right after the last word of the caption, is no
    part of the name the model took it into."""
    head, _, last = name.rpartition(" ")
    if head and last in CAPTION_CREDIT_WORDS and text[end : end + 1] in (":", ";"):
        return head.rstrip()
    return name


_SCORE_AFTER = re.compile(r"\s?[–—-]\s?\d{1,2}(?!\d)")


def without_score(name: str, text: str, end: int) -> str:
    """ "Sweden 1" → "Sweden" in "putting Sweden 1 – 0 up" (``end`` is where the name ends in
    ``text``): the first number of a score the model took into a team's name."""
    head, _, last = name.rpartition(" ")
    if head and last.isdigit() and len(last) <= 2 and _SCORE_AFTER.match(text, end):
        return head.rstrip()
    return name


_STANCE_PREFIX = re.compile(r"(?<![\w-])(?:pro|anti|Pro|Anti)-$")
_CURRENCY_AFTER = re.compile(r" ?\$")


def is_modifier_only(text: str, start: int, end: int) -> bool:
    """Whether the name at ``start:end`` only modifies a word or is no name at all: a stance prefix
    before it ("pro-Beijing camp", "anti-America protests"), a dollar sign after it ("NZ $26
    million"), or a hash sign before it (the hashtag "#IStandWithAhmed")."""
    return bool(
        _STANCE_PREFIX.search(text, max(0, start - 5), start)
        or _CURRENCY_AFTER.match(text, end)
        or text[start - 1 : start] == "#"
    )


def is_building_cue(text: str, start: int) -> bool:
    """Whether the name at ``start`` is named as a building or venue ("the roof of |the Houses of
    Parliament", "the new ballpark, now called |Citi Field"). A weaker cue than ``cue_label``'s: an
    institution is also named after the building it sits in ("the gates of the UN"), so the caller
    weighs it against the name's other mentions."""
    since = max(0, start - _LOOK_BEHIND)
    return bool(_BUILDING_PART.search(text, since, start) or _VENUE_NAMED.search(text, since, start))


def is_work_cue(text: str, start: int) -> bool:
    """Whether a work noun stands right before ``start`` ("the novel |White Fang")."""
    return _WORK_BEFORE.search(text, max(0, start - _LOOK_BEHIND), start) is not None


#: Lower-case particles inside people's names ("Daniel arap Moi", "Ludwig van Beethoven").
NAME_PARTICLES = frozenset({"arap", "bin", "ibn", "van", "von", "de", "da", "do", "dos", "der", "del", "la"})


_JOINABLE = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
#: Particles inside Portuguese, Spanish and Italian place and building names ("Palacio do Planalto").
_INNER_PARTICLES = frozenset({" do ", " da ", " dos ", " das ", " de ", " del ", " di "})


def join_split_names(spans: Sequence[RawSpan], text: str) -> list[RawSpan]:
    """A name the model cut in two is one: two people with only a space between them ("Luiz Inácio"
    + "Lula da Silva"), a person ending in a name particle followed by a name ("Daniel arap" +
    "Moi"), two names joined by a Romance particle ("Palacio" + "do" + "Planalto"), or a university
    and its campus ("University of North Carolina" + "at" + "Chapel Hill")."""
    joined: list[RawSpan] = []
    for span in spans:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.label == "PERSON"
            and text[previous.end : span.start] == " "
            and previous.text[:1].isupper()
            and span.text[:1].isupper()
            and not previous.text.endswith(("'s", "’s"))  # "Civic Passion's Wong Yeung": two names
            and (
                span.label == "PERSON"
                or (previous.text.split()[-1] in NAME_PARTICLES and span.label in ("ORG", "GPE", "NORP"))
            )
        ):
            joined[-1] = RawSpan(previous.start, span.end, "PERSON", text[previous.start : span.end])
        elif (
            previous is not None
            and previous.label in _JOINABLE
            and span.label in _JOINABLE
            and text[previous.end : span.start] in _INNER_PARTICLES
            and previous.text[:1].isupper()
            and span.text[:1].isupper()
        ):
            # "Palacio" + "do" + "Planalto", "Granja" + "do" + "Torto": one name, a place if either
            # part was taken for one
            places = {previous.label, span.label} & {"GPE", "LOC", "FAC"}
            label = "GPE" if places else previous.label
            joined[-1] = RawSpan(previous.start, span.end, label, text[previous.start : span.end])
        elif (
            previous is not None
            and previous.label == "ORG"
            and span.label in ("GPE", "LOC", "FAC")
            and text[previous.end : span.start] in (" at ", "–", "-")
            and previous.text.split()[0] == "University"
            and span.text[:1].isupper()
        ):
            # "University of North Carolina" + "at" + "Chapel Hill", "University of Wisconsin" + "–"
            # + "Madison": the campus is part of the university's name
            joined[-1] = RawSpan(previous.start, span.end, "ORG", text[previous.start : span.end])
        else:
            joined.append(span)
    return joined


_NAME = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*"
#: "Austen, Jane", "Macaulay, Thomas Babington": a surname, a comma, one to three given names
_INVERTED = re.compile(rf"(?P<surname>{_NAME}), (?P<given>{_NAME}(?: {_NAME}){{0,2}})")
#: what may follow an inverted name in a list: the full stop before the title, "and" before another
_INVERTED_END = re.compile(r"\.(?:\s|$)| and ")


def _reading_list(
    text: str, given_names: Collection[str]
) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, int]]]:
    """The inverted names of ``inverted_names`` and, for each paragraph that opens with them, where
    the title after them runs: from the full stop after the last name to the paragraph's end."""
    found: list[tuple[int, int, str, str]] = []
    titles: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        pos = paragraph.start()
        while True:
            match = _INVERTED.match(text, pos, paragraph.end())
            # the first given name must be a known one; a name after "and" follows the pattern the
            # first set ("Marx, Karl and Engels, Friedrich")
            if match is None or (
                pos == paragraph.start() and match.group("given").split()[0] not in given_names
            ):
                break
            end = _INVERTED_END.match(text, match.end())
            if end is None:
                break
            found.append((match.start(), match.end(), match.group("surname"), match.group("given")))
            if end.group() != " and ":
                if end.end() < paragraph.end():
                    titles.append((end.end(), paragraph.end()))
                break
            pos = end.end()
    return found, titles


def inverted_names(text: str, given_names: Collection[str]) -> list[tuple[int, int, str, str]]:
    """Names written surname first at the start of a paragraph, as a reading list or a bibliography
    writes them ("Austen, Jane. Pride and Prejudice"; "Marx, Karl and Engels, Friedrich. ..."):
    (start, end, surname, given names) of each, when the first given name is a known one."""
    return _reading_list(text, given_names)[0]


def reading_list_titles(text: str, given_names: Collection[str]) -> list[tuple[int, int]]:
    """Where the titles of a reading list run ("London, Jack. White Fang": "White Fang"): (start,
    end) of the rest of each paragraph that opens with an inverted name (``inverted_names``)."""
    return _reading_list(text, given_names)[1]


def split_slashed(text: str, start: int) -> list[tuple[str, int]]:
    """ "Newsmax / Zogby" → the two names with their offsets; any other name unchanged."""
    if " / " not in text:
        return [(text, start)]
    parts: list[tuple[str, int]] = []
    offset = start
    for piece in text.split(" / "):
        stripped = piece.strip()
        if stripped:
            parts.append((stripped, offset + piece.index(stripped)))
        offset += len(piece) + 3
    return parts
