"""The search box syntax: words, "phrases", OR, -exclusions and field prefixes (pure parsing).

``flood "legal challenge" okafor OR whitmore -landlords source:metro-wire entity:"Keiko Whitmore"``

- Words are all required (AND), wherever they occur: title, body or entity names.
- ``"..."`` is a phrase (the words adjacent, in order).
- ``OR`` (upper case) between two items requires either; ``a OR b OR c`` chains. Lower-case ``or`` is
  an ordinary word.
- ``-word``, ``-"phrase"``, ``-field:value`` exclude.
- ``entity:``, ``topic:``, ``source:``, ``section:``, ``language:`` filter on that field
  (case-insensitive; quote values with spaces). Any other ``x:y`` is an ordinary word.

A quote left open or an ``OR`` with nothing on one side is a :class:`QuerySyntaxError` saying where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIELDS: tuple[str, ...] = ("entity", "topic", "source", "section", "language")

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[a-z]+):)?(?:"(?P<quoted>[^"]*)"|(?P<open>"[^"]*$)|(?P<word>[^\s"]+))'
)


class QuerySyntaxError(ValueError):
    """The query text cannot be parsed; the message says what and where."""


@dataclass(frozen=True)
class Text:
    """Free text: a word, or a phrase when ``phrase``."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Condition:
    """A field condition, ``entity:"Keiko Whitmore"``."""

    field: str
    value: str


Clause = Text | Condition


@dataclass(frozen=True)
class ParsedQuery:
    """Every group in ``required`` must match (a group of several clauses: any one); none of ``excluded``."""

    required: tuple[tuple[Clause, ...], ...] = ()
    excluded: tuple[Clause, ...] = ()

    @property
    def words(self) -> list[str]:
        """The plain required words (single-clause groups), in order."""
        return [
            g[0].text for g in self.required if len(g) == 1 and isinstance(g[0], Text) and not g[0].phrase
        ]

    @property
    def others(self) -> list[tuple[Clause, ...]]:
        """The required groups that are not plain words (phrases, fields, OR groups)."""
        return [g for g in self.required if not (len(g) == 1 and isinstance(g[0], Text) and not g[0].phrase)]


def _clause(field: str | None, value: str, quoted: bool) -> Clause:
    if field in FIELDS:
        return Condition(field, value)
    if field is not None:  # an unknown prefix: "10:30", "U.S.:" — the whole thing is text
        value = f"{field}:{value}"
    return Text(value, phrase=quoted and len(value.split()) > 1)


def parse(text: str) -> ParsedQuery:
    """Parse the search box text (see the module docstring)."""
    items: list[tuple[bool, Clause] | str] = []  # (excluded, clause) or the "OR" marker
    for match in _TOKEN.finditer(text):
        if match.group("open") is not None:
            raise QuerySyntaxError(f"unclosed quote at character {match.start('open') + 1}: {text!r}")
        negated = match.group("neg") is not None
        field = match.group("field")
        quoted = match.group("quoted") is not None
        value = (match.group("quoted") if quoted else match.group("word")) or ""
        if not quoted and not negated and field is None and value == "OR":
            items.append("OR")
            continue
        value = " ".join(value.split())
        if not any(c.isalnum() for c in value):
            continue  # "", a lone "-" or other punctuation: nothing to search for
        items.append((negated, _clause(field, value, quoted)))
    return _group(items, text)


def _group(items: list[tuple[bool, Clause] | str], text: str) -> ParsedQuery:
    required: list[tuple[Clause, ...]] = []
    excluded: list[Clause] = []
    joining = False
    for n, item in enumerate(items):
        if item == "OR":
            previous = items[n - 1] if n else None
            following = items[n + 1] if n + 1 < len(items) else None
            if not isinstance(previous, tuple) or not isinstance(following, tuple):
                raise QuerySyntaxError(f"OR needs a word or phrase on both sides: {text!r}")
            if previous[0] or following[0]:
                raise QuerySyntaxError(f"OR cannot join an exclusion (-...): {text!r}")
            joining = True
            continue
        assert isinstance(item, tuple)
        negated, clause = item
        if negated:
            excluded.append(clause)
        elif joining:
            required[-1] = (*required[-1], clause)
        else:
            required.append((clause,))
        joining = False
    return ParsedQuery(tuple(required), tuple(excluded))
