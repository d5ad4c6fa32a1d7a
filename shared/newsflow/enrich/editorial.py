"""The text the NER reads: an article's words with the editor's square brackets taken out.

News quotes carry an editor's insertions in square brackets: "[George W.] Bush in 2000", "There's
Jeff [Drake], who is behind the camera", "[Warhol] liked the way photo booths ...". Read as they
stand, a bracket splits a name in two ("George W." and a bare "Bush") or glues itself to it
("George H. W.] Bush"). The NER and the entity rules therefore read the text with each short
bracketed insertion's brackets removed and its words kept; citation marks ("[1]") and "[sic]" go
whole, and "[...]" (an omission) stays. A capitalised insertion that is no part of a longer name
names again what stands before it, and is read as a parenthesis: "Korean People's Army [KPA]",
"He [Obama] loves", "my idol is Queen Bee [Beyoncé]"; it is part of a name when the name goes on
right after it ("[Phil] Gramm") or a given name stands right before it ("Jeff [Drake]").

The article itself (stored and indexed) keeps its brackets, and the entities' spans are mapped
back to it (``restore_spans``): a span always indexes the article's own title or body.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from newsflow.enrich.gazetteer import given_names
from newsflow.models import Entity, Span

#: An insertion: one bracket pair on one line with at most 60 characters inside and no bracket.
_INSERTION = re.compile(r"\[([^\[\]\n]{0,60})\]")
#: Insertions that are marks, not words of the sentence.
_MARK = re.compile(r"\s*(?:\d{1,3}|sic|citation needed)\s*", re.IGNORECASE)
#: The capitalised word right before an insertion (one space between), and the word before it.
_WORD_BEFORE = re.compile(r"(?:(\w+) )?([A-Z][\w'’.-]*) $")
#: A capitalised word right after an insertion.
_NAME_AFTER = re.compile(r" [A-Z]")
_DETERMINERS = frozenset({"a", "an", "the", "The", "A", "An"})


def _completes_a_name(before: str, after: str) -> bool:
    """True when a capitalised insertion is part of a name: the name goes on right after it ("[George
    W.] Bush", "[Phil] Gramm") or a given name stands right before it ("Jeff [Drake]"; not "the Tory
    [Conservative] government")."""
    if _NAME_AFTER.match(after[:2]):
        return True
    word = _WORD_BEFORE.search(before[-60:])
    return word is not None and word.group(1) not in _DETERMINERS and word.group(2) in given_names()


@dataclass(frozen=True)
class ReadText:
    """A text as the NER reads it, with the way back to the original's offsets."""

    text: str
    #: positions in ``text`` right before which characters of the original were removed ...
    cuts: tuple[int, ...] = ()
    #: ... and how many were removed up to each of them (cumulative)
    removed: tuple[int, ...] = ()

    def original(self, index: int) -> int:
        """Where the character at ``index`` of the read text stands in the original."""
        k = bisect_right(self.cuts, index)
        return index + (self.removed[k - 1] if k else 0)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original's offsets of the read text's ``[start, end)`` (inner removals included)."""
        if end <= start:
            at = self.original(start)
            return at, at
        return self.original(start), self.original(end - 1) + 1


def read_text(original: str) -> ReadText:
    """``original`` with short bracketed insertions unbracketed ("[George W.] Bush" → "George W. Bush")."""
    if "[" not in original:
        return ReadText(original)
    parts: list[str] = []
    length = 0
    cuts: list[int] = []
    removed: list[int] = []
    total = 0

    def cut(count: int) -> None:
        nonlocal total
        total += count
        if cuts and cuts[-1] == length:
            removed[-1] = total
        else:
            cuts.append(length)
            removed.append(total)

    last = 0
    for match in _INSERTION.finditer(original):
        before = original[last : match.start()]
        parts.append(before)
        length += len(before)
        inner = match.group(1)
        if not any(c.isalpha() or c.isdigit() for c in inner):
            parts.append(match.group(0))  # "[...]": an omission, not an insertion
            length += len(match.group(0))
        elif _MARK.fullmatch(inner):
            # a mark goes with the space before it: "Theres [sic] something" → "Theres something"
            space = before.endswith(" ")
            if space:
                parts[-1] = before[:-1]
                length -= 1
            cut(len(match.group(0)) + space)
        elif inner[:1].isupper() and not _completes_a_name(before, original[match.end() :]):
            # a name or acronym of its own names again what precedes it: "Army [KPA]", "He [Obama]"
            parts.append(f"({inner})")
            length += len(inner) + 2
        else:
            cut(1)
            parts.append(inner)
            length += len(inner)
            cut(1)
        last = match.end()
    parts.append(original[last:])
    return ReadText("".join(parts), tuple(cuts), tuple(removed))


def restore_spans(entities: Sequence[Entity], title: ReadText, body: ReadText) -> tuple[Entity, ...]:
    """``entities`` found in the read texts, their spans moved to the original title and body."""
    if not (title.cuts or body.cuts):
        return tuple(entities)
    reads = {"title": title, "body": body}
    out = []
    for entity in entities:
        spans = []
        for span in entity.spans:
            start, end = reads[span.field].original_span(span.start, span.end)
            spans.append(Span(field=span.field, start=start, end=end))
        out.append(entity.model_copy(update={"spans": tuple(spans)}))
    return tuple(out)
