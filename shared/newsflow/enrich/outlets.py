"""News outlets named in an article: its own (the ``source``) and the credit of a wire dateline.

An outlet that publishes or credits the article is an organisation, and it is the article's
credit, not its subject: the entity rules type it so (a fine-tuned NER called the seed outlet
"Metro Wire" a person) and give it no salience, and the index keeps the own outlet out of the
entity facets (every article of an outlet names it).
"""

from __future__ import annotations

import re

_NOT_SLUG = re.compile(r"[^a-z0-9]+")

#: "DENVER (Metro Wire) — ...", "CAPE TOWN, Feb 5 (Reuters) - ...": the place, then the credit.
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,3})"  # CAPE TOWN
    r"(?:, [^\n()—–]{1,30}?)?"  # , Feb 5
    r" \((?P<credit>[^\n()]{1,60})\)"  # (Reuters): required, so "BREAKING — ..." is no place
    r" [—–-] "
)


def slug(name: str) -> str:
    """ "Harbor Times" → ``harbor-times`` (the shape of a source id)."""
    return _NOT_SLUG.sub("-", name.casefold()).strip("-")


def is_own_outlet(name: str, source: str) -> bool:
    """Whether an entity's name is the article's own outlet ("Harbor Times" for ``harbor-times``)."""
    name_slug = slug(name)
    source = source.casefold()
    return bool(name_slug) and (
        name_slug in (source, source.removeprefix("the-")) or f"the-{name_slug}" == source
    )


def find_dateline(body: str) -> tuple[int, int] | None:
    """Offsets of the place of a wire dateline opening ``body`` ("DENVER (Metro Wire) — ...")."""
    match = _DATELINE.match(body)
    if match is None:
        return None
    return match.start("place"), match.end("place")


def find_dateline_credit(body: str) -> tuple[int, int] | None:
    """Offsets of the credited outlet of a wire dateline ("Metro Wire" in "DENVER (Metro Wire) — ")."""
    match = _DATELINE.match(body)
    if match is None:
        return None
    start, end = match.start("credit"), match.end("credit")
    text = body[start:end]
    # "(AP/Reuters)", "(Reuters, additional reporting)": the first name only
    first = re.split(r"\s*[/,;]\s*", text, maxsplit=1)[0].strip()
    if not first or not first[0].isupper():
        return None
    offset = text.index(first)
    return start + offset, start + offset + len(first)


def outlet_spans(text: str, source: str) -> list[tuple[int, int]]:
    """Where ``text`` names the outlet ``source`` (``the-daily-ledger`` → "Daily Ledger", "The Daily
    Ledger" → its "Daily Ledger"), written with a capital: the outlet is found even where the model
    missed it ("Wikinews interviews ..." for ``wikinews``)."""
    words = [w for w in source.casefold().split("-") if w]
    if words[:1] == ["the"]:
        words = words[1:]
    if not words or not all(w.isalnum() for w in words):
        return []
    pattern = re.compile(r"(?<![\w-])" + r"[\s-]+".join(map(re.escape, words)) + r"(?![\w-])", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text) if text[m.start()].isupper()]
